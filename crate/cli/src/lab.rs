//! `quorate lab <figure> [--seeds N] [--csv FILE]`: many seeded runs, one table per figure, the papers'
//! numbers beside the measured ones, and the same rows as CSV for plotting.
//!
//! Figures: `fig16` (Raft paper Figure 16), `convergence` (user-event spread against Serf's model and the
//! exact push-gossip Markov chain), `detection` (first detection against e/(e-1)), `load` (messages per
//! member against N) and `lifeguard` (false deaths with a slow member, Lifeguard off and on).

use std::process::ExitCode;

use clap::{Args, Subcommand};
use quorate_core::Duration;
use quorate_gossip::markov::PushChain;
use quorate_gossip::sweep::{self, Slowness};
use quorate_gossip::{theory, Lifeguard};
use quorate_raft::sweep::fig16::{self, Fig16Params, PAPER_RANGES};

#[derive(Args)]
pub struct LabArgs {
    #[command(subcommand)]
    figure: Figure,
    /// Seeds (trials) per row; each figure has its own default.
    #[arg(long, global = true)]
    seeds: Option<u64>,
    /// First seed.
    #[arg(long, default_value_t = 1, global = true)]
    seed: u64,
    /// Also write the rows as CSV to this file.
    #[arg(long, global = true)]
    csv: Option<std::path::PathBuf>,
}

#[derive(Subcommand)]
enum Figure {
    /// Raft Figure 16: time without a leader after a crash, CDF per timeout range (default 1000 trials).
    Fig16,
    /// Informed members per gossip round: measured runs, the exact Markov chain, Serf's model (default 20 seeds).
    Convergence {
        #[arg(long, default_value_t = 30)]
        n: u32,
        #[arg(long, default_value_t = 3)]
        fanout: u32,
        #[arg(long, default_value_t = 0.0)]
        loss: f64,
    },
    /// Time from a crash to the first suspicion, in probe periods, against e/(e-1) (default 100 seeds).
    Detection {
        #[arg(long, value_delimiter = ',', default_value = "10,50,200")]
        n: Vec<u32>,
    },
    /// Messages per member per probe period against N (one seed, 30 periods).
    Load {
        #[arg(long, value_delimiter = ',', default_value = "10,100,1000")]
        n: Vec<u32>,
    },
    /// False deaths of healthy members with 0..4 slow members, Lifeguard off and on (default 3 seeds).
    Lifeguard {
        #[arg(long, default_value_t = 30)]
        n: u32,
        #[arg(long, default_value_t = 10)]
        minutes: u64,
    },
}

/// The Raft paper's own numbers for Figure 16 (section 9.3): (range, statistic, milliseconds).
pub const FIG16_PAPER: &[((u64, u64), &str, f64)] = &[
    ((150, 150), "p50 >", 10_000.0),
    ((150, 155), "p50", 287.0),
    ((150, 200), "max", 513.0),
    ((12, 24), "mean", 35.0),
    ((12, 24), "max", 152.0),
];

struct Csv {
    rows: Vec<String>,
}

impl Csv {
    fn new(header: &str) -> Csv {
        Csv {
            rows: vec![header.to_string()],
        }
    }
    fn row(&mut self, cells: &[String]) {
        self.rows.push(cells.join(","));
    }
    fn write(&self, path: Option<&std::path::Path>) -> Result<(), String> {
        if let Some(p) = path {
            std::fs::write(p, self.rows.join("\n") + "\n")
                .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
            eprintln!("wrote {} rows to {}", self.rows.len() - 1, p.display());
        }
        Ok(())
    }
}

fn check_loss(loss: f64) -> Result<(), String> {
    if (0.0..1.0).contains(&loss) {
        Ok(())
    } else {
        Err(format!("--loss is a probability in [0, 1), got {loss}"))
    }
}

pub fn lab(args: LabArgs) -> Result<ExitCode, String> {
    let first = args.seed;
    let seeds = |default: u64| first..first + args.seeds.unwrap_or(default).max(1);
    let csv_path = args.csv.as_deref();
    match args.figure {
        Figure::Fig16 => {
            let trials = u32::try_from(args.seeds.unwrap_or(1000).max(1))
                .map_err(|_| "--seeds is too large".to_string())?;
            let params = Fig16Params {
                trials,
                first_seed: first,
                ..Fig16Params::default()
            };
            println!(
                "Raft Figure 16: 5 voters, one-way latency {}..{}, {trials} trials per range, seeds {first}..",
                params.latency_min, params.latency_max
            );
            let results = fig16::sweep(&PAPER_RANGES, &params, |r| {
                eprintln!("  {}-{} ms done", r.min_ms, r.max_ms)
            });
            print!("{}", fig16::describe_table(&results, &params));
            println!("\nthe paper's points next to ours");
            println!(
                "{:<10} {:<6} {:>10} {:>10}",
                "range", "stat", "paper", "measured"
            );
            for ((lo, hi), stat, ms) in FIG16_PAPER {
                let Some(r) = results.iter().find(|r| (r.min_ms, r.max_ms) == (*lo, *hi)) else {
                    continue;
                };
                let ours = match *stat {
                    "p50" | "p50 >" => r.quantile(0.5),
                    "max" => r.quantile(1.0),
                    _ => r.mean(),
                };
                let ours =
                    ours.map_or_else(|| format!("> {}", params.cap), |v| format!("{v:.0} ms"));
                println!(
                    "{:<10} {:<6} {:>10} {:>10}",
                    format!("{lo}-{hi}"),
                    stat,
                    format!("{ms:.0} ms"),
                    ours
                );
            }
            let mut csv = Csv::new("range_min_ms,range_max_ms,ms,cdf");
            for r in &results {
                let n = f64::from(r.trials());
                for (i, ms) in r.samples_ms.iter().enumerate() {
                    csv.row(&[
                        r.min_ms.to_string(),
                        r.max_ms.to_string(),
                        format!("{ms:.3}"),
                        format!("{:.5}", (i + 1) as f64 / n),
                    ]);
                }
            }
            csv.write(csv_path)?;
        }
        Figure::Convergence { n, fanout, loss } => {
            check_loss(loss)?;
            if n < 2 || fanout == 0 || fanout >= n {
                return Err(format!(
                    "--n must be at least 2 and --fanout from 1 to N - 1, got N={n}, fanout {fanout}"
                ));
            }
            let range = seeds(20);
            let spreads: Vec<sweep::Spread> = range
                .clone()
                .map(|s| sweep::dissemination_with(n, fanout, loss, s))
                .collect();
            let runs: Vec<Vec<u32>> = spreads.iter().map(|s| s.informed.clone()).collect();
            let rounds = runs.iter().map(Vec::len).min().unwrap_or(0).min(30);
            let chain = PushChain::compute(n, fanout, loss, rounds as u32);
            let serf_rounds =
                theory::serf_rounds_to(f64::from(n), f64::from(fanout), loss, 0.0, 0.9999);
            let chain_rounds = chain.rounds_to(0.9999);
            println!(
                "informed members per gossip round, N={n}, fanout {fanout}, loss {loss}, {} seeds from {first}",
                runs.len()
            );
            println!(
                "{:>5} {:>9} {:>6} {:>6} {:>9} {:>6} {:>6} {:>9}",
                "round", "measured", "p5", "p95", "chain", "p5", "p95", "Serf"
            );
            let mut csv = Csv::new(
                "round,measured_mean,measured_p05,measured_p95,chain_mean,chain_p05,chain_p95,serf",
            );
            // Rows until measured, chain and model have all (all but) converged.
            let done = |r: usize| {
                let nf = f64::from(n);
                runs.iter().all(|v| r >= 1 && v[r - 1] == n)
                    && chain.band(r).mean >= nf - 1e-3
                    && theory::serf_informed(nf, f64::from(fanout), loss, 0.0, r as f64)
                        >= 0.9999 * nf
            };
            let rounds = (0..=rounds).find(|&r| done(r)).unwrap_or(rounds);
            for r in 0..=rounds {
                // Measured index r-1 is after r intervals; round 0 is the origin alone.
                let mut xs: Vec<u32> = runs
                    .iter()
                    .map(|v| if r == 0 { 1 } else { v[r - 1] })
                    .collect();
                xs.sort_unstable();
                let mean = xs.iter().map(|&x| f64::from(x)).sum::<f64>() / xs.len() as f64;
                let q = |p: f64| xs[((p * xs.len() as f64).ceil() as usize).clamp(1, xs.len()) - 1];
                let b = chain.band(r);
                let serf =
                    theory::serf_informed(f64::from(n), f64::from(fanout), loss, 0.0, r as f64);
                println!(
                    "{r:>5} {mean:>9.2} {:>6} {:>6} {:>9.2} {:>6} {:>6} {serf:>9.2}",
                    q(0.05),
                    q(0.95),
                    b.mean,
                    b.p05,
                    b.p95
                );
                csv.row(&[
                    r.to_string(),
                    format!("{mean:.3}"),
                    q(0.05).to_string(),
                    q(0.95).to_string(),
                    format!("{:.3}", b.mean),
                    b.p05.to_string(),
                    b.p95.to_string(),
                    format!("{serf:.3}"),
                ]);
            }
            let measured: Vec<f64> = spreads
                .iter()
                .filter(|s| s.converged)
                .map(|s| s.rounds_to_9999)
                .collect();
            let censored: Vec<(u64, &sweep::Spread)> =
                range.zip(&spreads).filter(|(_, s)| !s.converged).collect();
            let (m, sd) = sweep::mean_sd(&measured);
            println!(
                "rounds to 99.99%: measured {m:.2} (sd {sd:.2}, {} of {} runs converged), Markov chain {}, Serf's model {serf_rounds:.2}",
                measured.len(),
                spreads.len(),
                chain_rounds.map_or("> computed rounds".to_string(), |c| format!("{c:.2}"))
            );
            for (seed, s) in &censored {
                println!(
                    "not converged: seed {seed}, {}/{n} informed ({:.4}) after {} s",
                    s.final_informed,
                    f64::from(s.final_informed) / f64::from(n),
                    sweep::SPREAD_HORIZON.as_secs_f64()
                );
            }
            println!("(the chain is push gossip in synchronous rounds with every informed node pushing each round; memberlist also piggybacks on probes and stops after the retransmit limit)");
            csv.write(csv_path)?;
        }
        Figure::Detection { n } => {
            let range = seeds(100);
            println!(
                "first detection: crash -> first suspicion, in probe periods (T = 1 s), seeds {range:?}"
            );
            println!(
                "{:>6} {:>9} {:>7} {:>12} {:>16}",
                "N", "measured", "sd", "engine model", "SWIM e/(e-1)+1"
            );
            let swim = theory::SWIM_FIRST_PROBE_PERIODS;
            let mut csv =
                Csv::new("n,measured_mean,measured_sd,engine_model,swim_first_probe,swim_plus_one");
            for n in n.into_iter().filter(|&n| n >= 2) {
                let xs: Vec<f64> = range
                    .clone()
                    .map(|s| sweep::first_detection(n, s))
                    .collect();
                let (mean, sd) = sweep::mean_sd(&xs);
                let model = theory::first_detection_expected(n);
                println!(
                    "{n:>6} {mean:>9.3} {sd:>7.3} {model:>12.3} {:>16.3}",
                    swim + 1.0
                );
                csv.row(&[
                    n.to_string(),
                    format!("{mean:.4}"),
                    format!("{sd:.4}"),
                    format!("{model:.4}"),
                    format!("{swim:.4}"),
                    format!("{:.4}", swim + 1.0),
                ]);
            }
            println!("SWIM: a failed member is first probed after e/(e-1) = {swim:.3} periods with random targets; the suspicion follows when that probe's period ends. memberlist's shuffled round-robin makes the first probe sooner (the engine model).");
            csv.write(csv_path)?;
        }
        Figure::Load { n } => {
            println!(
                "messages sent per member per probe period, healthy, 30 periods, seed {first}"
            );
            println!("{:>6} {:>14} {:>12}", "N", "probe traffic", "all traffic");
            let mut csv = Csv::new("n,probe_per_member_period,all_per_member_period");
            for n in n.into_iter().filter(|&n| n >= 2) {
                let l = sweep::message_load(n, first, 30);
                println!("{n:>6} {:>14.3} {:>12.3}", l.probe, l.all);
                csv.row(&[
                    n.to_string(),
                    format!("{:.4}", l.probe),
                    format!("{:.4}", l.all),
                ]);
            }
            println!("SWIM: the per-member load is constant in N (one ping and one ack per period, plus indirect probes on failure).");
            csv.write(csv_path)?;
        }
        Figure::Lifeguard { n, minutes } => {
            let range = seeds(3);
            let lag = Duration::from_secs(6);
            let slowness = Slowness::Inbound { min: lag, max: lag };
            println!("false deaths of healthy members, N={n}, loss 5%, {minutes} min, slow members' inbound 6 s late, seeds {range:?}");
            println!(
                "{:>5} {:>12} {:>12} {:>12} {:>12}",
                "slow", "off declared", "off seen", "on declared", "on seen"
            );
            let mut csv = Csv::new("slow,off_declared,off_seen,on_declared,on_seen");
            for slow in 0..=4u32 {
                let (mut off, mut on) = ((0, 0), (0, 0));
                for s in range.clone() {
                    let a =
                        sweep::false_positives(n, slow, slowness, Lifeguard::OFF, 0.05, minutes, s);
                    let b =
                        sweep::false_positives(n, slow, slowness, Lifeguard::ON, 0.05, minutes, s);
                    off = (off.0 + a.declared, off.1 + a.seen);
                    on = (on.0 + b.declared, on.1 + b.seen);
                }
                println!(
                    "{slow:>5} {:>12} {:>12} {:>12} {:>12}",
                    off.0, off.1, on.0, on.1
                );
                csv.row(&[
                    slow.to_string(),
                    off.0.to_string(),
                    off.1.to_string(),
                    on.0.to_string(),
                    on.1.to_string(),
                ]);
            }
            println!("declared: a member itself declared a healthy one dead; seen: dead verdicts about healthy members received. Lifeguard paper: false positives fall by more than 50x.");
            csv.write(csv_path)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

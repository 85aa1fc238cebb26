//! `quorate gossip <sweep>`: the gossip engine measured on the deterministic world, next to the theory.
//!
//! Each sweep averages `quorate_gossip::sweep` runs over seeds `--seed .. --seed + --seeds` and prints a
//! table; the figures are reproducible from the printed command line.

use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Subcommand};
use quorate_core::{Duration, SimTime};
use quorate_gossip::sweep::{self, Slowness};
use quorate_gossip::{theory, Lifeguard};
use quorate_sim::{node_ids, TraceMode, World, WorldConfig};

#[derive(Args)]
pub struct GossipArgs {
    #[command(subcommand)]
    sweep: Sweep,
    /// First seed.
    #[arg(long, default_value_t = 1, global = true)]
    seed: u64,
    /// Number of seeds per table row.
    #[arg(long, global = true)]
    seeds: Option<u64>,
}

#[derive(Subcommand)]
enum Sweep {
    /// Time from a kill to the first suspicion, for several N, against the model (default 100 seeds).
    FirstDetection {
        #[arg(long, value_delimiter = ',', default_value = "10,100,500")]
        n: Vec<u32>,
    },
    /// Messages per member per probe period in a healthy cluster (one seed, 30 periods).
    Load {
        #[arg(long, value_delimiter = ',', default_value = "10,100,1000")]
        n: Vec<u32>,
    },
    /// Rounds for a user event to reach 99.99% of N, against Serf's model (default 10 seeds).
    Spread {
        #[arg(long, value_delimiter = ',', default_value = "30,1000,10000")]
        n: Vec<u32>,
    },
    /// Rumor-mongering residue (push, feedback, coin) for k = 1..5 against Demers (default 200 seeds).
    Residue {
        #[arg(long, default_value_t = 1000)]
        n: u32,
        #[arg(long, value_delimiter = ',', default_value = "1,2,3,4,5")]
        k: Vec<u32>,
    },
    /// False deaths of healthy members with 5% loss and 0..4 slow members, Lifeguard off vs on
    /// (default 3 seeds, N = 30, 10 simulated minutes).
    Lifeguard {
        #[arg(long, default_value_t = 30)]
        n: u32,
        #[arg(long, default_value_t = 10)]
        minutes: u64,
        /// How far behind a slow member's receive queue runs (messages reach it this late; timers are on time).
        #[arg(long, default_value = "6s", value_parser = parse_duration)]
        lag: Duration,
        /// Use the simulator's slow-node fault instead: each received message waits this long behind the previous ones (timers fire on time).
        #[arg(long, value_parser = parse_duration)]
        process: Option<Duration>,
    },
    /// Simulated seconds per wall second in a healthy converged cluster.
    Speed {
        #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
        n: Vec<u32>,
        /// Simulated seconds to run after boot.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
    },
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    Duration::parse(s).ok_or_else(|| format!("expected a duration like 6s or 500ms, got `{s}`"))
}

pub fn gossip(args: GossipArgs) -> Result<ExitCode, String> {
    let first = args.seed;
    let seeds = |default: u64| first..first + args.seeds.unwrap_or(default).max(1);
    match args.sweep {
        Sweep::FirstDetection { n } => {
            let range = seeds(100);
            println!("first detection (kill -> first suspicion), LAN, T = 1 s, seeds {range:?}");
            println!(
                "{:>6} {:>10} {:>8} {:>10} {:>8}",
                "N", "mean s", "sd", "model s", "ratio"
            );
            for n in n.into_iter().filter(|&n| n >= 2) {
                let xs: Vec<f64> = range
                    .clone()
                    .map(|s| sweep::first_detection(n, s))
                    .collect();
                let (mean, sd) = sweep::mean_sd(&xs);
                let model = theory::first_detection_expected(n);
                println!(
                    "{n:>6} {mean:>10.3} {sd:>8.3} {model:>10.3} {:>8.3}",
                    mean / model
                );
            }
            println!(
                "SWIM with uniformly random targets: first probe after e/(e-1) = {:.3} periods",
                theory::SWIM_FIRST_PROBE_PERIODS
            );
        }
        Sweep::Load { n } => {
            println!("messages per member per probe period, healthy, 30 periods, seed {first}");
            println!("{:>6} {:>14} {:>12}", "N", "probe traffic", "all traffic");
            for n in n.into_iter().filter(|&n| n >= 2) {
                let l = sweep::message_load(n, first, 30);
                println!("{n:>6} {:>14.3} {:>12.3}", l.probe, l.all);
            }
        }
        Sweep::Spread { n } => {
            let range = seeds(10);
            println!("user event dissemination, fanout 3 every 200 ms, seeds {range:?}");
            println!(
                "{:>6} {:>14} {:>8} {:>12} {:>12}",
                "N", "rounds 99.99%", "sd", "Serf model", "retransmit"
            );
            for n in n.into_iter().filter(|&n| n >= 2) {
                let xs: Vec<f64> = range
                    .clone()
                    .map(|s| sweep::dissemination(n, s).rounds_to_9999)
                    .collect();
                let (mean, sd) = sweep::mean_sd(&xs);
                let model = theory::serf_rounds_to(f64::from(n), 3.0, 0.0, 0.0, 0.9999);
                println!(
                    "{n:>6} {mean:>14.2} {sd:>8.2} {model:>12.2} {:>12}",
                    theory::retransmit_limit(4, n)
                );
            }
        }
        Sweep::Residue { n, k } => {
            let range = seeds(200);
            println!("rumor mongering residue (push, feedback, coin), N={n}, seeds {range:?}");
            println!(
                "{:>3} {:>10} {:>10} {:>8}",
                "k", "measured", "theory", "ratio"
            );
            for k in k.into_iter().filter(|&k| k >= 1) {
                let xs: Vec<f64> = range.clone().map(|s| sweep::residue(n, k, s)).collect();
                let (mean, _) = sweep::mean_sd(&xs);
                let s = theory::demers_residue(k);
                println!("{k:>3} {mean:>10.5} {s:>10.5} {:>8.3}", mean / s);
            }
        }
        Sweep::Lifeguard {
            n,
            minutes,
            lag,
            process,
        } => {
            let range = seeds(3);
            let slowness = match process {
                Some(d) => Slowness::Process(d),
                None => Slowness::Inbound { min: lag, max: lag },
            };
            println!("false deaths of healthy members, N={n}, loss 5%, {minutes} min, {slowness:?}, seeds {range:?}");
            println!(
                "{:>5} {:>12} {:>12} {:>12} {:>12}",
                "slow", "off declared", "off seen", "on declared", "on seen"
            );
            for slow in 0..=4u32 {
                let (mut off, mut on) =
                    (sweep::FalseDeaths::default(), sweep::FalseDeaths::default());
                for s in range.clone() {
                    let a =
                        sweep::false_positives(n, slow, slowness, Lifeguard::OFF, 0.05, minutes, s);
                    let b =
                        sweep::false_positives(n, slow, slowness, Lifeguard::ON, 0.05, minutes, s);
                    (off.declared, off.seen) = (off.declared + a.declared, off.seen + a.seen);
                    (on.declared, on.seen) = (on.declared + b.declared, on.seen + b.seen);
                }
                println!(
                    "{slow:>5} {:>12} {:>12} {:>12} {:>12}",
                    off.declared, off.seen, on.declared, on.seen
                );
            }
        }
        Sweep::Speed { n, seconds } => {
            for n in n.into_iter().filter(|&n| n >= 2) {
                let started = Instant::now();
                let config = WorldConfig {
                    seed: first,
                    nodes: node_ids(n),
                    engine: sweep::full_config(n),
                    network: sweep::lan_link(0.0),
                };
                let mut w: World<quorate_gossip::Gossip> =
                    World::with_trace(config, TraceMode::Off);
                let booted = started.elapsed().as_secs_f64();
                let t0 = Instant::now();
                w.run_until(SimTime::from_millis(seconds * 1000));
                let wall = t0.elapsed().as_secs_f64();
                println!(
                    "gossip native N={n} boot={booted:.2}s simulated={seconds}s wall={wall:.2}s \
                     {:.2} sim-s/wall-s  {:.2} M events/s",
                    seconds as f64 / wall,
                    w.events() as f64 / wall / 1e6
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

//! `quorate compare`: the same faults on a Consul world and an etcd world, over many seeds, with the
//! timeline of each broken into its phases.

use std::process::ExitCode;

use clap::Args;
use quorate_core::Duration;
use quorate_systems::measure::{self, Fault, Settings, System, Timeline};

#[derive(Args)]
pub struct CompareArgs {
    /// How many seeds per system and fault.
    #[arg(long, default_value_t = 100)]
    seeds: u64,
    /// The first seed; the run uses first-seed .. first-seed + seeds.
    #[arg(long, default_value_t = 1)]
    first_seed: u64,
    /// Which fault: kill-holder, kill-instance, partition or all.
    #[arg(long, default_value = "all")]
    fault: String,
    /// Raft servers (Consul servers, etcd members).
    #[arg(long, default_value_t = 3)]
    servers: u32,
    /// Other machines (Consul agents, etcd clients); at least 4.
    #[arg(long, default_value_t = 7)]
    agents: u32,
    /// Consul's lock-delay, e.g. 15s.
    #[arg(long, default_value = "15s")]
    lock_delay: String,
    /// etcd's lease TTL, e.g. 10s.
    #[arg(long, default_value = "10s")]
    ttl: String,
    /// Print every run's timeline.
    #[arg(long)]
    verbose: bool,
}

fn faults(name: &str) -> Result<Vec<Fault>, String> {
    Ok(match name {
        "all" => Fault::ALL.to_vec(),
        "kill-holder" => vec![Fault::KillHolder],
        "kill-instance" => vec![Fault::KillInstance],
        "partition" => vec![Fault::PartitionMinority],
        other => {
            return Err(format!(
                "unknown fault `{other}` (kill-holder, kill-instance, partition, all)"
            ))
        }
    })
}

fn fault_flag(f: Fault) -> &'static str {
    match f {
        Fault::KillHolder => "kill-holder",
        Fault::KillInstance => "kill-instance",
        Fault::PartitionMinority => "partition",
    }
}

fn secs(d: Duration) -> f64 {
    d.as_micros() as f64 / 1e6
}

/// One phase of the breakdown: its name and its value in a run (None when it did not happen).
type Phase = (&'static str, fn(&Timeline) -> Option<Duration>);

fn minus(a: Option<Duration>, b: Option<Duration>) -> Option<Duration> {
    match (a, b) {
        (Some(a), Some(b)) if a >= b => Some(a - b),
        (Some(_), Some(_)) => Some(Duration::ZERO),
        _ => None,
    }
}

fn phases(system: System, fault: Fault) -> Vec<Phase> {
    let mut v: Vec<Phase> = Vec::new();
    if system == System::Consul {
        v.push(("detection (fault -> first suspect)", |t| t.detect));
        v.push(("suspicion (suspect -> declared dead)", |t| {
            minus(t.declared, t.detect)
        }));
        v.push(("commit (dead -> serfHealth critical applied)", |t| {
            minus(t.released, t.declared)
        }));
    } else {
        v.push(("expiry (fault -> lease revoked)", |t| t.released));
    }
    match (system, fault) {
        (System::Consul, Fault::KillInstance) => {
            v.push(("propagation (critical -> answer drops it)", |t| {
                minus(t.next, t.released)
            }));
            v.push(("gone from discovery (fault -> answer drops it)", |t| t.next));
            v.push(("stale window (answers list a dead instance)", |t| t.stale));
            v.push(("back (restart -> listed again)", |t| t.back));
        }
        (System::Etcd, Fault::KillInstance) => {
            v.push(("propagation (revoke -> watch drops it)", |t| {
                minus(t.next, t.released)
            }));
            v.push(("gone from discovery (fault -> answer drops it)", |t| t.next));
            v.push(("stale window (answers list a dead instance)", |t| t.stale));
            v.push(("back (restart -> listed again)", |t| t.back));
        }
        (System::Consul, _) => {
            v.push(("lock-delay + retry (release -> next holder)", |t| {
                minus(t.next, t.released)
            }));
            v.push(("failover (fault -> next holder)", |t| t.next));
        }
        (System::Etcd, _) => {
            v.push(("commit + watch (revoke -> next holder)", |t| {
                minus(t.next, t.released)
            }));
            v.push(("failover (fault -> next holder)", |t| t.next));
        }
    }
    match fault {
        Fault::KillHolder => v.push(("stale window (dead node named holder)", |t| t.stale)),
        Fault::PartitionMinority => {
            v.push(("old holder gives up (fault ->)", |t| t.holder_gave_up));
            v.push(("stale window (two believe they hold)", |t| t.stale));
        }
        Fault::KillInstance => {}
    }
    v
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i]
}

pub fn compare(args: CompareArgs) -> Result<ExitCode, String> {
    let faults = faults(&args.fault)?;
    if args.seeds == 0 {
        return Err("--seeds must be at least 1".into());
    }
    if args.agents < 4 || args.servers == 0 {
        return Err("--agents must be at least 4 and --servers at least 1".into());
    }
    let parse = |flag: &str, v: &str| {
        Duration::parse(v)
            .filter(|d| *d > Duration::ZERO)
            .ok_or_else(|| format!("--{flag}: `{v}` is not a positive duration like 15s"))
    };
    let settings = Settings {
        servers: args.servers,
        agents: args.agents,
        lock_delay: parse("lock-delay", &args.lock_delay)?,
        lease_ttl: parse("ttl", &args.ttl)?,
    };
    let seeds = args.first_seed..args.first_seed.saturating_add(args.seeds);
    println!(
        "# {} Raft servers + {} other machines (N = {}), 1-5 ms links; Consul: memberlist LAN defaults, lock-delay {}, api lock retry 5s; etcd: lease TTL {}, keep-alive every TTL/3",
        settings.servers,
        settings.agents,
        settings.servers + settings.agents,
        settings.lock_delay,
        settings.lease_ttl
    );
    println!("# seeds {}..{} (seconds)", seeds.start, seeds.end - 1);
    let mut failed = false;
    for fault in faults {
        println!();
        println!("## {}", fault.name());
        println!();
        println!("| system | phase | mean | p50 | p95 | min | max | runs |");
        println!("|---|---|---:|---:|---:|---:|---:|---:|");
        for system in [System::Consul, System::Etcd] {
            let runs: Vec<Timeline> = seeds
                .clone()
                .map(|seed| measure::run(system, fault, seed, &settings))
                .collect();
            for (name, get) in phases(system, fault) {
                let mut xs: Vec<f64> = runs.iter().filter_map(get).map(secs).collect();
                xs.sort_by(f64::total_cmp);
                let mean = xs.iter().sum::<f64>() / xs.len().max(1) as f64;
                println!(
                    "| {} | {name} | {mean:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
                    match system {
                        System::Consul => "Consul",
                        System::Etcd => "etcd",
                    },
                    quantile(&xs, 0.5),
                    quantile(&xs, 0.95),
                    xs.first().copied().unwrap_or(f64::NAN),
                    xs.last().copied().unwrap_or(f64::NAN),
                    xs.len()
                );
            }
            for t in &runs {
                if args.verbose {
                    eprintln!("{system:?} {} seed={}: {t:?}", fault_flag(fault), t.seed);
                }
                for v in &t.violations {
                    failed = true;
                    eprintln!(
                        "VIOLATION {system:?} {} seed {}: {v} (repeat: quorate compare --fault {} --first-seed {} --seeds 1 --verbose)",
                        fault_flag(fault),
                        t.seed,
                        fault_flag(fault),
                        t.seed
                    );
                }
            }
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

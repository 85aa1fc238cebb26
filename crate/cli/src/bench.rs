//! `quorate bench sim`: simulator events per second with the heartbeat engine.
//!
//! A benchmark, not a test: it prints figures and never fails on them. The same workload runs in wasm
//! (crate/sim's `bench_wasm` in headless Chromium) so the two can be put side by side.

use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, ValueEnum};
use quorate_sim::TraceMode;

#[derive(Args)]
pub struct BenchArgs {
    /// What to measure.
    #[arg(value_enum, default_value_t = Target::Sim)]
    target: Target,
    /// Cluster size.
    #[arg(long, default_value_t = 3)]
    nodes: u32,
    /// Events per measured run.
    #[arg(long, default_value_t = 5_000_000)]
    events: u64,
    /// Measured runs per mode (the best is reported).
    #[arg(long, default_value_t = 3)]
    repeat: u32,
}

#[derive(Clone, Copy, ValueEnum)]
enum Target {
    /// The world with the heartbeat engine.
    Sim,
}

pub fn bench(args: BenchArgs) -> Result<ExitCode, String> {
    if args.nodes < 2 || args.events == 0 || args.repeat == 0 {
        return Err("--nodes must be at least 2, --events and --repeat at least 1".into());
    }
    match args.target {
        Target::Sim => {
            for mode in [TraceMode::Off, TraceMode::DigestOnly] {
                let mut best = f64::MAX;
                let mut digest = String::new();
                for _ in 0..args.repeat {
                    let started = Instant::now();
                    let d = quorate_demo::workload::heartbeat_events(args.nodes, args.events, mode);
                    best = best.min(started.elapsed().as_secs_f64());
                    digest = d;
                }
                println!(
                    "sim native  nodes={} mode={:<10} events={} best={:.3}s  {:.2} M events/s  digest={}",
                    args.nodes,
                    format!("{mode:?}"),
                    args.events,
                    best,
                    args.events as f64 / best / 1e6,
                    digest
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

//! `quorate run SCENARIO [--seed N] [--json]`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use quorate_core::Scripted;
use quorate_sim::scenario::{RunSummary, Scenario};

use crate::engines::{with_engine, NAMES};

#[derive(Args)]
pub struct RunArgs {
    /// The scenario file (see docs/scenarios.md).
    scenario: PathBuf,
    /// World seed; overrides the scenario's `seed` line. Without either, a fresh seed is drawn and printed.
    #[arg(long)]
    seed: Option<u64>,
    /// Print a JSON summary instead of the trace.
    #[arg(long)]
    json: bool,
}

pub fn run(args: RunArgs) -> Result<ExitCode, String> {
    let path = args.scenario.display().to_string();
    let text =
        std::fs::read_to_string(&args.scenario).map_err(|e| format!("cannot read {path}: {e}"))?;
    let scenario = Scenario::parse(&text).map_err(|e| format!("{path}: {e}"))?;
    let seed = match args.seed.or(scenario.seed) {
        Some(seed) => seed,
        None => {
            let seed = crate::fresh_seed()?;
            eprintln!("seed: {seed} (fresh; repeat with --seed {seed})");
            seed
        }
    };
    let engine = scenario.engine.value.clone();
    let summary = with_engine!(engine.as_str(), E => run_with::<E>(&scenario, seed, args.json, &path)?, _ => {
        return Err(format!(
            "{path}: line {}, column {}: unknown engine `{engine}` (known: {})",
            scenario.engine.line, scenario.engine.column, NAMES.join(", ")
        ))
    });
    let mut violations = 0;
    if args.json {
        // Raft runs add the leader of each term, commit indexes and the safety checker's verdict.
        let value = if engine == <quorate_raft::Raft as Scripted>::NAME {
            let (value, count) = crate::raft::json_summary(&scenario, seed, &summary)?;
            violations = count;
            value
        } else {
            serde_json::to_value(&summary).map_err(|e| e.to_string())?
        };
        let json = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
        println!("{json}");
    } else {
        for failure in &summary.failures {
            eprintln!("FAILED {path}: {}", failure.message);
        }
        eprintln!(
            "seed={} config={} digest={} end={} events={} failures={}",
            summary.seed,
            summary.config_hash,
            summary.digest,
            summary.end_time,
            summary.events,
            summary.failures.len()
        );
    }
    Ok(if summary.failures.is_empty() && violations == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn run_with<E: Scripted>(
    scenario: &Scenario,
    seed: u64,
    json: bool,
    path: &str,
) -> Result<RunSummary, String> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut header = !json;
    let (summary, _) = scenario
        .run::<E>(seed, |world, record| {
            if !json {
                if header {
                    header = false;
                    let _ = writeln!(out, "{}", world.header());
                }
                let _ = writeln!(out, "{record}");
            }
        })
        .map_err(|e| format!("{path}: {e}"))?;
    let _ = out.flush();
    Ok(summary)
}

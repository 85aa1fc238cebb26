//! `quorate raft <command>`: the Raft engine measured and soaked on the deterministic world.
//!
//! - `fig16`: the Raft paper's Figure 16 (time without a leader after a crash, per timeout range);
//! - `soak`: randomized runs with faults, every safety invariant checked after every event, liveness
//!   checked after healing; stops at the first failing seed and prints how to replay it.

use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Subcommand};
use quorate_raft::sweep::fig16::{self, Fig16Params, PAPER_RANGES};
use quorate_raft::sweep::soak;

#[derive(Args)]
pub struct RaftArgs {
    #[command(subcommand)]
    command: RaftCommand,
}

#[derive(Subcommand)]
enum RaftCommand {
    /// Figure 16: time without a leader after crashing it, per election timeout range (5 nodes, 3-3.5 ms links).
    Fig16 {
        /// Trials per range.
        #[arg(long, default_value_t = 1000)]
        trials: u32,
        /// First seed (trial i uses seed + i).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Ranges as min-max in ms, comma separated (default: the paper's seven).
        #[arg(long, value_delimiter = ',')]
        ranges: Vec<String>,
    },
    /// Randomized soak: kills, restarts, partitions, loss, duplication, membership changes, snapshots.
    Soak {
        /// Number of seeds.
        #[arg(long, default_value_t = 10_000)]
        seeds: u64,
        /// First seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
}

fn parse_range(text: &str) -> Result<(u64, u64), String> {
    let (a, b) = text
        .split_once('-')
        .ok_or_else(|| format!("`{text}` is not a range like 150-300"))?;
    let parse = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| format!("`{text}` is not a range like 150-300"))
    };
    Ok((parse(a)?, parse(b)?))
}

pub fn raft(args: RaftArgs) -> Result<ExitCode, String> {
    match args.command {
        RaftCommand::Fig16 {
            trials,
            seed,
            ranges,
        } => {
            let ranges: Vec<(u64, u64)> = if ranges.is_empty() {
                PAPER_RANGES.to_vec()
            } else {
                ranges
                    .iter()
                    .map(|r| parse_range(r))
                    .collect::<Result<_, _>>()?
            };
            let params = Fig16Params {
                trials,
                first_seed: seed,
                ..Fig16Params::default()
            };
            println!(
                "Figure 16: 5 voters, one-way latency {}..{}, no PreVote/CheckQuorum, {trials} trials per range, seeds {seed}..",
                params.latency_min, params.latency_max
            );
            let start = Instant::now();
            let results = fig16::sweep(&ranges, &params, |r| {
                eprintln!(
                    "  {}-{} ms done ({:.1}s)",
                    r.min_ms,
                    r.max_ms,
                    start.elapsed().as_secs_f64()
                );
            });
            print!("{}", fig16::describe_table(&results, &params));
            Ok(ExitCode::SUCCESS)
        }
        RaftCommand::Soak { seeds, seed } => {
            let start = Instant::now();
            let report = soak::soak(seed, seeds, |s| {
                if (s + 1 - seed) % 10_000 == 0 {
                    eprintln!(
                        "  {} seeds ({:.0}s)",
                        s + 1 - seed,
                        start.elapsed().as_secs_f64()
                    );
                }
            });
            let t = &report.totals;
            println!(
                "{} seeds from {seed}: {} events, {} elections won, {} kills, {} conf changes, {} snapshot installs, {:.1}s",
                report.seeds,
                t.events,
                t.leaders,
                t.kills,
                t.conf_changes,
                t.snapshots,
                start.elapsed().as_secs_f64()
            );
            match report.failure {
                None => {
                    println!("0 safety violations, 0 liveness failures");
                    Ok(ExitCode::SUCCESS)
                }
                Some((bad, failure)) => {
                    println!("seed {bad} FAILED: {failure}");
                    println!(
                        "replay: QUORATE_SEED={bad} cargo test -p quorate-raft --test raft randomized::replay_one_seed -- --nocapture"
                    );
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}

/// The `--json` summary of a Raft scenario: the generic summary plus the leader of each term, each node's
/// commit index at the end, and the safety checker's verdict (the scenario is run again with the checker
/// attached; same seed, same run). Returns the JSON and the number of violations.
pub fn json_summary(
    scenario: &quorate_sim::scenario::Scenario,
    seed: u64,
    summary: &quorate_sim::scenario::RunSummary,
) -> Result<(serde_json::Value, usize), String> {
    use quorate_check::raft::RaftChecker;
    use quorate_raft::sweep::cluster::{fact, observe};
    use quorate_raft::{Event, Raft};
    use quorate_sim::Record;

    let mut checker = RaftChecker::new();
    let mut leaders = Vec::new();
    let (_, world) = scenario
        .run::<Raft>(seed, |world, record| {
            let mut facts = Vec::new();
            if let Record::Emit { node, event } = &record.record {
                facts.extend(fact(*node, event));
                if let Event::BecameLeader { term } = event {
                    leaders.push(serde_json::json!({ "term": term, "node": node.to_string(), "at": record.time.to_string() }));
                }
            }
            let obs: Vec<_> = record
                .node()
                .and_then(|id| world.status(id).map(|s| observe(&s, world.generation(id).unwrap_or(0))))
                .into_iter()
                .collect();
            checker.observe(record.event, &facts, &obs);
        })
        .map_err(|e| e.to_string())?;
    let commit: serde_json::Map<String, serde_json::Value> = world
        .node_ids()
        .map(|id| {
            let value = world
                .status(id)
                .map_or(serde_json::Value::Null, |s| s.commit.into());
            (id.to_string(), value)
        })
        .collect();
    let violations: Vec<serde_json::Value> = checker
        .violations()
        .iter()
        .map(|v| {
            serde_json::json!({
                "event": v.event,
                "invariant": v.invariant.to_string(),
                "nodes": v.nodes.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
                "index": v.index,
                "detail": v.detail,
            })
        })
        .collect();
    let count = violations.len();
    let mut value = serde_json::to_value(summary).map_err(|e| e.to_string())?;
    if let serde_json::Value::Object(map) = &mut value {
        map.insert("leaders".into(), leaders.into());
        map.insert("commit".into(), commit.into());
        map.insert("violations".into(), violations.into());
    }
    Ok((value, count))
}

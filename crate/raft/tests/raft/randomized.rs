//! Randomized simulation: thousands of seeded runs with kills, restarts, two-way and one-way partitions,
//! loss, duplication, reordering, membership changes, transfers, reads and snapshots, with every safety
//! invariant checked after every event. A failure prints its seed and the command that replays it.
//!
//! `QUORATE_SEEDS=N` runs N seeds instead of the default; `QUORATE_SEED=S` with `replay_one_seed`
//! replays one seed and prints its trace.

use std::time::Instant;

use quorate_core::{Duration, NodeId, NodeRng};
use quorate_raft::{Command, ConfChange, ConfStep, Config, ReadMode, Session};
use quorate_sim::{Latency, LinkParams, NodeState, WorldCommand};

use crate::support::*;

/// Seeds in the normal test run.
const DEFAULT_SEEDS: u64 = 2_000;

fn replay_hint(seed: u64) -> String {
    format!("QUORATE_SEED={seed} cargo test -p quorate-raft --test raft randomized::replay_one_seed -- --nocapture")
}

/// What one run did, for the summary line.
#[derive(Default, Debug)]
pub struct RunStats {
    pub events: u64,
    pub leaders: u64,
    pub kills: u64,
    pub conf_changes: u64,
    pub snapshots: u64,
}

/// Builds and runs seed `seed`. Returns the cluster (to inspect) and its statistics.
pub fn run_seed(seed: u64, keep_text: bool, unsafe_switch: bool) -> (Cluster, RunStats) {
    let mut rng = NodeRng::for_world(seed ^ 0x0051_f00d);
    let size: u32 = if rng.chance(0.5) { 3 } else { 5 };
    // One spare node outside the initial configuration, for membership changes.
    let nodes: Vec<NodeId> = (1..=size + 1).map(NodeId).collect();
    let mut cfg = Config::new((1..=size).map(NodeId));
    cfg.pre_vote = rng.chance(0.7);
    cfg.check_quorum = rng.chance(0.7);
    cfg.read_mode = if rng.chance(0.5) {
        ReadMode::ReadIndex
    } else {
        ReadMode::Lease
    };
    cfg.snapshot_threshold = rng.range_inclusive(3, 12);
    cfg.max_inflight = rng.range_inclusive(1, 8) as u32;
    cfg.max_entries_per_msg = rng.range_inclusive(1, 6) as u32;
    cfg.unsafe_commit_previous_term = unsafe_switch;
    let link = LinkParams {
        latency: Latency::Uniform {
            min: Duration::from_millis(1),
            max: Duration::from_millis(rng.range_inclusive(2, 20)),
        },
        loss: [0.0, 0.01, 0.05, 0.15][rng.below(4) as usize],
        duplicate: [0.0, 0.02, 0.1][rng.below(3) as usize],
        reorder: [0.0, 0.05, 0.2][rng.below(3) as usize],
    };
    let mut c = Cluster::new(seed, &nodes, cfg, link);
    c.keep_text = keep_text;
    let mut stats = RunStats::default();
    let mut next_client = 1u64;
    let fault_until = c.world.now() + Duration::from_millis(2_000);
    while c.world.now() < fault_until {
        c.run_for(Duration::from_millis(rng.range_inclusive(20, 200)));
        let pick = |rng: &mut NodeRng| nodes[rng.below(nodes.len() as u64) as usize];
        let node = pick(&mut rng);
        let leader = c.leader().unwrap_or(node);
        let cmd = match rng.below(12) {
            0..=2 => WorldCommand::Client {
                node,
                cmd: Command::Propose {
                    session: None,
                    payload: format!("s{seed}-{}", c.world.events()).into_bytes(),
                },
            },
            3 => {
                stats.kills += 1;
                // Leaders die more often than others: that is where elections and log repair happen.
                WorldCommand::Kill(if rng.chance(0.5) { leader } else { node })
            }
            4 => {
                let down: Vec<NodeId> = nodes
                    .iter()
                    .copied()
                    .filter(|id| c.world.node_state(*id) == Some(NodeState::Down))
                    .collect();
                WorldCommand::Restart(
                    down.get(rng.below(down.len().max(1) as u64) as usize)
                        .copied()
                        .unwrap_or(node),
                )
            }
            5 => {
                let mut group: Vec<NodeId> =
                    nodes.iter().copied().filter(|_| rng.chance(0.5)).collect();
                group.sort();
                let other = nodes
                    .iter()
                    .copied()
                    .filter(|n| !group.contains(n))
                    .collect();
                WorldCommand::Partition(vec![group.into_iter().collect(), other])
            }
            6 => WorldCommand::Cut {
                from: ids(&[node.0]),
                to: ids(&[pick(&mut rng).0]),
            },
            7 => WorldCommand::Heal,
            8 => {
                stats.conf_changes += 1;
                let target = pick(&mut rng);
                let step = match rng.below(3) {
                    0 => ConfStep::AddVoter(target),
                    1 => ConfStep::AddLearner(target),
                    _ => ConfStep::Remove(target),
                };
                let mut steps = vec![step];
                if rng.chance(0.3) {
                    steps.push(ConfStep::AddVoter(pick(&mut rng)));
                }
                WorldCommand::Client {
                    node: leader,
                    cmd: Command::ChangeConf(ConfChange { steps }),
                }
            }
            9 => WorldCommand::Client {
                node: leader,
                cmd: Command::TransferLeader { to: pick(&mut rng) },
            },
            10 => WorldCommand::Client {
                node,
                cmd: Command::Read {
                    id: c.world.events(),
                },
            },
            _ => {
                // A proposal in a session, retried: applied once.
                let session = Session {
                    client: next_client,
                    seq: 1,
                };
                next_client += 1;
                let cmd = Command::Propose {
                    session: Some(session),
                    payload: b"once".to_vec(),
                };
                c.try_apply(WorldCommand::Client {
                    node: leader,
                    cmd: cmd.clone(),
                });
                WorldCommand::Client { node: leader, cmd }
            }
        };
        c.try_apply(cmd);
    }
    // Heal everything and let the cluster settle: safety must still hold.
    c.try_apply(WorldCommand::Heal);
    for id in &nodes {
        if c.world.node_state(*id) == Some(NodeState::Down) {
            c.try_apply(WorldCommand::Restart(*id));
        }
    }
    c.run_for(Duration::from_millis(1_000));
    // Liveness after healing: a leader within 3 s more, and a proposal to it applied on every voter.
    let leader = c
        .run_until_cond(Duration::from_secs(3), |c| c.leader().is_some())
        .and_then(|_| c.leader());
    let Some(leader) = leader else {
        panic!(
            "seed {seed}: no leader 4 s after healing\nreproduce with: {}",
            replay_hint(seed)
        )
    };
    let last_before = c
        .status(leader)
        .map_or(0, |s| s.snapshot_index + s.log.len() as u64);
    c.apply(WorldCommand::Client {
        node: leader,
        cmd: Command::Propose {
            session: None,
            payload: b"final".to_vec(),
        },
    });
    // The world hands the command over as its next event; the leader appends right then.
    c.run_for(Duration::from_micros(1));
    let final_index = c
        .status(leader)
        .map_or(0, |s| s.snapshot_index + s.log.len() as u64);
    assert!(
        final_index > last_before,
        "seed {seed}: the leader did not take the final proposal"
    );
    // Every voter of the leader's configuration (as it is then) applies it.
    let done = c.run_until_cond(Duration::from_secs(3), |c| {
        c.leader().and_then(|l| c.status(l)).is_some_and(|s| {
            let voters: Vec<NodeId> = s
                .conf
                .voters
                .iter()
                .chain(&s.conf.outgoing)
                .copied()
                .collect();
            c.all_applied(&voters, final_index)
        })
    });
    if done.is_none() {
        for line in &c.text {
            println!("{line}");
        }
        eprintln!("leader {leader} final index {final_index}");
        if let Some(s) = c.status(leader) {
            eprintln!(
                "snap {} log {:?}",
                s.snapshot_index,
                s.log.iter().map(|e| e.index).collect::<Vec<_>>()
            );
        }
        for id in &nodes {
            eprintln!(
                "{id}: {:?} {:?}",
                c.world.node_state(*id),
                c.status(*id).map(|s| (
                    s.role,
                    s.term,
                    s.leader,
                    s.commit,
                    s.applied,
                    s.log.last().map(|e| e.index),
                    s.conf.to_string(),
                    s.progress
                ))
            );
        }
    }
    assert!(
        done.is_some(),
        "seed {seed}: a proposal after healing did not commit within 3 s\nreproduce with: {}",
        replay_hint(seed)
    );
    stats.events = c.world.events();
    stats.leaders = c
        .events
        .iter()
        .filter(|(_, _, e)| matches!(e, quorate_raft::Event::BecameLeader { .. }))
        .count() as u64;
    stats.snapshots = c
        .events
        .iter()
        .filter(|(_, _, e)| matches!(e, quorate_raft::Event::SnapshotRestored { .. }))
        .count() as u64;
    (c, stats)
}

fn seeds_from_env(var: &str, default: u64) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs seeds `[from, from + count)`; panics at the first violation with the replay command.
pub fn soak(from: u64, count: u64) -> RunStats {
    let mut total = RunStats::default();
    for seed in from..from + count {
        let (c, stats) = run_seed(seed, false, false);
        if let Some(v) = c.violations().first() {
            panic!("seed {seed}: {v}\nreproduce with: {}", replay_hint(seed));
        }
        total.events += stats.events;
        total.leaders += stats.leaders;
        total.kills += stats.kills;
        total.conf_changes += stats.conf_changes;
        total.snapshots += stats.snapshots;
    }
    total
}

#[test]
fn randomized_seeds_keep_every_invariant() {
    let count = seeds_from_env("QUORATE_SEEDS", DEFAULT_SEEDS);
    let start = Instant::now();
    let total = soak(0, count);
    println!(
        "{count} seeds, 0 violations, {} events, {} elections won, {} kills, {} conf changes, {} snapshot installs, {:.1}s",
        total.events,
        total.leaders,
        total.kills,
        total.conf_changes,
        total.snapshots,
        start.elapsed().as_secs_f64()
    );
    assert!(
        total.snapshots > 0 && total.conf_changes > 0,
        "the runs did not exercise snapshots and membership"
    );
}

/// Replays one seed (`QUORATE_SEED`, default 0), printing its trace and any violation.
#[test]
fn replay_one_seed() {
    let seed = seeds_from_env("QUORATE_SEED", 0);
    let (c, stats) = run_seed(seed, std::env::var("QUORATE_SEED").is_ok(), false);
    for line in &c.text {
        println!("{line}");
    }
    println!("seed {seed}: {stats:?}");
    for v in c.violations() {
        println!("{v}");
    }
    assert!(
        c.violations().is_empty(),
        "seed {seed}: {}",
        c.violations()[0]
    );
}

/// Same seed, same run: the trace digest is identical twice over.
#[test]
fn a_seed_replays_to_the_same_digest() {
    let (a, _) = run_seed(42, false, false);
    let (b, _) = run_seed(42, false, false);
    assert_eq!(a.world.digest(), b.world.digest());
    assert_eq!(a.world.events(), b.world.events());
}

//! Randomized soak runs: a seeded schedule of kills, restarts, two-way and one-way partitions, loss,
//! duplication, reordering, membership changes, transfers, reads and session retries, with every safety
//! invariant checked after every event, then a liveness check after healing.

use quorate_core::{Duration, NodeId, NodeRng};
use quorate_sim::{Latency, LinkParams, NodeState, WorldCommand};

use super::cluster::{ids, Cluster};
use crate::{Command, ConfChange, ConfStep, Config, ReadMode, Session};

/// How long faults are injected, and the liveness bound after healing (stated in the docs and tests).
pub const FAULT_PHASE: Duration = Duration::from_millis(2_000);
pub const SETTLE: Duration = Duration::from_millis(1_000);
pub const LIVENESS_BOUND: Duration = Duration::from_secs(3);
/// The bound without PreVote. A member whose log missed the configuration change keeps campaigning in
/// its old configuration and bumping its term, one step ahead of the member that needs its vote; only
/// the randomized timeouts break the tie, a few rounds in expectation but occasionally many (seed 77234).
pub const LIVENESS_BOUND_NO_PREVOTE: Duration = Duration::from_secs(10);

/// What one run did, for the summary line.
#[derive(Clone, Debug, Default)]
pub struct RunStats {
    pub events: u64,
    pub leaders: u64,
    pub kills: u64,
    pub conf_changes: u64,
    pub snapshots: u64,
}

/// Builds and runs seed `seed`. Returns the cluster (to inspect its checker), what happened, and a liveness
/// failure if the cluster did not recover in time after healing ([`LIVENESS_BOUND`], or
/// [`LIVENESS_BOUND_NO_PREVOTE`] without PreVote).
pub fn run_seed(seed: u64, keep_text: bool) -> (Cluster, RunStats, Option<String>) {
    let mut rng = NodeRng::for_world(seed ^ 0x0051_f00d);
    let size: u32 = if rng.chance(0.5) { 3 } else { 5 };
    // One spare node outside the initial configuration, for membership changes.
    let nodes: Vec<NodeId> = (1..=size + 1).map(NodeId).collect();
    let mut cfg = Config::new((1..=size).map(NodeId));
    cfg.pre_vote = rng.chance(0.7);
    let pre_vote = cfg.pre_vote;
    cfg.check_quorum = rng.chance(0.7);
    cfg.read_mode = if rng.chance(0.5) {
        ReadMode::ReadIndex
    } else {
        ReadMode::Lease
    };
    cfg.snapshot_threshold = rng.range_inclusive(3, 12);
    cfg.max_inflight = rng.range_inclusive(1, 8) as u32;
    cfg.max_entries_per_msg = rng.range_inclusive(1, 6) as u32;
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
    let fault_until = c.world.now() + FAULT_PHASE;
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
    c.run_for(SETTLE);
    stats.events = c.world.events();
    stats.leaders = c
        .events
        .iter()
        .filter(|(_, _, e)| matches!(e, crate::Event::BecameLeader { .. }))
        .count() as u64;
    stats.snapshots = c
        .events
        .iter()
        .filter(|(_, _, e)| matches!(e, crate::Event::SnapshotRestored { .. }))
        .count() as u64;
    shut_down_removed(&mut c);
    let bound = if pre_vote {
        LIVENESS_BOUND
    } else {
        LIVENESS_BOUND_NO_PREVOTE
    };
    let failure = check_liveness(&mut c, bound);
    (c, stats, failure)
}

/// Stops the servers that no live server counts as a member any more, as the thesis expects of an operator
/// (§4.2.3): a removed server that keeps campaigning, with PreVote and CheckQuorum off, can keep a small
/// cluster without a leader for a long time (soak seed 77234). A server that some member still counts
/// is kept: that member may need its vote to learn that the change committed (seed 68).
fn shut_down_removed(c: &mut Cluster) {
    let ids: Vec<NodeId> = c.world.node_ids().collect();
    let confs: Vec<_> = ids
        .iter()
        .filter_map(|id| c.status(*id))
        .filter(|s| s.conf.contains(s.id))
        .map(|s| s.conf)
        .collect();
    for id in ids {
        let counted = confs.iter().any(|conf| conf.contains(id));
        if !counted && c.world.node_state(id) == Some(NodeState::Up) {
            c.try_apply(WorldCommand::Kill(id));
        }
    }
}

/// After healing: a leader within `bound`, then a proposal applied by every live voter of the leader's
/// configuration within `bound` more. The proposal carries a client session and is
/// retried every 300 ms through whoever leads then, as a client would: Raft may lose a proposal whose
/// leader is deposed before replicating it, never one it committed. Returns what went wrong, if anything.
fn check_liveness(c: &mut Cluster, bound: Duration) -> Option<String> {
    const CLIENT: u64 = u64::MAX;
    if c.run_until_cond(bound, |c| c.leader().is_some()).is_none() {
        return Some(format!("no leader within {bound} after healing"));
    }
    let deadline = c.world.now() + bound;
    let applied_everywhere = |c: &Cluster| {
        c.leader().and_then(|l| c.status(l)).is_some_and(|s| {
            // Every live voter (a voter stopped as removed before its addition was applied is down).
            s.conf.voters.iter().chain(&s.conf.outgoing).all(|v| {
                !c.up(*v)
                    || c.status(*v)
                        .is_some_and(|vs| vs.sessions.contains_key(&CLIENT))
            })
        })
    };
    let mut seq = 0;
    while c.world.now() < deadline {
        if let Some(leader) = c.leader() {
            seq += 1;
            let session = Some(Session {
                client: CLIENT,
                seq,
            });
            let cmd = Command::Propose {
                session,
                payload: b"final".to_vec(),
            };
            c.try_apply(WorldCommand::Client { node: leader, cmd });
        }
        let wait = Duration::from_millis(300).min(deadline.since(c.world.now()));
        if c.run_until_cond(wait, applied_everywhere).is_some() {
            return None;
        }
    }
    Some(format!(
        "a proposal (retried {seq} times) was not applied by every voter within {bound}"
    ))
}

/// The outcome of a soak over many seeds.
#[derive(Debug, Default)]
pub struct SoakReport {
    pub seeds: u64,
    pub totals: RunStats,
    /// The first failing seed and what failed (a safety violation or a liveness failure).
    pub failure: Option<(u64, String)>,
}

/// Runs seeds `[first, first + count)`, stopping at the first failure.
pub fn soak(first: u64, count: u64, mut progress: impl FnMut(u64)) -> SoakReport {
    let mut report = SoakReport::default();
    for seed in first..first.saturating_add(count) {
        let (c, stats, liveness) = run_seed(seed, false);
        report.seeds += 1;
        report.totals.events += stats.events;
        report.totals.leaders += stats.leaders;
        report.totals.kills += stats.kills;
        report.totals.conf_changes += stats.conf_changes;
        report.totals.snapshots += stats.snapshots;
        let failure = c.violations().first().map(|v| v.to_string()).or(liveness);
        if let Some(f) = failure {
            report.failure = Some((seed, f));
            break;
        }
        progress(seed);
    }
    report
}

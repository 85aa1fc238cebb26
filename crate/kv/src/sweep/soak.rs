//! The randomized soak: a 3-node cluster under random kills, restarts, pauses, partitions and message
//! loss, driven by simulated clients, and the recorded history checked for linearizability.

use quorate_check::linearizability::{check, describe_result, Verdict};
use quorate_core::{Duration, NodeId, NodeRng, SimTime};
use quorate_raft::ReadMode;
use quorate_sim::{LinkParams, WorldCommand};

use super::client::{ClientStats, Clients, KvHistory, Workload};
use super::cluster::Cluster;
use crate::model::KvRegisters;

/// Which faults a run draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultMix {
    pub kills: bool,
    pub pauses: bool,
    pub partitions: bool,
    pub loss: bool,
}

impl FaultMix {
    pub const ALL: FaultMix = FaultMix {
        kills: true,
        pauses: true,
        partitions: true,
        loss: true,
    };
    pub const NONE: FaultMix = FaultMix {
        kills: false,
        pauses: false,
        partitions: false,
        loss: false,
    };
}

#[derive(Clone, Debug)]
pub struct SoakConfig {
    pub nodes: u32,
    pub read_mode: ReadMode,
    pub workload: Workload,
    /// Clients invoke operations during this span; faults stop `settle` before its end.
    pub duration: Duration,
    pub settle: Duration,
    pub faults: FaultMix,
}

impl Default for SoakConfig {
    fn default() -> Self {
        SoakConfig {
            nodes: 3,
            read_mode: ReadMode::ReadIndex,
            workload: Workload::default(),
            duration: Duration::from_millis(1600),
            settle: Duration::from_millis(400),
            faults: FaultMix::ALL,
        }
    }
}

/// What one seed did.
#[derive(Clone, Debug)]
pub struct SoakReport {
    pub seed: u64,
    pub verdict: Verdict,
    /// The checker's explanation when the verdict is not `Linearizable`.
    pub explanation: Option<String>,
    pub stats: ClientStats,
    pub faults: usize,
    pub history: KvHistory,
    pub sim_time: SimTime,
}

/// The timed fault commands of one seed, drawn from a stream of their own (node id 999), healing
/// everything at `end`.
pub fn fault_plan(
    seed: u64,
    nodes: &[NodeId],
    mix: FaultMix,
    end: SimTime,
) -> Vec<(SimTime, WorldCommand<crate::Command>)> {
    let mut rng = NodeRng::for_node(seed, NodeId(999), 0);
    let mut kinds = Vec::new();
    if mix.kills {
        kinds.push(0);
    }
    if mix.pauses {
        kinds.push(1);
    }
    if mix.partitions {
        kinds.push(2);
    }
    if mix.loss {
        kinds.push(3);
    }
    let mut plan = Vec::new();
    if kinds.is_empty() {
        return plan;
    }
    let pick = |rng: &mut NodeRng| nodes[rng.below(nodes.len() as u64) as usize];
    let mut t = SimTime::from_millis(300);
    while t < end {
        let span = rng.duration_between(Duration::from_millis(50), Duration::from_millis(500));
        let back = (t + span).min(end);
        match kinds[rng.below(kinds.len() as u64) as usize] {
            0 => {
                let n = pick(&mut rng);
                plan.push((t, WorldCommand::Kill(n)));
                plan.push((back, WorldCommand::Restart(n)));
            }
            1 => {
                let n = pick(&mut rng);
                plan.push((t, WorldCommand::Pause(n)));
                plan.push((back, WorldCommand::Resume(n)));
            }
            2 => {
                let mut shuffled = nodes.to_vec();
                rng.shuffle(&mut shuffled);
                let cut = 1 + rng.below(nodes.len() as u64 - 1) as usize;
                let groups = vec![
                    shuffled[..cut].iter().copied().collect(),
                    shuffled[cut..].iter().copied().collect(),
                ];
                plan.push((t, WorldCommand::Partition(groups)));
                plan.push((back, WorldCommand::Heal));
            }
            _ => {
                let params = LinkParams {
                    loss: 0.05 + 0.3 * rng.next_f64(),
                    ..LinkParams::default()
                };
                plan.push((
                    t,
                    WorldCommand::SetLink {
                        from: None,
                        to: None,
                        params,
                    },
                ));
                plan.push((
                    back,
                    WorldCommand::SetLink {
                        from: None,
                        to: None,
                        params: LinkParams::default(),
                    },
                ));
            }
        }
        t += rng.duration_between(Duration::from_millis(100), Duration::from_millis(400));
    }
    // Heal everything: commands that no longer fit (restart of a node that is up) are rejected harmlessly.
    plan.push((end, WorldCommand::Heal));
    for &n in nodes {
        plan.push((end, WorldCommand::Restart(n)));
        plan.push((end, WorldCommand::Resume(n)));
    }
    plan
}

/// Runs one seed: faults, clients, then the checker.
pub fn soak(seed: u64, cfg: &SoakConfig) -> SoakReport {
    let read_mode = cfg.read_mode;
    let mut cluster = Cluster::new(seed, cfg.nodes, |c| c.raft.read_mode = read_mode);
    let stop = SimTime::ZERO + cfg.duration;
    let fault_end = SimTime::from_micros(stop.as_micros().saturating_sub(cfg.settle.as_micros()));
    let plan = fault_plan(seed, &cluster.nodes.clone(), cfg.faults, fault_end);
    let faults = plan.len();
    for (at, cmd) in plan {
        cluster.world.schedule(at, cmd);
    }
    let mut clients = Clients::new(seed, cfg.workload.clone(), cluster.nodes.len(), stop);
    clients.run(&mut cluster, stop);
    let limit = stop
        + cfg
            .workload
            .timeout
            .saturating_mul(u64::from(cfg.workload.max_attempts) + 1);
    clients.finish(&mut cluster, limit);
    let history = clients
        .history()
        .unwrap_or_else(|e| panic!("seed {seed}: the clients recorded a malformed history: {e}"));
    let result = check(&KvRegisters, &history);
    let explanation = (result.verdict != Verdict::Linearizable)
        .then(|| describe_result(&KvRegisters, &history, &result));
    SoakReport {
        seed,
        verdict: result.verdict,
        explanation,
        stats: clients.stats,
        faults,
        history,
        sim_time: cluster.world.now(),
    }
}

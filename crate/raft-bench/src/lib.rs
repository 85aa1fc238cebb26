//! One harness, two engines: a 3-node cluster in one process, no simulated delay, messages delivered in
//! FIFO order until the cluster is quiet. Each round the leader takes `batch` proposals; a round ends when
//! the leader has committed them and every node has applied them. Durable writes go to memory in both
//! (quorate-raft's `Durable` record, raft-rs's `MemStorage`), so the comparison is the protocol work.

use std::collections::VecDeque;

use quorate_core::{Effect, Engine, Input, NodeId, NodeRng, Outbox, SimTime};
use quorate_raft::{Command, Config, Durable, Raft, RoleKind};

/// A cluster the benchmark can drive.
pub trait Cluster {
    /// Proposes `batch` payloads of `size` bytes at the leader and runs until all are applied everywhere.
    /// Returns the leader's commit index afterwards.
    fn commit_batch(&mut self, batch: u32, size: usize) -> u64;
}

// ---- quorate-raft ----------------------------------------------------------------------------------

pub struct QuorateCluster {
    nodes: Vec<Raft>,
    durable: Vec<Durable>,
    wire: VecDeque<(usize, usize, quorate_raft::Msg)>,
    out: Outbox<Raft>,
    now: SimTime,
}

impl QuorateCluster {
    /// Three voters, n1 elected.
    pub fn new() -> QuorateCluster {
        let ids: Vec<NodeId> = (1..=3).map(NodeId).collect();
        let mut cfg = Config::new(ids.iter().copied());
        cfg.snapshot_threshold = 0;
        cfg.max_inflight = 256;
        cfg.max_entries_per_msg = 1024;
        let nodes = ids
            .iter()
            .map(|id| Raft::boot(*id, &cfg, None, NodeRng::for_node(1, *id, 0)))
            .collect();
        let mut c = QuorateCluster {
            nodes,
            durable: vec![Durable::default(); 3],
            wire: VecDeque::new(),
            out: Outbox::new(),
            now: SimTime::ZERO,
        };
        for i in 0..3 {
            c.step(i, Input::Start);
        }
        c.step(0, Input::Command(Command::Campaign));
        c.run();
        assert_eq!(c.nodes[0].role(), RoleKind::Leader);
        c
    }

    fn step(&mut self, i: usize, input: Input<Raft>) {
        // Errors are refused commands; the harness issues none that can fail.
        let _ = self.nodes[i].step(self.now, input, &mut self.out);
        for effect in self.out.drain() {
            match effect {
                Effect::Send { to, msg } => self.wire.push_back((i, to.0 as usize - 1, msg)),
                Effect::Persist(p) => Raft::apply_persist(&mut self.durable[i], &p),
                Effect::SetTimer { .. } | Effect::Emit(_) => {}
            }
        }
    }

    fn run(&mut self) {
        while let Some((from, to, msg)) = self.wire.pop_front() {
            self.step(
                to,
                Input::Message {
                    from: NodeId(from as u32 + 1),
                    msg,
                },
            );
        }
    }
}

impl Default for QuorateCluster {
    fn default() -> Self {
        Self::new()
    }
}

impl Cluster for QuorateCluster {
    fn commit_batch(&mut self, batch: u32, size: usize) -> u64 {
        for _ in 0..batch {
            let cmd = Command::Propose {
                session: None,
                payload: vec![7; size],
            };
            self.step(0, Input::Command(cmd));
        }
        self.run();
        let commit = self.nodes[0].commit_index();
        debug_assert!(self.nodes.iter().all(|n| n.commit_index() == commit));
        commit
    }
}

// ---- raft-rs ---------------------------------------------------------------------------------------

use raft::eraftpb::{ConfState, Message};
use raft::storage::MemStorage;
use raft::RawNode;

pub struct RaftRsCluster {
    nodes: Vec<RawNode<MemStorage>>,
    wire: VecDeque<Message>,
}

impl RaftRsCluster {
    /// Three voters, node 1 elected.
    pub fn new() -> RaftRsCluster {
        let logger = slog::Logger::root(slog::Discard, slog::o!());
        let nodes = (1..=3u64)
            .map(|id| {
                let storage =
                    MemStorage::new_with_conf_state(ConfState::from((vec![1, 2, 3], vec![])));
                let cfg = raft::Config {
                    id,
                    election_tick: 10,
                    heartbeat_tick: 3,
                    max_inflight_msgs: 256,
                    max_size_per_msg: 1024 * 1024,
                    ..Default::default()
                };
                RawNode::new(&cfg, storage, &logger).expect("valid config")
            })
            .collect();
        let mut c = RaftRsCluster {
            nodes,
            wire: VecDeque::new(),
        };
        c.nodes[0].campaign().expect("campaign");
        c.run();
        assert_eq!(c.nodes[0].raft.state, raft::StateRole::Leader);
        c
    }

    /// Handles every node's Ready in the documented order: persist, send, apply, advance.
    fn drain_ready(&mut self, i: usize) {
        if !self.nodes[i].has_ready() {
            return;
        }
        let node = &mut self.nodes[i];
        let mut rd = node.ready();
        self.wire.extend(rd.take_messages());
        let store = node.raft.raft_log.store.clone();
        if !rd.entries().is_empty() {
            store.wl().append(rd.entries()).expect("append");
        }
        if let Some(hs) = rd.hs() {
            store.wl().set_hardstate(hs.clone());
        }
        let committed = rd.take_committed_entries();
        std::hint::black_box(&committed);
        self.wire.extend(rd.take_persisted_messages());
        let mut light = node.advance(rd);
        if let Some(commit) = light.commit_index() {
            store.wl().mut_hard_state().set_commit(commit);
        }
        self.wire.extend(light.take_messages());
        std::hint::black_box(light.take_committed_entries());
        node.advance_apply();
    }

    fn run(&mut self) {
        loop {
            for i in 0..3 {
                self.drain_ready(i);
            }
            if self.wire.is_empty() {
                break;
            }
            while let Some(m) = self.wire.pop_front() {
                let to = m.to as usize - 1;
                let _ = self.nodes[to].step(m);
                self.drain_ready(to);
            }
        }
    }
}

impl Default for RaftRsCluster {
    fn default() -> Self {
        Self::new()
    }
}

impl Cluster for RaftRsCluster {
    fn commit_batch(&mut self, batch: u32, size: usize) -> u64 {
        for _ in 0..batch {
            self.nodes[0]
                .propose(vec![], vec![7; size])
                .expect("leader accepts proposals");
        }
        self.run();
        self.nodes[0].raft.raft_log.committed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_clusters_commit_every_proposal() {
        let mut q = QuorateCluster::new();
        let mut r = RaftRsCluster::new();
        let (q0, r0) = (q.commit_batch(1, 16), r.commit_batch(1, 16));
        assert_eq!(q.commit_batch(100, 16), q0 + 100);
        assert_eq!(r.commit_batch(100, 16), r0 + 100);
    }
}

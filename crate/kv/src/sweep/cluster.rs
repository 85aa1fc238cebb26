//! A simulated KV cluster with the small helpers directed tests need.

use quorate_core::{Duration, NodeId, SimTime};
use quorate_sim::{LinkParams, NodeState, Record, TraceMode, World, WorldCommand, WorldConfig};

use crate::node::{Command, Event, KvConfig, KvNode};
use crate::types::{Reply, Request};

/// A world of [`KvNode`]s that keeps its trace records for the clients to read replies from.
pub struct Cluster {
    pub world: World<KvNode>,
    pub nodes: Vec<NodeId>,
    /// Replies seen but not yet consumed by a helper: (time, node, tag, reply).
    replies: Vec<(SimTime, NodeId, u64, Reply)>,
    next_tag: u64,
    /// The KV layer's own events other than replies (watch notifications, lease expiries), in order.
    pub events: Vec<(SimTime, NodeId, Event)>,
}

impl Cluster {
    /// `n` nodes `n1..=nN` on LAN-like links.
    pub fn new(seed: u64, n: u32, configure: impl FnOnce(&mut KvConfig)) -> Cluster {
        let nodes: Vec<NodeId> = (1..=n).map(NodeId).collect();
        let mut cfg = KvConfig::new(nodes.iter().copied());
        configure(&mut cfg);
        let world = World::with_trace(
            WorldConfig {
                seed,
                nodes: nodes.clone(),
                engine: cfg,
                network: LinkParams::default(),
            },
            TraceMode::Keep,
        );
        Cluster {
            world,
            nodes,
            replies: Vec::new(),
            next_tag: 1 << 62,
            events: Vec::new(),
        }
    }

    /// Moves replies out of the trace into `sink` and the KV layer's other events into `events`,
    /// forgetting every other record.
    pub fn drain_replies(&mut self, sink: &mut Vec<(SimTime, NodeId, u64, Reply)>) {
        for rec in self.world.take_records() {
            match rec.record {
                Record::Emit {
                    node,
                    event: Event::Reply { tag, reply },
                } => sink.push((rec.time, node, tag, reply)),
                Record::Emit {
                    node,
                    event: event @ (Event::Watch { .. } | Event::Expired { .. }),
                } => self.events.push((rec.time, node, event)),
                _ => {}
            }
        }
    }

    /// The leader of the highest term among nodes that are up, if any.
    pub fn leader(&self) -> Option<NodeId> {
        self.nodes
            .iter()
            .filter(|id| self.world.node_state(**id) == Some(NodeState::Up))
            .filter_map(|id| {
                self.world
                    .engine(*id)
                    .map(|e| (e.raft().term(), e.is_leader(), *id))
            })
            .filter(|(_, leader, _)| *leader)
            .max()
            .map(|(_, _, id)| id)
    }

    /// Runs until a leader exists (or `limit` passes).
    pub fn await_leader(&mut self, limit: Duration) -> Option<NodeId> {
        let until = self.world.now() + limit;
        while self.world.now() < until {
            if let Some(l) = self.leader() {
                return Some(l);
            }
            self.world.run_for(Duration::from_millis(5));
        }
        self.leader()
    }

    /// Sends `req` to `node` and runs until its reply (or `timeout`): (call time, reply time, reply).
    pub fn request(
        &mut self,
        node: NodeId,
        req: Request,
        timeout: Duration,
    ) -> Option<(SimTime, SimTime, Reply)> {
        self.next_tag += 1;
        let tag = self.next_tag;
        let call = self.world.now();
        self.world
            .apply(WorldCommand::Client {
                node,
                cmd: Command::Request {
                    tag,
                    session: None,
                    req,
                },
            })
            .ok()?;
        let until = call + timeout;
        loop {
            let mut sink = std::mem::take(&mut self.replies);
            self.drain_replies(&mut sink);
            if let Some(pos) = sink.iter().position(|r| r.1 == node && r.2 == tag) {
                let (t, _, _, reply) = sink.remove(pos);
                self.replies = sink;
                return Some((call, t, reply));
            }
            self.replies = sink;
            if self.world.now() >= until {
                return None;
            }
            self.world.run_for(Duration::from_millis(1));
        }
    }
}

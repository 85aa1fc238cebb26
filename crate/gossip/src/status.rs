//! What the UI draws for one node: its own membership view, local health, suspicion countdowns with
//! their confirmations, the probe in flight, the broadcast queues and the rumors it holds.

use quorate_core::{Duration, NodeId, SimTime};
use serde::{Deserialize, Serialize};

use crate::change::MemberChange;
use crate::member::State;
use crate::msg::{EventId, Incarnation, LamportTime, Update};
use crate::node::{Gossip, Phase};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub node: NodeId,
    pub phase: Phase,
    pub incarnation: Incarnation,
    /// Lifeguard local health score, 0 (healthy) to `health_max - 1`.
    pub health: u32,
    pub health_max: u32,
    /// The probe period at the present score: `probe_interval * (health + 1)`.
    pub probe_period: Duration,
    /// This node's view, by id.
    pub members: Vec<MemberView>,
    pub suspicions: Vec<SuspicionView>,
    pub probe: Option<ProbeView>,
    /// memberlist's queue then Serf's, each freshest first.
    pub queue: Vec<QueuedView>,
    /// Retransmissions each queued update gets at the present cluster size.
    pub transmit_limit: u32,
    /// User events delivered here, in delivery order.
    pub rumors: Vec<EventId>,
    /// Rumors this node still spreads (mongering mode).
    pub hot: Vec<EventId>,
    pub lamport: LamportTime,
    /// The latest member-state changes and their causes, oldest first.
    pub changes: Vec<MemberChange>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub node: NodeId,
    pub state: State,
    pub incarnation: Incarnation,
    pub since: SimTime,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuspicionView {
    pub node: NodeId,
    pub since: SimTime,
    /// When the member will be declared dead unless refuted; shrinks with confirmations.
    pub deadline: SimTime,
    pub confirmations: u32,
    pub wanted: u32,
    pub min: Duration,
    pub max: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeView {
    pub target: NodeId,
    pub seq: u32,
    pub started: SimTime,
    pub deadline: SimTime,
    pub indirect: bool,
    pub nacks: u32,
    pub expected_nacks: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedView {
    pub update: Update,
    pub transmits: u32,
}

impl Status {
    pub fn of(g: &Gossip) -> Status {
        Status {
            node: g.id,
            phase: g.phase,
            incarnation: g.incarnation,
            health: g.awareness.score(),
            health_max: g.awareness.max(),
            probe_period: g.probe_period(),
            members: g
                .members
                .iter()
                .map(|(node, m)| MemberView {
                    node,
                    state: m.state,
                    incarnation: m.incarnation,
                    since: m.state_change,
                })
                .collect(),
            suspicions: g
                .suspicions
                .iter()
                .map(|(&node, s)| SuspicionView {
                    node,
                    since: s.start,
                    deadline: s.deadline,
                    confirmations: s.n,
                    wanted: s.k,
                    min: s.min,
                    max: s.max,
                })
                .collect(),
            probe: g.probe.as_ref().map(|p| ProbeView {
                target: p.target,
                seq: p.seq,
                started: p.started,
                deadline: p.deadline,
                indirect: p.indirect,
                nacks: p.nacks,
                expected_nacks: p.expected_nacks,
            }),
            queue: g
                .queue
                .iter()
                .chain(g.serf.queue.iter())
                .map(|q| QueuedView {
                    update: q.update.clone(),
                    transmits: q.transmits,
                })
                .collect(),
            transmit_limit: g.transmit_limit(),
            rumors: g.serf.delivered.clone(),
            hot: g.serf.hot.keys().cloned().collect(),
            lamport: g.serf.clock,
            changes: g.changes.iter().copied().collect(),
        }
    }

    /// This node's view of `node`.
    pub fn member(&self, node: NodeId) -> Option<&MemberView> {
        self.members.iter().find(|m| m.node == node)
    }
}

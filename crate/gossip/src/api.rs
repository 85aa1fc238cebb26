//! The engine's vocabulary besides the wire: timers, commands, events, durable writes.
//! Every type has a one-line `Display` form: the trace text.

use std::fmt;

use quorate_core::{Duration, NodeId};
use serde::{Deserialize, Serialize};

use crate::msg::{EventId, Incarnation};

/// Typed timers. `epoch` is drawn at boot: a timer armed in a previous life of the node is stale.
/// Timers for one probe or relay carry its sequence number; a suspicion timer carries a token that
/// changes whenever a confirmation re-arms it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Timer {
    /// The probe ticker (memberlist's fixed `ProbeInterval` ticker).
    ProbeTick {
        epoch: u32,
    },
    /// The direct probe's ack window is over: ask helpers (ping-req).
    ProbeTimeout {
        epoch: u32,
        seq: u32,
    },
    /// The probe's (health-scaled) period is over: suspect the target unless an ack came.
    ProbeDeadline {
        epoch: u32,
        seq: u32,
    },
    /// A helper's indirect probe got no ack in time: nack the requester.
    RelayTimeout {
        epoch: u32,
        seq: u32,
    },
    GossipTick {
        epoch: u32,
    },
    PushPullTick {
        epoch: u32,
    },
    /// A suspicion of `node` runs out.
    Suspicion {
        epoch: u32,
        node: NodeId,
        token: u64,
    },
    /// A leaving node stops gossiping its leave and goes silent.
    LeaveDone {
        epoch: u32,
    },
    /// A join got no answer from its seed.
    JoinTimeout {
        epoch: u32,
        seq: u32,
    },
}

impl fmt::Display for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timer::ProbeTick { .. } => write!(f, "probe-tick"),
            Timer::ProbeTimeout { seq, .. } => write!(f, "probe-timeout seq={seq}"),
            Timer::ProbeDeadline { seq, .. } => write!(f, "probe-deadline seq={seq}"),
            Timer::RelayTimeout { seq, .. } => write!(f, "relay-timeout seq={seq}"),
            Timer::GossipTick { .. } => write!(f, "gossip-tick"),
            Timer::PushPullTick { .. } => write!(f, "push-pull-tick"),
            Timer::Suspicion { node, .. } => write!(f, "suspicion-timeout {node}"),
            Timer::LeaveDone { .. } => write!(f, "leave-done"),
            Timer::JoinTimeout { .. } => write!(f, "join-timeout"),
        }
    }
}

/// Local intents (scenario `client <node> <words>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// `join n1`: push-pull with `n1` and merge its view.
    Join(NodeId),
    /// `leave`: announce a graceful leave, keep gossiping it for `leave_timeout`, then go silent.
    Leave,
    /// `event <name> [payload]`: a Serf user event.
    Event { name: String, payload: String },
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Join(seed) => write!(f, "join {seed}"),
            Command::Leave => write!(f, "leave"),
            Command::Event { name, payload } if payload.is_empty() => write!(f, "event {name}"),
            Command::Event { name, payload } => write!(f, "event {name} {payload}"),
        }
    }
}

/// Observable facts, as this node sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// `node` is alive here: newly joined, back from dead/left, or cleared of suspicion.
    Alive {
        node: NodeId,
        incarnation: Incarnation,
    },
    /// `node` became suspect here on `by`'s word (`by` is this node when its own probe failed).
    Suspect {
        node: NodeId,
        incarnation: Incarnation,
        by: NodeId,
    },
    /// An independent confirmation shortened the suspicion of `node` (Lifeguard IV-B).
    Confirmed {
        node: NodeId,
        by: NodeId,
        confirmations: u32,
        wanted: u32,
        timeout: Duration,
    },
    /// `node` is dead here. `by` is this node when its own suspicion timer ran out (a declaration).
    Dead {
        node: NodeId,
        incarnation: Incarnation,
        by: NodeId,
    },
    /// `node` left gracefully.
    Left {
        node: NodeId,
        incarnation: Incarnation,
    },
    /// This node refuted an accusation about itself and is now at `incarnation`.
    Refuted {
        incarnation: Incarnation,
        accusation: Accusation,
    },
    /// This node's local health score changed (Lifeguard IV-A).
    Health { score: u32 },
    /// A join through `via` completed; this node now knows `members` members.
    Joined { via: NodeId, members: u32 },
    /// A join through `via` got no answer.
    JoinFailed { via: NodeId },
    /// This node finished leaving and went silent.
    LeaveDone,
    /// A user event reached this node for the first time.
    UserEvent { id: EventId },
    /// A rumor monger lost interest in `id`.
    RumorCold { id: EventId },
}

/// What a refutation answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Accusation {
    Suspect,
    Dead,
    /// An alive message about this node at an incarnation it never announced.
    Alive,
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Alive { node, incarnation } => {
                write!(f, "member {node} alive inc={incarnation}")
            }
            Event::Suspect {
                node,
                incarnation,
                by,
            } => write!(f, "member {node} suspect inc={incarnation} by={by}"),
            Event::Confirmed {
                node,
                by,
                confirmations,
                wanted,
                timeout,
            } => {
                write!(
                    f,
                    "suspicion {node} confirmed by={by} {confirmations}/{wanted} timeout={timeout}"
                )
            }
            Event::Dead {
                node,
                incarnation,
                by,
            } => write!(f, "member {node} dead inc={incarnation} by={by}"),
            Event::Left { node, incarnation } => write!(f, "member {node} left inc={incarnation}"),
            Event::Refuted {
                incarnation,
                accusation,
            } => {
                let what = match accusation {
                    Accusation::Suspect => "suspect",
                    Accusation::Dead => "dead",
                    Accusation::Alive => "alive",
                };
                write!(f, "refuted {what} now inc={incarnation}")
            }
            Event::Health { score } => write!(f, "local health score={score}"),
            Event::Joined { via, members } => write!(f, "joined via={via} members={members}"),
            Event::JoinFailed { via } => write!(f, "join failed via={via}"),
            Event::LeaveDone => write!(f, "left the cluster"),
            Event::UserEvent { id } => write!(f, "user event {id} received"),
            Event::RumorCold { id } => write!(f, "rumor {id} cold"),
        }
    }
}

/// One durable write: the incarnation, so that a restarted node announces itself above anything said
/// about its previous life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Persist {
    Incarnation(Incarnation),
}

impl fmt::Display for Persist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Persist::Incarnation(i) => write!(f, "incarnation={i}"),
        }
    }
}

/// What survives a crash.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Durable {
    pub incarnation: Incarnation,
}

//! The wire: memberlist's packet types, Serf's user event, and deterministic size estimates.
//!
//! memberlist encodes with msgpack; sizes here are estimates of that encoding (a type byte, 5 bytes per
//! 32-bit integer, 9 per 64-bit one, a length byte plus the text of each name) so that the packet byte
//! budget packs the same number of updates on every platform.

use std::fmt;

use quorate_core::NodeId;
use serde::{Deserialize, Serialize};

/// A member's incarnation number: only the member itself raises it, to refute a suspicion (SWIM 4.2).
pub type Incarnation = u32;

/// A Serf Lamport time (Lamport 1978; Serf's `LamportClock`).
pub type LamportTime = u64;

/// One piece of news that is queued, piggybacked and gossiped: memberlist's alive/suspect/dead messages
/// and Serf's user event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Update {
    /// `node` is alive at `incarnation` (a join, or a refutation).
    Alive {
        node: NodeId,
        incarnation: Incarnation,
    },
    /// `from` suspects `node` at `incarnation`.
    Suspect {
        node: NodeId,
        incarnation: Incarnation,
        from: NodeId,
    },
    /// `from` declares `node` dead at `incarnation`; `from == node` means a graceful leave.
    Dead {
        node: NodeId,
        incarnation: Incarnation,
        from: NodeId,
    },
    /// A Serf user event.
    Event(UserEvent),
}

/// A Serf user event. Identified by `(ltime, name)` as Serf's de-duplication does.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UserEvent {
    pub ltime: LamportTime,
    pub name: String,
    pub payload: String,
}

impl UserEvent {
    pub fn id(&self) -> EventId {
        EventId {
            ltime: self.ltime,
            name: self.name.clone(),
        }
    }
}

/// How a user event is named in traces and the UI: `deploy@3`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EventId {
    pub ltime: LamportTime,
    pub name: String,
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.name, self.ltime)
    }
}

/// A member's entry in a push-pull exchange (memberlist `pushNodeState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushNodeState {
    pub node: NodeId,
    pub incarnation: Incarnation,
    pub state: crate::State,
}

/// A packet between two nodes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Msg {
    /// A probe (direct, or sent by a helper on behalf of a ping-req). `target` is who the sender meant, so a
    /// node reached at a stale address ignores it. `piggyback` carries queued updates, or, for a probe of a
    /// suspect with the buddy system on, the suspicion itself.
    Ping {
        seq: u32,
        target: NodeId,
        piggyback: Vec<Update>,
    },
    /// Asks a helper to probe `target` and answer with an ack (or, if `nack`, a nack on timeout).
    PingReq {
        seq: u32,
        target: NodeId,
        nack: bool,
        piggyback: Vec<Update>,
    },
    /// Answers a ping (or relays a target's ack to the node that asked for an indirect probe).
    Ack { seq: u32, piggyback: Vec<Update> },
    /// A helper could not reach the target within the probe timeout (Lifeguard: "I am alive, the target
    /// did not answer me either").
    Nack { seq: u32, piggyback: Vec<Update> },
    /// A periodic gossip packet: queued updates only.
    Gossip { updates: Vec<Update> },
    /// A full state exchange (memberlist over TCP). `join` marks a join; `reply` is the answer.
    PushPull {
        join: bool,
        reply: bool,
        members: Vec<PushNodeState>,
        events: Vec<UserEvent>,
        ltime: LamportTime,
    },
    /// Rumor mongering: one event pushed by an infective node.
    Rumor { event: UserEvent },
    /// Rumor mongering with feedback: whether the receiver already knew the rumor.
    RumorFeedback { id: EventId, known: bool },
}

const TYPE: u32 = 1;
const U32: u32 = 5;
const U64: u32 = 9;
/// Overhead of each part in a compound packet (memberlist `compoundOverhead`).
pub const COMPOUND_OVERHEAD: u32 = 2;
/// Overhead of a compound packet's header (memberlist `compoundHeaderOverhead`).
pub const COMPOUND_HEADER_OVERHEAD: u32 = 2;

fn name(node: NodeId) -> u32 {
    // The node's name as text (`n12`) with a length byte.
    let mut digits = 1;
    let mut n = node.0 / 10;
    while n > 0 {
        digits += 1;
        n /= 10;
    }
    2 + digits
}

fn text(s: &str) -> u32 {
    1 + s.len().min(u32::MAX as usize - 1) as u32
}

impl Update {
    /// Estimated encoded size in bytes. An alive also carries the address, port, meta and protocol
    /// versions memberlist sends (about 20 bytes).
    pub fn size(&self) -> u32 {
        match self {
            Update::Alive { node, .. } => TYPE + name(*node) + U32 + 20,
            Update::Suspect { node, from, .. } | Update::Dead { node, from, .. } => {
                TYPE + name(*node) + U32 + name(*from)
            }
            Update::Event(e) => TYPE + U64 + text(&e.name) + text(&e.payload) + 1,
        }
    }

    /// The member this news is about, if any: newer news about a member invalidates older in the queue.
    pub fn about(&self) -> Option<NodeId> {
        match self {
            Update::Alive { node, .. }
            | Update::Suspect { node, .. }
            | Update::Dead { node, .. } => Some(*node),
            Update::Event(_) => None,
        }
    }
}

impl Msg {
    /// Estimated size of the message without its piggyback.
    pub fn base_size(&self) -> u32 {
        match self {
            Msg::Ping { target, .. } => TYPE + U32 + name(*target) + 12,
            Msg::PingReq { target, .. } => TYPE + U32 + name(*target) + 12 + 1,
            Msg::Ack { .. } | Msg::Nack { .. } => TYPE + U32 + 1,
            Msg::Gossip { .. } => COMPOUND_HEADER_OVERHEAD,
            Msg::PushPull {
                members, events, ..
            } => {
                let m: u32 = members.iter().map(|m| name(m.node) + U32 + 2 + 20).sum();
                let e: u32 = events.iter().map(|e| Update::Event(e.clone()).size()).sum();
                TYPE + 3 + U64 + m + e
            }
            Msg::Rumor { event } => Update::Event(event.clone()).size(),
            Msg::RumorFeedback { id, .. } => TYPE + U64 + text(&id.name) + 1,
        }
    }

    /// The queued updates this packet carries.
    pub fn piggyback(&self) -> &[Update] {
        match self {
            Msg::Ping { piggyback, .. }
            | Msg::PingReq { piggyback, .. }
            | Msg::Ack { piggyback, .. }
            | Msg::Nack { piggyback, .. } => piggyback,
            Msg::Gossip { updates } => updates,
            _ => &[],
        }
    }

    /// Whether this is failure-detection traffic (what "2 messages per member per period" counts).
    pub fn is_probe_traffic(&self) -> bool {
        matches!(
            self,
            Msg::Ping { .. } | Msg::PingReq { .. } | Msg::Ack { .. } | Msg::Nack { .. }
        )
    }

    /// Estimated size of the whole packet.
    pub fn size(&self) -> u32 {
        let extra: u32 = self
            .piggyback()
            .iter()
            .map(|u| u.size() + COMPOUND_OVERHEAD)
            .sum();
        self.base_size() + extra
    }
}

impl fmt::Display for Update {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Update::Alive { node, incarnation } => write!(f, "alive({node} inc={incarnation})"),
            Update::Suspect {
                node,
                incarnation,
                from,
            } => write!(f, "suspect({node} inc={incarnation} by={from})"),
            Update::Dead {
                node,
                incarnation,
                from,
            } if node == from => write!(f, "left({node} inc={incarnation})"),
            Update::Dead {
                node,
                incarnation,
                from,
            } => write!(f, "dead({node} inc={incarnation} by={from})"),
            Update::Event(e) => write!(f, "event({})", e.id()),
        }
    }
}

fn piggyback(f: &mut fmt::Formatter<'_>, parts: &[Update]) -> fmt::Result {
    // A suspicion carried to its own subject is the buddy system: worth naming in the trace.
    match parts {
        [] => Ok(()),
        [one @ Update::Suspect { .. }] => write!(f, " +{one}"),
        _ => write!(f, " +{} piggyback", parts.len()),
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Ping {
                seq,
                target,
                piggyback: p,
            } => {
                write!(f, "ping seq={seq} target={target}")?;
                piggyback(f, p)
            }
            Msg::PingReq {
                seq,
                target,
                nack,
                piggyback: p,
            } => {
                write!(
                    f,
                    "ping-req seq={seq} target={target}{}",
                    if *nack { " nack" } else { "" }
                )?;
                piggyback(f, p)
            }
            Msg::Ack { seq, piggyback: p } => {
                write!(f, "ack seq={seq}")?;
                piggyback(f, p)
            }
            Msg::Nack { seq, piggyback: p } => {
                write!(f, "nack seq={seq}")?;
                piggyback(f, p)
            }
            Msg::Gossip { updates } => {
                write!(f, "gossip")?;
                for u in updates.iter().take(3) {
                    write!(f, " {u}")?;
                }
                if updates.len() > 3 {
                    write!(f, " +{} more", updates.len() - 3)?;
                }
                Ok(())
            }
            Msg::PushPull {
                join,
                reply,
                members,
                events,
                ..
            } => write!(
                f,
                "{}{} members={} events={}",
                if *reply {
                    "push-pull-reply"
                } else {
                    "push-pull"
                },
                if *join { " join" } else { "" },
                members.len(),
                events.len()
            ),
            Msg::Rumor { event } => write!(f, "rumor {}", event.id()),
            Msg::RumorFeedback { id, known } => {
                write!(
                    f,
                    "rumor-feedback {id} {}",
                    if *known { "known" } else { "new" }
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_deterministic_and_plausible() {
        let a = Update::Alive {
            node: NodeId(12),
            incarnation: 3,
        };
        assert_eq!(a.size(), 1 + 4 + 5 + 20);
        let ping = Msg::Ping {
            seq: 1,
            target: NodeId(3),
            piggyback: vec![a.clone(), a],
        };
        assert_eq!(ping.size(), ping.base_size() + 2 * (30 + COMPOUND_OVERHEAD));
        assert_eq!(ping.to_string(), "ping seq=1 target=n3 +2 piggyback");
    }
}

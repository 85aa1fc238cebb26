//! Why this node's view of a member last changed: the edge of the member-state automaton (alive,
//! suspect, dead, left; memberlist's `NodeStateType`) taken last, with the message that moved it.
//!
//! Kept for the UI only: never sent, persisted or traced, so recording changes no run. The record is
//! bounded ([`MAX_CHANGES`], the latest per member), so a 10,000-node world keeps a few entries per node,
//! not one per member.

use std::fmt;

use quorate_core::{NodeId, SimTime};
use serde::{Deserialize, Serialize};

use crate::member::State;
use crate::msg::Incarnation;

/// Members whose last change a node remembers (the most recent ones).
pub const MAX_CHANGES: usize = 32;

/// The last change of one member's state as this node saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberChange {
    pub node: NodeId,
    /// `None` when this node first learned of the member.
    pub from: Option<State>,
    pub to: State,
    pub at: SimTime,
    pub cause: MemberCause,
}

/// The news that moved a member from one state to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemberCause {
    /// An alive message: a join, a refutation (the member raised its incarnation above a suspicion), or
    /// a return after being declared dead.
    Alive {
        incarnation: Incarnation,
        refute: bool,
    },
    /// `by` suspects the member (its probe failed; SWIM §4.2). `by` is this node after its own probe.
    Suspect {
        by: NodeId,
        incarnation: Incarnation,
    },
    /// Another member independently suspects it too; the suspicion timeout shrinks (Lifeguard IV-B).
    Confirmed {
        by: NodeId,
        confirmations: u32,
        wanted: u32,
    },
    /// This node's suspicion timer ran out without a refutation: it declares the member dead.
    SuspicionTimeout { incarnation: Incarnation },
    /// `by` declared the member dead (its own suspicion timed out).
    Dead {
        by: NodeId,
        incarnation: Incarnation,
    },
    /// The member announced its own leave.
    Left { incarnation: Incarnation },
}

impl fmt::Display for MemberCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            MemberCause::Alive {
                incarnation,
                refute: true,
            } => write!(f, "alive (refute) inc {incarnation}"),
            MemberCause::Alive { incarnation, .. } => write!(f, "alive inc {incarnation}"),
            MemberCause::Suspect { by, incarnation } => {
                write!(f, "suspect from {by}, inc {incarnation}")
            }
            MemberCause::Confirmed {
                by,
                confirmations,
                wanted,
            } => write!(f, "confirmed by {by} ({confirmations} of {wanted})"),
            MemberCause::SuspicionTimeout { incarnation } => {
                write!(f, "dead confirmed: suspicion timed out, inc {incarnation}")
            }
            MemberCause::Dead { by, incarnation } => write!(f, "dead from {by}, inc {incarnation}"),
            MemberCause::Left { incarnation } => write!(f, "left, inc {incarnation}"),
        }
    }
}

/// The latest change per member, oldest first, at most [`MAX_CHANGES`] of them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes(Vec<MemberChange>);

impl Changes {
    pub(crate) fn record(&mut self, change: MemberChange) {
        self.0.retain(|c| c.node != change.node);
        if self.0.len() == MAX_CHANGES {
            self.0.remove(0);
        }
        self.0.push(change);
    }

    /// The last change of `node`'s state, if still remembered.
    pub fn of(&self, node: NodeId) -> Option<&MemberChange> {
        self.0.iter().find(|c| c.node == node)
    }

    /// Every remembered change, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &MemberChange> {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    //! Each test hands one node gossip by hand and reads back the cause it recorded.

    use quorate_core::{Effect, Engine, Input, NodeId, NodeRng, Outbox, SimTime};

    use super::{MemberCause, MemberChange, MAX_CHANGES};
    use crate::{Bootstrap, Config, Gossip, Msg, State, Timer, Update};

    fn boot() -> (Gossip, Outbox<Gossip>) {
        let config = Config {
            bootstrap: Bootstrap::Full,
            ..Config::lan((1..=5).map(NodeId).collect())
        };
        let mut g = Gossip::boot(NodeId(1), &config, None, NodeRng::for_node(3, NodeId(1), 0));
        let mut out = Outbox::new();
        g.step(SimTime::ZERO, Input::Start, &mut out).unwrap();
        out.drain().for_each(drop);
        (g, out)
    }

    fn hear(g: &mut Gossip, out: &mut Outbox<Gossip>, ms: u64, update: Update) {
        let msg = Msg::Gossip {
            updates: vec![update],
        };
        g.step(
            SimTime::from_millis(ms),
            Input::Message {
                from: NodeId(2),
                msg,
            },
            out,
        )
        .unwrap();
    }

    fn last(g: &Gossip, node: u32) -> MemberChange {
        *g.changes().of(NodeId(node)).expect("a recorded change")
    }

    #[test]
    fn members_known_from_the_bootstrap_have_no_change_yet() {
        let (g, _) = boot();
        assert!(g.changes().of(NodeId(3)).is_none());
    }

    #[test]
    fn a_suspicion_names_its_accuser_and_incarnation() {
        let (mut g, mut out) = boot();
        let suspect = Update::Suspect {
            node: NodeId(3),
            incarnation: 1,
            from: NodeId(4),
        };
        hear(&mut g, &mut out, 100, suspect);
        let c = last(&g, 3);
        assert_eq!((c.from, c.to), (Some(State::Alive), State::Suspect));
        assert_eq!(c.at, SimTime::from_millis(100));
        assert_eq!(c.cause.to_string(), "suspect from n4, inc 1");
    }

    #[test]
    fn a_second_accuser_is_a_confirmation_and_a_higher_incarnation_a_refutation() {
        let (mut g, mut out) = boot();
        for (ms, from) in [(100, 4), (200, 5)] {
            let suspect = Update::Suspect {
                node: NodeId(3),
                incarnation: 1,
                from: NodeId(from),
            };
            hear(&mut g, &mut out, ms, suspect);
        }
        let c = last(&g, 3);
        assert_eq!((c.from, c.to), (Some(State::Suspect), State::Suspect));
        assert!(matches!(
            c.cause,
            MemberCause::Confirmed {
                by: NodeId(5),
                confirmations: 1,
                ..
            }
        ));
        let alive = Update::Alive {
            node: NodeId(3),
            incarnation: 2,
        };
        hear(&mut g, &mut out, 300, alive);
        let c = last(&g, 3);
        assert_eq!((c.from, c.to), (Some(State::Suspect), State::Alive));
        assert_eq!(c.cause.to_string(), "alive (refute) inc 2");
    }

    #[test]
    fn a_suspicion_that_runs_out_is_a_death_this_node_confirms() {
        let (mut g, mut out) = boot();
        let suspect = Update::Suspect {
            node: NodeId(3),
            incarnation: 1,
            from: NodeId(4),
        };
        hear(&mut g, &mut out, 100, suspect);
        let (after, timer) = out
            .drain()
            .find_map(|e| match e {
                Effect::SetTimer {
                    after,
                    timer: t @ Timer::Suspicion { .. },
                } => Some((after, t)),
                _ => None,
            })
            .expect("a suspicion timer");
        let at = SimTime::from_millis(100) + after;
        g.step(at, Input::Timer(timer), &mut out).unwrap();
        let c = last(&g, 3);
        assert_eq!((c.from, c.to), (Some(State::Suspect), State::Dead));
        assert_eq!(
            c.cause.to_string(),
            "dead confirmed: suspicion timed out, inc 1"
        );
    }

    #[test]
    fn dead_news_and_leaves_name_their_source() {
        let (mut g, mut out) = boot();
        let dead = Update::Dead {
            node: NodeId(3),
            incarnation: 1,
            from: NodeId(5),
        };
        hear(&mut g, &mut out, 100, dead);
        assert_eq!(last(&g, 3).cause.to_string(), "dead from n5, inc 1");
        let left = Update::Dead {
            node: NodeId(4),
            incarnation: 1,
            from: NodeId(4),
        };
        hear(&mut g, &mut out, 100, left);
        let c = last(&g, 4);
        assert_eq!((c.from, c.to), (Some(State::Alive), State::Left));
    }

    #[test]
    fn the_record_keeps_the_latest_changes_only() {
        let mut changes = super::Changes::default();
        for i in 0..(MAX_CHANGES as u32 + 5) {
            changes.record(MemberChange {
                node: NodeId(i),
                from: Some(State::Alive),
                to: State::Suspect,
                at: SimTime::from_millis(u64::from(i)),
                cause: MemberCause::Suspect {
                    by: NodeId(0),
                    incarnation: 1,
                },
            });
        }
        assert_eq!(changes.iter().count(), MAX_CHANGES);
        assert!(changes.of(NodeId(4)).is_none());
        assert!(changes.of(NodeId(5)).is_some());
    }
}

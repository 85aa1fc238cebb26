//! One node's view of the membership, and memberlist's merge rules for alive / suspect / dead news.
//!
//! The rules are pure functions of (what this node believes, what the news says); `node.rs` acts on the
//! verdicts (queues re-broadcasts, starts suspicion timers, refutes). They follow memberlist's
//! `aliveNode`, `suspectNode` and `deadNode` (state.go) line by line.
//!
//! The table is a dense vector indexed by node id: a 10,000-node world keeps 10^8 entries in total, so each
//! entry is 16 bytes and no per-entry tree node is allocated. Iteration is by id, hence ordered.

use std::fmt;

use quorate_core::{NodeId, NodeRng, SimTime};
use serde::{Deserialize, Serialize};

use crate::msg::Incarnation;

/// A member's state as one node sees it (memberlist `NodeStateType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum State {
    Alive,
    Suspect,
    /// Declared failed by a suspicion timeout somewhere.
    Dead,
    /// Left gracefully: a dead message sent by the member about itself.
    Left,
}

impl State {
    pub fn dead_or_left(self) -> bool {
        matches!(self, State::Dead | State::Left)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Alive => "alive",
            State::Suspect => "suspect",
            State::Dead => "dead",
            State::Left => "left",
        })
    }
}

/// What one node knows about one member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub state: State,
    pub incarnation: Incarnation,
    /// When `state` last changed here (memberlist `StateChange`). A suspicion timer that fires for a member
    /// whose state changed since it was armed is stale.
    pub state_change: SimTime,
}

/// The membership table plus memberlist's probe order (`m.nodes` and `probeIndex`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Members {
    /// Indexed by `NodeId.0`; `None` for ids this node has never heard of (or has reaped).
    table: Vec<Option<Member>>,
    /// Known members (self included) in probe order. Invariant: exactly the ids with a `Some` entry.
    order: Vec<NodeId>,
    /// Next position of `order` to probe.
    probe_index: u32,
}

/// Ids above this are refused: the table is dense.
pub const MAX_NODE_ID: u32 = 1 << 20;

impl Members {
    pub fn new() -> Members {
        Members {
            table: Vec::new(),
            order: Vec::new(),
            probe_index: 0,
        }
    }

    /// Room for ids up to `max_id` and `count` members, so a full bootstrap does not regrow the table.
    pub fn reserve(&mut self, max_id: NodeId, count: usize) {
        let slots = (max_id.0.min(MAX_NODE_ID - 1) as usize + 1).saturating_sub(self.table.len());
        self.table.reserve(slots);
        self.order.reserve(count);
    }

    pub fn get(&self, id: NodeId) -> Option<&Member> {
        self.table.get(id.0 as usize).and_then(|m| m.as_ref())
    }

    pub fn get_mut(&mut self, id: NodeId) -> Option<&mut Member> {
        self.table.get_mut(id.0 as usize).and_then(|m| m.as_mut())
    }

    /// Number of known members, self and dead ones not yet reaped included (memberlist `numNodes`).
    pub fn len(&self) -> u32 {
        self.order.len() as u32
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Members in probe order.
    pub fn order(&self) -> &[NodeId] {
        &self.order
    }

    /// Every known member with its entry, by id.
    pub fn iter(&self) -> impl Iterator<Item = (NodeId, &Member)> {
        self.table
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m.as_ref().map(|m| (NodeId(i as u32), m)))
    }

    /// Adds a member never seen before at a random position of the probe order, as memberlist's
    /// `aliveNode` does ("important to ensure the failure detection bound is low on average").
    pub fn insert(&mut self, id: NodeId, member: Member, rng: &mut NodeRng) {
        assert!(
            id.0 < MAX_NODE_ID,
            "node id {id} above the dense table's limit"
        );
        assert!(self.get(id).is_none(), "insert of known member {id}");
        let slot = id.0 as usize;
        if self.table.len() <= slot {
            self.table.resize(slot + 1, None);
        }
        self.table[slot] = Some(member);
        let n = self.order.len() as u64;
        let offset = if n == 0 { 0 } else { rng.below(n) as usize };
        self.order.push(id);
        let last = self.order.len() - 1;
        self.order.swap(offset, last);
    }

    /// Adds members in the given order without drawing randomness (the caller shuffles).
    pub fn insert_ordered(&mut self, id: NodeId, member: Member) {
        assert!(
            id.0 < MAX_NODE_ID,
            "node id {id} above the dense table's limit"
        );
        let slot = id.0 as usize;
        if self.table.len() <= slot {
            self.table.resize(slot + 1, None);
        }
        if self.table[slot].replace(member).is_none() {
            self.order.push(id);
        }
    }

    pub fn shuffle(&mut self, rng: &mut NodeRng) {
        rng.shuffle(&mut self.order);
    }

    /// The next member to probe, following memberlist's `probe()`: walk the order, skipping self and
    /// dead or left members; at the end of the order, reap members dead for longer than `reap_after`
    /// and reshuffle (`resetNodes`). `None` when nobody is probeable.
    pub fn next_probe_target(
        &mut self,
        me: NodeId,
        now: SimTime,
        reap_after: quorate_core::Duration,
        rng: &mut NodeRng,
    ) -> Option<NodeId> {
        let mut checked = 0u32;
        loop {
            if checked >= self.len() {
                return None;
            }
            if self.probe_index as usize >= self.order.len() {
                self.reset(now, reap_after, rng);
                self.probe_index = 0;
                checked += 1;
                continue;
            }
            let id = self.order[self.probe_index as usize];
            self.probe_index += 1;
            let skip = id == me || self.get(id).is_none_or(|m| m.state.dead_or_left());
            if skip {
                checked += 1;
                continue;
            }
            return Some(id);
        }
    }

    /// memberlist `resetNodes`: forget members dead or left for longer than `reap_after`, shuffle the rest.
    fn reset(&mut self, now: SimTime, reap_after: quorate_core::Duration, rng: &mut NodeRng) {
        let table = &mut self.table;
        self.order.retain(|id| {
            let slot = &mut table[id.0 as usize];
            let reap = slot
                .is_some_and(|m| m.state.dead_or_left() && now.since(m.state_change) > reap_after);
            if reap {
                *slot = None;
            }
            !reap
        });
        rng.shuffle(&mut self.order);
    }

    /// memberlist `kRandomNodes`: up to `k` distinct members drawn at random (at most `3 * len` draws),
    /// skipping those `exclude` rejects.
    pub fn k_random(
        &self,
        k: u32,
        rng: &mut NodeRng,
        exclude: impl Fn(NodeId, &Member) -> bool,
    ) -> Vec<NodeId> {
        let n = self.order.len() as u64;
        let mut picked: Vec<NodeId> = Vec::with_capacity(k as usize);
        let mut i = 0;
        while i < 3 * n && (picked.len() as u32) < k {
            i += 1;
            let id = self.order[rng.below(n) as usize];
            let Some(m) = self.get(id) else { continue };
            if exclude(id, m) || picked.contains(&id) {
                continue;
            }
            picked.push(id);
        }
        picked
    }

    /// Number of members currently alive or suspect (not dead or left).
    pub fn live_count(&self) -> u32 {
        self.iter().filter(|(_, m)| !m.state.dead_or_left()).count() as u32
    }
}

impl Default for Members {
    fn default() -> Self {
        Members::new()
    }
}

/// What to do with an alive message (memberlist `aliveNode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AliveVerdict {
    /// Old news: drop it.
    Ignore,
    /// News about a member never seen: add it, then accept.
    New,
    /// Newer incarnation: adopt it and re-broadcast.
    Accept,
    /// Someone claims we are alive at an incarnation we did not announce: refute with a higher one.
    Refute,
}

/// `aliveNode`'s rules. `known` is this node's entry for the subject.
pub fn judge_alive(
    known: Option<&Member>,
    incarnation: Incarnation,
    about_me: bool,
) -> AliveVerdict {
    let Some(m) = known else {
        return AliveVerdict::New;
    };
    if about_me {
        // Bail if strictly older; the same incarnation is our own announcement echoing back.
        if incarnation <= m.incarnation {
            return AliveVerdict::Ignore;
        }
        return AliveVerdict::Refute;
    }
    if incarnation <= m.incarnation {
        return AliveVerdict::Ignore;
    }
    AliveVerdict::Accept
}

/// What to do with a suspect message (memberlist `suspectNode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuspectVerdict {
    /// Unknown member, older incarnation, or already dead/left: drop it.
    Ignore,
    /// A suspicion timer is running: count an independent confirmation.
    Confirm,
    /// We are accused: refute with a higher incarnation.
    Refute,
    /// Mark suspect, start the timer, re-broadcast.
    Suspect,
}

pub fn judge_suspect(
    known: Option<&Member>,
    incarnation: Incarnation,
    about_me: bool,
    timer_running: bool,
) -> SuspectVerdict {
    let Some(m) = known else {
        return SuspectVerdict::Ignore;
    };
    if incarnation < m.incarnation {
        return SuspectVerdict::Ignore;
    }
    if timer_running {
        return SuspectVerdict::Confirm;
    }
    if m.state != State::Alive {
        return SuspectVerdict::Ignore;
    }
    if about_me {
        return SuspectVerdict::Refute;
    }
    SuspectVerdict::Suspect
}

/// What to do with a dead message (memberlist `deadNode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeadVerdict {
    /// Unknown member or older incarnation: drop it (a running suspicion timer is kept).
    Ignore,
    /// Already dead or left: drop it, but clear any suspicion timer.
    AlreadyGone,
    /// We are declared dead while not leaving: refute.
    Refute,
    /// Mark dead (or left when the member said so itself) and re-broadcast.
    Accept,
}

pub fn judge_dead(
    known: Option<&Member>,
    incarnation: Incarnation,
    about_me: bool,
    leaving: bool,
) -> DeadVerdict {
    let Some(m) = known else {
        return DeadVerdict::Ignore;
    };
    if incarnation < m.incarnation {
        return DeadVerdict::Ignore;
    }
    if m.state.dead_or_left() {
        return DeadVerdict::AlreadyGone;
    }
    if about_me && !leaving {
        return DeadVerdict::Refute;
    }
    DeadVerdict::Accept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(state: State, incarnation: Incarnation) -> Member {
        Member {
            state,
            incarnation,
            state_change: SimTime::ZERO,
        }
    }

    #[test]
    fn alive_needs_a_strictly_newer_incarnation() {
        assert_eq!(
            judge_alive(Some(&m(State::Suspect, 3)), 3, false),
            AliveVerdict::Ignore
        );
        assert_eq!(
            judge_alive(Some(&m(State::Suspect, 3)), 4, false),
            AliveVerdict::Accept
        );
        assert_eq!(judge_alive(None, 0, false), AliveVerdict::New);
        assert_eq!(
            judge_alive(Some(&m(State::Alive, 3)), 5, true),
            AliveVerdict::Refute
        );
        assert_eq!(
            judge_alive(Some(&m(State::Alive, 3)), 3, true),
            AliveVerdict::Ignore
        );
    }

    #[test]
    fn suspect_and_dead_accept_the_same_incarnation() {
        assert_eq!(
            judge_suspect(Some(&m(State::Alive, 3)), 3, false, false),
            SuspectVerdict::Suspect
        );
        assert_eq!(
            judge_suspect(Some(&m(State::Alive, 3)), 2, false, false),
            SuspectVerdict::Ignore
        );
        assert_eq!(
            judge_suspect(Some(&m(State::Suspect, 3)), 3, false, true),
            SuspectVerdict::Confirm
        );
        assert_eq!(
            judge_suspect(Some(&m(State::Dead, 3)), 3, false, false),
            SuspectVerdict::Ignore
        );
        assert_eq!(
            judge_suspect(Some(&m(State::Alive, 3)), 3, true, false),
            SuspectVerdict::Refute
        );
        assert_eq!(
            judge_dead(Some(&m(State::Suspect, 3)), 3, false, false),
            DeadVerdict::Accept
        );
        assert_eq!(
            judge_dead(Some(&m(State::Alive, 3)), 3, true, false),
            DeadVerdict::Refute
        );
        assert_eq!(
            judge_dead(Some(&m(State::Alive, 3)), 3, true, true),
            DeadVerdict::Accept
        );
        assert_eq!(
            judge_dead(Some(&m(State::Left, 3)), 3, false, false),
            DeadVerdict::AlreadyGone
        );
    }

    #[test]
    fn probe_order_skips_self_and_dead_and_visits_everyone_once_per_round() {
        let mut rng = NodeRng::for_node(1, NodeId(1), 0);
        let mut ms = Members::new();
        for i in 1..=5 {
            let state = if i == 4 { State::Dead } else { State::Alive };
            ms.insert(NodeId(i), m(state, 0), &mut rng);
        }
        let d = quorate_core::Duration::from_secs(30);
        let mut seen: Vec<NodeId> = (0..3)
            .filter_map(|_| ms.next_probe_target(NodeId(1), SimTime::ZERO, d, &mut rng))
            .collect();
        seen.sort();
        assert_eq!(seen, vec![NodeId(2), NodeId(3), NodeId(5)]);
    }
}

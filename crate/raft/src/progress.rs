//! What a leader knows about each follower's log (etcd's tracker package): match/next, the probe /
//! replicate / snapshot state machine, and the bounded window of in-flight appends.

use std::collections::VecDeque;
use std::fmt;

use quorate_core::SimTime;
use serde::{Deserialize, Serialize};

use crate::msg::Index;

/// How the leader currently replicates to a follower.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProgressState {
    /// The leader does not know where the follower's log matches: one MsgApp at a time, then wait for its
    /// answer or the next heartbeat response.
    Probe,
    /// The logs match up to `matched`: stream appends optimistically, up to `max_inflight` unacknowledged.
    Replicate,
    /// The follower needs the snapshot at `pending` (sent at `sent_at`); appends pause until it reports.
    Snapshot { pending: Index, sent_at: SimTime },
}

/// Invariant: `matched < next`; in `Replicate`, `inflight` holds the last index of each unacknowledged
/// MsgApp in increasing order and `next` is one past the last index sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Highest index known to match the leader's log (Raft paper's matchIndex).
    pub matched: Index,
    /// Next index to send (nextIndex).
    pub next: Index,
    pub state: ProgressState,
    /// In `Probe`: a probe is outstanding; don't send another until a response or heartbeat response.
    pub probe_sent: bool,
    /// Last index of each in-flight MsgApp (Replicate only).
    pub inflight: VecDeque<Index>,
    /// Heard from since the last CheckQuorum round.
    pub recent_active: bool,
    pub is_learner: bool,
}

impl Progress {
    pub fn new(next: Index, is_learner: bool) -> Progress {
        Progress {
            matched: 0,
            next,
            state: ProgressState::Probe,
            probe_sent: false,
            inflight: VecDeque::new(),
            recent_active: false,
            is_learner,
        }
    }

    pub fn become_probe(&mut self) {
        // After a snapshot, resume from just past it (etcd: max(match+1, pendingSnapshot+1)).
        if let ProgressState::Snapshot { pending, .. } = self.state {
            self.next = (self.matched + 1).max(pending + 1);
        } else {
            self.next = self.matched + 1;
        }
        self.state = ProgressState::Probe;
        self.probe_sent = false;
        self.inflight.clear();
    }

    pub fn become_replicate(&mut self) {
        self.state = ProgressState::Replicate;
        self.next = self.matched + 1;
        self.probe_sent = false;
        self.inflight.clear();
    }

    pub fn become_snapshot(&mut self, pending: Index, now: SimTime) {
        self.state = ProgressState::Snapshot {
            pending,
            sent_at: now,
        };
        self.probe_sent = false;
        self.inflight.clear();
    }

    /// Whether the leader must hold appends to this follower for now.
    pub fn is_paused(&self, max_inflight: u32) -> bool {
        match self.state {
            ProgressState::Probe => self.probe_sent,
            ProgressState::Replicate => self.inflight.len() as u64 >= u64::from(max_inflight),
            ProgressState::Snapshot { .. } => true,
        }
    }

    /// A successful append response for `index`. Returns whether it told us anything new.
    pub fn maybe_update(&mut self, index: Index) -> bool {
        let updated = index > self.matched;
        if updated {
            self.matched = index;
            self.probe_sent = false;
        }
        self.next = self.next.max(index + 1);
        updated
    }

    /// A rejection of the append at `rejected` with the follower's hint. Returns false for a stale
    /// rejection (etcd's MaybeDecrTo).
    pub fn maybe_decr_to(&mut self, rejected: Index, hint: Index) -> bool {
        if self.state == ProgressState::Replicate {
            if rejected <= self.matched {
                return false;
            }
            self.next = self.matched + 1;
            return true;
        }
        if self.next == 0 || self.next - 1 != rejected {
            return false;
        }
        let next = rejected.min(hint + 1).max(self.matched + 1);
        if next == self.next {
            // No way back past `matched` (which only a broken log can contradict): resending the same
            // probe would be rejected the same way, so wait for the next heartbeat round instead.
            return false;
        }
        self.next = next;
        self.probe_sent = false;
        true
    }

    /// Records a MsgApp whose last entry is `last` (Replicate: optimistic next, one more in flight).
    pub fn sent_entries(&mut self, last: Index) {
        match self.state {
            ProgressState::Replicate => {
                self.next = last + 1;
                self.inflight.push_back(last);
            }
            ProgressState::Probe => self.probe_sent = true,
            ProgressState::Snapshot { .. } => {}
        }
    }

    /// Frees in-flight slots acknowledged through `index`.
    pub fn free_to(&mut self, index: Index) {
        while self.inflight.front().is_some_and(|i| *i <= index) {
            self.inflight.pop_front();
        }
    }
}

impl fmt::Display for ProgressState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProgressState::Probe => write!(f, "probe"),
            ProgressState::Replicate => write!(f, "replicate"),
            ProgressState::Snapshot { pending, .. } => write!(f, "snapshot({pending})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_backs_off_to_the_hint_and_replicate_resets_to_match() {
        let mut p = Progress::new(10, false);
        assert!(p.maybe_decr_to(9, 4));
        assert_eq!(p.next, 5);
        assert!(!p.maybe_decr_to(9, 4), "stale rejection ignored");
        p.maybe_update(6);
        p.become_replicate();
        p.sent_entries(9);
        assert_eq!(p.next, 10);
        assert!(p.maybe_decr_to(8, 3));
        assert_eq!(p.next, 7);
    }

    #[test]
    fn window_pauses_when_full() {
        let mut p = Progress::new(1, false);
        p.become_replicate();
        p.sent_entries(1);
        p.sent_entries(2);
        assert!(p.is_paused(2));
        p.free_to(1);
        assert!(!p.is_paused(2));
    }
}

//! One suspicion timer with Lifeguard's independent confirmations (memberlist `suspicion.go`,
//! Lifeguard section IV-B).
//!
//! The timeout starts at `max` and shrinks toward `min` as independent suspect messages arrive:
//! `timeout(C) = max(min, max - (max - min) * ln(C + 1) / ln(K + 1))`, floored to whole milliseconds as
//! memberlist does. With `K = 0` (too few members to expect confirmations) the timeout is `min` at once.

use std::collections::BTreeSet;

use quorate_core::{Duration, NodeId, SimTime};
use serde::{Deserialize, Serialize};

use crate::theory;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suspicion {
    /// Confirmations wanted (`SuspicionMult - 2`, or 0 in small clusters).
    pub k: u32,
    /// Confirmations counted so far. Invariant: `n <= k`.
    pub n: u32,
    pub min: Duration,
    pub max: Duration,
    /// When the suspicion started here.
    pub start: SimTime,
    /// When it turns into a death declaration unless refuted or confirmed further.
    pub deadline: SimTime,
    /// Who already counted: the first accuser and every confirmer (one vote each).
    pub voters: BTreeSet<NodeId>,
    /// Token of the armed timer; a timer with another token is stale.
    pub token: u64,
}

impl Suspicion {
    /// A fresh suspicion raised by `from` at `now`.
    pub fn new(
        from: NodeId,
        k: u32,
        min: Duration,
        max: Duration,
        now: SimTime,
        token: u64,
    ) -> Suspicion {
        let timeout = if k < 1 { min } else { max };
        let mut voters = BTreeSet::new();
        voters.insert(from);
        Suspicion {
            k,
            n: 0,
            min,
            max,
            start: now,
            deadline: now + timeout,
            voters,
            token,
        }
    }

    /// memberlist `Confirm`: counts `from` once, if more confirmations are still wanted. Returns whether
    /// it counted; the caller then re-broadcasts the suspicion and re-arms the timer at `deadline`
    /// (firing at once when the new deadline has passed).
    pub fn confirm(&mut self, from: NodeId, now: SimTime, token: u64) -> bool {
        if self.n >= self.k || self.voters.contains(&from) {
            return false;
        }
        self.voters.insert(from);
        self.n += 1;
        let timeout = theory::suspicion_timeout(self.n, self.k, self.min, self.max);
        self.deadline = (self.start + timeout).max(now);
        self.token = token;
        true
    }

    /// Time left at `now`.
    pub fn remaining(&self, now: SimTime) -> Duration {
        self.deadline.since(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirmations_shrink_the_deadline_once_per_voter() {
        let min = Duration::from_millis(5_908);
        let max = min.saturating_mul(6);
        let mut s = Suspicion::new(NodeId(2), 2, min, max, SimTime::ZERO, 1);
        assert_eq!(s.deadline, SimTime::ZERO + max);
        assert!(
            !s.confirm(NodeId(2), SimTime::from_millis(10), 2),
            "the accuser does not confirm itself"
        );
        assert!(s.confirm(NodeId(3), SimTime::from_millis(10), 2));
        assert!(!s.confirm(NodeId(3), SimTime::from_millis(10), 3));
        assert!(s.confirm(NodeId(4), SimTime::from_millis(10), 3));
        assert_eq!(s.deadline, SimTime::ZERO + min);
        assert!(
            !s.confirm(NodeId(5), SimTime::from_millis(10), 4),
            "k reached"
        );
    }
}

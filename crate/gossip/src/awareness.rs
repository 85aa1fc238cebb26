//! Lifeguard's local health (memberlist `awareness.go`, Lifeguard section IV-A).
//!
//! A saturating score in `[0, max - 1]`; 0 is healthy. The probe interval (and the time a probe waits for
//! indirect acks) is scaled by `score + 1`, so a node that misses acks because it is itself slow or cut off
//! probes less often and gives others longer to answer, instead of accusing healthy members.
//!
//! Who moves the score (memberlist `probeNode` and `refute`):
//! - a probe that gets an ack (direct or relayed): -1;
//! - a probe that fails: +1 per expected nack that did not arrive, or +1 when no helper was asked;
//!   a failed probe whose helpers all nacked adds nothing (the target is the likely culprit);
//! - refuting a suspicion or death notice about oneself: +1.

use quorate_core::Duration;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Awareness {
    /// memberlist `AwarenessMaxMultiplier`. Invariant: >= 1.
    max: u32,
    /// Invariant: `score < max`.
    score: u32,
}

impl Awareness {
    pub fn new(max: u32) -> Awareness {
        assert!(max >= 1, "awareness max must be >= 1");
        Awareness { max, score: 0 }
    }

    pub fn score(&self) -> u32 {
        self.score
    }

    pub fn max(&self) -> u32 {
        self.max
    }

    /// Adds `delta`, saturating in `[0, max - 1]`. Returns whether the score changed.
    pub fn apply_delta(&mut self, delta: i32) -> bool {
        let before = self.score;
        let raw = i64::from(self.score) + i64::from(delta);
        self.score = raw.clamp(0, i64::from(self.max) - 1) as u32;
        self.score != before
    }

    /// `timeout * (score + 1)`.
    pub fn scale(&self, timeout: Duration) -> Duration {
        timeout.saturating_mul(u64::from(self.score) + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_saturates_and_scales() {
        let mut a = Awareness::new(8);
        assert!(!a.apply_delta(-1));
        assert!(a.apply_delta(3));
        assert_eq!(a.scale(Duration::from_secs(1)), Duration::from_secs(4));
        a.apply_delta(100);
        assert_eq!(a.score(), 7);
        let mut off = Awareness::new(1);
        assert!(!off.apply_delta(5));
        assert_eq!(off.scale(Duration::from_secs(1)), Duration::from_secs(1));
    }
}

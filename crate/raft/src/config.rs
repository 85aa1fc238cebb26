//! Settings shared by every node of a world: the initial cluster, timings, features and teaching switches.

use quorate_core::{Duration, NodeId};
use serde::{Deserialize, Serialize};

/// How a linearizable read is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReadMode {
    /// ReadIndex (thesis §6.4): the leader confirms it is still leader with a heartbeat round.
    ReadIndex,
    /// Lease reads (thesis §6.4.1): the leader answers from its commit index while its CheckQuorum lease
    /// holds. Safe only with CheckQuorum on and bounded clock drift.
    Lease,
    /// UNSAFE teaching switch: every node answers from its own state at once, without asking anyone.
    /// Stale reads follow (a deposed leader or a lagging follower answers).
    UnsafeLocal,
}

/// Cluster-wide settings. Defaults follow the Raft paper and etcd.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// The voters of the initial configuration (used when a node has no snapshot).
    pub voters: Vec<NodeId>,
    /// The learners of the initial configuration.
    pub learners: Vec<NodeId>,
    /// Lower bound of the randomized election timeout; drawn afresh each time the timer is reset.
    /// Must be well above `heartbeat_interval` (paper: broadcast time << election timeout).
    pub election_timeout_min: Duration,
    /// Upper bound (inclusive) of the randomized election timeout. Equal bounds disable randomization
    /// (the split-vote demonstration of the paper's Figure 16).
    pub election_timeout_max: Duration,
    /// How often a leader sends heartbeats. Default 50 ms.
    pub heartbeat_interval: Duration,
    /// PreVote (thesis §9.6): a node polls before bumping its term, so a partitioned node rejoining does not
    /// depose a healthy leader. Default on; off is a teaching switch.
    pub pre_vote: bool,
    /// CheckQuorum (thesis §6.2): a leader that has not heard from a quorum within an election timeout
    /// steps down, and followers that heard from a leader within the minimum election timeout ignore vote
    /// requests (the leader lease). Default on; off is a teaching switch.
    pub check_quorum: bool,
    /// How reads are served.
    pub read_mode: ReadMode,
    /// At most this many MsgApp in flight to one follower in the replicate state (pipelining window).
    pub max_inflight: u32,
    /// At most this many entries per MsgApp.
    pub max_entries_per_msg: u32,
    /// Compact the log into a snapshot once this many applied entries follow the last snapshot; 0 never.
    pub snapshot_threshold: u64,
    /// UNSAFE teaching switch (Raft paper Figure 8): commit entries of previous terms by counting replicas.
    /// A committed entry can then be overwritten. Default off.
    pub unsafe_commit_previous_term: bool,
}

impl Config {
    /// The paper's defaults for a cluster of `voters`.
    pub fn new(voters: impl IntoIterator<Item = NodeId>) -> Config {
        Config {
            voters: voters.into_iter().collect(),
            learners: Vec::new(),
            election_timeout_min: Duration::from_millis(150),
            election_timeout_max: Duration::from_millis(300),
            heartbeat_interval: Duration::from_millis(50),
            pre_vote: true,
            check_quorum: true,
            read_mode: ReadMode::ReadIndex,
            max_inflight: 64,
            max_entries_per_msg: 32,
            snapshot_threshold: 1000,
            unsafe_commit_previous_term: false,
        }
    }

    /// The election timeout bounds in order (a config with min > max is read as max..min).
    pub(crate) fn election_bounds(&self) -> (Duration, Duration) {
        let (a, b) = (self.election_timeout_min, self.election_timeout_max);
        if a <= b {
            (a, b)
        } else {
            (b, a)
        }
    }
}

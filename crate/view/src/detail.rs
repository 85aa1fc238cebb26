//! What the node detail views draw beyond the summary: the log grid's boundaries, a leader's view of
//! each follower, and the protocol automata with the transition each took last.

use serde::{Deserialize, Serialize};

/// Where a node's log boundaries are (Raft): the grid marks them on the cells of `NodeView::log`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogMarks {
    /// Entries up to here were folded into the snapshot (compacted away); 0 without a snapshot.
    pub snapshot_index: u64,
    pub snapshot_term: u64,
    /// The highest index known committed (stored on a quorum).
    pub commit: u64,
    /// The highest index applied to the state machine.
    pub applied: u64,
    /// The last index in the log.
    pub last: u64,
}

/// A leader's view of one follower's replication (etcd's `Progress`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowerView {
    pub id: u32,
    /// The highest index known to match the leader's log.
    pub matched: u64,
    /// The next index the leader will send.
    pub next: u64,
    /// "probe", "replicate" or "snapshot".
    pub state: String,
}

/// A state machine as one node sees it: its own Raft role, or a gossip peer's member state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutomatonView {
    /// `None`: the node's own role; `Some(peer)`: the peer's state as this node sees it.
    pub subject: Option<u32>,
    /// The current state, in the automaton's words ("follower", "suspect"...).
    pub state: String,
    /// The transition taken last, if one is known.
    pub last: Option<TransitionView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitionView {
    /// `None` when the state was entered from outside the automaton (a member first heard of).
    pub from: Option<String>,
    pub to: String,
    /// What caused it, in words ("election timeout", "suspect from n3, inc 2").
    pub cause: String,
    /// Simulated µs when it happened.
    pub at_us: u64,
}

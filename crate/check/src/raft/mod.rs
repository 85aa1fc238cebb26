//! Raft safety invariants (Raft paper, Figure 3), checked after every simulator event.
//!
//! The checker knows no Raft engine: the harness converts each engine's status into a
//! [`NodeObservation`] and its events into [`RaftFact`]s, and calls [`RaftChecker::observe`] after each
//! event. It remembers the last observation of every node (a crashed node's last observation stands for
//! its durable log) and what has been committed and applied anywhere, and reports each broken invariant
//! as a [`Violation`] naming the event number, the nodes and the log index.
//!
//! Invariants:
//! - Election Safety: at most one leader per term.
//! - Leader Append-Only: a leader never overwrites or deletes entries in its log, only appends.
//! - Log Matching: two logs with an entry of the same index and term agree on it and on every entry before.
//! - Leader Completeness: a committed entry is in the log of every leader of a later term.
//! - State Machine Safety: no two nodes apply different entries at the same index (and, where reported, the
//!   state machines agree at the same applied index).
//! - Committed entries are never lost: a node that reports an index as committed holds the entry that was
//!   committed there first.
//! - Monotonic: a node's term never decreases (it is durable); commit and applied never decrease within
//!   one life of a node.

mod checker;

pub use checker::RaftChecker;

use std::fmt;

use quorate_core::NodeId;
use serde::{Deserialize, Serialize};

/// A node's role, as far as the checker cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObservedRole {
    Follower,
    Candidate,
    Leader,
}

/// One log entry, reduced to what the invariants compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedEntry {
    pub index: u64,
    pub term: u64,
    /// A digest of the entry's content (equal entries have equal digests).
    pub digest: u64,
}

/// A node's state after an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeObservation {
    pub id: NodeId,
    /// Which life of the node this is (0 for the first boot); commit and applied restart with a new life.
    pub generation: u32,
    pub term: u64,
    pub role: ObservedRole,
    pub commit: u64,
    pub applied: u64,
    /// The log starts after this snapshot (0/0 without one).
    pub snapshot_index: u64,
    pub snapshot_term: u64,
    /// The entries after the snapshot, contiguous and in index order.
    pub log: Vec<ObservedEntry>,
    /// A digest of the state machine after `applied`, if the engine reports one.
    pub machine_digest: Option<u64>,
}

impl NodeObservation {
    fn entry(&self, index: u64) -> Option<&ObservedEntry> {
        let first = self.snapshot_index + 1;
        if index < first {
            return None;
        }
        self.log.get((index - first) as usize)
    }
    fn term_at(&self, index: u64) -> Option<u64> {
        if index == self.snapshot_index {
            Some(self.snapshot_term)
        } else {
            self.entry(index).map(|e| e.term)
        }
    }
}

/// An event an engine emitted that the invariants need.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RaftFact {
    BecameLeader {
        node: NodeId,
        term: u64,
    },
    Applied {
        node: NodeId,
        index: u64,
        term: u64,
        digest: u64,
    },
}

/// Which invariant broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Invariant {
    ElectionSafety,
    LeaderAppendOnly,
    LogMatching,
    LeaderCompleteness,
    StateMachineSafety,
    CommittedNeverLost,
    Monotonic,
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Invariant::ElectionSafety => "Election Safety",
            Invariant::LeaderAppendOnly => "Leader Append-Only",
            Invariant::LogMatching => "Log Matching",
            Invariant::LeaderCompleteness => "Leader Completeness",
            Invariant::StateMachineSafety => "State Machine Safety",
            Invariant::CommittedNeverLost => "Committed entries never lost",
            Invariant::Monotonic => "Monotonic term/commit/applied",
        })
    }
}

/// A broken invariant: where (event number, nodes, index) and what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub event: u64,
    pub invariant: Invariant,
    pub nodes: Vec<NodeId>,
    pub index: Option<u64>,
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "event #{}: {} violated", self.event, self.invariant)?;
        if let Some(i) = self.index {
            write!(f, " at index {i}")?;
        }
        write!(f, " by")?;
        for n in &self.nodes {
            write!(f, " {n}")?;
        }
        write!(f, ": {}", self.detail)
    }
}

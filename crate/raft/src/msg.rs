//! The engine's vocabulary: log entries, wire messages, timers, commands, events and durable writes.
//!
//! Every type here has a one-line `Display` form: that text is what traces, transcripts and the UI's
//! event log show, so it is kept short and stable.

use std::collections::BTreeMap;

use quorate_core::NodeId;
use serde::{Deserialize, Serialize};

use crate::quorum::Membership;

/// A Raft term (Raft paper §5.1). Zero means "before any election".
pub type Term = u64;
/// A position in the replicated log. Index 0 is the empty prefix; the first entry has index 1.
pub type Index = u64;

/// A client session: a retried proposal carries the same `(client, seq)` and is applied once (thesis §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Session {
    pub client: u64,
    pub seq: u64,
}

/// One membership step inside a configuration change entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConfStep {
    AddVoter(NodeId),
    AddLearner(NodeId),
    Remove(NodeId),
}

/// A configuration change (thesis §4.3, etcd's ConfChangeV2). More than one voter change enters joint
/// consensus (C_old,new); the empty change leaves it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfChange {
    pub steps: Vec<ConfStep>,
}

/// What an entry carries. The engine replicates it; the state machine behind the `Applied` event reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryData {
    /// The empty entry a new leader appends to commit its term (Raft paper §8).
    Noop,
    /// An opaque client command, optionally in a session.
    Normal {
        session: Option<Session>,
        payload: Vec<u8>,
    },
    /// A membership change, effective when applied (etcd's rule).
    Conf(ConfChange),
}

/// One log entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub term: Term,
    pub index: Index,
    pub data: EntryData,
}

impl Entry {
    /// A stable 64-bit digest of the entry's content (FNV-1a), used by checkers to compare entries.
    pub fn digest(&self) -> u64 {
        let mut h = Fnv::new();
        h.u64(self.term);
        h.u64(self.index);
        match &self.data {
            EntryData::Noop => h.u64(0),
            EntryData::Normal { session, payload } => {
                h.u64(1);
                if let Some(s) = session {
                    h.u64(s.client);
                    h.u64(s.seq);
                }
                h.bytes(payload);
            }
            EntryData::Conf(cc) => {
                h.u64(2);
                for step in &cc.steps {
                    let (k, id) = match step {
                        ConfStep::AddVoter(id) => (1, id),
                        ConfStep::AddLearner(id) => (2, id),
                        ConfStep::Remove(id) => (3, id),
                    };
                    h.u64(k);
                    h.u64(u64::from(id.0));
                }
            }
        }
        h.finish()
    }
}

/// FNV-1a, enough for digests of simulated data (not a security boundary).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fnv(u64);

impl Fnv {
    pub(crate) fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    pub(crate) fn from_state(state: u64) -> Fnv {
        Fnv(state)
    }
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        for byte in b {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    pub(crate) fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
    pub(crate) fn finish(self) -> u64 {
        self.0
    }
}

/// The replicated state machine's snapshot-able state: a running digest of applied commands and the
/// session table. A real state machine (crate/kv) sits behind the `Applied` events instead.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineState {
    /// FNV chain over the applied, non-duplicate commands, in index order.
    pub digest: u64,
    /// Highest sequence number applied per client id.
    pub sessions: BTreeMap<u64, u64>,
}

/// A snapshot of the state machine up to and including `index` (Raft paper §7).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub index: Index,
    pub term: Term,
    /// The membership in force at `index`.
    pub conf: Membership,
    pub machine: MachineState,
}

/// Messages between nodes. Names follow etcd-io/raft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Msg {
    /// RequestVote (Raft paper §5.2). `transfer` marks an election forced by TimeoutNow (thesis §3.10),
    /// which voters honour even inside a leader lease.
    Vote {
        term: Term,
        last_index: Index,
        last_term: Term,
        transfer: bool,
    },
    VoteResp {
        term: Term,
        reject: bool,
    },
    /// PreVote (thesis §9.6): `term` is the term the sender would campaign in; nobody changes state.
    PreVote {
        term: Term,
        last_index: Index,
        last_term: Term,
    },
    PreVoteResp {
        term: Term,
        reject: bool,
    },
    /// AppendEntries (Raft paper §5.3): `index`/`log_term` name the entry preceding `entries`.
    App {
        term: Term,
        index: Index,
        log_term: Term,
        entries: Vec<Entry>,
        commit: Index,
    },
    /// Reply to `App` or `Snap`. On success `index` is the last index the follower now matches; on
    /// rejection `index` echoes the rejected `App.index`, and `hint_index`/`hint_term` point the leader
    /// at where the logs may agree (fast backtracking, etcd's findConflictByTerm).
    AppResp {
        term: Term,
        index: Index,
        reject: bool,
        hint_index: Index,
        hint_term: Term,
    },
    /// Heartbeat: carries the commit index the follower may safely adopt and an optional ReadIndex context.
    Heartbeat {
        term: Term,
        commit: Index,
        ctx: Option<u64>,
    },
    HeartbeatResp {
        term: Term,
        ctx: Option<u64>,
    },
    /// InstallSnapshot (Raft paper §7), sent whole.
    Snap {
        term: Term,
        snapshot: Snapshot,
    },
    /// Leadership transfer: "campaign now" (thesis §3.10).
    TimeoutNow {
        term: Term,
    },
    /// A follower forwards a client proposal to the leader.
    Prop {
        term: Term,
        data: EntryData,
    },
    /// A follower forwards a read to the leader; `id` is the follower's own request id.
    ReadIndex {
        term: Term,
        id: u64,
    },
    ReadIndexResp {
        term: Term,
        id: u64,
        index: Index,
    },
}

impl Msg {
    pub fn term(&self) -> Term {
        match self {
            Msg::Vote { term, .. }
            | Msg::VoteResp { term, .. }
            | Msg::PreVote { term, .. }
            | Msg::PreVoteResp { term, .. }
            | Msg::App { term, .. }
            | Msg::AppResp { term, .. }
            | Msg::Heartbeat { term, .. }
            | Msg::HeartbeatResp { term, .. }
            | Msg::Snap { term, .. }
            | Msg::TimeoutNow { term }
            | Msg::Prop { term, .. }
            | Msg::ReadIndex { term, .. }
            | Msg::ReadIndexResp { term, .. } => *term,
        }
    }
}

/// Typed timers. Each carries the epoch it was armed in; an older epoch means stale and is ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Timer {
    /// The follower/candidate election timer.
    Election { epoch: u64 },
    /// The leader's heartbeat tick (also drives CheckQuorum and transfer timeouts).
    Heartbeat { epoch: u64 },
}

/// Local intents, from a client, a user or a scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// Propose a client command; a follower forwards it to the leader.
    Propose {
        session: Option<Session>,
        payload: Vec<u8>,
    },
    /// Start an election now, as if the election timer had fired (etcd's MsgHup).
    Campaign,
    /// Hand leadership to `to` (leader only).
    TransferLeader { to: NodeId },
    /// Change the membership (leader or forwarded).
    ChangeConf(ConfChange),
    /// Ask for a linearizable read point; `ReadReady { id, .. }` answers it.
    Read { id: u64 },
}

/// A node's role (Raft paper Figure 4, plus PreVote's pre-candidate).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoleKind {
    Follower,
    PreCandidate,
    Candidate,
    Leader,
}

/// Observable facts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    BecameFollower {
        term: Term,
        leader: Option<NodeId>,
    },
    BecamePreCandidate {
        term: Term,
    },
    BecameCandidate {
        term: Term,
    },
    BecameLeader {
        term: Term,
    },
    /// The commit index advanced to `index`.
    Committed {
        index: Index,
    },
    /// The entry at `index` was applied. `duplicate` means its session had already applied it.
    Applied {
        index: Index,
        term: Term,
        digest: u64,
        data: EntryData,
        duplicate: bool,
    },
    /// The membership changed (a conf change entry was applied, or a snapshot restored one).
    ConfApplied {
        conf: Membership,
    },
    /// A snapshot replaced the log prefix; applied and commit jumped to `index`.
    SnapshotRestored {
        index: Index,
        term: Term,
    },
    /// The node compacted its log into a snapshot at `index`.
    Compacted {
        index: Index,
    },
    /// Read `id` may be served: the node has applied at least `index`, which covers every write
    /// acknowledged before the read was issued.
    ReadReady {
        id: u64,
        index: Index,
    },
    /// A forwarded proposal or read was dropped (no leader known, transfer in progress...).
    Dropped {
        what: Dropped,
    },
    /// A leader lost contact with a quorum (CheckQuorum) or was removed, and stepped down.
    SteppedDown {
        term: Term,
    },
    /// A leadership transfer did not finish within an election timeout and was abandoned.
    TransferAborted {
        to: NodeId,
    },
}

/// What was dropped, for [`Event::Dropped`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Dropped {
    Proposal,
    Read { id: u64 },
}

/// One durable write. The host must make it durable before acting on any later effect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Persist {
    /// The hard state: current term, vote in that term, and a commit index known to be committed.
    HardState {
        term: Term,
        vote: Option<NodeId>,
        commit: Index,
    },
    /// Drop every durable entry at or after `from`, then append `entries` (which start at `from`).
    Append { from: Index, entries: Vec<Entry> },
    /// Install `snapshot`; durable entries after it are kept only if the log agrees at its index.
    Snapshot(Snapshot),
}

/// Everything a node keeps across a crash.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Durable {
    pub term: Term,
    pub vote: Option<NodeId>,
    pub commit: Index,
    pub snapshot: Option<Snapshot>,
    /// Entries after the snapshot, contiguous.
    pub entries: Vec<Entry>,
}

impl Durable {
    /// Folds one write in (the body of `Engine::apply_persist`).
    pub fn apply(&mut self, write: &Persist) {
        match write {
            Persist::HardState { term, vote, commit } => {
                self.term = *term;
                self.vote = *vote;
                self.commit = *commit;
            }
            Persist::Append { from, entries } => {
                // Entries are contiguous and in index order: cut at `from` without scanning the log.
                let keep = self.entries.partition_point(|e| e.index < *from);
                self.entries.truncate(keep);
                self.entries.extend(entries.iter().cloned());
            }
            Persist::Snapshot(snap) => {
                let agrees = self
                    .entries
                    .iter()
                    .any(|e| e.index == snap.index && e.term == snap.term);
                if agrees {
                    self.entries.retain(|e| e.index > snap.index);
                } else {
                    self.entries.clear();
                }
                self.commit = self.commit.max(snap.index);
                self.snapshot = Some(snap.clone());
            }
        }
    }
}

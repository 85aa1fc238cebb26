//! The read-only picture of a node that the UI draws and checkers observe.

use std::collections::BTreeMap;

use quorate_core::{NodeId, SimTime};
use serde::{Deserialize, Serialize};

use crate::msg::{Entry, Index, RoleKind, Term};
use crate::node::{Raft, Role};
use crate::progress::ProgressState;
use crate::quorum::Membership;
use crate::transition::RoleChange;

/// What a node looks like right now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub id: NodeId,
    pub role: RoleKind,
    pub term: Term,
    pub vote: Option<NodeId>,
    pub leader: Option<NodeId>,
    /// The entries held after the snapshot, each with its term.
    pub log: Vec<Entry>,
    /// The snapshot the log starts after (0/0 without one).
    pub snapshot_index: Index,
    pub snapshot_term: Term,
    pub commit: Index,
    pub applied: Index,
    pub conf: Membership,
    /// The leader's view of each other member; empty on non-leaders.
    pub progress: Vec<PeerProgress>,
    /// When the election timer expires (non-leaders).
    pub election_deadline: Option<SimTime>,
    /// A leadership transfer in progress (leader only).
    pub transferee: Option<NodeId>,
    /// Digest of the state machine after `applied` (equal on every node at the same applied index).
    pub machine_digest: u64,
    /// The session table: highest sequence number applied per client id.
    pub sessions: BTreeMap<u64, u64>,
    /// The node's last role change and its cause (`None` until the first one).
    pub last_change: Option<RoleChange>,
}

/// A leader's view of one follower.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerProgress {
    pub id: NodeId,
    pub matched: Index,
    pub next: Index,
    pub state: ProgressState,
    pub inflight: u32,
    pub recent_active: bool,
    pub is_learner: bool,
}

impl Raft {
    pub(crate) fn describe_status(&self) -> Status {
        let (progress, transferee) = match &self.role {
            Role::Leader(ls) => (
                ls.progress
                    .iter()
                    .map(|(id, p)| PeerProgress {
                        id: *id,
                        matched: p.matched,
                        next: p.next,
                        state: p.state,
                        inflight: p.inflight.len() as u32,
                        recent_active: p.recent_active,
                        is_learner: p.is_learner,
                    })
                    .collect(),
                ls.transferee.map(|(to, _)| to),
            ),
            _ => (Vec::new(), None),
        };
        Status {
            id: self.id,
            role: self.role_kind(),
            term: self.term,
            vote: self.vote,
            leader: self.leader,
            log: self.log.entries.clone(),
            snapshot_index: self.log.snap_index,
            snapshot_term: self.log.snap_term,
            commit: self.log.committed,
            applied: self.log.applied,
            conf: self.conf.clone(),
            progress,
            election_deadline: self.timers.election_deadline,
            transferee,
            machine_digest: self.machine.digest,
            sessions: self.machine.sessions.clone(),
            last_change: self.last_change,
        }
    }
}

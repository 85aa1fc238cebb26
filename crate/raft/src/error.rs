//! The crate's one error enum. Every failed call changes nothing (neither state nor outbox).

use quorate_core::{EngineError, NodeId};
use serde::{Deserialize, Serialize};

/// Why a command was refused. No variant changes state.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum Error {
    /// The command needs the leader and this node is not it (and cannot forward it).
    #[error("not the leader (leader: {})", leader.map_or_else(|| "unknown".to_string(), |l| l.to_string()))]
    NotLeader { leader: Option<NodeId> },
    /// A leadership transfer is in progress; proposals wait until it finishes (thesis §3.10).
    #[error("leadership transfer to {to} in progress")]
    TransferInProgress { to: NodeId },
    /// A previous configuration change has not been applied yet (one at a time, thesis §4.1).
    #[error("a configuration change is still pending")]
    ConfChangePending,
    /// The configuration change cannot apply to the current membership.
    #[error("invalid configuration change: {0}")]
    InvalidConfChange(ConfError),
    /// The node named is not a member.
    #[error("{0} is not a member")]
    UnknownNode(NodeId),
    /// This node is not a voter, so it cannot campaign.
    #[error("not a voter")]
    NotVoter,
}

/// Why a configuration change is invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ConfError {
    #[error("not in joint consensus, nothing to leave")]
    NotJoint,
    #[error("already in joint consensus; leave it first")]
    AlreadyJoint,
    #[error("{0} is a voter; remove it before adding it as a learner")]
    DemoteVoter(NodeId),
    #[error("{0} is not a member")]
    NotMember(NodeId),
    #[error("the change would leave no voters")]
    NoVoters,
}

impl EngineError for Error {}

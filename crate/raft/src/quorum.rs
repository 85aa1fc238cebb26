//! Membership and quorum arithmetic: majorities, joint majorities (thesis §4.3), vote tallies and the
//! committed index. Pure functions over sets; no protocol state.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use quorate_core::NodeId;
use serde::{Deserialize, Serialize};

use crate::error::{ConfError, Error};
use crate::msg::{ConfChange, ConfStep, Index};

/// The cluster's membership as one node sees it.
///
/// Invariant: `voters`, `outgoing` and `learners` are such that no learner is a voter of either half;
/// `outgoing` is non-empty exactly while in joint consensus (C_old,new: `outgoing` is C_old).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The incoming (or only) voter set.
    pub voters: BTreeSet<NodeId>,
    /// The outgoing voter set while joint; empty otherwise.
    pub outgoing: BTreeSet<NodeId>,
    /// Non-voting members that receive the log.
    pub learners: BTreeSet<NodeId>,
}

/// The outcome of a vote so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteResult {
    Pending,
    Lost,
    Won,
}

impl Membership {
    pub fn new(
        voters: impl IntoIterator<Item = NodeId>,
        learners: impl IntoIterator<Item = NodeId>,
    ) -> Self {
        let voters: BTreeSet<NodeId> = voters.into_iter().collect();
        let learners = learners
            .into_iter()
            .filter(|l| !voters.contains(l))
            .collect();
        Membership {
            voters,
            outgoing: BTreeSet::new(),
            learners,
        }
    }

    pub fn is_joint(&self) -> bool {
        !self.outgoing.is_empty()
    }

    /// Whether `id` votes (in either half of a joint configuration).
    pub fn is_voter(&self, id: NodeId) -> bool {
        self.voters.contains(&id) || self.outgoing.contains(&id)
    }

    pub fn is_learner(&self, id: NodeId) -> bool {
        self.learners.contains(&id)
    }

    pub fn contains(&self, id: NodeId) -> bool {
        self.is_voter(id) || self.is_learner(id)
    }

    /// Every member, voters and learners, in id order.
    pub fn ids(&self) -> BTreeSet<NodeId> {
        self.voters
            .iter()
            .chain(&self.outgoing)
            .chain(&self.learners)
            .copied()
            .collect()
    }

    /// The highest index acknowledged by a quorum, given each node's acknowledged index. Joint: the
    /// smaller of the two halves' answers.
    pub fn committed_index(&self, acked: impl Fn(NodeId) -> Index) -> Index {
        let incoming = majority_index(&self.voters, &acked);
        let outgoing = majority_index(&self.outgoing, &acked);
        incoming.min(outgoing)
    }

    /// Tallies votes (`true` = granted). Joint: both halves must be won.
    pub fn vote_result(&self, votes: &BTreeMap<NodeId, bool>) -> VoteResult {
        let a = majority_vote(&self.voters, votes);
        let b = majority_vote(&self.outgoing, votes);
        match (a, b) {
            (VoteResult::Won, VoteResult::Won) => VoteResult::Won,
            (VoteResult::Lost, _) | (_, VoteResult::Lost) => VoteResult::Lost,
            _ => VoteResult::Pending,
        }
    }

    /// Whether the nodes in `active` form a quorum (CheckQuorum, ReadIndex acknowledgements).
    pub fn has_quorum(&self, active: &BTreeSet<NodeId>) -> bool {
        let votes: BTreeMap<NodeId, bool> = active.iter().map(|id| (*id, true)).collect();
        let all_voters = self.voters.iter().chain(&self.outgoing);
        let votes = all_voters.map(|id| (*id, votes.contains_key(id))).collect();
        self.vote_result(&votes) == VoteResult::Won
    }

    /// The membership after `cc`, or why `cc` cannot apply. Pure: `self` is not changed.
    ///
    /// Rules (etcd's confchange package, simplified): the empty change leaves joint consensus; a change that
    /// alters more than one voter enters it; a voter cannot be demoted to learner in one step (remove it
    /// first); the result must keep at least one voter.
    pub fn apply_change(&self, cc: &ConfChange) -> Result<Membership, Error> {
        if cc.steps.is_empty() {
            if !self.is_joint() {
                return Err(Error::InvalidConfChange(ConfError::NotJoint));
            }
            let mut next = self.clone();
            next.outgoing.clear();
            return Ok(next);
        }
        if self.is_joint() {
            return Err(Error::InvalidConfChange(ConfError::AlreadyJoint));
        }
        let mut next = self.clone();
        for step in &cc.steps {
            match *step {
                ConfStep::AddVoter(id) => {
                    next.learners.remove(&id);
                    next.voters.insert(id);
                }
                ConfStep::AddLearner(id) => {
                    if next.voters.contains(&id) {
                        return Err(Error::InvalidConfChange(ConfError::DemoteVoter(id)));
                    }
                    next.learners.insert(id);
                }
                ConfStep::Remove(id) => {
                    if !next.contains(id) {
                        return Err(Error::InvalidConfChange(ConfError::NotMember(id)));
                    }
                    next.voters.remove(&id);
                    next.learners.remove(&id);
                }
            }
        }
        if next.voters.is_empty() {
            return Err(Error::InvalidConfChange(ConfError::NoVoters));
        }
        let changed = self.voters.symmetric_difference(&next.voters).count();
        if changed > 1 {
            next.outgoing = self.voters.clone();
        }
        Ok(next)
    }
}

/// The majority-acknowledged index of one voter set; `Index::MAX` for the empty set so that a joint
/// minimum ignores it (etcd's convention).
fn majority_index(voters: &BTreeSet<NodeId>, acked: &impl Fn(NodeId) -> Index) -> Index {
    if voters.is_empty() {
        return Index::MAX;
    }
    let mut acks: Vec<Index> = voters.iter().map(|id| acked(*id)).collect();
    acks.sort_unstable_by(|a, b| b.cmp(a));
    let quorum = acks.len() / 2 + 1;
    acks[quorum - 1]
}

fn majority_vote(voters: &BTreeSet<NodeId>, votes: &BTreeMap<NodeId, bool>) -> VoteResult {
    if voters.is_empty() {
        return VoteResult::Won;
    }
    let quorum = voters.len() / 2 + 1;
    let granted = voters
        .iter()
        .filter(|id| votes.get(id) == Some(&true))
        .count();
    let rejected = voters
        .iter()
        .filter(|id| votes.get(id) == Some(&false))
        .count();
    if granted >= quorum {
        VoteResult::Won
    } else if voters.len() - rejected < quorum {
        VoteResult::Lost
    } else {
        VoteResult::Pending
    }
}

impl fmt::Display for Membership {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |s: &BTreeSet<NodeId>| {
            s.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        write!(f, "voters=({})", list(&self.voters))?;
        if self.is_joint() {
            write!(f, "&&({})", list(&self.outgoing))?;
        }
        if !self.learners.is_empty() {
            write!(f, " learners=({})", list(&self.learners))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[u32]) -> BTreeSet<NodeId> {
        v.iter().map(|i| NodeId(*i)).collect()
    }

    #[test]
    fn majority_index_is_the_quorum_th_largest() {
        let m = Membership::new(ids(&[1, 2, 3, 4, 5]), []);
        let acks = [0, 5, 4, 3, 2, 1];
        assert_eq!(m.committed_index(|id| acks[id.0 as usize]), 3);
    }

    #[test]
    fn joint_needs_both_halves() {
        let m = Membership {
            voters: ids(&[1, 2, 3]),
            outgoing: ids(&[1, 4, 5]),
            learners: BTreeSet::new(),
        };
        let acks = [0, 9, 9, 9, 1, 1];
        assert_eq!(m.committed_index(|id| acks[id.0 as usize]), 1);
        let votes: BTreeMap<NodeId, bool> =
            [(NodeId(1), true), (NodeId(2), true), (NodeId(3), true)].into();
        assert_eq!(m.vote_result(&votes), VoteResult::Pending);
        let mut votes = votes;
        votes.insert(NodeId(4), false);
        votes.insert(NodeId(5), false);
        assert_eq!(m.vote_result(&votes), VoteResult::Lost);
    }

    #[test]
    fn two_voter_changes_enter_joint_and_empty_change_leaves() {
        let m = Membership::new(ids(&[1, 2, 3]), []);
        let cc = ConfChange {
            steps: vec![ConfStep::AddVoter(NodeId(4)), ConfStep::Remove(NodeId(1))],
        };
        let j = m.apply_change(&cc).unwrap();
        assert!(j.is_joint());
        assert_eq!(j.to_string(), "voters=(n2,n3,n4)&&(n1,n2,n3)");
        let out = j.apply_change(&ConfChange { steps: vec![] }).unwrap();
        assert_eq!(out.to_string(), "voters=(n2,n3,n4)");
        assert!(m.apply_change(&ConfChange { steps: vec![] }).is_err());
    }
}

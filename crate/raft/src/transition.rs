//! Why a node's role last changed: the edge of the role automaton (Raft paper Figure 4, plus PreVote's
//! pre-candidate, thesis §9.6) that the node took last, with its cause in words.
//!
//! Kept in the node's state for the UI only: it never reaches the wire, the durable state or the trace,
//! so recording it changes no run.

use std::fmt;

use quorate_core::{NodeId, SimTime};
use serde::{Deserialize, Serialize};

use crate::msg::{RoleKind, Term};

/// The last role change of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleChange {
    pub from: RoleKind,
    pub to: RoleKind,
    /// The term after the change.
    pub term: Term,
    pub at: SimTime,
    pub cause: RoleCause,
}

/// What moved a node from one role to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoleCause {
    /// The election timer ran out without word from a leader (paper §5.2).
    ElectionTimeout,
    /// A `campaign` command.
    Campaign,
    /// A majority answered the PreVote poll: the real election may start (thesis §9.6).
    PreVotesWon,
    /// A majority granted its vote (paper §5.2).
    VotesWon,
    /// The leader handed leadership over with TimeoutNow (thesis §3.10).
    Transfer { from: NodeId },
    /// A message carried a higher term (paper §5.1: "if one server's current term is smaller than the
    /// other's, then it updates its current term").
    HigherTerm { from: NodeId, term: Term },
    /// The leader of the current term spoke (AppendEntries, heartbeat or snapshot).
    LeaderHeard { from: NodeId },
    /// A majority refused the vote (or the pre-vote).
    ElectionLost { pre: bool },
    /// CheckQuorum: the leader did not hear from a quorum within an election timeout (thesis §6.2).
    QuorumLost,
    /// A committed configuration change removed the leader (thesis §4.2.2).
    Removed,
}

impl fmt::Display for RoleCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RoleCause::ElectionTimeout => write!(f, "election timeout"),
            RoleCause::Campaign => write!(f, "campaign command"),
            RoleCause::PreVotesWon => write!(f, "pre-votes won"),
            RoleCause::VotesWon => write!(f, "votes won"),
            RoleCause::Transfer { from } => {
                write!(f, "leadership transfer (TimeoutNow from {from})")
            }
            RoleCause::HigherTerm { from, term } => {
                write!(f, "higher term seen (term {term} from {from})")
            }
            RoleCause::LeaderHeard { from } => write!(f, "leader {from} heard"),
            RoleCause::ElectionLost { pre: true } => write!(f, "pre-vote lost"),
            RoleCause::ElectionLost { pre: false } => write!(f, "election lost"),
            RoleCause::QuorumLost => write!(f, "quorum lost (CheckQuorum)"),
            RoleCause::Removed => write!(f, "removed from the configuration"),
        }
    }
}

#[cfg(test)]
mod tests {
    //! Paper sentences, each checked on the cause a node records for its last role change.

    use quorate_core::{Duration, Effect, Engine, Input, NodeId, NodeRng, Outbox, SimTime};

    use super::RoleCause;
    use crate::{Config, Msg, Raft, RoleKind, Timer};

    fn node(id: u32, voters: &[u32], pre_vote: bool) -> (Raft, Outbox<Raft>) {
        let mut cfg = Config::new(voters.iter().map(|v| NodeId(*v)));
        cfg.pre_vote = pre_vote;
        let mut raft = Raft::boot(NodeId(id), &cfg, None, NodeRng::for_node(7, NodeId(id), 0));
        let mut out = Outbox::new();
        raft.step(SimTime::ZERO, Input::Start, &mut out).unwrap();
        (raft, out)
    }

    fn election_timer(out: &mut Outbox<Raft>) -> Timer {
        out.drain()
            .filter_map(|e| match e {
                Effect::SetTimer { timer, .. } => Some(timer),
                _ => None,
            })
            .next_back()
            .expect("an election timer")
    }

    fn fire(raft: &mut Raft, out: &mut Outbox<Raft>, at: SimTime) {
        let timer = election_timer(out);
        raft.step(at, Input::Timer(timer), out).unwrap();
    }

    fn cause(raft: &Raft) -> (RoleKind, RoleKind, RoleCause) {
        let c = raft.status().last_change.expect("a role change");
        (c.from, c.to, c.cause)
    }

    #[test]
    fn a_fresh_node_has_taken_no_transition() {
        let (raft, _) = node(1, &[1, 2, 3], true);
        assert_eq!(raft.status().last_change, None);
    }

    #[test]
    fn a_follower_whose_timer_runs_out_becomes_pre_candidate_by_election_timeout() {
        let (mut raft, mut out) = node(1, &[1, 2, 3], true);
        fire(&mut raft, &mut out, SimTime::from_millis(400));
        assert_eq!(
            cause(&raft),
            (
                RoleKind::Follower,
                RoleKind::PreCandidate,
                RoleCause::ElectionTimeout
            )
        );
    }

    #[test]
    fn without_pre_vote_the_timeout_leads_straight_to_candidate() {
        let (mut raft, mut out) = node(1, &[1, 2, 3], false);
        fire(&mut raft, &mut out, SimTime::from_millis(400));
        let change = raft.status().last_change.unwrap();
        assert_eq!(
            (change.from, change.to, change.cause, change.term),
            (
                RoleKind::Follower,
                RoleKind::Candidate,
                RoleCause::ElectionTimeout,
                1
            )
        );
        assert_eq!(change.at, SimTime::from_millis(400));
    }

    #[test]
    fn pre_votes_then_votes_from_a_majority_make_a_leader() {
        let (mut raft, mut out) = node(1, &[1, 2, 3], true);
        fire(&mut raft, &mut out, SimTime::from_millis(400));
        let t = SimTime::from_millis(410);
        let grant = Msg::PreVoteResp {
            term: 1,
            reject: false,
        };
        raft.step(
            t,
            Input::Message {
                from: NodeId(2),
                msg: grant,
            },
            &mut out,
        )
        .unwrap();
        assert_eq!(
            cause(&raft),
            (
                RoleKind::PreCandidate,
                RoleKind::Candidate,
                RoleCause::PreVotesWon
            )
        );
        let vote = Msg::VoteResp {
            term: 1,
            reject: false,
        };
        raft.step(
            t + Duration::from_millis(5),
            Input::Message {
                from: NodeId(3),
                msg: vote,
            },
            &mut out,
        )
        .unwrap();
        assert_eq!(
            cause(&raft),
            (RoleKind::Candidate, RoleKind::Leader, RoleCause::VotesWon)
        );
        assert_eq!(
            raft.status().last_change.unwrap().cause.to_string(),
            "votes won"
        );
    }

    #[test]
    fn a_candidate_refused_by_a_majority_falls_back_to_follower() {
        let (mut raft, mut out) = node(1, &[1, 2, 3], false);
        fire(&mut raft, &mut out, SimTime::from_millis(400));
        for from in [2, 3] {
            let msg = Msg::VoteResp {
                term: 1,
                reject: true,
            };
            raft.step(
                SimTime::from_millis(410),
                Input::Message {
                    from: NodeId(from),
                    msg,
                },
                &mut out,
            )
            .unwrap();
        }
        assert_eq!(
            cause(&raft),
            (
                RoleKind::Candidate,
                RoleKind::Follower,
                RoleCause::ElectionLost { pre: false }
            )
        );
    }

    #[test]
    fn a_candidate_that_sees_a_higher_term_steps_down_and_says_from_whom() {
        let (mut raft, mut out) = node(1, &[1, 2, 3], false);
        fire(&mut raft, &mut out, SimTime::from_millis(400));
        let msg = Msg::VoteResp {
            term: 5,
            reject: true,
        };
        raft.step(
            SimTime::from_millis(410),
            Input::Message {
                from: NodeId(3),
                msg,
            },
            &mut out,
        )
        .unwrap();
        let cause = cause(&raft).2;
        assert_eq!(
            cause,
            RoleCause::HigherTerm {
                from: NodeId(3),
                term: 5
            }
        );
        assert_eq!(cause.to_string(), "higher term seen (term 5 from n3)");
    }

    #[test]
    fn a_leader_that_hears_from_no_quorum_steps_down_by_check_quorum() {
        let (mut raft, mut out) = node(1, &[1, 2, 3], false);
        fire(&mut raft, &mut out, SimTime::from_millis(400));
        let vote = Msg::VoteResp {
            term: 1,
            reject: false,
        };
        raft.step(
            SimTime::from_millis(410),
            Input::Message {
                from: NodeId(2),
                msg: vote,
            },
            &mut out,
        )
        .unwrap();
        assert_eq!(raft.role(), RoleKind::Leader);
        // Heartbeat ticks with no answer: after an election timeout the quorum check fails.
        let mut now = SimTime::from_millis(410);
        for _ in 0..20 {
            let timer = out
                .drain()
                .filter_map(|e| match e {
                    Effect::SetTimer {
                        timer: t @ Timer::Heartbeat { .. },
                        ..
                    } => Some(t),
                    _ => None,
                })
                .next_back();
            let Some(timer) = timer else { break };
            now += Duration::from_millis(50);
            raft.step(now, Input::Timer(timer), &mut out).unwrap();
        }
        assert_eq!(
            cause(&raft),
            (RoleKind::Leader, RoleKind::Follower, RoleCause::QuorumLost)
        );
    }

    #[test]
    fn timeout_now_starts_a_transfer_election() {
        let (mut raft, mut out) = node(2, &[1, 2, 3], true);
        let msg = Msg::TimeoutNow { term: 0 };
        raft.step(
            SimTime::from_millis(20),
            Input::Message {
                from: NodeId(1),
                msg,
            },
            &mut out,
        )
        .unwrap();
        assert_eq!(
            cause(&raft),
            (
                RoleKind::Follower,
                RoleKind::Candidate,
                RoleCause::Transfer { from: NodeId(1) }
            )
        );
    }
}

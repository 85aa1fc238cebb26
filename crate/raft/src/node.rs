//! The node: its state, boot, and the one door `step` (etcd's `Step`): term handling first, then the
//! role-specific handlers in election.rs, replication.rs, snapshot.rs, membership.rs and read.rs.

use std::collections::{BTreeMap, BTreeSet};

use quorate_core::{Input, NodeId, NodeRng, Outbox, SimTime};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::Error;
use crate::log::RaftLog;
use crate::msg::{
    Command, Durable, Index, MachineState, Msg, Persist, RoleKind, Snapshot, Term, Timer,
};
use crate::progress::Progress;
use crate::quorum::Membership;
use crate::transition::{RoleCause, RoleChange};

/// A Raft node (the engine). See the crate docs for the contract.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Raft {
    pub(crate) id: NodeId,
    pub(crate) cfg: Config,
    /// The time of the step being processed (time is an argument; kept here so helpers need not pass it).
    pub(crate) now: SimTime,
    /// currentTerm. Invariant: durable (a HardState write precedes any message carrying it).
    pub(crate) term: Term,
    /// votedFor in `term`. Invariant: durable before the vote is granted on the wire.
    pub(crate) vote: Option<NodeId>,
    pub(crate) log: RaftLog,
    pub(crate) role: Role,
    /// The leader of `term` as far as this node knows.
    pub(crate) leader: Option<NodeId>,
    /// The membership in force (changes when a conf change entry is applied or a snapshot restored).
    pub(crate) conf: Membership,
    pub(crate) machine: MachineState,
    /// The latest snapshot (what the log's prefix was folded into); `None` until the first one.
    pub(crate) snapshot: Option<Snapshot>,
    pub(crate) rng: NodeRng,
    pub(crate) timers: Timers,
    /// Last time this node heard from the leader of its term (followers), or the leader's last successful
    /// quorum check (leaders): the basis of the CheckQuorum lease.
    pub(crate) leader_contact: Option<SimTime>,
    /// The commit index last written in a HardState.
    pub(crate) persisted_commit: Index,
    /// Reads answered with a read index, waiting for `applied` to reach it: (request id, index).
    pub(crate) reads_waiting_apply: Vec<(u64, Index)>,
    /// The last role change and its cause, for the UI's role automaton; never read by the protocol.
    pub(crate) last_change: Option<RoleChange>,
}

/// Per-role state (a leader's progress lives in the `Leader` variant).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) enum Role {
    Follower,
    PreCandidate { votes: BTreeMap<NodeId, bool> },
    Candidate { votes: BTreeMap<NodeId, bool> },
    Leader(Box<LeaderState>),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct LeaderState {
    /// Every other member's progress (the leader itself is not in it).
    pub(crate) progress: BTreeMap<NodeId, Progress>,
    /// Index of the latest conf change entry; another may be proposed only once it is applied.
    pub(crate) pending_conf_index: Index,
    /// Leadership transfer target and when to give up on it.
    pub(crate) transferee: Option<(NodeId, SimTime)>,
    /// When the next CheckQuorum round is due.
    pub(crate) quorum_check_at: SimTime,
    /// ReadIndex requests waiting for a quorum of heartbeat acknowledgements, oldest first.
    pub(crate) reads: Vec<PendingRead>,
    /// Reads that arrived before an entry of this term committed (thesis §6.4 step 1): (origin, id).
    pub(crate) reads_before_commit: Vec<(NodeId, u64)>,
    /// Context counter for ReadIndex heartbeats.
    pub(crate) read_seq: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct PendingRead {
    pub(crate) ctx: u64,
    pub(crate) origin: NodeId,
    pub(crate) id: u64,
    pub(crate) index: Index,
    pub(crate) acks: BTreeSet<NodeId>,
}

/// Timer bookkeeping. The election timer is armed lazily: resetting it only moves the deadline, and a
/// firing timer that finds the deadline moved re-arms itself for the remainder. One pending timer per
/// node instead of one per heartbeat received.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Timers {
    pub(crate) election_epoch: u64,
    /// When the election timeout expires; `None` on a leader.
    pub(crate) election_deadline: Option<SimTime>,
    /// When the currently armed election timer fires, if one is armed.
    pub(crate) election_armed: Option<SimTime>,
    pub(crate) heartbeat_epoch: u64,
}

impl Raft {
    pub(crate) fn restore_or_new(
        id: NodeId,
        cfg: &Config,
        durable: Option<&Durable>,
        mut rng: NodeRng,
    ) -> Raft {
        // Epochs start at a random point so a timer from a previous life never matches this one's.
        let epoch_base = rng.next_u64() >> 16;
        let initial = Membership::new(cfg.voters.iter().copied(), cfg.learners.iter().copied());
        let mut raft = Raft {
            id,
            cfg: cfg.clone(),
            now: SimTime::ZERO,
            term: 0,
            vote: None,
            log: RaftLog::default(),
            role: Role::Follower,
            leader: None,
            conf: initial,
            machine: MachineState::default(),
            snapshot: None,
            rng,
            timers: Timers {
                election_epoch: epoch_base,
                election_deadline: None,
                election_armed: None,
                heartbeat_epoch: epoch_base,
            },
            leader_contact: None,
            persisted_commit: 0,
            reads_waiting_apply: Vec::new(),
            last_change: None,
        };
        if let Some(d) = durable {
            raft.term = d.term;
            raft.vote = d.vote;
            if let Some(s) = &d.snapshot {
                raft.log.snap_index = s.index;
                raft.log.snap_term = s.term;
                raft.conf = s.conf.clone();
                raft.machine = s.machine.clone();
                raft.snapshot = Some(s.clone());
            }
            raft.log.entries = d.entries.clone();
            raft.log.applied = raft.log.snap_index;
            raft.log.committed = d.commit.clamp(raft.log.snap_index, raft.log.last_index());
            raft.persisted_commit = d.commit;
        }
        raft
    }

    pub(crate) fn step_input(
        &mut self,
        now: SimTime,
        input: Input<Raft>,
        out: &mut Outbox<Raft>,
    ) -> Result<(), Error> {
        self.now = now;
        match input {
            Input::Start => self.become_follower(self.term, None, None, out),
            Input::Message { from, msg } => self.step_msg(from, msg, out),
            Input::Timer(Timer::Election { epoch }) => self.on_election_timer(epoch, out),
            Input::Timer(Timer::Heartbeat { epoch }) => self.on_heartbeat_timer(epoch, out),
            Input::Command(cmd) => self.on_command(cmd, out)?,
        }
        self.apply_committed(out);
        self.maybe_auto_leave(out);
        if self.log.committed > self.persisted_commit {
            self.persist_hard_state(out);
        }
        Ok(())
    }

    pub(crate) fn persist_hard_state(&mut self, out: &mut Outbox<Raft>) {
        self.persisted_commit = self.log.committed;
        out.persist(Persist::HardState {
            term: self.term,
            vote: self.vote,
            commit: self.log.committed,
        });
    }

    /// The node's role, without building a whole [`crate::Status`].
    pub fn role(&self) -> RoleKind {
        self.role_kind()
    }

    /// The node's commit index, without building a whole [`crate::Status`].
    pub fn commit_index(&self) -> Index {
        self.log.committed
    }

    /// The node's current term.
    pub fn term(&self) -> Term {
        self.term
    }

    pub(crate) fn role_kind(&self) -> RoleKind {
        match self.role {
            Role::Follower => RoleKind::Follower,
            Role::PreCandidate { .. } => RoleKind::PreCandidate,
            Role::Candidate { .. } => RoleKind::Candidate,
            Role::Leader(_) => RoleKind::Leader,
        }
    }

    pub(crate) fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader(_))
    }

    /// Whether this node may campaign: it is a voter of the configuration it knows.
    pub(crate) fn promotable(&self) -> bool {
        self.conf.is_voter(self.id)
    }

    /// Whether a vote request should be ignored because a live leader is known (CheckQuorum's lease,
    /// thesis §4.2.3): a leader always, a follower within the minimum election timeout of its last contact.
    fn in_lease(&self) -> bool {
        if !self.cfg.check_quorum || self.leader.is_none() {
            return false;
        }
        if self.is_leader() {
            return true;
        }
        self.leader_contact
            .is_some_and(|t| self.now < t + self.cfg.election_bounds().0)
    }

    /// etcd's `Step`: reconcile terms (Raft paper §5.1), then dispatch by message and role.
    fn step_msg(&mut self, from: NodeId, msg: Msg, out: &mut Outbox<Raft>) {
        let mterm = msg.term();
        // Term 0 marks forwarded local requests (proposals, reads), which carry no term.
        if mterm > self.term {
            let higher = RoleCause::HigherTerm { from, term: mterm };
            if matches!(
                msg,
                Msg::Vote {
                    transfer: false,
                    ..
                } | Msg::PreVote { .. }
            ) && self.in_lease()
            {
                return;
            }
            match msg {
                Msg::PreVote { .. } | Msg::PreVoteResp { reject: false, .. } => {}
                Msg::App { .. } | Msg::Heartbeat { .. } | Msg::Snap { .. } => {
                    self.become_follower(mterm, Some(from), Some(higher), out);
                }
                _ => self.become_follower(mterm, None, Some(higher), out),
            }
        } else if mterm < self.term && mterm != 0 {
            match msg {
                // A stale leader learns our term and steps down; without CheckQuorum or PreVote a
                // partitioned node's higher term does this job, so stay silent (etcd).
                Msg::App { .. } | Msg::Heartbeat { .. }
                    if self.cfg.check_quorum || self.cfg.pre_vote =>
                {
                    out.send(
                        from,
                        Msg::AppResp {
                            term: self.term,
                            index: 0,
                            reject: false,
                            hint_index: 0,
                            hint_term: 0,
                        },
                    );
                }
                Msg::PreVote { .. } => out.send(
                    from,
                    Msg::PreVoteResp {
                        term: self.term,
                        reject: true,
                    },
                ),
                // Paper Figure 2: the reply carries our term, so a candidate stuck in an older term learns
                // it. etcd stays silent here; that can deadlock a membership change in which the only
                // other voter has not learned the new configuration and keeps out-campaigning the
                // candidate in terms it never tells it about (soak seed 54866).
                Msg::Vote { .. } => out.send(
                    from,
                    Msg::VoteResp {
                        term: self.term,
                        reject: true,
                    },
                ),
                _ => {}
            }
            return;
        }

        match msg {
            Msg::Vote {
                term,
                last_index,
                last_term,
                ..
            } => self.handle_vote_request(from, term, last_index, last_term, false, out),
            Msg::PreVote {
                term,
                last_index,
                last_term,
            } => self.handle_vote_request(from, term, last_index, last_term, true, out),
            Msg::VoteResp { reject, .. } => self.handle_vote_response(from, reject, false, out),
            Msg::PreVoteResp { reject, .. } => self.handle_vote_response(from, reject, true, out),
            Msg::App {
                index,
                log_term,
                entries,
                commit,
                ..
            } => {
                if self.accept_leader(from, out) {
                    self.handle_append(from, index, log_term, entries, commit, out);
                }
            }
            Msg::Heartbeat { commit, ctx, .. } => {
                if self.accept_leader(from, out) {
                    self.handle_heartbeat(from, commit, ctx, out);
                }
            }
            Msg::Snap { snapshot, .. } => {
                if self.accept_leader(from, out) {
                    self.handle_snapshot(from, snapshot, out);
                }
            }
            Msg::AppResp {
                index,
                reject,
                hint_index,
                hint_term,
                ..
            } => self.handle_append_response(from, index, reject, hint_index, hint_term, out),
            Msg::HeartbeatResp { ctx, .. } => self.handle_heartbeat_response(from, ctx, out),
            Msg::TimeoutNow { .. } => {
                // Thesis §3.10: the target starts an election at once, skipping PreVote and the lease.
                if matches!(self.role, Role::Follower) && self.promotable() {
                    self.campaign(true, RoleCause::Transfer { from }, out);
                }
            }
            Msg::Prop { data, .. } => self.handle_forwarded_proposal(data, out),
            Msg::ReadIndex { id, .. } => {
                if self.is_leader() {
                    self.leader_read(from, id, out);
                }
            }
            Msg::ReadIndexResp { id, index, .. } => self.reads_waiting_apply.push((id, index)),
        }
    }

    /// A message from the leader of our term arrived: follow it and restart the election timer.
    /// Returns false if we are the leader ourselves (two leaders in one term would be a bug).
    fn accept_leader(&mut self, from: NodeId, out: &mut Outbox<Raft>) -> bool {
        match self.role {
            Role::Leader(_) => {
                debug_assert!(
                    false,
                    "{} got a leader message from {from} in its own term",
                    self.id
                );
                false
            }
            Role::Follower if self.leader == Some(from) => {
                self.leader_contact = Some(self.now);
                self.reset_election_timer(out);
                true
            }
            _ => {
                self.become_follower(
                    self.term,
                    Some(from),
                    Some(RoleCause::LeaderHeard { from }),
                    out,
                );
                true
            }
        }
    }

    fn on_command(&mut self, cmd: Command, out: &mut Outbox<Raft>) -> Result<(), Error> {
        match cmd {
            Command::Propose { session, payload } => {
                self.propose(crate::msg::EntryData::Normal { session, payload }, out)
            }
            Command::Campaign => {
                if !self.promotable() {
                    return Err(Error::NotVoter);
                }
                if !self.is_leader() {
                    self.hup(false, RoleCause::Campaign, out);
                }
                Ok(())
            }
            Command::TransferLeader { to } => self.transfer_leader(to, out),
            Command::ChangeConf(cc) => self.propose_conf_change(cc, out),
            Command::Read { id } => self.read(id, out),
        }
    }
}

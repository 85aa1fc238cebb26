//! Leader election (Raft paper §5.2, thesis §9.6 PreVote, §6.2 CheckQuorum): timers, role changes,
//! campaigns and votes.

use std::collections::BTreeMap;

use quorate_core::{NodeId, Outbox};

use crate::msg::{Event, Msg, RoleKind, Term, Timer};
use crate::node::{LeaderState, Raft, Role};
use crate::progress::Progress;
use crate::quorum::VoteResult;
use crate::transition::{RoleCause, RoleChange};

impl Raft {
    /// Draws a fresh randomized election timeout (paper §5.2: per timeout, uniformly in the configured
    /// range) and moves the deadline; arms a timer only if none is pending that fires early enough.
    pub(crate) fn reset_election_timer(&mut self, out: &mut Outbox<Raft>) {
        let (low, high) = self.cfg.election_bounds();
        let after = self.rng.duration_between(low, high);
        let deadline = self.now + after;
        self.timers.election_deadline = Some(deadline);
        match self.timers.election_armed {
            Some(at) if at <= deadline => {}
            _ => {
                self.timers.election_epoch += 1;
                self.timers.election_armed = Some(deadline);
                out.set_timer(
                    after,
                    Timer::Election {
                        epoch: self.timers.election_epoch,
                    },
                );
            }
        }
    }

    pub(crate) fn on_election_timer(&mut self, epoch: u64, out: &mut Outbox<Raft>) {
        if epoch != self.timers.election_epoch {
            return; // stale: a later arming superseded it
        }
        self.timers.election_armed = None;
        let Some(deadline) = self.timers.election_deadline else {
            return;
        };
        if self.now < deadline {
            // The deadline moved while this timer was pending: wait out the remainder.
            self.timers.election_epoch += 1;
            self.timers.election_armed = Some(deadline);
            out.set_timer(
                deadline.since(self.now),
                Timer::Election {
                    epoch: self.timers.election_epoch,
                },
            );
            return;
        }
        if self.promotable() {
            self.hup(false, RoleCause::ElectionTimeout, out);
        } else {
            // A learner or removed node never campaigns; keep the timer running for the UI's countdown.
            self.reset_election_timer(out);
        }
    }

    /// Starts an election: a PreVote round first when enabled, unless `transfer` forces a real one.
    pub(crate) fn hup(&mut self, transfer: bool, cause: RoleCause, out: &mut Outbox<Raft>) {
        if self.is_leader() || !self.promotable() {
            return;
        }
        if self.cfg.pre_vote && !transfer {
            self.campaign_pre(cause, out);
        } else {
            self.campaign(transfer, cause, out);
        }
    }

    /// Records the role change just made (for the UI's role automaton; no effect on the run).
    fn note_role_change(&mut self, from: RoleKind, cause: RoleCause) {
        self.last_change = Some(RoleChange {
            from,
            to: self.role_kind(),
            term: self.term,
            at: self.now,
            cause,
        });
    }

    pub(crate) fn become_follower(
        &mut self,
        term: Term,
        leader: Option<NodeId>,
        cause: Option<RoleCause>,
        out: &mut Outbox<Raft>,
    ) {
        let from = self.role_kind();
        let changed =
            term != self.term || !matches!(self.role, Role::Follower) || leader != self.leader;
        if term > self.term {
            self.term = term;
            self.vote = None;
            self.persist_hard_state(out);
        }
        self.role = Role::Follower;
        self.leader = leader;
        self.leader_contact = leader.map(|_| self.now);
        self.reset_election_timer(out);
        if changed {
            if let Some(cause) = cause {
                self.note_role_change(from, cause);
            }
            out.emit(Event::BecameFollower {
                term: self.term,
                leader,
            });
        }
    }

    /// PreVote: ask whether we could win at `term + 1` without changing any state (thesis §9.6).
    fn campaign_pre(&mut self, cause: RoleCause, out: &mut Outbox<Raft>) {
        let from = self.role_kind();
        let votes = BTreeMap::from([(self.id, true)]);
        self.role = Role::PreCandidate { votes };
        self.leader = None;
        self.leader_contact = None;
        self.reset_election_timer(out);
        self.note_role_change(from, cause);
        out.emit(Event::BecamePreCandidate { term: self.term });
        if self.tally() == VoteResult::Won {
            self.campaign(false, RoleCause::PreVotesWon, out);
            return;
        }
        let (last_index, last_term) = (self.log.last_index(), self.log.last_term());
        for id in self.voters_but_me() {
            out.send(
                id,
                Msg::PreVote {
                    term: self.term + 1,
                    last_index,
                    last_term,
                },
            );
        }
    }

    /// A real election: bump the term and vote for ourselves (durable before the requests leave).
    pub(crate) fn campaign(&mut self, transfer: bool, cause: RoleCause, out: &mut Outbox<Raft>) {
        let from = self.role_kind();
        self.term += 1;
        self.vote = Some(self.id);
        self.persist_hard_state(out);
        self.role = Role::Candidate {
            votes: BTreeMap::from([(self.id, true)]),
        };
        self.leader = None;
        self.leader_contact = None;
        self.reset_election_timer(out);
        self.note_role_change(from, cause);
        out.emit(Event::BecameCandidate { term: self.term });
        if self.tally() == VoteResult::Won {
            self.become_leader(out);
            return;
        }
        let (last_index, last_term) = (self.log.last_index(), self.log.last_term());
        for id in self.voters_but_me() {
            out.send(
                id,
                Msg::Vote {
                    term: self.term,
                    last_index,
                    last_term,
                    transfer,
                },
            );
        }
    }

    fn voters_but_me(&self) -> Vec<NodeId> {
        let mut ids: Vec<NodeId> = self
            .conf
            .voters
            .union(&self.conf.outgoing)
            .copied()
            .collect();
        ids.retain(|id| *id != self.id);
        ids
    }

    fn tally(&self) -> VoteResult {
        match &self.role {
            Role::PreCandidate { votes } | Role::Candidate { votes } => {
                self.conf.vote_result(votes)
            }
            _ => VoteResult::Pending,
        }
    }

    /// RequestVote / PreVote receiver (Raft paper Figure 2; §5.4.1 up-to-date rule).
    pub(crate) fn handle_vote_request(
        &mut self,
        from: NodeId,
        term: Term,
        last_index: u64,
        last_term: Term,
        pre: bool,
        out: &mut Outbox<Raft>,
    ) {
        // We may vote for `from` if we already did in this term, or have voted for nobody and know no leader,
        // or (PreVote) the poll is for a future term.
        let can_vote = self.vote == Some(from)
            || (self.vote.is_none() && self.leader.is_none())
            || (pre && term > self.term);
        if can_vote && self.log.is_up_to_date(last_index, last_term) {
            if pre {
                out.send(
                    from,
                    Msg::PreVoteResp {
                        term,
                        reject: false,
                    },
                );
            } else {
                self.vote = Some(from);
                self.persist_hard_state(out);
                self.reset_election_timer(out);
                out.send(
                    from,
                    Msg::VoteResp {
                        term,
                        reject: false,
                    },
                );
            }
        } else if pre {
            out.send(
                from,
                Msg::PreVoteResp {
                    term: self.term,
                    reject: true,
                },
            );
        } else {
            out.send(
                from,
                Msg::VoteResp {
                    term: self.term,
                    reject: true,
                },
            );
        }
    }

    pub(crate) fn handle_vote_response(
        &mut self,
        from: NodeId,
        reject: bool,
        pre: bool,
        out: &mut Outbox<Raft>,
    ) {
        match (&mut self.role, pre) {
            (Role::PreCandidate { votes }, true) | (Role::Candidate { votes }, false) => {
                votes.entry(from).or_insert(!reject);
            }
            _ => return,
        }
        match self.tally() {
            VoteResult::Won if pre => self.campaign(false, RoleCause::PreVotesWon, out),
            VoteResult::Won => self.become_leader(out),
            VoteResult::Lost => {
                self.become_follower(self.term, None, Some(RoleCause::ElectionLost { pre }), out)
            }
            VoteResult::Pending => {}
        }
    }

    /// Wins the election: fresh progress for every member, a no-op entry to commit the term (paper §8),
    /// heartbeats from now on.
    pub(crate) fn become_leader(&mut self, out: &mut Outbox<Raft>) {
        let from = self.role_kind();
        let next = self.log.last_index() + 1;
        let progress = self
            .conf
            .ids()
            .into_iter()
            .filter(|id| *id != self.id)
            .map(|id| (id, Progress::new(next, self.conf.is_learner(id))))
            .collect();
        let (min_timeout, _) = self.cfg.election_bounds();
        self.role = Role::Leader(Box::new(LeaderState {
            progress,
            // No conf change until everything before the no-op is applied (etcd's conservative choice).
            pending_conf_index: self.log.last_index(),
            transferee: None,
            quorum_check_at: self.now + min_timeout,
            reads: Vec::new(),
            reads_before_commit: Vec::new(),
            read_seq: 0,
        }));
        self.leader = Some(self.id);
        self.leader_contact = Some(self.now);
        self.timers.election_deadline = None;
        self.note_role_change(from, RoleCause::VotesWon);
        self.timers.heartbeat_epoch += 1;
        out.set_timer(
            self.cfg.heartbeat_interval,
            Timer::Heartbeat {
                epoch: self.timers.heartbeat_epoch,
            },
        );
        out.emit(Event::BecameLeader { term: self.term });
        self.append_local(vec![crate::msg::EntryData::Noop], out);
    }

    /// The leader's periodic tick: heartbeats, CheckQuorum, stalled snapshots, transfer timeout.
    pub(crate) fn on_heartbeat_timer(&mut self, epoch: u64, out: &mut Outbox<Raft>) {
        if epoch != self.timers.heartbeat_epoch || !self.is_leader() {
            return;
        }
        out.set_timer(self.cfg.heartbeat_interval, Timer::Heartbeat { epoch });
        let (min_timeout, _) = self.cfg.election_bounds();
        let now = self.now;
        let Role::Leader(ls) = &mut self.role else {
            return;
        };
        // A snapshot that got no answer within an election timeout was probably lost: probe again.
        for pr in ls.progress.values_mut() {
            if let crate::progress::ProgressState::Snapshot { sent_at, .. } = pr.state {
                if now >= sent_at + min_timeout {
                    pr.become_probe();
                }
            }
        }
        if let Some((to, deadline)) = ls.transferee {
            if now >= deadline {
                ls.transferee = None;
                out.emit(Event::TransferAborted { to });
            }
        }
        if now >= ls.quorum_check_at {
            ls.quorum_check_at = now + min_timeout;
            let mut active: std::collections::BTreeSet<NodeId> = ls
                .progress
                .iter()
                .filter(|(_, p)| p.recent_active)
                .map(|(id, _)| *id)
                .collect();
            active.insert(self.id);
            for pr in ls.progress.values_mut() {
                pr.recent_active = false;
            }
            if self.cfg.check_quorum {
                if !self.conf.has_quorum(&active) {
                    out.emit(Event::SteppedDown { term: self.term });
                    self.become_follower(self.term, None, Some(RoleCause::QuorumLost), out);
                    return;
                }
                self.leader_contact = Some(now);
            }
        }
        self.bcast_heartbeat(None, out);
    }
}

//! Log replication (Raft paper §5.3, §5.4.2): proposals, AppendEntries with its consistency check,
//! heartbeats, the leader's flow control, fast backtracking and commitment by counting.

use quorate_core::{NodeId, Outbox};

use crate::error::Error;
use crate::msg::{Dropped, Entry, EntryData, Event, Index, Msg, Persist, Term};
use crate::node::{Raft, Role};
use crate::progress::ProgressState;

impl Raft {
    /// A client proposal: the leader appends it; a follower forwards it to the leader it knows.
    pub(crate) fn propose(&mut self, data: EntryData, out: &mut Outbox<Raft>) -> Result<(), Error> {
        match &self.role {
            Role::Leader(ls) => {
                if let Some((to, _)) = ls.transferee {
                    return Err(Error::TransferInProgress { to });
                }
                self.append_local(vec![data], out);
                Ok(())
            }
            Role::Follower if self.leader.is_some() => {
                let leader = self.leader.unwrap_or(self.id);
                out.send(leader, Msg::Prop { term: 0, data });
                Ok(())
            }
            _ => Err(Error::NotLeader {
                leader: self.leader,
            }),
        }
    }

    pub(crate) fn handle_forwarded_proposal(&mut self, data: EntryData, out: &mut Outbox<Raft>) {
        let accept = matches!(&self.role, Role::Leader(ls) if ls.transferee.is_none());
        // A forwarded conf change follows the same one-at-a-time rule as a local one.
        if accept {
            let result = match data {
                EntryData::Conf(cc) => self.propose_conf_change(cc, out),
                other => self.propose(other, out),
            };
            if result.is_ok() {
                return;
            }
        }
        out.emit(Event::Dropped {
            what: Dropped::Proposal,
        });
    }

    /// Leader: appends entries of the current term (durable first), then replicates them.
    pub(crate) fn append_local(&mut self, data: Vec<EntryData>, out: &mut Outbox<Raft>) {
        let from = self.log.last_index() + 1;
        let entries: Vec<Entry> = data
            .into_iter()
            .enumerate()
            .map(|(i, data)| Entry {
                term: self.term,
                index: from + i as u64,
                data,
            })
            .collect();
        self.log.truncate_and_append(from, &entries);
        out.persist(Persist::Append { from, entries });
        if !self.maybe_commit(out) {
            self.bcast_append(out);
        }
    }

    /// Leader: sends what `to` is missing, if its progress allows. Returns whether a message went out.
    pub(crate) fn send_append(
        &mut self,
        to: NodeId,
        send_if_empty: bool,
        out: &mut Outbox<Raft>,
    ) -> bool {
        let Role::Leader(ls) = &mut self.role else {
            return false;
        };
        let Some(pr) = ls.progress.get_mut(&to) else {
            return false;
        };
        if pr.is_paused(self.cfg.max_inflight) {
            return false;
        }
        let prev = pr.next - 1;
        match (
            self.log.term(prev),
            self.log.entries_from(pr.next, self.cfg.max_entries_per_msg),
        ) {
            (Some(log_term), Some(entries)) => {
                if entries.is_empty() && !send_if_empty {
                    return false;
                }
                match (pr.state, entries.last()) {
                    (ProgressState::Replicate, Some(last)) => pr.sent_entries(last.index),
                    (ProgressState::Probe, _) => pr.sent_entries(prev),
                    _ => {}
                }
                out.send(
                    to,
                    Msg::App {
                        term: self.term,
                        index: prev,
                        log_term,
                        entries,
                        commit: self.log.committed,
                    },
                );
                true
            }
            _ => {
                // What `to` needs was compacted away: send the snapshot (paper §7).
                let Some(snapshot) = self.snapshot.clone() else {
                    return false;
                };
                pr.become_snapshot(snapshot.index, self.now);
                out.send(
                    to,
                    Msg::Snap {
                        term: self.term,
                        snapshot,
                    },
                );
                true
            }
        }
    }

    pub(crate) fn bcast_append(&mut self, out: &mut Outbox<Raft>) {
        for id in self.peer_ids() {
            self.send_append(id, true, out);
        }
    }

    pub(crate) fn bcast_heartbeat(&mut self, ctx: Option<u64>, out: &mut Outbox<Raft>) {
        let Role::Leader(ls) = &self.role else { return };
        for (id, pr) in &ls.progress {
            // Never tell a follower to commit beyond what it is known to hold.
            let commit = pr.matched.min(self.log.committed);
            out.send(
                *id,
                Msg::Heartbeat {
                    term: self.term,
                    commit,
                    ctx,
                },
            );
        }
    }

    pub(crate) fn peer_ids(&self) -> Vec<NodeId> {
        match &self.role {
            Role::Leader(ls) => ls.progress.keys().copied().collect(),
            _ => Vec::new(),
        }
    }

    /// Leader: advances the commit index to what a quorum holds, but by counting only for an entry of the
    /// current term (paper §5.4.2, Figure 8) unless the unsafe teaching switch is on. Broadcasts the news.
    pub(crate) fn maybe_commit(&mut self, out: &mut Outbox<Raft>) -> bool {
        let Role::Leader(ls) = &self.role else {
            return false;
        };
        let last = self.log.last_index();
        let me = self.id;
        let quorum_index = self.conf.committed_index(|id| {
            if id == me {
                last
            } else {
                ls.progress.get(&id).map_or(0, |p| p.matched)
            }
        });
        if quorum_index <= self.log.committed || quorum_index == Index::MAX {
            return false;
        }
        let current_term = self.log.term(quorum_index) == Some(self.term);
        if !current_term && !self.cfg.unsafe_commit_previous_term {
            return false;
        }
        self.log.commit_to(quorum_index);
        out.emit(Event::Committed {
            index: quorum_index,
        });
        self.release_reads_before_commit(out);
        self.bcast_append(out);
        true
    }

    /// Follower side of AppendEntries (paper Figure 2, receiver steps 2–5).
    pub(crate) fn handle_append(
        &mut self,
        from: NodeId,
        index: Index,
        log_term: Term,
        entries: Vec<Entry>,
        commit: Index,
        out: &mut Outbox<Raft>,
    ) {
        let term = self.term;
        if index < self.log.committed {
            // Everything through our commit index already matches the leader's log.
            let index = self.log.committed;
            out.send(
                from,
                Msg::AppResp {
                    term,
                    index,
                    reject: false,
                    hint_index: 0,
                    hint_term: 0,
                },
            );
            return;
        }
        if self.log.match_term(index, log_term) {
            let last_new = index + entries.len() as u64;
            let conflict = self.log.find_conflict(&entries);
            if conflict != 0 {
                debug_assert!(
                    conflict > self.log.committed,
                    "conflict at committed index {conflict}"
                );
                let new: Vec<Entry> = entries[(conflict - index - 1) as usize..].to_vec();
                self.log.truncate_and_append(conflict, &new);
                out.persist(Persist::Append {
                    from: conflict,
                    entries: new,
                });
            }
            if self.log.commit_to(commit.min(last_new)) {
                out.emit(Event::Committed {
                    index: self.log.committed,
                });
            }
            out.send(
                from,
                Msg::AppResp {
                    term,
                    index: last_new,
                    reject: false,
                    hint_index: 0,
                    hint_term: 0,
                },
            );
        } else {
            // Fast backtracking: point the leader at the last entry that can possibly match.
            let (hint_index, hint_term) = self
                .log
                .find_conflict_by_term(index.min(self.log.last_index()), log_term);
            out.send(
                from,
                Msg::AppResp {
                    term,
                    index,
                    reject: true,
                    hint_index,
                    hint_term,
                },
            );
        }
    }

    pub(crate) fn handle_heartbeat(
        &mut self,
        from: NodeId,
        commit: Index,
        ctx: Option<u64>,
        out: &mut Outbox<Raft>,
    ) {
        if self.log.commit_to(commit.min(self.log.last_index())) {
            out.emit(Event::Committed {
                index: self.log.committed,
            });
        }
        out.send(
            from,
            Msg::HeartbeatResp {
                term: self.term,
                ctx,
            },
        );
    }

    /// Leader side of an append response: advance or back off the follower's progress.
    pub(crate) fn handle_append_response(
        &mut self,
        from: NodeId,
        index: Index,
        reject: bool,
        hint_index: Index,
        hint_term: Term,
        out: &mut Outbox<Raft>,
    ) {
        let last = self.log.last_index();
        let first = self.log.first_index();
        let Role::Leader(ls) = &mut self.role else {
            return;
        };
        let Some(pr) = ls.progress.get_mut(&from) else {
            return;
        };
        pr.recent_active = true;
        if reject {
            let next_probe = if hint_term > 0 {
                self.log.find_conflict_by_term(hint_index, hint_term).0
            } else {
                hint_index
            };
            if pr.maybe_decr_to(index, next_probe) {
                if pr.state == ProgressState::Replicate {
                    pr.become_probe();
                }
                self.send_append(from, true, out);
            }
            return;
        }
        let was_paused = pr.is_paused(self.cfg.max_inflight);
        if !pr.maybe_update(index) {
            return;
        }
        match pr.state {
            ProgressState::Probe => pr.become_replicate(),
            ProgressState::Snapshot { .. } if pr.matched + 1 >= first => {
                pr.become_probe();
                pr.become_replicate();
            }
            ProgressState::Replicate => pr.free_to(index),
            ProgressState::Snapshot { .. } => {}
        }
        let caught_up = pr.matched == last;
        let transfer_now = ls.transferee.is_some_and(|(to, _)| to == from) && caught_up;
        if !self.maybe_commit(out) && was_paused {
            self.send_append(from, false, out);
        }
        while self.send_append(from, false, out) {}
        if transfer_now {
            out.send(from, Msg::TimeoutNow { term: self.term });
        }
    }

    pub(crate) fn handle_heartbeat_response(
        &mut self,
        from: NodeId,
        ctx: Option<u64>,
        out: &mut Outbox<Raft>,
    ) {
        let last = self.log.last_index();
        let Role::Leader(ls) = &mut self.role else {
            return;
        };
        let Some(pr) = ls.progress.get_mut(&from) else {
            return;
        };
        pr.recent_active = true;
        pr.probe_sent = false;
        // A full window whose appends were all lost would stall forever; free one slot (etcd).
        if pr.state == ProgressState::Replicate && pr.is_paused(self.cfg.max_inflight) {
            pr.inflight.pop_front();
        }
        // Behind: send even an empty append. In replicate state `next` runs ahead optimistically; if
        // those appends were lost, the follower's rejection of this one is what sends us back to probing.
        let behind = pr.matched < last;
        if behind {
            self.send_append(from, true, out);
        }
        if let Some(ctx) = ctx {
            self.ack_read(from, ctx, out);
        }
    }
}

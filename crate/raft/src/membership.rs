//! Membership changes (thesis §4: one at a time, joint consensus for several voters, learners) and
//! leadership transfer (thesis §3.10).

use quorate_core::{NodeId, Outbox};

use crate::error::Error;
use crate::msg::{ConfChange, EntryData, Event, Msg};
use crate::node::{Raft, Role};
use crate::progress::Progress;

impl Raft {
    /// Proposes a membership change. Refused while another one is unapplied, or if it cannot apply to the
    /// current membership. A follower forwards it to the leader.
    pub(crate) fn propose_conf_change(
        &mut self,
        cc: ConfChange,
        out: &mut Outbox<Raft>,
    ) -> Result<(), Error> {
        match &self.role {
            Role::Leader(ls) => {
                if let Some((to, _)) = ls.transferee {
                    return Err(Error::TransferInProgress { to });
                }
                if ls.pending_conf_index > self.log.applied {
                    return Err(Error::ConfChangePending);
                }
                self.conf.apply_change(&cc)?;
                let index = self.log.last_index() + 1;
                if let Role::Leader(ls) = &mut self.role {
                    ls.pending_conf_index = index;
                }
                self.append_local(vec![EntryData::Conf(cc)], out);
                Ok(())
            }
            Role::Follower if self.leader.is_some() => {
                self.conf.apply_change(&cc)?;
                let leader = self.leader.unwrap_or(self.id);
                out.send(
                    leader,
                    Msg::Prop {
                        term: 0,
                        data: EntryData::Conf(cc),
                    },
                );
                Ok(())
            }
            _ => Err(Error::NotLeader {
                leader: self.leader,
            }),
        }
    }

    /// A conf change entry was applied: switch to the new membership. A leader tracks new members, forgets
    /// removed ones, leaves joint consensus on its own once in it, and steps down if it was removed.
    pub(crate) fn apply_conf_change(&mut self, cc: &ConfChange, out: &mut Outbox<Raft>) {
        let Ok(next) = self.conf.apply_change(cc) else {
            // Validated at proposal time against the same membership; an entry that no longer applies
            // (a leader of an older term proposed it) is skipped, as every node skips it alike.
            return;
        };
        self.conf = next;
        out.emit(Event::ConfApplied {
            conf: self.conf.clone(),
        });
        let last = self.log.last_index();
        let me = self.id;
        let Role::Leader(ls) = &mut self.role else {
            return;
        };
        let ids = self.conf.ids();
        ls.progress.retain(|id, _| ids.contains(id));
        for id in ids {
            if id == me {
                continue;
            }
            let learner = self.conf.is_learner(id);
            ls.progress
                .entry(id)
                .or_insert_with(|| Progress::new(last + 1, learner))
                .is_learner = learner;
        }
        if ls.transferee.is_some_and(|(to, _)| !self.conf.is_voter(to)) {
            ls.transferee = None;
        }
        if !self.conf.is_voter(me) {
            // Thesis §4.2.2: a leader removed from the configuration steps down once the change commits.
            out.emit(Event::SteppedDown { term: self.term });
            self.become_follower(
                self.term,
                None,
                Some(crate::transition::RoleCause::Removed),
                out,
            );
            return;
        }
        if self.conf.is_joint() {
            // Leave C_old,new automatically (etcd's AutoLeave): propose C_new.
            ls.pending_conf_index = last + 1;
            self.append_local(vec![EntryData::Conf(ConfChange { steps: Vec::new() })], out);
        } else if !self.maybe_commit(out) {
            self.bcast_append(out);
        }
    }

    /// A leader that finds itself in joint consensus with nothing pending proposes to leave it (covers a
    /// leader elected after the joint entry was applied).
    pub(crate) fn maybe_auto_leave(&mut self, out: &mut Outbox<Raft>) {
        let applied = self.log.applied;
        let next = self.log.last_index() + 1;
        let Role::Leader(ls) = &mut self.role else {
            return;
        };
        if !self.conf.is_joint() || ls.pending_conf_index > applied || ls.transferee.is_some() {
            return;
        }
        ls.pending_conf_index = next;
        self.append_local(vec![EntryData::Conf(ConfChange { steps: Vec::new() })], out);
    }

    /// Starts handing leadership to `to`: bring it up to date, then tell it to campaign at once.
    pub(crate) fn transfer_leader(
        &mut self,
        to: NodeId,
        out: &mut Outbox<Raft>,
    ) -> Result<(), Error> {
        let last = self.log.last_index();
        let (min_timeout, _) = self.cfg.election_bounds();
        let deadline = self.now + min_timeout;
        let Role::Leader(ls) = &mut self.role else {
            return Err(Error::NotLeader {
                leader: self.leader,
            });
        };
        if to == self.id {
            return Ok(());
        }
        if !self.conf.is_voter(to) {
            return Err(Error::UnknownNode(to));
        }
        if ls.transferee.is_some_and(|(t, _)| t == to) {
            return Ok(());
        }
        ls.transferee = Some((to, deadline));
        let caught_up = ls.progress.get(&to).is_some_and(|p| p.matched == last);
        if caught_up {
            out.send(to, Msg::TimeoutNow { term: self.term });
        } else {
            self.send_append(to, true, out);
        }
        Ok(())
    }
}

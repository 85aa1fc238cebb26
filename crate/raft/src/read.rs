//! Linearizable reads without log writes (thesis §6.4): ReadIndex confirmed by a heartbeat quorum, lease
//! reads under CheckQuorum, and the unsafe local read kept for teaching.

use std::collections::BTreeSet;

use quorate_core::{NodeId, Outbox};

use crate::config::ReadMode;
use crate::error::Error;
use crate::msg::{Event, Index, Msg};
use crate::node::{PendingRead, Raft, Role};

impl Raft {
    /// A client read at this node. `ReadReady { id, index }` follows once it may be served.
    pub(crate) fn read(&mut self, id: u64, out: &mut Outbox<Raft>) -> Result<(), Error> {
        if self.cfg.read_mode == ReadMode::UnsafeLocal {
            // Teaching switch: answer from whatever this node has applied, asking no one.
            self.reads_waiting_apply.push((id, self.log.applied));
            return Ok(());
        }
        match &self.role {
            Role::Leader(_) => {
                self.leader_read(self.id, id, out);
                Ok(())
            }
            Role::Follower if self.leader.is_some() => {
                let leader = self.leader.unwrap_or(self.id);
                out.send(leader, Msg::ReadIndex { term: 0, id });
                Ok(())
            }
            _ => Err(Error::NotLeader {
                leader: self.leader,
            }),
        }
    }

    /// Leader: fix the read index at the commit index, then confirm leadership (ReadIndex) or trust the
    /// lease (Lease). Waits first until an entry of this term is committed (thesis §6.4 step 1).
    pub(crate) fn leader_read(&mut self, origin: NodeId, id: u64, out: &mut Outbox<Raft>) {
        let committed = self.log.committed;
        let term_committed = self.log.term(committed) == Some(self.term);
        let single = self.conf.has_quorum(&BTreeSet::from([self.id]));
        let lease = self.cfg.read_mode == ReadMode::Lease && self.cfg.check_quorum;
        let Role::Leader(ls) = &mut self.role else {
            return;
        };
        if !term_committed {
            ls.reads_before_commit.push((origin, id));
            return;
        }
        if single || lease {
            self.answer_read(origin, id, committed, out);
            return;
        }
        ls.read_seq += 1;
        let ctx = ls.read_seq;
        ls.reads.push(PendingRead {
            ctx,
            origin,
            id,
            index: committed,
            acks: BTreeSet::from([self.id]),
        });
        self.bcast_heartbeat(Some(ctx), out);
    }

    fn answer_read(&mut self, origin: NodeId, id: u64, index: Index, out: &mut Outbox<Raft>) {
        if origin == self.id {
            self.reads_waiting_apply.push((id, index));
        } else {
            out.send(
                origin,
                Msg::ReadIndexResp {
                    term: self.term,
                    id,
                    index,
                },
            );
        }
    }

    /// A heartbeat response carrying read context `ctx`: once a quorum acknowledged it, that read and every
    /// earlier one are confirmed (a later heartbeat round proves leadership for earlier reads too).
    pub(crate) fn ack_read(&mut self, from: NodeId, ctx: u64, out: &mut Outbox<Raft>) {
        let Role::Leader(ls) = &mut self.role else {
            return;
        };
        let Some(pos) = ls.reads.iter().position(|r| r.ctx == ctx) else {
            return;
        };
        ls.reads[pos].acks.insert(from);
        if !self.conf.has_quorum(&ls.reads[pos].acks) {
            return;
        }
        let ready: Vec<PendingRead> = ls.reads.drain(..=pos).collect();
        for r in ready {
            self.answer_read(r.origin, r.id, r.index, out);
        }
    }

    /// Called when the leader first commits in its term: serve reads that were waiting for it.
    pub(crate) fn release_reads_before_commit(&mut self, out: &mut Outbox<Raft>) {
        let Role::Leader(ls) = &mut self.role else {
            return;
        };
        if ls.reads_before_commit.is_empty() {
            return;
        }
        let waiting = std::mem::take(&mut ls.reads_before_commit);
        for (origin, id) in waiting {
            self.leader_read(origin, id, out);
        }
    }

    /// Emits `ReadReady` for reads whose index has been applied.
    pub(crate) fn release_applied_reads(&mut self, out: &mut Outbox<Raft>) {
        let applied = self.log.applied;
        let mut i = 0;
        while i < self.reads_waiting_apply.len() {
            let (id, index) = self.reads_waiting_apply[i];
            if index <= applied {
                self.reads_waiting_apply.remove(i);
                out.emit(Event::ReadReady { id, index });
            } else {
                i += 1;
            }
        }
    }
}

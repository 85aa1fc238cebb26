//! Applying committed entries to the state machine, log compaction and InstallSnapshot (paper §7).

use quorate_core::{NodeId, Outbox};

use crate::msg::{EntryData, Event, Fnv, Msg, Persist, Snapshot};
use crate::node::Raft;

impl Raft {
    /// Hands every committed, unapplied entry to the state machine, in order, one `Applied` event each.
    /// This is the apply boundary: a real state machine consumes the events; the engine itself keeps only
    /// a digest and the session table (for exactly-once application of retried proposals).
    pub(crate) fn apply_committed(&mut self, out: &mut Outbox<Raft>) {
        while self.log.applied < self.log.committed {
            let index = self.log.applied + 1;
            let Some(entry) = self.log.entry(index).cloned() else {
                panic!(
                    "{}: committed entry {index} missing (log {}..{})",
                    self.id,
                    self.log.first_index(),
                    self.log.last_index()
                );
            };
            self.log.applied = index;
            let mut duplicate = false;
            match &entry.data {
                EntryData::Noop => {}
                EntryData::Normal { session, payload } => {
                    if let Some(s) = session {
                        let last = self.machine.sessions.get(&s.client).copied().unwrap_or(0);
                        duplicate = s.seq <= last;
                    }
                    if !duplicate {
                        let mut h = Fnv::from_state(self.machine.digest);
                        if let Some(s) = session {
                            self.machine.sessions.insert(s.client, s.seq);
                            h.u64(s.client);
                            h.u64(s.seq);
                        }
                        h.bytes(payload);
                        self.machine.digest = h.finish();
                    }
                }
                EntryData::Conf(_) => {}
            }
            out.emit(Event::Applied {
                index,
                term: entry.term,
                digest: entry.digest(),
                data: entry.data.clone(),
                duplicate,
            });
            if let EntryData::Conf(cc) = &entry.data {
                self.apply_conf_change(cc, out);
            }
        }
        self.release_applied_reads(out);
        self.maybe_compact(out);
    }

    /// Folds the applied prefix into a snapshot once it is `snapshot_threshold` entries long.
    fn maybe_compact(&mut self, out: &mut Outbox<Raft>) {
        let threshold = self.cfg.snapshot_threshold;
        if threshold == 0 || self.log.applied < self.log.snap_index + threshold {
            return;
        }
        let index = self.log.applied;
        let Some(term) = self.log.term(index) else {
            return;
        };
        let snapshot = Snapshot {
            index,
            term,
            conf: self.conf.clone(),
            machine: self.machine.clone(),
        };
        out.persist(Persist::Snapshot(snapshot.clone()));
        self.log.compact(index, term);
        self.snapshot = Some(snapshot);
        out.emit(Event::Compacted { index });
    }

    /// Follower side of InstallSnapshot.
    pub(crate) fn handle_snapshot(
        &mut self,
        from: NodeId,
        snapshot: Snapshot,
        out: &mut Outbox<Raft>,
    ) {
        let term = self.term;
        if snapshot.index <= self.log.committed {
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
        if self.log.match_term(snapshot.index, snapshot.term) {
            // We hold the snapshot's last entry: it is committed, so just fast-forward (etcd).
            self.log.commit_to(snapshot.index);
            out.emit(Event::Committed {
                index: snapshot.index,
            });
            let index = self.log.last_index();
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
        out.persist(Persist::Snapshot(snapshot.clone()));
        self.log.restore(snapshot.index, snapshot.term);
        self.persisted_commit = self.persisted_commit.max(snapshot.index);
        self.machine = snapshot.machine.clone();
        self.conf = snapshot.conf.clone();
        out.emit(Event::SnapshotRestored {
            index: snapshot.index,
            term: snapshot.term,
        });
        out.emit(Event::ConfApplied {
            conf: self.conf.clone(),
        });
        self.snapshot = Some(snapshot);
        let index = self.log.last_index();
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
    }
}

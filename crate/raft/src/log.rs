//! The replicated log: a snapshot prefix plus in-memory entries, with the commit and apply cursors.
//!
//! Every entry here is durable: the engine emits the `Persist` for a change in the same step, before any
//! message that depends on it, so there is no separate "unstable" tail as in etcd.

use serde::{Deserialize, Serialize};

use crate::msg::{Entry, Index, Term};

/// Invariants: `entries[i].index == snap_index + 1 + i`; terms never decrease along the log;
/// `snap_index <= applied <= committed <= last_index()`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaftLog {
    /// Index and term of the last entry folded into the snapshot (0/0 without one).
    pub snap_index: Index,
    pub snap_term: Term,
    pub entries: Vec<Entry>,
    /// Highest index known committed (Raft paper Figure 2, commitIndex).
    pub committed: Index,
    /// Highest index handed to the state machine (lastApplied).
    pub applied: Index,
}

impl RaftLog {
    pub fn first_index(&self) -> Index {
        self.snap_index + 1
    }

    pub fn last_index(&self) -> Index {
        self.snap_index + self.entries.len() as u64
    }

    pub fn last_term(&self) -> Term {
        self.entries.last().map_or(self.snap_term, |e| e.term)
    }

    /// The term of entry `i`; `None` if compacted away (below the snapshot) or past the end.
    pub fn term(&self, i: Index) -> Option<Term> {
        if i == self.snap_index {
            return Some(self.snap_term);
        }
        self.entry(i).map(|e| e.term)
    }

    pub fn entry(&self, i: Index) -> Option<&Entry> {
        if i <= self.snap_index {
            return None;
        }
        self.entries.get((i - self.snap_index - 1) as usize)
    }

    pub fn match_term(&self, i: Index, t: Term) -> bool {
        self.term(i) == Some(t)
    }

    /// Raft paper §5.4.1: a candidate's log is at least as up-to-date as ours.
    pub fn is_up_to_date(&self, last_index: Index, last_term: Term) -> bool {
        last_term > self.last_term()
            || (last_term == self.last_term() && last_index >= self.last_index())
    }

    /// Entries in `[lo, last]`, at most `max` of them; `None` if `lo` is compacted.
    pub fn entries_from(&self, lo: Index, max: u32) -> Option<Vec<Entry>> {
        if lo <= self.snap_index {
            return None;
        }
        let start = (lo - self.snap_index - 1) as usize;
        let end = self.entries.len().min(start.saturating_add(max as usize));
        Some(
            self.entries
                .get(start..end)
                .map(<[Entry]>::to_vec)
                .unwrap_or_default(),
        )
    }

    /// The index of the first entry in `ents` that is new or conflicts with ours (0 if all match).
    pub fn find_conflict(&self, ents: &[Entry]) -> Index {
        for e in ents {
            if !self.match_term(e.index, e.term) {
                return e.index;
            }
        }
        0
    }

    /// etcd's findConflictByTerm: the largest index `<= index` whose term is `<= term` (or the first
    /// index we still know, if everything known is newer). Used for fast backtracking on both sides.
    pub fn find_conflict_by_term(&self, index: Index, term: Term) -> (Index, Term) {
        let mut i = index.min(self.last_index());
        loop {
            match self.term(i) {
                Some(t) if t > term && i > self.snap_index => i -= 1,
                Some(t) => return (i, t),
                None => return (i, 0),
            }
        }
    }

    /// Drops entries from `from` on and appends `ents` (which must start at `from`).
    pub fn truncate_and_append(&mut self, from: Index, ents: &[Entry]) {
        assert!(
            from > self.snap_index,
            "truncating into the snapshot at {from}"
        );
        let keep = (from - self.snap_index - 1) as usize;
        self.entries.truncate(keep);
        self.entries.extend_from_slice(ents);
    }

    pub fn commit_to(&mut self, index: Index) -> bool {
        if index > self.committed {
            assert!(
                index <= self.last_index(),
                "commit {index} beyond last index {}",
                self.last_index()
            );
            self.committed = index;
            true
        } else {
            false
        }
    }

    /// Folds entries through `index` into the snapshot position (they must be applied already).
    pub fn compact(&mut self, index: Index, term: Term) {
        assert!(index <= self.applied && index > self.snap_index);
        let drop = (index - self.snap_index) as usize;
        self.entries.drain(..drop);
        self.snap_index = index;
        self.snap_term = term;
    }

    /// Replaces the log with a snapshot at `index`/`term`, keeping a matching suffix if any.
    pub fn restore(&mut self, index: Index, term: Term) {
        if self.match_term(index, term) && index > self.snap_index {
            let drop = (index - self.snap_index) as usize;
            self.entries.drain(..drop);
        } else {
            self.entries.clear();
        }
        self.snap_index = index;
        self.snap_term = term;
        self.committed = self.committed.max(index);
        self.applied = index;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msg::EntryData;

    fn log(terms: &[Term]) -> RaftLog {
        let entries = terms
            .iter()
            .enumerate()
            .map(|(i, t)| Entry {
                term: *t,
                index: i as u64 + 1,
                data: EntryData::Noop,
            })
            .collect();
        RaftLog {
            entries,
            ..RaftLog::default()
        }
    }

    #[test]
    fn find_conflict_by_term_skips_a_whole_term() {
        let l = log(&[1, 1, 2, 2, 2, 5, 5]);
        assert_eq!(l.find_conflict_by_term(7, 4), (5, 2));
        assert_eq!(l.find_conflict_by_term(7, 5), (7, 5));
        assert_eq!(l.find_conflict_by_term(3, 1), (2, 1));
        assert_eq!(l.find_conflict_by_term(9, 0), (0, 0));
    }

    #[test]
    fn restore_keeps_a_matching_suffix() {
        let mut l = log(&[1, 1, 2, 2]);
        l.restore(2, 1);
        assert_eq!((l.first_index(), l.last_index(), l.last_term()), (3, 4, 2));
        l.restore(6, 3);
        assert_eq!((l.first_index(), l.last_index(), l.last_term()), (7, 6, 3));
    }
}

//! The invariant bookkeeping behind [`RaftChecker::observe`].

use std::collections::{BTreeMap, BTreeSet};

use quorate_core::NodeId;

use super::{Invariant, NodeObservation, ObservedRole, RaftFact, Violation};

/// An entry known to be committed: what it is, who first reported it and in which term they were.
#[derive(Clone, Copy, Debug)]
struct Committed {
    term: u64,
    digest: u64,
    node: NodeId,
    /// The reporter's term when it reported the commit: every leader of a later term must hold the entry.
    seen_in_term: u64,
}

/// Watches a run; see the module docs for the invariants.
#[derive(Clone, Debug, Default)]
pub struct RaftChecker {
    last: BTreeMap<NodeId, NodeObservation>,
    leaders: BTreeMap<u64, NodeId>,
    committed: BTreeMap<u64, Committed>,
    applied: BTreeMap<u64, (u64, u64, NodeId)>,
    machine: BTreeMap<u64, (u64, NodeId)>,
    violations: Vec<Violation>,
    /// What was reported already, so a lasting breach is reported once, at the event that caused it.
    reported: BTreeSet<(Invariant, Vec<NodeId>, Option<u64>)>,
}

impl RaftChecker {
    pub fn new() -> RaftChecker {
        RaftChecker::default()
    }

    /// Every violation found so far, in the order found.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Checks the state after event number `event`: the facts the event produced and the observations of
    /// the nodes it touched (passing every node is fine, just slower). Returns the new violations.
    pub fn observe(
        &mut self,
        event: u64,
        facts: &[RaftFact],
        nodes: &[NodeObservation],
    ) -> Vec<Violation> {
        let mut found = Vec::new();
        for fact in facts {
            self.check_fact(event, fact, &mut found);
        }
        for obs in nodes {
            self.check_node(event, obs, &mut found);
            self.last.insert(obs.id, obs.clone());
        }
        found.retain(|v| {
            self.reported
                .insert((v.invariant, v.nodes.clone(), v.index))
        });
        self.violations.extend(found.iter().cloned());
        found
    }

    fn check_fact(&mut self, event: u64, fact: &RaftFact, found: &mut Vec<Violation>) {
        match *fact {
            RaftFact::BecameLeader { node, term } => {
                let first = *self.leaders.entry(term).or_insert(node);
                if first != node {
                    found.push(Violation {
                        event,
                        invariant: Invariant::ElectionSafety,
                        nodes: vec![first, node],
                        index: None,
                        detail: format!("two leaders in term {term}"),
                    });
                }
            }
            RaftFact::Applied {
                node,
                index,
                term,
                digest,
            } => {
                let (t, d, n) = *self.applied.entry(index).or_insert((term, digest, node));
                if (t, d) != (term, digest) {
                    found.push(Violation {
                        event,
                        invariant: Invariant::StateMachineSafety,
                        nodes: vec![n, node],
                        index: Some(index),
                        detail: format!(
                            "{n} applied an entry of term {t}, {node} one of term {term}"
                        ),
                    });
                }
            }
        }
    }

    fn check_node(&mut self, event: u64, obs: &NodeObservation, found: &mut Vec<Violation>) {
        let id = obs.id;
        let v = |invariant, nodes: Vec<NodeId>, index, detail: String| Violation {
            event,
            invariant,
            nodes,
            index,
            detail,
        };
        if let Some(prev) = self.last.get(&id) {
            if obs.term < prev.term {
                found.push(v(
                    Invariant::Monotonic,
                    vec![id],
                    None,
                    format!("term went {} -> {}", prev.term, obs.term),
                ));
            }
            if obs.generation == prev.generation {
                if obs.commit < prev.commit {
                    let detail = format!("commit went {} -> {}", prev.commit, obs.commit);
                    found.push(v(Invariant::Monotonic, vec![id], Some(obs.commit), detail));
                }
                if obs.applied < prev.applied {
                    let detail = format!("applied went {} -> {}", prev.applied, obs.applied);
                    found.push(v(Invariant::Monotonic, vec![id], Some(obs.applied), detail));
                }
                // Leader Append-Only: same life, still leader of the same term.
                if prev.role == ObservedRole::Leader
                    && obs.role == ObservedRole::Leader
                    && prev.term == obs.term
                {
                    for e in prev.log.iter().filter(|e| e.index > obs.snapshot_index) {
                        if obs.entry(e.index) != Some(e) {
                            let detail =
                                format!("entry {}@{} was changed or removed", e.index, e.term);
                            found.push(v(
                                Invariant::LeaderAppendOnly,
                                vec![id],
                                Some(e.index),
                                detail,
                            ));
                            break;
                        }
                    }
                }
            }
        }
        if obs.role == ObservedRole::Leader {
            let first = *self.leaders.entry(obs.term).or_insert(id);
            if first != id {
                let detail = format!("two leaders in term {}", obs.term);
                found.push(v(Invariant::ElectionSafety, vec![first, id], None, detail));
            }
            // Leader Completeness: every entry committed before this leader's term is in its log.
            for (index, c) in self.committed.range(obs.snapshot_index..) {
                if c.seen_in_term >= obs.term {
                    continue;
                }
                let held = if *index == obs.snapshot_index {
                    obs.snapshot_term == c.term
                } else {
                    obs.entry(*index)
                        .is_some_and(|e| e.term == c.term && e.digest == c.digest)
                };
                if !held {
                    let detail = format!(
                        "leader of term {} lacks entry {index}@{} committed (by {}'s report) in term {}",
                        obs.term, c.term, c.node, c.seen_in_term
                    );
                    found.push(v(
                        Invariant::LeaderCompleteness,
                        vec![id, c.node],
                        Some(*index),
                        detail,
                    ));
                    break;
                }
            }
        }
        // Committed entries: record the first report, compare every later one.
        for e in obs.log.iter().take_while(|e| e.index <= obs.commit) {
            let entry = self.committed.entry(e.index).or_insert(Committed {
                term: e.term,
                digest: e.digest,
                node: id,
                seen_in_term: obs.term,
            });
            if (entry.term, entry.digest) != (e.term, e.digest) {
                let detail = format!(
                    "{id} reports {}@{} committed where {} reported {}@{}",
                    e.index, e.term, entry.node, e.index, entry.term
                );
                found.push(v(
                    Invariant::CommittedNeverLost,
                    vec![id, entry.node],
                    Some(e.index),
                    detail,
                ));
                break;
            }
        }
        if let Some(d) = obs.machine_digest {
            let (first, n) = *self.machine.entry(obs.applied).or_insert((d, id));
            if first != d {
                let detail = format!(
                    "state machines of {n} and {id} differ after applying {}",
                    obs.applied
                );
                found.push(v(
                    Invariant::StateMachineSafety,
                    vec![n, id],
                    Some(obs.applied),
                    detail,
                ));
            }
        }
        // Log Matching against every other node's latest log.
        for (other_id, other) in &self.last {
            if *other_id == id {
                continue;
            }
            if let Some(index) = log_mismatch(obs, other) {
                let detail = format!(
                    "logs agree on the term at {index} but not on the entry or its predecessor"
                );
                found.push(v(
                    Invariant::LogMatching,
                    vec![id, *other_id],
                    Some(index),
                    detail,
                ));
            }
        }
    }
}

/// The first index where two logs break Log Matching: same term but different entry, or same term with
/// different terms just before.
fn log_mismatch(a: &NodeObservation, b: &NodeObservation) -> Option<u64> {
    let lo = a.snapshot_index.max(b.snapshot_index) + 1;
    let hi = (a.snapshot_index + a.log.len() as u64).min(b.snapshot_index + b.log.len() as u64);
    let mut index = lo;
    while index <= hi {
        let (ea, eb) = (a.entry(index)?, b.entry(index)?);
        if ea.term == eb.term {
            if ea.digest != eb.digest {
                return Some(index);
            }
            let (pa, pb) = (a.term_at(index - 1), b.term_at(index - 1));
            if let (Some(pa), Some(pb)) = (pa, pb) {
                if pa != pb {
                    return Some(index);
                }
            }
        }
        index += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::ObservedEntry;
    use super::*;

    fn obs(
        id: u32,
        term: u64,
        role: ObservedRole,
        commit: u64,
        log: &[(u64, u64)],
    ) -> NodeObservation {
        NodeObservation {
            id: NodeId(id),
            generation: 0,
            term,
            role,
            commit,
            applied: commit,
            snapshot_index: 0,
            snapshot_term: 0,
            log: log
                .iter()
                .map(|(i, t)| ObservedEntry {
                    index: *i,
                    term: *t,
                    digest: i * 100 + t,
                })
                .collect(),
            machine_digest: None,
        }
    }

    #[test]
    fn a_leader_missing_a_committed_entry_is_reported_at_that_index() {
        let mut c = RaftChecker::new();
        assert!(c
            .observe(
                1,
                &[],
                &[obs(1, 4, ObservedRole::Leader, 2, &[(1, 1), (2, 2)])]
            )
            .is_empty());
        let found = c.observe(
            2,
            &[],
            &[obs(5, 5, ObservedRole::Leader, 1, &[(1, 1), (2, 3)])],
        );
        assert_eq!(found[0].invariant, Invariant::LeaderCompleteness);
        assert_eq!(found[0].index, Some(2));
        assert_eq!(found[0].event, 2);
    }

    #[test]
    fn two_leaders_in_a_term_and_a_decreasing_term_are_reported() {
        let mut c = RaftChecker::new();
        let facts = [
            RaftFact::BecameLeader {
                node: NodeId(1),
                term: 3,
            },
            RaftFact::BecameLeader {
                node: NodeId(2),
                term: 3,
            },
        ];
        assert_eq!(
            c.observe(7, &facts, &[])[0].invariant,
            Invariant::ElectionSafety
        );
        c.observe(8, &[], &[obs(3, 5, ObservedRole::Follower, 0, &[])]);
        assert_eq!(
            c.observe(9, &[], &[obs(3, 4, ObservedRole::Follower, 0, &[])])[0].invariant,
            Invariant::Monotonic
        );
    }

    #[test]
    fn log_matching_catches_a_diverging_prefix() {
        let mut c = RaftChecker::new();
        c.observe(
            1,
            &[],
            &[obs(1, 3, ObservedRole::Follower, 0, &[(1, 1), (2, 3)])],
        );
        let mut b = obs(2, 3, ObservedRole::Follower, 0, &[(1, 2), (2, 3)]);
        b.log[1].digest = 203; // same entry at 2, different predecessor term
        let found = c.observe(2, &[], &[b]);
        assert_eq!(found[0].invariant, Invariant::LogMatching);
        assert_eq!(found[0].index, Some(2));
    }
}

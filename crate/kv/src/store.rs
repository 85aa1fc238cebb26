//! The etcd-style KV state machine as a pure data structure: no IO, no time, ordered maps only.
//!
//! The revision model is etcd's MVCC (`server/storage/mvcc`): the store has one revision counter,
//! starting at 1; every request that changes something (a put, a delete that deletes, a txn whose
//! branch writes, a lease revoke that deletes keys) advances it by exactly one, and every key it
//! touches gets that revision as its `mod_revision`. A key's `create_revision` is the revision of the
//! put that created it and its `version` counts puts since then; a delete removes the key, so the next
//! put starts again at version 1 with a new create revision.
//!
//! Lease *time* is not here: when a lease expires is the leader's business ([`crate::KvNode`]); the
//! store only knows each lease's TTL and attached keys, and revokes a lease when a revoke is applied.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::consul::ConsulState;
use crate::types::{
    CmpOp, Compare, EventKind, KeyRange, KeyValue, KvError, LeaseId, Op, OpResult, Reply, Request,
    Response, Revision, Target, Txn, WatchEvent,
};

/// A lease as the replicated state knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub id: LeaseId,
    pub ttl_ms: u64,
    /// Keys attached to the lease. Invariant: `k` is here iff `keys[k].lease == id`.
    pub keys: BTreeSet<String>,
}

/// The store. Every node applies the same committed requests in the same order and so holds the same
/// store at the same applied index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Store {
    /// The current revision. Invariant: equals the `mod_revision` of the newest change (1 when empty).
    revision: Revision,
    keys: BTreeMap<String, KeyValue>,
    leases: BTreeMap<LeaseId, Lease>,
    /// The id the next granted lease gets.
    next_lease: LeaseId,
    /// Every change in revision order (what watchers replay from a revision).
    events: Vec<WatchEvent>,
    /// Per client: the last sequence number applied and its reply, so that a retried request that Raft
    /// reports as a duplicate gets the original answer (thesis §6.3).
    sessions: BTreeMap<u64, (u64, Reply)>,
    /// Consul's sessions and lock entries, a key space of their own.
    consul: ConsulState,
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    pub fn new() -> Store {
        Store {
            revision: 1,
            keys: BTreeMap::new(),
            leases: BTreeMap::new(),
            next_lease: 1,
            events: Vec::new(),
            sessions: BTreeMap::new(),
            consul: ConsulState::default(),
        }
    }

    pub fn consul(&self) -> &ConsulState {
        &self.consul
    }

    pub fn revision(&self) -> Revision {
        self.revision
    }

    pub fn get(&self, key: &str) -> Option<&KeyValue> {
        self.keys.get(key)
    }

    /// Every key, in key order.
    pub fn keys(&self) -> impl Iterator<Item = &KeyValue> {
        self.keys.values()
    }

    pub fn leases(&self) -> impl Iterator<Item = &Lease> {
        self.leases.values()
    }

    pub fn lease(&self, id: LeaseId) -> Option<&Lease> {
        self.leases.get(&id)
    }

    /// The keys in `range`, in key order.
    pub fn range(&self, range: &KeyRange) -> Vec<KeyValue> {
        match &range.end {
            None => self.keys.get(&range.key).cloned().into_iter().collect(),
            Some(_) => self
                .keys
                .range(range.key.clone()..)
                .map(|(_, kv)| kv)
                .take_while(|kv| range.contains(&kv.key))
                .cloned()
                .collect(),
        }
    }

    /// Changes to keys in `range` at revision `from` or later, in revision order (etcd's watch with
    /// `start_revision`).
    pub fn events_since(&self, range: &KeyRange, from: Revision) -> Vec<WatchEvent> {
        let start = self.events.partition_point(|e| e.kv.mod_revision < from);
        self.events[start..]
            .iter()
            .filter(|e| range.contains(&e.kv.key))
            .cloned()
            .collect()
    }

    /// The reply recorded for `client`'s request `seq`, if that was its last applied request.
    pub fn session_reply(&self, client: u64, seq: u64) -> Option<&Reply> {
        self.sessions
            .get(&client)
            .filter(|(s, _)| *s == seq)
            .map(|(_, r)| r)
    }

    /// Applies a request made in a client session and remembers its reply for retries.
    pub fn apply_in_session(&mut self, client: u64, seq: u64, request: &Request, at: u64) -> Reply {
        let reply = self.apply_at(request, at);
        self.sessions.insert(client, (seq, reply.clone()));
        reply
    }

    /// Applies one request. A refused request (`Err` in the reply) changed nothing.
    pub fn apply(&mut self, request: &Request) -> Reply {
        self.apply_at(request, 0)
    }

    /// Applies one request that was proposed at time `at` (µs; only Consul's lock-delay reads it).
    pub fn apply_at(&mut self, request: &Request, at: u64) -> Reply {
        let result = match request {
            Request::Op(op) => self
                .apply_txn(&Txn {
                    compare: Vec::new(),
                    success: vec![op.clone()],
                    failure: Vec::new(),
                })
                .map(|r| match r {
                    Response::Txn { mut results, .. } if results.len() == 1 => {
                        Response::Op(results.remove(0))
                    }
                    other => other,
                }),
            Request::Txn(txn) => self.apply_txn(txn),
            Request::LeaseGrant { ttl_ms } => self.grant(*ttl_ms),
            Request::LeaseRevoke { id } => self.revoke(*id),
            // Renewal is the leader's clock business; the store only says whether the lease exists.
            Request::LeaseKeepAlive { id } => match self.leases.get(id) {
                Some(l) => Ok(Response::LeaseKeepAlive {
                    id: *id,
                    ttl_ms: l.ttl_ms,
                }),
                None => Err(KvError::LeaseNotFound(*id)),
            },
            Request::Consul(c) => Ok(Response::Consul(self.consul.apply(c, at))),
        };
        Reply {
            revision: self.revision,
            result,
        }
    }

    /// Whether one compare holds now. A missing key has version, create and mod revision 0 and lease 0;
    /// a value compare on a missing key is false (etcd's `compareKV`).
    pub fn compare(&self, c: &Compare) -> bool {
        let kv = self.keys.get(&c.key);
        let ord = match &c.target {
            Target::Value(v) => match kv {
                Some(kv) => kv.value.as_str().cmp(v.as_str()),
                None => return false,
            },
            Target::Version(v) => kv.map_or(0, |k| k.version).cmp(v),
            Target::CreateRevision(v) => kv.map_or(0, |k| k.create_revision).cmp(v),
            Target::ModRevision(v) => kv.map_or(0, |k| k.mod_revision).cmp(v),
            Target::Lease(v) => kv.map_or(0, |k| k.lease).cmp(v),
        };
        match c.op {
            CmpOp::Equal => ord.is_eq(),
            CmpOp::NotEqual => ord.is_ne(),
            CmpOp::Greater => ord.is_gt(),
            CmpOp::Less => ord.is_lt(),
        }
    }

    fn apply_txn(&mut self, txn: &Txn) -> Result<Response, KvError> {
        let succeeded = txn.compare.iter().all(|c| self.compare(c));
        let ops = if succeeded {
            &txn.success
        } else {
            &txn.failure
        };
        // Validate before changing anything: a refused txn changes nothing.
        for op in ops {
            if let Op::Put { lease, .. } = op {
                if *lease != 0 && !self.leases.contains_key(lease) {
                    return Err(KvError::LeaseNotFound(*lease));
                }
            }
        }
        let rev = self.revision + 1;
        let mut changed = false;
        let results = ops
            .iter()
            .map(|op| self.exec(op, rev, &mut changed))
            .collect();
        if changed {
            self.revision = rev;
        }
        Ok(Response::Txn { succeeded, results })
    }

    fn exec(&mut self, op: &Op, rev: Revision, changed: &mut bool) -> OpResult {
        match op {
            Op::Range(r) => OpResult::Range { kvs: self.range(r) },
            Op::Put { key, value, lease } => {
                let prev = self.keys.get(key).cloned();
                let kv = KeyValue {
                    key: key.clone(),
                    value: value.clone(),
                    create_revision: prev.as_ref().map_or(rev, |p| p.create_revision),
                    mod_revision: rev,
                    version: prev.as_ref().map_or(1, |p| p.version + 1),
                    lease: *lease,
                };
                if let Some(p) = &prev {
                    if p.lease != *lease {
                        self.detach(p.lease, key);
                    }
                }
                if *lease != 0 {
                    if let Some(l) = self.leases.get_mut(lease) {
                        l.keys.insert(key.clone());
                    }
                }
                self.keys.insert(key.clone(), kv.clone());
                self.events.push(WatchEvent {
                    kind: EventKind::Put,
                    kv,
                });
                *changed = true;
                OpResult::Put { prev }
            }
            Op::Delete(r) => {
                let deleted = self.range(r);
                for kv in &deleted {
                    self.delete_key(&kv.key, rev);
                    *changed = true;
                }
                OpResult::Delete { deleted }
            }
        }
    }

    fn delete_key(&mut self, key: &str, rev: Revision) {
        if let Some(kv) = self.keys.remove(key) {
            self.detach(kv.lease, key);
            self.events.push(WatchEvent {
                kind: EventKind::Delete,
                kv: KeyValue {
                    key: kv.key,
                    value: String::new(),
                    create_revision: 0,
                    mod_revision: rev,
                    version: 0,
                    lease: 0,
                },
            });
        }
    }

    fn detach(&mut self, lease: LeaseId, key: &str) {
        if let Some(l) = self.leases.get_mut(&lease) {
            l.keys.remove(key);
        }
    }

    fn grant(&mut self, ttl_ms: u64) -> Result<Response, KvError> {
        if ttl_ms == 0 {
            return Err(KvError::BadTtl);
        }
        let id = self.next_lease;
        self.next_lease += 1;
        self.leases.insert(
            id,
            Lease {
                id,
                ttl_ms,
                keys: BTreeSet::new(),
            },
        );
        Ok(Response::LeaseGrant { id, ttl_ms })
    }

    /// Revokes a lease and deletes its keys, all at one new revision (etcd's `lessor.Revoke` runs the
    /// deletions in one txn). Used both by clients and by the leader's expiry.
    fn revoke(&mut self, id: LeaseId) -> Result<Response, KvError> {
        let lease = self.leases.remove(&id).ok_or(KvError::LeaseNotFound(id))?;
        let rev = self.revision + 1;
        let deleted: Vec<String> = lease.keys.into_iter().collect();
        for key in &deleted {
            self.delete_key(key, rev);
        }
        if !deleted.is_empty() {
            self.revision = rev;
        }
        Ok(Response::LeaseRevoke { deleted })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(key: &str, value: &str) -> Request {
        Request::Op(Op::Put {
            key: key.into(),
            value: value.into(),
            lease: 0,
        })
    }
    fn put_lease(key: &str, value: &str, lease: LeaseId) -> Request {
        Request::Op(Op::Put {
            key: key.into(),
            value: value.into(),
            lease,
        })
    }
    fn del(key: &str) -> Request {
        Request::Op(Op::Delete(KeyRange::single(key)))
    }
    fn cmp(key: &str, op: CmpOp, target: Target) -> Compare {
        Compare {
            key: key.into(),
            op,
            target,
        }
    }
    fn grant(s: &mut Store, ttl_ms: u64) -> LeaseId {
        match s.apply(&Request::LeaseGrant { ttl_ms }).result {
            Ok(Response::LeaseGrant { id, .. }) => id,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_mutating_request_advances_the_revision_by_one() {
        let mut s = Store::new();
        assert_eq!(s.revision(), 1);
        assert_eq!(s.apply(&put("a", "1")).revision, 2);
        assert_eq!(s.apply(&put("b", "1")).revision, 3);
        // A txn writing two keys is one revision, shared by both keys.
        let txn = Request::Txn(Txn {
            compare: vec![],
            success: vec![
                Op::Put {
                    key: "a".into(),
                    value: "2".into(),
                    lease: 0,
                },
                Op::Put {
                    key: "c".into(),
                    value: "2".into(),
                    lease: 0,
                },
            ],
            failure: vec![],
        });
        assert_eq!(s.apply(&txn).revision, 4);
        assert_eq!(s.get("a").unwrap().mod_revision, 4);
        assert_eq!(s.get("c").unwrap().mod_revision, 4);
    }

    #[test]
    fn reads_and_deletes_of_nothing_leave_the_revision_alone() {
        let mut s = Store::new();
        s.apply(&put("a", "1"));
        s.apply(&Request::Op(Op::Range(KeyRange::single("a"))));
        s.apply(&del("zzz"));
        assert_eq!(s.revision(), 2);
    }

    #[test]
    fn a_put_keeps_create_revision_and_bumps_version() {
        let mut s = Store::new();
        s.apply(&put("k", "1"));
        s.apply(&put("other", "x"));
        s.apply(&put("k", "2"));
        let kv = s.get("k").unwrap();
        assert_eq!((kv.create_revision, kv.mod_revision, kv.version), (2, 4, 2));
    }

    #[test]
    fn a_delete_resets_version_and_create_revision() {
        let mut s = Store::new();
        s.apply(&put("k", "1"));
        s.apply(&put("k", "2"));
        let r = s.apply(&del("k"));
        assert_eq!(r.revision, 4);
        assert!(s.get("k").is_none());
        s.apply(&put("k", "3"));
        let kv = s.get("k").unwrap();
        assert_eq!((kv.create_revision, kv.mod_revision, kv.version), (5, 5, 1));
    }

    #[test]
    fn a_range_returns_keys_in_order_within_bounds() {
        let mut s = Store::new();
        for k in ["a/2", "a/1", "b", "a/3", "a"] {
            s.apply(&put(k, "v"));
        }
        let got: Vec<String> = s
            .range(&KeyRange::prefix("a/"))
            .into_iter()
            .map(|kv| kv.key)
            .collect();
        assert_eq!(got, ["a/1", "a/2", "a/3"]);
        let r = KeyRange {
            key: "a/2".into(),
            end: Some("b".into()),
        };
        assert_eq!(s.range(&r).len(), 2);
        // A delete over a range removes every key in it at one revision.
        let rev = s
            .apply(&Request::Op(Op::Delete(KeyRange::prefix("a/"))))
            .revision;
        assert_eq!(rev, 7);
        assert_eq!(s.keys().count(), 2);
    }

    #[test]
    fn a_txn_whose_compare_holds_runs_the_then_branch() {
        let mut s = Store::new();
        s.apply(&put("k", "1"));
        let txn = Request::Txn(Txn {
            compare: vec![cmp("k", CmpOp::Equal, Target::Value("1".into()))],
            success: vec![Op::Put {
                key: "k".into(),
                value: "2".into(),
                lease: 0,
            }],
            failure: vec![Op::Range(KeyRange::single("k"))],
        });
        let r = s.apply(&txn);
        assert!(matches!(
            r.result,
            Ok(Response::Txn {
                succeeded: true,
                ..
            })
        ));
        assert_eq!(s.get("k").unwrap().value, "2");
    }

    #[test]
    fn a_txn_whose_compare_fails_runs_the_else_branch() {
        let mut s = Store::new();
        s.apply(&put("k", "1"));
        let txn = Request::Txn(Txn {
            compare: vec![cmp("k", CmpOp::Equal, Target::Value("9".into()))],
            success: vec![Op::Put {
                key: "k".into(),
                value: "2".into(),
                lease: 0,
            }],
            failure: vec![Op::Range(KeyRange::single("k"))],
        });
        let r = s.apply(&txn);
        match r.result {
            Ok(Response::Txn {
                succeeded: false,
                results,
            }) => {
                assert!(matches!(&results[0], OpResult::Range { kvs } if kvs[0].value == "1"))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.get("k").unwrap().value, "1");
        assert_eq!(
            r.revision, 2,
            "a read-only branch does not advance the revision"
        );
    }

    #[test]
    fn compares_on_a_missing_key_see_zero_and_no_value() {
        let mut s = Store::new();
        assert!(s.compare(&cmp("k", CmpOp::Equal, Target::Version(0))));
        assert!(s.compare(&cmp("k", CmpOp::Equal, Target::CreateRevision(0))));
        assert!(s.compare(&cmp("k", CmpOp::Equal, Target::ModRevision(0))));
        assert!(s.compare(&cmp("k", CmpOp::Equal, Target::Lease(0))));
        assert!(!s.compare(&cmp("k", CmpOp::Equal, Target::Value(String::new()))));
        assert!(!s.compare(&cmp("k", CmpOp::NotEqual, Target::Value("x".into()))));
        s.apply(&put("k", "b"));
        assert!(s.compare(&cmp("k", CmpOp::Greater, Target::Value("a".into()))));
        assert!(s.compare(&cmp("k", CmpOp::Less, Target::ModRevision(3))));
        assert!(s.compare(&cmp("k", CmpOp::Greater, Target::Version(0))));
    }

    #[test]
    fn compares_on_create_and_mod_revision_fence_a_write() {
        // The lock recipe's fence: "write only if my key still has the create revision I got".
        let mut s = Store::new();
        s.apply(&put("lock/1", "me"));
        let token = s.get("lock/1").unwrap().create_revision;
        let fenced = |token| {
            Request::Txn(Txn {
                compare: vec![cmp("lock/1", CmpOp::Equal, Target::CreateRevision(token))],
                success: vec![Op::Put {
                    key: "data".into(),
                    value: "x".into(),
                    lease: 0,
                }],
                failure: vec![],
            })
        };
        assert!(matches!(
            s.apply(&fenced(token)).result,
            Ok(Response::Txn {
                succeeded: true,
                ..
            })
        ));
        s.apply(&del("lock/1"));
        s.apply(&put("lock/1", "someone else"));
        assert!(matches!(
            s.apply(&fenced(token)).result,
            Ok(Response::Txn {
                succeeded: false,
                ..
            })
        ));
    }

    #[test]
    fn a_put_under_a_missing_lease_is_refused_and_changes_nothing() {
        let mut s = Store::new();
        s.apply(&put("k", "1"));
        let before = s.clone();
        let r = s.apply(&put_lease("k", "2", 42));
        assert_eq!(r.result, Err(KvError::LeaseNotFound(42)));
        assert_eq!(s, before);
    }

    #[test]
    fn revoking_a_lease_deletes_its_keys_at_one_revision() {
        let mut s = Store::new();
        let id = grant(&mut s, 1000);
        assert_eq!(s.revision(), 1, "a grant writes no key");
        s.apply(&put_lease("a", "1", id));
        s.apply(&put_lease("b", "1", id));
        s.apply(&put("c", "1"));
        let r = s.apply(&Request::LeaseRevoke { id });
        assert_eq!(r.revision, 5);
        assert_eq!(
            r.result,
            Ok(Response::LeaseRevoke {
                deleted: vec!["a".into(), "b".into()]
            })
        );
        assert!(s.get("a").is_none() && s.get("b").is_none() && s.get("c").is_some());
        assert!(s.lease(id).is_none());
        assert_eq!(
            s.apply(&Request::LeaseRevoke { id }).result,
            Err(KvError::LeaseNotFound(id))
        );
    }

    #[test]
    fn a_put_without_the_lease_detaches_the_key() {
        let mut s = Store::new();
        let id = grant(&mut s, 1000);
        s.apply(&put_lease("a", "1", id));
        s.apply(&put("a", "2"));
        assert!(s.lease(id).unwrap().keys.is_empty());
        s.apply(&Request::LeaseRevoke { id });
        assert_eq!(s.get("a").unwrap().value, "2");
    }

    #[test]
    fn watch_from_a_revision_replays_changes_in_order() {
        let mut s = Store::new();
        s.apply(&put("a", "1")); // 2
        s.apply(&put("b", "1")); // 3
        s.apply(&put("a", "2")); // 4
        s.apply(&del("a")); // 5
        let evs = s.events_since(&KeyRange::single("a"), 3);
        let got: Vec<(EventKind, Revision)> =
            evs.iter().map(|e| (e.kind, e.kv.mod_revision)).collect();
        assert_eq!(got, [(EventKind::Put, 4), (EventKind::Delete, 5)]);
        assert_eq!(s.events_since(&KeyRange::prefix(""), 1).len(), 4);
    }

    #[test]
    fn a_retried_request_gets_the_reply_of_its_first_application() {
        let mut s = Store::new();
        let first = s.apply_in_session(7, 1, &put("a", "1"), 0);
        s.apply(&put("a", "2"));
        assert_eq!(s.session_reply(7, 1), Some(&first));
        assert_eq!(s.session_reply(7, 2), None);
    }
}

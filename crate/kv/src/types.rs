//! The KV vocabulary: requests, responses, compares, watch events. Names follow etcd's v3 API
//! (`etcdserverpb`): Range, Put, DeleteRange, Txn, LeaseGrant, LeaseRevoke, LeaseKeepAlive.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::consul::{ConsulRequest, ConsulResponse};

/// A store revision (etcd's `header.revision`). The store starts at revision 1; each request that
/// changes something advances it by exactly one.
pub type Revision = u64;

/// A lease id. `0` means "no lease" (etcd's `NoLease`).
pub type LeaseId = u64;

/// A key as the store holds it (etcd's `mvccpb.KeyValue`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
    /// The revision of the put that created the key (since its last deletion).
    pub create_revision: Revision,
    /// The revision of the last change to the key.
    pub mod_revision: Revision,
    /// Puts since creation, starting at 1. Invariant: a deleted key has no entry, so its next put has 1.
    pub version: u64,
    /// The lease the key is attached to; 0 for none.
    pub lease: LeaseId,
}

/// The keys a range or a delete covers: `key` alone, or `[key, end)` (etcd's `range_end`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRange {
    pub key: String,
    /// Exclusive end; `None` for the single key `key`.
    pub end: Option<String>,
}

impl KeyRange {
    pub fn single(key: impl Into<String>) -> KeyRange {
        KeyRange {
            key: key.into(),
            end: None,
        }
    }
    /// Every key starting with `prefix` (etcd's `WithPrefix`).
    pub fn prefix(prefix: impl Into<String>) -> KeyRange {
        let key: String = prefix.into();
        let end = prefix_end(&key);
        KeyRange {
            key,
            end: Some(end),
        }
    }
    pub fn contains(&self, k: &str) -> bool {
        match &self.end {
            None => k == self.key,
            Some(end) => k >= self.key.as_str() && (end.is_empty() || k < end.as_str()),
        }
    }
}

/// The smallest string greater than every string with this prefix; empty means "to the end".
fn prefix_end(prefix: &str) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return chars.into_iter().collect();
        }
    }
    String::new()
}

/// One operation inside a request or a txn branch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    Range(KeyRange),
    Put {
        key: String,
        value: String,
        /// Attach the key to this lease (0: none). The lease must exist.
        lease: LeaseId,
    },
    Delete(KeyRange),
}

/// What a compare looks at (etcd's `Compare.target`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    Value(String),
    Version(u64),
    CreateRevision(Revision),
    ModRevision(Revision),
    Lease(LeaseId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CmpOp {
    Equal,
    NotEqual,
    Greater,
    Less,
}

/// `key`'s `target` field compared with `op` to the target's value (etcd's `Compare`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compare {
    pub key: String,
    pub op: CmpOp,
    pub target: Target,
}

/// A transaction (etcd's `TxnRequest`): if every compare holds, run `success`, else `failure`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Txn {
    pub compare: Vec<Compare>,
    pub success: Vec<Op>,
    pub failure: Vec<Op>,
}

/// A client request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    Op(Op),
    Txn(Txn),
    /// Grant a lease that lives `ttl_ms` milliseconds without a keep-alive.
    LeaseGrant {
        ttl_ms: u64,
    },
    LeaseRevoke {
        id: LeaseId,
    },
    /// Renew a lease on the leader (not replicated, as in etcd's lessor).
    LeaseKeepAlive {
        id: LeaseId,
    },
    /// Consul's sessions and locks ([`crate::consul`]).
    Consul(ConsulRequest),
}

impl Request {
    /// Whether the request only reads (served through ReadIndex instead of the log).
    pub fn is_read(&self) -> bool {
        match self {
            Request::Op(Op::Range(_)) => true,
            Request::Consul(c) => c.is_read(),
            _ => false,
        }
    }

    /// Whether the request renews something on the leader's clock (a lease or a Consul session):
    /// served after a read point confirms leadership, never through the log.
    pub fn is_renewal(&self) -> bool {
        matches!(
            self,
            Request::LeaseKeepAlive { .. } | Request::Consul(ConsulRequest::SessionRenew { .. })
        )
    }
}

/// The result of one operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpResult {
    Range { kvs: Vec<KeyValue> },
    Put { prev: Option<KeyValue> },
    Delete { deleted: Vec<KeyValue> },
}

/// A successful response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    Op(OpResult),
    Txn {
        succeeded: bool,
        results: Vec<OpResult>,
    },
    LeaseGrant {
        id: LeaseId,
        ttl_ms: u64,
    },
    LeaseRevoke {
        deleted: Vec<String>,
    },
    LeaseKeepAlive {
        id: LeaseId,
        ttl_ms: u64,
    },
    Consul(ConsulResponse),
}

/// Why a request was refused. `NotLeader` and `Dropped` come from the node, the others from the store;
/// a refused store request changed nothing.
#[derive(Clone, Debug, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum KvError {
    #[error("lease {0} not found")]
    LeaseNotFound(LeaseId),
    #[error("a lease needs a positive ttl")]
    BadTtl,
    /// The node cannot take the request; retry at `leader` if known. The request was not accepted.
    #[error("not the leader (leader: {})", leader.map_or_else(|| "unknown".to_string(), |l| format!("n{l}")))]
    NotLeader { leader: Option<u32> },
    /// The node accepted a read but could not serve it (its leader dropped it). Nothing changed.
    #[error("read dropped")]
    ReadDropped,
}

/// A reply: the store revision when the request was served, and the result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub revision: Revision,
    pub result: Result<Response, KvError>,
}

/// One change, as a watcher sees it (etcd's `mvccpb.Event`). For a delete, `kv` holds the key with
/// `mod_revision` set to the deleting revision and an empty value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchEvent {
    pub kind: EventKind,
    pub kv: KeyValue,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    Put,
    Delete,
}

// ---- one-line text forms -------------------------------------------------------------------------

impl fmt::Display for KeyRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.end {
            None => write!(f, "{}", self.key),
            Some(end) => write!(f, "[{}, {})", self.key, end),
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Range(r) => write!(f, "get {r}"),
            Op::Put { key, value, lease } => {
                write!(f, "put {key}={value}")?;
                if *lease != 0 {
                    write!(f, " lease={lease}")?;
                }
                Ok(())
            }
            Op::Delete(r) => write!(f, "del {r}"),
        }
    }
}

impl fmt::Display for Compare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            CmpOp::Equal => "==",
            CmpOp::NotEqual => "!=",
            CmpOp::Greater => ">",
            CmpOp::Less => "<",
        };
        match &self.target {
            Target::Value(v) => write!(f, "value({}) {op} {v}", self.key),
            Target::Version(v) => write!(f, "version({}) {op} {v}", self.key),
            Target::CreateRevision(v) => write!(f, "create({}) {op} {v}", self.key),
            Target::ModRevision(v) => write!(f, "mod({}) {op} {v}", self.key),
            Target::Lease(v) => write!(f, "lease({}) {op} {v}", self.key),
        }
    }
}

fn list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{x}")?;
    }
    Ok(())
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Request::Op(op) => write!(f, "{op}"),
            Request::Txn(t) => {
                f.write_str("txn if ")?;
                list(f, &t.compare)?;
                f.write_str(" then ")?;
                list(f, &t.success)?;
                f.write_str(" else ")?;
                list(f, &t.failure)
            }
            Request::LeaseGrant { ttl_ms } => write!(f, "lease grant {ttl_ms}ms"),
            Request::LeaseRevoke { id } => write!(f, "lease revoke {id}"),
            Request::LeaseKeepAlive { id } => write!(f, "lease keepalive {id}"),
            Request::Consul(c) => write!(f, "{c}"),
        }
    }
}

impl fmt::Display for KeyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}={} (c{} m{} v{}",
            self.key, self.value, self.create_revision, self.mod_revision, self.version
        )?;
        if self.lease != 0 {
            write!(f, " lease={}", self.lease)?;
        }
        f.write_str(")")
    }
}

impl fmt::Display for OpResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpResult::Range { kvs } if kvs.is_empty() => f.write_str("none"),
            OpResult::Range { kvs } => list(f, kvs),
            OpResult::Put { .. } => f.write_str("put"),
            OpResult::Delete { deleted } => write!(f, "deleted {}", deleted.len()),
        }
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rev={} ", self.revision)?;
        match &self.result {
            Err(e) => write!(f, "error: {e}"),
            Ok(Response::Op(r)) => write!(f, "{r}"),
            Ok(Response::Txn { succeeded, results }) => {
                write!(f, "txn {}", if *succeeded { "then" } else { "else" })?;
                if !results.is_empty() {
                    f.write_str(": ")?;
                    list(f, results)?;
                }
                Ok(())
            }
            Ok(Response::LeaseGrant { id, ttl_ms }) => write!(f, "lease {id} ttl={ttl_ms}ms"),
            Ok(Response::LeaseRevoke { deleted }) => {
                write!(f, "revoked, {} keys deleted", deleted.len())
            }
            Ok(Response::LeaseKeepAlive { id, ttl_ms }) => {
                write!(f, "lease {id} renewed ttl={ttl_ms}ms")
            }
            Ok(Response::Consul(c)) => write!(f, "{c}"),
        }
    }
}

impl fmt::Display for WatchEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            EventKind::Put => write!(f, "PUT {}", self.kv),
            EventKind::Delete => write!(f, "DELETE {}@{}", self.kv.key, self.kv.mod_revision),
        }
    }
}

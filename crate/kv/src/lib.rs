//! Replicated state machines on the Raft engine: an etcd-style key-value store with Consul-style
//! sessions and locks, the simulated clients that drive it, and the model their histories are checked
//! against.
//!
//! Map:
//! - [`store`]: the state machine, a pure data structure: etcd's revision model, txn, leases (their
//!   keys, not their clocks), the watch history, the per-client reply cache;
//! - [`consul`]: Consul's sessions, acquire / release, lock index, lock-delay and sequencer;
//! - [`types`]: requests, responses, compares and watch events (etcd's v3 vocabulary);
//! - [`node`]: [`KvNode`], the composite engine: Raft plus the store, reads through Raft's read point,
//!   lease and session expiry decided on the leader's clock and replicated;
//! - [`script`]: the scenario words (`engine kv`);
//! - [`model`]: [`KvRegisters`], per-key get / put / cas registers for crate/check's checker;
//! - `sweep` (feature, default on): the cluster on the simulator, workload clients recording histories,
//!   the randomized soak, etcd's lock recipe as clients.
//!
//! A 3-node cluster on the deterministic world, a write and a linearizable read:
//!
//! ```
//! use quorate_core::Duration;
//! use quorate_kv::sweep::Cluster;
//! use quorate_kv::{KeyRange, Op, OpResult, Request, Response};
//!
//! let mut c = Cluster::new(1, 3, |_| {});
//! let leader = c.await_leader(Duration::from_secs(2)).unwrap();
//! let put = Request::Op(Op::Put { key: "a".into(), value: "1".into(), lease: 0 });
//! let (_, _, reply) = c.request(leader, put, Duration::from_millis(500)).unwrap();
//! assert_eq!(reply.revision, 2);
//! let get = Request::Op(Op::Range(KeyRange::single("a")));
//! let (_, _, reply) = c.request(leader, get, Duration::from_millis(500)).unwrap();
//! assert!(matches!(reply.result, Ok(Response::Op(OpResult::Range { kvs })) if kvs[0].value == "1"));
//! ```

pub mod consul;
pub mod model;
pub mod node;
pub mod script;
pub mod store;
pub mod types;

#[cfg(feature = "sweep")]
pub mod sweep;

pub use model::{KvRegisters, RegInput, RegOp, RegOutput};
pub use node::{Command, Error, Event, Expiry, KvConfig, KvNode, LeaseStatus, Status, Timer};
pub use store::{Lease, Store};
pub use types::{
    CmpOp, Compare, EventKind, KeyRange, KeyValue, KvError, LeaseId, Op, OpResult, Reply, Request,
    Response, Revision, Target, Txn, WatchEvent,
};

//! Replicated state machines on the Raft engine: an etcd-style key-value store.
//!
//! - [`store`]: the state machine itself, a pure data structure (revisions, txn, leases, watch history);
//! - [`types`]: requests, responses, compares and watch events (etcd's v3 vocabulary);

pub mod consul;
pub mod store;
pub mod types;

pub use store::{Lease, Store};
pub use types::{
    CmpOp, Compare, EventKind, KeyRange, KeyValue, KvError, LeaseId, Op, OpResult, Reply, Request,
    Response, Revision, Target, Txn, WatchEvent,
};
pub mod node;
pub use node::{Command, Error, Event, Expiry, KvConfig, KvNode, LeaseStatus, Status, Timer};
pub mod model;
pub mod script;
pub use model::{KvRegisters, RegInput, RegOp, RegOutput};
#[cfg(feature = "sweep")]
pub mod sweep;

//! The KV engine on the deterministic world: a cluster with helpers, simulated clients that record
//! histories, and the randomized soak that checks those histories for linearizability. Tests, the CLI
//! and benchmarks share this code; the engine itself never uses it (feature `sweep`, default on).

mod client;
mod cluster;
mod export;
mod lock;
mod soak;

pub use client::{ClientStats, Clients, KvHistory, Workload};
pub use cluster::Cluster;
pub use export::jepsen_register_log;
pub use lock::{fenced_tokens, LockClients, LockConfig, LockEvent};
pub use soak::{fault_plan, soak, FaultMix, SoakConfig, SoakReport};

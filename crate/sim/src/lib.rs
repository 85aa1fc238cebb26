//! Quorate's deterministic world (DESIGN.md, "The simulator").
//!
//! A [`World`] is generic over any [`quorate_core::Engine`]; it never names a protocol. It owns the event
//! queue (ordered by time, then sequence number), the simulated network ([`network`]), the nodes' engines
//! and their durable state, the fault state (down, paused, slow) and the trace. Same seed + same
//! commands = same trace, byte for byte (DESIGN.md rule 4): [`World::digest`] is how tests compare runs.

mod command;
pub mod network;
mod queue;
pub mod scenario;
pub mod trace;
mod world;

pub use network::{DropReason, Latency, LinkParams, Network, Rule};
pub use trace::{Digest, Record, TraceRecord};
pub use world::{
    id_set, node_ids, Answer, Answers, Boot, Call, CallKey, Drive, Hosting, InFlight,
    LoggedCommand, NodeHost, NodeState, SimError, Step, TraceMode, World, WorldCommand,
    WorldConfig, SPECULATION,
};

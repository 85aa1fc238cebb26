//! What crosses the boundary between the orchestrator and a node worker.
//!
//! Engine data (calls, answers, engine state) travels as nested bytes in the engine's own serde types,
//! so this crate names no engine; both ends use [`crate::codec`].

use serde::{Deserialize, Serialize};

use crate::spread::Focus;
use crate::{EngineKind, NodeView};

/// From the orchestrator to a node worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ToNode {
    /// The first message: which engine the worker hosts, for which node.
    Init { engine: EngineKind, node: u32 },
    /// One engine step (an encoded `quorate_sim::Call`): answered with `FromNode::Answer`.
    Call(#[serde(with = "serde_bytes")] Vec<u8>),
    /// Present the node at this simulated time, with its grid flags for the followed fact: answered
    /// with `FromNode::View`.
    View { now_us: u64, focus: Option<Focus> },
    /// Hand the engine back (for a move into the orchestrator or a checkpoint): `FromNode::State`.
    Save,
    /// Take over this engine (an encoded engine state and config): answered with `FromNode::Loaded`.
    Load(#[serde(with = "serde_bytes")] Vec<u8>),
    /// Panic, as a bug in the engine would.
    Panic,
}

/// From a node worker to the orchestrator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FromNode {
    /// Loaded and listening; sent once, unprompted. Messages sent before it are held by the orchestrator.
    Ready,
    /// The answer to a call (an encoded `(CallKey, Answer)`).
    Answer(#[serde(with = "serde_bytes")] Vec<u8>),
    /// The node's view and its grid flags (`crate::spread::cell`).
    View(Box<NodeView>, u8),
    /// The engine state and config, encoded.
    State(#[serde(with = "serde_bytes")] Vec<u8>),
    Loaded,
    /// The worker could not do what it was asked (a malformed or out-of-order message).
    Error(String),
}

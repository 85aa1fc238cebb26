//! The verdicts panel's data: what the orchestrator checks as the run goes (Raft's safety invariants,
//! the linearizability of the client history) and the client requests with their answers.

use serde::{Deserialize, Serialize};

/// Client requests a frame carries at most (the newest).
pub const MAX_REQUESTS: usize = 40;

/// Everything the panel draws.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VerdictsView {
    /// Each property checked, in a fixed order.
    pub checks: Vec<CheckView>,
    /// The client requests of the run so far, oldest first (the newest `MAX_REQUESTS`).
    pub requests: Vec<RequestView>,
    /// Whether the engine takes KV requests (the client form shows).
    pub kv: bool,
    /// The tag of the request whose answer no linearization explains, once one is found.
    #[serde(default)]
    pub offender: Option<u64>,
}

impl VerdictsView {
    /// The first broken property, if any.
    pub fn violation(&self) -> Option<&CheckView> {
        self.checks.iter().find(|c| c.state == CheckState::Violated)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckState {
    /// Held at every point checked so far.
    Holds,
    /// Broken: `at_us` says when.
    Violated,
    /// The checker stopped (its bound was reached); `detail` says which.
    GaveUp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckView {
    /// "Election Safety", "Linearizability (client history)"...
    pub name: String,
    pub state: CheckState,
    /// One sentence: what was checked, or what broke and where.
    pub detail: String,
    /// The simulated moment of the violation (µs), to jump to.
    pub at_us: Option<u64>,
}

/// How a read was served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReadKind {
    /// Through Raft's read point (ReadIndex): linearizable.
    Linearizable,
    /// From the node's own applied state at once: serializable, possibly stale.
    Serializable,
}

/// One client request and, once it came, its answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestView {
    /// The request's tag (its number in the run).
    pub tag: u64,
    /// The node asked.
    pub node: u32,
    /// The request in words ("put x 1").
    pub request: String,
    /// For reads: how it was served.
    pub read: Option<ReadKind>,
    /// When it was sent (simulated µs).
    pub sent_us: u64,
    pub answer: Option<AnswerView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnswerView {
    /// When it came (simulated µs).
    pub at_us: u64,
    /// The store revision when the request was served.
    pub revision: u64,
    /// The answer in words ("x = 1", "put", "swapped", "not the leader (leader: n3)").
    pub text: String,
    /// Whether the request succeeded (an error otherwise).
    pub ok: bool,
}

//! The UI's handle on the orchestrator worker.
//!
//! The orchestrator itself lives in crate/worker and is built as its own wasm binary (`worker.js`). The UI
//! must not link it (DESIGN.md rule 3: the UI never holds engine state), so this type only names the wire
//! types for yew-agent's bridge: encoded commands go in, encoded frames come out. Its methods never run in this binary;
//! the worker registers the real implementation on its side of the wire.

use yew_agent::worker::{HandlerId, Worker, WorkerScope};

pub struct Orchestrator;

impl Worker for Orchestrator {
    type Message = ();
    /// An encoded `quorate_view::UiCommand` (see `quorate_view::codec`).
    type Input = Vec<u8>;
    /// An encoded `quorate_view::Frame`: a malformed one is an error the page shows, not a panic.
    type Output = Vec<u8>;

    fn create(_scope: &WorkerScope<Self>) -> Self {
        Orchestrator
    }

    fn update(&mut self, _scope: &WorkerScope<Self>, _msg: Self::Message) {}

    fn received(&mut self, _scope: &WorkerScope<Self>, _msg: Self::Input, _id: HandlerId) {}
}

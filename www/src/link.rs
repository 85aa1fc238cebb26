//! The UI's handle on the orchestrator worker.
//!
//! The orchestrator itself lives in crate/worker and is built as its own wasm binaries (`worker.js`,
//! `gossip.js`, `systems.js`: one per group of engines). The UI
//! must not link it (DESIGN.md rule 3: the UI never holds engine state), so this type only names the wire
//! types for yew-agent's bridge: encoded commands go in, encoded frames come out. Its methods never run in this binary;
//! the worker registers the real implementation on its side of the wire.

use std::sync::OnceLock;

use quorate_view::EngineKind;
use yew_agent::worker::{HandlerId, Worker, WorkerScope};

/// The orchestrator script the page talks to: the build with the engine of the run its address names
/// (`EngineKind::script`), so that the page downloads that engine and not the others. A run of
/// another engine is relayed by it to its own build. Read once, as the page loads.
pub fn orchestrator_script() -> &'static str {
    static SCRIPT: OnceLock<&'static str> = OnceLock::new();
    SCRIPT.get_or_init(|| {
        let hash = gloo::utils::window().location().hash().unwrap_or_default();
        crate::url::parse_fragment(&hash)
            .map_or(EngineKind::Raft, |wanted| wanted.engine)
            .script()
    })
}

/// The address of the orchestrator script, which its node workers load too.
pub fn orchestrator_address() -> String {
    let href = gloo::utils::window().location().href().unwrap_or_default();
    let page = href.split(['#', '?']).next().unwrap_or_default();
    let dir = &page[..page.rfind('/').map_or(0, |i| i + 1)];
    format!("{dir}{}", orchestrator_script())
}

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

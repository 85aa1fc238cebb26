//! Quorate's wasm entry points.
//!
//! The orchestrator worker owns the world (DESIGN.md, "Hosting in the browser"): it is the only thing that
//! orders events. The UI sends it commands and gets frames back; see [`session`] for what a command does.

pub mod present;
pub mod session;

use quorate_view::{EngineKind, Frame, RunSetup, UiCommand};
use yew_agent::worker::{HandlerId, Worker, WorkerScope};

pub use session::Session;

/// The orchestrator worker (registered by `src/bin/worker.rs`).
pub struct Orchestrator {
    session: Session,
}

impl Worker for Orchestrator {
    type Message = ();
    type Input = UiCommand;
    type Output = Frame;

    fn create(_scope: &WorkerScope<Self>) -> Self {
        // A placeholder run until the UI sends `Start` with its seed.
        Orchestrator {
            session: Session::new(RunSetup {
                engine: EngineKind::Demo,
                seed: 0,
                nodes: 1,
                replay: Vec::new(),
                until: None,
            }),
        }
    }

    fn update(&mut self, _scope: &WorkerScope<Self>, _msg: Self::Message) {}

    fn received(&mut self, scope: &WorkerScope<Self>, msg: Self::Input, id: HandlerId) {
        let frame = self.session.handle(msg);
        scope.respond(id, frame);
    }
}

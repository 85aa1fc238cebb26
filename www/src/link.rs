//! The UI's handle on the orchestrator worker.
//!
//! The orchestrator itself lives in crate/worker and is built as its own wasm binaries (`worker.js`,
//! `gossip.js`, `systems.js`: one per group of engines). The UI
//! must not link it (DESIGN.md rule 3: the UI never holds engine state), so this type only names the wire
//! types for yew-agent's bridge: encoded commands go in, encoded frames come out. Its methods never run in this binary;
//! the worker registers the real implementation on its side of the wire.

use std::rc::Rc;
use std::sync::OnceLock;

use quorate_view::codec::encode;
use quorate_view::lesson::known_lesson;
use quorate_view::{EngineKind, UiCommand};
use yew::prelude::*;
use yew_agent::worker::{HandlerId, Worker, WorkerBridge, WorkerScope};
use yew_agent::Spawnable;

/// The orchestrator script the page talks to: the build with the engine of the run or lesson its
/// address names (`EngineKind::script`; a lesson's engine from `quorate_view::lesson::LESSONS`), so
/// that the page downloads that engine and not the others. A run of another engine is relayed by it
/// to its own build. Read once, as the page loads.
pub fn orchestrator_script() -> &'static str {
    static SCRIPT: OnceLock<&'static str> = OnceLock::new();
    SCRIPT.get_or_init(|| {
        let hash = gloo::utils::window().location().hash().unwrap_or_default();
        let lesson = crate::lesson::lesson_in_fragment(&hash)
            .and_then(|name| known_lesson(&name))
            .map(|(_, engine)| engine);
        lesson
            .unwrap_or_else(|| {
                crate::url::parse_fragment(&hash).map_or(EngineKind::Raft, |wanted| wanted.engine)
            })
            .script()
    })
}

/// The orchestrator, spawned after the first command sent, once the page has painted
/// (`stages::after_paint`), rather than as the page mounts: spawning a worker takes a while, and the
/// page's first screen should not wait for it, nor for the orchestrator's script and wasm. Commands
/// sent until then are kept and go over in their order, after `Hello` (the script's address, for
/// node workers). Outputs go to the latest `on_output` (refreshed at every render, as yew-agent's own
/// bridge hook does).
#[hook]
pub fn use_lazy_orchestrator<F>(on_output: F) -> Callback<Vec<u8>>
where
    F: Fn(Vec<u8>) + 'static,
{
    let on_output: Rc<dyn Fn(Vec<u8>)> = Rc::new(on_output);
    let current = use_mut_ref({
        let on_output = on_output.clone();
        move || on_output
    });
    *current.borrow_mut() = on_output;
    let link = use_mut_ref(|| Link::Idle);
    (*use_memo((), move |_| {
        Callback::from(move |bytes: Vec<u8>| {
            let mut state = link.borrow_mut();
            match &mut *state {
                Link::Up(bridge) => bridge.send(bytes),
                Link::Waiting(kept) => kept.push(bytes),
                Link::Idle => {
                    *state = Link::Waiting(vec![bytes]);
                    let link = link.clone();
                    let current = current.clone();
                    crate::stages::after_paint(move || {
                        let bridge = Orchestrator::spawner()
                            .callback(move |output| {
                                let on_output = current.borrow().clone();
                                on_output(output)
                            })
                            .spawn(orchestrator_script());
                        bridge.send(encode(&UiCommand::Hello {
                            worker_script: orchestrator_address(),
                        }));
                        let mut state = link.borrow_mut();
                        if let Link::Waiting(kept) = &mut *state {
                            for bytes in kept.drain(..) {
                                bridge.send(bytes);
                            }
                        }
                        *state = Link::Up(bridge);
                    });
                }
            }
        })
    }))
    .clone()
}

/// Where a page's link to its orchestrator stands.
enum Link {
    /// Nothing sent yet.
    Idle,
    /// Commands sent before the orchestrator was spawned, in their order.
    Waiting(Vec<Vec<u8>>),
    Up(WorkerBridge<Orchestrator>),
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

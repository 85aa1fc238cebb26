//! The browser side: the orchestrator as a yew-agent worker, and the node workers it spawns.
//!
//! Both run the same wasm (`worker.js`, or the build of the run's engine: `session::route`): a worker
//! named `node` is a node worker, any other is the
//! orchestrator. Every message on either boundary is bytes in the codec of `quorate_view::codec`.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use gloo::timers::callback::Interval;
use js_sys::{Array, SharedArrayBuffer, Uint8Array};
use quorate_view::codec::{decode, encode};
use quorate_view::host::FromNode;
use quorate_view::UiCommand;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    Blob, BlobPropertyBag, DedicatedWorkerGlobalScope, ErrorEvent, MessageEvent, Url,
    Worker as WebWorker, WorkerOptions,
};
use yew_agent::worker::{HandlerId, Worker, WorkerBridge, WorkerScope};
use yew_agent::Spawnable;

use crate::channel::{self, Channel, Reply};
use crate::node::NodeProcess;
use crate::session::route::{self, Route};
use crate::session::{Out, Session};

/// How long the orchestrator waits for a node worker before declaring it crashed.
const ANSWER_TIMEOUT_MS: u32 = 10_000;

/// How many times each end polls a shared-memory channel before it sleeps in `Atomics.wait`: a node's
/// answer usually comes within tens of microseconds, sooner than a sleep and a wake-up (the node's
/// `Atomics.notify` is a system call when the orchestrator sleeps). The orchestrator polls long enough
/// to cover a woken node's answer (20,000 measured 17-34% faster than 2,000 in `bench-hosting.mjs`,
/// 100,000 no faster). A node polls less: while it spins, it holds a core that the orchestrator or
/// another node may need.
const ORCHESTRATOR_SPIN: u32 = 20_000;
const NODE_SPIN: u32 = 100;

/// Events per full-speed frame with a worker per node over shared memory: several times the message
/// path's, few enough that a pause is obeyed within a fraction of a second.
const SHARED_BATCH: u64 = 4_000;

/// The name that makes a worker a node worker.
pub const NODE_WORKER_NAME: &str = "node";

/// Bytes of linear memory this worker's wasm holds (it only grows): what the memory bench samples.
#[wasm_bindgen]
pub fn wasm_memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65_536) as f64
}

/// A page orchestrator binary's `main` (`worker`, `gossip`, `systems`): the orchestrator, or one of its
/// node workers when spawned under that name.
pub fn run() {
    use yew_agent::Registrable;
    if is_node_worker() {
        run_node_worker();
    } else {
        Orchestrator::registrar().register();
    }
}

/// Whether this worker was spawned as a node worker.
pub fn is_node_worker() -> bool {
    js_sys::global()
        .dyn_into::<DedicatedWorkerGlobalScope>()
        .is_ok_and(|g| g.name() == NODE_WORKER_NAME)
}

thread_local! {
    /// The channel request a node worker is answering: where its panic hook reports.
    static SERVING: RefCell<Option<(Channel, i32)>> = const { RefCell::new(None) };
}

/// Runs this worker as a node worker: answers the orchestrator until terminated, by message, or over a
/// shared-memory channel once the orchestrator sends one (see `channel.rs`).
pub fn run_node_worker() {
    let global: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let process = Rc::new(RefCell::new(NodeProcess::new()));
    // A reply that did not fit its channel, kept for the bigger one that comes next.
    let kept: Rc<RefCell<Option<Vec<u8>>>> = Rc::default();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        previous(info);
        SERVING.with(|serving| {
            if let Ok(serving) = serving.try_borrow() {
                if let Some((channel, seq)) = serving.as_ref() {
                    channel.panicked(*seq, &info.to_string());
                }
            }
        });
    }));
    let reply_to = global.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let data = event.data();
        if let Some(buffer) = data.dyn_ref::<SharedArrayBuffer>() {
            if let Some(channel) = Channel::on(buffer.clone()) {
                serve(&process, &channel, &kept);
            }
            return;
        }
        let bytes = Uint8Array::new(&data).to_vec();
        let reply = process.borrow_mut().handle(&bytes);
        if let Some(reply) = reply {
            let _ = reply_to.post_message(&Uint8Array::from(&reply[..]));
        }
    });
    global.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let _ = global.post_message(&Uint8Array::from(&encode(&FromNode::Ready)[..]));
}

/// Whether this worker was spawned by the lab page as one of its pool.
pub fn is_lab_worker() -> bool {
    js_sys::global()
        .dyn_into::<DedicatedWorkerGlobalScope>()
        .is_ok_and(|g| g.name() == crate::lab::LAB_WORKER_NAME)
}

thread_local! {
    /// The job a lab worker is running: where its panic hook says which job died.
    static LAB_JOB: Cell<Option<u32>> = const { Cell::new(None) };
}

/// Runs this worker as a lab worker: each message is a job, answered when it is done. A job that
/// panics is answered `Panicked` with the panic's text before the wasm traps; the page then ends this
/// worker (its memory is no longer sound) and counts the job as failed.
pub fn run_lab_worker() {
    let global: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let previous = std::panic::take_hook();
    let hook_global = global.clone();
    std::panic::set_hook(Box::new(move |info| {
        previous(info);
        if let Some(id) = LAB_JOB.with(Cell::take) {
            let answer = quorate_view::lab::LabAnswer {
                id,
                outcome: quorate_view::lab::LabOutcome::Panicked(info.to_string()),
            };
            let _ = hook_global.post_message(&Uint8Array::from(&encode(&answer)[..]));
        }
    }));
    let reply_to = global.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let bytes = Uint8Array::new(&event.data()).to_vec();
        let reply = crate::lab::handle(&bytes, |id| LAB_JOB.with(|j| j.set(Some(id))));
        LAB_JOB.with(|j| j.set(None));
        let _ = reply_to.post_message(&Uint8Array::from(&reply[..]));
    });
    global.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let ready = quorate_view::lab::LabAnswer {
        id: 0,
        outcome: quorate_view::lab::LabOutcome::Ready,
    };
    let _ = global.post_message(&Uint8Array::from(&encode(&ready)[..]));
}

/// Answers requests on `channel` until it moves to a new buffer (which comes by message).
fn serve(process: &RefCell<NodeProcess>, channel: &Channel, kept: &RefCell<Option<Vec<u8>>>) {
    let mut last = 0;
    if let Some(reply) = kept.borrow_mut().take() {
        // The orchestrator counts the kept reply as this buffer's first request.
        channel.answer(1, Some(&reply));
        last = 1;
    }
    while let Some((seq, request)) = channel.next_request(last, NODE_SPIN) {
        last = seq;
        SERVING.with(|s| *s.borrow_mut() = Some((channel.clone(), seq)));
        let reply = process.borrow_mut().handle(&request);
        SERVING.with(|s| *s.borrow_mut() = None);
        if !channel.answer(seq, reply.as_deref()) {
            *kept.borrow_mut() = reply;
            return;
        }
    }
}

/// Internal messages of the orchestrator.
pub enum Msg {
    /// Bytes from node `n`'s worker of this incarnation.
    Node(u32, u64, Vec<u8>),
    /// Node `n`'s worker (of this incarnation) threw.
    Failed(u32, u64, String),
    /// The watchdog's beat.
    Tick,
    /// A frame from the relayed orchestrator of this relay generation.
    Relayed(u64, Vec<u8>),
}

/// Another build of the orchestrator (`gossip.js`, `systems.js`...) running the current run for this
/// one: commands go to it as they came, its frames go to the page as they are (see `session::route`).
/// Dropping it ends that worker, and with it the node workers it spawned.
struct Relay {
    bridge: WorkerBridge<Orchestrator>,
    /// Its script's name.
    name: &'static str,
    generation: u64,
    url: String,
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = Url::revoke_object_url(&self.url);
    }
}

/// The script next to `script` (a `.../worker.js` address) named `name`.
fn sibling(script: &str, name: &str) -> String {
    let dir = &script[..script.rfind('/').map_or(0, |i| i + 1)];
    format!("{dir}{name}")
}

/// An object URL of a classic worker script that loads `script` (a wasm-bindgen `no-modules` script)
/// and its wasm, which sits next to it as `<stem>_bg.wasm`.
fn loader(script: &str) -> Result<String, String> {
    let wasm = match script.strip_suffix(".js") {
        Some(stem) => format!("{stem}_bg.wasm"),
        None => return Err(format!("{script} does not end in .js")),
    };
    let shim = format!("importScripts({script:?});wasm_bindgen({{ module_or_path: {wasm:?} }});");
    let parts = Array::of1(&JsValue::from_str(&shim));
    let options = BlobPropertyBag::new();
    options.set_type("application/javascript");
    let blob =
        Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|e| format!("{e:?}"))?;
    Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))
}

thread_local! {
    /// The error handler of ended node workers: swallows what they raise on their way out.
    static ENDED: Closure<dyn FnMut(ErrorEvent)> =
        Closure::new(|event: ErrorEvent| event.prevent_default());
}

struct NodeWorker {
    worker: WebWorker,
    incarnation: u64,
    url: String,
    /// The shared-memory channel, where the page is cross-origin isolated.
    channel: Option<Channel>,
    /// The channel's last request, and whether its answer is still to be read.
    seq: i32,
    asked: bool,
    /// Whether the worker has been sent its channel.
    shared: bool,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

impl NodeWorker {
    fn end(self) {
        // Events the worker raised before it was ended may still be queued (a message, or a failed load
        // when it ends while starting): they must not call the closures this drop frees, and an error
        // must not reach the page as an uncaught one.
        self.worker.set_onmessage(None);
        ENDED.with(|silence| {
            self.worker
                .set_onerror(Some(silence.as_ref().unchecked_ref()))
        });
        self.worker.terminate();
        let _ = Url::revoke_object_url(&self.url);
    }
}

/// The orchestrator worker (registered by `src/bin/worker.rs`).
pub struct Orchestrator {
    session: Session,
    script: Option<String>,
    workers: BTreeMap<u32, NodeWorker>,
    handler: Option<HandlerId>,
    incarnations: u64,
    /// Node messages received so far, and at the watchdog's last beat.
    progress: u64,
    seen: u64,
    /// Whether node workers get shared-memory channels (the page is cross-origin isolated).
    shared: bool,
    /// Where the current run is when this build does not host its engine.
    relay: Option<Relay>,
    relays: u64,
    _watchdog: Interval,
}

impl Orchestrator {
    fn carry_out(&mut self, scope: &WorkerScope<Self>, out: Vec<Out>) {
        let mut queue: std::collections::VecDeque<Out> = out.into();
        loop {
            while let Some(o) = queue.pop_front() {
                match o {
                    Out::Frame(frame) => {
                        if let Some(handler) = self.handler {
                            scope.respond(handler, encode(&*frame));
                        }
                    }
                    Out::Spawn(node) => {
                        if let Err(e) = self.spawn(scope, node) {
                            queue.extend(self.session.node_failed(node, e));
                        }
                    }
                    Out::ToNode(node, bytes) => {
                        let Some(w) = self.workers.get(&node) else {
                            continue;
                        };
                        if w.channel.is_none() {
                            let _ = w.worker.post_message(&Uint8Array::from(&bytes[..]));
                            continue;
                        }
                        if w.asked {
                            queue.extend(self.collect(node));
                        }
                        self.ask(node, &bytes);
                    }
                    Out::Terminate(node) => {
                        if let Some(w) = self.workers.remove(&node) {
                            w.end();
                        }
                    }
                }
            }
            // Requests on channels run while the others are written; their answers come back in node
            // order (the session does not depend on the order of answers).
            let Some(node) = self.workers.iter().find(|(_, w)| w.asked).map(|(n, _)| *n) else {
                break;
            };
            queue.extend(self.collect(node));
        }
    }

    /// Writes a request on node `node`'s channel, moving it to a bigger buffer if it does not fit.
    fn ask(&mut self, node: u32, bytes: &[u8]) {
        let Some(w) = self.workers.get_mut(&node) else {
            return;
        };
        let Some(channel) = w.channel.as_ref() else {
            return;
        };
        w.seq += 1;
        if !channel.request(w.seq, bytes) {
            channel.moved(w.seq);
            let bigger = Channel::new(grown(channel.capacity(), bytes.len()));
            let _ = w.worker.post_message(bigger.buffer());
            w.seq = 1;
            bigger.request(w.seq, bytes);
            w.channel = Some(bigger);
        }
        w.asked = true;
    }

    /// Waits for the answer on node `node`'s channel and hands it to the session.
    fn collect(&mut self, node: u32) -> Vec<Out> {
        loop {
            let Some(w) = self.workers.get_mut(&node) else {
                return Vec::new();
            };
            let Some(channel) = w.channel.clone() else {
                return Vec::new();
            };
            let reply = channel.reply(w.seq, ORCHESTRATOR_SPIN, ANSWER_TIMEOUT_MS as f64);
            w.asked = false;
            self.progress += 1;
            return match reply {
                Reply::None => Vec::new(),
                Reply::Bytes(bytes) => self.session.node_message(node, &bytes),
                Reply::Panic(text) => self.session.node_failed(node, text),
                Reply::Silent => self.session.node_failed(
                    node,
                    format!("no answer within {} s", ANSWER_TIMEOUT_MS / 1000),
                ),
                Reply::TooBig(len) => {
                    // The node kept its reply and went back to its event loop for a bigger buffer.
                    let bigger = Channel::new(grown(channel.capacity(), len as usize));
                    bigger.expect(1);
                    let _ = w.worker.post_message(bigger.buffer());
                    w.seq = 1;
                    w.asked = true;
                    w.channel = Some(bigger);
                    continue;
                }
            };
        }
    }

    fn spawn(&mut self, scope: &WorkerScope<Self>, node: u32) -> Result<(), String> {
        let script = self
            .script
            .clone()
            .ok_or("the page did not say where its orchestrator script is")?;
        let url = loader(&script)?;
        let worker_options = WorkerOptions::new();
        worker_options.set_name(NODE_WORKER_NAME);
        let worker = WebWorker::new_with_options(&url, &worker_options)
            .map_err(|e| format!("could not start a worker: {e:?}"))?;
        self.incarnations += 1;
        let incarnation = self.incarnations;
        let on_message = {
            let scope = scope.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let bytes = Uint8Array::new(&event.data()).to_vec();
                scope.send_message(Msg::Node(node, incarnation, bytes));
            })
        };
        let on_error = {
            let scope = scope.clone();
            Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
                event.prevent_default();
                scope.send_message(Msg::Failed(node, incarnation, event.message()));
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        // Sent once the worker said Ready (a message that comes earlier finds no handler and is lost).
        let channel = self.shared.then(|| Channel::new(channel::FIRST_CAPACITY));
        if let Some(old) = self.workers.insert(
            node,
            NodeWorker {
                worker,
                incarnation,
                url,
                channel,
                seq: 0,
                asked: false,
                shared: false,
                _on_message: on_message,
                _on_error: on_error,
            },
        ) {
            old.end();
        }
        Ok(())
    }

    /// Hands the current run to the orchestrator built as `name`, starting it if it is not running:
    /// this orchestrator's own run and node workers end, and so does another relay. `None` when it
    /// cannot be started (the command is then handled here, and the session reports that it does not
    /// host the engine).
    fn relay(&mut self, scope: &WorkerScope<Self>, name: &'static str) -> Option<&Relay> {
        if self.relay.as_ref().is_some_and(|r| r.name != name) {
            self.relay = None;
        }
        if self.relay.is_none() {
            let script = sibling(self.script.as_deref()?, name);
            let url = loader(&script).ok()?;
            self.relays += 1;
            let generation = self.relays;
            let bridge = {
                let scope = scope.clone();
                Orchestrator::spawner()
                    .callback(move |bytes| scope.send_message(Msg::Relayed(generation, bytes)))
                    .with_loader(true)
                    .spawn(&url)
            };
            bridge.send(encode(&UiCommand::Hello {
                worker_script: script,
            }));
            for (_, w) in std::mem::take(&mut self.workers) {
                w.end();
            }
            self.session = placeholder(self.shared);
            self.relay = Some(Relay {
                bridge,
                name,
                generation,
                url,
            });
        }
        self.relay.as_ref()
    }

    fn current(&self, node: u32, incarnation: u64) -> bool {
        self.workers
            .get(&node)
            .is_some_and(|w| w.incarnation == incarnation)
    }
}

/// A session with no run until the UI sends `Start` with its seed.
fn placeholder(shared: bool) -> Session {
    let mut session = Session::idle();
    if shared {
        session.set_per_node_batch(SHARED_BATCH);
    }
    session
}

/// A channel's new capacity: room for `needed` bytes, and at least double the old one.
fn grown(capacity: u32, needed: usize) -> u32 {
    let needed = u32::try_from(needed).unwrap_or(u32::MAX / 4);
    capacity.saturating_mul(2).max(needed.next_power_of_two())
}

impl Worker for Orchestrator {
    type Message = Msg;
    /// An encoded `UiCommand`.
    type Input = Vec<u8>;
    /// An encoded `Frame`.
    type Output = Vec<u8>;

    fn create(scope: &WorkerScope<Self>) -> Self {
        let shared = channel::available();
        let session = placeholder(shared);
        let watchdog = {
            let scope = scope.clone();
            Interval::new(ANSWER_TIMEOUT_MS, move || scope.send_message(Msg::Tick))
        };
        Orchestrator {
            session,
            script: None,
            workers: BTreeMap::new(),
            handler: None,
            incarnations: 0,
            progress: 0,
            seen: 0,
            shared,
            relay: None,
            relays: 0,
            _watchdog: watchdog,
        }
    }

    fn update(&mut self, scope: &WorkerScope<Self>, msg: Self::Message) {
        let out = match msg {
            Msg::Node(node, incarnation, bytes) => {
                if !self.current(node, incarnation) {
                    return;
                }
                self.progress += 1;
                if let Some(w) = self.workers.get_mut(&node) {
                    if let (Some(channel), false) = (&w.channel, w.shared) {
                        // Its first message (Ready): from now on it answers on the channel.
                        w.shared = true;
                        if w.worker.post_message(channel.buffer()).is_err() {
                            // It goes on by message.
                            w.channel = None;
                        }
                    }
                }
                self.session.node_message(node, &bytes)
            }
            Msg::Failed(node, incarnation, error) => {
                if !self.current(node, incarnation) {
                    return;
                }
                self.progress += 1;
                self.session.node_failed(node, error)
            }
            Msg::Relayed(generation, bytes) => {
                let current = self.relay.as_ref().map(|r| r.generation);
                if let (Some(handler), true) = (self.handler, current == Some(generation)) {
                    scope.respond(handler, bytes);
                }
                return;
            }
            Msg::Tick => {
                let stalled = self.session.busy() && self.progress == self.seen;
                self.seen = self.progress;
                if !stalled {
                    return;
                }
                let mut out = Vec::new();
                for node in self.session.waiting() {
                    out.extend(self.session.node_failed(
                        node,
                        format!("no answer within {} s", ANSWER_TIMEOUT_MS / 1000),
                    ));
                }
                out
            }
        };
        self.carry_out(scope, out);
    }

    fn received(&mut self, scope: &WorkerScope<Self>, msg: Self::Input, id: HandlerId) {
        self.handler = Some(id);
        let command = decode::<UiCommand>(&msg, "a UI command");
        match command.as_ref().map_or(Route::Current, route::route) {
            Route::Relay(name) => {
                if let Some(relay) = self.relay(scope, name) {
                    relay.bridge.send(msg);
                    return;
                }
            }
            // Ending the relay ends the other orchestrator and its node workers.
            Route::Here => self.relay = None,
            Route::Current => {
                if let Some(relay) = &self.relay {
                    let msg = match command {
                        Ok(UiCommand::Hello { worker_script }) => {
                            self.script = Some(worker_script);
                            encode(&UiCommand::Refresh)
                        }
                        _ => msg,
                    };
                    relay.bridge.send(msg);
                    return;
                }
            }
        }
        let out = match command {
            Ok(UiCommand::Hello { worker_script }) => {
                self.script = Some(worker_script);
                self.session.handle(UiCommand::Refresh)
            }
            Ok(command) => self.session.handle(command),
            Err(_) => self.session.handle_bytes(&msg),
        };
        self.carry_out(scope, out);
    }
}

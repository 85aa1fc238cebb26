//! A run as the orchestrator holds it: the world, its node workers, the pace, the branches, and the
//! frames it sends to the UI.
//!
//! Pure and synchronous: a UI command or a node worker's message goes in, [`Out`]s come out (frames for
//! the UI, messages for node workers, workers to spawn or terminate). `lib.rs` wires them to real
//! workers; the tests wire them to in-process node hosts, through the same codec.
//!
//! Hosting (DESIGN.md, "Hosting in the browser"): with a worker per node the world is built hosted
//! ([`World::hosted`]) and every engine step is a call to that node's worker; inline, the engines live
//! in the world. Both give the same trace. A task (advance, step, run until, a command's settling)
//! runs until it needs answers, waits for them, and ends with a frame; UI commands that arrive meanwhile
//! wait their turn.
//!
//! Time travel: a branch is the seed plus its command log. Seeking rebuilds the world inline from the
//! log (deterministic replay) and hands the engines to fresh workers if the run has them; playing on
//! from the past replays the branch's later commands at their moments; a command in the past starts a
//! new branch from there, and the old one stays reachable.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use quorate_core::{Duration, NodeId, SimTime};
use quorate_sim::{
    node_ids, Answers, CallKey, Drive, Hosting as SimHosting, Latency, LinkParams, NodeState,
    Record, TraceMode, World, WorldCommand, WorldConfig,
};
use quorate_view::codec::{decode, encode};
use quorate_view::host::{FromNode, ToNode};
use quorate_view::spread::{cell, Focus, SpreadView, RING_MAX};
use quorate_view::{
    decode_log, encode_log, shareable, BranchView, EngineKind, Frame, HostingView, LinkView,
    MessageView, Milestone, NetworkView, NodeStatus, NodeView, RunSetup, SharedCommand, Timeline,
    UiCommand, WorkerState, WorkerView, DELIVERED_SPAN_US, MAX_DELIVERED, MAX_LOG_LINES,
    MAX_SHARED_COMMANDS,
};

use crate::node::{engine_from_state, state_bytes};
use crate::present::Present;

/// Most wall time one `Advance` may cover: after a hidden tab comes back, the run resumes rather than
/// jumping ahead by minutes.
const MAX_WALL_STEP_MS: f64 = 100.0;
/// Most events one `Advance` may process, so a frame always comes back quickly at high speed.
const MAX_EVENTS_PER_ADVANCE: u64 = 200_000;
/// Events per `Advance` at full speed ("max"): enough to be fast, few enough that frames keep coming.
const FULL_SPEED_EVENTS: u64 = 20_000;
/// Events driven between two collections of the trace records (which keep only the newest lines).
const DRIVE_CHUNK: u64 = 2_000;
/// Events per full-speed `Advance` with a worker per node over messages: each call waits for a round trip
/// through the workers' event loops, so a frame carries fewer.
const FULL_SPEED_EVENTS_PER_NODE: u64 = 1_000;
/// Largest cluster the page hosts (gossip members each keep a view of all: memory grows as N²).
pub const MAX_NODES: u32 = 1_000;
/// Largest cluster that may get a worker per node, whatever the hosting asked.
pub const MAX_WORKERS: u32 = 64;
/// Points a spread chart keeps (older ones are thinned).
const MAX_SPREAD_POINTS: usize = 400;
/// How far "run until" looks before giving up.
const RUN_UNTIL_LIMIT: Duration = Duration::from_secs(60);

/// What the orchestrator must do after handling a message.
#[derive(Clone, Debug, PartialEq)]
pub enum Out {
    /// Send this frame to the UI.
    Frame(Box<Frame>),
    /// Start a node worker for this node.
    Spawn(u32),
    /// Post this (encoded [`ToNode`]) to the node's worker.
    ToNode(u32, Vec<u8>),
    /// End the node's worker: its memory is gone.
    Terminate(u32),
}

/// What the session needs of a run, whatever its engine.
trait Runner {
    fn handle(&mut self, command: UiCommand, out: &mut Vec<Out>);
    fn node_message(&mut self, node: u32, message: FromNode, out: &mut Vec<Out>);
    fn node_failed(&mut self, node: u32, error: String, out: &mut Vec<Out>);
    /// Terminates every worker (the run is being replaced).
    fn teardown(&mut self, out: &mut Vec<Out>);
    fn busy(&self) -> bool;
    fn waiting(&self) -> Vec<u32>;
    fn digest(&self) -> String;
    fn now(&self) -> SimTime;
    fn events(&self) -> u64;
    fn set_error(&mut self, error: String);
    fn set_per_node_batch(&mut self, events: u64);
}

/// The orchestrator's run, of whichever engine the UI asked for.
pub struct Session {
    run: Box<dyn Runner>,
    /// UI commands that arrived while a task was waiting for node workers.
    queue: VecDeque<UiCommand>,
    /// Events per frame at full speed with a worker per node (see [`Session::set_per_node_batch`]).
    per_node_batch: u64,
}

impl Session {
    /// A new run; the `Out`s start it (spawn workers, or a first frame).
    pub fn new(setup: RunSetup) -> (Session, Vec<Out>) {
        let mut out = Vec::new();
        let run = start(setup, None, &mut out);
        (
            Session {
                run,
                queue: VecDeque::new(),
                per_node_batch: FULL_SPEED_EVENTS_PER_NODE,
            },
            out,
        )
    }

    /// A session with no run yet: it answers nothing until a command starts one (or fails to).
    pub fn idle() -> Session {
        Session {
            run: Box::new(Idle::new(EngineKind::Raft, 0, None)),
            queue: VecDeque::new(),
            per_node_batch: FULL_SPEED_EVENTS_PER_NODE,
        }
    }

    /// Handles one UI command. `Start` and `ImportTrace` replace the run at once; other commands wait
    /// while the run waits for its node workers.
    pub fn handle(&mut self, command: UiCommand) -> Vec<Out> {
        let mut out = Vec::new();
        match command {
            UiCommand::Start(setup) => {
                self.queue.clear();
                self.run.teardown(&mut out);
                self.run = start(setup, None, &mut out);
            }
            UiCommand::LoadLesson { text, hosting } => {
                let mut fresh = Vec::new();
                match lesson::start(&text, hosting, &mut fresh) {
                    Ok(run) => {
                        self.queue.clear();
                        self.run.teardown(&mut out);
                        out.extend(fresh);
                        self.run = run;
                    }
                    Err(e) => {
                        self.run.set_error(e);
                        self.queue.push_back(UiCommand::Refresh);
                    }
                }
            }
            UiCommand::ImportTrace(json) => match import(&json) {
                Ok((setup, digest)) => {
                    self.queue.clear();
                    self.run.teardown(&mut out);
                    self.run = start(setup, Some(digest), &mut out);
                }
                Err(e) => {
                    self.run.set_error(format!("the imported trace: {e}"));
                    self.queue.push_back(UiCommand::Refresh);
                }
            },
            command => self.queue.push_back(command),
        }
        self.run.set_per_node_batch(self.per_node_batch);
        self.drain(&mut out);
        out
    }

    /// Handles an encoded UI command; a malformed one is reported in a frame.
    pub fn handle_bytes(&mut self, bytes: &[u8]) -> Vec<Out> {
        match decode::<UiCommand>(bytes, "a UI command") {
            Ok(command) => self.handle(command),
            Err(e) => {
                self.run.set_error(e.to_string());
                self.handle(UiCommand::Refresh)
            }
        }
    }

    /// Handles a message from a node's worker.
    pub fn node_message(&mut self, node: u32, bytes: &[u8]) -> Vec<Out> {
        let mut out = Vec::new();
        match decode::<FromNode>(bytes, "a message from a node worker") {
            Ok(message) => self.run.node_message(node, message, &mut out),
            Err(e) => self.run.node_failed(node, e.to_string(), &mut out),
        }
        self.drain(&mut out);
        out
    }

    /// A node's worker panicked or stopped answering.
    pub fn node_failed(&mut self, node: u32, error: String) -> Vec<Out> {
        let mut out = Vec::new();
        self.run.node_failed(node, error, &mut out);
        self.drain(&mut out);
        out
    }

    fn drain(&mut self, out: &mut Vec<Out>) {
        while !self.run.busy() {
            let Some(command) = self.queue.pop_front() else {
                break;
            };
            // A seek with another right behind it is passed over: dragging the scrubber sends one per
            // move, and each costs a rebuild (with a worker per node, fresh workers too); only where
            // the drag has got to matters.
            if matches!(command, UiCommand::Seek { .. })
                && matches!(self.queue.front(), Some(UiCommand::Seek { .. }))
            {
                continue;
            }
            self.run.handle(command, out);
        }
    }

    /// How many events a full-speed frame drives with a worker per node. A call to a node worker costs a
    /// message round trip (a fraction of a millisecond) by default; over a shared-memory channel it costs
    /// microseconds, and a frame can carry as many events as an inline one.
    pub fn set_per_node_batch(&mut self, events: u64) {
        self.per_node_batch = events.max(1);
        self.run.set_per_node_batch(self.per_node_batch);
    }

    /// Whether the run is waiting for node workers.
    pub fn busy(&self) -> bool {
        self.run.busy()
    }
    /// The nodes whose workers the run is waiting for.
    pub fn waiting(&self) -> Vec<u32> {
        self.run.waiting()
    }
    pub fn digest(&self) -> String {
        self.run.digest()
    }
    pub fn now(&self) -> SimTime {
        self.run.now()
    }
    pub fn events(&self) -> u64 {
        self.run.events()
    }
}

/// A new run; with `expected`, its first frame checks that the replay reproduced that digest.
fn start(setup: RunSetup, expected: Option<String>, out: &mut Vec<Out>) -> Box<dyn Runner> {
    match setup.engine {
        #[cfg(feature = "demo")]
        EngineKind::Demo => Box::new(Run::<quorate_demo::Heartbeat>::new(setup, expected, out)),
        #[cfg(feature = "raft")]
        EngineKind::Raft => Box::new(Run::<quorate_raft::Raft>::new(setup, expected, out)),
        #[cfg(feature = "gossip")]
        EngineKind::Gossip => Box::new(Run::<quorate_gossip::Gossip>::new(setup, expected, out)),
        #[cfg(feature = "systems")]
        EngineKind::Consul => Box::new(Run::<quorate_systems::ConsulNode>::new(
            setup, expected, out,
        )),
        #[cfg(feature = "systems")]
        EngineKind::Etcd => Box::new(Run::<quorate_systems::EtcdNode>::new(setup, expected, out)),
        #[cfg(feature = "systems")]
        EngineKind::Kv => Box::new(Run::<quorate_kv::KvNode>::new(setup, expected, out)),
        // An engine this build leaves out (see `route`): no run, and an error that says so.
        #[allow(unreachable_patterns)]
        engine => Box::new(Idle::new(
            engine,
            setup.seed,
            Some(route::not_hosted(engine)),
        )),
    }
}

/// One run of one engine.
pub struct Run<E: Present> {
    world: World<E>,
    setup: RunSetup,
    per_node: bool,
    speed: f64,
    /// The records the next frame's log lines come from: its last `MAX_LOG_LINES`, written out only
    /// when the frame is sent (a full-speed frame drops all but a few of its thousands).
    log: VecDeque<quorate_sim::TraceRecord<E>>,
    log_skipped: u64,
    /// The next frame starts the page's history afresh (see `Frame::restart`).
    restart: bool,
    /// After a seek: the messages delivered shortly before the moment (see `Frame::delivered`).
    delivered: Vec<MessageView>,
    error: Option<String>,
    reached: Option<String>,
    export: Option<String>,
    expected_digest: Option<String>,
    branches: Vec<Branch>,
    branch: usize,
    /// Commands of the current branch already applied in the world.
    next_command: usize,
    workers: BTreeMap<NodeId, WorkerSlot>,
    views: BTreeMap<NodeId, NodeView>,
    task: Option<Task>,
    /// The nodes whose workers the run waits for, and what for.
    waiting: BTreeMap<NodeId, Awaited>,
    /// The answer to `Compare`, for the next frame.
    comparison: Option<quorate_view::ComparisonView>,
    /// The lesson this run plays, if any (`session/lesson.rs`).
    lesson: Option<Box<lesson::Playing>>,
    /// The node whose full view a large cluster's frames carry.
    selected: Option<NodeId>,
    /// Grid flags of hosted nodes, from their last views.
    flags: BTreeMap<NodeId, u8>,
    /// The failure or rumor being followed.
    spread: Option<Spread>,
    /// Events per full-speed frame with a worker per node.
    per_node_batch: u64,
    /// Raft's invariants and the client history, checked as the records come (`session/verdicts.rs`).
    verdicts: Verdicts,
}

impl<E: Present> Run<E> {
    pub fn new(setup: RunSetup, expected_digest: Option<String>, out: &mut Vec<Out>) -> Run<E> {
        let nodes = setup.nodes.clamp(1, MAX_NODES);
        let per_node = setup.hosting.per_node(nodes) && nodes <= MAX_WORKERS;
        // Parameters the page cannot take leave the engine's defaults and say why in the first frame.
        let mut setup = setup;
        let mut error = None;
        let checked = quorate_view::params::check(setup.engine, &setup.params)
            .and_then(|p| E::configure_page(&node_ids(nodes), &p).map(|_| p));
        match checked {
            Ok(params) => setup.params = params,
            Err(e) => {
                error = Some(format!("the run's parameters: {e}; using the defaults"));
                setup.params = Vec::new();
            }
        }
        let config = world_config::<E>(setup.seed, nodes, &setup.params);
        let replay = setup.replay.clone();
        let until = setup.until;
        let setup = RunSetup {
            nodes,
            replay: Vec::new(),
            until: None,
            ..setup
        };
        let fresh = replay.is_empty() && until.is_none();
        // Built inline even with a worker per node: the nodes boot here at time zero, the page gets
        // that frame at once, and only then are the engines handed to their workers (see `Task::Frame`).
        let world = World::new(config);
        let mut run = Run {
            world,
            setup,
            per_node,
            speed: E::SPEED,
            log: VecDeque::new(),
            log_skipped: 0,
            restart: true,
            delivered: Vec::new(),
            error,
            reached: None,
            export: None,
            expected_digest,
            branches: vec![Branch {
                parent: None,
                shared: replay,
                head: until.unwrap_or((0, 0)),
            }],
            branch: 0,
            next_command: 0,
            workers: BTreeMap::new(),
            views: BTreeMap::new(),
            task: None,
            waiting: BTreeMap::new(),
            comparison: None,
            lesson: None,
            selected: None,
            flags: BTreeMap::new(),
            spread: None,
            per_node_batch: FULL_SPEED_EVENTS_PER_NODE,
            verdicts: Verdicts::new(E::CHECKED, E::KV),
        };
        if fresh {
            // Boot: in per-node mode the nodes start in their own workers.
            run.task = Some(Task::Drive {
                until: Some(SimTime::ZERO),
                limit: 0,
                milestone: None,
            });
        } else {
            // A shared link: each command at the moment it was first applied, then on to the moment.
            let (events, us) = until.unwrap_or((0, 0));
            run.seek(Target::Moment(events, us), out);
            if run.task.is_none() {
                run.task = Some(Task::Views);
            }
        }
        run.pump(out);
        run
    }

    /// Hands a record's facts to the verdicts (`facts` is scratch space).
    fn observe(&mut self, record: &quorate_sim::TraceRecord<E>, facts: &mut Vec<verdicts::Fact>) {
        facts.clear();
        E::facts(&record.record, facts);
        if !facts.is_empty() {
            self.verdicts
                .observe(record.event, record.time.as_micros(), facts);
        }
    }

    fn collect_log(&mut self, milestone: Option<Milestone>) {
        let mut facts = Vec::new();
        for record in self.world.take_records() {
            self.observe(&record, &mut facts);
            if let (Some(wanted), Record::Emit { node, event }) = (milestone, &record.record) {
                if self.reached.is_none() && E::milestone(event) == Some(wanted) {
                    self.reached = Some(format!("{}: {node} {event}", wanted.title()));
                }
            }
            if self.log.len() == MAX_LOG_LINES {
                self.log.pop_front();
                self.log_skipped += 1;
            }
            self.log.push_back(record);
        }
    }

    fn advance(&mut self, wall_ms: f64) {
        if self.speed.is_infinite() {
            // As fast as possible: a fixed batch of events per frame.
            let batch = if self.per_node {
                self.per_node_batch
            } else {
                FULL_SPEED_EVENTS
            };
            self.task = Some(Task::Drive {
                until: None,
                limit: self.world.events() + batch,
                milestone: None,
            });
            return;
        }
        let wall_ms = if wall_ms.is_finite() {
            wall_ms.clamp(0.0, MAX_WALL_STEP_MS)
        } else {
            0.0
        };
        let sim_us = (wall_ms * 1_000.0 * self.speed).round() as u64;
        let target = self.world.now() + Duration::from_micros(sim_us);
        self.task = Some(Task::Drive {
            until: Some(target),
            limit: self.world.events() + MAX_EVENTS_PER_ADVANCE,
            milestone: None,
        });
    }
}

impl<E: Present> Runner for Run<E> {
    fn handle(&mut self, command: UiCommand, out: &mut Vec<Out>) {
        match command {
            // Handled by the session.
            UiCommand::Start(_)
            | UiCommand::ImportTrace(_)
            | UiCommand::LoadLesson { .. }
            | UiCommand::Hello { .. } => self.task = Some(Task::Views),
            UiCommand::LessonStep(page) => self.lesson_page(page, out),
            UiCommand::Refresh => self.task = Some(Task::Views),
            UiCommand::Compare(fault) => {
                // Headless worlds beside the run; the run itself does not move.
                #[cfg(feature = "systems")]
                {
                    self.comparison = Some(crate::present::compare(fault, self.setup.seed));
                }
                #[cfg(not(feature = "systems"))]
                {
                    let _ = fault;
                    self.set_error(route::not_hosted(EngineKind::Consul));
                }
                self.task = Some(Task::Views);
            }
            UiCommand::Advance { wall_ms } => self.advance(wall_ms),
            UiCommand::Step => {
                self.task = Some(Task::Drive {
                    until: None,
                    limit: self.world.events() + 1,
                    milestone: None,
                })
            }
            UiCommand::RunUntil(milestone) => {
                self.reached = None;
                self.task = Some(Task::Drive {
                    until: Some(self.world.now() + RUN_UNTIL_LIMIT),
                    limit: self.world.events() + MAX_EVENTS_PER_ADVANCE,
                    milestone: Some(milestone),
                });
            }
            UiCommand::SetSpeed(speed) => {
                if speed == f64::INFINITY {
                    self.speed = speed;
                } else if speed.is_finite() && speed > 0.0 {
                    self.speed = speed.min(1_000.0);
                } else {
                    self.error = Some(format!(
                        "speed must be a positive number or infinity (as fast as possible), got {speed}"
                    ));
                }
                self.task = Some(Task::Views);
            }
            UiCommand::SetHosting(hosting) => self.set_hosting(hosting, out),
            UiCommand::Seek { time_us } => {
                let head = self.current().head;
                self.seek(Target::Time(time_us.min(head.1)), out);
            }
            UiCommand::Branch(index) => {
                if index < self.branches.len() {
                    self.branch = index;
                    let head = self.current().head;
                    self.seek(Target::Moment(head.0, head.1), out);
                } else {
                    self.error = Some(format!("there is no branch {index}"));
                    self.task = Some(Task::Views);
                }
            }
            UiCommand::CrashWorker(id) => {
                let node = NodeId(id);
                let running = self
                    .workers
                    .get(&node)
                    .is_some_and(|s| s.state == WorkerState::Running);
                if running && self.world.is_away(node) {
                    self.send(node, ToNode::Panic, out);
                    // The worker's error event reports the crash.
                    self.waiting.insert(node, Awaited::Crash);
                } else {
                    self.error = Some(format!("{node} has no running worker to crash"));
                }
                self.task = Some(Task::Views);
            }
            UiCommand::Select(id) => {
                self.selected = Some(NodeId(id));
                self.task = Some(Task::Views);
            }
            UiCommand::ExportTrace => {
                match self.export() {
                    Ok(json) => self.export = Some(json),
                    Err(e) => self.error = Some(format!("export failed: {e}")),
                }
                self.task = Some(Task::Views);
            }
            command @ (UiCommand::Kill(_)
            | UiCommand::Restart(_)
            | UiCommand::Pause(_)
            | UiCommand::Resume(_)
            | UiCommand::Partition(_)
            | UiCommand::Heal
            | UiCommand::Cut { .. }
            | UiCommand::Mend { .. }
            | UiCommand::SetLink { .. }
            | UiCommand::Slow { .. }
            | UiCommand::Client { .. }) => {
                self.command(command);
                self.sync_workers(out);
                // Settle (a restarted node starts in its new worker), then a frame.
                self.task = Some(Task::Drive {
                    until: Some(self.world.now()),
                    limit: self.world.events(),
                    milestone: None,
                });
            }
        }
        self.pump(out);
    }

    fn node_message(&mut self, node: u32, message: FromNode, out: &mut Vec<Out>) {
        let id = NodeId(node);
        match message {
            FromNode::Ready => {
                if let Some(slot) = self.workers.get_mut(&id) {
                    if slot.state == WorkerState::Starting {
                        slot.state = WorkerState::Running;
                        for bytes in std::mem::take(&mut slot.held) {
                            out.push(Out::ToNode(node, bytes));
                        }
                    }
                }
                return;
            }
            FromNode::Error(e) => return self.node_failed(node, e, out),
            _ => {}
        }
        // Anything else answers what the run asked this worker for, or the worker is wrong.
        let awaited = self.waiting.remove(&id);
        if let Err(e) = workers::check_kind(&message, awaited.as_ref()) {
            return self.node_failed(node, e, out);
        }
        match message {
            FromNode::Answer(bytes) => match decode::<Answers<E>>(&bytes, "an engine answer") {
                Ok(answers) => {
                    let asked = match &awaited {
                        Some(Awaited::Answer(keys)) => keys.as_slice(),
                        _ => &[],
                    };
                    if let Err(e) = workers::check_answers(asked, &answers) {
                        return self.node_failed(node, e, out);
                    }
                    for (key, answer) in answers {
                        self.world.answer(key, id, answer);
                    }
                }
                Err(e) => return self.node_failed(node, e.to_string(), out),
            },
            FromNode::View(view, flags) => {
                if view.id != node {
                    return self.node_failed(
                        node,
                        format!("it sent the view of n{}", view.id),
                        out,
                    );
                }
                self.views.insert(id, *view);
                self.flags.insert(id, flags);
            }
            FromNode::State(bytes) => match engine_from_state::<E>(id, &bytes) {
                Ok(engine) => {
                    if self.world.attach(id, engine).is_ok() {
                        self.end_worker(id, WorkerState::Terminated, out);
                    }
                    if !self.world.node_ids().any(|n| self.world.is_away(n)) {
                        self.world.set_hosting(SimHosting::Inline);
                        self.per_node = false;
                    }
                }
                Err(e) => return self.node_failed(node, e, out),
            },
            FromNode::Loaded | FromNode::Ready | FromNode::Error(_) => {}
        }
        self.pump(out);
    }

    fn node_failed(&mut self, node: u32, error: String, out: &mut Vec<Out>) {
        let id = NodeId(node);
        // A worker already ended keeps the reason it ended for.
        let live = self
            .workers
            .get(&id)
            .is_some_and(|slot| matches!(slot.state, WorkerState::Starting | WorkerState::Running));
        if !live {
            return;
        }
        self.end_worker(id, WorkerState::Crashed(error.clone()), out);
        if self.world.is_away(id) {
            // The node is down as if killed; the kill joins the log so a link replays the same run.
            self.command(UiCommand::Kill(node));
        }
        self.error = Some(format!("{id}'s worker crashed: {error}"));
        self.pump(out);
    }

    fn teardown(&mut self, out: &mut Vec<Out>) {
        for id in self.workers.keys().copied().collect::<Vec<_>>() {
            self.end_worker(id, WorkerState::Terminated, out);
        }
        self.task = None;
    }

    fn busy(&self) -> bool {
        self.task.is_some()
    }
    fn waiting(&self) -> Vec<u32> {
        self.waiting.keys().map(|id| id.0).collect()
    }
    fn digest(&self) -> String {
        self.world.digest().to_string()
    }
    fn now(&self) -> SimTime {
        self.world.now()
    }
    fn events(&self) -> u64 {
        self.world.events()
    }
    fn set_per_node_batch(&mut self, events: u64) {
        self.per_node_batch = events;
    }
    fn set_error(&mut self, error: String) {
        self.error = Some(error);
    }
}

/// The world of a run; `params` were checked when the run started (`Run::new`), so this cannot fail.
fn world_config<E: Present>(seed: u64, nodes: u32, params: &[(String, String)]) -> WorldConfig<E> {
    let ids = node_ids(nodes);
    let (engine, network) = E::configure_page(&ids, params).unwrap_or_else(|_| E::setup(&ids));
    WorldConfig {
        seed,
        nodes: ids,
        engine,
        network,
    }
}

/// The world command a UI command stands for (`None` for commands that do not change the world).
fn to_world<E: Present>(command: &UiCommand) -> Result<Option<WorldCommand<E::Command>>, String> {
    Ok(Some(match command {
        UiCommand::Kill(id) => WorldCommand::Kill(NodeId(*id)),
        UiCommand::Restart(id) => WorldCommand::Restart(NodeId(*id)),
        UiCommand::Pause(id) => WorldCommand::Pause(NodeId(*id)),
        UiCommand::Resume(id) => WorldCommand::Resume(NodeId(*id)),
        UiCommand::Partition(groups) => WorldCommand::Partition(
            groups
                .iter()
                .map(|g| g.iter().map(|&id| NodeId(id)).collect())
                .collect(),
        ),
        UiCommand::Heal => WorldCommand::Heal,
        UiCommand::Cut { from, to } => WorldCommand::Cut {
            from: BTreeSet::from([NodeId(*from)]),
            to: BTreeSet::from([NodeId(*to)]),
        },
        UiCommand::Mend { from, to } => WorldCommand::Mend {
            from: NodeId(*from),
            to: NodeId(*to),
        },
        UiCommand::SetLink { from, to, link } => {
            if link.loss_pct > 100 || link.min_ms > link.max_ms {
                return Err(format!(
                    "a link's loss is 0 to 100 % and its latency min at most its max; got {} %, {}..{} ms",
                    link.loss_pct, link.min_ms, link.max_ms
                ));
            }
            WorldCommand::SetLink {
                from: from.map(NodeId),
                to: to.map(NodeId),
                params: LinkParams {
                    latency: Latency::Uniform {
                        min: Duration::from_millis(u64::from(link.min_ms)),
                        max: Duration::from_millis(u64::from(link.max_ms)),
                    },
                    loss: f64::from(link.loss_pct) / 100.0,
                    duplicate: 0.0,
                    reorder: 0.0,
                },
            }
        }
        UiCommand::Slow { node, delay_ms } => WorldCommand::Slow {
            node: NodeId(*node),
            delay: Duration::from_millis(u64::from(*delay_ms)),
        },
        UiCommand::Client { node, words } => {
            let words: Vec<&str> = words.split_whitespace().collect();
            match E::parse_command(&words) {
                Ok(cmd) => WorldCommand::Client {
                    node: NodeId(*node),
                    cmd,
                },
                Err(e) => {
                    return Err(format!(
                        "{}: {e}",
                        words.get(e.word).copied().unwrap_or("command")
                    ))
                }
            }
        }
        _ => return Ok(None),
    }))
}

mod branch;
mod export;
mod frame;
mod idle;
mod lesson;
pub mod route;
mod spread;
mod tasks;
pub(crate) mod verdicts;
mod workers;

use branch::{Branch, Target};
use export::import;
use idle::Idle;
use spread::Spread;
use tasks::Task;
use verdicts::Verdicts;
use workers::{Awaited, WorkerSlot};

#[cfg(test)]
mod tests;

//! The deterministic world: nodes, the event queue, the network, the clock and the trace.
//!
//! Next-event time advance: `step` pops the earliest event (ties broken by sequence number), moves the
//! clock to it and processes it; idle time costs nothing. Everything random is drawn from the world's
//! own stream or from a node's stream, both derived from the seed.

use std::collections::{BTreeMap, BTreeSet};

use quorate_core::{Duration, Effect, Engine, Input, NodeId, NodeRng, Outbox, SimTime};
use serde::{Deserialize, Serialize};

pub use crate::command::{SimError, WorldCommand};
use hosted::Hosted;
pub use hosted::{
    Answer, Answers, Boot, Call, CallKey, Drive, Hosting, NodeHost, Step, SPECULATION,
};

mod hosted;
use crate::network::{DropReason, LinkParams, Network, Rule, Verdict};
use crate::queue::{EventKind, Queue};
use crate::trace::{Digest, Record, TraceRecord};

/// Everything that fixes a world at time zero (with the seed: see [`World::new`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct WorldConfig<E: Engine> {
    pub seed: u64,
    pub nodes: Vec<NodeId>,
    pub engine: E::Config,
    pub network: LinkParams,
}

/// How much of the trace the world keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TraceMode {
    /// Keep every record in memory (until taken) and hash it into the digest.
    Keep,
    /// Only hash records into the digest.
    DigestOnly,
    /// Neither: the fastest mode, for large sweeps that only read statuses.
    Off,
}

/// A node as the host sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeState {
    Up,
    Paused,
    Down,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
struct Slot<E: Engine> {
    /// The engine when it runs here; `None` while the node is down or hosted elsewhere (`away`).
    /// Invariant: `paused` implies the node is up (`engine` is `Some` or `away`).
    engine: Option<E>,
    /// Up, with its engine in another host (a node worker); see [`hosted`].
    #[serde(default)]
    away: bool,
    /// What the node persisted, folded with `Engine::apply_persist`; survives kills.
    durable: E::Durable,
    /// Boots so far minus one; timers set in an earlier generation are stale and dropped.
    generation: u32,
    paused: bool,
    /// Inputs that arrived while paused, in arrival order.
    deferred: Vec<EventKind<E>>,
    /// Processing delay per received message or client request (timers are not delayed); zero for a
    /// normal node.
    slow: Duration,
    /// When a slow node finishes the inputs it has accepted so far.
    busy_until: SimTime,
}

impl<E: Engine> Slot<E> {
    fn is_up(&self) -> bool {
        self.engine.is_some() || self.away
    }
}

/// A user command with the moment it was applied: after event number `after_event`, at time `at`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct LoggedCommand<E: Engine> {
    pub at: SimTime,
    pub after_event: u64,
    pub command: WorldCommand<E::Command>,
}

/// A message on the wire, for drawing.
#[derive(Clone, Debug)]
pub struct InFlight<'a, E: Engine> {
    pub from: NodeId,
    pub to: NodeId,
    pub sent_at: SimTime,
    /// `None` while held on a held link.
    pub arrives_at: Option<SimTime>,
    pub msg: &'a E::Msg,
}

/// Messages waiting on each held link (from, to), in send order, with their send time.
type Held<M> = BTreeMap<(NodeId, NodeId), Vec<(SimTime, M)>>;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct World<E: Engine> {
    seed: u64,
    config_hash: u64,
    engine_config: E::Config,
    now: SimTime,
    events: u64,
    queue: Queue<E>,
    nodes: BTreeMap<NodeId, Slot<E>>,
    network: Network,
    /// Messages waiting on held links, in send order, with their send time.
    held: Held<E::Msg>,
    rng: NodeRng,
    digest: Digest,
    trace_mode: TraceMode,
    command_log: Vec<LoggedCommand<E>>,
    #[serde(skip)]
    records: Vec<TraceRecord<E>>,
    #[serde(skip)]
    outbox: Outbox<E>,
    /// Where nodes booted from now on run.
    #[serde(default)]
    hosting: Hosting,
    /// The calls under way to hosts away, and their answers.
    #[serde(skip)]
    hosted: Hosted<E>,
}

impl<E: Engine> World<E> {
    /// Builds the world and boots every node at time zero, in id order.
    pub fn new(config: WorldConfig<E>) -> World<E> {
        Self::with_trace(config, TraceMode::Keep)
    }

    pub fn with_trace(config: WorldConfig<E>, trace_mode: TraceMode) -> World<E> {
        Self::build(config, trace_mode, Hosting::Inline)
    }

    /// A world whose nodes run elsewhere (one host per node), driven by [`World::drive`]: its nodes
    /// start when their first answers come back.
    pub fn hosted(config: WorldConfig<E>, trace_mode: TraceMode) -> World<E> {
        Self::build(config, trace_mode, Hosting::Away)
    }

    fn build(config: WorldConfig<E>, trace_mode: TraceMode, hosting: Hosting) -> World<E> {
        let config_hash = Digest::of(
            &serde_json::to_string(&(&config.nodes, &config.engine, &config.network))
                .unwrap_or_default(),
        );
        let mut world = World {
            seed: config.seed,
            config_hash,
            engine_config: config.engine,
            now: SimTime::ZERO,
            events: 0,
            queue: Queue::default(),
            nodes: BTreeMap::new(),
            network: Network::new(config.network),
            held: BTreeMap::new(),
            rng: NodeRng::for_world(config.seed),
            digest: Digest::default(),
            trace_mode,
            command_log: Vec::new(),
            records: Vec::new(),
            outbox: Outbox::new(),
            hosting,
            hosted: Hosted::default(),
        };
        let mut ids = config.nodes;
        ids.sort();
        ids.dedup();
        for id in ids {
            world.boot_new(id);
        }
        world
    }

    // ----- reading -----

    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// Hash of the nodes, engine config and default link: with the seed, it names a run.
    pub fn config_hash(&self) -> u64 {
        self.config_hash
    }
    pub fn now(&self) -> SimTime {
        self.now
    }
    /// Events processed so far.
    pub fn events(&self) -> u64 {
        self.events
    }
    pub fn digest(&self) -> Digest {
        self.digest
    }
    pub fn engine_config(&self) -> &E::Config {
        &self.engine_config
    }
    /// The header line of the trace text.
    pub fn header(&self) -> String {
        format!(
            "# quorate trace seed={} config={:016x}",
            self.seed, self.config_hash
        )
    }
    pub fn node_ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.nodes.keys().copied()
    }
    pub fn node_state(&self, id: NodeId) -> Option<NodeState> {
        self.nodes.get(&id).map(|s| match (s.is_up(), s.paused) {
            (false, _) => NodeState::Down,
            (true, true) => NodeState::Paused,
            (true, false) => NodeState::Up,
        })
    }
    /// The node's engine, `None` when it is down or does not exist.
    pub fn engine(&self, id: NodeId) -> Option<&E> {
        self.nodes.get(&id)?.engine.as_ref()
    }
    pub fn status(&self, id: NodeId) -> Option<E::Status> {
        self.engine(id).map(E::status)
    }
    pub fn durable(&self, id: NodeId) -> Option<&E::Durable> {
        self.nodes.get(&id).map(|s| &s.durable)
    }
    pub fn generation(&self, id: NodeId) -> Option<u32> {
        self.nodes.get(&id).map(|s| s.generation)
    }
    /// The processing delay a `slow` command gave the node (zero when it is not slow).
    pub fn slowness(&self, id: NodeId) -> Duration {
        self.nodes.get(&id).map_or(Duration::ZERO, |s| s.slow)
    }
    pub fn network(&self) -> &Network {
        &self.network
    }
    pub fn pending_events(&self) -> usize {
        self.queue.len()
    }
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.queue.peek_time()
    }
    /// The user commands applied so far, in order: with the seed and config they reproduce the run.
    pub fn command_log(&self) -> &[LoggedCommand<E>] {
        &self.command_log
    }
    /// Records kept since the last `take_records` (only in `TraceMode::Keep`).
    pub fn records(&self) -> &[TraceRecord<E>] {
        &self.records
    }
    pub fn take_records(&mut self) -> Vec<TraceRecord<E>> {
        std::mem::take(&mut self.records)
    }
    /// Messages in flight and held, in no particular order.
    pub fn in_flight(&self) -> impl Iterator<Item = InFlight<'_, E>> {
        let queued = self.queue.iter().filter_map(|q| match &*q.kind {
            EventKind::Deliver {
                from,
                to,
                msg,
                sent_at,
                ..
            } => Some(InFlight {
                from: *from,
                to: *to,
                sent_at: *sent_at,
                arrives_at: Some(q.time),
                msg,
            }),
            _ => None,
        });
        let held = self.held.iter().flat_map(|(&(from, to), msgs)| {
            msgs.iter().map(move |(sent_at, msg)| InFlight {
                from,
                to,
                sent_at: *sent_at,
                arrives_at: None,
                msg,
            })
        });
        queued.chain(held)
    }

    /// A copy of the world to come back to: everything but the kept records.
    pub fn checkpoint(&self) -> World<E> {
        World {
            seed: self.seed,
            config_hash: self.config_hash,
            engine_config: self.engine_config.clone(),
            now: self.now,
            events: self.events,
            queue: self.queue.clone(),
            nodes: self.nodes.clone(),
            network: self.network.clone(),
            held: self.held.clone(),
            rng: self.rng.clone(),
            digest: self.digest,
            trace_mode: self.trace_mode,
            command_log: self.command_log.clone(),
            records: Vec::new(),
            outbox: Outbox::new(),
            hosting: self.hosting,
            hosted: self.hosted.checkpoint(),
        }
    }

    pub fn set_trace_mode(&mut self, mode: TraceMode) {
        self.trace_mode = mode;
    }

    // ----- advancing -----

    /// Processes exactly one event. Returns `false` when the queue is empty.
    pub fn step(&mut self) -> bool {
        let Some(event) = self.queue.pop() else {
            return false;
        };
        // Invariant: time never runs backwards (every push is at now + a non-negative delay).
        assert!(
            event.time >= self.now,
            "event at {} popped at {}",
            event.time,
            self.now
        );
        self.now = event.time;
        self.events += 1;
        self.hosted.current = Some(CallKey::Event(event.seq));
        self.process(*event.kind);
        self.hosted.current = None;
        true
    }

    /// Processes every event due at or before `until`, then moves the clock to `until`.
    pub fn run_until(&mut self, until: SimTime) {
        while self.queue.peek_time().is_some_and(|t| t <= until) {
            self.step();
        }
        self.now = self.now.max(until);
    }

    /// Runs for `span` of simulated time from now.
    pub fn run_for(&mut self, span: Duration) {
        self.run_until(self.now + span);
    }

    /// Steps until `stop` says so after an event, the queue empties, or the clock passes `limit`.
    /// Returns whether `stop` fired.
    pub fn run_while(&mut self, limit: SimTime, mut stop: impl FnMut(&World<E>) -> bool) -> bool {
        while self.queue.peek_time().is_some_and(|t| t <= limit) {
            self.step();
            if stop(self) {
                return true;
            }
        }
        self.now = self.now.max(limit);
        false
    }

    /// Runs until nothing is left to do or the clock passes `limit`; `true` when the queue emptied.
    pub fn run_until_quiet(&mut self, limit: SimTime) -> bool {
        self.run_until(limit);
        self.queue.len() == 0
    }

    // ----- commands -----

    /// Applies a user command now and logs it. A rejected command changes nothing and is not logged.
    pub fn apply(&mut self, command: WorldCommand<E::Command>) -> Result<(), SimError> {
        self.validate(&command)?;
        self.command_log.push(LoggedCommand {
            at: self.now,
            after_event: self.events,
            command: command.clone(),
        });
        self.perform(command);
        Ok(())
    }

    /// Queues a command to take effect at `at` (a scenario's timed action). It is checked when it fires;
    /// if it no longer fits (e.g. kill of a node already down), the rejection goes into the trace.
    pub fn schedule(&mut self, at: SimTime, command: WorldCommand<E::Command>) {
        self.queue
            .push(at.max(self.now), EventKind::Command(command));
    }

    /// Replays a command log on a world built from the same config: each command is applied after the
    /// same event and at the same time as in the original run.
    pub fn replay(&mut self, log: &[LoggedCommand<E>]) -> Result<(), SimError> {
        for entry in log {
            self.catch_up(entry.after_event, entry.at);
            self.apply(entry.command.clone())?;
        }
        Ok(())
    }

    /// Brings a replayed run to the moment a command was first applied: processes events until
    /// `after_event` of them are done, then moves the clock to `at` without processing anything else
    /// (events due at that same instant may still be pending, as they were then). The clock never passes
    /// a pending event.
    pub fn catch_up(&mut self, after_event: u64, at: SimTime) {
        while self.events < after_event && self.step() {}
        let limit = self.queue.peek_time().map_or(at, |next| next.min(at));
        self.now = self.now.max(limit);
    }

    fn validate(&self, command: &WorldCommand<E::Command>) -> Result<(), SimError> {
        let existing = |id: NodeId| self.nodes.get(&id).ok_or(SimError::UnknownNode(id));
        let up = |id: NodeId| {
            if existing(id)?.is_up() {
                Ok(())
            } else {
                Err(SimError::NodeDown(id))
            }
        };
        let prob = |p: f64| {
            if (0.0..=1.0).contains(&p) {
                Ok(())
            } else {
                Err(SimError::BadProbability(p.to_string()))
            }
        };
        match command {
            WorldCommand::Kill(n) | WorldCommand::Client { node: n, .. } => up(*n),
            WorldCommand::Restart(n) => {
                if existing(*n)?.is_up() {
                    Err(SimError::NodeUp(*n))
                } else {
                    Ok(())
                }
            }
            WorldCommand::Pause(n) => {
                up(*n)?;
                if existing(*n)?.paused {
                    Err(SimError::AlreadyPaused(*n))
                } else {
                    Ok(())
                }
            }
            WorldCommand::Resume(n) => {
                if existing(*n)?.paused {
                    Ok(())
                } else {
                    Err(SimError::NotPaused(*n))
                }
            }
            WorldCommand::Partition(groups) => groups
                .iter()
                .flatten()
                .try_for_each(|&n| existing(n).map(|_| ())),
            WorldCommand::Cut { from, to } => from
                .iter()
                .chain(to)
                .try_for_each(|&n| existing(n).map(|_| ())),
            WorldCommand::Heal => Ok(()),
            WorldCommand::Mend { from, to } => {
                existing(*from)?;
                existing(*to)?;
                if self.network.is_cut(*from, *to) {
                    Ok(())
                } else {
                    Err(SimError::NotCut(*from, *to))
                }
            }
            WorldCommand::Hold { from, to } => {
                existing(*from)?;
                existing(*to)?;
                if self.network.is_held(*from, *to) {
                    Err(SimError::AlreadyHeld(*from, *to))
                } else {
                    Ok(())
                }
            }
            WorldCommand::Release { from, to } => {
                if self.network.is_held(*from, *to) {
                    Ok(())
                } else {
                    Err(SimError::NotHeld(*from, *to))
                }
            }
            WorldCommand::SetLink { from, to, params } => {
                from.iter()
                    .chain(to.iter())
                    .try_for_each(|&n| existing(n).map(|_| ()))?;
                prob(params.loss)?;
                prob(params.duplicate)?;
                prob(params.reorder)
            }
            WorldCommand::Slow { node, .. } => existing(*node).map(|_| ()),
            WorldCommand::AddNode(n) => {
                if self.nodes.contains_key(n) {
                    Err(SimError::NodeExists(*n))
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Carries out a validated command.
    fn perform(&mut self, command: WorldCommand<E::Command>) {
        self.record(Record::Command {
            command: command.clone(),
        });
        match command {
            WorldCommand::Kill(n) => {
                self.forget_calls(n);
                let slot = self.slot(n);
                slot.engine = None;
                slot.away = false;
                slot.paused = false;
                slot.deferred.clear();
                slot.busy_until = SimTime::ZERO;
            }
            WorldCommand::Restart(n) => self.boot(n),
            WorldCommand::Pause(n) => self.slot(n).paused = true,
            WorldCommand::Resume(n) => {
                let now = self.now;
                let slot = self.slot(n);
                slot.paused = false;
                let deferred = std::mem::take(&mut slot.deferred);
                for mut kind in deferred {
                    kind.mark_slowed(false);
                    self.enqueue(now, kind);
                }
            }
            WorldCommand::Partition(groups) => self.network.partition(&groups),
            WorldCommand::Cut { from, to } => self.network.rules.push(Rule::Cut { from, to }),
            WorldCommand::Heal => self.network.heal(),
            WorldCommand::Mend { from, to } => self.network.mend(from, to),
            WorldCommand::Hold { from, to } => self.network.rules.push(Rule::Hold { from, to }),
            WorldCommand::Release { from, to } => {
                self.network.rules.retain(
                    |r| !matches!(r, Rule::Hold { from: f, to: t } if *f == from && *t == to),
                );
                // Same time, increasing sequence numbers: delivered in the order they were sent.
                for (sent_at, msg) in self.held.remove(&(from, to)).unwrap_or_default() {
                    self.enqueue(
                        self.now,
                        EventKind::Deliver {
                            from,
                            to,
                            msg,
                            sent_at,
                            slowed: false,
                        },
                    );
                }
            }
            WorldCommand::SetLink { from, to, params } => match (from, to) {
                (None, None) => {
                    self.network.default_link = params;
                    self.network.links.clear();
                }
                (from, to) => {
                    let ids: Vec<NodeId> = self.nodes.keys().copied().collect();
                    for &a in &ids {
                        for &b in &ids {
                            if a != b && from.is_none_or(|f| f == a) && to.is_none_or(|t| t == b) {
                                self.network.links.insert((a, b), params);
                            }
                        }
                    }
                }
            },
            WorldCommand::Slow { node, delay } => self.slot(node).slow = delay,
            WorldCommand::Client { node, cmd } => {
                self.enqueue(
                    self.now,
                    EventKind::Client {
                        node,
                        cmd,
                        slowed: false,
                    },
                );
            }
            WorldCommand::AddNode(n) => self.boot_new(n),
        }
    }

    fn slot(&mut self, id: NodeId) -> &mut Slot<E> {
        self.nodes
            .get_mut(&id)
            .expect("command validated against existing nodes")
    }

    fn boot_new(&mut self, id: NodeId) {
        let away = self.hosting == Hosting::Away;
        let engine = (!away).then(|| {
            E::boot(
                id,
                &self.engine_config,
                None,
                NodeRng::for_node(self.seed, id, 0),
            )
        });
        self.nodes.insert(
            id,
            Slot {
                engine,
                away,
                durable: E::Durable::default(),
                generation: 0,
                paused: false,
                deferred: Vec::new(),
                slow: Duration::ZERO,
                busy_until: SimTime::ZERO,
            },
        );
        if away {
            self.hosted.starting.push((id, 0));
            return;
        }
        self.record(Record::Boot {
            node: id,
            generation: 0,
        });
        self.run_engine(id, Input::Start);
    }

    fn boot(&mut self, id: NodeId) {
        let seed = self.seed;
        let config = &self.engine_config;
        let slot = self
            .nodes
            .get_mut(&id)
            .expect("command validated against existing nodes");
        slot.generation += 1;
        let generation = slot.generation;
        if self.hosting == Hosting::Away {
            slot.away = true;
            self.hosted.starting.push((id, generation));
            return;
        }
        let rng = NodeRng::for_node(seed, id, slot.generation);
        slot.engine = Some(E::boot(id, config, Some(&slot.durable), rng));
        self.record(Record::Boot {
            node: id,
            generation,
        });
        self.run_engine(id, Input::Start);
    }

    // ----- processing -----

    fn process(&mut self, kind: EventKind<E>) {
        let Some(target) = kind.target() else {
            if let EventKind::Command(command) = kind {
                match self.validate(&command) {
                    Ok(()) => self.perform(command),
                    // A scheduled command that no longer fits is recorded and skipped.
                    Err(_) => self.record(Record::Command { command }),
                }
            }
            return;
        };
        let now = self.now;
        let Some(slot) = self.nodes.get_mut(&target) else {
            self.lost_on_arrival(kind, DropReason::NoSuchNode);
            return;
        };
        if !slot.is_up() {
            // Timers of a dead node die with it; messages and client commands to it are lost.
            self.lost_on_arrival(kind, DropReason::NodeDown);
            return;
        }
        if let EventKind::Timer { generation, .. } = &kind {
            if *generation != slot.generation {
                return;
            }
        }
        if slot.paused {
            slot.deferred.push(kind);
            self.record(Record::Deferred {
                node: target,
                until: None,
            });
            return;
        }
        // A slow node works through a backlog of received messages and requests; its timers still fire on
        // time (a process whose receive queue is behind, as Lifeguard's paper models a slow member).
        let backlogged = !matches!(kind, EventKind::Timer { .. });
        if slot.slow > Duration::ZERO && backlogged && !kind.is_slowed() {
            let until = slot.busy_until.max(now) + slot.slow;
            slot.busy_until = until;
            let mut kind = kind;
            kind.mark_slowed(true);
            self.enqueue(until, kind);
            self.record(Record::Deferred {
                node: target,
                until: Some(until),
            });
            return;
        }
        match kind {
            EventKind::Deliver {
                from,
                to,
                msg,
                sent_at,
                ..
            } => {
                if self.trace_mode != TraceMode::Off {
                    self.record(Record::Deliver {
                        from,
                        to,
                        msg: msg.clone(),
                        sent_at,
                    });
                }
                self.run_engine(to, Input::Message { from, msg });
            }
            EventKind::Timer { node, timer, .. } => {
                if self.trace_mode != TraceMode::Off {
                    self.record(Record::Timer {
                        node,
                        timer: timer.clone(),
                    });
                }
                self.run_engine(node, Input::Timer(timer));
            }
            EventKind::Client { node, cmd, .. } => self.run_engine(node, Input::Command(cmd)),
            EventKind::Command(_) => unreachable!("commands have no target"),
        }
    }

    /// Records a message that reached a node unable to take it (other inputs vanish without a trace).
    fn lost_on_arrival(&mut self, kind: EventKind<E>, reason: DropReason) {
        if let EventKind::Deliver { from, to, msg, .. } = kind {
            self.record(Record::Drop {
                from,
                to,
                reason,
                msg,
            });
        }
    }

    /// Steps one engine and carries out its effects in order.
    fn run_engine(&mut self, id: NodeId, input: Input<E>) {
        let now = self.now;
        let mut outbox = std::mem::take(&mut self.outbox);
        let Some(slot) = self.nodes.get_mut(&id) else {
            return;
        };
        let result = match slot.engine.as_mut() {
            Some(engine) => engine.step(now, input, &mut outbox),
            None if slot.away => {
                let answer = self.hosted.take_current();
                answer
                    .unwrap_or_else(|key| {
                        panic!("{id} is hosted elsewhere and has no answer for {key:?}")
                    })
                    .map(|effects| {
                        for effect in effects {
                            outbox.push(effect);
                        }
                    })
            }
            None => return,
        };
        if let Err(error) = result {
            outbox.truncate(0);
            self.outbox = outbox;
            self.record(Record::Error { node: id, error });
            return;
        }
        let generation = slot.generation;
        for effect in outbox.drain() {
            match effect {
                Effect::Send { to, msg } => self.send(id, to, msg),
                Effect::SetTimer { after, timer } => {
                    self.enqueue(
                        now + after,
                        EventKind::Timer {
                            node: id,
                            generation,
                            timer,
                            slowed: false,
                        },
                    );
                }
                Effect::Persist(write) => {
                    if let Some(slot) = self.nodes.get_mut(&id) {
                        E::apply_persist(&mut slot.durable, &write);
                    }
                    self.record(Record::Persist { node: id, write });
                }
                Effect::Emit(event) => self.record(Record::Emit { node: id, event }),
            }
        }
        self.outbox = outbox;
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: E::Msg) {
        if self.trace_mode != TraceMode::Off {
            self.record(Record::Send {
                from,
                to,
                msg: msg.clone(),
            });
        }
        match self.network.route(from, to, &mut self.rng) {
            Verdict::Drop(reason) => self.record(Record::Drop {
                from,
                to,
                reason,
                msg,
            }),
            Verdict::Hold => {
                if self.trace_mode != TraceMode::Off {
                    self.record(Record::Held {
                        from,
                        to,
                        msg: msg.clone(),
                    });
                }
                self.held
                    .entry((from, to))
                    .or_default()
                    .push((self.now, msg));
            }
            Verdict::Deliver(delay, copy) => {
                let now = self.now;
                if let Some(extra) = copy {
                    let dup = msg.clone();
                    self.enqueue(
                        now + delay,
                        EventKind::Deliver {
                            from,
                            to,
                            msg,
                            sent_at: now,
                            slowed: false,
                        },
                    );
                    self.enqueue(
                        now + extra,
                        EventKind::Deliver {
                            from,
                            to,
                            msg: dup,
                            sent_at: now,
                            slowed: false,
                        },
                    );
                } else {
                    self.enqueue(
                        now + delay,
                        EventKind::Deliver {
                            from,
                            to,
                            msg,
                            sent_at: now,
                            slowed: false,
                        },
                    );
                }
            }
        }
    }

    fn record(&mut self, record: Record<E>) {
        if self.trace_mode == TraceMode::Off {
            return;
        }
        let rec = TraceRecord {
            event: self.events,
            time: self.now,
            record,
        };
        self.digest.record(&rec);
        if self.trace_mode == TraceMode::Keep {
            self.records.push(rec);
        }
    }
}

/// Node ids `n1..=nN`.
pub fn node_ids(count: u32) -> Vec<NodeId> {
    (1..=count).map(NodeId).collect()
}

/// The set form used by partition commands.
pub fn id_set(ids: &[NodeId]) -> BTreeSet<NodeId> {
    ids.iter().copied().collect()
}

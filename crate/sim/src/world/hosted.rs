//! Nodes hosted elsewhere: the world orders every event, another host (a node worker) runs the engine.
//!
//! A hosted world never steps an engine itself. [`World::drive`] processes events until the next one
//! needs a node's answer it does not have, then hands back the [`Call`]s to make; the host runs them
//! (each node's engine in its own [`NodeHost`]) and gives the answers back with [`World::answer`].
//! Effects are applied in event order, exactly where the inline world would apply them, so the trace
//! is the same byte for byte whichever way the nodes are hosted.
//!
//! Calls are batched without changing that order. A plan takes events from the front of the queue
//! while nothing another node does can come before them: every node acts no earlier than its first
//! event in the plan, or than a message sent in the plan reaches it (the first event's time plus the
//! network's minimum delay), and what it sends arrives the minimum delay later still (a message due at
//! the same time as a planned event is queued after it). One call per node carries that node's planned
//! inputs in order; its host steps them one after another and answers each separately, so the world
//! applies every input's effects at its own place in the order. The one thing that can come between
//! two planned inputs of a node is what the node queued for itself: a host stops its batch before the
//! first input a timer it set (or a message to itself) comes before, and the inputs it did not run are
//! planned again once the world has queued that event. A node with an input the world handles itself
//! in the plan (one it defers, drops as stale or delays as slow) gets no later input in that plan.
//! Commands end a plan (they may change any node's state).
//!
//! Past those certain steps a plan speculates, up to a few minimum delays after its first event
//! ([`World::set_speculation`]): it also calls the events queued by then, betting that nothing will be
//! queued before them for their node. Followers of one heartbeat round, whose messages arrive further
//! apart than the minimum delay, so run in one round of calls instead of two or three. The host keeps
//! a copy of its engine from the start of a call, when every step it had run stood, and the steps it
//! ran since (a new copy once those are many). The world
//! applies answers in order as before; when it queues an event for a node before a speculative step
//! that node already answered, it drops the answers from that step on and the node's next call (or,
//! before `Done`, a call with no steps) tells the host to rewind: it takes back its copy and runs again
//! the steps that stand. Engines are deterministic, so those give the
//! effects already applied. A guess costs only work: no effect of a step is applied before every input
//! that comes before it has been.
//!
//! Commands from outside (a person's kill, pause or client request) are not in the queue, so no plan
//! can allow for them: one must be applied only when the world [`is_caught_up`](World::is_caught_up),
//! with no answer waiting, or a host may already have run a step the command should have come before.
//! `drive` may stop for calls with answers waiting (it goes past its budget to use them); driving on with
//! no budget uses them up. A command recorded at an event count is reached with
//! [`World::drive_exact`], whose plans hold every step as a guess: at the count it takes back the
//! answers past it, and the hosts rewind, so the world stops there with every host where it is.

use std::collections::{BTreeMap, BTreeSet};

use quorate_core::{Duration, Effect, Engine, Input, NodeId, NodeRng, Outbox, SimTime};
use serde::{Deserialize, Serialize};

use super::World;
use crate::queue::EventKind;
use crate::trace::Record;

/// Where the nodes a world boots run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Hosting {
    /// In the world itself.
    #[default]
    Inline,
    /// Elsewhere, one host per node; the world asks for each step with a [`Call`].
    Away,
}

/// Names one call: the start of a boot, or the event whose input it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CallKey {
    Start { node: NodeId, generation: u32 },
    Event(u64),
}

/// What a host needs to build a node's engine: it then steps it with `Input::Start`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Boot<E: Engine> {
    pub seed: u64,
    pub generation: u32,
    pub config: E::Config,
    /// `None` for a first boot, else what the node persisted before it went down.
    pub durable: Option<E::Durable>,
}

impl<E: Engine> Boot<E> {
    /// The engine exactly as an inline world would build it.
    pub fn engine(&self, id: NodeId) -> E {
        E::boot(
            id,
            &self.config,
            self.durable.as_ref(),
            NodeRng::for_node(self.seed, id, self.generation),
        )
    }
}

/// One input of a call: the event it comes from, its time and the input itself.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Step<E: Engine> {
    pub key: CallKey,
    pub now: SimTime,
    pub input: Input<E>,
}

/// Engine steps to run on a node's host, in order (see the module notes).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Call<E: Engine> {
    pub node: NodeId,
    /// Present on a start: the host builds the engine first, dropping any it had.
    pub boot: Option<Boot<E>>,
    /// A start's only step is `Input::Start`; a call made only to rewind has none.
    pub steps: Vec<Step<E>>,
    /// How many of the first steps are certain; the rest are speculative (see the module notes): the
    /// host keeps what it needs to undo them.
    pub sure: usize,
    /// Before running the steps, undo the previous call's speculative steps from this one on: a message
    /// the world queued since comes before it.
    pub rewind: Option<CallKey>,
}

/// A node's answer to one step: its effects in order, or the engine's error (which changed nothing).
pub type Answer<E> = Result<Vec<Effect<E>>, <E as Engine>::Error>;

/// A host's answers to a call: one per step it ran, in order. A prefix of the call's steps when a step
/// set a timer due before the next one (the world plans the rest again).
pub type Answers<E> = Vec<(CallKey, Answer<E>)>;

/// What [`World::drive`] stopped for.
#[derive(Debug)]
pub enum Drive<E: Engine> {
    /// Reached the time limit or the event budget, or ran out of events.
    Done,
    /// These calls must be answered before the world can go on.
    Need(Vec<Call<E>>),
}

/// How far a hosted world's plans speculate by default, in minimum network delays: with Raft's 50 ms
/// heartbeats over 10–25 ms links, three cover a follower round (each host rarely has to undo a step);
/// more would guess the followers' election timers too, and undo them at every heartbeat.
pub const SPECULATION: u32 = 3;

/// What a world keeps of its calls to hosts away. None of it is serialized with the world; a checkpoint
/// keeps the starts still to make and the setting.
#[derive(Clone, Debug)]
pub(super) struct Hosted<E: Engine> {
    /// Hosted nodes booted but not yet started, in boot order (their `Boot` records wait for the answer).
    pub(super) starting: Vec<(NodeId, u32)>,
    /// Answers from hosted nodes, waiting for their event to come up.
    pub(super) answers: BTreeMap<CallKey, (NodeId, Answer<E>)>,
    /// The call the engine step in progress answers, for hosted nodes.
    pub(super) current: Option<CallKey>,
    /// Speculative steps called and not yet taken: their node and time.
    speculated: BTreeMap<CallKey, (NodeId, SimTime)>,
    /// Hosts to tell to undo their speculative steps from this one on, with its time.
    rewinds: BTreeMap<NodeId, (SimTime, CallKey)>,
    /// How far past its first event a plan speculates, in minimum network delays (zero: never).
    speculation: u32,
}

impl<E: Engine> Default for Hosted<E> {
    fn default() -> Hosted<E> {
        Hosted {
            starting: Vec::new(),
            answers: BTreeMap::new(),
            current: None,
            speculated: BTreeMap::new(),
            rewinds: BTreeMap::new(),
            speculation: SPECULATION,
        }
    }
}

impl<E: Engine> Hosted<E> {
    /// The answer to the call in progress, which it takes (and with it the guess it was, if one); the
    /// call's key if there is none.
    pub(super) fn take_current(&mut self) -> Result<Answer<E>, Option<CallKey>> {
        let key = self.current.take();
        if let Some(key) = &key {
            self.speculated.remove(key);
        }
        key.and_then(|key| self.answers.remove(&key))
            .map(|(_, answer)| answer)
            .ok_or(key)
    }

    /// Takes back a node's answered guesses due after `time` (an event for it is queued then); its host
    /// will be told to undo them.
    fn take_back(&mut self, target: NodeId, time: SimTime) {
        let later: Vec<(CallKey, SimTime)> = self
            .speculated
            .iter()
            .filter(|(key, (node, due))| {
                *node == target && *due > time && self.answers.contains_key(key)
            })
            .map(|(key, (_, due))| (*key, *due))
            .collect();
        for (key, due) in later {
            self.speculated.remove(&key);
            self.answers.remove(&key);
            self.rewind_from(target, due, key);
        }
    }

    /// Tells `node`'s host to undo its guesses from this step on (or from an earlier one already noted).
    fn rewind_from(&mut self, node: NodeId, due: SimTime, key: CallKey) {
        let first = self.rewinds.entry(node).or_insert((due, key));
        if (due, key) < *first {
            *first = (due, key);
        }
    }

    /// Takes back every answer still waiting (all of them guesses): their hosts will be told to undo
    /// them. `false`, changing nothing, if one of them is a certain step, which its host cannot undo.
    fn take_back_all(&mut self) -> bool {
        if self
            .answers
            .keys()
            .any(|key| !self.speculated.contains_key(key))
        {
            return false;
        }
        for (key, (node, _)) in std::mem::take(&mut self.answers) {
            let (_, due) = self.speculated.remove(&key).expect("checked above");
            self.rewind_from(node, due, key);
        }
        true
    }

    /// For a checkpoint: the starts still to make and the setting, no answers.
    pub(super) fn checkpoint(&self) -> Hosted<E> {
        Hosted {
            starting: self.starting.clone(),
            speculation: self.speculation,
            ..Hosted::default()
        }
    }
}

/// Inputs a host keeps to replay on a rewind: past this many it takes a new copy of its engine at the
/// start of its next speculative call (a copy per call cost more than the rounds speculation saves on
/// the larger engines).
const REPLAY: usize = 64;

/// One node's engine as its own host keeps it: what a node worker runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct NodeHost<E: Engine> {
    pub id: NodeId,
    pub engine: Option<E>,
    /// What undoes speculative steps on the world's word.
    #[serde(skip)]
    undo: Option<Undo<E>>,
}

/// The engine at the start of a call (when every step it had run stood), and every step run since.
#[derive(Clone, Debug)]
struct Undo<E: Engine> {
    base: E,
    since: Vec<(CallKey, SimTime, Input<E>)>,
}

impl<E: Engine> NodeHost<E> {
    pub fn new(id: NodeId) -> NodeHost<E> {
        NodeHost::with_engine(id, None)
    }

    pub fn with_engine(id: NodeId, engine: Option<E>) -> NodeHost<E> {
        NodeHost {
            id,
            engine,
            undo: None,
        }
    }

    /// Undoes the steps from `key` on (nothing if the host never ran that step): the engine goes back to
    /// its copy and runs again the steps before `key`.
    fn rewind(&mut self, key: CallKey) {
        let Some(undo) = self.undo.as_mut() else {
            return;
        };
        let Some(keep) = undo.since.iter().position(|(k, _, _)| *k == key) else {
            return;
        };
        undo.since.truncate(keep);
        let mut engine = undo.base.clone();
        let mut outbox = Outbox::new();
        for (_, now, input) in &undo.since {
            // The same steps on the same state: the same effects, already given to the world.
            let _ = engine.step(*now, input.clone(), &mut outbox);
            outbox.truncate(0);
        }
        self.engine = Some(engine);
    }

    /// Runs one call's steps in order, stopping before a step that a timer (or message) the node
    /// queued for itself comes before in the world's order. Fails (changing nothing) when the
    /// call is for another node or the engine was never started.
    pub fn run(&mut self, call: Call<E>) -> Result<Answers<E>, String> {
        if call.node != self.id {
            return Err(format!("a call for {} reached {}", call.node, self.id));
        }
        if let Some(key) = call.rewind {
            self.rewind(key);
        }
        if let Some(boot) = &call.boot {
            self.engine = Some(boot.engine(self.id));
            self.undo = None;
        }
        if call.steps.is_empty() {
            return Ok(Vec::new());
        }
        let Some(engine) = self.engine.as_mut() else {
            return Err(format!(
                "{} got {:?} before it was started",
                self.id,
                call.steps.first().map(|s| s.key)
            ));
        };
        // Every step run so far stands (the world calls a node only once it has taken or taken back
        // all its answers), so the engine as it is now is a place to rewind to.
        let guesses = call.sure < call.steps.len();
        let kept = self.undo.as_ref().is_some_and(|u| u.since.len() < REPLAY);
        if guesses && !kept {
            self.undo = Some(Undo {
                base: engine.clone(),
                since: Vec::new(),
            });
        } else if !kept {
            self.undo = None;
        }
        let mut answers = Vec::with_capacity(call.steps.len());
        let mut outbox = Outbox::new();
        // The earliest event a step queued for this node itself: a timer, or a message to itself (due
        // at least the network's minimum delay later, which the plan may have looked past). It is
        // queued after every step already planned for its time, before any later one.
        let mut own: Option<SimTime> = None;
        for step in call.steps {
            if own.is_some_and(|own| step.now > own) {
                break;
            }
            if let Some(undo) = self.undo.as_mut() {
                undo.since.push((step.key, step.now, step.input.clone()));
            }
            let answer = engine
                .step(step.now, step.input, &mut outbox)
                .map(|()| outbox.drain().collect::<Vec<_>>());
            outbox.truncate(0);
            if let Ok(effects) = &answer {
                for effect in effects {
                    let due = match effect {
                        Effect::SetTimer { after, .. } => step.now + *after,
                        Effect::Send { to, .. } if *to == self.id => step.now,
                        _ => continue,
                    };
                    own = Some(own.map_or(due, |own| own.min(due)));
                }
            }
            answers.push((step.key, answer));
        }
        Ok(answers)
    }
}

impl<E: Engine> World<E> {
    /// Where nodes booted from now on (restarts included) run.
    pub fn set_hosting(&mut self, hosting: Hosting) {
        self.hosting = hosting;
    }
    pub fn hosting(&self) -> Hosting {
        self.hosting
    }

    /// How far past a plan's first event its calls may speculate, in minimum network delays (zero: never;
    /// a new world has [`SPECULATION`](crate::SPECULATION)). See the module notes.
    pub fn set_speculation(&mut self, windows: u32) {
        self.hosted.speculation = windows;
    }

    /// Whether the node is up with its engine hosted elsewhere.
    pub fn is_away(&self, id: NodeId) -> bool {
        self.nodes.get(&id).is_some_and(|s| s.away)
    }

    /// No start is waiting for its answer: the world can take a command and give the same trace as an
    /// inline world would.
    pub fn is_settled(&self) -> bool {
        self.hosted.starting.is_empty()
    }

    /// No start, answer or rewind is waiting: every host is exactly where the world is. [`World::drive`]
    /// may stop for calls with answers still waiting (it goes past its budget to use them, and guesses
    /// reach further); a command applied then could meet a host that already ran a later step. Driving
    /// with no budget uses them up.
    pub fn is_caught_up(&self) -> bool {
        self.hosted.starting.is_empty()
            && self.hosted.answers.is_empty()
            && self.hosted.rewinds.is_empty()
    }

    /// Takes a node's engine out of the world to run it elsewhere; the node stays up, now hosted away.
    /// `None` if the node is down, unknown or already away.
    pub fn detach(&mut self, id: NodeId) -> Option<E> {
        let slot = self.nodes.get_mut(&id)?;
        let engine = slot.engine.take()?;
        slot.away = true;
        Some(engine)
    }

    /// Brings a hosted node's engine (as its host handed it back) into the world. Fails, changing
    /// nothing, if the node is not hosted away or still has answers waiting.
    pub fn attach(&mut self, id: NodeId, engine: E) -> Result<(), E> {
        let waiting = self.hosted.answers.values().any(|(node, _)| *node == id)
            || self.hosted.starting.iter().any(|(node, _)| *node == id)
            || self.hosted.rewinds.contains_key(&id);
        match self.nodes.get_mut(&id) {
            Some(slot) if slot.away && !waiting => {
                slot.engine = Some(engine);
                slot.away = false;
                Ok(())
            }
            _ => Err(engine),
        }
    }

    /// Stores a node's answer to a call from [`World::drive`]. Answers for calls the world no longer
    /// waits for (the node went down meanwhile) are dropped.
    pub fn answer(&mut self, key: CallKey, node: NodeId, answer: Answer<E>) {
        if self.is_away(node) {
            self.hosted.answers.insert(key, (node, answer));
        }
    }

    /// Drops every answer and pending start of a node (it went down).
    pub(super) fn forget_calls(&mut self, id: NodeId) {
        self.hosted.answers.retain(|_, (node, _)| *node != id);
        self.hosted.starting.retain(|(node, _)| *node != id);
        self.hosted.speculated.retain(|_, (node, _)| *node != id);
        self.hosted.rewinds.remove(&id);
    }

    /// Queues an event. One for a node that answered speculative steps due after it takes back those
    /// answers, and its host is told to undo the steps.
    pub(super) fn enqueue(&mut self, time: SimTime, kind: EventKind<E>) {
        if !self.hosted.speculated.is_empty() {
            if let Some(target) = kind.target() {
                self.hosted.take_back(target, time);
            }
        }
        self.queue.push(time, kind);
    }

    /// `Done`, once every host that must undo speculative steps has been told to.
    fn done(&mut self) -> Drive<E> {
        self.hosted.speculated.clear();
        if self.hosted.rewinds.is_empty() {
            return Drive::Done;
        }
        let rewinds = std::mem::take(&mut self.hosted.rewinds);
        Drive::Need(
            rewinds
                .into_iter()
                .filter(|(node, _)| self.is_away(*node))
                .map(|(node, (_, key))| Call {
                    node,
                    boot: None,
                    steps: Vec::new(),
                    sure: 0,
                    rewind: Some(key),
                })
                .collect(),
        )
    }

    /// Processes events in order while they are due by `until` (if given) and fewer than `max_events`
    /// have been processed in this call, using the answers given so far; stops with the calls to make
    /// when the next step needs an answer it does not have. When it runs out of due events it moves the
    /// clock to `until`, as [`World::run_until`] does. An inline world never needs a call.
    ///
    /// `Done` always leaves no answer waiting (the budget may be overrun by the few events already
    /// answered), so a command applied then finds every host exactly where the world is.
    pub fn drive(&mut self, until: Option<SimTime>, max_events: u64) -> Drive<E> {
        self.drive_with(until, max_events, false)
    }

    /// As [`World::drive`], but the world stops at exactly `max_events` with every host caught up (if it
    /// was caught up when called): for reaching a command's recorded moment. Its plans hold every step
    /// as a guess (the hosts keep what they need to undo them), and at `max_events` the answers past it
    /// are taken back, so its last `Need` may be only rewinds.
    pub fn drive_exact(&mut self, until: Option<SimTime>, max_events: u64) -> Drive<E> {
        self.drive_with(until, max_events, true)
    }

    fn drive_with(&mut self, until: Option<SimTime>, max_events: u64, exact: bool) -> Drive<E> {
        let mut processed = 0;
        loop {
            if let Some(&(node, generation)) = self.hosted.starting.first() {
                let key = CallKey::Start { node, generation };
                if !self.hosted.answers.contains_key(&key) {
                    return Drive::Need(self.plan_starts());
                }
                self.hosted.starting.remove(0);
                self.record(Record::Boot { node, generation });
                self.hosted.current = Some(key);
                self.run_engine(node, Input::Start);
                self.hosted.current = None;
                continue;
            }
            let waiting = !self.hosted.answers.is_empty();
            if processed >= max_events && (!waiting || exact && self.hosted.take_back_all()) {
                return self.done();
            }
            let Some(front) = self.queue.peek() else {
                if let Some(until) = until {
                    self.now = self.now.max(until);
                }
                return self.done();
            };
            if until.is_some_and(|until| front.time > until) && !waiting {
                self.now = self.now.max(until.unwrap_or(self.now));
                return self.done();
            }
            let key = CallKey::Event(front.seq);
            if self.needs_call(&front.kind) && !self.hosted.answers.contains_key(&key) {
                let room = max_events.saturating_sub(processed).max(1);
                return Drive::Need(self.plan(until, room, exact));
            }
            self.step();
            processed += 1;
        }
    }

    /// Whether processing this event steps a hosted node (rather than dropping or deferring it).
    fn needs_call(&self, kind: &EventKind<E>) -> bool {
        let Some(target) = kind.target() else {
            return false;
        };
        let Some(slot) = self.nodes.get(&target) else {
            return false;
        };
        if !slot.away || slot.paused {
            return false;
        }
        if let EventKind::Timer { generation, .. } = kind {
            if *generation != slot.generation {
                return false;
            }
        }
        let backlogged = !matches!(kind, EventKind::Timer { .. });
        !(slot.slow > quorate_core::Duration::ZERO && backlogged && !kind.is_slowed())
    }

    fn plan_starts(&self) -> Vec<Call<E>> {
        self.hosted
            .starting
            .iter()
            .filter(|(node, generation)| {
                !self.hosted.answers.contains_key(&CallKey::Start {
                    node: *node,
                    generation: *generation,
                })
            })
            .map(|&(node, generation)| {
                let durable = (generation > 0)
                    .then(|| self.nodes.get(&node).map(|s| s.durable.clone()))
                    .flatten();
                Call {
                    node,
                    boot: Some(Boot {
                        seed: self.seed,
                        generation,
                        config: self.engine_config.clone(),
                        durable,
                    }),
                    steps: vec![Step {
                        key: CallKey::Start { node, generation },
                        now: self.now,
                        input: Input::Start,
                    }],
                    sure: 1,
                    rewind: None,
                }
            })
            .collect()
    }

    /// The calls to make now (see the module notes): first the steps that nothing can come before, then,
    /// within the world's speculation span, steps that nothing is yet known to come before. At most
    /// `room` steps in all. With `all_guesses` every step is held as a guess, even a certain one, so
    /// that it can be taken back.
    fn plan(&mut self, until: Option<SimTime>, room: u64, all_guesses: bool) -> Vec<Call<E>> {
        let window = self.network.min_delay();
        let span = window.saturating_mul(u64::from(self.hosted.speculation));
        // Steps called before and never run (a host stopped short of them) are planned again.
        let answers = &self.hosted.answers;
        self.hosted
            .speculated
            .retain(|key, _| answers.contains_key(key));
        // Nodes that already answered a later event: their hosts are ahead, so nothing more for them.
        let mut blocked: BTreeSet<NodeId> = self
            .hosted
            .answers
            .values()
            .map(|(node, _)| *node)
            .collect();
        let mut taken = Vec::new();
        let mut calls: Vec<Call<E>> = Vec::new();
        let mut steps = 0u64;
        // The node of the plan's first event, and when the first event of any other node is due.
        let mut lead: Option<(NodeId, SimTime)> = None;
        let mut other: Option<SimTime> = None;
        // Whether every step so far is certain.
        let mut certain = true;
        while let Some(queued) = self.queue.pop() {
            let target = queued.kind.target();
            let open = until.is_none_or(|until| queued.time <= until) && steps < room;
            // Another node acts no earlier than its first event here, or than a message sent in the
            // plan reaches it (the first event's time plus the minimum delay); what it sends arrives
            // the minimum delay after that. So the first event's node may run on until the minimum
            // delay after the first other node's event (or twice that after its own first), every
            // other node until the minimum delay after the first event.
            let sure = |target: NodeId| match lead {
                None => true,
                Some((node, start)) => {
                    let acts = if node == target {
                        other.map_or(start + window, |t| t.min(start + window))
                    } else {
                        start
                    };
                    queued.time <= acts + window && open
                }
            };
            // Past that, a step is a guess that nothing will be queued before it for its node.
            let guess = lead.is_some_and(|(_, start)| {
                open && span > Duration::ZERO && queued.time <= start + span
            });
            let Some(target) = target.filter(|&target| {
                if certain && !sure(target) {
                    certain = false;
                }
                certain || guess
            }) else {
                taken.push(queued);
                break;
            };
            match lead {
                None => lead = Some((target, queued.time)),
                Some((node, _)) if node != target && other.is_none() => other = Some(queued.time),
                _ => {}
            }
            let needs_call = self.needs_call(&queued.kind);
            if needs_call && !blocked.contains(&target) {
                let input = match &*queued.kind {
                    EventKind::Deliver { from, msg, .. } => Input::Message {
                        from: *from,
                        msg: msg.clone(),
                    },
                    EventKind::Timer { timer, .. } => Input::Timer(timer.clone()),
                    EventKind::Client { cmd, .. } => Input::Command(cmd.clone()),
                    EventKind::Command(_) => unreachable!("commands have no target"),
                };
                let key = CallKey::Event(queued.seq);
                if !certain || all_guesses {
                    self.hosted.speculated.insert(key, (target, queued.time));
                }
                let step = Step {
                    key,
                    now: queued.time,
                    input,
                };
                steps += 1;
                let call = match calls.iter().position(|call| call.node == target) {
                    Some(i) => &mut calls[i],
                    None => {
                        calls.push(Call {
                            node: target,
                            boot: None,
                            steps: Vec::new(),
                            sure: 0,
                            rewind: self.hosted.rewinds.remove(&target).map(|(_, key)| key),
                        });
                        calls.last_mut().expect("just pushed")
                    }
                };
                call.steps.push(step);
                if certain && !all_guesses {
                    call.sure = call.steps.len();
                }
            } else {
                if calls.is_empty() && needs_call {
                    panic!(
                        "{target} must step at {} but its host already answered a later event",
                        queued.time
                    );
                }
                // The world handles this one itself (or the host is ahead): nothing later for this node
                // in this plan.
                blocked.insert(target);
            }
            taken.push(queued);
        }
        for queued in taken {
            self.queue.reinsert(queued);
        }
        calls
    }
}

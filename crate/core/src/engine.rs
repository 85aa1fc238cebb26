//! The one door into an engine (`step`) and the one record out of it (the `Outbox` of `Effect`s).

use std::fmt::{Debug, Display};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{Duration, NodeId, NodeRng, SimTime};

/// A protocol engine: one virtual node's state machine.
///
/// Contract (DESIGN.md, "The engine contract"):
/// - `step` is the only way state changes. It must not read a clock, draw OS entropy, log or do IO.
/// - Effects are appended to the outbox in the order the host must act on them; in particular a `Persist`
///   that precedes a `Send` must be durable before that message leaves (the host keeps the order).
/// - Timers are never cancelled: a timer carries whatever token the engine needs to recognise it as stale
///   when it fires after the engine moved on.
/// - A call that returns `Err` changed nothing: neither the state nor the outbox.
/// - The state is `Clone` and serde-serializable so the host can checkpoint it or move it between workers.
pub trait Engine: Clone + Debug + Serialize + DeserializeOwned + 'static {
    /// Messages between nodes (the wire).
    type Msg: Clone + Debug + Display + Serialize + DeserializeOwned;
    /// Typed timers. A timer comes back unchanged in `Input::Timer` when it fires.
    type Timer: Clone + Debug + Display + Serialize + DeserializeOwned;
    /// Local intents from a user or a client: propose, campaign, join, broadcast an event...
    type Command: Clone + Debug + Display + Serialize + DeserializeOwned;
    /// Observable facts for traces, checkers and the UI: became leader, committed, member suspect...
    type Event: Clone + Debug + Display + Serialize + DeserializeOwned;
    /// One durable write, folded into `Durable` by [`Engine::apply_persist`].
    type Persist: Clone + Debug + Display + Serialize + DeserializeOwned;
    /// Everything that survives a crash. The host keeps it; `boot` reads it on restart.
    type Durable: Clone + Debug + Default + Serialize + DeserializeOwned;
    /// Settings shared by every node of a world (cluster members, timeouts, teaching switches).
    type Config: Clone + Debug + Serialize + DeserializeOwned;
    /// A read-only picture of the node for the UI.
    type Status: Clone + Debug + Serialize + DeserializeOwned;
    /// The crate's error enum.
    type Error: EngineError;

    /// Builds a node: fresh when `durable` is `None`, else recovering from what it persisted before a crash.
    /// Nothing happens until the host steps it with `Input::Start`.
    fn boot(
        id: NodeId,
        config: &Self::Config,
        durable: Option<&Self::Durable>,
        rng: NodeRng,
    ) -> Self;

    /// Processes one input at time `now`, appending effects to `out`.
    fn step(
        &mut self,
        now: SimTime,
        input: Input<Self>,
        out: &mut Outbox<Self>,
    ) -> Result<(), Self::Error>;

    /// What the UI draws. Must not change state.
    fn status(&self) -> Self::Status;

    /// Folds one durable write into the durable record the host keeps for this node.
    fn apply_persist(durable: &mut Self::Durable, write: &Self::Persist);
}

/// What every engine error can say about itself.
pub trait EngineError: Debug + Display + Clone + Serialize + DeserializeOwned {
    /// Whether the failed call changed the engine's state. The contract says it must not; engines that
    /// cannot guarantee it for some variant say so here and the host treats that as a bug to report.
    fn state_changed(&self) -> bool {
        false
    }
}

/// One input to [`Engine::step`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub enum Input<E: Engine> {
    /// The node has just been booted (fresh or restarted) and may arm its timers.
    Start,
    /// A message from another node arrived.
    Message { from: NodeId, msg: E::Msg },
    /// A timer this node set fired.
    Timer(E::Timer),
    /// A local intent (from a user, a client or a scenario).
    Command(E::Command),
}

/// One thing an engine wants done, in order.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub enum Effect<E: Engine> {
    /// Send `msg` to `to` over the (simulated) network.
    Send { to: NodeId, msg: E::Msg },
    /// Deliver `timer` back to this node after `after`.
    SetTimer { after: Duration, timer: E::Timer },
    /// Make this write durable before acting on any later effect.
    Persist(E::Persist),
    /// Report an observable fact.
    Emit(E::Event),
}

/// The accumulating list of effects an engine writes to; the host drains it after each `step`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Outbox<E: Engine> {
    effects: Vec<Effect<E>>,
}

impl<E: Engine> Default for Outbox<E> {
    fn default() -> Self {
        Outbox {
            effects: Vec::new(),
        }
    }
}

impl<E: Engine> Outbox<E> {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn send(&mut self, to: NodeId, msg: E::Msg) {
        self.effects.push(Effect::Send { to, msg });
    }
    pub fn set_timer(&mut self, after: Duration, timer: E::Timer) {
        self.effects.push(Effect::SetTimer { after, timer });
    }
    pub fn persist(&mut self, write: E::Persist) {
        self.effects.push(Effect::Persist(write));
    }
    pub fn emit(&mut self, event: E::Event) {
        self.effects.push(Effect::Emit(event));
    }
    pub fn push(&mut self, effect: Effect<E>) {
        self.effects.push(effect);
    }
    pub fn effects(&self) -> &[Effect<E>] {
        &self.effects
    }
    pub fn len(&self) -> usize {
        self.effects.len()
    }
    pub fn is_empty(&self) -> bool {
        self.effects.is_empty()
    }
    /// Forgets effects appended after `len`: how an engine keeps "a failed call changes nothing"
    /// when it notices a problem halfway through a step.
    pub fn truncate(&mut self, len: usize) {
        self.effects.truncate(len);
    }
    /// Takes the effects out in order, leaving the outbox empty (and its buffer allocated for reuse).
    pub fn drain(&mut self) -> std::vec::Drain<'_, Effect<E>> {
        self.effects.drain(..)
    }
}

//! The engine contract shared by every Quorate protocol engine.
//!
//! An engine is a pure state machine (DESIGN.md, "The engine contract"): the host calls
//! [`Engine::step`] with the current time and one [`Input`], and the engine appends what it wants done
//! to an [`Outbox`] as [`Effect`]s, in order. The engine never reads a clock, never draws OS entropy and
//! never does IO: time is an argument, randomness comes from the [`NodeRng`] the host hands it at boot,
//! derived from `(world seed, node id, generation)` so that adding a node does not perturb the others.
//!
//! A complete engine, as small as one can be: it counts ticks of a timer and remembers the count durably.
//!
//! ```
//! use quorate_core::{Duration, Effect, Engine, EngineError, Input, NodeId, NodeRng, Outbox, SimTime};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Clone, Debug, Serialize, Deserialize)]
//! struct Ticker { ticks: u64 }
//!
//! #[derive(Clone, Debug, Serialize, Deserialize)]
//! struct Tick;
//! impl std::fmt::Display for Tick {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "tick") }
//! }
//!
//! #[derive(Clone, Debug, Serialize, Deserialize)]
//! struct Never;
//! impl std::fmt::Display for Never {
//!     fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { Ok(()) }
//! }
//! impl EngineError for Never {}
//!
//! impl Engine for Ticker {
//!     type Msg = Tick;
//!     type Timer = Tick;
//!     type Command = Tick;
//!     type Event = Tick;
//!     type Persist = Tick;
//!     type Durable = u64;
//!     type Config = ();
//!     type Status = u64;
//!     type Error = Never;
//!
//!     fn boot(_: NodeId, _: &(), durable: Option<&u64>, _: NodeRng) -> Self {
//!         Ticker { ticks: durable.copied().unwrap_or(0) }
//!     }
//!     fn step(&mut self, _now: SimTime, input: Input<Self>, out: &mut Outbox<Self>) -> Result<(), Never> {
//!         if let Input::Timer(_) = input {
//!             self.ticks += 1;
//!             out.persist(Tick); // durable before anything that follows
//!         }
//!         out.set_timer(Duration::from_millis(100), Tick);
//!         Ok(())
//!     }
//!     fn status(&self) -> u64 { self.ticks }
//!     fn apply_persist(durable: &mut u64, _: &Tick) { *durable += 1; }
//! }
//!
//! let mut node = Ticker::boot(NodeId(1), &(), None, NodeRng::for_node(7, NodeId(1), 0));
//! let mut out = Outbox::new();
//! node.step(SimTime::ZERO, Input::Start, &mut out).unwrap();
//! assert!(matches!(out.effects(), [Effect::SetTimer { .. }]));
//! ```

mod engine;
mod id;
mod rng;
mod script;
mod time;

pub use engine::{Effect, Engine, EngineError, Input, Outbox};
pub use id::NodeId;
pub use rng::NodeRng;
pub use script::{ScriptError, Scripted};
pub use time::{Duration, SimTime};

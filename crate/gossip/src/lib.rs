//! SWIM failure detection with Lifeguard, piggybacked dissemination, push-pull and Serf user events:
//! a sans-IO engine faithful to hashicorp/memberlist (what Consul and Serf run).
//!
//! Papers: SWIM (Das, Gupta, Motivala 2002), Lifeguard (Dadgar, Phillips, Currey 2018), epidemic
//! algorithms (Demers et al. 1987). Code: memberlist's `state.go`, `suspicion.go`, `awareness.go`,
//! `queue.go`, `net.go`, and Serf's `serf.go` / `delegate.go`.
//!
//! Module map:
//! - [`config`]: memberlist's presets, every field with its constraint.
//! - [`msg`]: the wire (ping, ping-req, ack, nack, gossip, push-pull, rumor) and size estimates.
//! - [`member`]: one node's membership view and the alive/suspect/dead merge rules.
//! - `state`: memberlist's `aliveNode` / `suspectNode` / `deadNode` / `refute` acting on those rules.
//! - `node`: the [`Gossip`] engine itself: boot, `step`, timer and message dispatch, commands.
//! - `probe`: the probe cycle (ping, ping-req via helpers, ack/nack) and the gossip round.
//! - [`suspicion`]: a suspicion timer with independent confirmations.
//! - [`awareness`]: the local health score.
//! - [`broadcast`]: the transmit-limited queue.
//! - `pushpull`: full state exchange and join.
//! - [`serf`]: Lamport-stamped user events, de-duplication, rumor mongering.
//! - [`status`]: what the UI draws.
//! - [`theory`]: the formulas and reference curves; [`markov`]: push gossip as an exact Markov chain.
//! - [`api`]: timers, commands, events, durable state.
//! - `sweep` (feature `sweep`, on by default): measurements on the deterministic world.
//!
//! ```
//! use quorate_core::{Effect, Engine, Input, NodeId, NodeRng, Outbox, SimTime};
//! use quorate_gossip::{Bootstrap, Config, Gossip, Msg};
//!
//! let ids: Vec<NodeId> = (1..=3).map(NodeId).collect();
//! let config = Config { bootstrap: Bootstrap::Full, ..Config::lan(ids) };
//! let mut n1 = Gossip::boot(NodeId(1), &config, None, NodeRng::for_node(7, NodeId(1), 0));
//! let mut out = Outbox::new();
//! n1.step(SimTime::ZERO, Input::Start, &mut out).unwrap();
//! // A ping arrives: the answer is an ack with the same sequence number.
//! out.drain().for_each(drop);
//! let ping = Msg::Ping { seq: 9, target: NodeId(1), piggyback: vec![] };
//! n1.step(SimTime::from_millis(5), Input::Message { from: NodeId(2), msg: ping }, &mut out).unwrap();
//! assert!(matches!(out.effects(), [Effect::Send { to: NodeId(2), msg: Msg::Ack { seq: 9, .. } }]));
//! ```

pub mod api;
pub mod awareness;
pub mod broadcast;
pub mod change;
pub mod config;
pub mod markov;
pub mod member;
pub mod msg;
mod node;
mod probe;
mod pushpull;
mod script;
pub mod serf;
mod state;
pub mod status;
pub mod suspicion;
#[cfg(feature = "sweep")]
pub mod sweep;
pub mod theory;

pub use api::{Accusation, Command, Durable, Event, Persist, Timer};
pub use change::{MemberCause, MemberChange};
pub use config::{Bootstrap, Config, Lifeguard, Preset, Rumor, Stop};
pub use member::{Member, Members, State};
pub use msg::{EventId, Incarnation, LamportTime, Msg, PushNodeState, Update, UserEvent};
pub use node::{Gossip, Phase};
pub use probe::{Probe, Relay};
pub use status::Status;

use serde::{Deserialize, Serialize};

/// Everything the gossip engine can refuse. No variant changes state: a refused call leaves the node as
/// it was.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum GossipError {
    #[error("config field {field} {rule}")]
    BadConfig { field: String, rule: String },
    #[error("the node has left the cluster or is leaving")]
    NotActive,
    #[error("a node cannot join through itself")]
    JoinSelf,
    #[error("user event of {size} bytes exceeds the limit of {limit}")]
    EventTooLarge { size: u64, limit: u32 },
}

impl quorate_core::EngineError for GossipError {}

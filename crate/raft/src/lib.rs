//! A sans-IO Raft engine, modelled on etcd-io/raft, for Quorate's simulator.
//!
//! The node is a pure state machine behind [`quorate_core::Engine`]: the host steps it with the time and
//! one input (a message, a timer, a command) and acts on the effects it returns, in order. Durable writes
//! (`Persist`) come before any message that depends on them, so a host that keeps the order honours the
//! Raft persistence contract (paper Figure 2: "updated on stable storage before responding to RPCs").
//!
//! What is here, with the source to read next to it:
//! - leader election with randomized timeouts drawn per timeout, PreVote (thesis §9.6), CheckQuorum and
//!   the leader lease (thesis §6.2) — `election.rs`;
//! - AppendEntries with the consistency check, pipelining in a bounded window, probe/replicate/snapshot
//!   progress, fast backtracking, commitment only of current-term entries by counting (paper §5.4.2,
//!   Figure 8) — `replication.rs`, `progress.rs`, `quorum.rs`, `log.rs`;
//! - snapshots and InstallSnapshot (paper §7) — `snapshot.rs`;
//! - membership changes with joint consensus and learners, leadership transfer (thesis §4, §3.10) —
//!   `membership.rs`;
//! - ReadIndex and lease reads (thesis §6.4), client sessions (thesis §6.3) — `read.rs`, `snapshot.rs`;
//! - teaching switches, all off by default: [`Config::unsafe_commit_previous_term`],
//!   [`ReadMode::UnsafeLocal`], `pre_vote = false`, `check_quorum = false`;
//! - the apply boundary: one [`Event::Applied`] per committed entry, in order; the engine keeps only a
//!   digest and the session table, a state machine (crate/kv) consumes the events;
//! - scenario words ([`quorate_core::Scripted`], name `raft`): see `Raft::script_help()`;
//! - `sweep` (feature, on by default; not used by the engine): a simulated cluster with the safety checker
//!   attached after every event, the randomized soak, and the paper's Figure 16 sweep.
//!
//! ```
//! use quorate_core::{Effect, Engine, Input, NodeId, NodeRng, Outbox, SimTime};
//! use quorate_raft::{Config, Raft, RoleKind};
//!
//! // A single-voter cluster elects itself as soon as its election timer fires.
//! let cfg = Config::new([NodeId(1)]);
//! let mut node = Raft::boot(NodeId(1), &cfg, None, NodeRng::for_node(1, NodeId(1), 0));
//! let mut out = Outbox::new();
//! node.step(SimTime::ZERO, Input::Start, &mut out).unwrap();
//! let timer = out.drain().find_map(|e| match e { Effect::SetTimer { timer, .. } => Some(timer), _ => None }).unwrap();
//! node.step(SimTime::from_millis(300), Input::Timer(timer), &mut out).unwrap();
//! assert_eq!(node.status().role, RoleKind::Leader);
//! ```

mod config;
mod describe;
mod election;
mod error;
mod log;
mod membership;
mod msg;
mod node;
mod progress;
mod quorum;
mod read;
mod replication;
mod script;
mod snapshot;
mod status;
mod transition;

use quorate_core::{Engine, Input, NodeId, NodeRng, Outbox, SimTime};

pub use config::{Config, ReadMode};
pub use error::{ConfError, Error};
pub use log::RaftLog;
pub use msg::{
    Command, ConfChange, ConfStep, Dropped, Durable, Entry, EntryData, Event, Index, MachineState,
    Msg, Persist, RoleKind, Session, Snapshot, Term, Timer,
};
pub use node::Raft;
pub use progress::ProgressState;
pub use quorum::{Membership, VoteResult};
pub use status::{PeerProgress, Status};
pub use transition::{RoleCause, RoleChange};

impl Engine for Raft {
    type Msg = Msg;
    type Timer = Timer;
    type Command = Command;
    type Event = Event;
    type Persist = Persist;
    type Durable = Durable;
    type Config = Config;
    type Status = Status;
    type Error = Error;

    fn boot(id: NodeId, config: &Config, durable: Option<&Durable>, rng: NodeRng) -> Raft {
        Raft::restore_or_new(id, config, durable, rng)
    }

    fn step(
        &mut self,
        now: SimTime,
        input: Input<Raft>,
        out: &mut Outbox<Raft>,
    ) -> Result<(), Error> {
        // A refused command must change nothing: validation happens before any mutation, and the outbox
        // is rolled back defensively.
        let mark = out.len();
        let result = self.step_input(now, input, out);
        if result.is_err() {
            out.truncate(mark);
        }
        result
    }

    fn status(&self) -> Status {
        self.describe_status()
    }

    fn apply_persist(durable: &mut Durable, write: &Persist) {
        durable.apply(write);
    }
}

#[cfg(feature = "sweep")]
pub mod sweep;

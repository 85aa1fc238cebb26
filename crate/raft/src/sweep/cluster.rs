//! A simulated Raft cluster (quorate-sim's `World`) with the safety checker attached: after every event
//! the touched nodes' statuses and emitted events are converted into the checker's engine-neutral
//! observations ([`observe`], [`fact`]) and checked.

use std::collections::BTreeSet;

use crate::{Command, Config, Event, Raft, RoleKind, Status};
use quorate_check::raft::{
    NodeObservation, ObservedEntry, ObservedRole, RaftChecker, RaftFact, Violation,
};
use quorate_core::{Duration, NodeId, SimTime};
use quorate_sim::{LinkParams, NodeState, Record, TraceMode, World, WorldCommand, WorldConfig};

/// A set of node ids from their numbers.
pub fn ids(list: &[u32]) -> BTreeSet<NodeId> {
    list.iter().map(|i| NodeId(*i)).collect()
}

/// The checker's view of a Raft status.
pub fn observe(status: &Status, generation: u32) -> NodeObservation {
    NodeObservation {
        id: status.id,
        generation,
        term: status.term,
        role: match status.role {
            RoleKind::Leader => ObservedRole::Leader,
            RoleKind::Candidate => ObservedRole::Candidate,
            RoleKind::Follower | RoleKind::PreCandidate => ObservedRole::Follower,
        },
        commit: status.commit,
        applied: status.applied,
        snapshot_index: status.snapshot_index,
        snapshot_term: status.snapshot_term,
        log: status
            .log
            .iter()
            .map(|e| ObservedEntry {
                index: e.index,
                term: e.term,
                digest: e.digest(),
            })
            .collect(),
        machine_digest: Some(status.machine_digest),
    }
}

/// The checker's view of a Raft event, if it cares.
pub fn fact(node: NodeId, event: &Event) -> Option<RaftFact> {
    match event {
        Event::BecameLeader { term } => Some(RaftFact::BecameLeader { node, term: *term }),
        Event::Applied {
            index,
            term,
            digest,
            ..
        } => Some(RaftFact::Applied {
            node,
            index: *index,
            term: *term,
            digest: *digest,
        }),
        _ => None,
    }
}

/// A world of Raft nodes plus the checker fed after every event.
pub struct Cluster {
    pub world: World<Raft>,
    pub checker: RaftChecker,
    /// Every trace line, when kept (for failure reports).
    pub keep_text: bool,
    pub text: Vec<String>,
    /// Events seen, for liveness checks: (event number, node, event).
    pub events: Vec<(SimTime, NodeId, Event)>,
}

impl Cluster {
    pub fn new(seed: u64, nodes: &[NodeId], cfg: Config, link: LinkParams) -> Cluster {
        let world = World::with_trace(
            WorldConfig {
                seed,
                nodes: nodes.to_vec(),
                engine: cfg,
                network: link,
            },
            TraceMode::Keep,
        );
        let mut c = Cluster {
            world,
            checker: RaftChecker::new(),
            keep_text: false,
            text: Vec::new(),
            events: Vec::new(),
        };
        c.absorb();
        c
    }

    /// A cluster of voters `1..=count` with default links (1–5 ms) and `tweak` applied to the config.
    pub fn voters(seed: u64, count: u32, tweak: impl FnOnce(&mut Config)) -> Cluster {
        let nodes: Vec<NodeId> = (1..=count).map(NodeId).collect();
        let mut cfg = Config::new(nodes.iter().copied());
        tweak(&mut cfg);
        Cluster::new(seed, &nodes, cfg, LinkParams::default())
    }

    /// Feeds the records produced since the last call to the checker. Panics on a violation unless the
    /// caller asked to collect them (`checker.violations()`).
    fn absorb(&mut self) -> Vec<Violation> {
        let records = self.world.take_records();
        if records.is_empty() {
            return Vec::new();
        }
        let event = self.world.events();
        let mut facts = Vec::new();
        let mut touched = BTreeSet::new();
        for r in &records {
            if self.keep_text {
                self.text.push(r.to_string());
            }
            if let Some(node) = r.node() {
                touched.insert(node);
            }
            if let Record::Emit { node, event: e } = &r.record {
                if let Some(f) = fact(*node, e) {
                    facts.push(f);
                }
                self.events.push((r.time, *node, e.clone()));
            }
        }
        let observations: Vec<NodeObservation> = touched
            .into_iter()
            .filter_map(|id| {
                let status = self.world.status(id)?;
                Some(observe(&status, self.world.generation(id).unwrap_or(0)))
            })
            .collect();
        self.checker.observe(event, &facts, &observations)
    }

    /// Processes one event and checks the invariants. Returns false when nothing is left to do.
    pub fn step(&mut self) -> bool {
        let more = self.world.step();
        self.absorb();
        more
    }

    pub fn run_until(&mut self, t: SimTime) {
        while self.world.next_event_time().is_some_and(|next| next <= t) {
            self.step();
        }
        self.world.run_until(t);
    }

    pub fn run_for(&mut self, d: Duration) {
        let t = self.world.now() + d;
        self.run_until(t);
    }

    /// Runs until `done` holds (checked after each event) or `limit` passes; returns the time it held.
    pub fn run_until_cond(
        &mut self,
        limit: Duration,
        mut done: impl FnMut(&Cluster) -> bool,
    ) -> Option<SimTime> {
        let end = self.world.now() + limit;
        if done(self) {
            return Some(self.world.now());
        }
        while self.world.next_event_time().is_some_and(|next| next <= end) {
            self.step();
            if done(self) {
                return Some(self.world.now());
            }
        }
        // Time passes even when nothing happens (every node down, say): the clock reaches `end`.
        self.world.run_until(end);
        None
    }

    /// Applies a world command (a fault or a client command) and checks what it caused.
    ///
    /// Panics if the world refuses it: harness code issues only commands that fit; use [`Cluster::try_apply`]
    /// for blind ones.
    pub fn apply(&mut self, cmd: WorldCommand<Command>) {
        let text = cmd.to_string();
        self.world
            .apply(cmd)
            .unwrap_or_else(|e| panic!("command `{text}` refused: {e}"));
        self.absorb();
    }

    /// Like `apply`, but a refusal is fine (randomized runs issue commands blindly).
    pub fn try_apply(&mut self, cmd: WorldCommand<Command>) -> bool {
        let ok = self.world.apply(cmd).is_ok();
        self.absorb();
        ok
    }

    pub fn client(&mut self, node: NodeId, cmd: Command) {
        self.apply(WorldCommand::Client { node, cmd });
    }

    pub fn propose(&mut self, node: NodeId, text: &str) {
        self.client(
            node,
            Command::Propose {
                session: None,
                payload: text.as_bytes().to_vec(),
            },
        );
    }

    pub fn status(&self, id: NodeId) -> Option<Status> {
        self.world.status(id)
    }

    pub fn up(&self, id: NodeId) -> bool {
        self.world.node_state(id) == Some(NodeState::Up)
    }

    /// The live leader with the highest term, if any.
    pub fn leader(&self) -> Option<NodeId> {
        self.world
            .node_ids()
            .filter_map(|id| self.world.status(id))
            .filter(|s| s.role == RoleKind::Leader)
            .max_by_key(|s| s.term)
            .map(|s| s.id)
    }

    /// Runs until some node leads, within `limit`.
    pub fn await_leader(&mut self, limit: Duration) -> NodeId {
        self.run_until_cond(limit, |c| c.leader().is_some());
        self.leader()
            .unwrap_or_else(|| panic!("no leader within {limit} (now {})", self.world.now()))
    }

    pub fn violations(&self) -> &[Violation] {
        self.checker.violations()
    }

    pub fn assert_safe(&self) {
        if let Some(v) = self.violations().first() {
            panic!("seed {}: {v}", self.world.seed());
        }
    }

    /// Whether every listed node has applied at least `index`.
    pub fn all_applied(&self, nodes: &[NodeId], index: u64) -> bool {
        nodes
            .iter()
            .all(|id| self.status(*id).is_some_and(|s| s.applied >= index))
    }
}

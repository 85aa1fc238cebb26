//! A direct driver for transcript tests: steps engines by hand, keeps messages in one FIFO "wire" and
//! timers in a list, and prints every effect as a line of text. No randomness beyond the engines' own
//! seeded streams; no simulator.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use quorate_check::raft::RaftChecker;
use quorate_core::{Effect, Engine, Input, NodeId, NodeRng, Outbox, SimTime};
use quorate_raft::{Command, Config, Durable, Entry, EntryData, Error, Msg, Raft, Status, Timer};

use crate::support::{fact, observe};

pub fn n(id: u32) -> NodeId {
    NodeId(id)
}

/// An entry with a recognisable payload: `"<index>@<term>"`.
pub fn ent(index: u64, term: u64) -> Entry {
    Entry {
        index,
        term,
        data: EntryData::Normal {
            session: None,
            payload: format!("{index}@{term}").into_bytes(),
        },
    }
}

/// Entries 1.. with the given terms.
pub fn log_of(terms: &[u64]) -> Vec<Entry> {
    terms
        .iter()
        .enumerate()
        .map(|(i, t)| ent(i as u64 + 1, *t))
        .collect()
}

/// The Raft of the paper: no PreVote, no CheckQuorum (etcd's raft_paper_test.go runs without them).
pub fn paper_config(ids: &[NodeId]) -> Config {
    let mut cfg = Config::new(ids.iter().copied());
    cfg.pre_vote = false;
    cfg.check_quorum = false;
    cfg.snapshot_threshold = 0;
    cfg
}

pub struct Driver {
    pub cfg: Config,
    pub nodes: BTreeMap<NodeId, Raft>,
    pub durable: BTreeMap<NodeId, Durable>,
    pub now: SimTime,
    /// Messages sent and not yet delivered, in send order.
    pub wire: VecDeque<(NodeId, NodeId, Msg)>,
    /// Pending timers per node: (fire time, timer).
    pub timers: BTreeMap<NodeId, Vec<(SimTime, Timer)>>,
    /// Directed links that drop everything.
    pub cut: BTreeSet<(NodeId, NodeId)>,
    pub down: BTreeSet<NodeId>,
    generation: BTreeMap<NodeId, u32>,
    lines: Vec<String>,
    seed: u64,
    /// The safety checker, fed after every step.
    pub checker: RaftChecker,
    steps: u64,
}

impl Driver {
    /// A cluster of `count` nodes with the paper's configuration, tweaked by `tweak`, all started.
    pub fn new(count: u32, tweak: impl FnOnce(&mut Config)) -> Driver {
        let ids: Vec<NodeId> = (1..=count).map(NodeId).collect();
        let mut cfg = paper_config(&ids);
        tweak(&mut cfg);
        Driver::with_logs(
            cfg,
            ids.iter().map(|id| (*id, Durable::default())).collect(),
            7,
        )
    }

    /// A cluster whose nodes boot from the given durable states (preset logs and terms).
    pub fn with_logs(cfg: Config, durable: BTreeMap<NodeId, Durable>, seed: u64) -> Driver {
        let mut d = Driver {
            cfg,
            nodes: BTreeMap::new(),
            durable: BTreeMap::new(),
            now: SimTime::ZERO,
            wire: VecDeque::new(),
            timers: BTreeMap::new(),
            cut: BTreeSet::new(),
            down: BTreeSet::new(),
            generation: BTreeMap::new(),
            lines: Vec::new(),
            seed,
            checker: RaftChecker::new(),
            steps: 0,
        };
        for (id, dur) in durable {
            let raft = Raft::boot(id, &d.cfg, Some(&dur), NodeRng::for_node(seed, id, 0));
            d.nodes.insert(id, raft);
            d.durable.insert(id, dur);
            d.generation.insert(id, 0);
            d.step(id, Input::Start).expect("start never fails");
        }
        d.lines.clear();
        d
    }

    pub fn status(&self, id: NodeId) -> Status {
        self.nodes[&id].status()
    }

    /// Steps one node and records its effects.
    pub fn step(&mut self, id: NodeId, input: Input<Raft>) -> Result<(), Error> {
        let label = match &input {
            Input::Start => "start".to_string(),
            Input::Message { from, msg } => format!("{from}->{id} {msg}"),
            Input::Timer(t) => format!("{id} timer {}", timer_kind(t)),
            Input::Command(c) => format!("{id} cmd {c}"),
        };
        let mut out = Outbox::new();
        let raft = self.nodes.get_mut(&id).expect("known node");
        let result = raft.step(self.now, input, &mut out);
        if let Err(e) = &result {
            self.lines.push(format!("{label}: error {e}"));
            return result;
        }
        let mut effects = Vec::new();
        let mut facts = Vec::new();
        for effect in out.drain() {
            match effect {
                Effect::Send { to, msg } => {
                    effects.push(format!("  send {to} {msg}"));
                    self.wire.push_back((id, to, msg));
                }
                Effect::SetTimer { after, timer } => {
                    self.timers
                        .entry(id)
                        .or_default()
                        .push((self.now + after, timer));
                }
                Effect::Persist(p) => {
                    effects.push(format!("  persist {p}"));
                    Raft::apply_persist(self.durable.get_mut(&id).expect("known node"), &p);
                }
                Effect::Emit(e) => {
                    effects.push(format!("  emit {e}"));
                    facts.extend(fact(id, &e));
                }
            }
        }
        self.steps += 1;
        let obs = observe(&self.nodes[&id].status(), self.generation[&id]);
        for v in self.checker.observe(self.steps, &facts, &[obs]) {
            effects.push(format!("  VIOLATION {v}"));
        }
        self.lines.push(label);
        self.lines.extend(effects);
        Ok(())
    }

    pub fn command(&mut self, id: NodeId, cmd: Command) -> Result<(), Error> {
        self.step(id, Input::Command(cmd))
    }

    pub fn propose(&mut self, id: NodeId, text: &str) {
        self.command(
            id,
            Command::Propose {
                session: None,
                payload: text.as_bytes().to_vec(),
            },
        )
        .expect("proposal accepted");
    }

    /// Lets `id`'s election timer expire: time jumps to its deadline and its pending timers fire.
    pub fn timeout(&mut self, id: NodeId) {
        for _ in 0..4 {
            let Some(deadline) = self.status(id).election_deadline else {
                return;
            };
            self.now = self.now.max(deadline);
            let due: Vec<Timer> = self.take_timers(id, |t| matches!(t, Timer::Election { .. }));
            let role = self.status(id).role;
            let term = self.status(id).term;
            for t in due {
                self.step(id, Input::Timer(t)).expect("timers never fail");
            }
            if self.status(id).role != role || self.status(id).term != term {
                return;
            }
        }
    }

    /// Fires `id`'s heartbeat timer once (time jumps to when it is due).
    pub fn heartbeat(&mut self, id: NodeId) {
        let due = self.take_timers(id, |t| matches!(t, Timer::Heartbeat { .. }));
        for t in due {
            self.step(id, Input::Timer(t)).expect("timers never fail");
        }
    }

    fn take_timers(&mut self, id: NodeId, pick: impl Fn(&Timer) -> bool) -> Vec<Timer> {
        let list = self.timers.entry(id).or_default();
        let mut due: Vec<(SimTime, Timer)> = Vec::new();
        list.retain(|(at, t)| {
            if pick(t) {
                due.push((*at, *t));
                false
            } else {
                true
            }
        });
        due.sort_by_key(|(at, _)| *at);
        if let Some((last, _)) = due.last() {
            self.now = self.now.max(*last);
        }
        due.into_iter().map(|(_, t)| t).collect()
    }

    /// Delivers messages in FIFO order until the wire is empty (cut links and down nodes drop them).
    pub fn deliver(&mut self) {
        self.deliver_where(|_, _, _| true);
    }

    /// Delivers messages that `keep` accepts and drops the others, until the wire is empty.
    pub fn deliver_where(&mut self, keep: impl Fn(NodeId, NodeId, &Msg) -> bool) {
        let mut budget = 100_000;
        while let Some((from, to, msg)) = self.wire.pop_front() {
            budget -= 1;
            if budget == 0 {
                let tail: Vec<&String> = self.lines.iter().rev().take(30).collect();
                panic!("message storm; last lines: {tail:#?}");
            }
            if self.cut.contains(&(from, to)) || self.down.contains(&to) || !keep(from, to, &msg) {
                self.lines.push(format!("{from}->{to} dropped {msg}"));
                continue;
            }
            self.step(to, Input::Message { from, msg })
                .expect("messages never fail");
        }
    }

    /// Like `deliver_where`, but `keep` also sees the cluster as it is when each message arrives.
    pub fn deliver_with(&mut self, keep: impl Fn(&Driver, NodeId, NodeId, &Msg) -> bool) {
        let mut budget = 100_000;
        while let Some((from, to, msg)) = self.wire.pop_front() {
            budget -= 1;
            assert!(budget > 0, "message storm");
            if self.cut.contains(&(from, to))
                || self.down.contains(&to)
                || !keep(self, from, to, &msg)
            {
                self.lines.push(format!("{from}->{to} dropped {msg}"));
                continue;
            }
            self.step(to, Input::Message { from, msg })
                .expect("messages never fail");
        }
    }

    /// Takes the undelivered messages off the wire (to inspect what was sent).
    pub fn take_sent(&mut self) -> Vec<(NodeId, NodeId, Msg)> {
        self.wire.drain(..).collect()
    }

    /// Runs `id`'s election and delivers everything: `id` ends up leader if it can win.
    pub fn elect(&mut self, id: NodeId) {
        self.timeout(id);
        self.deliver();
    }

    pub fn heal(&mut self) {
        self.cut.clear();
    }

    pub fn kill(&mut self, id: NodeId) {
        self.down.insert(id);
        self.timers.remove(&id);
        self.lines.push(format!("{id} killed"));
    }

    pub fn restart(&mut self, id: NodeId) {
        self.down.remove(&id);
        let gen = self.generation.entry(id).or_default();
        *gen += 1;
        let raft = Raft::boot(
            id,
            &self.cfg,
            Some(&self.durable[&id]),
            NodeRng::for_node(self.seed, id, *gen),
        );
        self.nodes.insert(id, raft);
        self.lines.push(format!("{id} restarted"));
        self.step(id, Input::Start).expect("start never fails");
    }

    /// The transcript since the last call.
    pub fn transcript(&mut self) -> String {
        let text = self.lines.join("\n");
        self.lines.clear();
        text
    }

    /// The terms of `id`'s log, index order.
    pub fn log_terms(&self, id: NodeId) -> Vec<u64> {
        self.status(id).log.iter().map(|e| e.term).collect()
    }
}

fn timer_kind(t: &Timer) -> &'static str {
    match t {
        Timer::Election { .. } => "election",
        Timer::Heartbeat { .. } => "heartbeat",
    }
}

/// A durable state with a term and log (and no vote).
pub fn durable(term: u64, entries: Vec<Entry>) -> Durable {
    Durable {
        term,
        vote: None,
        commit: 0,
        snapshot: None,
        entries,
    }
}

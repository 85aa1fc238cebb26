//! `ConsulNode`: one machine of a Consul datacenter.
//!
//! A **server** runs Raft with the replicated store (catalog, KV, sessions: [`KvServer`]) and takes part
//! in the LAN gossip pool; an **agent** only gossips, and runs its local applications' programs
//! ([`program`]), which call a server. The chain the issue asks for:
//!
//! 1. gossip (SWIM + Lifeguard) suspects the agent, then declares it dead;
//! 2. the server leader, hearing of it through its own gossip member, proposes `serfHealth = critical`
//!    for that node (Consul's `leader.go` `handleFailedMember` → `reconcileMember`);
//! 3. that one log entry marks the check critical and invalidates the node's sessions: their keys are
//!    released (or deleted) and put in lock-delay;
//! 4. a waiting program acquires once the lock-delay is over.
//!
//! The leader also reconciles on becoming leader and every `reconcile_interval` (Consul: 60 s), and on
//! every member event: an alive member whose check is critical (or that the catalog does not know) is
//! marked passing.

pub mod program;

use std::collections::BTreeMap;
use std::fmt;

use quorate_core::{
    Duration, Effect, Engine, EngineError, Input, NodeId, NodeRng, Outbox, SimTime,
};
use quorate_gossip::{self as gossip, Gossip};
use quorate_kv::consul::{Behavior, CatalogNode, ConsulRequest, ConsulResponse, Health, Instance};
use quorate_kv::{Event as KvEvent, KvConfig, KvNode, Request, Response};
use quorate_raft as raft;
use serde::{Deserialize, Serialize};

use crate::server::{KvServer, ServerHost};
use crate::wire::ClientMsg;
use program::{Knobs, Phase, Program, Report, Spec, Step};

/// Settings of a Consul world.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConsulConfig {
    /// The server nodes (Raft voters); every other node of the world is an agent.
    pub servers: Vec<NodeId>,
    pub kv: KvConfig,
    /// The LAN pool (every node, servers and agents).
    pub gossip: gossip::Config,
    /// Sessions' lock-delay (Consul default 15 s).
    pub lock_delay: Duration,
    pub behavior: Behavior,
    /// How long an agent waits for a server's answer beyond a blocking query's wait.
    pub rpc_timeout: Duration,
    /// A blocking query's longest wait.
    pub block_wait: Duration,
    /// api `DefaultLockRetryTime`: how long a lock program waits when the key is free but in lock-delay.
    pub lock_retry: Duration,
    /// Default hold and think times of lock programs.
    pub hold: Duration,
    pub think: Duration,
    /// The leader's periodic full reconcile (Consul `ReconcileInterval`, 60 s).
    pub reconcile_interval: Duration,
    /// Programs agents run from their first start, as if each had been given `Command::Run` then
    /// (the page's default world). Empty in scenarios, which start programs with `client` lines.
    #[serde(default)]
    pub programs: Vec<(NodeId, Spec)>,
}

impl ConsulConfig {
    /// `nodes` with the first `servers` of them as servers; Consul's and memberlist's LAN defaults.
    pub fn new(nodes: &[NodeId], servers: usize) -> ConsulConfig {
        let servers: Vec<NodeId> = nodes.iter().copied().take(servers).collect();
        let mut gossip = gossip::Config::lan(nodes.to_vec());
        gossip.bootstrap = gossip::Bootstrap::Full;
        ConsulConfig {
            kv: KvConfig::new(servers.iter().copied()),
            servers,
            gossip,
            lock_delay: Duration::from_secs(15),
            behavior: Behavior::Release,
            rpc_timeout: Duration::from_secs(2),
            block_wait: Duration::from_secs(10),
            lock_retry: Duration::from_secs(5),
            hold: Duration::from_secs(10),
            think: Duration::from_secs(1),
            reconcile_interval: Duration::from_secs(60),
            programs: Vec::new(),
        }
    }

    pub fn is_server(&self, id: NodeId) -> bool {
        self.servers.contains(&id)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Msg {
    Raft(raft::Msg),
    Gossip(gossip::Msg),
    Client(ClientMsg),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Timer {
    Kv(quorate_kv::Timer),
    Gossip(gossip::Timer),
    /// A blocking query's wait on this server.
    Wait {
        tag: u64,
    },
    Reconcile {
        epoch: u64,
    },
    /// Program `p`'s own timer.
    Program {
        p: u32,
        token: u64,
    },
    /// A call got no answer.
    CallTimeout {
        id: u64,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Command {
    /// A server's KV command (campaign, transfer, a raw request).
    Kv(quorate_kv::Command),
    Gossip(gossip::Command),
    /// Start a program on this agent.
    Run(Spec),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Event {
    Kv(KvEvent),
    Gossip(gossip::Event),
    /// The leader proposed `node`'s serfHealth.
    Reconcile {
        node: u32,
        health: Health,
    },
    /// The leader's reconcile of `node` was applied: sessions invalidated at `index`.
    CheckApplied {
        node: u32,
        health: Health,
        index: u64,
        invalidated: Vec<u64>,
    },
    /// A program (index `p`) reported.
    Program {
        p: u32,
        report: Report,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Persist {
    Raft(raft::Persist),
    Gossip(gossip::Persist),
    Program(Spec),
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Durable {
    pub raft: raft::Durable,
    pub gossip: gossip::Durable,
    pub programs: Vec<Spec>,
}

/// The engine's errors. None changes state.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum Error {
    #[error("{0}")]
    Kv(quorate_kv::Error),
    #[error("{0}")]
    Gossip(gossip::GossipError),
    #[error("n{0} is a server: programs run on agents")]
    NotAnAgent(u32),
    #[error("n{0} is an agent: it has no Raft or store")]
    NotAServer(u32),
}

impl EngineError for Error {}

/// What the UI draws for one node.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Status {
    pub server: bool,
    /// This node's gossip view: (member, state).
    pub members: Vec<(NodeId, gossip::State)>,
    /// Servers: Raft, the KV store, Consul entries and sessions.
    pub kv: Option<quorate_kv::Status>,
    pub catalog: Vec<CatalogNode>,
    pub services: Vec<Instance>,
    /// Agents: each program in one line.
    pub programs: Vec<String>,
    /// Servers: keys in lock-delay and until when (µs of the proposer's clock).
    #[serde(default)]
    pub lock_delays: Vec<(String, u64)>,
    /// Agents: each config program's key and every version it saw (index, value).
    #[serde(default)]
    pub config_history: Vec<(String, Vec<(u64, String)>)>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConsulNode {
    id: NodeId,
    cfg: ConsulConfig,
    gossip: Gossip,
    server: Option<KvServer>,
    /// Leader: reconciles proposed and not yet seen applied: node -> (health, retry after).
    reconciling: BTreeMap<u32, (Health, SimTime)>,
    /// Own reconcile requests in flight: tag -> (node, health).
    reconcile_tags: BTreeMap<u64, (u32, Health)>,
    reconcile_epoch: u64,
    programs: Vec<Program>,
    /// Which server an agent calls (an index into `cfg.servers`).
    cursor: usize,
    next_call: u64,
    /// Calls in flight: id -> program.
    calls: BTreeMap<u64, u32>,
}

impl ServerHost for ConsulNode {
    fn raft_msg(m: raft::Msg) -> Msg {
        Msg::Raft(m)
    }
    fn client_msg(m: ClientMsg) -> Msg {
        Msg::Client(m)
    }
    fn kv_timer(t: quorate_kv::Timer) -> Timer {
        Timer::Kv(t)
    }
    fn wait_timer(tag: u64) -> Timer {
        Timer::Wait { tag }
    }
    fn raft_persist(p: raft::Persist) -> Persist {
        Persist::Raft(p)
    }
    fn kv_event(e: KvEvent) -> Event {
        Event::Kv(e)
    }
}

impl ConsulNode {
    pub fn id(&self) -> NodeId {
        self.id
    }

    pub fn is_server(&self) -> bool {
        self.server.is_some()
    }

    pub fn kv(&self) -> Option<&KvNode> {
        self.server.as_ref().map(|s| s.kv())
    }

    pub fn gossip(&self) -> &Gossip {
        &self.gossip
    }

    pub fn programs(&self) -> &[Program] {
        &self.programs
    }

    fn is_leader(&self) -> bool {
        self.kv().is_some_and(|k| k.is_leader())
    }

    fn knobs(&self) -> Knobs {
        Knobs {
            node: self.id,
            lock_delay_ms: self.cfg.lock_delay.as_micros() / 1000,
            behavior: self.cfg.behavior,
            block_wait: self.cfg.block_wait,
            lock_retry: self.cfg.lock_retry,
        }
    }

    fn step_gossip(
        &mut self,
        now: SimTime,
        input: Input<Gossip>,
        out: &mut Outbox<Self>,
    ) -> Result<(), Error> {
        let mut inner = Outbox::new();
        self.gossip
            .step(now, input, &mut inner)
            .map_err(Error::Gossip)?;
        let mut changed = Vec::new();
        for effect in inner.drain() {
            match effect {
                Effect::Send { to, msg } => out.send(to, Msg::Gossip(msg)),
                Effect::SetTimer { after, timer } => out.set_timer(after, Timer::Gossip(timer)),
                Effect::Persist(p) => out.persist(Persist::Gossip(p)),
                Effect::Emit(e) => {
                    if let gossip::Event::Alive { node, .. }
                    | gossip::Event::Dead { node, .. }
                    | gossip::Event::Left { node, .. } = &e
                    {
                        changed.push(*node);
                    }
                    out.emit(Event::Gossip(e));
                }
            }
        }
        for node in changed {
            self.reconcile_member(now, node, out);
        }
        Ok(())
    }

    /// What the leader's gossip view says `node`'s serfHealth should be.
    fn wanted_health(&self, node: NodeId) -> Option<Health> {
        let m = self.gossip.members().get(node)?;
        Some(match m.state {
            gossip::State::Alive | gossip::State::Suspect => Health::Passing,
            _ => Health::Critical,
        })
    }

    /// Leader: brings the catalog's view of `node` in line with gossip, through the log.
    fn reconcile_member(&mut self, now: SimTime, node: NodeId, out: &mut Outbox<Self>) {
        if !self.is_leader() {
            return;
        }
        let Some(wanted) = self.wanted_health(node) else {
            return;
        };
        let Some(server) = self.server.as_ref() else {
            return;
        };
        let current = server
            .kv()
            .store()
            .consul()
            .catalog_nodes()
            .find(|c| c.node == node.0)
            .map(|c| c.serf_health);
        if current == Some(wanted) {
            self.reconciling.remove(&node.0);
            return;
        }
        if self
            .reconciling
            .get(&node.0)
            .is_some_and(|(h, retry)| *h == wanted && now < *retry)
        {
            return;
        }
        self.reconciling
            .insert(node.0, (wanted, now + Duration::from_secs(1)));
        out.emit(Event::Reconcile {
            node: node.0,
            health: wanted,
        });
        let req = Request::Consul(ConsulRequest::SerfHealth {
            node: node.0,
            health: wanted,
        });
        let Some(server) = self.server.as_mut() else {
            return;
        };
        let (tag, events) = server.own_request(now, req, out);
        self.reconcile_tags.insert(tag, (node.0, wanted));
        while self.reconcile_tags.len() > 1024 {
            self.reconcile_tags.pop_first();
        }
        self.on_kv_events(now, events, out);
    }

    fn reconcile_all(&mut self, now: SimTime, out: &mut Outbox<Self>) {
        let members: Vec<NodeId> = self.gossip.members().iter().map(|(id, _)| id).collect();
        for m in members {
            self.reconcile_member(now, m, out);
        }
    }

    /// The KV node's own events: leadership (start reconciling) and the answers to reconciles.
    fn on_kv_events(&mut self, now: SimTime, events: Vec<KvEvent>, out: &mut Outbox<Self>) {
        for e in events {
            match e {
                KvEvent::Raft(raft::Event::BecameLeader { .. }) => {
                    self.reconcile_epoch += 1;
                    self.reconciling.clear();
                    out.set_timer(
                        Duration::ZERO,
                        Timer::Reconcile {
                            epoch: self.reconcile_epoch,
                        },
                    );
                }
                KvEvent::Reply { tag, reply } => {
                    if let Some((node, health)) = self.reconcile_tags.remove(&tag) {
                        if let Ok(Response::Consul(ConsulResponse::Catalog {
                            index,
                            invalidated,
                        })) = reply.result
                        {
                            out.emit(Event::CheckApplied {
                                node,
                                health,
                                index,
                                invalidated,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        let _ = now;
    }

    fn step_server(
        &mut self,
        now: SimTime,
        input: Input<KvNode>,
        out: &mut Outbox<Self>,
    ) -> Result<(), Error> {
        let Some(server) = self.server.as_mut() else {
            return Ok(());
        };
        let events = server.step_kv(now, input, out).map_err(Error::Kv)?;
        self.on_kv_events(now, events, out);
        Ok(())
    }

    // ---- agents' programs ------------------------------------------------------------------------

    fn server_for_calls(&self) -> Option<NodeId> {
        if self.cfg.servers.is_empty() {
            return None;
        }
        Some(self.cfg.servers[self.cursor % self.cfg.servers.len()])
    }

    fn act(&mut self, p: u32, step: Step, out: &mut Outbox<Self>) {
        let (call, sleep) = match step {
            Step::Call(r, w) => (Some((r, w)), None),
            Step::Sleep(d) => (None, Some(d)),
            Step::CallAndSleep(r, w, d) => (Some((r, w)), Some(d)),
            Step::Nothing => (None, None),
        };
        if let Some(d) = sleep {
            let prog = &mut self.programs[p as usize];
            prog.token += 1;
            out.set_timer(
                d,
                Timer::Program {
                    p,
                    token: prog.token,
                },
            );
        }
        if let Some((req, wait)) = call {
            let Some(server) = self.server_for_calls() else {
                return;
            };
            self.next_call += 1;
            let id = (u64::from(p) << 40) | (self.next_call & 0xff_ffff_ffff);
            if let Some(old) = self.programs[p as usize].inflight.replace(id) {
                self.calls.remove(&old);
            }
            self.calls.insert(id, p);
            let timeout = self.cfg.rpc_timeout + wait.map_or(Duration::ZERO, |w| w.max);
            out.send(server, Msg::Client(ClientMsg::Call { id, req, wait }));
            out.set_timer(timeout, Timer::CallTimeout { id });
        }
    }

    fn report(&self, p: u32, reports: Vec<Report>, out: &mut Outbox<Self>) {
        for report in reports {
            out.emit(Event::Program { p, report });
        }
    }

    fn start_program(&mut self, spec: Spec, out: &mut Outbox<Self>) {
        let p = self.programs.len() as u32;
        let prog = Program::new(spec);
        let step = prog.kick(&self.knobs());
        self.programs.push(prog);
        self.act(p, step, out);
    }

    fn on_client_msg(
        &mut self,
        now: SimTime,
        from: NodeId,
        msg: ClientMsg,
        out: &mut Outbox<Self>,
    ) {
        if let Some(server) = self.server.as_mut() {
            let events = server.on_client(now, from, msg, out);
            self.on_kv_events(now, events, out);
            return;
        }
        if let ClientMsg::Reply { id, reply } = msg {
            let Some(p) = self.calls.remove(&id) else {
                return;
            };
            if self.programs[p as usize].inflight != Some(id) {
                return;
            }
            if reply.result.is_err() {
                // NotLeader and dropped reads: the next call goes to another server.
                self.cursor += 1;
            }
            let k = self.knobs();
            let mut reports = Vec::new();
            let step = self.programs[p as usize].on_reply(reply, &k, &mut reports);
            self.report(p, reports, out);
            self.act(p, step, out);
        }
    }
}

impl Engine for ConsulNode {
    type Msg = Msg;
    type Timer = Timer;
    type Command = Command;
    type Event = Event;
    type Persist = Persist;
    type Durable = Durable;
    type Config = ConsulConfig;
    type Status = Status;
    type Error = Error;

    fn boot(
        id: NodeId,
        config: &ConsulConfig,
        durable: Option<&Durable>,
        mut rng: NodeRng,
    ) -> Self {
        // Each part draws from its own stream, derived from this node's.
        let gossip_rng = NodeRng::for_node(rng.next_u64(), id, 0);
        let server_rng = NodeRng::for_node(rng.next_u64(), id, 0);
        let gossip = Gossip::boot(id, &config.gossip, durable.map(|d| &d.gossip), gossip_rng);
        let server = config
            .is_server(id)
            .then(|| KvServer::boot(id, &config.kv, durable.map(|d| &d.raft), server_rng));
        let programs = durable
            .map(|d| d.programs.iter().cloned().map(Program::new).collect())
            .unwrap_or_default();
        ConsulNode {
            id,
            cfg: config.clone(),
            gossip,
            server,
            reconciling: BTreeMap::new(),
            reconcile_tags: BTreeMap::new(),
            reconcile_epoch: 0,
            programs,
            cursor: rng.below(config.servers.len().max(1) as u64) as usize,
            next_call: 0,
            calls: BTreeMap::new(),
        }
    }

    fn step(
        &mut self,
        now: SimTime,
        input: Input<Self>,
        out: &mut Outbox<Self>,
    ) -> Result<(), Error> {
        let mark = out.len();
        let before = self.clone();
        let result = self.step_inner(now, input, out);
        if result.is_err() {
            out.truncate(mark);
            *self = before;
        }
        result
    }

    fn status(&self) -> Status {
        let (catalog, services) = match self.kv() {
            Some(kv) => {
                let c = kv.store().consul();
                let services = c
                    .services()
                    .flat_map(|(s, _)| c.instances(s))
                    .collect::<Vec<_>>();
                let mut seen = std::collections::BTreeSet::new();
                let services = services
                    .into_iter()
                    .filter(|i| seen.insert((i.service.clone(), i.node)))
                    .collect();
                (c.catalog_nodes().cloned().collect(), services)
            }
            None => (Vec::new(), Vec::new()),
        };
        Status {
            server: self.is_server(),
            members: self
                .gossip
                .members()
                .iter()
                .map(|(id, m)| (id, m.state))
                .collect(),
            kv: self.kv().map(|k| k.status()),
            catalog,
            services,
            programs: self.programs.iter().map(describe_program).collect(),
            lock_delays: self
                .kv()
                .map(|kv| {
                    let c = kv.store().consul();
                    c.entries()
                        .filter_map(|e| c.lock_delay(&e.key, 0).map(|u| (e.key.clone(), u)))
                        .collect()
                })
                .unwrap_or_default(),
            config_history: self
                .programs
                .iter()
                .filter_map(|p| match &p.spec {
                    Spec::Config { key } => Some((key.clone(), p.history.clone())),
                    _ => None,
                })
                .collect(),
        }
    }

    fn apply_persist(durable: &mut Durable, write: &Persist) {
        match write {
            Persist::Raft(p) => durable.raft.apply(p),
            Persist::Gossip(p) => <Gossip as Engine>::apply_persist(&mut durable.gossip, p),
            Persist::Program(spec) => durable.programs.push(spec.clone()),
        }
    }
}

fn describe_program(p: &Program) -> String {
    let phase = match &p.phase {
        Phase::Session => "creating a session".to_string(),
        Phase::Acquire => "acquiring".to_string(),
        Phase::Peek | Phase::Block { .. } => "waiting for the holder".to_string(),
        Phase::Retry => "waiting out the lock-delay".to_string(),
        Phase::Held { .. } => "holding".to_string(),
        Phase::Release => "releasing".to_string(),
        Phase::Think => "thinking".to_string(),
        Phase::Loop { index } => format!("blocking at index {index}"),
        Phase::Finished => "done".to_string(),
    };
    let what = match &p.spec {
        Spec::Lock { key, .. } => format!("lock {key}"),
        Spec::Service { name } => format!("service {name}"),
        Spec::Discover { service } => format!("discover {service}"),
        Spec::Config { key } => format!("config {key} ({} versions)", p.history.len()),
        Spec::Set { key, .. } => format!("set {key}"),
    };
    format!("{what}: {phase}")
}

impl ConsulNode {
    fn step_inner(
        &mut self,
        now: SimTime,
        input: Input<Self>,
        out: &mut Outbox<Self>,
    ) -> Result<(), Error> {
        match input {
            Input::Start => {
                self.step_gossip(now, Input::Start, out)?;
                if self.server.is_some() {
                    self.step_server(now, Input::Start, out)?;
                }
                for p in 0..self.programs.len() as u32 {
                    let step = self.programs[p as usize].kick(&self.knobs());
                    self.act(p, step, out);
                }
                if self.programs.is_empty() && self.server.is_none() {
                    let id = self.id;
                    let specs: Vec<Spec> = (self.cfg.programs.iter())
                        .filter(|(n, _)| *n == id)
                        .map(|(_, s)| s.clone())
                        .collect();
                    for spec in specs {
                        self.run_spec(spec, out)?;
                    }
                }
                Ok(())
            }
            Input::Message { from, msg } => match msg {
                Msg::Gossip(m) => self.step_gossip(now, Input::Message { from, msg: m }, out),
                Msg::Raft(m) => self.step_server(now, Input::Message { from, msg: m }, out),
                Msg::Client(m) => {
                    self.on_client_msg(now, from, m, out);
                    Ok(())
                }
            },
            Input::Timer(t) => match t {
                Timer::Gossip(t) => self.step_gossip(now, Input::Timer(t), out),
                Timer::Kv(t) => self.step_server(now, Input::Timer(t), out),
                Timer::Wait { tag } => {
                    if let Some(server) = self.server.as_mut() {
                        server.on_wait_timer(now, tag, out);
                    }
                    Ok(())
                }
                Timer::Reconcile { epoch } => {
                    if epoch == self.reconcile_epoch && self.is_leader() {
                        self.reconcile_all(now, out);
                        out.set_timer(self.cfg.reconcile_interval, Timer::Reconcile { epoch });
                    }
                    Ok(())
                }
                Timer::Program { p, token } => {
                    let k = self.knobs();
                    if let Some(prog) = self.programs.get_mut(p as usize) {
                        if prog.token == token {
                            let step = prog.on_timer(&k);
                            self.act(p, step, out);
                        }
                    }
                    Ok(())
                }
                Timer::CallTimeout { id } => {
                    if let Some(p) = self.calls.remove(&id) {
                        if self.programs[p as usize].inflight == Some(id) {
                            self.cursor += 1;
                            let k = self.knobs();
                            let mut reports = Vec::new();
                            let step = self.programs[p as usize].on_timeout(&k, &mut reports);
                            self.report(p, reports, out);
                            self.act(p, step, out);
                        }
                    }
                    Ok(())
                }
            },
            Input::Command(cmd) => match cmd {
                Command::Kv(c) => {
                    if self.server.is_none() {
                        return Err(Error::NotAServer(self.id.0));
                    }
                    self.step_server(now, Input::Command(c), out)
                }
                Command::Gossip(c) => self.step_gossip(now, Input::Command(c), out),
                Command::Run(spec) => self.run_spec(spec, out),
            },
        }
    }

    fn run_spec(&mut self, mut spec: Spec, out: &mut Outbox<Self>) -> Result<(), Error> {
        // A lock without hold= / think= takes the world's defaults.
        if let Spec::Lock { hold, think, .. } = &mut spec {
            if *hold == Duration::ZERO {
                *hold = self.cfg.hold;
            }
            if *think == Duration::ZERO {
                *think = self.cfg.think;
            }
        }
        if self.server.is_some() {
            return Err(Error::NotAnAgent(self.id.0));
        }
        if spec.durable() {
            out.persist(Persist::Program(spec.clone()));
        }
        self.start_program(spec, out);
        Ok(())
    }
}

// ---- one-line text forms -------------------------------------------------------------------------

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Raft(m) => write!(f, "{m}"),
            Msg::Gossip(m) => write!(f, "{m}"),
            Msg::Client(m) => write!(f, "{m}"),
        }
    }
}

impl fmt::Display for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timer::Kv(t) => write!(f, "{t}"),
            Timer::Gossip(t) => write!(f, "{t}"),
            Timer::Wait { .. } => f.write_str("blocking-wait"),
            Timer::Reconcile { .. } => f.write_str("reconcile"),
            Timer::Program { p, .. } => write!(f, "program {p}"),
            Timer::CallTimeout { id } => write!(f, "call-timeout #{}", id & 0xffff_ffff),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Kv(c) => write!(f, "{c}"),
            Command::Gossip(c) => write!(f, "{c}"),
            Command::Run(spec) => write!(f, "run {spec:?}"),
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Kv(e) => write!(f, "{e}"),
            Event::Gossip(e) => write!(f, "{e}"),
            Event::Reconcile { node, health } => {
                write!(f, "reconcile n{node} serfHealth {health:?}")
            }
            Event::CheckApplied {
                node,
                health,
                index,
                invalidated,
            } => {
                write!(f, "serfHealth n{node} {health:?} applied index={index}")?;
                if !invalidated.is_empty() {
                    write!(f, " sessions invalidated {invalidated:?}")?;
                }
                Ok(())
            }
            Event::Program { p, report } => write!(f, "program {p}: {report}"),
        }
    }
}

impl fmt::Display for Persist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Persist::Raft(p) => write!(f, "{p}"),
            Persist::Gossip(p) => write!(f, "{p}"),
            Persist::Program(s) => write!(f, "program {s:?}"),
        }
    }
}

//! `EtcdNode`: a member of an etcd cluster (Raft + the KV store, serving remote clients through
//! [`KvServer`]) or a client machine running [`program`]s against the cluster.
//!
//! A client talks to one member at a time (clientv3's balancer pins one endpoint): it pings it every
//! `ping_interval`; an unanswered ping, a timed-out call or a changed boot nonce (the member restarted
//! and forgot its watches) moves it to the next member, or to the leader a member names, and every
//! watching program reads its state again and re-opens its watch from the next revision.

pub mod program;

use std::collections::BTreeMap;
use std::fmt;

use quorate_core::{Duration, Engine, EngineError, Input, NodeId, NodeRng, Outbox, SimTime};
use quorate_kv::{Event as KvEvent, KvConfig, KvError, KvNode, Request};
use quorate_raft as raft;
use serde::{Deserialize, Serialize};

use crate::server::{KvServer, ServerHost};
use crate::wire::ClientMsg;
use program::{Knobs, Phase, Program, Report, Spec, Step};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EtcdConfig {
    /// The cluster's members (Raft voters); every other node is a client machine.
    pub members: Vec<NodeId>,
    pub kv: KvConfig,
    /// The TTL of the leases the programs grant (etcd's concurrency default is 60 s; 10 s here).
    pub lease_ttl: Duration,
    pub rpc_timeout: Duration,
    pub ping_interval: Duration,
    pub hold: Duration,
    pub think: Duration,
    /// Programs client machines run from their first start, as if each had been given
    /// `Command::Run` then (the page's default world). Empty in scenarios.
    #[serde(default)]
    pub programs: Vec<(NodeId, Spec)>,
}

impl EtcdConfig {
    pub fn new(nodes: &[NodeId], members: usize) -> EtcdConfig {
        let members: Vec<NodeId> = nodes.iter().copied().take(members).collect();
        EtcdConfig {
            kv: KvConfig::new(members.iter().copied()),
            members,
            lease_ttl: Duration::from_secs(10),
            rpc_timeout: Duration::from_secs(2),
            ping_interval: Duration::from_secs(1),
            hold: Duration::from_secs(10),
            think: Duration::from_secs(1),
            programs: Vec::new(),
        }
    }

    pub fn is_member(&self, id: NodeId) -> bool {
        self.members.contains(&id)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Msg {
    Raft(raft::Msg),
    Client(ClientMsg),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Timer {
    Kv(quorate_kv::Timer),
    /// Unused by etcd (no blocking queries), kept for the shared server.
    Wait {
        tag: u64,
    },
    Program {
        p: u32,
        token: u64,
    },
    KeepAlive {
        p: u32,
    },
    /// clientv3's `deadlineLoop`: every 500 ms, leases past their client-side deadline are lost.
    LeaseDeadlines,
    Ping,
    CallTimeout {
        id: u64,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Command {
    Kv(quorate_kv::Command),
    Run(Spec),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Event {
    Kv(KvEvent),
    Program {
        p: u32,
        report: Report,
    },
    /// The client moved to `member`.
    Switched {
        member: NodeId,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Persist {
    Raft(raft::Persist),
    Program(Spec),
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Durable {
    pub raft: raft::Durable,
    pub programs: Vec<Spec>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum Error {
    #[error("{0}")]
    Kv(quorate_kv::Error),
    #[error("n{0} is a member: programs run on client machines")]
    NotAClient(u32),
    #[error("n{0} is a client machine: it has no Raft or store")]
    NotAMember(u32),
}

impl EngineError for Error {}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Status {
    pub member: bool,
    pub kv: Option<quorate_kv::Status>,
    /// Clients: the member they talk to, and each program in one line.
    pub endpoint: Option<NodeId>,
    pub programs: Vec<String>,
    /// Clients: each config program's key and every version it saw (revision, value).
    #[serde(default)]
    pub config_history: Vec<(String, Vec<(u64, String)>)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum CallKind {
    Main,
    KeepAlive { sent: SimTime },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EtcdNode {
    id: NodeId,
    cfg: EtcdConfig,
    server: Option<KvServer>,
    programs: Vec<Program>,
    cursor: usize,
    next_call: u64,
    calls: BTreeMap<u64, (u32, CallKind)>,
    /// Watch id -> program.
    watches: BTreeMap<u64, u32>,
    /// The ping in flight and the member's boot nonce last seen.
    ping: Option<u64>,
    member_boot: Option<u64>,
}

impl ServerHost for EtcdNode {
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

impl EtcdNode {
    pub fn id(&self) -> NodeId {
        self.id
    }

    pub fn kv(&self) -> Option<&KvNode> {
        self.server.as_ref().map(|s| s.kv())
    }

    pub fn programs(&self) -> &[Program] {
        &self.programs
    }

    fn knobs(&self) -> Knobs {
        Knobs {
            node: self.id,
            ttl: self.cfg.lease_ttl,
        }
    }

    fn endpoint(&self) -> Option<NodeId> {
        if self.cfg.members.is_empty() {
            return None;
        }
        Some(self.cfg.members[self.cursor % self.cfg.members.len()])
    }

    fn fresh_id(&mut self, p: u32) -> u64 {
        self.next_call += 1;
        (u64::from(p) << 40) | (self.next_call & 0xff_ffff_ffff)
    }

    fn send(&mut self, msg: ClientMsg, out: &mut Outbox<Self>) {
        if let Some(to) = self.endpoint() {
            out.send(to, Msg::Client(msg));
        }
    }

    fn act(&mut self, p: u32, step: Step, out: &mut Outbox<Self>) {
        match step {
            Step::Nothing => {}
            Step::Sleep(d) => {
                let prog = &mut self.programs[p as usize];
                prog.timer_token += 1;
                out.set_timer(
                    d,
                    Timer::Program {
                        p,
                        token: prog.timer_token,
                    },
                );
            }
            Step::Call(req) => {
                let id = self.fresh_id(p);
                if let Some(old) = self.programs[p as usize].inflight.replace(id) {
                    self.calls.remove(&old);
                }
                self.calls.insert(id, (p, CallKind::Main));
                self.send(
                    ClientMsg::Call {
                        id,
                        req,
                        wait: None,
                    },
                    out,
                );
                out.set_timer(self.cfg.rpc_timeout, Timer::CallTimeout { id });
            }
            Step::Watch(range, from) => {
                let id = self.fresh_id(p);
                if let Some(old) = self.programs[p as usize].watch.replace(id) {
                    self.watches.remove(&old);
                    self.send(ClientMsg::CancelWatch { id: old }, out);
                }
                self.watches.insert(id, p);
                self.send(ClientMsg::Watch { id, range, from }, out);
            }
        }
    }

    fn report(&self, p: u32, reports: Vec<Report>, out: &mut Outbox<Self>) {
        for report in reports {
            out.emit(Event::Program { p, report });
        }
    }

    /// Moves to another member: `to` if a member named the leader, else the next one.
    fn switch(&mut self, to: Option<NodeId>, out: &mut Outbox<Self>) {
        match to.and_then(|l| self.cfg.members.iter().position(|m| *m == l)) {
            Some(i) => self.cursor = i,
            None => self.cursor += 1,
        }
        self.ping = None;
        self.member_boot = None;
        self.watches.clear();
        if let Some(member) = self.endpoint() {
            out.emit(Event::Switched { member });
        }
        self.resync_all(out);
    }

    fn resync_all(&mut self, out: &mut Outbox<Self>) {
        let k = self.knobs();
        for p in 0..self.programs.len() as u32 {
            let step = self.programs[p as usize].resync(&k);
            self.act(p, step, out);
        }
    }

    fn on_client_msg(
        &mut self,
        now: SimTime,
        from: NodeId,
        msg: ClientMsg,
        out: &mut Outbox<Self>,
    ) {
        if let Some(server) = self.server.as_mut() {
            // Members have no own requests here: nothing to do with the events.
            let _ = server.on_client(now, from, msg, out);
            return;
        }
        let k = self.knobs();
        match msg {
            ClientMsg::Reply { id, reply } => {
                let Some((p, kind)) = self.calls.remove(&id) else {
                    return;
                };
                let mut reports = Vec::new();
                let hint = match &reply.result {
                    Err(KvError::NotLeader { leader }) => Some(leader.map(NodeId)),
                    _ => None,
                };
                let step = match kind {
                    CallKind::KeepAlive { .. } => {
                        self.programs[p as usize].on_keepalive(now, &reply, &k, &mut reports)
                    }
                    CallKind::Main => {
                        if self.programs[p as usize].inflight != Some(id) {
                            return;
                        }
                        if hint.is_some() {
                            // Retried on the leader after the switch below.
                            self.programs[p as usize].inflight = None;
                            Step::Nothing
                        } else {
                            self.programs[p as usize].on_reply(now, reply, &k, &mut reports)
                        }
                    }
                };
                self.report(p, reports, out);
                self.act(p, step, out);
                if let Some(leader) = hint {
                    self.switch(leader, out);
                    if kind == CallKind::Main {
                        let step = self.programs[p as usize].kick(&k);
                        self.act(p, step, out);
                    }
                }
            }
            ClientMsg::Events { id, events } => {
                let Some(&p) = self.watches.get(&id) else {
                    return;
                };
                let mut reports = Vec::new();
                let step = self.programs[p as usize].on_events(&events, &k, &mut reports);
                if self.programs[p as usize].watch.is_none() {
                    self.watches.remove(&id);
                    self.send(ClientMsg::CancelWatch { id }, out);
                }
                self.report(p, reports, out);
                self.act(p, step, out);
            }
            ClientMsg::Pong { id, boot } if self.ping == Some(id) => {
                self.ping = None;
                let restarted = self.member_boot.is_some_and(|b| b != boot);
                self.member_boot = Some(boot);
                if restarted {
                    // The member restarted: its watches are gone.
                    self.watches.clear();
                    self.resync_all(out);
                }
            }
            _ => {}
        }
    }

    fn on_deadlines(&mut self, now: SimTime, out: &mut Outbox<Self>) {
        let k = self.knobs();
        for p in 0..self.programs.len() as u32 {
            let mut reports = Vec::new();
            if let Some(step) = self.programs[p as usize].keepalive_due(now, &k, &mut reports) {
                self.report(p, reports, out);
                self.act(p, step, out);
            }
        }
        out.set_timer(Duration::from_millis(500), Timer::LeaseDeadlines);
    }

    fn on_keepalive_tick(&mut self, now: SimTime, p: u32, out: &mut Outbox<Self>) {
        let prog = &self.programs[p as usize];
        if prog.needs_keepalive() {
            let lease = prog.lease;
            let id = self.fresh_id(p);
            self.calls
                .insert(id, (p, CallKind::KeepAlive { sent: now }));
            while self.calls.len() > 4096 {
                self.calls.pop_first();
            }
            self.send(
                ClientMsg::Call {
                    id,
                    req: Request::LeaseKeepAlive { id: lease },
                    wait: None,
                },
                out,
            );
        }
        let third = Duration::from_micros(self.cfg.lease_ttl.as_micros() / 3);
        out.set_timer(third, Timer::KeepAlive { p });
    }

    fn start_program(&mut self, spec: Spec, out: &mut Outbox<Self>) {
        let p = self.programs.len() as u32;
        self.programs.push(Program::new(spec));
        self.boot_program(p, out);
    }

    fn boot_program(&mut self, p: u32, out: &mut Outbox<Self>) {
        let step = self.programs[p as usize].kick(&self.knobs());
        self.act(p, step, out);
        let third = Duration::from_micros(self.cfg.lease_ttl.as_micros() / 3);
        out.set_timer(third, Timer::KeepAlive { p });
    }

    fn step_inner(
        &mut self,
        now: SimTime,
        input: Input<Self>,
        out: &mut Outbox<Self>,
    ) -> Result<(), Error> {
        match input {
            Input::Start => {
                if let Some(server) = self.server.as_mut() {
                    server.step_kv(now, Input::Start, out).map_err(Error::Kv)?;
                } else {
                    out.set_timer(self.cfg.ping_interval, Timer::Ping);
                    out.set_timer(Duration::from_millis(500), Timer::LeaseDeadlines);
                    for p in 0..self.programs.len() as u32 {
                        self.boot_program(p, out);
                    }
                    if self.programs.is_empty() {
                        let id = self.id;
                        let specs: Vec<Spec> = (self.cfg.programs.iter())
                            .filter(|(n, _)| *n == id)
                            .map(|(_, s)| s.clone())
                            .collect();
                        for spec in specs {
                            self.run_spec(spec, out)?;
                        }
                    }
                }
                Ok(())
            }
            Input::Message { from, msg } => match msg {
                Msg::Raft(m) => match self.server.as_mut() {
                    Some(s) => s
                        .step_kv(now, Input::Message { from, msg: m }, out)
                        .map(|_| ())
                        .map_err(Error::Kv),
                    None => Ok(()),
                },
                Msg::Client(m) => {
                    self.on_client_msg(now, from, m, out);
                    Ok(())
                }
            },
            Input::Timer(t) => {
                match t {
                    Timer::Kv(t) => {
                        if let Some(s) = self.server.as_mut() {
                            s.step_kv(now, Input::Timer(t), out).map_err(Error::Kv)?;
                        }
                    }
                    Timer::Wait { tag } => {
                        if let Some(s) = self.server.as_mut() {
                            s.on_wait_timer(now, tag, out);
                        }
                    }
                    Timer::Program { p, token } => {
                        let k = self.knobs();
                        if let Some(prog) = self.programs.get_mut(p as usize) {
                            if prog.timer_token == token {
                                let step = prog.on_timer(&k);
                                self.act(p, step, out);
                            }
                        }
                    }
                    Timer::KeepAlive { p } => self.on_keepalive_tick(now, p, out),
                    Timer::LeaseDeadlines => self.on_deadlines(now, out),
                    Timer::Ping => {
                        if self.ping.is_some() {
                            // The last ping went unanswered for a whole interval: the member is gone.
                            self.switch(None, out);
                        }
                        let id = self.fresh_id(u32::MAX >> 8);
                        self.ping = Some(id);
                        self.send(ClientMsg::Ping { id }, out);
                        out.set_timer(self.cfg.ping_interval, Timer::Ping);
                    }
                    Timer::CallTimeout { id } => {
                        if let Some((p, CallKind::Main)) = self.calls.get(&id).copied() {
                            self.calls.remove(&id);
                            if self.programs[p as usize].inflight == Some(id) {
                                let k = self.knobs();
                                let step = self.programs[p as usize].on_timeout(&k);
                                self.switch(None, out);
                                self.act(p, step, out);
                            }
                        }
                    }
                }
                Ok(())
            }
            Input::Command(cmd) => match cmd {
                Command::Kv(c) => match self.server.as_mut() {
                    Some(s) => s
                        .step_kv(now, Input::Command(c), out)
                        .map(|_| ())
                        .map_err(Error::Kv),
                    None => Err(Error::NotAMember(self.id.0)),
                },
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
            return Err(Error::NotAClient(self.id.0));
        }
        if spec.durable() {
            out.persist(Persist::Program(spec.clone()));
        }
        self.start_program(spec, out);
        Ok(())
    }
}

impl Engine for EtcdNode {
    type Msg = Msg;
    type Timer = Timer;
    type Command = Command;
    type Event = Event;
    type Persist = Persist;
    type Durable = Durable;
    type Config = EtcdConfig;
    type Status = Status;
    type Error = Error;

    fn boot(id: NodeId, config: &EtcdConfig, durable: Option<&Durable>, mut rng: NodeRng) -> Self {
        let server_rng = NodeRng::for_node(rng.next_u64(), id, 0);
        let server = config
            .is_member(id)
            .then(|| KvServer::boot(id, &config.kv, durable.map(|d| &d.raft), server_rng));
        EtcdNode {
            id,
            cfg: config.clone(),
            server,
            programs: durable
                .map(|d| d.programs.iter().cloned().map(Program::new).collect())
                .unwrap_or_default(),
            cursor: rng.below(config.members.len().max(1) as u64) as usize,
            next_call: 0,
            calls: BTreeMap::new(),
            watches: BTreeMap::new(),
            ping: None,
            member_boot: None,
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
        Status {
            member: self.server.is_some(),
            kv: self.kv().map(|k| k.status()),
            endpoint: self.server.is_none().then(|| self.endpoint()).flatten(),
            programs: self.programs.iter().map(describe_program).collect(),
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
            Persist::Program(s) => durable.programs.push(s.clone()),
        }
    }
}

fn describe_program(p: &Program) -> String {
    let what = match &p.spec {
        Spec::Lock { prefix, .. } => format!("lock {prefix}"),
        Spec::Service { name } => format!("service {name}"),
        Spec::Discover { service } => {
            format!("discover {service} ({} instances)", p.instances.len())
        }
        Spec::Config { key } => format!("config {key} ({} versions)", p.history.len()),
        Spec::Put { key, .. } => format!("put {key}"),
    };
    let phase = match &p.phase {
        Phase::Grant => "granting a lease".to_string(),
        Phase::Create => "creating its key".to_string(),
        Phase::Check => "checking its place".to_string(),
        Phase::Wait { pred } => format!("waiting for {pred}"),
        Phase::Held => format!("holding (token {})", p.token),
        Phase::Release => "releasing".to_string(),
        Phase::Think => "thinking".to_string(),
        Phase::Idle => format!("registered (lease {})", p.lease),
        Phase::Sync => "reading".to_string(),
        Phase::Watching => "watching".to_string(),
        Phase::Finished => "done".to_string(),
    };
    format!("{what}: {phase}")
}

// ---- one-line text forms -------------------------------------------------------------------------

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Raft(m) => write!(f, "{m}"),
            Msg::Client(m) => write!(f, "{m}"),
        }
    }
}

impl fmt::Display for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timer::Kv(t) => write!(f, "{t}"),
            Timer::Wait { .. } => f.write_str("blocking-wait"),
            Timer::Program { p, .. } => write!(f, "program {p}"),
            Timer::KeepAlive { p } => write!(f, "keepalive {p}"),
            Timer::LeaseDeadlines => f.write_str("lease-deadlines"),
            Timer::Ping => f.write_str("ping"),
            Timer::CallTimeout { id } => write!(f, "call-timeout #{}", id & 0xffff_ffff),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Kv(c) => write!(f, "{c}"),
            Command::Run(s) => write!(f, "run {s:?}"),
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Kv(e) => write!(f, "{e}"),
            Event::Program { p, report } => write!(f, "program {p}: {report}"),
            Event::Switched { member } => write!(f, "client now talks to {member}"),
        }
    }
}

impl fmt::Display for Persist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Persist::Raft(p) => write!(f, "{p}"),
            Persist::Program(s) => write!(f, "program {s:?}"),
        }
    }
}

//! etcd's lock recipe (clientv3/concurrency `Mutex`), as simulated clients of the KV cluster.
//!
//! Each client: grants a lease and keeps it alive; creates `prefix/<lease>` under that lease (its create
//! revision is its place in line and its fencing token); the holder is the key with the lowest create
//! revision; a waiter waits only for the deletion of its immediate predecessor (the key with the greatest
//! create revision below its own), then checks again — including that its own key still exists, since
//! its lease may have expired meanwhile (the check etcd added after Jepsen's 3.4.3 analysis). The holder
//! writes only through a transaction that compares its key's create revision with its token, so a
//! holder that lost the lock without knowing it (a long pause past its lease TTL) is fenced off.
//!
//! Waiting polls the predecessor with linearizable reads rather than a watch: the wait condition
//! ("the predecessor is gone") is the same, and a poll survives the watched node's crash.

use quorate_core::{Duration, SimTime};
use quorate_sim::{NodeState, WorldCommand};

use super::cluster::Cluster;
use crate::node::Command;
use crate::types::{
    CmpOp, Compare, KeyRange, KvError, LeaseId, Op, OpResult, Reply, Request, Response, Revision,
    Target, Txn,
};

/// What the lock clients do.
#[derive(Clone, Debug)]
pub struct LockConfig {
    pub clients: u32,
    pub prefix: String,
    /// The key the holders write to, through the fence.
    pub data_key: String,
    pub ttl: Duration,
    /// Fenced writes per tenure, one every `hold / writes`.
    pub writes: u32,
    pub hold: Duration,
    pub think: Duration,
    pub poll: Duration,
    pub timeout: Duration,
}

impl Default for LockConfig {
    fn default() -> Self {
        LockConfig {
            clients: 3,
            prefix: "lock/".into(),
            data_key: "data".into(),
            ttl: Duration::from_millis(600),
            writes: 2,
            hold: Duration::from_millis(60),
            think: Duration::from_millis(30),
            poll: Duration::from_millis(20),
            timeout: Duration::from_millis(250),
        }
    }
}

/// Something a lock client did, for the demonstration's narrative and the checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LockEvent {
    /// The client believes it holds the lock, with this fencing token.
    Acquired {
        token: Revision,
    },
    /// A write guarded by the token: `ok` says whether the fence let it through.
    FencedWrite {
        token: Revision,
        ok: bool,
    },
    Released {
        token: Revision,
    },
    /// The client found its own key gone (its lease expired) and starts over.
    LostKey {
        token: Revision,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    Grant,
    Create,
    Check,
    Wait { pred: String },
    Held { writes_done: u32 },
    Release,
}

#[derive(Clone, Debug)]
struct InFlight {
    tag: u64,
    req: Request,
    deadline: SimTime,
}

#[derive(Clone, Debug)]
struct LockClient {
    phase: Phase,
    lease: LeaseId,
    key: String,
    token: Revision,
    /// Whether the client believes it holds the lock.
    believes: bool,
    target: usize,
    next_at: SimTime,
    next_keepalive: SimTime,
    paused_until: SimTime,
    inflight: Option<InFlight>,
    tags: u64,
}

/// The lock clients of one run.
pub struct LockClients {
    pub cfg: LockConfig,
    clients: Vec<LockClient>,
    /// Everything the clients did, in time order: (time, client, event).
    pub log: Vec<(SimTime, usize, LockEvent)>,
    /// Most clients that believed at once that they held the lock.
    pub max_believers: usize,
}

const KEEPALIVE_TAG: u64 = 1 << 31;

impl LockClients {
    pub fn new(cfg: LockConfig, nodes: usize) -> LockClients {
        let clients = (0..cfg.clients as usize)
            .map(|i| LockClient {
                phase: Phase::Grant,
                lease: 0,
                key: String::new(),
                token: 0,
                believes: false,
                target: i % nodes.max(1),
                next_at: SimTime::ZERO,
                next_keepalive: SimTime::MAX,
                paused_until: SimTime::ZERO,
                inflight: None,
                tags: 0,
            })
            .collect();
        LockClients {
            cfg,
            clients,
            log: Vec::new(),
            max_believers: 0,
        }
    }

    /// Freezes client `i` (a stop-the-world pause): it sends nothing, not even keep-alives, until `until`.
    pub fn pause(&mut self, i: usize, until: SimTime) {
        self.clients[i].paused_until = until;
    }

    pub fn believes(&self, i: usize) -> bool {
        self.clients[i].believes
    }

    pub fn token(&self, i: usize) -> Revision {
        self.clients[i].token
    }

    pub fn lease(&self, i: usize) -> LeaseId {
        self.clients[i].lease
    }

    /// Drives the clients and the world until `until`, in 1 ms slices.
    pub fn run(&mut self, cluster: &mut Cluster, until: SimTime) {
        let mut replies = Vec::new();
        while cluster.world.now() < until {
            let now = cluster.world.now();
            for i in 0..self.clients.len() {
                self.act(i, now, cluster);
            }
            cluster.world.run_for(Duration::from_millis(1));
            cluster.drain_replies(&mut replies);
            for (time, _, tag, reply) in replies.drain(..) {
                self.on_reply(time, tag, reply);
            }
            let believers = self.clients.iter().filter(|c| c.believes).count();
            self.max_believers = self.max_believers.max(believers);
        }
    }

    fn send(&mut self, i: usize, req: Request, now: SimTime, cluster: &mut Cluster) {
        let c = &mut self.clients[i];
        c.tags += 1;
        let tag = ((i as u64) << 40) | c.tags;
        let node = cluster.nodes[c.target % cluster.nodes.len()];
        c.inflight = Some(InFlight {
            tag,
            req: req.clone(),
            deadline: now + self.cfg.timeout,
        });
        let up = cluster.world.node_state(node) != Some(NodeState::Down);
        let sent = up
            && cluster
                .world
                .apply(WorldCommand::Client {
                    node,
                    cmd: Command::Request {
                        tag,
                        session: None,
                        req,
                    },
                })
                .is_ok();
        if !sent {
            c.target += 1;
            if let Some(f) = c.inflight.as_mut() {
                f.deadline = now + Duration::from_millis(10);
            }
        }
    }

    fn act(&mut self, i: usize, now: SimTime, cluster: &mut Cluster) {
        if now < self.clients[i].paused_until {
            return;
        }
        // Keep-alives, fire and forget, every third of the TTL.
        if self.clients[i].lease != 0 && now >= self.clients[i].next_keepalive {
            let c = &mut self.clients[i];
            c.next_keepalive = now + Duration::from_micros(self.cfg.ttl.as_micros() / 3);
            let node = cluster.nodes[c.target % cluster.nodes.len()];
            let _ = cluster.world.apply(WorldCommand::Client {
                node,
                cmd: Command::Request {
                    tag: ((i as u64) << 40) | KEEPALIVE_TAG,
                    session: None,
                    req: Request::LeaseKeepAlive { id: c.lease },
                },
            });
        }
        if let Some(f) = &self.clients[i].inflight {
            if now >= f.deadline {
                // No answer: try the next node with the same request (each request here may be repeated).
                let req = f.req.clone();
                self.clients[i].target += 1;
                self.send(i, req, now, cluster);
            }
            return;
        }
        if now < self.clients[i].next_at {
            return;
        }
        let cfg = &self.cfg;
        let c = &self.clients[i];
        let req = match &c.phase {
            Phase::Grant => Request::LeaseGrant {
                ttl_ms: cfg.ttl.as_micros() / 1000,
            },
            Phase::Create => Request::Txn(Txn {
                compare: vec![Compare {
                    key: c.key.clone(),
                    op: CmpOp::Equal,
                    target: Target::CreateRevision(0),
                }],
                success: vec![Op::Put {
                    key: c.key.clone(),
                    value: String::new(),
                    lease: c.lease,
                }],
                failure: vec![Op::Range(KeyRange::single(c.key.clone()))],
            }),
            Phase::Check => Request::Op(Op::Range(KeyRange::prefix(cfg.prefix.clone()))),
            Phase::Wait { pred } => Request::Op(Op::Range(KeyRange::single(pred.clone()))),
            Phase::Held { writes_done } => Request::Txn(Txn {
                compare: vec![Compare {
                    key: c.key.clone(),
                    op: CmpOp::Equal,
                    target: Target::CreateRevision(c.token),
                }],
                success: vec![Op::Put {
                    key: cfg.data_key.clone(),
                    value: format!("{i}:{}:{writes_done}", c.token),
                    lease: 0,
                }],
                failure: vec![],
            }),
            Phase::Release => Request::Op(Op::Delete(KeyRange::single(c.key.clone()))),
        };
        self.send(i, req, now, cluster);
    }

    fn on_reply(&mut self, now: SimTime, tag: u64, reply: Reply) {
        let i = (tag >> 40) as usize;
        if tag & KEEPALIVE_TAG != 0 || i >= self.clients.len() || now < self.clients[i].paused_until
        {
            // Keep-alive answers are not awaited; a paused client hears nothing.
            return;
        }
        let cfg = self.cfg.clone();
        let c = &mut self.clients[i];
        if c.inflight.as_ref().map(|f| f.tag) != Some(tag) {
            return;
        }
        let resp = match reply.result {
            Ok(r) => r,
            Err(KvError::NotLeader { leader }) => {
                c.target = leader.map_or(c.target + 1, |l| (l as usize).saturating_sub(1));
                if let Some(f) = c.inflight.as_mut() {
                    f.deadline = now + Duration::from_millis(10);
                }
                return;
            }
            Err(KvError::ReadDropped) => {
                if let Some(f) = c.inflight.as_mut() {
                    f.deadline = now + Duration::from_millis(10);
                }
                return;
            }
            Err(_) => {
                // The lease is gone (expired while we were granting or creating): start over.
                c.inflight = None;
                c.phase = Phase::Grant;
                c.lease = 0;
                return;
            }
        };
        c.inflight = None;
        match (&c.phase, resp) {
            (Phase::Grant, Response::LeaseGrant { id, .. }) => {
                c.lease = id;
                c.key = format!("{}{id:x}", cfg.prefix);
                c.next_keepalive = now + Duration::from_micros(cfg.ttl.as_micros() / 3);
                c.phase = Phase::Create;
            }
            (Phase::Create, Response::Txn { succeeded, results }) => {
                c.token = if succeeded {
                    reply.revision
                } else {
                    match results.first() {
                        Some(OpResult::Range { kvs }) if !kvs.is_empty() => kvs[0].create_revision,
                        _ => 0,
                    }
                };
                c.phase = if c.token == 0 {
                    Phase::Create
                } else {
                    Phase::Check
                };
            }
            (Phase::Check, Response::Op(OpResult::Range { kvs })) => {
                let mine = kvs
                    .iter()
                    .any(|kv| kv.key == c.key && kv.create_revision == c.token);
                if !mine {
                    self.log
                        .push((now, i, LockEvent::LostKey { token: c.token }));
                    c.believes = false;
                    c.phase = Phase::Grant;
                    c.lease = 0;
                    return;
                }
                let pred = kvs
                    .iter()
                    .filter(|kv| kv.create_revision < c.token)
                    .max_by_key(|kv| kv.create_revision);
                match pred {
                    None => {
                        c.believes = true;
                        c.phase = Phase::Held { writes_done: 0 };
                        self.log
                            .push((now, i, LockEvent::Acquired { token: c.token }));
                    }
                    Some(p) => {
                        c.phase = Phase::Wait {
                            pred: p.key.clone(),
                        };
                        c.next_at = now + cfg.poll;
                    }
                }
            }
            (Phase::Wait { .. }, Response::Op(OpResult::Range { kvs })) => {
                if kvs.is_empty() {
                    c.phase = Phase::Check;
                } else {
                    c.next_at = now + cfg.poll;
                }
            }
            (Phase::Held { writes_done }, Response::Txn { succeeded, .. }) => {
                let done = writes_done + 1;
                self.log.push((
                    now,
                    i,
                    LockEvent::FencedWrite {
                        token: c.token,
                        ok: succeeded,
                    },
                ));
                if !succeeded {
                    // Fenced off: the lock was lost; start over.
                    c.believes = false;
                    c.phase = Phase::Check;
                } else if done >= cfg.writes {
                    c.phase = Phase::Release;
                } else {
                    c.phase = Phase::Held { writes_done: done };
                    c.next_at = now
                        + Duration::from_micros(
                            cfg.hold.as_micros() / u64::from(cfg.writes.max(1)),
                        );
                }
            }
            (Phase::Release, Response::Op(OpResult::Delete { .. })) => {
                c.believes = false;
                self.log
                    .push((now, i, LockEvent::Released { token: c.token }));
                c.phase = Phase::Create;
                c.next_at = now + cfg.think;
            }
            // An answer of another shape cannot come for these requests; ask again.
            _ => {}
        }
    }
}

/// Checks mutual exclusion of fenced writes on a store's history of `data_key`: in revision order, the
/// tokens of the writes that got through never go down (a write with an older token after a newer
/// holder's write would mean the fence let a stale holder through). Returns the token sequence.
pub fn fenced_tokens(store: &crate::Store, data_key: &str) -> Result<Vec<Revision>, String> {
    let mut tokens = Vec::new();
    for e in store.events_since(&KeyRange::single(data_key), 1) {
        let token: Revision =
            e.kv.value
                .split(':')
                .nth(1)
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| {
                    format!(
                        "unfenced value {:?} at revision {}",
                        e.kv.value, e.kv.mod_revision
                    )
                })?;
        if let Some(&last) = tokens.last() {
            if token < last {
                return Err(format!(
                    "write with token {token} at revision {} after a write with token {last}",
                    e.kv.mod_revision
                ));
            }
        }
        tokens.push(token);
    }
    Ok(tokens)
}

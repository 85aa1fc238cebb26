//! `KvServer`: a [`KvNode`] that serves remote clients (Consul's server RPC, etcd's client API).
//!
//! A request that arrives as a [`ClientMsg::Call`] is handed to the KV node with a fresh tag; when the
//! node answers that tag, the reply goes back to the caller. A blocking query (Consul) waits on this
//! server until the index it watches passes the caller's, or its wait runs out, and is then read
//! through Raft like any read (the wake-up looks at local state; the answer does not). A remote watch
//! (etcd) is a watch of the KV node whose events are forwarded to the client.

use std::collections::BTreeMap;

use quorate_core::{Duration, Effect, Engine, Input, NodeId, NodeRng, Outbox, SimTime};
use quorate_kv::consul::ConsulRequest;
use quorate_kv::{Command, Event as KvEvent, KvConfig, KvNode, Request, Timer as KvTimer};
use quorate_raft as raft;
use serde::{Deserialize, Serialize};

use crate::wire::{ClientMsg, Wait};

/// How an outer engine wraps what the server produces.
pub trait ServerHost: Engine {
    fn raft_msg(m: raft::Msg) -> Self::Msg;
    fn client_msg(m: ClientMsg) -> Self::Msg;
    fn kv_timer(t: KvTimer) -> Self::Timer;
    /// The timer that ends blocking query `tag`'s wait.
    fn wait_timer(tag: u64) -> Self::Timer;
    fn raft_persist(p: raft::Persist) -> Self::Persist;
    fn kv_event(e: KvEvent) -> Self::Event;
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Parked {
    from: NodeId,
    id: u64,
    req: Request,
    index: u64,
}

/// A KV node that answers remote callers.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KvServer {
    kv: KvNode,
    /// Requests handed to the KV node: tag -> (caller, the caller's id). Tags of the server's own
    /// requests (the Consul leader's reconcile) are not here.
    calls: BTreeMap<u64, (NodeId, u64)>,
    /// Blocking queries waiting for their index, by tag.
    parked: BTreeMap<u64, Parked>,
    /// Remote watches: the KV node's watch id -> (client, the client's id).
    watches: BTreeMap<u64, (NodeId, u64)>,
    next_tag: u64,
    /// Drawn at boot; a client that sees it change knows its watches here are gone.
    boot: u64,
}

/// The tags a server uses for its own requests carry this bit.
pub const OWN_TAG: u64 = 1 << 62;

/// The index a blocking query on `req` waits on, in `kv`'s local state.
fn index_of(kv: &KvNode, req: &Request) -> u64 {
    let consul = kv.store().consul();
    match req {
        Request::Consul(ConsulRequest::Get { key }) => {
            consul.entry(key).map_or(consul.index(), |e| e.modify_index)
        }
        Request::Consul(ConsulRequest::HealthService { .. }) => consul.catalog_index(),
        _ => u64::MAX,
    }
}

impl KvServer {
    pub fn boot(
        id: NodeId,
        config: &KvConfig,
        durable: Option<&raft::Durable>,
        mut rng: NodeRng,
    ) -> Self {
        let boot = rng.next_u64();
        let next_tag = (rng.next_u64() >> 24) << 8;
        KvServer {
            kv: KvNode::boot(id, config, durable, rng),
            calls: BTreeMap::new(),
            parked: BTreeMap::new(),
            watches: BTreeMap::new(),
            next_tag,
            boot,
        }
    }

    pub fn kv(&self) -> &KvNode {
        &self.kv
    }

    fn fresh_tag(&mut self) -> u64 {
        self.next_tag = (self.next_tag + 1) & (OWN_TAG - 1);
        self.next_tag
    }

    /// Steps the KV node and folds its effects into `out`, routing replies and watch events to callers.
    /// Returns the KV node's own events (replies to the server's own requests included) for the host.
    pub fn step_kv<H: ServerHost>(
        &mut self,
        now: SimTime,
        input: Input<KvNode>,
        out: &mut Outbox<H>,
    ) -> Result<Vec<KvEvent>, quorate_kv::Error> {
        let mut inner = Outbox::new();
        self.kv.step(now, input, &mut inner)?;
        let mut own = Vec::new();
        for effect in inner.drain() {
            match effect {
                Effect::Send { to, msg } => out.send(to, H::raft_msg(msg)),
                Effect::SetTimer { after, timer } => out.set_timer(after, H::kv_timer(timer)),
                Effect::Persist(p) => out.persist(H::raft_persist(p)),
                Effect::Emit(KvEvent::Reply { tag, reply }) => match self.calls.remove(&tag) {
                    Some((to, id)) => out.send(to, H::client_msg(ClientMsg::Reply { id, reply })),
                    None => own.push(KvEvent::Reply { tag, reply }),
                },
                Effect::Emit(KvEvent::Watch { id, events }) => {
                    if let Some(&(to, cid)) = self.watches.get(&id) {
                        out.send(to, H::client_msg(ClientMsg::Events { id: cid, events }));
                    }
                }
                Effect::Emit(e) => {
                    let keep = matches!(e, KvEvent::Expired { .. } | KvEvent::Raft(_));
                    if keep {
                        own.push(e.clone());
                    }
                    out.emit(H::kv_event(e));
                }
            }
        }
        self.wake_parked(now, out);
        Ok(own)
    }

    /// Proposes or reads `req` for the server itself; the reply comes back among `step_kv`'s events
    /// with the returned tag.
    pub fn own_request<H: ServerHost>(
        &mut self,
        now: SimTime,
        req: Request,
        out: &mut Outbox<H>,
    ) -> (u64, Vec<KvEvent>) {
        let tag = self.fresh_tag() | OWN_TAG;
        let cmd = Command::Request {
            tag,
            session: None,
            req,
        };
        let events = self
            .step_kv(now, Input::Command(cmd), out)
            .unwrap_or_default();
        (tag, events)
    }

    fn forward<H: ServerHost>(
        &mut self,
        now: SimTime,
        from: NodeId,
        id: u64,
        req: Request,
        out: &mut Outbox<H>,
    ) -> Vec<KvEvent> {
        let tag = self.fresh_tag();
        self.calls.insert(tag, (from, id));
        // Bounded like the KV node's own waiters: Raft may drop a forwarded request without naming it.
        while self.calls.len() > 4096 {
            self.calls.pop_first();
        }
        let cmd = Command::Request {
            tag,
            session: None,
            req,
        };
        self.step_kv(now, Input::Command(cmd), out)
            .unwrap_or_default()
    }

    fn wake_parked<H: ServerHost>(&mut self, now: SimTime, out: &mut Outbox<H>) {
        let ready: Vec<u64> = self
            .parked
            .iter()
            .filter(|(_, p)| index_of(&self.kv, &p.req) > p.index)
            .map(|(t, _)| *t)
            .collect();
        for tag in ready {
            self.release_parked(now, tag, out);
        }
    }

    fn release_parked<H: ServerHost>(&mut self, now: SimTime, tag: u64, out: &mut Outbox<H>) {
        if let Some(p) = self.parked.remove(&tag) {
            self.calls.insert(tag, (p.from, p.id));
            let cmd = Command::Request {
                tag,
                session: None,
                req: p.req,
            };
            // Replies are routed by `calls`; the server's own events cannot come from a read.
            let _ = self.step_kv(now, Input::Command(cmd), out);
        }
    }

    /// A blocking query's wait ran out: answer it with whatever holds now.
    pub fn on_wait_timer<H: ServerHost>(&mut self, now: SimTime, tag: u64, out: &mut Outbox<H>) {
        self.release_parked(now, tag, out);
    }

    /// A client message. Returns the KV node's own events.
    pub fn on_client<H: ServerHost>(
        &mut self,
        now: SimTime,
        from: NodeId,
        msg: ClientMsg,
        out: &mut Outbox<H>,
    ) -> Vec<KvEvent> {
        match msg {
            ClientMsg::Call { id, req, wait } => match wait {
                Some(Wait { index, max }) if index_of(&self.kv, &req) <= index => {
                    let tag = self.fresh_tag();
                    self.parked.insert(
                        tag,
                        Parked {
                            from,
                            id,
                            req,
                            index,
                        },
                    );
                    while self.parked.len() > 4096 {
                        self.parked.pop_first();
                    }
                    out.set_timer(max.max(Duration::from_millis(1)), H::wait_timer(tag));
                    Vec::new()
                }
                _ => self.forward(now, from, id, req, out),
            },
            ClientMsg::Watch {
                id,
                range,
                from: rev,
            } => {
                let wid = self.fresh_tag();
                self.watches.insert(wid, (from, id));
                let cmd = Command::Watch {
                    id: wid,
                    range,
                    from: rev,
                };
                self.step_kv(now, Input::Command(cmd), out)
                    .unwrap_or_default()
            }
            ClientMsg::CancelWatch { id } => {
                let found = self
                    .watches
                    .iter()
                    .find(|(_, v)| **v == (from, id))
                    .map(|(k, _)| *k);
                if let Some(wid) = found {
                    self.watches.remove(&wid);
                    let _ =
                        self.step_kv(now, Input::Command(Command::CancelWatch { id: wid }), out);
                }
                Vec::new()
            }
            ClientMsg::Ping { id } => {
                out.send(
                    from,
                    H::client_msg(ClientMsg::Pong {
                        id,
                        boot: self.boot,
                    }),
                );
                Vec::new()
            }
            // Answers are for clients; a server ignores them.
            ClientMsg::Reply { .. } | ClientMsg::Events { .. } | ClientMsg::Pong { .. } => {
                Vec::new()
            }
        }
    }
}

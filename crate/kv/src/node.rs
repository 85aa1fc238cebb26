//! `KvNode`: the KV store replicated by the Raft engine, as one composite engine.
//!
//! The node owns a [`Raft`] and a [`Store`]. Every input goes to Raft first; the node then reads Raft's
//! effects in order, passing wire messages, timers and durable writes through, and acting on Raft's
//! events (the apply boundary, thesis §6):
//! - a client write is proposed as a log entry whose payload is the serialized request (in the client's
//!   session when it has one, so a retry is applied once, thesis §6.3); when the entry is applied the
//!   store applies it and the node that took the request emits the reply, with the store revision;
//! - a client read asks Raft for a read point (ReadIndex, or a lease read, per the Raft config, thesis
//!   §6.4) and is served from the store once `ReadReady` says the node has applied that far. With
//!   Raft's `UnsafeLocal` read mode the node answers from whatever it has applied: stale reads follow;
//! - leases: the leader keeps each lease's deadline on its own clock (etcd's lessor); an expired lease is
//!   revoked by a log entry, so every node deletes its keys at the same point of the log. A new leader
//!   gives every lease its TTL plus an election timeout, as etcd's `Promote` does, so a lease is not
//!   lost to the election that elected it.
//!
//! Workaround: Raft snapshots carry only its own machine digest, not the store, so the node turns log
//! compaction off (`snapshot_threshold = 0`); a restarted node rebuilds its store by re-applying the log.

use std::collections::BTreeMap;
use std::fmt;

use quorate_core::{
    Duration, Effect, Engine, EngineError, Input, NodeId, NodeRng, Outbox, SimTime,
};
use quorate_raft::{self as raft, Raft, RoleKind, Session};
use serde::{Deserialize, Serialize};

use crate::consul::{ConsulRequest, ConsulResponse, SessionId};
use crate::store::Store;
use crate::types::{
    KeyRange, KeyValue, KvError, LeaseId, Reply, Request, Response, Revision, WatchEvent,
};

/// Cluster-wide settings: Raft's, plus the leader's lease clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KvConfig {
    pub raft: raft::Config,
    /// How often the leader looks for expired leases. Default 100 ms; an expiry is noticed at most this late.
    pub lease_check_interval: Duration,
}

impl KvConfig {
    pub fn new(voters: impl IntoIterator<Item = NodeId>) -> KvConfig {
        KvConfig {
            raft: raft::Config::new(voters),
            lease_check_interval: Duration::from_millis(100),
        }
    }
}

/// Local intents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// A client request. `tag` is the client's own name for it and comes back in the reply; `session`
    /// makes a retried write apply once.
    Request {
        tag: u64,
        session: Option<Session>,
        req: Request,
    },
    /// Start watching `range` from revision `from` (0: from the next change). Events come as
    /// [`Event::Watch`] with this `id`, in revision order.
    Watch {
        id: u64,
        range: KeyRange,
        from: Revision,
    },
    CancelWatch {
        id: u64,
    },
    /// A serializable read (etcd's `Range` with `serializable: true`): served at once from what this
    /// node has applied, asking no one. Fast and available in a minority, and possibly stale: the
    /// reply may miss writes the majority already committed. The reply comes as [`Event::Reply`].
    SerializableRead {
        tag: u64,
        range: KeyRange,
    },
    /// Campaign now (Raft's MsgHup).
    Campaign,
    /// Hand leadership to `to` (leader only).
    TransferLeader {
        to: NodeId,
    },
}

/// Observable facts: Raft's, and the KV layer's own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    Raft(raft::Event),
    /// The answer to the request tagged `tag`.
    Reply {
        tag: u64,
        reply: Reply,
    },
    /// Changes seen by watch `id`.
    Watch {
        id: u64,
        events: Vec<WatchEvent>,
    },
    /// The leader found a lease or a session past its deadline and proposed its end.
    Expired {
        what: Expiry,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Timer {
    Raft(raft::Timer),
    /// The leader's lease clock; `epoch` names the leadership it was armed in.
    LeaseTick {
        epoch: u64,
    },
}

/// The crate's error enum. No variant changes state.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum Error {
    /// Raft refused a campaign or a transfer.
    #[error("{0}")]
    Raft(raft::Error),
    #[error("watch {0} does not exist")]
    NoSuchWatch(u64),
}

impl EngineError for Error {}

/// What a log entry written by this layer carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Envelope {
    /// The node that took the request and owes the client a reply (0 for the leader's lease expiry).
    origin: u32,
    /// Unique per node life: the node's pending-write key.
    nonce: u64,
    /// When the proposing node took the request (µs of its clock): Consul's lock-delay reads it.
    at: u64,
    req: Request,
}

/// Something the leader expires on its own clock: an etcd lease or a Consul session with a TTL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Expiry {
    Lease(LeaseId),
    Session(SessionId),
}

impl Expiry {
    /// The log entry that ends it.
    fn revoke(self) -> Request {
        match self {
            Expiry::Lease(id) => Request::LeaseRevoke { id },
            Expiry::Session(id) => Request::Consul(ConsulRequest::SessionDestroy { id }),
        }
    }
}

/// A lease as the UI shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseStatus {
    pub id: LeaseId,
    pub ttl_ms: u64,
    pub keys: Vec<String>,
    /// On the leader: when the lease expires unless renewed.
    pub deadline: Option<SimTime>,
}

/// What the UI draws: Raft's status and the store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub raft: raft::Status,
    pub revision: Revision,
    pub keys: Vec<KeyValue>,
    pub leases: Vec<LeaseStatus>,
    /// Consul's lock entries and sessions.
    pub consul_entries: Vec<crate::consul::Entry>,
    pub consul_sessions: Vec<crate::consul::Session>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct PendingRead {
    tag: u64,
    req: Request,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KvNode {
    id: NodeId,
    cfg: KvConfig,
    raft: Raft,
    store: Store,
    /// Writes this node proposed and owes a reply for: nonce -> client tag.
    pending_writes: BTreeMap<u64, u64>,
    /// Reads waiting for their read point: Raft read id -> request.
    pending_reads: BTreeMap<u64, PendingRead>,
    /// Next nonce / read id. Starts at a random point so a message from a previous life never matches.
    next_id: u64,
    watchers: BTreeMap<u64, Watcher>,
    /// Leader only: each lease's deadline on this leader's clock. Empty on other roles.
    #[serde(with = "pairs")]
    deadlines: BTreeMap<Expiry, SimTime>,
    /// Leader only: leases and sessions whose end was proposed, with when to propose again if still alive.
    #[serde(with = "pairs")]
    revoking: BTreeMap<Expiry, SimTime>,
    lease_epoch: u64,
    /// The leader as far as this node knows (from Raft's role events).
    leader: Option<NodeId>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Watcher {
    range: KeyRange,
    /// The next revision this watcher has not seen.
    next: Revision,
}

/// A map whose keys are not strings, serialized as a list of pairs (JSON object keys must be strings).
mod pairs {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<K: Serialize, V: Serialize, S: Serializer>(
        map: &BTreeMap<K, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter())
    }

    pub fn deserialize<'de, K, V, D>(d: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
    }
}

/// At most this many requests wait for an answer on one node. Raft may lose a request without telling
/// (a deposed leader forgets its unconfirmed reads; a dropped forwarded proposal names no request), so
/// the oldest waiter is forgotten beyond this bound: its client has long timed out.
const MAX_PENDING: usize = 4096;

fn bound<V>(pending: &mut BTreeMap<u64, V>) {
    while pending.len() > MAX_PENDING {
        pending.pop_first();
    }
}

fn to_raft_input(input: Input<KvNode>) -> Option<Input<Raft>> {
    Some(match input {
        Input::Start => Input::Start,
        Input::Message { from, msg } => Input::Message { from, msg },
        Input::Timer(Timer::Raft(t)) => Input::Timer(t),
        Input::Timer(Timer::LeaseTick { .. }) | Input::Command(_) => return None,
    })
}

impl KvNode {
    /// The store as applied so far on this node.
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn raft(&self) -> &Raft {
        &self.raft
    }

    pub fn is_leader(&self) -> bool {
        self.raft.role() == RoleKind::Leader
    }

    /// The leader this node knows of.
    pub fn leader(&self) -> Option<NodeId> {
        self.leader
    }

    fn fresh_id(&mut self) -> u64 {
        self.next_id = self.next_id.wrapping_add(1);
        self.next_id
    }

    /// Steps Raft and folds its effects into ours, acting on its events in order.
    fn step_raft(
        &mut self,
        now: SimTime,
        input: Input<Raft>,
        out: &mut Outbox<KvNode>,
    ) -> Result<(), raft::Error> {
        let mut inner = Outbox::new();
        self.raft.step(now, input, &mut inner)?;
        for effect in inner.drain() {
            match effect {
                Effect::Send { to, msg } => out.send(to, msg),
                Effect::SetTimer { after, timer } => out.set_timer(after, Timer::Raft(timer)),
                Effect::Persist(p) => out.persist(p),
                Effect::Emit(e) => self.on_raft_event(now, e, out),
            }
        }
        Ok(())
    }

    fn on_raft_event(&mut self, now: SimTime, event: raft::Event, out: &mut Outbox<KvNode>) {
        use raft::Event as R;
        match &event {
            R::Applied {
                data: raft::EntryData::Normal { session, payload },
                duplicate,
                ..
            } => {
                let (session, payload, duplicate) = (*session, payload.clone(), *duplicate);
                out.emit(Event::Raft(event));
                self.apply_entry(now, session, &payload, duplicate, out);
                return;
            }
            R::ReadReady { id, .. } => {
                let id = *id;
                out.emit(Event::Raft(event));
                self.serve_read(now, id, out);
                return;
            }
            R::Dropped {
                what: raft::Dropped::Read { id },
            } => {
                if let Some(p) = self.pending_reads.remove(id) {
                    out.emit(Event::Raft(event));
                    self.reply(p.tag, Err(KvError::ReadDropped), out);
                    return;
                }
            }
            R::BecameLeader { .. } => {
                self.leader = Some(self.id);
                // etcd's Promote: every lease gets its TTL plus an election timeout on the new leader's clock.
                let extend =
                    Duration::from_millis(self.cfg.raft.election_timeout_max.as_micros() / 1000);
                // Consul sessions with a TTL get the same treatment.
                let leases = self.store.leases().map(|l| (Expiry::Lease(l.id), l.ttl_ms));
                let sessions = self
                    .store
                    .consul()
                    .sessions()
                    .filter_map(|s| s.ttl_ms.map(|t| (Expiry::Session(s.id), t)));
                self.deadlines = leases
                    .chain(sessions)
                    .map(|(e, ttl)| (e, now + Duration::from_millis(ttl) + extend))
                    .collect();
                self.revoking.clear();
                self.lease_epoch += 1;
                out.emit(Event::Raft(event));
                out.set_timer(
                    self.cfg.lease_check_interval,
                    Timer::LeaseTick {
                        epoch: self.lease_epoch,
                    },
                );
                return;
            }
            R::BecameFollower { leader, .. } => {
                self.leader = *leader;
                self.demote();
            }
            R::BecamePreCandidate { .. } | R::BecameCandidate { .. } | R::SteppedDown { .. } => {
                self.leader = None;
                self.demote();
            }
            _ => {}
        }
        out.emit(Event::Raft(event));
    }

    fn demote(&mut self) {
        self.deadlines.clear();
        self.revoking.clear();
        self.lease_epoch += 1;
    }

    fn apply_entry(
        &mut self,
        now: SimTime,
        session: Option<Session>,
        payload: &[u8],
        duplicate: bool,
        out: &mut Outbox<KvNode>,
    ) {
        // Only this layer proposes entries, so a payload that does not decode is not ours: skip it.
        let Ok(env) = serde_json::from_slice::<Envelope>(payload) else {
            return;
        };
        let reply = if duplicate {
            session.and_then(|s| self.store.session_reply(s.client, s.seq).cloned())
        } else {
            let reply = match session {
                Some(s) => self
                    .store
                    .apply_in_session(s.client, s.seq, &env.req, env.at),
                None => self.store.apply_at(&env.req, env.at),
            };
            self.after_apply(now, &env.req, &reply, out);
            Some(reply)
        };
        if env.origin == self.id.0 {
            if let Some(tag) = self.pending_writes.remove(&env.nonce) {
                if let Some(reply) = reply {
                    out.emit(Event::Reply { tag, reply });
                }
            }
        }
    }

    /// Lease bookkeeping and watch notifications after the store applied a request.
    fn after_apply(
        &mut self,
        now: SimTime,
        req: &Request,
        reply: &Reply,
        out: &mut Outbox<KvNode>,
    ) {
        if self.is_leader() {
            match (req, &reply.result) {
                (Request::LeaseGrant { .. }, Ok(Response::LeaseGrant { id, ttl_ms })) => {
                    self.deadlines
                        .insert(Expiry::Lease(*id), now + Duration::from_millis(*ttl_ms));
                }
                (Request::LeaseRevoke { id }, _) => {
                    self.deadlines.remove(&Expiry::Lease(*id));
                    self.revoking.remove(&Expiry::Lease(*id));
                }
                (
                    Request::Consul(ConsulRequest::SessionCreate {
                        ttl_ms: Some(ttl), ..
                    }),
                    Ok(Response::Consul(ConsulResponse::Session { id })),
                ) => {
                    self.deadlines
                        .insert(Expiry::Session(*id), now + Duration::from_millis(*ttl));
                }
                (Request::Consul(ConsulRequest::SessionDestroy { id }), _) => {
                    self.deadlines.remove(&Expiry::Session(*id));
                    self.revoking.remove(&Expiry::Session(*id));
                }
                _ => {}
            }
        }
        let revision = self.store.revision();
        for (id, w) in self.watchers.iter_mut() {
            if w.next > revision {
                continue;
            }
            let events = self.store.events_since(&w.range, w.next);
            w.next = revision + 1;
            if !events.is_empty() {
                out.emit(Event::Watch { id: *id, events });
            }
        }
    }

    fn reply(&self, tag: u64, result: Result<Response, KvError>, out: &mut Outbox<KvNode>) {
        out.emit(Event::Reply {
            tag,
            reply: Reply {
                revision: self.store.revision(),
                result,
            },
        });
    }

    fn serve_read(&mut self, now: SimTime, id: u64, out: &mut Outbox<KvNode>) {
        let Some(p) = self.pending_reads.remove(&id) else {
            return;
        };
        if p.req.is_renewal() {
            // Renewal happens on the leader's clock; the read point confirmed it is still the leader.
            if !self.is_leader() {
                let leader = self.leader.map(|l| l.0);
                self.reply(p.tag, Err(KvError::NotLeader { leader }), out);
                return;
            }
            let reply = self.store.apply(&p.req);
            let renewed = match &reply.result {
                Ok(Response::LeaseKeepAlive { id, ttl_ms }) => Some((Expiry::Lease(*id), *ttl_ms)),
                Ok(Response::Consul(ConsulResponse::Renewed {
                    id,
                    ttl_ms: Some(ttl),
                })) => Some((Expiry::Session(*id), *ttl)),
                _ => None,
            };
            if let Some((e, ttl)) = renewed {
                self.deadlines.insert(e, now + Duration::from_millis(ttl));
            }
            out.emit(Event::Reply { tag: p.tag, reply });
            return;
        }
        // A read never changes the store, so applying it is serving it.
        let reply = self.store.apply(&p.req);
        out.emit(Event::Reply { tag: p.tag, reply });
    }

    fn on_request(
        &mut self,
        now: SimTime,
        tag: u64,
        session: Option<Session>,
        req: Request,
        out: &mut Outbox<KvNode>,
    ) {
        let not_leader = |e: raft::Error| match e {
            raft::Error::NotLeader { leader } => KvError::NotLeader {
                leader: leader.map(|l| l.0),
            },
            _ => KvError::NotLeader { leader: None },
        };
        if req.is_read() || req.is_renewal() {
            let id = self.fresh_id();
            self.pending_reads.insert(id, PendingRead { tag, req });
            bound(&mut self.pending_reads);
            if let Err(e) = self.step_raft(now, Input::Command(raft::Command::Read { id }), out) {
                self.pending_reads.remove(&id);
                self.reply(tag, Err(not_leader(e)), out);
            }
            return;
        }
        let nonce = self.fresh_id();
        let payload = self.encode(nonce, now, req);
        self.pending_writes.insert(nonce, tag);
        bound(&mut self.pending_writes);
        if let Err(e) = self.step_raft(
            now,
            Input::Command(raft::Command::Propose { session, payload }),
            out,
        ) {
            self.pending_writes.remove(&nonce);
            self.reply(tag, Err(not_leader(e)), out);
        }
    }

    fn encode(&self, nonce: u64, now: SimTime, req: Request) -> Vec<u8> {
        let env = Envelope {
            origin: self.id.0,
            nonce,
            at: now.as_micros(),
            req,
        };
        // Serializing plain data to JSON cannot fail.
        serde_json::to_vec(&env).unwrap_or_default()
    }

    /// Leader: revoke leases past their deadline through the log.
    fn on_lease_tick(&mut self, now: SimTime, epoch: u64, out: &mut Outbox<KvNode>) {
        if epoch != self.lease_epoch || !self.is_leader() {
            return;
        }
        let due: Vec<Expiry> = self
            .deadlines
            .iter()
            .filter(|(id, d)| **d <= now && self.revoking.get(id).is_none_or(|retry| *retry <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            let nonce = self.fresh_id();
            let env = Envelope {
                origin: 0,
                nonce,
                at: now.as_micros(),
                req: id.revoke(),
            };
            let payload = serde_json::to_vec(&env).unwrap_or_default();
            if self
                .step_raft(
                    now,
                    Input::Command(raft::Command::Propose {
                        session: None,
                        payload,
                    }),
                    out,
                )
                .is_ok()
            {
                out.emit(Event::Expired { what: id });
                // If the entry is lost with a leadership change the next leader starts its own clock;
                // if it is lost otherwise, propose again after an election timeout.
                self.revoking
                    .insert(id, now + self.cfg.raft.election_timeout_max);
            }
        }
        if self.is_leader() && epoch == self.lease_epoch {
            out.set_timer(self.cfg.lease_check_interval, Timer::LeaseTick { epoch });
        }
    }
}

impl Engine for KvNode {
    type Msg = raft::Msg;
    type Timer = Timer;
    type Command = Command;
    type Event = Event;
    type Persist = raft::Persist;
    type Durable = raft::Durable;
    type Config = KvConfig;
    type Status = Status;
    type Error = Error;

    fn boot(
        id: NodeId,
        config: &KvConfig,
        durable: Option<&raft::Durable>,
        mut rng: NodeRng,
    ) -> KvNode {
        let next_id = rng.next_u64() >> 16;
        let mut raft_cfg = config.raft.clone();
        raft_cfg.snapshot_threshold = 0;
        let raft = Raft::boot(id, &raft_cfg, durable, rng);
        KvNode {
            id,
            cfg: config.clone(),
            raft,
            store: Store::new(),
            pending_writes: BTreeMap::new(),
            pending_reads: BTreeMap::new(),
            next_id,
            watchers: BTreeMap::new(),
            deadlines: BTreeMap::new(),
            revoking: BTreeMap::new(),
            lease_epoch: 0,
            leader: None,
        }
    }

    fn step(
        &mut self,
        now: SimTime,
        input: Input<KvNode>,
        out: &mut Outbox<KvNode>,
    ) -> Result<(), Error> {
        let mark = out.len();
        let result = match input {
            Input::Timer(Timer::LeaseTick { epoch }) => {
                self.on_lease_tick(now, epoch, out);
                Ok(())
            }
            Input::Command(cmd) => self.on_command(now, cmd, out),
            other => match to_raft_input(other) {
                Some(i) => self.step_raft(now, i, out).map_err(Error::Raft),
                None => Ok(()),
            },
        };
        if result.is_err() {
            out.truncate(mark);
        }
        result
    }

    fn status(&self) -> Status {
        Status {
            raft: self.raft.status(),
            revision: self.store.revision(),
            keys: self.store.keys().cloned().collect(),
            leases: self
                .store
                .leases()
                .map(|l| LeaseStatus {
                    id: l.id,
                    ttl_ms: l.ttl_ms,
                    keys: l.keys.iter().cloned().collect(),
                    deadline: self.deadlines.get(&Expiry::Lease(l.id)).copied(),
                })
                .collect(),
            consul_entries: self.store.consul().entries().cloned().collect(),
            consul_sessions: self.store.consul().sessions().cloned().collect(),
        }
    }

    fn apply_persist(durable: &mut raft::Durable, write: &raft::Persist) {
        durable.apply(write);
    }
}

impl KvNode {
    fn on_command(
        &mut self,
        now: SimTime,
        cmd: Command,
        out: &mut Outbox<KvNode>,
    ) -> Result<(), Error> {
        match cmd {
            Command::Request { tag, session, req } => {
                self.on_request(now, tag, session, req, out);
                Ok(())
            }
            Command::Watch { id, range, from } => {
                let revision = self.store.revision();
                if from != 0 && from <= revision {
                    let events = self.store.events_since(&range, from);
                    if !events.is_empty() {
                        out.emit(Event::Watch { id, events });
                    }
                }
                self.watchers.insert(
                    id,
                    Watcher {
                        range,
                        next: revision + 1,
                    },
                );
                Ok(())
            }
            Command::SerializableRead { tag, range } => {
                let reply = self
                    .store
                    .apply(&Request::Op(crate::types::Op::Range(range)));
                out.emit(Event::Reply { tag, reply });
                Ok(())
            }
            Command::CancelWatch { id } => self
                .watchers
                .remove(&id)
                .map(|_| ())
                .ok_or(Error::NoSuchWatch(id)),
            Command::Campaign => self
                .step_raft(now, Input::Command(raft::Command::Campaign), out)
                .map_err(Error::Raft),
            Command::TransferLeader { to } => self
                .step_raft(
                    now,
                    Input::Command(raft::Command::TransferLeader { to }),
                    out,
                )
                .map_err(Error::Raft),
        }
    }
}

// ---- one-line text forms -------------------------------------------------------------------------

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Request { tag, session, req } => {
                write!(f, "kv #{tag} ")?;
                if let Some(s) = session {
                    write!(f, "c{}#{} ", s.client, s.seq)?;
                }
                write!(f, "{req}")
            }
            Command::Watch { id, range, from } => write!(f, "watch {id} {range} from={from}"),
            Command::SerializableRead { tag, range } => {
                write!(f, "kv #{tag} get {range} serializable")
            }
            Command::CancelWatch { id } => write!(f, "cancel watch {id}"),
            Command::Campaign => f.write_str("campaign"),
            Command::TransferLeader { to } => write!(f, "transfer {to}"),
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Raft(e) => write!(f, "{e}"),
            Event::Reply { tag, reply } => write!(f, "reply #{tag} {reply}"),
            Event::Watch { id, events } => {
                write!(f, "watch {id}:")?;
                for e in events {
                    write!(f, " {e};")?;
                }
                Ok(())
            }
            Event::Expired {
                what: Expiry::Lease(id),
            } => write!(f, "lease {id} expired, revoking"),
            Event::Expired {
                what: Expiry::Session(id),
            } => write!(f, "session {id} expired, destroying"),
        }
    }
}

impl fmt::Display for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timer::Raft(t) => write!(f, "{t}"),
            Timer::LeaseTick { epoch } => write!(f, "lease-tick#{}", epoch % 10_000),
        }
    }
}

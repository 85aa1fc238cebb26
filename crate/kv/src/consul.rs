//! Consul-style sessions and advisory locks on KV entries (Consul's `session` and `kvs` endpoints,
//! `acquire` / `release`), as a pure data structure inside the replicated store.
//!
//! - A session is created with a TTL (or none), a behavior (`release` or `delete`) and a lock-delay
//!   (Consul's default: 15 s). It is invalidated explicitly (destroy) or when the leader finds its TTL
//!   run out (a replicated destroy, like etcd's lease expiry). A session created on a node
//!   is bound to its health check instead (see the catalog below; gossip drives it in crate/systems).
//! - `acquire(key, session)` takes the key's lock if nobody holds it and the key is not in lock-delay;
//!   each new holder increments the key's `lock_index`. `release` gives it back.
//! - When a session is invalidated, the keys it held are released (or deleted), and each gets a
//!   lock-delay: no acquisition before `invalidated at + lock_delay`, so that a holder that did not yet
//!   notice its loss has time to stop before someone else starts (Consul's answer to the paused holder).
//! - The sequencer `(key, lock_index, session)` is the fence: it is valid only while that session holds
//!   that key at that lock index.
//!
//! Time: Consul servers keep lock-delays in memory on their own clocks. Here every entry carries the
//! time at which the receiving node proposed it (`at`, µs of sim time), so the delay is replicated
//! state and every node decides the same; with the simulator's perfect clocks this is the same rule.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

pub type SessionId = u64;

/// Consul's default lock-delay.
pub const DEFAULT_LOCK_DELAY_MS: u64 = 15_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Behavior {
    /// Invalidation releases the session's locks; the keys stay.
    Release,
    /// Invalidation deletes the keys the session held.
    Delete,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub id: SessionId,
    /// Invalidated by the leader when not renewed within this; `None`: only by destroy.
    pub ttl_ms: Option<u64>,
    pub behavior: Behavior,
    pub lock_delay_ms: u64,
    /// Keys this session holds. Invariant: `k` is here iff `entries[k].session == Some(id)`.
    pub held: BTreeSet<String>,
    /// The node whose `serfHealth` check the session is bound to (its number, `n<node>`).
    #[serde(default)]
    pub node: Option<u32>,
}

/// A health check's state (Consul's `passing` / `critical`; `warning` is not modelled).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Health {
    Passing,
    Critical,
}

/// A node in the catalog, with its `serfHealth` check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogNode {
    pub node: u32,
    pub serf_health: Health,
    pub modify_index: u64,
}

/// One instance of a service: the service name on a node (Consul's service id is the name here).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    pub service: String,
    pub node: u32,
    /// Whether every check of the instance passes (here: its node's `serfHealth`).
    pub passing: bool,
}

/// A Consul KV entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub create_index: u64,
    pub modify_index: u64,
    /// How many times the key's lock was acquired.
    pub lock_index: u64,
    pub session: Option<SessionId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConsulRequest {
    SessionCreate {
        ttl_ms: Option<u64>,
        behavior: Behavior,
        lock_delay_ms: u64,
    },
    SessionDestroy {
        id: SessionId,
    },
    /// Renew a TTL session on the leader (not replicated, like etcd's keep-alive).
    SessionRenew {
        id: SessionId,
    },
    Acquire {
        key: String,
        value: String,
        session: SessionId,
    },
    Release {
        key: String,
        session: SessionId,
    },
    Get {
        key: String,
    },
    /// Is `(key, lock_index, session)` still the key's current lock holder? (the sequencer check)
    CheckSequencer {
        key: String,
        lock_index: u64,
        session: SessionId,
    },
    /// A session bound to `node`'s `serfHealth` check (Consul's default session). Refused while the
    /// check is critical or the node is not in the catalog.
    SessionCreateOn {
        node: u32,
        behavior: Behavior,
        lock_delay_ms: u64,
    },
    /// Sets a key's value (Consul `kv put`); bumps its modify index, keeps its lock holder.
    KvSet {
        key: String,
        value: String,
    },
    /// Registers `node` (its `serfHealth` starts passing) and, if given, a service on it.
    Register {
        node: u32,
        service: Option<String>,
    },
    /// Removes a service instance from the catalog.
    Deregister {
        node: u32,
        service: String,
    },
    /// The leader's reconciliation of gossip into the catalog: `node`'s `serfHealth` becomes `health`.
    /// Critical invalidates every session bound to the node (Consul's `ensureCheck` does it in the same
    /// state-store transaction).
    SerfHealth {
        node: u32,
        health: Health,
    },
    /// The instances of `service`, only the passing ones if `passing_only` (Consul `health/service?passing`).
    HealthService {
        service: String,
        passing_only: bool,
    },
}

impl ConsulRequest {
    pub fn is_read(&self) -> bool {
        matches!(
            self,
            ConsulRequest::Get { .. }
                | ConsulRequest::CheckSequencer { .. }
                | ConsulRequest::HealthService { .. }
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConsulResponse {
    Session {
        id: SessionId,
    },
    Destroyed {
        released: Vec<String>,
    },
    Renewed {
        id: SessionId,
        ttl_ms: Option<u64>,
    },
    /// Whether the acquire or release took effect.
    Lock {
        ok: bool,
    },
    Entry(Option<Entry>),
    Sequencer {
        valid: bool,
    },
    SessionNotFound {
        id: SessionId,
    },
    /// A session cannot be created on a node that is unknown or whose `serfHealth` is critical.
    NodeUnhealthy {
        node: u32,
    },
    /// The catalog changed (register, deregister, health); `invalidated` lists the sessions it ended.
    Catalog {
        index: u64,
        invalidated: Vec<SessionId>,
    },
    /// A health query's answer, with the catalog index a blocking query waits on.
    Instances {
        index: u64,
        instances: Vec<Instance>,
    },
    /// A key was set at this modify index.
    Set {
        modify_index: u64,
    },
}

/// Sessions, entries and lock-delays.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsulState {
    /// Bumped by every change; entries' create and modify indexes come from it.
    index: u64,
    entries: BTreeMap<String, Entry>,
    sessions: BTreeMap<SessionId, Session>,
    next_session: SessionId,
    /// Key -> no acquisition before this time (µs).
    lock_delays: BTreeMap<String, u64>,
    /// Catalog nodes by number.
    #[serde(default)]
    nodes: BTreeMap<u32, CatalogNode>,
    /// Registered services: (service, node).
    #[serde(default)]
    services: BTreeSet<(String, u32)>,
    /// The consul index of the last catalog change (what a blocking health query waits on).
    #[serde(default)]
    catalog_index: u64,
}

impl ConsulState {
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    pub fn session(&self, id: SessionId) -> Option<&Session> {
        self.sessions.get(&id)
    }

    pub fn sessions(&self) -> impl Iterator<Item = &Session> {
        self.sessions.values()
    }

    /// The index of the last change of any kind (Consul's `X-Consul-Index` for a missing key).
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The index of the last catalog change.
    pub fn catalog_index(&self) -> u64 {
        self.catalog_index
    }

    pub fn catalog_nodes(&self) -> impl Iterator<Item = &CatalogNode> {
        self.nodes.values()
    }

    /// Every instance of `service`, in node order, with whether it passes.
    pub fn instances(&self, service: &str) -> Vec<Instance> {
        self.services
            .range((service.to_string(), 0)..=(service.to_string(), u32::MAX))
            .map(|(s, n)| Instance {
                service: s.clone(),
                node: *n,
                passing: self
                    .nodes
                    .get(n)
                    .is_some_and(|c| c.serf_health == Health::Passing),
            })
            .collect()
    }

    /// Every registered (service, node), in order.
    pub fn services(&self) -> impl Iterator<Item = &(String, u32)> {
        self.services.iter()
    }

    /// Until when (µs) `key` cannot be acquired, if it is in lock-delay at `at`.
    pub fn lock_delay(&self, key: &str, at: u64) -> Option<u64> {
        self.lock_delays
            .get(key)
            .copied()
            .filter(|until| at < *until)
    }

    /// Applies one request proposed at time `at` (µs).
    pub fn apply(&mut self, req: &ConsulRequest, at: u64) -> ConsulResponse {
        match req {
            ConsulRequest::SessionCreate {
                ttl_ms,
                behavior,
                lock_delay_ms,
            } => {
                self.next_session += 1;
                let id = self.next_session;
                self.index += 1;
                self.sessions.insert(
                    id,
                    Session {
                        id,
                        ttl_ms: *ttl_ms,
                        behavior: *behavior,
                        lock_delay_ms: *lock_delay_ms,
                        held: BTreeSet::new(),
                        node: None,
                    },
                );
                ConsulResponse::Session { id }
            }
            ConsulRequest::SessionCreateOn {
                node,
                behavior,
                lock_delay_ms,
            } => {
                if self
                    .nodes
                    .get(node)
                    .is_none_or(|c| c.serf_health != Health::Passing)
                {
                    return ConsulResponse::NodeUnhealthy { node: *node };
                }
                self.next_session += 1;
                let id = self.next_session;
                self.index += 1;
                self.sessions.insert(
                    id,
                    Session {
                        id,
                        ttl_ms: None,
                        behavior: *behavior,
                        lock_delay_ms: *lock_delay_ms,
                        held: BTreeSet::new(),
                        node: Some(*node),
                    },
                );
                ConsulResponse::Session { id }
            }
            ConsulRequest::KvSet { key, value } => {
                self.index += 1;
                let index = self.index;
                let entry = self.entries.entry(key.clone()).or_insert(Entry {
                    key: key.clone(),
                    value: String::new(),
                    create_index: index,
                    modify_index: index,
                    lock_index: 0,
                    session: None,
                });
                entry.value = value.clone();
                entry.modify_index = index;
                ConsulResponse::Set {
                    modify_index: index,
                }
            }
            ConsulRequest::Register { node, service } => {
                self.index += 1;
                let index = self.index;
                self.nodes.entry(*node).or_insert(CatalogNode {
                    node: *node,
                    serf_health: Health::Passing,
                    modify_index: index,
                });
                if let Some(s) = service {
                    self.services.insert((s.clone(), *node));
                }
                self.catalog_index = index;
                ConsulResponse::Catalog {
                    index,
                    invalidated: Vec::new(),
                }
            }
            ConsulRequest::Deregister { node, service } => {
                self.index += 1;
                self.services.remove(&(service.clone(), *node));
                self.catalog_index = self.index;
                ConsulResponse::Catalog {
                    index: self.index,
                    invalidated: Vec::new(),
                }
            }
            ConsulRequest::SerfHealth { node, health } => self.set_serf_health(*node, *health, at),
            ConsulRequest::HealthService {
                service,
                passing_only,
            } => ConsulResponse::Instances {
                index: self.catalog_index,
                instances: self
                    .instances(service)
                    .into_iter()
                    .filter(|i| i.passing || !passing_only)
                    .collect(),
            },
            ConsulRequest::SessionDestroy { id } => match self.invalidate(*id, at) {
                Some(released) => ConsulResponse::Destroyed { released },
                None => ConsulResponse::SessionNotFound { id: *id },
            },
            ConsulRequest::SessionRenew { id } => match self.sessions.get(id) {
                Some(s) => ConsulResponse::Renewed {
                    id: *id,
                    ttl_ms: s.ttl_ms,
                },
                None => ConsulResponse::SessionNotFound { id: *id },
            },
            ConsulRequest::Acquire {
                key,
                value,
                session,
            } => {
                if !self.sessions.contains_key(session) {
                    return ConsulResponse::SessionNotFound { id: *session };
                }
                ConsulResponse::Lock {
                    ok: self.acquire(key, value, *session, at),
                }
            }
            ConsulRequest::Release { key, session } => ConsulResponse::Lock {
                ok: self.release(key, *session),
            },
            ConsulRequest::Get { key } => ConsulResponse::Entry(self.entries.get(key).cloned()),
            ConsulRequest::CheckSequencer {
                key,
                lock_index,
                session,
            } => ConsulResponse::Sequencer {
                valid: self
                    .entries
                    .get(key)
                    .is_some_and(|e| e.session == Some(*session) && e.lock_index == *lock_index),
            },
        }
    }

    /// The leader's reconcile: records `node`'s health (registering the node if new); critical
    /// invalidates every session bound to the node, at the same index.
    fn set_serf_health(&mut self, node: u32, health: Health, at: u64) -> ConsulResponse {
        self.index += 1;
        let index = self.index;
        let entry = self.nodes.entry(node).or_insert(CatalogNode {
            node,
            serf_health: health,
            modify_index: index,
        });
        entry.serf_health = health;
        entry.modify_index = index;
        let mut invalidated = Vec::new();
        if health == Health::Critical {
            let bound: Vec<SessionId> = self
                .sessions
                .values()
                .filter(|s| s.node == Some(node))
                .map(|s| s.id)
                .collect();
            for id in bound {
                self.invalidate(id, at);
                invalidated.push(id);
            }
            // One change, one index: the invalidations above bumped it; keep the entry's index current.
            if let Some(e) = self.nodes.get_mut(&node) {
                e.modify_index = self.index;
            }
        }
        self.catalog_index = self.index;
        ConsulResponse::Catalog {
            index: self.index,
            invalidated,
        }
    }

    fn acquire(&mut self, key: &str, value: &str, session: SessionId, at: u64) -> bool {
        let holder = self.entries.get(key).and_then(|e| e.session);
        if holder.is_some_and(|h| h != session) {
            return false;
        }
        if holder.is_none() && self.lock_delay(key, at).is_some() {
            return false;
        }
        self.index += 1;
        let index = self.index;
        let entry = self.entries.entry(key.to_string()).or_insert(Entry {
            key: key.to_string(),
            value: String::new(),
            create_index: index,
            modify_index: index,
            lock_index: 0,
            session: None,
        });
        entry.value = value.to_string();
        entry.modify_index = index;
        // A holder that acquires again only updates the value (Consul does not bump the lock index).
        if holder.is_none() {
            entry.lock_index += 1;
            entry.session = Some(session);
            if let Some(s) = self.sessions.get_mut(&session) {
                s.held.insert(key.to_string());
            }
        }
        true
    }

    fn release(&mut self, key: &str, session: SessionId) -> bool {
        let Some(entry) = self.entries.get_mut(key) else {
            return false;
        };
        if entry.session != Some(session) {
            return false;
        }
        self.index += 1;
        entry.session = None;
        entry.modify_index = self.index;
        if let Some(s) = self.sessions.get_mut(&session) {
            s.held.remove(key);
        }
        true
    }

    /// Destroys a session: its keys are released or deleted per its behavior, each put in lock-delay.
    /// Returns the keys it held, or `None` if there was no such session.
    fn invalidate(&mut self, id: SessionId, at: u64) -> Option<Vec<String>> {
        let session = self.sessions.remove(&id)?;
        self.index += 1;
        let held: Vec<String> = session.held.into_iter().collect();
        for key in &held {
            match session.behavior {
                Behavior::Release => {
                    if let Some(e) = self.entries.get_mut(key) {
                        e.session = None;
                        e.modify_index = self.index;
                    }
                }
                Behavior::Delete => {
                    self.entries.remove(key);
                }
            }
            if session.lock_delay_ms > 0 {
                self.lock_delays
                    .insert(key.clone(), at + session.lock_delay_ms * 1000);
            }
        }
        Some(held)
    }
}

impl fmt::Display for ConsulRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConsulRequest::SessionCreate {
                ttl_ms,
                behavior,
                lock_delay_ms,
            } => {
                write!(f, "session create")?;
                if let Some(t) = ttl_ms {
                    write!(f, " ttl={t}ms")?;
                }
                write!(f, " behavior={behavior:?} lock-delay={lock_delay_ms}ms")
            }
            ConsulRequest::SessionDestroy { id } => write!(f, "session destroy {id}"),
            ConsulRequest::SessionRenew { id } => write!(f, "session renew {id}"),
            ConsulRequest::Acquire {
                key,
                value,
                session,
            } => write!(f, "acquire {key}={value} session={session}"),
            ConsulRequest::Release { key, session } => {
                write!(f, "release {key} session={session}")
            }
            ConsulRequest::Get { key } => write!(f, "consul get {key}"),
            ConsulRequest::CheckSequencer {
                key,
                lock_index,
                session,
            } => write!(f, "check sequencer {key}:{lock_index}:{session}"),
            ConsulRequest::SessionCreateOn {
                node,
                behavior,
                lock_delay_ms,
            } => write!(
                f,
                "session create node=n{node} behavior={behavior:?} lock-delay={lock_delay_ms}ms"
            ),
            ConsulRequest::KvSet { key, value } => write!(f, "consul set {key}={value}"),
            ConsulRequest::Register { node, service } => match service {
                Some(s) => write!(f, "register n{node} service={s}"),
                None => write!(f, "register n{node}"),
            },
            ConsulRequest::Deregister { node, service } => {
                write!(f, "deregister n{node} service={service}")
            }
            ConsulRequest::SerfHealth { node, health } => {
                write!(f, "serfHealth n{node} {health:?}")
            }
            ConsulRequest::HealthService {
                service,
                passing_only,
            } => {
                write!(f, "health {service}")?;
                if *passing_only {
                    f.write_str(" passing")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for ConsulResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConsulResponse::Session { id } => write!(f, "session {id}"),
            ConsulResponse::Destroyed { released } => {
                write!(f, "session destroyed, {} keys released", released.len())
            }
            ConsulResponse::Renewed { id, .. } => write!(f, "session {id} renewed"),
            ConsulResponse::Lock { ok } => write!(f, "{ok}"),
            ConsulResponse::Entry(None) => write!(f, "none"),
            ConsulResponse::Entry(Some(e)) => write!(
                f,
                "{}={} lock_index={} session={}",
                e.key,
                e.value,
                e.lock_index,
                e.session.map_or_else(|| "-".to_string(), |s| s.to_string())
            ),
            ConsulResponse::Sequencer { valid } => write!(f, "sequencer valid={valid}"),
            ConsulResponse::SessionNotFound { id } => write!(f, "session {id} not found"),
            ConsulResponse::NodeUnhealthy { node } => {
                write!(f, "node n{node} unknown or critical")
            }
            ConsulResponse::Catalog { index, invalidated } => {
                write!(f, "catalog index={index}")?;
                if !invalidated.is_empty() {
                    write!(f, " invalidated={invalidated:?}")?;
                }
                Ok(())
            }
            ConsulResponse::Instances { index, instances } => {
                write!(f, "index={index} instances=[")?;
                for (i, x) in instances.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "n{}", x.node)?;
                    if !x.passing {
                        f.write_str("(critical)")?;
                    }
                }
                f.write_str("]")
            }
            ConsulResponse::Set { modify_index } => write!(f, "set index={modify_index}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(c: &mut ConsulState, behavior: Behavior, delay_ms: u64) -> SessionId {
        match c.apply(
            &ConsulRequest::SessionCreate {
                ttl_ms: None,
                behavior,
                lock_delay_ms: delay_ms,
            },
            0,
        ) {
            ConsulResponse::Session { id } => id,
            other => panic!("{other:?}"),
        }
    }
    fn acquire(c: &mut ConsulState, key: &str, s: SessionId, at: u64) -> bool {
        c.apply(
            &ConsulRequest::Acquire {
                key: key.into(),
                value: format!("s{s}"),
                session: s,
            },
            at,
        ) == ConsulResponse::Lock { ok: true }
    }
    fn release(c: &mut ConsulState, key: &str, s: SessionId) -> bool {
        c.apply(
            &ConsulRequest::Release {
                key: key.into(),
                session: s,
            },
            0,
        ) == ConsulResponse::Lock { ok: true }
    }

    #[test]
    fn one_session_holds_a_key_and_the_lock_index_counts_acquisitions() {
        let mut c = ConsulState::default();
        let (a, b) = (
            create(&mut c, Behavior::Release, 0),
            create(&mut c, Behavior::Release, 0),
        );
        assert!(acquire(&mut c, "k", a, 0));
        assert_eq!(c.entry("k").unwrap().lock_index, 1);
        assert!(!acquire(&mut c, "k", b, 0), "held by another session");
        assert!(acquire(&mut c, "k", a, 0), "the holder may acquire again");
        assert_eq!(
            c.entry("k").unwrap().lock_index,
            1,
            "without a new lock index"
        );
        assert!(!release(&mut c, "k", b), "only the holder releases");
        assert!(release(&mut c, "k", a));
        assert!(acquire(&mut c, "k", b, 0));
        assert_eq!(c.entry("k").unwrap().lock_index, 2);
    }

    #[test]
    fn after_invalidation_no_one_acquires_before_the_lock_delay_ends() {
        let mut c = ConsulState::default();
        let a = create(&mut c, Behavior::Release, DEFAULT_LOCK_DELAY_MS);
        let b = create(&mut c, Behavior::Release, DEFAULT_LOCK_DELAY_MS);
        assert!(acquire(&mut c, "k", a, 1_000_000));
        let r = c.apply(&ConsulRequest::SessionDestroy { id: a }, 2_000_000);
        assert_eq!(
            r,
            ConsulResponse::Destroyed {
                released: vec!["k".into()]
            }
        );
        let e = c.entry("k").unwrap();
        assert_eq!(
            (e.session, e.value.as_str()),
            (None, "s1"),
            "released, value kept"
        );
        assert!(!acquire(&mut c, "k", b, 2_000_000 + 14_999_999));
        assert!(acquire(&mut c, "k", b, 2_000_000 + 15_000_000));
        assert_eq!(c.entry("k").unwrap().lock_index, 2);
    }

    #[test]
    fn a_delete_session_deletes_its_keys_on_invalidation() {
        let mut c = ConsulState::default();
        let a = create(&mut c, Behavior::Delete, 0);
        assert!(acquire(&mut c, "k", a, 0));
        c.apply(&ConsulRequest::SessionDestroy { id: a }, 0);
        assert!(c.entry("k").is_none());
        assert!(c.session(a).is_none());
    }

    #[test]
    fn a_sequencer_is_valid_only_while_its_holder_holds_at_that_index() {
        let mut c = ConsulState::default();
        let a = create(&mut c, Behavior::Release, 0);
        let b = create(&mut c, Behavior::Release, 0);
        assert!(acquire(&mut c, "k", a, 0));
        let seq = |session, lock_index| ConsulRequest::CheckSequencer {
            key: "k".into(),
            lock_index,
            session,
        };
        assert_eq!(
            c.apply(&seq(a, 1), 0),
            ConsulResponse::Sequencer { valid: true }
        );
        assert!(release(&mut c, "k", a));
        assert!(acquire(&mut c, "k", b, 0));
        assert_eq!(
            c.apply(&seq(a, 1), 0),
            ConsulResponse::Sequencer { valid: false }
        );
        assert_eq!(
            c.apply(&seq(b, 2), 0),
            ConsulResponse::Sequencer { valid: true }
        );
    }

    #[test]
    fn acquiring_with_an_unknown_session_is_refused() {
        let mut c = ConsulState::default();
        let before = c.clone();
        assert_eq!(
            c.apply(
                &ConsulRequest::Acquire {
                    key: "k".into(),
                    value: String::new(),
                    session: 9
                },
                0
            ),
            ConsulResponse::SessionNotFound { id: 9 }
        );
        assert_eq!(c, before);
    }

    #[test]
    fn a_critical_serf_health_invalidates_the_sessions_bound_to_that_node_at_once() {
        let mut c = ConsulState::default();
        let on = |node| ConsulRequest::SessionCreateOn {
            node,
            behavior: Behavior::Release,
            lock_delay_ms: DEFAULT_LOCK_DELAY_MS,
        };
        assert_eq!(
            c.apply(&on(4), 0),
            ConsulResponse::NodeUnhealthy { node: 4 }
        );
        for node in [4, 5] {
            c.apply(
                &ConsulRequest::Register {
                    node,
                    service: Some("web".into()),
                },
                0,
            );
        }
        let ConsulResponse::Session { id: a } = c.apply(&on(4), 0) else {
            panic!()
        };
        let ConsulResponse::Session { id: b } = c.apply(&on(5), 0) else {
            panic!()
        };
        assert!(acquire(&mut c, "k", a, 0));
        let r = c.apply(
            &ConsulRequest::SerfHealth {
                node: 4,
                health: Health::Critical,
            },
            1_000_000,
        );
        assert!(
            matches!(r, ConsulResponse::Catalog { ref invalidated, .. } if invalidated == &[a])
        );
        assert!(c.session(a).is_none() && c.session(b).is_some());
        assert_eq!(c.entry("k").unwrap().session, None, "released");
        assert!(
            !acquire(&mut c, "k", b, 15_999_999),
            "lock-delay from the invalidation"
        );
        assert!(acquire(&mut c, "k", b, 16_000_000));
        let health = ConsulRequest::HealthService {
            service: "web".into(),
            passing_only: true,
        };
        let ConsulResponse::Instances { instances, .. } = c.apply(&health, 0) else {
            panic!()
        };
        assert_eq!(instances.iter().map(|i| i.node).collect::<Vec<_>>(), [5]);
        assert_eq!(
            c.apply(&on(4), 0),
            ConsulResponse::NodeUnhealthy { node: 4 }
        );
        c.apply(
            &ConsulRequest::SerfHealth {
                node: 4,
                health: Health::Passing,
            },
            0,
        );
        let ConsulResponse::Instances { instances, .. } = c.apply(&health, 0) else {
            panic!()
        };
        assert_eq!(instances.len(), 2, "back when healthy again");
    }
}

//! The programs an etcd client runs, each with at most one request in flight plus its lease's
//! keep-alives:
//! - `lock`: clientv3 `concurrency.Mutex`: a lease (the session), a key `prefix/<lease>` under it whose
//!   create revision is the place in line; the holder is the lowest; a waiter watches the deletion of
//!   the key just before its own, then checks again; after `hold` the holder deletes its key;
//! - `service`: a key `services/<name>/<node>` under a kept-alive lease (it vanishes when the lease
//!   expires);
//! - `discover`: a range over `services/<name>/` then a watch from the next revision;
//! - `config`: a get of one key then a watch, recording every version (mod revision, value);
//! - `put`: one put.
//!
//! A lease is kept alive every TTL/3 (clientv3's default); the client also keeps its own deadline (the
//! receipt of the last keep-alive answer plus the TTL, as clientv3's lessor sets it) and, checking every
//! 500 ms (clientv3's `deadlineLoop`), counts the lease lost past it, as clientv3's session does when
//! its keep-alive channel closes. That deadline falls a little after the leader's own (the answer took
//! time to arrive), which is where etcd's lock has a window with two believers.

use std::collections::BTreeMap;
use std::fmt;

use quorate_core::{Duration, NodeId, SimTime};
use quorate_kv::{
    CmpOp, Compare, EventKind, KeyRange, KvError, LeaseId, Op, OpResult, Reply, Request, Response,
    Revision, Target, Txn, WatchEvent,
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Spec {
    Lock {
        prefix: String,
        hold: Duration,
        think: Duration,
    },
    Service {
        name: String,
    },
    Discover {
        service: String,
    },
    Config {
        key: String,
    },
    Put {
        key: String,
        value: String,
    },
}

impl Spec {
    pub fn durable(&self) -> bool {
        !matches!(self, Spec::Put { .. })
    }
    fn leased(&self) -> bool {
        matches!(self, Spec::Lock { .. } | Spec::Service { .. })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Report {
    /// The holder's fencing token is its key's create revision.
    Acquired {
        key: String,
        token: Revision,
    },
    Released {
        key: String,
    },
    Lost {
        key: String,
        why: String,
    },
    Registered {
        service: String,
        lease: LeaseId,
    },
    /// The instances under the service prefix as of `revision`, when they changed.
    Discovered {
        service: String,
        revision: Revision,
        nodes: Vec<u32>,
    },
    ConfigVersion {
        key: String,
        value: String,
        revision: Revision,
    },
    Done {
        what: String,
    },
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Report::Acquired { key, token } => write!(f, "lock {key} acquired token={token}"),
            Report::Released { key } => write!(f, "lock {key} released"),
            Report::Lost { key, why } => write!(f, "lock {key} lost ({why})"),
            Report::Registered { service, lease } => {
                write!(f, "service {service} registered lease={lease}")
            }
            Report::Discovered {
                service,
                revision,
                nodes,
            } => {
                write!(f, "discover {service} rev={revision} [")?;
                for (i, n) in nodes.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "n{n}")?;
                }
                f.write_str("]")
            }
            Report::ConfigVersion {
                key,
                value,
                revision,
            } => write!(f, "config {key}={value} rev={revision}"),
            Report::Done { what } => write!(f, "{what} done"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    Grant,
    Create,
    Check,
    /// Watching the predecessor's key (watch id).
    Wait {
        pred: String,
    },
    Held,
    Release,
    Think,
    /// Service: registered, only keep-alives from now on.
    Idle,
    /// Discover / config: reading the current state.
    Sync,
    /// Discover / config: watching from the synced revision.
    Watching,
    Finished,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Program {
    pub spec: Spec,
    pub phase: Phase,
    pub lease: LeaseId,
    /// Client-side lease deadline (the last acknowledged keep-alive's send time + TTL).
    pub lease_deadline: SimTime,
    pub key: String,
    pub token: Revision,
    pub inflight: Option<u64>,
    pub timer_token: u64,
    /// Discover: key -> node; config: versions seen (revision, value).
    pub instances: BTreeMap<String, u32>,
    pub history: Vec<(Revision, String)>,
    /// The watch this program has open on the client's member, if any.
    pub watch: Option<u64>,
}

/// What the engine should do for a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Call(Request),
    /// Open a watch (the engine picks its id and records it in `watch`).
    Watch(KeyRange, Revision),
    Sleep(Duration),
    Nothing,
}

#[derive(Clone, Copy, Debug)]
pub struct Knobs {
    pub node: NodeId,
    pub ttl: Duration,
}

fn node_of(key: &str) -> Option<u32> {
    key.rsplit('/').next()?.strip_prefix('n')?.parse().ok()
}

impl Program {
    pub fn new(spec: Spec) -> Program {
        let phase = match &spec {
            Spec::Lock { .. } | Spec::Service { .. } => Phase::Grant,
            Spec::Discover { .. } | Spec::Config { .. } => Phase::Sync,
            Spec::Put { .. } => Phase::Create,
        };
        Program {
            spec,
            phase,
            lease: 0,
            lease_deadline: SimTime::ZERO,
            key: String::new(),
            token: 0,
            inflight: None,
            timer_token: 0,
            instances: BTreeMap::new(),
            history: Vec::new(),
            watch: None,
        }
    }

    pub fn holds(&self) -> bool {
        matches!(self.phase, Phase::Held | Phase::Release)
    }

    pub fn needs_keepalive(&self) -> bool {
        self.spec.leased() && self.lease != 0
    }

    pub fn kick(&self, k: &Knobs) -> Step {
        match (&self.spec, &self.phase) {
            (_, Phase::Grant) => Step::Call(Request::LeaseGrant {
                ttl_ms: k.ttl.as_micros() / 1000,
            }),
            (Spec::Lock { .. }, Phase::Create) => Step::Call(Request::Txn(Txn {
                compare: vec![Compare {
                    key: self.key.clone(),
                    op: CmpOp::Equal,
                    target: Target::CreateRevision(0),
                }],
                success: vec![Op::Put {
                    key: self.key.clone(),
                    value: k.node.to_string(),
                    lease: self.lease,
                }],
                failure: vec![Op::Range(KeyRange::single(self.key.clone()))],
            })),
            (Spec::Service { .. }, Phase::Create) => Step::Call(Request::Op(Op::Put {
                key: self.key.clone(),
                value: k.node.to_string(),
                lease: self.lease,
            })),
            (Spec::Put { key, value }, Phase::Create) => Step::Call(Request::Op(Op::Put {
                key: key.clone(),
                value: value.clone(),
                lease: 0,
            })),
            (Spec::Lock { prefix, .. }, Phase::Check) => {
                Step::Call(Request::Op(Op::Range(KeyRange::prefix(prefix.clone()))))
            }
            (Spec::Lock { .. }, Phase::Release) => {
                Step::Call(Request::Op(Op::Delete(KeyRange::single(self.key.clone()))))
            }
            (Spec::Discover { service }, Phase::Sync) => Step::Call(Request::Op(Op::Range(
                KeyRange::prefix(format!("services/{service}/")),
            ))),
            (Spec::Config { key }, Phase::Sync) => {
                Step::Call(Request::Op(Op::Range(KeyRange::single(key.clone()))))
            }
            _ => Step::Nothing,
        }
    }

    fn lose(&mut self, why: &str, reports: &mut Vec<Report>) {
        if self.holds() {
            if let Spec::Lock { .. } = self.spec {
                reports.push(Report::Lost {
                    key: self.key.clone(),
                    why: why.into(),
                });
            }
        }
        self.lease = 0;
        self.watch = None;
        self.timer_token += 1;
        self.phase = Phase::Grant;
    }

    /// The reply to the main call in flight.
    pub fn on_reply(
        &mut self,
        now: SimTime,
        reply: Reply,
        k: &Knobs,
        reports: &mut Vec<Report>,
    ) -> Step {
        self.inflight = None;
        let revision = reply.revision;
        let resp = match reply.result {
            Ok(r) => r,
            Err(KvError::LeaseNotFound(_)) => {
                self.lose("lease expired", reports);
                return self.kick(k);
            }
            Err(_) => return self.kick(k),
        };
        let spec = self.spec.clone();
        match (&spec, self.phase.clone(), resp) {
            (_, Phase::Grant, Response::LeaseGrant { id, .. }) => {
                self.lease = id;
                self.lease_deadline = now + k.ttl;
                self.key = match &spec {
                    Spec::Lock { prefix, .. } => format!("{prefix}{id:x}"),
                    Spec::Service { name } => format!("services/{name}/{}", k.node),
                    _ => String::new(),
                };
                self.phase = Phase::Create;
                self.kick(k)
            }
            (Spec::Lock { .. }, Phase::Create, Response::Txn { succeeded, results }) => {
                self.token = if succeeded {
                    revision
                } else {
                    match results.first() {
                        Some(OpResult::Range { kvs }) if !kvs.is_empty() => kvs[0].create_revision,
                        _ => 0,
                    }
                };
                if self.token != 0 {
                    self.phase = Phase::Check;
                }
                self.kick(k)
            }
            (Spec::Lock { hold, .. }, Phase::Check, Response::Op(OpResult::Range { kvs })) => {
                if !kvs
                    .iter()
                    .any(|kv| kv.key == self.key && kv.create_revision == self.token)
                {
                    // Our key is gone: the lease expired while we waited.
                    self.lose("key gone", reports);
                    return self.kick(k);
                }
                let pred = kvs
                    .iter()
                    .filter(|kv| kv.create_revision < self.token)
                    .max_by_key(|kv| kv.create_revision);
                match pred {
                    None => {
                        reports.push(Report::Acquired {
                            key: self.key.clone(),
                            token: self.token,
                        });
                        self.phase = Phase::Held;
                        Step::Sleep(*hold)
                    }
                    Some(p) => {
                        self.phase = Phase::Wait {
                            pred: p.key.clone(),
                        };
                        Step::Watch(KeyRange::single(p.key.clone()), revision + 1)
                    }
                }
            }
            (Spec::Lock { think, .. }, Phase::Release, Response::Op(OpResult::Delete { .. })) => {
                reports.push(Report::Released {
                    key: self.key.clone(),
                });
                self.phase = Phase::Think;
                Step::Sleep(*think)
            }
            (Spec::Service { name }, Phase::Create, Response::Op(OpResult::Put { .. })) => {
                reports.push(Report::Registered {
                    service: name.clone(),
                    lease: self.lease,
                });
                self.phase = Phase::Idle;
                Step::Nothing
            }
            (Spec::Put { key, .. }, Phase::Create, Response::Op(OpResult::Put { .. })) => {
                reports.push(Report::Done {
                    what: format!("put {key} rev={revision}"),
                });
                self.phase = Phase::Finished;
                Step::Nothing
            }
            (Spec::Discover { service }, Phase::Sync, Response::Op(OpResult::Range { kvs })) => {
                let now_set: BTreeMap<String, u32> = kvs
                    .iter()
                    .filter_map(|kv| node_of(&kv.key).map(|n| (kv.key.clone(), n)))
                    .collect();
                let changed = now_set != self.instances || self.history.is_empty();
                self.instances = now_set;
                if changed {
                    // `history` marks "reported once" for discover.
                    self.history.push((revision, String::new()));
                    reports.push(Report::Discovered {
                        service: service.clone(),
                        revision,
                        nodes: self.instances.values().copied().collect(),
                    });
                }
                self.phase = Phase::Watching;
                Step::Watch(
                    KeyRange::prefix(format!("services/{service}/")),
                    revision + 1,
                )
            }
            (Spec::Config { key }, Phase::Sync, Response::Op(OpResult::Range { kvs })) => {
                if let Some(kv) = kvs.first() {
                    self.see_version(key, kv.mod_revision, &kv.value, reports);
                }
                self.phase = Phase::Watching;
                Step::Watch(KeyRange::single(key.clone()), revision + 1)
            }
            _ => self.kick(k),
        }
    }

    fn see_version(&mut self, key: &str, rev: Revision, value: &str, reports: &mut Vec<Report>) {
        if self.history.last().is_none_or(|(r, _)| *r < rev) {
            self.history.push((rev, value.to_string()));
            reports.push(Report::ConfigVersion {
                key: key.to_string(),
                value: value.to_string(),
                revision: rev,
            });
        }
    }

    /// Events of this program's watch.
    pub fn on_events(
        &mut self,
        events: &[WatchEvent],
        k: &Knobs,
        reports: &mut Vec<Report>,
    ) -> Step {
        let spec = self.spec.clone();
        match (&spec, self.phase.clone()) {
            (Spec::Lock { .. }, Phase::Wait { pred }) => {
                if events
                    .iter()
                    .any(|e| e.kind == EventKind::Delete && e.kv.key == pred)
                {
                    self.watch = None;
                    self.phase = Phase::Check;
                    return self.kick(k);
                }
                Step::Nothing
            }
            (Spec::Discover { service }, Phase::Watching) => {
                let mut last = 0;
                for e in events {
                    last = last.max(e.kv.mod_revision);
                    let Some(n) = node_of(&e.kv.key) else {
                        continue;
                    };
                    match e.kind {
                        EventKind::Put => self.instances.insert(e.kv.key.clone(), n),
                        EventKind::Delete => self.instances.remove(&e.kv.key),
                    };
                }
                reports.push(Report::Discovered {
                    service: service.clone(),
                    revision: last,
                    nodes: self.instances.values().copied().collect(),
                });
                Step::Nothing
            }
            (Spec::Config { key }, Phase::Watching) => {
                for e in events {
                    if e.kind == EventKind::Put {
                        self.see_version(key, e.kv.mod_revision, &e.kv.value, reports);
                    }
                }
                Step::Nothing
            }
            _ => Step::Nothing,
        }
    }

    /// The client moved to another member (or its member restarted): watches are gone; read again.
    pub fn resync(&mut self, k: &Knobs) -> Step {
        self.watch = None;
        match self.phase {
            Phase::Wait { .. } => {
                self.phase = Phase::Check;
                self.kick(k)
            }
            Phase::Watching => {
                self.phase = Phase::Sync;
                self.kick(k)
            }
            _ => Step::Nothing,
        }
    }

    pub fn on_timer(&mut self, k: &Knobs) -> Step {
        match self.phase {
            Phase::Held => {
                self.phase = Phase::Release;
                self.kick(k)
            }
            Phase::Think => {
                self.phase = Phase::Create;
                self.kick(k)
            }
            _ => Step::Nothing,
        }
    }

    /// The deadline check: past the client-side deadline the lease counts as lost.
    pub fn keepalive_due(
        &mut self,
        now: SimTime,
        k: &Knobs,
        reports: &mut Vec<Report>,
    ) -> Option<Step> {
        if !self.needs_keepalive() {
            return None;
        }
        if now >= self.lease_deadline {
            self.lose("lease deadline passed", reports);
            self.inflight = None;
            return Some(self.kick(k));
        }
        None
    }

    /// A keep-alive sent at `sent` was acknowledged (or refused: the lease is gone).
    pub fn on_keepalive(
        &mut self,
        sent: SimTime,
        reply: &Reply,
        k: &Knobs,
        reports: &mut Vec<Report>,
    ) -> Step {
        match &reply.result {
            Ok(Response::LeaseKeepAlive { id, .. }) if *id == self.lease => {
                self.lease_deadline = self.lease_deadline.max(sent + k.ttl);
                Step::Nothing
            }
            Err(KvError::LeaseNotFound(id)) if *id == self.lease => {
                self.lose("lease expired", reports);
                self.inflight = None;
                self.kick(k)
            }
            _ => Step::Nothing,
        }
    }

    pub fn on_timeout(&mut self, k: &Knobs) -> Step {
        self.inflight = None;
        self.kick(k)
    }
}

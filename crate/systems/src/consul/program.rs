//! The programs a Consul agent runs for its local applications, each a small state machine with at most
//! one request in flight to a server:
//! - `lock`: the api package's `Lock` (what `consul lock` runs): a session on this node, then acquire;
//!   a refused acquire blocks on the key until its holder changes, or, if nobody holds it (lock-delay),
//!   retries after `lock_retry` (api `DefaultLockRetryTime`, 5 s); the holder monitors the key with
//!   blocking queries and counts the lock lost when the key names another session or the monitor fails
//!   (api `MonitorRetries` = 0); after `hold` it releases, thinks, and loops;
//! - `service`: registers a service on this node (the agent's anti-entropy, once);
//! - `discover`: a blocking `health/service?passing` loop;
//! - `config`: a blocking query loop on one key, recording every version it sees;
//! - `set`: one `kv put`.

use std::fmt;

use quorate_core::{Duration, NodeId};
use quorate_kv::consul::{ConsulRequest, ConsulResponse, Entry, SessionId};
use quorate_kv::{Reply, Request, Response};
use serde::{Deserialize, Serialize};

use crate::wire::Wait;

/// What a program is (durable: a restarted agent runs its programs again).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Spec {
    Lock {
        key: String,
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
    Set {
        key: String,
        value: String,
    },
}

impl Spec {
    /// One-shot programs are not run again after a restart.
    pub fn durable(&self) -> bool {
        !matches!(self, Spec::Set { .. })
    }
}

/// What a program reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Report {
    Acquired {
        key: String,
        session: SessionId,
    },
    Released {
        key: String,
    },
    /// The holder learned it no longer holds the key (`why`: "taken", "monitor failed", "session").
    Lost {
        key: String,
        why: String,
    },
    Registered {
        service: String,
    },
    /// A discovery answer that differs from the previous one: the passing instances at catalog `index`.
    Discovered {
        service: String,
        index: u64,
        nodes: Vec<u32>,
    },
    /// A new version of a config key (its modify index) reached the watcher.
    ConfigVersion {
        key: String,
        value: String,
        index: u64,
    },
    Done {
        what: String,
    },
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Report::Acquired { key, session } => write!(f, "lock {key} acquired session={session}"),
            Report::Released { key } => write!(f, "lock {key} released"),
            Report::Lost { key, why } => write!(f, "lock {key} lost ({why})"),
            Report::Registered { service } => write!(f, "service {service} registered"),
            Report::Discovered {
                service,
                index,
                nodes,
            } => {
                write!(f, "discover {service} index={index} [")?;
                for (i, n) in nodes.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "n{n}")?;
                }
                f.write_str("]")
            }
            Report::ConfigVersion { key, value, index } => {
                write!(f, "config {key}={value} index={index}")
            }
            Report::Done { what } => write!(f, "{what} done"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    Session,
    Acquire,
    /// Read the key after a refused acquire.
    Peek,
    /// Blocking query on the key until its holder changes.
    Block {
        index: u64,
    },
    /// Wait `lock_retry`, then acquire (the key was free but in lock-delay).
    Retry,
    /// Holding; `index` is the monitor's blocking index.
    Held {
        index: u64,
    },
    Release,
    Think,
    /// Blocking loops (discover, config): the last index seen.
    Loop {
        index: u64,
    },
    Finished,
}

/// A running program.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Program {
    pub spec: Spec,
    pub phase: Phase,
    pub session: Option<SessionId>,
    /// The call in flight: its id.
    pub inflight: Option<u64>,
    /// Timers armed for an older phase carry an older token.
    pub token: u64,
    /// Discover: the last answer reported; config: every version seen (index, value).
    pub last_nodes: Option<Vec<u32>>,
    pub history: Vec<(u64, String)>,
}

/// What the engine should do for a program after an input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Send this call (a fresh id) to a server.
    Call(Request, Option<Wait>),
    /// Arm the program's timer after this long (a fresh token).
    Sleep(Duration),
    /// Both: a call now and a timer (the holder's monitor and its hold).
    CallAndSleep(Request, Option<Wait>, Duration),
    Nothing,
}

/// Settings the programs read.
#[derive(Clone, Copy, Debug)]
pub struct Knobs {
    pub node: NodeId,
    pub lock_delay_ms: u64,
    pub behavior: quorate_kv::consul::Behavior,
    pub block_wait: Duration,
    pub lock_retry: Duration,
}

fn consul(req: ConsulRequest) -> Request {
    Request::Consul(req)
}

impl Program {
    pub fn new(spec: Spec) -> Program {
        let phase = match &spec {
            Spec::Lock { .. } => Phase::Session,
            Spec::Discover { .. } | Spec::Config { .. } => Phase::Loop { index: 0 },
            Spec::Service { .. } | Spec::Set { .. } => Phase::Acquire,
        };
        Program {
            spec,
            phase,
            session: None,
            inflight: None,
            token: 0,
            last_nodes: None,
            history: Vec::new(),
        }
    }

    pub fn holds(&self) -> bool {
        matches!(self.phase, Phase::Held { .. } | Phase::Release)
    }

    /// The request of the current phase, if it has one.
    pub fn kick(&self, k: &Knobs) -> Step {
        let wait = |index| {
            Some(Wait {
                index,
                max: k.block_wait,
            })
        };
        match (&self.spec, &self.phase) {
            (Spec::Lock { .. }, Phase::Session) => Step::Call(
                consul(ConsulRequest::SessionCreateOn {
                    node: k.node.0,
                    behavior: k.behavior,
                    lock_delay_ms: k.lock_delay_ms,
                }),
                None,
            ),
            (Spec::Lock { key, .. }, Phase::Acquire) => match self.session {
                Some(session) => Step::Call(
                    consul(ConsulRequest::Acquire {
                        key: key.clone(),
                        value: k.node.to_string(),
                        session,
                    }),
                    None,
                ),
                None => Step::Nothing,
            },
            (Spec::Lock { key, .. }, Phase::Peek) => {
                Step::Call(consul(ConsulRequest::Get { key: key.clone() }), None)
            }
            (Spec::Lock { key, .. }, Phase::Block { index } | Phase::Held { index }) => Step::Call(
                consul(ConsulRequest::Get { key: key.clone() }),
                wait(*index),
            ),
            (Spec::Lock { key, .. }, Phase::Release) => match self.session {
                Some(session) => Step::Call(
                    consul(ConsulRequest::Release {
                        key: key.clone(),
                        session,
                    }),
                    None,
                ),
                None => Step::Nothing,
            },
            (Spec::Service { name }, Phase::Acquire) => Step::Call(
                consul(ConsulRequest::Register {
                    node: k.node.0,
                    service: Some(name.clone()),
                }),
                None,
            ),
            (Spec::Set { key, value }, Phase::Acquire) => Step::Call(
                consul(ConsulRequest::KvSet {
                    key: key.clone(),
                    value: value.clone(),
                }),
                None,
            ),
            (Spec::Discover { service }, Phase::Loop { index }) => Step::Call(
                consul(ConsulRequest::HealthService {
                    service: service.clone(),
                    passing_only: true,
                }),
                wait(*index),
            ),
            (Spec::Config { key }, Phase::Loop { index }) => Step::Call(
                consul(ConsulRequest::Get { key: key.clone() }),
                wait(*index),
            ),
            _ => Step::Nothing,
        }
    }

    /// A reply to the call in flight. Reports go to `reports`.
    pub fn on_reply(&mut self, reply: Reply, k: &Knobs, reports: &mut Vec<Report>) -> Step {
        self.inflight = None;
        let resp = match reply.result {
            Ok(Response::Consul(r)) => r,
            // A monitor that gets an error gives up: api.Lock's `MonitorRetries` is 0.
            _ if self.phase_is_held() => return self.monitor_failed(k, reports),
            // Not the leader, a dropped read: ask again (the engine moves to another server).
            _ => return self.kick(k),
        };
        let spec = self.spec.clone();
        match (&spec, self.phase.clone(), resp) {
            (Spec::Lock { .. }, Phase::Session, ConsulResponse::Session { id }) => {
                self.session = Some(id);
                self.phase = Phase::Acquire;
                self.kick(k)
            }
            (Spec::Lock { .. }, Phase::Session, _) => {
                // The node is not (yet, or no longer) healthy in the catalog.
                Step::Sleep(k.lock_retry)
            }
            (Spec::Lock { key, hold, .. }, Phase::Acquire, ConsulResponse::Lock { ok: true }) => {
                let session = self.session.unwrap_or_default();
                reports.push(Report::Acquired {
                    key: key.clone(),
                    session,
                });
                self.phase = Phase::Held { index: 0 };
                match self.kick(k) {
                    Step::Call(r, w) => Step::CallAndSleep(r, w, *hold),
                    _ => Step::Sleep(*hold),
                }
            }
            (Spec::Lock { .. }, Phase::Acquire, ConsulResponse::Lock { ok: false }) => {
                self.phase = Phase::Peek;
                self.kick(k)
            }
            (
                Spec::Lock { .. },
                Phase::Acquire | Phase::Release,
                ConsulResponse::SessionNotFound { .. },
            ) => {
                self.session = None;
                self.phase = Phase::Session;
                self.kick(k)
            }
            (Spec::Lock { .. }, Phase::Peek, ConsulResponse::Entry(e)) => self.after_peek(e, k),
            (Spec::Lock { .. }, Phase::Block { .. }, ConsulResponse::Entry(e)) => {
                if e.as_ref().is_some_and(|e| e.session.is_some()) {
                    self.after_peek(e, k)
                } else {
                    // The holder let go: attempt at once (api.Lock's WAIT -> ATTEMPT).
                    self.phase = Phase::Acquire;
                    self.kick(k)
                }
            }
            (Spec::Lock { key, .. }, Phase::Held { .. }, ConsulResponse::Entry(e)) => match e {
                Some(Entry {
                    session: Some(s),
                    modify_index,
                    ..
                }) if Some(s) == self.session => {
                    self.phase = Phase::Held {
                        index: modify_index,
                    };
                    self.kick(k)
                }
                _ => {
                    reports.push(Report::Lost {
                        key: key.clone(),
                        why: "taken".into(),
                    });
                    self.phase = Phase::Acquire;
                    self.token += 1;
                    self.kick(k)
                }
            },
            (Spec::Lock { key, think, .. }, Phase::Release, ConsulResponse::Lock { .. }) => {
                reports.push(Report::Released { key: key.clone() });
                self.phase = Phase::Think;
                Step::Sleep(*think)
            }
            (Spec::Service { name }, Phase::Acquire, ConsulResponse::Catalog { .. }) => {
                reports.push(Report::Registered {
                    service: name.clone(),
                });
                self.phase = Phase::Finished;
                Step::Nothing
            }
            (Spec::Set { key, .. }, Phase::Acquire, ConsulResponse::Set { modify_index }) => {
                reports.push(Report::Done {
                    what: format!("set {key} index={modify_index}"),
                });
                self.phase = Phase::Finished;
                Step::Nothing
            }
            (
                Spec::Discover { service },
                Phase::Loop { .. },
                ConsulResponse::Instances { index, instances },
            ) => {
                let nodes: Vec<u32> = instances.iter().map(|i| i.node).collect();
                if self.last_nodes.as_ref() != Some(&nodes) {
                    reports.push(Report::Discovered {
                        service: service.clone(),
                        index,
                        nodes: nodes.clone(),
                    });
                    self.last_nodes = Some(nodes);
                }
                self.phase = Phase::Loop { index };
                self.kick(k)
            }
            (Spec::Config { key }, Phase::Loop { .. }, ConsulResponse::Entry(e)) => {
                let index = match e {
                    Some(e) => {
                        if self.history.last().is_none_or(|(i, _)| *i < e.modify_index) {
                            self.history.push((e.modify_index, e.value.clone()));
                            reports.push(Report::ConfigVersion {
                                key: key.clone(),
                                value: e.value.clone(),
                                index: e.modify_index,
                            });
                        }
                        e.modify_index
                    }
                    None => self.history.last().map_or(0, |(i, _)| *i),
                };
                self.phase = Phase::Loop { index };
                self.kick(k)
            }
            // An answer of another shape: ask again.
            _ => self.kick(k),
        }
    }

    fn after_peek(&mut self, e: Option<Entry>, k: &Knobs) -> Step {
        match e {
            Some(Entry {
                session: Some(_),
                modify_index,
                ..
            }) => {
                self.phase = Phase::Block {
                    index: modify_index,
                };
                self.kick(k)
            }
            // Free but refused: lock-delay. The api waits DefaultLockRetryTime.
            _ => {
                self.phase = Phase::Retry;
                Step::Sleep(k.lock_retry)
            }
        }
    }

    /// The program's timer fired.
    pub fn on_timer(&mut self, k: &Knobs) -> Step {
        match self.phase {
            Phase::Held { .. } => {
                self.phase = Phase::Release;
                self.kick(k)
            }
            Phase::Think | Phase::Retry => {
                self.phase = Phase::Acquire;
                self.kick(k)
            }
            Phase::Session => self.kick(k),
            _ => Step::Nothing,
        }
    }

    fn phase_is_held(&self) -> bool {
        matches!(
            (&self.spec, &self.phase),
            (Spec::Lock { .. }, Phase::Held { .. })
        )
    }

    /// api.Lock's monitor gives up at the first error: the lock counts as lost.
    fn monitor_failed(&mut self, k: &Knobs, reports: &mut Vec<Report>) -> Step {
        if let Spec::Lock { key, .. } = &self.spec {
            reports.push(Report::Lost {
                key: key.clone(),
                why: "monitor failed".into(),
            });
        }
        self.phase = Phase::Acquire;
        self.token += 1;
        self.kick(k)
    }

    /// The call in flight got no answer in time (the engine already moved to another server).
    pub fn on_timeout(&mut self, k: &Knobs, reports: &mut Vec<Report>) -> Step {
        self.inflight = None;
        if self.phase_is_held() {
            return self.monitor_failed(k, reports);
        }
        self.kick(k)
    }
}

//! How the Consul and etcd worlds are shown: roles, summaries, each node's part of the system view
//! (a server's store, an agent's programs), and the comparison of the two under one fault.

use quorate_core::{Duration, NodeId, SimTime};
use quorate_kv::consul::Health;
use quorate_sim::LinkParams;
use quorate_systems::consul::{self, program::Spec as ConsulSpec, ConsulConfig, ConsulNode};
use quorate_systems::etcd::{self, program::Spec as EtcdSpec, EtcdConfig, EtcdNode};
use quorate_systems::measure::{self, Fault, Settings, System, Timeline};
use quorate_view::system::{Fact, PhaseView, Scope, SystemTimeline, SystemView, TableView, Tone};
use quorate_view::{CompareFault, ComparisonView, Milestone, NodeView};

use super::{countdown, link, Present};

/// The key the default Consul lock programs contend for, and the etcd lock prefix.
const CONSUL_LOCK: &str = "service/leader";
const ETCD_LOCK: &str = "jobs/";
const CONFIG_KEY: &str = "app/config";

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_micros() as f64 / 1e6)
}

/// Role name, leader or not, for a Raft node of a composite world.
fn raft_role(raft: &quorate_raft::Status, leader: &str, other: &str) -> String {
    if raft.role == quorate_raft::RoleKind::Leader {
        leader.to_string()
    } else {
        other.to_string()
    }
}

fn raft_details(raft: &quorate_raft::Status) -> Vec<(String, String)> {
    vec![
        ("term".to_string(), raft.term.to_string()),
        (
            "leader".to_string(),
            raft.leader.map_or("—".to_string(), |l| l.to_string()),
        ),
        ("commit".to_string(), raft.commit.to_string()),
        ("applied".to_string(), raft.applied.to_string()),
    ]
}

/// The election countdown of a follower.
fn election_timer(
    raft: &quorate_raft::Status,
    cfg: &quorate_raft::Config,
    now: SimTime,
) -> Option<quorate_view::TimerView> {
    (raft.role != quorate_raft::RoleKind::Leader)
        .then_some(raft.election_deadline)
        .flatten()
        .map(|d| countdown("election timeout", d, now, cfg.election_timeout_max))
}

/// An agent's or client's own rows: its programs and the config versions it saw.
fn program_tables(
    node: NodeId,
    programs: &[String],
    history: &[(String, Vec<(u64, String)>)],
    index_word: &str,
) -> Vec<TableView> {
    let mut progs = TableView::new("programs", Scope::Node, &["node", "program", "doing"]);
    for line in programs {
        let (what, doing) = line.split_once(": ").unwrap_or((line.as_str(), ""));
        let tone = if doing.starts_with("holding") {
            Tone::Good
        } else if doing.contains("lock-delay") || doing.starts_with("waiting") {
            Tone::Warn
        } else {
            Tone::Plain
        };
        progs.row(
            tone,
            vec![node.to_string(), what.to_string(), doing.to_string()],
        );
    }
    let mut config = TableView::new(
        "config history (what each watcher saw)",
        Scope::Node,
        &["node", "key", "versions"],
    );
    for (key, versions) in history {
        let seen = if versions.is_empty() {
            "nothing yet".to_string()
        } else {
            versions
                .iter()
                .map(|(i, v)| format!("{v} @{index_word}{i}"))
                .collect::<Vec<_>>()
                .join(" → ")
        };
        config.row(Tone::Plain, vec![node.to_string(), key.clone(), seen]);
    }
    let mut tables = Vec::new();
    if !progs.rows.is_empty() {
        tables.push(progs);
    }
    if !config.rows.is_empty() {
        tables.push(config);
    }
    tables
}

// ---- Consul ----------------------------------------------------------------------------------------

impl Present for ConsulNode {
    /// Its steps are costly enough (a store, programs) that replaying them on a wrong guess costs more
    /// than the rounds speculation saves (Consul, 8 nodes, natively: 1.5 to 1.9 events per round of calls,
    /// and 15–32% more time per event).
    const SPECULATION: u32 = 0;
    /// A lock failover takes 20–25 s (suspicion, then the 15 s lock-delay): watchable at 1×.
    const SPEED: f64 = 1.0;

    fn setup(nodes: &[NodeId]) -> (ConsulConfig, LinkParams) {
        let mut cfg = ConsulConfig::new(nodes, 3.min(nodes.len()));
        let agents: Vec<NodeId> = nodes.iter().copied().skip(cfg.servers.len()).collect();
        let mut programs = Vec::new();
        for a in agents.iter().take(3) {
            programs.push((
                *a,
                ConsulSpec::Lock {
                    key: CONSUL_LOCK.to_string(),
                    hold: Duration::ZERO,
                    think: Duration::ZERO,
                },
            ));
        }
        for a in agents.iter().skip(1).take(3) {
            programs.push((
                *a,
                ConsulSpec::Service {
                    name: "web".to_string(),
                },
            ));
        }
        if let Some(first) = agents.first() {
            programs.push((
                *first,
                ConsulSpec::Discover {
                    service: "web".to_string(),
                },
            ));
            programs.push((
                *first,
                ConsulSpec::Set {
                    key: CONFIG_KEY.to_string(),
                    value: "v1".to_string(),
                },
            ));
        }
        if let Some(last) = agents.last() {
            programs.push((
                *last,
                ConsulSpec::Config {
                    key: CONFIG_KEY.to_string(),
                },
            ));
        }
        cfg.programs = programs;
        (cfg, link(2, 10))
    }

    fn present(s: &consul::Status, config: &ConsulConfig, now: SimTime) -> NodeView {
        use quorate_gossip::State;
        let count = |st: State| s.members.iter().filter(|(_, m)| *m == st).count();
        let gossip = format!(
            "{} alive · {} suspect · {} dead",
            count(State::Alive),
            count(State::Suspect),
            count(State::Dead) + count(State::Left)
        );
        let mut details = Vec::new();
        let mut view = NodeView::blank(0);
        match &s.kv {
            Some(kv) => {
                let role = raft_role(&kv.raft, "server-leader", "server");
                details.push(("role".to_string(), role.clone()));
                details.extend(raft_details(&kv.raft));
                view.summary = format!(
                    "term {} · commit {} · {gossip}",
                    kv.raft.term, kv.raft.commit
                );
                view.timer = election_timer(&kv.raft, &config.kv.raft, now);
                let (log, marks) = super::detail::raft_log(&kv.raft);
                view.log = log;
                view.log_marks = Some(marks);
                view.followers = super::detail::raft_followers(&kv.raft);
                view.automata = vec![super::detail::raft_automaton(&kv.raft)];
                view.role = Some(role);
                view.system = Some(consul_store(s, kv, config, now));
            }
            None => {
                details.push(("role".to_string(), "agent".to_string()));
                let holding = s.programs.iter().any(|p| p.contains(": holding"));
                view.summary = if holding {
                    format!("holds {CONSUL_LOCK} · {gossip}")
                } else {
                    gossip.clone()
                };
                view.role = Some("agent".to_string());
                for p in &s.programs {
                    details.push(("program".to_string(), p.clone()));
                }
                view.system = Some(SystemView {
                    tables: program_tables(NodeId(0), &s.programs, &s.config_history, "index "),
                    ..SystemView::default()
                });
            }
        }
        for (id, m) in &s.members {
            details.push((format!("gossip {id}"), format!("{m:?}").to_lowercase()));
        }
        view.details = details;
        view
    }

    fn present_down(d: &consul::Durable) -> String {
        format!("down · {} programs kept", d.programs.len())
    }

    fn milestone(event: &consul::Event) -> Option<Milestone> {
        use quorate_gossip::Event as G;
        use quorate_raft::Event as R;
        match event {
            consul::Event::Kv(quorate_kv::Event::Raft(R::BecameLeader { .. })) => {
                Some(Milestone::Leader)
            }
            consul::Event::Kv(quorate_kv::Event::Raft(R::Committed { .. })) => {
                Some(Milestone::Commit)
            }
            consul::Event::Gossip(G::Alive { .. } | G::Suspect { .. } | G::Dead { .. }) => {
                Some(Milestone::Membership)
            }
            _ => None,
        }
    }
}

/// A Consul server's store: catalog, services, sessions, KV with its locks.
fn consul_store(
    s: &consul::Status,
    kv: &quorate_kv::Status,
    config: &ConsulConfig,
    now: SimTime,
) -> SystemView {
    let leader = kv.raft.role == quorate_raft::RoleKind::Leader;
    let session_node = |id: u64| {
        kv.consul_sessions
            .iter()
            .find(|x| x.id == id)
            .and_then(|x| x.node)
    };
    let delay_left = |key: &str| {
        s.lock_delays
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, until)| SimTime::from_micros(*until).since(now))
            .filter(|d| d.as_micros() > 0)
    };
    let mut facts = Vec::new();
    let locks: Vec<&quorate_kv::consul::Entry> = kv
        .consul_entries
        .iter()
        .filter(|e| e.lock_index > 0 || e.key == CONSUL_LOCK)
        .collect();
    for e in &locks {
        let (holder, tone) = match e.session {
            Some(sid) => (
                format!(
                    "{} (session {sid})",
                    session_node(sid).map_or("?".to_string(), |n| format!("n{n}"))
                ),
                Tone::Good,
            ),
            None => match delay_left(&e.key) {
                Some(left) => (format!("free · lock-delay {} left", secs(left)), Tone::Warn),
                None => ("free".to_string(), Tone::Plain),
            },
        };
        facts.push(Fact::new(&format!("lock {}", e.key), holder, tone));
        facts.push(Fact::new(
            "lock index",
            e.lock_index.to_string(),
            Tone::Plain,
        ));
    }
    facts.push(Fact::new(
        "lock-delay",
        format!("{} per invalidated session", secs(config.lock_delay)),
        Tone::Plain,
    ));
    facts.push(Fact::new(
        "catalog index",
        kv.consul_entries
            .iter()
            .map(|e| e.modify_index)
            .chain(s.catalog.iter().map(|c| c.modify_index))
            .max()
            .unwrap_or(0)
            .to_string(),
        Tone::Plain,
    ));

    let mut catalog = TableView::new(
        "catalog",
        Scope::Store,
        &["node", "kind", "serfHealth", "services", "modify index"],
    );
    for c in &s.catalog {
        let services: Vec<&str> = s
            .services
            .iter()
            .filter(|i| i.node == c.node)
            .map(|i| i.service.as_str())
            .collect();
        let (health, tone) = match c.serf_health {
            Health::Passing => ("passing", Tone::Good),
            Health::Critical => ("critical", Tone::Bad),
        };
        let kind = if config.is_server(NodeId(c.node)) {
            "server"
        } else {
            "agent"
        };
        catalog.row(
            tone,
            vec![
                format!("n{}", c.node),
                kind.to_string(),
                health.to_string(),
                services.join(", "),
                c.modify_index.to_string(),
            ],
        );
    }
    let mut health = TableView::new(
        "health: service web",
        Scope::Store,
        &["instance", "node", "check"],
    );
    for i in &s.services {
        let (word, tone) = if i.passing {
            ("passing", Tone::Good)
        } else {
            ("critical", Tone::Bad)
        };
        health.row(
            tone,
            vec![i.service.clone(), format!("n{}", i.node), word.to_string()],
        );
    }
    health.title = "services (health)".to_string();
    let mut sessions = TableView::new(
        "sessions",
        Scope::Store,
        &["session", "node", "behavior", "lock-delay", "holds"],
    );
    for x in &kv.consul_sessions {
        let holds: Vec<&str> = x.held.iter().map(String::as_str).collect();
        sessions.row(
            if holds.is_empty() {
                Tone::Plain
            } else {
                Tone::Good
            },
            vec![
                x.id.to_string(),
                x.node.map_or("—".to_string(), |n| format!("n{n}")),
                format!("{:?}", x.behavior).to_lowercase(),
                format!("{} ms", x.lock_delay_ms),
                if holds.is_empty() {
                    "—".to_string()
                } else {
                    holds.join(", ")
                },
            ],
        );
    }
    let mut entries = TableView::new(
        "kv",
        Scope::Store,
        &["key", "value", "lock index", "session", "modify index"],
    );
    for e in &kv.consul_entries {
        let tone = match (e.session, delay_left(&e.key)) {
            (Some(_), _) => Tone::Good,
            (None, Some(_)) => Tone::Warn,
            _ => Tone::Plain,
        };
        entries.row(
            tone,
            vec![
                e.key.clone(),
                e.value.clone(),
                e.lock_index.to_string(),
                e.session.map_or_else(
                    || match delay_left(&e.key) {
                        Some(left) => format!("— (lock-delay {})", secs(left)),
                        None => "—".to_string(),
                    },
                    |x| x.to_string(),
                ),
                e.modify_index.to_string(),
            ],
        );
    }
    SystemView {
        source: if leader {
            format!("n{}, the leader", kv.raft.id.0)
        } else {
            format!("n{}, a follower", kv.raft.id.0)
        },
        facts,
        tables: vec![catalog, health, sessions, entries],
    }
}

// ---- etcd ------------------------------------------------------------------------------------------

impl Present for EtcdNode {
    /// No speculation, as for Consul's nodes (see there): a store makes steps costly to run again.
    const SPECULATION: u32 = 0;
    /// A lease outlives its holder by up to its 10 s TTL: watchable at 1×.
    const SPEED: f64 = 1.0;

    fn setup(nodes: &[NodeId]) -> (EtcdConfig, LinkParams) {
        let mut cfg = EtcdConfig::new(nodes, 3.min(nodes.len()));
        let clients: Vec<NodeId> = nodes.iter().copied().skip(cfg.members.len()).collect();
        let mut programs = Vec::new();
        for c in clients.iter().take(3) {
            programs.push((
                *c,
                EtcdSpec::Lock {
                    prefix: ETCD_LOCK.to_string(),
                    hold: Duration::ZERO,
                    think: Duration::ZERO,
                },
            ));
        }
        for c in clients.iter().skip(1).take(2) {
            programs.push((
                *c,
                EtcdSpec::Service {
                    name: "web".to_string(),
                },
            ));
        }
        if let Some(first) = clients.first() {
            programs.push((
                *first,
                EtcdSpec::Discover {
                    service: "web".to_string(),
                },
            ));
            programs.push((
                *first,
                EtcdSpec::Put {
                    key: CONFIG_KEY.to_string(),
                    value: "v1".to_string(),
                },
            ));
        }
        if let Some(last) = clients.last() {
            programs.push((
                *last,
                EtcdSpec::Config {
                    key: CONFIG_KEY.to_string(),
                },
            ));
        }
        cfg.programs = programs;
        (cfg, link(2, 10))
    }

    fn present(s: &etcd::Status, config: &EtcdConfig, now: SimTime) -> NodeView {
        let mut view = NodeView::blank(0);
        let mut details = Vec::new();
        match &s.kv {
            Some(kv) => {
                let role = raft_role(&kv.raft, "member-leader", "member");
                details.push(("role".to_string(), role.clone()));
                details.extend(raft_details(&kv.raft));
                details.push(("revision".to_string(), kv.revision.to_string()));
                view.summary = format!(
                    "term {} · commit {} · rev {}",
                    kv.raft.term, kv.raft.commit, kv.revision
                );
                view.timer = election_timer(&kv.raft, &config.kv.raft, now).or_else(|| {
                    // The leader: the lease closest to expiring.
                    kv.leases
                        .iter()
                        .filter_map(|l| l.deadline.map(|d| (d, l)))
                        .min_by_key(|(d, _)| *d)
                        .map(|(d, l)| {
                            countdown(
                                &format!("lease {:x} expires", l.id),
                                d,
                                now,
                                Duration::from_millis(l.ttl_ms),
                            )
                        })
                });
                let (log, marks) = super::detail::raft_log(&kv.raft);
                view.log = log;
                view.log_marks = Some(marks);
                view.followers = super::detail::raft_followers(&kv.raft);
                view.automata = vec![super::detail::raft_automaton(&kv.raft)];
                view.role = Some(role);
                view.system = Some(etcd_store(kv, config, now));
            }
            None => {
                details.push(("role".to_string(), "client".to_string()));
                if let Some(e) = s.endpoint {
                    details.push(("talks to".to_string(), e.to_string()));
                }
                let holding = s.programs.iter().any(|p| p.contains(": holding"));
                let to = s.endpoint.map_or(String::new(), |e| format!("→ {e}"));
                view.summary = if holding {
                    format!("holds {ETCD_LOCK} · {to}")
                } else {
                    format!("{} programs · {to}", s.programs.len())
                };
                view.role = Some("client".to_string());
                for p in &s.programs {
                    details.push(("program".to_string(), p.clone()));
                }
                view.system = Some(SystemView {
                    tables: program_tables(NodeId(0), &s.programs, &s.config_history, "rev "),
                    ..SystemView::default()
                });
            }
        }
        view.details = details;
        view
    }

    fn present_down(d: &etcd::Durable) -> String {
        format!("down · {} programs kept", d.programs.len())
    }

    fn milestone(event: &etcd::Event) -> Option<Milestone> {
        use quorate_raft::Event as R;
        match event {
            etcd::Event::Kv(quorate_kv::Event::Raft(R::BecameLeader { .. })) => {
                Some(Milestone::Leader)
            }
            etcd::Event::Kv(quorate_kv::Event::Raft(R::Committed { .. })) => {
                Some(Milestone::Commit)
            }
            _ => None,
        }
    }
}

/// The lock prefixes the world's programs use (the default one if none).
fn lock_prefixes(config: &EtcdConfig) -> Vec<String> {
    let mut v: Vec<String> = config
        .programs
        .iter()
        .filter_map(|(_, s)| match s {
            EtcdSpec::Lock { prefix, .. } => Some(prefix.clone()),
            _ => None,
        })
        .collect();
    v.sort();
    v.dedup();
    if v.is_empty() {
        v.push(ETCD_LOCK.to_string());
    }
    v
}

/// An etcd member's store: leases with their TTL left, the lock's keys, services, config.
fn etcd_store(kv: &quorate_kv::Status, config: &EtcdConfig, now: SimTime) -> SystemView {
    let leader = kv.raft.role == quorate_raft::RoleKind::Leader;
    let mut facts = Vec::new();
    let prefixes = lock_prefixes(config);
    for prefix in &prefixes {
        let mut waiters: Vec<&quorate_kv::KeyValue> = kv
            .keys
            .iter()
            .filter(|k| k.key.starts_with(prefix.as_str()))
            .collect();
        waiters.sort_by_key(|k| k.create_revision);
        match waiters.first() {
            Some(h) => {
                facts.push(Fact::new(
                    &format!("lock {prefix}"),
                    format!("{} (key {}, lease {:x})", h.value, h.key, h.lease),
                    Tone::Good,
                ));
                facts.push(Fact::new(
                    "fencing token",
                    format!("create revision {}", h.create_revision),
                    Tone::Plain,
                ));
                facts.push(Fact::new(
                    "waiters",
                    (waiters.len() - 1).to_string(),
                    Tone::Plain,
                ));
            }
            None => facts.push(Fact::new(&format!("lock {prefix}"), "free", Tone::Plain)),
        }
    }
    facts.push(Fact::new("lease TTL", secs(config.lease_ttl), Tone::Plain));
    facts.push(Fact::new("revision", kv.revision.to_string(), Tone::Plain));

    let owner = |lease: u64| {
        kv.keys
            .iter()
            .find(|k| k.lease == lease && (k.value.starts_with('n')))
            .map(|k| k.value.clone())
            .unwrap_or_else(|| "?".to_string())
    };
    let mut leases = TableView::new(
        "leases",
        Scope::Store,
        &["lease", "owner", "TTL", "left", "keys"],
    );
    for l in &kv.leases {
        let (left, tone) = match l.deadline {
            Some(d) => {
                let left = d.since(now);
                let tone = if left.as_micros() * 3 < l.ttl_ms * 1000 {
                    Tone::Warn
                } else {
                    Tone::Good
                };
                (secs(left), tone)
            }
            None => ("— (the leader counts)".to_string(), Tone::Plain),
        };
        leases.row(
            tone,
            vec![
                format!("{:x}", l.id),
                owner(l.id),
                secs(Duration::from_millis(l.ttl_ms)),
                left,
                l.keys.join(", "),
            ],
        );
    }
    let mut locks = TableView::new(
        "lock keys (lowest create revision holds)",
        Scope::Store,
        &["key", "owner", "create rev", "lease", "state"],
    );
    for prefix in &prefixes {
        let mut keys: Vec<&quorate_kv::KeyValue> = kv
            .keys
            .iter()
            .filter(|k| k.key.starts_with(prefix.as_str()))
            .collect();
        keys.sort_by_key(|k| k.create_revision);
        for (i, k) in keys.iter().enumerate() {
            let (state, tone) = if i == 0 {
                ("holder".to_string(), Tone::Good)
            } else {
                (
                    format!("waits for rev {}", keys[i - 1].create_revision),
                    Tone::Warn,
                )
            };
            locks.row(
                tone,
                vec![
                    k.key.clone(),
                    k.value.clone(),
                    k.create_revision.to_string(),
                    format!("{:x}", k.lease),
                    state,
                ],
            );
        }
    }
    let mut services = TableView::new(
        "service keys",
        Scope::Store,
        &["key", "node", "lease", "mod rev"],
    );
    let mut other = TableView::new(
        "other keys",
        Scope::Store,
        &["key", "value", "version", "mod rev"],
    );
    for k in &kv.keys {
        if prefixes.iter().any(|p| k.key.starts_with(p.as_str())) {
            continue;
        }
        if k.key.starts_with("services/") {
            services.row(
                Tone::Good,
                vec![
                    k.key.clone(),
                    k.value.clone(),
                    format!("{:x}", k.lease),
                    k.mod_revision.to_string(),
                ],
            );
        } else {
            other.row(
                Tone::Plain,
                vec![
                    k.key.clone(),
                    k.value.clone(),
                    k.version.to_string(),
                    k.mod_revision.to_string(),
                ],
            );
        }
    }
    SystemView {
        source: if leader {
            format!("n{}, the leader", kv.raft.id.0)
        } else {
            format!("n{}, a follower", kv.raft.id.0)
        },
        facts,
        tables: vec![leases, locks, services, other],
    }
}

// ---- the comparison --------------------------------------------------------------------------------

fn ms(d: Duration) -> f64 {
    d.as_micros() as f64 / 1e3
}

fn phase(name: &str, note: &str, start: Option<Duration>, end: Option<Duration>) -> PhaseView {
    PhaseView {
        name: name.to_string(),
        note: note.to_string(),
        start_ms: start.map_or(0.0, ms),
        end_ms: end.map(ms),
    }
}

/// One fault on a Consul world and an etcd world, with `seed`, as `quorate compare` runs it.
pub fn compare(fault: CompareFault, seed: u64) -> ComparisonView {
    let settings = Settings::default();
    let f = match fault {
        CompareFault::KillHolder => Fault::KillHolder,
        CompareFault::KillInstance => Fault::KillInstance,
        CompareFault::PartitionMinority => Fault::PartitionMinority,
    };
    let systems = [System::Consul, System::Etcd]
        .into_iter()
        .map(|system| {
            timeline(
                system,
                f,
                &measure::run(system, f, seed, &settings),
                &settings,
            )
        })
        .collect();
    ComparisonView {
        fault,
        seed,
        setup: format!(
            "{} Raft servers and {} other machines on 1–5 ms links; Consul lock-delay {}, \
             etcd lease TTL {}; the fault strikes at 10–15 s, times count from it",
            settings.servers,
            settings.agents,
            secs(settings.lock_delay),
            secs(settings.lease_ttl)
        ),
        systems,
    }
}

fn timeline(system: System, fault: Fault, t: &Timeline, s: &Settings) -> SystemTimeline {
    let lock = fault != Fault::KillInstance;
    let next_name = if lock {
        "next holder"
    } else {
        "discovery drops it"
    };
    let mut phases = Vec::new();
    let (name, stale_label) = match system {
        System::Consul => {
            phases.push(phase(
                "detection",
                "SWIM: the fault to the first suspicion",
                Some(Duration::ZERO),
                t.detect,
            ));
            phases.push(phase(
                "suspicion",
                "Lifeguard's suspicion timeout: suspected to declared dead",
                t.detect,
                t.declared,
            ));
            phases.push(phase(
                "commit",
                "the leader commits serfHealth critical: sessions invalidated",
                t.declared.or(t.detect),
                t.released,
            ));
            if lock {
                let delay_end = t.released.map(|r| r + s.lock_delay);
                phases.push(phase(
                    "lock-delay",
                    "the key cannot be acquired again for the lock-delay",
                    t.released,
                    delay_end,
                ));
                phases.push(phase(
                    next_name,
                    "a waiter acquires (after the api's lock retry)",
                    delay_end.or(t.released),
                    t.next,
                ));
            } else {
                phases.push(phase(
                    next_name,
                    "the blocking health query answers without the instance",
                    t.released,
                    t.next,
                ));
            }
            (
                "Consul",
                match fault {
                    Fault::KillHolder => "the catalog still named the dead node as holder",
                    Fault::KillInstance => "discovery still listed the dead instance",
                    Fault::PartitionMinority => {
                        "the cut-off holder still believed it held the lock after another acquired"
                    }
                },
            )
        }
        System::Etcd => {
            phases.push(phase(
                "lease expiry",
                "no detector: the lease outlives its holder until its TTL runs out",
                Some(Duration::ZERO),
                t.released,
            ));
            phases.push(phase(
                next_name,
                if lock {
                    "the waiter's watch sees its predecessor's key deleted"
                } else {
                    "the watch sees the service key deleted"
                },
                t.released,
                t.next,
            ));
            (
                "etcd",
                match fault {
                    Fault::KillHolder => "the store still held the dead holder's key",
                    Fault::KillInstance => "discovery still listed the dead instance",
                    Fault::PartitionMinority => {
                        "the cut-off holder still believed it held the lock after another acquired"
                    }
                },
            )
        }
    };
    if let Some(g) = t.holder_gave_up {
        phases.push(phase(
            "holder gives up",
            "the cut-off holder notices it lost the lock",
            Some(Duration::ZERO),
            Some(g),
        ));
    }
    if let Some(b) = t.back {
        phases.push(phase(
            "back after restart",
            "from the instance's restart to the answer listing it again",
            t.next,
            t.next.map(|n| n + b),
        ));
    }
    let stale_from = if fault == Fault::PartitionMinority {
        t.next.map_or(0.0, ms)
    } else {
        0.0
    };
    SystemTimeline {
        system: name.to_string(),
        phases,
        done_ms: t.next.map(ms),
        stale_ms: t.stale.map(ms),
        stale_from_ms: stale_from,
        stale_label: stale_label.to_string(),
        violations: t.violations.clone(),
    }
}

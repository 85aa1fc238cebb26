//! The comparison: the same fault on a Consul world and an etcd world, and the timeline of each.
//!
//! Both worlds have `servers` Raft nodes and `agents` other machines (Consul agents, etcd client
//! machines) on 1–5 ms links. The faults:
//! - **kill the lock holder**: three machines loop on one lock (hold 120 s); the holder's machine dies;
//! - **kill a service instance**: three machines run a `web` instance, a fourth discovers it; one
//!   instance's machine dies, and is restarted once discovery has dropped it;
//! - **partition a minority**: the lock holder and one follower server are cut off from the rest.
//!
//! The fault strikes at 10 s plus `(seed * 7919) mod 5000` ms, so that seeds also vary the phase of
//! the periodic timers (keep-alives every 3.3 s, probes every second). Every duration in a [`Timeline`] counts from the fault (or from the restart).
//! The runs also check the claims the scenario tests make, and report a violation when one fails.

use quorate_core::{Duration, NodeId, SimTime};
use quorate_gossip as gossip;
use quorate_kv::consul::Health;
use quorate_kv::{EventKind, Expiry, KeyRange};
use quorate_sim::{LinkParams, Record, TraceMode, World, WorldCommand, WorldConfig};

use crate::consul::{self, ConsulConfig, ConsulNode};
use crate::etcd::{self, EtcdConfig, EtcdNode};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum System {
    Consul,
    Etcd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fault {
    KillHolder,
    KillInstance,
    PartitionMinority,
}

impl Fault {
    pub const ALL: [Fault; 3] = [
        Fault::KillHolder,
        Fault::KillInstance,
        Fault::PartitionMinority,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Fault::KillHolder => "kill the lock holder",
            Fault::KillInstance => "kill a service instance",
            Fault::PartitionMinority => "partition a minority",
        }
    }
}

/// The settings both worlds share, and each system's own.
#[derive(Clone, Debug)]
pub struct Settings {
    pub servers: u32,
    pub agents: u32,
    /// Consul: sessions' lock-delay.
    pub lock_delay: Duration,
    /// etcd: the programs' lease TTL.
    pub lease_ttl: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            servers: 3,
            agents: 7,
            lock_delay: Duration::from_secs(15),
            lease_ttl: Duration::from_secs(10),
        }
    }
}

/// What happened after one fault. Durations count from the fault.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    pub seed: u64,
    /// Consul: the first suspicion of the victim anywhere (SWIM's detection).
    pub detect: Option<Duration>,
    /// Consul: the first node to declare the victim dead (suspicion timeout).
    pub declared: Option<Duration>,
    /// Consul: the leader's critical serfHealth applied (sessions invalidated, key released).
    /// etcd: the leader revokes the victim's lease (its keys deleted).
    pub released: Option<Duration>,
    /// Locks: another machine acquires. Discovery: the discovering program's answer drops the victim.
    pub next: Option<Duration>,
    /// Locks (kill): how long the system still named the dead holder (= `released`). Discovery: how
    /// long answers still listed the dead instance (= `next`). Partition: how long the cut-off holder
    /// still believed it held the lock after another machine acquired it (0 if it gave up first).
    pub stale: Option<Duration>,
    /// Partition: when the cut-off holder gave up its lock (from the fault).
    pub holder_gave_up: Option<Duration>,
    /// Discovery: from the restart of the instance to the answer that lists it again.
    pub back: Option<Duration>,
    /// Claims that did not hold in this run.
    pub violations: Vec<String>,
}

fn fault_time(seed: u64) -> SimTime {
    SimTime::from_millis(10_000 + seed.wrapping_mul(7919) % 5000)
}

fn since(t: SimTime, from: SimTime) -> Duration {
    Duration::from_micros(t.as_micros().saturating_sub(from.as_micros()))
}

fn ids(n: u32) -> Vec<NodeId> {
    (1..=n).map(NodeId).collect()
}

/// Runs one fault on one system.
pub fn run(system: System, fault: Fault, seed: u64, s: &Settings) -> Timeline {
    match system {
        System::Consul => run_consul(fault, seed, s),
        System::Etcd => run_etcd(fault, seed, s),
    }
}

// ---- Consul ----------------------------------------------------------------------------------------

fn consul_world(seed: u64, s: &Settings) -> World<ConsulNode> {
    let nodes = ids(s.servers + s.agents);
    let mut cfg = ConsulConfig::new(&nodes, s.servers as usize);
    cfg.lock_delay = s.lock_delay;
    cfg.hold = Duration::from_secs(120);
    World::with_trace(
        WorldConfig {
            seed,
            nodes,
            engine: cfg,
            network: LinkParams::default(),
        },
        TraceMode::Keep,
    )
}

fn consul_leader(w: &World<ConsulNode>) -> Option<NodeId> {
    w.node_ids()
        .filter(|id| w.node_state(*id) == Some(quorate_sim::NodeState::Up))
        .filter_map(|id| {
            w.engine(id)
                .and_then(|e| e.kv())
                .map(|k| (k.is_leader(), k.raft().term(), id))
        })
        .filter(|(l, _, _)| *l)
        .max_by_key(|(_, t, _)| *t)
        .map(|(_, _, id)| id)
}

fn run_consul(fault: Fault, seed: u64, s: &Settings) -> Timeline {
    use consul::program::{Report, Spec};
    let mut w = consul_world(seed, s);
    let agent = |i: u32| NodeId(s.servers + 1 + i);
    let lockers = [agent(0), agent(1), agent(2)];
    let instances = [agent(1), agent(2), agent(3)];
    let discoverer = agent(0);
    let mut tl = Timeline {
        seed,
        ..Timeline::default()
    };
    let run_cmd = |w: &mut World<ConsulNode>, at: SimTime, node: NodeId, spec: Spec| {
        w.run_until(at);
        let _ = w.apply(WorldCommand::Client {
            node,
            cmd: consul::Command::Run(spec),
        });
    };
    match fault {
        Fault::KillHolder | Fault::PartitionMinority => {
            for (i, n) in lockers.iter().enumerate() {
                let spec = Spec::Lock {
                    key: "service/leader".into(),
                    hold: Duration::from_secs(120),
                    think: Duration::from_secs(1),
                };
                run_cmd(
                    &mut w,
                    SimTime::from_millis(1000 + 500 * i as u64),
                    *n,
                    spec,
                );
            }
        }
        Fault::KillInstance => {
            for n in instances {
                run_cmd(
                    &mut w,
                    SimTime::from_millis(1000),
                    n,
                    Spec::Service { name: "web".into() },
                );
            }
            run_cmd(
                &mut w,
                SimTime::from_millis(2000),
                discoverer,
                Spec::Discover {
                    service: "web".into(),
                },
            );
        }
    }
    let t0 = fault_time(seed);
    w.run_until(t0);
    w.take_records();
    let victim = match fault {
        Fault::KillInstance => instances[0],
        _ => match lockers.iter().find(|n| {
            w.engine(**n)
                .is_some_and(|e| e.programs().first().is_some_and(|p| p.holds()))
        }) {
            Some(n) => *n,
            None => {
                tl.violations.push("no lock holder at the fault".into());
                return tl;
            }
        },
    };
    match fault {
        Fault::PartitionMinority => {
            let leader = consul_leader(&w);
            let follower = (1..=s.servers).map(NodeId).find(|n| Some(*n) != leader);
            let minority: std::collections::BTreeSet<NodeId> =
                [Some(victim), follower].into_iter().flatten().collect();
            let rest = w.node_ids().filter(|n| !minority.contains(n)).collect();
            let _ = w.apply(WorldCommand::Partition(vec![minority, rest]));
        }
        _ => {
            let _ = w.apply(WorldCommand::Kill(victim));
        }
    }
    let mut released_at: Option<SimTime> = None;
    let mut critical_index: Option<u64> = None;
    let mut restart_at: Option<SimTime> = None;
    let mut next_at: Option<SimTime> = None;
    let mut last_lock_index = w
        .node_ids()
        .find_map(|n| {
            w.engine(n)
                .and_then(|e| e.kv())
                .filter(|k| k.is_leader())
                .and_then(|k| {
                    k.store()
                        .consul()
                        .entry("service/leader")
                        .map(|e| e.lock_index)
                })
        })
        .unwrap_or(0);
    let limit = t0 + Duration::from_secs(120);
    while w.now() < limit {
        w.run_for(Duration::from_millis(50));
        for rec in w.take_records() {
            let Record::Emit { node, event } = rec.record else {
                continue;
            };
            let t = rec.time;
            match event {
                consul::Event::Gossip(gossip::Event::Suspect { node: n, .. }) if n == victim => {
                    tl.detect.get_or_insert(since(t, t0));
                }
                consul::Event::Gossip(gossip::Event::Dead { node: n, .. }) if n == victim => {
                    tl.declared.get_or_insert(since(t, t0));
                }
                consul::Event::CheckApplied {
                    node: n,
                    health: Health::Critical,
                    index,
                    ..
                } if n == victim.0 && released_at.is_none() => {
                    released_at = Some(t);
                    critical_index = Some(index);
                    tl.released = Some(since(t, t0));
                }
                consul::Event::Program {
                    report: Report::Acquired { .. },
                    ..
                } if node != victim => {
                    if next_at.is_none() {
                        next_at = Some(t);
                        tl.next = Some(since(t, t0));
                        match released_at {
                            None => tl.violations.push(format!(
                                "{node} acquired before the holder's session was invalidated"
                            )),
                            Some(r) if since(t, r) < s.lock_delay => tl.violations.push(format!(
                                "{node} acquired {} after the invalidation, inside the lock-delay",
                                since(t, r)
                            )),
                            _ => {}
                        }
                    }
                    let index = consul_leader(&w)
                        .and_then(|l| w.engine(l))
                        .and_then(|e| e.kv())
                        .and_then(|k| {
                            k.store()
                                .consul()
                                .entry("service/leader")
                                .map(|e| e.lock_index)
                        });
                    if let Some(i) = index {
                        if i != last_lock_index + 1 {
                            tl.violations.push(format!(
                                "lock index went from {last_lock_index} to {i} for one new holder"
                            ));
                        }
                        last_lock_index = i;
                    }
                }
                consul::Event::Program {
                    report: Report::Lost { .. },
                    ..
                } if node == victim => {
                    tl.holder_gave_up.get_or_insert(since(t, t0));
                }
                consul::Event::Program {
                    report: Report::Discovered { index, nodes, .. },
                    ..
                } => {
                    let listed = nodes.contains(&victim.0);
                    if listed && restart_at.is_none() && critical_index.is_some_and(|c| index >= c)
                    {
                        tl.violations.push(format!(
                            "an answer at index {index} lists {victim}, critical since index {}",
                            critical_index.unwrap_or(0)
                        ));
                    }
                    if !listed && tl.next.is_none() {
                        tl.next = Some(since(t, t0));
                        tl.stale = tl.next;
                        restart_at = Some(t + Duration::from_secs(2));
                    }
                    if listed {
                        if let Some(r) = restart_at.filter(|r| t >= *r) {
                            tl.back.get_or_insert(since(t, r));
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(r) = restart_at {
            if w.now() >= r && w.node_state(victim) == Some(quorate_sim::NodeState::Down) {
                w.run_until(r);
                let _ = w.apply(WorldCommand::Restart(victim));
            }
        }
        let done = match fault {
            Fault::KillHolder => tl.next.is_some(),
            Fault::KillInstance => tl.back.is_some(),
            Fault::PartitionMinority => tl.next.is_some() && tl.holder_gave_up.is_some(),
        };
        if done {
            break;
        }
    }
    finish(fault, &mut tl);
    tl
}

fn finish(fault: Fault, tl: &mut Timeline) {
    match fault {
        Fault::KillHolder => tl.stale = tl.released,
        Fault::KillInstance => {}
        Fault::PartitionMinority => {
            tl.stale = match (tl.next, tl.holder_gave_up) {
                (Some(n), Some(g)) => Some(if g > n { g - n } else { Duration::ZERO }),
                _ => None,
            }
        }
    }
    if tl.next.is_none() {
        tl.violations
            .push(format!("{}: nothing happened within 120 s", fault.name()));
    }
}

// ---- etcd ------------------------------------------------------------------------------------------

fn etcd_world(seed: u64, s: &Settings) -> World<EtcdNode> {
    let nodes = ids(s.servers + s.agents);
    let mut cfg = EtcdConfig::new(&nodes, s.servers as usize);
    cfg.lease_ttl = s.lease_ttl;
    cfg.hold = Duration::from_secs(120);
    World::with_trace(
        WorldConfig {
            seed,
            nodes,
            engine: cfg,
            network: LinkParams::default(),
        },
        TraceMode::Keep,
    )
}

fn etcd_leader(w: &World<EtcdNode>) -> Option<NodeId> {
    w.node_ids()
        .filter(|id| w.node_state(*id) == Some(quorate_sim::NodeState::Up))
        .filter_map(|id| {
            w.engine(id)
                .and_then(|e| e.kv())
                .map(|k| (k.is_leader(), k.raft().term(), id))
        })
        .filter(|(l, _, _)| *l)
        .max_by_key(|(_, t, _)| *t)
        .map(|(_, _, id)| id)
}

fn run_etcd(fault: Fault, seed: u64, s: &Settings) -> Timeline {
    use etcd::program::{Report, Spec};
    let mut w = etcd_world(seed, s);
    let client = |i: u32| NodeId(s.servers + 1 + i);
    let lockers = [client(0), client(1), client(2)];
    let instances = [client(1), client(2), client(3)];
    let discoverer = client(0);
    let mut tl = Timeline {
        seed,
        ..Timeline::default()
    };
    let run_cmd = |w: &mut World<EtcdNode>, at: SimTime, node: NodeId, spec: Spec| {
        w.run_until(at);
        let _ = w.apply(WorldCommand::Client {
            node,
            cmd: etcd::Command::Run(spec),
        });
    };
    match fault {
        Fault::KillHolder | Fault::PartitionMinority => {
            for (i, n) in lockers.iter().enumerate() {
                let spec = Spec::Lock {
                    prefix: "lock/".into(),
                    hold: Duration::from_secs(120),
                    think: Duration::from_secs(1),
                };
                run_cmd(
                    &mut w,
                    SimTime::from_millis(1000 + 500 * i as u64),
                    *n,
                    spec,
                );
            }
        }
        Fault::KillInstance => {
            for n in instances {
                run_cmd(
                    &mut w,
                    SimTime::from_millis(1000),
                    n,
                    Spec::Service { name: "web".into() },
                );
            }
            run_cmd(
                &mut w,
                SimTime::from_millis(2000),
                discoverer,
                Spec::Discover {
                    service: "web".into(),
                },
            );
        }
    }
    let t0 = fault_time(seed);
    w.run_until(t0);
    w.take_records();
    let (victim, lease) = match fault {
        Fault::KillInstance => (
            instances[0],
            w.engine(instances[0])
                .and_then(|e| e.programs().first())
                .map_or(0, |p| p.lease),
        ),
        _ => match lockers.iter().find_map(|n| {
            w.engine(*n)
                .and_then(|e| e.programs().first())
                .filter(|p| p.holds())
                .map(|p| (*n, p.lease))
        }) {
            Some(v) => v,
            None => {
                tl.violations.push("no lock holder at the fault".into());
                return tl;
            }
        },
    };
    match fault {
        Fault::PartitionMinority => {
            let leader = etcd_leader(&w);
            let follower = (1..=s.servers).map(NodeId).find(|n| Some(*n) != leader);
            let minority: std::collections::BTreeSet<NodeId> =
                [Some(victim), follower].into_iter().flatten().collect();
            let rest = w.node_ids().filter(|n| !minority.contains(n)).collect();
            let _ = w.apply(WorldCommand::Partition(vec![minority, rest]));
        }
        _ => {
            let _ = w.apply(WorldCommand::Kill(victim));
        }
    }
    let mut released_at: Option<SimTime> = None;
    let mut restart_at: Option<SimTime> = None;
    let mut last_token = 0;
    let limit = t0 + Duration::from_secs(120);
    while w.now() < limit {
        w.run_for(Duration::from_millis(50));
        for rec in w.take_records() {
            let Record::Emit { node, event } = rec.record else {
                continue;
            };
            let t = rec.time;
            match event {
                etcd::Event::Kv(quorate_kv::Event::Expired {
                    what: Expiry::Lease(id),
                }) if id == lease && released_at.is_none() => {
                    released_at = Some(t);
                    tl.released = Some(since(t, t0));
                }
                etcd::Event::Program {
                    report: Report::Acquired { token, .. },
                    ..
                } if node != victim => {
                    if token <= last_token {
                        tl.violations
                            .push(format!("fencing token {token} after {last_token}"));
                    }
                    last_token = token;
                    if tl.next.is_none() {
                        tl.next = Some(since(t, t0));
                        if released_at.is_none() {
                            tl.violations
                                .push(format!("{node} acquired before the holder's lease expired"));
                        }
                    }
                }
                etcd::Event::Program {
                    report: Report::Lost { .. },
                    ..
                } if node == victim => {
                    tl.holder_gave_up.get_or_insert(since(t, t0));
                }
                etcd::Event::Program {
                    report:
                        Report::Discovered {
                            revision, nodes, ..
                        },
                    ..
                } => {
                    let listed = nodes.contains(&victim.0);
                    if listed && restart_at.is_none() {
                        if let Some(gone) = deletion_revision(&w, victim) {
                            if revision >= gone {
                                tl.violations.push(format!(
                                    "an answer at revision {revision} lists {victim}, deleted at {gone}"
                                ));
                            }
                        }
                    }
                    if !listed && tl.next.is_none() {
                        tl.next = Some(since(t, t0));
                        tl.stale = tl.next;
                        restart_at = Some(t + Duration::from_secs(2));
                    }
                    if listed {
                        if let Some(r) = restart_at.filter(|r| t >= *r) {
                            tl.back.get_or_insert(since(t, r));
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(r) = restart_at {
            if w.now() >= r && w.node_state(victim) == Some(quorate_sim::NodeState::Down) {
                let _ = w.apply(WorldCommand::Restart(victim));
            }
        }
        let done = match fault {
            Fault::KillHolder => tl.next.is_some(),
            Fault::KillInstance => tl.back.is_some(),
            Fault::PartitionMinority => tl.next.is_some() && tl.holder_gave_up.is_some(),
        };
        if done {
            break;
        }
    }
    finish(fault, &mut tl);
    tl
}

/// The revision at which the victim's service key was deleted, as the leader's store records it.
fn deletion_revision(w: &World<EtcdNode>, victim: NodeId) -> Option<u64> {
    let leader = etcd_leader(w)?;
    let key = format!("services/web/{victim}");
    w.engine(leader)?
        .kv()?
        .store()
        .events_since(&KeyRange::single(key), 1)
        .into_iter()
        .find(|e| e.kind == EventKind::Delete)
        .map(|e| e.kv.mod_revision)
}

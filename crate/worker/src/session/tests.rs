use std::collections::{BTreeMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};

use quorate_view::{Hosting, LinkSetting};

use super::*;
use crate::node::NodeProcess;

/// A session wired to in-process node workers, through the same bytes a browser would carry.
struct Harness {
    session: Session,
    workers: BTreeMap<u32, NodeProcess>,
    spawned: u64,
    terminated: u64,
    last: Option<Frame>,
    /// The frames that started the page's history afresh (`Frame::restart`).
    restarts: Vec<Frame>,
    /// Time spent in the node workers' `handle`, and how many requests they handled.
    node_time: std::time::Duration,
    requests: u64,
    /// While set, a spawned worker's Ready waits in `unready` (a worker still loading its script).
    hold_ready: bool,
    unready: Vec<u32>,
    /// How many frames were sent.
    frames: u64,
    /// Rewrites one node worker's replies (a worker with a bug).
    tamper: Option<(u32, Tamper)>,
}

type Tamper = Box<dyn FnMut(Vec<u8>) -> Vec<u8>>;

/// Messages to node workers one `Harness::run` may carry before it calls the session stuck.
const MAX_REQUESTS_PER_RUN: u64 = 1_000_000;

/// A new run of `engine` with the page's defaults.
fn fresh(engine: EngineKind, seed: u64, nodes: u32, hosting: Hosting) -> RunSetup {
    RunSetup {
        engine,
        seed,
        nodes,
        replay: Vec::new(),
        until: None,
        hosting,
        params: Vec::new(),
    }
}

impl Harness {
    fn new(engine: EngineKind, seed: u64, nodes: u32, hosting: Hosting) -> Harness {
        Self::from_setup(fresh(engine, seed, nodes, hosting))
    }

    fn from_setup(setup: RunSetup) -> Harness {
        let (session, out) = Session::new(setup);
        let mut h = Harness::wired(session);
        h.run(out);
        h
    }

    /// A harness around `session`, its workers not started yet.
    fn wired(session: Session) -> Harness {
        Harness {
            session,
            workers: BTreeMap::new(),
            spawned: 0,
            terminated: 0,
            last: None,
            restarts: Vec::new(),
            node_time: std::time::Duration::ZERO,
            requests: 0,
            hold_ready: false,
            unready: Vec::new(),
            frames: 0,
            tamper: None,
        }
    }

    /// A run whose workers do not say Ready until `ready` is called.
    fn with_slow_workers(engine: EngineKind, seed: u64, nodes: u32) -> (Harness, Vec<Out>) {
        let (session, out) = Session::new(fresh(engine, seed, nodes, Hosting::PerNode));
        let mut h = Harness::wired(session);
        h.hold_ready = true;
        (h, out)
    }

    /// From now on node `n`'s worker's replies go through `edit` (a worker with a bug).
    fn rewrite_replies(&mut self, n: u32, mut edit: impl FnMut(FromNode) -> FromNode + 'static) {
        self.tamper = Some((
            n,
            Box::new(move |reply| match decode::<FromNode>(&reply, "a reply") {
                Ok(message) => encode(&edit(message)),
                Err(_) => reply,
            }),
        ));
    }

    /// The workers spawned so far say Ready, and from now on at once.
    fn ready(&mut self) -> Frame {
        self.hold_ready = false;
        let mut out = Vec::new();
        for n in std::mem::take(&mut self.unready) {
            out.extend(self.session.node_message(n, &encode(&FromNode::Ready)));
        }
        self.run(out)
    }

    /// Carries out `out` and everything it leads to; returns the last frame sent to the UI.
    fn run(&mut self, out: Vec<Out>) -> Frame {
        let mut queue: VecDeque<Out> = out.into();
        let requests = self.requests;
        while let Some(o) = queue.pop_front() {
            match o {
                Out::Frame(f) => {
                    if f.restart {
                        self.restarts.push((*f).clone());
                    }
                    self.frames += 1;
                    self.last = Some(*f);
                }
                Out::Spawn(n) => {
                    self.spawned += 1;
                    assert!(
                        self.workers.insert(n, NodeProcess::new()).is_none(),
                        "n{n} spawned twice"
                    );
                    if self.hold_ready {
                        self.unready.push(n);
                        continue;
                    }
                    let ready = encode(&FromNode::Ready);
                    queue.extend(self.session.node_message(n, &ready));
                }
                Out::ToNode(n, bytes) => {
                    let worker = self
                        .workers
                        .get_mut(&n)
                        .unwrap_or_else(|| panic!("a message for n{n}, which has no worker"));
                    let started = std::time::Instant::now();
                    let handled = catch_unwind(AssertUnwindSafe(|| worker.handle(&bytes)));
                    self.node_time += started.elapsed();
                    self.requests += 1;
                    assert!(
                        self.requests - requests < MAX_REQUESTS_PER_RUN,
                        "the session sent {MAX_REQUESTS_PER_RUN} messages to node workers without \
                         stopping for a frame"
                    );
                    match handled {
                        Ok(Some(reply)) => {
                            let reply = match &mut self.tamper {
                                Some((node, edit)) if *node == n => edit(reply),
                                _ => reply,
                            };
                            queue.extend(self.session.node_message(n, &reply));
                        }
                        Ok(None) => {}
                        Err(_) => queue.extend(self.session.node_failed(n, "panicked".to_string())),
                    }
                }
                Out::Terminate(n) => {
                    self.terminated += 1;
                    assert!(self.workers.remove(&n).is_some(), "n{n} terminated twice");
                }
            }
        }
        assert!(
            !self.unready.is_empty() || !self.session.busy(),
            "the session still waits for workers"
        );
        self.last.clone().expect("a frame")
    }

    fn send(&mut self, command: UiCommand) -> Frame {
        let out = self.session.handle(command);
        self.run(out)
    }

    /// `frames` display frames of 16 ms.
    fn play(&mut self, frames: u32) -> Frame {
        let mut last = self.send(UiCommand::Refresh);
        for _ in 0..frames {
            last = self.send(UiCommand::Advance { wall_ms: 16.0 });
        }
        last
    }
}

fn session(engine: EngineKind, nodes: u32) -> Harness {
    Harness::new(engine, 5, nodes, Hosting::Inline)
}

fn leader(f: &Frame) -> Option<u32> {
    f.nodes
        .iter()
        .find(|n| n.role.as_deref() == Some("leader"))
        .map(|n| n.id)
}

fn detail(f: &Frame, id: u32, key: &str) -> String {
    f.node(id)
        .unwrap()
        .details
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

#[test]
fn advancing_moves_time_by_speed_times_wall_time() {
    let mut s = session(EngineKind::Demo, 3);
    let f = s.send(UiCommand::Advance { wall_ms: 40.0 });
    assert_eq!(f.time_us, 10_000, "40 ms of wall time at 0.25x");
    assert_eq!(f.nodes.len(), 3);
    assert!(!f.messages.is_empty(), "boot beats are in flight");
    assert!(f.log.iter().any(|l| l.contains("boot")));
}

#[test]
fn five_raft_nodes_elect_a_leader_within_three_seconds_of_wall_time() {
    for hosting in [Hosting::Inline, Hosting::PerNode] {
        let mut s = Harness::new(EngineKind::Raft, 5, 5, hosting);
        // 3 s of display frames at the default 0.15x is 450 ms of simulated time.
        let f = s.play(190);
        assert!(leader(&f).is_some(), "{hosting:?}: {:?}", f.nodes);
        assert!(f
            .nodes
            .iter()
            .filter(|n| n.role.as_deref() == Some("follower"))
            .all(|n| n.timer.is_some()));
        assert_eq!(f.hosting.per_node, hosting == Hosting::PerNode);
    }
}

#[test]
fn gossip_runs_in_the_page() {
    let mut s = Harness::new(EngineKind::Gossip, 5, 8, Hosting::Auto);
    let f = s.play(200);
    assert_eq!(f.nodes.len(), 8);
    assert!(f.hosting.per_node, "8 nodes get a worker each by default");
    assert!(
        f.nodes.iter().all(|n| n.summary.starts_with("8 alive")),
        "{:?}",
        f.nodes[0]
    );
}

#[test]
fn kill_is_shown_and_bad_commands_are_reported_not_fatal() {
    let mut s = session(EngineKind::Demo, 3);
    let f = s.send(UiCommand::Kill(2));
    assert_eq!(f.node(2).unwrap().status, NodeStatus::Down);
    let f = s.send(UiCommand::Kill(2));
    assert_eq!(f.error.as_deref(), Some("n2 is down"));
    let f = s.send(UiCommand::Kill(99));
    assert!(f.error.is_some());
    let f = s.send(UiCommand::SetSpeed(f64::NAN));
    assert!(f.error.is_some());
    let f = s.send(UiCommand::Restart(2));
    assert_eq!(f.node(2).unwrap().status, NodeStatus::Up);
}

/// A script of faults and requests, the same for every hosting mode.
fn script(engine: EngineKind) -> Vec<(u32, UiCommand)> {
    let client = |node, words: &str| UiCommand::Client {
        node,
        words: words.to_string(),
    };
    let (a, b) = match engine {
        EngineKind::Raft => ("propose x=1", "propose y=2"),
        EngineKind::Gossip => ("event deploy v1", "event deploy v2"),
        EngineKind::Demo => ("beat-now", "beat-now"),
        EngineKind::Consul => ("set app/config v2", "set app/config v3"),
        EngineKind::Etcd => ("put app/config v2", "put app/config v3"),
        EngineKind::Kv => ("put x 1", "get x serializable"),
    };
    vec![
        (60, client(1, a)),
        (40, UiCommand::Kill(2)),
        (50, UiCommand::Partition(vec![vec![1, 3], vec![4, 5]])),
        (30, client(4, b)),
        (60, UiCommand::Pause(5)),
        (20, UiCommand::Heal),
        (20, UiCommand::Cut { from: 3, to: 4 }),
        (
            30,
            UiCommand::SetLink {
                from: Some(1),
                to: Some(3),
                link: LinkSetting {
                    loss_pct: 50,
                    min_ms: 5,
                    max_ms: 40,
                },
            },
        ),
        (
            20,
            UiCommand::Slow {
                node: 3,
                delay_ms: 120,
            },
        ),
        (20, UiCommand::Resume(5)),
        (40, UiCommand::Mend { from: 3, to: 4 }),
        (
            20,
            UiCommand::Slow {
                node: 3,
                delay_ms: 0,
            },
        ),
        (
            20,
            UiCommand::SetLink {
                from: None,
                to: None,
                link: LinkSetting {
                    loss_pct: 0,
                    min_ms: 10,
                    max_ms: 25,
                },
            },
        ),
        (40, UiCommand::Restart(2)),
        (10, UiCommand::Step),
        (80, UiCommand::Kill(1)),
        (60, UiCommand::Restart(1)),
        (40, UiCommand::RunUntil(Milestone::Membership)),
        (40, UiCommand::Refresh),
    ]
}

fn scripted_digest(engine: EngineKind, seed: u64, hosting: Hosting) -> (String, u64, u64) {
    scripted_digest_with(engine, seed, hosting, Vec::new())
}

fn scripted_digest_with(
    engine: EngineKind,
    seed: u64,
    hosting: Hosting,
    params: Vec<(String, String)>,
) -> (String, u64, u64) {
    let mut h = Harness::from_setup(RunSetup {
        engine,
        seed,
        nodes: 5,
        replay: Vec::new(),
        until: None,
        hosting,
        params: params.clone(),
    });
    let mut f = h.play(0);
    assert_eq!(
        f.params,
        params,
        "{} seed {seed}: {:?}",
        engine.name(),
        f.error
    );
    for (frames, command) in script(engine) {
        h.play(frames);
        let network = matches!(
            command,
            UiCommand::Cut { .. }
                | UiCommand::Mend { .. }
                | UiCommand::SetLink { .. }
                | UiCommand::Slow { .. }
        );
        f = h.send(command.clone());
        if network {
            assert_eq!(
                f.error,
                None,
                "{} seed {seed}: {command:?} (reproduce: cargo test -p quorate-worker \
                 worker_per_node_and_inline)",
                engine.name()
            );
        }
    }
    (f.digest, f.events, f.time_us)
}

/// The page's parameters for each engine, set away from their defaults.
fn changed_params(engine: EngineKind) -> Vec<(String, String)> {
    let pairs: &[(&str, &str)] = match engine {
        EngineKind::Raft => &[
            ("election_timeout_min", "200ms"),
            ("heartbeat_interval", "75ms"),
            ("pre_vote", "off"),
        ],
        EngineKind::Kv => &[("election_timeout_min", "200ms"), ("read_mode", "lease")],
        EngineKind::Gossip => &[
            ("probe_interval", "700ms"),
            ("lifeguard", "off"),
            ("gossip_nodes", "2"),
        ],
        EngineKind::Demo => &[("interval", "300ms")],
        EngineKind::Consul | EngineKind::Etcd => &[],
    };
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// DESIGN.md rule 4 across hosting modes: a worker per node gives the inline trace, byte for byte.
#[test]
fn worker_per_node_and_inline_give_the_same_trace() {
    for engine in [
        EngineKind::Raft,
        EngineKind::Gossip,
        EngineKind::Demo,
        EngineKind::Kv,
    ] {
        for seed in 1..=20 {
            let inline = scripted_digest(engine, seed, Hosting::Inline);
            let per_node = scripted_digest(engine, seed, Hosting::PerNode);
            assert_eq!(
                per_node,
                inline,
                "{} seed {seed}: per-node vs inline (reproduce: cargo test -p quorate-worker \
                 worker_per_node_and_inline)",
                engine.name()
            );
        }
        // Changed protocol parameters reach the node workers too (their boot carries the config).
        for seed in 1..=3 {
            let params = changed_params(engine);
            let inline = scripted_digest_with(engine, seed, Hosting::Inline, params.clone());
            let per_node = scripted_digest_with(engine, seed, Hosting::PerNode, params);
            assert_eq!(
                per_node,
                inline,
                "{} seed {seed} with parameters: per-node vs inline (reproduce: cargo test -p \
                 quorate-worker worker_per_node_and_inline)",
                engine.name()
            );
            if seed == 1 {
                assert_ne!(
                    inline,
                    scripted_digest(engine, seed, Hosting::Inline),
                    "{} seed {seed}: the parameters changed nothing",
                    engine.name()
                );
            }
        }
    }
}

/// The page's defaults (`quorate_view::params`) are the engines' own: spelling every default out
/// gives the config a run without parameters gets.
#[test]
fn the_pages_parameter_defaults_are_the_engines() {
    fn same<E: crate::present::Present>(engine: EngineKind)
    where
        E::Config: std::fmt::Debug,
    {
        let ids = quorate_sim::node_ids(5);
        let all: Vec<(String, String)> = quorate_view::params::specs(engine)
            .iter()
            .map(|s| (s.key.to_string(), s.kind.default_value()))
            .collect();
        let spelled = E::configure_page(&ids, &all).unwrap().0;
        assert_eq!(
            format!("{spelled:?}"),
            format!("{:?}", E::setup(&ids).0),
            "{}",
            engine.name()
        );
    }
    same::<quorate_raft::Raft>(EngineKind::Raft);
    same::<quorate_gossip::Gossip>(EngineKind::Gossip);
    same::<quorate_demo::Heartbeat>(EngineKind::Demo);
    #[cfg(feature = "systems")]
    same::<quorate_kv::KvNode>(EngineKind::Kv);
}

#[test]
fn parameters_travel_in_the_link_and_bad_ones_fall_back_to_the_defaults() {
    let params = changed_params(EngineKind::Raft);
    let mut h = Harness::from_setup(RunSetup {
        engine: EngineKind::Raft,
        seed: 4,
        nodes: 5,
        replay: Vec::new(),
        until: None,
        hosting: Hosting::Inline,
        params: params.clone(),
    });
    h.play(60);
    let f = h.send(UiCommand::Cut { from: 1, to: 2 });
    let f2 = h.play(40);
    let link = quorate_view::link::moment(
        f2.engine,
        f2.seed,
        5,
        Hosting::Inline,
        &f2.params,
        &f2.shared_log,
        f2.events,
        f2.time_us,
    );
    assert!(link.contains("params=election_timeout_min:200ms"), "{link}");
    assert!(f.shared_log.ends_with("x1-2"), "{}", f.shared_log);
    let wanted = quorate_view::link::parse_fragment(&link).unwrap();
    let mut friend = Harness::from_setup(RunSetup {
        engine: wanted.engine,
        seed: wanted.seed.unwrap(),
        nodes: wanted.nodes,
        replay: wanted.replay,
        until: wanted.until,
        hosting: Hosting::PerNode,
        params: wanted.params,
    });
    let g = friend.send(UiCommand::Refresh);
    assert_eq!((g.error, &g.digest, g.params), (None, &f2.digest, params));

    let bad = Harness::from_setup(RunSetup {
        engine: EngineKind::Gossip,
        seed: 4,
        nodes: 5,
        replay: Vec::new(),
        until: None,
        hosting: Hosting::Inline,
        params: vec![("probe_timeout".into(), "3000ms".into())],
    })
    .last
    .unwrap();
    let error = bad.error.unwrap_or_default();
    assert!(error.contains("probe timeout"), "{error}");
    assert!(bad.params.is_empty());
}

#[test]
fn a_bad_client_command_is_reported() {
    let mut s = session(EngineKind::Raft, 3);
    let f = s.send(UiCommand::Client {
        node: 1,
        words: "fly away".into(),
    });
    assert!(
        f.error.as_deref().unwrap_or("").contains("fly"),
        "{:?}",
        f.error
    );
    let f = s.send(UiCommand::Partition(vec![vec![1], vec![9]]));
    assert!(f.error.is_some());
}

#[test]
fn huge_or_bogus_wall_steps_are_bounded() {
    let mut s = session(EngineKind::Demo, 3);
    let f = s.send(UiCommand::Advance { wall_ms: 1e12 });
    assert_eq!(f.time_us, 25_000);
    let f = s.send(UiCommand::Advance {
        wall_ms: f64::INFINITY,
    });
    assert_eq!(f.time_us, 25_000);
}

/// Memory stays bounded over a long run: frames carry at most `MAX_LOG_LINES` lines, the world keeps
/// no records between frames, and nothing else grows with time.
#[test]
fn an_hour_of_frames_stays_bounded() {
    let mut s = Harness::new(EngineKind::Raft, 2, 5, Hosting::PerNode);
    s.send(UiCommand::SetSpeed(1_000.0));
    let mut biggest = 0;
    // 100 ms frames at 1000x: 100 s of simulated time each; 36 frames is an hour.
    for i in 0..36 {
        let f = s.send(UiCommand::Advance { wall_ms: 100.0 });
        assert!(f.log.len() <= MAX_LOG_LINES);
        let size = encode(&f).len();
        biggest = biggest.max(size);
        if i == 35 {
            assert!(
                f.time_us >= 3_600_000_000 || f.events > 36 * 100_000,
                "{}",
                f.time_us
            );
        }
    }
    assert!(biggest < 64 << 10, "frames stay small: {biggest} bytes");
}

#[test]
fn a_large_gossip_cluster_is_a_grid_and_the_failure_spread_follows_the_theory() {
    let mut s = Harness::new(EngineKind::Gossip, 3, 60, Hosting::Auto);
    let f = s.send(UiCommand::Refresh);
    assert!(!f.hosting.per_node, "60 nodes run inline");
    assert_eq!((f.grid.len(), f.size()), (60, 60));
    assert!(
        f.nodes.is_empty() && f.messages.is_empty(),
        "a grid carries no cards"
    );
    let f = s.send(UiCommand::Select(7));
    assert_eq!(f.nodes.len(), 1);
    assert_eq!(f.nodes[0].id, 7);
    assert!(!f.nodes[0].details.is_empty());
    s.send(UiCommand::SetSpeed(1_000.0));
    s.play(20);
    let f = s.send(UiCommand::Kill(12));
    let spread = f.spread.expect("a kill starts a spread chart");
    assert_eq!(
        spread.focus,
        quorate_view::spread::Focus::Failure { node: 12 }
    );
    assert!(spread.theory.len() > 10);
    assert_eq!(
        f.grid[11] & quorate_view::spread::cell::STATUS,
        quorate_view::spread::cell::DOWN
    );
    // Play until everyone sees it dead.
    let mut f = s.play(5);
    for _ in 0..400 {
        if f.spread.as_ref().unwrap().measured.last().unwrap().1 >= 1.0 {
            break;
        }
        f = s.play(5);
    }
    let spread = f.spread.unwrap();
    let done = spread
        .measured
        .iter()
        .find(|p| p.1 >= 1.0)
        .expect("dead everywhere")
        .0;
    let half_theory = spread.theory.iter().find(|p| p.1 >= 0.5).unwrap().0;
    assert!(
        done > half_theory * 0.4 && done < half_theory * 3.0,
        "everyone knew after {done} s; the theory's half-way point is {half_theory} s (seed 3; \
         cargo test -p quorate-worker a_large_gossip_cluster)"
    );
    assert!(f
        .grid
        .iter()
        .enumerate()
        .all(|(i, c)| i == 11 || c & quorate_view::spread::cell::MARKED != 0));
}

mod faults;
mod hosting;
mod lessons;
mod nodeview;
mod systems;
mod time_travel;
mod verdicts;

/// Bench (run by hand: `cargo test --release -p quorate-worker --lib bench_hosted_cpu -- --ignored
/// --nocapture`): the processor time a 5-node Raft run at full speed costs per event, inline and with a
/// worker per node (in-process, through the same bytes), split between the orchestrator and the nodes.
/// What a browser adds to that with a worker per node is the waiting: a thread woken for every call.
#[test]
#[ignore]
fn bench_hosted_cpu() {
    for hosting in [Hosting::Inline, Hosting::PerNode] {
        let mut h = Harness::new(EngineKind::Raft, 1, 5, hosting);
        h.session.set_per_node_batch(4_000);
        h.send(UiCommand::SetSpeed(f64::INFINITY));
        let first = h.play(5).events;
        let (node_time, requests) = (h.node_time, h.requests);
        let started = std::time::Instant::now();
        let events = h.play(200).events - first;
        let total = started.elapsed().as_nanos() as f64;
        let node = (h.node_time - node_time).as_nanos() as f64;
        let requests = h.requests - requests;
        println!(
            "{hosting:?}: {events} events, {:.0} ns per event: orchestrator {:.0}, nodes {:.0}; \
             {requests} requests, {:.2} events per request",
            total / events as f64,
            (total - node) / events as f64,
            node / events as f64,
            events as f64 / requests.max(1) as f64,
        );
        assert!(events > 100_000, "{hosting:?}: only {events} events");
    }
}

//! Measurements on the deterministic world (crate/sim), compared with [`crate::theory`].
//!
//! Each function runs one seeded world and returns what it measured; the tests and the CLI sweeps
//! (`quorate gossip <sweep>`) average them over seeds and print tables. Every run is named by its
//! parameters and seed, so a surprising figure can be reproduced alone.
//!
//! Observation reads engine state (`World::engine`) or, where events must be counted, the kept trace;
//! engines are never changed from here.

use quorate_core::{Duration, NodeId, NodeRng, SimTime};
use quorate_sim::{
    node_ids, Latency, LinkParams, Record, TraceMode, World, WorldCommand, WorldConfig,
};

use crate::{
    Bootstrap, Command, Config, Event, EventId, Gossip, Lifeguard, Msg, Rumor, State, Stop,
};

/// The network of the measurements: LAN-like 1–5 ms one way, optionally lossy.
pub fn lan_link(loss: f64) -> LinkParams {
    LinkParams {
        loss,
        ..LinkParams::default()
    }
}

/// A converged cluster of `n` members with LAN defaults.
pub fn full_config(n: u32) -> Config {
    Config {
        bootstrap: Bootstrap::Full,
        ..Config::lan(node_ids(n))
    }
}

fn world(seed: u64, n: u32, config: Config, link: LinkParams, trace: TraceMode) -> World<Gossip> {
    World::with_trace(
        WorldConfig {
            seed,
            nodes: node_ids(n),
            engine: config,
            network: link,
        },
        trace,
    )
}

/// A number in `[0, 1)` drawn from the seed alone (kill times, victims), separate from every node's stream.
fn draw(seed: u64, salt: u64) -> f64 {
    let mut rng = NodeRng::for_world(seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    rng.next_f64()
}

/// One first-detection run: a healthy converged cluster of `n`; a random member is killed at a random
/// instant between 20 s and 21 s; returns seconds from the kill to the first time any member suspects it.
pub fn first_detection(n: u32, seed: u64) -> f64 {
    let mut w = world(seed, n, full_config(n), lan_link(0.0), TraceMode::Off);
    let victim = NodeId(1 + (draw(seed, 1) * f64::from(n)) as u32);
    let kill_at = SimTime::from_micros(20_000_000 + (draw(seed, 2) * 1e6) as u64);
    w.run_until(kill_at);
    w.apply(WorldCommand::Kill(victim)).expect("victim is up");
    let step = Duration::from_millis(50);
    loop {
        w.run_for(step);
        let first = w
            .node_ids()
            .filter_map(|id| w.engine(id))
            .filter_map(|g| g.members().get(victim))
            .filter(|m| m.state != State::Alive)
            .map(|m| m.state_change)
            .min();
        if let Some(t) = first {
            return t.since(kill_at).as_secs_f64();
        }
        assert!(
            w.now().since(kill_at) < Duration::from_secs(600),
            "seed {seed}: no detection in 600 s"
        );
    }
}

/// Messages sent per member per probe period, in a healthy converged cluster over `periods` periods
/// after a 10 s warm-up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Load {
    /// ping, ping-req, ack, nack.
    pub probe: f64,
    /// Everything (probe traffic, gossip, push-pull).
    pub all: f64,
}

pub fn message_load(n: u32, seed: u64, periods: u32) -> Load {
    let mut w = world(seed, n, full_config(n), lan_link(0.0), TraceMode::Keep);
    w.run_until(SimTime::from_millis(10_000));
    w.take_records();
    let (mut probe, mut all) = (0u64, 0u64);
    for _ in 0..periods {
        w.run_for(Duration::from_secs(1));
        for r in w.take_records() {
            if let Record::Send { msg, .. } = &r.record {
                all += 1;
                if msg.is_probe_traffic() {
                    probe += 1;
                }
            }
        }
    }
    let per = f64::from(n) * f64::from(periods);
    Load {
        probe: probe as f64 / per,
        all: all as f64 / per,
    }
}

/// One dissemination run: a user event from a random member of a converged cluster of `n`.
#[derive(Clone, Debug, PartialEq)]
pub struct Spread {
    /// Members informed after each gossip interval since the event (index 0 = after one interval).
    pub informed: Vec<u32>,
    /// Gossip intervals until 99.99% of members have the event (fractional, from the exact time);
    /// NaN when the run did not get there within [`SPREAD_HORIZON`] (censored).
    pub rounds_to_9999: f64,
    /// Members informed when the run stopped (all of them, or fewer at the horizon).
    pub final_informed: u32,
    /// Whether 99.99% of members had the event within the horizon.
    pub converged: bool,
}

/// How long a dissemination run may take before it is reported as not converged.
pub const SPREAD_HORIZON: Duration = Duration::from_secs(120);

pub fn dissemination(n: u32, seed: u64) -> Spread {
    dissemination_with(n, 3, 0.0, seed)
}

/// [`dissemination`] with `fanout` gossip targets per interval (GossipNodes) and `loss` on every link.
pub fn dissemination_with(n: u32, fanout: u32, loss: f64, seed: u64) -> Spread {
    let config = Config {
        gossip_nodes: fanout,
        ..full_config(n)
    };
    let interval = config.gossip_interval;
    let mut w = world(seed, n, config, lan_link(loss), TraceMode::Off);
    let origin = NodeId(1 + (draw(seed, 3) * f64::from(n)) as u32);
    let at = SimTime::from_micros(5_000_000 + (draw(seed, 4) * 1e6) as u64);
    w.run_until(at);
    let id = originate(&mut w, origin, "spread");
    let target = (0.9999 * f64::from(n)).ceil() as u32;
    let mut pending: Vec<NodeId> = node_ids(n);
    let (mut informed, mut reached) = (Vec::new(), None);
    let tick = Duration::from_millis(5);
    let mut count = 0u32;
    while (reached.is_none() || informed.len() < 30) && w.now().since(at) < SPREAD_HORIZON {
        w.run_for(tick);
        pending.retain(|&id_| !w.engine(id_).is_some_and(|g| g.serf().has(&id)));
        count = n - pending.len() as u32;
        let elapsed = w.now().since(at);
        if reached.is_none() && count >= target {
            reached = Some(elapsed.as_secs_f64() / interval.as_secs_f64());
        }
        if elapsed.as_micros().is_multiple_of(interval.as_micros()) {
            informed.push(count);
        }
    }
    Spread {
        informed,
        rounds_to_9999: reached.unwrap_or(f64::NAN),
        final_informed: count,
        converged: reached.is_some(),
    }
}

/// Has `origin` broadcast a user event named `name` now; returns its id (its Lamport time depends on
/// what the origin has witnessed).
fn originate(w: &mut World<Gossip>, origin: NodeId, name: &str) -> EventId {
    let cmd = Command::Event {
        name: name.into(),
        payload: String::new(),
    };
    w.apply(WorldCommand::Client { node: origin, cmd })
        .expect("origin is up");
    w.run_until(w.now());
    let g = w.engine(origin).expect("origin is up");
    g.serf()
        .delivered
        .last()
        .cloned()
        .expect("the origin delivers its own event")
}

/// One rumor-mongering run (push, feedback, coin with parameter `k`, Demers et al. 1.4) in a converged
/// cluster of `n`: the fraction of members the rumor never reached once every member lost interest.
/// Probing and push-pull are slowed right down so the run measures mongering alone.
pub fn residue(n: u32, k: u32, seed: u64) -> f64 {
    let config = Config {
        probe_interval: Duration::from_secs(1_000),
        push_pull_interval: Duration::ZERO,
        rumor: Rumor::Monger {
            feedback: true,
            stop: Stop::Coin,
            k,
        },
        ..full_config(n)
    };
    let mut w = world(seed, n, config, lan_link(0.0), TraceMode::Off);
    let origin = NodeId(1 + (draw(seed, 5) * f64::from(n)) as u32);
    w.run_until(SimTime::from_millis(1_000));
    let id = originate(&mut w, origin, "rumor");
    loop {
        w.run_for(Duration::from_secs(1));
        let hot = w
            .node_ids()
            .filter_map(|i| w.engine(i))
            .any(|g| !g.serf().hot.is_empty());
        if !hot {
            break;
        }
        assert!(
            w.now() < SimTime::from_millis(600_000),
            "seed {seed}: rumor still hot after 600 s"
        );
    }
    let missed = w
        .node_ids()
        .filter_map(|i| w.engine(i))
        .filter(|g| !g.serf().has(&id))
        .count();
    missed as f64 / f64::from(n)
}

/// How a slow member is made slow.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Slowness {
    /// Every message to the member arrives `min..max` late while its timers fire on time: a member that
    /// processes its receive queue late (the Lifeguard paper's CPU-starved member).
    Inbound { min: Duration, max: Duration },
    /// The simulator's slow-node fault: each received message waits `delay` behind the previous ones; timers fire on time.
    /// Inputs stay in arrival order, so an ack that arrived before a probe's deadline is still handled
    /// before the deadline timer: a member slowed this way does not accuse healthy members, and false
    /// deaths stay near zero with or without Lifeguard (see the closing note of issue 5).
    Process(Duration),
}

/// False "dead" verdicts about healthy members.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FalseDeaths {
    /// Suspicion timeouts that fired somewhere for a healthy member (memberlist: "Marking X as failed").
    pub declared: u32,
    /// "member X dead" events for a healthy member at any node (declarations and their spread).
    pub seen: u32,
    /// Declarations about the slow members themselves (not counted above).
    pub about_slow: u32,
}

/// A converged cluster of `n` with `loss` on every link; members `n1..=n{slow}` are slow; runs
/// `minutes` of simulated time and counts false deaths of the healthy members.
pub fn false_positives(
    n: u32,
    slow: u32,
    slowness: Slowness,
    lifeguard: Lifeguard,
    loss: f64,
    minutes: u64,
    seed: u64,
) -> FalseDeaths {
    let config = Config {
        lifeguard,
        ..full_config(n)
    };
    let mut w = world(seed, n, config, lan_link(loss), TraceMode::Keep);
    for s in 1..=slow {
        let node = NodeId(s);
        let cmd = match slowness {
            Slowness::Inbound { min, max } => WorldCommand::SetLink {
                from: None,
                to: Some(node),
                params: LinkParams {
                    latency: Latency::Uniform { min, max },
                    loss,
                    ..LinkParams::default()
                },
            },
            Slowness::Process(delay) => WorldCommand::Slow { node, delay },
        };
        w.apply(cmd).expect("slow member exists");
    }
    let mut counts = FalseDeaths::default();
    let end = SimTime::from_millis(minutes * 60_000);
    while w.now() < end {
        w.run_for(Duration::from_secs(10));
        for r in w.take_records() {
            if let Record::Emit {
                node,
                event: Event::Dead {
                    node: about, by, ..
                },
            } = r.record
            {
                if about.0 <= slow {
                    if by == node {
                        counts.about_slow += 1;
                    }
                    continue;
                }
                counts.seen += 1;
                if by == node {
                    counts.declared += 1;
                }
            }
        }
    }
    counts
}

/// Counts of each message kind in a short transcript, for the UI's legend and quick checks.
pub fn kind(msg: &Msg) -> &'static str {
    match msg {
        Msg::Ping { .. } => "ping",
        Msg::PingReq { .. } => "ping-req",
        Msg::Ack { .. } => "ack",
        Msg::Nack { .. } => "nack",
        Msg::Gossip { .. } => "gossip",
        Msg::PushPull { .. } => "push-pull",
        Msg::Rumor { .. } => "rumor",
        Msg::RumorFeedback { .. } => "rumor-feedback",
    }
}

/// Mean and sample standard deviation.
pub fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

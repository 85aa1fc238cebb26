//! How each engine is shown: its visual defaults and how a status becomes a `NodeView`.
//!
//! This is the one place that names protocol types on the hosting side; the UI sees only `quorate-view`.

use quorate_core::{Duration, NodeId, Scripted, SimTime};
use quorate_sim::{Latency, LinkParams};
use quorate_view::spread::{cell, Focus};
use quorate_view::{Milestone, NodeView, TimerView};

pub mod detail;
#[cfg(feature = "systems")]
mod kv;
#[cfg(feature = "systems")]
mod systems;
#[cfg(feature = "systems")]
pub use systems::compare;

use crate::session::verdicts::Fact;

/// An engine the browser can host.
pub trait Present: Scripted {
    /// Simulated seconds per wall second when a run starts: slow enough to follow the messages.
    const SPEED: f64;

    /// How far a run with a worker per node lets its plans of calls speculate, in minimum network delays
    /// (`quorate_sim::World::set_speculation`). A guess saves a round of calls and costs a copy of the
    /// engine now and then and, when wrong, steps run again: worth it where steps are cheap.
    const SPECULATION: u32 = quorate_sim::SPECULATION;

    /// The engine config and default link for a fresh run in the page.
    fn setup(nodes: &[NodeId]) -> (Self::Config, LinkParams);

    /// The engine config and default link of a run with these protocol parameters (`param` lines of
    /// a scenario, already checked against `quorate_view::params`): the page's setup when there are
    /// none, else the engine's own reading of them.
    fn configure_page(
        nodes: &[NodeId],
        params: &[(String, String)],
    ) -> Result<(Self::Config, LinkParams), String> {
        let (config, link) = Self::setup(nodes);
        if params.is_empty() {
            return Ok((config, link));
        }
        Self::configure(nodes, params)
            .map(|config| (config, link))
            .map_err(|e| match params.get(e.word) {
                Some((key, _)) => format!("{key}: {e}"),
                None => e.to_string(),
            })
    }

    /// Role, summary line, countdown and details of an up node.
    fn present(status: &Self::Status, config: &Self::Config, now: SimTime) -> NodeView;

    /// The summary line of a down node, from what it persisted.
    fn present_down(durable: &Self::Durable) -> String;

    /// Which "run until" target an emitted event meets, if any.
    fn milestone(event: &Self::Event) -> Option<Milestone> {
        let _ = event;
        None
    }

    /// A node's grid flags (`quorate_view::spread::cell`): whether it suspects someone, and whether it
    /// knows the followed fact. Cheap: it runs for every node of a large cluster on every frame.
    fn flags(engine: &Self, focus: Option<&Focus>) -> u8 {
        let _ = (engine, focus);
        0
    }

    /// Whether the run's Raft safety invariants are checked (engines built on Raft).
    const CHECKED: bool = false;

    /// Whether the engine serves KV requests (the client panel, and the history's linearizability).
    const KV: bool = false;

    /// What the verdicts learn from one trace record: Raft facts, client calls and their answers.
    fn facts(record: &quorate_sim::Record<Self>, out: &mut Vec<Fact>) {
        let _ = (record, out);
    }

    /// A client command in words with `tag` added, so its answer can be told apart; `None` leaves the
    /// words as they are (not a request, or already tagged).
    fn tag_request(words: &str, tag: u64) -> Option<String> {
        let _ = (words, tag);
        None
    }

    /// Whether killing a node starts a spread chart (of how many see it dead).
    const FOLLOWS_FAILURES: bool = false;

    /// Whether this client command starts a rumor to follow.
    fn is_rumor(command: &Self::Command) -> bool {
        let _ = command;
        false
    }

    /// How many rumors this node has received (the next one is the `count + 1`-th).
    fn rumors(engine: &Self) -> u32 {
        let _ = engine;
        0
    }

    /// The theory's curve for the spread of `focus` in a cluster of `nodes`: a label and
    /// (seconds since, fraction) points.
    fn theory(
        config: &Self::Config,
        nodes: u32,
        focus: &Focus,
    ) -> Option<(String, Vec<(f32, f32)>)> {
        let _ = (config, nodes, focus);
        None
    }
}

fn link(min_ms: u64, max_ms: u64) -> LinkParams {
    LinkParams {
        latency: Latency::Uniform {
            min: Duration::from_millis(min_ms),
            max: Duration::from_millis(max_ms),
        },
        ..LinkParams::default()
    }
}

fn countdown(label: &str, deadline: SimTime, now: SimTime, span: Duration) -> TimerView {
    let left = deadline.since(now);
    let remaining = if span.as_micros() == 0 {
        0.0
    } else {
        (left.as_micros() as f64 / span.as_micros() as f64).min(1.0)
    };
    TimerView {
        label: label.to_string(),
        remaining: remaining as f32,
        remaining_ms: left.as_millis_f64(),
    }
}

impl Present for quorate_demo::Heartbeat {
    const SPEED: f64 = 0.25;

    fn setup(nodes: &[NodeId]) -> (Self::Config, LinkParams) {
        (
            quorate_demo::Config {
                peers: nodes.to_vec(),
                interval: Duration::from_millis(500),
            },
            link(40, 90),
        )
    }

    fn present(s: &quorate_demo::Status, _: &quorate_demo::Config, _: SimTime) -> NodeView {
        NodeView {
            summary: format!("beats {}", s.beats),
            details: s
                .heard
                .iter()
                .map(|(peer, n)| (format!("heard from {peer}"), n.to_string()))
                .collect(),
            ..NodeView::blank(0)
        }
    }

    fn present_down(durable: &u64) -> String {
        format!("down, durable beats {durable}")
    }
}

impl Present for quorate_raft::Raft {
    /// Election timeouts of 150–300 ms take 1–2 s to watch; a 10–25 ms message crosses in about 0.1 s.
    const SPEED: f64 = 0.15;

    fn setup(nodes: &[NodeId]) -> (Self::Config, LinkParams) {
        (
            quorate_raft::Config::new(nodes.iter().copied()),
            link(10, 25),
        )
    }

    fn present(s: &quorate_raft::Status, config: &quorate_raft::Config, now: SimTime) -> NodeView {
        use quorate_raft::RoleKind;
        let role = detail::role_name(s.role);
        let last = s.log.last().map_or(s.snapshot_index, |e| e.index);
        let details = vec![
            ("role".to_string(), role.to_string()),
            ("term".to_string(), s.term.to_string()),
            (
                "voted for".to_string(),
                s.vote.map_or("—".to_string(), |v| v.to_string()),
            ),
            (
                "leader".to_string(),
                s.leader.map_or("—".to_string(), |v| v.to_string()),
            ),
            ("last index".to_string(), last.to_string()),
            ("commit".to_string(), s.commit.to_string()),
            ("applied".to_string(), s.applied.to_string()),
        ];
        let timer = (s.role != RoleKind::Leader)
            .then_some(s.election_deadline)
            .flatten()
            .map(|d| countdown("election timeout", d, now, config.election_timeout_max));
        let (log, marks) = detail::raft_log(s);
        NodeView {
            role: Some(role.to_string()),
            summary: format!("term {} · commit {}", s.term, s.commit),
            timer,
            log,
            log_marks: Some(marks),
            followers: detail::raft_followers(s),
            automata: vec![detail::raft_automaton(s)],
            details,
            ..NodeView::blank(s.id.0)
        }
    }

    fn present_down(d: &quorate_raft::Durable) -> String {
        format!("down · term {} kept", d.term)
    }

    const CHECKED: bool = true;

    fn facts(record: &quorate_sim::Record<Self>, out: &mut Vec<Fact>) {
        if let quorate_sim::Record::Emit { node, event } = record {
            out.extend(raft_fact(*node, event).map(Fact::Raft));
        }
    }

    fn milestone(event: &quorate_raft::Event) -> Option<Milestone> {
        use quorate_raft::Event;
        match event {
            Event::BecameLeader { .. } => Some(Milestone::Leader),
            Event::Committed { .. } => Some(Milestone::Commit),
            Event::ConfApplied { .. } => Some(Milestone::Membership),
            _ => None,
        }
    }
}

impl Present for quorate_gossip::Gossip {
    /// A probe period of 1 s takes 2 s to watch.
    const SPEED: f64 = 0.5;

    fn setup(nodes: &[NodeId]) -> (Self::Config, LinkParams) {
        (quorate_gossip::Config::lan(nodes.to_vec()), link(20, 60))
    }

    fn present(s: &quorate_gossip::Status, _: &quorate_gossip::Config, now: SimTime) -> NodeView {
        use quorate_gossip::State;
        let count = |state: State| s.members.iter().filter(|m| m.state == state).count();
        let (alive, suspect, dead) = (
            count(State::Alive),
            count(State::Suspect),
            count(State::Dead) + count(State::Left),
        );
        let mut details = vec![
            ("incarnation".to_string(), s.incarnation.to_string()),
            (
                "local health".to_string(),
                format!("{}/{}", s.health, s.health_max.saturating_sub(1)),
            ),
            ("probe period".to_string(), s.probe_period.to_string()),
            ("rumors".to_string(), s.rumors.len().to_string()),
        ];
        for m in &s.members {
            details.push((
                m.node.to_string(),
                format!("{:?} inc {}", m.state, m.incarnation).to_lowercase(),
            ));
        }
        let timer = s
            .suspicions
            .iter()
            .min_by_key(|v| v.deadline)
            .map(|v| countdown(&format!("suspicion of {}", v.node), v.deadline, now, v.max));
        let role = if suspect > 0 { "suspecting" } else { "alive" };
        NodeView {
            role: Some(role.to_string()),
            summary: format!("{alive} alive · {suspect} suspect · {dead} dead"),
            timer,
            automata: detail::gossip_automata(s),
            details,
            ..NodeView::blank(s.node.0)
        }
    }

    fn present_down(d: &quorate_gossip::Durable) -> String {
        let _ = d;
        "down".to_string()
    }

    const FOLLOWS_FAILURES: bool = true;

    fn flags(g: &Self, focus: Option<&Focus>) -> u8 {
        let mut flags = 0;
        if !g.suspicions().is_empty() {
            flags |= cell::SUSPECTING;
        }
        let marked = match focus {
            Some(Focus::Failure { node }) => g
                .members()
                .get(NodeId(*node))
                .is_some_and(|m| m.state.dead_or_left()),
            Some(Focus::Rumor { count }) => g.serf().delivered.len() as u32 >= *count,
            None => false,
        };
        if marked {
            flags |= cell::MARKED;
        }
        flags
    }

    fn is_rumor(command: &quorate_gossip::Command) -> bool {
        matches!(command, quorate_gossip::Command::Event { .. })
    }

    fn rumors(g: &Self) -> u32 {
        g.serf().delivered.len() as u32
    }

    fn theory(
        c: &quorate_gossip::Config,
        nodes: u32,
        focus: &Focus,
    ) -> Option<(String, Vec<(f32, f32)>)> {
        use quorate_gossip::theory;
        let n = f64::from(nodes.max(2));
        let round = c.gossip_interval.as_secs_f64().max(1e-6);
        let fanout = f64::from(c.gossip_nodes);
        // Serf's model counts informed nodes out of n; the chart shows the fraction of the others.
        let spread = |rounds: f64| (theory::serf_informed(n, fanout, 0.0, 0.0, rounds) / n) as f32;
        let (label, delay, span) = match focus {
            Focus::Rumor { .. } => ("Serf's model".to_string(), 0.0, 12.0 * round + 1.0),
            Focus::Failure { .. } => {
                // Detection (first probe of the victim, then its timeout), the suspicion at its
                // minimum (Lifeguard shortens it as confirmations arrive), then the dead message
                // spreads as a rumor does.
                let probe = c.probe_interval.as_secs_f64();
                let detect = theory::first_detection_expected(nodes.max(2)) * probe;
                let suspicion =
                    theory::suspicion_min(c.suspicion_mult, nodes, c.probe_interval).as_secs_f64();
                let delay = detect + suspicion;
                (
                    "detection + suspicion + Serf's model".to_string(),
                    delay,
                    delay + 12.0 * round + 1.0,
                )
            }
        };
        let points = (0..=120)
            .map(|i| {
                let t = span * f64::from(i) / 120.0;
                let y = if t < delay {
                    0.0
                } else {
                    spread((t - delay) / round)
                };
                (t as f32, y)
            })
            .collect();
        Some((label, points))
    }

    fn milestone(event: &quorate_gossip::Event) -> Option<Milestone> {
        use quorate_gossip::Event;
        match event {
            Event::Alive { .. } | Event::Suspect { .. } | Event::Dead { .. } => {
                Some(Milestone::Membership)
            }
            _ => None,
        }
    }
}

/// What the Raft checker needs from a Raft event.
fn raft_fact(node: NodeId, event: &quorate_raft::Event) -> Option<quorate_check::raft::RaftFact> {
    match event {
        quorate_raft::Event::BecameLeader { term } => {
            Some(quorate_check::raft::RaftFact::BecameLeader { node, term: *term })
        }
        quorate_raft::Event::Applied {
            index,
            term,
            digest,
            ..
        } => Some(quorate_check::raft::RaftFact::Applied {
            node,
            index: *index,
            term: *term,
            digest: *digest,
        }),
        _ => None,
    }
}

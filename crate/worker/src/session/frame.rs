//! A run's frame: what the page draws of the world at this moment (nodes, messages in flight, the
//! network's faults, the log, the timeline, the verdicts).

use super::*;

impl<E: Present> Run<E> {
    pub(super) fn frame(&mut self) -> Frame {
        let now = self.world.now();
        let config = self.world.engine_config().clone();
        let cells = self.cells();
        let large = self.setup.nodes > RING_MAX;
        let selected = self.selected;
        let nodes = self
            .world
            .node_ids()
            .filter(|id| !large || Some(*id) == selected)
            .map(|id| {
                let status = match self.world.node_state(id) {
                    Some(NodeState::Up) | None => NodeStatus::Up,
                    Some(NodeState::Paused) => NodeStatus::Paused,
                    Some(NodeState::Down) => NodeStatus::Down,
                };
                let mut view = if let Some(engine) = self.world.engine(id) {
                    E::present(&quorate_core::Engine::status(engine), &config, now)
                } else if let Some(view) =
                    self.views.get(&id).filter(|_| status != NodeStatus::Down)
                {
                    view.clone()
                } else {
                    let summary = if status == NodeStatus::Down {
                        self.world
                            .durable(id)
                            .map(E::present_down)
                            .unwrap_or_default()
                    } else {
                        "starting".to_string()
                    };
                    NodeView {
                        status,
                        summary,
                        ..NodeView::blank(id.0)
                    }
                };
                view.id = id.0;
                view.status = status;
                view
            })
            .collect();
        let messages = self
            .world
            .in_flight()
            .filter(|_| !large)
            .map(|m| {
                let progress = m
                    .arrives_at
                    .map(|arrives| progress(m.sent_at, now, arrives));
                message_view(m.from, m.to, m.msg, m.sent_at, m.arrives_at, progress)
            })
            .collect();
        let digest = self.world.digest().to_string();
        if let Some(expected) = self.expected_digest.take() {
            if expected != digest {
                self.error = Some(format!(
                    "the imported trace's digest {expected} differs from the replay's {digest}"
                ));
            }
        }
        let applied = self.next_command.min(self.current().shared.len());
        let shared_log = encode_log(&self.current().shared[..applied]);
        let timeline = Timeline {
            branch: self.branch,
            branches: self
                .branches
                .iter()
                .map(|b| BranchView {
                    parent: b.parent,
                    head_events: b.head.0,
                    head_us: b.head.1,
                    commands: b.shared.len(),
                })
                .collect(),
            at_head: self.at_head(),
        };
        let (nodes, system) = merge_systems(nodes);
        Frame {
            engine: self.setup.engine,
            seed: self.setup.seed,
            time_us: now.as_micros(),
            events: self.world.events(),
            digest,
            speed: self.speed,
            nodes,
            system,
            comparison: self.comparison.take(),
            messages,
            delivered: std::mem::take(&mut self.delivered),
            log: self
                .log
                .drain(..)
                .map(|record| record.to_string())
                .collect(),
            log_skipped: std::mem::take(&mut self.log_skipped),
            restart: std::mem::take(&mut self.restart),
            error: self.error.take(),
            shared_log,
            hosting: HostingView {
                per_node: self.per_node,
                workers: self
                    .workers
                    .iter()
                    .map(|(id, slot)| WorkerView {
                        node: id.0,
                        state: slot.state.clone(),
                    })
                    .collect(),
            },
            timeline,
            export: self.export.take(),
            reached: self.reached.take(),
            lesson: self.lesson.as_ref().map(|p| p.view.clone()),
            grid: if large { cells } else { Vec::new() },
            spread: self.spread.as_ref().map(|s| SpreadView {
                title: s.title.clone(),
                focus: s.focus,
                measured: s.measured.clone(),
                theory: s.theory.clone(),
                theory_label: s.label.clone(),
            }),
            network: if large {
                NetworkView::default()
            } else {
                network_view(&self.world)
            },
            params: self.setup.params.clone(),
            verdicts: (E::CHECKED || E::KV).then(|| {
                self.verdicts.check();
                self.verdicts.view()
            }),
        }
    }
}

/// Takes the nodes' parts of the system view out of their views and merges them, the leader's store
/// first (see `SystemView::merge`).
fn merge_systems(mut nodes: Vec<NodeView>) -> (Vec<NodeView>, Option<quorate_view::SystemView>) {
    let parts: Vec<(u32, quorate_view::SystemView, bool)> = nodes
        .iter_mut()
        .filter_map(|n| {
            let leader = n.role.as_deref().is_some_and(|r| r.ends_with("leader"));
            let part = n.system.take()?;
            (n.status != NodeStatus::Down).then_some((n.id, part, leader))
        })
        .collect();
    let system = quorate_view::SystemView::merge(parts.iter().map(|(id, s, l)| (*id, s, *l)));
    (nodes, system)
}

/// The network's faults as the ring draws them: every cut directed pair, the links set apart, slow
/// nodes. Quadratic in the nodes: only for ring-sized clusters.
fn network_view<E: Present>(world: &World<E>) -> NetworkView {
    let net = world.network();
    let ids: Vec<NodeId> = world.node_ids().collect();
    let view = |l: &LinkParams| {
        let (min, max) = match l.latency {
            Latency::Fixed(d) => (d, d),
            Latency::Uniform { min, max } => (min, max),
        };
        LinkView {
            loss_pct: l.loss * 100.0,
            min_ms: min.as_millis_f64(),
            max_ms: max.as_millis_f64(),
        }
    };
    let mut cut = Vec::new();
    for &a in &ids {
        for &b in &ids {
            if a != b && net.is_cut(a, b) {
                cut.push((a.0, b.0));
            }
        }
    }
    NetworkView {
        cut,
        default_link: Some(view(&net.default_link)),
        links: net
            .links
            .iter()
            .filter(|(_, l)| **l != net.default_link)
            .map(|((a, b), l)| (a.0, b.0, view(l)))
            .collect(),
        slow: ids
            .iter()
            .map(|&id| (id.0, world.slowness(id)))
            .filter(|(_, d)| *d > Duration::ZERO)
            .map(|(id, d)| (id, d.as_millis_f64()))
            .collect(),
    }
}

/// A message as the page draws it: `arrives` is `None` while it is held, `progress` only while in flight.
pub(super) fn message_view<M: std::fmt::Display>(
    from: NodeId,
    to: NodeId,
    msg: &M,
    sent: SimTime,
    arrives: Option<SimTime>,
    progress: Option<f32>,
) -> MessageView {
    let label = msg.to_string();
    MessageView {
        from: from.0,
        to: to.0,
        progress,
        kind: label.split_whitespace().next().unwrap_or("").to_string(),
        label,
        sent_us: sent.as_micros(),
        arrives_us: arrives.map(SimTime::as_micros),
    }
}

fn progress(sent: SimTime, now: SimTime, arrives: SimTime) -> f32 {
    let total = arrives.since(sent).as_micros();
    if total == 0 {
        return 1.0;
    }
    (now.since(sent).as_micros() as f64 / total as f64).clamp(0.0, 1.0) as f32
}

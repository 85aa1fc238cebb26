//! A run as the orchestrator holds it: the world, the pace, and the frames it sends to the UI.
//!
//! Pure and synchronous, so it is tested natively; the worker in `lib.rs` only wires it to messages.

use quorate_core::{Duration, NodeId, SimTime};
use quorate_demo::{Config, Heartbeat};
use quorate_sim::{node_ids, Latency, LinkParams, NodeState, World, WorldCommand, WorldConfig};
use quorate_view::{Frame, MessageView, NodeStatus, NodeView, RunSetup, UiCommand, MAX_LOG_LINES};

/// Most wall time one `Advance` may cover: after a hidden tab comes back, the run resumes rather than
/// jumping ahead by minutes.
const MAX_WALL_STEP_MS: f64 = 100.0;
/// Most events one `Advance` may process, so a frame always comes back quickly at high speed.
const MAX_EVENTS_PER_ADVANCE: u64 = 200_000;
pub const DEFAULT_SPEED: f64 = 0.25;

pub struct Session {
    world: World<Heartbeat>,
    setup: RunSetup,
    speed: f64,
    log: Vec<String>,
    log_skipped: u64,
    error: Option<String>,
}

impl Session {
    /// The demo world: heartbeats slow enough to watch at a quarter of real time.
    pub fn new(setup: RunSetup) -> Session {
        let nodes = setup.nodes.clamp(1, 64);
        let ids = node_ids(nodes);
        let link = LinkParams {
            latency: Latency::Uniform {
                min: Duration::from_millis(40),
                max: Duration::from_millis(90),
            },
            ..LinkParams::default()
        };
        let config = Config {
            peers: ids.clone(),
            interval: Duration::from_millis(500),
        };
        let world = World::new(WorldConfig {
            seed: setup.seed,
            nodes: ids,
            engine: config,
            network: link,
        });
        let mut session = Session {
            world,
            setup: RunSetup { nodes, ..setup },
            speed: DEFAULT_SPEED,
            log: Vec::new(),
            log_skipped: 0,
            error: None,
        };
        session.collect_log();
        session
    }

    pub fn world(&self) -> &World<Heartbeat> {
        &self.world
    }

    pub fn setup(&self) -> &RunSetup {
        &self.setup
    }

    /// Applies one UI command and returns the frame to send back.
    pub fn handle(&mut self, command: UiCommand) -> Frame {
        match command {
            UiCommand::Start(setup) => *self = Session::new(setup),
            UiCommand::Advance { wall_ms } => {
                let wall_ms = if wall_ms.is_finite() {
                    wall_ms.clamp(0.0, MAX_WALL_STEP_MS)
                } else {
                    0.0
                };
                let sim_us = (wall_ms * 1_000.0 * self.speed).round() as u64;
                let target = self.world.now() + Duration::from_micros(sim_us);
                let budget = self.world.events() + MAX_EVENTS_PER_ADVANCE;
                while self.world.next_event_time().is_some_and(|t| t <= target)
                    && self.world.events() < budget
                {
                    self.world.step();
                }
                if self.world.events() < budget {
                    self.world.run_until(target);
                }
            }
            UiCommand::Step => {
                self.world.step();
            }
            UiCommand::SetSpeed(speed) => {
                if speed.is_finite() && speed > 0.0 {
                    self.speed = speed.min(1_000.0);
                } else {
                    self.error = Some(format!("speed must be a positive number, got {speed}"));
                }
            }
            UiCommand::Kill(id) => self.apply(WorldCommand::Kill(NodeId(id))),
            UiCommand::Restart(id) => self.apply(WorldCommand::Restart(NodeId(id))),
            UiCommand::Refresh => {}
        }
        self.collect_log();
        self.frame()
    }

    fn apply(&mut self, command: WorldCommand<quorate_demo::Command>) {
        if let Err(e) = self.world.apply(command) {
            self.error = Some(e.to_string());
        }
    }

    fn collect_log(&mut self) {
        for record in self.world.take_records() {
            self.log.push(record.to_string());
        }
        if self.log.len() > MAX_LOG_LINES {
            let extra = self.log.len() - MAX_LOG_LINES;
            self.log.drain(..extra);
            self.log_skipped += extra as u64;
        }
    }

    fn frame(&mut self) -> Frame {
        let now = self.world.now();
        let nodes = self
            .world
            .node_ids()
            .map(|id| {
                let status = match self.world.node_state(id) {
                    Some(NodeState::Up) | None => NodeStatus::Up,
                    Some(NodeState::Paused) => NodeStatus::Paused,
                    Some(NodeState::Down) => NodeStatus::Down,
                };
                let (summary, details) = match self.world.status(id) {
                    Some(s) => (
                        format!("beats {}", s.beats),
                        s.heard
                            .iter()
                            .map(|(peer, n)| (format!("heard from {peer}"), n.to_string()))
                            .collect(),
                    ),
                    None => (
                        format!(
                            "down, durable beats {}",
                            self.world.durable(id).copied().unwrap_or(0)
                        ),
                        Vec::new(),
                    ),
                };
                NodeView {
                    id: id.0,
                    status,
                    summary,
                    details,
                }
            })
            .collect();
        let messages = self
            .world
            .in_flight()
            .map(|m| MessageView {
                from: m.from.0,
                to: m.to.0,
                progress: m
                    .arrives_at
                    .map(|arrives| progress(m.sent_at, now, arrives)),
                label: m.msg.to_string(),
            })
            .collect();
        Frame {
            seed: self.setup.seed,
            time_us: now.as_micros(),
            events: self.world.events(),
            digest: self.world.digest().to_string(),
            speed: self.speed,
            nodes,
            messages,
            log: std::mem::take(&mut self.log),
            log_skipped: std::mem::take(&mut self.log_skipped),
            error: self.error.take(),
        }
    }
}

fn progress(sent: SimTime, now: SimTime, arrives: SimTime) -> f32 {
    let total = arrives.since(sent).as_micros();
    if total == 0 {
        return 1.0;
    }
    (now.since(sent).as_micros() as f64 / total as f64).clamp(0.0, 1.0) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        Session::new(RunSetup { seed: 5, nodes: 3 })
    }

    #[test]
    fn advancing_moves_time_by_speed_times_wall_time() {
        let mut s = session();
        let f = s.handle(UiCommand::Advance { wall_ms: 40.0 });
        assert_eq!(f.time_us, 10_000, "40 ms of wall time at 0.25x");
        assert_eq!(f.nodes.len(), 3);
        assert!(!f.messages.is_empty(), "boot beats are in flight");
        assert!(f.log.iter().any(|l| l.contains("boot")));
    }

    #[test]
    fn kill_is_shown_and_bad_commands_are_reported_not_fatal() {
        let mut s = session();
        let f = s.handle(UiCommand::Kill(2));
        assert_eq!(f.node(2).unwrap().status, NodeStatus::Down);
        let f = s.handle(UiCommand::Kill(2));
        assert_eq!(f.error.as_deref(), Some("n2 is down"));
        let f = s.handle(UiCommand::Kill(99));
        assert!(f.error.is_some());
        let f = s.handle(UiCommand::SetSpeed(f64::NAN));
        assert!(f.error.is_some());
        let f = s.handle(UiCommand::Restart(2));
        assert_eq!(f.node(2).unwrap().status, NodeStatus::Up);
    }

    #[test]
    fn huge_or_bogus_wall_steps_are_bounded() {
        let mut s = session();
        let f = s.handle(UiCommand::Advance { wall_ms: 1e12 });
        assert_eq!(f.time_us, 25_000);
        let f = s.handle(UiCommand::Advance {
            wall_ms: f64::INFINITY,
        });
        assert_eq!(f.time_us, 25_000);
    }

    #[test]
    fn step_processes_one_event() {
        let mut s = session();
        let before = s.world().events();
        let f = s.handle(UiCommand::Step);
        assert_eq!(f.events, before + 1);
    }
}

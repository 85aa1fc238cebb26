//! A run as the orchestrator holds it: the world, the pace, and the frames it sends to the UI.
//!
//! Pure and synchronous, so it is tested natively; the worker in `lib.rs` only wires it to messages.

use quorate_core::{Duration, NodeId, SimTime};
use quorate_sim::{node_ids, NodeState, World, WorldCommand, WorldConfig};
use quorate_view::{
    encode_log, shareable, EngineKind, Frame, MessageView, NodeStatus, RunSetup, SharedCommand,
    UiCommand, MAX_LOG_LINES, MAX_SHARED_COMMANDS,
};

use crate::present::Present;

/// Most wall time one `Advance` may cover: after a hidden tab comes back, the run resumes rather than
/// jumping ahead by minutes.
const MAX_WALL_STEP_MS: f64 = 100.0;
/// Most events one `Advance` may process, so a frame always comes back quickly at high speed.
const MAX_EVENTS_PER_ADVANCE: u64 = 200_000;
/// Largest cluster the page hosts.
pub const MAX_NODES: u32 = 64;

/// One run of one engine.
pub struct Run<E: Present> {
    world: World<E>,
    setup: RunSetup,
    speed: f64,
    log: Vec<String>,
    log_skipped: u64,
    error: Option<String>,
    /// The commands that changed the world, for a link that replays the run.
    shared: Vec<SharedCommand>,
    /// `shared`, encoded (kept so frames need not re-encode it).
    shared_text: String,
}

/// What the session needs of a run, whatever its engine.
trait Runner {
    fn handle(&mut self, command: UiCommand) -> Frame;
    fn digest(&self) -> String;
    fn now(&self) -> SimTime;
    fn events(&self) -> u64;
}

/// The orchestrator's run, of whichever engine the UI asked for.
pub struct Session {
    run: Box<dyn Runner>,
}

impl Session {
    pub fn new(setup: RunSetup) -> Session {
        let run: Box<dyn Runner> = match setup.engine {
            EngineKind::Raft => Box::new(Run::<quorate_raft::Raft>::new(setup)),
            EngineKind::Gossip => Box::new(Run::<quorate_gossip::Gossip>::new(setup)),
            EngineKind::Demo => Box::new(Run::<quorate_demo::Heartbeat>::new(setup)),
        };
        Session { run }
    }

    /// Applies one UI command and returns the frame to send back. `Start` replaces the run.
    pub fn handle(&mut self, command: UiCommand) -> Frame {
        if let UiCommand::Start(setup) = command {
            *self = Session::new(setup);
            return self.run.handle(UiCommand::Refresh);
        }
        self.run.handle(command)
    }

    pub fn digest(&self) -> String {
        self.run.digest()
    }
    pub fn now(&self) -> SimTime {
        self.run.now()
    }
    pub fn events(&self) -> u64 {
        self.run.events()
    }
}

impl<E: Present> Run<E> {
    pub fn new(setup: RunSetup) -> Run<E> {
        let nodes = setup.nodes.clamp(1, MAX_NODES);
        let ids = node_ids(nodes);
        let (engine, network) = E::setup(&ids);
        let world = World::new(WorldConfig {
            seed: setup.seed,
            nodes: ids,
            engine,
            network,
        });
        let replay = setup.replay.clone();
        let until = setup.until;
        let setup = RunSetup {
            nodes,
            replay: Vec::new(),
            until: None,
            ..setup
        };
        let mut run = Run {
            world,
            setup,
            speed: E::SPEED,
            log: Vec::new(),
            log_skipped: 0,
            error: None,
            shared: Vec::new(),
            shared_text: String::new(),
        };
        // A shared link: each command at the moment it was first applied, then on to the shared moment.
        for (i, entry) in replay.into_iter().enumerate() {
            run.world
                .catch_up(entry.after_event, SimTime::from_micros(entry.at_us));
            run.command(entry.command);
            if let Some(error) = run.error.take() {
                run.error = Some(format!(
                    "command {} of the link could not be replayed: {error}",
                    i + 1
                ));
                break;
            }
        }
        if let Some((events, time_us)) = until {
            run.world.catch_up(events, SimTime::from_micros(time_us));
        }
        run.collect_log();
        run
    }

    /// Applies a command that changes the world and, when it took and can travel in a link, logs it.
    fn command(&mut self, command: UiCommand) {
        let (after_event, at_us) = (self.world.events(), self.world.now().as_micros());
        let earlier_error = self.error.take();
        match command.clone() {
            UiCommand::Kill(id) => self.apply(WorldCommand::Kill(NodeId(id))),
            UiCommand::Restart(id) => self.apply(WorldCommand::Restart(NodeId(id))),
            UiCommand::Partition(groups) => {
                let groups: Vec<_> = groups
                    .iter()
                    .map(|g| g.iter().map(|&id| NodeId(id)).collect())
                    .collect();
                self.apply(WorldCommand::Partition(groups));
            }
            UiCommand::Heal => self.apply(WorldCommand::Heal),
            UiCommand::Client { node, words } => {
                let words: Vec<&str> = words.split_whitespace().collect();
                match E::parse_command(&words) {
                    Ok(cmd) => self.apply(WorldCommand::Client {
                        node: NodeId(node),
                        cmd,
                    }),
                    Err(e) => {
                        self.error = Some(format!(
                            "{}: {e}",
                            words.get(e.word).copied().unwrap_or("command")
                        ))
                    }
                }
            }
            _ => {}
        }
        if self.error.is_none() && shareable(&command) && self.shared.len() < MAX_SHARED_COMMANDS {
            self.shared.push(SharedCommand {
                after_event,
                at_us,
                command,
            });
            self.shared_text = encode_log(&self.shared);
        }
        if self.error.is_none() {
            self.error = earlier_error;
        }
    }

    fn apply(&mut self, command: WorldCommand<E::Command>) {
        if let Err(e) = self.world.apply(command) {
            self.error = Some(e.to_string());
        }
    }

    fn advance(&mut self, wall_ms: f64) {
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
        let config = self.world.engine_config().clone();
        let nodes = self
            .world
            .node_ids()
            .map(|id| {
                let status = match self.world.node_state(id) {
                    Some(NodeState::Up) | None => NodeStatus::Up,
                    Some(NodeState::Paused) => NodeStatus::Paused,
                    Some(NodeState::Down) => NodeStatus::Down,
                };
                let mut view = match self.world.engine(id) {
                    Some(engine) => E::present(&quorate_core::Engine::status(engine), &config, now),
                    None => quorate_view::NodeView {
                        id: id.0,
                        status,
                        role: None,
                        summary: self
                            .world
                            .durable(id)
                            .map(E::present_down)
                            .unwrap_or_default(),
                        timer: None,
                        log: Vec::new(),
                        details: Vec::new(),
                    },
                };
                view.id = id.0;
                view.status = status;
                view
            })
            .collect();
        let messages = self
            .world
            .in_flight()
            .map(|m| {
                let label = m.msg.to_string();
                MessageView {
                    from: m.from.0,
                    to: m.to.0,
                    progress: m
                        .arrives_at
                        .map(|arrives| progress(m.sent_at, now, arrives)),
                    kind: label.split_whitespace().next().unwrap_or("").to_string(),
                    label,
                }
            })
            .collect();
        Frame {
            engine: self.setup.engine,
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
            shared_log: self.shared_text.clone(),
        }
    }
}

impl<E: Present> Runner for Run<E> {
    fn handle(&mut self, command: UiCommand) -> Frame {
        match command {
            // Handled by the session, which replaces the run.
            UiCommand::Start(_) | UiCommand::Refresh => {}
            UiCommand::Advance { wall_ms } => self.advance(wall_ms),
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
            command @ (UiCommand::Kill(_)
            | UiCommand::Restart(_)
            | UiCommand::Partition(_)
            | UiCommand::Heal
            | UiCommand::Client { .. }) => self.command(command),
        }
        self.collect_log();
        self.frame()
    }
    fn digest(&self) -> String {
        self.world.digest().to_string()
    }
    fn now(&self) -> SimTime {
        self.world.now()
    }
    fn events(&self) -> u64 {
        self.world.events()
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

    fn session(engine: EngineKind, nodes: u32) -> Session {
        Session::new(RunSetup {
            engine,
            seed: 5,
            nodes,
            replay: Vec::new(),
            until: None,
        })
    }

    /// Advances `sim_ms` of simulated time through 16 ms display frames.
    fn play(s: &mut Session, frames: u32) -> Frame {
        let mut last = s.handle(UiCommand::Refresh);
        for _ in 0..frames {
            last = s.handle(UiCommand::Advance { wall_ms: 16.0 });
        }
        last
    }

    #[test]
    fn advancing_moves_time_by_speed_times_wall_time() {
        let mut s = session(EngineKind::Demo, 3);
        let f = s.handle(UiCommand::Advance { wall_ms: 40.0 });
        assert_eq!(f.time_us, 10_000, "40 ms of wall time at 0.25x");
        assert_eq!(f.nodes.len(), 3);
        assert!(!f.messages.is_empty(), "boot beats are in flight");
        assert!(f.log.iter().any(|l| l.contains("boot")));
    }

    #[test]
    fn five_raft_nodes_elect_a_leader_within_three_seconds_of_wall_time() {
        let mut s = session(EngineKind::Raft, 5);
        // 3 s of display frames at the default 0.15x is 450 ms of simulated time: past the longest timeout.
        let f = play(&mut s, 190);
        let leaders: Vec<_> = f
            .nodes
            .iter()
            .filter(|n| n.role.as_deref() == Some("leader"))
            .collect();
        assert_eq!(leaders.len(), 1, "{:?}", f.nodes);
        assert!(f
            .nodes
            .iter()
            .filter(|n| n.role.as_deref() == Some("follower"))
            .all(|n| n.timer.is_some()));
    }

    #[test]
    fn gossip_runs_in_the_page() {
        let mut s = session(EngineKind::Gossip, 8);
        let f = play(&mut s, 200);
        assert_eq!(f.nodes.len(), 8);
        assert!(
            f.nodes.iter().all(|n| n.summary.starts_with("8 alive")),
            "{:?}",
            f.nodes[0]
        );
    }

    #[test]
    fn kill_is_shown_and_bad_commands_are_reported_not_fatal() {
        let mut s = session(EngineKind::Demo, 3);
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
    fn a_partitioned_minority_cannot_commit_and_catches_up_after_heal() {
        let mut s = session(EngineKind::Raft, 5);
        let f = play(&mut s, 190);
        let leader = f
            .nodes
            .iter()
            .find(|n| n.role.as_deref() == Some("leader"))
            .unwrap()
            .id;
        let others: Vec<u32> = (1..=5).filter(|&i| i != leader).collect();
        let minority = vec![leader, others[0]];
        let majority: Vec<u32> = others[1..].to_vec();
        s.handle(UiCommand::Partition(vec![
            minority.clone(),
            majority.clone(),
        ]));
        let f = s.handle(UiCommand::Client {
            node: leader,
            words: "propose lost=1".into(),
        });
        assert!(f.error.is_none(), "{:?}", f.error);
        let commit = |f: &Frame, id: u32| -> u64 {
            let n = f.node(id).unwrap();
            n.details
                .iter()
                .find(|(k, _)| k == "commit")
                .unwrap()
                .1
                .parse()
                .unwrap()
        };
        let f = play(&mut s, 400);
        let new_leader = f
            .nodes
            .iter()
            .find(|n| majority.contains(&n.id) && n.role.as_deref() == Some("leader"));
        assert!(
            new_leader.is_some(),
            "the majority elects a leader: {:?}",
            f.nodes
        );
        let old_commit = commit(&f, leader);
        s.handle(UiCommand::Client {
            node: new_leader.unwrap().id,
            words: "propose kept=1".into(),
        });
        let f = play(&mut s, 100);
        assert!(commit(&f, majority[0]) > old_commit, "the majority commits");
        assert_eq!(
            commit(&f, leader),
            old_commit,
            "the old leader's proposal does not commit"
        );
        s.handle(UiCommand::Heal);
        let f = play(&mut s, 300);
        assert_eq!(
            commit(&f, leader),
            commit(&f, majority[0]),
            "the minority catches up after heal"
        );
    }

    #[test]
    fn a_shared_log_replays_to_the_identical_moment() {
        let mut s = session(EngineKind::Raft, 5);
        play(&mut s, 100);
        s.handle(UiCommand::Kill(1));
        s.handle(UiCommand::Step);
        s.handle(UiCommand::Step);
        s.handle(UiCommand::Partition(vec![vec![2], vec![3, 4, 5]]));
        play(&mut s, 50);
        s.handle(UiCommand::Client {
            node: 3,
            words: "propose x=1".into(),
        });
        s.handle(UiCommand::Kill(9)); // refused: not logged
        let f = play(&mut s, 80);
        let link = quorate_view::decode_log(&f.shared_log).unwrap();
        assert_eq!(link.len(), 3, "{}", f.shared_log);
        let mut friend = Session::new(RunSetup {
            engine: EngineKind::Raft,
            seed: 5,
            nodes: 5,
            replay: link,
            until: Some((f.events, f.time_us)),
        });
        let g = friend.handle(UiCommand::Refresh);
        assert!(g.error.is_none(), "{:?}", g.error);
        assert_eq!(
            (g.events, g.time_us, g.digest.clone()),
            (f.events, f.time_us, f.digest.clone())
        );
        assert_eq!(g.shared_log, f.shared_log);
        // And they go on identically.
        assert_eq!(play(&mut friend, 30).digest, play(&mut s, 30).digest);
    }

    #[test]
    fn a_bad_client_command_is_reported() {
        let mut s = session(EngineKind::Raft, 3);
        let f = s.handle(UiCommand::Client {
            node: 1,
            words: "fly away".into(),
        });
        assert!(
            f.error.as_deref().unwrap_or("").contains("fly"),
            "{:?}",
            f.error
        );
        let f = s.handle(UiCommand::Partition(vec![vec![1], vec![9]]));
        assert!(f.error.is_some());
    }

    #[test]
    fn huge_or_bogus_wall_steps_are_bounded() {
        let mut s = session(EngineKind::Demo, 3);
        let f = s.handle(UiCommand::Advance { wall_ms: 1e12 });
        assert_eq!(f.time_us, 25_000);
        let f = s.handle(UiCommand::Advance {
            wall_ms: f64::INFINITY,
        });
        assert_eq!(f.time_us, 25_000);
    }

    #[test]
    fn step_processes_one_event() {
        let mut s = session(EngineKind::Raft, 3);
        let before = s.events();
        s.handle(UiCommand::Step);
        assert_eq!(s.events(), before + 1);
    }
}

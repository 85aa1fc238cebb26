//! Time travel in the session: stepping, scrubbing, forks from the past, links to a moment, run
//! until a milestone, and a trace exported and imported.

use super::*;

#[test]
fn scrubbing_back_and_forth_gives_identical_frames() {
    for hosting in [Hosting::Inline, Hosting::PerNode] {
        let mut s = Harness::new(EngineKind::Raft, 21, 5, hosting);
        s.send(UiCommand::SetSpeed(1.0));
        s.play(625); // 10 s
        s.send(UiCommand::Kill(1));
        let live_past = s.play(625); // 20 s
        let mut live_head = s.play(625); // 30 s
        assert!(live_head.timeline.at_head);
        let f = s.send(UiCommand::Seek {
            time_us: live_past.time_us,
        });
        assert!(!f.timeline.at_head);
        assert_eq!((f.events, &f.digest), (live_past.events, &live_past.digest));
        assert_eq!(f.nodes, live_past.nodes, "{hosting:?}");
        assert_eq!(f.messages, live_past.messages);
        let mut f = s.send(UiCommand::Seek {
            time_us: live_head.time_us,
        });
        assert!(f.timeline.at_head);
        f.log.clear();
        live_head.log.clear();
        assert_eq!(f.nodes, live_head.nodes);
        assert_eq!(
            (f.events, f.time_us, &f.digest),
            (live_head.events, live_head.time_us, &live_head.digest)
        );
        // Playing on from the past replays the branch: the kill at 10 s happens again.
        s.send(UiCommand::Seek { time_us: 5_000_000 });
        let f = s.play(625);
        assert_eq!(f.node(1).unwrap().status, NodeStatus::Down, "{hosting:?}");
        assert_eq!(f.timeline.branches.len(), 1);
    }
}

/// The simulated time a log line starts with, in µs ("12.760629 #2615 n1->n5 recv …").
fn line_us(line: &str) -> u64 {
    let seconds: f64 = line.split_whitespace().next().unwrap().parse().unwrap();
    (seconds * 1e6).round() as u64
}

#[test]
fn a_new_run_or_a_jump_in_time_restarts_the_log_with_the_moments_last_lines() {
    for hosting in [Hosting::Inline, Hosting::PerNode] {
        let mut s = Harness::new(EngineKind::Raft, 5, 5, hosting);
        assert_eq!(s.restarts.len(), 1, "a run's first frame: {hosting:?}");
        s.send(UiCommand::SetSpeed(1.0));
        let head = s.play(800); // about 13 s
        assert_eq!(s.restarts.len(), 1, "playing on adds to the log");
        for (time_us, what) in [(3_000_000, "back"), (head.time_us, "forward")] {
            s.send(UiCommand::Seek { time_us });
            assert_eq!(s.restarts.len(), if what == "back" { 2 } else { 3 });
            let f = s.restarts.last().unwrap();
            assert_eq!(f.time_us, time_us);
            assert_eq!((f.log.len(), f.log_skipped), (MAX_LOG_LINES, 0), "{what}");
            let newest = line_us(f.log.last().unwrap());
            assert!(
                newest <= time_us && newest + 1_000_000 > time_us,
                "{hosting:?} {what}: the log ends at {newest} µs, the moment is {time_us} µs"
            );
            assert!(line_us(&f.log[0]) <= newest, "oldest first");
            // The space-time diagram's recent past: what arrived in the 5 s before the moment, each
            // the delivery a log line names, at its time.
            assert!(!f.delivered.is_empty(), "{hosting:?} {what}");
            assert!(f.delivered.len() <= MAX_DELIVERED);
            for m in &f.delivered {
                let arrives = m.arrives_us.unwrap();
                assert!(
                    m.sent_us <= arrives && arrives <= time_us && arrives + 5_000_000 >= time_us
                );
                if arrives >= line_us(&f.log[0]) {
                    let recv = format!("n{}->n{} recv {}", m.from, m.to, m.label);
                    assert!(
                        f.log
                            .iter()
                            .any(|l| line_us(l) == arrives && l.ends_with(&recv)),
                        "{hosting:?} {what}: no log line for {recv} at {arrives} µs"
                    );
                }
            }
        }
        assert!(s.restarts[0].delivered.is_empty(), "a new run has no past");
        let f = s.play(10);
        assert!(!f.restart && f.delivered.is_empty());
        s.send(UiCommand::Start(RunSetup {
            engine: EngineKind::Raft,
            seed: 6,
            nodes: 3,
            replay: Vec::new(),
            until: None,
            hosting,
            params: Vec::new(),
        }));
        assert_eq!(s.restarts.len(), 4, "a new run: {hosting:?}");
    }
}

#[test]
fn a_command_in_the_past_forks_and_both_branches_replay() {
    let mut s = Harness::new(EngineKind::Raft, 8, 5, Hosting::PerNode);
    s.send(UiCommand::SetSpeed(1.0));
    s.play(300);
    s.send(UiCommand::Partition(vec![vec![1, 2], vec![3, 4, 5]]));
    let first_head = s.play(300);
    s.send(UiCommand::Seek { time_us: 7_000_000 });
    let f = s.send(UiCommand::Kill(4));
    assert_eq!(f.timeline.branches.len(), 2);
    assert_eq!(f.timeline.branch, 1);
    assert_eq!(f.timeline.branches[1].parent.map(|p| p.0), Some(0));
    let second_head = s.play(300);
    assert_eq!(second_head.node(4).unwrap().status, NodeStatus::Down);
    assert!(second_head.shared_log.contains("k4"));
    assert!(second_head.shared_log.contains("p1-2/3-4-5"));
    // Back to the first branch: its head, exactly.
    let f = s.send(UiCommand::Branch(0));
    assert_eq!(
        (f.events, f.time_us, &f.digest),
        (first_head.events, first_head.time_us, &first_head.digest)
    );
    assert_eq!(f.node(4).unwrap().status, NodeStatus::Up);
    let f = s.send(UiCommand::Branch(1));
    assert_eq!(f.digest, second_head.digest);
    // The second branch's link replays to the same moment in a fresh session.
    let g = Harness::from_setup(RunSetup {
        engine: EngineKind::Raft,
        seed: 8,
        nodes: 5,
        replay: decode_log(&second_head.shared_log).unwrap(),
        until: Some((second_head.events, second_head.time_us)),
        hosting: Hosting::PerNode,
        params: Vec::new(),
    })
    .last
    .unwrap();
    assert_eq!(g.digest, second_head.digest);
}

#[test]
fn a_shared_log_replays_to_the_identical_moment() {
    let mut s = session(EngineKind::Raft, 5);
    s.play(100);
    s.send(UiCommand::Kill(1));
    s.send(UiCommand::Step);
    s.send(UiCommand::Step);
    s.send(UiCommand::Partition(vec![vec![2], vec![3, 4, 5]]));
    s.play(50);
    s.send(UiCommand::Client {
        node: 3,
        words: "propose x=1".into(),
    });
    s.send(UiCommand::Kill(9)); // refused: not logged
    let f = s.play(80);
    let link = decode_log(&f.shared_log).unwrap();
    assert_eq!(link.len(), 3, "{}", f.shared_log);
    for hosting in [Hosting::Inline, Hosting::PerNode] {
        let mut friend = Harness::from_setup(RunSetup {
            engine: EngineKind::Raft,
            seed: 5,
            nodes: 5,
            replay: link.clone(),
            until: Some((f.events, f.time_us)),
            hosting,
            params: Vec::new(),
        });
        let g = friend.send(UiCommand::Refresh);
        assert!(g.error.is_none(), "{:?}", g.error);
        assert_eq!(
            (g.events, g.time_us, g.digest.clone()),
            (f.events, f.time_us, f.digest.clone())
        );
        assert_eq!(g.shared_log, f.shared_log);
        assert_eq!(g.nodes, f.nodes);
        // And they go on identically.
        let mut s2 = Harness::from_setup(RunSetup {
            engine: EngineKind::Raft,
            seed: 5,
            nodes: 5,
            replay: link.clone(),
            until: Some((f.events, f.time_us)),
            hosting: Hosting::Inline,
            params: Vec::new(),
        });
        assert_eq!(friend.play(30).digest, s2.play(30).digest);
    }
}

#[test]
fn run_until_stops_at_the_milestone() {
    for hosting in [Hosting::Inline, Hosting::PerNode] {
        let mut s = Harness::new(EngineKind::Raft, 4, 5, hosting);
        let f = s.send(UiCommand::RunUntil(Milestone::Leader));
        let reached = f.reached.clone().expect("a leader within a minute");
        assert!(reached.starts_with("next leader"), "{reached}");
        assert!(leader(&f).is_some(), "{hosting:?}");
        // It stopped right after that event: one step earlier there was no leader.
        let before = f.events - 1;
        let mut t = Harness::new(EngineKind::Raft, 4, 5, Hosting::Inline);
        while t.session.events() < before {
            t.send(UiCommand::Step);
        }
        assert!(leader(&t.send(UiCommand::Refresh)).is_none());
        let f = s.send(UiCommand::RunUntil(Milestone::Commit));
        assert!(f.reached.unwrap().starts_with("next commit"));
    }
}

#[test]
fn export_then_import_reproduces_the_run() {
    let mut s = Harness::new(EngineKind::Gossip, 9, 6, Hosting::PerNode);
    s.play(100);
    s.send(UiCommand::Kill(2));
    let f = s.play(100);
    let f2 = s.send(UiCommand::ExportTrace);
    let json = f2.export.expect("an export");
    assert!(json.contains("\"format\": \"quorate-trace\""));
    assert!(json.contains(&f.digest));
    let g = s.send(UiCommand::ImportTrace(json.clone()));
    assert!(g.error.is_none(), "{:?}", g.error);
    assert_eq!((g.digest.clone(), g.events), (f.digest.clone(), f.events));
    // A tampered digest is caught; malformed exports name what is wrong.
    let tampered = json.replace(&f.digest, "0000000000000000");
    let g = s.send(UiCommand::ImportTrace(tampered));
    assert!(g.error.unwrap().contains("differs"));
    for (bad, says) in [
        ("{", "not JSON"),
        ("{\"format\": \"x\"}", "\"format\""),
        (
            "{\"format\": \"quorate-trace\", \"version\": 9}",
            "version 9",
        ),
        (
            "{\"format\": \"quorate-trace\", \"version\": 1, \"engine\": \"paxos\"}",
            "unknown engine",
        ),
    ] {
        let g = s.send(UiCommand::ImportTrace(bad.to_string()));
        let e = g.error.unwrap_or_default();
        assert!(e.contains(says), "{bad}: {e}");
    }
}

#[test]
fn step_processes_one_event() {
    for hosting in [Hosting::Inline, Hosting::PerNode] {
        let mut s = Harness::new(EngineKind::Raft, 5, 3, hosting);
        let before = s.session.events();
        s.send(UiCommand::Step);
        assert_eq!(s.session.events(), before + 1);
    }
}

//! Hosting in the session: a node's worker killed, crashed or fed garbage, hosting switched mid-run,
//! and full-speed frames with a worker per node.

use super::*;

#[test]
fn a_killed_node_loses_its_worker_and_restarts_from_durable_state() {
    let mut s = Harness::new(EngineKind::Raft, 7, 5, Hosting::PerNode);
    let f = s.play(190);
    assert_eq!(s.workers.len(), 5);
    let l = leader(&f).expect("a leader");
    s.send(UiCommand::Client {
        node: l,
        words: "propose x=1".into(),
    });
    let f = s.play(60);
    let term = detail(&f, l, "term");
    let last = detail(&f, l, "last index");
    let commit = detail(&f, l, "commit");
    assert_ne!(commit, "0");
    let f = s.send(UiCommand::Kill(l));
    assert_eq!(s.workers.len(), 4, "the worker is gone");
    assert!(!s.workers.contains_key(&l));
    let w = f.hosting.workers.iter().find(|w| w.node == l).unwrap();
    assert_eq!(w.state, WorkerState::Terminated);
    assert_eq!(f.node(l).unwrap().status, NodeStatus::Down);
    assert!(f.node(l).unwrap().summary.contains(&format!("term {term}")));
    let f = s.send(UiCommand::Restart(l));
    assert_eq!(s.workers.len(), 5, "a fresh worker");
    assert_eq!(s.spawned, 6);
    // Durable state survived (term, log, commit as etcd's HardState keeps it); volatile state did
    // not: the old leader comes back a follower that knows no leader yet.
    assert_eq!(detail(&f, l, "term"), term);
    assert_eq!(detail(&f, l, "last index"), last);
    assert_eq!(detail(&f, l, "commit"), commit);
    assert_eq!(detail(&f, l, "role"), "follower");
    assert_eq!(detail(&f, l, "leader"), "—");
}

#[test]
fn a_crashed_worker_is_reported_and_the_run_goes_on() {
    let mut s = Harness::new(EngineKind::Raft, 3, 5, Hosting::PerNode);
    s.play(100);
    let f = s.send(UiCommand::CrashWorker(3));
    let w = f.hosting.workers.iter().find(|w| w.node == 3).unwrap();
    assert!(
        matches!(&w.state, WorkerState::Crashed(e) if e.contains("panicked")),
        "{w:?}"
    );
    assert!(f
        .error
        .as_deref()
        .unwrap_or("")
        .contains("n3's worker crashed"));
    assert_eq!(f.node(3).unwrap().status, NodeStatus::Down);
    let before = f.events;
    let f = s.play(200);
    assert!(f.events > before + 50, "the others go on");
    assert!(leader(&f).is_some());
    // The crash is in the log as a kill, so a link replays the same run.
    assert!(f.shared_log.contains("k3"), "{}", f.shared_log);
    let f = s.send(UiCommand::Restart(3));
    assert_eq!(f.node(3).unwrap().status, NodeStatus::Up);
    // Inline there is no worker to crash: an error, nothing else.
    let mut i = session(EngineKind::Raft, 3);
    let f = i.send(UiCommand::CrashWorker(1));
    assert!(f.error.is_some());
    assert_eq!(f.node(1).unwrap().status, NodeStatus::Up);
}

#[test]
fn malformed_messages_are_errors_not_panics() {
    let mut s = Harness::new(EngineKind::Raft, 3, 3, Hosting::PerNode);
    s.play(10);
    let out = s.session.handle_bytes(&[0xff, 0xff, 0x01]);
    let f = s.run(out);
    assert!(
        f.error
            .as_deref()
            .unwrap_or("")
            .contains("malformed message"),
        "{:?}",
        f.error
    );
    // A node worker's garbage takes that node down as crashed; the run goes on.
    let out = s.session.node_message(2, b"garbage");
    let _ = s.run(out);
    let f = s.play(10);
    let w = f.hosting.workers.iter().find(|w| w.node == 2).unwrap();
    assert!(matches!(w.state, WorkerState::Crashed(_)), "{w:?}");
    // And a node worker handed garbage answers with an error instead of panicking.
    let mut p = NodeProcess::new();
    let reply = p.handle(b"\x07\x07").expect("an answer");
    assert!(matches!(
        decode::<FromNode>(&reply, "reply").unwrap(),
        FromNode::Error(_)
    ));
}

/// A 5-node Raft run with a worker per node, played until it has a leader.
fn led() -> Harness {
    let mut s = Harness::new(EngineKind::Raft, 3, 5, Hosting::PerNode);
    assert!(leader(&s.play(190)).is_some());
    s
}

/// Plays frame by frame until n2's worker has crashed: that frame says why (the next ones no longer do).
fn until_n2_crashed(s: &mut Harness) -> Frame {
    (0..60)
        .map(|_| s.play(1))
        .find(|f| {
            let w = f.hosting.workers.iter().find(|w| w.node == 2).unwrap();
            matches!(w.state, WorkerState::Crashed(_))
        })
        .expect("n2's worker crashed within 60 frames")
}

/// Node `n`'s engine as its worker hands it back when asked.
fn engine_of(s: &mut Harness, n: u32) -> FromNode {
    let reply = s
        .workers
        .get_mut(&n)
        .expect("a worker")
        .handle(&encode(&ToNode::Save))
        .expect("a reply");
    decode(&reply, "a reply").expect("a state")
}

/// n2 is down and the others go on with a leader.
fn the_rest_go_on(s: &mut Harness, f: &Frame, says: &str) {
    assert_eq!(f.node(2).unwrap().status, NodeStatus::Down, "{says}");
    let before = f.events;
    let f = s.play(200);
    assert!(f.events > before + 50, "{says}: the others go on");
    assert!(leader(&f).is_some_and(|l| l != 2), "{says}");
}

/// n2's worker crashed with exactly `says`, and the others go on.
fn n2_crashed_and_the_rest_go_on(s: &mut Harness, f: &Frame, says: &str) {
    let w = f.hosting.workers.iter().find(|w| w.node == 2).unwrap();
    assert!(
        matches!(&w.state, WorkerState::Crashed(e) if e == says),
        "{says}: {w:?}"
    );
    the_rest_go_on(s, f, says);
}

#[test]
fn a_worker_whose_answers_do_not_follow_its_call_is_reported_and_the_run_goes_on() {
    type Edit = fn(&mut Answers<quorate_raft::Raft>);
    let cases: [(&str, Edit); 3] = [
        // Without the check, the first had the session call the node forever, the second tripped an
        // assertion of the world (a panic in the orchestrator), the third was taken as it came.
        ("it answered none of the", |a| a.clear()),
        ("where its call's step 1 was", |a| {
            if let Some(first) = a.first_mut() {
                first.0 = CallKey::Event(u64::MAX);
            }
        }),
        ("steps to a call of", |a| {
            if let Some(last) = a.last().cloned() {
                a.push(last);
            }
        }),
    ];
    for (says, edit) in cases {
        let mut s = led();
        s.rewrite_replies(2, move |reply| match reply {
            FromNode::Answer(bytes) => {
                let mut answers = decode(&bytes, "answers").expect("answers");
                edit(&mut answers);
                FromNode::Answer(encode(&answers))
            }
            other => other,
        });
        let f = until_n2_crashed(&mut s);
        let w = f.hosting.workers.iter().find(|w| w.node == 2).unwrap();
        assert!(
            matches!(&w.state, WorkerState::Crashed(e) if e.contains(says)),
            "{says}: {w:?}"
        );
        assert!(
            f.error
                .as_deref()
                .unwrap_or("")
                .contains("n2's worker crashed"),
            "{:?}",
            f.error
        );
        the_rest_go_on(&mut s, &f, says);
    }
}

#[test]
fn a_worker_sending_what_the_run_did_not_ask_for_is_reported_and_the_run_goes_on() {
    type Swap = fn(FromNode) -> FromNode;
    let cases: [(&str, Swap); 2] = [
        (
            "it sent word that it took its engine while the run waited for the answers to its call",
            |_| FromNode::Loaded,
        ),
        (
            "it sent its engine while the run waited for the answers to its call",
            |state| state,
        ),
    ];
    for (says, swap) in cases {
        let mut s = led();
        // Called, n2 answers with something else.
        let n2 = engine_of(&mut s, 2);
        s.rewrite_replies(2, move |reply| match reply {
            FromNode::Answer(_) => swap(n2.clone()),
            other => other,
        });
        let f = until_n2_crashed(&mut s);
        n2_crashed_and_the_rest_go_on(&mut s, &f, says);
    }
}

#[test]
fn a_worker_speaking_for_another_node_is_reported_and_the_run_goes_on() {
    // Asked for its engine (the hosting menu's move to inline), n2 hands back n3's.
    let mut s = led();
    let n3 = engine_of(&mut s, 3);
    s.rewrite_replies(2, move |reply| match reply {
        FromNode::State(_) => n3.clone(),
        other => other,
    });
    let f = s.send(UiCommand::SetHosting(Hosting::Inline));
    n2_crashed_and_the_rest_go_on(&mut s, &f, "it handed back the engine of n3");

    // Asked for its view, n2 sends one of n3.
    let mut s = led();
    s.rewrite_replies(2, |reply| match reply {
        FromNode::View(mut view, flags) => {
            view.id = 3;
            FromNode::View(view, flags)
        }
        other => other,
    });
    let f = s.play(1);
    n2_crashed_and_the_rest_go_on(&mut s, &f, "it sent the view of n3");
}

#[test]
fn answers_are_checked_against_the_call() {
    use super::super::workers::check_answers;
    let call = [CallKey::Event(4), CallKey::Event(9)];
    let answered = |keys: &[u64]| -> Vec<(CallKey, ())> {
        keys.iter().map(|k| (CallKey::Event(*k), ())).collect()
    };
    assert_eq!(check_answers(&call, &answered(&[4, 9])), Ok(()));
    // A prefix: the host stopped before a timer it set.
    assert_eq!(check_answers(&call, &answered(&[4])), Ok(()));
    // A call only to rewind has no steps and no answers.
    assert_eq!(check_answers(&[], &answered(&[])), Ok(()));
    assert_eq!(
        check_answers(&call, &answered(&[])),
        Err("it answered none of the 2 steps of its call".to_string())
    );
    assert_eq!(
        check_answers(&call, &answered(&[9])),
        Err("it answered event #9 where its call's step 1 was event #4".to_string())
    );
    assert_eq!(
        check_answers(&call, &answered(&[4, 9, 9])),
        Err("it answered 3 steps to a call of 2".to_string())
    );
    let start = [CallKey::Start {
        node: NodeId(3),
        generation: 1,
    }];
    assert_eq!(
        check_answers(&start, &answered(&[4])),
        Err(
            "it answered event #4 where its call's step 1 was the start of n3 (generation 1)"
                .to_string()
        )
    );
}

#[test]
fn switching_hosting_mid_run_keeps_the_trace() {
    let mut a = Harness::new(EngineKind::Raft, 11, 5, Hosting::Inline);
    let mut b = Harness::new(EngineKind::Raft, 11, 5, Hosting::Inline);
    a.play(100);
    b.play(100);
    let f = b.send(UiCommand::SetHosting(Hosting::PerNode));
    assert!(f.hosting.per_node);
    assert_eq!(b.workers.len(), 5);
    a.play(100);
    b.play(100);
    let f = b.send(UiCommand::SetHosting(Hosting::Inline));
    assert!(!f.hosting.per_node);
    assert!(b.workers.is_empty());
    assert_eq!(a.play(100).digest, b.play(100).digest);
}

#[test]
fn a_rumor_spread_is_followed_with_a_worker_per_node() {
    let mut s = Harness::new(EngineKind::Gossip, 4, 8, Hosting::PerNode);
    s.play(100);
    let f = s.send(UiCommand::Client {
        node: 2,
        words: "event deploy v1".into(),
    });
    let spread = f.spread.expect("a rumor starts a spread chart");
    assert!(matches!(
        spread.focus,
        quorate_view::spread::Focus::Rumor { count: 1 }
    ));
    assert!(spread.title.contains("deploy"));
    let f = s.play(300);
    let last = f.spread.unwrap().measured.last().copied().unwrap();
    assert_eq!(last.1, 1.0, "everyone got it: {last:?}");
}

#[test]
fn a_full_speed_frame_with_a_worker_per_node_carries_the_batch_the_channel_allows() {
    let full_speed_frame = |h: &mut Harness| {
        h.send(UiCommand::SetSpeed(f64::INFINITY));
        let before = h.session.events();
        h.send(UiCommand::Advance { wall_ms: 16.0 });
        h.session.events() - before
    };
    let mut h = Harness::new(EngineKind::Raft, 3, 5, Hosting::PerNode);
    assert_eq!(full_speed_frame(&mut h), FULL_SPEED_EVENTS_PER_NODE);
    // Over shared memory a call costs what an inline step does: the frame may carry as many events.
    h.session.set_per_node_batch(FULL_SPEED_EVENTS);
    assert_eq!(full_speed_frame(&mut h), FULL_SPEED_EVENTS);
    // A new run keeps the setting.
    h.send(UiCommand::Start(RunSetup {
        engine: EngineKind::Gossip,
        seed: 4,
        nodes: 6,
        replay: Vec::new(),
        until: None,
        hosting: Hosting::PerNode,
        params: Vec::new(),
    }));
    assert_eq!(full_speed_frame(&mut h), FULL_SPEED_EVENTS);
}

/// Commands between full-speed frames find every node worker where the world is: a frame may end with
/// answers still waiting (taken past the frame's budget, or guessed well ahead), and those are used up
/// first. Small batches end a frame every few events. The run's link, replayed inline, lands on the
/// same moment with the same digest; so does the branch played again from its start with a worker per
/// node (its commands reached at their recorded moments exactly).
#[test]
fn commands_between_full_speed_frames_with_a_worker_per_node_replay_inline() {
    for engine in [EngineKind::Raft, EngineKind::Gossip] {
        for (seed, batch) in [(1, 7), (2, 13), (3, 50), (4, FULL_SPEED_EVENTS_PER_NODE)] {
            let reproduce = format!(
                "{} seed {seed}, batch {batch} (reproduce: cargo test -p quorate-worker \
                 commands_between_full_speed_frames)",
                engine.name()
            );
            let mut h = Harness::new(engine, seed, 5, Hosting::PerNode);
            h.session.set_per_node_batch(batch);
            h.send(UiCommand::SetSpeed(f64::INFINITY));
            let mut f = h.play(0);
            let frames_per_step = (FULL_SPEED_EVENTS_PER_NODE / batch).max(1) as u32;
            for (frames, command) in script(engine) {
                if matches!(command, UiCommand::Step | UiCommand::RunUntil(_)) {
                    continue;
                }
                for _ in 0..(frames / 20 + 1) * frames_per_step {
                    h.send(UiCommand::Advance { wall_ms: 16.0 });
                }
                f = h.send(command);
            }
            assert!(f.error.is_none(), "{reproduce}: {:?}", f.error);
            // Then a command after nearly every frame: pauses, resumes and client requests, the ones a
            // node worker ahead of the world would get wrong.
            let words = match engine {
                EngineKind::Raft => "propose z=3",
                _ => "event deploy v3",
            };
            for i in 0..40 {
                let node = [1, 3, 4, 5][i % 4];
                for command in [
                    UiCommand::Pause(node),
                    UiCommand::Resume(node),
                    UiCommand::Client {
                        node,
                        words: words.into(),
                    },
                ] {
                    h.send(UiCommand::Advance { wall_ms: 16.0 });
                    f = h.send(command);
                    assert!(f.error.is_none(), "{reproduce}: {:?}", f.error);
                }
            }
            let inline = |events: u64, time_us: u64| {
                let mut friend = Harness::from_setup(RunSetup {
                    engine,
                    seed,
                    nodes: 5,
                    replay: decode_log(&f.shared_log).unwrap(),
                    until: Some((events, time_us)),
                    hosting: Hosting::Inline,
                    params: Vec::new(),
                });
                friend.send(UiCommand::Refresh)
            };
            let g = inline(f.events, f.time_us);
            assert_eq!(
                (g.events, g.time_us, &g.digest),
                (f.events, f.time_us, &f.digest),
                "{reproduce}: the link replayed inline departs"
            );
            // Back to the start, and the branch again at full speed with its workers.
            h.send(UiCommand::Seek { time_us: 0 });
            let mut again = h.send(UiCommand::Refresh);
            while again.events < f.events {
                again = h.send(UiCommand::Advance { wall_ms: 16.0 });
            }
            assert!(again.error.is_none(), "{reproduce}: {:?}", again.error);
            let g = inline(again.events, again.time_us);
            assert_eq!(
                (g.events, g.time_us, &g.digest),
                (again.events, again.time_us, &again.digest),
                "{reproduce}: the branch played again with a worker per node departs from the inline \
                 replay"
            );
        }
    }
}

/// A new run with a worker per node shows its first moment before its workers have started (in a
/// browser they take a good part of a second), and no event is processed until every engine is in
/// its worker: from there the run is the one whose workers started at once, and the inline one.
#[test]
fn a_new_run_shows_its_nodes_before_their_workers_start_and_waits_for_them() {
    let (mut s, out) = Harness::with_slow_workers(EngineKind::Raft, 7, 5);
    let first = s.run(out);
    assert_eq!((s.frames, s.spawned), (1, 5));
    assert!(first.restart);
    assert!(first.hosting.per_node);
    assert_eq!(first.time_us, 0);
    assert_eq!(first.nodes.len(), 5);
    for n in &first.nodes {
        assert_eq!(n.role.as_deref(), Some("follower"), "n{} has booted", n.id);
    }
    assert_eq!(
        first.hosting.workers.len(),
        5,
        "the frame counts the workers starting"
    );
    assert!(first
        .hosting
        .workers
        .iter()
        .all(|w| w.state == WorkerState::Starting));
    // The page asks to play on: nothing moves while the workers start.
    let out = s.session.handle(UiCommand::Advance { wall_ms: 500.0 });
    s.run(out);
    assert_eq!(s.frames, 1, "no frame before the workers are ready");
    let f = s.ready();
    assert_eq!(s.frames, 3, "the workers' frame, then the advance's");
    assert!(f.time_us > 0, "the run moved on");
    assert_eq!(f.hosting.workers.len(), 5);
    assert!(f
        .hosting
        .workers
        .iter()
        .all(|w| w.state == WorkerState::Running));
    let f = s.play(190);
    assert!(leader(&f).is_some());
    for hosting in [Hosting::PerNode, Hosting::Inline] {
        let mut other = Harness::new(EngineKind::Raft, 7, 5, hosting);
        other.send(UiCommand::Advance { wall_ms: 500.0 });
        let g = other.play(190);
        assert_eq!((g.time_us, g.events), (f.time_us, f.events), "{hosting:?}");
        assert_eq!(g.digest, f.digest, "{hosting:?}");
    }
    // A seek hands the rebuilt engines to fresh workers the same way: the moment first.
    s.hold_ready = true;
    let (frames, spawned) = (s.frames, s.spawned);
    let out = s.session.handle(UiCommand::Seek { time_us: 200_000 });
    let past = s.run(out);
    assert_eq!((s.frames, s.spawned), (frames + 1, spawned + 5));
    assert_eq!(past.time_us, 200_000);
    assert!(past.restart);
    let f = s.ready();
    assert_eq!(s.frames, frames + 2);
    assert_eq!((f.time_us, &f.digest), (past.time_us, &past.digest));
    assert_eq!(
        f.nodes, past.nodes,
        "the workers show what the world showed"
    );
}

/// Dragging the scrubber sends a seek per move; those that queue while the run waits for its workers
/// are passed over but the last.
#[test]
fn seeks_queued_behind_a_seek_are_passed_over_but_the_last() {
    let mut s = Harness::new(EngineKind::Raft, 7, 5, Hosting::PerNode);
    s.play(190);
    s.hold_ready = true;
    let (frames, spawned) = (s.frames, s.spawned);
    let mut out = s.session.handle(UiCommand::Seek { time_us: 100_000 });
    for time_us in [150_000, 200_000, 250_000] {
        out.extend(s.session.handle(UiCommand::Seek { time_us }));
    }
    s.run(out);
    assert_eq!(
        s.frames,
        frames + 1,
        "the first seek's frame; the others wait"
    );
    let f = s.ready();
    assert_eq!(f.time_us, 250_000);
    assert_eq!(
        s.frames,
        frames + 4,
        "two seeks, each a frame before and after its workers"
    );
    assert_eq!(s.spawned, spawned + 10);
}

//! The simulator's promises, checked with the heartbeat engine: time order, partitions, holds,
//! crash/restart semantics, determinism and checkpoints.

use quorate_core::{Duration, NodeId, SimTime};
use quorate_demo::{Config, Heartbeat, Msg};
use quorate_sim::{
    id_set, node_ids, Latency, LinkParams, NodeState, Record, TraceMode, World, WorldCommand,
    WorldConfig,
};

type W = World<Heartbeat>;

fn world(seed: u64, nodes: u32, link: LinkParams) -> W {
    let ids = node_ids(nodes);
    World::new(WorldConfig {
        seed,
        nodes: ids.clone(),
        engine: Config::new(ids),
        network: link,
    })
}

fn jittery() -> LinkParams {
    LinkParams {
        latency: Latency::Uniform {
            min: Duration::from_millis(1),
            max: Duration::from_millis(30),
        },
        loss: 0.05,
        duplicate: 0.05,
        reorder: 0.1,
    }
}

fn n(i: u32) -> NodeId {
    NodeId(i)
}

/// (from, to) of every delivered beat.
fn deliveries(w: &W) -> Vec<(NodeId, NodeId, u64)> {
    w.records()
        .iter()
        .filter_map(|r| match &r.record {
            Record::Deliver {
                from,
                to,
                msg: Msg::Beat { n },
                ..
            } => Some((*from, *to, *n)),
            _ => None,
        })
        .collect()
}

#[test]
fn time_never_runs_backwards() {
    let mut w = world(7, 5, jittery());
    let mut last = SimTime::ZERO;
    for _ in 0..20_000 {
        assert!(w.step());
        assert!(w.now() >= last, "clock went from {last} to {}", w.now());
        last = w.now();
    }
    let mut prev = SimTime::ZERO;
    for r in w.records() {
        assert!(r.time >= prev);
        prev = r.time;
    }
}

#[test]
fn a_partition_drops_exactly_the_cross_traffic() {
    let mut w = world(1, 5, LinkParams::default());
    w.run_until(SimTime::from_millis(500));
    w.apply(WorldCommand::Partition(vec![
        id_set(&[n(1), n(2)]),
        id_set(&[n(3), n(4), n(5)]),
    ]))
    .unwrap();
    w.take_records();
    // Let messages already in flight land first, then watch a clean window.
    w.run_until(SimTime::from_millis(600));
    w.take_records();
    w.run_until(SimTime::from_millis(2_000));
    let side = |id: NodeId| id.0 <= 2;
    let mut within = 0;
    for r in w.records() {
        match &r.record {
            Record::Deliver { from, to, .. } => {
                assert_eq!(side(*from), side(*to), "cross delivery {r}");
                within += 1;
            }
            Record::Drop {
                from, to, reason, ..
            } => {
                assert_ne!(side(*from), side(*to), "same-side drop {r}");
                assert_eq!(reason.to_string(), "partition");
            }
            _ => {}
        }
    }
    assert!(within > 0);
    w.apply(WorldCommand::Heal).unwrap();
    w.take_records();
    w.run_until(SimTime::from_millis(2_500));
    assert!(
        deliveries(&w).iter().any(|(f, t, _)| side(*f) != side(*t)),
        "no cross traffic after heal"
    );
}

#[test]
fn a_one_way_partition_is_one_way() {
    let mut w = world(2, 3, LinkParams::default());
    w.apply(WorldCommand::Cut {
        from: id_set(&[n(1)]),
        to: id_set(&[n(2)]),
    })
    .unwrap();
    // The boot beats left before the cut; judge only what was sent after it.
    w.run_until(SimTime::from_millis(50));
    w.take_records();
    w.run_until(SimTime::from_secs_for_test(2));
    let d = deliveries(&w);
    assert!(
        !d.iter().any(|(f, t, _)| *f == n(1) && *t == n(2)),
        "n1 -> n2 got through"
    );
    assert!(
        d.iter().any(|(f, t, _)| *f == n(2) && *t == n(1)),
        "n2 -> n1 did not get through"
    );
    assert!(d.iter().any(|(f, t, _)| *f == n(1) && *t == n(3)));
}

#[test]
fn mending_a_cut_link_lets_it_through_and_leaves_the_others_cut() {
    let mut w = world(2, 3, LinkParams::default());
    w.apply(WorldCommand::Partition(vec![
        id_set(&[n(1)]),
        id_set(&[n(2), n(3)]),
    ]))
    .unwrap();
    w.apply(WorldCommand::Mend {
        from: n(1),
        to: n(2),
    })
    .unwrap();
    w.run_until(SimTime::from_millis(50));
    w.take_records();
    w.run_until(SimTime::from_secs_for_test(2));
    let d = deliveries(&w);
    assert!(
        d.iter().any(|(f, t, _)| *f == n(1) && *t == n(2)),
        "n1 -> n2 is still cut"
    );
    for (f, t) in [(n(2), n(1)), (n(1), n(3)), (n(3), n(1))] {
        assert!(
            !d.iter().any(|(a, b, _)| (*a, *b) == (f, t)),
            "{f} -> {t} got through"
        );
    }
}

trait Secs {
    fn from_secs_for_test(s: u64) -> SimTime;
}
impl Secs for SimTime {
    fn from_secs_for_test(s: u64) -> SimTime {
        SimTime::from_millis(s * 1000)
    }
}

#[test]
fn hold_then_release_delivers_the_held_messages_in_order() {
    // Jittery latency would reorder free-flowing beats; held ones must still come out in send order.
    let link = LinkParams {
        latency: Latency::Uniform {
            min: Duration::from_millis(1),
            max: Duration::from_millis(300),
        },
        ..Default::default()
    };
    let mut w = world(3, 2, link);
    w.apply(WorldCommand::Hold {
        from: n(1),
        to: n(2),
    })
    .unwrap();
    w.run_until(SimTime::from_millis(1_050));
    // Beat 1 left at boot, before the hold; beats 2..=11 are held.
    let from_n1: Vec<u64> = deliveries(&w)
        .iter()
        .filter(|(f, _, _)| *f == n(1))
        .map(|d| d.2)
        .collect();
    assert_eq!(from_n1, vec![1], "a held message was delivered");
    let held = w.in_flight().filter(|m| m.arrives_at.is_none()).count();
    assert_eq!(held, 10);
    w.take_records();
    w.apply(WorldCommand::Release {
        from: n(1),
        to: n(2),
    })
    .unwrap();
    w.run_until(w.now());
    let got: Vec<u64> = deliveries(&w)
        .iter()
        .filter(|(f, _, _)| *f == n(1))
        .map(|d| d.2)
        .collect();
    assert_eq!(got, (2..=11).collect::<Vec<_>>());
    assert!(
        w.apply(WorldCommand::Release {
            from: n(1),
            to: n(2)
        })
        .is_err(),
        "releasing twice is an error"
    );
}

#[test]
fn restart_keeps_durable_state_only() {
    let mut w = world(4, 3, LinkParams::default());
    w.run_until(SimTime::from_millis(1_000));
    let before = w.status(n(2)).unwrap();
    assert!(before.beats >= 10 && !before.heard.is_empty());
    w.apply(WorldCommand::Kill(n(2))).unwrap();
    assert_eq!(w.node_state(n(2)), Some(NodeState::Down));
    assert!(w.status(n(2)).is_none());
    assert_eq!(w.durable(n(2)), Some(&before.beats));
    assert!(
        w.apply(WorldCommand::Kill(n(2))).is_err(),
        "a dead node cannot be killed again"
    );
    w.run_until(SimTime::from_millis(1_500));
    w.apply(WorldCommand::Restart(n(2))).unwrap();
    let after = w.status(n(2)).unwrap();
    assert_eq!(
        after.beats,
        before.beats + 1,
        "the counter continues from durable state"
    );
    assert!(after.heard.is_empty(), "volatile state is gone");
    assert_eq!(w.generation(n(2)), Some(1));
    // Timers of the previous life never fire: exactly one tick chain runs (one beat per interval).
    w.run_until(SimTime::from_millis(2_500));
    assert_eq!(w.status(n(2)).unwrap().beats, before.beats + 11);
}

#[test]
fn pause_defers_inputs_until_resume() {
    let mut w = world(5, 3, LinkParams::default());
    w.run_until(SimTime::from_millis(300));
    w.apply(WorldCommand::Pause(n(3))).unwrap();
    let beats = w.status(n(3)).unwrap().beats;
    w.run_until(SimTime::from_millis(1_300));
    assert_eq!(
        w.status(n(3)).unwrap().beats,
        beats,
        "a paused node does nothing"
    );
    w.apply(WorldCommand::Resume(n(3))).unwrap();
    w.run_until(SimTime::from_millis(1_301));
    let heard = w.status(n(3)).unwrap().heard;
    assert!(
        heard[&n(1)] >= 12,
        "deferred beats were delivered on resume: {heard:?}"
    );
}

#[test]
fn a_slow_node_processes_inputs_late() {
    let fixed = LinkParams {
        latency: Latency::Fixed(Duration::from_millis(2)),
        ..Default::default()
    };
    let mut w = world(6, 2, fixed);
    w.apply(WorldCommand::Slow {
        node: n(2),
        delay: Duration::from_millis(40),
    })
    .unwrap();
    w.run_until(SimTime::from_millis(1_000));
    let late = w
        .records()
        .iter()
        .find(|r| matches!(r.record, Record::Deliver { to, .. } if to == n(2)))
        .unwrap();
    // The first beat left n1 at 0 ms and reached n2's queue at 2 ms; n2 handles it 40 ms later.
    assert_eq!(late.time, SimTime::from_millis(42));
    // Its own ticks are not delayed: it still beats every 100 ms, at 0, 100, ..., 1000 ms.
    assert_eq!(w.status(n(2)).unwrap().beats, 11);
}

#[test]
fn the_same_seed_gives_the_same_digest() {
    let seeds = 200;
    for seed in 0..seeds {
        let run = |seed| {
            let mut w = world(seed, 4, jittery());
            w.set_trace_mode(TraceMode::DigestOnly);
            w.schedule(
                SimTime::from_millis(300),
                WorldCommand::Kill(n(1 + (seed % 4) as u32)),
            );
            w.schedule(
                SimTime::from_millis(600),
                WorldCommand::Restart(n(1 + (seed % 4) as u32)),
            );
            w.schedule(
                SimTime::from_millis(400),
                WorldCommand::Partition(vec![id_set(&[n(1)]), id_set(&[n(2), n(3), n(4)])]),
            );
            w.schedule(SimTime::from_millis(800), WorldCommand::Heal);
            w.run_until(SimTime::from_millis(1_500));
            (w.digest(), w.events())
        };
        let (a, b) = (run(seed), run(seed));
        assert_eq!(a, b, "seed {seed} is not deterministic; reproduce: cargo test -p quorate-sim --test world the_same_seed");
    }
    let mut w1 = world(1, 4, jittery());
    let mut w2 = world(2, 4, jittery());
    w1.run_until(SimTime::from_millis(1_000));
    w2.run_until(SimTime::from_millis(1_000));
    assert_ne!(
        w1.digest(),
        w2.digest(),
        "different seeds should give different runs"
    );
}

#[test]
fn checkpoint_restore_continue_matches_an_uninterrupted_run() {
    let mut straight = world(11, 5, jittery());
    straight.run_until(SimTime::from_millis(700));
    straight.apply(WorldCommand::Kill(n(3))).unwrap();
    let saved = straight.checkpoint();
    // Serde round trip too: a checkpoint can cross a worker boundary.
    let json = serde_json::to_string(&saved).unwrap();
    straight.run_until(SimTime::from_millis(1_500));
    straight.apply(WorldCommand::Restart(n(3))).unwrap();
    straight.run_until(SimTime::from_millis(3_000));

    let mut resumed: W = serde_json::from_str(&json).unwrap();
    resumed.run_until(SimTime::from_millis(1_500));
    resumed.apply(WorldCommand::Restart(n(3))).unwrap();
    resumed.run_until(SimTime::from_millis(3_000));
    assert_eq!(straight.digest(), resumed.digest());
    assert_eq!(straight.events(), resumed.events());
}

#[test]
fn a_command_log_replays_the_run() {
    let mut original = world(12, 3, jittery());
    original.run_until(SimTime::from_millis(250));
    original.apply(WorldCommand::Kill(n(1))).unwrap();
    original.step();
    original.step();
    original.apply(WorldCommand::Restart(n(1))).unwrap();
    original.run_until(SimTime::from_millis(900));
    let mut again = world(12, 3, jittery());
    again.replay(original.command_log()).unwrap();
    again.run_until(SimTime::from_millis(900));
    assert_eq!(original.digest(), again.digest());
}

#[test]
fn rejected_commands_change_nothing() {
    let mut w = world(13, 2, LinkParams::default());
    w.run_until(SimTime::from_millis(100));
    let digest = w.digest();
    assert!(w.apply(WorldCommand::Kill(n(9))).is_err());
    assert!(w.apply(WorldCommand::Restart(n(1))).is_err());
    assert!(w.apply(WorldCommand::Resume(n(1))).is_err());
    assert!(w
        .apply(WorldCommand::Mend {
            from: n(1),
            to: n(2)
        })
        .is_err());
    let bad = LinkParams {
        loss: 1.5,
        ..Default::default()
    };
    assert!(w
        .apply(WorldCommand::SetLink {
            from: None,
            to: None,
            params: bad
        })
        .is_err());
    assert_eq!(w.digest(), digest);
    assert!(w.command_log().is_empty());
}

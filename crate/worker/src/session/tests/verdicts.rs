//! The verdicts panel's checks in the session: a clean run stays green whatever the hosting, and a
//! serializable read from a partitioned old leader, after the majority committed a newer write, turns
//! the linearizability check red at that read's answer, which a seek lands on.

use quorate_view::verdicts::{CheckState, ReadKind, VerdictsView};

use super::*;

const REPRODUCE: &str = "cargo test -p quorate-worker session::tests::verdicts";

fn client(node: u32, words: &str) -> UiCommand {
    UiCommand::Client {
        node,
        words: words.to_string(),
    }
}

fn verdicts(f: &Frame) -> &VerdictsView {
    f.verdicts.as_ref().expect("a kv run carries verdicts")
}

fn states(f: &Frame) -> Vec<(String, CheckState)> {
    verdicts(f)
        .checks
        .iter()
        .map(|c| (c.name.clone(), c.state))
        .collect()
}

fn all_hold(f: &Frame) -> bool {
    verdicts(f)
        .checks
        .iter()
        .all(|c| c.state == CheckState::Holds)
}

/// Plays 160 ms frames (speed 10) until `until` holds, at most `limit` frames.
fn play_until(h: &mut Harness, limit: u32, what: &str, until: impl Fn(&Frame) -> bool) -> Frame {
    for _ in 0..limit {
        let f = h.send(UiCommand::Advance { wall_ms: 16.0 });
        if until(&f) {
            return f;
        }
    }
    panic!("{what} did not happen within {limit} frames (reproduce: {REPRODUCE})");
}

fn leader_in(f: &Frame, among: &[u32]) -> Option<u32> {
    f.nodes
        .iter()
        .filter(|n| among.contains(&n.id))
        .filter(|n| n.role.as_deref() == Some("leader"))
        .max_by_key(|n| detail(f, n.id, "term").parse::<u64>().unwrap_or(0))
        .map(|n| n.id)
}

fn answered(f: &Frame) -> bool {
    verdicts(f).requests.iter().all(|r| r.answer.is_some())
}

/// A put, a cas, linearizable reads at the leader and a follower, and a serializable read once all
/// is applied: every check holds, each answer has its revision, and both hostings agree.
#[test]
fn a_clean_run_stays_green_with_a_worker_per_node_and_inline() {
    for seed in 1..=4 {
        let mut last: Option<VerdictsView> = None;
        for hosting in [Hosting::Inline, Hosting::PerNode] {
            println!("seed {seed} {hosting:?} (reproduce: {REPRODUCE})");
            let mut h = Harness::new(EngineKind::Kv, seed, 5, hosting);
            h.send(UiCommand::SetSpeed(10.0));
            let f = play_until(&mut h, 40, "an election", |f| leader(f).is_some());
            assert!(all_hold(&f), "seed {seed}: {:?}", states(&f));
            let l = leader(&f).unwrap();
            let follower = if l == 1 { 2 } else { 1 };
            h.send(client(l, "put x 1"));
            play_until(&mut h, 20, "the put's answer", answered);
            h.send(client(follower, "cas x 1 2"));
            play_until(&mut h, 20, "the cas's answer", answered);
            h.send(client(l, "get x"));
            play_until(&mut h, 20, "the leader's read", answered);
            h.send(client(follower, "get x"));
            // Long enough for every node to apply the cas.
            let f = play_until(&mut h, 20, "the follower's read", answered);
            h.send(client(follower, "get x serializable"));
            let f2 = h.send(UiCommand::Advance { wall_ms: 16.0 });
            let v = verdicts(&f2);
            assert!(all_hold(&f2), "seed {seed}: {:?}", v.checks);
            let texts: Vec<(u64, String, Option<ReadKind>, u64, String)> = v
                .requests
                .iter()
                .map(|r| {
                    let a = r.answer.as_ref().expect("answered");
                    (r.tag, r.request.clone(), r.read, a.revision, a.text.clone())
                })
                .collect();
            assert_eq!(texts.len(), 5, "seed {seed}: {texts:?}");
            assert_eq!(texts[0].1, "put x 1");
            assert_eq!(texts[0].4, "ok");
            assert_eq!(texts[1].4, "swapped");
            assert_eq!(texts[2].2, Some(ReadKind::Linearizable));
            assert_eq!(texts[2].4, "x = 2");
            assert_eq!(texts[3].4, "x = 2");
            assert_eq!(texts[4].2, Some(ReadKind::Serializable));
            assert_eq!(texts[4].4, "x = 2");
            // The store starts at revision 1; the put and the cas each add one.
            assert_eq!(texts[2].3, 3, "seed {seed}: {texts:?}");
            assert!(f.time_us > 0);
            // The verdicts do not depend on where the engines run.
            if let Some(previous) = &last {
                assert_eq!(previous, v, "seed {seed}: per-node vs inline verdicts");
            }
            last = Some(v.clone());
        }
    }
}

/// The client form's try-lock: the first owner takes the key, a second finds it busy and cannot free
/// it, its holder frees it, then the second takes it. Each answer says so and the history, checked
/// with locks as compare-and-swaps on the key's presence, stays linearizable.
#[test]
fn a_lock_is_held_by_one_owner_at_a_time() {
    for seed in 1..=3 {
        println!("seed {seed} (reproduce: {REPRODUCE})");
        let mut h = Harness::new(EngineKind::Kv, seed, 3, Hosting::Inline);
        h.send(UiCommand::SetSpeed(10.0));
        let f = play_until(&mut h, 40, "an election", |f| leader(f).is_some());
        let l = leader(&f).unwrap();
        let follower = if l == 1 { 2 } else { 1 };
        for (node, words) in [
            (l, "lock m alice"),
            (follower, "lock m bob"),
            (follower, "unlock m bob"),
            (l, "unlock m alice"),
            (follower, "lock m bob"),
            (l, "get m"),
        ] {
            h.send(client(node, words));
            play_until(&mut h, 20, words, answered);
        }
        let f = h.send(UiCommand::Advance { wall_ms: 16.0 });
        let v = verdicts(&f);
        assert!(all_hold(&f), "seed {seed}: {:?}", v.checks);
        let seen: Vec<(String, String)> = v
            .requests
            .iter()
            .map(|r| (r.request.clone(), r.answer.as_ref().unwrap().text.clone()))
            .collect();
        let expected = [
            ("lock m alice", "locked"),
            ("lock m bob", "busy: m = alice"),
            ("unlock m bob", "not the holder: m = alice"),
            ("unlock m alice", "unlocked"),
            ("lock m bob", "locked"),
            ("get m", "m = bob"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(seen, expected, "seed {seed}");
        let linear = v.checks.last().unwrap();
        assert!(
            linear.detail.starts_with("6 "),
            "seed {seed}: {}",
            linear.detail
        );
    }
}

/// The stale read: the old leader and one follower are cut off; the majority elects a new leader
/// and commits x=2; the old leader serves `get x serializable` from its own store: x=1. The check
/// turns red at that answer, names it, and seeking there shows it (a moment before, still green).
#[test]
fn a_stale_serializable_read_turns_linearizability_red_at_its_answer() {
    for seed in [3, 8, 21] {
        for hosting in [Hosting::Inline, Hosting::PerNode] {
            println!("seed {seed} {hosting:?} (reproduce: {REPRODUCE})");
            let mut h = Harness::new(EngineKind::Kv, seed, 5, hosting);
            h.send(UiCommand::SetSpeed(10.0));
            let f = play_until(&mut h, 40, "an election", |f| leader(f).is_some());
            let old = leader(&f).unwrap();
            h.send(client(old, "put x 1"));
            // Every node applies x=1 (a few heartbeats).
            play_until(&mut h, 20, "the put's answer", answered);
            for _ in 0..3 {
                h.send(UiCommand::Advance { wall_ms: 16.0 });
            }
            let minority = vec![old, if old == 1 { 2 } else { 1 }];
            let majority: Vec<u32> = (1..=5).filter(|n| !minority.contains(n)).collect();
            h.send(UiCommand::Partition(vec![
                minority.clone(),
                majority.clone(),
            ]));
            // A linearizable read at the old leader cannot confirm leadership: it stays unanswered.
            h.send(client(old, "get x"));
            let f = play_until(&mut h, 60, "a new leader in the majority", |f| {
                leader_in(f, &majority).is_some()
            });
            let new = leader_in(&f, &majority).unwrap();
            h.send(client(new, "put x 2"));
            let f = play_until(&mut h, 30, "the majority's put", |f| {
                verdicts(f).requests[2].answer.is_some()
            });
            assert!(all_hold(&f), "seed {seed}: {:?}", states(&f));
            assert!(verdicts(&f).requests[1].answer.is_none());
            h.send(client(old, "get x serializable"));
            let f = h.send(UiCommand::Advance { wall_ms: 16.0 });
            let v = verdicts(&f);
            let read = &v.requests[3];
            assert_eq!(read.read, Some(ReadKind::Serializable));
            let answer = read
                .answer
                .as_ref()
                .expect("a serializable read answers at once");
            assert_eq!(answer.text, "x = 1", "seed {seed}");
            let broken = v.violation().expect("the stale read is not linearizable");
            assert!(broken.name.starts_with("Linearizability"));
            assert!(
                broken.detail.contains("get x") && broken.detail.contains("serializable"),
                "{}",
                broken.detail
            );
            assert_eq!(broken.at_us, Some(answer.at_us), "seed {seed}");
            assert_eq!(
                v.offender,
                Some(read.tag),
                "seed {seed}: the stale read is named"
            );
            // The Raft invariants still hold: the stale read breaks no log property.
            assert!(v
                .checks
                .iter()
                .filter(|c| !c.name.starts_with("Linearizability"))
                .all(|c| c.state == CheckState::Holds));
            let at = answer.at_us;
            let f = h.send(UiCommand::Seek { time_us: at - 1 });
            assert!(
                all_hold(&f),
                "seed {seed}: just before the read: {:?}",
                states(&f)
            );
            let f = h.send(UiCommand::Seek { time_us: at });
            assert_eq!(f.time_us, at);
            assert_eq!(
                verdicts(&f).violation().and_then(|c| c.at_us),
                Some(at),
                "seed {seed}: the jump lands on the violation"
            );
        }
    }
}

/// Words the engine does not take are refused with the word named, and change nothing.
#[test]
fn a_bad_request_names_the_word_and_is_not_logged() {
    let mut h = Harness::new(EngineKind::Kv, 2, 3, Hosting::Inline);
    let f = h.send(client(1, "put x"));
    assert!(
        f.error.as_deref().unwrap_or("").contains("value"),
        "{:?}",
        f.error
    );
    assert!(verdicts(&f).requests.is_empty());
    assert!(f.shared_log.is_empty());
}

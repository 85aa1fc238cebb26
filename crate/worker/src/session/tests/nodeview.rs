//! What a frame tells about one node: Raft's log marks and follower table, and the automata of roles
//! and member states with the cause of each transition.

use super::*;

/// Every (node, transition) an automaton of the frame shows, about `subject`.
fn transitions(f: &Frame, subject: Option<u32>) -> Vec<(u32, String, String, String)> {
    f.nodes
        .iter()
        .flat_map(|n| {
            n.automata
                .iter()
                .filter(|a| a.subject == subject)
                .filter_map(move |a| a.last.as_ref().map(|t| (n.id, t)))
        })
        .map(|(id, t)| {
            let from = t.from.clone().unwrap_or_default();
            (id, from, t.to.clone(), t.cause.clone())
        })
        .collect()
}

#[test]
fn raft_frames_carry_the_log_marks_the_followers_and_why_each_role_changed() {
    let mut s = session(EngineKind::Raft, 5);
    s.send(UiCommand::RunUntil(Milestone::Commit));
    let f = s.play(20);
    let l = leader(&f).expect("a leader");
    let node = f.node(l).unwrap();
    let marks = node.log_marks.expect("log marks");
    assert!(marks.commit >= 1 && marks.applied <= marks.commit && marks.commit <= marks.last);
    assert_eq!(node.followers.len(), 4, "{:?}", node.followers);
    assert!(node.followers.iter().all(|p| p.next > p.matched));
    assert!(transitions(&f, None).contains(&(
        l,
        "candidate".into(),
        "leader".into(),
        "votes won".into()
    )));
    // Kill the leader and step one event at a time: a follower's timer runs out, it polls (PreVote is
    // on), campaigns, and wins.
    s.send(UiCommand::Kill(l));
    let mut seen = Vec::new();
    for _ in 0..20_000 {
        let f = s.send(UiCommand::Step);
        for t in transitions(&f, None) {
            if !seen.contains(&t) {
                seen.push(t);
            }
        }
        if leader(&f).is_some() {
            break;
        }
    }
    let took = |from: &str, to: &str, cause: &str| {
        seen.iter()
            .any(|(_, f, t, c)| f == from && t == to && c == cause)
    };
    assert!(
        took("follower", "pre-candidate", "election timeout"),
        "{seen:?}"
    );
    assert!(
        took("pre-candidate", "candidate", "pre-votes won"),
        "{seen:?}"
    );
    assert!(took("candidate", "leader", "votes won"), "{seen:?}");
}

#[test]
fn gossip_frames_show_each_peer_turning_suspect_then_dead_with_the_news_that_moved_it() {
    let mut s = session(EngineKind::Gossip, 5);
    s.send(UiCommand::SetSpeed(10.0));
    s.play(20);
    s.send(UiCommand::Kill(3));
    let mut seen = Vec::new();
    for _ in 0..400 {
        let f = s.send(UiCommand::Advance { wall_ms: 16.0 });
        for t in transitions(&f, Some(3)) {
            if !seen.contains(&t) {
                seen.push(t);
            }
        }
        let dead = f.nodes.iter().filter(|n| n.id != 3).all(|n| {
            n.automata
                .iter()
                .any(|a| a.subject == Some(3) && a.state == "dead")
        });
        if dead {
            break;
        }
    }
    assert!(
        seen.iter().any(|(_, from, to, cause)| from == "alive"
            && to == "suspect"
            && cause.starts_with("suspect from n")),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|(_, from, to, cause)| from == "suspect"
            && to == "dead"
            && cause.starts_with("dead")),
        "{seen:?}"
    );
    let f = s.send(UiCommand::Refresh);
    let n1 = f.node(1).unwrap();
    assert_eq!(n1.automata.len(), 4, "n1 sees the four others");
}

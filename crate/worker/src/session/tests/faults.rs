//! Network faults in the session: one-way and two-way cuts, link settings and slow nodes in the frame,
//! bad ones refused, and a partitioned minority that cannot commit.

use super::*;

/// A one-way cut of leader -> follower: the follower hears nothing, times out and tries to campaign,
/// while what it sends still arrives. With PreVote (the default) its pre-votes fail, because the
/// others still hear the leader: the leader and its term stay. Mended, it follows the leader again.
#[test]
fn a_one_way_cut_from_the_leader_isolates_one_follower() {
    for seed in 1..=10 {
        let reproduce = format!(
            "seed {seed} (reproduce: cargo test -p quorate-worker a_one_way_cut_from_the_leader)"
        );
        let mut h = Harness::new(EngineKind::Raft, seed, 5, Hosting::Inline);
        let f = h.play(200);
        let l = leader(&f).unwrap_or_else(|| panic!("no leader, {reproduce}"));
        let term = detail(&f, l, "term");
        let follower = if l == 1 { 2 } else { 1 };
        let f = h.send(UiCommand::Cut {
            from: l,
            to: follower,
        });
        assert!(f.network.cut.contains(&(l, follower)), "{reproduce}");
        assert!(!f.network.cut.contains(&(follower, l)), "{reproduce}");
        let mut campaigned = false;
        for _ in 0..40 {
            let f = h.play(5);
            campaigned |= detail(&f, follower, "role") != "follower";
        }
        let f = h.play(0);
        assert!(campaigned, "n{follower} never left follower, {reproduce}");
        assert_eq!(leader(&f), Some(l), "{reproduce}");
        assert_eq!(detail(&f, l, "term"), term, "{reproduce}");
        let f = h.send(UiCommand::Mend {
            from: l,
            to: follower,
        });
        assert!(f.network.cut.is_empty(), "{reproduce}");
        let f = h.play(60);
        assert_eq!(detail(&f, follower, "role"), "follower", "{reproduce}");
        assert_eq!(
            detail(&f, follower, "leader"),
            format!("n{l}"),
            "{reproduce}"
        );
    }
}

#[test]
fn network_faults_are_in_the_frame_and_bad_ones_are_refused() {
    let mut h = session(EngineKind::Raft, 5);
    h.play(10);
    let f = h.send(UiCommand::Partition(vec![vec![1], vec![2]]));
    assert_eq!(f.network.cut, vec![(1, 2), (2, 1)]);
    let link = LinkSetting {
        loss_pct: 100,
        min_ms: 30,
        max_ms: 60,
    };
    let f = h.send(UiCommand::SetLink {
        from: Some(3),
        to: Some(4),
        link,
    });
    assert_eq!(f.error, None);
    assert_eq!(f.network.links.len(), 1);
    let (a, b, l) = f.network.links[0];
    assert_eq!(
        (a, b, l.loss_pct, l.min_ms, l.max_ms),
        (3, 4, 100.0, 30.0, 60.0)
    );
    let f = h.send(UiCommand::Slow {
        node: 5,
        delay_ms: 200,
    });
    assert_eq!(f.network.slow, vec![(5, 200.0)]);
    let commands = f.shared_log.split(';').count();
    for bad in [
        UiCommand::Mend { from: 3, to: 4 },
        UiCommand::Cut { from: 1, to: 9 },
        UiCommand::Slow {
            node: 9,
            delay_ms: 1,
        },
        UiCommand::SetLink {
            from: None,
            to: None,
            link: LinkSetting {
                loss_pct: 101,
                ..link
            },
        },
    ] {
        let f = h.send(bad.clone());
        assert!(f.error.is_some(), "{bad:?} was accepted");
        assert_eq!(
            f.shared_log.split(';').count(),
            commands,
            "{bad:?} was logged"
        );
    }
    // Every link at once drops the per-link settings.
    let f = h.send(UiCommand::SetLink {
        from: None,
        to: None,
        link: LinkSetting {
            loss_pct: 10,
            ..link
        },
    });
    assert!(f.network.links.is_empty());
    assert_eq!(f.network.default_link.unwrap().loss_pct, 10.0);
}

#[test]
fn a_partitioned_minority_cannot_commit_and_catches_up_after_heal() {
    let mut s = session(EngineKind::Raft, 5);
    let f = s.play(190);
    let leader = leader(&f).unwrap();
    let others: Vec<u32> = (1..=5).filter(|&i| i != leader).collect();
    let minority = vec![leader, others[0]];
    let majority: Vec<u32> = others[1..].to_vec();
    s.send(UiCommand::Partition(vec![
        minority.clone(),
        majority.clone(),
    ]));
    let f = s.send(UiCommand::Client {
        node: leader,
        words: "propose lost=1".into(),
    });
    assert!(f.error.is_none(), "{:?}", f.error);
    let commit = |f: &Frame, id: u32| -> u64 { detail(f, id, "commit").parse().unwrap() };
    let f = s.play(400);
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
    s.send(UiCommand::Client {
        node: new_leader.unwrap().id,
        words: "propose kept=1".into(),
    });
    let f = s.play(100);
    assert!(commit(&f, majority[0]) > old_commit, "the majority commits");
    assert_eq!(
        commit(&f, leader),
        old_commit,
        "the old leader's proposal does not commit"
    );
    s.send(UiCommand::Heal);
    let f = s.play(300);
    assert_eq!(
        commit(&f, leader),
        commit(&f, majority[0]),
        "the minority catches up after heal"
    );
}

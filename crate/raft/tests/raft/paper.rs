//! Conformance with the Raft paper, one test per behaviour named in etcd-io/raft's raft_paper_test.go.
//! Each drives engines directly (driver.rs) and reads the effects as a transcript; PreVote and
//! CheckQuorum are off, as in the paper.

use std::collections::{BTreeMap, BTreeSet};

use quorate_core::{Duration, Engine, Input, NodeId, NodeRng, Outbox, SimTime};
use quorate_raft::{Durable, Msg, Raft, RoleKind, Timer};

use crate::driver::*;

/// Puts node 1 of a 3-node cluster into `role` at term 1.
fn in_role(role: RoleKind) -> Driver {
    let mut d = Driver::new(3, |_| {});
    match role {
        RoleKind::Follower => d
            .step(
                n(1),
                Input::Message {
                    from: n(2),
                    msg: heartbeat(1, 0),
                },
            )
            .unwrap(),
        RoleKind::Candidate => d.timeout(n(1)),
        RoleKind::Leader => d.elect(n(1)),
        RoleKind::PreCandidate => unreachable!(),
    }
    d.take_sent();
    assert_eq!((d.status(n(1)).role, d.status(n(1)).term), (role, 1));
    d
}

fn heartbeat(term: u64, commit: u64) -> Msg {
    Msg::Heartbeat {
        term,
        commit,
        ctx: None,
    }
}

fn app(
    term: u64,
    index: u64,
    log_term: u64,
    entries: Vec<quorate_raft::Entry>,
    commit: u64,
) -> Msg {
    Msg::App {
        term,
        index,
        log_term,
        entries,
        commit,
    }
}

fn update_term_from_message(role: RoleKind) {
    let mut d = in_role(role);
    d.step(
        n(1),
        Input::Message {
            from: n(2),
            msg: app(2, 0, 0, vec![], 0),
        },
    )
    .unwrap();
    let s = d.status(n(1));
    assert_eq!(
        (s.role, s.term, s.leader),
        (RoleKind::Follower, 2, Some(n(2)))
    );
    assert!(d
        .transcript()
        .contains("persist hardstate term=2 vote=- commit="));
}

#[test]
fn follower_update_term_from_message() {
    update_term_from_message(RoleKind::Follower);
}

#[test]
fn candidate_update_term_from_message() {
    update_term_from_message(RoleKind::Candidate);
}

#[test]
fn leader_update_term_from_message() {
    update_term_from_message(RoleKind::Leader);
}

/// §5.1: a request with a stale term is rejected (here: ignored, with nothing sent and nothing changed).
#[test]
fn reject_stale_term_message() {
    let mut d = Driver::with_logs(
        paper_config(&[n(1), n(2), n(3)]),
        BTreeMap::from([(n(1), durable(2, vec![]))]),
        1,
    );
    d.transcript();
    let before = d.status(n(1));
    d.step(
        n(1),
        Input::Message {
            from: n(2),
            msg: app(1, 0, 0, vec![], 0),
        },
    )
    .unwrap();
    assert_eq!(
        d.transcript(),
        "n2->n1 MsgApp term=1 idx=0 logterm=0 entries=0 commit=0"
    );
    assert_eq!(d.status(n(1)), before);
}

#[test]
fn start_as_follower() {
    let d = Driver::new(3, |_| {});
    for s in d.nodes.values().map(quorate_core::Engine::status) {
        assert_eq!((s.role, s.term, s.leader), (RoleKind::Follower, 0, None));
        assert!(s.election_deadline.is_some());
    }
}

/// §5.2: a leader sends periodic heartbeats to all followers.
#[test]
fn leader_bcast_beat() {
    let mut d = in_role(RoleKind::Leader);
    d.transcript();
    d.heartbeat(n(1));
    assert_eq!(
        d.transcript(),
        "n1 timer heartbeat\n  send n2 MsgHeartbeat term=1 commit=1\n  send n3 MsgHeartbeat term=1 commit=1"
    );
}

fn start_election(role: RoleKind) {
    let mut d = Driver::new(3, |_| {});
    if role == RoleKind::Candidate {
        d.timeout(n(1));
        d.take_sent();
    }
    d.transcript();
    d.timeout(n(1));
    let term = if role == RoleKind::Candidate { 2 } else { 1 };
    let expected = format!(
        "n1 timer election\n  persist hardstate term={term} vote=n1 commit=0\n  emit became candidate term={term}\n  \
         send n2 MsgVote term={term} last=0@0\n  send n3 MsgVote term={term} last=0@0"
    );
    assert_eq!(d.transcript(), expected);
    let s = d.status(n(1));
    assert_eq!(
        (s.role, s.term, s.vote),
        (RoleKind::Candidate, term, Some(n(1)))
    );
}

/// §5.2: a follower whose election timeout elapses increments its term, votes for itself and asks all.
#[test]
fn follower_start_election() {
    start_election(RoleKind::Follower);
}

/// §5.2: a candidate whose election timeout elapses starts a new election in a new term.
#[test]
fn candidate_start_new_election() {
    start_election(RoleKind::Candidate);
}

/// §5.2: the outcome of one round of RequestVote for each vote pattern.
#[test]
fn leader_election_in_one_round_rpc() {
    // (cluster size, granted by, rejected by, expected role)
    let cases: &[(u32, &[u32], &[u32], RoleKind)] = &[
        (1, &[], &[], RoleKind::Leader),
        (3, &[2, 3], &[], RoleKind::Leader),
        (3, &[2], &[], RoleKind::Leader),
        (5, &[2, 3, 4, 5], &[], RoleKind::Leader),
        (5, &[2, 3, 4], &[], RoleKind::Leader),
        (5, &[2, 3], &[], RoleKind::Leader),
        (3, &[], &[2, 3], RoleKind::Follower),
        (5, &[], &[2, 3, 4, 5], RoleKind::Follower),
        (5, &[2], &[3, 4, 5], RoleKind::Follower),
        (3, &[], &[], RoleKind::Candidate),
        (5, &[2], &[], RoleKind::Candidate),
        (5, &[2], &[3], RoleKind::Candidate),
    ];
    for (size, grants, rejects, want) in cases {
        let mut d = Driver::new(*size, |_| {});
        d.timeout(n(1));
        d.take_sent();
        for g in *grants {
            d.step(
                n(1),
                Input::Message {
                    from: n(*g),
                    msg: Msg::VoteResp {
                        term: 1,
                        reject: false,
                    },
                },
            )
            .unwrap();
        }
        for r in *rejects {
            d.step(
                n(1),
                Input::Message {
                    from: n(*r),
                    msg: Msg::VoteResp {
                        term: 1,
                        reject: true,
                    },
                },
            )
            .unwrap();
        }
        assert_eq!(
            d.status(n(1)).role,
            *want,
            "size {size} grants {grants:?} rejects {rejects:?}"
        );
    }
}

/// §5.2: at most one vote per term, first come first served.
#[test]
fn follower_vote() {
    // (already voted for, candidate, rejected?)
    let cases = [
        (None, 2, false),
        (None, 3, false),
        (Some(2), 2, false),
        (Some(3), 3, false),
        (Some(2), 3, true),
        (Some(3), 2, true),
    ];
    for (voted, cand, reject) in cases {
        let dur = Durable {
            term: 1,
            vote: voted.map(n),
            ..Durable::default()
        };
        let mut d = Driver::with_logs(
            paper_config(&[n(1), n(2), n(3)]),
            BTreeMap::from([(n(1), dur)]),
            1,
        );
        d.step(
            n(1),
            Input::Message {
                from: n(cand),
                msg: Msg::Vote {
                    term: 1,
                    last_index: 0,
                    last_term: 0,
                    transfer: false,
                },
            },
        )
        .unwrap();
        let sent = d.take_sent();
        assert_eq!(
            sent,
            vec![(n(1), n(cand), Msg::VoteResp { term: 1, reject })],
            "voted {voted:?} cand {cand}"
        );
    }
}

/// §5.2: a candidate that hears from a leader of its term or a newer one returns to follower.
#[test]
fn candidate_fallback() {
    for term in [1, 2] {
        let mut d = in_role(RoleKind::Candidate);
        d.step(
            n(1),
            Input::Message {
                from: n(2),
                msg: app(term, 0, 0, vec![], 0),
            },
        )
        .unwrap();
        let s = d.status(n(1));
        assert_eq!(
            (s.role, s.term, s.leader),
            (RoleKind::Follower, term, Some(n(2)))
        );
    }
}

/// Collects the election timeouts a node draws: each reset draws a fresh one in [150ms, 300ms].
fn drawn_timeouts(as_candidate: bool) -> Vec<u64> {
    let cfg = paper_config(&[n(1), n(2), n(3)]);
    let mut raft = Raft::boot(n(1), &cfg, None, NodeRng::for_node(99, n(1), 0));
    let mut out = Outbox::new();
    let mut now = SimTime::ZERO;
    raft.step(now, Input::Start, &mut out).unwrap();
    let mut seen = Vec::new();
    for _ in 0..400 {
        let deadline = raft.status().election_deadline.unwrap();
        seen.push(deadline.since(now).as_micros() / 1000);
        if as_candidate {
            // Time out again as a candidate.
            now = deadline;
            let timer = out
                .drain()
                .filter_map(|e| match e {
                    quorate_core::Effect::SetTimer {
                        timer: t @ Timer::Election { .. },
                        ..
                    } => Some(t),
                    _ => None,
                })
                .next_back();
            if let Some(t) = timer {
                raft.step(now, Input::Timer(t), &mut out).unwrap();
                assert_eq!(raft.status().role, RoleKind::Candidate);
            }
        } else {
            // A leader's heartbeat resets the follower's timer.
            now += Duration::from_millis(10);
            let term = raft.status().term.max(1);
            raft.step(
                now,
                Input::Message {
                    from: n(2),
                    msg: heartbeat(term, 0),
                },
                &mut out,
            )
            .unwrap();
            out.drain().for_each(drop);
        }
    }
    seen
}

fn assert_spread(timeouts: &[u64]) {
    assert!(
        timeouts.iter().all(|t| (150..=300).contains(t)),
        "{timeouts:?}"
    );
    let distinct: BTreeSet<u64> = timeouts.iter().copied().collect();
    // 151 possible whole milliseconds; 400 draws should hit most of them.
    assert!(
        distinct.len() > 100,
        "only {} distinct timeouts",
        distinct.len()
    );
}

#[test]
fn follower_election_timeout_randomized() {
    assert_spread(&drawn_timeouts(false));
}

#[test]
fn candidate_election_timeout_randomized() {
    assert_spread(&drawn_timeouts(true));
}

/// In most rounds only one node times out first: the two earliest deadlines are at least 1 ms apart.
fn timeouts_nonconflict(as_candidate: bool) {
    let ids: Vec<NodeId> = (1..=5).map(NodeId).collect();
    let cfg = paper_config(&ids);
    let rounds = 1000;
    let mut conflicts = 0;
    for round in 0..rounds {
        let mut deadlines: Vec<u64> = ids
            .iter()
            .map(|id| {
                let mut raft = Raft::boot(*id, &cfg, None, NodeRng::for_node(round, *id, 0));
                let mut out = Outbox::new();
                raft.step(SimTime::ZERO, Input::Start, &mut out).unwrap();
                if as_candidate {
                    raft.step(
                        SimTime::ZERO,
                        Input::Command(quorate_raft::Command::Campaign),
                        &mut out,
                    )
                    .unwrap();
                }
                raft.status().election_deadline.unwrap().as_micros()
            })
            .collect();
        deadlines.sort_unstable();
        if deadlines[1] - deadlines[0] < 1000 {
            conflicts += 1;
        }
    }
    let ratio = f64::from(conflicts) / rounds as f64;
    assert!(ratio < 0.15, "conflict ratio {ratio}");
}

#[test]
fn followers_election_timeout_nonconflict() {
    timeouts_nonconflict(false);
}

#[test]
fn candidates_election_timeout_nonconflict() {
    timeouts_nonconflict(true);
}

/// §5.3: the leader appends a proposal to its log (durably) and sends it to every follower.
#[test]
fn leader_start_replication() {
    let mut d = in_role(RoleKind::Leader);
    d.deliver(); // the no-op
    d.transcript();
    d.propose(n(1), "x=1");
    assert_eq!(
        d.transcript(),
        "n1 cmd propose \"x=1\"\n  persist append from=2 entries=[2@1 \"x=1\"]\n  \
         send n2 MsgApp term=1 idx=1 logterm=1 entries=[2@1 \"x=1\"] commit=1\n  \
         send n3 MsgApp term=1 idx=1 logterm=1 entries=[2@1 \"x=1\"] commit=1"
    );
}

/// §5.3: once a majority has the entry the leader commits it and tells followers the new commit index.
#[test]
fn leader_commit_entry() {
    let mut d = in_role(RoleKind::Leader);
    d.deliver();
    d.propose(n(1), "x=1");
    d.deliver();
    assert_eq!(d.status(n(1)).commit, 2);
    let t = d.transcript();
    assert!(
        t.contains("n2->n1 MsgAppResp term=1 idx=2\n  emit committed idx=2"),
        "{t}"
    );
    assert!(
        t.contains("send n2 MsgApp term=1 idx=2 logterm=1 entries=0 commit=2"),
        "{t}"
    );
    assert_eq!(d.status(n(2)).commit, 2);
    assert!(t.contains("n1->n2 MsgApp term=1 idx=2 logterm=1 entries=0 commit=2\n  emit committed idx=2\n  send n1 MsgAppResp term=1 idx=2\n  emit applied 2@1 \"x=1\""), "{t}");
}

/// §5.3: the entry commits exactly when a majority (the leader included) has acknowledged it.
#[test]
fn leader_acknowledge_commit() {
    let cases: &[(u32, &[u32], bool)] = &[
        (1, &[], true),
        (3, &[], false),
        (3, &[2], true),
        (3, &[2, 3], true),
        (5, &[], false),
        (5, &[2], false),
        (5, &[2, 3], true),
        (5, &[2, 3, 4, 5], true),
    ];
    for (size, ackers, committed) in cases {
        let mut d = Driver::new(*size, |_| {});
        d.elect(n(1));
        d.propose(n(1), "x");
        let sent = d.take_sent();
        for (from, to, msg) in sent {
            if ackers.contains(&to.0) {
                d.step(to, Input::Message { from, msg }).unwrap();
            }
        }
        // Deliver only the acknowledgements.
        d.deliver_where(|_, to, _| to == n(1));
        assert_eq!(
            d.status(n(1)).commit == 2,
            *committed,
            "size {size} ackers {ackers:?}"
        );
    }
}

/// §5.3: committing an entry commits every entry before it, including those of earlier leaders.
#[test]
fn leader_commit_preceding_entries() {
    for prior in [vec![], vec![2], vec![1, 1], vec![1, 2]] {
        let mut durables: BTreeMap<NodeId, Durable> = BTreeMap::new();
        for id in 1..=3 {
            durables.insert(n(id), durable(2, log_of(&prior)));
        }
        let mut d = Driver::with_logs(paper_config(&[n(1), n(2), n(3)]), durables, 3);
        d.elect(n(1));
        d.propose(n(1), "some data");
        d.deliver();
        let last = prior.len() as u64 + 2;
        assert_eq!(d.status(n(1)).commit, last, "prior {prior:?}");
        assert_eq!(d.status(n(1)).applied, last);
    }
}

/// §5.3: a follower applies entries up to the leader's commit index, in order.
#[test]
fn follower_commit_entry() {
    let mut d = Driver::new(3, |_| {});
    d.step(
        n(1),
        Input::Message {
            from: n(2),
            msg: app(1, 0, 0, log_of(&[1, 1]), 1),
        },
    )
    .unwrap();
    assert_eq!(d.status(n(1)).commit, 1);
    d.step(
        n(1),
        Input::Message {
            from: n(2),
            msg: heartbeat(1, 2),
        },
    )
    .unwrap();
    assert_eq!(d.status(n(1)).commit, 2);
    let t = d.transcript();
    let first = t.find("applied 1@1").unwrap();
    let second = t.find("applied 2@1").unwrap();
    assert!(first < second, "{t}");
}

/// §5.3: a follower rejects an append whose preceding entry it lacks, with a hint for the leader.
#[test]
fn follower_check_msg_app() {
    // The follower has [1@1, 2@2]. (prev index, prev term, expected response)
    let cases = [
        (0, 0, "MsgAppResp term=2 idx=0"),
        (1, 1, "MsgAppResp term=2 idx=1"),
        (2, 2, "MsgAppResp term=2 idx=2"),
        (2, 1, "MsgAppResp term=2 idx=2 reject hint=1@1"),
        (3, 3, "MsgAppResp term=2 idx=3 reject hint=2@2"),
    ];
    for (index, log_term, want) in cases {
        let mut d = Driver::with_logs(
            paper_config(&[n(1), n(2), n(3)]),
            BTreeMap::from([(n(1), durable(2, log_of(&[1, 2])))]),
            1,
        );
        d.step(
            n(1),
            Input::Message {
                from: n(2),
                msg: app(2, index, log_term, vec![], 0),
            },
        )
        .unwrap();
        let sent = d.take_sent();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].2.to_string(), want, "prev {index}@{log_term}");
    }
}

/// §5.3: a follower deletes a conflicting suffix and appends the leader's entries, durably first.
#[test]
fn follower_append_entries() {
    // (prev index, prev term, new entries as (index, term), resulting terms)
    type Case<'a> = (u64, u64, &'a [(u64, u64)], &'a [u64]);
    let cases: &[Case] = &[
        (2, 2, &[(3, 3)], &[1, 2, 3]),
        (1, 1, &[(2, 3), (3, 4)], &[1, 3, 4]),
        (0, 0, &[(1, 1)], &[1, 2]),
        (0, 0, &[(1, 3)], &[3]),
    ];
    for (index, log_term, ents, want) in cases {
        let mut d = Driver::with_logs(
            paper_config(&[n(1), n(2), n(3)]),
            BTreeMap::from([(n(1), durable(2, log_of(&[1, 2])))]),
            1,
        );
        let entries = ents.iter().map(|(i, t)| ent(*i, *t)).collect();
        d.step(
            n(1),
            Input::Message {
                from: n(2),
                msg: app(4, *index, *log_term, entries, 0),
            },
        )
        .unwrap();
        assert_eq!(
            d.log_terms(n(1)),
            want.to_vec(),
            "case {index}@{log_term} {ents:?}"
        );
        // The durable log agrees with the in-memory one.
        let durable_terms: Vec<u64> = d.durable[&n(1)].entries.iter().map(|e| e.term).collect();
        assert_eq!(durable_terms, want.to_vec());
    }
}

/// §5.3, Figure 7: whatever a follower's log looks like, the leader brings it in line with its own.
#[test]
fn leader_sync_follower_log() {
    let leader = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
    let followers: [&[u64]; 6] = [
        &[1, 1, 1, 4, 4, 5, 5, 6, 6],
        &[1, 1, 1, 4],
        &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
        &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
        &[1, 1, 1, 4, 4, 4, 4],
        &[1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
    ];
    for follower in followers {
        let ids = [n(1), n(2), n(3)];
        let durables = BTreeMap::from([
            (n(1), durable(8, log_of(&leader))),
            (n(2), durable(8, log_of(follower))),
            // A voter that helps n1 win term 9 without touching n2.
            (n(3), durable(8, log_of(&leader))),
        ]);
        let mut d = Driver::with_logs(paper_config(&ids), durables, 5);
        d.cut.insert((n(1), n(2)));
        d.elect(n(1));
        assert_eq!(d.status(n(1)).role, RoleKind::Leader);
        d.heal();
        d.heartbeat(n(1));
        d.deliver();
        let mut want = leader.to_vec();
        want.push(9);
        assert_eq!(d.log_terms(n(2)), want, "follower {follower:?}");
        assert_eq!(d.status(n(2)).log, d.status(n(1)).log);
    }
}

/// §5.2/5.4.1: a vote request carries the candidate's last log index and term.
#[test]
fn vote_request() {
    let mut d = Driver::with_logs(
        paper_config(&[n(1), n(2), n(3)]),
        BTreeMap::from([(n(1), durable(3, log_of(&[1, 2, 3])))]),
        1,
    );
    d.transcript();
    d.timeout(n(1));
    let sent: Vec<String> = d
        .take_sent()
        .iter()
        .map(|(_, to, m)| format!("{to} {m}"))
        .collect();
    assert_eq!(
        sent,
        ["n2 MsgVote term=4 last=3@3", "n3 MsgVote term=4 last=3@3"]
    );
}

/// §5.4.1: a voter grants only to a candidate whose log is at least as up-to-date as its own.
#[test]
fn voter() {
    // voter log terms, candidate last (index, term), reject?
    let cases: &[(&[u64], u64, u64, bool)] = &[
        (&[1], 1, 1, false),
        (&[1], 2, 1, false),
        (&[1, 1], 1, 1, true),
        (&[1], 1, 2, false),
        (&[1], 3, 2, false),
        (&[1, 1], 1, 2, false),
        (&[2], 1, 1, true),
        (&[2], 2, 1, true),
        (&[2, 1], 1, 1, true),
    ];
    for (log, li, lt, reject) in cases {
        let mut d = Driver::with_logs(
            paper_config(&[n(1), n(2), n(3)]),
            BTreeMap::from([(n(1), durable(2, log_of(log)))]),
            1,
        );
        d.step(
            n(1),
            Input::Message {
                from: n(2),
                msg: Msg::Vote {
                    term: 3,
                    last_index: *li,
                    last_term: *lt,
                    transfer: false,
                },
            },
        )
        .unwrap();
        let sent = d.take_sent();
        assert_eq!(
            sent,
            vec![(
                n(1),
                n(2),
                Msg::VoteResp {
                    term: 3,
                    reject: *reject
                }
            )],
            "log {log:?} last {li}@{lt}"
        );
    }
}

/// §5.4.2: a leader commits by counting only entries of its own term; older ones commit along with them.
#[test]
fn leader_only_commits_log_from_current_term() {
    // The leader has [1@1, 2@2] from earlier terms and is elected in term 3.
    for (acked, want_commit) in [(1, 0), (2, 0), (3, 3)] {
        let ids = [n(1), n(2), n(3)];
        let durables = BTreeMap::from([
            (n(1), durable(2, log_of(&[1, 2]))),
            (n(2), durable(2, vec![])),
            (n(3), durable(2, vec![])),
        ]);
        let mut d = Driver::with_logs(paper_config(&ids), durables, 2);
        d.timeout(n(1));
        d.deliver_where(|_, _, m| matches!(m, Msg::Vote { .. } | Msg::VoteResp { .. }));
        assert_eq!(d.status(n(1)).role, RoleKind::Leader);
        assert_eq!(d.status(n(1)).term, 3);
        d.take_sent();
        d.step(
            n(1),
            Input::Message {
                from: n(2),
                msg: Msg::AppResp {
                    term: 3,
                    index: acked,
                    reject: false,
                    hint_index: 0,
                    hint_term: 0,
                },
            },
        )
        .unwrap();
        assert_eq!(d.status(n(1)).commit, want_commit, "acked {acked}");
    }
}

/// Figure 2: a vote request from an older term is refused, and the reply carries the current term so the
/// candidate catches up (etcd drops it silently; replying avoids a membership-change deadlock).
#[test]
fn reject_stale_vote_with_current_term() {
    let mut d = Driver::with_logs(
        paper_config(&[n(1), n(2), n(3)]),
        BTreeMap::from([(n(1), durable(5, vec![]))]),
        1,
    );
    d.transcript();
    let vote = Msg::Vote {
        term: 3,
        last_index: 9,
        last_term: 3,
        transfer: false,
    };
    d.step(
        n(1),
        Input::Message {
            from: n(2),
            msg: vote,
        },
    )
    .unwrap();
    assert_eq!(
        d.transcript(),
        "n2->n1 MsgVote term=3 last=9@3\n  send n2 MsgVoteResp term=5 reject"
    );
}

/// Errors report, and a refused command changes nothing: same status, no effects.
#[test]
fn refused_commands_change_nothing() {
    use quorate_raft::{Command, ConfChange, ConfStep, Error};
    let mut d = Driver::new(3, |_| {});
    let before = d.status(n(2));
    let propose = Command::Propose {
        session: None,
        payload: b"x".to_vec(),
    };
    assert_eq!(
        d.command(n(2), propose),
        Err(Error::NotLeader { leader: None })
    );
    assert_eq!(d.status(n(2)), before);
    assert!(d.take_sent().is_empty());

    d.elect(n(1));
    d.propose(n(1), "x");
    let add = |id| {
        Command::ChangeConf(ConfChange {
            steps: vec![ConfStep::AddVoter(n(id))],
        })
    };
    d.command(n(1), add(4)).unwrap();
    let before = d.status(n(1));
    // The first change is not applied yet (nothing delivered): a second one must wait.
    assert_eq!(d.command(n(1), add(5)), Err(Error::ConfChangePending));
    assert_eq!(
        d.command(n(1), Command::TransferLeader { to: n(9) }),
        Err(Error::UnknownNode(n(9)))
    );
    assert_eq!(d.status(n(1)), before);
}

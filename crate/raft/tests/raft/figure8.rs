//! The Raft paper's Figure 8, played message by message on five nodes, with the safety checker watching.
//!
//! With `unsafe_commit_previous_term` on, n1 (leader of term 3) commits 2@1, an entry of term 1, by
//! counting replicas; n5 then wins term 4 without it and overwrites it: the checker reports Leader
//! Completeness (and then State Machine Safety) at index 2. With the switch off, the same script commits
//! nothing of term 1 by counting, and the checker stays silent.

use quorate_check::raft::Invariant;
use quorate_raft::{Msg, RoleKind};

use crate::driver::*;

fn figure8(unsafe_switch: bool) -> Driver {
    let mut d = Driver::new(5, |cfg| {
        cfg.unsafe_commit_previous_term = unsafe_switch;
        // One entry per MsgApp, so that the old entry can travel without the leader's no-op (Figure 8 (c)).
        cfg.max_entries_per_msg = 1;
    });
    // (a) n1 leads term 1 and replicates 2@1 to n2 only.
    d.elect(n(1));
    d.heartbeat(n(1));
    d.deliver();
    d.propose(n(1), "a");
    d.deliver_where(|from, to, _| !(from == n(1) && to.0 >= 3));
    assert_eq!(d.log_terms(n(2)), [1, 1]);
    // (b) n1 crashes; n5 wins term 2 with n3 and n4 and appends 2@2, which reaches no one.
    d.kill(n(1));
    d.timeout(n(5));
    d.deliver_where(|from, _, m| !(from == n(5) && matches!(m, Msg::App { .. })));
    assert_eq!(d.status(n(5)).role, RoleKind::Leader);
    assert_eq!(d.log_terms(n(5)), [1, 2]);
    // (c) n5 crashes; n1 restarts and wins term 3 (after losing term 2, where n3 and n4 had voted).
    d.kill(n(5));
    d.restart(n(1));
    for _ in 0..2 {
        if d.status(n(1)).role != RoleKind::Leader {
            d.timeout(n(1));
            d.deliver_where(|_, _, m| !matches!(m, Msg::App { .. }));
        }
    }
    assert_eq!(
        (d.status(n(1)).role, d.status(n(1)).term),
        (RoleKind::Leader, 3)
    );
    // n1 replicates 2@1 to n3 and n4, but its term-3 no-op reaches only n2: n3 and n4 see it only in
    // probes they must reject (they lack index 2 then).
    let keep = |d: &Driver, _, to: quorate_core::NodeId, m: &Msg| match m {
        Msg::App { entries, .. } if entries.iter().any(|e| e.term == 3) => {
            to == n(2) || d.log_terms(to).len() < 2
        }
        _ => true,
    };
    d.deliver_with(keep);
    d.heartbeat(n(1));
    d.deliver_with(keep);
    assert_eq!(d.log_terms(n(3)), [1, 1]);
    assert_eq!(d.log_terms(n(4)), [1, 1]);
    // (d) n1 crashes; n5 restarts and wins term 4 with n3 and n4: their last term (1) is older than 2.
    d.kill(n(1));
    d.restart(n(5));
    for _ in 0..2 {
        if d.status(n(5)).role != RoleKind::Leader {
            d.timeout(n(5));
            d.deliver_where(|_, _, m| !matches!(m, Msg::App { .. }));
        }
    }
    assert_eq!(
        (d.status(n(5)).role, d.status(n(5)).term),
        (RoleKind::Leader, 4)
    );
    // n5 replicates its log.
    d.deliver();
    d.heartbeat(n(5));
    d.deliver();
    d
}

#[test]
fn figure8_unsafe_commit_is_caught_at_index_2() {
    let d = figure8(true);
    let found = d.checker.violations();
    assert!(!found.is_empty(), "the checker missed the Figure 8 bug");
    for v in found {
        println!("{v}");
    }
    let first = &found[0];
    assert!(
        matches!(
            first.invariant,
            Invariant::LeaderCompleteness | Invariant::StateMachineSafety
        ),
        "first violation: {first}"
    );
    assert_eq!(first.index, Some(2), "first violation: {first}");
    assert!(first.nodes.contains(&n(5)), "first violation: {first}");
}

#[test]
fn figure8_safe_rule_commits_nothing_old_and_checker_is_silent() {
    let d = figure8(false);
    if let Some(v) = d.checker.violations().first() {
        panic!("unexpected violation: {v}");
    }
    // n1 never committed 2@1 by counting, so n5 overwriting it was legal.
    assert_eq!(d.log_terms(n(2))[..2], [1, 2]);
}

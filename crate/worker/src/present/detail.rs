//! The node detail views' data: a Raft node's log grid and followers, and the automata with the
//! transition each took last (its cause recorded by the engine).

use quorate_view::{AutomatonView, FollowerView, LogCell, LogMarks, TransitionView, MAX_LOG_CELLS};

/// The words the role automaton uses.
pub fn role_name(role: quorate_raft::RoleKind) -> &'static str {
    use quorate_raft::RoleKind;
    match role {
        RoleKind::Follower => "follower",
        RoleKind::PreCandidate => "pre-candidate",
        RoleKind::Candidate => "candidate",
        RoleKind::Leader => "leader",
    }
}

/// The tail of a Raft log (at most `MAX_LOG_CELLS` entries) and its boundaries.
pub fn raft_log(s: &quorate_raft::Status) -> (Vec<LogCell>, LogMarks) {
    let skip = s.log.len().saturating_sub(MAX_LOG_CELLS);
    let cells = s.log[skip..]
        .iter()
        .map(|e| LogCell {
            index: e.index,
            term: e.term,
            committed: e.index <= s.commit,
            label: e.data.to_string(),
        })
        .collect();
    let marks = LogMarks {
        snapshot_index: s.snapshot_index,
        snapshot_term: s.snapshot_term,
        commit: s.commit,
        applied: s.applied,
        last: s.log.last().map_or(s.snapshot_index, |e| e.index),
    };
    (cells, marks)
}

/// A leader's progress per follower (empty on other roles).
pub fn raft_followers(s: &quorate_raft::Status) -> Vec<FollowerView> {
    use quorate_raft::ProgressState;
    s.progress
        .iter()
        .map(|p| FollowerView {
            id: p.id.0,
            matched: p.matched,
            next: p.next,
            state: match p.state {
                ProgressState::Probe => "probe",
                ProgressState::Replicate => "replicate",
                ProgressState::Snapshot { .. } => "snapshot",
            }
            .to_string(),
        })
        .collect()
}

/// The node's role automaton with its last transition.
pub fn raft_automaton(s: &quorate_raft::Status) -> AutomatonView {
    AutomatonView {
        subject: None,
        state: role_name(s.role).to_string(),
        last: s.last_change.map(|c| TransitionView {
            from: Some(role_name(c.from).to_string()),
            to: role_name(c.to).to_string(),
            cause: c.cause.to_string(),
            at_us: c.at.as_micros(),
        }),
    }
}

/// This node's view of every other member, each with the last change it remembers.
pub fn gossip_automata(s: &quorate_gossip::Status) -> Vec<AutomatonView> {
    s.members
        .iter()
        .filter(|m| m.node != s.node)
        .map(|m| AutomatonView {
            subject: Some(m.node.0),
            state: m.state.to_string(),
            last: s
                .changes
                .iter()
                .find(|c| c.node == m.node)
                .map(|c| TransitionView {
                    from: c.from.map(|f| f.to_string()),
                    to: c.to.to_string(),
                    cause: c.cause.to_string(),
                    at_us: c.at.as_micros(),
                }),
        })
        .collect()
}

//! The one-line text forms of the engine's vocabulary: what traces, transcripts and the UI's event log show.
//! Kept short and stable; tests compare them verbatim.

use std::fmt;

use quorate_core::NodeId;

use crate::msg::{
    Command, ConfChange, ConfStep, Dropped, Entry, EntryData, Event, Msg, Persist, RoleKind, Timer,
};

fn describe_payload(f: &mut fmt::Formatter<'_>, payload: &[u8]) -> fmt::Result {
    let text = String::from_utf8_lossy(payload);
    if text.chars().count() > 24 {
        let short: String = text.chars().take(24).collect();
        write!(f, "{short:?}…")
    } else {
        write!(f, "{text:?}")
    }
}

impl fmt::Display for ConfStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfStep::AddVoter(id) => write!(f, "+{id}"),
            ConfStep::AddLearner(id) => write!(f, "+{id}(learner)"),
            ConfStep::Remove(id) => write!(f, "-{id}"),
        }
    }
}

impl fmt::Display for ConfChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.steps.is_empty() {
            return write!(f, "leave-joint");
        }
        for (i, s) in self.steps.iter().enumerate() {
            if i > 0 {
                write!(f, ",")?;
            }
            write!(f, "{s}")?;
        }
        Ok(())
    }
}

impl fmt::Display for EntryData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryData::Noop => write!(f, "noop"),
            EntryData::Normal { session, payload } => {
                if let Some(s) = session {
                    write!(f, "c{}#{} ", s.client, s.seq)?;
                }
                describe_payload(f, payload)
            }
            EntryData::Conf(cc) => write!(f, "conf {cc}"),
        }
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{} {}", self.index, self.term, self.data)
    }
}

fn describe_entries(f: &mut fmt::Formatter<'_>, entries: &[Entry]) -> fmt::Result {
    match entries {
        [] => write!(f, "entries=0"),
        [one] => write!(f, "entries=[{one}]"),
        [first, .., last] => {
            write!(
                f,
                "entries={} ({}@{}..{}@{})",
                entries.len(),
                first.index,
                first.term,
                last.index,
                last.term
            )
        }
    }
}

fn opt_id(id: &Option<NodeId>) -> String {
    id.map_or_else(|| "-".to_string(), |i| i.to_string())
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Vote {
                term,
                last_index,
                last_term,
                transfer,
            } => {
                write!(f, "MsgVote term={term} last={last_index}@{last_term}")?;
                if *transfer {
                    write!(f, " transfer")?;
                }
                Ok(())
            }
            Msg::VoteResp { term, reject } => {
                write!(
                    f,
                    "MsgVoteResp term={term} {}",
                    if *reject { "reject" } else { "grant" }
                )
            }
            Msg::PreVote {
                term,
                last_index,
                last_term,
            } => {
                write!(f, "MsgPreVote term={term} last={last_index}@{last_term}")
            }
            Msg::PreVoteResp { term, reject } => {
                write!(
                    f,
                    "MsgPreVoteResp term={term} {}",
                    if *reject { "reject" } else { "grant" }
                )
            }
            Msg::App {
                term,
                index,
                log_term,
                entries,
                commit,
            } => {
                write!(f, "MsgApp term={term} idx={index} logterm={log_term} ")?;
                describe_entries(f, entries)?;
                write!(f, " commit={commit}")
            }
            Msg::AppResp {
                term,
                index,
                reject,
                hint_index,
                hint_term,
            } => {
                if *reject {
                    write!(
                        f,
                        "MsgAppResp term={term} idx={index} reject hint={hint_index}@{hint_term}"
                    )
                } else {
                    write!(f, "MsgAppResp term={term} idx={index}")
                }
            }
            Msg::Heartbeat { term, commit, ctx } => {
                write!(f, "MsgHeartbeat term={term} commit={commit}")?;
                if let Some(c) = ctx {
                    write!(f, " ctx={c}")?;
                }
                Ok(())
            }
            Msg::HeartbeatResp { term, ctx } => {
                write!(f, "MsgHeartbeatResp term={term}")?;
                if let Some(c) = ctx {
                    write!(f, " ctx={c}")?;
                }
                Ok(())
            }
            Msg::Snap { term, snapshot } => {
                write!(
                    f,
                    "MsgSnap term={term} snap={}@{}",
                    snapshot.index, snapshot.term
                )
            }
            Msg::TimeoutNow { term } => write!(f, "MsgTimeoutNow term={term}"),
            Msg::Prop { term, data } => write!(f, "MsgProp term={term} {data}"),
            Msg::ReadIndex { term, id } => write!(f, "MsgReadIndex term={term} id={id}"),
            Msg::ReadIndexResp { term, id, index } => {
                write!(f, "MsgReadIndexResp term={term} id={id} idx={index}")
            }
        }
    }
}

impl fmt::Display for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timer::Election { epoch } => write!(f, "election#{}", epoch % 10_000),
            Timer::Heartbeat { epoch } => write!(f, "heartbeat#{}", epoch % 10_000),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Propose { session, payload } => {
                write!(f, "propose ")?;
                if let Some(s) = session {
                    write!(f, "c{}#{} ", s.client, s.seq)?;
                }
                describe_payload(f, payload)
            }
            Command::Campaign => write!(f, "campaign"),
            Command::TransferLeader { to } => write!(f, "transfer {to}"),
            Command::ChangeConf(cc) => write!(f, "conf {cc}"),
            Command::Read { id } => write!(f, "read id={id}"),
        }
    }
}

impl fmt::Display for RoleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RoleKind::Follower => "follower",
            RoleKind::PreCandidate => "pre-candidate",
            RoleKind::Candidate => "candidate",
            RoleKind::Leader => "leader",
        })
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::BecameFollower { term, leader } => {
                write!(f, "became follower term={term} leader={}", opt_id(leader))
            }
            Event::BecamePreCandidate { term } => write!(f, "became pre-candidate term={term}"),
            Event::BecameCandidate { term } => write!(f, "became candidate term={term}"),
            Event::BecameLeader { term } => write!(f, "became leader term={term}"),
            Event::Committed { index } => write!(f, "committed idx={index}"),
            Event::Applied {
                index,
                term,
                data,
                duplicate,
                ..
            } => {
                write!(f, "applied {index}@{term} {data}")?;
                if *duplicate {
                    write!(f, " (duplicate)")?;
                }
                Ok(())
            }
            Event::ConfApplied { conf } => write!(f, "conf {conf}"),
            Event::SnapshotRestored { index, term } => {
                write!(f, "restored snapshot {index}@{term}")
            }
            Event::Compacted { index } => write!(f, "compacted through idx={index}"),
            Event::ReadReady { id, index } => write!(f, "read id={id} ready idx={index}"),
            Event::Dropped {
                what: Dropped::Proposal,
            } => write!(f, "dropped proposal (no leader)"),
            Event::Dropped {
                what: Dropped::Read { id },
            } => write!(f, "dropped read id={id} (no leader)"),
            Event::SteppedDown { term } => write!(f, "stepped down term={term}"),
            Event::TransferAborted { to } => write!(f, "transfer to {to} aborted"),
        }
    }
}

impl fmt::Display for Persist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Persist::HardState { term, vote, commit } => {
                write!(
                    f,
                    "hardstate term={term} vote={} commit={commit}",
                    opt_id(vote)
                )
            }
            Persist::Append { from, entries } => {
                write!(f, "append from={from} ")?;
                describe_entries(f, entries)
            }
            Persist::Snapshot(s) => write!(f, "snapshot {}@{}", s.index, s.term),
        }
    }
}

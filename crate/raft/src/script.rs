//! The scenario-file words of the Raft engine: `param` keys and `client` commands.

use quorate_core::{Duration, NodeId, ScriptError, Scripted};

use crate::config::{Config, ReadMode};
use crate::msg::{Command, ConfChange, ConfStep, Session};
use crate::Raft;

const HELP: &str = "\
param voters n1,n2,n3              initial voters (default: every node of the world)
param learners n4,n5               initial learners (default: none)
param election_timeout 150ms..300ms  randomized election timeout range (drawn per timeout)
param heartbeat_interval 50ms      leader heartbeat period
param pre_vote on|off              PreVote (default on)
param check_quorum on|off          CheckQuorum and the leader lease (default on)
param read_mode read_index|lease|unsafe_local   how reads are served (default read_index)
param max_inflight 64              pipelining window, MsgApp per follower
param max_entries_per_msg 32       entries per MsgApp
param snapshot_threshold 1000      compact after this many applied entries (0: never)
param unsafe_commit_previous_term on|off   UNSAFE: the Figure 8 bug (default off)
client n1 propose <text...>        propose a command (followers forward it to the leader)
client n1 session <client> <seq> <text...>   propose within a client session (applied once)
client n1 campaign                 start an election now
client n1 transfer n2              hand leadership to n2
client n1 read <id>                linearizable read; answered by a `read id=.. ready` event
client n1 add n4                   add a voter
client n1 add-learner n4           add a learner
client n1 remove n2                remove a member
client n1 conf +n4 +n5 -n1 +n6~    several changes at once (joint consensus); `~` marks a learner
";

fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "on" | "true" | "yes" | "1" => Some(true),
        "off" | "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

fn parse_ids(v: &str) -> Option<Vec<NodeId>> {
    if v.is_empty() || v == "-" {
        return Some(Vec::new());
    }
    v.split(',').map(|s| NodeId::parse(s.trim())).collect()
}

fn parse_u64(words: &[&str], i: usize) -> Result<u64, ScriptError> {
    let w = words
        .get(i)
        .ok_or_else(|| ScriptError::new(i, "a number is missing here"))?;
    w.parse()
        .map_err(|_| ScriptError::new(i, format!("`{w}` is not a number")))
}

fn parse_node(words: &[&str], i: usize) -> Result<NodeId, ScriptError> {
    let w = words
        .get(i)
        .ok_or_else(|| ScriptError::new(i, "a node id (n1, n2, ...) is missing here"))?;
    NodeId::parse(w)
        .ok_or_else(|| ScriptError::new(i, format!("`{w}` is not a node id (n1, n2, ...)")))
}

fn payload(words: &[&str], from: usize) -> Result<Vec<u8>, ScriptError> {
    if words.len() <= from {
        return Err(ScriptError::new(from, "the command text is missing"));
    }
    Ok(words[from..].join(" ").into_bytes())
}

impl Scripted for Raft {
    const NAME: &'static str = "raft";

    fn configure(nodes: &[NodeId], params: &[(String, String)]) -> Result<Config, ScriptError> {
        let mut cfg = Config::new(nodes.iter().copied());
        let mut learners_given = false;
        for (i, (key, value)) in params.iter().enumerate() {
            let bad =
                |what: &str| ScriptError::new(i, format!("`{value}` is not {what} for `{key}`"));
            let v = value.as_str();
            match key.as_str() {
                "voters" => cfg.voters = parse_ids(v).ok_or_else(|| bad("a list of node ids"))?,
                "learners" => {
                    cfg.learners = parse_ids(v).ok_or_else(|| bad("a list of node ids"))?;
                    learners_given = true;
                }
                "election_timeout" => {
                    let (lo, hi) = v
                        .split_once("..")
                        .ok_or_else(|| bad("a range like 150ms..300ms"))?;
                    cfg.election_timeout_min =
                        Duration::parse(lo).ok_or_else(|| bad("a duration range"))?;
                    cfg.election_timeout_max =
                        Duration::parse(hi).ok_or_else(|| bad("a duration range"))?;
                }
                "election_timeout_min" => {
                    cfg.election_timeout_min =
                        Duration::parse(v).ok_or_else(|| bad("a duration"))?
                }
                "election_timeout_max" => {
                    cfg.election_timeout_max =
                        Duration::parse(v).ok_or_else(|| bad("a duration"))?
                }
                "heartbeat_interval" => {
                    cfg.heartbeat_interval = Duration::parse(v).ok_or_else(|| bad("a duration"))?
                }
                "pre_vote" => cfg.pre_vote = parse_bool(v).ok_or_else(|| bad("on or off"))?,
                "check_quorum" => {
                    cfg.check_quorum = parse_bool(v).ok_or_else(|| bad("on or off"))?
                }
                "unsafe_commit_previous_term" => {
                    cfg.unsafe_commit_previous_term =
                        parse_bool(v).ok_or_else(|| bad("on or off"))?
                }
                "read_mode" => {
                    cfg.read_mode = match v {
                        "read_index" => ReadMode::ReadIndex,
                        "lease" => ReadMode::Lease,
                        "unsafe_local" => ReadMode::UnsafeLocal,
                        _ => return Err(bad("read_index, lease or unsafe_local")),
                    }
                }
                "max_inflight" => {
                    cfg.max_inflight = v
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| bad("a positive number"))?
                }
                "max_entries_per_msg" => {
                    cfg.max_entries_per_msg = v
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| bad("a positive number"))?
                }
                "snapshot_threshold" => {
                    cfg.snapshot_threshold = v.parse().map_err(|_| bad("a number"))?
                }
                _ => {
                    return Err(ScriptError::new(
                        i,
                        format!("unknown raft parameter `{key}`"),
                    ))
                }
            }
        }
        if learners_given {
            cfg.voters.retain(|v| !cfg.learners.contains(v));
        }
        if cfg.voters.is_empty() {
            return Err(ScriptError::new(0, "the cluster needs at least one voter"));
        }
        Ok(cfg)
    }

    fn parse_command(words: &[&str]) -> Result<Command, ScriptError> {
        let Some(verb) = words.first() else {
            return Err(ScriptError::new(
                0,
                "a raft command is missing (try `propose x=1`)",
            ));
        };
        let cmd = match *verb {
            "propose" => Command::Propose {
                session: None,
                payload: payload(words, 1)?,
            },
            "session" => {
                let session = Session {
                    client: parse_u64(words, 1)?,
                    seq: parse_u64(words, 2)?,
                };
                Command::Propose {
                    session: Some(session),
                    payload: payload(words, 3)?,
                }
            }
            "campaign" => Command::Campaign,
            "transfer" => Command::TransferLeader {
                to: parse_node(words, 1)?,
            },
            "read" => Command::Read {
                id: parse_u64(words, 1)?,
            },
            "add" => Command::ChangeConf(ConfChange {
                steps: vec![ConfStep::AddVoter(parse_node(words, 1)?)],
            }),
            "add-learner" => Command::ChangeConf(ConfChange {
                steps: vec![ConfStep::AddLearner(parse_node(words, 1)?)],
            }),
            "remove" => Command::ChangeConf(ConfChange {
                steps: vec![ConfStep::Remove(parse_node(words, 1)?)],
            }),
            "conf" => {
                let mut steps = Vec::new();
                for (i, w) in words.iter().enumerate().skip(1) {
                    let bad = || ScriptError::new(i, format!("`{w}` is not +nX, +nX~ or -nX"));
                    let step = if let Some(rest) = w.strip_prefix('+') {
                        match rest.strip_suffix('~') {
                            Some(id) => ConfStep::AddLearner(NodeId::parse(id).ok_or_else(bad)?),
                            None => ConfStep::AddVoter(NodeId::parse(rest).ok_or_else(bad)?),
                        }
                    } else if let Some(rest) = w.strip_prefix('-') {
                        ConfStep::Remove(NodeId::parse(rest).ok_or_else(bad)?)
                    } else {
                        return Err(bad());
                    };
                    steps.push(step);
                }
                if steps.is_empty() {
                    return Err(ScriptError::new(1, "`conf` needs at least one change"));
                }
                Command::ChangeConf(ConfChange { steps })
            }
            other => {
                return Err(ScriptError::new(
                    0,
                    format!("unknown raft command `{other}`"),
                ))
            }
        };
        Ok(cmd)
    }

    fn script_help() -> &'static str {
        HELP
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_and_errors_point_at_the_word() {
        assert_eq!(
            Raft::parse_command(&["transfer", "n2"]).unwrap(),
            Command::TransferLeader { to: NodeId(2) }
        );
        assert_eq!(
            Raft::parse_command(&["conf", "+n4", "x"]).unwrap_err().word,
            2
        );
        assert_eq!(
            Raft::parse_command(&["session", "1", "z", "x"])
                .unwrap_err()
                .word,
            2
        );
        assert_eq!(Raft::parse_command(&["fly"]).unwrap_err().word, 0);
    }

    #[test]
    fn params_configure_and_unknown_keys_are_refused() {
        let nodes = [NodeId(1), NodeId(2), NodeId(3)];
        let p = |k: &str, v: &str| (k.to_string(), v.to_string());
        let cfg = Raft::configure(
            &nodes,
            &[p("election_timeout", "12ms..24ms"), p("pre_vote", "off")],
        )
        .unwrap();
        assert_eq!(cfg.election_timeout_min, Duration::from_millis(12));
        assert!(!cfg.pre_vote);
        assert_eq!(
            Raft::configure(&nodes, &[p("pre_vote", "on"), p("bogus", "1")])
                .unwrap_err()
                .word,
            1
        );
    }
}

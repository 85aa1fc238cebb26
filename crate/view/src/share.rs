//! The command log in a URL: `log=120.1500000.k2;400.2010000.p1-2/3-4-5;...`.
//!
//! Each entry is `<after event>.<time in µs>.<command>`, with commands written `k<n>` (kill), `r<n>`
//! (restart), `z<n>` (pause), `u<n>` (resume), `p<ids>/<ids>[/...]` (partition, ids joined by `-`), `h` (heal) and `c<n>:<words>` (a client
//! command, words joined by `+`). Since link format version 2 also `x<a>-<b>` (cut a → b one way),
//! `m<a>-<b>` (mend a → b), `l<a>-<b>,<loss %>,<min ms>,<max ms>` (a link's loss and latency; `0` for
//! a side means every node) and `s<n>,<ms>` (slow node; `0` restores). Only letters, digits and `=_-,:@` may appear in client words, so the log
//! never needs escaping and carries no markup. Decoding checks every part and names what is wrong.

use serde::{Deserialize, Serialize};

use crate::{LinkSetting, UiCommand};

/// Longest latency or slow-node delay a link carries, in milliseconds.
pub const MAX_DELAY_MS: u32 = 60_000;

/// The link format version that introduced this command (see `link.rs`).
pub(crate) fn since_version(command: &UiCommand) -> u32 {
    match command {
        UiCommand::Cut { .. }
        | UiCommand::Mend { .. }
        | UiCommand::SetLink { .. }
        | UiCommand::Slow { .. } => 2,
        _ => 1,
    }
}

/// What is wrong with a link command's numbers, if anything.
fn check_network(command: &UiCommand) -> Result<(), &'static str> {
    let node = |n: u32| (1..=crate::link::MAX_NODES).contains(&n);
    match *command {
        UiCommand::Cut { from, to } | UiCommand::Mend { from, to } => {
            if !node(from) || !node(to) {
                Err("a node must be 1 to 1000")
            } else if from == to {
                Err("a link joins a node to another, not to itself")
            } else {
                Ok(())
            }
        }
        UiCommand::SetLink { from, to, link } => {
            if !from.is_none_or(node) || !to.is_none_or(node) {
                Err("a node must be 1 to 1000 (0 for every node)")
            } else if from.is_some() && from == to {
                Err("a link joins a node to another, not to itself")
            } else if link.loss_pct > 100 {
                Err("loss is a percentage, 0 to 100")
            } else if link.min_ms > link.max_ms || link.max_ms > MAX_DELAY_MS {
                Err("latency is <min ms>,<max ms> with min <= max <= 60000")
            } else {
                Ok(())
            }
        }
        UiCommand::Slow { node: n, delay_ms } => {
            if !node(n) {
                Err("a node must be 1 to 1000")
            } else if delay_ms > MAX_DELAY_MS {
                Err("a slow node's delay is 0 to 60000 ms")
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

/// A command that changed the world, with the moment it was applied: after event number `after_event`,
/// at simulated time `at_us`. Replaying these on the same seed reproduces the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SharedCommand {
    pub after_event: u64,
    pub at_us: u64,
    pub command: UiCommand,
}

/// Longest log a URL may carry.
pub const MAX_SHARED_COMMANDS: usize = 500;

fn word_ok(word: &str) -> bool {
    !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "=_-,:@".contains(c))
}

/// Whether `command` can travel in a link (and so whether the session logs it).
pub fn shareable(command: &UiCommand) -> bool {
    match command {
        UiCommand::Kill(_)
        | UiCommand::Restart(_)
        | UiCommand::Pause(_)
        | UiCommand::Resume(_)
        | UiCommand::Heal => true,
        UiCommand::Partition(groups) => groups.len() >= 2 && groups.iter().all(|g| !g.is_empty()),
        UiCommand::Cut { .. }
        | UiCommand::Mend { .. }
        | UiCommand::SetLink { .. }
        | UiCommand::Slow { .. } => check_network(command).is_ok(),
        UiCommand::Client { words, .. } => {
            words.split_whitespace().all(word_ok) && !words.trim().is_empty()
        }
        _ => false,
    }
}

pub fn encode(log: &[SharedCommand]) -> String {
    let mut out = String::new();
    for (i, entry) in log.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out += &format!("{}.{}.", entry.after_event, entry.at_us);
        match &entry.command {
            UiCommand::Kill(n) => out += &format!("k{n}"),
            UiCommand::Restart(n) => out += &format!("r{n}"),
            UiCommand::Pause(n) => out += &format!("z{n}"),
            UiCommand::Resume(n) => out += &format!("u{n}"),
            UiCommand::Heal => out.push('h'),
            UiCommand::Partition(groups) => {
                let groups: Vec<String> = groups
                    .iter()
                    .map(|g| g.iter().map(u32::to_string).collect::<Vec<_>>().join("-"))
                    .collect();
                out += &format!("p{}", groups.join("/"));
            }
            UiCommand::Client { node, words } => {
                out += &format!(
                    "c{node}:{}",
                    words.split_whitespace().collect::<Vec<_>>().join("+")
                )
            }
            UiCommand::Cut { from, to } => out += &format!("x{from}-{to}"),
            UiCommand::Mend { from, to } => out += &format!("m{from}-{to}"),
            UiCommand::SetLink { from, to, link } => {
                out += &format!(
                    "l{}-{},{},{},{}",
                    from.unwrap_or(0),
                    to.unwrap_or(0),
                    link.loss_pct,
                    link.min_ms,
                    link.max_ms
                )
            }
            UiCommand::Slow { node, delay_ms } => out += &format!("s{node},{delay_ms}"),
            // Not shareable; `shareable` keeps them out of the log.
            _ => {}
        }
    }
    out
}

pub fn decode(text: &str) -> Result<Vec<SharedCommand>, String> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let entries: Vec<&str> = text.split(';').collect();
    if entries.len() > MAX_SHARED_COMMANDS {
        return Err(format!(
            "the link's command log has {} entries; at most {MAX_SHARED_COMMANDS} are accepted",
            entries.len()
        ));
    }
    let mut out = Vec::with_capacity(entries.len());
    let mut last = (0u64, 0u64);
    for (i, entry) in entries.iter().enumerate() {
        let bad = |what: &str| format!("command {} in the link's log: {what}", i + 1);
        let mut parts = entry.splitn(3, '.');
        let (Some(ev), Some(at), Some(cmd)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("expected <event>.<time>.<command>"));
        };
        let after_event: u64 = ev
            .parse()
            .map_err(|_| bad("the event number is not a whole number"))?;
        let at_us: u64 = at
            .parse()
            .map_err(|_| bad("the time is not a whole number of microseconds"))?;
        if (after_event, at_us) < last {
            return Err(bad("commands must be in the order they were applied"));
        }
        last = (after_event, at_us);
        let id = |s: &str| {
            s.parse::<u32>()
                .ok()
                .filter(|n| (1..=crate::link::MAX_NODES).contains(n))
                .ok_or_else(|| bad("a node must be 1 to 1000"))
        };
        let number = |s: &str, what: &str| {
            s.parse::<u32>()
                .map_err(|_| bad(&format!("{what} is not a whole number")))
        };
        let pair = |s: &str| -> Result<(u32, u32), String> {
            let (a, b) = s
                .split_once('-')
                .ok_or_else(|| bad("a link is written <node>-<node>"))?;
            Ok((number(a, "a node")?, number(b, "a node")?))
        };
        let (kind, rest) = cmd.split_at(cmd.chars().next().map_or(0, char::len_utf8));
        let command = match kind {
            "k" => UiCommand::Kill(id(rest)?),
            "r" => UiCommand::Restart(id(rest)?),
            "z" => UiCommand::Pause(id(rest)?),
            "u" => UiCommand::Resume(id(rest)?),
            "h" if rest.is_empty() => UiCommand::Heal,
            "p" => {
                let groups = rest
                    .split('/')
                    .map(|g| g.split('-').map(id).collect::<Result<Vec<_>, _>>())
                    .collect::<Result<Vec<_>, _>>()?;
                UiCommand::Partition(groups)
            }
            "c" => {
                let (node, words) = rest
                    .split_once(':')
                    .ok_or_else(|| bad("a client command is c<node>:<words>"))?;
                UiCommand::Client {
                    node: id(node)?,
                    words: words.split('+').collect::<Vec<_>>().join(" "),
                }
            }
            "x" => {
                let (from, to) = pair(rest)?;
                UiCommand::Cut { from, to }
            }
            "m" => {
                let (from, to) = pair(rest)?;
                UiCommand::Mend { from, to }
            }
            "l" => {
                let fields: Vec<&str> = rest.split(',').collect();
                let [link, loss, min, max] = fields[..] else {
                    return Err(bad(
                        "a link setting is l<node>-<node>,<loss %>,<min ms>,<max ms>",
                    ));
                };
                let (from, to) = pair(link)?;
                UiCommand::SetLink {
                    from: (from != 0).then_some(from),
                    to: (to != 0).then_some(to),
                    link: LinkSetting {
                        loss_pct: number(loss, "the loss")?,
                        min_ms: number(min, "the latency")?,
                        max_ms: number(max, "the latency")?,
                    },
                }
            }
            "s" => {
                let (node, delay) = rest
                    .split_once(',')
                    .ok_or_else(|| bad("a slow node is s<node>,<ms>"))?;
                UiCommand::Slow {
                    node: number(node, "the node")?,
                    delay_ms: number(delay, "the slow node's delay")?,
                }
            }
            _ => {
                return Err(bad(
                    "unknown command; expected k, r, z, u, p, h, c, x, m, l or s",
                ))
            }
        };
        check_network(&command).map_err(&bad)?;
        if !shareable(&command) {
            return Err(bad(
                "a client word has characters a link may not carry, or a group is empty",
            ));
        }
        out.push(SharedCommand {
            after_event,
            at_us,
            command,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_round_trips() {
        let log = vec![
            SharedCommand {
                after_event: 120,
                at_us: 1_500_000,
                command: UiCommand::Kill(2),
            },
            SharedCommand {
                after_event: 400,
                at_us: 2_010_000,
                command: UiCommand::Partition(vec![vec![1, 2], vec![3, 4, 5]]),
            },
            SharedCommand {
                after_event: 400,
                at_us: 2_010_000,
                command: UiCommand::Client {
                    node: 1,
                    words: "propose x=1".into(),
                },
            },
            SharedCommand {
                after_event: 900,
                at_us: 4_000_000,
                command: UiCommand::Heal,
            },
            SharedCommand {
                after_event: 950,
                at_us: 4_200_000,
                command: UiCommand::Restart(2),
            },
        ];
        let text = encode(&log);
        assert_eq!(text, "120.1500000.k2;400.2010000.p1-2/3-4-5;400.2010000.c1:propose+x=1;900.4000000.h;950.4200000.r2");
        assert_eq!(decode(&text).unwrap(), log);
    }

    #[test]
    fn link_commands_round_trip() {
        let at = |i: u64, command| SharedCommand {
            after_event: i,
            at_us: i * 10,
            command,
        };
        let link = LinkSetting {
            loss_pct: 30,
            min_ms: 5,
            max_ms: 40,
        };
        let log = vec![
            at(1, UiCommand::Cut { from: 1, to: 2 }),
            at(
                2,
                UiCommand::SetLink {
                    from: Some(3),
                    to: Some(1),
                    link,
                },
            ),
            at(
                3,
                UiCommand::SetLink {
                    from: None,
                    to: None,
                    link,
                },
            ),
            at(
                4,
                UiCommand::SetLink {
                    from: Some(2),
                    to: None,
                    link,
                },
            ),
            at(
                5,
                UiCommand::Slow {
                    node: 4,
                    delay_ms: 250,
                },
            ),
            at(
                6,
                UiCommand::Slow {
                    node: 4,
                    delay_ms: 0,
                },
            ),
            at(7, UiCommand::Mend { from: 1, to: 2 }),
        ];
        let text = encode(&log);
        assert_eq!(
            text,
            "1.10.x1-2;2.20.l3-1,30,5,40;3.30.l0-0,30,5,40;4.40.l2-0,30,5,40;5.50.s4,250;6.60.s4,0;7.70.m1-2"
        );
        assert_eq!(decode(&text).unwrap(), log);
    }

    #[test]
    fn bad_logs_are_rejected_with_their_place() {
        for (text, want) in [
            ("1.2", "command 1"),
            ("x.2.k1", "event number"),
            ("1.2.k1001", "1 to 1000"),
            ("5.5.k1;1.1.k2", "command 2"),
            ("1.1.c1:<script>alert(1)</script>", "characters"),
            ("1.1.q", "unknown command"),
            ("1.1.p1", "group"),
            ("1.1.x1", "<node>-<node>"),
            ("1.1.x2-2", "itself"),
            ("1.1.m1-1001", "1 to 1000"),
            ("1.1.l1-2,5,1", "link setting"),
            ("1.1.l1-2,101,1,5", "loss"),
            ("1.1.l0-0,5,9,1", "latency"),
            ("1.1.l1-2,5,1,70000", "latency"),
            ("1.1.lx-2,5,1,7", "node"),
            ("1.1.s2", "slow node"),
            ("1.1.s2,-5", "delay"),
            ("1.1.s2,60001", "60000"),
        ] {
            let err = decode(text).unwrap_err();
            assert!(err.contains(want), "{text}: {err}");
        }
        let long = vec!["1.1.h"; MAX_SHARED_COMMANDS + 1].join(";");
        assert!(decode(&long).is_err());
    }
}

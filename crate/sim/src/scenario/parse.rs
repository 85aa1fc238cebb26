//! Line-by-line parsing of the scenario format (see `docs/scenarios.md`).

use std::collections::BTreeSet;

use quorate_core::{Duration, NodeId};

use super::expect::{ExpectKind, Expectation};
use super::lex::{words, Word};
use super::{Scenario, ScenarioError, Spanned};
use crate::network::{Latency, LinkParams};
use crate::world::WorldCommand;

/// A timed action.
#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    /// Offset from the start of the run.
    pub at: Duration,
    pub kind: ActionKind,
}

pub type ActionKind = WorldCommand<ClientWords>;

/// The words after `client <node>`, kept with their columns until the engine parses them.
pub type ClientWords = Vec<Spanned<String>>;

const TOP_LEVEL: &str = "engine, nodes, seed, link, param, at, run, expect";

struct Parser {
    nodes: Option<u32>,
    /// Nodes created by `add` actions, which later actions may name.
    added: BTreeSet<NodeId>,
}

pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    let mut engine: Option<Spanned<String>> = None;
    let mut seed = None;
    let mut link = LinkParams::default();
    let mut params = Vec::new();
    let mut actions = Vec::new();
    let mut run: Option<Duration> = None;
    let mut expectations = Vec::new();
    let mut p = Parser {
        nodes: None,
        added: BTreeSet::new(),
    };

    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        let ws = words(line, line_no)?;
        let Some(head) = ws.first() else { continue };
        let err = |w: &Word, msg: String| ScenarioError::at(line_no, w.column, msg);
        let rest = &ws[1..];
        match head.text {
            "engine" => {
                let [name] = rest else {
                    return Err(arity(line_no, head, &ws, "engine <name>"));
                };
                if engine.is_some() {
                    return Err(err(head, "`engine` is given twice".into()));
                }
                engine = Some(Spanned {
                    value: name.text.to_string(),
                    line: line_no,
                    column: name.column,
                });
            }
            "nodes" => {
                let [count] = rest else {
                    return Err(arity(line_no, head, &ws, "nodes <count>"));
                };
                let n: u32 = count
                    .text
                    .parse()
                    .ok()
                    .filter(|n| (1..=100_000).contains(n))
                    .ok_or_else(|| {
                        err(
                            count,
                            format!("a node count from 1 to 100000, got `{}`", count.text),
                        )
                    })?;
                if p.nodes.is_some() {
                    return Err(err(head, "`nodes` is given twice".into()));
                }
                if !actions.is_empty() {
                    return Err(err(head, "`nodes` must come before the first `at`".into()));
                }
                p.nodes = Some(n);
            }
            "seed" => {
                let [value] = rest else {
                    return Err(arity(line_no, head, &ws, "seed <number>"));
                };
                seed = Some(value.text.parse::<u64>().map_err(|_| {
                    err(
                        value,
                        format!("a seed is a number from 0 to 2^64-1, got `{}`", value.text),
                    )
                })?);
            }
            "link" => {
                if rest.is_empty() {
                    return Err(arity(
                        line_no,
                        head,
                        &ws,
                        "link latency=<d>[..<d>] loss=<p> duplicate=<p> reorder=<p>",
                    ));
                }
                link = link_params(line_no, rest, link)?;
            }
            "param" => {
                let [key, value] = rest else {
                    return Err(arity(line_no, head, &ws, "param <key> <value>"));
                };
                params.push(Spanned {
                    value: (key.text.to_string(), value.text.to_string()),
                    line: line_no,
                    column: key.column,
                });
            }
            "at" => {
                let Some(time) = rest.first() else {
                    return Err(arity(line_no, head, &ws, "at <time> <command> ..."));
                };
                let at = duration(line_no, time)?;
                let Some(cmd) = rest.get(1) else {
                    return Err(ScenarioError::at(
                        line_no,
                        time.column + time.text.chars().count() + 1,
                        "a command must follow the time",
                    ));
                };
                let kind = p.action(line_no, cmd, &rest[2..])?;
                actions.push(Spanned {
                    value: Action { at, kind },
                    line: line_no,
                    column: cmd.column,
                });
            }
            "run" => {
                let [span] = rest else {
                    return Err(arity(line_no, head, &ws, "run <duration>"));
                };
                if run.is_some() {
                    return Err(err(head, "`run` is given twice".into()));
                }
                run = Some(duration(line_no, span)?);
            }
            "expect" => {
                let e = p.expectation(line_no, head, rest)?;
                expectations.push(Spanned {
                    value: e,
                    line: line_no,
                    column: head.column,
                });
            }
            other => {
                return Err(err(
                    head,
                    format!("unknown line `{other}`; a line starts with one of: {TOP_LEVEL}"),
                ))
            }
        }
    }
    let last = text.lines().count().max(1);
    let engine = engine.ok_or_else(|| {
        ScenarioError::at(1, 1, "missing `engine <name>` line (e.g. `engine raft`)")
    })?;
    let nodes = p
        .nodes
        .ok_or_else(|| ScenarioError::at(1, 1, "missing `nodes <count>` line"))?;
    let run = run.ok_or_else(|| {
        ScenarioError::at(
            last,
            1,
            "missing `run <duration>` line saying how long to run",
        )
    })?;
    Ok(Scenario {
        engine,
        nodes,
        seed,
        link,
        params,
        actions,
        run,
        expectations,
    })
}

fn arity(line: usize, head: &Word, ws: &[Word], usage: &str) -> ScenarioError {
    let column = ws.last().map_or(head.column, |w| w.column);
    ScenarioError::at(line, column, format!("usage: {usage}"))
}

fn duration(line: usize, w: &Word) -> Result<Duration, ScenarioError> {
    Duration::parse(w.text).ok_or_else(|| {
        ScenarioError::at(
            line,
            w.column,
            format!("a duration like 150ms, 1.5s or 20us, got `{}`", w.text),
        )
    })
}

fn probability(line: usize, column: usize, text: &str) -> Result<f64, ScenarioError> {
    text.parse::<f64>()
        .ok()
        .filter(|p| (0.0..=1.0).contains(p))
        .ok_or_else(|| {
            ScenarioError::at(
                line,
                column,
                format!("a probability from 0 to 1, got `{text}`"),
            )
        })
}

/// `latency=5ms` or `latency=1ms..20ms`, `loss=0.1`, `duplicate=0.01`, `reorder=0.05`, in any order.
fn link_params(
    line: usize,
    ws: &[Word],
    mut params: LinkParams,
) -> Result<LinkParams, ScenarioError> {
    for w in ws {
        let Some((key, value)) = w.text.split_once('=') else {
            return Err(ScenarioError::at(
                line,
                w.column,
                format!(
                    "expected key=value (latency, loss, duplicate, reorder), got `{}`",
                    w.text
                ),
            ));
        };
        let value_col = w.column + key.chars().count() + 1;
        match key {
            "latency" => {
                let bad = || {
                    ScenarioError::at(
                        line,
                        value_col,
                        format!("latency is a duration or a range like 1ms..20ms, got `{value}`"),
                    )
                };
                params.latency = match value.split_once("..") {
                    Some((lo, hi)) => {
                        let (min, max) = (
                            Duration::parse(lo).ok_or_else(bad)?,
                            Duration::parse(hi).ok_or_else(bad)?,
                        );
                        if min > max {
                            return Err(ScenarioError::at(
                                line,
                                value_col,
                                format!("the range {value} runs backwards"),
                            ));
                        }
                        Latency::Uniform { min, max }
                    }
                    None => Latency::Fixed(Duration::parse(value).ok_or_else(bad)?),
                };
            }
            "loss" => params.loss = probability(line, value_col, value)?,
            "duplicate" => params.duplicate = probability(line, value_col, value)?,
            "reorder" => params.reorder = probability(line, value_col, value)?,
            _ => {
                return Err(ScenarioError::at(
                    line,
                    w.column,
                    format!(
                        "unknown link setting `{key}` (known: latency, loss, duplicate, reorder)"
                    ),
                ))
            }
        }
    }
    Ok(params)
}

impl Parser {
    fn node(&self, line: usize, w: &Word) -> Result<NodeId, ScenarioError> {
        let Some(nodes) = self.nodes else {
            return Err(ScenarioError::at(
                line,
                w.column,
                "`nodes <count>` must come before lines that name nodes",
            ));
        };
        let id = NodeId::parse(w.text).ok_or_else(|| {
            ScenarioError::at(
                line,
                w.column,
                format!("a node is written n1, n2, ...; got `{}`", w.text),
            )
        })?;
        if super::check_node(id, nodes) || self.added.contains(&id) {
            Ok(id)
        } else {
            Err(ScenarioError::at(
                line,
                w.column,
                format!("there is no node {id}: this scenario has n1..n{nodes}"),
            ))
        }
    }

    fn node_list(&self, line: usize, ws: &[Word]) -> Result<BTreeSet<NodeId>, ScenarioError> {
        ws.iter().map(|w| self.node(line, w)).collect()
    }

    /// `a b -> c d`: two non-empty node lists around an arrow.
    fn arrow<'w>(
        &self,
        line: usize,
        cmd: &Word,
        ws: &'w [Word<'w>],
    ) -> Result<(&'w [Word<'w>], &'w [Word<'w>]), ScenarioError> {
        let Some(pos) = ws.iter().position(|w| w.text == "->") else {
            return Err(ScenarioError::at(
                line,
                cmd.column,
                format!("usage: {} <nodes> -> <nodes>", cmd.text),
            ));
        };
        let (from, to) = (&ws[..pos], &ws[pos + 1..]);
        if from.is_empty() || to.is_empty() {
            return Err(ScenarioError::at(
                line,
                ws[pos].column,
                "nodes are needed on both sides of `->`",
            ));
        }
        Ok((from, to))
    }

    fn one(
        &self,
        line: usize,
        cmd: &Word,
        ws: &[Word],
        usage: &str,
    ) -> Result<NodeId, ScenarioError> {
        match ws {
            [n] => self.node(line, n),
            _ => Err(ScenarioError::at(
                line,
                ws.get(1).map_or(cmd.column, |w| w.column),
                format!("usage: {usage}"),
            )),
        }
    }

    fn action(
        &mut self,
        line: usize,
        cmd: &Word,
        ws: &[Word],
    ) -> Result<ActionKind, ScenarioError> {
        use WorldCommand as C;
        let world = Ok;
        match cmd.text {
            "kill" => world(C::Kill(self.one(line, cmd, ws, "kill <node>")?)),
            "restart" => world(C::Restart(self.one(line, cmd, ws, "restart <node>")?)),
            "pause" => world(C::Pause(self.one(line, cmd, ws, "pause <node>")?)),
            "resume" => world(C::Resume(self.one(line, cmd, ws, "resume <node>")?)),
            "heal" => {
                if let Some(w) = ws.first() {
                    return Err(ScenarioError::at(line, w.column, "heal takes no arguments"));
                }
                world(C::Heal)
            }
            "partition" => {
                let mut groups = vec![Vec::new()];
                for w in ws {
                    if w.text == "|" {
                        groups.push(Vec::new());
                    } else if let Some(g) = groups.last_mut() {
                        g.push(w.clone());
                    }
                }
                if groups.len() < 2 || groups.iter().any(Vec::is_empty) {
                    return Err(ScenarioError::at(line, cmd.column, "usage: partition <nodes> | <nodes> [| <nodes> ...]"));
                }
                let sets = groups.iter().map(|g| self.node_list(line, g)).collect::<Result<Vec<_>, _>>()?;
                world(C::Partition(sets))
            }
            "cut" => {
                let (from, to) = self.arrow(line, cmd, ws)?;
                world(C::Cut { from: self.node_list(line, from)?, to: self.node_list(line, to)? })
            }
            "mend" => {
                let (from, to) = self.arrow(line, cmd, ws)?;
                let ([f], [t]) = (from, to) else {
                    return Err(ScenarioError::at(line, cmd.column, "usage: mend <node> -> <node>"));
                };
                world(C::Mend { from: self.node(line, f)?, to: self.node(line, t)? })
            }
            "hold" | "release" => {
                let (from, to) = self.arrow(line, cmd, ws)?;
                let ([f], [t]) = (from, to) else {
                    return Err(ScenarioError::at(line, cmd.column, format!("usage: {} <node> -> <node>", cmd.text)));
                };
                let (from, to) = (self.node(line, f)?, self.node(line, t)?);
                world(if cmd.text == "hold" { C::Hold { from, to } } else { C::Release { from, to } })
            }
            "link" => {
                let (from, rest) = self.arrow(line, cmd, ws)?;
                let [from] = from else { return Err(ScenarioError::at(line, from[0].column, "one node or * before ->")) };
                let to = &rest[0];
                let side = |w: &Word| if w.text == "*" { Ok(None) } else { self.node(line, w).map(Some) };
                let params = link_params(line, &rest[1..], LinkParams::default())?;
                world(C::SetLink { from: side(from)?, to: side(to)?, params })
            }
            "slow" => {
                let [n, d] = ws else { return Err(ScenarioError::at(line, cmd.column, "usage: slow <node> <delay>")) };
                world(C::Slow { node: self.node(line, n)?, delay: duration(line, d)? })
            }
            "add" => {
                let [w] = ws else { return Err(ScenarioError::at(line, cmd.column, "usage: add <node>")) };
                let id = NodeId::parse(w.text).ok_or_else(|| ScenarioError::at(line, w.column, format!("a node is written n1, n2, ...; got `{}`", w.text)))?;
                if self.node(line, w).is_ok() {
                    return Err(ScenarioError::at(line, w.column, format!("{id} already exists")));
                }
                self.added.insert(id);
                world(C::AddNode(id))
            }
            "client" => {
                let Some((n, words)) = ws.split_first() else {
                    return Err(ScenarioError::at(line, cmd.column, "usage: client <node> <command...>"));
                };
                let node = self.node(line, n)?;
                let words = words.iter().map(|w| Spanned { value: w.text.to_string(), line, column: w.column }).collect();
                Ok(C::Client { node, cmd: words })
            }
            other => Err(ScenarioError::at(
                line,
                cmd.column,
                format!("unknown command `{other}` (known: kill, restart, pause, resume, partition, cut, heal, hold, release, link, slow, add, client)"),
            )),
        }
    }

    /// `expect [no] event "<text>" [on <node>] [after <t>] [by <t>]`, `expect up <node>`, `expect down <node>`.
    fn expectation(
        &self,
        line: usize,
        head: &Word,
        ws: &[Word],
    ) -> Result<Expectation, ScenarioError> {
        let usage = || {
            ScenarioError::at(line, head.column, "usage: expect [no] event|trace \"<text>\" [on <node>] [after <time>] [by <time>] | expect up <node> | expect down <node>")
        };
        let (negated, ws) = match ws.first() {
            Some(w) if w.text == "no" && !w.quoted => (true, &ws[1..]),
            _ => (false, ws),
        };
        let Some(kind) = ws.first() else {
            return Err(usage());
        };
        match kind.text {
            "up" | "down" if !negated => {
                let [_, n] = ws else { return Err(usage()) };
                let node = self.node(line, n)?;
                Ok(Expectation { kind: if kind.text == "up" { ExpectKind::Up(node) } else { ExpectKind::Down(node) }, text: String::new(), node: None, after: None, by: None, negated })
            }
            "event" | "trace" => {
                let Some(text) = ws.get(1) else { return Err(usage()) };
                if !text.quoted {
                    return Err(ScenarioError::at(line, text.column, "put the event text in double quotes"));
                }
                let kind = if kind.text == "event" { ExpectKind::Event } else { ExpectKind::Trace };
                let mut e = Expectation { kind, text: text.text.to_string(), node: None, after: None, by: None, negated };
                let mut rest = ws[2..].iter();
                while let Some(key) = rest.next() {
                    let Some(value) = rest.next() else {
                        return Err(ScenarioError::at(line, key.column, format!("`{}` needs a value", key.text)));
                    };
                    match key.text {
                        "on" => e.node = Some(self.node(line, value)?),
                        "after" => e.after = Some(duration(line, value)?),
                        "by" => e.by = Some(duration(line, value)?),
                        other => return Err(ScenarioError::at(line, key.column, format!("unknown qualifier `{other}` (known: on, after, by)"))),
                    }
                }
                Ok(e)
            }
            other => Err(ScenarioError::at(line, kind.column, format!("unknown expectation `{other}` (known: event, trace, no event, no trace, up, down)"))),
        }
    }
}

//! Expectations: what a scenario says must (or must not) happen, checked while it runs.

use quorate_core::{Duration, Engine, NodeId, SimTime};
use serde::Serialize;

use super::Spanned;
use crate::trace::{Record, TraceRecord};
use crate::world::{NodeState, World};

#[derive(Clone, Debug, PartialEq)]
pub enum ExpectKind {
    /// An engine event whose text contains `text` (or, negated, none).
    Event,
    /// A trace line (any record, in its text form) that contains `text` (or, negated, none).
    Trace,
    /// The node is up at the end of the run.
    Up(NodeId),
    /// The node is down at the end of the run.
    Down(NodeId),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    pub kind: ExpectKind,
    pub text: String,
    pub node: Option<NodeId>,
    pub after: Option<Duration>,
    pub by: Option<Duration>,
    pub negated: bool,
}

/// An expectation that did not hold, with its place in the scenario file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExpectFailure {
    pub line: usize,
    pub message: String,
}

/// The running state of every expectation of a scenario.
pub struct Expectations {
    items: Vec<(Spanned<Expectation>, Option<SimTime>)>,
}

impl Expectation {
    fn window_contains(&self, t: SimTime) -> bool {
        self.after.is_none_or(|a| t >= SimTime::ZERO + a)
            && self.by.is_none_or(|b| t <= SimTime::ZERO + b)
    }

    fn describe(&self) -> String {
        let mut s = match &self.kind {
            ExpectKind::Event => format!(
                "{}event \"{}\"",
                if self.negated { "no " } else { "" },
                self.text
            ),
            ExpectKind::Trace => format!(
                "{}trace \"{}\"",
                if self.negated { "no " } else { "" },
                self.text
            ),
            ExpectKind::Up(n) => format!("{n} up at the end"),
            ExpectKind::Down(n) => format!("{n} down at the end"),
        };
        if let Some(n) = self.node {
            s += &format!(" on {n}");
        }
        if let Some(a) = self.after {
            s += &format!(" after {a}");
        }
        if let Some(b) = self.by {
            s += &format!(" by {b}");
        }
        s
    }
}

impl Expectations {
    pub fn new(list: &[Spanned<Expectation>]) -> Expectations {
        Expectations {
            items: list.iter().map(|e| (e.clone(), None)).collect(),
        }
    }

    /// Notes the first record that matches each event or trace expectation.
    pub fn observe<E: Engine>(&mut self, record: &TraceRecord<E>) {
        let emitted = match &record.record {
            Record::Emit { node, event } => Some((*node, event)),
            _ => None,
        };
        let mut event_text: Option<String> = None;
        let mut line_text: Option<String> = None;
        for (e, seen) in &mut self.items {
            let e = &e.value;
            if seen.is_some() || !e.window_contains(record.time) {
                continue;
            }
            let matched = match e.kind {
                ExpectKind::Event => match emitted {
                    Some((node, event)) if e.node.is_none_or(|n| n == node) => event_text
                        .get_or_insert_with(|| event.to_string())
                        .contains(&e.text),
                    _ => false,
                },
                ExpectKind::Trace => {
                    e.node.is_none_or(|n| record.node() == Some(n))
                        && line_text
                            .get_or_insert_with(|| record.to_string())
                            .contains(&e.text)
                }
                _ => false,
            };
            if matched {
                *seen = Some(record.time);
            }
        }
    }

    /// Checks what can only be checked at the end and lists every failure.
    pub fn finish<E: Engine>(self, world: &World<E>) -> Vec<ExpectFailure> {
        let mut failures = Vec::new();
        for (e, seen) in self.items {
            let line = e.line;
            let exp = &e.value;
            let message = match (&exp.kind, exp.negated, seen) {
                (ExpectKind::Event | ExpectKind::Trace, false, None) => Some(format!(
                    "expected {}, but it never happened",
                    exp.describe()
                )),
                (ExpectKind::Event | ExpectKind::Trace, true, Some(t)) => Some(format!(
                    "expected {}, but it happened at {t}",
                    exp.describe()
                )),
                (ExpectKind::Up(n), _, _) if world.node_state(*n) != Some(NodeState::Up) => {
                    Some(format!(
                        "expected {}, but it is {:?}",
                        exp.describe(),
                        world.node_state(*n)
                    ))
                }
                (ExpectKind::Down(n), _, _) if world.node_state(*n) != Some(NodeState::Down) => {
                    Some(format!(
                        "expected {}, but it is {:?}",
                        exp.describe(),
                        world.node_state(*n)
                    ))
                }
                _ => None,
            };
            if let Some(message) = message {
                failures.push(ExpectFailure {
                    line,
                    message: format!("line {line}: {message}"),
                });
            }
        }
        failures
    }
}

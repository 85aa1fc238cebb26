//! The scenario format: one human-readable script drives CLI runs, tests, UI presets and lessons.
//!
//! The format is documented with an example per command in `docs/scenarios.md`. Parsing is two-staged:
//! [`Scenario::parse`] checks everything that does not depend on the engine; [`Scenario::build`] hands the
//! `param` lines and `client` words to the engine ([`quorate_core::Scripted`]) and builds a [`World`].
//! Every error names a line and a column.

mod expect;
mod lex;
mod parse;

use std::fmt;

use quorate_core::{Duration, NodeId, Scripted, SimTime};
use serde::Serialize;

pub use expect::{ExpectFailure, ExpectKind, Expectation, Expectations};
/// The scenario format's word splitter, shared by formats built on it (lessons).
pub use lex::{words, Word};
pub use parse::Action;

use crate::network::LinkParams;
use crate::trace::TraceRecord;
use crate::world::{node_ids, World, WorldConfig};

/// A parse or build error, with its place in the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ScenarioError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl ScenarioError {
    pub(crate) fn at(line: usize, column: usize, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            line,
            column,
            message: message.into(),
        }
    }
}

/// A value with the place it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub line: usize,
    pub column: usize,
}

/// A parsed scenario, not yet bound to an engine.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub engine: Spanned<String>,
    pub nodes: u32,
    pub seed: Option<u64>,
    pub link: LinkParams,
    /// `param key value` lines, in file order.
    pub params: Vec<Spanned<(String, String)>>,
    /// Timed actions, in file order (the world orders them by time, ties in file order).
    pub actions: Vec<Spanned<Action>>,
    /// How long to run.
    pub run: Duration,
    pub expectations: Vec<Spanned<Expectation>>,
}

/// What a finished run reports (`quorate run --json`).
#[derive(Clone, Debug, Serialize)]
pub struct RunSummary {
    pub engine: String,
    pub seed: u64,
    pub config_hash: String,
    pub digest: String,
    pub end_time: String,
    pub end_time_us: u64,
    pub events: u64,
    pub failures: Vec<ExpectFailure>,
}

impl Scenario {
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        parse::parse(text)
    }

    /// Builds the world for engine `E` with `seed`, scheduling every action.
    pub fn build<E: Scripted>(&self, seed: u64) -> Result<World<E>, ScenarioError> {
        if self.engine.value != E::NAME {
            return Err(ScenarioError::at(
                self.engine.line,
                self.engine.column,
                format!(
                    "this scenario is for engine `{}`, not `{}`",
                    self.engine.value,
                    E::NAME
                ),
            ));
        }
        let ids = node_ids(self.nodes);
        let params: Vec<(String, String)> = self.params.iter().map(|p| p.value.clone()).collect();
        let config = E::configure(&ids, &params).map_err(|e| {
            let p = self.params.get(e.word);
            ScenarioError::at(
                p.map_or(self.engine.line, |p| p.line),
                p.map_or(1, |p| p.column),
                e.message,
            )
        })?;
        let mut world = World::new(WorldConfig {
            seed,
            nodes: ids,
            engine: config,
            network: self.link,
        });
        for action in &self.actions {
            let command = action.value.kind.clone().try_map_client(|words| {
                let refs: Vec<&str> = words.iter().map(|w| w.value.as_str()).collect();
                E::parse_command(&refs).map_err(|e| {
                    let w = words.get(e.word).or(words.last());
                    ScenarioError::at(
                        action.line,
                        w.map_or(action.column, |w| w.column),
                        e.message,
                    )
                })
            })?;
            world.schedule(SimTime::ZERO + action.value.at, command);
        }
        Ok(world)
    }

    /// Builds and runs the scenario to its end, handing every trace record (with the world, for its header
    /// and state) to `on_record` and checking the expectations. The world is returned for callers that want its final state.
    pub fn run<E: Scripted>(
        &self,
        seed: u64,
        mut on_record: impl FnMut(&World<E>, &TraceRecord<E>),
    ) -> Result<(RunSummary, World<E>), ScenarioError> {
        let mut world = self.build::<E>(seed)?;
        let mut checks = Expectations::new(&self.expectations);
        let end = SimTime::ZERO + self.run;
        // Drain records as we go so a long run does not hold its whole trace in memory.
        loop {
            let more = world.next_event_time().is_some_and(|t| t <= end);
            for record in world.take_records() {
                checks.observe(&record);
                on_record(&world, &record);
            }
            if !more {
                break;
            }
            // A batch of events at a time keeps the per-record overhead low.
            for _ in 0..1024 {
                if world.next_event_time().is_none_or(|t| t > end) {
                    break;
                }
                world.step();
            }
        }
        world.run_until(end);
        let failures = checks.finish(&world);
        let summary = RunSummary {
            engine: E::NAME.to_string(),
            seed,
            config_hash: format!("{:016x}", world.config_hash()),
            digest: world.digest().to_string(),
            end_time: world.now().to_string(),
            end_time_us: world.now().as_micros(),
            events: world.events(),
            failures,
        };
        Ok((summary, world))
    }
}

impl fmt::Display for Spanned<String> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

/// Node ids a scenario may name, for error messages.
pub(crate) fn check_node(id: NodeId, nodes: u32) -> bool {
    id.0 >= 1 && id.0 <= nodes
}

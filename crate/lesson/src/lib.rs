//! Lessons: narrated, step-by-step scenarios (docs/lessons.md).
//!
//! A lesson is a scenario file (docs/scenarios.md) with narration lines: `title`, then steps, each opened
//! by `step "<title>" until <time>` and told by `say` and `look` lines, and a closing `try` line. The
//! scenario's `at` and `expect` lines sit inside the step that narrates them. [`Lesson::parse`] reads the
//! file (every error names a line and a column); [`LessonRun`] plays it on the deterministic world one
//! step at a time and checks each step's expectations within that step, so a lesson is also a test: its
//! story holds, step by step, or the run says which step stopped being true.
//!
//! No IO here: the CLI reads the files, and the page can hand the same text to the same parser.
//!
//! ```
//! use quorate_lesson::Lesson;
//! let text = "\
//! title \"Beats\"
//! engine demo
//! nodes 2
//! seed 1
//! step \"n1 beats\" until 1s
//! say \"Every node sends a heartbeat to the others.\"
//! look n1 messages
//! expect trace \"n1->n2 recv beat\"
//! try \"Kill n2 and watch n1 keep beating into the void.\"
//! ";
//! let lesson = Lesson::parse(text).unwrap();
//! assert_eq!(lesson.steps.len(), 1);
//! let report = quorate_lesson::check::<quorate_demo::Heartbeat>(&lesson, None).unwrap();
//! assert!(report.iter().all(|s| s.failures.is_empty()));
//! ```

mod lex;
mod parse;
mod run;

use quorate_core::{Duration, NodeId};
use quorate_sim::scenario::{Expectation, Scenario, ScenarioError, Spanned};
use serde::Serialize;

pub use run::{check, LessonRun, StepReport};

/// Parts of the page a `look` line may point at, alone (`look log`) or on one node (`look n1:log`).
/// The page maps each name to what it highlights; a name the page does not draw yet highlights nothing.
pub const ELEMENTS: &[&str] = &[
    // Both protocols.
    "messages",
    "events",
    "network",
    "timeline",
    "role",
    // Raft.
    "term",
    "timer",
    "votes",
    "log",
    "commit",
    "progress",
    "reads",
    "kv",
    "config",
    "snapshot",
    "leader",
    // Gossip.
    "members",
    "probes",
    "suspicion",
    "health",
    "incarnation",
    "rumor",
    "chart",
];

/// A lesson, parsed; not yet bound to an engine.
#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    pub title: String,
    /// `say` lines before the first step.
    pub intro: Vec<String>,
    /// The setup lines (engine, nodes, seed, link, param), as written, comments dropped.
    pub setup: String,
    pub steps: Vec<Step>,
    /// The closing `try` lines: what the reader can do next on their own.
    pub try_it: Vec<String>,
    /// The whole lesson as a scenario (narration removed, `run` until the last step's end).
    pub scenario: Scenario,
}

/// One step: a stretch of simulated time, what happens in it and what to look at.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub title: String,
    /// The line of its `step` line.
    pub line: usize,
    /// Its `say` lines, one paragraph each.
    pub say: Vec<String>,
    /// What the page highlights during this step.
    pub look: Vec<Look>,
    /// Its scenario lines (`at`, `expect`), as written, comments dropped.
    pub text: String,
    /// When the step starts (the previous step's end; 0 for the first).
    pub start: Duration,
    /// When the step ends (`until`).
    pub end: Duration,
    /// Its expectations, each window narrowed to the step (`after` defaults to `start`, `by` to `end`).
    pub expectations: Vec<Spanned<Expectation>>,
}

/// Something a step points at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Look {
    Node(NodeId),
    /// A part of the page, one of [`ELEMENTS`].
    Element(String),
    /// A part of the page on one node, e.g. `n1:log`.
    NodeElement(NodeId, String),
}

impl Look {
    pub fn node(&self) -> Option<NodeId> {
        match self {
            Look::Node(n) | Look::NodeElement(n, _) => Some(*n),
            Look::Element(_) => None,
        }
    }
}

impl std::fmt::Display for Look {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Look::Node(n) => write!(f, "{n}"),
            Look::Element(e) => f.write_str(e),
            Look::NodeElement(n, e) => write!(f, "{n}:{e}"),
        }
    }
}

/// A lesson that cannot be read or built, with its place in the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct LessonError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl LessonError {
    pub(crate) fn at(line: usize, column: usize, message: impl Into<String>) -> LessonError {
        LessonError {
            line,
            column,
            message: message.into(),
        }
    }
}

impl From<ScenarioError> for LessonError {
    fn from(e: ScenarioError) -> LessonError {
        LessonError::at(e.line, e.column, e.message)
    }
}

impl Lesson {
    pub fn parse(text: &str) -> Result<Lesson, LessonError> {
        parse::parse(text)
    }

    /// The engine the lesson is written for (`engine` line).
    pub fn engine(&self) -> &str {
        &self.scenario.engine.value
    }

    /// The lesson's seed (a lesson always has one).
    pub fn seed(&self) -> u64 {
        self.scenario.seed.unwrap_or_default()
    }

    /// When the last step ends.
    pub fn end(&self) -> Duration {
        self.steps.last().map_or(Duration::ZERO, |s| s.end)
    }
}

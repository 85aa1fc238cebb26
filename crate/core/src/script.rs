//! How an engine plugs into the scenario format (crate/sim parses the file; the engine reads its own words).

use std::fmt;

use crate::{Engine, NodeId};

/// An engine that scenario files can drive: `engine <NAME>`, `param <key> <value>` and `client <node> <words>`.
pub trait Scripted: Engine {
    /// The name after `engine` in a scenario file, e.g. `raft`.
    const NAME: &'static str;

    /// Builds the world-wide config from the cluster's node ids and the scenario's `param` lines, in file
    /// order. An unknown key or a bad value is an error whose `word` is the index in `params` of the
    /// offending line (the parser turns it into a line and column).
    fn configure(
        nodes: &[NodeId],
        params: &[(String, String)],
    ) -> Result<Self::Config, ScriptError>;

    /// Parses the words after `client <node>` into a command; `word` in the error indexes `words`.
    fn parse_command(words: &[&str]) -> Result<Self::Command, ScriptError>;

    /// One line per accepted key and command form, for `quorate help` and the scenario docs.
    fn script_help() -> &'static str {
        ""
    }
}

/// What an engine says about a scenario word it cannot accept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptError {
    /// Index of the offending item (a `param` line or a command word).
    pub word: usize,
    /// What is wrong, in a sentence a scenario author understands.
    pub message: String,
}

impl ScriptError {
    pub fn new(word: usize, message: impl Into<String>) -> ScriptError {
        ScriptError {
            word,
            message: message.into(),
        }
    }
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScriptError {}

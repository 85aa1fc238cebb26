//! Readers for the two history formats of the shared test data (see its README): Jepsen's etcd logs of a
//! compare-and-set register, and one-EDN-map-per-line key-value histories.
//!
//! Both work on `&str`, line by line, and report the first malformed line by number (1-based) with what
//! is wrong with it. Neither panics on any input.

mod edn;
mod jepsen;

pub use edn::parse_kv_edn;
pub use jepsen::parse_jepsen_register;

use thiserror::Error;

use super::history::HistoryError;

/// A malformed line.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("line {line}: {kind}")]
pub struct ParseError {
    /// 1-based line number in the input.
    pub line: usize,
    pub kind: ParseErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ParseErrorKind {
    /// The EDN reader rejected the line.
    #[error("invalid EDN at column {column}: {code}")]
    Edn { column: usize, code: String },
    #[error("text after the end of the map: {rest:?}")]
    TrailingText { rest: String },
    #[error("expected one EDN map per line, found {found}")]
    NotAMap { found: String },
    #[error("missing field :{field}")]
    MissingField { field: &'static str },
    #[error("field :{field} should be {expected}, found {found}")]
    BadField {
        field: &'static str,
        expected: &'static str,
        found: String,
    },
    #[error("a client operation line needs a process, a type, a function and a value")]
    Truncated,
    #[error("unknown operation type {found} (expected :invoke, :ok, :fail or :info)")]
    UnknownType { found: String },
    #[error("unknown function {found} (expected {expected})")]
    UnknownFunction {
        found: String,
        expected: &'static str,
    },
    #[error("value {found:?} is not valid for {function} (expected {expected})")]
    BadValue {
        function: &'static str,
        found: String,
        expected: &'static str,
    },
    #[error("process {process} completes {found} but its running operation is {pending}")]
    MismatchedCompletion {
        process: u64,
        found: String,
        pending: String,
    },
    #[error("{0}")]
    History(#[from] HistoryError),
    #[error("no line of the input is a client operation (is this the right format?)")]
    NoOperations,
}

impl ParseError {
    pub(crate) fn at(line: usize, kind: ParseErrorKind) -> Self {
        ParseError { line, kind }
    }
}

/// The four Jepsen operation types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventType {
    Invoke,
    Ok,
    Fail,
    Info,
}

impl EventType {
    /// From a keyword without its colon.
    pub(crate) fn from_keyword(word: &str) -> Option<Self> {
        match word {
            "invoke" => Some(EventType::Invoke),
            "ok" => Some(EventType::Ok),
            "fail" => Some(EventType::Fail),
            "info" => Some(EventType::Info),
            _ => None,
        }
    }
}

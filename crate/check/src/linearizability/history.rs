//! A client history: operations with an invocation, a completion, and their real-time order.
//!
//! A history is what clients saw, not what the system did: each operation was invoked by one client
//! process at some point and completed at a later one with `ok` (and an observed output), `fail` (it
//! certainly had no effect), or `info` (the client gave up; the outcome is unknown). Jepsen's vocabulary.
//!
//! Time here is only an order: `call` and `ret` are positions on one line of events (a sim time, or the
//! index of the event in a log). Two operations are concurrent when neither returned before the other was
//! called; a return and a call at the *same* time count as concurrent.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The client (Jepsen "process") that issued an operation. One process runs one operation at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProcessId(pub u64);

impl fmt::Display for ProcessId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{}", self.0)
    }
}

/// How an operation ended, as its client saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome<O> {
    /// Completed; the client observed this output.
    Ok(O),
    /// Completed without effect (the system said so). The checker leaves it out.
    Fail,
    /// Outcome unknown (`info`: a timeout or a crash, or the history ended first). The operation may
    /// have taken effect at any moment after its invocation, or never: it is treated as still running
    /// until the end of the history.
    Unknown,
}

impl<O> Outcome<O> {
    /// The observed output, if the operation completed with one.
    pub fn output(&self) -> Option<&O> {
        match self {
            Outcome::Ok(output) => Some(output),
            Outcome::Fail | Outcome::Unknown => None,
        }
    }
}

/// One client operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation<I, O> {
    pub process: ProcessId,
    pub input: I,
    pub outcome: Outcome<O>,
    /// When it was invoked.
    pub call: u64,
    /// When it completed. `None` exactly when the outcome is [`Outcome::Unknown`]: such an operation
    /// is still running at the end of the history. Invariant: `call <= ret`.
    pub ret: Option<u64>,
    /// Line of the invocation in the input text (1-based), when the history was parsed.
    pub call_line: Option<usize>,
    /// Line of the completion (`ok`, `fail` or `info`) in the input text, when there was one.
    pub ret_line: Option<usize>,
}

impl<I, O> Operation<I, O> {
    /// The line the UI should point at for this operation: the completion if there is one, else the call.
    pub fn line(&self) -> Option<usize> {
        self.ret_line.or(self.call_line)
    }
}

/// A finished history: operations in invocation order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct History<I, O> {
    ops: Vec<Operation<I, O>>,
}

impl<I, O> History<I, O> {
    /// A history from operations that carry their own times (e.g. recorded in sim time).
    /// Fails if an operation returns before it was called or if `ret` and the outcome disagree.
    pub fn from_operations(mut ops: Vec<Operation<I, O>>) -> Result<Self, HistoryError> {
        for (index, op) in ops.iter().enumerate() {
            match (&op.outcome, op.ret) {
                (Outcome::Unknown, None) => {}
                (Outcome::Unknown, Some(_)) | (Outcome::Ok(_) | Outcome::Fail, None) => {
                    return Err(HistoryError::ReturnMismatch { index });
                }
                (_, Some(ret)) if ret < op.call => {
                    return Err(HistoryError::ReturnBeforeCall { index });
                }
                _ => {}
            }
        }
        // Stable: operations called at the same time keep the order they were given in.
        ops.sort_by_key(|op| op.call);
        Ok(History { ops })
    }

    pub fn operations(&self) -> &[Operation<I, O>] {
        &self.ops
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// Why events could not be assembled into a history.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum HistoryError {
    #[error("process {process} invokes an operation while its operation from line {pending_line} is still running")]
    ProcessBusy {
        process: ProcessId,
        pending_line: usize,
    },
    #[error("process {process} completes an operation it never invoked")]
    NothingPending { process: ProcessId },
    #[error("operation {index} returns before it was called")]
    ReturnBeforeCall { index: usize },
    #[error("operation {index}: a return time is given exactly when the outcome is known")]
    ReturnMismatch { index: usize },
}

/// Builds a [`History`] from a log of events in order (invoke, then ok / fail / info), the way Jepsen
/// writes them. Each event's time is its position in the log.
#[derive(Debug)]
pub struct HistoryBuilder<I, O> {
    ops: Vec<Operation<I, O>>,
    /// Process -> index into `ops` of its running operation. Invariant: that operation has no completion yet.
    pending: BTreeMap<ProcessId, usize>,
    clock: u64,
}

impl<I, O> Default for HistoryBuilder<I, O> {
    fn default() -> Self {
        HistoryBuilder {
            ops: Vec::new(),
            pending: BTreeMap::new(),
            clock: 0,
        }
    }
}

impl<I, O> HistoryBuilder<I, O> {
    pub fn new() -> Self {
        Self::default()
    }

    fn tick(&mut self) -> u64 {
        let now = self.clock;
        self.clock += 1;
        now
    }

    /// The input of `process`'s running operation, if it has one (a parser checks completions against it).
    pub fn pending_input(&self, process: ProcessId) -> Option<&I> {
        self.pending
            .get(&process)
            .map(|&index| &self.ops[index].input)
    }

    /// `process` invokes `input`. Fails, changing nothing, if the process already has an operation running.
    pub fn invoke(
        &mut self,
        process: ProcessId,
        input: I,
        line: Option<usize>,
    ) -> Result<(), HistoryError> {
        if let Some(&index) = self.pending.get(&process) {
            return Err(HistoryError::ProcessBusy {
                process,
                pending_line: self.ops[index].call_line.unwrap_or(0),
            });
        }
        let call = self.tick();
        self.pending.insert(process, self.ops.len());
        self.ops.push(Operation {
            process,
            input,
            outcome: Outcome::Unknown,
            call,
            ret: None,
            call_line: line,
            ret_line: None,
        });
        Ok(())
    }

    /// `process`'s running operation completes with `outcome`. Fails, changing nothing, if it has none.
    pub fn complete(
        &mut self,
        process: ProcessId,
        outcome: Outcome<O>,
        line: Option<usize>,
    ) -> Result<(), HistoryError> {
        let index = self
            .pending
            .remove(&process)
            .ok_or(HistoryError::NothingPending { process })?;
        let ret = match outcome {
            Outcome::Unknown => None,
            Outcome::Ok(_) | Outcome::Fail => Some(self.tick()),
        };
        let op = &mut self.ops[index];
        op.outcome = outcome;
        op.ret = ret;
        op.ret_line = line;
        Ok(())
    }

    /// The history so far. Operations still running keep an unknown outcome.
    pub fn finish(self) -> History<I, O> {
        History { ops: self.ops }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_pairs_completions_with_invocations_per_process() {
        let mut b: HistoryBuilder<&str, u8> = HistoryBuilder::new();
        b.invoke(ProcessId(1), "a", Some(1)).unwrap();
        b.invoke(ProcessId(2), "b", Some(2)).unwrap();
        b.complete(ProcessId(2), Outcome::Ok(7), Some(3)).unwrap();
        b.complete(ProcessId(1), Outcome::Unknown, Some(4)).unwrap();
        let h = b.finish();
        let ops = h.operations();
        assert_eq!((ops[0].call, ops[0].ret, ops[0].line()), (0, None, Some(4)));
        assert_eq!(
            (ops[1].call, ops[1].ret, ops[1].outcome.output()),
            (1, Some(2), Some(&7))
        );
    }

    #[test]
    fn a_busy_process_cannot_invoke_and_nothing_changes() {
        let mut b: HistoryBuilder<&str, u8> = HistoryBuilder::new();
        b.invoke(ProcessId(1), "a", Some(5)).unwrap();
        let err = b.invoke(ProcessId(1), "b", Some(6)).unwrap_err();
        assert_eq!(
            err,
            HistoryError::ProcessBusy {
                process: ProcessId(1),
                pending_line: 5
            }
        );
        assert_eq!(b.pending_input(ProcessId(1)), Some(&"a"));
        assert_eq!(
            b.complete(ProcessId(9), Outcome::Fail, None),
            Err(HistoryError::NothingPending {
                process: ProcessId(9)
            })
        );
        assert_eq!(b.finish().len(), 1);
    }
}

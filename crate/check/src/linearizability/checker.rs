//! The checker: split a history by the model's partition key, search each part, and explain a failure.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::history::{History, Outcome};
use super::model::Model;
use super::search::{search, SearchOp, SearchOutcome};

/// Limits on the search.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckOptions {
    /// Most model steps to try per partition before giving up with [`Verdict::Unknown`]. `None`: no limit.
    /// The browser sets one so that a pathological history cannot freeze a worker.
    pub max_steps: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    Linearizable,
    NotLinearizable,
    /// The step budget ran out before an answer was found.
    Unknown,
}

/// Why a history is not linearizable, in one partition (the first failing one in key order).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Witness<K, S> {
    pub partition: K,
    /// The longest linearizable prefix the search found, in linearization order: indices into
    /// [`History::operations`].
    pub prefix: Vec<usize>,
    /// The operation that cannot be placed after `prefix`: its return came before any linearization
    /// point that would have explained its output. An index into [`History::operations`].
    pub blocked: usize,
    /// The model state after `prefix`.
    pub state: S,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult<K, S> {
    pub verdict: Verdict,
    /// Present exactly when the verdict is [`Verdict::NotLinearizable`].
    pub witness: Option<Witness<K, S>>,
    /// Every partition found not linearizable, in key order.
    pub failing_partitions: Vec<K>,
    /// Every partition whose search ran out of budget, in key order.
    pub undecided_partitions: Vec<K>,
    /// Model steps tried over all partitions.
    pub steps: u64,
}

/// Checks `history` against `model` with no step limit.
pub fn check<M: Model>(
    model: &M,
    history: &History<M::Input, M::Output>,
) -> CheckResult<M::PartitionKey, M::State> {
    check_with(model, history, &CheckOptions::default())
}

/// Checks `history` against `model`. Failed operations are left out (they had no effect); operations
/// with an unknown outcome may take effect at any time after their call, or never.
pub fn check_with<M: Model>(
    model: &M,
    history: &History<M::Input, M::Output>,
    options: &CheckOptions,
) -> CheckResult<M::PartitionKey, M::State> {
    let mut parts: BTreeMap<M::PartitionKey, Vec<usize>> = BTreeMap::new();
    for (index, op) in history.operations().iter().enumerate() {
        if !matches!(op.outcome, Outcome::Fail) {
            parts
                .entry(model.partition_key(&op.input))
                .or_default()
                .push(index);
        }
    }
    let mut result = CheckResult {
        verdict: Verdict::Linearizable,
        witness: None,
        failing_partitions: Vec::new(),
        undecided_partitions: Vec::new(),
        steps: 0,
    };
    for (key, members) in parts {
        let ops: Vec<SearchOp<'_, M::Input, M::Output>> = members
            .iter()
            .map(|&index| {
                let op = &history.operations()[index];
                SearchOp {
                    input: &op.input,
                    output: op.outcome.output(),
                    call: op.call,
                    ret: op.ret,
                }
            })
            .collect();
        let report = search(model, &ops, options.max_steps);
        result.steps += report.steps;
        match report.outcome {
            SearchOutcome::Linearizable => {}
            SearchOutcome::Exhausted => result.undecided_partitions.push(key),
            SearchOutcome::NotLinearizable {
                prefix,
                blocked,
                state,
            } => {
                if result.witness.is_none() {
                    result.witness = Some(Witness {
                        partition: key.clone(),
                        prefix: prefix.iter().map(|&i| members[i]).collect(),
                        blocked: members[blocked],
                        state,
                    });
                }
                result.failing_partitions.push(key);
            }
        }
    }
    result.verdict = if result.witness.is_some() {
        Verdict::NotLinearizable
    } else if !result.undecided_partitions.is_empty() {
        Verdict::Unknown
    } else {
        Verdict::Linearizable
    };
    result
}

/// How many operations of the prefix [`describe_result`] shows (the last ones, nearest the failure).
pub const PREFIX_SHOWN: usize = 12;

fn describe_op<M: Model>(
    model: &M,
    history: &History<M::Input, M::Output>,
    index: usize,
) -> String {
    let op = &history.operations()[index];
    let what = match &op.outcome {
        Outcome::Ok(output) => model.describe_operation(&op.input, Some(output)),
        Outcome::Unknown => model.describe_operation(&op.input, None),
        Outcome::Fail => format!("{:?} failed", op.input),
    };
    let place = match (op.call_line, op.ret_line) {
        (Some(call), Some(ret)) => format!("line {ret} (invoked line {call})"),
        (Some(call), None) => format!("line {call}"),
        (None, _) => format!("operation {index}"),
    };
    format!("{place}: {} {what}", op.process)
}

/// The verdict in words: `linearizable`, or `not linearizable` followed by the witness (where the search
/// got stuck, the state there and the end of the longest linearizable prefix), or `unknown`.
pub fn describe_result<M: Model>(
    model: &M,
    history: &History<M::Input, M::Output>,
    result: &CheckResult<M::PartitionKey, M::State>,
) -> String {
    let mut out = String::new();
    match result.verdict {
        Verdict::Linearizable => out.push_str("linearizable\n"),
        Verdict::Unknown => {
            let _ = writeln!(
                out,
                "unknown: the search gave up after {} steps",
                result.steps
            );
        }
        Verdict::NotLinearizable => {
            out.push_str("not linearizable\n");
            let Some(w) = &result.witness else { return out };
            let part = model.describe_partition(&w.partition);
            let part = if part.is_empty() {
                String::new()
            } else {
                format!("{part}: ")
            };
            let _ = writeln!(
                out,
                "{part}the longest linearizable prefix has {} operations; after it this operation cannot be placed:",
                w.prefix.len()
            );
            let _ = writeln!(out, "  {}", describe_op(model, history, w.blocked));
            let _ = writeln!(
                out,
                "state after the prefix: {}",
                model.describe_state(&w.state)
            );
            if !w.prefix.is_empty() {
                let skip = w.prefix.len().saturating_sub(PREFIX_SHOWN);
                if skip > 0 {
                    let _ = writeln!(
                        out,
                        "prefix, last {PREFIX_SHOWN} of {} in linearization order:",
                        w.prefix.len()
                    );
                } else {
                    out.push_str("prefix in linearization order:\n");
                }
                for &index in &w.prefix[skip..] {
                    let _ = writeln!(out, "  {}", describe_op(model, history, index));
                }
            }
            if result.failing_partitions.len() > 1 {
                let others: Vec<String> = result
                    .failing_partitions
                    .iter()
                    .map(|k| model.describe_partition(k))
                    .collect();
                let _ = writeln!(
                    out,
                    "not linearizable in {} parts: {}",
                    others.len(),
                    others.join(", ")
                );
            }
        }
    }
    out
}

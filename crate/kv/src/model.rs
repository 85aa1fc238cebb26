//! The sequential model the simulated clients' histories are checked against: one register per key
//! with get / put / compare-and-set, partitioned by key (linearizability is compositional, Herlihy &
//! Wing 1990, Theorem 1). It implements crate/check's [`Model`], so the checker does the rest.

use std::fmt;

use quorate_check::linearizability::Model;
use serde::{Deserialize, Serialize};

/// Register values are unique numbers chosen by the workload, so a stale read names its write.
pub type Value = u64;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegOp {
    Get,
    Put(Value),
    /// `if value == from then value = to` (a txn with a value compare).
    Cas {
        from: Value,
        to: Value,
    },
    /// `if the key is absent then value = v` (a try-lock: a txn on the create revision).
    Create(Value),
    /// `if value == v then delete the key` (an unlock by its holder).
    DeleteIf(Value),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegInput {
    pub key: String,
    pub op: RegOp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegOutput {
    /// The value read; `None` for a key never written.
    Get(Option<Value>),
    Put,
    /// Whether the compare held and the value was swapped (a failed compare still observed the key).
    Cas {
        swapped: bool,
    },
}

/// Per-key registers. The state of one partition is its key's value.
#[derive(Clone, Copy, Debug, Default)]
pub struct KvRegisters;

impl fmt::Display for RegInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.op {
            RegOp::Get => write!(f, "get {}", self.key),
            RegOp::Put(v) => write!(f, "put {}={v}", self.key),
            RegOp::Cas { from, to } => write!(f, "cas {} {from}->{to}", self.key),
            RegOp::Create(v) => write!(f, "create {}={v}", self.key),
            RegOp::DeleteIf(v) => write!(f, "delete {} if {v}", self.key),
        }
    }
}

fn value(v: &Option<Value>) -> String {
    v.map_or_else(|| "nil".to_string(), |v| v.to_string())
}

/// A compare-and-write whose compare `matches` in `state`: the state after it, if `out` (swapped or
/// not) agrees.
fn conditional(
    matches: bool,
    then: Option<Value>,
    state: &Option<Value>,
    out: Option<&RegOutput>,
) -> Option<Option<Value>> {
    let after = if matches { then } else { *state };
    match out {
        None => Some(after),
        Some(RegOutput::Cas { swapped }) if *swapped == matches => Some(after),
        _ => None,
    }
}

impl Model for KvRegisters {
    type State = Option<Value>;
    type Input = RegInput;
    type Output = RegOutput;
    type PartitionKey = String;

    fn init(&self) -> Option<Value> {
        None
    }

    fn step(
        &self,
        state: &Option<Value>,
        input: &RegInput,
        output: Option<&RegOutput>,
    ) -> Option<Option<Value>> {
        match (&input.op, output) {
            (RegOp::Get, None) => Some(*state),
            (RegOp::Get, Some(RegOutput::Get(seen))) => (seen == state).then_some(*state),
            (RegOp::Put(v), None | Some(RegOutput::Put)) => Some(Some(*v)),
            (RegOp::Cas { from, to }, out) => {
                conditional(*state == Some(*from), Some(*to), state, out)
            }
            (RegOp::Create(v), out) => conditional(state.is_none(), Some(*v), state, out),
            (RegOp::DeleteIf(v), out) => conditional(*state == Some(*v), None, state, out),
            _ => None,
        }
    }

    fn is_read_only(&self, input: &RegInput, output: &RegOutput) -> bool {
        matches!(
            (&input.op, output),
            (RegOp::Get, _)
                | (
                    RegOp::Cas { .. } | RegOp::Create(_) | RegOp::DeleteIf(_),
                    RegOutput::Cas { swapped: false }
                )
        )
    }

    fn partition_key(&self, input: &RegInput) -> String {
        input.key.clone()
    }

    fn describe_operation(&self, input: &RegInput, output: Option<&RegOutput>) -> String {
        match output {
            None => format!("{input} (outcome unknown)"),
            Some(RegOutput::Get(v)) => format!("{input} -> {}", value(v)),
            Some(RegOutput::Put) => format!("{input} ok"),
            Some(RegOutput::Cas { swapped }) => {
                format!("{input} {}", if *swapped { "ok" } else { "failed" })
            }
        }
    }

    fn describe_state(&self, state: &Option<Value>) -> String {
        value(state)
    }

    fn describe_partition(&self, key: &String) -> String {
        format!("key {key:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorate_check::linearizability::{check, History, Operation, Outcome, ProcessId, Verdict};

    fn op(
        p: u64,
        key: &str,
        o: RegOp,
        out: Outcome<RegOutput>,
        call: u64,
        ret: Option<u64>,
    ) -> Operation<RegInput, RegOutput> {
        Operation {
            process: ProcessId(p),
            input: RegInput {
                key: key.into(),
                op: o,
            },
            outcome: out,
            call,
            ret,
            call_line: None,
            ret_line: None,
        }
    }

    #[test]
    fn a_read_after_an_acknowledged_write_must_see_it() {
        let ok = History::from_operations(vec![
            op(
                1,
                "a",
                RegOp::Put(1),
                Outcome::Ok(RegOutput::Put),
                0,
                Some(1),
            ),
            op(
                2,
                "a",
                RegOp::Get,
                Outcome::Ok(RegOutput::Get(Some(1))),
                2,
                Some(3),
            ),
            op(
                2,
                "b",
                RegOp::Get,
                Outcome::Ok(RegOutput::Get(None)),
                4,
                Some(5),
            ),
        ])
        .unwrap();
        assert_eq!(check(&KvRegisters, &ok).verdict, Verdict::Linearizable);
        let stale = History::from_operations(vec![
            op(
                1,
                "a",
                RegOp::Put(1),
                Outcome::Ok(RegOutput::Put),
                0,
                Some(1),
            ),
            op(
                2,
                "a",
                RegOp::Get,
                Outcome::Ok(RegOutput::Get(None)),
                2,
                Some(3),
            ),
        ])
        .unwrap();
        let r = check(&KvRegisters, &stale);
        assert_eq!(r.verdict, Verdict::NotLinearizable);
        assert_eq!(r.witness.unwrap().blocked, 1);
    }

    #[test]
    fn a_cas_swaps_only_on_a_match_and_unknown_writes_may_land_late() {
        let h = History::from_operations(vec![
            op(1, "a", RegOp::Put(1), Outcome::Unknown, 0, None),
            op(
                2,
                "a",
                RegOp::Cas { from: 1, to: 2 },
                Outcome::Ok(RegOutput::Cas { swapped: false }),
                1,
                Some(2),
            ),
            op(
                2,
                "a",
                RegOp::Cas { from: 1, to: 2 },
                Outcome::Ok(RegOutput::Cas { swapped: true }),
                3,
                Some(4),
            ),
            op(
                2,
                "a",
                RegOp::Get,
                Outcome::Ok(RegOutput::Get(Some(2))),
                5,
                Some(6),
            ),
        ])
        .unwrap();
        assert_eq!(check(&KvRegisters, &h).verdict, Verdict::Linearizable);
    }

    #[test]
    fn a_lock_is_taken_only_when_free_and_freed_only_by_its_holder() {
        let swapped = |s| Outcome::Ok(RegOutput::Cas { swapped: s });
        let h = |ops| History::from_operations(ops).unwrap();
        // 1 takes it, 2 fails to, 2 cannot free it, 1 frees it, then 2 takes it.
        let ok = h(vec![
            op(1, "l", RegOp::Create(1), swapped(true), 0, Some(1)),
            op(2, "l", RegOp::Create(2), swapped(false), 2, Some(3)),
            op(2, "l", RegOp::DeleteIf(2), swapped(false), 4, Some(5)),
            op(1, "l", RegOp::DeleteIf(1), swapped(true), 6, Some(7)),
            op(2, "l", RegOp::Create(2), swapped(true), 8, Some(9)),
            op(
                1,
                "l",
                RegOp::Get,
                Outcome::Ok(RegOutput::Get(Some(2))),
                10,
                Some(11),
            ),
        ]);
        assert_eq!(check(&KvRegisters, &ok).verdict, Verdict::Linearizable);
        // Two holders at once: the second take cannot have found the key free.
        let both = h(vec![
            op(1, "l", RegOp::Create(1), swapped(true), 0, Some(1)),
            op(2, "l", RegOp::Create(2), swapped(true), 2, Some(3)),
        ]);
        assert_eq!(check(&KvRegisters, &both).verdict, Verdict::NotLinearizable);
    }
}

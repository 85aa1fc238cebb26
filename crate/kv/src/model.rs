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
        }
    }
}

fn value(v: &Option<Value>) -> String {
    v.map_or_else(|| "nil".to_string(), |v| v.to_string())
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
                let matches = *state == Some(*from);
                match out {
                    None => Some(if matches { Some(*to) } else { *state }),
                    Some(RegOutput::Cas { swapped }) if *swapped == matches => {
                        Some(if matches { Some(*to) } else { *state })
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn is_read_only(&self, input: &RegInput, output: &RegOutput) -> bool {
        matches!(
            (&input.op, output),
            (RegOp::Get, _) | (RegOp::Cas { .. }, RegOutput::Cas { swapped: false })
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
}

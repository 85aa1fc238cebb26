//! A single read / write / compare-and-set register that starts with no value (`nil`).
//!
//! The object of Jepsen's etcd test: `cas [from to]` succeeds iff the register holds `from`.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::model::Model;

pub type RegisterValue = i64;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegisterInput {
    Read,
    Write(RegisterValue),
    Cas {
        from: RegisterValue,
        to: RegisterValue,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegisterOutput {
    /// The value read; `None` for a register that was never written.
    Read(Option<RegisterValue>),
    Write,
    /// Whether the compare matched and the new value was stored. A cas whose compare failed had no effect
    /// but still observed the register (etcd evaluates it as one linearizable transaction).
    Cas {
        swapped: bool,
    },
}

/// The register model. Its state is the current value, `None` before the first write.
#[derive(Clone, Copy, Debug, Default)]
pub struct Register;

fn describe_value(value: Option<RegisterValue>) -> String {
    match value {
        Some(v) => v.to_string(),
        None => "nil".to_string(),
    }
}

impl fmt::Display for RegisterInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegisterInput::Read => write!(f, "read"),
            RegisterInput::Write(v) => write!(f, "write {v}"),
            RegisterInput::Cas { from, to } => write!(f, "cas {from} -> {to}"),
        }
    }
}

impl Model for Register {
    type State = Option<RegisterValue>;
    type Input = RegisterInput;
    type Output = RegisterOutput;
    type PartitionKey = ();

    fn init(&self) -> Self::State {
        None
    }

    fn step(
        &self,
        state: &Self::State,
        input: &RegisterInput,
        output: Option<&RegisterOutput>,
    ) -> Option<Self::State> {
        match (input, output) {
            (RegisterInput::Read, None) => Some(*state),
            (RegisterInput::Read, Some(RegisterOutput::Read(seen))) => {
                (seen == state).then_some(*state)
            }
            (RegisterInput::Write(v), None | Some(RegisterOutput::Write)) => Some(Some(*v)),
            (RegisterInput::Cas { from, to }, output) => {
                let matches = *state == Some(*from);
                match output {
                    None => Some(if matches { Some(*to) } else { *state }),
                    Some(RegisterOutput::Cas { swapped }) if *swapped == matches => {
                        Some(if matches { Some(*to) } else { *state })
                    }
                    Some(_) => None,
                }
            }
            // An output of the wrong kind for the input can never be observed.
            (RegisterInput::Read | RegisterInput::Write(_), Some(_)) => None,
        }
    }

    fn is_read_only(&self, input: &RegisterInput, output: &RegisterOutput) -> bool {
        matches!(
            (input, output),
            (RegisterInput::Read, _)
                | (
                    RegisterInput::Cas { .. },
                    RegisterOutput::Cas { swapped: false }
                )
        )
    }

    fn partition_key(&self, _input: &RegisterInput) {}

    fn describe_operation(&self, input: &RegisterInput, output: Option<&RegisterOutput>) -> String {
        match output {
            None => format!("{input} (outcome unknown)"),
            Some(RegisterOutput::Read(v)) => format!("{input} -> {}", describe_value(*v)),
            Some(RegisterOutput::Write) => format!("{input} ok"),
            Some(RegisterOutput::Cas { swapped: true }) => format!("{input} ok"),
            Some(RegisterOutput::Cas { swapped: false }) => {
                format!("{input} failed (compare did not match)")
            }
        }
    }

    fn describe_state(&self, state: &Self::State) -> String {
        describe_value(*state)
    }

    fn describe_partition(&self, _key: &()) -> String {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_register_reads_nil_and_cas_compares_against_it() {
        let r = Register;
        let s = r.init();
        assert_eq!(
            r.step(&s, &RegisterInput::Read, Some(&RegisterOutput::Read(None))),
            Some(None)
        );
        assert_eq!(
            r.step(
                &s,
                &RegisterInput::Read,
                Some(&RegisterOutput::Read(Some(0)))
            ),
            None
        );
        let cas = RegisterInput::Cas { from: 1, to: 2 };
        assert_eq!(
            r.step(&s, &cas, Some(&RegisterOutput::Cas { swapped: true })),
            None
        );
        assert_eq!(
            r.step(&s, &cas, Some(&RegisterOutput::Cas { swapped: false })),
            Some(None)
        );
        assert_eq!(r.step(&Some(1), &cas, None), Some(Some(2)));
        assert_eq!(r.step(&s, &RegisterInput::Write(4), None), Some(Some(4)));
    }
}

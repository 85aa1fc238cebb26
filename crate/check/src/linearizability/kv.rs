//! A key-value store with get / put / append, where a missing key reads as the empty string.
//!
//! Keys are independent objects, so the model partitions by key and each key is a string register
//! with an append. This is the model of Porcupine's `kv` test histories.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::model::Model;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KvOp {
    Get,
    Put(String),
    Append(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KvInput {
    pub key: String,
    pub op: KvOp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KvOutput {
    /// The value a get returned (`""` for a missing key).
    Get(String),
    /// A put or an append was acknowledged.
    Done,
}

/// The key-value model. The state of one partition is the value of its key.
#[derive(Clone, Copy, Debug, Default)]
pub struct Kv;

impl fmt::Display for KvInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.op {
            KvOp::Get => write!(f, "get {:?}", self.key),
            KvOp::Put(v) => write!(f, "put {:?} {v:?}", self.key),
            KvOp::Append(v) => write!(f, "append {:?} {v:?}", self.key),
        }
    }
}

impl Model for Kv {
    type State = String;
    type Input = KvInput;
    type Output = KvOutput;
    type PartitionKey = String;

    fn init(&self) -> String {
        String::new()
    }

    fn step(&self, state: &String, input: &KvInput, output: Option<&KvOutput>) -> Option<String> {
        match (&input.op, output) {
            (KvOp::Get, None) => Some(state.clone()),
            (KvOp::Get, Some(KvOutput::Get(seen))) => (seen == state).then(|| state.clone()),
            (KvOp::Put(v), None | Some(KvOutput::Done)) => Some(v.clone()),
            (KvOp::Append(v), None | Some(KvOutput::Done)) => {
                let mut next = String::with_capacity(state.len() + v.len());
                next.push_str(state);
                next.push_str(v);
                Some(next)
            }
            // An output of the wrong kind for the input can never be observed.
            (KvOp::Get, Some(KvOutput::Done))
            | (KvOp::Put(_) | KvOp::Append(_), Some(KvOutput::Get(_))) => None,
        }
    }

    fn is_read_only(&self, input: &KvInput, _output: &KvOutput) -> bool {
        input.op == KvOp::Get
    }

    fn partition_key(&self, input: &KvInput) -> String {
        input.key.clone()
    }

    fn describe_operation(&self, input: &KvInput, output: Option<&KvOutput>) -> String {
        match output {
            None => format!("{input} (outcome unknown)"),
            Some(KvOutput::Get(v)) => format!("{input} -> {v:?}"),
            Some(KvOutput::Done) => format!("{input} ok"),
        }
    }

    fn describe_state(&self, state: &String) -> String {
        format!("{state:?}")
    }

    fn describe_partition(&self, key: &String) -> String {
        format!("key {key:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(key: &str, op: KvOp) -> KvInput {
        KvInput {
            key: key.to_string(),
            op,
        }
    }

    #[test]
    fn missing_keys_read_empty_and_append_concatenates() {
        let kv = Kv;
        let s = kv.init();
        assert_eq!(
            kv.step(
                &s,
                &input("a", KvOp::Get),
                Some(&KvOutput::Get(String::new()))
            ),
            Some(String::new())
        );
        let s = kv
            .step(
                &s,
                &input("a", KvOp::Append("x ".into())),
                Some(&KvOutput::Done),
            )
            .unwrap();
        let s = kv
            .step(&s, &input("a", KvOp::Append("y".into())), None)
            .unwrap();
        assert_eq!(s, "x y");
        assert_eq!(
            kv.step(&s, &input("a", KvOp::Get), Some(&KvOutput::Get("x".into()))),
            None
        );
        assert_eq!(
            kv.step(
                &s,
                &input("a", KvOp::Put("z".into())),
                Some(&KvOutput::Done)
            ),
            Some("z".into())
        );
    }
}

//! The sequential specification a history is checked against.
//!
//! A model is a deterministic state machine: from a state, an operation's input and the output its client
//! observed, it says whether that output is possible and what the next state is. This is Porcupine's
//! `Model` (Init / Step / Partition / Describe) with Rust types instead of `interface{}`. New models (the
//! etcd-style KV with revisions, Consul's sessions) implement this trait and get the checker for free.

use std::fmt::Debug;
use std::hash::Hash;

pub trait Model {
    /// The object's state. Hashed and compared by the checker's memo, so keep it small and canonical:
    /// two states that behave the same should be equal.
    type State: Clone + Eq + Hash + Debug;
    type Input: Clone + Debug;
    type Output: Clone + Debug;
    /// What splits a history into independent parts (e.g. the key, for a key-value store); `()` when
    /// nothing does. Parts are checked alone and in this order (linearizability is compositional:
    /// Herlihy & Wing 1990, Theorem 1).
    type PartitionKey: Ord + Clone + Debug;

    /// The state before any operation.
    fn init(&self) -> Self::State;

    /// Applies `input` to `state`. `output` is what the client observed, or `None` when the outcome is
    /// unknown (then any output is acceptable). Returns the next state, or `None` if the observed output
    /// is impossible from `state`.
    fn step(
        &self,
        state: &Self::State,
        input: &Self::Input,
        output: Option<&Self::Output>,
    ) -> Option<Self::State>;

    /// Whether an operation that completed with `output` leaves *every* state it is possible in
    /// unchanged (a read; a cas that reports its compare failed). The search places such an operation
    /// as soon as it fits instead of also trying it later, which spares it a factor of two per read in
    /// flight. `false` is always safe; `true` for an operation that can change some state is wrong.
    fn is_read_only(&self, _input: &Self::Input, _output: &Self::Output) -> bool {
        false
    }

    /// The independent part that an operation belongs to.
    fn partition_key(&self, input: &Self::Input) -> Self::PartitionKey;

    /// One operation in words, e.g. `cas 3 -> 0 ok`. `output` is `None` for an unknown outcome.
    fn describe_operation(&self, input: &Self::Input, output: Option<&Self::Output>) -> String;

    /// A state in words, e.g. `3` or `nil`.
    fn describe_state(&self, state: &Self::State) -> String;

    /// A partition key in words, e.g. `key "4"`; empty when the model has a single part.
    fn describe_partition(&self, key: &Self::PartitionKey) -> String;
}

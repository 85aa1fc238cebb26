//! Large clusters and spreading facts: the grid a big cluster is drawn as, and the chart of how far a
//! fact (a failure, a rumor) has reached, measured beside the theory.

use serde::{Deserialize, Serialize};

/// Clusters larger than this are drawn as a grid of cells rather than a ring of cards, and their frames
/// carry one full node view (the selected node's) instead of all of them.
pub const RING_MAX: u32 = 32;

/// One cell of the grid per node, in node order: a status in the low two bits, plus flags.
pub mod cell {
    pub const UP: u8 = 0;
    pub const PAUSED: u8 = 1;
    pub const DOWN: u8 = 2;
    pub const STATUS: u8 = 0b11;
    /// The node suspects some member.
    pub const SUSPECTING: u8 = 0b100;
    /// The node knows the followed fact (the failed node is dead here; the rumor arrived here).
    pub const MARKED: u8 = 0b1000;
}

/// The fact the spread chart follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Focus {
    /// `node` was killed: how many live nodes see it dead.
    Failure { node: u32 },
    /// A user event was broadcast: how many live nodes have received `count` events (or more).
    Rumor { count: u32 },
}

/// The fraction of live nodes that know the followed fact over time, beside the theory's curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpreadView {
    pub title: String,
    pub focus: Focus,
    /// (seconds since the fact, fraction of live nodes that know it).
    pub measured: Vec<(f32, f32)>,
    pub theory: Vec<(f32, f32)>,
    /// What the theory curve is ("detection + suspicion + Serf's model").
    pub theory_label: String,
}

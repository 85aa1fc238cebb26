//! Measurements and soaks on the deterministic world (feature `sweep`, on by default): a simulated
//! cluster with the safety checker attached, the randomized soak, and the paper's Figure 16 sweep. The
//! engine itself never uses this module; tests and the `quorate raft` command do.

pub mod cluster;
pub mod fig16;
pub mod soak;

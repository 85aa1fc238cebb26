//! Test helpers over the library's simulated cluster (`quorate_raft::sweep::cluster`).

pub use quorate_core::NodeId;
pub use quorate_raft::sweep::cluster::*;

pub fn n(id: u32) -> NodeId {
    NodeId(id)
}

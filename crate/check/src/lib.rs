//! Checkers that watch Quorate runs. Pure: they read observations and histories, they never drive a world.

pub mod linearizability;
pub mod raft;

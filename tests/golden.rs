//! Digests that must come out the same natively and in wasm (DESIGN.md rule 4).
//!
//! Each entry runs a 5-node heartbeat world with loss, duplication and reordering for 10 simulated seconds.
//! Regenerate only with a reviewed reason: `cargo test -p quorate-tests --test determinism -- --nocapture`
//! prints the current values.

use quorate_core::SimTime;

pub const HEARTBEAT_UNTIL: SimTime = SimTime::from_millis(10_000);
pub const HEARTBEAT_NODES: u32 = 5;

/// (seed, "digest events=N")
pub const HEARTBEAT_GOLDEN: &[(u64, &str)] = &[
    (1, "dd8e7c217b0434dc events=2432"),
    (2, "21d5b4ad7e7fce13 events=2438"),
    (3, "dfa5d96dcffbdebe events=2425"),
    (42, "dd871c511a2f8d2c events=2467"),
    (18_446_744_073_709_551_615, "7c0a5137e4c2dc3f events=2437"),
];

pub fn heartbeat(seed: u64) -> String {
    quorate_demo::workload::heartbeat_digest(seed, HEARTBEAT_NODES, HEARTBEAT_UNTIL)
}

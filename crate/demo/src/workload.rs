//! The benchmark workload, shared by `quorate bench sim` (native) and the wasm bench in headless Chromium
//! so both measure exactly the same thing.

use quorate_core::{Duration, SimTime};
use quorate_sim::{node_ids, Latency, LinkParams, TraceMode, World, WorldConfig};

use crate::{Config, Heartbeat};

/// Runs a heartbeat cluster of `nodes` for `events` events and returns the trace digest (or, with tracing
/// off, the end time), so the work cannot be optimised away and runs can be compared across platforms.
pub fn heartbeat_events(nodes: u32, events: u64, mode: TraceMode) -> String {
    let ids = node_ids(nodes);
    let link = LinkParams {
        latency: Latency::Uniform {
            min: Duration::from_millis(1),
            max: Duration::from_millis(10),
        },
        ..LinkParams::default()
    };
    let config = Config {
        peers: ids.clone(),
        interval: Duration::from_millis(10),
    };
    let mut world: World<Heartbeat> = World::with_trace(
        WorldConfig {
            seed: 1,
            nodes: ids,
            engine: config,
            network: link,
        },
        mode,
    );
    while world.events() < events && world.step() {}
    match mode {
        TraceMode::Off => format!("t={}", world.now()),
        _ => world.digest().to_string(),
    }
}

/// A world of `nodes` heartbeat nodes run to `until`, for determinism checks across platforms.
pub fn heartbeat_digest(seed: u64, nodes: u32, until: SimTime) -> String {
    let ids = node_ids(nodes);
    let link = LinkParams {
        latency: Latency::Uniform {
            min: Duration::from_millis(1),
            max: Duration::from_millis(30),
        },
        loss: 0.05,
        duplicate: 0.02,
        reorder: 0.1,
    };
    let mut world: World<Heartbeat> = World::with_trace(
        WorldConfig {
            seed,
            nodes: ids.clone(),
            engine: Config::new(ids),
            network: link,
        },
        TraceMode::DigestOnly,
    );
    world.run_until(until);
    format!("{} events={}", world.digest(), world.events())
}

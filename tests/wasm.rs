//! In headless Chromium (wasm-bindgen-test): the simulator gives the same digests as natively, and a
//! benchmark of simulator speed (ignored by default; see README "Benchmarks").
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p quorate-tests --target wasm32-unknown-unknown --test wasm`
#![cfg(target_arch = "wasm32")]

use quorate_core::SimTime;
use quorate_sim::{node_ids, TraceMode, World, WorldConfig};
use quorate_tests::{heartbeat, HEARTBEAT_GOLDEN};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn wasm_digests_match_native() {
    for &(seed, want) in HEARTBEAT_GOLDEN {
        assert_eq!(heartbeat(seed), want, "seed {seed}");
    }
}

#[wasm_bindgen_test]
#[ignore]
fn bench_sim_events_per_second() {
    let events = 2_000_000u64;
    for mode in [TraceMode::Off, TraceMode::DigestOnly] {
        let mut best = f64::MAX;
        for _ in 0..3 {
            let start = js_sys::Date::now();
            let digest = quorate_demo::workload::heartbeat_events(3, events, mode);
            best = best.min((js_sys::Date::now() - start) / 1000.0);
            assert!(!digest.is_empty());
        }
        console_log!(
            "sim wasm    nodes=3 mode={:<10} events={} best={:.3}s  {:.2} M events/s",
            format!("{mode:?}"),
            events,
            best,
            events as f64 / best / 1e6
        );
    }
}

/// Gossip at scale: simulated seconds per wall second for a LAN cluster (compare `quorate gossip speed`).
fn gossip_speed(n: u32, seconds: u64) {
    use quorate_gossip::sweep;
    let t0 = js_sys::Date::now();
    let config = WorldConfig {
        seed: 1,
        nodes: node_ids(n),
        engine: sweep::full_config(n),
        network: sweep::lan_link(0.0),
    };
    let mut world: World<quorate_gossip::Gossip> = World::with_trace(config, TraceMode::Off);
    let t1 = js_sys::Date::now();
    world.run_until(SimTime::from_millis(seconds * 1000));
    let wall = (js_sys::Date::now() - t1) / 1000.0;
    console_log!(
        "gossip wasm N={n} boot={:.2}s simulated={seconds}s wall={wall:.2}s  {:.2} sim-s/wall-s  {:.2} M events/s",
        (t1 - t0) / 1000.0,
        seconds as f64 / wall,
        world.events() as f64 / wall / 1e6
    );
}

#[wasm_bindgen_test]
#[ignore]
fn bench_gossip_1000() {
    gossip_speed(1_000, 20);
}

#[wasm_bindgen_test]
#[ignore]
fn bench_gossip_10000() {
    gossip_speed(10_000, 10);
}

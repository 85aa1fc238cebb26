//! Same seed + same commands = same trace, natively, run after run, and equal to the pinned digests that
//! the wasm test (tests/wasm.rs) checks in headless Chromium.

use quorate_tests::{heartbeat, HEARTBEAT_GOLDEN};

#[test]
fn native_digests_match_the_pinned_ones() {
    let mut wrong = Vec::new();
    for &(seed, want) in HEARTBEAT_GOLDEN {
        let got = heartbeat(seed);
        println!("    ({seed}, \"{got}\"),");
        if got != want {
            wrong.push(format!("seed {seed}: got {got}, pinned {want}"));
        }
    }
    assert!(wrong.is_empty(), "digests changed (reproduce: cargo test -p quorate-tests --test determinism -- --nocapture):\n{}", wrong.join("\n"));
}

//! Randomized simulation: thousands of seeded runs (`quorate_raft::sweep::soak`) with kills, restarts,
//! two-way and one-way partitions, loss, duplication, reordering, membership changes, transfers, reads and
//! snapshots, with every safety invariant checked after every event and liveness checked after healing.
//! A failure prints its seed and the command that replays it.
//!
//! `QUORATE_SEEDS=N` runs N seeds instead of the default; `QUORATE_SEED=S` with `replay_one_seed`
//! replays one seed and prints its trace.

use std::time::Instant;

use quorate_raft::sweep::soak::{run_seed, soak};

/// Seeds in the normal test run.
const DEFAULT_SEEDS: u64 = 2_000;

fn replay_hint(seed: u64) -> String {
    format!("QUORATE_SEED={seed} cargo test -p quorate-raft --test raft randomized::replay_one_seed -- --nocapture")
}

fn seeds_from_env(var: &str, default: u64) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn randomized_seeds_keep_every_invariant() {
    let count = seeds_from_env("QUORATE_SEEDS", DEFAULT_SEEDS);
    let start = Instant::now();
    let report = soak(0, count, |_| {});
    if let Some((seed, failure)) = &report.failure {
        panic!(
            "seed {seed}: {failure}\nreproduce with: {}",
            replay_hint(*seed)
        );
    }
    let t = &report.totals;
    println!(
        "{count} seeds, 0 violations, 0 liveness failures, {} events, {} elections won, {} kills, {} conf changes, \
         {} snapshot installs, {:.1}s",
        t.events,
        t.leaders,
        t.kills,
        t.conf_changes,
        t.snapshots,
        start.elapsed().as_secs_f64()
    );
    assert!(
        t.snapshots > 0 && t.conf_changes > 0,
        "the runs did not exercise snapshots and membership"
    );
}

/// Replays one seed (`QUORATE_SEED`, default 0), printing its trace and any violation.
#[test]
fn replay_one_seed() {
    let seed = seeds_from_env("QUORATE_SEED", 0);
    let (c, stats, liveness) = run_seed(seed, std::env::var("QUORATE_SEED").is_ok());
    for line in &c.text {
        println!("{line}");
    }
    println!("seed {seed}: {stats:?}");
    for v in c.violations() {
        println!("{v}");
    }
    assert!(
        c.violations().is_empty(),
        "seed {seed}: {}",
        c.violations()[0]
    );
    assert!(
        liveness.is_none(),
        "seed {seed}: {}",
        liveness.unwrap_or_default()
    );
}

/// Same seed, same run: the trace digest is identical twice over.
#[test]
fn a_seed_replays_to_the_same_digest() {
    let (a, _, _) = run_seed(42, false);
    let (b, _, _) = run_seed(42, false);
    assert_eq!(a.world.digest(), b.world.digest());
    assert_eq!(a.world.events(), b.world.events());
}

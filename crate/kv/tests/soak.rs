//! Intent: under random kills, restarts, pauses, partitions and loss, with reads through ReadIndex,
//! every history the simulated clients record is linearizable. A failure prints the seed and the
//! command that replays it alone.
//!
//! `KV_SOAK_SEEDS=<n>` runs n seeds (default 500); `KV_SOAK_SEED=<s>` runs seed s alone.

use std::time::Instant;

use quorate_check::linearizability::Verdict;
use quorate_kv::sweep::{soak, SoakConfig};
use quorate_raft::ReadMode;

fn seeds() -> Vec<u64> {
    if let Some(s) = std::env::var("KV_SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return vec![s];
    }
    let n: u64 = std::env::var("KV_SOAK_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500);
    (1..=n).collect()
}

// The seeds are split in two halves, run as two tests so that the harness can use two cores.
#[test]
fn every_history_is_linearizable_under_faults_with_read_index_odd_seeds() {
    run(seeds().into_iter().filter(|s| s % 2 == 1).collect());
}

#[test]
fn every_history_is_linearizable_under_faults_with_read_index_even_seeds() {
    run(seeds().into_iter().filter(|s| s % 2 == 0).collect());
}

/// Lease reads (thesis §6.4.1) are safe here because simulated clocks do not drift.
#[test]
fn every_history_is_linearizable_under_faults_with_lease_reads() {
    let cfg = SoakConfig {
        read_mode: ReadMode::Lease,
        ..SoakConfig::default()
    };
    for seed in 10_001..=10_100 {
        let r = soak(seed, &cfg);
        assert_eq!(
            r.verdict,
            Verdict::Linearizable,
            "seed {seed} (lease reads): {}",
            r.explanation.unwrap_or_default()
        );
    }
}

#[test]
fn a_seed_replays_to_the_same_history() {
    let cfg = SoakConfig::default();
    assert_eq!(soak(77, &cfg).history, soak(77, &cfg).history);
}

fn run(seeds: Vec<u64>) {
    let cfg = SoakConfig::default();
    let started = Instant::now();
    let (mut ok, mut fail, mut unknown, mut faults) = (0, 0, 0, 0);
    for &seed in &seeds {
        let r = soak(seed, &cfg);
        if r.verdict != Verdict::Linearizable {
            panic!(
                "seed {seed}: {:?}\n{}\nreproduce: KV_SOAK_SEED={seed} cargo test -p quorate-kv --test soak -- --nocapture",
                r.verdict,
                r.explanation.unwrap_or_default()
            );
        }
        ok += r.stats.ok;
        fail += r.stats.fail;
        unknown += r.stats.unknown;
        faults += r.faults;
    }
    println!(
        "{} seeds linearizable in {:.1} s: {ok} ok, {fail} fail, {unknown} info, {faults} fault commands",
        seeds.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        ok > 10 * seeds.len() as u64,
        "too few operations completed: {ok}"
    );
}

/// The exported Jepsen log of each key gets the same verdict from crate/check's own register model and
/// reader as the history gets from the per-key model: the two paths agree.
#[test]
fn exported_jepsen_logs_get_the_same_verdicts() {
    use quorate_check::linearizability::{check, parse_jepsen_register, Register};
    use quorate_kv::sweep::{jepsen_register_log, FaultMix};

    let mut stale = 0;
    for (seed, read_mode) in [
        (3, ReadMode::ReadIndex),
        (4, ReadMode::ReadIndex),
        (1, ReadMode::UnsafeLocal),
        (4, ReadMode::UnsafeLocal),
        (5, ReadMode::UnsafeLocal),
    ] {
        let cfg = SoakConfig {
            read_mode,
            faults: FaultMix {
                partitions: true,
                ..FaultMix::NONE
            },
            ..SoakConfig::default()
        };
        let r = soak(seed, &cfg);
        let mut any_bad = false;
        for key in ["k0", "k1", "k2"] {
            let log = jepsen_register_log(&r.history, key);
            let parsed = parse_jepsen_register(&log)
                .unwrap_or_else(|e| panic!("seed {seed} {key}: {e}\n{log}"));
            let verdict = check(&Register, &parsed).verdict;
            assert_ne!(verdict, Verdict::Unknown);
            any_bad |= verdict == Verdict::NotLinearizable;
        }
        assert_eq!(
            any_bad,
            r.verdict == Verdict::NotLinearizable,
            "seed {seed} {read_mode:?}"
        );
        stale += usize::from(any_bad);
    }
    assert!(
        stale > 0,
        "at least one local-read run is caught through the exported logs"
    );
}

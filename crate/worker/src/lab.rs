//! What a lab worker runs: one job of the lab page (`quorate_view::lab`), measured by the same
//! functions `quorate lab` calls (crate/raft's Figure 16 trial, crate/gossip's sweeps and Markov chain),
//! so a seed gives the page the CLI's number.

use quorate_core::Duration;
use quorate_gossip::markov::PushChain;
use quorate_gossip::sweep::{self, Slowness};
use quorate_gossip::{theory, Lifeguard};
use quorate_raft::sweep::fig16::{self, Fig16Params};
use quorate_view::codec::{decode, encode};
use quorate_view::lab::{
    LabAnswer, LabJob, LabOutcome, LabTask, LIFEGUARD_MINUTES, LIFEGUARD_N, MARKOV_MAX_N,
    MARKOV_ROUNDS,
};

/// The name that makes a worker a lab worker.
pub const LAB_WORKER_NAME: &str = "lab";

/// Runs one task.
pub fn run(task: &LabTask) -> LabOutcome {
    match *task {
        LabTask::Fig16 {
            min_ms,
            max_ms,
            seed,
        } => {
            if min_ms == 0 || max_ms < min_ms {
                return LabOutcome::Refused(format!(
                    "a timeout range must be 0 < min <= max, got {min_ms}-{max_ms} ms"
                ));
            }
            let params = Fig16Params::default();
            LabOutcome::Fig16 {
                ms: fig16::trial(seed, min_ms, max_ms, &params).map(|d| d.as_millis_f64()),
            }
        }
        LabTask::Convergence { spread, seed } => match spread.check() {
            Ok(s) => {
                let r = sweep::dissemination_with(s.n, s.fanout, s.loss, seed);
                LabOutcome::Convergence {
                    informed: r.informed,
                    rounds_to_9999: r.rounds_to_9999,
                    final_informed: r.final_informed,
                    converged: r.converged,
                }
            }
            Err(e) => LabOutcome::Refused(e),
        },
        LabTask::Detection { n, seed } => {
            if !(2..=1_000).contains(&n) {
                return LabOutcome::Refused(format!("N must be from 2 to 1000, got {n}"));
            }
            LabOutcome::Detection {
                periods: sweep::first_detection(n, seed),
                model: theory::first_detection_expected(n),
            }
        }
        LabTask::Load { n, seed } => {
            if !(2..=1_000).contains(&n) {
                return LabOutcome::Refused(format!("N must be from 2 to 1000, got {n}"));
            }
            let l = sweep::message_load(n, seed, 30);
            LabOutcome::Load {
                probe: l.probe,
                all: l.all,
            }
        }
        LabTask::Lifeguard { slow, seed } => {
            if slow >= LIFEGUARD_N {
                return LabOutcome::Refused(format!(
                    "slow members must be fewer than {LIFEGUARD_N}, got {slow}"
                ));
            }
            // The CLI's setting: 5% loss, slow members' inbound 6 s late.
            let lag = Duration::from_secs(6);
            let slowness = Slowness::Inbound { min: lag, max: lag };
            let run = |lifeguard| {
                sweep::false_positives(
                    LIFEGUARD_N,
                    slow,
                    slowness,
                    lifeguard,
                    0.05,
                    LIFEGUARD_MINUTES,
                    seed,
                )
            };
            let (off, on) = (run(Lifeguard::OFF), run(Lifeguard::ON));
            LabOutcome::Lifeguard {
                off_declared: off.declared,
                off_seen: off.seen,
                on_declared: on.declared,
                on_seen: on.seen,
            }
        }
        LabTask::Markov { spread, rounds } => match spread.check() {
            Ok(s) => {
                let rounds = rounds.min(MARKOV_ROUNDS);
                let chain = PushChain::compute(s.n, s.fanout, s.loss, rounds);
                let bands: Vec<_> = (0..=rounds as usize).map(|r| chain.band(r)).collect();
                LabOutcome::Markov {
                    mean: bands.iter().map(|b| b.mean).collect(),
                    p05: bands.iter().map(|b| b.p05).collect(),
                    p95: bands.iter().map(|b| b.p95).collect(),
                    serf: (0..=rounds)
                        .map(|r| {
                            theory::serf_informed(
                                f64::from(s.n),
                                f64::from(s.fanout),
                                s.loss,
                                0.0,
                                f64::from(r),
                            )
                        })
                        .collect(),
                }
            }
            Err(e) => LabOutcome::Refused(format!(
                "{e} (the chain is computed up to N = {MARKOV_MAX_N})"
            )),
        },
        LabTask::Panic => panic!("lab worker told to panic (crash test)"),
        LabTask::Hang => loop {
            std::hint::spin_loop();
        },
    }
}

/// A lab worker's answer to the bytes of a `LabJob`: the encoded `LabAnswer` (a malformed job is
/// answered as refused, with id 0). `started` hears the job's id before it runs, so a panic hook can
/// say which job died.
pub fn handle(bytes: &[u8], started: impl FnOnce(u32)) -> Vec<u8> {
    let answer = match decode::<LabJob>(bytes, "a lab job") {
        Ok(job) => {
            started(job.id);
            LabAnswer {
                id: job.id,
                outcome: run(&job.task),
            }
        }
        Err(e) => LabAnswer {
            id: 0,
            outcome: LabOutcome::Refused(e.to_string()),
        },
    };
    encode(&answer)
}

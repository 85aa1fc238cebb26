//! The lab page's messages: jobs for a pool of lab workers (one seed of one experiment each, or the
//! exact Markov chain) and their answers, plus the pure bookkeeping the page does with them: the job
//! list of an experiment, and the CSV rows (the same header and cells as `quorate lab … --csv`).
//!
//! A lab worker runs a job with the very functions the CLI calls (crate/worker/src/lab.rs), so the
//! same seeds give the same numbers in the page and in `quorate lab`.

use serde::{Deserialize, Serialize};

/// Figure 16's timeout ranges, in milliseconds (the paper's; `quorate_raft::sweep::fig16::PAPER_RANGES`).
pub const FIG16_RANGES: [(u64, u64); 7] = [
    (150, 150),
    (150, 151),
    (150, 155),
    (150, 175),
    (150, 200),
    (150, 300),
    (12, 24),
];

/// The Raft paper's own numbers for Figure 16 (section 9.3): (range, statistic, milliseconds); the
/// statistic is `p50`, `max` or `mean` (`p50 >` is a lower bound).
pub const FIG16_PAPER: &[((u64, u64), &str, f64)] = &[
    ((150, 150), "p50 >", 10_000.0),
    ((150, 155), "p50", 287.0),
    ((150, 200), "max", 513.0),
    ((12, 24), "mean", 35.0),
    ((12, 24), "max", 152.0),
];

/// Cluster sizes of the detection and load experiments (the CLI's defaults).
pub const DETECTION_SIZES: [u32; 3] = [10, 50, 200];
pub const LOAD_SIZES: [u32; 3] = [10, 100, 1000];
/// Lifeguard experiment: members, minutes per run, and slow members 0..=LIFEGUARD_MAX_SLOW.
pub const LIFEGUARD_N: u32 = 30;
pub const LIFEGUARD_MINUTES: u64 = 10;
pub const LIFEGUARD_MAX_SLOW: u32 = 4;
/// Rounds the Markov chain is computed for.
pub const MARKOV_ROUNDS: u32 = 30;
/// Largest N the interactive chain accepts (its cost grows as N³ per round).
pub const MARKOV_MAX_N: u32 = 100;

/// An experiment of the lab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Experiment {
    Fig16,
    Convergence,
    Detection,
    Load,
    Lifeguard,
}

impl Experiment {
    pub const ALL: [Experiment; 5] = [
        Experiment::Fig16,
        Experiment::Convergence,
        Experiment::Detection,
        Experiment::Load,
        Experiment::Lifeguard,
    ];

    /// The name the CLI gives it (`quorate lab <name>`).
    pub fn name(self) -> &'static str {
        match self {
            Experiment::Fig16 => "fig16",
            Experiment::Convergence => "convergence",
            Experiment::Detection => "detection",
            Experiment::Load => "load",
            Experiment::Lifeguard => "lifeguard",
        }
    }

    pub fn parse(name: &str) -> Option<Experiment> {
        Experiment::ALL.into_iter().find(|e| e.name() == name)
    }

    pub fn title(self) -> &'static str {
        match self {
            Experiment::Fig16 => "Raft Figure 16: time without a leader after a crash",
            Experiment::Convergence => "Gossip convergence: measured, Markov chain, Serf's model",
            Experiment::Detection => "SWIM first detection against e/(e-1)",
            Experiment::Load => "SWIM message load against N",
            Experiment::Lifeguard => "False deaths with slow members, Lifeguard off and on",
        }
    }
}

/// Parameters of the convergence experiment and the chain (the Markov sliders).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub n: u32,
    pub fanout: u32,
    pub loss: f64,
}

impl Default for Spread {
    fn default() -> Self {
        Spread {
            n: 30,
            fanout: 3,
            loss: 0.0,
        }
    }
}

impl Spread {
    /// Checks values from the page: `2 <= n <= MARKOV_MAX_N`, `1 <= fanout < n`, `0 <= loss < 1`.
    pub fn check(self) -> Result<Spread, String> {
        if !(2..=MARKOV_MAX_N).contains(&self.n) {
            return Err(format!(
                "N must be from 2 to {MARKOV_MAX_N}, got {}",
                self.n
            ));
        }
        if self.fanout == 0 || self.fanout >= self.n {
            return Err(format!(
                "fanout must be from 1 to N - 1 = {}, got {}",
                self.n - 1,
                self.fanout
            ));
        }
        if !(0.0..1.0).contains(&self.loss) {
            return Err(format!("loss must be in [0, 1), got {}", self.loss));
        }
        Ok(self)
    }
}

/// One unit of work for a lab worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum LabTask {
    /// One Figure 16 trial of a timeout range.
    Fig16 { min_ms: u64, max_ms: u64, seed: u64 },
    /// One measured spread of a user event.
    Convergence { spread: Spread, seed: u64 },
    /// Crash to first suspicion in one run.
    Detection { n: u32, seed: u64 },
    /// Messages per member per period over 30 healthy periods.
    Load { n: u32, seed: u64 },
    /// One run with Lifeguard off and one with it on, `slow` members slow.
    Lifeguard { slow: u32, seed: u64 },
    /// The exact push-gossip chain and Serf's model.
    Markov { spread: Spread, rounds: u32 },
    /// Panic, as a bug in a measurement would: what the page sends in place of a job named by the
    /// test-only `crash-job` of its address (see `LabHooks`).
    Panic,
    /// Never answer, as a measurement stuck in a loop would: what the page sends in place of a job
    /// named by the test-only `hang-job` of its address.
    Hang,
}

impl LabTask {
    /// The job in words, for a message about it: the experiment, its setting and the seed.
    pub fn describe(&self) -> String {
        match self {
            LabTask::Fig16 {
                min_ms,
                max_ms,
                seed,
            } => format!("Figure 16, {min_ms}-{max_ms} ms, seed {seed}"),
            LabTask::Convergence { spread, seed } => format!(
                "convergence, N = {}, fanout {}, loss {:.2}, seed {seed}",
                spread.n, spread.fanout, spread.loss
            ),
            LabTask::Detection { n, seed } => format!("detection, N = {n}, seed {seed}"),
            LabTask::Load { n, seed } => format!("load, N = {n}, seed {seed}"),
            LabTask::Lifeguard { slow, seed } => {
                format!("Lifeguard, {slow} slow members, seed {seed}")
            }
            LabTask::Markov { spread, .. } => format!(
                "Markov chain, N = {}, fanout {}, loss {:.2}",
                spread.n, spread.fanout, spread.loss
            ),
            LabTask::Panic => "a crash test".to_string(),
            LabTask::Hang => "a hang test".to_string(),
        }
    }
}

/// A job as it crosses to a lab worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LabJob {
    pub id: u32,
    pub task: LabTask,
}

/// What a job measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum LabOutcome {
    /// Milliseconds without a leader; `None` past the cap (10 s).
    Fig16 {
        ms: Option<f64>,
    },
    /// Informed members after each gossip interval, and the rounds to 99.99% (NaN when the run
    /// did not converge within its horizon: `final_informed` members had the event then).
    Convergence {
        informed: Vec<u32>,
        rounds_to_9999: f64,
        #[serde(default)]
        final_informed: u32,
        #[serde(default = "yes")]
        converged: bool,
    },
    /// Probe periods from the crash to the first suspicion, and this engine's expectation for the
    /// run's N (crate/gossip's `theory::first_detection_expected`, the CLI's "engine model").
    Detection {
        periods: f64,
        model: f64,
    },
    Load {
        probe: f64,
        all: f64,
    },
    Lifeguard {
        off_declared: u32,
        off_seen: u32,
        on_declared: u32,
        on_seen: u32,
    },
    /// Per round: the chain's mean, 5% and 95% informed counts, and Serf's model.
    Markov {
        mean: Vec<f64>,
        p05: Vec<u32>,
        p95: Vec<u32>,
        serf: Vec<f64>,
    },
    /// The job was refused (bad parameters).
    Refused(String),
    /// The job panicked (the panic's text); the worker that ran it is dead and must be replaced.
    Panicked(String),
    /// A lab worker's first message: it is listening (answer id 0).
    Ready,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LabAnswer {
    pub id: u32,
    pub outcome: LabOutcome,
}

/// How long a lab job may run before the page gives up on it, ends its worker and starts another:
/// about ten times the slowest job (a Lifeguard pair, 1.5 s natively) on a slow machine.
pub const JOB_LIMIT_S: u32 = 120;

/// Test-only hooks the lab page reads from its address (`lab.html#crash-job=3&garble-job=5`), so
/// end-to-end tests can make a job fail for real: `crash-job=K` sends job K as `LabTask::Panic` (its
/// worker traps), `garble-job=K` sends job K as bytes that are not a job (its worker cannot decode
/// it), `hang-job=K` sends job K as `LabTask::Hang` (its worker never answers), and `job-limit=S`
/// gives up on a job after S seconds instead of [`JOB_LIMIT_S`]. Job numbers count from 1 in the run's
/// order. A page opened without them runs every job as planned.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LabHooks {
    pub crash_job: Option<u32>,
    pub garble_job: Option<u32>,
    pub hang_job: Option<u32>,
    pub job_limit_s: Option<u32>,
}

impl LabHooks {
    /// Reads the hooks from the address's fragment (with or without its `#`); anything else in it is
    /// an error that names the part and says what was expected.
    pub fn parse(fragment: &str) -> Result<LabHooks, String> {
        let mut hooks = LabHooks::default();
        for part in fragment
            .trim_start_matches('#')
            .split('&')
            .filter(|p| !p.is_empty())
        {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            let slot = match key {
                "crash-job" => &mut hooks.crash_job,
                "garble-job" => &mut hooks.garble_job,
                "hang-job" => &mut hooks.hang_job,
                "job-limit" => &mut hooks.job_limit_s,
                _ => {
                    return Err(format!(
                    "the lab's address knows only crash-job, garble-job, hang-job and job-limit \
                         (test-only), not {:?}",
                    clip(key)
                ))
                }
            };
            let what = if key == "job-limit" {
                "a number of seconds from 1"
            } else {
                "a job number from 1"
            };
            match value.parse::<u32>() {
                Ok(k) if k >= 1 => *slot = Some(k),
                _ => {
                    return Err(format!(
                        "{key} in the lab's address must be {what}, got {:?}",
                        clip(value)
                    ))
                }
            }
        }
        Ok(hooks)
    }
}

/// At most 40 characters of something the address carried, for a message.
fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// The jobs of an experiment with `seeds` seeds from `first`, in the order the CLI runs them.
pub fn plan(experiment: Experiment, seeds: u64, first: u64, spread: Spread) -> Vec<LabTask> {
    let seeds = first..first + seeds.max(1);
    match experiment {
        Experiment::Fig16 => FIG16_RANGES
            .iter()
            .flat_map(|&(min_ms, max_ms)| {
                seeds.clone().map(move |seed| LabTask::Fig16 {
                    min_ms,
                    max_ms,
                    seed,
                })
            })
            .collect(),
        Experiment::Convergence => seeds
            .map(|seed| LabTask::Convergence { spread, seed })
            .collect(),
        Experiment::Detection => DETECTION_SIZES
            .iter()
            .flat_map(|&n| {
                seeds
                    .clone()
                    .map(move |seed| LabTask::Detection { n, seed })
            })
            .collect(),
        // The CLI measures load with one seed (its first).
        Experiment::Load => LOAD_SIZES
            .iter()
            .map(|&n| LabTask::Load {
                n,
                seed: seeds.start,
            })
            .collect(),
        Experiment::Lifeguard => (0..=LIFEGUARD_MAX_SLOW)
            .flat_map(|slow| {
                seeds
                    .clone()
                    .map(move |seed| LabTask::Lifeguard { slow, seed })
            })
            .collect(),
    }
}

/// Figure 16 per range: the sorted uncensored samples and the trials in all.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RangeSamples {
    pub min_ms: u64,
    pub max_ms: u64,
    pub samples_ms: Vec<f64>,
    pub trials: u32,
}

impl RangeSamples {
    /// The CDF as points (ms, fraction of all trials with a leader again by then).
    pub fn cdf(&self) -> Vec<(f64, f64)> {
        let n = f64::from(self.trials.max(1));
        self.samples_ms
            .iter()
            .enumerate()
            .map(|(i, ms)| (*ms, (i + 1) as f64 / n))
            .collect()
    }
}

/// Gathers Figure 16 answers per range, in the paper's order of ranges.
pub fn fig16_ranges<'a>(
    done: impl IntoIterator<Item = (&'a LabTask, &'a LabOutcome)>,
) -> Vec<RangeSamples> {
    let mut ranges: Vec<RangeSamples> = FIG16_RANGES
        .iter()
        .map(|&(min_ms, max_ms)| RangeSamples {
            min_ms,
            max_ms,
            ..RangeSamples::default()
        })
        .collect();
    for (task, outcome) in done {
        if let (LabTask::Fig16 { min_ms, max_ms, .. }, LabOutcome::Fig16 { ms }) = (task, outcome) {
            if let Some(r) = ranges
                .iter_mut()
                .find(|r| (r.min_ms, r.max_ms) == (*min_ms, *max_ms))
            {
                r.trials += 1;
                if let Some(ms) = ms {
                    r.samples_ms.push(*ms);
                }
            }
        }
    }
    for r in &mut ranges {
        r.samples_ms.sort_by(f64::total_cmp);
    }
    ranges
}

/// Figure 16 as CSV, as `quorate lab fig16 --csv` writes it: one row per uncensored trial.
pub fn fig16_csv(ranges: &[RangeSamples]) -> String {
    let mut out = String::from("range_min_ms,range_max_ms,ms,cdf\n");
    for r in ranges {
        let n = f64::from(r.trials.max(1));
        for (i, ms) in r.samples_ms.iter().enumerate() {
            out += &format!(
                "{},{},{ms:.3},{:.5}\n",
                r.min_ms,
                r.max_ms,
                (i + 1) as f64 / n
            );
        }
    }
    out
}

/// Mean and sample standard deviation, as `quorate_gossip::sweep::mean_sd` (the CLI's).
pub fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_follow_the_cli_and_csv_has_its_header() {
        let jobs = plan(Experiment::Fig16, 2, 1, Spread::default());
        assert_eq!(jobs.len(), 14);
        assert_eq!(
            jobs[1],
            LabTask::Fig16 {
                min_ms: 150,
                max_ms: 150,
                seed: 2
            }
        );
        assert_eq!(plan(Experiment::Load, 5, 3, Spread::default()).len(), 3);
        assert_eq!(
            plan(Experiment::Lifeguard, 2, 1, Spread::default()).len(),
            10
        );
        let t = LabTask::Fig16 {
            min_ms: 12,
            max_ms: 24,
            seed: 1,
        };
        let done = [
            (t.clone(), LabOutcome::Fig16 { ms: Some(40.0) }),
            (t.clone(), LabOutcome::Fig16 { ms: None }),
            (t, LabOutcome::Fig16 { ms: Some(30.5) }),
        ];
        let ranges = fig16_ranges(done.iter().map(|(t, o)| (t, o)));
        let r = ranges.iter().find(|r| r.min_ms == 12).unwrap();
        assert_eq!((r.trials, r.samples_ms.clone()), (3, vec![30.5, 40.0]));
        let csv = fig16_csv(&ranges);
        assert_eq!(
            csv,
            "range_min_ms,range_max_ms,ms,cdf\n12,24,30.500,0.33333\n12,24,40.000,0.66667\n"
        );
    }

    #[test]
    fn spread_values_are_checked_by_name() {
        assert!(Spread::default().check().is_ok());
        for (bad, says) in [
            (
                Spread {
                    n: 1,
                    ..Spread::default()
                },
                "N must",
            ),
            (
                Spread {
                    n: 500,
                    ..Spread::default()
                },
                "N must",
            ),
            (
                Spread {
                    fanout: 0,
                    ..Spread::default()
                },
                "fanout",
            ),
            (
                Spread {
                    fanout: 30,
                    ..Spread::default()
                },
                "fanout",
            ),
            (
                Spread {
                    loss: 1.0,
                    ..Spread::default()
                },
                "loss",
            ),
            (
                Spread {
                    loss: f64::NAN,
                    ..Spread::default()
                },
                "loss",
            ),
        ] {
            let message = bad.check().unwrap_err();
            assert!(message.contains(says), "{bad:?}: {message}");
        }
        assert_eq!(Experiment::parse("fig16"), Some(Experiment::Fig16));
        assert_eq!(Experiment::parse("<x>"), None);
    }

    #[test]
    fn hooks_are_read_from_the_address_and_anything_else_is_named() {
        assert_eq!(LabHooks::parse(""), Ok(LabHooks::default()));
        assert_eq!(LabHooks::parse("#"), Ok(LabHooks::default()));
        assert_eq!(
            LabHooks::parse("#crash-job=3&garble-job=5"),
            Ok(LabHooks {
                crash_job: Some(3),
                garble_job: Some(5),
                ..LabHooks::default()
            })
        );
        assert_eq!(
            LabHooks::parse("hang-job=2&job-limit=4"),
            Ok(LabHooks {
                hang_job: Some(2),
                job_limit_s: Some(4),
                ..LabHooks::default()
            })
        );
        for (bad, says) in [
            (
                "#crash-job=0",
                "crash-job in the lab's address must be a job number",
            ),
            ("#crash-job=x", "got \"x\""),
            ("#garble-job", "garble-job in the lab's address"),
            (
                "#job-limit=0",
                "job-limit in the lab's address must be a number of seconds from 1, got \"0\"",
            ),
            ("#<script>=1", "not \"<script>\""),
        ] {
            let message = LabHooks::parse(bad).unwrap_err();
            assert!(message.contains(says), "{bad}: {message}");
        }
    }

    #[test]
    fn a_job_in_words_names_its_seed() {
        let t = LabTask::Detection { n: 50, seed: 7 };
        assert_eq!(t.describe(), "detection, N = 50, seed 7");
    }
}

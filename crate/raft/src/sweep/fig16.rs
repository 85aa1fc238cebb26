//! Figure 16 of the Raft paper (§9.3): how long a cluster is without a leader after the leader crashes,
//! for several ranges of the randomized election timeout.
//!
//! Setup, as in the paper: five voters, no PreVote and no CheckQuorum. The paper's cluster had a
//! "broadcast time (network round trip plus disk write) of roughly 15 ms" on gigabit Ethernet, so most
//! of it was the disk write of a candidate's term and vote before its requests left. The simulator
//! writes at once, so that delay is put on the wire: one-way latency uniform in 3–3.5 ms, which places
//! the sweep within about 20% of the paper's points. (Taken as all network, 7–8 ms one way, every
//! 150–155 ms trial splits its first vote: four candidates time out within less than the latency.) Each trial elects a leader (by a campaign command, so the slow ranges do
//! not spend their time on the first election), lets it lead for a while, crashes it at a random moment
//! within a heartbeat interval, and measures the time until another node becomes leader. Trials longer
//! than `cap` are censored (counted as "> cap").

use quorate_core::{Duration, NodeId, NodeRng, SimTime};
use quorate_sim::{Latency, LinkParams, TraceMode, World, WorldCommand, WorldConfig};

use crate::{Command, Config, Raft, RoleKind};

/// The paper's ranges, in milliseconds.
pub const PAPER_RANGES: [(u64, u64); 7] = [
    (150, 150),
    (150, 151),
    (150, 155),
    (150, 175),
    (150, 200),
    (150, 300),
    (12, 24),
];

/// What the paper reports for a range, where its text gives a number.
pub fn paper_note(min_ms: u64, max_ms: u64) -> &'static str {
    match (min_ms, max_ms) {
        (150, 150) => "often > 10 s (split votes)",
        (150, 155) => "median about 287 ms",
        (150, 300) => "worst case a few hundred ms",
        (12, 24) => "average about 35 ms",
        _ => "",
    }
}

/// How a sweep is run.
#[derive(Clone, Debug)]
pub struct Fig16Params {
    pub trials: u32,
    pub first_seed: u64,
    pub nodes: u32,
    /// One-way latency, uniform in `[latency_min, latency_max]`.
    pub latency_min: Duration,
    pub latency_max: Duration,
    /// Trials without a leader after this long are censored.
    pub cap: Duration,
}

impl Default for Fig16Params {
    fn default() -> Self {
        Fig16Params {
            trials: 1000,
            first_seed: 1,
            nodes: 5,
            latency_min: Duration::from_micros(3000),
            latency_max: Duration::from_micros(3500),
            cap: Duration::from_secs(10),
        }
    }
}

/// The measured times of one range.
#[derive(Clone, Debug)]
pub struct RangeResult {
    pub min_ms: u64,
    pub max_ms: u64,
    /// Times without a leader, in milliseconds, sorted; censored trials are not in it.
    pub samples_ms: Vec<f64>,
    /// Trials still without a leader at the cap.
    pub censored: u32,
}

impl RangeResult {
    pub fn trials(&self) -> u32 {
        self.samples_ms.len() as u32 + self.censored
    }

    /// The `q`-quantile over all trials (censored ones count as +infinity); `None` if it falls among them.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.trials();
        if n == 0 {
            return None;
        }
        let rank = ((q * f64::from(n)).ceil() as usize).clamp(1, n as usize);
        self.samples_ms.get(rank - 1).copied()
    }

    /// Mean of the uncensored trials.
    pub fn mean(&self) -> Option<f64> {
        if self.samples_ms.is_empty() {
            None
        } else {
            Some(self.samples_ms.iter().sum::<f64>() / self.samples_ms.len() as f64)
        }
    }

    /// Fraction of trials with a leader again within `ms` (one point of the CDF).
    pub fn cdf(&self, ms: f64) -> f64 {
        let n = self.trials();
        if n == 0 {
            return 0.0;
        }
        self.samples_ms.iter().filter(|t| **t <= ms).count() as f64 / f64::from(n)
    }
}

/// One trial: the time without a leader after crashing one, or `None` past the cap.
pub fn trial(seed: u64, min_ms: u64, max_ms: u64, params: &Fig16Params) -> Option<Duration> {
    let nodes: Vec<NodeId> = (1..=params.nodes).map(NodeId).collect();
    let mut cfg = Config::new(nodes.iter().copied());
    cfg.pre_vote = false;
    cfg.check_quorum = false;
    cfg.election_timeout_min = Duration::from_millis(min_ms);
    cfg.election_timeout_max = Duration::from_millis(max_ms);
    // Heartbeats well under the minimum timeout (paper §5.6): a third of it, at most the 50 ms default.
    cfg.heartbeat_interval = Duration::from_micros((min_ms * 1000 / 3).min(50_000));
    cfg.snapshot_threshold = 0;
    let link = LinkParams {
        latency: Latency::Uniform {
            min: params.latency_min,
            max: params.latency_max,
        },
        ..LinkParams::default()
    };
    let mut world: World<Raft> = World::with_trace(
        WorldConfig {
            seed,
            nodes: nodes.clone(),
            engine: cfg.clone(),
            network: link,
        },
        TraceMode::Off,
    );
    // The live leader of the highest term, if any.
    let leader_of = |w: &World<Raft>| {
        nodes
            .iter()
            .filter_map(|id| {
                w.engine(*id)
                    .filter(|e| e.role() == RoleKind::Leader)
                    .map(|e| (e.term(), *id))
            })
            .max()
    };
    // A first leader, quickly: n1 campaigns at once. Then wait until some leader has held on for two
    // maximum timeouts (with short timeouts the first elections may churn).
    world
        .apply(WorldCommand::Client {
            node: NodeId(1),
            cmd: Command::Campaign,
        })
        .ok()?;
    let settle = cfg.election_timeout_max.saturating_mul(2);
    let setup_limit = SimTime::ZERO + params.cap;
    let (term, leader) = loop {
        world.run_while(setup_limit, |w| leader_of(w).is_some());
        let first = leader_of(&world)?;
        world.run_for(settle);
        if leader_of(&world) == Some(first) {
            break first;
        }
        if world.now() >= setup_limit {
            return None;
        }
    };
    // Crash it at a random phase of its heartbeat cycle.
    let mut rng = NodeRng::for_world(seed ^ 0xf16);
    world.run_for(rng.duration_between(Duration::ZERO, cfg.heartbeat_interval));
    if leader_of(&world) != Some((term, leader)) {
        return None;
    }
    world.apply(WorldCommand::Kill(leader)).ok()?;
    let crashed_at = world.now();
    let limit = crashed_at + params.cap;
    let found = world.run_while(limit, |w| leader_of(w).is_some_and(|(t, _)| t > term));
    found.then(|| world.now().since(crashed_at))
}

/// Runs `params.trials` trials for each range; `progress` is called after each range.
pub fn sweep(
    ranges: &[(u64, u64)],
    params: &Fig16Params,
    mut progress: impl FnMut(&RangeResult),
) -> Vec<RangeResult> {
    let mut results = Vec::new();
    for &(min_ms, max_ms) in ranges {
        let mut r = RangeResult {
            min_ms,
            max_ms,
            samples_ms: Vec::new(),
            censored: 0,
        };
        for i in 0..params.trials {
            match trial(params.first_seed + u64::from(i), min_ms, max_ms, params) {
                Some(d) => r.samples_ms.push(d.as_millis_f64()),
                None => r.censored += 1,
            }
        }
        r.samples_ms.sort_by(f64::total_cmp);
        progress(&r);
        results.push(r);
    }
    results
}

/// A text table of the results, with the paper's numbers beside them.
pub fn describe_table(results: &[RangeResult], params: &Fig16Params) -> String {
    let fmt =
        |v: Option<f64>| v.map_or_else(|| format!("> {}", params.cap), |x| format!("{x:.0} ms"));
    let mut out = format!(
        "{:<10} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8}  {}\n",
        "range", "trials", "mean", "p50", "p90", "p99", "max", "> cap", "paper"
    );
    for r in results {
        out += &format!(
            "{:<10} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8}  {}\n",
            format!("{}-{}", r.min_ms, r.max_ms),
            r.trials(),
            fmt(r.mean()),
            fmt(r.quantile(0.5)),
            fmt(r.quantile(0.9)),
            fmt(r.quantile(0.99)),
            fmt(r.quantile(1.0)),
            r.censored,
            paper_note(r.min_ms, r.max_ms)
        );
    }
    out += "\nCDF: fraction of trials with a new leader within t\n";
    let points = [
        50.0, 100.0, 150.0, 200.0, 300.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0,
    ];
    out += &format!("{:<10}", "range");
    for p in points {
        out += &format!(" {:>7}", format!("{p:.0}ms"));
    }
    out += "\n";
    for r in results {
        out += &format!("{:<10}", format!("{}-{}", r.min_ms, r.max_ms));
        for p in points {
            out += &format!(" {:>7.3}", r.cdf(p));
        }
        out += "\n";
    }
    out
}

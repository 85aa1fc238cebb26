//! The formulas and curves the engine uses and the tests compare against, apart from protocol code.
//!
//! Engine formulas (memberlist): [`suspicion_min`], [`suspicion_timeout`], [`retransmit_limit`],
//! [`push_pull_scale`]. Reference curves: SWIM's first-detection time ([`SWIM_FIRST_PROBE_PERIODS`] and
//! [`first_detection_expected`] for this engine's exact timing), Serf's logistic convergence model
//! ([`serf_informed`], [`serf_rounds_to`]) and the rumor-mongering residue of Demers et al. ([`demers_residue`]).

use quorate_core::Duration;

/// SWIM (Das et al. 2002, section 3.1): with uniformly random probe targets, a failed member is first
/// probed after `1 / (1 - 1/e) = e / (e - 1)` protocol periods on average, whatever N.
pub const SWIM_FIRST_PROBE_PERIODS: f64 = std::f64::consts::E / (std::f64::consts::E - 1.0);

/// memberlist `suspicionTimeout`: `SuspicionMult * max(1, log10(max(1, N))) * ProbeInterval`, with the
/// node scale truncated to thousandths as memberlist's integer arithmetic does.
pub fn suspicion_min(suspicion_mult: u32, n: u32, probe_interval: Duration) -> Duration {
    let node_scale = f64::max(1.0, f64::log10(f64::max(1.0, f64::from(n))));
    let milli_scale = (node_scale * 1000.0) as u64;
    Duration::from_micros(
        u64::from(suspicion_mult) * milli_scale * probe_interval.as_micros() / 1000,
    )
}

/// memberlist `remainingSuspicionTime` without the elapsed part: the total suspicion timeout after `n`
/// independent confirmations out of `k` wanted (Lifeguard IV-B), floored to whole milliseconds and never
/// below `min`. With `k = 0`, `min`.
pub fn suspicion_timeout(n: u32, k: u32, min: Duration, max: Duration) -> Duration {
    if k == 0 {
        return min;
    }
    let frac = f64::ln(f64::from(n) + 1.0) / f64::ln(f64::from(k) + 1.0);
    let raw = max.as_secs_f64() - frac * (max.as_secs_f64() - min.as_secs_f64());
    let timeout = Duration::from_millis(f64::floor(1000.0 * raw).max(0.0) as u64);
    timeout.max(min)
}

/// memberlist `retransmitLimit`: `RetransmitMult * ceil(log10(N + 1))`.
pub fn retransmit_limit(retransmit_mult: u32, n: u32) -> u32 {
    let scale = f64::ceil(f64::log10(f64::from(n) + 1.0)) as u32;
    retransmit_mult * scale
}

/// memberlist `pushPullScale`: the push-pull interval grows with `ceil(log2(N) - log2(32)) + 1` above
/// 32 members so that the total push-pull load stays bounded.
pub fn push_pull_scale(interval: Duration, n: u32) -> Duration {
    const THRESHOLD: f64 = 32.0;
    if f64::from(n) <= THRESHOLD {
        return interval;
    }
    let multiplier = f64::ceil(f64::log2(f64::from(n)) - f64::log2(THRESHOLD)) + 1.0;
    interval.saturating_mul(multiplier as u64)
}

/// Serf's convergence model (DESIGN.md, "Reference numbers"): nodes informed after `x` gossip rounds,
/// `N / (1 + (N + 1) * exp(-contact * N * x))` with `contact = 0.5 * fanout * (1 - loss) * (1 - failed) / N`.
pub fn serf_informed(n: f64, fanout: f64, loss: f64, failed: f64, x: f64) -> f64 {
    let contact = 0.5 * fanout * (1.0 - loss) * (1.0 - failed) / n;
    n / (1.0 + (n + 1.0) * f64::exp(-contact * n * x))
}

/// Rounds (fractional) after which Serf's model reaches `fraction` of `n`.
pub fn serf_rounds_to(n: f64, fanout: f64, loss: f64, failed: f64, fraction: f64) -> f64 {
    let contact = 0.5 * fanout * (1.0 - loss) * (1.0 - failed) / n;
    f64::ln((n + 1.0) * fraction / (1.0 - fraction)) / (contact * n)
}

/// Demers et al. 1987, section 1.4: the fraction `s` of sites a rumor never reaches under push rumor
/// mongering with feedback where a site loses interest with probability `1/k` after each unnecessary
/// contact: the root in (0, 1) of `s = exp(-(k + 1)(1 - s))`.
pub fn demers_residue(k: u32) -> f64 {
    let c = f64::from(k) + 1.0;
    let mut s = 0.0;
    // Fixed-point iteration from 0 rises monotonically to the smaller root.
    for _ in 0..10_000 {
        let next = f64::exp(-c * (1.0 - s));
        if (next - s).abs() < 1e-15 {
            return next;
        }
        s = next;
    }
    s
}

/// Expected time from a kill to the first suspicion of the killed member, for this engine's timing,
/// in units of the probe interval `T`, in a healthy cluster of `n` members.
///
/// Model: each of the `m = n - 1` other members probes one member per tick, its ticks at a uniformly
/// random phase; memberlist's shuffled round-robin order puts the victim at a uniform position of every
/// round of `m` ticks, so the gap between two probes of the victim by one prober is `G = m - a + b`
/// (`a`, `b` uniform in `1..=m`), and the number of ticks from a random instant to the next such probe is
/// `W` with `P(W = w) = P(G >= w) / m` (renewal theory). The first probe is at `min_i(phi_i + (W_i - 1) T)`
/// and the suspicion is raised when that probe's deadline (one period, health score 0) passes:
/// `E = E[min] + 1`. For large `n` this tends to 2 periods (probes of the victim become a Poisson stream of
/// rate 1/T); SWIM's uniformly random targets and whole-period accounting give `e/(e-1) ≈ 1.58` periods to
/// the first probe instead of 1.
pub fn first_detection_expected(n: u32) -> f64 {
    assert!(n >= 2, "first detection needs two members");
    let m = u64::from(n - 1);
    let mf = m as f64;
    // P(G >= w) for w in 1..=2m-1, from the triangular law of b - a.
    let p_g_at_least = |w: u64| -> f64 {
        // G >= w  <=>  b - a >= w - m.
        let d = w as i64 - m as i64;
        let mut count = 0u64;
        for a in 1..=m as i64 {
            let lo = (a + d).max(1);
            if lo <= m as i64 {
                count += (m as i64 - lo + 1) as u64;
            }
        }
        count as f64 / (mf * mf)
    };
    let pw: Vec<f64> = (1..2 * m).map(|w| p_g_at_least(w) / mf).collect();
    // Tail P(W > j) for j = 0..
    let mut tail = vec![1.0; pw.len() + 1];
    for j in 1..=pw.len() {
        tail[j] = tail[j - 1] - pw[j - 1];
    }
    // E[min] = integral of P(min > t) dt = sum over periods j of integral over u in [0,1) of
    // (P(W > j+1) + P(W = j+1)(1 - u))^m du.
    let mut e_min = 0.0;
    let steps = 200;
    for j in 0..pw.len() {
        let (after, at) = (tail[j + 1], pw[j]);
        let mut acc = 0.0;
        for s in 0..steps {
            let u = (s as f64 + 0.5) / steps as f64;
            acc += (after + at * (1.0 - u)).max(0.0).powf(mf);
        }
        e_min += acc / steps as f64;
        if after.max(0.0).powf(mf) < 1e-12 {
            break;
        }
    }
    e_min + 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suspicion_timeout_follows_the_lifeguard_formula() {
        let min = suspicion_min(4, 30, Duration::from_secs(1));
        assert_eq!(min, Duration::from_millis(5_908));
        let max = min.saturating_mul(6);
        assert_eq!(suspicion_timeout(0, 2, min, max), max);
        // max - (max - min) * ln 2 / ln 3
        let one = 35.448 - (35.448 - 5.908) * f64::ln(2.0) / f64::ln(3.0);
        assert_eq!(
            suspicion_timeout(1, 2, min, max),
            Duration::from_millis((one * 1000.0).floor() as u64)
        );
        assert_eq!(suspicion_timeout(2, 2, min, max), min);
        assert_eq!(suspicion_timeout(0, 0, min, max), min);
        assert_eq!(
            suspicion_min(4, 5, Duration::from_secs(1)),
            Duration::from_secs(4)
        );
    }

    #[test]
    fn reference_numbers() {
        assert_eq!(retransmit_limit(4, 30), 8);
        assert_eq!(retransmit_limit(4, 1000), 16);
        assert_eq!(retransmit_limit(4, 10_000), 20);
        assert_eq!(
            push_pull_scale(Duration::from_secs(30), 30),
            Duration::from_secs(30)
        );
        assert_eq!(
            push_pull_scale(Duration::from_secs(30), 1000),
            Duration::from_secs(30 * 6)
        );
        assert_eq!(serf_rounds_to(30.0, 3.0, 0.0, 0.0, 0.9999).ceil(), 9.0);
        assert_eq!(serf_rounds_to(1000.0, 3.0, 0.0, 0.0, 0.9999).ceil(), 11.0);
        assert_eq!(serf_rounds_to(10_000.0, 3.0, 0.0, 0.0, 0.9999).ceil(), 13.0);
        let want = [0.203, 0.0595, 0.0198, 0.00698, 0.00252];
        for (k, w) in (1..=5).zip(want) {
            let s = demers_residue(k);
            assert!((s - w).abs() / w < 0.02, "k={k}: {s} vs {w}");
        }
        assert!((SWIM_FIRST_PROBE_PERIODS - 1.582).abs() < 1e-3);
    }

    #[test]
    fn first_detection_model_is_flat_in_n() {
        let e10 = first_detection_expected(10);
        let e500 = first_detection_expected(500);
        assert!(e10 > 1.8 && e10 < 2.0, "{e10}");
        assert!(e500 > 1.95 && e500 < 2.0, "{e500}");
    }
}

//! Push gossip as an exact Markov chain over the number of informed nodes.
//!
//! The process: `n` nodes, one informed at round 0. In every round each informed node picks `fanout`
//! distinct targets uniformly among the other `n - 1` nodes and pushes the rumor to each; each push is
//! lost independently with probability `loss`. Nodes informed in a round push from the next round on
//! (synchronous rounds). The state is the number of informed nodes `k`; the chain is exact: no mean-field
//! or logistic approximation (Serf's model, [`crate::theory::serf_informed`], is one).
//!
//! One round from `k` informed: let `m` be the number of uninformed nodes not yet reached. The informed
//! nodes push one after another; one informer's targets are a uniform `fanout`-subset of the other
//! `n - 1` nodes, so the number of them among the `m` unreached nodes is hypergeometric
//! (population `n - 1`, `m` successes, `fanout` draws), and each such push survives loss with
//! probability `1 - loss` (binomial thinning). Applying that kernel `k` times to `m = n - k` gives the
//! distribution of unreached nodes after the round, hence of the next `k`. The informers' choices are
//! independent, which is what makes the sequential composition exact.
//!
//! Cost: `O(k * m * fanout)` per starting state and round; probabilities below [`PRUNE`] are dropped
//! (the mass dropped is tracked and is far below what a plot shows), which keeps N = 1,000 to seconds.

/// Probabilities below this are dropped from the working distributions.
pub const PRUNE: f64 = 1e-16;

/// The distribution of informed nodes after each round.
#[derive(Clone, Debug)]
pub struct PushChain {
    pub n: u32,
    pub fanout: u32,
    pub loss: f64,
    /// `rounds[r][k]` = P(k nodes informed after round r); `rounds[0]` is the start (one informed).
    pub rounds: Vec<Vec<f64>>,
    /// Probability mass dropped by pruning, summed over all rounds.
    pub pruned: f64,
}

/// Mean and 5%/95% quantiles of one round's distribution.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Band {
    pub mean: f64,
    pub p05: u32,
    pub p95: u32,
}

impl PushChain {
    /// Computes `rounds` rounds of push gossip among `n >= 1` nodes with the given fanout and loss.
    /// `fanout` is capped at `n - 1`; `loss` is clamped to `[0, 1]`.
    pub fn compute(n: u32, fanout: u32, loss: f64, rounds: u32) -> PushChain {
        let n = n.max(1);
        let fanout = fanout.min(n - 1);
        let loss = loss.clamp(0.0, 1.0);
        let nu = n as usize;
        let mut start = vec![0.0; nu + 1];
        start[1] = 1.0;
        let mut chain = PushChain {
            n,
            fanout,
            loss,
            rounds: vec![start],
            pruned: 0.0,
        };
        let kernel = Kernel::new(n, fanout, loss);
        for _ in 0..rounds {
            let prev = chain.rounds.last().expect("the start is there");
            let mut next = vec![0.0; nu + 1];
            for (k, &pk) in prev.iter().enumerate() {
                if pk < PRUNE {
                    chain.pruned += pk;
                    continue;
                }
                // Distribution of unreached nodes after all k informers pushed.
                let mut unreached = vec![0.0; nu - k + 1];
                unreached[nu - k] = 1.0;
                for _ in 0..k {
                    unreached = kernel.apply(&unreached, &mut chain.pruned);
                }
                for (m, &pm) in unreached.iter().enumerate() {
                    next[nu - m] += pk * pm;
                }
            }
            chain.rounds.push(next);
        }
        chain
    }

    /// Mean and 5%/95% quantiles of the informed count after round `r`.
    pub fn band(&self, r: usize) -> Band {
        let dist = &self.rounds[r];
        let mean = dist.iter().enumerate().map(|(k, p)| k as f64 * p).sum();
        let total: f64 = dist.iter().sum();
        let quantile = |q: f64| {
            let mut acc = 0.0;
            for (k, p) in dist.iter().enumerate() {
                acc += p;
                if acc >= q * total - 1e-12 {
                    return k as u32;
                }
            }
            self.n
        };
        Band {
            mean,
            p05: quantile(0.05),
            p95: quantile(0.95),
        }
    }

    /// Expected rounds until at least `fraction` of the nodes are informed, from the chain's tail sums
    /// (`None` if the computed rounds do not get there with probability 0.999).
    pub fn rounds_to(&self, fraction: f64) -> Option<f64> {
        let target = (fraction * f64::from(self.n)).ceil() as usize;
        let mut expected = 0.0;
        for (r, dist) in self.rounds.iter().enumerate() {
            let reached: f64 = dist.iter().skip(target).sum();
            if reached >= 0.999 && r > 0 {
                // Add the tail as if the remainder finished this round.
                return Some(expected + (1.0 - reached) * r as f64);
            }
            expected += 1.0 - reached;
        }
        None
    }
}

/// One informer's push as a transition on the number of unreached nodes.
struct Kernel {
    /// `rows[m][j]` = P(j of the m unreached nodes are newly reached by one informer).
    rows: Vec<Vec<f64>>,
}

impl Kernel {
    fn new(n: u32, fanout: u32, loss: f64) -> Kernel {
        let pop = u64::from(n - 1);
        let f = u64::from(fanout);
        let ln_choose = |a: u64, b: u64| -> f64 {
            if b > a {
                f64::NEG_INFINITY
            } else {
                ln_fact(a) - ln_fact(b) - ln_fact(a - b)
            }
        };
        let total = ln_choose(pop, f);
        let keep = 1.0 - loss;
        let mut rows = Vec::with_capacity(n as usize);
        for m in 0..n as u64 {
            // Hypergeometric: h of the f targets fall among the m unreached nodes.
            let hmax = f.min(m);
            let hyper: Vec<f64> = (0..=hmax)
                .map(|h| {
                    if f - h > pop - m {
                        0.0
                    } else {
                        (ln_choose(m, h) + ln_choose(pop - m, f - h) - total).exp()
                    }
                })
                .collect();
            // Binomial thinning by loss: j of the h pushes arrive.
            let mut row = vec![0.0; hmax as usize + 1];
            for (h, &ph) in hyper.iter().enumerate() {
                if ph == 0.0 {
                    continue;
                }
                for (j, slot) in row.iter_mut().enumerate().take(h + 1) {
                    let lc = ln_choose(h as u64, j as u64);
                    let pj = if loss == 0.0 {
                        if j == h {
                            1.0
                        } else {
                            0.0
                        }
                    } else if loss == 1.0 {
                        if j == 0 {
                            1.0
                        } else {
                            0.0
                        }
                    } else {
                        (lc + j as f64 * keep.ln() + (h - j) as f64 * loss.ln()).exp()
                    };
                    *slot += ph * pj;
                }
            }
            rows.push(row);
        }
        Kernel { rows }
    }

    fn apply(&self, unreached: &[f64], pruned: &mut f64) -> Vec<f64> {
        let mut out = vec![0.0; unreached.len()];
        for (m, &pm) in unreached.iter().enumerate() {
            if pm == 0.0 {
                continue;
            }
            if pm < PRUNE {
                *pruned += pm;
                continue;
            }
            for (j, &pj) in self.rows[m].iter().enumerate() {
                out[m - j] += pm * pj;
            }
        }
        out
    }
}

/// `ln(a!)`, exact summation (the chain needs at most a few thousand terms).
fn ln_fact(a: u64) -> f64 {
    (2..=a).map(|i| (i as f64).ln()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn two_nodes_one_push_per_round() {
        // The only other node is reached unless the push is lost: P(2 after r) = 1 - p^r.
        let c = PushChain::compute(2, 1, 0.3, 4);
        for r in 0..=4 {
            let want = 1.0 - 0.3f64.powi(r as i32);
            assert!(close(c.rounds[r][2], want), "r={r}: {:?}", c.rounds[r]);
        }
    }

    #[test]
    fn three_nodes_fanout_one() {
        // Round 1 informs exactly one more; afterwards each of the two informed nodes picks the
        // uninformed one with probability 1/2: it stays uninformed with probability 1/4 per round.
        let c = PushChain::compute(3, 1, 0.0, 4);
        assert!(close(c.rounds[1][2], 1.0));
        for r in 2..=4 {
            let want = 1.0 - 0.25f64.powi(r as i32 - 1);
            assert!(close(c.rounds[r][3], want), "r={r}: {:?}", c.rounds[r]);
        }
    }

    #[test]
    fn three_nodes_fanout_two_with_loss() {
        // From 1: both others targeted, each push lost w.p. p: new ~ Binomial(2, 1 - p).
        let p = 0.2;
        let c = PushChain::compute(3, 2, p, 2);
        let q = 1.0 - p;
        assert!(close(c.rounds[1][1], p * p));
        assert!(close(c.rounds[1][2], 2.0 * p * q));
        assert!(close(c.rounds[1][3], q * q));
        // Round 2: from 1 as before; from 2, the last node is missed by both w.p. p^2.
        let p1 = p * p;
        let p2 = 2.0 * p * q;
        let want3 = p1 * q * q + p2 * (1.0 - p * p) + q * q;
        assert!(close(c.rounds[2][3], want3), "{:?}", c.rounds[2]);
        let total: f64 = c.rounds[2].iter().sum();
        assert!(close(total, 1.0));
    }

    #[test]
    fn the_band_widens_then_closes_on_everyone() {
        let c = PushChain::compute(50, 3, 0.1, 12);
        let mut last = 0.0;
        for r in 0..=12 {
            let b = c.band(r);
            assert!(b.p05 <= b.p95 && b.mean >= last, "round {r}: {b:?}");
            last = b.mean;
        }
        assert_eq!(
            c.band(0),
            Band {
                mean: 1.0,
                p05: 1,
                p95: 1
            }
        );
        assert!(c.band(3).p95 > c.band(3).p05);
        assert_eq!(c.band(12).p95, 50);
        assert!(c.band(12).mean > 49.9);
        assert!(c.pruned < 1e-9, "{}", c.pruned);
    }

    /// The same process simulated directly, from a seeded stream; the chain's mean per round must
    /// match the simulation's within a few standard errors.
    #[test]
    fn matches_monte_carlo() {
        let seed: u64 = std::env::var("QUORATE_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(20_250_601);
        println!(
            "seed {seed}; reproduce: QUORATE_SEED={seed} cargo test -p quorate-gossip markov::tests::matches_monte_carlo -- --nocapture"
        );
        let (n, fanout, loss, rounds, runs) = (40u32, 2u32, 0.25, 8usize, 4000u32);
        let chain = PushChain::compute(n, fanout, loss, rounds as u32);
        let mut rng = quorate_core::NodeRng::for_world(seed);
        let mut sums = vec![0.0; rounds + 1];
        let mut squares = vec![0.0; rounds + 1];
        for _ in 0..runs {
            let mut informed = vec![false; n as usize];
            informed[0] = true;
            for r in 0..=rounds {
                let k = informed.iter().filter(|&&i| i).count() as f64;
                sums[r] += k;
                squares[r] += k * k;
                if r == rounds {
                    break;
                }
                let pushers: Vec<usize> = (0..n as usize).filter(|&i| informed[i]).collect();
                let mut next = informed.clone();
                for i in pushers {
                    // fanout distinct targets among the others (partial Fisher-Yates).
                    let mut others: Vec<usize> = (0..n as usize).filter(|&j| j != i).collect();
                    for t in 0..fanout as usize {
                        let pick = t + rng.below((others.len() - t) as u64) as usize;
                        others.swap(t, pick);
                        if !rng.chance(loss) {
                            next[others[t]] = true;
                        }
                    }
                }
                informed = next;
            }
        }
        for r in 0..=rounds {
            let mean = sums[r] / f64::from(runs);
            let var = squares[r] / f64::from(runs) - mean * mean;
            let se = (var.max(0.0) / f64::from(runs)).sqrt();
            let want = chain.band(r).mean;
            assert!(
                (mean - want).abs() <= 5.0 * se + 1e-9,
                "seed {seed}, round {r}: simulated {mean:.3} (se {se:.3}) vs chain {want:.3}"
            );
        }
    }
}

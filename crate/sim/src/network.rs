//! The simulated network: per-direction link parameters and an ordered chain of rules.
//!
//! A message from `a` to `b` is judged by the rules in order; the first that does not answer `Pass`
//! decides (a partition drops it, a hold keeps it until released). When every rule passes, the link's
//! parameters decide: loss drops it, otherwise it is delivered after a latency drawn from the link's
//! distribution, perhaps reordered (an extra delay) and perhaps duplicated.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use quorate_core::{Duration, NodeId, NodeRng};
use serde::{Deserialize, Serialize};

/// How long a message spends on a link.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Latency {
    Fixed(Duration),
    /// Uniform in `[min, max]`, microsecond resolution.
    Uniform {
        min: Duration,
        max: Duration,
    },
}

impl Latency {
    fn sample(&self, rng: &mut NodeRng) -> Duration {
        match *self {
            Latency::Fixed(d) => d,
            Latency::Uniform { min, max } => rng.duration_between(min, max),
        }
    }
    fn min(&self) -> Duration {
        match *self {
            Latency::Fixed(d) => d,
            Latency::Uniform { min, max } => min.min(max),
        }
    }
    fn max(&self) -> Duration {
        match *self {
            Latency::Fixed(d) => d,
            Latency::Uniform { max, .. } => max,
        }
    }
}

impl fmt::Display for Latency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Latency::Fixed(d) => write!(f, "{d}"),
            Latency::Uniform { min, max } => write!(f, "{min}..{max}"),
        }
    }
}

/// One direction of one link.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkParams {
    pub latency: Latency,
    /// Probability in `[0, 1]` that a message is lost.
    pub loss: f64,
    /// Probability in `[0, 1]` that a delivered message arrives twice (the copy with its own latency).
    pub duplicate: f64,
    /// Probability in `[0, 1]` that a message is held back by up to twice the link's maximum latency,
    /// so that later messages overtake it.
    pub reorder: f64,
}

impl Default for LinkParams {
    /// A LAN-like link: 1–5 ms one way, nothing lost, duplicated or reordered.
    fn default() -> Self {
        LinkParams {
            latency: Latency::Uniform {
                min: Duration::from_millis(1),
                max: Duration::from_millis(5),
            },
            loss: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
        }
    }
}

impl fmt::Display for LinkParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "latency={} loss={} duplicate={} reorder={}",
            self.latency, self.loss, self.duplicate, self.reorder
        )
    }
}

/// A rule in the chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Rule {
    /// Drops every message from a node in `from` to a node in `to` (one direction).
    Cut {
        from: BTreeSet<NodeId>,
        to: BTreeSet<NodeId>,
    },
    /// Keeps every message from `from` to `to` until released.
    Hold { from: NodeId, to: NodeId },
}

/// Why a message did not arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DropReason {
    Partition,
    Loss,
    /// The destination was down (killed) when the message arrived.
    NodeDown,
    /// The destination does not exist.
    NoSuchNode,
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DropReason::Partition => "partition",
            DropReason::Loss => "loss",
            DropReason::NodeDown => "node-down",
            DropReason::NoSuchNode => "no-such-node",
        })
    }
}

/// What the network does with one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Drop(DropReason),
    Hold,
    /// Deliver after the first delay, and a duplicate after the second when there is one.
    Deliver(Duration, Option<Duration>),
}

/// The whole network: default link, per-link overrides, and the rule chain.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Network {
    pub default_link: LinkParams,
    /// Overrides for single directions, keyed by (from, to).
    pub links: BTreeMap<(NodeId, NodeId), LinkParams>,
    pub rules: Vec<Rule>,
}

impl Network {
    pub fn new(default_link: LinkParams) -> Network {
        Network {
            default_link,
            links: BTreeMap::new(),
            rules: Vec::new(),
        }
    }

    pub fn link(&self, from: NodeId, to: NodeId) -> &LinkParams {
        self.links.get(&(from, to)).unwrap_or(&self.default_link)
    }

    /// Judges one message. Draws from `rng` only for what the link's parameters make random, so a
    /// lossless fixed-latency network draws nothing.
    pub fn route(&self, from: NodeId, to: NodeId, rng: &mut NodeRng) -> Verdict {
        for rule in &self.rules {
            match rule {
                Rule::Cut { from: f, to: t } if f.contains(&from) && t.contains(&to) => {
                    return Verdict::Drop(DropReason::Partition)
                }
                Rule::Hold { from: f, to: t } if *f == from && *t == to => return Verdict::Hold,
                _ => {}
            }
        }
        let link = self.link(from, to);
        if rng.chance(link.loss) {
            return Verdict::Drop(DropReason::Loss);
        }
        let delay = |rng: &mut NodeRng| {
            let mut d = link.latency.sample(rng);
            if rng.chance(link.reorder) {
                d = d + rng.duration_between(Duration::ZERO, link.latency.max().saturating_mul(2));
            }
            d
        };
        let first = delay(rng);
        let copy = if rng.chance(link.duplicate) {
            Some(delay(rng))
        } else {
            None
        };
        Verdict::Deliver(first, copy)
    }

    /// Two-way partition between every pair of groups.
    /// The shortest delay any link can give a message: no message sent at `t` arrives before
    /// `t + min_delay()`.
    pub fn min_delay(&self) -> Duration {
        std::iter::once(&self.default_link)
            .chain(self.links.values())
            .map(|link| link.latency.min())
            .min()
            .unwrap_or(Duration::ZERO)
    }

    pub fn partition(&mut self, groups: &[BTreeSet<NodeId>]) {
        for (i, a) in groups.iter().enumerate() {
            for (j, b) in groups.iter().enumerate() {
                if i != j {
                    self.rules.push(Rule::Cut {
                        from: a.clone(),
                        to: b.clone(),
                    });
                }
            }
        }
    }

    /// Removes every partition (holds stay until released).
    pub fn heal(&mut self) {
        self.rules.retain(|r| !matches!(r, Rule::Cut { .. }));
    }

    /// Whether a partition or cut drops messages from `from` to `to`.
    pub fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        self.rules.iter().any(
            |r| matches!(r, Rule::Cut { from: f, to: t } if f.contains(&from) && t.contains(&to)),
        )
    }

    /// Lets messages from `from` to `to` through again: every cut covering that link is replaced by
    /// cuts of the rest of its pairs, (F \ {from}) × T and {from} × (T \ {to}), so no other link changes.
    pub fn mend(&mut self, from: NodeId, to: NodeId) {
        let rules = std::mem::take(&mut self.rules);
        for rule in rules {
            match rule {
                Rule::Cut { from: f, to: t } if f.contains(&from) && t.contains(&to) => {
                    let mut others = f.clone();
                    others.remove(&from);
                    if !others.is_empty() {
                        self.rules.push(Rule::Cut {
                            from: others,
                            to: t.clone(),
                        });
                    }
                    let mut rest = t;
                    rest.remove(&to);
                    if !rest.is_empty() {
                        self.rules.push(Rule::Cut {
                            from: BTreeSet::from([from]),
                            to: rest,
                        });
                    }
                }
                other => self.rules.push(other),
            }
        }
    }

    pub fn is_held(&self, from: NodeId, to: NodeId) -> bool {
        self.rules
            .iter()
            .any(|r| matches!(r, Rule::Hold { from: f, to: t } if *f == from && *t == to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[u32]) -> BTreeSet<NodeId> {
        list.iter().map(|&i| NodeId(i)).collect()
    }

    #[test]
    fn one_way_cut_is_one_way() {
        let mut net = Network::new(LinkParams {
            latency: Latency::Fixed(Duration::from_millis(1)),
            ..Default::default()
        });
        net.rules.push(Rule::Cut {
            from: ids(&[1]),
            to: ids(&[2]),
        });
        let mut rng = NodeRng::for_world(1);
        assert_eq!(
            net.route(NodeId(1), NodeId(2), &mut rng),
            Verdict::Drop(DropReason::Partition)
        );
        assert!(matches!(
            net.route(NodeId(2), NodeId(1), &mut rng),
            Verdict::Deliver(..)
        ));
    }

    #[test]
    fn mending_a_link_of_a_partition_leaves_every_other_link_cut() {
        let mut net = Network::default();
        net.partition(&[ids(&[1, 2]), ids(&[3, 4, 5])]);
        net.mend(NodeId(1), NodeId(4));
        for a in 1..=5 {
            for b in 1..=5 {
                let across = (a <= 2) != (b <= 2);
                let want = across && (a, b) != (1, 4);
                assert_eq!(net.is_cut(NodeId(a), NodeId(b)), want, "n{a} -> n{b}");
            }
        }
    }

    #[test]
    fn first_rule_that_answers_decides() {
        let mut net = Network::default();
        net.rules.push(Rule::Hold {
            from: NodeId(1),
            to: NodeId(2),
        });
        net.rules.push(Rule::Cut {
            from: ids(&[1]),
            to: ids(&[2]),
        });
        let mut rng = NodeRng::for_world(1);
        assert_eq!(net.route(NodeId(1), NodeId(2), &mut rng), Verdict::Hold);
        net.heal();
        assert_eq!(net.route(NodeId(1), NodeId(2), &mut rng), Verdict::Hold);
    }
}

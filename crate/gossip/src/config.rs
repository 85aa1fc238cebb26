//! Settings shared by every node of a gossip world, with hashicorp/memberlist's presets.
//!
//! Field names follow memberlist's `Config` (`ProbeInterval` is `probe_interval`, ...) so that a reader can
//! hold the two side by side. Each field says what it means, its unit, its constraint and what tuning it does.

use quorate_core::{Duration, NodeId};
use serde::{Deserialize, Serialize};

use crate::GossipError;

/// Which of memberlist's default configurations a [`Config`] starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Preset {
    /// `DefaultLANConfig`: what Consul's LAN pool runs (DESIGN.md, "Reference numbers").
    Lan,
    /// `DefaultWANConfig`: slower probes and longer timeouts for links between datacenters.
    Wan,
    /// `DefaultLocalConfig`: a loopback or very fast network.
    Local,
}

/// How nodes come to know each other when the world starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Bootstrap {
    /// Every node starts knowing every configured member alive at incarnation 0: a converged cluster,
    /// for measurements that must not include the join phase.
    Full,
    /// Every node other than `seed` joins through `seed` at start (a push-pull with `join` set), as
    /// `serf agent -join` does.
    Seed(NodeId),
    /// Nodes know only themselves until a `join` command.
    Manual,
}

/// How user events spread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rumor {
    /// Serf: each event goes into a transmit-limited broadcast queue and rides on probe traffic and on the
    /// periodic gossip, `retransmit_mult * ceil(log10(N + 1))` times per node.
    Serf,
    /// Rumor mongering (Demers et al. 1987, section 1.4): every gossip interval, each node that still finds
    /// an event "hot" pushes it to one random member, and loses interest according to `stop` and `k`.
    Monger { feedback: bool, stop: Stop, k: u32 },
}

/// When a rumor monger loses interest (Demers et al., section 1.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stop {
    /// With probability `1/k` after each unnecessary contact (feedback) or each contact (blind).
    Coin,
    /// After `k` unnecessary contacts (feedback) or `k` contacts (blind).
    Counter,
}

/// The three parts of Lifeguard (Dadgar et al., "Lifeguard: Local Health Awareness for More Accurate
/// Failure Detection", 2018), each switchable for teaching and for the false-positive comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifeguard {
    /// LHA-Probe (section IV-A): the local health score scales the probe interval, and ping-req helpers
    /// answer nack. Off: the score stays 0, as memberlist with `AwarenessMaxMultiplier = 1`.
    pub local_health: bool,
    /// LHA-Suspicion (section IV-B): the suspicion timeout starts at `max` and shrinks toward `min` with
    /// independent confirmations. Off: every suspicion lasts `min`, as memberlist with
    /// `SuspicionMaxTimeoutMult = 1`.
    pub dynamic_suspicion: bool,
    /// Buddy system (section IV-C): a ping to a suspect carries the suspicion so it can refute at once.
    pub buddy: bool,
}

impl Lifeguard {
    pub const ON: Lifeguard = Lifeguard {
        local_health: true,
        dynamic_suspicion: true,
        buddy: true,
    };
    pub const OFF: Lifeguard = Lifeguard {
        local_health: false,
        dynamic_suspicion: false,
        buddy: false,
    };
}

/// The world-wide gossip configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// The node ids of the world, in the order the host numbered them. Used by `Bootstrap::Full` and to
    /// pick a node to rejoin through after a restart. Constraint: no duplicates.
    pub members: Vec<NodeId>,
    pub bootstrap: Bootstrap,
    /// Time between failure-detection probes (memberlist `ProbeInterval`, LAN 1 s). Each node probes one
    /// member per interval; a shorter interval detects failures sooner at a proportionally higher message
    /// load. Constraint: > 0 and > `probe_timeout`.
    pub probe_interval: Duration,
    /// How long to wait for a direct ack before asking helpers (`ProbeTimeout`, LAN 500 ms). Should be
    /// about the 99th percentile of round-trip time. Constraint: > 0 and < `probe_interval`.
    pub probe_timeout: Duration,
    /// How many helpers a failed direct probe asks to ping the target (`IndirectChecks`, LAN 3). More
    /// helpers make a lost packet less likely to cause a suspicion. 0 disables indirect probes.
    pub indirect_checks: u32,
    /// Base suspicion timeout multiplier (`SuspicionMult`, LAN 4): the minimum suspicion timeout is
    /// `suspicion_mult * max(1, log10(N)) * probe_interval`. Also sets how many independent confirmations
    /// Lifeguard waits for: `suspicion_mult - 2`. Constraint: >= 1.
    pub suspicion_mult: u32,
    /// Upper bound of the suspicion timeout as a multiple of the minimum (`SuspicionMaxTimeoutMult`, LAN 6).
    /// Constraint: >= 1 (1 means no dynamic suspicion).
    pub suspicion_max_timeout_mult: u32,
    /// Retransmit multiplier (`RetransmitMult`, LAN 4): each queued update is sent
    /// `retransmit_mult * ceil(log10(N + 1))` times. Constraint: >= 1.
    pub retransmit_mult: u32,
    /// Time between gossip rounds (`GossipInterval`, LAN 200 ms). 0 disables periodic gossip (updates then
    /// travel only on probe traffic).
    pub gossip_interval: Duration,
    /// Members each gossip round sends to (`GossipNodes`, LAN 3).
    pub gossip_nodes: u32,
    /// How long a dead member still receives gossip, and stays in the member list before it is reaped
    /// (`GossipToTheDeadTime`, LAN 30 s).
    pub gossip_to_the_dead_time: Duration,
    /// Time between full state exchanges with one random member (`PushPullInterval`, LAN 30 s), scaled up
    /// for clusters above 32 members. 0 disables push-pull (joins still use one).
    pub push_pull_interval: Duration,
    /// Local health ceiling (`AwarenessMaxMultiplier`, LAN 8): the score saturates in `[0, max - 1]` and the
    /// probe interval is scaled by `score + 1`. Constraint: >= 1.
    pub awareness_max_multiplier: u32,
    /// Byte budget of one packet (`UDPBufferSize`, LAN 1400): piggybacked and gossiped updates are packed
    /// up to it, using the deterministic size estimates of `msg.rs`. Constraint: >= 64.
    pub udp_buffer_size: u32,
    /// How long a leaving node keeps gossiping its leave before it goes silent (Serf `BroadcastTimeout`, 5 s).
    pub leave_timeout: Duration,
    /// How long a join waits for the seed's answer before it is reported failed (`TCPTimeout`, LAN 10 s).
    pub join_timeout: Duration,
    pub lifeguard: Lifeguard,
    /// Serf's de-duplication buffer of recent user events, in Lamport times (`EventBuffer`, 512). Events
    /// older than `clock - event_buffer` are ignored. Constraint: >= 1.
    pub event_buffer: u32,
    pub rumor: Rumor,
}

impl Config {
    /// memberlist's defaults for `preset`, with a seed join through the first member.
    pub fn preset(preset: Preset, members: Vec<NodeId>) -> Config {
        let bootstrap = match members.first() {
            Some(&seed) => Bootstrap::Seed(seed),
            None => Bootstrap::Manual,
        };
        let lan = Config {
            members,
            bootstrap,
            probe_interval: Duration::from_secs(1),
            probe_timeout: Duration::from_millis(500),
            indirect_checks: 3,
            suspicion_mult: 4,
            suspicion_max_timeout_mult: 6,
            retransmit_mult: 4,
            gossip_interval: Duration::from_millis(200),
            gossip_nodes: 3,
            gossip_to_the_dead_time: Duration::from_secs(30),
            push_pull_interval: Duration::from_secs(30),
            awareness_max_multiplier: 8,
            udp_buffer_size: 1400,
            leave_timeout: Duration::from_secs(5),
            join_timeout: Duration::from_secs(10),
            lifeguard: Lifeguard::ON,
            event_buffer: 512,
            rumor: Rumor::Serf,
        };
        match preset {
            Preset::Lan => lan,
            Preset::Wan => Config {
                suspicion_mult: 6,
                push_pull_interval: Duration::from_secs(60),
                probe_timeout: Duration::from_secs(3),
                probe_interval: Duration::from_secs(5),
                gossip_nodes: 4,
                gossip_interval: Duration::from_millis(500),
                gossip_to_the_dead_time: Duration::from_secs(60),
                join_timeout: Duration::from_secs(30),
                ..lan
            },
            Preset::Local => Config {
                indirect_checks: 1,
                retransmit_mult: 2,
                suspicion_mult: 3,
                push_pull_interval: Duration::from_secs(15),
                probe_timeout: Duration::from_millis(200),
                probe_interval: Duration::from_secs(1),
                gossip_interval: Duration::from_millis(100),
                gossip_to_the_dead_time: Duration::from_secs(15),
                join_timeout: Duration::from_secs(1),
                ..lan
            },
        }
    }

    /// LAN defaults (what the reference numbers are).
    pub fn lan(members: Vec<NodeId>) -> Config {
        Config::preset(Preset::Lan, members)
    }

    /// Checks every constraint stated on the fields.
    pub fn validate(&self) -> Result<(), GossipError> {
        let bad = |field: &str, rule: &str| {
            Err(GossipError::BadConfig {
                field: field.into(),
                rule: rule.into(),
            })
        };
        if self.probe_interval == Duration::ZERO {
            return bad("probe_interval", "must be > 0");
        }
        if self.probe_timeout == Duration::ZERO || self.probe_timeout >= self.probe_interval {
            return bad("probe_timeout", "must be > 0 and < probe_interval");
        }
        if self.suspicion_mult == 0 {
            return bad("suspicion_mult", "must be >= 1");
        }
        if self.suspicion_max_timeout_mult == 0 {
            return bad("suspicion_max_timeout_mult", "must be >= 1");
        }
        if self.retransmit_mult == 0 {
            return bad("retransmit_mult", "must be >= 1");
        }
        if self.awareness_max_multiplier == 0 {
            return bad("awareness_max_multiplier", "must be >= 1");
        }
        if self.udp_buffer_size < 64 {
            return bad("udp_buffer_size", "must be >= 64");
        }
        if self.event_buffer == 0 {
            return bad("event_buffer", "must be >= 1");
        }
        if let Rumor::Monger { k: 0, .. } = self.rumor {
            return bad("monger_k", "must be >= 1");
        }
        let mut sorted = self.members.clone();
        sorted.sort();
        if sorted.windows(2).any(|w| w[0] == w[1]) {
            return bad("members", "must not repeat a node");
        }
        Ok(())
    }

    /// The awareness ceiling in force: 1 (no scaling) when Lifeguard's local health is off.
    pub(crate) fn awareness_max(&self) -> u32 {
        if self.lifeguard.local_health {
            self.awareness_max_multiplier
        } else {
            1
        }
    }

    /// The max-timeout multiplier in force: 1 (max = min) when dynamic suspicion is off.
    pub(crate) fn suspicion_max_mult(&self) -> u32 {
        if self.lifeguard.dynamic_suspicion {
            self.suspicion_max_timeout_mult
        } else {
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_carry_memberlist_defaults() {
        let lan = Config::lan(vec![NodeId(1)]);
        assert_eq!(lan.probe_interval, Duration::from_secs(1));
        assert_eq!(lan.probe_timeout, Duration::from_millis(500));
        assert_eq!(
            (
                lan.indirect_checks,
                lan.suspicion_mult,
                lan.suspicion_max_timeout_mult
            ),
            (3, 4, 6)
        );
        assert_eq!(
            (
                lan.retransmit_mult,
                lan.gossip_nodes,
                lan.awareness_max_multiplier
            ),
            (4, 3, 8)
        );
        assert_eq!(lan.gossip_interval, Duration::from_millis(200));
        assert_eq!(lan.push_pull_interval, Duration::from_secs(30));
        assert_eq!(lan.udp_buffer_size, 1400);
        assert!(lan.validate().is_ok());
        for p in [Preset::Wan, Preset::Local] {
            assert!(Config::preset(p, vec![NodeId(1)]).validate().is_ok());
        }
        let bad = Config {
            probe_timeout: Duration::from_secs(2),
            ..lan
        };
        assert!(bad.validate().is_err());
    }
}

//! Protocol parameters the page offers per engine: their scenario-file keys, defaults and ranges.
//!
//! A run's parameters are `(key, value)` pairs in the words a scenario's `param` line uses
//! (`election_timeout_min 150ms`), so the orchestrator hands them to the engine's own parser. The page
//! shows these specs; a URL's parameters are checked against them here, before any engine sees them.
//! The defaults must be the engines' own (the worker's tests check that configuring an engine with
//! every default gives the page's default config).

use crate::EngineKind;

/// One parameter as the page offers it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamSpec {
    /// The scenario-file key (`param <key> <value>`).
    pub key: &'static str,
    /// What the page calls it.
    pub label: &'static str,
    /// One sentence: what it does.
    pub help: &'static str,
    pub kind: ParamKind,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamKind {
    /// A duration in whole milliseconds, written `150ms`.
    Millis { default: u64, min: u64, max: u64 },
    /// A whole number.
    Count { default: u32, min: u32, max: u32 },
    /// `on` or `off`.
    Switch { default: bool },
    /// One of a few words.
    Choice {
        default: &'static str,
        options: &'static [&'static str],
    },
}

impl ParamKind {
    /// The default in the words a value is written in.
    pub fn default_value(&self) -> String {
        match *self {
            ParamKind::Millis { default, .. } => format!("{default}ms"),
            ParamKind::Count { default, .. } => default.to_string(),
            ParamKind::Switch { default } => if default { "on" } else { "off" }.to_string(),
            ParamKind::Choice { default, .. } => default.to_string(),
        }
    }

    /// The range or the choices, in words ("10–1000 ms").
    pub fn range(&self) -> String {
        match *self {
            ParamKind::Millis { min, max, .. } => format!("{min}–{max} ms"),
            ParamKind::Count { min, max, .. } => format!("{min}–{max}"),
            ParamKind::Switch { .. } => "on or off".to_string(),
            ParamKind::Choice { options, .. } => options.join(", "),
        }
    }

    /// Checks a value and writes it the one way a link carries it (`0150ms` → `150ms`).
    pub fn check(&self, value: &str) -> Result<String, String> {
        match *self {
            ParamKind::Millis { min, max, .. } => value
                .strip_suffix("ms")
                .and_then(|n| n.parse::<u64>().ok())
                .filter(|n| (min..=max).contains(n))
                .map(|n| format!("{n}ms"))
                .ok_or_else(|| format!("must be {min} to {max} milliseconds, like {min}ms")),
            ParamKind::Count { min, max, .. } => value
                .parse::<u32>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .map(|n| n.to_string())
                .ok_or_else(|| format!("must be a whole number from {min} to {max}")),
            ParamKind::Switch { .. } => match value {
                "on" | "off" => Ok(value.to_string()),
                _ => Err("must be on or off".to_string()),
            },
            ParamKind::Choice { options, .. } => options
                .iter()
                .find(|o| **o == value)
                .map(|o| o.to_string())
                .ok_or_else(|| format!("must be one of {}", options.join(", "))),
        }
    }
}

const RAFT: &[ParamSpec] = &[
    ParamSpec {
        key: "election_timeout_min",
        label: "election timeout min",
        help: "A follower that hears no leader for a time drawn between min and max starts an election.",
        kind: ParamKind::Millis { default: 150, min: 20, max: 5_000 },
    },
    ParamSpec {
        key: "election_timeout_max",
        label: "election timeout max",
        help: "The top of the range the election timeout is drawn from; a wide range makes split votes rare.",
        kind: ParamKind::Millis { default: 300, min: 20, max: 10_000 },
    },
    ParamSpec {
        key: "heartbeat_interval",
        label: "heartbeat interval",
        help: "How often the leader tells followers it is alive; keep it well under the election timeout.",
        kind: ParamKind::Millis { default: 50, min: 5, max: 5_000 },
    },
    ParamSpec {
        key: "pre_vote",
        label: "PreVote",
        help: "A node asks whether it could win before raising its term, so a returning node does not disrupt the leader.",
        kind: ParamKind::Switch { default: true },
    },
    ParamSpec {
        key: "check_quorum",
        label: "CheckQuorum",
        help: "A leader that has not heard from a majority for an election timeout steps down.",
        kind: ParamKind::Switch { default: true },
    },
    ParamSpec {
        key: "read_mode",
        label: "read mode",
        help: "ReadIndex confirms leadership with a quorum; lease trusts the leader's lease; unsafe_local reads locally (stale reads possible).",
        kind: ParamKind::Choice {
            default: "read_index",
            options: &["read_index", "lease", "unsafe_local"],
        },
    },
];

const GOSSIP: &[ParamSpec] = &[
    ParamSpec {
        key: "probe_interval",
        label: "probe interval",
        help: "How often each member probes one other member (SWIM's protocol period).",
        kind: ParamKind::Millis { default: 1_000, min: 100, max: 10_000 },
    },
    ParamSpec {
        key: "probe_timeout",
        label: "probe timeout",
        help: "How long a probe waits for an ack before asking others to probe indirectly; below the probe interval.",
        kind: ParamKind::Millis { default: 500, min: 10, max: 5_000 },
    },
    ParamSpec {
        key: "suspicion_mult",
        label: "suspicion multiplier",
        help: "Scales how long a suspect has to refute before it is declared dead.",
        kind: ParamKind::Count { default: 4, min: 1, max: 20 },
    },
    ParamSpec {
        key: "lifeguard",
        label: "Lifeguard",
        help: "Local health, dynamic suspicion and the buddy system: fewer false positives from slow members.",
        kind: ParamKind::Switch { default: true },
    },
    ParamSpec {
        key: "gossip_nodes",
        label: "gossip fanout",
        help: "How many members each gossip round sends to.",
        kind: ParamKind::Count { default: 3, min: 1, max: 10 },
    },
    ParamSpec {
        key: "gossip_interval",
        label: "gossip interval",
        help: "How often a member gossips what it has learned.",
        kind: ParamKind::Millis { default: 200, min: 20, max: 5_000 },
    },
];

const DEMO: &[ParamSpec] = &[ParamSpec {
    key: "interval",
    label: "beat interval",
    help: "How often each node sends a heartbeat to every other.",
    kind: ParamKind::Millis {
        default: 500,
        min: 10,
        max: 10_000,
    },
}];

/// The parameters the page offers for an engine (none for Consul and etcd, which run their own
/// systems' settings).
pub fn specs(engine: EngineKind) -> &'static [ParamSpec] {
    match engine {
        // The KV engine is Raft carrying a store: it reads Raft's parameters.
        EngineKind::Raft | EngineKind::Kv => RAFT,
        EngineKind::Gossip => GOSSIP,
        EngineKind::Demo => DEMO,
        EngineKind::Consul | EngineKind::Etcd => &[],
    }
}

/// Checks a run's parameters for an engine and gives them back in spec order, each once, defaults
/// left out (so equal settings always read the same in a link). Errors name the parameter.
pub fn check(
    engine: EngineKind,
    params: &[(String, String)],
) -> Result<Vec<(String, String)>, String> {
    let specs = specs(engine);
    let mut out: Vec<Option<String>> = vec![None; specs.len()];
    for (key, value) in params {
        let Some(i) = specs.iter().position(|s| s.key == key) else {
            let known: Vec<&str> = specs.iter().map(|s| s.key).collect();
            return Err(if known.is_empty() {
                format!("{} takes no parameters in the page", engine.name())
            } else {
                format!(
                    "{} has no parameter `{}` (it has {})",
                    engine.name(),
                    crate::link::shorten(key),
                    known.join(", ")
                )
            });
        };
        let value = specs[i].kind.check(value).map_err(|e| {
            format!(
                "parameter {} {e}, got `{}`",
                specs[i].key,
                crate::link::shorten(value)
            )
        })?;
        out[i] = (value != specs[i].kind.default_value()).then_some(value);
    }
    let checked: Vec<(String, String)> = specs
        .iter()
        .zip(out)
        .filter_map(|(s, v)| Some((s.key.to_string(), v?)))
        .collect();
    let value = |key: &str| -> Option<u64> {
        let spec = specs.iter().find(|s| s.key == key)?;
        let text = checked
            .iter()
            .find(|(k, _)| k == key)
            .map_or_else(|| spec.kind.default_value(), |(_, v)| v.clone());
        text.strip_suffix("ms")?.parse().ok()
    };
    if matches!(engine, EngineKind::Raft | EngineKind::Kv) {
        let (lo, hi) = (value("election_timeout_min"), value("election_timeout_max"));
        if lo > hi {
            return Err(format!(
                "the election timeout min ({}ms) is above its max ({}ms)",
                lo.unwrap_or(0),
                hi.unwrap_or(0)
            ));
        }
    }
    if engine == EngineKind::Gossip && value("probe_timeout") >= value("probe_interval") {
        return Err(format!(
            "the probe timeout ({}ms) must be below the probe interval ({}ms)",
            value("probe_timeout").unwrap_or(0),
            value("probe_interval").unwrap_or(0)
        ));
    }
    Ok(checked)
}

/// Parameters in a link: `key:value,key:value` (keys and values are letters, digits and `_`).
pub fn encode(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect::<Vec<_>>()
        .join(",")
}

pub fn decode(engine: EngineKind, text: &str) -> Result<Vec<(String, String)>, String> {
    let mut params = Vec::new();
    for pair in text.split(',').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once(':').ok_or_else(|| {
            format!(
                "params in the URL are key:value pairs, got `{}`",
                crate::link::shorten(pair)
            )
        })?;
        params.push((key.to_string(), value.to_string()));
    }
    check(engine, &params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_valid_and_left_out() {
        for engine in EngineKind::ALL {
            let all: Vec<(String, String)> = specs(engine)
                .iter()
                .map(|s| (s.key.to_string(), s.kind.default_value()))
                .collect();
            assert_eq!(check(engine, &all), Ok(Vec::new()), "{engine:?}");
        }
    }

    #[test]
    fn values_are_checked_and_written_one_way() {
        assert_eq!(
            decode(EngineKind::Raft, "pre_vote:off,heartbeat_interval:075ms"),
            Ok(p(&[("heartbeat_interval", "75ms"), ("pre_vote", "off")]))
        );
        for (engine, text, want) in [
            (
                EngineKind::Raft,
                "pre_vote:maybe",
                "pre_vote must be on or off",
            ),
            (
                EngineKind::Raft,
                "heartbeat_interval:0ms",
                "heartbeat_interval must be 5 to",
            ),
            (EngineKind::Raft, "heartbeat_interval:50", "milliseconds"),
            (EngineKind::Raft, "read_mode:fast", "read_index, lease"),
            (EngineKind::Raft, "voters:n1", "no parameter `voters`"),
            (
                EngineKind::Raft,
                "election_timeout_min:900ms",
                "above its max",
            ),
            (
                EngineKind::Gossip,
                "probe_timeout:2000ms",
                "below the probe interval",
            ),
            (EngineKind::Gossip, "suspicion_mult:99", "from 1 to 20"),
            (EngineKind::Consul, "x:1", "takes no parameters"),
            (EngineKind::Raft, "pre_vote", "key:value"),
        ] {
            let err = decode(engine, text).unwrap_err();
            assert!(err.contains(want), "{text}: {err}");
        }
    }
}

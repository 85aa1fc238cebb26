//! Run setup in the URL fragment: `#v=1&engine=raft&seed=42&nodes=5`, optionally `&host=workers` or
//! `&host=inline`, and for a shared moment also `&log=<commands>&at=<events>.<µs>`. A link reproduces
//! the run, to the same moment. `v` is the format's version (absent means 1); a link from a later
//! version is refused by name rather than misread.
//!
//! Version 2 adds protocol parameters (`&params=pre_vote:off,heartbeat_interval:75ms`, see
//! `params.rs`) and the link commands of the log (one-way cuts, mends, link settings, slow nodes). A
//! link is written in the lowest version that carries it, so a run without them still opens in a page
//! that reads only version 1; this page reads both.

use crate::{decode_log, params, EngineKind, Hosting, RunSetup, SharedCommand};

/// The newest version of the fragment format, which this page reads (with every older one).
pub const VERSION: u32 = 2;

/// Largest cluster the page offers.
pub const MAX_NODES: u32 = 1_000;

/// What a fragment asks for; `seed` is `None` when the link carries none (a fresh one is drawn).
#[derive(Debug, PartialEq)]
pub struct Wanted {
    pub engine: EngineKind,
    pub seed: Option<u64>,
    pub nodes: u32,
    pub replay: Vec<SharedCommand>,
    /// Events and simulated µs of the shared moment.
    pub until: Option<(u64, u64)>,
    pub hosting: Hosting,
    /// Protocol parameters, checked (see `params::check`).
    pub params: Vec<(String, String)>,
}

/// Reads `engine`, `seed` and `nodes`; unknown keys are ignored, bad values are reported by name.
pub fn parse_fragment(fragment: &str) -> Result<Wanted, String> {
    let mut engine = EngineKind::default();
    let mut seed = None;
    let mut nodes = None;
    let mut replay = Vec::new();
    let mut until = None;
    let mut hosting = Hosting::Auto;
    let mut params_text = None;
    for pair in fragment
        .trim_start_matches('#')
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "v" if !value.parse().is_ok_and(|v: u32| (1..=VERSION).contains(&v)) => {
                return Err(format!(
                    "the link is in format version `{}`; this page reads versions 1 to {VERSION}",
                    shorten(value)
                ));
            }
            "params" => params_text = Some(value),
            "host" => {
                hosting = Hosting::parse(value).ok_or_else(|| {
                    format!(
                        "host in the URL must be auto, workers or inline, got `{}`",
                        shorten(value)
                    )
                })?
            }
            "engine" => {
                engine = EngineKind::parse(value).ok_or_else(|| {
                    format!(
                        "engine in the URL must be raft, gossip, demo, consul or etcd, got `{}`",
                        shorten(value)
                    )
                })?
            }
            "seed" => {
                seed = Some(value.parse().map_err(|_| {
                    format!(
                        "seed in the URL must be a whole number, got `{}`",
                        shorten(value)
                    )
                })?)
            }
            "nodes" => {
                nodes = Some(
                    value
                        .parse()
                        .ok()
                        .filter(|n| (1..=MAX_NODES).contains(n))
                        .ok_or_else(|| {
                            format!(
                                "nodes in the URL must be from 1 to {MAX_NODES}, got `{}`",
                                shorten(value)
                            )
                        })?,
                )
            }
            "log" => replay = decode_log(value)?,
            "at" => {
                let bad = || {
                    format!(
                        "at in the URL must be <events>.<microseconds>, got `{}`",
                        shorten(value)
                    )
                };
                let (events, us) = value.split_once('.').ok_or_else(bad)?;
                until = Some((
                    events.parse().map_err(|_| bad())?,
                    us.parse().map_err(|_| bad())?,
                ));
            }
            _ => {}
        }
    }
    let params = match params_text {
        Some(text) => params::decode(engine, text)?,
        None => Vec::new(),
    };
    Ok(Wanted {
        engine,
        seed,
        nodes: nodes.unwrap_or_else(|| engine.default_nodes()),
        replay,
        until,
        hosting,
        params,
    })
}

/// Quotes at most 40 characters of a bad value back to the user.
pub(crate) fn shorten(value: &str) -> String {
    let mut s: String = value.chars().take(40).collect();
    if value.chars().count() > 40 {
        s.push('…');
    }
    s
}

pub fn fragment(setup: &RunSetup) -> String {
    format!(
        "#v={}&engine={}&seed={}&nodes={}{}{}",
        version(&setup.params, &[]),
        setup.engine.name(),
        setup.seed,
        setup.nodes,
        host_part(setup.hosting),
        params_part(&setup.params)
    )
}

/// The lowest version that carries these parameters and commands.
fn version(params: &[(String, String)], log: &[SharedCommand]) -> u32 {
    if params.is_empty()
        && log
            .iter()
            .all(|c| crate::share::since_version(&c.command) == 1)
    {
        1
    } else {
        VERSION
    }
}

fn params_part(params: &[(String, String)]) -> String {
    if params.is_empty() {
        String::new()
    } else {
        format!("&params={}", params::encode(params))
    }
}

fn host_part(hosting: Hosting) -> String {
    match hosting {
        Hosting::Auto => String::new(),
        other => format!("&host={}", other.name()),
    }
}

/// The link to a moment of a run: its setup, the commands applied so far and where it stands.
#[allow(clippy::too_many_arguments)]
pub fn moment(
    engine: EngineKind,
    seed: u64,
    nodes: u32,
    hosting: Hosting,
    params: &[(String, String)],
    shared_log: &str,
    events: u64,
    time_us: u64,
) -> String {
    let log = decode_log(shared_log).unwrap_or_default();
    let mut text = format!(
        "#v={}&engine={}&seed={seed}&nodes={nodes}{}{}",
        version(params, &log),
        engine.name(),
        host_part(hosting),
        params_part(params)
    );
    if !shared_log.is_empty() {
        text += &format!("&log={shared_log}");
    }
    text + &format!("&at={events}.{time_us}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_round_trip_and_bad_values_are_named() {
        assert_eq!(
            parse_fragment("#engine=gossip&seed=42&nodes=5"),
            Ok(Wanted {
                engine: EngineKind::Gossip,
                seed: Some(42),
                nodes: 5,
                replay: Vec::new(),
                until: None,
                hosting: Hosting::Auto,
                params: Vec::new(),
            })
        );
        assert_eq!(
            parse_fragment(""),
            Ok(Wanted {
                engine: EngineKind::Raft,
                seed: None,
                nodes: 5,
                replay: Vec::new(),
                until: None,
                hosting: Hosting::Auto,
                params: Vec::new(),
            })
        );
        let shared = parse_fragment(&moment(
            EngineKind::Raft,
            3,
            5,
            Hosting::Inline,
            &[],
            "10.2000.k1;12.2500.h",
            40,
            9000,
        ))
        .unwrap();
        assert_eq!(
            (shared.replay.len(), shared.until, shared.hosting),
            (2, Some((40, 9000)), Hosting::Inline)
        );
        assert!(parse_fragment("#v=3&seed=1")
            .unwrap_err()
            .contains("version"));
        assert!(parse_fragment("#v=x&seed=1")
            .unwrap_err()
            .contains("version"));
        assert!(parse_fragment("#host=gpu").unwrap_err().contains("host"));
        assert!(parse_fragment("#log=1.1.c1:<script>")
            .unwrap_err()
            .contains("characters"));
        assert!(parse_fragment("#at=12")
            .unwrap_err()
            .contains("at in the URL"));
        assert!(parse_fragment("#seed=abc").unwrap_err().contains("seed"));
        assert!(parse_fragment("#nodes=0").unwrap_err().contains("nodes"));
        assert!(parse_fragment("#engine=<script>")
            .unwrap_err()
            .contains("engine"));
        let setup = RunSetup {
            engine: EngineKind::Demo,
            seed: 9,
            nodes: 4,
            replay: Vec::new(),
            until: None,
            hosting: Hosting::PerNode,
            params: Vec::new(),
        };
        let back = parse_fragment(&fragment(&setup)).unwrap();
        assert_eq!(
            (back.engine, back.seed, back.nodes, back.hosting),
            (EngineKind::Demo, Some(9), 4, Hosting::PerNode)
        );
    }

    #[test]
    fn version_2_carries_params_and_link_commands_and_version_1_links_still_open() {
        let v1 = "#v=1&engine=raft&seed=3&nodes=5&log=10.2000.k1;12.2500.h&at=40.9000";
        let old = parse_fragment(v1).unwrap();
        assert_eq!((old.replay.len(), old.params.len()), (2, 0));
        // Nothing new: still written as version 1.
        assert!(moment(
            EngineKind::Raft,
            3,
            5,
            Hosting::Auto,
            &[],
            "10.2000.k1",
            40,
            9000
        )
        .starts_with("#v=1&"));
        let params = vec![
            ("heartbeat_interval".to_string(), "75ms".to_string()),
            ("pre_vote".to_string(), "off".to_string()),
        ];
        let link = moment(
            EngineKind::Raft,
            3,
            5,
            Hosting::Auto,
            &params,
            "10.2000.x1-2;20.3000.l0-0,100,5,9;30.4000.s3,200;40.5000.m1-2",
            60,
            9000,
        );
        assert!(link.starts_with("#v=2&"), "{link}");
        let back = parse_fragment(&link).unwrap();
        assert_eq!(back.params, params);
        assert_eq!(back.replay.len(), 4);
        assert_eq!(back.until, Some((60, 9000)));
        // A log with a new command alone also needs version 2.
        assert!(moment(
            EngineKind::Raft,
            3,
            5,
            Hosting::Auto,
            &[],
            "10.2000.s3,200",
            40,
            9000
        )
        .starts_with("#v=2&"));
        let setup = RunSetup {
            engine: EngineKind::Gossip,
            seed: 9,
            nodes: 8,
            replay: Vec::new(),
            until: None,
            hosting: Hosting::Auto,
            params: vec![("lifeguard".to_string(), "off".to_string())],
        };
        assert_eq!(
            fragment(&setup),
            "#v=2&engine=gossip&seed=9&nodes=8&params=lifeguard:off"
        );
        for (text, want) in [
            (
                "#v=2&engine=raft&params=pre_vote:maybe",
                "pre_vote must be on or off",
            ),
            (
                "#v=2&engine=raft&params=heartbeat_interval:0ms",
                "heartbeat_interval",
            ),
            ("#v=2&engine=gossip&params=probe_timeout:5000ms", "probe"),
            ("#v=2&engine=raft&params=<script>:1", "no parameter"),
            ("#v=2&engine=etcd&params=pre_vote:on", "takes no parameters"),
            ("#v=2&log=1.1.l1-2,101,1,5", "loss"),
            ("#v=2&log=1.1.l1-2,5,9,1", "latency"),
            ("#v=2&log=1.1.x1-1", "itself"),
            ("#v=2&log=1.1.s2,99999999", "slow"),
        ] {
            let err = parse_fragment(text).unwrap_err();
            assert!(err.contains(want), "{text}: {err}");
        }
    }

    #[test]
    fn long_bad_values_are_shortened() {
        let long = "x".repeat(500);
        let message = parse_fragment(&format!("#seed={long}")).unwrap_err();
        assert!(message.len() < 120, "{message}");
    }
}

//! Run setup in the URL fragment: `#v=1&engine=raft&seed=42&nodes=5`, optionally `&host=workers` or
//! `&host=inline`, and for a shared moment also `&log=<commands>&at=<events>.<µs>`. A link reproduces
//! the run, to the same moment. `v` is the format's version (absent means 1); a link from a later
//! version is refused by name rather than misread.

use crate::{decode_log, EngineKind, Hosting, RunSetup, SharedCommand};

/// The version of the fragment format this page writes and reads.
pub const VERSION: u32 = 1;

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
}

/// Reads `engine`, `seed` and `nodes`; unknown keys are ignored, bad values are reported by name.
pub fn parse_fragment(fragment: &str) -> Result<Wanted, String> {
    let mut engine = EngineKind::default();
    let mut seed = None;
    let mut nodes = None;
    let mut replay = Vec::new();
    let mut until = None;
    let mut hosting = Hosting::Auto;
    for pair in fragment
        .trim_start_matches('#')
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "v" => {
                if value != VERSION.to_string() {
                    return Err(format!(
                        "the link is in format version `{}`; this page reads version {VERSION}",
                        shorten(value)
                    ));
                }
            }
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
                        "engine in the URL must be raft, gossip or demo, got `{}`",
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
    Ok(Wanted {
        engine,
        seed,
        nodes: nodes.unwrap_or_else(|| engine.default_nodes()),
        replay,
        until,
        hosting,
    })
}

/// Quotes at most 40 characters of a bad value back to the user.
fn shorten(value: &str) -> String {
    let mut s: String = value.chars().take(40).collect();
    if value.chars().count() > 40 {
        s.push('…');
    }
    s
}

pub fn fragment(setup: &RunSetup) -> String {
    format!(
        "#v={VERSION}&engine={}&seed={}&nodes={}{}",
        setup.engine.name(),
        setup.seed,
        setup.nodes,
        host_part(setup.hosting)
    )
}

fn host_part(hosting: Hosting) -> String {
    match hosting {
        Hosting::Auto => String::new(),
        other => format!("&host={}", other.name()),
    }
}

/// The link to a moment of a run: its setup, the commands applied so far and where it stands.
pub fn moment(
    engine: EngineKind,
    seed: u64,
    nodes: u32,
    hosting: Hosting,
    shared_log: &str,
    events: u64,
    time_us: u64,
) -> String {
    let mut text = format!(
        "#v={VERSION}&engine={}&seed={seed}&nodes={nodes}{}",
        engine.name(),
        host_part(hosting)
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
            })
        );
        let shared = parse_fragment(&moment(
            EngineKind::Raft,
            3,
            5,
            Hosting::Inline,
            "10.2000.k1;12.2500.h",
            40,
            9000,
        ))
        .unwrap();
        assert_eq!(
            (shared.replay.len(), shared.until, shared.hosting),
            (2, Some((40, 9000)), Hosting::Inline)
        );
        assert!(parse_fragment("#v=2&seed=1")
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
        };
        let back = parse_fragment(&fragment(&setup)).unwrap();
        assert_eq!(
            (back.engine, back.seed, back.nodes, back.hosting),
            (EngineKind::Demo, Some(9), 4, Hosting::PerNode)
        );
    }

    #[test]
    fn long_bad_values_are_shortened() {
        let long = "x".repeat(500);
        let message = parse_fragment(&format!("#seed={long}")).unwrap_err();
        assert!(message.len() < 120, "{message}");
    }
}

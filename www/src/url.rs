//! Run setup in the URL fragment: `#seed=42&nodes=3`. A link reproduces the run.

use quorate_view::RunSetup;

pub const DEFAULT_NODES: u32 = 3;

/// Reads `seed` and `nodes` from a fragment; unknown keys are ignored, bad values are reported.
pub fn parse_fragment(fragment: &str) -> Result<(Option<u64>, u32), String> {
    let mut seed = None;
    let mut nodes = DEFAULT_NODES;
    for pair in fragment
        .trim_start_matches('#')
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "seed" => {
                seed = Some(value.parse().map_err(|_| {
                    format!("seed in the URL must be a whole number, got `{value}`")
                })?)
            }
            "nodes" => {
                nodes = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=64).contains(n))
                    .ok_or_else(|| {
                        format!("nodes in the URL must be from 1 to 64, got `{value}`")
                    })?
            }
            _ => {}
        }
    }
    Ok((seed, nodes))
}

pub fn fragment(setup: &RunSetup) -> String {
    format!("#seed={}&nodes={}", setup.seed, setup.nodes)
}

/// A fresh seed from the browser's crypto. Shown in the page and written into the URL.
pub fn fresh_seed() -> u64 {
    // 53 bits, so the seed survives a round trip through JavaScript numbers in the URL tooling.
    getrandom::u64().map(|s| s >> 11).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_round_trip_and_bad_values_are_named() {
        assert_eq!(parse_fragment("#seed=42&nodes=5"), Ok((Some(42), 5)));
        assert_eq!(parse_fragment(""), Ok((None, DEFAULT_NODES)));
        assert!(parse_fragment("#seed=abc").unwrap_err().contains("seed"));
        assert!(parse_fragment("#nodes=0").unwrap_err().contains("nodes"));
        let setup = RunSetup { seed: 9, nodes: 4 };
        assert_eq!(parse_fragment(&fragment(&setup)), Ok((Some(9), 4)));
    }
}

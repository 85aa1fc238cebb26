//! Every scenario under `crate/gossip/scenarios/` runs with its expectations met, twice with the same
//! digest (same seed + same commands = same trace).

use quorate_gossip::Gossip;
use quorate_sim::scenario::Scenario;

#[test]
fn scenarios_hold_and_are_deterministic() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("scenarios dir")
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    assert!(!paths.is_empty());
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let scenario = Scenario::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let seed = scenario.seed.unwrap_or(1);
        let cmd = format!("quorate run {} --seed {seed}", path.display());
        let (first, _) = scenario.run::<Gossip>(seed, |_, _| {}).unwrap();
        assert!(
            first.failures.is_empty(),
            "{}: {:?}; reproduce: {cmd}",
            path.display(),
            first.failures
        );
        let (second, _) = scenario.run::<Gossip>(seed, |_, _| {}).unwrap();
        assert_eq!(
            first.digest,
            second.digest,
            "{}: not deterministic; reproduce: {cmd}",
            path.display()
        );
        println!(
            "{}: seed {seed} digest {} events {}",
            path.display(),
            first.digest,
            first.events
        );
    }
}

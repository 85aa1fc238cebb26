//! The scenario files shipped in crate/raft/scenarios run with every expectation met and no safety
//! violation, and twice over to the same trace digest (determinism).

use quorate_check::raft::RaftChecker;
use quorate_raft::sweep::cluster::{fact, observe};
use quorate_raft::Raft;
use quorate_sim::scenario::Scenario;
use quorate_sim::Record;

#[test]
fn shipped_scenarios_pass_safely_and_deterministically() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    assert!(paths.len() >= 4);
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let scenario = Scenario::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let seed = scenario.seed.unwrap_or(1);
        let mut checker = RaftChecker::new();
        let (summary, _) = scenario
            .run::<Raft>(seed, |world, record| {
                let facts: Vec<_> = match &record.record {
                    Record::Emit { node, event } => fact(*node, event).into_iter().collect(),
                    _ => Vec::new(),
                };
                let obs: Vec<_> = record
                    .node()
                    .and_then(|id| {
                        world
                            .status(id)
                            .map(|s| observe(&s, world.generation(id).unwrap_or(0)))
                    })
                    .into_iter()
                    .collect();
                checker.observe(record.event, &facts, &obs);
            })
            .unwrap();
        let failures: Vec<String> = summary.failures.iter().map(|f| f.message.clone()).collect();
        assert!(failures.is_empty(), "{}: {failures:#?}", path.display());
        assert!(
            checker.violations().is_empty(),
            "{}: {}",
            path.display(),
            checker.violations()[0]
        );
        let (again, _) = scenario.run::<Raft>(seed, |_, _| {}).unwrap();
        assert_eq!(
            summary.digest,
            again.digest,
            "{}: not deterministic",
            path.display()
        );
    }
}

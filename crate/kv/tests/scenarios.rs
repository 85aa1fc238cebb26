//! Intent: the KV engine's scenario files run with every expectation met, and twice to the same digest.

use quorate_kv::KvNode;
use quorate_sim::scenario::Scenario;

fn run(name: &str) {
    let path = format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let scenario = Scenario::parse(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let seed = scenario.seed.unwrap_or(1);
    let mut trace = String::new();
    let (summary, _) = scenario
        .run::<KvNode>(seed, |_, r| {
            trace.push_str(&r.to_string());
            trace.push('\n');
        })
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let failures: Vec<String> = summary
        .failures
        .iter()
        .map(|f| format!("line {}: {}", f.line, f.message))
        .collect();
    assert!(
        failures.is_empty(),
        "{path}:\n{}\n--- trace (kv lines) ---\n{}",
        failures.join("\n"),
        trace
            .lines()
            .filter(|l| l.contains("reply")
                || l.contains("watch")
                || l.contains("lease")
                || l.contains("became"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let (again, _) = scenario.run::<KvNode>(seed, |_, _| {}).unwrap();
    assert_eq!(summary.digest, again.digest, "{path}: not deterministic");
}

#[test]
fn lease_expiry() {
    run("lease-expiry.scn");
}

#[test]
fn stale_read() {
    run("stale-read.scn");
}

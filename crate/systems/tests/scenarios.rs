//! Intent: the Consul and etcd scenario files run with every expectation met, and twice to the same
//! digest.

use quorate_core::Scripted;
use quorate_sim::scenario::Scenario;
use quorate_systems::{ConsulNode, EtcdNode};

fn run<E: Scripted>(name: &str) {
    let path = format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let scenario = Scenario::parse(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let seed = scenario.seed.unwrap_or(1);
    let mut trace = String::new();
    let (summary, _) = scenario
        .run::<E>(seed, |_, r| {
            let line = r.to_string();
            if line.contains("program")
                || line.contains("discover")
                || line.contains("member")
                || line.contains("serfHealth")
                || line.contains("expired")
                || line.contains("became leader")
            {
                trace.push_str(&line);
                trace.push('\n');
            }
        })
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let failures: Vec<String> = summary
        .failures
        .iter()
        .map(|f| format!("line {}: {}", f.line, f.message))
        .collect();
    assert!(
        failures.is_empty(),
        "{path} (seed {seed}; repeat with `quorate run {path}`):\n{}\n--- trace ---\n{trace}",
        failures.join("\n"),
    );
    let (again, _) = scenario.run::<E>(seed, |_, _| {}).unwrap();
    assert_eq!(summary.digest, again.digest, "{path}: not deterministic");
}

#[test]
fn consul_lock() {
    run::<ConsulNode>("consul-lock.scn");
}

#[test]
fn etcd_lock() {
    run::<EtcdNode>("etcd-lock.scn");
}

#[test]
fn consul_discovery_and_config() {
    run::<ConsulNode>("consul-discovery.scn");
}

#[test]
fn etcd_discovery_and_config() {
    run::<EtcdNode>("etcd-discovery.scn");
}

#[test]
fn consul_lock_loop() {
    run::<ConsulNode>("consul-lock-loop.scn");
}

#[test]
fn etcd_lock_loop() {
    run::<EtcdNode>("etcd-lock-loop.scn");
}

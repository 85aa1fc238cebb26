//! Intent: directed checks of the two worlds' state: config watchers keep every version in order, a
//! `delete` session's key disappears with its holder, the leader's catalog follows gossip, and bad
//! scenario words are errors that name the word.

use quorate_core::{NodeId, Scripted};
use quorate_sim::scenario::Scenario;
use quorate_systems::consul::program::Spec as ConsulSpec;
use quorate_systems::etcd::program::Spec as EtcdSpec;
use quorate_systems::{ConsulNode, EtcdNode};

fn scenario(text: &str) -> Scenario {
    Scenario::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn config_watchers_record_every_version_in_order_on_both_systems() {
    let consul = scenario(
        "engine consul\nnodes 5\nseed 3\nrun 8s\nat 1s client n5 config app\n\
         at 2s client n4 set app v1\nat 3s client n4 set app v2\nat 4s client n4 set app v3\n",
    );
    let (_, w) = consul.run::<ConsulNode>(3, |_, _| {}).unwrap();
    let h = &w.engine(NodeId(5)).unwrap().programs()[0].history;
    let values: Vec<&str> = h.iter().map(|(_, v)| v.as_str()).collect();
    assert_eq!(values, ["v1", "v2", "v3"], "seed 3: {h:?}");
    assert!(h.windows(2).all(|p| p[0].0 < p[1].0), "indexes grow: {h:?}");

    let etcd = scenario(
        "engine etcd\nnodes 5\nseed 3\nrun 8s\nat 1s client n5 config app\n\
         at 2s client n4 put app v1\nat 3s client n4 put app v2\nat 4s client n4 put app v3\n",
    );
    let (_, w) = etcd.run::<EtcdNode>(3, |_, _| {}).unwrap();
    let h = &w.engine(NodeId(5)).unwrap().programs()[0].history;
    let values: Vec<&str> = h.iter().map(|(_, v)| v.as_str()).collect();
    assert_eq!(values, ["v1", "v2", "v3"], "seed 3: {h:?}");
    assert!(
        h.windows(2).all(|p| p[0].0 < p[1].0),
        "revisions grow: {h:?}"
    );
}

#[test]
fn a_delete_session_loses_its_key_with_its_node() {
    let s = scenario(
        "engine consul\nnodes 5\nseed 5\nparam behavior delete\nrun 30s\n\
         at 1s client n4 lock svc/leader hold=60s\nat 5s kill n4\n",
    );
    let (_, w) = s.run::<ConsulNode>(5, |_, _| {}).unwrap();
    for n in 1..=3 {
        let e = w.engine(NodeId(n)).unwrap();
        let consul = e.kv().unwrap().store().consul();
        assert!(
            consul.entry("svc/leader").is_none(),
            "n{n} still has the key (seed 5)"
        );
        let n4 = consul.catalog_nodes().find(|c| c.node == 4).unwrap();
        assert_eq!(n4.serf_health, quorate_kv::consul::Health::Critical, "n{n}");
        assert_eq!(consul.sessions().count(), 0, "n{n}");
    }
}

#[test]
fn bad_words_are_errors_naming_the_word() {
    assert_eq!(ConsulNode::parse_command(&["lock"]).unwrap_err().word, 1);
    assert_eq!(
        ConsulNode::parse_command(&["lock", "k", "hold=soon"])
            .unwrap_err()
            .word,
        2
    );
    assert_eq!(ConsulNode::parse_command(&["frob"]).unwrap_err().word, 0);
    assert_eq!(
        ConsulNode::parse_command(&["kv", "put", "k"])
            .unwrap_err()
            .word,
        3
    );
    assert_eq!(EtcdNode::parse_command(&["put", "k"]).unwrap_err().word, 2);
    assert!(matches!(
        ConsulNode::parse_command(&["service", "web"]),
        Ok(quorate_systems::consul::Command::Run(
            ConsulSpec::Service { .. }
        ))
    ));
    assert!(matches!(
        EtcdNode::parse_command(&["discover", "web"]),
        Ok(quorate_systems::etcd::Command::Run(
            EtcdSpec::Discover { .. }
        ))
    ));
    let nodes: Vec<NodeId> = (1..=4).map(NodeId).collect();
    let p = |k: &str, v: &str| (k.to_string(), v.to_string());
    assert_eq!(
        ConsulNode::configure(&nodes, &[p("servers", "9")])
            .unwrap_err()
            .word,
        0
    );
    assert_eq!(
        ConsulNode::configure(&nodes, &[p("hold", "1s"), p("gossip.probe_interval", "x")])
            .unwrap_err()
            .word,
        1
    );
    assert_eq!(
        EtcdNode::configure(&nodes, &[p("lease_ttl", "10s"), p("wat", "1")])
            .unwrap_err()
            .word,
        1
    );
}

#[test]
fn programs_run_on_agents_only_and_a_refused_command_changes_nothing() {
    let s = scenario("engine consul\nnodes 4\nseed 1\nrun 1s\nat 500ms client n1 lock k\n");
    let mut w = s.build::<ConsulNode>(1).unwrap();
    w.run_until(quorate_core::SimTime::from_millis(900));
    assert!(w.engine(NodeId(1)).unwrap().programs().is_empty());
    let s = scenario("engine etcd\nnodes 4\nseed 1\nrun 1s\nat 500ms client n4 kv campaign\n");
    let mut w = s.build::<EtcdNode>(1).unwrap();
    w.run_until(quorate_core::SimTime::from_millis(900));
    assert!(w.engine(NodeId(4)).unwrap().kv().is_none());
}

/// Reads a scenario file of this crate.
fn file(name: &str) -> Scenario {
    let path = format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    scenario(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
}

#[test]
fn looping_consul_lockers_take_turns_and_the_lock_index_counts_holders() {
    let s = file("consul-lock-loop.scn");
    let mut holders = Vec::new();
    let (summary, w) = s
        .run::<ConsulNode>(5, |_, r| {
            if let quorate_sim::Record::Emit { node, event } = &r.record {
                let text = event.to_string();
                if text.contains("acquired") {
                    holders.push((r.time, *node, true));
                } else if text.contains("released") {
                    holders.push((r.time, *node, false));
                }
            }
        })
        .unwrap();
    assert!(
        summary.failures.is_empty(),
        "seed 5: {:?}",
        summary.failures
    );
    // Never two holders at once: acquisitions and releases alternate, by the same node.
    for pair in holders.chunks(2) {
        if let [(_, a, true), (_, b, false)] = pair {
            assert_eq!(a, b, "seed 5: {holders:?}");
        } else if pair.len() == 2 {
            panic!("seed 5: not alternating: {holders:?}");
        }
    }
    let acquisitions = holders.iter().filter(|h| h.2).count() as u64;
    assert!(acquisitions >= 5, "seed 5: only {acquisitions} tenures");
    let distinct: std::collections::BTreeSet<NodeId> = holders.iter().map(|h| h.1).collect();
    assert_eq!(
        distinct.len(),
        3,
        "seed 5: every looper gets the lock: {holders:?}"
    );
    let leader = (1..=3)
        .map(NodeId)
        .find(|n| w.engine(*n).unwrap().kv().unwrap().is_leader())
        .unwrap();
    let entry = w
        .engine(leader)
        .unwrap()
        .kv()
        .unwrap()
        .store()
        .consul()
        .entry("jobs/leader")
        .cloned();
    assert_eq!(
        entry.unwrap().lock_index,
        acquisitions,
        "seed 5: one lock index per holder"
    );
}

#[test]
fn looping_etcd_lockers_take_turns_with_growing_tokens() {
    let s = file("etcd-lock-loop.scn");
    let mut tokens = Vec::new();
    let (summary, _) = s
        .run::<EtcdNode>(5, |_, r| {
            if let quorate_sim::Record::Emit {
                event:
                    quorate_systems::etcd::Event::Program {
                        report: quorate_systems::etcd::program::Report::Acquired { token, .. },
                        ..
                    },
                ..
            } = &r.record
            {
                tokens.push(*token);
            }
        })
        .unwrap();
    assert!(
        summary.failures.is_empty(),
        "seed 5: {:?}",
        summary.failures
    );
    assert!(tokens.len() >= 5, "seed 5: {tokens:?}");
    assert!(tokens.windows(2).all(|t| t[0] < t[1]), "seed 5: {tokens:?}");
}

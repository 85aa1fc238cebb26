//! The Consul and etcd worlds in the session: the same trace per node and inline, their panels, and
//! the comparison.

use super::*;

/// Rule 4 for the composite worlds too (fewer seeds: each run is a whole Consul or etcd).
#[test]
fn consul_and_etcd_give_the_same_trace_per_node_and_inline() {
    for engine in [EngineKind::Consul, EngineKind::Etcd] {
        for seed in 1..=2 {
            let inline = scripted_digest(engine, seed, Hosting::Inline);
            let per_node = scripted_digest(engine, seed, Hosting::PerNode);
            assert_eq!(
                per_node,
                inline,
                "{} seed {seed}: per-node vs inline (reproduce: cargo test -p quorate-worker \
                 consul_and_etcd_give)",
                engine.name()
            );
        }
    }
}

fn fact<'a>(f: &'a Frame, label: &str) -> &'a str {
    let system = f.system.as_ref().expect("a system view");
    system
        .facts
        .iter()
        .find(|x| x.label == label)
        .map_or("", |x| x.value.as_str())
}

fn table<'a>(f: &'a Frame, title: &str) -> &'a quorate_view::system::TableView {
    let system = f.system.as_ref().expect("a system view");
    system
        .tables
        .iter()
        .find(|t| t.title.starts_with(title))
        .unwrap_or_else(|| panic!("no table {title} in {:?}", system.tables))
}

/// Seconds of simulated time at speed 1 (frames of 16 ms).
fn seconds(s: &mut Harness, secs: u32) -> Frame {
    s.play(secs * 1000 / 16)
}

#[test]
fn the_consul_world_shows_its_catalog_and_a_lock_that_fails_over_after_the_lock_delay() {
    for hosting in [Hosting::Inline, Hosting::PerNode] {
        let mut s = Harness::new(EngineKind::Consul, 3, 7, hosting);
        let f = seconds(&mut s, 4);
        let roles: Vec<&str> = f.nodes.iter().filter_map(|n| n.role.as_deref()).collect();
        assert_eq!(
            roles.iter().filter(|r| **r == "server-leader").count(),
            1,
            "{roles:?}"
        );
        assert_eq!(
            roles.iter().filter(|r| **r == "agent").count(),
            4,
            "{roles:?}"
        );
        assert!(
            f.nodes.iter().all(|n| n.system.is_none()),
            "parts are merged"
        );
        assert_eq!(table(&f, "catalog").rows.len(), 7);
        let holder = fact(&f, "lock service/leader").to_string();
        let node: u32 = holder
            .strip_prefix('n')
            .and_then(|h| h.split(' ').next())
            .and_then(|h| h.parse().ok())
            .unwrap_or_else(|| panic!("a holder, got {holder:?}"));
        assert_eq!(
            table(&f, "programs").rows.len(),
            9,
            "{:?}",
            table(&f, "programs")
        );
        s.send(UiCommand::Kill(node));
        let f = seconds(&mut s, 9);
        let critical = table(&f, "catalog")
            .rows
            .iter()
            .find(|r| r.cells[0] == format!("n{node}"))
            .map(|r| r.cells[2].clone());
        assert_eq!(critical.as_deref(), Some("critical"));
        assert!(
            fact(&f, "lock service/leader").contains("lock-delay"),
            "{f:?}"
        );
        let f = seconds(&mut s, 20);
        let next = fact(&f, "lock service/leader");
        assert!(
            next.starts_with('n') && !next.starts_with(&format!("n{node} ")),
            "{next}"
        );
        assert_eq!(fact(&f, "lock index"), "2");
    }
}

#[test]
fn the_etcd_world_shows_leases_and_a_lock_that_passes_on_when_the_lease_expires() {
    let mut s = Harness::new(EngineKind::Etcd, 3, 6, Hosting::Inline);
    let f = seconds(&mut s, 3);
    let holder = fact(&f, "lock jobs/").to_string();
    assert!(holder.starts_with('n'), "{holder}");
    assert!(
        table(&f, "leases").rows.len() >= 5,
        "{:?}",
        table(&f, "leases")
    );
    assert_eq!(table(&f, "lock keys").rows.len(), 3);
    let history = &table(&f, "config history").rows[0].cells[2];
    assert!(history.contains("v1"), "{history}");
    let node: u32 = holder[1..].split(' ').next().unwrap().parse().unwrap();
    s.send(UiCommand::Kill(node));
    let f = seconds(&mut s, 12);
    let next = fact(&f, "lock jobs/");
    assert!(!next.starts_with(&format!("n{node} ")), "{next}");
    assert_eq!(table(&f, "lock keys").rows.len(), 2);
}

#[test]
fn compare_puts_both_timelines_in_the_next_frame_and_leaves_the_run_alone() {
    let mut s = Harness::new(EngineKind::Consul, 4, 7, Hosting::Inline);
    let before = seconds(&mut s, 1);
    let f = s.send(UiCommand::Compare(quorate_view::CompareFault::KillHolder));
    assert_eq!((f.events, f.digest.clone()), (before.events, before.digest));
    let c = f.comparison.expect("a comparison");
    assert_eq!(c.seed, 4);
    let names: Vec<&str> = c.systems.iter().map(|t| t.system.as_str()).collect();
    assert_eq!(names, ["Consul", "etcd"]);
    for t in &c.systems {
        assert!(t.violations.is_empty(), "{t:?}");
        assert!(t.done_ms.is_some_and(|d| d > 1000.0), "{t:?}");
        assert!(t.phases.iter().all(|p| p.end_ms.is_some()), "{t:?}");
    }
    let consul = &c.systems[0];
    let delay = consul
        .phases
        .iter()
        .find(|p| p.name == "lock-delay")
        .unwrap();
    assert!((delay.end_ms.unwrap() - delay.start_ms - 15_000.0).abs() < 0.01);
    assert!(s.send(UiCommand::Refresh).comparison.is_none(), "sent once");
}

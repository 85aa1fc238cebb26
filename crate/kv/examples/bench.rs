//! KV operations per second through a 3-node simulated cluster (ReadIndex reads, no faults).
//!
//! `cargo run -p quorate-kv --release --example bench [clients] [sim seconds]`
//!
//! Prints two rates: per simulated second (what the protocol sustains with 1–5 ms links and the
//! closed-loop clients' think time) and per host second (how fast the simulator runs it).

use std::time::Instant;

use quorate_check::linearizability::{check, Verdict};
use quorate_core::Duration;
use quorate_kv::sweep::{Clients, Cluster, Workload};
use quorate_kv::KvRegisters;

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let clients = args.first().copied().unwrap_or(32) as u32;
    let secs = args.get(1).copied().unwrap_or(10);
    let workload = Workload {
        clients,
        keys: 64,
        think_min: Duration::ZERO,
        think_max: Duration::from_millis(1),
        ..Workload::default()
    };
    let mut cluster = Cluster::new(1, 3, |_| {});
    cluster.await_leader(Duration::from_secs(2));
    let start = cluster.world.now();
    let stop = start + Duration::from_secs(secs);
    let mut c = Clients::new(1, workload, cluster.nodes.len(), stop);
    let wall = Instant::now();
    c.run(&mut cluster, stop);
    c.finish(&mut cluster, stop + Duration::from_secs(2));
    let host = wall.elapsed().as_secs_f64();
    let sim = cluster.world.now().since(start).as_secs_f64();
    let ok = c.stats.ok;
    println!(
        "{clients} clients, 3 nodes, {secs} s simulated: {ok} ops ok ({} fail, {} unknown)",
        c.stats.fail, c.stats.unknown
    );
    println!("  {:.0} ops per simulated second", ok as f64 / sim);
    println!(
        "  {:.0} ops per host second ({:.2} s of host time, {} world events)",
        ok as f64 / host,
        host,
        cluster.world.events()
    );
    let history = c.history().expect("well-formed history");
    let t = Instant::now();
    let verdict = check(&KvRegisters, &history).verdict;
    println!(
        "  checker: {:?} on {} operations in {:.3} s",
        verdict,
        history.len(),
        t.elapsed().as_secs_f64()
    );
    assert_eq!(verdict, Verdict::Linearizable);
}

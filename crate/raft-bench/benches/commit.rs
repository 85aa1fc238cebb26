//! Proposals committed per second in a 3-node in-process cluster: quorate-raft and tikv/raft-rs side by
//! side, same harness (see the crate docs). Run: `cargo bench -p quorate-raft-bench`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use quorate_raft_bench::{Cluster, QuorateCluster, RaftRsCluster};

const PROPOSALS: u32 = 1_000;

fn bench(c: &mut Criterion) {
    for batch in [1u32, 64] {
        let mut group = c.benchmark_group(format!("commit_3_nodes_batch_{batch}"));
        group.throughput(Throughput::Elements(u64::from(PROPOSALS)));
        group.bench_function("quorate-raft", |b| {
            b.iter_batched(
                QuorateCluster::new,
                |mut cluster| {
                    for _ in 0..PROPOSALS / batch {
                        cluster.commit_batch(batch, 16);
                    }
                    cluster
                },
                BatchSize::LargeInput,
            )
        });
        group.bench_function("raft-rs", |b| {
            b.iter_batched(
                RaftRsCluster::new,
                |mut cluster| {
                    for _ in 0..PROPOSALS / batch {
                        cluster.commit_batch(batch, 16);
                    }
                    cluster
                },
                BatchSize::LargeInput,
            )
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

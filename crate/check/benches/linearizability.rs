//! Checker time on the largest key-value history of the shared test data (and on the largest etcd log).
//! The data is read from `<repo>/../shared/testdata/linearizability`; without it the bench says so and
//! measures nothing.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use quorate_check::linearizability::{
    check, parse_jepsen_register, parse_kv_edn, Kv, Register, Verdict,
};

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/linearizability")
}

/// The largest file (by size) in `dir` with the given extension.
fn largest(dir: &str, ext: &str) -> Option<(String, String)> {
    let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(data_dir().join(dir))
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.len(), p)))
        .collect();
    files.sort();
    let (_, path) = files.pop()?;
    let text = std::fs::read_to_string(&path).ok()?;
    Some((path.file_name()?.to_string_lossy().into_owned(), text))
}

fn bench(c: &mut Criterion) {
    match largest("kv", "txt") {
        Some((name, text)) => {
            let history = parse_kv_edn(&text).expect("test data parses");
            c.bench_function(&format!("check kv/{name} ({} ops)", history.len()), |b| {
                b.iter(|| {
                    let result = check(&Kv, &history);
                    assert_ne!(result.verdict, Verdict::Unknown);
                    result
                })
            });
            c.bench_function(&format!("parse kv/{name}"), |b| {
                b.iter(|| parse_kv_edn(&text).expect("parses"))
            });
        }
        None => eprintln!(
            "no shared test data under {}: nothing to measure",
            data_dir().display()
        ),
    }
    if let Some((name, text)) = largest("jepsen-etcd", "log") {
        let history = parse_jepsen_register(&text).expect("test data parses");
        c.bench_function(
            &format!("check jepsen-etcd/{name} ({} ops)", history.len()),
            |b| b.iter(|| check(&Register, &history)),
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);

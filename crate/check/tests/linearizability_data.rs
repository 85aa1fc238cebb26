//! The checker against real histories with known verdicts: the Porcupine test data in
//! `<repo>/../shared/testdata/linearizability` (Jepsen etcd logs and key-value histories), whose
//! `expected.tsv` lists each file's verdict. Every verdict must be reproduced, each within 5 s on one
//! core in an optimized build. The data is not copied into the repo; without it the test says so and
//! checks nothing.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use quorate_check::linearizability::{
    check, describe_result, parse_jepsen_register, parse_kv_edn, run_check, Kv, ModelKind,
    Register, Verdict,
};

/// The limit asked of an optimized build. A debug build is much slower, so it only gets a loose bound
/// that still catches a search gone exponential.
fn time_limit() -> Duration {
    if cfg!(debug_assertions) {
        Duration::from_secs(60)
    } else {
        Duration::from_secs(5)
    }
}

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/linearizability")
}

struct Case {
    file: String,
    linearizable: bool,
}

fn cases() -> Option<Vec<Case>> {
    let path = data_dir().join("expected.tsv");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "NOTICE: {} not found; skipping the shared-data linearizability test",
            path.display()
        );
        return None;
    };
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let (file, verdict) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("expected.tsv line {}: {line:?}", i + 1));
        let linearizable = match verdict.trim() {
            "true" => true,
            "false" => false,
            other => panic!("expected.tsv line {}: verdict {other:?}", i + 1),
        };
        cases.push(Case {
            file: file.to_string(),
            linearizable,
        });
    }
    Some(cases)
}

fn model_of(file: &str) -> ModelKind {
    if file.starts_with("kv/") {
        ModelKind::Kv
    } else {
        ModelKind::Register
    }
}

#[test]
fn every_expected_verdict_is_reproduced_in_time() {
    let Some(cases) = cases() else { return };
    assert!(!cases.is_empty(), "expected.tsv lists no history");
    let mut failures = Vec::new();
    let mut slowest = (Duration::ZERO, String::new());
    for case in &cases {
        let text = std::fs::read_to_string(data_dir().join(&case.file))
            .expect("a listed history is readable");
        let start = Instant::now();
        let (verdict, ops, steps, described) = match model_of(&case.file) {
            ModelKind::Register => {
                let h = parse_jepsen_register(&text).expect("test data parses");
                let r = check(&Register, &h);
                (
                    r.verdict,
                    h.len(),
                    r.steps,
                    describe_result(&Register, &h, &r),
                )
            }
            ModelKind::Kv => {
                let h = parse_kv_edn(&text).expect("test data parses");
                let r = check(&Kv, &h);
                (r.verdict, h.len(), r.steps, describe_result(&Kv, &h, &r))
            }
        };
        let took = start.elapsed();
        let want = if case.linearizable {
            Verdict::Linearizable
        } else {
            Verdict::NotLinearizable
        };
        println!(
            "{:<28} {:>5} ops {:>10} steps {:>9.3} ms  {:?}{}",
            case.file,
            ops,
            steps,
            took.as_secs_f64() * 1e3,
            verdict,
            if verdict == want { "" } else { "  WRONG" }
        );
        if verdict != want {
            failures.push(format!(
                "{}: expected {want:?}, got {verdict:?}\n{described}",
                case.file
            ));
        }
        if took > time_limit() {
            failures.push(format!(
                "{}: took {took:?}, over {:?}",
                case.file,
                time_limit()
            ));
        }
        if took > slowest.0 {
            slowest = (took, case.file.clone());
        }
    }
    println!(
        "{} histories; slowest: {} in {:.3} ms",
        cases.len(),
        slowest.1,
        slowest.0.as_secs_f64() * 1e3
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_report_of_a_bad_history_names_a_line_of_the_file() {
    let Some(cases) = cases() else { return };
    for case in cases.iter().filter(|c| !c.linearizable) {
        let text = std::fs::read_to_string(data_dir().join(&case.file))
            .expect("a listed history is readable");
        let report = run_check(model_of(&case.file), &text);
        assert_eq!(report.exit_code, 1, "{}: {}", case.file, report.text);
        let mut lines = report.text.lines();
        assert_eq!(lines.next(), Some("not linearizable"), "{}", case.file);
        let blocked = lines.nth(1).unwrap_or_default();
        assert!(
            blocked.trim_start().starts_with("line "),
            "{}: {}",
            case.file,
            report.text
        );
    }
}

//! The dependency rules of DESIGN.md, checked on the resolved dependency graph (`cargo metadata`) and on
//! the sources. An absence is an invariant too: these tests fail when something that must not be there is.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repo root")
        .to_path_buf()
}

/// Every package `package` pulls in through normal (non-dev, non-build) dependencies, on any target, with
/// the features a build of that package alone resolves (not the whole workspace's union). `None` when the
/// package does not exist (yet).
fn closure(package: &str) -> Option<BTreeSet<String>> {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            package,
            "-e",
            "normal",
            "--target",
            "all",
            "--prefix",
            "none",
            "--format",
            "{p}",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .expect("cargo tree runs");
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("did not match any packages"),
            "cargo tree -p {package} failed: {err}"
        );
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut deps: BTreeSet<String> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect();
    deps.remove(package);
    Some(deps)
}

fn ours(deps: &BTreeSet<String>) -> Vec<String> {
    deps.iter()
        .filter(|d| d.starts_with("quorate-"))
        .cloned()
        .collect()
}

/// Crates that must stay pure (rule 1). Those not written yet are skipped.
const PURE: &[&str] = &[
    "quorate-core",
    "quorate-raft",
    "quorate-kv",
    "quorate-gossip",
    "quorate-check",
    "quorate-lesson",
    "quorate-systems",
];
const IO_CRATES: &[&str] = &[
    "wasm-bindgen",
    "web-sys",
    "js-sys",
    "gloo",
    "yew",
    "yew-agent",
    "tokio",
    "log",
    "tracing",
    "getrandom",
    "env_logger",
];

#[test]
fn rule_1_pure_crates_pull_in_no_io() {
    for krate in PURE {
        let Some(deps) = closure(krate) else { continue };
        let bad: Vec<_> = deps
            .iter()
            .filter(|d| IO_CRATES.contains(&d.as_str()))
            .collect();
        assert!(
            bad.is_empty(),
            "{krate} depends (maybe indirectly) on {bad:?}"
        );
    }
}

#[test]
fn rule_2_sim_names_no_protocol() {
    let deps = closure("quorate-sim").expect("quorate-sim exists");
    assert_eq!(
        ours(&deps),
        vec!["quorate-core".to_string()],
        "quorate-sim may depend on quorate-core only"
    );
}

#[test]
fn rule_3_the_ui_depends_on_view_only() {
    let deps = closure("quorate-www").expect("quorate-www exists");
    assert_eq!(
        ours(&deps),
        vec!["quorate-view".to_string()],
        "www may depend on quorate-view alone of our crates"
    );
    let view = closure("quorate-view").expect("quorate-view exists");
    assert!(
        ours(&view).is_empty(),
        "quorate-view depends on nothing of ours, found {:?}",
        ours(&view)
    );
}

/// The rules above would pass vacuously if the tree came back empty.
#[test]
fn the_dependency_reader_sees_real_dependencies() {
    let deps = closure("quorate-www").expect("quorate-www exists");
    assert!(
        deps.contains("yew") && deps.contains("wasm-bindgen"),
        "{deps:?}"
    );
    assert!(closure("quorate-no-such-crate").is_none());
}

/// Source lines (outside comments) that contain any of `needles`.
fn offending_lines(dir: &Path, needles: &[&str]) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for (i, line) in text.lines().enumerate() {
                    let code = line.split("//").next().unwrap_or("");
                    if needles.iter().any(|n| code.contains(n)) {
                        hits.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
                    }
                }
            }
        }
    }
    hits
}

#[test]
fn rule_1_no_clocks_or_entropy_in_engines_and_sim() {
    let needles = [
        "Instant::now",
        "SystemTime",
        "thread_rng",
        "rand::random",
        "OsRng",
        "getrandom",
    ];
    for krate in [
        "core", "sim", "raft", "kv", "gossip", "check", "demo", "lesson", "systems",
    ] {
        let hits = offending_lines(&root().join("crate").join(krate).join("src"), &needles);
        assert!(
            hits.is_empty(),
            "clock or entropy reads in crate/{krate}:\n{}",
            hits.join("\n")
        );
    }
}

#[test]
fn rule_5_no_hash_collections_in_engines_and_sim() {
    for krate in [
        "core", "sim", "raft", "kv", "gossip", "demo", "lesson", "systems",
    ] {
        let hits = offending_lines(
            &root().join("crate").join(krate).join("src"),
            &["HashMap", "HashSet"],
        );
        assert!(
            hits.is_empty(),
            "unordered collections in crate/{krate} (use BTreeMap/BTreeSet/IndexMap):\n{}",
            hits.join("\n")
        );
    }
}

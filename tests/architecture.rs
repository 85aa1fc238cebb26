//! The dependency rules of DESIGN.md, checked on the resolved dependency graph (`cargo metadata`) and on
//! the sources. An absence is an invariant too: these tests fail when something that must not be there is.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repo root")
        .to_path_buf()
}

/// package name -> names of its normal (non-dev, non-build) dependencies, for every package in the graph.
fn normal_deps() -> BTreeMap<String, BTreeSet<String>> {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline"])
        .current_dir(root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
    let names: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let mut graph = BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().unwrap() {
        let name = names[node["id"].as_str().unwrap()].to_string();
        let deps = node["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| {
                d["dep_kinds"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|k| k["kind"].is_null())
            })
            .map(|d| names[d["pkg"].as_str().unwrap()].to_string())
            .collect::<BTreeSet<_>>();
        graph.entry(name).or_insert_with(BTreeSet::new).extend(deps);
    }
    graph
}

fn closure(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![start.to_string()];
    while let Some(p) = todo.pop() {
        for d in graph.get(&p).into_iter().flatten() {
            if seen.insert(d.clone()) {
                todo.push(d.clone());
            }
        }
    }
    seen
}

/// Crates that must stay pure (rule 1). Those not written yet are skipped.
const PURE: &[&str] = &[
    "quorate-core",
    "quorate-raft",
    "quorate-kv",
    "quorate-gossip",
    "quorate-check",
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
    let graph = normal_deps();
    for krate in PURE {
        if !graph.contains_key(*krate) {
            continue;
        }
        let bad: Vec<_> = closure(&graph, krate)
            .into_iter()
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
    let graph = normal_deps();
    let ours: Vec<_> = closure(&graph, "quorate-sim")
        .into_iter()
        .filter(|d| d.starts_with("quorate-"))
        .collect();
    assert_eq!(
        ours,
        vec!["quorate-core".to_string()],
        "quorate-sim may depend on quorate-core only"
    );
}

#[test]
fn rule_3_the_ui_depends_on_view_only() {
    let graph = normal_deps();
    let ours: Vec<_> = closure(&graph, "quorate-www")
        .into_iter()
        .filter(|d| d.starts_with("quorate-"))
        .collect();
    assert_eq!(
        ours,
        vec!["quorate-view".to_string()],
        "www may depend on quorate-view alone of our crates"
    );
    let view: Vec<_> = closure(&graph, "quorate-view")
        .into_iter()
        .filter(|d| d.starts_with("quorate-"))
        .collect();
    assert!(
        view.is_empty(),
        "quorate-view depends on nothing of ours, found {view:?}"
    );
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
    for krate in ["core", "sim", "raft", "kv", "gossip", "check", "demo"] {
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
    for krate in ["core", "sim", "raft", "kv", "gossip", "demo"] {
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

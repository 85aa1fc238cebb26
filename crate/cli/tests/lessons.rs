//! Every lesson in static/lessons is a test: played headless with its own seed, each step's expectations
//! hold by the end of that step. A lesson whose story stops being true fails here, naming the lesson,
//! the step and the expectation's line. `static/lessons/index.txt` (the order the page offers them in)
//! lists every lesson file exactly once.
//!
//! Reproduce one lesson: `cargo run -p quorate-cli -- lesson static/lessons/<file>`.

use std::path::{Path, PathBuf};

use quorate_lesson::{check, Lesson, StepReport};

fn lessons_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../static/lessons")
}

fn lesson_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(lessons_dir())
        .expect("static/lessons exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "lesson"))
        .collect();
    files.sort();
    files
}

fn play(lesson: &Lesson) -> Result<Vec<StepReport>, String> {
    let r = match lesson.engine() {
        "raft" => check::<quorate_raft::Raft>(lesson, None),
        "gossip" => check::<quorate_gossip::Gossip>(lesson, None),
        "kv" => check::<quorate_kv::KvNode>(lesson, None),
        "demo" => check::<quorate_demo::Heartbeat>(lesson, None),
        "consul" => check::<quorate_systems::ConsulNode>(lesson, None),
        "etcd" => check::<quorate_systems::EtcdNode>(lesson, None),
        other => return Err(format!("no engine `{other}` in this test")),
    };
    r.map_err(|e| e.to_string())
}

#[test]
fn every_lesson_tells_a_true_story() {
    let files = lesson_files();
    assert!(files.len() >= 17, "only {} lessons found", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let lesson = match Lesson::parse(&text) {
            Ok(l) => l,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        match play(&lesson) {
            Err(e) => failures.push(format!("{name}: {e}")),
            Ok(reports) => {
                assert_eq!(reports.len(), lesson.steps.len(), "{name}");
                for r in reports {
                    for f in r.failures {
                        failures.push(format!(
                            "{name} (seed {}): step {} \"{}\": {}",
                            lesson.seed(),
                            r.index + 1,
                            r.title,
                            f.message
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "lessons whose story no longer holds (replay one with \
         `cargo run -p quorate-cli -- lesson static/lessons/<file> --trace`):\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_index_lists_every_lesson_once() {
    let index = std::fs::read_to_string(lessons_dir().join("index.txt")).unwrap();
    let listed: Vec<&str> = index
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut sorted = listed.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), listed.len(), "index.txt names a lesson twice");
    let files: Vec<String> = lesson_files()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    assert_eq!(sorted, files, "index.txt and the *.lesson files differ");
}

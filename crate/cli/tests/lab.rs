//! The lab page's numbers are the CLI's: jobs run through the lab worker's code
//! (`quorate_worker::lab`, what each worker of the page's pool runs, through the same bytes) and
//! gathered by the page's bookkeeping (`quorate_view::lab`) give, for the same seeds, exactly the rows
//! `quorate lab … --csv` writes.
//!
//! Reproduce: `cargo run -p quorate-cli -- lab fig16 --seeds 2 --csv fig16.csv` (seeds 1 and 2).

use std::path::PathBuf;
use std::process::Command;

use quorate_view::codec::{decode, encode};
use quorate_view::lab::{self, Experiment, LabAnswer, LabJob, LabOutcome, LabTask, Spread};

/// Runs every job of a plan through the worker's message handler, as the page's pool does.
fn run_jobs(tasks: Vec<LabTask>) -> Vec<(LabTask, LabOutcome)> {
    tasks
        .into_iter()
        .enumerate()
        .map(|(i, task)| {
            let job = LabJob {
                id: i as u32 + 1,
                task: task.clone(),
            };
            let answer: LabAnswer = decode(
                &quorate_worker::lab::handle(&encode(&job), |_| ()),
                "a lab answer",
            )
            .unwrap();
            assert_eq!(answer.id, job.id);
            (task, answer.outcome)
        })
        .collect()
}

/// `quorate lab <args> --csv <tmp>`, returning the CSV.
fn cli_csv(name: &str, args: &[&str]) -> String {
    let path: PathBuf = std::env::temp_dir().join(format!(
        "quorate-lab-test-{name}-{}.csv",
        std::process::id()
    ));
    let out = Command::new(env!("CARGO_BIN_EXE_quorate"))
        .arg("lab")
        .args(args)
        .arg("--csv")
        .arg(&path)
        .output()
        .expect("the quorate binary runs");
    assert!(
        out.status.success(),
        "quorate lab {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    csv
}

#[test]
fn figure_16_from_the_worker_pool_is_the_cli_csv() {
    let seeds = 2;
    let done = run_jobs(lab::plan(Experiment::Fig16, seeds, 1, Spread::default()));
    assert_eq!(done.len(), 7 * seeds as usize);
    let page = lab::fig16_csv(&lab::fig16_ranges(done.iter().map(|(t, o)| (t, o))));
    let cli = cli_csv("fig16", &["fig16", "--seeds", "2"]);
    assert!(page.starts_with("range_min_ms,range_max_ms,ms,cdf\n"));
    assert!(page.lines().count() > 5, "{page}");
    assert_eq!(
        page, cli,
        "the page's Figure 16 differs from the CLI's for seeds 1-2"
    );
}

#[test]
fn detection_from_the_worker_pool_matches_the_cli() {
    let seeds = 3;
    let done = run_jobs(lab::plan(
        Experiment::Detection,
        seeds,
        1,
        Spread::default(),
    ));
    let cli = cli_csv("detection", &["detection", "--seeds", "3", "--n", "10,50"]);
    let mut rows = cli.lines().skip(1);
    for n in [10u32, 50] {
        let mut model = None;
        let xs: Vec<f64> = done
            .iter()
            .filter_map(|(t, o)| match (t, o) {
                (LabTask::Detection { n: m, .. }, LabOutcome::Detection { periods, model: e })
                    if *m == n =>
                {
                    model = Some(*e);
                    Some(*periods)
                }
                _ => None,
            })
            .collect();
        assert_eq!(xs.len(), seeds as usize);
        let (mean, sd) = lab::mean_sd(&xs);
        let row = rows.next().expect("a CLI row per N");
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(
            cells[3],
            format!("{:.4}", model.expect("a model per N")),
            "the engine model, N = {n}"
        );
        assert_eq!(
            (cells[0], cells[1], cells[2]),
            (
                n.to_string().as_str(),
                format!("{mean:.4}").as_str(),
                format!("{sd:.4}").as_str()
            ),
            "N = {n}, seeds 1-3"
        );
    }
}

#[test]
fn bad_jobs_are_refused_by_name() {
    let refused = |task| match quorate_worker::lab::run(&task) {
        LabOutcome::Refused(message) => message,
        other => panic!("{task:?} was not refused: {other:?}"),
    };
    assert!(refused(LabTask::Markov {
        spread: Spread {
            n: 5000,
            fanout: 3,
            loss: 0.0
        },
        rounds: 30
    })
    .contains("N must"));
    assert!(refused(LabTask::Fig16 {
        min_ms: 300,
        max_ms: 150,
        seed: 1
    })
    .contains("range"));
    let answer: LabAnswer = decode(
        &quorate_worker::lab::handle(b"\xff\xff", |_| ()),
        "a lab answer",
    )
    .unwrap();
    assert!(matches!(answer.outcome, LabOutcome::Refused(_)));
}

#[test]
fn a_job_says_its_id_before_it_runs_so_a_panic_names_it() {
    // The lab worker's panic hook answers with the id `started` heard; the crash test's job panics.
    let job = LabJob {
        id: 7,
        task: LabTask::Panic,
    };
    let heard = std::cell::Cell::new(None);
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        quorate_worker::lab::handle(&encode(&job), |id| heard.set(Some(id)))
    }));
    assert!(ran.is_err(), "the crash test's job panics");
    assert_eq!(heard.get(), Some(7));
    // A job that cannot be decoded never starts.
    let heard = std::cell::Cell::new(None);
    quorate_worker::lab::handle(b"\xff\xff", |id| heard.set(Some(id)));
    assert_eq!(heard.get(), None);
}

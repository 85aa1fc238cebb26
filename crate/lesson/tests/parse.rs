//! The lesson format: what a good lesson turns into, and where a bad one is said to be wrong.

use quorate_core::{Duration, NodeId};
use quorate_demo::Heartbeat;
use quorate_lesson::{check, Lesson, LessonError, Look};

const GOOD: &str = r#"# A two-step heartbeat lesson.
title "Beats"
engine demo
nodes 3
seed 4
link latency=5ms
say "Three nodes beat."

step "Everyone beats" until 1s
say "Each node sends a beat to the others."
look n1 messages n2:events
expect trace "n1->n2 recv beat"

step "n3 dies" until 2s
say "Killed, n3 sends nothing more."
at 1200ms kill n3
expect no trace "n3->n1 send" after 1300ms
expect down n3

try "Restart n3."
"#;

#[test]
fn a_lesson_is_steps_with_windows() {
    let l = Lesson::parse(GOOD).unwrap();
    assert_eq!(l.title, "Beats");
    assert_eq!(l.intro, vec!["Three nodes beat.".to_string()]);
    assert_eq!(l.setup, "engine demo\nnodes 3\nseed 4\nlink latency=5ms");
    assert_eq!(l.steps.len(), 2);
    let (a, b) = (&l.steps[0], &l.steps[1]);
    assert_eq!((a.start, a.end), (Duration::ZERO, Duration::from_secs(1)));
    assert_eq!(
        a.look,
        vec![
            Look::Node(NodeId(1)),
            Look::Element("messages".into()),
            Look::NodeElement(NodeId(2), "events".into())
        ]
    );
    assert_eq!(a.text, "expect trace \"n1->n2 recv beat\"");
    // The window defaults to the step.
    let e = &a.expectations[0].value;
    assert_eq!(
        (e.after, e.by),
        (Some(Duration::ZERO), Some(Duration::from_secs(1)))
    );
    let e = &b.expectations[0].value;
    assert_eq!(
        (e.after, e.by),
        (
            Some(Duration::from_millis(1300)),
            Some(Duration::from_secs(2))
        )
    );
    assert_eq!(b.text.lines().count(), 3);
    assert_eq!(l.try_it, vec!["Restart n3.".to_string()]);
    assert_eq!(l.scenario.run, Duration::from_secs(2));
    let reports = check::<Heartbeat>(&l, None).unwrap();
    assert_eq!(reports.len(), 2);
    assert!(reports.iter().all(|r| r.failures.is_empty()), "{reports:?}");
}

#[test]
fn an_event_in_a_later_step_does_not_count_for_an_earlier_one() {
    // n3 is killed in step 2; step 1 claims n3 is already down at its end.
    let text = GOOD.replace("look n1 messages n2:events\n", "look n1\nexpect down n3\n");
    let l = Lesson::parse(&text).unwrap();
    let reports = check::<Heartbeat>(&l, None).unwrap();
    assert_eq!(reports[0].failures.len(), 1, "{reports:?}");
    assert!(reports[0].failures[0].message.contains("n3 down"));
    assert!(reports[1].failures.is_empty());
}

fn err(text: &str) -> LessonError {
    Lesson::parse(text).unwrap_err()
}

/// Replaces line `n` (1-based) of GOOD.
fn with_line(n: usize, line: &str) -> String {
    let mut lines: Vec<&str> = GOOD.lines().collect();
    lines[n - 1] = line;
    lines.join("\n") + "\n"
}

#[test]
fn errors_name_the_line_and_column() {
    let cases: &[(usize, &str, (usize, usize), &str)] = &[
        (11, "look n1 mesages", (11, 9), "neither a node"),
        (11, "look n9", (11, 6), "no node n9"),
        (11, "look n1:lgo", (11, 9), "neither a node"),
        (15, "say unquoted", (15, 5), "double quotes"),
        (
            14,
            "step \"n3 dies\" until 500ms",
            (14, 22),
            "after the previous one",
        ),
        (14, "step \"n3 dies\" for 2s", (14, 16), "usage: step"),
        (16, "at 900ms kill n3", (16, 1), "outside its step"),
        (
            16,
            "at 1s kill n3",
            (16, 1),
            "previous step runs everything",
        ),
        (
            12,
            "expect trace \"x\" by 1500ms",
            (12, 1),
            "after this step ends",
        ),
        (
            17,
            "expect no trace \"n3\" after 500ms",
            (17, 1),
            "before this step starts",
        ),
        (16, "at 1200ms kil n3", (16, 11), "unknown command"),
        (4, "nodes 3\nrun 2s", (5, 1), "no `run` line"),
        (5, "", (1, 1), "missing `seed"),
        (2, "", (1, 1), "missing `title"),
        (12, "param interval 1s", (12, 1), "setup line"),
        (10, "say \"open", (10, 5), "unterminated"),
    ];
    for (n, line, (l, c), msg) in cases {
        let e = err(&with_line(*n, line));
        assert_eq!((e.line, e.column), (*l, *c), "{line}: {e}");
        assert!(e.message.contains(msg), "{line}: {e}");
    }
    let e = err(&GOOD.replace("try \"Restart n3.\"\n", ""));
    assert!(e.message.contains("ends with a `try"), "{e}");
    let e = err(&GOOD.replace("try \"Restart n3.\"\n", "try \"x\"\nat 2s heal\n"));
    assert_eq!(e.line, 21, "{e}");
    let e = err(&GOOD.replace("expect trace \"n1->n2 recv beat\"\n", ""));
    assert!(e.message.contains("no `expect` line"), "{e}");
    assert_eq!(e.line, 9);
    let e = err(&GOOD.replace("engine demo", "engine demo\nat 1s kill n1"));
    assert!(e.message.contains("belong inside a step"), "{e}");
}

#[test]
fn the_wrong_engine_is_an_error_not_a_panic() {
    let l = Lesson::parse(&GOOD.replace("engine demo", "engine raft")).unwrap();
    let e = check::<Heartbeat>(&l, None).unwrap_err();
    assert_eq!(e.line, 3);
    assert!(e.message.contains("not `demo`"), "{e}");
}

//! The scenario format: a valid file runs and checks its expectations; every malformed file gives an error
//! with a line and a column, never a panic.

use proptest::prelude::*;
use quorate_demo::Heartbeat;
use quorate_sim::scenario::Scenario;

const EXAMPLE: &str = include_str!("../../../static/scenarios/demo-faults.scn");

fn err(text: &str) -> (usize, usize, String) {
    let e = Scenario::parse(text)
        .and_then(|s| s.build::<Heartbeat>(1).map(|_| ()))
        .unwrap_err();
    (e.line, e.column, e.message)
}

#[test]
fn the_example_scenario_holds_its_expectations() {
    let scenario = Scenario::parse(EXAMPLE).unwrap();
    let mut lines = 0;
    let (summary, _) = scenario.run::<Heartbeat>(42, |_, _| lines += 1).unwrap();
    assert!(summary.failures.is_empty(), "{:?}", summary.failures);
    assert_eq!(summary.end_time, "7.000000");
    assert!(lines > 100);
    let (again, _) = scenario.run::<Heartbeat>(42, |_, _| ()).unwrap();
    assert_eq!(summary.digest, again.digest);
}

#[test]
fn a_failed_expectation_is_reported_with_its_line() {
    let text = "engine demo\nnodes 2\nrun 1s\nexpect event \"gap\"\nexpect down n1\n";
    let (summary, _) = Scenario::parse(text)
        .unwrap()
        .run::<Heartbeat>(1, |_, _| ())
        .unwrap();
    let lines: Vec<usize> = summary.failures.iter().map(|f| f.line).collect();
    assert_eq!(lines, vec![4, 5], "{:?}", summary.failures);
}

#[test]
fn mend_reads_back_as_it_is_written() {
    let text = "engine demo\nnodes 3\nrun 2s\nat 0s cut n1 -> n2 n3\nat 1s mend n1 -> n2\n";
    let scenario = Scenario::parse(text).unwrap();
    let (summary, _) = scenario.run::<Heartbeat>(1, |_, _| ()).unwrap();
    assert!(summary.failures.is_empty(), "{:?}", summary.failures);
    let line = quorate_sim::WorldCommand::<String>::Mend {
        from: quorate_core::NodeId(1),
        to: quorate_core::NodeId(2),
    }
    .to_string();
    assert_eq!(line, "mend n1 -> n2");
}

#[test]
fn errors_name_line_and_column() {
    let cases: &[(&str, (usize, usize), &str)] = &[
        (
            "engine demo\nnodes 3\nrun 1s\nat 1s kil n1",
            (4, 7),
            "unknown command `kil`",
        ),
        (
            "engine demo\nnodes 3\nrun 1s\nat 1s kill n4",
            (4, 12),
            "no node n4",
        ),
        ("engine demo\nnodes 3\nrun 1x", (3, 5), "a duration"),
        (
            "engine demo\nnodes 3\nrun 1s\nlink loss=2",
            (4, 11),
            "probability",
        ),
        (
            "engine demo\nnodes 3\nrun 1s\nparam speed 3",
            (4, 7),
            "unknown param `speed`",
        ),
        (
            "engine demo\nnodes 3\nrun 1s\nparam interval 0ms",
            (4, 7),
            "interval must be a positive",
        ),
        (
            "engine demo\nnodes 3\nrun 1s\nat 1s client n1 jump",
            (4, 17),
            "unknown command `jump`",
        ),
        (
            "engine demo\nnodes 3\nrun 1s\nat 1s partition n1 n2",
            (4, 7),
            "usage: partition",
        ),
        (
            "engine demo\nnodes 3\nrun 1s\nexpect event gap",
            (4, 14),
            "double quotes",
        ),
        (
            "engine demo\nnodes 3\nrun 1s\nexpect event \"gap",
            (4, 14),
            "unterminated",
        ),
        ("engine raft\nnodes 3\nrun 1s", (1, 8), "not `demo`"),
        ("nodes 3\nrun 1s", (1, 1), "missing `engine"),
        ("engine demo\nnodes 3", (2, 1), "missing `run"),
        ("engine demo\nnodes zero\nrun 1s", (2, 7), "node count"),
        (
            "engine demo\nnodes 3\nrun 1s\nfly away",
            (4, 1),
            "unknown line `fly`",
        ),
        (
            "engine demo\nnodes 3\nrun 1s\nat 1s cut n1 n2",
            (4, 7),
            "usage: cut",
        ),
        (
            "engine demo\nnodes 3\nrun 1s\nat 1s mend n1 n2 -> n3",
            (4, 7),
            "usage: mend",
        ),
        (
            "engine demo\nnodes 3\nrun 1s\nat 1s add n2",
            (4, 11),
            "already exists",
        ),
        (
            "engine demo\nrun 1s\nat 1s kill n1",
            (3, 12),
            "`nodes <count>` must come before",
        ),
    ];
    for (text, (line, column), fragment) in cases {
        let (l, c, m) = err(text);
        assert_eq!((l, c), (*line, *column), "{text:?} gave {l}:{c} {m}");
        assert!(
            m.contains(fragment),
            "{text:?} gave {m:?}, wanted {fragment:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    /// Arbitrary text never panics the parser.
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = Scenario::parse(&text).map(|s| s.build::<Heartbeat>(1));
    }

    /// Damaging a valid scenario (one character replaced or deleted) gives a result or a located error.
    #[test]
    fn damaged_scenarios_give_located_errors(pos in 0usize..EXAMPLE.len(), c in proptest::char::any(), delete in any::<bool>()) {
        let mut text: Vec<char> = EXAMPLE.chars().collect();
        let pos = pos.min(text.len() - 1);
        if delete { text.remove(pos); } else { text[pos] = c; }
        let text: String = text.into_iter().collect();
        if let Err(e) = Scenario::parse(&text).and_then(|s| s.build::<Heartbeat>(1).map(|_| ())) {
            prop_assert!(e.line >= 1 && e.column >= 1, "{e}");
            prop_assert!(e.line <= text.lines().count().max(1), "{e}");
        }
    }
}

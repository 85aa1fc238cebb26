//! The history readers on damaged input: whatever is done to a valid history (a byte dropped, changed or
//! added, lines swapped or cut), reading it never panics, and an error names a line of the input.

use proptest::prelude::*;
use quorate_check::linearizability::{parse_jepsen_register, parse_kv_edn, run_check, ModelKind};

const JEPSEN: &str = "INFO  jepsen.util - 0\t:invoke\t:read\tnil
INFO  jepsen.util - 1\t:invoke\t:cas\t[3 0]
INFO  jepsen.util - :nemesis\t:info\t:start\tnil
INFO  jepsen.util - 0\t:ok\t:read\t3
INFO  jepsen.util - 1\t:fail\t:cas\t[3 0]
INFO  jepsen.util - 2\t:invoke\t:write\t4
INFO  jepsen.util - 2\t:info\t:write\t:timed-out
INFO  jepsen.util - 3\t:invoke\t:read\tnil
INFO  jepsen.util - 3\t:fail\t:read\t:timed-out
";

const KV: &str = r#"{:process 0, :type :invoke, :f :append, :key "4", :value "x 0 1 y"}
{:process 1, :type :invoke, :f :get, :key "4", :value nil}
{:process 0, :type :ok, :f :append, :key "4", :value "x 0 1 y"}
{:process 1, :type :ok, :f :get, :key "4", :value "x 0 1 y"}
{:process 2, :type :invoke, :f :put, :key "5", :value "a\"b"}
{:process 2, :type :info, :f :put, :key "5", :value "a\"b"}
"#;

/// One damage to `text`, chosen by `pick` and `at`.
fn damage(text: &str, pick: u8, at: usize, byte: u8) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let i = at % bytes.len();
    match pick % 5 {
        0 => {
            bytes.remove(i);
        }
        1 => bytes[i] = byte,
        2 => bytes.insert(i, byte),
        3 => bytes.truncate(i),
        _ => {
            let mut lines: Vec<&str> = text.lines().collect();
            let j = at % lines.len();
            let k = (at / 7) % lines.len();
            lines.swap(j, k);
            return lines.join("\n");
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn damaged_jepsen_logs_never_panic(pick in any::<u8>(), at in any::<usize>(), byte in any::<u8>()) {
        let text = damage(JEPSEN, pick, at, byte);
        if let Err(e) = parse_jepsen_register(&text) {
            prop_assert!(e.line >= 1 && e.line <= text.lines().count().max(1), "{e} for {text:?}");
        }
        let report = run_check(ModelKind::Register, &text);
        prop_assert!([0, 1, 2].contains(&report.exit_code), "{report:?}");
    }

    #[test]
    fn damaged_kv_histories_never_panic(pick in any::<u8>(), at in any::<usize>(), byte in any::<u8>()) {
        let text = damage(KV, pick, at, byte);
        if let Err(e) = parse_kv_edn(&text) {
            prop_assert!(e.line >= 1 && e.line <= text.lines().count().max(1), "{e} for {text:?}");
        }
        let report = run_check(ModelKind::Kv, &text);
        prop_assert!([0, 1, 2].contains(&report.exit_code), "{report:?}");
    }
}

#[test]
fn errors_say_the_line_and_what_is_wrong() {
    let text = format!(
        "{}{}",
        KV, "{:process 3, :type :invoke, :f :get, :key \"4\" :value nil\n"
    );
    let err = parse_kv_edn(&text).unwrap_err();
    assert_eq!(err.line, 7);
    assert!(err.to_string().starts_with("line 7: invalid EDN"), "{err}");

    let text = JEPSEN.replace(
        "[3 0]\nINFO  jepsen.util - :nemesis",
        "[3 zero]\nINFO  jepsen.util - :nemesis",
    );
    let err = parse_jepsen_register(&text).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 2: value \"[3 zero]\" is not valid for :cas (expected [from to])"
    );

    let report = run_check(
        ModelKind::Register,
        "INFO  jepsen.util - 7\t:ok\t:write\t1\n",
    );
    assert_eq!(report.exit_code, 2);
    assert_eq!(
        report.text,
        "malformed history: line 1: process p7 completes an operation it never invoked\n"
    );
}

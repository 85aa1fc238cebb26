//! `quorate check`: parse a history file's text, check it, and say the verdict in words with an exit code.
//! The CLI only reads the file and prints; everything it says is decided here, so tests cover it.

use std::fmt;
use std::str::FromStr;

use super::checker::{check, describe_result, CheckResult, Verdict};
use super::history::History;
use super::kv::Kv;
use super::model::Model;
use super::parse::{parse_jepsen_register, parse_kv_edn, ParseError};
use super::register::Register;

/// Which model (and so which file format) to check a history against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ModelKind {
    /// A compare-and-set register, from a Jepsen etcd log.
    Register,
    /// A get / put / append key-value store, from one EDN map per line.
    Kv,
}

impl ModelKind {
    pub const ALL: [ModelKind; 2] = [ModelKind::Register, ModelKind::Kv];

    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Register => "register",
            ModelKind::Kv => "kv",
        }
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ModelKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        ModelKind::ALL
            .into_iter()
            .find(|kind| kind.name() == s)
            .ok_or_else(|| format!("unknown model {s:?} (expected register or kv)"))
    }
}

/// Exit codes of `quorate check`.
pub const EXIT_LINEARIZABLE: i32 = 0;
pub const EXIT_NOT_LINEARIZABLE: i32 = 1;
pub const EXIT_MALFORMED: i32 = 2;
/// The search gave up (only with a step budget).
pub const EXIT_UNKNOWN: i32 = 3;

/// What `quorate check` prints and how it exits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckReport {
    /// For standard output on success (0 or 1), for standard error on a malformed input (2).
    pub text: String,
    pub exit_code: i32,
    /// The verdict, when the input parsed.
    pub verdict: Option<Verdict>,
}

fn report<M: Model>(
    model: &M,
    history: &History<M::Input, M::Output>,
) -> (CheckResult<M::PartitionKey, M::State>, String) {
    let result = check(model, history);
    let text = describe_result(model, history, &result);
    (result, text)
}

fn malformed(error: ParseError) -> CheckReport {
    CheckReport {
        text: format!("malformed history: {error}\n"),
        exit_code: EXIT_MALFORMED,
        verdict: None,
    }
}

/// Parses `text` in the format of `kind`, checks it, and says the verdict: exit 0 linearizable,
/// 1 not linearizable (with the witness), 2 malformed input (with the line number).
pub fn run_check(kind: ModelKind, text: &str) -> CheckReport {
    let (verdict, text) = match kind {
        ModelKind::Register => match parse_jepsen_register(text) {
            Ok(history) => {
                let (result, text) = report(&Register, &history);
                (result.verdict, text)
            }
            Err(error) => return malformed(error),
        },
        ModelKind::Kv => match parse_kv_edn(text) {
            Ok(history) => {
                let (result, text) = report(&Kv, &history);
                (result.verdict, text)
            }
            Err(error) => return malformed(error),
        },
    };
    let exit_code = match verdict {
        Verdict::Linearizable => EXIT_LINEARIZABLE,
        Verdict::NotLinearizable => EXIT_NOT_LINEARIZABLE,
        Verdict::Unknown => EXIT_UNKNOWN,
    };
    CheckReport {
        text,
        exit_code,
        verdict: Some(verdict),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_read_is_reported_with_its_line() {
        let text = "\
INFO  jepsen.util - 0\t:invoke\t:write\t1
INFO  jepsen.util - 0\t:ok\t:write\t1
INFO  jepsen.util - 1\t:invoke\t:read\tnil
INFO  jepsen.util - 1\t:ok\t:read\tnil
";
        let report = run_check(ModelKind::Register, text);
        assert_eq!(report.exit_code, EXIT_NOT_LINEARIZABLE, "{}", report.text);
        assert!(
            report.text.starts_with("not linearizable\n"),
            "{}",
            report.text
        );
        assert!(
            report
                .text
                .contains("line 4 (invoked line 3): p1 read -> nil"),
            "{}",
            report.text
        );
        assert!(
            report.text.contains("state after the prefix: 1"),
            "{}",
            report.text
        );
    }

    #[test]
    fn malformed_input_exits_2_with_the_line() {
        let report = run_check(
            ModelKind::Kv,
            "{:process 0, :type :invoke, :f :get, :key \"1\", :value nil}\n{:process",
        );
        assert_eq!(report.exit_code, EXIT_MALFORMED);
        assert!(report.text.contains("line 2:"), "{}", report.text);
        assert_eq!("kv".parse(), Ok(ModelKind::Kv));
        assert!("set".parse::<ModelKind>().is_err());
    }
}

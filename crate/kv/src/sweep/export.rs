//! Writing a recorded history in the Jepsen etcd log format, one key at a time, so that `quorate check
//! --model register FILE` (and any other reader of that format) can check what the simulated clients saw.
//!
//! Mapping: a get is `:read` (`nil` for a missing key), a put is `:write`, a cas is `:cas [from to]`
//! whose `:fail` means "the compare was evaluated and did not match"; an unanswered read is
//! `:fail :read :timed-out`; an unknown outcome is `:info`. As in Jepsen, a process that ended with
//! `:info` continues under a new process number (its old operation may still be running).

use std::fmt::Write as _;

use quorate_check::linearizability::Outcome;

use super::client::KvHistory;
use crate::model::{RegOp, RegOutput};

/// The operations on `key`, as a Jepsen etcd log.
pub fn jepsen_register_log(history: &KvHistory, key: &str) -> String {
    // (time, order, line): at equal times invocations come first, so such operations stay concurrent.
    let mut events: Vec<(u64, u8, usize, String)> = Vec::new();
    let mut renamed: std::collections::BTreeMap<u64, u64> = std::collections::BTreeMap::new();
    let stride = history
        .operations()
        .iter()
        .map(|o| o.process.0 + 1)
        .max()
        .unwrap_or(1);
    for (i, op) in history.operations().iter().enumerate() {
        if op.input.key != key {
            // Still advance the process renaming: an :info on another key ends that process too.
            if matches!(op.outcome, Outcome::Unknown) {
                *renamed.entry(op.process.0).or_insert(op.process.0) += stride;
            }
            continue;
        }
        let process = *renamed.entry(op.process.0).or_insert(op.process.0);
        let (f, invoke_value) = match op.input.op {
            RegOp::Get => (":read", "nil".to_string()),
            RegOp::Put(v) => (":write", v.to_string()),
            RegOp::Cas { from, to } => (":cas", format!("[{from} {to}]")),
            // Jepsen's register log has no word for a try-lock or an unlock; the simulated
            // workload never issues them (only the page's client panel does).
            RegOp::Create(_) | RegOp::DeleteIf(_) => continue,
        };
        events.push((
            op.call,
            0,
            i,
            format!("INFO  jepsen.util - {process}\t:invoke\t{f}\t{invoke_value}"),
        ));
        let completion = match (&op.outcome, &op.input.op) {
            (Outcome::Ok(RegOutput::Get(v)), _) => Some((
                ":ok",
                v.map_or_else(|| "nil".to_string(), |v| v.to_string()),
            )),
            (Outcome::Ok(RegOutput::Put), RegOp::Put(v)) => Some((":ok", v.to_string())),
            (Outcome::Ok(RegOutput::Cas { swapped }), RegOp::Cas { from, to }) => Some((
                if *swapped { ":ok" } else { ":fail" },
                format!("[{from} {to}]"),
            )),
            (Outcome::Fail, _) => Some((":fail", ":timed-out".to_string())),
            (Outcome::Unknown, _) => Some((":info", ":timed-out".to_string())),
            // An output of another kind never answers this input.
            (Outcome::Ok(_), _) => None,
        };
        if let Some((kind, value)) = completion {
            // An unknown outcome is logged where the client gave up: after everything it saw.
            let at = op.ret.unwrap_or(u64::MAX);
            events.push((
                at,
                1,
                i,
                format!("INFO  jepsen.util - {process}\t{kind}\t{f}\t{value}"),
            ));
        }
        if matches!(op.outcome, Outcome::Unknown) {
            *renamed.entry(op.process.0).or_insert(op.process.0) += stride;
        }
    }
    events.sort();
    let mut out = String::new();
    for (_, _, _, line) in events {
        let _ = writeln!(out, "{line}");
    }
    out
}

//! Linearizability checking of client histories (Herlihy & Wing 1990).
//!
//! A history is linearizable if every operation can be given a single instant between its invocation and
//! its completion such that, taken in that order, the operations are a legal run of the object's
//! sequential model. The checker searches for such an order the way Porcupine does (Wing & Gong's
//! search with Lowe's memoization, [`search`] has the details), split by key where the model allows.
//!
//! Map:
//! - [`history`]: operations, outcomes (`ok` / `fail` / `info`), building a history from an event log;
//! - [`model`]: the [`Model`] trait, and two models: [`register`] (read / write / cas) and [`kv`]
//!   (get / put / append per key);
//! - [`checker`]: [`check`], its [`Verdict`] and [`Witness`], and [`describe_result`];
//! - [`parse`]: the Jepsen etcd log and EDN key-value readers, with line-numbered errors;
//! - [`report`]: `quorate check` as a function from text to text and an exit code.
//!
//! ```
//! use quorate_check::linearizability::{check, describe_result, parse_jepsen_register, Register, Verdict};
//!
//! // p0 writes 1; after that has returned, p1 still reads nothing: a stale read.
//! let log = "INFO  jepsen.util - 0\t:invoke\t:write\t1\n\
//!            INFO  jepsen.util - 0\t:ok\t:write\t1\n\
//!            INFO  jepsen.util - 1\t:invoke\t:read\tnil\n\
//!            INFO  jepsen.util - 1\t:ok\t:read\tnil\n";
//! let history = parse_jepsen_register(log).unwrap();
//! let result = check(&Register, &history);
//! assert_eq!(result.verdict, Verdict::NotLinearizable);
//! let witness = result.witness.as_ref().unwrap();
//! assert_eq!(history.operations()[witness.blocked].ret_line, Some(4));
//! assert!(describe_result(&Register, &history, &result).starts_with("not linearizable"));
//! ```

pub mod checker;
pub mod history;
pub mod kv;
pub mod model;
pub mod parse;
pub mod register;
pub mod report;
mod search;

pub use checker::{
    check, check_with, describe_result, CheckOptions, CheckResult, Verdict, Witness,
};
pub use history::{History, HistoryBuilder, HistoryError, Operation, Outcome, ProcessId};
pub use kv::{Kv, KvInput, KvOp, KvOutput};
pub use model::Model;
pub use parse::{parse_jepsen_register, parse_kv_edn, ParseError, ParseErrorKind};
pub use register::{Register, RegisterInput, RegisterOutput, RegisterValue};
pub use report::{
    run_check, CheckReport, ModelKind, EXIT_LINEARIZABLE, EXIT_MALFORMED, EXIT_NOT_LINEARIZABLE,
    EXIT_UNKNOWN,
};

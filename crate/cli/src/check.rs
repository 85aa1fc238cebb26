//! `quorate check --model register|kv FILE`: is this client history linearizable?
//!
//! Prints `linearizable`, or `not linearizable` and the witness (the longest linearizable prefix and the
//! operation that cannot be placed, by line). Exits 0 / 1, and 2 on a malformed file (with its line).
//! Everything but reading the file is `quorate_check::linearizability::run_check`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use quorate_check::linearizability::{run_check, ModelKind, EXIT_MALFORMED};

#[derive(Clone, Copy, ValueEnum)]
enum Model {
    /// A read/write/cas register; the file is a Jepsen etcd log.
    Register,
    /// A get/put/append key-value store; the file has one EDN map per line.
    Kv,
}

#[derive(Args)]
pub struct CheckArgs {
    /// The model to check against (it also fixes the file format).
    #[arg(long, value_enum)]
    model: Model,
    /// The history file.
    file: PathBuf,
}

pub fn check(args: CheckArgs) -> Result<ExitCode, String> {
    let path = args.file.display().to_string();
    let text =
        std::fs::read_to_string(&args.file).map_err(|e| format!("cannot read {path}: {e}"))?;
    let kind = match args.model {
        Model::Register => ModelKind::Register,
        Model::Kv => ModelKind::Kv,
    };
    let report = run_check(kind, &text);
    if report.exit_code == EXIT_MALFORMED {
        eprint!("{path}: {}", report.text);
    } else {
        print!("{}", report.text);
    }
    Ok(ExitCode::from(u8::try_from(report.exit_code).unwrap_or(2)))
}

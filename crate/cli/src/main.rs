//! `quorate`: Quorate's protocols, headless.
//!
//! Exit codes: 0 when the run did what it should, 1 when an expectation (or check) failed, 2 on bad input.

mod bench;
mod check;
mod compare;
mod engines;
mod gossip;
mod lab;
mod lesson;
mod link;
mod raft;
mod run;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "quorate",
    version,
    about = "Run Quorate's Raft and gossip simulations headless"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario file and print its trace (or, with --json, a summary).
    Run(run::RunArgs),
    /// Measure simulator speed.
    Bench(bench::BenchArgs),
    /// Check a client history for linearizability (register: Jepsen etcd log; kv: EDN lines).
    Check(check::CheckArgs),
    /// Measure the gossip engine against the theory (sweeps over seeds).
    Gossip(gossip::GossipArgs),
    /// Raft sweeps: the paper's Figure 16 and randomized safety/liveness soaks.
    Raft(raft::RaftArgs),
    /// Many seeded runs per figure, next to the papers' numbers; --csv writes the rows.
    Lab(lab::LabArgs),
    /// Play lessons (narrated scenarios) step by step and check that each step's story holds.
    Lesson(lesson::LessonArgs),
    /// Consul beside etcd: lock failover, discovery and partitions, timed phase by phase over many seeds.
    Compare(compare::CompareArgs),
    /// Replay a link from the page natively and print the moment and digest it lands on.
    Link(link::LinkArgs),
    /// List the engines and the params and client commands each accepts in scenario files.
    Engines,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Bench(args) => bench::bench(args),
        Command::Check(args) => check::check(args),
        Command::Gossip(args) => gossip::gossip(args),
        Command::Raft(args) => raft::raft(args),
        Command::Compare(args) => compare::compare(args),
        Command::Lesson(args) => lesson::lesson(args),
        Command::Lab(args) => lab::lab(args),
        Command::Link(args) => link::link(args),
        Command::Engines => {
            print!("{}", engines::describe());
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// A seed from the operating system, for runs that were given none. Always printed so the run can be repeated.
pub fn fresh_seed() -> Result<u64, String> {
    getrandom::u64().map_err(|e| format!("could not draw a random seed ({e}); pass --seed"))
}

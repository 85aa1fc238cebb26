//! The Raft engine's integration tests, one binary with modules named by behaviour:
//! - `paper`: conformance with the Raft paper, one test per behaviour of etcd's raft_paper_test.go;
//! - `scenarios`: PreVote, CheckQuorum, partitions, snapshots, membership, transfer, reads, sessions;
//! - `figure8`: the paper's Figure 8 with and without the unsafe switch, judged by the safety checker;
//! - `randomized`: thousands of seeded runs with faults, every invariant checked after every event.

mod driver;
mod figure16;
mod figure8;
mod paper;
mod randomized;
mod scenario_files;
mod scenarios;
mod support;

//! Intent: with Raft's teaching switch "reads served locally" (`ReadMode::UnsafeLocal`), a leader cut off
//! by a partition keeps answering reads from its own state while the majority elects a new leader and
//! accepts writes: the checker finds the history not linearizable and its witness names the stale read.
//! With ReadIndex the same scenario stays linearizable: the cut-off leader cannot confirm its leadership.

use quorate_check::linearizability::{
    check, describe_result, History, Operation, Outcome, ProcessId, Verdict,
};
use quorate_core::{Duration, SimTime};
use quorate_kv::sweep::{soak, Cluster, FaultMix, SoakConfig};
use quorate_kv::{
    KeyRange, KvRegisters, Op, OpResult, RegInput, RegOp, RegOutput, Reply, Request, Response,
};
use quorate_raft::ReadMode;
use quorate_sim::WorldCommand;

fn put(key: &str, v: u64) -> Request {
    Request::Op(Op::Put {
        key: key.into(),
        value: v.to_string(),
        lease: 0,
    })
}

fn get(key: &str) -> Request {
    Request::Op(Op::Range(KeyRange::single(key)))
}

fn operation(
    p: u64,
    op: RegOp,
    done: Option<(SimTime, SimTime, Reply)>,
    call: SimTime,
) -> Operation<RegInput, RegOutput> {
    let (outcome, ret) = match done {
        Some((_, t, reply)) => {
            let out = match (&op, reply.result) {
                (RegOp::Get, Ok(Response::Op(OpResult::Range { kvs }))) => {
                    RegOutput::Get(kvs.first().and_then(|kv| kv.value.parse().ok()))
                }
                (RegOp::Put(_), Ok(Response::Op(OpResult::Put { .. }))) => RegOutput::Put,
                (_, other) => panic!("unexpected reply {other:?}"),
            };
            (Outcome::Ok(out), Some(t.as_micros()))
        }
        None if op == RegOp::Get => (Outcome::Fail, Some(call.as_micros())),
        None => (Outcome::Unknown, None),
    };
    Operation {
        process: ProcessId(p),
        input: RegInput {
            key: "x".into(),
            op,
        },
        outcome,
        call: call.as_micros(),
        ret,
        call_line: None,
        ret_line: None,
    }
}

/// Put x=1 at the leader, cut the leader off, put x=2 at the new leader, read x at the old one.
fn partitioned_leader_scenario(read_mode: ReadMode) -> (History<RegInput, RegOutput>, usize) {
    let mut c = Cluster::new(7, 3, |cfg| cfg.raft.read_mode = read_mode);
    let timeout = Duration::from_millis(500);
    let old = c.await_leader(Duration::from_secs(2)).expect("a leader");
    let mut ops = Vec::new();
    let t = c.world.now();
    let r = c.request(old, put("x", 1), timeout);
    assert!(r.is_some(), "the first write commits");
    ops.push(operation(0, RegOp::Put(1), r, t));

    let rest: Vec<_> = c.nodes.iter().copied().filter(|n| *n != old).collect();
    c.world
        .apply(WorldCommand::Partition(vec![
            [old].into_iter().collect(),
            rest.iter().copied().collect(),
        ]))
        .unwrap();
    let mut new = None;
    let until = c.world.now() + Duration::from_secs(3);
    while new.is_none() && c.world.now() < until {
        c.world.run_for(Duration::from_millis(10));
        new = rest
            .iter()
            .copied()
            .find(|n| c.world.engine(*n).is_some_and(|e| e.is_leader()));
    }
    let new = new.expect("the majority elects a new leader");
    let t = c.world.now();
    let r = c.request(new, put("x", 2), timeout);
    assert!(r.is_some(), "the majority commits the second write");
    ops.push(operation(1, RegOp::Put(2), r, t));

    let t = c.world.now();
    let r = c.request(old, get("x"), timeout);
    ops.push(operation(2, RegOp::Get, r, t));
    (History::from_operations(ops).unwrap(), 2)
}

#[test]
fn a_local_read_on_a_partitioned_leader_is_stale_and_the_witness_names_it() {
    let (history, read) = partitioned_leader_scenario(ReadMode::UnsafeLocal);
    let result = check(&KvRegisters, &history);
    let text = describe_result(&KvRegisters, &history, &result);
    println!("{text}");
    assert_eq!(result.verdict, Verdict::NotLinearizable, "{text}");
    let witness = result.witness.as_ref().unwrap();
    assert_eq!(witness.blocked, read, "the blocked operation is the read");
    assert_eq!(
        history.operations()[read].outcome,
        Outcome::Ok(RegOutput::Get(Some(1))),
        "the old leader served the value the majority had overwritten"
    );
    assert!(text.contains("get x -> 1"), "{text}");
}

#[test]
fn the_same_scenario_with_read_index_stays_linearizable() {
    let (history, read) = partitioned_leader_scenario(ReadMode::ReadIndex);
    assert_ne!(
        history.operations()[read].outcome,
        Outcome::Ok(RegOutput::Get(Some(1))),
        "a cut-off leader cannot confirm a read point"
    );
    assert_eq!(check(&KvRegisters, &history).verdict, Verdict::Linearizable);
}

#[test]
fn the_randomized_soak_catches_local_reads_under_partitions() {
    let cfg = SoakConfig {
        read_mode: ReadMode::UnsafeLocal,
        faults: FaultMix {
            partitions: true,
            ..FaultMix::NONE
        },
        ..SoakConfig::default()
    };
    let caught: Vec<u64> = (1..=40)
        .filter(|&seed| soak(seed, &cfg).verdict == Verdict::NotLinearizable)
        .collect();
    println!(
        "unsafe local reads: {} of 40 seeds not linearizable: {caught:?}",
        caught.len()
    );
    assert!(!caught.is_empty(), "no seed caught a stale read");
}

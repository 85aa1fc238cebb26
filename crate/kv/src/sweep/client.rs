//! Simulated clients: a closed-loop workload of gets, puts and compare-and-sets against any node, with
//! leader hints, timeouts and retries, every operation recorded as invoke / ok / fail / info.
//!
//! A client runs one operation at a time (a Jepsen process). Its writes carry a Raft client session
//! `(client, seq)`, so a retry at another node is applied at most once (thesis §6.3). Outcomes:
//! - `ok`: a reply came back; its output goes into the history;
//! - `fail`: every attempt was refused before the request entered the log (`not leader`, node down,
//!   read dropped), so it certainly had no effect;
//! - `info` (unknown): some attempt may have been proposed and no reply came; it may take effect later.
//!   A read never changes anything, so an unanswered read is recorded as `fail`.

use std::collections::BTreeMap;

use quorate_check::linearizability::{History, HistoryError, Operation, Outcome, ProcessId};
use quorate_core::{Duration, NodeId, NodeRng, SimTime};
use quorate_raft::Session;
use quorate_sim::{NodeState, WorldCommand};

use super::cluster::Cluster;
use crate::model::{RegInput, RegOp, RegOutput, Value};
use crate::node::Command;
use crate::script::cas;
use crate::types::{KeyRange, KvError, Op, OpResult, Reply, Request, Response};

/// What the clients do.
#[derive(Clone, Debug)]
pub struct Workload {
    pub clients: u32,
    /// Keys `k0..k{keys-1}`.
    pub keys: u32,
    /// Share of gets; `cas_ratio` of cas; the rest are puts.
    pub read_ratio: f64,
    pub cas_ratio: f64,
    /// Pause between a completion and the next invocation, drawn uniformly.
    pub think_min: Duration,
    pub think_max: Duration,
    /// How long an attempt waits for its reply before trying another node.
    pub timeout: Duration,
    /// Pause before retrying an attempt that was refused.
    pub backoff: Duration,
    pub max_attempts: u32,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            clients: 4,
            keys: 3,
            read_ratio: 0.5,
            cas_ratio: 0.2,
            think_min: Duration::from_millis(5),
            think_max: Duration::from_millis(40),
            timeout: Duration::from_millis(250),
            backoff: Duration::from_millis(20),
            max_attempts: 4,
        }
    }
}

/// A history of the per-key register model.
pub type KvHistory = History<RegInput, RegOutput>;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientStats {
    pub ok: u64,
    pub fail: u64,
    pub unknown: u64,
    pub attempts: u64,
}

#[derive(Clone, Debug)]
struct Running {
    /// Index into `Clients::ops`.
    op: usize,
    tag: u64,
    req: Request,
    session: Option<Session>,
    attempt: u32,
    /// Whether some attempt may have entered the log (so a give-up is `info`, not `fail`).
    maybe_applied: bool,
    /// When the current attempt times out; `None` while waiting to retry.
    deadline: Option<SimTime>,
    retry_at: Option<SimTime>,
}

#[derive(Clone, Debug)]
struct SimClient {
    session_id: u64,
    rng: NodeRng,
    seq: u64,
    ops_issued: u64,
    target: usize,
    next_at: SimTime,
    running: Option<Running>,
    /// The latest value this client saw per key (what its cas expects).
    seen: BTreeMap<String, Value>,
}

/// The clients of one run and the history they record.
pub struct Clients {
    workload: Workload,
    clients: Vec<SimClient>,
    ops: Vec<Operation<RegInput, RegOutput>>,
    next_value: Value,
    pub stats: ClientStats,
    /// Invocations stop at this time; running operations go on until they finish or give up.
    pub stop_at: SimTime,
}

fn client_of(tag: u64) -> usize {
    (tag >> 32) as usize
}

impl Clients {
    /// Clients `0..workload.clients`, each with its own random stream derived from `seed` (as a node
    /// numbered from 1000 would have), so the workload never perturbs the cluster's streams.
    pub fn new(seed: u64, workload: Workload, nodes: usize, stop_at: SimTime) -> Clients {
        let clients = (0..workload.clients)
            .map(|i| {
                let mut rng = NodeRng::for_node(seed, NodeId(1000 + i), 0);
                let target = rng.below(nodes.max(1) as u64) as usize;
                SimClient {
                    session_id: 1000 + u64::from(i),
                    rng,
                    seq: 0,
                    ops_issued: 0,
                    target,
                    next_at: SimTime::ZERO,
                    running: None,
                    seen: BTreeMap::new(),
                }
            })
            .collect();
        Clients {
            workload,
            clients,
            ops: Vec::new(),
            next_value: 1,
            stats: ClientStats::default(),
            stop_at,
        }
    }

    /// Whether no operation is running.
    pub fn idle(&self) -> bool {
        self.clients.iter().all(|c| c.running.is_none())
    }

    /// Drives the clients and the world until `until`, in 1 ms slices.
    pub fn run(&mut self, cluster: &mut Cluster, until: SimTime) {
        let mut replies = Vec::new();
        while cluster.world.now() < until {
            self.act(cluster);
            cluster.world.run_for(Duration::from_millis(1));
            cluster.drain_replies(&mut replies);
            for (time, _node, tag, reply) in replies.drain(..) {
                self.on_reply(time, tag, reply);
            }
        }
    }

    /// Runs until every operation finished (no new ones start), or `limit`.
    pub fn finish(&mut self, cluster: &mut Cluster, limit: SimTime) {
        self.stop_at = self.stop_at.min(cluster.world.now());
        while !self.idle() && cluster.world.now() < limit {
            let next = cluster.world.now() + Duration::from_millis(10);
            self.run(cluster, next);
        }
    }

    /// The history: operations still running count as unknown.
    pub fn history(&self) -> Result<KvHistory, HistoryError> {
        History::from_operations(self.ops.clone())
    }

    fn act(&mut self, cluster: &mut Cluster) {
        let now = cluster.world.now();
        for i in 0..self.clients.len() {
            let c = &self.clients[i];
            match &c.running {
                None if now >= c.next_at && now < self.stop_at => self.invoke(i, cluster),
                Some(r) if r.retry_at.is_some_and(|t| now >= t) => self.attempt(i, cluster),
                Some(r) if r.deadline.is_some_and(|t| now >= t) => {
                    // No reply in time: the request may still be in the log somewhere.
                    let c = &mut self.clients[i];
                    if let Some(r) = c.running.as_mut() {
                        if !r.req.is_read() {
                            r.maybe_applied = true;
                        }
                        r.deadline = None;
                        r.retry_at = Some(now);
                    }
                    c.target = (c.target + 1) % cluster.nodes.len();
                    self.attempt(i, cluster);
                }
                _ => {}
            }
        }
    }

    fn invoke(&mut self, i: usize, cluster: &mut Cluster) {
        let now = cluster.world.now();
        let w = &self.workload;
        let c = &mut self.clients[i];
        let key = format!("k{}", c.rng.below(u64::from(w.keys.max(1))));
        let roll = c.rng.next_f64();
        let (op, req, session) = if roll < w.read_ratio {
            (
                RegOp::Get,
                Request::Op(Op::Range(KeyRange::single(key.clone()))),
                None,
            )
        } else {
            let value = self.next_value;
            self.next_value += 1;
            c.seq += 1;
            let session = Some(Session {
                client: c.session_id,
                seq: c.seq,
            });
            if roll < w.read_ratio + w.cas_ratio {
                let from = match c.seen.get(&key) {
                    Some(v) => *v,
                    None => c.rng.range_inclusive(1, value),
                };
                (
                    RegOp::Cas { from, to: value },
                    cas(&key, &from.to_string(), &value.to_string()),
                    session,
                )
            } else {
                let req = Request::Op(Op::Put {
                    key: key.clone(),
                    value: value.to_string(),
                    lease: 0,
                });
                (RegOp::Put(value), req, session)
            }
        };
        c.ops_issued += 1;
        let tag = ((i as u64) << 32) | c.ops_issued;
        self.ops.push(Operation {
            process: ProcessId(i as u64),
            input: RegInput { key, op },
            outcome: Outcome::Unknown,
            call: now.as_micros(),
            ret: None,
            call_line: None,
            ret_line: None,
        });
        c.running = Some(Running {
            op: self.ops.len() - 1,
            tag,
            req,
            session,
            attempt: 0,
            maybe_applied: false,
            deadline: None,
            retry_at: Some(now),
        });
        self.attempt(i, cluster);
    }

    /// Sends the running operation to the client's target node, or gives up after the last attempt.
    fn attempt(&mut self, i: usize, cluster: &mut Cluster) {
        let now = cluster.world.now();
        let max = self.workload.max_attempts;
        let c = &mut self.clients[i];
        let Some(r) = c.running.as_mut() else {
            return;
        };
        if r.attempt >= max {
            let outcome = if r.maybe_applied {
                Outcome::Unknown
            } else {
                Outcome::Fail
            };
            let op = r.op;
            self.complete(i, op, now, outcome);
            return;
        }
        r.attempt += 1;
        self.stats.attempts += 1;
        let node = cluster.nodes[c.target % cluster.nodes.len()];
        let cmd = Command::Request {
            tag: r.tag,
            session: r.session,
            req: r.req.clone(),
        };
        r.retry_at = None;
        let up = cluster.world.node_state(node) != Some(NodeState::Down);
        if up
            && cluster
                .world
                .apply(WorldCommand::Client { node, cmd })
                .is_ok()
        {
            r.deadline = Some(now + self.workload.timeout);
        } else {
            // Connection refused: nothing was sent; try the next node after a pause.
            r.retry_at = Some(now + self.workload.backoff);
            c.target = (c.target + 1) % cluster.nodes.len();
        }
    }

    fn complete(&mut self, i: usize, op: usize, now: SimTime, outcome: Outcome<RegOutput>) {
        let w = &self.workload;
        let c = &mut self.clients[i];
        c.running = None;
        c.next_at = now + c.rng.duration_between(w.think_min, w.think_max);
        match &outcome {
            Outcome::Ok(out) => {
                self.stats.ok += 1;
                let input = &self.ops[op].input;
                let seen = match (&input.op, out) {
                    (RegOp::Get, RegOutput::Get(v)) => *v,
                    (RegOp::Put(v), _) => Some(*v),
                    (RegOp::Cas { to, .. }, RegOutput::Cas { swapped: true }) => Some(*to),
                    _ => None,
                };
                if let Some(v) = seen {
                    c.seen.insert(input.key.clone(), v);
                }
            }
            Outcome::Fail => self.stats.fail += 1,
            Outcome::Unknown => self.stats.unknown += 1,
        }
        let record = &mut self.ops[op];
        record.ret = match outcome {
            Outcome::Unknown => None,
            _ => Some(now.as_micros().max(record.call)),
        };
        record.outcome = outcome;
    }

    fn on_reply(&mut self, time: SimTime, tag: u64, reply: Reply) {
        let i = client_of(tag);
        let Some(c) = self.clients.get_mut(i) else {
            return;
        };
        let Some(r) = c.running.as_mut() else {
            return;
        };
        if r.tag != tag {
            return; // a late reply to an operation already finished
        }
        let op = r.op;
        match reply.result {
            Ok(resp) => {
                let out = match (&self.ops[op].input.op, resp) {
                    (RegOp::Get, Response::Op(OpResult::Range { kvs })) => {
                        RegOutput::Get(kvs.first().and_then(|kv| kv.value.parse().ok()))
                    }
                    (RegOp::Put(_), Response::Op(OpResult::Put { .. })) => RegOutput::Put,
                    (RegOp::Cas { .. }, Response::Txn { succeeded, .. }) => {
                        RegOutput::Cas { swapped: succeeded }
                    }
                    // A reply of the wrong shape is a bug in the node; the checker will flag it.
                    (_, other) => panic!("reply {other:?} does not answer {}", self.ops[op].input),
                };
                self.complete(i, op, time, Outcome::Ok(out));
            }
            Err(e @ (KvError::NotLeader { .. } | KvError::ReadDropped)) => {
                // Refused before entering the log: retry, at the leader if the node named one.
                r.deadline = None;
                r.retry_at = Some(time + self.workload.backoff);
                match e {
                    KvError::NotLeader { leader: Some(l) } => {
                        c.target = (l as usize).saturating_sub(1)
                    }
                    _ => c.target += 1,
                }
            }
            Err(_) => self.complete(i, op, time, Outcome::Fail),
        }
    }
}

//! The run's live verdicts: Raft's safety invariants and the linearizability of the client history,
//! checked by the orchestrator as the trace records come (the same records with a worker per node and
//! inline, so both give the same verdicts).
//!
//! What is checked, and at what cost:
//! - Election Safety and State Machine Safety (Raft paper, Figure 3) from the engines' events
//!   (`BecameLeader`, `Applied`) through crate/check's [`RaftChecker`], at every record: a map lookup each.
//!   Log Matching and Leader Completeness need every node's whole log after every event; the page does
//!   not ship logs out of the node workers, so they are left to `quorate raft soak` and the tests.
//! - Linearizability of the client history (get / put / cas per key, crate/kv's [`KvRegisters`]) through
//!   crate/check's checker, once per frame when an answer came. Checking is NP-hard, so it is bounded:
//!   at most [`MAX_CHECKED_OPS`] operations and [`MAX_STEPS`] search steps; past either the panel says
//!   it gave up. A history that is not linearizable stays so as it grows (an operation still running
//!   may take effect at any later moment or never), so the first failure is final and the check stops.

use std::collections::{BTreeMap, BTreeSet};

use quorate_check::linearizability::{
    check_with, CheckOptions, History, Operation, Outcome, ProcessId, Verdict,
};
use quorate_check::raft::{Invariant, RaftChecker, RaftFact};
use quorate_kv::{KvRegisters, RegInput, RegOp, RegOutput};
use quorate_view::verdicts::{
    AnswerView, CheckState, CheckView, ReadKind, RequestView, VerdictsView, MAX_REQUESTS,
};

/// Most client operations the linearizability check covers.
pub const MAX_CHECKED_OPS: usize = 400;
/// Most search steps one check may take (a few milliseconds of the orchestrator).
pub const MAX_STEPS: u64 = 200_000;
/// Requests remembered for the panel beyond the checked ones.
const MAX_KEPT: usize = MAX_CHECKED_OPS + MAX_REQUESTS;

/// The Raft invariants checked from events, in the order the panel lists them.
const RAFT_CHECKS: [Invariant; 2] = [Invariant::ElectionSafety, Invariant::StateMachineSafety];

/// What one trace record tells the verdicts (see `Present::facts`).
#[derive(Clone, Debug, PartialEq)]
pub enum Fact {
    Raft(RaftFact),
    /// A client request reached `node` (the command was applied).
    Call {
        node: u32,
        tag: u64,
        call: Call,
    },
    /// `node` answered the request tagged `tag`.
    Reply {
        node: u32,
        tag: u64,
        answer: Answer,
    },
}

/// A client request, as the panel and the model see it.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// In words, e.g. "get x".
    pub text: String,
    pub read: Option<ReadKind>,
    pub op: KvCall,
}

/// What a request does to the per-key registers.
#[derive(Clone, Debug, PartialEq)]
pub enum KvCall {
    Get {
        key: String,
    },
    Put {
        key: String,
        value: String,
    },
    Cas {
        key: String,
        old: String,
        new: String,
    },
    /// A try-lock: takes the key for `owner` if it is absent.
    Lock {
        key: String,
        owner: String,
    },
    /// Frees the key if `owner` holds it.
    Unlock {
        key: String,
        owner: String,
    },
    /// Changes these keys in a way the register model does not describe (a delete, a lease, a txn of
    /// another shape): their history is no longer checked.
    Unmodelled {
        keys: Vec<String>,
    },
    /// Touches no key of the store.
    Other,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub revision: u64,
    /// The answer in words; for a compare-and-swap only what a failed compare read (see
    /// `answer_text`).
    pub text: String,
    pub result: KvResult,
}

#[derive(Clone, Debug, PartialEq)]
pub enum KvResult {
    Get(Option<String>),
    Put,
    Cas {
        swapped: bool,
    },
    /// Refused: it certainly had no effect (not the leader, a read dropped).
    Refused,
    /// Some other success.
    Other,
}

#[derive(Clone, Debug)]
struct Request {
    node: u32,
    tag: u64,
    call: Call,
    sent_us: u64,
    answer: Option<(u64, Answer)>,
}

#[derive(Clone, Debug, PartialEq)]
enum Linear {
    /// Every check so far passed; `ops` operations were covered by the last one.
    Holds {
        ops: usize,
    },
    Violated {
        at_us: u64,
        detail: String,
        /// The tag of the request the check could not place.
        tag: u64,
    },
    GaveUp {
        detail: String,
    },
}

/// The verdicts of one run, fed its trace records in order.
#[derive(Clone, Debug)]
pub struct Verdicts {
    raft: RaftChecker,
    /// The first violation of each invariant: when, and what.
    broken: BTreeMap<Invariant, (u64, String)>,
    requests: Vec<Request>,
    /// Requests still waiting for their answer: (node, tag) -> position in `requests`.
    pending: BTreeMap<(u32, u64), usize>,
    /// Requests dropped from the front of `requests` (the panel numbers stay right).
    dropped: usize,
    unmodelled: BTreeSet<String>,
    linear: Linear,
    /// An answer came since the last check.
    dirty: bool,
    checked: bool,
    kv: bool,
}

impl Verdicts {
    pub fn new(checked: bool, kv: bool) -> Verdicts {
        Verdicts {
            raft: RaftChecker::new(),
            broken: BTreeMap::new(),
            requests: Vec::new(),
            pending: BTreeMap::new(),
            dropped: 0,
            unmodelled: BTreeSet::new(),
            linear: Linear::Holds { ops: 0 },
            dirty: false,
            checked,
            kv,
        }
    }

    /// Takes in the facts of the record of event `event`, at `time_us`.
    pub fn observe(&mut self, event: u64, time_us: u64, facts: &[Fact]) {
        for fact in facts {
            match fact {
                Fact::Raft(f) => {
                    for v in self.raft.observe(event, std::slice::from_ref(f), &[]) {
                        self.broken
                            .entry(v.invariant)
                            .or_insert((time_us, v.to_string()));
                    }
                }
                Fact::Call { node, tag, call } => {
                    if let KvCall::Unmodelled { keys } = &call.op {
                        self.unmodelled.extend(keys.iter().cloned());
                    }
                    // A second request with the same tag on the same node replaces the first as the
                    // one its answer belongs to; the first stays without an answer.
                    self.pending
                        .insert((*node, *tag), self.dropped + self.requests.len());
                    self.requests.push(Request {
                        node: *node,
                        tag: *tag,
                        call: call.clone(),
                        sent_us: time_us,
                        answer: None,
                    });
                    self.bound();
                }
                Fact::Reply { node, tag, answer } => {
                    if let Some(at) = self.pending.remove(&(*node, *tag)) {
                        if let Some(r) = at
                            .checked_sub(self.dropped)
                            .and_then(|i| self.requests.get_mut(i))
                        {
                            r.answer = Some((time_us, answer.clone()));
                            self.dirty = true;
                        }
                    }
                }
            }
        }
    }

    /// Keeps the request list bounded; the check gives up once requests were forgotten.
    fn bound(&mut self) {
        if self.requests.len() > MAX_KEPT {
            let extra = self.requests.len() - MAX_KEPT;
            self.requests.drain(..extra);
            self.dropped += extra;
        }
    }

    /// Runs the linearizability check if an answer came since the last one.
    pub fn check(&mut self) {
        if !self.dirty || !matches!(self.linear, Linear::Holds { .. }) {
            return;
        }
        self.dirty = false;
        if self.dropped + self.requests.len() > MAX_CHECKED_OPS {
            self.linear = Linear::GaveUp {
                detail: format!(
                    "stopped after {MAX_CHECKED_OPS} requests: checking a history is NP-hard, so the \
                     page checks only the first {MAX_CHECKED_OPS}"
                ),
            };
            return;
        }
        let (history, index) = self.history();
        let options = CheckOptions {
            max_steps: Some(MAX_STEPS),
        };
        let result = check_with(&KvRegisters, &history, &options);
        self.linear =
            match result.verdict {
                Verdict::Linearizable => Linear::Holds { ops: history.len() },
                Verdict::Unknown => Linear::GaveUp {
                    detail: format!(
                    "the search ran out of its {MAX_STEPS} steps on key {}: checking a history is \
                     NP-hard, so the page bounds it",
                    result.undecided_partitions.first().cloned().unwrap_or_default()
                ),
                },
                Verdict::NotLinearizable => {
                    let witness = result.witness.expect("a witness comes with the verdict");
                    let op = &history.operations()[witness.blocked];
                    let request = &self.requests[index[witness.blocked]];
                    let at_us = op.ret.unwrap_or(op.call);
                    let answer = request
                        .answer
                        .as_ref()
                        .map_or("no answer yet".to_string(), |(_, a)| {
                            answer_text(&request.call.op, a)
                        });
                    let read = match request.call.read {
                        Some(ReadKind::Serializable) => " (serializable read)",
                        Some(ReadKind::Linearizable) => " (linearizable read)",
                        None => "",
                    };
                    Linear::Violated {
                        at_us,
                        tag: request.tag,
                        detail: format!(
                        "not linearizable: #{} `{}`{read} at n{} answered {answer} at {}, which no \
                         order of the requests before it explains (after them key {} holds {})",
                        request.tag,
                        request.call.text,
                        request.node,
                        seconds(at_us),
                        witness.partition,
                        self.value_name(witness.state),
                    ),
                    }
                }
            };
    }

    /// Numbers for the values the requests name (the register model's values are numbers), in the
    /// order they first appear.
    fn values(&self) -> BTreeMap<&str, u64> {
        let mut values: BTreeMap<&str, u64> = BTreeMap::new();
        for r in &self.requests {
            let mut named: Vec<&str> = Vec::new();
            match &r.call.op {
                KvCall::Put { value, .. } => named.push(value),
                KvCall::Cas { old, new, .. } => named.extend([old.as_str(), new.as_str()]),
                KvCall::Lock { owner, .. } | KvCall::Unlock { owner, .. } => named.push(owner),
                _ => {}
            }
            if let Some((_, a)) = &r.answer {
                if let KvResult::Get(Some(v)) = &a.result {
                    named.push(v);
                }
            }
            for v in named {
                let next = values.len() as u64 + 1;
                values.entry(v).or_insert(next);
            }
        }
        values
    }

    /// The modelled part of the history, with each operation's position in `requests`.
    fn history(&self) -> (History<RegInput, RegOutput>, Vec<usize>) {
        let values = self.values();
        let value = |v: &str| values.get(v).copied().unwrap_or(0);
        let mut ops = Vec::new();
        let mut index = Vec::new();
        for (i, r) in self.requests.iter().enumerate() {
            let (key, op) = match &r.call.op {
                KvCall::Get { key } => (key, RegOp::Get),
                KvCall::Put { key, value: v } => (key, RegOp::Put(value(v))),
                KvCall::Cas { key, old, new } => (
                    key,
                    RegOp::Cas {
                        from: value(old),
                        to: value(new),
                    },
                ),
                KvCall::Lock { key, owner } => (key, RegOp::Create(value(owner))),
                KvCall::Unlock { key, owner } => (key, RegOp::DeleteIf(value(owner))),
                KvCall::Unmodelled { .. } | KvCall::Other => continue,
            };
            if self.unmodelled.contains(key) {
                continue;
            }
            let (outcome, ret) = match &r.answer {
                None => (Outcome::Unknown, None),
                Some((at, a)) => {
                    let outcome = match (&op, &a.result) {
                        (_, KvResult::Refused) => Outcome::Fail,
                        (RegOp::Get, KvResult::Get(v)) => {
                            Outcome::Ok(RegOutput::Get(v.as_deref().map(value)))
                        }
                        (RegOp::Put(_), KvResult::Put) => Outcome::Ok(RegOutput::Put),
                        (
                            RegOp::Cas { .. } | RegOp::Create(_) | RegOp::DeleteIf(_),
                            KvResult::Cas { swapped },
                        ) => Outcome::Ok(RegOutput::Cas { swapped: *swapped }),
                        // An answer of another shape says nothing the model can use.
                        _ => Outcome::Unknown,
                    };
                    let ret = (!matches!(outcome, Outcome::Unknown)).then_some(*at);
                    (outcome, ret)
                }
            };
            ops.push(Operation {
                process: ProcessId(r.tag),
                input: RegInput {
                    key: key.clone(),
                    op,
                },
                outcome,
                call: r.sent_us,
                ret,
                call_line: None,
                ret_line: None,
            });
            index.push(i);
        }
        // Sorting by call time is stable and requests come in call order, so `index` stays aligned.
        let history =
            History::from_operations(ops).expect("answers come after their requests, in sim time");
        (history, index)
    }

    /// The words of a value number (for the violation's sentence).
    fn value_name(&self, state: Option<u64>) -> String {
        let Some(n) = state else {
            return "nothing".to_string();
        };
        self.values()
            .into_iter()
            .find(|(_, v)| *v == n)
            .map_or(n.to_string(), |(name, _)| format!("`{name}`"))
    }

    /// What the panel shows.
    pub fn view(&self) -> VerdictsView {
        let mut checks = Vec::new();
        if self.checked {
            for invariant in RAFT_CHECKS {
                checks.push(match self.broken.get(&invariant) {
                    Some((at_us, detail)) => CheckView {
                        name: invariant.to_string(),
                        state: CheckState::Violated,
                        detail: format!("at {}: {detail}", seconds(*at_us)),
                        at_us: Some(*at_us),
                    },
                    None => CheckView {
                        name: invariant.to_string(),
                        state: CheckState::Holds,
                        detail: match invariant {
                            Invariant::ElectionSafety => "at most one leader per term".to_string(),
                            _ => "every node applied the same entry at each index".to_string(),
                        },
                        at_us: None,
                    },
                });
            }
        }
        if self.kv {
            let skipped = if self.unmodelled.is_empty() {
                String::new()
            } else {
                format!(
                    "; not checked (deleted or leased): {}",
                    self.unmodelled
                        .iter()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let (state, detail, at_us) = match &self.linear {
                Linear::Holds { ops } => (
                    CheckState::Holds,
                    format!("{ops} get/put/cas/lock requests checked{skipped}"),
                    None,
                ),
                Linear::Violated { at_us, detail, .. } => {
                    (CheckState::Violated, detail.clone(), Some(*at_us))
                }
                Linear::GaveUp { detail } => (CheckState::GaveUp, detail.clone(), None),
            };
            checks.push(CheckView {
                name: "Linearizability (client history)".to_string(),
                state,
                detail,
                at_us,
            });
        }
        let skip = self.requests.len().saturating_sub(MAX_REQUESTS);
        let requests = self.requests[skip..]
            .iter()
            .map(|r| RequestView {
                tag: r.tag,
                node: r.node,
                request: r.call.text.clone(),
                read: r.call.read,
                sent_us: r.sent_us,
                answer: r.answer.as_ref().map(|(at, a)| AnswerView {
                    at_us: *at,
                    revision: a.revision,
                    text: answer_text(&r.call.op, a),
                    ok: a.result != KvResult::Refused,
                }),
            })
            .collect();
        VerdictsView {
            checks,
            requests,
            kv: self.kv,
            offender: match self.linear {
                Linear::Violated { tag, .. } => Some(tag),
                _ => None,
            },
        }
    }
}

/// An answer in the words of its request: a compare-and-swap says whether it swapped, a lock whether
/// it took or freed the lock, and, when it did not, what it found.
fn answer_text(call: &KvCall, a: &Answer) -> String {
    let KvResult::Cas { swapped } = a.result else {
        return a.text.clone();
    };
    let (done, not) = match call {
        KvCall::Lock { .. } => ("locked", "busy"),
        KvCall::Unlock { .. } => ("unlocked", "not the holder"),
        _ => ("swapped", "not swapped"),
    };
    match (swapped, a.text.is_empty()) {
        (true, _) => done.to_string(),
        (false, true) => not.to_string(),
        (false, false) => format!("{not}: {}", a.text),
    }
}

fn seconds(us: u64) -> String {
    format!("{:.3} s", us as f64 / 1e6)
}

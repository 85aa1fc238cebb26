//! The search for a linearization of one partition: Wing & Gong's algorithm with Lowe's memoization,
//! as Porcupine implements it.
//!
//! Events (calls and returns) sit in a doubly linked list in time order. Walking from the front, the
//! search tries to linearize the first operation whose call it meets: if the model accepts the observed
//! output, the operation's call and return are lifted out of the list ("dancing links") and the walk
//! starts over; if it meets a *return* first, that operation cannot be placed before the ones already
//! chosen, so the last choice is undone and the walk resumes after it. A set of `(linearized operations,
//! model state)` pairs already explored prunes the search (Lowe, "Testing for linearizability", 2017,
//! section 4): from the same pair the future is the same.
//!
//! Operations with an unknown outcome have no return event, so they never block the walk: they may be
//! linearized anywhere after their call, or never (the search succeeds once every *completed* operation
//! is placed). That freedom is what makes histories with many of them expensive, so the memo also
//! prunes a configuration when one with the same completed set and state but fewer unknown operations
//! placed was seen (see [`Memo`]).

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hash};

use rustc_hash::FxBuildHasher;

use super::model::Model;

/// One operation of the partition, as the search sees it.
pub(crate) struct SearchOp<'a, I, O> {
    pub input: &'a I,
    /// `None` for an unknown outcome.
    pub output: Option<&'a O>,
    pub call: u64,
    /// `None` for an unknown outcome: still running at the end.
    pub ret: Option<u64>,
}

pub(crate) enum SearchOutcome<S> {
    Linearizable,
    /// No linearization exists. `prefix` is the longest sequence of operations (indices into the search's
    /// input) the search managed to linearize, `blocked` the operation whose return it met next without
    /// being able to place it, `state` the model state after `prefix`.
    NotLinearizable {
        prefix: Vec<usize>,
        blocked: usize,
        state: S,
    },
    /// The step budget ran out first.
    Exhausted,
}

pub(crate) struct SearchReport<S> {
    pub outcome: SearchOutcome<S>,
    /// Model steps tried; a machine-independent measure of the work done.
    pub steps: u64,
}

const HEAD: usize = 0;
const NONE: usize = usize::MAX;

/// A set of operation indices, one bit each, with an incrementally kept Zobrist hash.
#[derive(Clone)]
struct OpSet {
    words: Vec<u64>,
    hash: u64,
}

/// A fixed pseudo-random 64-bit value per operation (splitmix64), so the set's hash is a XOR of them.
fn zobrist(op: usize) -> u64 {
    let mut z = (op as u64)
        .wrapping_add(1)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl OpSet {
    fn new(len: usize) -> Self {
        OpSet {
            words: vec![0; len.div_ceil(64)],
            hash: 0,
        }
    }

    fn flip(&mut self, op: usize) {
        self.words[op / 64] ^= 1 << (op % 64);
        self.hash ^= zobrist(op);
    }
}

/// The memo of explored configurations, with subsumption on the operations of unknown outcome.
///
/// A configuration is (completed operations placed, unknown operations placed, state). If one with the
/// same completed set and state but a *subset* of the unknown operations was entered before, this one
/// can add nothing: every way forward from it is open from the other one too (the unknown operations
/// are optional, and which calls are enabled depends only on the completed set). With no unknown
/// operations this is exactly Lowe's memo of (linearized set, state). Keyed by a 64-bit hash of the
/// configuration (Fx, fixed seed) in an ordered map, like every collection in the pure crates.
struct Memo<S> {
    buckets: BTreeMap<u64, Vec<MemoEntry<S>>>,
}

struct MemoEntry<S> {
    done: Box<[u64]>,
    state: S,
    /// The unknown-operation sets entered with this `(done, state)`: an antichain under inclusion.
    maybes: Vec<Box<[u64]>>,
}

fn is_subset(a: &[u64], b: &[u64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x & !y == 0)
}

impl<S: Eq + Hash + Clone> Memo<S> {
    fn new() -> Self {
        Memo {
            buckets: BTreeMap::new(),
        }
    }

    /// Enters the configuration; false if it is subsumed by one entered before.
    fn insert(&mut self, done: &OpSet, maybe: &OpSet, state: &S) -> bool {
        let key = done.hash ^ FxBuildHasher.hash_one(state);
        let bucket = self.buckets.entry(key).or_default();
        match bucket
            .iter_mut()
            .find(|e| *e.done == *done.words && e.state == *state)
        {
            Some(entry) => {
                if entry.maybes.iter().any(|m| is_subset(m, &maybe.words)) {
                    return false;
                }
                entry.maybes.retain(|m| !is_subset(&maybe.words, m));
                entry.maybes.push(maybe.words.clone().into_boxed_slice());
            }
            None => bucket.push(MemoEntry {
                done: done.words.clone().into_boxed_slice(),
                state: state.clone(),
                maybes: vec![maybe.words.clone().into_boxed_slice()],
            }),
        }
        true
    }
}

/// The event list: node `HEAD`, then one node per event. `next`/`prev` link the nodes still present.
struct Events {
    next: Vec<usize>,
    prev: Vec<usize>,
    /// Per node: the operation it belongs to (`NONE` for the head and the tail).
    op: Vec<usize>,
    /// Per node: whether it is a call.
    is_call: Vec<bool>,
    /// Per operation: its call node and its return node (`NONE` when the outcome is unknown).
    call_node: Vec<usize>,
    ret_node: Vec<usize>,
}

impl Events {
    fn new<I, O>(ops: &[SearchOp<'_, I, O>]) -> Self {
        // Time order; at equal times calls come first, so a call and a return at the same instant
        // are concurrent. Ties between calls (or between returns) go by operation index.
        let mut order: Vec<(u64, bool, usize)> = Vec::with_capacity(ops.len() * 2);
        for (i, op) in ops.iter().enumerate() {
            order.push((op.call, false, i));
            if let Some(ret) = op.ret {
                order.push((ret, true, i));
            }
        }
        order.sort_unstable();
        let tail = order.len() + 1;
        let mut events = Events {
            next: (1..=tail).chain([NONE]).collect(),
            prev: [NONE].into_iter().chain(0..tail).collect(),
            op: vec![NONE; tail + 1],
            is_call: vec![false; tail + 1],
            call_node: vec![NONE; ops.len()],
            ret_node: vec![NONE; ops.len()],
        };
        for (k, &(_, is_return, i)) in order.iter().enumerate() {
            let node = k + 1;
            events.op[node] = i;
            events.is_call[node] = !is_return;
            if is_return {
                events.ret_node[i] = node;
            } else {
                events.call_node[i] = node;
            }
        }
        events
    }

    /// The first return node left in the list, or `tail` if none is.
    fn first_return(&self, tail: usize) -> usize {
        let mut node = self.next[HEAD];
        while node != tail && self.is_call[node] {
            node = self.next[node];
        }
        node
    }

    fn unlink(&mut self, node: usize) {
        let (p, n) = (self.prev[node], self.next[node]);
        self.next[p] = n;
        self.prev[n] = p;
    }

    fn relink(&mut self, node: usize) {
        let (p, n) = (self.prev[node], self.next[node]);
        self.next[p] = node;
        self.prev[n] = node;
    }

    /// Takes an operation's call and return out of the list. Undone by `unlift` in LIFO order.
    fn lift(&mut self, op: usize) {
        self.unlink(self.call_node[op]);
        if self.ret_node[op] != NONE {
            self.unlink(self.ret_node[op]);
        }
    }

    fn unlift(&mut self, op: usize) {
        if self.ret_node[op] != NONE {
            self.relink(self.ret_node[op]);
        }
        self.relink(self.call_node[op]);
    }
}

/// Searches for a linearization of `ops` under `model`. `max_steps` bounds the model steps tried.
pub(crate) fn search<M: Model>(
    model: &M,
    ops: &[SearchOp<'_, M::Input, M::Output>],
    max_steps: Option<u64>,
) -> SearchReport<M::State> {
    let mut events = Events::new(ops);
    let tail = events.next.len() - 1;
    // Completed operations and unknown ones are numbered apart: `slot[op]` is the bit in `done` or `maybe`.
    let mut slot = vec![0; ops.len()];
    let (mut completed, mut unknown) = (0, 0);
    for (op, entry) in ops.iter().enumerate() {
        let counter = if entry.ret.is_some() {
            &mut completed
        } else {
            &mut unknown
        };
        slot[op] = *counter;
        *counter += 1;
    }
    let mut done = OpSet::new(completed);
    let mut maybe = OpSet::new(unknown);
    let flip = |done: &mut OpSet, maybe: &mut OpSet, op: usize| {
        if ops[op].ret.is_some() {
            done.flip(slot[op]);
        } else {
            maybe.flip(slot[op]);
        }
    };
    let mut memo = Memo::new();
    let mut state = model.init();
    // The choices made so far: operation, the state before it, and whether it was forced. Invariant: these operations are
    // exactly the ones set in `done` and `maybe`, and lifted out of `events`, in this order.
    let mut chosen: Vec<(usize, M::State, bool)> = Vec::new();
    let mut completed_left = completed;
    let mut best: Option<(Vec<usize>, usize, M::State)> = None;
    let mut steps: u64 = 0;

    let mut node = events.next[HEAD];
    // Each window of candidates (the calls before the first return left in the list) is walked twice:
    // first for the completed operations, then for those of unknown outcome. Any order is complete;
    // this one places an optional operation only when the required ones got stuck without it, instead
    // of trying every old unknown write first at every step.
    let mut optional_pass = false;
    loop {
        if completed_left == 0 {
            return SearchReport {
                outcome: SearchOutcome::Linearizable,
                steps,
            };
        }
        if node != tail && events.is_call[node] {
            let op = events.op[node];
            if ops[op].ret.is_some() == optional_pass {
                node = events.next[node];
                continue;
            }
            steps += 1;
            if max_steps.is_some_and(|max| steps > max) {
                return SearchReport {
                    outcome: SearchOutcome::Exhausted,
                    steps,
                };
            }
            let stepped = model.step(&state, ops[op].input, ops[op].output);
            // An operation of unknown outcome that would leave the state as it is (a read, a cas whose
            // compare fails) changes nothing by being placed here: not placing it is the same history
            // (the memo would prune it too; this skips the lookup).
            let pointless = ops[op].ret.is_none() && stepped.as_ref() == Some(&state);
            if let Some(next_state) = stepped.filter(|_| !pointless) {
                // A completed read-only operation that fits here (a read that sees the current
                // value) can be placed right now without loss: any linearization from here that
                // places it later stays one when it is moved here (it is enabled, and it changes no
                // state anywhere). So it is the only choice tried here, and if it leads nowhere,
                // nothing does. (An operation that merely changes nothing *here*, like writing the
                // value already held, may be needed later, so it does not count.)
                let forced = ops[op]
                    .output
                    .is_some_and(|output| model.is_read_only(ops[op].input, output));
                flip(&mut done, &mut maybe, op);
                if memo.insert(&done, &maybe, &next_state) {
                    chosen.push((op, std::mem::replace(&mut state, next_state), forced));
                    events.lift(op);
                    if ops[op].ret.is_some() {
                        completed_left -= 1;
                    }
                    node = events.next[HEAD];
                    optional_pass = false;
                    continue;
                }
                flip(&mut done, &mut maybe, op);
                if forced {
                    (node, optional_pass) = (tail, true); // give up this configuration
                    continue;
                }
            }
            node = events.next[node];
        } else if !optional_pass {
            optional_pass = true;
            node = events.next[HEAD];
        } else {
            // The return of an operation not yet placed (the tail cannot be reached while a completed
            // operation is left, since its return is still in the list; it is handled the same way).
            if best
                .as_ref()
                .is_none_or(|(prefix, _, _)| chosen.len() > prefix.len())
            {
                let prefix = chosen.iter().map(|&(op, _, _)| op).collect();
                let stuck = if node != tail && !events.is_call[node] {
                    node
                } else {
                    events.first_return(tail)
                };
                best = Some((prefix, events.op[stuck], state.clone()));
            }
            let Some((op, previous, forced)) = chosen.pop() else {
                let (prefix, blocked, state) =
                    best.unwrap_or_else(|| unreachable!("recorded above"));
                return SearchReport {
                    outcome: SearchOutcome::NotLinearizable {
                        prefix,
                        blocked,
                        state,
                    },
                    steps,
                };
            };
            state = previous;
            flip(&mut done, &mut maybe, op);
            events.unlift(op);
            if ops[op].ret.is_some() {
                completed_left += 1;
            }
            if forced {
                // It was the only choice worth trying here: this configuration is done too.
                (node, optional_pass) = (tail, true);
            } else {
                node = events.next[events.call_node[op]];
                optional_pass = ops[op].ret.is_none();
            }
        }
    }
}

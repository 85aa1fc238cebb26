//! The event queue: a min-heap ordered by (time, sequence number), so ties keep their insertion order.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use quorate_core::{Engine, NodeId, SimTime};
use serde::{Deserialize, Serialize};

use crate::world::WorldCommand;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub(crate) enum EventKind<E: Engine> {
    /// `slowed` marks an input already delayed by the destination's processing delay.
    Deliver {
        from: NodeId,
        to: NodeId,
        msg: E::Msg,
        sent_at: SimTime,
        slowed: bool,
    },
    Timer {
        node: NodeId,
        generation: u32,
        timer: E::Timer,
        slowed: bool,
    },
    Client {
        node: NodeId,
        cmd: E::Command,
        slowed: bool,
    },
    Command(WorldCommand<E::Command>),
}

impl<E: Engine> EventKind<E> {
    /// The node whose engine this event feeds, if any.
    pub(crate) fn target(&self) -> Option<NodeId> {
        match self {
            EventKind::Deliver { to, .. } => Some(*to),
            EventKind::Timer { node, .. } | EventKind::Client { node, .. } => Some(*node),
            EventKind::Command(_) => None,
        }
    }
    pub(crate) fn mark_slowed(&mut self, value: bool) {
        match self {
            EventKind::Deliver { slowed, .. }
            | EventKind::Timer { slowed, .. }
            | EventKind::Client { slowed, .. } => *slowed = value,
            EventKind::Command(_) => {}
        }
    }
    pub(crate) fn is_slowed(&self) -> bool {
        match self {
            EventKind::Deliver { slowed, .. }
            | EventKind::Timer { slowed, .. }
            | EventKind::Client { slowed, .. } => *slowed,
            EventKind::Command(_) => false,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub(crate) struct Queued<E: Engine> {
    pub time: SimTime,
    pub seq: u64,
    /// Boxed: a heap moves its elements on every push and pop, and a message can be large.
    pub kind: Box<EventKind<E>>,
}

impl<E: Engine> PartialEq for Queued<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl<E: Engine> Eq for Queued<E> {}
impl<E: Engine> PartialOrd for Queued<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E: Engine> Ord for Queued<E> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest (time, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// Keys are unique (every push takes a fresh sequence number), so the pop order is fully determined
/// whatever the heap's internal layout, including after a serde round trip.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub(crate) struct Queue<E: Engine> {
    heap: BinaryHeap<Queued<E>>,
    next_seq: u64,
}

impl<E: Engine> Default for Queue<E> {
    fn default() -> Self {
        Queue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }
}

impl<E: Engine> Queue<E> {
    pub fn push(&mut self, time: SimTime, kind: EventKind<E>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Queued {
            time,
            seq,
            kind: Box::new(kind),
        });
    }
    pub fn pop(&mut self) -> Option<Queued<E>> {
        self.heap.pop()
    }
    pub fn peek(&self) -> Option<&Queued<E>> {
        self.heap.peek()
    }
    /// Puts back an event taken with `pop`, under its original key.
    pub fn reinsert(&mut self, queued: Queued<E>) {
        self.heap.push(queued);
    }
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|q| q.time)
    }
    pub fn len(&self) -> usize {
        self.heap.len()
    }
    pub fn iter(&self) -> impl Iterator<Item = &Queued<E>> {
        self.heap.iter()
    }
}

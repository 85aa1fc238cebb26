//! Trace records: one or more per processed event, each with a deterministic one-line text form.
//!
//! The text form is the UI's event log and the golden-test output. The digest is FNV-1a (64 bit) over
//! every line and its newline, computed without allocating by formatting straight into the hasher.

use std::fmt;

use quorate_core::{Engine, NodeId, SimTime};
use serde::{Deserialize, Serialize};

use crate::network::DropReason;
use crate::world::WorldCommand;

/// What happened.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub enum Record<E: Engine> {
    /// A node was booted (`generation` 0 at world start, +1 on each restart).
    Boot { node: NodeId, generation: u32 },
    /// A message left `from` for `to` (it may still be dropped or held on the way).
    Send {
        from: NodeId,
        to: NodeId,
        msg: E::Msg,
    },
    /// A message reached `to` and was handed to its engine.
    Deliver {
        from: NodeId,
        to: NodeId,
        msg: E::Msg,
    },
    /// A message was dropped: at send time (partition, loss) or on arrival (node down).
    Drop {
        from: NodeId,
        to: NodeId,
        reason: DropReason,
        msg: E::Msg,
    },
    /// A message was held on a held link (it will be delivered on release).
    Held {
        from: NodeId,
        to: NodeId,
        msg: E::Msg,
    },
    /// A timer fired on `node`.
    Timer { node: NodeId, timer: E::Timer },
    /// A durable write was made by `node`.
    Persist { node: NodeId, write: E::Persist },
    /// `node` reported an observable fact.
    Emit { node: NodeId, event: E::Event },
    /// An input was deferred: `node` is paused, or slow and still busy.
    Deferred {
        node: NodeId,
        until: Option<SimTime>,
    },
    /// A world command took effect.
    Command { command: WorldCommand<E::Command> },
    /// The engine refused an input.
    Error { node: NodeId, error: E::Error },
}

/// A record with its place in the run.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct TraceRecord<E: Engine> {
    /// Number of the event that produced this record (1-based; commands applied by a user between events
    /// carry the number of the last processed event).
    pub event: u64,
    pub time: SimTime,
    pub record: Record<E>,
}

impl<E: Engine> fmt::Display for TraceRecord<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(f)
    }
}

/// Writes `n` in decimal, left-padded with zeros to `width` digits, without going through `fmt`'s
/// machinery: the trace digest formats several numbers per record, millions of times a second.
fn write_u64(out: &mut impl fmt::Write, mut n: u64, width: usize) -> fmt::Result {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let start = i.min(buf.len().saturating_sub(width));
    // Only ASCII digits were written.
    out.write_str(std::str::from_utf8(&buf[start..]).unwrap_or("?"))
}

fn write_node(out: &mut impl fmt::Write, id: NodeId) -> fmt::Result {
    out.write_str("n")?;
    write_u64(out, u64::from(id.0), 1)
}

fn write_link(out: &mut impl fmt::Write, from: NodeId, to: NodeId, what: &str) -> fmt::Result {
    write_node(out, from)?;
    out.write_str("->")?;
    write_node(out, to)?;
    out.write_str(what)
}

impl<E: Engine> TraceRecord<E> {
    /// The record's one-line text form (what `Display` prints): `<time> #<event> <what happened>`.
    pub fn write_to(&self, out: &mut impl fmt::Write) -> fmt::Result {
        let us = self.time.as_micros();
        write_u64(out, us / 1_000_000, 1)?;
        out.write_str(".")?;
        write_u64(out, us % 1_000_000, 6)?;
        out.write_str(" #")?;
        write_u64(out, self.event, 1)?;
        out.write_str(" ")?;
        match &self.record {
            Record::Boot { node, generation } => {
                write_node(out, *node)?;
                out.write_str(" boot gen=")?;
                write_u64(out, u64::from(*generation), 1)
            }
            Record::Send { from, to, msg } => {
                write_link(out, *from, *to, " send ")?;
                write!(out, "{msg}")
            }
            Record::Deliver { from, to, msg } => {
                write_link(out, *from, *to, " recv ")?;
                write!(out, "{msg}")
            }
            Record::Drop {
                from,
                to,
                reason,
                msg,
            } => {
                write_link(out, *from, *to, " drop(")?;
                write!(out, "{reason}) {msg}")
            }
            Record::Held { from, to, msg } => {
                write_link(out, *from, *to, " held ")?;
                write!(out, "{msg}")
            }
            Record::Timer { node, timer } => {
                write_node(out, *node)?;
                write!(out, " timer {timer}")
            }
            Record::Persist { node, write } => {
                write_node(out, *node)?;
                write!(out, " persist {write}")
            }
            Record::Emit { node, event } => {
                write_node(out, *node)?;
                write!(out, " emit {event}")
            }
            Record::Deferred {
                node,
                until: Some(t),
            } => {
                write_node(out, *node)?;
                write!(out, " busy until {t}")
            }
            Record::Deferred { node, until: None } => {
                write_node(out, *node)?;
                out.write_str(" paused: input deferred")
            }
            Record::Command { command } => write!(out, "cmd {command}"),
            Record::Error { node, error } => {
                write_node(out, *node)?;
                write!(out, " error {error}")
            }
        }
    }

    /// The node this record belongs to (the receiver for messages), if any.
    pub fn node(&self) -> Option<NodeId> {
        match &self.record {
            Record::Boot { node, .. }
            | Record::Timer { node, .. }
            | Record::Persist { node, .. }
            | Record::Emit { node, .. }
            | Record::Deferred { node, .. }
            | Record::Error { node, .. } => Some(*node),
            Record::Send { from, .. } => Some(*from),
            Record::Deliver { to, .. } | Record::Drop { to, .. } | Record::Held { to, .. } => {
                Some(*to)
            }
            Record::Command { .. } => None,
        }
    }
}

/// A running 64-bit FNV-1a hash that text can be formatted into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest(u64);

impl Default for Digest {
    fn default() -> Self {
        Digest(0xcbf2_9ce4_8422_2325)
    }
}

impl Digest {
    pub fn value(self) -> u64 {
        self.0
    }
    pub fn bytes(&mut self, data: &[u8]) {
        for &b in data {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    /// Hashes the text form of `record` followed by a newline.
    pub fn record<E: Engine>(&mut self, record: &TraceRecord<E>) {
        // Writing into a Digest never fails.
        let _ = record.write_to(self);
        self.bytes(b"\n");
    }
    /// The hash of a single string, e.g. a configuration's JSON.
    pub fn of(text: &str) -> u64 {
        let mut d = Digest::default();
        d.bytes(text.as_bytes());
        d.0
    }
}

impl fmt::Write for Digest {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.bytes(s.as_bytes());
        Ok(())
    }
}

/// Shown as 16 hex digits, the form printed by the CLI and compared by tests.
impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_numbers() {
        let mut s = String::new();
        write_u64(&mut s, 250, 6).unwrap();
        s.push(' ');
        write_u64(&mut s, 0, 1).unwrap();
        s.push(' ');
        write_u64(&mut s, u64::MAX, 1).unwrap();
        assert_eq!(s, "000250 0 18446744073709551615");
    }

    #[test]
    fn fnv1a_known_value() {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (the published test vector).
        assert_eq!(Digest::of("a"), 0xaf63_dc4c_8601_ec8c);
    }
}

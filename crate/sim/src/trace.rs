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
        /// When it left `from` (not in the line, nor so in the digest: the `Send` line says it).
        #[serde(default)]
        sent_at: SimTime,
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
            Record::Deliver { from, to, msg, .. } => {
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

/// A running 64-bit hash of the trace text that text can be formatted into.
///
/// FNV-1a's xor-multiply step applied to 64-bit little-endian words instead of single bytes (the byte
/// stream is cut into words regardless of where writes start and end), so hashing costs one multiply per
/// eight bytes. Deterministic on every platform; not meant to resist deliberate collisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    state: u64,
    /// Bytes not yet mixed, little-endian, `pending_len` of them.
    pending: u64,
    pending_len: u32,
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

impl Default for Digest {
    fn default() -> Self {
        Digest {
            state: FNV_OFFSET,
            pending: 0,
            pending_len: 0,
        }
    }
}

impl Digest {
    /// The hash of everything written so far.
    pub fn value(self) -> u64 {
        if self.pending_len == 0 {
            self.state
        } else {
            // The count of pending bytes goes into the top byte, so "a" and "a\0" differ.
            let last = self.pending | (u64::from(self.pending_len) << 56);
            (self.state ^ last).wrapping_mul(FNV_PRIME)
        }
    }

    #[inline]
    fn mix(&mut self, word: u64) {
        self.state = (self.state ^ word).wrapping_mul(FNV_PRIME);
    }

    pub fn bytes(&mut self, mut data: &[u8]) {
        // Top up a partial word first.
        while self.pending_len != 0 && !data.is_empty() {
            self.pending |= u64::from(data[0]) << (8 * self.pending_len);
            self.pending_len += 1;
            data = &data[1..];
            if self.pending_len == 8 {
                let word = self.pending;
                self.mix(word);
                self.pending = 0;
                self.pending_len = 0;
            }
        }
        if data.is_empty() {
            return;
        }
        // Here no partial word is pending.
        let mut words = data.chunks_exact(8);
        for w in &mut words {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            self.mix(u64::from_le_bytes(b));
        }
        for (i, &byte) in words.remainder().iter().enumerate() {
            self.pending |= u64::from(byte) << (8 * i);
        }
        self.pending_len = words.remainder().len() as u32;
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
        d.value()
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
        write!(f, "{:016x}", self.value())
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
    fn how_writes_are_split_does_not_matter() {
        let text = "0.150000 #12 n1->n2 recv MsgApp term=3 idx=5\n";
        let whole = Digest::of(text);
        for cut in 0..text.len() {
            let mut d = Digest::default();
            d.bytes(&text.as_bytes()[..cut]);
            d.bytes(&text.as_bytes()[cut..]);
            assert_eq!(d.value(), whole, "cut at {cut}");
        }
        assert_ne!(Digest::of("a"), Digest::of("a\0"));
        assert_ne!(Digest::of(""), Digest::of("\0"));
        assert_ne!(Digest::of("ab"), Digest::of("ba"));
    }
}

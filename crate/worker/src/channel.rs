//! A synchronous channel between the orchestrator and one node worker, over a `SharedArrayBuffer`.
//!
//! With messages, every call to a node worker waits for both workers' event loops: a round trip costs a
//! fraction of a millisecond, and a run's calls are mostly one after another (each event may depend on
//! the one before). Where the page is cross-origin isolated, the orchestrator instead writes a request into
//! the node's shared buffer and blocks in `Atomics.wait` until the node, itself blocked on the buffer,
//! writes the reply: microseconds. The bytes are the same as with messages (`quorate_view::host`).
//!
//! Layout: a header of `HEADER` 32-bit cells, then the request area and the reply area of `capacity`
//! bytes each. The orchestrator writes a request and bumps `REQ_SEQ`; the node answers by writing the
//! reply and setting `REPLY_SEQ` to the request's number. A message that does not fit moves the channel:
//! a bigger buffer is posted to the node by message, and the node returns to its event loop to take it.

use js_sys::{Atomics, Int32Array, SharedArrayBuffer, Uint8Array};
use wasm_bindgen::JsValue;

/// Request number, bumped by the orchestrator after it wrote a request.
const REQ_SEQ: u32 = 0;
/// The number of the request the node answered last.
const REPLY_SEQ: u32 = 1;
const REQ_LEN: u32 = 2;
const REQ_KIND: u32 = 3;
const REPLY_LEN: u32 = 4;
const REPLY_KIND: u32 = 5;
const HEADER: u32 = 8;

/// Request kinds.
const REQ_BYTES: i32 = 1;
/// The channel moved to a new buffer, which comes by message: return to the event loop to take it.
const REQ_MOVED: i32 = 2;

/// Reply kinds.
const REPLY_NONE: i32 = 0;
const REPLY_BYTES: i32 = 1;
/// The node panicked; the reply holds the panic's text.
const REPLY_PANIC: i32 = 2;
/// The reply did not fit: its length is in `REPLY_LEN`; the node keeps it for the next buffer.
const REPLY_TOO_BIG: i32 = 3;

/// Bytes each way of a new channel; it grows when a message does not fit.
pub const FIRST_CAPACITY: u32 = 256 * 1024;

/// What a node worker answered.
pub enum Reply {
    None,
    Bytes(Vec<u8>),
    Panic(String),
    /// The reply needs a channel of at least this many bytes.
    TooBig(u32),
    /// No answer in time.
    Silent,
}

/// One end of a channel (both ends hold the same buffer).
#[derive(Clone)]
pub struct Channel {
    buffer: SharedArrayBuffer,
    cells: Int32Array,
    bytes: Uint8Array,
    capacity: u32,
}

/// Whether this worker may share memory with others: the page was served cross-origin isolated.
pub fn available() -> bool {
    let global = js_sys::global();
    js_sys::Reflect::get(&global, &JsValue::from_str("crossOriginIsolated"))
        .is_ok_and(|v| v.is_truthy())
        && js_sys::Reflect::has(&global, &JsValue::from_str("SharedArrayBuffer")).unwrap_or(false)
}

// The channel's loads, stores and wake-ups, imported without `catch`. js-sys declares them as able to
// throw, and wasm-bindgen then wraps each call in a try/catch that gathers its `arguments` into a new
// object: thousands a round while the orchestrator polls, and the garbage collector's work after.
// They cannot throw here: the array is always an `Int32Array` over a `SharedArrayBuffer` and every
// index is one of the header's cells.
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Atomics)]
    fn load(cells: &Int32Array, index: u32) -> i32;
    /// Returns the value stored (unused).
    #[wasm_bindgen(js_namespace = Atomics)]
    fn store(cells: &Int32Array, index: u32, value: i32) -> i32;
    /// Returns how many waiters it woke (unused).
    #[wasm_bindgen(js_namespace = Atomics)]
    fn notify(cells: &Int32Array, index: u32) -> u32;
}

impl Channel {
    /// A new buffer for `capacity` bytes each way.
    pub fn new(capacity: u32) -> Channel {
        let buffer = SharedArrayBuffer::new(HEADER * 4 + 2 * capacity);
        Channel::on(buffer).expect("a buffer made for a channel is one")
    }

    /// The channel over a buffer received by message.
    pub fn on(buffer: SharedArrayBuffer) -> Option<Channel> {
        let len = buffer.byte_length();
        if len < HEADER * 4 + 2 {
            return None;
        }
        let capacity = (len - HEADER * 4) / 2;
        Some(Channel {
            cells: Int32Array::new_with_byte_offset_and_length(&buffer, 0, HEADER),
            bytes: Uint8Array::new_with_byte_offset(&buffer, HEADER * 4),
            buffer,
            capacity,
        })
    }

    pub fn buffer(&self) -> &SharedArrayBuffer {
        &self.buffer
    }

    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    fn request_area(&self, len: u32) -> Uint8Array {
        self.bytes.subarray(0, len)
    }

    fn reply_area(&self, len: u32) -> Uint8Array {
        self.bytes.subarray(self.capacity, self.capacity + len)
    }

    // ----- the orchestrator's end -----

    /// Writes request number `seq` (the previous one must be answered) and wakes the node. `false` when
    /// the bytes do not fit.
    pub fn request(&self, seq: i32, bytes: &[u8]) -> bool {
        let Ok(len) = u32::try_from(bytes.len()) else {
            return false;
        };
        if len > self.capacity {
            return false;
        }
        self.request_area(len).copy_from(bytes);
        store(&self.cells, REQ_LEN, len as i32);
        store(&self.cells, REQ_KIND, REQ_BYTES);
        self.post(seq);
        true
    }

    /// Tells the node that the channel moves to a buffer that comes by message.
    pub fn moved(&self, seq: i32) {
        store(&self.cells, REQ_KIND, REQ_MOVED);
        self.post(seq);
    }

    fn post(&self, seq: i32) {
        store(&self.cells, REQ_SEQ, seq);
        notify(&self.cells, REQ_SEQ);
    }

    /// Marks request `seq` as written before the node holds the buffer (a reply the node kept for it).
    pub fn expect(&self, seq: i32) {
        store(&self.cells, REQ_SEQ, seq);
    }

    /// Waits up to `timeout_ms` for the answer to request `seq`, spinning briefly first: most answers take
    /// microseconds, and a sleep and wake-up costs more than that.
    pub fn reply(&self, seq: i32, spin: u32, timeout_ms: f64) -> Reply {
        let mut spins = 0;
        let deadline = js_sys::Date::now() + timeout_ms;
        loop {
            let answered = load(&self.cells, REPLY_SEQ);
            if answered == seq {
                break;
            }
            if spins < spin {
                spins += 1;
                continue;
            }
            let left = deadline - js_sys::Date::now();
            if left <= 0.0 {
                return Reply::Silent;
            }
            let _ = Atomics::wait_with_timeout(&self.cells, REPLY_SEQ, answered, left);
        }
        let len = load(&self.cells, REPLY_LEN).max(0) as u32;
        match load(&self.cells, REPLY_KIND) {
            REPLY_NONE => Reply::None,
            REPLY_TOO_BIG => Reply::TooBig(len),
            kind => {
                let bytes = self.reply_area(len.min(self.capacity)).to_vec();
                if kind == REPLY_PANIC {
                    Reply::Panic(String::from_utf8_lossy(&bytes).into_owned())
                } else {
                    Reply::Bytes(bytes)
                }
            }
        }
    }

    // ----- the node's end -----

    /// Waits for the request after `last` (spinning briefly first). `None` when the channel moved.
    pub fn next_request(&self, last: i32, spin: u32) -> Option<(i32, Vec<u8>)> {
        let mut spins = 0;
        loop {
            let seq = load(&self.cells, REQ_SEQ);
            if seq != last {
                if load(&self.cells, REQ_KIND) == REQ_MOVED {
                    return None;
                }
                let len = (load(&self.cells, REQ_LEN).max(0) as u32).min(self.capacity);
                return Some((seq, self.request_area(len).to_vec()));
            }
            if spins < spin {
                spins += 1;
                continue;
            }
            let _ = Atomics::wait(&self.cells, REQ_SEQ, last);
        }
    }

    /// Answers request `seq`. `false` when the reply does not fit (the node keeps it for a bigger buffer).
    pub fn answer(&self, seq: i32, reply: Option<&[u8]>) -> bool {
        let fits = match reply {
            None => {
                store(&self.cells, REPLY_KIND, REPLY_NONE);
                true
            }
            Some(bytes) => match u32::try_from(bytes.len()) {
                Ok(len) if len <= self.capacity => {
                    self.reply_area(len).copy_from(bytes);
                    store(&self.cells, REPLY_LEN, len as i32);
                    store(&self.cells, REPLY_KIND, REPLY_BYTES);
                    true
                }
                _ => {
                    store(
                        &self.cells,
                        REPLY_LEN,
                        bytes.len().min(i32::MAX as usize) as i32,
                    );
                    store(&self.cells, REPLY_KIND, REPLY_TOO_BIG);
                    false
                }
            },
        };
        self.done(seq);
        fits
    }

    /// Reports a panic as the answer to request `seq`.
    pub fn panicked(&self, seq: i32, text: &str) {
        let bytes = text.as_bytes();
        let len = (bytes.len() as u32).min(self.capacity);
        self.reply_area(len).copy_from(&bytes[..len as usize]);
        store(&self.cells, REPLY_LEN, len as i32);
        store(&self.cells, REPLY_KIND, REPLY_PANIC);
        self.done(seq);
    }

    fn done(&self, seq: i32) {
        store(&self.cells, REPLY_SEQ, seq);
        notify(&self.cells, REPLY_SEQ);
    }
}

//! The binary codec on every worker boundary: compact (bincode), and a malformed message is an error
//! that says what was expected, never a panic.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Largest message accepted, so a corrupt length prefix cannot ask for gigabytes.
pub const MAX_MESSAGE_BYTES: usize = 64 << 20;

/// The most an encoding buffer keeps between messages.
const MAX_KEPT_SCRATCH: usize = 1 << 20;

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<MAX_MESSAGE_BYTES>()
}

/// A message that could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodecError {
    /// What was expected ("a UI command").
    pub what: &'static str,
    pub reason: String,
}

impl std::fmt::Display for CodecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "malformed message: expected {}: {}",
            self.what, self.reason
        )
    }
}

impl std::error::Error for CodecError {}

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Encoding into a growing vector reallocates it at every doubling, for every message: encode into
    // one buffer kept for the thread instead (it grows once to the largest message) and copy out the
    // result, one allocation of the exact size.
    thread_local! {
        static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    SCRATCH.with(|scratch| {
        let Ok(mut scratch) = scratch.try_borrow_mut() else {
            // Only a value whose serialization encodes another value lands here.
            return bincode::serde::encode_to_vec(value, config()).unwrap_or_default();
        };
        scratch.clear();
        // Serializing plain data into a vector cannot fail (no maps with non-string keys matter here).
        let bytes = match bincode::serde::encode_into_std_write(value, &mut *scratch, config()) {
            Ok(_) => scratch.to_vec(),
            Err(_) => Vec::new(),
        };
        // An engine's whole state can be large; do not keep that much for the small messages after it.
        if scratch.capacity() > MAX_KEPT_SCRATCH {
            *scratch = Vec::new();
        }
        bytes
    })
}

/// Decodes a whole message: trailing bytes are an error too.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], what: &'static str) -> Result<T, CodecError> {
    match bincode::serde::decode_from_slice::<T, _>(bytes, config()) {
        Ok((value, used)) if used == bytes.len() => Ok(value),
        Ok((_, used)) => Err(CodecError {
            what,
            reason: format!("{} bytes left over after {used}", bytes.len() - used),
        }),
        Err(e) => Err(CodecError {
            what,
            reason: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UiCommand;

    #[test]
    fn round_trip_and_malformed_input() {
        let cmd = UiCommand::Client {
            node: 3,
            words: "propose x=1".into(),
        };
        let bytes = encode(&cmd);
        assert_eq!(decode::<UiCommand>(&bytes, "a UI command").unwrap(), cmd);
        for bad in [&b""[..], &[0xff; 9][..], &bytes[..bytes.len() - 1]] {
            let e = decode::<UiCommand>(bad, "a UI command").unwrap_err();
            assert!(
                e.to_string()
                    .starts_with("malformed message: expected a UI command"),
                "{e}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode::<UiCommand>(&longer, "a UI command").is_err());
        // A length prefix claiming far more than is there fails instead of allocating.
        let mut huge = encode(&UiCommand::ImportTrace("x".into()));
        huge.truncate(huge.len() - 2);
        huge.extend([0xfc, 0xff, 0xff, 0xff, 0x7f]);
        assert!(decode::<UiCommand>(&huge, "a UI command").is_err());
    }

    #[test]
    fn nested_messages_are_their_bytes() {
        use crate::host::{FromNode, ToNode};
        let inner: Vec<u8> = (0..=255).collect();
        let call = ToNode::Call(inner.clone());
        let bytes = encode(&call);
        // The variant, the length (a varint of 3 bytes for 256) and the bytes as they are: the same
        // form as a sequence of numbers, but written and read as one slice.
        assert_eq!(bytes.len(), 1 + 3 + inner.len());
        assert!(bytes.ends_with(&inner));
        assert_eq!(decode::<ToNode>(&bytes, "a call").unwrap(), call);
        let answer = FromNode::Answer(inner.clone());
        assert_eq!(
            decode::<FromNode>(&encode(&answer), "an answer").unwrap(),
            answer
        );
        assert!(decode::<ToNode>(&bytes[..bytes.len() - 1], "a call").is_err());
        // A length claiming more than the message limit fails instead of allocating.
        let mut huge = bytes[..1].to_vec();
        huge.extend([0xfc, 0xff, 0xff, 0xff, 0x7f]);
        assert!(decode::<ToNode>(&huge, "a call").is_err());
        // The buffer kept between messages does not leak one message into the next.
        let big = ToNode::Load(vec![7; 2 * MAX_KEPT_SCRATCH]);
        assert_eq!(decode::<ToNode>(&encode(&big), "a load").unwrap(), big);
        assert_eq!(encode(&call), bytes);
    }
}

//! The binary codec on every worker boundary: compact (bincode), and a malformed message is an error
//! that says what was expected, never a panic.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Largest message accepted, so a corrupt length prefix cannot ask for gigabytes.
pub const MAX_MESSAGE_BYTES: usize = 64 << 20;

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
    // Serializing plain data into a vector cannot fail (no maps with non-string keys matter here).
    bincode::serde::encode_to_vec(value, config()).unwrap_or_default()
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
}

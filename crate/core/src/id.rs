use std::fmt;

use serde::{Deserialize, Serialize};

/// A virtual node's identity. Shown as `n1`, `n2`, ... in traces and in the UI.
///
/// Zero is a valid id in the type but the simulator numbers nodes from 1, as etcd does (0 means "none" there).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub u32);

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}

impl NodeId {
    /// Parses the `n<number>` form used in traces and scenario files.
    pub fn parse(text: &str) -> Option<NodeId> {
        let digits = text.strip_prefix('n')?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok().map(NodeId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_only_the_trace_form() {
        assert_eq!(NodeId::parse("n12"), Some(NodeId(12)));
        assert_eq!(NodeId::parse("12"), None);
        assert_eq!(NodeId::parse("n"), None);
        assert_eq!(NodeId::parse("n-1"), None);
        assert_eq!(NodeId::parse("n99999999999"), None);
        assert_eq!(NodeId(3).to_string(), "n3");
    }
}

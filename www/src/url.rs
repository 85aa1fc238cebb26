//! The run in the URL fragment (the format lives in `quorate_view::link`, shared with the CLI), and
//! fresh seeds.

pub use quorate_view::link::{fragment, moment, parse_fragment, Wanted, MAX_NODES};

/// A fresh seed from the browser's crypto. Shown in the page and written into the URL.
pub fn fresh_seed() -> u64 {
    // 53 bits, so the seed survives a round trip through JavaScript numbers in tooling around the URL.
    getrandom::u64().map(|s| s >> 11).unwrap_or(1)
}

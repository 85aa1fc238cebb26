//! Quorate's wasm entry points.
//!
//! The orchestrator worker owns the world (DESIGN.md, "Hosting in the browser"): it is the only thing that
//! orders events. The UI sends it commands and gets frames back; with a worker per node it also spawns,
//! calls and terminates one node worker per node. [`session`] holds the logic (pure, tested natively),
//! [`node`] what a node worker runs; `glue` wires both to real workers in the browser.

pub mod lab;
pub mod node;
pub mod present;
pub mod session;

#[cfg(target_arch = "wasm32")]
pub mod channel;
#[cfg(target_arch = "wasm32")]
pub mod glue;

pub use session::{Out, Session};

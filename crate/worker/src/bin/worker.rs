//! The Raft orchestrator (built by Trunk as `worker.js` + `worker_bg.wasm`, with the `raft` feature;
//! `session::route` tells which build hosts the other engines), or a node worker when spawned under
//! that name.

#[cfg(target_arch = "wasm32")]
fn main() {
    quorate_worker::glue::run();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the worker runs in a browser; build it with trunk");
}

//! The Consul and etcd orchestrator (built by Trunk as `systems.js` + `systems_bg.wasm`, with the
//! `systems` feature; it also hosts the KV store and the demo engine): the page talks to it for such a
//! run, or another orchestrator relays that run to it (see `session::route`). It spawns that run's
//! node workers from its own script.

#[cfg(target_arch = "wasm32")]
fn main() {
    quorate_worker::glue::run();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the systems orchestrator runs in a browser; build it with trunk");
}

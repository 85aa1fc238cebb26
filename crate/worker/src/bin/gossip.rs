//! The gossip orchestrator (built by Trunk as `gossip.js` + `gossip_bg.wasm`, with the `gossip`
//! feature): the page talks to it for a gossip run, or another orchestrator relays that run to it
//! (see `session::route`). It spawns that run's node workers from its own script.

#[cfg(target_arch = "wasm32")]
fn main() {
    quorate_worker::glue::run();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the gossip orchestrator runs in a browser; build it with trunk");
}

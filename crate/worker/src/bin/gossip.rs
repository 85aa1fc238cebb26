//! The gossip orchestrator (built by Trunk as `gossip.js` + `gossip_bg.wasm`, with the `gossip`
//! feature): the page talks to it for a gossip run, or another orchestrator relays that run to it
//! (see `session::route`). It spawns that run's node workers from its own script.

#[cfg(target_arch = "wasm32")]
fn main() {
    use yew_agent::Registrable;
    if quorate_worker::glue::is_node_worker() {
        quorate_worker::glue::run_node_worker();
    } else {
        quorate_worker::glue::Orchestrator::registrar().register();
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the gossip orchestrator runs in a browser; build it with trunk");
}

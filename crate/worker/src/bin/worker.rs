//! The orchestrator worker's entry point (built by Trunk as `worker.js` + `worker_bg.wasm`).

#[cfg(target_arch = "wasm32")]
fn main() {
    use yew_agent::Registrable;
    quorate_worker::Orchestrator::registrar().register();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the worker runs in a browser; build it with trunk");
}

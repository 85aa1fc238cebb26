//! The lab worker (built by Trunk as `lab.js` + `lab_bg.wasm`, with no run of its own): the lab page
//! spawns a pool of them, and each answers jobs (crate/worker/src/lab.rs) until it is ended.

#[cfg(target_arch = "wasm32")]
fn main() {
    quorate_worker::glue::run_lab_worker();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the lab worker runs in a browser; build it with trunk");
}

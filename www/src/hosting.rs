//! How the header names where the engines run: the hosting menu's entries, the count of node workers,
//! and whether they answer over shared memory or by message.

use quorate_view::{Frame, Hosting, WorkerState};

pub(crate) fn hosting_title(hosting: Hosting) -> &'static str {
    match hosting {
        Hosting::Auto => "auto",
        Hosting::PerNode => "a worker each",
        Hosting::Inline => "the orchestrator",
    }
}

pub(crate) fn workers_text(frame: &Frame) -> String {
    if !frame.hosting.per_node {
        return "inline".to_string();
    }
    let running = frame.hosting.workers.iter().filter(|w| w.running()).count();
    let crashed = frame
        .hosting
        .workers
        .iter()
        .filter(|w| matches!(w.state, WorkerState::Crashed(_)))
        .count();
    if crashed > 0 {
        format!("{running} workers · {crashed} crashed")
    } else {
        format!("{running} workers")
    }
}

/// Whether the page is cross-origin isolated: then node workers answer the orchestrator over shared memory.
pub(crate) fn shared_memory() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &"crossOriginIsolated".into())
        .is_ok_and(|v| v.is_truthy())
}

pub(crate) fn channel_name() -> &'static str {
    if shared_memory() {
        "shared memory"
    } else {
        "messages"
    }
}

pub(crate) fn channel_title() -> &'static str {
    if shared_memory() {
        "With a worker per node, each node worker answers the orchestrator over shared memory"
    } else {
        "With a worker per node, each node worker answers the orchestrator by message; served cross-origin \
         isolated, they would share memory and run several times faster (where the host does not send the \
         headers, the page's service worker adds them from the next load on)"
    }
}

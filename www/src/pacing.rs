//! The animation loop shared by the playground and the embedded player: while playing, one `Advance` per
//! display frame, each sent after the previous frame came back. Paused or hidden, nothing runs.
//!
//! As fast as possible, the next `Advance` goes as soon as the frame is drawn if a display frame has
//! passed since the last one: waiting for the next animation frame would leave the orchestrator idle
//! for up to a display frame after every batch. It goes at once only while animation frames come (one
//! came in the last `ALIVE_MS`), so a hidden tab or an iframe out of view stops as it does at any speed.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::render::{request_animation_frame, AnimationFrame};
use quorate_view::UiCommand;
use yew::prelude::*;

/// A display frame at 60 Hz, in ms: no two `Advance`s go closer together than this.
const DISPLAY_FRAME_MS: f64 = 1_000.0 / 60.0;

/// How recent the last animation frame must be for an `Advance` to go without waiting for the next.
const ALIVE_MS: f64 = 100.0;

/// Paces a run: `frames` counts the frames received (the loop asks for the next after each);
/// `flat_out` is true when the run goes as fast as possible.
#[hook]
pub fn use_pacing(frames: u64, playing: bool, flat_out: bool, send: Callback<UiCommand>) {
    let handle = use_mut_ref(|| None::<AnimationFrame>);
    // The last `Advance`, and the last animation frame seen (both on the page's clock).
    let last = use_mut_ref(|| None::<f64>);
    let seen = use_mut_ref(|| None::<f64>);
    use_effect_with((frames, playing), move |(_, playing)| {
        if !*playing {
            handle.borrow_mut().take();
            last.borrow_mut().take();
            return;
        }
        let now = gloo::utils::window().performance().map_or(0.0, |p| p.now());
        let due = (*last.borrow()).is_some_and(|before| now - before >= DISPLAY_FRAME_MS);
        let alive = (*seen.borrow()).is_some_and(|frame| now - frame < ALIVE_MS);
        if flat_out && due && alive {
            last.borrow_mut().replace(now);
            send.emit(UiCommand::Advance { wall_ms: 0.0 });
            // Only to learn that animation frames still come.
            *handle.borrow_mut() = Some(watch(seen));
            return;
        }
        *handle.borrow_mut() = Some(request_animation_frame(move |now| {
            seen.borrow_mut().replace(now);
            let wall_ms = last
                .borrow_mut()
                .replace(now)
                .map_or(0.0, |before| now - before);
            send.emit(UiCommand::Advance { wall_ms });
        }));
    });
}

/// Notes the time of the next animation frame in `seen`.
fn watch(seen: Rc<RefCell<Option<f64>>>) -> AnimationFrame {
    request_animation_frame(move |now| {
        seen.borrow_mut().replace(now);
    })
}

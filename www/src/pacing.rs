//! The animation loop shared by the playground and the embedded player: while playing, one `Advance` per
//! display frame, each sent after the previous frame came back. Paused or hidden, nothing runs.

use gloo::render::{request_animation_frame, AnimationFrame};
use quorate_view::UiCommand;
use yew::prelude::*;

/// Paces a run: `frames` counts the frames received (the loop asks for the next after each).
#[hook]
pub fn use_pacing(frames: u64, playing: bool, send: Callback<UiCommand>) {
    let handle = use_mut_ref(|| None::<AnimationFrame>);
    let last = use_mut_ref(|| None::<f64>);
    use_effect_with((frames, playing), move |(_, playing)| {
        if *playing {
            let last = last.clone();
            *handle.borrow_mut() = Some(request_animation_frame(move |now| {
                let wall_ms = last
                    .borrow_mut()
                    .replace(now)
                    .map_or(0.0, |before| now - before);
                send.emit(UiCommand::Advance { wall_ms });
            }));
        } else {
            handle.borrow_mut().take();
            last.borrow_mut().take();
        }
    });
}

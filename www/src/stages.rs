//! Drawing a page in parts as it starts: the first screen in one task, the rest in later ones, each
//! after the browser has painted the one before. A page that builds its whole DOM at its first frame
//! keeps the main thread for one long task (script, then style and layout of every panel); in parts,
//! no task is long, and the first screen is on the glass sooner.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Runs `then` once what is on screen now has been painted: in a task queued from the next
/// animation frame (which comes just before that paint), or after 300 ms where animation frames do
/// not come (a hidden tab, an iframe out of view), whichever is first.
pub fn after_paint(then: impl FnOnce() + 'static) {
    let once = Rc::new(RefCell::new(Some(then)));
    let run = move || {
        if let Some(then) = once.borrow_mut().take() {
            then();
        }
    };
    let window = gloo::utils::window();
    let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
        Closure::once_into_js(run.clone()).unchecked_ref(),
        300,
    );
    let after = Closure::once_into_js(run);
    let frame = Closure::once_into_js(move |_: f64| {
        let _ = gloo::utils::window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(after.unchecked_ref(), 0);
    });
    let _ = window.request_animation_frame(frame.unchecked_ref());
}

/// How many parts of the page to draw: 0 until `started`, then one more after each paint, up to
/// `parts`. Stays at `parts` from then on (a new run does not start over).
#[hook]
pub fn use_parts(started: bool, parts: u8) -> u8 {
    let shown = use_state(|| 0u8);
    {
        let shown = shown.clone();
        use_effect_with((started, *shown), move |&(started, now)| {
            if started && now < parts {
                after_paint(move || shown.set(now + 1));
            }
        });
    }
    *shown
}

//! The timeline under the stage: a scrubber over the branch's simulated time (drag back to see the
//! past; play replays it, any command forks), and the branches to switch between.

use quorate_view::Frame;
use yew::prelude::*;

pub(crate) fn timeline(
    frame: &Frame,
    on_seek: Callback<InputEvent>,
    on_branch: Callback<usize>,
) -> Html {
    let t = &frame.timeline;
    let head_us = t
        .branches
        .get(t.branch)
        .map_or(frame.time_us, |b| b.head_us);
    html! {
        <section class="timeline" aria-label="Timeline">
            <input type="range" min="0" max={(head_us / 1000).to_string()} step="1"
                value={(frame.time_us as f64 / 1000.0).to_string()}
                aria-label="simulated time: drag back to see the past" oninput={on_seek} data-testid="scrubber" />
            <span class="where" data-testid="timeline-state">
                { if t.at_head { "live".to_string() } else {
                    format!("the past ({:.1} s of {:.1} s): play to replay, act to fork", frame.time_us as f64 / 1e6, head_us as f64 / 1e6)
                } }
            </span>
            if t.branches.len() > 1 {
                <span class="branches" role="group" aria-label="branches">
                    { for t.branches.iter().enumerate().map(|(i, b)| {
                        let label = match b.parent {
                            None => "the first run".to_string(),
                            Some((p, _, us)) => format!("fork of {} at {:.1} s", branch_name(p), us as f64 / 1e6),
                        };
                        html! {
                            <button aria-pressed={(i == t.branch).to_string()} onclick={on_branch.reform(move |_| i)}
                                aria-label={format!("branch {}: {label}", branch_name(i))}>
                                { format!("{} · {label}", branch_name(i)) }
                            </button>
                        }
                    }) }
                </span>
            }
        </section>
    }
}

fn branch_name(index: usize) -> String {
    if index == 0 {
        "main".to_string()
    } else {
        format!("b{index}")
    }
}

//! The event log panel: the newest trace lines, filtered by the words typed above them. Its filter is
//! its own, so typing draws this panel alone again.

use std::collections::VecDeque;
use std::rc::Rc;

use yew::prelude::*;

use crate::help::log_matches;

#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    /// The lines the page keeps, oldest first; a new list only at the log's pace (see `throttle`).
    pub lines: Rc<VecDeque<Rc<str>>>,
}

#[component]
pub fn EventLog(props: &EventLogProps) -> Html {
    let filter = use_state(String::new);
    let text = use_memo(
        (props.lines.clone(), (*filter).clone()),
        |(lines, filter)| log_text(lines, filter),
    );
    let on_filter = {
        let filter = filter.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            filter.set(input.value());
        })
    };
    html! {
        <section class="log" aria-label="Event log">
            <h2>{ "Event log" }
                <input type="search" class="filter" placeholder="filter: n3 MsgVote drop…" aria-label="filter the event log"
                    title="Show only the lines that contain every word typed here"
                    value={(*filter).clone()} oninput={on_filter} />
            </h2>
            <pre data-testid="log" tabindex="0">{ (*text).clone() }</pre>
        </section>
    }
}

/// The newest 60 lines that match the filter, newest first, as one text: one text node to update per
/// frame instead of sixty that each shift down a line.
fn log_text(log: &VecDeque<Rc<str>>, filter: &str) -> String {
    let mut text = String::new();
    for line in log.iter().rev().filter(|l| log_matches(l, filter)).take(60) {
        text.push_str(line);
        text.push('\n');
    }
    text
}

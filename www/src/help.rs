//! The keyboard shortcuts and their help overlay, the theme switch, and the event log's filter.

use yew::prelude::*;

/// Every shortcut the page answers, as (keys, what it does). The overlay lists exactly these.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Space", "play or pause"),
    ("→", "step one event"),
    ("k", "kill the selected node"),
    ("r", "restart the selected node"),
    ("p", "pause or resume the selected node"),
    ("h", "heal the network"),
    ("l", "run until the next leader"),
    ("c", "run until the next commit"),
    ("m", "run until the next membership change"),
    ("t", "switch between dark and light"),
    ("?", "show or hide this help"),
    ("Esc", "close this help"),
];

#[derive(Properties, PartialEq)]
pub struct HelpProps {
    pub on_close: Callback<()>,
}

#[component]
pub fn Help(props: &HelpProps) -> Html {
    let close = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="help-title" data-testid="help">
            <div class="sheet">
                <h2 id="help-title">{ "Keyboard shortcuts" }</h2>
                <dl>
                    { for SHORTCUTS.iter().map(|(keys, what)| html! {
                        <><dt><kbd>{ *keys }</kbd></dt><dd>{ *what }</dd></>
                    }) }
                </dl>
                <p class="hint">{ "Click a node (or its cell in a grid) to select it. Every control has a tooltip." }</p>
                <button onclick={close} aria-label="close the help">{ "Close" }</button>
            </div>
        </div>
    }
}

/// The theme in effect: the reader's choice, else the system's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Dark,
    Light,
}

const THEME_KEY: &str = "quorate-theme";

impl Theme {
    pub fn other(self) -> Theme {
        match self {
            Theme::Dark => Theme::Light,
            Theme::Light => Theme::Dark,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Theme::Dark => "dark",
            Theme::Light => "light",
        }
    }

    /// The stored choice, else the system preference.
    pub fn load() -> Theme {
        let window = gloo::utils::window();
        let stored = window
            .local_storage()
            .ok()
            .flatten()
            .and_then(|s| s.get_item(THEME_KEY).ok().flatten());
        match stored.as_deref() {
            Some("light") => Theme::Light,
            Some("dark") => Theme::Dark,
            _ => {
                if media_matches("(prefers-color-scheme: light)") {
                    Theme::Light
                } else {
                    Theme::Dark
                }
            }
        }
    }

    /// Applies the theme to the document and remembers it.
    pub fn apply(self, remember: bool) {
        if let Some(root) = gloo::utils::document().document_element() {
            let _ = root.set_attribute("data-theme", self.name());
        }
        if remember {
            if let Ok(Some(storage)) = gloo::utils::window().local_storage() {
                let _ = storage.set_item(THEME_KEY, self.name());
            }
        }
    }
}

/// Whether the window matches a CSS media query (`(max-width: 760px)`); false where it cannot tell.
pub fn media_matches(query: &str) -> bool {
    gloo::utils::window()
        .match_media(query)
        .ok()
        .flatten()
        .is_some_and(|m| m.matches())
}

/// Whether a trace line passes the log filter: every word of the filter must appear (case-insensitive).
pub fn log_matches(line: &str, filter: &str) -> bool {
    let line = line.to_ascii_lowercase();
    filter
        .split_whitespace()
        .all(|word| line.contains(&word.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_needs_every_word() {
        let line = "0.235787 #23 n3->n5 send MsgApp term=1";
        assert!(log_matches(line, ""));
        assert!(log_matches(line, "msgapp n3"));
        assert!(!log_matches(line, "msgapp n4"));
    }

    #[test]
    fn every_shortcut_is_named_once() {
        let mut keys: Vec<_> = SHORTCUTS.iter().map(|(k, _)| *k).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), SHORTCUTS.len());
    }
}

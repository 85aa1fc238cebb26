//! The lesson player: a picker over the site's lessons, and a panel with the narration of the page
//! the reader is on, back, next, a jump to any step, and highlights of what the step points at.
//!
//! The page never parses a lesson: it fetches the text and hands it to the orchestrator
//! (`UiCommand::LoadLesson`), which sends the lesson back with every frame (`Frame::lesson`).

use quorate_view::lesson::{
    check_lesson_name, known_lesson, lesson_link, lesson_name, parse_lesson_link, LessonLink,
    LESSONS,
};
use quorate_view::LessonView;
use yew::prelude::*;

/// Where the lessons are, relative to the page.
const INDEX: &str = "lessons/index.txt";

/// Fetches a text file next to the page.
pub async fn fetch_text(path: &str) -> Result<String, String> {
    let response = gloo::net::http::Request::get(path)
        .send()
        .await
        .map_err(|e| format!("could not fetch {path}: {e}"))?;
    if !response.ok() {
        return Err(format!(
            "could not fetch {path}: {} {}",
            response.status(),
            response.status_text()
        ));
    }
    response
        .text()
        .await
        .map_err(|e| format!("could not read {path}: {e}"))
}

/// The lesson files in their order, from `lessons/index.txt`.
pub async fn lesson_files() -> Result<Vec<String>, String> {
    let index = fetch_text(INDEX).await?;
    Ok(index
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        // Only plain file names: the index is ours, but a name is all it may give.
        .filter(|l| check_lesson_name(lesson_name(l)).is_ok() && l.ends_with(".lesson"))
        .map(str::to_string)
        .collect())
}

/// Fetches the lesson a URL or a message names (`election`), checking the name first.
pub async fn lesson_text(name: &str) -> Result<(String, String), String> {
    let name = check_lesson_name(name)?;
    // The site's own lessons are in the page's table: no wait for the index.
    let file = match known_lesson(name) {
        Some((file, _)) => file.to_string(),
        None => lesson_files()
            .await?
            .into_iter()
            .find(|f| lesson_name(f) == name)
            .ok_or_else(|| format!("there is no lesson called `{name}`"))?,
    };
    let text = fetch_text(&format!("lessons/{file}")).await?;
    Ok((name.to_string(), text))
}

/// The lesson a URL fragment names (`#lesson=election`), if it names one.
pub fn lesson_in_fragment(fragment: &str) -> Option<String> {
    fragment
        .trim_start_matches('#')
        .split('&')
        .find_map(|pair| pair.strip_prefix("lesson="))
        .map(str::to_string)
}

/// The lesson (and page) the page's address names: `#lesson=<name>[&step=<k>]`.
pub fn link_in_address() -> Result<Option<LessonLink>, String> {
    let hash = gloo::utils::window().location().hash().unwrap_or_default();
    parse_lesson_link(&hash)
}

/// Puts the link to a page of the named lesson in the address bar (without a history entry).
pub fn show_page_in_address(name: &str, page: usize) {
    if let Ok(history) = gloo::utils::window().history() {
        let link = lesson_link(name, page);
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&link));
    }
}

/// Fetches the named lesson and hands its name and text on, or the reason it could not.
pub fn load_named(name: String, on_text: Callback<(String, String)>, on_error: Callback<String>) {
    yew::platform::spawn_local(async move {
        match lesson_text(&name).await {
            Ok(found) => on_text.emit(found),
            Err(e) => on_error.emit(e),
        }
    });
}

/// A lesson's title in the picker: "4 · leader crash" for `04-leader-crash.lesson`.
fn label(file: &str) -> String {
    let number = file
        .split('-')
        .next()
        .and_then(|n| n.parse::<u32>().ok())
        .map_or(String::new(), |n| format!("{n} · "));
    format!("{number}{}", lesson_name(file).replace('-', " "))
}

#[derive(Properties, PartialEq)]
pub struct PickerProps {
    /// A lesson was chosen and fetched: its name and text.
    pub on_load: Callback<(String, String)>,
    pub on_error: Callback<String>,
    /// The lesson the page's URL named when it opened (`#lesson=…`): loaded at once.
    #[prop_or_default]
    pub initial: Option<String>,
    /// Whether a lesson is playing (else the menu shows its placeholder).
    #[prop_or_default]
    pub playing: bool,
}

/// A menu of the site's lessons (`quorate_view::lesson::LESSONS`, which a test holds to
/// `lessons/index.txt`); the lesson in the URL (`#lesson=…`) loads at once.
#[component]
pub fn LessonPicker(props: &PickerProps) -> Html {
    let chosen = use_state(|| props.initial.clone());
    {
        let on_load = props.on_load.clone();
        let on_error = props.on_error.clone();
        let initial = props.initial.clone();
        use_effect_with((), move |_| {
            if let Some(name) = initial {
                load_named(name, on_load, on_error);
            }
        });
    }
    let onchange = {
        let on_load = props.on_load.clone();
        let on_error = props.on_error.clone();
        let chosen = chosen.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            let name = select.value();
            if !name.is_empty() {
                chosen.set(Some(name.clone()));
                load_named(name, on_load.clone(), on_error.clone());
            }
        })
    };
    let current = if props.playing {
        (*chosen).clone()
    } else {
        None
    };
    html! {
        <label class="lesson-picker">
            <span class="visually-hidden">{ "lesson" }</span>
            <select aria-label="lesson" {onchange} data-testid="lesson-picker">
                <option value="" selected={current.is_none()}>{ "Lessons…" }</option>
                { for LESSONS.iter().map(|&(f, _)| {
                    let name = lesson_name(f).to_string();
                    let selected = current.as_deref() == Some(name.as_str());
                    html! { <option value={name} {selected}>{ label(f) }</option> }
                }) }
            </select>
        </label>
    }
}

#[derive(Properties, PartialEq)]
pub struct PanelProps {
    pub lesson: LessonView,
    /// Go to a page (see `LessonView::page`).
    pub on_page: Callback<usize>,
    /// The embed's player: no list of steps.
    #[prop_or_default]
    pub compact: bool,
}

/// Where the reader is, in words.
pub fn page_title(lesson: &LessonView) -> String {
    match lesson.step() {
        Some(step) => format!(
            "Step {} of {}: {}",
            lesson.page,
            lesson.steps.len(),
            step.title
        ),
        None if lesson.trying() => "Try it yourself".to_string(),
        None => "Introduction".to_string(),
    }
}

/// The narration, back and next, the steps to jump to, and the highlights of the current step.
#[component]
pub fn LessonPanel(props: &PanelProps) -> Html {
    let lesson = &props.lesson;
    let page = lesson.page;
    let last = lesson.last_page();
    let paragraphs: Vec<String> = match lesson.step() {
        Some(step) => step.say.clone(),
        None if lesson.trying() => lesson.try_it.clone(),
        None => lesson.intro.clone(),
    };
    let looks = lesson.step().map(|s| s.look.join(", ")).unwrap_or_default();
    let go = |to: usize| props.on_page.reform(move |_: MouseEvent| to);
    html! {
        <section class={classes!("lesson", props.compact.then_some("compact"))} aria-label="Lesson" data-testid="lesson">
            <style>{ highlight_css(lesson) }</style>
            <h2>{ &lesson.title }</h2>
            <p class="lesson-where" data-testid="lesson-page">{ page_title(lesson) }</p>
            <div class="lesson-say" aria-live="polite">
                { for paragraphs.iter().map(|p| html! { <p>{ p }</p> }) }
                if lesson.trying() {
                    <p class="lesson-hint">{ "The controls are yours: the run goes on from the end of the last step." }</p>
                }
            </div>
            if !looks.is_empty() {
                <p class="lesson-look">{ "Look at: " }<strong data-testid="lesson-look">{ looks }</strong></p>
            }
            <nav class="lesson-nav" aria-label="lesson steps">
                <button onclick={go(page.saturating_sub(1))} disabled={page == 0} aria-label="previous step">{ "‹ Back" }</button>
                <button onclick={go((page + 1).min(last))} disabled={page >= last} aria-label="next step">
                    { if page + 1 == last { "Try it yourself ›" } else { "Next ›" } }
                </button>
                if props.compact {
                    <span class="lesson-count">{ format!("{page} / {last}") }</span>
                }
            </nav>
            if !props.compact {
                <ol class="lesson-steps">
                    <li><button onclick={go(0)} aria-current={(page == 0).then_some("step")}>{ "Introduction" }</button></li>
                    { for lesson.steps.iter().enumerate().map(|(i, s)| html! {
                        <li><button onclick={go(i + 1)} aria-current={(page == i + 1).then_some("step")}
                            aria-label={format!("jump to step {}: {}", i + 1, s.title)}>{ &s.title }</button></li>
                    }) }
                    <li><button onclick={go(last)} aria-current={(page == last).then_some("step")}>{ "Try it yourself" }</button></li>
                </ol>
            }
        </section>
    }
}

/// CSS that outlines what the current step points at. Only node numbers and fixed names go in.
pub fn highlight_css(lesson: &LessonView) -> String {
    let mut css = String::new();
    for id in lesson.looked_nodes() {
        css += &format!(
            ".ring .node[data-node=\"{id}\"] > circle:first-of-type {{ stroke: var(--look); stroke-width: 7px; }}\n\
             .node-card[data-node=\"{id}\"] {{ outline: 3px solid var(--look); outline-offset: 2px; }}\n"
        );
    }
    let Some(step) = lesson.step() else {
        return css;
    };
    for look in &step.look {
        match look.split_once(':') {
            Some((node, "log")) => {
                if let Some(id) = node.strip_prefix('n').and_then(|n| n.parse::<u32>().ok()) {
                    css += &format!(
                        ".node-card[data-node=\"{id}\"] .log-strip {{ outline: 3px solid var(--look); }}\n"
                    );
                }
            }
            Some(_) => {}
            None => {
                let rule = match look.as_str() {
                    "log" => "section.log, .log-strip { outline: 3px solid var(--look); outline-offset: 2px; }",
                    "events" => "section.log { outline: 3px solid var(--look); outline-offset: 2px; }",
                    "timeline" => {
                        "section.timeline { outline: 3px solid var(--look); outline-offset: 2px; }"
                    }
                    // Messages and countdowns are drawn on the ring's canvas, which outlines
                    // them itself (`ring_layer::Look`).
                    "role" | "term" | "leader" | "votes" | "members" | "health"
                    | "incarnation" => ".ring .node .sub, .node-card .role, .node-card .summary { color: var(--look-text); fill: var(--look-text); font-weight: 700; }",
                    _ => "",
                };
                css += rule;
                css.push('\n');
            }
        }
    }
    css
}

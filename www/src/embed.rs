//! The embeddable player (`embed.html`): the ring, play, pause, step and restart, a lesson's narration,
//! and nothing else, for documentation pages (`static/embed/quorate-embed.js` puts it in an iframe).
//!
//! What it plays comes from the URL fragment (`#lesson=election`, or `#engine=raft&seed=7&nodes=5`)
//! or from the host page's messages; both are data only, checked before use, and a bad one is shown
//! as a message while the player keeps a run going.
//!
//! The host page talks to the player with `postMessage` (docs in README, "Embedding"):
//! `{quorate: "play" | "pause" | "step" | "back" | "restart"}`, `{quorate: "seek", time_ms}`,
//! `{quorate: "lesson-step", step}`, `{quorate: "load", lesson}` or `{quorate: "load", engine, seed,
//! nodes}`. The player answers with `{quorate: "ready"}`, `{quorate: "frame", time_ms, events,
//! digest, playing, page}`, `{quorate: "step", page, title}`, `{quorate: "error", message}` and
//! `{quorate: "height", height}`. Messages are obeyed only from the parent window, and only when it
//! has the player's own origin or the origin the host named with `&origin=` (the loader's
//! `data-allow-origin`); others are ignored.

use std::cell::RefCell;
use std::rc::Rc;

use crate::pacing::use_pacing;
use js_sys::{Object, Reflect};
use quorate_view::codec::{decode, encode};
use quorate_view::lesson::{check_lesson_name, LessonIntro};
use quorate_view::link::parse_fragment;
use quorate_view::{EngineKind, Frame, Hosting, RunSetup, UiCommand};
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use crate::lesson::{lesson_in_fragment, load_named, page_title, LessonPanel};
use crate::link::use_lazy_orchestrator;
use crate::ring::Ring;

/// Whether this page is the embeddable player. Read once, as the page loads.
pub fn is_embed() -> bool {
    static EMBED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *EMBED.get_or_init(|| {
        gloo::utils::window()
            .location()
            .pathname()
            .is_ok_and(|p| p.ends_with("/embed.html") || p == "embed.html")
    })
}

/// Least wall time between two `frame` events to the host while playing.
const FRAME_EVENT_MS: f64 = 250.0;

#[derive(Default, PartialEq)]
struct State {
    frame: Option<Rc<Frame>>,
    frames: u64,
    playing: bool,
    notice: Option<String>,
    /// The lesson's title and introduction, shown while its run starts.
    intro: Option<Rc<LessonIntro>>,
}

enum Action {
    Frame(Box<Frame>),
    SetPlaying(bool),
    Notice(String),
    Intro(Option<LessonIntro>),
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = State {
            frame: self.frame.clone(),
            frames: self.frames,
            playing: self.playing,
            notice: self.notice.clone(),
            intro: self.intro.clone(),
        };
        match action {
            Action::Frame(mut frame) => {
                if let Some(error) = frame.error.take() {
                    next.notice = Some(error);
                }
                frame.log.clear();
                next.frames += 1;
                next.frame = Some(Rc::new(*frame));
            }
            Action::SetPlaying(playing) => next.playing = playing,
            Action::Notice(text) => next.notice = Some(text),
            Action::Intro(intro) => next.intro = intro.map(Rc::new),
        }
        Rc::new(next)
    }
}

/// What the host page asked for.
#[derive(Debug, PartialEq)]
enum HostMessage {
    Play,
    Pause,
    Step,
    Back,
    Restart,
    Seek { time_us: u64 },
    Page(usize),
    LoadLesson(String),
    LoadRun(RunSetup),
}

/// Reads a host message. `Ok(None)`: not meant for the player (no `quorate` field); `Err`: meant for
/// it, but malformed.
fn read_message(data: &JsValue) -> Result<Option<HostMessage>, String> {
    if !data.is_object() {
        return Ok(None);
    }
    let field = |name: &str| Reflect::get(data, &JsValue::from_str(name)).unwrap_or_default();
    let Some(kind) = field("quorate").as_string() else {
        return Ok(None);
    };
    let number = |name: &str, max: f64| {
        field(name)
            .as_f64()
            .filter(|n| n.is_finite() && *n >= 0.0 && *n <= max && n.fract() == 0.0)
            .ok_or_else(|| format!("`{kind}` needs `{name}`, a whole number from 0 to {max}"))
    };
    Ok(Some(match kind.as_str() {
        "play" => HostMessage::Play,
        "pause" => HostMessage::Pause,
        "step" => HostMessage::Step,
        "back" => HostMessage::Back,
        "restart" => HostMessage::Restart,
        "seek" => HostMessage::Seek {
            time_us: (number("time_ms", 1e12)? * 1_000.0) as u64,
        },
        "lesson-step" => HostMessage::Page(number("step", 1_000.0)? as usize),
        "load" => {
            if let Some(name) = field("lesson").as_string() {
                HostMessage::LoadLesson(check_lesson_name(&name)?.to_string())
            } else {
                let engine = field("engine").as_string().unwrap_or_default();
                let engine = EngineKind::parse(&engine).ok_or_else(|| {
                    "`load` needs `lesson`, or `engine` (raft, gossip, demo...)".to_string()
                })?;
                let seed = number("seed", 9_007_199_254_740_991.0)? as u64;
                let nodes = if field("nodes").is_undefined() {
                    engine.default_nodes()
                } else {
                    number("nodes", 64.0)? as u32
                };
                if nodes == 0 {
                    return Err("`load` needs at least one node".to_string());
                }
                HostMessage::LoadRun(RunSetup {
                    engine,
                    seed,
                    nodes,
                    replay: Vec::new(),
                    until: None,
                    hosting: Hosting::Inline,
                    params: Vec::new(),
                })
            }
        }
        other => {
            return Err(format!(
                "unknown request `{}`",
                other.chars().take(40).collect::<String>()
            ))
        }
    }))
}

/// The origin a host page named (`&origin=https%3A%2F%2Fdocs.example.org`), checked to be one.
fn allowed_origin(fragment: &str) -> Option<Result<String, String>> {
    let raw = fragment
        .trim_start_matches('#')
        .split('&')
        .find_map(|pair| pair.strip_prefix("origin="))?;
    let decoded = js_sys::decode_uri_component(raw)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    let ok = decoded.split_once("://").is_some_and(|(scheme, rest)| {
        matches!(scheme, "http" | "https")
            && !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
    });
    Some(if ok {
        Ok(decoded)
    } else {
        Err("the origin in the URL is not an origin (https://host[:port]); host messages stay limited to this site".to_string())
    })
}

/// An object for the host page: `{quorate: kind, ...fields}`.
fn event(kind: &str, fields: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    let _ = Reflect::set(&object, &"quorate".into(), &kind.into());
    for (name, value) in fields {
        let _ = Reflect::set(&object, &(*name).into(), value);
    }
    object.into()
}

/// Where the player's events go: the parent window, at the allowed origin only.
#[derive(Clone)]
struct Host {
    target: Rc<RefCell<String>>,
}

impl Host {
    /// The window embedding the player; `None` when the player is the top page (nobody to tell,
    /// and the player must not hear its own events as requests).
    fn parent() -> Option<web_sys::Window> {
        let window = gloo::utils::window();
        let parent = window.parent().ok().flatten()?;
        (!Object::is(&parent, &window)).then_some(parent)
    }
    fn post(&self, message: JsValue) {
        if let Some(parent) = Self::parent() {
            let _ = parent.post_message(&message, &self.target.borrow());
        }
    }
    /// The height is no secret: any host may size the frame.
    fn post_height(&self, height: i32) {
        if let Some(parent) = Self::parent() {
            let _ = parent.post_message(&event("height", &[("height", height.into())]), "*");
        }
    }
}

fn default_setup() -> RunSetup {
    RunSetup {
        engine: EngineKind::Raft,
        seed: 1,
        nodes: EngineKind::Raft.default_nodes(),
        replay: Vec::new(),
        until: None,
        hosting: Hosting::Inline,
        params: Vec::new(),
    }
}

#[component]
pub fn Embed() -> Html {
    let state = use_reducer(State::default);
    // Spawned after the first command, once the page has painted: a lesson's introduction paints
    // before the orchestrator loads.
    let bridge = {
        let dispatcher = state.dispatcher();
        use_lazy_orchestrator(move |bytes: Vec<u8>| {
            match decode::<Frame>(&bytes, "a frame from the orchestrator") {
                Ok(frame) => dispatcher.dispatch(Action::Frame(Box::new(frame))),
                Err(e) => dispatcher.dispatch(Action::Notice(e.to_string())),
            }
        })
    };
    let send = Callback::from(move |command: UiCommand| bridge.emit(encode(&command)));
    let host = use_mut_ref(String::new);
    let host = Host { target: host };
    // What restart goes back to: the run the URL or the last `load` asked for.
    let setup = use_mut_ref(default_setup);
    // Whether a lesson is on its way: until it comes the player shows nothing, rather than the
    // orchestrator's first run, so the page does not jump when the lesson replaces it.
    let lesson_due = use_mut_ref(|| false);
    // The latest frame and pace, for the message handler.
    let latest = use_mut_ref(|| (None::<Rc<Frame>>, false));
    *latest.borrow_mut() = (state.frame.clone(), state.playing);

    let start_run = {
        let send = send.clone();
        let setup = setup.clone();
        let dispatcher = state.dispatcher();
        let lesson_due = lesson_due.clone();
        Callback::from(move |run: RunSetup| {
            *lesson_due.borrow_mut() = false;
            *setup.borrow_mut() = run.clone();
            dispatcher.dispatch(Action::SetPlaying(true));
            send.emit(UiCommand::Start(run));
        })
    };
    let on_lesson = {
        let send = send.clone();
        let dispatcher = state.dispatcher();
        Callback::from(move |(_, text): (String, String)| {
            dispatcher.dispatch(Action::SetPlaying(false));
            dispatcher.dispatch(Action::Intro(LessonIntro::read(&text)));
            // The introduction first: the orchestrator (spawned after this command, the first, once
            // the page has painted) loads once it is on screen, so its script and wasm do not hold
            // up that paint.
            send.emit(UiCommand::LoadLesson {
                text,
                hosting: Hosting::Inline,
            });
        })
    };
    let on_lesson_error = {
        let dispatcher = state.dispatcher();
        let host = host.clone();
        let lesson_due = lesson_due.clone();
        Callback::from(move |message: String| {
            *lesson_due.borrow_mut() = false;
            host.post(event("error", &[("message", message.as_str().into())]));
            dispatcher.dispatch(Action::Notice(message));
        })
    };

    // Start: the run or lesson the fragment names.
    {
        let start_run = start_run.clone();
        let on_lesson = on_lesson.clone();
        let on_lesson_error = on_lesson_error.clone();
        let dispatcher = state.dispatcher();
        let host = host.clone();
        let lesson_due = lesson_due.clone();
        use_effect_with((), move |_| {
            let window = gloo::utils::window();
            let own = window.location().origin().unwrap_or_default();
            let hash = window.location().hash().unwrap_or_default();
            *host.target.borrow_mut() = match allowed_origin(&hash) {
                Some(Ok(origin)) => origin,
                Some(Err(e)) => {
                    dispatcher.dispatch(Action::Notice(e));
                    own
                }
                None => own,
            };
            if let Some(name) = lesson_in_fragment(&hash) {
                match check_lesson_name(&name) {
                    Ok(_) => {
                        *lesson_due.borrow_mut() = true;
                        load_named(name, on_lesson, on_lesson_error)
                    }
                    Err(e) => {
                        dispatcher.dispatch(Action::Notice(format!(
                            "{e}; playing a plain Raft run instead"
                        )));
                        start_run.emit(default_setup());
                    }
                }
            } else {
                match parse_fragment(&hash) {
                    Ok(wanted) => start_run.emit(RunSetup {
                        engine: wanted.engine,
                        seed: wanted.seed.unwrap_or(1),
                        nodes: wanted.nodes,
                        replay: wanted.replay,
                        until: wanted.until,
                        hosting: if hash.contains("host=") {
                            wanted.hosting
                        } else {
                            Hosting::Inline
                        },
                        params: wanted.params,
                    }),
                    Err(e) => {
                        dispatcher.dispatch(Action::Notice(format!(
                            "{e}; playing a plain Raft run instead"
                        )));
                        start_run.emit(default_setup());
                    }
                }
            }
        });
    }

    // The player's verbs, shared by its buttons and the host's messages.
    let obey = {
        let send = send.clone();
        let dispatcher = state.dispatcher();
        let latest = latest.clone();
        let setup = setup.clone();
        let start_run = start_run.clone();
        let on_lesson = on_lesson.clone();
        let on_lesson_error = on_lesson_error.clone();
        Callback::from(move |message: HostMessage| {
            let (frame, _) = latest.borrow().clone();
            let lesson = frame.as_ref().and_then(|f| f.lesson.as_ref());
            let page = lesson.map(|l| (l.page, l.last_page()));
            let to_page = |page: usize| {
                dispatcher.dispatch(Action::SetPlaying(false));
                send.emit(UiCommand::LessonStep(page));
            };
            match message {
                HostMessage::Play => dispatcher.dispatch(Action::SetPlaying(true)),
                HostMessage::Pause => dispatcher.dispatch(Action::SetPlaying(false)),
                HostMessage::Step => match page {
                    Some((page, last)) => to_page((page + 1).min(last)),
                    None => {
                        dispatcher.dispatch(Action::SetPlaying(false));
                        send.emit(UiCommand::Step);
                    }
                },
                HostMessage::Back => match page {
                    Some((page, _)) => to_page(page.saturating_sub(1)),
                    None => dispatcher.dispatch(Action::Notice(
                        "back steps through a lesson; this player plays a run".to_string(),
                    )),
                },
                HostMessage::Page(n) => match page {
                    Some((_, last)) if n <= last => to_page(n),
                    Some((_, last)) => dispatcher.dispatch(Action::Notice(format!(
                        "the lesson has steps 0 to {last}, not {n}"
                    ))),
                    None => dispatcher.dispatch(Action::Notice("no lesson is playing".to_string())),
                },
                HostMessage::Restart => match page {
                    Some(_) => to_page(0),
                    None => start_run.emit(setup.borrow().clone()),
                },
                HostMessage::Seek { time_us } => {
                    dispatcher.dispatch(Action::SetPlaying(false));
                    send.emit(UiCommand::Seek { time_us });
                }
                HostMessage::LoadLesson(name) => {
                    load_named(name, on_lesson.clone(), on_lesson_error.clone())
                }
                HostMessage::LoadRun(run) => start_run.emit(run),
            }
        })
    };

    // The host page's messages: from the parent window at an allowed origin only.
    {
        let obey = obey.clone();
        let host = host.clone();
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let window = gloo::utils::window();
            let listener = gloo::events::EventListener::new(&window, "message", move |e| {
                let Some(e) = e.dyn_ref::<web_sys::MessageEvent>() else {
                    return;
                };
                let window = gloo::utils::window();
                let own = window.location().origin().unwrap_or_default();
                let origin = e.origin();
                if origin != own && origin != *host.target.borrow() {
                    return;
                }
                let parent: JsValue = match window.parent() {
                    Ok(Some(parent)) => parent.into(),
                    _ => window.clone().into(),
                };
                let from_parent = e.source().is_some_and(|s| Object::is(&s.into(), &parent));
                if !from_parent {
                    return;
                }
                match read_message(&e.data()) {
                    Ok(Some(message)) => obey.emit(message),
                    Ok(None) => {}
                    Err(message) => {
                        host.post(event("error", &[("message", message.as_str().into())]));
                        dispatcher.dispatch(Action::Notice(message));
                    }
                }
            });
            move || drop(listener)
        });
    }

    let flat_out = state.frame.as_ref().is_some_and(|f| f.speed.is_infinite());
    use_pacing(state.frames, state.playing, flat_out, send.clone());

    // Events to the host: ready, frames (throttled while playing), lesson steps, and the height.
    {
        let host = host.clone();
        let sent = use_mut_ref(|| (0.0f64, None::<usize>, 0i32, false));
        let frame = state.frame.clone();
        let playing = state.playing;
        use_effect_with((state.frames, state.playing), move |_| {
            let Some(frame) = frame else {
                return;
            };
            let mut sent = sent.borrow_mut();
            if !sent.3 {
                sent.3 = true;
                host.post(event("ready", &[]));
            }
            let now = js_sys::Date::now();
            let page = frame.lesson.as_ref().map(|l| l.page);
            if !playing || now - sent.0 >= FRAME_EVENT_MS {
                sent.0 = now;
                host.post(event(
                    "frame",
                    &[
                        ("time_ms", (frame.time_us as f64 / 1e3).into()),
                        ("events", (frame.events as f64).into()),
                        ("digest", frame.digest.as_str().into()),
                        ("playing", playing.into()),
                        ("page", page.map_or(JsValue::NULL, |p| (p as f64).into())),
                    ],
                ));
            }
            if let (Some(lesson), true) = (&frame.lesson, page != sent.1) {
                sent.1 = page;
                host.post(event(
                    "step",
                    &[
                        ("page", (lesson.page as f64).into()),
                        ("title", page_title(lesson).as_str().into()),
                    ],
                ));
            }
            // The body's own height (the document's is at least the frame's, which would never shrink).
            let height = gloo::utils::document()
                .body()
                .map_or(0, |b| b.scroll_height());
            if height != sent.2 {
                sent.2 = height;
                host.post_height(height);
            }
        });
    }

    let frame = state
        .frame
        .clone()
        .filter(|f| f.lesson.is_some() || !*lesson_due.borrow());
    // The page's static waiting box (`#shell`, which the page's own script may have filled with the
    // lesson's introduction already: post_build.sh) stays until the player has more to draw than it;
    // then the player's first drawing replaces it in the same task.
    let bare = frame.is_none() && state.intro.is_none() && state.notice.is_none();
    use_effect_with(bare, |bare| {
        if !*bare {
            if let Some(shell) = gloo::utils::document().get_element_by_id("shell") {
                shell.remove();
            }
        }
    });
    if bare && gloo::utils::document().get_element_by_id("shell").is_some() {
        return html! {};
    }
    // Until the first frame: the lesson's introduction, in the panel it will stay in, as soon as its
    // text is here (before the orchestrator has loaded), so the reader has something to read at once.
    // Keyed apart from the player, which replaces it whole when the run starts: nothing moves.
    let Some(frame) = frame else {
        return html! {
            <main key="waiting" class="embed loading" aria-busy="true">
                if let Some(notice) = &state.notice {
                    <p class="notice" role="status">{ notice }</p>
                }
                if let Some(intro) = &state.intro {
                    <header class="embed-bar"><span class="brand">{ "Quorate" }</span></header>
                    <section class="lesson compact" aria-label="Lesson">
                        <h2>{ &intro.title }</h2>
                        <p class="lesson-where">{ "Introduction" }</p>
                        <div class="lesson-say">
                            { for intro.intro.iter().map(|p| html! { <p>{ p }</p> }) }
                        </div>
                    </section>
                }
                { "Starting the simulation…" }
            </main>
        };
    };
    let click = |message: fn() -> HostMessage| obey.reform(move |_: MouseEvent| message());
    let on_page = obey.reform(HostMessage::Page);
    let playground = match &frame.lesson {
        Some(_) => "./".to_string(),
        None => format!(
            "./#engine={}&seed={}&nodes={}",
            frame.engine.name(),
            frame.seed,
            frame.nodes.len()
        ),
    };
    html! {
        <main key="player" class="embed" aria-label="Quorate player">
            <header class="embed-bar">
                <a class="brand" href={playground} target="_blank" rel="noopener">{ "Quorate" }</a>
                <span class="stat">{ frame.engine.title() }</span>
                <span class="stat">{ "t = " }<code data-testid="time">{ format!("{:.3} s", frame.time_us as f64 / 1e6) }</code></span>
                <span class="stat">{ "events " }<code data-testid="events">{ frame.events }</code></span>
                <span class="stat">{ "digest " }<code data-testid="digest">{ &frame.digest }</code></span>
            </header>
            if let Some(notice) = &state.notice {
                <p class="notice" role="status" data-testid="notice">{ notice }</p>
            }
            if let Some(lesson) = &frame.lesson {
                <LessonPanel lesson={lesson.clone()} {on_page} compact=true />
            }
            <div class="embed-stage">
                <Ring frame={frame.clone()} selected={None::<u32>} on_select={Callback::noop()} light={crate::kinds::light_theme()} />
            </div>
            <nav class="embed-controls" aria-label="Player controls">
                if state.playing {
                    <button onclick={click(|| HostMessage::Pause)} aria-label="pause">{ "❚❚ Pause" }</button>
                } else {
                    <button onclick={click(|| HostMessage::Play)} aria-label="play">{ "▶ Play" }</button>
                }
                <button onclick={click(|| HostMessage::Step)} aria-label={ if frame.lesson.is_some() { "step forward" } else { "step one event" } }>{ "Step ›" }</button>
                <button onclick={click(|| HostMessage::Restart)} aria-label="restart">{ "↺ Restart" }</button>
            </nav>
        </main>
    }
}

//! The page: a provider for the orchestrator bridge, a reducer over frames, and the controls.
//!
//! Side effects (the bridge, the animation loop, the URL) live in hooks; `reduce` is pure (STYLE.md 10).

use std::collections::{BTreeSet, VecDeque};
use std::rc::Rc;

use crate::pacing::use_pacing;
use quorate_view::codec::{decode, encode};
use quorate_view::{EngineKind, Frame, Hosting, Milestone, NodeStatus, RunSetup, UiCommand};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::cards::NodeCard;
use crate::chart::SpreadChart;
use crate::details::NodeDetails;
use crate::eventlog::EventLog;
use crate::grid::Grid;
use crate::help::{Help, Theme};
use crate::hosting::{channel_name, channel_title, hosting_title, workers_text};
use crate::lamport::Lamport;
use crate::link::use_lazy_orchestrator;
use crate::loggrid::LogLegend;
use crate::ring::Ring;
use crate::timeline::timeline;
use crate::url;

/// Event-log lines the page keeps; older ones scroll away.
const LOG_KEEP: usize = 400;

/// The parts the page is drawn in (`stages.rs`): the panels and the ring, the node cards, the
/// space-time diagram, the timeline and verdicts, the system panel and the event log.
const PARTS: u8 = 5;

#[component]
pub fn App() -> Html {
    // Both pages spawn their orchestrator once they have painted (link::use_lazy_orchestrator).
    if crate::embed::is_embed() {
        return html! { <crate::embed::Embed /> };
    }
    html! { <Playground /> }
}

#[derive(Default, PartialEq)]
struct State {
    frame: Option<Rc<Frame>>,
    /// Frames received so far; the animation loop asks for the next one after each.
    frames: u64,
    playing: bool,
    selected: Option<u32>,
    /// Nodes marked for the other side of a partition.
    side_b: BTreeSet<u32>,
    /// Shared lines: the reducer copies the list for every frame, not the text of 400 lines.
    log: VecDeque<Rc<str>>,
    notice: Option<String>,
    /// Where engines run, as the URL or the hosting menu asked.
    hosting: Hosting,
}

enum Action {
    Frame(Box<Frame>),
    SetPlaying(bool),
    Select(u32),
    ToggleSide(u32),
    Notice(String),
    Hosting(Hosting),
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = State {
            frame: self.frame.clone(),
            frames: self.frames,
            playing: self.playing,
            selected: self.selected,
            side_b: self.side_b.clone(),
            log: self.log.clone(),
            notice: self.notice.clone(),
            hosting: self.hosting,
        };
        match action {
            Action::Frame(mut frame) => {
                if frame.restart {
                    next.log.clear();
                }
                if frame.log_skipped > 0 {
                    next.log.push_back(
                        format!("… {} lines skipped at this speed", frame.log_skipped).into(),
                    );
                }
                next.log.extend(frame.log.drain(..).map(Rc::from));
                while next.log.len() > LOG_KEEP {
                    next.log.pop_front();
                }
                if let Some(error) = frame.error.take() {
                    next.notice = Some(error);
                }
                next.frames += 1;
                next.frame = Some(Rc::new(*frame));
            }
            Action::SetPlaying(playing) => next.playing = playing,
            Action::Select(id) => next.selected = Some(id),
            Action::ToggleSide(id) => {
                if !next.side_b.remove(&id) {
                    next.side_b.insert(id);
                }
            }
            Action::Notice(text) => next.notice = Some(text),
            Action::Hosting(hosting) => next.hosting = hosting,
        }
        Rc::new(next)
    }
}

#[component]
fn Playground() -> Html {
    let state = use_reducer(|| State {
        playing: true,
        ..State::default()
    });
    let bridge = {
        let dispatcher = state.dispatcher();
        use_lazy_orchestrator(move |bytes: Vec<u8>| {
            match decode::<Frame>(&bytes, "a frame from the orchestrator") {
                Ok(mut frame) => {
                    if let Some(json) = frame.export.take() {
                        download("quorate-trace.json", &json, "application/json");
                    }
                    dispatcher.dispatch(Action::Frame(Box::new(frame)))
                }
                Err(e) => dispatcher.dispatch(Action::Notice(e.to_string())),
            }
        })
    };
    // Every command crosses to the orchestrator in the binary codec. One callback for the page's
    // life, so the panels that take it compare equal from frame to frame and are not drawn again.
    let bridge = {
        let bridge = bridge.clone();
        (*use_memo((), move |_| {
            Callback::from(move |command: UiCommand| bridge.emit(encode(&command)))
        }))
        .clone()
    };

    // Start the run once: engine, seed and size from the URL, or a fresh seed written into the URL.
    let start = {
        let bridge = bridge.clone();
        Callback::from(move |setup: RunSetup| {
            // A shared moment keeps its link in the address bar; a plain run gets its own.
            let plain = setup.replay.is_empty() && setup.until.is_none();
            if let (true, Ok(history)) = (plain, gloo::utils::window().history()) {
                let _ = history.replace_state_with_url(
                    &wasm_bindgen::JsValue::NULL,
                    "",
                    Some(&url::fragment(&setup)),
                );
            }
            bridge.emit(UiCommand::Start(setup));
        })
    };
    {
        let start = start.clone();
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let hash = gloo::utils::window().location().hash().unwrap_or_default();
            let wanted = url::parse_fragment(&hash).unwrap_or_else(|message| {
                dispatcher.dispatch(Action::Notice(format!(
                    "{message}; starting a fresh run instead"
                )));
                url::parse_fragment("").unwrap_or(url::Wanted {
                    engine: EngineKind::Raft,
                    seed: None,
                    nodes: 5,
                    replay: Vec::new(),
                    until: None,
                    hosting: Hosting::Auto,
                    params: Vec::new(),
                })
            });
            dispatcher.dispatch(Action::Hosting(wanted.hosting));
            if wanted.until.is_some() {
                // A link to a moment opens paused on that moment.
                dispatcher.dispatch(Action::SetPlaying(false));
            }
            start.emit(RunSetup {
                engine: wanted.engine,
                seed: wanted.seed.unwrap_or_else(url::fresh_seed),
                nodes: wanted.nodes,
                replay: wanted.replay,
                until: wanted.until,
                hosting: wanted.hosting,
                params: wanted.params,
            });
        });
    }

    // A link pasted into this tab changes only the fragment, which loads nothing: start over from it.
    // (The page itself rewrites the fragment with replaceState, which fires no hashchange.)
    use_effect_with((), |_| {
        let listener =
            gloo::events::EventListener::new(&gloo::utils::window(), "hashchange", |_| {
                let _ = gloo::utils::window().location().reload();
            });
        move || drop(listener)
    });

    let flat_out = state.frame.as_ref().is_some_and(|f| f.speed.is_infinite());
    use_pacing(state.frames, state.playing, flat_out, bridge.clone());
    // The first frame draws the bar and the controls; the ring, the node cards, the space-time
    // diagram and the panels below follow, a part per task after each paint, top to bottom, so that
    // nothing drawn moves (stages.rs). At a phone's speed the whole page at once is a task of a
    // quarter of a second, most of it compiling the code that draws it as it first runs.
    let parts = crate::stages::use_parts(state.frame.is_some(), PARTS);

    let on_select = {
        let dispatcher = state.dispatcher();
        let bridge = bridge.clone();
        use_callback((), move |id, _| {
            dispatcher.dispatch(Action::Select(id));
            // A large cluster's frames carry the selected node's view only.
            bridge.emit(UiCommand::Select(id));
        })
    };
    let on_play = {
        let dispatcher = state.dispatcher();
        let playing = state.playing;
        Callback::from(move |_| dispatcher.dispatch(Action::SetPlaying(!playing)))
    };
    let on_step = {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        Callback::from(move |_| {
            dispatcher.dispatch(Action::SetPlaying(false));
            bridge.emit(UiCommand::Step);
        })
    };
    let on_speed = {
        let bridge = bridge.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            if let Ok(exponent) = input.value().parse::<f64>() {
                // The top of the slider is "as fast as possible".
                let speed = if exponent > MAX_SPEED_EXPONENT {
                    f64::INFINITY
                } else {
                    10f64.powf(exponent)
                };
                bridge.emit(UiCommand::SetSpeed(speed));
            }
        })
    };
    let help_open = use_state(|| false);
    // On a phone the less used controls wait behind "More", so the ring is on the first screen.
    let more_open = use_state(|| false);
    let theme = use_state(Theme::load);
    {
        let theme = *theme;
        use_effect_with(theme, move |t| t.apply(false));
    }
    let on_key = {
        let on_play = on_play.clone();
        let on_step = on_step.clone();
        let bridge = bridge.clone();
        let selected = state.selected;
        let help_open = help_open.clone();
        let theme = theme.clone();
        let paused_selected = selected.is_some_and(|id| {
            state
                .frame
                .as_ref()
                .and_then(|f| f.node(id))
                .is_some_and(|n| n.status == NodeStatus::Paused)
        });
        let dispatcher = state.dispatcher();
        Callback::from(move |e: KeyboardEvent| {
            let typing = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .is_some_and(|i| i.type_() == "text");
            if typing {
                return;
            }
            let until = |m| {
                dispatcher.dispatch(Action::SetPlaying(false));
                bridge.emit(UiCommand::RunUntil(m));
            };
            match (e.key().as_str(), selected) {
                (" ", _) => {
                    e.prevent_default();
                    on_play.emit(());
                }
                ("ArrowRight", _) => on_step.emit(()),
                ("k", Some(id)) => bridge.emit(UiCommand::Kill(id)),
                ("r", Some(id)) => bridge.emit(UiCommand::Restart(id)),
                ("p", Some(id)) => bridge.emit(if paused_selected {
                    UiCommand::Resume(id)
                } else {
                    UiCommand::Pause(id)
                }),
                ("h", _) => bridge.emit(UiCommand::Heal),
                ("l", _) => until(Milestone::Leader),
                ("c", _) => until(Milestone::Commit),
                ("m", _) => until(Milestone::Membership),
                ("t", _) => {
                    let next = theme.other();
                    next.apply(true);
                    theme.set(next);
                }
                ("?", _) => help_open.set(!*help_open),
                ("Escape", _) => help_open.set(false),
                _ => {}
            }
        })
    };
    let on_crash = {
        let bridge = bridge.clone();
        Callback::from(move |id: u32| bridge.emit(UiCommand::CrashWorker(id)))
    };
    let on_until = {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        Callback::from(move |milestone: Milestone| {
            dispatcher.dispatch(Action::SetPlaying(false));
            bridge.emit(UiCommand::RunUntil(milestone));
        })
    };
    let on_hosting = {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Some(hosting) = Hosting::parse(&select.value()) {
                dispatcher.dispatch(Action::Hosting(hosting));
                bridge.emit(UiCommand::SetHosting(hosting));
            }
        })
    };
    let on_seek = {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            if let Ok(ms) = input.value().parse::<f64>() {
                dispatcher.dispatch(Action::SetPlaying(false));
                // The slider moves in whole milliseconds; its end is the branch's head, exactly.
                let at_end = input.max().parse::<f64>().is_ok_and(|max| ms >= max);
                bridge.emit(UiCommand::Seek {
                    time_us: if at_end {
                        u64::MAX
                    } else {
                        (ms * 1_000.0).max(0.0) as u64
                    },
                });
            }
        })
    };
    let on_jump = {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        Callback::from(move |time_us: u64| {
            dispatcher.dispatch(Action::SetPlaying(false));
            bridge.emit(UiCommand::Seek { time_us });
        })
    };
    let on_branch = {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        Callback::from(move |index: usize| {
            dispatcher.dispatch(Action::SetPlaying(false));
            bridge.emit(UiCommand::Branch(index));
        })
    };
    let on_export = {
        let bridge = bridge.clone();
        Callback::from(move |_: MouseEvent| bridge.emit(UiCommand::ExportTrace))
    };
    let reader = use_mut_ref(|| None::<gloo::file::callbacks::FileReader>);
    let on_import = {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|files| files.get(0)) else {
                return;
            };
            let bridge = bridge.clone();
            let dispatcher = dispatcher.clone();
            let task = gloo::file::callbacks::read_as_text(&file.into(), move |text| match text {
                Ok(text) => {
                    dispatcher.dispatch(Action::SetPlaying(false));
                    bridge.emit(UiCommand::ImportTrace(text));
                }
                Err(e) => {
                    dispatcher.dispatch(Action::Notice(format!("could not read the file: {e}")))
                }
            });
            *reader.borrow_mut() = Some(task);
            input.set_value("");
        })
    };

    let on_engine = {
        let start = start.clone();
        let seed = state.frame.as_ref().map(|f| f.seed);
        let hosting = state.hosting;
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Some(engine) = EngineKind::parse(&select.value()) {
                start.emit(RunSetup {
                    engine,
                    seed: seed.unwrap_or_else(url::fresh_seed),
                    nodes: engine.default_nodes(),
                    replay: Vec::new(),
                    until: None,
                    hosting,
                    params: Vec::new(),
                });
            }
        })
    };
    let on_new_seed = {
        let start = start.clone();
        let current = state
            .frame
            .as_ref()
            .map(|f| (f.engine, f.size(), f.params.clone()));
        let hosting = state.hosting;
        Callback::from(move |_: MouseEvent| {
            let (engine, nodes, params) =
                current.clone().unwrap_or((EngineKind::Raft, 5, Vec::new()));
            start.emit(RunSetup {
                engine,
                seed: url::fresh_seed(),
                nodes,
                replay: Vec::new(),
                until: None,
                hosting,
                params,
            });
        })
    };

    let on_size = {
        let start = start.clone();
        let current = state
            .frame
            .as_ref()
            .map(|f| (f.engine, f.seed, f.params.clone()));
        let hosting = state.hosting;
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let Some((engine, seed, params)) = current.clone() else {
                return;
            };
            if let Ok(nodes) = input.value().parse::<u32>() {
                start.emit(RunSetup {
                    engine,
                    seed,
                    nodes: nodes.clamp(1, url::MAX_NODES),
                    replay: Vec::new(),
                    until: None,
                    hosting,
                    params,
                });
            }
        })
    };
    // New protocol parameters: the same run (engine, seed, size) restarted with them.
    let on_params = {
        let start = start.clone();
        let current = state.frame.as_ref().map(|f| (f.engine, f.seed, f.size()));
        // Kept while the run and the hosting stay, so the parameter panel is not drawn again for
        // every frame (its props compare equal).
        use_callback(
            (current, state.hosting),
            move |params: Vec<(String, String)>, (current, hosting)| {
                if let Some((engine, seed, nodes)) = *current {
                    start.emit(RunSetup {
                        engine,
                        seed,
                        nodes,
                        replay: Vec::new(),
                        until: None,
                        hosting: *hosting,
                        params,
                    });
                }
            },
        )
    };
    let on_side = {
        let dispatcher = state.dispatcher();
        use_callback((), move |id, _| dispatcher.dispatch(Action::ToggleSide(id)))
    };
    let on_partition = {
        let bridge = bridge.clone();
        let side_b = state.side_b.clone();
        let ids: Vec<u32> = state
            .frame
            .as_ref()
            .map(|f| f.nodes.iter().map(|n| n.id).collect())
            .unwrap_or_default();
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| {
            let (b, a): (Vec<u32>, Vec<u32>) = ids.iter().partition(|id| side_b.contains(id));
            if a.is_empty() || b.is_empty() {
                dispatcher.dispatch(Action::Notice(
                    "tick “side B” on some nodes, not all, to cut the network in two".into(),
                ));
            } else {
                bridge.emit(UiCommand::Partition(vec![a, b]));
            }
        })
    };
    let on_heal = {
        let bridge = bridge.clone();
        Callback::from(move |_: MouseEvent| bridge.emit(UiCommand::Heal))
    };
    let command_box = use_node_ref();
    let on_client = {
        let bridge = bridge.clone();
        let command_box = command_box.clone();
        let target = state.selected.or_else(|| {
            state
                .frame
                .as_ref()
                .and_then(|f| f.nodes.first().map(|n| n.id))
        });
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(input) = command_box.cast::<web_sys::HtmlInputElement>() else {
                return;
            };
            let words = input.value();
            if let (Some(node), false) = (target, words.trim().is_empty()) {
                bridge.emit(UiCommand::Client { node, words });
            }
        })
    };

    let on_share = {
        let frame = state.frame.clone();
        let hosting = state.hosting;
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| {
            let Some(f) = &frame else { return };
            let link = url::moment(
                f.engine,
                f.seed,
                f.size(),
                hosting,
                &f.params,
                &f.shared_log,
                f.events,
                f.time_us,
            );
            let window = gloo::utils::window();
            if let Ok(history) = window.history() {
                let _ =
                    history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&link));
            }
            let full = window.location().href().unwrap_or_default();
            let _ = window.navigator().clipboard().write_text(&full);
            dispatcher.dispatch(Action::Notice(
                "The address bar holds a link to this moment (copied where the browser allows): it replays the same run to here.".into(),
            ));
        })
    };

    // Lessons: the URL's lesson (read before the run rewrites the URL) loads once the page is up.
    // A link may name a page too (`#lesson=<name>&step=<k>`): it is shown once the lesson is loaded.
    let url_link = use_memo((), |_| crate::lesson::link_in_address());
    let url_lesson = use_memo(url_link.clone(), |link| {
        (**link).clone().ok().flatten().map(|l| l.name)
    });
    let url_step = use_mut_ref(|| url_link.as_ref().clone().ok().flatten());
    {
        let dispatcher = state.dispatcher();
        let link = url_link.clone();
        use_effect_with((), move |_| {
            if let Err(message) = link.as_ref() {
                dispatcher.dispatch(Action::Notice(message.clone()));
            }
        });
    }
    {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        let url_step = url_step.clone();
        let loaded = state.frame.as_ref().and_then(|f| f.lesson.clone());
        use_effect_with(loaded, move |loaded| {
            if let Some(lesson) = loaded {
                let link = url_step.borrow_mut().take();
                if let Some(quorate_view::lesson::LessonLink {
                    name,
                    step: Some(step),
                }) = link
                {
                    match quorate_view::lesson::check_link_step(&name, step, lesson) {
                        Ok(page) => {
                            crate::lesson::show_page_in_address(&name, page);
                            dispatcher.dispatch(Action::SetPlaying(page == lesson.last_page()));
                            bridge.emit(UiCommand::LessonStep(page));
                        }
                        Err(message) => dispatcher.dispatch(Action::Notice(message)),
                    }
                }
            }
        });
    }
    // A chosen lesson replaces the run; a page pauses on that step's end, the last one hands
    // the controls over and plays on.
    let on_lesson = {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        let hosting = state.hosting;
        Callback::from(move |(name, text): (String, String)| {
            if let Ok(history) = gloo::utils::window().history() {
                let link = format!("#lesson={name}");
                let _ =
                    history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&link));
            }
            dispatcher.dispatch(Action::SetPlaying(false));
            bridge.emit(UiCommand::LoadLesson { text, hosting });
        })
    };
    let on_lesson_error = {
        let dispatcher = state.dispatcher();
        Callback::from(move |message: String| dispatcher.dispatch(Action::Notice(message)))
    };
    let on_lesson_page = {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        let last = state
            .frame
            .as_ref()
            .and_then(|f| f.lesson.as_ref())
            .map(|l| l.last_page());
        Callback::from(move |page: usize| {
            let hash = gloo::utils::window().location().hash().unwrap_or_default();
            if let Some(name) = crate::lesson::lesson_in_fragment(&hash) {
                crate::lesson::show_page_in_address(&name, page);
            }
            dispatcher.dispatch(Action::SetPlaying(Some(page) == last));
            bridge.emit(UiCommand::LessonStep(page));
        })
    };

    // The clock, timeline and event log at a calmer pace than the ring (see `throttle`).
    let shown = crate::throttle::use_slow(&state.frame, state.frames, state.playing);
    let log = {
        let state = state.clone();
        use_memo(
            crate::throttle::beat_at(state.frames, state.playing, crate::throttle::EVERY / 2),
            move |_| state.log.clone(),
        )
    };

    let Some(frame) = state.frame.clone() else {
        // The same boxes as the static shell in index.html, which this replaces: nothing moves.
        return html! {
            <main class="playground loading" aria-busy="true">
                <header class="bar"><h1>{ "Quorate" }</h1></header>
                <p class="starting">{ "Starting the simulation…" }</p>
            </main>
        };
    };
    let selected = state.selected.and_then(|id| frame.node(id)).cloned();
    let shown = (*shown).clone().unwrap_or_else(|| frame.clone());

    html! {
        // Busy until the last part is drawn: what a test waits for before it reads a panel below the bar.
        <main class={classes!("playground", more_open.then_some("more-open"))} tabindex="0" onkeydown={on_key}
            aria-busy={if parts < PARTS { "true" } else { "false" }}>
            <header class="bar">
                <h1>{ "Quorate" }</h1>
                <a class="lab-link" href="lab.html" title="Many seeds per figure, in the background">{ "Lab" }</a>
                <button class="icon" aria-label="keyboard shortcuts" title="Keyboard shortcuts (?)"
                    onclick={{ let help_open = help_open.clone(); Callback::from(move |_: MouseEvent| help_open.set(!*help_open)) }}>{ "?" }</button>
                <button class="icon" aria-label={format!("switch to the {} theme", theme.other().name())} title="Dark or light (t)"
                    onclick={{
                        let theme = theme.clone();
                        Callback::from(move |_: MouseEvent| {
                            let next = theme.other();
                            next.apply(true);
                            theme.set(next);
                        })
                    }}>{ if *theme == Theme::Dark { "☀" } else { "☾" } }</button>
                <label class="engine">
                    <span class="visually-hidden">{ "protocol" }</span>
                    <select aria-label="protocol" onchange={on_engine}>
                        { for EngineKind::ALL.iter().map(|e| html! {
                            <option value={e.name()} selected={*e == frame.engine}>{ e.title() }</option>
                        }) }
                    </select>
                </label>
                <crate::lesson::LessonPicker on_load={on_lesson} on_error={on_lesson_error}
                    initial={(*url_lesson).clone()} playing={frame.lesson.is_some()} />
                <span class="stat extra" title="The world seed: the same seed replays the same run">
                    { "seed " }<code data-testid="seed">{ frame.seed }</code>
                </span>
                <span class="stat" title="Simulated time">{ "t = " }<code data-testid="time">{ format!("{:.3} s", shown.time_us as f64 / 1e6) }</code></span>
                <span class="stat" title="Events processed">{ "events " }<code data-testid="events">{ shown.events }</code></span>
                <span class="stat extra" title="Digest of the trace so far">{ "digest " }<code data-testid="digest">{ &shown.digest }</code></span>
                <label class="stat hosting extra" title="Where the engines run: a Web Worker per node (killing a node ends its worker), or all inside the orchestrator worker">
                    { "nodes run in " }
                    <select aria-label="where the nodes run" onchange={on_hosting}>
                        { for [Hosting::Auto, Hosting::PerNode, Hosting::Inline].iter().map(|h| html! {
                            <option value={h.name()} selected={*h == state.hosting}>{ hosting_title(*h) }</option>
                        }) }
                    </select>
                    <code data-testid="workers" data-channel={channel_name()} title={channel_title()}>{ workers_text(&frame) }</code>
                </label>
            </header>
            <section class="controls" aria-label="Run controls">
                <button onclick={on_play.reform(|_| ())} aria-label={ if state.playing { "pause" } else { "play" } }>
                    { if state.playing { "❚❚ Pause" } else { "▶ Play" } }
                </button>
                <button onclick={on_step.reform(|_| ())} aria-label="step one event">{ "Step ›" }</button>
                <button class="more" aria-expanded={more_open.to_string()} aria-label="more controls"
                    onclick={{ let more_open = more_open.clone(); Callback::from(move |_: MouseEvent| more_open.set(!*more_open)) }}>
                    { if *more_open { "Less" } else { "More…" } }
                </button>
                <button class="extra" onclick={on_new_seed} aria-label="new seed: a new run with a fresh seed">{ "New seed" }</button>
                <label class="size extra" title="Cluster size: a new run with this many nodes (above 32 they are drawn as a grid)">
                    { "nodes " }
                    <input type="number" min="1" max={url::MAX_NODES.to_string()} value={frame.size().to_string()}
                        aria-label="cluster size" onchange={on_size} />
                </label>
                <button onclick={on_partition} aria-label="partition side B from the rest" title="Cut the network between the nodes ticked “side B” and the others">{ "Partition" }</button>
                <button onclick={on_heal} aria-label="heal the network">{ "Heal" }</button>
                <button class="extra" onclick={on_share} aria-label="link to this moment" title="Put a link in the address bar that replays this run to this moment">{ "Link" }</button>
                <span class="until extra" role="group" aria-label="run until">
                    { "until " }
                    { for [Milestone::Leader, Milestone::Commit, Milestone::Membership].into_iter().map(|m| html! {
                        <button onclick={on_until.reform(move |_| m)} aria-label={format!("run until the {}", m.title())} title={format!("Run to the {} and pause there", m.title())}>{ until_label(m) }</button>
                    }) }
                </span>
                <button class="extra" onclick={on_export} aria-label="export the trace as JSON" title="Download this run (setup, commands, digest and trace) as JSON">{ "Export" }</button>
                <label class="import extra" title="Replay a run from an exported JSON file and check its digest">
                    { "Import " }
                    <input type="file" accept=".json,application/json" aria-label="import a trace" onchange={on_import} />
                </label>
                <form class="client" onsubmit={on_client}>
                    <label>
                        { format!("command to n{} ", state.selected.unwrap_or_else(|| frame.nodes.first().map_or(1, |n| n.id))) }
                        <input ref={command_box} type="text" placeholder={frame.engine.client_example()} aria-label="client command" />
                    </label>
                    <button type="submit" aria-label="send the command">{ "Send" }</button>
                </form>
                <label class="speed">
                    { "speed " }<output>{ format!("{}×", speed_label(frame.speed)).replace(" ×", "") }</output>
                    <input type="range" min="-2" max={(MAX_SPEED_EXPONENT + 0.1).to_string()} step="0.1"
                        value={ frame.speed.log10().min(MAX_SPEED_EXPONENT + 0.1).to_string() }
                        aria-label="speed (simulated seconds per second)" oninput={on_speed} />
                </label>
            </section>
            if let Some(notice) = &state.notice {
                <p class="notice" role="status">{ notice }</p>
            }
            if parts == 0 {
                <p class="starting">{ "Starting the simulation…" }</p>
            } else {
                <div class="tools">
                    <crate::faults::FaultPanel frame={frame.clone()} send={bridge.clone()} />
                    <crate::faults::ParamPanel engine={frame.engine} params={frame.params.clone()} on_apply={on_params} />
                </div>
                if let Some(reached) = &frame.reached {
                    <p class="notice reached" role="status" data-testid="reached">{ format!("Paused at the {reached}") }</p>
                }
                if let Some(lesson) = &frame.lesson {
                    <crate::lesson::LessonPanel lesson={lesson.clone()} on_page={on_lesson_page} />
                }
                <div class="stage">
                    <div class="view">
                        if frame.grid.is_empty() {
                            <Ring frame={frame.clone()} selected={state.selected} on_select={on_select.clone()} light={*theme == Theme::Light} />
                        } else {
                            <Grid cells={Rc::new(frame.grid.clone())} selected={state.selected} on_select={on_select.clone()} />
                        }
                        if let Some(spread) = &frame.spread {
                            <SpreadChart spread={spread.clone()} />
                        }
                        if frame.grid.is_empty() && parts >= 3 {
                            <Lamport frame={frame.clone()} light={*theme == Theme::Light} />
                        }
                    </div>
                    <aside class="nodes" aria-label="Nodes">
                        if parts >= 2 {
                            if frame.nodes.iter().any(|n| n.log_marks.is_some()) {
                                <LogLegend />
                            }
                            { for (0..frame.nodes.len()).map(|index| html! {
                                <NodeCard frame={frame.clone()} {index} side_b={state.side_b.contains(&frame.nodes[index].id)}
                                    send={bridge.clone()} on_select={on_select.clone()} on_side={on_side.clone()} />
                            }) }
                            if let Some(node) = selected {
                                <NodeDetails engine={frame.engine} {node} per_node={frame.hosting.per_node} on_crash={on_crash.clone()} />
                            }
                        }
                    </aside>
                </div>
            }
            if parts >= 4 {
                { timeline(&shown, on_seek, on_branch) }
                <crate::verdicts::VerdictsPanel frame={frame.clone()} send={bridge.clone()} on_jump={on_jump} />
            }
            if parts >= PARTS {
                <crate::systems::SystemPanel frame={frame.clone()} send={bridge.clone()} />
                <EventLog lines={log} />
            }
            if *help_open {
                <Help on_close={{ let help_open = help_open.clone(); Callback::from(move |()| help_open.set(false)) }} />
            }
        </main>
    }
}

fn until_label(milestone: Milestone) -> &'static str {
    match milestone {
        Milestone::Leader => "leader",
        Milestone::Commit => "commit",
        Milestone::Membership => "membership",
    }
}

/// Starts a download of `text` as the file `name`.
pub(crate) fn download(name: &str, text: &str, mime: &str) {
    use wasm_bindgen::JsCast;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let document = gloo::utils::document();
    if let Ok(a) = document.create_element("a") {
        let a: web_sys::HtmlAnchorElement = a.unchecked_into();
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// log10 of the fastest paced speed (1000×); the slider's last notch above it is "max".
const MAX_SPEED_EXPONENT: f64 = 3.0;

fn speed_label(speed: f64) -> String {
    if speed.is_infinite() {
        "max ".to_string()
    } else if speed >= 1.0 {
        format!("{speed:.1}")
    } else {
        format!("{speed:.2}")
    }
}

/// A CSS class for a role or message kind: lower case letters, digits and dashes only.
pub fn role_class(role: &str) -> String {
    let clean: String = role
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    format!("r-{}", clean.to_ascii_lowercase())
}

pub fn status_class(status: NodeStatus) -> &'static str {
    match status {
        NodeStatus::Up => "up",
        NodeStatus::Paused => "paused",
        NodeStatus::Down => "down",
    }
}

pub fn status_text(status: NodeStatus) -> &'static str {
    match status {
        NodeStatus::Up => "up",
        NodeStatus::Paused => "paused",
        NodeStatus::Down => "dead",
    }
}

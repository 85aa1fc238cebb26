//! The Consul and etcd panels: the system as its store holds it (catalog, sessions, leases, lock keys),
//! and the comparison of the two systems under one fault, as timelines side by side.

use std::rc::Rc;

use quorate_view::system::{ComparisonView, SystemTimeline, SystemView, TableView};
use quorate_view::{CompareFault, EngineKind, Frame, UiCommand};
use yew::prelude::*;

#[derive(Properties)]
pub struct SystemPanelProps {
    pub frame: Rc<Frame>,
    /// Where commands go (the orchestrator bridge).
    pub send: Callback<UiCommand>,
}

/// Equal when the panel would draw the same (engine, seed, system, comparison), so it is not drawn
/// again for every frame.
impl PartialEq for SystemPanelProps {
    fn eq(&self, other: &Self) -> bool {
        fn drawn(
            f: &Frame,
        ) -> (
            EngineKind,
            u64,
            &Option<SystemView>,
            &Option<ComparisonView>,
        ) {
            (f.engine, f.seed, &f.system, &f.comparison)
        }
        self.send == other.send
            && (Rc::ptr_eq(&self.frame, &other.frame) || drawn(&self.frame) == drawn(&other.frame))
    }
}

/// A lower-case, dash-separated name for test ids.
fn slug(text: &str) -> String {
    let s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    s.split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

#[component]
pub fn SystemPanel(props: &SystemPanelProps) -> Html {
    let frame = &props.frame;
    // The last comparison stays on screen; frames carry one only once.
    let comparison = use_state(|| None::<Rc<ComparisonView>>);
    let pending = use_state(|| None::<CompareFault>);
    {
        let comparison = comparison.clone();
        let pending = pending.clone();
        let incoming = frame.comparison.clone();
        use_effect_with(incoming, move |incoming| {
            if let Some(c) = incoming {
                comparison.set(Some(Rc::new(c.clone())));
                pending.set(None);
            }
        });
    }
    if !matches!(frame.engine, EngineKind::Consul | EngineKind::Etcd) {
        return html! {};
    }
    let on_compare = {
        let send = props.send.clone();
        let pending = pending.clone();
        Callback::from(move |fault: CompareFault| {
            pending.set(Some(fault));
            send.emit(UiCommand::Compare(fault));
        })
    };
    let name = if frame.engine == EngineKind::Consul {
        "Consul"
    } else {
        "etcd"
    };
    html! {
        <>
            if let Some(system) = &frame.system {
                { system_view(name, system) }
            }
            <section class="compare" aria-label="Consul beside etcd">
                <h2>{ "Consul beside etcd" }</h2>
                <p class="hint">{ format!("The same fault on a fresh Consul world and a fresh etcd world with seed {}, run to the end in the orchestrator; the playground above does not move.", frame.seed) }</p>
                <div class="faults" role="group" aria-label="faults to compare">
                    { for CompareFault::ALL.into_iter().map(|f| html! {
                        <button onclick={on_compare.reform(move |_| f)} aria-label={format!("compare: {}", f.title())}
                            aria-pressed={(comparison.as_ref().is_some_and(|c| c.fault == f)).to_string()}>
                            { format!("compare: {}", f.title()) }
                        </button>
                    }) }
                    if let Some(f) = *pending {
                        <span class="running" role="status">{ format!("running “{}” on both systems…", f.title()) }</span>
                    }
                </div>
                if let Some(c) = comparison.as_ref() {
                    { comparison_view(c) }
                }
            </section>
        </>
    }
}

fn system_view(name: &str, system: &SystemView) -> Html {
    html! {
        <section class="system" aria-label={format!("{name} system view")}>
            <h2>{ format!("{name}: the store as {} has applied it", system.source) }</h2>
            <dl class="facts">
                { for system.facts.iter().map(|f| html! {
                    <div class={classes!("fact", format!("tone-{}", f.tone.name()))} data-testid={format!("fact-{}", slug(&f.label))}>
                        <dt>{ &f.label }</dt>
                        <dd>{ &f.value }</dd>
                    </div>
                }) }
            </dl>
            <div class="tables">
                { for system.tables.iter().map(table_view) }
            </div>
        </section>
    }
}

fn table_view(t: &TableView) -> Html {
    html! {
        <table class="sys-table" aria-label={t.title.clone()} data-testid={format!("table-{}", slug(&t.title))}>
            <caption>{ &t.title }</caption>
            <thead><tr>{ for t.columns.iter().map(|c| html! { <th scope="col">{ c }</th> }) }</tr></thead>
            <tbody>
                if t.rows.is_empty() {
                    <tr class="tone-muted"><td colspan={t.columns.len().to_string()}>{ "none" }</td></tr>
                }
                { for t.rows.iter().map(|r| html! {
                    <tr class={format!("tone-{}", r.tone.name())}>
                        { for r.cells.iter().map(|c| html! { <td>{ c }</td> }) }
                    </tr>
                }) }
            </tbody>
        </table>
    }
}

fn secs(ms: f64) -> String {
    format!("{:.2} s", ms / 1000.0)
}

fn comparison_view(c: &ComparisonView) -> Html {
    // One scale for both systems, so their bars compare.
    let span = c
        .systems
        .iter()
        .flat_map(|s| {
            s.phases
                .iter()
                .map(|p| p.end_ms.unwrap_or(p.start_ms))
                .chain(s.done_ms)
                .chain(s.stale_ms.map(|x| s.stale_from_ms + x))
        })
        .fold(1.0_f64, f64::max);
    html! {
        <div class="comparison" data-testid="comparison">
            <p class="setup">{ format!("“{}”, seed {}: {}.", c.fault.title(), c.seed, c.setup) }</p>
            <div class="lanes">
                { for c.systems.iter().map(|s| lane(s, span)) }
            </div>
        </div>
    }
}

fn bar(left: f64, width: f64, span: f64, class: &str, title: String) -> Html {
    let pct = |x: f64| (x / span * 100.0).clamp(0.0, 100.0);
    let w = pct(left + width) - pct(left);
    html! {
        <div class="track">
            <span class={classes!("tl-bar", class.to_string())} title={title}
                style={format!("left: {:.2}%; width: max({:.2}%, 2px)", pct(left), w)}></span>
        </div>
    }
}

fn lane(s: &SystemTimeline, span: f64) -> Html {
    let id = slug(&s.system);
    html! {
        <div class={classes!("lane", format!("lane-{id}"))} data-testid={format!("timeline-{id}")} aria-label={format!("{} timeline", s.system)}>
            <h3>
                { &s.system }
                <span class="total" data-testid={format!("done-{id}")}>
                    { match s.done_ms { Some(d) => format!("over after {}", secs(d)), None => "not over within the run".to_string() } }
                </span>
            </h3>
            { for s.phases.iter().map(|p| {
                let (value, width) = match p.end_ms {
                    Some(end) => (secs(end - p.start_ms), end - p.start_ms),
                    None => ("—".to_string(), 0.0),
                };
                html! {
                    <div class="phase">
                        <span class="name" title={p.note.clone()}>{ &p.name }</span>
                        { bar(p.start_ms, width, span, &format!("b-{}", slug(&p.name)), format!("{}: {} (from {} to {})", p.note, value, secs(p.start_ms), p.end_ms.map_or("—".to_string(), secs))) }
                        <span class="value">{ value }</span>
                    </div>
                }
            }) }
            <div class="phase stale">
                <span class="name" title={s.stale_label.clone()}>{ "stale window" }</span>
                { bar(s.stale_from_ms, s.stale_ms.unwrap_or(0.0), span, "b-stale", s.stale_label.clone()) }
                <span class="value" data-testid={format!("stale-{id}")}>{ s.stale_ms.map_or("—".to_string(), secs) }</span>
            </div>
            <p class="note">{ format!("stale window: {}", s.stale_label) }</p>
            { for s.violations.iter().map(|v| html! { <p class="violation" role="alert">{ v }</p> }) }
        </div>
    }
}

//! Network faults and protocol parameters: the panels that cut a single link (one way or both),
//! set a link's loss and latency, slow a node, and restart the run with other protocol parameters.
//! Every fault is a command of the run (logged, so links, export and time travel replay it); the
//! panels only read frames and send commands.

use std::rc::Rc;

use quorate_view::params::{specs, ParamKind};
use quorate_view::{EngineKind, Frame, LinkSetting, NetworkView, UiCommand};
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties)]
pub struct FaultPanelProps {
    pub frame: Rc<Frame>,
    /// Where commands go (the orchestrator bridge).
    pub send: Callback<UiCommand>,
}

/// Equal when the panel would draw the same (the nodes, the network, ring or grid), so it is not
/// drawn again for every frame.
impl PartialEq for FaultPanelProps {
    fn eq(&self, other: &Self) -> bool {
        fn drawn(f: &Frame) -> (bool, &NetworkView, Vec<u32>) {
            (
                f.grid.is_empty(),
                &f.network,
                f.nodes.iter().map(|n| n.id).collect(),
            )
        }
        self.send == other.send
            && (Rc::ptr_eq(&self.frame, &other.frame) || drawn(&self.frame) == drawn(&other.frame))
    }
}

fn read(node: &NodeRef) -> String {
    if let Some(input) = node.cast::<web_sys::HtmlInputElement>() {
        input.value()
    } else if let Some(select) = node.cast::<web_sys::HtmlSelectElement>() {
        select.value()
    } else {
        String::new()
    }
}

/// A node chosen in a select: `Some(id)`, or `None` for "every node".
fn side(node: &NodeRef) -> Option<u32> {
    read(node).parse().ok()
}

/// A whole number typed in a box, or `empty` when the box is left empty (its placeholder shows it).
/// The boxes carry no `value` attribute: the page re-renders every frame, and a value set from the
/// frame would overwrite what is being typed.
fn whole(node: &NodeRef, empty: u32) -> Option<u32> {
    let text = read(node);
    if text.trim().is_empty() {
        Some(empty)
    } else {
        text.trim().parse().ok()
    }
}

fn ms(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// Cut, mend and tune single links; slow a node. For ring-sized clusters (a grid has no links).
#[component]
pub fn FaultPanel(props: &FaultPanelProps) -> Html {
    let frame = &props.frame;
    let from = use_node_ref();
    let to = use_node_ref();
    let loss = use_node_ref();
    let min = use_node_ref();
    let max = use_node_ref();
    let slow_node = use_node_ref();
    let slow_ms = use_node_ref();
    let problem = use_state(|| None::<String>);
    // Open where the stage has room beside the controls; at a phone's width (the stage's one-column
    // layout in style.css) closed, so that the ring is on the first screen.
    let open = *use_state(|| !crate::help::media_matches("(max-width: 760px)"));
    if !frame.grid.is_empty() {
        return html! {};
    }
    let net = &frame.network;
    let default = net.default_link.unwrap_or_default();
    // Both ends of one link, or a note of what is missing.
    let pair = {
        let (from, to, problem) = (from.clone(), to.clone(), problem.clone());
        move || match (side(&from), side(&to)) {
            (Some(a), Some(b)) if a != b => {
                problem.set(None);
                Some((a, b))
            }
            _ => {
                problem.set(Some("pick two different nodes for a single link".into()));
                None
            }
        }
    };
    let on_cut_one = {
        let (send, pair) = (props.send.clone(), pair.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some((from, to)) = pair() {
                send.emit(UiCommand::Cut { from, to });
            }
        })
    };
    let on_cut_both = {
        let (send, pair) = (props.send.clone(), pair.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some((a, b)) = pair() {
                send.emit(UiCommand::Partition(vec![vec![a], vec![b]]));
            }
        })
    };
    let cut: Vec<(u32, u32)> = net.cut.clone();
    let mend = {
        let send = props.send.clone();
        let cut = cut.clone();
        move |a: u32, b: u32| {
            for (f, t) in [(a, b), (b, a)] {
                if cut.contains(&(f, t)) {
                    send.emit(UiCommand::Mend { from: f, to: t });
                }
            }
        }
    };
    let on_mend = {
        let (pair, mend) = (pair.clone(), mend.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some((a, b)) = pair() {
                mend(a, b);
            }
        })
    };
    let on_link = {
        let send = props.send.clone();
        let (from, to, loss, min, max) = (
            from.clone(),
            to.clone(),
            loss.clone(),
            min.clone(),
            max.clone(),
        );
        let problem = problem.clone();
        Callback::from(move |_: MouseEvent| {
            let (a, b) = (side(&from), side(&to));
            if a.is_some() && a == b {
                problem.set(Some("a link joins two different nodes".into()));
                return;
            }
            match (
                whole(&loss, default.loss_pct as u32),
                whole(&min, default.min_ms as u32),
                whole(&max, default.max_ms as u32),
            ) {
                (Some(loss_pct), Some(min_ms), Some(max_ms))
                    if loss_pct <= 100 && min_ms <= max_ms && max_ms <= 60_000 =>
                {
                    problem.set(None);
                    send.emit(UiCommand::SetLink {
                        from: a,
                        to: b,
                        link: LinkSetting {
                            loss_pct,
                            min_ms,
                            max_ms,
                        },
                    });
                }
                _ => problem.set(Some(
                    "loss is a whole percentage 0–100; latency min ≤ max ≤ 60000 ms".into(),
                )),
            }
        })
    };
    let on_slow = {
        let send = props.send.clone();
        let (slow_node, slow_ms, problem) = (slow_node.clone(), slow_ms.clone(), problem.clone());
        Callback::from(
            move |_: MouseEvent| match (side(&slow_node), whole(&slow_ms, 200)) {
                (Some(node), Some(delay_ms)) if delay_ms <= 60_000 => {
                    problem.set(None);
                    send.emit(UiCommand::Slow { node, delay_ms });
                }
                _ => problem.set(Some("a slow node's delay is 0–60000 ms".into())),
            },
        )
    };
    let ids: Vec<u32> = frame.nodes.iter().map(|n| n.id).collect();
    let options = |every: bool, first: Option<u32>| {
        html! {
            <>
                if every { <option value="all">{ "every node" }</option> }
                { for ids.iter().map(|id| html! { <option value={id.to_string()} selected={Some(*id) == first}>{ format!("n{id}") }</option> }) }
            </>
        }
    };
    // Cuts grouped by link: one way, or both.
    let mut links: Vec<(u32, u32, bool)> = Vec::new();
    for &(a, b) in &cut {
        let both = cut.contains(&(b, a));
        if !both || a < b {
            links.push((a, b, both));
        }
    }
    let cuts = links.iter().map(|&(a, b, both)| {
        let mend = mend.clone();
        let what = if both {
            format!("n{a} ↔ n{b} cut both ways")
        } else {
            format!("n{a} → n{b} cut (n{b} → n{a} delivers)")
        };
        html! {
            <li data-testid={format!("cut-n{a}-n{b}")}>{ what }
                <button onclick={Callback::from(move |_: MouseEvent| mend(a, b))}
                    aria-label={format!("mend n{a} and n{b}")}>{ "mend" }</button>
            </li>
        }
    });
    let tuned = net.links.iter().map(|(a, b, l)| {
        html! {
            <li data-testid={format!("link-n{a}-n{b}")}>
                { format!("n{a} → n{b}: loss {}%, {}–{} ms", ms(l.loss_pct), ms(l.min_ms), ms(l.max_ms)) }
            </li>
        }
    });
    let slow = net.slow.iter().map(|&(id, delay)| {
        let send = props.send.clone();
        html! {
            <li data-testid={format!("slow-n{id}")}>{ format!("n{id} slow: +{} ms per message", ms(delay)) }
                <button onclick={Callback::from(move |_: MouseEvent| send.emit(UiCommand::Slow { node: id, delay_ms: 0 }))}
                    aria-label={format!("unslow n{id}")} title="Make the node normal again">{ "unslow" }</button>
            </li>
        }
    });
    let second = ids.get(1).copied();
    html! {
        <details class="net-faults" {open}>
            <summary>{ "Network faults" }</summary>
            <div class="row" role="group" aria-label="a link">
                <label>{ "from " }<select ref={from} aria-label="link from">{ options(true, ids.first().copied()) }</select></label>
                <label>{ "to " }<select ref={to} aria-label="link to">{ options(true, second) }</select></label>
                <button onclick={on_cut_one} aria-label="cut one way" title="Drop every message from the first node to the second; the other direction still delivers">{ "Cut one way" }</button>
                <button onclick={on_cut_both} aria-label="cut both ways" title="Drop every message between the two nodes, both directions">{ "Cut both ways" }</button>
                <button onclick={on_mend} aria-label="mend the link" title="Let the link's messages through again (both directions); other cuts stay">{ "Mend" }</button>
            </div>
            <div class="row" role="group" aria-label="loss and latency">
                <label title="Chance that a message on the link is lost">{ "loss % " }
                    <input ref={loss} type="number" min="0" max="100" placeholder={ms(default.loss_pct)} aria-label="loss percent" /></label>
                <label title="One-way latency, drawn uniformly between min and max">{ "latency ms " }
                    <input ref={min} type="number" min="0" max="60000" placeholder={ms(default.min_ms)} aria-label="latency min ms" />
                    { "–" }
                    <input ref={max} type="number" min="0" max="60000" placeholder={ms(default.max_ms)} aria-label="latency max ms" /></label>
                <button onclick={on_link} aria-label="set link loss and latency" title="Set loss and latency on the chosen link (every node: all links from or to it; every node both sides: every link, replacing per-link settings)">{ "Set link" }</button>
                <span class="muted">{ format!("default: loss {}%, {}–{} ms", ms(default.loss_pct), ms(default.min_ms), ms(default.max_ms)) }</span>
            </div>
            <div class="row" role="group" aria-label="slow node">
                <label>{ "slow node " }<select ref={slow_node} aria-label="slow node">{ options(false, ids.first().copied()) }</select></label>
                <label title="Each message or request it receives waits for the earlier ones plus this delay; its timers fire on time">{ "+ms " }
                    <input ref={slow_ms} type="number" min="0" max="60000" placeholder="200" aria-label="slow delay ms" /></label>
                <button onclick={on_slow} aria-label="slow the node" title="Make the node slow (0 ms makes it normal again)">{ "Slow" }</button>
            </div>
            if let Some(p) = &*problem {
                <p class="notice" role="status">{ p }</p>
            }
            <ul class="active" aria-label="active network faults" data-testid="faults">
                { for cuts }{ for tuned }{ for slow }
            </ul>
        </details>
    }
}

#[derive(Properties, PartialEq)]
pub struct ParamPanelProps {
    pub engine: EngineKind,
    /// The run's parameters that differ from the defaults, as its frames report them.
    pub params: Vec<(String, String)>,
    /// Restart the run with these parameters.
    pub on_apply: Callback<Vec<(String, String)>>,
}

/// The engine's protocol parameters, defaults shown; a change restarts the run with the same seed.
#[component]
pub fn ParamPanel(props: &ParamPanelProps) -> Html {
    // The parameters asked for, until a frame of the restarted run reports them: frames of the run
    // being replaced still carry the old values and must not flip the input back meanwhile.
    let asked = use_state(|| None::<Vec<(String, String)>>);
    {
        let asked = asked.clone();
        use_effect_with((props.engine, props.params.clone()), move |_| {
            if asked.is_some() {
                asked.set(None);
            }
        });
    }
    let specs = specs(props.engine);
    if specs.is_empty() {
        return html! {};
    }
    let params = asked.as_ref().unwrap_or(&props.params).clone();
    let current = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let on_change = {
        let on_apply = props.on_apply.clone();
        let asked = asked.clone();
        let params = params.clone();
        Callback::from(move |(key, value): (String, String)| {
            let mut next: Vec<(String, String)> =
                params.iter().filter(|(k, _)| *k != key).cloned().collect();
            next.push((key, value));
            asked.set(Some(next.clone()));
            on_apply.emit(next);
        })
    };
    let changed = !params.is_empty();
    html! {
        <details class="params" open={changed}>
            <summary>{ "Protocol parameters" }
                if changed { <span class="muted">{ format!(" ({} changed)", params.len()) }</span> }
            </summary>
            <p class="muted">{ "Changing one restarts the run with the same seed; the link carries it." }</p>
            <div class="grid-params">
            { for specs.iter().map(|spec| {
                let key = spec.key.to_string();
                let default = spec.kind.default_value();
                let value = current(spec.key).unwrap_or_else(|| default.clone());
                let title = format!("{} Default {}; {}.", spec.help, default, spec.kind.range());
                let emit = {
                    let on_change = on_change.clone();
                    let key = key.clone();
                    move |v: String| on_change.emit((key.clone(), v))
                };
                let label = format!("{} (default {})", spec.label, default);
                let input = match spec.kind {
                    ParamKind::Millis { min, max, .. } => {
                        let onchange = Callback::from(move |e: Event| {
                            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                            emit(format!("{}ms", input.value().trim()));
                        });
                        html! { <><input type="number" min={min.to_string()} max={max.to_string()}
                            placeholder={value.trim_end_matches("ms").to_string()} aria-label={label.clone()} {onchange}
                            data-param={key.clone()} />{ " ms" }</> }
                    }
                    ParamKind::Count { min, max, .. } => {
                        let onchange = Callback::from(move |e: Event| {
                            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                            emit(input.value().trim().to_string());
                        });
                        html! { <input type="number" min={min.to_string()} max={max.to_string()}
                            placeholder={value.clone()} aria-label={label.clone()} {onchange} data-param={key.clone()} /> }
                    }
                    ParamKind::Switch { .. } => {
                        let onchange = Callback::from(move |e: Event| {
                            let Some(input) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
                            emit(if input.checked() { "on" } else { "off" }.to_string());
                        });
                        html! { <input type="checkbox" checked={value == "on"} aria-label={label.clone()} {onchange} data-param={key.clone()} /> }
                    }
                    ParamKind::Choice { options, .. } => {
                        let onchange = Callback::from(move |e: Event| {
                            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
                            emit(select.value());
                        });
                        html! { <select aria-label={label.clone()} {onchange} data-param={key.clone()}>
                            { for options.iter().map(|o| html! { <option value={*o} selected={*o == value}>{ *o }</option> }) }
                        </select> }
                    }
                };
                let is_default = value == default;
                html! {
                    <label class={classes!("param", (!is_default).then_some("changed"))} {title}>
                        <span>{ spec.label }</span>
                        { input }
                        <span class="muted">{ format!("default {default}") }</span>
                    </label>
                }
            }) }
            </div>
        </details>
    }
}

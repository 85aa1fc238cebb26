//! The verdicts panel: Raft's safety invariants and the client history's linearizability as the
//! orchestrator checks them (green while they hold, red at a violation, with a jump to its moment),
//! and, for the KV engine, a client form (put / get / cas / lock / unlock against a chosen node, reads linearizable
//! or serializable) with every request's answer and revision.

use std::rc::Rc;

use quorate_view::verdicts::{CheckState, CheckView, ReadKind, RequestView, VerdictsView};
use quorate_view::{Frame, UiCommand};
use yew::prelude::*;

#[derive(Properties)]
pub struct VerdictsPanelProps {
    pub frame: Rc<Frame>,
    /// Where commands go (the orchestrator bridge).
    pub send: Callback<UiCommand>,
    /// Pause and show this moment (µs).
    pub on_jump: Callback<u64>,
}

/// What the panel and its client form draw of a frame: the verdicts, and the nodes to ask (with the
/// leader marked).
fn drawn(f: &Frame) -> (&Option<VerdictsView>, Vec<(u32, bool)>) {
    (
        &f.verdicts,
        f.nodes
            .iter()
            .map(|n| (n.id, n.role.as_deref() == Some("leader")))
            .collect(),
    )
}

/// Equal when the panel would draw the same, so it is not drawn again for every frame.
impl PartialEq for VerdictsPanelProps {
    fn eq(&self, other: &Self) -> bool {
        self.send == other.send
            && self.on_jump == other.on_jump
            && (Rc::ptr_eq(&self.frame, &other.frame) || drawn(&self.frame) == drawn(&other.frame))
    }
}

/// A lower-case, dash-separated name for test ids.
fn slug(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

fn secs(us: u64) -> String {
    format!("{:.3} s", us as f64 / 1e6)
}

#[derive(Clone, Copy, PartialEq)]
enum Verb {
    Put,
    Get,
    Cas,
    Lock,
    Unlock,
}

impl Verb {
    fn name(self) -> &'static str {
        match self {
            Verb::Put => "put",
            Verb::Get => "get",
            Verb::Cas => "cas",
            Verb::Lock => "lock",
            Verb::Unlock => "unlock",
        }
    }
}

#[component]
pub fn VerdictsPanel(props: &VerdictsPanelProps) -> Html {
    let Some(v) = props.frame.verdicts.as_ref() else {
        return html! {};
    };
    let broken = v.violation();
    let gave_up = v.checks.iter().any(|c| c.state == CheckState::GaveUp);
    let (tone, headline) = match broken {
        Some(c) => ("bad", format!("Violated: {}", c.name)),
        None if gave_up => ("warn", "Holds so far (one check gave up)".to_string()),
        None => ("good", "All checks hold".to_string()),
    };
    html! {
        <section class={classes!("verdicts", format!("tone-{tone}"))} aria-label="Verdicts">
            <h2>
                { "Verdicts " }
                <span class={classes!("badge", format!("tone-{tone}"))} role="status" data-testid="verdict">{ headline }</span>
            </h2>
            <ul class="checks">
                { for v.checks.iter().map(|c| check_row(c, &props.on_jump)) }
            </ul>
            <p class="hint">
                { "Checked from the run's events as it plays. Log Matching and Leader Completeness need every log at every event: " }
                <code>{ "quorate raft soak" }</code>{ " checks them." }
            </p>
            if v.kv {
                <ClientForm frame={props.frame.clone()} send={props.send.clone()} />
                { requests(v) }
            }
        </section>
    }
}

fn check_row(c: &CheckView, on_jump: &Callback<u64>) -> Html {
    let (class, mark) = match c.state {
        CheckState::Holds => ("holds", "✓"),
        CheckState::Violated => ("violated", "✗"),
        CheckState::GaveUp => ("gave-up", "?"),
    };
    html! {
        <li class={classes!("check", class)} data-testid={format!("check-{}", slug(&c.name))}>
            <span class="mark" aria-hidden="true">{ mark }</span>
            <strong>{ &c.name }</strong>
            <span class="state">{ match c.state { CheckState::Holds => "holds", CheckState::Violated => "violated", CheckState::GaveUp => "gave up" } }</span>
            <span class="detail">{ &c.detail }</span>
            if let Some(at) = c.at_us {
                <button onclick={on_jump.reform(move |_| at)} aria-label={format!("jump to {}, the violation of {}", secs(at), c.name)}
                    title="Pause and move the timeline to the moment of the violation">
                    { format!("jump to {}", secs(at)) }
                </button>
            }
        </li>
    }
}

fn requests(v: &VerdictsView) -> Html {
    if v.requests.is_empty() {
        return html! { <p class="hint">{ "No requests yet." }</p> };
    }
    html! {
        <table class="sys-table requests" aria-label="client requests">
            <thead><tr>
                <th>{ "#" }</th><th>{ "node" }</th><th>{ "request" }</th><th>{ "read" }</th>
                <th>{ "sent" }</th><th>{ "answer" }</th><th>{ "rev" }</th><th>{ "answered" }</th>
            </tr></thead>
            <tbody>
                { for v.requests.iter().rev().map(|r| request_row(r, v.offender == Some(r.tag))) }
            </tbody>
        </table>
    }
}

/// One request; `offender` marks the one whose answer broke linearizability.
fn request_row(r: &RequestView, offender: bool) -> Html {
    let read = match r.read {
        Some(ReadKind::Linearizable) => "linearizable",
        Some(ReadKind::Serializable) => "serializable",
        None => "",
    };
    let tone = match &r.answer {
        _ if offender => "tone-bad",
        None => "tone-muted",
        Some(a) if !a.ok => "tone-bad",
        Some(_) if r.read == Some(ReadKind::Serializable) => "tone-warn",
        Some(_) => "tone-good",
    };
    html! {
        <tr class={classes!(tone, offender.then_some("offender"))} data-testid={format!("request-{}", r.tag)}>
            <td>{ r.tag }</td>
            <td>{ format!("n{}", r.node) }</td>
            <td><code>{ &r.request }</code></td>
            <td title={ if r.read == Some(ReadKind::Serializable) { "served from this node's own store at once: may be stale" } else { "" } }>{ read }</td>
            <td>{ secs(r.sent_us) }</td>
            if let Some(a) = &r.answer {
                <td data-testid="answer">
                    { &a.text }
                    if offender {
                        <span class="flag" title="No order of the requests explains this answer">{ "not linearizable" }</span>
                    }
                </td>
                <td data-testid="revision">{ a.revision }</td>
                <td>{ secs(a.at_us) }</td>
            } else {
                <td data-testid="answer">{ "waiting…" }</td><td></td><td></td>
            }
        </tr>
    }
}

#[derive(Properties)]
struct ClientFormProps {
    frame: Rc<Frame>,
    send: Callback<UiCommand>,
}

impl PartialEq for ClientFormProps {
    fn eq(&self, other: &Self) -> bool {
        self.send == other.send
            && (Rc::ptr_eq(&self.frame, &other.frame)
                || drawn(&self.frame).1 == drawn(&other.frame).1)
    }
}

/// The request form. Its words go to the orchestrator as a client command, so the command log
/// (links, time travel) carries them.
#[component]
fn ClientForm(props: &ClientFormProps) -> Html {
    let verb = use_state(|| Verb::Put);
    let node = use_state(|| None::<u32>);
    let serializable = use_state(|| false);
    let key = use_state(|| "x".to_string());
    let value = use_state(|| "1".to_string());
    let old = use_state(|| "1".to_string());
    let problem = use_state(|| None::<String>);
    let frame = &props.frame;
    // Until one is chosen, ask the leader (or the first node).
    let target = node.unwrap_or_else(|| {
        frame
            .nodes
            .iter()
            .find(|n| n.role.as_deref() == Some("leader"))
            .or(frame.nodes.first())
            .map_or(1, |n| n.id)
    });
    let text = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            state.set(input.value());
        })
    };
    let on_verb = {
        let verb = verb.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            verb.set(match select.value().as_str() {
                "get" => Verb::Get,
                "cas" => Verb::Cas,
                "lock" => Verb::Lock,
                "unlock" => Verb::Unlock,
                _ => Verb::Put,
            });
        })
    };
    let on_node = {
        let node = node.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            node.set(select.value().parse().ok());
        })
    };
    let on_mode = {
        let serializable = serializable.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            serializable.set(select.value() == "serializable");
        })
    };
    let on_submit = {
        let (verb, key, value, old, serializable, problem) = (
            verb.clone(),
            key.clone(),
            value.clone(),
            old.clone(),
            serializable.clone(),
            problem.clone(),
        );
        let send = props.send.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let word = |what: &str, s: &str| -> Result<String, String> {
                let s = s.trim();
                if s.is_empty() || s.contains(char::is_whitespace) {
                    Err(format!("the {what} must be one word, without spaces"))
                } else {
                    Ok(s.to_string())
                }
            };
            let words = (|| -> Result<String, String> {
                let k = word("key", &key)?;
                Ok(match *verb {
                    Verb::Put => format!("put {k} {}", word("value", &value)?),
                    Verb::Get if *serializable => format!("get {k} serializable"),
                    Verb::Get => format!("get {k}"),
                    Verb::Cas => format!(
                        "cas {k} {} {}",
                        word("expected value", &old)?,
                        word("new value", &value)?
                    ),
                    Verb::Lock => format!("lock {k} {}", word("owner", &value)?),
                    Verb::Unlock => format!("unlock {k} {}", word("owner", &value)?),
                })
            })();
            match words {
                Ok(words) => {
                    problem.set(None);
                    send.emit(UiCommand::Client {
                        node: target,
                        words,
                    });
                }
                Err(e) => problem.set(Some(e)),
            }
        })
    };
    html! {
        <form class="kv-client" onsubmit={on_submit} aria-label="KV client">
            <label>{ "ask " }
                <select aria-label="node to ask" onchange={on_node}>
                    { for frame.nodes.iter().map(|n| html! {
                        <option value={n.id.to_string()} selected={n.id == target}>
                            { format!("n{}{}", n.id, if n.role.as_deref() == Some("leader") { " (leader)" } else { "" }) }
                        </option>
                    }) }
                </select>
            </label>
            <select aria-label="request" onchange={on_verb}>
                { for [Verb::Put, Verb::Get, Verb::Cas, Verb::Lock, Verb::Unlock].into_iter().map(|v| html! {
                    <option value={v.name()} selected={*verb == v}>{ v.name() }</option>
                }) }
            </select>
            <input type="text" aria-label="key" size="6" value={(*key).clone()} oninput={text(&key)} />
            if *verb == Verb::Cas {
                <input type="text" aria-label="expected value" size="5" value={(*old).clone()} oninput={text(&old)} title="Swap only if the key holds this value" />
                <span aria-hidden="true">{ "→" }</span>
            }
            if matches!(*verb, Verb::Lock | Verb::Unlock) {
                <input type="text" aria-label="owner" size="5" value={(*value).clone()} oninput={text(&value)}
                    title={if *verb == Verb::Lock { "Take the key as a lock for this owner if no one holds it" } else { "Free the lock if this owner holds it" }} />
            } else if *verb != Verb::Get {
                <input type="text" aria-label="value" size="5" value={(*value).clone()} oninput={text(&value)} />
            } else {
                <select aria-label="read mode" onchange={on_mode}
                    title="Linearizable: through the leader's ReadIndex (a quorum confirms it is still the leader). Serializable: this node's own store at once (fast, works in a minority, may be stale).">
                    <option value="linearizable" selected={!*serializable}>{ "linearizable (ReadIndex)" }</option>
                    <option value="serializable" selected={*serializable}>{ "serializable (local, may be stale)" }</option>
                </select>
            }
            <button type="submit" aria-label="send the request">{ "Send" }</button>
            if let Some(p) = &*problem {
                <span class="problem" role="alert">{ p }</span>
            }
        </form>
    }
}

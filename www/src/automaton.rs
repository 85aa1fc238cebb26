//! The automata beside the selected node, as small SVG state diagrams: Raft's role automaton (Raft paper
//! Figure 4 plus PreVote's pre-candidate) for the node itself, and gossip's member-state automaton
//! (alive, suspect, dead, left) as the node sees one chosen peer. The current state is filled, the
//! transition taken last is drawn bold, and its cause is written under the diagram.

use quorate_view::{AutomatonView, EngineKind};
use yew::prelude::*;

use crate::glossary::term;

/// A state and where it sits in the 320 × 150 drawing.
struct Place {
    name: &'static str,
    x: f64,
    y: f64,
}

/// An edge of the automaton and what, in general, takes it.
struct Edge {
    from: &'static str,
    to: &'static str,
    takes: &'static str,
}

const RAFT_PLACES: &[Place] = &[
    Place {
        name: "follower",
        x: 50.0,
        y: 90.0,
    },
    Place {
        name: "pre-candidate",
        x: 160.0,
        y: 28.0,
    },
    Place {
        name: "candidate",
        x: 160.0,
        y: 122.0,
    },
    Place {
        name: "leader",
        x: 272.0,
        y: 90.0,
    },
];

const RAFT_EDGES: &[Edge] = &[
    Edge {
        from: "follower",
        to: "pre-candidate",
        takes: "election timeout (PreVote on)",
    },
    Edge {
        from: "follower",
        to: "candidate",
        takes: "election timeout (PreVote off), or leadership transfer",
    },
    Edge {
        from: "pre-candidate",
        to: "candidate",
        takes: "pre-votes won",
    },
    Edge {
        from: "pre-candidate",
        to: "follower",
        takes: "pre-vote lost, leader heard, or higher term seen",
    },
    Edge {
        from: "candidate",
        to: "leader",
        takes: "votes won",
    },
    Edge {
        from: "candidate",
        to: "follower",
        takes: "election lost, leader heard, or higher term seen",
    },
    Edge {
        from: "leader",
        to: "follower",
        takes: "higher term seen, quorum lost (CheckQuorum), or removed",
    },
    Edge {
        from: "follower",
        to: "follower",
        takes: "higher term seen, or a new leader heard",
    },
    Edge {
        from: "pre-candidate",
        to: "pre-candidate",
        takes: "election timeout: poll again",
    },
    Edge {
        from: "candidate",
        to: "candidate",
        takes: "election timeout: a split vote, try a higher term",
    },
];

const GOSSIP_PLACES: &[Place] = &[
    Place {
        name: "alive",
        x: 55.0,
        y: 40.0,
    },
    Place {
        name: "suspect",
        x: 265.0,
        y: 40.0,
    },
    Place {
        name: "dead",
        x: 265.0,
        y: 118.0,
    },
    Place {
        name: "left",
        x: 55.0,
        y: 118.0,
    },
];

const GOSSIP_EDGES: &[Edge] = &[
    Edge {
        from: "alive",
        to: "suspect",
        takes: "a suspect message (a probe failed)",
    },
    Edge {
        from: "suspect",
        to: "alive",
        takes: "an alive message at a higher incarnation (a refutation)",
    },
    Edge {
        from: "suspect",
        to: "dead",
        takes: "the suspicion timed out, or a dead message",
    },
    Edge {
        from: "alive",
        to: "dead",
        takes: "a dead message",
    },
    Edge {
        from: "dead",
        to: "alive",
        takes: "an alive message at a higher incarnation (back again)",
    },
    Edge {
        from: "alive",
        to: "left",
        takes: "the member announced its leave",
    },
    Edge {
        from: "suspect",
        to: "left",
        takes: "the member announced its leave",
    },
    Edge {
        from: "left",
        to: "alive",
        takes: "the member joined again",
    },
    Edge {
        from: "suspect",
        to: "suspect",
        takes: "a confirmation from another member",
    },
];

const RADIUS: f64 = 24.0;

fn place<'a>(places: &'a [Place], name: &str) -> Option<&'a Place> {
    places.iter().find(|p| p.name == name)
}

/// An edge's path: a curve bowing to its left (so the two directions between a pair stay apart), or
/// a loop above the state; trimmed to the circles' rims.
fn edge_path(places: &[Place], e: &Edge) -> Option<String> {
    let a = place(places, e.from)?;
    let b = place(places, e.to)?;
    if e.from == e.to {
        let (x, y) = (a.x, a.y - RADIUS + 2.0);
        return Some(format!(
            "M {:.1} {:.1} C {:.1} {:.1} {:.1} {:.1} {:.1} {:.1}",
            x - 10.0,
            y,
            x - 26.0,
            y - 30.0,
            x + 26.0,
            y - 30.0,
            x + 10.0,
            y
        ));
    }
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let (ux, uy) = (dx / len, dy / len);
    // Perpendicular, to the left of the direction of travel.
    let (px, py) = (uy, -ux);
    let bow = 14.0;
    let (sx, sy) = (a.x + ux * RADIUS + px * 6.0, a.y + uy * RADIUS + py * 6.0);
    let (tx, ty) = (
        b.x - ux * (RADIUS + 3.0) + px * 6.0,
        b.y - uy * (RADIUS + 3.0) + py * 6.0,
    );
    let (cx, cy) = ((a.x + b.x) / 2.0 + px * bow, (a.y + b.y) / 2.0 + py * bow);
    Some(format!(
        "M {sx:.1} {sy:.1} Q {cx:.1} {cy:.1} {tx:.1} {ty:.1}"
    ))
}

#[derive(Properties, PartialEq)]
pub struct AutomatonProps {
    pub engine: EngineKind,
    /// The node whose automaton (or whose view of a peer) this is.
    pub node: u32,
    pub automata: Vec<AutomatonView>,
}

/// The selected node's automaton (Raft) or its view of a chosen peer (gossip), with a peer picker.
#[component]
pub fn Automata(props: &AutomatonProps) -> Html {
    let chosen = use_state(|| None::<u32>);
    let gossip = props.automata.iter().any(|a| a.subject.is_some());
    // Gossip: the chosen peer if this node knows it, else the peer whose state changed last.
    let shown = if gossip {
        props
            .automata
            .iter()
            .find(|a| a.subject.is_some() && a.subject == *chosen)
            .or_else(|| {
                props
                    .automata
                    .iter()
                    .filter(|a| a.last.is_some())
                    .max_by_key(|a| a.last.as_ref().map(|t| t.at_us))
            })
            .or_else(|| props.automata.first())
    } else {
        props.automata.iter().find(|a| a.subject.is_none())
    };
    let Some(a) = shown else {
        return html! {};
    };
    let (places, edges) = if gossip || props.engine == EngineKind::Gossip {
        (GOSSIP_PLACES, GOSSIP_EDGES)
    } else {
        (RAFT_PLACES, RAFT_EDGES)
    };
    let taken = a
        .last
        .as_ref()
        .and_then(|t| t.from.as_deref().map(|f| (f.to_string(), t.to.clone())));
    let node = props.node;
    let heading = match a.subject {
        Some(peer) => {
            html! { <>{ format!("n{peer} as n{node} sees it: ") }{ term("member state") }</> }
        }
        None => html! { <>{ format!("n{node}: ") }{ term("role") }</> },
    };
    let caption = match &a.last {
        Some(t) => format!(
            "{} → {}: {} · at {:.3} s",
            t.from.as_deref().unwrap_or("(first heard of)"),
            t.to,
            t.cause,
            t.at_us as f64 / 1e6
        ),
        None => format!("{} since it started: no transition yet", a.state),
    };
    let on_peer = {
        let chosen = chosen.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            chosen.set(select.value().parse().ok());
        })
    };
    let label = match a.subject {
        Some(peer) => format!(
            "member-state automaton of n{peer} as n{node} sees it, now {}",
            a.state
        ),
        None => format!("role automaton of n{node}, now {}", a.state),
    };
    html! {
        <section class="automaton" aria-label="automaton" data-testid="automaton"
            data-node={node.to_string()} data-state={a.state.clone()}
            data-subject={a.subject.map(|s| s.to_string()).unwrap_or_default()}
            data-from={a.last.as_ref().and_then(|t| t.from.clone()).unwrap_or_default()}
            data-to={a.last.as_ref().map(|t| t.to.clone()).unwrap_or_default()}
            data-cause={a.last.as_ref().map(|t| t.cause.clone()).unwrap_or_default()}>
            <h2>{ heading }</h2>
            if gossip {
                <label class="peer">
                    { "peer " }
                    <select aria-label="peer whose state to show" onchange={on_peer}>
                        { for props.automata.iter().filter_map(|p| p.subject.map(|s| (s, p))).map(|(s, p)| html! {
                            <option value={s.to_string()} selected={Some(s) == a.subject}>{ format!("n{s} ({})", p.state) }</option>
                        }) }
                    </select>
                </label>
            }
            <svg viewBox="0 0 320 150" role="img" aria-label={label}>
                <defs>
                    <marker id="automaton-arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
                    </marker>
                </defs>
                { for edges.iter().filter_map(|e| {
                    let d = edge_path(places, e)?;
                    let is_taken = taken.as_ref().is_some_and(|(f, t)| f == e.from && t == e.to);
                    Some(html! {
                        <path class={classes!("edge", is_taken.then_some("taken"))} d={d} marker-end="url(#automaton-arrow)"
                            data-edge={format!("{}>{}", e.from, e.to)}>
                            <title>{ format!("{} → {}: {}", e.from, e.to, e.takes) }</title>
                        </path>
                    })
                }) }
                { for places.iter().map(|p| {
                    let current = p.name == a.state;
                    html! {
                        <g class={classes!("state", current.then_some("current"))} data-state={p.name}>
                            <circle cx={p.x.to_string()} cy={p.y.to_string()} r={RADIUS.to_string()} />
                            <text x={p.x.to_string()} y={(p.y + 4.0).to_string()}>{ short(p.name) }</text>
                        </g>
                    }
                }) }
            </svg>
            <p class="cause" data-testid="automaton-cause">{ caption }</p>
        </section>
    }
}

/// A state's name short enough for its circle.
fn short(name: &str) -> &str {
    match name {
        "pre-candidate" => "pre-cand.",
        "candidate" => "candidate",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_edge_joins_two_drawn_states() {
        for (places, edges) in [(RAFT_PLACES, RAFT_EDGES), (GOSSIP_PLACES, GOSSIP_EDGES)] {
            for e in edges {
                assert!(edge_path(places, e).is_some(), "{} > {}", e.from, e.to);
            }
        }
    }
}

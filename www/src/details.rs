//! The selected node's panel beside the cards: its details as the engine lists them (or, down, why
//! there are none), its automata, and with a worker per node the button that crashes that worker.

use quorate_view::{EngineKind, NodeStatus, NodeView};
use yew::prelude::*;

use crate::automaton::Automata;
use crate::glossary;

#[derive(Properties, PartialEq)]
pub struct NodeDetailsProps {
    pub engine: EngineKind,
    pub node: NodeView,
    /// The run has a worker per node.
    pub per_node: bool,
    pub on_crash: Callback<u32>,
}

#[component]
pub fn NodeDetails(props: &NodeDetailsProps) -> Html {
    let node = &props.node;
    let id = node.id;
    let down = node.status == NodeStatus::Down;
    html! {
        <>
            if node.details.is_empty() && down {
                // A down node has no state to show: say so rather than draw an empty box.
                <p class="details gone" data-testid="details-gone">
                    { format!("n{id} is down: its memory is gone{}. Restart boots it from what it persisted.",
                        if props.per_node { " with its worker" } else { "" }) }
                </p>
            } else {
                <dl class="details" aria-label={format!("details of n{id}")}>
                    { for node.details.iter().map(|(k, v)| html! { <><dt>{ glossary::term(k) }</dt><dd>{ v }</dd></> }) }
                </dl>
            }
            if !node.automata.is_empty() {
                <Automata engine={props.engine} node={id} automata={node.automata.clone()} />
            }
            if props.per_node && !down {
                <button class="crash" onclick={props.on_crash.reform(move |_| id)} aria-label={format!("crash its worker (n{id})")}
                    title="Make this node's worker panic, as a bug in its engine would: the node is reported crashed and the others go on">
                    { "crash its worker" }
                </button>
            }
        </>
    }
}

//! A node's card beside the ring: status, role, summary, side B, kill / restart / pause, and its log grid.
//!
//! A card is drawn again only when what it shows changes: its props compare the node's status, role,
//! summary and log, not the whole frame, whose timers and details move every frame. With nine Raft
//! nodes that is nine log grids (up to a hundred cells each) the page no longer rebuilds per frame.

use std::rc::Rc;

use quorate_view::{FollowerView, Frame, LogCell, LogMarks, NodeStatus, NodeView, UiCommand};
use yew::prelude::*;

use crate::app::{role_class, status_class, status_text};
use crate::glossary;
use crate::loggrid::LogGrid;

#[derive(Properties)]
pub struct NodeCardProps {
    /// The frame; the card draws `frame.nodes[index]`.
    pub frame: Rc<Frame>,
    pub index: usize,
    /// Whether the node is ticked for side B of the next partition.
    pub side_b: bool,
    /// Where commands go (the orchestrator bridge).
    pub send: Callback<UiCommand>,
    pub on_select: Callback<u32>,
    pub on_side: Callback<u32>,
}

impl NodeCardProps {
    fn node(&self) -> Option<&NodeView> {
        self.frame.nodes.get(self.index)
    }
}

/// What a card draws of its node.
type Drawn<'a> = (
    u32,
    NodeStatus,
    &'a Option<String>,
    &'a String,
    &'a Vec<LogCell>,
    Option<LogMarks>,
    &'a Vec<FollowerView>,
);

fn drawn(n: Option<&NodeView>) -> Option<Drawn<'_>> {
    n.map(|n| {
        (
            n.id,
            n.status,
            &n.role,
            &n.summary,
            &n.log,
            n.log_marks,
            &n.followers,
        )
    })
}

/// Equal when the card would draw the same: the node's drawn fields, not the rest of the frame.
impl PartialEq for NodeCardProps {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index
            && self.side_b == other.side_b
            && self.send == other.send
            && self.on_select == other.on_select
            && self.on_side == other.on_side
            && (Rc::ptr_eq(&self.frame, &other.frame) || drawn(self.node()) == drawn(other.node()))
    }
}

#[component]
pub fn NodeCard(props: &NodeCardProps) -> Html {
    let Some(n) = props.node() else {
        return html! {};
    };
    let id = n.id;
    let down = n.status == NodeStatus::Down;
    let paused = n.status == NodeStatus::Paused;
    let send = |command: fn(u32) -> UiCommand| props.send.reform(move |_: MouseEvent| command(id));
    html! {
        <div class={classes!("node-card", status_class(n.status), n.role.as_deref().map(role_class))} data-node={id.to_string()}
            onclick={props.on_select.reform(move |_| id)}>
            <strong>{ format!("n{id}") }</strong>
            <span class="status" data-testid={format!("status-n{id}")}>{ status_text(n.status) }</span>
            <span class="role" data-testid={format!("role-n{id}")}>{ glossary::term(n.role.as_deref().unwrap_or_default()) }</span>
            <span class="summary" data-testid={format!("summary-n{id}")} title={n.summary.clone()}>{ &n.summary }</span>
            <label class="side" title="Side B of the next partition">
                <input type="checkbox" checked={props.side_b} onchange={props.on_side.reform(move |_| id)} aria-label={format!("put n{id} on side B")} />
                { "B" }
            </label>
            if down {
                <button onclick={send(UiCommand::Restart)} aria-label={format!("restart n{id}")}>{ "restart" }</button>
            } else {
                <button onclick={send(UiCommand::Kill)} aria-label={format!("kill n{id}")}>{ "kill" }</button>
                <button onclick={send(if paused { UiCommand::Resume } else { UiCommand::Pause })}
                    aria-label={format!("{} n{id}", if paused { "resume" } else { "pause" })}>
                    { if paused { "resume" } else { "pause" } }
                </button>
            }
            if !n.log.is_empty() || n.log_marks.is_some() {
                <LogGrid id={id} cells={n.log.clone()} marks={n.log_marks} followers={n.followers.clone()} />
            }
        </div>
    }
}

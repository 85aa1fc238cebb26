//! Nodes on a ring and the messages in flight between them: the nodes, links and faults in SVG, the
//! messages and countdowns on a canvas over it (`ring_layer`).

use std::f64::consts::PI;
use std::rc::Rc;

use quorate_view::{Frame, NodeStatus};
use yew::prelude::*;

use crate::app::{role_class, status_class};
use crate::ring_layer::{self, Palette, Shapes, NODE_R, SIZE};

#[derive(Properties, PartialEq)]
pub struct RingProps {
    pub frame: Rc<Frame>,
    pub selected: Option<u32>,
    pub on_select: Callback<u32>,
    /// The page shows its light theme: a change draws the messages again in that theme's shades,
    /// paused or not.
    pub light: bool,
}

const RADIUS: f64 = 180.0;

/// Position of the `index`-th of `count` nodes, the first at the top, clockwise.
fn place(index: usize, count: usize) -> (f64, f64) {
    let angle = -PI / 2.0 + 2.0 * PI * index as f64 / count.max(1) as f64;
    (
        SIZE / 2.0 + RADIUS * angle.cos(),
        SIZE / 2.0 + RADIUS * angle.sin(),
    )
}

#[component]
pub fn Ring(props: &RingProps) -> Html {
    let frame = &props.frame;
    let count = frame.nodes.len();
    let position = |id: u32| {
        frame
            .nodes
            .iter()
            .position(|n| n.id == id)
            .map(|i| place(i, count))
    };
    // Network faults on their links: a cut dashed red with an arrow towards the side that hears
    // nothing (both arrows when cut both ways); a link with loss or its own latency labelled.
    let net = &frame.network;
    let edge = |a: (f64, f64), b: (f64, f64)| {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let (ux, uy) = (dx / len, dy / len);
        (
            (a.0 + ux * (NODE_R + 4.0), a.1 + uy * (NODE_R + 4.0)),
            (b.0 - ux * (NODE_R + 6.0), b.1 - uy * (NODE_R + 6.0)),
        )
    };
    let cuts = net.cut.iter().filter_map(|&(a, b)| {
        let both = net.cut.contains(&(b, a));
        if both && a > b {
            return None;
        }
        let (s, e) = edge(position(a)?, position(b)?);
        let title = if both {
            format!("n{a} ↔ n{b}: cut both ways")
        } else {
            format!("n{a} → n{b}: cut one way (n{b} → n{a} still delivers)")
        };
        Some(html! {
            <line class={classes!("cut", both.then_some("both"))} data-cut={format!("n{a}-n{b}")}
                x1={format!("{:.1}", s.0)} y1={format!("{:.1}", s.1)} x2={format!("{:.1}", e.0)} y2={format!("{:.1}", e.1)}
                marker-end="url(#cut-arrow)" marker-start={both.then_some("url(#cut-arrow-back)")}>
                <title>{ title }</title>
            </line>
        })
    });
    let tuned = net.links.iter().filter_map(|&(a, b, l)| {
        let (pa, pb) = (position(a)?, position(b)?);
        let (s, e) = edge(pa, pb);
        // The label sits a third of the way from the sender, so a→b and b→a do not overlap.
        let (lx, ly) = (s.0 + (e.0 - s.0) / 3.0, s.1 + (e.1 - s.1) / 3.0);
        let text = if l.loss_pct > 0.0 {
            format!("{:.0}% loss", l.loss_pct)
        } else {
            format!("{:.0}–{:.0} ms", l.min_ms, l.max_ms)
        };
        Some(html! {
            <g class={classes!("tuned", (l.loss_pct >= 100.0).then_some("dead"))} data-link={format!("n{a}-n{b}")}>
                <line x1={format!("{:.1}", s.0)} y1={format!("{:.1}", s.1)} x2={format!("{:.1}", e.0)} y2={format!("{:.1}", e.1)} marker-end="url(#link-arrow)" />
                <text x={format!("{lx:.1}")} y={format!("{ly:.1}")}>{ text }</text>
                <title>{ format!("n{a} → n{b}: loss {:.0}%, latency {:.0}–{:.0} ms", l.loss_pct, l.min_ms, l.max_ms) }</title>
            </g>
        })
    });
    let slow: std::collections::BTreeMap<u32, f64> = net.slow.iter().copied().collect();
    // The moving layer: drawn after each render, kept for the pointer's tooltip.
    let shapes = use_mut_ref(Shapes::default);
    let palette = use_mut_ref(|| None::<(Option<String>, Palette)>);
    let canvas = use_node_ref();
    let side = ((SIZE * ring_layer::density()).round() as u32).to_string();
    let drawn = {
        let mut shapes = shapes.borrow_mut();
        *shapes = Shapes::of(frame, props.light, |i| place(i, count));
        shapes.drawn()
    };
    {
        let (canvas, shapes) = (canvas.clone(), shapes.clone());
        use_effect(move || {
            if let Some(el) = canvas.cast::<web_sys::HtmlCanvasElement>() {
                let mut palette = palette.borrow_mut();
                ring_layer::draw(&el, &shapes.borrow(), Palette::cached(&mut palette, &el));
            }
        });
    }
    // The box by reference: Yew delegates events from its root, so the event's current target is
    // not the box.
    let ring_box = use_node_ref();
    let onmousemove = {
        let (shapes, ring_box) = (shapes.clone(), ring_box.clone());
        use_callback((), move |e: MouseEvent, _| {
            let Some(target) = ring_box.cast::<web_sys::Element>() else {
                return;
            };
            // The canvas and the SVG fit the same square into the box (object-fit: contain, and the
            // viewBox's meet), inside its 1px border.
            let rect = target.get_bounding_client_rect();
            let (w, h) = (rect.width() - 2.0, rect.height() - 2.0);
            let scale = w.min(h) / SIZE;
            if scale <= 0.0 {
                return;
            }
            let x =
                (f64::from(e.client_x()) - rect.left() - 1.0 - (w - SIZE * scale) / 2.0) / scale;
            let y = (f64::from(e.client_y()) - rect.top() - 1.0 - (h - SIZE * scale) / 2.0) / scale;
            match shapes.borrow().label_at(x, y) {
                Some(label) => {
                    let _ = target.set_attribute("title", label);
                }
                None => {
                    let _ = target.remove_attribute("title");
                }
            }
        })
    };
    html! {
        <div class="ring-box" ref={ring_box} {onmousemove}>
        <svg class="ring" viewBox={format!("0 0 {SIZE} {SIZE}")} role="img" aria-label="Cluster: nodes on a ring with messages in flight">
            <defs>
                <marker id="cut-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                    <path class="cut-head" d="M0,0 L10,5 L0,10 z" />
                </marker>
                <marker id="cut-arrow-back" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                    <path class="cut-head" d="M0,0 L10,5 L0,10 z" />
                </marker>
                <marker id="link-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" orient="auto-start-reverse">
                    <path class="tuned-head" d="M0,0 L10,5 L0,10 z" />
                </marker>
            </defs>
            // Each group in its own element: Yew matches an element's children by position from the
            // end, so a list that grows by one (a message sent) would otherwise shift every sibling
            // before it onto a different element and rebuild the nodes and links each frame.
            <g class="links"><Links {count} /></g>
            <g class="tuned-links">{ for tuned }</g>
            <g class="cuts">{ for cuts }</g>
            <g class="nodes">
            { for frame.nodes.iter().enumerate().map(|(i, n)| html! {
                <RingNode key={n.id} id={n.id} status={n.status} role={n.role.clone()} summary={n.summary.clone()} index={i} {count} selected={props.selected == Some(n.id)}
                    slow={slow.get(&n.id).copied()} on_select={props.on_select.clone()} />
            }) }
            </g>
        </svg>
        <canvas ref={canvas} class="ring-layer" aria-hidden="true" data-drawn={drawn}
            width={side.clone()} height={side} />
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct LinksProps {
    count: usize,
}

/// Faint links between every pair, for small clusters: where messages can travel. Drawn again only
/// when the cluster's size changes.
#[component]
fn Links(props: &LinksProps) -> Html {
    let count = props.count;
    if count > 12 {
        return html! {};
    }
    let mut lines = Vec::new();
    for i in 0..count {
        for j in i + 1..count {
            let (a, b) = (place(i, count), place(j, count));
            lines.push(html! { <line class="link" x1={format!("{:.1}", a.0)} y1={format!("{:.1}", a.1)} x2={format!("{:.1}", b.0)} y2={format!("{:.1}", b.1)} /> });
        }
    }
    lines.into_iter().collect::<Html>()
}

#[derive(Properties, PartialEq)]
struct RingNodeProps {
    id: u32,
    status: NodeStatus,
    role: Option<String>,
    summary: String,
    index: usize,
    count: usize,
    selected: bool,
    /// The node's slow-down per received message (ms), if it is slow.
    slow: Option<f64>,
    on_select: Callback<u32>,
}

/// One node on the ring: its circle, name, role and summary (its countdown is on the canvas). Drawn
/// again only when what it shows changes.
#[component]
fn RingNode(props: &RingNodeProps) -> Html {
    let n = props;
    let (x, y) = place(props.index, props.count);
    let id = n.id;
    let onclick = props.on_select.reform(move |_| id);
    let down = n.status == NodeStatus::Down;
    // Inside the circle the role (or "down"); below it the summary line, when there is a role.
    let sub = if down {
        "down".to_string()
    } else {
        n.role.clone().unwrap_or_else(|| n.summary.clone())
    };
    let mut below = if down || n.role.is_some() {
        n.summary.clone()
    } else {
        String::new()
    };
    if let Some(delay) = props.slow {
        below = format!("{below} · slow +{delay:.0} ms");
    }
    html! {
        <g class={classes!("node", status_class(n.status), n.role.as_deref().map(role_class), props.selected.then_some("selected"), props.slow.is_some().then_some("slow"))} data-node={id.to_string()} {onclick}>
            <circle cx={format!("{x:.1}")} cy={format!("{y:.1}")} r={NODE_R.to_string()} />
            <text x={format!("{x:.1}")} y={format!("{:.1}", y - 4.0)} class="name">{ format!("n{id}") }</text>
            <text x={format!("{x:.1}")} y={format!("{:.1}", y + 14.0)} class="sub">{ sub }</text>
            <text x={format!("{x:.1}")} y={format!("{:.1}", y + NODE_R + 24.0)} class="below">{ below }</text>
        </g>
    }
}

//! What moves on the ring every frame, the messages in flight and the countdown arcs, drawn on a canvas
//! over the ring's SVG. As SVG elements they were a diff, a style pass and a repaint of the ring per
//! frame, and the biggest share of the frames that missed vsync on a 9-node Raft run; on the canvas the
//! SVG changes only when a node's role, status or summary does.
//!
//! The canvas carries what it drew in `data-drawn` (kind, colour and count), which the end-to-end
//! tests read instead of elements, and the ring shows the label of the message or countdown under the
//! pointer as its tooltip.

use std::f64::consts::PI;

use quorate_view::{Frame, NodeStatus};
use wasm_bindgen::JsCast;

use crate::app::role_class;
use crate::kinds;
use crate::lamport::dash;

/// The ring's SVG units (its viewBox is `0 0 SIZE SIZE`).
pub const SIZE: f64 = 500.0;

/// Canvas pixels per SVG unit: the ring is drawn up to about 600 CSS pixels square (70% of the
/// window's height), so 1.25 per device pixel. Every pixel is copied to the compositor each frame:
/// at two per unit (a million pixels) the main thread's commit took 1.2 ms a frame.
pub fn density() -> f64 {
    web_sys::window().map_or(1.0, |w| w.device_pixel_ratio().clamp(1.0, 2.0)) * 1.25
}
/// A node's circle and its countdown arc, in SVG units.
pub const NODE_R: f64 = 38.0;
const TIMER_R: f64 = 45.0;
const MSG_R: f64 = 7.0;

/// The countdowns' colours: the node's own, as its circle's (style.css `--up`, `--paused`).
const UP: &str = "#3fb950";
const PAUSED: &str = "#d29922";

/// One message in flight, where the frame has it.
pub struct Dot {
    pub x: f64,
    pub y: f64,
    /// The kind's CSS class (`r-msgapp`): what `data-drawn` names.
    pub class: String,
    /// The kind's colour on the page's theme (`kinds::colour`, as in the space-time diagram), or a
    /// held message's (`kinds::held`), whatever its kind.
    pub colour: &'static str,
    pub held: bool,
    /// Drawn as a ring, not a disc (`kinds::hollow`: a pre-vote).
    pub hollow: bool,
    pub label: String,
}

/// One node's countdown: the arc left, from the top clockwise.
pub struct Countdown {
    pub x: f64,
    pub y: f64,
    /// Drawn in the node's colour: green, or amber and dashed while the node is paused.
    pub paused: bool,
    /// Fraction of the circle still left, 0..=1.
    pub left: f64,
    pub label: String,
}

/// What a lesson's step points at on the layer (its `look` words), outlined in the lesson's colour.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Look {
    pub messages: bool,
    pub countdowns: bool,
}

impl Look {
    fn of(frame: &Frame) -> Look {
        let words = frame
            .lesson
            .as_ref()
            .and_then(|l| l.step())
            .map(|s| &s.look);
        let has =
            |names: &[&str]| words.is_some_and(|w| w.iter().any(|l| names.contains(&l.as_str())));
        Look {
            messages: has(&["messages", "probes", "rumor"]),
            countdowns: has(&["timer", "suspicion"]),
        }
    }
}

/// What the layer draws for one frame.
#[derive(Default)]
pub struct Shapes {
    pub dots: Vec<Dot>,
    pub countdowns: Vec<Countdown>,
    pub look: Look,
}

/// The theme's colours the layer uses: a lesson's outline.
pub struct Palette {
    pub look: String,
}

impl Palette {
    /// Read from the element's computed style again only when the theme (`data-theme` on the
    /// root) changes: reading computed style right after the frame's DOM changes forces a style
    /// pass in the middle of the frame.
    pub fn cached<'a>(
        cache: &'a mut Option<(Option<String>, Palette)>,
        el: &web_sys::Element,
    ) -> &'a Palette {
        let theme = gloo::utils::document()
            .document_element()
            .and_then(|root| root.get_attribute("data-theme"));
        if cache.as_ref().is_none_or(|(was, _)| *was != theme) {
            let style = web_sys::window().and_then(|w| w.get_computed_style(el).ok().flatten());
            let get = |name: &str, fallback: &str| {
                style
                    .as_ref()
                    .and_then(|s| s.get_property_value(name).ok())
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                    .unwrap_or_else(|| fallback.to_string())
            };
            let palette = Palette {
                look: get("--look", "#f2cc60"),
            };
            *cache = Some((theme, palette));
        }
        &cache.as_ref().expect("filled above").1
    }
}

impl Shapes {
    /// The frame's messages and countdowns at the ring's places (`place(index)` of each node), in
    /// the colours of the theme the page shows (`light`).
    pub fn of(frame: &Frame, light: bool, place: impl Fn(usize) -> (f64, f64)) -> Shapes {
        let position = |id: u32| frame.nodes.iter().position(|n| n.id == id).map(&place);
        let dots = frame
            .messages
            .iter()
            .filter_map(|m| {
                let (from, to) = (position(m.from)?, position(m.to)?);
                // Start and end at the circles' edges, not their centres.
                let (dx, dy) = (to.0 - from.0, to.1 - from.1);
                let len = (dx * dx + dy * dy).sqrt().max(1.0);
                let (ux, uy) = (dx / len, dy / len);
                let travel = (len - 2.0 * NODE_R).max(0.0);
                let p = f64::from(m.progress.unwrap_or(0.0));
                Some(Dot {
                    x: from.0 + ux * (NODE_R + travel * p),
                    y: from.1 + uy * (NODE_R + travel * p),
                    class: role_class(&m.kind),
                    colour: if m.progress.is_none() {
                        kinds::held(light)
                    } else {
                        kinds::colour(&m.kind, light)
                    },
                    held: m.progress.is_none(),
                    hollow: kinds::hollow(&m.kind),
                    label: format!("n{} → n{}: {}", m.from, m.to, m.label),
                })
            })
            .collect();
        let countdowns = frame
            .nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                let t = n.timer.as_ref()?;
                let (x, y) = place(i);
                Some(Countdown {
                    x,
                    y,
                    paused: n.status == NodeStatus::Paused,
                    left: f64::from(t.remaining).clamp(0.0, 1.0),
                    label: format!("n{}: {}: {:.0} ms left", n.id, t.label, t.remaining_ms),
                })
            })
            .collect();
        Shapes {
            dots,
            countdowns,
            look: Look::of(frame),
        }
    }

    /// `data-drawn`: each colour drawn, with the kind it stands for and how many, in a stable order:
    /// "r-msgapp #58a6ff 2, held #d29922 1".
    pub fn drawn(&self) -> String {
        let mut counts = std::collections::BTreeMap::<(&str, &str), u32>::new();
        for d in &self.dots {
            let key = if d.held {
                ("held", d.colour)
            } else {
                (d.class.as_str(), d.colour)
            };
            *counts.entry(key).or_default() += 1;
        }
        counts
            .iter()
            .map(|((kind, colour), n)| format!("{kind} {colour} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The label under a point (SVG units): the nearest message within reach, else a countdown's arc.
    pub fn label_at(&self, x: f64, y: f64) -> Option<&str> {
        let d2 = |a: f64, b: f64| (a - x) * (a - x) + (b - y) * (b - y);
        let reach = (MSG_R + 3.0) * (MSG_R + 3.0);
        let dot = self
            .dots
            .iter()
            .map(|d| (d2(d.x, d.y), d))
            .filter(|(r, _)| *r <= reach)
            .min_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((_, d)) = dot {
            return Some(&d.label);
        }
        self.countdowns
            .iter()
            .find(|c| (d2(c.x, c.y).sqrt() - TIMER_R).abs() <= 5.0)
            .map(|c| c.label.as_str())
    }
}

/// Draws `shapes` on the canvas (square, `SIZE` units wide).
pub fn draw(el: &web_sys::HtmlCanvasElement, shapes: &Shapes, palette: &Palette) -> Option<()> {
    let ctx = el
        .get_context("2d")
        .ok()??
        .dyn_into::<web_sys::CanvasRenderingContext2d>()
        .ok()?;
    let scale = f64::from(el.width()) / SIZE;
    ctx.set_transform(scale, 0.0, 0.0, scale, 0.0, 0.0).ok()?;
    ctx.clear_rect(0.0, 0.0, SIZE, SIZE);
    ctx.set_line_width(if shapes.look.countdowns { 6.0 } else { 4.0 });
    ctx.set_line_cap("round");
    for c in &shapes.countdowns {
        if c.left <= 0.0 {
            continue;
        }
        let colour = match (shapes.look.countdowns, c.paused) {
            (true, _) => palette.look.as_str(),
            (false, true) => PAUSED,
            (false, false) => UP,
        };
        ctx.set_stroke_style_str(colour);
        ctx.set_line_dash(&dash(if c.paused { &[8.0, 5.0] } else { &[] }))
            .ok()?;
        ctx.begin_path();
        ctx.arc(c.x, c.y, TIMER_R, -PI / 2.0, -PI / 2.0 + 2.0 * PI * c.left)
            .ok()?;
        ctx.stroke();
    }
    ctx.set_line_dash(&dash(&[])).ok()?;
    // One path per colour: a fill per colour, not per message.
    let mut by_colour = std::collections::BTreeMap::<&str, Vec<&Dot>>::new();
    for d in &shapes.dots {
        let colour = d.colour;
        by_colour.entry(colour).or_default().push(d);
    }
    for (colour, dots) in by_colour {
        let (open, discs): (Vec<&Dot>, Vec<&Dot>) = dots.into_iter().partition(|d| d.hollow);
        ctx.set_fill_style_str(colour);
        ctx.begin_path();
        for d in discs {
            ctx.move_to(d.x + MSG_R, d.y);
            ctx.arc(d.x, d.y, MSG_R, 0.0, 2.0 * PI).ok()?;
        }
        ctx.fill();
        if shapes.look.messages {
            ctx.set_stroke_style_str(&palette.look);
            ctx.set_line_width(3.0);
            ctx.stroke();
        }
        if open.is_empty() {
            continue;
        }
        // A ring as wide as a disc: its stroke's outer edge on the disc's.
        ctx.begin_path();
        for d in open {
            ctx.move_to(d.x + MSG_R - 1.5, d.y);
            ctx.arc(d.x, d.y, MSG_R - 1.5, 0.0, 2.0 * PI).ok()?;
        }
        if shapes.look.messages {
            ctx.set_stroke_style_str(&palette.look);
            ctx.set_line_width(6.0);
            ctx.stroke();
        }
        ctx.set_stroke_style_str(colour);
        ctx.set_line_width(3.0);
        ctx.stroke();
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorate_view::{MessageView, NodeView, TimerView};

    fn message(from: u32, to: u32, kind: &str, progress: Option<f32>) -> MessageView {
        MessageView {
            from,
            to,
            progress,
            kind: kind.into(),
            label: format!("{kind} t1"),
            sent_us: 0,
            arrives_us: progress.map(|_| 10),
        }
    }

    fn frame() -> Frame {
        Frame {
            nodes: (1..=3)
                .map(|id| NodeView {
                    timer: (id == 2).then(|| TimerView {
                        label: "election timeout".into(),
                        remaining: 0.5,
                        remaining_ms: 80.0,
                    }),
                    ..NodeView::blank(id)
                })
                .collect(),
            messages: vec![
                message(1, 2, "MsgApp", Some(0.5)),
                message(1, 3, "MsgApp", Some(0.0)),
                message(2, 1, "MsgHeartbeatResp", Some(1.0)),
                message(3, 1, "MsgVote", None),
                message(2, 3, "MsgPreVote", Some(0.25)),
                // To a node the frame does not have: not drawn.
                message(1, 9, "MsgApp", Some(0.5)),
            ],
            ..Frame::default()
        }
    }

    fn place(i: usize) -> (f64, f64) {
        [(100.0, 100.0), (300.0, 100.0), (100.0, 300.0)][i]
    }

    #[test]
    fn messages_sit_between_the_circles_edges_coloured_by_kind() {
        let shapes = Shapes::of(&frame(), false, place);
        assert_eq!(shapes.dots.len(), 5);
        let half = &shapes.dots[0];
        assert_eq!((half.x, half.y), (200.0, 100.0), "halfway from n1 to n2");
        assert_eq!(shapes.dots[1].y, 100.0 + NODE_R, "leaving n1's edge");
        assert_eq!(shapes.dots[2].x, 100.0 + NODE_R, "reaching n1's edge");
        assert_eq!(
            shapes.drawn(),
            "held #d29922 1, r-msgapp #58a6ff 2, r-msgheartbeatresp #8b98a5 1, r-msgprevote #f0883e 1"
        );
        let hollow: Vec<bool> = shapes.dots.iter().map(|d| d.hollow).collect();
        assert_eq!(
            hollow,
            [false, false, false, false, true],
            "the pre-vote alone is a ring"
        );
    }

    #[test]
    fn the_pointer_finds_a_message_then_a_countdown() {
        let shapes = Shapes::of(&frame(), false, place);
        assert_eq!(shapes.label_at(203.0, 101.0), Some("n1 → n2: MsgApp t1"));
        assert_eq!(
            shapes.label_at(300.0, 100.0 - TIMER_R),
            Some("n2: election timeout: 80 ms left")
        );
        assert_eq!(shapes.label_at(250.0, 250.0), None);
        assert_eq!(shapes.countdowns.len(), 1);
        assert_eq!(shapes.countdowns[0].left, 0.5);
    }
}

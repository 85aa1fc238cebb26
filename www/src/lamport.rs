//! The space-time (Lamport) diagram: one lane per node, time running left to right up to the frame's
//! moment, and an arrow per message from its sender's lane at the time it left to its receiver's lane at
//! the time it arrives. Arrows are gathered from the frames' in-flight messages (each carries its send
//! and arrival times), so the diagram follows the same cursor as everything else: a new run or a jump
//! in time starts it afresh, with the messages that arrived shortly before the new moment.

use std::collections::BTreeMap;
use std::rc::Rc;

use quorate_view::Frame;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::kinds;

/// One message: (from, to, sent µs, kind) → arrival µs (`None` while held).
type Arrows = BTreeMap<(u32, u32, u64, String), Option<u64>>;

const WIDTH: f64 = 760.0;
const LANE: f64 = 22.0;
const LEFT: f64 = 44.0;
/// Arrows kept at most (as many as a restart frame brings).
const KEEP: usize = quorate_view::MAX_DELIVERED;

/// The span of simulated time shown: about twenty message latencies, within [0.2 s, 5 s].
pub fn window_us(arrows: &Arrows) -> u64 {
    let latencies: Vec<u64> = arrows
        .iter()
        .filter_map(|((_, _, sent, _), arrive)| arrive.map(|a| a.saturating_sub(*sent)))
        .collect();
    if latencies.is_empty() {
        return 500_000;
    }
    let mean = latencies.iter().sum::<u64>() / latencies.len() as u64;
    (mean * 20).clamp(200_000, quorate_view::DELIVERED_SPAN_US)
}

/// Folds a frame's in-flight messages into the kept arrows; forgets everything on a new run or a jump
/// in time.
pub fn gather(arrows: &mut Arrows, last_us: &mut u64, frame: &Frame) {
    if frame.restart || frame.time_us < *last_us {
        arrows.clear();
    }
    *last_us = frame.time_us;
    for m in frame.delivered.iter().chain(&frame.messages) {
        arrows.insert((m.from, m.to, m.sent_us, m.kind.clone()), m.arrives_us);
    }
    let horizon = frame.time_us.saturating_sub(window_us(arrows));
    arrows.retain(|(_, _, sent, _), arrive| {
        arrive.unwrap_or(u64::MAX) >= horizon || *sent >= horizon
    });
    while arrows.len() > KEEP {
        let oldest = arrows.keys().min_by_key(|k| k.2).cloned();
        if let Some(k) = oldest {
            arrows.remove(&k);
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct LamportProps {
    pub frame: Rc<Frame>,
    /// The page shows its light theme (see `Ring`'s prop of the same name).
    pub light: bool,
}

/// The theme's colours, read from the canvas's CSS custom properties when it draws.
struct Palette {
    line: String,
    down: String,
    accent: String,
}

impl Palette {
    fn of(el: &web_sys::Element) -> Palette {
        let style = web_sys::window().and_then(|w| w.get_computed_style(el).ok().flatten());
        let get = |name: &str, fallback: &str| {
            style
                .as_ref()
                .and_then(|s| s.get_property_value(name).ok())
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| fallback.to_string())
        };
        Palette {
            line: get("--line", "#2b3640"),
            down: get("--down", "#f85149"),
            accent: get("--accent", "#a371f7"),
        }
    }
}

/// The document's theme (`data-theme` on the root), which decides the palette.
fn theme() -> Option<String> {
    gloo::utils::document()
        .document_element()?
        .get_attribute("data-theme")
}

/// The palette, read again only when the theme changed: reading computed style right after the
/// frame's DOM changes forces a style pass in the middle of the frame.
fn palette<'a>(
    cache: &'a mut Option<(Option<String>, Palette)>,
    el: &web_sys::Element,
) -> &'a Palette {
    let now = theme();
    if cache.as_ref().is_none_or(|(was, _)| *was != now) {
        *cache = Some((now, Palette::of(el)));
    }
    &cache.as_ref().expect("filled above").1
}

/// Lanes and arrows on a canvas: a frame redraws a few hundred lines in well under a millisecond,
/// where as SVG elements each frame cost a diff of every arrow, a style pass and a repaint of them all.
fn draw(
    el: &web_sys::HtmlCanvasElement,
    colours: &Palette,
    light: bool,
    arrows: &Arrows,
    lanes: &[(u32, bool)],
    now: u64,
    window: u64,
) -> Option<()> {
    let ctx = el
        .get_context("2d")
        .ok()??
        .dyn_into::<web_sys::CanvasRenderingContext2d>()
        .ok()?;
    let scale = f64::from(el.width()) / WIDTH;
    ctx.set_transform(scale, 0.0, 0.0, scale, 0.0, 0.0).ok()?;
    ctx.clear_rect(0.0, 0.0, WIDTH, f64::from(el.height()) / scale);
    let lane = |id: u32| {
        lanes
            .iter()
            .position(|&(i, _)| i == id)
            .map(|p| 14.0 + LANE * p as f64)
    };
    let right = WIDTH - 8.0;
    let solid = dash(&[]);
    // The lanes' names are SVG text over the canvas (see `Lamport`): text drawn on a canvas makes the
    // browser bring the page's style up to date first, a style pass in the middle of every frame.
    for (p, &(_, down)) in lanes.iter().enumerate() {
        let y = 14.0 + LANE * p as f64;
        ctx.set_stroke_style_str(if down { &colours.down } else { &colours.line });
        ctx.set_line_dash(&if down {
            dash(&[4.0, 3.0])
        } else {
            solid.clone()
        })
        .ok()?;
        ctx.set_line_width(1.0);
        ctx.begin_path();
        ctx.move_to(LEFT, y);
        ctx.line_to(right, y);
        ctx.stroke();
    }
    let start = now.saturating_sub(window);
    let x = |us: u64| LEFT + (us as f64 - start as f64) / window.max(1) as f64 * (right - LEFT);
    ctx.save();
    ctx.begin_path();
    ctx.rect(LEFT, 0.0, right - LEFT, f64::from(el.height()) / scale);
    ctx.clip();
    // Arrived arrows solid, then flying ones dashed: two dash changes per frame, not one per arrow.
    for flying in [false, true] {
        ctx.set_line_dash(&if flying {
            dash(&[3.0, 2.0])
        } else {
            solid.clone()
        })
        .ok()?;
        for ((from, to, sent, kind), arrive) in arrows {
            let arrived = arrive.is_some_and(|a| a <= now);
            if arrived == flying {
                continue;
            }
            let (Some(y1), Some(y2)) = (lane(*from), lane(*to)) else {
                continue;
            };
            let end = arrive.map_or(now, |a| a.min(now));
            let reach = if arrived {
                1.0
            } else {
                arrive.map_or(0.5, |a| {
                    now.saturating_sub(*sent) as f64 / a.saturating_sub(*sent).max(1) as f64
                })
            };
            ctx.set_stroke_style_str(kinds::colour(kind, light));
            ctx.set_line_width(if kinds::hollow(kind) { 0.7 } else { 1.4 });
            ctx.begin_path();
            ctx.move_to(x(*sent), y1);
            ctx.line_to(x(end), y1 + (y2 - y1) * reach);
            ctx.stroke();
        }
    }
    ctx.restore();
    ctx.set_line_dash(&solid).ok()?;
    ctx.set_stroke_style_str(&colours.accent);
    ctx.set_line_width(1.5);
    ctx.begin_path();
    ctx.move_to(right, 0.0);
    ctx.line_to(right, f64::from(el.height()) / scale);
    ctx.stroke();
    Some(())
}

/// A canvas line-dash pattern (`setLineDash`'s argument); empty for a solid line.
pub(crate) fn dash(pattern: &[f64]) -> wasm_bindgen::JsValue {
    pattern
        .iter()
        .map(|&v| wasm_bindgen::JsValue::from(v))
        .collect::<js_sys::Array>()
        .into()
}

#[component]
pub fn Lamport(props: &LamportProps) -> Html {
    let store = use_mut_ref(|| (Arrows::new(), 0u64));
    let colours = use_mut_ref(|| None::<(Option<String>, Palette)>);
    let canvas = use_node_ref();
    let frame = &props.frame;
    let light = props.light;
    let (count, window, legend) = {
        let mut s = store.borrow_mut();
        let (arrows, last) = &mut *s;
        gather(arrows, last, frame);
        let legend: BTreeMap<String, &str> = arrows
            .keys()
            .map(|k| (k.3.clone(), kinds::colour(&k.3, light)))
            .collect();
        (arrows.len(), window_us(arrows), legend)
    };
    let lanes: Vec<(u32, bool)> = frame
        .nodes
        .iter()
        .map(|n| (n.id, n.status == quorate_view::NodeStatus::Down))
        .collect();
    let height = 14.0 + LANE * lanes.len().max(1) as f64;
    // Two backing pixels per CSS pixel on a dense screen, one elsewhere.
    let density = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio().clamp(1.0, 2.0).round());
    {
        let canvas = canvas.clone();
        let store = store.clone();
        let now = frame.time_us;
        let lanes = lanes.clone();
        use_effect(move || {
            if let Some(el) = canvas.cast::<web_sys::HtmlCanvasElement>() {
                let s = store.borrow();
                let mut colours = colours.borrow_mut();
                draw(
                    &el,
                    palette(&mut colours, &el),
                    light,
                    &s.0,
                    &lanes,
                    now,
                    window,
                );
            }
        });
    }
    html! {
        <figure class="lamport" data-testid="lamport">
            <figcaption>{ format!("Space-time diagram · last {:.2} s", window as f64 / 1e6) }</figcaption>
            <div class="lanes">
            <canvas ref={canvas} width={((WIDTH * density) as u32).to_string()} height={((height * density) as u32).to_string()}
                role="img" data-lanes={lanes.len().to_string()} data-arrows={count.to_string()}
                aria-label={format!("space-time diagram of recent messages: one lane per node ({}); each message an arrow from its sender at the time it left to its receiver at the time it arrived",
                    lanes.iter().map(|(id, down)| format!("n{id}{}", if *down { " down" } else { "" })).collect::<Vec<_>>().join(", "))} />
            <LaneNames lanes={lanes.iter().map(|&(id, _)| id).collect::<Vec<_>>()} />
            </div>
            <p class="legend">
                { for legend.iter().map(|(k, c)| html! {
                    <span class={classes!("kind", kinds::hollow(k).then_some("hollow"))} style={format!("--c: {c}")}>{ k }</span>
                }) }
            </p>
        </figure>
    }
}

#[derive(Properties, PartialEq)]
struct LaneNamesProps {
    lanes: Vec<u32>,
}

/// The lanes' names, in the canvas's own units over its left margin: drawn again only when the nodes
/// change.
#[component]
fn LaneNames(props: &LaneNamesProps) -> Html {
    let height = 14.0 + LANE * props.lanes.len().max(1) as f64;
    html! {
        <svg class="lane-names" viewBox={format!("0 0 {WIDTH} {height}")} aria-hidden="true">
            { for props.lanes.iter().enumerate().map(|(p, id)| html! {
                <text x="4" y={format!("{:.0}", 18.0 + LANE * p as f64)}>{ format!("n{id}") }</text>
            }) }
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorate_view::MessageView;

    fn frame(time_us: u64, msgs: &[(u32, u32, u64, u64)]) -> Frame {
        Frame {
            time_us,
            messages: msgs
                .iter()
                .map(|&(from, to, sent_us, arrive)| MessageView {
                    from,
                    to,
                    progress: None,
                    kind: "MsgApp".into(),
                    label: "MsgApp".into(),
                    sent_us,
                    arrives_us: Some(arrive),
                })
                .collect(),
            ..Frame::default()
        }
    }

    #[test]
    fn arrows_accumulate_age_out_and_reset_on_a_jump_or_a_new_run() {
        let (mut arrows, mut last) = (Arrows::new(), 0);
        gather(
            &mut arrows,
            &mut last,
            &frame(10_000, &[(1, 2, 5_000, 20_000)]),
        );
        gather(
            &mut arrows,
            &mut last,
            &frame(25_000, &[(2, 1, 21_000, 40_000)]),
        );
        assert_eq!(arrows.len(), 2, "the first arrow stays after it arrived");
        // Far later: both are older than the window.
        gather(
            &mut arrows,
            &mut last,
            &frame(10_000_000, &[(1, 3, 9_990_000, 10_010_000)]),
        );
        assert_eq!(arrows.len(), 1);
        gather(&mut arrows, &mut last, &frame(50_000, &[]));
        assert!(arrows.is_empty(), "a jump back starts afresh");
        gather(
            &mut arrows,
            &mut last,
            &frame(60_000, &[(1, 2, 55_000, 70_000)]),
        );
        let restart = Frame {
            restart: true,
            ..frame(80_000, &[(2, 3, 79_000, 90_000)])
        };
        gather(&mut arrows, &mut last, &restart);
        assert_eq!(
            arrows.len(),
            1,
            "a new run or a jump forward starts afresh too"
        );
        // After a seek, the moment's recent past comes along: arrows that arrived before it.
        let seek = Frame {
            restart: true,
            delivered: frame(0, &[(3, 1, 95_000, 99_000), (1, 2, 97_000, 110_000)]).messages,
            ..frame(120_000, &[(2, 1, 118_000, 130_000)])
        };
        gather(&mut arrows, &mut last, &seek);
        assert_eq!(arrows.len(), 3);
        assert_eq!(
            arrows.get(&(3, 1, 95_000, "MsgApp".into())),
            Some(&Some(99_000))
        );
    }
}

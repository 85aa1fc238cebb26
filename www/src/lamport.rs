//! The space-time (Lamport) diagram: one lane per node, time running left to right up to the frame's
//! moment, and an arrow per message from its sender's lane at the time it left to its receiver's lane at
//! the time it arrives. Arrows are gathered from the frames' in-flight messages (each carries its send
//! and arrival times), so the diagram follows the same cursor as everything else: a jump back in time
//! starts it afresh.

use std::collections::BTreeMap;
use std::rc::Rc;

use quorate_view::Frame;
use yew::prelude::*;

/// One message: (from, to, sent µs, kind) → arrival µs (`None` while held).
type Arrows = BTreeMap<(u32, u32, u64, String), Option<u64>>;

const WIDTH: f64 = 760.0;
const LANE: f64 = 22.0;
const LEFT: f64 = 44.0;
/// Arrows kept at most.
const KEEP: usize = 600;

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
    (mean * 20).clamp(200_000, 5_000_000)
}

/// Folds a frame's in-flight messages into the kept arrows; forgets everything on a jump back.
pub fn gather(arrows: &mut Arrows, last_us: &mut u64, frame: &Frame) {
    if frame.time_us < *last_us {
        arrows.clear();
    }
    *last_us = frame.time_us;
    for m in &frame.messages {
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

/// A stable hue for a message kind.
fn hue(kind: &str) -> u32 {
    kind.bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 360
}

#[derive(Properties, PartialEq)]
pub struct LamportProps {
    pub frame: Rc<Frame>,
}

#[component]
pub fn Lamport(props: &LamportProps) -> Html {
    let store = use_mut_ref(|| (Arrows::new(), 0u64));
    let frame = &props.frame;
    let (arrows, window) = {
        let mut s = store.borrow_mut();
        let (arrows, last) = &mut *s;
        gather(arrows, last, frame);
        (arrows.clone(), window_us(arrows))
    };
    let ids: Vec<u32> = frame.nodes.iter().map(|n| n.id).collect();
    let lane = |id: u32| {
        ids.iter()
            .position(|&i| i == id)
            .map(|p| 14.0 + LANE * p as f64)
    };
    let now = frame.time_us;
    let start = now.saturating_sub(window);
    // Arrows are drawn in milliseconds of simulated time inside an inner svg whose viewBox is the window
    // (it slides and scales them, and clips what is older): an arrow that has arrived keeps the same
    // attributes from frame to frame, and the arrows are keyed, so a frame touches only the new and the
    // flying ones in the DOM.
    let ms = |us: u64| format!("{:.3}", us as f64 / 1e3);
    let height = 14.0 + LANE * ids.len().max(1) as f64;
    let view = format!(
        "{:.3} 0 {:.3} {height}",
        start as f64 / 1e3,
        window.max(1) as f64 / 1e3
    );
    let kinds: BTreeMap<String, u32> = arrows.keys().map(|k| (k.3.clone(), hue(&k.3))).collect();
    html! {
        <figure class="lamport" data-testid="lamport"
            aria-label={format!("space-time diagram: {} messages in the last {:.2} s", arrows.len(), window as f64 / 1e6)}>
            <figcaption>{ format!("Space-time diagram · last {:.2} s", window as f64 / 1e6) }</figcaption>
            <svg viewBox={format!("0 0 {WIDTH} {height}")} role="img"
                aria-label="one lane per node; each arrow is a message from its sender at the time it left to its receiver at the time it arrived">
                { for ids.iter().map(|&id| {
                    let y = lane(id).unwrap_or(0.0);
                    let down = frame.node(id).is_some_and(|n| n.status == quorate_view::NodeStatus::Down);
                    html! {
                        <g class={classes!("lane", down.then_some("down"))}>
                            <text x="4" y={(y + 4.0).to_string()}>{ format!("n{id}") }</text>
                            <line x1={LEFT.to_string()} x2={(WIDTH - 8.0).to_string()} y1={y.to_string()} y2={y.to_string()} />
                        </g>
                    }
                }) }
                <svg class="arrows" x={LEFT.to_string()} y="0" width={(WIDTH - LEFT - 8.0).to_string()}
                    height={height.to_string()} viewBox={view} preserveAspectRatio="none">
                { for arrows.iter().filter_map(|((from, to, sent, kind), arrive)| {
                    let (y1, y2) = (lane(*from)?, lane(*to)?);
                    let end = arrive.map_or(now, |a| a.min(now));
                    let arrived = arrive.is_some_and(|a| a <= now);
                    Some(html! {
                        <line key={format!("{from}-{to}-{sent}-{kind}")}
                            class={classes!("arrow", (!arrived).then_some("flying"))}
                            x1={ms(*sent)} y1={y1.to_string()}
                            x2={ms(end)} y2={(y1 + (y2 - y1) * if arrived { 1.0 } else {
                                arrive.map_or(0.5, |a| (now.saturating_sub(*sent)) as f64 / (a.saturating_sub(*sent)).max(1) as f64)
                            }).to_string()}
                            style={format!("stroke: hsl({} 70% 60%)", hue(kind))}>
                            <title>{ format!("{kind} n{from} → n{to}") }</title>
                        </line>
                    })
                }) }
                </svg>
                <line class="now" x1={(WIDTH - 8.0).to_string()} x2={(WIDTH - 8.0).to_string()} y1="0" y2={height.to_string()} />
            </svg>
            <p class="legend">
                { for kinds.iter().map(|(k, h)| html! {
                    <span class="kind" style={format!("--h: {h}")}>{ k }</span>
                }) }
            </p>
        </figure>
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
    fn arrows_accumulate_age_out_and_reset_on_a_jump_back() {
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
    }
}

//! A cluster too large for a ring, drawn on a canvas: one cell per node, coloured by its status and by
//! whether it knows the followed fact. Click a cell to select its node.

use quorate_view::spread::cell;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct GridProps {
    /// One code per node, in node order (ids 1..=len): see `quorate_view::spread::cell`.
    pub cells: std::rc::Rc<Vec<u8>>,
    pub selected: Option<u32>,
    pub on_select: Callback<u32>,
}

/// Columns for `n` cells: a square-ish grid.
pub fn columns(n: usize) -> usize {
    ((n as f64).sqrt().ceil() as usize).max(1)
}

/// The colour of a cell.
pub fn colour(code: u8) -> &'static str {
    match (
        code & cell::STATUS,
        code & cell::MARKED != 0,
        code & cell::SUSPECTING != 0,
    ) {
        (cell::DOWN, _, _) => "#f85149",
        (cell::PAUSED, _, _) => "#d29922",
        (_, true, _) => "#a371f7",
        (_, false, true) => "#e3b341",
        _ => "#3fb950",
    }
}

#[component]
pub fn Grid(props: &GridProps) -> Html {
    let canvas = use_node_ref();
    let n = props.cells.len();
    let cols = columns(n);
    let rows = n.div_ceil(cols).max(1);
    let size = (640 / cols).clamp(3, 40) as u32;
    let (width, height) = (cols as u32 * size, rows as u32 * size);
    {
        let canvas = canvas.clone();
        let cells = props.cells.clone();
        let selected = props.selected;
        use_effect_with((cells, selected), move |(cells, selected)| {
            let Some(el) = canvas.cast::<web_sys::HtmlCanvasElement>() else {
                return;
            };
            let Ok(Some(ctx)) = el.get_context("2d") else {
                return;
            };
            let Ok(ctx) = ctx.dyn_into::<web_sys::CanvasRenderingContext2d>() else {
                return;
            };
            ctx.clear_rect(0.0, 0.0, f64::from(width), f64::from(height));
            let s = f64::from(size);
            let gap = if size > 6 { 1.0 } else { 0.0 };
            for (i, code) in cells.iter().enumerate() {
                let (x, y) = ((i % cols) as f64 * s, (i / cols) as f64 * s);
                ctx.set_fill_style_str(colour(*code));
                ctx.fill_rect(x + gap, y + gap, s - 2.0 * gap, s - 2.0 * gap);
            }
            if let Some(id) = selected.filter(|id| (1..=cells.len() as u32).contains(id)) {
                let i = (id - 1) as usize;
                ctx.set_stroke_style_str("#e6edf3");
                ctx.set_line_width(2.0);
                ctx.stroke_rect(
                    (i % cols) as f64 * s + 1.0,
                    (i / cols) as f64 * s + 1.0,
                    s - 2.0,
                    s - 2.0,
                );
            }
        });
    }
    let on_click = {
        let on_select = props.on_select.clone();
        Callback::from(move |e: MouseEvent| {
            let (x, y) = (e.offset_x().max(0) as u32, e.offset_y().max(0) as u32);
            let i = (y / size) as usize * cols + (x / size) as usize;
            if i < n {
                on_select.emit(i as u32 + 1);
            }
        })
    };
    let counts = count(&props.cells);
    html! {
        <div class="grid-view">
            <canvas ref={canvas} width={width.to_string()} height={height.to_string()} onclick={on_click}
                role="img" data-testid="grid"
                aria-label={format!("{n} nodes: {} up, {} suspecting, {} know the followed fact, {} down; click a cell to select its node",
                    counts.0, counts.1, counts.2, counts.3)} />
            <p class="legend">
                <span class="key up">{ "up" }</span>
                <span class="key suspecting">{ "suspects someone" }</span>
                <span class="key marked">{ "knows it (sees the failure / has the rumor)" }</span>
                <span class="key down">{ "down" }</span>
            </p>
        </div>
    }
}

/// (up, suspecting, marked, down).
pub fn count(cells: &[u8]) -> (usize, usize, usize, usize) {
    let mut c = (0, 0, 0, 0);
    for &code in cells {
        if code & cell::STATUS == cell::DOWN {
            c.3 += 1;
        } else {
            c.0 += 1;
            c.1 += usize::from(code & cell::SUSPECTING != 0);
            c.2 += usize::from(code & cell::MARKED != 0);
        }
    }
    c
}

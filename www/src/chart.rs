//! The spread chart: how far a failure or a rumor has reached, measured beside the theory, drawn with
//! plotters into an SVG string from the frame's numbers (nothing else goes into it).

use plotters::prelude::*;
use quorate_view::spread::SpreadView;
use yew::prelude::*;

use crate::plot::{self, Drawn};

const WIDTH: u32 = 420;
const HEIGHT: u32 = 220;

/// The chart as SVG text.
pub fn svg(spread: &SpreadView) -> String {
    let x_max = spread
        .measured
        .iter()
        .chain(&spread.theory)
        .map(|p| f64::from(p.0))
        .fold(1.0, f64::max);
    let measured = RGBColor(88, 166, 255);
    let theory = RGBColor(163, 113, 247);
    plot::svg((WIDTH, HEIGHT), |root| -> Drawn {
        // In f64, the lab charts' coordinates: one instantiation of plotters' drawing code, not two.
        let mut chart = plot::frame(root, 0f64..x_max, 0f64..1.02f64)?;
        plot::mesh(&mut chart)
            .x_desc("seconds since")
            .y_desc("fraction of live nodes")
            .y_labels(5)
            .draw()?;
        chart
            .draw_series(LineSeries::new(
                spread
                    .theory
                    .iter()
                    .map(|&(x, y)| (f64::from(x), f64::from(y))),
                theory.stroke_width(2),
            ))?
            .label(spread.theory_label.as_str())
            .legend(plot::key(theory));
        chart
            .draw_series(LineSeries::new(
                spread
                    .measured
                    .iter()
                    .map(|&(x, y)| (f64::from(x), f64::from(y))),
                measured.stroke_width(2),
            ))?
            .label("measured")
            .legend(plot::key(measured));
        plot::legend(&mut chart, SeriesLabelPosition::LowerRight, false)
    })
}

#[derive(Properties, PartialEq)]
pub struct ChartProps {
    pub spread: SpreadView,
}

#[component]
pub fn SpreadChart(props: &ChartProps) -> Html {
    let s = &props.spread;
    let last = s.measured.last().map_or(0.0, |p| p.1);
    html! {
        <figure class="spread" aria-label={format!("{}: {:.0}% of live nodes so far", s.title, last * 100.0)} data-testid="spread">
            <figcaption>{ &s.title }<span class="now" data-testid="spread-now">{ format!(" {:.0}%", last * 100.0) }</span></figcaption>
            { Html::from_html_unchecked(AttrValue::from(svg(s))) }
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorate_view::spread::Focus;

    #[test]
    fn draws_both_curves_with_their_labels() {
        let s = SpreadView {
            title: "n7 dead here".into(),
            focus: Focus::Failure { node: 7 },
            measured: vec![(0.0, 0.0), (5.0, 0.2), (9.0, 1.0)],
            theory: vec![(0.0, 0.0), (6.0, 0.5), (12.0, 1.0)],
            theory_label: "detection + suspicion + Serf's model".into(),
        };
        let out = svg(&s);
        assert!(out.starts_with("<svg"), "{}", &out[..60.min(out.len())]);
        assert!(out.contains("measured"));
        assert!(out.contains("Serf&apos;s model") || out.contains("Serf's model"));
        assert!(out.matches("<polyline").count() >= 2 || out.matches("<path").count() >= 2);
    }
}

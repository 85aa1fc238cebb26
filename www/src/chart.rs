//! The spread chart: how far a failure or a rumor has reached, measured beside the theory, drawn with
//! plotters into an SVG string from the frame's numbers (nothing else goes into it).

use plotters::prelude::*;
use quorate_view::spread::SpreadView;
use yew::prelude::*;

const WIDTH: u32 = 420;
const HEIGHT: u32 = 220;

/// The chart as SVG text.
pub fn svg(spread: &SpreadView) -> String {
    let mut out = String::new();
    let x_max = spread
        .measured
        .iter()
        .chain(&spread.theory)
        .map(|p| p.0)
        .fold(1.0f32, f32::max);
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        let ink = RGBColor(139, 152, 165);
        let measured = RGBColor(88, 166, 255);
        let theory = RGBColor(163, 113, 247);
        let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
            let mut chart = ChartBuilder::on(&root)
                .margin(10)
                .x_label_area_size(28)
                .y_label_area_size(36)
                .build_cartesian_2d(0f32..x_max, 0f32..1.02f32)?;
            chart
                .configure_mesh()
                .light_line_style(ink.mix(0.15))
                .bold_line_style(ink.mix(0.3))
                .axis_style(ink)
                .label_style(("sans-serif", 11).into_font().color(&ink))
                .x_desc("seconds since")
                .y_desc("fraction of live nodes")
                .y_labels(5)
                .draw()?;
            chart
                .draw_series(LineSeries::new(
                    spread.theory.iter().copied(),
                    theory.stroke_width(2),
                ))?
                .label(spread.theory_label.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], theory));
            chart
                .draw_series(LineSeries::new(
                    spread.measured.iter().copied(),
                    measured.stroke_width(2),
                ))?
                .label("measured")
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], measured));
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .label_font(("sans-serif", 11).into_font().color(&ink))
                .border_style(ink.mix(0.3))
                .draw()?;
            root.present()?;
            Ok(())
        })();
        if drawn.is_err() {
            return String::new();
        }
    }
    out
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

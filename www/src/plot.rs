//! The page's one chart setup (the spread chart, the lab's charts): plotters drawing into an SVG
//! string, the same frame, and a mesh in grey ink that reads on the dark and on the light theme. The
//! lab draws its charts on a white card (lab.css), with the legend on a light box in dark text; the
//! spread chart lies on the theme's own background, with its legend in the ink.

use plotters::chart::MeshStyle;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;

/// Axes, grid and tick labels.
pub const INK: RGBColor = RGBColor(139, 152, 165);
/// A drawing's root area.
pub type Area<'r> = DrawingArea<SVGBackend<'r>, Shift>;
/// What drawing returns: plotters' errors are only ever "could not draw", and then nothing is shown.
pub type Drawn = Result<(), Box<dyn std::error::Error>>;

/// The SVG text of a `width` × `height` drawing; empty when plotters fails.
pub fn svg(size: (u32, u32), draw: impl FnOnce(&Area<'_>) -> Drawn) -> String {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        let drawn = draw(&root).and_then(|()| root.present().map_err(Into::into));
        if drawn.is_err() {
            return String::new();
        }
    }
    out
}

/// A chart on `root` with the page's margins and label areas, over `x` by `y`.
#[allow(clippy::type_complexity)]
pub fn frame<'a, 'r, X, Y>(
    root: &'a Area<'r>,
    x: X,
    y: Y,
) -> Result<
    ChartContext<'a, SVGBackend<'r>, Cartesian2d<X::CoordDescType, Y::CoordDescType>>,
    Box<dyn std::error::Error>,
>
where
    X: AsRangedCoord,
    Y: AsRangedCoord,
{
    Ok(ChartBuilder::on(root)
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(44)
        .build_cartesian_2d(x, y)?)
}

/// The mesh in the page's ink; the caller names the axes and draws it.
pub fn mesh<'a, 'b, 'r, X, Y, XT, YT>(
    chart: &'b mut ChartContext<'a, SVGBackend<'r>, Cartesian2d<X, Y>>,
) -> MeshStyle<'a, 'b, X, Y, SVGBackend<'r>>
where
    X: Ranged<ValueType = XT> + ValueFormatter<XT>,
    Y: Ranged<ValueType = YT> + ValueFormatter<YT>,
{
    let mut mesh = chart.configure_mesh();
    mesh.light_line_style(INK.mix(0.15))
        .bold_line_style(INK.mix(0.3))
        .axis_style(INK)
        .label_style(("sans-serif", 11).into_font().color(&INK));
    mesh
}

/// The series' labels at `at`: on a light box in dark text (`boxed`, for a chart on a white card),
/// or in the ink on whatever lies under the chart.
pub fn legend<'a, 'r: 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'r>, CT>,
    at: SeriesLabelPosition,
    boxed: bool,
) -> Drawn {
    let mut labels = chart.configure_series_labels();
    labels.position(at).border_style(INK.mix(0.3));
    if boxed {
        labels
            .background_style(WHITE.mix(0.85))
            .label_font(("sans-serif", 11).into_font().color(&BLACK));
    } else {
        labels.label_font(("sans-serif", 11).into_font().color(&INK));
    }
    labels.draw()?;
    Ok(())
}

/// A legend's short line in `colour`.
pub fn key(colour: RGBColor) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2))
}

//! The lab's SWIM and Lifeguard charts (first detection against e/(e-1), message load against N,
//! false deaths with Lifeguard off and on), drawn with the page's chart setup (`plot.rs`) from lab
//! workers' answers alone.

use plotters::prelude::*;
use quorate_view::lab::{self as lab, LabOutcome, LabTask};

use crate::plot::{self, Drawn};

pub const WIDTH: u32 = 640;
pub const HEIGHT: u32 = 320;
const MEASURED: RGBColor = RGBColor(88, 166, 255);
const THEORY: RGBColor = RGBColor(163, 113, 247);
const MODEL: RGBColor = RGBColor(240, 160, 60);
const OFF: RGBColor = RGBColor(230, 87, 87);
const ON: RGBColor = RGBColor(80, 180, 100);

type Answered<'a> = [(&'a LabTask, &'a LabOutcome)];

/// `k` with its noun, singular or plural.
fn plural(k: usize, one: &str, many: &str) -> String {
    format!("{k} {}", if k == 1 { one } else { many })
}

/// SWIM (Das et al. 2002, section 3.1): a failed member is first probed after e/(e-1) protocol
/// periods on average with random targets (crate/gossip's `theory::SWIM_FIRST_PROBE_PERIODS`).
pub const SWIM_FIRST_PROBE_PERIODS: f64 = std::f64::consts::E / (std::f64::consts::E - 1.0);

/// A spread of `x` by `f` on a log axis: seed `seed`'s point is moved a little sideways so the
/// points of one N do not hide each other (the same seed always lands at the same place).
fn jitter(x: f64, seed: u64) -> f64 {
    x * (1.0 + 0.05 * ((seed % 9) as f64 - 4.0) / 4.0)
}

/// The detection runs of one N: (seed, periods) each, and the engine's model for N.
struct Group {
    n: u32,
    runs: Vec<(u64, f64)>,
    model: Option<f64>,
}

/// Detection per N (the sizes that have answers).
fn detection_runs(answered: &Answered) -> Vec<Group> {
    lab::DETECTION_SIZES
        .iter()
        .map(|&n| {
            let mut runs = Vec::new();
            let mut model = None;
            for (t, o) in answered {
                if let (
                    LabTask::Detection { n: m, seed },
                    LabOutcome::Detection { periods, model: e },
                ) = (t, o)
                {
                    if *m == n {
                        runs.push((*seed, *periods));
                        model = Some(*e);
                    }
                }
            }
            Group { n, runs, model }
        })
        .filter(|g| !g.runs.is_empty())
        .collect()
}

/// First detection: each run's probe periods from the crash to the first suspicion, the mean ± sd
/// per N, SWIM's e/(e-1) for the first probe and e/(e-1) + 1 for the suspicion at that period's end,
/// and this engine's exact expectation (memberlist's shuffled round-robin probes sooner).
pub fn detection_svg(answered: &Answered) -> String {
    let per_n = detection_runs(answered);
    let top = per_n
        .iter()
        .flat_map(|g| g.runs.iter().map(|r| r.1))
        .fold(SWIM_FIRST_PROBE_PERIODS + 1.0, f64::max)
        * 1.1;
    plot::svg((WIDTH, HEIGHT), |root| -> Drawn {
        let sizes = lab::DETECTION_SIZES.map(f64::from).to_vec();
        let mut chart = plot::frame(
            root,
            (5f64..400f64).log_scale().with_key_points(sizes),
            0f64..top,
        )?;
        plot::mesh(&mut chart)
            .x_desc("members N")
            .y_desc("probe periods, crash to first suspicion")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .draw()?;
        let across = |y: f64| vec![(5.0, y), (400.0, y)];
        chart
            .draw_series(DashedLineSeries::new(
                across(SWIM_FIRST_PROBE_PERIODS),
                6,
                4,
                THEORY.stroke_width(2),
            ))?
            .label(format!(
                "SWIM first probe, e/(e-1) = {SWIM_FIRST_PROBE_PERIODS:.2}"
            ))
            .legend(plot::key(THEORY));
        chart
            .draw_series(LineSeries::new(
                across(SWIM_FIRST_PROBE_PERIODS + 1.0),
                THEORY.mix(0.5).stroke_width(1),
            ))?
            .label(format!(
                "SWIM suspicion at its period's end, e/(e-1) + 1 = {:.2}",
                SWIM_FIRST_PROBE_PERIODS + 1.0
            ))
            .legend(plot::key(RGBColor(200, 180, 240)));
        let models: Vec<(f64, f64)> = per_n
            .iter()
            .filter_map(|g| g.model.map(|m| (f64::from(g.n), m)))
            .collect();
        chart
            .draw_series(LineSeries::new(models.clone(), MODEL.stroke_width(2)))?
            .label("this engine's model (round-robin probes)")
            .legend(plot::key(MODEL));
        chart.draw_series(models.iter().map(|&p| Circle::new(p, 3, MODEL.filled())))?;
        for Group { n, runs, .. } in &per_n {
            let n = f64::from(*n);
            chart.draw_series(runs.iter().map(|&(seed, y)| {
                Circle::new((jitter(n, seed), y), 2, MEASURED.mix(0.45).filled())
            }))?;
        }
        let means: Vec<(f64, f64, f64)> = per_n
            .iter()
            .map(|g| {
                let ys: Vec<f64> = g.runs.iter().map(|r| r.1).collect();
                let (m, sd) = lab::mean_sd(&ys);
                (f64::from(g.n), m, if ys.len() > 1 { sd } else { 0.0 })
            })
            .collect();
        chart.draw_series(means.iter().map(|&(n, m, sd)| {
            PathElement::new(vec![(n, m - sd), (n, m + sd)], MEASURED.stroke_width(2))
        }))?;
        let runs = per_n.iter().map(|g| g.runs.len()).max().unwrap_or(0);
        chart
            .draw_series(
                means
                    .iter()
                    .map(|&(n, m, _)| Circle::new((n, m), 5, MEASURED.filled())),
            )?
            .label(format!(
                "measured mean ± sd ({}; dots: each run)",
                plural(runs, "run per N", "runs per N")
            ))
            .legend(|(x, y)| Circle::new((x + 8, y), 4, MEASURED.filled()));
        plot::legend(&mut chart, SeriesLabelPosition::LowerRight, true)
    })
}

/// Message load: probe traffic and all traffic sent per member per probe period against N, beside
/// SWIM's constant: a ping and an ack per member per period in a healthy cluster.
pub fn load_svg(answered: &Answered) -> String {
    let mut points: Vec<(f64, f64, f64)> = answered
        .iter()
        .filter_map(|(t, o)| match (t, o) {
            (LabTask::Load { n, .. }, LabOutcome::Load { probe, all }) => {
                Some((f64::from(*n), *probe, *all))
            }
            _ => None,
        })
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    let top = points.iter().map(|p| p.2).fold(2.0, f64::max) * 1.25;
    plot::svg((WIDTH, HEIGHT), |root| -> Drawn {
        let sizes = lab::LOAD_SIZES.map(f64::from).to_vec();
        let mut chart = plot::frame(
            root,
            (5f64..2_000f64).log_scale().with_key_points(sizes),
            0f64..top,
        )?;
        plot::mesh(&mut chart)
            .x_desc("members N")
            .y_desc("messages per member per period")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .draw()?;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(5.0, 2.0), (2_000.0, 2.0)],
                6,
                4,
                THEORY.stroke_width(2),
            ))?
            .label("SWIM: a ping and an ack per member per period = 2")
            .legend(plot::key(THEORY));
        // All traffic first, in bigger marks, so probe traffic drawn over it stays visible where
        // the two are equal (a healthy cluster sends little else).
        for (pick, colour, radius, label) in [
            (
                (|p: &(f64, f64, f64)| p.2) as fn(&(f64, f64, f64)) -> f64,
                MODEL,
                6,
                "measured, all traffic (with gossip, push-pull)",
            ),
            (
                |p| p.1,
                MEASURED,
                3,
                "measured, probe traffic (ping, ping-req, ack, nack)",
            ),
        ] {
            let line: Vec<(f64, f64)> = points.iter().map(|p| (p.0, pick(p))).collect();
            chart
                .draw_series(LineSeries::new(line.clone(), colour.stroke_width(2)))?
                .label(label)
                .legend(plot::key(colour));
            chart.draw_series(
                line.into_iter()
                    .map(|p| Circle::new(p, radius, colour.filled())),
            )?;
        }
        // The points lie near 2, in the upper half: the legend goes below them.
        plot::legend(&mut chart, SeriesLabelPosition::LowerRight, true)
    })
}

/// Lifeguard: false deaths declared per run, off and on, per number of slow members (bars side by
/// side); the dead verdicts seen are in the table.
pub fn lifeguard_svg(answered: &Answered) -> String {
    // Per slow count: (runs, off declared, on declared).
    let mut sums = [(0u32, 0u32, 0u32); lab::LIFEGUARD_MAX_SLOW as usize + 1];
    for (t, o) in answered {
        if let (
            LabTask::Lifeguard { slow, .. },
            LabOutcome::Lifeguard {
                off_declared,
                on_declared,
                ..
            },
        ) = (t, o)
        {
            if let Some(s) = sums.get_mut(*slow as usize) {
                *s = (s.0 + 1, s.1 + off_declared, s.2 + on_declared);
            }
        }
    }
    let per_run = |sum: u32, runs: u32| f64::from(sum) / f64::from(runs.max(1));
    let top = sums
        .iter()
        .map(|s| per_run(s.1.max(s.2), s.0))
        .fold(1.0, f64::max)
        * 1.2;
    let runs = sums.iter().map(|s| s.0).max().unwrap_or(0) as usize;
    let runs = plural(runs, "run", "runs");
    let y_format = move |y: &f64| {
        if top >= 10.0 {
            format!("{y:.0}")
        } else {
            format!("{y:.1}")
        }
    };
    plot::svg((WIDTH, HEIGHT), |root| -> Drawn {
        let last = f64::from(lab::LIFEGUARD_MAX_SLOW);
        let mut chart = plot::frame(root, -0.5f64..last + 0.5, 0f64..top)?;
        plot::mesh(&mut chart)
            .x_desc(format!(
                "slow members of {} (their inbound 6 s late; 5% loss)",
                lab::LIFEGUARD_N
            ))
            .y_desc(format!(
                "false deaths per {}-minute run",
                lab::LIFEGUARD_MINUTES
            ))
            .x_labels(lab::LIFEGUARD_MAX_SLOW as usize + 1)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&y_format)
            .disable_x_mesh()
            .draw()?;
        for (offset, colour, label, pick) in [
            (
                -0.2,
                OFF,
                format!("Lifeguard off ({runs} each)"),
                (|s: &(u32, u32, u32)| s.1) as fn(&(u32, u32, u32)) -> u32,
            ),
            (0.2, ON, format!("Lifeguard on ({runs} each)"), |s| s.2),
        ] {
            // Each bar's value above it, so a bar of 0 is seen as 0, not as missing.
            chart.draw_series(sums.iter().enumerate().filter(|(_, s)| s.0 > 0).map(
                |(slow, s)| {
                    let v = per_run(pick(s), s.0);
                    EmptyElement::at((slow as f64 + offset, v))
                        + Text::new(
                            if v.fract() == 0.0 {
                                format!("{v:.0}")
                            } else {
                                format!("{v:.1}")
                            },
                            (-8, -14),
                            ("sans-serif", 11).into_font().color(&colour),
                        )
                },
            ))?;
            chart
                .draw_series(
                    sums.iter()
                        .enumerate()
                        .filter(|(_, s)| s.0 > 0)
                        .map(|(slow, s)| {
                            let x = slow as f64 + offset;
                            Rectangle::new(
                                [(x - 0.17, 0.0), (x + 0.17, per_run(pick(s), s.0))],
                                colour.filled(),
                            )
                        }),
                )?
                .label(label)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled())
                });
        }
        plot::legend(&mut chart, SeriesLabelPosition::UpperLeft, true)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_is_drawn_beside_swim_and_the_model() {
        let tasks: Vec<LabTask> = [(10, 1), (10, 2), (50, 1)]
            .map(|(n, seed)| LabTask::Detection { n, seed })
            .to_vec();
        let outcomes: Vec<LabOutcome> = [1.2, 2.6, 1.9]
            .map(|periods| LabOutcome::Detection {
                periods,
                model: 1.9,
            })
            .to_vec();
        let answered: Vec<_> = tasks.iter().zip(&outcomes).collect();
        let svg = detection_svg(&answered);
        assert!(svg.starts_with("<svg"), "{}", &svg[..60.min(svg.len())]);
        assert!(svg.contains("e/(e-1) = 1.58"));
        assert!(svg.contains("e/(e-1) + 1 = 2.58"));
        assert!(svg.contains("2 runs per N"));
        // A dot per run, a mean per N, a point of the model per N, and the legend's mark.
        assert_eq!(svg.matches("<circle").count(), 3 + 2 + 2 + 1);
    }

    #[test]
    fn lifeguard_bars_are_per_run() {
        let tasks = [
            LabTask::Lifeguard { slow: 1, seed: 1 },
            LabTask::Lifeguard { slow: 1, seed: 2 },
        ];
        let outcome = LabOutcome::Lifeguard {
            off_declared: 3,
            off_seen: 9,
            on_declared: 0,
            on_seen: 0,
        };
        let answered: Vec<_> = tasks.iter().map(|t| (t, &outcome)).collect();
        let svg = lifeguard_svg(&answered);
        assert!(svg.contains("Lifeguard off (2 runs each)"));
        // Off: 3 false deaths per run; on: 0, written above its empty bar.
        assert!(svg.contains("fill=\"#E65757\">\n3\n</text>"), "{svg}");
        assert!(svg.contains("fill=\"#50B464\">\n0\n</text>"), "{svg}");
        assert!(svg.contains("Lifeguard on (2 runs each)"));
    }
}

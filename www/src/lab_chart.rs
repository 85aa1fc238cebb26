//! The lab's charts and tables (plotters to SVG through `plot.rs`, as `chart.rs`; the SWIM and
//! Lifeguard charts are in `lab_figures.rs`), and its CSV export. Everything drawn
//! comes from lab workers' answers; the page only gathers them.

use plotters::prelude::*;
use quorate_view::lab::{self as lab, Experiment, LabOutcome, LabTask, Spread, FIG16_PAPER};
use yew::prelude::*;

use crate::lab_figures::{self as figures, HEIGHT, WIDTH};
use crate::plot::{self, Drawn};
/// One colour per Figure 16 range, in the paper's order.
const RANGE_COLOURS: [RGBColor; 7] = [
    RGBColor(230, 87, 87),
    RGBColor(240, 160, 60),
    RGBColor(200, 190, 60),
    RGBColor(80, 180, 100),
    RGBColor(88, 166, 255),
    RGBColor(163, 113, 247),
    RGBColor(220, 110, 200),
];
type Answered<'a> = [(&'a LabTask, &'a LabOutcome)];

fn figure(label: String, testid: &'static str, svg: String) -> Html {
    html! {
        <figure class="lab-chart" aria-label={label} data-testid={testid}>
            { Html::from_html_unchecked(AttrValue::from(svg)) }
        </figure>
    }
}

/// Figure 16: the CDF of the time without a leader per timeout range (log time axis, as the paper's),
/// with the paper's numbers as black marks: a median at 50%, a worst case at 100%, a mean at 50%.
pub fn fig16_svg(ranges: &[lab::RangeSamples]) -> String {
    plot::svg((WIDTH, HEIGHT), |root| -> Drawn {
        let mut chart = plot::frame(root, (10f64..10_000f64).log_scale(), 0f64..1.02f64)?;
        plot::mesh(&mut chart)
            .x_desc("ms without a leader")
            .y_desc("cumulative fraction of trials")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .draw()?;
        for (r, colour) in ranges.iter().zip(RANGE_COLOURS) {
            if r.trials == 0 {
                continue;
            }
            // A step curve from the first sample; censored trials never reach 1.
            let mut points = Vec::new();
            let mut below = 0.0;
            for (ms, f) in r.cdf() {
                let ms = ms.clamp(10.0, 10_000.0);
                points.push((ms, below));
                points.push((ms, f));
                below = f;
            }
            points.push((10_000.0, below));
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(2)))?
                .label(format!("{}-{} ms ({})", r.min_ms, r.max_ms, r.trials))
                .legend(plot::key(colour));
        }
        // Dark rings on a white disc: seen on the dark theme and on the light one.
        let paper = RGBColor(20, 20, 20);
        let marks: Vec<(f64, f64)> = FIG16_PAPER
            .iter()
            .filter_map(|&(_, stat, ms)| match stat {
                "max" => Some((ms, 1.0)),
                "p50" | "mean" => Some((ms, 0.5)),
                _ => None,
            })
            .collect();
        chart.draw_series(marks.iter().map(|&p| Circle::new(p, 5, WHITE.filled())))?;
        chart
            .draw_series(
                marks
                    .iter()
                    .map(|&p| Circle::new(p, 5, paper.stroke_width(2))),
            )?
            .label("the paper's numbers")
            .legend(move |(x, y)| Circle::new((x + 8, y), 4, paper.stroke_width(2)));
        plot::legend(&mut chart, SeriesLabelPosition::LowerRight, true)
    })
}

/// The chain's mean informed fraction with its 5-95% band, Serf's model, and measured runs.
pub fn markov_svg(spread: Spread, chain: Option<&LabOutcome>, measured: &[Vec<u32>]) -> String {
    let n = f64::from(spread.n);
    let (mean, p05, p95, serf) = match chain {
        Some(LabOutcome::Markov {
            mean,
            p05,
            p95,
            serf,
        }) => (mean.clone(), p05.clone(), p95.clone(), serf.clone()),
        _ => Default::default(),
    };
    // Rounds shown: until the chain's band and Serf's model are (all but) complete, at least 5.
    let done = |r: usize| {
        p05.get(r).is_some_and(|&p| p == spread.n) && serf.get(r).is_some_and(|&s| s >= 0.999 * n)
    };
    let rounds = (0..mean.len())
        .find(|&r| done(r))
        .map_or(mean.len(), |r| r + 2);
    let rounds = rounds.clamp(5, lab::MARKOV_ROUNDS as usize) as f64;
    let band_colour = RGBColor(163, 113, 247);
    let serf_colour = RGBColor(240, 160, 60);
    let measured_colour = RGBColor(88, 166, 255);
    plot::svg((WIDTH, HEIGHT), |root| -> Drawn {
        let mut chart = plot::frame(root, 0f64..rounds, 0f64..1.02f64)?;
        plot::mesh(&mut chart)
            .x_desc("gossip round")
            .y_desc("fraction informed")
            .draw()?;
        let upto = |xs: &[f64]| -> Vec<(f64, f64)> {
            xs.iter()
                .enumerate()
                .take(rounds as usize + 1)
                .map(|(r, v)| (r as f64, v / n))
                .collect()
        };
        let as_f = |xs: &[u32]| xs.iter().map(|&x| f64::from(x)).collect::<Vec<_>>();
        let mut band = upto(&as_f(&p95));
        band.extend(upto(&as_f(&p05)).into_iter().rev());
        if !band.is_empty() {
            chart
                .draw_series(std::iter::once(Polygon::new(band, band_colour.mix(0.25))))?
                .label("chain 5-95%")
                .legend(move |(x, y)| {
                    Rectangle::new(
                        [(x, y - 4), (x + 16, y + 4)],
                        band_colour.mix(0.25).filled(),
                    )
                });
        }
        chart
            .draw_series(LineSeries::new(upto(&mean), band_colour.stroke_width(2)))?
            .label("chain mean")
            .legend(plot::key(band_colour));
        chart
            .draw_series(LineSeries::new(upto(&serf), serf_colour.stroke_width(2)))?
            .label("Serf's model")
            .legend(plot::key(serf_colour));
        for (i, run) in measured.iter().enumerate() {
            // Measured index r-1 is after r intervals; round 0 is the origin alone (as the CLI).
            let mut points = vec![(0.0, 1.0 / n)];
            points.extend(
                run.iter()
                    .enumerate()
                    .take(rounds as usize)
                    .map(|(r, &x)| ((r + 1) as f64, f64::from(x) / n)),
            );
            let series = chart.draw_series(LineSeries::new(points, measured_colour.mix(0.6)))?;
            if i == 0 {
                series
                    .label(format!("measured ({} runs)", measured.len()))
                    .legend(plot::key(measured_colour));
            }
        }
        plot::legend(&mut chart, SeriesLabelPosition::LowerRight, true)
    })
}

/// The Markov chart, with a line of figures under it.
pub fn markov(spread: Spread, chain: Option<&LabOutcome>, measured: &[Vec<u32>]) -> Html {
    let summary = match chain {
        Some(LabOutcome::Markov { mean, .. }) => {
            let n = f64::from(spread.n);
            let r = mean.iter().position(|m| *m >= 0.99 * n);
            format!(
                "N = {}, fanout {}, loss {:.2}: the chain's mean passes 99% of N in round {}",
                spread.n,
                spread.fanout,
                spread.loss,
                r.map_or("> 30".to_string(), |r| r.to_string())
            )
        }
        Some(LabOutcome::Refused(e)) => e.clone(),
        _ => "computing the chain…".to_string(),
    };
    html! {
        <>
            { figure(summary.clone(), "markov-chart", markov_svg(spread, chain, measured)) }
            <p class="lab-summary" data-testid="markov-summary">{ summary }</p>
        </>
    }
}

fn table(head: &[&str], rows: Vec<Vec<String>>) -> Html {
    html! {
        <table class="lab-table" data-testid="lab-table">
            <thead><tr>{ for head.iter().map(|h| html! { <th scope="col">{ *h }</th> }) }</tr></thead>
            <tbody>{ for rows.into_iter().map(|r| html! {
                <tr>{ for r.into_iter().map(|c| html! { <td>{ c }</td> }) }</tr>
            }) }</tbody>
        </table>
    }
}

/// Rows of an experiment's table (what the CSV holds, for the experiments without a curve).
fn rows(experiment: Experiment, answered: &Answered) -> (Vec<&'static str>, Vec<Vec<String>>) {
    match experiment {
        Experiment::Fig16 => {
            let head = vec![
                "range_min_ms",
                "range_max_ms",
                "trials",
                "censored",
                "p50_ms",
                "max_ms",
                "mean_ms",
            ];
            let rows = lab::fig16_ranges(answered.iter().copied())
                .into_iter()
                .filter(|r| r.trials > 0)
                .map(|r| {
                    let q = |p: f64| {
                        let rank =
                            ((p * f64::from(r.trials)).ceil() as usize).clamp(1, r.trials as usize);
                        r.samples_ms
                            .get(rank - 1)
                            .map_or("> 10 s".to_string(), |v| format!("{v:.0}"))
                    };
                    let (mean, _) = lab::mean_sd(&r.samples_ms);
                    vec![
                        r.min_ms.to_string(),
                        r.max_ms.to_string(),
                        r.trials.to_string(),
                        (r.trials as usize - r.samples_ms.len()).to_string(),
                        q(0.5),
                        q(1.0),
                        if r.samples_ms.is_empty() {
                            "-".into()
                        } else {
                            format!("{mean:.0}")
                        },
                    ]
                })
                .collect();
            (head, rows)
        }
        Experiment::Convergence => {
            // (rounds to 99.99%, members informed at the end, members, converged)
            let runs: Vec<(f64, u32, u32, bool)> = answered
                .iter()
                .filter_map(|(t, o)| match (t, o) {
                    (
                        LabTask::Convergence { spread, .. },
                        LabOutcome::Convergence {
                            rounds_to_9999,
                            final_informed,
                            converged,
                            ..
                        },
                    ) => Some((*rounds_to_9999, *final_informed, spread.n, *converged)),
                    _ => None,
                })
                .collect();
            let xs: Vec<f64> = runs.iter().filter(|r| r.3).map(|r| r.0).collect();
            let censored: Vec<&(f64, u32, u32, bool)> = runs.iter().filter(|r| !r.3).collect();
            let (m, sd) = lab::mean_sd(&xs);
            let mut rows = Vec::new();
            if !xs.is_empty() {
                rows.push(vec![
                    "converged".into(),
                    xs.len().to_string(),
                    format!("{m:.2}"),
                    format!("{sd:.2}"),
                    "1".into(),
                ]);
            }
            if !censored.is_empty() {
                let least = censored
                    .iter()
                    .map(|r| f64::from(r.1) / f64::from(r.2.max(1)))
                    .fold(f64::INFINITY, f64::min);
                rows.push(vec![
                    "not converged".into(),
                    censored.len().to_string(),
                    "-".into(),
                    "-".into(),
                    format!("{least:.4}"),
                ]);
            }
            (
                vec![
                    "outcome",
                    "runs",
                    "measured_rounds_to_99.99%_mean",
                    "sd",
                    "least_fraction_informed",
                ],
                rows,
            )
        }
        Experiment::Detection => {
            let rows = lab::DETECTION_SIZES
                .iter()
                .filter_map(|&n| {
                    let xs: Vec<f64> = answered
                        .iter()
                        .filter_map(|(t, o)| match (t, o) {
                            (
                                LabTask::Detection { n: m, .. },
                                LabOutcome::Detection { periods, .. },
                            ) if *m == n => Some(*periods),
                            _ => None,
                        })
                        .collect();
                    let model = answered.iter().find_map(|(t, o)| match (t, o) {
                        (LabTask::Detection { n: m, .. }, LabOutcome::Detection { model, .. })
                            if *m == n =>
                        {
                            Some(*model)
                        }
                        _ => None,
                    });
                    (!xs.is_empty()).then(|| {
                        let (m, sd) = lab::mean_sd(&xs);
                        vec![
                            n.to_string(),
                            xs.len().to_string(),
                            format!("{m:.4}"),
                            format!("{sd:.4}"),
                            model.map_or("-".into(), |e| format!("{e:.4}")),
                            format!("{:.4}", figures::SWIM_FIRST_PROBE_PERIODS),
                        ]
                    })
                })
                .collect();
            (
                vec![
                    "n",
                    "runs",
                    "measured_mean",
                    "measured_sd",
                    "engine_model",
                    "swim_first_probe",
                ],
                rows,
            )
        }
        Experiment::Load => {
            let rows = answered
                .iter()
                .filter_map(|(t, o)| match (t, o) {
                    (LabTask::Load { n, .. }, LabOutcome::Load { probe, all }) => Some(vec![
                        n.to_string(),
                        format!("{probe:.4}"),
                        format!("{all:.4}"),
                    ]),
                    _ => None,
                })
                .collect();
            (
                vec!["n", "probe_per_member_period", "all_per_member_period"],
                rows,
            )
        }
        Experiment::Lifeguard => {
            let rows = (0..=lab::LIFEGUARD_MAX_SLOW)
                .filter_map(|slow| {
                    let mut sums = [0u32; 4];
                    let mut runs = 0;
                    for (t, o) in answered {
                        if let (
                            LabTask::Lifeguard { slow: s, .. },
                            LabOutcome::Lifeguard {
                                off_declared,
                                off_seen,
                                on_declared,
                                on_seen,
                            },
                        ) = (t, o)
                        {
                            if *s == slow {
                                runs += 1;
                                for (sum, v) in sums.iter_mut().zip([
                                    off_declared,
                                    off_seen,
                                    on_declared,
                                    on_seen,
                                ]) {
                                    *sum += v;
                                }
                            }
                        }
                    }
                    (runs > 0).then(|| {
                        std::iter::once(slow.to_string())
                            .chain(sums.iter().map(u32::to_string))
                            .collect()
                    })
                })
                .collect();
            (
                vec!["slow", "off_declared", "off_seen", "on_declared", "on_seen"],
                rows,
            )
        }
    }
}

/// An experiment's results: a chart (convergence is drawn on the Markov chart) and the table.
pub fn result(experiment: Experiment, answered: &Answered) -> Html {
    let (head, body) = rows(experiment, answered);
    html! {
        <>
            if experiment == Experiment::Fig16 {
                { figure(
                    "Figure 16: cumulative fraction of trials with a new leader, per election timeout range, with the paper's numbers".into(),
                    "fig16-chart",
                    fig16_svg(&lab::fig16_ranges(answered.iter().copied())),
                ) }
            }
            if experiment == Experiment::Detection {
                { figure(
                    "First detection: probe periods from a crash to the first suspicion per N, each run and the mean, beside SWIM's e/(e-1) and this engine's model".into(),
                    "detection-chart",
                    figures::detection_svg(answered),
                ) }
            }
            if experiment == Experiment::Load {
                { figure(
                    "Message load: messages sent per member per probe period against N, beside SWIM's constant".into(),
                    "load-chart",
                    figures::load_svg(answered),
                ) }
            }
            if experiment == Experiment::Lifeguard {
                { figure(
                    "False deaths per run with slow members, Lifeguard off and on".into(),
                    "lifeguard-chart",
                    figures::lifeguard_svg(answered),
                ) }
            }
            if experiment == Experiment::Convergence {
                <p>{ "The measured runs are drawn on the Markov chart below. A run that has not reached 99.99% of members within 120 s is counted as not converged, with the fraction it had informed." }</p>
            }
            { table(&head, body) }
        </>
    }
}

/// The run's rows as CSV. Figure 16 is exactly `quorate lab fig16 --csv`'s form (one row per trial
/// with its CDF value); the others give the table's rows.
pub fn csv(experiment: Experiment, answered: &Answered, _chain: Option<&LabOutcome>) -> String {
    if experiment == Experiment::Fig16 {
        return lab::fig16_csv(&lab::fig16_ranges(answered.iter().copied()));
    }
    let (head, rows) = rows(experiment, answered);
    let mut out = head.join(",") + "\n";
    for r in rows {
        out += &(r.join(",") + "\n");
    }
    out
}

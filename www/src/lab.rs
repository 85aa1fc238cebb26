//! The lab page (`lab.html`): runs an experiment's seeds on a pool of lab workers (`lab.js`,
//! spawned under the name `lab`), draws the results as they arrive, cancels by ending the
//! workers, and exports the rows as CSV. Beside it, the exact push-gossip Markov chain with sliders.
//!
//! The page measures nothing itself: every number comes from a lab worker, which runs the functions
//! `quorate lab` runs (crate/worker/src/lab.rs).

use std::rc::Rc;

use quorate_view::codec::decode;
use quorate_view::lab::{
    self as lab, Experiment, LabAnswer, LabHooks, LabJob, LabOutcome, LabTask, Spread,
    MARKOV_MAX_N, MARKOV_ROUNDS,
};
use yew::prelude::*;

use crate::lab_pool::{self, Heard, LabWorker, Pool, PoolEvent};

/// Most seeds a run may ask for.
const MAX_SEEDS: u64 = 1_000;

/// How many workers the pool runs: the browser's count of logical processors, at least 1.
fn pool_size() -> usize {
    let n = gloo::utils::window().navigator().hardware_concurrency();
    if n.is_finite() && n >= 1.0 {
        (n as usize).min(16)
    } else {
        1
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Run {
    experiment: Option<Experiment>,
    /// The jobs of the run, and the answer to each (by position: job id - 1), or how it failed.
    tasks: Vec<LabTask>,
    outcomes: Vec<Option<Result<LabOutcome, String>>>,
    /// Jobs answered or failed.
    done: usize,
    /// Failed jobs, in the order they failed: (job id, message).
    failed: Vec<(u32, String)>,
    running: bool,
    cancelled: bool,
    error: Option<String>,
    /// Bumped on every start, so answers of a cancelled run are recognised.
    generation: u32,
}

enum RunAction {
    Start(Experiment, Vec<LabTask>),
    Answer(u32, LabAnswer),
    /// Job `id` of run `generation` failed.
    JobFailed(u32, u32, String),
    Cancel,
    Failed(String),
}

impl Reducible for Run {
    type Action = RunAction;

    fn reduce(self: Rc<Self>, action: RunAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            RunAction::Start(experiment, tasks) => {
                next = Run {
                    experiment: Some(experiment),
                    outcomes: vec![None; tasks.len()],
                    tasks,
                    running: true,
                    generation: self.generation + 1,
                    ..Run::default()
                };
            }
            RunAction::Answer(generation, answer) => {
                if generation != self.generation || !self.running {
                    return self;
                }
                if let LabOutcome::Refused(message) = &answer.outcome {
                    next.error = Some(message.clone());
                }
                next.settle(answer.id, Ok(answer.outcome));
            }
            RunAction::JobFailed(generation, id, message) => {
                if generation != self.generation || !self.running {
                    return self;
                }
                if next.settle(id, Err(message.clone())) {
                    next.failed.push((id, message));
                }
            }
            RunAction::Cancel => {
                next.running = false;
                next.cancelled = true;
            }
            RunAction::Failed(message) => {
                next.running = false;
                next.error = Some(message);
            }
        }
        Rc::new(next)
    }
}

impl Run {
    /// Fills job `id`'s slot if it is still open (says whether it was); the run ends with its last job.
    fn settle(&mut self, id: u32, outcome: Result<LabOutcome, String>) -> bool {
        let slot = (id as usize)
            .checked_sub(1)
            .and_then(|i| self.outcomes.get_mut(i));
        let Some(slot @ None) = slot else {
            return false;
        };
        *slot = Some(outcome);
        self.done += 1;
        self.running = self.done < self.tasks.len();
        true
    }

    fn answered(&self) -> impl Iterator<Item = (&LabTask, &LabOutcome)> {
        self.tasks
            .iter()
            .zip(&self.outcomes)
            .filter_map(|(t, o)| o.as_ref().and_then(|o| o.as_ref().ok()).map(|o| (t, o)))
    }

    fn percent(&self) -> u32 {
        if self.tasks.is_empty() {
            0
        } else {
            (self.done * 100 / self.tasks.len()) as u32
        }
    }
}

/// The failed jobs of a run, each with its experiment, setting and seed, and how it failed (the
/// first few; the count says how many in all). Their rows are missing from the results and the CSV.
fn failures(run: &Run) -> Html {
    const SHOWN: usize = 5;
    if run.failed.is_empty() {
        return html! {};
    }
    let n = run.failed.len();
    html! {
        <div class="notice lab-failures" role="alert" data-testid="lab-failed">
            <p>{ format!("{n} job{} failed; the results leave {} out:", if n == 1 { "" } else { "s" }, if n == 1 { "it" } else { "them" }) }</p>
            <ul>
                { for run.failed.iter().take(SHOWN).map(|(id, message)| {
                    let task = (*id as usize).checked_sub(1).and_then(|i| run.tasks.get(i)).map_or_else(String::new, |t| format!(" ({})", t.describe()));
                    html! { <li>{ format!("job {id}{task}: {message}") }</li> }
                }) }
                if n > SHOWN {
                    <li>{ format!("and {} more", n - SHOWN) }</li>
                }
            </ul>
        </div>
    }
}

/// The chain's worker: the latest job asked of it, whether it said Ready, whether it died.
#[derive(Default)]
struct MarkovJob {
    latest: Option<LabJob>,
    ready: bool,
    dead: bool,
}

#[component]
pub fn LabPage() -> Html {
    let run = use_reducer(Run::default);
    let pool = use_mut_ref(Pool::default);
    let experiment = use_state(|| Experiment::Fig16);
    let seeds = use_state(|| 5u64);
    let spread = use_state(Spread::default);
    let markov = use_state(|| None::<LabOutcome>);
    let markov_worker = use_mut_ref(|| None::<LabWorker>);
    // The latest chain asked for, whether the chain's worker is listening yet, and whether it died.
    let markov_job = use_mut_ref(MarkovJob::default);
    // Test-only hooks from the address (`LabHooks`); a bad address is named on the page.
    let hooks = use_memo((), |_| {
        let hash = gloo::utils::window().location().hash().unwrap_or_default();
        LabHooks::parse(&hash)
    });

    // The chain follows the sliders: each change asks the chain's worker again; only the latest
    // answer is drawn.
    {
        let markov = markov.clone();
        let markov_worker = markov_worker.clone();
        let markov_job = markov_job.clone();
        let run = run.dispatcher();
        use_effect_with(*spread, move |spread| {
            let Ok(spread) = spread.check() else {
                return;
            };
            let id = markov_job.borrow().latest.as_ref().map_or(1, |j| j.id + 1);
            let job = LabJob {
                id,
                task: LabTask::Markov {
                    spread,
                    rounds: MARKOV_ROUNDS,
                },
            };
            let mut slot = markov_worker.borrow_mut();
            {
                let mut asked = markov_job.borrow_mut();
                asked.latest = Some(job.clone());
                // A dead worker is let go here, outside its own handlers, and a new one asked.
                if asked.dead {
                    *asked = MarkovJob {
                        latest: asked.latest.take(),
                        ..MarkovJob::default()
                    };
                    *slot = None;
                }
            }
            if slot.is_none() {
                let (latest, worker) = (markov_job.clone(), markov_worker.clone());
                let spawned = LabWorker::spawn(move |heard| {
                    let answer = match heard {
                        Heard::Bytes(bytes) => decode::<LabAnswer>(&bytes, "a lab answer")
                            .map_err(|e| format!("the chain's answer could not be read: {e}")),
                        Heard::Error(message) => {
                            Err(format!("the chain's worker failed: {message}"))
                        }
                    };
                    match answer {
                        Ok(LabAnswer {
                            outcome: LabOutcome::Ready,
                            ..
                        }) => {
                            let mut latest = latest.borrow_mut();
                            latest.ready = true;
                            if let (Some(job), Ok(w)) = (&latest.latest, worker.try_borrow()) {
                                if let Some(w) = w.as_ref() {
                                    w.post(job);
                                }
                            }
                        }
                        Ok(LabAnswer {
                            outcome: LabOutcome::Panicked(message),
                            ..
                        }) => {
                            latest.borrow_mut().dead = true;
                            if let Some(w) =
                                worker.try_borrow().ok().as_deref().and_then(Option::as_ref)
                            {
                                w.end();
                            }
                            markov.set(Some(LabOutcome::Refused(format!(
                                "the chain's worker panicked: {message}"
                            ))));
                        }
                        Ok(a) if latest.borrow().latest.as_ref().map(|j| j.id) == Some(a.id) => {
                            markov.set(Some(a.outcome))
                        }
                        Ok(_) => {}
                        Err(message) => {
                            latest.borrow_mut().dead = true;
                            if let Some(w) =
                                worker.try_borrow().ok().as_deref().and_then(Option::as_ref)
                            {
                                w.end();
                            }
                            markov.set(Some(LabOutcome::Refused(message)));
                        }
                    }
                });
                match spawned {
                    Ok(w) => *slot = Some(w),
                    Err(e) => run.dispatch(RunAction::Failed(e)),
                }
            } else if markov_job.borrow().ready {
                if let Some(w) = slot.as_ref() {
                    w.post(&job);
                }
            }
        });
    }
    {
        // Leaving the page ends every worker.
        let pool = pool.clone();
        let markov_worker = markov_worker.clone();
        use_effect_with((), move |_| {
            move || {
                pool.borrow_mut().end();
                if let Some(w) = markov_worker.borrow_mut().take() {
                    w.end();
                }
            }
        });
    }

    let on_run = {
        let run = run.clone();
        let pool = pool.clone();
        let experiment = *experiment;
        let seeds = *seeds;
        let spread = *spread;
        let hooks = (*hooks).clone();
        Callback::from(move |_: MouseEvent| {
            let Ok(hooks) = hooks.clone() else {
                return;
            };
            let tasks = lab::plan(experiment, seeds, 1, spread);
            let generation = run.generation + 1;
            run.dispatch(RunAction::Start(experiment, tasks.clone()));
            let jobs: Vec<LabJob> = tasks
                .into_iter()
                .enumerate()
                .map(|(i, task)| LabJob {
                    id: i as u32 + 1,
                    task,
                })
                .collect();
            let size = pool_size().min(jobs.len());
            let dispatcher = run.dispatcher();
            let report = Rc::new(move |event| {
                dispatcher.dispatch(match event {
                    PoolEvent::Answer(answer) => RunAction::Answer(generation, answer),
                    PoolEvent::Failed { id, message } => {
                        RunAction::JobFailed(generation, id, message)
                    }
                    PoolEvent::Broken(message) => RunAction::Failed(message),
                })
            });
            if let Err(e) = lab_pool::start(&pool, jobs, size, hooks, report) {
                run.dispatch(RunAction::Failed(e));
            }
        })
    };
    // A finished run ends its workers.
    {
        let pool = pool.clone();
        use_effect_with((run.running, run.generation), move |(running, _)| {
            if !*running {
                pool.borrow_mut().end();
            }
        });
    }
    let on_cancel = {
        let run = run.dispatcher();
        let pool = pool.clone();
        Callback::from(move |_: MouseEvent| {
            pool.borrow_mut().end();
            run.dispatch(RunAction::Cancel);
        })
    };
    let on_csv = {
        let run = run.clone();
        let markov = markov.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(e) = run.experiment {
                crate::app::download(
                    &format!("quorate-lab-{}.csv", e.name()),
                    &crate::lab_chart::csv(e, &run.answered().collect::<Vec<_>>(), markov.as_ref()),
                    "text/csv",
                );
            }
        })
    };
    let on_experiment = {
        let experiment = experiment.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Some(x) = Experiment::parse(&select.value()) {
                experiment.set(x);
            }
        })
    };
    let on_seeds = {
        let seeds = seeds.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            if let Ok(n) = input.value().parse::<u64>() {
                seeds.set(n.clamp(1, MAX_SEEDS));
            }
        })
    };
    let slider = |label: &'static str,
                  testid: &'static str,
                  min: f64,
                  max: f64,
                  step: f64,
                  value: f64,
                  set: Rc<dyn Fn(f64, Spread) -> Spread>| {
        let spread = spread.clone();
        let oninput = Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            if let Ok(v) = input.value().parse::<f64>() {
                let next = set(v, *spread);
                if next.check().is_ok() {
                    spread.set(next);
                }
            }
        });
        html! {
            <label class="lab-slider">
                <span>{ label }</span>
                <input type="range" min={min.to_string()} max={max.to_string()} step={step.to_string()}
                    value={value.to_string()} {oninput} data-testid={testid} aria-label={label} />
                <output>{ value }</output>
            </label>
        }
    };
    let s = *spread;
    let measured: Vec<Vec<u32>> = if run.experiment == Some(Experiment::Convergence) {
        run.answered()
            .filter_map(|(t, o)| match (t, o) {
                (LabTask::Convergence { spread, .. }, LabOutcome::Convergence { informed, .. })
                    if *spread == s =>
                {
                    Some(informed.clone())
                }
                _ => None,
            })
            .collect()
    } else {
        Vec::new()
    };
    let answered: Vec<(&LabTask, &LabOutcome)> = run.answered().collect();
    let percent = run.percent();
    html! {
        <main class="lab">
            <header class="bar">
                <h1>{ "Quorate lab" }</h1>
                <a href="index.html">{ "Playground" }</a>
            </header>
            <section class="lab-controls" aria-label="experiment">
                <label>
                    <span>{ "Experiment " }</span>
                    <select onchange={on_experiment} data-testid="lab-experiment" aria-label="experiment">
                        { for Experiment::ALL.iter().map(|x| html! {
                            <option value={x.name()} selected={*x == *experiment}>{ x.title() }</option>
                        }) }
                    </select>
                </label>
                <label>
                    <span>{ "Seeds " }</span>
                    <input type="number" min="1" max={MAX_SEEDS.to_string()} value={seeds.to_string()}
                        onchange={on_seeds} data-testid="lab-seeds" aria-label="seeds" />
                </label>
                <button onclick={on_run} disabled={run.running} data-testid="lab-run">{ "Run" }</button>
                <button onclick={on_cancel} disabled={!run.running} data-testid="lab-cancel">{ "Cancel" }</button>
                <button onclick={on_csv} disabled={run.done == 0} data-testid="lab-csv">{ "Export CSV" }</button>
                <span class="lab-pool">{ format!("{} workers", pool_size()) }</span>
            </section>
            <div class="lab-progress">
                <progress max="100" value={percent.to_string()} aria-label="progress" data-testid="lab-progress-bar"></progress>
                <span data-testid="lab-progress">{ format!("{}%", percent) }</span>
                <span data-testid="lab-done">{ format!(" {} of {} jobs", run.done, run.tasks.len()) }</span>
                if !run.failed.is_empty() {
                    <span class="lab-failed-count" data-testid="lab-failed-count">{ format!("· {} failed", run.failed.len()) }</span>
                }
                if run.cancelled {
                    <span class="lab-cancelled" data-testid="lab-cancelled">{ " cancelled" }</span>
                }
            </div>
            if let Err(e) = &*hooks {
                <p class="notice" role="alert" data-testid="lab-address-error">{ e }</p>
            }
            if let Some(e) = &run.error {
                <p class="notice" role="alert">{ e }</p>
            }
            { failures(&run) }
            if let Some(x) = run.experiment {
                <section class="lab-result" aria-label="results">
                    <h2>{ x.title() }</h2>
                    { crate::lab_chart::result(x, &answered) }
                </section>
            }
            <section class="lab-markov" aria-label="Markov chain">
                <h2>{ "Push gossip as a Markov chain" }</h2>
                <p>{ "The exact distribution of informed members per round (each informed member pushes to f others; each push is lost with probability loss), its mean and 5-95% band, beside Serf's logistic model. Run the convergence experiment to add the measured runs for the same N, f and loss." }</p>
                <div class="lab-sliders">
                    { slider("N", "markov-n", 2.0, f64::from(MARKOV_MAX_N), 1.0, f64::from(s.n), Rc::new(|v, s| Spread { n: v as u32, fanout: s.fanout.min(v as u32 - 1).max(1), ..s })) }
                    { slider("fanout", "markov-fanout", 1.0, f64::from(s.n.clamp(2, 9) - 1), 1.0, f64::from(s.fanout), Rc::new(|v, s| Spread { fanout: (v as u32).clamp(1, s.n.max(2) - 1), ..s })) }
                    { slider("loss", "markov-loss", 0.0, 0.9, 0.05, s.loss, Rc::new(|v, s| Spread { loss: (v * 100.0).round() / 100.0, ..s })) }
                </div>
                { crate::lab_chart::markov(s, markov.as_ref(), &measured) }
            </section>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(tasks: usize) -> Rc<Run> {
        let task = LabTask::Detection { n: 10, seed: 1 };
        Rc::new(Run::default()).reduce(RunAction::Start(Experiment::Detection, vec![task; tasks]))
    }

    #[test]
    fn a_failed_job_counts_and_the_run_still_ends() {
        let run = started(2);
        let generation = run.generation;
        let answer = LabAnswer {
            id: 1,
            outcome: LabOutcome::Detection {
                periods: 1.5,
                model: 1.9,
            },
        };
        let run = run.reduce(RunAction::Answer(generation, answer.clone()));
        assert!(run.running);
        let run = run.reduce(RunAction::JobFailed(generation, 2, "trap".into()));
        assert_eq!((run.done, run.running, run.percent()), (2, false, 100));
        assert_eq!(run.failed, vec![(2, "trap".to_string())]);
        assert_eq!(run.answered().count(), 1, "a failed job has no row");
    }

    #[test]
    fn a_job_settles_once_and_only_in_its_own_run() {
        let run = started(3);
        let generation = run.generation;
        let run = run.reduce(RunAction::JobFailed(generation, 2, "trap".into()));
        // The same job failing again (its worker's error after its panic), an unknown job, and a
        // job of an earlier run change nothing.
        let run = run.reduce(RunAction::JobFailed(generation, 2, "again".into()));
        let run = run.reduce(RunAction::JobFailed(generation, 9, "unknown".into()));
        let run = run.reduce(RunAction::JobFailed(generation - 1, 1, "old".into()));
        assert_eq!((run.done, run.failed.len(), run.running), (1, 1, true));
    }
}

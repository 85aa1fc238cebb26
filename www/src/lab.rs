//! The lab page (`lab.html`): runs an experiment's seeds on a pool of lab workers (the same
//! `worker.js`, spawned under the name `lab`), draws the results as they arrive, cancels by ending the
//! workers, and exports the rows as CSV. Beside it, the exact push-gossip Markov chain with sliders.
//!
//! The page measures nothing itself: every number comes from a lab worker, which runs the functions
//! `quorate lab` runs (crate/worker/src/lab.rs).

use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{Array, Uint8Array};
use quorate_view::codec::{decode, encode};
use quorate_view::lab::{
    self as lab, Experiment, LabAnswer, LabJob, LabOutcome, LabTask, Spread, MARKOV_MAX_N,
    MARKOV_ROUNDS,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, MessageEvent, Url, Worker, WorkerOptions};
use yew::prelude::*;

/// The name the worker script gives a lab worker (crate/worker's `LAB_WORKER_NAME`).
const LAB_WORKER_NAME: &str = "lab";
/// Most seeds a run may ask for.
const MAX_SEEDS: u64 = 1_000;

/// Whether this page is the lab (`lab.html`).
pub fn is_lab() -> bool {
    let path = gloo::utils::window()
        .location()
        .pathname()
        .unwrap_or_default();
    path.ends_with("/lab.html") || path == "lab.html"
}

/// How many workers the pool runs: the browser's count of logical processors, at least 1.
fn pool_size() -> usize {
    let n = gloo::utils::window().navigator().hardware_concurrency();
    if n.is_finite() && n >= 1.0 {
        (n as usize).min(16)
    } else {
        1
    }
}

/// The address of `worker.js`, next to this page.
fn worker_script() -> String {
    let href = gloo::utils::window().location().href().unwrap_or_default();
    let page = href.split(['#', '?']).next().unwrap_or_default();
    let dir = &page[..page.rfind('/').map_or(0, |i| i + 1)];
    format!("{dir}worker.js")
}

/// A lab worker and what it holds on to.
struct LabWorker {
    worker: Worker,
    url: String,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl LabWorker {
    /// Starts a worker; `on_bytes` gets every message it posts.
    fn spawn(on_bytes: impl Fn(Vec<u8>) + 'static) -> Result<LabWorker, String> {
        let script = worker_script();
        let wasm = script
            .strip_suffix(".js")
            .map(|stem| format!("{stem}_bg.wasm"))
            .ok_or_else(|| format!("{script} does not end in .js"))?;
        let shim =
            format!("importScripts({script:?});wasm_bindgen({{ module_or_path: {wasm:?} }});");
        let options = BlobPropertyBag::new();
        options.set_type("application/javascript");
        let blob = Blob::new_with_str_sequence_and_options(
            &Array::of1(&JsValue::from_str(&shim)),
            &options,
        )
        .map_err(|e| format!("{e:?}"))?;
        let url = Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
        let worker_options = WorkerOptions::new();
        worker_options.set_name(LAB_WORKER_NAME);
        let worker = Worker::new_with_options(&url, &worker_options)
            .map_err(|e| format!("could not start a lab worker: {e:?}"))?;
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            on_bytes(Uint8Array::new(&event.data()).to_vec());
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        Ok(LabWorker {
            worker,
            url,
            _on_message: on_message,
        })
    }

    fn post(&self, job: &LabJob) {
        let _ = self
            .worker
            .post_message(&Uint8Array::from(&encode(job)[..]));
    }

    fn end(self) {
        self.worker.set_onmessage(None);
        self.worker.terminate();
        let _ = Url::revoke_object_url(&self.url);
    }
}

/// The pool of a run: jobs not yet handed out, and the workers.
#[derive(Default)]
struct Pool {
    queue: VecDeque<LabJob>,
    workers: Vec<LabWorker>,
}

impl Pool {
    /// Hands worker `w` the next job, if any is left.
    fn feed(&mut self, w: usize) {
        if let (Some(job), Some(worker)) = (self.queue.pop_front(), self.workers.get(w)) {
            worker.post(&job);
        }
    }

    fn end(&mut self) {
        self.queue.clear();
        for w in self.workers.drain(..) {
            w.end();
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Run {
    experiment: Option<Experiment>,
    /// The jobs of the run, and the answer to each (by position: job id - 1).
    tasks: Vec<LabTask>,
    outcomes: Vec<Option<LabOutcome>>,
    done: usize,
    running: bool,
    cancelled: bool,
    error: Option<String>,
    /// Bumped on every start, so answers of a cancelled run are recognised.
    generation: u32,
}

enum RunAction {
    Start(Experiment, Vec<LabTask>),
    Answer(u32, LabAnswer),
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
                let slot = (answer.id as usize)
                    .checked_sub(1)
                    .and_then(|i| next.outcomes.get_mut(i));
                if let Some(slot @ None) = slot {
                    *slot = Some(answer.outcome);
                    next.done += 1;
                    next.running = next.done < next.tasks.len();
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
    fn answered(&self) -> impl Iterator<Item = (&LabTask, &LabOutcome)> {
        self.tasks
            .iter()
            .zip(&self.outcomes)
            .filter_map(|(t, o)| o.as_ref().map(|o| (t, o)))
    }

    fn percent(&self) -> u32 {
        if self.tasks.is_empty() {
            0
        } else {
            (self.done * 100 / self.tasks.len()) as u32
        }
    }
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
    // The latest chain asked for, and whether the chain's worker is listening yet.
    let markov_job = use_mut_ref(|| (false, None::<LabJob>));

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
            let id = markov_job.borrow().1.as_ref().map_or(1, |j| j.id + 1);
            let job = LabJob {
                id,
                task: LabTask::Markov {
                    spread,
                    rounds: MARKOV_ROUNDS,
                },
            };
            markov_job.borrow_mut().1 = Some(job.clone());
            let mut slot = markov_worker.borrow_mut();
            if slot.is_none() {
                let (latest, worker) = (markov_job.clone(), markov_worker.clone());
                let failed = run.clone();
                let spawned = LabWorker::spawn(move |bytes| {
                    match decode::<LabAnswer>(&bytes, "a lab answer") {
                        Ok(LabAnswer {
                            outcome: LabOutcome::Ready,
                            ..
                        }) => {
                            let mut latest = latest.borrow_mut();
                            latest.0 = true;
                            if let (Some(job), Ok(w)) = (&latest.1, worker.try_borrow()) {
                                if let Some(w) = w.as_ref() {
                                    w.post(job);
                                }
                            }
                        }
                        Ok(a) if latest.borrow().1.as_ref().map(|j| j.id) == Some(a.id) => {
                            markov.set(Some(a.outcome))
                        }
                        Ok(_) => {}
                        Err(e) => failed.dispatch(RunAction::Failed(e.to_string())),
                    }
                });
                match spawned {
                    Ok(w) => *slot = Some(w),
                    Err(e) => run.dispatch(RunAction::Failed(e)),
                }
            } else if markov_job.borrow().0 {
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
        Callback::from(move |_: MouseEvent| {
            pool.borrow_mut().end();
            let tasks = lab::plan(experiment, seeds, 1, spread);
            let generation = run.generation + 1;
            run.dispatch(RunAction::Start(experiment, tasks.clone()));
            let mut p = pool.borrow_mut();
            p.queue = tasks
                .into_iter()
                .enumerate()
                .map(|(i, task)| LabJob {
                    id: i as u32 + 1,
                    task,
                })
                .collect();
            let size = pool_size().min(p.queue.len()).max(1);
            for w in 0..size {
                let dispatcher = run.dispatcher();
                let feed = pool.clone();
                let spawned = LabWorker::spawn(move |bytes| {
                    match decode::<LabAnswer>(&bytes, "a lab answer") {
                        Ok(answer) => {
                            let ready = matches!(answer.outcome, LabOutcome::Ready);
                            if !ready {
                                dispatcher.dispatch(RunAction::Answer(generation, answer));
                            }
                            // Called from the worker's message event, never while the pool is
                            // borrowed by the page.
                            if let Ok(mut p) = feed.try_borrow_mut() {
                                p.feed(w);
                            }
                        }
                        Err(e) => dispatcher.dispatch(RunAction::Failed(e.to_string())),
                    }
                });
                match spawned {
                    Ok(worker) => p.workers.push(worker),
                    Err(e) => {
                        run.dispatch(RunAction::Failed(e));
                        p.end();
                        return;
                    }
                }
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
                if run.cancelled {
                    <span class="lab-cancelled" data-testid="lab-cancelled">{ " cancelled" }</span>
                }
            </div>
            if let Some(e) = &run.error {
                <p class="notice" role="alert">{ e }</p>
            }
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

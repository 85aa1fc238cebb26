//! The lab page's workers: a pool that runs a run's jobs (one job at a time per worker, the next
//! handed out as an answer comes back), and the single worker that computes the Markov chain.
//!
//! A job always ends, answered or failed, so a run reaches 100% whatever its workers do: a job that
//! panics (its worker answers `Panicked`, then traps), a worker that raises an `error` event (a wasm
//! trap, a script that fails), an answer the page cannot decode, or a job the worker could not decode
//! (answered `Refused` with id 0) each fail the job that worker held, and a dead worker is replaced
//! while jobs are left. A job that runs longer than its limit (`JOB_LIMIT_S`, a test may set less) fails
//! too: a watchdog checks every second, ends the worker that holds it (a loop in a measurement never
//! answers) and starts another. Only a worker that fails before it ever took a job breaks the run:
//! nothing says that its replacement would do better.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use gloo::timers::callback::Interval;
use js_sys::{Array, Uint8Array};
use quorate_view::codec::{decode, encode};
use quorate_view::lab::{LabAnswer, LabHooks, LabJob, LabOutcome, LabTask, JOB_LIMIT_S};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, ErrorEvent, MessageEvent, Url, Worker, WorkerOptions};

/// The name the worker script gives a lab worker (crate/worker's `LAB_WORKER_NAME`).
const LAB_WORKER_NAME: &str = "lab";

/// The address of `lab.js` (a binary of crate/worker that holds the lab's jobs and no orchestrator),
/// next to this page.
fn worker_script() -> String {
    let href = gloo::utils::window().location().href().unwrap_or_default();
    let page = href.split(['#', '?']).next().unwrap_or_default();
    let dir = &page[..page.rfind('/').map_or(0, |i| i + 1)];
    format!("{dir}lab.js")
}

/// What a lab worker tells the page.
pub enum Heard {
    Bytes(Vec<u8>),
    /// Its `error` event's message (the event is cancelled, so it does not reach the console).
    Error(String),
}

thread_local! {
    /// The error handler of ended workers: swallows what they raise on their way out.
    static ENDED: Closure<dyn FnMut(ErrorEvent)> =
        Closure::new(|event: ErrorEvent| event.prevent_default());
}

/// A lab worker and what it holds on to.
pub struct LabWorker {
    worker: Worker,
    url: String,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

impl LabWorker {
    /// Starts a worker; `on_heard` gets every message it posts and every error it raises.
    pub fn spawn(on_heard: impl Fn(Heard) + 'static) -> Result<LabWorker, String> {
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
        let on_heard = Rc::new(on_heard);
        let on_message = {
            let on_heard = on_heard.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                on_heard(Heard::Bytes(Uint8Array::new(&event.data()).to_vec()));
            })
        };
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
            event.prevent_default();
            on_heard(Heard::Error(event.message()));
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(LabWorker {
            worker,
            url,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    pub fn post(&self, job: &LabJob) {
        self.post_bytes(&encode(job));
    }

    fn post_bytes(&self, bytes: &[u8]) {
        let _ = self.worker.post_message(&Uint8Array::from(bytes));
    }

    /// Ends the worker. Events it raised before may still be queued: they find no message handler,
    /// and an error is swallowed rather than reported as uncaught.
    pub fn end(&self) {
        self.worker.set_onmessage(None);
        ENDED.with(|silence| {
            self.worker
                .set_onerror(Some(silence.as_ref().unchecked_ref()))
        });
        self.worker.terminate();
        let _ = Url::revoke_object_url(&self.url);
    }
}

/// What the pool reports to the page.
pub enum PoolEvent {
    Answer(LabAnswer),
    /// Job `id` failed; `message` says how.
    Failed {
        id: u32,
        message: String,
    },
    /// The pool cannot run (a worker could not start).
    Broken(String),
}

struct Slot {
    worker: LabWorker,
    /// The job this worker holds, if any, and when it was handed out (ms, `Date.now()`).
    job: Option<u32>,
    since: f64,
}

impl Slot {
    fn new(worker: LabWorker) -> Slot {
        Slot {
            worker,
            job: None,
            since: 0.0,
        }
    }
}

/// The pool of a run: jobs not yet handed out, and the workers.
#[derive(Default)]
pub struct Pool {
    queue: VecDeque<LabJob>,
    slots: Vec<Option<Slot>>,
    /// Ended workers whose closures may be running right now (a worker is replaced from its own
    /// handler); dropped when the pool ends.
    retired: Vec<LabWorker>,
    hooks: LabHooks,
    report: Option<Rc<dyn Fn(PoolEvent)>>,
    this: Weak<RefCell<Pool>>,
    /// Checks every second for a job over its limit; dropped (never from its own tick) when the pool
    /// ends.
    watchdog: Option<Interval>,
}

pub type SharedPool = Rc<RefCell<Pool>>;

impl Pool {
    /// Ends every worker and forgets the jobs left.
    pub fn end(&mut self) {
        self.end_workers();
        self.watchdog = None;
    }

    /// `end` but for the watchdog, which may be the caller.
    fn end_workers(&mut self) {
        self.queue.clear();
        for slot in self.slots.drain(..).flatten() {
            slot.worker.end();
        }
        self.retired.clear();
        self.report = None;
    }

    fn limit_s(&self) -> u32 {
        self.hooks.job_limit_s.unwrap_or(JOB_LIMIT_S)
    }

    /// The watchdog's tick: every job held longer than its limit at `now` (ms) fails, and its worker
    /// is replaced.
    fn overdue(&mut self, now: f64) -> Vec<PoolEvent> {
        let limit = self.limit_s();
        let late: Vec<(usize, u32)> = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(w, slot)| {
                let slot = slot.as_ref()?;
                let id = slot.job?;
                (now - slot.since >= f64::from(limit) * 1_000.0).then_some((w, id))
            })
            .collect();
        let mut events = Vec::new();
        for (w, id) in late {
            events.push(PoolEvent::Failed {
                id,
                message: format!("its worker gave no answer within {limit} s and was stopped"),
            });
            if let Err(e) = self.replace(w) {
                events.push(PoolEvent::Broken(e));
                self.end_workers();
                break;
            }
        }
        events
    }

    /// Hands worker `w` the next job, if any is left.
    fn feed(&mut self, w: usize) {
        let Some(Some(slot)) = self.slots.get_mut(w) else {
            return;
        };
        let Some(job) = self.queue.pop_front() else {
            return;
        };
        slot.job = Some(job.id);
        slot.since = js_sys::Date::now();
        if self.hooks.hang_job == Some(job.id) {
            slot.worker.post(&LabJob {
                id: job.id,
                task: LabTask::Hang,
            });
        } else if self.hooks.garble_job == Some(job.id) {
            slot.worker.post_bytes(b"\xff\xff\xff\xff");
        } else if self.hooks.crash_job == Some(job.id) {
            slot.worker.post(&LabJob {
                id: job.id,
                task: LabTask::Panic,
            });
        } else {
            slot.worker.post(&job);
        }
    }

    /// Ends worker `w` and starts another in its place while jobs are left.
    fn replace(&mut self, w: usize) -> Result<(), String> {
        if let Some(Some(old)) = self.slots.get_mut(w).map(Option::take) {
            old.worker.end();
            self.retired.push(old.worker);
        }
        if self.queue.is_empty() {
            return Ok(());
        }
        let worker = self.spawn(w)?;
        self.slots[w] = Some(Slot::new(worker));
        Ok(())
    }

    fn spawn(&self, w: usize) -> Result<LabWorker, String> {
        let pool = self.this.clone();
        LabWorker::spawn(move |heard| {
            let Some(pool) = pool.upgrade() else {
                return;
            };
            // Worker events come from the event loop, never while the page holds the pool; the
            // page hears of them once the pool is let go.
            let (events, report) = {
                let Ok(mut p) = pool.try_borrow_mut() else {
                    return;
                };
                // Taken first: a broken pool ends, and forgets its `report`.
                let report = p.report.clone();
                (p.heard(w, heard), report)
            };
            if let Some(report) = report {
                for event in events {
                    report(event);
                }
            }
        })
    }

    /// What worker `w` said, as events for the page; feeds or replaces the worker.
    fn heard(&mut self, w: usize, heard: Heard) -> Vec<PoolEvent> {
        let Some(Some(slot)) = self.slots.get_mut(w) else {
            return Vec::new();
        };
        let held = slot.job;
        let mut events = Vec::new();
        let mut dead = false;
        match heard {
            Heard::Bytes(bytes) => match decode::<LabAnswer>(&bytes, "a lab answer") {
                Ok(LabAnswer {
                    outcome: LabOutcome::Ready,
                    ..
                }) => {}
                Ok(LabAnswer {
                    id: 0,
                    outcome: LabOutcome::Refused(message),
                }) => {
                    // The worker could not read the job it was sent.
                    if let Some(id) = held {
                        events.push(PoolEvent::Failed {
                            id,
                            message: format!("its worker could not read the job: {message}"),
                        });
                    }
                }
                Ok(LabAnswer {
                    id,
                    outcome: LabOutcome::Panicked(message),
                }) => {
                    events.push(PoolEvent::Failed {
                        id,
                        message: format!("its worker panicked: {message}"),
                    });
                    dead = true;
                }
                Ok(answer) => events.push(PoolEvent::Answer(answer)),
                Err(e) => {
                    if let Some(id) = held {
                        events.push(PoolEvent::Failed {
                            id,
                            message: format!("its answer could not be read: {e}"),
                        });
                    }
                }
            },
            Heard::Error(message) => match held {
                Some(id) => {
                    events.push(PoolEvent::Failed {
                        id,
                        message: format!("its worker failed: {message}"),
                    });
                    dead = true;
                }
                None => {
                    events.push(PoolEvent::Broken(format!(
                        "a lab worker failed before it took a job: {message}"
                    )));
                    self.end();
                    return events;
                }
            },
        }
        if let Some(Some(slot)) = self.slots.get_mut(w) {
            // Any answer or failure of a job settles it (a late answer of an ended job never
            // reaches here: an ended worker has no handler).
            if !events.is_empty() {
                slot.job = None;
            }
        }
        if dead {
            if let Err(e) = self.replace(w) {
                events.push(PoolEvent::Broken(e));
                self.end();
            }
        } else if self
            .slots
            .get(w)
            .is_some_and(|s| s.as_ref().is_some_and(|s| s.job.is_none()))
        {
            self.feed(w);
        }
        events
    }
}

/// Starts a run on `pool` (ending any run it had): `size` workers take `jobs` in order; every answer
/// and failure goes to `report`.
pub fn start(
    pool: &SharedPool,
    jobs: Vec<LabJob>,
    size: usize,
    hooks: LabHooks,
    report: Rc<dyn Fn(PoolEvent)>,
) -> Result<(), String> {
    let mut p = pool.borrow_mut();
    p.end();
    p.this = Rc::downgrade(pool);
    p.hooks = hooks;
    p.report = Some(report);
    p.queue = jobs.into();
    for w in 0..size.max(1) {
        match p.spawn(w) {
            Ok(worker) => p.slots.push(Some(Slot::new(worker))),
            Err(e) => {
                p.end();
                return Err(e);
            }
        }
    }
    let this = p.this.clone();
    p.watchdog = Some(Interval::new(1_000, move || {
        let Some(pool) = this.upgrade() else {
            return;
        };
        let (events, report) = {
            let Ok(mut p) = pool.try_borrow_mut() else {
                return;
            };
            let report = p.report.clone();
            (p.overdue(js_sys::Date::now()), report)
        };
        if let Some(report) = report {
            for event in events {
                report(event);
            }
        }
    }));
    Ok(())
}

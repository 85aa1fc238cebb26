//! Playing a lesson step by step on the deterministic world, checking each step within that step.

use quorate_core::{Scripted, SimTime};
use quorate_sim::scenario::{ExpectFailure, Expectations};
use quorate_sim::{TraceRecord, World};
use serde::Serialize;

use crate::{Lesson, LessonError};

/// What one step did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepReport {
    /// 0-based.
    pub index: usize,
    pub title: String,
    /// The `step` line.
    pub line: usize,
    pub end: String,
    /// The step's expectations that did not hold by its end (each names its line).
    pub failures: Vec<ExpectFailure>,
}

/// A lesson being played: the world with every action scheduled, and the next step to run.
///
/// Each step runs every event up to and at its end. A page that goes back or jumps keeps a
/// [`World::checkpoint`] per finished step, or replays from the start (same seed, same trace).
pub struct LessonRun<'a, E: Scripted> {
    lesson: &'a Lesson,
    world: World<E>,
    next: usize,
}

impl<'a, E: Scripted> LessonRun<'a, E> {
    /// Builds the world for `lesson` with its own seed, or `seed` when given.
    pub fn new(lesson: &'a Lesson, seed: Option<u64>) -> Result<LessonRun<'a, E>, LessonError> {
        let world = lesson.scenario.build::<E>(seed.unwrap_or(lesson.seed()))?;
        Ok(LessonRun {
            lesson,
            world,
            next: 0,
        })
    }

    pub fn world(&self) -> &World<E> {
        &self.world
    }

    /// The index of the step [`LessonRun::run_step`] runs next (`steps.len()` when done).
    pub fn next_step(&self) -> usize {
        self.next
    }

    /// Runs the next step, handing each trace record to `on_record`; `None` when every step has run.
    pub fn run_step(
        &mut self,
        mut on_record: impl FnMut(&World<E>, &TraceRecord<E>),
    ) -> Option<StepReport> {
        let step = self.lesson.steps.get(self.next)?;
        let end = SimTime::ZERO + step.end;
        let mut checks = Expectations::new(&step.expectations);
        loop {
            for record in self.world.take_records() {
                checks.observe(&record);
                on_record(&self.world, &record);
            }
            if self.world.next_event_time().is_none_or(|t| t > end) {
                break;
            }
            for _ in 0..1024 {
                if self.world.next_event_time().is_none_or(|t| t > end) {
                    break;
                }
                self.world.step();
            }
        }
        self.world.run_until(end);
        let report = StepReport {
            index: self.next,
            title: step.title.clone(),
            line: step.line,
            end: step.end.to_string(),
            failures: checks.finish(&self.world),
        };
        self.next += 1;
        Some(report)
    }
}

/// Plays every step of `lesson` (with its seed, or `seed`) and reports each.
pub fn check<E: Scripted>(
    lesson: &Lesson,
    seed: Option<u64>,
) -> Result<Vec<StepReport>, LessonError> {
    let mut run = LessonRun::<E>::new(lesson, seed)?;
    let mut reports = Vec::new();
    while let Some(r) = run.run_step(|_, _| {}) {
        reports.push(r);
    }
    Ok(reports)
}

//! Lessons in the orchestrator (docs/lessons.md).
//!
//! A lesson's scenario is the run's world: its config, links and timed actions. A lesson page is that
//! world rebuilt from the seed and run to the step's end on the lesson's own branch (branch 0), so back,
//! forward and a jump all land on the identical state. The reader's own commands never change that
//! branch: on it, every command forks a new one (see `Run::command`), so the lesson stays as written.

use quorate_lesson::{Lesson, LessonError};
use quorate_sim::{TraceMode, World};
use quorate_view::{EngineKind, Hosting, LessonStepView, LessonView, RunSetup};

use super::{world_config, Out, Run, Runner, Target, Task, MAX_NODES};
use crate::present::Present;

/// The lesson a run plays, and the page the reader is on.
pub(super) struct Playing {
    lesson: Lesson,
    pub(super) view: LessonView,
}

/// Parses a lesson and builds its run, on the introduction (time zero). Nothing is replaced when
/// this fails: the caller tears the old run down only on success.
pub(super) fn start(
    text: &str,
    hosting: Hosting,
    out: &mut Vec<Out>,
) -> Result<Box<dyn Runner>, String> {
    let lesson = Lesson::parse(text).map_err(|e| format!("the lesson, {e}"))?;
    let name = lesson.engine().to_string();
    let engine = EngineKind::parse(&name).ok_or_else(|| {
        format!("the lesson is for engine `{name}`, which the page does not host")
    })?;
    let run: Box<dyn Runner> = match engine {
        #[cfg(feature = "demo")]
        EngineKind::Demo => Box::new(Run::<quorate_demo::Heartbeat>::lesson(
            lesson, hosting, out,
        )?),
        #[cfg(feature = "raft")]
        EngineKind::Raft => Box::new(Run::<quorate_raft::Raft>::lesson(lesson, hosting, out)?),
        #[cfg(feature = "gossip")]
        EngineKind::Gossip => {
            Box::new(Run::<quorate_gossip::Gossip>::lesson(lesson, hosting, out)?)
        }
        #[cfg(feature = "systems")]
        EngineKind::Consul => Box::new(Run::<quorate_systems::ConsulNode>::lesson(
            lesson, hosting, out,
        )?),
        #[cfg(feature = "systems")]
        EngineKind::Etcd => Box::new(Run::<quorate_systems::EtcdNode>::lesson(
            lesson, hosting, out,
        )?),
        #[cfg(feature = "systems")]
        EngineKind::Kv => Box::new(Run::<quorate_kv::KvNode>::lesson(lesson, hosting, out)?),
        #[allow(unreachable_patterns)]
        engine => return Err(super::route::not_hosted(engine)),
    };
    Ok(run)
}

fn view(lesson: &Lesson) -> LessonView {
    LessonView {
        title: lesson.title.clone(),
        intro: lesson.intro.clone(),
        steps: lesson
            .steps
            .iter()
            .map(|s| LessonStepView {
                title: s.title.clone(),
                say: s.say.clone(),
                look: s.look.iter().map(|l| l.to_string()).collect(),
                end_us: s.end.as_micros(),
            })
            .collect(),
        try_it: lesson.try_it.clone(),
        page: 0,
    }
}

impl<E: Present> Run<E> {
    fn lesson(lesson: Lesson, hosting: Hosting, out: &mut Vec<Out>) -> Result<Run<E>, String> {
        if !(1..=MAX_NODES).contains(&lesson.scenario.nodes) {
            return Err(format!(
                "the lesson has {} nodes; the page hosts 1 to {MAX_NODES}",
                lesson.scenario.nodes
            ));
        }
        // The world must build (params, client words) before anything is replaced.
        lesson
            .scenario
            .build::<E>(lesson.seed())
            .map_err(|e| format!("the lesson, {}", LessonError::from(e)))?;
        // An empty inline run at time zero, then the lesson's world in its place.
        let setup = RunSetup {
            engine: EngineKind::parse(E::NAME).unwrap_or_default(),
            seed: lesson.seed(),
            nodes: lesson.scenario.nodes,
            replay: Vec::new(),
            until: Some((0, 0)),
            hosting: Hosting::Inline,
            params: Vec::new(),
        };
        let mut scratch = Vec::new();
        let mut run = Run::new(setup, None, &mut scratch);
        run.task = None;
        run.lesson = Some(Box::new(Playing {
            view: view(&lesson),
            lesson,
        }));
        run.setup.hosting = hosting;
        run.per_node = hosting.per_node(run.setup.nodes);
        run.lesson_page(0, out);
        run.pump(out);
        Ok(run)
    }

    /// A world at time zero: the lesson's, or the page's default for the engine.
    pub(super) fn fresh_world(&self, trace: TraceMode) -> World<E> {
        if let Some(playing) = &self.lesson {
            if let Ok(world) = playing.lesson.scenario.build::<E>(self.setup.seed) {
                return world;
            }
        }
        World::with_trace(
            world_config::<E>(self.setup.seed, self.setup.nodes, &self.setup.params),
            trace,
        )
    }

    /// Whether the run's branch is a lesson's own, which the reader's commands must not change.
    pub(super) fn on_lesson_branch(&self) -> bool {
        self.lesson.is_some() && self.branch == 0
    }

    /// Shows a lesson page: the lesson's branch rebuilt to the step's end (time zero for the
    /// introduction, the last step's end for "try it yourself").
    pub(super) fn lesson_page(&mut self, page: usize, out: &mut Vec<Out>) {
        let Some(playing) = &mut self.lesson else {
            self.error = Some("no lesson is playing".to_string());
            self.task = Some(Task::Views);
            return;
        };
        let last = playing.view.last_page();
        if page > last {
            self.error = Some(format!("the lesson has pages 0 to {last}, not {page}"));
            self.task = Some(Task::Views);
            return;
        }
        playing.view.page = page;
        let steps = &playing.view.steps;
        let end_us = page
            .min(steps.len())
            .checked_sub(1)
            .and_then(|i| steps.get(i))
            .map_or(0, |s| s.end_us);
        self.branch = 0;
        self.seek(Target::RunTo(end_us), out);
    }
}

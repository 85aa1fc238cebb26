//! Which orchestrator runs a command.
//!
//! The page's orchestrator (`worker.js`) is built without the Consul and etcd worlds and the KV store
//! on Raft (the `systems` feature), which would otherwise be most of what the playground downloads for a Raft or gossip run.
//! A command that starts a run of one of those worlds (or of the KV store) is relayed to `systems.js`, an orchestrator built
//! with them, and so is every later command until one starts a run this build hosts. Both run this
//! same session code, so a run's trace and digest do not depend on which of them hosts it.

use quorate_lesson::Lesson;
use quorate_view::{EngineKind, UiCommand};

/// Whether this build hosts the Consul and etcd worlds.
pub const HOSTS_SYSTEMS: bool = cfg!(feature = "systems");
/// Whether this build hosts Raft and gossip runs.
pub const HOSTS_PROTOCOLS: bool = cfg!(feature = "protocols");

/// Where a command goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// It starts a run here: one that this build hosts, or one that no other hosts either (the
    /// session reports it).
    Here,
    /// It starts a run of an engine this build does not host: the systems orchestrator's.
    Systems,
    /// It does not start a run: wherever the current run is.
    Current,
}

/// Whether this build can run `engine`.
pub fn hosts(engine: EngineKind) -> bool {
    match engine {
        EngineKind::Raft | EngineKind::Gossip => HOSTS_PROTOCOLS,
        EngineKind::Consul | EngineKind::Etcd | EngineKind::Kv => HOSTS_SYSTEMS,
        EngineKind::Demo => true,
    }
}

/// The engine of the run `command` starts, if it starts one that the session would accept. A lesson
/// or an import that does not parse starts nothing: the current run reports its error.
pub fn starts(command: &UiCommand) -> Option<EngineKind> {
    match command {
        UiCommand::Start(setup) => Some(setup.engine),
        UiCommand::LoadLesson { text, .. } => {
            let lesson = Lesson::parse(text).ok()?;
            EngineKind::parse(lesson.engine())
        }
        UiCommand::ImportTrace(json) => super::export::import(json).ok().map(|(s, _)| s.engine),
        _ => None,
    }
}

/// Where `command` goes in this build.
pub fn route(command: &UiCommand) -> Route {
    match starts(command) {
        Some(engine) if hosts(engine) => Route::Here,
        Some(EngineKind::Consul | EngineKind::Etcd | EngineKind::Kv) => Route::Systems,
        Some(_) => Route::Here,
        None => Route::Current,
    }
}

/// The error of a run asked of a build that does not host its engine.
pub fn not_hosted(engine: EngineKind) -> String {
    format!(
        "the {} world is not built into this worker (it runs in systems.js)",
        engine.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorate_view::{Hosting, RunSetup};

    fn start(engine: EngineKind) -> UiCommand {
        UiCommand::Start(RunSetup {
            engine,
            seed: 1,
            nodes: 3,
            replay: Vec::new(),
            until: None,
            hosting: Hosting::Inline,
            params: Vec::new(),
        })
    }

    fn lesson(name: &str) -> UiCommand {
        let path = format!(
            "{}/../../static/lessons/{name}.lesson",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        UiCommand::LoadLesson {
            text,
            hosting: Hosting::Inline,
        }
    }

    #[test]
    fn runs_start_where_their_engine_is_built() {
        for engine in EngineKind::ALL {
            let systems = matches!(
                engine,
                EngineKind::Consul | EngineKind::Etcd | EngineKind::Kv
            );
            let expected = if systems && !HOSTS_SYSTEMS {
                Route::Systems
            } else {
                Route::Here
            };
            assert_eq!(
                hosts(engine),
                if systems {
                    HOSTS_SYSTEMS
                } else {
                    HOSTS_PROTOCOLS || engine == EngineKind::Demo
                }
            );
            assert_eq!(route(&start(engine)), expected, "{engine:?}");
        }
    }

    #[test]
    fn a_lesson_goes_where_its_engine_is() {
        assert_eq!(starts(&lesson("01-election")), Some(EngineKind::Raft));
        assert_eq!(starts(&lesson("20-consul-lock")), Some(EngineKind::Consul));
        assert_eq!(starts(&lesson("21-etcd-lock")), Some(EngineKind::Etcd));
        // One that does not parse starts nothing: the current run reports it.
        let broken = UiCommand::LoadLesson {
            text: "engine consul\nstep".to_string(),
            hosting: Hosting::Inline,
        };
        assert_eq!(route(&broken), Route::Current);
    }

    #[test]
    fn an_import_goes_where_its_engine_is() {
        // The demo engine: every build hosts it.
        let (mut session, _) = crate::Session::new(match start(EngineKind::Demo) {
            UiCommand::Start(setup) => setup,
            _ => unreachable!(),
        });
        let out = session.handle(UiCommand::ExportTrace);
        let json = out
            .iter()
            .find_map(|o| match o {
                crate::Out::Frame(f) => f.export.clone(),
                _ => None,
            })
            .expect("an export in the frame");
        assert_eq!(route(&UiCommand::ImportTrace(json.clone())), Route::Here);
        let etcd = json.replacen("\"engine\": \"demo\"", "\"engine\": \"etcd\"", 1);
        assert_ne!(etcd, json, "the export names its engine");
        assert_eq!(
            starts(&UiCommand::ImportTrace(etcd)),
            Some(EngineKind::Etcd)
        );
        assert_eq!(
            route(&UiCommand::ImportTrace("{".to_string())),
            Route::Current
        );
    }

    #[test]
    fn other_commands_follow_the_current_run() {
        for command in [
            UiCommand::Step,
            UiCommand::Refresh,
            UiCommand::Kill(1),
            UiCommand::Hello {
                worker_script: "worker.js".to_string(),
            },
        ] {
            assert_eq!(route(&command), Route::Current, "{command:?}");
        }
    }
}

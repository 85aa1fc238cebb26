//! Which orchestrator runs a command.
//!
//! The page's orchestrators are three builds of this same session code, each with only some engines,
//! so that a page downloads the engines of the run it shows and not the others:
//!
//! | script | engines | features |
//! |---|---|---|
//! | `worker.js` | Raft | `raft` |
//! | `gossip.js` | gossip | `gossip` |
//! | `systems.js` | Consul, etcd, the KV store on Raft, the demo engine | `systems` (with `demo`) |
//!
//! `EngineKind::script` names each engine's. The page talks to the one of the engine its address
//! names (the UI's `link::orchestrator_script`). A command that starts a run of an engine that build
//! leaves out is relayed to the script that hosts it, and so is every later command until one starts
//! a run this build hosts again. A run's trace and digest do not depend on which build hosts it.

use quorate_lesson::Lesson;
use quorate_view::{EngineKind, UiCommand};

/// Where a command goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// It starts a run here: one that this build hosts.
    Here,
    /// It starts a run of an engine this build leaves out: the orchestrator built as this script hosts it.
    Relay(&'static str),
    /// It does not start a run: wherever the current run is.
    Current,
}

/// Whether this build can run `engine`.
pub fn hosts(engine: EngineKind) -> bool {
    match engine {
        EngineKind::Raft => cfg!(feature = "raft"),
        EngineKind::Gossip => cfg!(feature = "gossip"),
        EngineKind::Consul | EngineKind::Etcd | EngineKind::Kv => cfg!(feature = "systems"),
        EngineKind::Demo => cfg!(feature = "demo"),
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
    route_in(command, hosts)
}

/// Where `command` goes in a build that hosts the engines `hosted` says yes to.
fn route_in(command: &UiCommand, hosted: impl Fn(EngineKind) -> bool) -> Route {
    match starts(command) {
        Some(engine) if hosted(engine) => Route::Here,
        Some(engine) => Route::Relay(engine.script()),
        None => Route::Current,
    }
}

/// The error of a run asked of a build that does not host its engine.
pub fn not_hosted(engine: EngineKind) -> String {
    format!(
        "the {} engine is not built into this worker (it runs in {})",
        engine.name(),
        engine.script()
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

    /// The engines of each page build (www/index.html and this crate's features).
    fn build(script: &str) -> impl Fn(EngineKind) -> bool + '_ {
        move |engine| match script {
            "worker.js" => engine == EngineKind::Raft,
            "gossip.js" => engine == EngineKind::Gossip,
            "systems.js" => !matches!(engine, EngineKind::Raft | EngineKind::Gossip),
            _ => unreachable!(),
        }
    }

    #[test]
    fn runs_start_where_their_engine_is_built() {
        let scripts = ["worker.js", "gossip.js", "systems.js"];
        for engine in EngineKind::ALL {
            // Natively every engine is built in.
            assert!(hosts(engine), "{engine:?}");
            assert_eq!(route(&start(engine)), Route::Here, "{engine:?}");
            // In the page, exactly one build hosts it, and the others relay it there.
            let home: Vec<_> = scripts.iter().filter(|s| build(s)(engine)).collect();
            assert_eq!(home, [&engine.script()], "{engine:?}");
            for from in scripts {
                let expected = if from == engine.script() {
                    Route::Here
                } else {
                    Route::Relay(engine.script())
                };
                assert_eq!(
                    route_in(&start(engine), build(from)),
                    expected,
                    "{engine:?} from {from}"
                );
            }
        }
    }

    #[test]
    fn a_lesson_goes_where_its_engine_is() {
        assert_eq!(starts(&lesson("01-election")), Some(EngineKind::Raft));
        assert_eq!(
            route_in(&lesson("15-swim-detection"), build("worker.js")),
            Route::Relay("gossip.js")
        );
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
        assert_eq!(
            route_in(&UiCommand::ImportTrace(json.clone()), build("worker.js")),
            Route::Relay("systems.js")
        );
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

//! The session before its first run, or when asked for an engine this build leaves out (see `route`):
//! no world, no workers. It draws nothing until it has something to say, an error, which every frame
//! it then sends carries.

use quorate_core::SimTime;
use quorate_view::host::FromNode;
use quorate_view::{EngineKind, Frame, UiCommand};

use super::{Out, Runner};

pub(super) struct Idle {
    engine: EngineKind,
    seed: u64,
    error: Option<String>,
}

impl Idle {
    pub(super) fn new(engine: EngineKind, seed: u64, error: Option<String>) -> Idle {
        Idle {
            engine,
            seed,
            error,
        }
    }
}

impl Runner for Idle {
    fn handle(&mut self, _command: UiCommand, out: &mut Vec<Out>) {
        if let Some(error) = &self.error {
            out.push(Out::Frame(Box::new(Frame {
                engine: self.engine,
                seed: self.seed,
                error: Some(error.clone()),
                ..Frame::default()
            })));
        }
    }
    fn node_message(&mut self, _node: u32, _message: FromNode, _out: &mut Vec<Out>) {}
    fn node_failed(&mut self, _node: u32, _error: String, _out: &mut Vec<Out>) {}
    fn teardown(&mut self, _out: &mut Vec<Out>) {}
    fn busy(&self) -> bool {
        false
    }
    fn waiting(&self) -> Vec<u32> {
        Vec::new()
    }
    fn digest(&self) -> String {
        String::new()
    }
    fn now(&self) -> SimTime {
        SimTime::ZERO
    }
    fn events(&self) -> u64 {
        0
    }
    fn set_error(&mut self, error: String) {
        self.error = Some(error);
    }
    fn set_per_node_batch(&mut self, _events: u64) {}
}

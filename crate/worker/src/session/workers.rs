//! A run's node workers (with a worker per node): handing the engines to them and back, the messages
//! to each (held until its worker is ready), ending the workers of nodes that went down, and posting
//! the calls the world needs answered.

use super::*;

/// What the run waits for from a node's worker: the reply to what it sent last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Awaited {
    /// The answers to a call with these steps.
    Answer(Vec<CallKey>),
    View,
    /// Its engine, handed back.
    State,
    /// Word that it took its engine.
    Loaded,
    /// Its end (a crash asked for by the page).
    Crash,
}

impl Awaited {
    fn what(&self) -> &'static str {
        match self {
            Awaited::Answer(_) => "the answers to its call",
            Awaited::View => "its view",
            Awaited::State => "its engine",
            Awaited::Loaded => "word that it took its engine",
            Awaited::Crash => "its crash",
        }
    }
}

/// A node's worker as the run knows it.
#[derive(Clone, Debug)]
pub(super) struct WorkerSlot {
    pub(super) state: WorkerState,
    /// Messages waiting for the worker to say it is ready.
    pub(super) held: Vec<Vec<u8>>,
}

impl<E: Present> Run<E> {
    /// Moves every up node's engine from the world into its own new worker.
    pub(super) fn hand_to_workers(&mut self, out: &mut Vec<Out>) {
        self.world.set_hosting(SimHosting::Away);
        self.world.set_speculation(E::SPECULATION);
        let config = self.world.engine_config().clone();
        let ids: Vec<NodeId> = self.world.node_ids().collect();
        for id in ids {
            if let Some(engine) = self.world.detach(id) {
                let state = state_bytes(id, engine, &config);
                self.send(id, ToNode::Load(state), out);
                self.waiting.insert(id, Awaited::Loaded);
            }
        }
        self.per_node = true;
        self.task = Some(Task::Load);
    }

    /// Starts a worker for every node whose engine is in the world (one that has a worker keeps it):
    /// the frame sent before the engines go to them already counts them.
    pub(super) fn start_workers(&mut self, out: &mut Vec<Out>) {
        let ids: Vec<NodeId> = self
            .world
            .node_ids()
            .filter(|id| self.world.engine(*id).is_some())
            .collect();
        for id in ids {
            self.start_worker(id, out);
        }
    }

    fn start_worker(&mut self, id: NodeId, out: &mut Vec<Out>) {
        let slot = self.workers.get(&id);
        if !slot.is_some_and(|s| matches!(s.state, WorkerState::Starting | WorkerState::Running)) {
            out.push(Out::Spawn(id.0));
            self.workers.insert(
                id,
                WorkerSlot {
                    state: WorkerState::Starting,
                    held: vec![encode(&ToNode::Init {
                        engine: self.setup.engine,
                        node: id.0,
                    })],
                },
            );
        }
    }

    pub(super) fn send(&mut self, id: NodeId, message: ToNode, out: &mut Vec<Out>) {
        let bytes = encode(&message);
        self.start_worker(id, out);
        let slot = self.workers.get_mut(&id).expect("started above");
        match slot.state {
            WorkerState::Running => out.push(Out::ToNode(id.0, bytes)),
            _ => slot.held.push(bytes),
        }
    }

    pub(super) fn end_worker(&mut self, id: NodeId, state: WorkerState, out: &mut Vec<Out>) {
        if let Some(slot) = self.workers.get_mut(&id) {
            if matches!(slot.state, WorkerState::Starting | WorkerState::Running) {
                out.push(Out::Terminate(id.0));
            }
            slot.state = state;
            slot.held.clear();
        }
        self.waiting.remove(&id);
        self.views.remove(&id);
        self.flags.remove(&id);
    }

    /// Ends the workers of nodes that went down.
    pub(super) fn sync_workers(&mut self, out: &mut Vec<Out>) {
        let down: Vec<NodeId> = self
            .workers
            .iter()
            .filter(|(id, slot)| {
                matches!(slot.state, WorkerState::Starting | WorkerState::Running)
                    && self.world.node_state(**id) == Some(NodeState::Down)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in down {
            self.end_worker(id, WorkerState::Terminated, out);
        }
    }

    /// Drives the world (with `exact`, as [`World::drive_exact`]); on `Need`, posts the calls and returns
    /// `true` (the task waits).
    pub(super) fn drive_world(
        &mut self,
        until: Option<SimTime>,
        max: u64,
        exact: bool,
        out: &mut Vec<Out>,
    ) -> bool {
        let drive = if exact {
            self.world.drive_exact(until, max)
        } else {
            self.world.drive(until, max)
        };
        match drive {
            Drive::Done => false,
            Drive::Need(calls) => {
                for call in calls {
                    let id = call.node;
                    let steps = call.steps.iter().map(|step| step.key).collect();
                    self.send(id, ToNode::Call(encode(&call)), out);
                    self.waiting.insert(id, Awaited::Answer(steps));
                }
                true
            }
        }
    }

    /// Moves the run's nodes between their own workers and the orchestrator.
    pub(super) fn set_hosting(&mut self, hosting: quorate_view::Hosting, out: &mut Vec<Out>) {
        let per_node = hosting.per_node(self.setup.nodes) && self.setup.nodes <= MAX_WORKERS;
        self.setup.hosting = hosting;
        if per_node == self.per_node {
            self.task = Some(Task::Views);
        } else if per_node {
            // The frame first (counting the workers about to start), then the engines go to them.
            self.per_node = true;
            self.task = Some(Task::Views);
        } else {
            for id in self.world.node_ids().collect::<Vec<_>>() {
                if self.world.is_away(id) {
                    self.send(id, ToNode::Save, out);
                    self.waiting.insert(id, Awaited::State);
                }
            }
            self.task = Some(Task::Save);
        }
    }
}

/// Whether a node worker's message is what the run waits for from it (`awaited`, `None` if nothing).
pub(super) fn check_kind(message: &FromNode, awaited: Option<&Awaited>) -> Result<(), String> {
    let sent = match message {
        FromNode::Answer(_) => "answers",
        FromNode::View(..) => "a view",
        FromNode::State(_) => "its engine",
        FromNode::Loaded => "word that it took its engine",
        // Ready and errors are taken whenever they come.
        FromNode::Ready | FromNode::Error(_) => return Ok(()),
    };
    let fits = matches!(
        (message, awaited),
        (FromNode::Answer(_), Some(Awaited::Answer(_)))
            | (FromNode::View(..), Some(Awaited::View))
            | (FromNode::State(_), Some(Awaited::State))
            | (FromNode::Loaded, Some(Awaited::Loaded))
    );
    match awaited {
        _ if fits => Ok(()),
        None => Err(format!("it sent {sent} unasked")),
        Some(awaited) => Err(format!(
            "it sent {sent} while the run waited for {}",
            awaited.what()
        )),
    }
}

/// Whether a node's answers follow the call it was given (`asked`, its steps): one answer per step, in
/// the call's order, for at least its first step (a host stops early only after a step, see
/// `quorate_sim::Call`). Anything else, from a worker with a bug, would have the world wait for answers
/// that never come (and plan the same steps forever) or trip its own checks.
pub(super) fn check_answers<A>(asked: &[CallKey], answers: &[(CallKey, A)]) -> Result<(), String> {
    for (i, (key, _)) in answers.iter().enumerate() {
        match asked.get(i) {
            Some(wanted) if wanted == key => {}
            Some(wanted) => {
                return Err(format!(
                    "it answered {} where its call's step {} was {}",
                    step_name(key),
                    i + 1,
                    step_name(wanted)
                ))
            }
            None => {
                return Err(format!(
                    "it answered {} steps to a call of {}",
                    answers.len(),
                    asked.len()
                ))
            }
        }
    }
    if answers.is_empty() && !asked.is_empty() {
        return Err(format!(
            "it answered none of the {} steps of its call",
            asked.len()
        ));
    }
    Ok(())
}

fn step_name(key: &CallKey) -> String {
    match key {
        CallKey::Start { node, generation } => {
            format!("the start of {node} (generation {generation})")
        }
        CallKey::Event(seq) => format!("event #{seq}"),
    }
}

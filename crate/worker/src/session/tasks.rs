//! A run's tasks: what the session does between a UI command and the frame it answers with, one
//! stretch at a time, since with a worker per node it may have to wait for their answers.

use super::*;

#[derive(Clone, Debug)]
pub(super) enum Task {
    /// Process events (and the branch's commands as they come due).
    Drive {
        until: Option<SimTime>,
        limit: u64,
        milestone: Option<Milestone>,
    },
    /// Waiting for engines handed to workers.
    Load,
    /// Waiting for engines handed back by workers.
    Save,
    /// Ask the workers for their views, then send a frame.
    Views,
    Frame,
}

impl<E: Present> Run<E> {
    /// Runs the current task until it waits for workers or ends with a frame.
    pub(super) fn pump(&mut self, out: &mut Vec<Out>) {
        while self.waiting.is_empty() {
            let Some(task) = self.task.take() else {
                return;
            };
            match task {
                Task::Drive {
                    until,
                    limit,
                    milestone,
                } => {
                    if self.drive(until, limit, milestone, out) {
                        self.task = Some(Task::Drive {
                            until,
                            limit,
                            milestone,
                        });
                    } else {
                        self.update_head();
                        self.task = Some(Task::Views);
                    }
                }
                Task::Load | Task::Save => self.task = Some(Task::Views),
                Task::Views => {
                    self.sync_workers(out);
                    if self.per_node {
                        let now = self.world.now().as_micros();
                        let up: Vec<NodeId> = self
                            .world
                            .node_ids()
                            .filter(|id| self.world.is_away(*id))
                            .collect();
                        for id in up {
                            let focus = self.spread.as_ref().map(|s| s.focus);
                            self.send(id, ToNode::View { now_us: now, focus }, out);
                            self.waiting.insert(id, Awaited::View);
                        }
                    }
                    self.task = Some(Task::Frame);
                }
                Task::Frame => {
                    // With a worker per node, engines still in the world (a new run, a seek, a switch
                    // of hosting) go to their workers once this frame is sent, and no event is
                    // processed before they are there: the page sees the moment without waiting for
                    // workers to start (README, Start-up). The frame counts the workers about to
                    // start, but goes first: in Chromium a worker started before it held the frame
                    // back by about half a second.
                    let hand_over = self.per_node
                        && self
                            .world
                            .node_ids()
                            .any(|id| self.world.engine(id).is_some());
                    let mut spawns = Vec::new();
                    if hand_over {
                        self.start_workers(&mut spawns);
                    }
                    let frame = self.frame();
                    out.push(Out::Frame(Box::new(frame)));
                    out.extend(spawns);
                    if hand_over {
                        self.hand_to_workers(out);
                    }
                }
            }
        }
    }

    /// One stretch of a drive task. Returns `true` while the task goes on (waiting for answers or with
    /// more to do), `false` when it is finished.
    fn drive(
        &mut self,
        until: Option<SimTime>,
        limit: u64,
        milestone: Option<Milestone>,
        out: &mut Vec<Out>,
    ) -> bool {
        // Pending starts are answered before anything else happens.
        if !self.world.is_settled() {
            self.drive_world(None, 0, false, out);
            return true;
        }
        let events = self.world.events();
        let next = self.current().shared.get(self.next_command).cloned();
        let due = next.as_ref().is_some_and(|e| e.after_event <= events);
        // The task ends, or a command applies, only with every host where the world is: answers still
        // waiting (a stretch goes past its budget to use them, guesses reach further) are used up first.
        if (due || events >= limit) && !self.world.is_caught_up() {
            if !self.drive_world(until, 0, false, out) {
                self.collect_log(milestone);
            }
            return true;
        }
        // The branch's next command, once the world has reached its moment.
        if let Some(entry) = &next {
            if due {
                if until.is_some_and(|u| entry.at_us > u.as_micros()) {
                    // Its moment is later than this stretch: only the clock moves.
                    let until = until.expect("checked above");
                    self.world.catch_up(events, until);
                    return false;
                }
                self.world
                    .catch_up(entry.after_event, SimTime::from_micros(entry.at_us));
                self.next_command += 1;
                self.apply_ui(&entry.command);
                self.collect_log(milestone);
                self.sync_workers(out);
                return true;
            }
        }
        if events >= limit {
            return false;
        }
        let stop = next.as_ref().map_or(limit, |e| limit.min(e.after_event));
        let budget = if milestone.is_some() {
            1
        } else {
            (stop - events).min(DRIVE_CHUNK)
        };
        let before = events;
        // Toward a command of the branch's log, exactly: the world lands on its recorded moment with
        // no answer past it (those are taken back).
        let exact = next.is_some();
        if self.drive_world(until, budget, exact, out) {
            return true;
        }
        self.collect_log(milestone);
        if self.reached.is_some() {
            return false;
        }
        let events = self.world.events();
        if milestone.is_none() && events - before >= budget && events < stop {
            // The chunk ran out, not the time: go on. Collecting the records between chunks keeps the
            // memory of a fast frame flat.
            return true;
        }
        let command_due = next.is_some_and(|e| e.after_event <= events);
        let more_due = milestone.is_some()
            && events < limit
            && self
                .world
                .next_event_time()
                .is_some_and(|t| until.is_none_or(|u| t <= u));
        command_due || more_due
    }
}

//! A run's branches: each is the seed plus its command log. A command joins the log where it took;
//! in the past it forks a new branch first; seeking rebuilds the branch inline from its log.

use super::frame::message_view;
use super::*;

/// A branch of the run: its commands and how far it has run.
#[derive(Clone, Debug)]
pub(super) struct Branch {
    pub(super) parent: Option<(usize, u64, u64)>,
    pub(super) shared: Vec<SharedCommand>,
    /// (events, µs) of the furthest moment reached.
    pub(super) head: (u64, u64),
}

/// Where a rebuild goes.
#[derive(Clone, Copy, Debug)]
pub(super) enum Target {
    /// Exactly this many events, then the clock at this time (a moment a run was at).
    Moment(u64, u64),
    /// Every event due by this time.
    Time(u64),
    /// Every event due by this time, past the branch's head if need be (a lesson step's end).
    RunTo(u64),
}

impl<E: Present> Run<E> {
    pub(super) fn current(&self) -> &Branch {
        &self.branches[self.branch]
    }

    pub(super) fn at_head(&self) -> bool {
        let head = self.current().head;
        self.next_command >= self.current().shared.len()
            && (self.world.events(), self.world.now().as_micros()) >= head
    }

    pub(super) fn update_head(&mut self) {
        let here = (self.world.events(), self.world.now().as_micros());
        let branch = &mut self.branches[self.branch];
        if here >= branch.head && self.next_command >= branch.shared.len() {
            branch.head = here;
        }
    }

    /// Applies a command from the UI: in the past it forks a new branch first; once it took and can
    /// travel in a link, it joins the branch's log.
    pub(super) fn command(&mut self, command: UiCommand) {
        let (after_event, at_us) = (self.world.events(), self.world.now().as_micros());
        // A client request gets a tag unique on the branch (its place in the command log), so its
        // answer can be told apart; the tag is in the logged words, so a replay has the same.
        let command = match command {
            UiCommand::Client { node, words } => {
                let tag = self.next_command.min(self.current().shared.len()) as u64 + 1;
                let words = E::tag_request(&words, tag).unwrap_or(words);
                UiCommand::Client { node, words }
            }
            command => command,
        };
        let earlier_error = self.error.take();
        let follow = self.focus_of(&command);
        self.apply_ui(&command);
        if let (None, Some((focus, title))) = (&self.error, follow) {
            self.follow(focus, title);
        }
        if self.error.is_none() && shareable(&command) {
            if !self.at_head() || self.on_lesson_branch() {
                self.fork();
            }
            let branch = &mut self.branches[self.branch];
            if branch.shared.len() < MAX_SHARED_COMMANDS {
                branch.shared.push(SharedCommand {
                    after_event,
                    at_us,
                    command,
                });
                self.next_command = branch.shared.len();
            } else {
                self.error = Some(format!(
                    "the run has {MAX_SHARED_COMMANDS} commands; later ones cannot go into a link"
                ));
            }
            self.update_head();
        }
        if self.error.is_none() {
            self.error = earlier_error;
        }
    }

    /// A new branch from the current moment, keeping the commands applied so far.
    pub(super) fn fork(&mut self) {
        let here = (self.world.events(), self.world.now().as_micros());
        let shared = self.current().shared[..self.next_command].to_vec();
        self.branches.push(Branch {
            parent: Some((self.branch, here.0, here.1)),
            shared,
            head: here,
        });
        self.branch = self.branches.len() - 1;
    }

    /// Turns a UI command into a world command and applies it (errors go to `self.error`).
    pub(super) fn apply_ui(&mut self, command: &UiCommand) {
        let result = to_world::<E>(command)
            .and_then(|c| c.map_or(Ok(()), |c| self.world.apply(c).map_err(|e| e.to_string())));
        if let Err(e) = result {
            self.error = Some(e);
        }
    }

    /// Rebuilds the world inline at `target` on the current branch (commands replayed at their moments).
    pub(super) fn rebuild(
        &self,
        target: Target,
        trace: TraceMode,
    ) -> (World<E>, usize, Option<String>) {
        let mut world = self.fresh_world(trace);
        let branch = self.current();
        let head = branch.head;
        let target = match target {
            Target::Time(us) if us >= head.1 => Target::Moment(head.0, head.1),
            t => t,
        };
        let mut applied = 0;
        let mut error = None;
        for (i, entry) in branch.shared.iter().enumerate() {
            let due = match target {
                Target::Moment(events, us) => (entry.after_event, entry.at_us) <= (events, us),
                Target::Time(us) | Target::RunTo(us) => entry.at_us <= us,
            };
            if !due {
                break;
            }
            world.catch_up(entry.after_event, SimTime::from_micros(entry.at_us));
            let result = to_world::<E>(&entry.command)
                .and_then(|c| c.map_or(Ok(()), |c| world.apply(c).map_err(|e| e.to_string())));
            if let Err(e) = result {
                error.get_or_insert(format!("command {} could not be replayed: {e}", i + 1));
            }
            applied = i + 1;
        }
        match target {
            Target::Moment(events, us) => world.catch_up(events, SimTime::from_micros(us)),
            Target::Time(us) | Target::RunTo(us) => world.run_until(SimTime::from_micros(us)),
        }
        (world, applied, error)
    }

    /// Shows the current branch at `target`: rebuilt inline, then handed to fresh workers if the run
    /// has them. Sets the task that ends with a frame.
    pub(super) fn seek(&mut self, target: Target, out: &mut Vec<Out>) {
        let (mut world, applied, error) = self.rebuild(target, TraceMode::Keep);
        // The verdicts of the moment: the rebuilt run's records, checked from the start.
        self.verdicts = Verdicts::new(E::CHECKED, E::KV);
        let mut facts = Vec::new();
        let records = world.take_records();
        for record in &records {
            self.observe(record, &mut facts);
        }
        // The page starts its history afresh (`Frame::restart`). The space-time diagram's arrows are
        // the messages that arrived shortly before the moment (written out only for those kept; a
        // large cluster's page draws none), and the log is the moment's last lines.
        self.restart = true;
        let since = world.now().as_micros().saturating_sub(DELIVERED_SPAN_US);
        self.delivered = if self.setup.nodes > RING_MAX {
            Vec::new()
        } else {
            let mut recent: Vec<MessageView> = records
                .iter()
                .rev()
                .take_while(|r| r.time.as_micros() >= since)
                .filter_map(|r| match &r.record {
                    Record::Deliver {
                        from,
                        to,
                        msg,
                        sent_at,
                    } => Some(message_view(*from, *to, msg, *sent_at, Some(r.time), None)),
                    _ => None,
                })
                .take(MAX_DELIVERED)
                .collect();
            recent.reverse();
            recent
        };
        let first_kept = records.len().saturating_sub(MAX_LOG_LINES);
        self.log = records.into_iter().skip(first_kept).collect();
        self.log_skipped = 0;
        for node in self.workers.keys().copied().collect::<Vec<_>>() {
            self.end_worker(node, WorkerState::Terminated, out);
        }
        self.views.clear();
        self.flags.clear();
        // The followed spread belongs to the moment it started from; a jump in time drops it.
        self.spread = None;
        self.world = world;
        self.next_command = applied;
        if let Some(e) = error {
            self.error = Some(e);
        }
        self.update_head();
        // The moment's frame first; with a worker per node the engines then go to fresh workers.
        self.task = Some(Task::Views);
    }
}

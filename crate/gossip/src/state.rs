//! How news changes a node's view: memberlist's `aliveNode` / `suspectNode` / `deadNode` / `refute`
//! (state.go), acting on the verdicts of `member.rs`, and the suspicion timers they start.

use quorate_core::{Duration, NodeId, Outbox, SimTime};

use crate::api::{Accusation, Event, Persist, Timer};
use crate::change::{MemberCause, MemberChange};
use crate::config::Rumor;
use crate::member::{self, AliveVerdict, DeadVerdict, Member, State, SuspectVerdict};
use crate::msg::{Incarnation, Update};
use crate::node::{Gossip, Phase};
use crate::suspicion::Suspicion;
use crate::theory;

impl Gossip {
    pub(crate) fn handle_update(&mut self, now: SimTime, update: Update, out: &mut Outbox<Gossip>) {
        match update {
            Update::Alive { node, incarnation } => self.alive_node(now, node, incarnation, out),
            Update::Suspect {
                node,
                incarnation,
                from,
            } => self.suspect_node(now, node, incarnation, from, out),
            Update::Dead {
                node,
                incarnation,
                from,
            } => self.dead_node(now, node, incarnation, from, out),
            Update::Event(event) => {
                if self.serf.receive(event.clone(), out) && self.config.rumor == Rumor::Serf {
                    self.serf.queue.push(Update::Event(event));
                }
            }
        }
    }

    /// memberlist `aliveNode`.
    pub(crate) fn alive_node(
        &mut self,
        now: SimTime,
        node: NodeId,
        incarnation: Incarnation,
        out: &mut Outbox<Gossip>,
    ) {
        if node.0 >= member::MAX_NODE_ID {
            return;
        }
        let about_me = node == self.id;
        // A leaving node must not be brought back by an alive message still in flight.
        if about_me && self.phase != Phase::Active {
            return;
        }
        match member::judge_alive(self.members.get(node), incarnation, about_me) {
            AliveVerdict::Ignore => {}
            AliveVerdict::Refute => self.refute(incarnation, Accusation::Alive, out),
            AliveVerdict::New => {
                let m = Member {
                    state: State::Alive,
                    incarnation,
                    state_change: now,
                };
                self.members.insert(node, m, &mut self.rng);
                self.queue.push(Update::Alive { node, incarnation });
                self.note_change(
                    now,
                    node,
                    None,
                    State::Alive,
                    MemberCause::Alive {
                        incarnation,
                        refute: false,
                    },
                );
                out.emit(Event::Alive { node, incarnation });
            }
            AliveVerdict::Accept => {
                self.suspicions.remove(&node);
                self.queue.push(Update::Alive { node, incarnation });
                let m = self.members.get_mut(node).expect("judged a known member");
                m.incarnation = incarnation;
                if m.state != State::Alive {
                    let from = m.state;
                    m.state = State::Alive;
                    m.state_change = now;
                    let refute = from == State::Suspect;
                    let cause = MemberCause::Alive {
                        incarnation,
                        refute,
                    };
                    self.note_change(now, node, Some(from), State::Alive, cause);
                    out.emit(Event::Alive { node, incarnation });
                }
            }
        }
    }

    /// memberlist `suspectNode`. `from` is the accuser.
    pub(crate) fn suspect_node(
        &mut self,
        now: SimTime,
        node: NodeId,
        incarnation: Incarnation,
        from: NodeId,
        out: &mut Outbox<Gossip>,
    ) {
        let about_me = node == self.id;
        let running = self.suspicions.contains_key(&node);
        match member::judge_suspect(self.members.get(node), incarnation, about_me, running) {
            SuspectVerdict::Ignore => {}
            SuspectVerdict::Confirm => {
                let token = self.next_token();
                let s = self
                    .suspicions
                    .get_mut(&node)
                    .expect("judged a running timer");
                if s.confirm(from, now, token) {
                    let (n, k, timeout, remaining) =
                        (s.n, s.k, s.deadline.since(s.start), s.remaining(now));
                    out.emit(Event::Confirmed {
                        node,
                        by: from,
                        confirmations: n,
                        wanted: k,
                        timeout,
                    });
                    let cause = MemberCause::Confirmed {
                        by: from,
                        confirmations: n,
                        wanted: k,
                    };
                    let state = Some(State::Suspect);
                    self.note_change(now, node, state, State::Suspect, cause);
                    self.queue.push(Update::Suspect {
                        node,
                        incarnation,
                        from,
                    });
                    if remaining == Duration::ZERO {
                        self.suspicion_expired(now, node, token, out);
                    } else {
                        out.set_timer(
                            remaining,
                            Timer::Suspicion {
                                epoch: self.epoch,
                                node,
                                token,
                            },
                        );
                    }
                }
            }
            SuspectVerdict::Refute => self.refute(incarnation, Accusation::Suspect, out),
            SuspectVerdict::Suspect => {
                self.queue.push(Update::Suspect {
                    node,
                    incarnation,
                    from,
                });
                let m = self.members.get_mut(node).expect("judged a known member");
                let was = m.state;
                m.incarnation = incarnation;
                m.state = State::Suspect;
                m.state_change = now;
                let cause = MemberCause::Suspect {
                    by: from,
                    incarnation,
                };
                self.note_change(now, node, Some(was), State::Suspect, cause);
                out.emit(Event::Suspect {
                    node,
                    incarnation,
                    by: from,
                });
                // k such that the nominal timeout is reached two probe intervals short of the multiplier;
                // none expected when the cluster is too small to give them (minus ourselves and the suspect).
                let n = self.num_nodes();
                let mut k = self.config.suspicion_mult.saturating_sub(2);
                if n.saturating_sub(2) < k {
                    k = 0;
                }
                let min = theory::suspicion_min(
                    self.config.suspicion_mult,
                    n,
                    self.config.probe_interval,
                );
                let max = min.saturating_mul(u64::from(self.config.suspicion_max_mult()));
                let token = self.next_token();
                let s = Suspicion::new(from, k, min, max, now, token);
                out.set_timer(
                    s.remaining(now),
                    Timer::Suspicion {
                        epoch: self.epoch,
                        node,
                        token,
                    },
                );
                self.suspicions.insert(node, s);
            }
        }
    }

    /// The suspicion timer of `node` ran out: declare it dead if nothing changed meanwhile.
    pub(crate) fn suspicion_expired(
        &mut self,
        now: SimTime,
        node: NodeId,
        token: u64,
        out: &mut Outbox<Gossip>,
    ) {
        let Some(s) = self.suspicions.get(&node) else {
            return;
        };
        if s.token != token {
            return;
        }
        let start = s.start;
        let Some(m) = self.members.get(node) else {
            return;
        };
        if m.state == State::Suspect && m.state_change == start {
            let incarnation = m.incarnation;
            self.dead_node(now, node, incarnation, self.id, out);
        }
    }

    /// memberlist `deadNode`. `from == node` is a graceful leave.
    pub(crate) fn dead_node(
        &mut self,
        now: SimTime,
        node: NodeId,
        incarnation: Incarnation,
        from: NodeId,
        out: &mut Outbox<Gossip>,
    ) {
        let about_me = node == self.id;
        let leaving = self.phase != Phase::Active;
        let verdict = member::judge_dead(self.members.get(node), incarnation, about_me, leaving);
        if verdict != DeadVerdict::Ignore {
            self.suspicions.remove(&node);
        }
        match verdict {
            DeadVerdict::Ignore | DeadVerdict::AlreadyGone => {}
            DeadVerdict::Refute => self.refute(incarnation, Accusation::Dead, out),
            DeadVerdict::Accept => {
                self.queue.push(Update::Dead {
                    node,
                    incarnation,
                    from,
                });
                let m = self.members.get_mut(node).expect("judged a known member");
                let was = m.state;
                m.incarnation = incarnation;
                m.state = if node == from {
                    State::Left
                } else {
                    State::Dead
                };
                m.state_change = now;
                let to = m.state;
                let cause = if node == from {
                    MemberCause::Left { incarnation }
                } else if from == self.id {
                    MemberCause::SuspicionTimeout { incarnation }
                } else {
                    MemberCause::Dead {
                        by: from,
                        incarnation,
                    }
                };
                self.note_change(now, node, Some(was), to, cause);
                if node == from {
                    out.emit(Event::Left { node, incarnation });
                } else {
                    out.emit(Event::Dead {
                        node,
                        incarnation,
                        by: from,
                    });
                }
            }
        }
    }

    /// Remembers why `node`'s state changed (for the UI only).
    fn note_change(
        &mut self,
        now: SimTime,
        node: NodeId,
        from: Option<State>,
        to: State,
        cause: MemberCause,
    ) {
        self.changes.record(MemberChange {
            node,
            from,
            to,
            at: now,
            cause,
        });
    }

    /// memberlist `refute`: announce ourselves alive above the accusation, and count it against our
    /// local health (being accused is a hint that we are the slow one).
    pub(crate) fn refute(
        &mut self,
        accused: Incarnation,
        accusation: Accusation,
        out: &mut Outbox<Gossip>,
    ) {
        let mut inc = self.incarnation + 1;
        if accused >= inc {
            inc = accused + 1;
        }
        self.incarnation = inc;
        if let Some(me) = self.members.get_mut(self.id) {
            me.incarnation = inc;
        }
        out.persist(Persist::Incarnation(inc));
        self.apply_health(1, out);
        out.emit(Event::Refuted {
            incarnation: inc,
            accusation,
        });
        self.queue.push(Update::Alive {
            node: self.id,
            incarnation: inc,
        });
    }
}

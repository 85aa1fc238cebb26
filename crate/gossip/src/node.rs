//! The node: its state, the engine door, and memberlist's `aliveNode` / `suspectNode` / `deadNode` /
//! `refute` (state.go) acting on the verdicts of `member.rs`.

use std::collections::BTreeMap;

use quorate_core::{Duration, Engine, Input, NodeId, NodeRng, Outbox, SimTime};
use serde::{Deserialize, Serialize};

use crate::api::{Accusation, Command, Durable, Event, Persist, Timer};
use crate::awareness::Awareness;
use crate::broadcast::TransmitQueue;
use crate::config::{Bootstrap, Config, Rumor};
use crate::member::{self, AliveVerdict, DeadVerdict, Member, Members, State, SuspectVerdict};
use crate::msg::{Incarnation, Msg, Update, COMPOUND_HEADER_OVERHEAD, COMPOUND_OVERHEAD};
use crate::probe::{Probe, Relay};
use crate::serf::Serf;
use crate::status::Status;
use crate::suspicion::Suspicion;
use crate::{theory, GossipError};

/// Where a node is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// Probing, gossiping, answering.
    Active,
    /// Announced its leave; keeps gossiping it until `until` or until the news is fully transmitted.
    Leaving { until: SimTime },
    /// Gone silent after a leave: ignores every input.
    Left,
}

/// One gossip node (memberlist `Memberlist` plus the part of Serf that handles user events).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Gossip {
    pub(crate) id: NodeId,
    /// The world's config without its member list (kept once per world, not once per node).
    pub(crate) config: Config,
    /// Whom to join at start: the seed, or after a restart some other member.
    pub(crate) join_at_start: Option<NodeId>,
    pub(crate) rng: NodeRng,
    /// Drawn at boot; timers from an earlier life carry another epoch.
    pub(crate) epoch: u32,
    pub(crate) phase: Phase,
    /// Our own incarnation. Invariant: equals our entry's incarnation in `members`.
    pub(crate) incarnation: Incarnation,
    /// Whether `Start` should persist the incarnation (a restart raised it).
    pub(crate) persist_at_start: bool,
    pub(crate) members: Members,
    pub(crate) awareness: Awareness,
    /// Running suspicion timers, by suspect.
    pub(crate) suspicions: BTreeMap<NodeId, Suspicion>,
    /// The probe in flight, if any (memberlist's `probeNode` blocks until it ends).
    pub(crate) probe: Option<Probe>,
    /// A probe tick arrived while a probe was in flight (Go's ticker channel buffers one tick).
    pub(crate) tick_pending: bool,
    /// Indirect probes this node runs for others, by local sequence number.
    pub(crate) relays: BTreeMap<u32, Relay>,
    pub(crate) seq: u32,
    pub(crate) token: u64,
    /// memberlist's broadcast queue (alive / suspect / dead).
    pub(crate) queue: TransmitQueue,
    pub(crate) serf: Serf,
    /// A join in progress: (seed, sequence number of its timeout).
    pub(crate) joining: Option<(NodeId, u32)>,
    /// When the gossip ticker went to sleep with nothing to send (a tick time on its grid).
    pub(crate) gossip_idle_since: Option<SimTime>,
}

impl Gossip {
    pub fn id(&self) -> NodeId {
        self.id
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    pub fn members(&self) -> &Members {
        &self.members
    }

    pub fn awareness(&self) -> &Awareness {
        &self.awareness
    }

    pub fn queue(&self) -> &TransmitQueue {
        &self.queue
    }

    pub fn serf(&self) -> &Serf {
        &self.serf
    }

    pub fn suspicions(&self) -> &BTreeMap<NodeId, Suspicion> {
        &self.suspicions
    }

    pub(crate) fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    pub(crate) fn next_token(&mut self) -> u64 {
        self.token += 1;
        self.token
    }

    /// Number of members for the log-scaled formulas (memberlist `estNumNodes`).
    pub(crate) fn num_nodes(&self) -> u32 {
        self.members.len().max(1)
    }

    pub(crate) fn transmit_limit(&self) -> u32 {
        theory::retransmit_limit(self.config.retransmit_mult, self.num_nodes())
    }

    pub(crate) fn apply_health(&mut self, delta: i32, out: &mut Outbox<Gossip>) {
        if self.awareness.apply_delta(delta) {
            out.emit(Event::Health {
                score: self.awareness.score(),
            });
        }
    }

    /// memberlist `getBroadcasts`: its own queue first, then Serf's user events in the space left.
    pub(crate) fn take_broadcasts(&mut self, overhead: u32, limit: u32) -> Vec<Update> {
        let tl = self.transmit_limit();
        let mut parts = self.queue.take(overhead, limit, tl);
        let used: u32 = parts.iter().map(|u| u.size() + overhead).sum();
        let avail = limit.saturating_sub(used);
        const USER_MSG_OVERHEAD: u32 = 1;
        if avail > overhead + USER_MSG_OVERHEAD {
            parts.extend(
                self.serf
                    .queue
                    .take(overhead + USER_MSG_OVERHEAD, avail, tl),
            );
        }
        parts
    }

    /// Sends `msg` with as many queued updates piggybacked as the packet budget allows (memberlist `sendMsg`).
    pub(crate) fn send_with_piggyback(
        &mut self,
        to: NodeId,
        mut msg: Msg,
        out: &mut Outbox<Gossip>,
    ) {
        let budget = self
            .config
            .udp_buffer_size
            .saturating_sub(msg.base_size() + COMPOUND_HEADER_OVERHEAD);
        let extra = self.take_broadcasts(COMPOUND_OVERHEAD, budget);
        match &mut msg {
            Msg::Ping { piggyback, .. }
            | Msg::PingReq { piggyback, .. }
            | Msg::Ack { piggyback, .. }
            | Msg::Nack { piggyback, .. } => *piggyback = extra,
            _ => debug_assert!(extra.is_empty(), "only probe packets piggyback"),
        }
        out.send(to, msg);
    }

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
                out.emit(Event::Alive { node, incarnation });
            }
            AliveVerdict::Accept => {
                self.suspicions.remove(&node);
                self.queue.push(Update::Alive { node, incarnation });
                let m = self.members.get_mut(node).expect("judged a known member");
                m.incarnation = incarnation;
                if m.state != State::Alive {
                    m.state = State::Alive;
                    m.state_change = now;
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
                m.incarnation = incarnation;
                m.state = State::Suspect;
                m.state_change = now;
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
                m.incarnation = incarnation;
                m.state = if node == from {
                    State::Left
                } else {
                    State::Dead
                };
                m.state_change = now;
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

    /// Arms the periodic timers with memberlist's random stagger, so nodes do not tick in lockstep.
    fn schedule(&mut self, out: &mut Outbox<Gossip>) {
        let epoch = self.epoch;
        let stagger =
            |rng: &mut NodeRng, d: Duration| Duration::from_micros(rng.below(d.as_micros().max(1)));
        let first = stagger(&mut self.rng, self.config.probe_interval);
        out.set_timer(first, Timer::ProbeTick { epoch });
        if self.config.gossip_interval > Duration::ZERO {
            let first = stagger(&mut self.rng, self.config.gossip_interval);
            out.set_timer(first, Timer::GossipTick { epoch });
        }
        if self.config.push_pull_interval > Duration::ZERO {
            // memberlist `pushPullTrigger`: a stagger within the base interval, then a full (scaled)
            // interval before the first exchange.
            let first = stagger(&mut self.rng, self.config.push_pull_interval)
                + theory::push_pull_scale(self.config.push_pull_interval, self.num_nodes());
            out.set_timer(first, Timer::PushPullTick { epoch });
        }
    }

    fn start(&mut self, now: SimTime, out: &mut Outbox<Gossip>) {
        if self.persist_at_start {
            out.persist(Persist::Incarnation(self.incarnation));
        }
        if self.config.bootstrap != Bootstrap::Full || self.persist_at_start {
            // memberlist `setAlive`: announce ourselves.
            self.queue.push(Update::Alive {
                node: self.id,
                incarnation: self.incarnation,
            });
        }
        self.schedule(out);
        if let Some(seed) = self.join_at_start {
            self.join(now, seed, out);
        }
    }

    fn timer(&mut self, now: SimTime, timer: Timer, out: &mut Outbox<Gossip>) {
        let epoch = match &timer {
            Timer::ProbeTick { epoch }
            | Timer::ProbeTimeout { epoch, .. }
            | Timer::ProbeDeadline { epoch, .. }
            | Timer::RelayTimeout { epoch, .. }
            | Timer::GossipTick { epoch }
            | Timer::PushPullTick { epoch }
            | Timer::Suspicion { epoch, .. }
            | Timer::LeaveDone { epoch }
            | Timer::JoinTimeout { epoch, .. } => *epoch,
        };
        if epoch != self.epoch {
            return;
        }
        match timer {
            Timer::ProbeTick { .. } => self.probe_tick(now, out),
            Timer::ProbeTimeout { seq, .. } => self.probe_timeout(now, seq, out),
            Timer::ProbeDeadline { seq, .. } => self.probe_deadline(now, seq, out),
            Timer::RelayTimeout { seq, .. } => self.relay_timeout(seq, out),
            Timer::GossipTick { .. } => self.gossip_tick(now, out),
            Timer::PushPullTick { .. } => self.push_pull_tick(now, out),
            Timer::Suspicion { node, token, .. } => self.suspicion_expired(now, node, token, out),
            Timer::LeaveDone { .. } => self.finish_leave(out),
            Timer::JoinTimeout { seq, .. } => {
                if let Some((via, s)) = self.joining {
                    if s == seq {
                        self.joining = None;
                        out.emit(Event::JoinFailed { via });
                    }
                }
            }
        }
    }

    fn message(&mut self, now: SimTime, from: NodeId, msg: Msg, out: &mut Outbox<Gossip>) {
        match msg {
            Msg::Ping {
                seq,
                target,
                piggyback,
            } => {
                // A ping meant for someone else (a stale address) is dropped, as memberlist does.
                if target == self.id {
                    self.send_with_piggyback(
                        from,
                        Msg::Ack {
                            seq,
                            piggyback: Vec::new(),
                        },
                        out,
                    );
                }
                for u in piggyback {
                    self.handle_update(now, u, out);
                }
            }
            Msg::PingReq {
                seq,
                target,
                nack,
                piggyback,
            } => {
                self.relay(from, seq, target, nack, out);
                for u in piggyback {
                    self.handle_update(now, u, out);
                }
            }
            Msg::Ack { seq, piggyback } => {
                self.ack(now, seq, out);
                for u in piggyback {
                    self.handle_update(now, u, out);
                }
            }
            Msg::Nack { seq, piggyback } => {
                if let Some(p) = &mut self.probe {
                    if p.seq == seq {
                        p.nacks += 1;
                    }
                }
                for u in piggyback {
                    self.handle_update(now, u, out);
                }
            }
            Msg::Gossip { updates } => {
                for u in updates {
                    self.handle_update(now, u, out);
                }
            }
            Msg::PushPull {
                join,
                reply,
                members,
                events,
                ltime,
            } => self.receive_push_pull(now, from, join, reply, members, events, ltime, out),
            Msg::Rumor { event } => self.receive_rumor(from, event, out),
            Msg::RumorFeedback { id, known } => self.receive_feedback(id, known, out),
        }
    }

    fn command(
        &mut self,
        now: SimTime,
        command: Command,
        out: &mut Outbox<Gossip>,
    ) -> Result<(), GossipError> {
        if self.phase != Phase::Active {
            return Err(GossipError::NotActive);
        }
        match command {
            Command::Join(seed) => {
                if seed == self.id {
                    return Err(GossipError::JoinSelf);
                }
                self.join(now, seed, out);
            }
            Command::Leave => self.leave(now, out),
            Command::Event { name, payload } => self.user_event(name, payload, out)?,
        }
        Ok(())
    }

    /// Starts a graceful leave (memberlist `Leave`): a dead message about ourselves from ourselves,
    /// which everyone records as "left", not "failed".
    fn leave(&mut self, now: SimTime, out: &mut Outbox<Gossip>) {
        let until = now + self.config.leave_timeout;
        self.phase = Phase::Leaving { until };
        let (id, inc) = (self.id, self.incarnation);
        self.dead_node(now, id, inc, id, out);
        out.set_timer(
            self.config.leave_timeout,
            Timer::LeaveDone { epoch: self.epoch },
        );
    }

    pub(crate) fn finish_leave(&mut self, out: &mut Outbox<Gossip>) {
        if let Phase::Leaving { .. } = self.phase {
            self.phase = Phase::Left;
            out.emit(Event::LeaveDone);
        }
    }
}

impl Engine for Gossip {
    type Msg = Msg;
    type Timer = Timer;
    type Command = Command;
    type Event = Event;
    type Persist = Persist;
    type Durable = Durable;
    type Config = Config;
    type Status = Status;
    type Error = GossipError;

    fn boot(id: NodeId, config: &Config, durable: Option<&Durable>, mut rng: NodeRng) -> Self {
        let epoch = rng.next_u64() as u32;
        let restarted = durable.is_some();
        // memberlist's first incarnation is 1; a restart announces itself above its previous life.
        let incarnation = durable.map_or(1, |d| d.incarnation + 1);
        let mut members = Members::new();
        let me = Member {
            state: State::Alive,
            incarnation,
            state_change: SimTime::ZERO,
        };
        let mut join_at_start = None;
        match config.bootstrap {
            Bootstrap::Full if !restarted => {
                for &m in &config.members {
                    let inc = if m == id { incarnation } else { 1 };
                    members.insert_ordered(
                        m,
                        Member {
                            state: State::Alive,
                            incarnation: inc,
                            state_change: SimTime::ZERO,
                        },
                    );
                }
                if members.get(id).is_none() {
                    members.insert_ordered(id, me);
                }
                members.shuffle(&mut rng);
            }
            _ => {
                members.insert_ordered(id, me);
                join_at_start = match config.bootstrap {
                    Bootstrap::Seed(seed) if seed != id => Some(seed),
                    Bootstrap::Manual if !restarted => None,
                    _ if restarted => config.members.iter().copied().find(|&m| m != id),
                    _ => None,
                };
            }
        }
        let mut config = config.clone();
        config.members = Vec::new();
        let awareness = Awareness::new(config.awareness_max());
        let serf = Serf::new(config.event_buffer);
        Gossip {
            id,
            config,
            join_at_start,
            rng,
            epoch,
            phase: Phase::Active,
            incarnation,
            persist_at_start: restarted,
            members,
            awareness,
            suspicions: BTreeMap::new(),
            probe: None,
            tick_pending: false,
            relays: BTreeMap::new(),
            seq: 0,
            token: 0,
            queue: TransmitQueue::new(),
            serf,
            joining: None,
            gossip_idle_since: None,
        }
    }

    fn step(
        &mut self,
        now: SimTime,
        input: Input<Self>,
        out: &mut Outbox<Self>,
    ) -> Result<(), GossipError> {
        if self.phase == Phase::Left {
            return match input {
                Input::Command(_) => Err(GossipError::NotActive),
                _ => Ok(()),
            };
        }
        match input {
            Input::Start => self.start(now, out),
            Input::Timer(t) => self.timer(now, t, out),
            Input::Message { from, msg } => self.message(now, from, msg, out),
            Input::Command(c) => self.command(now, c, out)?,
        }
        // A leave is done once its news has been fully transmitted (memberlist waits on its notify).
        if let Phase::Leaving { .. } = self.phase {
            if !self.queue.has_news_about(self.id) {
                self.finish_leave(out);
            }
        }
        if self.phase != Phase::Left && self.config.gossip_interval > Duration::ZERO {
            self.wake_gossip(now, out);
        }
        Ok(())
    }

    fn status(&self) -> Status {
        Status::of(self)
    }

    fn apply_persist(durable: &mut Durable, write: &Persist) {
        match write {
            Persist::Incarnation(i) => durable.incarnation = (*i).max(durable.incarnation),
        }
    }
}

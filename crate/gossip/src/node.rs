//! The node: its state and the engine door (boot, step, timers, message dispatch, commands).

use std::collections::BTreeMap;

use quorate_core::{Duration, Engine, Input, NodeId, NodeRng, Outbox, SimTime};
use serde::{Deserialize, Serialize};

use crate::api::{Command, Durable, Event, Persist, Timer};
use crate::awareness::Awareness;
use crate::broadcast::TransmitQueue;
use crate::change::Changes;
use crate::config::{Bootstrap, Config};
use crate::member::{Member, Members, State};
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
    /// The latest member-state changes and their causes, for the UI; never read by the protocol.
    pub(crate) changes: Changes,
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

    /// The latest member-state changes this node saw, with their causes.
    pub fn changes(&self) -> &Changes {
        &self.changes
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
                let max_id = config.members.iter().copied().max().unwrap_or(id).max(id);
                members.reserve(max_id, config.members.len() + 1);
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
            changes: Changes::default(),
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

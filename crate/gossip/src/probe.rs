//! Failure detection (SWIM section 4, memberlist `probe` / `probeNode` / `handleIndirectPing`) and the
//! periodic gossip round (memberlist `gossip`).
//!
//! A probe, as memberlist runs it:
//! 1. On a tick of the fixed `probe_interval` ticker, pick the next member of the shuffled round-robin
//!    order and ping it. A suspect's ping carries the suspicion (buddy system, Lifeguard IV-C).
//! 2. No ack within `probe_timeout`: send ping-req to `indirect_checks` random alive helpers, each of which
//!    pings the target and relays its ack, or sends a nack when it got none within `probe_timeout`.
//! 3. The probe lasts the health-scaled interval `probe_interval * (score + 1)`; an ack (direct, late or
//!    relayed) any time before that ends it with success (health -1). At its end without an ack: health
//!    +1 per missing nack (or +1 when no helper was asked), and the target becomes suspect.
//!
//! The ticker keeps ticking while a probe runs; one tick that falls inside a probe is kept and starts the
//! next probe as soon as this one ends (Go's ticker channel holds one tick).

use quorate_core::{Duration, NodeId, Outbox, SimTime};
use serde::{Deserialize, Serialize};

use crate::api::Timer;
use crate::member::State;
use crate::msg::{Incarnation, Msg, Update, COMPOUND_HEADER_OVERHEAD, COMPOUND_OVERHEAD};
use crate::node::{Gossip, Phase};

/// The probe in flight.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    pub seq: u32,
    pub target: NodeId,
    /// The target's incarnation when the probe started: what a resulting suspicion names.
    pub incarnation: Incarnation,
    pub started: SimTime,
    /// `started + probe_interval * (score + 1)`.
    pub deadline: SimTime,
    /// Whether the ping-req stage has begun.
    pub indirect: bool,
    /// Helpers asked that will nack (Lifeguard); 0 before the ping-req stage.
    pub expected_nacks: u32,
    pub nacks: u32,
}

/// An indirect probe this node runs for another (memberlist `handleIndirectPing`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Relay {
    pub origin: NodeId,
    pub origin_seq: u32,
    pub target: NodeId,
    pub nack: bool,
}

impl Gossip {
    pub(crate) fn probe_tick(&mut self, now: SimTime, out: &mut Outbox<Gossip>) {
        out.set_timer(
            self.config.probe_interval,
            Timer::ProbeTick { epoch: self.epoch },
        );
        if self.probe.is_some() {
            self.tick_pending = true;
        } else {
            self.start_probe(now, out);
        }
    }

    /// memberlist `probe` + the first half of `probeNode`.
    fn start_probe(&mut self, now: SimTime, out: &mut Outbox<Gossip>) {
        let reap_after = self.config.gossip_to_the_dead_time;
        let Some(target) = self
            .members
            .next_probe_target(self.id, now, reap_after, &mut self.rng)
        else {
            return;
        };
        let m = *self.members.get(target).expect("probe target is a member");
        let seq = self.next_seq();
        let period = self.awareness.scale(self.config.probe_interval);
        let ping = Msg::Ping {
            seq,
            target,
            piggyback: Vec::new(),
        };
        if m.state == State::Suspect && self.config.lifeguard.buddy {
            // The buddy system: tell the suspect it is suspected so it can refute at once. memberlist
            // sends the ping and the suspicion as one compound packet without other piggyback.
            let suspect = Update::Suspect {
                node: target,
                incarnation: m.incarnation,
                from: self.id,
            };
            out.send(
                target,
                Msg::Ping {
                    seq,
                    target,
                    piggyback: vec![suspect],
                },
            );
        } else {
            self.send_with_piggyback(target, ping, out);
        }
        self.probe = Some(Probe {
            seq,
            target,
            incarnation: m.incarnation,
            started: now,
            deadline: now + period,
            indirect: false,
            expected_nacks: 0,
            nacks: 0,
        });
        let epoch = self.epoch;
        // The deadline timer is armed when the direct window closes without an ack (same instant as
        // arming it now, one timer event fewer per successful probe).
        out.set_timer(
            self.config.probe_timeout,
            Timer::ProbeTimeout { epoch, seq },
        );
    }

    /// No direct ack in time: ask helpers.
    pub(crate) fn probe_timeout(&mut self, now: SimTime, seq: u32, out: &mut Outbox<Gossip>) {
        let Some(p) = &self.probe else { return };
        if p.seq != seq || p.indirect {
            return;
        }
        let target = p.target;
        let me = self.id;
        let helpers = self
            .members
            .k_random(self.config.indirect_checks, &mut self.rng, |id, m| {
                id == me || id == target || m.state != State::Alive
            });
        // Helpers nack only under Lifeguard (memberlist protocol version 4).
        let nack = self.config.lifeguard.local_health;
        for &h in &helpers {
            self.send_with_piggyback(
                h,
                Msg::PingReq {
                    seq,
                    target,
                    nack,
                    piggyback: Vec::new(),
                },
                out,
            );
        }
        let p = self.probe.as_mut().expect("checked above");
        p.indirect = true;
        p.expected_nacks = if nack { helpers.len() as u32 } else { 0 };
        let left = p.deadline.since(now);
        out.set_timer(
            left,
            Timer::ProbeDeadline {
                epoch: self.epoch,
                seq,
            },
        );
    }

    /// The probe's period is over without an ack.
    pub(crate) fn probe_deadline(&mut self, now: SimTime, seq: u32, out: &mut Outbox<Gossip>) {
        let Some(p) = &self.probe else { return };
        if p.seq != seq {
            return;
        }
        let p = self.probe.take().expect("checked above");
        let delta = if p.expected_nacks > 0 {
            p.expected_nacks.saturating_sub(p.nacks)
        } else {
            1
        };
        self.apply_health(delta as i32, out);
        let me = self.id;
        self.suspect_node(now, p.target, p.incarnation, me, out);
        self.after_probe(now, out);
    }

    /// An ack arrived: it ends our probe, or is relayed to whoever asked us to probe.
    pub(crate) fn ack(&mut self, now: SimTime, seq: u32, out: &mut Outbox<Gossip>) {
        if self.probe.as_ref().is_some_and(|p| p.seq == seq) {
            self.probe = None;
            self.apply_health(-1, out);
            self.after_probe(now, out);
        } else if let Some(r) = self.relays.remove(&seq) {
            self.send_with_piggyback(
                r.origin,
                Msg::Ack {
                    seq: r.origin_seq,
                    piggyback: Vec::new(),
                },
                out,
            );
        }
    }

    fn after_probe(&mut self, now: SimTime, out: &mut Outbox<Gossip>) {
        if self.tick_pending && self.phase != Phase::Left {
            self.tick_pending = false;
            self.start_probe(now, out);
        }
    }

    /// A ping-req: probe `target` on behalf of `origin`.
    pub(crate) fn relay(
        &mut self,
        origin: NodeId,
        origin_seq: u32,
        target: NodeId,
        nack: bool,
        out: &mut Outbox<Gossip>,
    ) {
        let seq = self.next_seq();
        self.relays.insert(
            seq,
            Relay {
                origin,
                origin_seq,
                target,
                nack,
            },
        );
        self.send_with_piggyback(
            target,
            Msg::Ping {
                seq,
                target,
                piggyback: Vec::new(),
            },
            out,
        );
        out.set_timer(
            self.config.probe_timeout,
            Timer::RelayTimeout {
                epoch: self.epoch,
                seq,
            },
        );
    }

    pub(crate) fn relay_timeout(&mut self, seq: u32, out: &mut Outbox<Gossip>) {
        let Some(r) = self.relays.remove(&seq) else {
            return;
        };
        if r.nack {
            self.send_with_piggyback(
                r.origin,
                Msg::Nack {
                    seq: r.origin_seq,
                    piggyback: Vec::new(),
                },
                out,
            );
        }
    }

    /// memberlist `gossip`: queued updates to `gossip_nodes` random members that are alive, suspect, or
    /// dead for less than `gossip_to_the_dead_time`. Nothing is sent when nothing is queued. Rumor
    /// mongering rides on the same tick.
    pub(crate) fn gossip_tick(&mut self, now: SimTime, out: &mut Outbox<Gossip>) {
        if self.nothing_to_gossip() {
            // A tick with nothing queued does nothing (and draws nothing), so the ticker sleeps until
            // something is queued and then wakes on the same grid: behaviour is identical, and an idle
            // cluster of 10,000 does not spend half its events on empty ticks.
            self.gossip_idle_since = Some(now);
            return;
        }
        out.set_timer(
            self.config.gossip_interval,
            Timer::GossipTick { epoch: self.epoch },
        );
        self.monger_round(out);
        if self.queue.is_empty() && self.serf.queue.is_empty() {
            return;
        }
        let me = self.id;
        let to_the_dead = self.config.gossip_to_the_dead_time;
        let targets = self
            .members
            .k_random(self.config.gossip_nodes, &mut self.rng, |id, m| {
                id == me
                    || match m.state {
                        State::Alive | State::Suspect => false,
                        State::Dead => now.since(m.state_change) > to_the_dead,
                        State::Left => true,
                    }
            });
        let budget = self
            .config
            .udp_buffer_size
            .saturating_sub(COMPOUND_HEADER_OVERHEAD);
        for to in targets {
            let updates = self.take_broadcasts(COMPOUND_OVERHEAD, budget);
            if updates.is_empty() {
                return;
            }
            out.send(to, Msg::Gossip { updates });
        }
    }

    pub(crate) fn nothing_to_gossip(&self) -> bool {
        self.queue.is_empty() && self.serf.queue.is_empty() && self.serf.hot.is_empty()
    }

    /// Re-arms a sleeping gossip ticker at its next grid point once something is queued.
    pub(crate) fn wake_gossip(&mut self, now: SimTime, out: &mut Outbox<Gossip>) {
        let Some(since) = self.gossip_idle_since else {
            return;
        };
        if self.nothing_to_gossip() {
            return;
        }
        self.gossip_idle_since = None;
        let interval = self.config.gossip_interval.as_micros();
        let elapsed = now.since(since).as_micros();
        let after = interval - elapsed % interval;
        out.set_timer(
            Duration::from_micros(after),
            Timer::GossipTick { epoch: self.epoch },
        );
    }

    /// How long the current probe period lasts at the present health score.
    pub fn probe_period(&self) -> Duration {
        self.awareness.scale(self.config.probe_interval)
    }
}

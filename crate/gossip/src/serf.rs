//! Serf's user events: a Lamport clock, a bounded de-duplication buffer, and delivery to every member,
//! either by Serf's transmit-limited broadcast or by Demers-style rumor mongering (for teaching).

use std::collections::BTreeMap;

use quorate_core::{NodeId, Outbox};
use serde::{Deserialize, Serialize};

use crate::api::Event;
use crate::broadcast::TransmitQueue;
use crate::config::{Rumor, Stop};
use crate::msg::{EventId, LamportTime, Msg, Update, UserEvent};
use crate::node::Gossip;
use crate::GossipError;

/// Serf's `UserEventSizeLimit`: name plus payload, in bytes.
pub const USER_EVENT_SIZE_LIMIT: u32 = 512;

/// A rumor this node still spreads (mongering mode).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hot {
    pub event: UserEvent,
    /// Contacts counted toward losing interest (counter variant).
    pub counter: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Serf {
    /// The event Lamport clock: the time the next event originated here will carry.
    pub clock: LamportTime,
    /// Events at or below this time are ignored (history before a join).
    pub min_time: LamportTime,
    /// Slot `ltime % buffer_len` holds the events seen at that Lamport time. Allocated on the first
    /// event, so that ten thousand nodes that never see one cost nothing.
    buffer: Vec<Option<(LamportTime, Vec<UserEvent>)>>,
    /// Serf `EventBuffer`. Invariant: >= 1.
    buffer_len: u32,
    /// Serf's event broadcast queue.
    pub queue: TransmitQueue,
    /// Mongering mode: rumors still hot here.
    pub hot: BTreeMap<EventId, Hot>,
    /// Every event delivered here, in delivery order (for the UI's infection coloring).
    pub delivered: Vec<EventId>,
}

impl Serf {
    pub fn new(buffer_len: u32) -> Serf {
        Serf {
            clock: 0,
            min_time: 0,
            buffer: Vec::new(),
            buffer_len: buffer_len.max(1),
            queue: TransmitQueue::new(),
            hot: BTreeMap::new(),
            delivered: Vec::new(),
        }
    }

    /// Lamport witness: the clock moves past `t`.
    pub fn witness(&mut self, t: LamportTime) {
        if t >= self.clock {
            self.clock = t + 1;
        }
    }

    /// Serf `handleUserEvent`: delivers `e` unless it is too old or already seen. Returns whether it was new.
    pub fn receive(&mut self, e: UserEvent, out: &mut Outbox<Gossip>) -> bool {
        self.witness(e.ltime);
        if e.ltime < self.min_time {
            return false;
        }
        let len = u64::from(self.buffer_len);
        if self.buffer.is_empty() {
            self.buffer = vec![None; self.buffer_len as usize];
        }
        if self.clock > len && e.ltime < self.clock - len {
            return false;
        }
        let slot = &mut self.buffer[(e.ltime % len) as usize];
        match slot {
            Some((t, seen)) if *t == e.ltime => {
                if seen
                    .iter()
                    .any(|s| s.name == e.name && s.payload == e.payload)
                {
                    return false;
                }
                seen.push(e.clone());
            }
            _ => *slot = Some((e.ltime, vec![e.clone()])),
        }
        out.emit(Event::UserEvent { id: e.id() });
        self.delivered.push(e.id());
        true
    }

    /// The events still in the de-duplication buffer, oldest first.
    pub fn buffered(&self) -> Vec<UserEvent> {
        let mut all: Vec<UserEvent> = self
            .buffer
            .iter()
            .flatten()
            .flat_map(|(_, es)| es.iter().cloned())
            .collect();
        all.sort();
        all
    }

    pub fn has(&self, id: &EventId) -> bool {
        let Some(slot) = self
            .buffer
            .get((id.ltime % u64::from(self.buffer_len)) as usize)
        else {
            return false;
        };
        matches!(slot, Some((t, es)) if *t == id.ltime && es.iter().any(|e| e.name == id.name))
    }
}

impl Gossip {
    /// Serf `UserEvent`: stamp with the clock, deliver locally, start spreading.
    pub(crate) fn user_event(
        &mut self,
        name: String,
        payload: String,
        out: &mut Outbox<Gossip>,
    ) -> Result<(), GossipError> {
        let size = (name.len() + payload.len()) as u64;
        if size > u64::from(USER_EVENT_SIZE_LIMIT) {
            return Err(GossipError::EventTooLarge {
                size,
                limit: USER_EVENT_SIZE_LIMIT,
            });
        }
        let event = UserEvent {
            ltime: self.serf.clock,
            name,
            payload,
        };
        self.serf.clock += 1;
        self.serf.receive(event.clone(), out);
        self.spread(event);
        Ok(())
    }

    fn spread(&mut self, event: UserEvent) {
        match self.config.rumor {
            Rumor::Serf => self.serf.queue.push(Update::Event(event)),
            Rumor::Monger { .. } => {
                self.serf.hot.insert(event.id(), Hot { event, counter: 0 });
            }
        }
    }

    /// One mongering round: each hot rumor is pushed to one random live member.
    pub(crate) fn monger_round(&mut self, out: &mut Outbox<Gossip>) {
        let Rumor::Monger { feedback, stop, k } = self.config.rumor else {
            return;
        };
        if self.serf.hot.is_empty() {
            return;
        }
        let me = self.id;
        let ids: Vec<EventId> = self.serf.hot.keys().cloned().collect();
        for id in ids {
            let peer = self
                .members
                .k_random(1, &mut self.rng, |n, m| n == me || m.state.dead_or_left());
            let Some(&to) = peer.first() else { return };
            let event = self.serf.hot[&id].event.clone();
            out.send(to, Msg::Rumor { event });
            if !feedback {
                self.lose_interest(&id, stop, k, out);
            }
        }
    }

    fn lose_interest(&mut self, id: &EventId, stop: Stop, k: u32, out: &mut Outbox<Gossip>) {
        let Some(h) = self.serf.hot.get_mut(id) else {
            return;
        };
        let cold = match stop {
            Stop::Counter => {
                h.counter += 1;
                h.counter >= k
            }
            Stop::Coin => self.rng.chance(1.0 / f64::from(k)),
        };
        if cold {
            self.serf.hot.remove(id);
            out.emit(Event::RumorCold { id: id.clone() });
        }
    }

    pub(crate) fn receive_rumor(
        &mut self,
        from: NodeId,
        event: UserEvent,
        out: &mut Outbox<Gossip>,
    ) {
        let Rumor::Monger { feedback, .. } = self.config.rumor else {
            return;
        };
        let id = event.id();
        let new = self.serf.receive(event.clone(), out);
        if new {
            self.serf.hot.insert(id.clone(), Hot { event, counter: 0 });
        }
        if feedback {
            out.send(from, Msg::RumorFeedback { id, known: !new });
        }
    }

    pub(crate) fn receive_feedback(&mut self, id: EventId, known: bool, out: &mut Outbox<Gossip>) {
        let Rumor::Monger { stop, k, .. } = self.config.rumor else {
            return;
        };
        if known {
            self.lose_interest(&id, stop, k, out);
        }
    }
}

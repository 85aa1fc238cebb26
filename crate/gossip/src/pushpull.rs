//! Full state exchange (memberlist `pushPull` / `mergeState`) and joining through a seed.
//!
//! Every `push_pull_interval` (scaled up above 32 members) a node sends its whole member list to one
//! random alive member, which answers with its own list as it was before merging; each side merges the
//! other's. A join is the same exchange with `join` set, sent to the seed. Serf adds its user-event
//! buffer and Lamport time to the exchange.

use quorate_core::{NodeId, Outbox, SimTime};

use crate::api::{Event, Timer};
use crate::config::Rumor;
use crate::member::State;
use crate::msg::{LamportTime, Msg, PushNodeState, UserEvent};
use crate::node::Gossip;
use crate::theory;

impl Gossip {
    fn local_state(&self, join: bool, reply: bool) -> Msg {
        let members = self
            .members
            .iter()
            .map(|(node, m)| PushNodeState {
                node,
                incarnation: m.incarnation,
                state: m.state,
            })
            .collect();
        let events = if self.config.rumor == Rumor::Serf {
            self.serf.buffered()
        } else {
            Vec::new()
        };
        Msg::PushPull {
            join,
            reply,
            members,
            events,
            ltime: self.serf.clock,
        }
    }

    pub(crate) fn join(&mut self, _now: SimTime, seed: NodeId, out: &mut Outbox<Gossip>) {
        let seq = self.next_seq();
        self.joining = Some((seed, seq));
        out.send(seed, self.local_state(true, false));
        out.set_timer(
            self.config.join_timeout,
            Timer::JoinTimeout {
                epoch: self.epoch,
                seq,
            },
        );
    }

    pub(crate) fn push_pull_tick(&mut self, _now: SimTime, out: &mut Outbox<Gossip>) {
        let interval = theory::push_pull_scale(self.config.push_pull_interval, self.num_nodes());
        out.set_timer(interval, Timer::PushPullTick { epoch: self.epoch });
        let me = self.id;
        let peer = self.members.k_random(1, &mut self.rng, |id, m| {
            id == me || m.state != State::Alive
        });
        if let Some(&peer) = peer.first() {
            out.send(peer, self.local_state(false, false));
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn receive_push_pull(
        &mut self,
        now: SimTime,
        from: NodeId,
        join: bool,
        reply: bool,
        members: Vec<PushNodeState>,
        events: Vec<UserEvent>,
        ltime: LamportTime,
        out: &mut Outbox<Gossip>,
    ) {
        if !reply {
            // Answer with our state as it was before merging theirs.
            out.send(from, self.local_state(join, true));
        }
        self.merge_state(now, members, out);
        // Serf `MergeRemoteState`: witness the remote clock minus one (no event carries that time yet).
        if ltime > 0 {
            self.serf.witness(ltime - 1);
        }
        if join && reply {
            // Serf joins without replaying old events: everything before the seed's clock is history.
            self.serf.min_time = self.serf.min_time.max(ltime);
        } else if self.config.rumor == Rumor::Serf {
            for e in events {
                // Merged events are delivered but not re-broadcast (Serf `MergeRemoteState`).
                self.serf.receive(e, out);
            }
        }
        if reply && join && self.joining.is_some_and(|(seed, _)| seed == from) {
            self.joining = None;
            out.emit(Event::Joined {
                via: from,
                members: self.members.len(),
            });
        }
    }

    /// memberlist `mergeState`: a remote "dead" is only a suspicion here; "left" is taken as said.
    fn merge_state(&mut self, now: SimTime, remote: Vec<PushNodeState>, out: &mut Outbox<Gossip>) {
        let me = self.id;
        for r in remote {
            match r.state {
                State::Alive => self.alive_node(now, r.node, r.incarnation, out),
                State::Left => self.dead_node(now, r.node, r.incarnation, r.node, out),
                State::Dead | State::Suspect => {
                    self.suspect_node(now, r.node, r.incarnation, me, out)
                }
            }
        }
    }
}

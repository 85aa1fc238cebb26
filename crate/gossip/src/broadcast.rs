//! memberlist's `TransmitLimitedQueue` (queue.go): the updates a node still has to tell others.
//!
//! - Fresh first: items are visited by tier of transmit count, lowest first; within a tier the largest
//!   item that still fits goes first, newest first among equals.
//! - An item is dropped after `retransmit_limit(RetransmitMult, N)` transmissions.
//! - Newer news about a member invalidates older news about the same member (memberlist's named
//!   broadcasts); user events are never invalidated.
//! - A packet carries items up to a byte budget, each costing its size plus a per-part overhead.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use quorate_core::NodeId;
use serde::{Deserialize, Serialize};

use crate::msg::Update;

type Key = (u32, Reverse<u32>, Reverse<u64>);

/// One queued update.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    pub update: Update,
    /// How many packets carried it so far.
    pub transmits: u32,
    /// Estimated encoded size in bytes.
    pub size: u32,
    /// Insertion number: larger is newer.
    pub id: u64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TransmitQueue {
    items: BTreeMap<Key, Queued>,
    /// Where the pending news about each member sits. Invariant: one entry per member-named item.
    by_member: BTreeMap<NodeId, Key>,
    next_id: u64,
}

fn key(q: &Queued) -> Key {
    (q.transmits, Reverse(q.size), Reverse(q.id))
}

impl TransmitQueue {
    pub fn new() -> TransmitQueue {
        TransmitQueue::default()
    }

    pub fn len(&self) -> u32 {
        self.items.len() as u32
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Queues `update`, replacing older news about the same member.
    pub fn push(&mut self, update: Update) {
        if let Some(node) = update.about() {
            if let Some(old) = self.by_member.remove(&node) {
                self.items.remove(&old);
            }
        }
        self.next_id += 1;
        let q = Queued {
            size: update.size(),
            update,
            transmits: 0,
            id: self.next_id,
        };
        let k = key(&q);
        if let Some(node) = q.update.about() {
            self.by_member.insert(node, k);
        }
        self.items.insert(k, q);
    }

    /// Whether news about `node` is still queued.
    pub fn has_news_about(&self, node: NodeId) -> bool {
        self.by_member.contains_key(&node)
    }

    /// memberlist `GetBroadcasts`: takes updates whose sizes plus `overhead` each fit in `limit` bytes,
    /// fresh first, counting one transmission for each and dropping those that reach `transmit_limit`.
    pub fn take(&mut self, overhead: u32, limit: u32, transmit_limit: u32) -> Vec<Update> {
        let mut out = Vec::new();
        if self.items.is_empty() {
            return out;
        }
        let mut used = 0u32;
        let mut reinsert = Vec::new();
        let min_tier = self.items.keys().next().map_or(0, |k| k.0);
        let max_tier = self.items.keys().next_back().map_or(0, |k| k.0);
        let mut tier = min_tier;
        while tier <= max_tier {
            let free = limit.saturating_sub(used).saturating_sub(overhead);
            if free == 0 {
                break;
            }
            let from = (tier, Reverse(free), Reverse(u64::MAX));
            let to = (tier + 1, Reverse(u32::MAX), Reverse(u64::MAX));
            let Some(&k) = self.items.range(from..to).next().map(|(k, _)| k) else {
                tier += 1;
                continue;
            };
            let mut q = self.items.remove(&k).expect("key just found");
            used += overhead + q.size;
            out.push(q.update.clone());
            if q.transmits + 1 >= transmit_limit {
                if let Some(node) = q.update.about() {
                    self.by_member.remove(&node);
                }
            } else {
                // Re-inserted after the walk so the item is not picked again on the next tier.
                q.transmits += 1;
                reinsert.push(q);
            }
        }
        for q in reinsert {
            let k = key(&q);
            if let Some(node) = q.update.about() {
                self.by_member.insert(node, k);
            }
            self.items.insert(k, q);
        }
        out
    }

    /// The queue's contents, freshest first.
    pub fn iter(&self) -> impl Iterator<Item = &Queued> {
        self.items.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alive(n: u32, inc: u32) -> Update {
        Update::Alive {
            node: NodeId(n),
            incarnation: inc,
        }
    }

    #[test]
    fn newer_news_invalidates_older_and_limit_retires_items() {
        let mut q = TransmitQueue::new();
        q.push(alive(2, 0));
        q.push(Update::Suspect {
            node: NodeId(2),
            incarnation: 0,
            from: NodeId(3),
        });
        assert_eq!(q.len(), 1);
        q.push(alive(4, 0));
        let first = q.take(2, 1400, 2);
        assert_eq!(first.len(), 2);
        let second = q.take(2, 1400, 2);
        assert_eq!(second.len(), 2);
        assert!(q.is_empty(), "two transmissions reach the limit of 2");
        assert!(!q.has_news_about(NodeId(2)));
    }

    #[test]
    fn fresh_items_first_and_budget_respected() {
        let mut q = TransmitQueue::new();
        q.push(alive(1, 0));
        let _ = q.take(2, 1400, 10); // n1 now has one transmission
        q.push(alive(2, 0));
        let one = q.take(2, 2 + alive(2, 0).size(), 10);
        assert_eq!(
            one,
            vec![alive(2, 0)],
            "the fresh item goes first and only one fits"
        );
    }
}

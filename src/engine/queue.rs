//! The event queue and its ordering contract.
//!
//! Events are processed in increasing time. At equal times the order is:
//! 1. neuron threshold crossings (by global neuron index),
//! 2. source emissions (by global source index),
//! 3. spike deliveries (by emission order, then by delay group).
//!
//! So a neuron whose threshold crossing coincides with an arriving input spikes first (inputs only
//! change synaptic variables, never V itself, so the crossing is unaffected), and a spike emitted
//! with delay 0 is delivered after every emission at that time.
//!
//! Neurons and sources hold at most one pending entry each (their next predicted event), kept in an
//! indexed priority queue so a new input can move or cancel a neuron's prediction; deliveries sit in
//! a binary heap, one entry per (emitted spike, next delay group).

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::hash::{BuildHasherDefault, Hasher};

use priority_queue::PriorityQueue;

/// Rank of an entity kind among simultaneous events (lower first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A neuron reaching threshold.
    Threshold = 0,
    /// A spike source emitting.
    Emission = 1,
    /// A spike arriving at its targets.
    Delivery = 2,
}

/// Key of a neuron or source event: time [ms], then kind, then entity id.
#[derive(Clone, Copy, Debug)]
pub struct EntityKey {
    /// Event time [ms] (never NaN).
    pub time: f64,
    /// Kind of the entity.
    pub kind: Kind,
}

impl PartialEq for EntityKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for EntityKey {}
impl PartialOrd for EntityKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for EntityKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.time
            .total_cmp(&other.time)
            .then(self.kind.cmp(&other.kind))
    }
}

/// A pending delivery: the spike emitted by `node` at `emitted` [ms] reaches delay group `group`
/// (index into that node's groups) at `time` [ms].
#[derive(Clone, Copy, Debug)]
pub struct Delivery {
    /// Arrival time [ms].
    pub time: f64,
    /// Emission sequence number (tie-break).
    pub sequence: u64,
    /// Emission time [ms] (arrival = emitted + delay, computed afresh for every group).
    pub emitted: f64,
    /// Presynaptic node.
    pub node: u32,
    /// Index of the delay group within the node's groups.
    pub group: u32,
}

impl PartialEq for Delivery {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Delivery {}
impl PartialOrd for Delivery {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Delivery {
    fn cmp(&self, other: &Self) -> Ordering {
        self.time
            .total_cmp(&other.time)
            .then(self.sequence.cmp(&other.sequence))
            .then(self.group.cmp(&other.group))
    }
}

/// Hasher for dense `u32` entity ids: the id is the hash.
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u32(&mut self, id: u32) {
        self.0 = u64::from(id);
    }
}

/// Entity ids: neurons `0..n_neurons`, then sources.
pub type EntityId = u32;

/// What the queue hands out next.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Next {
    /// Entity `id` (neuron or source) has its event at `time` [ms].
    Entity {
        /// Entity id.
        id: EntityId,
        /// Event time [ms].
        time: f64,
    },
    /// A delivery is due.
    Delivery(Delivery),
}

/// The combined event queue.
#[derive(Default)]
pub struct EventQueue {
    entities: PriorityQueue<EntityId, Reverse<(EntityKey, EntityId)>, BuildHasherDefault<IdHasher>>,
    deliveries: BinaryHeap<Reverse<Delivery>>,
    sequence: u64,
}

impl EventQueue {
    /// Set (or replace) entity `id`'s pending event, or cancel it with `None`.
    pub fn schedule(&mut self, id: EntityId, kind: Kind, time: Option<f64>) {
        match time {
            Some(time) => {
                let key = Reverse((EntityKey { time, kind }, id));
                self.entities.push(id, key);
            }
            None => {
                self.entities.remove(&id);
            }
        }
    }

    /// Schedule the delivery of a spike emitted by `node` at `emitted` to its delay group `group`
    /// arriving at `time`. `new_spike` marks the first group of a freshly emitted spike.
    pub fn deliver(&mut self, node: u32, emitted: f64, group: u32, time: f64, new_spike: bool) {
        if new_spike {
            self.sequence += 1;
        }
        self.deliveries.push(Reverse(Delivery {
            time,
            sequence: self.sequence,
            emitted,
            node,
            group,
        }));
    }

    /// Re-schedule the next group of an existing spike (keeps its sequence number).
    pub fn deliver_next_group(&mut self, previous: &Delivery, time: f64) {
        self.deliveries.push(Reverse(Delivery {
            time,
            group: previous.group + 1,
            ..*previous
        }));
    }

    /// Time [ms] of the earliest pending event, if any.
    pub fn peek_time(&self) -> Option<f64> {
        let entity = self.entities.peek().map(|(_, Reverse((key, _)))| key.time);
        let delivery = self.deliveries.peek().map(|Reverse(d)| d.time);
        match (entity, delivery) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Remove and return the earliest event under the ordering contract.
    pub fn pop(&mut self) -> Option<Next> {
        let entity_first = match (self.entities.peek(), self.deliveries.peek()) {
            (None, None) => return None,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            // Entities (threshold, emission) precede deliveries at equal times.
            (Some((_, Reverse((key, _)))), Some(Reverse(d))) => key.time <= d.time,
        };
        if entity_first {
            let (id, Reverse((key, _))) = self.entities.pop()?;
            Some(Next::Entity { id, time: key.time })
        } else {
            self.deliveries.pop().map(|Reverse(d)| Next::Delivery(d))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simultaneous_events_follow_the_contract() {
        let mut q = EventQueue::default();
        q.deliver(7, 0.0, 0, 1.0, true);
        q.schedule(5, Kind::Emission, Some(1.0));
        q.schedule(3, Kind::Threshold, Some(1.0));
        q.schedule(2, Kind::Threshold, Some(1.0));
        q.schedule(9, Kind::Threshold, Some(0.5));
        let order: Vec<Next> = std::iter::from_fn(|| q.pop()).collect();
        let ids: Vec<String> = order
            .iter()
            .map(|n| match n {
                Next::Entity { id, .. } => format!("e{id}"),
                Next::Delivery(d) => format!("d{}", d.node),
            })
            .collect();
        assert_eq!(ids, ["e9", "e2", "e3", "e5", "d7"]);
    }

    #[test]
    fn rescheduling_moves_and_cancelling_removes() {
        let mut q = EventQueue::default();
        q.schedule(1, Kind::Threshold, Some(3.0));
        q.schedule(2, Kind::Threshold, Some(2.0));
        q.schedule(1, Kind::Threshold, Some(1.0));
        q.schedule(2, Kind::Threshold, None);
        assert_eq!(q.pop(), Some(Next::Entity { id: 1, time: 1.0 }));
        assert_eq!(q.pop(), None);
    }
}

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
//! [`IndexedHeap`] so a new input can move or cancel a neuron's prediction in O(log n); deliveries
//! sit in a binary heap, one entry per (emitted spike, next delay group). `benches/queue.rs`
//! compares the indexed heap with the `priority-queue` crate on the engine's access pattern.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

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

/// Derive `PartialEq`, `Eq` and `PartialOrd` from a type's total `Ord`.
macro_rules! order_from_ord {
    ($($t:ty),+) => {$(
        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                self.cmp(other) == Ordering::Equal
            }
        }
        impl Eq for $t {}
        impl PartialOrd for $t {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }
    )+};
}

order_from_ord!(EntityKey, Delivery);

/// Key of a neuron or source event: time [ms], then kind, then entity id.
#[derive(Clone, Copy, Debug)]
pub struct EntityKey {
    /// Event time [ms] (never NaN).
    pub time: f64,
    /// Kind of the entity.
    pub kind: Kind,
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

impl Ord for Delivery {
    fn cmp(&self, other: &Self) -> Ordering {
        self.time
            .total_cmp(&other.time)
            .then(self.sequence.cmp(&other.sequence))
            .then(self.group.cmp(&other.group))
    }
}

/// An indexed binary min-heap over dense `u32` entity ids: each id holds at most one key, which can
/// be set, moved or removed in O(log n) through a position table (no hashing).
#[derive(Clone, Debug, Default)]
pub struct IndexedHeap {
    /// Heap-ordered (key, id) pairs; ties in key are broken by the smaller id.
    heap: Vec<(EntityKey, EntityId)>,
    /// Position of each id in `heap`, or `ABSENT`.
    position: Vec<u32>,
}

/// Marker for ids not in the heap.
const ABSENT: u32 = u32::MAX;

impl IndexedHeap {
    /// Number of ids with a pending key.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no id has a pending key.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Set (insert or move) the key of `id`.
    pub fn set(&mut self, id: EntityId, key: EntityKey) {
        let index = id as usize;
        if index >= self.position.len() {
            self.position.resize(index + 1, ABSENT);
        }
        match self.position[index] {
            ABSENT => {
                self.heap.push((key, id));
                self.position[index] = (self.heap.len() - 1) as u32;
                self.sift_up(self.heap.len() - 1);
            }
            at => {
                let at = at as usize;
                let raised = key < self.heap[at].0;
                self.heap[at].0 = key;
                if raised {
                    self.sift_up(at);
                } else {
                    self.sift_down(at);
                }
            }
        }
    }

    /// Remove `id`'s key, if any.
    pub fn remove(&mut self, id: EntityId) {
        let Some(&at) = self.position.get(id as usize) else {
            return;
        };
        if at != ABSENT {
            self.take(at as usize);
        }
    }

    /// The smallest (key, id), without removing it.
    pub fn peek(&self) -> Option<(EntityKey, EntityId)> {
        self.heap.first().copied()
    }

    /// Remove and return the smallest (key, id).
    pub fn pop(&mut self) -> Option<(EntityKey, EntityId)> {
        (!self.heap.is_empty()).then(|| self.take(0))
    }

    fn take(&mut self, at: usize) -> (EntityKey, EntityId) {
        let last = self.heap.len() - 1;
        self.swap(at, last);
        let taken = self.heap.pop().expect("non-empty");
        self.position[taken.1 as usize] = ABSENT;
        if at < self.heap.len() {
            self.sift_down(at);
            self.sift_up(at);
        }
        taken
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        self.position[self.heap[a].1 as usize] = a as u32;
        self.position[self.heap[b].1 as usize] = b as u32;
    }

    fn sift_up(&mut self, mut at: usize) {
        while at > 0 {
            let parent = (at - 1) / 2;
            if self.heap[at] >= self.heap[parent] {
                break;
            }
            self.swap(at, parent);
            at = parent;
        }
    }

    fn sift_down(&mut self, mut at: usize) {
        loop {
            let left = 2 * at + 1;
            if left >= self.heap.len() {
                break;
            }
            let right = left + 1;
            let child = if right < self.heap.len() && self.heap[right] < self.heap[left] {
                right
            } else {
                left
            };
            if self.heap[at] <= self.heap[child] {
                break;
            }
            self.swap(at, child);
            at = child;
        }
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
    entities: IndexedHeap,
    deliveries: BinaryHeap<Reverse<Delivery>>,
    sequence: u64,
}

impl EventQueue {
    /// Set (or replace) entity `id`'s pending event, or cancel it with `None`.
    pub fn schedule(&mut self, id: EntityId, kind: Kind, time: Option<f64>) {
        match time {
            Some(time) => self.entities.set(id, EntityKey { time, kind }),
            None => self.entities.remove(id),
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
        let entity = self.entities.peek().map(|(key, _)| key.time);
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
            (Some((key, _)), Some(Reverse(d))) => key.time <= d.time,
        };
        if entity_first {
            let (key, id) = self.entities.pop()?;
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
    fn indexed_heap_matches_a_sorted_reference_under_random_updates() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut heap = IndexedHeap::default();
        let mut reference: Vec<Option<f64>> = vec![None; 64];
        for step in 0..20_000 {
            let id = rng.random_range(0..64u32);
            if rng.random::<f64>() < 0.2 {
                heap.remove(id);
                reference[id as usize] = None;
            } else {
                // Coarse times make ties common, exercising the id tie-break.
                let time = f64::from(rng.random_range(0..50u32));
                heap.set(
                    id,
                    EntityKey {
                        time,
                        kind: Kind::Threshold,
                    },
                );
                reference[id as usize] = Some(time);
            }
            if step % 7 == 0 {
                let expected = reference
                    .iter()
                    .enumerate()
                    .filter_map(|(i, t)| t.map(|t| (t, i as u32)))
                    .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let popped = heap.pop().map(|(k, id)| (k.time, id));
                assert_eq!(popped, expected, "step {step}");
                if let Some((_, id)) = popped {
                    reference[id as usize] = None;
                }
            }
        }
        assert_eq!(heap.len(), reference.iter().flatten().count());
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

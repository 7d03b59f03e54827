//! The event queue and its ordering contract.
//!
//! Events are processed in increasing time. At equal times the order is:
//! 1. neuron threshold crossings (by global neuron index),
//! 2. source emissions (by global source index),
//! 3. folded inputs, i.e. spikes of sources folded into their only target neuron
//!    (see [`super::folded`]), by neuron index, then by source index,
//! 4. spike deliveries (by emission order, then by delay group).
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
    /// A folded input (a source folded into its only target) arriving at its neuron.
    Input = 2,
    /// A spike arriving at its targets.
    Delivery = 3,
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

/// An indexed 4-ary min-heap over dense `u32` entity ids: each id holds at most one key, which can
/// be set, moved or removed in O(log n) through a position table (no hashing).
///
/// Entries are packed into one `u128` — order-preserving time bits, kind, id — so that a
/// comparison is a single integer comparison with the same order as [`EntityKey`] then id.
#[derive(Clone, Debug, Default)]
pub struct IndexedHeap {
    /// Heap-ordered packed entries (see [`pack`]).
    heap: Vec<u128>,
    /// Position of each id in `heap`, or `ABSENT`.
    position: Vec<u32>,
}

/// Memory of one entry of an [`IndexedHeap`] [bytes] (for the memory estimate,
/// [`super::memory`]).
pub(super) const HEAP_ENTRY_BYTES: usize = std::mem::size_of::<u128>();

/// Memory of one scheduled entity [bytes]: its heap entry and its position.
pub(super) const BYTES_PER_ENTITY: usize = HEAP_ENTRY_BYTES + std::mem::size_of::<u32>();

/// Marker for ids not in the heap.
const ABSENT: u32 = u32::MAX;

/// Children per node of [`IndexedHeap`]: a 4-ary heap has half the levels of a binary one, and a
/// node's children share one cache line (4 × 16 bytes).
const ARITY: usize = 4;

/// Index (offset by `first`) and value of the smallest entry of `children` (1 to [`ARITY`]
/// entries, all distinct), selected without data-dependent branches for a full set.
#[inline]
fn min_child(children: &[u128], first: usize) -> (usize, u128) {
    // Selection by masks: the compiler keeps it free of branches, which the comparison
    // outcomes (random) would mispredict.
    #[inline]
    fn smaller(a: (usize, u128), b: (usize, u128)) -> (usize, u128) {
        let take_b = u128::from(b.1 < a.1);
        let mask = take_b.wrapping_neg();
        (
            a.0 ^ ((a.0 ^ b.0) & mask as usize),
            a.1 ^ ((a.1 ^ b.1) & mask),
        )
    }
    match *children {
        [a, b, c, d] => smaller(
            smaller((first, a), (first + 1, b)),
            smaller((first + 2, c), (first + 3, d)),
        ),
        _ => children
            .iter()
            .enumerate()
            .map(|(i, &e)| (first + i, e))
            .fold((first, children[0]), smaller),
    }
}

/// `f64` bits mapped so that unsigned order equals [`f64::total_cmp`] order.
fn ordered_bits(t: f64) -> u64 {
    let b = t.to_bits();
    b ^ ((((b as i64) >> 63) as u64) | (1 << 63))
}

/// Inverse of [`ordered_bits`].
fn from_ordered_bits(o: u64) -> f64 {
    let b = if o >> 63 == 1 { o ^ (1 << 63) } else { !o };
    f64::from_bits(b)
}

/// Pack (key, id) so that integer order is (time, kind, id) order.
fn pack(key: EntityKey, id: EntityId) -> u128 {
    (u128::from(ordered_bits(key.time)) << 64) | (u128::from(key.kind as u8) << 32) | u128::from(id)
}

/// Inverse of [`pack`].
fn unpack(entry: u128) -> (EntityKey, EntityId) {
    let kind = match (entry >> 32) as u8 {
        0 => Kind::Threshold,
        1 => Kind::Emission,
        2 => Kind::Input,
        _ => Kind::Delivery,
    };
    let time = from_ordered_bits((entry >> 64) as u64);
    (EntityKey { time, kind }, entry as u32)
}

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
        let entry = pack(key, id);
        match self.position[index] {
            ABSENT => {
                self.heap.push(entry);
                self.sift_up(self.heap.len() - 1, entry);
            }
            at => {
                let at = at as usize;
                if entry < self.heap[at] {
                    self.sift_up(at, entry);
                } else {
                    self.sift_down(at, entry);
                }
            }
        }
    }

    /// `id`'s key, if any.
    pub fn get(&self, id: EntityId) -> Option<EntityKey> {
        let &at = self.position.get(id as usize)?;
        (at != ABSENT).then(|| unpack(self.heap[at as usize]).0)
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
        self.heap.first().map(|&entry| unpack(entry))
    }

    /// Remove and return the smallest (key, id).
    pub fn pop(&mut self) -> Option<(EntityKey, EntityId)> {
        (!self.heap.is_empty()).then(|| unpack(self.take(0)))
    }

    /// Append every (key, id) with a time at or before `t` [ms] to `out`, in no particular
    /// order, without removing them: a walk of the heap that stops below every later entry,
    /// so it costs O(found · arity).
    pub fn due(&self, t: f64, out: &mut Vec<(EntityKey, EntityId)>) {
        // -0.0 as 0.0, whose bits sort above -0.0: both are at or before 0.0.
        let last = u128::from(ordered_bits(t + 0.0)) << 64 | ((1u128 << 64) - 1);
        if self.heap.first().is_none_or(|&root| root > last) {
            return;
        }
        let mut stack = vec![0usize];
        while let Some(at) = stack.pop() {
            out.push(unpack(self.heap[at]));
            let first = ARITY * at + 1;
            let children = first..(first + ARITY).min(self.heap.len());
            stack.extend(children.filter(|&c| self.heap[c] <= last));
        }
    }

    fn take(&mut self, at: usize) -> u128 {
        let taken = self.heap[at];
        self.position[taken as u32 as usize] = ABSENT;
        let last = self.heap.pop().expect("non-empty");
        if at < self.heap.len() {
            if last < taken {
                self.sift_up(at, last);
            } else {
                self.sift_down(at, last);
            }
        }
        taken
    }

    /// Put `entry` into the hole at `at`, moving it up as far as needed.
    fn sift_up(&mut self, mut at: usize, entry: u128) {
        while at > 0 {
            let parent = (at - 1) / ARITY;
            let above = self.heap[parent];
            if entry >= above {
                break;
            }
            self.place(at, above);
            at = parent;
        }
        self.place(at, entry);
    }

    /// Put `entry` into the hole at `at`, moving it down as far as needed.
    fn sift_down(&mut self, mut at: usize, entry: u128) {
        let len = self.heap.len();
        loop {
            let first = ARITY * at + 1;
            let (child, below) = if first + ARITY <= len {
                min_child(&self.heap[first..first + ARITY], first)
            } else if first < len {
                min_child(&self.heap[first..], first)
            } else {
                break;
            };
            if entry <= below {
                break;
            }
            self.place(at, below);
            at = child;
        }
        self.place(at, entry);
    }

    fn place(&mut self, at: usize, entry: u128) {
        self.heap[at] = entry;
        self.position[entry as u32 as usize] = at as u32;
    }
}

/// A neuron's pending event: its predicted threshold crossing at `spike` [ms], else its next
/// folded input (or end of refractoriness) at `wake` [ms] if finite, else none.
pub fn neuron_key(spike: Option<f64>, wake: f64) -> Option<EntityKey> {
    match spike {
        Some(time) => Some(EntityKey {
            time,
            kind: Kind::Threshold,
        }),
        None => wake.is_finite().then_some(EntityKey {
            time: wake,
            kind: Kind::Input,
        }),
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
        /// What is due.
        kind: Kind,
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

    /// Set neuron `id`'s pending event: its predicted threshold crossing at `spike` [ms], else its
    /// next folded input at `horizon` [ms] (if finite), else nothing.
    pub fn schedule_neuron(&mut self, id: EntityId, spike: Option<f64>, horizon: f64) {
        self.schedule_key(id, neuron_key(spike, horizon));
    }

    /// Set entity `id`'s pending event to `key`, or cancel it with `None`.
    pub fn schedule_key(&mut self, id: EntityId, key: Option<EntityKey>) {
        match key {
            Some(key) => self.entities.set(id, key),
            None => self.entities.remove(id),
        }
    }

    /// Entity `id`'s pending event, if any.
    pub fn key_of(&self, id: EntityId) -> Option<EntityKey> {
        self.entities.get(id)
    }

    /// Append every pending entity event at or before `t` [ms] to `out`, in no particular order
    /// (they stay pending).
    pub fn entities_due(&self, t: f64, out: &mut Vec<(EntityKey, EntityId)>) {
        self.entities.due(t, out);
    }

    /// The earliest pending entity event (it stays pending).
    pub fn peek_entity(&self) -> Option<(EntityKey, EntityId)> {
        self.entities.peek()
    }

    /// Remove and return the earliest delivery if it arrives at or before `t` [ms].
    pub fn pop_delivery_until(&mut self, t: f64) -> Option<Delivery> {
        match self.deliveries.peek() {
            Some(Reverse(d)) if d.time <= t => self.deliveries.pop().map(|Reverse(d)| d),
            _ => None,
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

    /// Return the earliest event under the ordering contract. A delivery is removed; an entity's
    /// pending event stays until the caller reschedules or cancels it with
    /// [`EventQueue::schedule`] or [`EventQueue::schedule_neuron`], which it must do.
    pub fn pop(&mut self) -> Option<Next> {
        let entity_first = match (self.entities.peek(), self.deliveries.peek()) {
            (None, None) => return None,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            // Entities (threshold, emission, folded input) precede deliveries at equal times.
            (Some((key, _)), Some(Reverse(d))) => key.time <= d.time,
        };
        if entity_first {
            // The entity stays in the heap: the caller reschedules it, which moves it once
            // instead of removing and re-inserting it.
            let (key, id) = self.entities.peek()?;
            Some(Next::Entity {
                id,
                kind: key.kind,
                time: key.time,
            })
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
        q.schedule_neuron(1, None, 1.0);
        q.schedule_neuron(0, None, 1.0);
        q.schedule_neuron(4, None, f64::INFINITY);
        let order: Vec<Next> = std::iter::from_fn(|| {
            let next = q.pop();
            if let Some(Next::Entity { id, kind, .. }) = next {
                q.schedule(id, kind, None);
            }
            next
        })
        .collect();
        let ids: Vec<String> = order
            .iter()
            .map(|n| match n {
                Next::Entity { id, .. } => format!("e{id}"),
                Next::Delivery(d) => format!("d{}", d.node),
            })
            .collect();
        assert_eq!(ids, ["e9", "e2", "e3", "e5", "e0", "e1", "d7"]);
    }

    #[test]
    fn indexed_heap_matches_a_sorted_reference_under_random_updates() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut heap = IndexedHeap::default();
        let mut reference: Vec<Option<(f64, Kind)>> = vec![None; 64];
        for step in 0..20_000 {
            let id = rng.random_range(0..64u32);
            if rng.random::<f64>() < 0.2 {
                heap.remove(id);
                reference[id as usize] = None;
            } else {
                // Coarse times make ties common, exercising the kind and id tie-breaks; the
                // signs and zeros exercise the packed time order.
                let time = match rng.random_range(0..8u32) {
                    0 => -0.0,
                    1 => 0.0,
                    2 => -f64::from(rng.random_range(1..5u32)) / 3.0,
                    _ => f64::from(rng.random_range(0..50u32)) / 7.0,
                };
                let kind = [Kind::Threshold, Kind::Emission, Kind::Input][rng.random_range(0..3)];
                heap.set(id, EntityKey { time, kind });
                reference[id as usize] = Some((time, kind));
            }
            if step % 7 == 0 {
                let expected = reference
                    .iter()
                    .enumerate()
                    .filter_map(|(i, t)| t.map(|(t, k)| (t, k, i as u32)))
                    .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
                let popped = heap.pop().map(|(k, id)| (k.time, k.kind, id));
                assert_eq!(
                    popped.map(|(t, k, id)| (t.to_bits(), k, id)),
                    expected.map(|(t, k, id)| (t.to_bits(), k, id)),
                    "step {step}"
                );
                if let Some((_, _, id)) = popped {
                    reference[id as usize] = None;
                }
            }
        }
        assert_eq!(heap.len(), reference.iter().flatten().count());
    }

    #[test]
    fn due_entries_are_exactly_those_at_or_before_the_time() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let mut heap = IndexedHeap::default();
        let mut times = vec![f64::NAN; 500];
        for (id, time) in times.iter_mut().enumerate() {
            // Ties at 2.0 exercise the inclusive bound; -0.0 the packed sign order.
            *time = match rng.random_range(0..4u32) {
                0 => 2.0,
                1 => -0.0,
                _ => rng.random_range(0.0..4.0),
            };
            heap.set(
                id as u32,
                EntityKey {
                    time: *time,
                    kind: Kind::Input,
                },
            );
        }
        for t in [-1.0, -0.0, 0.0, 2.0, 2.5, 10.0] {
            let mut found = Vec::new();
            heap.due(t, &mut found);
            let mut ids: Vec<u32> = found.iter().map(|&(_, id)| id).collect();
            ids.sort_unstable();
            let expected: Vec<u32> = (0..500).filter(|&i| times[i as usize] <= t).collect();
            assert_eq!(ids, expected, "t = {t}");
            assert!(found
                .iter()
                .all(|&(k, id)| k.time.to_bits() == times[id as usize].to_bits()));
        }
    }

    #[test]
    fn rescheduling_moves_and_cancelling_removes() {
        let mut q = EventQueue::default();
        q.schedule(1, Kind::Threshold, Some(3.0));
        q.schedule(2, Kind::Threshold, Some(2.0));
        q.schedule(1, Kind::Threshold, Some(1.0));
        q.schedule(2, Kind::Threshold, None);
        assert_eq!(
            q.pop(),
            Some(Next::Entity {
                id: 1,
                kind: Kind::Threshold,
                time: 1.0
            })
        );
        // Popping leaves the entity pending until it is rescheduled or cancelled.
        assert_eq!(q.peek_time(), Some(1.0));
        q.schedule(1, Kind::Threshold, None);
        assert_eq!(q.pop(), None);
    }
}

//! The entity queue on the engine's access pattern: n neurons each hold one predicted event;
//! every step pops the earliest event and re-schedules a random neuron (an input arriving) to a
//! new time or cancels its prediction. Compares exactspike's `IndexedHeap` with the
//! `priority-queue` crate (`PriorityQueue` with the default hasher and with an identity hasher).
//!
//! Run: `cargo bench --bench queue` (prints ns per step for each queue and size; not a test).

use std::cmp::Reverse;
use std::hash::{BuildHasherDefault, Hasher};
use std::time::Instant;

use exactspike::engine::queue::{EntityKey, IndexedHeap, Kind};
use priority_queue::PriorityQueue;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Identity hasher for dense u32 ids, the best case for `priority-queue`.
#[derive(Default)]
struct IdHasher(u64);

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

/// One step of the workload: (neuron to touch, new time offset or None to cancel).
fn workload(n: u32, steps: usize) -> Vec<(u32, Option<f64>)> {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    (0..steps)
        .map(|_| {
            let id = rng.random_range(0..n);
            let offset = (rng.random::<f64>() < 0.7).then(|| rng.random::<f64>() * 10.0);
            (id, offset)
        })
        .collect()
}

/// Minimal interface both queues are driven through.
trait Queue {
    fn set(&mut self, id: u32, time: f64);
    fn remove(&mut self, id: u32);
    fn pop(&mut self) -> Option<(u32, f64)>;
}

impl Queue for IndexedHeap {
    fn set(&mut self, id: u32, time: f64) {
        IndexedHeap::set(
            self,
            id,
            EntityKey {
                time,
                kind: Kind::Threshold,
            },
        );
    }
    fn remove(&mut self, id: u32) {
        IndexedHeap::remove(self, id);
    }
    fn pop(&mut self) -> Option<(u32, f64)> {
        IndexedHeap::pop(self).map(|(k, id)| (id, k.time))
    }
}

impl<H: std::hash::BuildHasher + Default> Queue
    for PriorityQueue<u32, Reverse<(EntityKey, u32)>, H>
{
    fn set(&mut self, id: u32, time: f64) {
        self.push(
            id,
            Reverse((
                EntityKey {
                    time,
                    kind: Kind::Threshold,
                },
                id,
            )),
        );
    }
    fn remove(&mut self, id: u32) {
        PriorityQueue::remove(self, &id);
    }
    fn pop(&mut self) -> Option<(u32, f64)> {
        PriorityQueue::pop(self).map(|(id, Reverse((k, _)))| (id, k.time))
    }
}

fn measure(label: &str, queue: &mut dyn Queue, n: u32, work: &[(u32, Option<f64>)]) {
    for id in 0..n {
        queue.set(id, f64::from(id) * 1e-3);
    }
    let mut now = 0.0;
    let started = Instant::now();
    let mut checksum = 0.0;
    for &(id, offset) in work {
        if let Some((popped, t)) = queue.pop() {
            now = t;
            checksum += t;
            queue.set(popped, now + 5.0);
        }
        match offset {
            Some(dt) => queue.set(id, now + dt),
            None => queue.remove(id),
        }
    }
    let ns = started.elapsed().as_secs_f64() * 1e9 / work.len() as f64;
    println!("{label:<40} n = {n:>7}  {ns:>7.1} ns/step  (checksum {checksum:.3e})");
}

fn main() {
    for n in [3u32, 1000, 100_000] {
        let work = workload(n, 2_000_000);
        measure("IndexedHeap", &mut IndexedHeap::default(), n, &work);
        let mut pq_id: PriorityQueue<u32, Reverse<(EntityKey, u32)>, BuildHasherDefault<IdHasher>> =
            PriorityQueue::default();
        measure("priority-queue (identity hasher)", &mut pq_id, n, &work);
        let mut pq: PriorityQueue<u32, Reverse<(EntityKey, u32)>> = PriorityQueue::new();
        measure("priority-queue (default SipHash)", &mut pq, n, &work);
    }
}

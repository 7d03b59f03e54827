//! Spike sources, generated lazily: each source only knows its next spike time.
//!
//! PyNN semantics: each source of a population is one spike train, shared by all its targets.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::Exp1;

use crate::config::{ArrayParams, PoissonParams};

/// Poisson spike times drawn ahead in one batch (the same stream and values as drawing them one
/// at a time, but the random state is touched once per batch).
const BATCH: usize = 16;

/// One spike source with its lazily generated train.
#[derive(Clone, Debug)]
pub enum Source {
    /// Poisson process on `(start, start + duration]`.
    Poisson {
        /// Rate [1/ms].
        rate_per_ms: f64,
        /// End of the active window [ms].
        stop: f64,
        /// The source's own random stream.
        rng: Box<ChaCha8Rng>,
        /// The next spike times [ms], `ahead[cursor..]` pending; infinity after the train's end.
        ahead: [f64; BATCH],
        /// Index of the next spike in `ahead`.
        cursor: usize,
    },
    /// Replays given spike times.
    Array {
        /// Spike times [ms], sorted.
        times: Vec<f64>,
        /// Index of the next spike in `times`.
        cursor: usize,
    },
}

impl Source {
    /// Whether the source draws random numbers while it runs (a Poisson source).
    pub fn is_random(&self) -> bool {
        matches!(self, Self::Poisson { .. })
    }

    /// A Poisson source with its own random stream.
    pub fn poisson(params: &PoissonParams, rng: ChaCha8Rng) -> Self {
        // The process starts at `start`; the first spike is one interval later.
        let mut source = Self::Poisson {
            rate_per_ms: params.rate / 1000.0,
            stop: params.start + params.duration,
            rng: Box::new(rng),
            ahead: [f64::INFINITY; BATCH],
            cursor: 0,
        };
        source.draw_batch(params.start);
        source
    }

    /// A source replaying source `index` of a `SpikeSourceArray` population.
    pub fn array(params: &ArrayParams, index: usize) -> Self {
        Self::Array {
            times: params.times_of(index).to_vec(),
            cursor: 0,
        }
    }

    /// A source that never spikes: what stays in the engine's source list in place of a source
    /// folded into its only target neuron (which then owns it).
    pub fn silent() -> Self {
        Self::Array {
            times: Vec::new(),
            cursor: 0,
        }
    }

    /// Time [ms] of the next spike, if any.
    #[inline]
    pub fn next_time(&self) -> Option<f64> {
        match self {
            Self::Poisson { ahead, cursor, .. } => Some(ahead[*cursor]).filter(|t| t.is_finite()),
            Self::Array { times, cursor } => times.get(*cursor).copied(),
        }
    }

    /// Consume the current spike and move to the following one.
    #[inline]
    pub fn advance(&mut self) {
        match self {
            Self::Poisson { ahead, cursor, .. } => {
                if *cursor + 1 < BATCH {
                    *cursor += 1;
                } else {
                    let last = ahead[BATCH - 1];
                    self.draw_batch(last);
                }
            }
            Self::Array { cursor, .. } => *cursor += 1,
        }
    }

    /// Consume the current spike and return the time [ms] of the following one (infinite if
    /// none): [`Source::advance`] then [`Source::next_time`], for the folded-input hot path.
    #[inline]
    pub fn advance_to_next(&mut self) -> f64 {
        if let Self::Poisson { ahead, cursor, .. } = self {
            if *cursor + 1 < BATCH {
                *cursor += 1;
                return ahead[*cursor];
            }
        }
        self.advance_to_next_slowly()
    }

    /// [`Source::advance_to_next`] when a new batch must be drawn, or for an array source (out
    /// of line, so that the common case stays small).
    #[cold]
    #[inline(never)]
    fn advance_to_next_slowly(&mut self) -> f64 {
        self.advance();
        self.next_time().unwrap_or(f64::INFINITY)
    }

    /// Draw the next [`BATCH`] Poisson spikes after `previous` [ms] (exponential inter-spike
    /// intervals; infinity once past `stop`, and no further draws).
    fn draw_batch(&mut self, previous: f64) {
        if let Self::Poisson {
            rate_per_ms,
            stop,
            rng,
            ahead,
            cursor,
        } = self
        {
            *cursor = 0;
            let mut t = previous;
            let mut drawn = 0;
            if t.is_finite() && *rate_per_ms > 0.0 {
                while drawn < BATCH {
                    // Unit exponential by the ziggurat method (mostly no logarithm).
                    let e: f64 = rng.sample(Exp1);
                    t += e / *rate_per_ms;
                    if t > *stop {
                        break;
                    }
                    ahead[drawn] = t;
                    drawn += 1;
                }
            }
            // Past the end: no further spikes and no further draws.
            ahead[drawn..].fill(f64::INFINITY);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::source_stream;

    fn count_poisson(rate: f64, start: f64, duration: f64) -> (usize, f64, f64) {
        let params = PoissonParams {
            rate,
            start,
            duration,
        };
        let mut source = Source::poisson(&params, source_stream(3, "poisson", 0));
        let (mut n, mut first, mut last) = (0, f64::NAN, f64::NAN);
        while let Some(t) = source.next_time() {
            if n == 0 {
                first = t;
            }
            last = t;
            n += 1;
            source.advance();
        }
        (n, first, last)
    }

    #[test]
    fn poisson_count_matches_rate_within_four_sigma() {
        // 5 kHz for 20 s: expect 100000 ± 316.
        let (n, first, last) = count_poisson(5000.0, 100.0, 20000.0);
        assert!((n as f64 - 1e5).abs() < 4.0 * 1e5f64.sqrt(), "{n}");
        assert!(first > 100.0 && last <= 20100.0);
    }

    #[test]
    fn zero_rate_never_fires() {
        assert_eq!(count_poisson(0.0, 0.0, 1e10).0, 0);
    }

    #[test]
    fn array_replays_times() {
        let params = ArrayParams {
            spike_times: crate::config::SpikeTimes::Shared(vec![1.0, 2.5]),
        };
        let mut s = Source::array(&params, 0);
        assert_eq!(s.next_time(), Some(1.0));
        s.advance();
        assert_eq!(s.next_time(), Some(2.5));
        s.advance();
        assert_eq!(s.next_time(), None);
    }
}

//! numpy's legacy `np.random.RandomState(seed)` stream, bit for bit: the 32-bit Mersenne Twister
//! (MT19937) seeded with `init_genrand`, and the three draws the Yin-Yang generator uses.
//!
//! | numpy | here |
//! |---|---|
//! | `RandomState(seed)` (an integer seed) | [`Mt19937::new`] |
//! | `RandomState(seed)._bit_generator.random_raw()` | [`Mt19937::next_u32`] |
//! | `RandomState.rand()` / `random_sample()` | [`Mt19937::rand`] |
//! | `RandomState.randint(n)` | [`Mt19937::randint`] |
//!
//! Checked against numpy for several seeds by `tests/fixtures/mt19937_streams.json`
//! (made by `tests/oracles/mt19937_streams.py`).

/// Words of state.
const N: usize = 624;
/// Offset of the word mixed into each new one.
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// A 32-bit Mersenne Twister that draws exactly what numpy's legacy `RandomState` draws.
#[derive(Debug, Clone)]
pub struct Mt19937 {
    state: [u32; N],
    /// Next word of `state` to temper; `N` means the state must be regenerated first.
    index: usize,
}

impl Mt19937 {
    /// The stream of `np.random.RandomState(seed)` (numpy's `mt19937_seed`, which is Matsumoto and
    /// Nishimura's `init_genrand`): `mt[0] = seed`,
    /// `mt[i] = 1812433253 * (mt[i-1] ^ (mt[i-1] >> 30)) + i` mod 2^32.
    pub fn new(seed: u32) -> Self {
        let mut state = [0u32; N];
        state[0] = seed;
        for i in 1..N {
            let previous = state[i - 1];
            state[i] = 1_812_433_253u32
                .wrapping_mul(previous ^ (previous >> 30))
                .wrapping_add(i as u32);
        }
        Self { state, index: N }
    }

    /// The next raw 32-bit output (tempered).
    pub fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            self.regenerate();
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// A uniform double in [0, 1) with 53 random bits, as numpy's `rand()`: two draws `a` then
    /// `b`, `((a >> 5) * 67108864 + (b >> 6)) / 9007199254740992`.
    pub fn rand(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// A uniform integer in `0..n`, as `RandomState.randint(n)`: numpy's legacy masked rejection
    /// on 32-bit draws. With `mask` the smallest `2^k - 1 >= n - 1`, draw `v = next_u32() & mask`
    /// until `v <= n - 1`. `randint(1)` is 0 and draws nothing, as in numpy.
    ///
    /// # Panics
    /// If `n` is 0 (numpy raises `ValueError: high <= 0`).
    pub fn randint(&mut self, n: u32) -> u32 {
        assert!(n > 0, "randint(0): the range 0..0 is empty");
        let max = n - 1;
        if max == 0 {
            return 0;
        }
        let mask = u32::MAX >> max.leading_zeros();
        loop {
            let v = self.next_u32() & mask;
            if v <= max {
                return v;
            }
        }
    }

    /// The next `N` words of state (the twist).
    fn regenerate(&mut self) {
        for i in 0..N {
            let y = (self.state[i] & UPPER_MASK) | (self.state[(i + 1) % N] & LOWER_MASK);
            let mag = if y & 1 == 0 { 0 } else { MATRIX_A };
            self.state[i] = self.state[(i + M) % N] ^ (y >> 1) ^ mag;
        }
        self.index = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Deserialize)]
    struct Fixture {
        streams: Vec<Stream>,
    }

    #[derive(Deserialize)]
    struct Stream {
        seed: u32,
        /// (position in the stream, value).
        u32: Vec<(usize, u32)>,
        /// `rand()` values as Python repr strings.
        rand: Vec<String>,
        /// `randint(n)` draws by `n`.
        randint: BTreeMap<u32, Randints>,
    }

    #[derive(Deserialize)]
    struct Randints {
        values: Vec<u32>,
        next_u32_after: u32,
    }

    fn fixture() -> Fixture {
        serde_json::from_str(include_str!("../../../tests/fixtures/mt19937_streams.json")).unwrap()
    }

    #[test]
    fn raw_outputs_match_numpy_across_regenerations() {
        for stream in fixture().streams {
            let mut rng = Mt19937::new(stream.seed);
            let mut position = 0;
            for (at, expected) in stream.u32 {
                while position < at {
                    rng.next_u32();
                    position += 1;
                }
                assert_eq!(
                    rng.next_u32(),
                    expected,
                    "seed {} position {at}",
                    stream.seed
                );
                position += 1;
            }
        }
    }

    #[test]
    fn rand_matches_numpy_bit_for_bit() {
        for stream in fixture().streams {
            let mut rng = Mt19937::new(stream.seed);
            for (i, text) in stream.rand.iter().enumerate() {
                let expected: f64 = text.parse().unwrap();
                let got = rng.rand();
                assert_eq!(
                    got.to_bits(),
                    expected.to_bits(),
                    "seed {} draw {i}",
                    stream.seed
                );
            }
        }
    }

    #[test]
    fn randint_matches_numpy_and_consumes_the_same_draws() {
        for stream in fixture().streams {
            for (n, draws) in &stream.randint {
                let mut rng = Mt19937::new(stream.seed);
                let got: Vec<u32> = (0..draws.values.len()).map(|_| rng.randint(*n)).collect();
                assert_eq!(got, draws.values, "seed {} randint({n})", stream.seed);
                assert_eq!(
                    rng.next_u32(),
                    draws.next_u32_after,
                    "seed {} n {n}",
                    stream.seed
                );
            }
        }
    }

    #[test]
    fn the_reference_seed_gives_the_reference_output() {
        // Matsumoto and Nishimura's init_genrand(5489): first output 3499211612.
        assert_eq!(Mt19937::new(5489).next_u32(), 3_499_211_612);
    }
}

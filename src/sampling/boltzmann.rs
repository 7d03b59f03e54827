//! Boltzmann targets p*(z) ∝ exp(½ zᵀWz + bᵀz) over n binary units z ∈ {0, 1}ⁿ, and their exact
//! distribution and moments by enumeration of all 2ⁿ joint states.
//!
//! Weights and biases are dimensionless (the "theoretical" units of the Boltzmann machine; the
//! translation to synaptic weights and resting potentials is done elsewhere).
//!
//! States are indexed by z read as a binary number with z_1 (unit 0) the most significant bit:
//! for n = 3, index 4 = 0b100 is z = (1, 0, 0). [`unit_mask`] gives the bit of a unit.
//!
//! Enumeration is limited to n ≤ [`MAX_UNITS`] = 20 (2²⁰ states, 8 MiB per distribution); larger
//! targets are rejected with [`BoltzmannError::TooManyUnits`] when they are built. Computing the
//! distribution costs O(2ⁿ · n) (Gray-code order with incremental energy updates): about 25 ms for
//! n = 20 in release builds.

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::rng::target_stream;

/// Largest number of units whose distribution is computed exactly (all 2ⁿ states are enumerated).
pub const MAX_UNITS: usize = 20;

/// The bit (a mask with one bit set) of unit `k` in a joint-state index of `n` units; unit 0 (z_1)
/// is the most significant bit.
pub fn unit_mask(n: usize, k: usize) -> u32 {
    debug_assert!(k < n && n <= 32);
    1 << (n - 1 - k)
}

/// A problem with Boltzmann weights, biases or the parameters of a random target. Displays as one
/// sentence naming the problem and the offending indices (it does not repeat the field name; the
/// configuration layer prefixes it with the field, see [`BoltzmannError::field`]).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BoltzmannError {
    /// No units at all.
    #[error("there must be at least one unit, but none were given")]
    Empty,
    /// More units than can be enumerated exactly.
    #[error(
        "n = {n} units is too many: the exact distribution enumerates all 2^n states and n = {max} is the limit",
        max = MAX_UNITS
    )]
    TooManyUnits {
        /// The number of units asked for.
        n: usize,
    },
    /// A row of the weight matrix has the wrong length.
    #[error("the matrix must be square, but row {row} has {len} entries and there are {n} rows")]
    NotSquare {
        /// Index of the offending row.
        row: usize,
        /// Its length.
        len: usize,
        /// Number of rows.
        n: usize,
    },
    /// The number of biases differs from the number of units.
    #[error("{len} values were given for {n} units (the weight matrix is {n}×{n})")]
    BiasLength {
        /// Number of biases given.
        len: usize,
        /// Number of units (rows of the weight matrix).
        n: usize,
    },
    /// A weight is NaN or infinite.
    #[error("W[{i}][{j}] = {value:?} is not finite")]
    NonFiniteWeight {
        /// Row.
        i: usize,
        /// Column.
        j: usize,
        /// The value.
        value: f64,
    },
    /// A bias is NaN or infinite.
    #[error("b[{i}] = {value:?} is not finite")]
    NonFiniteBias {
        /// Unit.
        i: usize,
        /// The value.
        value: f64,
    },
    /// A diagonal weight is not exactly zero.
    #[error("the diagonal must be zero, but W[{i}][{i}] = {value:?}")]
    NonZeroDiagonal {
        /// Unit.
        i: usize,
        /// The value.
        value: f64,
    },
    /// The weight matrix is not symmetric (beyond a relative 1e-12).
    #[error("the matrix is not symmetric: W[{i}][{j}] = {w_ij:?} but W[{j}][{i}] = {w_ji:?}")]
    Asymmetric {
        /// Row of the first entry.
        i: usize,
        /// Column of the first entry.
        j: usize,
        /// `W[i][j]`.
        w_ij: f64,
        /// `W[j][i]`.
        w_ji: f64,
    },
    /// The parameters of a random target's distribution are invalid.
    #[error("{0}")]
    InvalidDistribution(String),
}

impl BoltzmannError {
    /// Which input the error is about: `"weights"`, `"biases"`, `"n"` (the number of units: from
    /// `random`, or the number of rows of explicit weights) or `"distribution"`.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Empty | Self::TooManyUnits { .. } => "n",
            Self::BiasLength { .. } | Self::NonFiniteBias { .. } => "biases",
            Self::InvalidDistribution(_) => "distribution",
            Self::NotSquare { .. }
            | Self::NonFiniteWeight { .. }
            | Self::NonZeroDiagonal { .. }
            | Self::Asymmetric { .. } => "weights",
        }
    }
}

/// The distribution every weight and bias of a random target is drawn from (dimensionless).
/// In TOML: `{ type = "uniform", low = -1.0, high = 1.0 }` or `{ type = "normal", mean = 0.0, std = 1.0 }`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TargetDistribution {
    /// Uniform on [low, high).
    Uniform {
        /// Lower end (included).
        low: f64,
        /// Upper end (excluded); must be ≥ low.
        high: f64,
    },
    /// Normal (Gaussian) with the given mean and standard deviation.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation, ≥ 0.
        std: f64,
    },
}

impl TargetDistribution {
    fn validate(&self) -> Result<(), BoltzmannError> {
        match *self {
            Self::Uniform { low, high } if !(low.is_finite() && high.is_finite() && low <= high) => {
                Err(BoltzmannError::InvalidDistribution(format!(
                    "a uniform distribution needs finite low <= high, but low = {low:?} and high = {high:?}"
                )))
            }
            Self::Normal { mean, std } if !(mean.is_finite() && std.is_finite() && std >= 0.0) => {
                Err(BoltzmannError::InvalidDistribution(format!(
                    "a normal distribution needs a finite mean and a finite std >= 0, but mean = {mean:?} and std = {std:?}"
                )))
            }
            _ => Ok(()),
        }
    }

    /// One draw. Uniform: `low + (high − low)·u` with one u ∈ [0, 1). Normal: Box–Muller from two
    /// uniforms, `mean + std·√(−2 ln u₁)·cos(2π u₂)` with u₁ = 1 − (first draw) ∈ (0, 1] and
    /// u₂ = second draw ∈ [0, 1); the sine partner is not kept.
    fn draw(&self, rng: &mut impl Rng) -> f64 {
        match *self {
            Self::Uniform { low, high } => low + (high - low) * rng.random::<f64>(),
            Self::Normal { mean, std } => {
                let u1 = 1.0 - rng.random::<f64>();
                let u2 = rng.random::<f64>();
                mean + std * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
            }
        }
    }
}

/// A Boltzmann distribution p*(z) ∝ exp(½ zᵀWz + bᵀz) over n ≤ [`MAX_UNITS`] binary units, with a
/// symmetric, zero-diagonal weight matrix W and biases b (dimensionless).
#[derive(Debug, Clone, PartialEq)]
pub struct Boltzmann {
    n: usize,
    /// Row-major n×n, exactly symmetric, zero diagonal.
    weights: Vec<f64>,
    biases: Vec<f64>,
}

impl Boltzmann {
    /// Validate and build a target from the weight matrix (rows) and biases. W must be square
    /// n×n with 1 ≤ n ≤ [`MAX_UNITS`], have exactly zero diagonal and be symmetric up to
    /// |W_ij − W_ji| ≤ 1e-12·max(1, |W_ij|); every value must be finite and there must be n
    /// biases. The stored matrix is the symmetric part (W + Wᵀ)/2.
    pub fn new(weights: Vec<Vec<f64>>, biases: Vec<f64>) -> Result<Self, BoltzmannError> {
        let n = weights.len();
        if n == 0 {
            return Err(BoltzmannError::Empty);
        }
        if let Some((row, r)) = weights.iter().enumerate().find(|(_, r)| r.len() != n) {
            return Err(BoltzmannError::NotSquare {
                row,
                len: r.len(),
                n,
            });
        }
        if n > MAX_UNITS {
            return Err(BoltzmannError::TooManyUnits { n });
        }
        if biases.len() != n {
            return Err(BoltzmannError::BiasLength {
                len: biases.len(),
                n,
            });
        }
        for (i, row) in weights.iter().enumerate() {
            if let Some((j, &value)) = row.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(BoltzmannError::NonFiniteWeight { i, j, value });
            }
        }
        if let Some((i, &value)) = biases.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(BoltzmannError::NonFiniteBias { i, value });
        }
        for (i, row) in weights.iter().enumerate() {
            if row[i] != 0.0 {
                return Err(BoltzmannError::NonZeroDiagonal { i, value: row[i] });
            }
        }
        for (i, j) in upper_pairs(n) {
            let (w_ij, w_ji) = (weights[i][j], weights[j][i]);
            if (w_ij - w_ji).abs() > 1e-12 * w_ij.abs().max(1.0) {
                return Err(BoltzmannError::Asymmetric { i, j, w_ij, w_ji });
            }
        }
        let upper = upper_pairs(n).map(|(i, j)| 0.5 * (weights[i][j] + weights[j][i]));
        Ok(Self::from_upper(n, upper, biases))
    }

    /// A random target of `n` units: every weight and bias drawn independently from `dist`, using
    /// the stream [`crate::rng::target_stream`]`(seed, index)`. Order of the draws: the upper
    /// triangle of W row by row (`W[0][1]`, `W[0][2]`, …, `W[0][n−1]`, `W[1][2]`, …, `W[n−2][n−1]`), mirrored
    /// to the lower triangle, then `b[0]`, …, `b[n−1]`. The same (n, seed, dist, index) always gives
    /// the same target.
    pub fn random(
        n: usize,
        seed: u64,
        dist: TargetDistribution,
        index: u64,
    ) -> Result<Self, BoltzmannError> {
        if n == 0 {
            return Err(BoltzmannError::Empty);
        }
        if n > MAX_UNITS {
            return Err(BoltzmannError::TooManyUnits { n });
        }
        dist.validate()?;
        let mut rng = target_stream(seed, index);
        let upper: Vec<f64> = upper_pairs(n).map(|_| dist.draw(&mut rng)).collect();
        let biases = (0..n).map(|_| dist.draw(&mut rng)).collect();
        Ok(Self::from_upper(n, upper.into_iter(), biases))
    }

    /// The target with the upper triangle of W given in [`upper_pairs`] order, mirrored.
    fn from_upper(n: usize, upper: impl Iterator<Item = f64>, biases: Vec<f64>) -> Self {
        let mut weights = vec![0.0; n * n];
        for ((i, j), w) in upper_pairs(n).zip(upper) {
            weights[i * n + j] = w;
            weights[j * n + i] = w;
        }
        Self { n, weights, biases }
    }

    /// Number of units.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of joint states, 2ⁿ.
    pub fn n_states(&self) -> usize {
        1 << self.n
    }

    /// Weight W_ij (dimensionless; symmetric, zero on the diagonal).
    pub fn weight(&self, i: usize, j: usize) -> f64 {
        self.weights[i * self.n + j]
    }

    /// Bias b_i (dimensionless).
    pub fn bias(&self, i: usize) -> f64 {
        self.biases[i]
    }

    /// The weight matrix as rows (dimensionless).
    pub fn weights(&self) -> Vec<Vec<f64>> {
        self.weights.chunks(self.n).map(<[f64]>::to_vec).collect()
    }

    /// The biases (dimensionless).
    pub fn biases(&self) -> &[f64] {
        &self.biases
    }

    /// Unnormalised log-probability ½ zᵀWz + bᵀz of the joint state with index `state`
    /// (z_1 = most significant bit). Panics if `state ≥ 2ⁿ`.
    pub fn log_weight(&self, state: u32) -> f64 {
        assert!(
            (state as usize) < self.n_states(),
            "state {state} out of range"
        );
        let on: Vec<usize> = (0..self.n)
            .filter(|&k| state & unit_mask(self.n, k) != 0)
            .collect();
        let mut sum = 0.0;
        for (a, &i) in on.iter().enumerate() {
            sum += self.biases[i];
            for &j in &on[a + 1..] {
                sum += self.weight(i, j);
            }
        }
        sum
    }

    /// Unnormalised log-probabilities of all 2ⁿ states, by index, computed in Gray-code order:
    /// the first n − m units (m = min(n, 10)) are set exactly for each block of 2^m states, and
    /// within a block one unit flips per state and the energy is updated from the local fields in
    /// O(m), so rounding accumulates over at most 2^m updates.
    pub fn log_weights(&self) -> Vec<f64> {
        let n = self.n;
        let m = n.min(10);
        let low = n - m; // first unit of the low block; low unit k has bit n − 1 − k < m.
        let mut out = vec![0.0; 1 << n];
        let mut field = vec![0.0; m]; // local field of low unit low + a
        for high in 0..(1usize << low) {
            let base = (high << m) as u32;
            let mut lw = self.log_weight(base);
            for (a, f) in field.iter_mut().enumerate() {
                let k = low + a;
                *f = self.biases[k]
                    + (0..low)
                        .filter(|&i| base & unit_mask(n, i) != 0)
                        .map(|i| self.weight(k, i))
                        .sum::<f64>();
            }
            let mut state = base;
            out[state as usize] = lw;
            for step in 1..(1u32 << m) {
                let bit = step.trailing_zeros() as usize; // bit < m
                let k = n - 1 - bit;
                let a = k - low;
                let mask = 1u32 << bit;
                let sign = if state & mask == 0 { 1.0 } else { -1.0 };
                lw += sign * field[a];
                state ^= mask;
                let row = &self.weights[k * n + low..k * n + n];
                for (f, &w) in field.iter_mut().zip(row) {
                    *f += sign * w;
                }
                out[state as usize] = lw;
            }
        }
        out
    }

    /// ln Z, the log of the partition function Σ_z exp(½ zᵀWz + bᵀz).
    pub fn log_partition(&self) -> f64 {
        let lw = self.log_weights();
        let max = lw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        max + compensated_sum(lw.iter().map(|&l| (l - max).exp())).ln()
    }

    /// The exact distribution p*(z) over all 2ⁿ states (index: z_1 the most significant bit),
    /// normalised by log-sum-exp with a compensated sum.
    pub fn probabilities(&self) -> Vec<f64> {
        let mut p = self.log_weights();
        let max = p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for x in &mut p {
            *x = (*x - max).exp();
        }
        let z = compensated_sum(p.iter().copied());
        for x in &mut p {
            *x /= z;
        }
        p
    }

    /// Exact marginals <z_k> under p*, k = 0..n.
    pub fn marginals(&self) -> Vec<f64> {
        moments(&self.probabilities(), self.n).0
    }

    /// Exact second moments <z_i z_j> under p*, n×n row-major, with <z_i> on the diagonal.
    pub fn pairwise(&self) -> Vec<f64> {
        moments(&self.probabilities(), self.n).1
    }
}

/// The index pairs (i, j) with i < j of n units, row by row: (0, 1), (0, 2), …, (n − 2, n − 1).
pub fn upper_pairs(n: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..n).flat_map(move |i| (i + 1..n).map(move |j| (i, j)))
}

/// Σ of the terms with Neumaier's compensation.
pub(crate) fn compensated_sum(terms: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut c) = (0.0f64, 0.0f64);
    for x in terms {
        let t = sum + x;
        c += if sum.abs() >= x.abs() {
            (sum - t) + x
        } else {
            (x - t) + sum
        };
        sum = t;
    }
    sum + c
}

/// First and second moments of a distribution `p` over the 2ⁿ joint states of `n` units (index:
/// z_1 the most significant bit): the marginals <z_k> (length n) and <z_i z_j> (n×n row-major,
/// diagonal <z_i>). `p` need not be normalised: the moments are Σ p(z)·z_k and Σ p(z)·z_i z_j.
/// Works for exact and sampled distributions alike. Computed by the superset-sum transform,
/// O(n·2ⁿ) additions of non-negative terms (about 20 ms for n = 20; 2ⁿ f64 of scratch memory).
/// Panics if `p.len() != 2ⁿ` or n > 32.
pub fn moments(p: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    assert!(
        n <= 32 && p.len() == 1usize << n,
        "moments: {} states for n = {n}",
        p.len()
    );
    // After the passes over bits 0..=m, f[s] = Σ p(z) over the z that equal s on the bits above m
    // and contain s's bits at or below m; at the end f[mask] = Σ_{z ⊇ mask} p(z).
    let mut f = p.to_vec();
    for bit in 0..n {
        let half = 1usize << bit;
        for block in f.chunks_mut(2 * half) {
            let (without, with) = block.split_at_mut(half);
            for (a, b) in without.iter_mut().zip(with.iter()) {
                *a += *b;
            }
        }
    }
    let mut pair = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            pair[i * n + j] = f[(unit_mask(n, i) | unit_mask(n, j)) as usize];
        }
    }
    let marginals = (0..n).map(|i| pair[i * n + i]).collect();
    (marginals, pair)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rand::Rng;

    /// |a − b| ≤ tol.
    pub(crate) fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn two_units_match_the_hand_computed_partition_sum() {
        // Z = 1 + e^{b2} + e^{b1} + e^{b1 + b2 + w}; index 1 = (z1, z2) = (0, 1), 2 = (1, 0).
        let (w, b1, b2) = (0.7, -0.4, 1.3);
        let bm = Boltzmann::new(vec![vec![0.0, w], vec![w, 0.0]], vec![b1, b2]).unwrap();
        let z = 1.0 + b2.exp() + b1.exp() + (b1 + b2 + w).exp();
        let expected = [1.0 / z, b2.exp() / z, b1.exp() / z, (b1 + b2 + w).exp() / z];
        let p = bm.probabilities();
        for (s, (&got, &want)) in p.iter().zip(&expected).enumerate() {
            assert!(close(got, want, 1e-15), "state {s}: {got} vs {want}");
        }
        assert!(close(bm.log_partition(), z.ln(), 1e-15));
        let m = bm.marginals();
        assert!(close(m[0], expected[2] + expected[3], 1e-15));
        assert!(close(m[1], expected[1] + expected[3], 1e-15));
        let c = bm.pairwise();
        assert!(close(c[1], expected[3], 1e-15) && c[1] == c[2]);
        assert_eq!((c[0], c[3]), (m[0], m[1]));
    }

    #[test]
    fn log_weight_reads_unit_0_as_the_most_significant_bit() {
        let w = vec![
            vec![0.0, 0.5, -0.3],
            vec![0.5, 0.0, 0.2],
            vec![-0.3, 0.2, 0.0],
        ];
        let bm = Boltzmann::new(w, vec![0.1, -0.4, 0.2]).unwrap();
        assert_eq!(unit_mask(3, 0), 0b100);
        assert_eq!(unit_mask(3, 2), 0b001);
        assert_eq!(bm.log_weight(0), 0.0);
        assert!(close(bm.log_weight(0b100), 0.1, 1e-15)); // z = (1, 0, 0)
        assert!(close(bm.log_weight(0b001), 0.2, 1e-15)); // z = (0, 0, 1)
        assert!(close(bm.log_weight(0b101), 0.1 + 0.2 - 0.3, 1e-15));
        assert!(close(
            bm.log_weight(0b111),
            0.1 - 0.4 + 0.2 + 0.5 - 0.3 + 0.2,
            1e-15
        ));
    }

    /// The numpy/scipy oracle fixture (tests/oracles/boltzmann_enumeration.py).
    pub(crate) const FIXTURE: &str =
        include_str!("../../tests/fixtures/boltzmann_enumeration.json");

    /// One exact target of the fixture.
    #[derive(serde::Deserialize)]
    pub(crate) struct FixtureTarget {
        pub name: String,
        pub weights: Vec<Vec<f64>>,
        pub biases: Vec<f64>,
        log_partition: f64,
        log_weights: Vec<f64>,
        p: Vec<f64>,
        marginals: Vec<f64>,
        pairwise: Vec<Vec<f64>>,
    }

    /// The targets of the fixture.
    pub(crate) fn fixture_targets() -> Vec<FixtureTarget> {
        #[derive(serde::Deserialize)]
        struct Fixture {
            targets: Vec<FixtureTarget>,
        }
        serde_json::from_str::<Fixture>(FIXTURE).unwrap().targets
    }

    #[test]
    fn enumeration_matches_the_numpy_oracle() {
        let targets = fixture_targets();
        assert_eq!(targets.len(), 3);
        for t in targets {
            let bm = Boltzmann::new(t.weights, t.biases).unwrap();
            let n = bm.n();
            for (s, (&got, &want)) in bm.log_weights().iter().zip(&t.log_weights).enumerate() {
                assert!(
                    close(got, want, 1e-12 * want.abs().max(1.0)),
                    "{} lw[{s}]",
                    t.name
                );
            }
            assert!(close(
                bm.log_partition(),
                t.log_partition,
                1e-12 * t.log_partition.abs().max(1.0)
            ));
            let p = bm.probabilities();
            assert_eq!(p.len(), t.p.len());
            for (s, (&got, &want)) in p.iter().zip(&t.p).enumerate() {
                assert!(
                    close(got, want, 1e-12 * want),
                    "{} p[{s}] {got} vs {want}",
                    t.name
                );
            }
            let (m, c) = moments(&p, n);
            for k in 0..n {
                assert!(close(m[k], t.marginals[k], 1e-13), "{} <z_{k}>", t.name);
                for j in 0..n {
                    assert!(
                        close(c[k * n + j], t.pairwise[k][j], 1e-13),
                        "{} <z_{k} z_{j}>",
                        t.name
                    );
                }
            }
        }
    }

    #[test]
    fn gray_code_enumeration_matches_direct_evaluation_across_blocks() {
        // n = 13: three high units set exactly per block, ten low units in Gray-code order.
        let bm = Boltzmann::random(
            13,
            5,
            TargetDistribution::Normal {
                mean: 0.0,
                std: 2.0,
            },
            0,
        )
        .unwrap();
        let lw = bm.log_weights();
        let mut worst: f64 = 0.0;
        for (s, &l) in lw.iter().enumerate() {
            worst = worst.max((l - bm.log_weight(s as u32)).abs());
        }
        assert!(worst < 1e-11, "largest deviation {worst}");
    }

    #[test]
    fn twenty_units_enumerate_fast_and_normalised() {
        let bm = Boltzmann::random(
            20,
            3,
            TargetDistribution::Uniform {
                low: -1.0,
                high: 1.0,
            },
            0,
        )
        .unwrap();
        let start = std::time::Instant::now();
        let p = bm.probabilities();
        let elapsed = start.elapsed();
        eprintln!("n = 20 enumeration: {elapsed:?}");
        assert_eq!(p.len(), 1 << 20);
        assert!(close(compensated_sum(p.iter().copied()), 1.0, 1e-12));
        let log_z = bm.log_partition();
        for s in [0u32, 1, 0x5555, 0x80000, 0xF0F0F, 0xFFFFF] {
            let want = (bm.log_weight(s) - log_z).exp();
            assert!(close(p[s as usize], want, 1e-11 * want), "state {s}");
        }
        // Generous bound (measured ~25 ms in release); catches an accidental O(4^n) or O(n^2 2^n).
        assert!(elapsed.as_secs_f64() < 5.0, "{elapsed:?}");
    }

    #[test]
    fn moments_of_a_sampled_distribution() {
        // States (z1, z2): 00, 01, 10, 11 with weights 0.1, 0.2, 0.3, 0.4.
        let (m, c) = moments(&[0.1, 0.2, 0.3, 0.4], 2);
        assert!(close(m[0], 0.7, 1e-15) && close(m[1], 0.6, 1e-15));
        assert!(close(c[1], 0.4, 1e-15) && close(c[2], 0.4, 1e-15));
        assert_eq!((c[0], c[3]), (m[0], m[1]));
    }

    fn error_of(w: Vec<Vec<f64>>, b: Vec<f64>) -> String {
        Boltzmann::new(w, b).unwrap_err().to_string()
    }

    #[test]
    fn invalid_targets_are_rejected_with_one_clear_sentence() {
        let z3 = || vec![vec![0.0; 3]; 3];
        assert_eq!(
            error_of(vec![], vec![]),
            "there must be at least one unit, but none were given"
        );
        assert_eq!(
            error_of(vec![vec![0.0, 1.0], vec![1.0]], vec![0.0, 0.0]),
            "the matrix must be square, but row 1 has 1 entries and there are 2 rows"
        );
        assert_eq!(
            error_of(z3(), vec![0.0; 2]),
            "2 values were given for 3 units (the weight matrix is 3×3)"
        );
        let mut w = z3();
        w[1][2] = f64::NAN;
        assert_eq!(error_of(w, vec![0.0; 3]), "W[1][2] = NaN is not finite");
        assert_eq!(
            error_of(z3(), vec![0.0, f64::INFINITY, 0.0]),
            "b[1] = inf is not finite"
        );
        let mut w = z3();
        w[2][2] = 1e-300;
        assert_eq!(
            error_of(w, vec![0.0; 3]),
            "the diagonal must be zero, but W[2][2] = 1e-300"
        );
        let mut w = z3();
        w[0][2] = 0.3;
        w[2][0] = -0.3;
        let e = Boltzmann::new(w, vec![0.0; 3]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the matrix is not symmetric: W[0][2] = 0.3 but W[2][0] = -0.3"
        );
        assert_eq!(e.field(), "weights");
        let e = Boltzmann::new(vec![vec![0.0; 21]; 21], vec![0.0; 21]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "n = 21 units is too many: the exact distribution enumerates all 2^n states and n = 20 is the limit"
        );
        assert_eq!(e.field(), "n");
        assert_eq!(
            BoltzmannError::BiasLength { len: 1, n: 2 }.field(),
            "biases"
        );
    }

    #[test]
    fn symmetry_tolerance_is_relative_1e_12_and_the_stored_matrix_is_symmetrised() {
        let w = |d: f64| vec![vec![0.0, 1e3], vec![1e3 + d, 0.0]];
        let bm = Boltzmann::new(w(5e-10), vec![0.0; 2]).unwrap(); // 5e-13 relative
        assert_eq!(bm.weight(0, 1), bm.weight(1, 0));
        assert!(close(bm.weight(0, 1), 1e3 + 2.5e-10, 1e-12));
        assert!(matches!(
            Boltzmann::new(w(2e-9), vec![0.0; 2]), // 2e-12 relative
            Err(BoltzmannError::Asymmetric { i: 0, j: 1, .. })
        ));
        // Below |W| = 1 the tolerance is absolute 1e-12.
        let small = |d: f64| vec![vec![0.0, 1e-3], vec![1e-3 + d, 0.0]];
        assert!(Boltzmann::new(small(5e-13), vec![0.0; 2]).is_ok());
        assert!(Boltzmann::new(small(2e-12), vec![0.0; 2]).is_err());
    }

    #[test]
    fn random_targets_follow_the_documented_draw_order() {
        let dist = TargetDistribution::Uniform {
            low: -1.0,
            high: 3.0,
        };
        let bm = Boltzmann::random(4, 11, dist, 2).unwrap();
        let mut rng = target_stream(11, 2);
        let mut next = || -1.0 + 4.0 * rng.random::<f64>();
        let pairs: Vec<_> = upper_pairs(4).collect();
        assert_eq!(pairs, [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]);
        for (i, j) in pairs {
            let w = next();
            assert_eq!((bm.weight(i, j), bm.weight(j, i)), (w, w));
        }
        for k in 0..4 {
            assert_eq!(bm.bias(k), next());
            assert_eq!(bm.weight(k, k), 0.0);
        }
        assert_eq!(bm, Boltzmann::random(4, 11, dist, 2).unwrap());
        assert_ne!(bm, Boltzmann::random(4, 11, dist, 3).unwrap());
        assert_ne!(bm, Boltzmann::random(4, 12, dist, 2).unwrap());
        // The weights and biases round-trip through the validating constructor.
        assert_eq!(
            Boltzmann::new(bm.weights(), bm.biases().to_vec()).unwrap(),
            bm
        );
    }

    fn mean_and_std(values: &[f64]) -> (f64, f64) {
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let var =
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (values.len() - 1) as f64;
        (mean, var.sqrt())
    }

    fn all_parameters(dist: TargetDistribution) -> Vec<f64> {
        (0..100)
            .flat_map(|index| {
                let bm = Boltzmann::random(20, 1, dist, index).unwrap();
                let upper: Vec<f64> = (0..20)
                    .flat_map(|i| (i + 1..20).map(move |j| (i, j)))
                    .map(|(i, j)| bm.weight(i, j))
                    .collect();
                upper.into_iter().chain(bm.biases().to_vec())
            })
            .collect()
    }

    #[test]
    fn random_targets_have_the_requested_distribution() {
        // 100 targets × 210 parameters = 21000 draws; the bounds are 5 standard errors.
        let draws = all_parameters(TargetDistribution::Uniform {
            low: -1.0,
            high: 1.0,
        });
        assert_eq!(draws.len(), 21_000);
        assert!(draws.iter().all(|&v| (-1.0..1.0).contains(&v)));
        let (mean, std) = mean_and_std(&draws);
        let se = (1.0f64 / 3.0).sqrt() / (draws.len() as f64).sqrt();
        assert!(mean.abs() < 5.0 * se, "uniform mean {mean}");
        assert!(
            (std - (1.0f64 / 3.0).sqrt()).abs() < 0.01,
            "uniform std {std}"
        );

        let draws = all_parameters(TargetDistribution::Normal {
            mean: 0.5,
            std: 2.0,
        });
        let (mean, std) = mean_and_std(&draws);
        assert!(
            (mean - 0.5).abs() < 5.0 * 2.0 / (draws.len() as f64).sqrt(),
            "normal mean {mean}"
        );
        // Standard error of the sample std ≈ σ/√(2N) ≈ 0.0098.
        assert!((std - 2.0).abs() < 0.05, "normal std {std}");
        let beyond_2_sigma = draws.iter().filter(|&&v| (v - 0.5).abs() > 4.0).count() as f64;
        let expected = 0.0455 * draws.len() as f64; // P(|Z| > 2)
        assert!(
            (beyond_2_sigma - expected).abs() < 5.0 * expected.sqrt(),
            "{beyond_2_sigma} vs {expected}"
        );
    }

    #[test]
    fn target_distributions_parse_from_toml_and_are_validated() {
        #[derive(serde::Deserialize)]
        struct Holder {
            distribution: TargetDistribution,
        }
        let parse = |s: &str| toml::from_str::<Holder>(s).map(|h| h.distribution);
        assert_eq!(
            parse(r#"distribution = { type = "uniform", low = -1.0, high = 1.0 }"#).unwrap(),
            TargetDistribution::Uniform {
                low: -1.0,
                high: 1.0
            }
        );
        assert_eq!(
            parse(r#"distribution = { type = "normal", mean = 0.0, std = 1.0 }"#).unwrap(),
            TargetDistribution::Normal {
                mean: 0.0,
                std: 1.0
            }
        );
        assert!(parse(r#"distribution = { type = "normal", mean = 0.0, sigma = 1.0 }"#).is_err());
        assert!(parse(r#"distribution = { type = "beta", a = 2.0 }"#).is_err());

        let bad = Boltzmann::random(
            3,
            0,
            TargetDistribution::Uniform {
                low: 1.0,
                high: -1.0,
            },
            0,
        )
        .unwrap_err();
        assert_eq!(
            bad.to_string(),
            "a uniform distribution needs finite low <= high, but low = 1.0 and high = -1.0"
        );
        assert_eq!(bad.field(), "distribution");
        let bad = Boltzmann::random(
            3,
            0,
            TargetDistribution::Normal {
                mean: 0.0,
                std: -1.0,
            },
            0,
        );
        assert!(matches!(bad, Err(BoltzmannError::InvalidDistribution(_))));
        let dist = TargetDistribution::Normal {
            mean: 0.0,
            std: 1.0,
        };
        assert_eq!(Boltzmann::random(0, 0, dist, 0), Err(BoltzmannError::Empty));
        assert_eq!(
            Boltzmann::random(21, 0, dist, 0),
            Err(BoltzmannError::TooManyUnits { n: 21 })
        );
    }
}

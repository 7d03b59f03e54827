//! Connection generation, per projection, in a documented order: for each post neuron in
//! ascending index, its pre neurons (ascending for deterministic rules, in draw order for random
//! ones); `from_list` keeps the file's row order. Per-connection weights and delays follow this order.

use rand::{Rng, RngCore};
use rand_chacha::ChaCha8Rng;

use crate::config::Connector;

/// One generated connection: local indices, and the row's own (weight, delay) for `from_list`
/// rows that carry them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Generated {
    /// Index within the pre population.
    pub pre: u32,
    /// Index within the post population.
    pub post: u32,
    /// Weight and delay from a 4-column `from_list` row.
    pub values: Option<(f64, f64)>,
}

/// Sizes and identity of the two populations a connector joins.
#[derive(Clone, Copy, Debug)]
pub struct Ends {
    /// Size of the pre population.
    pub n_pre: usize,
    /// Size of the post population.
    pub n_post: usize,
    /// Whether pre and post are the same population (self connections possible).
    pub same: bool,
}

/// Generate all connections of `connector` between populations of the given sizes, handing
/// each to `each` in generation order (nothing is collected: a projection of any size costs
/// only its connector's scratch).
pub fn generate(
    connector: &Connector,
    ends: Ends,
    rng: &mut ChaCha8Rng,
    mut each: impl FnMut(Generated),
) {
    let mut push = |pre: usize, post: usize| {
        each(Generated {
            pre: pre as u32,
            post: post as u32,
            values: None,
        })
    };
    let allowed =
        |allow_self: bool, pre: usize, post: usize| allow_self || !ends.same || pre != post;
    match connector {
        Connector::AllToAll {
            allow_self_connections,
        } => {
            for post in 0..ends.n_post {
                for pre in 0..ends.n_pre {
                    if allowed(*allow_self_connections, pre, post) {
                        push(pre, post);
                    }
                }
            }
        }
        Connector::OneToOne => (0..ends.n_post).for_each(|i| push(i, i)),
        Connector::FixedProbability {
            p,
            allow_self_connections,
        } => {
            let mut bytes = vec![0u8; 8 * ends.n_pre.clamp(1, DRAWS_PER_FILL)];
            let below = UniformThreshold::new(*p);
            for post in 0..ends.n_post {
                for start in (0..ends.n_pre).step_by(DRAWS_PER_FILL) {
                    let n = DRAWS_PER_FILL.min(ends.n_pre - start);
                    rng.fill_bytes(&mut bytes[..8 * n]);
                    for (k, draw) in bytes[..8 * n].chunks_exact(8).enumerate() {
                        let pre = start + k;
                        let draw = u64::from_le_bytes(draw.try_into().expect("8 bytes"));
                        if below.passes(draw) && allowed(*allow_self_connections, pre, post) {
                            push(pre, post);
                        }
                    }
                }
            }
        }
        Connector::FixedNumberPre {
            n,
            allow_self_connections,
            with_replacement,
        } => {
            let mut candidates = Vec::new();
            for post in 0..ends.n_post {
                candidates.clear();
                candidates.extend(
                    (0..ends.n_pre).filter(|&pre| allowed(*allow_self_connections, pre, post)),
                );
                for pre in draw(&candidates, *n as usize, *with_replacement, rng) {
                    push(pre, post);
                }
            }
        }
        Connector::FromList { connections } => {
            for row in connections {
                each(Generated {
                    pre: row[0] as u32,
                    post: row[1] as u32,
                    values: (row.len() == 4).then(|| (row[2], row[3])),
                })
            }
        }
    }
}

/// Draws of `fixed_probability` taken from the stream at once.
const DRAWS_PER_FILL: usize = 4096;

/// `u < p` for `u` drawn uniform in [0, 1) from a 64-bit draw as `rand`'s `random::<f64>()`
/// draws it (its top 53 bits times 2⁻⁵³), decided on the integer: the same outcome, without
/// the conversion. A stream's bytes, read as little-endian 64-bit words, are its `next_u64`
/// draws, so connections come out as if drawn one by one.
#[derive(Clone, Copy, Debug)]
struct UniformThreshold {
    /// The draw's top 53 bits must be below this: ⌈p · 2⁵³⌉.
    below: u64,
}

impl UniformThreshold {
    /// The test `u < p`.
    fn new(p: f64) -> Self {
        // k · 2⁻⁵³ < p ⟺ k < p · 2⁵³ (exact: a power of two) ⟺ k < ⌈p · 2⁵³⌉ for integer k.
        let scaled = (p * (1u64 << 53) as f64).ceil();
        Self {
            below: scaled.clamp(0.0, (1u64 << 53) as f64) as u64,
        }
    }

    /// Whether the 64-bit `draw` gives `u < p`.
    #[inline]
    fn passes(self, draw: u64) -> bool {
        draw >> 11 < self.below
    }
}

/// All connections of `connector`, collected (see [`generate`]).
pub fn collect(connector: &Connector, ends: Ends, rng: &mut ChaCha8Rng) -> Vec<Generated> {
    let mut out = Vec::new();
    generate(connector, ends, rng, |g| out.push(g));
    out
}

/// Draw `n` of `candidates`, with or without replacement (partial Fisher–Yates).
fn draw(
    candidates: &[usize],
    n: usize,
    with_replacement: bool,
    rng: &mut ChaCha8Rng,
) -> Vec<usize> {
    if candidates.is_empty() {
        return Vec::new();
    }
    if with_replacement {
        return (0..n)
            .map(|_| candidates[rng.random_range(0..candidates.len())])
            .collect();
    }
    let mut pool = candidates.to_vec();
    let n = n.min(pool.len());
    for k in 0..n {
        let j = rng.random_range(k..pool.len());
        pool.swap(k, j);
    }
    pool.truncate(n);
    pool
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::connector_stream;

    fn rng() -> ChaCha8Rng {
        connector_stream(1, "pre", "post", 0)
    }

    #[test]
    fn all_to_all_without_self_connections_skips_the_diagonal() {
        let c = Connector::AllToAll {
            allow_self_connections: false,
        };
        let ends = Ends {
            n_pre: 3,
            n_post: 3,
            same: true,
        };
        let made = collect(&c, ends, &mut rng());
        assert_eq!(made.len(), 6);
        assert!(made.iter().all(|g| g.pre != g.post));
    }

    #[test]
    fn fixed_number_pre_gives_exactly_n_distinct_inputs() {
        let c = Connector::FixedNumberPre {
            n: 7,
            allow_self_connections: false,
            with_replacement: false,
        };
        let ends = Ends {
            n_pre: 20,
            n_post: 20,
            same: true,
        };
        let made = collect(&c, ends, &mut rng());
        for post in 0..20u32 {
            let mut pres: Vec<u32> = made
                .iter()
                .filter(|g| g.post == post)
                .map(|g| g.pre)
                .collect();
            assert_eq!(pres.len(), 7);
            assert!(!pres.contains(&post));
            pres.sort_unstable();
            pres.dedup();
            assert_eq!(pres.len(), 7);
        }
    }

    #[test]
    fn fixed_probability_draws_as_one_uniform_draw_per_pair() {
        // The reference: `random::<f64>() < p` per (post, pre) pair, one draw at a time.
        for (p, n_pre, n_post) in [
            (0.3, 5000, 3),
            (0.02, 4097, 2),
            (0.5, 7, 40),
            (1.0, 10, 3),
            (0.0, 10, 3),
            (1.0 - f64::EPSILON, 33, 5),
            (1e-300, 20, 2),
            (0.1, 1, 100),
        ] {
            let mut r = rng();
            let mut expected = Vec::new();
            for post in 0..n_post {
                for pre in 0..n_pre {
                    if r.random::<f64>() < p && pre != post {
                        expected.push((pre as u32, post as u32));
                    }
                }
            }
            let c = Connector::FixedProbability {
                p,
                allow_self_connections: false,
            };
            let ends = Ends {
                n_pre,
                n_post,
                same: true,
            };
            let made: Vec<(u32, u32)> = (collect(&c, ends, &mut rng()).iter())
                .map(|g| (g.pre, g.post))
                .collect();
            assert_eq!(made, expected, "p = {p}, {n_pre} x {n_post}");
        }
        // Exactly at the threshold: k · 2^-53 < p for k = 5 only below p = 5 · 2^-53.
        let at = UniformThreshold::new(5.0 / (1u64 << 53) as f64);
        assert!(at.passes(4 << 11 | 0x7ff) && !at.passes(5 << 11));
        let above = UniformThreshold::new(5.5 / (1u64 << 53) as f64);
        assert!(above.passes(5 << 11 | 0x7ff) && !above.passes(6 << 11));
    }

    #[test]
    fn fixed_probability_density_matches_p() {
        let c = Connector::FixedProbability {
            p: 0.1,
            allow_self_connections: true,
        };
        let ends = Ends {
            n_pre: 300,
            n_post: 300,
            same: false,
        };
        let n = collect(&c, ends, &mut rng()).len() as f64;
        // Binomial(90000, 0.1): mean 9000, sd 90.
        assert!((n - 9000.0).abs() < 4.0 * 90.0, "{n}");
    }
}

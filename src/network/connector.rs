//! Connection generation, per projection, in a documented order: for each post neuron in
//! ascending index, its pre neurons (ascending for deterministic rules, in draw order for random
//! ones); `from_list` keeps the file's row order. Per-connection weights and delays follow this order.

use rand::Rng;
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

/// Generate all connections of `connector` between populations of the given sizes.
pub fn generate(connector: &Connector, ends: Ends, rng: &mut ChaCha8Rng) -> Vec<Generated> {
    let mut out = Vec::new();
    let mut push = |pre: usize, post: usize| {
        out.push(Generated {
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
            for post in 0..ends.n_post {
                for pre in 0..ends.n_pre {
                    if rng.random::<f64>() < *p && allowed(*allow_self_connections, pre, post) {
                        push(pre, post);
                    }
                }
            }
        }
        Connector::FixedNumberPre {
            n,
            allow_self_connections,
            with_replacement,
        } => {
            for post in 0..ends.n_post {
                let candidates: Vec<usize> = (0..ends.n_pre)
                    .filter(|&pre| allowed(*allow_self_connections, pre, post))
                    .collect();
                for pre in draw(&candidates, *n as usize, *with_replacement, rng) {
                    push(pre, post);
                }
            }
        }
        Connector::FromList { connections } => {
            return connections
                .iter()
                .map(|row| Generated {
                    pre: row[0] as u32,
                    post: row[1] as u32,
                    values: (row.len() == 4).then(|| (row[2], row[3])),
                })
                .collect();
        }
    }
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
        let made = generate(&c, ends, &mut rng());
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
        let made = generate(&c, ends, &mut rng());
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
        let n = generate(&c, ends, &mut rng()).len() as f64;
        // Binomial(90000, 0.1): mean 9000, sd 90.
        assert!((n - 9000.0).abs() < 4.0 * 90.0, "{n}");
    }
}

//! Lowering of a [`Background`] into the sampling experiment: the source populations it needs and
//! the background synapses of the samplers (and of probes that receive exactly a sampler's
//! background).
//!
//! Every sampler's sources are drawn once, before the run, from a stream of its own
//! ([`rng::connector_stream`]`(seed, "background:<kind>", "samplers", sampler)`), without
//! replacement: for an ensemble `k_exc + k_inh` samplers of other networks, the first `k_exc`
//! excitatory; for a pool or a noise network `k_exc` of its excitatory part, then `k_inh` of its
//! inhibitory part. The
//! deterministic kinds start from this seeded initial state, and nothing random happens after it:
//! - each sampler's `v` is uniform in `[v_thresh − 5 mV, v_thresh)` and its excitatory
//!   conductance uniform in `[0, kick)` µS (it decays with `tau_syn_E`: a kick that makes the
//!   ensemble start firing in its first milliseconds);
//! - each noise-network neuron's `v` is uniform in `[v_reset, v_thresh)` (sbs).

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{excitatory_count, Background, Inputs, NoiseNetwork};
use crate::config::{
    Cell, Connector, ExperimentBuilder, NeuronParams, PoissonParams, PopulationDesc, Values,
};
use crate::error::RunError;
use crate::neuron::{CondExpParams, Receptor, StateVariable};
use crate::random::RandomDistribution;
use crate::rng;
use crate::sampling::lower::SAMPLERS;

/// Population of the shared Poisson sources of a `poisson_pool` background.
pub const POOL: &str = "background_pool";
/// Population of the excitatory neurons of a noise network.
pub const NOISE_EXC: &str = "noise_network_exc";
/// Population of the inhibitory neurons of a noise network.
pub const NOISE_INH: &str = "noise_network_inh";
/// Width of the initial membrane potentials of samplers below `v_thresh` [mV].
pub const INITIAL_V_WIDTH: f64 = 5.0;

/// The background sources of every sampler, drawn once.
#[derive(Clone, Debug, PartialEq)]
pub struct Wiring {
    /// Population of the excitatory sources, and of the inhibitory ones.
    pub populations: [&'static str; 2],
    /// `sources[0][s]`: indices (within `populations[0]`) of sampler `s`'s excitatory sources;
    /// `sources[1][s]` the inhibitory ones.
    pub sources: [Vec<Vec<u32>>; 2],
    /// Weights of the excitatory and inhibitory inputs [µS].
    pub weights: [f64; 2],
    /// Delay of every input [ms].
    pub delay: f64,
}

impl Wiring {
    /// Draw the sources of `networks × n` samplers under `background` (`None` for `poisson`).
    pub fn draw(background: &Background, seed: u64, networks: usize, n: usize) -> Option<Self> {
        let inputs = background.inputs()?;
        let samplers = networks * n;
        let stream = |s: usize| {
            let name = format!("background:{}", background.kind());
            rng::connector_stream(seed, &name, SAMPLERS, s as u64)
        };
        let (populations, drawn): ([&str; 2], Vec<[Vec<u32>; 2]>) = match background {
            Background::Poisson(_) => return None,
            Background::PoissonPool { pool, gamma, .. } => {
                let n_exc = excitatory_count(*pool, *gamma);
                (
                    [POOL, POOL],
                    (0..samplers)
                        .map(|s| {
                            let mut rng = stream(s);
                            let exc = draw_distinct(n_exc, inputs.k_exc, &mut rng);
                            let inh = draw_distinct(pool - n_exc, inputs.k_inh, &mut rng);
                            [exc, inh.into_iter().map(|i| i + n_exc as u32).collect()]
                        })
                        .collect(),
                )
            }
            Background::Ensemble { .. } => (
                [SAMPLERS, SAMPLERS],
                (0..samplers)
                    .map(|s| {
                        let own = (s / n) * n;
                        let drawn = draw_distinct(samplers - n, inputs.k(), &mut stream(s));
                        // Skip the sampler's own network: candidate c ≥ own is sampler c + n.
                        let global = drawn
                            .into_iter()
                            .map(|c| if c >= own as u32 { c + n as u32 } else { c })
                            .collect();
                        split(global, inputs)
                    })
                    .collect(),
            ),
            Background::NoiseNetwork { network, .. } => (
                [NOISE_EXC, NOISE_INH],
                (0..samplers)
                    .map(|s| {
                        let mut rng = stream(s);
                        [
                            draw_distinct(network.n_exc(), inputs.k_exc, &mut rng),
                            draw_distinct(network.n_inh(), inputs.k_inh, &mut rng),
                        ]
                    })
                    .collect(),
            ),
        };
        let (exc, inh) = drawn.into_iter().map(|[e, i]| (e, i)).unzip();
        Some(Self {
            populations,
            sources: [exc, inh],
            weights: [inputs.weight_exc, inputs.weight_inh],
            delay: inputs.delay,
        })
    }

    /// Add the background synapses onto population `target`, whose neuron `i` receives exactly
    /// the background of sampler `copies[i]`.
    pub fn connect(&self, net: &mut ExperimentBuilder, target: &str, copies: &[usize]) {
        for (r, receptor) in [Receptor::Excitatory, Receptor::Inhibitory]
            .into_iter()
            .enumerate()
        {
            let rows: Vec<Vec<f64>> = copies
                .iter()
                .enumerate()
                .flat_map(|(post, &sampler)| {
                    self.sources[r][sampler]
                        .iter()
                        .map(move |&pre| vec![pre as f64, post as f64, self.weights[r], self.delay])
                })
                .collect();
            if rows.is_empty() {
                continue;
            }
            net.projection(
                self.populations[r],
                target,
                Connector::FromList { connections: rows },
            )
            .receptor(receptor);
        }
    }
}

/// The first `inputs.k_exc` of `drawn` as excitatory sources, the rest as inhibitory.
fn split(mut drawn: Vec<u32>, inputs: &Inputs) -> [Vec<u32>; 2] {
    let inh = drawn.split_off(inputs.k_exc);
    [drawn, inh]
}

/// `k` distinct numbers of `0..m` (k ≤ m), in the order drawn (partial Fisher–Yates).
fn draw_distinct(m: usize, k: usize, rng: &mut ChaCha8Rng) -> Vec<u32> {
    assert!(k <= m, "validated: k ≤ m");
    let mut pool: Vec<u32> = (0..m as u32).collect();
    for i in 0..k {
        let j = rng.random_range(i..m);
        pool.swap(i, j);
    }
    pool.truncate(k);
    pool
}

/// Add the source populations of `background` (none for `poisson` and `ensemble`).
pub fn add_sources(net: &mut ExperimentBuilder, background: &Background) {
    match background {
        Background::PoissonPool { pool, rate, .. } => {
            let poisson = PoissonParams {
                rate: *rate,
                ..PoissonParams::default()
            };
            net.population(POOL, *pool, Cell::poisson(poisson));
        }
        Background::NoiseNetwork { network, .. } => add_noise_network(net, network),
        Background::Poisson(_) | Background::Ensemble { .. } => {}
    }
}

/// The noise network: its two populations, their initial `v` and their fixed-in-degree
/// recurrent connections.
fn add_noise_network(net: &mut ExperimentBuilder, network: &NoiseNetwork) {
    let p = &network.params;
    for (name, size) in [(NOISE_EXC, network.n_exc()), (NOISE_INH, network.n_inh())] {
        net.population(name, size, Cell::IfCurrExp(NeuronParams::Shared(p.clone())))
            .initial_v(Values::Random(RandomDistribution::Uniform {
                low: p.v_reset,
                high: p.v_thresh,
            }));
    }
    let (k_exc, k_inh) = network.in_degree();
    for (pre, n, weight, receptor) in [
        (NOISE_EXC, k_exc, network.weight, Receptor::Excitatory),
        (
            NOISE_INH,
            k_inh,
            -network.g * network.weight,
            Receptor::Inhibitory,
        ),
    ] {
        for post in [NOISE_EXC, NOISE_INH] {
            if n == 0 {
                continue;
            }
            net.projection(
                pre,
                post,
                Connector::FixedNumberPre {
                    n: n as i64,
                    allow_self_connections: false,
                    with_replacement: false,
                },
            )
            .weight(weight)
            .delay(network.delay)
            .receptor(receptor);
        }
    }
}

/// The mean rates [Hz] of the excitatory and the inhibitory neurons of `network` running alone
/// for `duration` [ms] after `burn_in` [ms] (master `seed`: the same initial state and wiring as
/// in the sampling network).
pub fn noise_network_rates(
    network: &NoiseNetwork,
    seed: u64,
    burn_in: f64,
    duration: f64,
) -> Result<(f64, f64), RunError> {
    let mut net = ExperimentBuilder::new("noise network", burn_in + duration);
    net.seed(seed);
    add_noise_network(&mut net, network);
    net.record_spikes(NOISE_EXC).record_spikes(NOISE_INH);
    let recording = crate::run_in_memory(&net.build()?)?;
    let rate = |name: &str, size: usize| {
        let spikes = recording.spikes_of(name).expect("recorded");
        let count = spikes.times.iter().filter(|&&t| t > burn_in).count();
        count as f64 * 1000.0 / (duration * size.max(1) as f64)
    };
    Ok((
        rate(NOISE_EXC, network.n_exc()),
        rate(NOISE_INH, network.n_inh()),
    ))
}

/// The seeded initial state of samplers in a deterministic background (see the module docs).
pub fn kick_samplers(samplers: &mut PopulationDesc, params: &CondExpParams, kick: f64) {
    samplers.initial_v(Values::Random(RandomDistribution::Uniform {
        low: params.v_thresh - INITIAL_V_WIDTH,
        high: params.v_thresh,
    }));
    samplers.initial(
        StateVariable::GsynExc,
        Values::Random(RandomDistribution::Uniform {
            low: 0.0,
            high: kick,
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling::translation::Noise;

    fn inputs(k_exc: usize, k_inh: usize) -> Inputs {
        Inputs {
            k_exc,
            k_inh,
            weight_exc: 0.002,
            weight_inh: 0.003,
            delay: 1.0,
        }
    }

    #[test]
    fn ensemble_sources_are_distinct_and_from_other_networks() {
        let (networks, n) = (6, 4);
        let background = Background::Ensemble {
            inputs: inputs(12, 8),
        };
        let w = Wiring::draw(&background, 3, networks, n).unwrap();
        assert_eq!(w.populations, [SAMPLERS, SAMPLERS]);
        for s in 0..networks * n {
            let all: Vec<u32> = w.sources[0][s]
                .iter()
                .chain(&w.sources[1][s])
                .copied()
                .collect();
            assert_eq!((w.sources[0][s].len(), w.sources[1][s].len()), (12, 8));
            let mut sorted = all.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), 20, "sampler {s} draws a source twice");
            assert!(all.iter().all(|&c| (c as usize) / n != s / n));
            assert!(all.iter().all(|&c| (c as usize) < networks * n));
        }
        // Every candidate is eligible: with k = all 20 others, each sampler gets them all.
        let full = Background::Ensemble {
            inputs: inputs(10, 10),
        };
        let w = Wiring::draw(&full, 3, 6, 4).unwrap();
        let mut got: Vec<u32> = w.sources[0][0]
            .iter()
            .chain(&w.sources[1][0])
            .copied()
            .collect();
        got.sort();
        assert_eq!(got, (4..24).collect::<Vec<u32>>());
    }

    #[test]
    fn the_draw_depends_on_the_seed_alone() {
        let background = Background::PoissonPool {
            pool: 100,
            gamma: 0.5,
            rate: 10.0,
            inputs: inputs(5, 5),
        };
        let a = Wiring::draw(&background, 1, 3, 2).unwrap();
        assert_eq!(a, Wiring::draw(&background, 1, 3, 2).unwrap());
        assert_ne!(a, Wiring::draw(&background, 2, 3, 2).unwrap());
        // Adding networks does not change the sources of the first ones.
        let more = Wiring::draw(&background, 1, 5, 2).unwrap();
        assert_eq!(a.sources[0][..], more.sources[0][..6]);
        assert!(Wiring::draw(&Background::Poisson(Noise::sbs_default()), 1, 3, 2).is_none());
    }

    #[test]
    fn a_partial_fisher_yates_draw_is_uniform() {
        // Each of 10 numbers is among 3 drawn with probability 0.3.
        let mut rng = rng::connector_stream(9, "test", "test", 0);
        let mut hits = [0usize; 10];
        let draws = 20_000;
        for _ in 0..draws {
            for c in draw_distinct(10, 3, &mut rng) {
                hits[c as usize] += 1;
            }
        }
        for h in hits {
            let p = h as f64 / draws as f64;
            // σ = sqrt(0.3·0.7/20000) ≈ 0.0032: 5σ.
            assert!((p - 0.3).abs() < 0.016, "p = {p}");
        }
    }
}

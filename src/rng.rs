//! Random streams keyed by entity, never by thread: every Poisson source, every connector and every
//! random Boltzmann target gets its own ChaCha8 stream, so the same master seed gives the same
//! numbers whatever the order or parallelism of the work.
//!
//! Sources and connectors are keyed by **name**, not by position in the experiment, so that one
//! network's noise and connections do not change when other populations or projections are added
//! before it:
//!
//! - Poisson source `index` of population `P`: [`source_stream`]`(seed, "P", index)`;
//! - the `ordinal`-th projection from `A` to `B` (counting only projections from `A` to `B`, in the
//!   order they are given, from 0): [`connector_stream`]`(seed, "A", "B", ordinal)`.
//!
//! Derivation: [`name_key`] hashes the domain and the names with FNV-1a 64 (stable: it does not
//! depend on the Rust version or the platform); SplitMix64's finaliser mixes that key with the
//! master seed into the `u64` that seeds ChaCha8 (`ChaCha8Rng::seed_from_u64`), and the index
//! (or ordinal) is the ChaCha8 stream number, so two members of one population never share a
//! stream. Random Boltzmann targets keep their own derivation ([`target_stream`]).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Kind of entity a stream belongs to (part of every stream's key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    /// A Poisson spike source, keyed by its population's name and its index in it.
    Source = 1,
    /// A connector, keyed by the names of its pre and post populations and its ordinal.
    Connector = 2,
    /// A random Boltzmann target, keyed by its index.
    Target = 3,
    /// The random values of one parameter (or initial value) of a population, keyed by the
    /// population's name and the parameter's name.
    Parameter = 4,
    /// The random weights or delays of a projection, keyed by its pre and post populations'
    /// names, `weight` or `delay`, and its ordinal.
    ConnectionValue = 5,
    /// A random quantity of a TTFS training job (initial weights of a layer, the shuffle of an
    /// epoch, the input noise of a pattern), keyed by its purpose and numbered by layer, epoch or
    /// pattern.
    Ttfs = 6,
    /// A random quantity of an emulated chip (the fixed pattern of a chip seed, a calibration's
    /// measurements, the trial-to-trial noise of a run), keyed by its purpose and numbered by
    /// circuit or trial.
    Chip = 7,
    /// Whether a synapse of a projection with `p_transmit < 1` receives a spike (one draw per
    /// spike and synapse, see [`crate::network::transmission`]).
    Transmission = 8,
    /// The trial of a run: what is drawn while it runs comes from [`trial_seed`].
    Trial = 9,
}

/// FNV-1a 64 offset basis.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a 64 prime.
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Stable 64-bit key of `names` in `domain`: FNV-1a 64 over the domain's number (one byte), then,
/// for each name, its length in bytes (8 bytes, little-endian) and its UTF-8 bytes. The length
/// prefix separates the names, so `["ab", "c"]` and `["a", "bc"]` differ. Unitless.
pub fn name_key(domain: Domain, names: &[&str]) -> u64 {
    let mut hash = FNV_OFFSET;
    let mut eat = |bytes: &[u8]| {
        for &byte in bytes {
            hash = (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME);
        }
    };
    eat(&[domain as u8]);
    for name in names {
        eat(&(name.len() as u64).to_le_bytes());
        eat(name.as_bytes());
    }
    hash
}

/// SplitMix64's finaliser (Steele, Lea & Flood 2014): a bijection of `u64` that mixes every bit.
pub(crate) fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The seed of what is drawn while trial `trial` of an experiment with master `seed` runs
/// (its Poisson spikes and unreliable transmissions): `seed` itself for trial 0, another seed
/// for every other trial. What the network is made of (connections, drawn parameters and
/// initial values) keeps coming from `seed`, so the trials of one network differ only in
/// their noise.
pub fn trial_seed(seed: u64, trial: u64) -> u64 {
    if trial == 0 {
        return seed;
    }
    splitmix64(seed ^ splitmix64(name_key(Domain::Trial, &[]) ^ splitmix64(trial)))
}

/// The stream `number` of the ChaCha8 generator seeded from master `seed` and `key`.
fn keyed_stream(seed: u64, key: u64, number: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(splitmix64(seed ^ splitmix64(key)));
    rng.set_stream(number);
    rng
}

/// The random stream of Poisson source `index` (0-based, within its population) of the
/// population named `population`, for master `seed`.
pub fn source_stream(seed: u64, population: &str, index: u64) -> ChaCha8Rng {
    keyed_stream(seed, name_key(Domain::Source, &[population]), index)
}

/// The random stream of the connector of the `ordinal`-th projection (0-based, in the order the
/// projections are given) among the projections from the population named `pre` to the one named
/// `post`, for master `seed`.
pub fn connector_stream(seed: u64, pre: &str, post: &str, ordinal: u64) -> ChaCha8Rng {
    keyed_stream(seed, name_key(Domain::Connector, &[pre, post]), ordinal)
}

/// The random stream of the values of parameter (or initial value) `parameter` of the
/// population named `population`, for master `seed`: neuron `i` gets the `i`-th draw.
pub fn parameter_stream(seed: u64, population: &str, parameter: &str) -> ChaCha8Rng {
    keyed_stream(
        seed,
        name_key(Domain::Parameter, &[population, parameter]),
        0,
    )
}

/// The random stream of the `what` values (`weight` or `delay`) of the `ordinal`-th projection
/// from the population named `pre` to the one named `post` (as for [`connector_stream`]), for
/// master `seed`: connection `k`, in the connector's generation order, gets the `k`-th draw.
pub fn connection_value_stream(
    seed: u64,
    pre: &str,
    post: &str,
    what: &str,
    ordinal: u64,
) -> ChaCha8Rng {
    keyed_stream(
        seed,
        name_key(Domain::ConnectionValue, &[pre, post, what]),
        ordinal,
    )
}

/// The random stream `number` of a TTFS training job's `purpose` (`weights` of layer `number`,
/// `shuffle` of epoch `number`, `noise` of draw `number`) for master `seed`.
pub fn ttfs_stream(seed: u64, purpose: &str, number: u64) -> ChaCha8Rng {
    keyed_stream(seed, name_key(Domain::Ttfs, &[purpose]), number)
}

/// The random stream `number` of an emulated chip's `purpose` for `seed` (the chip seed for its
/// fixed pattern and calibration, the run seed for trial-to-trial noise).
pub fn chip_stream(seed: u64, purpose: &str, number: u64) -> ChaCha8Rng {
    keyed_stream(seed, name_key(Domain::Chip, &[purpose]), number)
}

/// The random stream of random Boltzmann target `index` (0-based) for master `seed`: the
/// ChaCha8 generator seeded with `seed`, stream number `(3 << 48) | index`.
pub fn target_stream(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(((Domain::Target as u64) << 48) | (index & ((1 << 48) - 1)));
    rng
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn first(mut rng: ChaCha8Rng) -> u64 {
        rng.random()
    }

    #[test]
    fn streams_differ_by_name_index_and_domain() {
        let a = first(source_stream(42, "exc", 0));
        assert_ne!(a, first(source_stream(42, "inh", 0)), "name");
        assert_ne!(a, first(source_stream(42, "exc", 1)), "index");
        assert_ne!(a, first(source_stream(43, "exc", 0)), "seed");
        assert_ne!(a, first(connector_stream(42, "exc", "exc", 0)), "domain");
        assert_ne!(a, first(target_stream(42, 0)), "domain");
        let c = first(connector_stream(42, "exc", "n", 0));
        assert_ne!(c, first(connector_stream(42, "n", "exc", 0)), "direction");
        assert_ne!(c, first(connector_stream(42, "exc", "n", 1)), "ordinal");
        assert_ne!(c, first(connector_stream(42, "ex", "cn", 0)), "separation");
        assert_ne!(
            name_key(Domain::Source, &["exc"]),
            name_key(Domain::Connector, &["exc"])
        );
    }

    #[test]
    fn streams_repeat_by_seed() {
        let draws = |mut rng: ChaCha8Rng| (0..4).map(|_| rng.random()).collect::<Vec<u64>>();
        assert_eq!(
            draws(source_stream(7, "noise", 3)),
            draws(source_stream(7, "noise", 3))
        );
        assert_eq!(
            draws(connector_stream(7, "a", "b", 1)),
            draws(connector_stream(7, "a", "b", 1))
        );
        assert_eq!(draws(target_stream(7, 2)), draws(target_stream(7, 2)));
    }

    /// The keys (and so every stream) are part of the results: changing the derivation must be
    /// a deliberate change of these literals.
    #[test]
    fn keys_and_first_draws_are_pinned() {
        assert_eq!(name_key(Domain::Source, &[]), 0xaf63_bc4c_8601_b62c);
        assert_eq!(name_key(Domain::Source, &["exc"]), 0x0683_9b23_e508_2443);
        assert_eq!(
            name_key(Domain::Connector, &["exc", "neuron"]),
            0x40d4_5e39_dc4c_e9c5
        );
        assert_eq!(first(source_stream(42, "exc", 0)), 0x8f7c_83e8_c95f_f408);
        assert_eq!(
            first(connector_stream(42, "exc", "neuron", 0)),
            0xd996_835f_a659_170e
        );
        assert_eq!(first(target_stream(42, 0)), 0xa16e_9a28_7d79_9e10);
    }
}

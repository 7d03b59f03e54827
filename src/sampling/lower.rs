//! Lowering of sampling jobs into ordinary experiments: the samplers become one `IF_cond_exp`
//! population with per-neuron `v_rest`, each with its own excitatory and inhibitory Poisson source,
//! and the translated couplings become `from_list` projections. The generated TOML goes through
//! the same validation as any experiment file.

use std::fmt::Write;

use super::spec::SamplingSpec;
use super::translation::{Noise, Translation};
use crate::config::Experiment;
use crate::error::ConfigError;
use crate::neuron::{CondExpParams, Receptor};

/// Name of the sampler population in lowered experiments and their recordings.
pub const SAMPLERS: &str = "samplers";

/// `IF_cond_exp` neurons with their own Poisson noise: the common part of calibration sweeps and
/// sampling networks. `v_rest` has one entry per neuron [mV].
pub fn noisy_neurons(
    params: &CondExpParams,
    noise: &Noise,
    v_rest: &[f64],
    t_stop: f64,
    seed: u64,
) -> String {
    let p = params;
    let size = v_rest.len();
    let initial = v_rest.iter().sum::<f64>() / size.max(1) as f64;
    let mut text = format!(
        "[simulation]\nt_stop = {t_stop:?}\nseed = {seed}\n\n[[population]]\nname = \"{SAMPLERS}\"\nsize = {size}\nmodel = \"IF_cond_exp\"\n\
         params = {{ cm = {:?}, tau_m = {:?}, v_thresh = {:?}, v_reset = {:?}, tau_refrac = {:?}, tau_syn_E = {:?}, tau_syn_I = {:?}, e_rev_E = {:?}, e_rev_I = {:?}, i_offset = {:?}, v_rest = {v_rest:?} }}\n\
         initial = {{ v = {initial:?} }}\n",
        p.cm, p.tau_m, p.v_thresh, p.v_reset, p.tau_refrac, p.tau_syn_E, p.tau_syn_I, p.e_rev_E, p.e_rev_I, p.i_offset,
    );
    for (name, rate, weight, receptor) in [
        ("noise_exc", noise.rate_exc, noise.weight_exc, "excitatory"),
        ("noise_inh", noise.rate_inh, noise.weight_inh, "inhibitory"),
    ] {
        let _ = write!(
            text,
            "\n[[population]]\nname = \"{name}\"\nsize = {size}\nmodel = \"SpikeSourcePoisson\"\nparams = {{ rate = {rate:?} }}\n\
             \n[[projection]]\npre = \"{name}\"\npost = \"{SAMPLERS}\"\nconnector = {{ type = \"one_to_one\" }}\nweight = {weight:?}\nreceptor = \"{receptor}\"\n"
        );
    }
    text
}

/// The record section recording the samplers' spikes.
pub fn record_samplers() -> String {
    format!("\n[record]\nspikes = [\"{SAMPLERS}\"]\n")
}

/// The experiment of `spec.networks` independent copies of the translated network (neuron
/// `k·n + i` is unit `i` of copy `k`), run to `t_stop` [ms]. Couplings have the sampler delay;
/// `synapses` are the TOML of the synapse models of the excitatory and inhibitory couplings, if
/// not static. With `all_pairs` (for training) every ordered pair of distinct units gets both an
/// excitatory and an inhibitory synapse, the one not in use with weight 0; otherwise only the
/// couplings with nonzero weight exist.
pub fn sampling_experiment(
    spec: &SamplingSpec,
    translation: &Translation,
    synapses: Option<&[String; 2]>,
    all_pairs: bool,
    t_stop: f64,
) -> Result<Experiment, ConfigError> {
    let (networks, delay) = (spec.networks, spec.delay);
    let n = translation.v_rest.len();
    let v_rest: Vec<f64> = (0..networks)
        .flat_map(|_| translation.v_rest.iter().copied())
        .collect();
    let mut text = noisy_neurons(&spec.sampler, &spec.noise, &v_rest, t_stop, spec.seed);
    for receptor in [Receptor::Excitatory, Receptor::Inhibitory] {
        let mut rows = Vec::new();
        for k in 0..networks {
            for (pre, row) in translation.synapses.iter().enumerate() {
                for (post, synapse) in row.iter().enumerate() {
                    let weight = if synapse.receptor == receptor {
                        synapse.weight
                    } else {
                        0.0
                    };
                    if weight > 0.0 || (all_pairs && pre != post) {
                        rows.push(format!(
                            "[{}, {}, {weight:?}, {delay:?}]",
                            k * n + pre,
                            k * n + post,
                        ));
                    }
                }
            }
        }
        if rows.is_empty() {
            continue;
        }
        let name = match receptor {
            Receptor::Excitatory => "excitatory",
            Receptor::Inhibitory => "inhibitory",
        };
        let _ = write!(
            text,
            "\n[[projection]]\npre = \"{SAMPLERS}\"\npost = \"{SAMPLERS}\"\nconnector = {{ type = \"from_list\", connections = [{}] }}\nreceptor = \"{name}\"\n",
            rows.join(", ")
        );
        if let Some(synapses) = synapses {
            let _ = writeln!(text, "synapse = {}", synapses[receptor as usize]);
        }
    }
    text += &record_samplers();
    Experiment::from_toml_str(&text, &spec.file)
}

//! The networks measured by the benchmarks: each neuron with its own excitatory and inhibitory
//! Poisson source, and the command-line case filter (shared by the benchmarks; each uses part).

#![allow(dead_code)]

/// The sampling neuron (tau_m 1 ms, tau_syn 10/10 ms: the closed form).
pub const SBS: &str = "model = \"IF_cond_exp\"\nparams = { cm = 0.2, tau_m = 1.0, v_rest = -50.3, v_thresh = -50.0, v_reset = -50.001, tau_refrac = 10.0, tau_syn_E = 10.0, tau_syn_I = 10.0, e_rev_E = 0.0, e_rev_I = -100.0 }\ninitial = { v = -50.3 }";

/// `n` neurons of the given model block, each with its own exc and inh Poisson source.
pub fn experiment(n: usize, neuron: &str, w_exc: f64, w_inh: f64, t_stop: f64) -> String {
    format!(
        r#"[simulation]
t_stop = {t_stop}
seed = 1
[[population]]
name = "neurons"
size = {n}
{neuron}
[[population]]
name = "exc"
size = {n}
model = "SpikeSourcePoisson"
params = {{ rate = 3000.0 }}
[[population]]
name = "inh"
size = {n}
model = "SpikeSourcePoisson"
params = {{ rate = 3000.0 }}
[[projection]]
pre = "exc"
post = "neurons"
connector = {{ type = "one_to_one" }}
weight = {w_exc}
delay = 1.0
receptor = "excitatory"
[[projection]]
pre = "inh"
post = "neurons"
connector = {{ type = "one_to_one" }}
weight = {w_inh}
delay = 1.0
receptor = "inhibitory"
[record]
spikes = ["neurons"]
"#
    )
}

/// Whether the case `label` runs: no command-line filters given, or one of them is part of it.
pub fn selected(label: &str) -> bool {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    filters.is_empty() || filters.iter().any(|f| label.contains(f.as_str()))
}

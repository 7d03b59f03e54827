//! Per-neuron parameter arrays: a `params` value given as an array with one entry per neuron.

use exactspike::config::Experiment;

/// Three sbs sampling neurons with their own Poisson noise; `neurons` is the population section
/// body (model, params).
fn experiment(populations: &str) -> String {
    format!(
        r#"[simulation]
t_stop = 2000.0
seed = 11
{populations}
[[population]]
name = "exc"
size = 3
model = "SpikeSourcePoisson"
params = {{ rate = 3000.0 }}
[[population]]
name = "inh"
size = 3
model = "SpikeSourcePoisson"
params = {{ rate = 3000.0 }}
[record]
spikes = ["n"]
"#
    )
}

const SBS: &str = "cm = 0.2, tau_m = 1.0, v_thresh = -50.0, v_reset = -50.001, tau_refrac = 10.0, tau_syn_E = 10.0, tau_syn_I = 10.0, e_rev_E = 0.0, e_rev_I = -100.0";

/// `[[projection]]` sections feeding neuron 0 of each `(population, offset)` of `post` from noise
/// source `offset` of `exc` and of `inh`.
fn projections(post: &[(&str, usize)]) -> String {
    let mut text = String::new();
    for (pre, receptor) in [("exc", "excitatory"), ("inh", "inhibitory")] {
        for &(name, offset) in post {
            text += &format!(
                "[[projection]]\npre = \"{pre}\"\npost = \"{name}\"\nconnector = {{ type = \"from_list\", connections = [[{offset}, 0]] }}\nweight = 0.001\ndelay = 1.0\nreceptor = \"{receptor}\"\n"
            );
        }
    }
    text
}

#[test]
fn array_parameters_equal_separate_populations() {
    let v_rest = [-51.0, -50.3, -49.6];
    // One population of three with v_rest as an array, and one-to-one noise.
    let mut combined = experiment(&format!(
        "[[population]]\nname = \"n\"\nsize = 3\nmodel = \"IF_cond_exp\"\nparams = {{ {SBS}, v_rest = {v_rest:?} }}\n"
    ));
    for (pre, receptor) in [("exc", "excitatory"), ("inh", "inhibitory")] {
        combined += &format!(
            "[[projection]]\npre = \"{pre}\"\npost = \"n\"\nconnector = {{ type = \"one_to_one\" }}\nweight = 0.001\ndelay = 1.0\nreceptor = \"{receptor}\"\n"
        );
    }
    let combined = Experiment::from_toml_str(&combined, "combined.toml").expect("valid");
    let together = exactspike::run_in_memory(&combined).expect("runs");
    let together = together.spikes_of("n").expect("recorded");

    for (i, v) in v_rest.iter().enumerate() {
        // The same neuron alone, fed by the same (i-th) noise sources.
        let mut single = experiment(&format!(
            "[[population]]\nname = \"n\"\nsize = 1\nmodel = \"IF_cond_exp\"\nparams = {{ {SBS}, v_rest = {v:?} }}\n"
        ));
        single += &projections(&[("n", i)]);
        let single = Experiment::from_toml_str(&single, "single.toml").expect("valid");
        let alone = exactspike::run_in_memory(&single).expect("runs");
        let alone = &alone.spikes_of("n").expect("recorded").times;
        let mine: Vec<f64> = together
            .times
            .iter()
            .zip(&together.senders)
            .filter(|(_, &s)| s as usize == i)
            .map(|(&t, _)| t)
            .collect();
        assert!(alone.len() > 20, "neuron {i}: only {} spikes", alone.len());
        assert_eq!(&mine, alone, "neuron {i} (v_rest {v})");
    }
    // Different biases give clearly different rates.
    let count = |i: u32| together.senders.iter().filter(|&&s| s == i).count();
    assert!(count(0) < count(1) && count(1) < count(2));
}

/// The one-line error of a population of three with the params table `params`.
fn error_of(params: &str) -> String {
    let text = experiment(&format!(
        "[[population]]\nname = \"n\"\nsize = 3\nmodel = \"IF_cond_exp\"\nparams = {{ {params} }}\n"
    ));
    Experiment::from_toml_str(&text, "bad.toml")
        .expect_err("must be rejected")
        .to_string()
}

#[test]
fn wrong_array_length_is_named() {
    assert_eq!(
        error_of("v_rest = [-50.0, -51.0]"),
        "bad.toml: population[0].params.v_rest: has 2 values for a population of 3 neurons (give one value, or one per neuron)"
    );
}

#[test]
fn a_bad_value_names_its_neuron() {
    let message = error_of("v_thresh = -50.0, v_reset = [-60.0, -40.0, -60.0]");
    assert!(
        message.starts_with("bad.toml: population[0].params[1].v_reset: "),
        "{message}"
    );
    let message = error_of("tau_m = [1.0, 2.0, \"x\"]");
    assert!(
        message.starts_with("bad.toml: population[0].params[2].tau_m"),
        "{message}"
    );
}

/// One rate, start and duration per Poisson source: each source's count within 5 sd of
/// rate × the time it is on (100 s in all); wrong lengths and bad values are named.
#[test]
fn poisson_sources_take_one_parameter_set_each() {
    let text = r#"[simulation]
t_stop = 100000.0
seed = 5
[[population]]
name = "src"
size = 3
model = "SpikeSourcePoisson"
params = { rate = [100.0, 200.0, 1000.0], start = [0.0, 50000.0, 0.0], duration = [1e10, 1e10, 20000.0] }
[record]
spikes = ["src"]
"#;
    let experiment = Experiment::from_toml_str(text, "poisson.toml").unwrap();
    let recording = exactspike::run_in_memory(&experiment).unwrap();
    let senders = &recording.spikes_of("src").unwrap().senders;
    for (source, expected) in [(0u32, 10_000.0), (1, 10_000.0), (2, 20_000.0)] {
        let count = senders.iter().filter(|&&s| s == source).count() as f64;
        let sd: f64 = f64::sqrt(expected);
        assert!(
            (count - expected).abs() < 5.0 * sd,
            "source {source}: {count} spikes"
        );
    }
    let error = |params: &str| {
        let bad = text.replace(
            "rate = [100.0, 200.0, 1000.0], start = [0.0, 50000.0, 0.0], duration = [1e10, 1e10, 20000.0]",
            params,
        );
        Experiment::from_toml_str(&bad, "poisson.toml")
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        error("rate = [100.0, 200.0]"),
        "poisson.toml: population[0].params.rate: has 2 values for a population of 3 neurons (give one value, or one per neuron)"
    );
    assert!(
        error("rate = [100.0, -2.0, 1.0]")
            .starts_with("poisson.toml: population[0].params[1].rate:"),
        "{}",
        error("rate = [100.0, -2.0, 1.0]")
    );
}

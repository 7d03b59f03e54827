//! Tsodyks–Markram synapses (`synapse = { type = "TsodyksMarkramSynapse", ... }`): bad input,
//! analytic oracles through the engine (renewing synapses, hand-computed effective weights against
//! equivalent static runs), folding, and NEST 3.10's `tsodyks2_synapse` conductances
//! (tests/fixtures/nest_tsodyks2.json from tests/oracles/nest_tsodyks2.py).

use exactspike::config::{Cell, Experiment, ExperimentBuilder, Values};
use exactspike::engine::Simulation;
use exactspike::neuron::{CondExpParams, Receptor};
use exactspike::record::MemoryRecorder;
use exactspike::synapse::{SynapseModel, TsoParams};

use crate::common::networks::{
    all_to_all, array, arrays, assert_same_network, build, lif, sbs, simulation, Model,
};
use crate::common::{cli_in, fixture, Edit};

/// The experiment of the bad-input tests, as TOML: [`target`] with one spike at 2 ms, weight 4 nS
/// and the `synapse` line (empty: static), for 10 ms.
fn cond_exp_experiment(synapse: &str) -> String {
    format!(
        r#"
[simulation]
t_stop = 10.0

[[population]]
name = "neuron"
size = 1
model = "IF_cond_exp"
params = {{ cm = 0.2, tau_m = 1.0, v_rest = -50.3, v_thresh = 100.0, v_reset = -50.001, tau_refrac = 10.0, tau_syn_E = 10.0, tau_syn_I = 10.0, e_rev_E = 0.0, e_rev_I = -100.0 }}
initial = {{ v = -50.3 }}

[[population]]
name = "bg"
size = 1
model = "SpikeSourceArray"
params = {{ spike_times = [0.5] }}

[[population]]
name = "pre"
size = 1
model = "SpikeSourceArray"
params = {{ spike_times = [2.0] }}

[[projection]]
receptor = "inhibitory"
weight = 0.001
pre = "bg"
post = "neuron"
connector = {{ type = "all_to_all" }}

[[projection]]
{synapse}
weight = 0.004
delay = 1.0
pre = "pre"
post = "neuron"
connector = {{ type = "all_to_all" }}

[record]
v = {{ populations = ["neuron"], interval = 0.05 }}
"#
    )
}

/// The target of the engine tests: an `IF_cond_exp` (or `IF_curr_exp`) neuron of the sbs kind
/// (tau_syn_E = tau_syn_I = 10 ms) with its threshold out of reach, an inhibitory background
/// spike at 0.5 ms, and `size` sources `pre` of `cell` projecting onto it with `weight` [µS or nA]
/// (one value, or one per source), delay 1 ms and `synapse`.
fn target(
    model: Model,
    (size, cell): (usize, Cell),
    weight: impl Into<Values>,
    synapse: SynapseModel,
    t_stop: f64,
) -> Experiment {
    let neuron = CondExpParams {
        v_thresh: 100.0,
        ..sbs(-50.3)
    };
    let background = if model == Model::CondExp {
        0.001
    } else {
        -0.001
    };
    let mut net = ExperimentBuilder::new("tso target", t_stop);
    net.population("neuron", 1, lif(model, neuron))
        .initial_v(-50.3);
    net.population("bg", 1, array(&[0.5]));
    net.population("pre", size, cell);
    net.projection("bg", "neuron", all_to_all())
        .weight(background)
        .receptor(Receptor::Inhibitory);
    net.projection("pre", "neuron", all_to_all())
        .weight(weight)
        .delay(1.0)
        .synapse(synapse);
    net.record_v(&["neuron"], 0.05);
    build(net)
}

/// A Tsodyks–Markram synapse with utilisation `u_se`, recovery `tau_rec` [ms] and facilitation
/// `tau_facil` [ms].
fn tso(u_se: f64, tau_rec: f64, tau_facil: f64) -> SynapseModel {
    SynapseModel::TsodyksMarkram(TsoParams {
        u_se,
        tau_rec,
        tau_facil,
    })
}

/// One source replaying every time of `times` [ms].
fn train(times: &[f64]) -> (usize, Cell) {
    (1, array(times))
}

/// The TOML experiment `text`, which must be valid.
fn experiment(text: &str) -> Experiment {
    Experiment::from_toml_str(text, "exp.toml").expect("valid experiment")
}

/// The one-line error of the TOML experiment `text`, which must be rejected.
fn error_of(text: &str) -> String {
    Experiment::from_toml_str(text, "exp.toml")
        .expect_err("must be rejected")
        .to_string()
}

const TSO_LINE: &str =
    r#"synapse = { type = "TsodyksMarkramSynapse", U = 0.5, tau_rec = 10.0, tau_facil = 0.0 }"#;

/// The valid TSO experiment with its synapse line.
fn valid() -> String {
    cond_exp_experiment(TSO_LINE)
}

/// The valid TSO experiment with `from` (once in the synapse line) replaced by `to`.
fn broken(from: &str, to: &str) -> String {
    cond_exp_experiment(&TSO_LINE.replace_once(from, to))
}

#[test]
fn every_class_of_bad_synapse_is_one_line_naming_file_and_field() {
    experiment(&valid());
    let cases = [
        (
            "tau_rec = 10.0",
            "tau_rec = -1.0",
            "exp.toml: projection[1].synapse.tau_rec: must be > 0, got -1",
        ),
        (
            "tau_rec = 10.0",
            "tau_rec = 0.0",
            "exp.toml: projection[1].synapse.tau_rec: must be > 0, got 0",
        ),
        (
            "tau_rec = 10.0",
            "tau_rec = inf",
            "exp.toml: projection[1].synapse.tau_rec: must be a finite number, got inf",
        ),
        (
            "U = 0.5",
            "U = 0.0",
            "exp.toml: projection[1].synapse.U: must be in (0, 1], got 0",
        ),
        (
            "U = 0.5",
            "U = 1.5",
            "exp.toml: projection[1].synapse.U: must be in (0, 1], got 1.5",
        ),
        (
            "U = 0.5",
            "U = nan",
            "exp.toml: projection[1].synapse.U: must be a finite number, got NaN",
        ),
        (
            "tau_facil = 0.0",
            "tau_facil = -2.0",
            "exp.toml: projection[1].synapse.tau_facil: must be ≥ 0, got -2",
        ),
    ];
    for (from, to, expected) in cases {
        assert_eq!(error_of(&broken(from, to)), expected);
    }
    // Unknown keys (NEST's spelling `tau_fac` is not PyNN's `tau_facil`) and unknown types.
    let e = error_of(&broken("tau_facil", "tau_fac"));
    assert!(e.starts_with("exp.toml: projection[1].synapse"), "{e}");
    assert!(e.contains("unknown field `tau_fac`"), "{e}");
    let e = error_of(&broken("TsodyksMarkramSynapse", "Tsodyks2"));
    assert!(
        e.starts_with("exp.toml: projection[1].synapse") && e.contains("Tsodyks2"),
        "{e}"
    );
    let e = error_of(&cond_exp_experiment(
        r#"synapse = { type = "StaticSynapse", U = 1.0 }"#,
    ));
    assert!(
        e.starts_with("exp.toml: projection[1].synapse") && e.contains("`U`"),
        "{e}"
    );
}

/// The TOML experiment of the bad-input tests is the network the engine tests build in code.
#[test]
fn the_toml_target_is_the_built_one() {
    let built = target(
        Model::CondExp,
        train(&[2.0]),
        0.004,
        tso(0.5, 10.0, 0.0),
        10.0,
    );
    assert_same_network(&built, &experiment(&valid()));
}

#[test]
fn the_command_exits_with_status_2_and_one_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("exp.toml"),
        broken("tau_rec = 10.0", "tau_rec = -1.0"),
    )
    .unwrap();
    let output = cli_in(
        dir.path(),
        &["run", "exp.toml", "--out", "out.h5", "--quiet"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: exp.toml: projection[1].synapse.tau_rec: must be > 0, got -1\n"
    );
    assert!(!dir.path().join("out.h5").exists());
}

/// Run `experiment` to `t_stop` (overridden) and return the simulation and its recording.
fn run_to(experiment: &Experiment, t_stop: f64) -> (Simulation, MemoryRecorder) {
    let e = experiment
        .clone()
        .with_t_stop(t_stop)
        .expect("valid t_stop");
    let (mut sim, mut rec) = simulation(&e);
    sim.run(&mut rec, None, &mut |_| {}).expect("runs");
    (sim, rec)
}

/// Excitatory conductance [µS] of neuron 0 after every event up to and including `t` [ms].
fn g_exc_at(experiment: &Experiment, t: f64) -> f64 {
    let (sim, _) = run_to(experiment, t);
    let state = sim.cond_exp_state(0).expect("IF_cond_exp");
    state.g_exc() * (-(t - state.time()) / 10.0).exp()
}

const SPIKES: [f64; 9] = [2.0, 2.5, 4.0, 4.0, 9.0, 9.1, 25.0, 26.0, 60.0];

/// Renewing synapses (U = 1, tau_facil = 0, tau_rec = tau_syn_E): right after every presynaptic
/// spike the conductance is w again, however close the spikes (a static synapse would sum).
#[test]
fn renewing_synapse_resets_the_conductance_to_w_at_every_spike() {
    let w = 0.004;
    let renewing = tso(1.0, 10.0, 0.0);
    let net = target(Model::CondExp, train(&SPIKES), w, renewing, 100.0);
    for &t in &SPIKES {
        let g = g_exc_at(&net, t + 1.0);
        assert!(
            (g - w).abs() <= 1e-14 * w,
            "g right after the spike at {t}: {g}"
        );
    }
    // Half-way between two arrivals it has decayed from w, not from a sum.
    let g = g_exc_at(&net, 18.0);
    assert!((g - w * (-7.9f64 / 10.0).exp()).abs() <= 1e-14 * w, "{g}");
    let fixed = target(
        Model::CondExp,
        train(&SPIKES),
        w,
        SynapseModel::default(),
        100.0,
    );
    let static_g = g_exc_at(&fixed, 5.0);
    assert!(static_g > 2.5 * w, "a static synapse sums: {static_g}");
}

/// Effective weights from the textbook form of the model (Fuhrmann et al. 2002), written
/// independently of the library: between spikes u decays to 0 with tau_facil and x recovers to 1
/// with tau_rec; at a spike u jumps by U(1 − u), the spike releases u·x, and x loses it.
fn textbook_weights(u_se: f64, tau_rec: f64, tau_facil: f64, w: f64, times: &[f64]) -> Vec<f64> {
    let (mut x, mut u, mut last) = (1.0f64, 0.0f64, None::<f64>);
    let mut out = Vec::new();
    for &t in times {
        if let Some(last) = last {
            let h = t - last;
            x = 1.0 - (1.0 - x) * (-h / tau_rec).exp();
            u = if tau_facil > 0.0 {
                u * (-h / tau_facil).exp()
            } else {
                0.0
            };
        }
        u += u_se * (1.0 - u);
        out.push(w * u * x);
        x -= u * x;
        last = Some(t);
    }
    out
}

/// The same input as separate one-spike sources with static synapses of the given weights, onto
/// a neuron of `model`.
fn static_equivalent(model: Model, times: &[f64], weights: &[f64], t_stop: f64) -> Experiment {
    let one_each: Vec<Vec<f64>> = times.iter().map(|&t| vec![t]).collect();
    let sources = (times.len(), arrays(&one_each));
    let fixed = SynapseModel::default();
    target(model, sources, weights.to_vec(), fixed, t_stop)
}

/// Largest difference [mV] between the membrane traces of `neuron` in two runs with the same
/// sample times.
fn largest_v_difference(a: &MemoryRecorder, b: &MemoryRecorder) -> f64 {
    let (a, b) = (a.v_of("neuron").unwrap(), b.v_of("neuron").unwrap());
    assert_eq!(a.times, b.times);
    a.values
        .iter()
        .zip(&b.values)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// The membrane potential of a TSO run equals that of the static run with hand-computed weights.
fn check_against_static(u_se: f64, tau_rec: f64, tau_facil: f64) {
    let w = 0.004;
    let synapse = tso(u_se, tau_rec, tau_facil);
    let weights = textbook_weights(u_se, tau_rec, tau_facil, w, &SPIKES);
    let plastic = target(Model::CondExp, train(&SPIKES), w, synapse, 100.0);
    let (_, plastic) = run_to(&plastic, 100.0);
    let reference = static_equivalent(Model::CondExp, &SPIKES, &weights, 100.0);
    let (_, reference) = run_to(&reference, 100.0);
    let worst = largest_v_difference(&plastic, &reference);
    assert!(
        worst < 1e-12,
        "U = {u_se}, tau_rec = {tau_rec}, tau_facil = {tau_facil}: {worst} mV"
    );
    // The weights really vary (the comparison could not pass with a static synapse).
    assert!(weights.iter().any(|&x| (x - weights[0]).abs() > 1e-4 * w));
}

#[test]
fn general_parameters_match_hand_computed_effective_weights() {
    check_against_static(1.0, 10.0, 0.0);
    check_against_static(0.5, 800.0, 0.0);
    check_against_static(0.3, 50.0, 100.0);
    check_against_static(0.1, 20.0, 500.0);
}

#[test]
fn hand_computed_weights_agree_with_the_library_function() {
    use exactspike::synapse::tso::{effective_weights, TsoParams};
    for (u_se, tau_rec, tau_facil) in [(1.0, 10.0, 0.0), (0.3, 50.0, 100.0), (0.05, 5.0, 1000.0)] {
        let p = TsoParams {
            u_se,
            tau_rec,
            tau_facil,
        };
        let lib = effective_weights(&p, 1.0, &SPIKES);
        let hand = textbook_weights(u_se, tau_rec, tau_facil, 1.0, &SPIKES);
        assert_eq!((lib.len(), hand.len()), (SPIKES.len(), SPIKES.len()));
        for (a, b) in lib.iter().zip(&hand) {
            assert!((a - b).abs() <= 1e-15, "{a} vs {b}");
        }
    }
}

/// A plastic synapse from a source is never folded into its target (it needs the delivery path);
/// the same source with a static synapse is.
#[test]
fn sources_with_plastic_synapses_are_not_folded() {
    let with = |synapse| target(Model::CondExp, train(&[2.0]), 0.004, synapse, 10.0);
    let plastic = Simulation::new(&with(tso(0.5, 10.0, 0.0))).unwrap();
    let fixed = Simulation::new(&with(SynapseModel::default())).unwrap();
    assert_eq!(fixed.folded_input_count(), 2);
    assert_eq!(plastic.folded_input_count(), 1);
    assert_eq!(plastic.plasticity().len(), 1);
    assert!(fixed.plasticity().is_empty());
}

/// Current-based targets take the same effective weights (negative on the inhibitory receptor).
#[test]
fn current_synapses_scale_the_same_way() {
    let w = 0.3;
    let weights = textbook_weights(0.3, 50.0, 100.0, w, &SPIKES);
    let synapse = tso(0.3, 50.0, 100.0);
    let plastic = target(Model::CurrExp, train(&SPIKES), w, synapse, 80.0);
    let (_, plastic) = run_to(&plastic, 80.0);
    let reference = static_equivalent(Model::CurrExp, &SPIKES, &weights, 80.0);
    let (_, reference) = run_to(&reference, 80.0);
    let worst = largest_v_difference(&plastic, &reference);
    assert!(worst < 1e-12, "{worst} mV");
}

/// NEST 3.10 `tsodyks2_synapse` → `iaf_cond_exp`: g_ex at the recorded grid times, to 1e-12
/// relative. NEST's sample at step k shows the state after the inputs arriving at step k.
#[test]
fn nest_tsodyks2_conductances() {
    let fixture = fixture("nest_tsodyks2.json");
    assert_eq!(fixture["generator"], "tests/oracles/nest_tsodyks2.py");
    let floats = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let sources = floats(&fixture["source_times_ms"]);
    let delay = fixture["delay_ms"].as_f64().unwrap();
    let weight_us = fixture["weight_nS"].as_f64().unwrap() / 1000.0;
    let resolution = fixture["resolution_ms"].as_f64().unwrap();
    let arrivals: Vec<f64> = sources.iter().map(|t| t + delay).collect();
    let mut compared = 0;
    for case in fixture["cases"].as_array().unwrap() {
        let syn = tso(
            case["U"].as_f64().unwrap(),
            case["tau_rec"].as_f64().unwrap(),
            case["tau_fac"].as_f64().unwrap(),
        );
        let net = target(Model::CondExp, train(&sources), weight_us, syn, 1.0);
        // The state right after each arrival, from the engine.
        let after: Vec<(f64, f64)> = arrivals
            .iter()
            .map(|&a| {
                let (sim, _) = run_to(&net, a + 1e-7);
                let s = sim.cond_exp_state(0).unwrap();
                (s.time(), s.g_exc())
            })
            .collect();
        let steps = case["steps"].as_array().unwrap();
        for (step, nest_ns) in steps.iter().zip(floats(&case["g_ex_nS"])) {
            let t = step.as_u64().unwrap() as f64 * resolution;
            let ours_ns = match arrivals.iter().rposition(|&a| a <= t + 1e-9) {
                None => 0.0,
                Some(j) => 1000.0 * after[j].1 * (-(t - after[j].0) / 10.0).exp(),
            };
            let tolerance = 1e-12 * nest_ns.abs();
            assert!(
                (ours_ns - nest_ns).abs() <= tolerance,
                "{syn:?}: g_ex({t}) = {ours_ns} nS, NEST {nest_ns} nS"
            );
            compared += 1;
        }
    }
    assert!(compared > 400, "{compared}");
}

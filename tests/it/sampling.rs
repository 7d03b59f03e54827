//! The sampling job end to end (`exactspike calibrate` and `exactspike sample`), its bad input,
//! and interrupted sampling and training runs.

use std::path::Path;

use crate::common::networks::assert_same_network;
use crate::common::{
    assert_interrupted, cli, exactspike, sample_rejected as rejected, Edit, VALID,
};
use exactspike::record::Signal;

/// Dataset `name` of the HDF5 file `path`, read with hdf5-pure directly.
fn dataset_f64(path: &Path, name: &str) -> Vec<f64> {
    let file = hdf5_pure::File::open(path).unwrap();
    file.dataset(name).unwrap().read_f64().unwrap()
}

#[test]
fn sampling_approaches_the_target_and_is_reproducible() {
    let (code, stdout, stderr, out, _dir) = exactspike("sample", VALID);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("D_KL(p_sampled || p_target) after 10000 ms"),
        "{stdout}"
    );
    let p_target = dataset_f64(&out, "sampling/p_target");
    let p_sampled = dataset_f64(&out, "sampling/p_sampled");
    assert_eq!(p_target.len(), 4 * 8);
    assert_eq!(p_sampled.len(), 4 * 8);
    // One target shared by the four networks: four equal rows.
    assert!(p_target.chunks(8).all(|row| row == &p_target[..8]));
    // The exact target: p(z) ∝ exp(½zᵀWz + bᵀz); state 0b110 = units 0 and 1 on.
    let z = 1.0
        + 0.1f64.exp()
        + (-0.4f64).exp()
        + 0.2f64.exp()
        + (0.1 - 0.4 + 0.5f64).exp()
        + (0.1 + 0.2 - 0.3f64).exp()
        + (-0.4 + 0.2 + 0.2f64).exp()
        + (0.1 - 0.4 + 0.2 + 0.5 - 0.3 + 0.2f64).exp();
    assert!((p_target[0b110] - (0.1 - 0.4 + 0.5f64).exp() / z).abs() < 1e-15);
    for k in 0..4 {
        let p = &p_sampled[8 * k..8 * (k + 1)];
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
    let dkl = dataset_f64(&out, "sampling/dkl_sampled_target");
    let checkpoints = dataset_f64(&out, "sampling/checkpoints");
    assert_eq!(dkl.len(), 4 * checkpoints.len());
    assert_eq!(*checkpoints.last().unwrap(), 10000.0);
    let last = &dkl[dkl.len() - 4..];
    // Independent recomputation of the last D_KL from p_sampled.
    for k in 0..4 {
        let p = &p_sampled[8 * k..8 * (k + 1)];
        let expected: f64 = p
            .iter()
            .zip(&p_target[8 * k..8 * (k + 1)])
            .filter(|(&a, _)| a > 0.0)
            .map(|(&a, &b)| a * (a / b).ln())
            .sum();
        assert!(
            (last[k] - expected).abs() < 1e-12,
            "{} vs {expected}",
            last[k]
        );
        // 10 s of a 3-unit target (static synapses): the NEST sbs reference reaches ~0.02–0.1.
        assert!(last[k] < 0.1, "network {k}: D_KL {}", last[k]);
    }
    // D_KL over time as a picture; an unknown picture format is refused.
    let picture = out.with_extension("png");
    let plot = |target: &Path| {
        cli(&[
            "plot-dkl",
            out.to_str().unwrap(),
            "--out",
            target.to_str().unwrap(),
        ])
    };
    assert!(plot(&picture).status.success());
    assert!(std::fs::metadata(&picture).unwrap().len() > 10_000);
    assert!(!plot(&out.with_extension("gif")).status.success());
    // Same seed, same numbers.
    let (_, _, _, again, _dir2) = exactspike("sample", VALID);
    assert_eq!(dkl, dataset_f64(&again, "sampling/dkl_sampled_target"));
}

#[test]
fn a_stored_calibration_is_reused() {
    let (code, stdout, stderr, calibration, dir) = exactspike("calibrate", VALID);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("v_p05 = -50."), "{stdout}");
    let picture = calibration.with_extension("png");
    assert!(
        std::fs::metadata(&picture).unwrap().len() > 10_000,
        "activation curve picture"
    );
    // `--quiet` prints nothing and writes the same file.
    let quiet = dir.path().join("quiet.h5");
    let sampling = dir.path().join("sampling.toml");
    let output = cli(&[
        "calibrate",
        sampling.to_str().unwrap(),
        "--out",
        quiet.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(output.status.success());
    assert!(output.stdout.is_empty() && output.stderr.is_empty());
    assert_eq!(
        dataset_f64(&quiet, "calibration/p_on"),
        dataset_f64(&calibration, "calibration/p_on")
    );
    let with_file = VALID.replace_once(
        "points = 30",
        &format!("file = {:?}\npoints = 30", calibration.to_str().unwrap()),
    );
    // Calibrating inline gives the same activation as the stored one.
    let (code, _, stderr, out, _dir) = exactspike("sample", &with_file);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr, inline, _dir2) = exactspike("sample", VALID);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        dataset_f64(&out, "sampling/v_rest"),
        dataset_f64(&inline, "sampling/v_rest")
    );
    drop(dir);
}

#[test]
fn bad_targets_are_named() {
    rejected(
        &VALID.replace_once("[0.0, 0.5, -0.3], [0.5, 0.0, 0.2]", "[0.0, 0.5, -0.3], [0.4, 0.0, 0.2]"),
        "sampling.toml: boltzmann.weights: the matrix is not symmetric: W[0][1] = 0.5 but W[1][0] = 0.4",
    );
    rejected(
        &VALID.replace_once("biases = [0.1, -0.4, 0.2]", "biases = [0.1, -0.4]"),
        "sampling.toml: boltzmann.biases: ",
    );
    rejected(
        &VALID.replace_once(
            "weights = [[0.0, 0.5, -0.3], [0.5, 0.0, 0.2], [-0.3, 0.2, 0.0]]\nbiases = [0.1, -0.4, 0.2]",
            "random = { n = 21, distribution = { type = \"uniform\", low = -1.0, high = 1.0 } }",
        ),
        "boltzmann.random.n: n = 21 units is too many",
    );
    rejected(
        &VALID.replace_once("t_stop = 10000.0", "t_stop = 1e12"),
        "sampling.toml: sampling.sample_interval: 4.000e11 discrete samples (1600.0 GB) exceed the limit of 1 GB; raise sample_interval",
    );
    rejected(
        &VALID
            .replace_once(
                "weights = [[0.0, 0.5, -0.3], [0.5, 0.0, 0.2], [-0.3, 0.2, 0.0]]\nbiases = [0.1, -0.4, 0.2]",
                "random = { n = 20, distribution = { type = \"uniform\", low = -1.0, high = 1.0 } }",
            )
            .replace_once("networks = 4", "networks = 200"),
        "sampling.toml: sampling.networks: 200 networks × 2^20 states need 1.7 GB of occupancy; the limit is 1 GB",
    );
    rejected(
        &VALID.replace_once("networks = 4", "networks = 0"),
        "sampling.toml: sampling.networks: must be ≥ 1, got 0",
    );
    rejected(
        &VALID.replace_once("renewing_synapses = true", "renewing_synapse = false"),
        "sampling.toml: sampler.renewing_synapse (line 13): unknown field `renewing_synapse`",
    );
}

/// The `[boltzmann]` of `VALID` replaced by `with`.
fn with_targets(with: &str) -> String {
    VALID.replace_once(
        "weights = [[0.0, 0.5, -0.3], [0.5, 0.0, 0.2], [-0.3, 0.2, 0.0]]\nbiases = [0.1, -0.4, 0.2]",
        with,
    )
}

/// Two different three-unit targets, one per network, as a `targets` list.
const TWO_TARGETS: &str = "targets = [\n\
    { weights = [[0.0, 1.0, -0.8], [1.0, 0.0, 0.6], [-0.8, 0.6, 0.0]], biases = [-0.9, 0.8, -0.4] },\n\
    { weights = [[0.0, -1.0, 0.8], [-1.0, 0.0, -0.6], [0.8, -0.6, 0.0]], biases = [0.9, -0.8, 0.4] },\n\
]";

#[test]
fn per_network_targets_that_do_not_fit_are_named() {
    rejected(
        &with_targets(TWO_TARGETS),
        "sampling.toml: boltzmann.targets: has 2 entries but sampling.networks = 4: give one target per network",
    );
    let mixed = "targets = [{ weights = [[0.0, 0.5], [0.5, 0.0]], biases = [0.1, 0.2] }, \
                 { weights = [[0.0, 0.5, 0.1], [0.5, 0.0, 0.2], [0.1, 0.2, 0.0]], biases = [0.1, 0.2, 0.3] }]";
    rejected(
        &with_targets(mixed).replace_once("networks = 4", "networks = 2"),
        "sampling.toml: boltzmann.targets[1]: has 3 units but targets[0] has 2: every network's target needs the same n",
    );
    let asymmetric = TWO_TARGETS.replacen("[1.0, 0.0, 0.6]", "[0.9, 0.0, 0.6]", 1);
    rejected(
        &with_targets(&asymmetric).replace_once("networks = 4", "networks = 2"),
        "sampling.toml: boltzmann.targets[0].weights: the matrix is not symmetric",
    );
    rejected(
        &VALID.replace_once(
            "biases = [0.1, -0.4, 0.2]",
            &format!("biases = [0.1, -0.4, 0.2]\n{TWO_TARGETS}"),
        ),
        "sampling.toml: boltzmann.targets: contradicts `weights`/`biases`: give one or the other",
    );
}

#[test]
fn per_network_random_targets_follow_the_index_stream() {
    use exactspike::sampling::SamplingSpec;
    let random = |extra: &str| {
        let text = with_targets(&format!(
            "random = {{ n = 4, seed = 3, distribution = {{ type = \"uniform\", low = -1.0, high = 1.0 }}{extra} }}"
        ));
        SamplingSpec::parse(&text, "sampling.toml", Path::new(".")).expect("valid")
    };
    let spec = random(", per_network = true");
    assert_eq!(spec.targets.len(), 4);
    for k in 0..4 {
        // Network k samples the random target of index k.
        let alone = random(&format!(", index = {k}"));
        assert_eq!(alone.targets.len(), 1);
        assert_eq!(spec.target(k), alone.target(0), "network {k}");
        for other in 0..k {
            assert_ne!(spec.target(k), spec.target(other), "{k} vs {other}");
        }
    }
    assert_eq!(
        spec.target(0),
        random("").target(0),
        "index 0 is the shared target"
    );
    assert_eq!(
        spec.targets,
        random(", per_network = true").targets,
        "reproducible"
    );
    // With an index, network k gets index + k.
    let shifted = random(", index = 2, per_network = true");
    assert_eq!(shifted.target(0), spec.target(2));
    assert_eq!(shifted.target(1), spec.target(3));
}

/// Two networks with two different targets: each samples its own (small D_KL against it) and not
/// the other's, and the file stores each network's target and translation.
#[test]
fn each_network_samples_its_own_target() {
    let text = with_targets(TWO_TARGETS)
        .replace_once("networks = 4", "networks = 2")
        .replace_once("t_stop = 10000.0", "t_stop = 20000.0");
    let (code, _, stderr, out, _dir) = exactspike("sample", &text);
    assert_eq!(code, 0, "{stderr}");
    let p_target = dataset_f64(&out, "sampling/p_target");
    let p_sampled = dataset_f64(&out, "sampling/p_sampled");
    assert_eq!((p_target.len(), p_sampled.len()), (2 * 8, 2 * 8));
    assert_eq!(dataset_f64(&out, "sampling/weights_target").len(), 2 * 9);
    assert_eq!(
        dataset_f64(&out, "sampling/biases_target")[3..],
        [0.9, -0.8, 0.4]
    );
    let v_rest = dataset_f64(&out, "sampling/v_rest");
    assert_eq!(v_rest.len(), 2 * 3);
    assert!(v_rest[0] < v_rest[1] && v_rest[3] > v_rest[4], "{v_rest:?}");
    assert_eq!(dataset_f64(&out, "sampling/synaptic_weights").len(), 2 * 9);
    let dkl = |p: &[f64], q: &[f64]| -> f64 {
        p.iter()
            .zip(q)
            .filter(|(&a, _)| a > 0.0)
            .map(|(&a, &b)| a * (a / b).ln())
            .sum()
    };
    let (target, sampled) = (
        |k: usize| &p_target[8 * k..8 * (k + 1)],
        |k: usize| &p_sampled[8 * k..8 * (k + 1)],
    );
    let summary = exactspike::sampling::summary::summarize(&out).unwrap();
    assert!(
        summary.contains("  target:      3 units, 2 networks (a target each), renewing synapses\n"),
        "{summary}"
    );
    let recorded = dataset_f64(&out, "sampling/dkl_sampled_target");
    for k in 0..2 {
        let own = dkl(sampled(k), target(k));
        let other = dkl(sampled(k), target(1 - k));
        assert!(
            (recorded[recorded.len() - 2 + k] - own).abs() < 1e-12,
            "network {k}: against its own target"
        );
        assert!(own < 0.05, "network {k}: D_KL {own} against its own target");
        assert!(
            other > 10.0 * own && other > 0.5,
            "network {k}: D_KL {other} against the other target"
        );
    }
}

/// Counts and seeds of a sampling file are whole numbers: a float or a negative number is named
/// with its field and what it must be, not answered with a serde type name.
#[test]
fn counts_and_seeds_that_are_not_whole_numbers_are_named() {
    let whole =
        "must be a whole number ≥ 0 written without a decimal point or exponent (e.g. 1000)";
    rejected(
        &VALID.replace_once("networks = 4", "networks = 2.5"),
        &format!("sampling.toml: sampling.networks (line 17): {whole}, got 2.5"),
    );
    rejected(
        &VALID.replace_once("networks = 4", "networks = 4\ncheckpoints_per_decade = -3"),
        "sampling.toml: sampling.checkpoints_per_decade (line 18): must be a whole number ≥ 0, got -3",
    );
    rejected(
        &VALID.replace_once("seed = 7", "seed = 1e7"),
        &format!("sampling.toml: simulation.seed (line 4): {whole}, got 1e7"),
    );
    rejected(
        &VALID.replace_once(
            "weights = [[0.0, 0.5, -0.3], [0.5, 0.0, 0.2], [-0.3, 0.2, 0.0]]\nbiases = [0.1, -0.4, 0.2]",
            "random = { n = 5.0, distribution = { type = \"uniform\", low = -1.0, high = 1.0 } }",
        ),
        &format!("sampling.toml: boltzmann.random.n (line 7): {whole}, got 5.0"),
    );
    rejected(
        &VALID.replace_once("points = 30", "points = 12.5"),
        &format!("sampling.toml: calibration.points (line 21): {whole}, got 12.5"),
    );
}

#[test]
fn a_calibration_without_the_slope_is_named() {
    // A short refractory period and a deep reset keep p_on far below 0.95 at every v_rest.
    let text = VALID
        .replace_once(
            "v_reset = -50.001, tau_refrac = 10.0",
            "v_reset = -70.0, tau_refrac = 0.1",
        )
        .replace_once("prescan_duration = 500.0", "prescan_duration = 50.0");
    rejected(
        &text,
        "sampling.toml: calibration: calibration cannot find the 5–95 % region",
    );
}

/// The final median D_KL(p̂ ‖ p*) printed by `sample`.
fn final_median(stdout: &str) -> f64 {
    let tail = stdout.split("median ").nth(1).expect("a D_KL line");
    tail.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn renewing_synapses_sample_closer_than_static_ones() {
    // sbs and NEST: renewing synapses make the PSP closer to the rectangular interaction of the
    // Boltzmann machine (NEST 3.10 medians over 100 targets: 0.013 renewing, 0.10 static).
    let (code, renewing, stderr, _, _dir) = exactspike("sample", VALID);
    assert_eq!(code, 0, "{stderr}");
    let static_text = VALID.replace_once("renewing_synapses = true", "renewing_synapses = false");
    let (code, fixed, stderr, _, _dir2) = exactspike("sample", &static_text);
    assert_eq!(code, 0, "{stderr}");
    let (renewing, fixed) = (final_median(&renewing), final_median(&fixed));
    assert!(
        renewing < 0.6 * fixed,
        "renewing {renewing} vs static {fixed}"
    );
}

#[test]
fn interrupted_sampling_and_training_runs_are_marked_incomplete() {
    let (code, _, stderr, calibration, dir) = exactspike("calibrate", VALID);
    assert_eq!(code, 0, "{stderr}");
    let long = VALID
        .replace_once("t_stop = 10000.0", "t_stop = 1e7")
        .replace_once(
            "points = 30",
            &format!("file = {:?}", calibration.to_str().unwrap()),
        )
        + "\n[training]\niterations = 20000\n";
    let file = dir.path().join("long.toml");
    std::fs::write(&file, long).unwrap();
    for (command, signal) in [("sample", Signal::Terminate), ("train", Signal::Hangup)] {
        let out = dir.path().join(format!("{command}.h5"));
        interrupt(command, &file, &out, signal);
    }
}

/// Run `exactspike COMMAND file --out out`, send it `signal` 1 s into the run (it must fail and
/// keep `out`, marked incomplete, and leave no partial file); an interrupted training has NaN
/// for the updates it did not make.
fn interrupt(command: &str, file: &Path, out: &Path, signal: Signal) {
    let args = [
        command,
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    assert_interrupted(&args, out, signal);
    let summary = exactspike::sampling::summary::summarize(out).unwrap();
    if command == "train" {
        // Interrupted within the training (which takes far longer than 1 s): the updates not
        // made are NaN, and `info` counts the others.
        let rates = exactspike::record::inspect::read_f64(out, "training/learning_rate").unwrap();
        assert!(rates[0].is_finite() && rates.last().unwrap().is_nan());
        let made = rates.iter().filter(|r| r.is_finite()).count();
        let line = format!("  updates:     {made} of 20000, one every 100 ms of sampling");
        assert!(summary.contains(&line), "{line} in {summary}");
        assert!(
            summary.contains("  D_KL:        no checkpoint reached\n"),
            "{summary}"
        );
    } else {
        // Interrupted within the sampling: D_KL at the last checkpoint reached.
        let checkpoints =
            exactspike::record::inspect::read_f64(out, "sampling/checkpoints").unwrap();
        let dkl =
            exactspike::record::inspect::read_f64(out, "sampling/dkl_sampled_target").unwrap();
        let reached = dkl.chunks(4).take_while(|row| row[0].is_finite()).count();
        assert!(reached > 0 && reached < checkpoints.len(), "{reached}");
        let line = format!(
            "ms of sampling (the last checkpoint reached, {reached} of {})\n",
            checkpoints.len()
        );
        assert!(summary.contains(&line), "{line} in {summary}");
    }
}

/// The sampling job's network as the TOML text that describes it (what the library generated
/// before it had a builder): samplers with per-neuron `v_rest`, private Poisson noise, and the
/// translated couplings as `from_list` rows.
fn sampling_network_toml(
    spec: &exactspike::sampling::spec::SamplingSpec,
    translation: &exactspike::sampling::translation::Translation,
    t_stop: f64,
) -> String {
    let p = &spec.sampler;
    let n = translation.v_rest.len();
    let v_rest: Vec<f64> = (0..spec.networks)
        .flat_map(|_| translation.v_rest.iter().copied())
        .collect();
    let size = v_rest.len();
    let initial = v_rest.iter().sum::<f64>() / size as f64;
    let mut text = format!(
        "[simulation]\nt_stop = {t_stop:?}\nseed = {}\n[[population]]\nname = \"samplers\"\nsize = {size}\nmodel = \"IF_cond_exp\"\n\
         params = {{ cm = {:?}, tau_m = {:?}, v_thresh = {:?}, v_reset = {:?}, tau_refrac = {:?}, tau_syn_E = {:?}, tau_syn_I = {:?}, e_rev_E = {:?}, e_rev_I = {:?}, i_offset = {:?}, v_rest = {v_rest:?} }}\n\
         initial = {{ v = {initial:?} }}\n",
        spec.seed, p.cm, p.tau_m, p.v_thresh, p.v_reset, p.tau_refrac, p.tau_syn_E, p.tau_syn_I, p.e_rev_E, p.e_rev_I, p.i_offset,
    );
    let noise = spec.background.poisson().expect("private Poisson noise");
    for (name, rate, weight, receptor) in [
        ("noise_exc", noise.rate_exc, noise.weight_exc, "excitatory"),
        ("noise_inh", noise.rate_inh, noise.weight_inh, "inhibitory"),
    ] {
        text += &format!(
            "[[population]]\nname = \"{name}\"\nsize = {size}\nmodel = \"SpikeSourcePoisson\"\nparams = {{ rate = {rate:?} }}\n\
             [[projection]]\npre = \"{name}\"\npost = \"samplers\"\nconnector = {{ type = \"one_to_one\" }}\nweight = {weight:?}\nreceptor = \"{receptor}\"\n"
        );
    }
    for (slot, receptor, tau) in [
        (0, "excitatory", p.tau_syn_E),
        (1, "inhibitory", p.tau_syn_I),
    ] {
        let mut rows = Vec::new();
        for k in 0..spec.networks {
            for (pre, row) in translation.synapses.iter().enumerate() {
                for (post, synapse) in row.iter().enumerate() {
                    let weight = if synapse.receptor as usize == slot {
                        synapse.weight
                    } else {
                        0.0
                    };
                    if weight > 0.0 {
                        rows.push(format!(
                            "[{}, {}, {weight:?}, {:?}]",
                            k * n + pre,
                            k * n + post,
                            spec.delay
                        ));
                    }
                }
            }
        }
        text += &format!(
            "[[projection]]\npre = \"samplers\"\npost = \"samplers\"\nconnector = {{ type = \"from_list\", connections = [{}] }}\nreceptor = \"{receptor}\"\n\
             synapse = {{ type = \"TsodyksMarkramSynapse\", U = 1.0, tau_rec = {tau:?}, tau_facil = 0.0 }}\n",
            rows.join(", ")
        );
    }
    text + "[record]\nspikes = [\"samplers\"]\n"
}

#[test]
fn the_sampling_network_from_the_builder_is_the_one_toml_describes() {
    use exactspike::config::Experiment;
    use exactspike::sampling::spec::SamplingSpec;
    use exactspike::sampling::translation::{translate, Activation};
    use exactspike::sampling::{lower, prepare};

    let spec = SamplingSpec::parse(VALID, "sampling.toml", Path::new(".")).expect("valid");
    let activation = Activation {
        v_p05: -52.1,
        alpha: 0.9,
    };
    let target = spec.target(0);
    let translation = translate(
        &activation,
        &spec.sampler,
        spec.background.poisson().expect("private Poisson noise"),
        &target.weights(),
        target.biases(),
    )
    .expect("translates");
    let synapses = prepare::renewing_synapses(&spec);
    let t_stop = 1000.0;
    let built = lower::sampling_network(
        &spec,
        None,
        std::slice::from_ref(&translation),
        synapses,
        false,
        t_stop,
    )
    .build()
    .expect("valid network");
    let text = sampling_network_toml(&spec, &translation, t_stop);
    let read = Experiment::from_toml_str(&text, "sampling.toml").expect("valid TOML");
    assert_same_network(&built, &read);
    // Lowered alike: the same connections, weights and delays, and the same run.
    let (a, b) = (
        exactspike::network::Network::build(&built).expect("lowers"),
        exactspike::network::Network::build(&read).expect("lowers"),
    );
    assert_eq!(a.connectivity, b.connectivity);
    assert!(
        a.connectivity.synapse_count() > 2 * 12,
        "noise and couplings"
    );
    let (a, b) = (
        exactspike::run_in_memory(&built).expect("runs"),
        exactspike::run_in_memory(&read).expect("runs"),
    );
    let spikes = a.spikes_of(lower::SAMPLERS).expect("recorded");
    assert!(spikes.times.len() > 50, "{} spikes", spikes.times.len());
    assert_eq!(spikes, b.spikes_of(lower::SAMPLERS).expect("recorded"));
}

#[test]
fn the_library_job_records_into_memory_what_the_command_writes_to_hdf5() {
    use exactspike::record::{MemoryRecorder, TableData, TableRecorder};
    use exactspike::sampling::{jobs, tables, SamplingJob, SamplingSpec, TrainingJob};

    let (code, _, stderr, out, _dir) = exactspike("sample", VALID);
    assert_eq!(code, 0, "{stderr}");
    let spec = SamplingSpec::parse(VALID, "sampling.toml", Path::new(".")).expect("valid");
    let job = SamplingJob::prepare(spec.clone()).expect("prepares");
    let mut memory = MemoryRecorder::new(tables::sampling_layout(&job));
    let outcome = jobs::sample(&job, &mut memory, None, &mut |_| {}).expect("runs");
    let file = hdf5_pure::File::open(&out).unwrap();
    let mut compared = 0;
    for table in &memory.tables {
        let name = format!("{}/{}", table.group, table.name);
        let dataset = file.dataset(&name).unwrap();
        match &table.data {
            TableData::F64(values) => assert_eq!(*values, dataset.read_f64().unwrap(), "{name}"),
            TableData::U32(values) => assert_eq!(*values, dataset.read_u32().unwrap(), "{name}"),
            other => panic!("{name}: a table type this test does not know: {other:?}"),
        }
        compared += 1;
    }
    assert!(compared >= 13, "{compared} tables");
    let spikes = memory.spikes_of("samplers").expect("recorded");
    assert_eq!(spikes.times, dataset_f64(&out, "spikes/samplers/times"));
    let last = &outcome.result.dkl_sampled_target.last().unwrap();
    let mut sorted = last.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = 0.5 * (sorted[1] + sorted[2]);
    assert_eq!(outcome.result.final_median_dkl(), Some(median));

    // A table outside the layout is an error, not a panic.
    let stray = exactspike::record::Table::f64("sampling", "stray", &[1], "", vec![0.0]);
    let error = memory.write_table(&stray).expect_err("not in the layout");
    assert_eq!(
        error.to_string(),
        "(memory): table /sampling/stray is not in the layout as given"
    );
    // `train` needs its section.
    let error = TrainingJob::prepare(spec).expect_err("no [training]");
    assert_eq!(
        error.to_string(),
        "sampling.toml: training: missing: `train` needs a [training] section"
    );
}

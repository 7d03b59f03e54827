//! Sampling networks with a background other than private Poisson noise: bad input, the
//! determinism of the `ensemble` and `noise_network` kinds, the calibration under the actual
//! background and the statistics written to `/background`.

use std::path::Path;

use crate::common::{exactspike, sample_rejected as rejected, Edit, VALID};
use exactspike::engine::Simulation;
use exactspike::sampling::translation::{HighConductanceState, Noise};
use exactspike::sampling::{Preparing, SamplingJob, SamplingSpec};

/// `VALID` (4 networks of 3 units) with its Poisson noise replaced by `background` (the lines of
/// a `[sampler.background]` table).
fn with_background(background: &str) -> String {
    with_background_of(VALID, background)
}

const ENSEMBLE: &str = "kind = \"ensemble\"\ninputs = { k_exc = 4, k_inh = 4, weight_exc = 0.004, weight_inh = 0.004 }";
const NOISE_NETWORK: &str = "kind = \"noise_network\"\nsize = 200\ninputs = { k_exc = 30, k_inh = 8, weight_exc = 0.004, weight_inh = 0.01 }";
const POOL: &str = "kind = \"poisson_pool\"\npool = 60\ngamma = 0.5\nrate = 40.0\ninputs = { k_exc = 20, k_inh = 20, weight_exc = 0.004, weight_inh = 0.004 }";

#[test]
fn bad_backgrounds_are_named() {
    rejected(
        &with_background(&ENSEMBLE.replace_once("k_exc = 4", "k_exc = 6")),
        "sampling.toml: sampler.background.inputs: k_exc + k_inh = 10 but each sampler has only 9 eligible sources (the samplers of the other networks)",
    );
    rejected(
        &with_background(ENSEMBLE).replace_once("networks = 4", "networks = 1"),
        "sampling.toml: sampling.networks: = 1: an ensemble background needs ≥ 2 networks",
    );
    rejected(
        &with_background(&ENSEMBLE.replace_once("weight_inh = 0.004", "weight_inh = -0.004")),
        "sampling.toml: sampler.background.inputs.weight_inh: must be ≥ 0, got -0.004",
    );
    rejected(
        &with_background(&ENSEMBLE.replace_once("\"ensemble\"", "\"thermal\"")),
        "sampling.toml: sampler.background",
    );
    rejected(
        &with_background(&ENSEMBLE.replace_once("\"ensemble\"", "\"thermal\"")),
        "unknown variant `thermal`, expected one of `poisson`, `poisson_pool`, `ensemble`, `noise_network`",
    );
    rejected(
        &with_background(&NOISE_NETWORK.replace_once("k_exc = 30", "k_exc = 170")),
        "sampling.toml: sampler.background.inputs.k_exc: = 170 but each sampler has only 160 eligible excitatory neurons in the noise network",
    );
    rejected(
        &with_background(&POOL.replace_once("pool = 60", "pool = 36")),
        "sampling.toml: sampler.background.inputs.k_exc: = 20 but each sampler has only 18 eligible excitatory sources of the pool",
    );
    rejected(
        &with_background(&NOISE_NETWORK.replace_once("size = 200", "size = 200\ngamma = 1.5")),
        "sampling.toml: sampler.background.gamma: must be in [0, 1], got 1.5",
    );
    rejected(
        &with_background(ENSEMBLE).replace_once(
            "[sampler]\n",
            "[sampler]\nnoise = { rate_exc = 3000.0, rate_inh = 3000.0, weight_exc = 0.001, weight_inh = 0.001 }\n",
        ),
        "sampling.toml: sampler.background: contradicts `sampler.noise`: give one or the other",
    );
    rejected(
        &with_background(
            &ENSEMBLE.replace_once("weight_inh = 0.004 }", "weight_inh = 0.004, delay = 0.0 }"),
        ),
        "sampling.toml: sampler.background.inputs.delay: must be > 0, got 0",
    );
}

/// The prepared job of `text` (calibrations run).
fn job(text: &str) -> SamplingJob {
    let spec = SamplingSpec::parse(text, "sampling.toml", Path::new(".")).expect("valid");
    SamplingJob::prepare(spec).expect("prepares")
}

#[test]
fn deterministic_backgrounds_lower_to_networks_without_random_sources() {
    // The pool's 60 sources are its only random ones.
    for (background, random) in [(ENSEMBLE, 0), (NOISE_NETWORK, 0), (POOL, 60)] {
        let text = with_background(background).replace_once("t_stop = 10000.0", "t_stop = 2000.0");
        let job = job(&text);
        let simulation = Simulation::new(job.experiment()).expect("lowers");
        assert_eq!(simulation.random_sources(), random, "{background}");
    }
    let poisson = job(&VALID.replace_once("t_stop = 10000.0", "t_stop = 2000.0"));
    // Two Poisson sources per sampler: 4 networks × 3 units.
    assert_eq!(
        Simulation::new(poisson.experiment())
            .unwrap()
            .random_sources(),
        24
    );
}

/// The preparation of an ensemble reports its Poisson calibration, then the one under the
/// background, each with fractions that rise within [0, 1], and prepares the job `prepare` does.
#[test]
fn preparing_an_ensemble_reports_both_calibrations() {
    let text = with_background(ENSEMBLE).replace_once("t_stop = 10000.0", "t_stop = 2000.0");
    let spec = SamplingSpec::parse(&text, "sampling.toml", Path::new(".")).expect("valid");
    let mut reports: Vec<(Preparing, f64)> = Vec::new();
    let reporting =
        SamplingJob::prepare_reporting(spec, &mut |stage, done| reports.push((stage, done)))
            .expect("prepares");
    assert_eq!(reporting.experiment(), job(&text).experiment());
    let stages: Vec<Preparing> = reports.iter().map(|r| r.0).collect();
    let first_background = stages
        .iter()
        .position(|&s| s == Preparing::BackgroundCalibration)
        .expect("the calibration under the background reports");
    assert!(
        first_background > 0 && stages[0] == Preparing::Calibration,
        "{stages:?}"
    );
    assert!(stages[first_background..]
        .iter()
        .all(|&s| s == Preparing::BackgroundCalibration));
    for part in [&reports[..first_background], &reports[first_background..]] {
        let fractions: Vec<f64> = part.iter().map(|r| r.1).collect();
        assert!(
            fractions.windows(2).all(|w| w[0] <= w[1])
                && fractions.iter().all(|f| (0.0..=1.0).contains(f))
                && fractions.last() > Some(&0.5),
            "{fractions:?}"
        );
    }
}

#[test]
fn an_ensemble_run_is_byte_identical_for_the_same_seed() {
    let text = ensemble_of(20, 3000.0);
    let (code, stdout, stderr, first, _dir) = exactspike("sample", &text);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("background ensemble: input"), "{stdout}");
    let (code, _, stderr, second, _dir2) = exactspike("sample", &text);
    assert_eq!(code, 0, "{stderr}");
    let (a, b) = (
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap(),
    );
    assert!(a == b, "two runs with the same seed differ");
    let (code, _, stderr, other, _dir3) =
        exactspike("sample", &text.replace_once("seed = 7", "seed = 8"));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        std::fs::read(other).unwrap() != a,
        "the seed changes the run"
    );
}

/// Dataset `name` of the HDF5 file `path`.
fn dataset(path: &Path, name: &str) -> Vec<f64> {
    let file = hdf5_pure::File::open(path).unwrap();
    file.dataset(name).unwrap().read_f64().unwrap()
}

/// The integer dataset `name` of the HDF5 file `path`.
fn indices(path: &Path, name: &str) -> Vec<u32> {
    let file = hdf5_pure::File::open(path).unwrap();
    file.dataset(name).unwrap().read_u32().unwrap()
}

#[test]
fn a_pool_background_has_the_input_correlation_its_wiring_predicts() {
    // Pool sources are independent Poisson processes of one rate, so the correlation of two
    // samplers' signed inputs (w·exc − w·inh spike counts) is exactly (same-sign shared sources −
    // opposite-sign shared sources) / k: the oracle is the wiring alone.
    let text = with_background(POOL).replace_once("duration = 5000.0", "duration = 40000.0");
    let (code, _, stderr, out, _dir) = exactspike("sample", &text);
    assert_eq!(code, 0, "{stderr}");
    let (exc, inh) = (
        indices(&out, "background/sources_exc"),
        indices(&out, "background/sources_inh"),
    );
    let (k, n, networks) = (20, 3, 4);
    let sign = |s: usize, src: u32| {
        if exc[s * k..(s + 1) * k].contains(&src) {
            1.0
        } else if inh[s * k..(s + 1) * k].contains(&src) {
            -1.0
        } else {
            0.0
        }
    };
    let measured = dataset(&out, "background/input_correlation");
    assert_eq!(measured.len(), networks);
    for (net, measured) in measured.into_iter().enumerate() {
        let mut sum = 0.0;
        for i in 0..n {
            for j in i + 1..n {
                let (a, b) = (net * n + i, net * n + j);
                sum += (0..60).map(|src| sign(a, src) * sign(b, src)).sum::<f64>() / (2 * k) as f64;
            }
        }
        let predicted = sum / 3.0;
        // 4000 bins of 10 ms: the standard error of one pair's coefficient is ≈ 1/√4000 = 0.016.
        assert!(
            (measured - predicted).abs() < 0.04,
            "network {net}: measured {measured} predicted {predicted}"
        );
    }
    // Input rates: 20 sources at 40 Hz each.
    for rate in dataset(&out, "background/input_rate_exc") {
        assert!((rate - 800.0).abs() < 800.0 * 0.05, "rate {rate}");
    }
}

#[test]
fn an_ensemble_background_steepens_the_activation() {
    // Dold et al. 2019: sampler spike trains are refractory and bursty, so the activation under
    // an ensemble's background is steeper than under Poisson noise of the same mean input.
    // 60 networks: with 20, the fit's own error under the ensemble is about 0.1 mV.
    let job = job(&ensemble_of(60, 1000.0));
    let measured = job.background().expect("measured under the background");
    let bg = &measured.fit;
    let poisson = measured
        .poisson_fit
        .as_ref()
        .expect("the Poisson sweep has its slope");
    assert!(
        bg.alpha + 2.0 * (bg.alpha_stderr + poisson.alpha_stderr) < poisson.alpha,
        "alpha under the ensemble {} ± {}, under Poisson {} ± {}",
        bg.alpha,
        bg.alpha_stderr,
        poisson.alpha,
        poisson.alpha_stderr
    );
}

#[test]
fn free_probes_measure_the_mean_membrane_of_their_input() {
    // Under a pool of Poisson sources, a free probe's mean membrane potential and its standard
    // deviation are the high-conductance-state values of its measured input
    // (translation::HighConductanceState: mean conductances, shot-noise variance).
    let job = job(&with_background(POOL));
    let measured = job.background().expect("measured under the pool");
    let s = &measured.statistics;
    let p = &job.spec().sampler;
    for sampler in 0..s.free_v_mean.len() {
        let input = Noise {
            rate_exc: s.input_rate_exc[sampler],
            rate_inh: s.input_rate_inh[sampler],
            weight_exc: 0.004,
            weight_inh: 0.004,
        };
        let state = HighConductanceState::new(p, &input, measured.free_v_rest[sampler])
            .expect("a valid state");
        let (mean, sd) = (s.free_v_mean[sampler], s.free_v_sd[sampler]);
        assert!(
            (mean - state.u_mean).abs() < 0.05 && (sd - state.u_std).abs() < 0.1 * state.u_std,
            "sampler {sampler}: free membrane {mean} ± {sd} mV, expected {} ± {} mV",
            state.u_mean,
            state.u_std
        );
    }
}

/// An ensemble of `networks` networks with random targets, each sampler with 30
/// excitatory and 30 inhibitory inputs of 0.002 µS from the others, sampling for `t_stop` [ms];
/// its calibration under the background sweeps 60 probes for 10 s.
fn ensemble_of(networks: usize, t_stop: f64) -> String {
    let text = VALID
        .replace_once(
            "weights = [[0.0, 0.5, -0.3], [0.5, 0.0, 0.2], [-0.3, 0.2, 0.0]]\nbiases = [0.1, -0.4, 0.2]",
            "random = { n = 4, seed = 1, distribution = { type = \"uniform\", low = -1.0, high = 1.0 }, per_network = true }",
        )
        .replace_once("networks = 4", &format!("networks = {networks}"))
        .replace_once("t_stop = 10000.0", &format!("t_stop = {t_stop:?}"))
        .replace_once("points = 30", "points = 60")
        .replace_once("duration = 5000.0", "duration = 10000.0");
    with_background_of(
        &text,
        "kind = \"ensemble\"\ninputs = { k_exc = 30, k_inh = 30, weight_exc = 0.002, weight_inh = 0.002 }",
    )
}

/// `text` with its Poisson noise replaced by `background`.
fn with_background_of(text: &str, background: &str) -> String {
    text.replace_once(
        "noise = { rate_exc = 3000.0, rate_inh = 3000.0, weight_exc = 0.001, weight_inh = 0.001 }\n",
        "",
    )
    .replace_once("[sampling]", &format!("[sampler.background]\n{background}\n\n[sampling]"))
}

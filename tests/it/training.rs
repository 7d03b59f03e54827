//! `exactspike train` end to end: the recorded updates follow the contrastive rule computed
//! independently from the recorded spikes, the trained parameters are the ones the network ran
//! with, training brings the sampled distribution closer to the target, and bad `[training]`
//! sections are named.

use std::path::Path;

use exactspike::record::inspect;

use crate::common::{exactspike, Edit, VALID};

/// Five updates with a constant learning rate.
const TRAINING: &str = r#"
[training]
iterations = 5
interval = 200.0
dkl_window = 400.0
learning_rate = { schedule = "constant", eta = 0.5 }
"#;

/// The issue's three-unit target (short calibration), two networks, 1 s of sampling after 100 ms
/// of burn-in and the five updates.
fn train_text() -> String {
    VALID
        .replace_once("t_stop = 10000.0", "t_stop = 1000.0")
        .replace_once("networks = 4", "networks = 2")
        .replace_once("burn_in = 200.0", "burn_in = 100.0")
        + TRAINING
}

/// Dataset `name` of the output file `path`.
fn read(path: &Path, name: &str) -> Vec<f64> {
    inspect::read_f64(path, name).unwrap()
}

/// ∫ z_i z_j dt over [a, b] (∫ z_i dt for i = j) from spike times, unit k on for `tau` after
/// each spike: the union of on-windows per unit, intersected pairwise.
fn overlap(windows_i: &[(f64, f64)], windows_j: &[(f64, f64)], a: f64, b: f64) -> f64 {
    let mut total = 0.0;
    for &(s, e) in windows_i {
        for &(s2, e2) in windows_j {
            let lo = s.max(s2).max(a);
            let hi = e.min(e2).min(b);
            if hi > lo {
                total += hi - lo;
            }
        }
    }
    total
}

/// Merged on-windows [t, t + tau) of one unit's spikes (sorted).
fn windows(spikes: &[f64], tau: f64) -> Vec<(f64, f64)> {
    let mut merged: Vec<(f64, f64)> = Vec::new();
    for &t in spikes {
        match merged.last_mut() {
            Some(last) if t <= last.1 => last.1 = t + tau,
            _ => merged.push((t, t + tau)),
        }
    }
    merged
}

#[test]
fn updates_follow_the_contrastive_rule_from_the_recorded_spikes() {
    check_updates(&train_text());
}

/// Two networks with different targets: each one's updates move towards its own target's
/// moments.
#[test]
fn each_network_is_trained_towards_its_own_target() {
    let text = train_text().replace_once(
        "weights = [[0.0, 0.5, -0.3], [0.5, 0.0, 0.2], [-0.3, 0.2, 0.0]]\nbiases = [0.1, -0.4, 0.2]",
        "targets = [{ weights = [[0.0, 0.5, -0.3], [0.5, 0.0, 0.2], [-0.3, 0.2, 0.0]], biases = [0.1, -0.4, 0.2] },\n\
         { weights = [[0.0, -0.6, 0.4], [-0.6, 0.0, -0.3], [0.4, -0.3, 0.0]], biases = [-0.5, 0.6, -0.2] }]",
    );
    check_updates(&text);
}

/// `train` on `text` (two networks of three units, five updates of η = 0.5 every 200 ms after
/// 100 ms of burn-in): every recorded update of network k is the contrastive step towards
/// network k's recorded target, recomputed from the recorded spikes.
fn check_updates(text: &str) {
    let (code, stdout, stderr, out, _dir) = exactspike("train", text);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("(trained): median"), "{stdout}");
    let (n, nets, eta, tau) = (3, 2, 0.5, 10.0);
    let p_target = read(&out, "sampling/p_target");
    assert_eq!(p_target.len(), nets << n, "[networks, 2^n]");
    // Target moments of network k by enumeration; unit 0 is the most significant bit.
    let bit = |z: usize, i: usize| ((z >> (n - 1 - i)) & 1) as f64;
    let target = |k: usize, i: usize, j: usize| -> f64 {
        (0..1 << n)
            .map(|z| p_target[(k << n) + z] * bit(z, i) * bit(z, j))
            .sum()
    };
    let (times, senders) = inspect::read_spikes(&out, "samplers").unwrap();
    let w0 = read(&out, "sampling/weights_target");
    let b0 = read(&out, "sampling/biases_target");
    let weights = read(&out, "training/weights");
    let biases = read(&out, "training/biases");
    assert_eq!(
        read(&out, "training/times"),
        [300.0, 500.0, 700.0, 900.0, 1100.0]
    );
    assert_eq!(weights.len(), 5 * nets * n * n);
    for update in 0..5 {
        let (a, b) = (100.0 + 200.0 * update as f64, 300.0 + 200.0 * update as f64);
        for k in 0..nets {
            let unit_windows: Vec<Vec<(f64, f64)>> = (0..n)
                .map(|i| {
                    let mine: Vec<f64> = times
                        .iter()
                        .zip(&senders)
                        .filter(|&(_, &s)| s as usize == k * n + i)
                        .map(|(&t, _)| t)
                        .collect();
                    windows(&mine, tau)
                })
                .collect();
            let sampled =
                |i: usize, j: usize| overlap(&unit_windows[i], &unit_windows[j], a, b) / (b - a);
            let before = |table: &[f64], len: usize, at: usize| match update {
                0 => [&w0[..], &b0[..]][usize::from(len == n)][k * len + at],
                u => table[((u - 1) * nets + k) * len + at],
            };
            for i in 0..n {
                let db = biases[(update * nets + k) * n + i] - before(&biases, n, i);
                let expected = eta * (target(k, i, i) - sampled(i, i));
                assert!((db - expected).abs() < 1e-9, "Δb[{i}] {db} vs {expected}");
                for j in (0..n).filter(|&j| j != i) {
                    let at = i * n + j;
                    let dw =
                        weights[(update * nets + k) * n * n + at] - before(&weights, n * n, at);
                    let expected = eta * (target(k, i, j) - sampled(i, j));
                    assert!(
                        (dw - expected).abs() < 1e-9,
                        "ΔW[{i}][{j}] {dw} vs {expected}"
                    );
                }
            }
        }
    }
    // The trained parameters as neuron parameters: v_rest = v_p05 + α b, and the synapses |W|
    // times the initial translation's factor of their receptor.
    let attrs = inspect::group_attributes(&out, "sampling").unwrap().0;
    let (v_p05, alpha) = (attrs["v_p05"], attrs["alpha"]);
    let v_rest = read(&out, "training/v_rest");
    let last = 4 * nets;
    for (index, &v) in v_rest.iter().enumerate() {
        let expected = v_p05 + alpha * biases[last * n + index];
        assert!((v - expected).abs() < 1e-12, "v_rest {v} vs {expected}");
    }
    let initial = read(&out, "sampling/synaptic_weights");
    let trained = read(&out, "training/synaptic_weights");
    let mut scaled = 0;
    for k in 0..nets {
        for at in (0..n * n).filter(|at| at % (n + 1) != 0) {
            let w = weights[(last + k) * n * n + at];
            let g = trained[k * n * n + at];
            assert_eq!(g.signum(), w.signum(), "sign follows W");
            let (w_start, g_start) = (w0[k * n * n + at], initial[k * n * n + at]);
            if w_start.signum() == w.signum() {
                let factor = g_start / w_start;
                assert!((g - w * factor).abs() < 1e-15, "{g} vs {}", w * factor);
                scaled += 1;
            }
        }
    }
    // Five updates of η = 0.5 move no coupling across zero here: every factor was compared.
    assert_eq!(
        scaled,
        nets * n * (n - 1),
        "synapses compared with their factor"
    );
    assert_eq!(read(&out, "training/window_ends"), [500.0, 900.0, 1100.0]);
    assert_eq!(read(&out, "sampling/checkpoints").last(), Some(&1000.0));
}

/// The shipped example's target with four networks and static synapses, whose PSP shape leaves a
/// large systematic error (median D_KL ≈ 0.1; 0.0034 after training at 100 s, 10 networks):
/// the D_KL after 50 s of sampling, without and with 100 s of training first.
#[test]
fn training_brings_the_sampled_distribution_closer_to_the_target() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/experiments/sampling_5neurons.toml"
    );
    let text = std::fs::read_to_string(path)
        .unwrap()
        .replace_once(
            "../models/",
            &format!("{}/models/", env!("CARGO_MANIFEST_DIR")),
        )
        .replace_once("t_stop = 100000.0", "t_stop = 50000.0")
        .replace_once("networks = 10 ", "networks = 4 ")
        .replace_once("iterations = 2000", "iterations = 1000")
        .replace_once("renewing_synapses = true", "renewing_synapses = false");
    let short = format!("{text}\n[calibration]\npoints = 40\nduration = 20000.0\n");
    let (code, before, stderr, _, _dir) = exactspike("sample", &short);
    assert_eq!(code, 0, "{stderr}");
    let (code, after, stderr, _, _dir2) = exactspike("train", &short);
    assert_eq!(code, 0, "{stderr}");
    let median = |stdout: &str| -> f64 {
        let tail = stdout.split("median ").nth(1).expect("a D_KL line");
        tail.split_whitespace().next().unwrap().parse().unwrap()
    };
    let (before, after) = (median(&before), median(&after));
    eprintln!("median D_KL at 50 s: untrained {before}, trained {after}");
    assert!(
        after < 0.25 * before,
        "trained {after} vs untrained {before}"
    );
}

/// `train` on `text` must fail with exit 2 and one line ending in `expected`, and leave no
/// output file.
fn rejected(text: &str, expected: &str) {
    let (code, _, stderr, out, _dir) = exactspike("train", text);
    assert_eq!(code, 2, "{stderr}");
    let line = stderr.trim();
    assert!(
        line.starts_with("error: ") && line.ends_with(expected) && !line.contains('\n'),
        "expected one line ending in {expected:?}: {line:?}"
    );
    assert!(!out.exists());
}

#[test]
fn bad_training_sections_are_named() {
    let text = train_text();
    rejected(
        &text.replace_once(TRAINING, ""),
        "sampling.toml: training: missing: `train` needs a [training] section",
    );
    for (from, to, expected) in [
        (
            "iterations = 5",
            "iterations = 0",
            "iterations: must be ≥ 1, got 0",
        ),
        (
            "interval = 200.0",
            "interval = -1.0",
            "interval: must be > 0 ms, got -1",
        ),
        (
            "eta = 0.5",
            "eta = nan",
            "learning_rate.eta: must be > 0, got NaN",
        ),
        (
            "eta = 0.5",
            "eta = 1e300",
            "learning_rate: η(0) = 1e300 exceeds the largest rate accepted, 1e2",
        ),
        (
            "dkl_window = 400.0",
            "dkl_window = 0.0",
            "dkl_window: must be > 0 ms, got 0",
        ),
    ] {
        rejected(
            &text.replace_once(from, to),
            &format!("sampling.toml: training.{expected}"),
        );
    }
    let unknown = text.replace_once("\"constant\", eta", "\"cosine\", eta");
    let (code, _, stderr, _, _dir) = exactspike("train", &unknown);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("sampling.toml: training.learning_rate") && stderr.contains("cosine"),
        "{stderr}"
    );
}

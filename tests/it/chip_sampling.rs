//! Spike-based sampling on an emulated BrainScaleS-1 from the command line: the mapping report,
//! hardware time and spike loss, the `/chip` group, determinism by chip seed, a perfect chip
//! against the software, in-the-loop training of the digital parameters, and refusals.

use std::path::Path;

use exactspike::record::inspect::{group_attributes, group_counts, read_f64};

use crate::common::{cli_in, sample_rejected, Edit, VALID};

/// `VALID` (4 networks of a 3-unit target, 10 s) on chip seed 1 of BrainScaleS-1.
fn on_bss1() -> String {
    format!("{VALID}\n[chip]\nprofile = \"bss1\"\nchip_seed = 1\n")
}

/// Run `command` on `text` written as `sampling.toml` in `dir` (beside other files the text may
/// name), writing `out`; returns (exit code, stdout, stderr).
fn run_in(
    dir: &Path,
    command: &str,
    text: &str,
    out: &str,
    extra: &[&str],
) -> (i32, String, String) {
    std::fs::write(dir.join("sampling.toml"), text).unwrap();
    let mut args = vec![command, "sampling.toml", "--out", out];
    args.extend_from_slice(extra);
    let output = cli_in(dir, &args);
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The BrainScaleS-1 profile with every spread, noise and loss set to 0 and 16-bit weights
/// (still with its calibration's measurement noise: run it uncalibrated).
pub fn perfect_bss1() -> String {
    include_str!("../../models/chips/bss1.toml")
        .replace_once("weight_bits = 4", "weight_bits = 16")
        .replace_once("spike_loss = 0.076", "spike_loss = 0.0")
        .replace_n("= 0.25\n", "= 0.0\n", 4)
        .replace_once("synapse_weight = 0.2", "synapse_weight = 0.0")
        .replace_once("v_thresh = 0.02", "v_thresh = 0.0")
}

/// The median of the final D_KL of each network in `file`.
fn final_median(file: &Path, networks: usize) -> f64 {
    let dkl = read_f64(file, "sampling/dkl_sampled_target").unwrap();
    let mut last = dkl[dkl.len() - networks..].to_vec();
    last.sort_by(f64::total_cmp);
    (last[networks / 2 - 1] + last[networks / 2]) / 2.0
}

/// On the emulated chip the run reports its mapping, calibration, spike loss and hardware time
/// (10.2 s of biological time are 1.02 ms on BrainScaleS-1), stores them in `/chip`, samples
/// worse than the software, and is a function of the seeds: the same chip seed gives the same
/// file, another chip seed another distribution.
#[test]
fn sampling_on_an_emulated_chip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, stdout, stderr) = run_in(d, "sample", &on_bss1(), "a.h5", &[]);
    assert_eq!(code, 0, "{stderr}");
    for part in [
        "BrainScaleS-1: 12 of 512 neuron circuits, 10 of 224 synapse rows each; 4-bit weights",
        "calibrated circuits",
        "hardware time: 10.200 s biological in 1.020 ms on the chip",
        "spikes lost on the way:",
    ] {
        assert!(stdout.contains(part), "{part}: {stdout}");
    }
    // The share of spikes lost is the profile's 7.6 %, to within the binomial spread.
    let lost: f64 = stdout
        .split("spikes lost on the way: ")
        .nth(1)
        .unwrap()
        .split(['(', '%'])
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!((lost - 7.6).abs() < 0.1, "{lost} %");
    let a = d.join("a.h5");
    let (attrs, complete) = group_attributes(&a, "chip").unwrap();
    assert!(complete);
    assert!((attrs["hardware_ms"] - 1.02).abs() < 1e-12);
    assert_eq!(attrs["spike_loss"], 0.076);
    let counts = group_counts(&a, "chip").unwrap();
    assert_eq!((counts["chip_seed"], counts["weight_bits"]), (1, 4));
    assert_eq!(read_f64(&a, "chip/factors").unwrap().len(), 12 * 6);
    let info = String::from_utf8_lossy(&cli_in(d, &["info", "a.h5"]).stdout).into_owned();
    assert!(
        info.contains("BrainScaleS-1 (profile bss1), chip seed 1, calibrated, 12 of 512 circuits")
            && info.contains("10200 ms biological in 1.020 ms on the chip"),
        "{info}"
    );
    let p = read_f64(&a, "sampling/p_sampled").unwrap();
    let (code, _, stderr) = run_in(d, "sample", &on_bss1(), "b.h5", &["--quiet"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(read_f64(&d.join("b.h5"), "sampling/p_sampled").unwrap(), p);
    let flags = ["--quiet", "--chip", "bss1", "--chip-seed", "2"];
    let (code, _, stderr) = run_in(d, "sample", &on_bss1(), "c.h5", &flags);
    assert_eq!(code, 0, "{stderr}");
    assert_ne!(read_f64(&d.join("c.h5"), "sampling/p_sampled").unwrap(), p);
    let (code, _, stderr) = run_in(d, "sample", VALID, "software.h5", &["--quiet"]);
    assert_eq!(code, 0, "{stderr}");
    let software = final_median(&d.join("software.h5"), 4);
    let chip = final_median(&a, 4);
    assert!(chip > 3.0 * software, "chip {chip} vs software {software}");
}

/// A chip without imperfections (its profile: BrainScaleS-1 with every spread, noise and loss
/// set to 0, 16-bit weights, uncalibrated) samples like the software: the bias neuron stands in
/// for the resting potentials without changing the distribution.
#[test]
fn a_perfect_chip_samples_like_the_software() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("perfect.toml"), perfect_bss1()).unwrap();
    let text = format!("{VALID}\n[chip]\nprofile = \"perfect.toml\"\ncalibrate = false\n");
    let (code, stdout, stderr) = run_in(d, "sample", &text, "perfect.h5", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("spikes lost on the way: 0 of"), "{stdout}");
    let factors = read_f64(&d.join("perfect.h5"), "chip/factors").unwrap();
    assert!(factors.iter().all(|&f| f == 1.0));
    let (code, _, stderr) = run_in(d, "sample", VALID, "software.h5", &["--quiet"]);
    assert_eq!(code, 0, "{stderr}");
    let software = final_median(&d.join("software.h5"), 4);
    let perfect = final_median(&d.join("perfect.h5"), 4);
    assert!(
        perfect < 2.0 * software && software < 2.0 * perfect,
        "perfect chip {perfect} vs software {software}"
    );
}

/// In-the-loop training changes only the digital parameters (weights and bias weights, kept
/// within the 4-bit range; the leak potentials stay) and brings the distribution closer to the
/// target than the chip sampled before training.
#[test]
fn in_the_loop_training_on_an_emulated_chip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, _, stderr) = run_in(d, "sample", &on_bss1(), "before.h5", &["--quiet"]);
    assert_eq!(code, 0, "{stderr}");
    let text = format!(
        "{}\n[training]\niterations = 300\ninterval = 100.0\n",
        on_bss1()
    );
    let (code, stdout, stderr) = run_in(d, "train", &text, "trained.h5", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("hardware time: 40.200 s biological"),
        "{stdout}"
    );
    let trained = d.join("trained.h5");
    let v_rest = read_f64(&trained, "training/v_rest").unwrap();
    assert!(v_rest.iter().all(|&v| v == v_rest[0]), "{v_rest:?}");
    // Network 0's scales: (couplings, biases) [LSB per unit].
    let limit = 15.0 / read_f64(&trained, "chip/scales").unwrap()[1];
    let biases = read_f64(&trained, "training/biases").unwrap();
    assert!(biases.iter().all(|b| b.abs() <= limit + 1e-12));
    let (before, after) = (
        final_median(&d.join("before.h5"), 4),
        final_median(&trained, 4),
    );
    assert!(after < 0.7 * before, "trained {after} vs before {before}");
}

/// What does not fit the chip, or cannot run on it, is one line naming the file and the part,
/// exit 2 and no file.
#[test]
fn what_does_not_fit_the_chip_is_refused() {
    sample_rejected(
        &on_bss1().replace_once("chip_seed = 1", "chip_seed = 1\nslot = 8.0"),
        "chip.slot",
    );
    sample_rejected(
        &on_bss1().replace_once("tau_refrac = 10.0", "tau_refrac = 200.0"),
        "sampler.params.tau_refrac: 200 ms is 20 µs on the chip, outside the calibratable range",
    );
    sample_rejected(
        &on_bss1()
            .replace_once("t_stop = 10000.0", "t_stop = 2000000.0")
            .replace_once("tau_refrac = 10.0", "tau_refrac = 0.1"),
        "sampler.params.tau_refrac: the bias neuron would fire 2.000e7 times",
    );
    sample_rejected(
        &on_bss1().replace_once("\"bss1\"", "\"bss2\""),
        "spike-based sampling needs conductance-based synapses",
    );
    let ensemble = on_bss1().replace_once(
        "noise = { rate_exc = 3000.0, rate_inh = 3000.0, weight_exc = 0.001, weight_inh = 0.001 }",
        "background = { kind = \"ensemble\", inputs = { k_exc = 2, k_inh = 2, weight_exc = \
         0.002, weight_inh = 0.002, delay = 5.0 } }",
    );
    sample_rejected(
        &ensemble,
        "chip: the samplers' background must be private Poisson noise",
    );
    // Chip flags need --chip.
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run_in(dir.path(), "sample", VALID, "x.h5", &["--chip-seed", "2"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--chip"), "{stderr}");
    assert!(!dir.path().join("x.h5").exists());
}

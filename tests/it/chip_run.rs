//! `exactspike run --chip`: any experiment on an emulated chip, its `/chip` group, determinism by
//! chip seed, a perfect chip against the software, and what does not fit.

use std::path::Path;

use exactspike::record::inspect::{group_attributes, read_f64};

use crate::chip_sampling::perfect_bss1;
use crate::common::cli_in;

/// The shipped single sampling neuron (1 s) run in `dir` into `out` with `extra` flags: exit
/// code, stdout, stderr.
fn run(dir: &Path, out: &str, extra: &[&str]) -> (i32, String, String) {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/sbs_neuron.toml");
    let mut args = vec!["run", example.to_str().unwrap(), "--out", out];
    args.extend_from_slice(extra);
    let output = cli_in(dir, &args);
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn spikes(file: &Path) -> Vec<f64> {
    read_f64(file, "spikes/neuron/times").unwrap()
}

#[test]
fn an_experiment_on_an_emulated_chip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, _, stderr) = run(d, "software.h5", &["--quiet"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = run(d, "a.h5", &["--chip", "bss1", "--chip-seed", "2"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("BrainScaleS-1: 1 of 512 neuron circuits (chip seed 2), 2 synapses"),
        "{stdout}"
    );
    let (attrs, complete) = group_attributes(&d.join("a.h5"), "chip").unwrap();
    assert!(complete);
    // 1 s of biological time is 0.1 ms on BrainScaleS-1.
    assert!((attrs["hardware_ms"] - 0.1).abs() < 1e-12);
    assert_eq!(read_f64(&d.join("a.h5"), "chip/factors").unwrap().len(), 6);
    let chip = spikes(&d.join("a.h5"));
    let (code, _, _) = run(
        d,
        "b.h5",
        &["--quiet", "--chip", "bss1", "--chip-seed", "2"],
    );
    assert_eq!(code, 0);
    assert_eq!(spikes(&d.join("b.h5")), chip);
    let (code, _, _) = run(
        d,
        "c.h5",
        &["--quiet", "--chip", "bss1", "--chip-seed", "3"],
    );
    assert_eq!(code, 0);
    assert_ne!(spikes(&d.join("c.h5")), chip);
    let software = spikes(&d.join("software.h5"));
    assert_ne!(software, chip);
    // Without imperfections the chip runs the experiment as the software does.
    std::fs::write(d.join("perfect.toml"), perfect_bss1()).unwrap();
    let flags = ["--quiet", "--chip", "perfect.toml", "--uncalibrated"];
    let (code, _, stderr) = run(d, "perfect.h5", &flags);
    assert_eq!(code, 0, "{stderr}");
    let perfect = spikes(&d.join("perfect.h5"));
    assert_eq!(perfect.len(), software.len());
    for (a, b) in perfect.iter().zip(&software) {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }
}

#[test]
fn what_does_not_fit_the_chip_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, _, stderr) = run(d, "x.h5", &["--chip", "bss2"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "sbs_neuron.toml: population \"neuron\".model: IF_cond_exp does not run on this chip"
        ),
        "{stderr}"
    );
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/ei_network.toml");
    let output = cli_in(
        d,
        &[
            "run",
            example.to_str().unwrap(),
            "--out",
            "y.h5",
            "--chip",
            "bss1",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("population \"exc\": the experiment's neurons need 800 circuits"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1);
    // A chip whose circuits have one synapse row each: the neuron's two inputs do not fit.
    let one_row = include_str!("../../models/chips/bss1.toml")
        .replace("rows_per_circuit = 224", "rows_per_circuit = 1");
    std::fs::write(d.join("one_row.toml"), one_row).unwrap();
    let (code, _, stderr) = run(d, "z.h5", &["--chip", "one_row.toml"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "population \"neuron\" neuron 0: 2 inputs need 2 synapse rows, the limit is 1"
        ),
        "{stderr}"
    );
    assert!(!d.join("x.h5").exists() && !d.join("y.h5").exists() && !d.join("z.h5").exists());
    // A weight scale that puts the weights beyond the top level: they saturate, and say so.
    let (code, stdout, stderr) = run(d, "s.h5", &["--chip", "bss1", "--weight-scale", "1e6"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("2 saturated"), "{stdout}");
}

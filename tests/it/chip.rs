//! Emulated chips from the command line: evaluation and in-the-loop training on BrainScaleS-2,
//! their files, determinism by chip seed and run seed, and refusals of what does not fit.

use std::path::Path;

use exactspike::record::inspect::{group_attributes, read_f64};

use crate::ttfs::{csv_task, stored_weights, ttfs, SMALL};

/// A directory with the small CSV task, its description and a model trained in software.
fn trained_task() -> tempfile::TempDir {
    let dir = csv_task(300, 100);
    std::fs::write(dir.path().join("small.toml"), SMALL).unwrap();
    let (code, _, stderr) = ttfs(
        dir.path(),
        &["train", "small.toml", "--out", "software.h5", "--quiet"],
    );
    assert_eq!(code, 0, "{stderr}");
    dir
}

/// `ttfs eval --chip bss2` on chip seeds and run seeds: output times of the test set.
fn chip_times(dir: &Path, out: &str, extra: &[&str]) -> (String, Vec<f64>) {
    let mut args = vec![
        "eval",
        "software.h5",
        "--data",
        "test.csv",
        "--chip",
        "bss2",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = ttfs(dir, &args);
    assert_eq!(code, 0, "{stderr}");
    (
        stdout,
        read_f64(&dir.join(out), "predictions/times").unwrap(),
    )
}

/// Evaluation on the emulated chip reports the mapping, the calibration and the hardware time,
/// stores them, and is a function of (chip seed, run seed) alone: the same seeds give the same
/// times for any thread count, another chip or another run other times.
#[test]
fn evaluation_on_an_emulated_chip() {
    let dir = trained_task();
    let d = dir.path();
    let (stdout, times) = chip_times(d, "a.h5", &["--chip-seed", "3", "--threads", "1"]);
    for part in [
        "BrainScaleS-2: 14 of 512 neuron circuits",
        "calibrated circuits",
        "test.csv: accuracy",
        // Slot 8 tau_syn at time scale 1 and speed-up 1000: 8 µs.
        "hardware time: 8.0 µs per pattern",
    ] {
        assert!(stdout.contains(part), "{part}: {stdout}");
    }
    let (_, same) = chip_times(d, "b.h5", &["--chip-seed", "3", "--threads", "2"]);
    assert_eq!(times, same);
    let (_, other_chip) = chip_times(d, "c.h5", &["--chip-seed", "4"]);
    let (_, other_run) = chip_times(d, "e.h5", &["--chip-seed", "3", "--run-seed", "1"]);
    assert_ne!(times, other_chip);
    assert_ne!(times, other_run);
    let (uncalibrated, _) = chip_times(d, "f.h5", &["--chip-seed", "3", "--uncalibrated"]);
    assert!(
        uncalibrated.contains("uncalibrated circuits"),
        "{uncalibrated}"
    );
    let (chip, _) = group_attributes(&d.join("a.h5"), "chip").unwrap();
    assert_eq!(chip["chip_seed"], 3.0);
    assert_eq!(chip["slot_us"], 8.0);
    assert_eq!(chip["circuits_used"], 14.0);
    let after = read_f64(&d.join("a.h5"), "chip/factors_as_run").unwrap();
    let before = read_f64(&d.join("a.h5"), "chip/factors_uncalibrated").unwrap();
    // Threshold sd: the profile's 15 % before calibration, about its 3 % after (14 circuits).
    assert!(before[1] > 0.07 && after[1] < 0.06, "{before:?} {after:?}");
}

/// In-the-loop training from a software model: the same weights for any thread count, the
/// chip and the software accuracy of the trained network stored.
#[test]
fn in_the_loop_training_is_deterministic() {
    let dir = trained_task();
    let d = dir.path();
    let mut weights = Vec::new();
    for threads in ["1", "2"] {
        let out = format!("loop{threads}.h5");
        let (code, stdout, stderr) = ttfs(
            d,
            &[
                "train",
                "small.toml",
                "--init",
                "software.h5",
                "--chip",
                "bss2",
                "--chip-seed",
                "2",
                "--epochs",
                "3",
                "--threads",
                threads,
                "--out",
                &out,
            ],
        );
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stdout.contains("on BrainScaleS-2 (chip seed 2)"),
            "{stdout}"
        );
        weights.push(stored_weights(&d.join(&out)));
    }
    assert_eq!(weights[0], weights[1]);
    let software = stored_weights(&d.join("software.h5"));
    assert_ne!(weights[0].0, software.0, "training changed nothing");
    let (chip, _) = group_attributes(&d.join("loop1.h5"), "chip").unwrap();
    assert!(chip["software_test_accuracy"] > 0.5, "{chip:?}");
    assert_eq!(chip["run_seed"], 2000.0);
    // Evaluated on the chip it was trained on unless told otherwise.
    let (code, _, stderr) = ttfs(
        d,
        &[
            "eval", "loop1.h5", "--data", "test.csv", "--chip", "bss2", "--out", "again.h5",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let (again, _) = group_attributes(&d.join("again.h5"), "chip").unwrap();
    assert_eq!(again["chip_seed"], 2.0);
    assert_eq!(again["weight_scale"], chip["weight_scale"]);
    // A /chip group that lacks a setting is refused, not silently replaced by defaults.
    write_without_slot(
        &d.join("loop1.h5"),
        &d.join("test.csv"),
        &d.join("broken.h5"),
    );
    let (code, _, stderr) = ttfs(
        d,
        &["eval", "broken.h5", "--data", "test.csv", "--chip", "bss2"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("broken.h5: /chip.slot: missing"),
        "{stderr}"
    );
}

/// The predictions file of `model` on `data` on its chip, written to `out` without the `slot`
/// attribute of `/chip`.
fn write_without_slot(model: &Path, data: &Path, out: &Path) {
    use exactspike::record::hdf5::Hdf5Recorder;
    use exactspike::record::{RunMetadata, Termination};
    use exactspike::ttfs::{jobs, model_file};
    let stored = model_file::load(model).unwrap();
    let set = jobs::named_data(data.to_str().unwrap()).unwrap();
    let chip = stored.chip.clone().unwrap();
    let settings = chip.settings("test", "chip", Path::new("")).unwrap();
    let (evaluation, run) = jobs::evaluate(&stored, &set, 1, Some(&settings), 0).unwrap();
    let mut layout = model_file::predictions_layout(&stored, &evaluation, "test", run.as_ref());
    layout
        .attributes
        .retain(|(group, name, _)| !(group == "chip" && name == "slot"));
    let meta = RunMetadata {
        seed: 0,
        t_stop: 1.0,
        experiment: String::new(),
    };
    Hdf5Recorder::create(out, &layout, &meta, false)
        .unwrap()
        .finish(Termination::Completed)
        .unwrap();
}

/// Exit code, stdout and stderr of a command.
type Outcome = (i32, String, String);

/// What does not fit, or is not a chip setting, is one line naming it, exit 2, no file.
#[test]
fn what_does_not_fit_is_refused() {
    let dir = trained_task();
    let d = dir.path();
    let write = |name: &str, text: String| std::fs::write(d.join(name), text).unwrap();
    let profile = include_str!("../../models/chips/bss2.toml");
    write(
        "typo.toml",
        profile.replace("speedup = 1000.0", "speedup = 1000.0\nspeed_up = 10"),
    );
    let on_bss2 = "[ttfs.chip]\nprofile = \"bss2\"\n";
    write(
        "wide.toml",
        SMALL.replace("size = 12", "size = 600") + on_bss2 + "weight_scale = 30.0\n",
    );
    write("other.toml", SMALL.replace("size = 12", "size = 13"));
    write(
        "slow.toml",
        SMALL.to_string() + "[ttfs.neuron]\ntau_m = 2.0\n",
    );
    write("seeded.toml", SMALL.to_string() + on_bss2);
    let eval = |extra: &[&str]| {
        let mut args = vec!["eval", "software.h5", "--data", "test.csv", "--out", "x.h5"];
        args.extend_from_slice(extra);
        ttfs(d, &args)
    };
    let train = |config: &str, init: bool| {
        let mut args = vec!["train", config, "--out", "y.h5"];
        if init {
            args.extend_from_slice(&["--init", "software.h5"]);
        }
        ttfs(d, &args)
    };
    let cases: [(&str, Outcome, &str); 9] = [
        (
            "typo",
            eval(&["--chip", "typo.toml"]),
            "error: typo.toml: speed_up (line 12): unknown field `speed_up`",
        ),
        (
            "missing",
            eval(&["--chip", "bss3"]),
            "bss3: chip: no such chip profile",
        ),
        (
            "range",
            eval(&["--chip", "bss2", "--time-scale", "100"]),
            "BrainScaleS-2: ttfs.layer[0].neuron.tau_m: 1 ms at time_scale 100 is 100 µs on the \
             chip, outside the calibratable range 0.5–60 µs",
        ),
        (
            "negative",
            eval(&["--chip", "bss2", "--time-scale=-1"]),
            "command line: --time-scale: must be > 0, got -1",
        ),
        (
            "conductance",
            eval(&["--chip", "bss1"]),
            "BrainScaleS-1: ttfs: first-spike networks need current-based synapses",
        ),
        (
            "wide",
            train("wide.toml", false),
            "BrainScaleS-2: ttfs.layer[1]: 601 inputs (bias inputs included) need 1202 synapse rows \
             per neuron, the limit is 512",
        ),
        (
            "init",
            train("other.toml", true),
            "software.h5: the model's layers [12, 2] on 2 inputs are not the description's \
             [13, 2] on 2",
        ),
        (
            "init neuron",
            train("slow.toml", true),
            "software.h5: layer 0: the model's neuron parameters",
        ),
        (
            "seeded",
            train("seeded.toml", false),
            "seeded.toml: ttfs.chip.weight_scale (--weight-scale): needed for in-the-loop training \
             from seeded weights",
        ),
    ];
    for (name, (code, _, stderr), want) in cases {
        assert_eq!(code, 2, "{name}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{name}: {stderr}");
        assert!(stderr.contains(want), "{name}: {stderr}");
    }
    assert!(!d.join("x.h5").exists() && !d.join("y.h5").exists());
    // A chip flag without --chip is a usage error, not silently ignored.
    let (code, _, stderr) = eval(&["--chip-seed", "3"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--chip <CHIP>"), "{stderr}");
}

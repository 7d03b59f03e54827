//! Every class of bad input gets one line naming the file and the field, exit status 2, and no
//! output file.

use std::path::Path;

use crate::common::{cli, Edit};

/// A valid experiment; each case below breaks one thing in it.
const VALID: &str = r#"
[simulation]
t_stop = 50.0
seed = 1

[[population]]
name = "neuron"
size = 2
model = "IF_cond_exp"
params = { cm = 0.2, tau_m = 1.0, v_rest = -50.3, v_thresh = -50.0, v_reset = -50.001, tau_refrac = 10.0, tau_syn_E = 10.0, tau_syn_I = 10.0 }

[[population]]
name = "exc"
size = 1
model = "SpikeSourcePoisson"
params = { rate = 3000.0 }

[[population]]
name = "inh"
size = 1
model = "SpikeSourceArray"
params = { spike_times = [5.0, 7.5] }

[[projection]]
pre = "exc"
post = "neuron"
connector = { type = "all_to_all" }
weight = 0.001
delay = 1.0
receptor = "excitatory"

[[projection]]
pre = "inh"
post = "neuron"
connector = { type = "all_to_all" }
weight = 0.002
delay = 1.0
receptor = "inhibitory"

[record]
spikes = ["neuron"]
"#;

/// Run `exactspike run` on `text`; return (exit code, stderr, whether the output file exists).
fn run(text: &str) -> (i32, String, bool) {
    let dir = tempfile::tempdir().unwrap();
    let experiment = dir.path().join("exp.toml");
    let out = dir.path().join("out.h5");
    std::fs::write(&experiment, text).unwrap();
    let output = cli(&[
        "run",
        experiment.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let leftovers = std::fs::read_dir(dir.path()).unwrap().count() > 1;
    (
        output.status.code().unwrap_or(-1),
        stderr,
        out.exists() || leftovers,
    )
}

/// Replace `from` (which must occur exactly once in the valid experiment) by `to` and expect a
/// bad-input error: exit status 2, no output file, and one line naming the file, which is returned.
fn rejected_line(from: &str, to: &str) -> String {
    let (code, stderr, file_left) = run(&VALID.replace_once(from, to));
    assert_eq!(code, 2, "exit status for {to:?}: {stderr}");
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "one line expected: {stderr}"
    );
    assert!(stderr.contains("exp.toml"), "file not named: {stderr}");
    assert!(!file_left, "an output file was left behind for {to:?}");
    stderr.trim().to_string()
}

/// As [`rejected_line`], and the line names `field` and contains `problem`.
fn rejects(from: &str, to: &str, field: &str, problem: &str) {
    let line = rejected_line(from, to);
    assert!(line.contains(field), "field {field} not named: {line}");
    assert!(
        line.contains(problem),
        "problem {problem:?} not stated: {line}"
    );
}

#[test]
fn the_valid_experiment_runs() {
    let (code, stderr, file_left) = run(VALID);
    assert_eq!(code, 0, "{stderr}");
    assert!(file_left);
}

#[test]
fn unknown_model() {
    rejects(
        "\"IF_cond_exp\"",
        "\"IF_cond_expo\"",
        "population[0].model",
        "unknown variant `IF_cond_expo`",
    );
}

#[test]
fn unknown_parameter() {
    rejects(
        "tau_refrac = 10.0",
        "tau_refac = 10.0",
        "population[0].params.tau_refac",
        "unknown field",
    );
}

#[test]
fn unknown_population() {
    rejects(
        "pre = \"exc\"",
        "pre = \"exitatory\"",
        "projection[0].pre",
        "unknown population 'exitatory'",
    );
}

#[test]
fn unknown_top_level_key() {
    rejects(
        "seed = 1",
        "seed = 1\nsed = 2",
        "simulation.sed",
        "unknown field",
    );
}

#[test]
fn wrong_type() {
    rejects(
        "t_stop = 50.0",
        "t_stop = \"long\"",
        "simulation.t_stop",
        "invalid type",
    );
}

#[test]
fn nan_parameter() {
    rejects("cm = 0.2", "cm = nan", "population[0].params.cm", "finite");
}

#[test]
fn infinite_weight() {
    rejects(
        "weight = 0.001",
        "weight = inf",
        "projection[0].weight",
        "finite",
    );
}

#[test]
fn non_positive_capacitance() {
    rejects(
        "cm = 0.2",
        "cm = 0.0",
        "population[0].params.cm",
        "must be > 0",
    );
}

#[test]
fn negative_time_constant() {
    rejects(
        "tau_m = 1.0",
        "tau_m = -1.0",
        "population[0].params.tau_m",
        "must be > 0",
    );
    rejects(
        "tau_syn_I = 10.0",
        "tau_syn_I = 0.0",
        "population[0].params.tau_syn_I",
        "must be > 0",
    );
}

#[test]
fn negative_delay() {
    rejects(
        "delay = 1.0\nreceptor = \"excitatory\"",
        "delay = -0.5\nreceptor = \"excitatory\"",
        "projection[0].delay",
        "must be ≥ 0",
    );
}

#[test]
fn negative_rate() {
    rejects(
        "rate = 3000.0",
        "rate = -3.0",
        "population[1].params.rate",
        "must be ≥ 0",
    );
}

/// A size is a whole number from 0 to 2³² − 1, written as a TOML integer; the line says so
/// whatever was written instead.
#[test]
fn sizes_that_are_not_whole_numbers_in_range() {
    let cases = [
        (
            "-2",
            "must be a whole number ≥ 0 (at most 4294967295), got -2",
        ),
        (
            "1e12",
            "must be a whole number ≥ 0 written without a decimal point or exponent (e.g. 1000), \
             got 1e12, which is also too large (at most 4294967295)",
        ),
        (
            "2.0",
            "must be a whole number ≥ 0 written without a decimal point or exponent (e.g. 1000), \
             got 2.0",
        ),
        (
            "10000000000",
            "is too large: at most 4294967295, got 10000000000",
        ),
    ];
    for (size, problem) in cases {
        let line = rejected_line("size = 2", &format!("size = {size}"));
        let expected = format!("/exp.toml: population[0].size (line 8): {problem}");
        assert!(
            line.starts_with("error: ") && line.ends_with(&expected),
            "{line}"
        );
    }
}

/// A seed is a whole number from 0 to 2⁶⁴ − 1.
#[test]
fn a_seed_that_is_not_a_whole_number() {
    rejects(
        "seed = 1",
        "seed = 1.5",
        "simulation.seed (line 4)",
        "must be a whole number ≥ 0 written without a decimal point or exponent (e.g. 1000), got 1.5",
    );
    rejects(
        "seed = 1",
        "seed = -1",
        "simulation.seed (line 4)",
        "must be a whole number ≥ 0, got -1",
    );
}

/// A sampling file given to `run`, and an experiment given to `sample`, `train` or `calibrate`,
/// are named for what they are, with the command that reads them: exit status 2, one line.
#[test]
fn a_file_given_to_the_wrong_command_names_the_right_one() {
    let (code, stderr, file_left) = run(crate::common::VALID);
    assert_eq!(code, 2, "{stderr}");
    assert!(!file_left);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.trim_end().ends_with(
            "/exp.toml: boltzmann: this is a sampling file ([boltzmann], [sampler]), not an \
             experiment: use `exactspike sample` or `exactspike train` (`run` takes an experiment \
             with [[population]])"
        ),
        "{stderr}"
    );
    for command in ["sample", "train", "calibrate"] {
        let (code, stdout, stderr, out, _dir) = crate::common::exactspike(command, VALID);
        assert_eq!(code, 2, "{command}: {stderr}");
        assert!(!out.exists() && stdout.is_empty(), "{command}: {stdout}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.trim_end().ends_with(
                "/sampling.toml: population: this is an experiment file ([[population]]), not a \
                 sampling file: use `exactspike run` (`calibrate`, `sample` and `train` take a \
                 file with [boltzmann] and [sampler])"
            ),
            "{command}: {stderr}"
        );
    }
}

#[test]
fn reset_not_below_threshold() {
    rejects(
        "v_reset = -50.001",
        "v_reset = -50.0",
        "population[0].params.v_reset",
        "below v_thresh",
    );
}

#[test]
fn unsorted_spike_times() {
    rejects(
        "[5.0, 7.5]",
        "[7.5, 5.0]",
        "population[2].params.spike_times[1]",
        "sorted",
    );
}

#[test]
fn negative_spike_time() {
    rejects(
        "[5.0, 7.5]",
        "[-5.0, 7.5]",
        "population[2].params.spike_times[0]",
        "must be ≥ 0",
    );
}

#[test]
fn projection_onto_a_source() {
    rejects(
        "pre = \"exc\"\npost = \"neuron\"",
        "pre = \"exc\"\npost = \"inh\"",
        "projection[0].post",
        "spike source",
    );
}

#[test]
fn negative_conductance_weight() {
    rejects(
        "weight = 0.002",
        "weight = -0.002",
        "projection[1].weight",
        "conductance weights must be ≥ 0",
    );
}

#[test]
fn wrongly_signed_current_weight() {
    let curr = VALID.replace_once("IF_cond_exp", "IF_curr_exp");
    let (code, stderr, left) = run(&curr);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("projection[1].weight") && stderr.contains("must be ≤ 0 nA"),
        "{stderr}"
    );
    assert!(!left);
}

/// A syntax error is named by its line (line 4 of the valid experiment holds `seed`; no field
/// is known yet), a value of the wrong kind by its field and line.
#[test]
fn malformed_toml_names_the_line() {
    let line = rejected_line("seed = 1", "seed = = 1");
    assert!(
        line.ends_with("/exp.toml: line 4: invalid string expected `\"`, `'`"),
        "{line}"
    );
    let line = rejected_line("seed = 1", "seed = \"one\"");
    assert!(
        line.ends_with(
            "/exp.toml: simulation.seed (line 4): invalid type: string \"one\", expected a whole number ≥ 0"
        ),
        "{line}"
    );
}

#[test]
fn missing_file_is_named() {
    let output = cli(&["run", "/nonexistent/exp.toml", "--out", "/tmp/never.h5"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/nonexistent/exp.toml") && stderr.contains("cannot read"),
        "{stderr}"
    );
    assert!(!Path::new("/tmp/never.h5").exists());
    // A recording or model to read: the same line, exit 2.
    let dir = tempfile::tempdir().unwrap();
    let picture = dir.path().join("x.png");
    let picture = picture.to_str().unwrap();
    for args in [
        &["info", "/nonexistent/run.h5"][..],
        &["raster", "/nonexistent/run.h5", "--out", picture],
        &["plot-dkl", "/nonexistent/run.h5", "--out", picture],
        &[
            "ttfs",
            "eval",
            "/nonexistent/run.h5",
            "--data",
            "yin-yang-test",
        ],
        &["ttfs", "plot", "/nonexistent/run.h5", "--out", picture],
    ] {
        let output = cli(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(
            stderr.trim(),
            "error: /nonexistent/run.h5: cannot read: No such file or directory (os error 2)",
            "{args:?}"
        );
    }
    assert!(!Path::new(picture).exists());
}

#[test]
fn a_closed_output_pipe_silences_the_command_but_not_the_run() {
    // `exactspike run ... | head -0`: the summary line meets a closed pipe; the run still
    // finishes its file and succeeds.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.h5");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_exactspike"))
        .args(["run", crate::common::example().to_str().unwrap(), "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(std::fs::metadata(&out).unwrap().len() > 0);
}

#[test]
fn oversized_membrane_recording() {
    rejects(
        "spikes = [\"neuron\"]",
        "spikes = [\"neuron\"]\nv = { populations = [\"neuron\"], interval = 1e-9 }",
        "record.v.interval",
        "GB",
    );
}

/// A problem found only when the network is lowered (the connector's connection count) is bad
/// input too: exit status 2, one line naming the projection's field.
#[test]
fn per_connection_values_that_do_not_match_the_connections() {
    rejects(
        "weight = 0.001",
        "weight = [0.001, 0.001, 0.001]",
        "exp.toml: projection[0].weight",
        "has 3 values but the connector made 2 connections",
    );
}

#[test]
fn transmission_probability_outside_zero_one() {
    for bad in ["0.0", "1.5", "-0.1", "nan"] {
        rejects(
            "weight = 0.001\n",
            &format!("weight = 0.001\np_transmit = {bad}\n"),
            "projection[0].p_transmit",
            "must be in (0, 1]",
        );
    }
}

#[test]
fn a_connection_count_that_is_not_whole_is_named() {
    rejects(
        "connector = { type = \"all_to_all\" }\nweight = 0.002",
        "connector = { type = \"fixed_number_pre\", n = 2.5 }\nweight = 0.002",
        "projection[1].connector",
        "must be a whole number ≥ 0 written without a decimal point or exponent (e.g. 1000), got 2.5",
    );
}

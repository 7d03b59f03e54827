//! Helpers shared by the integration tests: networks built in code ([`networks`]), the command
//! line, fixtures, guarded text edits, and the sampling experiment of the sampling and training
//! tests.

pub mod networks;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use exactspike::record::Signal;
use hdf5_pure::AttrValue;

/// A three-unit target with sbs samplers; short calibration and sampling.
pub const VALID: &str = r#"
[simulation]
t_stop = 10000.0
seed = 7

[boltzmann]
weights = [[0.0, 0.5, -0.3], [0.5, 0.0, 0.2], [-0.3, 0.2, 0.0]]
biases = [0.1, -0.4, 0.2]

[sampler]
model = "IF_cond_exp"
params = { cm = 0.2, tau_m = 1.0, v_thresh = -50.0, v_reset = -50.001, tau_refrac = 10.0, tau_syn_E = 10.0, tau_syn_I = 10.0, e_rev_E = 0.0, e_rev_I = -100.0 }
noise = { rate_exc = 3000.0, rate_inh = 3000.0, weight_exc = 0.001, weight_inh = 0.001 }
renewing_synapses = true

[sampling]
networks = 4
burn_in = 200.0

[calibration]
points = 30
duration = 5000.0
prescan_duration = 500.0
"#;

/// Guarded edits of a test's text (an experiment or sampling file): an edit whose pattern is not
/// there would otherwise silently test the unedited text.
pub trait Edit {
    /// The text with its one occurrence of `from` replaced by `to`; panics unless `from` occurs
    /// exactly once.
    fn replace_once(&self, from: &str, to: &str) -> String;

    /// The text with its `count` occurrences of `from` replaced by `to`; panics unless `from`
    /// occurs exactly `count` times.
    fn replace_n(&self, from: &str, to: &str, count: usize) -> String;
}

impl Edit for str {
    fn replace_once(&self, from: &str, to: &str) -> String {
        self.replace_n(from, to, 1)
    }

    fn replace_n(&self, from: &str, to: &str, count: usize) -> String {
        let found = self.matches(from).count();
        assert!(
            !from.is_empty() && found == count,
            "test bug: {from:?} occurs {found} times in the edited text, not {count}"
        );
        self.replace(from, to)
    }
}

/// The one-line error of the experiment `text` (called `file`) with `from`, which occurs once,
/// replaced by `to`.
pub fn experiment_error(text: &str, file: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from}");
    exactspike::config::Experiment::from_toml_str(&text.replace(from, to), file)
        .expect_err("invalid")
        .to_string()
}

/// The JSON fixture `tests/fixtures/{file}`.
pub fn fixture(file: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("cannot parse fixture {}: {e}", path.display()))
}

/// `exactspike ARGS`, run to its end.
pub fn cli(args: &[&str]) -> Output {
    cli_in(Path::new("."), args)
}

/// `exactspike ARGS` run to its end in the directory `dir`.
pub fn cli_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exactspike"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the binary runs")
}

/// The shipped single-neuron experiment.
pub fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/sbs_neuron.toml")
}

/// `exactspike run` on the shipped experiment, writing `out`, with `extra` arguments.
pub fn run_example(out: &Path, extra: &[&str]) -> Output {
    let experiment = example();
    let mut args = vec![
        "run",
        experiment.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    cli(&args)
}

/// Run `exactspike ARGS`, which writes `out` and runs far longer than the test waits, send it
/// `signal` (with `kill`) 1 s after its hidden partial file appeared, and check how it ends: exit
/// status 128 + the signal's number, one line on stderr naming the signal and `out`, the data
/// kept in `out` with `complete = 0` and `termination = "interrupted by SIG..."`, and no hidden
/// partial file left beside it.
pub fn assert_interrupted(args: &[&str], out: &Path, signal: Signal) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_exactspike"))
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let dir = out.parent().unwrap();
    let partial = dir.join(format!(
        ".{}.partial",
        out.file_name().unwrap().to_str().unwrap()
    ));
    let started = Instant::now();
    while !partial.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "{args:?}: no partial file after 300 s"
        );
        assert!(child.try_wait().unwrap().is_none(), "{args:?} ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(1000));
    let name = signal.name().trim_start_matches("SIG");
    let killed = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let ended = child.wait_with_output().unwrap();
    assert_eq!(
        ended.status.code(),
        Some(128 + signal.number()),
        "{args:?}: exit status after {signal}"
    );
    let stderr = String::from_utf8(ended.stderr).unwrap();
    let prefix = format!("error: interrupted by {signal} at t = ");
    let suffix = format!(" ms; {} is marked incomplete\n", out.display());
    assert!(
        stderr.starts_with(&prefix) && stderr.ends_with(&suffix) && stderr.lines().count() == 1,
        "{args:?}: {stderr}"
    );
    let t: f64 = stderr[prefix.len()..stderr.len() - suffix.len()]
        .parse()
        .unwrap();
    assert!(t > 0.0, "{args:?}: interrupted at t = {t}");
    let attrs = hdf5_pure::File::open(out).unwrap().root().attrs().unwrap();
    assert_eq!(attrs["complete"], AttrValue::U8(0), "{args:?}");
    assert_eq!(
        attrs["termination"],
        AttrValue::VarLenString(format!("interrupted by {signal}")),
        "{args:?}"
    );
    assert_eq!(hidden_files(dir), Vec::<String>::new(), "{args:?}");
}

/// Names of the hidden files (partial files) in `dir`.
pub fn hidden_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect()
}

/// Run `exactspike COMMAND` with `text` as the sampling file in a fresh directory; return (exit
/// code, stdout, stderr, output path, directory guard).
pub fn exactspike(command: &str, text: &str) -> (i32, String, String, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sampling.toml");
    let out = dir.path().join("out.h5");
    std::fs::write(&file, text).unwrap();
    let output = cli(&[
        command,
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        out,
        dir,
    )
}

/// `sample` on `text` must fail with exit 2 and this one line (`expected` said once), and leave
/// no output file.
pub fn sample_rejected(text: &str, expected: &str) {
    let (code, _, stderr, out, _dir) = exactspike("sample", text);
    assert_eq!(code, 2, "{stderr}");
    let line = stderr.trim();
    assert!(!line.contains('\n'), "one line: {line}");
    assert!(line.contains(expected), "expected {expected:?} in {line:?}");
    assert_eq!(line.matches(expected).count(), 1, "said once: {line:?}");
    assert!(!out.exists());
}

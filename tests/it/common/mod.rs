//! Helpers shared by the integration tests: networks built in code ([`networks`]), the command
//! line, fixtures, guarded text edits, and the sampling experiment of the sampling and training
//! tests.

pub mod networks;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

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

/// Run `exactspike ARGS`, which writes `out` and runs for far longer than 1.5 s, send it SIGINT
/// (Ctrl-C) after 1.5 s, and check that it fails and keeps its data in `out`, marked incomplete.
pub fn assert_interrupted(args: &[&str], out: &Path) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_exactspike"))
        .args(args)
        .spawn()
        .expect("the binary starts");
    std::thread::sleep(Duration::from_millis(1500));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "{args:?}: an interrupted run must not exit 0"
    );
    assert!(out.exists(), "{args:?}: the interrupted run keeps its data");
    let summary = exactspike::record::inspect::summarize(out).unwrap();
    assert!(
        summary.contains("INCOMPLETE") && summary.contains("interrupted"),
        "{args:?}: {summary}"
    );
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

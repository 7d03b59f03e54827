//! Helpers shared by the integration tests: guarded text edits, and the sampling experiment and
//! command of the sampling and training tests.

use std::process::Command;

/// The issue's three-unit target with sbs samplers; short calibration and sampling.
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

/// Run `exactspike ARGS` with `text` as the sampling file in a fresh directory; return (exit
/// code, stdout, stderr, output path, directory guard).
pub fn exactspike(
    command: &str,
    text: &str,
) -> (i32, String, String, std::path::PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sampling.toml");
    let out = dir.path().join("out.h5");
    std::fs::write(&file, text).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_exactspike"))
        .args([
            command,
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        out,
        dir,
    )
}

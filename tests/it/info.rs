//! What the sampling commands record about themselves and what `exactspike info` shows of it:
//! typed HDF5 attributes (counts as integers, flags as 0/1, where the calibration came from), a
//! stored calibration found from any working directory through the line `calibrate` prints, and
//! `info`'s calibration, sampling and training lines checked against the datasets.

use std::path::Path;
use std::process::Output;

use hdf5_pure::{AttrValue, File};

use crate::common::{cli_in, exactspike, Edit, VALID};

/// The scalar attributes of group `group` (`"/"` for the root) of the file at `path`.
fn attrs(path: &Path, group: &str) -> std::collections::HashMap<String, AttrValue> {
    let file = File::open(path).unwrap();
    let group = if group == "/" {
        file.root()
    } else {
        file.group(group).unwrap()
    };
    group.attrs().unwrap()
}

/// The float64 dataset `name` of the file at `path`.
fn read(path: &Path, name: &str) -> Vec<f64> {
    exactspike::record::inspect::read_f64(path, name).unwrap()
}

/// The value of a float64 attribute.
fn float(value: &AttrValue) -> f64 {
    match value {
        AttrValue::F64(v) => *v,
        other => panic!("not float64: {other:?}"),
    }
}

/// The median as the summary takes it (the mean of the middle two for an even count).
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let m = sorted.len();
    0.5 * (sorted[(m - 1) / 2] + sorted[m / 2])
}

/// `exactspike info FILE`'s output (it must succeed).
fn info(path: &Path) -> String {
    let output = cli_in(Path::new("."), &["info", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Assert that `output` succeeded and return its stdout.
fn succeeded(output: &Output) -> String {
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout)
}

/// The calibration is stored by `calibrate` run in one directory, found by `sample` run in
/// another through the `[calibration]` line `calibrate` printed (relative to the sampling file,
/// in a third), and recorded as the calibration used; `info` shows the calibration's fit and the
/// sampling's numbers as the datasets hold them.
#[test]
fn a_stored_calibration_is_found_from_any_directory_and_summarised() {
    let root = tempfile::tempdir().unwrap();
    let (specs, work, elsewhere) = (
        root.path().join("specs"),
        root.path().join("work"),
        root.path().join("elsewhere"),
    );
    for dir in [&specs, &work, &elsewhere] {
        std::fs::create_dir(dir).unwrap();
    }
    std::fs::write(specs.join("sampling.toml"), VALID).unwrap();
    let calibrated = cli_in(
        &work,
        &[
            "calibrate",
            "../specs/sampling.toml",
            "--out",
            "calibration.h5",
        ],
    );
    let stdout = succeeded(&calibrated);
    // VALID has a [calibration] section (the sweep settings): the line goes into it.
    let hint =
        "to reuse it, put this line in the [calibration] section of ../specs/sampling.toml:\n\
                file = \"../work/calibration.h5\"\n";
    assert!(stdout.ends_with(hint), "{stdout}");
    let calibration = work.join("calibration.h5");

    // The stored calibration: integer and float attributes, and `info` shows them.
    let c = attrs(&calibration, "calibration");
    let AttrValue::U64(points_used) = c["points_used"] else {
        panic!("points_used is not uint64: {:?}", c["points_used"]);
    };
    let swept = read(&calibration, "calibration/v_rest").len();
    assert!(points_used >= 5 && points_used <= swept as u64 && swept == 30);
    let summary = info(&calibration);
    for (name, label) in [("v_p05", "v_p05:      "), ("alpha", "alpha:      ")] {
        let line = format!(
            "  {label} {:.4} ± {:.4} mV\n",
            float(&c[name]),
            float(&c[&format!("{name}_stderr")])
        );
        assert!(summary.contains(&line), "{line} in {summary}");
    }
    let line = format!(
        "  fit:         {points_used} of {swept} points (0.05 < p_on < 0.95), rms residual {:.2e}\n",
        float(&c["residual_rms"])
    );
    assert!(summary.contains(&line), "{line} in {summary}");
    assert!(
        summary.contains("spikes:      none recorded\n"),
        "{summary}"
    );

    // The printed line, added to the sampling file, is read from a third directory.
    let line = hint.lines().last().unwrap();
    std::fs::write(specs.join("sampling.toml"), format!("{VALID}{line}\n")).unwrap();
    let sampled = cli_in(
        &elsewhere,
        &["sample", "../specs/sampling.toml", "--out", "s.h5"],
    );
    let stdout = succeeded(&sampled);
    assert!(
        stdout.starts_with("calibration: read from ../work/calibration.h5\n"),
        "{stdout}"
    );
    let out = elsewhere.join("s.h5");
    let s = attrs(&out, "sampling");
    assert_eq!(s["calibration"], AttrValue::VarLenString("file".into()));
    let stored = std::fs::canonicalize(&calibration).unwrap();
    assert_eq!(
        s["calibration_file"],
        AttrValue::VarLenString(stored.display().to_string())
    );
    assert_eq!(s["v_p05"], c["v_p05"]);
    assert_eq!(s["alpha"], c["alpha"]);
    assert_eq!(s["n"], AttrValue::U64(3));
    assert_eq!(s["networks"], AttrValue::U64(4));
    assert_eq!(s["renewing_synapses"], AttrValue::U8(1));
    assert_eq!(s["burn_in"], AttrValue::F64(200.0));
    assert_eq!(s["t_sample"], AttrValue::F64(10000.0));
    let r = attrs(&out, "/");
    assert_eq!(r["t_stop"], AttrValue::F64(10200.0));
    assert_eq!(r["t_reached"], AttrValue::F64(10200.0));
    assert_eq!(r["t_stop_units"], AttrValue::VarLenString("ms".into()));
    // Calibrating again now says the file reads it.
    let again = cli_in(
        &work,
        &[
            "calibrate",
            "../specs/sampling.toml",
            "--out",
            "calibration.h5",
            "--overwrite",
        ],
    );
    let stdout = succeeded(&again);
    assert!(
        stdout.ends_with(
            "../specs/sampling.toml reads it ([calibration] file = \"../work/calibration.h5\")\n"
        ),
        "{stdout}"
    );

    // `info` of the sampling: the target, the time, the calibration used and D_KL.
    let summary = info(&out);
    let checkpoints = read(&out, "sampling/checkpoints");
    let dkl = read(&out, "sampling/dkl_sampled_target");
    let c_count = checkpoints.len();
    assert_eq!(dkl.len(), 4 * c_count);
    let at = |i: usize| median(&dkl[4 * i..4 * (i + 1)]);
    let decades: Vec<String> = [100.0, 1000.0, 10000.0]
        .iter()
        .map(|t| {
            let i = checkpoints.iter().position(|c| c == t).expect("a decade");
            format!("{:.4} ({t} ms)", at(i))
        })
        .collect();
    let expected = format!(
        "sampling:\n\
         \x20 target:      3 units, 4 networks (one target), renewing synapses\n\
         \x20 time:        10000 ms of sampling from t = 200 ms (after the burn-in), a discrete sample every 10 ms\n\
         \x20 calibration: read from {}: v_p05 = {:.4} mV, alpha = {:.4} mV\n\
         \x20 D_KL:        median {:.4} over 4 networks after 10000 ms of sampling\n\
         \x20 checkpoints: {c_count} from 100 to 10000 ms; median D_KL {}",
        stored.display(),
        float(&s["v_p05"]),
        float(&s["alpha"]),
        at(c_count - 1),
        decades.join(", ")
    );
    assert!(
        summary.trim_end().ends_with(&expected),
        "{expected}\nin\n{summary}"
    );
    assert!(
        !summary.contains("\ncalibration:\n"),
        "not measured here: {summary}"
    );
}

/// `train` without a stored calibration says it measures one and records that; `info` shows
/// the calibration, the sampling after the training and the training's updates and last
/// window, as the datasets hold them.
#[test]
fn a_training_recording_is_summarised() {
    let text = VALID
        .replace_once("t_stop = 10000.0", "t_stop = 1000.0")
        .replace_once("networks = 4", "networks = 2")
        .replace_once("burn_in = 200.0", "burn_in = 100.0")
        + "\n[training]\niterations = 5\ninterval = 200.0\ndkl_window = 400.0\n";
    let (code, stdout, stderr, out, _dir) = exactspike("train", &text);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("calibration: measured now (")
            && stdout.lines().next().unwrap().ends_with(
                "/sampling.toml sets no [calibration] file; `exactspike calibrate` stores one to reuse)"
            ),
        "{stdout}"
    );
    let s = attrs(&out, "sampling");
    assert_eq!(s["calibration"], AttrValue::VarLenString("measured".into()));
    assert!(!s.contains_key("calibration_file"));
    let t = attrs(&out, "training");
    assert_eq!(t["iterations"], AttrValue::U64(5));
    assert_eq!(t["interval"], AttrValue::F64(200.0));
    assert!(matches!(
        attrs(&out, "calibration")["points_used"],
        AttrValue::U64(5..=30)
    ));

    let summary = info(&out);
    let c = attrs(&out, "calibration");
    let expected = format!(
        "  calibration: measured in this run (above): v_p05 = {:.4} mV, alpha = {:.4} mV\n",
        float(&c["v_p05"]),
        float(&c["alpha"])
    );
    assert!(summary.contains(&expected), "{expected} in {summary}");
    assert!(
        summary.contains(
            "  time:        1000 ms of sampling from t = 1100 ms (after the training), a discrete sample every 10 ms\n"
        ),
        "{summary}"
    );
    let dkl = read(&out, "sampling/dkl_sampled_target");
    let expected = format!(
        "  D_KL:        median {:.4} over 2 networks after 1000 ms of sampling\n",
        median(&dkl[dkl.len() - 2..])
    );
    assert!(summary.contains(&expected), "{expected} in {summary}");
    let ends = read(&out, "training/window_ends");
    let windows = read(&out, "training/dkl_window");
    assert_eq!(ends, [500.0, 900.0, 1100.0]);
    let expected = format!(
        "training:\n\
         \x20 updates:     5 of 5, one every 200 ms of sampling, t = 100..1100 ms\n\
         \x20 D_KL:        median {:.4} over 2 networks in the last window, t = 900..1100 ms",
        median(&windows[4..6])
    );
    assert!(
        summary.trim_end().ends_with(&expected),
        "{expected}\nin\n{summary}"
    );
}

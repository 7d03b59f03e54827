//! The command line end to end: HDF5 output, determinism, a full disk, interruption by signals,
//! rasters. Output paths (overwriting, directories, devices): `output_paths`.

use std::path::Path;
use std::process::Command;

use exactspike::record::inspect::{read_spikes, read_v, summarize};
use exactspike::record::Signal;
use hdf5_pure::AttrValue;

use crate::common::{assert_interrupted, cli, example, run_example, Edit};

#[test]
fn same_seed_gives_identical_datasets_and_other_seed_differs() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a.h5"),
        dir.path().join("b.h5"),
        dir.path().join("c.h5"),
    );
    assert!(run_example(&a, &["--quiet"]).status.success());
    assert!(run_example(&b, &["--quiet"]).status.success());
    assert!(run_example(&c, &["--quiet", "--seed", "43"])
        .status
        .success());
    let (ta, sa) = read_spikes(&a, "neuron").unwrap();
    let (tb, sb) = read_spikes(&b, "neuron").unwrap();
    let (tc, _) = read_spikes(&c, "neuron").unwrap();
    assert!(
        ta.len() > 10,
        "the example neuron should fire: {}",
        ta.len()
    );
    let bits = |t: &[f64]| t.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&ta), bits(&tb));
    assert_eq!(sa, sb);
    assert_ne!(bits(&ta), bits(&tc));
    assert_eq!(read_v(&a, "neuron").unwrap(), read_v(&b, "neuron").unwrap());
}

#[test]
fn example_file_has_the_documented_content() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.h5");
    let output = run_example(&out, &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = String::from_utf8_lossy(&output.stdout);
    assert!(
        line.contains("input events") && line.contains("events/s"),
        "{line}"
    );
    let (times, senders) = read_spikes(&out, "neuron").unwrap();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    assert!(senders.iter().all(|&s| s == 0));
    // Spikes are separated by at least tau_refrac = 10 ms.
    assert!(times.windows(2).all(|w| w[1] - w[0] >= 10.0));
    let (v_times, values) = read_v(&out, "neuron").unwrap();
    assert_eq!(v_times.len(), 10001);
    assert_eq!(values.len(), 10001);
    assert_eq!(v_times[0], 0.0);
    assert_eq!(values[0], -50.3);
    assert!(
        values.iter().all(|&v| v <= -50.0 + 1e-12),
        "V above threshold"
    );
    let summary = summarize(&out).unwrap();
    assert!(summary.contains("complete"), "{summary}");
}

/// A disk that fills up during the run, emulated with a file-size limit (`ulimit -f`, with
/// SIGXFSZ ignored so that writes past it fail with EFBIG as they would with ENOSPC): one line
/// naming the file, a non-zero exit, and nothing left behind.
#[test]
fn a_full_disk_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("big.toml"),
        "[simulation]\nt_stop = 20000.0\n\n[[population]]\nname = \"src\"\nsize = 200\n\
         model = \"SpikeSourcePoisson\"\nparams = { rate = 1000.0 }\n\n[record]\nspikes = [\"src\"]\n",
    )
    .unwrap();
    let output = Command::new("bash")
        .current_dir(dir.path())
        .args([
            "-c",
            "trap '' XFSZ; ulimit -f 500; exec \"$0\" run big.toml --out big.h5 --quiet",
            env!("CARGO_BIN_EXE_exactspike"),
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim(),
        "error: big.h5: HDF5 error: I/O error: File too large (os error 27)"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["big.toml"]);
}

/// SIGTERM (what `kill`, `timeout` and batch schedulers send), SIGHUP and SIGINT (Ctrl-C) stop a
/// run the same way: exit status 128 + the signal's number, the data kept under the final name
/// marked incomplete with the signal, no hidden partial file left.
#[test]
fn interrupted_run_never_looks_complete() {
    let dir = tempfile::tempdir().unwrap();
    // The example without membrane recording, run for 1e9 ms: long enough to be interrupted.
    let text = std::fs::read_to_string(example()).unwrap();
    let experiment = dir.path().join("long.toml");
    std::fs::write(
        &experiment,
        text.replace_once("v = { populations", "# v = { populations"),
    )
    .unwrap();
    for signal in [Signal::Terminate, Signal::Hangup, Signal::Interrupt] {
        let out = dir.path().join(format!("{}.h5", signal.name()));
        let args = [
            "run",
            experiment.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--t-stop",
            "1e9",
        ];
        assert_interrupted(&args, &out, signal);
        let (times, _) = read_spikes(&out, "neuron").unwrap();
        assert!(times.len() > 100, "{signal}: {} spikes kept", times.len());
        assert_rate_over_time_reached(&out, &format!("interrupted by {}", signal.name()));
    }
    let mut left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["SIGHUP.h5", "SIGINT.h5", "SIGTERM.h5", "long.toml"]);
}

/// The interrupted recording `out` says how far the run got (`interrupted by SIGTERM` etc. as
/// `label`), and `info` gives the rate over that time: the neuron fires every 10 ms (100 Hz), not
/// the 1e9 ms the run was asked for.
fn assert_rate_over_time_reached(out: &Path, label: &str) {
    let root = hdf5_pure::File::open(out).unwrap().root().attrs().unwrap();
    let AttrValue::F64(reached) = root["t_reached"] else {
        panic!("t_reached: {:?}", root["t_reached"]);
    };
    assert_eq!(
        root["t_reached_units"],
        AttrValue::VarLenString("ms".into())
    );
    let (times, _) = read_spikes(out, "neuron").unwrap();
    assert!(
        reached > 100.0 && reached < 1e9 && *times.last().unwrap() <= reached,
        "t_reached {reached}, last spike {:?}",
        times.last()
    );
    let rate = times.len() as f64 / (reached / 1000.0);
    assert!((rate - 100.0).abs() < 1.0, "{rate} Hz");
    let summary = summarize(out).unwrap();
    let reached = format!("{reached:.3}");
    let reached = reached.trim_end_matches('0').trim_end_matches('.');
    let expected = format!("status:      INCOMPLETE ({label} at t = {reached} ms)\n");
    assert!(summary.contains(&expected), "{summary}");
    let expected = format!(
        "  neuron: size 1, {} spikes, t {:.3}..{:.3} ms, mean rate {rate:.3} Hz over the {reached} ms reached\n",
        times.len(),
        times[0],
        times.last().unwrap()
    );
    assert!(summary.contains(&expected), "{summary}");
}

/// A completed run reached its `t_stop`, and the file gives both with their units.
#[test]
fn a_complete_file_reached_t_stop() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("short.h5");
    assert!(run_example(&out, &["--quiet", "--t-stop", "250"])
        .status
        .success());
    let root = hdf5_pure::File::open(&out).unwrap().root().attrs().unwrap();
    assert_eq!(root["t_stop"], AttrValue::F64(250.0));
    assert_eq!(root["t_reached"], AttrValue::F64(250.0));
    for units in ["t_stop_units", "t_reached_units"] {
        assert_eq!(root[units], AttrValue::VarLenString("ms".into()), "{units}");
    }
    let summary = summarize(&out).unwrap();
    let spikes = read_spikes(&out, "neuron").unwrap().0.len();
    let expected = format!(", mean rate {:.3} Hz\n", spikes as f64 / 0.25);
    assert!(
        summary.contains("status:      complete (completed)\n"),
        "{summary}"
    );
    assert!(summary.contains(&expected), "{expected} in {summary}");
}

#[test]
fn raster_png_and_svg_are_written_and_unknown_populations_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.h5");
    assert!(run_example(&out, &["--quiet"]).status.success());
    for picture in ["r.png", "r.svg"] {
        let path = dir.path().join(picture);
        let output = cli(&[
            "raster",
            out.to_str().unwrap(),
            "--out",
            path.to_str().unwrap(),
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(std::fs::metadata(&path).unwrap().len() > 1000);
    }
    let bad = cli(&[
        "raster",
        out.to_str().unwrap(),
        "--out",
        dir.path().join("b.png").to_str().unwrap(),
        "--populations",
        "nope",
    ]);
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("nope") && stderr.contains("neuron"),
        "{stderr}"
    );
}

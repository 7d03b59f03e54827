//! `--threads`: the same output files, byte for byte, on 1 and 2 threads — a run of the COBA
//! benchmark, a sampling job and a calibration, each with enough work per window to be split
//! over the threads — and thread counts that cannot be used refused with one line.

use std::path::Path;

use crate::common::{cli, run_example, Edit, VALID};

/// The bytes of the file `name` that `exactspike ARGS --out name --threads N` writes, for 1 and
/// 2 threads.
fn outputs(args: &[&str], name: &str) -> [Vec<u8>; 2] {
    ["1", "2"].map(|threads| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join(name);
        let mut all = args.to_vec();
        all.extend(["--out", out.to_str().unwrap(), "--threads", threads]);
        let output = cli(&all);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{threads} threads: {stderr}");
        std::fs::read(&out).unwrap()
    })
}

/// Assert the two files are the same, naming the first differing byte.
fn assert_same_bytes([one, two]: &[Vec<u8>; 2], what: &str) {
    assert!(one.len() > 1000, "{what}: {} bytes", one.len());
    let first = one.iter().zip(two).position(|(a, b)| a != b);
    assert_eq!(first, None, "{what}: 1 and 2 threads differ");
    assert_eq!(one.len(), two.len(), "{what}: lengths differ");
}

#[test]
fn the_coba_benchmark_is_the_same_on_one_and_two_threads() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/coba_benchmark.toml");
    let args = ["run", file.to_str().unwrap(), "--t-stop", "60"];
    assert_same_bytes(&outputs(&args, "coba.h5"), "COBA");
}

/// A sampling file of 100 networks (300 samplers), sampling for 2 s.
fn many_networks(dir: &Path) -> String {
    let text = VALID
        .replace_once("t_stop = 10000.0", "t_stop = 2000.0")
        .replace_once("networks = 4", "networks = 100");
    let file = dir.join("sampling.toml");
    std::fs::write(&file, text).unwrap();
    file.to_str().unwrap().to_owned()
}

#[test]
fn a_sampling_job_and_its_calibration_are_the_same_on_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let file = many_networks(dir.path());
    assert_same_bytes(&outputs(&["calibrate", &file], "cal.h5"), "calibration");
    assert_same_bytes(&outputs(&["sample", &file], "sampling.h5"), "sampling");
}

#[test]
fn thread_counts_that_cannot_be_used_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.h5");
    for (threads, expected) in [
        (
            "0",
            "--threads 0: 0 threads requested: at least 1 is needed",
        ),
        (
            "257",
            "--threads 257: 257 threads requested: at most 256 can be used",
        ),
    ] {
        let output = run_example(&out, &["--threads", threads]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.trim(), format!("error: {expected}"));
        assert!(!out.exists());
    }
}

//! Output paths of every command that writes: only a new name or (with `--overwrite`) an
//! existing regular file is written; a directory, device or FIFO never is, a missing directory is
//! named, and each of these is bad input (exit status 2, one line naming the path).

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use exactspike::record::inspect::read_spikes;

use crate::common::{cli, run_example, VALID};

/// Exit status 2 and exactly the one line `error: {message}` on stderr.
fn assert_refused(output: &Output, message: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        (output.status.code(), stderr.as_ref()),
        (Some(2), format!("error: {message}\n").as_str())
    );
}

/// A finished recording of the shipped example in `dir` (replacing an earlier one).
fn recording(dir: &Path) -> PathBuf {
    let h5 = dir.join("run.h5");
    let output = run_example(&h5, &["--quiet", "--overwrite"]);
    assert!(output.status.success(), "{output:?}");
    h5
}

/// Every writing command with `out` as its output, with and without `--overwrite`; `h5` is a
/// recording and `sampling` a sampling file. The commands fail on `out` before reading anything.
fn every_command(h5: &Path, sampling: &Path, out: &Path) -> Vec<Vec<String>> {
    let (h5, sampling, out) = (
        h5.to_str().unwrap(),
        sampling.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    let experiment = crate::common::example();
    let commands = [
        vec!["run", experiment.to_str().unwrap()],
        vec!["calibrate", sampling],
        vec!["sample", sampling],
        vec!["train", sampling],
        vec!["raster", h5],
        vec!["plot-dkl", h5],
    ];
    let mut all = Vec::new();
    for command in commands {
        for overwrite in [false, true] {
            let mut args: Vec<String> = command.iter().map(|s| s.to_string()).collect();
            args.extend(["--out".to_string(), out.to_string()]);
            if overwrite {
                args.push("--overwrite".into());
            }
            all.push(args);
        }
    }
    all
}

/// Run every writing command on `out` (see [`every_command`]) and check each is refused with
/// `message`.
fn refused_everywhere(dir: &Path, out: &Path, message: &str) {
    let h5 = recording(dir);
    let sampling = dir.join("sampling.toml");
    std::fs::write(&sampling, VALID).unwrap();
    for args in every_command(&h5, &sampling, out) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = cli(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            (output.status.code(), stderr.as_ref()),
            (Some(2), format!("error: {message}\n").as_str()),
            "{args:?}"
        );
    }
}

#[test]
fn a_directory_is_not_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("results");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("kept.txt"), b"kept").unwrap();
    let message = format!("{}: is a directory, not a regular file", target.display());
    refused_everywhere(dir.path(), &target, &message);
    assert!(target.is_dir());
    assert_eq!(std::fs::read(target.join("kept.txt")).unwrap(), b"kept");
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 1);
}

/// A character device stays one, whatever the command and `--overwrite`: first a private node
/// made like /dev/null (major 1, minor 3) when the test may make one (as root), so that a
/// regression fails there before the machine's own /dev/null and /dev/full are tried.
#[test]
fn a_device_is_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let private = dir.path().join("null");
    let made = Command::new("mknod")
        .args([private.to_str().unwrap(), "c", "1", "3"])
        .output()
        .is_ok_and(|o| o.status.success());
    let mut devices = vec![PathBuf::from("/dev/null"), PathBuf::from("/dev/full")];
    if made {
        devices.insert(0, private);
    }
    for device in devices {
        let message = format!(
            "{}: is a character device, not a regular file",
            device.display()
        );
        refused_everywhere(dir.path(), &device, &message);
        let meta = std::fs::metadata(&device).unwrap();
        assert!(meta.file_type().is_char_device(), "{device:?} was replaced");
    }
    let hidden = crate::common::hidden_files(dir.path());
    assert!(hidden.is_empty(), "{hidden:?}");
    assert!(!Path::new("/dev/.null.partial").exists());
}

#[test]
fn a_fifo_is_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.h5");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let output = run_example(&fifo, &["--quiet", "--overwrite"]);
    assert_refused(
        &output,
        &format!("{}: is a FIFO, not a regular file", fifo.display()),
    );
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

#[test]
fn an_existing_recording_is_replaced_only_with_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("keep.h5");
    std::fs::write(&out, b"precious").unwrap();
    let output = run_example(&out, &["--quiet"]);
    let message = format!(
        "{}: output file exists (pass --overwrite to replace it)",
        out.display()
    );
    assert_refused(&output, &message);
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");
    let output = run_example(&out, &["--quiet", "--overwrite"]);
    assert!(output.status.success(), "{output:?}");
    assert!(read_spikes(&out, "neuron").unwrap().0.len() > 10);
}

/// `raster` and `plot-dkl` keep an existing picture unless `--overwrite` is given; `raster
/// --overwrite` then replaces it with a PNG.
#[test]
fn an_existing_picture_is_replaced_only_with_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let h5 = recording(dir.path());
    let picture = dir.path().join("picture.png");
    std::fs::write(&picture, b"an older picture").unwrap();
    let message = format!(
        "{}: output file exists (pass --overwrite to replace it)",
        picture.display()
    );
    for command in ["raster", "plot-dkl"] {
        let args = [
            command,
            h5.to_str().unwrap(),
            "--out",
            picture.to_str().unwrap(),
        ];
        assert_refused(&cli(&args), &message);
        assert_eq!(std::fs::read(&picture).unwrap(), b"an older picture");
    }
    let output = cli(&[
        "raster",
        h5.to_str().unwrap(),
        "--out",
        picture.to_str().unwrap(),
        "--overwrite",
    ]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(&std::fs::read(&picture).unwrap()[..4], b"\x89PNG");
    let hidden = crate::common::hidden_files(dir.path());
    assert!(hidden.is_empty(), "{hidden:?}");
}

/// `calibrate` writes NAME.png beside NAME.h5: an existing one is kept without `--overwrite`,
/// and the refusal comes before the calibration runs (nothing is written).
#[test]
fn calibrate_keeps_an_existing_picture_without_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let sampling = dir.path().join("sampling.toml");
    std::fs::write(&sampling, VALID).unwrap();
    let out = dir.path().join("calibration.h5");
    let picture = dir.path().join("calibration.png");
    std::fs::write(&picture, b"an older curve").unwrap();
    let output = cli(&[
        "calibrate",
        sampling.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let message = format!(
        "{}: output file exists (pass --overwrite to replace it)",
        picture.display()
    );
    assert_refused(&output, &message);
    assert_eq!(std::fs::read(&picture).unwrap(), b"an older curve");
    assert!(!out.exists());
}

#[test]
fn a_missing_output_directory_is_named_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let h5 = recording(dir.path());
    let missing = dir.path().join("no/such/dir");
    let (recording_out, picture_out) = (missing.join("x.h5"), missing.join("x.png"));
    let experiment = crate::common::example();
    let run = ["run", experiment.to_str().unwrap()];
    let raster = ["raster", h5.to_str().unwrap()];
    for (command, out) in [(run, &recording_out), (raster, &picture_out)] {
        let mut args = command.to_vec();
        args.extend(["--out", out.to_str().unwrap()]);
        let message = format!(
            "{}: {} is not an existing directory",
            out.display(),
            missing.display()
        );
        assert_refused(&cli(&args), &message);
    }
    let mut left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["run.h5"]);
}

/// An operating-system error is said once, not once in the message and again as its source.
#[test]
fn an_os_error_is_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.h5");
    let picture = dir.path().join("r.png");
    let info = vec!["info", missing.to_str().unwrap()];
    let mut raster = vec!["raster", missing.to_str().unwrap()];
    raster.extend(["--out", picture.to_str().unwrap()]);
    for args in [info, raster] {
        let output = cli(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            stderr,
            format!(
                "error: {}: cannot read: No such file or directory (os error 2)\n",
                missing.display()
            ),
            "{args:?}"
        );
        assert!(!output.status.success(), "{args:?}");
    }
}

//! Where `sample` and `train` take the sampler's activation curve from: measured at the start of
//! the run, or read from the file named by `[calibration] file`, a path relative to the sampling
//! file's directory (like a `profile`), never to the working directory. `calibrate` prints that
//! line for the file it wrote, and `sample` and `train` say which source they use.

use std::path::{Component, Path, PathBuf};

use super::spec::SamplingSpec;

/// Where `sample` and `train` take the sampler's activation curve from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalibrationSource<'a> {
    /// Measured at the start of the run (the sampling file sets no `[calibration] file`).
    Measured,
    /// Read from this file (`[calibration] file`, resolved against the sampling file's directory).
    File(&'a Path),
}

impl SamplingSpec {
    /// Where `sample` and `train` take the calibration from.
    pub fn calibration_source(&self) -> CalibrationSource<'_> {
        match &self.calibration.file {
            Some(path) => CalibrationSource::File(path),
            None => CalibrationSource::Measured,
        }
    }

    /// One line saying where the calibration of `sample` and `train` comes from, e.g.
    /// `read from calibration.h5` (the file as reached from the working directory).
    pub fn calibration_note(&self) -> String {
        match self.calibration_source() {
            CalibrationSource::File(path) => format!("read from {}", display_path(path).display()),
            CalibrationSource::Measured => format!(
                "measured now ({} sets no [calibration] file; `exactspike calibrate` stores one to reuse)",
                self.file
            ),
        }
    }

    /// What to write into this sampling file so that `sample` and `train` read the calibration
    /// file `calibration` (which must exist): a `file = "..."` line with the path relative to the
    /// sampling file's directory, introduced by where it goes, or a note that the file already
    /// reads it. Fails when either path cannot be resolved.
    pub fn calibration_hint(&self, calibration: &Path) -> std::io::Result<String> {
        let target = std::fs::canonicalize(calibration)?;
        let dir = std::fs::canonicalize(if self.dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &self.dir
        })?;
        let relative = relative_path(&dir, &target).display().to_string();
        let line = format!("file = {}", toml::Value::String(relative));
        let reads = |path: &PathBuf| std::fs::canonicalize(path).is_ok_and(|p| p == target);
        if self.calibration.file.as_ref().is_some_and(reads) {
            return Ok(format!("{} reads it ([calibration] {line})", self.file));
        }
        let has_section =
            (self.text.parse::<toml::Table>()).is_ok_and(|table| table.contains_key("calibration"));
        Ok(if has_section {
            format!(
                "to reuse it, put this line in the [calibration] section of {}:\n{line}",
                self.file
            )
        } else {
            format!(
                "to reuse it, add these lines to {}:\n[calibration]\n{line}",
                self.file
            )
        })
    }
}

/// `target` as a path relative to the directory `dir` (both absolute and without `..`).
fn relative_path(dir: &Path, target: &Path) -> PathBuf {
    let dir: Vec<_> = dir.components().collect();
    let target: Vec<_> = target.components().collect();
    let common = dir.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let mut relative = PathBuf::new();
    for _ in common..dir.len() {
        relative.push("..");
    }
    relative.extend(&target[common..]);
    relative
}

/// `path` without `.` and without `name/..` pairs (`experiments/../calibration.h5` becomes
/// `calibration.h5`), taken only when it names the same file (a symbolic link in `name` can make
/// the two differ); otherwise `path` as it is.
fn display_path(path: &Path) -> PathBuf {
    let tidy = lexically_tidy(path);
    let same = |a: &Path, b: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same(&tidy, path) {
        tidy
    } else {
        path.to_owned()
    }
}

/// `path` with `.` components dropped and each `name/..` pair removed, by text alone.
fn lexically_tidy(path: &Path) -> PathBuf {
    let mut parts: Vec<Component> = Vec::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        PathBuf::from(".")
    } else {
        parts.iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_to_the_common_directory() {
        let rel = |dir: &str, target: &str| relative_path(Path::new(dir), Path::new(target));
        assert_eq!(rel("/a/b", "/a/c/f.h5"), Path::new("../c/f.h5"));
        assert_eq!(rel("/a/b", "/a/b/f.h5"), Path::new("f.h5"));
        assert_eq!(rel("/a/b/c", "/f.h5"), Path::new("../../../f.h5"));
    }

    #[test]
    fn tidy_paths_drop_dots_and_name_dotdot_pairs() {
        let tidy = |p: &str| lexically_tidy(Path::new(p));
        assert_eq!(
            tidy("experiments/../calibration.h5"),
            Path::new("calibration.h5")
        );
        assert_eq!(tidy("../specs/../work/c.h5"), Path::new("../work/c.h5"));
        assert_eq!(tidy("./a/./b/../../c.h5"), Path::new("c.h5"));
        assert_eq!(tidy("../../c.h5"), Path::new("../../c.h5"));
        assert_eq!(tidy("/x/../c.h5"), Path::new("/c.h5"));
        assert_eq!(tidy("a/.."), Path::new("."));
    }
}

//! Output paths: which paths a recording or a picture may be written to, and how a file is
//! written so that it never appears half-written under its name.
//!
//! Only a new name in an existing directory, or (with `overwrite`) an existing regular file, is
//! written; a directory, device, socket or FIFO never is. A file is written under the hidden
//! sibling name `.NAME.partial` and renamed onto `NAME` once it is whole; a `PartialFile`
//! guard deletes the hidden file otherwise.

use std::path::{Path, PathBuf};

use super::RecordError;

/// Check that `path` may be written: a new name in an existing directory, or an existing
/// regular file (or a link to one) when `overwrite` is true. Errors: [`RecordError::NotAFile`]
/// (directory, device, socket, FIFO; whatever `overwrite` says), [`RecordError::Exists`],
/// [`RecordError::NoDirectory`].
pub fn check_output(path: &Path, overwrite: bool) -> Result<(), RecordError> {
    let shown = || path.display().to_string();
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => {
            if overwrite {
                Ok(())
            } else {
                Err(RecordError::Exists { path: shown() })
            }
        }
        Ok(meta) => Err(RecordError::NotAFile {
            path: shown(),
            kind: kind(&meta.file_type()),
        }),
        Err(e) if missing(&e) && names_a_directory(path) => Err(RecordError::NotAFile {
            path: shown(),
            kind: "a directory name",
        }),
        Err(e) if missing(&e) => check_directory(path),
        Err(error) => Err(RecordError::Io {
            path: shown(),
            error,
        }),
    }
}

/// The directory of `path` (`.` for a bare name) must exist.
fn check_directory(path: &Path) -> Result<(), RecordError> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    match std::fs::metadata(directory) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Err(error) if !missing(&error) => Err(RecordError::Io {
            path: directory.display().to_string(),
            error,
        }),
        _ => Err(RecordError::NoDirectory {
            path: path.display().to_string(),
            directory: directory.display().to_string(),
        }),
    }
}

/// Whether `path` ends with a separator (`out/`): it names a directory, never a file.
fn names_a_directory(path: &Path) -> bool {
    (path.as_os_str().to_string_lossy()).ends_with(std::path::is_separator)
}

/// Whether `error` says that a path does not exist: nothing has its name, or one of its
/// directories is a file.
fn missing(error: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(error.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory)
}

/// What a file that is not a regular file is, with its article.
fn kind(file_type: &std::fs::FileType) -> &'static str {
    if file_type.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

/// `.NAME.partial` in the directory of `path`.
pub(crate) fn partial_path(path: &Path) -> Result<PathBuf, RecordError> {
    let name = path.file_name().ok_or_else(|| RecordError::NotAFile {
        path: path.display().to_string(),
        kind: "a directory",
    })?;
    let mut partial = std::ffi::OsString::from(".");
    partial.push(name);
    partial.push(".partial");
    Ok(path.with_file_name(partial))
}

/// Write `bytes` to `path` (checked with [`check_output`]) through its hidden partial name, so
/// that `path` holds either its old content or all of `bytes`.
#[cfg(feature = "plot")]
pub(crate) fn write_whole(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), RecordError> {
    check_output(path, overwrite)?;
    let mut partial = PartialFile::new(partial_path(path)?);
    let io = |error| RecordError::Io {
        path: path.display().to_string(),
        error,
    };
    std::fs::write(&partial.path, bytes).map_err(io)?;
    std::fs::rename(&partial.path, path).map_err(io)?;
    partial.keep();
    Ok(())
}

/// A file that is deleted when this guard is dropped, unless [`keep`](Self::keep) was called.
pub(crate) struct PartialFile {
    /// The file.
    pub(crate) path: PathBuf,
    keep: bool,
}

impl PartialFile {
    /// Guard `path`, removing whatever a previous run left there.
    pub(crate) fn new(path: PathBuf) -> Self {
        Self { path, keep: false }
    }

    /// Remove a file left at the guarded path by an earlier run, if any.
    pub(crate) fn clear(&self) -> Result<(), RecordError> {
        match std::fs::remove_file(&self.path) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(RecordError::Io {
                path: self.path.display().to_string(),
                error,
            }),
            _ => Ok(()),
        }
    }

    /// Keep the file: it has been renamed onto its final name.
    pub(crate) fn keep(&mut self) {
        self.keep = true;
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_names_and_regular_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("old.h5");
        std::fs::write(&file, b"old").unwrap();
        assert!(check_output(&dir.path().join("new.h5"), false).is_ok());
        assert!(check_output(&file, true).is_ok());
        let exists = check_output(&file, false).unwrap_err();
        assert!(matches!(exists, RecordError::Exists { .. }), "{exists}");
        for overwrite in [false, true] {
            let err = check_output(dir.path(), overwrite).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "{}: is a directory, not a regular file",
                    dir.path().display()
                )
            );
            let err = check_output(Path::new("/dev/null"), overwrite).unwrap_err();
            assert_eq!(
                err.to_string(),
                "/dev/null: is a character device, not a regular file"
            );
            assert!(err.is_bad_input());
        }
        let missing = dir.path().join("no/such/x.h5");
        let err = check_output(&missing, true).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: {} is not an existing directory",
                missing.display(),
                dir.path().join("no/such").display()
            )
        );
        for slashed in [dir.path().join("new.h5/"), file.join("")] {
            let err = check_output(&slashed, true).unwrap_err();
            let message = format!(
                "{}: is a directory name, not a regular file",
                slashed.display()
            );
            assert_eq!(err.to_string(), message);
        }
        let under_a_file = file.join("x.h5");
        let err = check_output(&under_a_file, true).unwrap_err();
        assert!(matches!(err, RecordError::NoDirectory { .. }), "{err}");
    }

    #[cfg(feature = "plot")]
    #[test]
    fn whole_files_replace_old_ones_and_leave_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("picture.png");
        write_whole(&file, b"first", false).unwrap();
        let err = write_whole(&file, b"second", false).unwrap_err();
        assert!(matches!(err, RecordError::Exists { .. }), "{err}");
        assert_eq!(std::fs::read(&file).unwrap(), b"first");
        write_whole(&file, b"second", true).unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["picture.png"]);
    }
}

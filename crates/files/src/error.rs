//! The one error type of file handling: the path and what went wrong, in words for a person.

use std::path::{Path, PathBuf};

/// A file could not be read or written safely.
#[derive(Debug, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct FileError {
    /// The path the user gave (or the one her2sim derived from it).
    pub path: PathBuf,
    /// Why, including what to do about it where that is not obvious.
    pub reason: String,
}

impl FileError {
    pub(crate) fn new(path: &Path, reason: impl Into<String>) -> Self {
        FileError {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }

    pub(crate) fn io(path: &Path, e: std::io::Error) -> Self {
        Self::new(path, e.to_string())
    }
}

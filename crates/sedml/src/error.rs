//! The one error type of SED-ML runs: which file, which element (and id), and why.

use std::fmt;

/// A SED-ML document or archive that cannot be read or run.
#[derive(Debug, Clone, PartialEq)]
pub struct SedmlError {
    /// The SED-ML file, archive or model file concerned (as given, or `archive!entry`).
    pub file: String,
    /// 1-based line in that file, when known.
    pub line: Option<u32>,
    /// The element, e.g. `task 'task1'` (empty when the whole file is concerned).
    pub element: String,
    /// What is wrong.
    pub message: String,
}

impl SedmlError {
    pub(crate) fn new(
        file: impl Into<String>,
        element: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        SedmlError {
            file: file.into(),
            line: None,
            element: element.into(),
            message: message.into(),
        }
    }

    pub(crate) fn at_line(mut self, line: u32) -> Self {
        self.line.get_or_insert(line);
        self
    }
}

impl fmt::Display for SedmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.element.is_empty() {
            write!(f, ": {}", self.element)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for SedmlError {}

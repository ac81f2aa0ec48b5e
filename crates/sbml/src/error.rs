//! Error type for reading SBML: always says where (line, element, id) and why.

use std::fmt;

/// A problem found while reading an SBML document.
#[derive(Debug, Clone, PartialEq)]
pub struct SbmlError {
    /// 1-based line in the XML text, when known.
    pub line: Option<u32>,
    /// Element name and id, e.g. `reaction 'R1'`.
    pub element: Option<String>,
    pub message: String,
}

impl SbmlError {
    pub fn new(message: impl Into<String>) -> Self {
        SbmlError {
            line: None,
            element: None,
            message: message.into(),
        }
    }

    pub fn at(mut self, line: u32, element: impl Into<String>) -> Self {
        self.line.get_or_insert(line);
        if self.element.is_none() {
            self.element = Some(element.into());
        }
        self
    }

    /// True when the document uses a construct this reader recognises but does not support.
    pub fn is_unsupported(&self) -> bool {
        self.message.starts_with("unsupported:")
    }
}

impl fmt::Display for SbmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if let Some(el) = &self.element {
            write!(f, "{el}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for SbmlError {}

//! Errors found while turning SBML into the IR: undefined symbols, cycles, unsupported features.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub struct ModelError {
    pub line: Option<u32>,
    /// The element and id concerned, e.g. `reaction 'R1'`.
    pub element: String,
    pub message: String,
}

impl ModelError {
    pub fn new(element: impl Into<String>, line: Option<u32>, message: impl Into<String>) -> Self {
        ModelError {
            line,
            element: element.into(),
            message: message.into(),
        }
    }

    pub fn is_unsupported(&self) -> bool {
        self.message.starts_with("unsupported:")
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        write!(f, "{}: {}", self.element, self.message)
    }
}

impl std::error::Error for ModelError {}

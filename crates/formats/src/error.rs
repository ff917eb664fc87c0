//! One error type for every reader: where in which file, and why.

use std::fmt;

/// A place in a file: a line (1-based) and/or a JSON path, and a column or field name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    pub line: Option<usize>,
    /// A JSON path such as `$.markers[3].frequencies[2]`.
    pub path: Option<String>,
    /// The column (header name) or field.
    pub field: Option<String>,
}

impl Location {
    pub fn line(line: usize) -> Location {
        Location {
            line: Some(line),
            ..Location::default()
        }
    }

    pub fn line_field(line: usize, field: impl Into<String>) -> Location {
        Location {
            line: Some(line),
            path: None,
            field: Some(field.into()),
        }
    }

    pub fn path(path: impl Into<String>) -> Location {
        Location {
            line: None,
            path: Some(path.into()),
            field: None,
        }
    }
}

/// A file that cannot be read as what it should be. Displays as
/// `FILE:LINE: field FIELD: REASON` (or `FILE: at $.json.path: REASON`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    pub file: String,
    pub location: Location,
    pub reason: String,
}

impl FormatError {
    pub fn new(
        file: impl Into<String>,
        location: Location,
        reason: impl Into<String>,
    ) -> FormatError {
        FormatError {
            file: file.into(),
            location,
            reason: reason.into(),
        }
    }

    /// An error about the file as a whole (it cannot be opened, it is empty, ...).
    pub fn whole(file: impl Into<String>, reason: impl Into<String>) -> FormatError {
        FormatError::new(file, Location::default(), reason)
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.location.line {
            write!(f, ":{line}")?;
        }
        write!(f, ":")?;
        if let Some(path) = &self.location.path {
            write!(f, " at {path}:")?;
        }
        if let Some(field) = &self.location.field {
            write!(f, " field {field:?}:")?;
        }
        write!(f, " {}", self.reason)
    }
}

impl std::error::Error for FormatError {}

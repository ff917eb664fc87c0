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

/// The longest reason kept, in characters. Reasons quote the value they
/// refuse; a longer one (a hostile file's 70,000-character field) is cut in
/// its middle, keeping the start and the explanation at its end.
pub const REASON_MAX_CHARS: usize = 400;
/// The longest field name or JSON path kept, in characters (both can come
/// from the file: a header name, an object key).
pub const PLACE_MAX_CHARS: usize = 120;

/// `text` if it has at most `max` characters; otherwise its start and its end
/// with the number of characters cut between them.
fn clip(text: String, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text;
    }
    let keep = max / 2;
    let head: String = text.chars().take(keep).collect();
    let tail: String = text.chars().skip(count - keep).collect();
    format!("{head}…[{} characters cut]…{tail}", count - 2 * keep)
}

impl FormatError {
    /// An error at a place; a reason, field or path quoting a huge value is
    /// cut (see [`REASON_MAX_CHARS`]), so that a message stays readable.
    pub fn new(
        file: impl Into<String>,
        location: Location,
        reason: impl Into<String>,
    ) -> FormatError {
        let location = Location {
            line: location.line,
            path: location.path.map(|p| clip(p, PLACE_MAX_CHARS)),
            field: location.field.map(|f| clip(f, PLACE_MAX_CHARS)),
        };
        FormatError {
            file: file.into(),
            location,
            reason: clip(reason.into(), REASON_MAX_CHARS),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_quoted_values_are_cut_in_the_middle() {
        let value = "9".repeat(70_000);
        let reason = format!("{value:?} is not an allele: expected a repeat number");
        let cut = reason.chars().count() - REASON_MAX_CHARS;
        let e = FormatError::new("g.txt", Location::line_field(2, "x".repeat(500)), reason);
        assert!(e.reason.starts_with("\"999"), "{}", e.reason);
        assert!(
            e.reason
                .ends_with("999\" is not an allele: expected a repeat number"),
            "{}",
            e.reason
        );
        assert!(
            e.reason.contains(&format!("…[{cut} characters cut]…")),
            "{}",
            e.reason
        );
        assert!(e.location.field.unwrap().chars().count() < 160);
        // Short reasons are kept whole.
        let e = FormatError::new("g.txt", Location::line(2), "empty allele");
        assert_eq!(e.reason, "empty allele");
    }
}

//! Errors that say where: the file, the line, the field, and why.

use std::fmt;

/// The longest reason kept, in characters (a reason may quote a hostile value).
pub const REASON_MAX_CHARS: usize = 400;

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

/// Input refused at a place. Displays as `FILE:LINE: field FIELD: REASON`
/// (the parts that are known).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LocatedError {
    pub file: String,
    pub line: Option<usize>,
    pub field: Option<String>,
    pub reason: String,
}

impl LocatedError {
    pub fn new(
        file: &str,
        line: Option<usize>,
        field: Option<&str>,
        reason: impl Into<String>,
    ) -> LocatedError {
        LocatedError {
            file: file.to_string(),
            line,
            field: field.map(|f| clip(f.to_string(), 120)),
            reason: clip(reason.into(), REASON_MAX_CHARS),
        }
    }
}

impl fmt::Display for LocatedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": ")?;
        if let Some(field) = &self.field {
            write!(f, "field {field}: ")?;
        }
        write!(f, "{}", self.reason)
    }
}

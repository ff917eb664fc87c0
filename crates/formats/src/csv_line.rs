//! One line of a delimited table split into fields by the `csv` crate's
//! parser, `csv_core`: the one splitter of the frequency and genotype tables
//! (`frequencies.rs`, `TableReader`) and of the registry's CSV files
//! (`registry_csv.rs`).
//!
//! The parser is reset at every line, so that a quote never runs past its
//! line (each line is one row, and errors name the right line), and its
//! buffers are reused from line to line: the memory is that of the longest
//! line. Each field is trimmed. As `csv_core` reads a line:
//!
//! - a field whose first byte is a quote is quoted: it may hold the delimiter,
//!   and `""` is a quote inside it; a quote elsewhere is a plain character;
//! - a UTF-8 byte order mark at the start of the line is dropped.
//!
//! One rule is added: spaces and tabs (other than the delimiter) before the
//! opening quote of a field are skipped, so that `a, "b, c"` is two fields,
//! as it was for the registry's files.
//!
//! `csv_core` prefers *a* parse over *no* parse, so it reads an unclosed quote
//! as running to the end of the line, and text after a closing quote as part
//! of the field. The frequency and genotype tables read lines so; the
//! registry's files refuse them, with the field, from [`LineSplitter::fault`].
//! Both faults are found from what the parser did, not by splitting again:
//!
//! - **an unclosed quote**: after the line a record terminator is given that
//!   can never be in a line (the byte 0xFF, which UTF-8 text never holds).
//!   Outside a quoted field it ends the record; inside one the parser copies
//!   it into the field and asks for more input, so the quote is open.
//! - **text after a closing quote**: the parser tells how many bytes of the
//!   line each field consumed. A quoted field closed before its delimiter
//!   consumed exactly its opening quote, its value with each quote doubled
//!   and its closing quote, then only spaces and tabs; text after the closing
//!   quote is copied into the value as written and breaks that count or the
//!   last quote (see [`closed_cleanly`]).

use csv_core::{ReadFieldResult, Reader, ReaderBuilder, Terminator};

use crate::error::{FormatError, Location};

/// The record terminator given after each line: not UTF-8, so never in a line.
const PROBE: u8 = 0xFF;

const QUOTE: u8 = b'"';

const BOM: &[u8] = "\u{feff}".as_bytes();

/// A line the registry's files refuse, though `csv_core` reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fault {
    /// The field (0-based) of the fault.
    pub field: usize,
    pub kind: FaultKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultKind {
    /// A quoted field without its closing quote.
    Unclosed,
    /// Text other than spaces and tabs after the closing quote of a field.
    TextAfterQuote,
}

impl Fault {
    /// The reason, as the registry's files give it.
    pub(crate) fn reason(&self) -> &'static str {
        match self.kind {
            FaultKind::Unclosed => "a quoted field is not closed (a field cannot span lines)",
            FaultKind::TextAfterQuote => "text after the closing quote of a quoted field",
        }
    }
}

/// Splits lines into trimmed fields (see the module documentation), with one
/// `csv_core` reader and buffers reused from line to line.
pub(crate) struct LineSplitter {
    parser: Reader,
    delimiter: u8,
    /// The values of the fields of the line, one after the other.
    out: Vec<u8>,
    fields: Vec<String>,
    /// The fields of the line last split (`fields` may hold more, unused).
    count: usize,
    fault: Option<Fault>,
}

impl LineSplitter {
    pub(crate) fn new(delimiter: u8) -> LineSplitter {
        LineSplitter {
            parser: ReaderBuilder::new()
                .delimiter(delimiter)
                .quote(QUOTE)
                .terminator(Terminator::Any(PROBE))
                .build(),
            delimiter,
            out: Vec::new(),
            fields: Vec::new(),
            count: 0,
            fault: None,
        }
    }

    /// Splits one line (without its line end), giving its fields to
    /// [`LineSplitter::fields`] and its first fault, if any, to
    /// [`LineSplitter::fault`]. A line that is empty (or only a byte order
    /// mark) has no field.
    pub(crate) fn split(&mut self, line: &str) {
        let line = line.as_bytes();
        self.parser.reset();
        self.count = 0;
        self.fault = None;
        self.out.clear();
        self.out.resize(line.len() + 1, 0);
        // Where the parser is in the line, and in `out`.
        let mut at = 0;
        let mut nout = 0;
        // The current field: where it starts in the line and in `out`.
        let mut field: Option<(usize, usize)> = None;
        let mut probed = false;
        let mut unclosed = false;
        loop {
            let (start, out_start) = match field {
                Some(f) => f,
                None => {
                    // A field starts: a byte order mark at the start of the
                    // line is dropped by the parser; blanks before an opening
                    // quote are skipped here.
                    let rest = &line[at..];
                    let bom = if at == 0 && rest.starts_with(BOM) {
                        BOM.len()
                    } else {
                        0
                    };
                    let blanks = rest[bom..]
                        .iter()
                        .take_while(|&&b| b != self.delimiter && (b == b' ' || b == b'\t'))
                        .count();
                    let start = if rest.get(bom + blanks) == Some(&QUOTE) {
                        at += bom + blanks;
                        at
                    } else {
                        at + bom
                    };
                    *field.insert((start, nout))
                }
            };
            let from_line = at < line.len();
            let input: &[u8] = if from_line {
                &line[at..]
            } else if !probed {
                probed = true;
                &[PROBE]
            } else {
                &[]
            };
            let (result, nin, n) = self.parser.read_field(input, &mut self.out[nout..]);
            if from_line {
                at += nin;
            }
            nout += n;
            match result {
                ReadFieldResult::InputEmpty => {
                    // The terminator after the line was copied into the field:
                    // a quote is open.
                    unclosed |= !from_line && !input.is_empty() && n == 1;
                }
                ReadFieldResult::OutputFull => {
                    let len = self.out.len();
                    self.out.resize(len * 2 + 1, 0);
                }
                ReadFieldResult::Field { record_end } => {
                    let mut out_end = nout;
                    if unclosed {
                        // The probe, copied into the value.
                        out_end -= 1;
                        self.note(FaultKind::Unclosed);
                    } else {
                        // The field's bytes of the line, without the delimiter.
                        let end = if record_end { line.len() } else { at - 1 };
                        let raw = &line[start..end];
                        let value = &self.out[out_start..out_end];
                        if raw.first() == Some(&QUOTE) && !closed_cleanly(raw, value) {
                            self.note(FaultKind::TextAfterQuote);
                        }
                    }
                    self.push(out_start, out_end);
                    field = None;
                    if record_end {
                        break;
                    }
                }
                ReadFieldResult::End => break,
            }
        }
    }

    /// Keeps the first fault of the line, at the field being read.
    fn note(&mut self, kind: FaultKind) {
        if self.fault.is_none() {
            self.fault = Some(Fault {
                field: self.count,
                kind,
            });
        }
    }

    /// Adds the field whose value is `out[start..end]`, trimmed.
    fn push(&mut self, start: usize, end: usize) {
        // The parser drops only quotes and a byte order mark: the value is
        // UTF-8, and `from_utf8_lossy` borrows it.
        let value = String::from_utf8_lossy(&self.out[start..end]);
        let value = value.trim();
        match self.fields.get_mut(self.count) {
            Some(f) => {
                f.clear();
                f.push_str(value);
            }
            None => self.fields.push(value.to_string()),
        }
        self.count += 1;
    }

    /// The fields of the line last split, trimmed.
    pub(crate) fn fields(&self) -> &[String] {
        &self.fields[..self.count]
    }

    /// The first fault of the line last split: an unclosed quote, or text
    /// after a closing quote. The fields are as `csv_core` read them all the
    /// same (the quote running to the end of the line, the text part of the
    /// field).
    pub(crate) fn fault(&self) -> Option<Fault> {
        self.fault
    }

    /// Cuts the fields to `n` (those cut are empty) or pads them with empty ones.
    pub(crate) fn fit(&mut self, n: usize) {
        while self.fields.len() < n {
            self.fields.push(String::new());
        }
        for f in &mut self.fields[self.count.min(n)..n] {
            f.clear();
        }
        self.count = n;
    }
}

/// Splits one line (see the module documentation) into trimmed fields,
/// reading a fault as `csv_core` does.
pub(crate) fn split_line(line: &str, delimiter: u8) -> Vec<String> {
    let mut splitter = LineSplitter::new(delimiter);
    splitter.split(line);
    splitter.fields().to_vec()
}

/// A row's fields beyond its header's columns, refused unless they are
/// empty (a trailing delimiter): "N fields but the header has M columns".
pub(crate) fn check_no_extra_fields(
    file: &str,
    line: usize,
    fields: &[String],
    columns: usize,
) -> Result<(), FormatError> {
    if fields.len() > columns && fields[columns..].iter().any(|f| !f.is_empty()) {
        return Err(FormatError::new(
            file,
            Location::line(line),
            format!(
                "{} fields but the header has {} columns",
                fields.len(),
                columns
            ),
        ));
    }
    Ok(())
}

/// Whether a quoted field, `raw` as written in the line (from its opening
/// quote to its delimiter) and `value` as the parser gave it, ended at its
/// closing quote, spaces and tabs aside.
///
/// The parser drops the opening quote, one quote of each `""` and the closing
/// quote, and copies everything after the closing quote as written. With `v`
/// the value up to the closing quote and `t` the text after it, `raw` is
/// `"v"t` (the quotes of `v` doubled) and the value is `vt`. Without their
/// common trailing spaces and tabs, `raw` ends with the closing quote and is
/// longer than the value by two and the value's quotes only if no text is
/// left of `t`: a `t` without a quote breaks the first, one with a quote the
/// second.
fn closed_cleanly(raw: &[u8], value: &[u8]) -> bool {
    let blanks = raw
        .iter()
        .rev()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    let raw = &raw[..raw.len() - blanks];
    let Some(value) = value.len().checked_sub(blanks).map(|n| &value[..n]) else {
        return false;
    };
    let quotes = value.iter().filter(|&&b| b == QUOTE).count();
    raw.last() == Some(&QUOTE) && raw.len() == value.len() + quotes + 2
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fields of a comma-separated line, or its fault.
    fn split(line: &str) -> Result<Vec<String>, Fault> {
        let mut s = LineSplitter::new(b',');
        s.split(line);
        match s.fault() {
            Some(fault) => Err(fault),
            None => Ok(s.fields().to_vec()),
        }
    }

    fn fields(list: &[&str]) -> Result<Vec<String>, Fault> {
        Ok(list.iter().map(|f| f.to_string()).collect())
    }

    fn fault(field: usize, kind: FaultKind) -> Result<Vec<String>, Fault> {
        Err(Fault { field, kind })
    }

    #[test]
    fn plain_fields() {
        assert_eq!(split("a,,b,"), fields(&["a", "", "b", ""]));
        assert_eq!(split(" a , b\t"), fields(&["a", "b"]));
        assert_eq!(split(","), fields(&["", ""]));
        // A quote not at the start of a field is a plain character.
        assert_eq!(split("z\"q,a\"\"b\""), fields(&["z\"q", "a\"\"b\""]));
    }

    #[test]
    fn quoted_fields_hold_commas_and_doubled_quotes() {
        assert_eq!(
            split("\"Kunming, Yunnan\",x"),
            fields(&["Kunming, Yunnan", "x"])
        );
        assert_eq!(
            split("a,\"say \"\"hi\"\", then go\""),
            fields(&["a", "say \"hi\", then go"])
        );
        assert_eq!(split("\"\",\"\"\"\""), fields(&["", "\""]));
        // With a semicolon or a tab as the delimiter.
        let mut s = LineSplitter::new(b';');
        s.split("\"0,5;1\";2");
        assert_eq!(s.fields(), ["0,5;1", "2"]);
        let mut s = LineSplitter::new(b'\t');
        s.split("a\t\t\"b\tc\"");
        assert_eq!(s.fields(), ["a", "", "b\tc"]);
        assert_eq!(s.fault(), None);
    }

    #[test]
    fn spaces_around_quoted_fields() {
        assert_eq!(
            split(" \"x,\"\"y\"\"\" ,z\"q"),
            fields(&["x,\"y\"", "z\"q"])
        );
        assert_eq!(split("a,\t \"b, c\" \t,d"), fields(&["a", "b, c", "d"]));
        // Spaces inside the quotes are the value's, then trimmed.
        assert_eq!(split("\" b \"  "), fields(&["b"]));
        // A tab that is the delimiter is not skipped.
        let mut s = LineSplitter::new(b'\t');
        s.split("a\t\t \"b\"");
        assert_eq!(s.fields(), ["a", "", "b"]);
    }

    #[test]
    fn an_unclosed_quote_is_a_fault_at_its_field() {
        let unclosed = FaultKind::Unclosed;
        assert_eq!(split("\"a"), fault(0, unclosed));
        assert_eq!(split("A,,,,,,\"Kunming, Yunnan,,,"), fault(6, unclosed));
        assert_eq!(split("a, \"b"), fault(1, unclosed));
        assert_eq!(split("a,\"b\"\""), fault(1, unclosed));
        // Read as csv_core reads it: the quote runs to the end of the line.
        let mut s = LineSplitter::new(b',');
        s.split("x,\"a,b ");
        assert_eq!(s.fields(), ["x", "a,b"]);
        assert_eq!(split_line("x,\"a,b", b','), ["x", "a,b"]);
    }

    #[test]
    fn text_after_a_closing_quote_is_a_fault_at_its_field() {
        let after = FaultKind::TextAfterQuote;
        assert_eq!(split("a,\"b\"c"), fault(1, after));
        assert_eq!(split("A,,,,,,\"Kunming\" x,,,"), fault(6, after));
        assert_eq!(split("\"a\" \"b\",c"), fault(0, after));
        assert_eq!(split("\"a\"x\""), fault(0, after));
        assert_eq!(split("\"a\"\"\"b,c"), fault(0, after));
        // The first fault of the line.
        assert_eq!(split("\"a\"b,\"c"), fault(0, after));
        assert_eq!(split("a,\"b\"c,\"d"), fault(1, after));
        // Read as csv_core reads it: the text is part of the field.
        assert_eq!(split_line("\"Kunming\" x,y", b','), ["Kunming x", "y"]);
    }

    #[test]
    fn empty_and_blank_lines() {
        assert_eq!(split(""), fields(&[]));
        assert_eq!(split("\u{feff}"), fields(&[]));
        assert_eq!(split("  "), fields(&[""]));
        assert_eq!(split("\"\""), fields(&[""]));
    }

    #[test]
    fn a_byte_order_mark_starting_the_line_is_dropped() {
        assert_eq!(split("\u{feff}a,b"), fields(&["a", "b"]));
        assert_eq!(split("\u{feff}\"a,b\",c"), fields(&["a,b", "c"]));
        assert_eq!(split("\u{feff} \"a,b\",c"), fields(&["a,b", "c"]));
        assert_eq!(split("\u{feff}\"a\"b"), fault(0, FaultKind::TextAfterQuote));
        // Elsewhere it is a character of its field.
        assert_eq!(split("a,\u{feff}b"), fields(&["a", "\u{feff}b"]));
    }

    #[test]
    fn buffers_are_reused_from_line_to_line() {
        let mut s = LineSplitter::new(b',');
        s.split("a,b,c,d");
        s.split("\"x\"y");
        assert_eq!(s.fields(), ["xy"]);
        assert!(s.fault().is_some());
        s.split("e,f");
        assert_eq!(s.fields(), ["e", "f"]);
        assert_eq!(s.fault(), None);
        s.fit(4);
        assert_eq!(s.fields(), ["e", "f", "", ""]);
        s.fit(1);
        assert_eq!(s.fields(), ["e"]);
        // A line longer than any before.
        let long = format!("\"{}\"", "é, \"\"".repeat(200));
        s.split(&long);
        assert_eq!(s.fields(), ["é, \"".repeat(200)]);
        assert_eq!(s.fault(), None);
    }
}

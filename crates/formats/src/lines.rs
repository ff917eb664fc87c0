//! The lines of a text file, whatever ended them: every reader of this crate
//! splits its text here, so a file written on Unix (LF), Windows (CRLF) or
//! an old Mac (CR only) reads the same, with the same line numbers.

/// The lines of `text`, split at LF, CRLF or a lone CR, without their ends.
/// As with [`str::lines`], a text that ends in a line end has no empty line
/// after it (so a truncated file is reported at the line after its last),
/// and an empty text has no line.
pub fn split_lines(text: &str) -> Lines<'_> {
    Lines { rest: text }
}

/// `text` with every CRLF and lone CR made LF, for the XML readers: XML's
/// own end-of-line handling (XML 1.0, 2.11) reads the document the same
/// either way, but roxmltree counts lines by LF only, so without this a
/// CR-only file would be all line 1 in errors. Borrowed when there is no CR.
pub fn lf_line_ends(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('\r') {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// The iterator of [`split_lines`].
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.rest.is_empty() {
            return None;
        }
        match self.rest.find(['\n', '\r']) {
            None => {
                let line = self.rest;
                self.rest = "";
                Some(line)
            }
            Some(at) => {
                let line = &self.rest[..at];
                let end = if self.rest[at..].starts_with("\r\n") {
                    2
                } else {
                    1
                };
                self.rest = &self.rest[at + end..];
                Some(line)
            }
        }
    }
}

/// The lines of a byte stream, split as [`split_lines`] splits a text (LF,
/// CRLF or a lone CR; no empty line after a final line end), read one at a
/// time into one reused buffer, so that a file of any size is read in the
/// memory of its longest line. A UTF-8 byte order mark at the start is
/// dropped, as the text readers drop it.
pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    line: usize,
    /// The last line ended in CR: a LF right after it belongs to that end.
    after_cr: bool,
}

/// Why a line could not be read.
#[derive(Debug)]
pub enum LineError {
    /// The stream failed.
    Io(std::io::Error),
    /// The line (1-based) is not UTF-8 text.
    NotUtf8 { line: usize },
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LineError::Io(e) => write!(f, "cannot read the file: {e}"),
            LineError::NotUtf8 { .. } => {
                write!(f, "cannot read the file: the line is not UTF-8 text")
            }
        }
    }
}

impl LineError {
    /// As a located error of `file`.
    pub fn located(&self, file: &str) -> crate::FormatError {
        match self {
            LineError::Io(_) => crate::FormatError::whole(file, self.to_string()),
            LineError::NotUtf8 { line } => {
                crate::FormatError::new(file, crate::Location::line(*line), self.to_string())
            }
        }
    }
}

const BOM: &[u8] = "\u{feff}".as_bytes();

impl<R: std::io::BufRead> LineReader<R> {
    pub fn new(inner: R) -> LineReader<R> {
        LineReader {
            inner,
            buf: Vec::new(),
            line: 0,
            after_cr: false,
        }
    }

    /// The next line with its number (1-based), or `None` at the end.
    pub fn next_line(&mut self) -> Result<Option<(usize, &str)>, LineError> {
        self.buf.clear();
        if std::mem::take(&mut self.after_cr) {
            let next = self.inner.fill_buf().map_err(LineError::Io)?;
            if next.first() == Some(&b'\n') {
                self.inner.consume(1);
            }
        }
        let mut any = false;
        loop {
            let available = self.inner.fill_buf().map_err(LineError::Io)?;
            if available.is_empty() {
                if !any {
                    return Ok(None);
                }
                break;
            }
            any = true;
            match available.iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(at) => {
                    self.after_cr = available[at] == b'\r';
                    self.buf.extend_from_slice(&available[..at]);
                    self.inner.consume(at + 1);
                    break;
                }
                None => {
                    let n = available.len();
                    self.buf.extend_from_slice(available);
                    self.inner.consume(n);
                }
            }
        }
        self.line += 1;
        let bytes = if self.line == 1 {
            self.buf.strip_prefix(BOM).unwrap_or(&self.buf)
        } else {
            &self.buf[..]
        };
        let line = self.line;
        std::str::from_utf8(bytes)
            .map(|text| Some((line, text)))
            .map_err(|_| LineError::NotUtf8 { line })
    }

    /// The stream, read up to where the lines were taken.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<&str> {
        split_lines(text).collect()
    }

    #[test]
    fn every_line_end_alike() {
        for end in ["\n", "\r\n", "\r"] {
            let text = ["a,b", "", "c", ""].join(end);
            assert_eq!(lines(&text), vec!["a,b", "", "c"], "{end:?}");
            assert_eq!(lines(&format!("x{end}y")), vec!["x", "y"], "{end:?}");
        }
        // Mixed ends, as files edited on several systems have.
        assert_eq!(lines("a\r\nb\rc\nd"), vec!["a", "b", "c", "d"]);
        // CR CR LF: an empty line between.
        assert_eq!(lines("a\r\r\nb"), vec!["a", "", "b"]);
        assert_eq!(lines("a\n\r\nb"), vec!["a", "", "b"]);
    }

    #[test]
    fn like_str_lines_at_the_ends() {
        for text in ["", "\n", "a", "a\n", "a\n\n", "\n\na", " x \n y "] {
            assert_eq!(lines(text), text.lines().collect::<Vec<_>>(), "{text:?}");
        }
        assert_eq!(lines("\r"), vec![""]);
        assert_eq!(lines("a\r\r"), vec!["a", ""]);
    }

    /// The streaming reader splits as `split_lines` does, whatever the
    /// buffer size cuts (a CR at the end of one buffer, its LF in the next).
    #[test]
    fn line_reader_splits_as_split_lines() {
        let texts = [
            "",
            "\n",
            "a",
            "a\n",
            "a\n\n",
            "\n\na",
            " x \n y ",
            "\r",
            "a\r\r",
            "a\r\nb\rc\nd",
            "a\r\r\nb",
            "a\n\r\nb",
            "\u{feff}h\r\nx",
            "\u{feff}\u{feff}h",
            "x\r\n\r\n",
        ];
        for text in texts {
            let want: Vec<&str> =
                split_lines(text.strip_prefix('\u{feff}').unwrap_or(text)).collect();
            for capacity in [1, 2, 3, 64] {
                let mut r =
                    LineReader::new(std::io::BufReader::with_capacity(capacity, text.as_bytes()));
                let mut got = Vec::new();
                while let Some((n, line)) = r.next_line().unwrap() {
                    assert_eq!(n, got.len() + 1);
                    got.push(line.to_string());
                }
                assert_eq!(got, want, "{text:?} read {capacity} bytes at a time");
            }
        }
        let mut r = LineReader::new(&b"ok\n\xff\xfe\n"[..]);
        assert!(r.next_line().unwrap().is_some());
        assert!(matches!(r.next_line(), Err(LineError::NotUtf8 { line: 2 })));
    }

    /// `text` (written with LF ends) with every line end made `end`.
    fn ended(text: &str, end: &str) -> String {
        text.replace('\n', end)
    }

    const ENDS: [&str; 3] = ["\n", "\r\n", "\r"];

    /// A GeneMapper export of 44 genotype rows (two samples, 22 markers)
    /// reads the same whatever ends its lines, with the same line numbers;
    /// so do the long and wide CSV layouts, and an error names the same line.
    #[test]
    fn genotype_tables_read_alike_with_every_line_end() {
        use crate::genotypes::parse_genotypes;
        let markers = [
            "D3S1358", "vWA", "D16S539", "CSF1PO", "TPOX", "D8S1179", "D21S11", "D18S51", "D2S441",
            "D19S433", "TH01", "FGA", "D22S1045", "D5S818", "D13S317", "D7S820", "SE33",
            "D10S1248", "D1S1656", "D12S391", "D2S1338", "Penta E",
        ];
        let mut gm = String::from("Sample Name\tMarker\tAllele 1\tAllele 2\n");
        for sample in ["S1", "S2"] {
            for (i, m) in markers.iter().enumerate() {
                gm.push_str(&format!("{sample}\t{m}\t{}\t{}\n", 8 + i % 5, 9 + i % 7));
            }
        }
        let long = "sample,marker,allele1,allele2\ns1,TH01,6,9.3\ns1,FGA,20,22\ns2,TH01,7,7\n";
        let wide = "sample,TH01_a1,TH01_a2\ns1,6,9.3\ns2,7,8\n";
        for text in [gm.as_str(), long, wide] {
            let want = parse_genotypes("g", text).unwrap();
            assert!(!want.profiles.is_empty());
            for end in ENDS {
                assert_eq!(
                    parse_genotypes("g", &ended(text, end)).unwrap(),
                    want,
                    "{end:?}"
                );
            }
        }
        let table = parse_genotypes("g", &ended(&gm, "\r")).unwrap();
        assert_eq!(table.profiles.len(), 2);
        assert!(table.profiles.iter().all(|p| p.markers.len() == 22));
        assert_eq!(table.profiles[1].line, 24);
        let bad = "sample,marker,allele1,allele2\ns1,TH01,6,9.3\ns1,FGA,20,x\n";
        for end in ENDS {
            let e = parse_genotypes("g", &ended(bad, end)).unwrap_err();
            assert_eq!(e.location.line, Some(3), "{end:?}: {e}");
        }
    }

    #[test]
    fn frequency_tables_read_alike_with_every_line_end() {
        use crate::frequencies::parse_frequencies;
        let list = "TH01\n6\t0.25\n7\t0.75\n\nTPOX\n8 0.5\n9 0.5\n";
        let csv = "marker,allele,frequency\nTH01,6,0.25\nTH01,7,0.75\nTPOX,8,1\n";
        for text in [list, csv] {
            let want = parse_frequencies("f", text, None).unwrap();
            assert_eq!(want.markers().len(), 2);
            for end in ENDS {
                assert_eq!(
                    parse_frequencies("f", &ended(text, end), None).unwrap(),
                    want,
                    "{end:?}"
                );
            }
        }
        for end in ENDS {
            let e = parse_frequencies("f", &ended("TH01\n6\t0.25\n7\tx\n", end), None).unwrap_err();
            assert_eq!(e.location.line, Some(3), "{end:?}: {e}");
        }
    }

    #[test]
    fn registry_csvs_read_alike_with_every_line_end() {
        use crate::registry_csv::{Date, parse_cases, parse_found, parse_references};
        let today = Date::new(2026, 1, 1).unwrap();
        let cases = "case_id,child_name,missing_date\nMC-1,Li,2024-01-02\nMC-2,,\n";
        let refs = "sample_name,case_id,relationship\nR1,MC-1,mother\nR2,MC-1,father\n";
        let found = "sample_name,found_id,sex\nF1,FC-1,F\nF2,FC-2,\n";
        let (c, r, f) = (
            parse_cases("c", cases, today).unwrap(),
            parse_references("r", refs).unwrap(),
            parse_found("f", found, today).unwrap(),
        );
        assert_eq!((c.len(), r.len(), f.len()), (2, 2, 2));
        for end in ENDS {
            assert_eq!(parse_cases("c", &ended(cases, end), today).unwrap(), c);
            assert_eq!(parse_references("r", &ended(refs, end)).unwrap(), r);
            assert_eq!(parse_found("f", &ended(found, end), today).unwrap(), f);
            let e =
                parse_references("r", &ended(&refs.replace("father", "uncle"), end)).unwrap_err();
            assert_eq!(e.location.line, Some(3), "{end:?}: {e}");
        }
    }
}

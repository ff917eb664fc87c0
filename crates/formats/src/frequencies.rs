//! Allele frequency tables, read into a [`kinship::FrequencyDatabase`].
//!
//! Four layouts are read, told apart by their first non-empty line (fields
//! separated by commas, semicolons or tabs; a frequency may be written with a
//! decimal comma, `0,125`):
//!
//! - **long CSV**: a header with the columns `locus` (or `marker`), `allele` and
//!   `frequency`, and optionally `population` (other columns, such as `count`,
//!   are ignored), then one row per marker and allele, like
//!   `data/nist1036/frequencies.csv`. A table with several populations needs the
//!   population to read.
//! - **Familias list format** otherwise, like `data/norstr/*.txt`: a marker name
//!   on a line, then one `allele<TAB or spaces>frequency` line per allele, and a
//!   blank line between markers. Such a file holds one population.
//! - **wide table** (EuroForMix, STRBase, pop.STR, relMix): a first column
//!   `Allele` (or unnamed), one column per marker, one row per allele; an
//!   empty cell, `NA`, `-` or 0 where the marker lacks the allele, and a row
//!   `N` (sample sizes) skipped.
//! - **Familias `.fam`**: the database of a project, or of a database-only
//!   file (`crate::fam::parse_fam_database`).
//!
//! A first line of several fields that is none of these is refused with the
//! layout it looks like (a genotype table, markers in rows, ...), never read
//! as a marker name of the list format.
//!
//! Marker names are written in their canonical spelling
//! ([`crate::markers::canonical_marker`]) when the locus is known, and as written
//! otherwise. Each marker's frequencies must sum to 1 within
//! [`kinship::frequency::SUM_TOLERANCE`]; they are then rescaled to sum to
//! exactly 1 (tables are usually rounded).

use std::collections::HashMap;
use std::path::Path;

use kinship::frequency::SUM_TOLERANCE;
use kinship::{Allele, FrequencyDatabase, MarkerFrequencies};

use crate::csv_line::{LineSplitter, check_no_extra_fields, split_line};
use crate::error::{FormatError, Location};
use crate::markers::canonical_marker;

/// Reads a frequency file (see [`parse_frequencies`]); the path, as displayed,
/// names the file in errors.
pub fn read_frequencies(
    path: &Path,
    population: Option<&str>,
) -> Result<FrequencyDatabase, FormatError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| FormatError::whole(&file, format!("cannot read the file: {e}")))?;
    parse_frequencies(&file, &text, population)
}

/// Parses an allele frequency table in the long CSV format or the Familias list
/// format (see the module documentation). `file` names the file in errors.
///
/// `population` chooses one population of a CSV table with a `population`
/// column; it is required when the table holds several populations, and it is an
/// error for the list format and for CSV tables without that column.
pub fn parse_frequencies(
    file: &str,
    text: &str,
    population: Option<&str>,
) -> Result<FrequencyDatabase, FormatError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some((first_index, first)) = crate::split_lines(text)
        .enumerate()
        .find(|(_, l)| !l.trim().is_empty())
    else {
        return Err(FormatError::whole(
            file,
            "empty file: no allele frequencies",
        ));
    };
    let one_population = |layout: &str| {
        if population.is_some() {
            Err(FormatError::whole(
                file,
                format!("{layout} holds one population; --population applies to CSV tables"),
            ))
        } else {
            Ok(())
        }
    };
    if first
        .trim_start()
        .trim_start_matches('"')
        .starts_with("Output from Familias")
    {
        one_population("a Familias project's database")?;
        return familias_database(file, text);
    }
    let delimiter = delimiter_of(first);
    let mut header = split_line(first, delimiter);
    while header.last().is_some_and(String::is_empty) {
        header.pop();
    }
    let has = |names: &[&str]| {
        header
            .iter()
            .any(|h| names.contains(&h.to_lowercase().as_str()))
    };
    let allele_first = header.len() > 1
        && ["allele", "alleles", "allel", ""].contains(&header[0].to_lowercase().as_str());
    if has(&["locus", "marker"]) && has(&["allele"]) && has(&["frequency"]) {
        parse_csv(file, text, delimiter, population)
    } else if allele_first && !has(&["frequency"]) {
        one_population("a wide table of alleles by markers")?;
        parse_wide(file, text, delimiter)
    } else if header.len() > 1 && has(&["allele"]) {
        Err(FormatError::new(
            file,
            Location::line(first_index + 1),
            "a CSV frequency table needs the columns locus (or marker), allele and frequency",
        ))
    } else if header.len() > 1 && !is_frequency_line(first) {
        Err(FormatError::new(
            file,
            Location::line(first_index + 1),
            layout_refusal(&header, delimiter),
        ))
    } else {
        one_population("the Familias list format")?;
        parse_list(file, text)
    }
}

/// The delimiter of a table, from its first line: semicolons when there are
/// as many as commas (tables written where the comma is the decimal mark),
/// tabs when there is no comma, commas otherwise.
fn delimiter_of(first: &str) -> u8 {
    let count = |c: char| first.matches(c).count();
    let (commas, semicolons, tabs) = (count(','), count(';'), count('\t'));
    if semicolons > 0 && semicolons >= commas {
        b';'
    } else if commas == 0 && tabs > 0 {
        b'\t'
    } else {
        b','
    }
}

/// Why a first line of several fields is none of the layouts read, saying
/// which layout it looks like.
fn layout_refusal(header: &[String], delimiter: u8) -> String {
    let sep = match delimiter {
        b';' => "semicolons",
        b'\t' => "tabs",
        _ => "commas",
    };
    let lower: Vec<String> = header.iter().map(|h| header_word(h)).collect();
    let markers = header
        .iter()
        .filter(|h| canonical_marker(h).is_some())
        .count();
    let looks = if lower.iter().any(|h| h == "sample" || h == "samplename") {
        "it looks like a genotype table (a sample column): import it as profiles".to_string()
    } else if markers > 0 {
        format!(
            "it looks like a wide table ({markers} marker columns) whose first column is {:?}, not Allele",
            header[0]
        )
    } else if canonical_marker(&header[0]).is_some()
        || ["marker", "locus"].contains(&lower[0].as_str())
    {
        "it looks like a table with a marker in each row; Reunite reads markers in columns"
            .to_string()
    } else {
        format!("a table of {} columns", header.len())
    };
    format!(
        "the first line has {} fields separated by {sep}, and {looks}; frequency tables are read as a long table (locus or marker, allele, frequency), a wide table (first column Allele, one column per marker), the Familias list or a Familias .fam",
        header.len()
    )
}

/// A header name as compared: lower case, without spaces, underscores and hyphens.
fn header_word(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A wide table: the first column the alleles, one column per marker (the
/// layout of EuroForMix, STRBase, pop.STR and relMix), an empty cell, `NA`,
/// `-` or 0 where a marker lacks the allele; a row whose allele is `N`
/// (the sample sizes some tables end with) is not an allele.
fn parse_wide(file: &str, text: &str, delimiter: u8) -> Result<FrequencyDatabase, FormatError> {
    let table = read_table(file, text, delimiter)?;
    let header = &table.header;
    let mut markers: Vec<MarkerEntries> = Vec::with_capacity(header.len() - 1);
    for (at, name) in header.iter().enumerate().skip(1) {
        if name.is_empty() {
            return Err(FormatError::new(
                file,
                Location::line(table.header_line),
                format!("column {} of the header has no marker name", at + 1),
            ));
        }
        start_marker(file, &mut markers, name, table.header_line)?;
    }
    let allele_field = if header[0].is_empty() {
        "allele"
    } else {
        header[0].as_str()
    };
    for (line, row) in &table.rows {
        let allele = row[0].as_str();
        if allele.eq_ignore_ascii_case("n") {
            continue;
        }
        for (k, value) in row.iter().enumerate().skip(1) {
            let absent = value.is_empty()
                || value.eq_ignore_ascii_case("na")
                || value == "-"
                || number(value) == Some(0.0);
            if !absent {
                markers[k - 1].add(file, *line, (allele_field, allele), (&header[k], value))?;
            }
        }
    }
    database(file, markers)
}

/// A number as written, with a decimal point or a decimal comma (`0,125`).
fn number(text: &str) -> Option<f64> {
    text.parse().ok().or_else(|| {
        (text.matches(',').count() == 1 && !text.contains('.'))
            .then(|| text.replace(',', ".").parse().ok())
            .flatten()
    })
}

/// The frequency database of a Familias project (`.fam`), of a database-only
/// file included.
fn familias_database(file: &str, text: &str) -> Result<FrequencyDatabase, FormatError> {
    let project = crate::fam::parse_fam_database(file, text.as_bytes())?;
    let markers: Vec<MarkerFrequencies> = project
        .markers
        .iter()
        .map(|m| {
            let f = m.frequencies();
            MarkerFrequencies::new_unchecked_sum(
                marker_name(m.name()),
                f.alleles().to_vec(),
                f.frequencies().to_vec(),
            )
            .map(MarkerFrequencies::normalized)
        })
        .collect::<Result<_, _>>()
        .map_err(|e| FormatError::whole(file, e.to_string()))?;
    if markers.is_empty() {
        return Err(FormatError::whole(
            file,
            "the Familias file holds no markers in its database",
        ));
    }
    FrequencyDatabase::new(markers).map_err(|e| FormatError::whole(file, e.to_string()))
}

/// The alleles of one marker being read.
struct MarkerEntries {
    name: String,
    /// The line where the marker starts (its name, or its first row).
    line: usize,
    /// Each allele with its frequency and line.
    alleles: Vec<(Allele, f64, usize)>,
}

impl MarkerEntries {
    fn new(name: String, line: usize) -> MarkerEntries {
        MarkerEntries {
            name,
            line,
            alleles: Vec::new(),
        }
    }

    /// Parses and adds one allele and its frequency.
    fn add(
        &mut self,
        file: &str,
        line: usize,
        (allele_field, allele): (&str, &str),
        (frequency_field, frequency): (&str, &str),
    ) -> Result<(), FormatError> {
        let marker = &self.name;
        let allele: Allele = allele.parse().map_err(|e| {
            FormatError::new(
                file,
                Location::line_field(line, allele_field),
                format!("marker {marker}: {e}"),
            )
        })?;
        let at_frequency = || Location::line_field(line, frequency_field);
        let value: f64 = number(frequency).ok_or_else(|| {
            FormatError::new(
                file,
                at_frequency(),
                format!(
                    "marker {marker}, allele {allele}: frequency {frequency:?} is not a number"
                ),
            )
        })?;
        if !(value > 0.0 && value <= 1.0) {
            return Err(FormatError::new(
                file,
                at_frequency(),
                format!("marker {marker}, allele {allele}: frequency {frequency} is not in (0, 1]"),
            ));
        }
        if let Some(&(_, _, first)) = self.alleles.iter().find(|&&(a, _, _)| a == allele) {
            return Err(FormatError::new(
                file,
                Location::line_field(line, allele_field),
                format!("marker {marker}: allele {allele} is listed twice (first on line {first})"),
            ));
        }
        self.alleles.push((allele, value, line));
        Ok(())
    }

    /// Checks the sum and builds the normalised table.
    fn finish(self, file: &str) -> Result<MarkerFrequencies, FormatError> {
        let at_start = Location::line(self.line);
        if self.alleles.is_empty() {
            return Err(FormatError::new(
                file,
                at_start,
                format!("marker {} has no alleles", self.name),
            ));
        }
        let sum: f64 = self.alleles.iter().map(|&(_, f, _)| f).sum();
        if (sum - 1.0).abs() > SUM_TOLERANCE {
            return Err(FormatError::new(
                file,
                at_start,
                format!(
                    "marker {}: frequencies sum to {sum:.6}, not 1 (tolerance {SUM_TOLERANCE})",
                    self.name
                ),
            ));
        }
        let (alleles, frequencies) = self.alleles.iter().map(|&(a, f, _)| (a, f)).unzip();
        MarkerFrequencies::new_unchecked_sum(self.name, alleles, frequencies)
            .map(MarkerFrequencies::normalized)
            .map_err(|e| FormatError::new(file, at_start, e.to_string()))
    }
}

/// The canonical name of a known locus, or the name as written (trimmed).
fn marker_name(name: &str) -> String {
    canonical_marker(name).map_or_else(|| name.trim().to_string(), str::to_string)
}

fn database(file: &str, markers: Vec<MarkerEntries>) -> Result<FrequencyDatabase, FormatError> {
    if markers.is_empty() {
        return Err(FormatError::whole(
            file,
            "no allele frequencies in the file",
        ));
    }
    let tables = markers
        .into_iter()
        .map(|m| m.finish(file))
        .collect::<Result<Vec<_>, _>>()?;
    FrequencyDatabase::new(tables).map_err(|e| FormatError::whole(file, e.to_string()))
}

/// Whether a line looks like `allele frequency` rather than a marker name.
fn is_frequency_line(line: &str) -> bool {
    let fields: Vec<&str> = line.split_whitespace().collect();
    fields.len() == 2
        && fields[0].starts_with(|c: char| c.is_ascii_digit())
        && fields[1].parse::<f64>().is_ok()
}

/// Starts a marker of a list file at its name line, refusing a marker seen before.
fn start_marker(
    file: &str,
    done: &mut Vec<MarkerEntries>,
    line: &str,
    line_no: usize,
) -> Result<(), FormatError> {
    let name = marker_name(line);
    if let Some(first) = done.iter().find(|m| m.name == name) {
        return Err(FormatError::new(
            file,
            Location::line(line_no),
            format!(
                "marker {name} is listed twice (first on line {})",
                first.line
            ),
        ));
    }
    done.push(MarkerEntries::new(name, line_no));
    Ok(())
}

fn parse_list(file: &str, text: &str) -> Result<FrequencyDatabase, FormatError> {
    let mut done: Vec<MarkerEntries> = Vec::new();
    // Whether the lines being read are the alleles of the last marker of `done`.
    let mut in_marker = false;
    for (index, raw) in crate::split_lines(text).enumerate() {
        let line_no = index + 1;
        let line = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        if line.is_empty() {
            in_marker = false;
            continue;
        }
        if !in_marker {
            if is_frequency_line(line) {
                let reason = if done.is_empty() {
                    "frequency line before any marker name"
                } else {
                    "frequency line after a blank line, where a marker name was expected"
                };
                return Err(FormatError::new(file, Location::line(line_no), reason));
            }
            start_marker(file, &mut done, line, line_no)?;
            in_marker = true;
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields[0].parse::<Allele>().is_err()
            && !is_frequency_line(line)
            && canonical_marker(line).is_some()
        {
            // A known marker name without a blank line before it.
            start_marker(file, &mut done, line, line_no)?;
            continue;
        }
        let marker = done.last_mut().expect("a marker is being read");
        if fields.len() != 2 {
            return Err(FormatError::new(
                file,
                Location::line(line_no),
                format!(
                    "marker {}: expected an allele and its frequency separated by a tab or spaces, found {line:?}",
                    marker.name
                ),
            ));
        }
        marker.add(
            file,
            line_no,
            ("allele", fields[0]),
            ("frequency", fields[1]),
        )?;
    }
    database(file, done)
}

fn parse_csv(
    file: &str,
    text: &str,
    delimiter: u8,
    population: Option<&str>,
) -> Result<FrequencyDatabase, FormatError> {
    let table = read_table(file, text, delimiter)?;
    let column = |names: &[&str]| {
        table
            .header
            .iter()
            .position(|h| names.contains(&h.to_lowercase().as_str()))
    };
    let (Some(locus), Some(allele), Some(frequency)) = (
        column(&["locus", "marker"]),
        column(&["allele"]),
        column(&["frequency"]),
    ) else {
        unreachable!("the header was checked before")
    };
    let population_column = column(&["population"]);
    let chosen: Option<String> = match (population_column, population) {
        (None, None) => None,
        (None, Some(p)) => {
            return Err(FormatError::whole(
                file,
                format!("population {p:?} was asked for but the table has no population column"),
            ));
        }
        (Some(c), wanted) => {
            let mut present: Vec<&str> = Vec::new();
            for (line, row) in &table.rows {
                let p = row[c].as_str();
                if p.is_empty() {
                    return Err(FormatError::new(
                        file,
                        Location::line_field(*line, &table.header[c]),
                        "empty population",
                    ));
                }
                if !present.contains(&p) {
                    present.push(p);
                }
            }
            let list = present.join(", ");
            match wanted {
                Some(p) if present.contains(&p) => Some(p.to_string()),
                Some(p) => {
                    return Err(FormatError::whole(
                        file,
                        format!("population {p:?} is not in the table; it holds: {list}"),
                    ));
                }
                None if present.len() > 1 => {
                    return Err(FormatError::whole(
                        file,
                        format!("the table holds several populations ({list}); choose one"),
                    ));
                }
                None => present.first().map(|p| p.to_string()),
            }
        }
    };

    let mut markers: Vec<MarkerEntries> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (line, row) in &table.rows {
        if let (Some(c), Some(p)) = (population_column, &chosen)
            && row[c] != *p
        {
            continue;
        }
        if row[locus].is_empty() {
            return Err(FormatError::new(
                file,
                Location::line_field(*line, &table.header[locus]),
                "empty marker name",
            ));
        }
        let name = marker_name(&row[locus]);
        let at = *index.entry(name.clone()).or_insert_with(|| {
            markers.push(MarkerEntries::new(name, *line));
            markers.len() - 1
        });
        markers[at].add(
            file,
            *line,
            (&table.header[allele], &row[allele]),
            (&table.header[frequency], &row[frequency]),
        )?;
    }
    database(file, markers)
}

/// The number of people behind a long CSV table (see [`parse_frequencies`]),
/// for the NRC II minimum allele frequency: half the largest `n_alleles` of
/// its rows, of `population` when the table has a population column and one
/// is given. `None` for the other layouts, a table without that column or
/// without a whole number in it.
pub fn sample_size(text: &str, population: Option<&str>) -> Option<u64> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = crate::split_lines(text).find(|l| !l.trim().is_empty())?;
    let table = read_table("", text, delimiter_of(first)).ok()?;
    let column = |name: &str| {
        table
            .header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
    };
    let n_alleles = column("n_alleles")?;
    let population_column = column("population");
    table
        .rows
        .iter()
        .filter(|(_, row)| match (population_column, population) {
            (Some(c), Some(p)) => row[c] == p,
            _ => true,
        })
        .filter_map(|(_, row)| row[n_alleles].parse::<u64>().ok())
        .max()
        .map(|n| n / 2)
}

/// A delimited text table (shared with the genotype readers).
pub(crate) struct Table {
    /// The line of the header.
    pub header_line: usize,
    /// The column names, trimmed, without trailing empty names.
    pub header: Vec<String>,
    /// The non-blank data rows with their (1-based) lines, each trimmed and
    /// padded or cut to the length of the header.
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Reads a delimited table: the first non-blank line is the header; blank lines
/// (or lines of empty fields) are skipped; a UTF-8 byte order mark, CRLF line
/// ends and trailing empty fields are tolerated. A row with a non-empty field
/// beyond the header is an error. Quoted fields may hold the delimiter but not
/// a line break (each line is one row, so that errors name the right line).
pub(crate) fn read_table(file: &str, text: &str, delimiter: u8) -> Result<Table, FormatError> {
    let mut reader = TableReader::open(file, text.as_bytes(), Some(delimiter), false)?;
    let mut rows = Vec::new();
    while let Some(line) = reader.next_row()? {
        rows.push((line, reader.row().to_vec()));
    }
    Ok(Table {
        header_line: reader.header_line,
        header: reader.header,
        rows,
    })
}

/// A delimited table read row by row from a stream, as [`read_table`] reads a
/// text: each line split with the CSV rules by one [`LineSplitter`] (a
/// `csv_core` reader reset for every line, so that a quote never runs past
/// its line; an unclosed quote or text after a closing quote read as
/// `csv_core` reads them), fields trimmed, rows padded or cut to the header.
/// Its memory is that of the longest line, whatever the size of the file.
pub(crate) struct TableReader<R> {
    file: String,
    lines: crate::lines::LineReader<R>,
    split: LineSplitter,
    /// The line of the header.
    pub header_line: usize,
    /// The column names, trimmed, without trailing empty names.
    pub header: Vec<String>,
}

impl<R: std::io::BufRead> TableReader<R> {
    /// Reads up to the header. Without a delimiter, the first line that is not
    /// blank chooses it: a tab if it has one, a comma otherwise (a stream
    /// without such a line is "empty file: no genotypes"). `second_bom`: a
    /// byte order mark at the start of the first line is dropped once more
    /// (the genotype tables always dropped two).
    pub(crate) fn open(
        file: &str,
        input: R,
        delimiter: Option<u8>,
        second_bom: bool,
    ) -> Result<TableReader<R>, FormatError> {
        let mut lines = crate::lines::LineReader::new(input);
        let mut split: Option<LineSplitter> = delimiter.map(LineSplitter::new);
        loop {
            let Some((line, raw)) = lines.next_line().map_err(|e| e.located(file))? else {
                return Err(match delimiter {
                    Some(_) => FormatError::whole(file, "empty file"),
                    None if split.is_some() => FormatError::whole(file, "empty file"),
                    None => FormatError::whole(file, "empty file: no genotypes"),
                });
            };
            let splitter = match &mut split {
                Some(s) => s,
                None if raw.trim().is_empty() => continue,
                None => split.insert(LineSplitter::new(if raw.contains('\t') {
                    b'\t'
                } else {
                    b','
                })),
            };
            let raw = if second_bom && line == 1 {
                raw.strip_prefix('\u{feff}').unwrap_or(raw)
            } else {
                raw
            };
            splitter.split(raw);
            let fields = splitter.fields();
            if fields.iter().all(String::is_empty) {
                continue;
            }
            let mut header: Vec<String> = fields.to_vec();
            while header.last().is_some_and(String::is_empty) {
                header.pop();
            }
            return Ok(TableReader {
                file: file.to_string(),
                lines,
                split: split.expect("chosen above"),
                header_line: line,
                header,
            });
        }
    }

    /// Reads the next data row (see [`TableReader::row`]) and gives its line,
    /// or `None` at the end.
    pub(crate) fn next_row(&mut self) -> Result<Option<usize>, FormatError> {
        loop {
            let Some((line, raw)) = self.lines.next_line().map_err(|e| e.located(&self.file))?
            else {
                return Ok(None);
            };
            self.split.split(raw);
            let fields = self.split.fields();
            if fields.iter().all(String::is_empty) {
                continue;
            }
            let columns = self.header.len();
            check_no_extra_fields(&self.file, line, fields, columns)?;
            self.split.fit(columns);
            return Ok(Some(line));
        }
    }

    /// The fields of the row last read, one per column of the header.
    pub(crate) fn row(&self) -> &[String] {
        self.split.fields()
    }

    /// The stream, read up to the last line read.
    pub(crate) fn into_inner(self) -> R {
        self.lines.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(path: &str) -> String {
        let full = format!("{}/../../data/{path}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
    }

    fn a(s: &str) -> Allele {
        s.parse().unwrap()
    }

    fn err(text: &str) -> FormatError {
        parse_frequencies("f.txt", text, None).unwrap_err()
    }

    #[test]
    fn sample_size_of_a_long_table() {
        let nist = data("nist1036/frequencies.csv");
        assert_eq!(sample_size(&nist, Some("All")), Some(1036));
        assert_eq!(sample_size(&nist, Some("AfAm")), Some(342));
        // A quoted population holds a comma: the columns after it are still
        // the right ones.
        let text = "population,locus,allele,n_alleles,frequency\n\
                    \"Han, Beijing\",TH01,6,400,0.5\n\
                    \"Han, Beijing\",TH01,7,400,0.5\n\
                    Uygur,TH01,6,200,1\n";
        assert_eq!(sample_size(text, Some("Han, Beijing")), Some(200));
        assert_eq!(sample_size(text, Some("Uygur")), Some(100));
        assert_eq!(sample_size(text, None), Some(200));
        assert_eq!(
            sample_size(
                "\u{feff}Locus;Allele;Frequency;N_Alleles\nTH01;6;0,5;300\n",
                None
            ),
            Some(150)
        );
        assert_eq!(
            sample_size("locus,allele,frequency\nTH01,6,1\n", None),
            None
        );
        assert_eq!(sample_size("TH01\n6\t0.5\n7\t0.5\n", None), None);
    }

    fn at(line: usize, field: Option<&str>, reason: &str) -> FormatError {
        let location = match field {
            Some(field) => Location::line_field(line, field),
            None => Location::line(line),
        };
        FormatError::new("f.txt", location, reason)
    }

    fn assert_normalised(db: &FrequencyDatabase) {
        for m in db.markers() {
            let sum: f64 = m.frequencies().iter().sum();
            assert!((sum - 1.0).abs() < 1e-12, "{}: {sum}", m.name());
        }
    }

    #[test]
    fn reads_every_norstr_file() {
        for name in [
            "Afrika",
            "Europa",
            "MidtAsia",
            "Norsk",
            "OstAsia",
            "SydAmerika",
            "VestAsia",
        ] {
            let path = format!(
                "{}/../../data/norstr/{name}.txt",
                env!("CARGO_MANIFEST_DIR")
            );
            let db = read_frequencies(Path::new(&path), None).unwrap();
            assert!(db.markers().len() >= 32, "{name}");
            assert_normalised(&db);
            for locus in ["D3S1358", "vWA", "TH01", "Penta D", "Penta E", "FGA"] {
                assert!(db.marker(locus).is_some(), "{name}: {locus}");
            }
            assert!(db.marker("PENTA D").is_none());
        }
        let norsk = parse_frequencies("Norsk.txt", &data("norstr/Norsk.txt"), None).unwrap();
        assert_eq!(norsk.markers()[0].name(), "D1S1656");
        assert!(norsk.marker("D22-GATA198B05").is_some());
        assert!(norsk.marker("APOAI1").is_some());
        let africa = parse_frequencies("Afrika.txt", &data("norstr/Afrika.txt"), None).unwrap();
        let d1 = africa.marker("D1S1656").unwrap();
        assert_eq!(d1.len(), 19);
        assert_eq!(d1.alleles()[0], a("8"));
        assert!((d1.frequency(a("14")).unwrap() - 0.214033).abs() < 1e-4);
    }

    #[test]
    fn reads_nist_populations() {
        let text = data("nist1036/frequencies.csv");
        for population in ["All", "AfAm", "Asian", "Cauc", "Hisp"] {
            let db = parse_frequencies("frequencies.csv", &text, Some(population)).unwrap();
            assert_eq!(db.markers().len(), 29, "{population}");
            assert_normalised(&db);
            assert!(db.marker("Penta C").is_some());
        }
        let all = parse_frequencies("frequencies.csv", &text, Some("All")).unwrap();
        let csf = all.marker("CSF1PO").unwrap();
        assert_eq!(csf.alleles()[0], a("7"));
        assert!((csf.frequency(a("7")).unwrap() - 48.0 / 2072.0).abs() < 1e-6);

        let list = "All, AfAm, Asian, Cauc, Hisp";
        assert_eq!(
            parse_frequencies("frequencies.csv", &text, None).unwrap_err(),
            FormatError::whole(
                "frequencies.csv",
                format!("the table holds several populations ({list}); choose one")
            )
        );
        assert_eq!(
            parse_frequencies("frequencies.csv", &text, Some("Inuit")).unwrap_err(),
            FormatError::whole(
                "frequencies.csv",
                format!("population \"Inuit\" is not in the table; it holds: {list}")
            )
        );
    }

    #[test]
    fn list_format_tolerates_crlf_spaces_and_blank_lines() {
        let text = "\u{feff}\r\nvwa\r\n14\t0.5 \r\n15   0.5\r\n\r\n\r\nPENTA_D \r\n9\t0.3\r\n10\t0.7\r\n\r\n";
        let db = parse_frequencies("f.txt", text, None).unwrap();
        let names: Vec<&str> = db.markers().iter().map(|m| m.name()).collect();
        assert_eq!(names, ["vWA", "Penta D"]);
        assert_eq!(db.marker("Penta D").unwrap().frequencies(), &[0.3, 0.7]);
        // A known marker name without a blank line before it still starts a marker.
        let db = parse_frequencies("f.txt", "TH01\n6 1\nTPOX\n8 1\n", None).unwrap();
        assert_eq!(db.markers().len(), 2);
    }

    #[test]
    fn normalises_after_the_sum_check() {
        let db = parse_frequencies("f.txt", "TPOX\n8\t0.5004\n9\t0.5\n", None).unwrap();
        let t = db.marker("TPOX").unwrap();
        assert!((t.frequencies()[0] - 0.5004 / 1.0004).abs() < 1e-15);
        let csv = "locus,allele,frequency\nTPOX,8,0.4995\nTPOX,9,0.5\nUnknownLocus,1,1\n";
        let db = parse_frequencies("f.csv", csv, None).unwrap();
        assert!((db.marker("TPOX").unwrap().frequencies().iter().sum::<f64>() - 1.0).abs() < 1e-15);
        assert!(db.marker("UnknownLocus").is_some());
    }

    #[test]
    fn list_format_errors() {
        assert_eq!(
            err(""),
            FormatError::whole("f.txt", "empty file: no allele frequencies")
        );
        assert_eq!(
            err(" \n\r\n"),
            FormatError::whole("f.txt", "empty file: no allele frequencies")
        );
        assert_eq!(
            parse_frequencies("f.txt", "TPOX\n8 1\n", Some("All")).unwrap_err(),
            FormatError::whole(
                "f.txt",
                "the Familias list format holds one population; --population applies to CSV tables"
            )
        );
        assert_eq!(
            err("TPOX\nx8\t0.5\n"),
            at(
                2,
                Some("allele"),
                "marker TPOX: \"x8\" is not an allele: expected a repeat number such as \"12\" or a microvariant such as \"9.3\""
            )
        );
        assert_eq!(
            err("TPOX\nOL\t0.5\n"),
            at(
                2,
                Some("allele"),
                "marker TPOX: off-ladder allele \"OL\" (OL) cannot be used; resolve it to a sized allele first"
            )
        );
        assert_eq!(
            err("TPOX\n8\tabc\n"),
            at(
                2,
                Some("frequency"),
                "marker TPOX, allele 8: frequency \"abc\" is not a number"
            )
        );
        assert_eq!(
            err("TPOX\n8\t1.5\n"),
            at(
                2,
                Some("frequency"),
                "marker TPOX, allele 8: frequency 1.5 is not in (0, 1]"
            )
        );
        assert_eq!(
            err("TPOX\n8\t0\n"),
            at(
                2,
                Some("frequency"),
                "marker TPOX, allele 8: frequency 0 is not in (0, 1]"
            )
        );
        assert_eq!(
            err("TPOX\n8\t0.5\n8.0\t0.5\n"),
            at(
                3,
                Some("allele"),
                "marker TPOX: allele 8 is listed twice (first on line 2)"
            )
        );
        assert_eq!(
            err("TPOX\n8\t1\n\nFGA\n20 1\n\ntpox\n8\t1\n"),
            at(7, None, "marker TPOX is listed twice (first on line 1)")
        );
        assert_eq!(
            err("\n8\t0.5\n"),
            at(2, None, "frequency line before any marker name")
        );
        assert_eq!(
            err("TPOX\n8\t0.5\n\n9\t0.5\n"),
            at(
                4,
                None,
                "frequency line after a blank line, where a marker name was expected"
            )
        );
        assert_eq!(
            err("TPOX\n\nFGA\n20 1\n"),
            at(1, None, "marker TPOX has no alleles")
        );
        assert_eq!(
            err("FGA\n20 1\n\nTPOX\n"),
            at(4, None, "marker TPOX has no alleles")
        );
        assert_eq!(
            err("FGA\n20 1\n\nTPOX\n8\t0.5\n9\t0.4\n"),
            at(
                4,
                None,
                "marker TPOX: frequencies sum to 0.900000, not 1 (tolerance 0.001)"
            )
        );
        assert_eq!(
            err("TPOX\n8 0.5 0.5\n"),
            at(
                2,
                None,
                "marker TPOX: expected an allele and its frequency separated by a tab or spaces, found \"8 0.5 0.5\""
            )
        );
    }

    #[test]
    fn csv_format() {
        let text =
            "\u{feff}Marker,Allele,Frequency\r\nvWA,14,0.25\r\n,,\r\nTH01,6,1\r\nVWA,15,0.75,,\r\n";
        let db = parse_frequencies("f.csv", text, None).unwrap();
        let names: Vec<&str> = db.markers().iter().map(|m| m.name()).collect();
        assert_eq!(names, ["vWA", "TH01"]);
        assert_eq!(db.marker("vWA").unwrap().alleles(), &[a("14"), a("15")]);

        let one = "population,locus,allele,frequency\nX,TPOX,8,1\n";
        assert!(parse_frequencies("f.csv", one, None).is_ok());
        assert!(parse_frequencies("f.csv", one, Some("X")).is_ok());
        let tabs = "locus\tallele\tfrequency\nTPOX\t8\t1\n";
        assert!(parse_frequencies("f.tsv", tabs, None).is_ok());
    }

    #[test]
    fn csv_errors() {
        let f = |text: &str, population: Option<&str>| {
            parse_frequencies("f.csv", text, population).unwrap_err()
        };
        let at = |line, field: Option<&str>, reason: &str| FormatError {
            file: "f.csv".into(),
            ..at(line, field, reason)
        };
        let header = "population,locus,allele,count,frequency\n";
        assert_eq!(
            f("locus,allele,frequency\nTPOX,8,1\n", Some("All")),
            FormatError::whole(
                "f.csv",
                "population \"All\" was asked for but the table has no population column"
            )
        );
        assert_eq!(
            f("\nmarker,allele,count\nTPOX,8,10\n", None),
            at(
                2,
                None,
                "a CSV frequency table needs the columns locus (or marker), allele and frequency"
            )
        );
        assert_eq!(
            f("locus,allele,frequency\n", None),
            FormatError::whole("f.csv", "no allele frequencies in the file")
        );
        assert_eq!(
            f(
                &format!("{header}A,TPOX,8,1,1\nB,TPOX,8,1,1\n,TPOX,8,1,1\n"),
                Some("A")
            ),
            at(4, Some("population"), "empty population")
        );
        assert_eq!(
            f(
                &format!("{header}A,TPOX,8,1,1\nB,TPOX,8,1,1\nA,,8,1,1\n"),
                Some("A")
            ),
            at(4, Some("locus"), "empty marker name")
        );
        assert_eq!(
            f(
                &format!("{header}A,TPOX,8,1,1\nB,TPOX,8x,1,1\nA,TPOX,OL,1,1\n"),
                Some("A")
            ),
            at(
                4,
                Some("allele"),
                "marker TPOX: off-ladder allele \"OL\" (OL) cannot be used; resolve it to a sized allele first"
            )
        );
        assert_eq!(
            f(
                &format!("{header}A,TPOX,8,1,0.5\nA,FGA,20,1,1\nA,TPOX,8,1,0.5\n"),
                Some("A")
            ),
            at(
                4,
                Some("allele"),
                "marker TPOX: allele 8 is listed twice (first on line 2)"
            )
        );
        assert_eq!(
            f(&format!("{header}A,TPOX,8,1,-0.5\n"), None),
            at(
                2,
                Some("frequency"),
                "marker TPOX, allele 8: frequency -0.5 is not in (0, 1]"
            )
        );
        assert_eq!(
            f(&format!("{header}A,TPOX,8,1,\n"), None),
            at(
                2,
                Some("frequency"),
                "marker TPOX, allele 8: frequency \"\" is not a number"
            )
        );
        assert_eq!(
            f(
                &format!("{header}A,FGA,20,1,1\nA,TPOX,8,1,0.5\nA,TPOX,9,1,0.502\n"),
                None
            ),
            at(
                3,
                None,
                "marker TPOX: frequencies sum to 1.002000, not 1 (tolerance 0.001)"
            )
        );
        assert_eq!(
            f(&format!("{header}A,FGA,20,1,1,x\n"), None),
            at(2, None, "6 fields but the header has 5 columns")
        );
    }

    #[test]
    fn missing_file() {
        let e = read_frequencies(Path::new("/no/such/file.txt"), None).unwrap_err();
        assert_eq!(e.file, "/no/such/file.txt");
        assert_eq!(e.location, Location::default());
        assert!(
            e.reason.starts_with("cannot read the file: "),
            "{}",
            e.reason
        );
    }

    /// A wide table of alleles by markers (EuroForMix, STRBase, pop.STR and
    /// relMix style), with commas, or with semicolons and decimal commas,
    /// `NA`, empty and 0 cells, and a closing row of sample sizes.
    #[test]
    fn wide_tables_of_alleles_by_markers() {
        let comma =
            "Allele,D3S1358,TH01,vWA\n6,,0.25,\n7,,0.75,\n9.3,,,\n14,0.5,,0.4\n15,0.5,,0.6\n";
        let want = parse_frequencies("w.csv", comma, None).unwrap();
        let names: Vec<&str> = want.markers().iter().map(|m| m.name()).collect();
        assert_eq!(names, ["D3S1358", "TH01", "vWA"]);
        assert_eq!(want.marker("TH01").unwrap().frequencies(), &[0.25, 0.75]);
        assert_eq!(want.marker("vWA").unwrap().frequencies(), &[0.4, 0.6]);
        let semicolon = "\u{feff}Allele;D3S1358;TH01;VWA\r\n6;NA;0,25;0\r\n7;-;0,75;\r\n\
                         14;0,5;;0,4\r\n15;0,5;NA;0,6\r\nN;100;120;90\r\n";
        assert_eq!(parse_frequencies("w.csv", semicolon, None).unwrap(), want);
        // A tab-separated one with an empty first header cell.
        let tab =
            "\tD3S1358\tTH01\tvWA\n6\t\t0.25\t\n7\t\t0.75\t\n14\t0.5\t\t0.4\n15\t0.5\t\t0.6\n";
        assert_eq!(parse_frequencies("w.txt", tab, None).unwrap(), want);

        // Errors name the line and the marker's column.
        let bad = "Allele;D3S1358;TH01\n6;;0,25\n7;;x\n";
        assert_eq!(
            parse_frequencies("w.csv", bad, None).unwrap_err(),
            FormatError::new(
                "w.csv",
                Location::line_field(3, "TH01"),
                "marker TH01, allele 7: frequency \"x\" is not a number"
            )
        );
        let e = parse_frequencies("w.csv", "Allele,TH01\n6,0.25\n7,0.5\n", None).unwrap_err();
        assert!(e.reason.contains("TH01: frequencies sum to 0.75"), "{e}");
        let e = parse_frequencies("w.csv", "Allele,TH01,TH01\n6,1,1\n", None).unwrap_err();
        assert!(e.reason.contains("listed twice"), "{e}");
        let e = parse_frequencies("w.csv", comma, Some("Norway")).unwrap_err();
        assert!(e.reason.contains("one population"), "{e}");
    }

    /// The database of a Familias project, and a database-only `.fam` (as
    /// KLINK ships the Norwegian database): names canonical, frequencies
    /// normalised.
    #[test]
    fn familias_database_files() {
        let lines = [
            "\"Output from Familias, version 3.3.1\"",
            "\"DO NOT EDIT!\"",
            "3.3.1",
            "\"\"",
            "0",
            "\"Known relations\"",
            "0",
            "0",
            "0",
            "0",
            "#FALSE# (#Databases: 1 ;Theta/Kinship/Fst: 0 )",
            "2",
            "#TRUE#",
            "\"Norway\"",
            "\"D14S1434\"",
            "0.001",
            "0.002",
            "4",
            "4",
            "2",
            "0.1",
            "0.1",
            "1e-006",
            "1e-006",
            "#FALSE#",
            "0",
            "2\t(DatabaseSize = 1000 , Dropout probability = 0 , Minor allele frequency = 0 )",
            "\"13\"",
            "0.4",
            "\"14\"",
            "0.6",
            "\"VWA\"",
            "0",
            "0",
            "0",
            "0",
            "2",
            "0",
            "0",
            "0",
            "0",
            "#FALSE#",
            "0",
            "2\t(DatabaseSize = 500 , Dropout probability = 0 , Minor allele frequency = 0 )",
            "\"16\"",
            "0.25",
            "\"17\"",
            "0.75",
            "[Advanced]",
            "[[Direct/Identity]]",
            "Dropin= 0",
            "Dropout= 0",
            "Error= 0",
        ];
        for end in ["\r\n", "\n"] {
            let db = parse_frequencies("norway.fam", &lines.join(end), None).unwrap();
            let names: Vec<&str> = db.markers().iter().map(|m| m.name()).collect();
            assert_eq!(names, ["D14S1434", "vWA"]);
            assert_eq!(db.marker("vWA").unwrap().frequencies(), &[0.25, 0.75]);
        }
        // Errors are the project reader's, at their line.
        let broken = lines.join("\n").replace("\"VWA\"\n0\n", "\"VWA\"\nx\n");
        let e = parse_frequencies("norway.fam", &broken, None).unwrap_err();
        assert_eq!(e.location.line, Some(33), "{e}");
        // `reunite lr` on such a file says it holds only a database.
        let e = crate::fam::parse_fam("norway.fam", lines.join("\n").as_bytes()).unwrap_err();
        assert!(e.reason.contains("only a frequency database"), "{e}");
    }

    /// A first line of several fields that is no layout read is refused with
    /// what it looks like, never read as a marker of the Familias list.
    #[test]
    fn refused_tables_say_what_they_look_like() {
        for (text, looks) in [
            ("Sample Name,Marker,Allele 1\nS1,TH01,6\n", "genotype table"),
            ("Locus;Allele;Freq\nTH01;6;1\n", "needs the columns locus"),
            ("Marker,6,7\nTH01,0.5,0.5\n", "a marker in each row"),
            (
                "Frequency;D3S1358;TH01\n6;0,5;0,5\n",
                "first column is \"Frequency\"",
            ),
            ("a,b,c\n1,2,3\n", "a table of 3 columns"),
        ] {
            let e = parse_frequencies("t.csv", text, None).unwrap_err();
            assert_eq!(e.location.line, Some(1), "{e}");
            assert!(e.reason.contains(looks), "{looks}: {e}");
            assert!(!e.reason.contains("marker name"), "{e}");
        }
    }
}

//! The whole-text genotype reader as it was before the streaming one (a
//! `csv` reader per line over the text, every row kept, every profile
//! kept): the oracle the streaming reader is compared with.

use super::{Builder, Columns, GenotypeTable, header_key, marker_name as marker, unrecognised};
use crate::csv_line::check_no_extra_fields;
use crate::error::{FormatError, Location};

pub(super) fn parse_genotypes_with_markers(
    file: &str,
    text: &str,
    extra: &[String],
) -> Result<GenotypeTable, FormatError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(first) = crate::split_lines(text).find(|l| !l.trim().is_empty()) else {
        return Err(FormatError::whole(file, "empty file: no genotypes"));
    };
    let delimiter = if first.contains('\t') { b'\t' } else { b',' };
    let table = read_table(file, text, delimiter)?;
    let keys: Vec<String> = table.header.iter().map(|h| header_key(h)).collect();
    let find = |names: &[&str]| keys.iter().position(|k| names.contains(&k.as_str()));
    let columns = Columns {
        sample: find(&["sample", "samplename"]),
        marker: find(&["marker", "locus"]),
        sex: find(&["sex"]),
        population: find(&["population"]),
    };
    let alleles: Vec<(u32, usize)> = {
        let mut found: Vec<(u32, usize)> = keys
            .iter()
            .enumerate()
            .filter_map(|(i, k)| Some((k.strip_prefix("allele")?.parse().ok()?, i)))
            .collect();
        found.sort();
        found
    };
    let Some(sample) = columns.sample else {
        return Err(unrecognised(file, table.header_line));
    };
    let parsed = match columns.marker {
        Some(marker) if !alleles.is_empty() => {
            let alleles: Vec<usize> = alleles.into_iter().map(|(_, i)| i).collect();
            parse_long(file, &table, &columns, sample, marker, &alleles, extra)
        }
        Some(_) => Err(unrecognised(file, table.header_line)),
        None => parse_wide(file, &table, &columns, sample, extra),
    }?;
    if table.rows.is_empty() {
        return Err(FormatError::new(
            file,
            Location::line(table.header_line),
            "the file has a header but no genotype rows after it: nothing to import",
        ));
    }
    Ok(parsed)
}

fn parse_long(
    file: &str,
    table: &Table,
    columns: &Columns,
    sample: usize,
    marker_column: usize,
    alleles: &[usize],
    extra: &[String],
) -> Result<GenotypeTable, FormatError> {
    let header = &table.header;
    let mut builder = Builder::default();
    for (line, row) in &table.rows {
        let line = *line;
        let at = builder.profile(file, line, &header[sample], &row[sample])?;
        if let Some(c) = columns.sex {
            builder.sex_cell(file, line, &header[c], at, &row[c])?;
        }
        if let Some(c) = columns.population {
            builder.population_cell(file, line, &header[c], at, &row[c])?;
        }
        let name = &row[marker_column];
        let location = Location::line_field(line, &header[marker_column]);
        if name.is_empty() {
            return Err(FormatError::new(file, location, "empty marker name"));
        }
        let marker = marker(file, location, name, extra)?;
        let cells: Vec<(&str, &str)> = alleles
            .iter()
            .map(|&c| (header[c].as_str(), row[c].as_str()))
            .collect();
        builder.calls(file, line, at, marker, &cells)?;
    }
    Ok(GenotypeTable {
        profiles: builder.profiles,
    })
}

fn parse_wide(
    file: &str,
    table: &Table,
    columns: &Columns,
    sample: usize,
    extra: &[String],
) -> Result<GenotypeTable, FormatError> {
    let header = &table.header;
    let at_header = |c: usize| Location::line_field(table.header_line, &header[c]);
    // Each marker with its a1 and a2 columns, in header order.
    let mut markers: Vec<(&str, Option<usize>, Option<usize>)> = Vec::new();
    for (c, name) in header.iter().enumerate() {
        if name.is_empty() || c == sample || Some(c) == columns.sex || Some(c) == columns.population
        {
            continue;
        }
        let lower = name.to_ascii_lowercase();
        let (locus, second) = if let Some(l) = lower.strip_suffix("_a1") {
            (&name[..l.len()], false)
        } else if let Some(l) = lower.strip_suffix("_a2") {
            (&name[..l.len()], true)
        } else {
            return Err(FormatError::new(
                file,
                at_header(c),
                "unexpected column: expected sample, population, sex or LOCUS_a1, LOCUS_a2",
            ));
        };
        let m = marker(file, at_header(c), locus, extra)?;
        let entry = match markers.iter().position(|e| e.0 == m) {
            Some(i) => &mut markers[i],
            None => {
                markers.push((m, None, None));
                markers.last_mut().expect("just pushed")
            }
        };
        let slot = if second { &mut entry.2 } else { &mut entry.1 };
        if let Some(other) = slot.replace(c) {
            return Err(FormatError::new(
                file,
                at_header(c),
                format!(
                    "marker {m}: a second column for the same allele (after {:?})",
                    header[other]
                ),
            ));
        }
    }
    let mut pairs: Vec<(&str, usize, usize)> = Vec::with_capacity(markers.len());
    for (m, a1, a2) in markers {
        match (a1, a2) {
            (Some(a1), Some(a2)) => pairs.push((m, a1, a2)),
            (Some(c), None) | (None, Some(c)) => {
                return Err(FormatError::new(
                    file,
                    at_header(c),
                    format!("marker {m}: expected two columns, {m}_a1 and {m}_a2"),
                ));
            }
            (None, None) => unreachable!("a marker is listed with a column"),
        }
    }

    if pairs.is_empty() {
        return Err(unrecognised(file, table.header_line));
    }
    let mut builder = Builder::default();
    for (line, row) in &table.rows {
        let line = *line;
        let name = &row[sample];
        if let Some(&i) = builder.by_sample.get(name.as_str()) {
            return Err(FormatError::new(
                file,
                Location::line_field(line, &header[sample]),
                format!(
                    "sample {name} appears twice (first on line {})",
                    builder.profiles[i].line
                ),
            ));
        }
        let at = builder.profile(file, line, &header[sample], name)?;
        if let Some(c) = columns.sex {
            builder.sex_cell(file, line, &header[c], at, &row[c])?;
        }
        if let Some(c) = columns.population {
            builder.population_cell(file, line, &header[c], at, &row[c])?;
        }
        for &(m, a1, a2) in &pairs {
            let cells = [
                (header[a1].as_str(), row[a1].as_str()),
                (header[a2].as_str(), row[a2].as_str()),
            ];
            builder.calls(file, line, at, m, &cells)?;
        }
    }
    Ok(GenotypeTable {
        profiles: builder.profiles,
    })
}

/// A delimited text table (shared with the genotype readers).
pub(super) struct Table {
    /// The line of the header.
    pub header_line: usize,
    /// The column names, trimmed, without trailing empty names.
    pub header: Vec<String>,
    /// The non-blank data rows with their (1-based) lines, each trimmed and
    /// padded or cut to the length of the header.
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Splits one line with the CSV rules (quotes allowed), trimming each field.
fn split_line(line: &str, delimiter: u8) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .buffer_capacity(line.len() + 1)
        .from_reader(line.as_bytes());
    match reader.records().next() {
        Some(Ok(record)) => record.iter().map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// Reads a delimited table: the first non-blank line is the header; blank lines
/// (or lines of empty fields) are skipped; a UTF-8 byte order mark, CRLF line
/// ends and trailing empty fields are tolerated. A row with a non-empty field
/// beyond the header is an error. Quoted fields may hold the delimiter but not
/// a line break (each line is one row, so that errors name the right line).
pub(super) fn read_table(file: &str, text: &str, delimiter: u8) -> Result<Table, FormatError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut header: Option<(usize, Vec<String>)> = None;
    let mut rows = Vec::new();
    for (index, raw) in crate::split_lines(text).enumerate() {
        let line = index + 1;
        let mut fields = split_line(raw, delimiter);
        if fields.iter().all(String::is_empty) {
            continue;
        }
        match &header {
            None => {
                while fields.last().is_some_and(String::is_empty) {
                    fields.pop();
                }
                header = Some((line, fields));
            }
            Some((_, names)) => {
                check_no_extra_fields(file, line, &fields, names.len())?;
                fields.truncate(names.len());
                fields.resize(names.len(), String::new());
                rows.push((line, fields));
            }
        }
    }
    let Some((header_line, header)) = header else {
        return Err(FormatError::whole(file, "empty file"));
    };
    Ok(Table {
        header_line,
        header,
        rows,
    })
}

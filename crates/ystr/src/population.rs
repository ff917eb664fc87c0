//! A population file: one row per man, one column per locus (CSV with
//! commas, semicolons or tabs; a header of locus names in any known
//! spelling; a two-copy locus as one column `DYS385` with `11-14`, or as
//! two columns `DYS385a`, `DYS385b`; optionally an `id` or `sample`
//! column). Every man must be typed at every locus of the file; lines may
//! end in LF, CRLF or CR. All or nothing: the first bad cell refuses the
//! file, naming the file, line, column and reason.

use crate::error::LocatedError;
use crate::haplotype::{Allele, Call, Haplotype, unknown_locus};
use crate::locus::{Coordinate, Copy, Locus};

/// One man of a population file.
#[derive(Debug, Clone)]
pub struct Man {
    /// The line of the file (1-based).
    pub line: usize,
    pub id: Option<String>,
    pub haplotype: Haplotype,
}

/// A population file read.
#[derive(Debug, Clone)]
pub struct Population {
    pub file: String,
    /// The model's coordinates in the file's column order (a `DYS385`
    /// column gives `DYS385a`, `DYS385b`).
    pub coordinates: Vec<Coordinate>,
    pub men: Vec<Man>,
}

/// A column of the file.
enum Column {
    Id,
    Locus(Locus),
    Copy(Locus),
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match rest.find(['\n', '\r']) {
            None => {
                let l = rest;
                rest = "";
                Some(l)
            }
            Some(at) => {
                let l = &rest[..at];
                let end = if rest[at..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[at + end..];
                Some(l)
            }
        }
    })
}

/// The fields of one line; double quotes around a field allow the
/// delimiter in it (`"14,15"`), `""` is a quote.
fn fields(line: &str, delimiter: char) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else if c == '"' && field.trim().is_empty() && !was_quoted {
            quoted = true;
            was_quoted = true;
            field.clear();
        } else if c == delimiter {
            out.push(std::mem::take(&mut field));
            was_quoted = false;
        } else if was_quoted && !c.is_whitespace() {
            return Err("text after a closing quote".into());
        } else {
            field.push(c);
        }
    }
    if quoted {
        return Err("a quote is not closed".into());
    }
    out.push(field);
    Ok(out)
}

impl Population {
    /// Reads the text of a population file; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Population, LocatedError> {
        let err = |line: usize, field: Option<&str>, reason: String| {
            LocatedError::new(file, Some(line), field, reason)
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut numbered = lines(text).enumerate().map(|(i, l)| (i + 1, l));
        let Some((header_line, header)) = numbered.find(|(_, l)| !l.trim().is_empty()) else {
            return Err(LocatedError::new(
                file,
                None,
                None,
                "empty: no header of locus names",
            ));
        };
        let delimiter = [',', ';', '\t']
            .into_iter()
            .max_by_key(|d| header.matches(*d).count())
            .unwrap();
        let names = fields(header, delimiter).map_err(|e| err(header_line, None, e))?;
        let mut columns = Vec::new();
        let mut coordinates: Vec<Coordinate> = Vec::new();
        for name in &names {
            let name = name.trim();
            if name.eq_ignore_ascii_case("id") || name.eq_ignore_ascii_case("sample") {
                if columns.iter().any(|c| matches!(c, Column::Id)) {
                    return Err(err(header_line, Some(name), "a second id column".into()));
                }
                columns.push(Column::Id);
                continue;
            }
            let Some((locus, copy)) = Locus::parse(name) else {
                return Err(err(header_line, Some(name), unknown_locus(name)));
            };
            let new: Vec<Coordinate> = match copy {
                None => locus.coordinates(),
                Some(c) => vec![Coordinate {
                    locus,
                    copy: Some(c),
                }],
            };
            for c in &new {
                if coordinates.contains(c) {
                    return Err(err(
                        header_line,
                        Some(name),
                        format!("{c} is a column twice"),
                    ));
                }
            }
            coordinates.extend(new);
            columns.push(match copy {
                None => Column::Locus(locus),
                Some(_) => Column::Copy(locus),
            });
        }
        for c in &coordinates {
            if c.copy.is_some() {
                let other = Coordinate {
                    locus: c.locus,
                    copy: Some(if c.copy == Some(Copy::A) {
                        Copy::B
                    } else {
                        Copy::A
                    }),
                };
                if !coordinates.contains(&other) {
                    return Err(err(
                        header_line,
                        Some(&c.to_string()),
                        format!(
                            "a column {c} without {other}: give both copies, or one column {}",
                            c.locus
                        ),
                    ));
                }
            }
        }
        if coordinates.is_empty() {
            return Err(err(header_line, None, "no locus column".into()));
        }
        let mut men = Vec::new();
        for (line, text) in numbered {
            if text.trim().is_empty() {
                continue;
            }
            let values = fields(text, delimiter).map_err(|e| err(line, None, e))?;
            if values.len() != names.len() {
                return Err(err(
                    line,
                    None,
                    format!(
                        "{} fields where the header has {}",
                        values.len(),
                        names.len()
                    ),
                ));
            }
            let mut id = None;
            let mut h = Haplotype::new();
            let mut copies: Vec<(Locus, Allele)> = Vec::new();
            for ((column, value), name) in columns.iter().zip(&values).zip(&names) {
                let name = name.trim();
                let value = value.trim();
                if let Column::Id = column {
                    id = Some(value.to_string());
                    continue;
                }
                if value.is_empty() || value.eq_ignore_ascii_case("na") {
                    return Err(err(
                        line,
                        Some(name),
                        "empty: every man must be typed at every locus of the file".into(),
                    ));
                }
                match column {
                    Column::Id => {}
                    Column::Locus(l) => {
                        let call = Call::parse(*l, value).map_err(|e| err(line, Some(name), e))?;
                        h.insert(*l, call).map_err(|e| err(line, Some(name), e))?;
                    }
                    Column::Copy(l) => {
                        let a = Allele::parse(value).map_err(|e| {
                            err(
                                line,
                                Some(name),
                                format!("{e} (one allele per copy column)"),
                            )
                        })?;
                        copies.push((*l, a));
                    }
                }
            }
            let mut paired: Vec<Locus> = Vec::new();
            for (l, _) in &copies {
                if paired.contains(l) {
                    continue;
                }
                paired.push(*l);
                let of: Vec<Allele> = copies.iter().filter(|c| c.0 == *l).map(|c| c.1).collect();
                let (a, b) = (of[0].min(of[1]), of[0].max(of[1]));
                h.insert(*l, Call::Two(a, b))
                    .map_err(|e| err(line, Some(l.name()), e))?;
            }
            men.push(Man {
                line,
                id,
                haplotype: h,
            });
        }
        if men.is_empty() {
            return Err(err(header_line, None, "a header and no man".into()));
        }
        Ok(Population {
            file: file.to_string(),
            coordinates,
            men,
        })
    }

    /// The men's whole repeat numbers, one row per man, for the discrete
    /// Laplace model; refused at the first call it cannot take (a null or
    /// intermediate allele, a duplication), naming its line and locus.
    pub fn model_matrix(&self) -> Result<Vec<Vec<i32>>, LocatedError> {
        let mut rows = Vec::with_capacity(self.men.len());
        for m in &self.men {
            let mut row = Vec::with_capacity(self.coordinates.len());
            for c in &self.coordinates {
                let call = m
                    .haplotype
                    .get(c.locus)
                    .expect("every man is typed at every column");
                if let Some(why) = call.unmodelled() {
                    return Err(LocatedError::new(
                        &self.file,
                        Some(m.line),
                        Some(c.locus.name()),
                        format!(
                            "{call} is {why}: the discrete Laplace fit needs whole repeat numbers \
                             at every locus (use --method count or kappa, or leave the man out)"
                        ),
                    ));
                }
                let a = call.at(c.copy).expect("a single or pair call");
                row.push(a.whole().expect("whole"));
            }
            rows.push(row);
        }
        Ok(rows)
    }

    /// The coordinate names (`DYS576`, ..., `DYS385a`, `DYS385b`, ...).
    pub fn coordinate_names(&self) -> Vec<String> {
        self.coordinates.iter().map(|c| c.to_string()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_pairs_and_line_ends() {
        for end in ["\n", "\r\n", "\r"] {
            let text = [
                "id;DYS19;DYS385;DYS389I",
                "m1;14;14-11;13",
                "",
                "m2;15;\"12,12\";12",
                "",
            ]
            .join(end);
            let p = Population::parse(&text, "pop.csv").unwrap();
            assert_eq!(
                p.coordinate_names(),
                ["DYS19", "DYS385a", "DYS385b", "DYS389I"]
            );
            assert_eq!(p.men.len(), 2);
            assert_eq!(p.men[1].line, 4, "{end:?}");
            assert_eq!(p.men[0].id.as_deref(), Some("m1"));
            assert_eq!(
                p.model_matrix().unwrap(),
                vec![vec![14, 11, 14, 13], vec![15, 12, 12, 12]]
            );
        }
        // Copies in two columns, in either order in a row: kept smaller first.
        let p = Population::parse("DYS385b,DYS385a\n11,14\n14,11\n", "f").unwrap();
        assert_eq!(p.coordinate_names(), ["DYS385b", "DYS385a"]);
        assert_eq!(p.model_matrix().unwrap(), vec![vec![14, 11], vec![14, 11]]);
        let p = Population::parse("DYS385a,DYS385b\n14,11\n", "f").unwrap();
        assert_eq!(p.model_matrix().unwrap(), vec![vec![11, 14]]);
    }

    #[test]
    fn refusals_name_line_field_and_reason() {
        let cases = [
            (
                "DYS19,DYS999\n14,3\n",
                1,
                Some("DYS999"),
                "not a Y-STR locus",
            ),
            (
                "DYS19,DYS389I\n14,13\n15\n",
                3,
                None,
                "1 fields where the header has 2",
            ),
            (
                "DYS19,DYS389I\n14,\n",
                2,
                Some("DYS389I"),
                "every man must be typed",
            ),
            (
                "DYS19,DYS389I\n14,1x\n",
                2,
                Some("DYS389I"),
                "not a repeat number",
            ),
            (
                "DYS385a,DYS19\n14,14\n",
                1,
                Some("DYS385a"),
                "without DYS385b",
            ),
            ("DYS19,DYS19\n14,14\n", 1, Some("DYS19"), "twice"),
            ("DYS19\n", 1, None, "no man"),
            ("DYS19,DYS389I\n\"14,13\n", 2, None, "quote"),
        ];
        for (text, line, field, why) in cases {
            let e = Population::parse(text, "pop.csv").unwrap_err();
            assert_eq!(e.file, "pop.csv");
            assert_eq!(e.line, Some(line), "{text:?}: {e}");
            assert_eq!(e.field.as_deref(), field, "{text:?}: {e}");
            assert!(e.reason.contains(why), "{text:?}: {e}");
        }
    }

    #[test]
    fn the_model_refuses_what_it_cannot_take_naming_it() {
        let p = Population::parse("DYS19,DYS458\n14,17\n15,18.2\n", "pop.csv").unwrap();
        assert!(
            p.men[1].haplotype.calls()[1].1.is_intermediate(),
            "kept and flagged"
        );
        let e = p.model_matrix().unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(3), Some("DYS458")));
        assert!(e.reason.contains("intermediate"), "{e}");
        let p = Population::parse("DYS19,DYS458\n14,17\n15-16,18\n", "pop.csv").unwrap();
        assert!(p.model_matrix().unwrap_err().reason.contains("duplication"));
        let p = Population::parse("DYS19,DYS458\nnull,17\n", "pop.csv").unwrap();
        assert!(p.model_matrix().unwrap_err().reason.contains("null"));
    }
}

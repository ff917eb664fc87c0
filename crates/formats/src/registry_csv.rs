//! The CSV files a registry imports: missing-child cases, the references
//! (relatives who gave DNA) of those cases, found children, and clan
//! volunteers (men who give a Y sample for their paternal lineage:
//! [`VolunteerReader`]).
//!
//! Each file is read from a stream a line at a time ([`CaseReader`],
//! [`ReferenceReader`], [`FoundReader`]: one row at a time, keeping only the
//! identifiers read so far, to refuse a repeated one) or from a text
//! ([`parse_cases`], [`parse_references`], [`parse_found`]: every row). An
//! error names the file, the 1-based line, the column (by its header name) and
//! the reason.
//!
//! Rules common to the three files:
//!
//! - The first non-blank line is the header. Column names are matched ignoring
//!   ASCII case and surrounding spaces, in any order. A column that is not one of
//!   the file's columns, or a column named twice, is an error; a required column
//!   (the ones whose value is required, see each parser) must be present, the
//!   other columns may be left out, which is the same as leaving them empty.
//! - A UTF-8 byte order mark, CRLF line ends, blank lines (also lines of empty
//!   fields only) and trailing empty fields are accepted. A field may be quoted
//!   (`"..."`, with `""` for a quote) to hold commas, but not a line break: each
//!   line is one row, so that errors name the right line. A row with fewer
//!   fields than the header, or with a non-empty field beyond it, is an error.
//! - Every value is trimmed. Identifiers (case ids, sample names, found ids) are
//!   1 to 64 characters from `A-Z a-z 0-9 . _ -`, unique within the file.
//! - Dates are `YYYY-MM-DD`, real calendar dates, not after the `today` the
//!   caller passes. Latitude is in [-90, 90] and longitude in [-180, 180], given
//!   both or neither. Sex is `male`, `female`, `unknown` (or `M`, `F`, `U`, any
//!   case), empty meaning unknown.
//! - Text fields (names, places, descriptions) become `None` when empty; control
//!   characters other than tab are refused, and so are texts longer than
//!   [`NAME_MAX_CHARS`], [`PLACE_MAX_CHARS`] or [`DESCRIPTION_MAX_CHARS`].
//! - A file with a header and no rows gives no rows; a file without any
//!   non-blank line is an error.

use std::collections::HashMap;
use std::fmt;
use std::io::BufRead;
use std::str::FromStr;

use kinship::{Relative, Sex};

use crate::csv_line::{LineSplitter, check_no_extra_fields};
use crate::error::{FormatError, Location};
use crate::lines::LineReader;

// ---------------------------------------------------------------------------
// Dates

/// A calendar date in the proleptic Gregorian calendar, from -9999-01-01 to
/// 9999-12-31 (a [`jiff::civil::Date`]). Dates order chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(jiff::civil::Date);

/// 1970-01-01, the day `unix_days` counts from.
const UNIX_EPOCH_DAY: jiff::civil::Date = jiff::civil::Date::constant(1970, 1, 1);

impl Date {
    /// The date, if `year` is from -9999 to 9999, `month` is 1 to 12 and
    /// `day` is a day of that month.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        jiff::civil::Date::new(
            i16::try_from(year).ok()?,
            i8::try_from(month).ok()?,
            i8::try_from(day).ok()?,
        )
        .ok()
        .map(Date)
    }

    pub fn year(self) -> i32 {
        i32::from(self.0.year())
    }

    /// The month, 1 (January) to 12.
    pub fn month(self) -> u32 {
        self.0.month() as u32
    }

    /// The day of the month, from 1.
    pub fn day(self) -> u32 {
        self.0.day() as u32
    }

    /// The last day of this date's month.
    pub fn last_of_month(self) -> Date {
        Date(self.0.last_of_month())
    }

    /// The number of days from 1970-01-01 to this date (negative before it).
    pub fn unix_days(self) -> i64 {
        i64::from(
            self.0
                .since(UNIX_EPOCH_DAY)
                .expect("days between two dates")
                .get_days(),
        )
    }

    /// The date `days` days after 1970-01-01 (before it if negative). Days
    /// beyond the dates a [`Date`] holds give the first or last date.
    pub fn from_unix_days(days: i64) -> Date {
        let first = Date(jiff::civil::Date::MIN);
        let last = Date(jiff::civil::Date::MAX);
        let days = days.clamp(first.unix_days(), last.unix_days());
        Date(
            UNIX_EPOCH_DAY
                .checked_add(jiff::Span::new().days(days))
                .expect("the days were clamped to the dates a Date holds"),
        )
    }

    /// Today's date in UTC, from the system clock.
    pub fn today_utc() -> Date {
        Date(
            jiff::tz::TimeZone::UTC
                .to_datetime(jiff::Timestamp::now())
                .date(),
        )
    }

    /// The number of days from `other` to this date: positive when this date
    /// is later, so `found_date.days_since(birth_date)` is an age in days.
    pub fn days_since(&self, other: Date) -> i64 {
        self.unix_days() - other.unix_days()
    }
}

/// Writes `YYYY-MM-DD` (a minus sign before years before year 0).
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.year() < 0 {
            f.write_str("-")?;
        }
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.year().unsigned_abs(),
            self.month(),
            self.day()
        )
    }
}

/// A text that is not a date written `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseDateError {
    /// The text as given.
    pub text: String,
}

impl fmt::Display for ParseDateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a valid date (YYYY-MM-DD)", self.text)
    }
}

impl std::error::Error for ParseDateError {}

/// Reads exactly `YYYY-MM-DD`: a four-digit year, a two-digit month and a
/// two-digit day of that month, nothing around them.
impl FromStr for Date {
    type Err = ParseDateError;

    fn from_str(s: &str) -> Result<Date, ParseDateError> {
        let error = || ParseDateError {
            text: s.to_string(),
        };
        let b = s.as_bytes();
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            b[range].iter().try_fold(0, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        };
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(error());
        }
        let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10))
        else {
            return Err(error());
        };
        Date::new(year as i32, month, day).ok_or_else(error)
    }
}

// ---------------------------------------------------------------------------
// Rows

/// The longest person name, in characters.
pub const NAME_MAX_CHARS: usize = 200;
/// The longest place or institution name, in characters.
pub const PLACE_MAX_CHARS: usize = 200;
/// The longest description, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 2000;
/// The longest identifier (case id, sample name, found id), in characters.
pub const ID_MAX_CHARS: usize = 64;
/// The largest age, in days (100 years).
pub const AGE_MAX_DAYS: u32 = 36_500;

/// The columns of a cases file, in the usual order.
pub const CASE_COLUMNS: [&str; 10] = [
    "case_id",
    "child_name",
    "child_sex",
    "child_birth_date_from",
    "child_birth_date_to",
    "missing_date",
    "missing_place",
    "missing_lat",
    "missing_lon",
    "description",
];
const CASE_REQUIRED: &[&str] = &["case_id"];

/// The columns of a references file, in the usual order.
pub const REFERENCE_COLUMNS: [&str; 5] = [
    "sample_name",
    "case_id",
    "relationship",
    "person_name",
    "sex",
];
const REFERENCE_REQUIRED: &[&str] = &["sample_name", "case_id", "relationship"];

/// The columns of a found-children file, in the usual order.
pub const FOUND_COLUMNS: [&str; 11] = [
    "sample_name",
    "found_id",
    "sex",
    "age_min_days",
    "age_max_days",
    "found_date",
    "found_place",
    "found_lat",
    "found_lon",
    "institution",
    "description",
];
const FOUND_REQUIRED: &[&str] = &["sample_name", "found_id"];

/// One missing-child case: a row of a cases file.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRow {
    /// The line of the row (1-based).
    pub line: usize,
    pub case_id: String,
    pub child_name: Option<String>,
    pub child_sex: Sex,
    /// The earliest possible birth date (`child_birth_date_from`).
    pub birth_from: Option<Date>,
    /// The latest possible birth date (`child_birth_date_to`); the same as
    /// `birth_from` for a known birth date.
    pub birth_to: Option<Date>,
    pub missing_date: Option<Date>,
    pub missing_place: Option<String>,
    pub missing_lat: Option<f64>,
    pub missing_lon: Option<f64>,
    pub description: Option<String>,
}

/// A relative of a missing child who gave DNA: a row of a references file.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceRow {
    /// The line of the row (1-based).
    pub line: usize,
    /// The sample name, as in the genotype file.
    pub sample_name: String,
    pub case_id: String,
    pub relationship: Relative,
    pub person_name: Option<String>,
    /// The sex as given, or implied by the relationship when not given.
    pub sex: Sex,
}

/// A child of unknown identity: a row of a found-children file.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundRow {
    /// The line of the row (1-based).
    pub line: usize,
    /// The sample name, as in the genotype file.
    pub sample_name: String,
    pub found_id: String,
    pub sex: Sex,
    /// The estimated age when found, in days: at least this...
    pub age_min_days: Option<u32>,
    /// ... and at most this.
    pub age_max_days: Option<u32>,
    pub found_date: Option<Date>,
    pub found_place: Option<String>,
    pub found_lat: Option<f64>,
    pub found_lon: Option<f64>,
    pub institution: Option<String>,
    pub description: Option<String>,
}

/// Parses a cases file (see the module documentation); `file` names the file
/// in errors and `today` is the latest date allowed.
///
/// Only `case_id` is required. The child's birth date is a range
/// (`child_birth_date_from` <= `child_birth_date_to`; a known birth date is
/// written in both); `missing_date` is not before `child_birth_date_from`.
pub fn parse_cases(file: &str, text: &str, today: Date) -> Result<Vec<CaseRow>, FormatError> {
    let mut reader = CaseReader::new(file, text.as_bytes(), today)?;
    let mut cases = Vec::new();
    while let Some(row) = reader.next_row()? {
        cases.push(row);
    }
    Ok(cases)
}

/// Reads a cases file from a stream, one row at a time, as [`parse_cases`]
/// reads a text (the same rows, the same errors, though of a file with
/// several errors the first in line order is told first). Memory is one
/// line and the case ids read so far (to refuse a repeated one), whatever
/// the size of the file.
pub struct CaseReader<'a, R> {
    rows: RowReader<'a, R>,
    today: Date,
    ids: HashMap<String, usize>,
}

impl<'a, R: BufRead> CaseReader<'a, R> {
    /// Reads the header; `file` names the file in errors.
    pub fn new(file: &'a str, input: R, today: Date) -> Result<CaseReader<'a, R>, FormatError> {
        Ok(CaseReader {
            rows: RowReader::new(file, input, &CASE_COLUMNS, CASE_REQUIRED)?,
            today,
            ids: HashMap::new(),
        })
    }

    /// The next case, or `None` after the last (a file without any is an error).
    pub fn next_row(&mut self) -> Result<Option<CaseRow>, FormatError> {
        let Some(row) = self.rows.next_row()? else {
            return Ok(None);
        };
        let today = self.today;
        let case_id = row.id("case_id", &mut self.ids)?;
        let child_name = row.text("child_name", NAME_MAX_CHARS)?;
        let child_sex = row.sex("child_sex")?;
        let birth_from = row.date("child_birth_date_from", today)?;
        let birth_to = row.date("child_birth_date_to", today)?;
        if let (Some(from), Some(to)) = (birth_from, birth_to)
            && to < from
        {
            return Err(row.error(
                "child_birth_date_to",
                format!("{to} is before child_birth_date_from {from}"),
            ));
        }
        let missing_date = row.date("missing_date", today)?;
        if let (Some(born), Some(missing)) = (birth_from, missing_date)
            && missing < born
        {
            return Err(row.error(
                "missing_date",
                format!("{missing} is before child_birth_date_from {born}"),
            ));
        }
        let missing_place = row.text("missing_place", PLACE_MAX_CHARS)?;
        let (missing_lat, missing_lon) = row.coordinates("missing_lat", "missing_lon")?;
        let description = row.text("description", DESCRIPTION_MAX_CHARS)?;
        Ok(Some(CaseRow {
            line: row.line,
            case_id,
            child_name,
            child_sex,
            birth_from,
            birth_to,
            missing_date,
            missing_place,
            missing_lat,
            missing_lon,
            description,
        }))
    }

    /// The stream, read up to where the rows were taken.
    pub fn into_inner(self) -> R {
        self.rows.into_inner()
    }
}

/// Parses a references file (see the module documentation); `file` names the
/// file in errors.
///
/// `sample_name`, `case_id` and `relationship` are required; sample names are
/// unique. The relationship is a [`Relative`] name (`mother`,
/// `paternal_half_sibling`, ...). A sex that contradicts the relationship (a
/// male mother) is an error; an empty or unknown sex becomes the sex the
/// relationship implies, if any. A case has at most one of each parent and
/// grandparent.
///
/// Whether each case exists is not checked here: the cases may be in the
/// registry rather than in a file read with this one.
pub fn parse_references(file: &str, text: &str) -> Result<Vec<ReferenceRow>, FormatError> {
    let mut reader = ReferenceReader::new(file, text.as_bytes())?;
    let mut references = Vec::new();
    while let Some(row) = reader.next_row()? {
        references.push(row);
    }
    Ok(references)
}

/// Reads a references file from a stream, one row at a time, as
/// [`parse_references`] reads a text. Memory is one line, the sample names
/// read so far and the unique relationships (mother, ...) of each case.
pub struct ReferenceReader<'a, R> {
    rows: RowReader<'a, R>,
    samples: HashMap<String, usize>,
    /// The line of each unique relationship (mother, ...) per case.
    unique: HashMap<(String, Relative), usize>,
}

impl<'a, R: BufRead> ReferenceReader<'a, R> {
    /// Reads the header; `file` names the file in errors.
    pub fn new(file: &'a str, input: R) -> Result<ReferenceReader<'a, R>, FormatError> {
        Ok(ReferenceReader {
            rows: RowReader::new(file, input, &REFERENCE_COLUMNS, REFERENCE_REQUIRED)?,
            samples: HashMap::new(),
            unique: HashMap::new(),
        })
    }

    /// The next reference, or `None` after the last (a file without any is an error).
    pub fn next_row(&mut self) -> Result<Option<ReferenceRow>, FormatError> {
        let Some(row) = self.rows.next_row()? else {
            return Ok(None);
        };
        let sample_name = row.id("sample_name", &mut self.samples)?;
        let case_id = row.id("case_id", &mut HashMap::new())?;
        let relationship = row.relationship("relationship")?;
        if relationship.is_unique()
            && let Some(first) = self
                .unique
                .insert((case_id.clone(), relationship), row.line)
        {
            return Err(row.error(
                "relationship",
                format!(
                    "case {case_id:?} has a {relationship} already (line {first}); a case has \
                     at most one"
                ),
            ));
        }
        let person_name = row.text("person_name", NAME_MAX_CHARS)?;
        let given = row.sex("sex")?;
        let sex = match relationship.implied_sex() {
            Some(implied) if given == Sex::Unknown => implied,
            Some(implied) if given != implied => {
                return Err(row.error(
                    "sex",
                    format!(
                        "{} contradicts the relationship {relationship}, who is {}",
                        given.name(),
                        implied.name()
                    ),
                ));
            }
            _ => given,
        };
        Ok(Some(ReferenceRow {
            line: row.line,
            sample_name,
            case_id,
            relationship,
            person_name,
            sex,
        }))
    }

    /// The stream, read up to where the rows were taken.
    pub fn into_inner(self) -> R {
        self.rows.into_inner()
    }
}

/// Parses a found-children file (see the module documentation); `file` names
/// the file in errors and `today` is the latest date allowed.
///
/// `sample_name` and `found_id` are required, each unique. Ages are whole
/// numbers of days from 0 to [`AGE_MAX_DAYS`], `age_min_days` <=
/// `age_max_days`.
pub fn parse_found(file: &str, text: &str, today: Date) -> Result<Vec<FoundRow>, FormatError> {
    let mut reader = FoundReader::new(file, text.as_bytes(), today)?;
    let mut found = Vec::new();
    while let Some(row) = reader.next_row()? {
        found.push(row);
    }
    Ok(found)
}

/// Reads a found-children file from a stream, one row at a time, as
/// [`parse_found`] reads a text. Memory is one line and the sample names and
/// found ids read so far.
pub struct FoundReader<'a, R> {
    rows: RowReader<'a, R>,
    today: Date,
    samples: HashMap<String, usize>,
    ids: HashMap<String, usize>,
}

impl<'a, R: BufRead> FoundReader<'a, R> {
    /// Reads the header; `file` names the file in errors.
    pub fn new(file: &'a str, input: R, today: Date) -> Result<FoundReader<'a, R>, FormatError> {
        Ok(FoundReader {
            rows: RowReader::new(file, input, &FOUND_COLUMNS, FOUND_REQUIRED)?,
            today,
            samples: HashMap::new(),
            ids: HashMap::new(),
        })
    }

    /// The next found child, or `None` after the last (a file without any is an error).
    pub fn next_row(&mut self) -> Result<Option<FoundRow>, FormatError> {
        let Some(row) = self.rows.next_row()? else {
            return Ok(None);
        };
        let sample_name = row.id("sample_name", &mut self.samples)?;
        let found_id = row.id("found_id", &mut self.ids)?;
        let sex = row.sex("sex")?;
        let age_min_days = row.age("age_min_days")?;
        let age_max_days = row.age("age_max_days")?;
        if let (Some(min), Some(max)) = (age_min_days, age_max_days)
            && max < min
        {
            return Err(row.error(
                "age_max_days",
                format!("{max} is less than age_min_days {min}"),
            ));
        }
        let found_date = row.date("found_date", self.today)?;
        let found_place = row.text("found_place", PLACE_MAX_CHARS)?;
        let (found_lat, found_lon) = row.coordinates("found_lat", "found_lon")?;
        let institution = row.text("institution", PLACE_MAX_CHARS)?;
        let description = row.text("description", DESCRIPTION_MAX_CHARS)?;
        Ok(Some(FoundRow {
            line: row.line,
            sample_name,
            found_id,
            sex,
            age_min_days,
            age_max_days,
            found_date,
            found_place,
            found_lat,
            found_lon,
            institution,
            description,
        }))
    }

    /// The stream, read up to where the rows were taken.
    pub fn into_inner(self) -> R {
        self.rows.into_inner()
    }
}

/// The columns of a clan volunteers file, in the usual order.
pub const VOLUNTEER_COLUMNS: [&str; 7] = [
    "sample_name",
    "surname",
    "ancestral_place",
    "person_name",
    "consent_date",
    "keep_until",
    "known_cases",
];
const VOLUNTEER_REQUIRED: &[&str] = &[
    "sample_name",
    "surname",
    "ancestral_place",
    "consent_date",
    "keep_until",
];

/// At most this many case ids in a volunteer's `known_cases`.
pub const KNOWN_CASES_MAX: usize = 50;

/// A clan volunteer: a man who is not a registered family but gives a Y
/// sample for his paternal lineage (his clan, his village), so that a found
/// boy of his lineage can be traced to it. A row of a volunteers file.
#[derive(Debug, Clone, PartialEq)]
pub struct VolunteerRow {
    /// The line of the row (1-based).
    pub line: usize,
    /// The sample name, as in the genotype file.
    pub sample_name: String,
    /// The clan's surname (`Li`, `李`).
    pub surname: String,
    /// The clan's ancestral place (village, county).
    pub ancestral_place: String,
    pub person_name: Option<String>,
    /// The day he signed his consent.
    pub consent_date: Date,
    /// The day his record and sample are deleted, as he consented.
    pub keep_until: Date,
    /// The ids of the missing-child cases his clan knows of (`;` between
    /// them in the file), each at most once.
    pub known_cases: Vec<String>,
}

/// Parses a clan volunteers file (see the module documentation); `file`
/// names the file in errors and `today` is the latest consent date allowed.
///
/// `sample_name` (unique), `surname`, `ancestral_place`, `consent_date` and
/// `keep_until` are required. `keep_until` is after `consent_date` and
/// after `today` (a consent that has run out is not imported).
/// `known_cases` is empty or case ids separated by `;`.
pub fn parse_volunteers(
    file: &str,
    text: &str,
    today: Date,
) -> Result<Vec<VolunteerRow>, FormatError> {
    let mut reader = VolunteerReader::new(file, text.as_bytes(), today)?;
    let mut rows = Vec::new();
    while let Some(row) = reader.next_row()? {
        rows.push(row);
    }
    Ok(rows)
}

/// Reads a clan volunteers file from a stream, one row at a time, as
/// [`parse_volunteers`] reads a text. Memory is one line and the sample
/// names read so far.
pub struct VolunteerReader<'a, R> {
    rows: RowReader<'a, R>,
    today: Date,
    samples: HashMap<String, usize>,
}

impl<'a, R: BufRead> VolunteerReader<'a, R> {
    /// Reads the header; `file` names the file in errors.
    pub fn new(
        file: &'a str,
        input: R,
        today: Date,
    ) -> Result<VolunteerReader<'a, R>, FormatError> {
        Ok(VolunteerReader {
            rows: RowReader::new(file, input, &VOLUNTEER_COLUMNS, VOLUNTEER_REQUIRED)?,
            today,
            samples: HashMap::new(),
        })
    }

    /// The next volunteer, or `None` after the last.
    pub fn next_row(&mut self) -> Result<Option<VolunteerRow>, FormatError> {
        let Some(row) = self.rows.next_row()? else {
            return Ok(None);
        };
        let sample_name = row.id("sample_name", &mut self.samples)?;
        let required = |column: &str, max: usize| -> Result<String, FormatError> {
            row.text(column, max)?
                .ok_or_else(|| row.error(column, "empty, but required"))
        };
        let surname = required("surname", NAME_MAX_CHARS)?;
        let ancestral_place = required("ancestral_place", PLACE_MAX_CHARS)?;
        let person_name = row.text("person_name", NAME_MAX_CHARS)?;
        let consent_date = row.date("consent_date", self.today)?.ok_or_else(|| {
            row.error(
                "consent_date",
                "empty, but required: a volunteer's sample is kept only with his written consent",
            )
        })?;
        let keep_until = match row.get("keep_until") {
            "" => {
                return Err(row.error(
                    "keep_until",
                    "empty, but required: the day his record is deleted",
                ));
            }
            v => v
                .parse::<Date>()
                .map_err(|e: ParseDateError| row.error("keep_until", e.to_string()))?,
        };
        if keep_until <= consent_date {
            return Err(row.error(
                "keep_until",
                format!("{keep_until} is not after the consent date {consent_date}"),
            ));
        }
        if keep_until <= self.today {
            return Err(row.error(
                "keep_until",
                format!(
                    "{keep_until} has passed (today is {}): his consent has run out",
                    self.today
                ),
            ));
        }
        let mut known_cases: Vec<String> = Vec::new();
        for id in row.get("known_cases").split(';').map(str::trim) {
            if id.is_empty() {
                continue;
            }
            if id.len() > ID_MAX_CHARS
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            {
                return Err(row.error(
                    "known_cases",
                    format!("{id:?} is not a case id (letters A-Z and a-z, digits, '.', '_', '-'; at most {ID_MAX_CHARS})"),
                ));
            }
            if known_cases.iter().any(|k| k == id) {
                return Err(row.error("known_cases", format!("{id:?} is named twice")));
            }
            known_cases.push(id.to_string());
        }
        if known_cases.len() > KNOWN_CASES_MAX {
            return Err(row.error(
                "known_cases",
                format!("{} cases: at most {KNOWN_CASES_MAX}", known_cases.len()),
            ));
        }
        Ok(Some(VolunteerRow {
            line: row.line,
            sample_name,
            surname,
            ancestral_place,
            person_name,
            consent_date,
            keep_until,
            known_cases,
        }))
    }

    /// The stream, read up to where the rows were taken.
    pub fn into_inner(self) -> R {
        self.rows.into_inner()
    }
}

// ---------------------------------------------------------------------------
// Reading the table

/// A data row: its values by column of the file kind (empty for a column the
/// file leaves out), trimmed.
struct Row<'a> {
    file: &'a str,
    columns: &'static [&'static str],
    line: usize,
    values: Vec<String>,
}

impl Row<'_> {
    /// The value of a column.
    fn get(&self, column: &str) -> &str {
        let at = self
            .columns
            .iter()
            .position(|c| *c == column)
            .expect("a column of this kind of file");
        &self.values[at]
    }

    fn error(&self, column: &str, reason: impl Into<String>) -> FormatError {
        FormatError::new(self.file, Location::line_field(self.line, column), reason)
    }

    /// A required identifier, unique among the rows: `seen` holds the line of
    /// each identifier read before.
    fn id(&self, column: &str, seen: &mut HashMap<String, usize>) -> Result<String, FormatError> {
        let value = self.get(column);
        if value.is_empty() {
            return Err(self.error(column, "empty, but required"));
        }
        let length = value.chars().count();
        if length > ID_MAX_CHARS {
            return Err(self.error(
                column,
                format!("{value:?} is too long: {length} characters, at most {ID_MAX_CHARS}"),
            ));
        }
        if let Some(bad) = value
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        {
            return Err(self.error(
                column,
                format!(
                    "{value:?} has the character {bad:?}: an identifier has only letters A-Z \
                     and a-z, digits, '.', '_' and '-'"
                ),
            ));
        }
        if let Some(first) = seen.insert(value.to_string(), self.line) {
            return Err(self.error(
                column,
                format!("{value:?} is also on line {first}: each {column} must be unique"),
            ));
        }
        Ok(value.to_string())
    }

    /// An optional text of at most `max` characters, without control
    /// characters other than tab.
    fn text(&self, column: &str, max: usize) -> Result<Option<String>, FormatError> {
        let value = self.get(column);
        if value.is_empty() {
            return Ok(None);
        }
        if let Some(bad) = value.chars().find(|&c| c.is_control() && c != '\t') {
            return Err(self.error(
                column,
                format!(
                    "control character U+{:04X} in the text; not allowed",
                    u32::from(bad)
                ),
            ));
        }
        let length = value.chars().count();
        if length > max {
            return Err(self.error(
                column,
                format!("too long: {length} characters, at most {max}"),
            ));
        }
        Ok(Some(value.to_string()))
    }

    /// An optional date, not after `today`.
    fn date(&self, column: &str, today: Date) -> Result<Option<Date>, FormatError> {
        let value = self.get(column);
        if value.is_empty() {
            return Ok(None);
        }
        let date: Date = value
            .parse()
            .map_err(|e: ParseDateError| self.error(column, e.to_string()))?;
        if date > today {
            return Err(self.error(
                column,
                format!("{date} is in the future (today is {today})"),
            ));
        }
        Ok(Some(date))
    }

    /// A sex: male, female, unknown, M, F, U (any case) or empty (unknown).
    fn sex(&self, column: &str) -> Result<Sex, FormatError> {
        let value = self.get(column);
        Sex::parse(value).ok_or_else(|| {
            self.error(
                column,
                format!(
                    "{value:?} is not a sex: expected male, female, unknown (or M, F, U) or nothing"
                ),
            )
        })
    }

    /// A required relationship to the missing child.
    fn relationship(&self, column: &str) -> Result<Relative, FormatError> {
        let value = self.get(column);
        if value.is_empty() {
            let names: Vec<&str> = Relative::ALL.iter().map(|r| r.name()).collect();
            return Err(self.error(
                column,
                format!("empty, but required: expected one of {}", names.join(", ")),
            ));
        }
        value.parse().map_err(|e: String| self.error(column, e))
    }

    /// An optional age in days, from 0 to [`AGE_MAX_DAYS`].
    fn age(&self, column: &str) -> Result<Option<u32>, FormatError> {
        let value = self.get(column);
        if value.is_empty() {
            return Ok(None);
        }
        match value.parse::<u32>() {
            Ok(days) if value.bytes().all(|b| b.is_ascii_digit()) && days <= AGE_MAX_DAYS => {
                Ok(Some(days))
            }
            _ => Err(self.error(
                column,
                format!(
                    "{value:?} is not an age in days: expected a whole number from 0 to \
                     {AGE_MAX_DAYS}"
                ),
            )),
        }
    }

    /// An optional latitude and longitude, both or neither.
    fn coordinates(
        &self,
        lat_column: &str,
        lon_column: &str,
    ) -> Result<(Option<f64>, Option<f64>), FormatError> {
        let lat = self.coordinate(lat_column, "latitude", 90.0)?;
        let lon = self.coordinate(lon_column, "longitude", 180.0)?;
        match (lat, lon) {
            (Some(_), None) => Err(self.error(
                lon_column,
                format!("empty, but {lat_column} is given: give both coordinates or neither"),
            )),
            (None, Some(_)) => Err(self.error(
                lat_column,
                format!("empty, but {lon_column} is given: give both coordinates or neither"),
            )),
            _ => Ok((lat, lon)),
        }
    }

    /// An optional coordinate in decimal degrees, within `[-limit, limit]`.
    fn coordinate(&self, column: &str, what: &str, limit: f64) -> Result<Option<f64>, FormatError> {
        let value = self.get(column);
        if value.is_empty() {
            return Ok(None);
        }
        match value.parse::<f64>() {
            Ok(x) if x.is_finite() && (-limit..=limit).contains(&x) => Ok(Some(x)),
            _ => Err(self.error(
                column,
                format!(
                    "{value:?} is not a {what}: expected decimal degrees from -{limit} to {limit}"
                ),
            )),
        }
    }
}

/// Reads a file whose columns are `columns`, of which `required` must be
/// present (see the module documentation), from a stream a line at a time:
/// the header when made, then one data row at a time. Nothing is kept but
/// the header's layout.
struct RowReader<'a, R> {
    file: &'a str,
    lines: LineReader<R>,
    /// Splits each line, its buffers reused.
    split: LineSplitter,
    columns: &'static [&'static str],
    /// The column of the file kind at each position of the lines.
    names: Vec<&'static str>,
    /// The position in the lines of each column of the file kind.
    positions: Vec<Option<usize>>,
    header_line: usize,
    /// Data rows given so far.
    rows: usize,
}

/// Splits one line into `split` (see [`crate::csv_line`]): `false` for a
/// blank line (also a line of empty fields only). An unclosed quote and text
/// after a closing quote are refused; `names` name the fields in errors.
fn split_fields(
    split: &mut LineSplitter,
    file: &str,
    line: usize,
    raw: &str,
    names: Option<&[&str]>,
) -> Result<bool, FormatError> {
    if raw.trim().is_empty() {
        return Ok(false);
    }
    split.split(raw);
    if let Some(fault) = split.fault() {
        let location = match names.and_then(|n| n.get(fault.field)) {
            Some(name) => Location::line_field(line, *name),
            None => Location::line(line),
        };
        return Err(FormatError::new(file, location, fault.reason()));
    }
    Ok(!split.fields().iter().all(String::is_empty))
}

impl<'a, R: BufRead> RowReader<'a, R> {
    /// Reads the header.
    fn new(
        file: &'a str,
        input: R,
        columns: &'static [&'static str],
        required: &[&str],
    ) -> Result<RowReader<'a, R>, FormatError> {
        let mut lines = LineReader::new(input);
        let mut split = LineSplitter::new(b',');
        let header_line = loop {
            let Some((line, raw)) = lines.next_line().map_err(|e| e.located(file))? else {
                return Err(FormatError::whole(file, "empty file: no header"));
            };
            if split_fields(&mut split, file, line, raw, None)? {
                break line;
            }
        };
        let mut header = split.fields();
        while header.last().is_some_and(String::is_empty) {
            header = &header[..header.len() - 1];
        }
        let mut names: Vec<&'static str> = Vec::with_capacity(header.len());
        let mut unknown: Vec<String> = Vec::new();
        for (at, name) in header.iter().enumerate() {
            if name.is_empty() {
                return Err(FormatError::new(
                    file,
                    Location::line(header_line),
                    format!("column {} of the header has no name", at + 1),
                ));
            }
            match columns.iter().find(|c| c.eq_ignore_ascii_case(name)) {
                Some(column) if names.contains(column) => {
                    return Err(FormatError::new(
                        file,
                        Location::line_field(header_line, *column),
                        "the column is named twice",
                    ));
                }
                Some(column) => names.push(column),
                None => {
                    unknown.push(format!("{name:?}"));
                    names.push("");
                }
            }
        }
        if let Some(first) = header.iter().zip(&names).find(|(_, n)| n.is_empty()) {
            let s = if unknown.len() > 1 { "s" } else { "" };
            return Err(FormatError::new(
                file,
                Location::line_field(header_line, first.0),
                format!(
                    "unknown column{s} {}: the columns are {}",
                    unknown.join(", "),
                    columns.join(", ")
                ),
            ));
        }
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|r| !names.contains(r))
            .collect();
        if let Some(first) = missing.first() {
            let s = if missing.len() > 1 { "s" } else { "" };
            return Err(FormatError::new(
                file,
                Location::line_field(header_line, *first),
                format!(
                    "missing column{s} {}: required are {}",
                    missing.join(", "),
                    required.join(", ")
                ),
            ));
        }
        let positions: Vec<Option<usize>> = columns
            .iter()
            .map(|c| names.iter().position(|n| n == c))
            .collect();
        Ok(RowReader {
            file,
            lines,
            split,
            columns,
            names,
            positions,
            header_line,
            rows: 0,
        })
    }

    /// The next data row, or `None` at the end of the file; a file with a
    /// header and no data row is an error.
    fn next_row(&mut self) -> Result<Option<Row<'a>>, FormatError> {
        let file = self.file;
        loop {
            let Some((line, raw)) = self.lines.next_line().map_err(|e| e.located(file))? else {
                if self.rows == 0 {
                    return Err(FormatError::new(
                        file,
                        Location::line(self.header_line),
                        "the file has a header but no rows after it: nothing to import",
                    ));
                }
                return Ok(None);
            };
            let names = &self.names;
            if !split_fields(&mut self.split, file, line, raw, Some(names))? {
                continue;
            }
            let fields = self.split.fields();
            check_no_extra_fields(file, line, fields, names.len())?;
            if fields.len() < names.len() {
                return Err(FormatError::new(
                    file,
                    Location::line_field(line, names[fields.len()]),
                    format!(
                        "{} fields but the header has {} columns: the line ends before this column",
                        fields.len(),
                        names.len()
                    ),
                ));
            }
            let values = self
                .positions
                .iter()
                .map(|p| p.map_or_else(String::new, |at| fields[at].clone()))
                .collect();
            self.rows += 1;
            return Ok(Some(Row {
                file,
                columns: self.columns,
                line,
                values,
            }));
        }
    }

    /// The stream, read up to where the rows were taken.
    fn into_inner(self) -> R {
        self.lines.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    const TODAY: &str = "2025-06-01";

    fn at(file: &str, line: usize, field: &str, reason: &str) -> FormatError {
        FormatError::new(file, Location::line_field(line, field), reason)
    }

    /// Checks an error's file, line and field, and that its reason contains `part`.
    #[track_caller]
    fn assert_error(e: &FormatError, file: &str, line: usize, field: Option<&str>, part: &str) {
        assert_eq!(e.file, file, "{e}");
        assert_eq!(e.location.line, Some(line), "{e}");
        assert_eq!(e.location.field.as_deref(), field, "{e}");
        assert!(e.reason.contains(part), "{e:?} lacks {part:?}");
    }

    const CASE_HEADER: &str = "case_id,child_name,child_sex,child_birth_date_from,\
        child_birth_date_to,missing_date,missing_place,missing_lat,missing_lon,description";

    fn cases(rows: &str) -> Result<Vec<CaseRow>, FormatError> {
        parse_cases("cases.csv", &format!("{CASE_HEADER}\n{rows}"), d(TODAY))
    }

    fn case_error(rows: &str) -> FormatError {
        cases(rows).unwrap_err()
    }

    const REFERENCE_HEADER: &str = "sample_name,case_id,relationship,person_name,sex";

    fn references(rows: &str) -> Result<Vec<ReferenceRow>, FormatError> {
        parse_references("refs.csv", &format!("{REFERENCE_HEADER}\n{rows}"))
    }

    const FOUND_HEADER: &str = "sample_name,found_id,sex,age_min_days,age_max_days,found_date,\
        found_place,found_lat,found_lon,institution,description";

    fn found(rows: &str) -> Result<Vec<FoundRow>, FormatError> {
        parse_found("found.csv", &format!("{FOUND_HEADER}\n{rows}"), d(TODAY))
    }

    const VOLUNTEER_HEADER: &str =
        "sample_name,surname,ancestral_place,person_name,consent_date,keep_until,known_cases";

    fn volunteers(rows: &str) -> Result<Vec<VolunteerRow>, FormatError> {
        parse_volunteers("clan.csv", &format!("{VOLUNTEER_HEADER}\n{rows}"), d(TODAY))
    }

    /// A volunteer's row: his clan, his consent and until when it holds,
    /// the cases his clan knows of; each fault named by its line and column.
    #[test]
    fn volunteers_are_read_with_their_consent_and_known_cases() {
        let rows = volunteers(
            "V1,李,河南省周口市李庄,李建国,2025-05-01,2035-05-01, C1 ;C2\n\
             V2,Wang,Wangjiacun,,2025-05-31,2025-06-02,\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].surname, "李");
        assert_eq!(rows[0].ancestral_place, "河南省周口市李庄");
        assert_eq!(rows[0].person_name.as_deref(), Some("李建国"));
        assert_eq!(rows[0].consent_date, d("2025-05-01"));
        assert_eq!(rows[0].keep_until, d("2035-05-01"));
        assert_eq!(rows[0].known_cases, ["C1", "C2"]);
        assert_eq!(rows[1].line, 3);
        assert!(rows[1].known_cases.is_empty() && rows[1].person_name.is_none());

        let ok = "2025-05-01,2035-05-01";
        for (row, field, part) in [
            (format!("V1,,P,,{ok},"), "surname", "empty, but required"),
            (
                format!("V1,Li,,,{ok},"),
                "ancestral_place",
                "empty, but required",
            ),
            (
                "V1,Li,P,,,2035-05-01,".to_string(),
                "consent_date",
                "written consent",
            ),
            (
                "V1,Li,P,,2025-07-01,2035-05-01,".to_string(),
                "consent_date",
                "in the future",
            ),
            (
                "V1,Li,P,,2025-05-01,,".to_string(),
                "keep_until",
                "empty, but required",
            ),
            (
                "V1,Li,P,,2025-05-01,2025-05-01,".to_string(),
                "keep_until",
                "not after the consent date",
            ),
            (
                "V1,Li,P,,2020-05-01,2025-06-01,".to_string(),
                "keep_until",
                "has passed",
            ),
            (
                "V1,Li,P,,2025-05-01,2035-02-30,".to_string(),
                "keep_until",
                "2035-02-30",
            ),
            (
                format!("V1,Li,P,,{ok},C1;C 2"),
                "known_cases",
                "is not a case id",
            ),
            (format!("V1,Li,P,,{ok},C1;C1"), "known_cases", "named twice"),
        ] {
            let e = volunteers(&row).unwrap_err();
            assert_error(&e, "clan.csv", 2, Some(field), part);
        }
        let many: Vec<String> = (0..=KNOWN_CASES_MAX).map(|k| format!("C{k}")).collect();
        let e = volunteers(&format!("V1,Li,P,,{ok},{}", many.join(";"))).unwrap_err();
        assert_error(&e, "clan.csv", 2, Some("known_cases"), "at most 50");
        let e = volunteers(&format!("V1,Li,P,,{ok},\nV1,Li,P,,{ok},")).unwrap_err();
        assert_error(&e, "clan.csv", 3, Some("sample_name"), "also on line 2");
    }

    /// The stream readers give the rows of the text read whole, however the
    /// stream is cut (a CR at the end of one buffer, its LF in the next), and
    /// an error names the line of a row that is not UTF-8 text, with the rows
    /// before it given first.
    #[test]
    fn readers_read_a_stream_as_the_text() {
        use std::io::BufReader;
        let cases = format!(
            "\u{feff}{CASE_HEADER}\r\nC1,Li,M,2019-03-02,2019-03-02,2021-07-15,\"A, B\",1,2,x\r\r\nC2,,,,,,,,,\n"
        );
        let refs = format!("{REFERENCE_HEADER}\rR1,C1,mother,,\rR2,C1,father,,F\r");
        let found = format!("{FOUND_HEADER}\nF1,FC1,F,10,20,2025-01-01,,,,,\n");
        let want = (
            parse_cases("c", &cases, d(TODAY)).unwrap(),
            parse_references("r", &refs),
            parse_found("f", &found, d(TODAY)).unwrap(),
        );
        assert_eq!(want.0.len(), 2);
        assert_eq!(want.0[1].line, 4);
        assert!(want.1.as_ref().unwrap_err().reason.contains("contradicts"));
        for capacity in [1, 2, 3, 7, 64] {
            let mut r = CaseReader::new(
                "c",
                BufReader::with_capacity(capacity, cases.as_bytes()),
                d(TODAY),
            )
            .unwrap();
            let mut got = Vec::new();
            while let Some(row) = r.next_row().unwrap() {
                got.push(row);
            }
            assert_eq!(got, want.0, "{capacity}");
            let mut r =
                ReferenceReader::new("r", BufReader::with_capacity(capacity, refs.as_bytes()))
                    .unwrap();
            assert_eq!(r.next_row().unwrap().unwrap().sample_name, "R1");
            assert_eq!(r.next_row().unwrap_err(), *want.1.as_ref().unwrap_err());
            let mut r = FoundReader::new(
                "f",
                BufReader::with_capacity(capacity, found.as_bytes()),
                d(TODAY),
            )
            .unwrap();
            assert_eq!(vec![r.next_row().unwrap().unwrap()], want.2);
            assert_eq!(r.next_row().unwrap(), None);
        }
        let bytes = [
            format!("{CASE_HEADER}\nC1,,,,,,,,,\nC2,").as_bytes(),
            b"\xff\n",
        ]
        .concat();
        let mut r = CaseReader::new("c", &bytes[..], d(TODAY)).unwrap();
        assert_eq!(r.next_row().unwrap().unwrap().case_id, "C1");
        let e = r.next_row().unwrap_err();
        assert_eq!(e.location.line, Some(3), "{e}");
        assert!(e.reason.contains("not UTF-8"), "{e}");
    }

    // --- Date

    #[test]
    fn dates_parse_and_display() {
        let date = d("2024-02-29");
        assert_eq!((date.year(), date.month(), date.day()), (2024, 2, 29));
        assert_eq!(date.to_string(), "2024-02-29");
        assert_eq!(d("0001-01-01").to_string(), "0001-01-01");
        assert_eq!(d("2000-02-29"), Date::new(2000, 2, 29).unwrap());
        assert_eq!(Date::new(-1, 3, 4).unwrap().to_string(), "-0001-03-04");
        for bad in [
            "2023-02-29",
            "1900-02-29",
            "2023-02-30",
            "2023-04-31",
            "2023-13-01",
            "2023-00-10",
            "2023-01-00",
            "2023-1-01",
            "2023-01-1",
            "23-01-01",
            " 2023-01-01",
            "2023-01-01 ",
            "2023/01/01",
            "+023-01-01",
            "2023-01-+1",
            "２０２３-01-01",
            "",
        ] {
            let e = bad.parse::<Date>().unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("{bad:?} is not a valid date (YYYY-MM-DD)")
            );
        }
        assert!(d("2023-01-31") < d("2023-02-01"));
        assert!(d("2022-12-31") < d("2023-01-01"));
        assert_eq!(Date::new(2023, 2, 29), None);
        assert_eq!(Date::new(2023, 0, 1), None);
    }

    #[test]
    fn unix_days() {
        assert_eq!(d("1970-01-01").unix_days(), 0);
        assert_eq!(d("1970-01-02").unix_days(), 1);
        assert_eq!(d("1969-12-31").unix_days(), -1);
        assert_eq!(d("2000-03-01").unix_days(), 11_017);
        assert_eq!(d("2025-06-01").unix_days(), 20_240);
        assert_eq!(d("2024-03-01").days_since(d("2024-02-28")), 2);
        assert_eq!(d("2023-03-01").days_since(d("2023-02-28")), 1);
        assert_eq!(d("2020-01-01").days_since(d("2021-01-01")), -366);
        assert_eq!(d("2001-01-01").days_since(d("1901-01-01")), 36_525);
        assert_eq!(Date::from_unix_days(11_017), d("2000-03-01"));
        assert_eq!(Date::from_unix_days(-1), d("1969-12-31"));

        // The range: years -9999 to 9999; days beyond it give its ends.
        assert_eq!(Date::new(10_000, 1, 1), None);
        assert_eq!(Date::new(-10_000, 12, 31), None);
        let first = Date::from_unix_days(i64::MIN);
        let last = Date::from_unix_days(i64::MAX);
        assert_eq!((first.year(), first.month(), first.day()), (-9999, 1, 1));
        assert_eq!((last.year(), last.month(), last.day()), (9999, 12, 31));
        assert_eq!(Date::from_unix_days(first.unix_days()), first);
        assert_eq!(Date::from_unix_days(last.unix_days()), last);
        assert_eq!(d("9999-12-31"), last);
        assert_eq!(d("0000-01-01").to_string(), "0000-01-01");
        assert_eq!(d("2023-02-14").last_of_month(), d("2023-02-28"));
        assert_eq!(last.last_of_month(), last);

        let today = Date::today_utc();
        assert!(today >= d("2025-01-01") && today.year() < 3000, "{today}");
    }

    // --- Cases

    #[test]
    fn valid_cases() {
        let text = format!(
            "\u{feff}{CASE_HEADER}\r\n\
             C-001,  Li Wei ,M,2019-03-02,2019-03-02,2021-07-15,\"Kunming, Yunnan\",25.04,102.71,\"Said \"\"mama\"\"\tonly\"\r\n\
             \r\n\
             ,,,,,,,,,\r\n\
             c.2_b,,,,,,,,,\r\n\
             C3,Ana,female,2018-01-01,2018-12-31,2018-06-01,,-33.9,-70.6,\r\n"
        );
        let rows = parse_cases("cases.csv", &text, d(TODAY)).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[0],
            CaseRow {
                line: 2,
                case_id: "C-001".into(),
                child_name: Some("Li Wei".into()),
                child_sex: Sex::Male,
                birth_from: Some(d("2019-03-02")),
                birth_to: Some(d("2019-03-02")),
                missing_date: Some(d("2021-07-15")),
                missing_place: Some("Kunming, Yunnan".into()),
                missing_lat: Some(25.04),
                missing_lon: Some(102.71),
                description: Some("Said \"mama\"\tonly".into()),
            }
        );
        assert_eq!(
            rows[1],
            CaseRow {
                line: 5,
                case_id: "c.2_b".into(),
                child_name: None,
                child_sex: Sex::Unknown,
                birth_from: None,
                birth_to: None,
                missing_date: None,
                missing_place: None,
                missing_lat: None,
                missing_lon: None,
                description: None,
            }
        );
        assert_eq!(rows[2].line, 6);
        assert_eq!(rows[2].child_sex, Sex::Female);
        assert_eq!(rows[2].missing_lon, Some(-70.6));

        // Columns in another order, in another case, and optional ones left out.
        let rows = parse_cases(
            "cases.csv",
            "Missing_Date, CASE_ID ,child_sex\n2025-06-01,X1,u\n",
            d(TODAY),
        )
        .unwrap();
        assert_eq!(rows[0].case_id, "X1");
        assert_eq!(rows[0].missing_date, Some(d(TODAY)));
        assert_eq!(rows[0].child_sex, Sex::Unknown);

        // Header only (with trailing empty columns, blank lines, any line
        // end): a file with no record is an error at its header.
        for end in ["\n", "\r\n", "\r"] {
            assert_error(
                &parse_cases(
                    "cases.csv",
                    &format!("{end}{CASE_HEADER},,{end}{end}"),
                    d(TODAY),
                )
                .unwrap_err(),
                "cases.csv",
                2,
                None,
                "no rows after it",
            );
        }
        assert_error(
            &cases("").unwrap_err(),
            "cases.csv",
            1,
            None,
            "no rows after it",
        );
        // Trailing empty fields.
        assert_eq!(cases("A,,,,,,,,,,,\n").unwrap().len(), 1);
    }

    #[test]
    fn bad_date() {
        let e = case_error("A,,,,,,,,,\nB,,,,,2023-02-30,,,,\n");
        assert_eq!(
            e,
            at(
                "cases.csv",
                3,
                "missing_date",
                "\"2023-02-30\" is not a valid date (YYYY-MM-DD)"
            )
        );
        assert_eq!(
            e.to_string(),
            "cases.csv:3: field \"missing_date\": \"2023-02-30\" is not a valid date (YYYY-MM-DD)"
        );
        assert_error(
            &case_error("A,,,2023-2-3,,,,,,\n"),
            "cases.csv",
            2,
            Some("child_birth_date_from"),
            "is not a valid date",
        );
    }

    #[test]
    fn future_date() {
        assert_eq!(
            case_error("A,,,,,2025-06-02,,,,\n"),
            at(
                "cases.csv",
                2,
                "missing_date",
                "2025-06-02 is in the future (today is 2025-06-01)"
            )
        );
        assert_eq!(
            found("S1,F1,,,,2026-01-01,,,,,\n").unwrap_err(),
            at(
                "found.csv",
                2,
                "found_date",
                "2026-01-01 is in the future (today is 2025-06-01)"
            )
        );
    }

    #[test]
    fn birth_and_missing_order() {
        assert_eq!(
            case_error("A,,,2020-05-01,2020-04-30,,,,,\n"),
            at(
                "cases.csv",
                2,
                "child_birth_date_to",
                "2020-04-30 is before child_birth_date_from 2020-05-01"
            )
        );
        assert_eq!(
            case_error("A,,,2020-05-01,,2020-04-30,,,,\n"),
            at(
                "cases.csv",
                2,
                "missing_date",
                "2020-04-30 is before child_birth_date_from 2020-05-01"
            )
        );
    }

    #[test]
    fn truncated_and_long_lines() {
        assert_eq!(
            case_error("A,Li,M,2020-01-01\n"),
            at(
                "cases.csv",
                2,
                "child_birth_date_to",
                "4 fields but the header has 10 columns: the line ends before this column"
            )
        );
        assert_eq!(
            case_error("A,,,,,,,,,,x\n"),
            FormatError::new(
                "cases.csv",
                Location::line(2),
                "11 fields but the header has 10 columns"
            )
        );
        assert_eq!(
            case_error("A,,,,,,\"Kunming, Yunnan,,,\n"),
            at(
                "cases.csv",
                2,
                "missing_place",
                "a quoted field is not closed (a field cannot span lines)"
            )
        );
        assert_eq!(
            case_error("A,,,,,,\"Kunming\" x,,,\n"),
            at(
                "cases.csv",
                2,
                "missing_place",
                "text after the closing quote of a quoted field"
            )
        );
    }

    #[test]
    fn duplicate_ids() {
        assert_eq!(
            case_error("A,,,,,,,,,\nB,,,,,,,,,\n\nA,,,,,,,,,\n"),
            at(
                "cases.csv",
                5,
                "case_id",
                "\"A\" is also on line 2: each case_id must be unique"
            )
        );
        assert_eq!(
            found("S1,F1,,,,,,,,,\nS2,F1,,,,,,,,,\n").unwrap_err(),
            at(
                "found.csv",
                3,
                "found_id",
                "\"F1\" is also on line 2: each found_id must be unique"
            )
        );
        assert_eq!(
            found("S1,F1,,,,,,,,,\nS1,F2,,,,,,,,,\n").unwrap_err(),
            at(
                "found.csv",
                3,
                "sample_name",
                "\"S1\" is also on line 2: each sample_name must be unique"
            )
        );
        assert_eq!(
            references("S1,C1,mother,,\nS1,C2,father,,\n").unwrap_err(),
            at(
                "refs.csv",
                3,
                "sample_name",
                "\"S1\" is also on line 2: each sample_name must be unique"
            )
        );
    }

    #[test]
    fn bad_ids() {
        assert_eq!(
            case_error(",Li,,,,,,,,\n"),
            at("cases.csv", 2, "case_id", "empty, but required")
        );
        assert_error(
            &case_error("A B,,,,,,,,,\n"),
            "cases.csv",
            2,
            Some("case_id"),
            "has the character ' '",
        );
        assert_error(
            &case_error("Ä1,,,,,,,,,\n"),
            "cases.csv",
            2,
            Some("case_id"),
            "has the character 'Ä'",
        );
        let long = "x".repeat(65);
        assert_error(
            &case_error(&format!("{long},,,,,,,,,\n")),
            "cases.csv",
            2,
            Some("case_id"),
            "too long: 65 characters, at most 64",
        );
        assert!(cases(&format!("{},,,,,,,,,\n", "x".repeat(64))).is_ok());
    }

    #[test]
    fn coordinates() {
        assert_eq!(
            case_error("A,,,,,,,25.0,,\n"),
            at(
                "cases.csv",
                2,
                "missing_lon",
                "empty, but missing_lat is given: give both coordinates or neither"
            )
        );
        assert_eq!(
            found("S,F,,,,,,,10,,\n").unwrap_err(),
            at(
                "found.csv",
                2,
                "found_lat",
                "empty, but found_lon is given: give both coordinates or neither"
            )
        );
        assert_eq!(
            case_error("A,,,,,,,90.5,0,\n"),
            at(
                "cases.csv",
                2,
                "missing_lat",
                "\"90.5\" is not a latitude: expected decimal degrees from -90 to 90"
            )
        );
        for bad in ["-180.01", "NaN", "inf", "east", "1,5"] {
            let e = case_error(&format!("A,,,,,,,0,\"{bad}\",\n"));
            assert_error(
                &e,
                "cases.csv",
                2,
                Some("missing_lon"),
                "is not a longitude",
            );
        }
        let rows = cases("A,,,,,,,-90,180,\n").unwrap();
        assert_eq!(
            (rows[0].missing_lat, rows[0].missing_lon),
            (Some(-90.0), Some(180.0))
        );
    }

    #[test]
    fn texts_and_sex() {
        assert_eq!(
            case_error("A,\"Li\u{7}Wei\",,,,,,,,\n"),
            at(
                "cases.csv",
                2,
                "child_name",
                "control character U+0007 in the text; not allowed"
            )
        );
        // A lone CR ends a line (old Mac files): "Wei" is a line of its own.
        assert_error(
            &case_error("A,,,,,,,,,Li\rWei\n"),
            "cases.csv",
            3,
            Some("child_name"),
            "1 fields but the header has 10 columns",
        );
        let name = "é".repeat(200);
        assert_eq!(
            cases(&format!("A,{name},,,,,,,,\n")).unwrap()[0].child_name,
            Some(name.clone())
        );
        assert_eq!(
            case_error(&format!("A,{name}e,,,,,,,,\n")),
            at(
                "cases.csv",
                2,
                "child_name",
                "too long: 201 characters, at most 200"
            )
        );
        assert!(cases(&format!("A,,,,,,,,,{}\n", "d".repeat(2000))).is_ok());
        assert_error(
            &case_error(&format!("A,,,,,,,,,{}\n", "d".repeat(2001))),
            "cases.csv",
            2,
            Some("description"),
            "at most 2000",
        );
        let sexes: Vec<Sex> =
            cases("A,,m,,,,,,,\nB,,F,,,,,,,\nC,,Unknown,,,,,,,\nD,,MALE,,,,,,,\n")
                .unwrap()
                .iter()
                .map(|c| c.child_sex)
                .collect();
        assert_eq!(sexes, [Sex::Male, Sex::Female, Sex::Unknown, Sex::Male]);
        assert_eq!(
            case_error("A,,boy,,,,,,,\n"),
            at(
                "cases.csv",
                2,
                "child_sex",
                "\"boy\" is not a sex: expected male, female, unknown (or M, F, U) or nothing"
            )
        );
    }

    #[test]
    fn headers() {
        let parse = |text: &str| parse_cases("cases.csv", text, d(TODAY));
        assert_eq!(
            parse(""),
            Err(FormatError::whole("cases.csv", "empty file: no header"))
        );
        assert_eq!(
            parse("\u{feff}\r\n  \n,,\n"),
            Err(FormatError::whole("cases.csv", "empty file: no header"))
        );
        assert_eq!(
            parse(&format!("{CASE_HEADER},notes,Extra\nA,,,,,,,,,,,\n")).unwrap_err(),
            at(
                "cases.csv",
                1,
                "notes",
                &format!(
                    "unknown columns \"notes\", \"Extra\": the columns are {}",
                    CASE_COLUMNS.join(", ")
                )
            )
        );
        assert_error(
            &parse("\ncase_id,child_nmae\n").unwrap_err(),
            "cases.csv",
            2,
            Some("child_nmae"),
            "unknown column \"child_nmae\"",
        );
        assert_eq!(
            parse("child_name,missing_date\nLi,\n").unwrap_err(),
            at(
                "cases.csv",
                1,
                "case_id",
                "missing column case_id: required are case_id"
            )
        );
        assert_eq!(
            parse("case_id,child_name,CASE_ID\n").unwrap_err(),
            at("cases.csv", 1, "case_id", "the column is named twice")
        );
        assert_eq!(
            parse("case_id,,child_name\n").unwrap_err(),
            FormatError::new(
                "cases.csv",
                Location::line(1),
                "column 2 of the header has no name"
            )
        );
        assert_eq!(
            parse_references("refs.csv", "sample_name,person_name\n").unwrap_err(),
            at(
                "refs.csv",
                1,
                "case_id",
                "missing columns case_id, relationship: required are sample_name, case_id, relationship"
            )
        );
    }

    // --- References

    #[test]
    fn valid_references() {
        let rows = references(
            "M-01,C1,mother,Wang Fang,\n\
             F-01,C1,Father,,M\n\
             S-01,C1,paternal half sibling,\"Li, Jr.\",f\n\
             S-02,C1,full_sibling,,\n\
             A-01,C2,maternal_aunt,,female\n\
             M-02,C2,mother,,unknown\n",
        )
        .unwrap();
        let brief: Vec<(&str, &str, Relative, Sex)> = rows
            .iter()
            .map(|r| {
                (
                    r.sample_name.as_str(),
                    r.case_id.as_str(),
                    r.relationship,
                    r.sex,
                )
            })
            .collect();
        assert_eq!(
            brief,
            [
                ("M-01", "C1", Relative::Mother, Sex::Female),
                ("F-01", "C1", Relative::Father, Sex::Male),
                ("S-01", "C1", Relative::PaternalHalfSibling, Sex::Female),
                ("S-02", "C1", Relative::FullSibling, Sex::Unknown),
                ("A-01", "C2", Relative::MaternalAunt, Sex::Female),
                ("M-02", "C2", Relative::Mother, Sex::Female),
            ]
        );
        assert_eq!(
            rows[0],
            ReferenceRow {
                line: 2,
                sample_name: "M-01".into(),
                case_id: "C1".into(),
                relationship: Relative::Mother,
                person_name: Some("Wang Fang".into()),
                sex: Sex::Female,
            }
        );
        assert_eq!(rows[2].person_name.as_deref(), Some("Li, Jr."));
        assert_eq!(
            parse_references(
                "refs.csv",
                "relationship,case_id,sample_name\nfather,C9,X\n"
            )
            .unwrap()[0]
                .sex,
            Sex::Male
        );
    }

    #[test]
    fn bad_references() {
        let e = references("S1,C1,cousin,,\n").unwrap_err();
        assert_error(
            &e,
            "refs.csv",
            2,
            Some("relationship"),
            "unknown relationship \"cousin\": expected one of mother, father, full_sibling",
        );
        assert_error(
            &references("S1,C1,,,\n").unwrap_err(),
            "refs.csv",
            2,
            Some("relationship"),
            "empty, but required: expected one of mother, father,",
        );
        assert_eq!(
            references("S1,C1,mother,,F\nS2,C1,father,,female\n").unwrap_err(),
            at(
                "refs.csv",
                3,
                "sex",
                "female contradicts the relationship father, who is male"
            )
        );
        assert_eq!(
            references("S1,C1,mother,,\nS2,C2,mother,,\nS3,C1,mother,,\n").unwrap_err(),
            at(
                "refs.csv",
                4,
                "relationship",
                "case \"C1\" has a mother already (line 2); a case has at most one"
            )
        );
        assert!(references("S1,C1,full_sibling,,\nS2,C1,full_sibling,,\n").is_ok());
        assert_eq!(
            references("S1,,mother,,\n").unwrap_err(),
            at("refs.csv", 2, "case_id", "empty, but required")
        );
        assert_error(
            &references("S 1,C1,mother,,\n").unwrap_err(),
            "refs.csv",
            2,
            Some("sample_name"),
            "has the character ' '",
        );
        assert_eq!(
            references("S1,C1,mother\n").unwrap_err(),
            at(
                "refs.csv",
                2,
                "person_name",
                "3 fields but the header has 5 columns: the line ends before this column"
            )
        );
    }

    // --- Found children

    #[test]
    fn valid_found() {
        let rows = found(
            "FS-1,F1,F,10,40,2024-11-03,\"Lanzhou, Gansu\",36.06,103.83,Lanzhou Children's Home,\"rescued, 89 children\"\n\
             FS-2,F2,,,,,,,,,\n\
             FS-3,F3,male,0,0,,,,,,\n",
        )
        .unwrap();
        assert_eq!(
            rows[0],
            FoundRow {
                line: 2,
                sample_name: "FS-1".into(),
                found_id: "F1".into(),
                sex: Sex::Female,
                age_min_days: Some(10),
                age_max_days: Some(40),
                found_date: Some(d("2024-11-03")),
                found_place: Some("Lanzhou, Gansu".into()),
                found_lat: Some(36.06),
                found_lon: Some(103.83),
                institution: Some("Lanzhou Children's Home".into()),
                description: Some("rescued, 89 children".into()),
            }
        );
        assert_eq!(rows[1].age_min_days, None);
        assert_eq!(rows[1].sex, Sex::Unknown);
        assert_eq!(
            (rows[2].age_min_days, rows[2].age_max_days),
            (Some(0), Some(0))
        );
        assert_error(
            &found("").unwrap_err(),
            "found.csv",
            1,
            None,
            "no rows after it",
        );
    }

    #[test]
    fn bad_found() {
        assert_eq!(
            found("S1,F1,,400,300,,,,,,\n").unwrap_err(),
            at(
                "found.csv",
                2,
                "age_max_days",
                "300 is less than age_min_days 400"
            )
        );
        for bad in ["-1", "+5", "3.5", "36501", "99999999999", "ten"] {
            assert_eq!(
                found(&format!("S1,F1,,{bad},,,,,,,\n")).unwrap_err(),
                at(
                    "found.csv",
                    2,
                    "age_min_days",
                    &format!(
                        "{bad:?} is not an age in days: expected a whole number from 0 to 36500"
                    )
                ),
            );
        }
        assert!(found("S1,F1,,36500,36500,,,,,,\n").is_ok());
        assert_eq!(
            found("S1,,,,,,,,,,\n").unwrap_err(),
            at("found.csv", 2, "found_id", "empty, but required")
        );
        assert_error(
            &found("S1,F1,,,,,,,,,\nS2,F2,,,,2023-02-29,,,,,\n").unwrap_err(),
            "found.csv",
            3,
            Some("found_date"),
            "\"2023-02-29\" is not a valid date (YYYY-MM-DD)",
        );
        assert_error(
            &parse_found("found.csv", "sample_name,found_id,age\n", d(TODAY)).unwrap_err(),
            "found.csv",
            1,
            Some("age"),
            "unknown column \"age\"",
        );
    }

    /// The registry's rules for a line, now `csv_line`'s (the cases of the
    /// hand-written splitter it replaced): the fields, or the field of the
    /// fault; a blank line is never split.
    #[test]
    fn split_lines() {
        let split_line = |line: &str| {
            let mut split = LineSplitter::new(b',');
            let names = ["a", "b", "c"];
            match split_fields(&mut split, "f.csv", 2, line, Some(&names)) {
                Ok(true) => Ok(split.fields().to_vec()),
                Ok(false) => Ok(Vec::new()),
                Err(e) => Err(e.location.field),
            }
        };
        assert_eq!(split_line(""), Ok(vec![]));
        assert_eq!(split_line(" ,\t, "), Ok(vec![]));
        assert_eq!(
            split_line("a,,b,"),
            Ok(vec!["a".into(), "".into(), "b".into(), "".into()])
        );
        assert_eq!(
            split_line(" \"x,\"\"y\"\"\" ,z\"q"),
            Ok(vec!["x,\"y\"".into(), "z\"q".into()])
        );
        assert_eq!(split_line("\"\",x"), Ok(vec![String::new(), "x".into()]));
        assert_eq!(split_line("a,\"b\"c"), Err(Some("b".into())));
        assert_eq!(split_line("a,b,\"c"), Err(Some("c".into())));
    }
}

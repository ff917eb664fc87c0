//! PFIF 1.4, the People Finder Interchange Format (<http://zesty.ca/pfif/1.4>):
//! the XML that person-finder sites exchange about missing and found people.
//!
//! A document is one `pfif:pfif` element (namespace [`NAMESPACE`]) holding
//! `person` records, each with its `note` records nested, and notes outside
//! any person (which then name their person by `person_record_id`).
//!
//! - Person records require `person_record_id`, `source_date` and
//!   `full_name`; notes require `note_record_id`, `author_name` and
//!   `source_date`. Every other field is optional and appears at most once.
//! - Record ids are `domain/local-id`; times are UTC, `YYYY-MM-DDTHH:MM:SSZ`
//!   (a fraction of a second is accepted and dropped); `date_of_birth` is
//!   `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; `age` is `N` or `N-M` years as of the
//!   record's `source_date`; `sex` is `female`, `male` or `other`; a note's
//!   `status` is one of the five PFIF statuses.
//! - The reader accepts the fields in any order (the schema interleaves them);
//!   the writer writes them in the order of the specification. Values are
//!   trimmed; an empty optional field is the same as an absent one.
//! - The reader refuses anything else: another PFIF version or namespace, an
//!   unknown element, a field given twice, a malformed value, a DTD. Errors
//!   name the file, the line, the element and the reason.
//! - The writer (quick-xml) escapes `<`, `&` and `>`, writes a carriage
//!   return as `&#13;` (so that it survives reading), and replaces the few
//!   characters XML 1.0 cannot carry (other control characters, U+FFFE,
//!   U+FFFF) by U+FFFD.

use kinship::Sex;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use crate::error::{FormatError, Location};
use crate::registry_csv::Date;

/// The XML namespace of PFIF 1.4.
pub const NAMESPACE: &str = "http://zesty.ca/pfif/1.4";

/// The media type of a PFIF document.
pub const MEDIA_TYPE: &str = "application/pfif+xml";

/// A time in UTC, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcTime {
    date: Date,
    hour: u8,
    minute: u8,
    second: u8,
}

impl UtcTime {
    /// The time, if `hour` < 24, `minute` < 60 and `second` < 60.
    pub fn new(date: Date, hour: u32, minute: u32, second: u32) -> Option<UtcTime> {
        (hour < 24 && minute < 60 && second < 60).then_some(UtcTime {
            date,
            hour: hour as u8,
            minute: minute as u8,
            second: second as u8,
        })
    }

    pub fn date(self) -> Date {
        self.date
    }

    /// Reads RFC 3339 in UTC as the registry writes it (`...T12:34:56.789Z`)
    /// or PFIF (`...T12:34:56Z`).
    pub fn parse(s: &str) -> Option<UtcTime> {
        let b = s.as_bytes();
        if b.len() < 20 || !b[..19].is_ascii() || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let date: Date = s.get(..10)?.parse().ok()?;
        let two = |at: usize| -> Option<u32> {
            let (x, y) = (b[at], b[at + 1]);
            (x.is_ascii_digit() && y.is_ascii_digit())
                .then(|| u32::from(x - b'0') * 10 + u32::from(y - b'0'))
        };
        let rest = &s[19..];
        let fraction_ok = match rest.strip_suffix('Z') {
            Some("") => true,
            Some(f) => {
                f.len() >= 2 && f.starts_with('.') && f[1..].bytes().all(|c| c.is_ascii_digit())
            }
            None => false,
        };
        if !fraction_ok {
            return None;
        }
        UtcTime::new(date, two(11)?, two(14)?, two(17)?)
    }
}

/// Writes `YYYY-MM-DDTHH:MM:SSZ`.
impl fmt::Display for UtcTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}T{:02}:{:02}:{:02}Z",
            self.date, self.hour, self.minute, self.second
        )
    }
}

/// A PFIF sex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PfifSex {
    Female,
    Male,
    Other,
}

impl PfifSex {
    pub const ALL: [PfifSex; 3] = [PfifSex::Female, PfifSex::Male, PfifSex::Other];

    pub fn name(self) -> &'static str {
        match self {
            PfifSex::Female => "female",
            PfifSex::Male => "male",
            PfifSex::Other => "other",
        }
    }

    /// A PFIF sex as written in a record ([`PfifSex::name`]).
    pub fn parse(s: &str) -> Option<PfifSex> {
        PfifSex::ALL.into_iter().find(|x| x.name() == s)
    }

    /// The sex a pedigree knows: "other" is not one of its two.
    pub fn sex(self) -> Sex {
        match self {
            PfifSex::Female => Sex::Female,
            PfifSex::Male => Sex::Male,
            PfifSex::Other => Sex::Unknown,
        }
    }

    /// A known sex as PFIF writes it; an unknown one is left out.
    pub fn of(sex: Sex) -> Option<PfifSex> {
        match sex {
            Sex::Female => Some(PfifSex::Female),
            Sex::Male => Some(PfifSex::Male),
            Sex::Unknown => None,
        }
    }
}

/// An exact or approximate date of birth: a year, a month or a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApproxDate {
    Year(i32),
    Month(i32, u32),
    Day(Date),
}

impl ApproxDate {
    /// The first and the last day it may mean.
    pub fn range(self) -> (Date, Date) {
        let first_of = |y: i32, m: u32| Date::new(y, m, 1).expect("a month's first day");
        match self {
            ApproxDate::Day(d) => (d, d),
            ApproxDate::Month(y, m) => (first_of(y, m), first_of(y, m).last_of_month()),
            ApproxDate::Year(y) => (first_of(y, 1), Date::new(y, 12, 31).expect("31 December")),
        }
    }

    /// The narrowest approximate date holding every day from `from` to `to`
    /// (`None` when they are in different years).
    pub fn covering(from: Date, to: Date) -> Option<ApproxDate> {
        if from == to {
            Some(ApproxDate::Day(from))
        } else if from.year() != to.year() {
            None
        } else if from.month() == to.month() {
            Some(ApproxDate::Month(from.year(), from.month()))
        } else {
            Some(ApproxDate::Year(from.year()))
        }
    }
}

impl fmt::Display for ApproxDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApproxDate::Year(y) => write!(f, "{y:04}"),
            ApproxDate::Month(y, m) => write!(f, "{y:04}-{m:02}"),
            ApproxDate::Day(d) => write!(f, "{d}"),
        }
    }
}

impl FromStr for ApproxDate {
    type Err = ();

    fn from_str(s: &str) -> Result<ApproxDate, ()> {
        let digits = |t: &str| t.bytes().all(|c| c.is_ascii_digit());
        match s.len() {
            4 if digits(s) => Ok(ApproxDate::Year(s.parse().map_err(|_| ())?)),
            7 if digits(&s[..4]) && &s[4..5] == "-" && digits(&s[5..]) => {
                let (y, m): (i32, u32) = (
                    s[..4].parse().map_err(|_| ())?,
                    s[5..].parse().map_err(|_| ())?,
                );
                if (1..=12).contains(&m) {
                    Ok(ApproxDate::Month(y, m))
                } else {
                    Err(())
                }
            }
            10 => s.parse().map(ApproxDate::Day).map_err(|_| ()),
            _ => Err(()),
        }
    }
}

/// An age in whole years, or an inclusive range of ages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Age {
    pub min: u32,
    pub max: u32,
}

impl fmt::Display for Age {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.min == self.max {
            write!(f, "{}", self.min)
        } else {
            write!(f, "{}-{}", self.min, self.max)
        }
    }
}

/// The status a note gives its person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoteStatus {
    InformationSought,
    IsNoteAuthor,
    BelievedAlive,
    BelievedMissing,
    BelievedDead,
}

impl NoteStatus {
    pub const ALL: [NoteStatus; 5] = [
        NoteStatus::InformationSought,
        NoteStatus::IsNoteAuthor,
        NoteStatus::BelievedAlive,
        NoteStatus::BelievedMissing,
        NoteStatus::BelievedDead,
    ];

    pub fn name(self) -> &'static str {
        match self {
            NoteStatus::InformationSought => "information_sought",
            NoteStatus::IsNoteAuthor => "is_note_author",
            NoteStatus::BelievedAlive => "believed_alive",
            NoteStatus::BelievedMissing => "believed_missing",
            NoteStatus::BelievedDead => "believed_dead",
        }
    }
}

/// A person record: someone sought or found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Person {
    /// The line of its `pfif:person` start tag in the file read (0 when built
    /// in memory; the writer ignores it).
    pub line: usize,
    /// `domain/local-id`; the domain names the record's home repository.
    pub person_record_id: String,
    pub entry_date: Option<UtcTime>,
    pub expiry_date: Option<UtcTime>,
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    pub author_phone: Option<String>,
    pub source_name: Option<String>,
    pub source_date: Option<UtcTime>,
    pub source_url: Option<String>,
    /// Required, possibly empty; several full names are separated by line breaks.
    pub full_name: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub alternate_names: Option<String>,
    pub description: Option<String>,
    pub sex: Option<PfifSex>,
    pub date_of_birth: Option<ApproxDate>,
    /// As of `source_date`.
    pub age: Option<Age>,
    pub home_street: Option<String>,
    pub home_neighborhood: Option<String>,
    pub home_city: Option<String>,
    pub home_state: Option<String>,
    pub home_postal_code: Option<String>,
    /// Two capital letters (ISO 3166-1).
    pub home_country: Option<String>,
    pub photo_url: Option<String>,
    pub profile_urls: Option<String>,
    /// The notes nested in the record.
    pub notes: Vec<Note>,
}

/// A note record: news about a person, at a time.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Note {
    /// The line of its `pfif:note` start tag in the file read (0 when built in memory).
    pub line: usize,
    pub note_record_id: String,
    /// Required outside a person; inside one, the same as the person's when given.
    pub person_record_id: Option<String>,
    pub linked_person_record_id: Option<String>,
    pub entry_date: Option<UtcTime>,
    pub author_name: String,
    pub author_email: Option<String>,
    pub author_phone: Option<String>,
    pub source_date: Option<UtcTime>,
    pub author_made_contact: Option<bool>,
    pub status: Option<NoteStatus>,
    pub email_of_found_person: Option<String>,
    pub phone_of_found_person: Option<String>,
    /// Free text, or `lat, lon` in decimal degrees.
    pub last_known_location: Option<String>,
    pub text: String,
    pub photo_url: Option<String>,
}

/// A PFIF document.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    pub persons: Vec<Person>,
    /// Notes outside any person record.
    pub notes: Vec<Note>,
}

/// The fields of a person record, in the order of the specification.
pub const PERSON_FIELDS: [&str; 25] = [
    "person_record_id",
    "entry_date",
    "expiry_date",
    "author_name",
    "author_email",
    "author_phone",
    "source_name",
    "source_date",
    "source_url",
    "full_name",
    "given_name",
    "family_name",
    "alternate_names",
    "description",
    "sex",
    "date_of_birth",
    "age",
    "home_street",
    "home_neighborhood",
    "home_city",
    "home_state",
    "home_postal_code",
    "home_country",
    "photo_url",
    "profile_urls",
];

/// The fields of a note record, in the order of the specification.
pub const NOTE_FIELDS: [&str; 15] = [
    "note_record_id",
    "person_record_id",
    "linked_person_record_id",
    "entry_date",
    "author_name",
    "author_email",
    "author_phone",
    "source_date",
    "author_made_contact",
    "status",
    "email_of_found_person",
    "phone_of_found_person",
    "last_known_location",
    "text",
    "photo_url",
];

/// Whether `id` is a PFIF record id: a domain, a slash, a local id (none empty).
pub fn is_record_id(id: &str) -> bool {
    matches!(id.split_once('/'), Some((d, l)) if !d.is_empty() && !l.is_empty())
}

/// The domain of a record id (before the first slash).
pub fn record_domain(id: &str) -> Option<&str> {
    id.split_once('/').map(|(d, _)| d)
}

// ---------------------------------------------------------------------------
// Writing

use quick_xml::Writer;
use quick_xml::escape::partial_escape;
use quick_xml::events::{BytesDecl, BytesText, Event};

type XmlWriter = Writer<Vec<u8>>;

/// `<pfif:name>value</pfif:name>` when there is a value: the characters XML
/// 1.0 cannot carry (control characters other than tab, line feed and
/// carriage return; U+FFFE, U+FFFF) replaced by U+FFFD, then escaped by
/// quick-xml (`<`, `>`, `&`, and a carriage return as `&#13;`).
fn field(w: &mut XmlWriter, name: &str, value: Option<&str>) -> std::io::Result<()> {
    let Some(value) = value else {
        return Ok(());
    };
    let carried: String = value
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect();
    w.create_element(format!("pfif:{name}"))
        .write_text_content(BytesText::from_escaped(partial_escape(carried.as_str())))?;
    Ok(())
}

fn write_note(w: &mut XmlWriter, n: &Note) -> std::io::Result<()> {
    let time = |t: &Option<UtcTime>| t.map(|t| t.to_string());
    w.create_element("pfif:note").write_inner_content(|w| {
        for name in NOTE_FIELDS {
            let value: Option<String> = match name {
                "note_record_id" => Some(n.note_record_id.clone()),
                "person_record_id" => n.person_record_id.clone(),
                "linked_person_record_id" => n.linked_person_record_id.clone(),
                "entry_date" => time(&n.entry_date),
                "author_name" => Some(n.author_name.clone()),
                "author_email" => n.author_email.clone(),
                "author_phone" => n.author_phone.clone(),
                "source_date" => time(&n.source_date),
                "author_made_contact" => n.author_made_contact.map(|b| b.to_string()),
                "status" => n.status.map(|s| s.name().to_string()),
                "email_of_found_person" => n.email_of_found_person.clone(),
                "phone_of_found_person" => n.phone_of_found_person.clone(),
                "last_known_location" => n.last_known_location.clone(),
                "text" => Some(n.text.clone()),
                "photo_url" => n.photo_url.clone(),
                _ => unreachable!("every note field is listed"),
            };
            field(w, name, value.as_deref())?;
        }
        Ok(())
    })?;
    Ok(())
}

fn write_person(w: &mut XmlWriter, p: &Person) -> std::io::Result<()> {
    let time = |t: &Option<UtcTime>| t.map(|t| t.to_string());
    w.create_element("pfif:person").write_inner_content(|w| {
        for name in PERSON_FIELDS {
            let value: Option<String> = match name {
                "person_record_id" => Some(p.person_record_id.clone()),
                "entry_date" => time(&p.entry_date),
                "expiry_date" => time(&p.expiry_date),
                "author_name" => p.author_name.clone(),
                "author_email" => p.author_email.clone(),
                "author_phone" => p.author_phone.clone(),
                "source_name" => p.source_name.clone(),
                "source_date" => time(&p.source_date),
                "source_url" => p.source_url.clone(),
                "full_name" => Some(p.full_name.clone()),
                "given_name" => p.given_name.clone(),
                "family_name" => p.family_name.clone(),
                "alternate_names" => p.alternate_names.clone(),
                "description" => p.description.clone(),
                "sex" => p.sex.map(|s| s.name().to_string()),
                "date_of_birth" => p.date_of_birth.map(|d| d.to_string()),
                "age" => p.age.map(|a| a.to_string()),
                "home_street" => p.home_street.clone(),
                "home_neighborhood" => p.home_neighborhood.clone(),
                "home_city" => p.home_city.clone(),
                "home_state" => p.home_state.clone(),
                "home_postal_code" => p.home_postal_code.clone(),
                "home_country" => p.home_country.clone(),
                "photo_url" => p.photo_url.clone(),
                "profile_urls" => p.profile_urls.clone(),
                _ => unreachable!("every person field is listed"),
            };
            field(w, name, value.as_deref())?;
        }
        for n in &p.notes {
            write_note(w, n)?;
        }
        Ok(())
    })?;
    Ok(())
}

/// Writes a document as PFIF 1.4 XML (UTF-8), fields in the order of the
/// specification, with quick-xml (two spaces of indentation per level).
/// Records built in memory must have their required times (`source_date`);
/// a missing one is left out, which readers refuse.
pub fn write(doc: &Document) -> String {
    let mut w = XmlWriter::new_with_indent(Vec::new(), b' ', 2);
    let written: std::io::Result<()> = (|| {
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        w.create_element("pfif:pfif")
            .with_attribute(("xmlns:pfif", NAMESPACE))
            .write_inner_content(|w| {
                for p in &doc.persons {
                    write_person(w, p)?;
                }
                for n in &doc.notes {
                    write_note(w, n)?;
                }
                Ok(())
            })?;
        Ok(())
    })();
    written.expect("writing to memory does not fail");
    let mut out = String::from_utf8(w.into_inner()).expect("UTF-8 in, UTF-8 out");
    out.push('\n');
    out
}

// ---------------------------------------------------------------------------
// Reading

struct Reader<'f, 'a, 'input> {
    file: &'f str,
    doc: &'a roxmltree::Document<'input>,
}

/// The fields of one record as read: name -> (value, line).
type Fields = HashMap<&'static str, (String, usize)>;

impl<'a, 'input> Reader<'_, 'a, 'input> {
    fn line(&self, node: roxmltree::Node<'a, 'input>) -> usize {
        self.doc.text_pos_at(node.range().start).row as usize
    }

    fn error(&self, line: usize, element: &str, reason: impl Into<String>) -> FormatError {
        FormatError::new(self.file, Location::line_field(line, element), reason)
    }

    /// The display name of an element: `pfif:name`, or `{namespace}name`.
    fn element_name(node: roxmltree::Node) -> String {
        match node.tag_name().namespace() {
            Some(NAMESPACE) => format!("pfif:{}", node.tag_name().name()),
            Some(ns) => format!("{{{ns}}}{}", node.tag_name().name()),
            None => node.tag_name().name().to_string(),
        }
    }

    /// The child elements of a record or of the root; text other than
    /// whitespace between them is refused.
    fn children(
        &self,
        node: roxmltree::Node<'a, 'input>,
        within: &str,
    ) -> Result<Vec<roxmltree::Node<'a, 'input>>, FormatError> {
        let mut out = Vec::new();
        for c in node.children() {
            if c.is_element() {
                if c.tag_name().namespace() != Some(NAMESPACE) {
                    return Err(self.error(
                        self.line(c),
                        &Self::element_name(c),
                        format!("not a PFIF 1.4 element (in pfif:{within})"),
                    ));
                }
                out.push(c);
            } else if c.is_text() && !c.text().unwrap_or("").trim().is_empty() {
                return Err(self.error(
                    self.line(c),
                    within,
                    "text outside any field; fields are elements such as <pfif:full_name>",
                ));
            }
        }
        Ok(out)
    }

    /// The text of a field element (trimmed); child elements are refused.
    fn text(&self, node: roxmltree::Node<'a, 'input>) -> Result<String, FormatError> {
        let mut s = String::new();
        for c in node.children() {
            if c.is_element() {
                return Err(self.error(
                    self.line(c),
                    node.tag_name().name(),
                    format!(
                        "a field holds text only, not the element <{}>",
                        Self::element_name(c)
                    ),
                ));
            }
            if c.is_text() {
                s.push_str(c.text().unwrap_or(""));
            }
        }
        Ok(s.trim().to_string())
    }

    /// Reads the fields of a record (`kind` is `person` or `note`); nested
    /// notes of a person are returned apart.
    fn fields(
        &self,
        node: roxmltree::Node<'a, 'input>,
        kind: &str,
        names: &'static [&'static str],
    ) -> Result<(Fields, Vec<roxmltree::Node<'a, 'input>>), FormatError> {
        let mut fields = Fields::new();
        let mut notes = Vec::new();
        for c in self.children(node, kind)? {
            let name = c.tag_name().name();
            if kind == "person" && name == "note" {
                notes.push(c);
                continue;
            }
            let Some(&known) = names.iter().find(|n| **n == name) else {
                return Err(self.error(
                    self.line(c),
                    name,
                    format!("<pfif:{name}> is not a field of a PFIF 1.4 {kind} record"),
                ));
            };
            let line = self.line(c);
            if let Some((_, first)) = fields.get(known) {
                return Err(self.error(
                    line,
                    known,
                    format!("given twice in one {kind} record (first on line {first})"),
                ));
            }
            fields.insert(known, (self.text(c)?, line));
        }
        Ok((fields, notes))
    }
}

/// Takes the fields of one record out, checking each value.
struct Take<'r, 'f, 'a, 'input> {
    reader: &'r Reader<'f, 'a, 'input>,
    fields: Fields,
    /// The line of the record's start tag (for missing fields).
    line: usize,
    kind: &'static str,
}

impl Take<'_, '_, '_, '_> {
    /// An optional text field (`None` when absent or empty).
    fn opt(&mut self, name: &str) -> Option<String> {
        self.fields
            .remove(name)
            .map(|(v, _)| v)
            .filter(|v| !v.is_empty())
    }

    /// An optional field checked and converted by `parse`, which says what was expected.
    fn parsed<T>(
        &mut self,
        name: &str,
        expected: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, FormatError> {
        match self.fields.remove(name) {
            None => Ok(None),
            Some((v, _)) if v.is_empty() => Ok(None),
            Some((v, line)) => parse(&v).map(Some).ok_or_else(|| {
                self.reader
                    .error(line, name, format!("{v:?} is not {expected}"))
            }),
        }
    }

    fn missing(&self, name: &str) -> FormatError {
        self.reader.error(
            self.line,
            name,
            format!("a {} record needs <pfif:{name}>; it is missing", self.kind),
        )
    }

    /// A required field that may be empty.
    fn required_text(&mut self, name: &str) -> Result<String, FormatError> {
        self.fields
            .remove(name)
            .map(|(v, _)| v)
            .ok_or_else(|| self.missing(name))
    }

    fn record_id(&mut self, name: &str) -> Result<Option<String>, FormatError> {
        self.parsed(name, "a record id (domain/local-id)", |v| {
            is_record_id(v).then(|| v.to_string())
        })
    }

    fn time(&mut self, name: &str) -> Result<Option<UtcTime>, FormatError> {
        self.parsed(name, "a UTC time (YYYY-MM-DDTHH:MM:SSZ)", UtcTime::parse)
    }

    fn email(&mut self, name: &str) -> Result<Option<String>, FormatError> {
        self.parsed(name, "an e-mail address", |v| {
            matches!(v.split_once('@'), Some((a, b)) if !a.is_empty() && !b.is_empty())
                .then(|| v.to_string())
        })
    }

    fn phone(&mut self, name: &str) -> Result<Option<String>, FormatError> {
        self.parsed(name, "a phone number (digits, spaces, + - ( ) only)", |v| {
            v.chars()
                .all(|c| c.is_ascii_digit() || " +-()".contains(c))
                .then(|| v.to_string())
        })
    }
}

fn read_person<'a, 'input>(
    r: &Reader<'_, 'a, 'input>,
    node: roxmltree::Node<'a, 'input>,
) -> Result<Person, FormatError> {
    let line = r.line(node);
    let (fields, note_nodes) = r.fields(node, "person", &PERSON_FIELDS)?;
    let mut t = Take {
        reader: r,
        fields,
        line,
        kind: "person",
    };
    let person_record_id = t
        .record_id("person_record_id")?
        .ok_or_else(|| t.missing("person_record_id"))?;
    let source_date = Some(
        t.time("source_date")?
            .ok_or_else(|| t.missing("source_date"))?,
    );
    let full_name = t.required_text("full_name")?;
    let mut p = Person {
        line,
        entry_date: t.time("entry_date")?,
        expiry_date: t.time("expiry_date")?,
        author_name: t.opt("author_name"),
        author_email: t.email("author_email")?,
        author_phone: t.phone("author_phone")?,
        source_name: t.opt("source_name"),
        source_date,
        source_url: t.opt("source_url"),
        full_name,
        given_name: t.opt("given_name"),
        family_name: t.opt("family_name"),
        alternate_names: t.opt("alternate_names"),
        description: t.opt("description"),
        sex: t.parsed("sex", "female, male or other", PfifSex::parse)?,
        date_of_birth: t.parsed(
            "date_of_birth",
            "a date of birth (YYYY, YYYY-MM or YYYY-MM-DD)",
            |v| v.parse().ok(),
        )?,
        age: t.parsed("age", "an age in years (N or N-M, N <= M)", |v| {
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
            let (a, b) = v.split_once('-').unwrap_or((v, v));
            if !digits(a) || !digits(b) {
                return None;
            }
            let (min, max) = (a.parse().ok()?, b.parse().ok()?);
            (min <= max).then_some(Age { min, max })
        })?,
        home_street: t.opt("home_street"),
        home_neighborhood: t.opt("home_neighborhood"),
        home_city: t.opt("home_city"),
        home_state: t.opt("home_state"),
        home_postal_code: t.opt("home_postal_code"),
        home_country: t.parsed(
            "home_country",
            "a two-letter country code (ISO 3166-1, capitals)",
            |v| (v.len() == 2 && v.bytes().all(|c| c.is_ascii_uppercase())).then(|| v.to_string()),
        )?,
        photo_url: t.opt("photo_url"),
        profile_urls: t.opt("profile_urls"),
        person_record_id,
        notes: Vec::new(),
    };
    for n in note_nodes {
        let note = read_note(r, n)?;
        if let Some(id) = &note.person_record_id
            && *id != p.person_record_id
        {
            return Err(r.error(
                note.line,
                "person_record_id",
                format!(
                    "a note inside person {} names another person, {id}",
                    p.person_record_id
                ),
            ));
        }
        p.notes.push(note);
    }
    Ok(p)
}

fn read_note<'a, 'input>(
    r: &Reader<'_, 'a, 'input>,
    node: roxmltree::Node<'a, 'input>,
) -> Result<Note, FormatError> {
    let line = r.line(node);
    let (fields, _) = r.fields(node, "note", &NOTE_FIELDS)?;
    let mut t = Take {
        reader: r,
        fields,
        line,
        kind: "note",
    };
    let note_record_id = t
        .record_id("note_record_id")?
        .ok_or_else(|| t.missing("note_record_id"))?;
    let author_name = t.required_text("author_name")?;
    let source_date = Some(
        t.time("source_date")?
            .ok_or_else(|| t.missing("source_date"))?,
    );
    Ok(Note {
        line,
        note_record_id,
        person_record_id: t.record_id("person_record_id")?,
        linked_person_record_id: t.record_id("linked_person_record_id")?,
        entry_date: t.time("entry_date")?,
        author_name,
        author_email: t.email("author_email")?,
        author_phone: t.phone("author_phone")?,
        source_date,
        author_made_contact: t.parsed("author_made_contact", "true or false", |v| match v {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        })?,
        status: t.parsed(
            "status",
            "a PFIF status (information_sought, is_note_author, believed_alive, believed_missing, believed_dead)",
            |v| NoteStatus::ALL.into_iter().find(|s| s.name() == v),
        )?,
        email_of_found_person: t.email("email_of_found_person")?,
        phone_of_found_person: t.phone("phone_of_found_person")?,
        last_known_location: t.opt("last_known_location"),
        // Required by the schema, optional in the prose: an absent text is empty.
        text: t.fields.remove("text").map(|(v, _)| v).unwrap_or_default(),
        photo_url: t.opt("photo_url"),
    })
}

/// Reads a PFIF 1.4 document (see the module documentation); `file` names
/// the file in errors.
pub fn read(file: &str, text: &str) -> Result<Document, FormatError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // roxmltree counts lines by LF only: a CR-only file would be all line 1.
    let text = crate::lines::lf_line_ends(text);
    let doc = roxmltree::Document::parse(&text).map_err(|e| {
        FormatError::new(
            file,
            Location::line(e.pos().row as usize),
            format!("not well-formed XML: {e}"),
        )
    })?;
    let r = Reader { file, doc: &doc };
    let root = doc.root_element();
    let (ns, name) = (root.tag_name().namespace(), root.tag_name().name());
    if name != "pfif" || ns != Some(NAMESPACE) {
        let reason = match ns {
            Some(other) if name == "pfif" && other.starts_with("http://zesty.ca/pfif/") => format!(
                "this is PFIF {}; only PFIF 1.4 ({NAMESPACE}) is read",
                other
                    .trim_start_matches("http://zesty.ca/pfif/")
                    .trim_end_matches('/')
            ),
            _ => format!("the root element must be <pfif:pfif> in the namespace {NAMESPACE}"),
        };
        return Err(r.error(r.line(root), &Reader::element_name(root), reason));
    }
    let mut out = Document::default();
    let mut person_lines: HashMap<String, usize> = HashMap::new();
    let mut note_lines: HashMap<String, usize> = HashMap::new();
    for c in r.children(root, "pfif")? {
        match c.tag_name().name() {
            "person" => {
                let p = read_person(&r, c)?;
                if let Some(first) = person_lines.insert(p.person_record_id.clone(), p.line) {
                    return Err(r.error(
                        p.line,
                        "person_record_id",
                        format!(
                            "person {} is given twice (first on line {first})",
                            p.person_record_id
                        ),
                    ));
                }
                out.persons.push(p);
            }
            "note" => {
                let n = read_note(&r, c)?;
                if n.person_record_id.is_none() {
                    return Err(r.error(
                        n.line,
                        "person_record_id",
                        "a note outside a person record needs <pfif:person_record_id>",
                    ));
                }
                out.notes.push(n);
            }
            other => {
                return Err(r.error(
                    r.line(c),
                    other,
                    format!("<pfif:{other}> cannot stand in <pfif:pfif>; only person and note records can"),
                ));
            }
        }
    }
    for n in out
        .persons
        .iter()
        .flat_map(|p| p.notes.iter())
        .chain(out.notes.iter())
    {
        if let Some(first) = note_lines.insert(n.note_record_id.clone(), n.line) {
            return Err(r.error(
                n.line,
                "note_record_id",
                format!(
                    "note {} is given twice (first on line {first})",
                    n.note_record_id
                ),
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> UtcTime {
        UtcTime::parse(s).unwrap()
    }

    /// A PFIF sex read back from its name, and as a pedigree's sex: "other"
    /// is unknown there, and an unknown sex is not written as "other".
    #[test]
    fn pfif_sexes_and_pedigree_sexes() {
        for x in PfifSex::ALL {
            assert_eq!(PfifSex::parse(x.name()), Some(x));
        }
        assert_eq!(PfifSex::parse("unknown"), None);
        assert_eq!(PfifSex::parse("Male"), None);
        let pairs = [
            (PfifSex::Female, Sex::Female),
            (PfifSex::Male, Sex::Male),
            (PfifSex::Other, Sex::Unknown),
        ];
        for (x, sex) in pairs {
            assert_eq!(x.sex(), sex);
        }
        assert_eq!(PfifSex::of(Sex::Female), Some(PfifSex::Female));
        assert_eq!(PfifSex::of(Sex::Male), Some(PfifSex::Male));
        assert_eq!(PfifSex::of(Sex::Unknown), None);
    }

    fn sample() -> Document {
        Document {
            persons: vec![
                Person {
                    person_record_id: "registry.example.org/MC-1".into(),
                    entry_date: Some(t("2025-01-02T03:04:05Z")),
                    expiry_date: Some(t("2027-01-01T00:00:00Z")),
                    author_name: Some("Reunite registry.example.org".into()),
                    author_email: Some("desk@example.org".into()),
                    author_phone: Some("+1 (555) 010-0199".into()),
                    source_name: Some("Reunite <registry> & co".into()),
                    source_date: Some(t("2025-01-02T03:04:05Z")),
                    source_url: Some("https://registry.example.org/alerts?a=1&b=2".into()),
                    full_name: "李伟 \"Wei\" <Li> & Amina Ñandú".into(),
                    given_name: Some("Wei".into()),
                    family_name: Some("李".into()),
                    alternate_names: Some("Li Wei\nLee Way".into()),
                    description: Some("scar on left knee,\r\nsays \"mama\"\ttabbed".into()),
                    sex: Some(PfifSex::Female),
                    date_of_birth: Some(ApproxDate::Month(2023, 2)),
                    age: Some(Age { min: 1, max: 2 }),
                    home_street: Some("Rue des Écoles".into()),
                    home_neighborhood: Some("Quartier latin".into()),
                    home_city: Some("Paris".into()),
                    home_state: Some("FR-75".into()),
                    home_postal_code: Some("75005".into()),
                    home_country: Some("FR".into()),
                    photo_url: Some("https://example.org/p.jpg".into()),
                    profile_urls: Some("https://a.example/x\nhttps://b.example/y".into()),
                    notes: vec![Note {
                        note_record_id: "registry.example.org/MC-1.note".into(),
                        person_record_id: Some("registry.example.org/MC-1".into()),
                        linked_person_record_id: Some("other.example/p9".into()),
                        entry_date: Some(t("2025-01-02T03:04:05Z")),
                        author_name: "Reunite".into(),
                        author_email: Some("a@b".into()),
                        author_phone: Some("123".into()),
                        source_date: Some(t("2025-01-02T03:04:05Z")),
                        author_made_contact: Some(false),
                        status: Some(NoteStatus::InformationSought),
                        email_of_found_person: Some("f@g.h".into()),
                        phone_of_found_person: Some("456".into()),
                        last_known_location: Some("10.5, 20.3".into()),
                        text: "Missing since 2024-06-01. <b>&amp;</b>".into(),
                        photo_url: Some("https://example.org/n.jpg".into()),
                        ..Note::default()
                    }],
                    ..Person::default()
                },
                Person {
                    person_record_id: "registry.example.org/MC-2".into(),
                    source_date: Some(t("2024-12-31T23:59:59Z")),
                    full_name: String::new(),
                    sex: Some(PfifSex::Male),
                    date_of_birth: Some(ApproxDate::Day("2023-05-01".parse().unwrap())),
                    ..Person::default()
                },
            ],
            notes: vec![Note {
                note_record_id: "other.example/n1".into(),
                person_record_id: Some("other.example/p9".into()),
                author_name: "Someone".into(),
                source_date: Some(t("2025-02-01T00:00:00Z")),
                status: Some(NoteStatus::BelievedMissing),
                text: String::new(),
                ..Note::default()
            }],
        }
    }

    fn without_lines(mut d: Document) -> Document {
        for p in &mut d.persons {
            p.line = 0;
            for n in &mut p.notes {
                n.line = 0;
            }
        }
        for n in &mut d.notes {
            n.line = 0;
        }
        d
    }

    #[test]
    fn write_then_read_gives_the_same_document() {
        let doc = sample();
        let xml = write(&doc);
        let back = read("out.xml", &xml).unwrap();
        assert_eq!(without_lines(back.clone()), doc);
        // Lines point at the start tags.
        let lines: Vec<&str> = xml.lines().collect();
        assert!(lines[back.persons[0].line - 1].contains("<pfif:person>"));
        assert!(lines[back.persons[0].notes[0].line - 1].contains("<pfif:note>"));
        assert!(lines[back.persons[1].line - 1].contains("<pfif:person>"));
        // And writing again gives the same bytes.
        assert_eq!(write(&back), xml);
    }

    #[test]
    fn escapes_markup_and_keeps_unicode() {
        let xml = write(&sample());
        assert!(xml.contains(
            "<pfif:full_name>李伟 \"Wei\" &lt;Li&gt; &amp; Amina Ñandú</pfif:full_name>"
        ));
        assert!(xml.contains(
            "<pfif:text>Missing since 2024-06-01. &lt;b&gt;&amp;amp;&lt;/b&gt;</pfif:text>"
        ));
        assert!(xml.contains("knee,&#13;\nsays"));
        assert!(xml.contains(
            "<pfif:source_url>https://registry.example.org/alerts?a=1&amp;b=2</pfif:source_url>"
        ));
        // Characters XML cannot carry are replaced, and the output still reads.
        let mut d = sample();
        d.persons[1].full_name = "bell\u{7}here".into();
        let xml = write(&d);
        assert!(xml.contains("bell\u{FFFD}here"));
        assert_eq!(
            read("x", &xml).unwrap().persons[1].full_name,
            "bell\u{FFFD}here"
        );
    }

    #[test]
    fn fields_in_the_order_of_the_specification() {
        let xml = write(&sample());
        let person = xml.split("<pfif:note>").next().unwrap();
        let positions: Vec<usize> = PERSON_FIELDS
            .iter()
            .map(|f| person.find(&format!("<pfif:{f}>")).unwrap())
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
        assert!(xml.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<pfif:pfif xmlns:pfif=\"http://zesty.ca/pfif/1.4\">\n"
        ));
    }

    #[test]
    fn reads_any_order_any_prefix_and_top_level_notes() {
        let xml = r#"<?xml version="1.0"?>
<p:pfif xmlns:p="http://zesty.ca/pfif/1.4">
  <!-- a comment -->
  <p:note>
    <p:text> seen at the market </p:text>
    <p:source_date>2025-03-01T10:00:00.123Z</p:source_date>
    <p:author_name>A. Helper</p:author_name>
    <p:person_record_id>site.example/42</p:person_record_id>
    <p:note_record_id>site.example/n/1</p:note_record_id>
    <p:status>believed_alive</p:status>
  </p:note>
  <p:person>
    <p:full_name>Zoë O'Neil</p:full_name>
    <p:age>3</p:age>
    <p:source_date>2025-02-01T00:00:00Z</p:source_date>
    <p:person_record_id>site.example/42</p:person_record_id>
    <p:sex></p:sex>
  </p:person>
</p:pfif>"#;
        let d = read("feed.xml", xml).unwrap();
        assert_eq!(d.persons.len(), 1);
        let p = &d.persons[0];
        assert_eq!(p.line, 12);
        assert_eq!(p.full_name, "Zoë O'Neil");
        assert_eq!(p.age, Some(Age { min: 3, max: 3 }));
        assert_eq!(p.sex, None);
        assert_eq!(d.notes[0].text, "seen at the market");
        assert_eq!(d.notes[0].line, 4);
        assert_eq!(
            d.notes[0].source_date.unwrap().to_string(),
            "2025-03-01T10:00:00Z"
        );
        assert_eq!(d.notes[0].status, Some(NoteStatus::BelievedAlive));
    }

    #[track_caller]
    fn refused(xml: &str, line: usize, element: &str, part: &str) {
        let e = read("bad.xml", xml).unwrap_err();
        assert_eq!(e.file, "bad.xml", "{e}");
        assert_eq!(e.location.line, Some(line), "{e}");
        assert_eq!(e.location.field.as_deref(), Some(element), "{e}");
        assert!(e.reason.contains(part), "{e} lacks {part:?}");
        assert!(
            e.to_string().starts_with(&format!("bad.xml:{line}: field")),
            "{e}"
        );
    }

    fn person(body: &str) -> String {
        format!(
            "<pfif:pfif xmlns:pfif=\"{NAMESPACE}\">\n<pfif:person>\n\
             <pfif:person_record_id>a.example/1</pfif:person_record_id>\n\
             <pfif:source_date>2025-01-01T00:00:00Z</pfif:source_date>\n\
             <pfif:full_name>A</pfif:full_name>\n{body}</pfif:person>\n</pfif:pfif>\n"
        )
    }

    #[test]
    fn errors_name_file_line_element_and_reason() {
        refused(
            &person("<pfif:sex>boy</pfif:sex>\n"),
            6,
            "sex",
            "female, male or other",
        );
        refused(&person("<pfif:age>5-3</pfif:age>\n"), 6, "age", "N-M");
        refused(
            &person("<pfif:date_of_birth>2023-13</pfif:date_of_birth>\n"),
            6,
            "date_of_birth",
            "YYYY-MM",
        );
        refused(
            &person("\n<pfif:entry_date>2025-01-01 10:00:00</pfif:entry_date>\n"),
            7,
            "entry_date",
            "UTC time",
        );
        refused(
            &person("<pfif:nickname>x</pfif:nickname>\n"),
            6,
            "nickname",
            "not a field",
        );
        refused(
            &person("<pfif:full_name>B</pfif:full_name>\n"),
            6,
            "full_name",
            "given twice in one person record (first on line 5)",
        );
        refused(
            &person("<pfif:home_country>fr</pfif:home_country>\n"),
            6,
            "home_country",
            "two-letter",
        );
        refused(
            &person("<pfif:description><b>x</b></pfif:description>\n"),
            6,
            "description",
            "text only",
        );
        refused(
            &person("<x:extra xmlns:x=\"urn:x\">1</x:extra>\n"),
            6,
            "{urn:x}extra",
            "not a PFIF 1.4 element",
        );
        refused(
            &person("stray words\n"),
            5,
            "person",
            "text outside any field",
        );
        // A required field missing: the record's line.
        let no_name = format!(
            "<pfif:pfif xmlns:pfif=\"{NAMESPACE}\">\n<pfif:person>\n\
             <pfif:person_record_id>a.example/1</pfif:person_record_id>\n\
             <pfif:source_date>2025-01-01T00:00:00Z</pfif:source_date>\n</pfif:person>\n</pfif:pfif>"
        );
        refused(&no_name, 2, "full_name", "missing");
        refused(
            &no_name.replace("a.example/1", "no-slash"),
            3,
            "person_record_id",
            "domain/local-id",
        );
        // A nested note naming another person; a bad status; a top-level note without its person.
        let note = |inner: &str| {
            person(&format!(
                "<pfif:note>\n<pfif:note_record_id>a.example/n1</pfif:note_record_id>\n\
                 <pfif:author_name>X</pfif:author_name>\n\
                 <pfif:source_date>2025-01-01T00:00:00Z</pfif:source_date>\n{inner}</pfif:note>\n"
            ))
        };
        refused(
            &note("<pfif:person_record_id>a.example/2</pfif:person_record_id>\n"),
            6,
            "person_record_id",
            "names another person",
        );
        refused(
            &note("<pfif:status>found</pfif:status>\n"),
            10,
            "status",
            "information_sought",
        );
        let lone = format!(
            "<pfif:pfif xmlns:pfif=\"{NAMESPACE}\">\n<pfif:note>\n\
             <pfif:note_record_id>a.example/n1</pfif:note_record_id>\n\
             <pfif:author_name>X</pfif:author_name>\n\
             <pfif:source_date>2025-01-01T00:00:00Z</pfif:source_date>\n</pfif:note>\n</pfif:pfif>"
        );
        refused(&lone, 2, "person_record_id", "outside a person");
        // The same person twice.
        let twice = person("").replace(
            "</pfif:pfif>",
            "<pfif:person>\n<pfif:person_record_id>a.example/1</pfif:person_record_id>\n\
             <pfif:source_date>2025-01-01T00:00:00Z</pfif:source_date>\n\
             <pfif:full_name>A</pfif:full_name>\n</pfif:person>\n</pfif:pfif>",
        );
        refused(
            &twice,
            7,
            "person_record_id",
            "given twice (first on line 2)",
        );
    }

    /// Errors are at the same line whatever ends the lines (roxmltree counts
    /// LF only: a CR-only file was all line 1).
    #[test]
    fn lines_are_counted_alike_with_every_line_end() {
        for end in ["\n", "\r\n", "\r"] {
            let bad = person("\n<pfif:sex>boy</pfif:sex>\n").replace('\n', end);
            refused(&bad, 7, "sex", "female, male or other");
            let broken = person("\n<pfif:sex>male</pfif:se>\n").replace('\n', end);
            let e = read("bad.xml", &broken).unwrap_err();
            assert_eq!(e.location.line, Some(7), "{end:?}: {e}");
            let ok = read(
                "ok.xml",
                &person("<pfif:sex>male</pfif:sex>\n").replace('\n', end),
            );
            assert_eq!(ok.unwrap().persons.len(), 1, "{end:?}");
        }
    }

    #[test]
    fn other_versions_and_broken_xml_are_refused() {
        let v12 = person("").replace("pfif/1.4", "pfif/1.2");
        refused(&v12, 1, "{http://zesty.ca/pfif/1.2}pfif", "PFIF 1.2");
        let e = read("bad.xml", &person("<pfif:sex>male</pfif:se>\n")).unwrap_err();
        assert_eq!(e.location.line, Some(6), "{e}");
        assert!(e.reason.contains("not well-formed"), "{e}");
        let dtd = format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"b\">]>\n{}",
            person("")
        );
        assert!(read("dtd.xml", &dtd).is_err());
        let e = read("empty.xml", "").unwrap_err();
        assert_eq!(e.file, "empty.xml");
        refused(
            &format!("<root xmlns:pfif=\"{NAMESPACE}\"/>"),
            1,
            "root",
            "root element must be <pfif:pfif>",
        );
    }

    #[test]
    fn approximate_dates_and_times() {
        let d = |s: &str| -> Date { s.parse().unwrap() };
        assert_eq!(
            ApproxDate::Month(2024, 2).range(),
            (d("2024-02-01"), d("2024-02-29"))
        );
        assert_eq!(
            ApproxDate::Month(2023, 12).range(),
            (d("2023-12-01"), d("2023-12-31"))
        );
        // The last month a date can be in.
        assert_eq!(
            "9999-12".parse::<ApproxDate>().unwrap().range(),
            (d("9999-12-01"), d("9999-12-31"))
        );
        assert_eq!(
            ApproxDate::covering(d("2024-01-01"), d("2024-03-01")),
            Some(ApproxDate::Year(2024))
        );
        assert_eq!(
            ApproxDate::covering(d("2024-03-02"), d("2024-03-30")),
            Some(ApproxDate::Month(2024, 3))
        );
        assert_eq!(ApproxDate::covering(d("2023-12-31"), d("2024-01-01")), None);
        assert_eq!("2024".parse::<ApproxDate>(), Ok(ApproxDate::Year(2024)));
        assert!("2024-1".parse::<ApproxDate>().is_err());
        assert!("2024-02-30".parse::<ApproxDate>().is_err());
        assert_eq!(
            UtcTime::parse("2026-03-01T12:34:56.789Z")
                .unwrap()
                .to_string(),
            "2026-03-01T12:34:56Z"
        );
        for bad in [
            "2026-03-01T24:00:00Z",
            "2026-03-01T12:34:56",
            "2026-03-01T12:34:56+01:00",
            "2026-03-01T12:34:56.Z",
        ] {
            assert_eq!(UtcTime::parse(bad), None, "{bad}");
        }
        assert!(t("2025-01-01T00:00:01Z") > t("2025-01-01T00:00:00Z"));
    }
}

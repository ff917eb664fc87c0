//! PFIF 1.4 for person-finder sites: the export of the open public alerts,
//! and the import of another repository's person records as missing-child cases.
//!
//! # Export
//!
//! One person record per case whose family opted in to public alerts
//! (`public_alert`) and that is still open (`open` or `candidate_found`),
//! with only what a public alert shows: the child's name (`full_name`, empty
//! when not known), sex, date of birth (the narrowest `YYYY`, `YYYY-MM` or
//! `YYYY-MM-DD` holding the registered birth range) and age in years as of
//! `source_date`, and the description. One note per case (status
//! `information_sought`) carries the date the child went missing, as the
//! sentence `Missing since YYYY-MM-DD.` that opens its text (PFIF has no
//! field for it), and the place as `last_known_location` `lat, lon` rounded
//! to 0.1 degree (about 10 km), as on the alerts page. Never written: DNA,
//! references and their data, contact details, the place's name (it may be
//! an address), case workers or family members (the author is the registry).
//!
//! A case registered here is `DOMAIN/CASE_ID`, where DOMAIN is this
//! registry's PFIF domain ([`Registry::set_pfif_domain`], default
//! [`DEFAULT_DOMAIN`]); `source_date` and `entry_date` are when the case was
//! registered. A case imported from elsewhere keeps its original
//! `person_record_id`, `source_name`, `source_url` and `source_date`.
//!
//! # Import
//!
//! Every person record of a file becomes a missing-child case, all or
//! nothing in one transaction:
//!
//! - Marking: the case id is `PFIF-` and 16 hex digits of SHA-256 of the
//!   `person_record_id`, so the same record always maps to the same case; the
//!   table `pfif_records` keeps the record id, its source and its
//!   `source_date`. Imported cases start with the public alert off.
//! - Again: a record already imported with the same `source_date` and the
//!   same content adds nothing; a newer `source_date` updates the case (PFIF
//!   keeps the latest version); an older one is ignored; the same
//!   `source_date` with other content is refused.
//! - Records under the placeholder domain [`DEFAULT_DOMAIN`] are refused:
//!   they cannot be told apart from another unconfigured registry's.
//! - Records whose id names this registry's own domain are its own cases:
//!   they are left as they are (one naming a case this registry does not
//!   have is refused).
//! - Not imported: records past their `expiry_date`, and people whose latest
//!   note says they are found or dead (`is_note_author`, `believed_alive`,
//!   `believed_dead`).
//! - Stored: the name, the sex (`other` is unknown), the birth range (from
//!   `date_of_birth` and `age`, intersected), the missing date (from a note
//!   text opening with `Missing since YYYY-MM-DD`), the last known location
//!   of the latest note that has one (`lat, lon` as coordinates, other text
//!   as the place's name), the description. Never stored: authors, e-mail
//!   addresses, phone numbers, home addresses, photos and profile links.

use formats::pfif::{self, ApproxDate, Document, Note, NoteStatus, Person, PfifSex, UtcTime};
use formats::registry_csv::{DESCRIPTION_MAX_CHARS, Date, NAME_MAX_CHARS, PLACE_MAX_CHARS};
use formats::{FormatError, Location};
use kinship::Sex;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::import::ImportReport;
use crate::store::{Event, append_audit, get_meta, set_meta};
use crate::{ImportKind, Registry, RegistryError, Result};

/// The PFIF domain of a registry that has not set one (RFC 2606: it can
/// never be anyone's real domain).
pub const DEFAULT_DOMAIN: &str = "reunite.invalid";

/// A PFIF document of the public alerts.
#[derive(Debug, Clone)]
pub struct PfifExport {
    /// The document (UTF-8 XML).
    pub xml: String,
    /// How many person records it holds.
    pub persons: usize,
    /// The domain of this registry's record ids.
    pub domain: String,
}

/// Whether `domain` is a lower-case DNS name (letters, digits and hyphens in
/// dot-separated labels).
pub fn valid_domain(domain: &str) -> bool {
    domain.len() <= 253
        && !domain.is_empty()
        && domain.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        })
}

/// The case id of an imported record.
pub fn clone_case_id(person_record_id: &str) -> String {
    let digest = hex::encode(Sha256::digest(person_record_id.as_bytes()));
    format!("PFIF-{}", &digest[..16])
}

fn source_name(domain: &str) -> String {
    format!("Reunite registry {domain}")
}

/// The date `years` years after (before, if negative) `d`; 29 February
/// becomes 28 February in a common year.
fn add_years(d: Date, years: i32) -> Date {
    let y = d.year() + years;
    Date::new(y, d.month(), d.day())
        .or_else(|| Date::new(y, d.month(), d.day() - 1))
        .expect("only 29 February is missing in some years")
}

/// Whole years from `birth` to `at`.
pub(crate) fn age_years(birth: Date, at: Date) -> i64 {
    let mut years = i64::from(at.year()) - i64::from(birth.year());
    if (at.month(), at.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// The birth dates of a person aged `min..=max` years on `at`.
fn birth_range_of_age(min: u32, max: u32, at: Date) -> (Date, Date) {
    let min = i32::try_from(min).unwrap_or(i32::MAX / 2).min(1000);
    let max = i32::try_from(max).unwrap_or(i32::MAX / 2).min(1000);
    let earliest = add_years(at, -(max + 1));
    (
        Date::from_unix_days(earliest.unix_days() + 1),
        add_years(at, -min),
    )
}

/// `lat, lon` in decimal degrees, in range.
fn parse_coordinates(s: &str) -> Option<(f64, f64)> {
    let (a, b) = s.split_once(',')?;
    let number = |t: &str| {
        let t = t.trim();
        let ok = !t.is_empty()
            && t.bytes()
                .all(|c| c.is_ascii_digit() || c == b'.' || c == b'-' || c == b'+');
        if ok { t.parse::<f64>().ok() } else { None }
    };
    let (lat, lon) = (number(a)?, number(b)?);
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

/// The date a note text opens with: `Missing since YYYY-MM-DD`.
fn missing_since(text: &str) -> Option<Date> {
    text.strip_prefix("Missing since ")?.get(..10)?.parse().ok()
}

fn rounded(x: f64) -> String {
    let r = format!("{x:.1}");
    if r == "-0.0" { "0.0".into() } else { r }
}

/// A case as PFIF carries it.
#[derive(Debug, Clone, PartialEq)]
struct CaseFields {
    sex: &'static str,
    birth_from: Option<String>,
    birth_to: Option<String>,
    missing_date: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    child_name: Option<String>,
    missing_place: Option<String>,
    description: Option<String>,
    source_name: Option<String>,
    source_url: Option<String>,
}

/// A person record read for import.
struct Incoming {
    line: usize,
    id: String,
    source_date: UtcTime,
    fields: CaseFields,
}

/// Why a record is not imported.
enum Skip {
    Expired,
    FoundOrDead,
}

fn err(file: &str, line: usize, field: &str, reason: impl Into<String>) -> RegistryError {
    RegistryError::Format(FormatError::new(
        file,
        Location::line_field(line, field),
        reason,
    ))
}

fn checked_text(
    file: &str,
    line: usize,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.chars().count() > max => Err(err(
            file,
            line,
            field,
            format!("longer than {max} characters"),
        )),
        Some(v) => Ok(Some(v.to_string())),
    }
}

/// The case a person record describes, or why it is left out.
fn incoming(
    file: &str,
    p: &Person,
    notes: &[&Note],
    now: UtcTime,
) -> Result<std::result::Result<Incoming, Skip>> {
    let source_date = p
        .source_date
        .ok_or_else(|| err(file, p.line, "source_date", "missing"))?;
    if p.expiry_date.is_some_and(|e| e <= now) {
        return Ok(Err(Skip::Expired));
    }
    let latest = |keep: &dyn Fn(&Note) -> bool| {
        notes
            .iter()
            .filter(|n| keep(n))
            .max_by_key(|n| (n.source_date, n.line))
            .copied()
    };
    if let Some(n) = latest(&|n: &Note| n.status.is_some())
        && matches!(
            n.status,
            Some(NoteStatus::IsNoteAuthor | NoteStatus::BelievedAlive | NoteStatus::BelievedDead)
        )
    {
        return Ok(Err(Skip::FoundOrDead));
    }
    let today = now.date();
    // The birth range: the date of birth, narrowed by the age on the source date.
    let mut birth = p.date_of_birth.map(ApproxDate::range);
    if let Some((from, _)) = birth
        && from > today
    {
        return Err(err(
            file,
            p.line,
            "date_of_birth",
            format!("{} is in the future", p.date_of_birth.expect("read")),
        ));
    }
    if let Some(age) = p.age {
        let (from, to) = birth_range_of_age(age.min, age.max, source_date.date());
        birth = match birth {
            None => Some((from, to)),
            Some((f, t)) => {
                let (f, t) = (f.max(from), t.min(to));
                if f > t {
                    return Err(err(
                        file,
                        p.line,
                        "age",
                        format!(
                            "age {age} on {} contradicts date_of_birth {}",
                            source_date.date(),
                            p.date_of_birth.expect("read")
                        ),
                    ));
                }
                Some((f, t))
            }
        };
    }
    let mut missing_date = None;
    if let Some(n) = latest(&|n: &Note| missing_since(&n.text).is_some()) {
        let d = missing_since(&n.text).expect("filtered");
        if d > today {
            return Err(err(
                file,
                n.line,
                "text",
                format!("missing since {d}, a date in the future"),
            ));
        }
        missing_date = Some(d.to_string());
    }
    let (mut lat, mut lon, mut place) = (None, None, None);
    if let Some(n) = latest(&|n: &Note| n.last_known_location.is_some()) {
        let loc = n.last_known_location.as_deref().expect("filtered");
        match parse_coordinates(loc) {
            Some((a, b)) => (lat, lon) = (Some(a), Some(b)),
            None => {
                place = checked_text(
                    file,
                    n.line,
                    "last_known_location",
                    Some(loc),
                    PLACE_MAX_CHARS,
                )?
            }
        }
    }
    let sex = p.sex.map_or(Sex::Unknown, PfifSex::sex).name();
    Ok(Ok(Incoming {
        line: p.line,
        id: p.person_record_id.clone(),
        source_date,
        fields: CaseFields {
            sex,
            birth_from: birth.map(|(f, _)| f.to_string()),
            birth_to: birth.map(|(_, t)| t.to_string()),
            missing_date,
            lat,
            lon,
            child_name: checked_text(
                file,
                p.line,
                "full_name",
                Some(&p.full_name),
                NAME_MAX_CHARS,
            )?,
            missing_place: place,
            description: checked_text(
                file,
                p.line,
                "description",
                p.description.as_deref(),
                DESCRIPTION_MAX_CHARS,
            )?,
            source_name: p.source_name.clone(),
            source_url: p.source_url.clone(),
        },
    }))
}

fn now() -> UtcTime {
    UtcTime::parse(&crate::audit::now_rfc3339()).expect("the registry writes RFC 3339 in UTC")
}

fn stored_time(s: &str) -> Result<UtcTime> {
    UtcTime::parse(s)
        .ok_or_else(|| RegistryError::Damaged(format!("a stored time {s:?} is not RFC 3339")))
}

impl Registry {
    /// This registry's PFIF domain: the first part of its record ids.
    pub async fn pfif_domain(&self) -> Result<String> {
        let mut conn = self.pool.acquire().await?;
        Ok(get_meta(&mut conn, "pfif_domain")
            .await?
            .unwrap_or_else(|| DEFAULT_DOMAIN.to_string()))
    }

    /// Sets this registry's PFIF domain (a lower-case DNS name, such as the
    /// one the server is reached at). Record ids already published keep the
    /// old domain at the sites that copied them: set it once, before publishing.
    pub async fn set_pfif_domain(&self, actor: &str, domain: &str) -> Result<()> {
        if !valid_domain(domain) {
            return Err(RegistryError::Invalid(format!(
                "{domain:?} is not a lower-case domain name such as registry.example.org"
            )));
        }
        self.audited(async |tx| {
            set_meta(tx, "pfif_domain", domain).await?;
            let event = Event {
                actor,
                action: "pfif.domain",
                target_type: "registry",
                target_id: domain,
                detail: String::new(),
            };
            Ok(((), event))
        })
        .await
    }

    /// The PFIF 1.4 document of the open public alerts (see the module
    /// documentation for what it holds and never holds). Audited.
    pub async fn export_pfif(&self, actor: &str) -> Result<PfifExport> {
        let domain = self.pfif_domain().await?;
        let rows = sqlx::query(
            "SELECT c.case_id, c.child_sex, c.birth_from, c.birth_to, c.missing_date, c.missing_lat, c.missing_lon,
                    c.child_name, c.description, c.created_at,
                    r.person_record_id, r.source_name, r.source_url, r.source_date, r.entry_date
             FROM cases c LEFT JOIN pfif_records r ON r.case_ref = c.id
             WHERE c.public_alert = 1 AND c.status IN ('open', 'candidate_found')
             ORDER BY c.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let ours = source_name(&domain);
        let mut doc = Document::default();
        for r in rows {
            let case_id: String = r.try_get("case_id")?;
            let created = stored_time(&r.try_get::<String, _>("created_at")?)?;
            let clone_id: Option<String> = r.try_get("person_record_id")?;
            let (person_record_id, source_name, source_url, source_date, entry_date) =
                match clone_id {
                    Some(id) => (
                        id,
                        r.try_get::<Option<String>, _>("source_name")?,
                        r.try_get::<Option<String>, _>("source_url")?,
                        stored_time(&r.try_get::<String, _>("source_date")?)?,
                        stored_time(&r.try_get::<String, _>("entry_date")?)?,
                    ),
                    None => (
                        format!("{domain}/{case_id}"),
                        Some(ours.clone()),
                        None,
                        created,
                        created,
                    ),
                };
            let date = |column: &str| -> Result<Option<Date>> {
                Ok(r.try_get::<Option<String>, _>(column)?
                    .and_then(|s| s.parse().ok()))
            };
            let (from, to) = (date("birth_from")?, date("birth_to")?);
            let (date_of_birth, age) = match (from, to) {
                (Some(f), Some(t)) if f <= t => {
                    let at = source_date.date();
                    let (min, max) = (age_years(t, at), age_years(f, at));
                    let age = (min >= 0).then_some(pfif::Age {
                        min: min as u32,
                        max: max as u32,
                    });
                    (ApproxDate::covering(f, t), age)
                }
                _ => (None, None),
            };
            let missing: Option<Date> = date("missing_date")?;
            let coordinates: Option<(f64, f64)> = r
                .try_get::<Option<f64>, _>("missing_lat")?
                .zip(r.try_get::<Option<f64>, _>("missing_lon")?);
            let location = coordinates.map(|(a, b)| format!("{}, {}", rounded(a), rounded(b)));
            let mut text = String::new();
            if let Some(d) = missing {
                text.push_str(&format!("Missing since {d}. "));
            }
            if let Some(l) = &location {
                text.push_str(&format!("Last seen near {l} (to about 10 km). "));
            }
            text.push_str(&format!(
                "The family looks for this child through the {ours}."
            ));
            let sex = PfifSex::of(Sex::named(&r.try_get::<String, _>("child_sex")?));
            doc.persons.push(Person {
                person_record_id: person_record_id.clone(),
                entry_date: Some(entry_date),
                source_name,
                source_date: Some(source_date),
                source_url,
                full_name: self
                    .open_column("cases", "child_name", &case_id, &r)?
                    .unwrap_or_default(),
                description: self.open_column("cases", "description", &case_id, &r)?,
                sex,
                date_of_birth,
                age,
                notes: vec![Note {
                    note_record_id: format!("{domain}/{case_id}.alert"),
                    person_record_id: Some(person_record_id),
                    entry_date: Some(created),
                    author_name: ours.clone(),
                    source_date: Some(created),
                    status: Some(NoteStatus::InformationSought),
                    last_known_location: location,
                    text,
                    ..Note::default()
                }],
                ..Person::default()
            });
        }
        let persons = doc.persons.len();
        let xml = pfif::write(&doc);
        let event = Event {
            actor,
            action: "pfif.export",
            target_type: "alerts",
            target_id: &domain,
            detail: format!("{persons} person records"),
        };
        self.audited(async |_| Ok(((), event))).await?;
        Ok(PfifExport {
            xml,
            persons,
            domain,
        })
    }

    /// Imports the person records of a PFIF 1.4 document as missing-child
    /// cases (see the module documentation), all or nothing. Audited.
    pub async fn import_pfif(&self, actor: &str, file: &str, text: &str) -> Result<ImportReport> {
        let doc = pfif::read(file, text)?;
        let domain = self.pfif_domain().await?;
        let now = now();
        let mut report = ImportReport::new(ImportKind::Pfif, file, doc.persons.len());
        let orphans = doc
            .notes
            .iter()
            .filter(|n| {
                !doc.persons
                    .iter()
                    .any(|p| n.person_record_id.as_deref() == Some(p.person_record_id.as_str()))
            })
            .count();
        let (mut expired, mut found) = (0, 0);
        let mut records = Vec::new();
        for p in &doc.persons {
            let notes: Vec<&Note> = p
                .notes
                .iter()
                .chain(
                    doc.notes
                        .iter()
                        .filter(|n| n.person_record_id.as_deref() == Some(&p.person_record_id)),
                )
                .collect();
            match incoming(file, p, &notes, now)? {
                Ok(r) => records.push(r),
                Err(Skip::Expired) => expired += 1,
                Err(Skip::FoundOrDead) => found += 1,
            }
        }
        let (mut updated, mut older, mut own) = (0, 0, 0);
        let mut updated_cases = Vec::new();
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        for r in &records {
            if pfif::record_domain(&r.id) == Some(DEFAULT_DOMAIN) {
                return Err(err(
                    file,
                    r.line,
                    "person_record_id",
                    format!(
                        "{} uses the placeholder domain {DEFAULT_DOMAIN}: the registry that wrote it has not set its own, so its records cannot be told apart from other registries' (reunite export pfif --domain ...)",
                        r.id
                    ),
                ));
            }
            if pfif::record_domain(&r.id) == Some(domain.as_str()) {
                let local = &r.id[domain.len() + 1..];
                let exists = sqlx::query("SELECT id FROM cases WHERE case_id = $1")
                    .bind(local)
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some();
                if !exists {
                    return Err(err(
                        file,
                        r.line,
                        "person_record_id",
                        format!(
                            "{} names this registry (domain {domain}) but no case {local} is registered here",
                            r.id
                        ),
                    ));
                }
                own += 1;
                report.unchanged += 1;
                continue;
            }
            let existing = sqlx::query(
                "SELECT p.case_ref, p.source_date, c.case_id FROM pfif_records p JOIN cases c ON c.id = p.case_ref
                 WHERE p.person_record_id = $1",
            )
            .bind(&r.id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(e) = existing else {
                self.insert_clone(&mut tx, file, r, now).await?;
                report.added += 1;
                continue;
            };
            let (case_ref, case_id): (i64, String) =
                (e.try_get("case_ref")?, e.try_get("case_id")?);
            let stored = stored_time(&e.try_get::<String, _>("source_date")?)?;
            if r.source_date < stored {
                older += 1;
                report.unchanged += 1;
            } else if r.source_date > stored {
                self.update_clone(&mut tx, case_ref, &case_id, r, now)
                    .await?;
                updated += 1;
                updated_cases.push(case_ref);
            } else if self.clone_fields(&mut tx, case_ref, &case_id).await? == r.fields {
                report.unchanged += 1;
            } else {
                return Err(err(
                    file,
                    r.line,
                    "source_date",
                    format!(
                        "{} was imported before with the same source_date {} and other content; a changed record needs a newer source_date",
                        r.id, r.source_date
                    ),
                ));
            }
        }
        for (n, what) in [
            (updated, "records updated (a newer source_date)"),
            (
                older,
                "records older than the version stored, left as they are",
            ),
            (own, "records of this registry itself, left as they are"),
            (expired, "records past their expiry_date, not imported"),
            (
                found,
                "people whose latest note says they are found or dead, not imported",
            ),
            (orphans, "notes about people not in the file, ignored"),
        ] {
            if n > 0 {
                report.notes.push(format!("{n} {what}"));
            }
        }
        let sha = hex::encode(Sha256::digest(text.as_bytes()));
        sqlx::query("INSERT INTO imports (kind, file_name, sha256, rows_added, actor, imported_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind("pfif")
            .bind(file)
            .bind(&sha)
            .bind((report.added + updated) as i64)
            .bind(actor)
            .bind(crate::audit::now_rfc3339())
            .execute(&mut *tx)
            .await?;
        append_audit(
            &mut tx,
            self.backend,
            Event {
                actor,
                action: "import.pfif",
                target_type: "file",
                target_id: &sha,
                detail: format!(
                    "{} cases added, {updated} updated, {} unchanged, {} not imported",
                    report.added,
                    report.unchanged,
                    expired + found
                ),
            },
        )
        .await?;
        // The new cases' names and the changed ones' are found by search.
        self.catch_up_terms(&mut tx).await?;
        let key = self.search_key();
        self.index_cases(&mut tx, &key, &updated_cases).await?;
        // A clone's new facts (its sex) change how its references are
        // compared, once a lab has typed them: searched again here.
        let (n, index) = self.rematch_in(&mut tx, actor, &updated_cases, &[]).await?;
        report.new_candidates = n;
        report.tell_same_dna(&index.same_dna);
        tx.commit().await?;
        index.committed();
        Ok(report)
    }

    async fn insert_clone(
        &self,
        conn: &mut AnyConnection,
        file: &str,
        r: &Incoming,
        now: UtcTime,
    ) -> Result<()> {
        let case_id = clone_case_id(&r.id);
        if sqlx::query("SELECT id FROM cases WHERE case_id = $1")
            .bind(&case_id)
            .fetch_optional(&mut *conn)
            .await?
            .is_some()
        {
            return Err(err(
                file,
                r.line,
                "person_record_id",
                format!("the case id {case_id} of {} is taken by another case", r.id),
            ));
        }
        let f = &r.fields;
        let case_ref: i64 = sqlx::query(
            "INSERT INTO cases (case_id, child_sex, birth_from, birth_to, missing_date, missing_lat, missing_lon,
             child_name, missing_place, description, status, public_alert, created_at)
             VALUES ($1, $2, $3, $4, $5, CASE WHEN $12 THEN $6 END, CASE WHEN $13 THEN $7 END, $8, $9, $10, 'open', 0, $11)
             RETURNING id",
        )
        .bind(&case_id)
        .bind(f.sex)
        .bind(&f.birth_from)
        .bind(&f.birth_to)
        .bind(&f.missing_date)
        .bind(crate::store::real(f.lat))
        .bind(crate::store::real(f.lon))
        .bind(self.seal("cases", "child_name", &case_id, f.child_name.as_deref()))
        .bind(self.seal("cases", "missing_place", &case_id, f.missing_place.as_deref()))
        .bind(self.seal("cases", "description", &case_id, f.description.as_deref()))
        .bind(crate::audit::now_rfc3339())
        .bind(f.lat.is_some())
        .bind(f.lon.is_some())
        .fetch_one(&mut *conn)
        .await?
        .try_get("id")?;
        sqlx::query(
            "INSERT INTO pfif_records (case_ref, person_record_id, source_name, source_url, source_date, entry_date)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(case_ref)
        .bind(&r.id)
        .bind(&f.source_name)
        .bind(&f.source_url)
        .bind(r.source_date.to_string())
        .bind(now.to_string())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    async fn update_clone(
        &self,
        conn: &mut AnyConnection,
        case_ref: i64,
        case_id: &str,
        r: &Incoming,
        now: UtcTime,
    ) -> Result<()> {
        let f = &r.fields;
        sqlx::query(
            "UPDATE cases SET child_sex = $1, birth_from = $2, birth_to = $3, missing_date = $4,
             missing_lat = CASE WHEN $11 THEN $5 END, missing_lon = CASE WHEN $12 THEN $6 END,
             child_name = $7, missing_place = $8, description = $9 WHERE id = $10",
        )
        .bind(f.sex)
        .bind(&f.birth_from)
        .bind(&f.birth_to)
        .bind(&f.missing_date)
        .bind(crate::store::real(f.lat))
        .bind(crate::store::real(f.lon))
        .bind(self.seal("cases", "child_name", case_id, f.child_name.as_deref()))
        .bind(self.seal(
            "cases",
            "missing_place",
            case_id,
            f.missing_place.as_deref(),
        ))
        .bind(self.seal("cases", "description", case_id, f.description.as_deref()))
        .bind(case_ref)
        .bind(f.lat.is_some())
        .bind(f.lon.is_some())
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "UPDATE pfif_records SET source_name = $1, source_url = $2, source_date = $3, entry_date = $4 WHERE case_ref = $5",
        )
        .bind(&f.source_name)
        .bind(&f.source_url)
        .bind(r.source_date.to_string())
        .bind(now.to_string())
        .bind(case_ref)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// The stored fields of an imported case, to compare with a record read again.
    async fn clone_fields(
        &self,
        conn: &mut AnyConnection,
        case_ref: i64,
        case_id: &str,
    ) -> Result<CaseFields> {
        let r = sqlx::query(
            "SELECT c.child_sex, c.birth_from, c.birth_to, c.missing_date, c.missing_lat, c.missing_lon,
                    c.child_name, c.missing_place, c.description, p.source_name, p.source_url
             FROM cases c JOIN pfif_records p ON p.case_ref = c.id WHERE c.id = $1",
        )
        .bind(case_ref)
        .fetch_one(&mut *conn)
        .await?;
        let sex = Sex::named(&r.try_get::<String, _>("child_sex")?).name();
        Ok(CaseFields {
            sex,
            birth_from: r.try_get("birth_from")?,
            birth_to: r.try_get("birth_to")?,
            missing_date: r.try_get("missing_date")?,
            lat: r.try_get("missing_lat")?,
            lon: r.try_get("missing_lon")?,
            child_name: self.open_column("cases", "child_name", case_id, &r)?,
            missing_place: self.open_column("cases", "missing_place", case_id, &r)?,
            description: self.open_column("cases", "description", case_id, &r)?,
            source_name: r.try_get("source_name")?,
            source_url: r.try_get("source_url")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn ages_and_birth_ranges_agree() {
        assert_eq!(age_years(d("2023-03-01"), d("2024-02-29")), 0);
        assert_eq!(age_years(d("2023-02-28"), d("2024-02-29")), 1);
        assert_eq!(
            birth_range_of_age(0, 0, d("2024-02-29")),
            (d("2023-03-01"), d("2024-02-29"))
        );
        assert_eq!(
            birth_range_of_age(1, 2, d("2025-06-15")),
            (d("2022-06-16"), d("2024-06-15"))
        );
        // Every day of a range has an age inside it, and the ends reach it.
        for (min, max, at) in [
            (0, 0, "2024-02-29"),
            (1, 3, "2025-01-01"),
            (2, 2, "2025-03-01"),
        ] {
            let (f, t) = birth_range_of_age(min, max, d(at));
            assert_eq!(age_years(t, d(at)), i64::from(min));
            assert_eq!(age_years(f, d(at)), i64::from(max));
            assert_eq!(
                age_years(Date::from_unix_days(f.unix_days() - 1), d(at)),
                i64::from(max) + 1
            );
        }
    }

    #[test]
    fn domains_coordinates_and_missing_dates() {
        assert!(valid_domain("registry.example.org"));
        assert!(valid_domain("localhost"));
        for bad in [
            "",
            "Registry.org",
            "a..b",
            "-a.org",
            "a_b.org",
            "a.org/x",
            "a.org:80",
        ] {
            assert!(!valid_domain(bad), "{bad}");
        }
        assert_eq!(parse_coordinates("10.5, -20.3"), Some((10.5, -20.3)));
        assert_eq!(parse_coordinates("91, 0"), None);
        assert_eq!(parse_coordinates("Riverton, North"), None);
        assert_eq!(
            missing_since("Missing since 2024-06-01. Last seen"),
            Some(d("2024-06-01"))
        );
        assert_eq!(missing_since("missing since 2024-06-01"), None);
        assert_eq!(rounded(-0.04), "0.0");
        assert_eq!(clone_case_id("a.example/1"), clone_case_id("a.example/1"));
        assert_ne!(clone_case_id("a.example/1"), clone_case_id("a.example/2"));
        assert_eq!(clone_case_id("a.example/1").len(), 21);
    }
}

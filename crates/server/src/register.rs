//! Registering one case, one relative or one found child through a form
//! (`/register`), for those who register them (case workers and
//! administrators: the roles of the kind's import). A form's fields are the
//! columns of the kind's CSV file, so a registration is that file with one
//! row, written by the `csv` crate and imported by the same code as a
//! file: the same checks, the same refusals naming the field, the same
//! transaction, search and audit. A refused form is shown again with what
//! was typed and the reason above it.
//!
//! The same forms edit what is registered (`/cases/{case_id}/edit`,
//! `/found/{found_id}/edit`, `/cases/{case_id}/references/{sample_name}/edit`):
//! filled with the stored details, the row's key and links read-only, and
//! sent to the registry's edit (`registry::edit`: the kind's reader, the
//! row updated with its terms, searched again, audited).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use registry::ImportKind;

use crate::api::{ImportOptions, User, run_import};
use crate::pages::{Nav, PageResult, check_csrf, parse_form, render};
use crate::{AppError, Lang, Shared, words};

/// How a field is typed in.
pub enum Input {
    Text,
    /// Free text over several lines.
    Long,
    Date,
    /// A decimal number (a coordinate).
    Number,
    /// One of these (code, words).
    Choice(Vec<(String, String)>),
}

/// One field of a form: its CSV column, its label, how it is typed in.
pub struct Field {
    pub name: &'static str,
    pub label: String,
    pub input: Input,
    pub required: bool,
}

fn field(name: &'static str, label: String, input: Input, required: bool) -> Field {
    Field {
        name,
        label,
        input,
        required,
    }
}

fn sexes(lang: Lang) -> Input {
    Input::Choice(
        ["male", "female", "unknown"]
            .into_iter()
            .map(|s| (s.to_string(), words::sex(lang, s)))
            .collect(),
    )
}

/// The forms in a language: (the kind, its heading, its fields in the
/// order of its CSV columns).
fn forms(lang: Lang) -> Vec<(ImportKind, String, Vec<Field>)> {
    use Input::*;
    vec![
        (
            ImportKind::Cases,
            lang.t("register-form-cases"),
            vec![
                field("case_id", lang.t("register-case-id"), Text, true),
                field("child_name", lang.t("register-child-name"), Text, false),
                field("child_sex", lang.t("register-sex"), sexes(lang), true),
                field(
                    "child_birth_date_from",
                    lang.t("register-born-from"),
                    Date,
                    false,
                ),
                field(
                    "child_birth_date_to",
                    lang.t("register-born-to"),
                    Date,
                    false,
                ),
                field("missing_date", lang.t("register-missing-date"), Date, false),
                field(
                    "missing_place",
                    lang.t("register-missing-place"),
                    Text,
                    false,
                ),
                field("missing_lat", lang.t("register-lat"), Number, false),
                field("missing_lon", lang.t("register-lon"), Number, false),
                field(
                    "description",
                    lang.t("register-case-description"),
                    Long,
                    false,
                ),
            ],
        ),
        (
            ImportKind::References,
            lang.t("register-form-references"),
            vec![
                field("sample_name", lang.t("register-sample-name"), Text, true),
                field("case_id", lang.t("register-case-id"), Text, true),
                field(
                    "relationship",
                    lang.t("register-relationship"),
                    Choice(
                        kinship::Relative::ALL
                            .into_iter()
                            .map(|r| (r.name().to_string(), words::relationship(lang, r.name())))
                            .collect(),
                    ),
                    true,
                ),
                field("person_name", lang.t("register-person-name"), Text, false),
                field("sex", lang.t("register-sex"), sexes(lang), false),
            ],
        ),
        (
            ImportKind::Found,
            lang.t("register-form-found"),
            vec![
                field("sample_name", lang.t("register-sample-name"), Text, true),
                field("found_id", lang.t("register-found-id"), Text, true),
                field("sex", lang.t("register-sex"), sexes(lang), true),
                field("age_min_days", lang.t("register-age-min"), Number, false),
                field("age_max_days", lang.t("register-age-max"), Number, false),
                field("found_date", lang.t("register-found-date"), Date, false),
                field("found_place", lang.t("register-found-place"), Text, false),
                field("found_lat", lang.t("register-lat"), Number, false),
                field("found_lon", lang.t("register-lon"), Number, false),
                field("institution", lang.t("register-institution"), Text, false),
                field("description", lang.t("register-description"), Long, false),
            ],
        ),
    ]
}

/// An edit form: where it posts, its heading, the fields that cannot
/// change, and the page it came from.
struct Editing {
    action: String,
    heading: String,
    fixed: &'static [&'static str],
    back: String,
}

impl Editing {
    fn is_fixed(&self, name: &str) -> bool {
        self.fixed.contains(&name)
    }
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterTemplate {
    nav: Nav,
    forms: Vec<(ImportKind, String, Vec<Field>)>,
    /// The kind of the form filled, its values (typed, or stored for an
    /// edit), and why it was refused.
    sent: Option<(ImportKind, HashMap<String, String>, Option<String>)>,
    /// An edit of what is registered, not a registration.
    editing: Option<Editing>,
}

impl RegisterTemplate {
    /// What was typed in a field of a form sent back, or is stored.
    fn value(&self, kind: &ImportKind, name: &str) -> &str {
        match &self.sent {
            Some((k, form, _)) if k == kind => form.get(name).map_or("", String::as_str),
            _ => "",
        }
    }

    fn refused(&self, kind: &ImportKind) -> Option<&str> {
        match &self.sent {
            Some((k, _, why)) if k == kind => why.as_deref(),
            _ => None,
        }
    }

    /// A field of an edit that cannot change.
    fn fixed(&self, name: &str) -> bool {
        self.editing.as_ref().is_some_and(|e| e.is_fixed(name))
    }
}

/// The kinds a role registers here.
fn allowed(kind: ImportKind, role: registry::Role) -> bool {
    kind.roles().contains(&role)
}

/// The routes of the forms.
pub fn router() -> axum::Router<Shared> {
    use axum::routing::get;
    axum::Router::new()
        .route("/register", get(register_page).post(register_submit))
        .route("/cases/{case_id}/edit", get(edit_case_page).post(edit_case))
        .route(
            "/found/{found_id}/edit",
            get(edit_found_page).post(edit_found),
        )
        .route(
            "/cases/{case_id}/references/{sample_name}/edit",
            get(edit_reference_page).post(edit_reference),
        )
}

pub async fn register_page(User(a): User, lang: Lang) -> PageResult {
    let forms = forms(lang)
        .into_iter()
        .filter(|(k, _, _)| allowed(*k, a.user.role))
        .collect();
    Ok(render(&RegisterTemplate {
        nav: Nav::of(Some(&a), lang),
        forms,
        sent: None,
        editing: None,
    }))
}

/// The form's fields as the kind's CSV file of one row.
fn one_row_file(fields: &[Field], form: &HashMap<String, String>) -> Result<String, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let failed = || {
        AppError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the form could not be written",
        )
    };
    out.write_record(fields.iter().map(|f| f.name))
        .map_err(|_| failed())?;
    out.write_record(
        fields
            .iter()
            .map(|f| form.get(f.name).map_or("", |v| v.trim())),
    )
    .map_err(|_| failed())?;
    let bytes = out.into_inner().map_err(|_| failed())?;
    String::from_utf8(bytes).map_err(|_| failed())
}

pub async fn register_submit(
    State(state): State<Shared>,
    User(a): User,
    lang: Lang,
    body: axum::body::Bytes,
) -> PageResult {
    let form = parse_form(&body);
    check_csrf(&a, form.get("csrf"))?;
    let kind = form
        .get("kind")
        .and_then(|k| ImportKind::parse(k))
        .filter(|k| {
            matches!(
                k,
                ImportKind::Cases | ImportKind::References | ImportKind::Found
            )
        })
        .ok_or_else(|| {
            AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang.t("register-unknown-form"),
            )
        })?;
    if !allowed(kind, a.user.role) {
        return Err(AppError::forbidden().into());
    }
    let all = forms(lang);
    let fields = &all
        .iter()
        .find(|(k, _, _)| *k == kind)
        .expect("every kind has its form")
        .2;
    let text = one_row_file(fields, &form)?;
    let options = ImportOptions {
        file: Some("registration form".into()),
        name: None,
        population: None,
        activate: false,
        lab: None,
        kit: None,
    };
    match run_import(&state, &a.user.username, kind, text, options).await {
        Ok(_) => {
            let (page, id) = match kind {
                ImportKind::Found => ("found", "found_id"),
                _ => ("cases", "case_id"),
            };
            let id = form.get(id).map_or("", |v| v.trim());
            let to = format!("/{page}/{}", crate::api::encode(id));
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let forms = all
                .into_iter()
                .filter(|(k, _, _)| allowed(*k, a.user.role))
                .collect();
            let mut res = render(&RegisterTemplate {
                nav: Nav::of(Some(&a), lang),
                forms,
                sent: Some((kind, form, Some(e.message))),
                editing: None,
            });
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

// ---- edits

/// The form of a kind, in a language.
fn form_of(kind: ImportKind, lang: Lang) -> (ImportKind, String, Vec<Field>) {
    forms(lang)
        .into_iter()
        .find(|(k, _, _)| *k == kind)
        .expect("every kind has its form")
}

/// A number as a form shows it.
fn number<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The values of a form, by column.
fn values(pairs: &[(&str, Option<String>)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone().unwrap_or_default()))
        .collect()
}

/// The edit form of a kind, filled with `values`, refused for `why`.
fn edit_form(
    a: &crate::Auth,
    lang: Lang,
    kind: ImportKind,
    editing: Editing,
    values: HashMap<String, String>,
    why: Option<String>,
) -> axum::response::Response {
    let refused = why.is_some();
    let mut res = render(&RegisterTemplate {
        nav: Nav::of(Some(a), lang),
        forms: vec![form_of(kind, lang)],
        sent: Some((kind, values, why)),
        editing: Some(editing),
    });
    if refused {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

/// Sends an edit form to the registry: the form as the kind's file of one
/// row, the row's key taken from the address; the page it came from on
/// success, the form again with the reason on a refusal.
async fn send_edit(
    state: &Shared,
    a: &crate::Auth,
    lang: Lang,
    kind: ImportKind,
    editing: Editing,
    keys: &[(&str, &str)],
    body: &[u8],
) -> PageResult {
    let mut form = parse_form(body);
    check_csrf(a, form.get("csrf"))?;
    if !allowed(kind, a.user.role) {
        return Err(AppError::forbidden().into());
    }
    // Every field of the form comes back, empty or not: a request without
    // them (not the form) must not wipe what is stored.
    let fields = form_of(kind, lang).2;
    if let Some(missing) = fields
        .iter()
        .find(|f| !form.contains_key(f.name) && !keys.iter().any(|(k, _)| *k == f.name))
    {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang.t1("register-edit-incomplete", "field", missing.name),
        )
        .into());
    }
    for (k, v) in keys {
        form.insert(k.to_string(), v.to_string());
    }
    let text = one_row_file(&fields, &form)?;
    let registry = &state.registry;
    let who = &a.user.username;
    let done = match kind {
        ImportKind::Cases => registry.edit_case(who, "edit form", &text).await,
        ImportKind::Found => registry.edit_found(who, "edit form", &text).await,
        _ => registry.edit_reference(who, "edit form", &text).await,
    };
    match done.map_err(AppError::from) {
        Ok(_) => Ok(Redirect::to(&editing.back).into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            Ok(edit_form(a, lang, kind, editing, form, Some(e.message)))
        }
        Err(e) => Err(e.into()),
    }
}

fn case_editing(lang: Lang, case_id: &str) -> Editing {
    let at = format!("/cases/{}", crate::api::encode(case_id));
    Editing {
        action: format!("{at}/edit"),
        heading: lang.t1("register-edit-case", "id", case_id),
        fixed: &["case_id"],
        back: at,
    }
}

async fn edit_case_page(
    State(state): State<Shared>,
    User(a): User,
    lang: Lang,
    Path(case_id): Path<String>,
) -> PageResult {
    let c = state
        .registry
        .case_page(&a.user.username, &case_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let f = &c.facts;
    let stored = values(&[
        ("case_id", Some(c.case_id.clone())),
        ("child_name", c.child_name.clone()),
        ("child_sex", f.sex.clone()),
        ("child_birth_date_from", f.birth_from.clone()),
        ("child_birth_date_to", f.birth_to.clone()),
        ("missing_date", f.missing_date.clone()),
        ("missing_place", c.missing_place.clone()),
        ("missing_lat", Some(number(f.lat))),
        ("missing_lon", Some(number(f.lon))),
        ("description", c.description.clone()),
    ]);
    let editing = case_editing(lang, &c.case_id);
    Ok(edit_form(
        &a,
        lang,
        ImportKind::Cases,
        editing,
        stored,
        None,
    ))
}

async fn edit_case(
    State(state): State<Shared>,
    User(a): User,
    lang: Lang,
    Path(case_id): Path<String>,
    body: axum::body::Bytes,
) -> PageResult {
    let editing = case_editing(lang, &case_id);
    let keys = [("case_id", case_id.as_str())];
    send_edit(&state, &a, lang, ImportKind::Cases, editing, &keys, &body).await
}

fn found_editing(lang: Lang, found_id: &str) -> Editing {
    let at = format!("/found/{}", crate::api::encode(found_id));
    Editing {
        action: format!("{at}/edit"),
        heading: lang.t1("register-edit-found", "id", found_id),
        fixed: &["found_id", "sample_name"],
        back: at,
    }
}

async fn edit_found_page(
    State(state): State<Shared>,
    User(a): User,
    lang: Lang,
    Path(found_id): Path<String>,
) -> PageResult {
    let c = state
        .registry
        .found_page(&a.user.username, &found_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let f = &c.facts;
    let stored = values(&[
        ("sample_name", Some(c.sample_name.clone())),
        ("found_id", Some(c.found_id.clone())),
        ("sex", f.sex.clone()),
        ("age_min_days", Some(number(f.age_min_days))),
        ("age_max_days", Some(number(f.age_max_days))),
        ("found_date", f.found_date.clone()),
        ("found_place", c.found_place.clone()),
        ("found_lat", Some(number(f.lat))),
        ("found_lon", Some(number(f.lon))),
        ("institution", c.institution.clone()),
        ("description", c.description.clone()),
    ]);
    let editing = found_editing(lang, &c.found_id);
    Ok(edit_form(
        &a,
        lang,
        ImportKind::Found,
        editing,
        stored,
        None,
    ))
}

async fn edit_found(
    State(state): State<Shared>,
    User(a): User,
    lang: Lang,
    Path(found_id): Path<String>,
    body: axum::body::Bytes,
) -> PageResult {
    let editing = found_editing(lang, &found_id);
    // The sample stays the stored one (the registry refuses another).
    let sample = state
        .registry
        .found_page(&a.user.username, &found_id)
        .await?
        .ok_or_else(AppError::not_found)?
        .sample_name;
    let keys = [
        ("found_id", found_id.as_str()),
        ("sample_name", sample.as_str()),
    ];
    send_edit(&state, &a, lang, ImportKind::Found, editing, &keys, &body).await
}

fn reference_editing(lang: Lang, case_id: &str, sample: &str) -> Editing {
    let at = format!("/cases/{}", crate::api::encode(case_id));
    Editing {
        action: format!("{at}/references/{}/edit", crate::api::encode(sample)),
        heading: lang.t2("register-edit-reference", "sample", sample, "id", case_id),
        fixed: &["sample_name", "case_id"],
        back: at,
    }
}

async fn edit_reference_page(
    State(state): State<Shared>,
    User(a): User,
    lang: Lang,
    Path((case_id, sample)): Path<(String, String)>,
) -> PageResult {
    let c = state
        .registry
        .case_page(&a.user.username, &case_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let r = c
        .references
        .iter()
        .find(|r| r.sample_name == sample)
        .ok_or_else(AppError::not_found)?;
    let stored = values(&[
        ("sample_name", Some(r.sample_name.clone())),
        ("case_id", Some(c.case_id.clone())),
        ("relationship", Some(r.relationship.clone())),
        ("person_name", r.person_name.clone()),
        ("sex", Some(r.sex.clone())),
    ]);
    let editing = reference_editing(lang, &c.case_id, &r.sample_name);
    Ok(edit_form(
        &a,
        lang,
        ImportKind::References,
        editing,
        stored,
        None,
    ))
}

async fn edit_reference(
    State(state): State<Shared>,
    User(a): User,
    lang: Lang,
    Path((case_id, sample)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> PageResult {
    let editing = reference_editing(lang, &case_id, &sample);
    let keys = [
        ("case_id", case_id.as_str()),
        ("sample_name", sample.as_str()),
    ];
    send_edit(
        &state,
        &a,
        lang,
        ImportKind::References,
        editing,
        &keys,
        &body,
    )
    .await
}

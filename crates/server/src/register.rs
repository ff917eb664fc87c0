//! Registering one case, one relative or one found child through a form
//! (`/register`), for those who register them (case workers and
//! administrators: the roles of the kind's import). A form's fields are the
//! columns of the kind's CSV file, so a registration is that file with one
//! row, written by the `csv` crate and imported by the same code as a
//! file: the same checks, the same refusals naming the field, the same
//! transaction, search and audit. A refused form is shown again with what
//! was typed and the reason above it.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
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

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterTemplate {
    nav: Nav,
    forms: Vec<(ImportKind, String, Vec<Field>)>,
    /// The kind of the form sent, what was typed, and why it was refused.
    sent: Option<(ImportKind, HashMap<String, String>, String)>,
}

impl RegisterTemplate {
    /// What was typed in a field of a form sent back.
    fn value(&self, kind: &ImportKind, name: &str) -> &str {
        match &self.sent {
            Some((k, form, _)) if k == kind => form.get(name).map_or("", String::as_str),
            _ => "",
        }
    }

    fn refused(&self, kind: &ImportKind) -> Option<&str> {
        match &self.sent {
            Some((k, _, why)) if k == kind => Some(why),
            _ => None,
        }
    }
}

/// The kinds a role registers here.
fn allowed(kind: ImportKind, role: registry::Role) -> bool {
    kind.roles().contains(&role)
}

/// The routes of the forms.
pub fn router() -> axum::Router<Shared> {
    axum::Router::new().route(
        "/register",
        axum::routing::get(register_page).post(register_submit),
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
                sent: Some((kind, form, e.message)),
            });
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

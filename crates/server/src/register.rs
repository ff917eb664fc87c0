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
use crate::{AppError, Shared, words};

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
    pub label: &'static str,
    pub input: Input,
    pub required: bool,
}

fn field(name: &'static str, label: &'static str, input: Input, required: bool) -> Field {
    Field {
        name,
        label,
        input,
        required,
    }
}

fn sexes() -> Input {
    Input::Choice(
        ["male", "female", "unknown"]
            .into_iter()
            .map(|s| (s.to_string(), words::sex(s)))
            .collect(),
    )
}

/// The forms: (the kind, its heading, its fields in the order of its CSV
/// columns).
fn forms() -> Vec<(ImportKind, &'static str, Vec<Field>)> {
    use Input::*;
    vec![
        (
            ImportKind::Cases,
            "A missing child · 失踪儿童",
            vec![
                field("case_id", "Case number · 案件编号", Text, true),
                field("child_name", "Child's name · 儿童姓名", Text, false),
                field("child_sex", "Sex · 性别", sexes(), true),
                field(
                    "child_birth_date_from",
                    "Born on or after · 出生日期（最早）",
                    Date,
                    false,
                ),
                field(
                    "child_birth_date_to",
                    "Born on or before (the same day when known) · 出生日期（最晚，已知时同上）",
                    Date,
                    false,
                ),
                field("missing_date", "Missing since · 失踪日期", Date, false),
                field(
                    "missing_place",
                    "Missing from (place) · 失踪地点",
                    Text,
                    false,
                ),
                field("missing_lat", "Latitude · 纬度", Number, false),
                field("missing_lon", "Longitude · 经度", Number, false),
                field(
                    "description",
                    "Description (marks, clothes, words the child says) · 特征描述",
                    Long,
                    false,
                ),
            ],
        ),
        (
            ImportKind::References,
            "A relative who gives DNA · 提供DNA的亲属",
            vec![
                field(
                    "sample_name",
                    "Sample name (as the lab will name it) · 样本名称（与实验室一致）",
                    Text,
                    true,
                ),
                field("case_id", "Case number · 案件编号", Text, true),
                field(
                    "relationship",
                    "Relationship to the missing child · 与失踪儿童的关系",
                    Choice(
                        kinship::Relative::ALL
                            .into_iter()
                            .map(|r| (r.name().to_string(), words::relationship(r.name())))
                            .collect(),
                    ),
                    true,
                ),
                field("person_name", "Name · 姓名", Text, false),
                field("sex", "Sex · 性别", sexes(), false),
            ],
        ),
        (
            ImportKind::Found,
            "A found child · 被找到的儿童",
            vec![
                field(
                    "sample_name",
                    "Sample name (as the lab will name it) · 样本名称（与实验室一致）",
                    Text,
                    true,
                ),
                field("found_id", "Child's number · 儿童编号", Text, true),
                field("sex", "Sex · 性别", sexes(), true),
                field(
                    "age_min_days",
                    "Estimated age, at least (days) · 估计年龄下限（天）",
                    Number,
                    false,
                ),
                field(
                    "age_max_days",
                    "Estimated age, at most (days) · 估计年龄上限（天）",
                    Number,
                    false,
                ),
                field("found_date", "Found on · 被找到日期", Date, false),
                field("found_place", "Found at (place) · 被找到地点", Text, false),
                field("found_lat", "Latitude · 纬度", Number, false),
                field("found_lon", "Longitude · 经度", Number, false),
                field(
                    "institution",
                    "Institution caring for the child · 照料机构",
                    Text,
                    false,
                ),
                field("description", "Description · 特征描述", Long, false),
            ],
        ),
    ]
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterTemplate {
    nav: Nav,
    forms: Vec<(ImportKind, &'static str, Vec<Field>)>,
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

pub async fn register_page(User(a): User) -> PageResult {
    let forms = forms()
        .into_iter()
        .filter(|(k, _, _)| allowed(*k, a.user.role))
        .collect();
    Ok(render(&RegisterTemplate {
        nav: Nav::of(Some(&a)),
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
                "unknown form · 未知的表单",
            )
        })?;
    if !allowed(kind, a.user.role) {
        return Err(AppError::forbidden().into());
    }
    let all = forms();
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
                nav: Nav::of(Some(&a)),
                forms,
                sent: Some((kind, form, e.message)),
            });
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

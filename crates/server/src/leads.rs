//! Paternal-line leads (the registry's `lineage.rs`): the page `/leads`,
//! apart from the identifications, worded as leads (a Y match cannot say
//! which man of a father's family a boy descends from), with the review of
//! a lead (family contacted, autosomal test asked for, outcome); and the
//! same under `/api/v1/lineage-leads`.

use askama::Template;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use registry::{LeadStatus, LineageLead, Role};
use serde::Deserialize;
use serde_json::json;

use crate::api::User;
use crate::i18n::Lang;
use crate::pages::{Nav, PageResult, check_csrf, parse_form, render};
use crate::{AppError, Shared, words};

/// The leads' page and API routes, merged beside the pages'.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/leads", get(leads_page))
        .route("/leads/{id}/status", post(status_submit))
        .route("/api/v1/lineage-leads", get(api_leads))
        .route("/api/v1/lineage-leads/{id}/status", post(api_status))
}

/// A lead as the page says it.
pub struct LeadView {
    pub lead: LineageLead,
    /// "His Y chromosome matches the missing boy's paternal uncle ...".
    pub conclusion: String,
    /// Where they differ, in words.
    pub differing: String,
    /// The LR in numbers and words, when a haplotype database gave one.
    pub strength: Option<(String, String)>,
    /// How the LR was computed, or why there is none.
    pub method: String,
    pub status: String,
    /// The statuses a case worker may move it to: (code, button).
    pub next: Vec<(&'static str, String)>,
}

/// A lead's status in words.
pub fn status_words(lang: Lang, s: LeadStatus) -> String {
    lang.t(match s {
        LeadStatus::New => "leads-status-new",
        LeadStatus::FamilyContacted => "leads-status-family-contacted",
        LeadStatus::AutosomalRequested => "leads-status-autosomal-requested",
        LeadStatus::Confirmed => "leads-status-confirmed",
        LeadStatus::RuledOut => "leads-status-ruled-out",
    })
}

/// The button that moves a lead to `s`.
fn action_words(lang: Lang, s: LeadStatus) -> String {
    lang.t(match s {
        LeadStatus::New => "leads-status-new",
        LeadStatus::FamilyContacted => "leads-do-family-contacted",
        LeadStatus::AutosomalRequested => "leads-do-autosomal-requested",
        LeadStatus::Confirmed => "leads-do-confirmed",
        LeadStatus::RuledOut => "leads-do-ruled-out",
    })
}

fn view(lang: Lang, lead: LineageLead, reviewer: bool) -> LeadView {
    let differs = lead.differing.len() as i64;
    let conclusion = lang.ta(
        "leads-conclusion",
        &[
            ("relative", &words::relationship(lang, &lead.relationship)),
            ("sample", &lead.reference_sample),
            ("same", &(lead.compared - differs)),
            ("compared", &lead.compared),
        ],
    );
    let differing = if lead.differing.is_empty() {
        lang.t("leads-differing-none")
    } else {
        lang.ta(
            "leads-differing",
            &[("n", &differs), ("loci", &lead.differing.join(", "))],
        )
    };
    let strength = lead.lr.zip(lead.log10_lr).map(|(lr, log10)| {
        (
            lang.ta(
                "leads-lr",
                &[
                    ("lr", &words::lr(lang, lr, log10)),
                    ("meioses", &lead.meioses),
                ],
            ),
            words::enfsi(lang, lr),
        )
    });
    let method = match &lead.database {
        Some(db) => lang.ta(
            "leads-method",
            &[("method", &lead.method), ("database", db)],
        ),
        None => lang.t("leads-no-database"),
    };
    let status = LeadStatus::parse(&lead.status).unwrap_or(LeadStatus::New);
    let next = match reviewer {
        true => status
            .next()
            .iter()
            .map(|s| (s.name(), action_words(lang, *s)))
            .collect(),
        false => Vec::new(),
    };
    LeadView {
        conclusion,
        differing,
        strength,
        method,
        status: status_words(lang, status),
        next,
        lead,
    }
}

#[derive(Template)]
#[template(path = "leads.html")]
struct LeadsTemplate {
    nav: Nav,
    leads: Vec<LeadView>,
}

/// Every paternal-line lead, the strongest first (an audited read).
async fn leads_page(State(state): State<Shared>, User(a): User, lang: Lang) -> PageResult {
    let reviewer = a.user.role == Role::Caseworker;
    let leads = state
        .registry
        .lineage_leads(&a.user.username)
        .await?
        .into_iter()
        .map(|l| view(lang, l, reviewer))
        .collect();
    Ok(render(&LeadsTemplate {
        nav: Nav::of(Some(&a), lang),
        leads,
    }))
}

/// A status from a form or a body, or 422 naming the statuses.
fn parse_status(sent: Option<&str>) -> Result<LeadStatus, AppError> {
    sent.and_then(LeadStatus::parse).ok_or_else(|| {
        let names: Vec<&str> = LeadStatus::ALL.iter().map(|s| s.name()).collect();
        AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("status is one of {}", names.join(", ")),
        )
    })
}

/// A lead's review step from its page's form; back to the leads.
async fn status_submit(
    State(state): State<Shared>,
    User(a): User,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let form = parse_form(&body);
    check_csrf(&a, form.get("csrf"))?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    let to = parse_status(form.get("status").map(String::as_str))?;
    state
        .registry
        .set_lead_status(&a.user.username, id, to)
        .await?;
    Ok((
        StatusCode::SEE_OTHER,
        [(header::LOCATION, format!("/leads#lead-{id}"))],
    )
        .into_response())
}

/// The leads as JSON (an audited read).
async fn api_leads(State(state): State<Shared>, User(a): User) -> Result<Response, AppError> {
    let leads = state.registry.lineage_leads(&a.user.username).await?;
    Ok(Json(leads).into_response())
}

#[derive(Deserialize)]
struct StatusBody {
    status: Option<String>,
}

/// A lead's review step: `{"status": ...}`; 409 when its status now does
/// not allow it.
async fn api_status(
    State(state): State<Shared>,
    User(a): User,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    let body: StatusBody = serde_json::from_slice(&body).map_err(|_| {
        AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "expected {\"status\": ...}",
        )
    })?;
    let to = parse_status(body.status.as_deref())?;
    let status = state
        .registry
        .set_lead_status(&a.user.username, id, to)
        .await?;
    Ok(Json(json!({"id": id, "status": status.name()})).into_response())
}

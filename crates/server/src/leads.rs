//! Paternal-line leads (the registry's `lineage.rs`): the page `/leads`,
//! apart from the identifications, worded as leads (a Y match cannot say
//! which man of a father's family a boy descends from), with the review of
//! a lead (family contacted, autosomal test asked for, outcome); and the
//! same under `/api/v1/lineage-leads`. Below them, on the same page, the
//! leads from clan volunteers (the registry's `volunteers.rs`): his clan's
//! surname and ancestral place, the cases his clan knows of, the LR for each
//! number of generations and the likeliest; the same under
//! `/api/v1/volunteer-leads`.

use askama::Template;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use registry::{LeadKind, LeadStatus, LineageLead, Role, VolunteerLead};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

use crate::api::{User, page_params, page_response};
use crate::i18n::Lang;
use crate::pages::{Nav, PageResult, Pager, check_csrf, parse_form, render};
use crate::{AppError, Shared, words};

/// The leads' page and API routes, merged beside the pages'.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/leads", get(leads_page))
        .route("/leads/{id}/status", post(status_submit))
        .route(
            "/leads/volunteer/{id}/status",
            post(volunteer_status_submit),
        )
        .route("/api/v1/lineage-leads", get(api_leads))
        .route("/api/v1/lineage-leads/{id}/status", post(api_status))
        .route("/api/v1/volunteer-leads", get(api_volunteer_leads))
        .route(
            "/api/v1/volunteer-leads/{id}/status",
            post(api_volunteer_status),
        )
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
    /// Where the family's autosomal DNA made a candidate of the same boy:
    /// its LR in a sentence, and the two together with their ENFSI words.
    pub together: Option<(String, String, String)>,
    /// How the LR was computed, or why there is none.
    pub method: String,
    pub status: String,
    /// The statuses a case worker may move it to: (code, button).
    pub next: Vec<(&'static str, String)>,
}

/// A family lead's autosomal candidate in a sentence, and the Y and
/// autosomal LRs together (they multiply) with their ENFSI words.
fn together(lang: Lang, lead: &LineageLead) -> Option<(String, String, String)> {
    let auto = lead.autosomal_log10_lr?;
    let id = lead.candidate_id?;
    let auto_words = lang.ta(
        "leads-autosomal",
        &[
            ("lr", &words::lr(lang, 10f64.powf(auto), auto)),
            ("id", &id),
        ],
    );
    let both = lead.combined_log10_lr?;
    let lr = 10f64.powf(both);
    Some((
        auto_words,
        lang.ta("leads-together", &[("lr", &words::lr(lang, lr, both))]),
        words::enfsi(lang, lr),
    ))
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
    let differing = differing_words(lang, &lead.differing);
    let conclusion = lang.ta(
        "leads-conclusion",
        &[
            ("relative", &words::relationship(lang, &lead.relationship)),
            ("sample", &lead.reference_sample),
            ("same", &(lead.compared - differs)),
            ("compared", &lead.compared),
        ],
    );
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
    let method = method_words(lang, &lead.method, lead.database.as_ref());
    let (status, next) = review(lang, LeadKind::Family, &lead.status, reviewer);
    LeadView {
        conclusion,
        differing,
        strength,
        together: together(lang, &lead),
        method,
        status,
        next,
        lead,
    }
}

/// A clan volunteer lead as the page says it.
pub struct VolunteerLeadView {
    pub lead: VolunteerLead,
    /// "His Y chromosome matches that of a volunteer of the Li clan ...".
    pub conclusion: String,
    pub differing: String,
    /// The LR at the likeliest number of generations, in numbers and words.
    pub strength: Option<(String, String)>,
    /// (generations, LR in words, whether the likeliest) for each number
    /// of generations.
    pub by_generation: Vec<(usize, String, bool)>,
    pub method: String,
    pub status: String,
    pub next: Vec<(&'static str, String)>,
}

/// Where a lead's review stands in words, and the buttons a case worker
/// may press. A volunteer's lead contacts his clan, not a family.
fn review(
    lang: Lang,
    kind: LeadKind,
    status: &str,
    reviewer: bool,
) -> (String, Vec<(&'static str, String)>) {
    let status = LeadStatus::parse(status).unwrap_or(LeadStatus::New);
    let clan = kind == LeadKind::Volunteer;
    let contacted = |id: &str| (status == LeadStatus::FamilyContacted).then(|| lang.t(id));
    let words = match clan {
        true => contacted("leads-volunteer-status-contacted"),
        false => None,
    }
    .unwrap_or_else(|| status_words(lang, status));
    let next = match reviewer {
        true => status
            .next()
            .iter()
            .map(|&s| {
                let button = match (clan, s) {
                    (true, LeadStatus::FamilyContacted) => lang.t("leads-volunteer-do-contacted"),
                    _ => action_words(lang, s),
                };
                (s.name(), button)
            })
            .collect(),
        false => Vec::new(),
    };
    (words, next)
}

/// Where a man and a boy differ, in words.
fn differing_words(lang: Lang, differing: &[String]) -> String {
    if differing.is_empty() {
        lang.t("leads-differing-none")
    } else {
        lang.ta(
            "leads-differing",
            &[
                ("n", &(differing.len() as i64)),
                ("loci", &differing.join(", ")),
            ],
        )
    }
}

/// How an LR was computed, or why there is none.
fn method_words(lang: Lang, method: &str, database: Option<&String>) -> String {
    match database {
        Some(db) => lang.ta("leads-method", &[("method", &method), ("database", db)]),
        None => lang.t("leads-no-database"),
    }
}

fn volunteer_view(lang: Lang, lead: VolunteerLead, reviewer: bool) -> VolunteerLeadView {
    let same = lead.compared - lead.differing.len() as i64;
    let conclusion = lang.ta(
        "leads-volunteer-conclusion",
        &[
            ("surname", &lead.surname),
            ("place", &lead.ancestral_place),
            ("sample", &lead.volunteer_sample),
            ("same", &same),
            ("compared", &lead.compared),
        ],
    );
    let strength =
        lead.lr
            .zip(lead.log10_lr)
            .zip(lead.likeliest_meioses)
            .map(|((lr, log10), n)| {
                (
                    lang.ta(
                        "leads-volunteer-lr",
                        &[("lr", &words::lr(lang, lr, log10)), ("meioses", &n)],
                    ),
                    words::enfsi(lang, lr),
                )
            });
    let by_generation = lead
        .lrs
        .iter()
        .enumerate()
        .map(|(i, &lr)| {
            let n = i + 1;
            let best = lead.likeliest_meioses == Some(n as i64);
            (n, words::lr(lang, lr, lr.log10()), best)
        })
        .collect();
    let (status, next) = review(lang, LeadKind::Volunteer, &lead.status, reviewer);
    VolunteerLeadView {
        conclusion,
        differing: differing_words(lang, &lead.differing),
        strength,
        by_generation,
        method: method_words(lang, &lead.method, lead.database.as_ref()),
        status,
        next,
        lead,
    }
}

#[derive(Template)]
#[template(path = "leads.html")]
struct LeadsTemplate {
    nav: Nav,
    leads: Vec<LeadView>,
    leads_pager: Pager,
    volunteer_leads: Vec<VolunteerLeadView>,
    volunteer_pager: Pager,
    /// The filter's links: (href, words, whether it is the one shown).
    filters: Vec<(String, String, bool)>,
    /// The page's own query (the status shown as `shown`, both cursors),
    /// as hidden fields of its forms, to come back to the same page.
    back: Vec<(&'static str, String)>,
}

/// Leads a section of `/leads` shows at a time.
pub const LEADS_PER_PAGE: i64 = 20;

/// The query of `/leads` (and of its forms' way back): the status shown
/// and the cursors of its two sections.
#[derive(Debug, Default)]
struct LeadsQuery {
    status: Option<LeadStatus>,
    family: Option<String>,
    clan: Option<String>,
}

impl LeadsQuery {
    /// From a query string or a form; an unknown status is refused.
    fn of(q: &HashMap<String, String>, status_key: &str) -> Result<LeadsQuery, AppError> {
        let get = |k: &str| q.get(k).filter(|v| !v.is_empty()).cloned();
        Ok(LeadsQuery {
            status: get(status_key)
                .map(|s| parse_status(Some(&s)))
                .transpose()?,
            family: get("family"),
            clan: get("clan"),
        })
    }

    fn pairs(&self) -> Vec<(&'static str, Option<&str>)> {
        vec![
            ("status", self.status.map(LeadStatus::name)),
            ("family", self.family.as_deref()),
            ("clan", self.clan.as_deref()),
        ]
    }

    /// `/leads` with this query, `#anchor` after it.
    fn href(&self, anchor: &str) -> String {
        let parts: Vec<String> = self
            .pairs()
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| format!("{k}={}", crate::api::encode(v))))
            .collect();
        match parts.is_empty() {
            true => format!("/leads#{anchor}"),
            false => format!("/leads?{}#{anchor}", parts.join("&")),
        }
    }
}

/// The paternal-line leads, the strongest first, then the clan
/// volunteers', each a page at a time (two audited reads), of one review
/// status when one is chosen.
async fn leads_page(
    State(state): State<Shared>,
    User(a): User,
    lang: Lang,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let reviewer = a.user.role == Role::Caseworker;
    let query = LeadsQuery::of(&q, "status")?;
    let pairs = query.pairs();
    let who = &a.user.username;
    let r = &state.registry;
    let family = r
        .lineage_lead_page(who, query.status, LEADS_PER_PAGE, query.family.as_deref())
        .await?;
    let family_total = r.lead_count(LeadKind::Family, query.status).await?;
    let leads_pager = Pager::of("/leads", &pairs, "family", &family, family_total);
    let clan = r
        .volunteer_lead_page(who, query.status, LEADS_PER_PAGE, query.clan.as_deref())
        .await?;
    let clan_total = r.lead_count(LeadKind::Volunteer, query.status).await?;
    let volunteer_pager = Pager::of("/leads", &pairs, "clan", &clan, clan_total);
    let mut filters = vec![(
        "/leads".to_string(),
        lang.t("leads-filter-all"),
        query.status.is_none(),
    )];
    filters.extend(LeadStatus::ALL.iter().map(|&s| {
        (
            format!("/leads?status={}", s.name()),
            status_words(lang, s),
            query.status == Some(s),
        )
    }));
    let back = pairs
        .iter()
        .filter_map(|&(k, v)| Some((if k == "status" { "shown" } else { k }, v?.to_string())))
        .collect();
    Ok(render(&LeadsTemplate {
        nav: Nav::of(Some(&a), lang),
        leads: family
            .items
            .into_iter()
            .map(|l| view(lang, l, reviewer))
            .collect(),
        leads_pager,
        volunteer_leads: clan
            .items
            .into_iter()
            .map(|l| volunteer_view(lang, l, reviewer))
            .collect(),
        volunteer_pager,
        filters,
        back,
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

/// A family lead's review step from its page's form; back to the leads.
async fn status_submit(
    State(state): State<Shared>,
    User(a): User,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    status_form(&state, &a, LeadKind::Family, &id, &body).await
}

/// A clan volunteer lead's review step from its page's form.
async fn volunteer_status_submit(
    State(state): State<Shared>,
    User(a): User,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    status_form(&state, &a, LeadKind::Volunteer, &id, &body).await
}

/// A lead's review step from a form; back to the lead on the page.
async fn status_form(
    state: &Shared,
    a: &crate::Auth,
    kind: LeadKind,
    id: &str,
    body: &[u8],
) -> PageResult {
    let form = parse_form(body);
    check_csrf(a, form.get("csrf"))?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    let to = parse_status(form.get("status").map(String::as_str))?;
    set_status(state, &a.user.username, kind, id, to).await?;
    let anchor = match kind {
        LeadKind::Family => "lead",
        LeadKind::Volunteer => "volunteer-lead",
    };
    // Back to the page the form was on (the filter travels as `shown`).
    let back = LeadsQuery::of(&form, "shown")?;
    Ok((
        StatusCode::SEE_OTHER,
        [(header::LOCATION, back.href(&format!("{anchor}-{id}")))],
    )
        .into_response())
}

async fn set_status(
    state: &Shared,
    who: &str,
    kind: LeadKind,
    id: i64,
    to: LeadStatus,
) -> Result<LeadStatus, AppError> {
    Ok(match kind {
        LeadKind::Family => state.registry.set_lead_status(who, id, to).await?,
        LeadKind::Volunteer => {
            state
                .registry
                .set_volunteer_lead_status(who, id, to)
                .await?
        }
    })
}

/// A page of paternal-line leads as JSON (an audited read), strongest
/// first: `limit` (default 100) and `cursor` as every list of the API
/// (the next page's in `Next-Cursor` and `Link`), `status` for the leads
/// of one review status.
async fn api_leads(
    State(state): State<Shared>,
    User(a): User,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    api_leads_of(&state, &a.user.username, LeadKind::Family, &q).await
}

/// A page of clan volunteer leads as JSON, as [`api_leads`].
async fn api_volunteer_leads(
    State(state): State<Shared>,
    User(a): User,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    api_leads_of(&state, &a.user.username, LeadKind::Volunteer, &q).await
}

async fn api_leads_of(
    state: &Shared,
    who: &str,
    kind: LeadKind,
    q: &HashMap<String, String>,
) -> Result<Response, AppError> {
    let (limit, cursor) = page_params(q)?;
    let status = LeadsQuery::of(q, "status")?.status;
    let cursor = cursor.as_deref();
    let registry = &state.registry;
    Ok(match kind {
        LeadKind::Family => {
            let page = registry
                .lineage_lead_page(who, status, limit, cursor)
                .await?;
            page_response("/api/v1/lineage-leads", q, limit, page)
        }
        LeadKind::Volunteer => {
            let page = registry
                .volunteer_lead_page(who, status, limit, cursor)
                .await?;
            page_response("/api/v1/volunteer-leads", q, limit, page)
        }
    })
}

#[derive(Deserialize)]
struct StatusBody {
    status: Option<String>,
}

/// A family lead's review step: `{"status": ...}`; 409 when its status now
/// does not allow it.
async fn api_status(
    State(state): State<Shared>,
    User(a): User,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    api_status_of(&state, &a.user.username, LeadKind::Family, &id, &body).await
}

/// A clan volunteer lead's review step, as [`api_status`].
async fn api_volunteer_status(
    State(state): State<Shared>,
    User(a): User,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    api_status_of(&state, &a.user.username, LeadKind::Volunteer, &id, &body).await
}

async fn api_status_of(
    state: &Shared,
    who: &str,
    kind: LeadKind,
    id: &str,
    body: &[u8],
) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    let body: StatusBody = serde_json::from_slice(body).map_err(|_| {
        AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "expected {\"status\": ...}",
        )
    })?;
    let to = parse_status(body.status.as_deref())?;
    let status = set_status(state, who, kind, id, to).await?;
    Ok(Json(json!({"id": id, "status": status.name()})).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lead(autosomal: Option<f64>) -> LineageLead {
        LineageLead {
            id: 7,
            found_id: "FC-1".into(),
            case_id: "MC-1".into(),
            reference_sample: "RS-1F".into(),
            relationship: "father".into(),
            meioses: 1,
            compared: 27,
            differing: Vec::new(),
            lr: Some(2.0e6),
            log10_lr: Some(2.0e6f64.log10()),
            match_probability: Some(4.0e-7),
            method: "disclap".into(),
            database: Some("YHRD v1".into()),
            status: "new".into(),
            computed_at: "2026-12-05T00:00:00Z".into(),
            candidate_id: autosomal.map(|_| 3),
            autosomal_log10_lr: autosomal,
            combined_log10_lr: autosomal.map(|a| a + 2.0e6f64.log10()),
        }
    }

    /// A family lead whose boy is also the family's autosomal candidate
    /// says both LRs and the two multiplied; without a candidate, neither.
    #[test]
    fn the_autosomal_and_y_lrs_apart_and_together() {
        assert!(view(Lang::En, lead(None), true).together.is_none());
        let v = view(Lang::En, lead(Some(5.0)), true);
        let (auto, both, enfsi) = v.together.unwrap();
        assert_eq!(
            auto,
            "The family's ordinary (autosomal) DNA also makes this boy a candidate (number 3): 100,000 times more likely if he is the missing child than if he is unrelated."
        );
        assert!(
            both.ends_with(
                ": 2.0 × 10¹¹ times more likely if he is the missing child than if he is unrelated."
            ),
            "{both}"
        );
        assert!(enfsi.contains("extremely strong"), "{enfsi}");
        let zh = view(Lang::ZhCn, lead(Some(5.0)), true).together.unwrap();
        assert!(zh.1.starts_with("常规DNA与Y-DNA合计"), "{}", zh.1);
        assert!(zh.1.contains("2.0 × 10¹¹ 倍"), "{}", zh.1);
    }
}

//! Server-rendered pages. They work without JavaScript; every form carries
//! the session's CSRF token (the login form a cookie-bound one).

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use registry::alerts::PublicAlert;
use registry::page_data::{AuditEntry, CaseInfo, FoundInfo};
use registry::{
    CandidateDetail, CandidateSummary, ImportKind, ImportReport, ReviewAction, ReviewState, Role,
};

use crate::api::{ClientAddr, ImportOptions, LoginError, User, attempt_login, run_import};
use crate::{AppError, Auth, Lang, Shared, auth, drawing, words};

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/", get(dashboard))
        .route("/cases/{case_id}", get(case_page))
        .route("/found/{found_id}", get(found_page))
        .route("/candidates/{id}", get(candidate_page))
        .route("/candidates/{id}/review", post(review_submit))
        .route("/candidates/{id}/report", get(report_page))
        .route("/search", get(search_page))
        .route("/audit", get(audit_page))
        .route("/alerts", get(alerts_page))
}

/// The header of every page.
pub struct Nav {
    /// The page's language (i18n.rs): `<html lang>` and every text.
    pub lang: Lang,
    pub username: Option<String>,
    pub role: &'static str,
    pub csrf: String,
    pub importer: bool,
    pub admin: bool,
    /// An administrator or a case worker: the search.
    pub staff: bool,
}

impl Nav {
    pub(crate) fn of(auth: Option<&Auth>, lang: Lang) -> Nav {
        match auth {
            Some(a) => Nav {
                lang,
                username: Some(a.user.username.clone()),
                role: a.user.role.name(),
                csrf: a.user.csrf.clone(),
                importer: matches!(a.user.role, Role::Admin | Role::Lab | Role::Caseworker),
                admin: a.user.role == Role::Admin,
                staff: matches!(a.user.role, Role::Admin | Role::Caseworker),
            },
            None => Nav {
                lang,
                username: None,
                role: "",
                csrf: String::new(),
                importer: false,
                admin: false,
                staff: false,
            },
        }
    }
}

/// The catalogue's messages in the page's language, for the templates.
impl Nav {
    pub fn t(&self, id: &str) -> String {
        self.lang.t(id)
    }

    pub fn t1(&self, id: &str, name: &str, value: impl std::fmt::Display) -> String {
        self.lang.t1(id, name, value)
    }

    pub fn t2(
        &self,
        id: &str,
        n1: &str,
        v1: impl std::fmt::Display,
        n2: &str,
        v2: impl std::fmt::Display,
    ) -> String {
        self.lang.t2(id, n1, v1, n2, v2)
    }

    pub fn tn(&self, id: &str, n: i64) -> String {
        self.lang.tn(id, n)
    }
}

/// An error shown as a page. Its answer carries an [`ErrorPage`]; the role
/// guard renders it inside the layout with the session's header and a way
/// back ([`error_page`]).
pub struct PageError(AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> PageError {
        PageError(e)
    }
}

impl From<registry::RegistryError> for PageError {
    fn from(e: registry::RegistryError) -> PageError {
        PageError(e.into())
    }
}

/// The message of a page's error, for the guard to render in the layout.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut res = error_page(
            self.0.status,
            &self.0.message,
            None,
            &Back::default(),
            Lang::default(),
        );
        res.extensions_mut().insert(ErrorPage {
            message: self.0.message,
        });
        res
    }
}

pub(crate) type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate<'a> {
    nav: Nav,
    heading: &'a str,
    explanation: &'a str,
    message: &'a str,
    links: Vec<(String, String)>,
    retry: Option<Retry>,
}

/// A refused step's form (a rejection, a reopening), shown again with the
/// reason that was typed.
pub struct Retry {
    /// Where the form posts.
    pub action: String,
    /// The review action (`reject`, `reopen`).
    pub kind: &'static str,
    pub reason_label: String,
    pub button: String,
    /// The version the decision was made on.
    pub version: i64,
    pub reason: String,
}

pub(crate) fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(_) => {
            tracing::error!("template failure");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// Where a request came from, for an error page's way back.
#[derive(Debug, Clone, Default)]
pub struct Back {
    /// The path of the `Referer` when it is this site's and not the failed
    /// page itself.
    pub previous: Option<String>,
}

impl Back {
    /// The `Referer`'s path when it names this host and another page.
    pub fn of(headers: &HeaderMap, here: &str) -> Back {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let previous = headers
            .get(header::REFERER)
            .and_then(|v| v.to_str().ok())
            .and_then(|r| r.split_once("://"))
            .and_then(|(_, rest)| {
                let (h, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                (Some(h) == host && path.starts_with('/') && !path.starts_with("//"))
                    .then(|| path.to_string())
            })
            .filter(|p| p.split('?').next() != Some(here));
        Back { previous }
    }
}

/// An error page inside the layout: the session's header when there is a
/// session, what happened in English and Chinese, the detail, and the ways
/// back (the previous page, the dashboard or the login page).
pub fn error_page(
    status: StatusCode,
    message: &str,
    auth: Option<&Auth>,
    back: &Back,
    lang: Lang,
) -> Response {
    error_page_with(status, message, auth, back, None, lang)
}

fn error_page_with(
    status: StatusCode,
    message: &str,
    auth: Option<&Auth>,
    back: &Back,
    retry: Option<Retry>,
    lang: Lang,
) -> Response {
    let (heading, explanation) = words::error(lang, status.as_u16());
    let mut links = Vec::new();
    if let Some(p) = &back.previous {
        links.push((p.clone(), lang.t("common-back-previous")));
    }
    if auth.is_some() {
        links.push(("/".to_string(), lang.t("common-back-dashboard")));
    } else {
        links.push(("/login".to_string(), lang.t("common-back-login")));
    }
    let mut res = render(&ErrorTemplate {
        nav: Nav::of(auth, lang),
        heading: &heading,
        explanation: &explanation,
        message,
        links,
        retry,
    });
    *res.status_mut() = status;
    res
}

/// A page's answer as it leaves the role guard: an error inside the layout
/// with the session's header. A [`PageError`] keeps its message; an error
/// axum gave before the handler ran (a body too large, a bad form) gets the
/// words of its status.
pub fn in_layout(res: Response, auth: Option<&Auth>, back: &Back, lang: Lang) -> Response {
    let status = res.status();
    if let Some(e) = res.extensions().get::<ErrorPage>() {
        let mut page = error_page(status, &e.message, auth, back, lang);
        for (name, value) in res.headers() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                page.headers_mut().append(name, value.clone());
            }
        }
        return page;
    }
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("text/html"));
    if (status.is_client_error() || status.is_server_error()) && !html {
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            lang.t1("common-too-large", "bytes", crate::BODY_LIMIT)
        } else {
            String::new()
        };
        return error_page(status, &message, auth, back, lang);
    }
    res
}

/// The answer of the role guard to a page: 401 with a link to log in, or 403.
pub fn denied(status: StatusCode, auth: Option<&Auth>, back: &Back, lang: Lang) -> Response {
    error_page(status, "", auth, back, lang)
}

/// The answer to an address no route serves: JSON under `/api/` and to
/// clients that do not ask for HTML, else the 404 page in the layout.
pub async fn not_found(
    State(state): State<Shared>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    let html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if uri.path().starts_with("/api/") || !html {
        return AppError::not_found().into_response();
    }
    let auth = crate::session(&state, &headers).await;
    error_page(
        StatusCode::NOT_FOUND,
        "",
        auth.as_ref(),
        &Back::of(&headers, uri.path()),
        Lang::of_request(uri.query(), &headers).0,
    )
}

pub(crate) fn check_csrf(a: &Auth, sent: Option<&String>) -> Result<(), PageError> {
    match sent {
        Some(s) if auth::same_secret(s, &a.user.csrf) => Ok(()),
        _ => Err(AppError::new(
            StatusCode::FORBIDDEN,
            "the form is missing its CSRF token: reload the page and try again",
        )
        .into()),
    }
}

pub(crate) fn parse_form(body: &[u8]) -> HashMap<String, String> {
    url_decode_pairs(body)
}

/// `application/x-www-form-urlencoded` pairs.
fn url_decode_pairs(body: &[u8]) -> HashMap<String, String> {
    fn decode(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < b.len() => {
                    let hex = |c: u8| (c as char).to_digit(16);
                    match (hex(b[i + 1]), hex(b[i + 2])) {
                        (Some(h), Some(l)) => {
                            out.push((h * 16 + l) as u8);
                            i += 2;
                        }
                        _ => out.push(b'%'),
                    }
                }
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

// ---- login / logout

#[derive(Template)]
#[template(path = "login.html")]
struct LoginTemplate {
    nav: Nav,
    csrf: String,
    error: Option<String>,
    /// The username that was typed, kept when the login is refused.
    username: String,
}

fn login_form(
    state: &Shared,
    status: StatusCode,
    error: Option<String>,
    username: &str,
    lang: Lang,
) -> Response {
    let csrf = auth::random_token();
    let cookie = auth::set_cookie(
        auth::LOGIN_CSRF_COOKIE,
        &csrf,
        3600,
        state.config.secure_cookies,
    );
    (
        status,
        [(header::SET_COOKIE, cookie)],
        render(&LoginTemplate {
            nav: Nav::of(None, lang),
            csrf,
            error,
            username: username.to_string(),
        }),
    )
        .into_response()
}

async fn login_page(State(state): State<Shared>, lang: Lang) -> Response {
    login_form(&state, StatusCode::OK, None, "", lang)
}

async fn login_submit(
    State(state): State<Shared>,
    ClientAddr(addr): ClientAddr,
    lang: Lang,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form = parse_form(&body);
    let username = form.get("username").map(String::as_str).unwrap_or("");
    let cookie_token = auth::cookie(&headers, auth::LOGIN_CSRF_COOKIE).unwrap_or("");
    let sent = form.get("csrf").map(String::as_str).unwrap_or("");
    if cookie_token.is_empty() || !auth::same_secret(sent, cookie_token) {
        return login_form(
            &state,
            StatusCode::FORBIDDEN,
            Some(lang.t("pages-form-expired")),
            username,
            lang,
        );
    }
    let password = form.get("password").map(String::as_str).unwrap_or("");
    match attempt_login(&state, username, password, &addr).await {
        Ok((token, _)) => {
            // Secure when configured, or when a TLS proxy says the client came over https.
            let secure = state.config.secure_cookies
                || headers
                    .get("x-forwarded-proto")
                    .and_then(|v| v.to_str().ok())
                    == Some("https");
            let mut res = Redirect::to("/").into_response();
            let h = res.headers_mut();
            for c in [
                auth::set_cookie(
                    auth::SESSION_COOKIE,
                    &token,
                    auth::SESSION_TTL_SECONDS,
                    secure,
                ),
                auth::set_cookie(auth::LOGIN_CSRF_COOKIE, "", 0, secure),
            ] {
                if let Ok(v) = c.parse() {
                    h.append(header::SET_COOKIE, v);
                }
            }
            *res.status_mut() = StatusCode::SEE_OTHER;
            res
        }
        Err(LoginError::Limited(b)) => login_form(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            Some(b.message(lang, std::time::SystemTime::now())),
            username,
            lang,
        ),
        Err(LoginError::Failed) => login_form(
            &state,
            StatusCode::UNAUTHORIZED,
            Some(lang.t("pages-wrong-password")),
            username,
            lang,
        ),
        Err(LoginError::Internal(e)) => PageError(e).into_response(),
    }
}

async fn logout(State(state): State<Shared>, User(a): User, body: axum::body::Bytes) -> PageResult {
    check_csrf(&a, parse_form(&body).get("csrf"))?;
    state
        .registry
        .delete_session(&a.user.username, &a.token_hash)
        .await?;
    let cookie = auth::set_cookie(auth::SESSION_COOKIE, "", 0, state.config.secure_cookies);
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, cookie),
            (header::LOCATION, "/login".to_string()),
        ],
    )
        .into_response())
}

// ---- dashboard

/// Rows per page of every list of the pages.
pub const PAGE_ROWS: i64 = 50;

/// The links beside a page of a list: `href`s of the previous and next
/// pages (the page's own query with one cursor replaced) and the total.
pub struct Pager {
    pub previous: Option<String>,
    pub next: Option<String>,
    pub total: i64,
    pub shown: usize,
}

impl Pager {
    pub(crate) fn of<T>(
        path: &str,
        query: &[(&str, Option<&str>)],
        param: &str,
        page: &registry::Page<T>,
        total: i64,
    ) -> Pager {
        let href = |cursor: &str| {
            let mut parts: Vec<String> = query
                .iter()
                .filter(|(k, _)| *k != param)
                .filter_map(|(k, v)| v.map(|v| format!("{k}={}", encode(v))))
                .collect();
            parts.push(format!("{param}={}", encode(cursor)));
            format!("{path}?{}", parts.join("&"))
        };
        Pager {
            previous: page.previous.as_deref().map(href),
            next: page.next.as_deref().map(href),
            total,
            shown: page.items.len(),
        }
    }
}

use crate::api::encode;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardTemplate {
    nav: Nav,
    family_case: Option<(String, registry::FamilyStatus)>,
    status: ReviewState,
    statuses: Vec<(ReviewState, String)>,
    candidates: Vec<CandidateSummary>,
    candidates_pager: Pager,
    cases: Vec<registry::ListEntry>,
    cases_pager: Pager,
    found: Vec<registry::ListEntry>,
    found_pager: Pager,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchTemplate {
    nav: Nav,
    /// The form as it was sent.
    form: HashMap<String, String>,
    /// Why the form was refused (shown in the page, the input kept).
    error: Option<String>,
    found: Option<registry::SearchResults>,
    cases_pager: Pager,
    found_pager: Pager,
    candidates_pager: Pager,
    case_statuses: Vec<(&'static str, String)>,
    found_statuses: Vec<(&'static str, String)>,
    review_states: Vec<(ReviewState, String)>,
    categories: Vec<(registry::Category, String)>,
}

impl SearchTemplate {
    fn value(&self, name: &str) -> &str {
        self.form.get(name).map_or("", String::as_str)
    }

    fn selected(&self, name: &str, value: &str) -> bool {
        self.value(name) == value
    }
}

/// The links of a list of the search page, a page of `shown` rows from
/// `offset` among `total`: the same search with another offset.
fn offset_pager(
    form: &HashMap<String, String>,
    offset: i64,
    limit: i64,
    shown: usize,
    total: usize,
) -> Pager {
    let link = |o: i64| {
        let mut pairs: Vec<(&String, &String)> = form
            .iter()
            .filter(|(k, _)| k.as_str() != "offset")
            .collect();
        pairs.sort();
        let mut q: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", crate::api::encode(k), crate::api::encode(v)))
            .collect();
        q.push(format!("offset={o}"));
        format!("/search?{}", q.join("&"))
    };
    Pager {
        previous: (offset > 0).then(|| link((offset - limit).max(0))),
        next: ((offset + shown as i64) < total as i64).then(|| link(offset + limit)),
        total: total as i64,
        shown,
    }
}

/// The search page: a form, and what it found in three lists.
async fn search_page(
    State(state): State<Shared>,
    User(a): User,
    lang: Lang,
    axum::extract::Query(form): axum::extract::Query<HashMap<String, String>>,
) -> PageResult {
    let mut t = SearchTemplate {
        nav: Nav::of(Some(&a), lang),
        error: None,
        found: None,
        cases_pager: empty_pager(),
        found_pager: empty_pager(),
        candidates_pager: empty_pager(),
        case_statuses: ["open", "candidate_found", "reunited", "closed"]
            .into_iter()
            .map(|s| (s, words::status(lang, s)))
            .collect(),
        found_statuses: ["unidentified", "reunited"]
            .into_iter()
            .map(|s| (s, words::status(lang, s)))
            .collect(),
        review_states: ReviewState::ALL
            .into_iter()
            .map(|s| (s, words::review(lang, s)))
            .collect(),
        categories: registry::Category::ALL
            .into_iter()
            .map(|c| (c, words::category(lang, c)))
            .collect(),
        form,
    };
    if !t.form.is_empty() {
        match crate::api::search_query(&t.form) {
            Err(e) => t.error = Some(e.message),
            Ok(query) => {
                let actor = a.user.username.clone();
                let q = query.clone();
                match crate::off_runtime(state.registry.clone(), move |r| async move {
                    r.search(&actor, &q).await
                })
                .await
                {
                    Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
                        t.error = Some(e.message)
                    }
                    Err(e) => return Err(e.into()),
                    Ok(found) => {
                        let pager = |shown, total| {
                            offset_pager(&t.form, query.offset, query.limit, shown, total)
                        };
                        t.cases_pager = pager(found.cases.len(), found.case_count);
                        t.found_pager = pager(found.found.len(), found.found_count);
                        t.candidates_pager = pager(found.candidates.len(), found.candidate_count);
                        t.found = Some(found);
                    }
                }
            }
        }
    }
    Ok(render(&t))
}

fn empty_pager() -> Pager {
    Pager {
        previous: None,
        next: None,
        total: 0,
        shown: 0,
    }
}

async fn dashboard(
    State(state): State<Shared>,
    User(a): User,
    lang: Lang,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> PageResult {
    let status = q
        .get("status")
        .and_then(|s| ReviewState::parse(s))
        .unwrap_or(ReviewState::New);
    let mut t = DashboardTemplate {
        nav: Nav::of(Some(&a), lang),
        family_case: None,
        status,
        statuses: ReviewState::ALL
            .into_iter()
            .map(|s| (s, words::review(lang, s)))
            .collect(),
        candidates: vec![],
        candidates_pager: empty_pager(),
        cases: vec![],
        cases_pager: empty_pager(),
        found: vec![],
        found_pager: empty_pager(),
    };
    match a.user.role {
        Role::Lab => return Ok(Redirect::to("/import").into_response()),
        Role::Family => {
            let own = a.user.case_ref.ok_or_else(AppError::forbidden)?;
            // Reviewed news only: the status its candidates' reviews give.
            t.family_case = Some(
                state
                    .registry
                    .family_status(own)
                    .await?
                    .ok_or_else(AppError::not_found)?,
            );
        }
        Role::Admin | Role::Caseworker => {
            let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
            let query = [
                ("status", Some(status.name())),
                ("cursor", get("cursor")),
                ("cases", get("cases")),
                ("found", get("found")),
            ];
            let filter = registry::CandidateFilter {
                status: Some(status.name().to_string()),
                ..Default::default()
            };
            let page = state
                .registry
                .candidate_summary_page(&filter, PAGE_ROWS, get("cursor"))
                .await?;
            let total = state.registry.count_candidates(&filter).await?;
            t.candidates_pager = Pager::of("/", &query, "cursor", &page, total);
            t.candidates = page.items;
            let (n_cases, n_found) = state.registry.count_cases_and_found().await?;
            let cases = state
                .registry
                .case_list_page(PAGE_ROWS, get("cases"))
                .await?;
            t.cases_pager = Pager::of("/", &query, "cases", &cases, n_cases);
            t.cases = cases.items;
            let found = state
                .registry
                .found_list_page(PAGE_ROWS, get("found"))
                .await?;
            t.found_pager = Pager::of("/", &query, "found", &found, n_found);
            t.found = found.items;
        }
    }
    Ok(render(&t))
}

// ---- case, found child, candidate

#[derive(Template)]
#[template(path = "case.html")]
struct CaseTemplate {
    nav: Nav,
    case: CaseInfo,
    drawing: String,
    candidates: Vec<CandidateSummary>,
    pager: Pager,
    /// Its references with the same DNA as another reference.
    same_dna: Vec<words::SameDnaWarning>,
    /// Its photos' ids, the upload form's address and the photos' alt text.
    photos: Vec<String>,
    photo_action: String,
    photo_alt: String,
}

async fn case_page(
    State(state): State<Shared>,
    User(a): User,
    lang: Lang,
    Path(case_id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> PageResult {
    let case = state
        .registry
        .case_page(&a.user.username, &case_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let filter = registry::CandidateFilter {
        case_id: Some(case.case_id.clone()),
        ..Default::default()
    };
    let base = format!("/cases/{}", encode(&case.case_id));
    let (candidates, pager) = candidate_list(&state, &filter, &base, &q).await?;
    let drawing = drawing::case_drawing(lang, &case, None);
    let photos = state
        .registry
        .photo_ids(registry::photos::PhotoOwner::Case, &case.case_id)
        .await?;
    Ok(render(&CaseTemplate {
        photos,
        photo_action: format!("{base}/photos"),
        photo_alt: lang.t1("photos-alt-case", "id", &case.case_id),
        same_dna: case
            .same_dna
            .iter()
            .map(|p| words::same_dna(lang, p))
            .collect(),
        nav: Nav::of(Some(&a), lang),
        case,
        drawing,
        candidates,
        pager,
    }))
}

/// The page of a case's or a found child's candidates the `cursor` of `q`
/// names, and its Previous/Next links to `base`.
async fn candidate_list(
    state: &Shared,
    filter: &registry::CandidateFilter,
    base: &str,
    q: &HashMap<String, String>,
) -> Result<(Vec<CandidateSummary>, Pager), PageError> {
    let cursor = q
        .get("cursor")
        .map(String::as_str)
        .filter(|c| !c.is_empty());
    let page = state
        .registry
        .candidate_summary_page(filter, PAGE_ROWS, cursor)
        .await?;
    let total = state.registry.count_candidates(filter).await?;
    let pager = Pager::of(base, &[("cursor", cursor)], "cursor", &page, total);
    Ok((page.items, pager))
}

#[derive(Template)]
#[template(path = "found.html")]
struct FoundTemplate {
    nav: Nav,
    /// The estimated age in months or years.
    age: Option<String>,
    found: FoundInfo,
    candidates: Vec<CandidateSummary>,
    pager: Pager,
    /// Other found children with the same DNA.
    same_dna: Vec<words::SameDnaWarning>,
    /// Its photos' ids, the upload form's address and the photos' alt text.
    photos: Vec<String>,
    photo_action: String,
    photo_alt: String,
}

async fn found_page(
    State(state): State<Shared>,
    User(a): User,
    lang: Lang,
    Path(found_id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> PageResult {
    let found = state
        .registry
        .found_page(&a.user.username, &found_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let filter = registry::CandidateFilter {
        found_id: Some(found.found_id.clone()),
        ..Default::default()
    };
    let base = format!("/found/{}", encode(&found.found_id));
    let (candidates, pager) = candidate_list(&state, &filter, &base, &q).await?;
    let photos = state
        .registry
        .photo_ids(registry::photos::PhotoOwner::Found, &found.found_id)
        .await?;
    Ok(render(&FoundTemplate {
        photos,
        photo_action: format!("{base}/photos"),
        photo_alt: lang.t1("photos-alt-found", "id", &found.found_id),
        same_dna: found
            .same_dna
            .iter()
            .map(|p| words::same_dna(lang, p))
            .collect(),
        nav: Nav::of(Some(&a), lang),
        age: found
            .facts
            .age_min_days
            .zip(found.facts.age_max_days)
            .map(|(lo, hi)| words::age_range(lang, lo, hi)),
        found,
        candidates,
        pager,
    }))
}

/// A fact compared, in words.
pub(crate) struct FactView {
    pub(crate) fact: String,
    pub(crate) verdict: String,
    pub(crate) detail: String,
    pub(crate) excludes: bool,
}

/// The facts of a candidate in words (English and Chinese), from the facts
/// themselves: ages in months and years, distances and spans of time.
fn fact_views(lang: Lang, d: &CandidateDetail) -> Vec<FactView> {
    let (case, found) = (&d.case.facts, &d.found.facts);
    d.comparison
        .checks
        .iter()
        .map(|c| {
            let known = c.verdict != "unknown";
            let detail = match c.fact {
                "sex" if known => {
                    let of =
                        |s: &Option<String>| words::sex(lang, s.as_deref().unwrap_or("unknown"));
                    lang.t2(
                        "pages-fact-sex",
                        "case",
                        of(&case.sex),
                        "found",
                        of(&found.sex),
                    )
                }
                "age" if known => words::age_detail(
                    lang,
                    case.birth_from.as_deref(),
                    case.birth_to.as_deref(),
                    found.found_date.as_deref(),
                    found.age_min_days,
                    found.age_max_days,
                    registry::facts::AGE_TOLERANCE_DAYS,
                )
                .unwrap_or_default(),
                "time" if known => {
                    let days = found
                        .found_date
                        .as_deref()
                        .and_then(words::day_number)
                        .zip(case.missing_date.as_deref().and_then(words::day_number))
                        .map(|(f, m)| f - m);
                    match days {
                        Some(n) if n < 0 => {
                            lang.t1("pages-fact-found-before", "span", words::age(lang, -n))
                        }
                        Some(n) => lang.t1("pages-fact-found-after", "span", words::age(lang, n)),
                        None => String::new(),
                    }
                }
                "place" if known => d
                    .comparison
                    .distance_km
                    .map(|km| lang.t1("pages-fact-distance", "km", format!("{km:.0}")))
                    .unwrap_or_default(),
                _ => lang.t("pages-fact-not-recorded"),
            };
            FactView {
                fact: words::fact(lang, c.fact),
                verdict: words::verdict(lang, c.verdict),
                detail,
                excludes: c.verdict == "excludes",
            }
        })
        .collect()
}

/// A marker row with its cells as text.
pub(crate) struct MarkerView {
    pub(crate) marker: String,
    pub(crate) child: String,
    pub(crate) references: Vec<String>,
    pub(crate) lr: String,
    pub(crate) inconsistent: bool,
}

#[derive(Template)]
#[template(path = "candidate.html")]
struct CandidateTemplate {
    nav: Nav,
    d: CandidateDetail,
    lr_text: String,
    posterior_text: String,
    facts: Vec<FactView>,
    markers: Vec<MarkerView>,
    drawing: String,
    chart: String,
    /// What the chart leaves out in a large registry, in words.
    chart_note: Option<String>,
    /// The counts under the chart, with thousands separators.
    cases_scored: String,
    compatible_cases: String,
    can_review: bool,
    /// The steps this user may take that need no reason: (action, label).
    actions: Vec<(&'static str, String)>,
    /// The steps this user may take with a reason: (action, label of the
    /// reason, label of the button).
    reasoned: Vec<(&'static str, String, String)>,
    /// The four-eyes rule as it stands for this candidate and this user.
    four_eyes: Option<String>,
    /// Why the page is shown again (someone else changed the candidate).
    notice: Option<String>,
    /// The found child's and the family's references' profiles with the
    /// same DNA as others.
    same_dna: Vec<words::SameDnaWarning>,
}

/// An LR as people read it.
pub fn lr_text(lang: Lang, lr: f64, log10: f64) -> String {
    words::lr(lang, lr, log10)
}

async fn candidate_page(
    State(state): State<Shared>,
    User(a): User,
    lang: Lang,
    Path(id): Path<String>,
) -> PageResult {
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    render_candidate(&state, &a, id, None, lang).await
}

/// The candidate page as the candidate is now, for this user; `notice`
/// says why it is shown again.
async fn render_candidate(
    state: &Shared,
    a: &Auth,
    id: i64,
    notice: Option<String>,
    lang: Lang,
) -> Result<Response, PageError> {
    let d = crate::api::candidate_detail(state, &a.user.username, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let markers = marker_views(lang, &d);
    // Only the buttons this user may use.
    let can_review = a.user.role == Role::Caseworker;
    let allowed = registry::allowed_actions(
        d.summary.status,
        &a.user.username,
        d.test_requested_by.as_deref(),
    );
    render_candidate_with(a, d, markers, can_review, allowed, notice, lang)
}

/// The warnings of the found child's and the family's references' profiles
/// with the same DNA as others.
fn same_dna_warnings(lang: Lang, d: &CandidateDetail) -> Vec<words::SameDnaWarning> {
    d.found
        .same_dna
        .iter()
        .chain(&d.case.same_dna)
        .map(|p| words::same_dna(lang, p))
        .collect()
}

/// The posterior as people read it, or why there is none.
fn posterior_text(lang: Lang, d: &CandidateDetail) -> String {
    d.posterior
        .map(|p| words::percent(lang, p))
        .unwrap_or_else(|| lang.t("pages-posterior-none"))
}

/// The markers of a candidate, cells as text.
fn marker_views(lang: Lang, d: &CandidateDetail) -> Vec<MarkerView> {
    d.markers
        .iter()
        .map(|m| MarkerView {
            marker: m.marker.clone(),
            child: m.child.clone().unwrap_or_else(|| "–".into()),
            references: m
                .references
                .iter()
                .map(|g| g.clone().unwrap_or_else(|| "–".into()))
                .collect(),
            lr: m
                .lr
                .map(|l| words::lr(lang, l, l.log10()))
                .unwrap_or_else(|| "–".into()),
            inconsistent: m.inconsistent,
        })
        .collect()
}

fn render_candidate_with(
    a: &Auth,
    d: CandidateDetail,
    markers: Vec<MarkerView>,
    can_review: bool,
    allowed: Vec<ReviewAction>,
    notice: Option<String>,
    lang: Lang,
) -> Result<Response, PageError> {
    let actions = allowed
        .iter()
        .filter(|x| !x.needs_reason())
        .map(|x| (x.name(), words::action(lang, *x)))
        .collect();
    let reasoned = allowed
        .iter()
        .filter(|x| x.needs_reason())
        .map(|x| {
            (
                x.name(),
                words::reason_label(lang, *x),
                words::action(lang, *x),
            )
        })
        .collect();
    let four_eyes = words::four_eyes(
        lang,
        d.summary.status,
        &a.user.username,
        d.test_requested_by.as_deref(),
    );
    let drawing = drawing::case_drawing(lang, &d.case, Some(&d.found.found_id));
    let chart = drawing::lr_chart(
        lang,
        &d.all_scores,
        d.summary.log10_lr,
        &d.summary.found_id,
        d.scores_from_log10.is_some(),
    );
    let chart_note = d
        .scores_from_log10
        .map(|floor| words::chart_floor(lang, d.all_scores.len(), floor));
    let (cases_scored, compatible_cases) = (
        words::count(d.cases_scored),
        words::count(d.compatible_cases),
    );
    let t = CandidateTemplate {
        same_dna: same_dna_warnings(lang, &d),
        nav: Nav::of(Some(a), lang),
        lr_text: lr_text(lang, d.summary.lr, d.summary.log10_lr),
        posterior_text: posterior_text(lang, &d),
        facts: fact_views(lang, &d),
        markers,
        drawing,
        chart,
        chart_note,
        cases_scored,
        compatible_cases,
        can_review,
        actions,
        reasoned,
        four_eyes: four_eyes.filter(|_| can_review),
        notice,
        d,
    };
    Ok(render(&t))
}

#[derive(Template)]
#[template(path = "report.html")]
pub(crate) struct ReportTemplate {
    pub(crate) nav: Nav,
    pub(crate) d: CandidateDetail,
    pub(crate) lr_text: String,
    /// The LR on the ENFSI scale, in words.
    pub(crate) scale: String,
    pub(crate) posterior_text: String,
    pub(crate) facts: Vec<FactView>,
    pub(crate) markers: Vec<MarkerView>,
    pub(crate) drawing: String,
    pub(crate) compatible_cases: String,
    /// When the report was made (UTC).
    pub(crate) made: String,
    /// The steps that reviewed and confirmed the candidate: (what, who, when).
    pub(crate) signatures: Vec<(String, String, String)>,
    /// Whether a second case worker has confirmed the match.
    pub(crate) confirmed: bool,
    /// The found child's and the family's references' profiles with the
    /// same DNA as others.
    pub(crate) same_dna: Vec<words::SameDnaWarning>,
}

/// The report of a candidate for police files and courts: the hypotheses,
/// the LR and its words on the ENFSI scale, the posterior and its prior, the
/// facts, the markers, the models, who reviewed and who confirmed. Printed
/// as it is (the menu is not printed).
async fn report_page(
    State(state): State<Shared>,
    User(a): User,
    lang: Lang,
    Path(id): Path<String>,
) -> PageResult {
    Ok(render(&report_view(&state, &a, lang, &id).await?))
}

/// What the report of candidate `id` says, for its page and its PDF
/// (`report_pdf.rs`): the candidate read for this user (audited), in words.
pub(crate) async fn report_view(
    state: &Shared,
    a: &crate::Auth,
    lang: Lang,
    id: &str,
) -> Result<ReportTemplate, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    let d = crate::api::candidate_detail(state, &a.user.username, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    // The latest step into each state that signs the review.
    let signatures = [
        (ReviewState::UnderReview, lang.t("pages-signed-review")),
        (ReviewState::TestRequested, lang.t("pages-signed-test")),
        (ReviewState::Confirmed, lang.t("pages-signed-confirmed")),
        (ReviewState::Reunited, lang.t("pages-signed-reunited")),
    ]
    .into_iter()
    .filter_map(|(state, what)| {
        d.history
            .iter()
            .rev()
            .find(|h| h.to == state)
            .map(|h| (what, h.actor.clone(), words::timestamp(&h.at)))
    })
    .collect();
    let confirmed = matches!(
        d.summary.status,
        ReviewState::Confirmed | ReviewState::Reunited
    );
    Ok(ReportTemplate {
        nav: Nav::of(Some(a), lang),
        lr_text: lr_text(lang, d.summary.lr, d.summary.log10_lr),
        scale: words::enfsi(lang, d.summary.lr),
        posterior_text: posterior_text(lang, &d),
        facts: fact_views(lang, &d),
        markers: marker_views(lang, &d),
        drawing: drawing::case_drawing(lang, &d.case, Some(&d.found.found_id)),
        compatible_cases: words::count(d.compatible_cases),
        made: words::timestamp(&registry::audit::now_rfc3339()),
        signatures,
        confirmed,
        same_dna: same_dna_warnings(lang, &d),
        d,
    })
}

async fn review_submit(
    State(state): State<Shared>,
    User(a): User,
    lang: Lang,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> PageResult {
    let form = parse_form(&body);
    check_csrf(&a, form.get("csrf"))?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    let reason = form.get("reason").cloned().unwrap_or_default();
    let action = form.get("action").and_then(|s| ReviewAction::parse(s));
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok());
    let done = match (action, version) {
        (None, _) => Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang.t("pages-unknown-action"),
        )),
        (Some(_), None) => Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang.t("pages-no-version"),
        )),
        (Some(action), Some(version)) => match state
            .registry
            .review_at(
                &a.user.username,
                id,
                action,
                form.get("reason").map(String::as_str),
                version,
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(registry::RegistryError::Stale { status, .. }) => {
                // The candidate page as it is now, and a sentence saying why.
                let mut notice = words::changed_meanwhile(lang, status);
                if !reason.trim().is_empty() {
                    notice.push(' ');
                    notice.push_str(&lang.t1("pages-reason-not-sent", "reason", reason.trim()));
                }
                let mut res = render_candidate(&state, &a, id, Some(notice), lang).await?;
                *res.status_mut() = StatusCode::CONFLICT;
                return Ok(res);
            }
            Err(e) => Err(e.into()),
        },
    };
    if let Err(e) = done {
        if e.status.is_server_error() {
            return Err(e.into());
        }
        // The refusal in the layout, a way back to the candidate and, for a
        // step with a reason, its form again with the reason kept (not the
        // whole candidate page: that reads genotypes, an audited view).
        let candidate = format!("/candidates/{id}");
        let back = Back {
            previous: Some(candidate.clone()),
        };
        let retry = action.filter(|x| x.needs_reason()).map(|x| Retry {
            action: format!("{candidate}/review"),
            kind: x.name(),
            reason_label: words::reason_label(lang, x),
            button: words::action(lang, x),
            version: version.unwrap_or_default(),
            reason,
        });
        let res = error_page_with(e.status, &e.message, Some(&a), &back, retry, lang);
        return Ok(res);
    }
    Ok((
        StatusCode::SEE_OTHER,
        [(header::LOCATION, format!("/candidates/{id}"))],
    )
        .into_response())
}

// ---- import

#[derive(Template)]
#[template(path = "import.html")]
struct ImportTemplate {
    nav: Nav,
    kinds: Vec<ImportKind>,
    /// The kind the form shows chosen (the one sent, when it is re-shown).
    chosen: String,
    report: Option<ImportReport>,
    error: Option<String>,
    /// The report's notes but those of profiles with the same DNA, which
    /// `same_dna` tells in both languages with links.
    notes: Vec<String>,
    same_dna: Vec<words::SameDnaWarning>,
}

fn kinds_for(role: Role) -> Vec<ImportKind> {
    ImportKind::on_the_web()
        .filter(|k| k.roles().contains(&role))
        .collect()
}

pub async fn import_page(User(a): User, lang: Lang) -> Response {
    render(&ImportTemplate {
        kinds: kinds_for(a.user.role),
        nav: Nav::of(Some(&a), lang),
        chosen: String::new(),
        report: None,
        error: None,
        notes: Vec::new(),
        same_dna: Vec::new(),
    })
}

pub async fn import_upload(
    State(state): State<Shared>,
    User(a): User,
    lang: Lang,
    mut multipart: Multipart,
) -> PageResult {
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut failed: Option<AppError> = None;
    // The form's fields in order (csrf, kind, file): a file too large still
    // leaves the kind to show again.
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                failed = Some(AppError::new(e.status(), e.body_text()));
                break;
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("upload").to_string();
            match field.bytes().await {
                Ok(b) => file = Some((file_name, b.to_vec())),
                Err(e) => {
                    failed = Some(AppError::new(e.status(), e.body_text()));
                    break;
                }
            }
        } else {
            match field.text().await {
                Ok(t) => {
                    fields.insert(name, t);
                }
                Err(e) => {
                    failed = Some(AppError::new(e.status(), e.body_text()));
                    break;
                }
            }
        }
    }
    let kind = fields.get("kind").cloned().unwrap_or_default();
    let kinds = kinds_for(a.user.role);
    let mut t = ImportTemplate {
        chosen: kinds
            .iter()
            .find(|k| k.name() == kind)
            .map(|k| k.name().to_string())
            .unwrap_or_default(),
        kinds,
        nav: Nav::of(Some(&a), lang),
        report: None,
        error: None,
        notes: Vec::new(),
        same_dna: Vec::new(),
    };
    let again = |t: &mut ImportTemplate, e: AppError| -> PageResult {
        t.error = Some(format!("{} {}", e.message, lang.t("pages-choose-again")));
        let mut res = render(&*t);
        *res.status_mut() = e.status;
        Ok(res)
    };
    if let Some(e) = failed {
        if e.status == StatusCode::PAYLOAD_TOO_LARGE {
            let limit = crate::IMPORT_LIMIT;
            let message = lang.t2(
                "pages-file-too-large",
                "bytes",
                limit,
                "mb",
                limit / (1024 * 1024),
            );
            return again(&mut t, AppError::new(e.status, message));
        }
        return Err(e.into());
    }
    check_csrf(&a, fields.get("csrf"))?;
    let Some(kind) = crate::routes::web_import(&kind) else {
        return again(
            &mut t,
            AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang.t("pages-choose-kind"),
            ),
        );
    };
    if !kind.roles().contains(&a.user.role) {
        return Err(AppError::forbidden().into());
    }
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return again(
            &mut t,
            AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang.t("pages-choose-file"),
            ),
        );
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return again(
            &mut t,
            AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang.t1("pages-not-utf8", "file", &file_name),
            ),
        );
    };
    let options = ImportOptions {
        file: Some(file_name),
        ..Default::default()
    };
    match run_import(&state, &a.user.username, kind, text, options).await {
        Ok(r) => {
            let told: Vec<String> = r.same_dna.iter().map(|p| p.words()).collect();
            t.notes = r
                .notes
                .iter()
                .filter(|n| !told.contains(n))
                .cloned()
                .collect();
            t.same_dna = r
                .same_dna
                .iter()
                .map(|p| words::same_dna(lang, p))
                .collect();
            t.report = Some(r);
            Ok(render(&t))
        }
        Err(e) => again(&mut t, e),
    }
}

// ---- audit, alerts

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditTemplate {
    nav: Nav,
    entries: Vec<AuditEntry>,
}

async fn audit_page(State(state): State<Shared>, User(a): User, lang: Lang) -> PageResult {
    let entries = state.registry.audit_tail(200).await?;
    Ok(render(&AuditTemplate {
        nav: Nav::of(Some(&a), lang),
        entries,
    }))
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsTemplate {
    nav: Nav,
    alerts: Vec<PublicAlert>,
    pager: Pager,
    /// The alerts of the page with a photo the public may see.
    with_photo: std::collections::BTreeSet<String>,
}

impl AlertsTemplate {
    fn has_photo(&self, case_id: &str) -> bool {
        self.with_photo.contains(case_id)
    }
}

async fn alerts_page(
    State(state): State<Shared>,
    axum::Extension(auth): axum::Extension<Option<Auth>>,
    lang: Lang,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> PageResult {
    let cursor = q
        .get("cursor")
        .map(String::as_str)
        .filter(|c| !c.is_empty());
    let page = state.registry.public_alert_page(PAGE_ROWS, cursor).await?;
    let total = state.registry.count_public_alerts().await?;
    let pager = Pager::of("/alerts", &[("cursor", cursor)], "cursor", &page, total);
    let ids: Vec<String> = page.items.iter().map(|a| a.case_id.clone()).collect();
    let with_photo = state.registry.cases_with_public_photo(&ids).await?;
    Ok(render(&AlertsTemplate {
        with_photo,
        nav: Nav::of(auth.as_ref(), lang),
        alerts: page.items,
        pager,
    }))
}

//! The JSON API under `/api/v1/`.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use registry::{ImportKind, ImportReport, ReviewAction, ReviewState, Role, SearchQuery};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{AppError, Auth, Shared, auth, off_runtime, routes};

/// The session of a request that the route table says must have one.
pub struct User(pub Auth);

impl<S: Send + Sync> FromRequestParts<S> for User {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<User, AppError> {
        parts
            .extensions
            .get::<Option<Auth>>()
            .cloned()
            .flatten()
            .map(User)
            .ok_or_else(AppError::unauthorized)
    }
}

/// The client's address (for the rate limit and the audit of logins): the
/// TCP peer, or, when the peer is a configured trusted proxy
/// ([`crate::Config::trusted_proxies`]), the address that proxy says it got
/// the request from.
pub struct ClientAddr(pub String);

impl FromRequestParts<Shared> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &Shared,
    ) -> Result<ClientAddr, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientAddr(client_addr(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
}

/// The client of a request. A peer that is not a trusted proxy is the
/// client, whatever `X-Forwarded-For` says (a client may write it). From a
/// trusted proxy, the last `X-Forwarded-For` entry that is not itself a
/// trusted proxy: each proxy appends the address it got the request from, so
/// the entries left of that one are the client's own word.
pub fn client_addr(
    peer: Option<IpAddr>,
    headers: &axum::http::HeaderMap,
    trusted: &[IpAddr],
) -> String {
    let Some(peer) = peer.map(|p| p.to_canonical()) else {
        return "unknown".into();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.iter().rev() {
        let ip = hop
            .parse::<IpAddr>()
            .ok()
            .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()));
        match ip.map(|ip| ip.to_canonical()) {
            Some(ip) if trusted.contains(&ip) => continue,
            Some(ip) => return ip.to_string(),
            // Not an address: nothing left of it can be trusted.
            None => break,
        }
    }
    peer.to_string()
}

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/api/v1/login", post(login))
        .route("/api/v1/logout", post(logout))
        .route("/api/v1/me", get(me))
        .route("/api/v1/candidates", get(candidates))
        .route("/api/v1/candidates/{id}", get(candidate))
        .route("/api/v1/candidates/{id}/review", post(review))
        .route("/api/v1/cases/{case_id}", get(case).delete(delete_case))
        .route("/api/v1/found/{found_id}", get(found))
        .route("/api/v1/alerts", get(alerts))
        .route("/api/v1/alerts.pfif", get(alerts_pfif))
        .route("/api/v1/audit", get(audit))
        .route("/api/v1/search", get(search))
        .route("/api/openapi.json", get(openapi))
        .route("/livez", get(livez))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// Why a login failed.
pub enum LoginError {
    /// Too many failures for the account or the address: until when.
    Limited(auth::Blocked),
    /// A wrong user or a wrong password: the same answer for both.
    Failed,
    Internal(AppError),
}

impl From<LoginError> for AppError {
    fn from(e: LoginError) -> AppError {
        match e {
            LoginError::Limited(b) => AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                b.message(crate::Lang::En, std::time::SystemTime::now()),
            ),
            LoginError::Failed => {
                AppError::new(StatusCode::UNAUTHORIZED, "wrong username or password")
            }
            LoginError::Internal(e) => e,
        }
    }
}

/// Checks a login and opens a session: (token, csrf token).
pub async fn attempt_login(
    state: &Shared,
    username: &str,
    password: &str,
    addr: &str,
) -> Result<(String, String), LoginError> {
    if let Some(blocked) = state.limiter.blocked(username, addr) {
        state.metrics.login_failed();
        return Err(LoginError::Limited(blocked));
    }
    let user = if username.is_empty() || username.len() > 64 {
        None
    } else {
        state
            .registry
            .user_by_name(username)
            .await
            .map_err(|e| LoginError::Internal(e.into()))?
    };
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| state.dummy_hash.clone());
    let password = password.to_string();
    let counted = state.clone();
    let ok = tokio::task::spawn_blocking(move || {
        auth::verify_password(&password, &hash, &counted.metrics.password_verifications)
    })
    .await
    .map_err(|_| {
        LoginError::Internal(AppError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error",
        ))
    })?;
    match user {
        Some(user) if ok => {
            state.limiter.clear(username);
            let token = auth::random_token();
            let csrf = auth::random_token();
            state
                .registry
                .create_session(
                    &user,
                    &auth::token_hash(&token),
                    &csrf,
                    auth::SESSION_TTL_SECONDS,
                    addr,
                )
                .await
                .map_err(|e| LoginError::Internal(e.into()))?;
            tracing::info!(role = user.role.name(), "login");
            Ok((token, csrf))
        }
        _ => {
            state.limiter.fail(username, addr);
            state.metrics.login_failed();
            state
                .registry
                .record_failed_login(username, addr)
                .await
                .map_err(|e| LoginError::Internal(e.into()))?;
            tracing::info!("login failed");
            Err(LoginError::Failed)
        }
    }
}

#[derive(Deserialize)]
pub struct LoginBody {
    username: String,
    password: String,
}

async fn login(
    State(state): State<Shared>,
    ClientAddr(addr): ClientAddr,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let body: LoginBody = serde_json::from_slice(&body).map_err(|_| {
        AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "expected {\"username\": ..., \"password\": ...}",
        )
    })?;
    let (token, _) = attempt_login(&state, &body.username, &body.password, &addr).await?;
    Ok(Json(
        json!({"token": token, "expires_in": auth::SESSION_TTL_SECONDS}),
    ))
}

async fn logout(State(state): State<Shared>, User(a): User) -> Result<Json<Value>, AppError> {
    state
        .registry
        .delete_session(&a.user.username, &a.token_hash)
        .await?;
    Ok(Json(json!({"logged_out": true})))
}

async fn me(State(state): State<Shared>, User(a): User) -> Result<Json<Value>, AppError> {
    let case_id = match a.user.case_ref {
        Some(r) => state.registry.case_status(r).await?.map(|(c, _)| c),
        None => None,
    };
    Ok(Json(
        json!({"username": a.user.username, "role": a.user.role.name(), "case_id": case_id}),
    ))
}

/// The page size of a list without `limit`.
pub const DEFAULT_LIMIT: i64 = 100;

/// `limit` and `cursor` of a list's query string (422 when bad).
pub(crate) fn page_params(q: &HashMap<String, String>) -> Result<(i64, Option<String>), AppError> {
    let limit = match q.get("limit") {
        None => DEFAULT_LIMIT,
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|l| (1..=registry::MAX_PAGE).contains(l))
            .ok_or_else(|| {
                AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!(
                        "limit: expected a whole number from 1 to {}",
                        registry::MAX_PAGE
                    ),
                )
            })?,
    };
    let cursor = q.get("cursor").filter(|c| !c.is_empty()).cloned();
    Ok((limit, cursor))
}

/// Everything but the unreserved characters of RFC 3986 is escaped.
const ESCAPED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes a query value or a path segment.
pub(crate) fn encode(v: &str) -> String {
    percent_encoding::utf8_percent_encode(v, ESCAPED).to_string()
}

/// A page as a bare JSON array, the next page's cursor in `Next-Cursor` and
/// `Link: <...>; rel="next"` (the same query with the cursor replaced).
pub(crate) fn page_response<T: serde::Serialize>(
    path: &str,
    q: &HashMap<String, String>,
    limit: i64,
    page: registry::Page<T>,
) -> Response {
    let mut res = Json(json!(page.items)).into_response();
    if let Some(next) = page.next {
        let mut pairs: Vec<(String, String)> = q
            .iter()
            .filter(|(k, _)| k.as_str() != "cursor" && k.as_str() != "limit")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        pairs.sort();
        pairs.push(("limit".into(), limit.to_string()));
        pairs.push(("cursor".into(), next.clone()));
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        let link = format!("<{path}?{}>; rel=\"next\"", query.join("&"));
        let h = res.headers_mut();
        if let (Ok(c), Ok(l)) = (next.parse(), link.parse()) {
            h.insert("next-cursor", c);
            h.insert(axum::http::header::LINK, l);
        }
    }
    res
}

async fn candidates(
    State(state): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let (limit, cursor) = page_params(&q)?;
    let filter = registry::CandidateFilter {
        status: q.get("status").cloned(),
        found_id: q.get("found").cloned(),
        case_id: q.get("case").cloned(),
    };
    let category = q
        .get("category")
        .filter(|c| !c.is_empty())
        .map(|c| category_param(c))
        .transpose()?;
    let page = match category {
        None => {
            state
                .registry
                .candidate_summary_page(&filter, limit, cursor.as_deref())
                .await?
        }
        Some(category) => {
            state
                .registry
                .candidate_category_page(&filter, category, limit, cursor.as_deref())
                .await?
        }
    };
    Ok(page_response("/api/v1/candidates", &q, limit, page))
}

/// A `category` parameter, or 422 listing the categories.
fn category_param(c: &str) -> Result<registry::Category, AppError> {
    registry::Category::parse(c).ok_or_else(|| {
        let names: Vec<&str> = registry::Category::ALL.iter().map(|c| c.name()).collect();
        unprocessable(format!(
            "category: {c:?} is not one of {}",
            names.join(", ")
        ))
    })
}

/// A candidate as its page and the API show it, read off the async runtime
/// for `actor` (audited); `None` when there is no such candidate.
pub(crate) async fn candidate_detail(
    state: &Shared,
    actor: &str,
    id: i64,
) -> Result<Option<registry::CandidateDetail>, AppError> {
    let actor = actor.to_string();
    off_runtime(state.registry.clone(), move |r| async move {
        r.candidate_detail(&actor, id).await
    })
    .await
}

fn unprocessable(message: String) -> AppError {
    AppError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
}

/// A search's parameters: `q`, `case_status`, `found_status`, `status` (of
/// candidates), `category`, `from`, `to` (YYYY-MM-DD), `limit` (per list, 1
/// to 1000, default 25), `offset`. Empty ones are absent (a form sends them
/// so); a bad one is refused, named.
pub(crate) fn search_query(q: &HashMap<String, String>) -> Result<SearchQuery, AppError> {
    let get = |name: &str| q.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let date = |name: &str| {
        get(name)
            .map(|v| {
                v.parse::<jiff::civil::Date>().map_err(|_| {
                    unprocessable(format!("{name}: {v:?} is not a date like 2024-06-01"))
                })
            })
            .transpose()
    };
    let whole = |name: &str, default: i64| {
        get(name).map_or(Ok(default), |v| {
            v.parse::<i64>()
                .map_err(|_| unprocessable(format!("{name}: {v:?} is not a whole number")))
        })
    };
    let candidate_status = get("status")
        .map(|s| {
            ReviewState::parse(s).ok_or_else(|| {
                let names: Vec<&str> = ReviewState::ALL.iter().map(|s| s.name()).collect();
                unprocessable(format!("status: {s:?} is not one of {}", names.join(", ")))
            })
        })
        .transpose()?;
    let category = get("category").map(category_param).transpose()?;
    Ok(SearchQuery {
        text: get("q").unwrap_or_default().to_string(),
        case_status: get("case_status").map(str::to_string),
        found_status: get("found_status").map(str::to_string),
        candidate_status,
        category,
        from: date("from")?,
        to: date("to")?,
        limit: whole("limit", SearchQuery::default().limit)?,
        offset: whole("offset", 0)?,
    })
}

/// `GET /api/v1/search`: `{"cases", "found", "candidates"}` and their counts.
async fn search(
    State(state): State<Shared>,
    User(a): User,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, AppError> {
    let query = search_query(&q)?;
    let actor = a.user.username.clone();
    let found = off_runtime(state.registry.clone(), move |r| async move {
        r.search(&actor, &query).await
    })
    .await?;
    Ok(Json(json!(found)))
}

fn parse_id(id: &str) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::not_found())
}

async fn candidate(
    State(state): State<Shared>,
    User(a): User,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let id = parse_id(&id)?;
    candidate_detail(&state, &a.user.username, id)
        .await?
        .map(|d| Json(candidate_json(&d)))
        .ok_or_else(AppError::not_found)
}

/// A candidate as the API shows it: the page's data, with its `category`
/// (the one every list shows) and its `version` (to send with a review step)
/// also at the top.
pub(crate) fn candidate_json(d: &registry::CandidateDetail) -> Value {
    let mut v = json!(d);
    v["category"] = json!(d.summary.category);
    v["version"] = json!(d.summary.version);
    // The found child's and the family's references' profiles with the
    // same DNA as others (also under `found` and `case`).
    v["same_dna"] = json!(
        d.found
            .same_dna
            .iter()
            .chain(&d.case.same_dna)
            .collect::<Vec<_>>()
    );
    v
}

#[derive(Deserialize)]
struct ReviewBody {
    action: String,
    reason: Option<String>,
    /// The candidate's version the decision was made on.
    version: Option<i64>,
}

async fn review(
    State(state): State<Shared>,
    User(a): User,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let body: ReviewBody = serde_json::from_slice(&body).map_err(|_| {
        AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "expected {\"action\": ..., \"reason\": ..., \"version\": ...}",
        )
    })?;
    let action = ReviewAction::parse(&body.action).ok_or_else(|| {
        let names: Vec<&str> = ReviewAction::ALL.iter().map(|a| a.name()).collect();
        AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("action is one of {}", names.join(", ")),
        )
    })?;
    let version = body.version.ok_or_else(|| {
        AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "version: required; send the version of GET /api/v1/candidates/{id} the decision was made on"
            ),
        )
    })?;
    let done = state
        .registry
        .review_at(
            &a.user.username,
            id,
            action,
            body.reason.as_deref(),
            version,
        )
        .await;
    match done {
        Ok(status) => Ok(
            Json(json!({"id": id, "status": status.name(), "version": version + 1}))
                .into_response(),
        ),
        Err(e @ registry::RegistryError::Stale { .. }) => {
            // 409 with the candidate as it is now.
            let message = e.to_string();
            let now = candidate_detail(&state, &a.user.username, id)
                .await?
                .ok_or_else(AppError::not_found)?;
            Ok((
                StatusCode::CONFLICT,
                Json(json!({"error": message, "candidate": candidate_json(&now)})),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn case(
    State(state): State<Shared>,
    User(a): User,
    Path(case_id): Path<String>,
) -> Result<Json<Value>, AppError> {
    if a.user.role == Role::Family {
        // Its own case, and then only the status; any other id is refused alike.
        let own = a.user.case_ref.ok_or_else(AppError::forbidden)?;
        if state.registry.case_id_ref(&case_id).await? != Some(own) {
            return Err(AppError::forbidden());
        }
        // Reviewed news only: the status the candidates' reviews give.
        let (case_id, status) = state
            .registry
            .family_status(own)
            .await?
            .ok_or_else(AppError::forbidden)?;
        return Ok(Json(json!({"case_id": case_id, "status": status.name()})));
    }
    let info = state
        .registry
        .case_page(&a.user.username, &case_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Json(json!(info)))
}

/// `DELETE /api/v1/cases/{case_id}` (admin): the case and all that belongs to it.
async fn delete_case(
    State(state): State<Shared>,
    User(a): User,
    Path(case_id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let actor = a.user.username.clone();
    let done = off_runtime(state.registry.clone(), move |r| async move {
        r.delete_case(&actor, &case_id).await
    })
    .await?;
    Ok(Json(json!(done)))
}

async fn found(
    State(state): State<Shared>,
    User(a): User,
    Path(found_id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let info = state
        .registry
        .found_page(&a.user.username, &found_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Json(json!(info)))
}

async fn alerts(
    State(state): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let (limit, cursor) = page_params(&q)?;
    let page = state
        .registry
        .public_alert_page(limit, cursor.as_deref())
        .await?;
    Ok(page_response("/api/v1/alerts", &q, limit, page))
}

/// `GET /api/v1/alerts.pfif`: the same alerts as a PFIF 1.4 document, for
/// person-finder sites (no DNA, no contacts; audited as `public`).
async fn alerts_pfif(State(state): State<Shared>) -> Result<Response, AppError> {
    let export = state.registry.export_pfif("public").await?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "application/pfif+xml; charset=utf-8",
        )],
        export.xml,
    )
        .into_response())
}

async fn audit(
    State(state): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, AppError> {
    let limit = q
        .get("limit")
        .and_then(|l| l.parse::<i64>().ok())
        .unwrap_or(100)
        .clamp(1, 1000);
    Ok(Json(json!(state.registry.audit_tail(limit).await?)))
}

async fn openapi() -> Json<Value> {
    Json(routes::openapi())
}

async fn livez() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<Shared>) -> Response {
    match state.registry.case_status(-1).await {
        Ok(_) => "ready\n".into_response(),
        Err(_) => {
            tracing::warn!("readiness: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

pub(crate) async fn metrics(State(state): State<Shared>) -> Response {
    // Counted by the database (GROUP BY status), never by loading rows.
    let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
    if let Ok(counts) = state.registry.candidate_counts_by_status().await {
        for (status, n) in counts {
            by_status.insert(status, n.max(0) as u64);
        }
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.render(&by_status),
    )
        .into_response()
}

/// An import report as JSON.
pub fn report_json(r: &ImportReport) -> Value {
    json!({
        "kind": r.kind,
        "file": r.file,
        "rows": r.rows,
        "added": r.added,
        "unchanged": r.unchanged,
        "new_candidates": r.new_candidates,
        "notes": r.notes,
        "same_dna": r.same_dna,
    })
}

/// The options of an import.
#[derive(Debug, Default, Clone)]
pub struct ImportOptions {
    pub file: Option<String>,
    pub name: Option<String>,
    pub population: Option<String>,
    pub activate: bool,
    pub lab: Option<String>,
    pub kit: Option<String>,
}

/// Runs an import off the async runtime (it searches what it adds).
pub async fn run_import(
    state: &Shared,
    actor: &str,
    kind: ImportKind,
    text: String,
    o: ImportOptions,
) -> Result<ImportReport, AppError> {
    let file: String = o
        .file
        .clone()
        .unwrap_or_else(|| format!("{kind}.upload"))
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let actor = actor.to_string();
    off_runtime(state.registry.clone(), move |r| async move {
        match kind {
            ImportKind::Cases => r.import_cases(&actor, &file, &text).await,
            ImportKind::References => r.import_references(&actor, &file, &text).await,
            ImportKind::Found => r.import_found(&actor, &file, &text).await,
            ImportKind::Volunteers => r.import_volunteers(&actor, &file, &text).await,
            ImportKind::Cmf => r.import_cmf(&actor, &file, &text).await,
            ImportKind::Pfif => r.import_pfif(&actor, &file, &text).await,
            ImportKind::Profiles => {
                r.import_profiles(
                    &actor,
                    &file,
                    &text,
                    o.lab.as_deref(),
                    o.kit.as_deref(),
                    &|_, _| {},
                )
                .await
            }
            ImportKind::Haplotypes => {
                r.import_haplotypes(&actor, &file, &text, o.name.as_deref(), o.activate)
                    .await
            }
            ImportKind::Frequencies => {
                r.import_frequencies(
                    &actor,
                    &file,
                    &text,
                    o.name.as_deref(),
                    o.population.as_deref(),
                    o.activate,
                )
                .await
            }
        }
    })
    .await
}

/// `POST /api/v1/import/{kind}`: the file is the body, `?file=NAME`.
pub async fn import_kind(
    State(state): State<Shared>,
    User(a): User,
    uri: axum::http::Uri,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let kind = uri
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let kind = routes::web_import(&kind).ok_or_else(AppError::not_found)?;
    if !kind.roles().contains(&a.user.role) {
        return Err(AppError::forbidden());
    }
    let text = String::from_utf8(body.to_vec()).map_err(|_| {
        AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the file is not UTF-8 text",
        )
    })?;
    let o = ImportOptions {
        file: q.get("file").cloned(),
        name: q.get("name").cloned(),
        population: q.get("population").cloned(),
        activate: q.get("activate").is_some_and(|v| v == "true" || v == "1"),
        lab: q.get("lab").cloned(),
        kit: q.get("kit").cloned(),
    };
    let report = run_import(&state, &a.user.username, kind, text, o).await?;
    Ok(Json(report_json(&report)))
}

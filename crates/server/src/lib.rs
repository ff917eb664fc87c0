//! The web application and JSON API of Reunite.
//!
//! - [`routes::ROUTES`] lists every route with who may call it; the role
//!   guard enforces it and `/api/openapi.json` is written from it.
//! - Sessions are server-side (the registry stores the SHA-256 of the token);
//!   browsers carry the token in the `reunite_session` cookie, API clients as
//!   `Authorization: Bearer`.
//! - Logs carry the method, the route template, the status and the latency:
//!   never a query string, a body, a token or a name.

pub mod api;
pub mod auth;
pub mod drawing;
pub mod i18n;
pub mod leads;
pub mod metrics;
pub mod pages;
pub mod pdf;
pub mod photos;
pub mod register;
pub mod report_pdf;
pub mod routes;
pub mod svg;
pub mod words;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use registry::{Registry, SessionUser};

pub use i18n::Lang;

/// The largest import body.
pub const IMPORT_LIMIT: usize = 20 * 1024 * 1024;
/// The largest body elsewhere.
pub const BODY_LIMIT: usize = 64 * 1024;

/// How the application runs.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Mark cookies `Secure` (served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// The addresses of the reverse proxies in front of the server: from
    /// them, the client is read from `X-Forwarded-For`
    /// ([`api::client_addr`]); from any other peer that header is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// Shared by every request.
pub struct AppState {
    pub registry: Arc<Registry>,
    pub config: Config,
    pub limiter: auth::LoginLimiter,
    pub metrics: metrics::Metrics,
    /// Verified when a user does not exist, so that both failures cost the same.
    pub dummy_hash: String,
}

pub type Shared = Arc<AppState>;

impl AppState {
    pub async fn new(registry: Arc<Registry>, config: Config) -> Shared {
        let dummy_hash = tokio::task::spawn_blocking(auth::dummy_hash)
            .await
            .expect("hashing does not panic");
        Arc::new(AppState {
            registry,
            config,
            limiter: Default::default(),
            metrics: Default::default(),
            dummy_hash,
        })
    }
}

/// The session of a request, when it has one.
#[derive(Debug, Clone)]
pub struct Auth {
    pub user: SessionUser,
    pub token_hash: String,
    /// Sent as `Authorization: Bearer` (not a cookie).
    pub bearer: bool,
}

/// The route template of a response, for the log and the metrics.
#[derive(Debug, Clone)]
struct RouteTemplate(&'static str);

/// An error answer: JSON for the API, a small page elsewhere.
#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub message: String,
}

impl AppError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> AppError {
        AppError {
            status,
            message: message.into(),
        }
    }
    pub fn unauthorized() -> AppError {
        AppError::new(StatusCode::UNAUTHORIZED, "log in first")
    }
    pub fn forbidden() -> AppError {
        AppError::new(StatusCode::FORBIDDEN, "your role may not do this")
    }
    pub fn not_found() -> AppError {
        AppError::new(StatusCode::NOT_FOUND, "not found")
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(serde_json::json!({"error": self.message})),
        )
            .into_response()
    }
}

/// The one place a registry error becomes an HTTP status: refused input 422,
/// an unknown name 404, a step the current state does not allow (or a
/// decision on an old version) 409, each with its message; failures 500
/// with no detail, logged by kind only (never the message: it may name a
/// sample or a stored value).
impl From<registry::RegistryError> for AppError {
    fn from(e: registry::RegistryError) -> AppError {
        use registry::RegistryError as E;
        let status = match &e {
            E::Invalid(_) | E::Format(_) | E::Search(_) => StatusCode::UNPROCESSABLE_ENTITY,
            E::NotFound { .. } => StatusCode::NOT_FOUND,
            E::Conflict(_) | E::Stale { .. } => StatusCode::CONFLICT,
            E::Database(_) | E::Crypto(_) | E::Audit(_) | E::Damaged(_) => {
                let kind = match e {
                    E::Database(_) => "database",
                    E::Crypto(_) => "crypto",
                    E::Audit(_) => "audit",
                    _ => "damaged",
                };
                tracing::error!(kind, "registry failure");
                return AppError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error");
            }
        };
        AppError::new(status, e.to_string())
    }
}

/// Whether a POST comes from another site. Browsers that send
/// `Sec-Fetch-Site` are judged by it alone (they may send `Origin: null` for
/// same-origin forms under a strict referrer policy); others by `Origin`.
fn cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin_host = origin
            .to_str()
            .ok()
            .and_then(|o| o.split_once("://"))
            .map(|(_, h)| h.trim_end_matches('/'));
        return origin_host != Some(host);
    }
    false
}

/// The session a request's cookie or bearer token names, if any.
pub async fn session(state: &Shared, headers: &HeaderMap) -> Option<Auth> {
    let (token, bearer) = auth::request_token(headers)?;
    let token_hash = auth::token_hash(&token);
    let user = state.registry.session_user(&token_hash).await.ok()??;
    Some(Auth {
        user,
        token_hash,
        bearer,
    })
}

/// Finds the session, enforces the route table, and refuses cross-site POSTs.
async fn guard(State(state): State<Shared>, mut req: Request, next: Next) -> Response {
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let Some(spec) = routes::find(req.method().as_str(), &template) else {
        let mut res = AppError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "route not in the route table",
        )
        .into_response();
        res.extensions_mut().insert(RouteTemplate("unlisted"));
        return res;
    };
    // A NUL in the path or query is never a valid id or option (and
    // PostgreSQL refuses it in text): a clear 400 before anything reads it.
    let raw = req.uri().path_and_query().map_or("", |p| p.as_str());
    if raw.to_ascii_lowercase().contains("%00") {
        let mut res = AppError::new(StatusCode::BAD_REQUEST, "the address holds a NUL character")
            .into_response();
        res.extensions_mut().insert(RouteTemplate(spec.path));
        return res;
    }
    // The page's language: `?lang=` (the switch, kept in a cookie), the
    // cookie, `Accept-Language` (i18n.rs).
    let (lang, switched) = Lang::of_request(req.uri().query(), req.headers());
    req.extensions_mut().insert(lang);
    let is_page = spec.kind == routes::Kind::Page;
    let res = async {
        let mut auth = None;
        if let Some((token, bearer)) = auth::request_token(req.headers()) {
            let token_hash = auth::token_hash(&token);
            match state.registry.session_user(&token_hash).await {
                Ok(Some(user)) => {
                    auth = Some(Auth {
                        user,
                        token_hash,
                        bearer,
                    })
                }
                Ok(None) => {}
                Err(e) => return AppError::from(e).into_response(),
            }
        }
        let back = pages::Back::of(req.headers(), req.uri().path());
        if let Err(status) = spec.access.allows(auth.as_ref().map(|a| a.user.role)) {
            return if is_page {
                pages::denied(status, auth.as_ref(), &back, lang)
            } else {
                AppError::new(
                    status,
                    if status == StatusCode::UNAUTHORIZED {
                        "log in first"
                    } else {
                        "your role may not do this"
                    },
                )
                .into_response()
            };
        }
        if req.method() != Method::GET && req.method() != Method::HEAD {
            if cross_site(req.headers()) {
                let refused = AppError::new(StatusCode::FORBIDDEN, "cross-site request refused");
                return if is_page {
                    pages::error_page(refused.status, &refused.message, auth.as_ref(), &back, lang)
                } else {
                    refused.into_response()
                };
            }
            // The API with a cookie session (a browser): the CSRF token in a header.
            if !is_page
                && let Some(a) = &auth
                && !a.bearer
            {
                let sent = req
                    .headers()
                    .get("x-csrf-token")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if !auth::same_secret(sent, &a.user.csrf) {
                    return AppError::new(StatusCode::FORBIDDEN, "missing or wrong CSRF token")
                        .into_response();
                }
            }
        }
        req.extensions_mut().insert(auth.clone());
        let res = next.run(req).await;
        if is_page {
            pages::in_layout(res, auth.as_ref(), &back, lang)
        } else {
            res
        }
    }
    .await;
    let mut res = res;
    res.extensions_mut().insert(RouteTemplate(spec.path));
    if switched
        && is_page
        && let Ok(cookie) = header::HeaderValue::from_str(&lang.cookie())
    {
        res.headers_mut().append(header::SET_COOKIE, cookie);
    }
    res
}

/// Logs and counts every request; gives a clear message to a 413.
async fn observe(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let api = req.uri().path().starts_with("/api/");
    let mut res = next.run(req).await;
    let route = res
        .extensions()
        .get::<RouteTemplate>()
        .map(|r| r.0)
        .unwrap_or("unmatched");
    let status = res.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        let limit = if route.contains("import") {
            IMPORT_LIMIT
        } else if route.ends_with("/photos") {
            photos::PHOTO_LIMIT
        } else {
            BODY_LIMIT
        };
        let message = format!(
            "the request body is too large: at most {} bytes here",
            limit
        );
        // Pages answered in the layout already (the role guard).
        let html = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("text/html"));
        if api || !html {
            res = AppError::new(status, message).into_response();
        }
    }
    let h = res.headers_mut();
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        (
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        ("cache-control", "no-store"),
    ] {
        if !h.contains_key(name) {
            h.insert(name, header::HeaderValue::from_static(value));
        }
    }
    state.metrics.count(method.as_str(), route, status.as_u16());
    tracing::info!(
        method = %method,
        route,
        status = status.as_u16(),
        latency_ms = start.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    res
}

/// The whole application.
pub fn app(state: Shared) -> Router {
    // The import API is listed per kind; one handler serves them.
    let import_kinds = registry::ImportKind::on_the_web().fold(Router::new(), |r, k| {
        r.route(
            &format!("/api/v1/import/{k}"),
            axum::routing::post(api::import_kind),
        )
    });
    let big = Router::new()
        .merge(import_kinds)
        .route(
            "/import",
            axum::routing::get(pages::import_page).post(pages::import_upload),
        )
        .layer(DefaultBodyLimit::max(IMPORT_LIMIT));
    Router::new()
        .merge(api::router())
        .merge(pages::router())
        .merge(report_pdf::router())
        .merge(leads::router())
        .merge(register::router())
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .merge(big)
        .merge(photos::router())
        .fallback(pages::not_found)
        .route_layer(middleware::from_fn_with_state(state.clone(), guard))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// `/metrics` alone and without an account, for a Prometheus scraper on an
/// address of its own (`reunite serve --metrics-listen`): on the
/// application's address the metrics are the administrators' (sessions last
/// [`auth::SESSION_TTL_SECONDS`], too short for a scraper's credentials).
pub fn metrics_app(state: Shared) -> Router {
    Router::new()
        .route("/metrics", axum::routing::get(api::metrics))
        .with_state(state)
}

/// Serves [`metrics_app`] until `shutdown` completes.
pub async fn serve_metrics(
    state: Shared,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, metrics_app(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    state: Shared,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The retention policy runs hourly: genotypes of references of reunited
    // cases are deleted once their period is over.
    let registry = state.registry.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            if let Err(e) = registry.run_retention("retention").await {
                tracing::warn!(error = %e.to_string().chars().take(80).collect::<String>(), "retention run failed");
            }
        }
    });
    // What another server or a command-line import on the same database
    // changed reaches this server's search index within a second (a page
    // that searches also brings it in step first).
    let registry = state.registry.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
        loop {
            every.tick().await;
            if let Err(e) = registry.catch_up_index().await {
                tracing::warn!(error = %e.to_string().chars().take(80).collect::<String>(), "bringing the search index in step failed");
            }
        }
    });
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Completes on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

/// Runs a registry call on a blocking thread (searches and imports are CPU
/// work that must not hold an async worker).
pub async fn off_runtime<T, F, Fut>(registry: Arc<Registry>, f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(Arc<Registry>) -> Fut + Send + 'static,
    Fut: Future<Output = registry::Result<T>>,
{
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || handle.block_on(f(registry)))
        .await
        .map_err(|_| AppError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error"))?
        .map_err(AppError::from)
}

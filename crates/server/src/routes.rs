//! The route table: every route with its method and who may call it. The
//! role guard enforces it and the OpenAPI document is written from it, so the
//! two cannot disagree.

use std::sync::LazyLock;

use registry::{ImportKind, Role};
use serde_json::{Value, json};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without an account.
    Public,
    /// A logged-in account with one of these roles.
    Roles(&'static [Role]),
}

impl Access {
    /// The `x-roles` of the OpenAPI document: `["public"]` or the role names.
    pub fn names(self) -> Vec<&'static str> {
        match self {
            Access::Public => vec!["public"],
            Access::Roles(r) => r.iter().map(|r| r.name()).collect(),
        }
    }

    pub fn allows(self, role: Option<Role>) -> Result<(), axum::http::StatusCode> {
        match (self, role) {
            (Access::Public, _) => Ok(()),
            (Access::Roles(_), None) => Err(axum::http::StatusCode::UNAUTHORIZED),
            (Access::Roles(r), Some(role)) if r.contains(&role) => Ok(()),
            (Access::Roles(_), Some(_)) => Err(axum::http::StatusCode::FORBIDDEN),
        }
    }
}

/// What a route serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// JSON under `/api/v1/` (in the OpenAPI document).
    Api,
    /// Operations: health and metrics (in the OpenAPI document).
    Ops,
    /// A server-rendered page or form.
    Page,
}

/// One route.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub method: &'static str,
    /// The axum path, `{name}` for a parameter (also the OpenAPI path).
    pub path: &'static str,
    pub access: Access,
    pub kind: Kind,
    pub summary: &'static str,
    /// The request body's media type, for POST routes.
    pub body: Option<&'static str>,
}

const ALL: &[Role] = &[Role::Admin, Role::Lab, Role::Caseworker, Role::Family];
const STAFF: &[Role] = &[Role::Admin, Role::Caseworker];
const REVIEWERS: &[Role] = &[Role::Caseworker];
const CASE_READERS: &[Role] = &[Role::Admin, Role::Caseworker, Role::Family];
const IMPORTERS: &[Role] = &[Role::Admin, Role::Lab, Role::Caseworker];
const ADMIN: &[Role] = &[Role::Admin];

const fn r(
    method: &'static str,
    path: &'static str,
    access: Access,
    kind: Kind,
    summary: &'static str,
) -> RouteSpec {
    RouteSpec {
        method,
        path,
        access,
        kind,
        summary,
        body: None,
    }
}

const fn post(
    path: &'static str,
    access: Access,
    kind: Kind,
    body: &'static str,
    summary: &'static str,
) -> RouteSpec {
    RouteSpec {
        method: "POST",
        path,
        access,
        kind,
        summary,
        body: Some(body),
    }
}

use Access::{Public, Roles};
use Kind::{Api, Ops, Page};

/// Every route of the application: the fixed ones and one import route per
/// kind the server imports ([`ImportKind::on_the_web`]).
pub static ROUTES: LazyLock<Vec<RouteSpec>> = LazyLock::new(|| {
    FIXED
        .iter()
        .copied()
        .chain(ImportKind::on_the_web().filter_map(import_route))
        .collect()
});

/// `POST /api/v1/import/KIND`: the file of a kind as the body, for the roles
/// that may bring it (`None` for a kind imported on the command line only).
fn import_route(kind: ImportKind) -> Option<RouteSpec> {
    let (path, body, summary) = match kind {
        ImportKind::Cases => (
            "/api/v1/import/cases",
            "text/csv",
            "Import missing-child cases (?file=NAME)",
        ),
        ImportKind::References => (
            "/api/v1/import/references",
            "text/csv",
            "Import the references of cases (?file=NAME)",
        ),
        ImportKind::Found => (
            "/api/v1/import/found",
            "text/csv",
            "Import found children (?file=NAME)",
        ),
        ImportKind::Volunteers => (
            "/api/v1/import/volunteers",
            "text/csv",
            "Import clan volunteers: men who give a Y sample for their paternal lineage (?file=NAME)",
        ),
        ImportKind::Profiles => (
            "/api/v1/import/profiles",
            "text/plain",
            "Import lab profiles (?file=NAME&lab=&kit=)",
        ),
        ImportKind::Cmf => (
            "/api/v1/import/cmf",
            "application/xml",
            "Import a CODIS CMF XML file: references of registered cases and unidentified children (?file=NAME)",
        ),
        ImportKind::Frequencies => (
            "/api/v1/import/frequencies",
            "text/plain",
            "Import a frequency database (?file=NAME&name=&population=&activate=true)",
        ),
        ImportKind::Haplotypes => (
            "/api/v1/import/haplotypes",
            "text/csv",
            "Import a population Y-STR haplotype database (?file=NAME&name=&activate=true)",
        ),
        ImportKind::Pfif => return None,
    };
    Some(post(path, Roles(kind.roles()), Api, body, summary))
}

/// The routes that are the same whatever kinds of file there are.
const FIXED: &[RouteSpec] = &[
    // JSON API
    post(
        "/api/v1/login",
        Public,
        Api,
        "application/json",
        "Log in: {username, password} -> {token}",
    ),
    post(
        "/api/v1/logout",
        Roles(ALL),
        Api,
        "application/json",
        "End the session of the bearer token",
    ),
    r(
        "GET",
        "/api/v1/me",
        Roles(ALL),
        Api,
        "The account of the session",
    ),
    r(
        "GET",
        "/api/v1/candidates",
        Roles(STAFF),
        Api,
        "Candidates, best first (ties by id): a page of ?limit= (1-1000, default 100) after ?cursor=, filtered by ?status=new&category=excluded&found=FC-1&case=MC-1 (every item has its category, the one its own page shows); the next page's cursor in the Next-Cursor header and Link: <...>; rel=\"next\"",
    ),
    r(
        "GET",
        "/api/v1/candidates/{id}",
        Roles(STAFF),
        Api,
        "A candidate: markers side by side, LRs, facts, history, its category and its version (send it with a review step)",
    ),
    post(
        "/api/v1/candidates/{id}/review",
        Roles(REVIEWERS),
        Api,
        "application/json",
        "A review step: {action: start_review|request_test|confirm|reunite|reject|reopen, reason, version}; 409 with the candidate as it is now when version is not its current one",
    ),
    r(
        "GET",
        "/api/v1/lineage-leads",
        Roles(STAFF),
        Api,
        "Paternal-line leads (Y-STR), the strongest first: a found boy and a man of a missing boy's paternal line whose Y haplotypes differ at up to two locus copies. Each: {id, found_id, case_id, reference_sample, relationship, meioses, compared, differing (locus names), lr, log10_lr, match_probability, method (disclap, or none without an active haplotype database), database, status, computed_at, candidate_id, autosomal_log10_lr and combined_log10_lr (where the family's autosomal profiles made the boy a candidate: the two LRs multiplied)}. A lead, not an identification: an autosomal test decides",
    ),
    post(
        "/api/v1/lineage-leads/{id}/status",
        Roles(REVIEWERS),
        Api,
        "application/json",
        "A lead's review step: {status: family_contacted|autosomal_requested|confirmed|ruled_out}; forward only, ruled out at any step, an outcome only after the autosomal test was requested; 409 otherwise",
    ),
    r(
        "GET",
        "/api/v1/volunteer-leads",
        Roles(STAFF),
        Api,
        "Clan volunteer leads (Y-STR), the strongest first: a found boy and a clan volunteer whose Y haplotypes differ at up to two locus copies. Each: {id, found_id, volunteer_sample, surname, ancestral_place, person_name, known_cases (case ids), compared, differing, lrs (the LR for 1..20 meioses), likeliest_meioses, lr and log10_lr (at the likeliest), match_probability, method, database, status, computed_at}",
    ),
    post(
        "/api/v1/volunteer-leads/{id}/status",
        Roles(REVIEWERS),
        Api,
        "application/json",
        "A clan volunteer lead's review step, as a paternal-line lead's",
    ),
    r(
        "GET",
        "/api/v1/cases/{case_id}",
        Roles(CASE_READERS),
        Api,
        "A case (a family account: its own case's status only)",
    ),
    r(
        "DELETE",
        "/api/v1/cases/{case_id}",
        Roles(ADMIN),
        Api,
        "Delete a case: the case, its references and their genotypes, its candidates, its family accounts (the audit keeps a record without personal data)",
    ),
    r(
        "GET",
        "/api/v1/found/{found_id}",
        Roles(STAFF),
        Api,
        "A found child",
    ),
    r(
        "GET",
        "/api/v1/alerts",
        Public,
        Api,
        "Opted-in public alerts of missing children (no DNA), newest missing date first: a page of ?limit= (1-1000, default 100) after ?cursor=; the next page's cursor in Next-Cursor and Link",
    ),
    r(
        "GET",
        "/api/v1/alerts.pfif",
        Public,
        Api,
        "The same alerts as a PFIF 1.4 document (application/pfif+xml) for person-finder sites: no DNA, no references, no contacts",
    ),
    r(
        "GET",
        "/api/v1/search",
        Roles(STAFF),
        Api,
        "Find cases, found children and candidates: ?q= names, places (encrypted; found through keyed blind indexes of their words, any two characters of a Chinese name), ids and institutions (any part); every word must match. Filters: case_status, found_status, status (of candidates), category, from and to (YYYY-MM-DD: missing or found on those days). A page of each list: ?limit= (1-1000, default 25) and ?offset=. Answers {cases, case_count, found, found_count, candidates, candidate_count, too_short}",
    ),
    r(
        "GET",
        "/api/v1/audit",
        Roles(ADMIN),
        Api,
        "The newest audit entries (?limit=100)",
    ),
    r("GET", "/api/openapi.json", Public, Api, "This document"),
    // Operations
    r("GET", "/livez", Public, Ops, "The process is up"),
    r("GET", "/readyz", Public, Ops, "The database answers"),
    r(
        "GET",
        "/metrics",
        Roles(ADMIN),
        Ops,
        "Prometheus metrics (administrators; a scraper without an account reads them on the separate --metrics-listen address)",
    ),
    // Pages
    r("GET", "/login", Public, Page, "Login form"),
    post(
        "/login",
        Public,
        Page,
        "application/x-www-form-urlencoded",
        "Log in",
    ),
    post(
        "/logout",
        Roles(ALL),
        Page,
        "application/x-www-form-urlencoded",
        "Log out",
    ),
    r("GET", "/", Roles(ALL), Page, "Dashboard (by role)"),
    r(
        "GET",
        "/cases/{case_id}",
        Roles(STAFF),
        Page,
        "Case page with the family pedigree",
    ),
    r(
        "GET",
        "/found/{found_id}",
        Roles(STAFF),
        Page,
        "Found-child page",
    ),
    r(
        "GET",
        "/candidates/{id}",
        Roles(STAFF),
        Page,
        "Candidate page",
    ),
    r(
        "GET",
        "/candidates/{id}/report",
        Roles(STAFF),
        Page,
        "A candidate's report for police files and courts: hypotheses, LR and its ENFSI verbal equivalent, posterior and prior, facts, markers, method, who reviewed and who confirmed; printable",
    ),
    r(
        "GET",
        "/candidates/{id}/report.pdf",
        Roles(STAFF),
        Page,
        "The same report as a PDF (A4, in the page's language; Latin text in Helvetica, Chinese in the reader's STSong-Light through the predefined CMap UniGB-UTF16-H, no font embedded); private, no-store",
    ),
    post(
        "/candidates/{id}/review",
        Roles(REVIEWERS),
        Page,
        "application/x-www-form-urlencoded",
        "A review decision",
    ),
    r(
        "GET",
        "/register",
        Roles(STAFF),
        Page,
        "Forms to register one missing child, one relative or one found child",
    ),
    post(
        "/register",
        Roles(STAFF),
        Page,
        "application/x-www-form-urlencoded",
        "Register one missing child, relative or found child (the kind's CSV columns as fields; a refusal shows the form again with what was typed)",
    ),
    r(
        "GET",
        "/cases/{case_id}/edit",
        Roles(STAFF),
        Page,
        "The form to edit a case, filled with its details",
    ),
    post(
        "/cases/{case_id}/edit",
        Roles(STAFF),
        Page,
        "application/x-www-form-urlencoded",
        "Edit a case (the cases file's columns as fields; the case is searched again)",
    ),
    r(
        "GET",
        "/cases/{case_id}/references/{sample_name}/edit",
        Roles(STAFF),
        Page,
        "The form to edit a relative who gave DNA",
    ),
    post(
        "/cases/{case_id}/references/{sample_name}/edit",
        Roles(STAFF),
        Page,
        "application/x-www-form-urlencoded",
        "Edit a relative's relationship, name or sex (the family is searched again)",
    ),
    r(
        "GET",
        "/found/{found_id}/edit",
        Roles(STAFF),
        Page,
        "The form to edit a found child, filled with its details",
    ),
    post(
        "/found/{found_id}/edit",
        Roles(STAFF),
        Page,
        "application/x-www-form-urlencoded",
        "Edit a found child (the found-children file's columns as fields; the child is searched again)",
    ),
    r(
        "GET",
        "/leads",
        Roles(STAFF),
        Page,
        "Paternal-line leads: found boys whose Y chromosome nearly matches a man of a missing boy's father's family, in words, with the LR and the review of each lead",
    ),
    post(
        "/leads/{id}/status",
        Roles(REVIEWERS),
        Page,
        "application/x-www-form-urlencoded",
        "A lead's review step (family contacted, autosomal test requested, confirmed, ruled out)",
    ),
    post(
        "/leads/volunteer/{id}/status",
        Roles(REVIEWERS),
        Page,
        "application/x-www-form-urlencoded",
        "A clan volunteer lead's review step",
    ),
    r("GET", "/import", Roles(IMPORTERS), Page, "Import page"),
    post(
        "/import",
        Roles(IMPORTERS),
        Page,
        "multipart/form-data",
        "Upload a lab file",
    ),
    r(
        "GET",
        "/search",
        Roles(STAFF),
        Page,
        "Search cases, found children and candidates",
    ),
    r("GET", "/audit", Roles(ADMIN), Page, "Audit page"),
    r("GET", "/alerts", Public, Page, "Public alerts"),
    post(
        "/cases/{case_id}/photos",
        Roles(STAFF),
        Page,
        "multipart/form-data",
        "Add a photo of the missing child (JPEG or PNG, re-encoded, stored encrypted)",
    ),
    post(
        "/found/{found_id}/photos",
        Roles(STAFF),
        Page,
        "multipart/form-data",
        "Add a photo of a found child (JPEG or PNG, re-encoded, stored encrypted)",
    ),
    r(
        "GET",
        "/photos/{id}",
        Roles(STAFF),
        Page,
        "A photo of a child (JPEG; the read is audited)",
    ),
    post(
        "/photos/{id}/delete",
        Roles(STAFF),
        Page,
        "application/x-www-form-urlencoded",
        "Remove a photo (a wrong or outdated one; audited), back to its case or found child",
    ),
    r(
        "GET",
        "/alerts/{case_id}/photo",
        Public,
        Page,
        "The photo of a public alert, where the family opted in",
    ),
];

/// The API lists read a page at a time (`limit`, `cursor`).
pub const PAGED: &[&str] = &["/api/v1/candidates", "/api/v1/alerts"];

/// The spec of a matched route.
pub fn find(method: &str, path: &str) -> Option<&'static RouteSpec> {
    let method = if method == "HEAD" { "GET" } else { method };
    ROUTES.iter().find(|r| r.method == method && r.path == path)
}

/// The kind of file a code names, when the server imports it.
pub fn web_import(kind: &str) -> Option<ImportKind> {
    ImportKind::parse(kind).filter(|k| !k.roles().is_empty())
}

/// The OpenAPI 3 document of the API and operations routes.
pub fn openapi() -> Value {
    let mut paths = serde_json::Map::new();
    for route in ROUTES.iter().filter(|r| r.kind != Kind::Page) {
        let params: Vec<Value> = route
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let mut op = json!({
            "summary": route.summary,
            "operationId": format!("{} {}", route.method, route.path),
            "x-roles": route.access.names(),
            "parameters": params,
            "responses": {
                "200": {"description": "OK"},
                "401": {"description": "No session"},
                "403": {"description": "The role may not do this"},
            },
        });
        if route.access == Access::Public {
            op["security"] = json!([]);
        }
        if PAGED.contains(&route.path) {
            let mut params = op["parameters"].as_array().cloned().unwrap_or_default();
            params.push(json!({"name": "limit", "in": "query", "required": false,
                "description": "Rows in the page, 1 to 1000 (default 100)",
                "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}));
            params.push(json!({"name": "cursor", "in": "query", "required": false,
                "description": "The Next-Cursor of the previous page (opaque); none for the first page",
                "schema": {"type": "string"}}));
            op["parameters"] = json!(params);
            op["responses"]["200"] = json!({
                "description": "A bare JSON array: one page, in order",
                "headers": {
                    "Next-Cursor": {"description": "The cursor of the next page; absent on the last page", "schema": {"type": "string"}},
                    "Link": {"description": "<the next page's URL>; rel=\"next\" (absent on the last page)", "schema": {"type": "string"}},
                },
            });
            op["responses"]["422"] =
                json!({"description": "A bad limit or cursor (the message says which and why)"});
        }
        if let Some(media) = route.body {
            op["requestBody"] = json!({"required": true, "content": {media: {}}});
            let limit = if route.path.contains("/import") {
                crate::IMPORT_LIMIT
            } else {
                crate::BODY_LIMIT
            };
            op["responses"]["413"] = json!({
                "description": format!("The body is too large: at most {limit} bytes")
            });
            op["responses"]["422"] =
                json!({"description": "The body is refused (the message says why and where)"});
        }
        let entry = paths
            .entry(route.path.to_string())
            .or_insert_with(|| json!({}));
        entry[route.method.to_lowercase()] = op;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Reunite",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "DNA kinship matching to find the families of missing children. \
                `x-roles` lists the roles allowed on each operation (`public`: no account needed). \
                Log in with POST /api/v1/login, then send `Authorization: Bearer <token>`.",
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind the server imports has its route, at
    /// `/api/v1/import/{code}`, for the roles of the kind; no other import
    /// route exists.
    #[test]
    fn every_web_import_kind_has_its_route() {
        for kind in ImportKind::on_the_web() {
            let path = format!("/api/v1/import/{}", kind.name());
            let spec = find("POST", &path).unwrap_or_else(|| panic!("{path}"));
            assert_eq!(spec.access, Access::Roles(kind.roles()), "{path}");
            assert_eq!(web_import(kind.name()), Some(kind));
        }
        let imports = ROUTES
            .iter()
            .filter(|r| r.path.starts_with("/api/v1/import/"))
            .count();
        assert_eq!(imports, ImportKind::on_the_web().count());
        assert_eq!(web_import("pfif"), None);
    }
}

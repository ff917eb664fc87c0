//! Photos of children on the pages: the upload form of a case's and a found
//! child's page (multipart, the session's CSRF token), a photo for staff, and
//! the photo of a public alert. What is checked, how a photo is re-encoded
//! and stored is the registry's (`registry::photos`).

use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use registry::photos::{MAX_UPLOAD_BYTES, Photo, PhotoOwner};

use crate::api::{User, encode};
use crate::pages::{PageResult, check_csrf};
use crate::{AppError, Lang, Shared};

/// The largest upload body: the largest photo and the form around it.
pub const PHOTO_LIMIT: usize = MAX_UPLOAD_BYTES + 64 * 1024;
/// The largest photo, in MB (the form's words).
pub const UPLOAD_MB: usize = MAX_UPLOAD_BYTES / (1024 * 1024);

/// The photos' routes, under their own body limit ([`PHOTO_LIMIT`]).
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/cases/{case_id}/photos", post(case_upload))
        .route("/found/{found_id}/photos", post(found_upload))
        .route("/photos/{id}", get(photo))
        .route("/photos/{id}/delete", post(delete))
        .route("/alerts/{case_id}/photo", get(alert_photo))
        .layer(DefaultBodyLimit::max(PHOTO_LIMIT))
}

async fn case_upload(
    State(state): State<Shared>,
    user: User,
    lang: Lang,
    Path(case_id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    upload(&state, user, lang, PhotoOwner::Case, &case_id, multipart).await
}

async fn found_upload(
    State(state): State<Shared>,
    user: User,
    lang: Lang,
    Path(found_id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    upload(&state, user, lang, PhotoOwner::Found, &found_id, multipart).await
}

/// The upload form sent: its `csrf` and `photo` fields read, the photo
/// added, back to the owner's page; a refusal in the layout with its reason.
async fn upload(
    state: &Shared,
    User(a): User,
    lang: Lang,
    owner: PhotoOwner,
    owner_id: &str,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let refused = |message: String| AppError::new(StatusCode::UNPROCESSABLE_ENTITY, message);
    let Ok(mut multipart) = multipart else {
        return Err(refused(lang.t("photos-not-a-form")).into());
    };
    let too_large = || {
        AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            lang.t1("photos-too-large", "mb", UPLOAD_MB),
        )
    };
    let mut csrf = None;
    let mut photo: Option<Vec<u8>> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(too_large().into());
            }
            Err(e) => return Err(AppError::new(e.status(), e.body_text()).into()),
        };
        match field.name().unwrap_or("") {
            "photo" => match field.bytes().await {
                Ok(b) => photo = Some(b.to_vec()),
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return Err(too_large().into());
                }
                Err(e) => return Err(AppError::new(e.status(), e.body_text()).into()),
            },
            "csrf" => csrf = field.text().await.ok(),
            _ => {}
        }
    }
    check_csrf(&a, csrf.as_ref())?;
    let Some(bytes) = photo.filter(|b| !b.is_empty()) else {
        return Err(refused(lang.t("photos-choose-file")).into());
    };
    match state
        .registry
        .add_photo(&a.user.username, owner, owner_id, &bytes)
        .await
    {
        Ok(_) => {
            let page = match owner {
                PhotoOwner::Case => "cases",
                PhotoOwner::Found => "found",
            };
            Ok(Redirect::to(&format!("/{page}/{}", encode(owner_id))).into_response())
        }
        Err(registry::RegistryError::Invalid(reason)) => {
            Err(refused(format!("{} {reason}", lang.t("photos-refused"))).into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Removes a photo (a form with its `csrf`), back to its owner's page.
async fn delete(
    State(state): State<Shared>,
    User(a): User,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> PageResult {
    let form = crate::pages::parse_form(&body);
    check_csrf(&a, form.get("csrf"))?;
    let (owner, owner_id) = state.registry.delete_photo(&a.user.username, &id).await?;
    let page = match owner {
        PhotoOwner::Case => "cases",
        PhotoOwner::Found => "found",
    };
    Ok(Redirect::to(&format!("/{page}/{}", encode(&owner_id))).into_response())
}

/// A JPEG answer that no cache keeps.
fn jpeg(photo: Photo, cache: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, cache),
        ],
        photo.jpeg,
    )
        .into_response()
}

/// A photo, for staff (the read is audited).
async fn photo(State(state): State<Shared>, User(a): User, Path(id): Path<String>) -> PageResult {
    let photo = state
        .registry
        .photo(&a.user.username, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(jpeg(photo, "private, no-store"))
}

/// The photo of a public alert: only while the family's opt-in holds.
async fn alert_photo(State(state): State<Shared>, Path(case_id): Path<String>) -> PageResult {
    let photo = state
        .registry
        .public_photo(&case_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(jpeg(photo, "no-store"))
}

//! Photos of children: the missing child of a case at the time of loss, a
//! found child now.
//!
//! **Checked and re-encoded.** A photo is taken only as JPEG or PNG, known by
//! its content (its first bytes), never by a file name; at most
//! [`MAX_UPLOAD_BYTES`] and [`MAX_INPUT_SIDE`] pixels a side, refused before
//! its pixels are decoded (the decoder's limits). It is decoded, turned by
//! its EXIF orientation, scaled down to at most [`MAX_SIDE`] pixels on its
//! long side and encoded again as a baseline JPEG of quality [`QUALITY`].
//! Only the pixels are kept: the EXIF of a phone (GPS position, time, the
//! phone's serial number), ICC profiles and comments are dropped.
//!
//! **Stored encrypted.** Table `photos` (schema version 11): the owner (a
//! `case` or a `found` child, by row id), the JPEG sealed with the registry
//! key bound to (`photos`, `image`, its `photo_id`, a random id that is also
//! its address), its size in pixels and bytes, who added it and when.
//! Deleted with an erased case, sealed again at a key rotation, in the
//! content digest of backups.
//!
//! **Read.** Every photo read by staff is an audit entry. The public sees
//! the latest photo of a case only while the case's alert is public (the
//! family opted in, `alerts.rs`) and the case is open, as the alerts list.

use std::collections::BTreeSet;
use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};
use serde::Serialize;
use sqlx::Row;

use crate::store::{Event, rows_in};
use crate::{Registry, RegistryError, Result, crypto};

/// The largest photo accepted, in bytes, as sent.
pub const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;
/// The largest width or height accepted, in pixels, as sent.
pub const MAX_INPUT_SIDE: u32 = 8000;
/// The long side of a stored photo at most, in pixels.
pub const MAX_SIDE: u32 = 1024;
/// The JPEG quality of a stored photo.
pub const QUALITY: u8 = 85;
/// Memory the decoder may take (an 8000×8000 RGBA image is 256 MB).
const MAX_ALLOC: u64 = 300 * 1024 * 1024;

/// Whose photo it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PhotoOwner {
    /// The missing child of a case (by `case_id`), at the time of loss.
    Case,
    /// A found child (by `found_id`), now.
    Found,
}

impl PhotoOwner {
    /// The stored `owner_kind` and the audit's target type.
    pub fn name(self) -> &'static str {
        match self {
            PhotoOwner::Case => "case",
            PhotoOwner::Found => "found",
        }
    }

    /// The table of the owner and its natural key column.
    fn table(self) -> (&'static str, &'static str) {
        match self {
            PhotoOwner::Case => ("cases", "case_id"),
            PhotoOwner::Found => ("found_children", "found_id"),
        }
    }

    fn what(self) -> &'static str {
        match self {
            PhotoOwner::Case => "case",
            PhotoOwner::Found => "found child",
        }
    }
}

/// A stored photo: a JPEG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub photo_id: String,
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// What is known of a photo without its pixels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhotoInfo {
    pub photo_id: String,
    pub width: u32,
    pub height: u32,
    /// Bytes of the stored JPEG.
    pub bytes: usize,
}

fn refused(message: String) -> RegistryError {
    RegistryError::Invalid(message)
}

/// Checks a photo as sent and encodes it again: a JPEG of at most
/// [`MAX_SIDE`] pixels a side with nothing but its pixels (see the module
/// doc). Refused with the reason: not JPEG or PNG, too many bytes, too many
/// pixels, not decodable.
pub fn reencode(input: &[u8]) -> Result<Photo> {
    if input.is_empty() {
        return Err(refused("the photo is empty".into()));
    }
    if input.len() > MAX_UPLOAD_BYTES {
        return Err(refused(format!(
            "the photo is {} bytes: at most {MAX_UPLOAD_BYTES} bytes ({} MB) are accepted",
            input.len(),
            MAX_UPLOAD_BYTES / (1024 * 1024)
        )));
    }
    let format = match image::guess_format(input) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png)) => f,
        Ok(other) => {
            return Err(refused(format!(
                "the photo is a {} image: only JPEG and PNG photos are accepted",
                other
                    .extensions_str()
                    .first()
                    .unwrap_or(&"other")
                    .to_uppercase()
            )));
        }
        Err(_) => {
            return Err(refused(
                "the file is not a JPEG or PNG image: only JPEG and PNG photos are accepted".into(),
            ));
        }
    };
    let name = if format == ImageFormat::Jpeg {
        "JPEG"
    } else {
        "PNG"
    };
    let mut reader = ImageReader::with_format(Cursor::new(input), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_INPUT_SIDE);
    limits.max_image_height = Some(MAX_INPUT_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let bad = |e: ImageError| match e {
        ImageError::Limits(_) => refused(format!(
            "the photo is too large: at most {MAX_INPUT_SIDE}×{MAX_INPUT_SIDE} pixels are accepted"
        )),
        e => refused(format!("the {name} photo cannot be read: {e}")),
    };
    let mut decoder = reader.into_decoder().map_err(bad)?;
    let (w, h) = decoder.dimensions();
    if w > MAX_INPUT_SIDE || h > MAX_INPUT_SIDE {
        return Err(refused(format!(
            "the photo is {w}×{h} pixels: at most {MAX_INPUT_SIDE}×{MAX_INPUT_SIDE} are accepted"
        )));
    }
    let orientation = decoder.orientation().map_err(bad)?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(bad)?;
    img.apply_orientation(orientation);
    if img.width() == 0 || img.height() == 0 {
        return Err(refused("the photo has no pixels".into()));
    }
    if img.width() > MAX_SIDE || img.height() > MAX_SIDE {
        img = img.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Triangle);
    }
    // JPEG has no transparency: the colour channels are kept.
    let rgb = img.to_rgb8();
    let mut jpeg = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, QUALITY);
    rgb.write_with_encoder(encoder)
        .map_err(|e| RegistryError::Damaged(format!("a photo could not be encoded: {e}")))?;
    Ok(Photo {
        photo_id: String::new(),
        width: rgb.width(),
        height: rgb.height(),
        jpeg,
    })
}

/// A new photo id: 16 random bytes in hex.
fn new_photo_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("operating system random number generator failed");
    hex::encode(bytes)
}

impl Registry {
    /// Adds a photo to a case (`case_id`) or a found child (`found_id`):
    /// checked and re-encoded ([`reencode`]), sealed, audited. Refused
    /// input is [`RegistryError::Invalid`] with the reason.
    pub async fn add_photo(
        &self,
        actor: &str,
        owner: PhotoOwner,
        owner_id: &str,
        input: &[u8],
    ) -> Result<PhotoInfo> {
        let input = input.to_vec();
        let mut photo = tokio::task::spawn_blocking(move || reencode(&input))
            .await
            .map_err(|e| RegistryError::Damaged(format!("a photo's encoding failed: {e}")))??;
        photo.photo_id = new_photo_id();
        let sealed = crypto::encrypt(
            &self.key,
            &crypto::aad("photos", "image", &photo.photo_id),
            &photo.jpeg,
        );
        let info = PhotoInfo {
            photo_id: photo.photo_id.clone(),
            width: photo.width,
            height: photo.height,
            bytes: photo.jpeg.len(),
        };
        let (table, key) = owner.table();
        self.audited(async |tx| {
            // Table and column names are constants of `PhotoOwner`.
            let owner_ref: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT id FROM {table} WHERE {key} = $1"
            )))
            .bind(owner_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| RegistryError::not_found(owner.what(), owner_id))?
            .try_get("id")?;
            sqlx::query(
                "INSERT INTO photos (photo_id, owner_kind, owner, image, width, height, bytes, added_by, added_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(info.photo_id.clone())
            .bind(owner.name())
            .bind(owner_ref)
            .bind(sealed)
            .bind(i64::from(info.width))
            .bind(i64::from(info.height))
            .bind(info.bytes as i64)
            .bind(actor)
            .bind(crate::audit::now_rfc3339())
            .execute(&mut *tx)
            .await?;
            let event = Event {
                actor,
                action: "photo.add",
                target_type: owner.name(),
                target_id: owner_id,
                detail: format!(
                    "photo {}: {}×{} JPEG, {} bytes",
                    info.photo_id, info.width, info.height, info.bytes
                ),
            };
            Ok((info.clone(), event))
        })
        .await
    }

    /// Removes a photo (a wrong or outdated one), audited as `photo.delete`
    /// on its owner; returns the owner and its `case_id` or `found_id`.
    /// [`RegistryError::NotFound`] for an unknown photo.
    pub async fn delete_photo(&self, actor: &str, photo_id: &str) -> Result<(PhotoOwner, String)> {
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT p.id, p.owner_kind, c.case_id, f.found_id FROM photos p \
             LEFT JOIN cases c ON p.owner_kind = 'case' AND c.id = p.owner \
             LEFT JOIN found_children f ON p.owner_kind = 'found' AND f.id = p.owner \
             WHERE p.photo_id = $1",
        )
        .bind(photo_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| RegistryError::not_found("photo", photo_id))?;
        let kind: String = row.try_get("owner_kind")?;
        let (owner, owner_id): (PhotoOwner, Option<String>) = match kind.as_str() {
            "case" => (PhotoOwner::Case, row.try_get("case_id")?),
            "found" => (PhotoOwner::Found, row.try_get("found_id")?),
            other => {
                return Err(RegistryError::Damaged(format!(
                    "photo {photo_id}: unknown owner kind {other}"
                )));
            }
        };
        let owner_id = owner_id.ok_or_else(|| {
            RegistryError::Damaged(format!("photo {photo_id}: its owner is gone"))
        })?;
        sqlx::query("DELETE FROM photos WHERE id = $1")
            .bind(row.try_get::<i64, _>("id")?)
            .execute(&mut *tx)
            .await?;
        let event = Event {
            actor,
            action: "photo.delete",
            target_type: owner.name(),
            target_id: &owner_id,
            detail: format!("photo {photo_id}"),
        };
        crate::store::append_audit(&mut tx, self.backend, event).await?;
        tx.commit().await?;
        Ok((owner, owner_id))
    }

    /// The ids of a case's or a found child's photos, oldest first (no
    /// pixels: not an audited read). None for an unknown owner.
    pub async fn photo_ids(&self, owner: PhotoOwner, owner_id: &str) -> Result<Vec<String>> {
        let (table, key) = owner.table();
        // Table and column names are constants of `PhotoOwner`.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT p.photo_id FROM photos p JOIN {table} o ON o.id = p.owner \
             WHERE p.owner_kind = $1 AND o.{key} = $2 ORDER BY p.id"
        )))
        .bind(owner.name())
        .bind(owner_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("photo_id"))
            .collect::<std::result::Result<_, _>>()?)
    }

    /// One photo, decrypted for an authorised reader (audited), with its
    /// owner; `None` if there is no such photo.
    pub async fn photo(&self, actor: &str, photo_id: &str) -> Result<Option<Photo>> {
        let Some(r) = sqlx::query(
            "SELECT photo_id, owner_kind, owner, image, width, height FROM photos WHERE photo_id = $1",
        )
        .bind(photo_id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let photo = self.photo_of(&r)?;
        let kind: String = r.try_get("owner_kind")?;
        let owner: i64 = r.try_get("owner")?;
        self.audit_read(
            actor,
            "photo.read",
            "photo",
            photo_id,
            format!("of {kind} row {owner}"),
        )
        .await?;
        Ok(Some(photo))
    }

    /// The latest photo of a case whose alert is public (the family opted
    /// in) and open, as the public alerts show it; `None` otherwise.
    pub async fn public_photo(&self, case_id: &str) -> Result<Option<Photo>> {
        let r = sqlx::query(
            "SELECT p.photo_id, p.image, p.width, p.height FROM photos p JOIN cases c ON c.id = p.owner \
             WHERE p.owner_kind = 'case' AND c.case_id = $1 AND c.public_alert = 1 \
             AND c.status IN ('open', 'candidate_found') ORDER BY p.id DESC LIMIT 1",
        )
        .bind(case_id)
        .fetch_optional(&self.pool)
        .await?;
        r.map(|r| self.photo_of(&r)).transpose()
    }

    /// Of `case_ids`, those with a photo the public may see
    /// ([`Registry::public_photo`]).
    pub async fn cases_with_public_photo(&self, case_ids: &[String]) -> Result<BTreeSet<String>> {
        let mut conn = self.pool.acquire().await?;
        let rows = rows_in(&mut conn, case_ids, |list| {
            format!(
                "SELECT DISTINCT c.case_id FROM photos p JOIN cases c ON c.id = p.owner \
                 WHERE p.owner_kind = 'case' AND c.public_alert = 1 \
                 AND c.status IN ('open', 'candidate_found') AND c.case_id IN ({list})"
            )
        })
        .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("case_id"))
            .collect::<std::result::Result<_, _>>()?)
    }

    /// A photo from a row with photo_id, image, width, height.
    fn photo_of(&self, r: &sqlx::any::AnyRow) -> Result<Photo> {
        let photo_id: String = r.try_get("photo_id")?;
        let blob: Vec<u8> = r.try_get("image")?;
        let jpeg = crypto::decrypt(&self.key, &crypto::aad("photos", "image", &photo_id), &blob)?;
        let side = |c: &str| -> Result<u32> {
            u32::try_from(r.try_get::<i64, _>(c)?)
                .map_err(|_| RegistryError::Damaged(format!("photo {photo_id}: a bad {c}")))
        };
        Ok(Photo {
            width: side("width")?,
            height: side("height")?,
            photo_id,
            jpeg,
        })
    }
}

/// Deletes the photos of a case, in the caller's transaction (an erasure).
pub(crate) async fn forget_case(conn: &mut sqlx::AnyConnection, case_ref: i64) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM photos WHERE owner_kind = 'case' AND owner = $1")
            .bind(case_ref)
            .execute(&mut *conn)
            .await?
            .rows_affected(),
    )
}

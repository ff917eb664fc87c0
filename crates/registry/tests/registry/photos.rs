//! Photos of children: checked by content, re-encoded as a small JPEG
//! without metadata, sealed, audited when read, erased with their case,
//! sealed again at a key rotation, public only with the alert.

use std::io::Cursor;

use image::ImageFormat;
use registry::photos::{MAX_SIDE, PhotoOwner};
use registry::{Registry, RegistryError};

use crate::both;
use crate::common::*;

/// A generated picture encoded as `format`.
pub fn picture(w: u32, h: u32, format: ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 7 * 30) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// The GPS position a phone writes, as it appears in the test's EXIF.
const GPS_TEXT: &[u8] = b"GPS 51.5007N 0.1246W";

/// A JPEG with an APP1 Exif segment right after its SOI: a TIFF header,
/// an empty IFD, then text standing for a phone's GPS block.
fn jpeg_with_exif() -> Vec<u8> {
    let jpeg = picture(64, 48, ImageFormat::Jpeg);
    assert_eq!(&jpeg[..2], [0xFF, 0xD8]);
    let mut payload = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\0\0\0\0\0".to_vec();
    payload.extend_from_slice(GPS_TEXT);
    let len = u16::try_from(payload.len() + 2).unwrap();
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The `photos` rows as stored: (photo id, sealed image).
async fn raw_photos(db: &TestDb) -> Vec<(String, Vec<u8>)> {
    raw_pairs(db, "SELECT photo_id, image FROM photos ORDER BY id").await
}

fn decoded(jpeg: &[u8]) -> image::DynamicImage {
    assert_eq!(image::guess_format(jpeg).unwrap(), ImageFormat::Jpeg);
    image::load_from_memory_with_format(jpeg, ImageFormat::Jpeg).unwrap()
}

async fn png_and_jpeg_are_stored_as_small_sealed_jpegs(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let png = picture(2000, 1500, ImageFormat::Png);
    let a = r
        .add_photo("ann", PhotoOwner::Case, "MC-1", &png)
        .await
        .unwrap();
    assert_eq!((a.width, a.height), (MAX_SIDE, 768));
    let jpeg = picture(300, 400, ImageFormat::Jpeg);
    let b = r
        .add_photo("ann", PhotoOwner::Found, "FC-1", &jpeg)
        .await
        .unwrap();
    assert_eq!((b.width, b.height), (300, 400));
    assert_eq!(
        r.photo_ids(PhotoOwner::Case, "MC-1").await.unwrap(),
        [a.photo_id.as_str()]
    );
    assert_eq!(
        r.photo_ids(PhotoOwner::Found, "FC-1").await.unwrap(),
        [b.photo_id.as_str()]
    );
    assert!(
        r.photo_ids(PhotoOwner::Case, "MC-2")
            .await
            .unwrap()
            .is_empty()
    );
    for (info, side) in [(&a, 1024), (&b, 400)] {
        let p = r.photo("bob", &info.photo_id).await.unwrap().unwrap();
        assert_eq!(p.jpeg.len(), info.bytes);
        let img = decoded(&p.jpeg);
        assert_eq!((img.width(), img.height()), (info.width, info.height));
        assert_eq!(img.width().max(img.height()), side);
    }
    // Each read is an audit entry naming the photo.
    let tail = r.audit_tail(2).await.unwrap();
    assert!(
        tail.iter()
            .all(|e| e.action == "photo.read" && e.actor == "bob"),
        "{tail:?}"
    );
    // As stored: neither a JPEG nor a PNG, nor the JPEG's bytes.
    let raw = raw_photos(db).await;
    assert_eq!(raw.len(), 2);
    for (id, blob) in &raw {
        let p = r.photo("bob", id).await.unwrap().unwrap();
        assert!(
            image::guess_format(blob).is_err(),
            "{id} stored as an image"
        );
        assert!(!contains(blob, &p.jpeg[..64]), "{id} stored in the clear");
        assert!(!contains(blob, b"JFIF"), "{id}");
    }
    // An unknown owner or photo.
    let e = r
        .add_photo("ann", PhotoOwner::Case, "MC-404", &png)
        .await
        .unwrap_err();
    assert!(matches!(e, RegistryError::NotFound { .. }), "{e}");
    let e = r
        .add_photo("ann", PhotoOwner::Found, "MC-1", &png)
        .await
        .unwrap_err();
    assert!(matches!(e, RegistryError::NotFound { .. }), "{e}");
    assert!(r.photo("bob", "nope").await.unwrap().is_none());
}
both!(png_and_jpeg_are_stored_as_small_sealed_jpegs);

async fn what_is_not_a_jpeg_or_png_photo_is_refused(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec();
    let mut huge = picture(8, 8, ImageFormat::Png);
    huge.resize(9 * 1024 * 1024, 0);
    let mut cut = picture(200, 200, ImageFormat::Png);
    cut.truncate(cut.len() / 2);
    let cases: [(&str, Vec<u8>, &str); 6] = [
        (
            "text",
            b"name,place\nAmina,Riverton\n".to_vec(),
            "not a JPEG or PNG",
        ),
        ("gif", gif, "GIF image: only JPEG and PNG"),
        ("empty", Vec::new(), "empty"),
        ("huge", huge, "at most 8388608 bytes"),
        (
            "too many pixels",
            picture(8001, 2, ImageFormat::Png),
            "at most 8000×8000",
        ),
        ("cut", cut, "the PNG photo cannot be read"),
    ];
    for (what, bytes, says) in cases {
        let e = r
            .add_photo("ann", PhotoOwner::Case, "MC-1", &bytes)
            .await
            .unwrap_err();
        match &e {
            RegistryError::Invalid(m) => assert!(m.contains(says), "{what}: {m}"),
            e => panic!("{what}: {e:?}"),
        }
    }
    assert!(raw_photos(db).await.is_empty());
    assert!(
        r.photo_ids(PhotoOwner::Case, "MC-1")
            .await
            .unwrap()
            .is_empty()
    );
}
both!(what_is_not_a_jpeg_or_png_photo_is_refused);

async fn exif_is_dropped(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let input = jpeg_with_exif();
    assert!(contains(&input, b"Exif\0\0") && contains(&input, GPS_TEXT));
    // The input is a JPEG any reader takes.
    assert_eq!(decoded(&input).width(), 64);
    let info = r
        .add_photo("ann", PhotoOwner::Found, "FC-2", &input)
        .await
        .unwrap();
    let p = r.photo("ann", &info.photo_id).await.unwrap().unwrap();
    assert!(!contains(&p.jpeg, b"Exif"), "EXIF kept");
    assert!(!contains(&p.jpeg, GPS_TEXT), "GPS kept");
    assert!(!contains(&p.jpeg, &[0xFF, 0xE1]), "an APP1 segment kept");
    assert_eq!((decoded(&p.jpeg).width(), p.height), (64, 48));
}
both!(exif_is_dropped);

async fn an_erased_case_loses_its_photos(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let png = picture(40, 30, ImageFormat::Png);
    let gone = r
        .add_photo("ann", PhotoOwner::Case, "MC-1", &png)
        .await
        .unwrap();
    r.add_photo("ann", PhotoOwner::Case, "MC-1", &png)
        .await
        .unwrap();
    let kept = r
        .add_photo("ann", PhotoOwner::Case, "MC-2", &png)
        .await
        .unwrap();
    let found = r
        .add_photo("ann", PhotoOwner::Found, "FC-1", &png)
        .await
        .unwrap();
    assert_eq!(raw_photos(db).await.len(), 4);
    r.delete_case("admin", "MC-1").await.unwrap();
    let left: Vec<String> = raw_photos(db).await.into_iter().map(|p| p.0).collect();
    assert_eq!(left, [kept.photo_id, found.photo_id]);
    assert!(r.photo("bob", &gone.photo_id).await.unwrap().is_none());
    let tail = r.audit_tail(1).await.unwrap();
    assert!(tail[0].detail.contains("2 photos deleted"), "{tail:?}");
}
both!(an_erased_case_loses_its_photos);

async fn a_wrong_photo_is_removed_and_the_removal_audited(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let png = picture(40, 30, ImageFormat::Png);
    let wrong = r
        .add_photo("ann", PhotoOwner::Found, "FC-1", &png)
        .await
        .unwrap();
    let kept = r
        .add_photo("ann", PhotoOwner::Found, "FC-1", &png)
        .await
        .unwrap();
    let other = r
        .add_photo("ann", PhotoOwner::Case, "MC-1", &png)
        .await
        .unwrap();
    let owner = r.delete_photo("bob", &wrong.photo_id).await.unwrap();
    assert_eq!(owner, (PhotoOwner::Found, "FC-1".to_string()));
    assert_eq!(
        r.photo_ids(PhotoOwner::Found, "FC-1").await.unwrap(),
        std::slice::from_ref(&kept.photo_id)
    );
    assert_eq!(
        r.photo_ids(PhotoOwner::Case, "MC-1").await.unwrap(),
        std::slice::from_ref(&other.photo_id)
    );
    assert!(r.photo("bob", &wrong.photo_id).await.unwrap().is_none());
    let tail = r.audit_tail(1).await.unwrap();
    assert_eq!(
        (
            tail[0].actor.as_str(),
            tail[0].action.as_str(),
            tail[0].target_id.as_str()
        ),
        ("bob", "photo.delete", "FC-1")
    );
    assert!(tail[0].detail.contains(&wrong.photo_id), "{tail:?}");
    // A case's photo names its case; a photo removed twice is not found.
    assert_eq!(
        r.delete_photo("bob", &other.photo_id).await.unwrap(),
        (PhotoOwner::Case, "MC-1".to_string())
    );
    assert!(matches!(
        r.delete_photo("bob", &wrong.photo_id).await,
        Err(RegistryError::NotFound { .. })
    ));
    r.verify_audit().await.unwrap();
}
both!(a_wrong_photo_is_removed_and_the_removal_audited);

async fn a_key_rotation_keeps_photos_readable(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let info = r
        .add_photo(
            "ann",
            PhotoOwner::Case,
            "MC-1",
            &picture(50, 60, ImageFormat::Png),
        )
        .await
        .unwrap();
    let before = r.photo("ann", &info.photo_id).await.unwrap().unwrap();
    let sealed_before = raw_photos(db).await;
    let new_key = db.dir.path().join("new.key");
    r.rotate_key("admin", &new_key).await.unwrap();
    assert_ne!(raw_photos(db).await, sealed_before, "not sealed again");
    let mut o = options(&db.url, &new_key, db.dir.path());
    o.actor = "t".into();
    let (again, _) = Registry::open(o).await.unwrap();
    let after = again.photo("ann", &info.photo_id).await.unwrap().unwrap();
    assert_eq!(after, before);
    // The backups' digest opens it too.
    let digest = again.content_digest("admin").await.unwrap();
    assert!(
        digest
            .tables
            .iter()
            .any(|t| t.table == "photos" && t.rows == 1),
        "{digest:?}"
    );
    again.close().await;
}
both!(a_key_rotation_keeps_photos_readable);

async fn the_public_sees_a_photo_only_with_the_alert(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let ids = vec!["MC-1".to_string(), "MC-2".to_string()];
    let png = picture(30, 30, ImageFormat::Png);
    r.add_photo("ann", PhotoOwner::Case, "MC-1", &png)
        .await
        .unwrap();
    let latest = r
        .add_photo("ann", PhotoOwner::Case, "MC-1", &png)
        .await
        .unwrap();
    assert!(r.public_photo("MC-1").await.unwrap().is_none());
    assert!(r.cases_with_public_photo(&ids).await.unwrap().is_empty());
    r.set_public_alert("ann", "MC-1", true).await.unwrap();
    r.set_public_alert("ann", "MC-2", true).await.unwrap();
    let p = r.public_photo("MC-1").await.unwrap().unwrap();
    assert_eq!(p.photo_id, latest.photo_id);
    // An alert without a photo has none.
    assert!(r.public_photo("MC-2").await.unwrap().is_none());
    assert_eq!(
        r.cases_with_public_photo(&ids)
            .await
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        ["MC-1"]
    );
    r.set_public_alert("ann", "MC-1", false).await.unwrap();
    assert!(r.public_photo("MC-1").await.unwrap().is_none());
    assert!(r.cases_with_public_photo(&ids).await.unwrap().is_empty());
}
both!(the_public_sees_a_photo_only_with_the_alert);

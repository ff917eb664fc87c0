//! Field encryption at rest.
//!
//! The registry stores genotypes, names, contacts and distinguishing marks of
//! missing children. Those columns are encrypted with XChaCha20-Poly1305 under
//! a 256-bit key kept in a key file outside the database.
//!
//! # Blob format (version 1)
//!
//! ```text
//! version (1 byte, = 1) || key id (8 bytes) || nonce (24 bytes) || ciphertext || tag (16 bytes)
//! ```
//!
//! * The key id is the first 8 bytes of SHA-256 of the key. It identifies the
//!   key (so a blob encrypted under an old key is reported as
//!   [`CryptoError::WrongKey`] rather than as tampering) without revealing it.
//! * The nonce is random for every encryption; 24 bytes make collisions
//!   negligible even for billions of values under one key.
//! * The AEAD associated data is `version || key id || aad`, where `aad` is
//!   given by the caller and should be built with [`aad`] from the table,
//!   column and row the value belongs to. A ciphertext copied into another row
//!   or column then fails to decrypt.
//!
//! # Key files
//!
//! A key file holds the key as 64 hexadecimal characters and an optional
//! trailing newline. On Unix it must not be accessible to group or others
//! (mode 0600 or stricter); [`load_key`] refuses it otherwise.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, AeadInOut, Payload, Tag};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

/// Version byte of the blob format written by [`encrypt`].
pub const VERSION: u8 = 1;
/// Length of a key in bytes.
pub const KEY_LEN: usize = 32;
/// Length of the key id prefix stored in every blob, in bytes.
pub const KEY_ID_LEN: usize = 8;
/// Length of the XChaCha20 nonce, in bytes.
pub const NONCE_LEN: usize = 24;
/// Length of the Poly1305 authentication tag, in bytes.
pub const TAG_LEN: usize = 16;
/// Length of the blob header: version, key id and nonce.
pub const HEADER_LEN: usize = 1 + KEY_ID_LEN + NONCE_LEN;
/// Bytes a blob adds to the plaintext: `encrypt(..).len() == plaintext.len() + OVERHEAD`.
pub const OVERHEAD: usize = HEADER_LEN + TAG_LEN;

/// Number of hex characters in a key file (without the newline).
const KEY_HEX_LEN: usize = 2 * KEY_LEN;
/// Key files larger than this are rejected without reading them whole.
const KEY_FILE_MAX: u64 = 256;

/// Errors of key handling and decryption.
///
/// Messages name paths, lengths, modes and key ids (which are public
/// fingerprints), never plaintext or key bytes.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The key file does not exist.
    #[error("key file {} does not exist", .path.display())]
    KeyFileMissing { path: PathBuf },

    /// `create_key_file` / `write_key_file` refuse to overwrite a file.
    #[error(
        "key file {} already exists; refusing to overwrite it (move it away first if you really mean to replace the key)",
        .path.display()
    )]
    KeyFileExists { path: PathBuf },

    /// The key file is readable, writable or executable by group or others.
    #[error(
        "key file {} has mode {mode:04o}, which gives access to group or others; run `chmod 600 {}`",
        .path.display(),
        .path.display()
    )]
    KeyFilePermissions { path: PathBuf, mode: u32 },

    /// The key file does not hold exactly 64 hex characters (plus optional newline).
    #[error(
        "key file {} must hold exactly 64 hex characters and an optional newline, found {found} characters",
        .path.display()
    )]
    KeyFileLength { path: PathBuf, found: usize },

    /// The key file holds a character that is not a hex digit.
    #[error(
        "key file {} holds a non-hex character at position {position}; it must hold exactly 64 hex characters",
        .path.display()
    )]
    KeyFileNotHex { path: PathBuf, position: usize },

    /// Any other I/O error on a key file.
    #[error("key file {}: {source}", .path.display())]
    KeyFileIo {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// The blob was written in a format version this code does not know.
    #[error("encrypted value has unsupported format version {0} (expected {VERSION})")]
    UnsupportedVersion(u8),

    /// The blob was encrypted under another key.
    #[error("encrypted value was encrypted with key {found}, but the key in use is {expected}")]
    WrongKey { expected: String, found: String },

    /// The blob is shorter than the smallest valid blob.
    #[error("encrypted value is truncated: {len} bytes, at least {OVERHEAD} expected")]
    Truncated { len: usize },

    /// Authentication failed: the blob was altered, or the associated data
    /// differs (the value was moved from another row or column).
    #[error(
        "encrypted value failed authentication: it was altered or belongs to another row or column"
    )]
    Authentication,
}

/// A 256-bit field encryption key.
///
/// The bytes are overwritten with zeros when the key is dropped. `Debug`
/// shows only the key id.
#[derive(Clone)]
pub struct Key {
    bytes: [u8; KEY_LEN],
}

impl Key {
    /// A new random key from the operating system's random number generator.
    ///
    /// # Panics
    ///
    /// If the operating system cannot provide random bytes (there is no safe
    /// way to continue without them).
    pub fn generate() -> Key {
        let mut key = Key {
            bytes: [0; KEY_LEN],
        };
        getrandom::fill(&mut key.bytes).expect("operating system random number generator failed");
        key
    }

    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Key {
        Key { bytes }
    }

    /// The key id: hex of the first 8 bytes of SHA-256 of the key.
    ///
    /// It identifies a key (in logs, blobs, configuration) without revealing it.
    pub fn id(&self) -> String {
        hex::encode(self.id_bytes())
    }

    fn id_bytes(&self) -> [u8; KEY_ID_LEN] {
        let digest = Sha256::digest(self.bytes);
        let mut id = [0; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        id
    }

    /// A key for another purpose, derived from this one: HMAC-SHA256 of
    /// `label` under it. Knowing the derived key tells nothing of this one.
    pub(crate) fn derive(&self, label: &[u8]) -> [u8; 32] {
        use hmac::{KeyInit, Mac};
        let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(&self.bytes)
            .expect("HMAC takes a key of any length");
        mac.update(label);
        mac.finalize().into_bytes().into()
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.bytes.into())
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key").field("id", &self.id()).finish()
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        wipe(&mut self.bytes);
    }
}

/// Overwrites `buf` with zeros in a way the optimiser does not remove.
fn wipe(buf: &mut [u8]) {
    for b in buf.iter_mut() {
        // SAFETY: `b` is a valid, aligned, exclusive reference to a `u8`.
        unsafe { std::ptr::write_volatile(b, 0) };
    }
    std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
}

/// A byte buffer that is wiped when dropped (for key material in transit).
struct Secret(Vec<u8>);

impl Drop for Secret {
    fn drop(&mut self) {
        let len = self.0.capacity();
        self.0.resize(len, 0);
        wipe(&mut self.0);
    }
}

/// Reads a key file: 64 hex characters and an optional trailing newline.
///
/// On Unix the file must not be accessible to group or others.
pub fn load_key(path: &Path) -> Result<Key, CryptoError> {
    let io_err = |source: io::Error| -> CryptoError {
        if source.kind() == io::ErrorKind::NotFound {
            CryptoError::KeyFileMissing {
                path: path.to_path_buf(),
            }
        } else {
            CryptoError::KeyFileIo {
                path: path.to_path_buf(),
                source,
            }
        }
    };
    let file = File::open(path).map_err(io_err)?;
    // Check the permissions of the file that was opened, not of whatever the
    // path points to a moment later.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata().map_err(io_err)?.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(CryptoError::KeyFilePermissions {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    let mut text = Secret(Vec::with_capacity(KEY_FILE_MAX as usize + 1));
    file.take(KEY_FILE_MAX + 1)
        .read_to_end(&mut text.0)
        .map_err(io_err)?;
    let body: &[u8] = match text.0.as_slice() {
        [rest @ .., b'\r', b'\n'] | [rest @ .., b'\n'] => rest,
        all => all,
    };
    if body.len() != KEY_HEX_LEN {
        return Err(CryptoError::KeyFileLength {
            path: path.to_path_buf(),
            found: body.len(),
        });
    }
    if let Some(position) = body.iter().position(|c| !c.is_ascii_hexdigit()) {
        return Err(CryptoError::KeyFileNotHex {
            path: path.to_path_buf(),
            position,
        });
    }
    let mut key = Key {
        bytes: [0; KEY_LEN],
    };
    hex::decode_to_slice(body, &mut key.bytes).map_err(|_| CryptoError::KeyFileNotHex {
        path: path.to_path_buf(),
        position: 0,
    })?;
    Ok(key)
}

/// Creates a new key file holding a fresh random key, and returns the key.
///
/// The file is created with mode 0600 and never overwrites an existing file
/// (fails with [`CryptoError::KeyFileExists`]). The content is flushed to disk
/// before returning.
pub fn create_key_file(path: &Path) -> Result<Key, CryptoError> {
    let key = Key::generate();
    write_key_file(path, &key)?;
    Ok(key)
}

/// Writes `key` to a new key file (for key rotation): mode 0600, never
/// overwriting an existing file, flushed to disk before returning.
///
/// If writing fails after the file was created, the partial file is removed.
pub fn write_key_file(path: &Path, key: &Key) -> Result<(), CryptoError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|source| {
        if source.kind() == io::ErrorKind::AlreadyExists {
            CryptoError::KeyFileExists {
                path: path.to_path_buf(),
            }
        } else {
            CryptoError::KeyFileIo {
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    let mut text = Secret(vec![0; KEY_HEX_LEN + 1]);
    hex::encode_to_slice(key.bytes, &mut text.0[..KEY_HEX_LEN])
        .expect("buffer has exactly twice the key length");
    text.0[KEY_HEX_LEN] = b'\n';
    let written = file
        .write_all(&text.0)
        .and_then(|()| file.sync_all())
        .and_then(|()| sync_parent_dir(path));
    if let Err(source) = written {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(CryptoError::KeyFileIo {
            path: path.to_path_buf(),
            source,
        });
    }
    Ok(())
}

/// Makes the new directory entry durable (Unix); a no-op elsewhere.
fn sync_parent_dir(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        File::open(parent)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Builds the associated data binding a value to its table, column and row.
///
/// Each part is prefixed by its length (8 bytes, big endian), after a fixed
/// label, so different (table, column, row) triples never give the same bytes.
pub fn aad(table: &str, column: &str, row: &str) -> Vec<u8> {
    const LABEL: &[u8] = b"reunite/field/v1";
    let mut out = Vec::with_capacity(LABEL.len() + 24 + table.len() + column.len() + row.len());
    out.extend_from_slice(LABEL);
    for part in [table, column, row] {
        out.extend_from_slice(&(part.len() as u64).to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

/// The associated data given to the AEAD: the blob's version and key id
/// (fixed length) followed by the caller's associated data.
fn full_aad(prefix: &[u8], aad: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(prefix.len() + aad.len());
    out.extend_from_slice(prefix);
    out.extend_from_slice(aad);
    out
}

/// Encrypts `plaintext` under `key`, bound to `aad` (see [`aad`]).
///
/// Returns `version || key id || nonce || ciphertext || tag`, that is
/// `plaintext.len() + OVERHEAD` bytes.
///
/// # Panics
///
/// If the operating system cannot provide random bytes for the nonce.
pub fn encrypt(key: &Key, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).expect("operating system random number generator failed");
    let mut out = Vec::with_capacity(plaintext.len() + OVERHEAD);
    out.push(VERSION);
    out.extend_from_slice(&key.id_bytes());
    out.extend_from_slice(&nonce);
    let full = full_aad(&out[..1 + KEY_ID_LEN], aad);
    let sealed = key
        .cipher()
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plaintext,
                aad: &full,
            },
        )
        .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory sizes");
    out.extend_from_slice(&sealed);
    out
}

/// Decrypts a blob made by [`encrypt`] with the same key and associated data.
///
/// Errors: [`CryptoError::Truncated`], [`CryptoError::UnsupportedVersion`],
/// [`CryptoError::WrongKey`] (encrypted under another key), and
/// [`CryptoError::Authentication`] (altered, or other associated data).
pub fn decrypt(key: &Key, aad: &[u8], blob: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let (nonce, full) = opening(key, aad, blob)?;
    key.cipher()
        .decrypt(
            &nonce,
            Payload {
                msg: &blob[HEADER_LEN..],
                aad: &full,
            },
        )
        .map_err(|_| CryptoError::Authentication)
}

/// [`decrypt`] into `out`, which must be `blob.len() - OVERHEAD` bytes
/// long: the plaintext of a large blob (a part of the index snapshot)
/// written straight where it belongs, no allocation. On an error `out` holds
/// no plaintext and is not usable.
pub fn decrypt_into(key: &Key, aad: &[u8], blob: &[u8], out: &mut [u8]) -> Result<(), CryptoError> {
    let (nonce, full) = opening(key, aad, blob)?;
    let (sealed, tag) = blob[HEADER_LEN..].split_at(blob.len() - HEADER_LEN - TAG_LEN);
    assert_eq!(
        out.len(),
        sealed.len(),
        "decrypt_into: out is not the plaintext's length"
    );
    let tag = Tag::<XChaCha20Poly1305>::try_from(tag).map_err(|_| CryptoError::Truncated {
        len: HEADER_LEN + TAG_LEN,
    })?;
    out.copy_from_slice(sealed);
    key.cipher()
        .decrypt_inout_detached(&nonce, &full, out.into(), &tag)
        .map_err(|_| {
            out.fill(0);
            CryptoError::Authentication
        })
}

/// The nonce and full associated data of a blob made by [`encrypt`] under
/// `key` (its version, length and key checked).
fn opening(key: &Key, aad: &[u8], blob: &[u8]) -> Result<(XNonce, Vec<u8>), CryptoError> {
    let found = blob_key_id(blob)?;
    let key_id = key.id_bytes();
    if blob[1..1 + KEY_ID_LEN] != key_id {
        return Err(CryptoError::WrongKey {
            expected: hex::encode(key_id),
            found,
        });
    }
    let nonce: [u8; NONCE_LEN] = blob[1 + KEY_ID_LEN..HEADER_LEN]
        .try_into()
        .expect("slice has nonce length");
    Ok((XNonce::from(nonce), full_aad(&blob[..1 + KEY_ID_LEN], aad)))
}

/// The id (hex) of the key a blob was encrypted with, without decrypting it.
///
/// Useful during key rotation to find values still under an old key. Checks
/// the version and the minimum length.
pub fn blob_key_id(blob: &[u8]) -> Result<String, CryptoError> {
    match blob.first() {
        None => return Err(CryptoError::Truncated { len: 0 }),
        Some(&VERSION) => {}
        Some(&other) => return Err(CryptoError::UnsupportedVersion(other)),
    }
    if blob.len() < OVERHEAD {
        return Err(CryptoError::Truncated { len: blob.len() });
    }
    Ok(hex::encode(&blob[1..1 + KEY_ID_LEN]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_key(seed: u8) -> Key {
        let mut bytes = [0u8; KEY_LEN];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = seed.wrapping_mul(31).wrapping_add(i as u8);
        }
        Key::from_bytes(bytes)
    }

    #[test]
    fn round_trip() {
        let key = Key::generate();
        let ad = aad("profiles", "genotype", "42");
        for plaintext in [&b""[..], b"x", b"D3S1358 15,16; vWA 17,18; FGA 21,24"] {
            let blob = encrypt(&key, &ad, plaintext);
            assert_eq!(blob.len(), plaintext.len() + OVERHEAD);
            assert_eq!(blob[0], VERSION);
            assert_eq!(decrypt(&key, &ad, &blob).unwrap(), plaintext);
        }
    }

    #[test]
    fn nonces_are_fresh() {
        let key = test_key(1);
        let a = encrypt(&key, b"ad", b"same");
        let b = encrypt(&key, b"ad", b"same");
        assert_ne!(a, b);
        assert_ne!(a[1 + KEY_ID_LEN..HEADER_LEN], b[1 + KEY_ID_LEN..HEADER_LEN]);
    }

    #[test]
    fn ciphertext_does_not_contain_plaintext() {
        let key = test_key(2);
        let plaintext = b"Amina, birthmark on the left shoulder, mother's phone +000";
        let blob = encrypt(&key, b"", plaintext);
        assert!(
            !blob
                .windows(8)
                .any(|w| plaintext.windows(8).any(|p| p == w))
        );
    }

    #[test]
    fn tampering_any_byte_fails() {
        let key = test_key(3);
        let ad = aad("children", "name", "7");
        let blob = encrypt(&key, &ad, b"secret name");
        for i in 0..blob.len() {
            for flip in [0x01u8, 0x80] {
                let mut bad = blob.clone();
                bad[i] ^= flip;
                let err = decrypt(&key, &ad, &bad).unwrap_err();
                match i {
                    0 => assert!(matches!(err, CryptoError::UnsupportedVersion(_))),
                    1..=8 => assert!(matches!(err, CryptoError::WrongKey { .. })),
                    _ => assert!(matches!(err, CryptoError::Authentication), "byte {i}"),
                }
            }
        }
    }

    /// Opening into a buffer agrees with `decrypt` on every blob: the same
    /// plaintext, and the same refusal of every tampered byte, truncation,
    /// other key and other associated data.
    #[test]
    fn decrypting_into_a_buffer_agrees_with_decrypt() {
        let key = test_key(6);
        let ad = aad("index_snapshots", "content", "3");
        let into = |key: &Key, ad: &[u8], blob: &[u8]| {
            let mut out = vec![0xAA; blob.len().saturating_sub(OVERHEAD)];
            decrypt_into(key, ad, blob, &mut out).map(|()| out)
        };
        for plain in [&b""[..], b"x", &[7u8; 1000][..]] {
            let blob = encrypt(&key, &ad, plain);
            assert_eq!(into(&key, &ad, &blob).unwrap(), plain);
            for i in 0..blob.len() {
                let mut bad = blob.clone();
                bad[i] ^= 0x10;
                let want = decrypt(&key, &ad, &bad).unwrap_err().to_string();
                let got = into(&key, &ad, &bad).unwrap_err().to_string();
                assert_eq!(got, want, "byte {i}");
            }
            for len in 0..blob.len() {
                let short = &blob[..len];
                let want = decrypt(&key, &ad, short).unwrap_err().to_string();
                let got = into(&key, &ad, short).unwrap_err().to_string();
                assert_eq!(got, want, "len {len}");
            }
            assert!(matches!(
                into(&key, &aad("index_snapshots", "content", "4"), &blob),
                Err(CryptoError::Authentication)
            ));
            assert!(matches!(
                into(&test_key(7), &ad, &blob),
                Err(CryptoError::WrongKey { .. })
            ));
        }
    }

    #[test]
    fn truncation_fails() {
        let key = test_key(4);
        let blob = encrypt(&key, b"", b"abc");
        for len in 0..blob.len() {
            let err = decrypt(&key, b"", &blob[..len]).unwrap_err();
            if len < OVERHEAD {
                assert!(matches!(err, CryptoError::Truncated { .. }), "len {len}");
            } else {
                assert!(matches!(err, CryptoError::Authentication), "len {len}");
            }
        }
        let mut longer = blob.clone();
        longer.push(0);
        assert!(matches!(
            decrypt(&key, b"", &longer),
            Err(CryptoError::Authentication)
        ));
    }

    #[test]
    fn wrong_aad_fails() {
        let key = test_key(5);
        let blob = encrypt(&key, &aad("children", "name", "7"), b"secret");
        for other in [
            aad("children", "name", "8"),
            aad("children", "marks", "7"),
            aad("cases", "name", "7"),
            aad("children", "name7", ""),
            Vec::new(),
        ] {
            assert!(matches!(
                decrypt(&key, &other, &blob),
                Err(CryptoError::Authentication)
            ));
        }
    }

    #[test]
    fn aad_is_unambiguous() {
        assert_ne!(aad("ab", "c", "d"), aad("a", "bc", "d"));
        assert_ne!(aad("a", "b", "cd"), aad("a", "bc", "d"));
        assert_ne!(aad("", "", "x"), aad("x", "", ""));
        assert_eq!(aad("t", "c", "r"), aad("t", "c", "r"));
    }

    #[test]
    fn wrong_key_is_reported() {
        let old = test_key(6);
        let new = test_key(7);
        let blob = encrypt(&old, b"ad", b"genotype");
        match decrypt(&new, b"ad", &blob) {
            Err(CryptoError::WrongKey { expected, found }) => {
                assert_eq!(expected, new.id());
                assert_eq!(found, old.id());
            }
            other => panic!("expected WrongKey, got {other:?}"),
        }
        assert_eq!(blob_key_id(&blob).unwrap(), old.id());
    }

    #[test]
    fn key_id_is_sha256_prefix() {
        let key = Key::from_bytes([0u8; 32]);
        // SHA-256 of 32 zero bytes is 66687aadf862bd77...
        assert_eq!(key.id(), "66687aadf862bd77");
        assert_eq!(key.id().len(), 16);
    }

    #[test]
    fn debug_shows_no_key_material() {
        let key = Key::from_bytes([0xab; 32]);
        let shown = format!("{key:?} {key:#?}");
        assert!(shown.contains(&key.id()));
        assert!(!shown.to_lowercase().contains("abab"));
        assert!(!shown.contains('['), "byte array leaked: {shown}");
    }

    #[test]
    fn key_file_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("field.key");
        let key = create_key_file(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.len(), 65);
        assert!(text.ends_with('\n'));
        let loaded = load_key(&path).unwrap();
        assert_eq!(loaded.id(), key.id());
        let blob = encrypt(&key, b"ad", b"value");
        assert_eq!(decrypt(&loaded, b"ad", &blob).unwrap(), b"value");
    }

    #[test]
    fn write_key_file_for_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.key");
        let key = test_key(8);
        write_key_file(&path, &key).unwrap();
        assert_eq!(load_key(&path).unwrap().id(), key.id());
        assert!(matches!(
            write_key_file(&path, &test_key(9)),
            Err(CryptoError::KeyFileExists { .. })
        ));
        assert_eq!(load_key(&path).unwrap().id(), key.id());
    }

    #[test]
    fn refuses_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("field.key");
        std::fs::write(&path, "do not overwrite me").unwrap();
        let err = create_key_file(&path).unwrap_err();
        assert!(matches!(err, CryptoError::KeyFileExists { .. }));
        assert!(err.to_string().contains("field.key"));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "do not overwrite me"
        );
    }

    /// Writes `content` to a new file with mode 0600.
    fn private_file(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        path
    }

    #[cfg(unix)]
    #[test]
    fn refuses_world_readable_key_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("field.key");
        let key = create_key_file(&path).unwrap();
        for mode in [0o644, 0o640, 0o604, 0o620] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let err = load_key(&path).unwrap_err();
            match &err {
                CryptoError::KeyFilePermissions { mode: m, .. } => assert_eq!(*m, mode),
                other => panic!("expected KeyFilePermissions, got {other:?}"),
            }
            let msg = err.to_string();
            assert!(msg.contains(&path.display().to_string()), "{msg}");
            assert!(msg.contains(&format!("{mode:04o}")), "{msg}");
            assert!(msg.contains("chmod 600"), "{msg}");
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        assert_eq!(load_key(&path).unwrap().id(), key.id());
    }

    #[test]
    fn key_file_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.key");
        let err = load_key(&missing).unwrap_err();
        assert!(matches!(err, CryptoError::KeyFileMissing { .. }));
        assert!(err.to_string().contains("nope.key"));

        let hex64 = "0123456789abcdefABCDEF0123456789abcdef0123456789abcdef0123456789";
        assert_eq!(hex64.len(), 64);
        for (name, content) in [
            ("plain", hex64.to_string()),
            ("lf", format!("{hex64}\n")),
            ("crlf", format!("{hex64}\r\n")),
        ] {
            let path = private_file(dir.path(), name, content.as_bytes());
            load_key(&path).unwrap();
        }

        for (name, content, found) in [
            ("short", &hex64[..63], 63),
            ("empty", "", 0),
            ("long", &format!("{hex64}0")[..], 65),
            ("two_newlines", &format!("{hex64}\n\n")[..], 65),
        ] {
            let path = private_file(dir.path(), name, content.as_bytes());
            match load_key(&path) {
                Err(CryptoError::KeyFileLength { found: f, .. }) => assert_eq!(f, found, "{name}"),
                other => panic!("{name}: expected KeyFileLength, got {other:?}"),
            }
        }
        let big = private_file(dir.path(), "big", &[b'a'; 10_000]);
        assert!(matches!(
            load_key(&big),
            Err(CryptoError::KeyFileLength { .. })
        ));

        let not_hex = format!("{}g{}", &hex64[..10], &hex64[11..]);
        let path = private_file(dir.path(), "nothex", not_hex.as_bytes());
        let err = load_key(&path).unwrap_err();
        match &err {
            CryptoError::KeyFileNotHex { position, .. } => assert_eq!(*position, 10),
            other => panic!("expected KeyFileNotHex, got {other:?}"),
        }
        // The message names the file and position, not the content.
        assert!(!err.to_string().contains(&hex64[..10]));
    }

    #[test]
    fn error_messages_hold_no_secrets() {
        let key = Key::from_bytes([0x5a; 32]);
        let plaintext = b"very secret plaintext";
        let blob = encrypt(&key, b"ad", plaintext);
        let mut bad = blob.clone();
        *bad.last_mut().unwrap() ^= 1;
        let errors = [
            decrypt(&key, b"ad", &bad).unwrap_err(),
            decrypt(&key, b"other", &blob).unwrap_err(),
            decrypt(&test_key(1), b"ad", &blob).unwrap_err(),
            decrypt(&key, b"ad", &blob[..5]).unwrap_err(),
        ];
        for err in errors {
            let msg = format!("{err} {err:?}");
            assert!(!msg.contains("secret"), "{msg}");
            assert!(!msg.to_lowercase().contains("5a5a"), "{msg}");
        }
    }
}

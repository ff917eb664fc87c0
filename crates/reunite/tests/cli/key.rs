//! `reunite key generate`: a new key file, owner-only, never overwritten, and
//! one that a registry then uses.

use crate::common::{data, reunite, stderr, stdout};

#[test]
fn generate_writes_a_private_key_that_opens_a_registry_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("registry.key");
    let k = key.to_str().unwrap();
    let o = reunite(&["key", "generate", "--key-file", k]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(k), "{}", stdout(&o));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "mode {:o}", mode & 0o777);
    }
    let first = std::fs::read(&key).unwrap();

    // A second key at another path is a different key.
    let other = dir.path().join("other.key");
    let o = reunite(&["key", "generate", "--key-file", other.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_ne!(std::fs::read(&other).unwrap(), first);

    // Never overwritten: an error naming the file, the key unchanged.
    let o = reunite(&["key", "generate", "--key-file", k]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains(k) && stderr(&o).contains("already exists"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(&key).unwrap(), first);

    // A registry opened with the key uses it (none is created beside the
    // database), and the other key cannot open what it encrypted.
    let db = dir.path().join("registry.db");
    let url = format!("sqlite://{}", db.display());
    let freq = data("nist1036/frequencies.csv");
    let o = reunite(&[
        "import",
        "frequencies",
        freq.to_str().unwrap(),
        "--population",
        "All",
        "--name",
        "NIST",
        "--database-url",
        &url,
        "--key-file",
        k,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!dir.path().join("reunite.key").exists());
    let o = reunite(&["audit", "verify", "--database-url", &url, "--key-file", k]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = reunite(&[
        "audit",
        "verify",
        "--database-url",
        &url,
        "--key-file",
        other.to_str().unwrap(),
    ]);
    assert!(!o.status.success(), "another key opened the registry");
}

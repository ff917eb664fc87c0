//! The files an import reads, as streams read twice, never whole: opened
//! again from their start ([`OpenFile`]), hashed as they are read
//! ([`Hashing`]), the registry CSV readers row by row ([`HashedRows`]) and
//! the second reading a chunk at a time ([`next_chunk`]).

use formats::genotypes::ReadError;
use formats::registry_csv::{
    CaseReader, CaseRow, FoundReader, FoundRow, ReferenceReader, ReferenceRow, VolunteerReader,
    VolunteerRow,
};
use formats::{FormatError, Location};
use sha2::{Digest, Sha256};
use std::io::{BufReader, Read};

use crate::{RegistryError, Result};

/// Opens a file to read it once more from its start: a stream of its bytes.
/// A streaming import ([`crate::Registry::import_profiles_from`],
/// [`crate::Registry::import_cases_from`], ...) calls it twice, to check the file
/// and then to store it.
pub type OpenFile<'f> = dyn Fn() -> std::io::Result<Box<dyn Read + Send + 'f>> + Sync + 'f;

/// A text as a file opened again at every call.
pub(super) fn text_stream<'t>(
    text: &'t str,
) -> impl Fn() -> std::io::Result<Box<dyn Read + Send + 't>> + Sync + 't {
    move || Ok(Box::new(text.as_bytes()))
}

/// A file opened by `open`, hashed as it is read.
pub(super) type HashedFile<'f> = BufReader<Hashing<'f>>;

pub(super) fn hashed<'f>(file: &str, open: &OpenFile<'f>) -> Result<HashedFile<'f>> {
    let inner =
        open().map_err(|e| FormatError::whole(file, format!("cannot read the file: {e}")))?;
    Ok(BufReader::with_capacity(1 << 16, Hashing::new(inner)))
}

/// A registry CSV file read row by row through [`Hashing`].
pub(super) trait HashedRows {
    type Row;
    fn next_row(&mut self) -> std::result::Result<Option<Self::Row>, FormatError>;
    /// The SHA-256 of what was read (the whole file once every row is read).
    fn finish(self) -> String;
}

macro_rules! hashed_rows {
    ($reader:ident, $row:ty) => {
        impl<'f> HashedRows for $reader<'_, HashedFile<'f>> {
            type Row = $row;
            fn next_row(&mut self) -> std::result::Result<Option<$row>, FormatError> {
                $reader::next_row(self)
            }
            fn finish(self) -> String {
                self.into_inner().into_inner().finish()
            }
        }
    };
}
hashed_rows!(CaseReader, CaseRow);
hashed_rows!(ReferenceReader, ReferenceRow);
hashed_rows!(FoundReader, FoundRow);
hashed_rows!(VolunteerReader, VolunteerRow);

/// Rows (samples of a genotype table) stored at a time in the second
/// reading: what the registry holds of them is read by one statement per
/// table and the new ones are written by one, so the database is handed a
/// few statements per chunk, not a few per row. A refused row refuses the
/// whole file all the same.
pub const IMPORT_CHUNK: usize = 500;
pub(super) const CHUNK: usize = IMPORT_CHUNK;

/// The next rows of the second reading, at most [`CHUNK`], into `chunk`;
/// `false` at the end. `k` counts the rows read; more than the first
/// reading's `total` means the file changed.
pub(super) fn next_chunk<T>(
    mut next: impl FnMut() -> Result<Option<T>>,
    chunk: &mut Vec<T>,
    k: &mut usize,
    total: usize,
    file: &str,
) -> Result<bool> {
    chunk.clear();
    while chunk.len() < CHUNK {
        let Some(row) = next()? else { break };
        *k += 1;
        if *k > total {
            return Err(file_changed(file));
        }
        chunk.push(row);
    }
    Ok(!chunk.is_empty())
}

/// The first reading of a CSV file: every row checked, nothing kept but the
/// count and the file's SHA-256.
pub(super) fn first_reading<R: HashedRows>(mut rows: R) -> Result<(usize, String)> {
    let mut n = 0;
    while rows.next_row()?.is_some() {
        n += 1;
    }
    Ok((n, rows.finish()))
}

/// The second reading of a file did not give what the first checked.
pub(super) fn file_changed(file: &str) -> RegistryError {
    changed(file, ReadError::NotTogether { line: 0 })
}

/// A reading error of a genotype file as the registry's.
pub(super) fn read_error(file: &str, e: ReadError) -> RegistryError {
    match e {
        ReadError::Format(e) => RegistryError::Format(e),
        ReadError::NotTogether { line } => RegistryError::Format(FormatError::new(
            file,
            Location::line(line),
            "a sample's rows are apart; the file must be read keeping every sample",
        )),
    }
}

/// The second reading of a file did not give what the first checked.
pub(super) fn changed(file: &str, e: ReadError) -> RegistryError {
    match e {
        ReadError::Format(e) => RegistryError::Format(e),
        ReadError::NotTogether { .. } => RegistryError::Invalid(format!(
            "{file}: the file changed while it was imported; nothing was stored"
        )),
    }
}

/// A stream that hashes (SHA-256) what is read through it.
pub(super) struct Hashing<'a> {
    inner: Box<dyn Read + Send + 'a>,
    hasher: Sha256,
}

impl<'a> Hashing<'a> {
    pub(super) fn new(inner: Box<dyn Read + Send + 'a>) -> Hashing<'a> {
        Hashing {
            inner,
            hasher: Sha256::new(),
        }
    }

    /// The hash of what was read, in hex.
    pub(super) fn finish(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}

impl Read for Hashing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

//! Genotype tables, read into profiles: one genotype per marker and sample.
//!
//! Three layouts are read, told apart by the header (the first non-blank line;
//! columns are separated by tabs if the header has a tab, by commas otherwise;
//! header names are matched ignoring case, spaces, underscores and hyphens):
//!
//! - **long** (one row per sample and marker): a `sample` (or `Sample Name`)
//!   column, a `marker` (or `locus`) column and allele columns `allele1`,
//!   `allele2`, ... (or `Allele 1`, `Allele 2`, ...), optionally `sex` and
//!   `population`; any other column is ignored. This covers GeneMapper ID-X
//!   genotype table exports (tab-separated, with `Sample File`, `Panel`,
//!   `Size 1`, `Height 1`, ... columns) and plain long CSV tables.
//! - **wide** (one row per sample): a `sample` column, optionally `population`
//!   and `sex`, and two columns `LOCUS_a1`, `LOCUS_a2` per marker, like
//!   `data/nist1036/genotypes.csv`; a Y-STR locus also as one column named
//!   after it (`DYS19`, `DYS389I`, `YGATAH4`, `DYS385` holding `11-14`), and
//!   a two-copy locus as the columns of its copies (`DYS385a`, `DYS385b`).
//!   Any other named column is an error.
//!
//! Rules for all layouts: marker names are written in their canonical spelling
//! and an unknown marker is an error; Amelogenin gives the sex (X,X female, X,Y
//! male) and is not kept as a marker; one allele called means a homozygote; no
//! allele called means the marker was not typed (it is absent from the
//! profile); three or more alleles (a mixture), an off-ladder (`OL`) or other
//! non-allele call, the same sample and marker twice and an empty sample name
//! make the whole file an error.
//!
//! Y-STR loci, in every layout: a marker (long) or column (wide) that
//! [`ystr::Locus`] names (DYS19, DYS385, DYS389I, YGATAH4, ...; DYS391,
//! DYS570 and DYS576, which autosomal kits carry, too) goes to the profile's
//! Y haplotype, [`Profile::y`], not to its autosomal markers. Its calls are
//! the distinct alleles given (`11-14`, `11/14` and `11,14` in one cell, or
//! one per allele cell), read as one [`ystr::Call`]: intermediate, null and
//! duplicated alleles kept and flagged; no allele, untyped. A two-copy locus
//! (DYS385, DYF387S1) may be given whole (`DYS385` `11`,`14`) or as its two
//! copies (`DYS385a` `11` and `DYS385b` `14`, two rows of the long layout or
//! two columns of the wide), combined into the one unordered call the whole
//! locus gives. A copy holds one repeat number; both copies empty is the
//! locus untyped. Errors: a copy with two or more alleles, one copy empty and
//! the other not, a copy given without the other (reported once the sample's
//! rows are read: at the end of the file when samples' rows are apart), the
//! same copy twice, and a locus given both whole and as copies.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;

use kinship::{Allele, Genotype, Sex};
use ystr::locus::{Coordinate, Copy as YCopy};

use crate::error::{FormatError, Location};
use crate::frequencies::TableReader;
use crate::markers::{canonical_marker_in, is_amelogenin};

/// The genotypes of one sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// The sample name, as written (trimmed).
    pub sample: String,
    /// The first line of the file (1-based) with this sample.
    pub line: usize,
    /// The sex, from Amelogenin or a sex column, when known.
    pub sex: Option<Sex>,
    /// The population, from a population column, when given.
    pub population: Option<String>,
    /// A genotype per typed marker (canonical names), in first-seen order.
    /// Markers with no allele called are absent; Amelogenin is never here.
    pub markers: Vec<(String, Genotype)>,
    /// The Y-STR loci typed (a marker or column named as [`ystr::Locus`]
    /// knows it, DYS19, DYS385, DYS389I, ..., in any layout), taken out of
    /// the autosomal markers, in the order read (a locus given as its two
    /// copies where its second copy is): a two-copy locus as one call with
    /// both alleles, kept smaller first; intermediate, null and duplicated
    /// alleles kept and flagged (`ystr::Call`). `None` when none is typed.
    pub y: Option<ystr::Haplotype>,
}

impl Profile {
    /// The genotype at a marker (canonical name), if typed.
    pub fn genotype(&self, marker: &str) -> Option<Genotype> {
        self.markers
            .iter()
            .find(|(m, _)| m == marker)
            .map(|&(_, g)| g)
    }
}

/// The profiles of a genotype table, in the order their samples first appear.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GenotypeTable {
    pub profiles: Vec<Profile>,
}

impl GenotypeTable {
    /// The profile of a sample, by its name.
    pub fn profile(&self, sample: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.sample == sample)
    }
}

/// Reads a genotype table (see [`parse_genotypes`]); the path, as displayed,
/// names the file in errors. The file is read as a stream (see
/// [`GenotypeReader`]), and a second time when the rows of a sample are not
/// together.
pub fn read_genotypes(path: &Path) -> Result<GenotypeTable, FormatError> {
    let file = path.display().to_string();
    let open = || {
        std::fs::File::open(path)
            .map(std::io::BufReader::new)
            .map_err(|e| FormatError::whole(&file, format!("cannot read the file: {e}")))
    };
    read_all(&file, &mut || open(), &[])
}

/// Parses a genotype table in any of the layouts of the module documentation.
/// `file` names the file in errors.
pub fn parse_genotypes(file: &str, text: &str) -> Result<GenotypeTable, FormatError> {
    parse_genotypes_with_markers(file, text, &[])
}

/// As [`parse_genotypes`], with the markers of `extra` (e.g. those of the
/// active frequency database) known besides the built-in vocabulary. A thin
/// wrapper of [`GenotypeReader`] for callers that hold the text.
pub fn parse_genotypes_with_markers(
    file: &str,
    text: &str,
    extra: &[String],
) -> Result<GenotypeTable, FormatError> {
    read_all(file, &mut || Ok(text.as_bytes()), extra)
}

/// Every profile of a table, streamed; read again keeping every sample when
/// the rows of a sample are not together.
fn read_all<R: std::io::BufRead>(
    file: &str,
    open: &mut dyn FnMut() -> Result<R, FormatError>,
    extra: &[String],
) -> Result<GenotypeTable, FormatError> {
    for samples in [Samples::Together, Samples::Anywhere] {
        let mut reader = match GenotypeReader::new(file, open()?, extra, samples) {
            Ok(r) => r,
            Err(ReadError::Format(e)) => return Err(e),
            Err(ReadError::NotTogether { .. }) => continue,
        };
        let mut profiles = Vec::new();
        loop {
            match reader.next_profile() {
                Ok(Some(p)) => profiles.push(p),
                Ok(None) => return Ok(GenotypeTable { profiles }),
                Err(ReadError::Format(e)) => return Err(e),
                Err(ReadError::NotTogether { .. }) => break,
            }
        }
    }
    unreachable!("a reader that keeps every sample never finds them apart")
}

/// How a [`GenotypeReader`] keeps the samples it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Samples {
    /// Each sample's rows are together (every GeneMapper export, every wide
    /// table): a profile is given as soon as its rows end, and only a hash of
    /// each sample name read is kept. A sample seen again further on stops the
    /// reader with [`ReadError::NotTogether`]: read the file again with
    /// [`Samples::Anywhere`].
    Together,
    /// A sample's rows may be anywhere: every profile is kept until the end
    /// (memory in proportion to the file).
    Anywhere,
}

/// Why a [`GenotypeReader`] stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadError {
    /// The file is not a valid genotype table: where and why.
    Format(FormatError),
    /// Reading with [`Samples::Together`], the sample of this line was seen
    /// before, apart from it (or shares a hash with one that was): nothing is
    /// wrong with the file, but it must be read with [`Samples::Anywhere`].
    NotTogether { line: usize },
}

impl From<FormatError> for ReadError {
    fn from(e: FormatError) -> ReadError {
        ReadError::Format(e)
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Format(e) => e.fmt(f),
            ReadError::NotTogether { line } => write!(
                f,
                "line {line}: a sample's rows are not together; the file must be read whole"
            ),
        }
    }
}

impl std::error::Error for ReadError {}

/// The layout of a table, from its header.
enum Layout<'x> {
    /// One row per sample and marker: the marker column and the allele columns.
    Long { marker: usize, alleles: Vec<usize> },
    /// One row per sample: each marker or Y-STR locus with its columns, in
    /// the order of the header.
    Wide { columns: Vec<Wide<'x>> },
}

/// The columns of one marker of a wide table.
#[derive(Debug, Clone, PartialEq)]
enum Wide<'x> {
    /// An autosomal marker (or Amelogenin) with its two allele columns.
    Marker(&'x str, usize, usize),
    /// A Y-STR locus: one column holding its call (`DYS19`), or its two
    /// allele columns (`DYS19_a1`, `DYS19_a2`).
    Y(ystr::Locus, Vec<usize>),
    /// A two-copy Y-STR locus as the columns of its copies (`DYS385a`,
    /// `DYS385b`).
    YCopies(ystr::Locus, usize, usize),
}

/// A genotype table read from a stream record by record, giving its profiles
/// one at a time, in the order their samples first appear, with the errors
/// (file, line, field, reason) of [`parse_genotypes_with_markers`] (which is
/// this reader over a text). The lines are split by one CSV reader for the
/// whole stream; with [`Samples::Together`] the memory is one line, one
/// profile and a hash per sample read, whatever the size of the file.
///
/// As the whole-text reader did, an error of a row's field count (a field
/// beyond the header) anywhere in the file is reported before an error of
/// the header's columns or of a row's content: after such an error the
/// reader reads the rest of the lines for one.
pub struct GenotypeReader<'x, R> {
    file: String,
    extra: &'x [String],
    table: TableReader<R>,
    columns: Columns,
    sample: usize,
    layout: Layout<'x>,
    samples: Samples,
    builder: Builder<'x>,
    /// Hashes of the names of the samples given (with [`Samples::Together`]).
    given: HashSet<u64>,
    /// Profiles complete, not yet given.
    ready: VecDeque<Profile>,
    /// With [`Samples::Together`], the error of a profile finished with a
    /// copy of a two-copy Y locus without the other: told at the end of the
    /// file, as reading with [`Samples::Anywhere`] tells it, unless the
    /// sample's rows turn out to be apart (its other copy may be further on).
    /// No profile is given after it.
    lone_copy: Option<FormatError>,
    rows: usize,
    ended: bool,
}

/// A hash of a sample name (the same in every process).
fn name_hash(name: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(name)
}

impl<'x, R: std::io::BufRead> GenotypeReader<'x, R> {
    /// Reads the header of a table from `input`; `file` names it in errors and
    /// the markers of `extra` are known besides the built-in vocabulary.
    pub fn new(
        file: &str,
        input: R,
        extra: &'x [String],
        samples: Samples,
    ) -> Result<GenotypeReader<'x, R>, ReadError> {
        let mut table = TableReader::open(file, input, None, true)?;
        let (columns, sample, layout) = match header_layout(file, &table, extra) {
            Ok(found) => found,
            Err(e) => {
                // A field count error of any row comes first, as it did.
                while table.next_row()?.is_some() {}
                return Err(e.into());
            }
        };
        Ok(GenotypeReader {
            file: file.to_string(),
            extra,
            table,
            columns,
            sample,
            layout,
            samples,
            builder: Builder::default(),
            given: HashSet::new(),
            ready: VecDeque::new(),
            lone_copy: None,
            rows: 0,
            ended: false,
        })
    }

    /// The next profile, or `None` after the last.
    pub fn next_profile(&mut self) -> Result<Option<Profile>, ReadError> {
        loop {
            if let Some(p) = self.ready.pop_front() {
                return Ok(Some(p));
            }
            if self.ended {
                return Ok(None);
            }
            let Some(line) = self.table.next_row()? else {
                self.ended = true;
                if self.rows == 0 {
                    return Err(FormatError::new(
                        &self.file,
                        Location::line(self.table.header_line),
                        "the file has a header but no genotype rows after it: nothing to import",
                    )
                    .into());
                }
                if let Some(e) = self.lone_copy.take() {
                    return Err(e.into());
                }
                if let Some(e) = self.builder.lone_copy(&self.file, None) {
                    return Err(e.into());
                }
                self.ready.extend(self.builder.profiles.drain(..));
                continue;
            };
            self.rows += 1;
            match self.row(line) {
                Ok(()) => {}
                Err(ReadError::Format(e)) => {
                    self.ended = true;
                    // A field count error further on comes first, as it did.
                    while self.table.next_row()?.is_some() {}
                    return Err(e.into());
                }
                Err(e) => {
                    self.ended = true;
                    return Err(e);
                }
            }
        }
    }

    /// The stream, read up to where the rows were taken (all of it after the
    /// last profile).
    pub fn into_inner(self) -> R {
        self.table.into_inner()
    }

    /// Gives the profile being built (with [`Samples::Together`]) and
    /// remembers its sample; a profile with a lone copy of a two-copy Y
    /// locus is kept back, its error told at the end (see `lone_copy`).
    fn give_current(&mut self) {
        let finished = self.builder.take_only(&self.file);
        give(
            finished,
            &mut self.given,
            &mut self.ready,
            &mut self.lone_copy,
        );
    }

    /// Reads the row just read (the line `line`).
    fn row(&mut self, line: usize) -> Result<(), ReadError> {
        let (file, extra) = (self.file.as_str(), self.extra);
        let row = self.table.row();
        let header = &self.table.header;
        let sample = self.sample;
        let name = row[sample].as_str();
        let together = self.samples == Samples::Together;
        match &self.layout {
            Layout::Long { marker, alleles } => {
                if together {
                    let current = self.builder.profiles.first().map(|p| p.sample.as_str());
                    if current != Some(name) {
                        if self.given.contains(&name_hash(name)) {
                            return Err(ReadError::NotTogether { line });
                        }
                        // As `give_current`, with the row borrowed.
                        let finished = self.builder.take_only(file);
                        give(
                            finished,
                            &mut self.given,
                            &mut self.ready,
                            &mut self.lone_copy,
                        );
                    }
                }
                let builder = &mut self.builder;
                let at = builder.profile(file, line, &header[sample], name)?;
                if let Some(c) = self.columns.sex {
                    builder.sex_cell(file, line, &header[c], at, &row[c])?;
                }
                if let Some(c) = self.columns.population {
                    builder.population_cell(file, line, &header[c], at, &row[c])?;
                }
                let marker_column = *marker;
                let name = &row[marker_column];
                let location = Location::line_field(line, &header[marker_column]);
                if name.is_empty() {
                    return Err(FormatError::new(file, location, "empty marker name").into());
                }
                let cells: Vec<(&str, &str)> = alleles
                    .iter()
                    .map(|&c| (header[c].as_str(), row[c].as_str()))
                    .collect();
                // A Y-STR locus (DYS391 too, which autosomal kits carry).
                if let Some((locus, copy)) = ystr::Locus::parse(name) {
                    let field = header[marker_column].as_str();
                    builder.y_calls(file, line, at, field, locus, copy, &cells)?;
                } else {
                    let marker = marker_name(file, location, name, extra)?;
                    builder.calls(file, line, at, marker, &cells)?;
                }
            }
            Layout::Wide { columns } => {
                let builder = &mut self.builder;
                if together && self.given.contains(&name_hash(name)) {
                    return Err(ReadError::NotTogether { line });
                }
                if let Some(&i) = builder.by_sample.get(name) {
                    return Err(FormatError::new(
                        file,
                        Location::line_field(line, &header[sample]),
                        format!(
                            "sample {name} appears twice (first on line {})",
                            builder.profiles[i].line
                        ),
                    )
                    .into());
                }
                let at = builder.profile(file, line, &header[sample], name)?;
                if let Some(c) = self.columns.sex {
                    builder.sex_cell(file, line, &header[c], at, &row[c])?;
                }
                if let Some(c) = self.columns.population {
                    builder.population_cell(file, line, &header[c], at, &row[c])?;
                }
                let cell = |c: usize| (header[c].as_str(), row[c].as_str());
                for column in columns {
                    match *column {
                        Wide::Marker(m, a1, a2) => {
                            builder.calls(file, line, at, m, &[cell(a1), cell(a2)])?;
                        }
                        Wide::Y(locus, ref cs) => {
                            let cells: Vec<(&str, &str)> = cs.iter().map(|&c| cell(c)).collect();
                            builder.y_calls(file, line, at, cells[0].0, locus, None, &cells)?;
                        }
                        Wide::YCopies(locus, a, b) => {
                            for (copy, c) in [(YCopy::A, a), (YCopy::B, b)] {
                                let field = &header[c];
                                builder.y_calls(
                                    file,
                                    line,
                                    at,
                                    field,
                                    locus,
                                    Some(copy),
                                    &[cell(c)],
                                )?;
                            }
                        }
                    }
                }
                if together {
                    self.give_current();
                }
            }
        }
        Ok(())
    }
}

/// Gives a profile taken from the builder (with [`Samples::Together`]):
/// remembers its sample and makes it ready, unless it or one before it has
/// a lone copy of a two-copy Y locus, whose error (the first) is kept for
/// the end of the file.
fn give(
    finished: Option<(Profile, Option<FormatError>)>,
    given: &mut HashSet<u64>,
    ready: &mut VecDeque<Profile>,
    lone_copy: &mut Option<FormatError>,
) {
    let Some((p, lone)) = finished else {
        return;
    };
    given.insert(name_hash(&p.sample));
    if let Some(e) = lone {
        lone_copy.get_or_insert(e);
    }
    if lone_copy.is_none() {
        ready.push_back(p);
    }
}

/// The columns and the layout a header names.
fn header_layout<'x, R>(
    file: &str,
    table: &TableReader<R>,
    extra: &'x [String],
) -> Result<(Columns, usize, Layout<'x>), FormatError> {
    let keys: Vec<String> = table.header.iter().map(|h| header_key(h)).collect();
    let find = |names: &[&str]| keys.iter().position(|k| names.contains(&k.as_str()));
    let columns = Columns {
        sample: find(&["sample", "samplename"]),
        marker: find(&["marker", "locus"]),
        sex: find(&["sex"]),
        population: find(&["population"]),
    };
    let alleles: Vec<(u32, usize)> = {
        let mut found: Vec<(u32, usize)> = keys
            .iter()
            .enumerate()
            .filter_map(|(i, k)| Some((k.strip_prefix("allele")?.parse().ok()?, i)))
            .collect();
        found.sort();
        found
    };
    let Some(sample) = columns.sample else {
        return Err(unrecognised(file, table.header_line));
    };
    let layout = match columns.marker {
        Some(marker) if !alleles.is_empty() => Layout::Long {
            marker,
            alleles: alleles.into_iter().map(|(_, i)| i).collect(),
        },
        Some(_) => return Err(unrecognised(file, table.header_line)),
        None => Layout::Wide {
            columns: wide_columns(file, table, &columns, sample, extra)?,
        },
    };
    Ok((columns, sample, layout))
}

/// The columns common to the layouts.
struct Columns {
    sample: Option<usize>,
    marker: Option<usize>,
    sex: Option<usize>,
    population: Option<usize>,
}

/// A header name as matched: lower case, without spaces, underscores and hyphens.
fn header_key(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn unrecognised(file: &str, line: usize) -> FormatError {
    FormatError::new(
        file,
        Location::line(line),
        "not a genotype table: expected the columns Sample Name, Marker, Allele 1, Allele 2 \
         (GeneMapper export), sample, marker, allele1, allele2 (long table) or sample, \
         LOCUS_a1, LOCUS_a2, ... (wide table)",
    )
}

/// Profiles being built, with what is needed to refuse duplicates and conflicts.
#[derive(Default)]
struct Builder<'a> {
    profiles: Vec<Profile>,
    by_sample: HashMap<String, usize>,
    /// The line of each (profile, marker) seen, including untyped and Amelogenin.
    seen: HashMap<(usize, &'a str), usize>,
    /// The Y-STR loci and copies seen, and the copies waiting for the other.
    y: YParts,
}

impl<'a> Builder<'a> {
    /// Takes the one profile being built (reading samples whose rows are
    /// together), forgetting its sample and markers; with the error of a
    /// copy of a two-copy Y locus given without the other, if one is.
    fn take_only(&mut self, file: &str) -> Option<(Profile, Option<FormatError>)> {
        let lone = self.lone_copy(file, None);
        let p = self.profiles.pop()?;
        debug_assert!(self.profiles.is_empty());
        self.by_sample.clear();
        self.seen.clear();
        self.y = YParts::default();
        Some((p, lone))
    }

    /// The error of the first copy (by line) of a two-copy Y locus given
    /// without the other, of the profile `at` or of any.
    fn lone_copy(&self, file: &str, at: Option<usize>) -> Option<FormatError> {
        let lone = self.y.lone(at)?;
        Some(FormatError::new(
            file,
            Location::line_field(lone.line, &lone.field),
            format!(
                "sample {}, Y locus {}: {}",
                self.profiles[lone.at].sample, lone.locus, lone.reason
            ),
        ))
    }

    /// The index of a sample's profile, created at `line` if new.
    fn profile(
        &mut self,
        file: &str,
        line: usize,
        field: &str,
        sample: &str,
    ) -> Result<usize, FormatError> {
        if sample.is_empty() {
            return Err(FormatError::new(
                file,
                Location::line_field(line, field),
                "empty sample name",
            ));
        }
        // A NUL cannot be stored in a PostgreSQL text column, and no lab writes these.
        if let Some(bad) = sample.chars().find(|c| c.is_control()) {
            return Err(FormatError::new(
                file,
                Location::line_field(line, field),
                format!(
                    "control character U+{:04X} in the sample name; not allowed",
                    u32::from(bad)
                ),
            ));
        }
        if let Some(&i) = self.by_sample.get(sample) {
            return Ok(i);
        }
        self.profiles.push(Profile {
            sample: sample.to_string(),
            line,
            sex: None,
            population: None,
            markers: Vec::new(),
            y: None,
        });
        self.by_sample
            .insert(sample.to_string(), self.profiles.len() - 1);
        Ok(self.profiles.len() - 1)
    }

    /// Sets a sample's sex, refusing a conflict with what was read before.
    fn set_sex(
        &mut self,
        file: &str,
        location: Location,
        at: usize,
        sex: Sex,
    ) -> Result<(), FormatError> {
        let profile = &mut self.profiles[at];
        match profile.sex {
            Some(old) if old != sex => Err(FormatError::new(
                file,
                location,
                format!(
                    "sample {}: sex {} here, but {} before",
                    profile.sample,
                    sex.name(),
                    old.name()
                ),
            )),
            _ => {
                profile.sex = Some(sex);
                Ok(())
            }
        }
    }

    /// Sets a sample's sex from a sex column cell (empty or unknown: no change).
    fn sex_cell(
        &mut self,
        file: &str,
        line: usize,
        field: &str,
        at: usize,
        value: &str,
    ) -> Result<(), FormatError> {
        let sex = match Sex::parse(value) {
            Some(Sex::Unknown) => return Ok(()),
            Some(sex) => sex,
            None => {
                return Err(FormatError::new(
                    file,
                    Location::line_field(line, field),
                    format!(
                        "sample {}: sex {value:?} is not male, female, M or F",
                        self.profiles[at].sample
                    ),
                ));
            }
        };
        self.set_sex(file, Location::line_field(line, field), at, sex)
    }

    /// Sets a sample's population, refusing a conflict with what was read before.
    fn population_cell(
        &mut self,
        file: &str,
        line: usize,
        field: &str,
        at: usize,
        value: &str,
    ) -> Result<(), FormatError> {
        if value.is_empty() {
            return Ok(());
        }
        let profile = &mut self.profiles[at];
        match &profile.population {
            Some(old) if old != value => Err(FormatError::new(
                file,
                Location::line_field(line, field),
                format!(
                    "sample {}: population {value:?} here, but {old:?} before",
                    profile.sample
                ),
            )),
            _ => {
                profile.population = Some(value.to_string());
                Ok(())
            }
        }
    }

    /// Records the calls of one sample at one marker: `cells` are the allele
    /// cells with their column names.
    fn calls(
        &mut self,
        file: &str,
        line: usize,
        at: usize,
        marker: &'a str,
        cells: &[(&str, &str)],
    ) -> Result<(), FormatError> {
        let sample = self.profiles[at].sample.clone();
        if let Some(first) = self.seen.insert((at, marker), line) {
            return Err(FormatError::new(
                file,
                Location::line(line),
                format!("sample {sample}, marker {marker}: given twice (first on line {first})"),
            ));
        }
        let called: Vec<(&str, &str)> = cells
            .iter()
            .copied()
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let values: Vec<&str> = called.iter().map(|&(_, v)| v).collect();
        let at_line = |reason: String| {
            FormatError::new(
                file,
                Location::line(line),
                format!("sample {sample}, marker {marker}: {reason}"),
            )
        };
        let genotype = match read_calls(marker, &values) {
            Ok(Calls::Nothing) => return Ok(()),
            Ok(Calls::Sex(sex)) => return self.set_sex(file, Location::line(line), at, sex),
            Ok(Calls::Genotype(g)) => g,
            Err(CallError::Marker(reason)) => return Err(at_line(reason)),
            Err(CallError::Allele(k, reason)) => {
                return Err(FormatError::new(
                    file,
                    Location::line_field(line, called[k].0),
                    format!("sample {sample}, marker {marker}: {reason}"),
                ));
            }
        };
        self.profiles[at]
            .markers
            .push((marker.to_string(), genotype));
        Ok(())
    }
}

impl Builder<'_> {
    /// Records the calls of one sample at one Y-STR locus, or at one copy
    /// of a two-copy locus (`field` names the marker column, or the
    /// column of the locus): the distinct non-empty calls as one
    /// `ystr::Call`; a copy's one allele kept until the other copy comes.
    #[allow(clippy::too_many_arguments)]
    fn y_calls(
        &mut self,
        file: &str,
        line: usize,
        at: usize,
        field: &str,
        locus: ystr::Locus,
        copy: Option<YCopy>,
        cells: &[(&str, &str)],
    ) -> Result<(), FormatError> {
        let sample = self.profiles[at].sample.clone();
        let error = |line: usize, field: &str, reason: String| {
            FormatError::new(
                file,
                Location::line_field(line, field),
                format!("sample {sample}, Y locus {locus}: {reason}"),
            )
        };
        let here = |reason: String| error(line, field, reason);
        let values: Vec<&str> = cells.iter().map(|(_, v)| *v).collect();
        self.y.part(at, locus, copy, line).map_err(here)?;
        let call = match copy {
            None => y_call(locus, &values).map_err(|(_, reason)| here(reason))?,
            Some(copy) => {
                let allele = y_copy(
                    Coordinate {
                        locus,
                        copy: Some(copy),
                    },
                    &values,
                )
                .map_err(|(_, reason)| here(reason))?;
                self.y
                    .pair(at, locus, copy, allele, line, field)
                    .map_err(|e| error(e.line, &e.field, e.reason))?
            }
        };
        let Some(call) = call else {
            return Ok(());
        };
        self.profiles[at]
            .y
            .get_or_insert_with(ystr::Haplotype::new)
            .insert(locus, call)
            .map_err(here)
    }
}

/// The separators of the alleles of a Y-STR call in one value (as
/// [`ystr::Call::parse`] reads them).
const Y_SEPARATORS: [char; 3] = ['-', '/', ','];

/// The call of a Y-STR locus given whole, from the values of its allele
/// cells (empty ones skipped): the distinct alleles of all of them, each
/// value also read alone so that an error can name it; `None` when no
/// allele is given. An error is the index of the value at fault, if one
/// is, and the reason.
pub(crate) fn y_call(
    locus: ystr::Locus,
    values: &[&str],
) -> Result<Option<ystr::Call>, (Option<usize>, String)> {
    let mut parts: Vec<String> = Vec::new();
    for (k, value) in values.iter().enumerate() {
        if value.trim().is_empty() {
            continue;
        }
        ystr::Call::parse(locus, value).map_err(|e| (Some(k), e))?;
        for part in value.split(Y_SEPARATORS) {
            let part = part.trim();
            let null = part.eq_ignore_ascii_case("null") || part == "0";
            parts.push(if null {
                "null".to_string()
            } else {
                ystr::Allele::parse(part).map_or_else(|_| part.to_string(), |a| a.to_string())
            });
        }
    }
    parts.sort_unstable();
    parts.dedup();
    if parts.is_empty() {
        return Ok(None);
    }
    if parts.len() > 1 && parts.iter().any(|p| p == "null") {
        return Err((
            None,
            format!(
                "a null allele with other alleles ({}): a null allele is a locus's only call",
                parts.join(", ")
            ),
        ));
    }
    ystr::Call::parse(locus, &parts.join("-"))
        .map(Some)
        .map_err(|e| (None, e))
}

/// The one allele of a copy of a two-copy Y-STR locus (`DYS385a`), from
/// the values of its cells (empty ones skipped; the same allele given
/// twice counts once); `None` when none is given. An error is the index of
/// the value at fault, if one is, and the reason.
pub(crate) fn y_copy(
    copy: Coordinate,
    values: &[&str],
) -> Result<Option<ystr::Allele>, (Option<usize>, String)> {
    let mut alleles: Vec<ystr::Allele> = Vec::new();
    for (k, value) in values.iter().enumerate() {
        if value.trim().is_empty() {
            continue;
        }
        for part in value.split(Y_SEPARATORS) {
            let allele =
                ystr::Allele::parse(part).map_err(|e| (Some(k), format!("{copy}: {e}")))?;
            alleles.push(allele);
        }
    }
    alleles.sort_unstable();
    alleles.dedup();
    match alleles[..] {
        [] => Ok(None),
        [a] => Ok(Some(a)),
        _ => {
            let given: Vec<String> = alleles.iter().map(|a| a.to_string()).collect();
            Err((
                None,
                format!(
                    "{copy} is one copy of {} and holds one allele: {} given ({}); give every \
                     allele as {} instead",
                    copy.locus,
                    alleles.len(),
                    given.join(", "),
                    copy.locus
                ),
            ))
        }
    }
}

/// Where and why the parts of a Y-STR locus do not make a call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct YPartError {
    /// The profile (or specimen) index.
    pub at: usize,
    pub locus: ystr::Locus,
    pub line: usize,
    pub field: String,
    pub reason: String,
}

/// The Y-STR loci of samples read so far, part by part: each locus given
/// whole or as a copy, with its line, and each copy of a two-copy locus
/// waiting for the other.
#[derive(Debug, Default)]
pub(crate) struct YParts {
    /// The line of each (profile, locus, copy) given (`None`: whole).
    given: HashMap<(usize, ystr::Locus, Option<YCopy>), usize>,
    /// The copy given of each (profile, locus) whose other copy is not yet.
    waiting: HashMap<(usize, ystr::Locus), Waiting>,
}

/// A copy given, waiting for the other copy.
#[derive(Debug)]
struct Waiting {
    copy: YCopy,
    allele: Option<ystr::Allele>,
    line: usize,
    field: String,
}

fn other(copy: YCopy) -> YCopy {
    match copy {
        YCopy::A => YCopy::B,
        YCopy::B => YCopy::A,
    }
}

impl YParts {
    /// Records a locus given whole (`copy` `None`) or one copy of it, at
    /// `line`; refuses the same part twice and a locus given both whole
    /// and as copies (the reason, for the caller's place).
    pub(crate) fn part(
        &mut self,
        at: usize,
        locus: ystr::Locus,
        copy: Option<YCopy>,
        line: usize,
    ) -> Result<(), String> {
        let coordinate = Coordinate { locus, copy };
        if let Some(&first) = self.given.get(&(at, locus, copy)) {
            return Err(match copy {
                None => format!("given twice (first on line {first})"),
                Some(_) => format!("{coordinate} given twice (first on line {first})"),
            });
        }
        let conflict = match copy {
            None => [YCopy::A, YCopy::B]
                .into_iter()
                .filter_map(|c| {
                    Some((
                        Coordinate {
                            locus,
                            copy: Some(c),
                        },
                        *self.given.get(&(at, locus, Some(c)))?,
                    ))
                })
                .min_by_key(|&(_, line)| line),
            Some(_) => self
                .given
                .get(&(at, locus, None))
                .map(|&line| (Coordinate { locus, copy: None }, line)),
        };
        if let Some((before, first)) = conflict {
            return Err(format!(
                "{coordinate} here, but {before} on line {first}: give the locus whole \
                 ({locus}) or as its two copies ({locus}a, {locus}b), not both"
            ));
        }
        self.given.insert((at, locus, copy), line);
        Ok(())
    }

    /// Pairs a copy (recorded by [`YParts::part`]) with the other copy of
    /// its locus: the call of the locus once both are given, `None` while
    /// one waits or when both are empty (untyped); an error, at the empty
    /// copy, when one copy is empty and the other not.
    pub(crate) fn pair(
        &mut self,
        at: usize,
        locus: ystr::Locus,
        copy: YCopy,
        allele: Option<ystr::Allele>,
        line: usize,
        field: &str,
    ) -> Result<Option<ystr::Call>, YPartError> {
        let Some(first) = self.waiting.remove(&(at, locus)) else {
            self.waiting.insert(
                (at, locus),
                Waiting {
                    copy,
                    allele,
                    line,
                    field: field.to_string(),
                },
            );
            return Ok(None);
        };
        debug_assert_eq!(first.copy, other(copy));
        let name = |copy| Coordinate {
            locus,
            copy: Some(copy),
        };
        match (first.allele, allele) {
            (None, None) => Ok(None),
            (Some(a), Some(b)) => ystr::Call::parse(locus, &format!("{a}-{b}"))
                .map(Some)
                .map_err(|reason| YPartError {
                    at,
                    locus,
                    line,
                    field: field.to_string(),
                    reason,
                }),
            (Some(a), None) => Err(YPartError {
                at,
                locus,
                line,
                field: field.to_string(),
                reason: empty_copy(name(copy), name(first.copy), a, first.line, line),
            }),
            (None, Some(b)) => Err(YPartError {
                at,
                locus,
                line: first.line,
                field: first.field,
                reason: empty_copy(name(first.copy), name(copy), b, line, first.line),
            }),
        }
    }

    /// The copy given without the other of the first line, of the profile
    /// `at` or of any.
    pub(crate) fn lone(&self, at: Option<usize>) -> Option<YPartError> {
        let ((p, locus), w) = self
            .waiting
            .iter()
            .filter(|((p, _), _)| at.is_none_or(|at| at == *p))
            .min_by_key(|(_, w)| (w.line, w.field.as_str(), w.copy))?;
        let (this, that) = (
            Coordinate {
                locus: *locus,
                copy: Some(w.copy),
            },
            Coordinate {
                locus: *locus,
                copy: Some(other(w.copy)),
            },
        );
        Some(YPartError {
            at: *p,
            locus: *locus,
            line: w.line,
            field: w.field.clone(),
            reason: format!(
                "{this} without {that}: give both copies, or the locus whole ({locus}) with \
                 both alleles"
            ),
        })
    }
}

/// Why one copy is empty and the other not.
fn empty_copy(
    empty: Coordinate,
    typed: Coordinate,
    allele: ystr::Allele,
    typed_line: usize,
    empty_line: usize,
) -> String {
    let at = if typed_line == empty_line {
        String::new()
    } else {
        format!(" on line {typed_line}")
    };
    format!(
        "{empty} is empty but {typed} is {allele}{at}: give both copies (the same allele \
         twice for one peak), or neither"
    )
}

/// What the allele calls of one person at one marker say.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Calls {
    /// No call: the marker is untyped.
    Nothing,
    /// Amelogenin: X,X or X,Y.
    Sex(Sex),
    Genotype(Genotype),
}

/// Why calls were refused: about the marker as a whole, or about the call at an index.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CallError {
    Marker(String),
    Allele(usize, String),
}

/// Reads the non-empty allele calls of one person at one marker, as every
/// reader of lab files does: calls naming the same allele ("8", "8.0"; "x",
/// "X") count once; three or more distinct calls are a mixture; Amelogenin
/// gives a sex; one call is a homozygote.
pub(crate) fn read_calls(marker: &str, calls: &[&str]) -> Result<Calls, CallError> {
    let mut distinct: Vec<String> = calls
        .iter()
        .map(|v| {
            v.parse::<Allele>()
                .map_or_else(|_| v.to_uppercase(), |a| a.to_string())
        })
        .collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() >= 3 {
        return Err(CallError::Marker(format!(
            "{} alleles (mixture)",
            distinct.len()
        )));
    }
    if is_amelogenin(marker) {
        return match distinct.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            [] => Ok(Calls::Nothing),
            ["X"] => Ok(Calls::Sex(Sex::Female)),
            ["X", "Y"] => Ok(Calls::Sex(Sex::Male)),
            _ => Err(CallError::Marker(format!(
                "{:?} is neither X,X (female) nor X,Y (male)",
                calls.join(",")
            ))),
        };
    }
    let mut alleles = Vec::with_capacity(2);
    for (k, value) in calls.iter().enumerate() {
        let allele: Allele = value
            .parse()
            .map_err(|e| CallError::Allele(k, format!("{e}")))?;
        alleles.push(allele);
    }
    alleles.sort_unstable();
    alleles.dedup();
    Ok(match alleles[..] {
        [] => Calls::Nothing,
        [a] => Calls::Genotype(Genotype::new(a, a)),
        [a, b] => Calls::Genotype(Genotype::new(a, b)),
        _ => unreachable!("at most two distinct calls"),
    })
}

/// The canonical name of a marker in a header or cell, or an error naming it.
fn marker_name<'a>(
    file: &str,
    location: Location,
    name: &str,
    extra: &'a [String],
) -> Result<&'a str, FormatError> {
    canonical_marker_in(name, extra).ok_or_else(|| {
        FormatError::new(file, location, format!("unknown marker {:?}", name.trim()))
    })
}

/// The markers of a wide table's header, each with its columns, in the
/// order of the header: an autosomal marker with its two allele columns, a
/// Y-STR locus (named as [`ystr::Locus`] knows it: a Y locus name wins, as
/// in the long layout) with its one column or its two allele columns, a
/// two-copy Y-STR locus with the columns of its copies.
fn wide_columns<'x, R>(
    file: &str,
    table: &TableReader<R>,
    columns: &Columns,
    sample: usize,
    extra: &'x [String],
) -> Result<Vec<Wide<'x>>, FormatError> {
    /// A marker's columns as found: a1 and a2 for an autosomal marker; for
    /// a Y locus, by [`Y_WHOLE`], [`Y_A1`], [`Y_A2`], [`Y_COPY_A`], [`Y_COPY_B`].
    enum Found<'x> {
        Marker(&'x str, Option<usize>, Option<usize>),
        Y(ystr::Locus, [Option<usize>; 5]),
    }
    const Y_WHOLE: usize = 0;
    const Y_A1: usize = 1;
    const Y_A2: usize = 2;
    const Y_COPY_A: usize = 3;
    const Y_COPY_B: usize = 4;
    /// The slots of one way of giving a Y locus: whole, by allele, by copy.
    fn way(slot: usize) -> usize {
        [0, 1, 1, 2, 2][slot]
    }
    let header = &table.header;
    let at_header = |c: usize| Location::line_field(table.header_line, &header[c]);
    let mut found: Vec<Found> = Vec::new();
    for (c, name) in header.iter().enumerate() {
        if name.is_empty() || c == sample || Some(c) == columns.sex || Some(c) == columns.population
        {
            continue;
        }
        let lower = name.to_ascii_lowercase();
        let (stem, allele) = if let Some(l) = lower.strip_suffix("_a1") {
            (&name[..l.len()], Some(false))
        } else if let Some(l) = lower.strip_suffix("_a2") {
            (&name[..l.len()], Some(true))
        } else {
            (name.as_str(), None)
        };
        let y = ystr::Locus::parse(stem);
        let (locus, slot) = match (y, allele) {
            (Some((locus, None)), Some(second)) => (locus, if second { Y_A2 } else { Y_A1 }),
            (Some((locus, Some(copy))), Some(_)) => {
                let coordinate = Coordinate {
                    locus,
                    copy: Some(copy),
                };
                return Err(FormatError::new(
                    file,
                    at_header(c),
                    format!(
                        "Y locus {locus}: {coordinate} is one copy and holds one allele: name its \
                         column {coordinate}, not {name}"
                    ),
                ));
            }
            (Some((locus, None)), None) => (locus, Y_WHOLE),
            (Some((locus, Some(YCopy::A))), None) => (locus, Y_COPY_A),
            (Some((locus, Some(YCopy::B))), None) => (locus, Y_COPY_B),
            (None, None) => {
                return Err(FormatError::new(
                    file,
                    at_header(c),
                    "unexpected column: expected sample, population, sex, LOCUS_a1, LOCUS_a2 \
                     or a Y-STR locus (DYS19, DYS385a, ...)",
                ));
            }
            (None, Some(second)) => {
                let m = marker_name(file, at_header(c), stem, extra)?;
                let i = match found
                    .iter()
                    .position(|f| matches!(f, Found::Marker(n, ..) if *n == m))
                {
                    Some(i) => i,
                    None => {
                        found.push(Found::Marker(m, None, None));
                        found.len() - 1
                    }
                };
                let Found::Marker(_, a1, a2) = &mut found[i] else {
                    unreachable!("a marker's entry");
                };
                let slot = if second { a2 } else { a1 };
                if let Some(other) = slot.replace(c) {
                    return Err(FormatError::new(
                        file,
                        at_header(c),
                        format!(
                            "marker {m}: a second column for the same allele (after {:?})",
                            header[other]
                        ),
                    ));
                }
                continue;
            }
        };
        let i = match found
            .iter()
            .position(|f| matches!(f, Found::Y(l, _) if *l == locus))
        {
            Some(i) => i,
            None => {
                found.push(Found::Y(locus, [None; 5]));
                found.len() - 1
            }
        };
        let Found::Y(_, slots) = &mut found[i] else {
            unreachable!("a Y locus's entry");
        };
        if let Some(other) = slots[slot] {
            return Err(FormatError::new(
                file,
                at_header(c),
                format!(
                    "Y locus {locus}: a second column for it (after {:?})",
                    header[other]
                ),
            ));
        }
        if let Some(other) = (0..5).find_map(|s| slots[s].filter(|_| way(s) != way(slot))) {
            return Err(FormatError::new(
                file,
                at_header(c),
                format!(
                    "Y locus {locus}: the column {name:?} and the column {:?} both give it: \
                     give the locus in one column, in two allele columns ({locus}_a1, \
                     {locus}_a2) or as its copies ({locus}a, {locus}b)",
                    header[other]
                ),
            ));
        }
        slots[slot] = Some(c);
    }
    let mut wide: Vec<Wide> = Vec::with_capacity(found.len());
    for f in found {
        wide.push(match f {
            Found::Marker(m, Some(a1), Some(a2)) => Wide::Marker(m, a1, a2),
            Found::Marker(m, Some(c), None) | Found::Marker(m, None, Some(c)) => {
                return Err(FormatError::new(
                    file,
                    at_header(c),
                    format!("marker {m}: expected two columns, {m}_a1 and {m}_a2"),
                ));
            }
            Found::Marker(_, None, None) => unreachable!("a marker is listed with a column"),
            Found::Y(locus, slots) => match slots {
                [Some(c), ..] => Wide::Y(locus, vec![c]),
                [_, Some(a1), Some(a2), ..] => Wide::Y(locus, vec![a1, a2]),
                [_, Some(c), None, ..] | [_, None, Some(c), ..] => {
                    return Err(FormatError::new(
                        file,
                        at_header(c),
                        format!("Y locus {locus}: expected two columns, {locus}_a1 and {locus}_a2"),
                    ));
                }
                [.., Some(a), Some(b)] => Wide::YCopies(locus, a, b),
                [.., Some(c), None] | [.., None, Some(c)] => {
                    let copy = if slots[Y_COPY_A].is_some() {
                        YCopy::A
                    } else {
                        YCopy::B
                    };
                    let (this, that) = (
                        Coordinate {
                            locus,
                            copy: Some(copy),
                        },
                        Coordinate {
                            locus,
                            copy: Some(other(copy)),
                        },
                    );
                    return Err(FormatError::new(
                        file,
                        at_header(c),
                        format!(
                            "Y locus {locus}: a column {this} without {that}: give both \
                             copies, or the locus whole ({locus}) with both alleles"
                        ),
                    ));
                }
                [None, None, None, None, None] => unreachable!("a locus is listed with a column"),
            },
        });
    }
    if wide.is_empty() {
        return Err(unrecognised(file, table.header_line));
    }
    Ok(wide)
}

#[cfg(test)]
#[path = "genotypes_whole_text.rs"]
mod whole_text;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reads `text` as a stream `capacity` bytes at a time, as
    /// [`read_all`] does (again keeping every sample if they are apart).
    fn streamed(
        text: &str,
        capacity: usize,
        extra: &[String],
    ) -> Result<GenotypeTable, FormatError> {
        read_all(
            "g.txt",
            &mut || Ok(std::io::BufReader::with_capacity(capacity, text.as_bytes())),
            extra,
        )
    }

    /// The streaming reader against the whole-text reader it replaced: the
    /// same profiles in the same order, or the same error.
    fn same_as_before(text: &str, extra: &[String]) {
        let before = whole_text::parse_genotypes_with_markers("g.txt", text, extra);
        for capacity in [5, 8192] {
            assert_eq!(streamed(text, capacity, extra), before, "{text:?}");
        }
    }

    #[test]
    fn streams_the_shipped_and_fixture_files_as_before() {
        let nist = include_str!("../../../data/nist1036/genotypes.csv");
        same_as_before(nist, &[]);
        // Together: read once, a profile at a time.
        let mut reader = GenotypeReader::new("n", nist.as_bytes(), &[], Samples::Together).unwrap();
        let mut n = 0;
        while let Some(p) = reader.next_profile().unwrap() {
            assert_eq!(p.line, n + 2);
            n += 1;
        }
        assert_eq!(n, 1036);
        same_as_before(GENEMAPPER, &[]);
        // The demo's GeneMapper export, from the scenario simulator.
        let models = crate::builtin::nist_models(Some(kinship::MutationModel::DEFAULT_SEARCH));
        let pool = crate::builtin::nist_pool(&models);
        let spec = sim::ScenarioSpec {
            families: 150,
            rescued: 20,
            rescued_with_family: 15,
            ..sim::ScenarioSpec::default()
        };
        let s = sim::scenario(&models, &pool, &spec).unwrap();
        let table = streamed(&s.profiles_tsv, 8192, &[]).unwrap();
        assert!(table.profiles.len() > 150);
        same_as_before(&s.profiles_tsv, &[]);
    }

    /// GENEMAPPER has a sample whose rows are apart (Child-7 again at the
    /// end): a reader keeping samples together stops at that line, and the
    /// file read keeping every sample gives what the whole-text reader gave.
    #[test]
    fn samples_apart_are_read_keeping_every_sample() {
        let mut reader =
            GenotypeReader::new("gm.txt", GENEMAPPER.as_bytes(), &[], Samples::Together).unwrap();
        assert_eq!(reader.next_profile().unwrap().unwrap().sample, "Child-7");
        assert_eq!(
            reader.next_profile(),
            Err(ReadError::NotTogether { line: 9 })
        );
        let mut reader =
            GenotypeReader::new("gm.txt", GENEMAPPER.as_bytes(), &[], Samples::Anywhere).unwrap();
        let child = reader.next_profile().unwrap().unwrap();
        assert_eq!(child.markers.len(), 3);
        assert_eq!(reader.next_profile().unwrap().unwrap().sample, "Mother 7");
        assert_eq!(reader.next_profile().unwrap(), None);
        // A wide table with a sample twice: the error names both lines.
        let wide = "sample,TH01_a1,TH01_a2\ns1,6,7\ns2,6,7\ns1,8,9\n";
        let mut reader = GenotypeReader::new("g", wide.as_bytes(), &[], Samples::Together).unwrap();
        reader.next_profile().unwrap();
        reader.next_profile().unwrap();
        assert_eq!(
            reader.next_profile(),
            Err(ReadError::NotTogether { line: 4 })
        );
        assert_eq!(
            err(wide),
            at(
                4,
                Some("sample"),
                "sample s1 appears twice (first on line 2)"
            )
        );
    }

    /// A field beyond the header anywhere in the file was reported before an
    /// error of the header or of a row's content (the whole text was split
    /// first): the streaming reader reads on for it.
    #[test]
    fn a_field_count_error_further_on_comes_first() {
        let text = "sample,marker,allele1,allele2\ns1,TH01,6,OL\ns1,vWA,14,15\ns2,TH01,6,7,8\n";
        assert_eq!(
            err(text),
            at(4, None, "5 fields but the header has 4 columns")
        );
        let text = "name,a,b\ns1,6,7\ns2,6,7,8\n";
        assert_eq!(
            err(text),
            at(3, None, "4 fields but the header has 3 columns")
        );
    }

    const ALLELES: &[&str] = &[
        "6", "7", "9.3", "14", "15", "8.0", " 16 ", "\"17\"", "20", "",
    ];
    const BAD: &[&str] = &[
        "OL",
        "x",
        "Y",
        "\"6,7\"",
        "\"a",
        "\u{0}",
        "\u{feff}7",
        "",
        "D99S1",
        "boy",
        "s1",
    ];
    const MARKERS: &[&str] = &["TH01", "THO1", "vWA", "VWA", "FGA", "Penta_D", "D3S1358"];

    /// A genotype table: samples (some names repeated) each with distinct
    /// markers in any spelling, alleles, sexes and populations, written long
    /// (tabs or commas) or wide, with any line ends; then up to three
    /// mutations: a bad cell, a field beyond the header, a blank line, a row
    /// moved or repeated (samples apart, markers twice).
    fn table() -> impl Strategy<Value = String> {
        let sample = (
            0..12usize,
            proptest::collection::vec((0..MARKERS.len(), 0..ALLELES.len(), 0..ALLELES.len()), 0..5),
            0..4usize,
            0..3usize,
        );
        let mutation = (
            0..6u8,
            any::<prop::sample::Index>(),
            any::<prop::sample::Index>(),
            0..BAD.len(),
        );
        (
            0..3u8,
            proptest::collection::vec(sample, 0..7),
            proptest::collection::vec(mutation, 0..4),
            prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
            any::<bool>(),
        )
            .prop_map(|(layout, samples, mutations, end, bom)| {
                let sexes = ["", "M", "female", "f"];
                let populations = ["", "A", "B"];
                let mut rows: Vec<Vec<String>> = Vec::new();
                let (header, d) = match layout {
                    0 => ("Sample Name\tMarker\tAllele 1\tAllele 2\tHeight 1", "\t"),
                    1 => ("sample,marker,allele1,allele2,sex,population", ","),
                    _ => (
                        "sample,sex,population,TH01_a1,TH01_a2,VWA_a1,vWA_a2,Penta_D_a1,Penta_D_a2",
                        ",",
                    ),
                };
                for (name, markers, sex, population) in samples {
                    let name = format!("s{name}");
                    if layout == 2 {
                        let mut row = vec![name, sexes[sex].into(), populations[population].into()];
                        for (_, a, b) in markers
                            .iter()
                            .chain([(0, 0, 1), (0, 2, 3), (0, 4, 9)].iter())
                            .take(3)
                        {
                            row.push(ALLELES[*a].into());
                            row.push(ALLELES[*b].into());
                        }
                        rows.push(row);
                        continue;
                    }
                    let mut seen = Vec::new();
                    for (m, a, b) in markers {
                        let canonical = crate::markers::canonical_marker(MARKERS[m]);
                        if seen.contains(&canonical) {
                            continue;
                        }
                        seen.push(canonical);
                        let mut row = vec![
                            name.clone(),
                            MARKERS[m].into(),
                            ALLELES[a].into(),
                            ALLELES[b].into(),
                        ];
                        row.push(if layout == 0 {
                            "1200".into()
                        } else {
                            sexes[sex].into()
                        });
                        if layout == 1 {
                            row.push(populations[population].into());
                        }
                        rows.push(row);
                    }
                    let amel = if sex == 1 { "Y" } else { "X" };
                    let mut row = vec![name.clone(), "AMEL".into(), "X".into(), amel.into()];
                    row.push(if layout == 0 {
                        "900".into()
                    } else {
                        sexes[sex].into()
                    });
                    if layout == 1 {
                        row.push(populations[population].into());
                    }
                    rows.push(row);
                }
                for (kind, i, j, bad) in mutations {
                    if rows.is_empty() {
                        break;
                    }
                    let r = i.index(rows.len());
                    match kind {
                        0 if !rows[r].is_empty() => {
                            let c = j.index(rows[r].len());
                            rows[r][c] = BAD[bad].into();
                        }
                        0 => {}
                        1 => rows[r].push(BAD[bad].into()),
                        2 => rows.insert(r, Vec::new()),
                        3 => {
                            let row = rows.remove(r);
                            rows.insert(j.index(rows.len() + 1), row);
                        }
                        4 => {
                            let row = rows[r].clone();
                            rows.insert(j.index(rows.len() + 1), row);
                        }
                        _ => {
                            rows[r].pop();
                        }
                    }
                }
                let mut text = String::new();
                if bom {
                    text.push('\u{feff}');
                }
                text.push_str(header);
                text.push_str(end);
                for row in rows {
                    text.push_str(&row.join(d));
                    text.push_str(end);
                }
                text
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(600))]
        #[test]
        fn streams_generated_tables_as_before(text in table()) {
            let before = whole_text::parse_genotypes_with_markers("g.txt", &text, &[]);
            for capacity in [3, 8192] {
                prop_assert_eq!(streamed(&text, capacity, &[]), before.clone());
            }
        }
    }

    fn g(a: &str, b: &str) -> Genotype {
        Genotype::new(a.parse().unwrap(), b.parse().unwrap())
    }

    fn err(text: &str) -> FormatError {
        parse_genotypes("g.txt", text).unwrap_err()
    }

    fn at(line: usize, field: Option<&str>, reason: &str) -> FormatError {
        let location = match field {
            Some(field) => Location::line_field(line, field),
            None => Location::line(line),
        };
        FormatError::new("g.txt", location, reason)
    }

    #[test]
    fn reads_nist_1036() {
        let path = format!(
            "{}/../../data/nist1036/genotypes.csv",
            env!("CARGO_MANIFEST_DIR")
        );
        let table = read_genotypes(Path::new(&path)).unwrap();
        assert_eq!(table.profiles.len(), 1036);
        let full = table
            .profiles
            .iter()
            .filter(|p| p.markers.len() == 29)
            .count();
        // Two people were not typed at one locus each (empty cells).
        assert_eq!(full, 1034);
        assert!(
            table
                .profiles
                .iter()
                .all(|p| p.markers.len() >= 28 && p.sex.is_none())
        );
        let mut populations: Vec<&str> = table
            .profiles
            .iter()
            .map(|p| p.population.as_deref().unwrap())
            .collect();
        populations.sort_unstable();
        populations.dedup();
        assert_eq!(populations, ["AfAm", "Asian", "Cauc", "Hisp"]);

        let first = table.profile("GT37019").unwrap();
        assert_eq!(first.line, 2);
        assert_eq!(first.population.as_deref(), Some("AfAm"));
        assert_eq!(first.markers[0], ("CSF1PO".to_string(), g("11", "12")));
        assert_eq!(first.genotype("D1S1656"), Some(g("12", "16.3")));
        assert_eq!(first.genotype("vWA"), Some(g("17", "17")));
        assert_eq!(first.genotype("TPOX"), Some(g("8", "9")));
        assert!(first.markers.iter().any(|(m, _)| m == "Penta C"));
        let gap = table.profile("OT05588").unwrap();
        assert_eq!(gap.markers.len(), 28);
    }

    const GENEMAPPER: &str = "\u{feff}Sample File\tSample Name\tPanel\tMarker\tDye\tAllele 1\tAllele 2\tAllele 3\tSize 1\tSize 2\tSize 3\tHeight 1\tHeight 2\tHeight 3\t\r\n\
        A01_child.fsa\tChild-7\tGlobalFiler_v2\tD3S1358\tB\t15\t16\t\t120.1\t124.2\t\t1500\t1450\t\t\r\n\
        A01_child.fsa\tChild-7\tGlobalFiler_v2\tvWA\tB\t17\t\t\t170.3\t\t\t2900\t\t\t\r\n\
        A01_child.fsa\tChild-7\tGlobalFiler_v2\tAMEL\tR\tX\tY\t\t98.9\t104.8\t\t2000\t1900\t\t\r\n\
        \r\n\
        A02_mother.fsa\tMother 7\tGlobalFiler_v2\tD3S1358\tB\t15\t15\t\t120.1\t\t\t3000\t\t\t\r\n\
        A02_mother.fsa\tMother 7\tGlobalFiler_v2\tvWA\tB\t\t\t\t\t\t\t\t\t\t\r\n\
        A02_mother.fsa\tMother 7\tGlobalFiler_v2\tAMEL\tR\tX\t\t\t98.9\t\t\t4000\t\t\t\r\n\
        A01_child.fsa\tChild-7\tGlobalFiler_v2\tPenta_D\tB\t9.3\t12\t\t150\t160\t\t700\t650\t\t\r\n";

    #[test]
    fn reads_a_genemapper_export() {
        let table = parse_genotypes("gm.txt", GENEMAPPER).unwrap();
        assert_eq!(table.profiles.len(), 2);
        let child = table.profile("Child-7").unwrap();
        assert_eq!(child.line, 2);
        assert_eq!(child.sex, Some(Sex::Male));
        assert_eq!(child.population, None);
        assert_eq!(
            child.markers,
            vec![
                ("D3S1358".to_string(), g("15", "16")),
                ("vWA".to_string(), g("17", "17")),
                ("Penta D".to_string(), g("9.3", "12")),
            ]
        );
        let mother = table.profile("Mother 7").unwrap();
        assert_eq!(mother.line, 6);
        assert_eq!(mother.sex, Some(Sex::Female));
        assert_eq!(mother.markers, vec![("D3S1358".to_string(), g("15", "15"))]);
    }

    #[test]
    fn reads_long_and_wide_csv() {
        let long = "sample,marker,allele1,allele2,sex\n\
            s1,TH01,6,9.3,male\n\
            s1,VWA,14,,M\n\
            s2,th01,7,7,f\n\
            s2,Amelogenin,X,X,\n";
        let table = parse_genotypes("g.csv", long).unwrap();
        let s1 = table.profile("s1").unwrap();
        assert_eq!(s1.sex, Some(Sex::Male));
        assert_eq!(
            s1.markers,
            vec![
                ("TH01".into(), g("6", "9.3")),
                ("vWA".into(), g("14", "14"))
            ]
        );
        assert_eq!(table.profile("s2").unwrap().sex, Some(Sex::Female));

        let wide = "sample,sex,TH01_a1,TH01_a2,AMEL_a1,AMEL_a2,PENTA_E_A1,PENTA_E_A2,,\r\n\r\n\
            s1,,6,9.3,X,Y,,,,\r\n\
            s2,F,7,,X,X,5,20\r\n";
        let table = parse_genotypes("g.csv", wide).unwrap();
        let s1 = table.profile("s1").unwrap();
        assert_eq!(s1.line, 3);
        assert_eq!(s1.sex, Some(Sex::Male));
        assert_eq!(s1.markers, vec![("TH01".into(), g("6", "9.3"))]);
        let s2 = table.profile("s2").unwrap();
        assert_eq!(s2.sex, Some(Sex::Female));
        assert_eq!(
            s2.markers,
            vec![
                ("TH01".into(), g("7", "7")),
                ("Penta E".into(), g("5", "20"))
            ]
        );
        // A header without rows is an error at the header, in every layout.
        for text in [
            "sample,TH01_a1,TH01_a2\n",
            "\r\nsample,marker,allele1,allele2\r\n\r\n",
            "Sample Name\tMarker\tAllele 1\tAllele 2\r",
        ] {
            let e = parse_genotypes("g.csv", text).unwrap_err();
            assert!(e.reason.contains("no genotype rows"), "{e}");
            assert_eq!(e.location.line, Some(1 + text.starts_with('\r') as usize));
        }
    }

    #[test]
    fn refuses_mixtures_off_ladder_and_bad_calls() {
        let header = "Sample Name\tMarker\tAllele 1\tAllele 2\tAllele 3\tHeight 1\n";
        assert_eq!(
            err(&format!(
                "{header}S1\tTH01\t6\t7\t\t100\nS2\tvWA\t14\t16\t17\t100\n"
            )),
            at(3, None, "sample S2, marker vWA: 3 alleles (mixture)")
        );
        assert_eq!(
            err(&format!("{header}S1\tTH01\t6\tOL\t\t100\n")),
            at(
                2,
                Some("Allele 2"),
                "sample S1, marker TH01: off-ladder allele \"OL\" (OL) cannot be used; resolve it to a sized allele first"
            )
        );
        assert_eq!(
            err(&format!("{header}S1\tTH01\t<6\t\t\t100\n")),
            at(
                2,
                Some("Allele 1"),
                "sample S1, marker TH01: \"<6\" is not an allele: expected a repeat number such as \"12\" or a microvariant such as \"9.3\""
            )
        );
        assert_eq!(
            err(&format!("{header}S1\tD99S1\t6\t7\t\t100\n")),
            at(2, Some("Marker"), "unknown marker \"D99S1\"")
        );
        assert_eq!(
            err(&format!(
                "{header}S1\tTH01\t6\t7\t\t100\nS1\tvWA\t14\t\t\t\nS1\tTHO1\t6\t7\t\t\n"
            )),
            at(
                4,
                None,
                "sample S1, marker TH01: given twice (first on line 2)"
            )
        );
        assert_eq!(
            err(&format!("{header}S1\tAMEL\tY\t\t\t\n")),
            at(
                2,
                None,
                "sample S1, marker Amelogenin: \"Y\" is neither X,X (female) nor X,Y (male)"
            )
        );
        assert_eq!(
            err(&format!("{header}\tTH01\t6\t7\t\t100\n")),
            at(2, Some("Sample Name"), "empty sample name")
        );
        assert_eq!(
            err(&format!("{header}S1\t\t6\t7\t\t100\n")),
            at(2, Some("Marker"), "empty marker name")
        );
    }

    /// Found by the fuzz test (`tests/fuzz.rs`): a NUL in a sample name reached
    /// the database, where PostgreSQL refused it as a failure, not a bad file.
    #[test]
    fn refuses_control_characters_in_sample_names() {
        for (text, line, field) in [
            (
                "sample,marker,allele1,allele2\ns1,TH01,6,7\ns\u{0}2,TH01,6,7\n",
                3,
                "sample",
            ),
            (
                "Sample Name\tMarker\tAllele 1\nA\u{1b}[31m\tTH01\t6\n",
                2,
                "Sample Name",
            ),
            ("sample,TH01_a1,TH01_a2\nP\u{7f},6,7\n", 2, "sample"),
        ] {
            let e = err(text);
            assert_eq!(e.location, Location::line_field(line, field), "{e}");
            assert!(e.reason.starts_with("control character U+"), "{e}");
        }
    }

    #[test]
    fn refuses_bad_wide_and_long_tables() {
        assert_eq!(
            err(""),
            FormatError::whole("g.txt", "empty file: no genotypes")
        );
        assert_eq!(
            err("sample,TH01_a1,TH01_a2\ns1,6,7\ns1,8,9\n"),
            at(
                3,
                Some("sample"),
                "sample s1 appears twice (first on line 2)"
            )
        );
        assert_eq!(
            err("sample,TH01_a1,TH01_a2,XYZ_a1,XYZ_a2\n"),
            at(1, Some("XYZ_a1"), "unknown marker \"XYZ\"")
        );
        assert_eq!(
            err("sample,TH01_a1,TH01_a2,notes\n"),
            at(
                1,
                Some("notes"),
                "unexpected column: expected sample, population, sex, LOCUS_a1, LOCUS_a2 or a Y-STR locus (DYS19, DYS385a, ...)"
            )
        );
        assert_eq!(
            err("sample,TH01_a1,TH01_a2,vWA_a1\n"),
            at(
                1,
                Some("vWA_a1"),
                "marker vWA: expected two columns, vWA_a1 and vWA_a2"
            )
        );
        assert_eq!(
            err("sample,TH01_a1,TH01_a2,THO1_a1\n"),
            at(
                1,
                Some("THO1_a1"),
                "marker TH01: a second column for the same allele (after \"TH01_a1\")"
            )
        );
        assert_eq!(
            err("sample,sex,TH01_a1,TH01_a2\ns1,boy,6,7\n"),
            at(
                2,
                Some("sex"),
                "sample s1: sex \"boy\" is not male, female, M or F"
            )
        );
        assert_eq!(
            err("sample,sex,AMEL_a1,AMEL_a2\ns1,F,X,Y\n"),
            at(2, None, "sample s1: sex male here, but female before")
        );
        assert_eq!(
            err("sample,marker,allele1,allele2,population\ns1,TH01,6,7,A\ns1,vWA,14,15,B\n"),
            at(
                3,
                Some("population"),
                "sample s1: population \"B\" here, but \"A\" before"
            )
        );
        assert_eq!(
            err("sample,TH01_a1,TH01_a2\ns1,6,7,8\n"),
            at(2, None, "4 fields but the header has 3 columns")
        );
        let unrecognised = unrecognised("g.txt", 2);
        assert_eq!(err("\nname,a,b\n"), unrecognised);
        assert_eq!(err("\nsample,marker,x\n"), unrecognised);
        assert_eq!(err("\nsample,population\ns1,A\n"), unrecognised);
    }

    /// One vocabulary: every marker of every shipped norSTR database (the
    /// Norwegian one has D14S1434, D5S2500, D6S474, ... that no kit list
    /// names) is read in a genotype file under the name the frequency table
    /// gives it; a marker of neither is read when the caller knows it (the
    /// active frequency database), in any spelling of it.
    #[test]
    fn every_marker_of_a_frequency_database_is_read() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/norstr");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("txt") {
                continue;
            }
            let db = crate::frequencies::read_frequencies(&path, None).unwrap();
            for m in db.markers() {
                let text = format!("sample,marker,allele1,allele2\ns1,{},10,11\n", m.name());
                let t = parse_genotypes("g.csv", &text)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert_eq!(t.profiles[0].markers[0].0, m.name());
                checked += 1;
            }
        }
        assert!(checked >= 50 * 7 - 50, "{checked}");
        let text = "sample,marker,allele1,allele2\ns1,d99s-123,10,11\ns1,vwa,14,15\n";
        let e = parse_genotypes("g.csv", text).unwrap_err();
        assert_eq!(e.location.line, Some(2), "{e}");
        assert!(e.reason.contains("unknown marker \"d99s-123\""), "{e}");
        let extra = vec!["D99S123".to_string()];
        let t = parse_genotypes_with_markers("g.csv", text, &extra).unwrap();
        let names: Vec<&str> = t.profiles[0]
            .markers
            .iter()
            .map(|(m, _)| m.as_str())
            .collect();
        assert_eq!(names, ["D99S123", "vWA"]);
        let wide = "sample,D99S123_a1,D99S123_a2\ns1,10,11\n";
        assert!(parse_genotypes("g.csv", wide).is_err());
        assert_eq!(
            parse_genotypes_with_markers("g.csv", wide, &extra)
                .unwrap()
                .profiles[0]
                .markers[0]
                .0,
            "D99S123"
        );
    }

    /// The Y haplotype of a table's first sample.
    fn y_of(text: &str) -> Option<ystr::Haplotype> {
        parse_genotypes("g.txt", text).unwrap().profiles[0]
            .y
            .clone()
    }

    fn haplotype(text: &str) -> ystr::Haplotype {
        ystr::Haplotype::parse(text, "test").unwrap()
    }

    const LONG: &str = "sample,marker,allele1,allele2\n";

    /// The two copies of a two-copy locus as two rows make the call the
    /// whole locus's row makes, in any order, apart or together, alike or
    /// not; two empty copies are the locus untyped.
    #[test]
    fn long_rows_of_the_two_copies_make_one_call() {
        let whole = y_of(&format!(
            "{LONG}s1,DYS19,14,\ns1,DYS385,14,11\ns1,DYF387S1,36,\ns1,DYS389I,12,\n"
        ))
        .unwrap();
        assert_eq!(
            whole,
            haplotype("DYS19=14,DYS385=11-14,DYF387S1=36,DYS389I=12")
        );
        let copies = format!(
            "{LONG}s1,DYS19,14,\ns1,DYS385b,14,\ns1,DYS385a,11,11\ns1,DYF387S1a,36,\n\
             s1,DYF387S1b,36.0,\ns1,DYS389I,12,\ns1,DYS576,,\n"
        );
        assert_eq!(y_of(&copies).unwrap(), whole);
        // GeneMapper's tab layout, the copies with a third allele column.
        let tabbed = "Sample Name\tMarker\tAllele 1\tAllele 2\tAllele 3\n\
            s1\tDYS19\t14\t\t\ns1\tDYS385a\t11\t\t\ns1\tDYS385b\t\t14\t\n\
            s1\tDYF387S1A\t36\t\t\ns1\tDYF387S1B\t36\t\t\ns1\tDYS389I\t12\t\t\n";
        assert_eq!(y_of(tabbed).unwrap(), whole);
        // Both copies empty: untyped.
        let untyped = format!("{LONG}s1,DYS385a,,\ns1,DYS19,14,\ns1,DYS385b,,\n");
        assert_eq!(y_of(&untyped).unwrap(), haplotype("DYS19=14"));
        // A sample's rows apart: the other copy is further on.
        let apart = format!("{LONG}s1,DYS385a,11,\ns2,DYS19,15,\ns1,DYS385b,14,\n");
        let table = parse_genotypes("g.txt", &apart).unwrap();
        assert_eq!(table.profiles[0].y, Some(haplotype("DYS385=11-14")));
        assert_eq!(table.profiles[1].y, Some(haplotype("DYS19=15")));
        let mut reader =
            GenotypeReader::new("g", apart.as_bytes(), &[], Samples::Together).unwrap();
        assert_eq!(
            reader.next_profile(),
            Err(ReadError::NotTogether { line: 4 })
        );
    }

    #[test]
    fn long_rows_of_copies_refused_with_the_place() {
        let field = Some("marker");
        let both =
            "give the locus whole (DYS385) or as its two copies (DYS385a, DYS385b), not both";
        assert_eq!(
            err(&format!(
                "{LONG}s1,DYS385a,11,\ns1,DYS19,14,\ns1,DYS385a,11,\n"
            )),
            at(
                4,
                field,
                "sample s1, Y locus DYS385: DYS385a given twice (first on line 2)"
            )
        );
        assert_eq!(
            err(&format!("{LONG}s1,DYS385,11,14\ns1,DYS385a,11,\n")),
            at(
                3,
                field,
                &format!("sample s1, Y locus DYS385: DYS385a here, but DYS385 on line 2: {both}")
            )
        );
        assert_eq!(
            err(&format!(
                "{LONG}s1,DYS385b,14,\ns1,DYS385a,11,\ns1,DYS385,11,14\n"
            )),
            at(
                4,
                field,
                &format!("sample s1, Y locus DYS385: DYS385 here, but DYS385b on line 2: {both}")
            )
        );
        assert_eq!(
            err(&format!("{LONG}s1,DYS19,14,\ns1,DYS19,14,\n")),
            at(
                3,
                field,
                "sample s1, Y locus DYS19: given twice (first on line 2)"
            )
        );
        assert_eq!(
            err(&format!("{LONG}s1,DYS385a,11,12\n")),
            at(
                2,
                field,
                "sample s1, Y locus DYS385: DYS385a is one copy of DYS385 and holds one allele: \
                 2 given (11, 12); give every allele as DYS385 instead"
            )
        );
        assert_eq!(
            err(&format!("{LONG}s1,DYF387S1b,\"36,38\",\n")),
            at(
                2,
                field,
                "sample s1, Y locus DYF387S1: DYF387S1b is one copy of DYF387S1 and holds one \
                 allele: 2 given (36, 38); give every allele as DYF387S1 instead"
            )
        );
        assert_eq!(
            err(&format!("{LONG}s1,DYS385a,null,\n")),
            at(
                2,
                field,
                "sample s1, Y locus DYS385: DYS385a: \"null\" is not a repeat number (such as 14 or 18.2)"
            )
        );
        let one_empty = "give both copies (the same allele twice for one peak), or neither";
        assert_eq!(
            err(&format!("{LONG}s1,DYS385a,11,\ns1,DYS385b,,\n")),
            at(
                3,
                field,
                &format!(
                    "sample s1, Y locus DYS385: DYS385b is empty but DYS385a is 11 on line 2: {one_empty}"
                )
            )
        );
        assert_eq!(
            err(&format!(
                "{LONG}s1,DYS385a,,\ns1,DYS19,14,\ns1,DYS385b,14,\n"
            )),
            at(
                2,
                field,
                &format!(
                    "sample s1, Y locus DYS385: DYS385a is empty but DYS385b is 14 on line 4: {one_empty}"
                )
            )
        );
        assert_eq!(
            err(&format!("{LONG}s1,DYS19,null,14\n")),
            at(
                2,
                field,
                "sample s1, Y locus DYS19: a null allele with other alleles (14, null): a null \
                 allele is a locus's only call"
            )
        );
    }

    /// A copy without the other is told once the sample's rows are read:
    /// when the next sample begins (no profile given after it), at the end
    /// of the file, or at the end when the sample's rows are apart; the
    /// first such copy by line.
    #[test]
    fn a_lone_copy_is_refused_once_its_sample_is_read() {
        let lone = |copy: &str, other: &str, locus: &str| {
            format!(
                "sample s1, Y locus {locus}: {copy} without {other}: give both copies, or the \
                 locus whole ({locus}) with both alleles"
            )
        };
        let field = Some("marker");
        let next_sample = format!("{LONG}s1,DYS385a,11,\ns1,DYS19,14,\ns2,DYS19,15,\n");
        let want = at(2, field, &lone("DYS385a", "DYS385b", "DYS385"));
        assert_eq!(err(&next_sample), want);
        let mut reader =
            GenotypeReader::new("g.txt", next_sample.as_bytes(), &[], Samples::Together).unwrap();
        assert_eq!(reader.next_profile(), Err(ReadError::Format(want.clone())));
        assert_eq!(reader.next_profile(), Ok(None));
        // The last sample of the file.
        assert_eq!(
            err(&format!(
                "{LONG}s0,DYS19,14,\ns1,DYS19,14,\ns1,DYF387S1b,38,\n"
            )),
            at(4, field, &lone("DYF387S1b", "DYF387S1a", "DYF387S1"))
        );
        // Two samples with a lone copy each: the first is told.
        let two = format!("{LONG}s1,DYS385a,11,\ns2,DYF387S1b,38,\ns3,DYS19,14,\n");
        assert_eq!(err(&two), want);
        // Apart: read again keeping every sample, told at the end, the
        // first by line.
        let apart = format!("{LONG}s1,DYS385a,11,\ns2,DYF387S1b,38,\ns1,DYS19,14,\n");
        assert_eq!(err(&apart), want);
        let mut reader =
            GenotypeReader::new("g.txt", apart.as_bytes(), &[], Samples::Together).unwrap();
        assert_eq!(
            reader.next_profile(),
            Err(ReadError::NotTogether { line: 4 })
        );
        // A row error further on comes first, as it does reading every sample.
        let later = format!("{LONG}s1,DYS385a,11,\ns2,TH01,6,OL\n");
        assert_eq!(err(&later).location, Location::line_field(3, "allele2"));
    }

    /// A wide table's Y loci: a column per locus holding its call, two
    /// allele columns, or the columns of a two-copy locus's copies; each
    /// read as the long layout reads the locus's row. DYS391 goes to the
    /// haplotype, not to the autosomal markers, as in the long layout.
    #[test]
    fn wide_tables_read_y_loci() {
        let long = format!(
            "{LONG}s1,DYS19,14,\ns1,DYS389I,12,\ns1,YGATAH4,11,\ns1,DYS385,11,14\n\
             s1,DYF387S1,36,38\ns1,DYS391,10,\ns1,TH01,6,7\ns1,DYS448,,\n"
        );
        let want = parse_genotypes("g.txt", &long).unwrap().profiles[0].clone();
        assert_eq!(
            want.y,
            Some(haplotype(
                "DYS19=14,DYS389I=12,YGATAH4=11,DYS385=11-14,DYF387S1=36-38,DYS391=10"
            ))
        );
        for text in [
            "sample,DYS19,DYS389I,Y-GATA-H4,DYS385,DYF387S1a,DYF387S1b,DYS391_a1,DYS391_a2,TH01_a1,TH01_a2,DYS448\n\
             s1,14,12,11,\"11,14\",36,38,10,,6,7,\n",
            "sample,DYS19_a1,DYS19_a2,DYS389I,YGATAH4,DYS385b,DYS385a,DYF387S1,DYS391,TH01_a1,TH01_a2,DYS448_a1,DYS448_a2\n\
             s1,14,14,12,11,14,11,36-38,10,6,7,,\n",
        ] {
            let read = parse_genotypes("g.txt", text).unwrap().profiles[0].clone();
            assert_eq!(read.y, want.y, "{text}");
            assert_eq!(read.markers, want.markers, "{text}");
            assert_eq!(read.markers, vec![("TH01".into(), g("6", "7"))]);
        }
        // Blank cells are untyped; a table of Y loci only is read.
        let y_only = "sample,DYS19,DYS385a,DYS385b\ns1,14,,\ns2,,,\ns3,15,11,11\n";
        let table = parse_genotypes("g.txt", y_only).unwrap();
        let ys: Vec<Option<ystr::Haplotype>> = table.profiles.iter().map(|p| p.y.clone()).collect();
        assert_eq!(
            ys,
            [
                Some(haplotype("DYS19=14")),
                None,
                Some(haplotype("DYS19=15,DYS385=11"))
            ]
        );
    }

    #[test]
    fn wide_y_columns_refused_with_the_place() {
        assert_eq!(
            err("sample,DYS385a,TH01_a1,TH01_a2\n"),
            at(
                1,
                Some("DYS385a"),
                "Y locus DYS385: a column DYS385a without DYS385b: give both copies, or the \
                 locus whole (DYS385) with both alleles"
            )
        );
        assert_eq!(
            err("sample,DYS385,DYS385b,DYS385a\n"),
            at(
                1,
                Some("DYS385b"),
                "Y locus DYS385: the column \"DYS385b\" and the column \"DYS385\" both give it: \
                 give the locus in one column, in two allele columns (DYS385_a1, DYS385_a2) or \
                 as its copies (DYS385a, DYS385b)"
            )
        );
        assert_eq!(
            err("sample,DYS19,dys 19\n"),
            at(
                1,
                Some("dys 19"),
                "Y locus DYS19: a second column for it (after \"DYS19\")"
            )
        );
        assert_eq!(
            err("sample,DYS19_a1,DYS389I\n"),
            at(
                1,
                Some("DYS19_a1"),
                "Y locus DYS19: expected two columns, DYS19_a1 and DYS19_a2"
            )
        );
        assert_eq!(
            err("sample,DYS385a_a1\n"),
            at(
                1,
                Some("DYS385a_a1"),
                "Y locus DYS385: DYS385a is one copy and holds one allele: name its column \
                 DYS385a, not DYS385a_a1"
            )
        );
        let head = "sample,DYS19,DYS385a,DYS385b\n";
        assert_eq!(
            err(&format!("{head}s1,14,11-12,14\n")),
            at(
                2,
                Some("DYS385a"),
                "sample s1, Y locus DYS385: DYS385a is one copy of DYS385 and holds one allele: \
                 2 given (11, 12); give every allele as DYS385 instead"
            )
        );
        assert_eq!(
            err(&format!("{head}s1,14,11,\n")),
            at(
                2,
                Some("DYS385b"),
                "sample s1, Y locus DYS385: DYS385b is empty but DYS385a is 11: give both \
                 copies (the same allele twice for one peak), or neither"
            )
        );
        assert_eq!(
            err(&format!("{head}s1,1x,,\n")),
            at(
                2,
                Some("DYS19"),
                "sample s1, Y locus DYS19: \"1x\" is not a repeat number (such as 14 or 18.2)"
            )
        );
    }
}

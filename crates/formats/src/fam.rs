//! Familias project files (`.fam`, the text format of Familias 3, also read by
//! the Familias R package and pedFamilias).
//!
//! A project holds named persons with their sex and genotypes, relations
//! common to every pedigree, several pedigrees (hypotheses) that add their own
//! relations and anonymous extra persons, and one frequency database: per
//! marker the alleles and frequencies, a mutation model for each sex (equal,
//! proportional, stepwise), rates, range and rate2, a database size, and θ for
//! the whole database. The file is one value per line:
//!
//! ```text
//! "Output from Familias, version 3.3.1"    header, a comment line, the version
//! "DO NOT EDIT!"
//! 3.3.1
//! ""                                        (optional empty line)
//! 3                                         number of persons
//! "AF"  #FALSE#  -1  #FALSE#  #TRUE#        name, two flags, -1, male?
//! 10    7 7 0  1 5 1 ...                    typed markers, then per marker:
//!                                           allele index, allele index, marker index (0-based)
//! "Known relations"  0 0  0                 extra females, extra males, relations
//! 2                                         number of pedigrees, each:
//! 0 "H1" 0 0 2  0 2  1 2                    index, name, extras F/M, relations (parent, child)
//! #FALSE# (#Databases: 1 ;Theta/Kinship/Fst: 0 )
//! 10  #TRUE#  "unknown"                     markers, database named?, its name
//! "D3S1358"  0.001 0.002  4 4  12  0.1 0.1  1e-006 1e-006  #FALSE#  0
//!                                           name, rate F/M, model F/M, alleles,
//!                                           range F/M, rate2 F/M, silent allele?, its frequency
//! 12\t(DatabaseSize = 1000 , Dropout probability = 0 , Minor allele frequency = 0 )
//! "10"  5.21594e-005  ...                   allele, frequency
//! [Advanced]                                Familias's options, then its sections:
//! [[Direct/Identity]]                         the Direct/Identity module's
//! Dropin= 0.01  Dropout= 0.1  Error= 0.001    drop-in, dropout and error (every project has them)
//! [[Other]] ... [[DVI]] ... [[Simulation]] ...
//! ```
//!
//! Model codes: 0 equal, 1 proportional, 2 stepwise (unstationary: no
//! mutation between microvariant groups, rate2 = 0), 3 stepwise (stationary,
//! refused: Familias rescales that matrix), 4 extended stepwise (rate2).
//! Silent alleles, dropout (a marker's `Dropout probability` above 0),
//! identical twins, precomputed probabilities and the DVI module are not
//! modelled here and are refused with a message, never ignored. A person
//! marked `-1 (Consider dropouts)` is read: with every marker's dropout
//! probability 0 the mark models nothing. The `Dropin`, `Dropout` and `Error`
//! of `[[Direct/Identity]]` are settings of Familias's Direct/Identity module
//! (comparing two profiles directly), which Familias writes into every project
//! whatever its pedigrees; they play no part in a pedigree's likelihood
//! (pedFamilias, dvir and KLINK skip them, and their LRs agree with Familias
//! for projects with non-zero values there), so they are read and ignored.
//! The same keys anywhere else must be 0.
//!
//! A child given one parent gets an untyped founder as its other parent, as
//! Familias does. A child may have two parents of the same sex (Familias
//! computes such a pedigree, as in its course's kinship riddle): the first
//! parent in the file takes the father's place and the second the mother's,
//! and each passes its alleles through the mutation model of its own sex
//! ([`Pedigree::with_same_sex_parents`]); [`FamProject::warnings`] names them.

use std::collections::HashMap;
use std::fmt::Write as _;

use kinship::{
    Allele, Genotype, KinshipCase, MarkerFrequencies, MarkerModel, MutationKind, MutationModel,
    Pedigree, Person, Sex, TypedPerson,
};

use crate::error::{FormatError, Location};

/// A pedigree (hypothesis) of a project.
#[derive(Debug, Clone)]
pub struct FamPedigree {
    pub name: String,
    pub pedigree: Pedigree,
}

/// A Familias project read from a `.fam` file.
#[derive(Debug, Clone)]
pub struct FamProject {
    /// The Familias version that wrote the file.
    pub version: String,
    /// Named persons (typed or not), in file order, with their sex.
    pub persons: Vec<(String, Sex)>,
    pub pedigrees: Vec<FamPedigree>,
    pub database_name: Option<String>,
    pub theta: f64,
    /// Markers in file order, frequencies normalised.
    pub markers: Vec<MarkerModel>,
    /// The database size (number of persons) of each marker, when given.
    pub database_sizes: Vec<Option<u64>>,
    /// Persons typed at one marker at least; one slot per marker.
    pub typed: Vec<TypedPerson>,
}

impl FamProject {
    /// The index of the pedigree called `name`.
    pub fn pedigree_index(&self, name: &str) -> Option<usize> {
        self.pedigrees.iter().position(|p| p.name == name)
    }

    /// What a reader of the results should know: each child of a pedigree
    /// whose two parents have the same sex, with its parents.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for p in &self.pedigrees {
            let ped = &p.pedigree;
            for c in ped.same_sex_parents() {
                let Some((a, b)) = ped.parents(c) else {
                    continue;
                };
                let id = |i: usize| &ped.persons()[i].id;
                out.push(format!(
                    "pedigree {:?}: {:?} has two parents of the same sex, {:?} and {:?} (both {}); computed as Familias does, each parent passing its alleles through the mutation model of its own sex",
                    p.name,
                    id(c),
                    id(a),
                    id(b),
                    ped.sex(a).name()
                ));
            }
        }
        out
    }

    /// The kinship question "pedigree `numerator` against pedigree `denominator`".
    pub fn case(&self, numerator: usize, denominator: usize) -> KinshipCase {
        KinshipCase {
            theta: self.theta,
            markers: self.markers.clone(),
            h1: self.pedigrees[numerator].pedigree.clone(),
            h2: self.pedigrees[denominator].pedigree.clone(),
            typed: self.typed.clone(),
        }
    }
}

/// Reads a `.fam` file. The bytes may be UTF-8 or, as Familias on Windows
/// writes them, Latin-1; lines may end in CRLF.
pub fn parse_fam(file: &str, bytes: &[u8]) -> Result<FamProject, FormatError> {
    parse(file, bytes, false)
}

/// Reads a `.fam` file for its frequency database: as [`parse_fam`], but a
/// file without pedigrees (the database-only files Familias saves, as KLINK
/// ships the Norwegian database) is read too, with no pedigree.
pub fn parse_fam_database(file: &str, bytes: &[u8]) -> Result<FamProject, FormatError> {
    parse(file, bytes, true)
}

fn parse(file: &str, bytes: &[u8], database_only: bool) -> Result<FamProject, FormatError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}').to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    };
    // Lines end in LF, CRLF or CR; a file ending in a line end has no empty
    // line after it, so a truncated file is reported at the line after its
    // last.
    let lines: Vec<&str> = crate::split_lines(&text).collect();
    // A DVI project keeps its persons and families in a `[DVI]` section
    // after the database (and no pedigrees before it): named first, at its
    // line, before anything else of the file is judged.
    if let Some(i) = lines.iter().position(|l| l.trim() == "[DVI]") {
        return Err(FormatError::new(
            file,
            Location::line_field(i + 1, "[DVI]"),
            "the file is a Familias DVI project (its [DVI] section holds the unidentified persons and the reference families), which Reunite does not read; save one family's question as an ordinary project with its pedigrees",
        ));
    }
    Parser {
        file,
        lines: &lines,
        pos: 0,
        database_only,
        dropout_persons: Vec::new(),
    }
    .project()
}

struct Parser<'a> {
    file: &'a str,
    lines: &'a [&'a str],
    /// Index of the next line (0-based).
    pos: usize,
    /// Whether a file without pedigrees is read (for its database).
    database_only: bool,
    /// The persons marked "Consider dropouts", for the message refusing a
    /// marker's dropout probability.
    dropout_persons: Vec<String>,
}

/// A person's genotype as written: allele indices into the marker's list, and
/// the marker's index, with the line of the first value.
struct RawGenotype {
    line: usize,
    a: i64,
    b: i64,
    marker: i64,
}

/// A relation as written: parent index, child index, line.
type RawRelation = (usize, usize, usize);

/// A pedigree as written: name, extra females, extra males, relations, line.
type RawPedigree = (String, usize, usize, Vec<RawRelation>, usize);

impl<'a> Parser<'a> {
    fn err(&self, line: usize, field: &str, reason: impl Into<String>) -> FormatError {
        FormatError::new(self.file, Location::line_field(line, field), reason)
    }

    /// The next line, unquoted, with its 1-based number.
    fn next(&mut self, field: &str) -> Result<(usize, &'a str), FormatError> {
        let Some(raw) = self.lines.get(self.pos) else {
            return Err(FormatError::new(
                self.file,
                Location::line_field(self.pos + 1, field),
                format!("the file ends where {field} was expected (truncated?)"),
            ));
        };
        self.pos += 1;
        let t = raw.trim();
        let t = t
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(t);
        Ok((self.pos, t))
    }

    fn int(&mut self, field: &str) -> Result<(usize, i64), FormatError> {
        let (line, t) = self.next(field)?;
        t.parse::<i64>()
            .map(|v| (line, v))
            .map_err(|_| self.err(line, field, format!("expected a whole number, found {t:?}")))
    }

    fn count(&mut self, field: &str, max: usize) -> Result<(usize, usize), FormatError> {
        let (line, v) = self.int(field)?;
        if v < 0 || v as usize > max {
            return Err(self.err(
                line,
                field,
                format!("{v} is not a count between 0 and {max}"),
            ));
        }
        Ok((line, v as usize))
    }

    fn number(&mut self, field: &str) -> Result<(usize, f64), FormatError> {
        let (line, t) = self.next(field)?;
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok((line, v)),
            _ => Err(self.err(line, field, format!("expected a number, found {t:?}"))),
        }
    }

    fn flag(&mut self, field: &str) -> Result<(usize, bool), FormatError> {
        let (line, t) = self.next(field)?;
        match t {
            "#TRUE#" => Ok((line, true)),
            "#FALSE#" => Ok((line, false)),
            _ => Err(self.err(
                line,
                field,
                format!("expected #TRUE# or #FALSE#, found {t:?}"),
            )),
        }
    }

    fn project(mut self) -> Result<FamProject, FormatError> {
        // Header.
        let (line, first) = self.next("header")?;
        if !first.starts_with("Output from Familias") {
            return Err(self.err(
                line,
                "header",
                format!(
                    "not a Familias project file: the first line should read \"Output from Familias, version ...\", found {first:?}"
                ),
            ));
        }
        self.next("comment")?;
        let version = self.next("version")?.1.to_string();
        if self.lines.get(self.pos).map(|l| l.trim()) == Some("\"\"") {
            self.pos += 1;
        }

        // Persons and genotypes.
        let (_, n_persons) = self.count("number of persons", 100_000)?;
        let mut persons: Vec<(String, Sex)> = Vec::with_capacity(n_persons);
        let mut raw_genotypes: Vec<Vec<RawGenotype>> = Vec::with_capacity(n_persons);
        for _ in 0..n_persons {
            let (line, name) = self.next("person name")?;
            let name = name.trim().to_string();
            if name.is_empty() {
                return Err(self.err(line, "person name", "empty person name"));
            }
            if persons.iter().any(|(n, _)| *n == name) {
                return Err(self.err(
                    line,
                    "person name",
                    format!("person {name:?} is listed twice"),
                ));
            }
            self.flag("person flag")?;
            let (l, t) = self.next("person dropout")?;
            if !t.starts_with("-1") && t.parse::<i64>().is_err() {
                return Err(self.err(
                    l,
                    "person dropout",
                    format!("expected -1 or -1 (Consider dropouts), found {t:?}"),
                ));
            }
            if t.contains("Consider dropouts") {
                self.dropout_persons.push(name.clone());
            }
            self.flag("person flag")?;
            let (_, male) = self.flag("person is male")?;
            let (_, n) = self.count(&format!("number of markers typed for {name:?}"), 10_000)?;
            let mut gs = Vec::with_capacity(n);
            for _ in 0..n {
                let (line, a) = self.int("allele index")?;
                let (_, b) = self.int("allele index")?;
                let (_, marker) = self.int("marker index")?;
                gs.push(RawGenotype { line, a, b, marker });
            }
            persons.push((name, if male { Sex::Male } else { Sex::Female }));
            raw_genotypes.push(gs);
        }

        // Relations common to every pedigree.
        let (line, t) = self.next("Known relations")?;
        if t != "Known relations" {
            return Err(self.err(
                line,
                "Known relations",
                format!("expected \"Known relations\" after the persons, found {t:?}"),
            ));
        }
        let (_, extra_f) = self.count("extra females", 10_000)?;
        let (_, extra_m) = self.count("extra males", 10_000)?;
        let common_total = n_persons + extra_f + extra_m;
        let common = self.relations(common_total)?;

        // Pedigrees.
        let (line, n_peds) = self.count("number of pedigrees", 10_000)?;
        if n_peds == 0 && !self.database_only {
            let reason = if n_persons == 0 {
                "the file holds no persons and no pedigrees, only a frequency database: nothing to compute (import it with `reunite import frequencies`)".to_string()
            } else {
                format!("the project has {n_persons} persons but no pedigrees: nothing to compute")
            };
            return Err(self.err(line, "number of pedigrees", reason));
        }
        let mut raw_peds: Vec<Option<RawPedigree>> = vec![None; n_peds];
        for _ in 0..n_peds {
            let (line, idx) = self.count("pedigree index", n_peds - 1)?;
            let (_, name) = self.next("pedigree name")?;
            let name = name.trim().to_string();
            let (_, f) = self.count("extra females", 10_000)?;
            let (_, m) = self.count("extra males", 10_000)?;
            let rels = self.relations(common_total + f + m)?;
            if raw_peds[idx].is_some() {
                return Err(self.err(
                    line,
                    "pedigree index",
                    format!("pedigree index {idx} is used twice"),
                ));
            }
            raw_peds[idx] = Some((name, f, m, rels, line));
        }

        // The database.
        let (line, t) = self.next("database header")?;
        if t.starts_with("#TRUE#") {
            return Err(self.err(
                line,
                "probabilities",
                "the file holds precomputed probabilities (Familias \"save results\"); save the project without results",
            ));
        }
        let theta = match t.split("Theta/Kinship/Fst:").nth(1) {
            None => 0.0,
            Some(rest) => {
                let v = rest.trim().trim_end_matches(')').trim();
                v.parse::<f64>()
                    .ok()
                    .filter(|x| (0.0..1.0).contains(x))
                    .ok_or_else(|| {
                        self.err(
                            line,
                            "Theta/Kinship/Fst",
                            format!("{v:?} is not a theta in [0, 1)"),
                        )
                    })?
            }
        };
        if let Some(rest) = t.split("#Databases:").nth(1) {
            let n = rest.split(';').next().unwrap_or("").trim();
            if n != "1" {
                return Err(self.err(
                    line,
                    "#Databases",
                    format!("the project holds {n} frequency databases; keep only the one to use"),
                ));
            }
        }
        let (_, n_markers) = self.count("number of markers", 10_000)?;
        let (_, named) = self.flag("database named")?;
        let database_name = if named {
            Some(self.next("database name")?.1.to_string())
        } else {
            None
        };
        let mut markers = Vec::with_capacity(n_markers);
        let mut database_sizes = Vec::with_capacity(n_markers);
        // Allele of each file position, per marker.
        let mut allele_lists: Vec<Vec<Allele>> = Vec::with_capacity(n_markers);
        for _ in 0..n_markers {
            let (model, size, alleles) = self.marker(&markers)?;
            markers.push(model);
            database_sizes.push(size);
            allele_lists.push(alleles);
        }

        // Familias's options. Those of the Direct/Identity module play no
        // part in pedigree likelihoods (see the module documentation);
        // drop-in, dropout or error anywhere else must be off.
        let mut section = "";
        while let Some(raw) = self.lines.get(self.pos) {
            let line = self.pos + 1;
            self.pos += 1;
            let t = raw.trim();
            if t.starts_with('[') {
                section = t;
                continue;
            }
            if let Some((key, value)) = t.split_once('=') {
                let key = key.trim();
                if matches!(key, "Dropin" | "Dropout" | "Error") && section != "[[Direct/Identity]]"
                {
                    let v: f64 = value.trim().parse().map_err(|_| {
                        self.err(
                            line,
                            key,
                            format!("expected a number, found {:?}", value.trim()),
                        )
                    })?;
                    if v != 0.0 {
                        return Err(self.err(
                            line,
                            key,
                            format!("{key} = {v}: drop-in, dropout and genotyping error are not modelled by Reunite"),
                        ));
                    }
                }
            }
        }

        // Genotypes as alleles.
        let mut typed = Vec::new();
        for ((name, _), gs) in persons.iter().zip(&raw_genotypes) {
            if gs.is_empty() {
                continue;
            }
            let mut slots: Vec<Option<Genotype>> = vec![None; n_markers];
            for g in gs {
                let field = format!("genotype of {name:?}");
                if g.marker < 0 || g.marker as usize >= n_markers {
                    return Err(self.err(
                        g.line + 2,
                        &field,
                        format!(
                            "marker index {} is not one of the {n_markers} markers",
                            g.marker
                        ),
                    ));
                }
                let k = g.marker as usize;
                let list = &allele_lists[k];
                let allele = |i: i64, line: usize| {
                    usize::try_from(i)
                        .ok()
                        .and_then(|i| list.get(i).copied())
                        .ok_or_else(|| {
                            self.err(
                                line,
                                &field,
                                format!(
                                    "allele index {i} is not one of the {} alleles of marker {}",
                                    list.len(),
                                    markers[k].name()
                                ),
                            )
                        })
                };
                let genotype = Genotype::new(allele(g.a, g.line)?, allele(g.b, g.line + 1)?);
                if slots[k].replace(genotype).is_some() {
                    return Err(self.err(
                        g.line,
                        &field,
                        format!("{name:?} is typed twice at marker {}", markers[k].name()),
                    ));
                }
            }
            typed.push(TypedPerson {
                id: name.clone(),
                genotypes: slots,
            });
        }

        // Pedigrees: every named person, the common extras, the pedigree's extras.
        let mut taken: Vec<String> = persons.iter().map(|(n, _)| n.clone()).collect();
        let mut fresh = |base: String| {
            let mut id = base;
            while taken.contains(&id) {
                id.push('\'');
            }
            taken.push(id.clone());
            id
        };
        let mut base: Vec<(String, Sex)> = persons.clone();
        for i in 0..extra_f {
            base.push((fresh(format!("extra female {}", i + 1)), Sex::Female));
        }
        for i in 0..extra_m {
            base.push((fresh(format!("extra male {}", i + 1)), Sex::Male));
        }
        let mut pedigrees = Vec::with_capacity(n_peds);
        for raw in raw_peds.into_iter() {
            let (name, f, m, rels, line) = raw.expect("every index filled: n distinct indices");
            let mut members = base.clone();
            for i in 0..f {
                members.push((fresh(format!("{name} extra female {}", i + 1)), Sex::Female));
            }
            for i in 0..m {
                members.push((fresh(format!("{name} extra male {}", i + 1)), Sex::Male));
            }
            let all: Vec<RawRelation> = common.iter().chain(&rels).copied().collect();
            let pedigree = self.build_pedigree(&name, line, members, &all, &mut fresh)?;
            pedigrees.push(FamPedigree { name, pedigree });
        }
        for (i, p) in pedigrees.iter().enumerate() {
            if pedigrees[..i].iter().any(|q| q.name == p.name) {
                return Err(FormatError::new(
                    self.file,
                    Location::default(),
                    format!("two pedigrees are called {:?}", p.name),
                ));
            }
        }

        Ok(FamProject {
            version,
            persons,
            pedigrees,
            database_name,
            theta,
            markers,
            database_sizes,
            typed,
        })
    }

    /// A count of relations and the (parent, child) index pairs.
    fn relations(&mut self, total: usize) -> Result<Vec<RawRelation>, FormatError> {
        let (_, n) = self.count("number of relations", 100_000)?;
        let mut rels = Vec::with_capacity(n);
        for _ in 0..n {
            let (line, t) = self.next("parent index")?;
            if t.contains("Direct") {
                return Err(self.err(
                    line,
                    "relation",
                    "identical twins (a \"Direct\" relation) are not supported",
                ));
            }
            let parent = t
                .parse::<usize>()
                .ok()
                .filter(|&p| p < total)
                .ok_or_else(|| {
                    self.err(
                        line,
                        "parent index",
                        format!("{t:?} is not a person index below {total}"),
                    )
                })?;
            let (l2, child) = self.count("child index", total.saturating_sub(1))?;
            if parent == child {
                return Err(self.err(l2, "child index", "a person cannot be their own parent"));
            }
            rels.push((parent, child, line));
        }
        Ok(rels)
    }

    /// One marker of the database: its model, database size and alleles in file order.
    fn marker(
        &mut self,
        before: &[MarkerModel],
    ) -> Result<(MarkerModel, Option<u64>, Vec<Allele>), FormatError> {
        let (name_line, name) = self.next("marker name")?;
        let name = name.trim().to_string();
        if name.is_empty() {
            return Err(self.err(name_line, "marker name", "empty marker name"));
        }
        if before.iter().any(|m| m.name() == name) {
            return Err(self.err(
                name_line,
                "marker name",
                format!("marker {name} is listed twice"),
            ));
        }
        let (_, rate_f) = self.number("female mutation rate")?;
        let (_, rate_m) = self.number("male mutation rate")?;
        let (lf, code_f) = self.int("female mutation model")?;
        let (lm, code_m) = self.int("male mutation model")?;
        let (_, _with_silent) = self.count("number of alleles", 10_000)?;
        let (_, range_f) = self.number("female range")?;
        let (_, range_m) = self.number("male range")?;
        let (_, rate2_f) = self.number("female rate2")?;
        let (_, rate2_m) = self.number("male rate2")?;
        let (ls, silent) = self.flag("silent allele")?;
        let (_, silent_freq) = self.number("silent allele frequency")?;
        if silent {
            return Err(self.err(
                ls,
                "silent allele",
                format!(
                    "marker {name} has a silent allele (frequency {silent_freq}); silent alleles are not modelled by Reunite"
                ),
            ));
        }
        let (info_line, info) = self.next("number of alleles")?;
        let mut parts = info.splitn(2, '\t');
        let n_text = parts.next().unwrap_or("").trim();
        let n: usize = n_text
            .parse()
            .ok()
            .filter(|&n| n > 0 && n <= 10_000)
            .ok_or_else(|| {
                self.err(
                    info_line,
                    "number of alleles",
                    format!("expected the number of alleles of marker {name}, found {n_text:?}"),
                )
            })?;
        let rest = parts.next().unwrap_or("");
        let setting = |key: &str| -> Option<&str> {
            let after = rest.split(key).nth(1)?;
            let v = after.trim_start().strip_prefix('=')?.trim_start();
            v.split([' ', ',', ')']).next()
        };
        let database_size = setting("DatabaseSize").and_then(|v| v.parse::<u64>().ok());
        if let Some(d) = setting("Dropout probability") {
            let p: f64 = d.parse().map_err(|_| {
                self.err(
                    info_line,
                    "Dropout probability",
                    format!("expected a number, found {d:?}"),
                )
            })?;
            if p != 0.0 {
                let who = if self.dropout_persons.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (persons marked \"Consider dropouts\": {})",
                        self.dropout_persons
                            .iter()
                            .map(|n| format!("{n:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                return Err(self.err(
                    info_line,
                    "Dropout probability",
                    format!("marker {name} has dropout probability {p}{who}; dropout is not modelled by Reunite: set it to 0, or compute this project in Familias"),
                ));
            }
        }
        let mut alleles = Vec::with_capacity(n);
        let mut freqs = Vec::with_capacity(n);
        for _ in 0..n {
            let (line, a) = self.next("allele")?;
            let allele: Allele = a.parse().map_err(|e| {
                self.err(line, "allele", format!("marker {name}: allele {a:?}: {e}"))
            })?;
            let (fl, f) = self.number("frequency")?;
            if !(f > 0.0 && f <= 1.0) {
                return Err(self.err(
                    fl,
                    "frequency",
                    format!("marker {name}: frequency {f} of allele {allele} is not in (0, 1]"),
                ));
            }
            alleles.push(allele);
            freqs.push(f);
        }
        let table = MarkerFrequencies::new(name.clone(), alleles.clone(), freqs)
            .map_err(|e| self.err(info_line, "frequencies", e.to_string()))?
            .normalized();
        let kind = |code: i64, range: f64, rate2: f64, line: usize| {
            match code {
            0 => Ok(MutationKind::Equal),
            1 => Ok(MutationKind::Proportional),
            2 => Ok(MutationKind::Stepwise { range, rate2: 0.0 }),
            3 => Err(self.err(
                line,
                "mutation model",
                format!("marker {name}: the stationary stepwise model (code 3) is not supported; use the extended stepwise model"),
            )),
            4 => Ok(MutationKind::Stepwise { range, rate2 }),
            c => Err(self.err(
                line,
                "mutation model",
                format!("marker {name}: unknown mutation model code {c} (expected 0 to 4)"),
            )),
        }
        };
        let kind_f = kind(code_f, range_f, rate2_f, lf)?;
        let kind_m = kind(code_m, range_m, rate2_m, lm)?;
        let mutation = if rate_f == 0.0 && rate_m == 0.0 {
            None
        } else {
            // A sex with rate 0 never mutates: its model is irrelevant.
            let (male, female) = match (rate_m == 0.0, rate_f == 0.0) {
                (true, _) => (kind_f, kind_f),
                (_, true) => (kind_m, kind_m),
                _ => (kind_m, kind_f),
            };
            let model = MutationModel {
                kind: male,
                rate_male: rate_m,
                rate_female: rate_f,
                female_kind: (female != male).then_some(female),
            };
            model
                .validate()
                .map_err(|e| self.err(lf, "mutation model", format!("marker {name}: {e}")))?;
            Some(model)
        };
        let model = MarkerModel::new(table, mutation)
            .map_err(|e| self.err(lf, "mutation model", format!("marker {name}: {e}")))?;
        Ok((model, database_size, alleles))
    }

    fn build_pedigree(
        &self,
        name: &str,
        line: usize,
        members: Vec<(String, Sex)>,
        relations: &[RawRelation],
        fresh: &mut impl FnMut(String) -> String,
    ) -> Result<Pedigree, FormatError> {
        let n = members.len();
        // Each child's parents, in the order of the relations (those common
        // to every pedigree first).
        let mut parents: Vec<Vec<usize>> = vec![Vec::new(); n];
        for &(p, c, rline) in relations {
            if p >= n || c >= n {
                return Err(self.err(
                    rline,
                    "relation",
                    format!(
                        "pedigree {name:?}: person index {} is not one of its {n} persons",
                        p.max(c)
                    ),
                ));
            }
            if parents[c].contains(&p) {
                continue;
            }
            if let [a, b] = parents[c][..] {
                return Err(self.err(
                    rline,
                    "relation",
                    format!(
                        "pedigree {name:?}: {:?} is given a third parent, {:?}, besides {:?} and {:?}",
                        members[c].0, members[p].0, members[a].0, members[b].0
                    ),
                ));
            }
            parents[c].push(p);
        }
        let mut persons: Vec<Person> = Vec::with_capacity(n);
        let mut added: Vec<Person> = Vec::new();
        for i in 0..n {
            let male = |p: usize| members[p].1 == Sex::Male;
            let id = |p: usize| Some(members[p].0.clone());
            let (f, m) = match parents[i][..] {
                [] => (None, None),
                // Father and mother; two parents of one sex in file order.
                [a, b] if male(a) || !male(b) => (id(a), id(b)),
                [a, b] => (id(b), id(a)),
                [p] if male(p) => {
                    let other = fresh(format!("mother of {}", members[i].0));
                    added.push(Person::founder(other.clone(), Sex::Female));
                    (id(p), Some(other))
                }
                [p] => {
                    let other = fresh(format!("father of {}", members[i].0));
                    added.push(Person::founder(other.clone(), Sex::Male));
                    (Some(other), id(p))
                }
                _ => unreachable!("at most two parents are kept"),
            };
            persons.push(Person {
                id: members[i].0.clone(),
                sex: members[i].1,
                father: f,
                mother: m,
            });
        }
        persons.extend(added);
        Pedigree::with_same_sex_parents(persons)
            .map_err(|e| self.err(line, "pedigree", format!("pedigree {name:?}: {e}")))
    }
}

/// What a written project says besides the case.
#[derive(Debug, Clone)]
pub struct FamWriteOptions {
    /// The names of the two pedigrees (H1, H2).
    pub pedigree_names: [String; 2],
    pub database_name: String,
    /// Database size written for every marker (Familias requires one).
    pub database_size: u64,
}

impl Default for FamWriteOptions {
    fn default() -> Self {
        FamWriteOptions {
            pedigree_names: ["H1".to_string(), "H2".to_string()],
            database_name: "unknown".to_string(),
            database_size: 1000,
        }
    }
}

/// Why a case cannot be written as a Familias project.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FamWriteError {
    #[error("person {0:?} has different sexes in the two pedigrees")]
    SexDiffers(String),
    #[error("typed person {0:?} is not in both pedigrees")]
    TypedMissing(String),
    #[error("typed person {person:?} has {got} genotype slots for {expected} markers")]
    Slots {
        person: String,
        got: usize,
        expected: usize,
    },
    #[error("marker {marker}: allele {allele} of {person:?} is not in the frequency table")]
    UnknownAllele {
        marker: String,
        person: String,
        allele: Allele,
    },
}

/// Writes a case as a Familias project: the persons of both pedigrees (those
/// in only one become that pedigree's anonymous extras), the two pedigrees,
/// the genotypes and the frequency database with its mutation models and θ.
/// Lines end in CRLF, as Familias on Windows writes them. Like pedFamilias,
/// no [Advanced] section is written: Familias takes its defaults.
pub fn write_fam(case: &KinshipCase, options: &FamWriteOptions) -> Result<String, FamWriteError> {
    let peds = [&case.h1, &case.h2];
    let sex_of = |p: &Pedigree, id: &str| p.index_of(id).map(|i| p.sex(i));
    for t in &case.typed {
        if peds.iter().any(|p| p.index_of(&t.id).is_none()) {
            return Err(FamWriteError::TypedMissing(t.id.clone()));
        }
        if t.genotypes.len() != case.markers.len() {
            return Err(FamWriteError::Slots {
                person: t.id.clone(),
                got: t.genotypes.len(),
                expected: case.markers.len(),
            });
        }
    }
    // Named persons: typed ones first, then the others found in both pedigrees.
    let mut named: Vec<(String, Sex)> = case
        .typed
        .iter()
        .map(|t| {
            (
                t.id.clone(),
                sex_of(&case.h1, &t.id).unwrap_or(Sex::Unknown),
            )
        })
        .collect();
    for p in case.h1.persons() {
        if named.iter().any(|(n, _)| *n == p.id) || case.h2.index_of(&p.id).is_none() {
            continue;
        }
        named.push((p.id.clone(), p.sex));
    }
    for (id, sex) in &named {
        let other = sex_of(&case.h2, id).unwrap_or(*sex);
        if other != *sex && other != Sex::Unknown && *sex != Sex::Unknown {
            return Err(FamWriteError::SexDiffers(id.clone()));
        }
    }
    let is_male = |sex: Sex| sex == Sex::Male;
    let flag = |b: bool| if b { "#TRUE#" } else { "#FALSE#" };
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "'"));

    let mut out = String::new();
    let mut line = |s: &str| {
        out.push_str(s);
        out.push_str("\r\n");
    };
    line(&quote("Output from Familias, version 3.3.1"));
    line(&quote(&format!(
        "Written by Reunite {}",
        env!("CARGO_PKG_VERSION")
    )));
    line("3.3.1");
    line("\"\"");
    line(&named.len().to_string());
    for (id, sex) in &named {
        line(&quote(id));
        line("#FALSE#");
        line("-1");
        line("#FALSE#");
        // A person of unknown sex (never a parent) is written as female.
        let male = is_male(if *sex == Sex::Unknown {
            sex_of(&case.h2, id).unwrap_or(Sex::Unknown)
        } else {
            *sex
        });
        line(flag(male));
        let typed = case.typed.iter().find(|t| t.id == *id);
        let genotypes: Vec<(usize, Genotype)> = typed
            .map(|t| {
                t.genotypes
                    .iter()
                    .enumerate()
                    .filter_map(|(k, g)| g.map(|g| (k, g)))
                    .collect()
            })
            .unwrap_or_default();
        line(&genotypes.len().to_string());
        for (k, g) in genotypes {
            let table = case.markers[k].frequencies();
            for a in g.alleles() {
                let i = table
                    .index_of(a)
                    .ok_or_else(|| FamWriteError::UnknownAllele {
                        marker: table.name().to_string(),
                        person: id.clone(),
                        allele: a,
                    })?;
                line(&i.to_string());
            }
            line(&k.to_string());
        }
    }
    line("\"Known relations\"");
    line("0");
    line("0");
    line("0");
    line("2");
    for (h, (ped, name)) in peds.iter().zip(&options.pedigree_names).enumerate() {
        // This pedigree's extras: females, then males.
        let extras: Vec<&Person> = ped
            .persons()
            .iter()
            .filter(|p| !named.iter().any(|(n, _)| *n == p.id))
            .collect();
        let (females, males): (Vec<&Person>, Vec<&Person>) =
            extras.into_iter().partition(|p| !is_male(p.sex));
        let mut index: HashMap<&str, usize> = named
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (n.as_str(), i))
            .collect();
        for (i, p) in females.iter().chain(&males).enumerate() {
            index.insert(p.id.as_str(), named.len() + i);
        }
        let mut relations = Vec::new();
        for p in ped.persons() {
            for parent in [&p.father, &p.mother].into_iter().flatten() {
                relations.push((index[parent.as_str()], index[p.id.as_str()]));
            }
        }
        line(&h.to_string());
        line(&quote(name));
        line(&females.len().to_string());
        line(&males.len().to_string());
        line(&relations.len().to_string());
        for (p, c) in relations {
            line(&p.to_string());
            line(&c.to_string());
        }
    }
    line(&format!(
        "#FALSE# (#Databases: 1 ;Theta/Kinship/Fst: {} )",
        case.theta
    ));
    line(&case.markers.len().to_string());
    line("#TRUE#");
    line(&quote(&options.database_name));
    for m in &case.markers {
        let table = m.frequencies();
        let mutation = m.mutation();
        let f = code(mutation.map(|x| x.kind_of(kinship::ParentSex::Female)));
        let ma = code(mutation.map(|x| x.kind));
        line(&quote(table.name()));
        line(&num(mutation.map_or(0.0, |x| x.rate_female)));
        line(&num(mutation.map_or(0.0, |x| x.rate_male)));
        line(&f.0.to_string());
        line(&ma.0.to_string());
        line(&table.len().to_string());
        line(&num(f.1));
        line(&num(ma.1));
        line(&num(f.2));
        line(&num(ma.2));
        line("#FALSE#");
        line("0");
        let mut info = String::new();
        let _ = write!(
            info,
            "{}\t(DatabaseSize = {} , Dropout probability = 0 , Minor allele frequency = 0 )",
            table.len(),
            options.database_size
        );
        line(&info);
        for (a, p) in table.alleles().iter().zip(table.frequencies()) {
            line(&quote(&a.to_string()));
            line(&num(*p));
        }
    }
    Ok(out)
}

/// The Familias model code, range and rate2 of a model family.
fn code(kind: Option<MutationKind>) -> (u8, f64, f64) {
    match kind {
        None | Some(MutationKind::Equal) => (0, 0.0, 0.0),
        Some(MutationKind::Proportional) => (1, 0.0, 0.0),
        Some(MutationKind::Stepwise { range, rate2 }) => (4, range, rate2),
    }
}

/// A number as the shortest text that reads back to the same value.
fn num(x: f64) -> String {
    format!("{x:?}")
}

#[cfg(test)]
mod tests;

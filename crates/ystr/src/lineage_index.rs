//! The lineage index: many men's Y haplotypes packed one byte per locus
//! copy, and a scan for every man within a few differing loci of a query
//! (the men of a boy's paternal line, and of his clan).
//!
//! # Encoding
//!
//! The index has a fixed list of loci (a kit's, or several kits'); a
//! two-copy locus (DYS385, DYF387S1) has two columns, `a` then `b`, as the
//! kits count them (Yfiler Plus: 25 names, 27 columns). Each man has one
//! byte per column:
//!
//! - `0`: untyped (the man has no call at this locus);
//! - `1..=127`: a whole repeat number (14 is 14); every allele of the usual
//!   range (1 to 99 repeats);
//! - `128..=254`: an unusual value, looked up in the column's dictionary:
//!   an intermediate allele (`18.2`), a null allele, a duplication (more
//!   alleles than copies; at a two-copy locus both columns hold the whole
//!   call), or a whole allele beyond 127. Up to 127 different unusual values
//!   per column; the 128th is refused ([`IndexError::Dictionary`]), never
//!   merged with another. Both copies of a two-copy locus share one
//!   dictionary, so their bytes compare either way round;
//! - `255`: only in queries: an unusual value no man of the index has.
//!
//! So two bytes of a column are equal exactly when the two values are
//! equal, and a null, duplicated or intermediate call is never read as a
//! plain allele: it differs from every value but itself, and its step
//! difference is given only where it is a whole number of repeats between
//! two alleles (18.2 and 17.2: one repeat; 18.2 and 18: none).
//!
//! # Storage
//!
//! Men are kept in blocks of [`BLOCK`] slots; inside a block column after
//! column, so the whole index is read as a few long sequential streams,
//! 27 bytes a man for Yfiler Plus. Ids are beside it, and a map from id to
//! slot: insert (or replace) and remove by id are O(1) amortised (a removed
//! man's slot takes the last man, as the autosomal index does).
//!
//! # Query
//!
//! A man is returned when at most `max_differences` loci differ and at least
//! `min_compared` loci are typed on both sides (loci untyped on either side
//! are not compared, so not counted as differing). Differences and compared
//! loci count locus copies, as the kits count them: a two-copy locus counts
//! for the copies that differ (0, 1 or 2), paired the way that makes fewest
//! differ (the pairs are unordered: `11-14` against `14-15` is one copy
//! differing, 11 against 15). The scan keeps two byte counters per man of a
//! block (differing, untyped) in L1, adds each column to them in loops the
//! compiler vectorises, and runs the blocks in parallel (rayon); only the
//! men that pass are decoded into their differing loci and step differences.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::haplotype::{Allele, Call, Haplotype};
use crate::locus::{Coordinate, Locus};

/// Men per block.
pub const BLOCK: usize = 4096;
/// The byte of an untyped locus.
pub const UNTYPED: u8 = 0;
/// The largest whole repeat number held in the byte itself.
pub const MAX_PLAIN: i32 = 127;
pub(crate) const FIRST_UNUSUAL: u8 = 128;
pub(crate) const LAST_UNUSUAL: u8 = 254;
/// A query's unusual value that no man of the index has.
pub(crate) const UNSEEN: u8 = 255;

/// The value of one locus copy.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// An allele (whole or intermediate).
    Allele(Allele),
    /// A null allele.
    Null,
    /// More alleles than the locus has copies (the whole call).
    Extra(Vec<Allele>),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Allele(a) => write!(f, "{a}"),
            Value::Null => f.write_str("null"),
            Value::Extra(v) => {
                let s: Vec<String> = v.iter().map(|a| a.to_string()).collect();
                f.write_str(&s.join("-"))
            }
        }
    }
}

/// The values of a call at a locus, one per copy; `None` when the call's
/// shape does not fit the locus (a pair at a single-copy locus, or the reverse).
pub fn values(locus: Locus, call: &Call) -> Option<Vec<Value>> {
    let copies = locus.copies() as usize;
    Some(match (copies, call) {
        (1, Call::One(a)) => vec![Value::Allele(*a)],
        (2, Call::Two(a, b)) => vec![Value::Allele(*a), Value::Allele(*b)],
        (_, Call::Null) => vec![Value::Null; copies],
        (_, Call::Extra(v)) => vec![Value::Extra(v.clone()); copies],
        _ => return None,
    })
}

/// The step difference `to − from` in whole repeats, when both are alleles
/// a whole number of repeats apart.
pub fn steps(from: &Value, to: &Value) -> Option<i32> {
    match (from, to) {
        (Value::Allele(a), Value::Allele(b)) if (b.0 - a.0) % 10 == 0 => Some((b.0 - a.0) / 10),
        _ => None,
    }
}

/// Why a haplotype or a query is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    #[error("{locus} is not a locus of this index (its loci: {loci})")]
    Locus { locus: String, loci: String },
    #[error("{locus}: the call {call} does not fit a locus of {copies} copies")]
    Shape {
        locus: String,
        call: String,
        copies: u8,
    },
    #[error(
        "{coordinate}: more than 127 different unusual values (intermediate, null, duplicated) \
         in one index; {value} cannot be added"
    )]
    Dictionary { coordinate: String, value: String },
}

/// What a query asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineageQuery {
    /// The most loci (copies) that may differ: 2 by default.
    pub max_differences: usize,
    /// The fewest loci (copies) typed on both sides for a man to be
    /// returned: 12 by default (a Yfiler haplotype has 17).
    pub min_compared: usize,
}

impl Default for LineageQuery {
    fn default() -> Self {
        LineageQuery {
            max_differences: 2,
            min_compared: 12,
        }
    }
}

/// One differing locus copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The query's locus copy.
    pub coordinate: Coordinate,
    /// The query's value there.
    pub query: Value,
    /// The man's value it is paired with (at a two-copy locus, possibly his
    /// other copy).
    pub stored: Value,
    /// `stored − query` in whole repeats, where both are alleles a whole
    /// number of repeats apart.
    pub steps: Option<i32>,
}

/// A man within the query's differences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineageHit {
    pub id: u64,
    /// Locus copies typed on both sides.
    pub compared: usize,
    /// The differing ones, in the index's column order.
    pub differences: Vec<Difference>,
}

/// A locus's unusual values.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dictionary {
    pub(crate) values: Vec<Value>,
    pub(crate) codes: HashMap<Value, u8>,
}

/// A query's loci: a single column or a pair of columns, with the query's bytes.
#[derive(Debug, Clone, Copy)]
enum Part {
    One { column: usize, q: u8 },
    Two { column: usize, qa: u8, qb: u8 },
}

/// Y haplotypes of many men, one byte per locus copy (see the module's notes).
#[derive(Debug, Clone)]
pub struct LineageIndex {
    pub(crate) loci: Vec<Locus>,
    coordinates: Vec<Coordinate>,
    /// By [`Locus::index`]: the locus's first column.
    column_of: Vec<Option<usize>>,
    /// Blocks of `BLOCK × columns` bytes, column after column.
    pub(crate) blocks: Vec<Box<[u8]>>,
    pub(crate) ids: Vec<u64>,
    pub(crate) slot_of: HashMap<u64, usize>,
    /// Unusual values by locus: both copies of a two-copy locus share one
    /// dictionary, so that their bytes compare either way round.
    pub(crate) dictionaries: Vec<Dictionary>,
    /// By column: its dictionary.
    pub(crate) dictionary_of: Vec<usize>,
}

impl LineageIndex {
    /// An empty index of these loci (each once; two-copy loci take two columns).
    pub fn new(loci: &[Locus]) -> LineageIndex {
        let mut column_of = vec![None; Locus::count()];
        let mut kept = Vec::new();
        let mut coordinates = Vec::new();
        let mut dictionary_of = Vec::new();
        for &l in loci {
            if column_of[l.index()].is_some() {
                continue;
            }
            column_of[l.index()] = Some(coordinates.len());
            for c in l.coordinates() {
                coordinates.push(c);
                dictionary_of.push(kept.len());
            }
            kept.push(l);
        }
        LineageIndex {
            coordinates,
            column_of,
            blocks: Vec::new(),
            ids: Vec::new(),
            slot_of: HashMap::new(),
            dictionaries: vec![Dictionary::default(); kept.len()],
            loci: kept,
            dictionary_of,
        }
    }

    pub fn loci(&self) -> &[Locus] {
        &self.loci
    }

    /// The columns: locus copies in order.
    pub fn coordinates(&self) -> &[Coordinate] {
        &self.coordinates
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn contains(&self, id: u64) -> bool {
        self.slot_of.contains_key(&id)
    }

    /// Bytes held: the blocks (allocated, so up to a block more than the
    /// men need), ids, the id map (its entries) and the dictionaries' values.
    pub fn index_bytes(&self) -> usize {
        let blocks: usize = self.blocks.iter().map(|b| b.len()).sum();
        let ids = self.ids.capacity() * 8;
        let map = self.slot_of.capacity() * (8 + 8 + 1);
        let dict: usize = self.dictionaries.iter().map(|d| d.values.len() * 64).sum();
        blocks + ids + map + dict
    }

    /// Bytes the scan reads per man: one per column.
    pub fn scan_bytes_per_man(&self) -> usize {
        self.coordinates.len()
    }

    pub(crate) fn columns(&self) -> usize {
        self.coordinates.len()
    }

    fn byte(&self, slot: usize, column: usize) -> u8 {
        self.blocks[slot / BLOCK][column * BLOCK + slot % BLOCK]
    }

    fn set_byte(&mut self, slot: usize, column: usize, b: u8) {
        self.blocks[slot / BLOCK][column * BLOCK + slot % BLOCK] = b;
    }

    /// The values of a haplotype, column by column (`None` untyped).
    fn column_values(&self, h: &Haplotype) -> Result<Vec<Option<Value>>, IndexError> {
        let mut out = vec![None; self.columns()];
        for (locus, call) in h.calls() {
            let Some(column) = self.column_of[locus.index()] else {
                return Err(IndexError::Locus {
                    locus: locus.to_string(),
                    loci: self
                        .loci
                        .iter()
                        .map(|l| l.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            };
            let vs = values(*locus, call).ok_or_else(|| IndexError::Shape {
                locus: locus.to_string(),
                call: call.to_string(),
                copies: locus.copies(),
            })?;
            for (k, v) in vs.into_iter().enumerate() {
                out[column + k] = Some(v);
            }
        }
        Ok(out)
    }

    /// The byte of a plain value, if it has one.
    pub(crate) fn plain(v: &Value) -> Option<u8> {
        match v {
            Value::Allele(a) => a
                .whole()
                .filter(|w| (1..=MAX_PLAIN).contains(w))
                .map(|w| w as u8),
            _ => None,
        }
    }

    fn decode(&self, column: usize, b: u8) -> Option<Value> {
        match b {
            UNTYPED => None,
            1..=127 => Some(Value::Allele(Allele(b as i32 * 10))),
            UNSEEN => None,
            _ => Some(
                self.dictionaries[self.dictionary_of[column]].values[(b - FIRST_UNUSUAL) as usize]
                    .clone(),
            ),
        }
    }

    /// Adds a man, or replaces the haplotype of one already there. Refused
    /// (and nothing changed) for a locus the index lacks, a call of the
    /// wrong shape, or a full dictionary.
    pub fn insert(&mut self, id: u64, h: &Haplotype) -> Result<(), IndexError> {
        let values = self.column_values(h)?;
        // Room in the dictionaries first, so a refusal changes nothing.
        let mut new: Vec<(usize, &Value)> = Vec::new();
        for (c, v) in values.iter().enumerate() {
            if let Some(v) = v
                && Self::plain(v).is_none()
            {
                let k = self.dictionary_of[c];
                let d = &self.dictionaries[k];
                if d.codes.contains_key(v) || new.contains(&(k, v)) {
                    continue;
                }
                new.push((k, v));
                let adding = new.iter().filter(|(j, _)| *j == k).count();
                if d.values.len() + adding > (LAST_UNUSUAL - FIRST_UNUSUAL + 1) as usize {
                    return Err(IndexError::Dictionary {
                        coordinate: self.coordinates[c].to_string(),
                        value: v.to_string(),
                    });
                }
            }
        }
        let bytes: Vec<u8> = values
            .into_iter()
            .enumerate()
            .map(|(c, v)| match v {
                None => UNTYPED,
                Some(v) => Self::plain(&v).unwrap_or_else(|| {
                    let d = &mut self.dictionaries[self.dictionary_of[c]];
                    *d.codes.entry(v.clone()).or_insert_with(|| {
                        d.values.push(v);
                        FIRST_UNUSUAL + (d.values.len() - 1) as u8
                    })
                }),
            })
            .collect();
        let slot = match self.slot_of.get(&id) {
            Some(&s) => s,
            None => {
                let s = self.ids.len();
                if s == self.blocks.len() * BLOCK {
                    self.blocks
                        .push(vec![UNTYPED; BLOCK * self.columns()].into_boxed_slice());
                }
                self.ids.push(id);
                self.slot_of.insert(id, s);
                s
            }
        };
        for (c, b) in bytes.into_iter().enumerate() {
            self.set_byte(slot, c, b);
        }
        Ok(())
    }

    /// How this index differs from `other`, man by man by id: the men only
    /// one holds and, for each man both hold, the first locus copy whose
    /// value differs (values, not bytes: two indexes may code an unusual
    /// value otherwise). At most `most` lines, then how many more; empty
    /// when both hold the same men with the same haplotypes.
    pub fn differences(&self, other: &LineageIndex, most: usize) -> Vec<String> {
        if self.loci != other.loci {
            let names = |i: &LineageIndex| {
                i.loci
                    .iter()
                    .map(|l| l.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return vec![format!(
                "the loci differ: {} against {}",
                names(self),
                names(other)
            )];
        }
        let mut out = Vec::new();
        let mut ids: Vec<u64> = self.ids.clone();
        ids.sort_unstable();
        for id in ids {
            let slot = self.slot_of[&id];
            let Some(&theirs) = other.slot_of.get(&id) else {
                out.push(format!("man {id} is only in the first"));
                continue;
            };
            let differing = (0..self.columns()).find(|&c| {
                self.decode(c, self.byte(slot, c)) != other.decode(c, other.byte(theirs, c))
            });
            if let Some(c) = differing {
                out.push(format!("man {id} differs at {}", self.coordinates[c]));
            }
        }
        let mut theirs: Vec<u64> = other
            .ids
            .iter()
            .copied()
            .filter(|id| !self.slot_of.contains_key(id))
            .collect();
        theirs.sort_unstable();
        out.extend(
            theirs
                .iter()
                .map(|id| format!("man {id} is only in the second")),
        );
        if out.len() > most {
            let more = out.len() - most;
            out.truncate(most);
            out.push(format!("and {more} more"));
        }
        out
    }

    /// Removes a man; false if he was not there.
    pub fn remove(&mut self, id: u64) -> bool {
        let Some(slot) = self.slot_of.remove(&id) else {
            return false;
        };
        let last = self.ids.len() - 1;
        if slot != last {
            for c in 0..self.columns() {
                let b = self.byte(last, c);
                self.set_byte(slot, c, b);
            }
            let moved = self.ids[last];
            self.ids[slot] = moved;
            self.slot_of.insert(moved, slot);
        }
        for c in 0..self.columns() {
            self.set_byte(last, c, UNTYPED);
        }
        self.ids.pop();
        if self.ids.len() <= (self.blocks.len().saturating_sub(1)) * BLOCK {
            self.blocks.pop();
        }
        true
    }

    /// The query's parts (typed loci) and its values by column.
    fn parts(&self, h: &Haplotype) -> Result<(Vec<Part>, Vec<Option<Value>>), IndexError> {
        let values = self.column_values(h)?;
        let code = |c: usize, v: &Value| {
            Self::plain(v).unwrap_or_else(|| {
                self.dictionaries[self.dictionary_of[c]]
                    .codes
                    .get(v)
                    .copied()
                    .unwrap_or(UNSEEN)
            })
        };
        let mut parts = Vec::new();
        for &l in &self.loci {
            let column = self.column_of[l.index()].expect("the index's locus");
            let Some(v) = &values[column] else {
                continue;
            };
            if l.copies() == 2 {
                let w = values[column + 1].as_ref().expect("both copies");
                parts.push(Part::Two {
                    column,
                    qa: code(column, v),
                    qb: code(column + 1, w),
                });
            } else {
                parts.push(Part::One {
                    column,
                    q: code(column, v),
                });
            }
        }
        Ok((parts, values))
    }

    /// Every man within `query.max_differences` differing loci of `h` with at
    /// least `query.min_compared` loci compared, fewest differences first,
    /// then by id. Refused for a locus the index lacks.
    pub fn search(
        &self,
        h: &Haplotype,
        query: &LineageQuery,
    ) -> Result<Vec<LineageHit>, IndexError> {
        let (parts, values) = self.parts(h)?;
        let typed: usize = parts
            .iter()
            .map(|p| match p {
                Part::One { .. } => 1,
                Part::Two { .. } => 2,
            })
            .sum();
        if typed < query.min_compared {
            return Ok(Vec::new());
        }
        // Counters are bytes: at most 255 differing columns.
        let max_diff = query.max_differences.min(254) as u8;
        // Untyped columns a man may have and still be compared at enough.
        let max_missing = (typed - query.min_compared).min(254) as u8;
        let n = self.len();
        let slots: Vec<usize> = self
            .blocks
            .par_iter()
            .enumerate()
            .flat_map_iter(|(bi, block)| {
                let start = bi * BLOCK;
                let len = BLOCK.min(n.saturating_sub(start));
                scan_block(block, &parts, len, max_diff, max_missing)
                    .into_iter()
                    .map(move |i| start + i)
            })
            .collect();
        let mut hits: Vec<LineageHit> = slots
            .into_iter()
            .map(|slot| self.hit(slot, &parts, &values))
            .collect();
        hits.sort_by_key(|h| (h.differences.len(), h.id));
        Ok(hits)
    }

    /// A passing man's differences, decoded.
    fn hit(&self, slot: usize, parts: &[Part], values: &[Option<Value>]) -> LineageHit {
        let mut compared = 0;
        let mut differences = Vec::new();
        let mut differ = |column: usize, stored_column: usize, stored: u8| {
            let q = values[column].clone().expect("typed in the query");
            let s = self.decode(stored_column, stored).expect("typed");
            differences.push(Difference {
                coordinate: self.coordinates[column],
                steps: steps(&q, &s),
                query: q,
                stored: s,
            });
        };
        for p in parts {
            match *p {
                Part::One { column, q } => {
                    let s = self.byte(slot, column);
                    if s == UNTYPED {
                        continue;
                    }
                    compared += 1;
                    if s != q {
                        differ(column, column, s);
                    }
                }
                Part::Two { column, qa, qb } => {
                    let (a, b) = (self.byte(slot, column), self.byte(slot, column + 1));
                    if a == UNTYPED {
                        continue;
                    }
                    compared += 2;
                    let straight = (a != qa) as u8 + (b != qb) as u8;
                    let crossed = (a != qb) as u8 + (b != qa) as u8;
                    let (sa, sb, ca, cb) = if straight <= crossed {
                        (a, b, column, column + 1)
                    } else {
                        (b, a, column + 1, column)
                    };
                    if sa != qa {
                        differ(column, ca, sa);
                    }
                    if sb != qb {
                        differ(column + 1, cb, sb);
                    }
                }
            }
        }
        LineageHit {
            id: self.ids[slot],
            compared,
            differences,
        }
    }
}

/// The first `len` men of a block that pass: at most `max_diff` differing
/// columns and at most `max_missing` untyped ones among the query's.
fn scan_block(
    block: &[u8],
    parts: &[Part],
    len: usize,
    max_diff: u8,
    max_missing: u8,
) -> Vec<usize> {
    let mut diff = [0u8; BLOCK];
    let mut missing = [0u8; BLOCK];
    let (diff, missing) = (&mut diff[..len], &mut missing[..len]);
    let col = |c: usize| &block[c * BLOCK..c * BLOCK + len];
    for p in parts {
        match *p {
            Part::One { column, q } => {
                for ((d, m), &s) in diff.iter_mut().zip(missing.iter_mut()).zip(col(column)) {
                    let untyped = (s == UNTYPED) as u8;
                    *d += ((s != q) as u8) & (untyped ^ 1);
                    *m += untyped;
                }
            }
            Part::Two { column, qa, qb } => {
                let (ca, cb) = (col(column), col(column + 1));
                for (((d, m), &a), &b) in diff.iter_mut().zip(missing.iter_mut()).zip(ca).zip(cb) {
                    let untyped = (a == UNTYPED) as u8;
                    let straight = (a != qa) as u8 + (b != qb) as u8;
                    let crossed = (a != qb) as u8 + (b != qa) as u8;
                    *d += straight.min(crossed) * (untyped ^ 1);
                    *m += untyped * 2;
                }
            }
        }
    }
    diff.iter()
        .zip(missing.iter())
        .enumerate()
        .filter(|(_, (d, m))| **d <= max_diff && **m <= max_missing)
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;

    fn locus(n: &str) -> Locus {
        Locus::parse(n).unwrap().0
    }

    /// The obvious comparison, call by call, on the haplotypes themselves.
    fn naive(
        men: &[(u64, Haplotype)],
        q: &Haplotype,
        loci: &[Locus],
        query: &LineageQuery,
    ) -> Vec<LineageHit> {
        let mut out = Vec::new();
        for (id, h) in men {
            let mut compared = 0;
            let mut differences = Vec::new();
            for &l in loci {
                let (Some(qc), Some(sc)) = (q.get(l), h.get(l)) else {
                    continue;
                };
                let qv = values(l, qc).unwrap();
                let mut sv = values(l, sc).unwrap();
                compared += qv.len();
                if qv.len() == 2 {
                    let straight = (qv[0] != sv[0]) as u8 + (qv[1] != sv[1]) as u8;
                    let crossed = (qv[0] != sv[1]) as u8 + (qv[1] != sv[0]) as u8;
                    if crossed < straight {
                        sv.swap(0, 1);
                    }
                }
                for (k, (a, b)) in qv.iter().zip(&sv).enumerate() {
                    if a != b {
                        differences.push(Difference {
                            coordinate: l.coordinates()[k],
                            query: a.clone(),
                            stored: b.clone(),
                            steps: steps(a, b),
                        });
                    }
                }
            }
            if compared >= query.min_compared && differences.len() <= query.max_differences {
                out.push(LineageHit {
                    id: *id,
                    compared,
                    differences,
                });
            }
        }
        out.sort_by_key(|h| (h.differences.len(), h.id));
        out
    }

    const LOCI: [&str; 6] = ["DYS19", "DYS385", "DYS389I", "DYS458", "DYF387S1", "DYS390"];

    pub(crate) fn loci() -> Vec<Locus> {
        LOCI.iter().map(|n| locus(n)).collect()
    }

    /// A call from a small range, so that men often match: whole alleles
    /// 10 to 13, sometimes 12.2, 12.1, a null or a duplication.
    fn call(l: Locus, kind: u8, a: i32, b: i32) -> Option<Call> {
        let allele = |x: i32| Allele(x * 10);
        Some(match kind {
            0 => return None,
            1..=10 => {
                if l.copies() == 2 {
                    Call::Two(allele(a.min(b)), allele(a.max(b)))
                } else {
                    Call::One(allele(a))
                }
            }
            11 => {
                if l.copies() == 2 {
                    Call::Two(allele(a), Allele(122))
                } else {
                    Call::One(Allele(122))
                }
            }
            12 => {
                if l.copies() == 2 {
                    Call::Two(Allele(121), Allele(122))
                } else {
                    Call::One(Allele(121))
                }
            }
            13 => Call::Null,
            14 => Call::Extra(vec![allele(12), allele(13)]),
            _ => Call::Extra(vec![allele(11), allele(12), allele(13)]),
        })
    }

    pub(crate) fn haplotype() -> impl Strategy<Value = Haplotype> {
        proptest::collection::vec((0u8..16, 10i32..14, 10i32..14), LOCI.len()).prop_map(|cs| {
            let mut h = Haplotype::new();
            for (l, (kind, a, b)) in loci().into_iter().zip(cs) {
                if let Some(c) = call(l, kind, a, b) {
                    h.insert(l, c).unwrap();
                }
            }
            h
        })
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u64, Haplotype),
        Remove(u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u64..40, haplotype()).prop_map(|(id, h)| Op::Insert(id, h)),
            1 => (0u64..40).prop_map(Op::Remove),
        ]
    }

    fn apply(index: &mut LineageIndex, men: &mut Vec<(u64, Haplotype)>, op: &Op) {
        match op {
            Op::Insert(id, h) => {
                index.insert(*id, h).unwrap();
                match men.iter_mut().find(|(i, _)| i == id) {
                    Some(m) => m.1 = h.clone(),
                    None => men.push((*id, h.clone())),
                }
            }
            Op::Remove(id) => {
                let was = men.iter().position(|(i, _)| i == id);
                assert_eq!(index.remove(*id), was.is_some());
                if let Some(p) = was {
                    men.remove(p);
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// The same men inserted in another order (other slots, other codes
        /// for the unusual values) are no difference; a man changed, or held
        /// by one index only, is named.
        #[test]
        fn differences_are_by_man_and_value(
            men in proptest::collection::vec(haplotype(), 2..40),
            other in haplotype(),
        ) {
            let mut a = LineageIndex::new(&loci());
            let mut b = LineageIndex::new(&loci());
            for (id, h) in men.iter().enumerate() {
                a.insert(id as u64, h).unwrap();
            }
            for (id, h) in men.iter().enumerate().rev() {
                b.insert(id as u64, h).unwrap();
            }
            prop_assert_eq!(a.differences(&b, 10), Vec::<String>::new());
            let changed = (0..loci().len()).find(|&c| {
                let (first, second) = (men[1].get(loci()[c]), other.get(loci()[c]));
                first != second
            });
            b.insert(1, &other).unwrap();
            b.remove(0);
            b.insert(99, &men[0]).unwrap();
            let mut want = vec!["man 0 is only in the first".to_string()];
            if changed.is_some() {
                want.push("man 1 differs at ".to_string());
            }
            want.push("man 99 is only in the second".to_string());
            let got = a.differences(&b, 10);
            prop_assert_eq!(got.len(), want.len(), "{:?}", got);
            for (g, w) in got.iter().zip(&want) {
                prop_assert!(g.starts_with(w.as_str()), "{:?} against {:?}", got, want);
            }
            prop_assert_eq!(a.differences(&b, 1), vec![want[0].clone(), format!("and {} more", want.len() - 1)]);
        }

        /// After any inserts, replacements and removals, every query
        /// answers as the call-by-call comparison.
        #[test]
        fn queries_equal_the_brute_force(
            ops in proptest::collection::vec(op(), 1..80),
            queries in proptest::collection::vec(haplotype(), 1..6),
            max_differences in 0usize..4,
            min_compared in 0usize..9,
        ) {
            let mut index = LineageIndex::new(&loci());
            let mut men = Vec::new();
            let query = LineageQuery { max_differences, min_compared };
            for op in &ops {
                apply(&mut index, &mut men, op);
            }
            prop_assert_eq!(index.len(), men.len());
            for q in &queries {
                let got = index.search(q, &query).unwrap();
                let want = naive(&men, q, &loci(), &query);
                prop_assert_eq!(got, want);
            }
        }
    }

    /// Many men across several blocks, removals that move men between
    /// blocks, and queries at the default settings.
    #[test]
    fn blocks_and_removals_against_the_brute_force() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let all = loci();
        let mut index = LineageIndex::new(&all);
        let mut men = Vec::new();
        let query = LineageQuery {
            max_differences: 2,
            min_compared: 4,
        };
        for id in 0..(2 * BLOCK as u64 + 100) {
            let h = haplotype().new_tree(&mut runner).unwrap().current();
            apply(&mut index, &mut men, &Op::Insert(id, h));
        }
        for id in (0..BLOCK as u64 + 300).step_by(3) {
            apply(&mut index, &mut men, &Op::Remove(id));
        }
        assert_eq!(index.blocks.len(), index.len().div_ceil(BLOCK));
        for _ in 0..20 {
            let q = haplotype().new_tree(&mut runner).unwrap().current();
            assert_eq!(
                index.search(&q, &query).unwrap(),
                naive(&men, &q, &all, &query)
            );
        }
        // Each man's own haplotype finds him, with nothing differing.
        let exact = LineageQuery {
            max_differences: 0,
            min_compared: 0,
        };
        for (id, h) in men.iter().step_by(97) {
            let hits = index.search(h, &exact).unwrap();
            assert!(hits.iter().any(|x| x.id == *id && x.differences.is_empty()));
        }
    }

    #[test]
    fn unusual_calls_are_never_plain_alleles() {
        let all = loci();
        let mut index = LineageIndex::new(&all);
        let base = "DYS19=14,DYS385=11-14,DYS389I=13,DYS458=17,DYF387S1=36-38,DYS390=24";
        let with = |change: &str| {
            let mut h = Haplotype::parse(change, "q").unwrap();
            for (l, c) in Haplotype::parse(base, "b").unwrap().calls() {
                if h.get(*l).is_none() {
                    h.insert(*l, c.clone()).unwrap();
                }
            }
            h
        };
        index.insert(1, &with("DYS458=17.2")).unwrap();
        index.insert(2, &with("DYS458=null")).unwrap();
        index.insert(3, &with("DYS458=17-18")).unwrap();
        index.insert(4, &with("DYS385=11-14-15")).unwrap();
        index.insert(5, &with("DYS458=18.2")).unwrap();
        let q = LineageQuery {
            max_differences: 0,
            min_compared: 8,
        };
        // 17 is none of 17.2, null, 17-18; each finds only itself.
        assert!(index.search(&with("DYS458=17"), &q).unwrap().is_empty());
        for (id, text) in [
            (1, "DYS458=17.2"),
            (2, "DYS458=null"),
            (3, "DYS458=17-18"),
            (4, "DYS385=11-14-15"),
        ] {
            let hits = index.search(&with(text), &q).unwrap();
            assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), [id]);
        }
        // Steps: 17.2 to 18.2 is one repeat; 17 to 17.2 none; 17 to null none.
        let one = LineageQuery {
            max_differences: 1,
            min_compared: 8,
        };
        let hits = index.search(&with("DYS458=17.2"), &one).unwrap();
        let d = |id: u64| hits.iter().find(|h| h.id == id).unwrap().differences[0].clone();
        assert_eq!(d(5).steps, Some(1));
        assert_eq!(d(5).stored, Value::Allele(Allele(182)));
        assert_eq!(d(2).steps, None);
        assert_eq!(d(2).stored, Value::Null);
        // The duplication at DYS385 differs at both copies from 11-14.
        let hits = index.search(&with("DYS19=14"), &one).unwrap();
        assert!(!hits.iter().any(|h| h.id == 4));
        // A value no man has (18.3) matches nobody.
        assert!(index.search(&with("DYS458=18.3"), &q).unwrap().is_empty());
    }

    #[test]
    fn pairs_are_unordered_and_missing_loci_not_counted() {
        let mut index = LineageIndex::new(&loci());
        let man = Haplotype::parse("DYS19=14,DYS385=11-14,DYS389I=13", "m").unwrap();
        index.insert(7, &man).unwrap();
        let q =
            Haplotype::parse("DYS19=14,DYS385=14-15,DYS389I=13,DYS458=17,DYS390=24", "q").unwrap();
        let hits = index
            .search(
                &q,
                &LineageQuery {
                    max_differences: 1,
                    min_compared: 4,
                },
            )
            .unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].compared, 4, "DYS458 and DYS390 untyped in the man");
        let d = &hits[0].differences;
        assert_eq!(d.len(), 1, "11-14 against 14-15: one copy differs");
        assert_eq!(d[0].coordinate.to_string(), "DYS385b");
        assert_eq!(
            (d[0].steps, &d[0].stored),
            (Some(-4), &Value::Allele(Allele(110)))
        );
        // Too few loci compared: no match, however alike.
        let strict = LineageQuery {
            max_differences: 2,
            min_compared: 5,
        };
        assert!(index.search(&q, &strict).unwrap().is_empty());
    }

    #[test]
    fn refusals_change_nothing() {
        let mut index = LineageIndex::new(&loci());
        let e = index
            .insert(1, &Haplotype::parse("DYS19=14,DYS576=18", "m").unwrap())
            .unwrap_err();
        assert!(
            matches!(&e, IndexError::Locus { locus, .. } if locus == "DYS576"),
            "{e}"
        );
        let mut odd = Haplotype::new();
        odd.insert(locus("DYS385"), Call::One(Allele(110))).unwrap();
        assert!(matches!(
            index.insert(1, &odd).unwrap_err(),
            IndexError::Shape { copies: 2, .. }
        ));
        // 127 different unusual values fit in a column; the 128th is refused.
        for k in 0..127 {
            let h = Haplotype::parse(&format!("DYS19={}.{}", 10 + k / 9, 1 + k % 9), "m").unwrap();
            index.insert(k as u64, &h).unwrap();
        }
        let full = Haplotype::parse("DYS19=30.1,DYS389I=12", "m").unwrap();
        let e = index.insert(500, &full).unwrap_err();
        assert!(matches!(e, IndexError::Dictionary { .. }), "{e}");
        assert!(!index.contains(500));
        assert_eq!(index.len(), 127);
        // A value already there still goes in; so do plain alleles.
        index
            .insert(501, &Haplotype::parse("DYS19=10.1", "m").unwrap())
            .unwrap();
        index
            .insert(502, &Haplotype::parse("DYS19=30", "m").unwrap())
            .unwrap();
    }
}

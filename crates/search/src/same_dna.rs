//! Profiles with the same DNA: two found children (or two references)
//! whose genotypes are equal at every marker both have typed, or at all
//! but one. Either the same person registered twice (two samples of one
//! child, a relative given twice) or identical twins; a case worker checks
//! before deciding anything on them.
//!
//! Two profiles are compared over the markers both have typed, and only
//! when they share at least a floor of them ([`MIN_SHARED_MARKERS`]), so a
//! thinly typed profile does not resemble half the registry. "All but one"
//! means exactly one shared marker with different genotypes.
//!
//! [`compare`] is the plain comparison and the judge. The index scans its
//! own columns for one profile ([`Index::same_dna_children`],
//! [`Index::same_dna_references`]): a mask test, then marker by marker until
//! the second difference, so an unrelated profile costs a few bytes. For
//! many profiles at once (a bulk import), [`Index::same_dna_children_many`]
//! and [`Index::same_dna_references_many`] read the index once and look
//! every stored profile up in hash tables of the queries (the full genotype
//! and each leave-one-marker-out genotype over the markers shared), every
//! hit confirmed by [`compare`]. No I/O.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::index::Index;
use crate::tables::{ESCAPED, MISSING, UNTYPED, typed_mask};

/// The fewest markers two profiles must both have typed to be compared: ten
/// markers equal between unrelated people have a probability below one in a
/// billion at usual STR frequencies, while a profile typed at fewer would
/// resemble too many.
pub const MIN_SHARED_MARKERS: usize = 10;

/// Above this many queries, the `_many` searches read the index once with
/// hash tables of the queries instead of scanning it once per query.
const SCAN_QUERIES_MAX: usize = 16;
/// The tables are per set of typed markers (a lab's kit): a query whose set
/// at most this many queries share (a reference typed with a smaller kit,
/// markers that failed) scans the index alone, and a stored profile typed at
/// a set no table was built for is compared directly with the tables'
/// queries. (Measured: 1,000 queries of a few hundred sets against a
/// million children took 101 s when every set had its tables, 20 ms per
/// scan.)
const SCAN_GROUP_MAX: usize = 8;

/// Which queries of a hashed pass scan the index alone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Direct {
    /// Sets of typed markers this small are scanned query by query.
    pub(crate) group_max: usize,
}

impl Default for Direct {
    fn default() -> Direct {
        Direct {
            group_max: SCAN_GROUP_MAX,
        }
    }
}

/// Whether one hashed pass pays for these queries.
fn hashed_pays(queries: &[&[[u8; 2]]]) -> bool {
    queries.len() > SCAN_QUERIES_MAX
}

/// Two profiles with the same DNA at every shared marker, or at all but one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SameDna {
    /// Markers both have typed.
    pub shared: u32,
    /// The one shared marker (its index in the models) where they differ;
    /// `None` when every shared marker is equal.
    pub differing: Option<usize>,
}

#[inline]
fn sorted([a, b]: [u8; 2]) -> [u8; 2] {
    [a.min(b), a.max(b)]
}

/// The plain comparison of two encoded profiles: `Some` when they share at
/// least `min_shared` typed markers and differ at most at one of them.
pub fn compare(a: &[[u8; 2]], b: &[[u8; 2]], min_shared: usize) -> Option<SameDna> {
    let mut shared = 0u32;
    let mut differing = None;
    for (m, (&x, &y)) in a.iter().zip(b).enumerate() {
        if x[0] == MISSING || y[0] == MISSING {
            continue;
        }
        shared += 1;
        if sorted(x) != sorted(y) {
            if differing.is_some() {
                return None;
            }
            differing = Some(m);
        }
    }
    (shared as usize >= min_shared).then_some(SameDna { shared, differing })
}

/// A reference's place in the index: its case's id and its column slot
/// ([`Index::reference_profile`] gives its profile back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReferenceAt {
    pub case: u64,
    pub slot: usize,
}

/// A per-marker term of a profile's hash (splitmix64 of marker and alleles).
#[inline]
fn term(m: usize, g: [u8; 2]) -> u64 {
    let g = sorted(g);
    let mut z = (m as u64) << 16 | u64::from(g[0]) << 8 | u64::from(g[1]);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// What distinguishes the key "every marker but `m`" from the full key.
#[inline]
fn skip_tag(m: usize) -> u64 {
    term(m, [0xFE, 0xFD])
}

/// The keys of a profile over the markers of `shared`: the full genotype,
/// then, per marker of `shared`, the genotype without it. Two profiles
/// differing at most at one marker of `shared` have a key in common.
fn keys(profile: &[[u8; 2]], shared: u64, out: &mut Vec<u64>) {
    out.clear();
    let mut total = 0u64;
    let mut bits = shared;
    while bits != 0 {
        let m = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        total = total.wrapping_add(term(m, profile[m]));
    }
    out.push(total);
    let mut bits = shared;
    while bits != 0 {
        let m = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        out.push(
            total
                .wrapping_sub(term(m, profile[m]))
                .wrapping_add(skip_tag(m)),
        );
    }
}

/// Queries grouped by typed mask, with hash tables of their keys built per
/// set of shared markers as stored profiles ask for them.
struct Batch<'q> {
    queries: &'q [&'q [[u8; 2]]],
    min_shared: usize,
    /// (mask, the queries of that mask).
    by_mask: Vec<(u64, Vec<usize>)>,
    /// (query mask, shared markers) -> key -> queries.
    tables: HashMap<(u64, u64), HashMap<u64, Vec<usize>>>,
    /// The masks of `by_mask`.
    masks: std::collections::HashSet<u64>,
    scratch: Vec<u64>,
}

impl<'q> Batch<'q> {
    /// The queries of the sets of typed markers more than `limits.group_max`
    /// share, for tables; the others, to scan the index alone.
    fn new(
        queries: &'q [&'q [[u8; 2]]],
        min_shared: usize,
        limits: Direct,
    ) -> (Batch<'q>, Vec<usize>) {
        let mut by_mask: Vec<(u64, Vec<usize>)> = Vec::new();
        let mut at: HashMap<u64, usize> = HashMap::new();
        for (q, p) in queries.iter().enumerate() {
            let mask = typed_mask(p);
            if (mask.count_ones() as usize) < min_shared {
                continue;
            }
            match at.get(&mask) {
                Some(&i) => by_mask[i].1.push(q),
                None => {
                    at.insert(mask, by_mask.len());
                    by_mask.push((mask, vec![q]));
                }
            }
        }
        let (by_mask, alone): (Vec<_>, Vec<_>) = by_mask
            .into_iter()
            .partition(|(_, qs)| qs.len() > limits.group_max);
        let masks = by_mask.iter().map(|(m, _)| *m).collect();
        let alone = alone.into_iter().flat_map(|(_, qs)| qs).collect();
        (
            Batch {
                queries,
                min_shared,
                by_mask,
                tables: HashMap::new(),
                masks,
                scratch: Vec::new(),
            },
            alone,
        )
    }

    /// Every query with the same DNA as `stored`: (query, comparison).
    fn look_up(&mut self, stored: &[[u8; 2]], found: &mut Vec<(usize, SameDna)>) {
        found.clear();
        let mask = typed_mask(stored);
        if (mask.count_ones() as usize) < self.min_shared {
            return;
        }
        for (qmask, qs) in &self.by_mask {
            let shared = mask & qmask;
            if (shared.count_ones() as usize) < self.min_shared {
                continue;
            }
            let queries = self.queries;
            if !self.masks.contains(&mask) {
                // Typed at a set no table was built for: one comparison
                // per query, never tables for this profile alone.
                for &q in qs {
                    if let Some(same) = compare(queries[q], stored, self.min_shared) {
                        found.push((q, same));
                    }
                }
                continue;
            }
            let table = self.tables.entry((*qmask, shared)).or_insert_with(|| {
                let mut table: HashMap<u64, Vec<usize>> = HashMap::new();
                let mut keys_of = Vec::new();
                for &q in qs {
                    keys(queries[q], shared, &mut keys_of);
                    for &k in &keys_of {
                        table.entry(k).or_default().push(q);
                    }
                }
                table
            });
            keys(stored, shared, &mut self.scratch);
            let start = found.len();
            for k in &self.scratch {
                for &q in table.get(k).map_or(&[][..], Vec::as_slice) {
                    if found[start..].iter().any(|(f, _)| *f == q) {
                        continue;
                    }
                    if let Some(same) = compare(queries[q], stored, self.min_shared) {
                        found.push((q, same));
                    }
                }
            }
        }
    }
}

impl Index {
    /// The found children whose profile has the same DNA as `profile` at
    /// every marker both have typed, or at all but one, sharing at least
    /// `min_shared` markers; ordered by id. A child with this very profile
    /// is among them: the caller leaves out the query's own id.
    pub fn same_dna_children(&self, profile: &[[u8; 2]], min_shared: usize) -> Vec<(u64, SameDna)> {
        let qmask = typed_mask(profile);
        if (qmask.count_ones() as usize) < min_shared {
            return Vec::new();
        }
        let mut out: Vec<(u64, SameDna)> = self
            .children
            .iter()
            .filter(|(_, _, mask)| ((mask & qmask).count_ones() as usize) >= min_shared)
            .filter_map(|(id, p, _)| compare(profile, p, min_shared).map(|s| (*id, s)))
            .collect();
        out.sort_unstable();
        out
    }

    /// The references (case id and column slot) whose profile has the same
    /// DNA as `profile`, as [`Index::same_dna_children`]; ordered by case
    /// and slot. Reads the genotype codes of the columns; the query is coded
    /// once per marker.
    pub fn same_dna_references(
        &self,
        profile: &[[u8; 2]],
        min_shared: usize,
    ) -> Vec<(ReferenceAt, SameDna)> {
        let qmask = typed_mask(profile);
        let mut out = Vec::new();
        if (qmask.count_ones() as usize) < min_shared {
            return out;
        }
        let markers: Vec<usize> = (0..profile.len())
            .filter(|m| qmask & (1 << m) != 0)
            .collect();
        for g in &self.groups {
            let codes: Vec<u8> = markers
                .iter()
                .map(|&m| g.books[m].code(profile[m]))
                .collect();
            for (pos, (meta, case_mask)) in g.metas.iter().zip(&g.masks).enumerate() {
                if ((case_mask & qmask).count_ones() as usize) < min_shared {
                    continue;
                }
                'slot: for slot in (0..g.slots).filter(|&s| meta.real[s]) {
                    let mut shared = 0u32;
                    let mut differing = None;
                    for (&m, &code) in markers.iter().zip(&codes) {
                        let col = m * g.slots + slot;
                        let byte = g.cols.get(col, pos);
                        if byte == UNTYPED {
                            continue;
                        }
                        shared += 1;
                        let equal = if byte == ESCAPED || code == ESCAPED {
                            meta.escaped
                                .iter()
                                .find(|e| e.0 as usize == col)
                                .is_some_and(|e| e.1 == sorted(profile[m]))
                        } else {
                            byte == code
                        };
                        if !equal {
                            if differing.is_some() {
                                continue 'slot;
                            }
                            differing = Some(m);
                        }
                    }
                    if shared as usize >= min_shared {
                        out.push((
                            ReferenceAt {
                                case: meta.id,
                                slot,
                            },
                            SameDna { shared, differing },
                        ));
                    }
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// The encoded profile of the reference in `slot` of case `case`.
    pub fn reference_profile(&self, case: u64, slot: usize) -> Option<Vec<[u8; 2]>> {
        let &(gi, pos) = self.cases.get(&case)?;
        let g = &self.groups[gi];
        if !g.metas[pos].real.get(slot).copied().unwrap_or(false) {
            return None;
        }
        let view = g.view(pos);
        Some((0..self.models.len()).map(|m| view.code(slot, m)).collect())
    }

    /// [`Index::same_dna_children`] for many profiles: per query, its
    /// children. Beyond a few queries, the children are read once and
    /// looked up in hash tables of the queries.
    pub fn same_dna_children_many(
        &self,
        queries: &[&[[u8; 2]]],
        min_shared: usize,
    ) -> Vec<Vec<(u64, SameDna)>> {
        if !hashed_pays(queries) {
            return queries
                .iter()
                .map(|q| self.same_dna_children(q, min_shared))
                .collect();
        }
        self.same_dna_children_hashed(queries, min_shared)
    }

    /// [`Index::same_dna_children_many`] by one hashed pass.
    pub(crate) fn same_dna_children_hashed(
        &self,
        queries: &[&[[u8; 2]]],
        min_shared: usize,
    ) -> Vec<Vec<(u64, SameDna)>> {
        self.same_dna_children_hashed_with(queries, min_shared, Direct::default())
    }

    /// [`Index::same_dna_children_hashed`], with the queries of small sets of typed markers (`limits`) scanning the index alone.
    pub(crate) fn same_dna_children_hashed_with(
        &self,
        queries: &[&[[u8; 2]]],
        min_shared: usize,
        limits: Direct,
    ) -> Vec<Vec<(u64, SameDna)>> {
        let mut out = vec![Vec::new(); queries.len()];
        let (mut batch, alone) = Batch::new(queries, min_shared, limits);
        // Each scan reads the whole index: both cores share them.
        let scanned: Vec<_> = alone
            .par_iter()
            .map(|&q| (q, self.same_dna_children(queries[q], min_shared)))
            .collect();
        for (q, found) in scanned {
            out[q] = found;
        }
        let mut found = Vec::new();
        for (id, p, _) in &self.children {
            batch.look_up(p, &mut found);
            for &(q, same) in &found {
                out[q].push((*id, same));
            }
        }
        for o in &mut out {
            o.sort_unstable();
        }
        out
    }

    /// [`Index::same_dna_references`] for many profiles, as
    /// [`Index::same_dna_children_many`].
    pub fn same_dna_references_many(
        &self,
        queries: &[&[[u8; 2]]],
        min_shared: usize,
    ) -> Vec<Vec<(ReferenceAt, SameDna)>> {
        if !hashed_pays(queries) {
            return queries
                .iter()
                .map(|q| self.same_dna_references(q, min_shared))
                .collect();
        }
        self.same_dna_references_hashed(queries, min_shared)
    }

    /// [`Index::same_dna_references_many`] by one hashed pass.
    pub(crate) fn same_dna_references_hashed(
        &self,
        queries: &[&[[u8; 2]]],
        min_shared: usize,
    ) -> Vec<Vec<(ReferenceAt, SameDna)>> {
        self.same_dna_references_hashed_with(queries, min_shared, Direct::default())
    }

    /// [`Index::same_dna_references_hashed`], with the queries of small sets of typed markers (`limits`) scanning the index alone.
    pub(crate) fn same_dna_references_hashed_with(
        &self,
        queries: &[&[[u8; 2]]],
        min_shared: usize,
        limits: Direct,
    ) -> Vec<Vec<(ReferenceAt, SameDna)>> {
        let mut out = vec![Vec::new(); queries.len()];
        let (mut batch, alone) = Batch::new(queries, min_shared, limits);
        // Each scan reads the whole index: both cores share them.
        let scanned: Vec<_> = alone
            .par_iter()
            .map(|&q| (q, self.same_dna_references(queries[q], min_shared)))
            .collect();
        for (q, found) in scanned {
            out[q] = found;
        }
        let mut found = Vec::new();
        let mut profile = vec![[MISSING; 2]; self.models.len()];
        for g in &self.groups {
            for pos in 0..g.metas.len() {
                let view = g.view(pos);
                for slot in (0..g.slots).filter(|&s| view.meta.real[s]) {
                    for (m, p) in profile.iter_mut().enumerate() {
                        *p = view.code(slot, m);
                    }
                    batch.look_up(&profile, &mut found);
                    for &(q, same) in &found {
                        let at = ReferenceAt {
                            case: view.meta.id,
                            slot,
                        };
                        out[q].push((at, same));
                    }
                }
            }
        }
        for o in &mut out {
            o.sort_unstable();
        }
        out
    }
}

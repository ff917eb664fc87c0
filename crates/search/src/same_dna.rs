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
//! and [`Index::same_dna_references_many`] read the index a few times and
//! look every stored profile up in hash tables of the queries: per set of
//! typed markers many queries share (a lab's kit), the genotypes of the two
//! halves of the markers shared (one difference spoils one half); for the
//! profiles of sets few share (a smaller kit, markers that failed), the
//! blocks of a kit's set that they have typed whole ([`Keying::Blocks`]:
//! eight blocks of a 24-marker kit, so a profile lacking up to six of its
//! markers still has a whole, equal block with a profile of the kit), and
//! where that cannot be, keys that do not depend on the other profile's
//! set ([`Triples`]). Every hit
//! is confirmed by [`compare`]; no pair is missed for want of a key, which
//! the tests check against the plain comparison of every pair. No I/O.

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
/// markers that failed) is looked up by its triples instead, and so is a
/// stored profile typed at a set no table was built for. (Measured: 1,000
/// queries of a few hundred sets against a million children took 101 s
/// when every set had its tables.)
const KEYED_GROUP_MAX: usize = 8;

/// Which queries of a hashed pass are looked up by their triples.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Keyed {
    /// Sets of typed markers at most this many queries share.
    pub(crate) group_max: usize,
}

impl Default for Keyed {
    fn default() -> Keyed {
        Keyed {
            group_max: KEYED_GROUP_MAX,
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

/// Keys of a profile that need no knowledge of the other profile's typed
/// markers: the markers are dealt into groups (marker `m` into group `m %
/// groups`), and each triple of markers a profile has typed within one
/// group gives a key (the triple and its genotypes). Two profiles with the
/// same DNA share at least `min_shared` typed markers and are equal at all
/// of them but one, so at `min_shared - 1 > 2 * groups` some group holds
/// three equal shared markers, whose key both profiles have. With 10
/// markers, 4 groups; a 24-marker profile has 80 keys, and two unrelated
/// profiles share one about as often as they match at three markers.
#[derive(Debug, Clone, Copy)]
struct Triples {
    groups: usize,
}

impl Triples {
    /// The grouping for a floor of shared markers; `None` below 4, where
    /// three equal markers are not certain and every pair is compared.
    fn for_floor(min_shared: usize) -> Option<Triples> {
        (min_shared >= 4).then_some(Triples {
            groups: (min_shared - 2) / 2,
        })
    }
}

/// How a table keys its profiles; two profiles with the same DNA have a key
/// in common.
#[derive(Debug, Clone, Copy)]
enum Keying {
    /// Whatever the markers both have typed ([`Triples`]).
    Triples(Triples),
    /// The markers of a set dealt in turn into `count` blocks, a key per
    /// block a profile has typed whole. Two profiles typed at every marker
    /// of the set share the key of every block but the one a difference
    /// spoils; a profile lacking `d` of the set's markers, with `d + 1 <
    /// count`, still has a whole, equal block in common with them.
    Blocks { mask: u64, count: usize },
}

impl Keying {
    /// The two halves of the markers `shared`.
    fn halves(shared: u64) -> Keying {
        Keying::Blocks {
            mask: shared,
            count: 2,
        }
    }

    /// The keys of `profile` into `out`.
    fn keys(self, profile: &[[u8; 2]], terms: &mut Vec<u64>, out: &mut Vec<u64>) {
        out.clear();
        match self {
            Keying::Triples(Triples { groups }) => {
                for g in 0..groups {
                    terms.clear();
                    terms.extend(
                        (g..profile.len())
                            .step_by(groups)
                            .filter(|&m| profile[m][0] != MISSING)
                            .map(|m| term(m, profile[m])),
                    );
                    for i in 0..terms.len() {
                        for j in i + 1..terms.len() {
                            let two = terms[i].wrapping_add(terms[j]);
                            out.extend(terms[j + 1..].iter().map(|t| two.wrapping_add(*t)));
                        }
                    }
                }
            }
            Keying::Blocks { mask, count } => {
                // Per block: its key so far, and whether it is whole.
                terms.clear();
                terms.extend((0..count).map(block_tag));
                let mut whole = u64::MAX;
                let mut bits = mask;
                let mut k = 0;
                while bits != 0 {
                    let m = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let b = k % count;
                    if profile[m][0] == MISSING {
                        whole &= !(1 << b);
                    } else {
                        terms[b] = terms[b].wrapping_add(term(m, profile[m]));
                    }
                    k += 1;
                }
                out.extend(
                    terms
                        .iter()
                        .enumerate()
                        .filter(|(b, _)| whole & (1 << b) != 0)
                        .map(|(_, t)| *t),
                );
            }
        }
    }
}

/// What tells the blocks' keys apart.
fn block_tag(b: usize) -> u64 {
    term(0xFF, [b as u8, 0xFD])
}

/// The blocks a set of typed markers many profiles share is dealt into:
/// about three markers a block, at most eight (a profile lacking up to six
/// of the set's markers is then found by blocks).
fn blocks_of(mask: u64) -> usize {
    (mask.count_ones() as usize / 3).clamp(2, 8)
}

/// Scratch space of a look-up in [`Candidates`].
#[derive(Default)]
struct Lookup {
    terms: Vec<u64>,
    keys: Vec<u64>,
    ids: Vec<u32>,
}

/// A set of profiles (numbered by position) by their keys: the candidates
/// for the same DNA as any profile are those sharing a key with it. A static
/// hash table: the keys sorted by bucket, a bucket's entries found from its
/// start.
enum Candidates {
    Keys {
        keying: Keying,
        /// 64 minus the bits of a bucket number.
        shift: u32,
        /// Per bucket, where its entries start (one more at the end).
        starts: Vec<u32>,
        keys: Vec<u64>,
        ids: Vec<u32>,
    },
    /// Without a keying: every profile is a candidate.
    All(Vec<u32>),
}

/// Profiles numbered by their place.
fn profiles_at<'p>(profiles: &'p [&'p [[u8; 2]]]) -> impl Iterator<Item = (u32, &'p [[u8; 2]])> {
    profiles.iter().enumerate().map(|(i, p)| (i as u32, *p))
}

impl Candidates {
    /// The profiles `(id, profile)` by `keying` (every one a candidate
    /// without a keying).
    fn of<'p>(
        keying: Option<Keying>,
        profiles: impl Iterator<Item = (u32, &'p [[u8; 2]])>,
    ) -> Candidates {
        let Some(keying) = keying else {
            return Candidates::All(profiles.map(|(id, _)| id).collect());
        };
        let mut entries: Vec<(u64, u32)> = Vec::new();
        let mut look = Lookup::default();
        for (id, p) in profiles {
            keying.keys(p, &mut look.terms, &mut look.keys);
            entries.extend(look.keys.iter().map(|&k| (k, id)));
        }
        // About four buckets an entry: most look-ups of an absent key end
        // at an empty bucket.
        let bits = (entries.len().max(1).next_power_of_two().trailing_zeros() + 2).min(31);
        let shift = 64 - bits;
        let mut starts = vec![0u32; (1usize << bits) + 1];
        for &(k, _) in &entries {
            starts[(k >> shift) as usize + 1] += 1;
        }
        for b in 1..starts.len() {
            starts[b] += starts[b - 1];
        }
        let mut next = starts.clone();
        let mut keys = vec![0u64; entries.len()];
        let mut ids = vec![0u32; entries.len()];
        for (k, id) in entries {
            let at = &mut next[(k >> shift) as usize];
            keys[*at as usize] = k;
            ids[*at as usize] = id;
            *at += 1;
        }
        Candidates::Keys {
            keying,
            shift,
            starts,
            keys,
            ids,
        }
    }

    /// Adds the profiles sharing a key with `profile` to `look.ids`
    /// (perhaps more than once: [`Lookup::distinct`]).
    fn add(&self, profile: &[[u8; 2]], look: &mut Lookup) {
        let Candidates::Keys {
            keying,
            shift,
            starts,
            keys,
            ids,
        } = self
        else {
            if let Candidates::All(all) = self {
                look.ids.extend_from_slice(all);
            }
            return;
        };
        keying.keys(profile, &mut look.terms, &mut look.keys);
        for &k in &look.keys {
            let b = (k >> shift) as usize;
            let (from, to) = (starts[b] as usize, starts[b + 1] as usize);
            for e in from..to {
                if keys[e] == k {
                    look.ids.push(ids[e]);
                }
            }
        }
    }

    /// The profiles sharing a key with `profile`, each once.
    fn of_profile<'a>(&self, profile: &[[u8; 2]], look: &'a mut Lookup) -> &'a [u32] {
        look.ids.clear();
        self.add(profile, look);
        look.distinct()
    }
}

impl Lookup {
    /// The candidates added, each once.
    fn distinct(&mut self) -> &[u32] {
        self.ids.sort_unstable();
        self.ids.dedup();
        &self.ids
    }
}

/// Profiles of sets of typed markers few share ("odd"), numbered by place,
/// to be looked up by any profile. By a profile of one of the sets many
/// share (`common`): the odd profiles lacking few of its markers by its
/// blocks ([`Keying::Blocks`], a few keys each), the others by their
/// triples; by a profile of any other set: every odd profile by its triples.
struct OddTables {
    /// Common set -> (by its blocks, by triples).
    by_set: HashMap<u64, (Candidates, Candidates)>,
    anywhere: Candidates,
}

impl OddTables {
    fn new(odd: &[&[[u8; 2]]], common: &[u64], min_shared: usize) -> OddTables {
        let triples = Triples::for_floor(min_shared).map(Keying::Triples);
        let masks: Vec<u64> = odd.iter().map(|p| typed_mask(p)).collect();
        let by_set = common
            .iter()
            .map(|&set| {
                let count = blocks_of(set);
                let (blocks, rest): (Vec<u32>, Vec<u32>) = (0..odd.len() as u32)
                    .filter(|&i| ((masks[i as usize] & set).count_ones() as usize) >= min_shared)
                    .partition(|&i| ((set & !masks[i as usize]).count_ones() as usize) + 1 < count);
                let of = |keying, ids: &[u32]| {
                    Candidates::of(keying, ids.iter().map(|&i| (i, odd[i as usize])))
                };
                let keying = Keying::Blocks { mask: set, count };
                (set, (of(Some(keying), &blocks), of(triples, &rest)))
            })
            .collect();
        OddTables {
            by_set,
            anywhere: Candidates::of(triples, profiles_at(odd)),
        }
    }

    /// The odd profiles that may have the same DNA as `profile`, each once.
    fn candidates<'a>(&self, profile: &[[u8; 2]], look: &'a mut Lookup) -> &'a [u32] {
        look.ids.clear();
        match self.by_set.get(&typed_mask(profile)) {
            Some((blocks, rest)) => {
                blocks.add(profile, look);
                rest.add(profile, look);
            }
            None => self.anywhere.add(profile, look),
        }
        look.distinct()
    }
}

/// Queries grouped by typed mask, with a table of their halves built per
/// set of shared markers as stored profiles ask for them.
struct Batch<'q> {
    queries: &'q [&'q [[u8; 2]]],
    min_shared: usize,
    /// (mask, the queries of that mask).
    by_mask: Vec<(u64, Vec<usize>)>,
    /// (group of `by_mask`, shared markers) -> its queries by their halves.
    tables: HashMap<(usize, u64), Candidates>,
    /// The masks of `by_mask`.
    masks: std::collections::HashSet<u64>,
    look: Lookup,
}

impl<'q> Batch<'q> {
    /// The queries of the sets of typed markers more than `limits.group_max`
    /// share, for tables; the others, to be looked up by their triples.
    fn new(
        queries: &'q [&'q [[u8; 2]]],
        min_shared: usize,
        limits: Keyed,
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
                look: Lookup::default(),
            },
            alone,
        )
    }

    /// Every query with the same DNA as `stored`: (query, comparison).
    /// `false` when `stored` is typed at a set no table was built for (it
    /// is compared by its triples instead).
    fn look_up(&mut self, stored: &[[u8; 2]], found: &mut Vec<(usize, SameDna)>) -> bool {
        found.clear();
        let mask = typed_mask(stored);
        if (mask.count_ones() as usize) < self.min_shared {
            return true;
        }
        if !self.masks.contains(&mask) {
            return false;
        }
        let queries = self.queries;
        for (g, (qmask, qs)) in self.by_mask.iter().enumerate() {
            let shared = mask & qmask;
            if (shared.count_ones() as usize) < self.min_shared {
                continue;
            }
            let table = self.tables.entry((g, shared)).or_insert_with(|| {
                let profiles = qs.iter().enumerate().map(|(i, &q)| (i as u32, queries[q]));
                Candidates::of(Some(Keying::halves(shared)), profiles)
            });
            for &k in table.of_profile(stored, &mut self.look) {
                let q = qs[k as usize];
                if let Some(same) = compare(queries[q], stored, self.min_shared) {
                    found.push((q, same));
                }
            }
        }
        true
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
                let real = &g.layouts[meta.layout as usize].real;
                'slot: for slot in (0..g.slots).filter(|&s| real[s]) {
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
        let (gi, pos) = crate::index::at(*self.cases.get(&case)?);
        let g = &self.groups[gi];
        if !g.layout_of(pos).real.get(slot).copied().unwrap_or(false) {
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
        self.same_dna_children_hashed_with(queries, min_shared, Keyed::default())
    }

    /// [`Index::same_dna_children_hashed`], with the queries of small sets
    /// of typed markers (`limits`) looked up by their triples.
    pub(crate) fn same_dna_children_hashed_with(
        &self,
        queries: &[&[[u8; 2]]],
        min_shared: usize,
        limits: Keyed,
    ) -> Vec<Vec<(u64, SameDna)>> {
        hashed(&StoredChildren(self), queries, min_shared, limits)
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
        self.same_dna_references_hashed_with(queries, min_shared, Keyed::default())
    }

    /// [`Index::same_dna_references_hashed`], with the queries of small
    /// sets of typed markers (`limits`) looked up by their triples.
    pub(crate) fn same_dna_references_hashed_with(
        &self,
        queries: &[&[[u8; 2]]],
        min_shared: usize,
        limits: Keyed,
    ) -> Vec<Vec<(ReferenceAt, SameDna)>> {
        hashed(&StoredReferences::of(self), queries, min_shared, limits)
    }
}

/// The stored profiles a hashed pass reads, in parts both cores share.
trait Stored: Sync {
    /// Where a stored profile is (a child's id, a reference's case and slot).
    type At: Copy + Send + Sync + Ord;
    fn parts(&self) -> usize;
    /// Each profile of part `part`, with where it is.
    fn each_in(&self, part: usize, f: &mut Visit<'_, Self::At>);
}

/// What is done with each stored profile of a part, given where it is.
type Visit<'f, At> = dyn FnMut(At, &[[u8; 2]]) + 'f;

/// Stored profiles a part holds.
const PART: usize = 4096;

struct StoredChildren<'i>(&'i Index);

impl Stored for StoredChildren<'_> {
    type At = u64;

    fn parts(&self) -> usize {
        self.0.children.len().div_ceil(PART)
    }

    fn each_in(&self, part: usize, f: &mut Visit<'_, u64>) {
        let children = &self.0.children;
        let end = ((part + 1) * PART).min(children.len());
        for (id, p, _) in &children[part * PART..end] {
            f(*id, p);
        }
    }
}

struct StoredReferences<'i> {
    index: &'i Index,
    /// (group, first case, end) of each part.
    parts: Vec<(usize, usize, usize)>,
}

impl<'i> StoredReferences<'i> {
    fn of(index: &'i Index) -> StoredReferences<'i> {
        let parts = index
            .groups
            .iter()
            .enumerate()
            .flat_map(|(gi, g)| {
                (0..g.len())
                    .step_by(PART)
                    .map(move |start| (gi, start, (start + PART).min(g.len())))
            })
            .collect();
        StoredReferences { index, parts }
    }
}

impl Stored for StoredReferences<'_> {
    type At = ReferenceAt;

    fn parts(&self) -> usize {
        self.parts.len()
    }

    fn each_in(&self, part: usize, f: &mut Visit<'_, ReferenceAt>) {
        let (gi, start, end) = self.parts[part];
        let g = &self.index.groups[gi];
        let mut profile = vec![[MISSING; 2]; self.index.models.len()];
        for pos in start..end {
            let view = g.view(pos);
            for slot in (0..g.slots).filter(|&s| view.layout.real[s]) {
                for (m, p) in profile.iter_mut().enumerate() {
                    *p = view.code(slot, m);
                }
                let at = ReferenceAt {
                    case: view.meta.id,
                    slot,
                };
                f(at, &profile);
            }
        }
    }
}

/// A query and the stored profiles found for it.
type Found<At> = (usize, Vec<(At, SameDna)>);

/// Every query's stored profiles with the same DNA, in three passes over
/// what is stored:
///
/// 1. the queries of sets of typed markers few share ("keyed") are put in
///    tables ([`OddTables`]) every stored profile is looked up in, both
///    cores sharing the stored parts;
/// 2. the other queries, through the tables of their set ([`Batch`]), for
///    every stored profile typed at one of those sets; the others are kept;
/// 3. those kept, in tables ([`OddTables`]) every tabled query is looked up
///    in.
///
/// No pair of profiles is compared for want of a key in common, whatever
/// their sets of typed markers; each candidate is confirmed by [`compare`].
fn hashed<S: Stored>(
    stored: &S,
    queries: &[&[[u8; 2]]],
    min_shared: usize,
    limits: Keyed,
) -> Vec<Vec<(S::At, SameDna)>> {
    let mut out = vec![Vec::new(); queries.len()];
    let (mut batch, alone) = Batch::new(queries, min_shared, limits);
    let common: Vec<u64> = batch.by_mask.iter().map(|(m, _)| *m).collect();

    // 1. The keyed queries.
    if !alone.is_empty() {
        let keyed: Vec<&[[u8; 2]]> = alone.iter().map(|&q| queries[q]).collect();
        let table = OddTables::new(&keyed, &common, min_shared);
        let found: Vec<Vec<(usize, S::At, SameDna)>> = (0..stored.parts())
            .into_par_iter()
            .map_init(Lookup::default, |look, part| {
                let mut found = Vec::new();
                stored.each_in(part, &mut |at, p| {
                    for &k in table.candidates(p, look) {
                        let q = alone[k as usize];
                        if let Some(same) = compare(queries[q], p, min_shared) {
                            found.push((q, at, same));
                        }
                    }
                });
                found
            })
            .collect();
        for (q, at, same) in found.into_iter().flatten() {
            out[q].push((at, same));
        }
    }

    // 2. The tabled queries, for the stored profiles typed at their sets.
    let mut kept: Vec<(S::At, Vec<[u8; 2]>)> = Vec::new();
    if !batch.by_mask.is_empty() {
        let mut found = Vec::new();
        for part in 0..stored.parts() {
            stored.each_in(part, &mut |at, p| {
                if !batch.look_up(p, &mut found) {
                    kept.push((at, p.to_vec()));
                }
                for &(q, same) in &found {
                    out[q].push((at, same));
                }
            });
        }
    }

    // 3. The tabled queries, for the stored profiles kept.
    if !kept.is_empty() {
        let profiles: Vec<&[[u8; 2]]> = kept.iter().map(|(_, p)| p.as_slice()).collect();
        let table = OddTables::new(&profiles, &common, min_shared);
        let tabled: Vec<usize> = batch
            .by_mask
            .iter()
            .flat_map(|(_, qs)| qs.iter().copied())
            .collect();
        let found: Vec<Found<S::At>> = tabled
            .par_iter()
            .map_init(Lookup::default, |look, &q| {
                let mut found = Vec::new();
                for &k in table.candidates(queries[q], look) {
                    let (at, p) = &kept[k as usize];
                    if let Some(same) = compare(queries[q], p, min_shared) {
                        found.push((*at, same));
                    }
                }
                (q, found)
            })
            .collect();
        for (q, found) in found {
            out[q].extend(found);
        }
    }
    for o in &mut out {
        o.sort_unstable();
    }
    out
}

//! The index: case pedigrees in columnar groups, found children, and the two queries.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Mutex;

use kinship::{Reference, Relative, Sex, case_pedigree};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::SearchError;
use crate::bound::{TableCache, UNBOUNDED, min_units};
use crate::class::{GroupKind, SideKind};
use crate::columns::{Columns, LANES};
use crate::exact::{
    CaseMeta, CaseView, Layout, evaluate, inconsistent, log10_lr_bounded, untyped_parent_columns,
};
use crate::group::Group;
use crate::scan::{Plan, SharedMaps, UNTYPED_PARENT_SLOTS, bound_sums, case_bounds};
use crate::shape::{Shape, Side, classify};
use crate::tables::{ESCAPED, MISSING, Models, Profile, UNTYPED, typed_mask};

/// Up to this many exact LRs are computed on the query's own thread.
const SERIAL: usize = 48;

/// Settings of the search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchConfig {
    /// Pairs sharing fewer typed markers are not scored.
    pub min_shared_markers: usize,
}

impl Default for SearchConfig {
    fn default() -> SearchConfig {
        SearchConfig {
            min_shared_markers: 12,
        }
    }
}

/// What a query asks for: the best `top_k`, and/or every hit with LR >= `min_lr`.
/// With neither, every scored pair is returned.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Query {
    pub top_k: Option<usize>,
    pub min_lr: Option<f64>,
}

/// One scored pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The case (for a child's query) or the found child (for a case's query).
    pub id: u64,
    pub log10_lr: f64,
    /// (marker index, LR) for each compared marker.
    pub markers: Vec<(usize, f64)>,
    /// Markers where the child cannot be placed without a mutation.
    pub inconsistent: Vec<usize>,
    /// The kernel's name for the family's shape.
    pub shape: &'static str,
}

impl Hit {
    pub fn lr(&self) -> f64 {
        if self.log10_lr == f64::NEG_INFINITY {
            0.0
        } else {
            let p: f64 = self.markers.iter().map(|m| m.1).product();
            if p.is_normal() {
                p
            } else {
                10f64.powf(self.log10_lr)
            }
        }
    }

    pub fn markers_compared(&self) -> usize {
        self.markers.len()
    }
}

/// What a query did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SearchStats {
    /// Cases (or children) looked at.
    pub scanned: usize,
    /// Pairs not scored for sharing too few markers.
    pub too_few_markers: usize,
    /// Pairs whose exact LR was computed.
    pub exact: usize,
}

/// Per-query buffers, kept between queries: per group, the bound units of
/// each case, the largest of each block and the cases sharing too few markers.
#[derive(Default)]
pub(crate) struct Scratch {
    sums: Vec<Vec<u16>>,
    maxima: Vec<Vec<u16>>,
    few: Vec<Vec<u64>>,
    count: Vec<u32>,
    above: Vec<usize>,
    candidates: Vec<(u16, u32, u32)>,
}

/// The in-memory index of cases and found children.
pub struct Index {
    pub(crate) models: Models,
    pub(crate) config: SearchConfig,
    pub(crate) groups: Vec<Group>,
    pub(crate) group_of: HashMap<(GroupKind, usize), usize>,
    pub(crate) cases: FxHashMap<u64, (u32, u32)>,
    pub(crate) children: Vec<(u64, Profile, u64)>,
    pub(crate) child_pos: FxHashMap<u64, usize>,
    pub(crate) scratch: Mutex<Vec<Scratch>>,
    pub(crate) tables: TableCache,
    /// `bound::factors_fit`, once.
    factors_fit: bool,
}

/// Slot layout of a case: which reference goes to which column slot.
fn layout(shape: &Shape, n_refs: usize) -> (GroupKind, Vec<Option<usize>>, Shape) {
    // order[k] = reference index in column slot k (None: an always-missing slot).
    let mut order: Vec<Option<usize>> = Vec::new();
    let side_kind = |side: Side, order: &mut Vec<Option<usize>>| -> (SideKind, Side) {
        match side {
            Side::Unknown => (SideKind::Unknown, Side::Unknown),
            Side::Parent(r) => {
                order.push(Some(r));
                (SideKind::Parent, Side::Parent(order.len() - 1))
            }
            Side::Grandparents { gf, gm } => {
                order.push(gf);
                order.push(gm);
                let n = order.len();
                (
                    SideKind::Grandparents,
                    Side::Grandparents {
                        gf: Some(n - 2),
                        gm: Some(n - 1),
                    },
                )
            }
        }
    };
    let (kind, new_shape) = match shape {
        Shape::Sided { sides } => {
            let (k0, s0) = side_kind(sides[0], &mut order);
            let (k1, s1) = side_kind(sides[1], &mut order);
            (GroupKind::Sided([k0, k1]), Shape::Sided { sides: [s0, s1] })
        }
        Shape::Coupled { side, parent, sibs } => {
            order.push(Some(*parent));
            let mut new_sibs = Vec::new();
            for &s in sibs {
                order.push(Some(s));
                new_sibs.push(order.len() - 1);
            }
            (
                GroupKind::Coupled(*side),
                Shape::Coupled {
                    side: *side,
                    parent: 0,
                    sibs: new_sibs,
                },
            )
        }
        Shape::General => (GroupKind::General, Shape::General),
    };
    for r in 0..n_refs {
        if !order.contains(&Some(r)) {
            order.push(Some(r));
        }
    }
    if matches!(kind, GroupKind::Coupled(_)) {
        order.extend([None; UNTYPED_PARENT_SLOTS]);
    }
    (kind, order, new_shape)
}

impl Index {
    pub fn new(models: Models, config: SearchConfig) -> Index {
        let factors_fit = crate::bound::factors_fit(&models);
        Index {
            models,
            config,
            groups: Vec::new(),
            group_of: HashMap::new(),
            cases: FxHashMap::default(),
            children: Vec::new(),
            child_pos: FxHashMap::default(),
            scratch: Mutex::new(Vec::new()),
            tables: TableCache::default(),
            factors_fit,
        }
    }

    pub fn models(&self) -> &Models {
        &self.models
    }

    pub fn config(&self) -> SearchConfig {
        self.config
    }

    pub fn case_count(&self) -> usize {
        self.cases.len()
    }

    pub fn child_count(&self) -> usize {
        self.children.len()
    }

    pub fn contains_case(&self, id: u64) -> bool {
        self.cases.contains_key(&id)
    }

    /// Bytes of the columnar index that a query reads: genotype columns and
    /// per-case marker masks.
    pub fn index_bytes(&self) -> usize {
        self.groups
            .iter()
            .map(|g| g.cols.bytes() + g.masks.len() * 8)
            .sum()
    }

    /// Adds (or replaces) a case: the missing child's sex and the references
    /// with their profiles (encoded by [`Models::encode`]).
    pub fn insert_case(
        &mut self,
        id: u64,
        child_sex: Sex,
        references: &[(Relative, Sex, Profile)],
    ) -> Result<(), SearchError> {
        if references.is_empty() {
            return Err(SearchError::NoReferences(id));
        }
        for (_, _, p) in references {
            if p.len() != self.models.len() {
                return Err(SearchError::ProfileLength {
                    got: p.len(),
                    expected: self.models.len(),
                });
            }
        }
        let refs: Vec<Reference> = references
            .iter()
            .enumerate()
            .map(|(i, &(relative, sex, _))| Reference {
                id: format!("r{i}"),
                relative,
                sex,
            })
            .collect();
        case_pedigree(child_sex, &refs).map_err(|e| SearchError::Family {
            case: id,
            reason: e.to_string(),
        })?;
        self.remove_case(id);

        let relatives: Vec<Relative> = references.iter().map(|r| r.0).collect();
        let (shape, used) = match classify(&relatives) {
            (Shape::Coupled { .. }, _) if !self.factors_fit => {
                (Shape::General, vec![true; relatives.len()])
            }
            classified => classified,
        };
        let (kind, order, shape) = layout(&shape, references.len());
        let slots = order.len();
        let key = (kind, slots);
        let gi = match self.group_of.get(&key) {
            Some(&g) => g,
            None => {
                self.groups.push(Group {
                    kind,
                    books: self.models.books.clone(),
                    slots,
                    layouts: Vec::new(),
                    metas: Vec::new(),
                    cols: Columns::new(self.models.len() * slots),
                    masks: Vec::new(),
                    blocks: Vec::new(),
                });
                self.group_of.insert(key, self.groups.len() - 1);
                self.groups.len() - 1
            }
        };
        let g = &mut self.groups[gi];
        let mut mask = 0;
        let mut escaped = Vec::new();
        for c in 0..self.models.len() * slots {
            let (m, slot) = (c / slots, c % slots);
            if let Some(r) = order[slot] {
                let alleles = references[r].2[m];
                if self.models.books[m].code(alleles) == ESCAPED {
                    escaped.push((
                        c as u32,
                        [alleles[0].min(alleles[1]), alleles[0].max(alleles[1])],
                    ));
                }
            }
        }
        let books = &self.models.books;
        g.cols.push(|c| {
            let (m, slot) = (c / slots, c % slots);
            order[slot].map_or(UNTYPED, |r| books[m].code(references[r].2[m]))
        });
        for r in order.iter().flatten() {
            mask |= typed_mask(&references[*r].2);
        }
        g.masks.push(mask);
        g.summarise((g.masks.len() - 1) / LANES);
        let slot_relatives = order
            .iter()
            .map(|r| match r {
                Some(r) => (references[*r].0, references[*r].1),
                // An always-missing grandparent slot: an untyped placeholder.
                None => (Relative::FullSibling, Sex::Unknown),
            })
            .collect::<Vec<_>>();
        let slot_used = order
            .iter()
            .map(|r| r.is_some_and(|r| used[r]))
            .collect::<Vec<bool>>();
        let real = order.iter().map(Option::is_some).collect::<Vec<bool>>();
        let layout = g.layout_number(Layout {
            child_sex,
            relatives: slot_relatives.into(),
            shape,
            used: slot_used.into(),
            real: real.into(),
        });
        g.metas.push(CaseMeta::new(id, layout, escaped));
        let pos = g.metas.len() - 1;
        self.cases.insert(id, place(gi, pos));
        let columns = untyped_parent_columns(&self.models, self.groups[gi].view(pos));
        let g = &mut self.groups[gi];
        if !columns.is_empty() {
            let u = slots - UNTYPED_PARENT_SLOTS;
            for (m, bytes) in columns.iter().enumerate() {
                for (i, &byte) in bytes.iter().enumerate() {
                    g.cols.set(m * slots + u + i, pos, byte);
                }
            }
        }
        Ok(())
    }

    /// Computes ahead the bound tables of the commonest genotypes (99.9% of
    /// each marker's population, for the family shapes the index holds), so
    /// that queries find them ready; returns how many genotypes. Queries work
    /// without it, computing what they miss.
    pub fn warm_up(&self) -> usize {
        let mut kinds: Vec<GroupKind> = Vec::new();
        for g in &self.groups {
            if !kinds.contains(&g.kind) {
                kinds.push(g.kind);
            }
        }
        self.tables.warm_up(&self.models, &kinds, 0.999)
    }

    /// Removes a case; false if it was not there.
    pub fn remove_case(&mut self, id: u64) -> bool {
        let Some((gi, pos)) = self.cases.remove(&id).map(at) else {
            return false;
        };
        let g = &mut self.groups[gi];
        let last = g.len() - 1;
        g.metas.swap_remove(pos);
        g.masks.swap_remove(pos);
        g.cols.swap_remove(pos);
        g.summarise(pos / LANES);
        g.summarise(last / LANES);
        if pos != last {
            let moved = g.metas[pos].id;
            self.cases.insert(moved, place(gi, pos));
        }
        true
    }

    /// Adds (or replaces) a found child's profile.
    pub fn insert_child(&mut self, id: u64, profile: Profile) -> Result<(), SearchError> {
        if profile.len() != self.models.len() {
            return Err(SearchError::ProfileLength {
                got: profile.len(),
                expected: self.models.len(),
            });
        }
        self.remove_child(id);
        let mask = typed_mask(&profile);
        self.children.push((id, profile, mask));
        self.child_pos.insert(id, self.children.len() - 1);
        Ok(())
    }

    /// The ids of the cases that share at least `min_shared_markers` typed
    /// markers with `child`: every case [`Index::search_child`] scores when
    /// nothing is pruned (no top-k, no floor). Reads only the marker masks,
    /// so it counts a million cases without scoring one.
    pub fn cases_sharing<'a>(&'a self, child: &[[u8; 2]]) -> impl Iterator<Item = u64> + 'a {
        let shares = self.shares_with(child);
        self.groups.iter().flat_map(move |g| {
            g.masks
                .iter()
                .zip(&g.metas)
                .filter(move |(m, _)| shares(**m))
                .map(|(_, meta)| meta.id)
        })
    }

    /// Whether a case's marker mask shares at least `min_shared_markers`
    /// typed markers with `child`.
    fn shares_with(&self, child: &[[u8; 2]]) -> impl Fn(u64) -> bool + Copy + Sync + use<> {
        let child_mask = typed_mask(child);
        let min = self.config.min_shared_markers;
        move |mask| ((mask & child_mask).count_ones() as usize) >= min
    }

    /// How many of [`Index::cases_sharing`] pass `keep`, counted in
    /// parallel: a million cases, each looked up in a map by `keep` (the
    /// posterior's compatible cases), are mostly memory latency, which two
    /// cores halve.
    pub fn count_cases_sharing(
        &self,
        child: &[[u8; 2]],
        keep: impl Fn(u64) -> bool + Sync,
    ) -> usize {
        let shares = self.shares_with(child);
        self.groups
            .iter()
            .map(|g| {
                g.masks
                    .par_iter()
                    .zip(g.metas.par_iter())
                    .with_min_len(4096)
                    .filter(|(m, meta)| shares(**m) && keep(meta.id))
                    .count()
            })
            .sum()
    }

    /// A found child's profile, as inserted.
    pub fn child(&self, id: u64) -> Option<&Profile> {
        self.child_pos.get(&id).map(|&pos| &self.children[pos].1)
    }

    pub fn remove_child(&mut self, id: u64) -> bool {
        let Some(pos) = self.child_pos.remove(&id) else {
            return false;
        };
        self.children.swap_remove(pos);
        if pos < self.children.len() {
            self.child_pos.insert(self.children[pos].0, pos);
        }
        true
    }

    fn view(&self, id: u64) -> Option<CaseView<'_>> {
        self.cases.get(&id).map(|&c| {
            let (g, p) = at(c);
            self.groups[g].view(p)
        })
    }

    /// The exact LR of one case and one child (any shape), or `None` when the
    /// case is unknown or they share too few markers.
    pub fn score(&self, case: u64, child: &[[u8; 2]]) -> Option<Hit> {
        let view = self.view(case)?;
        let shared = view_mask(self, case) & typed_mask(child);
        if (shared.count_ones() as usize) < self.config.min_shared_markers {
            return None;
        }
        Some(self.hit(view, case, child, shared))
    }

    /// The same LR as [`Index::score`] by the plain pedigree path of
    /// `kinship` (H1 and H2 of the case pedigree, every person summed over):
    /// the judge of the fast kernels. Per compared marker: (marker, LR).
    pub fn score_general(&self, case: u64, child: &[[u8; 2]]) -> Option<Vec<(usize, f64)>> {
        let view = self.view(case)?;
        let shared = view_mask(self, case) & typed_mask(child);
        if (shared.count_ones() as usize) < self.config.min_shared_markers {
            return None;
        }
        let markers: Vec<usize> = (0..self.models.len())
            .filter(|&m| shared & (1 << m) != 0)
            .collect();
        let meta = view.layout;
        let mut refs = Vec::new();
        let mut typed = Vec::new();
        for (slot, &(relative, sex)) in meta.relatives.iter().enumerate() {
            if !meta.real[slot] {
                continue;
            }
            let id = format!("r{slot}");
            let all = self.models.decode(
                &(0..self.models.len())
                    .map(|m| view.code(slot, m))
                    .collect::<Vec<_>>(),
            );
            typed.push(kinship::TypedPerson {
                id: id.clone(),
                genotypes: markers.iter().map(|&m| all[m]).collect(),
            });
            refs.push(Reference { id, relative, sex });
        }
        let child_g = self.models.decode(child);
        typed.push(kinship::TypedPerson {
            id: kinship::MISSING_CHILD.to_string(),
            genotypes: markers.iter().map(|&m| child_g[m]).collect(),
        });
        let ped = case_pedigree(meta.child_sex, &refs).ok()?;
        let case = kinship::KinshipCase {
            theta: 0.0,
            markers: markers
                .iter()
                .map(|&m| self.models.markers()[m].clone())
                .collect(),
            h1: ped.h1,
            h2: ped.h2,
            typed,
        };
        let r = case.evaluate().ok()?;
        Some(
            markers
                .into_iter()
                .zip(r.markers.into_iter().map(|x| x.lr))
                .collect(),
        )
    }

    fn hit(&self, view: CaseView<'_>, id: u64, child: &[[u8; 2]], shared: u64) -> Hit {
        let e = evaluate(&self.models, view, child, shared);
        Hit {
            id,
            log10_lr: e.log10_lr,
            inconsistent: inconsistent(&self.models, view, child, shared),
            markers: e.markers,
            shape: view.layout.shape.name(),
        }
    }

    /// A found child's profile against every case, best first.
    pub fn search_child(
        &self,
        child: &[[u8; 2]],
        query: &Query,
    ) -> Result<(Vec<Hit>, SearchStats), SearchError> {
        let (best, stats) = self.scan_child(child, query)?;
        let hit = |s: &Scored| {
            let g = &self.groups[s.group];
            self.hit(g.view(s.pos), g.metas[s.pos].id, child, s.shared)
        };
        let hits = if best.len() <= SERIAL / 4 {
            best.iter().map(hit).collect()
        } else {
            best.par_iter().map(hit).collect()
        };
        Ok((hits, stats))
    }

    /// What [`search_child`](Self::search_child) finds, as (case id, log10
    /// LR) alone, best first: the same cases and the same LRs, without the
    /// per-marker LRs and the inconsistent markers of each (a query that
    /// asks for every case above a low floor need not compute them twice).
    pub fn search_child_lrs(
        &self,
        child: &[[u8; 2]],
        query: &Query,
    ) -> Result<(Vec<(u64, f64)>, SearchStats), SearchError> {
        let (best, stats) = self.scan_child(child, query)?;
        Ok((best.iter().map(|s| (s.id, s.log10)).collect(), stats))
    }

    /// The two passes of a child's search: the cases it finds, best first.
    fn scan_child(
        &self,
        child: &[[u8; 2]],
        query: &Query,
    ) -> Result<(Vec<Scored>, SearchStats), SearchError> {
        if child.len() != self.models.len() {
            return Err(SearchError::ProfileLength {
                got: child.len(),
                expected: self.models.len(),
            });
        }
        let child_mask = typed_mask(child);
        let floor = query.min_lr.map(f64::log10).unwrap_or(f64::NEG_INFINITY);
        let min_shared = self.config.min_shared_markers;
        let markers = child.iter().filter(|g| g[0] != MISSING).count();

        // The bounds of each kind of family for this child.
        let mut kinds: Vec<GroupKind> = Vec::new();
        for g in &self.groups {
            if !kinds.contains(&g.kind) {
                kinds.push(g.kind);
            }
        }
        let bounds = self.tables.bounds(&self.models, &kinds, child);
        let maps = SharedMaps::new(&self.models, &kinds, child);
        let plans: Vec<Option<Plan>> = bounds
            .iter()
            .zip(&kinds)
            .map(|(b, &kind)| b.as_ref().and_then(|b| Plan::new(kind, b, child, &maps)))
            .collect();
        let plan_of: Vec<Option<&Plan>> = self
            .groups
            .iter()
            .map(|g| plans[kinds.iter().position(|k| *k == g.kind).expect("listed")].as_ref())
            .collect();

        // Phase 1: the bound of every case, the largest of each block, and
        // the cases sharing too few markers.
        let mut scratch = self
            .scratch
            .lock()
            .map(|mut pool| pool.pop())
            .unwrap_or_default()
            .unwrap_or_default();
        scratch.sums.resize_with(self.groups.len(), Vec::new);
        scratch.maxima.resize_with(self.groups.len(), Vec::new);
        scratch.few.resize_with(self.groups.len(), Vec::new);
        const CHUNK: usize = 64 * LANES;
        let mut tasks = Vec::new();
        for (gi, ((g, sums), (maxima, few))) in self
            .groups
            .iter()
            .zip(&mut scratch.sums)
            .zip(scratch.maxima.iter_mut().zip(&mut scratch.few))
            .enumerate()
        {
            sums.resize(g.len(), 0);
            maxima.resize(g.len().div_ceil(LANES), 0);
            few.resize(g.len().div_ceil(LANES), 0);
            for (k, ((sums, maxima), few)) in sums
                .chunks_mut(CHUNK)
                .zip(maxima.chunks_mut(CHUNK / LANES))
                .zip(few.chunks_mut(CHUNK / LANES))
                .enumerate()
            {
                tasks.push((gi, k * CHUNK, sums, maxima, few));
            }
        }
        tasks
            .into_par_iter()
            .for_each(|(gi, start, sums, maxima, few)| {
                let g = &self.groups[gi];
                bound_sums(g, plan_of[gi], start, sums, maxima);
                for (k, bits) in few.iter_mut().enumerate() {
                    *bits = g.few(start / LANES + k, child_mask, min_shared);
                }
            });
        let mut stats = SearchStats {
            scanned: self.groups.iter().map(Group::len).sum(),
            too_few_markers: scratch
                .few
                .iter()
                .flatten()
                .map(|b| b.count_ones() as usize)
                .sum(),
            exact: 0,
        };

        // Phase 2: a histogram of the blocks' largest bounds (buckets of 1/8
        // decade), then cases in bands of bounds from the top down: each band is
        // evaluated exactly, and the next band starts only if its bounds may
        // still reach the k-th best LR (or the floor).
        const BUCKET: u32 = 4;
        let bucket = |v: u16| (u32::from(v) / BUCKET) as usize;
        let Scratch {
            sums: all_sums,
            maxima: all_maxima,
            few: all_few,
            count,
            above,
            candidates,
        } = &mut scratch;
        // Only the buckets between the lowest and the highest block maximum.
        let (base, top_bucket) = all_maxima
            .iter()
            .flatten()
            .fold((usize::MAX, 0), |(lo, hi), &v| {
                (lo.min(bucket(v)), hi.max(bucket(v)))
            });
        let base = base.min(top_bucket);
        let buckets = top_bucket - base + 1;
        count.clear();
        count.resize(buckets + 1, 0);
        for maxima in all_maxima.iter() {
            for &v in maxima {
                count[bucket(v) - base] += 1;
            }
        }
        // above[b]: how many blocks have their maximum in bucket `base + b` or higher.
        above.clear();
        above.resize(buckets + 1, 0);
        for b in (0..buckets).rev() {
            above[b] = above[b + 1] + count[b] as usize;
        }
        let total = above[0];
        let blocks_from = |b: usize| {
            if b > top_bucket {
                0
            } else if b < base {
                total
            } else {
                above[b - base]
            }
        };
        let wanted_blocks = (2 * query.top_k.unwrap_or(0)).max(16);
        let mut top = TopK::new(query.top_k, floor);
        // Bands are [lo, hi) in units; `seen` blocks have a maximum >= hi.
        let mut hi: u32 = u32::from(UNBOUNDED) + 1;
        let mut seen = 0usize;
        loop {
            let threshold = top.threshold();
            let need = min_units(threshold, markers);
            if hi <= need {
                break;
            }
            // Take whole buckets until enough new blocks are in.
            let mut b = bucket(((hi - 1).min(u32::from(UNBOUNDED))) as u16).min(top_bucket);
            let mut end = blocks_from(b);
            while end - seen < wanted_blocks && b > base && (b as u32) * BUCKET > need {
                b -= 1;
                end = blocks_from(b);
            }
            if b <= base {
                // Nothing lies below the lowest bucket: this band takes the rest.
                b = 0;
                end = total;
            }
            let lo = ((b as u32) * BUCKET).max(need);
            seen = end;
            candidates.clear();
            for (gi, (maxima, sums)) in all_maxima.iter().zip(all_sums.iter()).enumerate() {
                for (k, &m) in maxima.iter().enumerate() {
                    if u32::from(m) < lo {
                        continue;
                    }
                    let few = all_few[gi][k];
                    let start = k * LANES;
                    let stop = (start + LANES).min(sums.len());
                    for (i, &v) in sums[start..stop].iter().enumerate() {
                        let v32 = u32::from(v);
                        if v32 >= lo && v32 < hi && few & (1 << i) == 0 {
                            candidates.push((v, gi as u32, (start + i) as u32));
                        }
                    }
                }
            }
            hi = lo;
            if candidates.is_empty() {
                if lo == 0 {
                    break;
                }
                continue;
            }
            candidates.sort_unstable_by(|x, y| y.cmp(x));
            stats.exact += candidates.len();
            let score_run = |run: &[(u16, u32, u32)]| {
                let mut case_q = Vec::new();
                run.iter()
                    .filter_map(|&(_, gi, pos)| {
                        let (gi, pos) = (gi as usize, pos as usize);
                        let g = &self.groups[gi];
                        let shared = g.masks[pos] & child_mask;
                        case_bounds(g, plan_of[gi], pos, &mut case_q);
                        log10_lr_bounded(
                            &self.models,
                            g.view(pos),
                            child,
                            shared,
                            &case_q,
                            threshold,
                        )
                        .map(|log10| Scored {
                            log10,
                            id: g.metas[pos].id,
                            group: gi,
                            pos,
                            shared,
                        })
                    })
                    .collect::<Vec<_>>()
            };
            // A few cases cost less here than handing them to other threads.
            let scored: Vec<Scored> = if candidates.len() <= SERIAL {
                score_run(candidates)
            } else {
                candidates.par_chunks(8).flat_map_iter(score_run).collect()
            };
            for x in scored {
                top.offer(x);
            }
            if lo == 0 {
                break;
            }
        }
        if let Ok(mut pool) = self.scratch.lock() {
            pool.push(scratch);
        }
        Ok((top.into_sorted(), stats))
    }

    /// A case against every found child, best first.
    pub fn search_case(
        &self,
        case: u64,
        query: &Query,
    ) -> Result<(Vec<Hit>, SearchStats), SearchError> {
        let view = self.view(case).ok_or(SearchError::UnknownCase(case))?;
        let case_mask = view_mask(self, case);
        let floor = query.min_lr.map(f64::log10).unwrap_or(f64::NEG_INFINITY);
        let scored: Vec<(usize, f64, u64)> = self
            .children
            .par_iter()
            .enumerate()
            .filter_map(|(i, (_, profile, mask))| {
                let shared = mask & case_mask;
                if (shared.count_ones() as usize) < self.config.min_shared_markers {
                    return None;
                }
                let e = evaluate(&self.models, view, profile, shared);
                (e.log10_lr >= floor).then_some((i, e.log10_lr, shared))
            })
            .collect();
        let stats = SearchStats {
            scanned: self.children.len(),
            too_few_markers: self.children.len() - scored.len(),
            exact: scored.len(),
        };
        let mut top = TopK::new(query.top_k, floor);
        for (i, log10, shared) in scored {
            top.offer(Scored {
                log10,
                id: self.children[i].0,
                group: i,
                pos: 0,
                shared,
            });
        }
        let hits = top
            .into_sorted()
            .into_iter()
            .map(|s| {
                let (id, profile, _) = &self.children[s.group];
                self.hit(view, *id, profile, s.shared).with_id(*id)
            })
            .collect();
        Ok((hits, stats))
    }
}

fn view_mask(index: &Index, case: u64) -> u64 {
    let (g, p) = at(index.cases[&case]);
    index.groups[g].masks[p]
}

impl Hit {
    fn with_id(mut self, id: u64) -> Hit {
        self.id = id;
        self
    }
}

#[derive(Debug, Clone, Copy)]
struct Scored {
    log10: f64,
    /// The case's (or found child's) id: ties are broken by it, so the
    /// answer does not depend on where a case sits in the columns (an index
    /// kept in step by inserts and removals answers as one rebuilt).
    id: u64,
    group: usize,
    pos: usize,
    shared: u64,
}

impl PartialEq for Scored {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Scored {}
impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scored {
    /// Reverse order (min-heap by LR); ties broken by the smaller id first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .log10
            .total_cmp(&self.log10)
            .then(self.id.cmp(&other.id))
    }
}

/// The best k (or all above a floor), as a min-heap.
struct TopK {
    k: Option<usize>,
    floor: f64,
    heap: BinaryHeap<Scored>,
}

impl TopK {
    fn new(k: Option<usize>, floor: f64) -> TopK {
        TopK {
            k,
            floor,
            heap: BinaryHeap::new(),
        }
    }

    /// The log10 LR a pair must reach to enter.
    fn threshold(&self) -> f64 {
        match self.k {
            Some(k) if self.heap.len() >= k => self
                .heap
                .peek()
                .map_or(self.floor, |s| s.log10.max(self.floor)),
            _ => self.floor,
        }
    }

    fn offer(&mut self, s: Scored) {
        if s.log10 < self.floor || s.log10.is_nan() {
            return;
        }
        match self.k {
            Some(0) => {}
            Some(k) if self.heap.len() >= k => {
                if let Some(mut worst) = self.heap.peek_mut()
                    && s < *worst
                {
                    *worst = s;
                }
            }
            _ => self.heap.push(s),
        }
    }

    fn into_sorted(self) -> Vec<Scored> {
        // BinaryHeap::into_sorted_vec sorts ascending by Ord, which is descending LR.
        self.heap.into_sorted_vec()
    }
}

/// A case's place (group, position) as the map by case id keeps it: two
/// `u32`, so that a million entries take 16 bytes each.
pub(crate) fn place(group: usize, pos: usize) -> (u32, u32) {
    (
        u32::try_from(group).expect("fewer than 2^32 groups"),
        u32::try_from(pos).expect("fewer than 2^32 cases in a group"),
    )
}

/// A case's place as `place` kept it.
pub(crate) fn at((group, pos): (u32, u32)) -> (usize, usize) {
    (group as usize, pos as usize)
}

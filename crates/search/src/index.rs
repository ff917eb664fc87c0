//! The index: case pedigrees in columnar groups, found children, and the two queries.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::sync::OnceLock;

use kinship::{Reference, Relative, Sex, case_pedigree};
use rayon::prelude::*;

use crate::SearchError;
use crate::bound::ClassBounds;
use crate::columns::Columns;
use crate::exact::{CaseMeta, CaseView, evaluate, inconsistent, log10_lr_bounded, prepare};
use crate::scan::{GroupKind, SideKind, bound_sums, case_bounds};
use crate::shape::{Shape, Side, classify};
use crate::tables::{MISSING, Models, Profile, typed_mask};

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

pub(crate) struct Group {
    pub kind: GroupKind,
    pub slots: usize,
    pub metas: Vec<CaseMeta>,
    /// Column `(m * slots + slot) * 2 + k`: allele `k` of slot `slot` at marker `m`, one byte per case.
    pub cols: Columns,
    /// Markers where at least one reference is typed.
    pub masks: Vec<u64>,
}

impl Group {
    fn view(&self, pos: usize) -> CaseView<'_> {
        CaseView {
            meta: &self.metas[pos],
            cols: &self.cols,
            slots: self.slots,
            pos,
        }
    }

    fn len(&self) -> usize {
        self.metas.len()
    }
}

/// The in-memory index of cases and found children.
pub struct Index {
    models: Models,
    config: SearchConfig,
    pub(crate) groups: Vec<Group>,
    group_of: HashMap<(GroupKind, usize), usize>,
    cases: HashMap<u64, (usize, usize)>,
    children: Vec<(u64, Profile, u64)>,
    child_pos: HashMap<u64, usize>,
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
    (kind, order, new_shape)
}

impl Index {
    pub fn new(models: Models, config: SearchConfig) -> Index {
        Index {
            models,
            config,
            groups: Vec::new(),
            group_of: HashMap::new(),
            cases: HashMap::new(),
            children: Vec::new(),
            child_pos: HashMap::new(),
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
        let (shape, used) = classify(&relatives);
        let (kind, order, shape) = layout(&shape, references.len());
        let slots = order.len();
        let key = (kind, slots);
        let gi = match self.group_of.get(&key) {
            Some(&g) => g,
            None => {
                self.groups.push(Group {
                    kind,
                    slots,
                    metas: Vec::new(),
                    cols: Columns::new(self.models.len() * slots * 2),
                    masks: Vec::new(),
                });
                self.group_of.insert(key, self.groups.len() - 1);
                self.groups.len() - 1
            }
        };
        let g = &mut self.groups[gi];
        let mut mask = 0;
        g.cols.push(|c| {
            let (m, slot, k) = (c / (slots * 2), (c / 2) % slots, c % 2);
            order[slot].map_or(MISSING, |r| references[r].2[m][k])
        });
        for r in order.iter().flatten() {
            mask |= typed_mask(&references[*r].2);
        }
        g.masks.push(mask);
        let slot_relatives = order
            .iter()
            .map(|r| match r {
                Some(r) => (references[*r].0, references[*r].1),
                // An always-missing grandparent slot: an untyped placeholder.
                None => (Relative::FullSibling, Sex::Unknown),
            })
            .collect::<Vec<_>>();
        let slot_used = order.iter().map(|r| r.is_some_and(|r| used[r])).collect();
        let real = order.iter().map(Option::is_some).collect::<Vec<bool>>();
        g.metas.push(CaseMeta {
            id,
            child_sex,
            relatives: slot_relatives,
            real,
            shape,
            used: slot_used,
            pedigree: OnceLock::new(),
            l0: [OnceLock::new(), OnceLock::new()],
            tau: OnceLock::new(),
        });
        let pos = g.metas.len() - 1;
        self.cases.insert(id, (gi, pos));
        prepare(&self.models, self.groups[gi].view(pos));
        Ok(())
    }

    /// Removes a case; false if it was not there.
    pub fn remove_case(&mut self, id: u64) -> bool {
        let Some((gi, pos)) = self.cases.remove(&id) else {
            return false;
        };
        let g = &mut self.groups[gi];
        let last = g.len() - 1;
        g.metas.swap_remove(pos);
        g.masks.swap_remove(pos);
        g.cols.swap_remove(pos);
        if pos != last {
            let moved = g.metas[pos].id;
            self.cases.insert(moved, (gi, pos));
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
        self.cases.get(&id).map(|&(g, p)| self.groups[g].view(p))
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
        let meta = view.meta;
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
            shape: view.meta.shape.name(),
        }
    }

    /// A found child's profile against every case, best first.
    pub fn search_child(
        &self,
        child: &[[u8; 2]],
        query: &Query,
    ) -> Result<(Vec<Hit>, SearchStats), SearchError> {
        if child.len() != self.models.len() {
            return Err(SearchError::ProfileLength {
                got: child.len(),
                expected: self.models.len(),
            });
        }
        let child_mask = typed_mask(child);
        let floor = query.min_lr.map(f64::log10).unwrap_or(f64::NEG_INFINITY);
        const CHUNK: usize = 4096;
        let tasks: Vec<(usize, usize)> = self
            .groups
            .iter()
            .enumerate()
            .flat_map(|(gi, g)| (0..g.len()).step_by(CHUNK).map(move |s| (gi, s)))
            .collect();
        let mut kinds: Vec<GroupKind> = self.groups.iter().map(|g| g.kind).collect();
        kinds.sort_by_key(|k| format!("{k:?}"));
        kinds.dedup();
        let computed = ClassBounds::for_kinds(&self.models, &kinds, child);
        let bounds: Vec<Option<&ClassBounds>> = self
            .groups
            .iter()
            .map(|g| computed[kinds.iter().position(|k| *k == g.kind).expect("listed")].as_ref())
            .collect();
        // Phase 1: every case's bound; keep those that may reach the floor,
        // packed as (bound key << 48 | group << 32 | position). Cases without
        // a usable bound get the highest key (always evaluated).
        const UNBOUNDED: u64 = 0xFFFF;
        let usable: Vec<Option<&ClassBounds>> =
            bounds.iter().map(|b| b.filter(|b| b.usable)).collect();
        let phase1: Vec<(Vec<u64>, usize, usize)> = tasks
            .par_iter()
            .map(|&(gi, start)| {
                let g = &self.groups[gi];
                let end = (start + CHUNK).min(g.len());
                let mut sums = [0u16; CHUNK];
                let sums = &mut sums[..end - start];
                let bound = usable[gi];
                if let Some(b) = bound {
                    bound_sums(g, child, &b.tables, start, sums);
                }
                let mut keep = Vec::new();
                let mut few = 0;
                for (i, &sum) in sums.iter().enumerate() {
                    let key = match bound {
                        Some(b) if b.below(sum, floor) => continue,
                        Some(_) => u64::from(sum),
                        None => UNBOUNDED,
                    };
                    let pos = start + i;
                    if ((g.masks[pos] & child_mask).count_ones() as usize)
                        < self.config.min_shared_markers
                    {
                        few += 1;
                        continue;
                    }
                    keep.push(key << 48 | (gi as u64) << 32 | pos as u64);
                }
                (keep, end - start, few)
            })
            .collect();
        let mut stats = SearchStats::default();
        let mut pending: Vec<u64> = Vec::new();
        for (keep, scanned, few) in phase1 {
            stats.scanned += scanned;
            stats.too_few_markers += few;
            pending.extend(keep);
        }
        // Phase 2: best bounds first, in batches; after each batch the k-th
        // best LR (or the floor) drops every case whose bound is below it.
        let markers = computed
            .iter()
            .flatten()
            .map(|b| b.tables.len())
            .next()
            .unwrap_or(0);
        let below = |key: u64, threshold: f64| {
            key != UNBOUNDED && crate::bound::ClassBounds::log10_of(key as u32, markers) < threshold
        };
        // Small batches first, so that the k-th best is known early; then
        // larger ones, so that the workers stay busy.
        let mut batch_size = 128;
        let mut all = TopK::new(query.top_k, floor);
        while !pending.is_empty() {
            let threshold = all.threshold();
            if threshold > f64::NEG_INFINITY {
                pending = pending
                    .into_par_iter()
                    .filter(|&x| !below(x >> 48, threshold))
                    .collect();
            }
            if pending.len() > batch_size {
                pending.select_nth_unstable_by(batch_size, |a, b| b.cmp(a));
            }
            let take = pending.len().min(batch_size);
            batch_size = (batch_size * 2).min(4096);
            let batch: Vec<u64> = pending.drain(..take).collect();
            // In runs of 32, each case's bytes are fetched while the one
            // before it is computed: a case's columns lie on many cache lines.
            let scored: Vec<Scored> = batch
                .par_chunks(32)
                .flat_map_iter(|run| {
                    let mut case_q = Vec::new();
                    let unpack =
                        |x: u64| (((x >> 32) & 0xFFFF) as usize, (x & 0xFFFF_FFFF) as usize);
                    if let Some(&first) = run.first() {
                        let (gi, pos) = unpack(first);
                        self.groups[gi].cols.prefetch(pos);
                    }
                    let mut out = Vec::new();
                    for (k, &x) in run.iter().enumerate() {
                        if let Some(&next) = run.get(k + 1) {
                            let (gi, pos) = unpack(next);
                            self.groups[gi].cols.prefetch(pos);
                        }
                        let (gi, pos) = unpack(x);
                        let g = &self.groups[gi];
                        let shared = g.masks[pos] & child_mask;
                        case_q.clear();
                        if let Some(b) = usable[gi] {
                            case_bounds(g, child, &b.tables, pos, &mut case_q);
                        }
                        if let Some(log10) = log10_lr_bounded(
                            &self.models,
                            g.view(pos),
                            child,
                            shared,
                            &case_q,
                            threshold,
                        ) {
                            out.push(Scored {
                                log10,
                                group: gi,
                                pos,
                                shared,
                            });
                        }
                    }
                    out
                })
                .collect();
            stats.exact += batch.len();
            for x in scored {
                all.offer(x);
            }
        }
        let hits = all
            .into_sorted()
            .into_par_iter()
            .map(|s| {
                let g = &self.groups[s.group];
                self.hit(g.view(s.pos), g.metas[s.pos].id, child, s.shared)
            })
            .collect();
        Ok((hits, stats))
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
    let (g, p) = index.cases[&case];
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
    /// Reverse order (min-heap by LR); ties broken by position for determinism.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .log10
            .total_cmp(&self.log10)
            .then((self.group, self.pos).cmp(&(other.group, other.pos)))
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

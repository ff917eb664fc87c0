//! The index's state kept between processes: what [`Index::insert_case`]
//! and [`Index::insert_child`] built, so that a new process restores it
//! instead of encoding and inserting every profile again.
//!
//! [`IndexState`] holds the groups (kind, slots, per case its id and its
//! layout: the missing child's sex, the relationship, sex and use of each
//! slot, the kernel's shape; the genotype columns, the marker masks, the
//! genotypes outside the codebooks) and the found children with their
//! encoded profiles, and the search settings. Columns, masks and ids are
//! bulk bytes (`serde_bytes`), so reading them back is a copy. Layouts are
//! kept once per group and named by number from each case: a registry has a
//! handful of family configurations and a million cases.
//!
//! What the frequency database and the mutation model give (the models, the
//! codebooks, the bound tables, the caches) is not kept: the restoring
//! process builds its models as it would for a new index, and
//! [`Index::restore`] refuses a state made with other models (their
//! [`Models::fingerprint`]). Block summaries and the id maps are recomputed.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Mutex;

use kinship::{Relative, Sex};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::SearchError;
use crate::bound::TableCache;
use crate::class::GroupKind;
use crate::columns::{Columns, LANES};
use crate::exact::{CaseMeta, Layout};
use crate::group::Group;
use crate::index::{Index, SearchConfig, at};
use crate::shape::Shape;
use crate::tables::{Models, Profile, typed_mask};

/// The layout of the content; another is refused.
const STATE_FORMAT: u32 = 1;

/// An index's state, as [`Index::state`] gives it and [`Index::restore`]
/// takes it back. Serialize it with any serde format (the registry uses
/// postcard); deserializing borrows the bulk bytes where the format allows.
#[derive(Serialize, Deserialize)]
pub struct IndexState<'a> {
    format: u32,
    /// [`Models::fingerprint`] of the models it was made with.
    fingerprint: [u8; 32],
    markers: u32,
    min_shared_markers: u64,
    #[serde(borrow)]
    groups: Vec<GroupState<'a>>,
    /// Found children's ids, little-endian u64 each.
    #[serde(borrow, with = "serde_bytes")]
    child_ids: Cow<'a, [u8]>,
    /// Their profiles, `2 * markers` bytes each.
    #[serde(borrow, with = "serde_bytes")]
    child_profiles: Cow<'a, [u8]>,
}

impl IndexState<'_> {
    /// How many genotype sets it holds: each case's references and each
    /// found child.
    pub fn profile_count(&self) -> usize {
        let cases: usize = self
            .groups
            .iter()
            .map(|g| {
                let real: Vec<usize> = g
                    .layouts
                    .iter()
                    .map(|l| l.real.iter().filter(|r| **r).count())
                    .collect();
                g.layout_of
                    .chunks_exact(4)
                    .map(|c| {
                        let n = u32::from_le_bytes(c.try_into().expect("4 bytes"));
                        real.get(n as usize).copied().unwrap_or(0)
                    })
                    .sum::<usize>()
            })
            .sum();
        cases + self.child_ids.len() / 8
    }
}

#[derive(Serialize, Deserialize)]
struct GroupState<'a> {
    kind: GroupKind,
    slots: u32,
    len: u64,
    layouts: Vec<LayoutState>,
    /// Per case: its id, little-endian u64.
    #[serde(borrow, with = "serde_bytes")]
    ids: Cow<'a, [u8]>,
    /// Per case: its layout's number, little-endian u32.
    #[serde(borrow, with = "serde_bytes")]
    layout_of: Cow<'a, [u8]>,
    /// (case position, column, alleles) of genotypes outside the codebooks.
    escaped: Vec<(u32, u32, [u8; 2])>,
    /// The genotype columns, as `Columns` holds them.
    #[serde(borrow, with = "serde_bytes")]
    cols: Cow<'a, [u8]>,
    /// Per case: its marker mask, little-endian u64.
    #[serde(borrow, with = "serde_bytes")]
    masks: Cow<'a, [u8]>,
}

/// What cases of one family configuration share.
#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, Hash)]
struct LayoutState {
    child_sex: u8,
    /// Per slot: (relationship, sex).
    relatives: Vec<(u8, u8)>,
    real: Vec<bool>,
    used: Vec<bool>,
    shape: Shape,
}

fn sex_code(s: Sex) -> u8 {
    match s {
        Sex::Male => 0,
        Sex::Female => 1,
        Sex::Unknown => 2,
    }
}

fn sex_of(c: u8) -> Option<Sex> {
    [Sex::Male, Sex::Female, Sex::Unknown]
        .get(usize::from(c))
        .copied()
}

fn relative_code(r: Relative) -> u8 {
    Relative::ALL
        .iter()
        .position(|x| *x == r)
        .expect("every relationship is listed") as u8
}

fn bad(reason: impl Into<String>) -> SearchError {
    SearchError::State(reason.into())
}

/// `n` little-endian words of `W` bytes read by `f`, or why not.
fn words<const W: usize, T>(
    bytes: &[u8],
    n: usize,
    what: &str,
    f: impl Fn([u8; W]) -> T,
) -> Result<Vec<T>, SearchError> {
    if bytes.len() != n * W {
        return Err(bad(format!(
            "{what}: {} bytes for {n} entries of {W}",
            bytes.len()
        )));
    }
    Ok(bytes
        .chunks_exact(W)
        .map(|c| f(c.try_into().expect("chunks of W")))
        .collect())
}

impl Models {
    /// SHA-256 of everything the models are made of: marker names, alleles,
    /// frequencies and the mutation matrices of both sexes (so the mutation
    /// model and its rates). Two models with the same fingerprint encode,
    /// bound and score alike.
    pub fn fingerprint(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update((self.len() as u64).to_le_bytes());
        for (m, t) in self.markers().iter().zip(&self.tables) {
            h.update((m.name().len() as u64).to_le_bytes());
            h.update(m.name().as_bytes());
            h.update((t.n as u64).to_le_bytes());
            for a in m.frequencies().alleles() {
                let a = a.to_string();
                h.update((a.len() as u64).to_le_bytes());
                h.update(a.as_bytes());
            }
            for x in t.p.iter().chain(&t.m[0]).chain(&t.m[1]) {
                h.update(x.to_bits().to_le_bytes());
            }
        }
        h.finalize().into()
    }
}

impl Index {
    /// The index's state, to be kept and restored by [`Index::restore`]
    /// (the genotype columns are borrowed, not copied).
    pub fn state(&self) -> IndexState<'_> {
        let groups = self
            .groups
            .iter()
            .map(|g| {
                let layouts = g
                    .layouts
                    .iter()
                    .map(|l| LayoutState {
                        child_sex: sex_code(l.child_sex),
                        relatives: l
                            .relatives
                            .iter()
                            .map(|&(r, s)| (relative_code(r), sex_code(s)))
                            .collect(),
                        real: l.real.to_vec(),
                        used: l.used.to_vec(),
                        shape: l.shape.clone(),
                    })
                    .collect();
                let layout_of = g
                    .metas
                    .iter()
                    .flat_map(|m| m.layout.to_le_bytes())
                    .collect();
                let escaped = g
                    .metas
                    .iter()
                    .enumerate()
                    .flat_map(|(pos, m)| m.escaped.iter().map(move |&(c, a)| (pos as u32, c, a)))
                    .collect();
                GroupState {
                    kind: g.kind,
                    slots: g.slots as u32,
                    len: g.metas.len() as u64,
                    layouts,
                    ids: Cow::Owned(g.metas.iter().flat_map(|m| m.id.to_le_bytes()).collect()),
                    layout_of: Cow::Owned(layout_of),
                    escaped,
                    cols: Cow::Borrowed(g.cols.raw()),
                    masks: Cow::Owned(g.masks.iter().flat_map(|m| m.to_le_bytes()).collect()),
                }
            })
            .collect();
        IndexState {
            format: STATE_FORMAT,
            fingerprint: self.models.fingerprint(),
            markers: self.models.len() as u32,
            min_shared_markers: self.config.min_shared_markers as u64,
            groups,
            child_ids: Cow::Owned(
                self.children
                    .iter()
                    .flat_map(|(id, _, _)| id.to_le_bytes())
                    .collect(),
            ),
            child_profiles: Cow::Owned(
                self.children
                    .iter()
                    .flat_map(|(_, p, _)| p.iter().flatten().copied())
                    .collect(),
            ),
        }
    }

    /// An index back from its state, with `models` built as the index's
    /// were. Refused when the state was made with other models (another
    /// frequency table, other alleles, another mutation model) or another
    /// layout, or when its parts do not fit together.
    pub fn restore(models: Models, state: IndexState<'_>) -> Result<Index, SearchError> {
        if state.format != STATE_FORMAT {
            return Err(bad(format!(
                "layout {} of the index state, expected {STATE_FORMAT}",
                state.format
            )));
        }
        if state.fingerprint != models.fingerprint() || state.markers as usize != models.len() {
            return Err(SearchError::OtherModels);
        }
        let markers = models.len();
        let config = SearchConfig {
            min_shared_markers: usize::try_from(state.min_shared_markers)
                .map_err(|_| bad("the minimum of shared markers is too large"))?,
        };
        let mut index = Index::new(models, config);
        // The groups read and checked; then their case records and the map
        // by case id built side by side (a million random inserts into the
        // map cost as much as everything else).
        let mut parts = Vec::with_capacity(state.groups.len());
        let mut all_ids = Vec::with_capacity(state.groups.len());
        let mut group_of = HashMap::new();
        for (gi, gs) in state.groups.into_iter().enumerate() {
            let slots = gs.slots as usize;
            let len = usize::try_from(gs.len).map_err(|_| bad("a group is too large"))?;
            let ncols = markers * slots;
            let ids = words::<8, _>(&gs.ids, len, "case ids", u64::from_le_bytes)?;
            let layout_of = words::<4, _>(&gs.layout_of, len, "case layouts", u32::from_le_bytes)?;
            let masks = words::<8, _>(&gs.masks, len, "marker masks", u64::from_le_bytes)?;
            let cols = Columns::from_raw(ncols, len, gs.cols.into_owned())
                .ok_or_else(|| bad("the genotype columns do not fit their cases"))?;
            // Each layout once, checked; its cases name it by number.
            let layouts = gs
                .layouts
                .into_iter()
                .map(|l| {
                    let relatives = l
                        .relatives
                        .iter()
                        .map(|&(r, s)| Some((*Relative::ALL.get(usize::from(r))?, sex_of(s)?)))
                        .collect::<Option<Box<[_]>>>()
                        .ok_or_else(|| bad("a relationship or sex is unknown"))?;
                    if relatives.len() != slots || l.real.len() != slots || l.used.len() != slots {
                        return Err(bad("a layout does not fit its group's slots"));
                    }
                    let child_sex =
                        sex_of(l.child_sex).ok_or_else(|| bad("a child's sex is unknown"))?;
                    Ok(Layout {
                        child_sex,
                        relatives,
                        shape: l.shape,
                        used: l.used.into(),
                        real: l.real.into(),
                    })
                })
                .collect::<Result<Vec<_>, SearchError>>()?;
            if let Some((&id, &n)) = ids
                .iter()
                .zip(&layout_of)
                .find(|&(_, &n)| n as usize >= layouts.len())
            {
                return Err(bad(format!("case {id} names layout {n}")));
            }
            if gs
                .escaped
                .iter()
                .any(|&(pos, col, _)| pos as usize >= len || col as usize >= ncols)
            {
                return Err(bad("a genotype outside the codebook is out of place"));
            }
            if group_of.insert((gs.kind, slots), gi).is_some() {
                return Err(bad("two groups of one kind"));
            }
            parts.push((gs.kind, slots, layout_of, masks, cols, layouts, gs.escaped));
            all_ids.push(ids);
        }
        let case_count = all_ids.iter().map(Vec::len).sum();
        let books = index.models.books.clone();
        let (cases, groups) = rayon::join(
            || {
                let mut cases = FxHashMap::with_capacity_and_hasher(case_count, Default::default());
                for (gi, ids) in all_ids.iter().enumerate() {
                    for (pos, &id) in ids.iter().enumerate() {
                        if cases.insert(id, (gi as u32, pos as u32)).is_some() {
                            return Err(bad(format!("case {id} is held twice")));
                        }
                    }
                }
                Ok(cases)
            },
            || {
                parts
                    .into_iter()
                    .zip(&all_ids)
                    .map(
                        |((kind, slots, layout_of, masks, cols, layouts, escaped), ids)| {
                            let mut metas: Vec<CaseMeta> = ids
                                .iter()
                                .zip(layout_of)
                                .map(|(&id, n)| CaseMeta::new(id, n, Vec::new()))
                                .collect();
                            for (pos, col, alleles) in escaped {
                                metas[pos as usize].escaped.push((col, alleles));
                            }
                            let mut g = Group {
                                kind,
                                books: books.clone(),
                                slots,
                                layouts,
                                metas,
                                cols,
                                masks,
                                blocks: Vec::new(),
                            };
                            for k in 0..ids.len().div_ceil(LANES) {
                                g.summarise(k);
                            }
                            g
                        },
                    )
                    .collect::<Vec<Group>>()
            },
        );
        let cases = cases?;
        let ids = state.child_ids.len() / 8;
        let child_ids = words::<8, _>(&state.child_ids, ids, "child ids", u64::from_le_bytes)?;
        if state.child_profiles.len() != ids * 2 * markers {
            return Err(bad("the children's profiles do not fit their ids"));
        }
        let mut children = Vec::with_capacity(ids);
        let mut child_pos = FxHashMap::with_capacity_and_hasher(ids, Default::default());
        for (i, (&id, bytes)) in child_ids
            .iter()
            .zip(state.child_profiles.chunks_exact(2 * markers.max(1)))
            .enumerate()
        {
            let profile: Profile = bytes.chunks_exact(2).map(|p| [p[0], p[1]]).collect();
            if child_pos.insert(id, i).is_some() {
                return Err(bad(format!("found child {id} is held twice")));
            }
            let mask = typed_mask(&profile);
            children.push((id, profile, mask));
        }
        if markers == 0 && ids > 0 {
            return Err(bad("children without markers"));
        }
        index.groups = groups;
        index.group_of = group_of;
        index.cases = cases;
        index.children = children;
        index.child_pos = child_pos;
        index.scratch = Mutex::new(Vec::new());
        index.tables = TableCache::default();
        Ok(index)
    }

    /// How this index differs from `other` in content: the same models and
    /// settings, the same cases (by id: group kind and slots, child's sex,
    /// relationships, sexes, shape, genotype codes of every column, genotypes
    /// outside the codebooks, marker mask) and the same found children (by
    /// id: profile). Positions inside groups are not compared (removals move
    /// cases). Empty when they hold the same.
    pub fn differences(&self, other: &Index) -> Vec<String> {
        let mut out = Vec::new();
        if self.models.fingerprint() != other.models.fingerprint() {
            out.push("the models differ".to_string());
            return out;
        }
        if self.config != other.config {
            out.push("the search settings differ".to_string());
        }
        let markers = self.models.len();
        let mut differing: Vec<u64> = Vec::new();
        let mut missing: Vec<u64> = Vec::new();
        for (&id, &place) in &self.cases {
            let Some(&other_place) = other.cases.get(&id) else {
                missing.push(id);
                continue;
            };
            let ((gi, pos), (ogi, opos)) = (at(place), at(other_place));
            let (a, b) = (&self.groups[gi], &other.groups[ogi]);
            let (ma, mb) = (&a.metas[pos], &b.metas[opos]);
            let (la, lb) = (a.layout_of(pos), b.layout_of(opos));
            let same = a.kind == b.kind
                && a.slots == b.slots
                && ma.id == mb.id
                && la == lb
                && ma.escaped == mb.escaped
                && a.masks[pos] == b.masks[opos]
                && (0..markers * a.slots).all(|c| a.cols.get(c, pos) == b.cols.get(c, opos));
            if !same {
                differing.push(id);
            }
        }
        let extra: Vec<u64> = other
            .cases
            .keys()
            .filter(|id| !self.cases.contains_key(id))
            .copied()
            .collect();
        let list = |ids: &mut Vec<u64>| {
            ids.sort_unstable();
            let shown: Vec<String> = ids.iter().take(5).map(|i| i.to_string()).collect();
            let more = if ids.len() > 5 { ", ..." } else { "" };
            format!("{}{more}", shown.join(", "))
        };
        for (mut ids, what) in [
            (differing, "held otherwise"),
            (missing, "only in the first index"),
            (extra, "only in the second index"),
        ] {
            if !ids.is_empty() {
                out.push(format!("{} cases {what}: {}", ids.len(), list(&mut ids)));
            }
        }
        let mut differing = Vec::new();
        let mut missing = Vec::new();
        for (id, profile, _) in &self.children {
            match other.child(*id) {
                None => missing.push(*id),
                Some(p) if p != profile => differing.push(*id),
                Some(_) => {}
            }
        }
        let extra: Vec<u64> = other
            .children
            .iter()
            .map(|c| c.0)
            .filter(|id| !self.child_pos.contains_key(id))
            .collect();
        for (mut ids, what) in [
            (differing, "held otherwise"),
            (missing, "only in the first index"),
            (extra, "only in the second index"),
        ] {
            if !ids.is_empty() {
                out.push(format!(
                    "{} found children {what}: {}",
                    ids.len(),
                    list(&mut ids)
                ));
            }
        }
        out
    }

    /// How many genotype sets the index holds: each case's references and
    /// each found child.
    pub fn profile_count(&self) -> usize {
        self.groups
            .iter()
            .flat_map(|g| (0..g.len()).map(|pos| g.layout_of(pos)))
            .map(|l| l.real.iter().filter(|r| **r).count())
            .sum::<usize>()
            + self.children.len()
    }
}

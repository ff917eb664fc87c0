//! A group of cases with the same kind and number of column slots: their
//! facts (`CaseMeta`), their genotype codes column by column (`Columns`),
//! which markers each has typed, and per block of 64 cases the summary the
//! scan uses to skip cases sharing too few markers with a child.

use crate::class::GroupKind;
use crate::columns::{Columns, LANES};
use crate::exact::{CaseMeta, CaseView, Layout};
use crate::tables::Codebook;

/// The cases of one group, column after column.
pub(crate) struct Group {
    pub kind: GroupKind,
    pub books: std::sync::Arc<[Codebook]>,
    pub slots: usize,
    /// The family configurations of its cases, each once (a handful).
    pub layouts: Vec<Layout>,
    pub metas: Vec<CaseMeta>,
    /// Column `m * slots + slot`: the genotype code of slot `slot` at marker `m`, one byte per case.
    pub cols: Columns,
    /// Markers where at least one reference is typed.
    pub masks: Vec<u64>,
    /// Per block of 64 cases: the union of their masks and the fewest markers any of them has.
    pub blocks: Vec<(u64, u32)>,
}

impl Group {
    pub(crate) fn view(&self, pos: usize) -> CaseView<'_> {
        let meta = &self.metas[pos];
        CaseView {
            meta,
            layout: &self.layouts[meta.layout as usize],
            cols: &self.cols,
            books: &self.books,
            slots: self.slots,
            pos,
        }
    }

    /// The number of `layout` in the group's list, added if new.
    pub(crate) fn layout_number(&mut self, layout: Layout) -> u32 {
        let n = match self.layouts.iter().position(|l| *l == layout) {
            Some(n) => n,
            None => {
                self.layouts.push(layout);
                self.layouts.len() - 1
            }
        };
        u32::try_from(n).expect("a handful of layouts per group")
    }

    /// The layout of the case at `pos`.
    pub(crate) fn layout_of(&self, pos: usize) -> &Layout {
        &self.layouts[self.metas[pos].layout as usize]
    }

    pub(crate) fn len(&self) -> usize {
        self.metas.len()
    }

    /// Recomputes the summary of block `k`.
    pub(crate) fn summarise(&mut self, k: usize) {
        let start = k * LANES;
        let end = (start + LANES).min(self.masks.len());
        if start >= end {
            self.blocks.truncate(k);
            return;
        }
        let summary = self.masks[start..end]
            .iter()
            .fold((0u64, u32::MAX), |(u, p), &m| {
                (u | m, p.min(m.count_ones()))
            });
        if self.blocks.len() <= k {
            self.blocks.resize(k + 1, (0, u32::MAX));
        }
        self.blocks[k] = summary;
    }

    /// The cases of block `k` that share fewer than `min` markers with `child_mask`, as bits.
    pub(crate) fn few(&self, k: usize, child_mask: u64, min: usize) -> u64 {
        let (union, fewest) = self.blocks[k];
        if union & !child_mask == 0 && fewest as usize >= min {
            return 0;
        }
        let start = k * LANES;
        let end = (start + LANES).min(self.masks.len());
        self.masks[start..end]
            .iter()
            .enumerate()
            .filter(|(_, m)| ((*m & child_mask).count_ones() as usize) < min)
            .fold(0u64, |bits, (i, _)| bits | 1 << i)
    }
}

//! Genotype columns in blocks of 64 cases: within a block, each column's 64
//! bytes lie side by side, and a block's columns follow one another, so the
//! first pass reads memory in one sequential stream and loads 64 cases of a
//! column with one vector load.

use crate::tables::MISSING;

/// Cases per block.
pub(crate) const LANES: usize = 64;

#[derive(Debug, Clone)]
pub(crate) struct Columns {
    ncols: usize,
    len: usize,
    data: Vec<u8>,
}

impl Columns {
    pub fn new(ncols: usize) -> Columns {
        Columns {
            ncols,
            len: 0,
            data: Vec::new(),
        }
    }

    #[inline]
    fn at(&self, col: usize, pos: usize) -> usize {
        ((pos / LANES) * self.ncols + col) * LANES + pos % LANES
    }

    /// The byte of column `col` for case `pos`.
    #[inline]
    pub fn get(&self, col: usize, pos: usize) -> u8 {
        self.data[self.at(col, pos)]
    }

    /// The 64 bytes of column `col` for the block starting at case `pos` (a multiple of 64).
    #[inline]
    pub fn block(&self, col: usize, pos: usize) -> &[u8] {
        debug_assert_eq!(pos % LANES, 0);
        let i = self.at(col, pos);
        &self.data[i..i + LANES]
    }

    /// Appends a case whose column `c` holds `value(c)`.
    pub fn push(&mut self, value: impl Fn(usize) -> u8) {
        if self.len.is_multiple_of(LANES) {
            self.data
                .resize(self.data.len() + self.ncols * LANES, MISSING);
        }
        let pos = self.len;
        self.len += 1;
        for c in 0..self.ncols {
            let i = self.at(c, pos);
            self.data[i] = value(c);
        }
    }

    /// Every byte of the block holding case `pos` (empty past the end).
    #[inline]
    pub fn whole_block(&self, pos: usize) -> &[u8] {
        let start = (pos / LANES) * self.ncols * LANES;
        self.data
            .get(start..start + self.ncols * LANES)
            .unwrap_or(&[])
    }

    /// Sets the byte of column `col` for case `pos`.
    pub fn set(&mut self, col: usize, pos: usize, value: u8) {
        let i = self.at(col, pos);
        self.data[i] = value;
    }

    /// Moves the last case into `pos` and drops the last.
    pub fn swap_remove(&mut self, pos: usize) {
        let last = self.len - 1;
        for c in 0..self.ncols {
            let (from, to) = (self.at(c, last), self.at(c, pos));
            self.data[to] = self.data[from];
            self.data[from] = MISSING;
        }
        self.len -= 1;
        if self.len.is_multiple_of(LANES) {
            self.data.truncate(self.len / LANES * self.ncols * LANES);
        }
    }

    /// Columns of `len` cases from the bytes [`Columns::raw`] gave, or
    /// `None` when they do not fit.
    pub fn from_raw(ncols: usize, len: usize, data: Vec<u8>) -> Option<Columns> {
        (data.len() == len.div_ceil(LANES) * ncols * LANES).then_some(Columns { ncols, len, data })
    }

    /// Every byte held, block after block.
    pub fn raw(&self) -> &[u8] {
        &self.data
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.data.len()
    }
}

//! A lineage index as plain data, to be kept between processes (the
//! registry seals it in its database) and restored without reading a
//! haplotype: the loci by name, the men's ids, the blocks of bytes as they
//! are, and each locus's unusual values.
//!
//! Restoring checks everything a search relies on and refuses, with the
//! reason, what does not hold: loci it does not know, a block of the wrong
//! size, a man twice, a byte naming an unusual value the dictionary lacks,
//! a two-copy locus typed at one copy only, a byte beyond the last man, a
//! dictionary value that has a plain byte or appears twice. A restored
//! index answers every search as the index it was made from.

use std::borrow::Cow;
use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::haplotype::Allele;
use crate::lineage_index::{BLOCK, FIRST_UNUSUAL, LAST_UNUSUAL, LineageIndex, UNTYPED, Value};
use crate::locus::Locus;

/// The layout of [`LineageIndexState`]; another is refused.
const FORMAT: u32 = 1;

/// A lineage index as plain data ([`LineageIndex::state`],
/// [`LineageIndex::restore`]). The blocks are borrowed from the index when
/// written and from the bytes read when read back.
#[derive(Serialize, Deserialize)]
pub struct LineageIndexState<'a> {
    format: u32,
    /// The index's loci, by name, in its order.
    loci: Vec<String>,
    /// The men's ids by slot, little-endian u64 each.
    #[serde(borrow, with = "serde_bytes")]
    ids: Cow<'a, [u8]>,
    /// The blocks as held: `BLOCK × columns` bytes each, column after column.
    #[serde(borrow)]
    blocks: Vec<Block<'a>>,
    /// Each locus's unusual values, in code order.
    dictionaries: Vec<Vec<StoredValue>>,
}

#[derive(Serialize, Deserialize)]
struct Block<'a>(#[serde(borrow, with = "serde_bytes")] Cow<'a, [u8]>);

/// An unusual value as kept: an allele in tenths of a repeat, a null, or
/// the alleles of a duplication.
#[derive(Serialize, Deserialize)]
enum StoredValue {
    Allele(i32),
    Null,
    Extra(Vec<i32>),
}

impl StoredValue {
    fn of(v: &Value) -> StoredValue {
        match v {
            Value::Allele(a) => StoredValue::Allele(a.0),
            Value::Null => StoredValue::Null,
            Value::Extra(v) => StoredValue::Extra(v.iter().map(|a| a.0).collect()),
        }
    }

    fn value(&self) -> Value {
        match self {
            StoredValue::Allele(a) => Value::Allele(Allele(*a)),
            StoredValue::Null => Value::Null,
            StoredValue::Extra(v) => Value::Extra(v.iter().map(|&a| Allele(a)).collect()),
        }
    }
}

impl LineageIndexState<'_> {
    /// How many men it holds.
    pub fn men(&self) -> usize {
        self.ids.len() / 8
    }
}

impl LineageIndex {
    /// The index as plain data, its blocks borrowed.
    pub fn state(&self) -> LineageIndexState<'_> {
        LineageIndexState {
            format: FORMAT,
            loci: self.loci.iter().map(|l| l.name().to_string()).collect(),
            ids: Cow::Owned(self.ids.iter().flat_map(|id| id.to_le_bytes()).collect()),
            blocks: self
                .blocks
                .iter()
                .map(|b| Block(Cow::Borrowed(&b[..])))
                .collect(),
            dictionaries: self
                .dictionaries
                .iter()
                .map(|d| d.values.iter().map(StoredValue::of).collect())
                .collect(),
        }
    }

    /// The index a state holds, or why it cannot be restored.
    pub fn restore(state: LineageIndexState<'_>) -> Result<LineageIndex, String> {
        if state.format != FORMAT {
            return Err(format!(
                "it has layout {}, expected layout {FORMAT}",
                state.format
            ));
        }
        let mut loci = Vec::with_capacity(state.loci.len());
        for name in &state.loci {
            let l = Locus::all()
                .find(|l| l.name() == name)
                .ok_or_else(|| format!("it has locus {name}, which is not known"))?;
            if loci.contains(&l) {
                return Err(format!("it has locus {name} twice"));
            }
            loci.push(l);
        }
        let mut index = LineageIndex::new(&loci);
        let columns = index.columns();
        // The dictionaries.
        if state.dictionaries.len() != index.dictionaries.len() {
            return Err(format!(
                "it has {} dictionaries for {} loci",
                state.dictionaries.len(),
                loci.len()
            ));
        }
        let most = (LAST_UNUSUAL - FIRST_UNUSUAL + 1) as usize;
        for (k, (stored, d)) in state
            .dictionaries
            .iter()
            .zip(&mut index.dictionaries)
            .enumerate()
        {
            if stored.len() > most {
                return Err(format!(
                    "locus {} has {} unusual values (at most {most})",
                    loci[k],
                    stored.len()
                ));
            }
            for (code, s) in stored.iter().enumerate() {
                let v = s.value();
                if LineageIndex::plain(&v).is_some() {
                    return Err(format!(
                        "locus {} has the plain allele {v} among its unusual values",
                        loci[k]
                    ));
                }
                if d.codes
                    .insert(v.clone(), FIRST_UNUSUAL + code as u8)
                    .is_some()
                {
                    return Err(format!("locus {} has the value {v} twice", loci[k]));
                }
                d.values.push(v);
            }
        }
        // The men.
        if !state.ids.len().is_multiple_of(8) {
            return Err("its ids are cut short".into());
        }
        let ids: Vec<u64> = state
            .ids
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().expect("eight bytes")))
            .collect();
        let n = ids.len();
        if state.blocks.len() != n.div_ceil(BLOCK) {
            return Err(format!("it has {} blocks for {n} men", state.blocks.len()));
        }
        let mut slot_of = HashMap::with_capacity(n);
        for (slot, &id) in ids.iter().enumerate() {
            if slot_of.insert(id, slot).is_some() {
                return Err(format!("it has man {id} twice"));
            }
        }
        // The bytes, block by block, side by side.
        let two_copy: Vec<bool> = (0..columns)
            .map(|c| c + 1 < columns && index.dictionary_of[c] == index.dictionary_of[c + 1])
            .collect();
        let sizes: Vec<usize> = (0..columns)
            .map(|c| index.dictionaries[index.dictionary_of[c]].values.len())
            .collect();
        state
            .blocks
            .par_iter()
            .enumerate()
            .try_for_each(|(bi, Block(block))| {
                if block.len() != BLOCK * columns {
                    return Err(format!(
                        "its block {} has {} bytes, expected {}",
                        bi + 1,
                        block.len(),
                        BLOCK * columns
                    ));
                }
                let men = BLOCK.min(n - bi * BLOCK);
                for c in 0..columns {
                    let column = &block[c * BLOCK..(c + 1) * BLOCK];
                    if let Some(i) = column[men..].iter().position(|&b| b != UNTYPED) {
                        return Err(format!(
                            "its block {} has a value beyond its last man (slot {})",
                            bi + 1,
                            men + i
                        ));
                    }
                    for (i, &b) in column[..men].iter().enumerate() {
                        // 255 (a query's unseen value) is beyond every
                        // dictionary, which holds at most 127.
                        if b >= FIRST_UNUSUAL && usize::from(b - FIRST_UNUSUAL) >= sizes[c] {
                            return Err(format!(
                                "man {} has the code {b} at {}, which its dictionary lacks",
                                ids[bi * BLOCK + i],
                                index.coordinates()[c]
                            ));
                        }
                    }
                    if two_copy[c] {
                        let other = &block[(c + 1) * BLOCK..(c + 2) * BLOCK];
                        if let Some(i) =
                            (0..men).find(|&i| (column[i] == UNTYPED) != (other[i] == UNTYPED))
                        {
                            return Err(format!(
                                "man {} is typed at one copy of {} only",
                                ids[bi * BLOCK + i],
                                index.coordinates()[c].locus
                            ));
                        }
                    }
                }
                Ok(())
            })?;
        index.blocks = state
            .blocks
            .into_iter()
            .map(|Block(b)| b.into_owned().into_boxed_slice())
            .collect();
        index.ids = ids;
        index.slot_of = slot_of;
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::haplotype::{Call, Haplotype};
    use crate::lineage_index::LineageQuery;
    use crate::lineage_index::tests::{haplotype, loci};
    use proptest::prelude::*;

    /// Through postcard and back, as the registry keeps it.
    fn round_trip(index: &LineageIndex) -> Result<LineageIndex, String> {
        let bytes = postcard::to_stdvec(&index.state()).unwrap();
        let state: LineageIndexState<'_> = postcard::from_bytes(&bytes).unwrap();
        LineageIndex::restore(state)
    }

    fn same(a: &LineageIndex, b: &LineageIndex, queries: &[Haplotype]) {
        assert_eq!(a.ids, b.ids);
        assert_eq!(a.blocks, b.blocks);
        assert_eq!(a.slot_of, b.slot_of);
        let values = |i: &LineageIndex| -> Vec<Vec<Value>> {
            i.dictionaries.iter().map(|d| d.values.clone()).collect()
        };
        assert_eq!(values(a), values(b));
        let codes = |i: &LineageIndex| -> Vec<HashMap<Value, u8>> {
            i.dictionaries.iter().map(|d| d.codes.clone()).collect()
        };
        assert_eq!(codes(a), codes(b));
        let query = LineageQuery {
            max_differences: 3,
            min_compared: 2,
        };
        for q in queries {
            assert_eq!(a.search(q, &query).unwrap(), b.search(q, &query).unwrap());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Any index, after inserts, replacements and removals, restores to
        /// the same bytes, dictionaries and answers.
        #[test]
        fn an_index_restores_to_itself(
            men in proptest::collection::vec((0u64..60, haplotype()), 0..80),
            removed in proptest::collection::vec(0u64..60, 0..20),
            queries in proptest::collection::vec(haplotype(), 1..5),
        ) {
            let mut index = LineageIndex::new(&loci());
            for (id, h) in &men {
                index.insert(*id, h).unwrap();
            }
            for id in &removed {
                index.remove(*id);
            }
            let back = round_trip(&index).unwrap();
            same(&index, &back, &queries);
            // And it goes on as the original: one more man in each.
            let (mut index, mut back) = (index, back);
            if let Some((_, h)) = men.first() {
                index.insert(1_000, h).unwrap();
                back.insert(1_000, h).unwrap();
                same(&index, &back, &queries);
            }
        }
    }

    /// Men over several blocks, some removed (the last block part full).
    fn many() -> (LineageIndex, Vec<Haplotype>) {
        let loci = loci();
        let mut index = LineageIndex::new(&loci);
        let mut some = Vec::new();
        for id in 0..(2 * BLOCK as u64 + 300) {
            let mut h = Haplotype::new();
            for (k, &l) in loci.iter().enumerate() {
                let a = Allele(10 * (10 + ((id as i32 >> k) & 3)));
                let call = match (l.copies(), id % 97) {
                    (_, 5) => Call::Null,
                    (2, _) => Call::Two(a, Allele(a.0 + 10)),
                    (_, 7) => Call::One(Allele(a.0 + 2)),
                    _ => Call::One(a),
                };
                h.insert(l, call).unwrap();
            }
            index.insert(id, &h).unwrap();
            if id % 1000 == 0 {
                some.push(h);
            }
        }
        for id in (0..BLOCK as u64).step_by(7) {
            index.remove(id);
        }
        (index, some)
    }

    #[test]
    fn several_blocks_restore_to_themselves() {
        let (index, queries) = many();
        assert!(index.blocks.len() >= 2);
        same(&index, &round_trip(&index).unwrap(), &queries);
    }

    /// A change made to a state.
    type Damage = dyn Fn(&mut LineageIndexState<'_>);

    /// What a search relies on is checked, and a damaged state refused
    /// with its reason.
    #[test]
    fn a_damaged_state_is_refused_with_its_reason() {
        let (index, _) = many();
        let refused = |damage: &dyn Fn(&mut LineageIndexState<'_>)| {
            let mut state = index.state();
            damage(&mut state);
            let bytes = postcard::to_stdvec(&state).unwrap();
            LineageIndex::restore(postcard::from_bytes(&bytes).unwrap()).unwrap_err()
        };
        let block = |s: &mut LineageIndexState<'_>, k: usize| -> Vec<u8> { s.blocks[k].0.to_vec() };
        let columns = index.columns();
        let last = index.blocks.len() - 1;
        let men_in_last = index.len() - last * BLOCK;
        let cases: Vec<(&str, Box<Damage>)> = vec![
            ("layout 9", Box::new(|s| s.format = 9)),
            ("locus DYS999", Box::new(|s| s.loci[0] = "DYS999".into())),
            (
                "locus DYS19 twice",
                Box::new(|s| s.loci[2] = "DYS19".into()),
            ),
            (
                "blocks for",
                Box::new(|s| {
                    s.blocks.pop();
                }),
            ),
            (
                "bytes, expected",
                Box::new(move |s| {
                    let mut b = block(s, 0);
                    b.pop();
                    s.blocks[0] = Block(Cow::Owned(b));
                }),
            ),
            (
                "twice",
                Box::new(|s| {
                    let mut ids = s.ids.to_vec();
                    let first: Vec<u8> = ids[..8].to_vec();
                    ids[8..16].copy_from_slice(&first);
                    s.ids = Cow::Owned(ids);
                }),
            ),
            (
                "which its dictionary lacks",
                Box::new(move |s| {
                    let mut b = block(s, 1);
                    b[3] = 250;
                    s.blocks[1] = Block(Cow::Owned(b));
                }),
            ),
            (
                "which its dictionary lacks",
                Box::new(move |s| {
                    let mut b = block(s, 1);
                    b[3] = 255;
                    s.blocks[1] = Block(Cow::Owned(b));
                }),
            ),
            (
                "beyond its last man",
                Box::new(move |s| {
                    let mut b = block(s, last);
                    b[(columns - 1) * BLOCK + men_in_last] = 12;
                    s.blocks[last] = Block(Cow::Owned(b));
                }),
            ),
            (
                "at one copy of DYS385 only",
                Box::new(move |s| {
                    // DYS385 is the second locus: columns 1 and 2.
                    let mut b = block(s, 0);
                    b[BLOCK + 1] = UNTYPED;
                    s.blocks[0] = Block(Cow::Owned(b));
                }),
            ),
            (
                "plain allele",
                Box::new(|s| s.dictionaries[0].push(StoredValue::Allele(140))),
            ),
            (
                "twice",
                Box::new(|s| s.dictionaries[0].push(StoredValue::Null)),
            ),
            (
                "cut short",
                Box::new(|s| {
                    let mut ids = s.ids.to_vec();
                    ids.pop();
                    s.ids = Cow::Owned(ids);
                }),
            ),
        ];
        for (reason, damage) in cases {
            let why = refused(&*damage);
            assert!(why.contains(reason), "{reason:?} not in {why:?}");
        }
    }
}

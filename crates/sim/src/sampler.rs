//! Drawing genotypes: founders from allele frequencies or from a pool of real
//! people, children by Mendelian transmission with mutation.
//!
//! Every discrete draw (an allele from the population, or the allele a parent's
//! allele turns into through a mutation-matrix row) uses a precomputed alias
//! table, so it costs one 64-bit random number and no search, whatever the
//! number of alleles. A child's marker costs two random bits for the alleles
//! passed on and, with mutation, one random number for whether either allele
//! mutates (and another for each that does).

use kinship::{IndexGenotype, MarkerModel, ParentSex, Pedigree};
use rand::{Rng, RngExt};

use crate::SimError;

/// Where founder genotypes come from.
#[derive(Debug, Clone, Copy)]
pub enum Founders<'a> {
    /// Each founder's two alleles are drawn independently from the marker's
    /// allele frequencies (Hardy–Weinberg equilibrium, no linkage).
    Frequencies,
    /// Founders are real people taken whole from this pool, drawn at random
    /// without replacement. Each entry is one person, with one genotype slot per
    /// marker in the order of the models; `None` (untyped at that marker) is
    /// filled by a draw from the frequencies. When every person has been used,
    /// drawing another founder fails with [`SimError::PoolExhausted`].
    Pool(&'a [Vec<Option<IndexGenotype>>]),
}

/// One entry of an alias table: keep the entry's own index when the 32 high
/// bits of the random number fall below `threshold` (in units of 2^-32), else
/// take `alias`. An entry that always keeps itself has `alias` = its index.
#[derive(Debug, Clone, Copy)]
struct AliasEntry {
    threshold: u32,
    alias: u32,
}

/// Appends the alias table (Walker–Vose) of the weights `w`, which need not
/// sum to one; when they are all zero, a table that keeps its first index.
fn alias_table(w: &[f64], out: &mut Vec<AliasEntry>) {
    let n = w.len();
    let start = out.len();
    out.extend((0..n as u32).map(|i| AliasEntry {
        threshold: u32::MAX,
        alias: i,
    }));
    let sum: f64 = w.iter().map(|&x| x.max(0.0)).sum();
    if !(sum > 0.0 && sum.is_finite()) {
        out[start + 1..].fill(AliasEntry {
            threshold: 0,
            alias: 0,
        });
        return;
    }
    let mut scaled: Vec<f64> = w.iter().map(|&x| x.max(0.0) * n as f64 / sum).collect();
    let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| scaled[i] < 1.0);
    while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
        small.pop();
        let t = (scaled[s] * 4_294_967_296.0)
            .round()
            .min(f64::from(u32::MAX));
        out[start + s] = AliasEntry {
            threshold: t as u32,
            alias: l as u32,
        };
        scaled[l] -= 1.0 - scaled[s];
        if scaled[l] < 1.0 {
            large.pop();
            small.push(l);
        }
    }
    // Whatever is left has weight one up to rounding: it keeps itself.
}

/// Draws from the alias table `t` with one random number: the low 32 bits
/// pick an entry, the high 32 bits decide between it and its alias.
#[inline(always)]
fn alias_draw(t: &[AliasEntry], r: u64) -> usize {
    let i = (((r & 0xFFFF_FFFF) * t.len() as u64) >> 32) as usize;
    let e = t[i];
    if ((r >> 32) as u32) < e.threshold {
        i
    } else {
        e.alias as usize
    }
}

/// The mutation tables of one parent sex at one marker.
#[derive(Debug, Clone, Default)]
struct Mutation {
    /// Per allele, the chance in units of 2^-32 that it passes unchanged
    /// (2^32: always).
    stay: Vec<u64>,
    /// Per allele, the alias table of what it becomes when it mutates (its
    /// matrix row without the diagonal), `n` entries each, row after row.
    rows: Vec<AliasEntry>,
}

impl Mutation {
    fn new(model: &MarkerModel, sex: ParentSex) -> Mutation {
        let Some(m) = model.matrix(sex) else {
            return Mutation::default();
        };
        let n = model.len();
        let mut t = Mutation {
            stay: Vec::with_capacity(n),
            rows: Vec::with_capacity(n * n),
        };
        let mut row = vec![0.0; n];
        for from in 0..n {
            row.copy_from_slice(m.row(from));
            let total: f64 = row.iter().map(|&x| x.max(0.0)).sum();
            let stay = row[from].max(0.0) / total;
            row[from] = 0.0;
            let moves = row.iter().any(|&x| x > 0.0);
            t.stay.push(if moves {
                (stay * 4_294_967_296.0).round().min(4_294_967_296.0) as u64
            } else {
                1 << 32
            });
            alias_table(&row, &mut t.rows);
        }
        t
    }

    /// The allele `a` becomes; `r32` (32 random bits) decides whether it mutates.
    #[inline(always)]
    fn transmit<R: Rng + ?Sized>(&self, n: usize, a: usize, r32: u64, rng: &mut R) -> usize {
        if self.stay.is_empty() || r32 < self.stay[a] {
            a
        } else {
            alias_draw(&self.rows[a * n..(a + 1) * n], rng.next_u64())
        }
    }
}

/// The precomputed tables of one marker.
#[derive(Debug, Clone)]
struct MarkerTables {
    /// Number of alleles.
    n: usize,
    /// Alias table of the allele frequencies.
    founder: Vec<AliasEntry>,
    /// Fathers' mutations (empty: alleles pass unchanged).
    male: Mutation,
    /// Mothers' mutations.
    female: Mutation,
    /// Whether either parent sex mutates.
    mutates: bool,
}

impl MarkerTables {
    fn new(model: &MarkerModel) -> MarkerTables {
        let n = model.len();
        let mut founder = Vec::with_capacity(n);
        alias_table(model.frequencies().frequencies(), &mut founder);
        let male = Mutation::new(model, ParentSex::Male);
        let female = Mutation::new(model, ParentSex::Female);
        let mutates = !male.stay.is_empty() || !female.stay.is_empty();
        MarkerTables {
            n,
            founder,
            male,
            female,
            mutates,
        }
    }

    #[inline(always)]
    fn allele<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        alias_draw(&self.founder, rng.next_u64())
    }

    #[inline(always)]
    fn genotype<R: Rng + ?Sized>(&self, rng: &mut R) -> IndexGenotype {
        ordered(self.allele(rng), self.allele(rng))
    }

    /// The child's genotype from the father's allele `pa` and the mother's
    /// `ma`, each mutated by its parent's matrix.
    #[inline(always)]
    fn transmit_pair<R: Rng + ?Sized>(&self, pa: usize, ma: usize, rng: &mut R) -> IndexGenotype {
        if !self.mutates {
            return ordered(pa, ma);
        }
        // One random number decides whether either allele mutates.
        let r = rng.next_u64();
        let pa = self.male.transmit(self.n, pa, r & 0xFFFF_FFFF, rng);
        let ma = self.female.transmit(self.n, ma, r >> 32, rng);
        ordered(pa, ma)
    }
}

/// A genotype with the smaller allele index first.
#[inline(always)]
fn ordered(a: usize, b: usize) -> IndexGenotype {
    if a <= b { (a, b) } else { (b, a) }
}

/// The tables of all markers, shared by every draw.
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    markers: Vec<MarkerTables>,
}

/// The order in which a pedigree is simulated: its founders, then its children
/// (with their parents) in topological order.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    persons: usize,
    founders: Vec<usize>,
    /// `(child, father, mother)`, parents before children.
    children: Vec<(usize, usize, usize)>,
}

impl Plan {
    /// Founders in the order of the pedigree, then the children: repeated
    /// passes over the pedigree, each taking, in order, every child whose
    /// parents are done.
    pub(crate) fn new(ped: &Pedigree) -> Plan {
        let n = ped.len();
        let founders: Vec<usize> = (0..n).filter(|&i| ped.is_founder(i)).collect();
        let mut done: Vec<bool> = (0..n).map(|i| ped.is_founder(i)).collect();
        let mut children = Vec::with_capacity(n - founders.len());
        while children.len() + founders.len() < n {
            let before = children.len();
            for i in 0..n {
                if let Some((f, m)) = ped.parents(i)
                    && !done[i]
                    && done[f]
                    && done[m]
                {
                    children.push((i, f, m));
                    done[i] = true;
                }
            }
            assert!(children.len() > before, "a checked pedigree has no cycles");
        }
        Plan {
            persons: n,
            founders,
            children,
        }
    }
}

impl Tables {
    pub(crate) fn new(models: &[MarkerModel]) -> Tables {
        Tables {
            markers: models.iter().map(MarkerTables::new).collect(),
        }
    }

    /// Number of markers.
    pub(crate) fn len(&self) -> usize {
        self.markers.len()
    }

    fn founder<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<IndexGenotype> {
        self.markers.iter().map(|m| m.genotype(rng)).collect()
    }

    /// The child's genotype at marker `j` from the parents' genotypes `f` and
    /// `m`; `bits` (two used) pick the alleles passed on.
    #[inline(always)]
    fn pass<R: Rng + ?Sized>(
        &self,
        j: usize,
        bits: u64,
        f: IndexGenotype,
        m: IndexGenotype,
        rng: &mut R,
    ) -> IndexGenotype {
        let pa = if bits & 1 == 0 { f.0 } else { f.1 };
        let ma = if bits & 2 == 0 { m.0 } else { m.1 };
        self.markers[j].transmit_pair(pa, ma, rng)
    }

    fn child<R: Rng + ?Sized>(
        &self,
        father: &[IndexGenotype],
        mother: &[IndexGenotype],
        rng: &mut R,
    ) -> Vec<IndexGenotype> {
        let k = self.markers.len();
        assert!(
            father.len() == k && mother.len() == k,
            "one genotype per marker for each parent"
        );
        let mut out = Vec::with_capacity(k);
        let mut bits = 0u64;
        for j in 0..k {
            // Two bits per marker, 32 markers per random number.
            if j % 32 == 0 {
                bits = rng.next_u64();
            }
            out.push(self.pass(j, bits, father[j], mother[j], rng));
            bits >>= 2;
        }
        out
    }

    /// Simulates `plan` into `buf`: person `i` at `buf[i * k..(i + 1) * k]`
    /// for `k` markers. Founders come from `pool` if there is one.
    pub(crate) fn simulate<R: Rng + ?Sized>(
        &self,
        plan: &Plan,
        pool: &mut Option<Pool<'_>>,
        rng: &mut R,
        buf: &mut Vec<IndexGenotype>,
    ) -> Result<(), SimError> {
        let k = self.markers.len();
        buf.clear();
        buf.resize(plan.persons * k, (0, 0));
        for &i in &plan.founders {
            self.founder_into(pool, rng, &mut buf[i * k..(i + 1) * k])?;
        }
        for &(c, f, m) in &plan.children {
            let mut bits = 0u64;
            for j in 0..k {
                if j % 32 == 0 {
                    bits = rng.next_u64();
                }
                buf[c * k + j] = self.pass(j, bits, buf[f * k + j], buf[m * k + j], rng);
                bits >>= 2;
            }
        }
        Ok(())
    }

    /// A founder into `out` (one slot per marker): from the pool if there is
    /// one, else from the frequencies.
    fn founder_into<R: Rng + ?Sized>(
        &self,
        pool: &mut Option<Pool<'_>>,
        rng: &mut R,
        out: &mut [IndexGenotype],
    ) -> Result<(), SimError> {
        let Some(pool) = pool.as_mut() else {
            for (g, m) in out.iter_mut().zip(&self.markers) {
                *g = m.genotype(rng);
            }
            return Ok(());
        };
        let n = pool.people.len();
        if pool.used == n {
            return Err(SimError::PoolExhausted { size: n });
        }
        let j = rng.random_range(pool.used..n);
        pool.order.swap(pool.used, j);
        let person = &pool.people[pool.order[pool.used]];
        pool.used += 1;
        for ((g, slot), m) in out.iter_mut().zip(person).zip(&self.markers) {
            *g = match *slot {
                Some((a, b)) => ordered(a, b),
                None => m.genotype(rng),
            };
        }
        Ok(())
    }
}

/// The state of a pool of real founders: a partial Fisher–Yates shuffle.
#[derive(Debug, Clone)]
pub(crate) struct Pool<'a> {
    people: &'a [Vec<Option<IndexGenotype>>],
    order: Vec<usize>,
    used: usize,
}

/// Draws simulated genotypes for a list of markers.
///
/// Built once from the marker models (which precomputes an alias table per
/// marker and per mutation-matrix row), then used for any number of draws.
/// Genotypes are `Vec<IndexGenotype>`, one per marker in the order of the
/// models, each with the smaller allele index first.
#[derive(Debug, Clone)]
pub struct Sampler<'a> {
    models: &'a [MarkerModel],
    tables: Tables,
    pool: Option<Pool<'a>>,
    /// Scratch genotypes of a whole pedigree.
    buf: Vec<IndexGenotype>,
}

impl<'a> Sampler<'a> {
    /// A sampler whose founders are drawn from the allele frequencies.
    pub fn new(models: &'a [MarkerModel]) -> Sampler<'a> {
        Sampler {
            models,
            tables: Tables::new(models),
            pool: None,
            buf: Vec::new(),
        }
    }

    /// A sampler whose founders come from `founders`. A pool is checked: every
    /// person must have one slot per model and allele indices within the
    /// marker's alleles.
    pub fn with_founders(
        models: &'a [MarkerModel],
        founders: Founders<'a>,
    ) -> Result<Sampler<'a>, SimError> {
        let mut s = Sampler::new(models);
        if let Founders::Pool(people) = founders {
            for (person, g) in people.iter().enumerate() {
                if g.len() != models.len() {
                    return Err(SimError::PoolMarkers {
                        person,
                        expected: models.len(),
                        found: g.len(),
                    });
                }
                for (slot, model) in g.iter().zip(models) {
                    if let Some((a, b)) = *slot
                        && a.max(b) >= model.len()
                    {
                        return Err(SimError::PoolAllele {
                            person,
                            marker: model.name().to_string(),
                            index: a.max(b),
                            alleles: model.len(),
                        });
                    }
                }
            }
            s.pool = Some(Pool {
                people,
                order: (0..people.len()).collect(),
                used: 0,
            });
        }
        Ok(s)
    }

    /// The marker models, in the order of the genotypes.
    pub fn models(&self) -> &'a [MarkerModel] {
        self.models
    }

    /// How many persons of the pool are still unused (`None` without a pool).
    pub fn pool_remaining(&self) -> Option<usize> {
        self.pool.as_ref().map(|p| p.people.len() - p.used)
    }

    /// A founder: from the pool if the sampler has one (an unused person, at
    /// random; [`SimError::PoolExhausted`] when all have been used), else from
    /// the frequencies.
    pub fn founder<R: Rng + ?Sized>(
        &mut self,
        rng: &mut R,
    ) -> Result<Vec<IndexGenotype>, SimError> {
        let mut out = vec![(0, 0); self.tables.len()];
        self.tables.founder_into(&mut self.pool, rng, &mut out)?;
        Ok(out)
    }

    /// A person drawn from the allele frequencies (Hardy–Weinberg), whatever
    /// the founders of the sampler.
    pub fn frequency_founder<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<IndexGenotype> {
        self.tables.founder(rng)
    }

    /// A child of `father` and `mother`: at every marker each parent passes one
    /// of its two alleles with probability 1/2, which then mutates by the row of
    /// the father's (male) or mother's (female) mutation matrix.
    ///
    /// # Panics
    /// If a parent does not have one genotype per marker.
    pub fn child<R: Rng + ?Sized>(
        &self,
        father: &[IndexGenotype],
        mother: &[IndexGenotype],
        rng: &mut R,
    ) -> Vec<IndexGenotype> {
        self.tables.child(father, mother, rng)
    }

    /// Genotypes of every person of `ped` (`result[i]` for person `i`): the
    /// founders first, in the order of the pedigree, by [`Sampler::founder`],
    /// then the children in topological order.
    pub fn pedigree<R: Rng + ?Sized>(
        &mut self,
        ped: &Pedigree,
        rng: &mut R,
    ) -> Result<Vec<Vec<IndexGenotype>>, SimError> {
        let plan = Plan::new(ped);
        self.tables
            .simulate(&plan, &mut self.pool, rng, &mut self.buf)?;
        let k = self.tables.len();
        Ok(if k == 0 {
            vec![Vec::new(); ped.len()]
        } else {
            self.buf
                .chunks_exact(k)
                .map(<[IndexGenotype]>::to_vec)
                .collect()
        })
    }

    /// The parts [`crate::family`] works with.
    pub(crate) fn parts(&mut self) -> (&Tables, &mut Option<Pool<'a>>, &mut Vec<IndexGenotype>) {
        (&self.tables, &mut self.pool, &mut self.buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kinship::{Allele, MarkerFrequencies, MutationKind, MutationModel};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn alias_tables_follow_the_weights() {
        let w = [0.5, 0.2, 0.0, 0.2, 0.1];
        let mut t = Vec::new();
        alias_table(&w, &mut t);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let draws = 200_000;
        let mut counts = [0usize; 5];
        for _ in 0..draws {
            counts[alias_draw(&t, rng.next_u64())] += 1;
        }
        assert_eq!(counts[2], 0, "an allele of weight zero is never drawn");
        for (c, p) in counts.iter().zip(w) {
            let share = *c as f64 / draws as f64;
            assert!((share - p).abs() < 0.005, "share {share} for weight {p}");
        }
        // A single allele, weights that do not sum to one, all zero.
        let mut t = Vec::new();
        alias_table(&[3.0], &mut t);
        assert_eq!(alias_draw(&t, u64::MAX), 0);
        let mut t = Vec::new();
        alias_table(&[0.0, 0.0, 0.0], &mut t);
        assert!((0..1000).all(|_| alias_draw(&t, rng.next_u64()) == 0));
    }

    #[test]
    fn transmissions_mutate_at_the_rate_of_the_parent_sex() {
        let n = 8;
        let alleles = (0..n).map(|i| Allele::from_tenths(100 + 10 * i)).collect();
        let freqs =
            MarkerFrequencies::new("L", alleles, vec![1.0 / f64::from(n); n as usize]).unwrap();
        let mutation = MutationModel {
            kind: MutationKind::Equal,
            rate_male: 0.2,
            rate_female: 0.05,
            female_kind: None,
        };
        let m = MarkerTables::new(&MarkerModel::new(freqs, Some(mutation)).unwrap());
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let draws = 100_000;
        let n = n as usize;
        for (t, rate) in [(&m.male, 0.2), (&m.female, 0.05)] {
            let mut changed = 0usize;
            let mut to = vec![0usize; n];
            for k in 0..draws {
                let r32 = rng.next_u64() >> 32;
                let b = t.transmit(n, k % n, r32, &mut rng);
                if b != k % n {
                    changed += 1;
                    to[(b + n - k % n) % n] += 1;
                }
            }
            let share = changed as f64 / draws as f64;
            assert!(
                (share - rate).abs() < 0.006,
                "mutated share {share}, rate {rate}"
            );
            // Equal model: a mutation reaches every other allele alike.
            assert_eq!(to[0], 0);
            for &c in &to[1..] {
                let part = c as f64 / changed as f64;
                assert!((part - 1.0 / (n - 1) as f64).abs() < 0.03, "{to:?}");
            }
        }
    }
}

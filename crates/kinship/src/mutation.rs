//! Mutation models as Familias and pedmut define them.
//!
//! A mutation matrix `M` gives `M[i][j]`, the probability that a parent's allele
//! `i` reaches the child as allele `j`. Fathers use the male matrix, mothers the
//! female one.
//!
//! - `equal`: `M[i][i] = 1 - r`, `M[i][j] = r / (n - 1)`.
//! - `proportional`: `M[i][j] = a p_j` for `j != i`, `M[i][i] = 1 - a + a p_i`,
//!   with `a = r / sum p_i (1 - p_i)`.
//! - `stepwise`: alleles of the same microvariant group as `i` (same fractional
//!   part) get weight `range^|i - j|`, scaled to sum to `r`; alleles of other
//!   groups share `rate2` equally; the diagonal takes the rest (`1 - r - rate2`,
//!   `1 - r` when there is one group, `1 - rate2` when `i` is alone in its group).

use crate::allele::Allele;

/// The family of a mutation model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MutationKind {
    Equal,
    Proportional,
    Stepwise { range: f64, rate2: f64 },
}

impl MutationKind {
    /// The name used in case files and Familias (`equal`, `proportional`, `stepwise`).
    pub fn name(&self) -> &'static str {
        match self {
            MutationKind::Equal => "equal",
            MutationKind::Proportional => "proportional",
            MutationKind::Stepwise { .. } => "stepwise",
        }
    }
}

/// A mutation model with separate rates for fathers and mothers, and
/// optionally a different model family for mothers (Familias allows one model
/// per sex).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MutationModel {
    /// The model of fathers, and of mothers unless `female_kind` is set.
    pub kind: MutationKind,
    pub rate_male: f64,
    pub rate_female: f64,
    /// The mothers' model when it differs from `kind`.
    pub female_kind: Option<MutationKind>,
}

/// Why a mutation model cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MutationError {
    #[error("mutation rate {0} is not in [0, 1)")]
    Rate(f64),
    #[error("stepwise range {0} is not in (0, 1)")]
    Range(f64),
    #[error("stepwise rate2 {0} is not in [0, 1)")]
    Rate2(f64),
    #[error(
        "the {model} model with rate {rate} gives allele {allele} a negative probability of staying unchanged"
    )]
    NegativeDiagonal {
        model: &'static str,
        rate: f64,
        allele: Allele,
    },
}

/// Parent sex, which picks the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentSex {
    Male,
    Female,
}

impl MutationModel {
    /// The registry's default: stepwise, male 0.002, female 0.0005, range 0.1, rate2 1e-6.
    pub const DEFAULT_SEARCH: MutationModel = MutationModel {
        kind: MutationKind::Stepwise {
            range: 0.1,
            rate2: 1e-6,
        },
        rate_male: 0.002,
        rate_female: 0.0005,
        female_kind: None,
    };

    pub fn validate(&self) -> Result<(), MutationError> {
        for r in [self.rate_male, self.rate_female] {
            if !(0.0..1.0).contains(&r) {
                return Err(MutationError::Rate(r));
            }
        }
        for kind in [self.kind, self.kind_of(ParentSex::Female)] {
            if let MutationKind::Stepwise { range, rate2 } = kind {
                if !(range > 0.0 && range < 1.0) {
                    return Err(MutationError::Range(range));
                }
                if !(0.0..1.0).contains(&rate2) {
                    return Err(MutationError::Rate2(rate2));
                }
            }
        }
        Ok(())
    }

    /// The model family of fathers or mothers.
    pub fn kind_of(&self, sex: ParentSex) -> MutationKind {
        match sex {
            ParentSex::Male => self.kind,
            ParentSex::Female => self.female_kind.unwrap_or(self.kind),
        }
    }

    pub fn rate(&self, sex: ParentSex) -> f64 {
        match sex {
            ParentSex::Male => self.rate_male,
            ParentSex::Female => self.rate_female,
        }
    }

    /// Whether all alleles that no typed person carries may be merged into one
    /// without changing any likelihood (true for `equal` and `proportional`,
    /// whose matrices treat every unobserved allele alike).
    pub fn is_lumpable(&self) -> bool {
        [ParentSex::Male, ParentSex::Female]
            .iter()
            .all(|&sex| !matches!(self.kind_of(sex), MutationKind::Stepwise { .. }))
    }

    /// The matrix for one parent sex over the given alleles and frequencies.
    pub fn matrix(
        &self,
        sex: ParentSex,
        alleles: &[Allele],
        frequencies: &[f64],
    ) -> Result<MutationMatrix, MutationError> {
        self.validate()?;
        MutationMatrix::new(self.kind_of(sex), self.rate(sex), alleles, frequencies)
    }
}

/// A dense row-major `n x n` transition matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct MutationMatrix {
    n: usize,
    data: Vec<f64>,
}

impl MutationMatrix {
    pub fn identity(n: usize) -> MutationMatrix {
        let mut data = vec![0.0; n * n];
        for i in 0..n {
            data[i * n + i] = 1.0;
        }
        MutationMatrix { n, data }
    }

    /// Builds the matrix of `kind` with total rate `rate`.
    pub fn new(
        kind: MutationKind,
        rate: f64,
        alleles: &[Allele],
        frequencies: &[f64],
    ) -> Result<MutationMatrix, MutationError> {
        let n = alleles.len();
        assert_eq!(
            n,
            frequencies.len(),
            "alleles and frequencies differ in length"
        );
        if !(0.0..1.0).contains(&rate) {
            return Err(MutationError::Rate(rate));
        }
        let mut m = MutationMatrix::identity(n);
        if n < 2 {
            return Ok(m);
        }
        match kind {
            MutationKind::Equal => {
                let off = rate / (n - 1) as f64;
                for i in 0..n {
                    for j in 0..n {
                        m.data[i * n + j] = if i == j { 1.0 - rate } else { off };
                    }
                }
            }
            MutationKind::Proportional => {
                let h: f64 = frequencies.iter().map(|p| p * (1.0 - p)).sum();
                if h > 0.0 {
                    let alpha = rate / h;
                    for i in 0..n {
                        for j in 0..n {
                            m.data[i * n + j] = if i == j {
                                1.0 - alpha + alpha * frequencies[j]
                            } else {
                                alpha * frequencies[j]
                            };
                        }
                        if m.data[i * n + i] < 0.0 {
                            return Err(MutationError::NegativeDiagonal {
                                model: "proportional",
                                rate,
                                allele: alleles[i],
                            });
                        }
                    }
                }
            }
            MutationKind::Stepwise { range, rate2 } => {
                if !(range > 0.0 && range < 1.0) {
                    return Err(MutationError::Range(range));
                }
                if !(0.0..1.0).contains(&rate2) {
                    return Err(MutationError::Rate2(rate2));
                }
                for i in 0..n {
                    let ai = alleles[i];
                    let same: Vec<usize> = (0..n)
                        .filter(|&j| j != i && alleles[j].fraction() == ai.fraction())
                        .collect();
                    let other: Vec<usize> = (0..n)
                        .filter(|&j| alleles[j].fraction() != ai.fraction())
                        .collect();
                    let row = &mut m.data[i * n..(i + 1) * n];
                    row.fill(0.0);
                    let mut diag = 1.0;
                    if !same.is_empty() {
                        let weight = |j: usize| {
                            let steps = ai.repeats().abs_diff(alleles[j].repeats());
                            range.powi(steps as i32)
                        };
                        let total: f64 = same.iter().map(|&j| weight(j)).sum();
                        for &j in &same {
                            row[j] = rate * weight(j) / total;
                        }
                        diag -= rate;
                    }
                    if !other.is_empty() {
                        let each = rate2 / other.len() as f64;
                        for &j in &other {
                            row[j] = each;
                        }
                        diag -= rate2;
                    }
                    if diag < 0.0 {
                        return Err(MutationError::NegativeDiagonal {
                            model: "stepwise",
                            rate,
                            allele: ai,
                        });
                    }
                    row[i] = diag;
                }
            }
        }
        Ok(m)
    }

    pub fn n(&self) -> usize {
        self.n
    }

    #[inline]
    pub fn get(&self, from: usize, to: usize) -> f64 {
        self.data[from * self.n + to]
    }

    pub fn row(&self, from: usize) -> &[f64] {
        &self.data[from * self.n..(from + 1) * self.n]
    }

    pub fn is_identity(&self) -> bool {
        (0..self.n).all(|i| (0..self.n).all(|j| self.get(i, j) == if i == j { 1.0 } else { 0.0 }))
    }

    /// `self * other`: first this step, then the other.
    pub fn then(&self, other: &MutationMatrix) -> MutationMatrix {
        assert_eq!(self.n, other.n);
        let n = self.n;
        let mut data = vec![0.0; n * n];
        for i in 0..n {
            for k in 0..n {
                let a = self.get(i, k);
                if a == 0.0 {
                    continue;
                }
                for j in 0..n {
                    data[i * n + j] += a * other.get(k, j);
                }
            }
        }
        MutationMatrix { n, data }
    }

    /// The distribution `v * M`.
    pub fn apply(&self, v: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut out = vec![0.0; n];
        for (i, &vi) in v.iter().enumerate() {
            if vi == 0.0 {
                continue;
            }
            for j in 0..n {
                out[j] += vi * self.data[i * n + j];
            }
        }
        out
    }

    /// Merges the states in `groups` (a partition of `0..n`, given as the group
    /// index of each state) into one state per group. Exact only when the
    /// partition is lumpable (rows of one group send equal mass to each group);
    /// the first member of each group stands for it.
    pub fn lumped(&self, group_of: &[usize], groups: usize) -> MutationMatrix {
        let mut representative = vec![usize::MAX; groups];
        for (state, &g) in group_of.iter().enumerate() {
            if representative[g] == usize::MAX {
                representative[g] = state;
            }
        }
        let mut data = vec![0.0; groups * groups];
        for (gi, &rep) in representative.iter().enumerate() {
            for (j, &gj) in group_of.iter().enumerate() {
                data[gi * groups + gj] += self.get(rep, j);
            }
        }
        MutationMatrix { n: groups, data }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alleles(names: &[&str]) -> Vec<Allele> {
        names.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn stepwise_row_matches_the_documented_example() {
        let al = alleles(&["10", "11", "12", "13"]);
        let m = MutationMatrix::new(
            MutationKind::Stepwise {
                range: 0.5,
                rate2: 0.0,
            },
            0.005,
            &al,
            &[0.25; 4],
        )
        .unwrap();
        let row = m.row(0);
        assert!((row[0] - 0.995).abs() < 1e-15);
        assert!((row[1] - 0.005 * 0.5 / 0.875).abs() < 1e-15);
        assert!((row[2] - 0.005 * 0.25 / 0.875).abs() < 1e-15);
        assert!((row[3] - 0.005 * 0.125 / 0.875).abs() < 1e-15);
    }

    #[test]
    fn stepwise_microvariants_share_rate2() {
        let al = alleles(&["9", "9.3", "10", "10.3", "11"]);
        let m = MutationMatrix::new(
            MutationKind::Stepwise {
                range: 0.1,
                rate2: 1e-6,
            },
            0.002,
            &al,
            &[0.2; 5],
        )
        .unwrap();
        // 9 -> 9.3 and 9 -> 10.3 split rate2.
        assert!((m.get(0, 1) - 0.5e-6).abs() < 1e-20);
        assert!((m.get(0, 3) - 0.5e-6).abs() < 1e-20);
        assert!((m.get(0, 0) - (1.0 - 0.002 - 1e-6)).abs() < 1e-15);
        // 9.3 -> 10.3 is one step in its own group.
        assert!((m.get(1, 3) - 0.002).abs() < 1e-15);
    }

    #[test]
    fn proportional_and_equal() {
        let al = alleles(&["1", "2", "3", "4"]);
        let p = [0.1, 0.2, 0.3, 0.4];
        let m = MutationMatrix::new(MutationKind::Proportional, 0.005, &al, &p).unwrap();
        let alpha = 0.005 / p.iter().map(|x| x * (1.0 - x)).sum::<f64>();
        assert!((m.get(0, 1) - alpha * 0.2).abs() < 1e-15);
        let e = MutationMatrix::new(MutationKind::Equal, 0.006, &al, &p).unwrap();
        assert!((e.get(2, 0) - 0.002).abs() < 1e-15);
    }
}

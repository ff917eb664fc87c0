//! The markers of an index: their models and the tables the kernels read.

use kinship::{Genotype, MarkerModel, ParentSex};

use crate::SearchError;

/// The code of an untyped marker in a profile.
pub const MISSING: u8 = 0xFF;
/// Most alleles a marker may have (codes are bytes; 0xFF means untyped).
pub const MAX_ALLELES: usize = 250;
/// Most markers an index may have (masks are 64-bit).
pub const MAX_MARKERS: usize = 64;

/// A profile encoded for the index: per marker two allele codes (smaller
/// first), `[MISSING, MISSING]` where untyped.
pub type Profile = Vec<[u8; 2]>;

/// The genotype code of an untyped person in the index's columns.
pub(crate) const UNTYPED: u8 = 0xFF;
/// The genotype code of a genotype outside a marker's codebook: its alleles
/// are kept with the case.
pub(crate) const ESCAPED: u8 = 0xFE;

/// A marker's genotypes as one byte each in the index's columns: the 254
/// commonest genotypes (every genotype of a marker of up to 21 alleles).
#[derive(Debug, Clone)]
pub(crate) struct Codebook {
    /// Code -> alleles (smaller first).
    pub pairs: Vec<[u8; 2]>,
    /// Alleles `x * n + y` (x <= y) -> code, or `ESCAPED`.
    code: Vec<u8>,
    n: usize,
}

impl Codebook {
    fn new(t: &Tables) -> Codebook {
        let n = t.n;
        let mut genotypes: Vec<[u8; 2]> = (0..n)
            .flat_map(|a| (a..n).map(move |b| [a as u8, b as u8]))
            .collect();
        genotypes.sort_by(|x, y| {
            t.p_genotype(y[0], y[1])
                .total_cmp(&t.p_genotype(x[0], x[1]))
                .then(x.cmp(y))
        });
        genotypes.truncate(usize::from(ESCAPED));
        let mut code = vec![ESCAPED; n * n];
        for (c, g) in genotypes.iter().enumerate() {
            code[usize::from(g[0]) * n + usize::from(g[1])] = c as u8;
        }
        Codebook {
            pairs: genotypes,
            code,
            n,
        }
    }

    /// The code of alleles `[x, y]` (any order; `MISSING` gives `UNTYPED`).
    #[inline]
    pub fn code(&self, [x, y]: [u8; 2]) -> u8 {
        if x == MISSING {
            return UNTYPED;
        }
        let (x, y) = (x.min(y), x.max(y));
        self.code[usize::from(x) * self.n + usize::from(y)]
    }
}

/// Dense tables of one marker, for one set of mutation matrices.
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    pub n: usize,
    pub p: Vec<f64>,
    /// Transition matrices, row-major: `[male, female]`.
    pub m: [Vec<f64>; 2],
    /// `p * M`: what an untyped founder parent of each sex transmits.
    pub u: [Vec<f64>; 2],
    /// `M_gp * M_parent`: `two[gp_sex][parent_sex]`, grandparent to grandchild.
    pub two: [[Vec<f64>; 2]; 2],
    /// `p * M_gp * M_parent`.
    pub u2: [[Vec<f64>; 2]; 2],
}

impl Tables {
    fn new(model: &MarkerModel) -> Tables {
        let n = model.len();
        let p = model.frequencies().frequencies().to_vec();
        let dense = |sex| {
            let mut d = vec![0.0; n * n];
            for i in 0..n {
                for j in 0..n {
                    d[i * n + j] = model.transition(sex, i, j);
                }
            }
            d
        };
        let m = [dense(ParentSex::Male), dense(ParentSex::Female)];
        let times = |a: &[f64], b: &[f64]| {
            let mut c = vec![0.0; n * n];
            for i in 0..n {
                for k in 0..n {
                    let x = a[i * n + k];
                    if x != 0.0 {
                        for j in 0..n {
                            c[i * n + j] += x * b[k * n + j];
                        }
                    }
                }
            }
            c
        };
        let apply = |v: &[f64], a: &[f64]| {
            let mut out = vec![0.0; n];
            for i in 0..n {
                for j in 0..n {
                    out[j] += v[i] * a[i * n + j];
                }
            }
            out
        };
        let u = [apply(&p, &m[0]), apply(&p, &m[1])];
        let two = [
            [times(&m[0], &m[0]), times(&m[0], &m[1])],
            [times(&m[1], &m[0]), times(&m[1], &m[1])],
        ];
        let u2 = [
            [apply(&u[0], &m[0]), apply(&u[0], &m[1])],
            [apply(&u[1], &m[0]), apply(&u[1], &m[1])],
        ];
        Tables {
            n,
            p,
            m,
            u,
            two,
            u2,
        }
    }

    #[inline]
    pub fn m(&self, sex: usize, from: u8, to: u8) -> f64 {
        self.m[sex][from as usize * self.n + to as usize]
    }

    /// P(genotype) in the population.
    #[inline]
    pub fn p_genotype(&self, a: u8, b: u8) -> f64 {
        let (pa, pb) = (self.p[a as usize], self.p[b as usize]);
        if a == b { pa * pb } else { 2.0 * pa * pb }
    }
}

/// The markers of an index, with and without mutation.
#[derive(Debug, Clone)]
pub struct Models {
    markers: Vec<MarkerModel>,
    plain: Vec<MarkerModel>,
    pub(crate) tables: Vec<Tables>,
    pub(crate) plain_tables: Vec<Tables>,
    pub(crate) books: std::sync::Arc<[Codebook]>,
}

impl Models {
    /// The index's markers. At most [`MAX_MARKERS`] markers of at most
    /// [`MAX_ALLELES`] alleles each.
    pub fn new(markers: Vec<MarkerModel>) -> Result<Models, SearchError> {
        if markers.len() > MAX_MARKERS {
            return Err(SearchError::TooManyMarkers(markers.len()));
        }
        for m in &markers {
            if m.len() > MAX_ALLELES {
                return Err(SearchError::TooManyAlleles {
                    marker: m.name().to_string(),
                    alleles: m.len(),
                });
            }
        }
        let plain: Vec<MarkerModel> = markers
            .iter()
            .map(|m| {
                MarkerModel::new(m.frequencies().clone(), None)
                    .expect("no mutation model is always valid")
            })
            .collect();
        let tables: Vec<Tables> = markers.iter().map(Tables::new).collect();
        let plain_tables = plain.iter().map(Tables::new).collect();
        let books = tables.iter().map(Codebook::new).collect();
        Ok(Models {
            markers,
            plain,
            tables,
            plain_tables,
            books,
        })
    }

    pub fn markers(&self) -> &[MarkerModel] {
        &self.markers
    }

    pub(crate) fn plain(&self) -> &[MarkerModel] {
        &self.plain
    }

    pub fn len(&self) -> usize {
        self.markers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.markers.is_empty()
    }

    pub fn marker_index(&self, name: &str) -> Option<usize> {
        self.markers.iter().position(|m| m.name() == name)
    }

    /// Encodes genotypes given per marker of the index (`None` = untyped).
    pub fn encode(&self, genotypes: &[Option<Genotype>]) -> Result<Profile, SearchError> {
        assert_eq!(genotypes.len(), self.len(), "one slot per marker");
        genotypes
            .iter()
            .zip(&self.markers)
            .map(|(g, model)| match g {
                None => Ok([MISSING, MISSING]),
                Some(g) => {
                    let code = |a| {
                        model
                            .frequencies()
                            .index_of(a)
                            .map(|i| i as u8)
                            .ok_or_else(|| SearchError::UnknownAllele {
                                marker: model.name().to_string(),
                                allele: a.to_string(),
                            })
                    };
                    Ok([code(g.first())?, code(g.second())?])
                }
            })
            .collect()
    }

    /// Encodes genotypes given by marker name; markers the index lacks are
    /// returned by name (they cannot be compared).
    pub fn encode_named<'a>(
        &self,
        genotypes: impl IntoIterator<Item = (&'a str, Genotype)>,
    ) -> Result<(Profile, Vec<String>), SearchError> {
        let mut slots = vec![None; self.len()];
        let mut skipped = Vec::new();
        for (name, g) in genotypes {
            match self.marker_index(name) {
                Some(m) => slots[m] = Some(g),
                None => skipped.push(name.to_string()),
            }
        }
        Ok((self.encode(&slots)?, skipped))
    }

    /// Back from codes to genotypes.
    pub fn decode(&self, profile: &[[u8; 2]]) -> Vec<Option<Genotype>> {
        profile
            .iter()
            .zip(&self.markers)
            .map(|(&[a, b], m)| {
                (a != MISSING).then(|| {
                    let al = m.frequencies().alleles();
                    Genotype::new(al[a as usize], al[b as usize])
                })
            })
            .collect()
    }
}

/// The typed markers of a profile as a bit mask.
pub fn typed_mask(profile: &[[u8; 2]]) -> u64 {
    profile
        .iter()
        .enumerate()
        .filter(|(_, g)| g[0] != MISSING)
        .fold(0u64, |m, (i, _)| m | (1 << i))
}

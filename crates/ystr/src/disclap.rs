//! The discrete Laplace mixture (Andersen, Eriksen and Morling 2013) as the
//! R package disclapmix (1.7.4) fits it:
//!
//! P(h) = Σ_c τ_c Π_l (1 − p_cl)/(1 + p_cl) · p_cl^|h_l − y_cl|,
//! log p_cl = θ_c + θ_l.
//!
//! `disclapmix(x, clusters = K)`: centres started at PAM medoids (the
//! per-locus median, rounded, for one cluster); EM whose M-step fits the
//! two-way GLM (response |x_il − y_cl|, weights v_ic, canonical link
//! log p) by IRLS from θ_l = 0.5, θ_c = −1 until the coefficient corrections
//! settle (1e-6, at most 50 steps), and whose E-step updates v and τ; EM
//! stops when max|v_new − v| / max v < 0.001 (at most 100 steps); then each
//! centre moves to the v-weighted median of each locus (the smallest
//! minimiser of Σ_i v_ic |x_il − y|) and EM runs again, until the centres
//! stay (or two would coincide). BIC = ln(N·L)·k − 2·logL with
//! k = K·L + (L + K − 1) + (K − 1). `disclapmix_adaptive`: K = 1..5, then
//! one more K until the best BIC is at least `margin` K below the last.
//!
//! Two things are done more carefully than in disclapmix, neither changes
//! a result beyond rounding: the E-step and the likelihood are computed in
//! logarithms (so a man far from every centre does not underflow to 0/0),
//! and the IRLS step solves the GLM's singular information matrix through
//! its pseudo-inverse directly (disclapmix builds the same pseudo-inverse
//! from an SVD).

/// A fitted mixture: what predicts.
#[derive(Debug, Clone, PartialEq)]
pub struct Mixture {
    /// K × L centre haplotypes.
    pub centres: Vec<Vec<i32>>,
    /// K × L dispersions p_cl in (0, 1).
    pub dispersion: Vec<Vec<f64>>,
    /// The K cluster weights τ_c.
    pub weights: Vec<f64>,
}

/// A fit and its diagnostics.
#[derive(Debug, Clone)]
pub struct Fit {
    pub mixture: Mixture,
    /// The marginal log-likelihood Σ_i ln P(x_i).
    pub log_likelihood: f64,
    /// The marginal BIC.
    pub bic: f64,
    /// EM iterations in all.
    pub iterations: usize,
    /// EM reached its criterion (always for one cluster).
    pub converged: bool,
}

/// Why a fit cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    #[error("a fit needs at least two men and one locus (got {men} men, {loci} loci)")]
    TooFew { men: usize, loci: usize },
    #[error("{clusters} clusters for {men} men: the number of clusters must be from 1 to {}", men - 1)]
    Clusters { clusters: usize, men: usize },
    #[error("the men's haplotypes have different lengths")]
    Ragged,
    #[error("the EM for {clusters} clusters failed: {reason}")]
    Failed { clusters: usize, reason: String },
}

/// The number of free parameters.
pub fn parameters(clusters: usize, loci: usize) -> usize {
    clusters * loci + (loci + clusters - 1) + (clusters - 1)
}

/// disclapmix's marginal BIC.
pub fn bic(log_likelihood: f64, men: usize, loci: usize, clusters: usize) -> f64 {
    ((men * loci) as f64).ln() * parameters(clusters, loci) as f64 - 2.0 * log_likelihood
}

fn log_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

impl Mixture {
    pub fn clusters(&self) -> usize {
        self.weights.len()
    }

    /// ln of each cluster's τ_c · Π_l P(h_l | c); loci with `None` summed
    /// out (the model's per-locus factors each sum to one).
    fn log_components(&self, h: &[Option<i32>]) -> Vec<f64> {
        (0..self.clusters())
            .map(|c| {
                let mut s = self.weights[c].ln();
                for (l, x) in h.iter().enumerate() {
                    if let Some(x) = x {
                        let p = self.dispersion[c][l];
                        let d = (x - self.centres[c][l]).abs() as f64;
                        s += ((1.0 - p) / (1.0 + p)).ln() + d * p.ln();
                    }
                }
                s
            })
            .collect()
    }

    /// P(h), `None` loci left out (marginalised, as disclapmix's
    /// `predict(..., marginalise = TRUE)`).
    pub fn probability(&self, h: &[Option<i32>]) -> f64 {
        log_sum_exp(&self.log_components(h)).exp()
    }

    /// Σ_i ln P(x_i).
    pub fn log_likelihood(&self, rows: &[Vec<i32>]) -> f64 {
        rows.iter()
            .map(|r| {
                let h: Vec<Option<i32>> = r.iter().map(|x| Some(*x)).collect();
                log_sum_exp(&self.log_components(&h))
            })
            .sum()
    }
}

/// Σ in double-double, rounded once: R's `sum` adds in extended precision,
/// and the weighted medians compare such sums.
fn accurate_sum(values: impl Iterator<Item = f64>) -> f64 {
    let (mut s, mut c) = (0.0f64, 0.0f64);
    for v in values {
        let t = s + v;
        if s.abs() >= v.abs() {
            c += (s - t) + v;
        } else {
            c += (v - t) + s;
        }
        s = t;
    }
    s + c
}

struct Data<'a> {
    x: &'a [Vec<i32>],
    n: usize,
    l: usize,
}

/// The M-step: IRLS for log p_cl = θ_l + θ_c, as disclapmix's
/// `INTERNAL_glmfit` with `stop_by_deviance = FALSE`.
fn m_step(
    data: &Data,
    y: &[Vec<i32>],
    v: &[Vec<f64>],
    tau: &[f64],
) -> Result<Vec<Vec<f64>>, String> {
    let (n, l, k) = (data.n, data.l, y.len());
    // Weighted sums of the responses |x - y|.
    let mut r = vec![vec![0.0f64; k]; l];
    for (i, row) in data.x.iter().enumerate() {
        for c in 0..k {
            let w = v[i][c];
            for j in 0..l {
                r[j][c] += w * (row[j] - y[c][j]).abs() as f64;
            }
        }
    }
    let rk: Vec<f64> = r.iter().map(|row| row.iter().sum()).collect();
    let sj: Vec<f64> = (0..k).map(|c| (0..l).map(|j| r[j][c]).sum()).collect();
    let m = l + k;
    let mut beta: Vec<f64> = std::iter::repeat_n(0.5, l)
        .chain(std::iter::repeat_n(-1.0, k))
        .collect();
    let mut corr = beta.clone();
    let mut corr_old = beta.clone();
    let nc: Vec<f64> = tau.iter().map(|t| t * n as f64).collect();
    for iter in 1..=50 {
        if iter > 1 {
            let change = corr
                .iter()
                .zip(&corr_old)
                .map(|(a, b)| (a - b).abs() / (0.1 + a.abs()))
                .fold(0.0, f64::max);
            if change < 1e-6 {
                break;
            }
            corr_old.clone_from(&corr);
        }
        let mut off = vec![vec![0.0f64; k]; l];
        let mut y1 = rk.clone();
        let mut y2 = sj.clone();
        for j in 0..l {
            for c in 0..k {
                let e = (beta[j] + beta[l + c]).exp();
                let mu = (2.0 * e / (1.0 - e * e)).max(f64::EPSILON);
                let var = mu * (1.0 + mu * mu).sqrt();
                off[j][c] = nc[c] * var;
                y1[j] -= nc[c] * mu;
                y2[c] -= nc[c] * mu;
            }
        }
        let d1: Vec<f64> = off.iter().map(|row| row.iter().sum()).collect();
        let d2: Vec<f64> = (0..k).map(|c| (0..l).map(|j| off[j][c]).sum()).collect();
        let sd: Vec<f64> = d1.iter().chain(&d2).map(|d| d.sqrt()).collect();
        if sd.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return Err("the GLM's information matrix has an empty row (an empty cluster?)".into());
        }
        // Scaled information [[I, H], [H', I]] plus n n', n its null vector
        // (√D1, −√D2)/‖·‖: on the gradient (orthogonal to n) its inverse is
        // the pseudo-inverse disclapmix uses.
        let norm: f64 = sd.iter().map(|s| s * s).sum::<f64>().sqrt();
        let nv: Vec<f64> = (0..m)
            .map(|a| if a < l { sd[a] / norm } else { -sd[a] / norm })
            .collect();
        let mut a = vec![0.0f64; m * m];
        for p in 0..m {
            for q in 0..m {
                let mut v = nv[p] * nv[q];
                if p == q {
                    v += 1.0;
                } else if p < l && q >= l {
                    v += off[p][q - l] / (sd[p] * sd[q]);
                } else if p >= l && q < l {
                    v += off[q][p - l] / (sd[p] * sd[q]);
                }
                a[p * m + q] = v;
            }
        }
        let g: Vec<f64> = y1.iter().chain(&y2).zip(&sd).map(|(g, s)| g / s).collect();
        let z = cholesky_solve(&mut a, m, g)
            .ok_or("the GLM's information matrix is not positive definite")?;
        for a in 0..m {
            corr[a] = z[a] / sd[a];
            beta[a] += corr[a];
        }
    }
    let p: Vec<Vec<f64>> = (0..k)
        .map(|c| (0..l).map(|j| (beta[j] + beta[l + c]).exp()).collect())
        .collect();
    // An M-step may give a p of 1 or more (the GLM does not bound it);
    // disclapmix carries on with it, and EM usually brings it back.
    if p.iter().flatten().any(|p| !(p.is_finite() && *p > 0.0)) {
        return Err("a dispersion is not a positive number".into());
    }
    Ok(p)
}

/// Solves a x = b for a symmetric positive definite `a` (m × m, overwritten).
fn cholesky_solve(a: &mut [f64], m: usize, mut b: Vec<f64>) -> Option<Vec<f64>> {
    for j in 0..m {
        let mut s = a[j * m + j];
        for q in 0..j {
            s -= a[j * m + q] * a[j * m + q];
        }
        if s.is_nan() || s <= 0.0 {
            return None;
        }
        let d = s.sqrt();
        a[j * m + j] = d;
        for i in j + 1..m {
            let mut s = a[i * m + j];
            for q in 0..j {
                s -= a[i * m + q] * a[j * m + q];
            }
            a[i * m + j] = s / d;
        }
    }
    for i in 0..m {
        let mut s = b[i];
        for q in 0..i {
            s -= a[i * m + q] * b[q];
        }
        b[i] = s / a[i * m + i];
    }
    for i in (0..m).rev() {
        let mut s = b[i];
        for q in i + 1..m {
            s -= a[q * m + i] * b[q];
        }
        b[i] = s / a[i * m + i];
    }
    Some(b)
}

/// The E-step: each man's posterior probability of each cluster, as
/// disclapmix computes it (products, which also take a p of 1 or more
/// that an M-step gave); in logarithms for a man whose products all
/// underflow.
fn e_step(data: &Data, mixture: &Mixture) -> Vec<Vec<f64>> {
    let k = mixture.clusters();
    data.x
        .iter()
        .map(|row| {
            let w: Vec<f64> = (0..k)
                .map(|c| {
                    let mut prod = mixture.weights[c];
                    for (j, x) in row.iter().enumerate() {
                        let p = mixture.dispersion[c][j];
                        prod *= p.powi((x - mixture.centres[c][j]).abs()) * ((1.0 - p) / (1.0 + p));
                    }
                    prod
                })
                .collect();
            let sum: f64 = w.iter().sum();
            if sum != 0.0 && sum.is_finite() {
                return w.iter().map(|x| x / sum).collect();
            }
            let h: Vec<Option<i32>> = row.iter().map(|x| Some(*x)).collect();
            let lw = mixture.log_components(&h);
            let total = log_sum_exp(&lw);
            lw.iter().map(|w| (w - total).exp()).collect()
        })
        .collect()
}

/// disclapmix's `move_centers`: per cluster and locus, the first value in
/// the locus's range that minimises Σ_i v_ic |x_il − y|.
fn move_centres(data: &Data, y: &[Vec<i32>], v: &[Vec<f64>]) -> Vec<Vec<i32>> {
    let ranges: Vec<(i32, i32)> = (0..data.l)
        .map(|j| {
            let col = data.x.iter().map(|r| r[j]);
            (col.clone().min().unwrap(), col.max().unwrap())
        })
        .collect();
    (0..y.len())
        .map(|c| {
            (0..data.l)
                .map(|j| {
                    let mut best = (f64::INFINITY, ranges[j].0);
                    for cand in ranges[j].0..=ranges[j].1 {
                        let cost = accurate_sum(
                            data.x
                                .iter()
                                .zip(v)
                                .map(|(r, vi)| vi[c] * (r[j] - cand).abs() as f64),
                        );
                        if cost < best.0 {
                            best = (cost, cand);
                        }
                    }
                    best.1
                })
                .collect()
        })
        .collect()
}

/// `disclapmix(x, clusters)` with its defaults.
pub fn fit(x: &[Vec<i32>], clusters: usize) -> Result<Fit, FitError> {
    let n = x.len();
    let l = x.first().map_or(0, Vec::len);
    if n < 2 || l == 0 {
        return Err(FitError::TooFew { men: n, loci: l });
    }
    if x.iter().any(|r| r.len() != l) {
        return Err(FitError::Ragged);
    }
    if clusters == 0 || clusters >= n {
        return Err(FitError::Clusters { clusters, men: n });
    }
    let data = Data { x, n, l };
    let k = clusters;
    let failed = |reason: String| FitError::Failed {
        clusters: k,
        reason,
    };
    let mut y: Vec<Vec<i32>> = if k == 1 {
        // R: round(apply(x, 2, median)), halves to even.
        vec![
            (0..l)
                .map(|j| {
                    let mut col: Vec<i32> = x.iter().map(|r| r[j]).collect();
                    col.sort();
                    let m = if n % 2 == 1 {
                        col[n / 2] as f64
                    } else {
                        (col[n / 2 - 1] as f64 + col[n / 2] as f64) / 2.0
                    };
                    m.round_ties_even() as i32
                })
                .collect(),
        ]
    } else {
        crate::pam::pam(x, k)
            .into_iter()
            .map(|i| x[i].clone())
            .collect()
    };
    let mut v = vec![vec![1.0 / k as f64; k]; n];
    let mut tau = vec![1.0 / k as f64; k];
    let mut p = Vec::new();
    let mut converged = k == 1;
    let max_iterations = if k == 1 { 1 } else { 100 };
    let mut iterations = 0;
    let mut rounds = 0;
    loop {
        let mut last_v_max = 0.0f64;
        for _ in 0..max_iterations {
            iterations += 1;
            p = m_step(&data, &y, &v, &tau).map_err(failed)?;
            let mixture = Mixture {
                centres: y.clone(),
                dispersion: p.clone(),
                weights: tau.clone(),
            };
            let new_v = e_step(&data, &mixture);
            if new_v.iter().flatten().any(|x| !x.is_finite()) {
                return Err(failed(
                    "a man's cluster probabilities are not numbers".into(),
                ));
            }
            let new_tau: Vec<f64> = (0..k)
                .map(|c| accurate_sum(new_v.iter().map(|r| r[c])) / n as f64)
                .collect();
            let diff = v
                .iter()
                .flatten()
                .zip(new_v.iter().flatten())
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            let gain = diff / last_v_max;
            v = new_v;
            tau = new_tau;
            if !gain.is_nan() && gain < 0.001 {
                converged = true;
                break;
            }
            last_v_max = v.iter().flatten().map(|x| x.abs()).fold(0.0, f64::max);
            if converged {
                break;
            }
        }
        let new_y = move_centres(&data, &y, &v);
        if new_y == y {
            break;
        }
        let duplicated = (0..k).any(|a| (0..a).any(|b| new_y[a] == new_y[b]));
        if duplicated {
            break;
        }
        rounds += 1;
        if rounds > 100 {
            converged = false;
            break;
        }
        converged = false;
        y = new_y;
    }
    if p.iter().flatten().any(|p| !(*p > 0.0 && *p < 1.0)) {
        return Err(failed("EM ended with a dispersion outside (0, 1)".into()));
    }
    let mixture = Mixture {
        centres: y,
        dispersion: p,
        weights: tau,
    };
    let log_likelihood = mixture.log_likelihood(x);
    if !log_likelihood.is_finite() {
        return Err(failed("the log-likelihood is not a number".into()));
    }
    Ok(Fit {
        bic: bic(log_likelihood, n, l, k),
        mixture,
        log_likelihood,
        iterations,
        converged,
    })
}

/// The fits of `disclapmix_adaptive(x, margin)` and the one chosen.
#[derive(Debug, Clone)]
pub struct Adaptive {
    /// Fits for K = 1, 2, ... in order.
    pub fits: Vec<Fit>,
    /// The index in `fits` of the smallest BIC (the first of equals).
    pub chosen: usize,
}

impl Adaptive {
    pub fn best(&self) -> &Fit {
        &self.fits[self.chosen]
    }
}

/// The index of the smallest of `bics` (the first of equals), and whether
/// it lies `margin` or more before the last.
pub fn choose(bics: &[f64], margin: usize) -> (usize, bool) {
    let mut best = 0;
    for (i, b) in bics.iter().enumerate() {
        if *b < bics[best] {
            best = i;
        }
    }
    (best, best + margin < bics.len())
}

/// `disclapmix_adaptive(x, margin = margin)` (criterion: the marginal BIC):
/// K = 1..5, then K + 1 while the best K is within `margin` of the last
/// (or until K = men − 1). `progress` hears of each fit.
pub fn fit_adaptive(
    x: &[Vec<i32>],
    margin: usize,
    mut progress: impl FnMut(&Fit),
) -> Result<Adaptive, FitError> {
    let max_k = x.len().saturating_sub(1);
    let mut fits = Vec::new();
    for k in 1..=5.min(max_k) {
        fits.push(fit(x, k)?);
        progress(fits.last().unwrap());
    }
    loop {
        let bics: Vec<f64> = fits.iter().map(|f| f.bic).collect();
        let (best, settled) = choose(&bics, margin);
        if settled || fits.len() >= max_k {
            return Ok(Adaptive { fits, chosen: best });
        }
        fits.push(fit(x, fits.len() + 1)?);
        progress(fits.last().unwrap());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adaptive_rule_stops_five_after_the_best() {
        // BIC falling to K = 3 (index 2), then rising: K = 1..8 fitted.
        let bics = [10.0, 9.0, 8.0, 8.5, 9.0, 9.5, 9.7, 9.9];
        assert_eq!(choose(&bics[..7], 5), (2, false));
        assert_eq!(choose(&bics, 5), (2, true));
        // The first of equal minima.
        assert_eq!(choose(&[3.0, 2.0, 2.0], 1), (1, true));
    }

    #[test]
    fn one_cluster_is_the_closed_form() {
        let x: Vec<Vec<i32>> = [[14, 11], [15, 11], [14, 13], [16, 12], [13, 11], [14, 11]]
            .iter()
            .map(|r| r.to_vec())
            .collect();
        let f = fit(&x, 1).unwrap();
        // Lower medians 14 and 11; mean absolute deviations 4/6 and 3/6.
        assert_eq!(f.mixture.centres, vec![vec![14, 11]]);
        for (got, m) in f.mixture.dispersion[0].iter().zip([4.0 / 6.0, 3.0 / 6.0]) {
            let p: f64 = ((1.0f64 + m * m).sqrt() - 1.0) / m;
            assert!((got - p).abs() < 1e-12 * p, "{got} vs {p}");
        }
        assert_eq!(f.mixture.weights, vec![1.0]);
    }

    #[test]
    fn marginalised_loci_sum_out() {
        let m = Mixture {
            centres: vec![vec![14, 11], vec![16, 12]],
            dispersion: vec![vec![0.3, 0.2], vec![0.4, 0.1]],
            weights: vec![0.6, 0.4],
        };
        let summed: f64 = (-200..200)
            .map(|a| m.probability(&[Some(a), Some(12)]))
            .sum();
        let marginal = m.probability(&[None, Some(12)]);
        assert!((summed - marginal).abs() < 1e-12 * marginal);
        // The closed form at one haplotype.
        let dl = |p: f64, d: i32| (1.0 - p) / (1.0 + p) * p.powi(d);
        let want = 0.6 * dl(0.3, 1) * dl(0.2, 1) + 0.4 * dl(0.4, 1) * dl(0.1, 0);
        let got = m.probability(&[Some(15), Some(12)]);
        assert!((got - want).abs() < 1e-14 * want);
    }
}

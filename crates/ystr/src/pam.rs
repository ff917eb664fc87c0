//! PAM (partitioning around medoids, Kaufman and Rousseeuw) with the
//! Manhattan distance, as R's `cluster::pam(x, k, metric = "manhattan")`
//! does it with its default, original algorithm: BUILD, then SWAP until no
//! swap lowers the total distance, ties resolved as its C code resolves
//! them, and the medoids numbered as its clusters are (in the order of the
//! first man of each). disclapmix starts its EM from these medoids.
//!
//! SWAP evaluates every (non-medoid h, medoid i) pair by the original's
//! formula, arranged as FastPAM1 (Schubert and Rousseeuw 2019) arranges it:
//! one pass over the men per h instead of one per (h, i). The sums are of
//! whole numbers, so they are the original's exactly, and so is the choice.

/// The medoids (row indices) of `k` clusters of `rows`, in R's cluster order.
/// Needs `1 <= k < rows.len()`.
// The loops index men as the C code does, so that ties fall alike.
#[allow(clippy::needless_range_loop)]
pub fn pam(rows: &[Vec<i32>], k: usize) -> Vec<usize> {
    let n = rows.len();
    assert!(k >= 1 && k < n, "pam needs 1 <= k < n");
    let mut d = vec![0u32; n * n];
    for i in 0..n {
        for j in 0..i {
            let v: i64 = rows[i]
                .iter()
                .zip(&rows[j])
                .map(|(a, b)| (*a as i64 - *b as i64).abs())
                .sum();
            let v = u32::try_from(v).expect("distances fit in 32 bits");
            d[i * n + j] = v;
            d[j * n + i] = v;
        }
    }
    let dist = |i: usize, j: usize| d[i * n + j];
    let max = d.iter().copied().max().unwrap_or(0) as f64;
    let s = max * 1.1 + 1.0;

    // BUILD, in floating point as the original (its sums of s - d round).
    let mut medoid = vec![false; n];
    let mut dysma = vec![s; n];
    for _ in 0..k {
        let mut ammax = 0.0f64;
        let mut nmax = usize::MAX;
        for i in 0..n {
            if medoid[i] {
                continue;
            }
            let mut beter = 0.0f64;
            for (j, m) in dysma.iter().enumerate() {
                let cmd = m - dist(i, j) as f64;
                if cmd > 0.0 {
                    beter += cmd;
                }
            }
            if ammax <= beter {
                ammax = beter;
                nmax = i;
            }
        }
        medoid[nmax] = true;
        for (j, m) in dysma.iter_mut().enumerate() {
            let v = dist(nmax, j) as f64;
            if *m > v {
                *m = v;
            }
        }
    }
    let mut sky: f64 = dysma.iter().sum();

    // SWAP.
    if k > 1 {
        let mut da = vec![0i64; n];
        let mut db = vec![0i64; n];
        let mut nearest: Vec<Option<usize>> = vec![None; n];
        let mut corr = vec![0i64; n];
        loop {
            let meds: Vec<usize> = (0..n).filter(|&i| medoid[i]).collect();
            for j in 0..n {
                let (mut a, mut b) = (i64::MAX, i64::MAX);
                let mut who = None;
                for &i in &meds {
                    let v = dist(i, j) as i64;
                    if a > v {
                        b = a;
                        a = v;
                        who = Some(i);
                    } else if b > v {
                        b = v;
                    }
                }
                da[j] = a;
                db[j] = b;
                // The unique nearest medoid; with a tie db == da and the
                // original's two cases give the same term for every medoid.
                nearest[j] = if b > a { who } else { None };
            }
            let mut best = 1i64;
            let (mut hbest, mut ibest) = (usize::MAX, usize::MAX);
            for h in 0..n {
                if medoid[h] {
                    continue;
                }
                let mut base = 0i64;
                for &i in &meds {
                    corr[i] = 0;
                }
                for j in 0..n {
                    let dh = dist(h, j) as i64;
                    let t = (dh - da[j]).min(0);
                    base += t;
                    if let Some(i) = nearest[j] {
                        corr[i] += db[j].min(dh) - da[j] - t;
                    }
                }
                for &i in &meds {
                    let dz = base + corr[i];
                    if best > dz {
                        best = dz;
                        hbest = h;
                        ibest = i;
                    }
                }
            }
            if (best as f64) < -16.0 * f64::EPSILON * sky.abs() {
                medoid[hbest] = true;
                medoid[ibest] = false;
                sky += best as f64;
            } else {
                break;
            }
        }
    }

    // Each man to his nearest medoid (the first of equals); clusters
    // numbered by their first man.
    let meds: Vec<usize> = (0..n).filter(|&i| medoid[i]).collect();
    let mut order: Vec<usize> = Vec::with_capacity(k);
    for j in 0..n {
        let to = if medoid[j] {
            j
        } else {
            let mut best = (u32::MAX, usize::MAX);
            for &i in &meds {
                if best.0 > dist(i, j) {
                    best = (dist(i, j), i);
                }
            }
            best.1
        };
        if !order.contains(&to) {
            order.push(to);
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The original SWAP as written: T_ih summed for every (h, i) pair.
    fn swap_cost_original(rows: &[Vec<i32>], medoids: &[usize], h: usize, i: usize) -> i64 {
        let dist = |a: usize, b: usize| -> i64 {
            rows[a]
                .iter()
                .zip(&rows[b])
                .map(|(x, y)| (*x as i64 - *y as i64).abs())
                .sum()
        };
        let mut dz = 0;
        for j in 0..rows.len() {
            let mut ds: Vec<i64> = medoids.iter().map(|&m| dist(m, j)).collect();
            ds.sort();
            let (a, b) = (ds[0], ds[1]);
            if dist(i, j) == a {
                dz += b.min(dist(h, j)) - a;
            } else if dist(h, j) < a {
                dz += dist(h, j) - a;
            }
        }
        dz
    }

    fn rows() -> Vec<Vec<i32>> {
        // Small integer haplotypes with many ties, three loose groups.
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % 3) as i32
        };
        (0..40)
            .map(|r| {
                let base = [10, 14, 18][r % 3];
                (0..4).map(|_| base + next()).collect()
            })
            .collect()
    }

    #[test]
    fn no_swap_lowers_the_total_at_the_end() {
        let rows = rows();
        for k in 2..6 {
            let m = pam(&rows, k);
            assert_eq!(m.len(), k);
            for h in 0..rows.len() {
                if m.contains(&h) {
                    continue;
                }
                for &i in &m {
                    assert!(
                        swap_cost_original(&rows, &m, h, i) >= 0,
                        "k={k}: swap {h} for {i} helps"
                    );
                }
            }
        }
    }

    #[test]
    fn three_groups_three_medoids() {
        let rows = rows();
        let m = pam(&rows, 3);
        let mut groups: Vec<usize> = m.iter().map(|&i| i % 3).collect();
        groups.sort();
        assert_eq!(groups, [0, 1, 2]);
        // Numbered by the first man of each cluster: man 0's cluster first.
        assert_eq!(m[0] % 3, 0);
    }
}

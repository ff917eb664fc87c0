//! What a benchmark says of the machine it ran on: the processor and its
//! cores, and the memory's read bandwidth (figures are only comparable with
//! the machine beside them).

use std::time::Instant;

use rayon::prelude::*;

/// The processor's model, the number of cores and the search's first pass:
/// "AMD EPYC 7B13, 2 cores, first pass portable".
pub(crate) fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown cpu".into());
    format!(
        "{cpu}, {} cores, first pass {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        search::first_pass_kernel()
    )
}

/// Sequential read bandwidth of this machine's memory, in GB/s: a 1 GiB
/// buffer (larger than any cache) summed by all threads, and by one thread;
/// the best of three runs each.
pub(crate) fn read_bandwidth() -> (f64, f64) {
    let words = (1usize << 30) / 8;
    let buf: Vec<u64> = (0..words as u64)
        .into_par_iter()
        .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .collect();
    let best = |run: &dyn Fn() -> u64| {
        (0..3)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(run());
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let sum = |c: &[u64]| c.iter().fold(0u64, |a, &x| a.wrapping_add(x));
    let all = best(&|| buf.par_chunks(1 << 16).map(sum).sum());
    let one = best(&|| sum(&buf));
    let gb = (words * 8) as f64 / 1e9;
    (gb / all, gb / one)
}

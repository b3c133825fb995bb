//! What every benchmark reads from its command line.

/// The first two whole-number arguments (how many, how many at once), or `defaults` for those
/// not given: `cargo bench ... -- 5000 64`.
pub fn size_and_concurrency(defaults: (usize, usize)) -> (usize, usize) {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    (
        args.first().copied().unwrap_or(defaults.0),
        args.get(1).copied().unwrap_or(defaults.1),
    )
}

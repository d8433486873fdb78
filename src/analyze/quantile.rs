//! Percentiles, computed the way DuckDB's `quantile_cont` and numpy's default do:
//! linear interpolation between the two closest ranks of the sorted values.

/// Sorts `values` (NaN removed) so [`quantile_sorted`] can be called repeatedly.
pub fn sort(values: &mut Vec<f64>) {
    values.retain(|v| !v.is_nan());
    values.sort_by(f64::total_cmp);
}

/// The `q` quantile (0 ≤ q ≤ 1) of sorted values; `None` when there are none.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let (a, b) = (sorted[lo], sorted[hi.min(n - 1)]);
    Some(a + (pos - lo as f64) * (b - a))
}

/// p50, p90 and p99 of sorted values.
pub fn p50_p90_p99(sorted: &[f64]) -> [Option<f64>; 3] {
    [0.5, 0.9, 0.99].map(|q| quantile_sorted(sorted, q))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_between_ranks() {
        let mut v = vec![4.0, 1.0, 3.0, 2.0, f64::NAN];
        sort(&mut v);
        assert_eq!(v, vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(quantile_sorted(&v, 0.5), Some(2.5));
        assert_eq!(quantile_sorted(&v, 0.0), Some(1.0));
        assert_eq!(quantile_sorted(&v, 1.0), Some(4.0));
        // rank 0.9 * 3 = 2.7 → 3 + 0.7 * (4 - 3)
        let p90 = quantile_sorted(&v, 0.9).unwrap_or(f64::NAN);
        assert!((p90 - 3.7).abs() < 1e-12, "{p90}");
        assert_eq!(quantile_sorted(&[], 0.5), None);
        assert_eq!(quantile_sorted(&[7.0], 0.99), Some(7.0));
    }
}

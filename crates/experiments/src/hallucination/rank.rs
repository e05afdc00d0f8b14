//! Spearman's rank correlation (a fit of its own; a candidate for `skm_report::fit`).

/// Spearman's rank correlation of `x` and `y` (average ranks for ties); `None` below 2
/// points or when either is constant.
pub fn rank_correlation(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    let (rx, ry) = (ranks(x), ranks(y));
    let n = x.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let (vx, vy): (f64, f64) = (
        rx.iter().map(|a| (a - mx).powi(2)).sum(),
        ry.iter().map(|b| (b - my).powi(2)).sum(),
    );
    (vx > 0.0 && vy > 0.0).then(|| cov / (vx * vy).sqrt())
}

/// The rank of each value of `v` from 0, ties sharing their average rank.
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut ranks = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        for &k in &order[i..=j] {
            ranks[k] = (i + j) as f64 / 2.0;
        }
        i = j + 1;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_correlation_of_monotone_and_reversed_orders() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(rank_correlation(&x, &[10.0, 20.0, 25.0, 90.0]), Some(1.0));
        assert_eq!(rank_correlation(&x, &[4.0, 3.0, 2.0, 1.0]), Some(-1.0));
        assert_eq!(rank_correlation(&x, &[1.0, 1.0, 1.0, 1.0]), None);
        let r = rank_correlation(&x, &[1.0, 3.0, 2.0, 4.0]).unwrap();
        assert!((r - 0.8).abs() < 1e-12);
    }
}

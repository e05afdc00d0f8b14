//! Theory exponents of the claims (spec section 3), as functions of the discount `alpha`.
//!
//! Every exponent is the slope of a log-log line; signs are given as stated in each item.

/// Zipf (C2): the rank-frequency exponent `1/alpha`; the ranked frequency falls like
/// `rank^(-1/alpha)`, so the log-log slope is `-1/alpha`.
pub fn zipf_exponent(alpha: f64) -> f64 {
    1.0 / alpha
}

/// Heaps (C1): distinct entities grow like `N^alpha`.
pub fn heaps_exponent(alpha: f64) -> f64 {
    alpha
}

/// C3, syntax: the per-sentence syntax excess of the Bayes learner falls like `N^-1`
/// (derivative of `(d/2) log N`); returns the slope `-1`.
pub fn syntax_excess_exponent() -> f64 {
    -1.0
}

/// C3, knowledge: the per-sentence knowledge excess falls like `N^(alpha - 1)`
/// (derivative of `N^alpha`); returns the slope `alpha - 1`.
pub fn knowledge_excess_exponent(alpha: f64) -> f64 {
    alpha - 1.0
}

/// C5, data scaling: excess loss `~ N^-(1 - alpha)`; returns the positive exponent `1 - alpha`.
pub fn data_scaling_exponent(alpha: f64) -> f64 {
    1.0 - alpha
}

/// C6, model scaling: excess loss `~ P^-((1 - alpha)/alpha)`; returns the positive exponent
/// `(1 - alpha)/alpha`.
pub fn model_scaling_exponent(alpha: f64) -> f64 {
    (1.0 - alpha) / alpha
}

/// C11, structure function: the two-part optimum stores `m* ~ N^alpha` entities; returns
/// `alpha`.
pub fn optimal_entities_exponent(alpha: f64) -> f64 {
    alpha
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponents_at_one_half() {
        assert_eq!(zipf_exponent(0.5), 2.0);
        assert_eq!(heaps_exponent(0.5), 0.5);
        assert_eq!(syntax_excess_exponent(), -1.0);
        assert_eq!(knowledge_excess_exponent(0.5), -0.5);
        assert_eq!(data_scaling_exponent(0.5), 0.5);
        assert_eq!(model_scaling_exponent(0.5), 1.0);
        assert_eq!(optimal_entities_exponent(0.5), 0.5);
    }
}

//! Whether the models are capacity-limited, the regime in which C6 and C8 are predictions.
//!
//! The theory's model of P parameters stores the facts it can afford and the rest is excess;
//! that is only what happens when the data offers more learnable facts than the model can
//! hold, and the model holds about as many as it can. A model whose capacity exceeds what it
//! can learn from the stream, or that holds far less than its capacity, is limited by the
//! data: its facts known and its excess measure sample efficiency, not capacity. So before
//! fitting, each model's capacity (at `capacity_bits_per_parameter`, in facts of
//! `log2 |V_j|` bits) is compared with the learnable facts, measured as the facts the largest
//! model knows beyond chance (seed mean), and with the facts the model itself knows beyond
//! chance (seed mean): a model is capacity-limited when the learnable facts are at least
//! twice its capacity and it knows at least `saturation_share` of its capacity.

use std::collections::BTreeMap;

use crate::num;

/// Learnable facts at least this many times a model's capacity: "well above".
const MARGIN: f64 = 2.0;

/// The regime of one sweep point's models.
pub(super) struct Regime {
    /// The capacity's yardstick: bits a parameter holds at most.
    pub bits_per_parameter: f64,
    /// Facts the largest model knows beyond chance, seed mean.
    pub learnable: f64,
    /// Per block-parameter count, the capacity in facts.
    pub capacity: BTreeMap<u64, f64>,
    /// Per block-parameter count, the facts known beyond chance, seed mean.
    pub known: BTreeMap<u64, f64>,
    /// The least share of its capacity a capacity-limited model knows.
    pub saturation_share: f64,
    /// The sizes (block parameters) that are capacity-limited, ascending.
    pub limited: Vec<u64>,
}

impl Regime {
    /// The regime from `totals` ((seed, block parameters) -> (facts known beyond chance,
    /// facts stated)), at `bits_per_parameter`, facts of `bits_per_fact` bits and
    /// `saturation_share`.
    pub fn of(
        totals: &BTreeMap<(u64, u64), (f64, f64)>,
        bits_per_parameter: f64,
        bits_per_fact: f64,
        saturation_share: f64,
    ) -> Self {
        let known = seed_means(totals);
        let largest = known.keys().max().copied().unwrap_or(0);
        let learnable = known.get(&largest).copied().unwrap_or(0.0);
        let capacity: BTreeMap<u64, f64> = known
            .keys()
            .map(|&p| (p, bits_per_parameter * p as f64 / bits_per_fact))
            .collect();
        let limited = capacity
            .iter()
            .filter(|&(p, &c)| learnable >= MARGIN * c && known[p] >= saturation_share * c)
            .map(|(&p, _)| p)
            .collect();
        Self {
            bits_per_parameter,
            learnable,
            capacity,
            known,
            saturation_share,
            limited,
        }
    }

    /// Why a fit over the capacity-limited models is not possible (fewer than `needed`), or
    /// `None` when it is.
    pub fn not_measurable(&self, needed: usize) -> Option<String> {
        if self.fitted(needed).is_some() {
            return None;
        }
        Some(format!(
            "not in the capacity-limited regime at this profile: {} of {} model sizes have a capacity (at the assumed bits per parameter) of at most half the {} facts the largest model learned beyond chance and themselves know at least {} of that capacity ({}), and a fit needs {needed}; the models are limited by the data, so their facts known and excess measure sample efficiency, not capacity",
            self.limited.len(),
            self.capacity.len(),
            num(self.learnable),
            num(self.saturation_share),
            self.listing(),
        ))
    }

    /// The capacity-limited sizes a fit runs over, when there are at least `needed` of them.
    pub fn fitted(&self, needed: usize) -> Option<&[u64]> {
        (self.limited.len() >= needed).then_some(self.limited.as_slice())
    }

    /// The capacity-limited sizes, "P1, P2, ..".
    pub fn sizes_text(&self) -> String {
        let sizes: Vec<String> = self.limited.iter().map(|&p| num(p as f64)).collect();
        sizes.join(", ")
    }

    /// "P = ..: capacity .. facts, knows .." for every size.
    pub fn listing(&self) -> String {
        let sizes = self.capacity.iter();
        let parts: Vec<String> = sizes
            .map(|(p, c)| {
                let known = self.known[p];
                format!(
                    "P = {}: capacity {} facts, knows {} ({} of it)",
                    num(*p as f64),
                    num(*c),
                    num(known),
                    num(known / c),
                )
            })
            .collect();
        parts.join("; ")
    }

    /// Whether the model of `p` block parameters (a curve's x) is capacity-limited.
    pub fn is_limited(&self, p: f64) -> bool {
        self.limited.contains(&(p as u64))
    }

    /// The points of each curve (against block parameters) at capacity-limited sizes.
    pub fn restrict(&self, curves: &[crate::Curve]) -> Vec<crate::Curve> {
        let pick = |(x, y): &crate::Curve| -> crate::Curve {
            x.iter()
                .copied()
                .zip(y.iter().copied())
                .filter(|p| self.is_limited(p.0))
                .unzip()
        };
        curves.iter().map(pick).collect()
    }
}

/// Per block-parameter count, the mean over seeds of the facts known beyond chance.
fn seed_means(totals: &BTreeMap<(u64, u64), (f64, f64)>) -> BTreeMap<u64, f64> {
    let mut sums: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
    for (&(_, p), &(known, _)) in totals {
        let entry = sums.entry(p).or_default();
        *entry = (entry.0 + known, entry.1 + 1.0);
    }
    sums.into_iter().map(|(p, (s, n))| (p, s / n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two seeds, three sizes; the largest knows 1000 facts on average.
    fn totals(known_small: f64) -> BTreeMap<(u64, u64), (f64, f64)> {
        let mut t = BTreeMap::new();
        for seed in [1, 2] {
            t.insert((seed, 400), (known_small, 5000.0));
            t.insert((seed, 1_000), (400.0, 5000.0));
            t.insert((seed, 100_000), (900.0 + 100.0 * seed as f64, 5000.0));
        }
        t
    }

    #[test]
    fn a_model_is_capacity_limited_when_twice_its_capacity_is_learnable() {
        // 2 bits per parameter, 4 bits per fact: capacities 200, 500 and 50000 facts.
        let regime = Regime::of(&totals(150.0), 2.0, 4.0, 0.5);
        assert!((regime.learnable - 1050.0).abs() < 1e-9);
        assert_eq!(regime.limited, vec![400, 1_000]);
        assert!(regime.not_measurable(2).is_none());
        assert_eq!(regime.fitted(2), Some(&[400, 1_000][..]));
        assert_eq!(regime.fitted(3), None);
        let reason = regime.not_measurable(3).unwrap();
        assert!(reason.contains("2 of 3 model sizes"), "{reason}");
        assert!(
            reason.contains("P = 400: capacity 200 facts, knows 150 (0.75 of it)"),
            "{reason}"
        );
    }

    #[test]
    fn a_model_far_below_its_capacity_is_limited_by_the_data() {
        // The smallest knows 90 of its 200 facts: less than half, though 1050 are learnable.
        let regime = Regime::of(&totals(90.0), 2.0, 4.0, 0.5);
        assert_eq!(regime.limited, vec![1_000]);
        // At a saturation share of 0.4 it counts again.
        assert_eq!(
            Regime::of(&totals(90.0), 2.0, 4.0, 0.4).limited,
            vec![400, 1_000]
        );
    }

    #[test]
    fn restrict_keeps_only_the_capacity_limited_sizes() {
        let regime = Regime::of(&totals(150.0), 2.0, 4.0, 0.5);
        let curves = vec![(vec![400.0, 1_000.0, 100_000.0], vec![1.0, 2.0, 3.0])];
        assert_eq!(
            regime.restrict(&curves),
            vec![(vec![400.0, 1_000.0], vec![1.0, 2.0])]
        );
        // At 8 bits per parameter nothing is capacity-limited.
        assert!(Regime::of(&totals(150.0), 8.0, 4.0, 0.5).limited.is_empty());
    }
}

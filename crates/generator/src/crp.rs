//! Exact sequential sampling of the Pitman-Yor Chinese restaurant process.
//!
//! Scheme (b) of the spec: the entity stream is drawn from the PYCRP predictive,
//! sentence n+1 names seen entity k with probability `(n_k - alpha)/(n + beta)` and a new one
//! with probability `(beta + alpha K)/(n + beta)`. The weight `n_k - alpha` splits into
//! `(n_k - 1) + (1 - alpha)`, so an old entity is drawn exactly, with integer arithmetic, as
//! either an entity proportional to its repeat count `n_k - 1` (a Fenwick tree, O(log K)) or a
//! uniform entity (O(1)). Memory is O(K), whatever the stream length.

use rand::Rng;

/// Counts of the entities seen so far and the sampler over them.
#[derive(Clone, Debug)]
pub(crate) struct Crp {
    alpha: f64,
    beta: f64,
    /// `n_k`, by entity index (order of first appearance).
    counts: Vec<u64>,
    /// Fenwick tree over `n_k - 1`, 1-based, capacity a power of two.
    tree: Vec<u64>,
    /// Sentences drawn, `n`.
    sentences: u64,
}

impl Crp {
    pub(crate) fn new(alpha: f64, beta: f64) -> Self {
        Crp {
            alpha,
            beta,
            counts: Vec::new(),
            tree: vec![0; 1 + 1024],
            sentences: 0,
        }
    }

    pub(crate) fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Draws the entity of the next sentence: `(index, is_new)`.
    #[inline]
    pub(crate) fn draw<R: Rng>(&mut self, rng: &mut R) -> (usize, bool) {
        let n = self.sentences as f64;
        let k = self.counts.len();
        let new_mass = self.beta + self.alpha * k as f64;
        let is_new = k == 0 || rng.random::<f64>() * (n + self.beta) < new_mass;
        let entity = if is_new {
            self.push_entity()
        } else {
            // Old entity: mass n - alpha K in all, of which n - K on repeat counts.
            let repeats = self.sentences - k as u64;
            let old_mass = n - self.alpha * k as f64;
            if repeats > 0 && rng.random::<f64>() * old_mass < repeats as f64 {
                self.find(rng.random_range(0..repeats))
            } else {
                rng.random_range(0..k)
            }
        };
        if !is_new {
            self.add(entity, 1);
        }
        self.counts[entity] += 1;
        self.sentences += 1;
        (entity, is_new)
    }

    fn push_entity(&mut self) -> usize {
        let index = self.counts.len();
        self.counts.push(0);
        if index + 1 >= self.tree.len() {
            self.rebuild(2 * (self.tree.len() - 1));
        }
        index
    }

    /// Rebuilds the tree with a larger capacity, in O(capacity).
    fn rebuild(&mut self, capacity: usize) {
        self.tree = vec![0; capacity + 1];
        for (i, &n) in self.counts.iter().enumerate() {
            self.tree[i + 1] = n.saturating_sub(1);
        }
        for i in 1..=capacity {
            let parent = i + (i & i.wrapping_neg());
            if parent <= capacity {
                self.tree[parent] += self.tree[i];
            }
        }
    }

    fn add(&mut self, entity: usize, delta: u64) {
        let mut i = entity + 1;
        while i < self.tree.len() {
            self.tree[i] += delta;
            i += i & i.wrapping_neg();
        }
    }

    /// The entity whose cumulative repeat count first exceeds `target`.
    fn find(&self, mut target: u64) -> usize {
        let capacity = self.tree.len() - 1;
        let mut position = 0;
        let mut step = capacity;
        while step > 0 {
            let next = position + step;
            if next <= capacity && self.tree[next] <= target {
                target -= self.tree[next];
                position = next;
            }
            step /= 2;
        }
        position
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn fenwick_search_matches_linear_scan() {
        let mut crp = Crp::new(0.5, 1.0);
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..20_000 {
            crp.draw(&mut rng);
        }
        let repeats: Vec<u64> = crp.counts.iter().map(|n| n - 1).collect();
        let total: u64 = repeats.iter().sum();
        for target in (0..total).step_by(97) {
            let mut acc = 0;
            let expected = repeats
                .iter()
                .position(|&r| {
                    acc += r;
                    acc > target
                })
                .unwrap();
            assert_eq!(crp.find(target), expected, "target {target}");
        }
    }

    #[test]
    fn counts_add_up() {
        let mut crp = Crp::new(0.7, 0.5);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..5_000 {
            crp.draw(&mut rng);
        }
        assert_eq!(crp.counts.iter().sum::<u64>(), 5_000);
        assert!(crp.counts.iter().all(|&n| n >= 1));
    }
}

//! Row kernels of the engine: exp and erf, GELU, layer norm, causal attention, softmax with
//! cross-entropy, and the embeddings, each forward and backward.
//!
//! Every loop is branch-free over its elements so that the compiler vectorises it; sums use
//! eight accumulators in a fixed order ([`sum`], [`dot`]), so a kernel gives the same bits
//! whatever the thread that runs it.

use super::matmul::{Mat, MatMut, gemm};

/// LayerNorm epsilon, as PyTorch's default.
pub const LAYER_NORM_EPS: f32 = 1e-5;

/// `1.5 * 2^23`: adding it rounds an f32 of magnitude below `2^22` to an integer, which the
/// low mantissa bits then hold.
const ROUNDING: f32 = 12_582_912.0;

/// `e^x` in f32 (Cephes' `expf` polynomial after the reduction `x = n ln 2 + r`), relative
/// error below `2e-7` on `[-87.3, 88.3]`; arguments outside are clamped to it.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.3, 88.3);
    let shifted = x * std::f32::consts::LOG2_E + ROUNDING;
    let n = shifted - ROUNDING;
    let n_int = shifted.to_bits() as i32 - 0x4B40_0000;
    // ln 2 in two parts, so `n ln 2` is exact to f32 precision.
    let r = x - n * 0.693_359_4 - n * -2.121_944_4e-4;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 1.666_666_5e-1)
        * r
        + 0.5;
    let y = p * r * r + r + 1.0;
    y * f32::from_bits(((n_int + 127) << 23) as u32)
}

/// `erf(z)` and `e^{-z^2}` (Abramowitz and Stegun 7.1.26: absolute error of erf below
/// `1.5e-7`): `erf(|z|) = 1 - t (a1 + t (a2 + ... a5 t)) e^{-z^2}`, `t = 1 / (1 + p |z|)`.
#[inline(always)]
fn erf_and_gauss(z: f32) -> (f32, f32) {
    let a = z.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let poly = t
        * (0.254_829_6
            + t * (-0.284_496_74 + t * (1.421_413_8 + t * (-1.453_152 + t * 1.061_405_4))));
    let gauss = exp(-a * a);
    let erf = 1.0 - poly * gauss;
    (erf.copysign(z), gauss)
}

/// `erf(z)`.
#[cfg(test)]
fn erf(z: f32) -> f32 {
    erf_and_gauss(z).0
}

/// Exact GELU, `out = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2`, and in place of `x` its
/// derivative `GELU'(x) = Phi(x) + x phi(x)`, `phi(x) = e^{-x^2 / 2} / sqrt(2 pi)` (what the
/// backward pass multiplies by: one erf per element for both passes).
#[inline(always)]
pub fn gelu_forward(out: &mut [f32], x: &mut [f32]) {
    const INV_SQRT_2PI: f32 = 0.398_942_3;
    for (o, x) in out.iter_mut().zip(x.iter_mut()) {
        let (erf, gauss) = erf_and_gauss(*x * std::f32::consts::FRAC_1_SQRT_2);
        let cdf = 0.5 * (1.0 + erf);
        *o = *x * cdf;
        *x = cdf + *x * gauss * INV_SQRT_2PI;
    }
}

/// In place, `d <- d GELU'(x)`, given the derivative that [`gelu_forward`] left.
#[inline(always)]
pub fn gelu_backward(d: &mut [f32], derivative: &[f32]) {
    for (d, &g) in d.iter_mut().zip(derivative) {
        *d *= g;
    }
}

/// `sum x_i`, with eight accumulators added in a fixed order.
#[inline(always)]
pub fn sum(x: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..8 {
            acc[k] += c[k];
        }
    }
    let mut total =
        ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for &v in rest {
        total += v;
    }
    total
}

/// `max x_i` (`-inf` for none), over eight lanes so that it vectorises: a maximum does not
/// depend on the order it is taken in (for inputs without NaN), so this is the sequential
/// maximum's value.
#[inline(always)]
pub fn max(x: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; 8];
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..8 {
            acc[k] = acc[k].max(c[k]);
        }
    }
    rest.iter()
        .chain(&acc)
        .fold(f32::NEG_INFINITY, |m, &v| m.max(v))
}

/// `sum a_i b_i`, with eight accumulators added in a fixed order.
#[inline(always)]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut total =
        ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        total += x * y;
    }
    total
}

/// LayerNorm of every row of `x` (`c` columns): `out = (x - mu) r w + b` with the row mean
/// `mu`, `r = 1 / sqrt(var + eps)` and the biased variance; keeps `mu` and `r` per row.
#[inline(always)]
pub fn layer_norm_forward(
    out: &mut [f32],
    mean: &mut [f32],
    rstd: &mut [f32],
    x: &[f32],
    w: &[f32],
    b: &[f32],
    c: usize,
) {
    let rows = out.chunks_exact_mut(c).zip(x.chunks_exact(c));
    for ((o, x), (mu, r)) in rows.zip(mean.iter_mut().zip(rstd.iter_mut())) {
        let m = sum(x) / c as f32;
        let mut acc = [0f32; 8];
        let chunks = x.chunks_exact(8);
        let mut var = 0.0;
        for &v in chunks.remainder() {
            var += (v - m) * (v - m);
        }
        for ch in chunks {
            for k in 0..8 {
                acc[k] += (ch[k] - m) * (ch[k] - m);
            }
        }
        var += ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
        let s = 1.0 / (var / c as f32 + LAYER_NORM_EPS).sqrt();
        for (((o, &x), &w), &b) in o.iter_mut().zip(x).zip(w).zip(b) {
            *o = (x - m) * s * w + b;
        }
        (*mu, *r) = (m, s);
    }
}

/// LayerNorm backward: with `n = (x - mu) r` and `g = dout w`,
/// `dx += r (g - mean(g) - n mean(g n))`, `dw += sum_rows dout n`, `db += sum_rows dout`.
/// `scratch` holds `c` values.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn layer_norm_backward(
    dx: &mut [f32],
    dw: &mut [f32],
    db: &mut [f32],
    scratch: &mut [f32],
    dout: &[f32],
    x: &[f32],
    w: &[f32],
    mean: &[f32],
    rstd: &[f32],
    c: usize,
) {
    let norm = &mut scratch[..c];
    let rows = dx
        .chunks_exact_mut(c)
        .zip(dout.chunks_exact(c))
        .zip(x.chunks_exact(c));
    for (((dx, dout), x), (&mu, &r)) in rows.zip(mean.iter().zip(rstd)) {
        for (n, &x) in norm.iter_mut().zip(x) {
            *n = (x - mu) * r;
        }
        let mut g_mean = 0.0;
        let mut gn_mean = 0.0;
        for ((&d, &w), &n) in dout.iter().zip(w).zip(norm.iter()) {
            g_mean += d * w;
            gn_mean += d * w * n;
        }
        let (g_mean, gn_mean) = (g_mean / c as f32, gn_mean / c as f32);
        for ((((dx, &d), &w), &n), (dw, db)) in dx
            .iter_mut()
            .zip(dout)
            .zip(w)
            .zip(norm.iter())
            .zip(dw.iter_mut().zip(db.iter_mut()))
        {
            *dx += r * (d * w - g_mean - n * gn_mean);
            *dw += d * n;
            *db += d;
        }
    }
}

/// Shapes of one shard's attention: `b` sequences of `t` tokens, `h` heads of width `hd`
/// (`c = h hd`). `qkv` rows are `[q | k | v]`, `3 c` wide, heads contiguous within each.
#[derive(Clone, Copy, Debug)]
pub struct Attention {
    /// Sequences.
    pub b: usize,
    /// Tokens per sequence.
    pub t: usize,
    /// Heads.
    pub h: usize,
    /// Head width.
    pub hd: usize,
}

impl Attention {
    fn c(&self) -> usize {
        self.h * self.hd
    }

    /// `(row offset of sequence s in a [b t, width] buffer, offset of head h's columns)`.
    fn qkv_at(&self, s: usize, head: usize, part: usize) -> usize {
        s * self.t * 3 * self.c() + part * self.c() + head * self.hd
    }

    /// Causal attention: per sequence and head, `P = softmax(q k^T / sqrt(hd) + mask)`
    /// (kept in `probs`, `[b, h, t, t]`, zero above the diagonal) and `y = P v` written into
    /// the head's columns of `y` (`[b t, c]`).
    #[inline(always)]
    pub fn forward(&self, y: &mut [f32], probs: &mut [f32], qkv: &[f32]) {
        let (t, c, hd) = (self.t, self.c(), self.hd);
        let scale = 1.0 / (hd as f32).sqrt();
        for s in 0..self.b {
            for head in 0..self.h {
                let p = &mut probs[(s * self.h + head) * t * t..][..t * t];
                let q = Mat::new(&qkv[self.qkv_at(s, head, 0)..], 3 * c, 1);
                let k_t = Mat::new(&qkv[self.qkv_at(s, head, 1)..], 1, 3 * c);
                gemm(t, t, hd, MatMut::new(p, t, 1), false, q, k_t, scale);
                for i in 0..t {
                    let row = &mut p[i * t..(i + 1) * t];
                    causal_softmax(row, i + 1);
                }
                let v = Mat::new(&qkv[self.qkv_at(s, head, 2)..], 3 * c, 1);
                let out = MatMut::new(&mut y[s * t * c + head * hd..], c, 1);
                gemm(t, hd, t, out, false, Mat::new(p, t, 1), v, 1.0);
            }
        }
    }

    /// Backward of [`Attention::forward`]: from `dy` (`[b t, c]`) writes `dqkv` (`[b t, 3 c]`):
    /// `dP = dy v^T`, `dS = P (dP - rowsum(P dP)) / sqrt(hd)`, `dq = dS k`, `dk = dS^T q`,
    /// `dv = P^T dy`. `scratch` holds `t t` values.
    #[inline(always)]
    pub fn backward(
        &self,
        dqkv: &mut [f32],
        scratch: &mut [f32],
        dy: &[f32],
        probs: &[f32],
        qkv: &[f32],
    ) {
        let (t, c, hd) = (self.t, self.c(), self.hd);
        let scale = 1.0 / (hd as f32).sqrt();
        let ds = &mut scratch[..t * t];
        for s in 0..self.b {
            for head in 0..self.h {
                let p = &probs[(s * self.h + head) * t * t..][..t * t];
                let dy = Mat::new(&dy[s * t * c + head * hd..], c, 1);
                let v_t = Mat::new(&qkv[self.qkv_at(s, head, 2)..], 1, 3 * c);
                gemm(t, t, hd, MatMut::new(ds, t, 1), false, dy, v_t, 1.0);
                for i in 0..t {
                    let (dp, p) = (&mut ds[i * t..(i + 1) * t], &p[i * t..(i + 1) * t]);
                    let inner = dot(&p[..=i], &dp[..=i]);
                    for (d, &p) in dp.iter_mut().zip(p) {
                        *d = p * (*d - inner) * scale;
                    }
                }
                let ds = Mat::new(ds, t, 1);
                let q = Mat::new(&qkv[self.qkv_at(s, head, 0)..], 3 * c, 1);
                let k = Mat::new(&qkv[self.qkv_at(s, head, 1)..], 3 * c, 1);
                let at = |part| self.qkv_at(s, head, part);
                gemm(
                    t,
                    hd,
                    t,
                    MatMut::new(&mut dqkv[at(0)..], 3 * c, 1),
                    false,
                    ds,
                    k,
                    1.0,
                );
                gemm(
                    t,
                    hd,
                    t,
                    MatMut::new(&mut dqkv[at(1)..], 3 * c, 1),
                    false,
                    ds.t(),
                    q,
                    1.0,
                );
                let p = Mat::new(p, t, 1);
                gemm(
                    t,
                    hd,
                    t,
                    MatMut::new(&mut dqkv[at(2)..], 3 * c, 1),
                    false,
                    p.t(),
                    dy,
                    1.0,
                );
            }
        }
    }
}

/// Softmax over the first `visible` entries of `row` (the rest set to 0).
#[inline(always)]
fn causal_softmax(row: &mut [f32], visible: usize) {
    let (seen, masked) = row.split_at_mut(visible);
    let max = max(seen);
    for v in seen.iter_mut() {
        *v = exp(*v - max);
    }
    let inv = 1.0 / sum(seen);
    for v in seen.iter_mut() {
        *v *= inv;
    }
    masked.fill(0.0);
}

/// `(max, ln sum_j e^{l_j - max})` of one row of logits: `log p_j = l_j - max - lse`.
#[inline(always)]
pub fn log_sum_exp(logits: &[f32], scratch: &mut [f32]) -> (f32, f32) {
    let max = max(logits);
    let e = &mut scratch[..logits.len()];
    for (e, &l) in e.iter_mut().zip(logits) {
        *e = exp(l - max);
    }
    (max, sum(e).ln())
}

/// Softmax cross-entropy fused with its gradient, in place: for each row of `logits`
/// (`v` columns) with target `y`, returns the summed loss `sum (max + lse - l_y)` (nats, f64)
/// and overwrites the row with `dl = (softmax(l) - onehot(y)) scale`.
#[inline(always)]
pub fn cross_entropy_backward(logits: &mut [f32], targets: &[u32], v: usize, scale: f32) -> f64 {
    let mut loss = 0.0;
    for (row, &y) in logits.chunks_exact_mut(v).zip(targets) {
        let max = max(row);
        for l in row.iter_mut() {
            *l = exp(*l - max);
        }
        let total = sum(row);
        let p_y = row[y as usize] / total;
        loss += -f64::from(p_y.ln());
        let inv = scale / total;
        for l in row.iter_mut() {
            *l *= inv;
        }
        row[y as usize] -= scale;
    }
    loss
}

/// `x[i t + p] = wte[tokens[i t + p]] + wpe[p]` for every row (`c` columns).
#[inline(always)]
pub fn embed_forward(x: &mut [f32], tokens: &[u32], wte: &[f32], wpe: &[f32], t: usize, c: usize) {
    for (row, (x, &tok)) in x.chunks_exact_mut(c).zip(tokens).enumerate() {
        let (e, p) = (&wte[tok as usize * c..][..c], &wpe[(row % t) * c..][..c]);
        for ((x, &e), &p) in x.iter_mut().zip(e).zip(p) {
            *x = e + p;
        }
    }
}

/// Backward of [`embed_forward`]: `dwte[token] += dx`, `dwpe[p] += dx`, rows in order.
#[inline(always)]
pub fn embed_backward(
    dwte: &mut [f32],
    dwpe: &mut [f32],
    dx: &[f32],
    tokens: &[u32],
    t: usize,
    c: usize,
) {
    for (row, (dx, &tok)) in dx.chunks_exact(c).zip(tokens).enumerate() {
        for (w, &d) in dwte[tok as usize * c..][..c].iter_mut().zip(dx) {
            *w += d;
        }
        for (w, &d) in dwpe[(row % t) * c..][..c].iter_mut().zip(dx) {
            *w += d;
        }
    }
}

/// `db[j] += sum_rows dout[r, j]`.
#[inline(always)]
pub fn bias_backward(db: &mut [f32], dout: &[f32]) {
    for row in dout.chunks_exact(db.len()) {
        for (b, &d) in db.iter_mut().zip(row) {
            *b += d;
        }
    }
}

/// Every row of `out` (`bias.len()` columns) set to `bias`.
#[inline(always)]
pub fn fill_rows(out: &mut [f32], bias: &[f32]) {
    for row in out.chunks_exact_mut(bias.len()) {
        row.copy_from_slice(bias);
    }
}

/// `out[r] = x[r] + bias` for every row (`bias.len()` columns): a residual with its bias.
#[inline(always)]
pub fn residual_rows(out: &mut [f32], x: &[f32], bias: &[f32]) {
    let c = bias.len();
    for (o, x) in out.chunks_exact_mut(c).zip(x.chunks_exact(c)) {
        for ((o, &x), &b) in o.iter_mut().zip(x).zip(bias) {
            *o = x + b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The eight-lane maximum is the sequential one, for every length up to a few vectors
    /// and wherever the maximum sits.
    #[test]
    fn the_vector_maximum_is_the_sequential_one() {
        assert_eq!(max(&[]), f32::NEG_INFINITY);
        for n in 1..40 {
            for at in 0..n {
                let mut x: Vec<f32> = (0..n).map(|i| ((i * 37 % 11) as f32 - 5.0) * 0.5).collect();
                x[at] = 3.25;
                let sequential = x.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
                assert_eq!(max(&x).to_bits(), sequential.to_bits(), "n {n}, at {at}");
            }
        }
    }

    #[test]
    fn exp_is_accurate_to_f32_precision() {
        let mut worst = 0f64;
        for i in 0..=20_000 {
            let x = -87.0 + 175.0 * i as f32 / 20_000.0;
            let exact = f64::from(x).exp();
            worst = worst.max(((f64::from(exp(x)) - exact) / exact).abs());
        }
        assert!(worst < 4e-7, "relative error {worst}");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-200.0), exp(-87.3));
    }

    #[test]
    fn erf_is_accurate_to_its_published_bound() {
        let mut worst = 0f64;
        for i in -4000..=4000 {
            let z = i as f32 / 1000.0;
            let exact = libm_erf(f64::from(z));
            let error = (f64::from(erf(z)) - exact).abs();
            worst = worst.max(error);
        }
        // The formula's 1.5e-7, plus f32 rounding of its exp and of `1 - ...`.
        assert!(worst < 5e-7, "worst absolute error {worst:e}");
    }

    /// erf by its Taylor series (|z| < 2.5) or continued fraction, in f64, for the test.
    fn libm_erf(z: f64) -> f64 {
        if z.abs() < 2.5 {
            let (mut term, mut total, mut n) = (z, z, 0.0);
            while term.abs() > 1e-17 {
                n += 1.0;
                term *= -z * z / n;
                total += term / (2.0 * n + 1.0);
            }
            total * 2.0 / std::f64::consts::PI.sqrt()
        } else {
            // erfc by Lentz's continued fraction.
            let a = z.abs();
            let mut f = a;
            for k in (1..60).rev() {
                f = a + f64::from(k) / 2.0 / f;
            }
            let erfc = (-a * a).exp() / std::f64::consts::PI.sqrt() / f;
            (1.0 - erfc).copysign(z)
        }
    }

    #[test]
    fn sums_match_a_plain_f64_sum() {
        let x: Vec<f32> = (0..37).map(|i| (i as f32 * 0.37).sin()).collect();
        let plain: f64 = x.iter().map(|&v| f64::from(v)).sum();
        assert!((f64::from(sum(&x)) - plain).abs() < 1e-5);
        let d: f64 = x.iter().map(|&v| f64::from(v * v)).sum();
        assert!((f64::from(dot(&x, &x)) - d).abs() < 1e-5);
    }
}

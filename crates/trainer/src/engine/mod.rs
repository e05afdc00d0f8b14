//! The CPU engine: explicit forward and backward passes of exactly our GPT, in the manner of
//! llm.c.
//!
//! All parameters live in one flat `f32` buffer in PyTorch's layout (a Linear weight is
//! `[out, in]`), addressed by the [`Layout`]; gradients, AdamW's moments and every activation
//! use the same kind of flat buffers, allocated once per (model, batch shape) in a
//! [`Workspace`] and reused by every step. A batch is cut into [`SHARDS`] fixed parts of
//! sequences, each run forward and backward on its own thread with its own gradient buffer;
//! the parts' gradients are then added in a fixed order. Because the cut does not depend on
//! the thread count, and every kernel sums in a fixed order, results are bit-identical for any
//! number of threads.

pub mod cuda;
pub(crate) mod isa;
pub(crate) mod kernels;
pub(crate) mod matmul;

use std::ops::Range;

use isa::{Isa, with_isa};
use kernels::Attention;
use matmul::{linear, linear_backward};

use crate::ModelConfig;

/// The number of parts a batch is cut into (fewer when it has fewer sequences): the engine's
/// parallel width. It is a constant, not the thread count, so that results do not depend on
/// the machine.
pub const SHARDS: usize = 2;

/// A contiguous run of the flat parameter buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// First element.
    pub start: usize,
    /// Elements.
    pub len: usize,
}

impl Span {
    /// The span's elements of `buffer`.
    pub fn of(self, buffer: &[f32]) -> &[f32] {
        &buffer[self.start..self.start + self.len]
    }

    /// The span's elements of `buffer`, writable.
    pub fn of_mut(self, buffer: &mut [f32]) -> &mut [f32] {
        &mut buffer[self.start..self.start + self.len]
    }

    /// The range of the span.
    pub fn range(self) -> Range<usize> {
        self.start..self.start + self.len
    }
}

/// How a parameter starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Init {
    /// `uniform_values(base + k, ..)`: the SPEC's parameter `k` of the canonical order.
    Uniform(u64),
    /// All zeros (biases, LayerNorm shifts).
    Zeros,
    /// All ones (LayerNorm gains).
    Ones,
}

/// One parameter tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    /// Module path, as checkpoints name it (`h.0.qkv.weight`).
    pub name: String,
    /// Shape in PyTorch's layout (`[out, in]` for a Linear weight).
    pub shape: Vec<usize>,
    /// Where it lives in the flat buffer.
    pub span: Span,
    /// Its initial values.
    pub init: Init,
    /// A Linear weight (checkpoints store it transposed, `[in, out]`, burn's layout).
    pub linear: bool,
}

/// A LayerNorm's gain `w` and shift `b`, each `[C]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Norm {
    /// Gain (burn's `gamma`).
    pub w: Span,
    /// Shift (burn's `beta`).
    pub b: Span,
}

impl Norm {
    /// `out = LayerNorm(x)` row by row, keeping each row's mean and `1 / std`.
    #[inline(always)]
    fn forward(self, out: &mut [f32], stats: (&mut [f32], &mut [f32]), x: &[f32], p: &[f32]) {
        let c = self.w.len;
        kernels::layer_norm_forward(out, stats.0, stats.1, x, self.w.of(p), self.b.of(p), c);
    }

    /// `dx += d LayerNorm / dx . dout`, and the gradients of `w` and `b` into `g`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn backward(
        self,
        dx: &mut [f32],
        g: &mut [f32],
        scratch: &mut [f32],
        dout: &[f32],
        x: &[f32],
        stats: (&[f32], &[f32]),
        p: &[f32],
    ) {
        let (dw, db) = pair(g, self.w, self.b);
        let (w, c) = (self.w.of(p), self.w.len);
        kernels::layer_norm_backward(dx, dw, db, scratch, dout, x, w, stats.0, stats.1, c);
    }
}

/// A Linear layer with bias: weight `w [out, inp]` (PyTorch's layout), bias `b [out]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Linear {
    /// The weight.
    pub w: Span,
    /// The bias.
    pub b: Span,
    /// Input width.
    pub inp: usize,
    /// Output width.
    pub out: usize,
}

impl Linear {
    /// `y = residual + x w^T + b` for `rows` rows (`residual` none: `y = x w^T + b`); the
    /// bias (and residual) are written first, then the product is added to them.
    #[inline(always)]
    fn forward(self, y: &mut [f32], x: &[f32], residual: Option<&[f32]>, p: &[f32], rows: usize) {
        match residual {
            Some(r) => kernels::residual_rows(y, r, self.b.of(p)),
            None => kernels::fill_rows(y, self.b.of(p)),
        }
        linear(y, true, x, self.w.of(p), rows, self.inp, self.out);
    }

    /// `dx = dy w`, and into `g` the gradients `dw += dy^T x`, `db += sum_rows dy`.
    #[inline(always)]
    fn backward(
        self,
        dx: &mut [f32],
        g: &mut [f32],
        dy: &[f32],
        x: &[f32],
        p: &[f32],
        rows: usize,
    ) {
        kernels::bias_backward(self.b.of_mut(g), dy);
        let (w, dw) = (self.w.of(p), self.w.of_mut(g));
        linear_backward(dx, false, dw, dy, x, w, rows, self.inp, self.out);
    }
}

/// The parameters of one block.
#[derive(Clone, Copy, Debug)]
#[allow(missing_docs)]
pub struct Block {
    pub ln1: Norm,
    pub qkv: Linear,
    pub proj: Linear,
    pub ln2: Norm,
    pub fc: Linear,
    pub fc2: Linear,
}

/// Where every parameter of a model lives in the flat buffer, in module order: `wte`, `wpe`,
/// each block (`ln1`, `qkv`, `proj`, `ln2`, `fc`, `fc2`, weight before bias), `lnf`, `head`.
#[derive(Clone, Debug)]
pub struct Layout {
    /// Vocabulary `V`.
    pub v: usize,
    /// Context `T`.
    pub t: usize,
    /// Width `C`.
    pub c: usize,
    /// Heads.
    pub h: usize,
    /// Every tensor, in buffer order.
    pub tensors: Vec<Tensor>,
    /// Token embedding `[V, C]`.
    pub wte: Span,
    /// Position embedding `[T, C]`.
    pub wpe: Span,
    /// The blocks.
    pub blocks: Vec<Block>,
    /// Final LayerNorm.
    pub lnf: Norm,
    /// Output head `[V, C]`.
    pub head: Span,
    /// Parameters in all.
    pub len: usize,
}

impl Layout {
    /// The layout of `config`. Parameter `k` of the SPEC's canonical order (0 `wte`, 1 `wpe`,
    /// `2 + 4i` `qkv`, `3 + 4i` `proj`, `4 + 4i` `fc`, `5 + 4i` `fc2`, `2 + 4L` `head`) starts as
    /// `uniform_values(base + k, ..)`.
    pub fn new(config: &ModelConfig) -> Self {
        let (v, t, c) = (config.vocab_size, config.context, config.d_model);
        let mut b = Builder::default();
        let wte = b.push("wte.weight".into(), vec![v, c], Init::Uniform(0), false);
        let wpe = b.push("wpe".into(), vec![t, c], Init::Uniform(1), false);
        let blocks = (0..config.n_layers)
            .map(|i| {
                let k = 2 + 4 * i as u64;
                Block {
                    ln1: b.norm(format!("h.{i}.ln1"), c),
                    qkv: b.linear(format!("h.{i}.qkv"), 3 * c, c, k),
                    proj: b.linear(format!("h.{i}.proj"), c, c, k + 1),
                    ln2: b.norm(format!("h.{i}.ln2"), c),
                    fc: b.linear(format!("h.{i}.fc"), 4 * c, c, k + 2),
                    fc2: b.linear(format!("h.{i}.fc2"), c, 4 * c, k + 3),
                }
            })
            .collect();
        let lnf = b.norm("lnf".into(), c);
        let k = 2 + 4 * config.n_layers as u64;
        let head = b.push("head.weight".into(), vec![v, c], Init::Uniform(k), true);
        Layout {
            v,
            t,
            c,
            h: config.n_heads,
            len: b.len,
            tensors: b.tensors,
            wte,
            wpe,
            blocks,
            lnf,
            head,
        }
    }
}

/// Appends tensors to a layout, each after the last.
#[derive(Default)]
struct Builder {
    tensors: Vec<Tensor>,
    len: usize,
}

impl Builder {
    fn push(&mut self, name: String, shape: Vec<usize>, init: Init, linear: bool) -> Span {
        let span = Span {
            start: self.len,
            len: shape.iter().product(),
        };
        self.len += span.len;
        self.tensors.push(Tensor {
            name,
            shape,
            span,
            init,
            linear,
        });
        span
    }

    /// A LayerNorm's gain (ones) and shift (zeros), burn's `gamma` and `beta`.
    fn norm(&mut self, path: String, c: usize) -> Norm {
        Norm {
            w: self.push(format!("{path}.gamma"), vec![c], Init::Ones, false),
            b: self.push(format!("{path}.beta"), vec![c], Init::Zeros, false),
        }
    }

    /// A Linear layer's weight `[out, inp]` (parameter `k` of the canonical order) and bias.
    fn linear(&mut self, path: String, out: usize, inp: usize, k: u64) -> Linear {
        let weight = (format!("{path}.weight"), vec![out, inp]);
        let w = self.push(weight.0, weight.1, Init::Uniform(k), true);
        let b = self.push(format!("{path}.bias"), vec![out], Init::Zeros, false);
        Linear { w, b, inp, out }
    }
}

/// `(&mut a, &mut b)` of two spans of one buffer, `a` before `b`.
fn pair(buffer: &mut [f32], a: Span, b: Span) -> (&mut [f32], &mut [f32]) {
    assert!(a.start + a.len <= b.start, "spans out of order");
    let (left, right) = buffer.split_at_mut(b.start);
    (a.of_mut(left), &mut right[..b.len])
}

/// The activation buffers of one part of a batch, allocated once for up to `rows` tokens
/// of sequences of up to `t` tokens, and the gradient buffers when it trains.
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    rows: usize,
    t: usize,
    train: bool,
    /// Residual stream at the input of each block, then after the last: `(L + 1) n C`.
    res: Vec<f32>,
    /// Residual stream between attention and MLP: `L n C`.
    x2: Vec<f32>,
    ln1: Vec<f32>,
    ln1_mean: Vec<f32>,
    ln1_rstd: Vec<f32>,
    qkv: Vec<f32>,
    probs: Vec<f32>,
    atty: Vec<f32>,
    ln2: Vec<f32>,
    ln2_mean: Vec<f32>,
    ln2_rstd: Vec<f32>,
    /// The MLP's pre-activation; after the forward pass, GELU's derivative there.
    fch: Vec<f32>,
    gelu: Vec<f32>,
    lnf: Vec<f32>,
    lnf_mean: Vec<f32>,
    lnf_rstd: Vec<f32>,
    /// Logits `n V`; after a backward pass, their gradient.
    pub(crate) logits: Vec<f32>,
    dres: Vec<f32>,
    dc: Vec<f32>,
    dqkv: Vec<f32>,
    d4c: Vec<f32>,
    scratch: Vec<f32>,
    /// Gradients of every parameter (training only), in the layout's order.
    pub(crate) grads: Vec<f32>,
}

impl Workspace {
    /// An empty workspace whose buffers will include the backward pass's.
    pub fn training() -> Self {
        Workspace {
            train: true,
            ..Workspace::default()
        }
    }

    /// Makes room for `b` sequences of `t` tokens (keeps larger buffers as they are).
    fn reserve(&mut self, layout: &Layout, b: usize, t: usize) {
        let rows = b * t;
        if rows <= self.rows && t <= self.t {
            return;
        }
        let (rows, t) = (rows.max(self.rows), t.max(self.t));
        let train = self.train;
        let (l, c, v, h) = (layout.blocks.len(), layout.c, layout.v, layout.h);
        let n = rows;
        let zeros = |len: usize| vec![0f32; len];
        *self = Workspace {
            rows,
            t,
            train,
            res: zeros((l + 1) * n * c),
            x2: zeros(l * n * c),
            ln1: zeros(l * n * c),
            ln1_mean: zeros(l * n),
            ln1_rstd: zeros(l * n),
            qkv: zeros(l * n * 3 * c),
            // `b t t` per head at most `n t` for any b with `b t <= n`.
            probs: zeros(l * h * n * t),
            atty: zeros(l * n * c),
            ln2: zeros(l * n * c),
            ln2_mean: zeros(l * n),
            ln2_rstd: zeros(l * n),
            fch: zeros(l * n * 4 * c),
            gelu: zeros(l * n * 4 * c),
            lnf: zeros(n * c),
            lnf_mean: zeros(n),
            lnf_rstd: zeros(n),
            logits: zeros(n * v),
            dres: if train { zeros(n * c) } else { Vec::new() },
            dc: if train { zeros(n * c) } else { Vec::new() },
            dqkv: if train { zeros(n * 3 * c) } else { Vec::new() },
            d4c: if train { zeros(n * 4 * c) } else { Vec::new() },
            scratch: zeros((t * t).max(c).max(v)),
            grads: if train { zeros(layout.len) } else { Vec::new() },
        };
    }

    /// The forward pass of `b` sequences of `t` tokens (`tokens`, row-major), up to the
    /// logits (the workspace's `logits`, `[b t, V]`), keeping what the backward pass needs.
    pub fn forward(&mut self, layout: &Layout, p: &[f32], tokens: &[u32], b: usize, t: usize) {
        self.forward_with(Isa::best(), layout, p, tokens, b, t);
    }

    /// [`Workspace::forward`] with the engine's loops compiled for `isa` (the same bits for
    /// every `isa`). Panics when the processor does not run `isa`.
    fn forward_with(
        &mut self,
        isa: Isa,
        layout: &Layout,
        p: &[f32],
        tokens: &[u32],
        b: usize,
        t: usize,
    ) {
        self.reserve(layout, b, t);
        // `self` cannot name an argument of the functions `with_isa!` declares.
        let ws = self;
        with_isa!(
            isa,
            Workspace::forward_impl(
                ws: &mut Workspace,
                layout: &Layout,
                p: &[f32],
                tokens: &[u32],
                b: usize,
                t: usize,
            )
        );
    }

    #[inline(always)]
    fn forward_impl(&mut self, layout: &Layout, p: &[f32], tokens: &[u32], b: usize, t: usize) {
        let (c, n, v) = (layout.c, b * t, layout.v);
        let att = Attention {
            b,
            t,
            h: layout.h,
            hd: c / layout.h,
        };
        let probs_len = b * layout.h * t * t;
        let (wte, wpe) = (layout.wte.of(p), layout.wpe.of(p));
        kernels::embed_forward(&mut self.res[..n * c], tokens, wte, wpe, t, c);
        for (l, blk) in layout.blocks.iter().enumerate() {
            let (before, after) = self.res.split_at_mut((l + 1) * n * c);
            let (x, x_next) = (&before[l * n * c..], &mut after[..n * c]);
            let ln1 = &mut self.ln1[l * n * c..][..n * c];
            let stats1 = (
                &mut self.ln1_mean[l * n..][..n],
                &mut self.ln1_rstd[l * n..][..n],
            );
            blk.ln1.forward(ln1, stats1, x, p);
            let qkv = &mut self.qkv[l * n * 3 * c..][..n * 3 * c];
            blk.qkv.forward(qkv, ln1, None, p, n);
            let atty = &mut self.atty[l * n * c..][..n * c];
            att.forward(atty, &mut self.probs[l * probs_len..][..probs_len], qkv);
            let x2 = &mut self.x2[l * n * c..][..n * c];
            blk.proj.forward(x2, atty, Some(x), p, n);
            let ln2 = &mut self.ln2[l * n * c..][..n * c];
            let stats2 = (
                &mut self.ln2_mean[l * n..][..n],
                &mut self.ln2_rstd[l * n..][..n],
            );
            blk.ln2.forward(ln2, stats2, x2, p);
            let fch = &mut self.fch[l * n * 4 * c..][..n * 4 * c];
            blk.fc.forward(fch, ln2, None, p, n);
            let gelu = &mut self.gelu[l * n * 4 * c..][..n * 4 * c];
            kernels::gelu_forward(gelu, fch);
            blk.fc2.forward(x_next, gelu, Some(x2), p, n);
        }
        let last = &self.res[layout.blocks.len() * n * c..][..n * c];
        let lnf = &mut self.lnf[..n * c];
        let stats = (&mut self.lnf_mean[..n], &mut self.lnf_rstd[..n]);
        layout.lnf.forward(lnf, stats, last, p);
        linear(
            &mut self.logits[..n * v],
            false,
            lnf,
            layout.head.of(p),
            n,
            c,
            v,
        );
    }

    /// After [`Workspace::forward`] of the same `b t` tokens, in a [`Workspace::training`]
    /// workspace: the summed cross-entropy of `targets` (nats, f64), and into the workspace's
    /// `grads` the gradient of `scale * sum loss` with respect to every parameter.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &mut self,
        layout: &Layout,
        p: &[f32],
        tokens: &[u32],
        targets: &[u32],
        b: usize,
        t: usize,
        scale: f32,
    ) -> f64 {
        assert!(
            self.train && b * t <= self.rows,
            "backward without its forward pass"
        );
        self.backward_with(Isa::best(), layout, p, tokens, targets, b, t, scale)
    }

    /// [`Workspace::backward`] with the engine's loops compiled for `isa` (the same bits for
    /// every `isa`). Panics when the processor does not run `isa`.
    #[allow(clippy::too_many_arguments)]
    fn backward_with(
        &mut self,
        isa: Isa,
        layout: &Layout,
        p: &[f32],
        tokens: &[u32],
        targets: &[u32],
        b: usize,
        t: usize,
        scale: f32,
    ) -> f64 {
        // `self` cannot name an argument of the functions `with_isa!` declares.
        let ws = self;
        with_isa!(
            isa,
            Workspace::backward_impl(
                ws: &mut Workspace,
                layout: &Layout,
                p: &[f32],
                tokens: &[u32],
                targets: &[u32],
                b: usize,
                t: usize,
                scale: f32,
            ) -> f64
        )
    }

    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn backward_impl(
        &mut self,
        layout: &Layout,
        p: &[f32],
        tokens: &[u32],
        targets: &[u32],
        b: usize,
        t: usize,
        scale: f32,
    ) -> f64 {
        let (c, v, n) = (layout.c, layout.v, b * t);
        let att = Attention {
            b,
            t,
            h: layout.h,
            hd: c / layout.h,
        };
        let probs_len = b * layout.h * t * t;
        let dlogits = &mut self.logits[..n * v];
        let loss = kernels::cross_entropy_backward(dlogits, targets, v, scale);
        let g = &mut self.grads;
        g.fill(0.0);
        let (dres, dc) = (&mut self.dres[..n * c], &mut self.dc[..n * c]);
        let (dqkv, d4c) = (&mut self.dqkv[..n * 3 * c], &mut self.d4c[..n * 4 * c]);
        let scratch = &mut self.scratch;
        let (head, dhead) = (layout.head.of(p), layout.head.of_mut(g));
        linear_backward(dc, false, dhead, dlogits, &self.lnf[..n * c], head, n, c, v);
        dres.fill(0.0);
        let last = &self.res[layout.blocks.len() * n * c..][..n * c];
        let stats = (&self.lnf_mean[..n], &self.lnf_rstd[..n]);
        layout.lnf.backward(dres, g, scratch, dc, last, stats, p);
        for (l, blk) in layout.blocks.iter().enumerate().rev() {
            let x = &self.res[l * n * c..][..n * c];
            let x2 = &self.x2[l * n * c..][..n * c];
            let (ln1, ln2) = (
                &self.ln1[l * n * c..][..n * c],
                &self.ln2[l * n * c..][..n * c],
            );
            let stats1 = (&self.ln1_mean[l * n..][..n], &self.ln1_rstd[l * n..][..n]);
            let stats2 = (&self.ln2_mean[l * n..][..n], &self.ln2_rstd[l * n..][..n]);
            let qkv = &self.qkv[l * n * 3 * c..][..n * 3 * c];
            let atty = &self.atty[l * n * c..][..n * c];
            let gelu_grad = &self.fch[l * n * 4 * c..][..n * 4 * c];
            let gelu = &self.gelu[l * n * 4 * c..][..n * 4 * c];
            let probs = &self.probs[l * probs_len..][..probs_len];
            // MLP: x_next = x2 + fc2(gelu(fc(ln2(x2)))); dres is d x_next, then d x2.
            blk.fc2.backward(d4c, g, dres, gelu, p, n);
            kernels::gelu_backward(d4c, gelu_grad);
            blk.fc.backward(dc, g, d4c, ln2, p, n);
            blk.ln2.backward(dres, g, scratch, dc, x2, stats2, p);
            // Attention: x2 = x + proj(attention(qkv(ln1(x)))); dres becomes d x.
            blk.proj.backward(dc, g, dres, atty, p, n);
            att.backward(dqkv, scratch, dc, probs, qkv);
            blk.qkv.backward(dc, g, dqkv, ln1, p, n);
            blk.ln1.backward(dres, g, scratch, dc, x, stats1, p);
        }
        let (dwte, dwpe) = pair(g, layout.wte, layout.wpe);
        kernels::embed_backward(dwte, dwpe, dres, tokens, t, c);
        loss
    }

    /// Row `row`'s logits after [`Workspace::forward`].
    pub fn logits_row(&self, layout: &Layout, row: usize) -> &[f32] {
        &self.logits[row * layout.v..][..layout.v]
    }
}

/// The sequences of each part of a batch of `b`: `min(b, SHARDS)` consecutive runs of nearly
/// equal size.
pub fn shards(b: usize) -> Vec<Range<usize>> {
    let parts = b.clamp(1, SHARDS);
    (0..parts)
        .map(|i| (i * b / parts)..((i + 1) * b / parts))
        .filter(|r| !r.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Gpt;

    fn config() -> ModelConfig {
        ModelConfig {
            vocab_size: 7,
            context: 5,
            d_model: 8,
            n_heads: 2,
            n_layers: 2,
            // Large weights make every layer non-linear, so a wrong backward shows.
            init_std: 0.4,
        }
    }

    /// Mean cross-entropy of the batch (f64 sum of the f32 log-probabilities).
    fn loss(model: &Gpt, inputs: &[u32], targets: &[u32], b: usize, t: usize) -> f64 {
        let mut ws = Vec::new();
        let lp = model.target_log_probs(&mut ws, inputs, targets, b, t);
        -lp.iter().map(|&l| f64::from(l)).sum::<f64>() / (b * t) as f64
    }

    /// The gradient of every parameter tensor (a few entries each) against central finite
    /// differences of the loss: covers the backward pass of every kernel.
    #[test]
    fn backward_matches_finite_differences() {
        let config = config();
        let (b, t) = (3, 5);
        let inputs: Vec<u32> = (0..b * t).map(|i| (i * 5 % 7) as u32).collect();
        let targets: Vec<u32> = (0..b * t).map(|i| ((i * 3 + 1) % 7) as u32).collect();
        let mut model = Gpt::init(&config, 77);
        // Non-trivial LayerNorm gains and biases.
        for (i, p) in model.params_mut().iter_mut().enumerate() {
            *p += 0.05 * ((i * 7919 % 13) as f32 - 6.0) / 6.0;
        }
        let layout = model.layout().clone();
        let scale = 1.0 / (b * t) as f32;
        let mut grads = vec![0f32; layout.len];
        let mut analytic_loss = 0.0;
        for rows in shards(b) {
            let mut ws = Workspace::training();
            let span = rows.start * t..rows.end * t;
            ws.forward(
                &layout,
                model.params(),
                &inputs[span.clone()],
                rows.len(),
                t,
            );
            analytic_loss += ws.backward(
                &layout,
                model.params(),
                &inputs[span.clone()],
                &targets[span],
                rows.len(),
                t,
                scale,
            );
            for (g, w) in grads.iter_mut().zip(&ws.grads) {
                *g += w;
            }
        }
        let reference = loss(&model, &inputs, &targets, b, t);
        assert!((analytic_loss / (b * t) as f64 - reference).abs() < 1e-5);
        let h = 1e-2f32;
        for tensor in &layout.tensors {
            for k in [0, tensor.span.len / 3, tensor.span.len - 1] {
                let i = tensor.span.start + k;
                let original = model.params()[i];
                model.params_mut()[i] = original + h;
                let up = loss(&model, &inputs, &targets, b, t);
                model.params_mut()[i] = original - h;
                let down = loss(&model, &inputs, &targets, b, t);
                model.params_mut()[i] = original;
                let numeric = (up - down) / (2.0 * f64::from(h));
                let analytic = f64::from(grads[i]);
                assert!(
                    (numeric - analytic).abs() < 2e-3 + 2e-2 * numeric.abs(),
                    "{}[{k}]: analytic {analytic:e}, finite differences {numeric:e}",
                    tensor.name
                );
            }
        }
    }

    /// The forward and backward passes give the same bits on every instruction set the
    /// processor runs (the portable build is the reference).
    #[test]
    fn every_instruction_set_gives_the_same_bits() {
        let config = ModelConfig {
            vocab_size: 11,
            context: 13,
            d_model: 24,
            n_heads: 3,
            n_layers: 2,
            init_std: 0.2,
        };
        let (b, t) = (3, 13);
        let inputs: Vec<u32> = (0..b * t).map(|i| (i * 5 % 11) as u32).collect();
        let targets: Vec<u32> = (0..b * t).map(|i| ((i * 3 + 1) % 11) as u32).collect();
        let model = Gpt::init(&config, 5);
        let layout = model.layout().clone();
        let run = |isa| {
            let mut ws = Workspace::training();
            ws.forward_with(isa, &layout, model.params(), &inputs, b, t);
            let logits: Vec<u32> = ws.logits[..b * t * 11]
                .iter()
                .map(|x| x.to_bits())
                .collect();
            let loss = ws.backward_with(isa, &layout, model.params(), &inputs, &targets, b, t, 0.5);
            let grads: Vec<u32> = ws.grads.iter().map(|x| x.to_bits()).collect();
            (logits, loss.to_bits(), grads)
        };
        let portable = run(Isa::Portable);
        for isa in Isa::available() {
            assert!(
                run(isa) == portable,
                "{isa:?} differs from the portable build"
            );
        }
    }

    #[test]
    fn shards_cover_the_batch_in_order() {
        assert_eq!(shards(1), vec![0..1]);
        assert_eq!(shards(5), vec![0..2, 2..5]);
        assert_eq!(shards(32), vec![0..16, 16..32]);
    }

    #[test]
    fn layout_follows_the_module_order() {
        let layout = Layout::new(&config());
        assert_eq!(layout.len, config().parameters());
        let mut end = 0;
        for tensor in &layout.tensors {
            assert_eq!(tensor.span.start, end, "{}", tensor.name);
            end += tensor.span.len;
        }
        assert_eq!(layout.tensors[2].name, "h.0.ln1.gamma");
        assert_eq!(layout.blocks[1].qkv.w, layout.tensors[12 + 4].span);
    }
}

//! The forward and backward passes and the optimizer step on the GPU: the CPU engine's
//! (`engine/mod.rs`, `optim.rs`) step for step, each row kernel one launch of `kernels.cu` and
//! each matrix product one cuBLAS call. The whole batch runs at once (no shards: the GPU's
//! parallelism is within each kernel).
//!
//! Row-major `[rows, cols]` buffers are handed to column-major cuBLAS as their transposes, as
//! llm.c does: a Linear layer `y = x W^T` (`W [out, in]`) is `y^T = W x^T`, i.e.
//! `sgemm(T, N, out, rows, in, W, in, x, in, y, out)`.

use super::device::{Allocations, Arg, Device, Gemm, Kernel, Op, Ptr, THREADS, int, long};
use crate::Result;
use crate::engine::{Layout, Linear, Norm};

/// Rows per chunk of the column sums (bias and LayerNorm parameter gradients): fixed, so the
/// sums' order depends only on the batch shape.
const ROWS_PER_CHUNK: usize = 64;

/// Blocks of the gradient-norm reduction (fixed: its order must not depend on the GPU).
pub(crate) const NORM_BLOCKS: usize = 512;

/// The activation and gradient buffers of batches of `b` sequences of `t` tokens, allocated
/// once per shape.
pub(crate) struct Activations<D: Device> {
    pub b: usize,
    pub t: usize,
    /// Where each buffer is.
    pub bufs: Bufs,
    /// Token groups of the batch uploaded last.
    groups: usize,
    /// The allocations behind `bufs`.
    _memory: Vec<D::Memory>,
}

/// The addresses of the activation buffers (`n = b t` rows, width `c`, `L` layers).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bufs {
    /// Residual stream at each block's input, then after the last: `(L + 1) n c`.
    res: Ptr,
    /// Residual stream between attention and MLP: `L n c`.
    x2: Ptr,
    ln1: Ptr,
    ln2: Ptr,
    /// Per layer: ln1's mean and 1/std per row, then ln2's: `4 L n`.
    stats: Ptr,
    /// q, k and v per layer, each `[b, h, t, hd]`: `3 L n c`.
    qkv: Ptr,
    /// Attention probabilities `[b, h, t, t]` per layer.
    att: Ptr,
    /// Attention output rows `[n, c]` per layer.
    atty: Ptr,
    /// The MLP's pre-activation per layer (`4 c` wide); after the forward pass, GELU's
    /// derivative there.
    fch: Ptr,
    gelu: Ptr,
    lnf: Ptr,
    /// The final LayerNorm's mean and 1/std per row: `2 n`.
    lnf_stats: Ptr,
    /// Logits `[n, V]`; after the backward pass, their gradient.
    logits: Ptr,
    /// `-ln p(target)` per row.
    pub row_loss: Ptr,
    dres: Ptr,
    dc: Ptr,
    /// `4 c` per row: the qkv rows in the forward pass; in the backward pass the MLP's hidden
    /// gradient, then the qkv rows' gradient.
    wide: Ptr,
    /// dq, dk, dv, each `[b, h, t, hd]`.
    dqkv: Ptr,
    /// Attention scores, then their gradient: `[b, h, t, t]`.
    scores: Ptr,
    /// The attention output `[b, h, t, hd]` before it becomes rows, then its gradient.
    heads: Ptr,
    /// Column-sum partials, `chunks x 4 c`.
    partial: Ptr,
    tokens: Ptr,
    targets: Ptr,
    /// The rows grouped by token ([`TokenGroups`]): tokens, starts, rows.
    group_tokens: Ptr,
    group_starts: Ptr,
    group_rows: Ptr,
}

impl<D: Device> Activations<D> {
    /// Buffers for `b` sequences of `t` tokens of the model laid out by `layout`.
    pub fn new(device: &D, layout: &Layout, b: usize, t: usize) -> Result<Self> {
        let (l, c, v, h) = (layout.blocks.len(), layout.c, layout.v, layout.h);
        let n = b * t;
        let chunks = n.div_ceil(ROWS_PER_CHUNK);
        let mut memory = Allocations::new(device);
        let mut alloc = |len| memory.alloc(len);
        let bufs = Bufs {
            res: alloc((l + 1) * n * c)?,
            x2: alloc(l * n * c)?,
            ln1: alloc(l * n * c)?,
            ln2: alloc(l * n * c)?,
            stats: alloc(4 * l * n)?,
            qkv: alloc(3 * l * n * c)?,
            att: alloc(l * b * h * t * t)?,
            atty: alloc(l * n * c)?,
            fch: alloc(4 * l * n * c)?,
            gelu: alloc(4 * l * n * c)?,
            lnf: alloc(n * c)?,
            lnf_stats: alloc(2 * n)?,
            logits: alloc(n * v)?,
            row_loss: alloc(n)?,
            dres: alloc(n * c)?,
            dc: alloc(n * c)?,
            wide: alloc(4 * n * c)?,
            dqkv: alloc(3 * n * c)?,
            scores: alloc(b * h * t * t)?,
            heads: alloc(n * c)?,
            partial: alloc(chunks * 4 * c)?,
            tokens: alloc(n)?,
            targets: alloc(n)?,
            group_tokens: alloc(n)?,
            group_starts: alloc(n + 1)?,
            group_rows: alloc(n)?,
        };
        Ok(Activations {
            b,
            t,
            bufs,
            groups: 0,
            _memory: memory.into_memory(),
        })
    }
}

/// The rows of a batch grouped by input token, for the embedding's backward pass without
/// atomics: group `u` is token `tokens[u]`, its rows `rows[starts[u]..starts[u + 1]]` in
/// increasing order; groups in increasing token order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenGroups {
    /// The distinct tokens.
    pub tokens: Vec<u32>,
    /// Where each group starts in `rows` (one more entry than groups).
    pub starts: Vec<u32>,
    /// Row indices, grouped.
    pub rows: Vec<u32>,
}

impl TokenGroups {
    /// The groups of `inputs` (tokens below `vocab_size`): a counting sort, stable in rows.
    pub fn of(inputs: &[u32], vocab_size: usize) -> Self {
        let mut counts = vec![0u32; vocab_size + 1];
        for &token in inputs {
            counts[token as usize + 1] += 1;
        }
        for i in 0..vocab_size {
            counts[i + 1] += counts[i];
        }
        let mut next = counts.clone();
        let mut rows = vec![0u32; inputs.len()];
        for (row, &token) in inputs.iter().enumerate() {
            rows[next[token as usize] as usize] = row as u32;
            next[token as usize] += 1;
        }
        let (mut tokens, mut starts) = (Vec::new(), Vec::new());
        for token in 0..vocab_size {
            if counts[token + 1] > counts[token] {
                tokens.push(token as u32);
                starts.push(counts[token]);
            }
        }
        starts.push(inputs.len() as u32);
        TokenGroups {
            tokens,
            starts,
            rows,
        }
    }
}

/// The device addresses of a model's parameters (or of their gradients, in the same layout).
#[derive(Clone, Copy)]
struct Params(Ptr);

impl Params {
    fn of(self, span: crate::engine::Span) -> Ptr {
        self.0.at(span.start)
    }
}

/// One step's passes: the GPU, the model's layout, its parameters and gradients, and the
/// buffers of the batch's shape.
pub(crate) struct Passes<'a, D: Device> {
    pub device: &'a D,
    pub layout: &'a Layout,
    pub params: Ptr,
    pub grads: Ptr,
    pub acts: &'a mut Activations<D>,
}

impl<D: Device> Passes<'_, D> {
    /// `(n, c, V)`: rows, width and vocabulary.
    fn dims(&self) -> (usize, usize, usize) {
        (self.acts.b * self.acts.t, self.layout.c, self.layout.v)
    }

    fn p(&self) -> Params {
        Params(self.params)
    }

    fn g(&self) -> Params {
        Params(self.grads)
    }

    /// Uploads a batch: its inputs, targets and the inputs' token groups.
    pub fn upload(&mut self, inputs: &[u32], targets: &[u32]) -> Result<()> {
        let groups = TokenGroups::of(inputs, self.layout.v);
        let (device, x) = (self.device, self.acts.bufs);
        device.write(x.tokens, inputs)?;
        device.write(x.targets, targets)?;
        device.write(x.group_tokens, &groups.tokens)?;
        device.write(x.group_starts, &groups.starts)?;
        device.write(x.group_rows, &groups.rows)?;
        self.acts.groups = groups.tokens.len();
        Ok(())
    }

    /// `out = LayerNorm(x)`, keeping each row's mean and 1/std at `stats` and `stats + n`.
    fn norm_forward(&self, norm: Norm, out: Ptr, stats: Ptr, x: Ptr) -> Result<()> {
        let (n, c, ..) = self.dims();
        let args = [
            Arg::P(out),
            Arg::P(stats),
            Arg::P(stats.at(n)),
            Arg::P(x),
            Arg::P(self.p().of(norm.w)),
            Arg::P(self.p().of(norm.b)),
            int(n),
            int(c),
        ];
        self.device
            .launch_rows(Kernel::layer_norm_forward, n, &args)
    }

    /// `dx += dLayerNorm/dx . dout`, and the gain's and shift's gradients.
    fn norm_backward(&self, norm: Norm, dx: Ptr, dout: Ptr, x: Ptr, stats: Ptr) -> Result<()> {
        let (n, c, ..) = self.dims();
        let (mean, rstd) = (stats, stats.at(n));
        let w = self.p().of(norm.w);
        let args = [
            Arg::P(dx),
            Arg::P(dout),
            Arg::P(x),
            Arg::P(w),
            Arg::P(mean),
            Arg::P(rstd),
            int(n),
            int(c),
        ];
        self.device
            .launch_rows(Kernel::layer_norm_backward, n, &args)?;
        let partial = self.acts.bufs.partial;
        let chunks = n.div_ceil(ROWS_PER_CHUNK);
        let args = [
            Arg::P(partial),
            Arg::P(dout),
            Arg::P(x),
            Arg::P(mean),
            Arg::P(rstd),
            int(n),
            int(c),
            int(ROWS_PER_CHUNK),
        ];
        let grid = (c.div_ceil(THREADS as usize) as u32, chunks as u32);
        self.device
            .launch(Kernel::layer_norm_param_partials, grid, &args)?;
        // The gain and the shift are adjacent in the layout: one sum over `2 c` columns.
        debug_assert_eq!(norm.w.start + c, norm.b.start);
        self.sum_partials(self.g().of(norm.w), chunks, 2 * c)
    }

    /// `grad[j] += sum_k partial[k, j]`.
    fn sum_partials(&self, grad: Ptr, chunks: usize, width: usize) -> Result<()> {
        let partial = self.acts.bufs.partial;
        let args = [Arg::P(grad), Arg::P(partial), int(chunks), int(width)];
        self.device
            .launch_elements(Kernel::sum_partials, width, &args)
    }

    /// `y = residual + x W^T + b` (`residual` null: `y = x W^T + b`).
    fn linear_forward(&self, lin: Linear, y: Ptr, x: Ptr, residual: Ptr) -> Result<()> {
        let (n, ..) = self.dims();
        let args = [
            Arg::P(y),
            Arg::P(residual),
            Arg::P(self.p().of(lin.b)),
            int(n),
            int(lin.out),
        ];
        self.device
            .launch_elements(Kernel::bias_rows, n * lin.out, &args)?;
        self.product(y, x, self.p().of(lin.w), lin.inp, lin.out, 1.0)
    }

    /// `y = beta y + x W^T` for `x [n, inp]`, `W [out, inp]`.
    fn product(&self, y: Ptr, x: Ptr, w: Ptr, inp: usize, out: usize, beta: f32) -> Result<()> {
        let (n, ..) = self.dims();
        self.device.gemm(Gemm {
            ops: (Op::T, Op::N),
            m: out,
            n,
            k: inp,
            a: (w, inp, 0),
            b: (x, inp, 0),
            c: (y, out, 0),
            beta,
            batch: 1,
        })
    }

    /// `dx = dy W` (overwritten), `dW += dy^T x`, and `db += sum_rows dy` when the layer
    /// has a bias.
    fn linear_backward(
        &self,
        w: Ptr,
        dw: Ptr,
        db: Option<Ptr>,
        dims: (usize, usize),
        io: [Ptr; 3],
    ) -> Result<()> {
        let (n, ..) = self.dims();
        let ((inp, out), [dx, dy, x]) = (dims, io);
        if let Some(db) = db {
            let chunks = n.div_ceil(ROWS_PER_CHUNK);
            let partial = self.acts.bufs.partial;
            let args = [
                Arg::P(partial),
                Arg::P(dy),
                int(n),
                int(out),
                int(ROWS_PER_CHUNK),
            ];
            let grid = (out.div_ceil(THREADS as usize) as u32, chunks as u32);
            self.device.launch(Kernel::column_partials, grid, &args)?;
            self.sum_partials(db, chunks, out)?;
        }
        self.device.gemm(Gemm {
            ops: (Op::N, Op::T),
            m: inp,
            n: out,
            k: n,
            a: (x, inp, 0),
            b: (dy, out, 0),
            c: (dw, inp, 0),
            beta: 1.0,
            batch: 1,
        })?;
        self.device.gemm(Gemm {
            ops: (Op::N, Op::N),
            m: inp,
            n,
            k: out,
            a: (w, inp, 0),
            b: (dy, out, 0),
            c: (dx, inp, 0),
            beta: 0.0,
            batch: 1,
        })
    }

    fn linear_backward_layer(&self, lin: Linear, dx: Ptr, dy: Ptr, x: Ptr) -> Result<()> {
        let (p, g) = (self.p(), self.g());
        let dims = (lin.inp, lin.out);
        self.linear_backward(
            p.of(lin.w),
            g.of(lin.w),
            Some(g.of(lin.b)),
            dims,
            [dx, dy, x],
        )
    }

    /// Layer `l`'s part of a per-layer buffer of `n x width` per layer.
    fn slot(&self, base: Ptr, l: usize, width: usize) -> Ptr {
        let (n, ..) = self.dims();
        base.at(l * n * width)
    }
}

impl<D: Device> Passes<'_, D> {
    fn bufs(&self) -> Bufs {
        self.acts.bufs
    }

    /// Attention's shapes: `(b, t, h, hd, scale)`.
    fn heads(&self) -> (usize, usize, usize, usize, f32) {
        let (b, t, h) = (self.acts.b, self.acts.t, self.layout.h);
        let hd = self.layout.c / h;
        (b, t, h, hd, 1.0 / (hd as f32).sqrt())
    }

    /// The forward pass up to the logits.
    pub fn forward(&mut self) -> Result<()> {
        let (n, c, ..) = self.dims();
        let (device, x) = (self.device, self.bufs());
        let (b, t, ..) = self.heads();
        let (wte, wpe) = (self.p().of(self.layout.wte), self.p().of(self.layout.wpe));
        let args = [
            Arg::P(x.res),
            Arg::P(x.tokens),
            Arg::P(wte),
            Arg::P(wpe),
            int(n),
            int(t),
            int(c),
        ];
        device.launch_elements(Kernel::embed_forward, n * c, &args)?;
        debug_assert_eq!(b * t, n);
        for (l, blk) in self.layout.blocks.iter().enumerate() {
            let (res, res_next) = (self.slot(x.res, l, c), self.slot(x.res, l + 1, c));
            let (ln1, ln2) = (self.slot(x.ln1, l, c), self.slot(x.ln2, l, c));
            let (stats1, stats2) = (x.stats.at(4 * l * n), x.stats.at(4 * l * n + 2 * n));
            self.norm_forward(blk.ln1, ln1, stats1, res)?;
            self.linear_forward(blk.qkv, x.wide, ln1, Ptr::null())?;
            let atty = self.slot(x.atty, l, c);
            self.attention_forward(l, &x, atty)?;
            let x2 = self.slot(x.x2, l, c);
            self.linear_forward(blk.proj, x2, atty, res)?;
            self.norm_forward(blk.ln2, ln2, stats2, x2)?;
            let (fch, gelu) = (self.slot(x.fch, l, 4 * c), self.slot(x.gelu, l, 4 * c));
            self.linear_forward(blk.fc, fch, ln2, Ptr::null())?;
            let args = [Arg::P(gelu), Arg::P(fch), long(n * 4 * c)];
            device.launch_elements(Kernel::gelu_forward, n * 4 * c, &args)?;
            self.linear_forward(blk.fc2, res_next, gelu, x2)?;
        }
        let last = self.slot(x.res, self.layout.blocks.len(), c);
        self.norm_forward(self.layout.lnf, x.lnf, x.lnf_stats, last)?;
        let head = self.p().of(self.layout.head);
        self.product(x.logits, x.lnf, head, c, self.layout.v, 0.0)
    }

    /// Causal attention of layer `l` from the qkv rows in `wide` into the rows `atty`,
    /// keeping q, k, v and the probabilities.
    fn attention_forward(&self, l: usize, x: &Bufs, atty: Ptr) -> Result<()> {
        let (n, c, ..) = self.dims();
        let (b, t, h, hd, scale) = self.heads();
        let device = self.device;
        let qkv = x.qkv.at(3 * l * n * c);
        let (q, key, v) = (qkv, qkv.at(n * c), qkv.at(2 * n * c));
        let args = [
            Arg::P(x.wide),
            Arg::P(q),
            Arg::P(key),
            Arg::P(v),
            int(b),
            int(t),
            int(h),
            int(hd),
            int(1),
        ];
        device.launch_elements(Kernel::attention_permute, n * c, &args)?;
        // scores[q_i, k_j] = q_i . k_j, per (sequence, head).
        let square = t * t;
        device.gemm(Gemm {
            ops: (Op::T, Op::N),
            m: t,
            n: t,
            k: hd,
            a: (key, hd, t * hd),
            b: (q, hd, t * hd),
            c: (x.scores, t, square),
            beta: 0.0,
            batch: b * h,
        })?;
        let att = x.att.at(l * b * h * square);
        let rows = b * h * t;
        let args = [
            Arg::P(att),
            Arg::P(x.scores),
            int(rows),
            int(t),
            Arg::F(scale),
        ];
        device.launch_rows(Kernel::causal_softmax, rows, &args)?;
        // heads = att v.
        device.gemm(Gemm {
            ops: (Op::N, Op::N),
            m: hd,
            n: t,
            k: t,
            a: (v, hd, t * hd),
            b: (att, t, square),
            c: (x.heads, hd, t * hd),
            beta: 0.0,
            batch: b * h,
        })?;
        let args = [
            Arg::P(atty),
            Arg::P(x.heads),
            int(b),
            int(t),
            int(h),
            int(hd),
            int(1),
        ];
        device.launch_elements(Kernel::attention_unpermute, n * c, &args)
    }

    /// After [`Passes::forward`]: the cross-entropy of the targets per row (in
    /// [`Bufs::row_loss`], nats) and into the gradients (cleared first) the gradient of
    /// `scale * sum loss`.
    pub fn backward(&mut self, scale: f32) -> Result<()> {
        let (n, c, v, ..) = self.dims();
        let (device, x) = (self.device, self.bufs());
        let args = [
            Arg::P(x.logits),
            Arg::P(x.row_loss),
            Arg::P(x.targets),
            int(n),
            int(v),
            Arg::F(scale),
        ];
        device.launch(Kernel::cross_entropy_backward, (n as u32, 1), &args)?;
        let (p, g) = (self.p(), self.g());
        let head = self.layout.head;
        let io = [x.dc, x.logits, x.lnf];
        self.linear_backward(p.of(head), g.of(head), None, (c, v), io)?;
        device.clear(x.dres, n * c)?;
        let last = self.slot(x.res, self.layout.blocks.len(), c);
        self.norm_backward(self.layout.lnf, x.dres, x.dc, last, x.lnf_stats)?;
        for (l, blk) in self.layout.blocks.iter().enumerate().rev() {
            let res = self.slot(x.res, l, c);
            let x2 = self.slot(x.x2, l, c);
            let (ln1, ln2) = (self.slot(x.ln1, l, c), self.slot(x.ln2, l, c));
            let (stats1, stats2) = (x.stats.at(4 * l * n), x.stats.at(4 * l * n + 2 * n));
            let (fch, gelu) = (self.slot(x.fch, l, 4 * c), self.slot(x.gelu, l, 4 * c));
            // MLP: x_next = x2 + fc2(gelu(fc(ln2(x2)))); dres is d x_next, then d x2.
            self.linear_backward_layer(blk.fc2, x.wide, x.dres, gelu)?;
            let args = [Arg::P(x.wide), Arg::P(fch), long(n * 4 * c)];
            device.launch_elements(Kernel::gelu_backward, n * 4 * c, &args)?;
            self.linear_backward_layer(blk.fc, x.dc, x.wide, ln2)?;
            self.norm_backward(blk.ln2, x.dres, x.dc, x2, stats2)?;
            // Attention: x2 = x + proj(attention(qkv(ln1(x)))); dres becomes d x.
            let atty = self.slot(x.atty, l, c);
            self.linear_backward_layer(blk.proj, x.dc, x.dres, atty)?;
            self.attention_backward(l, &x)?;
            self.linear_backward_layer(blk.qkv, x.dc, x.wide, ln1)?;
            self.norm_backward(blk.ln1, x.dres, x.dc, res, stats1)?;
        }
        self.embed_backward(&x)
    }

    /// Attention's backward pass of layer `l`: from the rows' gradient in `dc` to the qkv rows'
    /// gradient in `wide`: `dP = dy v^T`, `dS = P (dP - rowsum(P dP)) scale`, `dq = dS k`,
    /// `dk = dS^T q`, `dv = P^T dy`.
    fn attention_backward(&self, l: usize, x: &Bufs) -> Result<()> {
        let (n, c, ..) = self.dims();
        let (b, t, h, hd, scale) = self.heads();
        let device = self.device;
        let qkv = x.qkv.at(3 * l * n * c);
        let (q, key, v) = (qkv, qkv.at(n * c), qkv.at(2 * n * c));
        let (dq, dk, dv) = (x.dqkv, x.dqkv.at(n * c), x.dqkv.at(2 * n * c));
        let square = t * t;
        let att = x.att.at(l * b * h * square);
        // The rows' gradient as [b, h, t, hd].
        let args = [
            Arg::P(x.dc),
            Arg::P(x.heads),
            int(b),
            int(t),
            int(h),
            int(hd),
            int(0),
        ];
        device.launch_elements(Kernel::attention_unpermute, n * c, &args)?;
        let batched = |ops, (m, nn, kk), a, bb, cc| Gemm {
            ops,
            m,
            n: nn,
            k: kk,
            a,
            b: bb,
            c: cc,
            beta: 0.0,
            batch: b * h,
        };
        let (rows_hd, rows_t) = ((hd, t * hd), (t, square));
        let at = |p: Ptr, (ld, stride): (usize, usize)| (p, ld, stride);
        // dP[i, j] = dy_i . v_j.
        device.gemm(batched(
            (Op::T, Op::N),
            (t, t, hd),
            at(v, rows_hd),
            at(x.heads, rows_hd),
            at(x.scores, rows_t),
        ))?;
        // dv = P^T dy.
        device.gemm(batched(
            (Op::N, Op::T),
            (hd, t, t),
            at(x.heads, rows_hd),
            at(att, rows_t),
            at(dv, rows_hd),
        ))?;
        let rows = b * h * t;
        let args = [
            Arg::P(x.scores),
            Arg::P(att),
            int(rows),
            int(t),
            Arg::F(scale),
        ];
        device.launch_rows(Kernel::causal_softmax_backward, rows, &args)?;
        // dq = dS k, dk = dS^T q.
        device.gemm(batched(
            (Op::N, Op::N),
            (hd, t, t),
            at(key, rows_hd),
            at(x.scores, rows_t),
            at(dq, rows_hd),
        ))?;
        device.gemm(batched(
            (Op::N, Op::T),
            (hd, t, t),
            at(q, rows_hd),
            at(x.scores, rows_t),
            at(dk, rows_hd),
        ))?;
        let args = [
            Arg::P(x.wide),
            Arg::P(dq),
            Arg::P(dk),
            Arg::P(dv),
            int(b),
            int(t),
            int(h),
            int(hd),
            int(0),
        ];
        device.launch_elements(Kernel::attention_permute, n * c, &args)
    }

    /// The embeddings' gradients from the residual stream's gradient at the first block.
    fn embed_backward(&self, x: &Bufs) -> Result<()> {
        let (n, c, ..) = self.dims();
        let (b, t, ..) = self.heads();
        let (device, g) = (self.device, self.g());
        let args = [
            Arg::P(g.of(self.layout.wpe)),
            Arg::P(x.dres),
            int(b),
            int(t),
            int(c),
        ];
        device.launch_elements(Kernel::embed_backward_positions, t * c, &args)?;
        let a = &*self.acts;
        let args = [
            Arg::P(g.of(self.layout.wte)),
            Arg::P(x.dres),
            Arg::P(x.group_tokens),
            Arg::P(x.group_starts),
            Arg::P(x.group_rows),
            int(a.groups),
            int(c),
        ];
        debug_assert!(a.groups <= n);
        device.launch(
            Kernel::embed_backward_tokens,
            (c.div_ceil(THREADS as usize) as u32, a.groups as u32),
            &args,
        )
    }
}

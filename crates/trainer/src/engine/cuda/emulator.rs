//! A CPU emulator of the GPU, for the tests: device memory is host memory behind fake
//! addresses, each kernel of `kernels.cu` is re-implemented here from its comment, and each
//! cuBLAS product is the column-major definition. Running the CUDA engine's passes on it checks
//! what no build can: every launch's argument order, every pointer offset, leading dimension
//! and batch stride, and every buffer size (an access beyond an allocation panics), against
//! the CPU engine. It checks each kernel's grid too (enough threads for its work). The CUDA
//! kernel bodies themselves only run on a GPU (`skm-gpu equivalence`).

use std::cell::RefCell;

use super::device::{Arg, Device, Gemm, Kernel, Op, Ptr, THREADS};
use crate::Result;
use crate::engine::kernels;

/// Allocation `i` starts at `(i + 1) << SHIFT`.
const SHIFT: u32 = 40;

/// Host memory standing in for a GPU's.
#[derive(Default)]
pub(crate) struct Emulator {
    memory: RefCell<Vec<Vec<u8>>>,
}

/// A decoded argument list.
struct Args<'a>(&'a [Arg]);

impl Args<'_> {
    fn p(&self, i: usize) -> Ptr {
        match self.0[i] {
            Arg::P(p) => p,
            other => panic!("argument {i} is {other:?}, not a pointer"),
        }
    }

    fn i(&self, i: usize) -> usize {
        match self.0[i] {
            Arg::I(x) => usize::try_from(x).expect("a non-negative int"),
            other => panic!("argument {i} is {other:?}, not an int"),
        }
    }

    fn l(&self, i: usize) -> usize {
        match self.0[i] {
            Arg::L(x) => usize::try_from(x).expect("a non-negative long"),
            other => panic!("argument {i} is {other:?}, not a long"),
        }
    }

    fn f(&self, i: usize) -> f32 {
        match self.0[i] {
            Arg::F(x) => x,
            other => panic!("argument {i} is {other:?}, not a float"),
        }
    }
}

impl Emulator {
    /// (allocation, byte offset) of `at`.
    fn locate(at: Ptr) -> (usize, usize) {
        assert_ne!(at, Ptr::null(), "null pointer dereferenced");
        let index = (at.0 >> SHIFT) as usize - 1;
        (index, (at.0 & ((1 << SHIFT) - 1)) as usize)
    }

    fn get(&self, at: Ptr, i: usize) -> f32 {
        f32::from_bits(self.get_u32(at, i))
    }

    fn get_u32(&self, at: Ptr, i: usize) -> u32 {
        let (index, offset) = Self::locate(at.at(i));
        let memory = self.memory.borrow();
        let bytes = &memory[index][offset..offset + 4];
        u32::from_le_bytes(bytes.try_into().expect("4 bytes"))
    }

    fn set(&self, at: Ptr, i: usize, value: f32) {
        let (index, offset) = Self::locate(at.at(i));
        self.memory.borrow_mut()[index][offset..offset + 4].copy_from_slice(&value.to_le_bytes());
    }

    fn vec(&self, at: Ptr, len: usize) -> Vec<f32> {
        (0..len).map(|i| self.get(at, i)).collect()
    }

    fn store(&self, at: Ptr, values: &[f32]) {
        for (i, &v) in values.iter().enumerate() {
            self.set(at, i, v);
        }
    }

    /// Panics unless `grid` blocks of [`THREADS`] threads give each of `work` items a thread
    /// (`per_thread` items per thread; a warp per item for the row kernels).
    fn covers(grid: (u32, u32), threads_per_item: usize, work: usize) {
        let threads = grid.0 as usize * THREADS as usize;
        assert!(
            threads >= work * threads_per_item,
            "{threads} threads for {work} items"
        );
    }

    /// `kernel` on the CPU, from its arguments.
    fn run(&self, kernel: Kernel, grid: (u32, u32), a: &Args) {
        use Kernel::*;
        match kernel {
            embed_forward => self.embed_forward(grid, a),
            embed_backward_positions => self.embed_backward_positions(grid, a),
            embed_backward_tokens => self.embed_backward_tokens(grid, a),
            layer_norm_forward => self.layer_norm_forward(grid, a),
            layer_norm_backward => self.layer_norm_backward(grid, a),
            layer_norm_param_partials => self.layer_norm_param_partials(grid, a),
            column_partials => self.column_partials(grid, a),
            sum_partials => self.sum_partials(grid, a),
            bias_rows => self.bias_rows(grid, a),
            gelu_forward => self.gelu_forward(grid, a),
            gelu_backward => self.gelu_backward(grid, a),
            attention_permute | attention_unpermute => self.permute(kernel, grid, a),
            causal_softmax | causal_softmax_backward => self.softmax(kernel, grid, a),
            cross_entropy_backward => self.cross_entropy_backward(grid, a),
            sum_squares => self.sum_squares(grid, a),
            adamw => self.adamw(grid, a),
        }
    }

    /// `x[r] = wte[tokens[r]] + wpe[r % t]`, rows of `c`.
    fn embed_forward(&self, grid: (u32, u32), a: &Args) {
        let (x, tokens, wte, wpe) = (a.p(0), a.p(1), a.p(2), a.p(3));
        let (n, t, c) = (a.i(4), a.i(5), a.i(6));
        Self::covers(grid, 1, n * c);
        for r in 0..n {
            let token = self.get_u32(tokens, r) as usize;
            for j in 0..c {
                let value = self.get(wte, token * c + j) + self.get(wpe, (r % t) * c + j);
                self.set(x, r * c + j, value);
            }
        }
    }

    /// `dwpe += sum over the batch of dx`, `[t, c]` per sequence.
    fn embed_backward_positions(&self, grid: (u32, u32), a: &Args) {
        let (dwpe, dx, b, t, c) = (a.p(0), a.p(1), a.i(2), a.i(3), a.i(4));
        Self::covers(grid, 1, t * c);
        for i in 0..t * c {
            let total: f32 = (0..b).map(|s| self.get(dx, s * t * c + i)).sum();
            self.set(dwpe, i, self.get(dwpe, i) + total);
        }
    }

    /// `dwte[token] += sum of dx over the rows of that token` (rows grouped by token).
    fn embed_backward_tokens(&self, grid: (u32, u32), a: &Args) {
        let (dwte, dx, tokens, starts, rows) = (a.p(0), a.p(1), a.p(2), a.p(3), a.p(4));
        let (groups, c) = (a.i(5), a.i(6));
        Self::covers(grid, 1, c);
        assert_eq!(grid.1 as usize, groups);
        for u in 0..groups {
            let token = self.get_u32(tokens, u) as usize;
            let range = self.get_u32(starts, u)..self.get_u32(starts, u + 1);
            for j in 0..c {
                let total: f32 = range
                    .clone()
                    .map(|k| self.get(dx, self.get_u32(rows, k as usize) as usize * c + j))
                    .sum();
                let at = token * c + j;
                self.set(dwte, at, self.get(dwte, at) + total);
            }
        }
    }

    /// Layer norm of `n` rows of `c`, keeping each row's mean and 1/std.
    fn layer_norm_forward(&self, grid: (u32, u32), a: &Args) {
        let (out, mean, rstd, x, w, b) = (a.p(0), a.p(1), a.p(2), a.p(3), a.p(4), a.p(5));
        let (n, c) = (a.i(6), a.i(7));
        Self::covers(grid, 32, n);
        let (mut o, mut mu, mut r) = (vec![0.0; n * c], vec![0.0; n], vec![0.0; n]);
        let (xs, ws, bs) = (self.vec(x, n * c), self.vec(w, c), self.vec(b, c));
        kernels::layer_norm_forward(&mut o, &mut mu, &mut r, &xs, &ws, &bs, c);
        self.store(out, &o);
        self.store(mean, &mu);
        self.store(rstd, &r);
    }

    /// Layer norm's input gradient (its weight and bias gradients come from the partials).
    fn layer_norm_backward(&self, grid: (u32, u32), a: &Args) {
        let (dx, dout, x, w, mean, rstd) = (a.p(0), a.p(1), a.p(2), a.p(3), a.p(4), a.p(5));
        let (n, c) = (a.i(6), a.i(7));
        Self::covers(grid, 32, n);
        let mut d = self.vec(dx, n * c);
        let (mut dw, mut db, mut scratch) = (vec![0.0; c], vec![0.0; c], vec![0.0; c]);
        kernels::layer_norm_backward(
            &mut d,
            &mut dw,
            &mut db,
            &mut scratch,
            &self.vec(dout, n * c),
            &self.vec(x, n * c),
            &self.vec(w, c),
            &self.vec(mean, n),
            &self.vec(rstd, n),
            c,
        );
        self.store(dx, &d);
    }

    /// Per chunk of `per` rows, the partial sums of the layer norm's weight and bias gradients.
    fn layer_norm_param_partials(&self, grid: (u32, u32), a: &Args) {
        let (partial, dout, x, mean, rstd) = (a.p(0), a.p(1), a.p(2), a.p(3), a.p(4));
        let (n, c, per) = (a.i(5), a.i(6), a.i(7));
        Self::covers(grid, 1, c);
        assert_eq!(grid.1 as usize, n.div_ceil(per));
        for k in 0..n.div_ceil(per) {
            for j in 0..c {
                let (mut dw, mut db) = (0.0, 0.0);
                for r in k * per..n.min((k + 1) * per) {
                    let d = self.get(dout, r * c + j);
                    let norm = (self.get(x, r * c + j) - self.get(mean, r)) * self.get(rstd, r);
                    dw += d * norm;
                    db += d;
                }
                self.set(partial, k * 2 * c + j, dw);
                self.set(partial, k * 2 * c + c + j, db);
            }
        }
    }

    /// Per chunk of `per` rows, the partial column sums of `dout` (a bias gradient).
    fn column_partials(&self, grid: (u32, u32), a: &Args) {
        let (partial, dout, n, c, per) = (a.p(0), a.p(1), a.i(2), a.i(3), a.i(4));
        Self::covers(grid, 1, c);
        assert_eq!(grid.1 as usize, n.div_ceil(per));
        for k in 0..n.div_ceil(per) {
            for j in 0..c {
                let total = (k * per..n.min((k + 1) * per))
                    .map(|r| self.get(dout, r * c + j))
                    .sum();
                self.set(partial, k * c + j, total);
            }
        }
    }

    /// `grad += sum of the partials` column by column.
    fn sum_partials(&self, grid: (u32, u32), a: &Args) {
        let (grad, partial, chunks, width) = (a.p(0), a.p(1), a.i(2), a.i(3));
        Self::covers(grid, 1, width);
        for j in 0..width {
            let total: f32 = (0..chunks).map(|k| self.get(partial, k * width + j)).sum();
            self.set(grad, j, self.get(grad, j) + total);
        }
    }

    /// `y = residual + bias` row by row (no residual: the bias alone).
    fn bias_rows(&self, grid: (u32, u32), a: &Args) {
        let (y, residual, bias, n, c) = (a.p(0), a.p(1), a.p(2), a.i(3), a.i(4));
        Self::covers(grid, 1, n * c);
        for i in 0..n * c {
            let r = if residual == Ptr::null() {
                0.0
            } else {
                self.get(residual, i)
            };
            self.set(y, i, r + self.get(bias, i % c));
        }
    }

    /// GELU, keeping its derivative in `x`.
    fn gelu_forward(&self, grid: (u32, u32), a: &Args) {
        let (out, x, len) = (a.p(0), a.p(1), a.l(2));
        Self::covers(grid, 1, len);
        let (mut o, mut xs) = (vec![0.0; len], self.vec(x, len));
        kernels::gelu_forward(&mut o, &mut xs);
        self.store(out, &o);
        self.store(x, &xs);
    }

    /// `d *= derivative`.
    fn gelu_backward(&self, grid: (u32, u32), a: &Args) {
        let (d, derivative, len) = (a.p(0), a.p(1), a.l(2));
        Self::covers(grid, 1, len);
        for i in 0..len {
            self.set(d, i, self.get(d, i) * self.get(derivative, i));
        }
    }

    /// Softmax cross-entropy of each row: the loss, and the logits replaced by their gradient.
    fn cross_entropy_backward(&self, grid: (u32, u32), a: &Args) {
        let (logits, loss, targets) = (a.p(0), a.p(1), a.p(2));
        let (n, v, scale) = (a.i(3), a.i(4), a.f(5));
        assert_eq!(grid.0 as usize, n, "one block per row");
        let mut rows = self.vec(logits, n * v);
        let ys: Vec<u32> = (0..n).map(|r| self.get_u32(targets, r)).collect();
        for (r, row) in rows.chunks_exact_mut(v).enumerate() {
            let lost = kernels::cross_entropy_backward(row, &ys[r..=r], v, scale);
            self.set(loss, r, lost as f32);
        }
        self.store(logits, &rows);
    }

    /// Per block, the sum of squares of its grid-strided elements (in f64), for the gradient norm.
    fn sum_squares(&self, grid: (u32, u32), a: &Args) {
        let (partial, g, len) = (a.p(0), a.p(1), a.l(2));
        let width = grid.0 as usize * THREADS as usize;
        let mut sums = vec![0f64; grid.0 as usize];
        for i in 0..len {
            let x = f64::from(self.get(g, i));
            sums[(i % width) / THREADS as usize] += x * x;
        }
        self.write(partial, &sums).expect("host memory");
    }

    /// One AdamW step with decoupled weight decay, gradients scaled by `scale` (clipping).
    fn adamw(&self, grid: (u32, u32), a: &Args) {
        let (p, m, v, g, len) = (a.p(0), a.p(1), a.p(2), a.p(3), a.l(4));
        let (scale, keep, omb1, beta2, omb2) = (a.f(5), a.f(6), a.f(7), a.f(8), a.f(9));
        let (bias2_sqrt, eps, step) = (a.f(10), a.f(11), a.f(12));
        Self::covers(grid, 1, len);
        for i in 0..len {
            let grad = if scale == 1.0 {
                self.get(g, i)
            } else {
                self.get(g, i) * scale
            };
            let w = self.get(p, i) * keep;
            let mi = self.get(m, i) + omb1 * (grad - self.get(m, i));
            let vi = self.get(v, i) * beta2 + grad * grad * omb2;
            self.set(p, i, w - mi / (vi.sqrt() / bias2_sqrt + eps) * step);
            self.set(m, i, mi);
            self.set(v, i, vi);
        }
    }

    /// `attention_permute` (qkv rows to or from q, k, v) and `attention_unpermute` (head rows
    /// to or from `[b, h, t, hd]`).
    fn permute(&self, kernel: Kernel, grid: (u32, u32), a: &Args) {
        let permute = kernel == Kernel::attention_permute;
        let first = if permute { 4 } else { 2 };
        let (b, t, h, hd) = (a.i(first), a.i(first + 1), a.i(first + 2), a.i(first + 3));
        let forward = a.i(first + 4) == 1;
        let c = h * hd;
        Self::covers(grid, 1, b * h * t * hd);
        for i in 0..b * h * t * hd {
            let (d, p, head, s) = (i % hd, (i / hd) % t, (i / hd / t) % h, i / hd / t / h);
            if permute {
                let at = (s * t + p) * 3 * c + head * hd + d;
                for part in 0..3 {
                    let (rows, heads) = (a.p(0), a.p(1 + part));
                    match forward {
                        true => self.set(heads, i, self.get(rows, at + part * c)),
                        false => self.set(rows, at + part * c, self.get(heads, i)),
                    }
                }
            } else {
                let at = (s * t + p) * c + head * hd + d;
                let (rows, heads) = (a.p(0), a.p(1));
                match forward {
                    true => self.set(rows, at, self.get(heads, i)),
                    false => self.set(heads, i, self.get(rows, at)),
                }
            }
        }
    }

    /// `causal_softmax` and `causal_softmax_backward`, row by row.
    fn softmax(&self, kernel: Kernel, grid: (u32, u32), a: &Args) {
        let (out, input, rows, t, scale) = (a.p(0), a.p(1), a.i(2), a.i(3), a.f(4));
        Self::covers(grid, 32, rows);
        for row in 0..rows {
            let i = row % t;
            let x = self.vec(input.at(row * t), t);
            let mut y = self.vec(out.at(row * t), t);
            if kernel == Kernel::causal_softmax {
                let max = x[..=i]
                    .iter()
                    .fold(f32::NEG_INFINITY, |m, &s| m.max(scale * s));
                let e: Vec<f32> = x[..=i].iter().map(|&s| (scale * s - max).exp()).collect();
                let total: f32 = e.iter().sum();
                for (j, y) in y.iter_mut().enumerate() {
                    *y = if j <= i { e[j] / total } else { 0.0 };
                }
            } else {
                // out is datt (the gradient, in place), input the probabilities.
                let inner: f32 = (0..=i).map(|j| x[j] * y[j]).sum();
                for (j, d) in y.iter_mut().enumerate() {
                    *d = if j <= i {
                        x[j] * (*d - inner) * scale
                    } else {
                        0.0
                    };
                }
            }
            self.store(out.at(row * t), &y);
        }
    }
}

impl Device for Emulator {
    /// The allocation's index.
    type Memory = usize;

    fn alloc(&self, len: usize) -> Result<usize> {
        let mut memory = self.memory.borrow_mut();
        memory.push(vec![0; 4 * len.max(1)]);
        Ok(memory.len() - 1)
    }

    fn address(&self, index: &usize) -> Ptr {
        Ptr(((*index as u64) + 1) << SHIFT)
    }

    fn write<T: Copy>(&self, at: Ptr, host: &[T]) -> Result<()> {
        // SAFETY: `T` is a plain number (f32, u32 or f64): its bytes are its value.
        let bytes = unsafe {
            std::slice::from_raw_parts(host.as_ptr().cast::<u8>(), std::mem::size_of_val(host))
        };
        let (index, offset) = Self::locate(at);
        self.memory.borrow_mut()[index][offset..offset + bytes.len()].copy_from_slice(bytes);
        Ok(())
    }

    fn read<T: Copy + Default>(&self, at: Ptr, len: usize) -> Result<Vec<T>> {
        let mut host = vec![T::default(); len];
        let (index, offset) = Self::locate(at);
        let size = std::mem::size_of_val(host.as_slice());
        // SAFETY: `T` is a plain number (f32, u32 or f64), so any bytes are a value of it.
        let bytes = unsafe { std::slice::from_raw_parts_mut(host.as_mut_ptr().cast::<u8>(), size) };
        bytes.copy_from_slice(&self.memory.borrow()[index][offset..offset + size]);
        Ok(host)
    }

    fn clear(&self, at: Ptr, len: usize) -> Result<()> {
        let (index, offset) = Self::locate(at);
        self.memory.borrow_mut()[index][offset..offset + 4 * len].fill(0);
        Ok(())
    }

    fn launch(&self, kernel: Kernel, grid: (u32, u32), args: &[Arg]) -> Result<()> {
        self.run(kernel, grid, &Args(args));
        Ok(())
    }

    fn gemm(&self, g: Gemm) -> Result<()> {
        // op(X)(i, l) of a column-major X with leading dimension ld.
        let element = |x: (Ptr, usize, usize), op: Op, batch: usize, i: usize, l: usize| {
            let at = x.0.at(batch * x.2);
            match op {
                Op::N => self.get(at, i + l * x.1),
                Op::T => self.get(at, l + i * x.1),
            }
        };
        for batch in 0..g.batch {
            for i in 0..g.m {
                for j in 0..g.n {
                    let product: f32 = (0..g.k)
                        .map(|l| {
                            element(g.a, g.ops.0, batch, i, l) * element(g.b, g.ops.1, batch, l, j)
                        })
                        .sum();
                    let c = g.c.0.at(batch * g.c.2);
                    let old = if g.beta == 0.0 {
                        0.0
                    } else {
                        g.beta * self.get(c, i + j * g.c.1)
                    };
                    self.set(c, i + j * g.c.1, old + product);
                }
            }
        }
        Ok(())
    }
}

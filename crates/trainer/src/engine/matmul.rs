//! Strided single-precision matrix products, on one thread, through the `gemm` crate (chosen by
//! measurement: see `../shared/engine/NOTES.md` and the trainer issue's note).

/// A read-only matrix view: element `(i, j)` is `data[i rs + j cs]`.
#[derive(Clone, Copy, Debug)]
pub struct Mat<'a> {
    data: &'a [f32],
    rs: usize,
    cs: usize,
}

impl<'a> Mat<'a> {
    /// A view with row stride `rs` and column stride `cs`.
    pub fn new(data: &'a [f32], rs: usize, cs: usize) -> Self {
        Mat { data, rs, cs }
    }

    /// A row-major `[_, cols]` matrix.
    pub fn rows(data: &'a [f32], cols: usize) -> Self {
        Mat::new(data, cols, 1)
    }

    /// The transpose (no copy).
    pub fn t(self) -> Self {
        Mat {
            data: self.data,
            rs: self.cs,
            cs: self.rs,
        }
    }

    fn check(&self, rows: usize, cols: usize) {
        if rows > 0 && cols > 0 {
            let last = (rows - 1) * self.rs + (cols - 1) * self.cs;
            assert!(last < self.data.len(), "matrix view out of bounds");
        }
    }
}

/// A writable matrix view: element `(i, j)` is `data[i rs + j cs]`.
#[derive(Debug)]
pub struct MatMut<'a> {
    data: &'a mut [f32],
    rs: usize,
    cs: usize,
}

impl<'a> MatMut<'a> {
    /// A view with row stride `rs` and column stride `cs`.
    pub fn new(data: &'a mut [f32], rs: usize, cs: usize) -> Self {
        MatMut { data, rs, cs }
    }

    /// A row-major `[_, cols]` matrix.
    pub fn rows(data: &'a mut [f32], cols: usize) -> Self {
        MatMut::new(data, cols, 1)
    }
}

/// `c = (accumulate ? c : 0) + scale a b` with `a` of `m x k`, `b` of `k x n`, `c` of `m x n`.
/// Panics when a view is too short for its shape.
#[allow(clippy::too_many_arguments)]
pub fn gemm(
    m: usize,
    n: usize,
    k: usize,
    c: MatMut<'_>,
    accumulate: bool,
    a: Mat<'_>,
    b: Mat<'_>,
    scale: f32,
) {
    if m == 0 || n == 0 {
        return;
    }
    a.check(m, k);
    b.check(k, n);
    let last = (m - 1) * c.rs + (n - 1) * c.cs;
    assert!(last < c.data.len(), "matrix view out of bounds");
    if k == 0 {
        if !accumulate {
            for i in 0..m {
                for j in 0..n {
                    c.data[i * c.rs + j * c.cs] = 0.0;
                }
            }
        }
        return;
    }
    // SAFETY: every element the product reads or writes lies inside its slice (checked above),
    // and `c` is borrowed mutably, so it aliases neither input.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.data.as_mut_ptr(),
            c.cs as isize,
            c.rs as isize,
            accumulate,
            a.data.as_ptr(),
            a.cs as isize,
            a.rs as isize,
            b.data.as_ptr(),
            b.cs as isize,
            b.rs as isize,
            1.0,
            scale,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// `out (+)= inp w^T`: a Linear layer's product, `inp [m, k]`, `w [n, k]` (PyTorch's layout),
/// `out [m, n]`.
pub fn linear(
    out: &mut [f32],
    accumulate: bool,
    inp: &[f32],
    w: &[f32],
    m: usize,
    k: usize,
    n: usize,
) {
    gemm(
        m,
        n,
        k,
        MatMut::rows(out, n),
        accumulate,
        Mat::rows(inp, k),
        Mat::rows(w, k).t(),
        1.0,
    );
}

/// A Linear layer's backward without its bias: `dinp (+)= dout w` and `dw += dout^T inp`.
#[allow(clippy::too_many_arguments)]
pub fn linear_backward(
    dinp: &mut [f32],
    accumulate: bool,
    dw: &mut [f32],
    dout: &[f32],
    inp: &[f32],
    w: &[f32],
    m: usize,
    k: usize,
    n: usize,
) {
    gemm(
        m,
        k,
        n,
        MatMut::rows(dinp, k),
        accumulate,
        Mat::rows(dout, n),
        Mat::rows(w, k),
        1.0,
    );
    gemm(
        n,
        k,
        m,
        MatMut::rows(dw, k),
        true,
        Mat::rows(dout, n).t(),
        Mat::rows(inp, k),
        1.0,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strided_products_match_the_definition() {
        let (m, k, n) = (5, 7, 3);
        let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.3).sin()).collect();
        let b: Vec<f32> = (0..n * k).map(|i| (i as f32 * 0.7).cos()).collect();
        let mut c = vec![1.0f32; m * n];
        // c += 2 a b^T with b stored [n, k].
        gemm(
            m,
            n,
            k,
            MatMut::rows(&mut c, n),
            true,
            Mat::rows(&a, k),
            Mat::rows(&b, k).t(),
            2.0,
        );
        for i in 0..m {
            for j in 0..n {
                let expected: f32 =
                    1.0 + 2.0 * (0..k).map(|l| a[i * k + l] * b[j * k + l]).sum::<f32>();
                assert!((c[i * n + j] - expected).abs() < 1e-5);
            }
        }
    }
}

// The CUDA engine's kernels: the row kernels of the CPU engine (engine/kernels.rs), one launch
// each, in plain fp32. Matrix products go to cuBLAS in fp32 (no TF32). No kernel uses
// atomics: every sum has a fixed order (a warp's butterfly, a block's tree, or a thread's loop
// over rows), so a step gives the same bits from run to run.
//
// Shapes: n = b t rows of width c; h heads of width hd (c = h hd); v the vocabulary.

#define LAYER_NORM_EPS 1e-5f
// -infinity (NVRTC has no math.h, so no INFINITY).
#define NEG_INF __int_as_float(0xff800000)

__device__ __forceinline__ float warp_sum(float x) {
    for (int o = 16; o > 0; o >>= 1) x += __shfl_xor_sync(0xffffffffu, x, o);
    return x;
}

__device__ __forceinline__ float warp_max(float x) {
    for (int o = 16; o > 0; o >>= 1) x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, o));
    return x;
}

__device__ __forceinline__ double warp_sum_f64(double x) {
    for (int o = 16; o > 0; o >>= 1) x += __shfl_xor_sync(0xffffffffu, x, o);
    return x;
}

// The sum (or max) of one value per thread over a block of at most 1024 threads, a multiple of
// 32: each warp's butterfly, then the first warp's over the warps' results. Every thread gets it.
__device__ float block_reduce(float x, bool is_max) {
    __shared__ float warps[32];
    __shared__ float result;
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, n_warps = blockDim.x / 32;
    x = is_max ? warp_max(x) : warp_sum(x);
    if (lane == 0) warps[warp] = x;
    __syncthreads();
    if (warp == 0) {
        float y = lane < n_warps ? warps[lane] : (is_max ? NEG_INF : 0.0f);
        y = is_max ? warp_max(y) : warp_sum(y);
        if (lane == 0) result = y;
    }
    __syncthreads();
    float out = result;
    __syncthreads();
    return out;
}

// x[r, j] = wte[tokens[r], j] + wpe[r % t, j].
extern "C" __global__ void embed_forward(float* x, const unsigned* tokens, const float* wte,
                                         const float* wpe, int n, int t, int c) {
    long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
    if (i >= (long)n * c) return;
    int r = (int)(i / c), j = (int)(i % c);
    x[i] = wte[(long)tokens[r] * c + j] + wpe[(long)(r % t) * c + j];
}

// dwpe[p, j] += sum over sequences s (in order) of dx[s t + p, j]; one thread per (p, j).
extern "C" __global__ void embed_backward_positions(float* dwpe, const float* dx, int b, int t,
                                                    int c) {
    long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
    if (i >= (long)t * c) return;
    float total = 0.0f;
    for (int s = 0; s < b; s++) total += dx[(long)s * t * c + i];
    dwpe[i] += total;
}

// dwte[token, j] += sum of dx[r, j] over the rows r of that token, in row order. The rows come
// grouped by token (`rows`, with group u at starts[u]..starts[u + 1] and token tokens[u]), so
// each (token, column) is one thread's loop: no atomics.
extern "C" __global__ void embed_backward_tokens(float* dwte, const float* dx,
                                                 const unsigned* tokens,
                                                 const unsigned* starts, const unsigned* rows,
                                                 int groups, int c) {
    int u = blockIdx.y;
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (u >= groups || j >= c) return;
    float total = 0.0f;
    for (unsigned k = starts[u]; k < starts[u + 1]; k++) total += dx[(long)rows[k] * c + j];
    dwte[(long)tokens[u] * c + j] += total;
}

// LayerNorm of each row (one warp per row): out = (x - mu) r w + b, r = 1 / sqrt(var + eps).
extern "C" __global__ void layer_norm_forward(float* out, float* mean, float* rstd, const float* x,
                                              const float* w, const float* b, int n, int c) {
    int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (row >= n) return;
    const float* xr = x + (long)row * c;
    float s = 0.0f;
    for (int j = lane; j < c; j += 32) s += xr[j];
    float m = warp_sum(s) / c;
    float q = 0.0f;
    for (int j = lane; j < c; j += 32) {
        float d = xr[j] - m;
        q += d * d;
    }
    float r = 1.0f / sqrtf(warp_sum(q) / c + LAYER_NORM_EPS);
    float* o = out + (long)row * c;
    for (int j = lane; j < c; j += 32) o[j] = (xr[j] - m) * r * w[j] + b[j];
    if (lane == 0) {
        mean[row] = m;
        rstd[row] = r;
    }
}

// LayerNorm backward into the input (one warp per row): with nrm = (x - mu) r and g = dout w,
// dx += r (g - mean(g) - nrm mean(g nrm)).
extern "C" __global__ void layer_norm_backward(float* dx, const float* dout, const float* x,
                                               const float* w, const float* mean, const float* rstd,
                                               int n, int c) {
    int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (row >= n) return;
    long at = (long)row * c;
    float mu = mean[row], r = rstd[row];
    float g_sum = 0.0f, gn_sum = 0.0f;
    for (int j = lane; j < c; j += 32) {
        float g = dout[at + j] * w[j];
        g_sum += g;
        gn_sum += g * (x[at + j] - mu) * r;
    }
    float g_mean = warp_sum(g_sum) / c, gn_mean = warp_sum(gn_sum) / c;
    for (int j = lane; j < c; j += 32) {
        float nrm = (x[at + j] - mu) * r;
        dx[at + j] += r * (dout[at + j] * w[j] - g_mean - nrm * gn_mean);
    }
}

// Per chunk of rows, the LayerNorm parameters' gradient contributions: partial[k, j] =
// sum dout nrm (the gain) and partial[k, c + j] = sum dout (the shift), over the rows of chunk k
// in order; sum_partials adds the chunks.
extern "C" __global__ void layer_norm_param_partials(float* partial, const float* dout,
                                                     const float* x, const float* mean,
                                                     const float* rstd, int n, int c,
                                                     int rows_per_chunk) {
    int j = blockIdx.x * blockDim.x + threadIdx.x, k = blockIdx.y;
    if (j >= c) return;
    int end = min(n, (k + 1) * rows_per_chunk);
    float dw = 0.0f, db = 0.0f;
    for (int r = k * rows_per_chunk; r < end; r++) {
        float d = dout[(long)r * c + j];
        dw += d * (x[(long)r * c + j] - mean[r]) * rstd[r];
        db += d;
    }
    partial[(long)k * 2 * c + j] = dw;
    partial[(long)k * 2 * c + c + j] = db;
}

// Per chunk of rows, partial[k, j] = sum of dout[r, j] over the rows of chunk k (a bias's
// gradient contribution).
extern "C" __global__ void column_partials(float* partial, const float* dout, int n, int c,
                                           int rows_per_chunk) {
    int j = blockIdx.x * blockDim.x + threadIdx.x, k = blockIdx.y;
    if (j >= c) return;
    int end = min(n, (k + 1) * rows_per_chunk);
    float total = 0.0f;
    for (int r = k * rows_per_chunk; r < end; r++) total += dout[(long)r * c + j];
    partial[(long)k * c + j] = total;
}

// grad[j] += sum over chunks k (in order) of partial[k, j], for j < width.
extern "C" __global__ void sum_partials(float* grad, const float* partial, int chunks, int width) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= width) return;
    float total = 0.0f;
    for (int k = 0; k < chunks; k++) total += partial[(long)k * width + j];
    grad[j] += total;
}

// Each row of y (c columns) set to bias, plus the same row of residual when it is given: the
// start of a Linear layer's output, before cuBLAS adds the product.
extern "C" __global__ void bias_rows(float* y, const float* residual, const float* bias, int n,
                                     int c) {
    long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
    if (i >= (long)n * c) return;
    float value = bias[i % c];
    y[i] = residual ? residual[i] + value : value;
}

// Exact GELU: out = x Phi(x); x is replaced by GELU'(x) = Phi(x) + x phi(x).
extern "C" __global__ void gelu_forward(float* out, float* x, long len) {
    long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
    if (i >= len) return;
    float z = x[i];
    float cdf = 0.5f * (1.0f + erff(z * 0.70710678118654752f));
    out[i] = z * cdf;
    x[i] = cdf + z * expf(-0.5f * z * z) * 0.3989422804014327f;
}

// d *= GELU'(x), the derivative gelu_forward left.
extern "C" __global__ void gelu_backward(float* d, const float* derivative, long len) {
    long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
    if (i >= len) return;
    d[i] *= derivative[i];
}

// Where element i of a [b, h, t, hd] array (sequence s, head, position p, column d) lives in
// rows [b t, width] that hold each head's hd columns side by side: row s t + p, column head hd + d.
__device__ __forceinline__ long head_to_row(long i, int t, int h, int hd, long width) {
    int d = (int)(i % hd);
    long rest = i / hd;
    int p = (int)(rest % t);
    rest /= t;
    int head = (int)(rest % h), s = (int)(rest / h);
    return ((long)s * t + p) * width + (long)head * hd + d;
}

// qkv rows [b, t, 3, h, hd] to q, k, v, each [b, h, t, hd] (forward = 1), or back from dq, dk,
// dv into dqkv (forward = 0).
extern "C" __global__ void attention_permute(float* qkv, float* q, float* k, float* v, int b,
                                             int t, int h, int hd, int forward) {
    long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
    if (i >= (long)b * h * t * hd) return;
    long c = (long)h * hd;
    long at = head_to_row(i, t, h, hd, 3 * c);
    if (forward) {
        q[i] = qkv[at];
        k[i] = qkv[at + c];
        v[i] = qkv[at + 2 * c];
    } else {
        qkv[at] = q[i];
        qkv[at + c] = k[i];
        qkv[at + 2 * c] = v[i];
    }
}

// y [b, h, t, hd] to rows [b, t, c] (forward = 1), or the rows' gradient back (forward = 0).
extern "C" __global__ void attention_unpermute(float* rows, float* y, int b, int t, int h, int hd,
                                               int forward) {
    long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
    if (i >= (long)b * h * t * hd) return;
    long at = head_to_row(i, t, h, hd, (long)h * hd);
    if (forward) rows[at] = y[i];
    else y[i] = rows[at];
}

// Causal softmax of each row i of a [t, t] score square (one warp per row, `rows` = b h t rows):
// att[i, j] = e^{scale s_ij - max} / sum over j <= i, and 0 for j > i.
extern "C" __global__ void causal_softmax(float* att, const float* scores, int rows, int t,
                                          float scale) {
    int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (row >= rows) return;
    int i = row % t;
    const float* s = scores + (long)row * t;
    float* a = att + (long)row * t;
    float m = NEG_INF;
    for (int j = lane; j <= i; j += 32) m = fmaxf(m, scale * s[j]);
    m = warp_max(m);
    float total = 0.0f;
    for (int j = lane; j <= i; j += 32) total += expf(scale * s[j] - m);
    float inv = 1.0f / warp_sum(total);
    for (int j = lane; j < t; j += 32) a[j] = j <= i ? expf(scale * s[j] - m) * inv : 0.0f;
}

// Softmax backward in place (one warp per row): datt becomes
// dS = att (datt - sum_j att datt) scale, zero above the diagonal.
extern "C" __global__ void causal_softmax_backward(float* datt, const float* att, int rows, int t,
                                                   float scale) {
    int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (row >= rows) return;
    int i = row % t;
    float* d = datt + (long)row * t;
    const float* a = att + (long)row * t;
    float inner = 0.0f;
    for (int j = lane; j <= i; j += 32) inner += a[j] * d[j];
    inner = warp_sum(inner);
    for (int j = lane; j < t; j += 32) d[j] = j <= i ? a[j] * (d[j] - inner) * scale : 0.0f;
}

// Softmax cross-entropy fused with its gradient, in place (one block per row of v logits):
// loss[r] = -ln p_y, and the row becomes (softmax - onehot(y)) scale.
extern "C" __global__ void cross_entropy_backward(float* logits, float* loss,
                                                  const unsigned* targets,
                                                  int n, int v, float scale) {
    int r = blockIdx.x;
    if (r >= n) return;
    float* l = logits + (long)r * v;
    float m = NEG_INF;
    for (int j = threadIdx.x; j < v; j += blockDim.x) m = fmaxf(m, l[j]);
    m = block_reduce(m, true);
    float total = 0.0f;
    for (int j = threadIdx.x; j < v; j += blockDim.x) total += expf(l[j] - m);
    total = block_reduce(total, false);
    unsigned y = targets[r];
    float inv = scale / total;
    __syncthreads();
    if (threadIdx.x == 0) loss[r] = -logf(expf(l[y] - m) / total);
    __syncthreads();
    for (int j = threadIdx.x; j < v; j += blockDim.x) {
        float p = expf(l[j] - m) * inv;
        l[j] = j == (int)y ? p - scale : p;
    }
}

// sum g^2 over all len gradients, per block, in f64: partial[block] (a fixed grid, each thread
// striding by the grid's width, then a fixed tree), added in order on the host.
extern "C" __global__ void sum_squares(double* partial, const float* g, long len) {
    __shared__ double warps[32];
    long stride = (long)gridDim.x * blockDim.x;
    double total = 0.0;
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < len; i += stride) {
        double x = (double)g[i];
        total += x * x;
    }
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    total = warp_sum_f64(total);
    if (lane == 0) warps[warp] = total;
    __syncthreads();
    if (warp == 0) {
        double y = lane < (int)(blockDim.x / 32) ? warps[lane] : 0.0;
        y = warp_sum_f64(y);
        if (lane == 0) partial[blockIdx.x] = y;
    }
}

// One AdamW step of one tensor, as the CPU optimizer (optim.rs): g scaled by the clipping
// factor, decoupled decay p *= keep, m += (1 - beta1)(g - m), v = beta2 v + (1 - beta2) g^2,
// p -= m / (sqrt(v) / sqrt(1 - beta2^n) + eps) step_size.
extern "C" __global__ void adamw(float* p, float* m, float* v, const float* g, long len,
                                 float grad_scale, float keep, float one_minus_beta1, float beta2,
                                 float one_minus_beta2, float bias2_sqrt, float eps,
                                 float step_size) {
    long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
    if (i >= len) return;
    float grad = grad_scale == 1.0f ? g[i] : g[i] * grad_scale;
    float w = p[i] * keep;
    float mi = m[i] + one_minus_beta1 * (grad - m[i]);
    float vi = v[i] * beta2 + grad * grad * one_minus_beta2;
    float denom = sqrtf(vi) / bias2_sqrt + eps;
    p[i] = w - mi / denom * step_size;
    m[i] = mi;
    v[i] = vi;
}

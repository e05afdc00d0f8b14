//! What the passes ask of a device: memory addressed by raw pointers, the kernels of
//! `kernels.cu` by name, and column-major matrix products. `Gpu` (feature `cuda`) is the real
//! one; the tests run the same passes on a CPU emulator of it (`emulator.rs`) to check every
//! launch's shapes, pointers and arguments against the CPU engine.
//!
//! Buffers are addressed by raw device pointers ([`Ptr`]) rather than borrowed views: the passes
//! address dozens of parts of a few flat buffers at once, as the CPU engine's spans do, and
//! everything runs in order on one stream, so no view needs to guard its reads and writes.

use crate::Result;

/// A device address of 4-byte elements (`f32`, `u32`; the norm's partial sums are `f64`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ptr(pub u64);

impl Ptr {
    /// The address `elements` 4-byte elements further on.
    pub fn at(self, elements: usize) -> Ptr {
        Ptr(self.0 + 4 * elements as u64)
    }

    /// A null pointer (an absent optional argument).
    pub fn null() -> Ptr {
        Ptr(0)
    }
}

/// One kernel argument, by the C type of its parameter.
#[derive(Clone, Copy, Debug)]
pub enum Arg {
    /// A pointer.
    P(Ptr),
    /// `int`.
    I(i32),
    /// `long`.
    L(i64),
    /// `float`.
    F(f32),
}

/// `int` from a size (every size of a model we train fits).
pub(crate) fn int(x: usize) -> Arg {
    Arg::I(i32::try_from(x).expect("size fits in an int"))
}

/// `long` from a length.
pub(crate) fn long(x: usize) -> Arg {
    Arg::L(x as i64)
}

macro_rules! kernels {
    ($($name:ident),* $(,)?) => {
        /// The kernels of `kernels.cu`, by name.
        #[allow(non_camel_case_types, missing_docs)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Kernel {
            $($name,)*
        }

        impl Kernel {
            /// Every kernel, in `kernels.cu`'s order.
            pub const ALL: &'static [Kernel] = &[$(Kernel::$name,)*];

            /// Its name in `kernels.cu`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Kernel::$name => stringify!($name),)*
                }
            }
        }
    };
}

kernels!(
    embed_forward,
    embed_backward_positions,
    embed_backward_tokens,
    layer_norm_forward,
    layer_norm_backward,
    layer_norm_param_partials,
    column_partials,
    sum_partials,
    bias_rows,
    gelu_forward,
    gelu_backward,
    attention_permute,
    attention_unpermute,
    causal_softmax,
    causal_softmax_backward,
    cross_entropy_backward,
    sum_squares,
    adamw,
);

/// Whether a matrix enters a product transposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// As stored.
    N,
    /// Transposed.
    T,
}

/// A column-major product `C = op(A) op(B) + beta C` (cuBLAS's convention) with `op(A)` of
/// `m x k` and `op(B)` of `k x n`, batched over `batch` matrices (`batch` 1: one product).
/// Each operand is `(address, leading dimension, stride between batches)`.
#[derive(Clone, Copy, Debug)]
#[allow(missing_docs)]
pub struct Gemm {
    pub ops: (Op, Op),
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub a: (Ptr, usize, usize),
    pub b: (Ptr, usize, usize),
    pub c: (Ptr, usize, usize),
    pub beta: f32,
    pub batch: usize,
}

/// Allocations that live and die together (an owner's buffers), each handed out as its address.
pub(crate) struct Allocations<'a, D: Device> {
    device: &'a D,
    memory: Vec<D::Memory>,
}

impl<'a, D: Device> Allocations<'a, D> {
    /// None yet, on `device`.
    pub fn new(device: &'a D) -> Self {
        Allocations {
            device,
            memory: Vec::new(),
        }
    }

    /// The address of `len` new zeroed 4-byte elements.
    pub fn alloc(&mut self, len: usize) -> Result<Ptr> {
        let memory = self.device.alloc(len)?;
        let at = self.device.address(&memory);
        self.memory.push(memory);
        Ok(at)
    }

    /// The allocations, to keep alive as long as their addresses are used.
    pub fn into_memory(self) -> Vec<D::Memory> {
        self.memory
    }
}

/// Threads per block of every kernel; the row kernels run one warp (32 threads) per row.
pub const THREADS: u32 = 256;

/// A device the passes run on, in stream order.
pub trait Device {
    /// An allocation, freed when dropped.
    type Memory;

    /// `len` zeroed 4-byte elements.
    fn alloc(&self, len: usize) -> Result<Self::Memory>;

    /// The address of an allocation.
    fn address(&self, memory: &Self::Memory) -> Ptr;

    /// `host` (4- or 8-byte values) copied to `at`.
    fn write<T: Copy>(&self, at: Ptr, host: &[T]) -> Result<()>;

    /// `len` values from `at`, once everything queued before has run.
    fn read<T: Copy + Default>(&self, at: Ptr, len: usize) -> Result<Vec<T>>;

    /// `len` 4-byte elements at `at` set to zero.
    fn clear(&self, at: Ptr, len: usize) -> Result<()>;

    /// `kernel` on `grid` blocks of [`THREADS`] threads, with `args` in the order and C types
    /// of its parameters.
    fn launch(&self, kernel: Kernel, grid: (u32, u32), args: &[Arg]) -> Result<()>;

    /// One (batched) matrix product in plain fp32.
    fn gemm(&self, g: Gemm) -> Result<()>;

    /// An element-wise kernel over `len` elements (one thread each).
    fn launch_elements(&self, kernel: Kernel, len: usize, args: &[Arg]) -> Result<()> {
        let blocks = len.div_ceil(THREADS as usize).max(1);
        self.launch(kernel, (blocks as u32, 1), args)
    }

    /// A kernel of one warp per row over `rows` rows.
    fn launch_rows(&self, kernel: Kernel, rows: usize, args: &[Arg]) -> Result<()> {
        let blocks = rows.div_ceil(THREADS as usize / 32).max(1);
        self.launch(kernel, (blocks as u32, 1), args)
    }
}

/// A shared device is the device: what lets one GPU serve every trainer of a process
/// (`Device::Cuda` holds it in an `Rc`).
impl<D: Device> Device for std::rc::Rc<D> {
    type Memory = D::Memory;

    fn alloc(&self, len: usize) -> Result<Self::Memory> {
        (**self).alloc(len)
    }

    fn address(&self, memory: &Self::Memory) -> Ptr {
        (**self).address(memory)
    }

    fn write<T: Copy>(&self, at: Ptr, host: &[T]) -> Result<()> {
        (**self).write(at, host)
    }

    fn read<T: Copy + Default>(&self, at: Ptr, len: usize) -> Result<Vec<T>> {
        (**self).read(at, len)
    }

    fn clear(&self, at: Ptr, len: usize) -> Result<()> {
        (**self).clear(at, len)
    }

    fn launch(&self, kernel: Kernel, grid: (u32, u32), args: &[Arg]) -> Result<()> {
        (**self).launch(kernel, grid, args)
    }

    fn gemm(&self, g: Gemm) -> Result<()> {
        (**self).gemm(g)
    }
}

//! The GPU itself: a context and its stream, the kernels of `kernels.cu` compiled by NVRTC when
//! the process first opens the GPU, and a cuBLAS handle in plain fp32 math, behind [`Device`].

use std::sync::{Arc, Mutex, PoisonError};

use cudarc::cublas::{result as blas, sys as blas_sys};
use cudarc::driver::{
    CudaContext, CudaFunction, CudaSlice, CudaStream, DevicePtr, LaunchConfig, PushKernelArg,
    result as driver,
};
use cudarc::nvrtc::{CompileOptions, compile_ptx_with_opts};

use super::device::{Arg, Device, Gemm, Kernel, Op, Ptr, THREADS};
use crate::{Result, TrainerError};

/// The kernels' source, compiled once per process for the GPU at hand.
pub const KERNELS: &str = include_str!("kernels.cu");

/// A CUDA failure as a [`TrainerError::Cuda`] that says what was being done.
pub(crate) fn cuda_error(what: &str, error: impl std::fmt::Debug) -> TrainerError {
    TrainerError::Cuda(format!("{what}: {error:?}"))
}

/// An error unless the shared library that `present` looks for can be loaded (cudarc would
/// panic at the first call instead).
fn require(present: unsafe fn() -> bool, library: &str) -> Result<()> {
    // SAFETY: loading a shared library by name; it runs no code of ours.
    if unsafe { present() } {
        Ok(())
    } else {
        Err(TrainerError::Cuda(format!(
            "{library} was not found: put its folder on LD_LIBRARY_PATH"
        )))
    }
}

/// Compiles the kernels to PTX for compute capability `major.minor` (NVRTC only: no GPU is
/// needed, so the staging command checks them on a machine without one).
pub fn compile_kernels(major: i32, minor: i32) -> Result<cudarc::nvrtc::Ptx> {
    require(cudarc::nvrtc::sys::is_culib_present, "libnvrtc (NVRTC)")?;
    let arch: &'static str = Box::leak(format!("sm_{major}{minor}").into_boxed_str());
    let options = CompileOptions {
        arch: Some(arch),
        // IEEE division and square roots, as the CPU engine's.
        prec_div: Some(true),
        prec_sqrt: Some(true),
        ftz: Some(false),
        ..CompileOptions::default()
    };
    compile_ptx_with_opts(KERNELS, options).map_err(|e| cuda_error("compiling kernels.cu", e))
}

/// A GPU's context with its kernels loaded: what [`Gpu::new`] takes from [`opened`].
#[derive(Clone)]
struct Opened {
    context: Arc<CudaContext>,
    /// The kernels, in [`Kernel::ALL`]'s order.
    functions: Vec<CudaFunction>,
    /// The device's name and compute capability.
    name: String,
}

/// GPU `ordinal`'s context and kernels, opened once per process and kept: the pipeline opens
/// a [`Gpu`] for every model it trains, and each fresh open would compile `kernels.cu` again
/// (NVRTC) and, once the last handle had dropped the primary context, create a new one.
fn opened(ordinal: usize) -> Result<Opened> {
    static OPENED: Mutex<Vec<(usize, Opened)>> = Mutex::new(Vec::new());
    let mut cache = OPENED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, found)) = cache.iter().find(|(o, _)| *o == ordinal) {
        return Ok(found.clone());
    }
    let fresh = open(ordinal)?;
    cache.push((ordinal, fresh.clone()));
    Ok(fresh)
}

/// Opens GPU `ordinal` and loads its kernels, compiled by NVRTC for its compute capability.
fn open(ordinal: usize) -> Result<Opened> {
    require(
        cudarc::driver::sys::is_culib_present,
        "libcuda (the NVIDIA driver)",
    )?;
    require(cudarc::cublas::sys::is_culib_present, "libcublas (cuBLAS)")?;
    let context = CudaContext::new(ordinal).map_err(|e| cuda_error("opening the GPU", e))?;
    // SAFETY: everything runs on this one stream, so no cross-stream event is needed.
    unsafe { context.disable_event_tracking() };
    let (major, minor) = context
        .compute_capability()
        .map_err(|e| cuda_error("reading the compute capability", e))?;
    let name = context
        .name()
        .map_err(|e| cuda_error("reading the GPU's name", e))?;
    let module = context
        .load_module(compile_kernels(major, minor)?)
        .map_err(|e| cuda_error("loading the kernels", e))?;
    let functions = Kernel::ALL
        .iter()
        .map(|k| {
            module
                .load_function(k.name())
                .map_err(|e| cuda_error(&format!("loading kernel {}", k.name()), e))
        })
        .collect::<Result<_>>()?;
    Ok(Opened {
        context,
        functions,
        name: format!("{name} (sm_{major}{minor})"),
    })
}

/// The GPU: context, stream, kernels and cuBLAS.
pub struct Gpu {
    stream: Arc<CudaStream>,
    /// The kernels, in [`Kernel::ALL`]'s order.
    functions: Vec<CudaFunction>,
    blas: blas_sys::cublasHandle_t,
    /// The device's name and compute capability, for reports.
    pub name: String,
}

impl std::fmt::Debug for Gpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gpu").field("name", &self.name).finish()
    }
}

impl Drop for Gpu {
    fn drop(&mut self) {
        // SAFETY: the handle was created by `Gpu::new` and is destroyed once.
        let _ = unsafe { blas::destroy_handle(self.blas) };
    }
}

impl Gpu {
    /// GPU `ordinal`: its kernels (compiled by NVRTC at the process's first open), and a cuBLAS
    /// handle of its own in cuBLAS's default math mode, which keeps single-precision products in
    /// single precision (TF32 would need `CUBLAS_TF32_TENSOR_OP_MATH`, and
    /// `NVIDIA_TF32_OVERRIDE=0`, set by the device script, forbids it whatever a library asks).
    pub fn new(ordinal: usize) -> Result<Self> {
        let Opened {
            context,
            functions,
            name,
        } = opened(ordinal)?;
        let stream = context.default_stream();
        let handle = blas::create_handle().map_err(|e| cuda_error("creating cuBLAS", e))?;
        // SAFETY: a fresh handle and the context's live stream.
        unsafe {
            blas::set_stream(handle, stream.cu_stream() as _)
                .map_err(|e| cuda_error("binding cuBLAS to the stream", e))?;
            blas_sys::cublasSetMathMode(handle, blas_sys::cublasMath_t::CUBLAS_DEFAULT_MATH)
                .result()
                .map_err(|e| cuda_error("setting cuBLAS's math mode", e))?;
        }
        Ok(Gpu {
            functions,
            stream,
            blas: handle,
            name,
        })
    }

    /// Waits for everything queued on the stream.
    pub fn synchronize(&self) -> Result<()> {
        self.stream
            .synchronize()
            .map_err(|e| cuda_error("waiting for the GPU", e))
    }
}

impl Device for Gpu {
    type Memory = CudaSlice<u8>;

    fn alloc(&self, len: usize) -> Result<CudaSlice<u8>> {
        self.stream
            .alloc_zeros(4 * len.max(1))
            .map_err(|e| cuda_error("allocating device memory", e))
    }

    fn address(&self, memory: &CudaSlice<u8>) -> Ptr {
        Ptr(memory.device_ptr(&self.stream).0)
    }

    fn write<T: Copy>(&self, at: Ptr, host: &[T]) -> Result<()> {
        // SAFETY: `at` addresses an allocation with room for `host` (the caller sized it);
        // a copy from pageable memory returns once the data has been staged.
        unsafe { driver::memcpy_htod_async(at.0, host, self.stream.cu_stream()) }
            .map_err(|e| cuda_error("copying to the device", e))
    }

    fn read<T: Copy + Default>(&self, at: Ptr, len: usize) -> Result<Vec<T>> {
        let mut host = vec![T::default(); len];
        // SAFETY: `at` addresses `len` values; the stream is drained before `host` is read.
        unsafe { driver::memcpy_dtoh_async(&mut host, at.0, self.stream.cu_stream()) }
            .map_err(|e| cuda_error("copying from the device", e))?;
        self.synchronize()?;
        Ok(host)
    }

    fn clear(&self, at: Ptr, len: usize) -> Result<()> {
        // SAFETY: `at` addresses `len` 4-byte elements.
        unsafe { driver::memset_d8_async(at.0, 0, 4 * len, self.stream.cu_stream()) }
            .map_err(|e| cuda_error("clearing device memory", e))
    }

    fn launch(&self, kernel: Kernel, grid: (u32, u32), args: &[Arg]) -> Result<()> {
        let function = &self.functions[kernel as usize];
        let mut builder = self.stream.launch_builder(function);
        for arg in args {
            match arg {
                Arg::P(p) => builder.arg(&p.0),
                Arg::I(x) => builder.arg(x),
                Arg::L(x) => builder.arg(x),
                Arg::F(x) => builder.arg(x),
            };
        }
        let config = LaunchConfig {
            grid_dim: (grid.0, grid.1, 1),
            block_dim: (THREADS, 1, 1),
            shared_mem_bytes: 0,
        };
        // SAFETY: each kernel's arguments are given in the order and C types of its
        // parameters in kernels.cu, and every pointer addresses a live buffer large enough
        // for the shapes passed beside it (the tests check both on the CPU emulator).
        unsafe { builder.launch(config) }
            .map(|_| ())
            .map_err(|e| cuda_error(&format!("launching {}", kernel.name()), e))
    }

    fn gemm(&self, g: Gemm) -> Result<()> {
        let op = |o: Op| match o {
            Op::N => blas_sys::cublasOperation_t::CUBLAS_OP_N,
            Op::T => blas_sys::cublasOperation_t::CUBLAS_OP_T,
        };
        let i = |x: usize| i32::try_from(x).expect("matrix size fits in an int");
        let (alpha, beta) = (1.0f32, g.beta);
        // SAFETY: the passes give each product the shapes, leading dimensions and strides of
        // the buffers its pointers address (checked on the CPU emulator by the tests).
        unsafe {
            blas::sgemm_strided_batched(
                self.blas,
                op(g.ops.0),
                op(g.ops.1),
                i(g.m),
                i(g.n),
                i(g.k),
                &alpha,
                g.a.0.0 as *const f32,
                i(g.a.1),
                g.a.2 as i64,
                g.b.0.0 as *const f32,
                i(g.b.1),
                g.b.2 as i64,
                &beta,
                g.c.0.0 as *mut f32,
                i(g.c.1),
                g.c.2 as i64,
                i(g.batch),
            )
        }
        .map_err(|e| cuda_error("cuBLAS sgemm", e))
    }
}

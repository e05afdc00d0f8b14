//! The instruction sets the engine's own loops (row kernels, attention's softmax, AdamW) are
//! compiled for, chosen at run time. Every choice gives the same bits: no loop fuses a multiply
//! with an add (Rust never contracts one by itself), and every sum has a fixed order that
//! vectors cannot change, so a wider vector changes only the speed. The matrix products choose
//! their own kernels (the `gemm` crate, with AVX-512 where the processor has it).

/// An instruction set the engine's loops can be compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Isa {
    /// The build's baseline (SSE2 on x86-64).
    Portable,
    /// 256-bit vectors (x86-64).
    Avx2,
    /// 512-bit vectors (x86-64, AVX-512F): on Zen 5 and recent Intel cores, twice AVX2's
    /// width per instruction.
    Avx512,
}

impl Isa {
    /// Whether this processor runs code compiled for `self`.
    pub(crate) fn detected(self) -> bool {
        match self {
            Isa::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
            #[cfg(not(target_arch = "x86_64"))]
            Isa::Avx2 | Isa::Avx512 => false,
        }
    }

    /// Every instruction set this processor runs, narrowest first.
    pub(crate) fn available() -> impl Iterator<Item = Isa> {
        [Isa::Portable, Isa::Avx2, Isa::Avx512]
            .into_iter()
            .filter(|isa| isa.detected())
    }

    /// The widest instruction set this processor runs.
    pub(crate) fn best() -> Isa {
        Isa::available().last().unwrap_or(Isa::Portable)
    }
}

/// `with_isa!(isa, path::to::f(a: A, b: B) -> R)`: calls `f(a, b)` (the caller's locals `a`
/// and `b`) compiled for `isa`, and panics when the processor does not run `isa`.
///
/// `f` must be `#[inline(always)]`. The macro writes one `#[target_feature]` wrapper of `f` per
/// wide instruction set and calls the one `isa` names, so `f`'s body is inlined into, and its
/// loops vectorised for, a function that may use those instructions (a closure would leave
/// that inlining to LLVM's judgement, and losing it would lose the vectors silently).
macro_rules! with_isa {
    ($isa:expr, $($f:ident)::+ ($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?) => {{
        let isa: $crate::engine::isa::Isa = $isa;
        assert!(isa.detected(), "{isa:?} is not available on this processor");
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2")]
        #[allow(clippy::too_many_arguments)] // `f`'s own arguments
        fn avx2($($arg: $ty),*) $(-> $ret)? {
            $($f)::+($($arg),*)
        }
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f")]
        #[allow(clippy::too_many_arguments)] // `f`'s own arguments
        fn avx512($($arg: $ty),*) $(-> $ret)? {
            $($f)::+($($arg),*)
        }
        match isa {
            // SAFETY (both arms): the processor runs `isa` (asserted above).
            #[cfg(target_arch = "x86_64")]
            $crate::engine::isa::Isa::Avx512 => unsafe { avx512($($arg),*) },
            #[cfg(target_arch = "x86_64")]
            $crate::engine::isa::Isa::Avx2 => unsafe { avx2($($arg),*) },
            _ => $($f)::+($($arg),*),
        }
    }};
}
pub(crate) use with_isa;

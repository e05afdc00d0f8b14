//! `cargo xtask gpu-stage`: the CUDA engine staged for a machine with an NVIDIA GPU and no Rust
//! toolchain (the lent device machine): the `skm-gpu` binary (skm-trainer's `cuda` feature,
//! release build), the script that runs it there (`run.sh`, which sources `libraries.sh`) and,
//! when `../shared/bench` is present, PyTorch's reference with a wrapper that runs it on the
//! GPU; on request also xtask built with the feature `cuda`, and the script that runs the
//! experiments there (`reproduce.sh`, which sources `libraries.sh` too).
//!
//! The stage is written into a temporary folder beside `out` and renamed into place, so a
//! failed build leaves the last stage as it was.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Context, Result};

/// The device script: kernels, equivalence, benchmark, PyTorch on the same GPU.
const RUN_SH: &str = include_str!("../assets/gpu/run.sh");
/// PyTorch's reference benchmark on CUDA in plain fp32.
const TORCH_GPU_PY: &str = include_str!("../assets/gpu/torch_gpu.py");
/// The device script for the experiments: unpacks the staged xtask and runs `reproduce` there.
const REPRODUCE_SH: &str = include_str!("../assets/gpu/reproduce.sh");
/// What both scripts source: the GPU's libraries on the library path, fp32 kept plain.
const LIBRARIES_SH: &str = include_str!("../assets/gpu/libraries.sh");

/// What [`stage`] wrote.
#[derive(Clone, Debug)]
pub struct Staged {
    /// The stage folder.
    pub dir: PathBuf,
    /// Size of the `skm-gpu` binary, bytes.
    pub binary_bytes: u64,
    /// Whether PyTorch's reference script was staged (it lives in `../shared/bench`).
    pub torch_reference: bool,
    /// `skm-gpu compile`'s output when an NVRTC library folder was given: the kernels
    /// compiled here for sm_90, without a GPU.
    pub kernels: Option<String>,
    /// Size of the packed xtask (`xtask.xz`), bytes, when it was staged.
    pub xtask_bytes: Option<u64>,
}

/// Builds `skm-gpu` in the workspace at `root` and stages it, with the device script, in
/// `out`; copies `shared/bench/torch_reference.py` when it exists; and, when `nvrtc` names a
/// folder holding `libnvrtc.so.13`, compiles the kernels with it as a check; with `xtask`,
/// stages xtask for the experiments too (`stage_xtask`).
pub fn stage(
    root: &Path,
    shared: &Path,
    out: &Path,
    nvrtc: Option<&Path>,
    xtask: bool,
) -> Result<Staged> {
    let shell = xshell::Shell::new()?;
    shell.change_dir(root);
    xshell::cmd!(
        shell,
        "cargo build --release --locked -p skm-trainer --features cuda --bin skm-gpu"
    )
    .run()
    .context("building skm-gpu (skm-trainer with the cuda feature)")?;
    let temporary = out.with_extension("partial");
    if temporary.exists() {
        fs::remove_dir_all(&temporary)?;
    }
    fs::create_dir_all(&temporary).with_context(|| format!("creating {}", temporary.display()))?;
    let binary = temporary.join("skm-gpu");
    fs::copy(root.join("target/release/skm-gpu"), &binary).context("copying skm-gpu")?;
    write_executable(&temporary.join("run.sh"), RUN_SH)?;
    fs::write(temporary.join("libraries.sh"), LIBRARIES_SH)?;
    fs::write(temporary.join("torch_gpu.py"), TORCH_GPU_PY)?;
    let reference = shared.join("bench/torch_reference.py");
    let torch_reference = reference.is_file();
    if torch_reference {
        fs::copy(&reference, temporary.join("torch_reference.py"))
            .with_context(|| format!("copying {}", reference.display()))?;
    }
    let xtask_bytes = if xtask {
        Some(stage_xtask(&shell, root, &temporary)?)
    } else {
        None
    };
    let kernels = match nvrtc {
        Some(dir) => Some(
            xshell::cmd!(shell, "{binary} compile")
                .env("LD_LIBRARY_PATH", dir)
                .read()
                .with_context(|| {
                    format!("compiling the kernels with the NVRTC of {}", dir.display())
                })?,
        ),
        None => None,
    };
    if out.exists() {
        fs::remove_dir_all(out).with_context(|| format!("removing the old {}", out.display()))?;
    }
    fs::rename(&temporary, out)
        .with_context(|| format!("moving the stage to {}", out.display()))?;
    Ok(Staged {
        binary_bytes: fs::metadata(out.join("skm-gpu"))?.len(),
        dir: out.to_path_buf(),
        torch_reference,
        kernels,
        xtask_bytes,
    })
}

/// Builds xtask with the feature `cuda` (release) and stages it in `dir` for the experiments
/// on the GPU machine: stripped and packed by xz as `xtask.xz` (about 600 MB with its debug
/// information, 71 MB stripped, 15 MB packed; the lent machine takes 64 MiB), beside
/// `reproduce.sh` and `xtask.root`, the workspace path it was built at (where it reads the
/// sources it hashes into the cache keys). Returns the packed size, bytes.
fn stage_xtask(shell: &xshell::Shell, root: &Path, dir: &Path) -> Result<u64> {
    xshell::cmd!(
        shell,
        "cargo build --release --locked -p xtask --features cuda"
    )
    .run()
    .context("building xtask with the cuda feature")?;
    let built = root.join("target/release/xtask");
    let stripped = dir.join("xtask");
    xshell::cmd!(shell, "strip -o {stripped} {built}")
        .run()
        .context("stripping xtask (strip, from binutils)")?;
    xshell::cmd!(shell, "xz -T0 -6 {stripped}")
        .run()
        .context("packing xtask (xz)")?;
    write_executable(&dir.join("reproduce.sh"), REPRODUCE_SH)?;
    fs::write(dir.join("xtask.root"), root.display().to_string())?;
    Ok(fs::metadata(dir.join("xtask.xz"))?.len())
}

/// `text` written to `path`, executable by everyone.
fn write_executable(path: &Path, text: &str) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::write(path, text)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))?;
    Ok(())
}

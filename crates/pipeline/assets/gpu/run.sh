#!/usr/bin/env bash
# The CUDA engine on a machine with an NVIDIA GPU and no Rust toolchain: staged beside `skm-gpu`
# by `cargo xtask gpu-stage`. It compiles the kernels, checks the SPEC run against PyTorch's
# losses (twice: the second must repeat the first bit for bit), checks an experiment's run
# (evaluations, checkpoints, a resume, fine-tuning) against the CPU's, benchmarks every size, and runs
# PyTorch's reference on the same GPU in fp32 (TF32 off) for the ratio. Every number is printed
# as a RESULT line. Environment: STEPS and WARMUP (timed and untimed steps, default 20 and 5).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
steps="${STEPS:-20}" warmup="${WARMUP:-5}"
# The GPU's libraries, and plain fp32 everywhere.
source "$here/libraries.sh"
echo "== library path: $LD_LIBRARY_PATH"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true

status=0
echo "== kernels";     "$here/skm-gpu" compile || status=1
echo "== equivalence"; "$here/skm-gpu" equivalence || status=1
echo "== training";    "$here/skm-gpu" training || status=1
echo "== bench";       "$here/skm-gpu" bench "$steps" "$warmup" || status=1

# PyTorch on the same GPU at the sizes the CPU bench compares (the 100M model is left out: the
# reference script draws its initial weights in pure Python, minutes at that size).
if [ -f "$here/torch_reference.py" ] && python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
    echo "== PyTorch (cuda, fp32, TF32 off)"
    while read -r name c nh nl t b; do
        line=$(V=512 C=$c NH=$nh NL=$nl T=$t B=$b STEPS=$((steps + warmup)) WARM=$warmup \
            python3 "$here/torch_gpu.py" 2>/dev/null | grep '^RESULT framework=torch' || true)
        echo "${line/RESULT framework=torch /RESULT framework=torch-cuda model=$name }"
    done <<'SIZES'
spec 128 4 4 128 32
11m 384 4 6 256 16
tiny 64 4 2 64 32
d32 32 4 2 64 32
SIZES
else
    echo "PyTorch with CUDA (or torch_reference.py) is not here: no PyTorch numbers"
fi
exit $status

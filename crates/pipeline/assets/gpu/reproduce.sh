#!/usr/bin/env bash
# The experiments on a machine with an NVIDIA GPU and no Rust toolchain, training on GPU 0:
# staged by `cargo xtask gpu-stage --xtask` beside xtask (built with the feature `cuda`,
# stripped, packed with xz). Run from the workspace; the arguments go to `reproduce`, e.g.
#     bash target/gpu-stage/reproduce.sh --profile full --only model-scaling
# The run is written to ./gpu-run; its results, figures and paper (not the checkpoints) are
# packed into results.tgz.00, .01, ... (15 MiB each) in $OUT, or ./gpu-results. Unpacked in
# the workspace they were staged from, `cargo run -p xtask --features cuda -- reproduce
# --device cuda` with the same arguments finds them current and trains nothing.
# LIMIT (seconds, default none) stops reproduce in time to pack what finished: set it well under
# the machine's own limit on a command, which would kill the packing too.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$PWD"

# The GPU's libraries, and plain fp32 everywhere (as for run.sh).
source "$here/libraries.sh"

# xtask hashes the workspace's sources (the cache keys) at the path it was built at: point that
# path at this copy when it differs.
built_at="$(cat "$here/xtask.root")"
if [ "$built_at" != "$root" ] && [ ! -e "$built_at" ]; then
    mkdir -p "$(dirname "$built_at")" && ln -s "$root" "$built_at" || exit 1
fi
xtask="${TMPDIR:-/tmp}/skm-xtask-$$"
xz -dc "$here/xtask.xz" > "$xtask" && chmod +x "$xtask" || exit 1

out="${OUT:-$root/gpu-results}"
mkdir -p "$out"
start=$(date +%s)
timeout "${LIMIT:-0}" "$xtask" reproduce --device cuda --experiments "$root/experiments" --out "$root/gpu-run" "$@" 2>&1 \
    | tee "$out/reproduce.log"
status=${PIPESTATUS[0]}
echo "== reproduce exited with $status after $(( $(date +%s) - start )) s"
rm -f "$xtask"
tar -C "$root/gpu-run" --exclude=checkpoints -czf - . | split -b 15M -d - "$out/results.tgz."
ls -l "$out"
exit "$status"

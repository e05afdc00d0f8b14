# Sourced by run.sh and reproduce.sh: puts the driver's libcuda, and cuBLAS and NVRTC (the CUDA
# toolkit's, or those of the Python environment's NVIDIA wheels) on LD_LIBRARY_PATH, and keeps
# every single-precision product in plain fp32 (no library may turn one into TF32).
libs=""
for dir in /usr/local/nvidia/lib64 /usr/local/nvidia/lib "${CUDA_HOME:-/usr/local/cuda}/lib64" $(python3 -c 'import os, glob, sysconfig
print(" ".join(sorted(glob.glob(os.path.join(sysconfig.get_paths()["purelib"], "nvidia", "*", "lib")))))' 2>/dev/null); do
    [ -d "$dir" ] && libs="$libs:$dir"
done
export LD_LIBRARY_PATH="${libs#:}:${LD_LIBRARY_PATH:-}"
export NVIDIA_TF32_OVERRIDE=0

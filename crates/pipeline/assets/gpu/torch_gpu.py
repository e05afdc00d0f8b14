# PyTorch's reference GPT benchmark (torch_reference.py, staged beside this file) on the GPU in
# plain fp32: every tensor it makes is created on CUDA, and TF32 is off for matrix products and
# convolutions, as the CUDA engine's cuBLAS runs in fp32.
import os
import runpy

import torch

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.set_default_device("cuda")
runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_reference.py"),
               run_name="__main__")

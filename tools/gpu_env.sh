# Sourced by the tools/gpu_*.sh scripts on a GPU machine (BUILD set, cwd = the repository root):
# the library path for binaries built elsewhere - ember's build tree, the CUDA toolkit, carried
# libraries (EXTRA_LIBS, a folder), a cuBLAS installed elsewhere (pip's nvidia-cublas) when the
# toolkit has none, and cuDNN, which ember loads at run time (Note [cuDNN at run time]): the
# toolkit's, else the one in PyTorch's wheels (nvidia-cudnn-cu13). Where a cuDNN is found,
# EMBER_EXPECT_CUDNN=1 makes the tests demand that it loads. Sets GPU_ENV_CUDNN to its folder.
if [ ! -e "$BUILD/libember.so.0" ] && [ -e "$BUILD/libember.so.0.1.0" ]; then
  ln -sf libember.so.0.1.0 "$BUILD/libember.so.0"
fi
export LD_LIBRARY_PATH="$PWD/$BUILD:/usr/local/cuda/lib64:/usr/local/cuda/lib:${LD_LIBRARY_PATH:-}"
[ -n "${EXTRA_LIBS:-}" ] && export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$PWD/$EXTRA_LIBS"
if ! ls /usr/local/cuda/lib64/libcublas.so.13 /usr/local/cuda/lib/libcublas.so.13 >/dev/null 2>&1; then
  gpu_env_cublas=$(find / -name 'libcublas.so.13' -not -path '/proc/*' 2>/dev/null | head -n 1)
  [ -n "$gpu_env_cublas" ] && export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$(dirname "$gpu_env_cublas")"
fi
GPU_ENV_CUDNN=""
if ls /usr/local/cuda/lib64/libcudnn.so.9 >/dev/null 2>&1; then
  GPU_ENV_CUDNN=/usr/local/cuda/lib64
else
  GPU_ENV_CUDNN=$(python3 -c 'import nvidia.cudnn as m; print(list(m.__path__)[0] + "/lib")' 2>/dev/null)
  [ -e "$GPU_ENV_CUDNN/libcudnn.so.9" ] ||
    GPU_ENV_CUDNN=$(find / -name 'libcudnn.so.9' -not -path '/proc/*' 2>/dev/null | head -n 1 | xargs -r dirname)
  [ -n "$GPU_ENV_CUDNN" ] && export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$GPU_ENV_CUDNN"
fi
[ -n "$GPU_ENV_CUDNN" ] && export EMBER_EXPECT_CUDNN=1

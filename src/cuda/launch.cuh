#pragma once
// The GPU launcher of the kernels' launch plans (the src/cuda/*.cuh headers that tests also run
// through the SIMT emulator, Note [Emulated kernels] in tests/README.md): a plan calls
// launch(kernel, grid, threads, args...), which here is kernel<<<grid, threads, 0,
// stream>>>(args...) followed by the launch check naming the op.
#include <cuda_runtime.h>

#include "src/cuda/runtime.h"

namespace ember::cuda {

struct StreamLaunch {
  cudaStream_t stream;
  const char* op;
  template <class... P, class... A>
  void operator()(void (*kernel)(P...), dim3 grid, int threads, A... args) const {
    kernel<<<grid, threads, 0, stream>>>(args...);
    detail::check_launch(op, stream);
  }
};

}  // namespace ember::cuda

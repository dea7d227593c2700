#pragma once
// Scope in which ops on CPU tensors follow CUDA autocast's lists, enabled with bfloat16: CUDA's
// lists checked on a machine without a GPU (autocast::detail::set_cuda_lists_on_cpu, a switch
// for tests only). Used by tests/amp/autocast_test.cpp and the op database's autocast audit.
#include "ember/amp/autocast.h"
#include "src/amp/autocast_hook.h"

namespace ember {
namespace testing {

// Restores the CUDA autocast switch and dtype it found.
struct CudaAutocastListsOnCpu {
  CudaAutocastListsOnCpu()
      : enabled_(autocast::is_enabled()), dtype_(autocast::get_autocast_gpu_dtype()) {
    autocast::detail::set_cuda_lists_on_cpu(true);
    autocast::set_autocast_gpu_dtype(kBFloat16);
    autocast::set_enabled(true);
  }
  ~CudaAutocastListsOnCpu() {
    autocast::set_enabled(enabled_);
    autocast::set_autocast_gpu_dtype(dtype_);
    autocast::detail::set_cuda_lists_on_cpu(false);
    autocast::clear_cache();
  }
  CudaAutocastListsOnCpu(const CudaAutocastListsOnCpu&) = delete;
  CudaAutocastListsOnCpu& operator=(const CudaAutocastListsOnCpu&) = delete;

 private:
  bool enabled_;
  ScalarType dtype_;
};

}  // namespace testing
}  // namespace ember

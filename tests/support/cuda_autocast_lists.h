#pragma once
// Scope in which ops on CPU tensors follow CUDA autocast's lists, enabled with bfloat16: CUDA's
// lists checked on a machine without a GPU (autocast::detail::set_cuda_lists_on_cpu, a switch
// for tests only). Used by tests/amp/autocast_test.cpp and the op database's autocast audit.
#include "ember/amp/autocast.h"
#include "src/amp/autocast_hook.h"

namespace ember {
namespace testing {

struct CudaAutocastListsOnCpu {
  CudaAutocastListsOnCpu() {
    autocast::detail::set_cuda_lists_on_cpu(true);
    autocast::set_autocast_gpu_dtype(kBFloat16);
    autocast::set_enabled(true);
  }
  ~CudaAutocastListsOnCpu() {
    autocast::set_enabled(false);
    autocast::set_autocast_gpu_dtype(kHalf);
    autocast::detail::set_cuda_lists_on_cpu(false);
    autocast::clear_cache();
  }
  CudaAutocastListsOnCpu(const CudaAutocastListsOnCpu&) = delete;
  CudaAutocastListsOnCpu& operator=(const CudaAutocastListsOnCpu&) = delete;
};

}  // namespace testing
}  // namespace ember

#pragma once
// Internal CUDA runtime helpers: error checks, launch checks, device resolution, Philox state.
#include <cuda_runtime_api.h>

#include <string>

#include "ember/core/error.h"
#include "ember/cuda/stream.h"
#include "src/core/kernel_errors.h"

namespace ember::cuda::detail {

// Throws ember::Error "[op] CUDA error: <text>" (with PyTorch's hint about asynchronous errors).
[[noreturn]] void throw_cuda_error(cudaError_t err, const char* op);
#define EMBER_CUDA_CHECK(expr, op)                                                          \
  do {                                                                                      \
    cudaError_t ember_err_ = (expr);                                                        \
    if (ember_err_ != cudaSuccess) ::ember::cuda::detail::throw_cuda_error(ember_err_, op); \
  } while (0)

// After a kernel launch: reports launch errors with the op's name; with CUDA_LAUNCH_BLOCKING=1 or
// EMBER_CUDA_LAUNCH_BLOCKING=1 also waits for the kernel and reports its execution errors.
void check_launch(const char* op, cudaStream_t stream);
bool launch_blocking();
// Whether EMBER_CUDA_PROFILE is on (Note [CUDA op profile] in runtime.cpp): ops may then give
// check_launch a more precise label (shapes, dtypes).
bool profiling();
// While profiling, the label "op detail" (kept for the process's life); otherwise op.
const char* profile_label(const char* op, const std::string& detail);

// Note [Deferred kernel errors] (src/core/kernel_errors.h): the process's registry over device
// memory. stream_synchronize() and device_synchronize() (so every copy to the host) harvest it.
::ember::detail::KernelErrors& kernel_errors();
// Whether recorded kernel errors are raised at the next synchronisation (the default) or at the
// op's own call (EMBER_CUDA_DEFERRED_ERRORS=0 or CUDA_LAUNCH_BLOCKING=1). The setter is for
// tests; it overrides the environment.
bool deferred_kernel_errors();
void set_deferred_kernel_errors(bool on);

// The error record of one launch that can meet bad input:
//   KernelErrorCheck err(device, stream, "gather", raiser);
//   launch_gather(..., err.ptr());
//   err.launched();  // with deferred errors off: waits for the stream and raises here
// `at_call`: always wait and raise at the call (a check that must pass before an in-place write).
// If the launch throws, the destructor marks it launched (its record stays zero).
class KernelErrorCheck {
 public:
  KernelErrorCheck(DeviceIndex device, cudaStream_t stream, const char* op,
                   ::ember::detail::KernelErrorRaiser raise, bool at_call = false);
  ~KernelErrorCheck();
  KernelErrorCheck(const KernelErrorCheck&) = delete;
  KernelErrorCheck& operator=(const KernelErrorCheck&) = delete;
  int64_t* ptr() const { return record_; }
  void launched();

 private:
  DeviceIndex device_;
  cudaStream_t stream_;
  bool immediate_;
  bool marked_ = false;
  int64_t* record_;
};

// -1 -> the current device; checks the index against the device count.
DeviceIndex resolve_device(DeviceIndex d);
inline cudaStream_t current_stream(DeviceIndex d = -1) { return getCurrentCUDAStream(d).stream(); }
int multiprocessor_count(DeviceIndex d);

// Philox (seed, offset) for a kernel that draws `increment` numbers per thread.
struct PhiloxState {
  uint64_t seed;
  uint64_t offset;
};
PhiloxState philox_state(DeviceIndex d, uint64_t increment);

}  // namespace ember::cuda::detail

namespace ember::cuda {
// Fill the CUDA slots of the op stubs (src/cuda/kernels.cpp, src/cuda/blas.cpp); called once when
// the first CUDA allocator is created, so a static libember keeps the kernels too.
void register_cuda_kernels();
void register_cuda_blas_kernels();
void register_cuda_index_kernels();
void register_cuda_nn_kernels();
void register_cuda_conv_kernels();
void register_cuda_cudnn_batch_norm_kernels();
void register_cuda_attention_kernels();
void register_cuda_optim_kernels();
}  // namespace ember::cuda

// Scratch memory for kernels (.cu files cannot include the allocator's Tensor-based header):
// blocks of the caching allocator, stream-ordered, freed back to its cache.
namespace ember::cuda::CUDACachingAllocator {
void* raw_alloc_with_stream(size_t nbytes, CUstream_st* stream);
void raw_delete(void* ptr);
}  // namespace ember::cuda::CUDACachingAllocator

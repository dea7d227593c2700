#pragma once
// cuDNN, loaded at run time (Note [cuDNN at run time] in cudnn.cpp): the entry points ember uses,
// one handle per device and thread, and error checks.
#if __has_include(<cudnn.h>)
#include <cudnn.h>
#define EMBER_HAVE_CUDNN_HEADERS 1
#else
#define EMBER_HAVE_CUDNN_HEADERS 0
#endif

#include <cuda_runtime_api.h>

#include <string>

#include "ember/core/device.h"

namespace ember::cuda::cudnn {

#if EMBER_HAVE_CUDNN_HEADERS
// The functions ember calls, resolved from libcudnn.so.9 (types from the headers: nothing here
// links against cuDNN).
struct Api {
#define EMBER_CUDNN_FN(name) decltype(&::name) name = nullptr;
#include "src/cuda/cudnn_functions.inc"
#undef EMBER_CUDNN_FN
  size_t version = 0;  // cudnnGetVersion(): 9xxyy
  std::string path;    // what was loaded
};

// The loaded library, or nullptr where none was found (or EMBER_CUDNN=0): callers then take
// their cuDNN-free path. Loaded once per process, on first use.
const Api* api();

// One handle per device and thread, bound to `stream` (api() must be non-null); nullptr (and a
// warning, once) where cuDNN cannot create one on that device.
cudnnHandle_t handle(DeviceIndex d, cudaStream_t stream);

// Throws ember::Error "[op] cuDNN error: <status> in <call>".
[[noreturn]] void throw_error(cudnnStatus_t s, const char* op, const char* call);
#define EMBER_CUDNN_CHECK(api_, call, args, op)                \
  do {                                                         \
    cudnnStatus_t ember_st_ = (api_)->call args;               \
    if (ember_st_ != CUDNN_STATUS_SUCCESS)                     \
      ::ember::cuda::cudnn::throw_error(ember_st_, op, #call); \
  } while (0)
#endif

// Whether cuDNN was found and loaded (false without the headers at build time).
bool loaded();
// Why not, when it was not (for messages and tests); empty when loaded.
std::string load_error();

}  // namespace ember::cuda::cudnn

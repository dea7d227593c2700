// Note [cuDNN at run time]
// ember does not link against cuDNN: its libraries are large (over 500 MB with the engines), not
// part of the CUDA toolkit, and often installed elsewhere (PyTorch's wheels carry their own). The
// first CUDA convolution loads libcudnn.so.9 with dlopen - EMBER_CUDNN_LIBRARY (a full path) if
// set, else the dynamic loader's search (LD_LIBRARY_PATH, the system's directories), else the
// toolkit's library directory ember was built against - and resolves the functions listed in
// cudnn_functions.inc (cuDNN 9's libcudnn.so.9 is a small front library that loads its
// sub-libraries on demand). Without it, or with EMBER_CUDNN=0, or with
// at::globalContext().setUserEnabledCuDNN(false), convolutions run as im2col + cuBLAS
// (conv_kernels.cpp), as before; torch::cuda::cudnn_is_available() says which.
#include "src/cuda/cudnn.h"

#include <dlfcn.h>

#include <array>
#include <cstdlib>
#include <vector>

#include "ember/core/error.h"

namespace ember::cuda::cudnn {

#if EMBER_HAVE_CUDNN_HEADERS
namespace {

struct Loaded {
  Api api;
  bool ok = false;
  std::string error;
};

#ifndef EMBER_CUDNN_DEFAULT_DIR
#define EMBER_CUDNN_DEFAULT_DIR "/usr/local/cuda/lib64"
#endif

Loaded load() {
  Loaded l;
  if (const char* e = std::getenv("EMBER_CUDNN"); e && std::string(e) == "0") {
    l.error = "disabled by EMBER_CUDNN=0";
    return l;
  }
  std::vector<std::string> tries;
  if (const char* p = std::getenv("EMBER_CUDNN_LIBRARY"); p && *p) {
    tries.emplace_back(p);
  } else {
    tries.emplace_back("libcudnn.so.9");
    tries.emplace_back(std::string(EMBER_CUDNN_DEFAULT_DIR) + "/libcudnn.so.9");
  }
  void* lib = nullptr;
  std::string errors;
  for (const std::string& t : tries) {
    lib = dlopen(t.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib) {
      l.api.path = t;
      break;
    }
    const char* why = dlerror();
    errors += (errors.empty() ? "" : "; ") + t + ": " + (why ? why : "not found");
  }
  if (!lib) {
    l.error = "libcudnn.so.9 not found (" + errors + ")";
    return l;
  }
  std::string missing;
#define EMBER_CUDNN_FN(name)                                           \
  l.api.name = reinterpret_cast<decltype(&::name)>(dlsym(lib, #name)); \
  if (!l.api.name) missing += (missing.empty() ? "" : ", ") + std::string(#name);
#include "src/cuda/cudnn_functions.inc"
#undef EMBER_CUDNN_FN
  if (!missing.empty()) {
    l.error = l.api.path + " lacks " + missing;
    return l;  // the library stays loaded: harmless, and unloading cuDNN is not safe
  }
  l.api.version = l.api.cudnnGetVersion();
  if (l.api.version / 10000 != 9) {
    l.error = l.api.path + " is cuDNN " + std::to_string(l.api.version) + ", not 9.x";
    return l;
  }
  l.ok = true;
  return l;
}

const Loaded& loaded_lib() {
  static const Loaded l = load();
  return l;
}

}  // namespace

const Api* api() {
  const Loaded& l = loaded_lib();
  return l.ok ? &l.api : nullptr;
}

cudnnHandle_t handle(DeviceIndex d, cudaStream_t stream) {
  const Api* a = api();
  EMBER_CHECK(a != nullptr, "[cudnn] cuDNN is not loaded: ", load_error());
  EMBER_CHECK(d >= 0 && d < 64, "[cudnn] device index ", static_cast<int>(d), " out of range");
  // Handles are not destroyed: a thread's handles live as long as the process (as cuBLAS's in
  // blas.cpp); cuDNN may not be called from static destructors.
  thread_local std::array<cudnnHandle_t, 64> handles{};
  thread_local std::array<bool, 64> failed{};
  if (!handles[d]) {
    if (failed[d]) return nullptr;
    cudnnStatus_t s = a->cudnnCreate(&handles[d]);
    if (s != CUDNN_STATUS_SUCCESS) {
      // A library that loads but cannot start (its sub-libraries missing, a driver too old):
      // the callers take their cuDNN-free path.
      failed[d] = true;
      handles[d] = nullptr;
      TORCH_WARN_ONCE("cuDNN (", a->path,
                      ") could not create a handle: ", a->cudnnGetErrorString(s),
                      "; convolutions run without cuDNN");
      return nullptr;
    }
  }
  EMBER_CUDNN_CHECK(a, cudnnSetStream, (handles[d], stream), "cudnn");
  return handles[d];
}

void throw_error(cudnnStatus_t s, const char* op, const char* call) {
  const Api* a = api();
  const char* text = a ? a->cudnnGetErrorString(s) : "unknown";
  EMBER_ERROR("[", op, "] cuDNN error: ", text, " (", static_cast<int>(s), ") in ", call);
}

bool loaded() { return loaded_lib().ok; }
std::string load_error() { return loaded_lib().error; }

#else

bool loaded() { return false; }
std::string load_error() { return "ember was built without cuDNN's headers"; }

#endif

}  // namespace ember::cuda::cudnn

// Note [cuDNN convolutions]
// conv2d's and conv3d's forward and gradients (and the transposed convolutions', as the adjoint
// passes) on CUDA through cuDNN's convolution API (the library loaded at run time, Note [cuDNN
// at run time]), for float, double, half and bfloat16 NCHW / NCDHW tensors, as PyTorch does:
// - descriptors per call (cheap host calls); 16-bit data accumulate in float ("pseudo-half"),
//   double in double;
// - math: float32 may use TF32 tensor cores when at::globalContext().allowTF32CuDNN() (on by
//   default, as torch.backends.cudnn.allow_tf32), otherwise only FMA kernels; 16-bit data use
//   tensor cores;
// - algorithm per problem (shapes, parameters, dtype, math switch, determinism, benchmark
//   switch, device), chosen once and cached: by default cuDNN's heuristic ranking, the first
//   algorithm that reports success (a deterministic one when deterministicCuDNN()) and whose
//   workspace can be allocated; with benchmarkCuDNN() (torch.backends.cudnn.benchmark) cuDNN
//   times the candidates on the call's own buffers with the largest workspace the allocator
//   gives (up to 1 GiB) and the fastest is kept;
// - workspace from the caching allocator; the bias is added by a broadcast add after the
//   convolution (PyTorch's cuDNN path does the same).
// A problem cuDNN does not take (no algorithm, CUDNN_STATUS_NOT_SUPPORTED, a tensor of 2^31
// elements or more) returns false and runs as im2col + cuBLAS (conv_kernels.cpp).
#include "src/cuda/conv_cudnn.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "ember/core/context.h"
#include "ember/cuda/stream.h"
#include "src/cuda/cudnn.h"
#include "src/cuda/key_hash.h"
#include "src/cuda/runtime.h"

namespace ember::cuda {

#if EMBER_HAVE_CUDNN_HEADERS
namespace {

using cudnn::Api;

cudnnDataType_t data_type(ScalarType t) {
  switch (t) {
    case kFloat:
      return CUDNN_DATA_FLOAT;
    case kDouble:
      return CUDNN_DATA_DOUBLE;
    case kHalf:
      return CUDNN_DATA_HALF;
    case kBFloat16:
      return CUDNN_DATA_BFLOAT16;
    default:
      EMBER_ERROR("[conv2d] cuDNN does not take ", toString(t));
  }
}

// The descriptors of one convolution, destroyed with it.
struct Descs {
  const Api* a;
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  explicit Descs(const Api* api) : a(api) {}
  Descs(const Descs&) = delete;
  Descs& operator=(const Descs&) = delete;
  ~Descs() {
    if (conv) a->cudnnDestroyConvolutionDescriptor(conv);
    if (w) a->cudnnDestroyFilterDescriptor(w);
    if (y) a->cudnnDestroyTensorDescriptor(y);
    if (x) a->cudnnDestroyTensorDescriptor(x);
  }
};

// What one pass reads and writes: forward x, w -> y; backward data w, y (dy) -> x (dx);
// backward filter x, y (dy) -> w (dw).
struct Problem {
  const Api* a;
  cudnnHandle_t h;
  const Descs* d;
  void *xp, *wp, *yp;
  const void *one, *zero;
};

struct Forward {
  using Perf = cudnnConvolutionFwdAlgoPerf_t;
  using Algo = cudnnConvolutionFwdAlgo_t;
  static constexpr int kPass = 0;
  static constexpr const char* kRun = "cudnnConvolutionForward";
  static cudnnStatus_t max_count(const Problem& p, int* n) {
    return p.a->cudnnGetConvolutionForwardAlgorithmMaxCount(p.h, n);
  }
  static cudnnStatus_t heuristics(const Problem& p, int want, int* got, Perf* r) {
    return p.a->cudnnGetConvolutionForwardAlgorithm_v7(p.h, p.d->x, p.d->w, p.d->conv, p.d->y, want,
                                                       got, r);
  }
  static cudnnStatus_t find(const Problem& p, int want, int* got, Perf* r, void* ws, size_t n) {
    return p.a->cudnnFindConvolutionForwardAlgorithmEx(p.h, p.d->x, p.xp, p.d->w, p.wp, p.d->conv,
                                                       p.d->y, p.yp, want, got, r, ws, n);
  }
  static cudnnStatus_t workspace(const Problem& p, Algo algo, size_t* n) {
    return p.a->cudnnGetConvolutionForwardWorkspaceSize(p.h, p.d->x, p.d->w, p.d->conv, p.d->y,
                                                        algo, n);
  }
  static cudnnStatus_t run(const Problem& p, Algo algo, void* ws, size_t n) {
    return p.a->cudnnConvolutionForward(p.h, p.one, p.d->x, p.xp, p.d->w, p.wp, p.d->conv, algo, ws,
                                        n, p.zero, p.d->y, p.yp);
  }
};

struct BackwardData {
  using Perf = cudnnConvolutionBwdDataAlgoPerf_t;
  using Algo = cudnnConvolutionBwdDataAlgo_t;
  static constexpr int kPass = 1;
  static constexpr const char* kRun = "cudnnConvolutionBackwardData";
  static cudnnStatus_t max_count(const Problem& p, int* n) {
    return p.a->cudnnGetConvolutionBackwardDataAlgorithmMaxCount(p.h, n);
  }
  static cudnnStatus_t heuristics(const Problem& p, int want, int* got, Perf* r) {
    return p.a->cudnnGetConvolutionBackwardDataAlgorithm_v7(p.h, p.d->w, p.d->y, p.d->conv, p.d->x,
                                                            want, got, r);
  }
  static cudnnStatus_t find(const Problem& p, int want, int* got, Perf* r, void* ws, size_t n) {
    return p.a->cudnnFindConvolutionBackwardDataAlgorithmEx(
        p.h, p.d->w, p.wp, p.d->y, p.yp, p.d->conv, p.d->x, p.xp, want, got, r, ws, n);
  }
  static cudnnStatus_t workspace(const Problem& p, Algo algo, size_t* n) {
    return p.a->cudnnGetConvolutionBackwardDataWorkspaceSize(p.h, p.d->w, p.d->y, p.d->conv, p.d->x,
                                                             algo, n);
  }
  static cudnnStatus_t run(const Problem& p, Algo algo, void* ws, size_t n) {
    return p.a->cudnnConvolutionBackwardData(p.h, p.one, p.d->w, p.wp, p.d->y, p.yp, p.d->conv,
                                             algo, ws, n, p.zero, p.d->x, p.xp);
  }
};

struct BackwardFilter {
  using Perf = cudnnConvolutionBwdFilterAlgoPerf_t;
  using Algo = cudnnConvolutionBwdFilterAlgo_t;
  static constexpr int kPass = 2;
  static constexpr const char* kRun = "cudnnConvolutionBackwardFilter";
  static cudnnStatus_t max_count(const Problem& p, int* n) {
    return p.a->cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(p.h, n);
  }
  static cudnnStatus_t heuristics(const Problem& p, int want, int* got, Perf* r) {
    return p.a->cudnnGetConvolutionBackwardFilterAlgorithm_v7(p.h, p.d->x, p.d->y, p.d->conv,
                                                              p.d->w, want, got, r);
  }
  static cudnnStatus_t find(const Problem& p, int want, int* got, Perf* r, void* ws, size_t n) {
    return p.a->cudnnFindConvolutionBackwardFilterAlgorithmEx(
        p.h, p.d->x, p.xp, p.d->y, p.yp, p.d->conv, p.d->w, p.wp, want, got, r, ws, n);
  }
  static cudnnStatus_t workspace(const Problem& p, Algo algo, size_t* n) {
    return p.a->cudnnGetConvolutionBackwardFilterWorkspaceSize(p.h, p.d->x, p.d->y, p.d->conv,
                                                               p.d->w, algo, n);
  }
  static cudnnStatus_t run(const Problem& p, Algo algo, void* ws, size_t n) {
    return p.a->cudnnConvolutionBackwardFilter(p.h, p.one, p.d->x, p.xp, p.d->y, p.yp, p.d->conv,
                                               algo, ws, n, p.zero, p.d->w, p.wp);
  }
};

// One problem of one pass: sizes and parameters (the third spatial entry 0 for 2-D), six
// switches (no padding bytes: the key is hashed and compared as bytes, key_hash.h).
struct AlgoKey {
  int64_t n, c, co, groups;
  int64_t in[3], k[3], stride[3], pad[3], dil[3];
  int32_t dtype, pass, fma_only, deterministic, benchmark, device;
};
static_assert(sizeof(AlgoKey) == 19 * sizeof(int64_t) + 6 * sizeof(int32_t),
              "AlgoKey has no padding");
struct Choice {
  bool usable = false;  // false: no algorithm (remembered, so the fallback is taken at once)
  int algo = 0;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
  size_t workspace = 0;
};
using AlgoCache = std::unordered_map<AlgoKey, Choice, BytesHash<AlgoKey>, BytesEqual<AlgoKey>>;

std::mutex g_cache_mu;
AlgoCache& cache() {
  static auto* m = new AlgoCache();
  return *m;
}

// Workspace from the caching allocator (empty for 0 bytes); nullopt when the device is out of
// memory (the allocator has already freed its cache and retried).
std::optional<Tensor> try_workspace(size_t bytes, Device dev) {
  if (bytes == 0) return Tensor();
  try {
    return make_tensor({static_cast<int64_t>(bytes)}, kByte, dev);
  } catch (const OutOfMemoryError&) {
    return std::nullopt;
  }
}

constexpr size_t kMaxBenchmarkWorkspace = size_t{1} << 30;

// CUDNN_STATUS_NOT_SUPPORTED and its refinements (3000-3999 in cuDNN 9): the problem goes to
// the cuDNN-free path instead of raising.
bool not_supported(cudnnStatus_t s) { return static_cast<int>(s) / 1000 == 3; }

// The math type to run an algorithm with: FMA only for float32 without TF32, else the one the
// algorithm was ranked with.
cudnnMathType_t run_math(cudnnMathType_t ranked, bool fma_only) {
  return fma_only ? CUDNN_FMA_MATH : ranked;
}

template <class Pass>
Choice choose(const Problem& p, bool fma_only, bool deterministic, bool benchmark, Device dev,
              ScalarType dtype, const char* op) {
  // Float and double data never go through algorithms that convert them to half.
  const bool conversion_ok = dtype == kHalf || dtype == kBFloat16;
  Choice c;
  int count = 0;
  cudnnStatus_t s = Pass::max_count(p, &count);
  if (not_supported(s)) return c;
  if (s != CUDNN_STATUS_SUCCESS) cudnn::throw_error(s, op, "cudnnGet*AlgorithmMaxCount");
  std::vector<typename Pass::Perf> perf(static_cast<size_t>(std::max(count, 1)));
  int got = 0;
  s = Pass::heuristics(p, count, &got, perf.data());
  if (not_supported(s)) return c;
  if (s != CUDNN_STATUS_SUCCESS) cudnn::throw_error(s, op, "cudnnGet*Algorithm_v7");
  // The candidates that may run, with their workspace under the math type they would run with.
  struct Candidate {
    typename Pass::Algo algo;
    cudnnMathType_t math;
    size_t workspace;
  };
  std::vector<Candidate> cands;
  for (int i = 0; i < got; ++i) {
    const auto& r = perf[static_cast<size_t>(i)];
    if (r.status != CUDNN_STATUS_SUCCESS) continue;
    if (deterministic && r.determinism != CUDNN_DETERMINISTIC) continue;
    if (!conversion_ok && r.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION) continue;
    const cudnnMathType_t math = run_math(r.mathType, fma_only);
    if (p.a->cudnnSetConvolutionMathType(p.d->conv, math) != CUDNN_STATUS_SUCCESS) continue;
    size_t ws = 0;
    if (Pass::workspace(p, r.algo, &ws) != CUDNN_STATUS_SUCCESS) continue;
    cands.push_back({r.algo, math, ws});
  }
  if (cands.empty()) return c;
  // Heuristic choice: the best ranked whose workspace can be had now.
  auto ranked = [&] {
    Choice r;
    for (const Candidate& k : cands) {
      if (!try_workspace(k.workspace, dev)) continue;  // too large now: the next one
      r.usable = true;
      r.algo = static_cast<int>(k.algo);
      r.math = k.math;
      r.workspace = k.workspace;
      break;
    }
    return r;
  };
  if (!benchmark) return ranked();
  // Benchmark: cuDNN times every algorithm that fits the workspace on the real buffers.
  size_t limit = 0;
  for (const Candidate& k : cands) limit = std::max(limit, k.workspace);
  limit = std::min(limit, kMaxBenchmarkWorkspace);
  std::optional<Tensor> ws;
  while (!(ws = try_workspace(limit, dev))) limit /= 2;  // 0 bytes always succeeds
  void* wp = ws->defined() ? ws->data_ptr() : nullptr;
  // Find ranks under the descriptor's math type: TF32/tensor cores allowed unless FMA only.
  EMBER_CUDNN_CHECK(p.a, cudnnSetConvolutionMathType,
                    (p.d->conv, fma_only ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH), op);
  std::vector<typename Pass::Perf> timed(perf.size());
  int ntimed = 0;
  s = Pass::find(p, count, &ntimed, timed.data(), wp, limit);
  if (not_supported(s)) return ranked();
  if (s != CUDNN_STATUS_SUCCESS) cudnn::throw_error(s, op, "cudnnFind*AlgorithmEx");
  ws.reset();  // the timing workspace goes back to the cache before the run takes its own
  for (int i = 0; i < ntimed; ++i) {
    const auto& r = timed[static_cast<size_t>(i)];
    if (r.status != CUDNN_STATUS_SUCCESS || r.memory > limit) continue;
    if (deterministic && r.determinism != CUDNN_DETERMINISTIC) continue;
    if (!conversion_ok && r.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION) continue;
    c.usable = true;
    c.algo = static_cast<int>(r.algo);
    c.math = run_math(r.mathType, fma_only);
    EMBER_CUDNN_CHECK(p.a, cudnnSetConvolutionMathType, (p.d->conv, c.math), op);
    size_t need = 0;
    if (Pass::workspace(p, r.algo, &need) != CUDNN_STATUS_SUCCESS) need = r.memory;
    c.workspace = need;
    return c;
  }
  return ranked();
}

// Runs one pass with the cached (or newly chosen) algorithm; false when cuDNN has none for it.
template <class Pass>
bool run_pass(const Problem& p, AlgoKey key, Device dev, cudaStream_t stream, const char* op,
              bool fma_only) {
  Context& ctx = globalContext();
  key.pass = Pass::kPass;
  key.fma_only = fma_only;
  key.deterministic = ctx.deterministicCuDNN();
  key.benchmark = ctx.benchmarkCuDNN();
  std::optional<Choice> c;
  {
    std::lock_guard<std::mutex> lock(g_cache_mu);
    auto it = cache().find(key);
    if (it != cache().end()) c = it->second;
  }
  if (!c) {
    c = choose<Pass>(p, fma_only, key.deterministic != 0, key.benchmark != 0, dev,
                     static_cast<ScalarType>(key.dtype), op);
    std::lock_guard<std::mutex> lock(g_cache_mu);
    cache()[key] = *c;
  }
  if (!c->usable) return false;
  EMBER_CUDNN_CHECK(p.a, cudnnSetConvolutionMathType, (p.d->conv, c->math), op);
  std::optional<Tensor> ws = try_workspace(c->workspace, dev);
  if (!ws) {
    // The cached algorithm's workspace does not fit now: choose again under today's memory.
    Choice again = choose<Pass>(p, fma_only, key.deterministic != 0, false, dev,
                                static_cast<ScalarType>(key.dtype), op);
    if (!again.usable) return false;
    c = again;
    EMBER_CUDNN_CHECK(p.a, cudnnSetConvolutionMathType, (p.d->conv, c->math), op);
    ws = try_workspace(c->workspace, dev);
    if (!ws) return false;
  }
  void* wp = ws->defined() ? ws->data_ptr() : nullptr;
  cudnnStatus_t s = Pass::run(p, static_cast<typename Pass::Algo>(c->algo), wp, c->workspace);
  if (not_supported(s)) {
    std::lock_guard<std::mutex> lock(g_cache_mu);
    cache()[key] = Choice{};
    return false;
  }
  if (s != CUDNN_STATUS_SUCCESS) cudnn::throw_error(s, op, Pass::kRun);
  detail::check_launch(op, stream);
  return true;
}

bool fits_int(int64_t v) { return v >= 0 && v < (int64_t{1} << 31); }

// cuDNN takes the problem: loaded and enabled, a type it computes, no empty or 2^31-element
// tensors.
const Api* usable_api(const Tensor& x, const Tensor& w, int64_t out_numel) {
  const Api* a = cudnn::api();
  if (!a || !globalContext().userEnabledCuDNN()) return nullptr;
  ScalarType t = x.scalar_type();
  if (t != kFloat && t != kDouble && t != kHalf && t != kBFloat16) return nullptr;
  if (x.numel() == 0 || w.numel() == 0 || out_numel == 0) return nullptr;
  if (!fits_int(x.numel()) || !fits_int(w.numel()) || !fits_int(out_numel)) return nullptr;
  return a;
}

// Descriptors of x [n, c, spatial...], w [co, c / groups, kernel...] and y [n, co, out...] (out:
// the spatial output sizes) for 2 or 3 spatial dims, all contiguous.
void make_descs(Descs& d, const Tensor& x, const Tensor& w, IntArrayRef out, const ConvNdParams& p,
                bool fma_only) {
  const Api* a = d.a;
  const char* op = p.dims == 3 ? "conv3d" : "conv2d";
  cudnnDataType_t dt = data_type(x.scalar_type());
  cudnnDataType_t acc = x.scalar_type() == kDouble ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT;
  auto i = [](int64_t v) { return static_cast<int>(v); };
  EMBER_CUDNN_CHECK(a, cudnnCreateTensorDescriptor, (&d.x), op);
  EMBER_CUDNN_CHECK(a, cudnnCreateTensorDescriptor, (&d.y), op);
  EMBER_CUDNN_CHECK(a, cudnnCreateFilterDescriptor, (&d.w), op);
  EMBER_CUDNN_CHECK(a, cudnnCreateConvolutionDescriptor, (&d.conv), op);
  if (p.dims == 2) {
    EMBER_CUDNN_CHECK(
        a, cudnnSetTensor4dDescriptor,
        (d.x, CUDNN_TENSOR_NCHW, dt, i(x.size(0)), i(x.size(1)), i(x.size(2)), i(x.size(3))), op);
    EMBER_CUDNN_CHECK(
        a, cudnnSetTensor4dDescriptor,
        (d.y, CUDNN_TENSOR_NCHW, dt, i(x.size(0)), i(w.size(0)), i(out[0]), i(out[1])), op);
    EMBER_CUDNN_CHECK(
        a, cudnnSetFilter4dDescriptor,
        (d.w, dt, CUDNN_TENSOR_NCHW, i(w.size(0)), i(w.size(1)), i(w.size(2)), i(w.size(3))), op);
    EMBER_CUDNN_CHECK(a, cudnnSetConvolution2dDescriptor,
                      (d.conv, i(p.padding[0]), i(p.padding[1]), i(p.stride[0]), i(p.stride[1]),
                       i(p.dilation[0]), i(p.dilation[1]), CUDNN_CROSS_CORRELATION, acc),
                      op);
  } else {
    // Nd descriptors: sizes and contiguous strides of the 5-d tensors.
    auto set_tensor = [&](cudnnTensorDescriptor_t t, std::array<int, 5> dims) {
      std::array<int, 5> strides{};
      int stride = 1;
      for (int k = 4; k >= 0; --k) {
        strides[static_cast<size_t>(k)] = stride;
        stride *= dims[static_cast<size_t>(k)];
      }
      EMBER_CUDNN_CHECK(a, cudnnSetTensorNdDescriptor, (t, dt, 5, dims.data(), strides.data()), op);
    };
    set_tensor(d.x, {i(x.size(0)), i(x.size(1)), i(x.size(2)), i(x.size(3)), i(x.size(4))});
    set_tensor(d.y, {i(x.size(0)), i(w.size(0)), i(out[0]), i(out[1]), i(out[2])});
    const std::array<int, 5> f{i(w.size(0)), i(w.size(1)), i(w.size(2)), i(w.size(3)),
                               i(w.size(4))};
    EMBER_CUDNN_CHECK(a, cudnnSetFilterNdDescriptor, (d.w, dt, CUDNN_TENSOR_NCHW, 5, f.data()), op);
    const std::array<int, 3> pad{i(p.padding[0]), i(p.padding[1]), i(p.padding[2])};
    const std::array<int, 3> st{i(p.stride[0]), i(p.stride[1]), i(p.stride[2])};
    const std::array<int, 3> dil{i(p.dilation[0]), i(p.dilation[1]), i(p.dilation[2])};
    EMBER_CUDNN_CHECK(a, cudnnSetConvolutionNdDescriptor,
                      (d.conv, 3, pad.data(), st.data(), dil.data(), CUDNN_CROSS_CORRELATION, acc),
                      op);
  }
  EMBER_CUDNN_CHECK(a, cudnnSetConvolutionGroupCount, (d.conv, i(p.groups)), op);
  EMBER_CUDNN_CHECK(a, cudnnSetConvolutionMathType,
                    (d.conv, fma_only ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH), op);
}

AlgoKey make_key(const Tensor& x, const Tensor& w, const ConvNdParams& p) {
  AlgoKey k{};
  k.n = x.size(0);
  k.c = x.size(1);
  k.co = w.size(0);
  k.groups = p.groups;
  for (int s = 0; s < p.dims; ++s) {
    k.in[s] = x.size(2 + s);
    k.k[s] = w.size(2 + s);
    k.stride[s] = p.stride[static_cast<size_t>(s)];
    k.pad[s] = p.padding[static_cast<size_t>(s)];
    k.dil[s] = p.dilation[static_cast<size_t>(s)];
  }
  k.dtype = static_cast<int32_t>(x.scalar_type());
  k.device = static_cast<int32_t>(x.device().index());
  return k;
}

// What a call sets up: the library, the stream's handle, the descriptors, the cache key.
class Call {
 public:
  // False: not for cuDNN (see usable_api; or no handle on this device).
  bool init(const Tensor& x, const Tensor& w, IntArrayRef out, int64_t out_numel,
            const ConvNdParams& p) {
    a_ = usable_api(x, w, out_numel);
    if (!a_) return false;
    dev_ = x.device();
    stream_ = getCurrentCUDAStream(dev_.index()).stream();
    h_ = cudnn::handle(dev_.index(), stream_);
    if (!h_) return false;
    dtype_ = x.scalar_type();
    fma_only_ = dtype_ == kFloat && !globalContext().allowTF32CuDNN();
    d_ = std::make_unique<Descs>(a_);
    make_descs(*d_, x, w, out, p, fma_only_);
    key_ = make_key(x, w, p);
    return true;
  }
  // One pass over (x, w, y) = the forward's operands, or dx / dy / dw in their places.
  template <class Pass>
  bool run(const void* xp, const void* wp, const void* yp, const char* op) const {
    const bool dbl = dtype_ == kDouble;
    Problem pr{a_,
               h_,
               d_.get(),
               const_cast<void*>(xp),
               const_cast<void*>(wp),
               const_cast<void*>(yp),
               dbl ? static_cast<const void*>(&d1_) : &f1_,
               dbl ? static_cast<const void*>(&d0_) : &f0_};
    return run_pass<Pass>(pr, key_, dev_, stream_, op, fma_only_);
  }

 private:
  const Api* a_ = nullptr;
  Device dev_{kCUDA};
  cudaStream_t stream_ = nullptr;
  cudnnHandle_t h_ = nullptr;
  ScalarType dtype_ = kFloat;
  bool fma_only_ = false;
  std::unique_ptr<Descs> d_;
  AlgoKey key_{};
  float f1_ = 1.f, f0_ = 0.f;
  double d1_ = 1.0, d0_ = 0.0;
};

// The spatial sizes of a [n, c, spatial...] tensor.
IntArrayRef spatial(const Tensor& t) { return t.sizes().slice(2); }

const char* label(const char* op, const Tensor& x) {
  return detail::profiling() ? detail::profile_label((std::string(op) + " cudnn").c_str(),
                                                     toString(x.scalar_type()))
                             : op;
}

// The bias, one value per output channel, added over the spatial dims after the pass.
void add_bias(Tensor& out, const Tensor& bias, int dims) {
  if (bias.defined())
    out.add_(bias.view(dims == 3 ? IntArrayRef{1, -1, 1, 1, 1} : IntArrayRef{1, -1, 1, 1}));
}

}  // namespace

bool cudnn_conv(Tensor& out, const Tensor& x, const Tensor& w, const Tensor& bias,
                const ConvNdParams& p) {
  Call call;
  if (!call.init(x, w, spatial(out), out.numel(), p)) return false;
  const char* op = label(p.dims == 3 ? "conv3d" : "conv2d", x);
  if (!call.run<Forward>(x.data_ptr(), w.data_ptr(), out.data_ptr(), op)) return false;
  add_bias(out, bias, p.dims);
  return true;
}

bool cudnn_conv_backward(const Tensor& grad_out, const Tensor& x, const Tensor& w,
                         const ConvNdParams& p, Tensor& grad_input, Tensor& grad_weight) {
  Call call;
  if (!call.init(x, w, spatial(grad_out), grad_out.numel(), p)) return false;
  const char* op = label(p.dims == 3 ? "conv3d_backward" : "conv2d_backward", x);
  // False (cuDNN has no algorithm for a pass): the caller computes both gradients the cuDNN-free
  // way, overwriting one made here.
  if (grad_input.defined() &&
      !call.run<BackwardData>(grad_input.data_ptr(), w.data_ptr(), grad_out.data_ptr(), op))
    return false;
  if (grad_weight.defined() &&
      !call.run<BackwardFilter>(x.data_ptr(), grad_weight.data_ptr(), grad_out.data_ptr(), op))
    return false;
  return true;
}

// A transposed convolution is the adjoint of the convolution out -> x with the same weight: its
// forward is that convolution's backward-data pass, its input gradient the forward pass and its
// weight gradient the backward-filter pass with grad_out in the convolution input's place
// (PyTorch's cudnn_convolution_transpose). The descriptors are those of that convolution: "x" is
// the transposed convolution's output [N, Co, out...], "y" its input [N, Ci, in...], the filter
// [Ci, Co / groups, k...] as the weight is stored.
bool cudnn_conv_transpose(Tensor& out, const Tensor& x, const Tensor& w, const Tensor& bias,
                          const ConvNdParams& p) {
  Call call;
  if (!call.init(out, w, spatial(x), x.numel(), p)) return false;
  const char* op = label(p.dims == 3 ? "conv_transpose3d" : "conv_transpose2d", x);
  if (!call.run<BackwardData>(out.data_ptr(), w.data_ptr(), x.data_ptr(), op)) return false;
  add_bias(out, bias, p.dims);
  return true;
}

bool cudnn_conv_transpose_backward(const Tensor& grad_out, const Tensor& x, const Tensor& w,
                                   const ConvNdParams& p, Tensor& grad_input, Tensor& grad_weight) {
  Call call;
  if (!call.init(grad_out, w, spatial(x), x.numel(), p)) return false;
  const char* op =
      label(p.dims == 3 ? "conv_transpose3d_backward" : "conv_transpose2d_backward", x);
  if (grad_input.defined() &&
      !call.run<Forward>(grad_out.data_ptr(), w.data_ptr(), grad_input.data_ptr(), op))
    return false;
  if (grad_weight.defined() &&
      !call.run<BackwardFilter>(grad_out.data_ptr(), grad_weight.data_ptr(), x.data_ptr(), op))
    return false;
  return true;
}

size_t cudnn_conv_cache_size() {
  std::lock_guard<std::mutex> lock(g_cache_mu);
  return cache().size();
}

#else

bool cudnn_conv(Tensor&, const Tensor&, const Tensor&, const Tensor&, const ConvNdParams&) {
  return false;
}
bool cudnn_conv_backward(const Tensor&, const Tensor&, const Tensor&, const ConvNdParams&, Tensor&,
                         Tensor&) {
  return false;
}
bool cudnn_conv_transpose(Tensor&, const Tensor&, const Tensor&, const Tensor&,
                          const ConvNdParams&) {
  return false;
}
bool cudnn_conv_transpose_backward(const Tensor&, const Tensor&, const Tensor&, const ConvNdParams&,
                                   Tensor&, Tensor&) {
  return false;
}
size_t cudnn_conv_cache_size() { return 0; }

#endif

}  // namespace ember::cuda

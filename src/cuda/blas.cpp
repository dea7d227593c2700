// matmul family on CUDA through cuBLAS (gemm_stub, bgemm_stub). Row-major C = A B is computed as
// column-major C^T = B^T A^T; transposed views go to cuBLAS as transposes, without copies.
// float uses TF32 tensor cores only when at::globalContext().allowTF32CuBLAS() (off by default).
// addmm's bias row goes into cuBLASLt's epilogue (gemm_bias_stub), its gradient into the weight
// gradient's product (gemm_bgrad_stub, Note [Bias gradient in the weight product]); large 16-bit
// products with unaligned rows run on padded copies (Note [Padded GEMM operands]).
#include <cublasLt.h>
#include <cublas_v2.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "ember/autograd/grad_mode.h"
#include "ember/core/context.h"
#include "ember/cuda/stream.h"
#include "src/cuda/key_hash.h"
#include "src/cuda/runtime.h"
#include "src/cuda/stubs.h"
#include "src/kernels/linalg.h"

namespace ember::cuda {
namespace {

const char* cublas_status_string(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_NOT_INITIALIZED:
      return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED:
      return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE:
      return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH:
      return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR:
      return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED:
      return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR:
      return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED:
      return "CUBLAS_STATUS_NOT_SUPPORTED";
    default:
      return "CUBLAS_STATUS_UNKNOWN";
  }
}

#define EMBER_CUBLAS_CHECK(expr, op)                                                       \
  do {                                                                                     \
    cublasStatus_t st_ = (expr);                                                           \
    EMBER_CHECK(st_ == CUBLAS_STATUS_SUCCESS, "[", op,                                     \
                "] CUDA error: ", cublas_status_string(st_), " when calling `" #expr "`"); \
  } while (0)

// One handle per device per thread, bound to the current stream on each use.
cublasHandle_t handle(DeviceIndex d, cudaStream_t stream) {
  thread_local std::array<cublasHandle_t, 64> handles{};
  if (!handles[d]) EMBER_CUBLAS_CHECK(cublasCreate(&handles[d]), "matmul");
  EMBER_CUBLAS_CHECK(cublasSetStream(handles[d], stream), "matmul");
  return handles[d];
}

// A [.., rows, cols] operand as cuBLAS sees it: row-major with leading dim ld (no transpose of
// the transposed problem), or column-major (transpose).
struct Operand {
  Tensor t;
  bool trans = false;
  int64_t ld = 1;
};

Operand describe(const Tensor& x) {
  int64_t nd = x.dim();
  int64_t rows = x.size(nd - 2), cols = x.size(nd - 1);
  int64_t s0 = x.stride(nd - 2), s1 = x.stride(nd - 1);
  if ((s1 == 1 || cols == 1) && s0 >= std::max<int64_t>(1, cols)) return {x, false, s0};
  if ((s0 == 1 || rows == 1) && s1 >= std::max<int64_t>(1, rows)) return {x, true, s1};
  Tensor c = x.contiguous();
  return {c, false, std::max<int64_t>(1, cols)};
}

cudaDataType_t data_type(ScalarType st, const char* op) {
  switch (st) {
    case kFloat:
      return CUDA_R_32F;
    case kDouble:
      return CUDA_R_64F;
    case kHalf:
      return CUDA_R_16F;
    case kBFloat16:
      return CUDA_R_16BF;
    default:
      EMBER_ERROR("[", op, "] \"", op, "_cuda\" not implemented for '", toString(st), "'");
  }
}

// float accumulation (TF32 tensor cores for float only when allowed), double for double.
cublasComputeType_t compute_type(ScalarType st) {
  if (st == kDouble) return CUBLAS_COMPUTE_64F;
  if (st == kFloat && globalContext().allowTF32CuBLAS()) return CUBLAS_COMPUTE_32F_FAST_TF32;
  return CUBLAS_COMPUTE_32F;
}

// out[b] = beta * out[b] + alpha * a[b] @ b[b]; 2-D operands are a batch of one.
void gemm_impl(Tensor& out, const Tensor& a, const Tensor& b, const Scalar& beta,
               const Scalar& alpha, const char* op) {
  bool batched = a.dim() == 3;
  int64_t batch = batched ? a.size(0) : 1;
  int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  if (out.numel() == 0) return;
  CUDAGuard g(out.device());
  ScalarType st = out.dtype();
  cudaDataType_t dt = data_type(st, op);
  EMBER_CHECK(a.dtype() == st && b.dtype() == st, "[", op,
              "] expected all operands to have one dtype");
  EMBER_CHECK(a.device() == out.device() && b.device() == out.device(), "[", op,
              "] Expected all tensors to be on the same device, but found at least two devices, ",
              out.device(), " and ", a.device() == out.device() ? b.device() : a.device(), "!");
  if (k == 0) {
    double bv = beta.to<double>();
    if (bv == 0) {
      out.zero_();
    } else {
      out.mul_(beta);
    }
    return;
  }
  // The output must be row-major with unit column stride; otherwise go through a temporary.
  Operand c = describe(out);
  bool temp_out =
      c.trans || !c.t.is_same(out) || (batched && out.size(0) > 1 && out.stride(0) < m * c.ld);
  Tensor o = out;
  if (temp_out) {
    o = out.contiguous();
    if (o.is_same(out)) o = out.clone();
    c = Operand{o, false, std::max<int64_t>(1, n)};
  }
  Operand A = describe(a), B = describe(b);
  cudaStream_t stream = getCurrentCUDAStream(out.device().index()).stream();
  cublasHandle_t h = handle(out.device().index(), stream);
  const cublasComputeType_t compute = compute_type(st);
  double ad = alpha.to<double>(), bd = beta.to<double>();
  float af = static_cast<float>(ad), bf = static_cast<float>(bd);
  const void* pa = st == kDouble ? static_cast<const void*>(&ad) : &af;
  const void* pb = st == kDouble ? static_cast<const void*>(&bd) : &bf;
  // Column-major: C^T (n x m) = op(B^T) (n x k) * op(A^T) (k x m).
  cublasOperation_t opb = B.trans ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasOperation_t opa = A.trans ? CUBLAS_OP_T : CUBLAS_OP_N;
  if (!batched) {
    EMBER_CUBLAS_CHECK(
        cublasGemmEx(h, opb, opa, static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), pa,
                     B.t.data_ptr(), dt, static_cast<int>(B.ld), A.t.data_ptr(), dt,
                     static_cast<int>(A.ld), pb, c.t.data_ptr(), dt, static_cast<int>(c.ld),
                     compute, CUBLAS_GEMM_DEFAULT),
        op);
  } else {
    EMBER_CUBLAS_CHECK(
        cublasGemmStridedBatchedEx(
            h, opb, opa, static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), pa,
            B.t.data_ptr(), dt, static_cast<int>(B.ld), B.t.stride(0), A.t.data_ptr(), dt,
            static_cast<int>(A.ld), A.t.stride(0), pb, c.t.data_ptr(), dt, static_cast<int>(c.ld),
            c.t.stride(0), static_cast<int>(batch), compute, CUBLAS_GEMM_DEFAULT),
        op);
  }
  std::string label;
  if (detail::profiling()) {
    label = std::string(op) + " " + toString(st) + " " + std::to_string(m) + "x" +
            std::to_string(n) + "x" + std::to_string(k) +
            (batched ? " batch " + std::to_string(batch) : "") + (A.trans ? " A^T" : "") +
            (B.trans ? " B^T" : "") + (temp_out ? " via temporary" : "");
  }
  detail::check_launch(label.empty() ? op : label.c_str(), stream);
  if (temp_out) out.copy_(o);
}

// Note [Padded GEMM operands]
// cuBLAS's fast Hopper kernels want rows that start on 16-byte boundaries. A product with a
// dimension like GPT-2's vocabulary (50257) has odd leading dimensions, and cuBLAS falls back to
// an sm75-era kernel at ~100 TFLOP/s (PyTorch's matmul too: its GPT-2 lm-head GEMMs take 30 ms of
// a 75 ms step on an H100). Large 16-bit (or TF32) products with such operands run on copies whose
// dimensions are rounded up to multiples of 8: the reduced dimension's padding is zero in both
// factors (it adds nothing), padded rows and columns of the result are dropped, and the [m, n]
// corner is copied into the output. The copies are a few passes over operands that the product
// reads anyway; only products of >= 2^33 flops and >= 64 flops per copied byte take this path.
// Measured on an H100 (2026-11-27, GPT-2 124M): EMBER_CUDA_PROFILE put the padded products at
// 1.5-1.9 ms and each copy of the [16384, 50257] operands at ~8 ms - the same sum as the
// unpadded products, whatever kernel did the copies. cuBLAS's kernels may let the next launch
// start before they finish (programmatic dependent launch), which moves time between rows of
// the profile, so the split is not settled: bench_cuda's "lm-head" rows, run with and without
// EMBER_CUDA_GEMM_PAD=0 (which turns this path off), time the whole products.
constexpr int64_t kPad = 8;

int64_t round_up(int64_t x) { return (x + kPad - 1) / kPad * kPad; }

// Whether a 2-D operand goes to cuBLAS without a copy and with rows (or columns, for a
// column-major view) that start on 16-byte boundaries. Their length need not be a multiple of 8:
// the kernels' tiles cover ragged edges; what they cannot take is a misaligned row start (a
// gradient written with padded rows, Note [Pitched logits gradient] in src/ops/loss.cpp, is
// aligned with C = 50257). `padded` (the copies below): also of a multiple of 8 in both sizes.
bool aligned_operand(const Tensor& x, bool padded = false) {
  int64_t s0 = x.stride(0), s1 = x.stride(1);
  int64_t ld = s1 == 1 ? s0 : (s0 == 1 ? s1 : 0);
  if (ld <= 0 || (padded && (x.size(0) % kPad != 0 || x.size(1) % kPad != 0))) return false;
  const int64_t esz = static_cast<int64_t>(x.element_size());
  return (ld * esz) % 16 == 0 && reinterpret_cast<uintptr_t>(x.data_ptr()) % 16 == 0;
}

bool tensor_core_dtype(ScalarType st) {
  return st == kHalf || st == kBFloat16 || (st == kFloat && globalContext().allowTF32CuBLAS());
}

bool pad_pays(const Tensor& out, const Tensor& a, const Tensor& b) {
  static const bool enabled = [] {
    const char* e = std::getenv("EMBER_CUDA_GEMM_PAD");
    return e == nullptr || std::strcmp(e, "0") != 0;
  }();
  if (!enabled || !tensor_core_dtype(out.scalar_type()) || a.dim() != 2) return false;
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  if (std::min({m, n, k}) < 64) return false;
  if (aligned_operand(a) && aligned_operand(b) && aligned_operand(out)) return false;
  const double flops =
      2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  const double mp = static_cast<double>(round_up(m)), np = static_cast<double>(round_up(n)),
               kp = static_cast<double>(round_up(k));
  const double bytes = static_cast<double>(out.element_size()) * (mp * kp + kp * np + 2 * mp * np);
  return flops >= 8589934592.0 && flops >= 64 * bytes;
}

// x ([r, c]) in a [rp, cp] buffer of the same orientation (row- or column-major), zeros around.
Tensor padded_copy(const Tensor& x, int64_t rp, int64_t cp) {
  const int64_t r = x.size(0), c = x.size(1);
  if (r == rp && c == cp && aligned_operand(x, true)) return x;
  const bool col_major = x.stride(0) == 1 && x.stride(1) != 1;
  Tensor p = col_major ? make_tensor({cp, rp}, x.scalar_type(), x.device()).t()
                       : make_tensor({rp, cp}, x.scalar_type(), x.device());
  if (cp > c) p.narrow(1, c, cp - c).zero_();
  if (rp > r) p.narrow(0, r, rp - r).zero_();
  p.narrow(0, 0, r).narrow(1, 0, c).copy_(x);
  return p;
}

// out = beta * out + alpha * a @ b on padded copies (beta != 0 reads out through the copy).
void gemm_padded(Tensor& out, const Tensor& a, const Tensor& b, const Scalar& beta,
                 const Scalar& alpha) {
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  const int64_t mp = round_up(m), kp = round_up(k), np = round_up(n);
  NoGradGuard ng;
  Tensor ap = padded_copy(a, mp, kp), bp = padded_copy(b, kp, np);
  Tensor o = make_tensor({mp, np}, out.scalar_type(), out.device());
  if (!beta.equal(0)) o.copy_(padded_copy(out, mp, np));
  gemm_impl(o, ap, bp, beta, alpha, "addmm");
  out.copy_(o.narrow(0, 0, m).narrow(1, 0, n));
}

void gemm_cuda(Tensor& out, const Tensor& a, const Tensor& b, const Scalar& beta,
               const Scalar& alpha) {
  if (pad_pays(out, a, b)) {
    gemm_padded(out, a, b, beta, alpha);
    return;
  }
  gemm_impl(out, a, b, beta, alpha, "addmm");
}
void bgemm_cuda(Tensor& out, const Tensor& a, const Tensor& b, const Scalar& beta,
                const Scalar& alpha) {
  gemm_impl(out, a, b, beta, alpha, "baddbmm");
}

// ---- cuBLASLt with the bias in the epilogue ----------------------------------------------------

#define EMBER_CUBLASLT_CHECK(expr) EMBER_CUBLAS_CHECK(expr, "addmm")

cublasLtHandle_t lt_handle(DeviceIndex d) {
  static std::array<cublasLtHandle_t, 64> handles{};
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  if (!handles[d]) EMBER_CUBLASLT_CHECK(cublasLtCreate(&handles[d]));
  return handles[d];
}

// The heuristic's first algorithm for one problem (shapes, layouts, dtype, pointer alignments),
// asked once per problem (a problem without one is remembered too).
struct LtKey {
  int64_t m, n, k, lda, ldb, ldc, epilogue;
  int dtype, compute, ta, tb, align, device;  // six ints: no padding bytes (key_hash.h)
};
static_assert(sizeof(LtKey) == 7 * sizeof(int64_t) + 6 * sizeof(int), "LtKey has no padding");
struct LtAlgo {
  bool found = false;
  cublasLtMatmulAlgo_t algo{};
};

constexpr size_t kLtWorkspace = size_t{32} << 20;

// Largest power of two (<= 256) dividing the address: cuBLASLt picks kernels by alignment.
int alignment(const void* p) {
  auto v = reinterpret_cast<uintptr_t>(p);
  int a = 1;
  while (a < 256 && v % (2 * a) == 0) a *= 2;
  return a;
}

// RAII for the descriptors of one call.
struct LtDescs {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  cublasLtMatmulPreference_t pref = nullptr;
  ~LtDescs() {
    if (pref) cublasLtMatmulPreferenceDestroy(pref);
    if (c) cublasLtMatrixLayoutDestroy(c);
    if (b) cublasLtMatrixLayoutDestroy(b);
    if (a) cublasLtMatrixLayoutDestroy(a);
    if (op) cublasLtMatmulDescDestroy(op);
  }
};

// out = alpha * a @ b through cuBLASLt with an epilogue on the vector at `vec` (column-major:
// out^T = op(b^T) op(a^T)): CUBLASLT_EPILOGUE_BIAS adds vec (n values) to every row of out;
// CUBLASLT_EPILOGUE_BGRADB writes the sums over k of op(a^T)'s columns - a's row sums (m values)
// - into vec. False when cuBLASLt has no algorithm for it.
bool gemm_lt(Tensor& out, const Tensor& a, const Tensor& b, cublasLtEpilogue_t epi, void* vec,
             const Scalar& alpha) {
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  ScalarType st = out.scalar_type();
  cudaDataType_t dt = data_type(st, "addmm");
  Operand A = describe(a), B = describe(b);
  const DeviceIndex dev = out.device().index();
  cudaStream_t stream = getCurrentCUDAStream(dev).stream();
  cublasLtHandle_t lt = lt_handle(dev);
  const cublasComputeType_t compute = compute_type(st);
  LtDescs d;
  EMBER_CUBLASLT_CHECK(cublasLtMatmulDescCreate(&d.op, compute, CUDA_R_32F));
  cublasOperation_t opa = B.trans ? CUBLAS_OP_T : CUBLAS_OP_N;  // cuBLASLt's A is our b^T
  cublasOperation_t opb = A.trans ? CUBLAS_OP_T : CUBLAS_OP_N;
  EMBER_CUBLASLT_CHECK(
      cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_TRANSA, &opa, sizeof(opa)));
  EMBER_CUBLASLT_CHECK(
      cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_TRANSB, &opb, sizeof(opb)));
  EMBER_CUBLASLT_CHECK(
      cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi, sizeof(epi)));
  EMBER_CUBLASLT_CHECK(
      cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &vec, sizeof(vec)));
  // Stored shapes (before op): b^T is n x k (N) or k x n (T); a^T is k x m (N) or m x k (T).
  EMBER_CUBLASLT_CHECK(
      cublasLtMatrixLayoutCreate(&d.a, dt, B.trans ? k : n, B.trans ? n : k, B.ld));
  EMBER_CUBLASLT_CHECK(
      cublasLtMatrixLayoutCreate(&d.b, dt, A.trans ? m : k, A.trans ? k : m, A.ld));
  EMBER_CUBLASLT_CHECK(cublasLtMatrixLayoutCreate(&d.c, dt, n, m, n));
  const int align = std::min({alignment(A.t.data_ptr()), alignment(B.t.data_ptr()),
                              alignment(out.data_ptr()), alignment(vec)});
  LtKey key{m,
            n,
            k,
            A.ld,
            B.ld,
            n,
            static_cast<int64_t>(epi),
            static_cast<int>(st),
            static_cast<int>(compute),
            opa,
            opb,
            align,
            static_cast<int>(dev)};
  static std::unordered_map<LtKey, LtAlgo, BytesHash<LtKey>, BytesEqual<LtKey>> cache;
  static std::mutex cache_mu;
  std::optional<LtAlgo> found;
  {
    std::lock_guard<std::mutex> lock(cache_mu);
    auto it = cache.find(key);
    if (it != cache.end()) found = it->second;
  }
  if (!found) {
    EMBER_CUBLASLT_CHECK(cublasLtMatmulPreferenceCreate(&d.pref));
    size_t ws = kLtWorkspace;
    EMBER_CUBLASLT_CHECK(cublasLtMatmulPreferenceSetAttribute(
        d.pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof(ws)));
    uint32_t al = static_cast<uint32_t>(align);
    for (auto attr :
         {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
          CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES}) {
      EMBER_CUBLASLT_CHECK(cublasLtMatmulPreferenceSetAttribute(d.pref, attr, &al, sizeof(al)));
    }
    cublasLtMatmulHeuristicResult_t result{};
    int count = 0;
    cublasStatus_t hs =
        cublasLtMatmulAlgoGetHeuristic(lt, d.op, d.a, d.b, d.c, d.c, d.pref, 1, &result, &count);
    LtAlgo entry;
    entry.found = hs == CUBLAS_STATUS_SUCCESS && count > 0;
    if (entry.found) entry.algo = result.algo;
    std::lock_guard<std::mutex> lock(cache_mu);
    found = cache[key] = entry;
  }
  if (!found->found) return false;  // cached too: no algorithm for this problem
  float af = static_cast<float>(alpha.to<double>()), bf = 0.0f;
  void* ws = CUDACachingAllocator::raw_alloc_with_stream(kLtWorkspace, stream);
  cublasStatus_t s =
      cublasLtMatmul(lt, d.op, &af, B.t.data_ptr(), d.a, A.t.data_ptr(), d.b, &bf, out.data_ptr(),
                     d.c, out.data_ptr(), d.c, &found->algo, ws, kLtWorkspace, stream);
  CUDACachingAllocator::raw_delete(ws);
  EMBER_CUBLASLT_CHECK(s);
  const char* label =
      detail::profiling()
          ? detail::profile_label(epi == CUBLASLT_EPILOGUE_BIAS ? "addmm+bias" : "mm+bgrad",
                                  std::string(toString(st)) + " " + std::to_string(m) + "x" +
                                      std::to_string(n) + "x" + std::to_string(k) +
                                      (A.trans ? " A^T" : "") + (B.trans ? " B^T" : ""))
          : "addmm";
  detail::check_launch(label, stream);
  return true;
}

void gemm_bias_cuda(Tensor& out, const Tensor& a, const Tensor& b, const Tensor& bias,
                    const Scalar& alpha) {
  if (out.numel() == 0) return;
  CUDAGuard g(out.device());
  NoGradGuard ng;
  EMBER_CHECK(a.dtype() == out.dtype() && b.dtype() == out.dtype() && bias.dtype() == out.dtype(),
              "[addmm] expected all operands to have one dtype");
  EMBER_CHECK(
      a.device() == out.device() && b.device() == out.device() && bias.device() == out.device(),
      "[addmm] Expected all tensors to be on the same device, but found at least two "
      "devices");
  const ScalarType st = out.scalar_type();
  const bool lt_dtype = st == kHalf || st == kBFloat16 || st == kFloat;
  if (lt_dtype && a.size(1) > 0 && out.is_contiguous() && !pad_pays(out, a, b)) {
    Tensor bias_c = bias.contiguous();
    if (gemm_lt(out, a, b, CUBLASLT_EPILOGUE_BIAS, bias_c.data_ptr(), alpha)) return;
  }
  out.copy_(bias.expand(out.sizes()));
  gemm_cuda(out, a, b, 1, alpha);
}

// Note [Bias gradient in the weight product]: nn::Linear's backward needs the weight gradient
// g^T @ x and the bias gradient g.sum(0), a second pass over g. cuBLASLt's BGRADB epilogue sums
// g's columns while the product reads them (as NVIDIA's Apex fused_dense does); PyTorch eager runs
// the two separately. out = a @ b (a = g^T) and bias_grad = a's row sums, or false (nothing
// written) when cuBLASLt has no such kernel for the operands. EMBER_CUDA_BGRAD=0 turns it off.
bool gemm_bgrad_cuda(Tensor& out, const Tensor& a, const Tensor& b, Tensor& bias_grad) {
  static const bool enabled = [] {
    const char* e = std::getenv("EMBER_CUDA_BGRAD");
    return e == nullptr || std::strcmp(e, "0") != 0;
  }();
  const ScalarType st = out.scalar_type();
  if (!enabled || !(st == kHalf || st == kBFloat16 || st == kFloat) || out.numel() == 0 ||
      a.size(1) == 0 || !out.is_contiguous() || !bias_grad.is_contiguous() || a.dtype() != st ||
      b.dtype() != st || bias_grad.dtype() != st || a.device() != out.device() ||
      b.device() != out.device() || bias_grad.device() != out.device() || pad_pays(out, a, b)) {
    return false;
  }
  CUDAGuard g(out.device());
  NoGradGuard ng;
  return gemm_lt(out, a, b, CUBLASLT_EPILOGUE_BGRADB, bias_grad.data_ptr(), 1);
}

}  // namespace

void register_cuda_blas_kernels() {
  gemm_stub.table[static_cast<int>(kCUDA)] = gemm_cuda;
  bgemm_stub.table[static_cast<int>(kCUDA)] = bgemm_cuda;
  gemm_bias_stub.table[static_cast<int>(kCUDA)] = gemm_bias_cuda;
  gemm_bgrad_stub.table[static_cast<int>(kCUDA)] = gemm_bgrad_cuda;
}

}  // namespace ember::cuda

// matmul family on CUDA through cuBLAS (gemm_stub, bgemm_stub). Row-major C = A B is computed as
// column-major C^T = B^T A^T; transposed views go to cuBLAS as transposes, without copies.
// float uses TF32 tensor cores only when at::globalContext().allowTF32CuBLAS() (off by default).
#include <cublas_v2.h>

#include <array>
#include <string>

#include "ember/core/context.h"
#include "ember/cuda/stream.h"
#include "src/cuda/runtime.h"
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
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
  if (st == kDouble) {
    compute = CUBLAS_COMPUTE_64F;
  } else if (st == kFloat && globalContext().allowTF32CuBLAS()) {
    compute = CUBLAS_COMPUTE_32F_FAST_TF32;
  }
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

void gemm_cuda(Tensor& out, const Tensor& a, const Tensor& b, const Scalar& beta,
               const Scalar& alpha) {
  gemm_impl(out, a, b, beta, alpha, "addmm");
}
void bgemm_cuda(Tensor& out, const Tensor& a, const Tensor& b, const Scalar& beta,
                const Scalar& alpha) {
  gemm_impl(out, a, b, beta, alpha, "baddbmm");
}

}  // namespace

void register_cuda_blas_kernels() {
  gemm_stub.table[static_cast<int>(kCUDA)] = gemm_cuda;
  bgemm_stub.table[static_cast<int>(kCUDA)] = bgemm_cuda;
}

}  // namespace ember::cuda

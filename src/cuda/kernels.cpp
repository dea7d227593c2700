// Registers the CUDA kernels in the op stubs: turns a TensorIterator (or a reduction's rows) into
// the plain launch description of src/cuda/elementwise.h, on the output's device and stream.
#include <cstring>

#include "ember/cuda/stream.h"
#include "src/cuda/elementwise.h"
#include "src/cuda/runtime.h"
#include "src/kernels/binary.h"
#include "src/kernels/copy.h"
#include "src/kernels/reduce.h"
#include "src/kernels/unary.h"

namespace ember::cuda {
namespace {

ElementwiseArgs make_args(const TensorIterator& it, const char* op) {
  ElementwiseArgs a;
  a.op = op;
  a.nops = it.ntensors();
  a.ndim = it.ndim();
  a.numel = it.numel();
  EMBER_CHECK(a.nops <= kMaxOps, "[", op, "] too many operands for a CUDA kernel");
  EMBER_CHECK(a.ndim <= kMaxDims, "[", op, "] CUDA kernels support at most ", kMaxDims,
              " dimensions after coalescing, got ", a.ndim);
  for (int d = 0; d < a.ndim; ++d) a.shape[d] = it.shape()[d];
  for (int k = 0; k < a.nops; ++k) {
    const Tensor& t = it.operand(k);
    if (t.is_cpu()) {
      EMBER_CHECK(k > 0 && t.dim() == 0, "[", op,
                  "] Expected all tensors to be on the same device, but found at least two "
                  "devices, ",
                  it.operand(0).device(), " and cpu!");
      a.host_scalar[k] = true;
      std::memcpy(&a.scalar[k], t.data_ptr(), t.element_size());
    } else {
      a.data[k] = static_cast<char*>(t.data_ptr());
      for (int d = 0; d < a.ndim; ++d) a.strides[k][d] = it.stride(k, d);
    }
  }
  a.stream = getCurrentCUDAStream(it.operand(0).device().index()).stream();
  return a;
}

// Strides of a dense buffer laid out in the iterator's order (fastest dim first).
void set_dense_strides(ElementwiseArgs& a, int k, int64_t esz) {
  int64_t s = esz;
  for (int d = 0; d < a.ndim; ++d) {
    a.strides[k][d] = s;
    s *= a.shape[d];
  }
}

void copy_cuda(TensorIterator& it) {
  if (it.numel() == 0) return;
  CUDAGuard g(it.operand(0).device());
  ElementwiseArgs a = make_args(it, "copy_");
  ScalarType dt = it.output_dtype(), st = it.input_dtype(0);
  int64_t osz = it.operand(0).element_size(), isz = it.operand(1).element_size();
  if (dt == st) {
    if (it.is_contiguous() && !a.host_scalar[1]) {
      EMBER_CUDA_CHECK(cudaMemcpyAsync(a.data[0], a.data[1], static_cast<size_t>(it.numel() * osz),
                                       cudaMemcpyDeviceToDevice, a.stream),
                       "copy_");
    } else {
      launch_copy_bytes(a, osz);
    }
    return;
  }
  bool flat = a.ndim <= 1 && (a.ndim == 0 || a.numel <= 1 || a.strides[0][0] == osz) &&
              (a.host_scalar[1] || a.ndim == 0 || a.strides[1][0] == isz || a.strides[1][0] == 0);
  if (flat) {
    launch_cast_contiguous(a, dt, st);
    return;
  }
  // Strided cast: gather the source densely, cast densely, scatter into the output.
  Device dev = it.operand(0).device();
  Tensor src_buf = make_tensor({it.numel()}, st, dev);
  Tensor dst_buf = make_tensor({it.numel()}, dt, dev);
  ElementwiseArgs gather = a;
  gather.data[0] = static_cast<char*>(src_buf.data_ptr());
  set_dense_strides(gather, 0, isz);
  launch_copy_bytes(gather, isz);
  ElementwiseArgs cast;
  cast.op = "copy_";
  cast.nops = 2;
  cast.ndim = 1;
  cast.numel = it.numel();
  cast.shape[0] = it.numel();
  cast.strides[0][0] = osz;
  cast.strides[1][0] = isz;
  cast.data[0] = static_cast<char*>(dst_buf.data_ptr());
  cast.data[1] = static_cast<char*>(src_buf.data_ptr());
  cast.stream = a.stream;
  launch_cast_contiguous(cast, dt, st);
  ElementwiseArgs scatter = a;
  scatter.data[1] = static_cast<char*>(dst_buf.data_ptr());
  scatter.host_scalar[1] = false;
  set_dense_strides(scatter, 1, osz);
  launch_copy_bytes(scatter, osz);
}

void fill_cuda(TensorIterator& it, const Scalar& v) {
  if (it.numel() == 0) return;
  CUDAGuard g(it.operand(0).device());
  uint64_t bits = 0;
  visit_all_types(it.output_dtype(), "fill_", [&]<class T>() {
    T x = v.to<T>();
    std::memcpy(&bits, &x, sizeof(T));
  });
  launch_fill(make_args(it, "fill_"), it.output_dtype(), bits);
}

void run_binary(TensorIterator& it, BinaryOp op, const char* name, const Scalar& alpha) {
  if (it.numel() == 0) return;
  CUDAGuard g(it.operand(0).device());
  double af = 1;
  int64_t ai = 1;
  if (op == BinaryOp::add) {
    af = alpha.to<double>();
    ai = alpha.to<int64_t>();
  }
  launch_binary(make_args(it, name), op, it.common_dtype(), af, ai);
}

#define EMBER_CUDA_BINARY(name)                               \
  void name##_cuda(TensorIterator& it, const Scalar& alpha) { \
    run_binary(it, BinaryOp::name, #name, alpha);             \
  }
EMBER_CUDA_BINARY(add)
EMBER_CUDA_BINARY(mul)
EMBER_CUDA_BINARY(div)
EMBER_CUDA_BINARY(eq)
EMBER_CUDA_BINARY(ne)
EMBER_CUDA_BINARY(lt)
EMBER_CUDA_BINARY(le)
EMBER_CUDA_BINARY(gt)
EMBER_CUDA_BINARY(ge)
EMBER_CUDA_BINARY(maximum)
EMBER_CUDA_BINARY(minimum)
#undef EMBER_CUDA_BINARY

#define EMBER_CUDA_UNARY(name)                                            \
  void name##_cuda(TensorIterator& it) {                                  \
    if (it.numel() == 0) return;                                          \
    CUDAGuard g(it.operand(0).device());                                  \
    launch_unary(make_args(it, #name), UnaryOp::name, it.common_dtype()); \
  }
EMBER_CUDA_UNARY_OPS(EMBER_CUDA_UNARY)
#undef EMBER_CUDA_UNARY

void sum_cuda(Tensor& out, const Tensor& in, int64_t outer, int64_t inner) {
  CUDAGuard g(in.device());
  EMBER_CHECK(out.dtype() == in.dtype(), "[sum] CUDA kernel expects one dtype");
  launch_sum_rows(out.data_ptr(), in.data_ptr(), in.dtype(), outer, inner,
                  getCurrentCUDAStream(in.device().index()).stream());
}

void sum_middle_cuda(Tensor& out, const Tensor& in, int64_t outer, int64_t n, int64_t inner, bool) {
  CUDAGuard g(in.device());
  EMBER_CHECK(out.dtype() == in.dtype(), "[sum] CUDA kernel expects one dtype");
  launch_sum_middle(out.data_ptr(), in.data_ptr(), in.dtype(), outer, n, inner,
                    getCurrentCUDAStream(in.device().index()).stream());
}

void transpose_middle_cuda(Tensor& out, const Tensor& in, int64_t outer, int64_t n, int64_t inner,
                           bool) {
  CUDAGuard g(in.device());
  launch_transpose_middle(out.data_ptr(), in.data_ptr(), in.element_size(), outer, n, inner,
                          getCurrentCUDAStream(in.device().index()).stream());
}

template <class Fn>
void reg(KernelStub<Fn>& stub, Fn f) {
  stub.table[static_cast<int>(kCUDA)] = f;
}

}  // namespace

// Called once when the first CUDA allocator is created (src/cuda/allocator.cpp), so that a static
// libember keeps these kernels too.
void register_cuda_kernels() {
  reg(copy_stub, copy_cuda);
  reg(fill_stub, fill_cuda);
  reg(add_stub, add_cuda);
  reg(mul_stub, mul_cuda);
  reg(div_stub, div_cuda);
  reg(eq_stub, eq_cuda);
  reg(ne_stub, ne_cuda);
  reg(lt_stub, lt_cuda);
  reg(le_stub, le_cuda);
  reg(gt_stub, gt_cuda);
  reg(ge_stub, ge_cuda);
  reg(maximum_stub, maximum_cuda);
  reg(minimum_stub, minimum_cuda);
#define EMBER_CUDA_REG_UNARY(name) reg(name##_stub, name##_cuda);
  EMBER_CUDA_UNARY_OPS(EMBER_CUDA_REG_UNARY)
#undef EMBER_CUDA_REG_UNARY
  reg(sum_stub, sum_cuda);
  reg(sum_middle_stub, sum_middle_cuda);
  reg(transpose_middle_stub, transpose_middle_cuda);
  register_cuda_blas_kernels();
}

}  // namespace ember::cuda

// Registers the CUDA kernels in the op stubs: turns a TensorIterator (or a reduction's rows) into
// the plain launch description of src/cuda/elementwise.h, on the output's device and stream.
#include <cstring>
#include <string>

#include "ember/cuda/stream.h"
#include "ember/ops/factory.h"
#include "src/cuda/elementwise.h"
#include "src/cuda/runtime.h"
#include "src/cuda/stubs.h"
#include "src/kernels/activation.h"
#include "src/kernels/binary.h"
#include "src/kernels/copy.h"
#include "src/kernels/loss.h"
#include "src/kernels/reduce.h"
#include "src/kernels/ternary.h"
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
  if (detail::profiling()) {
    a.op = detail::profile_label(op, std::string(toString(it.output_dtype())) + " " +
                                         std::to_string(a.numel) +
                                         (it.is_contiguous() ? "" : " strided"));
  }
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
  if (detail::profiling()) {
    a.op = detail::profile_label("copy_", std::string(toString(st)) + "->" + toString(dt) + " " +
                                              std::to_string(a.numel) +
                                              (it.is_contiguous() ? "" : " strided"));
  }
  if (dt == st) {
    if (it.is_contiguous() && !a.host_scalar[1]) {
      EMBER_CUDA_CHECK(cudaMemcpyAsync(a.data[0], a.data[1], static_cast<size_t>(it.numel() * osz),
                                       cudaMemcpyDeviceToDevice, a.stream),
                       "copy_");
      if (detail::profiling()) detail::check_launch(a.op, a.stream);
    } else if (!launch_copy_rows(a, osz) && !launch_copy_2d(a, osz)) {
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

// The name the CPU kernel reports errors under (floor_divide for div_floor, ...).
const char* error_name(BinaryOp op, const char* name) {
  switch (op) {
    case BinaryOp::div_trunc:
      return "div";
    case BinaryOp::div_floor:
      return "floor_divide";
    default:
      return name;
  }
}

void run_binary(TensorIterator& it, BinaryOp op, const char* name, const Scalar& alpha) {
  if (it.numel() == 0) return;
  CUDAGuard g(it.operand(0).device());
  const char* ename = error_name(op, name);
  ScalarType dt = it.common_dtype();
  // Ops the CPU kernels dispatch over numeric types only refuse bool with the same error.
  bool bool_ok = op == BinaryOp::add || op == BinaryOp::mul || op == BinaryOp::maximum ||
                 op == BinaryOp::minimum || op == BinaryOp::fmax || op == BinaryOp::fmin ||
                 op > BinaryOp::copysign;  // comparisons and logical ops
  if (!bool_ok) visit_numeric_types(dt, ename, []<class T>() {});
  double af = 1;
  int64_t ai = 1;
  if (op == BinaryOp::add) {
    af = alpha.to<double>();
    ai = alpha.to<int64_t>();
  }
  bool int_division =
      isIntegralType(dt, false) && (op == BinaryOp::div_trunc || op == BinaryOp::div_floor ||
                                    op == BinaryOp::remainder || op == BinaryOp::fmod);
  Tensor flag;
  if (int_division) flag = zeros({1}, TensorOptions(kInt).device(it.operand(0).device()));
  launch_binary(make_args(it, ename), op, dt, af, ai,
                int_division ? flag.data_ptr<int>() : nullptr);
  // Integer division by zero raises, as on the CPU (this waits for the kernel).
  if (int_division) EMBER_CHECK(flag.item<int>() == 0, "[", ename, "] ZeroDivisionError");
}

#define EMBER_CUDA_BINARY(name)                               \
  void name##_cuda(TensorIterator& it, const Scalar& alpha) { \
    run_binary(it, BinaryOp::name, #name, alpha);             \
  }
EMBER_CUDA_ARITH_OPS(EMBER_CUDA_BINARY)
EMBER_CUDA_COMPARE_OPS(EMBER_CUDA_BINARY)
#undef EMBER_CUDA_BINARY

#define EMBER_CUDA_PREDICATE(name)                                                \
  void name##_cuda(TensorIterator& it) {                                          \
    if (it.numel() == 0) return;                                                  \
    CUDAGuard g(it.operand(0).device());                                          \
    launch_predicate(make_args(it, #name), PredicateOp::name, it.common_dtype()); \
  }
EMBER_CUDA_PREDICATE_OPS(EMBER_CUDA_PREDICATE)
#undef EMBER_CUDA_PREDICATE
// logical_not shares the binary stubs' signature.
void logical_not_binary_cuda(TensorIterator& it, const Scalar&) { logical_not_cuda(it); }

void run_bitwise(TensorIterator& it, BitwiseOp op, const char* name) {
  if (it.numel() == 0) return;
  CUDAGuard g(it.operand(0).device());
  bool bool_out = it.output_dtype() == kBool;
  // Non-integral dtypes get the CPU kernels' error.
  if (!bool_out)
    visit_integral_types(
        it.common_dtype(), name, []<class T>() {}, false);
  launch_bitwise(make_args(it, name), op, it.common_dtype(), bool_out);
}
void bitwise_and_cuda(TensorIterator& it, const Scalar&) {
  run_bitwise(it, BitwiseOp::bitwise_and, "bitwise_and");
}
void bitwise_or_cuda(TensorIterator& it, const Scalar&) {
  run_bitwise(it, BitwiseOp::bitwise_or, "bitwise_or");
}
void bitwise_xor_cuda(TensorIterator& it, const Scalar&) {
  run_bitwise(it, BitwiseOp::bitwise_xor, "bitwise_xor");
}
void bitwise_not_cuda(TensorIterator& it, const Scalar&) {
  run_bitwise(it, BitwiseOp::bitwise_not, "bitwise_not");
}
void left_shift_cuda(TensorIterator& it, const Scalar&) {
  run_bitwise(it, BitwiseOp::left_shift, "lshift");
}
void right_shift_cuda(TensorIterator& it, const Scalar&) {
  run_bitwise(it, BitwiseOp::right_shift, "rshift");
}

void mse_cuda(TensorIterator& it) {
  if (it.numel() == 0) return;
  CUDAGuard g(it.operand(0).device());
  launch_loss_elementwise(make_args(it, "mse_loss"), false, it.common_dtype(), nullptr);
}
void bce_cuda(TensorIterator& it) {
  if (it.numel() == 0) return;
  CUDAGuard g(it.operand(0).device());
  Tensor bad = zeros({1}, TensorOptions(kInt).device(it.operand(0).device()));
  launch_loss_elementwise(make_args(it, "binary_cross_entropy"), true, it.common_dtype(),
                          bad.data_ptr<int>());
  EMBER_CHECK(bad.item<int>() == 0,
              "[binary_cross_entropy] all elements of input should be between 0 and 1");
}

void run_ternary(TensorIterator& it, TernaryOp op, const char* name, const Scalar& value) {
  if (it.numel() == 0) return;
  CUDAGuard g(it.operand(0).device());
  ScalarType dt = it.common_dtype();
  // Error names as the CPU kernels give them.
  switch (op) {
    case TernaryOp::clamp_scalar:
    case TernaryOp::clamp_tensor:
      name = "clamp";
      break;
    case TernaryOp::clamp_min_scalar:
      name = "clamp_min";
      break;
    case TernaryOp::clamp_max_scalar:
      name = "clamp_max";
      break;
    case TernaryOp::lerp_scalar:
    case TernaryOp::lerp_tensor:
      name = "lerp";
      break;
    default:
      break;
  }
  if (op != TernaryOp::where) visit_numeric_types(dt, name, []<class T>() {});
  launch_ternary(make_args(it, name), op, dt, value.to<double>(),
                 isIntegralType(dt, false) ? value.to<int64_t>() : 0);
}
#define EMBER_CUDA_TERNARY(name)                              \
  void name##_cuda(TensorIterator& it, const Scalar& value) { \
    run_ternary(it, TernaryOp::name, #name, value);           \
  }
EMBER_CUDA_TERNARY_OPS(EMBER_CUDA_TERNARY)
#undef EMBER_CUDA_TERNARY

#define EMBER_CUDA_UNARY(name)                                            \
  void name##_cuda(TensorIterator& it) {                                  \
    if (it.numel() == 0) return;                                          \
    CUDAGuard g(it.operand(0).device());                                  \
    launch_unary(make_args(it, #name), UnaryOp::name, it.common_dtype()); \
  }
EMBER_CUDA_UNARY_OPS(EMBER_CUDA_UNARY)
#undef EMBER_CUDA_UNARY

template <ReduceOp Op>
void reduce_cuda(Tensor& out, const Tensor& in, int64_t outer, int64_t inner) {
  CUDAGuard g(in.device());
  EMBER_CHECK(out.dtype() == in.dtype(), "[reduce] CUDA kernel expects one dtype");
  launch_reduce_rows(Op, out.data_ptr(), in.data_ptr(), in.dtype(), outer, inner, stream_of(in));
}

void sum_middle_cuda(Tensor& out, const Tensor& in, int64_t outer, int64_t n, int64_t inner, bool) {
  CUDAGuard g(in.device());
  EMBER_CHECK(out.dtype() == in.dtype(), "[sum] CUDA kernel expects one dtype");
  launch_sum_middle(out.data_ptr(), in.data_ptr(), in.dtype(), outer, n, inner, stream_of(in));
}

void transpose_middle_cuda(Tensor& out, const Tensor& in, int64_t outer, int64_t n, int64_t inner,
                           bool) {
  CUDAGuard g(in.device());
  launch_transpose_middle(out.data_ptr(), in.data_ptr(), in.element_size(), outer, n, inner,
                          stream_of(in));
}

#define EMBER_CUDA_ACTIVATION(name)                                                        \
  void name##_cuda(TensorIterator& it, double a, double b, double c) {                     \
    if (it.numel() == 0) return;                                                           \
    CUDAGuard g(it.operand(0).device());                                                   \
    const char* op = ActivationOp::name == ActivationOp::round_decimals ? "round" : #name; \
    launch_activation(make_args(it, op), ActivationOp::name, it.common_dtype(), a, b, c);  \
  }
EMBER_CUDA_ACTIVATION_OPS(EMBER_CUDA_ACTIVATION)
#undef EMBER_CUDA_ACTIVATION

void gelu_backward_cuda(TensorIterator& it, double a, double, double) {
  if (it.numel() == 0) return;
  CUDAGuard g(it.operand(0).device());
  launch_gelu_backward(make_args(it, "gelu_backward"), it.common_dtype(), a != 0);
}

// digamma is polygamma(0, x).
void polygamma_cuda(TensorIterator& it, double n, double, double) {
  if (it.numel() == 0) return;
  CUDAGuard g(it.operand(0).device());
  launch_polygamma(make_args(it, "polygamma"), static_cast<int64_t>(n), it.common_dtype());
}
void digamma_cuda(TensorIterator& it) {
  if (it.numel() == 0) return;
  CUDAGuard g(it.operand(0).device());
  launch_polygamma(make_args(it, "digamma"), 0, it.common_dtype());
}

void prelu_cuda(TensorIterator& it) {
  if (it.numel() == 0) return;
  CUDAGuard g(it.operand(0).device());
  launch_prelu(make_args(it, "prelu"), it.common_dtype());
}

template <bool kMax>
void arg_reduce_cuda(Tensor& values, Tensor& indices, const Tensor& in, int64_t outer,
                     int64_t inner) {
  CUDAGuard g(in.device());
  launch_arg_reduce(kMax, values.defined() ? values.data_ptr() : nullptr,
                    indices.data_ptr<int64_t>(), in.data_ptr(), in.dtype(), outer, inner,
                    stream_of(in));
}

// median/nanmedian along the last dim of contiguous [outer, inner] (values may be undefined).
template <bool kIgnoreNan>
void median_cuda(Tensor& values, Tensor& indices, const Tensor& in, int64_t outer, int64_t inner) {
  CUDAGuard g(in.device());
  Tensor src = in.contiguous();
  launch_median(values.defined() ? values.data_ptr() : nullptr, indices.data_ptr<int64_t>(),
                src.data_ptr(), src.dtype(), outer, inner, kIgnoreNan, stream_of(src));
}

void var_cuda(Tensor& var, Tensor& mean, const Tensor& in, int64_t outer, int64_t inner,
              double correction, bool take_sqrt) {
  CUDAGuard g(in.device());
  launch_var(var.data_ptr(), mean.defined() ? mean.data_ptr() : nullptr, in.data_ptr(), in.dtype(),
             outer, inner, correction, take_sqrt, stream_of(in));
}

void norm_cuda(Tensor& out, const Tensor& in, int64_t outer, int64_t inner, double p) {
  CUDAGuard g(in.device());
  launch_norm(out.data_ptr(), in.data_ptr(), in.dtype(), outer, inner, p, stream_of(in));
}

void logsumexp_cuda(Tensor& out, const Tensor& in, int64_t outer, int64_t inner) {
  CUDAGuard g(in.device());
  launch_logsumexp(out.data_ptr(), in.data_ptr(), in.dtype(), outer, inner, stream_of(in));
}

template <bool kProd>
void scan_cuda(Tensor& out, const Tensor& in, int64_t outer, int64_t n, int64_t inner,
               bool reverse) {
  CUDAGuard g(in.device());
  launch_scan(kProd, out.data_ptr(), in.data_ptr(), in.dtype(), outer, n, inner, reverse,
              stream_of(in));
}

template <bool kMax>
void cum_extremum_cuda(Tensor& values, Tensor& indices, const Tensor& in, int64_t outer, int64_t n,
                       int64_t inner) {
  CUDAGuard g(in.device());
  launch_cum_extremum(kMax, values.data_ptr(), indices.data_ptr<int64_t>(), in.data_ptr(),
                      in.dtype(), outer, n, inner, stream_of(in));
}

void logcumsumexp_cuda(Tensor& out, const Tensor& in, int64_t outer, int64_t n, int64_t inner,
                       bool reverse) {
  CUDAGuard g(in.device());
  launch_logcumsumexp(out.data_ptr(), in.data_ptr(), in.dtype(), outer, n, inner, reverse,
                      stream_of(in));
}

void scatter_gather_dim_cuda(Tensor& out, const Tensor& src, const Tensor& index, int64_t outer,
                             int64_t n, int64_t inner, bool scatter) {
  CUDAGuard g(src.device());
  EMBER_CHECK(index.device() == src.device(),
              "[scatter_gather] Expected all tensors to be on the same device, but found at least "
              "two devices, ",
              src.device(), " and ", index.device(), "!");
  Tensor error = zeros({2}, TensorOptions(kLong).device(src.device()));
  launch_scatter_gather_dim(out.data_ptr(), src.data_ptr(), index.data_ptr<int64_t>(), src.dtype(),
                            outer, n, inner, scatter, error.data_ptr<int64_t>(), stream_of(src));
  Tensor e = error.cpu();  // waits for the kernel
  EMBER_CHECK_INDEX(e.data_ptr<int64_t>()[0] == 0, "[scatter_gather] index ",
                    e.data_ptr<int64_t>()[1], " is out of bounds for dimension with size ", n);
}

template <bool kLog>
void softmax_cuda(Tensor& out, const Tensor& in, int64_t outer, int64_t n, int64_t inner, bool) {
  CUDAGuard g(in.device());
  launch_softmax(out.data_ptr(), in.data_ptr(), in.dtype(), outer, n, inner, kLog, stream_of(in));
}

}  // namespace

// Called once when the first CUDA allocator is created (src/cuda/allocator.cpp), so that a static
// libember keeps these kernels too.
void register_cuda_kernels() {
  reg(copy_stub, copy_cuda);
  reg(fill_stub, fill_cuda);
#define EMBER_CUDA_REG(name) reg(name##_stub, name##_cuda);
  EMBER_CUDA_ARITH_OPS(EMBER_CUDA_REG)
  EMBER_CUDA_COMPARE_OPS(EMBER_CUDA_REG)
  EMBER_CUDA_UNARY_OPS(EMBER_CUDA_REG)
  EMBER_CUDA_TERNARY_OPS(EMBER_CUDA_REG)
  EMBER_CUDA_ACTIVATION_OPS(EMBER_CUDA_REG)
  reg(prelu_stub, prelu_cuda);
  reg(gelu_backward_stub, gelu_backward_cuda);
  reg(polygamma_stub, polygamma_cuda);
  reg(digamma_stub, digamma_cuda);
  reg(bitwise_and_stub, bitwise_and_cuda);
  reg(bitwise_or_stub, bitwise_or_cuda);
  reg(bitwise_xor_stub, bitwise_xor_cuda);
  reg(bitwise_not_stub, bitwise_not_cuda);
  reg(left_shift_stub, left_shift_cuda);
  reg(right_shift_stub, right_shift_cuda);
  reg(mse_stub, mse_cuda);
  reg(bce_stub, bce_cuda);
  reg(isnan_stub, isnan_cuda);
  reg(isinf_stub, isinf_cuda);
  reg(isfinite_stub, isfinite_cuda);
  reg(isposinf_stub, isposinf_cuda);
  reg(isneginf_stub, isneginf_cuda);
  reg(signbit_stub, signbit_cuda);
#undef EMBER_CUDA_REG
  reg(logical_not_stub, logical_not_binary_cuda);
  reg(sum_stub, reduce_cuda<ReduceOp::sum>);
  reg(nansum_stub, reduce_cuda<ReduceOp::nansum>);
  reg(prod_stub, reduce_cuda<ReduceOp::prod>);
  reg(amax_stub, reduce_cuda<ReduceOp::amax>);
  reg(amin_stub, reduce_cuda<ReduceOp::amin>);
  reg(all_stub, reduce_cuda<ReduceOp::all>);
  reg(any_stub, reduce_cuda<ReduceOp::any>);
  reg(sum_middle_stub, sum_middle_cuda);
  reg(transpose_middle_stub, transpose_middle_cuda);
  reg(max_dim_stub, arg_reduce_cuda<true>);
  reg(min_dim_stub, arg_reduce_cuda<false>);
  reg(median_dim_stub, median_cuda<false>);
  reg(nanmedian_dim_stub, median_cuda<true>);
  reg(var_stub, var_cuda);
  reg(norm_stub, norm_cuda);
  reg(logsumexp_stub, logsumexp_cuda);
  reg(cumsum_stub, scan_cuda<false>);
  reg(cumprod_stub, scan_cuda<true>);
  reg(cummax_stub, cum_extremum_cuda<true>);
  reg(cummin_stub, cum_extremum_cuda<false>);
  reg(logcumsumexp_stub, logcumsumexp_cuda);
  reg(scatter_gather_dim_stub, scatter_gather_dim_cuda);
  reg(softmax_stub, softmax_cuda<false>);
  reg(log_softmax_stub, softmax_cuda<true>);
  register_cuda_blas_kernels();
  register_cuda_index_kernels();
  register_cuda_nn_kernels();
  register_cuda_conv_kernels();
  register_cuda_cudnn_batch_norm_kernels();
  register_cuda_attention_kernels();
  register_cuda_optim_kernels();
}

}  // namespace ember::cuda

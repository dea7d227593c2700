#pragma once
// The plain description of an elementwise launch that src/cuda/kernels.cpp builds from a
// TensorIterator and the .cu files run (so nvcc never compiles the iterator or Tensor).
#include <cstdint>

#include "ember/core/scalar_type.h"

struct CUstream_st;

namespace ember::cuda {

constexpr int kMaxDims = 16;
constexpr int kMaxOps = 4;  // output + up to 3 inputs

struct ElementwiseArgs {
  int nops = 0;
  int ndim = 0;
  int64_t numel = 0;
  int64_t shape[kMaxDims] = {};             // fastest dim first
  int64_t strides[kMaxOps][kMaxDims] = {};  // bytes
  char* data[kMaxOps] = {};
  // A 0-dim CPU operand joins as a value (its bytes), as PyTorch passes CPU scalars to kernels.
  bool host_scalar[kMaxOps] = {};
  uint64_t scalar[kMaxOps] = {};
  CUstream_st* stream = nullptr;
  const char* op = "";
};

// clang-format off
enum class BinaryOp : int { add, mul, div, eq, ne, lt, le, gt, ge, maximum, minimum };
#define EMBER_CUDA_UNARY_OPS(_) \
  _(neg) _(abs) _(relu) _(square) _(floor) _(ceil) _(round) _(trunc) _(sign) _(exp) _(log) \
  _(sqrt) _(sin) _(cos) _(tanh) _(sigmoid) _(rsqrt) _(exp2) _(expm1) _(log2) _(log10) _(log1p) \
  _(tan) _(asin) _(acos) _(atan) _(sinh) _(cosh) _(erf) _(erfc) _(reciprocal) _(frac)
// clang-format on
#define EMBER_CUDA_UNARY_ENUM(name) name,
enum class UnaryOp : int { EMBER_CUDA_UNARY_OPS(EMBER_CUDA_UNARY_ENUM) };
#undef EMBER_CUDA_UNARY_ENUM

// out = src cast to out's dtype (any dtypes); both operands contiguous.
void launch_cast_contiguous(const ElementwiseArgs& a, ScalarType dst, ScalarType src);
// out = src for any strides (elements of `elem_size` bytes, 64-bit indexing when needed).
void launch_copy_bytes(const ElementwiseArgs& a, int64_t elem_size);
// out = the value whose bytes are `bits` (element size of `dt`).
void launch_fill(const ElementwiseArgs& a, ScalarType dt, uint64_t bits);
// alpha (add only): as double for floating dtypes, as int64 for integers.
void launch_binary(const ElementwiseArgs& a, BinaryOp op, ScalarType dt, double alpha_f,
                   int64_t alpha_i);
void launch_unary(const ElementwiseArgs& a, UnaryOp op, ScalarType dt);

// Reductions over contiguous rows (see src/kernels/reduce.h), accumulating in float for the 16-bit
// floats and double for double: out[o] = sum(in[o, :inner]).
void launch_sum_rows(void* out, const void* in, ScalarType dt, int64_t outer, int64_t inner,
                     CUstream_st* stream);
// out[o, i] = sum_n in[o, n, i].
void launch_sum_middle(void* out, const void* in, ScalarType dt, int64_t outer, int64_t n,
                       int64_t inner, CUstream_st* stream);
// out[o, j, i] = in[o, i, j] for in [outer, n, inner], by element size.
void launch_transpose_middle(void* out, const void* in, int64_t elem_size, int64_t outer, int64_t n,
                             int64_t inner, CUstream_st* stream);

}  // namespace ember::cuda

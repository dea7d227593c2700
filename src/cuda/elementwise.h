#pragma once
// The plain description of an elementwise launch that src/cuda/kernels.cpp builds from a
// TensorIterator and the .cu files run (so nvcc never compiles the iterator or Tensor).
#include <cstdint>
#include <initializer_list>

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
// Binary ops with one result dtype (the compute dtype) ...
#define EMBER_CUDA_ARITH_OPS(_) \
  _(add) _(mul) _(div) _(maximum) _(minimum) _(fmax) _(fmin) _(div_trunc) _(div_floor) \
  _(remainder) _(fmod) _(pow) _(atan2) _(hypot) _(copysign)
// ... and with a bool result.
#define EMBER_CUDA_COMPARE_OPS(_) \
  _(eq) _(ne) _(lt) _(le) _(gt) _(ge) _(logical_and) _(logical_or) _(logical_xor)
#define EMBER_CUDA_UNARY_OPS(_) \
  _(neg) _(abs) _(relu) _(square) _(floor) _(ceil) _(round) _(trunc) _(sign) _(exp) _(log) \
  _(sqrt) _(sin) _(cos) _(tanh) _(sigmoid) _(rsqrt) _(exp2) _(expm1) _(log2) _(log10) _(log1p) \
  _(tan) _(asin) _(acos) _(atan) _(sinh) _(cosh) _(asinh) _(acosh) _(atanh) _(erf) _(erfc) \
  _(reciprocal) _(frac) _(sgn) _(erfinv) _(lgamma)
// Unary ops with a bool result.
#define EMBER_CUDA_PREDICATE_OPS(_) \
  _(isnan) _(isinf) _(isfinite) _(isposinf) _(isneginf) _(signbit) _(logical_not)
// Elementwise ops of three operands (src/kernels/ternary.h).
#define EMBER_CUDA_TERNARY_OPS(_) \
  _(where) _(clamp_scalar) _(clamp_min_scalar) _(clamp_max_scalar) _(clamp_tensor) \
  _(lerp_scalar) _(lerp_tensor) _(addcmul) _(addcdiv)
// Unary ops with up to three scalar parameters (src/kernels/activation.h, src/kernels/unary.h).
#define EMBER_CUDA_ACTIVATION_OPS(_) \
  _(gelu) _(silu) _(mish) _(softplus) _(elu) _(leaky_relu) _(hardtanh) _(hardsigmoid) \
  _(hardswish) _(logit) _(log_sigmoid) _(softshrink) _(hardshrink) _(threshold) \
  _(round_decimals) _(nan_to_num)
// clang-format on
#define EMBER_CUDA_ENUM(name) name,
enum class BinaryOp : int {
  EMBER_CUDA_ARITH_OPS(EMBER_CUDA_ENUM) EMBER_CUDA_COMPARE_OPS(EMBER_CUDA_ENUM)
};
enum class UnaryOp : int { EMBER_CUDA_UNARY_OPS(EMBER_CUDA_ENUM) };
enum class PredicateOp : int { EMBER_CUDA_PREDICATE_OPS(EMBER_CUDA_ENUM) };
enum class TernaryOp : int { EMBER_CUDA_TERNARY_OPS(EMBER_CUDA_ENUM) };
enum class ActivationOp : int { EMBER_CUDA_ACTIVATION_OPS(EMBER_CUDA_ENUM) };
#undef EMBER_CUDA_ENUM

// out = src cast to out's dtype (any dtypes); both operands contiguous.
void launch_cast_contiguous(const ElementwiseArgs& a, ScalarType dst, ScalarType src);
// out = src for any strides (elements of `elem_size` bytes, 64-bit indexing when needed).
void launch_copy_bytes(const ElementwiseArgs& a, int64_t elem_size);
// A same-dtype copy of rows that are contiguous in both operands and whole, aligned 16-byte
// vectors, with vector loads (src/cuda/cast.cu); false (nothing launched) when it does not apply.
bool launch_copy_rows(const ElementwiseArgs& a, int64_t elem_size);
// The same for a 2-D copy with rows contiguous in both operands, of any width and alignment.
bool launch_copy_2d(const ElementwiseArgs& a, int64_t elem_size);
// out = the value whose bytes are `bits` (element size of `dt`).
void launch_fill(const ElementwiseArgs& a, ScalarType dt, uint64_t bits);
// alpha (add only): as double for floating dtypes, as int64 for integers. Integer division by zero
// (div_trunc, div_floor, remainder, fmod) sets *zero_flag (device memory, may be null).
void launch_binary(const ElementwiseArgs& a, BinaryOp op, ScalarType dt, double alpha_f,
                   int64_t alpha_i, int* zero_flag);
void launch_unary(const ElementwiseArgs& a, UnaryOp op, ScalarType dt);
// Parameters (a, b, c) as the CPU kernels take them; hardtanh, threshold and nan_to_num also take
// integer dtypes.
void launch_activation(const ElementwiseArgs& a, ActivationOp op, ScalarType dt, double pa,
                       double pb, double pc);
// out = grad * gelu'(x) over (out, grad, x), floating dtypes (approx: the tanh form).
void launch_gelu_backward(const ElementwiseArgs& a, ScalarType dt, bool approx);
// out = x > 0 ? x : w * x over (out, x, w), floating dtypes.
void launch_prelu(const ElementwiseArgs& a, ScalarType dt);
// Bitwise ops and shifts on integral dtypes; with bool_out the operands are bool bytes.
enum class BitwiseOp : int {
  bitwise_and,
  bitwise_or,
  bitwise_xor,
  bitwise_not,
  left_shift,
  right_shift
};
void launch_bitwise(const ElementwiseArgs& a, BitwiseOp op, ScalarType dt, bool bool_out);
// (x - y)^2 (mse) or binary cross entropy's terms (bce; an input outside [0, 1] sets *bad).
void launch_loss_elementwise(const ElementwiseArgs& a, bool bce, ScalarType dt, int* bad);
// Philox random fill of a contiguous buffer (see random.cu); the kinds match
// detail::RandomFill (src/core/cuda_hooks.h). probs: n doubles or null.
enum class RandomKind : int { uniform, normal, bernoulli, exponential };
void launch_random(void* out, ScalarType dt, int64_t n, RandomKind kind, double a, double b,
                   const double* probs, uint64_t seed, uint64_t offset, CUstream_st* stream);
// Input of dtype dt, bool output.
void launch_predicate(const ElementwiseArgs& a, PredicateOp op, ScalarType dt);
// Operands: out, then three inputs of dtype dt (two for clamp_min/max_scalar and lerp_scalar);
// `value` is lerp_scalar's weight or addcmul/addcdiv's value (as double and as int64).
void launch_ternary(const ElementwiseArgs& a, TernaryOp op, ScalarType dt, double value_f,
                    int64_t value_i);

// Reductions over contiguous rows (see src/kernels/reduce.h): out[o] = op(in[o, :inner]), sums
// accumulating in float for the 16-bit floats and double for double; all/any take and give bool.
// out and in have dtype dt.
enum class ReduceOp : int { sum, nansum, prod, amax, amin, all, any };
void launch_reduce_rows(ReduceOp op, void* out, const void* in, ScalarType dt, int64_t outer,
                        int64_t inner, CUstream_st* stream);
// out[o, i] = sum_n in[o, n, i].
void launch_sum_middle(void* out, const void* in, ScalarType dt, int64_t outer, int64_t n,
                       int64_t inner, CUstream_st* stream);
// softmax (or log_softmax) of contiguous [outer, n, inner] along n, floating dtypes.
void launch_softmax(void* out, const void* in, ScalarType dt, int64_t outer, int64_t n,
                    int64_t inner, bool log, CUstream_st* stream);
// out[o, j, i] = in[o, i, j] for in [outer, n, inner], by element size.
void launch_transpose_middle(void* out, const void* in, int64_t elem_size, int64_t outer, int64_t n,
                             int64_t inner, CUstream_st* stream);

// Row reductions of reduce2.cu over contiguous [outer, inner] (see src/kernels/reduce.h).
void launch_arg_reduce(bool is_max, void* values, int64_t* indices, const void* in, ScalarType dt,
                       int64_t outer, int64_t inner, CUstream_st* stream);
void launch_var(void* var, void* mean, const void* in, ScalarType dt, int64_t outer, int64_t inner,
                double correction, bool take_sqrt, CUstream_st* stream);
void launch_norm(void* out, const void* in, ScalarType dt, int64_t outer, int64_t inner, double p,
                 CUstream_st* stream);
void launch_logsumexp(void* out, const void* in, ScalarType dt, int64_t outer, int64_t inner,
                      CUstream_st* stream);
// cumsum/cumprod along n of contiguous [outer, n, inner].
void launch_scan(bool is_prod, void* out, const void* in, ScalarType dt, int64_t outer, int64_t n,
                 int64_t inner, bool reverse, CUstream_st* stream);

// Along n of contiguous [outer, n, inner] (src/cuda/scan.cu): running max/min with its index (any
// dtype), logcumsumexp (floating), and scatter-add/gather by an int64 index (an index outside
// [0, n) is recorded in error (found, index)).
void launch_cum_extremum(bool is_max, void* values, int64_t* indices, const void* in, ScalarType dt,
                         int64_t outer, int64_t n, int64_t inner, CUstream_st* stream);
void launch_logcumsumexp(void* out, const void* in, ScalarType dt, int64_t outer, int64_t n,
                         int64_t inner, bool reverse, CUstream_st* stream);
void launch_scatter_gather_dim(void* out, const void* src, const int64_t* index, ScalarType dt,
                               int64_t outer, int64_t n, int64_t inner, bool scatter,
                               int64_t* error, CUstream_st* stream);

// Sorts each row of contiguous [rows, n] (src/cuda/sort.cu, the CPU sort's order: stable, NaN
// largest, -0.0 == 0.0) and writes the first k values and int64 indices of each row ([rows, k]).
void launch_sort(void* values, int64_t* indices, const void* in, ScalarType dt, int64_t rows,
                 int64_t n, int64_t k, bool descending, CUstream_st* stream);
// Each row's lower median value (values may be null) and index, by the CPU median_kernel's rules.
void launch_median(void* values, int64_t* indices, const void* in, ScalarType dt, int64_t rows,
                   int64_t n, bool ignore_nan, CUstream_st* stream);

// The indexing kernels' geometry: a shape with up to three sets of element strides.
struct NdGeometry {
  int ndim = 0;
  int64_t numel = 0;
  int64_t sizes[kMaxDims] = {};
  int64_t strides[3][kMaxDims] = {};
  CUstream_st* stream = nullptr;
};
// `error` is device memory of three int64 (found, the index, which index tensor), zeroed.
// out[o0] = self[o2 + index[o1] * dstride], index checked against [0, size).
void launch_gather(const NdGeometry& g, void* out, const void* self, const int64_t* index,
                   int64_t size, int64_t dstride, int64_t elem_size, int64_t* error);
// out[o0] = src[o1 + offsets[o2]]
void launch_index(const NdGeometry& g, void* out, const void* src, const int64_t* offsets,
                  int64_t elem_size);
// Checks index[o0] against [0, size).
void launch_check_index(const NdGeometry& g, const int64_t* index, int64_t size, int64_t* error);
// self[o0 + index[o1] * dstride] (+)= src[o2] for the indices in [0, size); others are recorded
// in error (and skipped).
void launch_scatter(const NdGeometry& g, void* self, const int64_t* index, const void* src,
                    int64_t size, int64_t dstride, ScalarType dt, bool add, int64_t* error);
// dst[o0 + offsets[o2]] (+)= values[o1]
void launch_index_put(const NdGeometry& g, void* dst, const int64_t* offsets, const void* values,
                      ScalarType dt, bool add);
// self[o0] = value (its bytes) where mask[o1]
void launch_masked_fill(const NdGeometry& g, void* self, const bool* mask, int64_t elem_size,
                        uint64_t bits);
// nonzero: the flat positions of mask's true elements (in order) and their count (device int64).
void launch_nonzero_flat(const bool* mask, int64_t numel, int64_t* flat, int64_t* count,
                         CUstream_st* stream);
// out[i, :] = the coordinates in g's sizes of flat[i], for i < count.
void launch_nonzero_coords(const int64_t* flat, int64_t count, const NdGeometry& g, int64_t* out);
// Zeroes the elements of contiguous [batch, r, c] above (lower: tril) or below (triu) a diagonal.
void launch_tri(void* self, int64_t batch, int64_t r, int64_t c, int64_t diagonal, bool lower,
                int64_t elem_size, CUstream_st* stream);
// offsets[p] = sum_k wrap(indices[k][p]) * strides[k] (indices: k device pointers, contiguous).
void launch_index_offsets(int64_t* offsets, int64_t n, const int64_t* const* indices,
                          const int64_t* sizes, const int64_t* strides, int k, int64_t* error,
                          CUstream_st* stream);

// Layer norm over contiguous [M, N] rows of float or double (w, b may be null), and its
// gradients (each output written when its pointer is not null).
void launch_row_norm(void* y, void* mean, void* rstd, const void* x, int64_t M, int64_t N,
                     const void* w, const void* b, double eps, ScalarType dt, CUstream_st* stream);
void launch_row_norm_backward(void* gx, void* gw, void* gb, const void* gy, const void* x,
                              int64_t M, int64_t N, const void* mean, const void* rstd,
                              const void* w, ScalarType dt, CUstream_st* stream);
// The float rows launch_row_norm(_backward) take when N is a multiple of 4 up to 4096 and every
// pointer is 16-byte aligned (src/cuda/layer_norm.cu: a warp per row held in registers).
bool layer_norm_rows_fits(int64_t M, int64_t N, std::initializer_list<const void*> ptrs);
void launch_layer_norm_rows(float* y, float* mean, float* rstd, const float* x, int64_t M,
                            int64_t N, const float* w, const float* b, double eps,
                            CUstream_st* stream);
void launch_layer_norm_rows_backward(float* gx, float* gw, float* gb, const float* gy,
                                     const float* x, int64_t M, int64_t N, const float* mean,
                                     const float* rstd, const float* w, CUstream_st* stream);
// Batch norm over contiguous [outer, C, inner] of float or double (src/kernels/normalization.h).
void launch_channel_moments(const void* x, int64_t outer, int64_t C, int64_t inner, void* mean,
                            void* var, ScalarType dt, CUstream_st* stream);
void launch_channel_affine(void* y, const void* x, int64_t outer, int64_t C, int64_t inner,
                           const void* scale, const void* shift, ScalarType dt,
                           CUstream_st* stream);
void launch_channel_norm_backward(const void* go, const void* x, int64_t outer, int64_t C,
                                  int64_t inner, const void* mean, const void* invstd,
                                  const void* w, bool training, void* gx, void* gw, void* gb,
                                  ScalarType dt, CUstream_st* stream);
// Group norm's gradients over contiguous [N, C, HxW] with mean/rstd [N * G] (w may be null; each
// output written when its pointer is not null), as src/kernels/normalization.h.
void launch_group_norm_backward(const void* gy, const void* x, int64_t N, int64_t C, int64_t HxW,
                                int64_t G, const void* mean, const void* rstd, const void* w,
                                void* gx, void* gw, void* gb, ScalarType dt, CUstream_st* stream);
// Embedding bags (src/kernels/normalization.h) over contiguous float or double weight [num, D];
// max_indices may be null (modes 0 and 1), psw null. An index outside [0, num) is recorded in
// error (found, index).
void launch_embedding_bag(void* out, int64_t* max_indices, int64_t* bag_size, const void* weight,
                          int64_t num, int64_t D, const int64_t* indices, int64_t L,
                          const int64_t* offsets, int64_t B, const void* psw, int64_t mode,
                          int64_t padding_idx, ScalarType dt, int64_t* error, CUstream_st* stream);
// nll_loss over input [N, C, K] and target [N, K] (src/kernels/loss.h); a target out of range is
// recorded in error (found, target).
void launch_nll_loss(void* out, void* total_weight, const void* x, const int64_t* target,
                     const void* w, int64_t N, int64_t C, int64_t K, int64_t reduction,
                     int64_t ignore_index, ScalarType dt, int64_t* error, CUstream_st* stream);
// Fused cross entropy over logits x [N, C] of dtype dt with rows ldx elements apart
// (src/cuda/cross_entropy.cu): loss, wsum, lse [N] and weight [C] (may be null) in float (double
// for double); a target out of range is recorded in error (found, target). The backward writes
// grad [N, C] (dt, rows ldg apart, columns C..ldg-1 zero) from lse and the per-row scale [N].
void launch_cross_entropy_fwd(void* loss, void* wsum, void* lse, const void* x,
                              const int64_t* target, const void* weight, int64_t N, int64_t C,
                              int64_t ldx, int64_t ignore_index, ScalarType dt, int64_t* error,
                              CUstream_st* stream);
void launch_cross_entropy_bwd(void* grad, const void* x, const int64_t* target, const void* lse,
                              const void* scale, int64_t N, int64_t C, int64_t ldx, int64_t ldg,
                              ScalarType dt, CUstream_st* stream);

// digamma (n = 0) and polygamma(n, x) over (out, x), floating dtypes (src/cuda/special.cu).
void launch_polygamma(const ElementwiseArgs& a, int64_t n, ScalarType dt);

// grid_sampler_2d/3d over contiguous float or double tensors (src/kernels/grid_sample.h): input
// [N, C, *size], grid [N, *out, dims], points = prod(out), plane = prod(size).
struct GridSamplerGeometry {
  int dims = 2;
  int64_t N = 0, C = 0, size[3] = {1, 1, 1}, plane = 1, points = 1;
  int64_t mode = 0, padding = 0;
  bool align = false;
};
void launch_grid_sample(void* out, const void* input, const void* grid,
                        const GridSamplerGeometry& s, ScalarType dt, CUstream_st* stream);
// grad_input must be zero-filled; either gradient may be null.
void launch_grid_sample_backward(void* grad_input, void* grad_grid, const void* grad_out,
                                 const void* input, const void* grid, const GridSamplerGeometry& s,
                                 ScalarType dt, CUstream_st* stream);

}  // namespace ember::cuda

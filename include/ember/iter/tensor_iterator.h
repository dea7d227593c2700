#pragma once
// TensorIterator: the elementwise engine shared by every elementwise kernel. It broadcasts the
// inputs, applies PyTorch's type promotion, allocates (or checks) the output, coalesces dims and
// hands kernels 1-D runs of (pointers, byte strides, length), in parallel for large tensors.
// See Note [Iterator dtypes].
#include <functional>

#include "ember/core/parallel.h"
#include "ember/core/tensor.h"

namespace ember {

// Note [Iterator dtypes]: inputs are converted to the computation dtype before the loop runs, so a
// kernel sees exactly one C++ type per operand: the output dtype (the compute dtype, or bool for
// comparisons) and the compute dtype for inputs. Writing into an out= tensor of another dtype goes
// through a temporary and a cast copy.

// Result dtype of an op on these tensors (torch.result_type): dims beat 0-dim beat wrapped numbers
// within a category (bool < integer < floating).
ScalarType result_type(TensorList tensors);
ScalarType result_type(const Tensor& a, const Tensor& b);
ScalarType result_type(const Tensor& a, const Scalar& b);
ScalarType result_type(const Scalar& a, const Tensor& b);
// Broadcast shape of two shapes; `op` names the caller in the error.
DimVector infer_size(IntArrayRef a, IntArrayRef b, const char* op = "broadcast");

enum class OutputDtype : uint8_t {
  Common,         // output has the promoted input dtype
  Bool,           // comparisons, logical ops
  FloatOfCommon,  // integer inputs promote to the default float dtype (div, sqrt...)
  Keep            // the given out tensor keeps its dtype (copy_ converts in the kernel)
};

struct IterConfig {
  const char* op = "op";
  OutputDtype output = OutputDtype::Common;
  // Compute dtype forced (e.g. an explicit dtype= argument); Undefined = promote inputs.
  ScalarType compute_dtype = ScalarType::Undefined;
  // Output dtype when `output` is Bool but an explicit type is required; Undefined = per `output`.
  bool allow_resize_out = true;  // out= tensors are resized; in-place outputs must match
  bool is_inplace = false;
  // Skip type promotion: every input must already have the compute dtype.
  bool check_same_dtype = false;
  // Inputs (bit i: input i) that keep their own dtype instead of being converted to the compute
  // dtype; they take no part in type promotion (where's condition, read as bytes).
  unsigned keep_dtype = 0;
};

class TensorIterator {
 public:
  static constexpr int kMaxOperands = 5;
  using Loop = std::function<void(char** data, const int64_t* strides, int64_t n)>;

  // out may be undefined (allocated) or given (in-place / out=). The overloads taking tensors one
  // by one borrow them without reference counting (the eager hot path), so they refuse
  // temporaries: pass named tensors that outlive the iterator. The TensorList overload copies.
  static TensorIterator build(const IterConfig& cfg, const Tensor& out, TensorList inputs);
  static TensorIterator build(const IterConfig& cfg, const Tensor& out, const Tensor& a);
  static TensorIterator build(const IterConfig& cfg, const Tensor& out, const Tensor& a,
                              const Tensor& b);
  static TensorIterator build(const IterConfig& cfg, const Tensor& out, const Tensor& a,
                              const Tensor& b, const Tensor& c);
  static TensorIterator build(const IterConfig&, const Tensor&, Tensor&&) = delete;
  static TensorIterator build(const IterConfig&, const Tensor&, Tensor&&, const Tensor&) = delete;
  static TensorIterator build(const IterConfig&, const Tensor&, const Tensor&, Tensor&&) = delete;
  static TensorIterator unary_op(const Tensor& out, const Tensor& a, const char* op);
  static TensorIterator unary_float_op(const Tensor& out, const Tensor& a, const char* op);
  static TensorIterator binary_op(const Tensor& out, const Tensor& a, const Tensor& b,
                                  const char* op);
  static TensorIterator binary_float_op(const Tensor& out, const Tensor& a, const Tensor& b,
                                        const char* op);
  static TensorIterator comparison_op(const Tensor& out, const Tensor& a, const Tensor& b,
                                      const char* op);
  // The helpers above keep references (safe with temporaries). One output, no inputs (fill):
  static TensorIterator nullary_op(const Tensor& out);

  TensorIterator() = default;
  TensorIterator(TensorIterator&& o) noexcept;
  TensorIterator(const TensorIterator&) = delete;
  TensorIterator& operator=(const TensorIterator&) = delete;
  TensorIterator& operator=(TensorIterator&&) = delete;
  ~TensorIterator();

  // The result tensor (the user's out tensor, or the allocated one).
  const Tensor& output() const { return writeback_.defined() ? writeback_ : ops_[0]; }
  ScalarType common_dtype() const { return compute_dtype_; }
  ScalarType output_dtype() const { return ops_[0].dtype(); }
  ScalarType input_dtype(int i = 0) const { return ops_[1 + i].dtype(); }
  int ntensors() const { return nops_; }
  int ninputs() const { return nops_ - 1; }
  int64_t numel() const { return numel_; }
  int ndim() const { return static_cast<int>(shape_.size()); }
  IntArrayRef shape() const { return shape_; }  // fastest dim first
  int64_t stride(int op, int dim) const { return strides_[op][dim]; }
  const Tensor& operand(int i) const { return ops_[i]; }
  // True when every operand is contiguous in the iteration order (one flat run).
  bool is_contiguous() const;
  // Is input `i` a single broadcast value (all strides 0)?
  bool is_scalar_input(int i) const;

  // Runs `loop` over every element, splitting into chunks on the thread pool when large. A small
  // single-run iteration (the eager hot path) calls `loop` directly, without std::function.
  template <class L>
  void for_each(L&& loop, int64_t grain_size = 32768) const {
    if (numel_ == 0) return;
    if (shape_.size() <= 1 && (numel_ < grain_size || in_parallel_region())) {
      char* data[kMaxOperands];
      int64_t st[kMaxOperands];
      for (int k = 0; k < nops_; ++k) {
        data[k] = static_cast<char*>(ops_[k].data_ptr());
        st[k] = shape_.empty() ? 0 : strides_[k][0];
      }
      loop(data, static_cast<const int64_t*>(st), numel_);
      return;
    }
    for_each_impl(Loop(std::forward<L>(loop)), grain_size);
  }
  void for_each_impl(const Loop& loop, int64_t grain_size) const;
  // Runs `loop` over linear indices [begin, end) serially.
  void serial_for_each(const Loop& loop, int64_t begin, int64_t end) const;
  // Writes a temporary output back into the user's out tensor (cast). Kernels need not call it:
  // the op layer calls finish() after the kernel ran.
  void finish();

 private:
  static TensorIterator build_impl(const IterConfig& cfg, const Tensor& out,
                                   const Tensor* const* inputs, int n, bool borrow);
  void compute_strides(IntArrayRef bshape);
  void coalesce();
  // Operands; borrowed_[k] marks handles that hold no reference (see Tensor::unsafe_borrow).
  void set_operand(int k, const Tensor& t, bool borrow);
  Tensor ops_[kMaxOperands];
  bool borrowed_[kMaxOperands] = {};
  int nops_ = 0;
  DimVector shape_;
  DimVector strides_[kMaxOperands];
  int64_t numel_ = 0;
  ScalarType compute_dtype_ = ScalarType::Undefined;
  Tensor writeback_;  // user's out= tensor when ops_[0] is a temporary
  bool written_back_ = false;
};

}  // namespace ember

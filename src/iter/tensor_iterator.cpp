#include "ember/iter/tensor_iterator.h"

#include <algorithm>

#include "ember/core/parallel.h"

namespace ember {

// ---- type promotion ----

namespace {
struct ResultTypeState {
  ScalarType dim = ScalarType::Undefined;
  ScalarType zero = ScalarType::Undefined;
  ScalarType wrapped = ScalarType::Undefined;
};

ScalarType promote_skip_undefined(ScalarType a, ScalarType b) {
  if (a == ScalarType::Undefined) return b;
  if (b == ScalarType::Undefined) return a;
  return promoteTypes(a, b);
}

void update_state(ResultTypeState& s, const Tensor& t) {
  if (!t.defined()) return;
  ScalarType cur = t.dtype();
  if (t.unsafeGetTensorImpl()->is_wrapped_number()) {
    if (isFloatingType(cur)) cur = get_default_dtype();
    s.wrapped = promote_skip_undefined(s.wrapped, cur);
  } else if (t.dim() == 0) {
    s.zero = promote_skip_undefined(s.zero, cur);
  } else {
    s.dim = promote_skip_undefined(s.dim, cur);
  }
}

ScalarType combine_categories(ScalarType higher, ScalarType lower) {
  if (isFloatingType(higher)) return higher;
  if (higher == kBool || isFloatingType(lower)) return promote_skip_undefined(higher, lower);
  if (higher != ScalarType::Undefined) return higher;
  return lower;
}

ScalarType result_of(const ResultTypeState& s) {
  return combine_categories(s.dim, combine_categories(s.zero, s.wrapped));
}
}  // namespace

ScalarType result_type(TensorList tensors) {
  ResultTypeState s;
  for (const auto& t : tensors) update_state(s, t);
  return result_of(s);
}
ScalarType result_type(const Tensor& a, const Tensor& b) {
  ResultTypeState s;
  update_state(s, a);
  update_state(s, b);
  return result_of(s);
}
ScalarType result_type(const Tensor& a, const Scalar& b) {
  return result_type(a, wrapped_scalar_tensor(b));
}
ScalarType result_type(const Scalar& a, const Tensor& b) {
  return result_type(wrapped_scalar_tensor(a), b);
}

DimVector infer_size(IntArrayRef a, IntArrayRef b, const char* op) {
  if (a.equals(b)) return DimVector(a);
  size_t n = std::max(a.size(), b.size());
  DimVector out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    EMBER_CHECK(da == db || da == 1 || db == 1, "[", op, "] The size of tensor a (", da,
                ") must match the size of tensor b (", db, ") at non-singleton dimension ", i,
                "; shapes ", a, " and ", b);
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// ---- building ----

namespace {
// Byte range [lo, hi) that a tensor's elements occupy in its storage.
std::pair<int64_t, int64_t> byte_range(const Tensor& t) {
  int64_t isz = t.element_size();
  int64_t lo = t.storage_offset(), hi = t.storage_offset();
  for (int64_t d = 0; d < t.dim(); ++d) {
    int64_t ext = (t.size(d) - 1) * t.stride(d);
    if (ext < 0) lo += ext; else hi += ext;
  }
  return {lo * isz, (hi + 1) * isz};
}

bool has_internal_overlap(const Tensor& t) {
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.stride(d) == 0 && t.size(d) > 1) return true;
  return false;
}

// Written-to tensors must not alias their inputs except exactly (same elements in place).
void check_overlap(const char* op, const Tensor& out, TensorList inputs) {
  if (out.numel() == 0) return;
  EMBER_CHECK(!has_internal_overlap(out), "[", op, "] unsupported operation: more than one "
              "element of the written-to tensor refers to a single memory location. Please clone() "
              "the tensor before performing the operation.");
  for (const auto& in : inputs) {
    if (in.numel() == 0 || in.storage().get() != out.storage().get()) continue;
    bool same = in.storage_offset() == out.storage_offset() && in.sizes().equals(out.sizes()) &&
                in.strides().equals(out.strides()) && in.dtype() == out.dtype();
    if (same) continue;
    auto [a0, a1] = byte_range(in);
    auto [b0, b1] = byte_range(out);
    EMBER_CHECK(a1 <= b0 || b1 <= a0, "[", op, "] unsupported operation: some elements of the "
                "input tensor and the written-to tensor refer to a single memory location. "
                "Please clone() the tensor before performing the operation.");
  }
}
}  // namespace

TensorIterator TensorIterator::build(const IterConfig& cfg, const Tensor& out, TensorList inputs) {
  TensorIterator it;
  // Fast path for the common eager case: fresh output, inputs of one dtype and shape, all
  // contiguous on one device. Same result as the general path below, with less work.
  if (!out.defined() && !inputs.empty() && cfg.compute_dtype == ScalarType::Undefined &&
      cfg.output != OutputDtype::Keep) {
    const Tensor& a = inputs[0];
    bool same = a.defined() && a.is_contiguous();
    for (size_t i = 1; i < inputs.size() && same; ++i) {
      const Tensor& b = inputs[i];
      same = b.defined() && b.dtype() == a.dtype() && b.is_contiguous() &&
             b.sizes().equals(a.sizes()) && b.device() == a.device();
    }
    ScalarType dt = a.defined() ? a.dtype() : ScalarType::Undefined;
    if (same && !(cfg.output == OutputDtype::FloatOfCommon && isIntegralType(dt, true))) {
      it.compute_dtype_ = dt;
      it.ops_[0] = make_tensor(a.sizes(), cfg.output == OutputDtype::Bool ? kBool : dt, a.device());
      it.result_ = it.ops_[0];
      it.nops_ = 1;
      for (const auto& t : inputs) it.ops_[it.nops_++] = t;
      it.numel_ = a.numel();
      int nd = a.dim() == 0 ? 0 : 1;
      it.shape_.resize(nd);
      if (nd) it.shape_[0] = it.numel_;
      for (int k = 0; k < it.nops_; ++k) {
        it.strides_[k].resize(nd);
        if (nd) it.strides_[k][0] = it.ops_[k].element_size();
      }
      return it;
    }
  }
  EMBER_CHECK(static_cast<int>(inputs.size()) + 1 <= kMaxOperands, "[", cfg.op,
              "] too many operands");
  // Broadcast shape.
  DimVector shape;
  bool first = true;
  Device device(kCPU);
  for (const auto& t : inputs) {
    EMBER_CHECK(t.defined(), "[", cfg.op, "] expected a defined tensor as input");
    if (first) {
      shape = DimVector(t.sizes());
      device = t.device();
      first = false;
    } else {
      shape = infer_size(shape, t.sizes(), cfg.op);
      bool scalar_ok = t.dim() == 0 && t.is_cpu();
      EMBER_CHECK(t.device() == device || scalar_ok, "[", cfg.op,
                  "] Expected all tensors to be on the same device, but found at least two "
                  "devices, ",
                  device, " and ", t.device(), "!");
    }
  }
  // Compute dtype.
  ScalarType compute = cfg.compute_dtype;
  if (compute == ScalarType::Undefined) {
    if (cfg.check_same_dtype) {
      compute = inputs.empty() ? out.dtype() : inputs[0].dtype();
      for (const auto& t : inputs)
        EMBER_CHECK(t.dtype() == compute, "[", cfg.op, "] expected all inputs to have dtype ",
                    toString(compute), " but got ", toString(t.dtype()));
    } else {
      compute = inputs.empty() ? out.dtype() : result_type(inputs);
    }
    if (cfg.output == OutputDtype::FloatOfCommon && isIntegralType(compute, true))
      compute = get_default_dtype();
  }
  it.compute_dtype_ = compute;
  ScalarType out_dtype = cfg.output == OutputDtype::Bool ? kBool
                         : cfg.output == OutputDtype::Keep ? out.dtype()
                                                           : compute;

  // Output.
  if (inputs.empty()) {
    EMBER_CHECK(out.defined(), "[", cfg.op, "] an op without inputs needs an output tensor");
    shape = DimVector(out.sizes());
    device = out.device();
  }
  if (out.defined()) {
    EMBER_CHECK(out.device() == device || inputs.empty(), "[", cfg.op, "] Expected out tensor on ",
                device, " but got ", out.device());
    check_overlap(cfg.op, out, inputs);
    if (cfg.is_inplace || !cfg.allow_resize_out) {
      EMBER_CHECK(out.sizes() == IntArrayRef(shape) || inputs.empty(), "[", cfg.op,
                  "] output with shape ", out.sizes(), " doesn't match the broadcast shape ",
                  IntArrayRef(shape));
    } else if (out.sizes() != IntArrayRef(shape)) {
      const_cast<Tensor&>(out).resize_(shape);
    }
    if (out.dtype() != out_dtype) {
      EMBER_CHECK(canCast(out_dtype, out.dtype()), "[", cfg.op, "] result type ",
                  toString(out_dtype), " can't be cast to the desired output type ",
                  toString(out.dtype()));
      it.writeback_ = out;
      it.ops_[0] = make_tensor(shape, out_dtype, device);
    } else {
      it.ops_[0] = out;
    }
    it.result_ = out;
  } else {
    it.ops_[0] = make_tensor(shape, out_dtype, device);
    it.result_ = it.ops_[0];
  }
  // Inputs in the compute dtype.
  it.nops_ = 1;
  for (const auto& t : inputs) {
    it.ops_[it.nops_++] = t.dtype() == compute ? t : t.to(compute);
  }
  it.compute_strides(shape);
  return it;
}

void TensorIterator::compute_strides(IntArrayRef bshape) {
  int nd = static_cast<int>(bshape.size());
  numel_ = 1;
  for (int64_t s : bshape) numel_ *= s;
  // Fast path: every operand contiguous with the full shape, so one flat run.
  bool flat = nd > 0;
  for (int k = 0; k < nops_ && flat; ++k)
    flat = ops_[k].is_contiguous() && ops_[k].sizes().equals(bshape);
  if (flat) {
    shape_.resize(1);
    shape_[0] = numel_;
    for (int k = 0; k < nops_; ++k) {
      strides_[k].resize(1);
      strides_[k][0] = ops_[k].element_size();
    }
    return;
  }
  // Fastest dim first.
  shape_.resize(nd);
  for (int d = 0; d < nd; ++d) shape_[d] = bshape[nd - 1 - d];
  for (int k = 0; k < nops_; ++k) {
    const Tensor& t = ops_[k];
    int64_t isz = t.element_size();
    strides_[k].resize(nd);
    int off = nd - static_cast<int>(t.dim());
    for (int d = 0; d < nd; ++d) {
      int td = nd - 1 - d - off;  // dim of t aligned to broadcast dim (nd-1-d)
      if (td < 0 || t.sizes()[td] == 1) {
        strides_[k][d] = 0;
      } else {
        strides_[k][d] = t.strides()[td] * isz;
      }
    }
  }
  coalesce();
}

void TensorIterator::coalesce() {
  int nd = static_cast<int>(shape_.size());
  if (nd <= 1) return;
  int prev = 0;
  for (int d = 1; d < nd; ++d) {
    bool can = true;
    for (int k = 0; k < nops_ && can; ++k) {
      int64_t s0 = shape_[prev], s1 = shape_[d];
      if (s0 == 1 || s1 == 1) continue;
      can = strides_[k][d] == s0 * strides_[k][prev];
    }
    if (can) {
      for (int k = 0; k < nops_; ++k) {
        if (shape_[prev] == 1) strides_[k][prev] = strides_[k][d];
      }
      shape_[prev] *= shape_[d];
    } else {
      ++prev;
      if (prev != d) {
        shape_[prev] = shape_[d];
        for (int k = 0; k < nops_; ++k) strides_[k][prev] = strides_[k][d];
      }
    }
  }
  shape_.resize(prev + 1);
  for (int k = 0; k < nops_; ++k) strides_[k].resize(prev + 1);
}

TensorIterator TensorIterator::unary_op(const Tensor& out, const Tensor& a, const char* op) {
  IterConfig c;
  c.op = op;
  return build(c, out, {a});
}
TensorIterator TensorIterator::unary_float_op(const Tensor& out, const Tensor& a, const char* op) {
  IterConfig c;
  c.op = op;
  c.output = OutputDtype::FloatOfCommon;
  return build(c, out, {a});
}
TensorIterator TensorIterator::binary_op(const Tensor& out, const Tensor& a, const Tensor& b,
                                         const char* op) {
  IterConfig c;
  c.op = op;
  return build(c, out, {a, b});
}
TensorIterator TensorIterator::binary_float_op(const Tensor& out, const Tensor& a,
                                               const Tensor& b, const char* op) {
  IterConfig c;
  c.op = op;
  c.output = OutputDtype::FloatOfCommon;
  return build(c, out, {a, b});
}
TensorIterator TensorIterator::comparison_op(const Tensor& out, const Tensor& a, const Tensor& b,
                                             const char* op) {
  IterConfig c;
  c.op = op;
  c.output = OutputDtype::Bool;
  return build(c, out, {a, b});
}
TensorIterator TensorIterator::nullary_op(const Tensor& out) {
  IterConfig c;
  c.op = "fill";
  c.compute_dtype = out.dtype();
  return build(c, out, {});
}

bool TensorIterator::is_contiguous() const {
  if (shape_.size() > 1) return false;
  for (int k = 0; k < nops_; ++k) {
    if (!shape_.empty() && strides_[k][0] != ops_[k].element_size()) return false;
  }
  return true;
}

bool TensorIterator::is_scalar_input(int i) const {
  for (int64_t s : strides_[i + 1])
    if (s != 0) return false;
  return true;
}

void TensorIterator::serial_for_each(const Loop& loop, int64_t begin, int64_t end) const {
  if (begin >= end) return;
  int nd = static_cast<int>(shape_.size());
  char* base[kMaxOperands];
  int64_t inner[kMaxOperands];
  for (int k = 0; k < nops_; ++k) {
    base[k] = static_cast<char*>(ops_[k].data_ptr());
    inner[k] = nd ? strides_[k][0] : 0;
  }
  if (nd == 0) {
    loop(base, inner, 1);
    return;
  }
  // Multi-index of `begin`.
  DimVector idx(nd);
  int64_t rem = begin;
  for (int d = 0; d < nd; ++d) {
    idx[d] = rem % shape_[d];
    rem /= shape_[d];
  }
  char* ptr[kMaxOperands];
  int64_t pos = begin;
  while (pos < end) {
    for (int k = 0; k < nops_; ++k) {
      char* p = base[k];
      for (int d = 0; d < nd; ++d) p += idx[d] * strides_[k][d];
      ptr[k] = p;
    }
    int64_t n = std::min(shape_[0] - idx[0], end - pos);
    loop(ptr, inner, n);
    pos += n;
    idx[0] += n;
    for (int d = 0; d < nd - 1 && idx[d] >= shape_[d]; ++d) {
      idx[d] = 0;
      ++idx[d + 1];
    }
  }
}

void TensorIterator::for_each_impl(const Loop& loop, int64_t grain_size) const {
  if (numel_ == 0) return;
  if (numel_ < grain_size || in_parallel_region()) {
    serial_for_each(loop, 0, numel_);
    return;
  }
  parallel_for(0, numel_, grain_size, [&](int64_t b, int64_t e) { serial_for_each(loop, b, e); });
}

void TensorIterator::finish() {
  if (writeback_.defined()) {
    writeback_.copy_(ops_[0]);
    writeback_ = Tensor();
  }
}

}  // namespace ember

#include "ember/iter/tensor_iterator.h"

#include <algorithm>

#include "ember/core/parallel.h"
#include "src/iter/strides.h"

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
    if (ext < 0)
      lo += ext;
    else
      hi += ext;
  }
  return {lo * isz, (hi + 1) * isz};
}

bool has_internal_overlap(const Tensor& t) {
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.stride(d) == 0 && t.size(d) > 1) return true;
  return false;
}

// Written-to tensors must not alias their inputs except exactly (same elements in place).
void check_overlap(const char* op, const Tensor& out, const Tensor* const* inputs, int nin) {
  if (out.numel() == 0) return;
  EMBER_CHECK(!has_internal_overlap(out), "[", op,
              "] unsupported operation: more than one "
              "element of the written-to tensor refers to a single memory location. Please clone() "
              "the tensor before performing the operation.");
  for (int i = 0; i < nin; ++i) {
    const Tensor& in = *inputs[i];
    if (in.numel() == 0 || in.storage().get() != out.storage().get()) continue;
    bool same = in.storage_offset() == out.storage_offset() && in.sizes().equals(out.sizes()) &&
                in.strides().equals(out.strides()) && in.dtype() == out.dtype();
    if (same) continue;
    auto [a0, a1] = byte_range(in);
    auto [b0, b1] = byte_range(out);
    EMBER_CHECK(a1 <= b0 || b1 <= a0, "[", op,
                "] unsupported operation: some elements of the "
                "input tensor and the written-to tensor refer to a single memory location. "
                "Please clone() the tensor before performing the operation.");
  }
}
Tensor make_output(IntArrayRef shape, ScalarType dtype, Device device, const Tensor* const* inputs,
                   int nin) {
  Tensor t = make_tensor(shape, dtype, device);
  DimVector st = infer_dense_strides(shape, inputs, nin);
  if (!st.empty()) t.unsafeGetTensorImpl()->set_sizes_and_strides(shape, st, 0);
  return t;
}
}  // namespace

// Note [Output strides]: a fresh output follows the inputs' memory layout, as PyTorch's
// reorder_dimensions does: the dims are sorted fastest-first by the inputs' strides (the first
// input with distinct non-broadcast strides decides; equal strides put the smaller dim first),
// with PyTorch's insertion sort so that ambiguous cases tie-break the same way, and the output
// is dense in that order. Contiguous inputs give a contiguous output.
DimVector infer_dense_strides(IntArrayRef shape, const Tensor* const* inputs, int nin) {
  int nd = static_cast<int>(shape.size());
  if (nd <= 1) return {};
  // Each input's strides over the broadcast dims, 0 where it broadcasts.
  DimVector st[TensorIterator::kMaxOperands];
  bool any = false;
  for (int i = 0; i < nin; ++i) {
    const Tensor& t = *inputs[i];
    int64_t tnd = t.dim();
    if (tnd == 0) continue;
    st[i] = DimVector(static_cast<size_t>(nd), 0);
    int64_t off = nd - tnd;
    for (int64_t d = 0; d < tnd; ++d) {
      st[i][off + d] = t.sizes()[d] == 1 && shape[off + d] != 1 ? 0 : t.strides()[d];
    }
    any = true;
  }
  if (!any) return {};
  // 1: dim0 goes after dim1; -1: before; 0: ambiguous.
  auto should_swap = [&](int64_t d0, int64_t d1) {
    for (int i = 0; i < nin; ++i) {
      if (st[i].empty()) continue;
      int64_t s0 = st[i][d0], s1 = st[i][d1];
      if (s0 == 0 || s1 == 0) continue;
      if (s0 < s1) return -1;
      if (s0 > s1) return 1;
      if (shape[d0] > shape[d1]) return 1;
    }
    return 0;
  };
  DimVector perm(static_cast<size_t>(nd));
  for (int i = 0; i < nd; ++i) perm[i] = nd - 1 - i;
  for (int i = 1; i < nd; ++i) {
    int d1 = i;
    for (int d0 = i - 1; d0 >= 0; --d0) {
      int c = should_swap(perm[d0], perm[d1]);
      if (c > 0) {
        std::swap(perm[d0], perm[d1]);
        d1 = d0;
      } else if (c < 0) {
        break;
      }
    }
  }
  bool inverted = true;
  for (int i = 0; i < nd && inverted; ++i) inverted = perm[i] == nd - 1 - i;
  if (inverted) return {};
  DimVector out(static_cast<size_t>(nd));
  int64_t next = 1;
  for (int i = 0; i < nd; ++i) {
    out[perm[i]] = next;
    next *= shape[perm[i]];
  }
  return out;
}

TensorIterator::TensorIterator(TensorIterator&& o) noexcept
    : nops_(o.nops_),
      shape_(std::move(o.shape_)),
      numel_(o.numel_),
      compute_dtype_(o.compute_dtype_),
      writeback_(std::move(o.writeback_)),
      written_back_(o.written_back_) {
  for (int k = 0; k < kMaxOperands; ++k) {
    ops_[k] = std::move(o.ops_[k]);
    borrowed_[k] = o.borrowed_[k];
    o.borrowed_[k] = false;
    strides_[k] = std::move(o.strides_[k]);
  }
}

TensorIterator::~TensorIterator() {
  for (int k = 0; k < kMaxOperands; ++k)
    if (borrowed_[k]) ops_[k].unsafeReleaseTensorImpl();
}

void TensorIterator::set_operand(int k, const Tensor& t, bool borrow) {
  if (borrowed_[k]) ops_[k].unsafeReleaseTensorImpl();
  ops_[k] = borrow ? Tensor::unsafe_borrow(t) : t;
  borrowed_[k] = borrow;
}

TensorIterator TensorIterator::build(const IterConfig& cfg, const Tensor& out, TensorList inputs) {
  const Tensor* p[kMaxOperands];
  EMBER_CHECK(static_cast<int>(inputs.size()) + 1 <= kMaxOperands, "[", cfg.op,
              "] too many operands");
  for (size_t i = 0; i < inputs.size(); ++i) p[i] = &inputs[i];
  // A braced list may hold the only reference to a temporary: keep references.
  return build_impl(cfg, out, p, static_cast<int>(inputs.size()), false);
}
TensorIterator TensorIterator::build(const IterConfig& cfg, const Tensor& out, const Tensor& a) {
  const Tensor* p[] = {&a};
  return build_impl(cfg, out, p, 1, true);
}
TensorIterator TensorIterator::build(const IterConfig& cfg, const Tensor& out, const Tensor& a,
                                     const Tensor& b) {
  const Tensor* p[] = {&a, &b};
  return build_impl(cfg, out, p, 2, true);
}
TensorIterator TensorIterator::build(const IterConfig& cfg, const Tensor& out, const Tensor& a,
                                     const Tensor& b, const Tensor& c) {
  const Tensor* p[] = {&a, &b, &c};
  return build_impl(cfg, out, p, 3, true);
}

TensorIterator TensorIterator::build_impl(const IterConfig& cfg, const Tensor& out,
                                          const Tensor* const* inputs, int nin, bool borrow) {
  TensorIterator it;
  // Fast path for the common eager case: fresh output, inputs of one dtype and shape, all
  // contiguous on one device. Same result as the general path below, with less work.
  if (!out.defined() && nin > 0 && cfg.compute_dtype == ScalarType::Undefined &&
      cfg.output != OutputDtype::Keep) {
    const Tensor& a = *inputs[0];
    bool same = a.defined() && a.is_contiguous();
    for (int i = 1; i < nin && same; ++i) {
      const Tensor& b = *inputs[i];
      same = b.defined() && b.dtype() == a.dtype() && b.is_contiguous() &&
             b.sizes().equals(a.sizes()) && b.device() == a.device();
    }
    ScalarType dt = a.defined() ? a.dtype() : ScalarType::Undefined;
    if (same && !(cfg.output == OutputDtype::FloatOfCommon && isIntegralType(dt, true))) {
      it.compute_dtype_ = dt;
      it.ops_[0] = make_tensor(a.sizes(), cfg.output == OutputDtype::Bool ? kBool : dt, a.device());
      it.nops_ = 1;
      for (int i = 0; i < nin; ++i) it.set_operand(it.nops_++, *inputs[i], borrow);
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
  // Broadcast shape. The device is the first input's that is not a 0-dim CPU tensor (such a
  // tensor joins a CUDA op as a scalar, as in PyTorch).
  DimVector shape;
  bool first = true;
  Device device(kCPU);
  for (int i = 0; i < nin; ++i) {
    const Tensor& t = *inputs[i];
    EMBER_CHECK(t.defined(), "[", cfg.op, "] expected a defined tensor as input");
    if (!(t.dim() == 0 && t.is_cpu())) {
      device = t.device();
      break;
    }
  }
  for (int i = 0; i < nin; ++i) {
    const Tensor& t = *inputs[i];
    if (first) {
      shape = DimVector(t.sizes());
      first = false;
    } else {
      shape = infer_size(shape, t.sizes(), cfg.op);
    }
    bool scalar_ok = t.dim() == 0 && t.is_cpu();
    EMBER_CHECK(t.device() == device || scalar_ok, "[", cfg.op,
                "] Expected all tensors to be on the same device, but found at least two "
                "devices, ",
                device, " and ", t.device(), "!");
  }
  // Compute dtype.
  ScalarType compute = cfg.compute_dtype;
  if (compute == ScalarType::Undefined) {
    if (cfg.check_same_dtype) {
      compute = nin == 0 ? out.dtype() : inputs[0]->dtype();
      for (int i = 0; i < nin; ++i)
        EMBER_CHECK(inputs[i]->dtype() == compute, "[", cfg.op,
                    "] expected all inputs to have dtype ", toString(compute), " but got ",
                    toString(inputs[i]->dtype()));
    } else if (nin == 0) {
      compute = out.dtype();
    } else {
      ResultTypeState st;
      for (int i = 0; i < nin; ++i)
        if (!(cfg.keep_dtype >> i & 1u)) update_state(st, *inputs[i]);
      compute = result_of(st);
    }
    if (cfg.output == OutputDtype::FloatOfCommon && isIntegralType(compute, true))
      compute = get_default_dtype();
  }
  it.compute_dtype_ = compute;
  ScalarType out_dtype = cfg.output == OutputDtype::Bool   ? kBool
                         : cfg.output == OutputDtype::Keep ? out.dtype()
                                                           : compute;

  // Output.
  bool permuted_out = false;
  if (nin == 0) {
    EMBER_CHECK(out.defined(), "[", cfg.op, "] an op without inputs needs an output tensor");
    shape = DimVector(out.sizes());
    device = out.device();
  }
  if (out.defined()) {
    EMBER_CHECK(out.device() == device || nin == 0, "[", cfg.op, "] Expected out tensor on ",
                device, " but got ", out.device());
    check_overlap(cfg.op, out, inputs, nin);
    if (cfg.is_inplace || !cfg.allow_resize_out) {
      EMBER_CHECK(out.sizes() == IntArrayRef(shape) || nin == 0, "[", cfg.op,
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
      it.set_operand(0, out, borrow);
    }
  } else {
    it.ops_[0] = make_output(shape, out_dtype, device, inputs, nin);
    permuted_out = !it.ops_[0].is_contiguous();
  }
  // Inputs in the compute dtype.
  it.nops_ = 1;
  for (int i = 0; i < nin; ++i) {
    const Tensor& t = *inputs[i];
    if (t.dtype() == compute || (cfg.keep_dtype >> i & 1u)) {
      it.set_operand(it.nops_++, t, borrow);
    } else {
      it.set_operand(it.nops_++, t.to(compute), false);
    }
  }
  it.compute_strides(shape);
  int nd = static_cast<int>(it.shape_.size());
  // A given output laid out in another order than row-major (a copy_ into empty_like of a
  // transposed tensor: autocast's cast of a transposed weight) is walked in its memory order
  // too, as PyTorch's reorder_dimensions does, so that permuted-dense operands coalesce into one
  // run. Only with inputs (nullary fills keep element order: random numbers follow it) and an
  // output without zero strides (reductions' outputs keep their summation order).
  if (!permuted_out && out.defined() && nin > 0 && nd > 1 && !it.ops_[0].is_contiguous()) {
    bool positive = true;
    for (int d = 0; d < nd && positive; ++d) positive = it.strides_[0][d] > 0;
    bool ordered = true;  // already fastest-first (a row-major slice): nothing to do
    for (int d = 0; d + 1 < nd && ordered; ++d)
      ordered = it.strides_[0][d] <= it.strides_[0][d + 1];
    permuted_out = positive && !ordered;
  }
  if (permuted_out && nd > 1) {
    // Walk the output (and so, usually, the inputs) in memory order: fastest dim first by the
    // output's strides, then coalesce into as few runs as possible.
    DimVector order(static_cast<size_t>(nd));
    for (int d = 0; d < nd; ++d) order[d] = d;
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return it.strides_[0][a] < it.strides_[0][b]; });
    DimVector tmp(static_cast<size_t>(nd));
    for (int d = 0; d < nd; ++d) tmp[d] = it.shape_[order[d]];
    it.shape_ = tmp;
    for (int k = 0; k < it.nops_; ++k) {
      for (int d = 0; d < nd; ++d) tmp[d] = it.strides_[k][order[d]];
      it.strides_[k] = tmp;
    }
    it.coalesce();
  }
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
  const Tensor* p[] = {&a};
  return build_impl(c, out, p, 1, false);
}
TensorIterator TensorIterator::unary_float_op(const Tensor& out, const Tensor& a, const char* op) {
  IterConfig c;
  c.op = op;
  c.output = OutputDtype::FloatOfCommon;
  const Tensor* p[] = {&a};
  return build_impl(c, out, p, 1, false);
}
TensorIterator TensorIterator::binary_op(const Tensor& out, const Tensor& a, const Tensor& b,
                                         const char* op) {
  IterConfig c;
  c.op = op;
  const Tensor* p[] = {&a, &b};
  return build_impl(c, out, p, 2, false);
}
TensorIterator TensorIterator::binary_float_op(const Tensor& out, const Tensor& a, const Tensor& b,
                                               const char* op) {
  IterConfig c;
  c.op = op;
  c.output = OutputDtype::FloatOfCommon;
  const Tensor* p[] = {&a, &b};
  return build_impl(c, out, p, 2, false);
}
TensorIterator TensorIterator::comparison_op(const Tensor& out, const Tensor& a, const Tensor& b,
                                             const char* op) {
  IterConfig c;
  c.op = op;
  c.output = OutputDtype::Bool;
  const Tensor* p[] = {&a, &b};
  return build_impl(c, out, p, 2, false);
}
TensorIterator TensorIterator::nullary_op(const Tensor& out) {
  IterConfig c;
  c.op = "fill";
  c.compute_dtype = out.dtype();
  return build_impl(c, out, nullptr, 0, true);
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
  if (writeback_.defined() && !written_back_) {
    writeback_.copy_(ops_[0]);
    written_back_ = true;
  }
}

}  // namespace ember

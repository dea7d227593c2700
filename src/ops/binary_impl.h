#pragma once
// Shared machinery of the binary/ternary op family (src/ops/binary*.cpp, src/ops/ternary.cpp):
// a BinaryDef is one op's declaration (node names, dtype rule, what backward saves, derivative);
// binary_op/binary_inplace/binary_out run it with broadcasting, promotion and autograd.
#include <limits>

#include "ember/autograd/function_node.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "src/kernels/binary.h"
#include "src/ops/out_util.h"

namespace ember {
namespace binary_detail {

// The derivative w.r.t. one input; only evaluated when that input needs a gradient.
using BinaryFormula = Tensor (*)(const Tensor& grad, const Tensor& self, const Tensor& other,
                                 const Tensor& result, const Scalar& alpha);
enum BinarySave : uint8_t {
  kSaveNone = 0,
  kSaveSelf = 1,
  kSaveOther = 2,
  kSaveBoth = 3,
  kSaveResult = 4
};

struct BinaryDef {
  const char* name;
  const char* node;  // Tensor op Tensor
  KernelStub<BinaryFn>* stub;
  OutputDtype output;
  uint8_t save;
  BinaryFormula dself;  // nullptr: not differentiable
  BinaryFormula dother;
  const char* node_ts = nullptr;  // node name when `other` is a wrapped scalar (Tensor op Scalar)
  const char* node_st = nullptr;  // node name when `self` is a wrapped scalar (Scalar op Tensor)
};

#define EMBER_GRAD(...)                                                                 \
  [](const Tensor& grad, const Tensor& self, const Tensor& other, const Tensor& result, \
     const Scalar& alpha) -> ::ember::Tensor {                                          \
    (void)grad, (void)self, (void)other, (void)result, (void)alpha;                     \
    return __VA_ARGS__;                                                                 \
  }

inline bool is_wrapped(const Tensor& t) { return t.unsafeGetTensorImpl()->is_wrapped_number(); }
inline Tensor wrap(const Scalar& s) { return wrapped_scalar_tensor(s); }

// Reinterprets a bool tensor's bytes as uint8 (no copy), so kernels test `byte != 0` and bools
// holding bytes other than 0/1 read as true. Other dtypes are returned unchanged.
inline Tensor bool_as_bytes(const Tensor& t) {
  if (t.dtype() != kBool) return t;
  Tensor v = make_view(t.detach(), t.sizes(), t.strides(), t.storage_offset());
  v.unsafeGetTensorImpl()->set_dtype(kByte);
  return v;
}

// Integer Scalars that must be stored in an integral result dtype (clamp bounds, where's
// branches) have to fit it, as c10's checked conversion demands (uint8 also takes -255..-1).
inline void check_scalar_fits(const Scalar& s, ScalarType t, const char* op) {
  if (!isIntegralType(t, false) || !s.isIntegral(false)) return;
  int64_t v = s.toLong();
  const char* names[] = {"uint8_t", "int8_t", "int16_t", "int32_t", "int64_t"};
  visit_integral_types(
      t, op,
      [&]<class T>() {
        if constexpr (!std::is_same_v<T, bool>) {
          using L = std::numeric_limits<T>;
          bool bad =
              std::is_signed_v<T>
                  ? v < static_cast<int64_t>(L::min()) || v > static_cast<int64_t>(L::max())
                  : v > static_cast<int64_t>(L::max()) || v < -static_cast<int64_t>(L::max());
          EMBER_CHECK(!bad, "[", op, "] value cannot be converted to type ",
                      names[static_cast<int>(t)], " without overflow");
        }
      },
      false);
}

// alpha_check: PyTorch's check of add/sub's alpha (alpha is 1 for the other binary ops);
// addcmul/addcdiv pass their `value` as alpha and skip it, as PyTorch, whose kernels convert the
// value to the tensors' type (0.5 becomes 0 for integers).
inline Tensor run_iter(const IterConfig& c, KernelStub<BinaryFn>& stub, TensorIterator& it,
                       const Scalar& alpha, bool alpha_check = true) {
  EMBER_CHECK(!alpha_check || !alpha.isBoolean() || it.common_dtype() == kBool, "[", c.op,
              "] Boolean alpha only supported for Boolean results.");
  EMBER_CHECK(!alpha_check || isFloatingType(it.common_dtype()) || alpha.isIntegral(true), "[",
              c.op,
              "] For integral input tensors, argument alpha must not be a floating point number.");
  // The output is on the op's device; an input may be a 0-dim CPU scalar (2 - cuda_tensor).
  if (it.numel() > 0) stub.get(it.operand(0).device().type())(it, alpha);
  it.finish();
  return it.output();
}

inline Tensor run_kernel(const IterConfig& c, KernelStub<BinaryFn>& stub, const Tensor& out,
                         TensorList inputs, const Scalar& alpha = 1, bool alpha_check = true) {
  TensorIterator it = TensorIterator::build(c, out, inputs);
  return run_iter(c, stub, it, alpha, alpha_check);
}

inline Tensor binary_forward(const BinaryDef& d, const Tensor& self, const Tensor& other,
                             const Scalar& alpha, const Tensor& out, bool inplace) {
  IterConfig c;
  c.op = d.name;
  c.output = d.output;
  c.is_inplace = inplace;
  // Borrowing build: self and other outlive the iterator (the eager hot path).
  TensorIterator it = TensorIterator::build(c, out, self, other);
  return run_iter(c, *d.stub, it, alpha);
}

inline Tensor binary_op(const BinaryDef& d, const Tensor& self, const Tensor& other,
                        const Scalar& alpha = 1) {
  Tensor r = binary_forward(d, self, other, alpha, Tensor(), false);
  if (!d.dself) return r;
  // No-grad fast path: skip building the formula closure and copying the inputs into a list.
  if (!autograd::compute_requires_grad({&self, &other})) return r;
  const char* node = d.node;
  if (d.node_ts && is_wrapped(other)) node = d.node_ts;
  if (d.node_st && is_wrapped(self)) node = d.node_st;
  if (auto n = autograd::make_node(
          node, {self, other},
          [ds = d.dself, dot = d.dother, save = d.save, alpha, s_shape = DimVector(self.sizes()),
           o_shape = DimVector(other.sizes()), s_dt = self.dtype(),
           o_dt = other.dtype()](autograd::FunctionNode& n, const variable_list& g) {
            size_t k = 0;
            Tensor s = save & kSaveSelf ? n.saved(k++) : Tensor();
            Tensor o = save & kSaveOther ? n.saved(k++) : Tensor();
            Tensor r = save & kSaveResult ? n.saved(k++) : Tensor();
            variable_list gr(2);
            if (n.needs_input_grad(0))
              gr[0] = autograd::sum_to(ds(g[0], s, o, r, alpha), s_shape).to(s_dt);
            if (n.needs_input_grad(1))
              gr[1] = autograd::sum_to(dot(g[0], s, o, r, alpha), o_shape).to(o_dt);
            return gr;
          })) {
    autograd::set_history(r, n);
    if (d.save & kSaveSelf) n->save(self);
    if (d.save & kSaveOther) n->save(other);
    if (d.save & kSaveResult) n->save(r, /*is_output=*/true);
  }
  return r;
}

inline Tensor& binary_inplace(const BinaryDef& d, Tensor& self, const Tensor& other,
                              const Scalar& alpha = 1) {
  return autograd::apply_inplace(
      self, other.requires_grad(), d.name,
      [&](const Tensor& s) { return binary_op(d, s, other, alpha); },
      [&] { binary_forward(d, self, other, alpha, self, true); });
}

inline void check_out_no_grad(const char* name, std::initializer_list<Tensor> ts) {
  out_util::check_no_grad(name, ts);
}

inline Tensor& binary_out(const BinaryDef& d, Tensor& out, const Tensor& self, const Tensor& other,
                          const Scalar& alpha = 1) {
  check_out_no_grad(d.name, {self, other, out});
  binary_forward(d, self, other, alpha, out, false);
  return out;
}

}  // namespace binary_detail
}  // namespace ember

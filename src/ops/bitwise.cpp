// Logical and bitwise ops (not differentiable) and their operators. Bool inputs are read as bytes
// (see bool_as_bytes) so that any nonzero byte counts as true.
#include "ember/ops/binary.h"
#include "src/ops/binary_impl.h"

namespace ember {
using namespace binary_detail;
namespace {

// Logical ops: compute in the promoted dtype of the original inputs (uint8 when all are bool),
// output bool (or the out/self tensor's dtype through a cast).
Tensor logical_forward(const char* name, KernelStub<BinaryFn>& stub, const Tensor& self,
                       const Tensor& other, const Tensor& out, bool inplace) {
  ScalarType ct = result_type(self, other);
  IterConfig c;
  c.op = name;
  c.output = OutputDtype::Bool;
  c.compute_dtype = ct == kBool ? kByte : ct;
  c.is_inplace = inplace;
  return run_kernel(c, stub, out, {bool_as_bytes(self), bool_as_bytes(other)});
}

// Bitwise ops: integral and bool dtypes; an all-bool op runs on bytes with a bool output.
Tensor bitwise_forward(const char* name, KernelStub<BinaryFn>& stub, const Tensor& self,
                       const Tensor& other, const Tensor& out, bool inplace) {
  ScalarType ct = result_type(self, other);
  EMBER_CHECK(isIntegralType(ct, true), "[", name, "] \"", name, "_cpu\" not implemented for '",
              toString(ct), "'");
  IterConfig c;
  c.op = name;
  c.is_inplace = inplace;
  if (ct == kBool) {
    c.output = OutputDtype::Bool;
    c.compute_dtype = kByte;
    return run_kernel(c, stub, out, {bool_as_bytes(self), bool_as_bytes(other)});
  }
  c.compute_dtype = ct;
  return run_kernel(c, stub, out, {self, other});
}

Tensor shift_forward(const char* name, KernelStub<BinaryFn>& stub, const Tensor& self,
                     const Tensor& other, const Tensor& out, bool inplace) {
  ScalarType ct = result_type(self, other);
  EMBER_CHECK(isIntegralType(ct, false), "[", name, "] \"", name, "_cpu\" not implemented for '",
              toString(ct), "'");
  IterConfig c;
  c.op = name;
  c.compute_dtype = ct;
  c.is_inplace = inplace;
  return run_kernel(c, stub, out, {self, other});
}

void check_leaf(const Tensor& self, const char* name) {
  EMBER_CHECK(!(autograd::GradMode::is_enabled() && self.requires_grad() && self.is_leaf()), "[",
              name,
              "_] a leaf Variable that requires grad is being used in an in-place operation.");
}

// In-place variants: the result is cast back into self (logical ops keep self's dtype).
using Forward = Tensor (*)(const char*, KernelStub<BinaryFn>&, const Tensor&, const Tensor&,
                           const Tensor&, bool);
Tensor& run_inplace(Forward f, const char* name, KernelStub<BinaryFn>& stub, Tensor& self,
                    const Tensor& other) {
  check_leaf(self, name);
  f(name, stub, self, other, self, true);
  self.bump_version();
  return self;
}
Tensor& run_out(Forward f, const char* name, KernelStub<BinaryFn>& stub, Tensor& out,
                const Tensor& self, const Tensor& other) {
  check_out_no_grad(name, {self, other, out});
  f(name, stub, self, other, out, false);
  return out;
}

Tensor unary_bool_forward(const char* name, KernelStub<BinaryFn>& stub, const Tensor& self,
                          const Tensor& out, bool inplace, bool integral_only) {
  IterConfig c;
  c.op = name;
  c.is_inplace = inplace;
  if (self.dtype() == kBool) {
    c.output = OutputDtype::Bool;
    c.compute_dtype = kByte;
    return run_kernel(c, stub, out, {bool_as_bytes(self)});
  }
  EMBER_CHECK(!integral_only || isIntegralType(self.dtype(), false), "[", name, "] \"", name,
              "_cpu\" not implemented for '", toString(self.dtype()), "'");
  c.output = integral_only ? OutputDtype::Common : OutputDtype::Bool;
  c.compute_dtype = self.dtype();
  return run_kernel(c, stub, out, {self});
}

}  // namespace

#define EMBER_LOGICAL_OP(name, fwd, stub_name)                                   \
  Tensor name(const Tensor& self, const Tensor& other) {                         \
    return fwd(#name, stub_name, self, other, Tensor(), false);                  \
  }                                                                              \
  Tensor& name##_out(Tensor& out, const Tensor& self, const Tensor& other) {     \
    return run_out(fwd, #name, stub_name, out, self, other);                     \
  }                                                                              \
  Tensor Tensor::name(const Tensor& o) const { return ::ember::name(*this, o); } \
  Tensor& Tensor::name##_(const Tensor& o) const {                               \
    return run_inplace(fwd, #name, stub_name, self(), o);                        \
  }
#define EMBER_SCALAR_OVERLOADS(name)                                                       \
  Tensor name(const Tensor& self, const Scalar& other) { return name(self, wrap(other)); } \
  Tensor name(const Scalar& self, const Tensor& other) { return name(wrap(self), other); } \
  Tensor Tensor::name(const Scalar& o) const { return ::ember::name(*this, o); }           \
  Tensor& Tensor::name##_(const Scalar& o) const { return name##_(wrap(o)); }

EMBER_LOGICAL_OP(logical_and, logical_forward, logical_and_stub)
EMBER_LOGICAL_OP(logical_or, logical_forward, logical_or_stub)
EMBER_LOGICAL_OP(logical_xor, logical_forward, logical_xor_stub)
EMBER_LOGICAL_OP(bitwise_and, bitwise_forward, bitwise_and_stub)
EMBER_LOGICAL_OP(bitwise_or, bitwise_forward, bitwise_or_stub)
EMBER_LOGICAL_OP(bitwise_xor, bitwise_forward, bitwise_xor_stub)
EMBER_LOGICAL_OP(bitwise_left_shift, shift_forward, left_shift_stub)
EMBER_LOGICAL_OP(bitwise_right_shift, shift_forward, right_shift_stub)
EMBER_SCALAR_OVERLOADS(bitwise_and)
EMBER_SCALAR_OVERLOADS(bitwise_or)
EMBER_SCALAR_OVERLOADS(bitwise_xor)
EMBER_SCALAR_OVERLOADS(bitwise_left_shift)
EMBER_SCALAR_OVERLOADS(bitwise_right_shift)

Tensor logical_not(const Tensor& self) {
  return unary_bool_forward("logical_not", logical_not_stub, self, Tensor(), false, false);
}
Tensor& logical_not_out(Tensor& out, const Tensor& self) {
  check_out_no_grad("logical_not", {self, out});
  unary_bool_forward("logical_not", logical_not_stub, self, out, false, false);
  return out;
}
Tensor Tensor::logical_not() const { return ::ember::logical_not(*this); }
Tensor& Tensor::logical_not_() const {
  check_leaf(*this, "logical_not");
  unary_bool_forward("logical_not", logical_not_stub, *this, *this, true, false);
  bump_version();
  return self();
}
Tensor bitwise_not(const Tensor& self) {
  return unary_bool_forward("bitwise_not", bitwise_not_stub, self, Tensor(), false, true);
}
Tensor& bitwise_not_out(Tensor& out, const Tensor& self) {
  check_out_no_grad("bitwise_not", {self, out});
  unary_bool_forward("bitwise_not", bitwise_not_stub, self, out, false, true);
  return out;
}
Tensor Tensor::bitwise_not() const { return ::ember::bitwise_not(*this); }
Tensor& Tensor::bitwise_not_() const {
  unary_bool_forward("bitwise_not", bitwise_not_stub, *this, *this, true, true);
  bump_version();
  return self();
}

Tensor Tensor::__lshift__(const Tensor& o) const { return bitwise_left_shift(o); }
Tensor Tensor::__lshift__(const Scalar& o) const { return bitwise_left_shift(o); }
Tensor Tensor::__rshift__(const Tensor& o) const { return bitwise_right_shift(o); }
Tensor Tensor::__rshift__(const Scalar& o) const { return bitwise_right_shift(o); }
Tensor& Tensor::__ilshift__(const Tensor& o) const { return bitwise_left_shift_(o); }
Tensor& Tensor::__ilshift__(const Scalar& o) const { return bitwise_left_shift_(o); }
Tensor& Tensor::__irshift__(const Tensor& o) const { return bitwise_right_shift_(o); }
Tensor& Tensor::__irshift__(const Scalar& o) const { return bitwise_right_shift_(o); }

Tensor operator&(const Tensor& a, const Tensor& b) { return bitwise_and(a, b); }
Tensor operator&(const Tensor& a, const Scalar& b) { return bitwise_and(a, b); }
Tensor operator&(const Scalar& a, const Tensor& b) { return bitwise_and(b, a); }
Tensor operator|(const Tensor& a, const Tensor& b) { return bitwise_or(a, b); }
Tensor operator|(const Tensor& a, const Scalar& b) { return bitwise_or(a, b); }
Tensor operator|(const Scalar& a, const Tensor& b) { return bitwise_or(b, a); }
Tensor operator^(const Tensor& a, const Tensor& b) { return bitwise_xor(a, b); }
Tensor operator^(const Tensor& a, const Scalar& b) { return bitwise_xor(a, b); }
Tensor operator^(const Scalar& a, const Tensor& b) { return bitwise_xor(b, a); }
Tensor operator<<(const Tensor& a, const Tensor& b) { return bitwise_left_shift(a, b); }
Tensor operator<<(const Tensor& a, const Scalar& b) { return bitwise_left_shift(a, b); }
Tensor operator>>(const Tensor& a, const Tensor& b) { return bitwise_right_shift(a, b); }
Tensor operator>>(const Tensor& a, const Scalar& b) { return bitwise_right_shift(a, b); }
Tensor operator!(const Tensor& a) { return logical_not(a); }

}  // namespace ember

// Reductions: sum, mean, all, any.
#include "ember/ops/reduce.h"

#include "ember/autograd/function_node.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/shape.h"
#include "src/kernels/reduce.h"
#include "src/ops/reduce_util.h"

namespace ember {

ReducePlan make_reduce_plan(const Tensor& self, OptionalIntArrayRef dims, bool keepdim,
                            ScalarType dtype, const char* op) {
  ReducePlan p;
  int64_t nd = self.dim();
  if (!dims || dims->empty()) {
    for (int64_t d = 0; d < nd; ++d) p.mask.set(d);
  } else {
    p.mask = dim_list_to_bitset(*dims, nd, op);
  }
  std::vector<int64_t> perm;
  for (int64_t d = 0; d < nd; ++d) {
    if (!p.mask[d]) {
      perm.push_back(d);
      p.outer *= self.size(d);
      p.out_shape.push_back(self.size(d));
      p.keepdim_shape.push_back(self.size(d));
    } else {
      p.keepdim_shape.push_back(1);
      if (keepdim) p.out_shape.push_back(1);
    }
  }
  if (keepdim) p.out_shape = p.keepdim_shape;
  for (int64_t d = 0; d < nd; ++d) {
    if (p.mask[d]) {
      perm.push_back(d);
      p.inner *= self.size(d);
    }
  }
  Tensor x = self.dtype() == dtype ? self : self.to(dtype);
  bool identity = true;
  for (int64_t i = 0; i < nd; ++i) identity &= perm[i] == i;
  if (!identity) x = x.permute(perm);
  p.rows = x.contiguous();
  return p;
}

namespace {

ScalarType sum_dtype(const Tensor& self, std::optional<ScalarType> dtype) {
  if (dtype) return *dtype;
  return isIntegralType(self.dtype(), true) ? kLong : self.dtype();
}

Tensor sum_impl(const Tensor& self, OptionalIntArrayRef dim, bool keepdim,
                std::optional<ScalarType> dtype, const char* node) {
  ScalarType dt = sum_dtype(self, dtype);
  ReducePlan p = make_reduce_plan(self.detach(), dim, keepdim, dt, "sum");
  Tensor out = make_tensor(p.out_shape, dt, self.device());
  if (p.outer > 0) sum_stub.get(self.device().type())(out, p.rows, p.outer, p.inner);
  if (auto n = autograd::make_node(
          node, {self},
          [shape = DimVector(self.sizes()), kshape = p.keepdim_shape](
              autograd::FunctionNode&, const variable_list& g) {
            return variable_list{g[0].reshape(kshape).expand(shape)};
          })) {
    autograd::set_history(out, n);
  }
  return out;
}

}  // namespace

Tensor sum(const Tensor& self, OptionalIntArrayRef dim, bool keepdim,
           std::optional<ScalarType> dtype) {
  return sum_impl(self, dim, keepdim, dtype, "SumBackward1");
}

Tensor sum(const Tensor& self, std::optional<ScalarType> dtype) {
  return sum_impl(self, OptionalIntArrayRef(), false, dtype, "SumBackward0");
}

namespace {
Tensor mean_impl(const Tensor& self, OptionalIntArrayRef dim, bool keepdim,
                 std::optional<ScalarType> dtype, const char* node) {
  ScalarType dt = dtype.value_or(self.dtype());
  EMBER_CHECK(isFloatingType(dt), "[mean] mean(): could not infer output dtype. Input dtype must "
              "be either a floating point or complex dtype. Got: ", toString(dt));
  std::bitset<kMaxDims> mask;
  if (!dim || dim->empty()) {
    for (int64_t d = 0; d < self.dim(); ++d) mask.set(d);
  } else {
    mask = dim_list_to_bitset(*dim, self.dim(), "mean");
  }
  int64_t count = 1;
  DimVector kshape(self.sizes());
  for (int64_t d = 0; d < self.dim(); ++d) {
    if (mask[d]) {
      count *= self.size(d);
      kshape[d] = 1;
    }
  }
  Tensor out;
  {
    NoGradGuard ng;  // one MeanBackward node, as in PyTorch, not SumBackward + DivBackward
    out = sum(self, dim, keepdim, dt) / static_cast<double>(count);
  }
  if (auto n = autograd::make_node(
          node, {self},
          [shape = DimVector(self.sizes()), kshape, count](autograd::FunctionNode&,
                                                           const variable_list& g) {
            return variable_list{(g[0] / static_cast<double>(count)).reshape(kshape).expand(shape)};
          })) {
    autograd::set_history(out, n);
  }
  return out;
}
}  // namespace

Tensor mean(const Tensor& self, OptionalIntArrayRef dim, bool keepdim,
            std::optional<ScalarType> dtype) {
  return mean_impl(self, dim, keepdim, dtype, "MeanBackward1");
}

Tensor mean(const Tensor& self, std::optional<ScalarType> dtype) {
  return mean_impl(self, OptionalIntArrayRef(), false, dtype, "MeanBackward0");
}

Tensor all(const Tensor& self) {
  ReducePlan p = make_reduce_plan(self, OptionalIntArrayRef(), false, kBool, "all");
  Tensor out = make_tensor({}, kBool, self.device());
  all_stub.get(self.device().type())(out, p.rows, 1, p.inner);
  return self.dtype() == kByte ? out.to(kByte) : out;  // uint8 in, uint8 out, as in PyTorch
}

Tensor any(const Tensor& self) {
  ReducePlan p = make_reduce_plan(self, OptionalIntArrayRef(), false, kBool, "any");
  Tensor out = make_tensor({}, kBool, self.device());
  any_stub.get(self.device().type())(out, p.rows, 1, p.inner);
  return self.dtype() == kByte ? out.to(kByte) : out;  // uint8 in, uint8 out, as in PyTorch
}

Tensor Tensor::sum(std::optional<ScalarType> dt) const { return ::ember::sum(*this, dt); }
Tensor Tensor::sum(OptionalIntArrayRef dim, bool keepdim, std::optional<ScalarType> dt) const {
  return ::ember::sum(*this, dim, keepdim, dt);
}
Tensor Tensor::mean(std::optional<ScalarType> dt) const { return ::ember::mean(*this, dt); }
Tensor Tensor::mean(OptionalIntArrayRef dim, bool keepdim, std::optional<ScalarType> dt) const {
  return ::ember::mean(*this, dim, keepdim, dt);
}
Tensor Tensor::all() const { return ::ember::all(*this); }
Tensor Tensor::any() const { return ::ember::any(*this); }

}  // namespace ember

// Ops along one dim: cumsum, cumprod (with in-place forms), softmax, log_softmax.
#include "ember/autograd/function_node.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "ember/ops/unary.h"
#include "src/amp/autocast_hook.h"
#include "src/kernels/reduce.h"
#include "src/ops/out_util.h"
#include "src/ops/reduce_util.h"

namespace ember {
namespace {

// Runs a dim kernel on `x` (already of the result dtype) into a fresh contiguous tensor.
Tensor dim_raw(const Tensor& x, int64_t dim, const KernelStub<DimFn>& stub, bool reverse) {
  DimLayout l = make_dim_layout(x, dim);
  Tensor in = x.detach().contiguous();
  Tensor out = make_tensor(x.sizes(), x.dtype(), x.device());
  if (x.numel() > 0) stub.get(x.device().type())(out, in, l.outer, l.n, l.inner, reverse);
  return out;
}

ScalarType scan_dtype(const Tensor& self, std::optional<ScalarType> dtype) {
  if (dtype) return *dtype;
  return isIntegralType(self.dtype(), true) ? kLong : self.dtype();
}

Tensor convert(const Tensor& self, ScalarType dt) {
  return self.dtype() == dt ? self : self.to(dt);
}

// Sum from each position to the end of `dim`: the gradient of cumsum. Differentiable itself (its
// gradient is cumsum), so double backward works.
Tensor reverse_cumsum(const Tensor& g, int64_t dim) {
  Tensor out = dim_raw(g, dim, cumsum_stub, true);
  if (auto n = autograd::make_node("ReverseCumsumBackward0", {g},
                                   [dim](autograd::FunctionNode&, const variable_list& gg) {
                                     return variable_list{cumsum(gg[0], dim)};
                                   })) {
    autograd::set_history(out, n);
  }
  return out;
}

// d out_k / d x_i = prod_{j <= k, j != i} x_j. For non-zero x_i this is out_k / x_i (0 after the
// first zero, but with the right derivative); at the first zero it is the cumprod with that zero
// replaced by 1; at later zeros, 0.
Tensor cumprod_backward(const Tensor& grad, const Tensor& x, const Tensor& out, int64_t dim) {
  Tensor zero = x == 0;
  bool has_zero;
  {
    NoGradGuard ng;
    has_zero = any(zero).item<bool>();
  }
  if (!has_zero) return reverse_cumsum(grad * out, dim) / x;
  ScalarType dt = x.dtype();
  Tensor zm = zero.to(dt);
  Tensor cz = cumsum(zero, dim);
  Tensor first = zm * (cz == 1).to(dt);
  Tensor x_safe = x * (1 - zm) + zm;
  Tensor x1 = x * (1 - first) + first;
  return (1 - zm) * reverse_cumsum(grad * out, dim) / x_safe +
         first * reverse_cumsum(grad * cumprod(x1, dim), dim);
}

Tensor scan_impl(const Tensor& self, int64_t dim, std::optional<ScalarType> dtype, bool is_prod) {
  int64_t d = maybe_wrap_dim(dim, self.dim());
  Tensor x = convert(self, scan_dtype(self, dtype));
  Tensor out = dim_raw(x, d, is_prod ? cumprod_stub : cumsum_stub, false);
  if (is_prod) {
    if (auto n = autograd::make_node(
            "CumprodBackward0", {x}, [d](autograd::FunctionNode& n, const variable_list& g) {
              return variable_list{cumprod_backward(g[0], n.saved(0), n.saved(1), d)};
            })) {
      autograd::set_history(out, n);
      n->save(x);
      n->save(out, true);
    }
  } else if (auto n = autograd::make_node("CumsumBackward0", {x},
                                          [d](autograd::FunctionNode&, const variable_list& g) {
                                            return variable_list{reverse_cumsum(g[0], d)};
                                          })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor& scan_inplace(Tensor& self, int64_t dim, std::optional<ScalarType> dtype, bool is_prod) {
  ScalarType dt = dtype.value_or(self.dtype());
  return autograd::apply_inplace(
      self, false, is_prod ? "cumprod_" : "cumsum_",
      [&](const Tensor& s) { return scan_impl(s, dim, dt, is_prod); },
      [&] {
        Tensor r = scan_impl(self, dim, dt, is_prod);
        NoGradGuard ng;
        self.copy_(r);
      });
}

Tensor softmax_impl(const Tensor& self, int64_t dim, std::optional<ScalarType> dtype, bool is_log) {
  const char* op = is_log ? "log_softmax" : "softmax";
  Tensor x = dtype ? convert(self, *dtype) : self;
  EMBER_CHECK(isFloatingType(x.dtype()), "[", op, "] \"", op, "\" not implemented for '",
              toString(x.dtype()), "'");
  int64_t d = maybe_wrap_dim(dim, x.dim());
  Tensor out = dim_raw(x, d, is_log ? log_softmax_stub : softmax_stub, false);
  if (auto n = autograd::make_node(is_log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", {x},
                                   [d, is_log](autograd::FunctionNode& n, const variable_list& g) {
                                     // float16/bfloat16: computed in float and rounded once, as
                                     // PyTorch's fused kernel.
                                     Tensor y = n.saved(0), go = g[0];
                                     ScalarType dt = go.dtype();
                                     bool low = dt == kHalf || dt == kBFloat16;
                                     if (low) y = y.to(kFloat), go = go.to(kFloat);
                                     Tensor gi =
                                         is_log ? go - y.exp() * go.sum(IntArrayRef{d}, true)
                                                : y * (go - (go * y).sum(IntArrayRef{d}, true));
                                     return variable_list{low ? gi.to(dt) : gi};
                                   })) {
    autograd::set_history(out, n);
    n->save(out, true);
  }
  return out;
}

}  // namespace

Tensor cumsum(const Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  EMBER_AUTOCAST(fallthrough, fp32_set_opt_dtype, cumsum, self, dim, dtype);
  return scan_impl(self, dim, dtype, false);
}
Tensor& cumsum_out(Tensor& out, const Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  return write_out(out, cumsum(self, dim, dtype.value_or(out.dtype())), "cumsum");
}
Tensor cumprod(const Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  EMBER_AUTOCAST(fallthrough, fp32_set_opt_dtype, cumprod, self, dim, dtype);
  return scan_impl(self, dim, dtype, true);
}
Tensor& cumprod_out(Tensor& out, const Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  return write_out(out, cumprod(self, dim, dtype.value_or(out.dtype())), "cumprod");
}
Tensor softmax(const Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  EMBER_AUTOCAST(fallthrough, fp32_set_opt_dtype, softmax, self, dim, dtype);
  return softmax_impl(self, dim, dtype, false);
}
Tensor log_softmax(const Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  EMBER_AUTOCAST(fallthrough, fp32_set_opt_dtype, log_softmax, self, dim, dtype);
  return softmax_impl(self, dim, dtype, true);
}

Tensor Tensor::cumsum(int64_t dim, std::optional<ScalarType> dtype) const {
  return ::ember::cumsum(*this, dim, dtype);
}
Tensor& Tensor::cumsum_(int64_t dim, std::optional<ScalarType> dtype) const {
  return scan_inplace(self(), dim, dtype, false);
}
Tensor Tensor::cumprod(int64_t dim, std::optional<ScalarType> dtype) const {
  return ::ember::cumprod(*this, dim, dtype);
}
Tensor& Tensor::cumprod_(int64_t dim, std::optional<ScalarType> dtype) const {
  return scan_inplace(self(), dim, dtype, true);
}
Tensor Tensor::softmax(int64_t dim, std::optional<ScalarType> dtype) const {
  return ::ember::softmax(*this, dim, dtype);
}
Tensor Tensor::log_softmax(int64_t dim, std::optional<ScalarType> dtype) const {
  return ::ember::log_softmax(*this, dim, dtype);
}

// out= forms (structured in PyTorch: `out` must have the result's dtype).
Tensor& softmax_out(Tensor& out, const Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  out_util::check_no_grad("softmax", {self, out});
  return out_util::assign(out, softmax(self, dim, dtype), "softmax", /*exact=*/true);
}
Tensor& log_softmax_out(Tensor& out, const Tensor& self, int64_t dim,
                        std::optional<ScalarType> dtype) {
  out_util::check_no_grad("log_softmax", {self, out});
  return out_util::assign(out, log_softmax(self, dim, dtype), "log_softmax", /*exact=*/true);
}

}  // namespace ember

// Scans with indices or in log space: cummax, cummin, logcumsumexp. (cumsum and cumprod are in
// softmax.cpp.) Gradients use a scatter-add/gather pair along one dim, each the other's backward.
#include <limits>

#include "ember/autograd/function_node.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "ember/ops/unary.h"
#include "src/kernels/reduce.h"
#include "src/ops/reduce_util.h"

namespace ember {
namespace {

Tensor gather_dim(const Tensor& src, int64_t dim, const Tensor& index);

// out = zeros like src; out[..., index[..., i, ...], ...] += src[..., i, ...] along dim.
Tensor scatter_add_dim(const Tensor& src, int64_t dim, const Tensor& index) {
  DimLayout l = make_dim_layout(src, dim);
  Tensor s = src.detach().contiguous(), ix = index.contiguous();
  Tensor out = zeros(src.sizes(), src.options());
  if (src.numel() > 0) {
    scatter_gather_dim_stub.get(src.device().type())(out, s, ix, l.outer, l.n, l.inner, true);
  }
  if (auto n = autograd::make_node("ScatterAddBackward0", {src},
                                   [dim, index](autograd::FunctionNode&, const variable_list& g) {
                                     return variable_list{gather_dim(g[0], dim, index)};
                                   })) {
    autograd::set_history(out, n);
  }
  return out;
}

// out[..., i, ...] = src[..., index[..., i, ...], ...] along dim.
Tensor gather_dim(const Tensor& src, int64_t dim, const Tensor& index) {
  DimLayout l = make_dim_layout(src, dim);
  Tensor s = src.detach().contiguous(), ix = index.contiguous();
  Tensor out = make_tensor(src.sizes(), src.dtype(), src.device());
  if (src.numel() > 0) {
    scatter_gather_dim_stub.get(src.device().type())(out, s, ix, l.outer, l.n, l.inner, false);
  }
  if (auto n = autograd::make_node("GatherBackward0", {src},
                                   [dim, index](autograd::FunctionNode&, const variable_list& g) {
                                     return variable_list{scatter_add_dim(g[0], dim, index)};
                                   })) {
    autograd::set_history(out, n);
  }
  return out;
}

std::tuple<Tensor, Tensor> cum_extremum(const Tensor& self, int64_t dim, bool is_max) {
  int64_t d = maybe_wrap_dim(dim, self.dim());
  DimLayout l = make_dim_layout(self, d);
  Tensor x = self.detach().contiguous();
  Tensor values = make_tensor(self.sizes(), self.dtype(), self.device());
  Tensor indices = make_tensor(self.sizes(), kLong, self.device());
  if (self.numel() > 0) {
    (is_max ? cummax_stub : cummin_stub)
        .get(self.device().type())(values, indices, x, l.outer, l.n, l.inner);
  }
  if (auto n = autograd::make_node(is_max ? "CummaxBackward0" : "CumminBackward0", {self},
                                   [d, indices](autograd::FunctionNode&, const variable_list& g) {
                                     return variable_list{scatter_add_dim(g[0], d, indices)};
                                   })) {
    autograd::set_history(values, n);
  }
  return {values, indices};
}

Tensor logcumsumexp_impl(const Tensor& x, int64_t d, bool reverse);

// grad_i = sum_{j >= i} g_j exp(x_i - y_j), summed in log space separately for the positive and
// negative parts of g (as PyTorch), so large x neither overflows nor cancels.
Tensor logcumsumexp_backward(const Tensor& g, const Tensor& x, const Tensor& y, int64_t d,
                             bool reverse) {
  ScalarType dt = x.dtype();
  // The dtype's lowest finite value stands for log(0), keeping double backward free of inf - inf.
  double lowest = dt == kDouble     ? std::numeric_limits<double>::lowest()
                  : dt == kHalf     ? -65504.0
                  : dt == kBFloat16 ? -3.3895313892515355e38
                                    : static_cast<double>(std::numeric_limits<float>::lowest());
  Tensor pos = (g > 0).to(dt), neg = (g < 0).to(dt);
  Tensor log_pos = (g * pos + (1 - pos)).log() + (1 - pos) * lowest;
  Tensor log_neg = (-g * neg + (1 - neg)).log() + (1 - neg) * lowest;
  Tensor out_pos = (logcumsumexp_impl(log_pos - y, d, !reverse) + x).exp();
  Tensor out_neg = (logcumsumexp_impl(log_neg - y, d, !reverse) + x).exp();
  return out_pos - out_neg;
}

Tensor logcumsumexp_impl(const Tensor& x, int64_t d, bool reverse) {
  EMBER_CHECK(isFloatingType(x.dtype()),
              "[logcumsumexp] \"logcumsumexp_out_cpu\" not implemented "
              "for '",
              toString(x.dtype()), "'");
  DimLayout l = make_dim_layout(x, d);
  Tensor in = x.detach().contiguous();
  Tensor out = make_tensor(x.sizes(), x.dtype(), x.device());
  if (x.numel() > 0) {
    logcumsumexp_stub.get(x.device().type())(out, in, l.outer, l.n, l.inner, reverse);
  }
  if (auto n = autograd::make_node("LogcumsumexpBackward0", {x},
                                   [d, reverse](autograd::FunctionNode& n, const variable_list& g) {
                                     return variable_list{logcumsumexp_backward(
                                         g[0], n.saved(0), n.saved(1), d, reverse)};
                                   })) {
    autograd::set_history(out, n);
    n->save(x);
    n->save(out, true);
  }
  return out;
}

// out= tensors must already have the result's dtype (PyTorch refuses a cast here).
void check_out_dtype(const Tensor& out, ScalarType expected, const char* op) {
  EMBER_CHECK(out.dtype() == expected, "[", op, "] expected scalar_type ", toString(expected),
              " but found ", toString(out.dtype()));
}

}  // namespace

std::tuple<Tensor, Tensor> cummax(const Tensor& self, int64_t dim) {
  return cum_extremum(self, dim, true);
}
std::tuple<Tensor, Tensor> cummin(const Tensor& self, int64_t dim) {
  return cum_extremum(self, dim, false);
}
std::tuple<Tensor&, Tensor&> cummax_out(Tensor& values, Tensor& indices, const Tensor& self,
                                        int64_t dim) {
  check_out_dtype(values, self.dtype(), "cummax");
  check_out_dtype(indices, kLong, "cummax");
  auto [v, i] = cummax(self, dim);
  write_out(values, v, "cummax");
  write_out(indices, i, "cummax");
  return {values, indices};
}
std::tuple<Tensor&, Tensor&> cummin_out(Tensor& values, Tensor& indices, const Tensor& self,
                                        int64_t dim) {
  check_out_dtype(values, self.dtype(), "cummin");
  check_out_dtype(indices, kLong, "cummin");
  auto [v, i] = cummin(self, dim);
  write_out(values, v, "cummin");
  write_out(indices, i, "cummin");
  return {values, indices};
}
Tensor logcumsumexp(const Tensor& self, int64_t dim) {
  return logcumsumexp_impl(self, maybe_wrap_dim(dim, self.dim()), false);
}
Tensor& logcumsumexp_out(Tensor& out, const Tensor& self, int64_t dim) {
  check_out_dtype(out, self.dtype(), "logcumsumexp");
  return write_out(out, logcumsumexp(self, dim), "logcumsumexp");
}

std::tuple<Tensor, Tensor> Tensor::cummax(int64_t dim) const { return ::ember::cummax(*this, dim); }
std::tuple<Tensor, Tensor> Tensor::cummin(int64_t dim) const { return ::ember::cummin(*this, dim); }
Tensor Tensor::logcumsumexp(int64_t dim) const { return ::ember::logcumsumexp(*this, dim); }

}  // namespace ember

// sort, argsort, topk. The kernel sorts rows of a contiguous [rows, n] copy with `dim` moved last;
// the gradient scatters back to the selected indices (differentiable: scatter/gather).
#include "ember/autograd/function_node.h"
#include "ember/core/wrap_dim.h"
#include "ember/ops/factory.h"
#include "src/ops/index_util.h"
#include "src/ops/out_util.h"

namespace ember {

namespace {

std::tuple<Tensor, Tensor> sort_impl(const Tensor& self, int64_t dim, int64_t k, bool descending,
                                     const char* node) {
  int64_t d = maybe_wrap_dim(dim, self.dim());
  Tensor values, indices;
  {
    NoGradGuard ng;
    int64_t last = std::max<int64_t>(self.dim() - 1, 0);
    Tensor in = self.dim() == 0 ? self : self.transpose(d, last).contiguous();
    DimVector shape(in.sizes());
    if (!shape.empty()) shape.back() = k;
    values = make_tensor(shape, self.dtype(), self.device());
    indices = make_tensor(shape, kLong, self.device());
    // A 0-dim tensor has one value whatever k is (PyTorch returns it for topk(0) as well).
    sort_stub.get(self.device().type())(values, indices, in, self.dim() == 0 ? 1 : k, descending);
    if (self.dim() > 0 && d != last) {
      // clone, not contiguous: results must own their memory, never be views.
      values = values.transpose(d, last).clone();
      indices = indices.transpose(d, last).clone();
    }
  }
  if (auto n = autograd::make_node(node, {self},
                                   [in = DimVector(self.sizes()), d, indices](
                                       autograd::FunctionNode&, const variable_list& g) {
                                     return variable_list{
                                         scatter(zeros(in, g[0].options()), d, indices, g[0])};
                                   })) {
    autograd::set_history(values, n);
  }
  return {values, indices};
}

int64_t size_along(const Tensor& self, int64_t dim) {
  int64_t d = maybe_wrap_dim(dim, self.dim());
  return self.dim() == 0 ? 1 : self.size(d);
}

}  // namespace

std::tuple<Tensor, Tensor> sort(const Tensor& self, int64_t dim, bool descending) {
  return sort_impl(self, dim, size_along(self, dim), descending, "SortBackward0");
}
// The kernel breaks ties by index, so every sort is stable.
std::tuple<Tensor, Tensor> sort(const Tensor& self, std::optional<bool>, int64_t dim,
                                bool descending) {
  return sort_impl(self, dim, size_along(self, dim), descending, "SortBackward1");
}
Tensor argsort(const Tensor& self, int64_t dim, bool descending) {
  NoGradGuard ng;
  return std::get<1>(sort(self, dim, descending));
}
Tensor argsort(const Tensor& self, bool stable, int64_t dim, bool descending) {
  (void)stable;  // ember's sort is stable either way
  return argsort(self, dim, descending);
}
Tensor& argsort_out(Tensor& out, const Tensor& self, bool stable, int64_t dim, bool descending) {
  out_util::check_no_grad("argsort", {self, out});
  return out_util::assign(out, argsort(self, stable, dim, descending), "argsort",
                          /*exact=*/false);
}
Tensor msort(const Tensor& self) { return std::get<0>(sort(self, 0, false)); }
std::tuple<Tensor, Tensor> topk(const Tensor& self, int64_t k, int64_t dim, bool largest, bool) {
  EMBER_CHECK(self.dtype() != kBool, "[topk] \"topk_cpu\" not implemented for 'Bool'");
  int64_t n = size_along(self, dim);
  EMBER_CHECK(k >= 0 && k <= n, "[topk] selected index k out of range");
  return sort_impl(self, dim, k, largest, "TopkBackward0");
}

namespace {
std::tuple<Tensor&, Tensor&> write_out(Tensor& values, Tensor& indices,
                                       const std::tuple<Tensor, Tensor>& r, const char* op) {
  EMBER_CHECK(indices.dtype() == kLong, "[", op, "] ", op,
              "(): Expected out tensor indices to have "
              "dtype int64, but got ",
              toString(indices.dtype()));
  values.resize_(std::get<0>(r).sizes());
  values.copy_(std::get<0>(r));
  indices.resize_(std::get<1>(r).sizes());
  indices.copy_(std::get<1>(r));
  return {values, indices};
}
}  // namespace

std::tuple<Tensor&, Tensor&> sort_out(Tensor& values, Tensor& indices, const Tensor& self,
                                      int64_t dim, bool descending) {
  index_detail::check_out_no_grad("sort_out", {self, values});
  return write_out(values, indices, sort(self, dim, descending), "sort_out");
}
std::tuple<Tensor&, Tensor&> topk_out(Tensor& values, Tensor& indices, const Tensor& self,
                                      int64_t k, int64_t dim, bool largest, bool sorted) {
  index_detail::check_out_no_grad("topk_out", {self, values});
  return write_out(values, indices, topk(self, k, dim, largest, sorted), "topk_out");
}

std::tuple<Tensor, Tensor> Tensor::sort(int64_t dim, bool descending) const {
  return ::ember::sort(*this, dim, descending);
}
std::tuple<Tensor, Tensor> Tensor::sort(std::optional<bool> stable, int64_t dim,
                                        bool descending) const {
  return ::ember::sort(*this, stable, dim, descending);
}
Tensor Tensor::argsort(int64_t dim, bool descending) const {
  return ::ember::argsort(*this, dim, descending);
}
Tensor Tensor::msort() const { return ::ember::msort(*this); }
std::tuple<Tensor, Tensor> Tensor::topk(int64_t k, int64_t dim, bool largest, bool sorted) const {
  return ::ember::topk(*this, k, dim, largest, sorted);
}

}  // namespace ember

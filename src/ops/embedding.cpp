// embedding, embedding_bag (bag boundaries checked on the host), embedding_renorm_. Gradients are
// index_add's into zeros written with ember ops, so double backward works.
#include <algorithm>
#include <set>

#include "ember/autograd/function_node.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/index.h"
#include "ember/ops/normalization.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "ember/ops/ternary.h"
#include "src/kernels/normalization.h"

namespace ember {
namespace {

void check_indices(const Tensor& indices, const char* op, const char* arg) {
  EMBER_CHECK(indices.dtype() == kLong || indices.dtype() == kInt, "[", op,
              "] Expected tensor for argument #1 '", arg,
              "' to have one of the following scalar "
              "types: Long, Int; but got ",
              toString(indices.dtype()),
              " instead (while checking "
              "arguments for ",
              op, ")");
}

// indices as a flat contiguous int64 tensor, every value checked against [0, num).
Tensor flat_indices(const Tensor& indices, int64_t num, const char* op) {
  Tensor idx = indices.detach().reshape({indices.numel()}).to(kLong).contiguous();
  if (!idx.is_cpu()) return idx;  // device kernels check their indices (one wait, not two)
  const Tensor& host = idx;
  const int64_t* p = host.data_ptr<int64_t>();
  for (int64_t i = 0; i < idx.numel(); ++i) {
    EMBER_CHECK(p[i] >= 0 && p[i] < num, "[", op, "] index out of range in self: index ", p[i],
                " is out of bounds for dimension 0 with size ", num);
  }
  return idx;
}

// How often each row is named in idx, gathered back per position: the scale_grad_by_freq divisor.
Tensor index_counts(const Tensor& idx, int64_t num, ScalarType dt) {
  TensorOptions o = TensorOptions().dtype(dt).device(idx.device());
  Tensor ones_l = ones({idx.numel()}, o);
  return zeros({num}, o).index_add(0, idx, ones_l).index_select(0, idx);
}

}  // namespace

Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx,
                 bool scale_grad_by_freq, bool sparse) {
  EMBER_CHECK(weight.dim() == 2, "[embedding] 'weight' must be 2-D");
  check_indices(indices, "embedding", "indices");
  EMBER_CHECK(!sparse, "[embedding] sparse gradients are not supported");
  int64_t num = weight.size(0), D = weight.size(1), L = indices.numel();
  Tensor idx = flat_indices(indices, num, "embedding");
  DimVector shape(indices.sizes().begin(), indices.sizes().end());
  shape.push_back(D);
  Tensor out = make_tensor(shape, weight.dtype(), weight.device());
  if (L > 0 && D > 0) {
    Tensor flat = out.view({L, D});
    embedding_stub.get(weight.device().type())(flat, weight.detach().contiguous(), idx);
  }
  if (auto n = autograd::make_node(
          "EmbeddingBackward0", {weight},
          [idx, num, D, L, padding_idx, scale_grad_by_freq](autograd::FunctionNode&,
                                                            const variable_list& g) {
            Tensor go = g[0].reshape({L, D});
            if (padding_idx >= 0) go = go * (idx != padding_idx).to(go.dtype()).unsqueeze(1);
            if (scale_grad_by_freq) go = go / index_counts(idx, num, go.dtype()).unsqueeze(1);
            return variable_list{zeros({num, D}, go.options()).index_add(0, idx, go)};
          })) {
    autograd::set_history(out, n);
  }
  return out;
}

std::tuple<Tensor, Tensor, Tensor, Tensor> embedding_bag(
    const Tensor& weight, const Tensor& indices, const Tensor& offsets, bool scale_grad_by_freq,
    int64_t mode, bool sparse, const std::optional<Tensor>& per_sample_weights,
    bool include_last_offset) {
  return embedding_bag(weight, indices, offsets, scale_grad_by_freq, mode, sparse,
                       per_sample_weights, include_last_offset, std::nullopt);
}

std::tuple<Tensor, Tensor, Tensor, Tensor> embedding_bag(
    const Tensor& weight, const Tensor& indices, const Tensor& offsets, bool scale_grad_by_freq,
    int64_t mode, bool sparse, const std::optional<Tensor>& psw_opt, bool include_last_offset,
    std::optional<int64_t> padding_idx_opt) {
  Tensor psw = psw_opt ? *psw_opt : Tensor();
  for (const Tensor* t : std::initializer_list<const Tensor*>{&indices, &offsets, &psw})
    EMBER_CHECK(!t->defined() || t->device() == weight.device(),
                "[embedding_bag] Expected all tensors to be on the same device, but found at "
                "least two devices, ",
                weight.device(), " and ", t->device(), "!");
  EMBER_CHECK(weight.dim() == 2, "[embedding_bag] 'weight' must be 2-D");
  check_indices(indices, "embedding_bag", "indices");
  check_indices(offsets, "embedding_bag", "offsets");
  EMBER_CHECK(indices.dim() == 1,
              "[embedding_bag] input has to be 1D Tensor, but got Tensor of "
              "dimension ",
              indices.dim());
  EMBER_CHECK(offsets.dim() == 1,
              "[embedding_bag] offsets has to be a 1D Tensor, but got Tensor "
              "of dimension ",
              offsets.dim());
  EMBER_CHECK(mode >= 0 && mode <= 2, "[embedding_bag] mode has to be one of sum, mean or max");
  EMBER_CHECK(!sparse, "[embedding_bag] sparse gradients are not supported");
  EMBER_CHECK(isFloatingType(weight.dtype()),
              "[embedding_bag] \"embedding_bag\" not implemented "
              "for '",
              toString(weight.dtype()), "'");
  if (psw.defined()) {
    EMBER_CHECK(mode == 0,
                "[embedding_bag] per_sample_weights was not None. per_sample_weights "
                "is only supported for mode='sum' (got mode='",
                mode == 1 ? "mean" : "max", "'). Please open a feature request on GitHub.");
    EMBER_CHECK(psw.dim() == 1 && psw.numel() == indices.numel(),
                "[embedding_bag] expected "
                "per_sample_weights to be 1D with the same number of elements as indices, but "
                "got per_sample_weights of size ",
                psw.sizes(), " and indices of size ", indices.sizes());
  }
  int64_t num = weight.size(0), D = weight.size(1), L = indices.numel();
  int64_t padding_idx = -1;
  if (padding_idx_opt) {
    padding_idx = *padding_idx_opt;
    EMBER_CHECK(padding_idx >= -num && padding_idx < num,
                "[embedding_bag] padding_idx must be "
                "within the number of embeddings, -",
                num, " through ", num - 1, ", but got ", padding_idx);
    if (padding_idx < 0) padding_idx += num;
  }
  Tensor idx = flat_indices(indices, num, "embedding_bag");
  // Bag boundaries as B + 1 offsets, checked and turned into offset2bag on the host.
  Tensor off = offsets.detach().to(kLong).cpu().contiguous();
  if (!include_last_offset) off = cat({off, full({1}, L, kLong)}).contiguous();
  EMBER_CHECK(off.numel() >= 1,
              "[embedding_bag] include_last_offset: number of offsets should "
              "be at least 1");
  int64_t B = off.numel() - 1;
  const int64_t* po = off.data_ptr<int64_t>();
  for (int64_t b = 0; b <= B; ++b) {
    EMBER_CHECK(po[b] >= 0 && po[b] <= L && (b == 0 || po[b] >= po[b - 1]),
                "[embedding_bag] "
                "offsets must be non-decreasing and within [0, ",
                L, "], but got offsets[", b, "] = ", po[b]);
  }
  // offset2bag: the bag of every index position.
  Tensor o2b = zeros({L}, kLong);
  {
    int64_t* p = o2b.data_ptr<int64_t>();
    for (int64_t b = 0; b < B; ++b)
      for (int64_t k = po[b]; k < po[b + 1]; ++k) p[k] = b;
  }
  Device dev = weight.device();
  off = off.to(dev);
  o2b = o2b.to(dev);
  ScalarType dt = weight.dtype();
  ScalarType cdt = (dt == kHalf || dt == kBFloat16) ? kFloat : dt;
  Tensor out = make_tensor({B, D}, cdt, dev);
  Tensor max_indices =
      mode == 2 ? make_tensor({B, D}, kLong, dev) : zeros({B}, TensorOptions(kLong).device(dev));
  Tensor bag_size = make_tensor({B}, kLong, weight.device());
  {
    NoGradGuard ng;
    Tensor w = weight.detach().to(cdt).contiguous();
    Tensor ps = psw.defined() ? psw.detach().to(cdt).contiguous() : Tensor();
    EmbeddingBagParams p{mode, padding_idx};
    embedding_bag_stub.get(weight.device().type())(out, max_indices, bag_size, w, idx, off, ps, p);
  }
  if (cdt != dt) out = out.to(dt);

  bool has_psw = psw.defined();
  if (auto n = autograd::make_node(
          "EmbeddingBagBackward0", {weight, psw},
          [idx, o2b, bag_size, max_indices, num, D, L, mode, padding_idx, scale_grad_by_freq,
           has_psw](autograd::FunctionNode& n, const variable_list& g) -> variable_list {
            Tensor go = g[0];
            if (!go.defined()) return {Tensor(), Tensor()};
            TensorOptions o = go.options();
            Tensor valid =
                padding_idx >= 0 ? (idx != padding_idx).to(go.scalar_type()) : ones({L}, o);
            Tensor gw, gp;
            if (mode == 2) {
              // Every (bag, column) routes its gradient to the row that won the max.
              // Empty bags (index -1) add an exact zero to element 0 rather than being filtered
              // out, so that no nonzero() (a host round trip) is needed on any device.
              Tensor mi = max_indices.reshape({max_indices.numel()});
              Tensor col =
                  arange(D, TensorOptions(kLong).device(mi.device())).repeat({max_indices.size(0)});
              Tensor keep = mi >= 0;
              Tensor dst = where(keep, mi * D + col, zeros_like(mi));
              Tensor src = where(keep, go.reshape({go.numel()}), zeros({}, o));
              Tensor flat = zeros({num * D}, o);
              if (num * D > 0) flat = flat.index_add(0, dst, src);
              gw = flat.view({num, D});
            } else {
              Tensor rows = go.index_select(0, o2b);  // [L, D]
              Tensor scale = valid;
              if (has_psw) scale = scale * n.saved(1).to(go.scalar_type());
              if (mode == 1) {
                Tensor cnt = bag_size.index_select(0, o2b).clamp_min(1).to(go.scalar_type());
                scale = scale / cnt;
              }
              if (scale_grad_by_freq) scale = scale / index_counts(idx, num, go.scalar_type());
              if (n.needs_input_grad(0)) {
                gw = zeros({num, D}, o).index_add(0, idx, rows * scale.unsqueeze(1));
              }
              if (has_psw && n.needs_input_grad(1)) {
                Tensor w = n.saved(0).to(go.scalar_type());
                gp = (rows * w.index_select(0, idx)).sum(IntArrayRef{1}) * valid;
              }
            }
            return {gw, gp};
          })) {
    autograd::set_history(out, n);
    n->save(weight);
    if (has_psw) n->save(psw);
  }
  return {out, o2b, bag_size, max_indices};
}

Tensor& embedding_renorm_(Tensor& self, const Tensor& indices, double max_norm, double norm_type) {
  EMBER_CHECK(self.dim() == 2, "[embedding_renorm_] 'self' must be 2-D");
  check_indices(indices, "embedding_renorm_", "indices");
  Tensor idx = flat_indices(indices, self.size(0), "embedding_renorm_");
  std::set<int64_t> uniq(idx.data_ptr<int64_t>(), idx.data_ptr<int64_t>() + idx.numel());
  if (uniq.empty()) return self;
  Tensor u = tensor(std::vector<int64_t>(uniq.begin(), uniq.end()));
  NoGradGuard ng;
  Tensor rows = self.index_select(0, u);
  Tensor norms = rows.norm(norm_type, IntArrayRef{1}, true);
  Tensor scale = where(norms > max_norm, max_norm / (norms + 1e-7), ones_like(norms));
  self.index_copy_(0, u, rows * scale);
  return self;
}

}  // namespace ember

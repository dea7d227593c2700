// Matrix products: mm, bmm, mv, dot, addmm, addmv, baddbmm, addbmm, outer, matmul.
// einsum is in src/ops/einsum.cpp.
#include "ember/ops/linalg.h"

#include "ember/autograd/function_node.h"
#include "ember/autograd/grad_mode.h"
#include "ember/core/wrap_dim.h"
#include "ember/iter/tensor_iterator.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "src/amp/autocast_hook.h"
#include "src/kernels/linalg.h"
#include "src/ops/out_util.h"

namespace ember {

namespace {
void check_same_dtype(const Tensor& a, const Tensor& b, const char* op) {
  EMBER_CHECK(a.device() == b.device(), "[", op,
              "] Expected all tensors to be on the same device, "
              "but found at least two devices, ",
              a.device(), " and ", b.device(), "!");
  EMBER_CHECK(a.dtype() == b.dtype(), "[", op, "] expected scalar type ", toString(a.dtype()),
              " but found ", toString(b.dtype()));
}

void check_mm(const Tensor& a, const Tensor& b, const char* op) {
  EMBER_CHECK(a.dim() == 2, "[", op, "] self must be a matrix");
  EMBER_CHECK(b.dim() == 2, "[", op, "] mat2 must be a matrix");
  EMBER_CHECK(a.size(1) == b.size(0), "[", op, "] mat1 and mat2 shapes cannot be multiplied (",
              a.size(0), "x", a.size(1), " and ", b.size(0), "x", b.size(1), ")");
  check_same_dtype(a, b, op);
}

void check_bmm(const Tensor& a, const Tensor& b, const char* op) {
  EMBER_CHECK(a.dim() == 3, "[", op, "] batch1 must be a 3D tensor");
  EMBER_CHECK(b.dim() == 3, "[", op, "] batch2 must be a 3D tensor");
  EMBER_CHECK(b.size(0) == a.size(0) && b.size(1) == a.size(2), "[", op,
              "] Expected size for first two dimensions of batch2 tensor to be: [", a.size(0), ", ",
              a.size(2), "] but got: [", b.size(0), ", ", b.size(1), "].");
  check_same_dtype(a, b, op);
}

void check_mv(const Tensor& m, const Tensor& v, const char* op) {
  EMBER_CHECK(m.dim() == 2 && v.dim() == 1, "[", op, "] vector + matrix @ vector expected, got ", 1,
              ", ", m.dim(), ", ", v.dim());
  EMBER_CHECK(m.size(1) == v.size(0), "[", op, "] size mismatch, got ", m.size(0), ", ", m.size(0),
              "x", m.size(1), ",", v.size(0));
  check_same_dtype(m, v, op);
}

void check_no_bool(const Tensor& t, const char* op) {
  EMBER_CHECK(t.dtype() != kBool, "[", op, "] \"", op, "\" not implemented for 'Bool'");
}

// grad * s, skipping the multiply when s is 1 (keeps the graph small).
Tensor scale(const Tensor& g, const Scalar& s) { return s.equal(1) ? g : g * s; }

// The gradients of mat1 @ mat2 in the layout of the matrix each is for (PyTorch's
// mm_mat1_backward / mm_mat2_backward): for a column-major operand, such as Linear's weight.t(),
// the product is computed transposed, so the weight's gradient comes out contiguous and needs no
// transposing copy when it becomes .grad.
bool column_major(const Tensor& m) { return m.stride(0) == 1 && m.stride(1) == m.size(0); }
Tensor mm_mat1_grad(const Tensor& g, const Tensor& mat1, const Tensor& mat2) {
  return column_major(mat1) ? mat2.mm(g.t()).t() : g.mm(mat2.t());
}
Tensor mm_mat2_grad(const Tensor& g, const Tensor& mat1, const Tensor& mat2) {
  return column_major(mat2) ? g.t().mm(mat1).t() : mat1.t().mm(g);
}

// nn::Linear's bias and weight gradients (addmm with a bias row, mat2 = weight.t()) from one
// product where the backend fuses them (Note [Bias gradient in the weight product] in
// src/cuda/blas.cpp): mat2_grad = (g^T @ mat1)^T and bias_grad = g.sum(0). False (nothing
// computed) without such a kernel, for other layouts, and when building a graph (create_graph).
bool fused_bias_grad(const Tensor& g, const Tensor& mat1, const Tensor& mat2, Tensor& bias_grad,
                     Tensor& mat2_grad) {
  if (autograd::GradMode::is_enabled() || g.dim() != 2 || !column_major(mat2)) return false;
  GemmBgradFn f = gemm_bgrad_stub.table[static_cast<int>(g.device().type())];
  if (f == nullptr || g.dtype() != mat1.dtype()) return false;
  Tensor gt = g.t();
  Tensor w = make_tensor({gt.size(0), mat1.size(1)}, g.dtype(), g.device());
  Tensor bg = make_tensor({gt.size(0)}, g.dtype(), g.device());
  if (!f(w, gt, mat1, bg)) return false;
  bias_grad = bg;
  mat2_grad = w.t();
  return true;
}

// beta * self (broadcast to `shape`) as a fresh contiguous buffer of `dt`, ready for gemm.
Tensor init_accumulator(const Tensor& self, IntArrayRef shape, ScalarType dt, const Scalar& beta) {
  Tensor out = make_tensor(shape, dt, self.device());
  NoGradGuard ng;
  if (!beta.equal(0)) out.copy_(self.expand(shape));
  return out;
}

Tensor mm_nograd(const Tensor& a, const Tensor& b) {
  Tensor out = make_tensor({a.size(0), b.size(1)}, a.dtype(), a.device());
  check_no_bool(a, "mm");
  gemm_stub.get(a.device().type())(out, a, b, 0, 1);
  return out;
}

// A contiguous tensor of `shape` holding `t`'s (contiguous) data; unlike view() the result is not
// a view, so in-place ops on a matmul result work as in PyTorch (UnsafeViewBackward0).
Tensor unsafe_view(const Tensor& t, IntArrayRef shape) {
  Tensor r(
      make_intrusive<TensorImpl>(t.storage(), t.dtype(), shape, IntArrayRef(), t.storage_offset()));
  if (auto n = autograd::make_node(
          "UnsafeViewBackward0", {t},
          [in = DimVector(t.sizes())](autograd::FunctionNode&, const variable_list& g) {
            return variable_list{g[0].reshape(in)};
          })) {
    autograd::set_history(r, n);
  }
  return r;
}

Tensor bmm_nograd(const Tensor& a, const Tensor& b) {
  Tensor out = make_tensor({a.size(0), a.size(1), b.size(2)}, a.dtype(), a.device());
  check_no_bool(a, "bmm");
  bgemm_stub.get(a.device().type())(out, a, b, 0, 1);
  return out;
}
}  // namespace

Tensor mm(const Tensor& self, const Tensor& mat2) {
  EMBER_AUTOCAST(lower, lower, mm, self, mat2);
  check_mm(self, mat2, "mm");
  Tensor out = mm_nograd(self, mat2);
  if (auto n = autograd::make_node(
          "MmBackward0", {self, mat2}, [](autograd::FunctionNode& n, const variable_list& g) {
            Tensor a = n.saved(0), b = n.saved(1);
            return variable_list{n.needs_input_grad(0) ? mm_mat1_grad(g[0], a, b) : Tensor(),
                                 n.needs_input_grad(1) ? mm_mat2_grad(g[0], a, b) : Tensor()};
          })) {
    autograd::set_history(out, n);
    n->save(self);
    n->save(mat2);
  }
  return out;
}

Tensor bmm(const Tensor& self, const Tensor& mat2) {
  EMBER_AUTOCAST(lower, lower, bmm, self, mat2);
  check_bmm(self, mat2, "bmm");
  Tensor out = bmm_nograd(self, mat2);
  if (auto n = autograd::make_node(
          "BmmBackward0", {self, mat2}, [](autograd::FunctionNode& n, const variable_list& g) {
            Tensor a = n.saved(0), b = n.saved(1);
            return variable_list{n.needs_input_grad(0) ? g[0].bmm(b.transpose(1, 2)) : Tensor(),
                                 n.needs_input_grad(1) ? a.transpose(1, 2).bmm(g[0]) : Tensor()};
          })) {
    autograd::set_history(out, n);
    n->save(self);
    n->save(mat2);
  }
  return out;
}

Tensor mv(const Tensor& self, const Tensor& vec) {
  EMBER_AUTOCAST(none, lower, mv, self, vec);
  check_mv(self, vec, "mv");
  check_no_bool(self, "mv");
  Tensor out = make_tensor({self.size(0)}, self.dtype(), self.device());
  Tensor o2 = make_view(out, {self.size(0), 1}, {1, 1}, 0);
  gemm_stub.get(self.device().type())(o2, self, vec.unsqueeze(1), 0, 1);
  if (auto n = autograd::make_node(
          "MvBackward0", {self, vec}, [](autograd::FunctionNode& n, const variable_list& g) {
            Tensor a = n.saved(0), v = n.saved(1);
            return variable_list{n.needs_input_grad(0) ? outer(g[0], v) : Tensor(),
                                 n.needs_input_grad(1) ? a.t().mv(g[0]) : Tensor()};
          })) {
    autograd::set_history(out, n);
    n->save(self);
    n->save(vec);
  }
  return out;
}

namespace {
// dot and vdot (the same for real tensors), with the op's name and autograd node.
Tensor dot_impl(const Tensor& self, const Tensor& other, const char* op, const char* node) {
  EMBER_CHECK(self.dim() == 1 && other.dim() == 1, "[", op, "] 1D tensors expected, but got ",
              self.dim(), "D and ", other.dim(), "D tensors");
  EMBER_CHECK(self.dtype() == other.dtype(), "[", op, "] ", op,
              " : expected both vectors to have same dtype, but found ", toString(self.dtype()),
              " and ", toString(other.dtype()));
  EMBER_CHECK(self.size(0) == other.size(0), "[", op,
              "] inconsistent tensor size, expected tensor [", self.size(0), "] and src [",
              other.size(0), "] to have the same number of elements, but got ", self.size(0),
              " and ", other.size(0), " elements respectively");
  check_no_bool(self, op);
  Tensor out = make_tensor({}, self.dtype(), self.device());
  Tensor o2 = make_view(out, {1, 1}, {1, 1}, 0);
  gemm_stub.get(self.device().type())(o2, self.unsqueeze(0), other.unsqueeze(1), 0, 1);
  if (auto n = autograd::make_node(
          node, {self, other}, [](autograd::FunctionNode& n, const variable_list& g) {
            Tensor a = n.saved(0), b = n.saved(1);
            return variable_list{n.needs_input_grad(0) ? g[0] * b : Tensor(),
                                 n.needs_input_grad(1) ? g[0] * a : Tensor()};
          })) {
    autograd::set_history(out, n);
    n->save(self);
    n->save(other);
  }
  return out;
}

}  // namespace

Tensor dot(const Tensor& self, const Tensor& other) {
  EMBER_AUTOCAST(fallthrough, promote, dot, self, other);
  return dot_impl(self, other, "dot", "DotBackward0");
}
Tensor vdot(const Tensor& self, const Tensor& other) {
  return dot_impl(self, other, "vdot", "VdotBackward0");
}

Tensor outer(const Tensor& self, const Tensor& vec2) {
  EMBER_CHECK(self.dim() == 1, "[outer] outer: Expected 1-D argument self, but got ", self.dim(),
              "-D");
  EMBER_CHECK(vec2.dim() == 1, "[outer] outer: Expected 1-D argument vec2, but got ", vec2.dim(),
              "-D");
  return self.reshape({-1, 1}) * vec2;
}
Tensor ger(const Tensor& self, const Tensor& vec2) { return outer(self, vec2); }

Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta,
             const Scalar& alpha) {
  EMBER_AUTOCAST(lower, lower, addmm, self, mat1, mat2, beta, alpha);
  check_mm(mat1, mat2, "addmm");
  EMBER_CHECK(self.dtype() == mat2.dtype(), "[addmm] self and mat2 must have the same dtype");
  check_no_bool(mat1, "addmm");
  Tensor out;
  if (beta.equal(1) && self.dim() == 1 && self.size(0) == mat2.size(1) && mat2.size(1) > 1 &&
      self.device() == mat1.device()) {
    // A bias row (nn.Linear): added by the product's epilogue where the backend has one.
    out = make_tensor({mat1.size(0), mat2.size(1)}, mat1.dtype(), mat1.device());
    gemm_bias_stub.get(mat1.device().type())(out, mat1, mat2, self, alpha);
  } else {
    out = init_accumulator(self, {mat1.size(0), mat2.size(1)}, mat1.dtype(), beta);
    gemm_stub.get(mat1.device().type())(out, mat1, mat2, beta, alpha);
  }
  if (auto n = autograd::make_node(
          "AddmmBackward0", {self, mat1, mat2},
          [beta, alpha, s = DimVector(self.sizes())](autograd::FunctionNode& n,
                                                     const variable_list& g) {
            Tensor a = n.saved(0), b = n.saved(1);
            if (s.size() == 1 && s[0] == g[0].size(-1) && beta.equal(1) && alpha.equal(1) &&
                n.needs_input_grad(0) && n.needs_input_grad(2)) {
              Tensor bias_grad, mat2_grad;
              if (fused_bias_grad(g[0], a, b, bias_grad, mat2_grad)) {
                return variable_list{bias_grad,
                                     n.needs_input_grad(1) ? mm_mat1_grad(g[0], a, b) : Tensor(),
                                     mat2_grad};
              }
            }
            return variable_list{
                n.needs_input_grad(0) ? autograd::sum_to(scale(g[0], beta), s) : Tensor(),
                n.needs_input_grad(1) ? scale(mm_mat1_grad(g[0], a, b), alpha) : Tensor(),
                n.needs_input_grad(2) ? scale(mm_mat2_grad(g[0], a, b), alpha) : Tensor()};
          })) {
    autograd::set_history(out, n);
    n->save(mat1);
    n->save(mat2);
  }
  return out;
}

Tensor addmv(const Tensor& self, const Tensor& mat, const Tensor& vec, const Scalar& beta,
             const Scalar& alpha) {
  EMBER_AUTOCAST(none, lower, addmv, self, mat, vec, beta, alpha);
  check_mv(mat, vec, "addmv");
  EMBER_CHECK(self.dtype() == mat.dtype(), "[addmv] expected scalar type ", toString(mat.dtype()),
              " but found ", toString(self.dtype()));
  check_no_bool(mat, "addmv");
  Tensor out = init_accumulator(self, {mat.size(0)}, mat.dtype(), beta);
  Tensor o2 = make_view(out, {mat.size(0), 1}, {1, 1}, 0);
  gemm_stub.get(mat.device().type())(o2, mat, vec.unsqueeze(1), beta, alpha);
  if (auto n = autograd::make_node(
          "AddmvBackward0", {self, mat, vec},
          [beta, alpha, s = DimVector(self.sizes())](autograd::FunctionNode& n,
                                                     const variable_list& g) {
            Tensor m = n.saved(0), v = n.saved(1);
            return variable_list{
                n.needs_input_grad(0) ? autograd::sum_to(scale(g[0], beta), s) : Tensor(),
                n.needs_input_grad(1) ? scale(outer(g[0], v), alpha) : Tensor(),
                n.needs_input_grad(2) ? scale(m.t().mv(g[0]), alpha) : Tensor()};
          })) {
    autograd::set_history(out, n);
    n->save(mat);
    n->save(vec);
  }
  return out;
}

Tensor baddbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
               const Scalar& alpha) {
  EMBER_AUTOCAST(lower, lower, baddbmm, self, batch1, batch2, beta, alpha);
  check_bmm(batch1, batch2, "baddbmm");
  EMBER_CHECK(self.dtype() == batch1.dtype(), "[baddbmm] expected scalar type ",
              toString(batch1.dtype()), " but found ", toString(self.dtype()));
  check_no_bool(batch1, "baddbmm");
  Tensor out = init_accumulator(self, {batch1.size(0), batch1.size(1), batch2.size(2)},
                                batch1.dtype(), beta);
  bgemm_stub.get(batch1.device().type())(out, batch1, batch2, beta, alpha);
  if (auto n = autograd::make_node(
          "BaddbmmBackward0", {self, batch1, batch2},
          [beta, alpha, s = DimVector(self.sizes())](autograd::FunctionNode& n,
                                                     const variable_list& g) {
            Tensor a = n.saved(0), b = n.saved(1);
            return variable_list{
                n.needs_input_grad(0) ? autograd::sum_to(scale(g[0], beta), s) : Tensor(),
                n.needs_input_grad(1) ? scale(g[0].bmm(b.transpose(1, 2)), alpha) : Tensor(),
                n.needs_input_grad(2) ? scale(a.transpose(1, 2).bmm(g[0]), alpha) : Tensor()};
          })) {
    autograd::set_history(out, n);
    n->save(batch1);
    n->save(batch2);
  }
  return out;
}

Tensor addbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
              const Scalar& alpha) {
  EMBER_AUTOCAST(lower, lower, addbmm, self, batch1, batch2, beta, alpha);
  check_bmm(batch1, batch2, "addbmm");
  EMBER_CHECK(self.dtype() == batch1.dtype(), "[addbmm] expected scalar type ",
              toString(batch1.dtype()), " but found ", toString(self.dtype()));
  Tensor out;
  {
    NoGradGuard ng;
    // Sum over the batch = one gemm of [m, B*k] @ [B*k, n].
    Tensor a = batch1.transpose(0, 1).reshape({batch1.size(1), -1});
    Tensor b = batch2.reshape({-1, batch2.size(2)});
    out = addmm(self.expand({batch1.size(1), batch2.size(2)}), a, b, beta, alpha);
  }
  if (auto n = autograd::make_node(
          "AddbmmBackward0", {self, batch1, batch2},
          [beta, alpha, s = DimVector(self.sizes())](autograd::FunctionNode& n,
                                                     const variable_list& g) {
            Tensor a = n.saved(0), b = n.saved(1);
            Tensor gb = g[0].unsqueeze(0).expand({a.size(0), g[0].size(0), g[0].size(1)});
            return variable_list{
                n.needs_input_grad(0) ? autograd::sum_to(scale(g[0], beta), s) : Tensor(),
                n.needs_input_grad(1) ? scale(gb.bmm(b.transpose(1, 2)), alpha) : Tensor(),
                n.needs_input_grad(2) ? scale(a.transpose(1, 2).bmm(gb), alpha) : Tensor()};
          })) {
    autograd::set_history(out, n);
    n->save(batch1);
    n->save(batch2);
  }
  return out;
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  EMBER_AUTOCAST(lower, lower, matmul, a, b);
  int64_t da = a.dim(), db = b.dim();
  EMBER_CHECK(da >= 1 && db >= 1,
              "[matmul] both arguments to matmul need to be at least 1D, but "
              "they are ",
              da, "D and ", db, "D");
  if (da == 1 && db == 1) return dot(a, b);
  if (da == 2 && db == 1) return mv(a, b);
  if (da == 1 && db == 2) return mm(a.unsqueeze(0), b).squeeze(0);
  if (da == 2 && db == 2) return mm(a, b);
  if (da >= 3 && (db == 1 || db == 2)) {
    // Fold the batch into the rows: [..., n, k] @ [k, m] is one mm.
    DimVector out_shape(a.sizes().slice(0, static_cast<size_t>(da - 1)));
    Tensor b2 = db == 1 ? b.unsqueeze(1) : b;
    if (db == 2) out_shape.push_back(b.size(1));
    Tensor folded = a.reshape({-1, a.size(-1)});
    return unsafe_view(mm(folded, b2), out_shape);
  }
  // Batched: broadcast the batch dims, then one bmm.
  int64_t n = da > 1 ? a.size(-2) : 1, m1 = a.size(-1);
  int64_t m2 = db > 1 ? b.size(-2) : b.size(-1), p = db > 1 ? b.size(-1) : 1;
  IntArrayRef ba = a.sizes().slice(0, static_cast<size_t>(std::max<int64_t>(da - 2, 0)));
  IntArrayRef bb = b.sizes().slice(0, static_cast<size_t>(std::max<int64_t>(db - 2, 0)));
  DimVector batch = infer_size(ba, bb, "matmul");
  int64_t nb = 1;
  for (int64_t s : batch) nb *= s;
  DimVector ea(batch), eb(batch);
  ea.push_back(n);
  ea.push_back(m1);
  eb.push_back(m2);
  eb.push_back(p);
  Tensor a3 = (da == 1 ? a.unsqueeze(0) : a).expand(ea).reshape({nb, n, m1});
  Tensor b3 = (db == 1 ? b.unsqueeze(1) : b).expand(eb).reshape({nb, m2, p});
  DimVector out_shape(batch);
  if (da > 1) out_shape.push_back(n);
  if (db > 1) out_shape.push_back(p);
  return unsafe_view(bmm(a3, b3), out_shape);
}

Tensor tensordot(const Tensor& self, const Tensor& other, IntArrayRef dims_self,
                 IntArrayRef dims_other) {
  EMBER_AUTOCAST(fallthrough, promote, tensordot, self, other, dims_self, dims_other);
  EMBER_CHECK(dims_self.size() == dims_other.size(),
              "[tensordot] both dimension lists should "
              "have same length");
  auto seen_a = dim_list_to_bitset(dims_self, self.dim(), "tensordot");
  auto seen_b = dim_list_to_bitset(dims_other, other.dim(), "tensordot");
  // [free_a..., contracted] @ [contracted, free_b...] as one mm.
  std::vector<int64_t> pa, pb;
  DimVector out_shape;
  int64_t m = 1, k = 1, n = 1;
  for (int64_t i = 0; i < self.dim(); ++i) {
    if (seen_a[i]) continue;
    pa.push_back(i);
    out_shape.push_back(self.size(i));
    m *= self.size(i);
  }
  for (size_t i = 0; i < dims_self.size(); ++i) {
    int64_t da = maybe_wrap_dim(dims_self[i], self.dim());
    int64_t db = maybe_wrap_dim(dims_other[i], other.dim());
    EMBER_CHECK(self.size(da) == other.size(db),
                "[tensordot] contracted dimensions need to "
                "match, but first has size ",
                self.size(da), " in dim ", da, " and second has size ", other.size(db), " in dim ",
                db);
    pa.push_back(da);
    pb.push_back(db);
    k *= self.size(da);
  }
  for (int64_t i = 0; i < other.dim(); ++i) {
    if (seen_b[i]) continue;
    pb.push_back(i);
    out_shape.push_back(other.size(i));
    n *= other.size(i);
  }
  Tensor r = mm(self.permute(pa).reshape({m, k}), other.permute(pb).reshape({k, n}));
  return r.reshape(out_shape);
}

Tensor inner(const Tensor& self, const Tensor& other) {
  if (self.dim() == 0 || other.dim() == 0) return self * other;
  EMBER_CHECK(self.size(-1) == other.size(-1),
              "[inner] inner() the last dimension must match on "
              "both input tensors but got shapes ",
              self.sizes(), " and ", other.sizes());
  return tensordot(self, other, {-1}, {-1});
}

Tensor kron(const Tensor& self, const Tensor& other) {
  int64_t nd = std::max(self.dim(), other.dim());
  // a viewed as [a0, 1, a1, 1, ...] times b as [1, b0, 1, b1, ...] interleaves the products.
  DimVector sa, sb, out;
  for (int64_t i = 0; i < nd; ++i) {
    int64_t ia = i - (nd - self.dim()), ib = i - (nd - other.dim());
    int64_t a = ia >= 0 ? self.size(ia) : 1, b = ib >= 0 ? other.size(ib) : 1;
    sa.push_back(a);
    sa.push_back(1);
    sb.push_back(1);
    sb.push_back(b);
    out.push_back(a * b);
  }
  return (self.reshape(sa) * other.reshape(sb)).reshape(out);
}

namespace {
// out= variants: computed without autograd, then written into `out` (same dtype, resized if
// needed).
Tensor& write_out(Tensor& out, const std::function<Tensor()>& compute, const char* op,
                  std::initializer_list<Tensor> inputs) {
  out_util::check_no_grad(op, inputs);
  out_util::check_no_grad(op, {out});
  return out_util::assign(out, compute(), op, /*exact=*/true);
}
}  // namespace

Tensor& mm_out(Tensor& out, const Tensor& self, const Tensor& mat2) {
  return write_out(out, [&] { return mm(self, mat2); }, "mm", {self, mat2});
}
Tensor& bmm_out(Tensor& out, const Tensor& self, const Tensor& mat2) {
  return write_out(out, [&] { return bmm(self, mat2); }, "bmm", {self, mat2});
}
Tensor& mv_out(Tensor& out, const Tensor& self, const Tensor& vec) {
  return write_out(out, [&] { return mv(self, vec); }, "mv", {self, vec});
}
Tensor& dot_out(Tensor& out, const Tensor& self, const Tensor& other) {
  return write_out(out, [&] { return dot(self, other); }, "dot", {self, other});
}
Tensor& outer_out(Tensor& out, const Tensor& self, const Tensor& vec2) {
  return write_out(out, [&] { return outer(self, vec2); }, "outer", {self, vec2});
}
Tensor& matmul_out(Tensor& out, const Tensor& self, const Tensor& other) {
  return write_out(out, [&] { return matmul(self, other); }, "matmul", {self, other});
}
Tensor& addmm_out(Tensor& out, const Tensor& self, const Tensor& mat1, const Tensor& mat2,
                  const Scalar& beta, const Scalar& alpha) {
  return write_out(out, [&] { return addmm(self, mat1, mat2, beta, alpha); }, "addmm",
                   {self, mat1, mat2});
}
Tensor& addmv_out(Tensor& out, const Tensor& self, const Tensor& mat, const Tensor& vec,
                  const Scalar& beta, const Scalar& alpha) {
  return write_out(out, [&] { return addmv(self, mat, vec, beta, alpha); }, "addmv",
                   {self, mat, vec});
}
Tensor& baddbmm_out(Tensor& out, const Tensor& self, const Tensor& batch1, const Tensor& batch2,
                    const Scalar& beta, const Scalar& alpha) {
  return write_out(out, [&] { return baddbmm(self, batch1, batch2, beta, alpha); }, "baddbmm",
                   {self, batch1, batch2});
}
Tensor& addbmm_out(Tensor& out, const Tensor& self, const Tensor& batch1, const Tensor& batch2,
                   const Scalar& beta, const Scalar& alpha) {
  return write_out(out, [&] { return addbmm(self, batch1, batch2, beta, alpha); }, "addbmm",
                   {self, batch1, batch2});
}

Tensor Tensor::mm(const Tensor& mat2) const { return ::ember::mm(*this, mat2); }
Tensor Tensor::bmm(const Tensor& mat2) const { return ::ember::bmm(*this, mat2); }
Tensor Tensor::mv(const Tensor& vec) const { return ::ember::mv(*this, vec); }
Tensor Tensor::dot(const Tensor& other) const { return ::ember::dot(*this, other); }
Tensor Tensor::vdot(const Tensor& other) const { return ::ember::vdot(*this, other); }
Tensor Tensor::outer(const Tensor& vec2) const { return ::ember::outer(*this, vec2); }
Tensor Tensor::ger(const Tensor& vec2) const { return ::ember::outer(*this, vec2); }
Tensor Tensor::inner(const Tensor& other) const { return ::ember::inner(*this, other); }
Tensor Tensor::kron(const Tensor& other) const { return ::ember::kron(*this, other); }
Tensor Tensor::matmul(const Tensor& other) const { return ::ember::matmul(*this, other); }
Tensor Tensor::addmm(const Tensor& mat1, const Tensor& mat2, const Scalar& beta,
                     const Scalar& alpha) const {
  return ::ember::addmm(*this, mat1, mat2, beta, alpha);
}
Tensor Tensor::addmv(const Tensor& mat, const Tensor& vec, const Scalar& beta,
                     const Scalar& alpha) const {
  return ::ember::addmv(*this, mat, vec, beta, alpha);
}
Tensor Tensor::baddbmm(const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
                       const Scalar& alpha) const {
  return ::ember::baddbmm(*this, batch1, batch2, beta, alpha);
}
Tensor Tensor::addbmm(const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
                      const Scalar& alpha) const {
  return ::ember::addbmm(*this, batch1, batch2, beta, alpha);
}
// In place: computed out of place, then written back (see Note [In-place autograd]).
#define EMBER_LINALG_INPLACE(name, A, B)                                                \
  Tensor& Tensor::name##_(const Tensor& a, const Tensor& b, const Scalar& beta,         \
                          const Scalar& alpha) const {                                  \
    return autograd::apply_inplace(                                                     \
        self(), a.requires_grad() || b.requires_grad(), #name "_",                      \
        [&](const Tensor& s) { return ::ember::name(s, a, b, beta, alpha); },           \
        [&] {                                                                           \
          Tensor r = ::ember::name(*this, a, b, beta, alpha);                           \
          EMBER_CHECK(r.sizes() == sizes(), "[" #name "_] output with shape ", sizes(), \
                      " doesn't match the broadcast shape ", r.sizes());                \
          copy_(r);                                                                     \
        });                                                                             \
  }
EMBER_LINALG_INPLACE(addmm, mat1, mat2)
EMBER_LINALG_INPLACE(addmv, mat, vec)
EMBER_LINALG_INPLACE(baddbmm, batch1, batch2)
EMBER_LINALG_INPLACE(addbmm, batch1, batch2)
#undef EMBER_LINALG_INPLACE

}  // namespace ember

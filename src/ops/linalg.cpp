// mm and matmul.
#include "ember/ops/linalg.h"

#include "ember/autograd/function_node.h"
#include "ember/ops/factory.h"
#include "ember/ops/shape.h"
#include "src/kernels/linalg.h"

namespace ember {

namespace {
void check_mm(const Tensor& a, const Tensor& b, const char* op) {
  EMBER_CHECK(a.dim() == 2, "[", op, "] self must be a matrix");
  EMBER_CHECK(b.dim() == 2, "[", op, "] mat2 must be a matrix");
  EMBER_CHECK(a.size(1) == b.size(0), "[", op, "] mat1 and mat2 shapes cannot be multiplied (",
              a.size(0), "x", a.size(1), " and ", b.size(0), "x", b.size(1), ")");
  EMBER_CHECK(a.dtype() == b.dtype(), "[", op, "] expected mat1 and mat2 to have the same dtype, "
              "but got: ", dtype_name(a.dtype()), " != ", dtype_name(b.dtype()));
}
}  // namespace

Tensor& mm_out(Tensor& out, const Tensor& self, const Tensor& mat2) {
  check_mm(self, mat2, "mm");
  if (out.sizes() != IntArrayRef({self.size(0), mat2.size(1)})) out.resize_({self.size(0), mat2.size(1)});
  EMBER_CHECK(out.dtype() == self.dtype(), "[mm] expected out to have dtype ",
              toString(self.dtype()));
  Tensor o = out.is_contiguous() ? out : make_tensor(out.sizes(), out.dtype(), out.device());
  gemm_stub.get(self.device().type())(o, self, mat2, 0, 1);
  if (!o.is_same(out)) out.copy_(o);
  return out;
}

Tensor mm(const Tensor& self, const Tensor& mat2) {
  check_mm(self, mat2, "mm");
  Tensor out = make_tensor({self.size(0), mat2.size(1)}, self.dtype(), self.device());
  gemm_stub.get(self.device().type())(out, self, mat2, 0, 1);
  if (auto n = autograd::make_node("MmBackward0", {self, mat2},
                                   [](autograd::FunctionNode& n, const variable_list& g) {
                                     Tensor a = n.saved(0), b = n.saved(1);
                                     return variable_list{
                                         n.needs_input_grad(0) ? g[0].mm(b.t()) : Tensor(),
                                         n.needs_input_grad(1) ? a.t().mm(g[0]) : Tensor()};
                                   })) {
    autograd::set_history(out, n);
    n->save(self);
    n->save(mat2);
  }
  return out;
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.dim() >= 1 && b.dim() >= 1, "[matmul] both arguments to matmul need to be at "
              "least 1D, but they are ", a.dim(), "D and ", b.dim(), "D");
  if (a.dim() == 2 && b.dim() == 2) return mm(a, b);
  if (a.dim() == 1 && b.dim() == 1) {
    EMBER_CHECK(a.size(0) == b.size(0), "[matmul] inconsistent tensor size, expected tensor [",
                a.size(0), "] and src [", b.size(0), "] to have the same number of elements");
    return mm(a.unsqueeze(0), b.unsqueeze(1)).squeeze();
  }
  if (a.dim() == 2 && b.dim() == 1) return mm(a, b.unsqueeze(1)).squeeze(1);
  if (a.dim() == 1 && b.dim() == 2) return mm(a.unsqueeze(0), b).squeeze(0);
  if (a.dim() >= 3 && b.dim() <= 2) {
    // Fold batch into rows: [..., n, k] @ [k, m].
    Tensor b2 = b.dim() == 1 ? b.unsqueeze(1) : b;
    DimVector out_shape(a.sizes().slice(0, a.dim() - 1));
    if (b.dim() == 2) out_shape.push_back(b.size(1));
    Tensor r = mm(a.reshape({-1, a.size(-1)}), b2);
    return r.view(out_shape);
  }
  EMBER_ERROR("[matmul] batched matmul of shapes ", a.sizes(), " and ", b.sizes(),
              " is not implemented yet");
}

Tensor Tensor::mm(const Tensor& mat2) const { return ::ember::mm(*this, mat2); }
Tensor Tensor::matmul(const Tensor& other) const { return ::ember::matmul(*this, other); }

}  // namespace ember

// Composite shape ops built from the views and copies: tensor_split, h/v/dsplit, narrow_copy,
// rot90, fliplr/flipud, atleast_Nd, and the in-place geometry ops (t_, squeeze_, unsqueeze_).
#include "ember/autograd/grad_mode.h"
#include "ember/core/wrap_dim.h"
#include "ember/ops/shape.h"

namespace ember {

std::vector<Tensor> tensor_split(const Tensor& self, int64_t sections, int64_t dim) {
  EMBER_CHECK(self.dim() > 0,
              "[tensor_split] tensor_split expected at least a 1-dimensional "
              "tensor, but got a tensor with ",
              self.dim(), " dims");
  EMBER_CHECK(sections > 0, "[tensor_split] number of sections must be larger than 0, got ",
              sections);
  int64_t d = maybe_wrap_dim(dim, self.dim());
  int64_t n = self.size(d);
  // The first n % sections pieces get one extra element, as numpy.array_split.
  int64_t base = n / sections, extra = n % sections, start = 0;
  std::vector<Tensor> out;
  for (int64_t i = 0; i < sections; ++i) {
    int64_t len = base + (i < extra ? 1 : 0);
    out.push_back(self.slice(d, start, start + len));
    start += len;
  }
  return out;
}

std::vector<Tensor> tensor_split(const Tensor& self, IntArrayRef indices, int64_t dim) {
  EMBER_CHECK(self.dim() > 0,
              "[tensor_split] tensor_split expected at least a 1-dimensional "
              "tensor, but got a tensor with ",
              self.dim(), " dims");
  int64_t d = maybe_wrap_dim(dim, self.dim());
  std::vector<Tensor> out;
  int64_t start = 0;
  for (int64_t idx : indices) {
    out.push_back(self.slice(d, start, idx));
    start = idx;
  }
  out.push_back(self.slice(d, start));
  return out;
}

namespace {
std::vector<Tensor> split_dim(const Tensor& self, int64_t sections, int64_t d, const char* op) {
  EMBER_CHECK(sections != 0 && self.size(d) % sections == 0, "[", op, "] torch.", op,
              " attempted to split along dimension ", d, ", but the size of the dimension ",
              self.size(d), " is not divisible by the split_size ", sections, "!");
  return tensor_split(self, sections, d);
}
void check_min_dims(const Tensor& self, int64_t n, const char* op) {
  EMBER_CHECK(self.dim() >= n, "[", op, "] torch.", op, " requires a tensor with at least ", n,
              " dimension, but got a tensor with ", self.dim(), " dimensions!");
}
}  // namespace

std::vector<Tensor> hsplit(const Tensor& self, int64_t sections) {
  check_min_dims(self, 1, "hsplit");
  return split_dim(self, sections, self.dim() == 1 ? 0 : 1, "hsplit");
}
std::vector<Tensor> vsplit(const Tensor& self, int64_t sections) {
  check_min_dims(self, 2, "vsplit");
  return split_dim(self, sections, 0, "vsplit");
}
std::vector<Tensor> dsplit(const Tensor& self, int64_t sections) {
  check_min_dims(self, 3, "dsplit");
  return split_dim(self, sections, 2, "dsplit");
}
std::vector<Tensor> hsplit(const Tensor& self, IntArrayRef indices) {
  check_min_dims(self, 1, "hsplit");
  return tensor_split(self, indices, self.dim() == 1 ? 0 : 1);
}
std::vector<Tensor> vsplit(const Tensor& self, IntArrayRef indices) {
  check_min_dims(self, 2, "vsplit");
  return tensor_split(self, indices, 0);
}
std::vector<Tensor> dsplit(const Tensor& self, IntArrayRef indices) {
  check_min_dims(self, 3, "dsplit");
  return tensor_split(self, indices, 2);
}

Tensor narrow_copy(const Tensor& self, int64_t dim, int64_t start, int64_t length) {
  return self.narrow(dim, start, length).clone(MemoryFormat::Contiguous);  // as PyTorch
}

Tensor rot90(const Tensor& self, int64_t k, IntArrayRef dims) {
  EMBER_CHECK(dims.size() == 2,
              "[rot90] expected total rotation dims == 2, but got dims = ", dims.size());
  EMBER_CHECK(self.dim() >= 2,
              "[rot90] expected total dims >= 2, but got total dims = ", self.dim());
  int64_t a = maybe_wrap_dim(dims[0], self.dim()), b = maybe_wrap_dim(dims[1], self.dim());
  EMBER_CHECK(a != b, "[rot90] expected rotation dims to be different, but got dim0 = ", a,
              " and dim1 = ", b);
  switch (((k % 4) + 4) % 4) {
    case 1:
      return self.flip({b}).transpose(a, b);
    case 2:
      return self.flip({a, b});
    case 3:
      return self.flip({a}).transpose(a, b);
    default:
      return self.clone(MemoryFormat::Contiguous);  // as PyTorch
  }
}

Tensor fliplr(const Tensor& self) {
  EMBER_CHECK(self.dim() >= 2, "[fliplr] Input must be >= 2-d.");
  return self.flip({1});
}
Tensor flipud(const Tensor& self) {
  EMBER_CHECK(self.dim() >= 1, "[flipud] Input must be >= 1-d.");
  return self.flip({0});
}

Tensor atleast_1d(const Tensor& self) { return self.dim() >= 1 ? self : self.reshape({1}); }
Tensor atleast_2d(const Tensor& self) {
  if (self.dim() >= 2) return self;
  return self.dim() == 0 ? self.reshape({1, 1}) : self.unsqueeze(0);
}
Tensor atleast_3d(const Tensor& self) {
  if (self.dim() >= 3) return self;
  if (self.dim() == 0) return self.reshape({1, 1, 1});
  if (self.dim() == 1) return self.unsqueeze(0).unsqueeze(-1);
  return self.unsqueeze(-1);
}

std::vector<Tensor> Tensor::tensor_split(int64_t sections, int64_t dim) const {
  return ::ember::tensor_split(*this, sections, dim);
}
std::vector<Tensor> Tensor::tensor_split(IntArrayRef indices, int64_t dim) const {
  return ::ember::tensor_split(*this, indices, dim);
}
std::vector<Tensor> Tensor::hsplit(int64_t sections) const {
  return ::ember::hsplit(*this, sections);
}
std::vector<Tensor> Tensor::vsplit(int64_t sections) const {
  return ::ember::vsplit(*this, sections);
}
std::vector<Tensor> Tensor::dsplit(int64_t sections) const {
  return ::ember::dsplit(*this, sections);
}
std::vector<Tensor> Tensor::hsplit(IntArrayRef indices) const {
  return ::ember::hsplit(*this, indices);
}
std::vector<Tensor> Tensor::vsplit(IntArrayRef indices) const {
  return ::ember::vsplit(*this, indices);
}
std::vector<Tensor> Tensor::dsplit(IntArrayRef indices) const {
  return ::ember::dsplit(*this, indices);
}
Tensor Tensor::narrow_copy(int64_t dim, int64_t start, int64_t length) const {
  return ::ember::narrow_copy(*this, dim, start, length);
}
Tensor Tensor::rot90(int64_t k, IntArrayRef dims) const { return ::ember::rot90(*this, k, dims); }
Tensor Tensor::fliplr() const { return ::ember::fliplr(*this); }
Tensor Tensor::flipud() const { return ::ember::flipud(*this); }

// In-place geometry changes: no data moves, only sizes and strides (as transpose_). Their
// autograd (rebasing the history) is not implemented, so refuse rather than drop gradients.
namespace {
void check_no_grad_geometry(const Tensor& t, const char* op) {
  EMBER_CHECK(!(autograd::GradMode::is_enabled() && t.requires_grad()), "[", op,
              "] in-place "
              "shape changes of tensors that require grad are not supported yet; use the "
              "out-of-place op");
}
}  // namespace

Tensor& Tensor::t_() const {
  check_no_grad_geometry(*this, "t_");
  EMBER_CHECK(dim() <= 2, "[t_] t_() expects a tensor with <= 2 dimensions, but self is ", dim(),
              "D");
  return dim() < 2 ? self() : transpose_(0, 1);
}
Tensor& Tensor::squeeze_() const {
  check_no_grad_geometry(*this, "squeeze_");
  Tensor r = ::ember::squeeze(detach());
  impl()->set_sizes_and_strides(r.sizes(), r.strides(), r.storage_offset());
  return self();
}
Tensor& Tensor::squeeze_(int64_t dim) const {
  check_no_grad_geometry(*this, "squeeze_");
  Tensor r = ::ember::squeeze(detach(), dim);
  impl()->set_sizes_and_strides(r.sizes(), r.strides(), r.storage_offset());
  return self();
}
Tensor& Tensor::unsqueeze_(int64_t dim) const {
  check_no_grad_geometry(*this, "unsqueeze_");
  Tensor r = ::ember::unsqueeze(detach(), dim);
  impl()->set_sizes_and_strides(r.sizes(), r.strides(), r.storage_offset());
  return self();
}

}  // namespace ember

// copy_, fill_, zero_, clone, contiguous, to, resize_, set_.
#include "src/kernels/copy.h"
#include "ember/autograd/function_node.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "src/core/cuda_hooks.h"

namespace ember {

namespace {
void copy_no_grad(Tensor& self, const Tensor& src, bool non_blocking = false) {
  if (self.numel() == 0) return;
  if (self.is_same(src)) return;
  if (self.device() != src.device()) {
    detail::cuda_copy_across_devices(self, src, non_blocking);
    return;
  }
  IterConfig c;
  c.op = "copy_";
  c.output = OutputDtype::Keep;
  c.compute_dtype = src.dtype();
  c.is_inplace = true;
  // src broadcasts to self's shape; the iterator only broadcasts inputs against each other.
  Tensor s = src.sizes() == self.sizes() ? src : src.expand(self.sizes());
  TensorIterator it = TensorIterator::build(c, self, {s});
  copy_stub.get(self.device().type())(it);
}
}  // namespace

Tensor& Tensor::copy_(const Tensor& src, bool non_blocking) const {
  EMBER_CHECK(src.defined(), "[copy_] source tensor is undefined");
  infer_size(sizes(), src.sizes(), "copy_");
  // An integer self takes no history: only floating tensors can require grad.
  bool grad = autograd::GradMode::is_enabled() && (requires_grad() || src.requires_grad()) &&
              isFloatingType(dtype());
  if (!grad) {
    copy_no_grad(self(), src, non_blocking);
    bump_version();
    return self();
  }
  DimVector src_shape(src.sizes());
  ScalarType src_dtype = src.dtype();
  return autograd::apply_inplace(
      self(), src.requires_grad(), "copy_",
      [&](const Tensor& self_copy) {
        Tensor out = make_tensor(sizes(), dtype(), device());
        {
          NoGradGuard ng;
          copy_no_grad(out, src);
        }
        if (auto n = autograd::make_node(
                "CopyBackwards", {self_copy, src},
                [src_shape, src_dtype](autograd::FunctionNode&, const variable_list& g) {
                  return variable_list{zeros_like(g[0]),
                                       autograd::sum_to(g[0], src_shape).to(src_dtype)};
                })) {
          autograd::set_history(out, n);
        }
        return out;
      },
      [] {});
}

namespace {
// fill_ and zero_: like PyTorch, a tensor with history keeps it, through a node whose gradient
// is zero (the old values no longer contribute).
Tensor& fill_impl(Tensor& self, const Scalar& value, const char* node) {
  auto direct = [&] {
    if (self.numel() == 0) return;
    TensorIterator it = TensorIterator::nullary_op(self);
    fill_stub.get(self.device().type())(it, value);
  };
  return autograd::apply_inplace(
      self, false, "fill_",
      [&](const Tensor& self_copy) {
        Tensor out = make_tensor(self.sizes(), self.dtype(), self.device());
        {
          NoGradGuard ng;
          out.fill_(value);
        }
        if (auto n = autograd::make_node(node, {self_copy},
                                         [](autograd::FunctionNode&, const variable_list& g) {
                                           return variable_list{zeros_like(g[0])};
                                         })) {
          autograd::set_history(out, n);
        }
        return out;
      },
      direct);
}
}  // namespace

Tensor& Tensor::fill_(const Scalar& value) const {
  return fill_impl(self(), value, "FillBackward2");
}

Tensor& Tensor::fill_(const Tensor& value) const {
  EMBER_CHECK(value.dim() == 0,
              "[fill_] fill_ only supports 0-dimension value tensor but got "
              "tensor with ",
              value.dim(), " dimensions.");
  return fill_(value.item());
}

Tensor& Tensor::zero_() const { return fill_impl(self(), 0, "ZeroBackward0"); }

// clone/contiguous/to allocate like empty_like: MemoryFormat::Preserve (the default) keeps a
// dense input's strides.
Tensor Tensor::clone(std::optional<MemoryFormat> fmt) const {
  Tensor out = is_contiguous() &&
                       (!fmt || *fmt == MemoryFormat::Preserve || *fmt == MemoryFormat::Contiguous)
                   ? make_tensor(sizes(), dtype(), device())
                   : empty_like(*this, {}, fmt.value_or(MemoryFormat::Preserve));
  {
    NoGradGuard ng;
    copy_no_grad(out, *this);
  }
  if (auto n = autograd::make_node(
          "CloneBackward0", {*this},
          [](autograd::FunctionNode&, const variable_list& g) { return variable_list{g[0]}; })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor Tensor::contiguous(MemoryFormat fmt) const {
  EMBER_CHECK(fmt != MemoryFormat::Preserve,
              "[contiguous] preserve memory format is unsupported by the contiguous operator");
  if (is_contiguous(fmt)) return *this;
  return clone(fmt);
}

Tensor Tensor::to(ScalarType dt, bool non_blocking, bool copy,
                  std::optional<MemoryFormat> fmt) const {
  return to(TensorOptions().dtype(dt), non_blocking, copy, fmt);
}
Tensor Tensor::to(Device d, ScalarType dt, bool non_blocking, bool copy,
                  std::optional<MemoryFormat> fmt) const {
  return to(TensorOptions().device(d).dtype(dt), non_blocking, copy, fmt);
}
Tensor Tensor::to(const Tensor& other, bool non_blocking, bool copy,
                  std::optional<MemoryFormat> fmt) const {
  return to(other.options(), non_blocking, copy, fmt);
}
Tensor Tensor::to(const TensorOptions& o, bool non_blocking, bool copy,
                  std::optional<MemoryFormat> fmt) const {
  ScalarType dt = o.dtype_opt().value_or(dtype());
  Device dev = o.device_opt().value_or(device());
  if (dev.is_cuda() && !dev.has_index()) {
    if (is_cuda()) {
      dev = device();
    } else {
      detail::cuda_allocator(dev);  // resolves the current device (or throws without one)
    }
  }
  if (dt == dtype() && dev == device() && !copy &&
      (!fmt || *fmt == MemoryFormat::Preserve || suggest_memory_format() == *fmt))
    return *this;
  Tensor out = is_contiguous() &&
                       (!fmt || *fmt == MemoryFormat::Preserve || *fmt == MemoryFormat::Contiguous)
                   ? make_tensor(sizes(), dt, dev)
                   : empty_like(*this, TensorOptions().dtype(dt).device(dev),
                                fmt.value_or(MemoryFormat::Preserve));
  {
    NoGradGuard ng;
    copy_no_grad(out, *this, non_blocking);
  }
  ScalarType src_dtype = dtype();
  Device src_device = device();
  if (isFloatingType(dt)) {
    if (auto n = autograd::make_node(
            "ToCopyBackward0", {*this},
            [src_dtype, src_device](autograd::FunctionNode&, const variable_list& g) {
              return variable_list{g[0].to(src_device, src_dtype)};
            })) {
      autograd::set_history(out, n);
    }
  }
  return out;
}

Tensor& Tensor::resize_(IntArrayRef size, std::optional<MemoryFormat>) const {
  EMBER_CHECK(!requires_grad() || !autograd::GradMode::is_enabled(),
              "[resize_] cannot resize variables that require grad");
  int64_t n = checked_numel(size, "resize_");
  size_t need = static_cast<size_t>(n + storage_offset()) * impl()->itemsize();
  if (need > storage()->nbytes()) storage()->resize(need);
  impl()->set_sizes_and_strides(size, IntArrayRef(), storage_offset());
  return self();
}

Tensor& Tensor::resize_as_(const Tensor& other) const { return resize_(other.sizes()); }

Tensor Tensor::pin_memory(std::optional<Device>) const {
  EMBER_CHECK(is_cpu(), "[pin_memory] cannot pin '", toString(),
              "' only dense CPU tensors can be pinned");
  if (is_pinned()) return *this;
  return detail::cuda_pin_memory(*this);
}

bool Tensor::is_pinned(std::optional<Device>) const {
  return is_cpu() && detail::cuda_is_pinned(*this);
}

Tensor& Tensor::set_(const Tensor& source) const {
  impl()->set_storage(source.storage());
  impl()->set_dtype(source.dtype());
  impl()->set_sizes_and_strides(source.sizes(), source.strides(), source.storage_offset());
  return self();
}

}  // namespace ember

// src/core/tensor_impl.cpp: TensorImpl (sizes, strides, offset, numel and contiguity over a
// shared Storage, lazily allocated AutogradMeta), contiguous_strides and checked_numel.
#include "ember/core/tensor_impl.h"

#include <gtest/gtest.h>

#include "ember/autograd/node.h"
#include "ember/ember.h"
#include "support/error_of.h"

using namespace ember;

namespace {
using V = std::vector<int64_t>;

Storage bytes(size_t n) { return make_intrusive<StorageImpl>(n, cpu_allocator(), Device(kCPU)); }

bool has(const std::string& msg, const std::string& part) {
  return msg.find(part) != std::string::npos;
}
}  // namespace

// Moved from tensor_test.cpp.
TEST(Tensor, HugeSizesThrow) {
  EXPECT_THROW(empty({int64_t(1) << 40, int64_t(1) << 40}), Error);
  EXPECT_THROW(empty({-1}), Error);
}

TEST(TensorImpl, ContiguousStrides) {
  EXPECT_EQ(contiguous_strides(V{2, 3, 4}), DimVector({12, 4, 1}));
  EXPECT_EQ(contiguous_strides(V{}), DimVector());
  EXPECT_EQ(contiguous_strides(V{5}), DimVector({1}));
  // Zero-size dims count as 1, as PyTorch: torch.empty(2, 0, 3).stride() == (3, 3, 1).
  EXPECT_EQ(contiguous_strides(V{2, 0, 3}), DimVector({3, 3, 1}));
  EXPECT_EQ(contiguous_strides(V{0, 4}), DimVector({4, 1}));
  EXPECT_EQ(empty({2, 0, 3}).strides(), IntArrayRef({3, 3, 1}));
}

TEST(TensorImpl, CheckedNumelNamesTheCaller) {
  EXPECT_EQ(checked_numel(V{2, 3, 4}, "op"), 24);
  EXPECT_EQ(checked_numel(V{}, "op"), 1);  // 0-dim
  EXPECT_EQ(checked_numel(V{7, 0, 3}, "op"), 0);
  EXPECT_EQ(checked_numel(V{int64_t(1) << 24, int64_t(1) << 24}, "op"), int64_t(1) << 48);
  std::string e = error_of([] { checked_numel(V{2, -3}, "my_op"); });
  EXPECT_EQ(e, "[my_op] Trying to create tensor with negative dimension -3: [2, -3]");
  e = error_of([] { checked_numel(V{(int64_t(1) << 48) + 1}, "my_op"); });
  EXPECT_TRUE(has(e, "[my_op] tensor of shape [281474976710657] has too many elements")) << e;
  // The product overflows int64 (and wraps to a small number): still an error.
  e = error_of([] { checked_numel(V{int64_t(1) << 32, int64_t(1) << 32, 4}, "my_op"); });
  EXPECT_TRUE(has(e, "[my_op] tensor of shape")) << e;
  // Callers pass their name.
  EXPECT_TRUE(has(error_of([] {
                    empty({3, -1});
                  }),
                  "[empty] Trying to create tensor with "
                  "negative dimension -1"));
  EXPECT_TRUE(has(error_of([] { zeros({2}).resize_({-2}); }), "[resize_]"));
}

TEST(TensorImpl, GeometryNumelAndContiguity) {
  TensorImpl t(bytes(64 * 4), kFloat, V{2, 3, 4}, V{}, 0);
  EXPECT_EQ(t.dim(), 3);
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.strides(), IntArrayRef({12, 4, 1}));  // empty strides: contiguous
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t.itemsize(), 4u);
  EXPECT_EQ(t.device(), Device(kCPU));
  // Transposed: not contiguous.
  t.set_sizes_and_strides(V{4, 3}, V{1, 4}, 0);
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(t.numel(), 12);
  // Size-1 dims may have any stride.
  t.set_sizes_and_strides(V{1, 3, 1}, V{99, 1, 7}, 0);
  EXPECT_TRUE(t.is_contiguous());
  // A gap between rows breaks contiguity.
  t.set_sizes_and_strides(V{2, 3}, V{4, 1}, 0);
  EXPECT_FALSE(t.is_contiguous());
  // Zero elements: always contiguous, whatever the strides.
  t.set_sizes_and_strides(V{3, 0}, V{1, 5}, 0);
  EXPECT_EQ(t.numel(), 0);
  EXPECT_TRUE(t.is_contiguous());
  // 0-dim: one element.
  t.set_sizes_and_strides(V{}, V{}, 5);
  EXPECT_EQ(t.dim(), 0);
  EXPECT_EQ(t.numel(), 1);
  EXPECT_TRUE(t.is_contiguous());
  // set_sizes_contiguous keeps the offset, replaces the strides.
  t.set_sizes_and_strides(V{2, 2}, V{1, 2}, 3);
  t.set_sizes_contiguous(V{4, 2});
  EXPECT_EQ(t.strides(), IntArrayRef({2, 1}));
  EXPECT_EQ(t.storage_offset(), 3);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t.numel(), 8);
}

TEST(TensorImpl, DataPointerHonoursOffsetAndDtype) {
  Storage s = bytes(80);
  TensorImpl d(s, kDouble, V{3}, V{2}, 4);
  EXPECT_EQ(static_cast<char*>(d.data()) - static_cast<char*>(s->data()), 32);
  EXPECT_FALSE(d.is_contiguous());
  d.set_dtype(kInt);
  EXPECT_EQ(d.itemsize(), 4u);
  EXPECT_EQ(static_cast<char*>(d.data()) - static_cast<char*>(s->data()), 16);
  Storage other = bytes(16);
  d.set_storage(other);
  EXPECT_EQ(d.storage().get(), other.get());
  // Through Tensor: a view's data pointer is its element 0.
  Tensor base = arange(12, kDouble).view({3, 4});
  Tensor v = base.slice(0, 1).slice(1, 2);
  EXPECT_EQ(v.unsafeGetTensorImpl()->data(), static_cast<void*>(base.data_ptr<double>() + 6));
  EXPECT_EQ(*static_cast<double*>(v.unsafeGetTensorImpl()->data()), 6.0);
}

TEST(TensorImpl, FlagsViewBaseAndAutogradMeta) {
  auto impl = make_intrusive<TensorImpl>(bytes(8), kFloat, V{2}, V{}, 0);
  EXPECT_FALSE(impl->is_wrapped_number());
  impl->set_wrapped_number(true);
  EXPECT_TRUE(impl->is_wrapped_number());
  EXPECT_FALSE(impl->is_autograd_view());
  EXPECT_FALSE(impl->view_base());
  // No autograd state until asked for; then one, kept until cleared.
  EXPECT_EQ(impl->autograd_meta(), nullptr);
  autograd::AutogradMeta& m = impl->ensure_autograd_meta();
  EXPECT_EQ(&impl->ensure_autograd_meta(), &m);
  m.requires_grad = true;
  Tensor t(impl);
  EXPECT_TRUE(t.requires_grad());
  impl->clear_autograd_meta();
  EXPECT_EQ(impl->autograd_meta(), nullptr);
  EXPECT_FALSE(t.requires_grad());
  // Views keep their base alive and share its storage.
  Tensor v;
  {
    Tensor b = arange(4, kFloat);
    v = b.view({2, 2});
    EXPECT_EQ(v.unsafeGetTensorImpl()->view_base().get(), b.unsafeGetTensorImpl());
  }
  EXPECT_EQ(v.unsafeGetTensorImpl()->view_base()->numel(), 4);
  EXPECT_EQ(v.unsafeGetTensorImpl()->storage().get(),
            v.unsafeGetTensorImpl()->view_base()->storage().get());
}

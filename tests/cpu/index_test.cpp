// src/cpu/index.cpp: index_select of contiguous slices (one memcpy per slice) against the
// element loop, bounds errors, and the dataset readers' row gather built on it.
#include <gtest/gtest.h>

#include "ember/ember.h"

using namespace ember;

namespace {

TEST(CpuIndex, IndexSelectSlices) {
  // Slices of 100 and 20 elements take the memcpy path, single elements the element loop; a
  // non-contiguous copy of x always takes the element loop.
  Tensor x = randn({7, 5, 20});
  Tensor idx = tensor({4, 0, 3, 3}, TensorOptions(kLong));
  Tensor strided = x.transpose(0, 2).contiguous().transpose(0, 2);
  for (int64_t d = 0; d < 3; ++d)
    EXPECT_TRUE(index_select(x, d, idx).equal(index_select(strided, d, idx))) << d;
  // Rows of a [N, 1, 28, 28] byte tensor, as the MNIST reader gathers them.
  Tensor images = randint(0, 255, {100, 1, 28, 28}, TensorOptions(kByte));
  Tensor rows = tensor({99, 0, 42, 42, 7}, TensorOptions(kLong));
  Tensor got = index_select(images, 0, rows);
  ASSERT_EQ(got.sizes(), (std::vector<int64_t>{5, 1, 28, 28}));
  for (int64_t k = 0; k < 5; ++k)
    EXPECT_TRUE(got.select(0, k).equal(images.select(0, rows.select(0, k).item<int64_t>())));
  EXPECT_THROW(index_select(images, 0, tensor({3, 100}, TensorOptions(kLong))), IndexError);
  EXPECT_THROW(index_select(images, 0, tensor({-1}, TensorOptions(kLong))), IndexError);
  // Gradient still flows (IndexSelectBackward0 through index_add).
  Tensor p = randn({6, 40}).requires_grad_();
  index_select(p, 0, tensor({1, 1, 4}, TensorOptions(kLong))).sum().backward();
  EXPECT_EQ(p.grad().select(0, 1).sum().item<float>(), 80.f);
  EXPECT_EQ(p.grad().select(0, 0).sum().item<float>(), 0.f);
}

}  // namespace

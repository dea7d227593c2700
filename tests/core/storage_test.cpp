#include <gtest/gtest.h>

#include "ember/ember.h"

using namespace ember;

TEST(Storage, ViewsShareStorageAndVersion) {
  Tensor a = zeros({4});
  Tensor v = a.view({2, 2});
  EXPECT_TRUE(v.is_alias_of(a));
  EXPECT_TRUE(v.is_view());
  int64_t before = a._version();
  v.fill_(1);
  EXPECT_EQ(a._version(), before + 1);
  EXPECT_EQ(a.sum().item<float>(), 4.0f);
}

TEST(Storage, AllocatorReusesBlocksAndAccountsBytes) {
  size_t before = cpu_allocator_allocated_bytes();
  void* p1;
  {
    Tensor t = empty({1 << 16});
    p1 = t.data_ptr();
    EXPECT_GE(cpu_allocator_allocated_bytes(), before + (1u << 18));
  }
  EXPECT_EQ(cpu_allocator_allocated_bytes(), before);
  Tensor t2 = empty({1 << 16});
  EXPECT_EQ(t2.data_ptr(), p1);  // cached block handed out again
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t2.data_ptr()) % 64, 0u);
}

TEST(Storage, FromBlobDeleterRuns) {
  static float buf[6] = {1, 2, 3, 4, 5, 6};
  bool deleted = false;
  {
    Tensor t = from_blob(buf, {2, 3}, [&](void*) { deleted = true; });
    EXPECT_EQ(t.sum().item<float>(), 21.0f);
    EXPECT_FALSE(deleted);
  }
  EXPECT_TRUE(deleted);
  Tensor s = from_blob(buf, {3}, {2}, dtype(kFloat));
  EXPECT_EQ(s.sum().item<float>(), 1.0f + 3.0f + 5.0f);
}

TEST(Storage, AccessorAndItem) {
  Tensor t = arange(6, kFloat).view({2, 3});
  auto acc = t.accessor<float, 2>();
  EXPECT_EQ(acc[1][2], 5.0f);
  EXPECT_THROW((t.accessor<float, 3>()), Error);
  EXPECT_THROW((t.accessor<double, 2>()), Error);
  EXPECT_THROW(t.item(), Error);
  EXPECT_THROW(t.data_ptr<int>(), Error);
}

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

// Note [CPU block cache]: a request with no cached block of its own size takes the smallest
// cached block of at most twice its size; freed, that block goes back to its own size class (so
// a later request of the larger size finds it), and the live-byte count follows the requests.
// Note [Huge pages for big blocks]: blocks from 32 MiB start on a 2 MiB boundary (so that
// transparent huge pages can back them), smaller ones need not; both hold their data.
TEST(Storage, BigBlocksStartOnHugePageBoundaries) {
  cpu_allocator_empty_cache();
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  Tensor big = arange(int64_t{9} << 20, kFloat);  // 36 MiB
  EXPECT_EQ(reinterpret_cast<uintptr_t>(big.data_ptr()) % kHuge, 0u);
  EXPECT_EQ(big[(int64_t{9} << 20) - 1].item<float>(), float((int64_t{9} << 20) - 1));
  Tensor odd = empty({(int64_t{8} << 20) + 3});  // 32 MiB and 12 bytes: rounds up, still aligned
  EXPECT_EQ(reinterpret_cast<uintptr_t>(odd.data_ptr()) % kHuge, 0u);
  odd.fill_(2.f);
  EXPECT_EQ(odd.sum().item<double>(), 2.0 * double((int64_t{8} << 20) + 3));
}

TEST(Storage, AllocatorLendsLargerCachedBlocks) {
  cpu_allocator_empty_cache();
  const size_t before = cpu_allocator_allocated_bytes();
  void* big;
  {
    Tensor t = empty({3 << 20});  // 12 MiB
    big = t.data_ptr();
  }
  EXPECT_GE(cpu_allocator_cached_bytes(), size_t{12} << 20);
  {
    Tensor half = empty({(3 << 20) / 2 + 1000});  // a little over 6 MiB: served by the 12 MiB block
    EXPECT_EQ(half.data_ptr(), big);
    EXPECT_LT(cpu_allocator_cached_bytes(), size_t{12} << 20);
    EXPECT_EQ(cpu_allocator_allocated_bytes() - before, size_t{7} << 20);  // its own class: 7 MiB
    Tensor small = empty({(3 << 20) / 4});  // 3 MiB: under half the size, so not lent; malloc'd
    EXPECT_NE(small.data_ptr(), big);
  }
  EXPECT_EQ(cpu_allocator_allocated_bytes(), before);
  Tensor again = empty({3 << 20});  // the block is back in its own class
  EXPECT_EQ(again.data_ptr(), big);
  Tensor t2 = empty({3 << 20});  // and a second one of that size is a new block
  EXPECT_NE(t2.data_ptr(), big);
}

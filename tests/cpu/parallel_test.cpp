// src/cpu/parallel.cpp: parallel_for's chunks cover the range exactly once whichever thread takes
// them, nested regions run serially, errors reach the caller, and the pool can be resized.
#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "ember/ember.h"

using namespace ember;

namespace {

TEST(CpuParallel, ChunksCoverRangeOnce) {
  int prev = get_num_threads();
  for (int nt : {1, 2, 3}) {
    set_num_threads(nt);
    for (int64_t n : {1, 2, 7, 100, 1000, 100003}) {
      for (int64_t grain : {1, 3, 64, 1 << 20}) {
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        parallel_for(0, n, grain, [&](int64_t b, int64_t e) {
          EXPECT_LT(b, e);
          for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
        });
        for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << n;
      }
    }
    // Nested regions run inline; the outer one still covers its range.
    std::atomic<int64_t> total{0};
    parallel_for(0, 64, 1, [&](int64_t b, int64_t e) {
      if (nt > 1) {
        EXPECT_TRUE(in_parallel_region());
      }
      parallel_for(0, 10, 1, [&](int64_t b2, int64_t e2) { total += (e - b) * (e2 - b2); });
    });
    EXPECT_EQ(total.load(), 640);
    EXPECT_THROW(parallel_for(0, 1000, 1,
                              [&](int64_t, int64_t e) {
                                if (e > 500) EMBER_ERROR("[test] chunk failed");
                              }),
                 Error);
  }
  set_num_threads(prev);
  EXPECT_FALSE(in_parallel_region());
}

}  // namespace

#pragma once
// One intra-op thread pool for all CPU kernels (implemented in src/cpu/parallel.cpp).
#include <cstdint>
#include <functional>

namespace ember {

void set_num_threads(int n);
int get_num_threads();
// True inside a parallel region: nested parallel_for calls run serially.
bool in_parallel_region();
// While alive, parallel_for on the calling thread runs serially. Data loader workers hold one: like
// PyTorch's worker processes (one intra-op thread each) they must not compete for the pool.
class SerialRegionGuard {
 public:
  SerialRegionGuard();
  ~SerialRegionGuard();
  SerialRegionGuard(const SerialRegionGuard&) = delete;
  SerialRegionGuard& operator=(const SerialRegionGuard&) = delete;

 private:
  bool prev_;
};
// Calls f(begin_i, end_i) over chunks of [begin, end) of at least `grain_size` elements.
void parallel_for(int64_t begin, int64_t end, int64_t grain_size,
                  const std::function<void(int64_t, int64_t)>& f);

}  // namespace ember

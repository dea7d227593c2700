#pragma once
// One intra-op thread pool for all CPU kernels (implemented in src/cpu/parallel.cpp).
#include <cstdint>
#include <functional>

namespace ember {

void set_num_threads(int n);
int get_num_threads();
// True inside a parallel region: nested parallel_for calls run serially.
bool in_parallel_region();
// Calls f(begin_i, end_i) over chunks of [begin, end) of at least `grain_size` elements.
void parallel_for(int64_t begin, int64_t end, int64_t grain_size,
                  const std::function<void(int64_t, int64_t)>& f);

}  // namespace ember

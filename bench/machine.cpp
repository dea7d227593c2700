// The machine's own limits, measured in the same run as the rows: memcpy bandwidth and the FMA
// throughput peak (AVX-512 where the CPU has it, else AVX2), at 1 thread and on every core.
#include "machine.h"

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Runs f(i) on n threads at once and returns the wall time of the slowest.
template <class F>
double run_parallel(int n, F f) {
  auto t0 = Clock::now();
  std::vector<std::thread> ts;
  for (int i = 1; i < n; ++i) ts.emplace_back([&f, i] { f(i); });
  f(0);
  for (auto& t : ts) t.join();
  return seconds_since(t0);
}

// 12 independent FMA chains per loop: enough to cover latency x throughput on current cores.
__attribute__((target("avx2,fma"))) float fma_avx2_f32(int64_t iters) {
  __m256 a[12];
  const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
  for (int i = 0; i < 12; ++i) a[i] = _mm256_set1_ps(static_cast<float>(i));
  for (int64_t it = 0; it < iters; ++it) {
    for (int i = 0; i < 12; ++i) a[i] = _mm256_fmadd_ps(a[i], x, y);
  }
  __m256 s = a[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, a[i]);
  return _mm256_cvtss_f32(s);
}

__attribute__((target("avx2,fma"))) double fma_avx2_f64(int64_t iters) {
  __m256d a[12];
  const __m256d x = _mm256_set1_pd(0.999999), y = _mm256_set1_pd(1e-7);
  for (int i = 0; i < 12; ++i) a[i] = _mm256_set1_pd(static_cast<double>(i));
  for (int64_t it = 0; it < iters; ++it) {
    for (int i = 0; i < 12; ++i) a[i] = _mm256_fmadd_pd(a[i], x, y);
  }
  __m256d s = a[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_pd(s, a[i]);
  return _mm256_cvtsd_f64(s);
}

__attribute__((target("avx512f"))) float fma_avx512_f32(int64_t iters) {
  __m512 a[12];
  const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < 12; ++i) a[i] = _mm512_set1_ps(static_cast<float>(i));
  for (int64_t it = 0; it < iters; ++it) {
    for (int i = 0; i < 12; ++i) a[i] = _mm512_fmadd_ps(a[i], x, y);
  }
  __m512 s = a[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, a[i]);
  return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx512f"))) double fma_avx512_f64(int64_t iters) {
  __m512d a[12];
  const __m512d x = _mm512_set1_pd(0.999999), y = _mm512_set1_pd(1e-7);
  for (int i = 0; i < 12; ++i) a[i] = _mm512_set1_pd(static_cast<double>(i));
  for (int64_t it = 0; it < iters; ++it) {
    for (int i = 0; i < 12; ++i) a[i] = _mm512_fmadd_pd(a[i], x, y);
  }
  __m512d s = a[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_pd(s, a[i]);
  return _mm512_reduce_add_pd(s);
}

volatile double g_sink = 0;

// Best of 5 of `threads` threads each running `iters` iterations; GFLOP/s over all threads.
double peak(int threads, bool f64, bool avx512) {
  const int64_t iters = 20'000'000;
  const int lanes = (avx512 ? 16 : 8) / (f64 ? 2 : 1);
  double best = 1e30;
  for (int rep = 0; rep < 5; ++rep) {
    double t = run_parallel(threads, [&](int) {
      double r = avx512 ? (f64 ? fma_avx512_f64(iters) : fma_avx512_f32(iters))
                        : (f64 ? fma_avx2_f64(iters) : fma_avx2_f32(iters));
      g_sink = g_sink + r;
    });
    best = std::min(best, t);
  }
  return threads * static_cast<double>(iters) * 12 * lanes * 2 / best / 1e9;
}

// memcpy of 64 MiB per thread (well beyond the caches); counts bytes read + bytes written.
double copy_bandwidth(int threads) {
  const size_t n = size_t{64} << 20;
  std::vector<std::unique_ptr<char[]>> src, dst;
  for (int i = 0; i < threads; ++i) {
    src.emplace_back(new char[n]);
    dst.emplace_back(new char[n]);
    std::memset(src.back().get(), 1, n);
    std::memset(dst.back().get(), 2, n);
  }
  double best = 1e30;
  for (int rep = 0; rep < 7; ++rep) {
    double t = run_parallel(threads, [&](int i) { std::memcpy(dst[i].get(), src[i].get(), n); });
    best = std::min(best, t);
  }
  return threads * 2.0 * n / best / 1e9;
}

}  // namespace

Machine measure_machine() {
  Machine m;
  bool avx512 = __builtin_cpu_supports("avx512f");
  m.isa = avx512 ? "AVX-512" : "AVX2+FMA";
  m.cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int t = 1; t <= 2; ++t) {
    m.memcpy_gbs[t - 1] = copy_bandwidth(t);
    m.peak32[t - 1] = peak(t, false, avx512);
    m.peak64[t - 1] = peak(t, true, avx512);
  }
  return m;
}

}  // namespace bench

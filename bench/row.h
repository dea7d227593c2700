#pragma once
// A benchmark row: one workload, made once for ember and once for the other library. Kept free of
// the libraries' headers so the driver (main.cpp) compiles quickly.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace bench {

// What a row's `work` counts: bytes moved (GB/s against memcpy) or flops (GFLOP/s against peak).
enum class Unit { None, Bytes, Flops32, Flops64 };

// One library's half of a row. run() is what is timed; check() returns the result that is compared
// with the other library's once per row; threads(n) sets the library's intra-op threads.
struct Side {
  std::function<void()> run;
  std::function<std::vector<double>()> check;
  std::function<void(int)> threads;
};

struct Row {
  std::string name;
  Unit unit = Unit::None;
  double work = 0;  // per run()
  std::function<Side()> ember;
  std::function<Side()> other;  // libtorch, or a BLAS for the reference rows
  double rtol = 1e-4;
  double atol = 1e-5;
  int max_reps = 0;          // 0: as many as asked for
  int only_threads = 0;      // 0: measure at 1 and 2 threads; n: only at n
  int warmups = 2;           // untimed runs before sizing the samples
  bool peak_memory = false;  // also measure peak RSS of each library in a child process
  int mem_runs = 6;          // runs of the child process that measures peak RSS
  std::string other_name = "libtorch";
};

// Registration, one function per file.
void add_overhead_rows(std::vector<Row>& rows);
void add_bandwidth_rows(std::vector<Row>& rows);
void add_compute_rows(std::vector<Row>& rows);
void add_blas_rows(std::vector<Row>& rows, const std::string& blis_path);
void add_transformer_rows(std::vector<Row>& rows);
void add_training_rows(std::vector<Row>& rows, bool epoch, const std::string& data_dir);

// Deterministic uniform values in [lo, hi) (splitmix64), the same for both libraries.
std::vector<float> uniform(size_t n, uint64_t seed, float lo = -1.f, float hi = 1.f);

}  // namespace bench

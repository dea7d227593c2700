#pragma once
// The machine's measured limits that the rows are compared against (bench/machine.cpp).
#include <string>

namespace bench {

struct Machine {
  std::string isa;       // FMA kernel used for the peak: "AVX-512" or "AVX2+FMA"
  int cores = 1;         // hardware threads
  double memcpy_gbs[2];  // memcpy (read + write bytes) at 1 and 2 threads
  double peak32[2];      // float32 FMA GFLOP/s at 1 and 2 threads
  double peak64[2];      // float64 FMA GFLOP/s at 1 and 2 threads
};

Machine measure_machine();

}  // namespace bench

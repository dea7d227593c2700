// Picks the vector-math table for this CPU (see Note [Vector math]).
#include "src/cpu/vec_math.h"

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "ember/core/error.h"

namespace ember {
namespace cpu {
namespace vec {
namespace {

bool cpu_has(Isa isa) {
#if defined(__x86_64__) || defined(__i386__)
  switch (isa) {
    case Isa::Scalar:
      return true;
    case Isa::Avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::Avx512:
      return __builtin_cpu_supports("avx512f");
  }
  return false;
#else
  return isa == Isa::Scalar;
#endif
}

const Table* lookup(Isa isa) {
  switch (isa) {
    case Isa::Scalar:
      return table_scalar();
    case Isa::Avx2:
      return table_avx2();
    case Isa::Avx512:
      return table_avx512();
  }
  return nullptr;
}

Isa initial_isa() {
  Isa best = Isa::Scalar;
  for (Isa i : {Isa::Avx2, Isa::Avx512})
    if (isa_available(i)) best = i;
  if (const char* env = std::getenv("EMBER_SIMD")) {
    for (Isa i : {Isa::Scalar, Isa::Avx2, Isa::Avx512})
      if (isa_available(i) && std::strcmp(env, lookup(i)->name) == 0) return i;
  }
  return best;
}

std::atomic<const Table*> g_table{nullptr};

}  // namespace

bool isa_available(Isa isa) { return cpu_has(isa) && lookup(isa) != nullptr; }

const Table* table_for(Isa isa) { return isa_available(isa) ? lookup(isa) : nullptr; }

const Table& table() {
  const Table* t = g_table.load(std::memory_order_acquire);
  if (t == nullptr) {
    t = lookup(initial_isa());
    g_table.store(t, std::memory_order_release);
  }
  return *t;
}

Isa active_isa() {
  const Table* t = &table();
  for (Isa i : {Isa::Scalar, Isa::Avx2, Isa::Avx512})
    if (lookup(i) == t) return i;
  return Isa::Scalar;
}

Isa set_active_isa(Isa isa) {
  EMBER_CHECK(isa_available(isa), "[set_active_isa] this CPU or build lacks ISA ",
              static_cast<int>(isa));
  Isa prev = active_isa();
  g_table.store(lookup(isa), std::memory_order_release);
  return prev;
}

}  // namespace vec
}  // namespace cpu
}  // namespace ember

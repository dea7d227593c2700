// The portable vector-math table: one lane at a time (see Note [Vector math]).
#include "src/cpu/vec_math_impl.h"

namespace ember {
namespace cpu {
namespace vec {

const Table* table_scalar() {
  static constexpr Table t = make_table<ScalarV<float>, ScalarV<double>>("scalar");
  return &t;
}

}  // namespace vec
}  // namespace cpu
}  // namespace ember

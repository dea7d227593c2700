#pragma once
// The CPU kernels' names for the wrapping integer arithmetic of src/kernels/int_math.h.
#include "src/kernels/int_math.h"

namespace ember {
namespace cpu {
using ::ember::wrap_add;
using ::ember::wrap_mul;
}  // namespace cpu
}  // namespace ember

#pragma once
// Dispatch of the CPU kernels that exist for float and double only (the 16-bit types reach them
// upcast by their op): f.template operator()<T>(), else PyTorch's "not implemented" error.
#include "ember/core/error.h"
#include "ember/core/scalar_type.h"

namespace ember::cpu {

template <class F>
void visit_float_or_double(ScalarType t, const char* op, F&& f) {
  if (t == kFloat) {
    f.template operator()<float>();
  } else if (t == kDouble) {
    f.template operator()<double>();
  } else {
    EMBER_ERROR("[", op, "] \"", op, "\" not implemented for '", toString(t), "'");
  }
}

}  // namespace ember::cpu

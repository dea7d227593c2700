#include "ember/core/context.h"

#include "ember/cuda.h"

namespace ember {
Context& globalContext() {
  static Context ctx;
  return ctx;
}
bool Context::hasCUDA() { return cuda::is_available(); }
}  // namespace ember

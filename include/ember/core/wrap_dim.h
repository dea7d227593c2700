#pragma once
#include <bitset>
#include <cstdint>

#include "ember/core/array_ref.h"
#include "ember/core/error.h"

namespace ember {

// Wraps a negative dim; 0-dim tensors accept dims -1 and 0 as PyTorch does.
inline int64_t maybe_wrap_dim(int64_t dim, int64_t ndim, bool wrap_scalar = true) {
  if (ndim <= 0) {
    EMBER_CHECK_INDEX(wrap_scalar, "dimension specified as ", dim, " but tensor has no dimensions");
    ndim = 1;
  }
  int64_t min = -ndim, max = ndim - 1;
  EMBER_CHECK_INDEX(dim >= min && dim <= max, "Dimension out of range (expected to be in range of [",
                    min, ", ", max, "], but got ", dim, ")");
  return dim < 0 ? dim + ndim : dim;
}

constexpr size_t kMaxDims = 64;
// Dims as a bitset, each wrapped; repeated dims are an error naming `op`.
inline std::bitset<kMaxDims> dim_list_to_bitset(IntArrayRef dims, int64_t ndim, const char* op) {
  EMBER_CHECK(ndim <= static_cast<int64_t>(kMaxDims), "[", op, "] only tensors with up to ",
              kMaxDims, " dims are supported");
  std::bitset<kMaxDims> seen;
  for (int64_t d : dims) {
    int64_t w = maybe_wrap_dim(d, ndim);
    EMBER_CHECK(!seen[w], "[", op, "] dim ", w, " appears multiple times in the list of dims");
    seen.set(w);
  }
  return seen;
}

}  // namespace ember

#pragma once
// Row gather for the preloaded datasets' stacked batches (See Note [Stacked batches]): one
// memcpy per example instead of a generic index_select.
#include <cstring>
#include <vector>

#include "ember/core/error.h"
#include "ember/core/tensor.h"
#include "ember/ops/factory.h"

namespace ember {
namespace data {
namespace detail {

// Rows `indices` of the contiguous tensor `all` (first dim), as a new contiguous tensor.
inline Tensor gather_rows(const Tensor& all, ArrayRef<size_t> indices, const char* dataset) {
  const auto n = static_cast<size_t>(all.size(0));
  std::vector<int64_t> sizes(all.sizes().begin(), all.sizes().end());
  sizes[0] = static_cast<int64_t>(indices.size());
  Tensor out = empty(sizes, all.options());
  const size_t row = all.numel() == 0 ? 0 : all.nbytes() / n;
  const auto* src = static_cast<const char*>(all.data_ptr());
  auto* dst = static_cast<char*>(out.data_ptr());
  for (size_t k = 0; k < indices.size(); ++k) {
    EMBER_CHECK_INDEX(indices[k] < n, "[", dataset, "] index ", indices[k],
                      " is out of range for a dataset of ", n, " examples");
    std::memcpy(dst + k * row, src + indices[k] * row, row);
  }
  return out;
}

}  // namespace detail
}  // namespace data
}  // namespace ember

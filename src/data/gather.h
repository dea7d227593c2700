#pragma once
// Row gather for the preloaded datasets' stacked batches (See Note [Stacked batches]):
// index_select, whose CPU kernel copies each selected row with one memcpy.

#include "ember/core/error.h"
#include "ember/core/tensor.h"
#include "ember/ops/factory.h"
#include "ember/ops/index.h"

namespace ember {
namespace data {
namespace detail {

// Rows `indices` of the contiguous tensor `all` (first dim), as a new contiguous tensor.
inline Tensor gather_rows(const Tensor& all, ArrayRef<size_t> indices, const char* dataset) {
  const auto n = static_cast<size_t>(all.size(0));
  Tensor idx = empty({static_cast<int64_t>(indices.size())}, TensorOptions().dtype(kLong));
  int64_t* p = idx.data_ptr<int64_t>();
  for (size_t k = 0; k < indices.size(); ++k) {
    EMBER_CHECK_INDEX(indices[k] < n, "[", dataset, "] index ", indices[k],
                      " is out of range for a dataset of ", n, " examples");
    p[k] = static_cast<int64_t>(indices[k]);
  }
  return index_select(all, 0, idx);
}

}  // namespace detail
}  // namespace data
}  // namespace ember

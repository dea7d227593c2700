#pragma once
// Collation: a transform that reduces a batch (vector of examples) to one value.
#include <vector>

#include "ember/data/example.h"
#include "ember/data/transforms/lambda.h"

namespace ember {
namespace data {
namespace transforms {

template <typename T, typename BatchType = std::vector<T>>
using Collation = BatchTransform<BatchType, T>;

// Collate<Example<>>([](std::vector<Example<>> e) { ... }): a collation from a function.
template <typename T, typename BatchType = std::vector<T>>
using Collate = BatchLambda<BatchType, T>;

}  // namespace transforms
}  // namespace data
}  // namespace ember

#pragma once
#include <cstddef>

namespace ember {
namespace data {
namespace samplers {

// Base of batch request types other than index vectors.
struct CustomBatchRequest {
  virtual ~CustomBatchRequest() = default;
  // The number of examples the request asks for.
  virtual size_t size() const = 0;
};

}  // namespace samplers
}  // namespace data
}  // namespace ember

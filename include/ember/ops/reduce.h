#pragma once
// Reductions. dims may be empty (all dims); keepdim keeps reduced dims as size 1; dtype casts the
// input first (integers sum to int64 by default, as in PyTorch).
#include <optional>

#include "ember/core/tensor.h"

namespace ember {

Tensor sum(const Tensor& self, std::optional<ScalarType> dtype = std::nullopt);
Tensor sum(const Tensor& self, OptionalIntArrayRef dim, bool keepdim = false,
           std::optional<ScalarType> dtype = std::nullopt);
Tensor mean(const Tensor& self, std::optional<ScalarType> dtype = std::nullopt);
Tensor mean(const Tensor& self, OptionalIntArrayRef dim, bool keepdim = false,
            std::optional<ScalarType> dtype = std::nullopt);
Tensor all(const Tensor& self);
Tensor any(const Tensor& self);

}  // namespace ember

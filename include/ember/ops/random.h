#pragma once
// Random factories. With manual_seed(s) they reproduce PyTorch's CPU streams (mt19937 and the
// same transformations), so seeded programs draw the same numbers as in PyTorch.
#include <optional>

#include "ember/core/generator.h"
#include "ember/core/tensor.h"

namespace ember {

Tensor rand(IntArrayRef size, const TensorOptions& options = {});
Tensor rand(IntArrayRef size, std::optional<Generator> gen, const TensorOptions& options = {});
Tensor randn(IntArrayRef size, const TensorOptions& options = {});
Tensor randn(IntArrayRef size, std::optional<Generator> gen, const TensorOptions& options = {});
Tensor randint(int64_t high, IntArrayRef size, const TensorOptions& options = kLong);
Tensor randint(int64_t low, int64_t high, IntArrayRef size, const TensorOptions& options = kLong);
Tensor randint(int64_t low, int64_t high, IntArrayRef size, std::optional<Generator> gen,
               const TensorOptions& options = kLong);
Tensor randperm(int64_t n, const TensorOptions& options = kLong);
Tensor randperm(int64_t n, std::optional<Generator> gen, const TensorOptions& options = kLong);
Tensor rand_like(const Tensor& self, const TensorOptions& options = {});
Tensor randn_like(const Tensor& self, const TensorOptions& options = {});
Tensor randint_like(const Tensor& self, int64_t high, const TensorOptions& options = {});
Tensor randint_like(const Tensor& self, int64_t low, int64_t high,
                    const TensorOptions& options = {});
Tensor normal(double mean, double std, IntArrayRef size, std::optional<Generator> gen = std::nullopt,
              const TensorOptions& options = {});
// Draws 0/1 with probability self (per element).
Tensor bernoulli(const Tensor& self, std::optional<Generator> gen = std::nullopt);
Tensor bernoulli(const Tensor& self, double p, std::optional<Generator> gen = std::nullopt);

}  // namespace ember

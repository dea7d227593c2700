#pragma once
// Padding tags of convolutions (padding_mode, padding="same"/"valid") and F::pad's
// PadFuncOptions, with libtorch's names and defaults.
#include <string>
#include <variant>
#include <vector>

#include "ember/core/arg.h"
#include "ember/core/expanding_array.h"
#include "ember/core/tensor.h"

namespace ember {

namespace enumtype {
struct kZeros {};
struct kConstant {};
struct kReflect {};
struct kReplicate {};
struct kCircular {};
struct kValid {};
struct kSame {};
inline std::string enum_name(kZeros) { return "kZeros"; }
inline std::string enum_name(kConstant) { return "kConstant"; }
inline std::string enum_name(kReflect) { return "kReflect"; }
inline std::string enum_name(kReplicate) { return "kReplicate"; }
inline std::string enum_name(kCircular) { return "kCircular"; }
inline std::string enum_name(kValid) { return "kValid"; }
inline std::string enum_name(kSame) { return "kSame"; }
}  // namespace enumtype

constexpr enumtype::kZeros kZeros{};
constexpr enumtype::kConstant kConstant{};
constexpr enumtype::kReflect kReflect{};
constexpr enumtype::kReplicate kReplicate{};
constexpr enumtype::kCircular kCircular{};
constexpr enumtype::kValid kValid{};
constexpr enumtype::kSame kSame{};

namespace nn {
namespace detail {
using conv_padding_mode_t =
    std::variant<enumtype::kZeros, enumtype::kReflect, enumtype::kReplicate, enumtype::kCircular>;
template <size_t D>
using conv_padding_t = std::variant<ExpandingArray<D>, enumtype::kValid, enumtype::kSame>;
}  // namespace detail

namespace functional {
struct PadFuncOptions {
  using mode_t = std::variant<enumtype::kConstant, enumtype::kReflect, enumtype::kReplicate,
                              enumtype::kCircular>;
  PadFuncOptions(std::vector<int64_t> pad) : pad_(std::move(pad)) {}  // NOLINT
  TORCH_ARG(std::vector<int64_t>, pad);
  TORCH_ARG(mode_t, mode) = ember::kConstant;
  TORCH_ARG(double, value) = 0;
};
}  // namespace functional
}  // namespace nn
}  // namespace ember

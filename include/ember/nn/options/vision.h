#pragma once
// F::grid_sample's options (libtorch's torch/nn/options/vision.h) and the padding tags kBorder /
// kReflection. Beyond libtorch 1.13's C++ options (as Python), mode may also be kBicubic.
#include <optional>
#include <string>
#include <variant>

#include "ember/core/arg.h"
#include "ember/nn/options/padding.h"
#include "ember/nn/options/upsampling.h"

namespace ember {
namespace enumtype {
struct kBorder {};
struct kReflection {};
inline std::string enum_name(kBorder) { return "kBorder"; }
inline std::string enum_name(kReflection) { return "kReflection"; }
}  // namespace enumtype
constexpr enumtype::kBorder kBorder{};
constexpr enumtype::kReflection kReflection{};

namespace nn {
namespace functional {

struct GridSampleFuncOptions {
  using mode_t = std::variant<enumtype::kBilinear, enumtype::kNearest, enumtype::kBicubic>;
  using padding_mode_t = std::variant<enumtype::kZeros, enumtype::kBorder, enumtype::kReflection>;
  TORCH_ARG(mode_t, mode) = kBilinear;
  TORCH_ARG(padding_mode_t, padding_mode) = kZeros;
  TORCH_ARG(std::optional<bool>, align_corners) = std::nullopt;
};

}  // namespace functional
}  // namespace nn
}  // namespace ember

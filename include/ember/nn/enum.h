#pragma once
// libtorch's enum tags for loss reductions (torch::kNone, torch::kMean, torch::kSum,
// torch::kBatchMean), the ATen reduction codes (at::Reduction::Mean == 1) and the helpers that
// map a tag variant onto a code or a name.
#include <string>
#include <variant>

#include "ember/core/error.h"

namespace ember {

namespace Reduction {
enum Reduction { None, Mean, Sum, END };
}  // namespace Reduction

namespace enumtype {
struct kNone {};
struct kMean {};
struct kSum {};
struct kBatchMean {};

inline std::string enum_name(kNone) { return "kNone"; }
inline std::string enum_name(kMean) { return "kMean"; }
inline std::string enum_name(kSum) { return "kSum"; }
inline std::string enum_name(kBatchMean) { return "kBatchMean"; }

// "kMean" for a variant holding kMean.
template <class... Ts>
std::string get_enum_name(const std::variant<Ts...>& v) {
  return std::visit([](const auto& t) { return enum_name(t); }, v);
}

inline int64_t reduction_code(kNone) { return Reduction::None; }
inline int64_t reduction_code(kMean) { return Reduction::Mean; }
inline int64_t reduction_code(kSum) { return Reduction::Sum; }
inline int64_t reduction_code(kBatchMean) { return -1; }

// The ATen code of a reduction tag; kBatchMean has none (kl_div handles it itself).
template <class... Ts>
Reduction::Reduction reduction_get_enum(const std::variant<Ts...>& v) {
  int64_t r = std::visit([](const auto& t) { return reduction_code(t); }, v);
  EMBER_CHECK(r >= 0, "[reduction] ", get_enum_name(v), " is not a valid value for reduction");
  return static_cast<Reduction::Reduction>(r);
}
}  // namespace enumtype

constexpr enumtype::kNone kNone{};
constexpr enumtype::kMean kMean{};
constexpr enumtype::kSum kSum{};
constexpr enumtype::kBatchMean kBatchMean{};

}  // namespace ember

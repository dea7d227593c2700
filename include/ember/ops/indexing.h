#pragma once
// torch::indexing: the index objects of Tensor::index / index_put_ (Python's x[...] in C++).
//   using namespace torch::indexing;
//   x.index({Slice(1, None), 0, "...", None, mask});
#include <optional>
#include <ostream>
#include <string_view>

#include "ember/core/tensor.h"

namespace ember {
namespace indexing {

constexpr int64_t INDEX_MIN = INT64_MIN;
constexpr int64_t INDEX_MAX = INT64_MAX;

// x[None] inserts a dim of size 1.
constexpr std::nullopt_t None = std::nullopt;

struct EllipsisIndexType final {
  EllipsisIndexType() = default;
};
inline const EllipsisIndexType Ellipsis;

// start:stop:step with Python's defaults and clamping; step must be positive.
class Slice final {
 public:
  Slice(std::optional<int64_t> start_index = std::nullopt,
        std::optional<int64_t> stop_index = std::nullopt,
        std::optional<int64_t> step_index = std::nullopt);
  int64_t start() const { return start_; }
  int64_t stop() const { return stop_; }
  int64_t step() const { return step_; }

 private:
  int64_t start_, stop_, step_;
};
std::ostream& operator<<(std::ostream& os, const Slice& s);

enum class TensorIndexType { None, Ellipsis, SymInt, Boolean, Slice, Tensor };

class TensorIndex final {
 public:
  TensorIndex(std::nullopt_t) : type_(TensorIndexType::None) {}
  TensorIndex(EllipsisIndexType) : type_(TensorIndexType::Ellipsis) {}
  // Only "..." is accepted, as in libtorch.
  TensorIndex(const char* str);
  TensorIndex(int64_t integer) : integer_(integer), type_(TensorIndexType::SymInt) {}
  TensorIndex(int integer) : TensorIndex(static_cast<int64_t>(integer)) {}
  template <class T, class = std::enable_if_t<std::is_same_v<bool, T>>>
  TensorIndex(T boolean) : boolean_(boolean), type_(TensorIndexType::Boolean) {}
  TensorIndex(Slice slice) : slice_(slice), type_(TensorIndexType::Slice) {}
  TensorIndex(Tensor tensor) : tensor_(std::move(tensor)), type_(TensorIndexType::Tensor) {}

  bool is_none() const { return type_ == TensorIndexType::None; }
  bool is_ellipsis() const { return type_ == TensorIndexType::Ellipsis; }
  bool is_integer() const { return type_ == TensorIndexType::SymInt; }
  bool is_boolean() const { return type_ == TensorIndexType::Boolean; }
  bool is_slice() const { return type_ == TensorIndexType::Slice; }
  bool is_tensor() const { return type_ == TensorIndexType::Tensor; }
  int64_t integer() const { return integer_; }
  bool boolean() const { return boolean_; }
  const Slice& slice() const { return slice_; }
  const Tensor& tensor() const { return tensor_; }

 private:
  int64_t integer_ = 0;
  bool boolean_ = false;
  Slice slice_;
  Tensor tensor_;
  TensorIndexType type_;
};
std::ostream& operator<<(std::ostream& os, const TensorIndex& i);

}  // namespace indexing
}  // namespace ember

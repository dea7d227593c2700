#pragma once
// BatchDataset (yields batches for a batch request), Dataset (random access by index; batches
// by default example by example) and StreamDataset (batch request = a number of examples).
#include <concepts>
#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/array_ref.h"
#include "ember/data/example.h"

namespace ember {
namespace data {
namespace datasets {

template <typename S, typename T>
class MapDataset;
template <typename D, typename T>
MapDataset<D, T> map(D, T);  // NOLINT

namespace detail {
template <typename T>
struct is_optional : std::false_type {};
template <typename T>
struct is_optional<std::optional<T>> : std::true_type {};

// See Note [Stacked batches] in map.h. (Traits rather than concepts: the public headers stay
// valid C++17, the standard most libtorch programs are built with.)
template <typename D, typename = void>
struct is_stacked_batch_source : std::false_type {};
template <typename D>
struct is_stacked_batch_source<
    D, std::enable_if_t<std::is_same_v<decltype(std::declval<D&>().get_batch_stacked(
                                           std::declval<ArrayRef<size_t>>())),
                                       std::optional<Example<>>>>> : std::true_type {};
template <typename D>
constexpr bool StackedBatchSource = is_stacked_batch_source<D>::value;
}  // namespace detail

template <typename Self, typename Batch = std::vector<Example<>>,
          typename BatchRequest = ArrayRef<size_t>>
class BatchDataset {
 public:
  using SelfType = Self;
  using BatchType = Batch;
  using BatchRequestType = BatchRequest;
  // Stateful datasets return optional batches (nullopt ends the epoch).
  constexpr static bool is_stateful = detail::is_optional<BatchType>::value;

  virtual ~BatchDataset() = default;
  virtual Batch get_batch(BatchRequest request) = 0;
  // The number of examples, or nullopt if unknown.
  virtual std::optional<size_t> size() const = 0;

  // A MapDataset applying `transform` to this dataset's batches.
  template <typename TransformType>
  MapDataset<Self, TransformType> map(TransformType transform) & {
    return datasets::map(static_cast<Self&>(*this), std::move(transform));
  }
  template <typename TransformType>
  MapDataset<Self, TransformType> map(TransformType transform) && {
    return datasets::map(std::move(static_cast<Self&>(*this)), std::move(transform));
  }
};

template <typename Self, typename SingleExample = Example<>>
class Dataset : public BatchDataset<Self, std::vector<SingleExample>> {
 public:
  using ExampleType = SingleExample;

  virtual ExampleType get(size_t index) = 0;

  // Calls get() for every index.
  std::vector<ExampleType> get_batch(ArrayRef<size_t> indices) override {
    std::vector<ExampleType> batch;
    batch.reserve(indices.size());
    for (const auto i : indices) batch.push_back(get(i));
    return batch;
  }
};

template <typename Self, typename Batch = std::vector<Example<>>>
using StreamDataset = BatchDataset<Self, Batch, /*BatchRequest=*/size_t>;

}  // namespace datasets
}  // namespace data
}  // namespace ember

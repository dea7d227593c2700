#pragma once
// MapDataset: a source dataset with a transform applied to each of its batches.
//
// Note [Stacked batches]: the usual pipeline MNIST -> Normalize -> Stack builds every batch from
// B single-example views, 2B small ops and a stack. A source that can produce a whole batch as
// one stacked Example<> (get_batch_stacked: MNIST does it with index_select) skips that: each
// transform in between that can apply itself to the stacked batch with the same result
// (can_apply_stacked / apply_stacked: Normalize) does so, and Stack<Example<>> returns the batch
// as it comes. Results are bit-identical to the example-by-example path, which is used whenever
// any piece declines (a subclass overriding get()/operator(), other transforms, other shapes).
#include <optional>
#include <type_traits>
#include <utility>

#include "ember/data/datasets/base.h"

namespace ember {
namespace data {
namespace transforms {
template <typename T>
struct Stack;
}  // namespace transforms

namespace datasets {
namespace detail {
template <bool C, typename T>
using optional_if_t = std::conditional_t<C, std::optional<T>, T>;

template <typename T, typename = void>
struct is_stacked_transform : std::false_type {};
template <typename T>
struct is_stacked_transform<
    T, std::enable_if_t<
           std::is_same_v<decltype(std::declval<T&>().can_apply_stacked()), bool> &&
           std::is_same_v<decltype(std::declval<T&>().apply_stacked(std::declval<Example<>>())),
                          Example<>>>> : std::true_type {};
template <typename T>
constexpr bool StackedTransform = is_stacked_transform<T>::value;
}  // namespace detail

template <typename SourceDataset, typename AppliedTransform>
class MapDataset
    : public BatchDataset<MapDataset<SourceDataset, AppliedTransform>,
                          detail::optional_if_t<SourceDataset::is_stateful,
                                                typename AppliedTransform::OutputBatchType>,
                          typename SourceDataset::BatchRequestType> {
 public:
  using DatasetType = SourceDataset;
  using TransformType = AppliedTransform;
  using BatchRequestType = typename SourceDataset::BatchRequestType;
  using OutputBatchType =
      detail::optional_if_t<SourceDataset::is_stateful, typename AppliedTransform::OutputBatchType>;

  MapDataset(DatasetType dataset, TransformType transform)
      : dataset_(std::move(dataset)), transform_(std::move(transform)) {}

  OutputBatchType get_batch(BatchRequestType indices) override {
    if constexpr (SourceDataset::is_stateful) {
      // Optional.map(): an empty batch (end of epoch) stays empty.
      if (auto batch = dataset_.get_batch(std::move(indices))) {
        return transform_.apply_batch(std::move(*batch));
      }
      return std::nullopt;
    } else {
      if constexpr (std::is_same_v<AppliedTransform, transforms::Stack<Example<>>> &&
                    detail::StackedBatchSource<SourceDataset>) {
        if (auto stacked = dataset_.get_batch_stacked(indices)) return std::move(*stacked);
      }
      return transform_.apply_batch(dataset_.get_batch(std::move(indices)));
    }
  }

  // See Note [Stacked batches].
  template <
      typename S = SourceDataset,
      std::enable_if_t<detail::StackedBatchSource<S> && detail::StackedTransform<AppliedTransform>,
                       int> = 0>
  std::optional<Example<>> get_batch_stacked(ArrayRef<size_t> indices) {
    if (!transform_.can_apply_stacked()) return std::nullopt;
    auto batch = dataset_.get_batch_stacked(indices);
    if (!batch) return std::nullopt;
    return transform_.apply_stacked(std::move(*batch));
  }

  std::optional<size_t> size() const noexcept override { return dataset_.size(); }

  // Resets the source dataset (stateful sources only).
  void reset() { dataset_.reset(); }

  const SourceDataset& dataset() noexcept { return dataset_; }
  const AppliedTransform& transform() noexcept { return transform_; }

 private:
  SourceDataset dataset_;
  AppliedTransform transform_;
};

template <typename DatasetType, typename TransformType>
MapDataset<DatasetType, TransformType> map(DatasetType dataset, TransformType transform) {
  static_assert(
      std::is_same_v<
          std::conditional_t<DatasetType::is_stateful, typename DatasetType::BatchType::value_type,
                             typename DatasetType::BatchType>,
          typename TransformType::InputBatchType>,
      "BatchType type of dataset does not match input type of transform");
  return {std::move(dataset), std::move(transform)};
}

}  // namespace datasets
}  // namespace data
}  // namespace ember

#pragma once
// CIFAR-10 in its binary format (ember's, libtorch has none): data_batch_1.bin ...
// data_batch_5.bin (train) or test_batch.bin (test) in `root`, each a sequence of 3073-byte
// records {u8 label, 3x32x32 u8 pixels (R, G, B planes)}. Images are float [N, 3, 32, 32] in
// [0, 1], targets int64 [N] (0..9); file lengths and labels are checked.
#include <cstddef>
#include <optional>
#include <string>

#include "ember/data/datasets/base.h"

namespace ember {
namespace data {
namespace datasets {

class CIFAR10 : public Dataset<CIFAR10> {
 public:
  enum class Mode { kTrain, kTest };

  explicit CIFAR10(const std::string& root, Mode mode = Mode::kTrain);

  Example<> get(size_t index) override;
  std::optional<size_t> size() const override;
  bool is_train() const noexcept;
  const Tensor& images() const;
  const Tensor& targets() const;

  // See Note [Stacked batches].
  std::optional<Example<>> get_batch_stacked(ArrayRef<size_t> indices);

 private:
  Tensor images_, targets_;
  bool train_;
};

}  // namespace datasets
}  // namespace data
}  // namespace ember

#pragma once
// MNIST (and Fashion-MNIST: same files) from the IDX files in `root`: train-images-idx3-ubyte,
// train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each optionally
// gzip-compressed (name + ".gz"; the uncompressed file wins if both exist). Images are float
// [N, 1, rows, cols] in [0, 1] (pixel / 255), targets int64 [N], as libtorch's. Files are checked
// as hostile input: magic numbers, dimensions, counts and lengths.
#include <cstddef>
#include <optional>
#include <string>

#include "ember/data/datasets/base.h"

namespace ember {
namespace data {
namespace datasets {

class MNIST : public Dataset<MNIST> {
 public:
  enum class Mode { kTrain, kTest };

  explicit MNIST(const std::string& root, Mode mode = Mode::kTrain);

  Example<> get(size_t index) override;
  std::optional<size_t> size() const override;
  bool is_train() const noexcept;
  // All images [N, 1, rows, cols] / all targets [N].
  const Tensor& images() const;
  const Tensor& targets() const;

  // See Note [Stacked batches]: the batch as index_select of images and targets.
  std::optional<Example<>> get_batch_stacked(ArrayRef<size_t> indices);

 private:
  Tensor images_, targets_;
  bool train_;
};

}  // namespace datasets
}  // namespace data
}  // namespace ember

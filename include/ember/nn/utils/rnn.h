#pragma once
// torch::nn::utils::rnn: PackedSequence and the pack/pad helpers (composites, so autograd flows
// through data).
#include <optional>
#include <tuple>

#include "ember/core/tensor.h"

namespace ember {
namespace nn {
namespace utils {
namespace rnn {

// The inverse of a permutation (undefined in, undefined out).
Tensor invert_permutation(const Tensor& permutation);

// Time-major packed rows: data [sum(batch_sizes), *], batch_sizes (int64, CPU) the number of
// sequences still running at each step, sorted_indices the order the batch was sorted into.
class PackedSequence {
 public:
  explicit PackedSequence(Tensor data = Tensor(), Tensor batch_sizes = Tensor(),
                          Tensor sorted_indices = Tensor(), Tensor unsorted_indices = Tensor());
  const Tensor& data() const { return data_; }
  const Tensor& batch_sizes() const { return batch_sizes_; }
  const Tensor& sorted_indices() const { return sorted_indices_; }
  const Tensor& unsorted_indices() const { return unsorted_indices_; }
  PackedSequence to(TensorOptions options) const;
  PackedSequence cpu() const { return to(TensorOptions().device(kCPU)); }
  bool is_cuda() const { return data_.is_cuda(); }

 private:
  Tensor data_;
  Tensor batch_sizes_;
  Tensor sorted_indices_;
  Tensor unsorted_indices_;
};

PackedSequence pack_padded_sequence(Tensor input, Tensor lengths, bool batch_first = false,
                                    bool enforce_sorted = true);
// Returns (padded, lengths); lengths is int64 in the original batch order.
std::tuple<Tensor, Tensor> pad_packed_sequence(PackedSequence sequence, bool batch_first = false,
                                               double padding_value = 0.0,
                                               std::optional<int64_t> total_length = std::nullopt);
Tensor pad_sequence(TensorList sequences, bool batch_first = false, double padding_value = 0);
PackedSequence pack_sequence(TensorList sequences, bool enforce_sorted = true);

}  // namespace rnn
}  // namespace utils
}  // namespace nn
}  // namespace ember

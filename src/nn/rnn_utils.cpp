#include <algorithm>
#include <numeric>

#include "ember/ember.h"
#include "ember/nn/utils/rnn.h"

namespace ember {
namespace nn {
namespace utils {
namespace rnn {

namespace {
std::vector<int64_t> to_vector(const Tensor& t) {
  Tensor b = t.to(Device(kCPU)).to(kLong).contiguous();
  const int64_t* p = b.data_ptr<int64_t>();
  return std::vector<int64_t>(p, p + b.numel());
}
}  // namespace

Tensor invert_permutation(const Tensor& permutation) {
  if (!permutation.defined()) return Tensor();
  auto perm = to_vector(permutation);
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    EMBER_CHECK(perm[i] >= 0 && perm[i] < static_cast<int64_t>(perm.size()),
                "[invert_permutation] index ", perm[i], " out of range");
    inv[static_cast<size_t>(perm[i])] = static_cast<int64_t>(i);
  }
  return tensor(inv).to(permutation.device());
}

PackedSequence::PackedSequence(Tensor data, Tensor batch_sizes, Tensor sorted_indices,
                               Tensor unsorted_indices)
    : data_(std::move(data)),
      batch_sizes_(std::move(batch_sizes)),
      sorted_indices_(std::move(sorted_indices)),
      unsorted_indices_(std::move(unsorted_indices)) {
  if (!unsorted_indices_.defined()) unsorted_indices_ = invert_permutation(sorted_indices_);
  EMBER_CHECK(!batch_sizes_.defined() || batch_sizes_.device().type() == kCPU,
              "[PackedSequence] batch_sizes should always be on CPU. Instances of PackedSequence "
              "should never be created manually. They should be instantiated by functions like "
              "pack_sequence and pack_padded_sequences in nn::utils::rnn.");
}

PackedSequence PackedSequence::to(TensorOptions options) const {
  Tensor d = data_.to(options);
  if (d.is_same(data_)) return *this;
  auto idx = [&](const Tensor& t) { return t.defined() ? t.to(d.device()) : t; };
  return PackedSequence(d, batch_sizes_, idx(sorted_indices_), idx(unsorted_indices_));
}

PackedSequence pack_padded_sequence(Tensor input, Tensor lengths, bool batch_first,
                                    bool enforce_sorted) {
  const int64_t bdim = batch_first ? 0 : 1;
  EMBER_CHECK(input.dim() >= 2,
              "[pack_padded_sequence] input must have at least 2 dimensions, "
              "got ",
              input.dim());
  auto len = to_vector(lengths);
  EMBER_CHECK(static_cast<int64_t>(len.size()) == input.size(bdim),
              "[pack_padded_sequence] Expected `len(lengths)` to be equal to batch_size, but got ",
              len.size(), " (batch_size=", input.size(bdim), ")");
  Tensor sorted_indices;
  if (enforce_sorted) {
    for (size_t i = 1; i < len.size(); ++i)
      EMBER_CHECK(len[i - 1] >= len[i],
                  "[pack_padded_sequence] `lengths` array must be sorted in decreasing order when "
                  "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                  "pack_padded_sequence and/or pack_sequence to sidestep this requirement if you "
                  "do not need ONNX exportability.");
  } else {
    std::vector<int64_t> order(len.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return len[a] > len[b]; });
    std::vector<int64_t> sorted_len;
    for (int64_t i : order) sorted_len.push_back(len[static_cast<size_t>(i)]);
    len = sorted_len;
    sorted_indices = tensor(order).to(input.device());
    input = input.index_select(bdim, sorted_indices);
  }
  for (int64_t l : len)
    EMBER_CHECK(l > 0,
                "[pack_padded_sequence] Length of all samples has to be greater than 0, "
                "but found an element in 'lengths' that is <= 0");
  if (batch_first) input = input.transpose(0, 1);
  const int64_t T = len.empty() ? 0 : len[0];
  EMBER_CHECK(T <= input.size(0), "[pack_padded_sequence] lengths exceed the input's ",
              input.size(0), " time steps");
  std::vector<int64_t> bs;
  std::vector<Tensor> rows;
  for (int64_t t = 0; t < T; ++t) {
    int64_t b = 0;
    while (b < static_cast<int64_t>(len.size()) && len[static_cast<size_t>(b)] > t) ++b;
    bs.push_back(b);
    rows.push_back(input.select(0, t).narrow(0, 0, b));
  }
  Tensor data = rows.empty() ? empty({0}, input.options()) : cat(rows, 0);
  return PackedSequence(data, tensor(bs), sorted_indices, Tensor());
}

std::tuple<Tensor, Tensor> pad_packed_sequence(PackedSequence sequence, bool batch_first,
                                               double padding_value,
                                               std::optional<int64_t> total_length) {
  auto bs = to_vector(sequence.batch_sizes());
  const int64_t T = static_cast<int64_t>(bs.size());
  int64_t out_len = T;
  if (total_length) {
    EMBER_CHECK(*total_length >= T,
                "[pad_packed_sequence] Expected total_length to be at least "
                "the length of the longest sequence in input, but got total_length=",
                *total_length, " and max sequence length being ", T);
    out_len = *total_length;
  }
  const Tensor& data = sequence.data();
  const int64_t B = T > 0 ? bs[0] : 0;
  std::vector<int64_t> row_shape(data.sizes().begin(), data.sizes().end());
  std::vector<Tensor> steps;
  int64_t off = 0;
  for (int64_t t = 0; t < T; ++t) {
    Tensor rows = data.narrow(0, off, bs[static_cast<size_t>(t)]);
    off += bs[static_cast<size_t>(t)];
    if (bs[static_cast<size_t>(t)] < B) {
      row_shape[0] = B - bs[static_cast<size_t>(t)];
      rows = cat({rows, full(row_shape, padding_value, data.options())}, 0);
    }
    steps.push_back(rows);
  }
  if (out_len > T || T == 0) {
    row_shape[0] = B;
    for (int64_t t = T; t < out_len; ++t)
      steps.push_back(full(row_shape, padding_value, data.options()));
  }
  row_shape[0] = B;
  row_shape.insert(row_shape.begin(), 0);
  Tensor padded = steps.empty() ? empty(row_shape, data.options()) : stack(steps, 0);
  std::vector<int64_t> lengths(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t)
      lengths[static_cast<size_t>(b)] += bs[static_cast<size_t>(t)] > b;
  Tensor len = tensor(lengths);
  if (sequence.unsorted_indices().defined()) {
    padded = padded.index_select(1, sequence.unsorted_indices());
    len = len.index_select(0, sequence.unsorted_indices().to(Device(kCPU)));
  }
  if (batch_first) padded = padded.transpose(0, 1);
  return {padded, len};
}

Tensor pad_sequence(TensorList sequences, bool batch_first, double padding_value) {
  EMBER_CHECK(!sequences.empty(), "[pad_sequence] received an empty list of sequences");
  int64_t T = 0;
  for (const auto& s : sequences) {
    EMBER_CHECK(s.dim() >= 1, "[pad_sequence] each sequence must have at least 1 dimension");
    T = std::max(T, s.size(0));
  }
  std::vector<Tensor> cols;
  for (const auto& s : sequences) {
    EMBER_CHECK(s.sizes().slice(1) == sequences[0].sizes().slice(1),
                "[pad_sequence] trailing dimensions of all sequences must match");
    if (s.size(0) < T) {
      std::vector<int64_t> shape(s.sizes().begin(), s.sizes().end());
      shape[0] = T - s.size(0);
      cols.push_back(cat({s, full(shape, padding_value, s.options())}, 0));
    } else {
      cols.push_back(s);
    }
  }
  return stack(cols, batch_first ? 0 : 1);
}

PackedSequence pack_sequence(TensorList sequences, bool enforce_sorted) {
  std::vector<int64_t> lengths;
  for (const auto& s : sequences) lengths.push_back(s.size(0));
  return pack_padded_sequence(pad_sequence(sequences), tensor(lengths), false, enforce_sorted);
}

}  // namespace rnn
}  // namespace utils
}  // namespace nn
}  // namespace ember

// Samplers: sequential, random, distributed (random and sequential) and stream, with libtorch's
// orders and archive keys.
#include <algorithm>
#include <numeric>
#include <random>

#include "ember/data/samplers.h"
#include "ember/ops/factory.h"
#include "ember/ops/random.h"

namespace ember {
namespace data {
namespace samplers {
namespace {

Tensor index_tensor(size_t value) { return ember::tensor(static_cast<int64_t>(value), kLong); }

size_t read_index(serialize::InputArchive& archive, const char* key) {
  Tensor t;
  archive.read(key, t, /*is_buffer=*/true);
  EMBER_CHECK(t.numel() == 1, "[Sampler] '", key, "' must hold one number, got ", t.numel());
  const int64_t v = t.item<int64_t>();
  EMBER_CHECK(v >= 0, "[Sampler] '", key, "' must not be negative, got ", v);
  return static_cast<size_t>(v);
}

}  // namespace

// ---- SequentialSampler ----

SequentialSampler::SequentialSampler(size_t size) : size_(size) {}

void SequentialSampler::reset(std::optional<size_t> new_size) {
  if (new_size) size_ = *new_size;
  index_ = 0;
}

std::optional<std::vector<size_t>> SequentialSampler::next(size_t batch_size) {
  const size_t remaining = size_ - index_;
  if (remaining == 0) return std::nullopt;
  std::vector<size_t> batch(std::min(batch_size, remaining));
  std::iota(batch.begin(), batch.end(), index_);
  index_ += batch.size();
  return batch;
}

void SequentialSampler::save(serialize::OutputArchive& archive) const {
  archive.write("index", index_tensor(index_), /*is_buffer=*/true);
}

void SequentialSampler::load(serialize::InputArchive& archive) {
  const size_t index = read_index(archive, "index");
  EMBER_CHECK(index <= size_, "[SequentialSampler] saved index ", index,
              " is past the sampler's size ", size_);
  index_ = index;
}

size_t SequentialSampler::index() const noexcept { return index_; }

// ---- RandomSampler ----

RandomSampler::RandomSampler(int64_t size, Dtype index_dtype)
    : indices_(randperm(size, TensorOptions().dtype(index_dtype))) {}

RandomSampler::~RandomSampler() = default;

void RandomSampler::reset(std::optional<size_t> new_size) {
  const auto size = static_cast<int64_t>(new_size.value_or(static_cast<size_t>(indices_.numel())));
  indices_ = randperm(size, indices_.options());
  index_ = 0;
}

std::optional<std::vector<size_t>> RandomSampler::next(size_t batch_size) {
  const auto remaining = static_cast<size_t>(indices_.numel() - index_);
  if (remaining == 0) return std::nullopt;
  std::vector<size_t> batch(std::min(batch_size, remaining));
  Tensor slice = indices_.slice(0, index_, index_ + static_cast<int64_t>(batch.size()));
  if (slice.scalar_type() != kLong) slice = slice.to(kLong);
  slice = slice.contiguous();
  const int64_t* data = slice.data_ptr<int64_t>();
  std::copy(data, data + batch.size(), batch.begin());
  index_ += static_cast<int64_t>(batch.size());
  return batch;
}

void RandomSampler::save(serialize::OutputArchive& archive) const {
  archive.write("index", index_tensor(static_cast<size_t>(index_)), /*is_buffer=*/true);
  archive.write("indices", indices_, /*is_buffer=*/true);
}

void RandomSampler::load(serialize::InputArchive& archive) {
  const size_t index = read_index(archive, "index");
  Tensor indices;
  archive.read("indices", indices, /*is_buffer=*/true);
  EMBER_CHECK(indices.dim() == 1, "[RandomSampler] saved indices must be 1-D, got ", indices.dim(),
              " dims");
  EMBER_CHECK(index <= static_cast<size_t>(indices.numel()), "[RandomSampler] saved index ", index,
              " is past the ", indices.numel(), " saved indices");
  indices_ = indices;
  index_ = static_cast<int64_t>(index);
}

size_t RandomSampler::index() const noexcept { return static_cast<size_t>(index_); }

// ---- DistributedRandomSampler ----

DistributedRandomSampler::DistributedRandomSampler(size_t size, size_t num_replicas, size_t rank,
                                                   bool allow_duplicates)
    : DistributedSampler(size, num_replicas, rank, allow_duplicates) {
  reset(size_);
}

std::optional<std::vector<size_t>> DistributedRandomSampler::next(size_t batch_size) {
  if (sample_index_ == end_index_) return std::nullopt;
  const size_t end = std::min(sample_index_ + batch_size, end_index_);
  std::vector<size_t> batch(all_indices_.begin() + static_cast<std::ptrdiff_t>(sample_index_),
                            all_indices_.begin() + static_cast<std::ptrdiff_t>(end));
  sample_index_ = end;
  return batch;
}

void DistributedRandomSampler::reset(std::optional<size_t> new_size) {
  size_ = new_size.value_or(size_);
  populate_indices();
  // libtorch's shuffle: every rank draws the same permutation for the same epoch.
  std::mt19937 rand(static_cast<std::mt19937::result_type>(epoch_));
  std::shuffle(all_indices_.begin(), all_indices_.end(), rand);
  sample_index_ = begin_index_;
}

void DistributedRandomSampler::populate_indices() {
  const size_t local = local_sample_count();
  const size_t count = num_replicas_ == 1 ? size_ : local * num_replicas_;
  all_indices_.resize(count);
  std::iota(all_indices_.begin(), all_indices_.end(), size_t{0});
  // Padding past size_ repeats samples from the start so all ranks get the same count.
  for (size_t i = size_; i < count; ++i) all_indices_[i] = (i - size_) % std::max<size_t>(size_, 1);
  begin_index_ = rank_ * local;
  end_index_ = begin_index_ + local;
  sample_index_ = begin_index_;
}

void DistributedRandomSampler::save(serialize::OutputArchive& archive) const {
  archive.write("sample_index_", index_tensor(sample_index_), /*is_buffer=*/true);
  archive.write("epoch_", index_tensor(epoch_), /*is_buffer=*/true);
}

void DistributedRandomSampler::load(serialize::InputArchive& archive) {
  epoch_ = read_index(archive, "epoch_");
  reset(size_);  // rebuild this epoch's permutation
  const size_t index = read_index(archive, "sample_index_");
  EMBER_CHECK(index >= begin_index_ && index <= end_index_, "[DistributedRandomSampler] saved ",
              "sample index ", index, " is outside this rank's range [", begin_index_, ", ",
              end_index_, "]");
  sample_index_ = index;
}

size_t DistributedRandomSampler::index() const noexcept { return sample_index_; }

// ---- DistributedSequentialSampler ----

DistributedSequentialSampler::DistributedSequentialSampler(size_t size, size_t num_replicas,
                                                           size_t rank, bool allow_duplicates)
    : DistributedSampler(size, num_replicas, rank, allow_duplicates) {
  populate_indices();
}

std::optional<std::vector<size_t>> DistributedSequentialSampler::next(size_t batch_size) {
  if (sample_index_ == end_index_) return std::nullopt;
  const size_t end = std::min(sample_index_ + batch_size, end_index_);
  std::vector<size_t> batch(end - sample_index_);
  std::iota(batch.begin(), batch.end(), sample_index_);
  if (end >= size_) {
    for (size_t& index : batch) index %= size_;  // wrapped padding (allow_duplicates)
  }
  sample_index_ = end;
  return batch;
}

void DistributedSequentialSampler::reset(std::optional<size_t> new_size) {
  const size_t size = new_size.value_or(size_);
  if (size != size_) {
    size_ = size;
    populate_indices();
  } else {
    sample_index_ = begin_index_;
  }
}

void DistributedSequentialSampler::populate_indices() {
  begin_index_ = rank_ * local_sample_count();
  end_index_ = begin_index_ + local_sample_count();
  sample_index_ = begin_index_;
}

void DistributedSequentialSampler::save(serialize::OutputArchive& archive) const {
  archive.write("sample_index_", index_tensor(sample_index_), /*is_buffer=*/true);
}

void DistributedSequentialSampler::load(serialize::InputArchive& archive) {
  const size_t index = read_index(archive, "sample_index_");
  EMBER_CHECK(index >= begin_index_ && index <= end_index_,
              "[DistributedSequentialSampler] saved sample index ", index,
              " is outside this rank's range [", begin_index_, ", ", end_index_, "]");
  sample_index_ = index;
}

size_t DistributedSequentialSampler::index() const noexcept { return sample_index_; }

// ---- StreamSampler ----

BatchSize::BatchSize(size_t size) : size_(size) {}
size_t BatchSize::size() const noexcept { return size_; }
BatchSize::operator size_t() const noexcept { return size_; }

StreamSampler::StreamSampler(size_t epoch_size) : epoch_size_(epoch_size) {}

void StreamSampler::reset(std::optional<size_t> new_size) {
  if (new_size) epoch_size_ = *new_size;
  examples_retrieved_so_far_ = 0;
}

std::optional<BatchSize> StreamSampler::next(size_t batch_size) {
  if (examples_retrieved_so_far_ >= epoch_size_) return std::nullopt;
  batch_size = std::min(batch_size, epoch_size_ - examples_retrieved_so_far_);
  examples_retrieved_so_far_ += batch_size;
  return BatchSize(batch_size);
}

void StreamSampler::save(serialize::OutputArchive& archive) const {
  archive.write("examples_retrieved_so_far", index_tensor(examples_retrieved_so_far_),
                /*is_buffer=*/true);
}

void StreamSampler::load(serialize::InputArchive& archive) {
  examples_retrieved_so_far_ = read_index(archive, "examples_retrieved_so_far");
}

}  // namespace samplers
}  // namespace data
}  // namespace ember

// CIFAR-10 binary batches (raw or gzip): records of {label, 3072 pixel bytes}, checked.
#include "ember/data/datasets/cifar.h"

#include <cstring>
#include <typeinfo>
#include <vector>

#include "ember/ops/factory.h"
#include "src/data/data_file.h"
#include "src/data/gather.h"

namespace ember {
namespace data {
namespace datasets {
namespace {

constexpr int64_t kSide = 32;
constexpr int64_t kPixels = 3 * kSide * kSide;
constexpr uint64_t kRecord = 1 + kPixels;
constexpr int kClasses = 10;

std::string join_path(const std::string& root, const std::string& name) {
  if (root.empty() || root.back() == '/') return root + name;
  return root + "/" + name;
}

}  // namespace

CIFAR10::CIFAR10(const std::string& root, Mode mode) : train_(mode == Mode::kTrain) {
  std::vector<std::string> names;
  if (train_) {
    for (int i = 1; i <= 5; ++i) names.push_back("data_batch_" + std::to_string(i) + ".bin");
  } else {
    names.push_back("test_batch.bin");
  }
  std::vector<std::vector<uint8_t>> contents;
  int64_t total = 0;
  for (const auto& name : names) {
    data::detail::DataFile f("CIFAR10", join_path(root, name));
    if (f.size_known() && (f.content_size() == 0 || f.content_size() % kRecord != 0)) {
      f.fail(ember::detail::str_cat("size mismatch: ", f.content_size(),
                                    " bytes is not a positive multiple of the ", kRecord,
                                    "-byte record"));
    }
    auto bytes = f.read_rest();
    if (bytes.empty() || bytes.size() % kRecord != 0) {
      f.fail(ember::detail::str_cat("size mismatch: ", bytes.size(),
                                    " bytes is not a positive multiple of the ", kRecord,
                                    "-byte record"));
    }
    const uint64_t records = bytes.size() / kRecord;
    for (uint64_t r = 0; r < records; ++r) {
      const uint8_t label = bytes[r * kRecord];
      if (label >= kClasses) {
        f.fail(ember::detail::str_cat("label ", int{label}, " of record ", r,
                                      " is not a class in 0..", kClasses - 1));
      }
    }
    total += static_cast<int64_t>(records);
    contents.push_back(std::move(bytes));
  }
  Tensor pixels = empty({total, 3, kSide, kSide}, kByte);
  targets_ = empty({total}, kLong);
  uint8_t* px = pixels.data_ptr<uint8_t>();
  int64_t* tg = targets_.data_ptr<int64_t>();
  for (const auto& bytes : contents) {
    for (uint64_t r = 0; r < bytes.size() / kRecord; ++r) {
      *tg++ = bytes[r * kRecord];
      std::memcpy(px, bytes.data() + r * kRecord + 1, kPixels);
      px += kPixels;
    }
  }
  images_ = pixels.to(kFloat).div_(255);
}

Example<> CIFAR10::get(size_t index) {
  EMBER_CHECK_INDEX(index < static_cast<size_t>(images_.size(0)), "[CIFAR10] index ", index,
                    " is out of range for a dataset of ", images_.size(0), " examples");
  const auto i = static_cast<int64_t>(index);
  return {images_[i], targets_[i]};
}

std::optional<size_t> CIFAR10::size() const { return static_cast<size_t>(images_.size(0)); }

bool CIFAR10::is_train() const noexcept { return train_; }

const Tensor& CIFAR10::images() const { return images_; }

const Tensor& CIFAR10::targets() const { return targets_; }

std::optional<Example<>> CIFAR10::get_batch_stacked(ArrayRef<size_t> indices) {
  // A subclass may override get(); an empty batch takes the generic path (and its error).
  if (typeid(*this) != typeid(CIFAR10) || indices.empty()) return std::nullopt;
  return Example<>(data::detail::gather_rows(images_, indices, "CIFAR10"),
                   data::detail::gather_rows(targets_, indices, "CIFAR10"));
}

}  // namespace datasets
}  // namespace data
}  // namespace ember

// MNIST / Fashion-MNIST from IDX files (raw or gzip), checked as hostile input.
#include "ember/data/datasets/mnist.h"

#include <cstdio>
#include <cstring>
#include <typeinfo>

#include "ember/ops/factory.h"
#include "src/data/data_file.h"
#include "src/data/gather.h"

namespace ember {
namespace data {
namespace datasets {
namespace {

constexpr uint32_t kImageMagicNumber = 0x00000803;   // IDX: unsigned bytes, 3 dims
constexpr uint32_t kTargetMagicNumber = 0x00000801;  // IDX: unsigned bytes, 1 dim

std::string join_path(const std::string& root, const char* name) {
  if (root.empty() || root.back() == '/') return root + name;
  return root + "/" + name;
}

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", v);
  return buf;
}

void check_magic(data::detail::DataFile& f, uint32_t expected, const char* kind) {
  const uint32_t magic = f.read_u32_be("header");
  if (magic != expected) {
    f.fail(ember::detail::str_cat("wrong magic number ", hex(magic), ", expected ", hex(expected),
                                  " (", kind, ")"));
  }
}

// Checks that `payload` bytes fit what the file can hold after its header.
void check_payload(data::detail::DataFile& f, uint64_t header, uint64_t payload,
                   const std::string& what) {
  if (f.size_known()) {
    if (f.content_size() != header + payload) {
      f.fail(ember::detail::str_cat("size mismatch: the header announces ", what, " (", payload,
                                    " bytes after the ", header, "-byte header) but the file has ",
                                    f.content_size(), " bytes"));
    }
  } else if (payload > f.max_content_size()) {
    f.fail(ember::detail::str_cat("the header announces ", what, " (", payload,
                                  " bytes), more than the compressed file can hold"));
  }
}

Tensor read_images(const std::string& path) {
  data::detail::DataFile f("MNIST", path);
  check_magic(f, kImageMagicNumber, "IDX image file: unsigned bytes, 3 dimensions");
  const uint32_t count = f.read_u32_be("header");
  const uint32_t rows = f.read_u32_be("header");
  const uint32_t cols = f.read_u32_be("header");
  if (count == 0 || rows == 0 || cols == 0 || rows > 65536 || cols > 65536) {
    f.fail(ember::detail::str_cat("bad dimensions ", count, " x ", rows, " x ", cols));
  }
  const uint64_t bytes = uint64_t{count} * rows * cols;  // < 2^64: count < 2^32, rows*cols <= 2^32
  check_payload(f, 16, bytes,
                ember::detail::str_cat(count, " images of ", rows, " x ", cols, " pixels"));
  Tensor pixels = empty(
      {static_cast<int64_t>(count), 1, static_cast<int64_t>(rows), static_cast<int64_t>(cols)},
      kByte);
  f.read_exact(pixels.data_ptr<uint8_t>(), bytes, "pixel data");
  f.expect_end("pixel data");
  return pixels.to(kFloat).div_(255);
}

Tensor read_targets(const std::string& path) {
  data::detail::DataFile f("MNIST", path);
  check_magic(f, kTargetMagicNumber, "IDX label file: unsigned bytes, 1 dimension");
  const uint32_t count = f.read_u32_be("header");
  if (count == 0) f.fail("holds no labels");
  check_payload(f, 8, count, ember::detail::str_cat(count, " labels"));
  Tensor labels = empty({static_cast<int64_t>(count)}, kByte);
  f.read_exact(labels.data_ptr<uint8_t>(), count, "labels");
  f.expect_end("labels");
  return labels.to(kLong);
}

}  // namespace

MNIST::MNIST(const std::string& root, Mode mode) : train_(mode == Mode::kTrain) {
  const char* images_name = train_ ? "train-images-idx3-ubyte" : "t10k-images-idx3-ubyte";
  const char* labels_name = train_ ? "train-labels-idx1-ubyte" : "t10k-labels-idx1-ubyte";
  images_ = read_images(join_path(root, images_name));
  targets_ = read_targets(join_path(root, labels_name));
  EMBER_CHECK(images_.size(0) == targets_.size(0), "[MNIST] ", join_path(root, labels_name),
              " has ", targets_.size(0), " labels but ", join_path(root, images_name), " has ",
              images_.size(0), " images");
}

Example<> MNIST::get(size_t index) {
  EMBER_CHECK_INDEX(index < static_cast<size_t>(images_.size(0)), "[MNIST] index ", index,
                    " is out of range for a dataset of ", images_.size(0), " examples");
  const auto i = static_cast<int64_t>(index);
  return {images_[i], targets_[i]};
}

std::optional<size_t> MNIST::size() const { return static_cast<size_t>(images_.size(0)); }

bool MNIST::is_train() const noexcept { return train_; }

const Tensor& MNIST::images() const { return images_; }

const Tensor& MNIST::targets() const { return targets_; }

std::optional<Example<>> MNIST::get_batch_stacked(ArrayRef<size_t> indices) {
  // A subclass may override get(); an empty batch takes the generic path (and its error).
  if (typeid(*this) != typeid(MNIST) || indices.empty()) return std::nullopt;
  return Example<>(data::detail::gather_rows(images_, indices, "MNIST"),
                   data::detail::gather_rows(targets_, indices, "MNIST"));
}

}  // namespace datasets
}  // namespace data
}  // namespace ember

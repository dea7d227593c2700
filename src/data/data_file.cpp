// DataFile: raw or gzip dataset files through zlib's gz* API, with every length checked.
#include "src/data/data_file.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "ember/core/error.h"

namespace ember {
namespace data {
namespace detail {
namespace {

constexpr uint64_t kMaxDeflateRatio = 1032;  // deflate cannot expand data further than this
constexpr unsigned kChunk = 1u << 30;        // gzread takes an unsigned int length

bool is_regular_file(const std::string& path, uint64_t& size) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  size = std::filesystem::file_size(path, ec);
  return !ec;
}

}  // namespace

DataFile::DataFile(std::string dataset, const std::string& path) : dataset_(std::move(dataset)) {
  if (is_regular_file(path, file_size_)) {
    path_ = path;
  } else if (is_regular_file(path + ".gz", file_size_)) {
    path_ = path + ".gz";
    compressed_ = true;
  } else {
    EMBER_ERROR("[", dataset_, "] cannot find ", path, " (nor ", path, ".gz)");
  }
  gz_ = gzopen(path_.c_str(), "rb");
  if (gz_ == nullptr) fail(std::string("cannot open: ") + std::strerror(errno));
  gzbuffer(static_cast<gzFile>(gz_), 1u << 20);
  if (compressed_ && gzdirect(static_cast<gzFile>(gz_))) {
    // The destructor does not run for a constructor that throws: close the file here.
    gzclose(static_cast<gzFile>(gz_));
    gz_ = nullptr;
    fail("not a gzip file");
  }
  // A raw file read through gz* is passed through unchanged (gzdirect), so its length is exact.
  max_content_ = compressed_ ? file_size_ * kMaxDeflateRatio + 4096 : file_size_;
}

DataFile::~DataFile() {
  if (gz_ != nullptr) gzclose(static_cast<gzFile>(gz_));
}

void DataFile::fail(const std::string& message) const {
  EMBER_ERROR("[", dataset_, "] ", path_, ": ", message);
}

uint64_t DataFile::read_some(void* dst, uint64_t n) {
  auto* out = static_cast<uint8_t*>(dst);
  uint64_t done = 0;
  while (done < n) {
    const auto want = static_cast<unsigned>(std::min<uint64_t>(n - done, kChunk));
    const int got = gzread(static_cast<gzFile>(gz_), out + done, want);
    int err = Z_OK;
    const char* msg = gzerror(static_cast<gzFile>(gz_), &err);
    if (got < 0 || (err != Z_OK && err != Z_STREAM_END)) {
      if (err == Z_BUF_ERROR) fail("truncated gzip data (the compressed stream ends early)");
      fail(std::string("corrupt gzip data (") + (msg ? msg : "unknown zlib error") + ")");
    }
    if (got == 0) break;
    done += static_cast<uint64_t>(got);
  }
  consumed_ += done;
  return done;
}

void DataFile::read_exact(void* dst, uint64_t n, const char* what) {
  const uint64_t start = consumed_;
  const uint64_t got = read_some(dst, n);
  if (got != n) {
    fail(ember::detail::str_cat("truncated: expected ", n, " bytes of ", what, " at byte ", start,
                                " but the file ends after ", got));
  }
}

uint32_t DataFile::read_u32_be(const char* what) {
  uint8_t b[4];
  read_exact(b, 4, what);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}

std::vector<uint8_t> DataFile::read_rest() {
  std::vector<uint8_t> out;
  uint64_t cap = compressed_ ? std::min<uint64_t>(max_content_, 64u << 20) : file_size_ - consumed_;
  out.resize(cap);
  uint64_t size = 0;
  while (true) {
    size += read_some(out.data() + size, out.size() - size);
    if (size < out.size()) break;
    if (out.size() >= max_content_) {
      uint8_t extra;
      if (read_some(&extra, 1) != 0) fail("decompresses to more data than deflate allows");
      break;
    }
    out.resize(std::min<uint64_t>(max_content_, out.size() * 2 + 1));
  }
  out.resize(size);
  return out;
}

void DataFile::expect_end(const char* what) {
  uint8_t extra[64];
  const uint64_t start = consumed_;
  uint64_t more = 0;
  while (true) {
    const uint64_t got = read_some(extra, sizeof(extra));
    more += got;
    if (got < sizeof(extra)) break;
    if (more > (1u << 20)) break;  // enough to say it is wrong
  }
  if (more != 0) {
    fail(std::string("unexpected data after the ") + what + ": " + std::to_string(more) +
         (more > (1u << 20) ? "+" : "") + " trailing bytes after byte " + std::to_string(start));
  }
}

}  // namespace detail
}  // namespace data
}  // namespace ember

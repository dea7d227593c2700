#pragma once
// DataFile: a dataset file read as hostile input, raw or gzip-compressed (zlib), sequentially.
// Every failure is an ember::Error starting with "[<dataset>] <path>: ".
#include <cstdint>
#include <string>
#include <vector>

namespace ember {
namespace data {
namespace detail {

class DataFile {
 public:
  // Opens `path`, or `path` + ".gz" when only that exists.
  DataFile(std::string dataset, const std::string& path);
  ~DataFile();
  DataFile(const DataFile&) = delete;
  DataFile& operator=(const DataFile&) = delete;

  const std::string& path() const { return path_; }
  bool compressed() const { return compressed_; }
  // The most bytes the file can yield: its length if raw, deflate's 1032:1 limit if gzip.
  uint64_t max_content_size() const { return max_content_; }
  // True when the content length is exactly known (raw files): content_size() is then valid.
  bool size_known() const { return !compressed_; }
  uint64_t content_size() const { return file_size_; }

  // Reads exactly n bytes; `what` names them in the error if the file ends first.
  void read_exact(void* dst, uint64_t n, const char* what);
  uint32_t read_u32_be(const char* what);
  // Reads everything left (at most max_content_size()).
  std::vector<uint8_t> read_rest();
  // Throws unless the file has no bytes left (and, if gzip, its trailer checks out).
  void expect_end(const char* what);

  // Throws "[<dataset>] <path>: <message>".
  [[noreturn]] void fail(const std::string& message) const;

 private:
  // Reads up to n bytes; returns how many (fewer only at the end of the content).
  uint64_t read_some(void* dst, uint64_t n);

  std::string dataset_;
  std::string path_;
  bool compressed_ = false;
  uint64_t file_size_ = 0;
  uint64_t max_content_ = 0;
  uint64_t consumed_ = 0;
  void* gz_ = nullptr;  // gzFile
};

}  // namespace detail
}  // namespace data
}  // namespace ember

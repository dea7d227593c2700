#pragma once
// Zip archives for PyTorch's .pt format (internal). The reader treats the buffer as hostile: every
// offset and size is bounds checked, CRC-32s are verified, inflated sizes must equal the declared
// ones. The writer stores entries with their data aligned to 64 bytes as PyTorch's writer does.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ember {
namespace serialize {
namespace detail {

struct ZipEntry {
  std::string name;
  uint16_t method = 0;  // 0 stored, 8 deflated
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;
  uint64_t data_offset = 0;  // first byte of the (compressed) data in the buffer
};

class ZipReader {
 public:
  // `what` prefixes every error message (e.g. "[torch.load]").
  explicit ZipReader(std::shared_ptr<const std::string> buffer, std::string what = "[torch.load]");
  // Reads `data`, which `owner` keeps alive (a string, a file mapping).
  ZipReader(std::string_view data, std::shared_ptr<const void> owner,
            std::string what = "[torch.load]");

  const std::vector<ZipEntry>& entries() const { return entries_; }
  std::vector<std::string> names() const;
  // nullptr when absent.
  const ZipEntry* find(std::string_view name) const;
  // The entry's bytes (inflated when deflated), CRC checked.
  std::string read(const ZipEntry& entry) const;
  std::string read(std::string_view name) const;
  // A stored entry's bytes inside the buffer (zero copy), CRC checked; errors for deflated ones.
  std::string_view stored_view(const ZipEntry& entry) const;
  // The whole archive.
  std::string_view data() const { return data_; }

 private:
  void parse();
  std::string_view data_;
  std::shared_ptr<const void> owner_;
  std::string what_;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string, size_t> index_;
};

// Entries are stored (no compression); each record's data starts at a multiple of 64 bytes.
class ZipWriter {
 public:
  void add(const std::string& name, std::string_view data);
  // Appends the central directory and end records and returns the whole archive.
  std::string finish();
  // Writes zip64 extra fields and records even for small archives (tests).
  void set_force_zip64(bool on) { force_zip64_ = on; }

 private:
  std::string out_;
  std::vector<ZipEntry> entries_;
  bool force_zip64_ = false;
  bool finished_ = false;
};

uint32_t crc32_of(std::string_view data);

}  // namespace detail
}  // namespace serialize
}  // namespace ember

#pragma once
// A whole file mapped read-only and copy-on-write (internal), shared by the safetensors and .pt
// readers for zero-copy loading. See Note [Zero-copy loading].
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "ember/core/storage.h"

namespace ember {
namespace serialize {
namespace detail {

// Note [Zero-copy loading]: a file is mapped with PROT_READ | PROT_WRITE and MAP_PRIVATE, so a
// tensor viewing the mapping can be written to (the pages are copied, the file never changes) and
// the mapping survives the file being unlinked or replaced by rename. The mapping lives as long as
// any storage made by view_storage. As with any mmap, truncating the file while such tensors live
// makes access to the lost pages fault (SIGBUS); ember's writers replace files by rename.
class MappedFile {
 public:
  // `what` prefixes errors ("[safetensors] path: "); an empty file maps to no bytes.
  static std::shared_ptr<MappedFile> open(const std::string& path, const std::string& what);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const char* data() const { return static_cast<const char*>(addr_); }
  size_t size() const { return len_; }
  std::string_view bytes() const { return {data(), len_}; }

 private:
  MappedFile() = default;
  void* addr_ = nullptr;
  size_t len_ = 0;
};

// A CPU storage over `nbytes` at `p` inside `file`'s mapping, keeping the mapping alive.
Storage view_storage(const std::shared_ptr<MappedFile>& file, const char* p, size_t nbytes);

}  // namespace detail
}  // namespace serialize
}  // namespace ember

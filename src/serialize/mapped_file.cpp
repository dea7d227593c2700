// Read-only copy-on-write file mappings (src/serialize/mapped_file.h).
#include "src/serialize/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ember/core/error.h"

namespace ember {
namespace serialize {
namespace detail {

std::shared_ptr<MappedFile> MappedFile::open(const std::string& path, const std::string& what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  EMBER_CHECK(fd >= 0, what, "cannot open: ", std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    EMBER_ERROR(what, "not a regular file");
  }
  std::shared_ptr<MappedFile> map(new MappedFile());
  map->len_ = static_cast<size_t>(st.st_size);
  if (map->len_ == 0) {  // mmap refuses length 0
    ::close(fd);
    return map;
  }
  void* addr = ::mmap(nullptr, map->len_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  const int err = errno;
  ::close(fd);
  if (addr == MAP_FAILED) {
    map->len_ = 0;
    EMBER_ERROR(what, "mmap failed: ", std::strerror(err));
  }
  map->addr_ = addr;
  return map;
}

MappedFile::~MappedFile() {
  if (addr_ != nullptr) ::munmap(addr_, len_);
}

Storage view_storage(const std::shared_ptr<MappedFile>& file, const char* p, size_t nbytes) {
  EMBER_CHECK(p >= file->data() && nbytes <= file->size() &&
                  static_cast<size_t>(p - file->data()) <= file->size() - nbytes,
              "[serialize] view outside the mapped file");
  std::shared_ptr<MappedFile> hold = file;
  return make_intrusive<StorageImpl>(
      const_cast<char*>(p), nbytes, [hold](void*) mutable { hold.reset(); }, Device(kCPU));
}

}  // namespace detail
}  // namespace serialize
}  // namespace ember

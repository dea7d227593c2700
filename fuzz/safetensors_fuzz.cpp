// libFuzzer target for the safetensors reader: any input either loads or raises ember::Error;
// whatever loads must write back and load again to the same tensors, from bytes and from an
// mmap'd file (a memfd, so no disk traffic).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "ember/serialize/safetensors.h"

namespace {

void fail(const char* what) {
  std::fprintf(stderr, "safetensors_fuzz: %s\n", what);
  std::abort();
}

bool same(const ember::Tensor& a, const ember::Tensor& b) {
  if (a.dtype() != b.dtype() || a.sizes() != b.sizes()) return false;
  return a.nbytes() == b.nbytes() &&
         (a.nbytes() == 0 || std::memcmp(a.data_ptr(), b.data_ptr(), a.nbytes()) == 0);
}

// Loads `bytes` through safetensors_load(path) on a memfd; returns false if it threw.
bool load_via_mmap(const uint8_t* data, size_t size, ember::serialize::SafetensorsFile& out) {
  int fd = ::memfd_create("safetensors_fuzz", MFD_CLOEXEC);
  if (fd < 0) return false;
  size_t off = 0;
  while (off < size) {
    ssize_t n = ::write(fd, data + off, size - off);
    if (n <= 0) {
      ::close(fd);
      return false;
    }
    off += static_cast<size_t>(n);
  }
  bool ok = true;
  try {
    out = ember::serialize::safetensors_load("/proc/self/fd/" + std::to_string(fd));
  } catch (const ember::Error&) {
    ok = false;
  }
  ::close(fd);
  return ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ember::serialize;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  SafetensorsFile f;
  bool loaded = true;
  try {
    f = safetensors_load_bytes(bytes);
  } catch (const ember::Error&) {
    loaded = false;
  }
  SafetensorsFile m;
  if (load_via_mmap(data, size, m) != loaded) fail("bytes and mmap loads disagree");
  if (!loaded) return 0;
  if (m.tensors.size() != f.tensors.size()) fail("mmap load differs");
  for (size_t i = 0; i < f.tensors.size(); ++i) {
    if (m.tensors[i].key() != f.tensors[i].key() ||
        !same(m.tensors[i].value(), f.tensors[i].value()))
      fail("mmap load differs");
    // Writing to a loaded tensor must be allowed (copy-on-write for mapped ones).
    if (m.tensors[i].value().nbytes() > 0)
      std::memset(m.tensors[i].value().data_ptr(), 1, m.tensors[i].value().nbytes());
  }
  // What loads must save and load back unchanged.
  std::string again = safetensors_save_bytes(f.tensors, f.metadata);
  SafetensorsFile g = safetensors_load_bytes(again);
  if (g.tensors.size() != f.tensors.size() || g.metadata != f.metadata) fail("round trip differs");
  for (const auto& item : f.tensors) {
    const ember::Tensor* t = g.tensors.find(item.key());
    if (!t || !same(*t, item.value())) fail("round trip differs");
  }
  return 0;
}

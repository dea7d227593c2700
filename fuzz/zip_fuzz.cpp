// libFuzzer target: the .pt zip reader and the whole pt_load path on arbitrary bytes.
// Any input must give a result or an ember::Error: never a crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "ember/serialize/pt.h"
#include "src/serialize/zip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto buffer = std::make_shared<const std::string>(reinterpret_cast<const char*>(data), size);
  try {
    ember::serialize::detail::ZipReader zip(buffer);
    for (const auto& e : zip.entries()) {
      try {
        (void)zip.read(e);
      } catch (const ember::Error&) {
      }
    }
  } catch (const ember::Error&) {
  }
  try {
    (void)ember::serialize::pt_load_bytes(*buffer);
  } catch (const ember::Error&) {
  }
  return 0;
}

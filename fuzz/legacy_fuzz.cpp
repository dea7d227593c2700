// libFuzzer target: the legacy (non-zip) torch.save reader on arbitrary bytes (five pickles and
// raw storages). Any input must give a result or an ember::Error: never a crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "src/serialize/legacy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (void)ember::serialize::detail::load_legacy(
        std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const ember::Error&) {
  }
  return 0;
}

// libFuzzer target: the restricted unpickler on arbitrary bytes, with storages of any key
// served up to 64 Ki elements. Any input must give a result or an ember::Error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ember/core/tensor.h"
#include "src/serialize/pickle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ember;
  auto loader = [](const std::string&, ScalarType dtype, int64_t numel) {
    EMBER_CHECK(numel <= (int64_t(1) << 16), "[fuzz] storage too large");
    return make_intrusive<StorageImpl>(static_cast<size_t>(numel) * element_size(dtype),
                                       cpu_allocator(), Device(kCPU));
  };
  try {
    (void)serialize::detail::unpickle(
        std::string_view(reinterpret_cast<const char*>(data), size), loader);
  } catch (const ember::Error&) {
  }
  return 0;
}

#pragma once
// Cache keys compared and hashed as bytes (the cuBLASLt and cuDNN algorithm caches): plain
// structs without padding bytes (each key static_asserts its size), FNV-1a over the bytes.
#include <cstddef>
#include <cstring>

namespace ember::cuda {

template <class Key>
struct BytesEqual {
  bool operator()(const Key& a, const Key& b) const {
    return std::memcmp(&a, &b, sizeof(Key)) == 0;
  }
};

template <class Key>
struct BytesHash {
  size_t operator()(const Key& k) const {
    size_t h = 1469598103934665603ull;
    const auto* p = reinterpret_cast<const unsigned char*>(&k);
    for (size_t i = 0; i < sizeof(Key); ++i) h = (h ^ p[i]) * 1099511628211ull;
    return h;
  }
};

}  // namespace ember::cuda

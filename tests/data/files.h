#pragma once
// Test helpers: temp dirs and crafted dataset files (IDX, CIFAR), raw or gzip-compressed.
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ember_test {

inline std::string temp_dir(const std::string& name) {
  auto dir = std::filesystem::path(::testing::TempDir()) /
             ("ember_data_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

using Bytes = std::vector<uint8_t>;

inline void put_u32(Bytes& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}

// IDX images: magic 0x803, count, rows, cols, pixels (pixel k of image i = (i * 7 + k) % 256).
inline Bytes idx_images(uint32_t count, uint32_t rows, uint32_t cols) {
  Bytes b;
  put_u32(b, 0x803);
  put_u32(b, count);
  put_u32(b, rows);
  put_u32(b, cols);
  for (uint32_t i = 0; i < count; ++i)
    for (uint32_t k = 0; k < rows * cols; ++k) b.push_back(static_cast<uint8_t>((i * 7 + k) % 256));
  return b;
}

// IDX labels: magic 0x801, count, label i = i % 10.
inline Bytes idx_labels(uint32_t count) {
  Bytes b;
  put_u32(b, 0x801);
  put_u32(b, count);
  for (uint32_t i = 0; i < count; ++i) b.push_back(static_cast<uint8_t>(i % 10));
  return b;
}

inline void write_raw(const std::string& path, const Bytes& b) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

inline void write_gz(const std::string& path, const Bytes& b) {
  gzFile f = gzopen(path.c_str(), "wb");
  if (!b.empty()) gzwrite(f, b.data(), static_cast<unsigned>(b.size()));
  gzclose(f);
}

inline Bytes read_raw(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

}  // namespace ember_test

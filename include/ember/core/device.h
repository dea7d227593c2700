#pragma once
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

namespace ember {

enum class DeviceType : int8_t { CPU = 0, CUDA = 1 };
constexpr DeviceType kCPU = DeviceType::CPU;
constexpr DeviceType kCUDA = DeviceType::CUDA;

using DeviceIndex = int8_t;

class Device {
 public:
  /* implicit */ Device(DeviceType type, DeviceIndex index = -1) : type_(type), index_(index) {}
  // Parses "cpu", "cuda", "cuda:1".
  /* implicit */ Device(const std::string& spec);
  /* implicit */ Device(const char* spec) : Device(std::string(spec)) {}
  DeviceType type() const noexcept { return type_; }
  DeviceIndex index() const noexcept { return index_; }
  bool has_index() const noexcept { return index_ != -1; }
  bool is_cpu() const noexcept { return type_ == kCPU; }
  bool is_cuda() const noexcept { return type_ == kCUDA; }
  void set_index(DeviceIndex i) { index_ = i; }
  std::string str() const;
  bool operator==(const Device& o) const noexcept {
    return type_ == o.type_ && index_ == o.index_;
  }
  bool operator!=(const Device& o) const noexcept { return !(*this == o); }

 private:
  DeviceType type_;
  DeviceIndex index_;
};

std::ostream& operator<<(std::ostream& os, DeviceType t);
std::ostream& operator<<(std::ostream& os, const Device& d);

}  // namespace ember

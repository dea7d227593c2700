// Errors, dtypes, devices, scalars, options: the small value types of the core layer.
#include <atomic>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "ember/core/device.h"
#include "ember/core/error.h"
#include "ember/core/scalar.h"
#include "ember/core/scalar_type.h"
#include "ember/core/tensor_options.h"

namespace ember {

namespace detail {
void throw_error(const std::string& msg) { throw Error(msg); }
void throw_index_error(const std::string& msg) { throw IndexError(msg); }
void warn(const char* file, int line, const std::string& msg) {
  std::cerr << "[W " << file << ":" << line << "] Warning: " << msg << std::endl;
}
void throw_scalar_overflow(const char* type) {
  throw Error(std::string("value cannot be converted to type ") + type + " without overflow");
}
}  // namespace detail

const char* toString(ScalarType t) {
  switch (t) {
    case kByte:
      return "Byte";
    case kChar:
      return "Char";
    case kShort:
      return "Short";
    case kInt:
      return "Int";
    case kLong:
      return "Long";
    case kHalf:
      return "Half";
    case kFloat:
      return "Float";
    case kDouble:
      return "Double";
    case kBool:
      return "Bool";
    case kBFloat16:
      return "BFloat16";
    default:
      return "Undefined";
  }
}

const char* dtype_name(ScalarType t) {
  switch (t) {
    case kByte:
      return "torch.uint8";
    case kChar:
      return "torch.int8";
    case kShort:
      return "torch.int16";
    case kInt:
      return "torch.int32";
    case kLong:
      return "torch.int64";
    case kHalf:
      return "torch.float16";
    case kFloat:
      return "torch.float32";
    case kDouble:
      return "torch.float64";
    case kBool:
      return "torch.bool";
    case kBFloat16:
      return "torch.bfloat16";
    default:
      return "Undefined";
  }
}

std::ostream& operator<<(std::ostream& os, ScalarType t) { return os << toString(t); }

ScalarType promoteTypes(ScalarType a, ScalarType b) {
  if (a == b) return a;
  if (a == ScalarType::Undefined || b == ScalarType::Undefined) return ScalarType::Undefined;
  if (a == kBool) return b;
  if (b == kBool) return a;
  bool fa = isFloatingType(a), fb = isFloatingType(b);
  if (fa && fb) {
    if (a == kDouble || b == kDouble) return kDouble;
    return kFloat;  // {Half, BFloat16, Float} pairs that differ
  }
  if (fa) return a;
  if (fb) return b;
  // Both integral. uint8 with a signed type needs a wider signed type.
  if (a == kByte || b == kByte) {
    ScalarType s = a == kByte ? b : a;
    return s == kChar ? kShort : s;
  }
  return element_size(a) >= element_size(b) ? a : b;
}

bool canCast(ScalarType from, ScalarType to) {
  if (isFloatingType(from) && isIntegralType(to, true)) return false;
  if (from != kBool && to == kBool) return false;
  return true;
}

static std::atomic<ScalarType> g_default_dtype{kFloat};
ScalarType get_default_dtype() { return g_default_dtype.load(std::memory_order_relaxed); }
void set_default_dtype(ScalarType t) {
  EMBER_CHECK(isFloatingType(t),
              "[set_default_dtype] only floating-point types are supported as "
              "the default type, got ",
              toString(t));
  g_default_dtype.store(t);
}

Device::Device(const std::string& spec) : type_(kCPU), index_(-1) {
  auto colon = spec.find(':');
  std::string s(spec, 0, colon);
  std::string idx = colon == std::string::npos ? std::string() : spec.substr(colon + 1);
  if (s == "cpu") {
    type_ = kCPU;
  } else if (s == "cuda") {
    type_ = kCUDA;
  } else {
    EMBER_ERROR("[Device] Expected one of cpu, cuda device type at start of device string: ", spec);
  }
  if (colon != std::string::npos) {
    EMBER_CHECK(
        !idx.empty() && idx.size() < 4 && idx.find_first_not_of("0123456789") == std::string::npos,
        "[Device] Invalid device string: '", spec, "'");
    index_ = static_cast<DeviceIndex>(std::stoi(idx));
  }
}

std::string Device::str() const {
  std::ostringstream os;
  os << (type_ == kCPU ? "cpu" : "cuda");
  if (has_index()) os << ':' << static_cast<int>(index_);
  return os.str();
}

std::ostream& operator<<(std::ostream& os, DeviceType t) {
  return os << (t == kCPU ? "cpu" : "cuda");
}
std::ostream& operator<<(std::ostream& os, const Device& d) { return os << d.str(); }

std::ostream& operator<<(std::ostream& os, const Scalar& s) {
  switch (s.tag()) {
    case Scalar::Tag::Double:
      return os << s.toDouble();
    case Scalar::Tag::Long:
      return os << s.toLong();
    default:
      return os << (s.toBool() ? "true" : "false");
  }
}

std::ostream& operator<<(std::ostream& os, const TensorOptions& o) {
  return os << "TensorOptions(dtype=" << toString(o.dtype()) << ", device=" << o.device()
            << ", layout=Strided, requires_grad=" << (o.requires_grad() ? "true" : "false") << ")";
}

}  // namespace ember

#pragma once
// PyTorch's legacy (non-zip, PyTorch < 1.6) torch.save format, read only (internal). See Note
// [Legacy .pt format] in legacy.cpp.
#include <string_view>

#include "ember/core/ivalue.h"

namespace ember {
namespace serialize {
namespace detail {

// True when `bytes` starts like a legacy file (a pickle's PROTO opcode).
bool looks_like_legacy(std::string_view bytes);

// The object the file holds; storages are copied out of `bytes`.
IValue load_legacy(std::string_view bytes);

}  // namespace detail
}  // namespace serialize
}  // namespace ember

#pragma once
// safetensors (Hugging Face's tensor file format): read with mmap and zero copy, write as the
// reference implementation does. Files are hostile input: every header rule of the format is
// checked before any tensor is built, and each failure raises
// ember::Error("[safetensors] <file>: <what>"). See Note [safetensors].
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ember/core/ordered_dict.h"
#include "ember/core/tensor.h"

namespace ember {
namespace serialize {

// Note [safetensors]: u64 little-endian header length N (<= 100,000,000 and <= file size - 8),
// N bytes of UTF-8 JSON (an object, may end in whitespace padding), then the data buffer. The
// object maps tensor names to {"dtype", "shape", "data_offsets": [begin, end]} (exactly these
// keys) and may hold "__metadata__": a string -> string map (or null). Sorted by begin, the
// entries must tile the buffer from 0 to its end with no gaps or overlaps, and each end - begin
// must equal numel * itemsize. Duplicate keys are refused. dtypes: F64 F32 F16 BF16 I64 I32 I16
// I8 U8 BOOL (BOOL bytes must be 0 or 1); others are refused by name. The writer orders entries
// by dtype alignment (descending, the reference's enum order) then name, writes `__metadata__`
// first, and pads the header with spaces to a multiple of 8 so that every tensor is aligned.

using SafetensorsMetadata = std::vector<std::pair<std::string, std::string>>;

struct SafetensorsFile {
  // In file order (by data offset).
  OrderedDict<std::string, Tensor> tensors;
  // `__metadata__` in the order the header lists it.
  SafetensorsMetadata metadata;
};

// Maps the file read-only, copy-on-write (MAP_PRIVATE): tensors whose data is aligned to their
// element size view the mapping without a copy (writing to them never reaches the file); the
// mapping goes away with the last such tensor. Unaligned tensors are copied. As with any mmap,
// the file must not be truncated while such tensors live (access would raise SIGBUS); replacing
// it by rename, as safetensors_save does, is safe.
SafetensorsFile safetensors_load(const std::string& path);
// Copies every tensor out of `bytes`.
SafetensorsFile safetensors_load_bytes(std::string_view bytes);
SafetensorsFile safetensors_load(std::istream& stream);

// CPU tensors of any ember dtype; non-contiguous ones are written contiguous. The file is
// written atomically (temp file, fsync, rename).
void safetensors_save(const OrderedDict<std::string, Tensor>& tensors, const std::string& path,
                      const SafetensorsMetadata& metadata = {});
std::string safetensors_save_bytes(const OrderedDict<std::string, Tensor>& tensors,
                                   const SafetensorsMetadata& metadata = {});
void safetensors_save(const OrderedDict<std::string, Tensor>& tensors, std::ostream& stream,
                      const SafetensorsMetadata& metadata = {});

}  // namespace serialize
}  // namespace ember

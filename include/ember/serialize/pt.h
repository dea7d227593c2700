#pragma once
// PyTorch's .pt format (torch.save / torch.load with weights_only=True): a zip archive holding
// data.pkl (a restricted pickle) and one record per storage. Loading never imports or runs
// anything named by the file; every size and offset is checked. Saving writes files that
// torch.load(path, weights_only=True) accepts, with storages shared as the tensors share them.
#include <iosfwd>
#include <string>
#include <string_view>

#include "ember/core/ordered_dict.h"
#include "ember/serialize/ivalue.h"

namespace ember {
namespace serialize {

// The object torch.save wrote: nested dicts/lists/tuples of tensors, ints, floats, strings,
// bools and None. Tensors are on the CPU; views and shared storages keep their sharing.
// From a path the file is mapped (read-only, copy-on-write): storages whose records are stored
// (not deflated) and 64-byte aligned, as torch.save writes them, view the mapping without a copy;
// writing to such tensors never reaches the file, and the mapping lives as long as they do (the
// file may be unlinked or replaced by rename meanwhile, not truncated). Other records are copied.
// Loaded dtypes and devices (torch.float32, torch.device('cuda', 1)) are IValue ScalarType and
// Device values; complex, quantized, sparse and meta tensors and sets are refused by name.
IValue pt_load(const std::string& path);
IValue pt_load(std::istream& stream);
IValue pt_load_bytes(std::string_view bytes);

// Atomic (temp file, fsync, rename). Dicts are written as plain dicts.
void pt_save(const IValue& obj, const std::string& path);
void pt_save(const IValue& obj, std::ostream& stream);
std::string pt_save_bytes(const IValue& obj);

// A top-level dict of tensors (a state_dict), written as collections.OrderedDict.
OrderedDict<std::string, Tensor> pt_load_tensors(const std::string& path);
OrderedDict<std::string, Tensor> pt_load_tensors_bytes(std::string_view bytes);
void pt_save_tensors(const OrderedDict<std::string, Tensor>& tensors, const std::string& path);
std::string pt_save_tensors_bytes(const OrderedDict<std::string, Tensor>& tensors);

}  // namespace serialize
}  // namespace ember

#pragma once
// One entry point for checkpoint files of named tensors, in the format PyTorch users have:
// ember::load_file / ember::save_file pick PyTorch's zip+pickle format (.pt, .pth, .bin) or
// safetensors (.safetensors) from the file name. Both readers treat the file as hostile input and
// never run code from it (see include/ember/serialize/pt.h and safetensors.h for the details and
// for nested containers and metadata).
#include <iosfwd>
#include <string>
#include <string_view>

#include "ember/core/ordered_dict.h"
#include "ember/core/tensor.h"

namespace ember {

enum class FileFormat { kPyTorch, kSafetensors };

// The format a path names: .pt/.pth/.bin -> kPyTorch, .safetensors -> kSafetensors; anything else
// is an error naming the path.
FileFormat file_format_for(const std::string& path);

// Loads the tensors of a state-dict-like file. A .pt must hold a dict (or OrderedDict) of tensors
// at its top level; other objects are refused (load them with serialize::pt_load).
OrderedDict<std::string, Tensor> load_file(const std::string& path);
OrderedDict<std::string, Tensor> load_file(std::istream& stream, FileFormat format);
OrderedDict<std::string, Tensor> load_file_bytes(std::string_view bytes, FileFormat format);

// Writes atomically: the file appears complete or not at all.
void save_file(const OrderedDict<std::string, Tensor>& tensors, const std::string& path);
void save_file(const OrderedDict<std::string, Tensor>& tensors, std::ostream& stream,
               FileFormat format);
std::string save_file_bytes(const OrderedDict<std::string, Tensor>& tensors, FileFormat format);

}  // namespace ember

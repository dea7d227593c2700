// ember::load_file / save_file: the format follows the file name (Note in file.h), and the
// Module::load_from / save_to conveniences built on them.
#include "ember/serialize/file.h"

#include <iterator>
#include <sstream>

#include "ember/nn/module.h"
#include "ember/serialize.h"
#include "ember/serialize/pt.h"
#include "ember/serialize/safetensors.h"

namespace ember {

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i) {
    char c = s[s.size() - suffix.size() + i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != suffix[i]) return false;
  }
  return true;
}

std::string read_stream(std::istream& stream, const char* op) {
  std::string bytes((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
  EMBER_CHECK(!stream.bad(), "[", op, "] reading the stream failed");
  return bytes;
}

}  // namespace

FileFormat file_format_for(const std::string& path) {
  if (ends_with(path, ".safetensors")) return FileFormat::kSafetensors;
  if (ends_with(path, ".pt") || ends_with(path, ".pth") || ends_with(path, ".bin")) {
    return FileFormat::kPyTorch;
  }
  EMBER_CHECK(false, "[load_file/save_file] cannot tell the format of '", path,
              "' from its name: expected a .pt, .pth, .bin or .safetensors file");
  return FileFormat::kPyTorch;
}

OrderedDict<std::string, Tensor> load_file(const std::string& path) {
  if (file_format_for(path) == FileFormat::kSafetensors) {
    return serialize::safetensors_load(path).tensors;
  }
  return serialize::pt_load_tensors(path);
}

OrderedDict<std::string, Tensor> load_file_bytes(std::string_view bytes, FileFormat format) {
  if (format == FileFormat::kSafetensors) return serialize::safetensors_load_bytes(bytes).tensors;
  return serialize::pt_load_tensors_bytes(bytes);
}

OrderedDict<std::string, Tensor> load_file(std::istream& stream, FileFormat format) {
  return load_file_bytes(read_stream(stream, "load_file"), format);
}

void save_file(const OrderedDict<std::string, Tensor>& tensors, const std::string& path) {
  if (file_format_for(path) == FileFormat::kSafetensors) {
    serialize::safetensors_save(tensors, path);
  } else {
    serialize::pt_save_tensors(tensors, path);
  }
}

std::string save_file_bytes(const OrderedDict<std::string, Tensor>& tensors, FileFormat format) {
  if (format == FileFormat::kSafetensors) return serialize::safetensors_save_bytes(tensors);
  return serialize::pt_save_tensors_bytes(tensors);
}

void save_file(const OrderedDict<std::string, Tensor>& tensors, std::ostream& stream,
               FileFormat format) {
  std::string bytes = save_file_bytes(tensors, format);
  stream.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  EMBER_CHECK(stream.good(), "[save_file] writing the stream failed");
}

// Module's file conveniences live here, above both nn and the file formats.
void nn::Module::save_to(const std::string& path) const { save_file(state_dict(), path); }

nn::Module::LoadResult nn::Module::load_from(const std::string& path, bool strict) {
  return load_state_dict(load_file(path), strict);
}

}  // namespace ember

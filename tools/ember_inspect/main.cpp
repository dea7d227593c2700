// ember-inspect FILE...: lists the tensors of a checkpoint (.pt/.pth/.bin or .safetensors) with
// name, dtype, shape, bytes and a CRC-32 of the tensor's data in row-major order, so two files
// (or a file and what Python sees) can be compared at a glance. Nothing in the file is executed.
#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "ember/ember.h"
#include "ember/serialize/file.h"
#include "ember/serialize/pt.h"
#include "ember/serialize/safetensors.h"

namespace {

struct Row {
  std::string name;
  ember::Tensor tensor;
};

std::string shape_of(const ember::Tensor& t) {
  std::string s = "[";
  for (int64_t d = 0; d < t.dim(); ++d) s += (d ? ", " : "") + std::to_string(t.size(d));
  return s + "]";
}

uint32_t checksum(const ember::Tensor& t) {
  ember::Tensor c = t.contiguous();
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* p = static_cast<const Bytef*>(c.data_ptr());
  size_t left = c.numel() * c.element_size();
  while (left > 0) {  // zlib's length is a uInt
    uInt n = left > (1u << 30) ? (1u << 30) : static_cast<uInt>(left);
    crc = crc32(crc, p, n);
    p += n;
    left -= n;
  }
  return static_cast<uint32_t>(crc);
}

// Flattens a .pt object tree: dict keys joined with '.', list and tuple items by index.
void walk(const ember::IValue& v, const std::string& name, std::vector<Row>& rows,
          std::vector<std::string>& others) {
  if (v.isTensor()) {
    rows.push_back({name, v.toTensor()});
  } else if (v.isGenericDict()) {
    for (const auto& e : v.toGenericDict()) {
      std::ostringstream key;
      if (e.key().isString()) {
        key << e.key().toStringRef();
      } else {
        key << e.key();
      }
      walk(e.value(), name.empty() ? key.str() : name + "." + key.str(), rows, others);
    }
  } else if (v.isList() || v.isTuple() || v.isTensorList()) {
    std::vector<ember::IValue> items;
    if (v.isTuple()) {
      items = v.toTuple()->elements();
    } else if (v.isTensorList()) {
      for (const auto& t : v.toTensorList()) items.emplace_back(t);
    } else {
      for (const auto& x : v.toList()) items.push_back(x);
    }
    for (size_t i = 0; i < items.size(); ++i) {
      walk(items[i], name.empty() ? std::to_string(i) : name + "." + std::to_string(i), rows,
           others);
    }
  } else {
    std::ostringstream s;
    s << (name.empty() ? "<root>" : name) << " = " << v;
    others.push_back(s.str());
  }
}

// torch.save writes a zip archive since PyTorch 1.6 (local file header "PK\3\4"); older files are
// a sequence of pickles, which pt_load also reads.
bool is_zip(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, sizeof magic);
  return in.gcount() == 4 && std::string_view(magic, 4) == std::string_view("PK\3\4", 4);
}

int inspect(const std::string& path) {
  std::vector<Row> rows;
  std::vector<std::string> others;
  const char* format = "";
  if (ember::file_format_for(path) == ember::FileFormat::kSafetensors) {
    format = "safetensors";
    auto file = ember::serialize::safetensors_load(path);
    for (const auto& item : file.tensors) rows.push_back({item.key(), item.value()});
    for (const auto& [k, v] : file.metadata) others.push_back("__metadata__." + k + " = " + v);
  } else {
    format = is_zip(path) ? "PyTorch zip+pickle" : "PyTorch legacy pickle (before 1.6)";
    walk(ember::serialize::pt_load(path), "", rows, others);
  }
  size_t width = 4;
  for (const auto& r : rows) width = std::max(width, r.name.size());
  uint64_t total = 0;
  std::printf("%s (%s): %zu tensors\n", path.c_str(), format, rows.size());
  std::printf("%-*s  %-9s %-20s %12s  %s\n", static_cast<int>(width), "name", "dtype", "shape",
              "bytes", "crc32");
  for (const auto& r : rows) {
    std::ostringstream dtype;
    dtype << r.tensor.scalar_type();
    uint64_t bytes = static_cast<uint64_t>(r.tensor.numel()) * r.tensor.element_size();
    total += bytes;
    std::printf("%-*s  %-9s %-20s %12llu  %08x\n", static_cast<int>(width), r.name.c_str(),
                dtype.str().c_str(), shape_of(r.tensor).c_str(),
                static_cast<unsigned long long>(bytes), checksum(r.tensor));
  }
  for (const auto& o : others) std::printf("%s\n", o.c_str());
  std::printf("total %llu bytes of tensor data\n", static_cast<unsigned long long>(total));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE [FILE...]  (.pt, .pth, .bin or .safetensors)\n", argv[0]);
    return 2;
  }
  int rc = 0;
  for (int i = 1; i < argc; ++i) {
    try {
      inspect(argv[i]);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ember-inspect: %s\n", e.what());
      rc = 1;
    }
  }
  return rc;
}

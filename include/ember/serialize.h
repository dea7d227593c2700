#pragma once
// Checkpoints: OutputArchive/InputArchive and torch::save/torch::load for tensors, tensor vectors,
// modules and optimizers. ember's own format (see Note [Checkpoint format]); PyTorch's .pt and
// safetensors are handled separately. Files are written atomically and read as hostile input.
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/pimpl.h"
#include "ember/optim/optimizer.h"

namespace ember {
namespace serialize {

// Note [Checkpoint format]: little-endian. "EMBRCKPT" magic, u32 version (1), u64 record count,
// then records {u32 key length, key bytes, u8 kind, payload}, then a u32 CRC-32 of everything
// before it. Payloads: tensor = i8 dtype, u32 ndim, i64 sizes[ndim], u64 nbytes, raw contiguous
// data; int = i64; double = f64; string = u32 length + bytes. Keys are dotted paths
// ("fc1.weight", "optimizer.state.3.exp_avg"). Loading checks every length against the file size,
// sizes for overflow, nbytes against the shape, and the CRC, before building anything.

class OutputArchive {
 public:
  void write(const std::string& key, const Tensor& tensor, bool is_buffer = false);
  void write(const std::string& key, int64_t value);
  void write(const std::string& key, double value);
  void write(const std::string& key, const std::string& value);
  // Nested archives become key prefixes ("key.").
  void write(const std::string& key, const OutputArchive& nested);
  void save_to(const std::string& filename) const;
  void save_to(std::ostream& stream) const;
  std::string to_bytes() const;

 private:
  friend class InputArchive;
  struct Value {
    uint8_t kind;
    Tensor tensor;
    int64_t i = 0;
    double d = 0;
    std::string s;
  };
  std::map<std::string, Value> records_;
};

class InputArchive {
 public:
  void load_from(const std::string& filename);
  void load_from(std::istream& stream);
  void load_from_bytes(const std::string& bytes);
  bool try_read(const std::string& key, Tensor& tensor, bool is_buffer = false) const;
  void read(const std::string& key, Tensor& tensor, bool is_buffer = false) const;
  bool try_read(const std::string& key, int64_t& value) const;
  void read(const std::string& key, int64_t& value) const;
  void read(const std::string& key, double& value) const;
  void read(const std::string& key, std::string& value) const;
  // Records under "key." as their own archive.
  bool try_read(const std::string& key, InputArchive& nested) const;
  void read(const std::string& key, InputArchive& nested) const;
  std::vector<std::string> keys() const;

 private:
  std::map<std::string, OutputArchive::Value> records_;
};

}  // namespace serialize

// Atomically writes `bytes` to `path` (temp file, flush, fsync, rename).
void write_file_atomic(const std::string& path, const std::string& bytes);

void save(const Tensor& tensor, const std::string& path);
void save(const std::vector<Tensor>& tensors, const std::string& path);
void load(Tensor& tensor, const std::string& path);
void load(std::vector<Tensor>& tensors, const std::string& path);
void save(const nn::Module& module, const std::string& path);
void load(nn::Module& module, const std::string& path);
void save(const optim::Optimizer& optimizer, const std::string& path);
void load(optim::Optimizer& optimizer, const std::string& path);
template <class C>
void save(const nn::ModuleHolder<C>& holder, const std::string& path) {
  save(static_cast<const nn::Module&>(*holder), path);
}
template <class C>
void load(nn::ModuleHolder<C>& holder, const std::string& path) {
  load(static_cast<nn::Module&>(*holder), path);
}

// Module and optimizer state to/from an archive (what save/load use).
void save_state(const nn::Module& module, serialize::OutputArchive& archive);
void load_state(nn::Module& module, const serialize::InputArchive& archive);
void save_state(const optim::Optimizer& optimizer, serialize::OutputArchive& archive);
void load_state(optim::Optimizer& optimizer, const serialize::InputArchive& archive);

}  // namespace ember

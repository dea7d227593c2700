#pragma once
// A restricted unpickler and a pickler for PyTorch's data.pkl (internal). See Note [Restricted
// unpickler] in pickle.cpp: nothing named by a file is ever imported or executed.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ember/core/ivalue.h"
#include "ember/core/storage.h"

namespace ember {
namespace serialize {
namespace detail {

// Returns the storage for persistent id ('storage', <dtype>Storage, key, location, numel); it must
// hold at least numel elements of dtype. Called once per key.
using StorageLoader =
    std::function<Storage(const std::string& key, ScalarType dtype, int64_t numel)>;

struct UnpickleLimits {
  size_t max_depth = 1000;             // nested containers and MARKs
  size_t max_memo = size_t{1} << 24;   // memo entries
  size_t max_stack = size_t{1} << 24;  // values on the stack
};

// With `consumed`, `data` may go on after the STOP opcode (the legacy format holds several
// pickles in a row) and *consumed receives the pickle's length; without it, that is fine too.
IValue unpickle(std::string_view data, const StorageLoader& load_storage,
                const UnpickleLimits& limits = {}, size_t* consumed = nullptr);

struct PickledStorage {
  std::string key;  // "0", "1", ... in order of first use
  Storage storage;
  size_t nbytes = 0;
};

struct PickleResult {
  std::string data;  // the pickle
  std::vector<PickledStorage> storages;
};

// Protocol 2 as torch.save writes it. With `ordered_dict`, a top-level dict is written as
// collections.OrderedDict (what state_dict() returns in Python).
PickleResult pickle(const IValue& value, bool ordered_dict = false);

// Structural UTF-8 check (what Python accepts for str).
bool is_valid_utf8(std::string_view s);

// The storage class name PyTorch uses for a dtype ("FloatStorage"); errors for others.
const char* storage_type_name(ScalarType dtype);

}  // namespace detail
}  // namespace serialize
}  // namespace ember

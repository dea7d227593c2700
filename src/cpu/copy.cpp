#include "src/kernels/copy.h"

#include <algorithm>
#include <cstring>

#include "ember/core/parallel.h"
#include "src/cpu/convert.h"
#include "src/cpu/loops.h"

namespace ember {
namespace {

// Same-dtype copies where one side runs along the iterator's dim 0 and the other along dim 1
// (x.t().contiguous(), permutes): square tiles through a local buffer, so that both the reads
// and the writes walk whole cache lines. Returns false when the layout is not like that.
template <class U>
void tiled_transpose(const TensorIterator& it) {
  constexpr int64_t kTile = 60;  // not a power of two: rows 2^k bytes apart share cache sets
  IntArrayRef shape = it.shape();
  int nd = it.ndim();
  int64_t n0 = shape[0], n1 = shape[1];
  int64_t rest = it.numel() / (n0 * n1);
  int64_t t0 = (n0 + kTile - 1) / kTile, t1 = (n1 + kTile - 1) / kTile;
  char* obase = static_cast<char*>(it.operand(0).data_ptr());
  const char* ibase = static_cast<const char*>(it.operand(1).data_ptr());
  const int64_t os0 = it.stride(0, 0), os1 = it.stride(0, 1), is0 = it.stride(1, 0),
                is1 = it.stride(1, 1);
  const bool unit_in_1 = is1 == static_cast<int64_t>(sizeof(U));
  int64_t grain = std::max<int64_t>(1, 32768 / (kTile * kTile));
  parallel_for(0, rest * t0 * t1, grain, [&](int64_t b, int64_t e) {
    U tile[kTile][kTile];
    for (int64_t t = b; t < e; ++t) {
      int64_t r = t / (t0 * t1), i0 = (t / t1) % t0 * kTile, j0 = t % t1 * kTile;
      char* o = obase;
      const char* in = ibase;
      for (int d = 2; d < nd; ++d) {  // offset of batch index r over dims 2..
        int64_t idx = r % shape[d];
        r /= shape[d];
        o += idx * it.stride(0, d);
        in += idx * it.stride(1, d);
      }
      int64_t i1 = std::min(n0, i0 + kTile), j1 = std::min(n1, j0 + kTile);
      // Unit-stride sides as typed pointers, the other stride a local: the loops vectorise and
      // nothing is reloaded through the (aliasing) byte stores.
      const int64_t s_in = unit_in_1 ? is0 : is1, s_out = unit_in_1 ? os1 : os0;
      if (unit_in_1) {  // input runs along dim 1, output along 0
        for (int64_t i = i0; i < i1; ++i) {
          const U* row = reinterpret_cast<const U*>(in + i * s_in);
          for (int64_t j = j0; j < j1; ++j) tile[j - j0][i - i0] = row[j];
        }
        for (int64_t j = j0; j < j1; ++j) {
          U* row = reinterpret_cast<U*>(o + j * s_out);
          for (int64_t i = i0; i < i1; ++i) row[i] = tile[j - j0][i - i0];
        }
      } else {  // input runs along dim 0, output along 1
        for (int64_t j = j0; j < j1; ++j) {
          const U* row = reinterpret_cast<const U*>(in + j * s_in);
          for (int64_t i = i0; i < i1; ++i) tile[i - i0][j - j0] = row[i];
        }
        for (int64_t i = i0; i < i1; ++i) {
          U* row = reinterpret_cast<U*>(o + i * s_out);
          for (int64_t j = j0; j < j1; ++j) row[j] = tile[i - i0][j - j0];
        }
      }
    }
  });
}

bool try_transpose_copy(const TensorIterator& it) {
  if (it.ndim() < 2 || it.ntensors() != 2) return false;
  int64_t esz = it.operand(0).element_size();
  bool a = it.stride(0, 0) == esz && it.stride(1, 1) == esz;
  bool b = it.stride(1, 0) == esz && it.stride(0, 1) == esz;
  if (!(a || b) || it.shape()[0] < 8 || it.shape()[1] < 8) return false;
  switch (esz) {
    case 1:
      tiled_transpose<uint8_t>(it);
      return true;
    case 2:
      tiled_transpose<uint16_t>(it);
      return true;
    case 4:
      tiled_transpose<uint32_t>(it);
      return true;
    case 8:
      tiled_transpose<uint64_t>(it);
      return true;
    default:
      return false;
  }
}

void copy_kernel(TensorIterator& it) {
  ScalarType dst = it.output_dtype(), src = it.input_dtype(0);
  if (dst == src && it.is_contiguous()) {
    // Same dtype, flat run: memcpy in parallel chunks.
    char* o = static_cast<char*>(it.operand(0).data_ptr());
    const char* i = static_cast<const char*>(it.operand(1).data_ptr());
    int64_t isz = it.operand(0).element_size();
    parallel_for(0, it.numel(), 1 << 18, [&](int64_t b, int64_t e) {
      std::memcpy(o + b * isz, i + b * isz, (e - b) * isz);
    });
    return;
  }
  if (dst == src && try_transpose_copy(it)) return;
  visit_all_types(dst, "copy_", [&]<class D>() {
    visit_all_types(src, "copy_", [&]<class S>() {
      cpu::cpu_kernel(it, [](S x) -> D { return cpu::convert<D>(x); });
    });
  });
}

void fill_kernel(TensorIterator& it, const Scalar& v) {
  visit_all_types(it.output_dtype(), "fill_", [&]<class T>() {
    T x = v.to<T>();
    cpu::cpu_kernel(it, [x]() -> T { return x; });
  });
}

}  // namespace

EMBER_DEFINE_STUB(copy_stub, copy_kernel);
EMBER_DEFINE_STUB(fill_stub, fill_kernel);

}  // namespace ember

#include "src/kernels/copy.h"

#include "src/cpu/convert.h"
#include "ember/core/parallel.h"
#include "src/cpu/loops.h"

namespace ember {
namespace {

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

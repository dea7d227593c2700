// CUDA copies, casts and fills. Each kernel is a functor over one element; see src/cuda/loops.cuh.
#include <cmath>

#include "src/cuda/loops.cuh"

namespace ember::cuda {
namespace {

template <class D, class S>
struct CastOp {
  __device__ D operator()(S x) const { return convert<D>(x); }
};

template <class T>
struct FillOp {
  T v;
  __device__ T operator()() const { return v; }
};

}  // namespace

void launch_cast_contiguous(const ElementwiseArgs& a, ScalarType dst, ScalarType src) {
  visit_device_types(dst, "copy_", [&](auto dtag) {
    using D = typename decltype(dtag)::type;
    visit_device_types(src, "copy_", [&](auto stag) {
      using S = typename decltype(stag)::type;
      launch_contiguous(a, CastOp<D, S>{});
    });
  });
}

void launch_copy_bytes(const ElementwiseArgs& a, int64_t elem_size) {
  auto run = [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_elementwise<true>(a, CastOp<T, T>{});
  };
  switch (elem_size) {
    case 1:
      run(Tag<uint8_t>{});
      break;
    case 2:
      run(Tag<uint16_t>{});
      break;
    case 4:
      run(Tag<uint32_t>{});
      break;
    default:
      run(Tag<uint64_t>{});
      break;
  }
}

void launch_fill(const ElementwiseArgs& a, ScalarType dt, uint64_t bits) {
  auto run = [&](auto tag) {
    using T = typename decltype(tag)::type;
    T v;
    std::memcpy(&v, &bits, sizeof(T));
    launch_elementwise<true>(a, FillOp<T>{v});
  };
  switch (element_size(dt)) {
    case 1:
      run(Tag<uint8_t>{});
      break;
    case 2:
      run(Tag<uint16_t>{});
      break;
    case 4:
      run(Tag<uint32_t>{});
      break;
    default:
      run(Tag<uint64_t>{});
      break;
  }
}

}  // namespace ember::cuda

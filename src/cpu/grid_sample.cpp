// grid_sampler_2d / grid_sampler_3d CPU kernels (src/kernels/grid_sample.h): bilinear, nearest
// and bicubic (2-D) or trilinear and nearest (3-D) sampling with zeros / border / reflection
// padding, and their gradients w.r.t. input and grid. Forward is parallel over output points,
// backward over the batch (its scatter into grad_input stays race-free).
#include <algorithm>
#include <cmath>

#include "ember/core/parallel.h"
#include "src/cpu/visit.h"
#include "src/kernels/grid_sample.h"
#include "src/kernels/grid_sample_math.h"

namespace ember {
namespace {

using namespace grid_sample_math;  // NOLINT

// Sizes shared by the forward and backward kernels: input [N, C, *in], grid [N, *out, dims].
template <int dims>
struct SamplerShape {
  int64_t N, C, size[3] = {1, 1, 1}, plane = 1, points = 1;
  SamplerShape(const Tensor& input, const Tensor& grid) : N(input.size(0)), C(input.size(1)) {
    for (int d = 0; d < dims; ++d) {
      size[d] = input.size(2 + d);
      plane *= size[d];
      points *= grid.size(1 + d);
    }
  }
};

// input [N, C, *in], grid [N, *out, dims], out [N, C, *out]; dims = 2 or 3.
template <int dims>
void sampler_forward(Tensor& out, const Tensor& input, const Tensor& grid, int64_t mode,
                     int64_t padding, bool align) {
  cpu::visit_float_or_double(input.dtype(), "grid_sampler", [&]<class T>() {
    const SamplerShape<dims> sh(input, grid);
    const int64_t N = sh.N, C = sh.C, plane = sh.plane, points = sh.points;
    const int64_t* size = sh.size;
    const T* pin = input.data_ptr<T>();
    const T* pg = grid.data_ptr<T>();
    T* po = out.data_ptr<T>();
    int64_t grain = std::max<int64_t>(1, 2048 / std::max<int64_t>(C, 1));
    parallel_for(0, N * points, grain, [&](int64_t r0, int64_t r1) {
      Taps<T> tp;
      for (int64_t r = r0; r < r1; ++r) {
        int64_t n = r / points, o = r % points;
        if constexpr (dims == 2) {
          make_taps_2d(tp, pg + r * dims, size, mode, padding, align);
        } else {
          make_taps_3d(tp, pg + r * dims, size, mode, padding, align);
        }
        for (int64_t c = 0; c < C; ++c) {
          const T* p = pin + (n * C + c) * plane;
          T v = 0;
          for (int k = 0; k < tp.n; ++k)
            if (tp.idx[k] >= 0) v += tp.w[k] * p[tp.idx[k]];
          po[(n * C + c) * points + o] = v;
        }
      }
    });
  });
}

template <int dims>
void sampler_backward(Tensor& grad_input, Tensor& grad_grid, const Tensor& grad_out,
                      const Tensor& input, const Tensor& grid, int64_t mode, int64_t padding,
                      bool align) {
  cpu::visit_float_or_double(input.dtype(), "grid_sampler", [&]<class T>() {
    const SamplerShape<dims> sh(input, grid);
    const int64_t N = sh.N, C = sh.C, plane = sh.plane, points = sh.points;
    const int64_t* size = sh.size;
    const T* pin = input.data_ptr<T>();
    const T* pg = grid.data_ptr<T>();
    const T* pgo = grad_out.data_ptr<T>();
    T* pgi = grad_input.defined() ? grad_input.data_ptr<T>() : nullptr;
    T* pgg = grad_grid.defined() ? grad_grid.data_ptr<T>() : nullptr;
    // Parallel over the batch only: each n scatters into its own slice of grad_input.
    parallel_for(0, N, 1, [&](int64_t n0, int64_t n1) {
      Taps<T> tp;
      for (int64_t n = n0; n < n1; ++n) {
        for (int64_t o = 0; o < points; ++o) {
          const T* g = pg + (n * points + o) * dims;
          if constexpr (dims == 2) {
            make_taps_2d(tp, g, size, mode, padding, align);
          } else {
            make_taps_3d(tp, g, size, mode, padding, align);
          }
          T gsum[3] = {0, 0, 0};
          for (int64_t c = 0; c < C; ++c) {
            T go = pgo[(n * C + c) * points + o];
            const T* p = pin + (n * C + c) * plane;
            T* gi = pgi ? pgi + (n * C + c) * plane : nullptr;
            for (int k = 0; k < tp.n; ++k) {
              if (tp.idx[k] < 0) continue;
              if (gi) gi[tp.idx[k]] += tp.w[k] * go;
              T v = p[tp.idx[k]] * go;
              for (int d = 0; d < dims; ++d) gsum[d] += tp.d[d][k] * v;
            }
          }
          if (pgg) {
            for (int d = 0; d < dims; ++d) pgg[(n * points + o) * dims + d] = gsum[d];
          }
        }
      }
    });
  });
}

}  // namespace

EMBER_DEFINE_STUB(grid_sampler_2d_stub, sampler_forward<2>);
EMBER_DEFINE_STUB(grid_sampler_2d_backward_stub, sampler_backward<2>);
EMBER_DEFINE_STUB(grid_sampler_3d_stub, sampler_forward<3>);
EMBER_DEFINE_STUB(grid_sampler_3d_backward_stub, sampler_backward<3>);

}  // namespace ember

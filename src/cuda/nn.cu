// CUDA layer norm (forward and backward over contiguous [M, N] rows of float or double, as
// src/ops/normalization.cpp prepares them; float rows of up to 4096 take src/cuda/layer_norm.cu),
// batch and group norm, embedding bags and nll_loss.
// Statistics accumulate in double, as the CPU kernels do.
#include <cmath>

#include "src/cuda/loops.cuh"

namespace ember::cuda {
namespace {

constexpr int kNnThreads = 256;

template <class T>
__global__ void row_norm_kernel(T* y, T* mean, T* rstd, const T* x, int64_t M, int64_t N,
                                const T* w, const T* b, double eps) {
  for (int64_t row = blockIdx.x; row < M; row += gridDim.x) {
    const T* xr = x + row * N;
    T* yr = y + row * N;
    double s = 0;
    for (int64_t i = threadIdx.x; i < N; i += blockDim.x) s += static_cast<double>(xr[i]);
    double mu = block_sum<kNnThreads>(s) / static_cast<double>(N);
    double v = 0;
    for (int64_t i = threadIdx.x; i < N; i += blockDim.x) {
      double d = static_cast<double>(xr[i]) - mu;
      v += d * d;
    }
    double var = block_sum<kNnThreads>(v) / static_cast<double>(N);
    T m = static_cast<T>(mu), r = static_cast<T>(1.0 / ::sqrt(var + eps));
    if (threadIdx.x == 0) {
      mean[row] = m;
      rstd[row] = r;
    }
    for (int64_t i = threadIdx.x; i < N; i += blockDim.x) {
      T o = (xr[i] - m) * r;
      if (w) o *= w[i];
      if (b) o += b[i];
      yr[i] = o;
    }
  }
}

// gx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = gy * w, per row.
template <class T>
__global__ void row_norm_backward_input_kernel(T* gx, const T* gy, const T* x, int64_t M, int64_t N,
                                               const T* mean, const T* rstd, const T* w) {
  for (int64_t row = blockIdx.x; row < M; row += gridDim.x) {
    const T* xr = x + row * N;
    const T* gr = gy + row * N;
    double m = static_cast<double>(mean[row]), r = static_cast<double>(rstd[row]);
    double sg = 0, sgx = 0;
    for (int64_t i = threadIdx.x; i < N; i += blockDim.x) {
      double g = static_cast<double>(gr[i]) * (w ? static_cast<double>(w[i]) : 1.0);
      sg += g;
      sgx += g * (static_cast<double>(xr[i]) - m) * r;
    }
    sg = block_sum<kNnThreads>(sg) / static_cast<double>(N);
    sgx = block_sum<kNnThreads>(sgx) / static_cast<double>(N);
    for (int64_t i = threadIdx.x; i < N; i += blockDim.x) {
      double g = static_cast<double>(gr[i]) * (w ? static_cast<double>(w[i]) : 1.0);
      double xhat = (static_cast<double>(xr[i]) - m) * r;
      gx[row * N + i] = static_cast<T>(r * (g - sg - xhat * sgx));
    }
  }
}

// gw[n] = sum_m gy * xhat, gb[n] = sum_m gy: one thread per column and chunk of `rows` rows
// (block row y), into partial[y * 2N + n] (gw) and partial[y * 2N + N + n] (gb); the finish
// kernel adds the chunks in order. Chunks keep the GPU busy when N is small and M large.
template <class T>
__global__ void row_norm_backward_params_kernel(double* partial, const T* gy, const T* x, int64_t M,
                                                int64_t N, const T* mean, const T* rstd,
                                                int64_t rows) {
  const int64_t m0 = blockIdx.y * rows, m1 = min(M, m0 + rows);
  for (int64_t n = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; n < N;
       n += int64_t(blockDim.x) * gridDim.x) {
    double sw = 0, sb = 0;
    for (int64_t m = m0; m < m1; ++m) {
      double g = static_cast<double>(gy[m * N + n]);
      sb += g;
      sw += g * (static_cast<double>(x[m * N + n]) - static_cast<double>(mean[m])) *
            static_cast<double>(rstd[m]);
    }
    partial[blockIdx.y * 2 * N + n] = sw;
    partial[blockIdx.y * 2 * N + N + n] = sb;
  }
}

template <class T>
__global__ void row_norm_backward_params_finish_kernel(T* gw, T* gb, const double* partial,
                                                       int64_t N, int64_t chunks) {
  for (int64_t n = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; n < N;
       n += int64_t(blockDim.x) * gridDim.x) {
    double sw = 0, sb = 0;
    for (int64_t c = 0; c < chunks; ++c) {
      sw += partial[c * 2 * N + n];
      sb += partial[c * 2 * N + N + n];
    }
    if (gw) gw[n] = static_cast<T>(sw);
    if (gb) gb[n] = static_cast<T>(sb);
  }
}

// One block: per-element losses (reduction none) or the weighted sum and total weight.
template <class T>
__global__ void nll_loss_kernel(T* out, T* total_weight, const T* x, const int64_t* target,
                                const T* w, int64_t N, int64_t C, int64_t K, int64_t reduction,
                                int64_t ignore_index, int64_t* error) {
  using M = opmath_t<T>;
  double sum = 0, tw = 0;
  for (int64_t i = threadIdx.x; i < N * K; i += blockDim.x) {
    int64_t n = i / K, k = i % K, t = target[i];
    if (t != ignore_index && (t < 0 || t >= C)) {
      if (atomicExch(reinterpret_cast<unsigned long long*>(error), 1ull) == 0ull) error[1] = t;
      continue;
    }
    M wv = t == ignore_index ? M(0) : (w ? static_cast<M>(w[t]) : M(1));
    M v = t == ignore_index ? M(0) : -wv * static_cast<M>(x[(n * C + t) * K + k]);
    if (reduction == 0) {
      out[i] = static_cast<T>(v);
    } else {
      sum += static_cast<double>(v);
      tw += static_cast<double>(wv);
    }
  }
  if (reduction == 0) {
    if (threadIdx.x == 0) *total_weight = static_cast<T>(0.0);
    return;
  }
  sum = block_sum<kNnThreads>(sum);
  tw = block_sum<kNnThreads>(tw);
  if (threadIdx.x == 0) {
    *out = static_cast<T>(reduction == 1 ? sum / tw : sum);
    *total_weight = static_cast<T>(tw);
  }
}

// Batch norm over [outer, C, inner]: one block per channel walks its outer * inner values.
template <class T>
__global__ void channel_moments_kernel(const T* x, int64_t outer, int64_t C, int64_t inner, T* mean,
                                       T* var) {
  int64_t count = outer * inner;
  for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
    double s = 0;
    for (int64_t k = threadIdx.x; k < count; k += blockDim.x)
      s += static_cast<double>(x[((k / inner) * C + c) * inner + k % inner]);
    double m = count > 0 ? block_sum<kNnThreads>(s) / static_cast<double>(count) : NAN;
    double ss = 0;
    for (int64_t k = threadIdx.x; k < count; k += blockDim.x) {
      double d = static_cast<double>(x[((k / inner) * C + c) * inner + k % inner]) - m;
      ss += d * d;
    }
    ss = block_sum<kNnThreads>(ss);
    if (threadIdx.x == 0) {
      mean[c] = static_cast<T>(m);
      var[c] = static_cast<T>(count > 0 ? ss / static_cast<double>(count) : m);
    }
  }
}

template <class T>
__global__ void channel_affine_kernel(T* y, const T* x, int64_t outer, int64_t C, int64_t inner,
                                      const T* scale, const T* shift) {
  int64_t total = outer * C * inner;
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < total;
       k += int64_t(blockDim.x) * gridDim.x) {
    int64_t c = (k / inner) % C;
    y[k] = x[k] * scale[c] + shift[c];
  }
}

// Per channel: gb = sum g, gw = sum g * (x - m) * invstd, and (training) gx = (g - mean(g) -
// (x - m) * invstd^2 * mean(g * (x - m))) * invstd * w, or (eval) gx = g * invstd * w.
template <class T>
__global__ void channel_norm_backward_kernel(const T* go, const T* x, int64_t outer, int64_t C,
                                             int64_t inner, const T* mean, const T* invstd,
                                             const T* w, bool training, T* gx, T* gw, T* gb) {
  int64_t n = outer * inner;
  for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
    double m = static_cast<double>(mean[c]), is = static_cast<double>(invstd[c]);
    double sg = 0, sgx = 0;
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) {
      int64_t at = ((k / inner) * C + c) * inner + k % inner;
      double g = static_cast<double>(go[at]);
      sg += g;
      sgx += g * (static_cast<double>(x[at]) - m);
    }
    sg = block_sum<kNnThreads>(sg);
    sgx = block_sum<kNnThreads>(sgx);
    if (threadIdx.x == 0) {
      if (gb) gb[c] = static_cast<T>(sg);
      if (gw) gw[c] = static_cast<T>(sgx * is);
    }
    if (!gx) continue;
    double wc = w ? static_cast<double>(w[c]) : 1.0;
    double mg = training && n > 0 ? sg / static_cast<double>(n) : 0.0;
    double kk = training && n > 0 ? sgx * is * is / static_cast<double>(n) : 0.0;
    double scale = is * wc;
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) {
      int64_t at = ((k / inner) * C + c) * inner + k % inner;
      gx[at] = static_cast<T>(
          (static_cast<double>(go[at]) - mg - (static_cast<double>(x[at]) - m) * kk) * scale);
    }
  }
}

// Group norm, input gradient: one block per (n, g) row, whose D * HxW values are contiguous.
// gx = rstd * (g w - mean(g w) - (x - mean) * rstd * mean(g w xhat)), as the CPU kernel.
template <class T>
__global__ void group_norm_backward_input_kernel(T* gx, const T* gy, const T* x, int64_t N,
                                                 int64_t C, int64_t HxW, int64_t G, const T* mean,
                                                 const T* rstd, const T* w) {
  int64_t D = C / G, len = D * HxW;
  double cnt = static_cast<double>(len);
  for (int64_t row = blockIdx.x; row < N * G; row += gridDim.x) {
    int64_t c0 = (row % G) * D, base = row * len;  // (n * C + g * D) * HxW
    double mu = static_cast<double>(mean[row]), r = static_cast<double>(rstd[row]);
    double a = 0, b = 0;
    for (int64_t k = threadIdx.x; k < len; k += blockDim.x) {
      double wv = w ? static_cast<double>(w[c0 + k / HxW]) : 1.0;
      double gw = static_cast<double>(gy[base + k]) * wv;
      a += gw;
      b += gw * (static_cast<double>(x[base + k]) - mu) * r;
    }
    a = block_sum<kNnThreads>(a) / cnt;
    b = block_sum<kNnThreads>(b) / cnt;
    for (int64_t k = threadIdx.x; k < len; k += blockDim.x) {
      double wv = w ? static_cast<double>(w[c0 + k / HxW]) : 1.0;
      double gw = static_cast<double>(gy[base + k]) * wv;
      gx[base + k] = static_cast<T>(r * (gw - a - (static_cast<double>(x[base + k]) - mu) * r * b));
    }
  }
}

// Group norm, weight and bias gradients: one block per channel, over its N * HxW values.
template <class T>
__global__ void group_norm_backward_params_kernel(T* gw, T* gb, const T* gy, const T* x, int64_t N,
                                                  int64_t C, int64_t HxW, int64_t G, const T* mean,
                                                  const T* rstd) {
  int64_t D = C / G, count = N * HxW;
  for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
    double sw = 0, sb = 0;
    for (int64_t k = threadIdx.x; k < count; k += blockDim.x) {
      int64_t n = k / HxW, at = (n * C + c) * HxW + k % HxW, row = n * G + c / D;
      double g = static_cast<double>(gy[at]);
      sw += g * (static_cast<double>(x[at]) - static_cast<double>(mean[row])) *
            static_cast<double>(rstd[row]);
      sb += g;
    }
    sw = block_sum<kNnThreads>(sw);
    sb = block_sum<kNnThreads>(sb);
    if (threadIdx.x == 0) {
      if (gw) gw[c] = static_cast<T>(sw);
      if (gb) gb[c] = static_cast<T>(sb);
    }
  }
}

// Records the first index outside [0, num) (found, index).
__global__ void check_rows_kernel(const int64_t* idx, int64_t L, int64_t num, int64_t* error) {
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < L;
       k += int64_t(blockDim.x) * gridDim.x) {
    int64_t r = idx[k];
    if ((r < 0 || r >= num) &&
        atomicExch(reinterpret_cast<unsigned long long*>(error), 1ull) == 0ull)
      error[1] = r;
  }
}

// One block per bag, one thread per column, with the CPU kernel's order and NaN rule for max.
// Rows outside [0, num) were recorded by check_rows_kernel and are skipped here.
template <class T>
__global__ void embedding_bag_kernel(T* out, int64_t* max_indices, int64_t* bag_size,
                                     const T* weight, int64_t num, int64_t D, const int64_t* idx,
                                     const int64_t* off, int64_t B, const T* psw, int64_t mode,
                                     int64_t padding_idx) {
  for (int64_t b = blockIdx.x; b < B; b += gridDim.x) {
    int64_t s = off[b], e = off[b + 1], n = 0;
    for (int64_t k = s; k < e; ++k) n += idx[k] != padding_idx;
    if (threadIdx.x == 0) bag_size[b] = n;
    for (int64_t d = threadIdx.x; d < D; d += blockDim.x) {
      T acc = 0;
      int64_t m = -1;
      for (int64_t k = s; k < e; ++k) {
        int64_t r = idx[k];
        if (r == padding_idx || r < 0 || r >= num) continue;
        T v = weight[r * D + d];
        if (mode == 2) {
          if (m < 0 || v > acc) {  // PyTorch's rule: a NaN wins only as the first value
            acc = v;
            m = r;
          }
        } else {
          T sc = psw ? psw[k] : T(1);
          acc += sc * v;
        }
      }
      if (mode == 1 && n > 0) acc /= static_cast<T>(n);
      out[b * D + d] = acc;
      if (max_indices) max_indices[b * D + d] = m;
    }
  }
}

unsigned grid_for(int64_t n) { return static_cast<unsigned>(std::min<int64_t>(n, 65535 * 16)); }

}  // namespace

void launch_row_norm(void* y, void* mean, void* rstd, const void* x, int64_t M, int64_t N,
                     const void* w, const void* b, double eps, ScalarType dt, CUstream_st* stream) {
  if (dt == ScalarType::Float && layer_norm_rows_fits(M, N, {y, x, w, b})) {
    launch_layer_norm_rows(static_cast<float*>(y), static_cast<float*>(mean),
                           static_cast<float*>(rstd), static_cast<const float*>(x), M, N,
                           static_cast<const float*>(w), static_cast<const float*>(b), eps, stream);
    return;
  }
  visit_device_types(
      dt, "layer_norm",
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
          row_norm_kernel<T><<<grid_for(M), kNnThreads, 0, stream>>>(
              static_cast<T*>(y), static_cast<T*>(mean), static_cast<T*>(rstd),
              static_cast<const T*>(x), M, N, static_cast<const T*>(w), static_cast<const T*>(b),
              eps);
          detail::check_launch("layer_norm", stream);
        } else {
          EMBER_ERROR("[layer_norm] CUDA kernel expects float or double");
        }
      },
      true);
}

void launch_row_norm_backward(void* gx, void* gw, void* gb, const void* gy, const void* x,
                              int64_t M, int64_t N, const void* mean, const void* rstd,
                              const void* w, ScalarType dt, CUstream_st* stream) {
  if (dt == ScalarType::Float && layer_norm_rows_fits(M, N, {gx, gy, x, w})) {
    launch_layer_norm_rows_backward(
        static_cast<float*>(gx), static_cast<float*>(gw), static_cast<float*>(gb),
        static_cast<const float*>(gy), static_cast<const float*>(x), M, N,
        static_cast<const float*>(mean), static_cast<const float*>(rstd),
        static_cast<const float*>(w), stream);
    return;
  }
  visit_device_types(
      dt, "layer_norm_backward",
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
          if (gx) {
            row_norm_backward_input_kernel<T><<<grid_for(M), kNnThreads, 0, stream>>>(
                static_cast<T*>(gx), static_cast<const T*>(gy), static_cast<const T*>(x), M, N,
                static_cast<const T*>(mean), static_cast<const T*>(rstd), static_cast<const T*>(w));
            detail::check_launch("layer_norm_backward", stream);
          }
          if (gw || gb) {
            const int64_t rows = std::max<int64_t>(64, (M + 255) / 256);
            const int64_t chunks = (M + rows - 1) / rows;
            double* partial = static_cast<double*>(CUDACachingAllocator::raw_alloc_with_stream(
                static_cast<size_t>(std::max<int64_t>(chunks, 1) * 2 * N) * sizeof(double),
                stream));
            const unsigned col_blocks = grid_for((N + kNnThreads - 1) / kNnThreads);
            if (chunks > 0) {
              row_norm_backward_params_kernel<T>
                  <<<dim3(col_blocks, static_cast<unsigned>(chunks)), kNnThreads, 0, stream>>>(
                      partial, static_cast<const T*>(gy), static_cast<const T*>(x), M, N,
                      static_cast<const T*>(mean), static_cast<const T*>(rstd), rows);
              detail::check_launch("layer_norm_backward", stream);
            }
            row_norm_backward_params_finish_kernel<T><<<col_blocks, kNnThreads, 0, stream>>>(
                static_cast<T*>(gw), static_cast<T*>(gb), partial, N, chunks);
            detail::check_launch("layer_norm_backward", stream);
            CUDACachingAllocator::raw_delete(partial);
          }
        } else {
          EMBER_ERROR("[layer_norm_backward] CUDA kernel expects float or double");
        }
      },
      true);
}

void launch_nll_loss(void* out, void* total_weight, const void* x, const int64_t* target,
                     const void* w, int64_t N, int64_t C, int64_t K, int64_t reduction,
                     int64_t ignore_index, ScalarType dt, int64_t* error, CUstream_st* stream) {
  visit_device_types(
      dt, "nll_loss",
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (is_floating_v<T>) {
          nll_loss_kernel<T><<<1, kNnThreads, 0, stream>>>(
              static_cast<T*>(out), static_cast<T*>(total_weight), static_cast<const T*>(x), target,
              static_cast<const T*>(w), N, C, K, reduction, ignore_index, error);
          detail::check_launch("nll_loss", stream);
        }
      },
      true);
}

void launch_channel_moments(const void* x, int64_t outer, int64_t C, int64_t inner, void* mean,
                            void* var, ScalarType dt, CUstream_st* stream) {
  if (C == 0) return;
  float_or_double(dt, "native_batch_norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    channel_moments_kernel<T><<<grid_for(C), kNnThreads, 0, stream>>>(
        static_cast<const T*>(x), outer, C, inner, static_cast<T*>(mean), static_cast<T*>(var));
    detail::check_launch("native_batch_norm", stream);
  });
}

void launch_channel_affine(void* y, const void* x, int64_t outer, int64_t C, int64_t inner,
                           const void* scale, const void* shift, ScalarType dt,
                           CUstream_st* stream) {
  int64_t total = outer * C * inner;
  if (total == 0) return;
  float_or_double(dt, "native_batch_norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    channel_affine_kernel<T>
        <<<grid_for((total + kNnThreads - 1) / kNnThreads), kNnThreads, 0, stream>>>(
            static_cast<T*>(y), static_cast<const T*>(x), outer, C, inner,
            static_cast<const T*>(scale), static_cast<const T*>(shift));
    detail::check_launch("native_batch_norm", stream);
  });
}

void launch_channel_norm_backward(const void* go, const void* x, int64_t outer, int64_t C,
                                  int64_t inner, const void* mean, const void* invstd,
                                  const void* w, bool training, void* gx, void* gw, void* gb,
                                  ScalarType dt, CUstream_st* stream) {
  if (C == 0) return;
  float_or_double(dt, "native_batch_norm_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    channel_norm_backward_kernel<T><<<grid_for(C), kNnThreads, 0, stream>>>(
        static_cast<const T*>(go), static_cast<const T*>(x), outer, C, inner,
        static_cast<const T*>(mean), static_cast<const T*>(invstd), static_cast<const T*>(w),
        training, static_cast<T*>(gx), static_cast<T*>(gw), static_cast<T*>(gb));
    detail::check_launch("native_batch_norm_backward", stream);
  });
}

void launch_group_norm_backward(const void* gy, const void* x, int64_t N, int64_t C, int64_t HxW,
                                int64_t G, const void* mean, const void* rstd, const void* w,
                                void* gx, void* gw, void* gb, ScalarType dt, CUstream_st* stream) {
  if (N * C * HxW == 0) return;
  float_or_double(dt, "native_group_norm_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (gx) {
      group_norm_backward_input_kernel<T><<<grid_for(N * G), kNnThreads, 0, stream>>>(
          static_cast<T*>(gx), static_cast<const T*>(gy), static_cast<const T*>(x), N, C, HxW, G,
          static_cast<const T*>(mean), static_cast<const T*>(rstd), static_cast<const T*>(w));
      detail::check_launch("native_group_norm_backward", stream);
    }
    if (gw || gb) {
      group_norm_backward_params_kernel<T><<<grid_for(C), kNnThreads, 0, stream>>>(
          static_cast<T*>(gw), static_cast<T*>(gb), static_cast<const T*>(gy),
          static_cast<const T*>(x), N, C, HxW, G, static_cast<const T*>(mean),
          static_cast<const T*>(rstd));
      detail::check_launch("native_group_norm_backward", stream);
    }
  });
}

void launch_embedding_bag(void* out, int64_t* max_indices, int64_t* bag_size, const void* weight,
                          int64_t num, int64_t D, const int64_t* indices, int64_t L,
                          const int64_t* offsets, int64_t B, const void* psw, int64_t mode,
                          int64_t padding_idx, ScalarType dt, int64_t* error, CUstream_st* stream) {
  if (L > 0) {
    check_rows_kernel<<<grid_for((L + kNnThreads - 1) / kNnThreads), kNnThreads, 0, stream>>>(
        indices, L, num, error);
    detail::check_launch("embedding_bag", stream);
  }
  if (B == 0) return;
  float_or_double(dt, "embedding_bag", [&](auto tag) {
    using T = typename decltype(tag)::type;
    embedding_bag_kernel<T><<<grid_for(B), kNnThreads, 0, stream>>>(
        static_cast<T*>(out), max_indices, bag_size, static_cast<const T*>(weight), num, D, indices,
        offsets, B, static_cast<const T*>(psw), mode, padding_idx);
    detail::check_launch("embedding_bag", stream);
  });
}

}  // namespace ember::cuda

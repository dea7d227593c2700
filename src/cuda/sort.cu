// CUDA sort (sort/argsort/topk), median/nanmedian along the last dim, and nonzero, with the CPU
// kernels' rules (src/cpu/sort.cpp, median_kernel in src/cpu/reduce.cpp, nonzero_kernel in
// src/cpu/index.cpp). Rows are sorted by CUB's (stable) radix sort on unsigned keys made from the
// values' bits by an order-preserving map: every NaN becomes one positive NaN above +inf, -0.0
// becomes 0.0 (the CPU comparator's ties), and descending sorts the complemented keys ascending,
// so equal values keep their index order in both directions. The values written out are the
// original elements, gathered by the sorted indices.
#include <thrust/iterator/counting_iterator.h>

#include <climits>
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_segmented_radix_sort.cuh>
#include <cub/device/device_select.cuh>

#include "src/cuda/loops.cuh"

namespace ember::cuda {
namespace {

constexpr int kSortThreads = 256;

unsigned sort_blocks(int64_t n) {
  return static_cast<unsigned>(
      std::max<int64_t>(1, std::min<int64_t>((n + kSortThreads - 1) / kSortThreads, 1 << 20)));
}

// Stream-ordered scratch memory of the caching allocator.
struct Scratch {
  Scratch(size_t nbytes, cudaStream_t s) {
    if (nbytes > 0) p = CUDACachingAllocator::raw_alloc_with_stream(nbytes, s);
  }
  ~Scratch() {
    if (p) CUDACachingAllocator::raw_delete(p);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class T>
  T* as() const {
    return static_cast<T*>(p);
  }
  void* p = nullptr;
};

enum KeyKind : int { kBoolKey = 0, kUnsignedKey = 1, kSignedKey = 2, kFloatKey = 3 };

// The radix key of the element bits b (U: the unsigned type of the element's width). For floats,
// inf is the bit pattern of +inf: a magnitude above it is a NaN.
template <class U>
__device__ __forceinline__ U make_key(U b, int kind, U inf, bool descending) {
  constexpr U sign = static_cast<U>(U(1) << (sizeof(U) * 8 - 1));
  U k;
  if (kind == kBoolKey) {
    k = b != 0 ? U(1) : U(0);
  } else if (kind == kUnsignedKey) {
    k = b;
  } else if (kind == kSignedKey) {
    k = static_cast<U>(b ^ sign);
  } else {
    U mag = static_cast<U>(b & static_cast<U>(~sign));
    if (mag > inf) {
      b = static_cast<U>(inf + 1);  // every NaN: one positive NaN
    } else if (mag == 0) {
      b = 0;  // -0.0 ties with 0.0
    }
    k = (b & sign) != 0 ? static_cast<U>(~b) : static_cast<U>(b | sign);
  }
  return descending ? static_cast<U>(~k) : k;
}

template <class U>
__global__ void make_keys_kernel(const U* in, U* keys, int* idx, int64_t total, int64_t n, int kind,
                                 U inf, bool descending) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(blockDim.x) * gridDim.x) {
    keys[i] = make_key(in[i], kind, inf, descending);
    idx[i] = static_cast<int>(i % n);
  }
}

__global__ void row_offsets_kernel(int* off, int64_t rows, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i <= rows;
       i += int64_t(blockDim.x) * gridDim.x) {
    off[i] = static_cast<int>(i * n);
  }
}

// The first k of each sorted row: indices, and the original elements at them.
template <class U>
__global__ void take_sorted_kernel(const U* in, const int* sorted_idx, U* values, int64_t* indices,
                                   int64_t rows, int64_t n, int64_t k) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < rows * k;
       i += int64_t(blockDim.x) * gridDim.x) {
    int64_t r = i / k, j = i % k;
    int64_t s = sorted_idx[r * n + j];
    indices[i] = s;
    values[i] = in[r * n + s];
  }
}

// One thread per row of the ascending sort: m = the non-NaN count (NaN keys are the largest and
// sort last), then the CPU's pick: the first NaN for median when there is one, index 0 for an
// all-NaN row, else the stable sort's position (m - 1) / 2 (ties: the lower index first).
template <class U>
__global__ void median_pick_kernel(const U* in, const U* sorted_keys, const int* sorted_idx,
                                   U* values, int64_t* indices, int64_t rows, int64_t n, U nan_key,
                                   bool may_have_nan, bool ignore_nan) {
  for (int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; r < rows;
       r += int64_t(blockDim.x) * gridDim.x) {
    const U* keys = sorted_keys + r * n;
    int64_t m = n;
    if (may_have_nan) {
      int64_t lo = 0, hi = n;  // first position whose key is >= nan_key
      while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (keys[mid] < nan_key) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      m = lo;
    }
    int64_t pick;
    if (m == 0) {
      pick = 0;
    } else if (m < n && !ignore_nan) {
      pick = sorted_idx[r * n + m];
    } else {
      pick = sorted_idx[r * n + (m - 1) / 2];
    }
    indices[r] = pick;
    if (values) values[r] = in[r * n + pick];
  }
}

__global__ void nonzero_coords_kernel(const int64_t* flat, int64_t count, NdGeometry g,
                                      int64_t* out) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(blockDim.x) * gridDim.x) {
    int64_t rem = flat[i];
    for (int d = g.ndim - 1; d >= 0; --d) {
      out[i * g.ndim + d] = rem % g.sizes[d];
      rem /= g.sizes[d];
    }
  }
}

// Sorts the rows of contiguous [rows, n] element bits `in` ascending by key; on return keys_out
// and idx_out (rows * n each) hold each row's sorted keys and their positions in the row.
template <class U>
void sort_rows(const U* in, int64_t rows, int64_t n, int kind, U inf, bool descending, U* keys_out,
               int* idx_out, cudaStream_t stream, const char* op) {
  const int64_t total = rows * n;
  EMBER_CHECK(n <= INT_MAX && total <= INT_MAX, "[", op, "] CUDA sort supports at most ", INT_MAX,
              " elements, got ", total);
  Scratch keys_in(static_cast<size_t>(total) * sizeof(U), stream);
  Scratch idx_in(static_cast<size_t>(total) * sizeof(int), stream);
  make_keys_kernel<U><<<sort_blocks(total), kSortThreads, 0, stream>>>(
      in, keys_in.as<U>(), idx_in.as<int>(), total, n, kind, inf, descending);
  detail::check_launch(op, stream);
  size_t temp_bytes = 0;
  if (rows == 1) {
    EMBER_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, temp_bytes, keys_in.as<U>(), keys_out,
                                                     idx_in.as<int>(), idx_out, static_cast<int>(n),
                                                     0, int(sizeof(U) * 8), stream),
                     op);
    Scratch temp(temp_bytes, stream);
    EMBER_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(temp.p, temp_bytes, keys_in.as<U>(), keys_out,
                                                     idx_in.as<int>(), idx_out, static_cast<int>(n),
                                                     0, int(sizeof(U) * 8), stream),
                     op);
  } else {
    Scratch offsets(static_cast<size_t>(rows + 1) * sizeof(int), stream);
    row_offsets_kernel<<<sort_blocks(rows + 1), kSortThreads, 0, stream>>>(offsets.as<int>(), rows,
                                                                           n);
    detail::check_launch(op, stream);
    const int* off = offsets.as<int>();
    EMBER_CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortPairs(
                         nullptr, temp_bytes, keys_in.as<U>(), keys_out, idx_in.as<int>(), idx_out,
                         static_cast<int>(total), static_cast<int>(rows), off, off + 1, 0,
                         int(sizeof(U) * 8), stream),
                     op);
    Scratch temp(temp_bytes, stream);
    EMBER_CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortPairs(
                         temp.p, temp_bytes, keys_in.as<U>(), keys_out, idx_in.as<int>(), idx_out,
                         static_cast<int>(total), static_cast<int>(rows), off, off + 1, 0,
                         int(sizeof(U) * 8), stream),
                     op);
  }
  detail::check_launch(op, stream);
}

// Calls f(Tag<U>{}, kind, inf) with U the unsigned type of dt's width.
template <class F>
void visit_key_types(ScalarType dt, const char* op, F&& f) {
  switch (dt) {
    case ScalarType::Bool:
      return f(Tag<uint8_t>{}, kBoolKey, uint8_t(0));
    case ScalarType::Byte:
      return f(Tag<uint8_t>{}, kUnsignedKey, uint8_t(0));
    case ScalarType::Char:
      return f(Tag<uint8_t>{}, kSignedKey, uint8_t(0));
    case ScalarType::Short:
      return f(Tag<uint16_t>{}, kSignedKey, uint16_t(0));
    case ScalarType::Int:
      return f(Tag<uint32_t>{}, kSignedKey, uint32_t(0));
    case ScalarType::Long:
      return f(Tag<uint64_t>{}, kSignedKey, uint64_t(0));
    case ScalarType::Half:
      return f(Tag<uint16_t>{}, kFloatKey, uint16_t(0x7c00));
    case ScalarType::BFloat16:
      return f(Tag<uint16_t>{}, kFloatKey, uint16_t(0x7f80));
    case ScalarType::Float:
      return f(Tag<uint32_t>{}, kFloatKey, uint32_t(0x7f800000u));
    case ScalarType::Double:
      return f(Tag<uint64_t>{}, kFloatKey, uint64_t(0x7ff0000000000000ull));
    default:
      EMBER_ERROR("[", op, "] not implemented on CUDA for dtype ", toString(dt));
  }
}

}  // namespace

void launch_sort(void* values, int64_t* indices, const void* in, ScalarType dt, int64_t rows,
                 int64_t n, int64_t k, bool descending, CUstream_st* stream) {
  if (rows == 0 || n == 0 || k == 0) return;
  visit_key_types(dt, "sort", [&](auto tag, int kind, auto inf) {
    using U = typename decltype(tag)::type;
    const size_t total = static_cast<size_t>(rows * n);
    Scratch keys(total * sizeof(U), stream);
    Scratch idx(total * sizeof(int), stream);
    sort_rows<U>(static_cast<const U*>(in), rows, n, kind, inf, descending, keys.as<U>(),
                 idx.as<int>(), stream, "sort");
    take_sorted_kernel<U><<<sort_blocks(rows * k), kSortThreads, 0, stream>>>(
        static_cast<const U*>(in), idx.as<int>(), static_cast<U*>(values), indices, rows, n, k);
    detail::check_launch("sort", stream);
  });
}

void launch_median(void* values, int64_t* indices, const void* in, ScalarType dt, int64_t rows,
                   int64_t n, bool ignore_nan, CUstream_st* stream) {
  const char* op = ignore_nan ? "nanmedian" : "median";
  if (rows == 0 || n == 0) return;
  visit_key_types(dt, op, [&](auto tag, int kind, auto inf) {
    using U = typename decltype(tag)::type;
    const size_t total = static_cast<size_t>(rows * n);
    Scratch keys(total * sizeof(U), stream);
    Scratch idx(total * sizeof(int), stream);
    sort_rows<U>(static_cast<const U*>(in), rows, n, kind, inf, false, keys.as<U>(), idx.as<int>(),
                 stream, op);
    // The key of a NaN, as make_key maps it (ascending).
    constexpr U sign = static_cast<U>(U(1) << (sizeof(U) * 8 - 1));
    const U nan_key = static_cast<U>(static_cast<U>(inf + 1) | sign);
    median_pick_kernel<U><<<sort_blocks(rows), kSortThreads, 0, stream>>>(
        static_cast<const U*>(in), keys.as<U>(), idx.as<int>(), static_cast<U*>(values), indices,
        rows, n, nan_key, kind == kFloatKey, ignore_nan);
    detail::check_launch(op, stream);
  });
}

void launch_nonzero_flat(const bool* mask, int64_t numel, int64_t* flat, int64_t* count,
                         CUstream_st* stream) {
  size_t temp_bytes = 0;
  thrust::counting_iterator<int64_t> iota(0);
  EMBER_CUDA_CHECK(
      cub::DeviceSelect::Flagged(nullptr, temp_bytes, iota, mask, flat, count, numel, stream),
      "nonzero");
  Scratch temp(temp_bytes, stream);
  EMBER_CUDA_CHECK(
      cub::DeviceSelect::Flagged(temp.p, temp_bytes, iota, mask, flat, count, numel, stream),
      "nonzero");
  detail::check_launch("nonzero", stream);
}

void launch_nonzero_coords(const int64_t* flat, int64_t count, const NdGeometry& g, int64_t* out) {
  if (count == 0 || g.ndim == 0) return;
  nonzero_coords_kernel<<<sort_blocks(count), kSortThreads, 0, g.stream>>>(flat, count, g, out);
  detail::check_launch("nonzero", g.stream);
}

}  // namespace ember::cuda

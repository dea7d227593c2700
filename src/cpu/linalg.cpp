// GEMM on the CPU: OpenBLAS for float and double (src/cpu/blas.cpp), a plain loop for the other
// dtypes.
#include "src/kernels/linalg.h"
#include "ember/autograd/grad_mode.h"
#include "ember/core/parallel.h"
#include "src/cpu/blas.h"

namespace ember {
namespace {

// A matrix usable by BLAS as-is: row-major with unit column stride, or transposed.
struct BlasMat {
  bool ok = false;
  bool trans = false;
  int64_t ld = 0;
};
BlasMat blas_layout(const Tensor& t) {
  BlasMat m;
  int64_t r = t.size(0), c = t.size(1);
  int64_t s0 = t.stride(0), s1 = t.stride(1);
  if ((s1 == 1 || c == 1) && s0 >= std::max<int64_t>(c, 1)) {
    m.ok = true;
    m.ld = std::max<int64_t>(s0, std::max<int64_t>(c, 1));
    if (r == 1) m.ld = std::max<int64_t>(c, 1);
  } else if ((s0 == 1 || r == 1) && s1 >= std::max<int64_t>(r, 1)) {
    m.ok = true;
    m.trans = true;
    m.ld = std::max<int64_t>(s1, std::max<int64_t>(r, 1));
    if (c == 1) m.ld = std::max<int64_t>(r, 1);
  }
  return m;
}

template <class T>
void gemm_loop(Tensor& out, const Tensor& a, const Tensor& b, T beta, T alpha) {
  using M = opmath_t<T>;
  int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  auto A = a.accessor<T, 2>();
  auto B = b.accessor<T, 2>();
  auto C = out.accessor<T, 2>();
  parallel_for(0, m, 16, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        M acc = 0;
        for (int64_t p = 0; p < k; ++p) acc += M(A[i][p]) * M(B[p][j]);
        M prev = beta == T(0) ? M(0) : M(beta) * M(C[i][j]);
        C[i][j] = static_cast<T>(prev + M(alpha) * acc);
      }
    }
  });
}

void gemm_kernel(Tensor& out, const Tensor& a, const Tensor& b, const Scalar& beta,
                 const Scalar& alpha) {
  int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  if (m == 0 || n == 0) return;
  ScalarType dt = out.dtype();
  if ((dt == kFloat || dt == kDouble) && out.stride(1) == 1 && out.stride(0) >= n) {
    BlasMat la = blas_layout(a), lb = blas_layout(b);
    if (la.ok && lb.ok) {
      if (k == 0) {
        // BLAS needs k >= 1; the product is zero.
        if (beta.toDouble() == 0) {
          out.zero_();
        } else {
          out.mul_(beta);
        }
        return;
      }
      if (dt == kFloat) {
        cpu::gemm<float>(la.trans, lb.trans, m, n, k, alpha.toFloat(), a.data_ptr<float>(), la.ld,
                         b.data_ptr<float>(), lb.ld, beta.toFloat(), out.data_ptr<float>(),
                         out.stride(0));
      } else {
        cpu::gemm<double>(la.trans, lb.trans, m, n, k, alpha.toDouble(), a.data_ptr<double>(),
                          la.ld, b.data_ptr<double>(), lb.ld, beta.toDouble(),
                          out.data_ptr<double>(), out.stride(0));
      }
      return;
    }
  }
  visit_all_types(dt, "mm", [&]<class T>() {
    if constexpr (std::is_same_v<T, bool>) {
      EMBER_ERROR("[mm] \"addmm_impl_cpu_\" not implemented for 'Bool'");
    } else {
      gemm_loop<T>(out, a, b, beta.to<T>(), alpha.to<T>());
    }
  });
}

// Many or small matrices run one per thread; a few large ones split each GEMM over the threads.
void bgemm_kernel(Tensor& out, const Tensor& a, const Tensor& b, const Scalar& beta,
                  const Scalar& alpha) {
  int64_t nb = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
  if (nb == 0) return;
  auto mat = [](const Tensor& t, int64_t i) {
    return make_view(t, t.sizes().slice(1), t.strides().slice(1),
                     t.storage_offset() + i * t.stride(0));
  };
  auto run = [&](int64_t b0, int64_t b1) {
    for (int64_t i = b0; i < b1; ++i) {
      Tensor o = mat(out, i);
      gemm_kernel(o, mat(a, i), mat(b, i), beta, alpha);
    }
  };
  bool many = nb >= 2 * get_num_threads();
  if (nb > 1 && (many || m * n * std::max<int64_t>(k, 1) <= 64 * 64 * 64)) {
    parallel_for(0, nb, 1, run);
  } else {
    run(0, nb);
  }
}

void gemm_bias_kernel(Tensor& out, const Tensor& a, const Tensor& b, const Tensor& bias,
                      const Scalar& alpha) {
  NoGradGuard ng;
  out.copy_(bias.expand(out.sizes()));
  gemm_kernel(out, a, b, 1, alpha);
}

}  // namespace

EMBER_DEFINE_STUB(gemm_stub, gemm_kernel);
EMBER_DEFINE_STUB(bgemm_stub, bgemm_kernel);

EMBER_DEFINE_STUB(gemm_bias_stub, gemm_bias_kernel);
// A backend's fused product and bias gradient; the CPU has none (see src/kernels/linalg.h).
decltype(gemm_bgrad_stub) gemm_bgrad_stub{"gemm_bgrad_stub", {nullptr, nullptr}};

}  // namespace ember

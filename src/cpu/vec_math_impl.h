#pragma once
// Note [Vector math]
// Each function is written once over a small register abstraction V (a backend: ScalarV,
// Avx2F/D, Avx512F/D) and compiled in one TU per ISA with that ISA's flags. Everything here has
// internal linkage (anonymous namespace, no std templates that could be emitted out of line), so
// that code built for AVX-512 can never be picked by the linker for another TU.
// Algorithms (T = float or double):
//   exp/expm1: n = round(x / ln2), r = x - n ln2 (Cody-Waite, fma), expm1(r) by its Taylor
//     series, scaled by 2^n split in two factors so that denormal results and 2^128 work.
//   log/log1p: x = 2^e m with m in [sqrt(1/2), sqrt(2)), log(m) = f - (f^2/2 - s (f^2/2 + R(s^2)))
//     with f = m - 1, s = f / (2 + f) (fdlibm's scheme); log1p adds the rounding error of 1 + x.
//   tanh = sign(x) e / (e + 2) with e = expm1(2|x|); sigmoid = 1 / (1 + exp(-x)).
//   erf: float, one degree-9 polynomial per piece with per-lane coefficients (Note [Piecewise
//     float erf]); double, x P(x^2) below 1, else 1 - exp(-x^2) g(x) with g(x) = exp(x^2)
//     erfc(x) fitted on [1, 2.5] and [2.5, 6]; coefficients from tools/fit_erf.py.
// Special values (inf, nan, -0, overflow, denormals) are fixed up with selects, as std:: does.
#include <array>
#include <bit>
#include <cstdint>

#include "src/cpu/vec_math.h"

namespace ember {
namespace cpu {
namespace vec {
namespace {

template <class T>
struct Bits;
template <>
struct Bits<float> {
  using U = uint32_t;
  static constexpr int kMant = 23;
  static constexpr U kBias = 127;
  static constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  static constexpr U kSign = 0x80000000u;
};
template <>
struct Bits<double> {
  using U = uint64_t;
  static constexpr int kMant = 52;
  static constexpr U kBias = 1023;
  static constexpr double kMagic = 6755399441055744.0;  // 1.5 * 2^52
  static constexpr U kSign = 0x8000000000000000ull;
};

// One lane: the portable fallback.
template <class T_>
struct ScalarV {
  using T = T_;
  using R = T;
  using I = typename Bits<T>::U;
  using M = bool;
  static constexpr int N = 1;
  static R load(const T* p) { return *p; }
  static void store(T* p, R v) { *p = v; }
  static R set(T v) { return v; }
  static I iset(I v) { return v; }
  static R add(R a, R b) { return a + b; }
  static R sub(R a, R b) { return a - b; }
  static R mul(R a, R b) { return a * b; }
  static R div(R a, R b) { return a / b; }
  static R fma(R a, R b, R c) { return __builtin_fma(a, b, c); }
  static M lt(R a, R b) { return a < b; }
  static M gt(R a, R b) { return a > b; }
  static M eq(R a, R b) { return a == b; }
  static M isnan(R a) { return a != a; }
  static M mor(M a, M b) { return a || b; }
  static M mand(M a, M b) { return a && b; }
  static R sel(M m, R a, R b) { return m ? a : b; }
  // t[i & 7] (t holds 16 values).
  static R lut(I i, const T* t) { return t[i & 7]; }
  static I asi(R a) { return std::bit_cast<I>(a); }
  static R asf(I a) { return std::bit_cast<R>(a); }
  static I iadd(I a, I b) { return a + b; }
  static I iand(I a, I b) { return a & b; }
  static I ior(I a, I b) { return a | b; }
  template <int K>
  static I shl(I a) {
    return a << K;
  }
  template <int K>
  static I shr(I a) {
    return a >> K;
  }
};

template <class V>
struct Math {
  using T = typename V::T;
  using R = typename V::R;
  using I = typename V::I;
  using M = typename V::M;
  using B = Bits<T>;
  static constexpr bool kF = sizeof(T) == 4;

  static R c(T v) { return V::set(v); }
  template <int K>
  static R poly(R x, const T (&k)[K]) {
    R p = c(k[0]);
    for (int i = 1; i < K; ++i) p = V::fma(p, x, c(k[i]));
    return p;
  }
  static R abs(R x) { return V::asf(V::iand(V::asi(x), V::iset(~B::kSign))); }
  static R copysign(R mag, R sgn) {
    return V::asf(
        V::ior(V::iand(V::asi(mag), V::iset(~B::kSign)), V::iand(V::asi(sgn), V::iset(B::kSign))));
  }
  static R clamp(R x, T lo, T hi) {  // NaN stays NaN
    x = V::sel(V::gt(x, c(hi)), c(hi), x);
    return V::sel(V::lt(x, c(lo)), c(lo), x);
  }
  // 2^n from k = n + kMagic (n an integer held in k's low mantissa bits).
  static R pow2(R k) {
    return V::asf(V::template shl<B::kMant>(V::iadd(V::asi(k), V::iset(B::kBias))));
  }

  // expm1(r) for |r| <= ln2/2: r + r^2 (1/2! + r/3! + ...), Taylor to r^8 (float) / r^14.
  static R expm1_poly(R r) {
    R q;
    if constexpr (kF) {
      static constexpr T k[] = {1.f / 40320, 1.f / 5040, 1.f / 720, 1.f / 120,
                                1.f / 24,    1.f / 6,    0.5f};
      q = poly(r, k);
    } else {
      static constexpr T k[] = {1.0 / 87178291200.0,
                                1.0 / 6227020800.0,
                                1.0 / 479001600.0,
                                1.0 / 39916800.0,
                                1.0 / 3628800.0,
                                1.0 / 362880.0,
                                1.0 / 40320.0,
                                1.0 / 5040.0,
                                1.0 / 720.0,
                                1.0 / 120.0,
                                1.0 / 24.0,
                                1.0 / 6.0,
                                0.5};
      q = poly(r, k);
    }
    return V::fma(V::mul(r, r), q, r);
  }

  // x = n ln2 + r with |r| <= ln2/2 (Cody-Waite); k holds n in its low mantissa bits.
  struct ExpReduced {
    R k, n, r;
  };
  static ExpReduced exp_reduce(R x) {
    const T log2e = static_cast<T>(1.44269504088896340736);
    const T ln2hi = kF ? 0.693359375f : 6.93147180369123816490e-01;
    const T ln2lo = kF ? -2.12194440e-4f : 1.90821492927058770002e-10;
    R k = V::fma(x, c(log2e), c(B::kMagic));
    R n = V::sub(k, c(B::kMagic));
    R r = V::fma(n, c(-ln2hi), x);
    return {k, n, V::fma(n, c(-ln2lo), r)};
  }

  // exp(x) = 2^n (1 + p) = (t1 + t1 p) t2 with x already clamped so that n fits both halves.
  struct ExpParts {
    R p, t1, t2;
  };
  static ExpParts exp_parts(R x) {
    ExpReduced e = exp_reduce(x);
    R k1 = V::fma(e.n, c(T(0.5)), c(B::kMagic));
    R n2 = V::sub(e.n, V::sub(k1, c(B::kMagic)));
    return {expm1_poly(e.r), pow2(k1), pow2(V::add(n2, c(B::kMagic)))};
  }

  static R exp(R x) {
    // Below lo the result is 0, above hi it overflows to inf; both come out of the arithmetic.
    x = clamp(x, kF ? -104.f : -746.0, kF ? 89.f : 710.0);
    ExpParts e = exp_parts(x);
    return V::mul(V::fma(e.p, e.t1, e.t1), e.t2);
  }

  // exp(x) for x in [-36, 0]: 2^n is a normal number there, so neither the clamp nor the split
  // scaling is needed; the result is bit-identical to exp(x) (scaling by a power of two commutes
  // with rounding when nothing over- or underflows).
  static R exp_moderate(R x) {
    ExpReduced e = exp_reduce(x);
    R t = pow2(e.k);
    return V::fma(expm1_poly(e.r), t, t);
  }

  static R expm1(R x) {
    R xc = clamp(x, kF ? -30.f : -60.0, kF ? 89.f : 710.0);
    ExpParts e = exp_parts(xc);
    R t = V::mul(e.t1, e.t2);
    R small = V::fma(e.p, t, V::sub(t, c(T(1))));
    R big = V::mul(V::fma(e.p, e.t1, e.t1), e.t2);  // where 2^n alone overflows
    R r = V::sel(V::gt(xc, c(T(40))), big, small);
    // Tiny inputs (and -0) are their own expm1.
    return V::sel(V::lt(abs(x), c(kF ? 0x1p-25f : 0x1p-54)), x, r);
  }

  // log(x) for x > 0 finite; `cor` is added to log(m) (log1p's rounding correction).
  static R log_core(R x, R cor) {
    using U = typename B::U;
    const U sqrt_half = kF ? U(0x3f3504f3u) : U(0x3fe6a09e667f3bcdull);
    const U one = kF ? U(0x3f800000u) : U(0x3ff0000000000000ull);
    const U mant_mask = (U(1) << B::kMant) - 1;
    const T two_mant = kF ? 8388608.f : 4503599627370496.0;
    const T min_normal = kF ? 1.17549435e-38f : 2.2250738585072014e-308;
    M den = V::lt(x, c(min_normal));
    x = V::sel(den, V::mul(x, c(two_mant)), x);
    R eadj = V::sel(den, c(-T(B::kMant)), c(T(0)));
    I ix = V::iadd(V::asi(x), V::iset(one - sqrt_half));
    I eb = V::template shr<B::kMant>(ix);  // biased exponent of x / m
    R e = V::sub(V::asf(V::ior(eb, V::asi(c(two_mant)))), c(two_mant + T(B::kBias)));
    e = V::add(e, eadj);
    R m = V::asf(V::iadd(V::iand(ix, V::iset(mant_mask)), V::iset(sqrt_half)));
    R f = V::sub(m, c(T(1)));
    R hfsq = V::mul(c(T(0.5)), V::mul(f, f));
    R s = V::div(f, V::add(c(T(2)), f));
    R z = V::mul(s, s);
    R rz;
    if constexpr (kF) {
      static constexpr T k[] = {0.24279078841f, 0.28498786688f, 0.40000972152f, 0.66666662693f};
      rz = V::mul(z, poly(z, k));
    } else {
      static constexpr T k[] = {1.479819860511658591e-01, 1.531383769920937332e-01,
                                1.818357216161805012e-01, 2.222219843214978396e-01,
                                2.857142874366239149e-01, 3.999999999940941908e-01,
                                6.666666666666735130e-01};
      rz = V::mul(z, poly(z, k));
    }
    const T ln2hi = kF ? 0.693359375f : 6.93147180369123816490e-01;
    const T ln2lo = kF ? -2.12194440e-4f : 1.90821492927058770002e-10;
    R lo = V::fma(s, V::add(hfsq, rz), V::fma(e, c(ln2lo), cor));
    return V::sub(V::mul(e, c(ln2hi)), V::sub(V::sub(hfsq, lo), f));
  }
  static R fix_log(R x, R r) {
    const T inf = __builtin_inf();
    r = V::sel(V::eq(x, c(inf)), x, r);
    r = V::sel(V::eq(x, c(T(0))), c(-inf), r);
    return V::sel(V::mor(V::lt(x, c(T(0))), V::isnan(x)), c(__builtin_nan("")), r);
  }
  static R log(R x) { return fix_log(x, log_core(x, c(T(0)))); }
  static R log1p(R x) {
    R u = V::add(x, c(T(1)));
    // 1 + x = u - ((u - 1) - x): log(1 + x) ~ log(u) + (x - (u - 1)) / u.
    R cor = V::div(V::sub(x, V::sub(u, c(T(1)))), u);
    cor = V::sel(V::mand(V::gt(u, c(T(0))), V::lt(u, c(__builtin_inf()))), cor, c(T(0)));
    R r = fix_log(u, log_core(u, cor));
    return V::sel(V::lt(abs(x), c(kF ? 0x1p-25f : 0x1p-54)), x, r);
  }

  static R tanh(R x) {
    R a = V::sel(V::gt(abs(x), c(kF ? 10.f : 20.0)), c(kF ? 10.f : 20.0), abs(x));
    R e = expm1(V::add(a, a));
    return copysign(V::div(e, V::add(e, c(T(2)))), x);
  }
  // With e = exp(-|x|): 1 / (1 + e) for x >= 0, e / (1 + e) below (keeps the denormal tail).
  static R sigmoid(R x) {
    R e = exp(V::sub(c(T(0)), abs(x)));
    return V::div(V::sel(V::lt(x, c(T(0))), e, c(T(1))), V::add(c(T(1)), e));
  }
  static R silu(R x) {
    R e = exp(V::sub(c(T(0)), abs(x)));
    return V::div(V::sel(V::lt(x, c(T(0))), V::mul(x, e), x), V::add(c(T(1)), e));
  }

  // erfc(a) = exp(-a^2) g(a) for a >= 1; a^2's rounding error d enters as exp(-d) ~ 1 - d.
  static R erfc_tail(R a, R g) {
    R hi = V::mul(a, a);
    R lo = V::fma(a, a, V::sub(c(T(0)), hi));
    R q = V::mul(exp_moderate(V::sub(c(T(0)), hi)), g);  // a in [1, 6]: -a^2 in [-36, -1]
    return V::fma(V::sub(c(T(0)), q), lo, q);
  }
  // Note [Piecewise float erf]: for float, erf(|x|) is one polynomial of degree 9 per piece,
  // its coefficients taken per lane from 8-entry tables (one permute each): piece 0, |x| < 1,
  // is |x| P(x^2) (7 coefficients, the top three zero); pieces 1-3 are P(|x| - (n + 0.5)) on
  // [1, 2), [2, 3), [3, 3.92] (tools/fit_erf.py); past 3.92 erf rounds to 1. About 37
  // operations per vector where the exp(-x^2) g(x) tail and the small branch, both evaluated
  // for every vector, took about 50; the same accuracy (worst 2.24 ulp below 1 as before, 1.23
  // ulp above, every float checked against erfl). gelu on 1M floats at 1 thread 870 -> 550 us.
  static R erf_float(R x) {
    static constexpr T k0[] = {0.f,
                               0.f,
                               0.f,
                               7.875875063e-5f,
                               -8.016864287e-4f,
                               5.189087423e-3f,
                               -2.685421201e-2f,
                               1.128359472e-1f,
                               -3.761262667e-1f,
                               1.128379166f};
    static constexpr T k1[] = {
        1.549346768e-3f,  -2.403053564e-3f, -4.706894402e-3f, 1.933395156e-2f, -1.486962991e-2f,
        -4.459952339e-2f, 1.387521126e-1f,  -1.783954131e-1f, 1.189302887e-1f, 9.661051464e-1f};
    static constexpr T k2[] = {
        -2.457169287e-4f, 3.080637285e-4f, 5.412833491e-4f,  -2.808998199e-3f, 6.117456454e-3f,
        -8.621410518e-3f, 8.350085978e-3f, -5.445741766e-3f, 2.178284249e-3f,  9.995930481e-1f};
    static constexpr T k3[] = {1.725537422e-5f, -3.641944258e-5f, 5.742396506e-5f, -7.737678277e-5f,
                               8.222211657e-5f, -6.774421163e-5f, 4.229011896e-5f, -1.889730486e-5f,
                               5.39949989e-6f,  9.999992569e-1f};
    // tab[j] = coefficient j of pieces 0-3, padded to 16 floats for the vector loads.
    static constexpr auto tab = [] {
      std::array<std::array<T, 16>, 10> t{};
      for (int j = 0; j < 10; ++j) {
        t[j][0] = k0[j];
        t[j][1] = k1[j];
        t[j][2] = k2[j];
        t[j][3] = k3[j];
      }
      return t;
    }();
    const T top = 3.92f;
    R a = abs(x);
    R ac = V::sel(V::gt(a, c(top)), c(top), a);  // NaN stays NaN
    // n = round(ac - 0.5) in k's low mantissa bits: 0 below 1 (1 itself: ties to even), then 1-3.
    R k = V::add(V::sub(ac, c(T(0.5))), c(B::kMagic));
    R n = V::sub(k, c(B::kMagic));
    I ni = V::asi(k);
    M m0 = V::lt(n, c(T(0.5)));
    R u = V::sel(m0, V::mul(ac, ac), V::sub(ac, V::add(n, c(T(0.5)))));
    R p = V::lut(ni, tab[0].data());
#pragma GCC unroll 9
    for (int j = 1; j < 10; ++j) p = V::fma(p, u, V::lut(ni, tab[j].data()));
    R r = V::sel(m0, V::mul(ac, p), p);
    r = V::sel(V::gt(a, c(top)), c(T(1)), r);
    return copysign(r, x);
  }
  static R erf(R x) {
    if constexpr (kF) {
      return erf_float(x);
    } else {
      static constexpr T ks[] = {
          -7.7958988270021422416e-10, 1.3720064546777685604e-8,  -1.6208483801871705902e-7,
          1.644742470331736241e-6,    -1.4924736907419660338e-5, 1.2055294904839707917e-4,
          -8.5483259753896920806e-4,  5.2239776071164227321e-3,  -2.686617064323777036e-2,
          1.1283791670945006266e-1,   -3.7612638903183540438e-1, 1.1283791670955125665};
      static constexpr T km[] = {
          1.6913708784563240799e-12,  -9.1894201720814768644e-12, 4.0938479228895743811e-11,
          -2.1212376757225126984e-10, 1.0913862125386419693e-9,   -5.4141292740262067885e-9,
          2.6200160920446487056e-8,   -1.2365982366321840371e-7,  5.6801673435634474847e-7,
          -2.534511064707304854e-6,   1.0962893607629421901e-5,   -4.5856167052362756161e-5,
          1.8495607833968412732e-4,   -7.1689144562521234124e-4,  2.6591791241936574903e-3,
          -9.3909354924593723902e-3,  3.136704192398659263e-2,    -9.8232259135863930897e-2,
          2.8497223473743638921e-1};
      static constexpr T kb[] = {
          -2.0449696870215863097e-9, 6.8272018228983556759e-9,  -1.3332115949837287005e-8,
          4.2789506641696628615e-8,  -1.5277977174198102648e-7, 4.8098107864929917481e-7,
          -1.4764959666320758776e-6, 4.5176226066556626813e-6,  -1.3632078719121409124e-5,
          4.0487314200447515107e-5,  -1.1835411956521039582e-4, 3.4031141027692432892e-4,
          -9.6173298638538067763e-4, 2.6690037369852784575e-3,  -7.2669543172292272465e-3,
          1.9391340462986965878e-2,  -5.0652579975578185591e-2, 1.2934527478599253254e-1};
      R a = abs(x);
      R small = V::mul(a, poly(V::mul(a, a), ks));
      R ac = clamp(a, 1.0, 6.0);
      R gm = poly(V::mul(V::sub(ac, c(1.75)), c(1.0 / 0.75)), km);
      R gb = poly(V::mul(V::sub(ac, c(4.25)), c(1.0 / 1.75)), kb);
      R g = V::sel(V::lt(ac, c(2.5)), gm, gb);
      R large = V::sub(c(T(1)), erfc_tail(ac, g));
      return copysign(V::sel(V::lt(a, c(T(1))), small, large), x);
    }
  }
  static R gelu(R x) {
    R h = V::mul(x, c(T(0.5)));
    return V::fma(h, erf(V::mul(x, c(static_cast<T>(0.70710678118654752440)))), h);
  }
  static R gelu_tanh(R x) {
    const T beta = static_cast<T>(0.79788456080286535588), kappa = static_cast<T>(0.044715);
    R inner = V::mul(c(beta), V::add(x, V::mul(c(kappa), V::mul(V::mul(x, x), x))));
    R h = V::mul(x, c(T(0.5)));
    return V::mul(h, V::add(c(T(1)), tanh(inner)));
  }
};

// Whole vectors, then the tail through a zero-padded buffer (so y may alias x).
template <class V, typename V::R (*F)(typename V::R)>
void map_array(const typename V::T* x, typename V::T* y, int64_t n) {
  using T = typename V::T;
  int64_t i = 0;
  for (; i + 2 * V::N <= n; i += 2 * V::N) {
    typename V::R a = V::load(x + i), b = V::load(x + i + V::N);
    V::store(y + i, F(a));
    V::store(y + i + V::N, F(b));
  }
  for (; i + V::N <= n; i += V::N) V::store(y + i, F(V::load(x + i)));
  if (i < n) {
    T buf[V::N];
    int64_t m = n - i;
    for (int64_t k = 0; k < V::N; ++k) buf[k] = k < m ? x[i + k] : T(0);
    V::store(buf, F(V::load(buf)));
    for (int64_t k = 0; k < m; ++k) y[i + k] = buf[k];
  }
}

// y = exp(x - shift), returning the sum of y (softmax's middle pass in one sweep).
template <class V>
typename V::T exp_shift_sum(const typename V::T* x, typename V::T* y, int64_t n,
                            typename V::T shift) {
  using T = typename V::T;
  using R = typename V::R;
  R s = V::set(shift), a0 = V::set(T(0)), a1 = V::set(T(0));
  int64_t i = 0;
  for (; i + 2 * V::N <= n; i += 2 * V::N) {
    R e0 = Math<V>::exp(V::sub(V::load(x + i), s));
    R e1 = Math<V>::exp(V::sub(V::load(x + i + V::N), s));
    V::store(y + i, e0);
    V::store(y + i + V::N, e1);
    a0 = V::add(a0, e0);
    a1 = V::add(a1, e1);
  }
  T lanes[V::N];
  V::store(lanes, V::add(a0, a1));
  T sum = 0;
  for (int k = 0; k < V::N; ++k) sum += lanes[k];
  for (; i < n; i += V::N) {
    int64_t m = n - i < V::N ? n - i : V::N;
    for (int64_t k = 0; k < V::N; ++k) lanes[k] = k < m ? x[i + k] : shift;
    V::store(lanes, Math<V>::exp(V::sub(V::load(lanes), s)));
    for (int64_t k = 0; k < m; ++k) {
      y[i + k] = lanes[k];
      sum += lanes[k];
    }
  }
  return sum;
}

template <class VF, class VD>
constexpr Table make_table(const char* name) {
  return Table{name,
               {
#define EMBER_VEC_F(fn) &map_array<VF, &Math<VF>::fn>,
                   EMBER_VEC_MATH_FNS(EMBER_VEC_F)
#undef EMBER_VEC_F
               },
               {
#define EMBER_VEC_D(fn) &map_array<VD, &Math<VD>::fn>,
                   EMBER_VEC_MATH_FNS(EMBER_VEC_D)
#undef EMBER_VEC_D
               },
               &exp_shift_sum<VF>,
               &exp_shift_sum<VD>};
}

}  // namespace
}  // namespace vec
}  // namespace cpu
}  // namespace ember

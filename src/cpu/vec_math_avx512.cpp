// The AVX-512F vector-math table, compiled with -mavx512f (see Note [Vector math]).
#include "src/cpu/vec_math_impl.h"

// GCC 12's shift intrinsics start from _mm512_undefined_*: a false maybe-uninitialized warning.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#if defined(__AVX512F__)
#include <immintrin.h>

namespace ember {
namespace cpu {
namespace vec {
namespace {

struct Avx512F {
  using T = float;
  using R = __m512;
  using I = __m512i;
  using M = __mmask16;
  static constexpr int N = 16;
  static R load(const T* p) { return _mm512_loadu_ps(p); }
  static void store(T* p, R v) { _mm512_storeu_ps(p, v); }
  static R set(T v) { return _mm512_set1_ps(v); }
  static I iset(uint32_t v) { return _mm512_set1_epi32(static_cast<int>(v)); }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
  static R sub(R a, R b) { return _mm512_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm512_mul_ps(a, b); }
  static R div(R a, R b) { return _mm512_div_ps(a, b); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static M lt(R a, R b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static M gt(R a, R b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static M eq(R a, R b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  static M isnan(R a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
  static M mor(M a, M b) { return static_cast<M>(a | b); }
  static M mand(M a, M b) { return static_cast<M>(a & b); }
  static R sel(M m, R a, R b) { return _mm512_mask_blend_ps(m, b, a); }
  // Lane l takes t[i[l] & 7] (i's low bits; t holds 16 floats).
  static R lut(I i, const T* t) { return _mm512_permutexvar_ps(i, _mm512_loadu_ps(t)); }
  static I asi(R a) { return _mm512_castps_si512(a); }
  static R asf(I a) { return _mm512_castsi512_ps(a); }
  static I iadd(I a, I b) { return _mm512_add_epi32(a, b); }
  static I iand(I a, I b) { return _mm512_and_si512(a, b); }
  static I ior(I a, I b) { return _mm512_or_si512(a, b); }
  template <int K>
  static I shl(I a) {
    return _mm512_slli_epi32(a, K);
  }
  template <int K>
  static I shr(I a) {
    return _mm512_srli_epi32(a, K);
  }
};

struct Avx512D {
  using T = double;
  using R = __m512d;
  using I = __m512i;
  using M = __mmask8;
  static constexpr int N = 8;
  static R load(const T* p) { return _mm512_loadu_pd(p); }
  static void store(T* p, R v) { _mm512_storeu_pd(p, v); }
  static R set(T v) { return _mm512_set1_pd(v); }
  static I iset(uint64_t v) { return _mm512_set1_epi64(static_cast<long long>(v)); }
  static R add(R a, R b) { return _mm512_add_pd(a, b); }
  static R sub(R a, R b) { return _mm512_sub_pd(a, b); }
  static R mul(R a, R b) { return _mm512_mul_pd(a, b); }
  static R div(R a, R b) { return _mm512_div_pd(a, b); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_pd(a, b, c); }
  static M lt(R a, R b) { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
  static M gt(R a, R b) { return _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ); }
  static M eq(R a, R b) { return _mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ); }
  static M isnan(R a) { return _mm512_cmp_pd_mask(a, a, _CMP_UNORD_Q); }
  static M mor(M a, M b) { return static_cast<M>(a | b); }
  static M mand(M a, M b) { return static_cast<M>(a & b); }
  static R sel(M m, R a, R b) { return _mm512_mask_blend_pd(m, b, a); }
  static I asi(R a) { return _mm512_castpd_si512(a); }
  static R asf(I a) { return _mm512_castsi512_pd(a); }
  static I iadd(I a, I b) { return _mm512_add_epi64(a, b); }
  static I iand(I a, I b) { return _mm512_and_si512(a, b); }
  static I ior(I a, I b) { return _mm512_or_si512(a, b); }
  template <int K>
  static I shl(I a) {
    return _mm512_slli_epi64(a, K);
  }
  template <int K>
  static I shr(I a) {
    return _mm512_srli_epi64(a, K);
  }
};

}  // namespace

const Table* table_avx512() {
  static constexpr Table t = make_table<Avx512F, Avx512D>("avx512");
  return &t;
}

}  // namespace vec
}  // namespace cpu
}  // namespace ember

#else
namespace ember::cpu::vec {
const Table* table_avx512() { return nullptr; }
}  // namespace ember::cpu::vec
#endif

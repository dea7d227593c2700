// The AVX2 + FMA vector-math table, compiled with -mavx2 -mfma (see Note [Vector math]).
#include "src/cpu/vec_math_impl.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

namespace ember {
namespace cpu {
namespace vec {
namespace {

struct Avx2F {
  using T = float;
  using R = __m256;
  using I = __m256i;
  using M = __m256;
  static constexpr int N = 8;
  static R load(const T* p) { return _mm256_loadu_ps(p); }
  static void store(T* p, R v) { _mm256_storeu_ps(p, v); }
  static R set(T v) { return _mm256_set1_ps(v); }
  static I iset(uint32_t v) { return _mm256_set1_epi32(static_cast<int>(v)); }
  static R add(R a, R b) { return _mm256_add_ps(a, b); }
  static R sub(R a, R b) { return _mm256_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm256_mul_ps(a, b); }
  static R div(R a, R b) { return _mm256_div_ps(a, b); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static M lt(R a, R b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static M gt(R a, R b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static M eq(R a, R b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  static M isnan(R a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
  static M mor(M a, M b) { return _mm256_or_ps(a, b); }
  static M mand(M a, M b) { return _mm256_and_ps(a, b); }
  static R sel(M m, R a, R b) { return _mm256_blendv_ps(b, a, m); }
  // Lane l takes t[i[l] & 7] (i's low bits; t holds 16 floats).
  static R lut(I i, const T* t) { return _mm256_permutevar8x32_ps(_mm256_loadu_ps(t), i); }
  static I asi(R a) { return _mm256_castps_si256(a); }
  static R asf(I a) { return _mm256_castsi256_ps(a); }
  static I iadd(I a, I b) { return _mm256_add_epi32(a, b); }
  static I iand(I a, I b) { return _mm256_and_si256(a, b); }
  static I ior(I a, I b) { return _mm256_or_si256(a, b); }
  template <int K>
  static I shl(I a) {
    return _mm256_slli_epi32(a, K);
  }
  template <int K>
  static I shr(I a) {
    return _mm256_srli_epi32(a, K);
  }
};

struct Avx2D {
  using T = double;
  using R = __m256d;
  using I = __m256i;
  using M = __m256d;
  static constexpr int N = 4;
  static R load(const T* p) { return _mm256_loadu_pd(p); }
  static void store(T* p, R v) { _mm256_storeu_pd(p, v); }
  static R set(T v) { return _mm256_set1_pd(v); }
  static I iset(uint64_t v) { return _mm256_set1_epi64x(static_cast<long long>(v)); }
  static R add(R a, R b) { return _mm256_add_pd(a, b); }
  static R sub(R a, R b) { return _mm256_sub_pd(a, b); }
  static R mul(R a, R b) { return _mm256_mul_pd(a, b); }
  static R div(R a, R b) { return _mm256_div_pd(a, b); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_pd(a, b, c); }
  static M lt(R a, R b) { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
  static M gt(R a, R b) { return _mm256_cmp_pd(a, b, _CMP_GT_OQ); }
  static M eq(R a, R b) { return _mm256_cmp_pd(a, b, _CMP_EQ_OQ); }
  static M isnan(R a) { return _mm256_cmp_pd(a, a, _CMP_UNORD_Q); }
  static M mor(M a, M b) { return _mm256_or_pd(a, b); }
  static M mand(M a, M b) { return _mm256_and_pd(a, b); }
  static R sel(M m, R a, R b) { return _mm256_blendv_pd(b, a, m); }
  static I asi(R a) { return _mm256_castpd_si256(a); }
  static R asf(I a) { return _mm256_castsi256_pd(a); }
  static I iadd(I a, I b) { return _mm256_add_epi64(a, b); }
  static I iand(I a, I b) { return _mm256_and_si256(a, b); }
  static I ior(I a, I b) { return _mm256_or_si256(a, b); }
  template <int K>
  static I shl(I a) {
    return _mm256_slli_epi64(a, K);
  }
  template <int K>
  static I shr(I a) {
    return _mm256_srli_epi64(a, K);
  }
};

}  // namespace

const Table* table_avx2() {
  static constexpr Table t = make_table<Avx2F, Avx2D>("avx2");
  return &t;
}

}  // namespace vec
}  // namespace cpu
}  // namespace ember

#else
namespace ember::cpu::vec {
const Table* table_avx2() { return nullptr; }
}  // namespace ember::cpu::vec
#endif

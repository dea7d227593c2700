// The fused attention kernels on CUDA (src/cuda/attention.cu + attention_kernels.cpp) against the
// CPU fused op on the same 16-bit inputs computed in float: outputs, log-sum-exp and gradients, for
// both 16-bit types, head sizes 32, 64 and 128, causal or not, ragged lengths (not multiples of the
// 64-row tiles), L != S, and the transposed [B, L, H, E] layout multi-head code passes; each of
// the kernels' four modes (EMBER_FLASH_MODE), which must agree bit for bit where no atomics add.
// With dropout, against the CPU kernel given the same Philox seed and offset (Note [Attention
// dropout] in src/kernels/philox.h: the same mask on both devices).
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "cuda/cuda_test.h"
#include "src/core/cuda_hooks.h"
#include "src/kernels/attention.h"

using namespace ember;

namespace {

// max |a - ref| <= frac * max |ref| + 1e-3 (16-bit inputs, float accumulation).
::testing::AssertionResult near(const Tensor& a, const Tensor& ref, double frac) {
  Tensor x = a.cpu().to(kDouble), r = ref.cpu().to(kDouble);
  if (x.sizes() != r.sizes())
    return ::testing::AssertionFailure() << "sizes " << x.sizes() << " vs " << r.sizes();
  if (!x.isfinite().all().item<bool>()) return ::testing::AssertionFailure() << "non-finite";
  const double err = (x - r).abs().max().item<double>();
  const double bound = frac * r.abs().max().item<double>() + 1e-3;
  if (err <= bound) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "max error " << err << " > " << bound;
}

// Sets EMBER_FLASH_MODE while it lives.
class FlashMode {
 public:
  explicit FlashMode(int mode) {
    if (const char* old = std::getenv(kName)) old_ = old;
    ::setenv(kName, std::to_string(mode).c_str(), 1);
  }
  ~FlashMode() {
    if (old_)
      ::setenv(kName, old_->c_str(), 1);
    else
      ::unsetenv(kName);
  }
  FlashMode(const FlashMode&) = delete;
  FlashMode& operator=(const FlashMode&) = delete;

 private:
  static constexpr const char* kName = "EMBER_FLASH_MODE";
  std::optional<std::string> old_;
};

struct Case {
  int64_t B, H, L, S, E;
  bool causal;
  bool heads_last;  // inputs are transposed [B, L, H, E] views
};

// [B, H, n, E] values in `dt` on the GPU, in the requested layout.
Tensor make(const Case& c, int64_t n, ScalarType dt, double mul) {
  Tensor x = torch::randn({c.B, n, c.H, c.E}) * mul;
  Tensor t = x.to(dt).cuda().transpose(1, 2);
  return c.heads_last ? t : t.contiguous();
}

void check_case(const Case& c, ScalarType dt) {
  SCOPED_TRACE(::testing::Message()
               << toString(dt) << " B" << c.B << " H" << c.H << " L" << c.L << " S" << c.S << " E"
               << c.E << " causal " << c.causal << " heads_last " << c.heads_last);
  torch::manual_seed(c.L * 131 + c.S);
  Tensor q = make(c, c.L, dt, 1.0), k = make(c, c.S, dt, 1.0), v = make(c, c.S, dt, 1.0);
  Tensor g = make(c, c.L, dt, 1.0);
  q.requires_grad_();
  k.requires_grad_();
  v.requires_grad_();
  const double scale = 1.0 / std::sqrt(static_cast<double>(c.E));
  auto [out, lse] = _scaled_dot_product_fused_attention(q, k, v, c.causal);
  ASSERT_TRUE(out.is_cuda());
  EXPECT_EQ(out.dtype(), dt);
  EXPECT_EQ(lse.dtype(), kFloat);
  if (c.heads_last) {
    EXPECT_TRUE(out.transpose(1, 2).is_contiguous());
  }
  // The reference: the CPU kernel in float on the same rounded values.
  Tensor qc = q.detach().cpu().to(kFloat).requires_grad_();
  Tensor kc = k.detach().cpu().to(kFloat).requires_grad_();
  Tensor vc = v.detach().cpu().to(kFloat).requires_grad_();
  auto [want, want_lse] = _scaled_dot_product_fused_attention(qc, kc, vc, c.causal, scale);
  const double f = dt == kBFloat16 ? 2e-2 : 4e-3;
  EXPECT_TRUE(near(out, want, f));
  EXPECT_TRUE(near(lse, want_lse, 1e-3));
  auto got = torch::autograd::grad({out}, {q, k, v}, {g});
  auto ref = torch::autograd::grad({want}, {qc, kc, vc}, {g.cpu().to(kFloat)});
  const char* names[] = {"grad q", "grad k", "grad v"};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i].dtype(), dt);
    EXPECT_TRUE(near(got[i], ref[i], 2.5 * f)) << names[i];
  }
}

}  // namespace

TEST(CudaAttention, FusedMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  const Case cases[] = {
      {2, 3, 64, 64, 64, false, false},   {2, 3, 64, 64, 64, true, false},
      {1, 2, 100, 100, 64, true, true},   {1, 2, 70, 130, 64, false, true},
      {1, 2, 130, 70, 64, true, false},   {2, 1, 1, 1, 64, false, false},
      {1, 1, 5, 200, 64, true, false},    {1, 2, 96, 96, 128, true, true},
      {2, 2, 100, 77, 32, true, true},    {1, 3, 65, 130, 32, false, false},
      {1, 1, 33, 150, 128, false, false}, {3, 2, 257, 257, 64, true, true},
  };
  for (int mode : {3, 2, 1, 0}) {
    SCOPED_TRACE(::testing::Message() << "EMBER_FLASH_MODE " << mode);
    FlashMode m(mode);
    for (ScalarType dt : {kBFloat16, kHalf}) {
      for (const Case& c : cases) check_case(c, dt);
    }
  }
}

// The modes differ in how tiles and fragments reach the tensor cores, not in what they compute:
// output, log-sum-exp and the key/value gradients are bit-identical to mode 0's; the query
// gradient is summed with atomics in a varying order.
TEST(CudaAttention, FlashModesAgree) {
  EMBER_REQUIRE_CUDA();
  const Case cases[] = {{2, 3, 200, 200, 64, true, true},
                        {1, 2, 130, 70, 64, false, false},
                        {1, 2, 150, 150, 128, true, false},
                        {2, 1, 300, 250, 128, false, true}};
  for (ScalarType dt : {kBFloat16, kHalf}) {
    for (const Case& c : cases) {
      SCOPED_TRACE(::testing::Message() << toString(dt) << " L" << c.L << " S" << c.S << " E" << c.E
                                        << " causal " << c.causal);
      torch::manual_seed(c.L + c.S);
      Tensor q = make(c, c.L, dt, 1.0), k = make(c, c.S, dt, 1.0), v = make(c, c.S, dt, 1.0);
      Tensor g = make(c, c.L, dt, 1.0);
      std::vector<Tensor> ref;
      for (int mode : {0, 1, 2, 3}) {
        FlashMode m(mode);
        Tensor qq = q.detach().requires_grad_(), kk = k.detach().requires_grad_(),
               vv = v.detach().requires_grad_();
        auto [out, lse] = _scaled_dot_product_fused_attention(qq, kk, vv, c.causal);
        auto grads = torch::autograd::grad({out}, {qq, kk, vv}, {g});
        std::vector<Tensor> got = {out, lse, grads[1], grads[2], grads[0]};
        if (mode == 0) {
          ref = got;
          continue;
        }
        const char* names[] = {"out", "lse", "grad k", "grad v"};
        for (size_t i = 0; i < 4; ++i) {
          EXPECT_TRUE(torch::equal(got[i], ref[i])) << "mode " << mode << " " << names[i];
        }
        EXPECT_TRUE(near(got[4], ref[4], 1e-2)) << "mode " << mode << " grad q";
      }
    }
  }
}

// scaled_dot_product_attention takes the fused path for such inputs and gives the composite's
// numbers (EMBER_FUSED_ATTENTION=0 forces the composite), values and gradients.
TEST(CudaAttention, SdpaFusedPathMatchesComposite) {
  EMBER_REQUIRE_CUDA();
  torch::manual_seed(7);
  for (bool causal : {false, true}) {
    Tensor x = torch::randn({2, 77, 4, 64}).to(kBFloat16).cuda();  // [B, L, H, E]
    Tensor q = x.transpose(1, 2).requires_grad_(false), k = (x * 0.5).transpose(1, 2),
           v = (x - 0.25).transpose(1, 2);
    q = q.detach().requires_grad_();
    Tensor fused = torch::scaled_dot_product_attention(q, k, v, {}, 0.0, causal);
    Tensor gq = torch::autograd::grad({fused}, {q}, {torch::ones_like(fused)})[0];
    setenv("EMBER_FUSED_ATTENTION", "0", 1);
    Tensor comp = torch::scaled_dot_product_attention(q, k, v, {}, 0.0, causal);
    Tensor gq_comp = torch::autograd::grad({comp}, {q}, {torch::ones_like(comp)})[0];
    unsetenv("EMBER_FUSED_ATTENTION");
    EXPECT_TRUE(near(fused, comp, 3e-2)) << causal;
    EXPECT_TRUE(near(gq, gq_comp, 6e-2)) << causal;
    // A float32 or masked call keeps the composite (and still works).
    Tensor f32 = torch::scaled_dot_product_attention(q.to(kFloat), k.to(kFloat), v.to(kFloat), {},
                                                     0.0, causal);
    EXPECT_TRUE(near(f32, comp, 3e-2));
  }
  // More heads than the kernel's grid takes (a 3-D batch of 70000): the composite runs.
  Tensor many = torch::randn({70000, 2, 64}).to(kBFloat16).cuda();
  Tensor out = torch::scaled_dot_product_attention(many, many, many);
  setenv("EMBER_FUSED_ATTENTION", "0", 1);
  Tensor comp = torch::scaled_dot_product_attention(many, many, many);
  unsetenv("EMBER_FUSED_ATTENTION");
  EXPECT_TRUE(near(out, comp, 1e-6));
}

TEST(CudaAttention, FusedRejectsWhatTheKernelCannotDo) {
  EMBER_REQUIRE_CUDA();
  Tensor q = torch::randn({1, 1, 8, 64}).cuda();
  std::string e = error_of([&] { _scaled_dot_product_fused_attention(q, q, q); });
  EXPECT_NE(e.find("supports float16 and bfloat16"), std::string::npos) << e;
  Tensor h = torch::randn({1, 1, 8, 48}).to(kHalf).cuda();
  e = error_of([&] { _scaled_dot_product_fused_attention(h, h, h); });
  EXPECT_NE(e.find("head sizes 32, 64 and 128"), std::string::npos) << e;
}

// Dropout inside the CUDA kernels: the CUDA op's output and gradients against the CPU kernel run
// with the seed and offset the CUDA generator handed the call; the same CUDA seed gives the same
// output, the generator's next offset another.
TEST(CudaAttention, FusedDropoutMatchesCpuKernel) {
  EMBER_REQUIRE_CUDA();
  const Case cases[] = {{2, 3, 100, 100, 64, true, true},
                        {1, 2, 70, 130, 64, false, false},
                        {1, 2, 96, 96, 128, true, false},
                        {3, 2, 257, 257, 64, true, true}};
  for (ScalarType dt : {kBFloat16, kHalf}) {
    for (const Case& c : cases) {
      SCOPED_TRACE(::testing::Message() << toString(dt) << " L" << c.L << " S" << c.S << " E" << c.E
                                        << " causal " << c.causal);
      torch::manual_seed(c.L + 3 * c.S);
      Tensor q = make(c, c.L, dt, 1.0), k = make(c, c.S, dt, 1.0), v = make(c, c.S, dt, 1.0);
      Tensor g = make(c, c.L, dt, 1.0);
      q.requires_grad_();
      k.requires_grad_();
      v.requires_grad_();
      const double p = 0.3, scale = 1.0 / std::sqrt(static_cast<double>(c.E));
      const detail::PhiloxSeedOffset st = detail::cuda_philox_seed_offset(q.device().index(), 0);
      auto [out, lse] = _scaled_dot_product_fused_attention(q, k, v, c.causal, std::nullopt, p);
      auto got = torch::autograd::grad({out}, {q, k, v}, {g});
      AttentionDropout d;
      d.p = p;
      d.seed = st.seed;
      d.offset = st.offset;
      Tensor qc = q.detach().cpu().to(kFloat).contiguous();
      Tensor kc = k.detach().cpu().to(kFloat).contiguous();
      Tensor vc = v.detach().cpu().to(kFloat).contiguous();
      Tensor gc = g.cpu().to(kFloat).contiguous();
      Tensor oc = torch::empty({c.B, c.H, c.L, c.E}), lc = torch::empty({c.B, c.H, c.L});
      fused_attention_stub.get(kCPU)(qc, kc, vc, oc, lc, c.causal, scale, d, Tensor());
      Tensor gq = torch::empty_like(qc), gk = torch::empty_like(kc), gv = torch::empty_like(vc);
      fused_attention_backward_stub.get(kCPU)(gc, qc, kc, vc, oc, lc, gq, gk, gv, c.causal, scale,
                                              d, Tensor());
      const double f = dt == kBFloat16 ? 2e-2 : 4e-3;
      EXPECT_TRUE(near(out, oc, f));
      EXPECT_TRUE(near(lse, lc, 1e-3));
      EXPECT_TRUE(near(got[0], gq, 2.5 * f)) << "grad q";
      EXPECT_TRUE(near(got[1], gk, 2.5 * f)) << "grad k";
      EXPECT_TRUE(near(got[2], gv, 2.5 * f)) << "grad v";
      // Not the output without dropout.
      Tensor plain = std::get<0>(_scaled_dot_product_fused_attention(q, k, v, c.causal));
      EXPECT_FALSE(near(out, plain, f));
    }
  }
  // Reproducible per CUDA seed, through scaled_dot_product_attention (which takes the fused path).
  Tensor x = torch::randn({2, 4, 80, 64}).to(kBFloat16).cuda();
  torch::cuda::manual_seed(11);
  Tensor a = torch::scaled_dot_product_attention(x, x, x, {}, 0.2, true);
  Tensor b = torch::scaled_dot_product_attention(x, x, x, {}, 0.2, true);
  torch::cuda::manual_seed(11);
  Tensor a2 = torch::scaled_dot_product_attention(x, x, x, {}, 0.2, true);
  EXPECT_TRUE(torch::equal(a, a2));
  EXPECT_FALSE(torch::equal(a, b));
  // p = 1 drops everything (the composite).
  Tensor none = torch::scaled_dot_product_attention(x, x, x, {}, 1.0, true);
  EXPECT_EQ(none.abs().max().item<float>(), 0.f);
}

// attn_mask inside the CUDA kernels: scaled_dot_product_attention with bool and float masks of
// several broadcast shapes (and a row hidden from every key) against its composite
// (EMBER_FUSED_ATTENTION=0), values and gradients; with dropout, against the CPU kernel.
TEST(CudaAttention, FusedMaskMatchesComposite) {
  EMBER_REQUIRE_CUDA();
  torch::manual_seed(8);
  const int64_t B = 2, H = 3, L = 90, S = 130;
  Tensor x = torch::randn({B, L, H, 64}).to(kBFloat16).cuda();
  Tensor y = torch::randn({B, S, H, 64}).to(kBFloat16).cuda();
  Tensor g = torch::randn({B, H, L, 64}).to(kBFloat16).cuda();
  Tensor pad = torch::ones({B, 1, 1, S}, torch::kBool);
  pad.index_put_({1, 0, 0, torch::indexing::Slice(40, torch::indexing::None)}, false);
  Tensor hide = torch::ones({L, S}, torch::kBool);
  hide.index_put_({7}, false);
  const std::vector<Tensor> masks = {pad.cuda(), hide.cuda(),
                                     torch::randn({L, S}).to(kBFloat16).cuda(),
                                     torch::randn({B, H, L, S}).cuda()};
  for (const Tensor& m : masks) {
    SCOPED_TRACE(::testing::Message() << "mask " << m.sizes() << " " << toString(m.dtype()));
    Tensor q = x.transpose(1, 2).detach().requires_grad_();
    Tensor k = y.transpose(1, 2).detach().requires_grad_();
    Tensor v = (y * 0.5).transpose(1, 2).detach().requires_grad_();
    Tensor fused = torch::scaled_dot_product_attention(q, k, v, m);
    auto gf = torch::autograd::grad({fused}, {q, k, v}, {g});
    setenv("EMBER_FUSED_ATTENTION", "0", 1);
    Tensor comp = torch::scaled_dot_product_attention(q, k, v, m);
    auto gc = torch::autograd::grad({comp}, {q, k, v}, {g});
    unsetenv("EMBER_FUSED_ATTENTION");
    EXPECT_TRUE(near(fused, comp, 3e-2));
    for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(near(gf[i], gc[i], 6e-2)) << i;
  }
  // Mask and dropout together, against the CPU kernel with the same seed and offset.
  Tensor q = x.transpose(1, 2), k = y.transpose(1, 2), v = (y * 0.5).transpose(1, 2);
  const detail::PhiloxSeedOffset st = detail::cuda_philox_seed_offset(0, 0);
  auto [out, lse] =
      _scaled_dot_product_fused_attention(q, k, v, false, std::nullopt, 0.2, masks[3]);
  AttentionDropout d;
  d.p = 0.2;
  d.seed = st.seed;
  d.offset = st.offset;
  Tensor oc = torch::empty({B, H, L, 64}), lc = torch::empty({B, H, L});
  fused_attention_stub.get(kCPU)(q.cpu().to(kFloat).contiguous(), k.cpu().to(kFloat).contiguous(),
                                 v.cpu().to(kFloat).contiguous(), oc, lc, false, 0.125, d,
                                 masks[3].cpu().to(kDouble));
  EXPECT_TRUE(near(out, oc, 2e-2));
  EXPECT_TRUE(near(lse, lc, 1e-3));
}

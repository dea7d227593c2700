// attention.cu's kernels (src/cuda/flash_attention.cuh) run on the CPU through the SIMT emulator
// of tests/support/simt.h (Note [Emulated kernels] in tests/README.md): forward and backward in
// every mode (EMBER_FLASH_MODE 0 to 3), float16 and bfloat16, head sizes 32, 64 and 128, causal or
// not, ragged lengths and strided layouts, against attention computed in double from the same
// 16-bit inputs; the modes must agree bit for bit (but for mode 3's dQ, summed over blocks of 128
// keys instead of 64). With dropout, against the same in double with the mask of Note [Attention
// dropout] (src/kernels/philox.h) built element by element. No GPU needed: this runs in CI.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <torch/torch.h>

// The emulator's CUDA names, then the kernels (this order: the emulator defines macros).
#include "support/simt.h"
// (keep)
#include "src/cuda/flash_attention.cuh"

using namespace ember;

namespace {

struct Case {
  int B, H, L, S, D;
  bool causal, bf16;
  bool heads_inner;  // [B, L, H, D] storage seen as [B, H, L, D], as GPT-2's q, k, v
};

std::string name_of(const Case& c) {
  return std::string(c.bf16 ? "bf16" : "f16") + " B" + std::to_string(c.B) + " H" +
         std::to_string(c.H) + " L" + std::to_string(c.L) + " S" + std::to_string(c.S) + " D" +
         std::to_string(c.D) + (c.causal ? " causal" : "") + (c.heads_inner ? " [B,L,H,D]" : "");
}

// A [B, H, rows, D] tensor of 16-bit values, contiguous or as a transposed [B, rows, H, D].
Tensor input(const Case& c, int rows, int seed) {
  torch::manual_seed(seed);
  const ScalarType dt = c.bf16 ? kBFloat16 : kHalf;
  if (c.heads_inner) return torch::randn({c.B, rows, c.H, c.D}).to(dt).transpose(1, 2);
  return torch::randn({c.B, c.H, rows, c.D}).to(dt);
}
Tensor like(const Tensor& t, ScalarType dt) {
  // Same layout as t (for the heads-inner cases), filled with garbage the kernels must overwrite.
  Tensor base = t.transpose(1, 2).is_contiguous()
                    ? torch::full({t.size(0), t.size(2), t.size(1), t.size(3)}, 7.0, kFloat)
                          .to(dt)
                          .transpose(1, 2)
                    : torch::full(t.sizes(), 7.0, kFloat).to(dt);
  return base;
}

cuda::RowStrides strides(const Tensor& t) { return {t.stride(0), t.stride(1), t.stride(2)}; }

void run(bool forward, const cuda::FlashArgs& a) {
  auto launch = [&](void (*kernel)(cuda::FlashArgs), dim3 grid, unsigned threads, size_t smem) {
    simt::launch(grid, dim3(threads), smem, [&] { kernel(a); });
  };
  if (forward) {
    cuda::flash::run<true>(a, launch);
  } else {
    cuda::flash::run<false>(a, launch);
  }
}

struct Result {
  Tensor o, lse, gq, gk, gv;
};

Result emulate(const Case& c, int mode, const Tensor& q, const Tensor& k, const Tensor& v,
               const Tensor& go, const AttentionDropout& drop = {}, const Tensor& bias = {}) {
  const ScalarType dt = q.scalar_type();
  Result r;
  r.o = like(q, dt);
  r.lse = torch::full({c.B, c.H, c.L}, 7.0, kFloat);
  cuda::FlashArgs a;
  a.q = q.data_ptr();
  a.k = k.data_ptr();
  a.v = v.data_ptr();
  a.o = r.o.data_ptr();
  a.lse = r.lse.data_ptr<float>();
  a.qs = strides(q);
  a.ks = strides(k);
  a.vs = strides(v);
  a.os = strides(r.o);
  a.B = c.B;
  a.H = c.H;
  a.L = c.L;
  a.S = c.S;
  a.D = c.D;
  a.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(c.D)));
  a.causal = c.causal;
  a.bf16 = c.bf16;
  a.mode = mode;
  cuda::set_flash_dropout(a, drop);
  if (bias.defined()) {  // float32, [B, H, L, S] through broadcast strides
    a.bias = bias.data_ptr<float>();
    a.bias_s = strides(bias);
    a.bias_j = bias.stride(3);
  }
  run(true, a);
  r.gq = like(q, dt);
  r.gk = like(k, dt);
  r.gv = like(v, dt);
  Tensor dq_accum = torch::zeros({c.B, c.H, c.L, c.D}, kFloat);
  Tensor dvec = torch::full({c.B, c.H, c.L}, 7.0, kFloat);
  a.go = go.data_ptr();
  a.gos = strides(go);
  a.gq = r.gq.data_ptr();
  a.gqs = strides(r.gq);
  a.gk = r.gk.data_ptr();
  a.gks = strides(r.gk);
  a.gv = r.gv.data_ptr();
  a.gvs = strides(r.gv);
  a.dq_accum = dq_accum.data_ptr<float>();
  a.dvec = dvec.data_ptr<float>();
  run(false, a);
  return r;
}

// ||got - want|| / ||want|| below tol.
::testing::AssertionResult close(const Tensor& got, const Tensor& want, double tol) {
  const Tensor g = got.to(kDouble), w = want.to(kDouble);
  if (!g.isfinite().all().item<bool>()) return ::testing::AssertionFailure() << "non-finite values";
  const double err = (g - w).norm().item<double>(), ref = w.norm().item<double>();
  if (err <= tol * ref) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "relative error " << err / ref << " > " << tol;
}

// The dropout factors keep / (1 - p) of every weight, [B, H, L, S] in double, one Philox call per
// element (the kernels share a call among four).
Tensor dropout_factors(const Case& c, const AttentionDropout& d) {
  Tensor z = torch::empty({c.B, c.H, c.L, c.S}, kDouble);
  attention_dropout_factors(z.data_ptr<double>(), c.B * c.H, c.L, c.S, d);
  return z;
}

struct Reference {
  Tensor qd, kd, vd, o, lse;
};

// Attention in double of the same 16-bit values (top-left causal mask, as the kernels and
// PyTorch's is_causal), its gradients for go in qd/kd/vd.grad().
Reference reference(const Case& c, const Tensor& q, const Tensor& k, const Tensor& v,
                    const Tensor& go, const AttentionDropout& drop = {}, const Tensor& bias = {}) {
  Reference r;
  r.qd = q.to(kDouble).requires_grad_();
  r.kd = k.to(kDouble).requires_grad_();
  r.vd = v.to(kDouble).requires_grad_();
  Tensor s = r.qd.matmul(r.kd.transpose(-2, -1)) / std::sqrt(static_cast<double>(c.D));
  if (c.causal) {
    Tensor future = torch::ones({c.L, c.S}, torch::kBool).triu(1);
    s = s.masked_fill(future, -std::numeric_limits<double>::infinity());
  }
  if (bias.defined()) s = s + bias.to(kDouble);
  // Rows that no key reaches: weights 0 (the kernels' output 0 and log-sum-exp +inf).
  Tensor hidden = s.isneginf().all(-1, true);
  Tensor w = torch::where(hidden, torch::zeros({}, kDouble),
                          torch::softmax(s.masked_fill(hidden, 0.0), -1));
  if (drop.p > 0) w = w * dropout_factors(c, drop);
  r.o = w.matmul(r.vd);
  r.lse = torch::logsumexp(s, {-1});
  r.o.backward(go.to(kDouble));
  return r;
}

void check(const Case& c) {
  const std::string what = name_of(c);
  Tensor q = input(c, c.L, 1), k = input(c, c.S, 2), v = input(c, c.S, 3), go = input(c, c.L, 4);
  const Reference ref = reference(c, q, k, v, go);
  const Tensor &qd = ref.qd, &kd = ref.kd, &vd = ref.vd, &o = ref.o, &lse = ref.lse;

  Result first;
  for (int mode : {0, 1, 2, 3}) {
    const std::string at = what + " mode " + std::to_string(mode);
    Result r;
    try {
      r = emulate(c, mode, q, k, v, go);
    } catch (const std::exception& e) {
      ADD_FAILURE() << at << ": " << e.what();
      return;
    }
    // 16-bit outputs: P is rounded to 16 bits before P V, dS before dS K and dS^T Q.
    const double tol = c.bf16 ? 2e-2 : 4e-3;
    EXPECT_TRUE(close(r.o, o.detach(), tol)) << at << ": output";
    EXPECT_TRUE(close(r.lse, lse.detach(), 1e-5)) << at << ": logsumexp";
    EXPECT_TRUE(close(r.gq, qd.grad(), 2 * tol)) << at << ": grad q";
    EXPECT_TRUE(close(r.gk, kd.grad(), 2 * tol)) << at << ": grad k";
    EXPECT_TRUE(close(r.gv, vd.grad(), tol)) << at << ": grad v";
    if (mode == 0) {
      first = r;
      continue;
    }
    // ldmatrix and cp.async change how tiles and fragments are loaded, not what is computed; the
    // 128-key blocks of mode 3 add dQ's float partial sums in another grouping.
    EXPECT_TRUE(r.o.equal(first.o)) << at << ": output differs from mode 0";
    EXPECT_TRUE(r.lse.equal(first.lse)) << at << ": logsumexp differs from mode 0";
    if (mode == 3 && c.D == 64) {
      EXPECT_TRUE(close(r.gq, first.gq, 1e-2)) << at << ": grad q far from mode 0's";
    } else {
      EXPECT_TRUE(r.gq.equal(first.gq)) << at << ": grad q differs from mode 0";
    }
    EXPECT_TRUE(r.gk.equal(first.gk)) << at << ": grad k differs from mode 0";
    EXPECT_TRUE(r.gv.equal(first.gv)) << at << ": grad v differs from mode 0";
  }
}

// Dropout inside the kernels (mode 2's, whatever EMBER_FLASH_MODE says) against the reference with
// the same mask: forward and backward draw it independently, so a backward that drew another mask
// would miss the gradients by far more than the tolerance.
void check_dropout(const Case& c, double p, uint64_t seed, uint64_t offset) {
  const std::string what = name_of(c) + " p " + std::to_string(p);
  Tensor q = input(c, c.L, 5), k = input(c, c.S, 6), v = input(c, c.S, 7), go = input(c, c.L, 8);
  AttentionDropout drop;
  drop.p = p;
  drop.seed = seed;
  drop.offset = offset;
  const Reference ref = reference(c, q, k, v, go, drop);
  Result r;
  try {
    r = emulate(c, 0, q, k, v, go, drop);
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": " << e.what();
    return;
  }
  const double tol = c.bf16 ? 2e-2 : 4e-3;
  EXPECT_TRUE(close(r.o, ref.o.detach(), tol)) << what << ": output";
  EXPECT_TRUE(close(r.lse, ref.lse.detach(), 1e-5)) << what << ": logsumexp (before dropout)";
  EXPECT_TRUE(close(r.gq, ref.qd.grad(), 2 * tol)) << what << ": grad q";
  EXPECT_TRUE(close(r.gk, ref.kd.grad(), 2 * tol)) << what << ": grad k";
  EXPECT_TRUE(close(r.gv, ref.vd.grad(), tol)) << what << ": grad v";
  // Another mask gives other outputs (the check above could not pass by ignoring the mask).
  AttentionDropout other = drop;
  other.seed = seed + 1;
  const Reference ref2 = reference(c, q, k, v, go, other);
  EXPECT_FALSE(close(r.o, ref2.o.detach(), tol)) << what << ": output matches another seed's";
}

// An additive mask (bias) inside the kernels, with or without dropout, against the reference.
// Rows the mask hides from every key: output and gradients 0, log-sum-exp +inf.
void check_bias(const Case& c, const Tensor& bias, double p) {
  const std::string what = name_of(c) + " bias " + ::testing::PrintToString(bias.sizes()) +
                           " strides " + ::testing::PrintToString(bias.strides()) + " p " +
                           std::to_string(p);
  Tensor q = input(c, c.L, 9), k = input(c, c.S, 10), v = input(c, c.S, 11), go = input(c, c.L, 12);
  AttentionDropout drop;
  drop.p = p;
  drop.seed = 99;
  const Reference ref = reference(c, q, k, v, go, drop, bias);
  Result r;
  try {
    r = emulate(c, 2, q, k, v, go, drop, bias);
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": " << e.what();
    return;
  }
  const double tol = c.bf16 ? 2e-2 : 4e-3;
  EXPECT_TRUE(close(r.o, ref.o.detach(), tol)) << what << ": output";
  Tensor finite = ref.lse.detach().isfinite();
  EXPECT_TRUE(r.lse.isposinf().equal(finite.logical_not())) << what << ": +inf log-sum-exps";
  EXPECT_TRUE(close(r.lse.masked_fill(finite.logical_not(), 0.0),
                    ref.lse.detach().masked_fill(finite.logical_not(), 0.0), 1e-5))
      << what << ": logsumexp";
  EXPECT_TRUE(close(r.gq, ref.qd.grad(), 2 * tol)) << what << ": grad q";
  EXPECT_TRUE(close(r.gk, ref.kd.grad(), 2 * tol)) << what << ": grad k";
  EXPECT_TRUE(close(r.gv, ref.vd.grad(), tol)) << what << ": grad v";
  if (!finite.all().item<bool>()) {
    Tensor rows = finite.logical_not().unsqueeze(-1).expand_as(r.o);
    EXPECT_EQ(r.o.to(kFloat).masked_select(rows).abs().max().item<float>(), 0.f) << what;
    EXPECT_EQ(r.gq.to(kFloat).masked_select(rows).abs().max().item<float>(), 0.f) << what;
  }
}

}  // namespace

TEST(FlashEmulated, Mask) {
  const float ninf = -std::numeric_limits<float>::infinity();
  {  // A key padding mask [B, 1, 1, S] as a bool mask becomes: 0 where kept, -inf past each
     // sequence's length.
    const Case c{2, 2, 100, 130, 64, false, true, false};
    Tensor pad = torch::zeros({2, 1, 1, 130});
    pad.index_put_({0, 0, 0, torch::indexing::Slice(77, torch::indexing::None)}, ninf);
    pad.index_put_({1, 0, 0, torch::indexing::Slice(3, torch::indexing::None)}, ninf);
    check_bias(c, pad.expand({2, 2, 100, 130}), 0.0);
    check_bias(c, pad.expand({2, 2, 100, 130}), 0.25);
  }
  {  // A float bias per head and position, [B, H, L, S], with one row hidden from every key and
     // ALiBi-like slopes; head size 128, float16, causal on top.
    const Case c{1, 2, 90, 90, 128, true, false, false};
    torch::manual_seed(13);
    Tensor bias = torch::randn({1, 2, 90, 90});
    bias.index_put_({0, 1, 40}, ninf);
    check_bias(c, bias, 0.0);
    check_bias(c, bias, 0.4);
  }
  {  // [L, S] shared by every batch and head, [B, L, H, D] inputs; a transposed (column-major)
     // bias.
    const Case c{2, 3, 70, 150, 64, false, false, true};
    torch::manual_seed(14);
    Tensor bias = torch::randn({150, 70}).t();
    check_bias(c, bias.expand({2, 3, 70, 150}), 0.0);
  }
}

TEST(FlashEmulated, Dropout) {
  check_dropout({1, 2, 130, 130, 64, true, true, false}, 0.2, 42, 0);
  check_dropout({2, 1, 90, 150, 64, false, false, true}, 0.5, 7, 1u << 20);
  check_dropout({1, 2, 100, 100, 128, true, false, false}, 0.1, 0xDEADBEEFCAFEull, 4096);
  check_dropout({1, 1, 70, 70, 128, false, true, true}, 0.3, 3, ~0ull - 100);
}

// The mask's statistics: the kept fraction is 1 - p, the same in every region of the weights, and
// independent between neighbours in the layouts the kernels share draws in.
TEST(FlashEmulated, DropoutMaskStatistics) {
  const Case c{2, 3, 160, 160, 64, false, true, false};
  for (double p : {0.1, 0.5, 0.9}) {
    AttentionDropout d;
    d.p = p;
    d.seed = 1234;
    Tensor keep = dropout_factors(c, d).gt(0).to(kDouble);
    const double n = static_cast<double>(keep.numel());
    const double sd = std::sqrt(p * (1 - p) / n);
    EXPECT_NEAR(keep.mean().item<double>(), 1 - p, 5 * sd) << "p " << p;
    // Each pair and each quadrant of every 16 x 16 block alike.
    for (int pair = 0; pair < c.B * c.H; ++pair) {
      const Tensor kp = keep.view({c.B * c.H, c.L, c.S})[pair];
      EXPECT_NEAR(kp.mean().item<double>(), 1 - p, 5 * sd * std::sqrt(c.B * c.H))
          << "pair " << pair;
    }
    Tensor blocks = keep.view({c.B * c.H, c.L / 16, 2, 8, c.S / 16, 2, 8});
    Tensor quadrant = blocks.mean({0, 1, 3, 4, 6});  // [2, 2]: the four words of a draw
    EXPECT_TRUE(quadrant.sub(1 - p).abs().max().item<double>() < 5 * sd * 2) << quadrant;
    // Neighbours: the correlation of (i, j) with (i, j + 1), (i + 1, j) and (i + 8, j + 8).
    Tensor x = keep.sub(1 - p);
    auto corr = [&](const Tensor& a, const Tensor& b) {
      return (a * b).mean().item<double>() / (p * (1 - p));
    };
    using torch::indexing::Slice;
    const double r = 5 / std::sqrt(n);
    EXPECT_LT(std::abs(corr(x.index({"...", Slice(), Slice(0, -1)}),
                            x.index({"...", Slice(), Slice(1, torch::indexing::None)}))),
              r);
    EXPECT_LT(std::abs(corr(x.index({"...", Slice(0, -1), Slice()}),
                            x.index({"...", Slice(1, torch::indexing::None), Slice()}))),
              r);
    EXPECT_LT(std::abs(corr(x.index({"...", Slice(0, -8), Slice(0, -8)}),
                            x.index({"...", Slice(8, torch::indexing::None),
                                     Slice(8, torch::indexing::None)}))),
              r);
  }
  // Philox4x32-10's known answers (Random123's test vectors).
  PhiloxWords w = philox4x32_10(0, 0, 0, 0, 0);
  EXPECT_EQ(w.w[0], 0x6627e8d5u);
  EXPECT_EQ(w.w[3], 0x9b00dbd8u);
  w = philox4x32_10(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0x299f31d0a4093822ull);
  EXPECT_EQ(w.w[0], 0xd16cfe09u);
  EXPECT_EQ(w.w[1], 0x94fdccebu);
  EXPECT_EQ(w.w[2], 0x5001e420u);
  EXPECT_EQ(w.w[3], 0x24126ea1u);
}

TEST(FlashEmulated, HeadSize64) {
  // Ragged lengths (the last blocks part full), causal and not, both 16-bit types.
  check({1, 2, 130, 130, 64, true, true, false});
  check({1, 2, 130, 130, 64, false, false, false});
  check({2, 1, 90, 90, 64, true, false, false});
  check({1, 1, 200, 200, 64, false, true, false});
  // GPT-2's layout: heads inside rows of [B, T, H, D].
  check({1, 2, 256, 256, 64, true, true, true});
  check({2, 2, 64, 64, 64, true, false, true});
  // Cross attention: fewer queries than keys, causal from the top left, and the other way round.
  check({1, 1, 70, 140, 64, true, true, false});
  check({1, 1, 140, 70, 64, false, true, false});
}

// Head size 32 (mode 2's kernels in every mode), with a mask and dropout too.
TEST(FlashEmulated, HeadSize32) {
  check({1, 2, 130, 130, 32, true, true, false});
  check({2, 1, 90, 150, 32, false, false, true});
  check_dropout({1, 2, 100, 100, 32, true, false, false}, 0.3, 5, 64);
  torch::manual_seed(15);
  check_bias({1, 2, 70, 90, 32, false, true, true},
             torch::randn({1, 1, 70, 90}).expand({1, 2, 70, 90}), 0.2);
}

TEST(FlashEmulated, HeadSize128) {
  check({1, 2, 100, 100, 128, true, true, false});
  check({1, 2, 100, 100, 128, false, false, false});
  check({1, 2, 70, 70, 128, false, true, true});
  check({2, 1, 200, 200, 128, true, false, true});
  check({1, 1, 70, 150, 128, true, false, false});
}

// The emulator reports kernels that break the rules instead of hanging or reading garbage.
TEST(FlashEmulated, EmulatorReportsBrokenKernels) {
  auto error_of = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const simt::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  // __syncthreads in divergent code.
  std::string m = error_of([] {
    simt::launch(dim3(1), dim3(64), 0, [] {
      if (threadIdx.x < 32) __syncthreads();
    });
  });
  EXPECT_NE(m.find("deadlock"), std::string::npos) << m;
  // A shuffle that half the warp skips.
  m = error_of([] {
    simt::launch(dim3(1), dim3(32), 0, [] {
      if (threadIdx.x % 2 == 0) (void)__shfl_xor_sync(0xffffffffu, 1.f, 1);
    });
  });
  EXPECT_NE(m.find("deadlock"), std::string::npos) << m;
  // A misaligned ldmatrix row.
  m = error_of([] {
    simt::launch(dim3(1), dim3(32), 64, [] {
      uint32_t r[4];
      simt::ldmatrix_x4(r, static_cast<const uint16_t*>(simt::dynamic_smem()) + 1, false);
    });
  });
  EXPECT_NE(m.find("ldmatrix"), std::string::npos) << m;
  // Launches the GPU would refuse.
  m = error_of([] { simt::launch(dim3(1, 70000), dim3(32), 0, [] {}); });
  EXPECT_NE(m.find("outside CUDA's limits"), std::string::npos) << m;
  m = error_of([] { simt::launch(dim3(1), dim3(32), 300 * 1024, [] {}); });
  EXPECT_NE(m.find("dynamic shared memory"), std::string::npos) << m;
  m = error_of([] { simt::launch(dim3(1), dim3(2048), 0, [] {}); });
  EXPECT_NE(m.find("1 to 1024 threads"), std::string::npos) << m;
  // A shuffle works: the sum over a warp.
  std::vector<float> out(32);
  simt::launch(dim3(1), dim3(32), 0, [&] {
    float x = static_cast<float>(threadIdx.x);
    for (int o = 16; o > 0; o /= 2) x += __shfl_xor_sync(0xffffffffu, x, o);
    out[threadIdx.x] = x;
  });
  for (float x : out) EXPECT_EQ(x, 496.f);
  // 16-bit rounding: ties to even, subnormals, overflow.
  EXPECT_EQ(simt::float_to_bf16(1.0f), 0x3F80);
  EXPECT_EQ(simt::float_to_bf16(1.00390625f), 0x3F80);  // halfway: even
  EXPECT_EQ(simt::float_to_bf16(1.01171875f), 0x3F82);  // halfway: up to even
  EXPECT_EQ(simt::float_to_half(1.0f), 0x3C00);
  EXPECT_EQ(simt::float_to_half(65504.f), 0x7BFF);
  EXPECT_EQ(simt::float_to_half(65520.f), 0x7C00);
  EXPECT_EQ(simt::float_to_half(5.9604645e-8f), 0x0001);
  EXPECT_EQ(simt::half_to_float(0x0001), 5.9604645e-8f);
  EXPECT_EQ(simt::half_to_float(0xC000), -2.f);
  for (float f : {0.1f, -3.7f, 1e-5f, 1000.5f}) {
    EXPECT_EQ(simt::float_to_half(simt::half_to_float(simt::float_to_half(f))),
              simt::float_to_half(f));
    EXPECT_EQ(Tensor(torch::tensor({f}).to(kHalf)).to(kFloat).item<float>(),
              simt::half_to_float(simt::float_to_half(f)));
    EXPECT_EQ(Tensor(torch::tensor({f}).to(kBFloat16)).to(kFloat).item<float>(),
              simt::bf16_to_float(simt::float_to_bf16(f)));
  }
}

// The launch plans at GPT-2's size (B 16, 12 heads, 1024 positions) and at the kernels' limits ask
// only what an sm_90 launch allows (checked without running the kernels).
TEST(FlashEmulated, LaunchPlansFitSm90) {
  struct Shape {
    int B, H, L, S;
  };
  for (Shape sh : {Shape{16, 12, 1024, 1024}, Shape{1, 65535, 70, 130}, Shape{65535, 1, 4096, 1}}) {
    for (int D : {32, 64, 128}) {
      for (int mode : {0, 1, 2, 3, -1}) {  // -1: with dropout
        cuda::FlashArgs a;
        a.dropout = mode < 0;
        a.B = sh.B;
        a.H = sh.H;
        a.L = sh.L;
        a.S = sh.S;
        a.D = D;
        a.bf16 = true;
        a.mode = mode;
        int launches = 0;
        auto check = [&](void (*)(cuda::FlashArgs), dim3 grid, unsigned threads, size_t smem) {
          ++launches;
          EXPECT_LE(threads, 1024u);
          EXPECT_GE(grid.x, 1u);
          EXPECT_LE(grid.y, 65535u);
          EXPECT_LE(grid.z, 65535u);
          EXPECT_LE(smem, size_t{227} * 1024) << "D " << D << " mode " << mode;
        };
        cuda::flash::run<true>(a, check);
        cuda::flash::run<false>(a, check);
        EXPECT_EQ(launches, 4);  // forward; dvec, backward, dq cast
      }
    }
  }
}

// CUDA ops beyond the basic arithmetic: the division family, pow/atan2/fmax, logical ops,
// predicates, where/clamp/lerp/addcmul, softmax; CPU scalars on either side; ops that read tensor
// data on the host (indices, random fills, saving) with device tensors.
#include <filesystem>

#include "cuda/cuda_test.h"

using namespace ember;
using ember::testing::matches_cpu;

namespace {
const ScalarType kFloats[] = {kFloat, kDouble, kHalf, kBFloat16};
const ScalarType kInts[] = {kByte, kChar, kShort, kInt, kLong};

double tol(ScalarType dt) { return dt == kHalf ? 2e-3 : dt == kBFloat16 ? 1e-2 : 1e-5; }

Tensor values(ScalarType dt, IntArrayRef shape, int seed, bool nonzero = false) {
  torch::manual_seed(seed);
  Tensor x = torch::randn(shape, torch::kDouble) * 5;
  if (nonzero) x = torch::where(x.abs() < 1, x.sign() + (x >= 0).to(kDouble), x);
  if (dt == kBool) return x.gt(0);
  if (dt == kByte) return x.abs().round().clamp_min(nonzero ? 1 : 0).to(dt);
  if (isIntegralType(dt, false)) return x.round().to(dt);
  return x.to(dt);
}
}  // namespace

TEST(CudaOps, DivisionFamilyAndPow) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16, kByte, kChar, kShort, kInt, kLong}) {
    Tensor a = values(dt, {6, 9}, 1), b = values(dt, {9}, 2, true);
    Tensor da = a.cuda(), db = b.cuda();
    double t = tol(dt);
    EXPECT_TRUE(matches_cpu(torch::floor_divide(da, db), torch::floor_divide(a, b), t, t))
        << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::remainder(da, db), torch::remainder(a, b), t, t))
        << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::fmod(da, db), torch::fmod(a, b), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::div(da, db, "trunc"), torch::div(a, b, "trunc"), t, t))
        << toString(dt);
    Tensor e = isFloatingType(dt) ? b : b.abs().clamp_max(3);
    EXPECT_TRUE(matches_cpu(torch::pow(da, e.cuda()), torch::pow(a, e), t, t)) << toString(dt);
  }
  // Integer division by zero raises on the device as on the CPU.
  Tensor z = torch::zeros({3}, torch::device(torch::kCUDA).dtype(torch::kLong));
  Tensor one = torch::ones({3}, torch::device(torch::kCUDA).dtype(torch::kLong));
  EXPECT_NE(error_of([&] { (void)torch::remainder(one, z); }).find("ZeroDivisionError"),
            std::string::npos);
  EXPECT_NE(error_of([&] { (void)torch::floor_divide(one, z); }).find("ZeroDivisionError"),
            std::string::npos);
  Tensor b = torch::ones({2}, torch::kCUDA).gt(0);
  EXPECT_NE(error_of([&] { (void)torch::pow(b, b); }).find("not implemented for 'Bool'"),
            std::string::npos);
}

TEST(CudaOps, FloatBinaryAndMinMax) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : kFloats) {
    Tensor a = values(dt, {5, 7}, 3), b = values(dt, {5, 7}, 4);
    a.view({-1})[3] = std::nan("");
    b.view({-1})[5] = std::nan("");
    Tensor da = a.cuda(), db = b.cuda();
    double t = tol(dt);
    EXPECT_TRUE(matches_cpu(torch::atan2(da, db), torch::atan2(a, b), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::hypot(da, db), torch::hypot(a, b), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::copysign(da, db), torch::copysign(a, b), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::fmax(da, db), torch::fmax(a, b))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::fmin(da, db), torch::fmin(a, b))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::maximum(da, db), torch::maximum(a, b))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::isnan(da), torch::isnan(a))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::isfinite(da / 0), torch::isfinite(a / 0))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::isposinf(da / 0), torch::isposinf(a / 0))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::signbit(da), torch::signbit(a))) << toString(dt);
  }
}

TEST(CudaOps, LogicalOps) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : {kBool, kFloat, kInt, kByte, kHalf}) {
    Tensor a = values(dt, {4, 6}, 5), b = values(dt, {6}, 6);
    Tensor da = a.cuda(), db = b.cuda();
    EXPECT_TRUE(matches_cpu(torch::logical_and(da, db), torch::logical_and(a, b))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::logical_or(da, db), torch::logical_or(a, b))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::logical_xor(da, db), torch::logical_xor(a, b))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::logical_not(da), torch::logical_not(a))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::isnan(da), torch::isnan(a))) << toString(dt);
  }
}

TEST(CudaOps, WhereClampLerpAddcmul) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : kFloats) {
    Tensor x = values(dt, {6, 8}, 7), y = values(dt, {8}, 8), w = values(dt, {6, 1}, 9).sigmoid();
    Tensor c = values(kBool, {6, 8}, 10);
    Tensor dx = x.cuda(), dy = y.cuda(), dw = w.cuda(), dc = c.cuda();
    double t = tol(dt);
    EXPECT_TRUE(matches_cpu(torch::where(dc, dx, dy), torch::where(c, x, y))) << toString(dt);
    EXPECT_TRUE(matches_cpu(dx.clamp(-1, 2), x.clamp(-1, 2))) << toString(dt);
    EXPECT_TRUE(matches_cpu(dx.clamp_min(0.5), x.clamp_min(0.5))) << toString(dt);
    EXPECT_TRUE(matches_cpu(dx.clamp_max(0.5), x.clamp_max(0.5))) << toString(dt);
    EXPECT_TRUE(matches_cpu(dx.clamp(dy, dy + 1), x.clamp(y, y + 1), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::lerp(dx, dy, 0.3), torch::lerp(x, y, 0.3), t, t))
        << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::lerp(dx, dy, dw), torch::lerp(x, y, w), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::addcmul(dx, dy, dw, 0.5), torch::addcmul(x, y, w, 0.5), t, t))
        << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::addcdiv(dx, dy, dw, 0.5), torch::addcdiv(x, y, w, 0.5), t, t))
        << toString(dt);
  }
  for (ScalarType dt : kInts) {
    Tensor x = values(dt, {6, 8}, 11), y = values(dt, {8}, 12);
    Tensor c = values(kBool, {6, 8}, 13);
    EXPECT_TRUE(matches_cpu(torch::where(c.cuda(), x.cuda(), y.cuda()), torch::where(c, x, y)))
        << toString(dt);
    EXPECT_TRUE(matches_cpu(x.cuda().clamp(1, 3), x.clamp(1, 3))) << toString(dt);
    EXPECT_TRUE(
        matches_cpu(torch::addcmul(x.cuda(), y.cuda(), y.cuda(), 2), torch::addcmul(x, y, y, 2)))
        << toString(dt);
  }
  Tensor b = values(kBool, {5}, 14), b2 = values(kBool, {5}, 15), c = values(kBool, {5}, 16);
  EXPECT_TRUE(matches_cpu(torch::where(c.cuda(), b.cuda(), b2.cuda()), torch::where(c, b, b2)));
}

TEST(CudaOps, SoftmaxAlongEveryDim) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : kFloats) {
    Tensor x = values(dt, {3, 70, 5}, 17);
    for (int64_t d = 0; d < 3; ++d) {
      double t = tol(dt);
      EXPECT_TRUE(matches_cpu(torch::softmax(x.cuda(), d), torch::softmax(x, d), t, t))
          << toString(dt) << " dim " << d;
      EXPECT_TRUE(matches_cpu(torch::log_softmax(x.cuda(), d), torch::log_softmax(x, d), t, t))
          << toString(dt) << " dim " << d;
    }
  }
  // A long row (many threads per row) and gradients through the composite backward.
  Tensor x = values(kFloat, {4, 5000}, 18);
  EXPECT_TRUE(matches_cpu(torch::softmax(x.cuda(), 1), torch::softmax(x, 1)));
  Tensor h = x.clone().requires_grad_(true), d = x.cuda().requires_grad_(true);
  Tensor w = values(kFloat, {4, 5000}, 19);
  (torch::log_softmax(h, 1) * w).sum().backward();
  (torch::log_softmax(d, 1) * w.cuda()).sum().backward();
  EXPECT_TRUE(matches_cpu(d.grad(), h.grad(), 1e-4, 1e-5));
}

TEST(CudaOps, CpuScalarOnEitherSide) {
  EMBER_REQUIRE_CUDA();
  Tensor h = values(kFloat, {3, 4}, 20);
  Tensor d = h.cuda();
  EXPECT_TRUE(matches_cpu(2 - d, 2 - h));
  EXPECT_TRUE(matches_cpu(torch::rsub(d, 3), torch::rsub(h, 3)));
  EXPECT_TRUE(matches_cpu(torch::tensor(2.0f) * d, torch::tensor(2.0f) * h));
  EXPECT_TRUE(matches_cpu(torch::tensor(2.0f) / d, torch::tensor(2.0f) / h));
  EXPECT_TRUE(matches_cpu(torch::pow(2, d), torch::pow(2, h), 1e-5, 1e-5));
}

TEST(CudaOps, HostReadingOpsWithDeviceTensors) {
  EMBER_REQUIRE_CUDA();
  // In-place random fills draw on the host and land on the device.
  Tensor u = torch::empty({1000}, torch::kCUDA);
  u.uniform_(2, 3);
  EXPECT_TRUE(u.is_cuda());
  EXPECT_TRUE(u.ge(2).all().item<bool>() && u.lt(3).all().item<bool>());
  Tensor n = torch::empty({4000}, torch::kCUDA).normal_(1, 2);
  EXPECT_NEAR(n.mean().item<double>(), 1, 0.2);
  Tensor bern = torch::empty({100}, torch::kCUDA).bernoulli_(0.0);
  EXPECT_TRUE(matches_cpu(bern, torch::zeros({100})));
  // Index validation reads the indices on the host: errors stay errors, no host read of device
  // memory.
  Tensor idx = torch::tensor(std::vector<int64_t>{0, 7}).cuda();
  std::string m = error_of([&] { (void)torch::one_hot(idx, 3); });
  EXPECT_NE(m.find("smaller than num_classes"), std::string::npos) << m;
  Tensor oh = torch::one_hot(torch::tensor(std::vector<int64_t>{0, 2}).cuda(), 3);
  EXPECT_TRUE(matches_cpu(oh, torch::one_hot(torch::tensor(std::vector<int64_t>{0, 2}), 3)));
  Tensor weight = torch::randn({5, 3}).cuda();
  m = error_of([&] { (void)torch::embedding(weight, idx); });  // checked by the kernel
  EXPECT_NE(m.find("index 7 is out of bounds for dimension 0 with size 5"), std::string::npos) << m;
  // Saving a device tensor copies it to the host first, as the safetensors library.
  auto path = std::filesystem::temp_directory_path() / "ember_cuda_save.safetensors";
  OrderedDict<std::string, Tensor> tensors;
  tensors.insert("w", weight);
  save_file(tensors, path.string());
  auto loaded = load_file(path.string());
  EXPECT_TRUE(ember::testing::all_close(loaded["w"], weight.cpu()));
  std::filesystem::remove(path);
}

TEST(CudaOps, RowReductions) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16, kInt, kLong, kByte}) {
    Tensor x = values(dt, {5, 300}, 21);
    if (isFloatingType(dt)) x.view({-1})[7] = std::nan("");
    Tensor d = x.cuda();
    double t = tol(dt);
    EXPECT_TRUE(matches_cpu(d.amax(1), x.amax(1))) << toString(dt);
    EXPECT_TRUE(matches_cpu(d.amin(0), x.amin(0))) << toString(dt);
    EXPECT_TRUE(matches_cpu(d.ne(0).all(1), x.ne(0).all(1))) << toString(dt);
    EXPECT_TRUE(matches_cpu(d.gt(2).any(0), x.gt(2).any(0))) << toString(dt);
    if (isFloatingType(dt)) {
      EXPECT_TRUE(matches_cpu(d.nansum(1), x.nansum(1), t * 10, t * 10)) << toString(dt);
      Tensor small = values(dt, {4, 6}, 22) / 4;
      EXPECT_TRUE(matches_cpu(small.cuda().prod(1), small.prod(1), t, t)) << toString(dt);
    }
  }
  // A long row takes the two-pass path.
  Tensor big = values(kFloat, {2, 200000}, 23);
  EXPECT_TRUE(matches_cpu(big.cuda().amax(1), big.amax(1)));
  EXPECT_TRUE(matches_cpu(big.cuda().sum(1), big.sum(1), 1e-4, 1e-2));
}

TEST(CudaOps, Activations) {
  EMBER_REQUIRE_CUDA();
  namespace F = torch::nn::functional;
  for (ScalarType dt : kFloats) {
    Tensor x = values(dt, {7, 9}, 24);
    Tensor d = x.cuda();
    double t = dt == kFloat || dt == kDouble ? 1e-5 : tol(dt);
    EXPECT_TRUE(matches_cpu(F::gelu(d), F::gelu(x), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(F::gelu(d, F::GELUFuncOptions().approximate("tanh")),
                            F::gelu(x, F::GELUFuncOptions().approximate("tanh")), t, t))
        << toString(dt);
    EXPECT_TRUE(matches_cpu(F::silu(d), F::silu(x), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(F::elu(d), F::elu(x), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(F::softplus(d), F::softplus(x), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(F::leaky_relu(d), F::leaky_relu(x), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(F::hardtanh(d), F::hardtanh(x), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(F::mish(d), F::mish(x), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::nan_to_num(d / 0), torch::nan_to_num(x / 0))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::round(d, 1), torch::round(x, 1), t, t)) << toString(dt);
  }
  Tensor i = values(kLong, {10}, 25);
  EXPECT_TRUE(matches_cpu(F::hardtanh(i.cuda()), F::hardtanh(i)));
  // Gradients through the composite backward formulas.
  Tensor h = values(kDouble, {6, 5}, 26).requires_grad_(true);
  Tensor dv = h.detach().cuda().requires_grad_(true);
  F::gelu(h).sum().backward();
  F::gelu(dv).sum().backward();
  EXPECT_TRUE(matches_cpu(dv.grad(), h.grad(), 1e-10, 1e-10));
}

TEST(CudaOps, GatherScatterIndexing) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16, kLong, kInt, kByte, kBool}) {
    Tensor x = values(dt, {6, 8}, 27);
    Tensor idx = torch::randint(0, 6, {4, 8}, torch::kLong);
    Tensor d = x.cuda(), di = idx.cuda();
    EXPECT_TRUE(matches_cpu(d.gather(0, di), x.gather(0, idx))) << toString(dt);
    EXPECT_TRUE(matches_cpu(d.t().gather(1, di.t()), x.t().gather(1, idx.t()))) << toString(dt);
    Tensor sel = torch::tensor(std::vector<int64_t>{5, 0, 2, 2});
    EXPECT_TRUE(matches_cpu(d.index_select(0, sel.cuda()), x.index_select(0, sel))) << toString(dt);
    EXPECT_TRUE(matches_cpu(d.index({sel.cuda()}), x.index({sel}))) << toString(dt);
    Tensor mask = values(kBool, {6, 8}, 28);
    EXPECT_TRUE(matches_cpu(d.masked_fill(mask.cuda(), 1), x.masked_fill(mask, 1))) << toString(dt);
    // Distinct rows per column (with duplicates any write may win, as in PyTorch).
    Tensor perm = std::get<1>(torch::rand({6, 8}).sort(0)).narrow(0, 0, 4).contiguous();
    Tensor src = values(dt, {4, 8}, 29);
    EXPECT_TRUE(matches_cpu(d.scatter(0, perm.cuda(), src.cuda()), x.scatter(0, perm, src)))
        << toString(dt);
  }
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16, kLong, kInt}) {
    Tensor x = values(dt, {6, 8}, 30), src = values(dt, {4, 8}, 31);
    Tensor idx = torch::randint(0, 6, {4, 8}, torch::kLong);
    double t = tol(dt);
    EXPECT_TRUE(matches_cpu(x.cuda().scatter_add(0, idx.cuda(), src.cuda()),
                            x.scatter_add(0, idx, src), t, t))
        << toString(dt);
    Tensor rows = torch::tensor(std::vector<int64_t>{1, 3, 1, 5});
    Tensor v = values(dt, {4, 8}, 32);
    EXPECT_TRUE(matches_cpu(x.cuda().index_put_({rows.cuda()}, v.cuda(), true),
                            x.clone().index_put_({rows}, v, true), t, t))
        << toString(dt);
  }
  // Out-of-bounds indices raise IndexError with PyTorch's message; the process stays usable.
  Tensor d = torch::zeros({3, 4}, torch::kCUDA);
  Tensor bad = torch::tensor(std::vector<int64_t>{0, 7}).cuda();
  std::string m = error_of([&] { (void)d.index_select(0, bad); });
  EXPECT_NE(m.find("out of bounds"), std::string::npos) << m;
  m = error_of([&] { (void)d.gather(0, torch::full({1, 4}, 3, torch::kLong).cuda()); });
  EXPECT_NE(m.find("index 3 is out of bounds for dimension 0 with size 3"), std::string::npos) << m;
  m = error_of([&] { (void)d.index_select(0, torch::zeros({1}, torch::kLong)); });
  EXPECT_NE(m.find("Expected all tensors to be on the same device"), std::string::npos) << m;
  EXPECT_TRUE(matches_cpu(d + 1, torch::ones({3, 4})));
  // Embedding forward and backward (index_add through index_put) on the device.
  Tensor w = values(kFloat, {10, 4}, 33);
  Tensor ids = torch::tensor(std::vector<int64_t>{1, 9, 1, 0});
  Tensor hw = w.clone().requires_grad_(true), dw = w.cuda().requires_grad_(true);
  torch::embedding(hw, ids).pow(2).sum().backward();
  torch::embedding(dw, ids.cuda()).pow(2).sum().backward();
  EXPECT_TRUE(matches_cpu(dw.grad(), hw.grad(), 1e-5, 1e-6));
}

TEST(CudaOps, LayerNormAndCrossEntropy) {
  EMBER_REQUIRE_CUDA();
  namespace F = torch::nn::functional;
  for (ScalarType dt : kFloats) {
    Tensor x = values(dt, {6, 40}, 34), w = values(dt, {40}, 35), b = values(dt, {40}, 36);
    double t = dt == kFloat || dt == kDouble ? 1e-5 : tol(dt) * 4;
    Tensor hx = x.clone().requires_grad_(true), hw = w.clone().requires_grad_(true),
           hb = b.clone().requires_grad_(true);
    Tensor dx = x.cuda().requires_grad_(true), dw = w.cuda().requires_grad_(true),
           db = b.cuda().requires_grad_(true);
    Tensor gy = values(dt, {6, 40}, 37);
    Tensor hy = torch::layer_norm(hx, {40}, hw, hb, 1e-5);
    Tensor dy = torch::layer_norm(dx, {40}, dw, db, 1e-5);
    EXPECT_TRUE(matches_cpu(dy, hy, t, t)) << toString(dt);
    (hy * gy).sum().backward();
    (dy * gy.cuda()).sum().backward();
    EXPECT_TRUE(matches_cpu(dx.grad(), hx.grad(), t * 10, t * 10)) << toString(dt);
    EXPECT_TRUE(matches_cpu(dw.grad(), hw.grad(), t * 10, t * 10)) << toString(dt);
    EXPECT_TRUE(matches_cpu(db.grad(), hb.grad(), t * 10, t * 10)) << toString(dt);
  }
  for (ScalarType dt : {kFloat, kDouble}) {
    Tensor logits = values(dt, {16, 10}, 38);
    Tensor target = torch::randint(0, 10, {16}, torch::kLong);
    target[3] = -100;
    Tensor h = logits.clone().requires_grad_(true), d = logits.cuda().requires_grad_(true);
    Tensor hl = F::cross_entropy(h, target), dl = F::cross_entropy(d, target.cuda());
    EXPECT_TRUE(matches_cpu(dl, hl, 1e-5, 1e-6)) << toString(dt);
    hl.backward();
    dl.backward();
    EXPECT_TRUE(matches_cpu(d.grad(), h.grad(), 1e-5, 1e-6)) << toString(dt);
    EXPECT_TRUE(matches_cpu(
        F::cross_entropy(d, target.cuda(), F::CrossEntropyFuncOptions().reduction(torch::kNone)),
        F::cross_entropy(h, target, F::CrossEntropyFuncOptions().reduction(torch::kNone)), 1e-5,
        1e-6));
  }
  Tensor bad = torch::tensor(std::vector<int64_t>{0, 12}).cuda();
  std::string m = error_of([&] {
    (void)F::cross_entropy(torch::zeros({2, 10}, torch::kCUDA), bad);
  });
  EXPECT_NE(m.find("Target 12 is out of bounds"), std::string::npos) << m;
}

// A small MLP trained for a few SGD steps on each device ends with the same weights.
TEST(CudaOps, MlpTrainingStepsMatchCpu) {
  EMBER_REQUIRE_CUDA();
  auto make = [] {
    torch::manual_seed(7);
    return torch::nn::Sequential(torch::nn::Linear(20, 32), torch::nn::ReLU(),
                                 torch::nn::Linear(32, 5));
  };
  auto cpu_net = make(), gpu_net = make();
  gpu_net->to(torch::kCUDA);
  torch::optim::SGD cpu_opt(cpu_net->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  torch::optim::SGD gpu_opt(gpu_net->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  Tensor x = values(kFloat, {64, 20}, 39);
  Tensor y = torch::randint(0, 5, {64}, torch::kLong);
  for (int step = 0; step < 3; ++step) {
    cpu_opt.zero_grad();
    gpu_opt.zero_grad();
    torch::nn::functional::cross_entropy(cpu_net->forward(x), y).backward();
    torch::nn::functional::cross_entropy(gpu_net->forward(x.cuda()), y.cuda()).backward();
    cpu_opt.step();
    gpu_opt.step();
  }
  auto cp = cpu_net->parameters(), gp = gpu_net->parameters();
  ASSERT_EQ(cp.size(), gp.size());
  for (size_t i = 0; i < cp.size(); ++i) EXPECT_TRUE(matches_cpu(gp[i], cp[i], 1e-4, 1e-5)) << i;
}

TEST(CudaOps, ArgReductionsStatisticsAndScans) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16, kInt, kLong}) {
    Tensor x = values(dt, {7, 33}, 40);
    if (isFloatingType(dt)) x.view({-1})[40] = std::nan("");
    Tensor d = x.cuda();
    double t = tol(dt);
    auto [hv, hi] = x.max(1);
    auto [dv, di] = d.max(1);
    EXPECT_TRUE(matches_cpu(dv, hv)) << toString(dt);
    EXPECT_TRUE(matches_cpu(di, hi)) << toString(dt);
    EXPECT_TRUE(matches_cpu(d.argmin(0), x.argmin(0))) << toString(dt);
    EXPECT_TRUE(matches_cpu(d.cumsum(1), x.cumsum(1), t * 10, t * 10)) << toString(dt);
    EXPECT_TRUE(matches_cpu(d.flip({0, 1}), x.flip({0, 1}))) << toString(dt);
    EXPECT_TRUE(matches_cpu(d.triu(1), x.triu(1))) << toString(dt);
    EXPECT_TRUE(matches_cpu(d.tril(-2), x.tril(-2))) << toString(dt);
    if (isFloatingType(dt)) {
      Tensor y = values(dt, {5, 40}, 41);
      Tensor dy = y.cuda();
      EXPECT_TRUE(matches_cpu(dy.var(1), y.var(1), t, t)) << toString(dt);
      EXPECT_TRUE(matches_cpu(dy.std(0), y.std(0), t, t)) << toString(dt);
      EXPECT_TRUE(matches_cpu(dy.norm(2, 1), y.norm(2, 1), t, t)) << toString(dt);
      EXPECT_TRUE(matches_cpu(dy.norm(3, 1), y.norm(3, 1), t, t)) << toString(dt);
      EXPECT_TRUE(matches_cpu(dy.logsumexp(1), y.logsumexp(1), t, t)) << toString(dt);
      Tensor small = values(dt, {3, 6}, 42) / 3;
      EXPECT_TRUE(matches_cpu(small.cuda().cumprod(1), small.cumprod(1), t, t)) << toString(dt);
    }
  }
}

TEST(CudaOps, BatchNormTrainingAndEval) {
  EMBER_REQUIRE_CUDA();
  auto make = [] {
    torch::manual_seed(3);
    return torch::nn::BatchNorm2d(4);
  };
  auto h = make(), d = make();
  d->to(torch::kCUDA);
  Tensor x = values(kFloat, {3, 4, 5, 5}, 43);
  Tensor hx = x.clone().requires_grad_(true), dx = x.cuda().requires_grad_(true);
  Tensor w = values(kFloat, {3, 4, 5, 5}, 44);
  Tensor hy = h->forward(hx), dy = d->forward(dx);
  EXPECT_TRUE(matches_cpu(dy, hy, 1e-4, 1e-5));
  (hy * w).sum().backward();
  (dy * w.cuda()).sum().backward();
  EXPECT_TRUE(matches_cpu(dx.grad(), hx.grad(), 1e-4, 1e-5));
  EXPECT_TRUE(matches_cpu(d->weight.grad(), h->weight.grad(), 1e-4, 1e-4));
  EXPECT_TRUE(matches_cpu(d->running_mean, h->running_mean, 1e-5, 1e-6));
  EXPECT_TRUE(matches_cpu(d->running_var, h->running_var, 1e-5, 1e-6));
  h->eval();
  d->eval();
  EXPECT_TRUE(matches_cpu(d->forward(x.cuda()), h->forward(x), 1e-5, 1e-5));
}

TEST(CudaOps, BitwiseAndLossElementwise) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : {kByte, kChar, kShort, kInt, kLong, kBool}) {
    Tensor a = values(dt, {5, 6}, 45), b = values(dt, {6}, 46);
    Tensor da = a.cuda(), db = b.cuda();
    EXPECT_TRUE(matches_cpu(da.bitwise_and(db), a.bitwise_and(b))) << toString(dt);
    EXPECT_TRUE(matches_cpu(da.bitwise_or(db), a.bitwise_or(b))) << toString(dt);
    EXPECT_TRUE(matches_cpu(da.bitwise_xor(db), a.bitwise_xor(b))) << toString(dt);
    EXPECT_TRUE(matches_cpu(da.bitwise_not(), a.bitwise_not())) << toString(dt);
    if (dt != kBool) {
      Tensor s = values(dt, {6}, 47).abs().clamp_max(9);
      EXPECT_TRUE(
          matches_cpu(torch::bitwise_left_shift(da, s.cuda()), torch::bitwise_left_shift(a, s)))
          << toString(dt);
      EXPECT_TRUE(
          matches_cpu(torch::bitwise_right_shift(da, s.cuda()), torch::bitwise_right_shift(a, s)))
          << toString(dt);
    }
  }
  namespace F = torch::nn::functional;
  Tensor x = values(kFloat, {4, 5}, 48).sigmoid(), t = values(kFloat, {4, 5}, 49).sigmoid();
  EXPECT_TRUE(matches_cpu(F::mse_loss(x.cuda(), t.cuda()), F::mse_loss(x, t), 1e-5, 1e-6));
  EXPECT_TRUE(matches_cpu(F::binary_cross_entropy(x.cuda(), t.cuda()),
                          F::binary_cross_entropy(x, t), 1e-5, 1e-6));
  std::string m = error_of([&] { (void)F::binary_cross_entropy((x * 2).cuda(), t.cuda()); });
  EXPECT_NE(m.find("between 0 and 1"), std::string::npos) << m;
}

TEST(CudaOps, PhiloxRandomFills) {
  EMBER_REQUIRE_CUDA();
  // Reproducible per seed, different from one fill to the next.
  torch::manual_seed(11);
  Tensor a = torch::rand({1000}, torch::kCUDA);
  Tensor a2 = torch::rand({1000}, torch::kCUDA);
  torch::manual_seed(11);
  Tensor b = torch::rand({1000}, torch::kCUDA);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, a2));
  EXPECT_TRUE(a.ge(0).all().item<bool>() && a.lt(1).all().item<bool>());
  // Moments of large fills, for each floating dtype.
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
    Tensor n = torch::randn({1 << 20}, torch::device(torch::kCUDA).dtype(dt)).to(kDouble);
    EXPECT_NEAR(n.mean().item<double>(), 0, 0.01) << toString(dt);
    EXPECT_NEAR(n.std().item<double>(), 1, 0.01) << toString(dt);
    Tensor u = torch::empty({1 << 20}, torch::device(torch::kCUDA).dtype(dt)).uniform_(-2, 3);
    EXPECT_NEAR(u.to(kDouble).mean().item<double>(), 0.5, 0.02) << toString(dt);
    EXPECT_TRUE(u.ge(-2).all().item<bool>() && u.lt(3).all().item<bool>()) << toString(dt);
    Tensor e = torch::empty({1 << 20}, torch::device(torch::kCUDA).dtype(dt)).exponential_(2);
    EXPECT_NEAR(e.to(kDouble).mean().item<double>(), 0.5, 0.01) << toString(dt);
  }
  Tensor bern = torch::empty({1 << 20}, torch::kCUDA).bernoulli_(0.3);
  EXPECT_NEAR(bern.mean().item<double>(), 0.3, 0.005);
  Tensor probs = torch::tensor(std::vector<double>{0.0, 1.0, 0.5}).cuda();
  Tensor bt = torch::empty({3}, torch::kCUDA).bernoulli_(probs);
  EXPECT_EQ(bt[0].item<float>(), 0.0f);
  EXPECT_EQ(bt[1].item<float>(), 1.0f);
  // A non-contiguous target is filled too.
  Tensor nc = torch::zeros({8, 6}, torch::kCUDA).t();
  nc.normal_();
  EXPECT_TRUE(nc.ne(0).all().item<bool>());
  // Dropout on the device: the same mask for the same seed, about p of the values dropped.
  Tensor x = torch::ones({1 << 16}, torch::kCUDA);
  torch::manual_seed(5);
  Tensor d1 = torch::dropout(x, 0.25, true);
  torch::manual_seed(5);
  Tensor d2 = torch::dropout(x, 0.25, true);
  EXPECT_TRUE(torch::equal(d1, d2));
  EXPECT_NEAR(d1.eq(0).to(kDouble).mean().item<double>(), 0.25, 0.01);
  // An explicit CPU generator still draws on the host.
  Tensor hostdrawn = torch::randn({5}, make_generator(9), torch::kCUDA);
  EXPECT_TRUE(matches_cpu(hostdrawn, torch::randn({5}, make_generator(9))));
}

TEST(CudaOps, Conv2dAndPooling) {
  EMBER_REQUIRE_CUDA();
  namespace F = torch::nn::functional;
  struct Case {
    int64_t groups, stride, padding, dilation;
  };
  for (ScalarType dt : {kFloat, kDouble}) {
    for (Case c : {Case{1, 1, 0, 1}, Case{1, 2, 1, 1}, Case{2, 1, 2, 2}, Case{4, 2, 1, 1}}) {
      Tensor x = values(dt, {2, 4, 9, 8}, 50), w = values(dt, {6 * 2, 4 / c.groups, 3, 3}, 51);
      Tensor b = values(dt, {12}, 52);
      auto o = F::Conv2dFuncOptions()
                   .stride(c.stride)
                   .padding(c.padding)
                   .dilation(c.dilation)
                   .groups(c.groups)
                   .bias(b);
      Tensor hx = x.clone().requires_grad_(true), hw = w.clone().requires_grad_(true);
      Tensor dx = x.cuda().requires_grad_(true), dw = w.cuda().requires_grad_(true);
      Tensor hy = F::conv2d(hx, hw, o);
      Tensor dy = F::conv2d(dx, dw,
                            F::Conv2dFuncOptions()
                                .stride(c.stride)
                                .padding(c.padding)
                                .dilation(c.dilation)
                                .groups(c.groups)
                                .bias(b.cuda()));
      double t = dt == kFloat ? 1e-4 : 1e-10;
      EXPECT_TRUE(matches_cpu(dy, hy, t, t)) << toString(dt) << " groups " << c.groups;
      Tensor gy = values(dt, hy.sizes(), 53);
      (hy * gy).sum().backward();
      (dy * gy.cuda()).sum().backward();
      EXPECT_TRUE(matches_cpu(dx.grad(), hx.grad(), t, t)) << toString(dt) << " " << c.groups;
      EXPECT_TRUE(matches_cpu(dw.grad(), hw.grad(), t * 10, t * 10)) << toString(dt);
    }
    Tensor x = values(dt, {2, 3, 10, 9}, 54);
    Tensor hx = x.clone().requires_grad_(true), dx = x.cuda().requires_grad_(true);
    auto mo = F::MaxPool2dFuncOptions(3).stride(2).padding(1);
    Tensor hm = F::max_pool2d(hx, mo), dm = F::max_pool2d(dx, mo);
    EXPECT_TRUE(matches_cpu(dm, hm)) << toString(dt);
    auto ao = F::AvgPool2dFuncOptions(3).stride(2).padding(1).count_include_pad(false);
    Tensor ha = F::avg_pool2d(hx, ao), da = F::avg_pool2d(dx, ao);
    EXPECT_TRUE(matches_cpu(da, ha, 1e-5, 1e-6)) << toString(dt);
    (hm.sum() + ha.pow(2).sum()).backward();
    (dm.sum() + da.pow(2).sum()).backward();
    EXPECT_TRUE(matches_cpu(dx.grad(), hx.grad(), 1e-5, 1e-6)) << toString(dt);
  }
}

// GELU's fused backward kernel on CUDA against the CPU's, both approximations, every float type.
TEST(CudaOps, GeluBackwardFused) {
  EMBER_REQUIRE_CUDA();
  for (const char* approx : {"none", "tanh"}) {
    for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
      Tensor x = values(dt, {65, 129}, 21), g = values(dt, {65, 129}, 22);
      auto grad_of = [&](const Tensor& xx, const Tensor& gg) {
        Tensor r = xx.detach().requires_grad_();
        return torch::autograd::grad({torch::gelu(r, approx)}, {r}, {gg})[0];
      };
      double t = tol(dt);
      EXPECT_TRUE(matches_cpu(grad_of(x.cuda(), g.cuda()), grad_of(x, g), t, t))
          << approx << " " << toString(dt);
      // Non-contiguous input.
      EXPECT_TRUE(matches_cpu(grad_of(x.cuda().t(), g.cuda().t()), grad_of(x.t(), g.t()), t, t))
          << approx << " " << toString(dt);
    }
  }
}

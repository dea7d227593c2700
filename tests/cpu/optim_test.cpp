// src/cpu/optim.cpp: the multi-tensor Adam/AdamW and SGD steps, called through their stubs on
// lists of tensors of different sizes and step counts, against the algorithms run in double.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cpu/kernel_check.h"
#include "ember/ember.h"
#include "src/kernels/optim.h"

using namespace ember;
using namespace ember::cpu_test;

namespace {

const std::vector<int64_t> kLens = {1, 7, 16, 17, 1000};

// Several steps of every Adam variant (L2 or decoupled decay, amsgrad, maximize) on a list of
// tensors whose step counts differ, in each dtype, against PyTorch's _single_tensor_adam in
// double.
TEST(CpuOptim, FusedAdamMatchesReference) {
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
    for (int variant = 0; variant < 8; ++variant) {
      AdamHyper h;
      h.lr = 0.01, h.beta1 = 0.9, h.beta2 = 0.99, h.eps = 1e-8, h.weight_decay = 0.1;
      h.decoupled = variant & 1, h.amsgrad = variant & 2, h.maximize = variant & 4;
      std::vector<Tensor> p, m, v, vmax;
      std::vector<std::vector<double>> rp, rm, rv, rvmax;
      std::vector<int64_t> steps;
      for (size_t i = 0; i < kLens.size(); ++i) {
        p.push_back(make(kLens[i], dt, -1, 1));
        m.push_back(zeros({kLens[i]}, dt));
        v.push_back(zeros({kLens[i]}, dt));
        if (h.amsgrad) vmax.push_back(zeros({kLens[i]}, dt));
        rp.push_back(values(p.back()));
        rm.emplace_back(kLens[i], 0.0), rv.emplace_back(kLens[i], 0.0);
        rvmax.emplace_back(kLens[i], 0.0);
        steps.push_back(static_cast<int64_t>(i % 3));  // tensors with different histories
      }
      for (int s = 0; s < 4; ++s) {
        std::vector<Tensor> g;
        for (size_t i = 0; i < kLens.size(); ++i) {
          g.push_back(make(kLens[i], dt, -2, 2));
          ++steps[i];
        }
        fused_adam_stub.get(kCPU)(p, g, m, v, vmax, steps.data(), h);
        for (size_t i = 0; i < kLens.size(); ++i) {
          double bc1 = 1 - std::pow(h.beta1, double(steps[i]));
          double bc2 = 1 - std::pow(h.beta2, double(steps[i]));
          std::vector<double> gv = values(g[i]);
          for (int64_t k = 0; k < kLens[i]; ++k) {
            double gk = h.maximize ? -gv[k] : gv[k], &pk = rp[i][k];
            if (h.decoupled) {
              pk *= 1 - h.lr * h.weight_decay;
            } else {
              gk += h.weight_decay * pk;
            }
            rm[i][k] = h.beta1 * rm[i][k] + (1 - h.beta1) * gk;
            rv[i][k] = h.beta2 * rv[i][k] + (1 - h.beta2) * gk * gk;
            rvmax[i][k] = std::max(rvmax[i][k], rv[i][k]);
            double denom = std::sqrt(h.amsgrad ? rvmax[i][k] : rv[i][k]) / std::sqrt(bc2) + h.eps;
            pk -= h.lr / bc1 * rm[i][k] / denom;
          }
          // 16-bit states are rounded every step: compare loosely there.
          double tol = dt == kDouble ? 1e-12 : (dt == kFloat ? 2e-6 : 20 * tol_for(dt));
          std::string at = std::string(toString(dt)) + " variant " + std::to_string(variant) +
                           " tensor " + std::to_string(i) + " step " + std::to_string(s);
          if (dt == kHalf || dt == kBFloat16) {
            // The states carry the rounding forward: check the parameters only.
            EXPECT_TRUE(matches(p[i], rp[i], tol)) << at;
            continue;
          }
          EXPECT_TRUE(matches(p[i], rp[i], tol)) << at;
          EXPECT_TRUE(matches(m[i], rm[i], tol)) << at;
          EXPECT_TRUE(matches(v[i], rv[i], tol)) << at;
          if (h.amsgrad) {
            EXPECT_TRUE(matches(vmax[i], rvmax[i], tol)) << at;
          }
        }
        if (dt == kHalf || dt == kBFloat16) {  // restart from the kernel's rounded state
          for (size_t i = 0; i < kLens.size(); ++i) {
            rp[i] = values(p[i]), rm[i] = values(m[i]), rv[i] = values(v[i]);
            if (h.amsgrad) rvmax[i] = values(vmax[i]);
          }
        }
      }
    }
  }
}

// amsgrad's running maximum is torch.maximum: a NaN second moment stays NaN.
TEST(CpuOptim, FusedAdamAmsgradNan) {
  AdamHyper h;
  h.lr = 0.1, h.beta1 = 0.9, h.beta2 = 0.999, h.eps = 1e-8, h.amsgrad = true;
  std::vector<Tensor> p = {zeros({3})}, g = {tensor({1.0, std::nan(""), 2.0})}, m = {zeros({3})},
                      v = {zeros({3})}, vmax = {zeros({3})};
  int64_t step = 1;
  fused_adam_stub.get(kCPU)(p, g, m, v, vmax, &step, h);
  std::vector<double> vm = values(vmax[0]);
  EXPECT_FALSE(std::isnan(vm[0]));
  EXPECT_TRUE(std::isnan(vm[1]));
  EXPECT_FALSE(std::isnan(vm[2]));
}

// SGD with and without momentum (the buffer set, not read, on its first step), dampening,
// nesterov, weight decay and maximize, against _single_tensor_sgd in double.
TEST(CpuOptim, FusedSgdMatchesReference) {
  for (ScalarType dt : {kFloat, kDouble, kBFloat16}) {
    for (int variant = 0; variant < 16; ++variant) {
      SgdHyper h;
      h.lr = 0.05, h.weight_decay = variant & 1 ? 0.01 : 0.0;
      h.momentum = variant & 2 ? 0.9 : 0.0, h.dampening = variant & 4 ? 0.3 : 0.0;
      h.nesterov = (variant & 8) && h.momentum > 0 && h.dampening == 0, h.maximize = variant & 8;
      const bool mom = h.momentum > 0;
      std::vector<Tensor> p, buf;
      std::vector<std::vector<double>> rp, rb;
      for (int64_t n : kLens) {
        p.push_back(make(n, dt, -1, 1));
        if (mom) buf.push_back(full({n}, std::nan(""), dt));  // must not be read
        rp.push_back(values(p.back()));
        rb.emplace_back(n, 0.0);
      }
      for (int s = 0; s < 3; ++s) {
        std::vector<Tensor> g;
        for (int64_t n : kLens) g.push_back(make(n, dt, -2, 2));
        fused_sgd_stub.get(kCPU)(p, g, buf, s == 0, h);
        for (size_t i = 0; i < kLens.size(); ++i) {
          std::vector<double> gv = values(g[i]);
          for (int64_t k = 0; k < kLens[i]; ++k) {
            double gk = h.maximize ? -gv[k] : gv[k];
            gk += h.weight_decay * rp[i][k];
            if (mom) {
              rb[i][k] = s == 0 ? gk : h.momentum * rb[i][k] + (1 - h.dampening) * gk;
              gk = h.nesterov ? gk + h.momentum * rb[i][k] : rb[i][k];
            }
            rp[i][k] -= h.lr * gk;
          }
          double tol = dt == kDouble ? 1e-13 : (dt == kFloat ? 1e-6 : 2 * tol_for(dt));
          std::string at = std::string(toString(dt)) + " variant " + std::to_string(variant) +
                           " tensor " + std::to_string(i) + " step " + std::to_string(s);
          EXPECT_TRUE(matches(p[i], rp[i], tol)) << at;
          if (mom) {
            EXPECT_TRUE(matches(buf[i], rb[i], tol)) << at;
          }
          if (dt == kBFloat16) {  // continue from the kernel's rounded values
            rp[i] = values(p[i]);
            if (mom) rb[i] = values(buf[i]);
          }
        }
      }
    }
  }
}

}  // namespace

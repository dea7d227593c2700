// Learning-rate sequences against torch.optim.lr_scheduler (PyTorch 1.13): SGD(lr=0.1), the
// lr after construction and after each of 12 steps.
#include <gtest/gtest.h>

#include <cmath>

#include "ember/ember.h"

using namespace ember;

namespace {
template <class Make>
std::vector<double> run(Make make) {
  Tensor p = zeros({1}, requires_grad());
  optim::SGD o({p}, optim::SGDOptions(0.1));
  auto s = make(o);
  std::vector<double> lrs{o.param_groups()[0].options().get_lr()};
  for (int i = 0; i < 12; ++i) {
    o.step();
    s->step();
    lrs.push_back(o.param_groups()[0].options().get_lr());
  }
  return lrs;
}
void expect_seq(const std::vector<double>& got, const std::vector<double>& want, const char* name) {
  ASSERT_EQ(got.size(), want.size()) << name;
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 1e-12 * (1 + std::fabs(want[i]))) << name << " step " << i;
}
}  // namespace

TEST(Schedulers, Step) {
  expect_seq(run([](optim::SGD& o) { return std::make_shared<optim::StepLR>(o, 3, 0.5); }),
             {0.10000000000000001, 0.10000000000000001, 0.10000000000000001, 0.050000000000000003,
              0.050000000000000003, 0.050000000000000003, 0.025000000000000001,
              0.025000000000000001, 0.025000000000000001, 0.012500000000000001,
              0.012500000000000001, 0.012500000000000001, 0.0062500000000000003},
             "step");
}

TEST(Schedulers, Multistep) {
  expect_seq(
      run([](optim::SGD& o) {
        return std::make_shared<optim::MultiStepLR>(o, std::vector<int64_t>{2, 5, 5, 9}, 0.1);
      }),
      {0.10000000000000001, 0.10000000000000001, 0.010000000000000002, 0.010000000000000002,
       0.010000000000000002, 0.00010000000000000005, 0.00010000000000000005, 0.00010000000000000005,
       0.00010000000000000005, 1.0000000000000006e-05, 1.0000000000000006e-05,
       1.0000000000000006e-05, 1.0000000000000006e-05},
      "multistep");
}

TEST(Schedulers, Exp) {
  expect_seq(run([](optim::SGD& o) { return std::make_shared<optim::ExponentialLR>(o, 0.9); }),
             {0.10000000000000001, 0.090000000000000011, 0.081000000000000016, 0.07290000000000002,
              0.065610000000000016, 0.059049000000000018, 0.05314410000000002, 0.047829690000000022,
              0.043046721000000024, 0.03874204890000002, 0.034867844010000017, 0.031381059609000013,
              0.028242953648100012},
             "exp");
}

TEST(Schedulers, Cosine) {
  expect_seq(
      run([](optim::SGD& o) { return std::make_shared<optim::CosineAnnealingLR>(o, 5, 0.01); }),
      {0.10000000000000001, 0.091405764746872634, 0.068905764746872628, 0.041094235253127359,
       0.018594235253127367, 0.01, 0.018594235253127367, 0.041094235253127387, 0.068905764746872669,
       0.091405764746872689, 0.10000000000000006, 0.091405764746872717, 0.068905764746872683},
      "cosine");
}

TEST(Schedulers, Warm) {
  expect_seq(run([](optim::SGD& o) {
               return std::make_shared<optim::CosineAnnealingWarmRestarts>(o, 3, 2, 0.001);
             }),
             {0.10000000000000001, 0.075250000000000011, 0.025750000000000012, 0.10000000000000001,
              0.093368257487329728, 0.075250000000000011, 0.050500000000000003,
              0.025750000000000012, 0.0076317425126702842, 0.10000000000000001, 0.09831332840130888,
              0.093368257487329728, 0.085501785668734107},
             "warm");
}

TEST(Schedulers, Linear) {
  expect_seq(run([](optim::SGD& o) { return std::make_shared<optim::LinearLR>(o, 0.25, 1.0, 4); }),
             {0.025000000000000001, 0.043750000000000004, 0.062500000000000014,
              0.081250000000000017, 0.10000000000000002, 0.10000000000000002, 0.10000000000000002,
              0.10000000000000002, 0.10000000000000002, 0.10000000000000002, 0.10000000000000002,
              0.10000000000000002, 0.10000000000000002},
             "linear");
}

TEST(Schedulers, Constant) {
  expect_seq(run([](optim::SGD& o) { return std::make_shared<optim::ConstantLR>(o, 0.5, 3); }),
             {0.050000000000000003, 0.050000000000000003, 0.050000000000000003, 0.10000000000000001,
              0.10000000000000001, 0.10000000000000001, 0.10000000000000001, 0.10000000000000001,
              0.10000000000000001, 0.10000000000000001, 0.10000000000000001, 0.10000000000000001,
              0.10000000000000001},
             "constant");
}

TEST(Schedulers, Lambda) {
  expect_seq(run([](optim::SGD& o) {
               return std::make_shared<optim::LambdaLR>(
                   o, [](int64_t e) { return std::pow(0.95, double(e)); });
             }),
             {0.10000000000000001, 0.095000000000000001, 0.090249999999999997, 0.085737499999999994,
              0.081450624999999999, 0.077378093749999988, 0.07350918906249998, 0.069833729609374978,
              0.066342043128906222, 0.063024940972460905, 0.059873693923837873,
              0.056880009227645967, 0.054036008766263667},
             "lambda");
}

TEST(Schedulers, Mult) {
  expect_seq(run([](optim::SGD& o) {
               return std::make_shared<optim::MultiplicativeLR>(o, [](int64_t) { return 0.9; });
             }),
             {0.10000000000000001, 0.090000000000000011, 0.081000000000000016, 0.07290000000000002,
              0.065610000000000016, 0.059049000000000018, 0.05314410000000002, 0.047829690000000022,
              0.043046721000000024, 0.03874204890000002, 0.034867844010000017, 0.031381059609000013,
              0.028242953648100012},
             "mult");
}

TEST(Schedulers, Poly) {
  expect_seq(run([](optim::SGD& o) { return std::make_shared<optim::PolynomialLR>(o, 6, 2.0); }),
             {0.10000000000000001, 0.069444444444444461, 0.044444444444444467, 0.025000000000000008,
              0.011111111111111117, 0.0027777777777777775, 0, 0, 0, 0, 0, 0, 0},
             "poly");
}

TEST(Schedulers, Onecycle) {
  expect_seq(run([](optim::SGD& o) { return std::make_shared<optim::OneCycleLR>(o, 1.0, 12); }),
             {0.040000000000000036, 0.34978965421958308, 0.87928515912212868, 0.99441543545091171,
              0.93301296984141169, 0.81174565394976295, 0.64737899769510332, 0.46263710266697505,
              0.28306099820869923, 0.1334775301888306, 0.034566987425395219, 3.9999999999999998e-06,
              0.034566987425395164},
             "onecycle");
}

TEST(Schedulers, Onecycle3) {
  expect_seq(
      run([](optim::SGD& o) {
        return std::make_shared<optim::OneCycleLR>(o, 1.0, 12, 0.25, "linear", 25.0, 1e4, true);
      }),
      {0.040000000000000001, 0.52000000000000002, 1, 0.52000000000000002, 0.040000000000000036,
       0.034286285714285714, 0.02857257142857143, 0.022858857142857143, 0.017145142857142859,
       0.011431428571428568, 0.0057177142857142843, 3.9999999999970615e-06, -0.0057097142857142832},
      "onecycle3");
}

TEST(Schedulers, Cyclic) {
  expect_seq(
      run([](optim::SGD& o) {
        return std::make_shared<optim::CyclicLR>(o, 0.01, 0.1, 3, std::nullopt, "triangular2");
      }),
      {0.01, 0.040000000000000015, 0.069999999999999993, 0.10000000000000001, 0.070000000000000034,
       0.03999999999999998, 0.01, 0.025000000000000029, 0.03999999999999998, 0.055000000000000007,
       0.03999999999999998, 0.025000000000000029, 0.01},
      "cyclic");
}

TEST(Schedulers, Sequential) {
  expect_seq(run([](optim::SGD& o) {
               return std::make_shared<optim::SequentialLR>(
                   o,
                   std::vector<std::shared_ptr<optim::LRScheduler>>{
                       std::make_shared<optim::ConstantLR>(o, 0.5, 2),
                       std::make_shared<optim::ExponentialLR>(o, 0.8)},
                   std::vector<int64_t>{3});
             }),
             {0.050000000000000003, 0.050000000000000003, 0.10000000000000001, 0.10000000000000001,
              0.080000000000000016, 0.064000000000000015, 0.051200000000000016,
              0.040960000000000017, 0.032768000000000012, 0.026214400000000013,
              0.020971520000000011, 0.016777216000000008, 0.013421772800000007},
             "sequential");
}

TEST(Schedulers, Chained) {
  expect_seq(
      run([](optim::SGD& o) {
        return std::make_shared<optim::ChainedScheduler>(
            std::vector<std::shared_ptr<optim::LRScheduler>>{
                std::make_shared<optim::ConstantLR>(o, 0.5, 2),
                std::make_shared<optim::ExponentialLR>(o, 0.8)});
      }),
      {0.050000000000000003, 0.040000000000000008, 0.064000000000000015, 0.051200000000000016,
       0.040960000000000017, 0.032768000000000012, 0.026214400000000013, 0.020971520000000011,
       0.016777216000000008, 0.013421772800000007, 0.010737418240000006, 0.008589934592000005,
       0.0068719476736000045},
      "chained");
}

TEST(Schedulers, ReduceLROnPlateau) {
  Tensor p = zeros({1}, requires_grad());
  optim::SGD o({p}, optim::SGDOptions(0.1));
  optim::ReduceLROnPlateauScheduler s(o, optim::ReduceLROnPlateauScheduler::min, 0.5, 1, 1e-4,
                                      optim::ReduceLROnPlateauScheduler::rel, 1);
  std::vector<float> metric{1.0f, 0.9f, 0.95f, 0.96f, 0.97f, 0.5f,
                            0.6f, 0.7f, 0.8f,  0.9f,  1.0f,  1.1f};
  std::vector<double> lrs{0.1};
  for (float m : metric) {
    s.step(m);
    lrs.push_back(o.param_groups()[0].options().get_lr());
  }
  expect_seq(lrs,
             {0.10000000000000001, 0.10000000000000001, 0.10000000000000001, 0.10000000000000001,
              0.050000000000000003, 0.050000000000000003, 0.050000000000000003,
              0.050000000000000003, 0.025000000000000001, 0.025000000000000001,
              0.025000000000000001, 0.012500000000000001, 0.012500000000000001},
             "plateau");
}

TEST(Schedulers, Errors) {
  Tensor p = zeros({1}, requires_grad());
  optim::SGD o({p}, optim::SGDOptions(0.1));
  EXPECT_THROW(optim::LinearLR(o, 0.0), Error);
  EXPECT_THROW(optim::CosineAnnealingWarmRestarts(o, 0), Error);
  optim::OneCycleLR oc(o, 1.0, 2);
  oc.step();
  oc.step();
  EXPECT_THROW(oc.step(), Error);
}

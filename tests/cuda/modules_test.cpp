// Modules, losses and optimizers on both devices: every case builds the same module twice from
// one seed, moves one copy to the GPU (module->to(kCUDA)), runs forward and backward on the same
// inputs and compares outputs, input gradients, parameter gradients and buffers (running stats)
// with the CPU copy; every optimizer takes the same steps on CPU and GPU parameters. Without a
// device the cases still run, CPU against a second CPU copy (ModuleParity.CasesRunOnCpu), so the
// harness and every case are exercised by CI.
#include <functional>
#include <memory>
#include <sstream>

#include "cuda/op_test_util.h"

using namespace ember;
using namespace ember::cuda_test;
namespace nn = torch::nn;
namespace F = torch::nn::functional;

namespace {

using Inputs = std::vector<Tensor>;
using Forward = std::function<Tensor(const Inputs&)>;

// One built module: its parameters/buffers, and its forward on the case's inputs (one Tensor out;
// modules with several outputs are folded into one by the case).
struct Built {
  std::shared_ptr<nn::Module> module;
  Forward forward;
};

struct Case {
  std::string name;
  std::function<Built()> build;
  std::function<Inputs()> inputs;  // CPU tensors; floating ones are differentiated
  double rtol = 1e-4, atol = 1e-5;
};

template <class Holder, class Fn>
Built built(Holder h, Fn f) {
  return {h.ptr(), [h, f](const Inputs& x) mutable { return f(h, x); }};
}
template <class Holder>
Built one(Holder h) {
  return built(h, [](Holder& m, const Inputs& x) { return m->forward(x[0]); });
}
template <class Holder>
Built two(Holder h) {
  return built(h, [](Holder& m, const Inputs& x) { return m->forward(x[0], x[1]); });
}

Tensor X(IntArrayRef shape, int seed) { return values(kFloat, shape, seed) * 0.2; }
Tensor Pos(IntArrayRef shape, int seed) { return X(shape, seed).abs() + 0.1; }
Tensor Idx(IntArrayRef shape, int64_t n, int seed) {
  torch::manual_seed(seed);
  return torch::randint(0, n, shape, torch::kLong);
}
Tensor Signs(IntArrayRef shape, int seed) { return X(shape, seed).sign() + (X(shape, seed) == 0); }

// Builds under a fixed seed, so both copies start with the same parameters.
template <class F>
std::function<Built()> seeded(F f) {
  return [f] {
    torch::manual_seed(1234);
    return f();
  };
}

std::vector<Case> module_cases() {
  std::vector<Case> c;
  auto add = [&c](std::string name, std::function<Built()> b, std::function<Inputs()> in,
                  double rtol = 1e-4, double atol = 1e-5) {
    c.push_back({std::move(name), std::move(b), std::move(in), rtol, atol});
  };
  auto x = [](std::vector<int64_t> shape) { return [shape] { return Inputs{X(shape, 11)}; }; };
  // Layers
  add("Linear", seeded([] { return one(nn::Linear(6, 5)); }), x({4, 6}));
  add("Linear_3d_nobias",
      seeded([] { return one(nn::Linear(nn::LinearOptions(6, 5).bias(false))); }), x({2, 3, 6}));
  add("Bilinear", seeded([] { return two(nn::Bilinear(3, 4, 5)); }), [] {
    return Inputs{X({4, 3}, 1), X({4, 4}, 2)};
  });
  add("Conv1d", seeded([] { return one(nn::Conv1d(nn::Conv1dOptions(3, 4, 3).padding(1))); }),
      x({2, 3, 9}));
  add("Conv2d_strided_grouped", seeded([] {
        return one(nn::Conv2d(nn::Conv2dOptions(4, 6, 3).stride(2).padding(1).groups(2)));
      }),
      x({2, 4, 9, 8}));
  add("Conv2d_dilated",
      seeded([] { return one(nn::Conv2d(nn::Conv2dOptions(3, 4, 3).dilation(2))); }),
      x({1, 3, 10, 10}));
  add("Conv3d", seeded([] { return one(nn::Conv3d(nn::Conv3dOptions(2, 3, 3).padding(1))); }),
      x({1, 2, 5, 5, 5}));
  add("ConvTranspose1d", seeded([] {
        return one(nn::ConvTranspose1d(nn::ConvTranspose1dOptions(3, 2, 3).stride(2)));
      }),
      x({2, 3, 6}));
  add("ConvTranspose2d", seeded([] {
        return one(nn::ConvTranspose2d(
            nn::ConvTranspose2dOptions(4, 3, 3).stride(2).padding(1).output_padding(1)));
      }),
      x({2, 4, 5, 5}));
  add("ConvTranspose3d", seeded([] {
        return one(nn::ConvTranspose3d(nn::ConvTranspose3dOptions(2, 2, 2).stride(2)));
      }),
      x({1, 2, 3, 3, 3}));
  add("Embedding",
      seeded([] { return one(nn::Embedding(nn::EmbeddingOptions(10, 4).padding_idx(0))); }), [] {
        return Inputs{Idx({3, 5}, 10, 3)};
      });
  add("EmbeddingBag_mean", seeded([] {
        return one(nn::EmbeddingBag(nn::EmbeddingBagOptions(10, 4).mode(torch::kMean)));
      }),
      [] {
        return Inputs{Idx({3, 5}, 10, 4)};
      });
  add("Flatten_Unflatten", seeded([] {
        return built(nn::Sequential(nn::Flatten(), nn::Unflatten(nn::UnflattenOptions(1, {3, 4}))),
                     [](nn::Sequential& m, const Inputs& in) { return m->forward(in[0]); });
      }),
      x({2, 3, 2, 2}));
  // Normalization
  add("BatchNorm1d", seeded([] { return one(nn::BatchNorm1d(5)); }), x({8, 5}));
  add("BatchNorm2d", seeded([] { return one(nn::BatchNorm2d(3)); }), x({4, 3, 5, 5}));
  add("BatchNorm3d", seeded([] { return one(nn::BatchNorm3d(2)); }), x({2, 2, 3, 3, 3}));
  add("BatchNorm2d_eval", seeded([] {
        nn::BatchNorm2d m(3);
        m->eval();
        return one(m);
      }),
      x({4, 3, 5, 5}));
  add("InstanceNorm2d_affine_tracked", seeded([] {
        return one(nn::InstanceNorm2d(
            nn::InstanceNorm2dOptions(3).affine(true).track_running_stats(true)));
      }),
      x({2, 3, 4, 4}));
  add("LayerNorm", seeded([] {
        return one(nn::LayerNorm(nn::LayerNormOptions({4, 6})));
      }),
      x({3, 4, 6}));
  add("GroupNorm", seeded([] { return one(nn::GroupNorm(nn::GroupNormOptions(2, 4))); }),
      x({2, 4, 3, 3}));
  add("LocalResponseNorm",
      seeded([] { return one(nn::LocalResponseNorm(nn::LocalResponseNormOptions(3))); }),
      x({2, 5, 4, 4}));
  // Recurrent
  add("LSTM_2layer_bidirectional", seeded([] {
        return built(
            nn::LSTM(nn::LSTMOptions(4, 6).num_layers(2).batch_first(true).bidirectional(true)),
            [](nn::LSTM& m, const Inputs& in) {
              auto [y, hc] = m->forward(in[0]);
              return torch::cat(
                  {y.flatten(), std::get<0>(hc).flatten(), std::get<1>(hc).flatten()});
            });
      }),
      x({3, 5, 4}), 1e-4, 1e-5);
  add("GRU_2layer", seeded([] {
        return built(nn::GRU(nn::GRUOptions(4, 6).num_layers(2)), [](nn::GRU& m, const Inputs& in) {
          auto [y, h] = m->forward(in[0]);
          return torch::cat({y.flatten(), h.flatten()});
        });
      }),
      x({5, 3, 4}));
  add("RNN_relu", seeded([] {
        return built(nn::RNN(nn::RNNOptions(4, 6).nonlinearity(torch::kReLU)),
                     [](nn::RNN& m, const Inputs& in) { return std::get<0>(m->forward(in[0])); });
      }),
      x({5, 3, 4}));
  add("LSTMCell", seeded([] {
        return built(nn::LSTMCell(4, 6), [](nn::LSTMCell& m, const Inputs& in) {
          auto [h, c2] = m->forward(in[0]);
          return torch::cat({h, c2}, 1);
        });
      }),
      x({3, 4}));
  add("GRUCell", seeded([] { return one(nn::GRUCell(4, 6)); }), x({3, 4}));
  add("RNNCell", seeded([] { return one(nn::RNNCell(4, 6)); }), x({3, 4}));
  // Attention and transformers (dropout 0: deterministic)
  add("MultiheadAttention", seeded([] {
        return built(nn::MultiheadAttention(nn::MultiheadAttentionOptions(8, 2)),
                     [](nn::MultiheadAttention& m, const Inputs& in) {
                       auto [y, w] = m->forward(in[0], in[1], in[1]);
                       return torch::cat({y.flatten(), w.flatten()});
                     });
      }),
      [] {
        return Inputs{X({5, 2, 8}, 5), X({7, 2, 8}, 6)};
      });
  add("TransformerEncoderLayer", seeded([] {
        return one(nn::TransformerEncoderLayer(
            nn::TransformerEncoderLayerOptions(8, 2).dim_feedforward(16).dropout(0.0)));
      }),
      x({5, 2, 8}));
  add("TransformerDecoderLayer", seeded([] {
        return two(nn::TransformerDecoderLayer(
            nn::TransformerDecoderLayerOptions(8, 2).dim_feedforward(16).dropout(0.0)));
      }),
      [] {
        return Inputs{X({4, 2, 8}, 7), X({6, 2, 8}, 8)};
      });
  // Pooling, resampling, padding
  add("MaxPool1d", seeded([] { return one(nn::MaxPool1d(nn::MaxPool1dOptions(3).stride(2))); }),
      x({2, 3, 9}));
  add("MaxPool2d", seeded([] { return one(nn::MaxPool2d(nn::MaxPool2dOptions(2))); }),
      x({2, 3, 6, 6}));
  add("MaxPool3d", seeded([] { return one(nn::MaxPool3d(nn::MaxPool3dOptions(2))); }),
      x({1, 2, 4, 4, 4}));
  add("AvgPool1d", seeded([] { return one(nn::AvgPool1d(nn::AvgPool1dOptions(3).stride(2))); }),
      x({2, 3, 9}));
  add("AvgPool2d_padded",
      seeded([] { return one(nn::AvgPool2d(nn::AvgPool2dOptions(3).stride(2).padding(1))); }),
      x({2, 3, 7, 7}));
  add("AvgPool3d", seeded([] { return one(nn::AvgPool3d(nn::AvgPool3dOptions(2))); }),
      x({1, 2, 4, 4, 4}));
  add("AdaptiveAvgPool2d", seeded([] {
        return one(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({2, 3})));
      }),
      x({2, 3, 7, 8}));
  add("AdaptiveMaxPool2d", seeded([] {
        return one(nn::AdaptiveMaxPool2d(nn::AdaptiveMaxPool2dOptions({2, 3})));
      }),
      x({2, 3, 7, 8}));
  add("LPPool2d", seeded([] { return one(nn::LPPool2d(nn::LPPool2dOptions(2, 2))); }),
      x({2, 3, 6, 6}));
  add("Upsample_bilinear", seeded([] {
        return one(nn::Upsample(nn::UpsampleOptions()
                                    .scale_factor(std::vector<double>{2, 2})
                                    .mode(torch::kBilinear)
                                    .align_corners(false)));
      }),
      x({2, 3, 4, 5}));
  add("Upsample_nearest", seeded([] {
        return one(nn::Upsample(
            nn::UpsampleOptions().scale_factor(std::vector<double>{2}).mode(torch::kNearest)));
      }),
      x({2, 3, 5}));
  add("PixelShuffle", seeded([] { return one(nn::PixelShuffle(nn::PixelShuffleOptions(2))); }),
      x({2, 8, 3, 3}));
  add("Fold", seeded([] { return one(nn::Fold(nn::FoldOptions({4, 4}, {2, 2}))); }), x({2, 12, 9}));
  add("Unfold", seeded([] { return one(nn::Unfold(nn::UnfoldOptions({2, 2}))); }), x({2, 3, 4, 4}));
  add("ReflectionPad2d",
      seeded([] { return one(nn::ReflectionPad2d(nn::ReflectionPad2dOptions(1))); }),
      x({2, 3, 4, 4}));
  add("ReplicationPad2d",
      seeded([] { return one(nn::ReplicationPad2d(nn::ReplicationPad2dOptions(2))); }),
      x({2, 3, 4, 4}));
  add("ConstantPad1d",
      seeded([] { return one(nn::ConstantPad1d(nn::ConstantPad1dOptions(2, 0.5))); }),
      x({2, 3, 4}));
  // Activations, distances
  add("ReLU", seeded([] { return one(nn::ReLU()); }), x({3, 7}));
  add("GELU_tanh", seeded([] { return one(nn::GELU(nn::GELUOptions().approximate("tanh"))); }),
      x({3, 7}));
  add("SiLU", seeded([] { return one(nn::SiLU()); }), x({3, 7}));
  add("Mish", seeded([] { return one(nn::Mish()); }), x({3, 7}));
  add("ELU", seeded([] { return one(nn::ELU()); }), x({3, 7}));
  add("SELU", seeded([] { return one(nn::SELU()); }), x({3, 7}));
  add("LeakyReLU",
      seeded([] { return one(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.1))); }),
      x({3, 7}));
  add("PReLU", seeded([] { return one(nn::PReLU(nn::PReLUOptions().num_parameters(4))); }),
      x({3, 4, 5}));
  add("Softplus", seeded([] { return one(nn::Softplus()); }), x({3, 7}));
  add("Softmax", seeded([] { return one(nn::Softmax(1)); }), x({3, 7}));
  add("LogSoftmax", seeded([] { return one(nn::LogSoftmax(1)); }), x({3, 7}));
  add("Softmin", seeded([] { return one(nn::Softmin(1)); }), x({3, 7}));
  add("Hardswish", seeded([] { return one(nn::Hardswish()); }), x({3, 7}));
  add("Tanh", seeded([] { return one(nn::Tanh()); }), x({3, 7}));
  add("Sigmoid", seeded([] { return one(nn::Sigmoid()); }), x({3, 7}));
  add("GLU", seeded([] { return one(nn::GLU()); }), x({3, 8}));
  add("Threshold", seeded([] { return one(nn::Threshold(0.1, 2.0)); }), x({3, 7}));
  add("Dropout_eval", seeded([] {
        nn::Dropout m(0.5);
        m->eval();
        return one(m);
      }),
      x({3, 7}));
  add("CosineSimilarity", seeded([] { return two(nn::CosineSimilarity()); }), [] {
    return Inputs{X({4, 6}, 1), X({4, 6}, 2)};
  });
  add("PairwiseDistance", seeded([] { return two(nn::PairwiseDistance()); }), [] {
    return Inputs{X({4, 6}, 1), X({4, 6}, 2)};
  });
  return c;
}

std::vector<Case> loss_cases() {
  std::vector<Case> c;
  auto add = [&c](std::string name, std::function<Built()> b, std::function<Inputs()> in) {
    c.push_back({std::move(name), std::move(b), std::move(in), 1e-4, 1e-5});
  };
  auto xy = [] { return Inputs{X({4, 5}, 1), X({4, 5}, 2)}; };
  add("MSELoss", seeded([] { return two(nn::MSELoss()); }), xy);
  add("L1Loss_sum", seeded([] { return two(nn::L1Loss(nn::L1LossOptions(torch::kSum))); }), xy);
  add("SmoothL1Loss", seeded([] { return two(nn::SmoothL1Loss()); }), xy);
  add("HuberLoss", seeded([] { return two(nn::HuberLoss(nn::HuberLossOptions().delta(0.1))); }),
      xy);
  add("SoftMarginLoss", seeded([] { return two(nn::SoftMarginLoss()); }), [] {
    return Inputs{X({4, 5}, 1), Signs({4, 5}, 2)};
  });
  add("CrossEntropyLoss_weights_smoothing", seeded([] {
        return two(nn::CrossEntropyLoss(
            nn::CrossEntropyLossOptions().weight(Pos({5}, 9)).label_smoothing(0.1)));
      }),
      [] {
        return Inputs{X({6, 5}, 1), Idx({6}, 5, 2)};
      });
  add("CrossEntropyLoss_2d_ignore", seeded([] {
        return two(nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().ignore_index(1)));
      }),
      [] {
        return Inputs{X({2, 5, 3, 3}, 1), Idx({2, 3, 3}, 5, 2)};
      });
  add("NLLLoss", seeded([] { return two(nn::NLLLoss()); }), [] {
    return Inputs{torch::log_softmax(X({6, 5}, 1), 1), Idx({6}, 5, 2)};
  });
  add("BCELoss", seeded([] { return two(nn::BCELoss()); }), [] {
    return Inputs{torch::sigmoid(X({4, 5}, 1)), torch::sigmoid(X({4, 5}, 2))};
  });
  add("BCEWithLogitsLoss_pos_weight", seeded([] {
        return two(nn::BCEWithLogitsLoss(nn::BCEWithLogitsLossOptions().pos_weight(Pos({5}, 3))));
      }),
      [] {
        return Inputs{X({4, 5}, 1), torch::sigmoid(X({4, 5}, 2))};
      });
  add("KLDivLoss_batchmean", seeded([] {
        return two(nn::KLDivLoss(nn::KLDivLossOptions().reduction(torch::kBatchMean)));
      }),
      [] {
        return Inputs{torch::log_softmax(X({4, 5}, 1), 1), torch::softmax(X({4, 5}, 2), 1)};
      });
  add("PoissonNLLLoss", seeded([] { return two(nn::PoissonNLLLoss()); }), [] {
    return Inputs{X({4, 5}, 1), Pos({4, 5}, 2)};
  });
  add("GaussianNLLLoss", seeded([] {
        return built(nn::GaussianNLLLoss(), [](nn::GaussianNLLLoss& m, const Inputs& in) {
          return m->forward(in[0], in[1], in[2]);
        });
      }),
      [] {
        return Inputs{X({4, 5}, 1), X({4, 5}, 2), Pos({4, 5}, 3)};
      });
  add("MarginRankingLoss", seeded([] {
        return built(nn::MarginRankingLoss(nn::MarginRankingLossOptions().margin(0.1)),
                     [](nn::MarginRankingLoss& m, const Inputs& in) {
                       return m->forward(in[0], in[1], in[2]);
                     });
      }),
      [] {
        return Inputs{X({6}, 1), X({6}, 2), Signs({6}, 3)};
      });
  add("HingeEmbeddingLoss", seeded([] { return two(nn::HingeEmbeddingLoss()); }), [] {
    return Inputs{X({4, 5}, 1), Signs({4, 5}, 2)};
  });
  add("CosineEmbeddingLoss", seeded([] {
        return built(nn::CosineEmbeddingLoss(), [](nn::CosineEmbeddingLoss& m, const Inputs& in) {
          return m->forward(in[0], in[1], in[2]);
        });
      }),
      [] {
        return Inputs{X({4, 5}, 1), X({4, 5}, 2), Signs({4}, 3)};
      });
  add("TripletMarginLoss", seeded([] {
        return built(nn::TripletMarginLoss(), [](nn::TripletMarginLoss& m, const Inputs& in) {
          return m->forward(in[0], in[1], in[2]);
        });
      }),
      [] {
        return Inputs{X({4, 5}, 1), X({4, 5}, 2), X({4, 5}, 3)};
      });
  add("MultiMarginLoss", seeded([] { return two(nn::MultiMarginLoss()); }), [] {
    return Inputs{X({4, 5}, 1), Idx({4}, 5, 2)};
  });
  add("MultiLabelMarginLoss", seeded([] { return two(nn::MultiLabelMarginLoss()); }), [] {
    return Inputs{X({2, 4}, 1),
                  torch::tensor(std::vector<int64_t>{3, 0, -1, 1, 1, 2, 3, -1}).view({2, 4})};
  });
  add("MultiLabelSoftMarginLoss", seeded([] { return two(nn::MultiLabelSoftMarginLoss()); }), [] {
    return Inputs{X({4, 5}, 1), (X({4, 5}, 2) > 0).to(kFloat)};
  });
  add("CTCLoss", seeded([] {
        return built(nn::CTCLoss(), [](nn::CTCLoss& m, const Inputs& in) {
          Tensor il = torch::tensor(std::vector<int64_t>{6, 5}).to(in[1].device());
          Tensor tl = torch::tensor(std::vector<int64_t>{3, 2}).to(in[1].device());
          return m->forward(in[0].log_softmax(2), in[1], il, tl);
        });
      }),
      [] {
        return Inputs{X({6, 2, 4}, 1),
                      torch::tensor(std::vector<int64_t>{1, 2, 3, 2, 1, 0}).view({2, 3})};
      });
  return c;
}

std::string describe(const ::testing::AssertionResult& r) {
  return r ? std::string() : std::string(r.message());
}

// Runs one case on the CPU and on `other`; returns what differs.
std::string run_case(const Case& c, Device other) {
  std::ostringstream err;
  Built a = c.build(), b = c.build();
  b.module->to(other);
  Inputs xa, xb;
  for (const Tensor& t : c.inputs()) {
    bool diff = t.is_floating_point();
    xa.push_back(diff ? t.detach().clone().requires_grad_() : t);
    xb.push_back(diff ? t.detach().to(other).requires_grad_() : t.to(other));
  }
  Tensor ya = a.forward(xa), yb = b.forward(xb);
  if (yb.device() != other) err << "output on " << yb.device() << "\n";
  if (yb.sizes() != ya.sizes()) {
    err << "sizes " << yb.sizes() << " vs " << ya.sizes() << "\n";
    return err.str();
  }
  err << describe(ember::testing::all_close(yb.detach().cpu(), ya.detach(), c.rtol, c.atol));
  Tensor w = randn_as(ya.sizes(), ya.scalar_type(), 99);
  (ya * w).sum().backward();
  (yb * w.to(other)).sum().backward();
  for (size_t i = 0; i < xa.size(); ++i) {
    if (!xa[i].requires_grad()) continue;
    if (!xa[i].grad().defined() || !xb[i].grad().defined()) {
      if (xa[i].grad().defined() != xb[i].grad().defined())
        err << "input " << i << ": gradient defined on one device only\n";
      continue;
    }
    std::string d =
        describe(ember::testing::all_close(xb[i].grad().cpu(), xa[i].grad(), c.rtol, c.atol * 10));
    if (!d.empty()) err << "input " << i << " grad: " << d << "\n";
  }
  auto pa = a.module->named_parameters(), pb = b.module->named_parameters();
  for (const auto& item : pa) {
    const Tensor& ga = item.value().grad();
    const Tensor& gb = pb[item.key()].grad();
    if (ga.defined() != gb.defined()) {
      err << item.key() << ": gradient defined on one device only\n";
      continue;
    }
    if (!ga.defined()) continue;
    if (gb.device() != other) err << item.key() << " grad on " << gb.device() << "\n";
    std::string d = describe(ember::testing::all_close(gb.cpu(), ga, c.rtol, c.atol * 10));
    if (!d.empty()) err << item.key() << " grad: " << d << "\n";
  }
  auto ba = a.module->named_buffers(), bb = b.module->named_buffers();
  for (const auto& item : ba) {
    std::string d =
        describe(ember::testing::all_close(bb[item.key()].cpu(), item.value(), c.rtol, c.atol));
    if (!d.empty()) err << "buffer " << item.key() << ": " << d << "\n";
  }
  return err.str();
}

// What f reports, or what it threw.
template <class F>
std::string guarded(F f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return std::string("threw: ") + e.what();
  }
}

void run_all(const std::vector<Case>& cases, Device other) {
  CudnnFlagsGuard no_tf32(false);  // float32 convolutions compared at float tolerance
  for (const Case& c : cases)
    EXPECT_EQ(guarded([&] { return run_case(c, other); }), "") << c.name << " on " << other;
}

}  // namespace

TEST(ModuleParity, CasesRunOnCpu) {
  run_all(module_cases(), kCPU);
  run_all(loss_cases(), kCPU);
}

TEST(CudaModules, MatchCpu) {
  EMBER_REQUIRE_CUDA();
  run_all(module_cases(), Device(kCUDA, 0));
}

TEST(CudaLosses, MatchCpu) {
  EMBER_REQUIRE_CUDA();
  run_all(loss_cases(), Device(kCUDA, 0));
}

// ---- optimizers ----
namespace {

struct OptimCase {
  std::string name;
  std::function<std::unique_ptr<torch::optim::Optimizer>(std::vector<Tensor>)> make;
};

std::vector<OptimCase> optim_cases() {
  namespace o = torch::optim;
  using P = std::vector<Tensor>;
  std::vector<OptimCase> c;
  auto add = [&c](std::string n, std::function<std::unique_ptr<o::Optimizer>(P)> f) {
    c.push_back({std::move(n), std::move(f)});
  };
  add("SGD_nesterov_wd", [](P p) {
    return std::make_unique<o::SGD>(
        p, o::SGDOptions(0.1).momentum(0.9).nesterov(true).weight_decay(0.01));
  });
  add("Adam_amsgrad", [](P p) {
    return std::make_unique<o::Adam>(p, o::AdamOptions(0.01).amsgrad(true).weight_decay(0.1));
  });
  add("AdamW", [](P p) { return std::make_unique<o::AdamW>(p, o::AdamWOptions(0.01)); });
  add("Adagrad",
      [](P p) { return std::make_unique<o::Adagrad>(p, o::AdagradOptions(0.1).lr_decay(0.01)); });
  add("Adadelta", [](P p) { return std::make_unique<o::Adadelta>(p, o::AdadeltaOptions(1.0)); });
  add("Adamax", [](P p) { return std::make_unique<o::Adamax>(p, o::AdamaxOptions(0.01)); });
  add("ASGD", [](P p) { return std::make_unique<o::ASGD>(p, o::ASGDOptions(0.01).t0(1)); });
  add("NAdam", [](P p) { return std::make_unique<o::NAdam>(p, o::NAdamOptions(0.01)); });
  add("RAdam", [](P p) { return std::make_unique<o::RAdam>(p, o::RAdamOptions(0.01)); });
  add("RMSprop_centered_momentum", [](P p) {
    return std::make_unique<o::RMSprop>(p, o::RMSpropOptions(0.01).centered(true).momentum(0.5));
  });
  add("Rprop", [](P p) { return std::make_unique<o::Rprop>(p, o::RpropOptions(0.01)); });
  return c;
}

// Three steps with the same gradients on CPU parameters and on copies on `other`.
std::string run_optim(const OptimCase& c, Device other) {
  std::vector<Tensor> pa = {values(kFloat, {5, 4}, 1) * 0.1, values(kFloat, {7}, 2) * 0.1};
  std::vector<Tensor> pb;
  for (Tensor& p : pa) {
    pb.push_back(p.detach().to(other).requires_grad_());
    p = p.detach().clone().requires_grad_();
  }
  auto oa = c.make(pa), ob = c.make(pb);
  for (int step = 0; step < 3; ++step) {
    for (size_t i = 0; i < pa.size(); ++i) {
      Tensor g = values(kFloat, pa[i].sizes(), 10 + step * 7 + static_cast<int>(i)) * 0.1;
      pa[i].mutable_grad() = g;
      pb[i].mutable_grad() = g.to(other);
    }
    oa->step();
    ob->step();
  }
  std::ostringstream err;
  for (size_t i = 0; i < pa.size(); ++i) {
    if (pb[i].device() != other) err << "param " << i << " moved to " << pb[i].device() << "\n";
    std::string d =
        describe(ember::testing::all_close(pb[i].detach().cpu(), pa[i].detach(), 1e-5, 1e-6));
    if (!d.empty()) err << "param " << i << ": " << d << "\n";
  }
  return err.str();
}

// LBFGS minimises the same quadratic on both devices through its closure.
std::string run_lbfgs(Device other) {
  auto solve = [](Device d) {
    Tensor target = values(kFloat, {6}, 5).to(d);
    Tensor p = torch::zeros({6}, torch::TensorOptions().device(d)).requires_grad_();
    torch::optim::LBFGS opt({p}, torch::optim::LBFGSOptions(0.5).max_iter(5));
    for (int i = 0; i < 2; ++i) {
      opt.step([&] {
        opt.zero_grad();
        Tensor loss = (p - target).pow(2).sum() + p.pow(4).sum() * 0.01;
        loss.backward();
        return loss;
      });
    }
    return p.detach().cpu();
  };
  return describe(ember::testing::all_close(solve(other), solve(kCPU), 1e-4, 1e-5));
}

void run_all_optim(Device other) {
  for (const OptimCase& c : optim_cases())
    EXPECT_EQ(guarded([&] { return run_optim(c, other); }), "") << c.name << " on " << other;
  EXPECT_EQ(guarded([&] { return run_lbfgs(other); }), "") << "LBFGS on " << other;
}

}  // namespace

TEST(OptimParity, CasesRunOnCpu) { run_all_optim(kCPU); }

TEST(CudaOptimizers, EveryOptimizerMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  run_all_optim(Device(kCUDA, 0));
}

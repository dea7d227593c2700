#include "ember/nn/modules/transformer.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "ember/ember.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;

#include "transformer_golden.inc"

namespace {

// Same deterministic values as det() in tools/gen_transformer_golden.py.
Tensor det(std::vector<int64_t> shape, double k = 0.37) {
  int64_t n = 1;
  for (auto s : shape) n *= s;
  return (arange(n, kFloat) * k).sin().reshape(shape);
}
Tensor causal(int64_t n) { return nn::TransformerImpl::generate_square_subsequent_mask(n); }
Tensor kpm5() { return tensor({0, 0, 0, 0, 1, 0, 0, 0, 1, 1}).to(kBool).view({2, 5}); }
Tensor kpm4() { return tensor({0, 0, 0, 1, 0, 0, 0, 0}).to(kBool).view({2, 4}); }

nn::TransformerEncoderLayerOptions enc_opts() {
  return nn::TransformerEncoderLayerOptions(8, 2).dim_feedforward(16);
}
nn::TransformerDecoderLayerOptions dec_opts() {
  return nn::TransformerDecoderLayerOptions(8, 2).dim_feedforward(16);
}

// Builds the case's module (seeded as the generator) and runs it on the case's inputs.
struct CaseRun {
  std::shared_ptr<nn::Module> module;
  std::vector<Tensor> inputs;
  std::function<Tensor()> forward;
};

CaseRun make_run(const std::string& name) {
  manual_seed(0);
  CaseRun r;
  Tensor src = det({5, 2, 8}).requires_grad_(true);
  Tensor tgt = det({4, 2, 8}, 0.23).requires_grad_(true);
  Tensor mem = det({5, 2, 8}, 0.41).requires_grad_(true);
  if (name == "enc_relu" || name == "enc_gelu_norm_first_batch_first") {
    bool alt = name != "enc_relu";
    auto o = enc_opts();
    if (alt) o.activation(kGELU).norm_first(true).batch_first(true).layer_norm_eps(1e-6);
    nn::TransformerEncoderLayer m(o);
    Tensor x = alt ? det({2, 5, 8}).requires_grad_(true) : src;
    r.module = m.ptr();
    r.inputs = {x};
    r.forward = [m, x]() mutable { return m(x, causal(5), kpm5()); };
  } else if (name == "dec_relu" || name == "dec_gelu_norm_first") {
    auto o = dec_opts();
    if (name != "dec_relu") o.activation(kGELU).norm_first(true);
    nn::TransformerDecoderLayer m(o);
    r.module = m.ptr();
    r.inputs = {tgt, mem};
    r.forward = [m, tgt, mem]() mutable {
      return m(tgt, mem, causal(4), det({4, 5}, 0.7), kpm4(), kpm5());
    };
  } else if (name == "encoder_stack") {
    nn::TransformerEncoder m(
        nn::TransformerEncoderOptions(nn::TransformerEncoderLayer(enc_opts()), 2)
            .norm(nn::AnyModule(nn::LayerNorm(nn::LayerNormOptions({8})))));
    r.module = m.ptr();
    r.inputs = {src};
    r.forward = [m, src]() mutable { return m(src, causal(5), kpm5()); };
  } else if (name == "decoder_stack") {
    nn::TransformerDecoder m(
        nn::TransformerDecoderOptions(nn::TransformerDecoderLayer(dec_opts()), 2)
            .norm(nn::AnyModule(nn::LayerNorm(nn::LayerNormOptions({8})))));
    r.module = m.ptr();
    r.inputs = {tgt, mem};
    r.forward = [m, tgt, mem]() mutable {
      return m(tgt, mem, causal(4), det({4, 5}, 0.7), kpm4(), kpm5());
    };
  } else {
    nn::Transformer m(nn::TransformerOptions(8, 2, 2, 1).dim_feedforward(16));
    Tensor s = det({5, 2, 8}).requires_grad_(true);
    r.module = m.ptr();
    r.inputs = {s, tgt};
    r.forward = [m, s, tgt]() mutable {
      return m(s, tgt, causal(5), causal(4), det({4, 5}, 0.7), kpm5(), kpm4(), kpm5());
    };
  }
  return r;
}

Tensor golden(const std::vector<double>& v) { return tensor(v).to(kDouble); }

}  // namespace

// Seeded initialisation (state_dict keys and values), eval-mode outputs and input gradients
// vs PyTorch 1.13; PyTorch's state_dict is loaded first so outputs are compared on its weights.
TEST(Transformer, MatchesPyTorch) {
  for (const auto& [name, rows] : kTransformerGolden) {
    SCOPED_TRACE(name);
    CaseRun r = make_run(name);
    r.module->eval();
    OrderedDict<std::string, Tensor> sd;
    std::vector<std::string> want_keys;
    auto own = r.module->state_dict();
    for (const auto& [key, values] : rows) {
      if (key.rfind("param.", 0) != 0) continue;
      std::string k = key.substr(6);
      want_keys.push_back(k);
      const Tensor* mine = own.find(k);
      ASSERT_TRUE(mine != nullptr) << k;
      EXPECT_TRUE(all_close(mine->detach().to(kDouble).flatten(), golden(values), 1e-6, 1e-7))
          << "init of " << k;
      sd.insert(k, golden(values).to(kFloat).view(mine->sizes()));
    }
    std::vector<std::string> got_keys;
    for (const auto& kv : own) got_keys.push_back(kv.key());
    EXPECT_EQ(got_keys, want_keys);
    r.module->load_state_dict(sd);
    Tensor y = r.forward();
    (y * det(y.sizes().vec(), 0.53)).sum().backward();
    for (const auto& [key, values] : rows) {
      Tensor g;
      if (key == "out")
        g = y;
      else if (key.rfind("grad.", 0) == 0)
        g = r.inputs.at(std::stoi(key.substr(5))).grad();
      else
        continue;
      SCOPED_TRACE(key);
      ASSERT_TRUE(g.defined());
      EXPECT_TRUE(all_close(g.detach().to(kDouble).flatten(), golden(values), 1e-4, 1e-5));
    }
  }
}

TEST(Transformer, SquareSubsequentMask) {
  Tensor m = causal(3);
  float inf = std::numeric_limits<float>::infinity();
  EXPECT_TRUE(
      all_close(m, tensor({0.f, -inf, -inf, 0.f, 0.f, -inf, 0.f, 0.f, 0.f}).view({3, 3}), 0, 0));
  EXPECT_EQ(m.scalar_type(), kFloat);
  EXPECT_EQ(causal(0).numel(), 0);
  EXPECT_THROW(causal(-1), Error);
}

TEST(Transformer, PrintsAsLibtorch) {
  nn::TransformerEncoderLayer el(enc_opts());
  std::ostringstream os;
  os << *el;
  EXPECT_EQ(os.str(),
            "torch::nn::TransformerEncoderLayerImpl(\n"
            "  (self_attn): torch::nn::MultiheadAttention(\n"
            "    (out_proj): torch::nn::Linear(in_features=8, out_features=8, bias=true)\n"
            "  )\n"
            "  (linear1): torch::nn::Linear(in_features=8, out_features=16, bias=true)\n"
            "  (dropout): torch::nn::Dropout(p=0.1, inplace=false)\n"
            "  (linear2): torch::nn::Linear(in_features=16, out_features=8, bias=true)\n"
            "  (norm1): torch::nn::LayerNorm([8], eps=1e-05, elementwise_affine=true)\n"
            "  (norm2): torch::nn::LayerNorm([8], eps=1e-05, elementwise_affine=true)\n"
            "  (dropout1): torch::nn::Dropout(p=0.1, inplace=false)\n"
            "  (dropout2): torch::nn::Dropout(p=0.1, inplace=false)\n"
            ")");
  nn::Transformer t(nn::TransformerOptions(8, 2, 1, 1).dim_feedforward(16));
  std::ostringstream ts;
  ts << *t;
  const std::string s = ts.str();
  EXPECT_EQ(s.rfind("torch::nn::TransformerImpl(\n  (encoder): torch::nn::TransformerEncoderImpl(\n"
                    "    (layers): torch::nn::ModuleList(\n"
                    "      (0): torch::nn::TransformerEncoderLayerImpl(\n",
                    0),
            0u)
      << s;
  EXPECT_NE(s.find("  (decoder): torch::nn::TransformerDecoderImpl(\n"), std::string::npos);
  EXPECT_NE(s.find("        (multihead_attn): torch::nn::MultiheadAttention(\n"),
            std::string::npos);
  EXPECT_NE(
      s.find("        (norm3): torch::nn::LayerNorm([8], eps=1e-05, elementwise_affine=true)\n"
             "        (dropout1)"),
      std::string::npos)
      << s;
  EXPECT_NE(
      s.find("    (norm): torch::nn::LayerNorm([8], eps=1e-05, elementwise_affine=true)\n  )\n)"),
      std::string::npos);
}

TEST(Transformer, DefaultsBatchFirstCustomActivationAndErrors) {
  nn::TransformerOptions o;
  EXPECT_EQ(o.d_model(), 512);
  EXPECT_EQ(o.nhead(), 8);
  EXPECT_EQ(o.num_encoder_layers(), 6);
  EXPECT_EQ(o.dim_feedforward(), 2048);
  EXPECT_DOUBLE_EQ(o.dropout(), 0.1);
  EXPECT_TRUE(std::holds_alternative<enumtype::kReLU>(o.activation()));
  EXPECT_DOUBLE_EQ(nn::TransformerEncoderLayerOptions(4, 2).layer_norm_eps(), 1e-5);

  // batch_first gives the transposed result of the same weights.
  manual_seed(1);
  nn::Transformer a(nn::TransformerOptions(8, 2, 1, 1).dim_feedforward(16));
  manual_seed(1);
  nn::Transformer b(nn::TransformerOptions(8, 2, 1, 1).dim_feedforward(16).batch_first(true));
  a->eval();
  b->eval();
  Tensor src = randn({5, 3, 8}), tgt = randn({4, 3, 8});
  Tensor ya = a(src, tgt, Tensor(), causal(4));
  Tensor yb = b(src.transpose(0, 1), tgt.transpose(0, 1), Tensor(), causal(4));
  EXPECT_TRUE(all_close(ya, yb.transpose(0, 1), 1e-5, 1e-6));
  // Unbatched input equals the batch-of-one result.
  Tensor y1 = a(src.select(1, 0), tgt.select(1, 0));
  EXPECT_TRUE(all_close(y1, a(src.narrow(1, 0, 1), tgt.narrow(1, 0, 1)).squeeze(1), 1e-5, 1e-6));
  // AnyModule / Sequential-style calls use the declared default arguments.
  nn::AnyModule any(a);
  EXPECT_TRUE(all_close(any.forward(src, tgt), a(src, tgt), 0, 0));

  // A std::function activation.
  manual_seed(2);
  nn::TransformerEncoderLayer relu_layer(enc_opts().dropout(0));
  manual_seed(2);
  nn::TransformerEncoderLayer fn_layer(
      enc_opts().dropout(0).activation([](const Tensor& x) { return relu(x); }));
  EXPECT_TRUE(all_close(relu_layer(src), fn_layer(src), 0, 0));

  // Training mode applies dropout; eval mode is deterministic.
  nn::TransformerEncoderLayer drop(enc_opts().dropout(0.5));
  EXPECT_FALSE(all_close(drop(src), drop(src), 1e-6, 1e-6));
  drop->eval();
  EXPECT_TRUE(all_close(drop(src), drop(src), 0, 0));

  EXPECT_THROW(a(src, randn({4, 2, 8})), Error);     // batch mismatch
  EXPECT_THROW(a(randn({5, 3, 6}), tgt), Error);     // wrong d_model
  EXPECT_THROW(a(randn({5, 3, 8, 1}), tgt), Error);  // 4-D
  EXPECT_THROW(a(src, tgt, causal(4)), Error);       // src_mask of the wrong size
  EXPECT_THROW(a(src, tgt, Tensor(), Tensor(), Tensor(), zeros({3, 4}, kBool)),
               Error);                                     // bad key padding mask
  EXPECT_THROW(nn::TransformerEncoderLayer(7, 2), Error);  // d_model % nhead
  EXPECT_THROW(nn::TransformerEncoder(nullptr, 2), Error);
  EXPECT_THROW(nn::TransformerDecoder(nn::TransformerDecoderLayer(8, 2), -1), Error);
}

TEST(Transformer, CloneAndStacksCopyTheLayer) {
  manual_seed(3);
  nn::TransformerEncoderLayer layer(enc_opts());
  nn::TransformerEncoder enc(layer, 3);
  auto sd = enc->named_parameters();
  for (int i = 1; i < 3; ++i)
    EXPECT_TRUE(all_close(sd["layers." + std::to_string(i) + ".linear1.weight"],
                          sd["layers.0.linear1.weight"], 0, 0));
  EXPECT_TRUE(all_close(sd["layers.0.linear1.weight"], layer->linear1->weight, 0, 0));
  EXPECT_EQ(enc->named_parameters().size(), 3 * 12u);
  auto copy = std::dynamic_pointer_cast<nn::TransformerEncoderImpl>(enc->clone());
  ASSERT_TRUE(copy != nullptr);
  copy->eval();
  enc->eval();
  Tensor x = randn({3, 2, 8});
  EXPECT_TRUE(all_close(copy->forward(x), enc(x), 0, 0));
  // reset_parameters redraws the layers' weights.
  enc->reset_parameters();
  EXPECT_FALSE(
      all_close(enc->named_parameters()["layers.0.linear1.weight"], layer->linear1->weight, 0, 0));
}

// Gradients of inputs and parameters of small float64 layers (dropout 0), first and second order.
TEST(Transformer, Gradcheck) {
  manual_seed(4);
  nn::TransformerEncoderLayer enc(
      nn::TransformerEncoderLayerOptions(4, 2).dim_feedforward(6).dropout(0).activation(kGELU));
  enc->to(kDouble);
  Tensor mask = causal(3).to(kDouble);
  EXPECT_TRUE(ember::testing::gradcheck([&](const variable_list& v) { return enc(v[0], mask); },
                                        {randn({3, 2, 4}, kDouble)}));
  EXPECT_TRUE(ember::testing::gradgradcheck([&](const variable_list& v) { return enc(v[0]); },
                                            {randn({2, 1, 4}, kDouble)}));
  nn::TransformerDecoderLayer dec(
      nn::TransformerDecoderLayerOptions(4, 2).dim_feedforward(6).dropout(0).norm_first(true));
  dec->to(kDouble);
  Tensor kp = tensor({0, 0, 1, 0, 0, 0}).to(kBool).view({2, 3});
  EXPECT_TRUE(ember::testing::gradcheck(
      [&](const variable_list& v) {
        return dec(v[0], v[1], causal(2).to(kDouble), Tensor(), Tensor(), kp);
      },
      {randn({2, 2, 4}, kDouble), randn({3, 2, 4}, kDouble)}));
}

// The layer options share their fields but stay two types, chainable to their own type.
static_assert(
    !std::is_same_v<nn::TransformerEncoderLayerOptions, nn::TransformerDecoderLayerOptions>);
static_assert(std::is_same_v<decltype(nn::TransformerDecoderLayerOptions(4, 2).dropout(0.0)),
                             nn::TransformerDecoderLayerOptions&>);

TEST(Transformer, StacksShareLayersAndNorm) {
  nn::TransformerEncoder enc(nn::TransformerEncoderOptions(enc_opts(), 2)
                                 .norm(nn::AnyModule(nn::LayerNorm(nn::LayerNormOptions({8})))));
  nn::TransformerDecoder dec(nn::TransformerDecoderOptions(dec_opts(), 3));
  EXPECT_EQ(enc->layers->size(), 2u);
  EXPECT_FALSE(enc->norm.is_empty());
  EXPECT_EQ(dec->layers->size(), 3u);
  EXPECT_TRUE(dec->norm.is_empty());
  EXPECT_EQ(enc->named_parameters().keys().back(), "norm.bias");
  // reset_parameters re-initialises every layer (the attention's out_proj bias goes back to 0).
  {
    NoGradGuard ng;
    for (auto& p : dec->parameters()) p.fill_(0.5);
  }
  dec->reset_parameters();
  for (size_t i = 0; i < 3; ++i) {
    auto& layer = dec->layers->at<nn::TransformerDecoderLayerImpl>(i);
    EXPECT_EQ(layer.self_attn->out_proj->bias.abs().sum().item<float>(), 0.f);
    EXPECT_EQ(layer.norm3->weight.sum().item<float>(), 8.f);
  }
  EXPECT_THROW(nn::TransformerEncoder(nn::TransformerEncoderOptions(enc_opts(), -1)), Error);
}

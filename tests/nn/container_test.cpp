#include "ember/nn/container.h"

#include <gtest/gtest.h>

#include "support/gradcheck.h"

using namespace ember;

namespace {
struct ScaleImpl : nn::Cloneable<ScaleImpl> {
  explicit ScaleImpl(double s = 2.0) : s(s) { reset(); }
  void reset() override { w = register_parameter("w", full({1}, s)); }
  Tensor forward(Tensor x) { return x * w; }
  double s;
  Tensor w;
};
TORCH_MODULE(Scale);

struct PairImpl : nn::Module {
  Tensor forward(Tensor a, Tensor b) { return a + b; }
};
TORCH_MODULE(Pair);
}  // namespace

TEST(Sequential, ForwardChainsLayers) {
  nn::Sequential seq(Scale(2.0), nn::Functional(ember::relu), Scale(3.0));
  Tensor y = seq->forward(tensor({1.0f, -1.0f}));
  EXPECT_TRUE(ember::testing::all_close(y, tensor({6.0f, 0.0f})));
  EXPECT_EQ(seq->size(), 3u);
  EXPECT_EQ(seq->named_parameters().keys(), (std::vector<std::string>{"0.w", "2.w"}));
  y.sum().backward();
  EXPECT_TRUE(seq->at<ScaleImpl>(0).w.grad().defined());
}

TEST(Sequential, NamedAndMultiArgFirstLayer) {
  nn::Sequential seq({{"pair", nn::AnyModule(Pair())}, {"scale", nn::AnyModule(Scale(0.5))}});
  Tensor y = seq->forward(ones({2}), ones({2}));
  EXPECT_EQ(y.sum().item<float>(), 2.0f);
  EXPECT_TRUE(seq->named_children().contains("pair"));
  EXPECT_THROW(seq->forward(ones({2})), Error);  // wrong arity for the first layer
  EXPECT_THROW((*seq)[5], Error);
}

TEST(Sequential, CloneIsDeep) {
  nn::Sequential seq(Scale(2.0), Scale(3.0));
  auto copy = std::dynamic_pointer_cast<nn::SequentialImpl>(seq->clone());
  ASSERT_TRUE(copy);
  {
    NoGradGuard ng;
    copy->at<ScaleImpl>(0).w.fill_(10);
  }
  EXPECT_EQ(seq->forward(ones({1})).item<float>(), 6.0f);
  EXPECT_EQ(copy->forward(ones({1})).item<float>(), 30.0f);
}

TEST(ModuleList, RegistersAndIndexes) {
  nn::ModuleList list(Scale(1.0), Scale(2.0));
  list->push_back(Scale(3.0));
  EXPECT_EQ(list->size(), 3u);
  EXPECT_EQ(list->parameters().size(), 3u);
  Tensor x = ones({1});
  for (const auto& m : *list) x = m->as<ScaleImpl>()->forward(x);
  EXPECT_EQ(x.item<float>(), 6.0f);
  EXPECT_THROW(list->ptr(3), Error);
}

TEST(ModuleDictAndParameterContainers, Basics) {
  nn::ModuleDict dict;
  dict->insert("a", Scale(1.0));
  dict->insert("b", Scale(2.0));
  EXPECT_EQ(dict->keys(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(dict->named_parameters().keys(), (std::vector<std::string>{"a.w", "b.w"}));
  dict->pop("a");
  EXPECT_EQ(dict->size(), 1u);
  nn::ParameterList plist(ones({2}, requires_grad()), zeros({3}));
  EXPECT_EQ(plist->size(), 2u);
  EXPECT_TRUE(plist[0].requires_grad());
  nn::ParameterDict pdict;
  pdict->insert("w", ones({2}, requires_grad()));
  EXPECT_TRUE(pdict->contains("w"));
  EXPECT_EQ(pdict->named_parameters().keys(), std::vector<std::string>{"w"});
}

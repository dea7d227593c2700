#include "ember/nn/module.h"

#include <gtest/gtest.h>

#include <sstream>

#include "ember/nn/pimpl.h"
#include "support/gradcheck.h"

using namespace ember;

namespace {
struct AffineImpl : nn::Cloneable<AffineImpl> {
  explicit AffineImpl(int64_t n = 3) : n(n) { reset(); }
  void reset() override {
    weight = register_parameter("weight", ones({n}));
    bias = register_parameter("bias", zeros({n}));
    register_buffer("count", zeros({}, kLong));
  }
  Tensor forward(const Tensor& x) { return x * weight + bias; }
  int64_t n;
  Tensor weight, bias;
};
TORCH_MODULE(Affine);

struct NetImpl : nn::Cloneable<NetImpl> {
  NetImpl() { reset(); }
  void reset() override {
    a = register_module("a", Affine(3));
    b = register_module("b", Affine(3));
  }
  Tensor forward(const Tensor& x) { return b(a(x)); }
  Affine a = nullptr, b = nullptr;
};
TORCH_MODULE(Net);
}  // namespace

TEST(Module, NamesAndTraversal) {
  Net net;
  auto names = net->named_parameters().keys();
  EXPECT_EQ(names, (std::vector<std::string>{"a.weight", "a.bias", "b.weight", "b.bias"}));
  EXPECT_EQ(net->named_buffers().keys(), (std::vector<std::string>{"a.count", "b.count"}));
  EXPECT_EQ(net->modules().size(), 3u);
  EXPECT_EQ(net->children().size(), 2u);
  EXPECT_EQ(net->named_modules().keys(), (std::vector<std::string>{"", "a", "b"}));
  EXPECT_TRUE(net->parameters()[0].requires_grad());
  auto sd = net->state_dict();
  EXPECT_EQ(sd.keys(), (std::vector<std::string>{"a.weight", "a.bias", "a.count", "b.weight",
                                                 "b.bias", "b.count"}));
}

TEST(Module, TrainEvalAndZeroGrad) {
  Net net;
  net->eval();
  EXPECT_FALSE(net->a->is_training());
  net->train();
  EXPECT_TRUE(net->b->is_training());
  Tensor y = net(ones({3})).sum();
  y.backward();
  EXPECT_TRUE(net->a->weight.grad().defined());
  net->zero_grad(/*set_to_none=*/false);
  EXPECT_EQ(net->a->weight.grad().sum().item<float>(), 0.0f);
  net->zero_grad();
  EXPECT_FALSE(net->a->weight.grad().defined());
}

TEST(Module, LoadStateDictStrictAndNonStrict) {
  Net net;
  auto sd = net->state_dict();
  OrderedDict<std::string, Tensor> other;
  for (const auto& item : sd) other.insert(item.key(), item.value() * 2);
  net->load_state_dict(other);
  EXPECT_EQ(net->a->weight.sum().item<float>(), 6.0f);
  other.insert("extra", ones({1}));
  EXPECT_THROW(net->load_state_dict(other), Error);
  auto r = net->load_state_dict(other, /*strict=*/false);
  EXPECT_EQ(r.unexpected_keys, std::vector<std::string>{"extra"});
  OrderedDict<std::string, Tensor> bad;
  bad.insert("a.weight", ones({4}));
  EXPECT_THROW(net->load_state_dict(bad, false), Error);
  EXPECT_EQ(net->a->weight.sum().item<float>(), 6.0f);  // failed load changed nothing
}

TEST(Module, CloneIsDeep) {
  Net net;
  {
    NoGradGuard ng;
    net->a->weight.fill_(5);
  }
  auto copy = std::dynamic_pointer_cast<NetImpl>(net->clone());
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->a->weight.sum().item<float>(), 15.0f);
  EXPECT_EQ(copy->named_parameters()["a.weight"].data_ptr(), copy->a->weight.data_ptr());
  {
    NoGradGuard ng;
    copy->a->weight.fill_(1);
  }
  EXPECT_EQ(net->a->weight.sum().item<float>(), 15.0f);
}

TEST(Module, ToDtypeAndHooks) {
  Affine m(2);
  m->to(kDouble);
  EXPECT_EQ(m->weight.dtype(), kDouble);
  EXPECT_EQ(m->named_buffers()["count"].dtype(), kLong);  // integer buffers keep their dtype
  unsigned id = m->register_forward_hook(
      [](nn::Module&, const Tensor&, const Tensor& out) { return out * 10; });
  EXPECT_EQ(m(ones({2}, kDouble)).sum().item<double>(), 20.0);
  m->remove_hook(id);
  EXPECT_EQ(m(ones({2}, kDouble)).sum().item<double>(), 2.0);
}

TEST(Module, PrettyPrintAndErrors) {
  Net net;
  std::ostringstream os;
  os << *net;
  EXPECT_NE(os.str().find("(a): "), std::string::npos);
  EXPECT_THROW(net->register_parameter("a.b", ones({1})), Error);
  EXPECT_THROW(net->register_module("a", Affine(1)), Error);
  Affine empty = nullptr;
  EXPECT_THROW(empty->forward(ones({1})), Error);
}

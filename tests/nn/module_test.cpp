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

namespace {
// Uses its parameters while its constructor runs, before any shared_ptr owns it (libtorch allows
// this; shared_from_this() would throw std::bad_weak_ptr).
struct SelfInitImpl : nn::Module {
  SelfInitImpl() {
    a = register_module("a", Affine(2));
    b = register_module("b", Affine(2));
    scale = register_parameter("scale", ones({1}));
    NoGradGuard ng;
    for (auto& p : parameters()) p.fill_(2.0);
    names = named_parameters().keys();
    count = static_cast<int64_t>(buffers().size());
    state_keys = state_dict().keys();
    zero_grad();
    train(false);
    n_visited = 0;
    apply([this](const nn::Module&) { ++n_visited; });
  }
  Tensor forward(const Tensor& x) { return b(a(x)) * scale; }
  Affine a = nullptr, b = nullptr;
  Tensor scale;
  std::vector<std::string> names, state_keys;
  int64_t count = 0, n_visited = 0;
};
TORCH_MODULE(SelfInit);
}  // namespace

TEST(Module, ParametersInsideConstructor) {
  SelfInit m;
  EXPECT_EQ(m->names,
            (std::vector<std::string>{"scale", "a.weight", "a.bias", "b.weight", "b.bias"}));
  EXPECT_EQ(m->count, 2);
  EXPECT_EQ(m->state_keys, (std::vector<std::string>{"scale", "a.weight", "a.bias", "a.count",
                                                     "b.weight", "b.bias", "b.count"}));
  EXPECT_EQ(m->n_visited, 3);
  EXPECT_FALSE(m->a->is_training());
  // Every parameter was set to 2 in the constructor: ((1 * 2 + 2) * 2 + 2) * 2 = 20 per element.
  EXPECT_EQ(m(ones({2})).sum().item<float>(), 40.0f);
}

TEST(Module, TopLevelSharedPtrOnlyWhereNeeded) {
  NetImpl net;  // on the stack: no shared_ptr owns it
  EXPECT_EQ(net.parameters().size(), 4u);
  EXPECT_EQ(net.named_buffers().keys(), (std::vector<std::string>{"a.count", "b.count"}));
  EXPECT_EQ(net.modules(/*include_self=*/false).size(), 2u);
  EXPECT_EQ(net.named_modules("net", /*include_self=*/false).keys(),
            (std::vector<std::string>{"net.a", "net.b"}));
  try {
    net.modules();
    FAIL() << "modules() on a module not owned by a shared_ptr must throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("It looks like you attempted to retrieve your top-level "
                                         "module as a shared_ptr"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(net.named_modules(), Error);
  EXPECT_THROW(net.apply([](const std::shared_ptr<nn::Module>&) {}), Error);
  std::vector<std::string> names;
  net.apply([&](const std::string& n, const nn::Module&) { names.push_back(n); }, "p");
  EXPECT_EQ(names, (std::vector<std::string>{"p", "p.a", "p.b"}));
}

TEST(Module, PointerApplyVisitsSelfFirst) {
  Net net;
  std::vector<nn::Module*> seen;
  net->apply([&](const std::shared_ptr<nn::Module>& m) { seen.push_back(m.get()); });
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], net.get());
  EXPECT_EQ(seen[1], net->a.get());
  std::vector<std::string> keys;
  const nn::Module& cnet = *net;
  cnet.apply([&](const std::string& k, const std::shared_ptr<nn::Module>&) { keys.push_back(k); },
             "net");
  EXPECT_EQ(keys, (std::vector<std::string>{"net", "net.a", "net.b"}));
}

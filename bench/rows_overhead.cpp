// Eager overhead: tiny tensors, where dispatch, allocation and autograd bookkeeping dominate.
#include "harness.h"

namespace bench {
namespace {

template <class L>
Side add64(bool requires_grad) {
  auto a = L::from(uniform(64, 1), {64}), b = L::from(uniform(64, 2), {64});
  if (requires_grad) a.requires_grad_(true);
  return {[=] { (void)(a + b); }, [=] { return L::values(a + b); }, L::threads};
}

template <class L>
typename L::Tensor chain(const typename L::Tensor& a, const typename L::Tensor& b,
                         const typename L::Tensor& c) {
  auto x = a + b;
  x = x * c;
  x = x - a;
  x = x / c;
  x = x.relu();
  x = x.sigmoid();
  x = x.tanh();
  x = x.neg();
  x = x.abs();
  return x * b;
}

template <class L>
Side chain64() {
  auto a = L::from(uniform(64, 1), {64}), b = L::from(uniform(64, 2), {64});
  auto c = L::from(uniform(64, 3, 1.f, 2.f), {64});
  return {[=] { (void)chain<L>(a, b, c); }, [=] { return L::values(chain<L>(a, b, c)); },
          L::threads};
}

// Linear(32, 64) - ReLU - Linear(64, 10), batch 1, backward of the output's sum.
template <class L>
Side tiny_mlp() {
  typename L::Sequential net(typename L::Linear(32, 64), typename L::ReLU(),
                             typename L::Linear(64, 10));
  init_params<L>(net, 7);
  auto x = L::from(uniform(32, 4), {1, 32});
  auto step = [=]() mutable {
    net->zero_grad();
    net->forward(x).sum().backward();
  };
  auto check = [=]() mutable {
    net->zero_grad();
    auto y = net->forward(x);
    y.sum().backward();
    std::vector<typename L::Tensor> ts{y};
    for (const auto& p : net->parameters()) ts.push_back(p.grad());
    return concat_values<L>(ts);
  };
  return {step, check, L::threads};
}

}  // namespace

void add_overhead_rows(std::vector<Row>& rows) {
  rows.push_back({"add 64 floats", Unit::None, 0, [] { return add64<Ember>(false); },
                  [] { return add64<Torch>(false); }});
  rows.push_back({"add 64 floats, requires_grad", Unit::None, 0, [] { return add64<Ember>(true); },
                  [] { return add64<Torch>(true); }});
  rows.push_back({"10-op elementwise chain, 64 floats", Unit::None, 0,
                  [] { return chain64<Ember>(); }, [] { return chain64<Torch>(); }});
  rows.push_back({"tiny MLP fwd+bwd, batch 1", Unit::None, 0, [] { return tiny_mlp<Ember>(); },
                  [] { return tiny_mlp<Torch>(); }});
}

}  // namespace bench

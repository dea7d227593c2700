// Bandwidth-bound rows: elementwise ops on 1M and 16M floats, reductions / softmax / layer_norm
// over rows (the contiguous dim) and over columns, and non-contiguous (transposing) copies.
// `work` counts the bytes an ideal kernel reads and writes once.
#include "harness.h"

namespace bench {
namespace {

enum class Op { Add, Mul, Exp, Gelu, Sigmoid };

template <class L>
typename L::Tensor apply(Op op, const typename L::Tensor& a, const typename L::Tensor& b) {
  switch (op) {
    case Op::Add:
      return a + b;
    case Op::Mul:
      return a * b;
    case Op::Exp:
      return a.exp();
    case Op::Gelu:
      return L::gelu(a);
    case Op::Sigmoid:
      return a.sigmoid();
  }
  return a;
}

template <class L>
Side elementwise(Op op, int64_t n) {
  auto a = L::from(uniform(static_cast<size_t>(n), 11, -4.f, 4.f), {n});
  auto b = L::from(uniform(static_cast<size_t>(n), 12), {n});
  return {[=] { (void)apply<L>(op, a, b); }, [=] { return L::values(apply<L>(op, a, b)); },
          L::threads};
}

enum class Red { Sum, Mean, Max, Softmax, LayerNorm };

// dim 1: over rows (each row reduced, contiguous); dim 0: over columns.
template <class L>
typename L::Tensor reduce(Red op, const typename L::Tensor& x, int64_t dim) {
  switch (op) {
    case Red::Sum:
      return x.sum(dim);
    case Red::Mean:
      return x.mean(dim);
    case Red::Max:
      return std::get<0>(x.max(dim));
    case Red::Softmax:
      return x.softmax(dim);
    case Red::LayerNorm: {
      // Over columns: normalise each column, i.e. the last dim of the transposed view.
      auto v = dim == 1 ? x : x.t();
      return L::layer_norm(v, v.size(1));
    }
  }
  return x;
}

constexpr int64_t kRows = 2048, kCols = 8192;

template <class L>
Side reduction(Red op, int64_t dim) {
  auto x = L::from(uniform(static_cast<size_t>(kRows * kCols), 21), {kRows, kCols});
  return {[=] { (void)reduce<L>(op, x, dim); }, [=] { return L::values(reduce<L>(op, x, dim)); },
          L::threads};
}

template <class L>
Side transpose2d() {
  auto x = L::from(uniform(4096 * 4096, 31), {4096, 4096});
  return {[=] { (void)x.t().contiguous(); }, [=] { return L::values(x.t().contiguous()); },
          L::threads};
}

template <class L>
Side permute3d() {
  auto x = L::from(uniform(256 * 256 * 256, 32), {256, 256, 256});
  return {[=] {
            (void)x.permute({2, 0, 1}).contiguous();
          },
          [=] {
            return L::values(x.permute({2, 0, 1}).contiguous());
          },
          L::threads};
}

}  // namespace

void add_bandwidth_rows(std::vector<Row>& rows) {
  struct E {
    const char* name;
    Op op;
    int tensors;  // inputs + output
  };
  const E ops[] = {{"add", Op::Add, 3},
                   {"mul", Op::Mul, 3},
                   {"exp", Op::Exp, 2},
                   {"gelu", Op::Gelu, 2},
                   {"sigmoid", Op::Sigmoid, 2}};
  for (int64_t n : {int64_t{1} << 20, int64_t{16} << 20}) {
    for (const auto& e : ops) {
      Row r{std::string(e.name) + (n == (1 << 20) ? " 1M floats" : " 16M floats"), Unit::Bytes,
            4.0 * e.tensors * n, [e, n] { return elementwise<Ember>(e.op, n); },
            [e, n] { return elementwise<Torch>(e.op, n); }};
      r.rtol = 1e-5;
      r.atol = 1e-6;
      rows.push_back(r);
    }
  }
  struct R {
    const char* name;
    Red op;
    bool writes;  // output as large as the input
  };
  const R reds[] = {{"sum", Red::Sum, false},
                    {"mean", Red::Mean, false},
                    {"max", Red::Max, false},
                    {"softmax", Red::Softmax, true},
                    {"layer_norm", Red::LayerNorm, true}};
  for (const auto& e : reds) {
    for (int64_t dim : {1, 0}) {
      std::string name =
          std::string(e.name) + (dim == 1 ? " over rows " : " over columns ") + "2048x8192";
      Row r{name, Unit::Bytes, 4.0 * kRows * kCols * (e.writes ? 2 : 1),
            [e, dim] { return reduction<Ember>(e.op, dim); },
            [e, dim] { return reduction<Torch>(e.op, dim); }};
      r.rtol = 1e-4;
      r.atol = 1e-3;
      rows.push_back(r);
    }
  }
  rows.push_back({"transposed copy 4096x4096 (.t().contiguous())", Unit::Bytes,
                  2.0 * 4 * 4096 * 4096, [] { return transpose2d<Ember>(); },
                  [] { return transpose2d<Torch>(); }});
  rows.push_back({"permuted copy 256^3 (permute(2,0,1).contiguous())", Unit::Bytes,
                  2.0 * 4 * 256 * 256 * 256, [] { return permute3d<Ember>(); },
                  [] { return permute3d<Torch>(); }});
}

}  // namespace bench

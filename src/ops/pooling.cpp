// Composite convolution family: each op's forward runs without autograd; its node (PyTorch's
// name) recomputes the composite under autograd in backward and differentiates it, on the saved
// inputs themselves under create_graph, so double backward works wherever the parts support it.
#include "ember/ops/pooling.h"

#include <cmath>
#include <functional>
#include <limits>
#include <optional>

#include "ember/autograd/engine.h"
#include "ember/autograd/function_node.h"
#include "ember/ops/binary.h"
#include "ember/ops/conv.h"
#include "ember/ops/factory.h"
#include "ember/ops/index.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "ember/ops/unary.h"
#include "src/amp/autocast_hook.h"
#include "src/kernels/conv.h"

namespace ember {

namespace {

using Composite = std::function<Tensor(const std::vector<Tensor>&)>;

// The gradients of a composite's inputs (saved in the node, `has` says which were defined) by
// running it again with autograd on; differentiable again when grad mode is on (create_graph).
variable_list composite_grads(autograd::FunctionNode& n, const Tensor& grad, const Composite& f,
                              const std::vector<bool>& has) {
  bool create = autograd::GradMode::is_enabled();
  size_t k = has.size(), s = 0;
  std::vector<Tensor> xs(k);
  for (size_t i = 0; i < k; ++i)
    if (has[i]) xs[i] = n.saved(s++);
  variable_list want, res(k);
  std::vector<size_t> at;
  for (size_t i = 0; i < k; ++i) {
    if (!has[i] || !n.needs_input_grad(i)) continue;
    if (!create) xs[i] = xs[i].detach().requires_grad_(true);
    want.push_back(xs[i]);
    at.push_back(i);
  }
  if (want.empty() || !grad.defined()) return res;
  Tensor y;
  {
    autograd::AutoGradMode on(true);
    y = f(xs);
  }
  auto gs = autograd::grad({y}, want, {grad}, true, create, true);
  for (size_t j = 0; j < at.size(); ++j) res[at[j]] = gs[j];
  return res;
}

Tensor named(const char* name, std::vector<Tensor> inputs, Composite f) {
  Tensor out;
  {
    autograd::NoGradGuard ng;
    out = f(inputs);
    // A composite that changes nothing (zero padding) returns its input: the node needs a new
    // tensor, or the input would become its own output.
    for (const Tensor& t : inputs)
      if (out.is_same(t)) out = out.clone();
  }
  std::vector<bool> has;
  for (const Tensor& t : inputs) has.push_back(t.defined());
  if (auto n = autograd::make_node(name, TensorList(inputs),
                                   [f, has](autograd::FunctionNode& n, const variable_list& g) {
                                     return composite_grads(n, g[0], f, has);
                                   })) {
    autograd::set_history(out, n);
    for (const Tensor& t : inputs)
      if (t.defined()) n->save(t);
  }
  return out;
}

std::vector<int64_t> expand(IntArrayRef v, size_t D, const char* op, const char* what) {
  EMBER_CHECK(v.size() == 1 || v.size() == D, "[", op, "] expected ", what,
              " to be a single integer value or a list of ", D, " values, but got ", v);
  std::vector<int64_t> r(D);
  for (size_t i = 0; i < D; ++i) r[i] = v.size() == 1 ? v[0] : v[i];
  return r;
}

// Windows along one dim: output o reads input positions start[o] + k * dil, k < len[o]; those
// outside [0, in) are padding.
struct Windows {
  int64_t in = 0, dil = 1, kmax = 0;
  std::vector<int64_t> start, len;
  int64_t out() const { return static_cast<int64_t>(start.size()); }
};

Windows sliding(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, int64_t out) {
  Windows w;
  w.in = in;
  w.dil = d;
  w.kmax = k;
  for (int64_t o = 0; o < out; ++o) {
    w.start.push_back(o * s - p);
    w.len.push_back(k);
  }
  return w;
}

Windows adaptive(int64_t in, int64_t out) {
  Windows w;
  w.in = in;
  for (int64_t o = 0; o < out; ++o) {
    int64_t a = (o * in) / out, b = ((o + 1) * in + out - 1) / out;
    w.start.push_back(a);
    w.len.push_back(b - a);
    w.kmax = std::max(w.kmax, b - a);
  }
  return w;
}

Tensor matrix(const std::vector<double>& v, int64_t rows, int64_t cols, const Tensor& like) {
  return tensor(v, TensorOptions().dtype(kDouble))
      .reshape({rows, cols})
      .to(like.dtype())
      .to(like.device());
}

// y[..., o, ...] = sum_i M[o, i] x[..., i, ...] along `dim`.
Tensor apply_dim(const Tensor& x, int64_t dim, const Tensor& M) {
  return x.movedim(dim, -1).matmul(M.t()).movedim(-1, dim);
}

// Window positions as a flat [out * kmax] index; padding points at `in` (a sentinel slot).
Tensor window_index(const Windows& w, Device device) {
  std::vector<int64_t> idx;
  for (int64_t o = 0; o < w.out(); ++o)
    for (int64_t k = 0; k < w.kmax; ++k) {
      int64_t i = w.start[o] + k * w.dil;
      idx.push_back(k < w.len[o] && i >= 0 && i < w.in ? i : w.in);
    }
  return tensor(idx, TensorOptions().dtype(kLong).device(device));
}

// Max over the windows of each trailing spatial dim (innermost first, so ties resolve to the
// first element in row-major order as PyTorch's scan); optionally the flat input indices.
std::tuple<Tensor, Tensor> window_max(const Tensor& x, const std::vector<Windows>& ws,
                                      bool with_indices) {
  int64_t D = static_cast<int64_t>(ws.size()), first = x.dim() - D;
  Tensor v = x;
  std::vector<Tensor> coords(static_cast<size_t>(D));
  for (int64_t d = D - 1; d >= 0; --d) {
    const Windows& w = ws[static_cast<size_t>(d)];
    int64_t dim = first + d;
    Tensor idx = window_index(w, x.device());
    DimVector pad_shape(v.sizes());
    pad_shape[static_cast<size_t>(dim)] = 1;
    Tensor ext =
        cat({v, full(pad_shape, -std::numeric_limits<double>::infinity(), v.options())}, dim);
    Tensor g = ext.index_select(dim, idx).unflatten(dim, {w.out(), w.kmax});
    auto [m, arg] = g.max(dim + 1);
    if (with_indices) {
      autograd::NoGradGuard ng;
      for (int64_t e = d + 1; e < D; ++e) {
        Tensor& c = coords[static_cast<size_t>(e)];
        DimVector cs(c.sizes());
        cs[static_cast<size_t>(dim)] = 1;
        Tensor ce = cat({c, zeros(cs, c.options())}, dim);
        c = ce.index_select(dim, idx)
                .unflatten(dim, {w.out(), w.kmax})
                .gather(dim + 1, arg.unsqueeze(dim + 1))
                .squeeze(dim + 1);
      }
      DimVector ss(static_cast<size_t>(x.dim()), 1);
      ss[static_cast<size_t>(dim)] = w.out();
      Tensor starts = tensor(w.start, TensorOptions().dtype(kLong).device(x.device())).reshape(ss);
      coords[static_cast<size_t>(d)] = starts + arg * w.dil;
    }
    v = m;
  }
  Tensor flat;
  if (with_indices) {
    flat = coords[0];
    for (int64_t d = 1; d < D; ++d)
      flat = flat * ws[static_cast<size_t>(d)].in + coords[static_cast<size_t>(d)];
  }
  return {v, flat};
}

// Weighted window sums: each window's in-range elements times weight[o] (separable per dim).
Tensor window_matrix(const Windows& w, const std::vector<double>& weight, const Tensor& like) {
  std::vector<double> m(static_cast<size_t>(w.out() * w.in), 0.0);
  for (int64_t o = 0; o < w.out(); ++o)
    for (int64_t k = 0; k < w.len[o]; ++k) {
      int64_t i = w.start[o] + k * w.dil;
      if (i >= 0 && i < w.in)
        m[static_cast<size_t>(o * w.in + i)] += weight[static_cast<size_t>(o)];
    }
  return matrix(m, w.out(), w.in, like);
}

void check_float(const Tensor& x, const char* op) {
  EMBER_CHECK(isFloatingType(x.scalar_type()), "[", op, "] \"", op, "\" not implemented for '",
              toString(x.scalar_type()), "'");
}

void check_input(const Tensor& x, size_t D, const char* op) {
  EMBER_CHECK(x.dim() == static_cast<int64_t>(D) + 1 || x.dim() == static_cast<int64_t>(D) + 2, "[",
              op, "] Expected ", D + 1, "D or ", D + 2,
              "D (batch mode) tensor for input, "
              "but got: ",
              x.sizes());
  for (int64_t i = x.dim() - static_cast<int64_t>(D); i < x.dim(); ++i)
    EMBER_CHECK(x.size(i) > 0, "[", op,
                "] Expected input's non-batch dimensions to have "
                "positive length, but input has a shape of ",
                x.sizes());
}

// ---- convolution ----

Tensor conv_nd(const Tensor& x, const Tensor& w, const Tensor& b, const std::vector<int64_t>& st,
               const std::vector<int64_t>& pad, const std::vector<int64_t>& dil, int64_t groups);

// conv3d as a sum over the kernel depth of conv2d over depth-strided slices.
Tensor conv3d_impl(const Tensor& input, const Tensor& w, const Tensor& b,
                   const std::vector<int64_t>& st, const std::vector<int64_t>& pad,
                   const std::vector<int64_t>& dil, int64_t groups) {
  const ScalarType dt = input.scalar_type();
  if (dt == kHalf || dt == kBFloat16)  // sum the depth taps in float and round once
    return conv3d_impl(input.to(kFloat), w.to(kFloat), b.defined() ? b.to(kFloat) : b, st, pad, dil,
                       groups)
        .to(dt);
  int64_t N = input.size(0), C = input.size(1), D = input.size(2);
  Tensor x = input;
  if (pad[0] > 0) {
    DimVector zs(input.sizes());
    zs[2] = pad[0];
    Tensor z = zeros(zs, input.options());
    x = cat({z, x, z}, 2);
  }
  int64_t Dp = D + 2 * pad[0], kd = w.size(2), ext = dil[0] * (kd - 1) + 1;
  int64_t Do = (Dp - ext) / st[0] + 1;
  int64_t s2[2] = {st[1], st[2]}, p2[2] = {pad[1], pad[2]}, d2[2] = {dil[1], dil[2]};
  Tensor acc;
  for (int64_t k = 0; k < kd; ++k) {
    Tensor xs = x.slice(2, k * dil[0], k * dil[0] + (Do - 1) * st[0] + 1, st[0])
                    .transpose(1, 2)
                    .reshape({N * Do, C, x.size(3), x.size(4)});
    Tensor y =
        conv2d(xs, w.select(2, k), {}, IntArrayRef(s2), IntArrayRef(p2), IntArrayRef(d2), groups);
    acc = acc.defined() ? acc + y : y;
  }
  Tensor out = acc.reshape({N, Do, acc.size(1), acc.size(2), acc.size(3)}).transpose(1, 2);
  if (b.defined()) out = out + b.reshape({1, -1, 1, 1, 1});
  return out.contiguous();
}

Tensor conv_nd(const Tensor& x, const Tensor& w, const Tensor& b, const std::vector<int64_t>& st,
               const std::vector<int64_t>& pad, const std::vector<int64_t>& dil, int64_t groups) {
  switch (st.size()) {
    case 1:
      return conv1d(x, w, b, st, pad, dil, groups);
    case 2:
      return conv2d(x, w, b, st, pad, dil, groups);
    default:
      return conv3d_impl(x, w, b, st, pad, dil, groups);
  }
}

void check_conv(const Tensor& input, const Tensor& weight, const Tensor& bias, size_t D,
                int64_t groups, bool transposed, const char* op) {
  int64_t wd = static_cast<int64_t>(D) + 2;
  EMBER_CHECK(weight.dim() == wd, "[", op, "] weight should have ", wd, " dimensions, but got ",
              weight.dim());
  EMBER_CHECK(input.dim() == wd || input.dim() == wd - 1, "[", op, "] Expected ", wd - 1,
              "D (unbatched) or ", wd, "D (batched) input to ", op,
              ", but got input of size: ", input.sizes());
  EMBER_CHECK(groups > 0, "[", op, "] non-positive groups is not supported");
  EMBER_CHECK(weight.dtype() == input.dtype(), "[", op, "] Input type (", toString(input.dtype()),
              ") and weight type (", toString(weight.dtype()), ") should be the same");
  int64_t cin = input.size(input.dim() - static_cast<int64_t>(D) - 1);
  if (transposed) {
    EMBER_CHECK(cin == weight.size(0), "[", op, "] Given transposed=1, weight of size ",
                weight.sizes(), ", expected input", input.sizes(), " to have ", weight.size(0),
                " channels, but got ", cin, " channels instead");
    EMBER_CHECK(weight.size(0) % groups == 0, "[", op, "] Given groups=", groups,
                ", expected weight to be divisible by ", groups,
                " at dimension 0, but got "
                "weight of size ",
                weight.sizes(), " instead");
  } else {
    EMBER_CHECK(weight.size(0) % groups == 0, "[", op, "] Given groups=", groups,
                ", expected weight to be divisible by ", groups,
                " at dimension 0, but got "
                "weight of size ",
                weight.sizes(), " instead");
    EMBER_CHECK(cin == weight.size(1) * groups, "[", op, "] Given groups=", groups,
                ", weight of size ", weight.sizes(), ", expected input", input.sizes(), " to have ",
                weight.size(1) * groups, " channels, but got ", cin, " channels instead");
  }
  int64_t cout = transposed ? weight.size(1) * groups : weight.size(0);
  if (bias.defined()) {
    EMBER_CHECK(bias.dim() == 1 && bias.size(0) == cout, "[", op, "] Given weight of size ",
                weight.sizes(), ", expected bias to be 1-dimensional with ", cout,
                " elements, but got bias of size ", bias.sizes(), " instead");
    EMBER_CHECK(bias.dtype() == input.dtype(), "[", op, "] Input type (", toString(input.dtype()),
                ") and bias type (", toString(bias.dtype()), ") should be the same");
  }
}

// Note [cuDNN transposed convolutions]
// conv3d and conv_transpose1d/2d/3d on CUDA go through cuDNN where it is loaded and enabled
// (src/cuda/conv_cudnn.cpp; a transposed convolution's forward is the backward-data pass of the
// convolution it is the adjoint of, its gradients that convolution's forward and backward-filter
// passes, as PyTorch's cudnn_convolution_transpose), 1-D as 2-D with a height of 1, float, double,
// half and bfloat16 as they are. First-order gradients only: with create_graph, or where cuDNN
// refuses a pass, the composite's gradients (conv3d: conv2d over depth slices; transposed: zero
// insertion + a convolution with the flipped weight); where cuDNN refuses the forward, the
// composite throughout.
std::optional<Tensor> cudnn_conv_node(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                      const std::vector<int64_t>& st,
                                      const std::vector<int64_t>& pad,
                                      const std::vector<int64_t>& dil,
                                      const std::vector<int64_t>& out_spatial, int64_t out_channels,
                                      int64_t groups, bool transposed, const Composite& composite) {
  const size_t D = st.size();
  const auto& fwd = transposed ? cudnn_conv_transpose_stub : cudnn_conv3d_stub;
  const auto& bwd = transposed ? cudnn_conv_transpose_backward_stub : cudnn_conv3d_backward_stub;
  if (D < 1 || D > 3 || !input.is_cuda() || fwd.table[static_cast<int>(kCUDA)] == nullptr ||
      bwd.table[static_cast<int>(kCUDA)] == nullptr)
    return std::nullopt;
  const ScalarType dt = input.scalar_type();
  if (dt != kFloat && dt != kDouble && dt != kHalf && dt != kBFloat16) return std::nullopt;
  if (weight.device() != input.device() || (bias.defined() && bias.device() != input.device()))
    return std::nullopt;
  // 1-D as 2-D: a height of 1, kernel height 1, unit stride and dilation, no padding.
  ConvNdParams p;
  p.dims = D == 3 ? 3 : 2;
  const size_t off = D == 1 ? 1 : 0;
  for (size_t i = 0; i < D; ++i) {
    p.stride[i + off] = st[i];
    p.padding[i + off] = pad[i];
    p.dilation[i + off] = dil[i];
  }
  p.groups = groups;
  auto as2d = [D](const Tensor& t) { return D == 1 ? t.unsqueeze(2) : t; };
  DimVector sizes{input.size(0), out_channels};
  for (int64_t v : out_spatial) sizes.push_back(v);
  Tensor out = make_tensor(sizes, dt, input.device());
  {
    NoGradGuard ng;
    Tensor x = as2d(input.detach()).contiguous(), w = as2d(weight.detach()).contiguous();
    Tensor out_nd = as2d(out);  // the kernel writes through this view
    Tensor b = bias.defined() ? bias.detach().contiguous() : Tensor();
    if (!fwd.get(kCUDA)(out_nd, x, w, b, p)) return std::nullopt;
  }
  const bool has_bias = bias.defined();
  if (auto n = autograd::make_node(
          "ConvolutionBackward0", {input, weight, bias},
          [p, D, has_bias, transposed, composite](autograd::FunctionNode& n,
                                                  const variable_list& g) {
            if (!autograd::GradMode::is_enabled() && g[0].defined()) {
              auto as2d = [D](const Tensor& t) { return D == 1 ? t.unsqueeze(2) : t; };
              Tensor xi = as2d(n.saved(0)).contiguous(), wi = as2d(n.saved(1)).contiguous();
              Tensor go = as2d(g[0]).to(xi.scalar_type()).contiguous();
              Tensor gi = n.needs_input_grad(0)
                              ? make_tensor(xi.sizes(), xi.scalar_type(), xi.device())
                              : Tensor();
              Tensor gw = n.needs_input_grad(1)
                              ? make_tensor(wi.sizes(), wi.scalar_type(), wi.device())
                              : Tensor();
              const auto& bwd =
                  transposed ? cudnn_conv_transpose_backward_stub : cudnn_conv3d_backward_stub;
              if (bwd.get(kCUDA)(go, xi, wi, p, gi, gw)) {
                Tensor gb;
                if (has_bias && n.needs_input_grad(2)) {
                  DimVector dims{0};
                  for (int64_t d = 2; d < go.dim(); ++d) dims.push_back(d);
                  gb = sum(go, IntArrayRef(dims));
                }
                auto back = [D](const Tensor& t) {
                  return t.defined() && D == 1 ? t.squeeze(2) : t;
                };
                return variable_list{back(gi), back(gw), gb};
              }
            }
            return composite_grads(n, g[0], composite, {true, true, has_bias});
          })) {
    autograd::set_history(out, n);
    n->save(input);
    n->save(weight);
    if (has_bias) n->save(bias);
  }
  return out;
}

Tensor conv_transpose_nd(const Tensor& input_, const Tensor& weight, const Tensor& bias,
                         IntArrayRef stride, IntArrayRef padding, IntArrayRef output_padding,
                         int64_t groups, IntArrayRef dilation, size_t D, const char* op) {
  check_conv(input_, weight, bias, D, groups, true, op);
  auto st = expand(stride, D, op, "stride");
  auto pad = expand(padding, D, op, "padding");
  auto op_ = expand(output_padding, D, op, "output_padding");
  auto dil = expand(dilation, D, op, "dilation");
  for (size_t i = 0; i < D; ++i) {
    EMBER_CHECK(st[i] > 0, "[", op, "] non-positive stride is not supported");
    EMBER_CHECK(pad[i] >= 0, "[", op, "] negative padding is not supported");
    EMBER_CHECK(dil[i] > 0, "[", op, "] dilation should be greater than zero");
    EMBER_CHECK(op_[i] >= 0 && (op_[i] < st[i] || op_[i] < dil[i]), "[", op,
                "] output padding must be smaller than either stride or dilation, but got "
                "output_padding: ",
                op_[i], ", stride: ", st[i], ", dilation: ", dil[i]);
  }
  bool unbatched = input_.dim() == static_cast<int64_t>(D) + 1;
  Tensor input = unbatched ? input_.unsqueeze(0) : input_;
  for (size_t i = 0; i < D; ++i) {
    int64_t in = input.size(2 + static_cast<int64_t>(i)),
            k = weight.size(2 + static_cast<int64_t>(i));
    int64_t out = (in - 1) * st[i] - 2 * pad[i] + dil[i] * (k - 1) + op_[i] + 1;
    EMBER_CHECK(out > 0, "[", op, "] Given input size per channel: ", input.sizes().slice(2),
                ". Calculated output size per channel is non-positive (", out, ")");
  }
  Composite composite = [=](const std::vector<Tensor>& t) {
    Tensor x = t[0], w = t[1];
    int64_t cin = w.size(0), coutg = w.size(1);
    for (size_t i = 0; i < D; ++i) {
      int64_t dim = 2 + static_cast<int64_t>(i), L = x.size(dim);
      int64_t k = w.size(dim), q = dil[i] * (k - 1) - pad[i];
      if (st[i] > 1) {  // insert stride - 1 zeros between elements
        DimVector zs(x.sizes());
        zs[static_cast<size_t>(dim)] = L * (st[i] - 1);
        Tensor z = zeros(zs, x.options()).unflatten(dim, {L, st[i] - 1});
        x = cat({x.unsqueeze(dim + 1), z}, dim + 1).flatten(dim, dim + 1);
        x = x.narrow(dim, 0, (L - 1) * st[i] + 1);
      }
      int64_t lo = q, hi = q + op_[i];
      auto grow = [&](int64_t amount, bool front) {
        if (amount > 0) {
          DimVector zs(x.sizes());
          zs[static_cast<size_t>(dim)] = amount;
          Tensor z = zeros(zs, x.options());
          x = front ? cat({z, x}, dim) : cat({x, z}, dim);
        } else if (amount < 0) {
          x = front ? x.narrow(dim, -amount, x.size(dim) + amount)
                    : x.narrow(dim, 0, x.size(dim) + amount);
        }
      };
      grow(lo, true);
      grow(hi, false);
    }
    // [C_in, C_out/g, k...] -> [C_out, C_in/g, k...], flipped.
    DimVector ws(w.sizes());
    DimVector gs{groups, cin / groups, coutg};
    for (size_t i = 0; i < D; ++i) gs.push_back(w.size(2 + static_cast<int64_t>(i)));
    Tensor wt = w.reshape(gs).transpose(1, 2);
    DimVector fs{groups * coutg, cin / groups};
    for (size_t i = 0; i < D; ++i) fs.push_back(w.size(2 + static_cast<int64_t>(i)));
    std::vector<int64_t> flip_dims;
    for (size_t i = 0; i < D; ++i) flip_dims.push_back(2 + static_cast<int64_t>(i));
    wt = wt.reshape(fs).flip(flip_dims);
    std::vector<int64_t> ones(D, 1), zero(D, 0);
    return conv_nd(x, wt, t[2], ones, zero, dil, groups);
  };
  std::vector<int64_t> out_spatial;
  for (size_t i = 0; i < D; ++i) {
    const int64_t in = input.size(2 + static_cast<int64_t>(i)),
                  k = weight.size(2 + static_cast<int64_t>(i));
    out_spatial.push_back((in - 1) * st[i] - 2 * pad[i] + dil[i] * (k - 1) + op_[i] + 1);
  }
  Tensor out;
  if (auto fast = cudnn_conv_node(input, weight, bias, st, pad, dil, out_spatial,
                                  weight.size(1) * groups, groups, true, composite)) {
    out = *fast;
  } else {
    out = named("ConvolutionBackward0", {input, weight, bias}, composite);
  }
  return unbatched ? out.squeeze(0) : out;
}

// "same" padding: total = dil * (k - 1), the extra one at the end for odd totals.
Tensor conv_padded_string(const Tensor& input, const Tensor& weight, const Tensor& bias,
                          IntArrayRef stride, std::string_view padding, IntArrayRef dilation,
                          int64_t groups, size_t D, const char* op) {
  auto st = expand(stride, D, op, "stride");
  auto dil = expand(dilation, D, op, "dilation");
  std::vector<int64_t> zero(D, 0);
  if (padding == "valid") return conv_nd(input, weight, bias, st, zero, dil, groups);
  EMBER_CHECK(padding == "same", "[", op, "] Invalid padding string '", padding,
              "', should be one of {'valid', 'same'}");
  for (size_t i = 0; i < D; ++i)
    EMBER_CHECK(st[i] == 1, "[", op,
                "] padding='same' is not supported for strided "
                "convolutions");
  EMBER_CHECK(weight.dim() == static_cast<int64_t>(D) + 2, "[", op, "] weight should have ", D + 2,
              " dimensions, but got ", weight.dim());
  std::vector<int64_t> lo(D), extra(D);
  bool asym = false;
  for (size_t i = 0; i < D; ++i) {
    int64_t total = dil[i] * (weight.size(2 + static_cast<int64_t>(i)) - 1);
    lo[i] = total / 2;
    extra[i] = total % 2;
    asym |= extra[i] != 0;
  }
  Tensor x = input;
  if (asym) {
    std::vector<int64_t> p;
    for (size_t i = D; i-- > 0;) {
      p.push_back(0);
      p.push_back(extra[i]);
    }
    x = constant_pad_nd(x, p, 0);
  }
  return conv_nd(x, weight, bias, st, lo, dil, groups);
}

}  // namespace

Tensor conv3d(const Tensor& input_, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  EMBER_AUTOCAST(lower, lower, conv3d, input_, weight, bias, stride, padding, dilation, groups);
  const char* op = "conv3d";
  check_conv(input_, weight, bias, 3, groups, false, op);
  auto st = expand(stride, 3, op, "stride");
  auto pad = expand(padding, 3, op, "padding");
  auto dil = expand(dilation, 3, op, "dilation");
  bool unbatched = input_.dim() == 4;
  Tensor input = unbatched ? input_.unsqueeze(0) : input_;
  for (size_t i = 0; i < 3; ++i) {
    EMBER_CHECK(st[i] > 0, "[conv3d] non-positive stride is not supported");
    EMBER_CHECK(pad[i] >= 0, "[conv3d] negative padding is not supported");
    EMBER_CHECK(dil[i] > 0, "[conv3d] dilation should be greater than zero");
  }
  std::vector<int64_t> e(3), k(3);
  bool ok = true;
  for (size_t i = 0; i < 3; ++i) {
    e[i] = input.size(2 + static_cast<int64_t>(i)) + 2 * pad[i];
    k[i] = dil[i] * (weight.size(2 + static_cast<int64_t>(i)) - 1) + 1;
    ok &= e[i] >= k[i];
  }
  EMBER_CHECK(ok, "[conv3d] Calculated padded input size per channel: (", e[0], " x ", e[1], " x ",
              e[2], "). Kernel size: (", k[0], " x ", k[1], " x ", k[2],
              "). Kernel size can't be greater than actual input size");
  Composite composite = [=](const std::vector<Tensor>& t) {
    return conv3d_impl(t[0], t[1], t[2], st, pad, dil, groups);
  };
  std::vector<int64_t> out_spatial;
  for (size_t i = 0; i < 3; ++i) out_spatial.push_back((e[i] - k[i]) / st[i] + 1);
  Tensor out;
  if (auto fast = cudnn_conv_node(input, weight, bias, st, pad, dil, out_spatial, weight.size(0),
                                  groups, false, composite)) {
    out = *fast;
  } else {
    out = named("ConvolutionBackward0", {input, weight, bias}, composite);
  }
  return unbatched ? out.squeeze(0) : out;
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              std::string_view padding, IntArrayRef dilation, int64_t groups) {
  return conv_padded_string(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d");
}
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              std::string_view padding, IntArrayRef dilation, int64_t groups) {
  return conv_padded_string(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d");
}

Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        IntArrayRef stride, IntArrayRef padding, IntArrayRef output_padding,
                        int64_t groups, IntArrayRef dilation) {
  EMBER_AUTOCAST(fp32, lower, conv_transpose1d, input, weight, bias, stride, padding,
                 output_padding, groups, dilation);
  return conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation,
                           1, "conv_transpose1d");
}
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        IntArrayRef stride, IntArrayRef padding, IntArrayRef output_padding,
                        int64_t groups, IntArrayRef dilation) {
  EMBER_AUTOCAST(fp32, lower, conv_transpose2d, input, weight, bias, stride, padding,
                 output_padding, groups, dilation);
  return conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation,
                           2, "conv_transpose2d");
}
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        IntArrayRef stride, IntArrayRef padding, IntArrayRef output_padding,
                        int64_t groups, IntArrayRef dilation) {
  EMBER_AUTOCAST(fp32, lower, conv_transpose3d, input, weight, bias, stride, padding,
                 output_padding, groups, dilation);
  return conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation,
                           3, "conv_transpose3d");
}

// ---- pooling ----

namespace {

struct PoolGeometry {
  std::vector<Windows> windows;
  std::vector<int64_t> k, st, pad, dil;
};

PoolGeometry pool_geometry(const Tensor& x, size_t D, IntArrayRef kernel_size, IntArrayRef stride,
                           IntArrayRef padding, IntArrayRef dilation, bool ceil_mode,
                           const char* op) {
  check_input(x, D, op);
  PoolGeometry g;
  g.k = expand(kernel_size, D, op, "kernel_size");
  g.st = stride.empty() ? g.k : expand(stride, D, op, "stride");
  g.pad = expand(padding, D, op, "padding");
  g.dil = expand(dilation, D, op, "dilation");
  std::vector<int64_t> outs;
  for (size_t i = 0; i < D; ++i) {
    EMBER_CHECK(g.k[i] > 0, "[", op, "] kernel_size must be greater than zero, but got ", g.k[i]);
    EMBER_CHECK(g.st[i] > 0, "[", op, "] stride must be greater than zero, but got ", g.st[i]);
    EMBER_CHECK(g.dil[i] > 0, "[", op, "] dilation must be greater than zero, but got ", g.dil[i]);
    EMBER_CHECK(g.pad[i] >= 0 && g.pad[i] <= g.k[i] / 2, "[", op,
                "] pad should be at most half of effective kernel size, but got pad=", g.pad[i],
                ", kernel_size=", g.k[i], " and dilation=", g.dil[i]);
    int64_t in = x.size(x.dim() - static_cast<int64_t>(D) + static_cast<int64_t>(i));
    outs.push_back(pooling_output_size(in, g.k[i], g.pad[i], g.st[i], g.dil[i], ceil_mode));
    g.windows.push_back(sliding(in, g.k[i], g.st[i], g.pad[i], g.dil[i], outs.back()));
  }
  bool ok = true;
  for (int64_t o : outs) ok &= o > 0;
  if (!ok) {
    std::vector<int64_t> in(x.sizes().end() - static_cast<int64_t>(D) - 1, x.sizes().end());
    std::vector<int64_t> os{in[0]};
    os.insert(os.end(), outs.begin(), outs.end());
    EMBER_ERROR("[", op, "] Given input size: ", IntArrayRef(in),
                ". Calculated output size: ", IntArrayRef(os), ". Output size is too small");
  }
  return g;
}

std::tuple<Tensor, Tensor> max_pool_nd(const Tensor& self, size_t D, IntArrayRef kernel_size,
                                       IntArrayRef stride, IntArrayRef padding,
                                       IntArrayRef dilation, bool ceil_mode, const char* op,
                                       const char* node) {
  // 1-d pooling runs on an unsqueezed height, as PyTorch (whose 1-d nodes are SqueezeBackward1).
  bool via_2d = D == 1;
  PoolGeometry g = pool_geometry(self, D, kernel_size, stride, padding, dilation, ceil_mode, op);
  check_float(self, op);
  Tensor idx;
  {
    autograd::NoGradGuard ng;
    idx = std::get<1>(window_max(via_2d ? self.unsqueeze(-2) : self, g.windows, true));
  }
  auto ws = g.windows;
  Tensor out = named(
      node, {via_2d ? self.unsqueeze(-2) : self},
      [ws](const std::vector<Tensor>& t) { return std::get<0>(window_max(t[0], ws, false)); });
  if (via_2d) return {out.squeeze(-2), idx.squeeze(-2)};
  return {out, idx};
}

Tensor avg_pool_nd(const Tensor& self, size_t D, IntArrayRef kernel_size, IntArrayRef stride,
                   IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                   std::optional<int64_t> divisor_override, const char* op, const char* node) {
  PoolGeometry g = pool_geometry(self, D, kernel_size, stride, padding, 1, ceil_mode, op);
  check_float(self, op);
  if (divisor_override) EMBER_CHECK(*divisor_override != 0, "[", op, "] divisor must be not zero");
  std::vector<Tensor> mats;
  for (size_t i = 0; i < D; ++i) {
    const Windows& w = g.windows[i];
    std::vector<double> weight;
    for (int64_t o = 0; o < w.out(); ++o) {
      int64_t s = w.start[static_cast<size_t>(o)], e = s + w.kmax;
      int64_t len = count_include_pad ? std::min(e, w.in + g.pad[i]) - s
                                      : std::min(e, w.in) - std::max(s, int64_t{0});
      weight.push_back(divisor_override ? 1.0 : 1.0 / static_cast<double>(len));
    }
    mats.push_back(window_matrix(w, weight, self));
  }
  double scale = divisor_override ? 1.0 / static_cast<double>(*divisor_override) : 1.0;
  bool via_2d = D == 1;
  Tensor out = named(node, {via_2d ? self.unsqueeze(-2) : self},
                     [mats, scale](const std::vector<Tensor>& t) {
                       Tensor y = t[0];
                       int64_t first = y.dim() - static_cast<int64_t>(mats.size());
                       for (size_t i = 0; i < mats.size(); ++i)
                         y = apply_dim(y, first + static_cast<int64_t>(i), mats[i]);
                       return scale != 1.0 ? y * scale : y;
                     });
  return via_2d ? out.squeeze(-2) : out;
}

std::vector<Windows> adaptive_windows(const Tensor& self, IntArrayRef output_size, size_t D,
                                      const char* op) {
  check_input(self, D, op);
  EMBER_CHECK(output_size.size() == D, "[", op, "] output_size must be ", D, "-dimensional");
  std::vector<Windows> ws;
  for (size_t i = 0; i < D; ++i) {
    EMBER_CHECK(output_size[i] >= 0, "[", op, "] output_size must be non-negative, but got ",
                output_size);
    ws.push_back(adaptive(self.size(self.dim() - static_cast<int64_t>(D) + static_cast<int64_t>(i)),
                          output_size[i]));
  }
  return ws;
}

Tensor adaptive_avg_nd(const Tensor& self, IntArrayRef output_size, size_t D, const char* op,
                       const char* node) {
  auto ws = adaptive_windows(self, output_size, D, op);
  check_float(self, op);
  std::vector<Tensor> mats;
  for (const Windows& w : ws) {
    std::vector<double> weight;
    for (int64_t len : w.len) weight.push_back(1.0 / static_cast<double>(len));
    mats.push_back(window_matrix(w, weight, self));
  }
  bool via_2d = D == 1;
  Tensor out =
      named(node, {via_2d ? self.unsqueeze(-2) : self}, [mats](const std::vector<Tensor>& t) {
        Tensor y = t[0];
        int64_t first = y.dim() - static_cast<int64_t>(mats.size());
        for (size_t i = 0; i < mats.size(); ++i)
          y = apply_dim(y, first + static_cast<int64_t>(i), mats[i]);
        return y;
      });
  return via_2d ? out.squeeze(-2) : out;
}

std::tuple<Tensor, Tensor> adaptive_max_nd(const Tensor& self, IntArrayRef output_size, size_t D,
                                           const char* op, const char* node) {
  auto ws = adaptive_windows(self, output_size, D, op);
  check_float(self, op);
  bool via_2d = D == 1;
  Tensor in = via_2d ? self.unsqueeze(-2) : self;
  Tensor idx;
  {
    autograd::NoGradGuard ng;
    idx = std::get<1>(window_max(in, ws, true));
  }
  Tensor out = named(node, {in}, [ws](const std::vector<Tensor>& t) {
    return std::get<0>(window_max(t[0], ws, false));
  });
  if (via_2d) return {out.squeeze(-2), idx.squeeze(-2)};
  return {out, idx};
}

}  // namespace

std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& self, IntArrayRef kernel_size,
                                                   IntArrayRef stride, IntArrayRef padding,
                                                   IntArrayRef dilation, bool ceil_mode) {
  return max_pool_nd(self, 1, kernel_size, stride, padding, dilation, ceil_mode, "max_pool1d",
                     "MaxPool2DWithIndicesBackward0");
}
Tensor max_pool1d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(
      max_pool1d_with_indices(self, kernel_size, stride, padding, dilation, ceil_mode));
}
std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& self, IntArrayRef kernel_size,
                                                   IntArrayRef stride, IntArrayRef padding,
                                                   IntArrayRef dilation, bool ceil_mode) {
  EMBER_AUTOCAST(fp32, none, max_pool3d_with_indices, self, kernel_size, stride, padding, dilation,
                 ceil_mode);
  return max_pool_nd(self, 3, kernel_size, stride, padding, dilation, ceil_mode, "max_pool3d",
                     "MaxPool3DWithIndicesBackward0");
}
Tensor max_pool3d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(
      max_pool3d_with_indices(self, kernel_size, stride, padding, dilation, ceil_mode));
}
Tensor avg_pool1d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, bool ceil_mode, bool count_include_pad) {
  EMBER_AUTOCAST(none, none, avg_pool1d, self, kernel_size, stride, padding, ceil_mode,
                 count_include_pad);
  return avg_pool_nd(self, 1, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     std::nullopt, "avg_pool1d", "AvgPool2DBackward0");
}
Tensor avg_pool3d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  EMBER_AUTOCAST(fp32, none, avg_pool3d, self, kernel_size, stride, padding, ceil_mode,
                 count_include_pad, divisor_override);
  return avg_pool_nd(self, 3, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, "avg_pool3d", "AvgPool3DBackward0");
}

Tensor adaptive_avg_pool1d(const Tensor& self, IntArrayRef output_size) {
  EMBER_AUTOCAST(none, none, adaptive_avg_pool1d, self, output_size);
  return adaptive_avg_nd(self, output_size, 1, "adaptive_avg_pool1d", "AdaptiveAvgPool2DBackward0");
}
Tensor adaptive_avg_pool2d(const Tensor& self, IntArrayRef output_size) {
  EMBER_AUTOCAST(none, none, adaptive_avg_pool2d, self, output_size);
  return adaptive_avg_nd(self, output_size, 2, "adaptive_avg_pool2d", "AdaptiveAvgPool2DBackward0");
}
Tensor adaptive_avg_pool3d(const Tensor& self, IntArrayRef output_size) {
  EMBER_AUTOCAST(fp32, none, adaptive_avg_pool3d, self, output_size);
  return adaptive_avg_nd(self, output_size, 3, "adaptive_avg_pool3d", "AdaptiveAvgPool3DBackward0");
}
std::tuple<Tensor, Tensor> adaptive_max_pool1d(const Tensor& self, IntArrayRef output_size) {
  return adaptive_max_nd(self, output_size, 1, "adaptive_max_pool1d", "AdaptiveMaxPool2DBackward0");
}
std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& self, IntArrayRef output_size) {
  return adaptive_max_nd(self, output_size, 2, "adaptive_max_pool2d", "AdaptiveMaxPool2DBackward0");
}
std::tuple<Tensor, Tensor> adaptive_max_pool3d(const Tensor& self, IntArrayRef output_size) {
  EMBER_AUTOCAST(fp32, none, adaptive_max_pool3d, self, output_size);
  return adaptive_max_nd(self, output_size, 3, "adaptive_max_pool3d", "AdaptiveMaxPool3DBackward0");
}

namespace {
Tensor lp_pool_nd(const Tensor& self, double p, IntArrayRef kernel_size, IntArrayRef stride,
                  bool ceil_mode, size_t D, const char* op) {
  auto k = expand(kernel_size, D, op, "kernel_size");
  Tensor out = avg_pool_nd(self.pow(p), D, kernel_size, stride, 0, ceil_mode, true, std::nullopt,
                           op, "AvgPool2DBackward0");
  int64_t n = 1;
  for (int64_t v : k) n *= v;
  // PyTorch's sign(out) * relu(|out|) is out itself.
  return out.mul(static_cast<double>(n)).pow(1.0 / p);
}
}  // namespace

Tensor lp_pool1d(const Tensor& self, double norm_type, IntArrayRef kernel_size, IntArrayRef stride,
                 bool ceil_mode) {
  EMBER_AUTOCAST(none, fp32, lp_pool1d, self, norm_type, kernel_size, stride, ceil_mode);
  return lp_pool_nd(self, norm_type, kernel_size, stride, ceil_mode, 1, "lp_pool1d");
}
Tensor lp_pool2d(const Tensor& self, double norm_type, IntArrayRef kernel_size, IntArrayRef stride,
                 bool ceil_mode) {
  EMBER_AUTOCAST(none, fp32, lp_pool2d, self, norm_type, kernel_size, stride, ceil_mode);
  return lp_pool_nd(self, norm_type, kernel_size, stride, ceil_mode, 2, "lp_pool2d");
}

// ---- padding ----

Tensor constant_pad_nd(const Tensor& self, IntArrayRef pad, const Scalar& value) {
  EMBER_CHECK(pad.size() % 2 == 0,
              "[constant_pad_nd] Length of pad must be even but instead it "
              "equals ",
              pad.size());
  int64_t n = static_cast<int64_t>(pad.size()) / 2;
  EMBER_CHECK(n <= self.dim(),
              "[constant_pad_nd] Length of pad should be no more than twice the "
              "number of dimensions of the input. Pad length is ",
              pad.size(), " while the input has ", self.dim(), " dimensions.");
  for (int64_t i = 0; i < n; ++i) {
    int64_t dim = self.dim() - 1 - i;
    int64_t out =
        self.size(dim) + pad[static_cast<size_t>(2 * i)] + pad[static_cast<size_t>(2 * i + 1)];
    EMBER_CHECK(out >= 0, "[constant_pad_nd] The input size ", self.size(dim),
                ", plus negative "
                "padding ",
                pad[static_cast<size_t>(2 * i)], " and ", pad[static_cast<size_t>(2 * i + 1)],
                " resulted in a negative output size, which "
                "is invalid. Check dimension ",
                dim, " of your input.");
  }
  std::vector<int64_t> p(pad.begin(), pad.end());
  return named("ConstantPadNdBackward0", {self}, [p, value, n](const std::vector<Tensor>& t) {
    Tensor x = t[0];
    for (int64_t i = 0; i < n; ++i) {
      int64_t dim = x.dim() - 1 - i;
      for (int side = 0; side < 2; ++side) {
        int64_t a = p[static_cast<size_t>(2 * i + side)];
        if (a < 0) {
          x = side == 0 ? x.narrow(dim, -a, x.size(dim) + a) : x.narrow(dim, 0, x.size(dim) + a);
        } else if (a > 0) {
          DimVector zs(x.sizes());
          zs[static_cast<size_t>(dim)] = a;
          Tensor z = full(zs, value, x.options());
          x = side == 0 ? cat({z, x}, dim) : cat({x, z}, dim);
        }
      }
    }
    return x.contiguous();
  });
}

namespace {
enum class PadMode { kReflect, kReplicate, kCircular };

Tensor index_pad(const Tensor& self, IntArrayRef padding, size_t D, PadMode mode, const char* op,
                 const char* node) {
  EMBER_CHECK(padding.size() == 2 * D, "[", op, "] padding size is expected to be ", 2 * D,
              ", but got: ", padding.size());
  EMBER_CHECK(
      self.dim() == static_cast<int64_t>(D) + 1 || self.dim() == static_cast<int64_t>(D) + 2, "[",
      op, "] Expected ", D + 1, "D or ", D + 2,
      "D (batch mode) tensor with possibly "
      "0 batch size and other non-zero dimensions for input, but got: ",
      self.sizes());
  std::vector<Tensor> idx;
  for (size_t i = 0; i < D; ++i) {
    int64_t dim = self.dim() - 1 - static_cast<int64_t>(i), L = self.size(dim);
    int64_t lo = padding[2 * i], hi = padding[2 * i + 1];
    if (mode == PadMode::kReflect) {
      EMBER_CHECK(lo < L && hi < L, "[", op,
                  "] Argument #4: Padding size should be less than "
                  "the corresponding input dimension, but got: padding (",
                  lo, ", ", hi, ") at dimension ", dim, " of input ", self.sizes());
    } else if (mode == PadMode::kCircular) {
      EMBER_CHECK(lo <= L && hi <= L, "[", op,
                  "] Padding value causes wrapping around more than "
                  "once.");
    } else {
      EMBER_CHECK(L > 0, "[", op, "] input dimension ", dim, " must be non-empty");
    }
    int64_t out = L + lo + hi;
    EMBER_CHECK(out >= 1, "[", op, "] input (", L, ") is too small. Calculated output ", out);
    std::vector<int64_t> v;
    for (int64_t o = 0; o < out; ++o) {
      int64_t s = o - lo;
      if (mode == PadMode::kReflect) {
        if (s < 0) s = -s;
        if (s >= L) s = 2 * (L - 1) - s;
      } else if (mode == PadMode::kReplicate) {
        s = std::min(std::max(s, int64_t{0}), L - 1);
      } else {
        s = ((s % L) + L) % L;
      }
      v.push_back(s);
    }
    idx.push_back(tensor(v, TensorOptions().dtype(kLong).device(self.device())));
  }
  return named(node, {self}, [idx](const std::vector<Tensor>& t) {
    Tensor x = t[0];
    for (size_t i = 0; i < idx.size(); ++i)
      x = x.index_select(x.dim() - 1 - static_cast<int64_t>(i), idx[i]);
    return x;
  });
}
}  // namespace

Tensor reflection_pad1d(const Tensor& self, IntArrayRef padding) {
  EMBER_AUTOCAST(fp32, none, reflection_pad1d, self, padding);
  return index_pad(self, padding, 1, PadMode::kReflect, "reflection_pad1d",
                   "ReflectionPad1DBackward0");
}
Tensor reflection_pad2d(const Tensor& self, IntArrayRef padding) {
  EMBER_AUTOCAST(fp32, none, reflection_pad2d, self, padding);
  return index_pad(self, padding, 2, PadMode::kReflect, "reflection_pad2d",
                   "ReflectionPad2DBackward0");
}
Tensor reflection_pad3d(const Tensor& self, IntArrayRef padding) {
  return index_pad(self, padding, 3, PadMode::kReflect, "reflection_pad3d",
                   "ReflectionPad3DBackward0");
}
Tensor replication_pad1d(const Tensor& self, IntArrayRef padding) {
  EMBER_AUTOCAST(fp32, none, replication_pad1d, self, padding);
  return index_pad(self, padding, 1, PadMode::kReplicate, "replication_pad1d",
                   "ReplicationPad1DBackward0");
}
Tensor replication_pad2d(const Tensor& self, IntArrayRef padding) {
  EMBER_AUTOCAST(fp32, none, replication_pad2d, self, padding);
  return index_pad(self, padding, 2, PadMode::kReplicate, "replication_pad2d",
                   "ReplicationPad2DBackward0");
}
Tensor replication_pad3d(const Tensor& self, IntArrayRef padding) {
  EMBER_AUTOCAST(fp32, none, replication_pad3d, self, padding);
  return index_pad(self, padding, 3, PadMode::kReplicate, "replication_pad3d",
                   "ReplicationPad3DBackward0");
}
Tensor circular_pad(const Tensor& self, IntArrayRef padding) {
  size_t D = padding.size() / 2;
  EMBER_CHECK(padding.size() % 2 == 0 && D >= 1 && D <= 3,
              "[pad] circular padding expects 2, 4 or 6 values, got ", padding.size());
  return index_pad(self, padding, D, PadMode::kCircular, "pad", "CopySlices");
}

Tensor pad(const Tensor& self, IntArrayRef p, std::string_view mode, std::optional<double> value) {
  if (mode == "constant") return constant_pad_nd(self, p, value.value_or(0.0));
  EMBER_CHECK(mode == "reflect" || mode == "replicate" || mode == "circular",
              "[pad] Unrecognised padding mode ", mode);
  EMBER_CHECK(!value || *value == 0, "[pad] Padding mode \"", mode,
              "\" doesn't take in value "
              "argument");
  size_t D = p.size() / 2;
  EMBER_CHECK(
      p.size() % 2 == 0 && D >= 1 && D <= 3 &&
          (self.dim() == static_cast<int64_t>(D) + 1 || self.dim() == static_cast<int64_t>(D) + 2),
      "[pad] Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now");
  if (mode == "circular") return circular_pad(self, p);
  if (mode == "reflect")
    return D == 1   ? reflection_pad1d(self, p)
           : D == 2 ? reflection_pad2d(self, p)
                    : reflection_pad3d(self, p);
  return D == 1   ? replication_pad1d(self, p)
         : D == 2 ? replication_pad2d(self, p)
                  : replication_pad3d(self, p);
}

// ---- pixel shuffle ----

Tensor pixel_shuffle(const Tensor& self, int64_t r) {
  EMBER_CHECK(self.dim() >= 3,
              "[pixel_shuffle] pixel_shuffle expects input to have at least 3 "
              "dimensions, but got input with ",
              self.dim(), " dimension(s)");
  EMBER_CHECK(r > 0, "[pixel_shuffle] pixel_shuffle expects a positive upscale_factor, but got ",
              r);
  int64_t c = self.size(-3);
  EMBER_CHECK(c % (r * r) == 0,
              "[pixel_shuffle] pixel_shuffle expects its input's 'channel' "
              "dimension to be divisible by the square of upscale_factor, but input.size(-3)=",
              c, " is not divisible by ", r * r);
  return named("PixelShuffleBackward0", {self}, [r](const std::vector<Tensor>& t) {
    const Tensor& x = t[0];
    int64_t n = x.dim();
    DimVector s(x.sizes().begin(), x.sizes().end() - 3);
    int64_t c = x.size(-3), h = x.size(-2), w = x.size(-1);
    DimVector a = s;
    for (int64_t v : {c / (r * r), r, r, h, w}) a.push_back(v);
    std::vector<int64_t> perm;
    for (int64_t i = 0; i < n - 3; ++i) perm.push_back(i);
    for (int64_t i : {0, 3, 1, 4, 2}) perm.push_back(n - 3 + i);
    DimVector b = s;
    for (int64_t v : {c / (r * r), h * r, w * r}) b.push_back(v);
    return x.reshape(a).permute(perm).reshape(b).contiguous();
  });
}

Tensor pixel_unshuffle(const Tensor& self, int64_t r) {
  EMBER_CHECK(self.dim() >= 3,
              "[pixel_unshuffle] pixel_unshuffle expects input to have at least "
              "3 dimensions, but got input with ",
              self.dim(), " dimension(s)");
  EMBER_CHECK(r > 0,
              "[pixel_unshuffle] pixel_unshuffle expects a positive downscale_factor, but "
              "got ",
              r);
  EMBER_CHECK(self.size(-2) % r == 0,
              "[pixel_unshuffle] pixel_unshuffle expects height to be "
              "divisible by downscale_factor, but input.size(-2)=",
              self.size(-2),
              " is not "
              "divisible by ",
              r);
  EMBER_CHECK(self.size(-1) % r == 0,
              "[pixel_unshuffle] pixel_unshuffle expects width to be "
              "divisible by downscale_factor, but input.size(-1)=",
              self.size(-1),
              " is not "
              "divisible by ",
              r);
  return named("PixelUnshuffleBackward0", {self}, [r](const std::vector<Tensor>& t) {
    const Tensor& x = t[0];
    int64_t n = x.dim();
    DimVector s(x.sizes().begin(), x.sizes().end() - 3);
    int64_t c = x.size(-3), h = x.size(-2), w = x.size(-1);
    DimVector a = s;
    for (int64_t v : {c, h / r, r, w / r, r}) a.push_back(v);
    std::vector<int64_t> perm;
    for (int64_t i = 0; i < n - 3; ++i) perm.push_back(i);
    for (int64_t i : {0, 2, 4, 1, 3}) perm.push_back(n - 3 + i);
    DimVector b = s;
    for (int64_t v : {c * r * r, h / r, w / r}) b.push_back(v);
    return x.reshape(a).permute(perm).reshape(b).contiguous();
  });
}

// ---- upsampling ----

Tensor upsample(const Tensor& self, std::string_view mode, IntArrayRef output_size,
                std::optional<bool> align_corners, const std::vector<double>& scales) {
  EMBER_AUTOCAST(none, none, upsample, self, mode, output_size, align_corners, scales);
  bool nearest = mode == "nearest";
  EMBER_CHECK(
      nearest || mode == "linear" || mode == "bilinear" || mode == "trilinear" || mode == "bicubic",
      "[upsample] Unsupported interpolation mode ", mode);
  EMBER_CHECK(self.dim() >= 3 && self.dim() <= 5,
              "[upsample] Input Error: Only 3D, 4D and 5D "
              "input Tensors supported (got ",
              self.dim(),
              "D) for the modes: nearest | linear | "
              "bilinear | bicubic | trilinear (got ",
              mode, ")");
  const ScalarType dt = self.scalar_type();
  if (!nearest && (dt == kHalf || dt == kBFloat16))  // weights and sums in float, round once
    return upsample(self.to(kFloat), mode, output_size, align_corners, scales).to(dt);
  size_t D = static_cast<size_t>(self.dim()) - 2;
  size_t want = mode == "linear"                          ? 1
                : mode == "bilinear" || mode == "bicubic" ? 2
                : mode == "trilinear"                     ? 3
                                                          : D;
  EMBER_CHECK(want == D, "[upsample] Got ", D + 2, "D input, but ", mode, " mode needs ", want + 2,
              "D input");
  EMBER_CHECK(output_size.size() == D, "[upsample] Expected output_size with ", D, " values for ",
              D + 2, "D input, but got ", output_size);
  check_float(self, "upsample");
  EMBER_CHECK(!(nearest && align_corners.has_value()),
              "[upsample] align_corners option can only "
              "be set with the interpolating modes: linear | bilinear | bicubic | trilinear");
  bool ac = align_corners.value_or(false);
  std::vector<Tensor> mats;
  for (size_t i = 0; i < D; ++i) {
    int64_t in = self.size(2 + static_cast<int64_t>(i)), out = output_size[i];
    EMBER_CHECK(in > 0 && out > 0,
                "[upsample] Input and output sizes should be greater than 0, "
                "but got input (",
                self.sizes(), ") and output (", output_size, ")");
    bool has_scale = i < scales.size() && scales[i] > 0;
    double scale = has_scale ? 1.0 / scales[i] : static_cast<double>(in) / static_cast<double>(out);
    double lin_scale =
        ac ? (out > 1 ? static_cast<double>(in - 1) / static_cast<double>(out - 1) : 0.0) : scale;
    std::vector<double> m(static_cast<size_t>(out * in), 0.0);
    auto add = [&](int64_t o, int64_t j, double v) {
      j = std::min(std::max(j, int64_t{0}), in - 1);
      m[static_cast<size_t>(o * in + j)] += v;
    };
    for (int64_t o = 0; o < out; ++o) {
      double od = static_cast<double>(o);
      if (nearest) {
        add(o, std::min(static_cast<int64_t>(std::floor(od * scale)), in - 1), 1.0);
      } else if (mode == "bicubic") {
        double src = ac ? od * lin_scale : (od + 0.5) * scale - 0.5;
        double f = std::floor(src), t = src - f;
        int64_t i0 = static_cast<int64_t>(f);
        const double A = -0.75;
        auto c1 = [&](double x) { return ((A + 2) * x - (A + 3)) * x * x + 1; };
        auto c2 = [&](double x) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; };
        add(o, i0 - 1, c2(t + 1));
        add(o, i0, c1(t));
        add(o, i0 + 1, c1(1 - t));
        add(o, i0 + 2, c2(2 - t));
      } else {
        double src = ac ? od * lin_scale : std::max((od + 0.5) * scale - 0.5, 0.0);
        int64_t i0 = static_cast<int64_t>(std::floor(src));
        i0 = std::min(i0, in - 1);
        int64_t i1 = std::min(i0 + 1, in - 1);
        double l = src - static_cast<double>(i0);
        add(o, i0, 1 - l);
        add(o, i1, l);
      }
    }
    mats.push_back(matrix(m, out, in, self));
  }
  static const char* const kNearest[] = {"UpsampleNearest1DBackward1", "UpsampleNearest2DBackward1",
                                         "UpsampleNearest3DBackward1"};
  const char* node = nearest              ? kNearest[D - 1]
                     : mode == "linear"   ? "UpsampleLinear1DBackward1"
                     : mode == "bilinear" ? "UpsampleBilinear2DBackward1"
                     : mode == "bicubic"  ? "UpsampleBicubic2DBackward1"
                                          : "UpsampleTrilinear3DBackward1";
  return named(node, {self}, [mats](const std::vector<Tensor>& t) {
    Tensor y = t[0];
    for (size_t i = 0; i < mats.size(); ++i) y = apply_dim(y, 2 + static_cast<int64_t>(i), mats[i]);
    return y;
  });
}

// ---- im2col / col2im ----

namespace {
struct ColGeometry {
  std::vector<Tensor> sel;  // [(out * k), in] one-hot per spatial dim
  std::vector<int64_t> k, out;
};

ColGeometry col_geometry(IntArrayRef in_hw, IntArrayRef kernel_size, IntArrayRef dilation,
                         IntArrayRef padding, IntArrayRef stride, const Tensor& like,
                         const char* op) {
  ColGeometry g;
  g.k = expand(kernel_size, 2, op, "kernel_size");
  auto d = expand(dilation, 2, op, "dilation");
  auto p = expand(padding, 2, op, "padding");
  auto s = expand(stride, 2, op, "stride");
  for (size_t i = 0; i < 2; ++i) {
    EMBER_CHECK(g.k[i] > 0, "[", op,
                "] kernel size should be greater than zero, but got kernel_"
                "height: ",
                g.k[0], " kernel_width: ", g.k[1]);
    EMBER_CHECK(d[i] > 0, "[", op,
                "] dilation should be greater than zero, but got "
                "dilation_height: ",
                d[0], " dilation_width: ", d[1]);
    EMBER_CHECK(p[i] >= 0, "[", op, "] padding should be non-negative, but got pad_height: ", p[0],
                " pad_width: ", p[1]);
    EMBER_CHECK(s[i] > 0, "[", op,
                "] stride should be greater than zero, but got stride_height: ", s[0],
                " stride_width: ", s[1]);
    int64_t o = (in_hw[i] + 2 * p[i] - (d[i] * (g.k[i] - 1) + 1)) / s[i] + 1;
    EMBER_CHECK(in_hw[i] + 2 * p[i] - (d[i] * (g.k[i] - 1) + 1) >= 0 && o >= 1, "[", op,
                "] Given input with spatial size (", in_hw[0], ", ", in_hw[1], "), kernel_size=(",
                g.k[0], ", ", g.k[1], "), dilation=(", d[0], ", ", d[1], "), padding=(", p[0], ", ",
                p[1], "), calculated shape of the array of sliding blocks as non-positive");
    g.out.push_back(o);
    std::vector<double> m(static_cast<size_t>(o * g.k[i] * in_hw[i]), 0.0);
    for (int64_t a = 0; a < o; ++a)
      for (int64_t b = 0; b < g.k[i]; ++b) {
        int64_t pos = a * s[i] - p[i] + b * d[i];
        if (pos >= 0 && pos < in_hw[i])
          m[static_cast<size_t>((a * g.k[i] + b) * in_hw[i] + pos)] = 1;
      }
    g.sel.push_back(matrix(m, o * g.k[i], in_hw[i], like));
  }
  return g;
}
}  // namespace

Tensor im2col(const Tensor& self, IntArrayRef kernel_size, IntArrayRef dilation,
              IntArrayRef padding, IntArrayRef stride) {
  EMBER_AUTOCAST(none, none, im2col, self, kernel_size, dilation, padding, stride);
  EMBER_CHECK((self.dim() == 3 || self.dim() == 4) && self.size(-1) > 0 && self.size(-2) > 0,
              "[im2col] Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for "
              "input, but got: ",
              self.sizes());
  check_float(self, "im2col");
  bool unbatched = self.dim() == 3;
  Tensor x = unbatched ? self.unsqueeze(0) : self;
  int64_t hw[2] = {x.size(2), x.size(3)};
  ColGeometry g =
      col_geometry(IntArrayRef(hw), kernel_size, dilation, padding, stride, x, "im2col");
  Tensor out = named("Im2ColBackward0", {x}, [g](const std::vector<Tensor>& t) {
    Tensor y = apply_dim(apply_dim(t[0], 2, g.sel[0]), 3, g.sel[1]);
    int64_t n = y.size(0), c = y.size(1);
    return y.reshape({n, c, g.out[0], g.k[0], g.out[1], g.k[1]})
        .permute({0, 1, 3, 5, 2, 4})
        .reshape({n, c * g.k[0] * g.k[1], g.out[0] * g.out[1]});
  });
  return unbatched ? out.squeeze(0) : out;
}

Tensor col2im(const Tensor& self, IntArrayRef output_size, IntArrayRef kernel_size,
              IntArrayRef dilation, IntArrayRef padding, IntArrayRef stride) {
  EMBER_AUTOCAST(none, none, col2im, self, output_size, kernel_size, dilation, padding, stride);
  EMBER_CHECK((self.dim() == 2 || self.dim() == 3) && self.size(-1) > 0 && self.size(-2) > 0,
              "[col2im] Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch "
              "size and non-zero dimensions for input, but got: ",
              self.sizes());
  check_float(self, "col2im");
  auto os = expand(output_size, 2, "col2im", "output_size");
  bool unbatched = self.dim() == 2;
  Tensor x = unbatched ? self.unsqueeze(0) : self;
  ColGeometry g =
      col_geometry(IntArrayRef(os), kernel_size, dilation, padding, stride, x, "col2im");
  int64_t kk = g.k[0] * g.k[1];
  EMBER_CHECK(x.size(1) % kk == 0,
              "[col2im] Expected size of input's dimension 1 to be divisible "
              "by the product of kernel_size, but got input.size(1)=",
              x.size(1), " and kernel_size=(", g.k[0], ", ", g.k[1], ")");
  EMBER_CHECK(x.size(2) == g.out[0] * g.out[1], "[col2im] Given output_size=(", os[0], ", ", os[1],
              "), kernel_size=(", g.k[0], ", ", g.k[1],
              "), expected size of input's "
              "dimension 2 to match the calculated number of sliding blocks ",
              g.out[0], " * ", g.out[1], " = ", g.out[0] * g.out[1],
              ", but got input.size(2)=", x.size(2), ".");
  Tensor out = named("Col2ImBackward0", {x}, [g, kk](const std::vector<Tensor>& t) {
    const Tensor& y = t[0];
    int64_t n = y.size(0), c = y.size(1) / kk;
    Tensor z = y.reshape({n, c, g.k[0], g.k[1], g.out[0], g.out[1]})
                   .permute({0, 1, 4, 2, 5, 3})
                   .reshape({n, c, g.out[0] * g.k[0], g.out[1] * g.k[1]});
    return apply_dim(apply_dim(z, 2, g.sel[0].t()), 3, g.sel[1].t());
  });
  return unbatched ? out.squeeze(0) : out;
}

}  // namespace ember

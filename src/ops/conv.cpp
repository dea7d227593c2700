// conv2d/conv1d, max_pool2d, avg_pool2d: checks as PyTorch words them, 16-bit floats computed in
// float (on CUDA by the kernel: cuDNN takes them as they are), gradients through dedicated
// backward kernels.
#include "ember/ops/conv.h"

#include "ember/autograd/engine.h"
#include "ember/autograd/function_node.h"
#include "ember/ops/factory.h"
#include "ember/ops/index.h"
#include "ember/ops/linalg.h"
#include "ember/ops/pooling.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "src/amp/autocast_hook.h"
#include "src/kernels/conv.h"

namespace ember {

namespace {

std::array<int64_t, 2> expand2(IntArrayRef v, const char* op, const char* what) {
  EMBER_CHECK(v.size() == 1 || v.size() == 2, "[", op, "] expected ", what,
              " to be a single integer value or a list of 2 values, but got ", v);
  return {v[0], v.size() == 1 ? v[0] : v[1]};
}

// Float or double for the kernels: 16-bit floats compute in float.
ScalarType compute_dtype(ScalarType t) { return (t == kHalf || t == kBFloat16) ? kFloat : t; }

// conv2d without bias as a composite of differentiable ember ops (im2col + matmul): x [N, C, H,
// W], w [O, C / groups, kh, kw] -> [N, O, ho, wo].
Tensor conv2d_composite(const Tensor& x, const Tensor& w, const Conv2dParams& p, int64_t ho,
                        int64_t wo) {
  int64_t n = x.size(0), g = p.groups, o = w.size(0);
  int64_t k[2] = {w.size(2), w.size(3)};
  Tensor cols = im2col(x, IntArrayRef(k, 2), IntArrayRef(p.dilation.data(), 2),
                       IntArrayRef(p.padding.data(), 2), IntArrayRef(p.stride.data(), 2));
  int64_t kk = w.size(1) * k[0] * k[1];
  Tensor y = matmul(w.reshape({g, o / g, kk}), cols.reshape({n, g, kk, ho * wo}));
  return y.reshape({n, o, ho, wo});
}

// conv2d's gradients with create_graph=True: those of the composite, so that they can be
// differentiated again (the kernels' are not).
variable_list conv2d_double_backward(autograd::FunctionNode& node, const Tensor& grad,
                                     const Conv2dParams& p, bool has_bias) {
  Tensor in = node.saved(0), wt = node.saved(1);
  variable_list res(3), want;
  std::vector<size_t> at;
  for (size_t i = 0; i < 2; ++i) {
    if (!node.needs_input_grad(i)) continue;
    want.push_back(i == 0 ? in : wt);
    at.push_back(i);
  }
  if (!want.empty()) {
    Tensor y = conv2d_composite(in, wt, p, grad.size(2), grad.size(3));
    variable_list gs = autograd::grad({y}, want, {grad}, true, true, true);
    for (size_t j = 0; j < at.size(); ++j) res[at[j]] = gs[j];
  }
  if (has_bias && node.needs_input_grad(2)) res[2] = sum(grad, IntArrayRef{0, 2, 3});
  return res;
}

}  // namespace

int64_t pooling_output_size(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil,
                            bool ceil_mode) {
  int64_t num = in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  int64_t out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
  // The last window must start inside the input or the left padding.
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

Tensor conv2d(const Tensor& input_, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  EMBER_AUTOCAST(lower, lower, conv2d, input_, weight, bias, stride, padding, dilation, groups);
  EMBER_CHECK(weight.dim() == 4, "[conv2d] weight should have 4 dimensions, but got ",
              weight.dim());
  bool unbatched = input_.dim() == 3;
  EMBER_CHECK(input_.dim() == 4 || unbatched,
              "[conv2d] Expected 3D (unbatched) or 4D (batched) "
              "input to conv2d, but got input of size: ",
              input_.sizes());
  Tensor input = unbatched ? input_.unsqueeze(0) : input_;
  Conv2dParams p;
  p.stride = expand2(stride, "conv2d", "stride");
  p.padding = expand2(padding, "conv2d", "padding");
  p.dilation = expand2(dilation, "conv2d", "dilation");
  p.groups = groups;
  for (int i = 0; i < 2; ++i) {
    EMBER_CHECK(p.stride[i] > 0, "[conv2d] non-positive stride is not supported");
    EMBER_CHECK(p.padding[i] >= 0, "[conv2d] negative padding is not supported");
    EMBER_CHECK(p.dilation[i] > 0, "[conv2d] dilation should be greater than zero");
  }
  EMBER_CHECK(groups > 0, "[conv2d] non-positive groups is not supported");
  EMBER_CHECK(weight.size(0) % groups == 0, "[conv2d] Given groups=", groups,
              ", expected weight to be divisible by ", groups,
              " at dimension 0, but got weight "
              "of size ",
              weight.sizes(), " instead");
  EMBER_CHECK(input.size(1) == weight.size(1) * groups, "[conv2d] Given groups=", groups,
              ", weight of size ", weight.sizes(), ", expected input", input.sizes(), " to have ",
              weight.size(1) * groups, " channels, but got ", input.size(1), " channels instead");
  if (bias.defined()) {
    EMBER_CHECK(bias.dim() == 1 && bias.size(0) == weight.size(0),
                "[conv2d] Given weight of "
                "size ",
                weight.sizes(), ", expected bias to be 1-dimensional with ", weight.size(0),
                " elements, but got bias of size ", bias.sizes(), " instead");
    EMBER_CHECK(bias.dtype() == input.dtype(), "[conv2d] Input type (", toString(input.dtype()),
                ") and bias type (", toString(bias.dtype()), ") should be the same");
  }
  EMBER_CHECK(weight.dtype() == input.dtype(), "[conv2d] Input type (", toString(input.dtype()),
              ") and weight type (", toString(weight.dtype()), ") should be the same");
  int64_t kh = weight.size(2), kw = weight.size(3);
  int64_t eh = input.size(2) + 2 * p.padding[0], ew = input.size(3) + 2 * p.padding[1];
  int64_t dkh = p.dilation[0] * (kh - 1) + 1, dkw = p.dilation[1] * (kw - 1) + 1;
  EMBER_CHECK(eh >= dkh && ew >= dkw, "[conv2d] Calculated padded input size per channel: (", eh,
              " x ", ew, "). Kernel size: (", dkh, " x ", dkw,
              "). Kernel size can't be greater than actual input size");
  int64_t ho = (eh - dkh) / p.stride[0] + 1, wo = (ew - dkw) / p.stride[1] + 1;

  // CUDA's kernel takes 16-bit tensors as they are (cuDNN; its fallback computes them in float).
  ScalarType cdt = input.is_cuda() ? input.scalar_type() : compute_dtype(input.dtype());
  Tensor x = input.to(cdt).contiguous().detach();
  Tensor w = weight.to(cdt).contiguous().detach();
  Tensor b = bias.defined() ? bias.to(cdt).contiguous().detach() : Tensor();
  Tensor out = make_tensor({input.size(0), weight.size(0), ho, wo}, cdt, input.device());
  conv2d_stub.get(input.device().type())(out, x, w, b, p);
  if (cdt != input.dtype()) out = out.to(input.dtype());

  bool has_bias = bias.defined();
  if (auto n = autograd::make_node(
          "ConvolutionBackward0", {input, weight, bias},
          [p, has_bias, cdt](autograd::FunctionNode& n, const variable_list& g) {
            if (autograd::GradMode::is_enabled())
              return conv2d_double_backward(n, g[0], p, has_bias);
            Tensor in = n.saved(0), wt = n.saved(1);
            Tensor go = g[0].to(cdt).contiguous();
            Tensor xi = in.to(cdt).contiguous(), wi = wt.to(cdt).contiguous();
            Tensor gi =
                n.needs_input_grad(0) ? make_tensor(xi.sizes(), cdt, xi.device()) : Tensor();
            Tensor gw =
                n.needs_input_grad(1) ? make_tensor(wi.sizes(), cdt, wi.device()) : Tensor();
            Tensor gb = has_bias && n.needs_input_grad(2)
                            ? make_tensor({wi.size(0)}, cdt, wi.device())
                            : Tensor();
            conv2d_backward_stub.get(go.device().type())(go, xi, wi, p, gi, gw, gb);
            return variable_list{gi.defined() ? gi.to(in.dtype()) : gi,
                                 gw.defined() ? gw.to(wt.dtype()) : gw,
                                 gb.defined() ? gb.to(wt.dtype()) : gb};
          })) {
    autograd::set_history(out, n);
    n->save(input);
    n->save(weight);
  }
  return unbatched ? out.squeeze(0) : out;
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              std::string_view padding, IntArrayRef dilation, int64_t groups) {
  if (padding == "valid") {
    int64_t zero = 0;
    return conv2d(input, weight, bias, stride, IntArrayRef(zero), dilation, groups);
  }
  EMBER_CHECK(padding == "same", "[conv2d] Invalid padding string '", padding,
              "', should be one of {'valid', 'same'}");
  auto st = expand2(stride, "conv2d", "stride");
  EMBER_CHECK(st[0] == 1 && st[1] == 1,
              "[conv2d] padding='same' is not supported for strided convolutions");
  auto dil = expand2(dilation, "conv2d", "dilation");
  std::array<int64_t, 2> lo{};
  bool symmetric = true;
  for (int i = 0; i < 2; ++i) {
    int64_t total = dil[i] * (weight.size(2 + i) - 1);
    lo[i] = total / 2;
    symmetric &= total % 2 == 0;
  }
  // Even kernels need one more row/column of padding at the end than at the start.
  EMBER_CHECK(symmetric,
              "[conv2d] padding='same' with an even effective kernel size is not "
              "supported yet");
  return conv2d(input, weight, bias, stride, IntArrayRef(lo.data(), 2), dilation, groups);
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  EMBER_CHECK(weight.dim() == 3, "[conv1d] weight should have 3 dimensions, but got ",
              weight.dim());
  EMBER_CHECK(input.dim() == 2 || input.dim() == 3,
              "[conv1d] Expected 2D (unbatched) or 3D "
              "(batched) input to conv1d, but got input of size: ",
              input.sizes());
  EMBER_CHECK(stride.size() == 1 && padding.size() == 1 && dilation.size() == 1,
              "[conv1d] stride, padding and dilation must have one value each");
  int64_t st[2] = {1, stride[0]}, pad[2] = {0, padding[0]}, dil[2] = {1, dilation[0]};
  Tensor y = conv2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, IntArrayRef(st),
                    IntArrayRef(pad), IntArrayRef(dil), groups);
  return y.squeeze(-2);
}

namespace {
Pool2dParams pool_params(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride,
                         IntArrayRef padding, IntArrayRef dilation, const char* op) {
  Pool2dParams p;
  p.kernel = expand2(kernel_size, op, "kernel_size");
  p.stride = stride.empty() ? p.kernel : expand2(stride, op, "stride");
  p.padding = expand2(padding, op, "padding");
  p.dilation = expand2(dilation, op, "dilation");
  EMBER_CHECK(self.dim() == 3 || self.dim() == 4, "[", op,
              "] non-empty 3D or 4D (batch mode) "
              "tensor expected for input, got ",
              self.sizes());
  for (int i = 0; i < 2; ++i) {
    EMBER_CHECK(p.kernel[i] > 0, "[", op, "] kernel size should be greater than zero, but got ",
                "kH: ", p.kernel[0], " kW: ", p.kernel[1]);
    EMBER_CHECK(p.stride[i] > 0, "[", op,
                "] stride should be greater than zero, but got dH: ", p.stride[0],
                " dW: ", p.stride[1]);
    EMBER_CHECK(p.dilation[i] > 0, "[", op, "] dilation should be greater than zero");
    EMBER_CHECK(p.padding[i] >= 0 && p.padding[i] <= p.kernel[i] / 2, "[", op,
                "] pad should be at most half of effective kernel size, but got pad=", p.padding[i],
                ", kernel_size=", p.kernel[i], " and dilation=", p.dilation[i]);
  }
  return p;
}
}  // namespace

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& self_, IntArrayRef kernel_size,
                                                   IntArrayRef stride, IntArrayRef padding,
                                                   IntArrayRef dilation, bool ceil_mode) {
  Pool2dParams p = pool_params(self_, kernel_size, stride, padding, dilation, "max_pool2d");
  bool unbatched = self_.dim() == 3;
  Tensor self = unbatched ? self_.unsqueeze(0) : self_;
  int64_t h = self.size(2), w = self.size(3);
  int64_t ho =
      pooling_output_size(h, p.kernel[0], p.padding[0], p.stride[0], p.dilation[0], ceil_mode);
  int64_t wo =
      pooling_output_size(w, p.kernel[1], p.padding[1], p.stride[1], p.dilation[1], ceil_mode);
  EMBER_CHECK(ho > 0 && wo > 0, "[max_pool2d] Given input size: (", self.size(1), "x", h, "x", w,
              "). Calculated output size: (", self.size(1), "x", ho, "x", wo,
              "). Output size is too small");
  ScalarType cdt = compute_dtype(self.dtype());
  Tensor x = self.to(cdt).contiguous().detach();
  Tensor out = make_tensor({self.size(0), self.size(1), ho, wo}, cdt, self.device());
  Tensor idx = make_tensor(out.sizes(), kLong, self.device());
  max_pool2d_stub.get(self.device().type())(out, idx, x, p);
  if (cdt != self.dtype()) out = out.to(self.dtype());
  if (auto n = autograd::make_node(
          "MaxPool2DWithIndicesBackward0", {self},
          [in_shape = DimVector(self.sizes()), idx, cdt, dt = self.dtype()](
              autograd::FunctionNode&, const variable_list& g) {
            Tensor go = g[0].to(cdt).contiguous();
            Tensor gi = make_tensor(in_shape, cdt, go.device());
            max_pool2d_backward_stub.get(go.device().type())(gi, go, idx);
            gi = gi.to(dt);
            // create_graph: the gradient is linear in g (a scatter); its own gradient gathers.
            if (!autograd::GradMode::is_enabled()) return variable_list{gi};
            if (auto n2 = autograd::make_node(
                    "MaxPool2DWithIndicesBackwardBackward0", {g[0]},
                    [idx](autograd::FunctionNode&, const variable_list& gg) {
                      if (!gg[0].defined()) return variable_list{Tensor()};
                      return variable_list{
                          gather(gg[0].flatten(2), 2, idx.flatten(2)).view(idx.sizes())};
                    }))
              autograd::set_history(gi, n2);
            return variable_list{gi};
          })) {
    autograd::set_history(out, n);
  }
  if (unbatched) return {out.squeeze(0), idx.squeeze(0)};
  return {out, idx};
}

Tensor max_pool2d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(
      max_pool2d_with_indices(self, kernel_size, stride, padding, dilation, ceil_mode));
}

Tensor avg_pool2d(const Tensor& self_, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  Pool2dParams p = pool_params(self_, kernel_size, stride, padding, 1, "avg_pool2d");
  p.count_include_pad = count_include_pad;
  if (divisor_override) {
    EMBER_CHECK(*divisor_override != 0, "[avg_pool2d] divisor must be not zero");
    p.divisor = *divisor_override;
  }
  bool unbatched = self_.dim() == 3;
  Tensor self = unbatched ? self_.unsqueeze(0) : self_;
  int64_t h = self.size(2), w = self.size(3);
  int64_t ho = pooling_output_size(h, p.kernel[0], p.padding[0], p.stride[0], 1, ceil_mode);
  int64_t wo = pooling_output_size(w, p.kernel[1], p.padding[1], p.stride[1], 1, ceil_mode);
  EMBER_CHECK(ho > 0 && wo > 0, "[avg_pool2d] Given input size: (", self.size(1), "x", h, "x", w,
              "). Calculated output size: (", self.size(1), "x", ho, "x", wo,
              "). Output size is too small");
  ScalarType cdt = compute_dtype(self.dtype());
  Tensor x = self.to(cdt).contiguous().detach();
  Tensor out = make_tensor({self.size(0), self.size(1), ho, wo}, cdt, self.device());
  avg_pool2d_stub.get(self.device().type())(out, x, p);
  if (cdt != self.dtype()) out = out.to(self.dtype());
  if (auto n = autograd::make_node(
          "AvgPool2DBackward0", {self},
          [in_shape = DimVector(self.sizes()), p, cdt, dt = self.dtype(), ceil_mode](
              autograd::FunctionNode&, const variable_list& g) {
            Tensor go = g[0].to(cdt).contiguous();
            Tensor gi = make_tensor(in_shape, cdt, go.device());
            avg_pool2d_backward_stub.get(go.device().type())(gi, go, p);
            gi = gi.to(dt);
            // create_graph: the gradient is linear in g; its own gradient is avg_pool2d again.
            if (!autograd::GradMode::is_enabled()) return variable_list{gi};
            if (auto n2 = autograd::make_node(
                    "AvgPool2DBackwardBackward0", {g[0]},
                    [p, ceil_mode](autograd::FunctionNode&, const variable_list& gg) {
                      if (!gg[0].defined()) return variable_list{Tensor()};
                      std::optional<int64_t> div;
                      if (p.divisor != 0) div = p.divisor;
                      return variable_list{avg_pool2d(
                          gg[0], IntArrayRef(p.kernel.data(), 2), IntArrayRef(p.stride.data(), 2),
                          IntArrayRef(p.padding.data(), 2), ceil_mode, p.count_include_pad, div)};
                    }))
              autograd::set_history(gi, n2);
            return variable_list{gi};
          })) {
    autograd::set_history(out, n);
  }
  return unbatched ? out.squeeze(0) : out;
}

}  // namespace ember

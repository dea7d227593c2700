#include "ember/nn/utils.h"

#include <cmath>
#include <limits>
#include <optional>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "ember/ops/ternary.h"

namespace ember {
namespace nn {
namespace utils {

double clip_grad_norm_(std::vector<Tensor> parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  NoGradGuard ng;
  std::vector<Tensor> grads;
  for (const auto& p : parameters)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad().detach());
  if (grads.empty()) return 0.0;
  for (const auto& g : grads)
    EMBER_CHECK(g.device() == grads[0].device(),
                "[clip_grad_norm_] gradients are on different devices: ", grads[0].device(),
                " and ", g.device());
  Tensor total_norm;
  std::vector<Tensor> norms;
  if (norm_type == std::numeric_limits<double>::infinity()) {
    for (const auto& g : grads) norms.push_back(g.abs().max());
    total_norm = norms.size() == 1 ? norms[0] : stack(norms).max();
  } else {
    for (const auto& g : grads) norms.push_back(g.norm(norm_type));
    total_norm = stack(norms).norm(norm_type);
  }
  double total = total_norm.item<double>();
  EMBER_CHECK(!error_if_nonfinite || std::isfinite(total), "[clip_grad_norm_] The total norm of ",
              "order ", norm_type, " for gradients from `parameters` is non-finite, so it cannot ",
              "be clipped. To disable this error and scale the gradients with the non-finite ",
              "norm anyway, set `error_if_nonfinite=false`");
  // Python computes max_norm / x as x.reciprocal() * max_norm.
  Tensor clip_coef = (1.0 / (total_norm + 1e-6)) * max_norm;
  Tensor clip_coef_clamped = clamp(clip_coef, std::nullopt, Scalar(1.0));
  for (auto& g : grads) g.mul_(clip_coef_clamped);
  return total;
}

double clip_grad_norm_(std::initializer_list<Tensor> parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  return clip_grad_norm_(std::vector<Tensor>(parameters), max_norm, norm_type, error_if_nonfinite);
}

double clip_grad_norm_(Tensor parameter, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  return clip_grad_norm_(std::vector<Tensor>{std::move(parameter)}, max_norm, norm_type,
                         error_if_nonfinite);
}

void clip_grad_value_(std::vector<Tensor> parameters, double clip_value) {
  NoGradGuard ng;
  for (const auto& p : parameters)
    if (p.defined() && p.grad().defined()) p.grad().detach().clamp_(-clip_value, clip_value);
}

void clip_grad_value_(std::initializer_list<Tensor> parameters, double clip_value) {
  clip_grad_value_(std::vector<Tensor>(parameters), clip_value);
}

void clip_grad_value_(Tensor parameter, double clip_value) {
  clip_grad_value_(std::vector<Tensor>{std::move(parameter)}, clip_value);
}

namespace {
void check_same_device(const std::vector<Tensor>& parameters, const char* op) {
  for (const auto& p : parameters) {
    EMBER_CHECK(p.defined(), "[", op, "] got an undefined parameter");
    EMBER_CHECK(p.device() == parameters[0].device(), "[", op,
                "] Found two parameters on different devices, this is currently not supported.");
  }
}
}  // namespace

Tensor parameters_to_vector(const std::vector<Tensor>& parameters) {
  check_same_device(parameters, "parameters_to_vector");
  std::vector<Tensor> flat;
  for (const auto& p : parameters) flat.push_back(p.reshape({-1}));
  return cat(flat);
}

void vector_to_parameters(const Tensor& vec, std::vector<Tensor> parameters) {
  check_same_device(parameters, "vector_to_parameters");
  EMBER_CHECK(vec.defined() && vec.dim() == 1,
              "[vector_to_parameters] expected a 1-D vector, got a tensor of shape ",
              vec.defined() ? vec.sizes() : IntArrayRef{});
  int64_t total = 0;
  for (const auto& p : parameters) total += p.numel();
  EMBER_CHECK(vec.numel() == total, "[vector_to_parameters] the vector has ", vec.numel(),
              " elements but the parameters hold ", total);
  int64_t offset = 0;
  for (auto& p : parameters) {
    EMBER_CHECK(p.device() == vec.device() && p.scalar_type() == vec.scalar_type(),
                "[vector_to_parameters] parameter of type ", p.scalar_type(), " on ", p.device(),
                " can't take values from a vector of type ", vec.scalar_type(), " on ",
                vec.device());
    int64_t n = p.numel();
    p.set_data(vec.narrow(0, offset, n).view_as(p).data());
    offset += n;
  }
}

}  // namespace utils
}  // namespace nn
}  // namespace ember

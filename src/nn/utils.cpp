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
#include "src/kernels/optim.h"

namespace ember {
namespace nn {
namespace utils {

namespace {
// The multi-tensor path: 2-norm of contiguous float or double CUDA gradients of one dtype and
// device.
bool foreach_clip_applies(const std::vector<Tensor>& grads, double norm_type) {
  if (norm_type != 2.0 || grads.empty() || !grads[0].is_cuda() ||
      foreach_sum_squares_stub.table[static_cast<int>(kCUDA)] == nullptr ||
      foreach_scale_stub.table[static_cast<int>(kCUDA)] == nullptr)
    return false;
  const ScalarType dt = grads[0].scalar_type();
  if (dt != kFloat && dt != kDouble) return false;
  for (const Tensor& g : grads)
    if (g.scalar_type() != dt || g.device() != grads[0].device() || !g.is_contiguous())
      return false;
  return true;
}
}  // namespace

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
  const bool foreach = foreach_clip_applies(grads, norm_type);
  if (foreach) {
    // CUDA: one launch per 36 gradients for the sums of squares (PyTorch's _foreach_norm), their
    // sum and root, and one launch per 36 to scale them (_foreach_mul_).
    Tensor partial = make_tensor({foreach_chunks(grads)}, kDouble, grads[0].device());
    foreach_sum_squares_stub.get(kCUDA)(partial, grads);
    total_norm = partial.sum().sqrt().to(grads[0].scalar_type());
  } else if (norm_type == std::numeric_limits<double>::infinity()) {
    for (const auto& g : grads) norms.push_back(g.abs().max());
    total_norm = norms.size() == 1 ? norms[0] : stack(norms).max();
  } else {
    for (const auto& g : grads) norms.push_back(g.norm(norm_type));
    total_norm = stack(norms).norm(norm_type);
  }
  auto scale_grads = [&] {
    // Python computes max_norm / x as x.reciprocal() * max_norm.
    Tensor clip_coef = (1.0 / (total_norm + 1e-6)) * max_norm;
    Tensor clip_coef_clamped = clamp(clip_coef, std::nullopt, Scalar(1.0));
    if (foreach) {
      foreach_scale_stub.get(kCUDA)(grads, clip_coef_clamped);
      for (const Tensor& g : grads) g.bump_version();  // as the in-place mul_ would
    } else {
      for (auto& g : grads) g.mul_(clip_coef_clamped);
    }
  };
  // The scaling reads the norm on the device: without the finiteness check it is queued before
  // the wait for the returned value, so the device scales while the host waits.
  if (!error_if_nonfinite) scale_grads();
  double total = total_norm.item<double>();
  if (error_if_nonfinite) {
    EMBER_CHECK(std::isfinite(total), "[clip_grad_norm_] The total norm of order ", norm_type,
                " for gradients from `parameters` is non-finite, so it cannot be clipped. To "
                "disable this error and scale the gradients with the non-finite norm anyway, set "
                "`error_if_nonfinite=false`");
    scale_grads();
  }
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

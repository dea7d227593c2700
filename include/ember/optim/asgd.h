#pragma once
#include "ember/optim/optimizer.h"

namespace ember {
namespace optim {

// Python's torch.optim.ASGD (averaged SGD; not in libtorch 1.13).
struct ASGDOptions : public OptimizerCloneableOptions<ASGDOptions> {
  ASGDOptions(double lr = 1e-2);  // NOLINT: implicit as libtorch's options
  TORCH_ARG(double, lr) = 1e-2;
  TORCH_ARG(double, lambd) = 1e-4;
  TORCH_ARG(double, alpha) = 0.75;
  TORCH_ARG(double, t0) = 1e6;
  TORCH_ARG(double, weight_decay) = 0;
  TORCH_ARG(bool, maximize) = false;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(double lr) override { this->lr(lr); }
};

struct ASGDParamState : public OptimizerCloneableParamState<ASGDParamState> {
  TORCH_ARG(int64_t, step) = 0;
  // Current step size and averaging coefficient, rounded to the default dtype (PyTorch keeps them
  // in 0-dim tensors).
  TORCH_ARG(double, eta) = 0;
  TORCH_ARG(double, mu) = 1;
  // The averaged parameter.
  TORCH_ARG(Tensor, ax);

 public:
  void serialize(serialize::OutputArchive& archive) const override;
  void serialize(const serialize::InputArchive& archive) override;
};

class ASGD : public Optimizer {
 public:
  explicit ASGD(std::vector<OptimizerParamGroup> param_groups, ASGDOptions defaults = {});
  explicit ASGD(std::vector<Tensor> params, ASGDOptions defaults = {})
      : ASGD(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}
  Tensor step(LossClosure closure = nullptr) override;
  std::unique_ptr<OptimizerParamState> make_param_state() const override;
};

}  // namespace optim
}  // namespace ember

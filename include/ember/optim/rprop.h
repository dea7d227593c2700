#pragma once
#include <tuple>

#include "ember/optim/optimizer.h"

namespace ember {
namespace optim {

// Python's torch.optim.Rprop (resilient backpropagation; not in libtorch 1.13).
struct RpropOptions : public OptimizerCloneableOptions<RpropOptions> {
  RpropOptions(double lr = 1e-2);  // NOLINT: implicit as libtorch's options
  TORCH_ARG(double, lr) = 1e-2;
  // (etaminus, etaplus): step size factors when the gradient's sign flips / stays.
  typedef std::tuple<double, double> etas_t;
  TORCH_ARG(etas_t, etas) = std::make_tuple(0.5, 1.2);
  // (minimal, maximal) step size.
  typedef std::tuple<double, double> step_sizes_t;
  TORCH_ARG(step_sizes_t, step_sizes) = std::make_tuple(1e-6, 50.0);
  TORCH_ARG(bool, maximize) = false;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(double lr) override { this->lr(lr); }
};

struct RpropParamState : public OptimizerCloneableParamState<RpropParamState> {
  TORCH_ARG(int64_t, step) = 0;
  TORCH_ARG(Tensor, prev);
  TORCH_ARG(Tensor, step_size);

 public:
  void serialize(serialize::OutputArchive& archive) const override;
  void serialize(const serialize::InputArchive& archive) override;
};

class Rprop : public Optimizer {
 public:
  explicit Rprop(std::vector<OptimizerParamGroup> param_groups, RpropOptions defaults = {});
  explicit Rprop(std::vector<Tensor> params, RpropOptions defaults = {})
      : Rprop(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}
  Tensor step(LossClosure closure = nullptr) override;
  std::unique_ptr<OptimizerParamState> make_param_state() const override;
};

}  // namespace optim
}  // namespace ember

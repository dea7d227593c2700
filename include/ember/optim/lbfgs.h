#pragma once
#include <deque>
#include <optional>
#include <string>
#include <tuple>

#include "ember/optim/optimizer.h"

namespace ember {
namespace optim {

struct LBFGSOptions : public OptimizerCloneableOptions<LBFGSOptions> {
  LBFGSOptions(double lr = 1);  // NOLINT: implicit as libtorch
  TORCH_ARG(double, lr) = 1;
  TORCH_ARG(int64_t, max_iter) = 20;
  // Defaults to max_iter * 5 / 4 (set by the LBFGS constructor).
  TORCH_ARG(std::optional<int64_t>, max_eval) = std::nullopt;
  TORCH_ARG(double, tolerance_grad) = 1e-7;
  TORCH_ARG(double, tolerance_change) = 1e-9;
  TORCH_ARG(int64_t, history_size) = 100;
  // std::nullopt (fixed step lr) or "strong_wolfe".
  TORCH_ARG(std::optional<std::string>, line_search_fn) = std::nullopt;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(double lr) override { this->lr(lr); }
};

// L-BFGS keeps one state for all parameters, stored under the first parameter.
struct LBFGSParamState : public OptimizerCloneableParamState<LBFGSParamState> {
  TORCH_ARG(int64_t, func_evals) = 0;
  TORCH_ARG(int64_t, n_iter) = 0;
  TORCH_ARG(double, t) = 0;
  TORCH_ARG(double, prev_loss) = 0;
  TORCH_ARG(Tensor, d) = {};
  TORCH_ARG(Tensor, H_diag) = {};
  TORCH_ARG(Tensor, prev_flat_grad) = {};
  TORCH_ARG(std::deque<Tensor>, old_dirs);
  TORCH_ARG(std::deque<Tensor>, old_stps);
  TORCH_ARG(std::deque<Tensor>, ro);
  TORCH_ARG(std::optional<std::vector<Tensor>>, al) = std::nullopt;

 public:
  void serialize(serialize::OutputArchive& archive) const override;
  void serialize(const serialize::InputArchive& archive) override;
};

// PyTorch's L-BFGS (after minFunc), with an optional strong-Wolfe line search. step() needs a
// closure that zeroes the gradients, computes the loss, calls backward and returns the loss.
class LBFGS : public Optimizer {
 public:
  explicit LBFGS(std::vector<OptimizerParamGroup> param_groups, LBFGSOptions defaults = {});
  explicit LBFGS(std::vector<Tensor> params, LBFGSOptions defaults = {})
      : LBFGS(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}
  Tensor step(LossClosure closure) override;
  std::unique_ptr<OptimizerParamState> make_param_state() const override;

 private:
  Tensor gather_flat_grad() const;
  void add_grad(double step_size, const Tensor& update);
  std::tuple<double, Tensor> directional_evaluate(const LossClosure& closure,
                                                  const std::vector<Tensor>& x, double t,
                                                  const Tensor& d);
  std::tuple<double, Tensor, double, int64_t> strong_wolfe(const LossClosure& closure,
                                                           const std::vector<Tensor>& x, double t,
                                                           const Tensor& d, double f,
                                                           const Tensor& g, double gtd);
};

}  // namespace optim
}  // namespace ember

#pragma once
// Optimizer base, parameter groups with per-group options, per-parameter state (libtorch's API).
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"

namespace ember {
namespace serialize {
class OutputArchive;
class InputArchive;
}  // namespace serialize
namespace optim {

class OptimizerParamState {
 public:
  virtual ~OptimizerParamState() = default;
  virtual std::unique_ptr<OptimizerParamState> clone() const = 0;
  // Checkpointing of the per-parameter state (buffers, step counts).
  virtual void serialize(serialize::OutputArchive& archive) const;
  virtual void serialize(const serialize::InputArchive& archive);
};

template <class Derived>
class OptimizerCloneableParamState : public OptimizerParamState {
  std::unique_ptr<OptimizerParamState> clone() const override;
};
template <class Derived>
std::unique_ptr<OptimizerParamState> OptimizerCloneableParamState<Derived>::clone() const {
  return std::make_unique<Derived>(static_cast<const Derived&>(*this));
}

class OptimizerOptions {
 public:
  virtual ~OptimizerOptions() = default;
  virtual std::unique_ptr<OptimizerOptions> clone() const = 0;
  virtual double get_lr() const = 0;
  virtual void set_lr(double lr) = 0;
};

template <class Derived>
class OptimizerCloneableOptions : public OptimizerOptions {
 public:
  std::unique_ptr<OptimizerOptions> clone() const override;
};
template <class Derived>
std::unique_ptr<OptimizerOptions> OptimizerCloneableOptions<Derived>::clone() const {
  return std::make_unique<Derived>(static_cast<const Derived&>(*this));
}

class OptimizerParamGroup {
 public:
  OptimizerParamGroup(const OptimizerParamGroup& g)
      : params_(g.params_),
        options_(g.has_options() ? g.options_->clone() : nullptr),
        initial_lr_(g.initial_lr_) {}
  OptimizerParamGroup& operator=(const OptimizerParamGroup& g) {
    params_ = g.params_;
    options_ = g.has_options() ? g.options_->clone() : nullptr;
    initial_lr_ = g.initial_lr_;
    return *this;
  }
  OptimizerParamGroup(std::vector<Tensor> params) : params_(std::move(params)) {}
  OptimizerParamGroup(std::vector<Tensor> params, std::unique_ptr<OptimizerOptions> options)
      : params_(std::move(params)), options_(std::move(options)) {}

  bool has_options() const { return options_ != nullptr; }
  OptimizerOptions& options() {
    EMBER_CHECK(has_options(), "[optim] parameter group has no options");
    return *options_;
  }
  const OptimizerOptions& options() const {
    EMBER_CHECK(has_options(), "[optim] parameter group has no options");
    return *options_;
  }
  void set_options(std::unique_ptr<OptimizerOptions> options) { options_ = std::move(options); }
  std::vector<Tensor>& params() { return params_; }
  const std::vector<Tensor>& params() const { return params_; }
  // The lr before any scheduler changed it (Python's group['initial_lr'], set once).
  std::optional<double>& initial_lr() { return initial_lr_; }

 private:
  std::vector<Tensor> params_;
  std::unique_ptr<OptimizerOptions> options_;
  std::optional<double> initial_lr_;
};

class Optimizer {
 public:
  using LossClosure = std::function<Tensor()>;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;
  virtual ~Optimizer() = default;

  void add_param_group(const OptimizerParamGroup& group);
  virtual Tensor step(LossClosure closure = nullptr) = 0;
  void zero_grad(bool set_to_none = true);
  const std::vector<Tensor>& parameters() const noexcept;
  std::vector<Tensor>& parameters() noexcept;
  size_t size() const noexcept;
  OptimizerOptions& defaults() noexcept { return *defaults_; }
  const OptimizerOptions& defaults() const noexcept { return *defaults_; }
  std::vector<OptimizerParamGroup>& param_groups() noexcept { return param_groups_; }
  const std::vector<OptimizerParamGroup>& param_groups() const noexcept { return param_groups_; }
  // Per-parameter state, keyed by the parameter's TensorImpl (libtorch keys by its address).
  std::unordered_map<void*, std::unique_ptr<OptimizerParamState>>& state() noexcept {
    return state_;
  }
  const std::unordered_map<void*, std::unique_ptr<OptimizerParamState>>& state() const noexcept {
    return state_;
  }
  // A fresh per-parameter state of this optimizer's type (for loading checkpoints).
  virtual std::unique_ptr<OptimizerParamState> make_param_state() const { return nullptr; }
  void set_param_state(const Tensor& p, std::unique_ptr<OptimizerParamState> s) {
    state_[p.unsafeGetTensorImpl()] = std::move(s);
  }

 protected:
  Optimizer(std::vector<OptimizerParamGroup> param_groups,
            std::unique_ptr<OptimizerOptions> defaults);
  template <class State>
  State* state_of(const Tensor& p) {
    auto it = state_.find(p.unsafeGetTensorImpl());
    return it == state_.end() ? nullptr : static_cast<State*>(it->second.get());
  }
  template <class State>
  State& init_state(const Tensor& p) {
    auto s = std::make_unique<State>();
    State& r = *s;
    state_[p.unsafeGetTensorImpl()] = std::move(s);
    return r;
  }

  std::vector<OptimizerParamGroup> param_groups_;
  std::unordered_map<void*, std::unique_ptr<OptimizerParamState>> state_;
  std::unique_ptr<OptimizerOptions> defaults_;
  mutable std::vector<Tensor> all_params_;
};

}  // namespace optim
}  // namespace ember

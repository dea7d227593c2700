#pragma once
// Learning-rate schedulers with libtorch's class names and PyTorch's (Python) step semantics: the
// constructor applies epoch 0, each step() advances one epoch and sets every group's lr, so the
// sequence of learning rates equals torch.optim.lr_scheduler's, step for step.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ember/optim/optimizer.h"

namespace ember {
namespace optim {

class LRScheduler {
 public:
  explicit LRScheduler(Optimizer& optimizer);
  virtual ~LRScheduler() = default;
  virtual void step();
  std::vector<double> get_last_lr() const { return last_lrs_; }
  int64_t last_epoch() const { return last_epoch_; }
  Optimizer& optimizer() { return optimizer_; }

 protected:
  // Learning rates for last_epoch_ (PyTorch's chainable get_lr()).
  virtual std::vector<double> get_lrs() = 0;
  std::vector<double> get_current_lrs() const;
  void set_lrs(const std::vector<double>& lrs);
  // PyTorch's _initial_step: derived constructors call it once they are set up.
  void initial_step();

  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  std::vector<double> last_lrs_;
  int64_t last_epoch_ = -1;
  unsigned step_count_ = 0;

  friend class SequentialLR;
  friend class ChainedScheduler;
};

class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, unsigned step_size, double gamma = 0.1);

 protected:
  std::vector<double> get_lrs() override;
  unsigned step_size_;
  double gamma_;
};

class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);

 protected:
  std::vector<double> get_lrs() override;
  std::vector<int64_t> milestones_;
  double gamma_;
};

class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);

 protected:
  std::vector<double> get_lrs() override;
  double gamma_;
};

class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0);

 protected:
  std::vector<double> get_lrs() override;
  int64_t T_max_;
  double eta_min_;
};

class CosineAnnealingWarmRestarts : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t T_0, int64_t T_mult = 1,
                              double eta_min = 0);
  void step() override;

 protected:
  std::vector<double> get_lrs() override;
  int64_t T_0_, T_i_, T_mult_;
  double eta_min_;
  double T_cur_ = 0;
};

class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0,
           int64_t total_iters = 5);

 protected:
  std::vector<double> get_lrs() override;
  double start_factor_, end_factor_;
  int64_t total_iters_;
};

class ConstantLR : public LRScheduler {
 public:
  ConstantLR(Optimizer& optimizer, double factor = 1.0 / 3, int64_t total_iters = 5);

 protected:
  std::vector<double> get_lrs() override;
  double factor_;
  int64_t total_iters_;
};

class LambdaLR : public LRScheduler {
 public:
  using Lambda = std::function<double(int64_t epoch)>;
  LambdaLR(Optimizer& optimizer, Lambda lambda);
  LambdaLR(Optimizer& optimizer, std::vector<Lambda> lambdas);

 protected:
  std::vector<double> get_lrs() override;
  std::vector<Lambda> lambdas_;
};

class MultiplicativeLR : public LRScheduler {
 public:
  using Lambda = std::function<double(int64_t epoch)>;
  MultiplicativeLR(Optimizer& optimizer, Lambda lambda);

 protected:
  std::vector<double> get_lrs() override;
  Lambda lambda_;
};

class PolynomialLR : public LRScheduler {
 public:
  PolynomialLR(Optimizer& optimizer, int64_t total_iters = 5, double power = 1.0);

 protected:
  std::vector<double> get_lrs() override;
  int64_t total_iters_;
  double power_;
};

// One-cycle policy (cosine or linear annealing, three_phase optional). Momentum cycling is not
// applied (ember's optimizers expose no momentum in their options yet).
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, double max_lr, int64_t total_steps, double pct_start = 0.3,
             std::string anneal_strategy = "cos", double div_factor = 25.0,
             double final_div_factor = 1e4, bool three_phase = false);

 protected:
  std::vector<double> get_lrs() override;
  struct Phase {
    double end_step;
    double start_lr_factor;  // multiples of initial_lr / of max_lr, resolved per group
    int start, end;          // 0: initial, 1: max, 2: min
  };
  std::vector<Phase> phases_;
  std::vector<double> initial_lrs_, max_lrs_, min_lrs_;
  int64_t total_steps_;
  bool cos_;
};

class CyclicLR : public LRScheduler {
 public:
  CyclicLR(Optimizer& optimizer, double base_lr, double max_lr, int64_t step_size_up = 2000,
           std::optional<int64_t> step_size_down = std::nullopt, std::string mode = "triangular",
           double gamma = 1.0);

 protected:
  std::vector<double> get_lrs() override;
  double base_lr_, max_lr_, total_size_, step_ratio_, gamma_;
  std::string mode_;
};

// Runs `schedulers` one after the other, switching at `milestones`.
class SequentialLR : public LRScheduler {
 public:
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
               std::vector<int64_t> milestones);
  void step() override;

 protected:
  std::vector<double> get_lrs() override { return get_current_lrs(); }
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<int64_t> milestones_;
};

// Steps every scheduler at once (their factors multiply).
class ChainedScheduler : public LRScheduler {
 public:
  explicit ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers);
  void step() override;

 protected:
  std::vector<double> get_lrs() override { return get_current_lrs(); }
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
};

// libtorch's ReduceLROnPlateauScheduler with Python's semantics.
class ReduceLROnPlateauScheduler {
 public:
  enum SchedulerMode { min, max };
  enum ThresholdMode { rel, abs };
  explicit ReduceLROnPlateauScheduler(Optimizer& optimizer, SchedulerMode mode = min,
                                      float factor = 0.1, int patience = 10,
                                      double threshold = 1e-4, ThresholdMode threshold_mode = rel,
                                      int cooldown = 0,
                                      const std::vector<float>& min_lr = std::vector<float>(),
                                      double eps = 1e-8, bool verbose = false);
  void step(float metric);
  std::vector<double> get_last_lr() const;

 private:
  bool is_better(double a) const;
  Optimizer& optimizer_;
  SchedulerMode mode_;
  double factor_;
  int patience_;
  double threshold_;
  ThresholdMode threshold_mode_;
  int cooldown_;
  int cooldown_counter_ = 0;
  std::vector<double> min_lrs_;
  double eps_;
  double best_;
  int num_bad_epochs_ = 0;
  int64_t last_epoch_ = 0;
};

}  // namespace optim
}  // namespace ember

// Learning-rate schedulers: PyTorch's chainable formulas (torch/optim/lr_scheduler.py).
#include "ember/optim/schedulers.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ember {
namespace optim {

namespace {
int64_t py_mod(int64_t a, int64_t b) {
  int64_t r = a % b;
  return r < 0 ? r + b : r;
}
}  // namespace

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  for (auto& g : optimizer_.param_groups()) {
    if (!g.initial_lr()) g.initial_lr() = g.options().get_lr();
    base_lrs_.push_back(*g.initial_lr());
  }
}

std::vector<double> LRScheduler::get_current_lrs() const {
  std::vector<double> lrs;
  for (const auto& g : optimizer_.param_groups()) lrs.push_back(g.options().get_lr());
  return lrs;
}

void LRScheduler::set_lrs(const std::vector<double>& lrs) {
  auto& groups = optimizer_.param_groups();
  EMBER_CHECK(lrs.size() == groups.size(), "[LRScheduler] expected ", groups.size(),
              " learning rates, got ", lrs.size());
  for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(lrs[i]);
  last_lrs_ = lrs;
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

void LRScheduler::step() {
  ++step_count_;
  ++last_epoch_;
  set_lrs(get_lrs());
}

StepLR::StepLR(Optimizer& optimizer, unsigned step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  EMBER_CHECK(step_size > 0, "[StepLR] step_size must be positive");
  initial_step();
}
std::vector<double> StepLR::get_lrs() {
  auto lrs = get_current_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (auto& lr : lrs) lr *= gamma_;
  return lrs;
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LRScheduler(optimizer), milestones_(std::move(milestones)), gamma_(gamma) {
  initial_step();
}
std::vector<double> MultiStepLR::get_lrs() {
  auto lrs = get_current_lrs();
  int64_t hits = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (hits == 0) return lrs;
  for (auto& lr : lrs) lr *= std::pow(gamma_, static_cast<double>(hits));
  return lrs;
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma)
    : LRScheduler(optimizer), gamma_(gamma) {
  initial_step();
}
std::vector<double> ExponentialLR::get_lrs() {
  auto lrs = get_current_lrs();
  if (last_epoch_ == 0) return lrs;
  for (auto& lr : lrs) lr *= gamma_;
  return lrs;
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer), T_max_(T_max), eta_min_(eta_min) {
  EMBER_CHECK(T_max > 0, "[CosineAnnealingLR] T_max must be positive");
  initial_step();
}
std::vector<double> CosineAnnealingLR::get_lrs() {
  auto lrs = get_current_lrs();
  if (last_epoch_ == 0) return lrs;
  double T = static_cast<double>(T_max_), e = static_cast<double>(last_epoch_);
  for (size_t i = 0; i < lrs.size(); ++i) {
    if (py_mod(last_epoch_ - 1 - T_max_, 2 * T_max_) == 0) {
      lrs[i] = lrs[i] + (base_lrs_[i] - eta_min_) * (1 - std::cos(M_PI / T)) / 2;
    } else {
      lrs[i] =
          (1 + std::cos(M_PI * e / T)) / (1 + std::cos(M_PI * (e - 1) / T)) * (lrs[i] - eta_min_) +
          eta_min_;
    }
  }
  return lrs;
}

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t T_0,
                                                         int64_t T_mult, double eta_min)
    : LRScheduler(optimizer), T_0_(T_0), T_i_(T_0), T_mult_(T_mult), eta_min_(eta_min) {
  EMBER_CHECK(T_0 > 0, "[CosineAnnealingWarmRestarts] Expected positive integer T_0, but got ",
              T_0);
  EMBER_CHECK(T_mult >= 1, "[CosineAnnealingWarmRestarts] Expected integer T_mult >= 1, but got ",
              T_mult);
  T_cur_ = -1;
  initial_step();
}
void CosineAnnealingWarmRestarts::step() {
  ++step_count_;
  if (last_epoch_ < 0) {
    T_i_ = T_0_;
    T_cur_ = 0;
    last_epoch_ = 0;
  } else {
    ++last_epoch_;
    T_cur_ += 1;
    if (T_cur_ >= static_cast<double>(T_i_)) {
      T_cur_ -= static_cast<double>(T_i_);
      T_i_ *= T_mult_;
    }
  }
  set_lrs(get_lrs());
}
std::vector<double> CosineAnnealingWarmRestarts::get_lrs() {
  std::vector<double> lrs;
  for (double b : base_lrs_)
    lrs.push_back(eta_min_ +
                  (b - eta_min_) * (1 + std::cos(M_PI * T_cur_ / static_cast<double>(T_i_))) / 2);
  return lrs;
}

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor,
                   int64_t total_iters)
    : LRScheduler(optimizer),
      start_factor_(start_factor),
      end_factor_(end_factor),
      total_iters_(total_iters) {
  EMBER_CHECK(start_factor > 0 && start_factor <= 1,
              "[LinearLR] Starting multiplicative factor "
              "expected to be greater than 0 and less or equal to 1.");
  EMBER_CHECK(end_factor >= 0 && end_factor <= 1,
              "[LinearLR] Ending multiplicative factor "
              "expected to be between 0 and 1.");
  initial_step();
}
std::vector<double> LinearLR::get_lrs() {
  auto lrs = get_current_lrs();
  if (last_epoch_ == 0) {
    for (auto& lr : lrs) lr *= start_factor_;
    return lrs;
  }
  if (last_epoch_ > total_iters_) return lrs;
  double f = 1. + (end_factor_ - start_factor_) /
                      (static_cast<double>(total_iters_) * start_factor_ +
                       static_cast<double>(last_epoch_ - 1) * (end_factor_ - start_factor_));
  for (auto& lr : lrs) lr *= f;
  return lrs;
}

ConstantLR::ConstantLR(Optimizer& optimizer, double factor, int64_t total_iters)
    : LRScheduler(optimizer), factor_(factor), total_iters_(total_iters) {
  EMBER_CHECK(factor >= 0 && factor <= 1,
              "[ConstantLR] Constant multiplicative factor expected "
              "to be between 0 and 1.");
  initial_step();
}
std::vector<double> ConstantLR::get_lrs() {
  auto lrs = get_current_lrs();
  if (last_epoch_ == 0) {
    for (auto& lr : lrs) lr *= factor_;
  } else if (last_epoch_ == total_iters_) {
    for (auto& lr : lrs) lr *= 1.0 / factor_;
  }
  return lrs;
}

LambdaLR::LambdaLR(Optimizer& optimizer, Lambda lambda)
    : LambdaLR(optimizer, std::vector<Lambda>(optimizer.param_groups().size(), lambda)) {}
LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<Lambda> lambdas)
    : LRScheduler(optimizer), lambdas_(std::move(lambdas)) {
  EMBER_CHECK(lambdas_.size() == base_lrs_.size(), "[LambdaLR] Expected ", base_lrs_.size(),
              " lr_lambdas, but got ", lambdas_.size());
  initial_step();
}
std::vector<double> LambdaLR::get_lrs() {
  std::vector<double> lrs;
  for (size_t i = 0; i < base_lrs_.size(); ++i)
    lrs.push_back(base_lrs_[i] * lambdas_[i](last_epoch_));
  return lrs;
}

MultiplicativeLR::MultiplicativeLR(Optimizer& optimizer, Lambda lambda)
    : LRScheduler(optimizer), lambda_(std::move(lambda)) {
  initial_step();
}
std::vector<double> MultiplicativeLR::get_lrs() {
  auto lrs = get_current_lrs();
  if (last_epoch_ > 0)
    for (auto& lr : lrs) lr *= lambda_(last_epoch_);
  return lrs;
}

PolynomialLR::PolynomialLR(Optimizer& optimizer, int64_t total_iters, double power)
    : LRScheduler(optimizer), total_iters_(total_iters), power_(power) {
  initial_step();
}
std::vector<double> PolynomialLR::get_lrs() {
  auto lrs = get_current_lrs();
  if (last_epoch_ == 0 || last_epoch_ > total_iters_) return lrs;
  double T = static_cast<double>(total_iters_), e = static_cast<double>(last_epoch_);
  double f = std::pow((1.0 - e / T) / (1.0 - (e - 1) / T), power_);
  for (auto& lr : lrs) lr *= f;
  return lrs;
}

OneCycleLR::OneCycleLR(Optimizer& optimizer, double max_lr, int64_t total_steps, double pct_start,
                       std::string anneal_strategy, double div_factor, double final_div_factor,
                       bool three_phase)
    : LRScheduler(optimizer), total_steps_(total_steps), cos_(anneal_strategy == "cos") {
  EMBER_CHECK(total_steps > 0, "[OneCycleLR] Expected positive integer total_steps, but got ",
              total_steps);
  EMBER_CHECK(pct_start >= 0 && pct_start <= 1,
              "[OneCycleLR] Expected float between 0 and 1 "
              "pct_start, but got ",
              pct_start);
  EMBER_CHECK(anneal_strategy == "cos" || anneal_strategy == "linear",
              "[OneCycleLR] "
              "anneal_strategy must by one of 'cos' or 'linear', instead got ",
              anneal_strategy);
  double T = static_cast<double>(total_steps);
  if (three_phase) {
    phases_ = {{pct_start * T - 1, 0, 0, 1}, {2 * pct_start * T - 2, 0, 1, 0}, {T - 1, 0, 0, 2}};
  } else {
    phases_ = {{pct_start * T - 1, 0, 0, 1}, {T - 1, 0, 1, 2}};
  }
  auto& groups = optimizer_.param_groups();
  base_lrs_.clear();
  for (auto& g : groups) {
    double initial = max_lr / div_factor;
    g.initial_lr() = initial;
    g.options().set_lr(initial);
    initial_lrs_.push_back(initial);
    max_lrs_.push_back(max_lr);
    min_lrs_.push_back(initial / final_div_factor);
    base_lrs_.push_back(initial);
  }
  initial_step();
}
std::vector<double> OneCycleLR::get_lrs() {
  double step = static_cast<double>(last_epoch_);
  EMBER_CHECK(last_epoch_ <= total_steps_, "[OneCycleLR] Tried to step ", last_epoch_,
              " times. The specified number of total steps is ", total_steps_);
  std::vector<double> lrs;
  for (size_t g = 0; g < initial_lrs_.size(); ++g) {
    const double vals[3] = {initial_lrs_[g], max_lrs_[g], min_lrs_[g]};
    double start_step = 0, lr = 0;
    for (size_t i = 0; i < phases_.size(); ++i) {
      const Phase& p = phases_[i];
      if (step <= p.end_step || i == phases_.size() - 1) {
        double pct = (step - start_step) / (p.end_step - start_step);
        double a = vals[p.start], b = vals[p.end];
        lr = cos_ ? b + (a - b) / 2.0 * (std::cos(M_PI * pct) + 1) : (b - a) * pct + a;
        break;
      }
      start_step = p.end_step;
    }
    lrs.push_back(lr);
  }
  return lrs;
}

CyclicLR::CyclicLR(Optimizer& optimizer, double base_lr, double max_lr, int64_t step_size_up,
                   std::optional<int64_t> step_size_down, std::string mode, double gamma)
    : LRScheduler(optimizer),
      base_lr_(base_lr),
      max_lr_(max_lr),
      gamma_(gamma),
      mode_(std::move(mode)) {
  EMBER_CHECK(mode_ == "triangular" || mode_ == "triangular2" || mode_ == "exp_range",
              "[CyclicLR] mode is invalid and scale_fn is None");
  double up = static_cast<double>(step_size_up);
  double down = step_size_down ? static_cast<double>(*step_size_down) : up;
  total_size_ = up + down;
  step_ratio_ = up / total_size_;
  base_lrs_.clear();
  for (auto& g : optimizer_.param_groups()) {
    g.initial_lr() = base_lr;
    g.options().set_lr(base_lr);
    base_lrs_.push_back(base_lr);
  }
  initial_step();
}
std::vector<double> CyclicLR::get_lrs() {
  double e = static_cast<double>(last_epoch_);
  double cycle = std::floor(1 + e / total_size_);
  double x = 1. + e / total_size_ - cycle;
  double scale = x <= step_ratio_ ? x / step_ratio_ : (x - 1) / (step_ratio_ - 1);
  double height = (max_lr_ - base_lr_) * scale;
  double f = mode_ == "triangular"    ? 1.0
             : mode_ == "triangular2" ? 1 / std::pow(2.0, cycle - 1)
                                      : std::pow(gamma_, e);
  return std::vector<double>(base_lrs_.size(), base_lr_ + height * f);
}

SequentialLR::SequentialLR(Optimizer& optimizer,
                           std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<int64_t> milestones)
    : LRScheduler(optimizer),
      schedulers_(std::move(schedulers)),
      milestones_(std::move(milestones)) {
  EMBER_CHECK(!schedulers_.empty(), "[SequentialLR] expects at least one scheduler");
  EMBER_CHECK(milestones_.size() == schedulers_.size() - 1,
              "[SequentialLR] Sequential "
              "Schedulers expects number of schedulers provided to be one more than the number "
              "of milestone points, but got number of schedulers ",
              schedulers_.size(), " and the number of milestones to be equal to ",
              milestones_.size());
  for (auto& s : schedulers_)
    EMBER_CHECK(&s->optimizer_ == &optimizer_,
                "[SequentialLR] all schedulers must belong to "
                "the same optimizer");
  last_epoch_ = 0;
  // Back to the initial lrs, undo the schedulers' own initial steps, redo only the first's.
  set_lrs(base_lrs_);
  for (auto& s : schedulers_) s->last_epoch_ -= 1;
  schedulers_[0]->initial_step();
  last_lrs_ = schedulers_[0]->get_last_lr();
}
void SequentialLR::step() {
  ++last_epoch_;
  size_t idx =
      std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();
  auto& s = schedulers_[idx];
  if (idx > 0 && milestones_[idx - 1] == last_epoch_) {
    // step(0): the scheduler restarts at its epoch-0 value from the initial lrs.
    s->set_lrs(s->base_lrs_);
    s->last_epoch_ = -1;
    s->initial_step();
  } else {
    s->step();
  }
  last_lrs_ = s->get_last_lr();
}

ChainedScheduler::ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers)
    : LRScheduler(schedulers.at(0)->optimizer()), schedulers_(std::move(schedulers)) {
  last_epoch_ = 0;
  last_lrs_ = schedulers_.back()->get_last_lr();
}
void ChainedScheduler::step() {
  for (auto& s : schedulers_) s->step();
  last_lrs_ = schedulers_.back()->get_last_lr();
}

ReduceLROnPlateauScheduler::ReduceLROnPlateauScheduler(Optimizer& optimizer, SchedulerMode mode,
                                                       float factor, int patience, double threshold,
                                                       ThresholdMode threshold_mode, int cooldown,
                                                       const std::vector<float>& min_lr, double eps,
                                                       bool)
    : optimizer_(optimizer),
      mode_(mode),
      factor_(factor),
      patience_(patience),
      threshold_(threshold),
      threshold_mode_(threshold_mode),
      cooldown_(cooldown),
      eps_(eps) {
  EMBER_CHECK(factor < 1.0, "[ReduceLROnPlateau] Factor should be < 1.0.");
  size_t n = optimizer.param_groups().size();
  if (min_lr.empty()) {
    min_lrs_.assign(n, 0.0);
  } else if (min_lr.size() == 1) {
    min_lrs_.assign(n, min_lr[0]);
  } else {
    EMBER_CHECK(min_lr.size() == n, "[ReduceLROnPlateau] expected ", n, " min_lrs, got ",
                min_lr.size());
    min_lrs_.assign(min_lr.begin(), min_lr.end());
  }
  best_ = mode == min ? std::numeric_limits<double>::infinity()
                      : -std::numeric_limits<double>::infinity();
}

bool ReduceLROnPlateauScheduler::is_better(double a) const {
  if (mode_ == min) {
    return threshold_mode_ == rel ? a < best_ * (1 - threshold_) : a < best_ - threshold_;
  }
  return threshold_mode_ == rel ? a > best_ * (threshold_ + 1) : a > best_ + threshold_;
}

void ReduceLROnPlateauScheduler::step(float metric) {
  double current = metric;
  ++last_epoch_;
  if (is_better(current)) {
    best_ = current;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;
  }
  if (num_bad_epochs_ > patience_) {
    auto& groups = optimizer_.param_groups();
    for (size_t i = 0; i < groups.size(); ++i) {
      double old_lr = groups[i].options().get_lr();
      double new_lr = std::max(old_lr * factor_, min_lrs_[i]);
      if (old_lr - new_lr > eps_) groups[i].options().set_lr(new_lr);
    }
    cooldown_counter_ = cooldown_;
    num_bad_epochs_ = 0;
  }
}

std::vector<double> ReduceLROnPlateauScheduler::get_last_lr() const {
  std::vector<double> lrs;
  for (const auto& g : optimizer_.param_groups()) lrs.push_back(g.options().get_lr());
  return lrs;
}

}  // namespace optim
}  // namespace ember

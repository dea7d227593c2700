#pragma once
// Thread-local switches: grad mode (NoGradGuard, AutoGradMode, InferenceMode) and anomaly mode.
namespace ember {
namespace autograd {

struct GradMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

struct AutoGradMode {
  explicit AutoGradMode(bool enabled) : prev_(GradMode::is_enabled()) {
    GradMode::set_enabled(enabled);
  }
  ~AutoGradMode() { GradMode::set_enabled(prev_); }
  AutoGradMode(const AutoGradMode&) = delete;
  AutoGradMode& operator=(const AutoGradMode&) = delete;

 private:
  bool prev_;
};

struct NoGradGuard : AutoGradMode {
  NoGradGuard() : AutoGradMode(false) {}
};

// ember treats inference mode as no-grad (no version-counter elision yet).
struct InferenceMode : AutoGradMode {
  explicit InferenceMode(bool enabled = true) : AutoGradMode(!enabled) {}
  static bool is_enabled();
};

struct AnomalyMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

// While alive, backward checks every gradient for NaN and names the forward op that made it.
struct DetectAnomalyGuard {
  DetectAnomalyGuard() : prev_(AnomalyMode::is_enabled()) { AnomalyMode::set_enabled(true); }
  ~DetectAnomalyGuard() { AnomalyMode::set_enabled(prev_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace autograd

using autograd::AutoGradMode;
using autograd::InferenceMode;
using autograd::NoGradGuard;

}  // namespace ember

#pragma once
// The autocast hook an op calls first. See Note [Autocast] in src/amp/autocast.cpp.
//
//   Tensor mm(const Tensor& self, const Tensor& mat2) {
//     EMBER_AUTOCAST(lower, lower, mm, self, mat2);   // CPU policy, CUDA policy, op, its args
//     ...
//
// Off (the normal case) it is one thread-local bool load. On, it casts the op's Tensor,
// optional<Tensor> and TensorList arguments by the policy of the device the op runs on and
// calls the op again with autocast excluded, so that the op's body and the ops it calls see
// the cast inputs and are not cast again (as PyTorch's Autocast dispatch key).
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/amp/autocast.h"
#include "ember/core/tensor.h"

namespace ember {
namespace autocast {

enum class CastPolicy : uint8_t {
  none,         // no cast on this device; the op's body runs with autocast excluded (PyTorch
                // runs it as one kernel; ember may build it from matmul/conv: upsample, mv)
  fallthrough,  // not an autocast op on this device and composite in PyTorch: the ops it calls
                // are autocast as usual (the RNN cells on CPU)
  lower,        // floating inputs to the device's autocast dtype (bf16 / fp16)
  fp32,         // floating inputs to float32
  promote,      // floating inputs to the widest floating input type
  banned,       // refuses to run under autocast (binary_cross_entropy on CUDA)
  fp32_set_opt_dtype,  // an eligible first tensor and no dtype= given: dtype=float32 (sum,
                       // softmax, cumsum, ...); inputs are not cast
  fp32_append_dtype,   // an eligible first tensor: the op's overload with a trailing dtype,
                       // called with float32 (norm)
};

namespace detail {

// True while autocast is on for some device on this thread and not excluded.
extern constinit thread_local bool t_active EMBER_TLS_HOT;
inline bool active() { return t_active; }
// Set by run() for a fallthrough op: the op's own hook lets it pass once.
extern constinit thread_local bool t_skip_once EMBER_TLS_HOT;
inline bool take_skip() {
  bool s = t_skip_once;
  t_skip_once = false;
  return s;
}

// Excludes autocast for the op body (restores on exit).
struct ExcludeGuard {
  ExcludeGuard();
  ~ExcludeGuard();
  ExcludeGuard(const ExcludeGuard&) = delete;
  ExcludeGuard& operator=(const ExcludeGuard&) = delete;
};

// Whose lists and settings apply to an op whose tensors live on `d`: d itself, or kCUDA for
// CPU tensors while set_cuda_lists_on_cpu(true) (tests only: CUDA's lists checked without a
// GPU, on CPU tensors).
DeviceType lists_device(DeviceType d);
void set_cuda_lists_on_cpu(bool on);
bool enabled_for(DeviceType lists);
ScalarType lower_dtype(DeviceType lists);
bool is_eligible(const Tensor& t, DeviceType d);
Tensor cached_cast(ScalarType to, const Tensor& t, DeviceType d);
ScalarType prioritize(ScalarType current, const Tensor& t, DeviceType d);
[[noreturn]] void banned(const char* op);

// The device of the first defined tensor argument.
inline void find_device(std::optional<DeviceType>& d, const Tensor& t) {
  if (!d && t.defined()) d = t.device().type();
}
inline void find_device(std::optional<DeviceType>& d, const std::optional<Tensor>& t) {
  if (t) find_device(d, *t);
}
inline void find_device(std::optional<DeviceType>& d, TensorList ts) {
  for (const Tensor& t : ts) find_device(d, t);
}
template <class T>
void find_device(std::optional<DeviceType>&, const T&) {}

inline ScalarType prioritize_arg(ScalarType c, const Tensor& t, DeviceType d) {
  return prioritize(c, t, d);
}
inline ScalarType prioritize_arg(ScalarType c, const std::optional<Tensor>& t, DeviceType d) {
  return t ? prioritize(c, *t, d) : c;
}
inline ScalarType prioritize_arg(ScalarType c, TensorList ts, DeviceType d) {
  for (const Tensor& t : ts) c = prioritize(c, t, d);
  return c;
}
template <class T>
ScalarType prioritize_arg(ScalarType c, const T&, DeviceType) {
  return c;
}

// The first tensor argument (PyTorch's firstarg_is_eligible): eligible or not.
inline void first_eligible(std::optional<bool>& e, const Tensor& t, DeviceType d) {
  if (!e) e = is_eligible(t, d);
}
template <class T>
void first_eligible(std::optional<bool>&, const T&, DeviceType) {}

// dtype= of a set_opt_dtype op: float32 unless the caller gave one.
inline std::optional<ScalarType> opt_dtype_arg(const std::optional<ScalarType>& t) {
  return t ? t : std::optional<ScalarType>(kFloat);
}
template <class T>
const T& opt_dtype_arg(const T& a) {
  return a;
}

inline Tensor cast_arg(const Tensor& t, ScalarType to, DeviceType d) {
  return cached_cast(to, t, d);
}
inline std::optional<Tensor> cast_arg(const std::optional<Tensor>& t, ScalarType to, DeviceType d) {
  if (!t) return t;
  return cached_cast(to, *t, d);
}
inline std::vector<Tensor> cast_arg(TensorList ts, ScalarType to, DeviceType d) {
  std::vector<Tensor> out;
  out.reserve(ts.size());
  for (const Tensor& t : ts) out.push_back(cached_cast(to, t, d));
  return out;
}
template <class T>
const T& cast_arg(const T& a, ScalarType, DeviceType) {
  return a;
}

template <class Fn, class... Args>
auto run(CastPolicy cpu, CastPolicy cuda, const char* op, Fn&& fn, const Args&... args)
    -> decltype(fn(args...)) {
  std::optional<DeviceType> dev;
  (find_device(dev, args), ...);
  DeviceType d = dev.value_or(kCPU);  // where the tensors are
  DeviceType lists = lists_device(d);
  CastPolicy p = lists == kCUDA ? cuda : cpu;
  if (p == CastPolicy::fallthrough || (p != CastPolicy::none && !enabled_for(lists))) {
    t_skip_once = true;  // run the op as if it had no hook
    return fn(args...);
  }
  ExcludeGuard exclude;
  if (p == CastPolicy::none) return fn(args...);
  ScalarType to = kFloat;
  switch (p) {
    case CastPolicy::lower:
      to = lower_dtype(lists);
      break;
    case CastPolicy::promote:
      to = lower_dtype(lists);
      ((to = prioritize_arg(to, args, d)), ...);
      break;
    case CastPolicy::banned:
      banned(op);
    case CastPolicy::fp32_set_opt_dtype:
    case CastPolicy::fp32_append_dtype: {
      std::optional<bool> eligible;
      (first_eligible(eligible, args, d), ...);
      if (!eligible.value_or(false)) return fn(args...);
      if (p == CastPolicy::fp32_set_opt_dtype) return fn(opt_dtype_arg(args)...);
      if constexpr (std::is_invocable_v<Fn&, const Args&..., ScalarType>) {
        return fn(args..., kFloat);
      } else {
        EMBER_ERROR("[", op, "] has no overload with a dtype for autocast to append");
      }
      break;
    }
    default:
      break;
  }
  return fn(cast_arg(args, to, d)...);
}

}  // namespace detail
}  // namespace autocast
}  // namespace ember

// First line of an op on an autocast list: CPU and CUDA policies (none, fallthrough, lower,
// fp32, promote, banned, fp32_set_opt_dtype, fp32_append_dtype), the op's name (called again with
// the cast arguments) and its arguments.
#define EMBER_AUTOCAST(CPU, CUDA, OP, ...)                                          \
  if (EMBER_UNLIKELY(::ember::autocast::detail::active()) &&                        \
      !::ember::autocast::detail::take_skip())                                      \
  return ::ember::autocast::detail::run(                                            \
      ::ember::autocast::CastPolicy::CPU, ::ember::autocast::CastPolicy::CUDA, #OP, \
      [&](auto&&... a_) -> decltype(OP(std::forward<decltype(a_)>(a_)...)) {        \
        return OP(std::forward<decltype(a_)>(a_)...);                               \
      },                                                                            \
      __VA_ARGS__)

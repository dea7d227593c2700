// Autocast state (thread-local), the cast cache and the casts behind EMBER_AUTOCAST.
//
// Note [Autocast]
// PyTorch routes every op through an Autocast dispatch key; ember has no dispatcher, so each op
// on an autocast list starts with EMBER_AUTOCAST(cpu_policy, cuda_policy, op, args...) (see
// src/amp/autocast_hook.h). The hook tests one thread-local bool (t_active), so ops cost nothing
// extra outside autocast. Inside, it casts the arguments for the device the op runs on and calls
// the op again with autocast excluded: the op's own body and every op it calls run on the cast
// inputs without being cast again, as PyTorch's autocast kernels redispatch below the Autocast
// key. Ops that are not on any list stay "composite": ember ops they call (mm inside einsum,
// addmm inside lstm_cell) are cast, as PyTorch's CompositeImplicitAutograd ops are.
// Lists (PyTorch 1.13; CPU checked op by op with torch.autocast("cpu"), CUDA from the ops its
// AutocastCUDA key holds in torch._C._dispatch_dump and autocast_mode.cpp's policies):
//   lower  CPU+CUDA: conv1d/2d/3d, mm, bmm, addmm, addbmm, baddbmm, matmul, linear
//          CUDA only: conv_transpose1d/2d/3d, prelu, addmv, mv, einsum, lstm/gru/rnn cells
//   fp32   CPU: conv_transpose1d/2d/3d, avg_pool3d, max_pool3d, adaptive_avg/max_pool3d,
//          max_unpool2d/3d, reflection_pad1d/2d, replication_pad1d/2d/3d, grid_sampler, prod,
//          the losses (mse, l1, smooth_l1, huber, nll, nll2d, cross_entropy, kl_div,
//          bce_with_logits, bce, margin_ranking, hinge_embedding, soft_margin, multi_margin,
//          multilabel_margin, poisson_nll, cosine_embedding, triplet_margin, ctc)
//          CUDA: acos, asin, cosh, erfinv, exp, expm1, log, log10, log2, log1p, reciprocal,
//          rsqrt, sinh, tan (functional forms), pow, softplus, layer_norm, native_layer_norm,
//          group_norm, cosine_similarity, logsumexp, lp_pool1d/2d (pow inside, as PyTorch's
//          Python function), the same losses (bce banned)
//   fp32_set_opt_dtype CUDA: sum, prod, cumsum, cumprod, softmax, log_softmax (dtype=float32
//          when the first tensor is eligible and no dtype was given; inputs not cast)
//   fp32_append_dtype  CUDA: norm (runs as norm(..., dtype=float32), NormBackward2/3)
//   promote CPU+CUDA: cat, stack; CPU: index_copy; CUDA: addcmul, addcdiv, atan2, dot,
//          tensordot, scatter_add, index_put, grid_sampler, bilinear
//   none (excluded, not cast): avg_pool1d, adaptive_avg_pool1d/2d, lp_pool (CPU), upsample,
//          im2col, col2im, bilinear (CPU): single kernels in PyTorch that ember builds from
//          matmul
// Not in ember (so not listed): frobenius/nuclear_norm, dist, pdist, cdist, renorm, cross,
// addr, chain_matmul, linalg_multi_dot, conv_tbc and the CPU-only linalg/fft ops.
// A composite that PyTorch runs as one kernel must not let its inner exp/sum/pow change its
// output dtype: test OpDbAutocast.CudaListsChangeOnlyTheirOps replays the whole op database in
// bfloat16 under CUDA's lists (set_cuda_lists_on_cpu, on CPU tensors) and finds such ops.
// Casts of float32 leaf tensors that require grad to the lower dtype are cached per thread
// until the outermost region exits, so a weight used many times is converted once per region.
#include <iostream>
#include <mutex>
#include <unordered_map>

#include "ember/autograd/grad_mode.h"
#include "ember/cuda.h"
#include "src/amp/autocast_hook.h"

namespace ember {
namespace autocast {

namespace detail {
constinit thread_local bool t_active EMBER_TLS_HOT = false;
constinit thread_local bool t_skip_once EMBER_TLS_HOT = false;
}  // namespace detail

namespace {
thread_local bool t_cuda_lists_on_cpu = false;
}  // namespace

namespace {
struct State {
  bool cpu_enabled = false;
  bool gpu_enabled = false;
  ScalarType cpu_dtype = kBFloat16;
  ScalarType gpu_dtype = kHalf;
  bool cache_enabled = true;
  int nesting = 0;
  int excluded = 0;
};
thread_local State t_state;

// Source tensor (kept alive so that its address is not reused) and its cast.
thread_local std::unordered_map<const TensorImpl*, std::pair<Tensor, Tensor>> t_cache;

void refresh() {
  detail::t_active = (t_state.cpu_enabled || t_state.gpu_enabled) && t_state.excluded == 0;
}

// Python's UserWarning, printed once per process and kind.
void warn_once(std::once_flag& flag, const char* msg) {
  std::call_once(flag, [msg] { std::cerr << "UserWarning: " << msg << "\n"; });
}
std::once_flag g_warn_cpu_dtype, g_warn_no_cuda;
}  // namespace

bool is_enabled() { return t_state.gpu_enabled; }
void set_enabled(bool enabled) {
  t_state.gpu_enabled = enabled;
  refresh();
}
bool is_cpu_enabled() { return t_state.cpu_enabled; }
void set_cpu_enabled(bool enabled) {
  t_state.cpu_enabled = enabled;
  refresh();
}
ScalarType get_autocast_gpu_dtype() { return t_state.gpu_dtype; }
ScalarType get_autocast_cpu_dtype() { return t_state.cpu_dtype; }
void set_autocast_gpu_dtype(ScalarType dtype) { t_state.gpu_dtype = dtype; }
void set_autocast_cpu_dtype(ScalarType dtype) { t_state.cpu_dtype = dtype; }
namespace {
bool autocast_on_cpu(DeviceType d, const char* op) {
  EMBER_CHECK(d == kCPU || d == kCUDA, "[", op,
              "] autocast supports the cpu and cuda devices, got ", d);
  return d == kCPU;
}
}  // namespace
bool is_autocast_enabled(DeviceType d) {
  return autocast_on_cpu(d, "is_autocast_enabled") ? is_cpu_enabled() : is_enabled();
}
void set_autocast_enabled(DeviceType d, bool enabled) {
  if (autocast_on_cpu(d, "set_autocast_enabled")) {
    set_cpu_enabled(enabled);
  } else {
    set_enabled(enabled);
  }
}
ScalarType get_autocast_dtype(DeviceType d) {
  return autocast_on_cpu(d, "get_autocast_dtype") ? t_state.cpu_dtype : t_state.gpu_dtype;
}
void set_autocast_dtype(DeviceType d, ScalarType dtype) {
  if (autocast_on_cpu(d, "set_autocast_dtype")) {
    t_state.cpu_dtype = dtype;
  } else {
    t_state.gpu_dtype = dtype;
  }
}
bool is_autocast_cache_enabled() { return t_state.cache_enabled; }
void set_autocast_cache_enabled(bool enabled) { t_state.cache_enabled = enabled; }
void clear_cache() { t_cache.clear(); }
int increment_nesting() { return ++t_state.nesting; }
int decrement_nesting() { return --t_state.nesting; }

AutocastGuard::AutocastGuard(DeviceType device_type, std::optional<ScalarType> dtype, bool enabled,
                             std::optional<bool> cache_enabled)
    : device_type_(device_type) {
  bool cpu = device_type == kCPU;
  dtype_ = dtype.value_or(cpu ? t_state.cpu_dtype : t_state.gpu_dtype);
  enabled_ = enabled;
  if (enabled_ && cpu && dtype_ != kBFloat16) {
    warn_once(g_warn_cpu_dtype,
              "In CPU autocast, but the target dtype is not supported. Disabling autocast.\nCPU "
              "Autocast only supports dtype of torch.bfloat16 currently.");
    enabled_ = false;
  }
  if (enabled_ && !cpu) {
    if (!cuda::is_available()) {
      warn_once(
          g_warn_no_cuda,
          "User provided device_type of 'cuda', but CUDA is not available. Disabling autocast");
      enabled_ = false;
    }
    EMBER_CHECK(!enabled_ || dtype_ == kHalf || dtype_ == kBFloat16,
                "[autocast] CUDA autocast supports dtypes Half and BFloat16, but got ",
                toString(dtype_));
  }
  prev_enabled_ = cpu ? t_state.cpu_enabled : t_state.gpu_enabled;
  prev_dtype_ = cpu ? t_state.cpu_dtype : t_state.gpu_dtype;
  prev_cache_enabled_ = t_state.cache_enabled;
  if (cache_enabled) t_state.cache_enabled = *cache_enabled;
  if (cpu) {
    t_state.cpu_enabled = enabled_;
    t_state.cpu_dtype = dtype_;
  } else {
    t_state.gpu_enabled = enabled_;
    t_state.gpu_dtype = dtype_;
  }
  increment_nesting();
  refresh();
}

AutocastGuard::~AutocastGuard() {
  if (decrement_nesting() == 0) clear_cache();
  if (device_type_ == kCPU) {
    t_state.cpu_enabled = prev_enabled_;
    t_state.cpu_dtype = prev_dtype_;
  } else {
    t_state.gpu_enabled = prev_enabled_;
    t_state.gpu_dtype = prev_dtype_;
  }
  t_state.cache_enabled = prev_cache_enabled_;
  refresh();
}

namespace detail {

ExcludeGuard::ExcludeGuard() {
  ++t_state.excluded;
  t_active = false;
}
ExcludeGuard::~ExcludeGuard() {
  --t_state.excluded;
  refresh();
}

DeviceType lists_device(DeviceType d) { return d == kCPU && t_cuda_lists_on_cpu ? kCUDA : d; }
void set_cuda_lists_on_cpu(bool on) { t_cuda_lists_on_cpu = on; }
bool enabled_for(DeviceType lists) {
  return lists == kCPU ? t_state.cpu_enabled : t_state.gpu_enabled;
}
ScalarType lower_dtype(DeviceType lists) {
  return lists == kCPU ? t_state.cpu_dtype : t_state.gpu_dtype;
}

bool is_eligible(const Tensor& t, DeviceType d) {
  return t.defined() && t.device().type() == d && t.is_floating_point() && t.dtype() != kDouble;
}

Tensor cached_cast(ScalarType to, const Tensor& t, DeviceType d) {
  if (!is_eligible(t, d) || t.dtype() == to) return t;
  bool can_cache = t_state.cache_enabled && to == lower_dtype(lists_device(d)) &&
                   t.dtype() == kFloat && t.requires_grad() && t.is_leaf() && !t.is_view();
  if (!can_cache) return t.to(to);
  auto it = t_cache.find(t.unsafeGetTensorImpl());
  if (it != t_cache.end()) return it->second.second;
  Tensor cast = t.to(to);
  t_cache.emplace(t.unsafeGetTensorImpl(), std::make_pair(t, cast));
  return cast;
}

// The widest floating type: float32 wins over the lower dtypes, double inputs are ignored (and
// stay double), two different 16-bit types meet in float32.
ScalarType prioritize(ScalarType current, const Tensor& t, DeviceType d) {
  if (!is_eligible(t, d)) return current;
  ScalarType next = t.dtype();
  if (current == kFloat || next == kFloat) return kFloat;
  return current == next ? current : kFloat;
}

void banned(const char* op) {
  EMBER_ERROR("[", op, "] ", op,
              " is unsafe to autocast.\nMany models use a sigmoid layer right before the binary "
              "cross entropy layer.\nIn this case, combine the two layers using "
              "torch::nn::functional::binary_cross_entropy_with_logits\nor "
              "torch::nn::BCEWithLogitsLoss.  binary_cross_entropy_with_logits and "
              "BCEWithLogits are\nsafe to autocast.");
}

}  // namespace detail
}  // namespace autocast
}  // namespace ember

// batch_norm through cuDNN (Note [cuDNN batch norm] in src/ops/normalization.cpp): the forward in
// training (batch statistics, running statistics updated in place) and in eval (running
// statistics), and the training-mode gradients, with cuDNN's spatial mode over the input seen as
// [N, C, inner, 1]. Registered in cudnn_batch_norm_stub / cudnn_batch_norm_backward_stub.
#include "ember/core/context.h"
#include "ember/cuda/stream.h"
#include "src/cuda/cudnn.h"
#include "src/cuda/runtime.h"
#include "src/cuda/stubs.h"
#include "src/kernels/normalization.h"

namespace ember::cuda {

#if EMBER_HAVE_CUDNN_HEADERS
namespace {

using cudnn::Api;

constexpr const char* kOp = "batch_norm";

// The input's descriptor and the derived [1, C, 1, 1] one of the statistics and parameters.
struct BnDescs {
  const Api* a;
  cudnnTensorDescriptor_t x = nullptr, bn = nullptr;
  explicit BnDescs(const Api* api) : a(api) {}
  BnDescs(const BnDescs&) = delete;
  BnDescs& operator=(const BnDescs&) = delete;
  ~BnDescs() {
    if (bn) a->cudnnDestroyTensorDescriptor(bn);
    if (x) a->cudnnDestroyTensorDescriptor(x);
  }
};

// A status from a compute call: success, a refusal (bad parameter or not supported: the native
// kernels run instead) or an error (thrown).
bool accepted(cudnnStatus_t s, const char* call) {
  if (s == CUDNN_STATUS_SUCCESS) return true;
  const int code = static_cast<int>(s);
  if (code >= 2000 && code < 4000) return false;
  cudnn::throw_error(s, kOp, call);
}

// The library, the stream's handle and the descriptors of one call on x (contiguous, float,
// double or half, checked by the op); init() false where cuDNN is not loaded, switched off or
// has no handle on this device.
class BnCall {
 public:
  bool init(const Tensor& x) {
    a_ = cudnn::api();
    if (!a_ || !globalContext().userEnabledCuDNN()) return false;
    const Device dev = x.device();
    stream_ = getCurrentCUDAStream(dev.index()).stream();
    h_ = cudnn::handle(dev.index(), stream_);
    if (!h_) return false;
    dbl_ = x.scalar_type() == kDouble;
    const cudnnDataType_t dt = x.scalar_type() == kDouble ? CUDNN_DATA_DOUBLE
                               : x.scalar_type() == kHalf ? CUDNN_DATA_HALF
                                                          : CUDNN_DATA_FLOAT;
    const int64_t N = x.size(0), C = x.size(1), inner = x.numel() / (N * C);
    d_ = std::make_unique<BnDescs>(a_);
    EMBER_CUDNN_CHECK(a_, cudnnCreateTensorDescriptor, (&d_->x), kOp);
    EMBER_CUDNN_CHECK(a_, cudnnSetTensor4dDescriptor,
                      (d_->x, CUDNN_TENSOR_NCHW, dt, static_cast<int>(N), static_cast<int>(C),
                       static_cast<int>(inner), 1),
                      kOp);
    EMBER_CUDNN_CHECK(a_, cudnnCreateTensorDescriptor, (&d_->bn), kOp);
    EMBER_CUDNN_CHECK(a_, cudnnDeriveBNTensorDescriptor, (d_->bn, d_->x, CUDNN_BATCHNORM_SPATIAL),
                      kOp);
    return true;
  }
  const Api* a() const { return a_; }
  cudnnHandle_t h() const { return h_; }
  const BnDescs& d() const { return *d_; }
  cudaStream_t stream() const { return stream_; }
  // The blend factors cuDNN reads: y = 1 * result + 0 * y (double for double data).
  const void* one() const { return dbl_ ? static_cast<const void*>(&d1_) : &f1_; }
  const void* zero() const { return dbl_ ? static_cast<const void*>(&d0_) : &f0_; }

 private:
  const Api* a_ = nullptr;
  cudaStream_t stream_ = nullptr;
  cudnnHandle_t h_ = nullptr;
  bool dbl_ = false;
  std::unique_ptr<BnDescs> d_;
  float f1_ = 1.f, f0_ = 0.f;
  double d1_ = 1.0, d0_ = 0.0;
};

void* ptr(const Tensor& t) { return t.defined() ? t.data_ptr() : nullptr; }

bool cudnn_batch_norm_cuda(const Tensor& x, const Tensor& weight, const Tensor& bias,
                           const Tensor& running_mean, const Tensor& running_var, bool training,
                           double momentum, double eps, Tensor& y, Tensor& save_mean,
                           Tensor& save_invstd) {
  CUDAGuard guard(x.device());
  BnCall c;
  if (!c.init(x)) return false;
  const Api* a = c.a();
  bool ok;
  if (training) {
    ok = accepted(
        a->cudnnBatchNormalizationForwardTraining(
            c.h(), CUDNN_BATCHNORM_SPATIAL, c.one(), c.zero(), c.d().x, x.data_ptr(), c.d().x,
            y.data_ptr(), c.d().bn, weight.data_ptr(), bias.data_ptr(), momentum, ptr(running_mean),
            ptr(running_var), eps, save_mean.data_ptr(), save_invstd.data_ptr()),
        "cudnnBatchNormalizationForwardTraining");
  } else {
    ok = accepted(a->cudnnBatchNormalizationForwardInference(
                      c.h(), CUDNN_BATCHNORM_SPATIAL, c.one(), c.zero(), c.d().x, x.data_ptr(),
                      c.d().x, y.data_ptr(), c.d().bn, weight.data_ptr(), bias.data_ptr(),
                      running_mean.data_ptr(), running_var.data_ptr(), eps),
                  "cudnnBatchNormalizationForwardInference");
  }
  if (ok) detail::check_launch(kOp, c.stream());
  return ok;
}

bool cudnn_batch_norm_backward_cuda(const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                                    const Tensor& save_mean, const Tensor& save_invstd, double eps,
                                    Tensor& grad_input, Tensor& grad_weight, Tensor& grad_bias) {
  CUDAGuard guard(x.device());
  BnCall c;
  if (!c.init(x)) return false;
  const Api* a = c.a();
  const bool ok =
      accepted(a->cudnnBatchNormalizationBackward(
                   c.h(), CUDNN_BATCHNORM_SPATIAL, c.one(), c.zero(), c.one(), c.zero(), c.d().x,
                   x.data_ptr(), c.d().x, grad_out.data_ptr(), c.d().x, grad_input.data_ptr(),
                   c.d().bn, weight.data_ptr(), grad_weight.data_ptr(), grad_bias.data_ptr(), eps,
                   save_mean.data_ptr(), save_invstd.data_ptr()),
               "cudnnBatchNormalizationBackward");
  if (ok) detail::check_launch("batch_norm_backward", c.stream());
  return ok;
}

}  // namespace

void register_cuda_cudnn_batch_norm_kernels() {
  reg(cudnn_batch_norm_stub, cudnn_batch_norm_cuda);
  reg(cudnn_batch_norm_backward_stub, cudnn_batch_norm_backward_cuda);
}

#else

void register_cuda_cudnn_batch_norm_kernels() {}

#endif

}  // namespace ember::cuda

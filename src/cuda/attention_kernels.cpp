// Registers the CUDA fused attention kernels (src/cuda/attention.cu) in their stubs.
#include <cstdlib>
#include <cstring>
#include <limits>

#include "ember/cuda/stream.h"
#include "ember/ops/factory.h"
#include "src/cuda/attention.h"
#include "src/cuda/runtime.h"
#include "src/cuda/stubs.h"
#include "src/kernels/attention.h"

namespace ember::cuda {
namespace {

RowStrides strides_of(const Tensor& t) { return {t.stride(0), t.stride(1), t.stride(2)}; }

// What the kernels support; the op only sends them such inputs from scaled_dot_product_attention,
// but _scaled_dot_product_fused_attention can be called directly.
FlashArgs flash_args(const Tensor& q, const Tensor& k, const Tensor& v, bool causal, double scale,
                     const AttentionDropout& dropout, const Tensor& bias, const char* op) {
  EMBER_CHECK(q.dtype() == kHalf || q.dtype() == kBFloat16, "[", op,
              "] the CUDA kernel supports float16 and bfloat16, got ", toString(q.dtype()));
  const int64_t D = q.size(3);
  EMBER_CHECK((D == 32 || D == 64 || D == 128) && v.size(3) == D, "[", op,
              "] the CUDA kernel supports head sizes 32, 64 and 128 (value's the same), got ", D,
              " and ", v.size(3));
  constexpr int64_t kGrid = 65535;
  EMBER_CHECK(q.size(0) <= kGrid && q.size(1) <= kGrid, "[", op,
              "] the CUDA kernel supports at most 65535 batches and heads, got ", q.size(0),
              " and ", q.size(1));
  constexpr int64_t kMax = std::numeric_limits<int>::max() / 2;
  EMBER_CHECK(q.size(2) <= kMax && k.size(2) <= kMax, "[", op, "] sequence too long for the CUDA ",
              "kernel: ", q.size(2), " and ", k.size(2));
  FlashArgs a;
  a.q = q.data_ptr();
  a.k = k.data_ptr();
  a.v = v.data_ptr();
  a.qs = strides_of(q);
  a.ks = strides_of(k);
  a.vs = strides_of(v);
  a.B = static_cast<int>(q.size(0));
  a.H = static_cast<int>(q.size(1));
  a.L = static_cast<int>(q.size(2));
  a.S = static_cast<int>(k.size(2));
  a.D = static_cast<int>(D);
  a.scale = static_cast<float>(scale);
  a.causal = causal;
  a.bf16 = q.dtype() == kBFloat16;
  // The kernel variant (src/cuda/flash_attention.cuh), read per call so that tests can compare
  // them.
  const char* e = std::getenv("EMBER_FLASH_MODE");
  a.mode = e != nullptr && e[0] >= '0' && e[0] <= '3' && e[1] == '\0' ? e[0] - '0' : 2;
  EMBER_CHECK(dropout.p >= 0 && dropout.p < 1, "[", op,
              "] the CUDA kernel takes a dropout probability in [0, 1), got ", dropout.p);
  set_flash_dropout(a, dropout);
  if (bias.defined()) {
    EMBER_CHECK(bias.dtype() == kFloat && bias.dim() == 4 && bias.device() == q.device(), "[", op,
                "] the CUDA kernel takes a float32 [B, H, L, S] bias on the inputs' device");
    a.bias = bias.data_ptr<float>();
    a.bias_s = strides_of(bias);
    a.bias_j = bias.stride(3);
  }
  return a;
}

void fused_attention_cuda(const Tensor& q, const Tensor& k, const Tensor& v, Tensor& out,
                          Tensor& lse, bool causal, double scale, const AttentionDropout& dropout,
                          const Tensor& bias) {
  CUDAGuard guard(q.device());
  FlashArgs a =
      flash_args(q, k, v, causal, scale, dropout, bias, "_scaled_dot_product_fused_attention");
  a.o = out.data_ptr();
  a.os = strides_of(out);
  a.lse = lse.data_ptr<float>();
  launch_flash_forward(a, stream_of(q));
}

void fused_attention_backward_cuda(const Tensor& grad_out, const Tensor& q, const Tensor& k,
                                   const Tensor& v, const Tensor& out, const Tensor& lse,
                                   Tensor& grad_q, Tensor& grad_k, Tensor& grad_v, bool causal,
                                   double scale, const AttentionDropout& dropout,
                                   const Tensor& bias) {
  CUDAGuard guard(q.device());
  FlashArgs a = flash_args(q, k, v, causal, scale, dropout, bias,
                           "_scaled_dot_product_fused_attention_backward");
  TensorOptions f = TensorOptions(kFloat).device(q.device());
  Tensor dq_accum = zeros({q.size(0), q.size(1), q.size(2), q.size(3)}, f);
  Tensor dvec = empty({q.size(0), q.size(1), q.size(2)}, f);
  a.o = out.data_ptr();
  a.os = strides_of(out);
  a.lse = const_cast<float*>(lse.data_ptr<float>());
  a.go = grad_out.data_ptr();
  a.gos = strides_of(grad_out);
  a.gq = grad_q.data_ptr();
  a.gqs = strides_of(grad_q);
  a.gk = grad_k.data_ptr();
  a.gks = strides_of(grad_k);
  a.gv = grad_v.data_ptr();
  a.gvs = strides_of(grad_v);
  a.dq_accum = dq_accum.data_ptr<float>();
  a.dvec = dvec.data_ptr<float>();
  launch_flash_backward(a, stream_of(q));
}

}  // namespace

void register_cuda_attention_kernels() {
  reg(fused_attention_stub, fused_attention_cuda);
  reg(fused_attention_backward_stub, fused_attention_backward_cuda);
}

}  // namespace ember::cuda

// Copies between host and device and between devices (the same-device cast/strided copy is the
// copy_stub kernel in src/cuda/elementwise.cu), and pin_memory.
#include <cuda_runtime_api.h>

#include "ember/autograd/grad_mode.h"
#include "ember/cuda/stream.h"
#include "src/core/cuda_hooks.h"
#include "src/cuda/allocator.h"
#include "src/cuda/runtime.h"

namespace ember {
namespace detail {

namespace {
size_t nbytes_of(const Tensor& t) { return static_cast<size_t>(t.numel()) * t.element_size(); }

// Same-device copy (cast, strides) through the copy kernel, without autograd.
void same_device_copy(Tensor& dst, const Tensor& src) {
  NoGradGuard ng;
  dst.copy_(src);
}
}  // namespace

void cuda_copy_across_devices(Tensor& dst, const Tensor& src, bool non_blocking) {
  Tensor s = src.sizes() == dst.sizes() ? src : src.expand(dst.sizes());
  bool direct = dst.is_contiguous() && dst.dtype() == s.dtype();
  if (dst.is_cuda() && s.is_cuda()) {
    // Between two GPUs: a contiguous source, a peer copy ordered after the source's stream.
    Tensor sc = s.contiguous();
    Tensor tmp = direct ? dst : make_tensor(dst.sizes(), s.dtype(), dst.device());
    DeviceIndex dd = dst.device().index(), sd = s.device().index();
    cuda::getCurrentCUDAStream(sd).synchronize();
    cuda::CUDAGuard g(dd);
    cudaStream_t stream = cuda::getCurrentCUDAStream(dd).stream();
    EMBER_CUDA_CHECK(
        cudaMemcpyPeerAsync(tmp.data_ptr(), dd, sc.data_ptr(), sd, nbytes_of(sc), stream), "copy_");
    cuda::stream_synchronize(stream);
    if (!direct) same_device_copy(dst, tmp);
    return;
  }
  if (dst.is_cuda()) {
    // Host to device: a contiguous host source in its own dtype, then cast/stride on the device.
    Tensor sc = s.contiguous();
    Tensor tmp = direct ? dst : make_tensor(dst.sizes(), s.dtype(), dst.device());
    cuda::CUDAGuard g(dst.device().index());
    cudaStream_t stream = cuda::getCurrentCUDAStream(dst.device().index()).stream();
    EMBER_CUDA_CHECK(cudaMemcpyAsync(tmp.data_ptr(), sc.data_ptr(), nbytes_of(sc),
                                     cudaMemcpyHostToDevice, stream),
                     "copy_");
    bool pinned = sc.is_same(src) && cuda::detail::is_pinned_ptr(sc.storage()->data());
    if (non_blocking && pinned) {
      cuda::detail::record_pinned_use(sc.storage()->data(), stream);
    } else {
      cuda::stream_synchronize(stream);
    }
    if (!direct) same_device_copy(dst, tmp);
    return;
  }
  // Device to host: a contiguous device source, then cast/stride on the host.
  Tensor sc = s.contiguous();
  Tensor tmp = direct ? dst : make_tensor(dst.sizes(), s.dtype(), Device(kCPU));
  cuda::CUDAGuard g(s.device().index());
  cudaStream_t stream = cuda::getCurrentCUDAStream(s.device().index()).stream();
  EMBER_CUDA_CHECK(
      cudaMemcpyAsync(tmp.data_ptr(), sc.data_ptr(), nbytes_of(sc), cudaMemcpyDeviceToHost, stream),
      "copy_");
  bool pinned = direct && cuda::detail::is_pinned_ptr(dst.storage()->data());
  if (non_blocking && pinned) {
    cuda::detail::record_pinned_use(dst.storage()->data(), stream);
    return;
  }
  cuda::stream_synchronize(stream);
  if (!direct) same_device_copy(dst, tmp);
}

Allocator* cuda_pinned_allocator() {
  cuda::device_count_ensure_non_zero();
  return cuda::detail::pinned_allocator();
}

Tensor cuda_pin_memory(const Tensor& t) {
  cuda::device_count_ensure_non_zero();
  size_t nbytes = nbytes_of(t);
  auto storage =
      make_intrusive<StorageImpl>(nbytes, cuda::detail::pinned_allocator(), Device(kCPU));
  Tensor out(
      make_intrusive<TensorImpl>(std::move(storage), t.dtype(), t.sizes(), IntArrayRef(), 0));
  if (t.numel() > 0) {
    NoGradGuard ng;
    out.copy_(t);
  }
  return out;
}

}  // namespace detail
}  // namespace ember

#pragma once
// Kernel tables: an op in src/ops declares a stub with the kernel signature, each backend
// registers its function for its device. Dispatch is one array load, no lookup by name.
//
//   src/kernels/unary.h:  EMBER_DECLARE_STUB(exp_stub, UnaryFn);
//   src/cpu/unary.cpp:    EMBER_DEFINE_STUB(exp_stub, exp_kernel);       // CPU entry, constant-initialised
//   src/cuda/unary.cu:    EMBER_REGISTER_KERNEL(exp_stub, kCUDA, exp_cuda);
//   src/ops/unary.cpp:    exp_stub.get(device)(iter);
// The stub is defined in the CPU kernel's file so that static linking pulls the kernel in.
#include "ember/core/device.h"
#include "ember/core/error.h"

namespace ember {

template <class Fn>
struct KernelStub {
  const char* name;
  Fn table[2] = {nullptr, nullptr};
  Fn get(DeviceType d) const {
    Fn f = table[static_cast<int>(d)];
    EMBER_CHECK(f != nullptr, "[", name, "] no kernel registered for device ", d);
    return f;
  }
};

template <class Fn>
struct KernelRegistrar {
  KernelRegistrar(KernelStub<Fn>& stub, DeviceType d, Fn f) { stub.table[static_cast<int>(d)] = f; }
};

}  // namespace ember

#define EMBER_DECLARE_STUB(stub, Fn) extern ::ember::KernelStub<Fn> stub
#define EMBER_DEFINE_STUB(stub, cpu_fn) decltype(stub) stub{#stub, {cpu_fn, nullptr}}
#define EMBER_REGISTER_KERNEL(stub, dev, fn) \
  static ::ember::KernelRegistrar<decltype(fn)*> stub##_reg_##dev(stub, ::ember::dev, fn)

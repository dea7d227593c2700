#pragma once
// The data loader's pin_memory option (PyTorch's DataLoader(pin_memory=True)): every CPU tensor of
// a batch copied into page-locked memory on the thread that made the batch, so that the copy to
// the GPU can be asynchronous (to(device, /*non_blocking=*/true)) and, with workers, happens off
// the training thread. Tensors, Examples, vectors, optionals and pairs are walked; another type
// with a pin_memory() method is pinned by it; anything else is left as it is.
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/tensor.h"
#include "ember/data/example.h"

namespace ember {
namespace data {
namespace detail {

inline void pin_batch(Tensor& t) {
  if (t.defined() && t.is_cpu() && !t.is_pinned()) t = t.pin_memory();
}
// Whether `x = x.pin_memory()` compiles (C++17: public headers stay valid for C++17 programs).
template <class T, class = void>
struct has_pin_memory : std::false_type {};
template <class T>
struct has_pin_memory<T,
                      std::void_t<decltype(std::declval<T&>() = std::declval<T&>().pin_memory())>>
    : std::true_type {};

template <class T>
void pin_batch(T& x) {
  if constexpr (has_pin_memory<T>::value) x = x.pin_memory();
}
template <class T>
void pin_batch(std::vector<T>& v) {
  for (T& x : v) pin_batch(x);
}
template <class T>
void pin_batch(std::optional<T>& o) {
  if (o) pin_batch(*o);
}
template <class A, class B>
void pin_batch(std::pair<A, B>& p) {
  pin_batch(p.first);
  pin_batch(p.second);
}
template <class Data, class Target>
void pin_batch(Example<Data, Target>& e) {
  pin_batch(e.data);
  pin_batch(e.target);
}
template <class Data>
void pin_batch(Example<Data, example::NoTarget>& e) {
  pin_batch(e.data);
}

}  // namespace detail
}  // namespace data
}  // namespace ember

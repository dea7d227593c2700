#pragma once
// Errors: every bad input raises ember::Error naming the op and what was wrong.
#include <sstream>
#include <stdexcept>
#include <string>

namespace ember {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : std::runtime_error(msg) {}
  // libtorch's c10::Error exposes what_without_backtrace(); we never attach a backtrace.
  const char* what_without_backtrace() const noexcept { return what(); }
  const std::string& msg() const noexcept { return msg_; }

 private:
  std::string msg_ = what();
};

class IndexError : public Error {
 public:
  using Error::Error;
};
class ValueError : public Error {
 public:
  using Error::Error;
};
class TypeError : public Error {
 public:
  using Error::Error;
};
class NotImplementedError : public Error {
 public:
  using Error::Error;
};
// c10::OutOfMemoryError: a device allocation failed even after freeing the allocator's cache.
class OutOfMemoryError : public Error {
 public:
  using Error::Error;
};

namespace detail {
template <class... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
[[noreturn]] void throw_error(const std::string& msg);
[[noreturn]] void throw_index_error(const std::string& msg);
}  // namespace detail

}  // namespace ember

// Hot thread-locals use the initial-exec model: a plain fs-relative load instead of a call to
// __tls_get_addr on every op. They stay a few bytes each, so dlopen() of libember still works.
#define EMBER_TLS_HOT __attribute__((tls_model("initial-exec")))

#define EMBER_LIKELY(x) __builtin_expect(!!(x), 1)
#define EMBER_UNLIKELY(x) __builtin_expect(!!(x), 0)

// EMBER_CHECK(cond, "[op] what was wrong: ", value, ...)
#define EMBER_CHECK(cond, ...)                                             \
  do {                                                                     \
    if (EMBER_UNLIKELY(!(cond))) {                                         \
      ::ember::detail::throw_error(::ember::detail::str_cat(__VA_ARGS__)); \
    }                                                                      \
  } while (0)

#define EMBER_CHECK_INDEX(cond, ...)                                             \
  do {                                                                           \
    if (EMBER_UNLIKELY(!(cond))) {                                               \
      ::ember::detail::throw_index_error(::ember::detail::str_cat(__VA_ARGS__)); \
    }                                                                            \
  } while (0)

#define EMBER_ERROR(...) ::ember::detail::throw_error(::ember::detail::str_cat(__VA_ARGS__))

// libtorch spellings, so code written against c10 compiles and fails the same way: TORCH_CHECK
// with a message raises it as given, without one c10's "Expected cond to be true" text; the
// _INDEX/_VALUE/_TYPE/_NOT_IMPLEMENTED forms raise the matching Error subclass.
namespace ember {
namespace detail {
template <class... Args>
std::string check_msg(const char* fallback, const Args&... args) {
  if constexpr (sizeof...(Args) == 0) {
    return fallback;
  } else {
    return str_cat(args...);
  }
}
template <class E>
[[noreturn]] void throw_as(const std::string& msg) {
  throw E(msg);
}
void warn(const char* file, int line, const std::string& msg);
}  // namespace detail
}  // namespace ember

#define EMBER_TORCH_CHECK_AS(E, cond, ...)                                       \
  do {                                                                           \
    if (EMBER_UNLIKELY(!(cond))) {                                               \
      ::ember::detail::throw_as<E>(::ember::detail::check_msg(                   \
          "Expected " #cond                                                      \
          " to be true, but got false.  (Could this error message be "           \
          "improved?  If so, please report an enhancement request to PyTorch.)", \
          ##__VA_ARGS__));                                                       \
    }                                                                            \
  } while (0)
#define TORCH_CHECK(cond, ...) EMBER_TORCH_CHECK_AS(::ember::Error, cond, ##__VA_ARGS__)
#define TORCH_CHECK_INDEX(cond, ...) EMBER_TORCH_CHECK_AS(::ember::IndexError, cond, ##__VA_ARGS__)
#define TORCH_CHECK_VALUE(cond, ...) EMBER_TORCH_CHECK_AS(::ember::ValueError, cond, ##__VA_ARGS__)
#define TORCH_CHECK_TYPE(cond, ...) EMBER_TORCH_CHECK_AS(::ember::TypeError, cond, ##__VA_ARGS__)
#define TORCH_CHECK_NOT_IMPLEMENTED(cond, ...) \
  EMBER_TORCH_CHECK_AS(::ember::NotImplementedError, cond, ##__VA_ARGS__)
#define TORCH_INTERNAL_ASSERT(cond, ...) \
  EMBER_CHECK(cond, "internal assert failed: " #cond " ", ##__VA_ARGS__)
#ifdef NDEBUG
#define TORCH_INTERNAL_ASSERT_DEBUG_ONLY(...) \
  do {                                        \
  } while (0)
#else
#define TORCH_INTERNAL_ASSERT_DEBUG_ONLY(...) TORCH_INTERNAL_ASSERT(__VA_ARGS__)
#endif
// Deprecated in libtorch, still common in older programs.
#define AT_ASSERT(cond, ...) TORCH_INTERNAL_ASSERT(cond, ##__VA_ARGS__)
#define AT_ERROR(...) EMBER_ERROR(__VA_ARGS__)
// A warning on stderr as c10 prints it ("[W file:line] Warning: ..."); the _ONCE form once per
// call site.
#define TORCH_WARN(...) \
  ::ember::detail::warn(__FILE__, __LINE__, ::ember::detail::str_cat(__VA_ARGS__))
#define TORCH_WARN_ONCE(...)                                                                      \
  do {                                                                                            \
    static const bool ember_warned_once_ [[maybe_unused]] =                                       \
        (::ember::detail::warn(__FILE__, __LINE__, ::ember::detail::str_cat(__VA_ARGS__)), true); \
  } while (0)

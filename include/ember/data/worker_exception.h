#pragma once
// WorkerException: what the data loader throws in the caller's thread when a worker thread threw.
#include <exception>
#include <string>

#include "ember/core/error.h"

namespace ember {
namespace data {

// libtorch's message and members; also an ember::Error, so `catch (c10::Error&)` sees it.
struct WorkerException : public Error {
  explicit WorkerException(std::exception_ptr original)
      : Error(describe(original)), original_exception(std::move(original)), message(what()) {}

  std::exception_ptr original_exception;
  std::string message;  // this exception's message (libtorch's member)

 private:
  static std::string describe(const std::exception_ptr& e) {
    std::string message = "Caught exception in DataLoader worker thread.";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      message += " Original message: ";
      message += ex.what();
    } catch (...) {
    }
    return message;
  }
};

}  // namespace data
}  // namespace ember

// error_of(f): runs f and returns the message of the ember::Error it throws, or "<no error>".
// Tests check messages with has(msg, "...") or gmock's HasSubstr.
#pragma once

#include <string>
#include <utility>

#include "ember/core/error.h"

template <class F>
std::string error_of(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const ember::Error& e) {
    return e.what();
  }
  return "<no error>";
}

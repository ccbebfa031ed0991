// SPDX-License-Identifier: MIT
#pragma once
// What the tutorial's snippet files share: they are doctest test cases;
// show() prints what a chapter talks about when the tests run with -s, and
// source_dir() is the checkout, where the fixtures are.

#include <doctest/doctest.h>

#include <string>

#include "hnn/core/error.hpp"

namespace hnn_docs {

// Prints `text` when the tests run with -s (doctest's --success), else nothing.
inline void show(const std::string& text) {
  if (doctest::getContextOptions()->success) MESSAGE(text);
}

// The message of the FileError that `f` throws ("" if it throws none).
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const hnn::FileError& e) {
    return e.what();
  }
  return "";
}

}  // namespace hnn_docs

namespace hnn_test {
// The checkout's root folder (tests/source_dir.cpp).
std::string source_dir();
}  // namespace hnn_test

// SPDX-License-Identifier: MIT
// The page's door into the playground core: a few extern "C" functions that
// the JavaScript calls through Emscripten's Module._pg_* exports.
//
// Plain C functions rather than embind: the page needs nine calls that take
// and return numbers and strings, and the large arrays (every neuron over the
// grid) are read straight out of the WebAssembly heap as a Float64Array with
// no copy; embind would add its runtime and a typed wrapper for each class to
// do the same. Every hnn error is an exception: each function catches it
// (the build has -fexceptions, without which Emscripten aborts on the first
// throw) and returns a failure, and pg_error() gives the message.

#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>

#include "playground.hpp"

namespace {

std::unique_ptr<hnn_playground::Playground> current;
std::string error_text, text;  // what the last call that failed said; the last string returned
hnn::Matrix<double> grid_values;

void number(std::ostringstream& s, double v) {
  if (!std::isfinite(v)) {
    s << "null";
    return;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  s << buffer;
}

void matrix(std::ostringstream& s, const hnn::Matrix<double>& M) {  // [[row], …]
  s << '[';
  for (hnn::Index r = 0; r < M.rows(); ++r) {
    s << (r ? ",[" : "[");
    for (hnn::Index c = 0; c < M.cols(); ++c) {
      if (c) s << ',';
      number(s, M(r, c));
    }
    s << ']';
  }
  s << ']';
}

template <typename F>
int guarded(F f) {
  try {
    f();
    return 0;
  } catch (const std::exception& e) {
    error_text = e.what();
    return 1;
  }
}

hnn_playground::Playground& playground() {
  if (!current) throw hnn::Error("playground: pg_reset has not been called");
  return *current;
}

}  // namespace

extern "C" {

/// Builds the data set and model of a URL query; 0, or 1 with pg_error() set.
int pg_reset(const char* query) {
  return guarded([&] {
    current = std::make_unique<hnn_playground::Playground>(
        hnn_playground::Settings::parse(query ? query : ""));
  });
}

/// Takes n training steps; 0, or 1 with pg_error() set (the model stays as it was at the error).
int pg_step(int n) {
  return guarded([&] {
    for (int k = 0; k < n; ++k)
      playground().step();
  });
}

/// The message of the last call that failed.
const char* pg_error() {
  return error_text.c_str();
}

/// The settings as the URL query that reproduces them ("" before pg_reset).
const char* pg_query() {
  text = current ? current->settings().query() : "";
  return text.c_str();
}

/// The C++ program that builds the same model with hnn ("" before pg_reset).
const char* pg_cpp() {
  text = current ? hnn_playground::cpp_code(current->settings()) : "";
  return text.c_str();
}

/// The training state as JSON: epoch, losses, accuracies, gradient norms, weights.
const char* pg_state() {
  if (!current) return "null";
  auto& p = *current;
  std::ostringstream s;
  s << "{\"epoch\":" << p.epoch() << ",\"train_loss\":";
  number(s, p.train_loss());
  s << ",\"test_loss\":";
  number(s, p.test_loss());
  s << ",\"train_accuracy\":";
  number(s, p.train_accuracy());
  s << ",\"test_accuracy\":";
  number(s, p.test_accuracy());
  s << ",\"penalty\":";
  number(s, p.penalty());
  s << ",\"gradient_norms\":[";
  for (std::size_t d = 0; d < p.dense_count(); ++d) {
    if (d) s << ',';
    number(s, p.gradient_norms()[d]);
  }
  s << "],\"weights\":[";
  for (std::size_t d = 0; d < p.dense_count(); ++d) {
    s << (d ? "," : "");
    matrix(s, p.weights(d));
  }
  s << "],\"biases\":[";
  for (std::size_t d = 0; d < p.dense_count(); ++d) {
    s << (d ? "," : "");
    matrix(s, p.biases(d).transpose());
  }
  s << "]}";
  text = s.str();
  return text.c_str();
}

/// The data set as JSON: {"train": [[x1, x2, target], …], "test": […]}.
const char* pg_points() {
  if (!current) return "null";
  const auto& d = current->data();
  std::ostringstream s;
  hnn::Matrix<double> train(3, d.train_points.cols()), test(3, d.test_points.cols());
  train << d.train_points, d.train_targets;
  test << d.test_points, d.test_targets;
  s << "{\"train\":";
  matrix(s, train.transpose());
  s << ",\"test\":";
  matrix(s, test.transpose());
  s << '}';
  text = s.str();
  return text.c_str();
}

/// Every node's output over a resolution² grid (Playground::grid), node by
/// node: node k's values start at k·resolution². Null on error (pg_error()).
const double* pg_grid(int resolution) {
  const int status = guarded([&] { grid_values = playground().grid(resolution); });
  return status == 0 ? grid_values.data() : nullptr;
}

/// The number of nodes in the last pg_grid.
int pg_grid_nodes() {
  return int(grid_values.cols());
}

}  // extern "C"

// SPDX-License-Identifier: MIT
#pragma once
// The reader of the PyTorch reference fixtures in tests/fixtures/torch/
// (written by scripts/make_torch_fixtures.py) and the comparison the tests
// that read them share: tests/model/test_torch_reference.cpp (an MLP and the
// optimizers) and tests/model/test_torch_cnn_reference.cpp (a convolutional
// network).
//
// The measure, per tensor: ‖a − r‖ / max(‖r‖, 1e-300), Frobenius norms, with
// a from hnn and r from PyTorch. (A loss is a 1 × 1 tensor, so that is
// |a − r| / |r|.) A file that is missing or malformed, or lacks what a test
// asks for, throws FixtureError naming the file (and the line).

#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <istream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "hnn/hnn.hpp"

namespace hnn_test {

std::string source_dir();  // the checkout's root (tests/source_dir.cpp)

namespace torch {

using Index = hnn::Index;
using Mat = hnn::Matrix<double>;

// ---------------------------------------------------------------------------
// The fixture reader. The format, as the files' headers describe it:
//   # comment                 (and blank lines: ignored)
//   optimizer NAME
//   hparam NAME VALUE         a number, or true / false
//   labels NAME N             then one line of N integers
//   scalar NAME VALUE
//   matrix NAME ROWS COLS     then ROWS lines of COLS numbers

struct FixtureError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Fixture {
 public:
  // Reads `in`; `source` names it in error messages.
  Fixture(std::istream& in, std::string source) : source_(std::move(source)) { parse(in); }

  // Reads tests/fixtures/torch/<file> of the checkout.
  static Fixture load(const std::string& file) {
    const std::string path = hnn_test::source_dir() + "/tests/fixtures/torch/" + file;
    std::ifstream in(path);
    if (!in) {
      throw FixtureError(path +
                         ": cannot open the fixture (regenerate with "
                         "/usr/bin/python3 scripts/make_torch_fixtures.py)");
    }
    return Fixture(in, path);
  }

  const std::string& source() const { return source_; }

  const std::string& optimizer() const {
    if (optimizer_.empty()) fail("has no 'optimizer' line");
    return optimizer_;
  }

  const Mat& matrix(const std::string& name) const {
    const auto it = matrices_.find(name);
    if (it == matrices_.end()) fail("has no matrix '" + name + "'");
    return it->second;
  }
  double scalar(const std::string& name) const {
    const auto it = scalars_.find(name);
    if (it == scalars_.end()) fail("has no scalar '" + name + "'");
    return it->second;
  }
  const hnn::Labels& labels(const std::string& name) const {
    const auto it = labels_.find(name);
    if (it == labels_.end()) fail("has no labels '" + name + "'");
    return it->second;
  }

  // Hyper-parameters are taken one by one, so that unread() can tell which
  // ones the test did not use (and so would silently ignore).
  double take_number(const std::string& name) {
    const std::string text = take(name);
    double v = 0;
    if (!to_number(text, v)) fail("hparam '" + name + "' is not a number: '" + text + "'");
    return v;
  }
  bool take_flag(const std::string& name) {
    const std::string text = take(name);
    if (text != "true" && text != "false") {
      fail("hparam '" + name + "' is not true or false: '" + text + "'");
    }
    return text == "true";
  }
  std::vector<std::string> unread() const {
    std::vector<std::string> names;
    for (const auto& h : hparams_)
      names.push_back(h.first);
    return names;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw FixtureError(source_ + ": " + what);
  }
  [[noreturn]] void fail_at(int line, const std::string& what) const {
    throw FixtureError(source_ + ":" + std::to_string(line) + ": " + what);
  }

  std::string take(const std::string& name) {
    const auto it = hparams_.find(name);
    if (it == hparams_.end()) fail("has no hparam '" + name + "'");
    std::string text = it->second;
    hparams_.erase(it);
    return text;
  }

  // The whole token must be a finite number (strtod reads repr()'s shortest
  // round-trip text back to the exact double).
  static bool to_number(const std::string& text, double& v) {
    if (text.empty()) return false;
    char* end = nullptr;
    errno = 0;
    v = std::strtod(text.c_str(), &end);
    return errno == 0 && end == text.c_str() + text.size() && std::isfinite(v);
  }

  static std::vector<std::string> split(const std::string& line) {
    std::istringstream s(line);
    std::vector<std::string> tokens;
    std::string t;
    while (s >> t)
      tokens.push_back(t);
    return tokens;
  }

  // The next line that is neither blank nor a comment, split into tokens.
  bool next(std::istream& in, int& line_no, std::vector<std::string>& tokens) {
    std::string line;
    while (std::getline(in, line)) {
      ++line_no;
      tokens = split(line);
      if (!tokens.empty() && tokens[0][0] != '#') return true;
    }
    return false;
  }

  Index size_token(const std::string& text, int line_no) const {
    double v = 0;
    if (!to_number(text, v) || v < 1 || v > 1e6 || v != double(Index(v))) {
      fail_at(line_no, "'" + text + "' is not a size");
    }
    return Index(v);
  }

  void parse(std::istream& in) {
    int line_no = 0;
    std::vector<std::string> t;
    while (next(in, line_no, t)) {
      const std::string& kind = t[0];
      const auto expect_tokens = [&](std::size_t n, const char* form) {
        if (t.size() != n) fail_at(line_no, std::string("expected '") + form + "'");
      };
      const auto check_new = [&](const std::string& name) {
        if (matrices_.count(name) || scalars_.count(name) || labels_.count(name) ||
            hparams_.count(name)) {
          fail_at(line_no, "'" + name + "' appears twice");
        }
      };
      if (kind == "optimizer") {
        expect_tokens(2, "optimizer NAME");
        optimizer_ = t[1];
      } else if (kind == "hparam") {
        expect_tokens(3, "hparam NAME VALUE");
        check_new(t[1]);
        hparams_[t[1]] = t[2];
      } else if (kind == "scalar") {
        expect_tokens(3, "scalar NAME VALUE");
        check_new(t[1]);
        double v = 0;
        if (!to_number(t[2], v)) fail_at(line_no, "'" + t[2] + "' is not a number");
        scalars_[t[1]] = v;
      } else if (kind == "labels") {
        expect_tokens(3, "labels NAME N");
        check_new(t[1]);
        const std::string name = t[1];
        const Index n = size_token(t[2], line_no);
        if (!next(in, line_no, t)) fail_at(line_no, "labels '" + name + "' end early");
        if (Index(t.size()) != n) {
          fail_at(line_no, "labels '" + name + "': " + std::to_string(t.size()) +
                               " values, expected " + std::to_string(n));
        }
        hnn::Labels y(n);
        for (Index i = 0; i < n; ++i) {
          double v = 0;
          if (!to_number(t[i], v) || v != double(int(v)) || v < 0) {
            fail_at(line_no, "labels '" + name + "': '" + t[i] + "' is not a class index");
          }
          y(i) = int(v);
        }
        labels_[name] = y;
      } else if (kind == "matrix") {
        expect_tokens(4, "matrix NAME ROWS COLS");
        check_new(t[1]);
        const std::string name = t[1];
        const Index rows = size_token(t[2], line_no), cols = size_token(t[3], line_no);
        Mat m(rows, cols);
        for (Index i = 0; i < rows; ++i) {
          if (!next(in, line_no, t)) {
            fail_at(line_no, "matrix '" + name + "' ends after " + std::to_string(i) + " of " +
                                 std::to_string(rows) + " rows");
          }
          if (Index(t.size()) != cols) {
            fail_at(line_no, "matrix '" + name + "': a row of " + std::to_string(t.size()) +
                                 " values, expected " + std::to_string(cols));
          }
          for (Index j = 0; j < cols; ++j) {
            if (!to_number(t[j], m(i, j))) {
              fail_at(line_no, "matrix '" + name + "': '" + t[j] + "' is not a number");
            }
          }
        }
        matrices_[name] = m;
      } else {
        fail_at(line_no, "unknown item '" + kind + "'");
      }
    }
    if (line_no == 0) fail("is empty");
  }

  std::string source_;
  std::string optimizer_;
  std::map<std::string, Mat> matrices_;
  std::map<std::string, double> scalars_;
  std::map<std::string, hnn::Labels> labels_;
  std::map<std::string, std::string> hparams_;
};

// ---------------------------------------------------------------------------
// Comparison.

inline double relative_error(const Mat& a, const Mat& r) {
  return (a - r).norm() / std::max(r.norm(), 1e-300);  // ‖a − r‖ / ‖r‖
}

// Checks one tensor and keeps the largest error seen in the case.
class Comparer {
 public:
  // Each tensor must be within `tolerance` (relative, as relative_error).
  Comparer(std::string case_name, double tolerance)
      : case_(std::move(case_name)), tolerance_(tolerance) {}
  Comparer(const Comparer&) = delete;
  Comparer& operator=(const Comparer&) = delete;
  // HNN_TORCH_REPORT=1 prints the largest error of the case, =all every
  // tensor's.
  ~Comparer() {
    const char* report = std::getenv("HNN_TORCH_REPORT");
    if (report && *report && std::string(report) != "0") {
      if (std::string(report) == "all") {
        for (const auto& e : errors_)
          MESSAGE(case_ << ": " << e.first << ": relative error " << e.second);
      }
      MESSAGE(case_ << ": largest relative error " << worst_ << " (" << worst_name_ << ")");
    }
  }

  void check(const std::string& name, const Mat& hnn_value, const Mat& torch_value) {
    INFO(case_ << ": " << name);
    REQUIRE_MESSAGE(
        (hnn_value.rows() == torch_value.rows() && hnn_value.cols() == torch_value.cols()),
        name << ": hnn has " << hnn::shape_string(hnn_value) << ", the fixture "
             << hnn::shape_string(torch_value));
    const double e = relative_error(hnn_value, torch_value);
    errors_.emplace_back(name, e);
    if (!(e <= worst_)) {  // also keeps a NaN
      worst_ = e;
      worst_name_ = name;
    }
    CHECK_MESSAGE(e <= tolerance_, name << ": relative error " << e << " > " << tolerance_
                                        << "\nhnn:\n"
                                        << hnn_value << "\nPyTorch:\n"
                                        << torch_value);
  }

 private:
  std::string case_;
  double tolerance_;
  std::vector<std::pair<std::string, double>> errors_;  // every tensor checked, in order
  double worst_ = 0;
  std::string worst_name_ = "-";
};

}  // namespace torch
}  // namespace hnn_test

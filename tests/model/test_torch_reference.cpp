// SPDX-License-Identifier: MIT
// hnn pinned to PyTorch: the fixtures in tests/fixtures/torch/, written by
// scripts/make_torch_fixtures.py with PyTorch in float64, hold an MLP
// 4-8-ReLU-6-Tanh-3, a batch of 5 samples with class labels, and what
// PyTorch computes from them: the logits, CrossEntropyLoss, every parameter
// gradient, and the parameters after 5 steps of each optimizer config. hnn
// builds the same model, loads the same initial parameters and must agree.
//
// The measure, per tensor: ‖a − r‖ / max(‖r‖, 1e-300), Frobenius norms, with
// a from hnn and r from PyTorch; it must be ≤ 1e-8. (A loss is a 1 × 1
// tensor, so that is |a − r| / |r|.) Hyper-parameters come from the fixture
// files, never from this file; a hyper-parameter the test does not know, or
// a file that is missing or malformed, fails the test with a message naming
// the file and line.
//
// HNN_TORCH_REPORT=1 in the environment prints the largest relative error
// of each case.

#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <istream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "hnn/hnn.hpp"

using hnn::Index;
using Mat = hnn::Matrix<double>;

namespace hnn_test {
std::string source_dir();  // the checkout's root (tests/source_dir.cpp)
}  // namespace hnn_test

namespace {

constexpr double tolerance = 1e-8;

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

double relative_error(const Mat& a, const Mat& r) {
  return (a - r).norm() / std::max(r.norm(), 1e-300);  // ‖a − r‖ / ‖r‖
}

// Checks one tensor and keeps the largest error seen in the case.
class Comparer {
 public:
  explicit Comparer(std::string case_name) : case_(std::move(case_name)) {}
  Comparer(const Comparer&) = delete;
  Comparer& operator=(const Comparer&) = delete;
  ~Comparer() {
    const char* report = std::getenv("HNN_TORCH_REPORT");
    if (report && *report && std::string(report) != "0") {
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
    if (!(e <= worst_)) {  // also keeps a NaN
      worst_ = e;
      worst_name_ = name;
    }
    CHECK_MESSAGE(e <= tolerance, name << ": relative error " << e << " > " << tolerance
                                       << "\nhnn:\n"
                                       << hnn_value << "\nPyTorch:\n"
                                       << torch_value);
  }

 private:
  std::string case_;
  double worst_ = 0;
  std::string worst_name_ = "-";
};

// ---------------------------------------------------------------------------
// The model and one training step.

// Dense 4→8, ReLU, Dense 8→6, Tanh, Dense 6→3: the indices of nn.Sequential,
// so hnn's parameter names ("0.W", "0.b", "2.W", …) are the fixtures'.
hnn::Sequential<double> make_model(const Fixture& mlp) {
  hnn::Random rng(1);  // the draws are overwritten below
  hnn::Sequential<double> model(4);
  model.add(hnn::Dense<double>(4, 8, rng))
      .add(hnn::Activation<double, hnn::ReLU>())
      .add(hnn::Dense<double>(8, 6, rng))
      .add(hnn::Activation<double, hnn::Tanh>())
      .add(hnn::Dense<double>(6, 3, rng));
  auto params = model.parameters();
  REQUIRE(params.size() == 6);
  for (auto& p : params) {
    const Mat& w = mlp.matrix(p.name());
    REQUIRE_MESSAGE((w.rows() == p.rows() && w.cols() == p.cols()),
                    mlp.source() << ": " << p.name() << " is " << hnn::shape_string(w)
                                 << ", hnn's is " << hnn::shape_string(p.rows(), p.cols()));
    p.value() = w;  // writes into the layer
  }
  return model;
}

// zero_grad, forward, loss, backward; returns the loss and leaves the logits
// in `logits`.
double forward_backward(hnn::Sequential<double>& model, const Mat& X, const hnn::Labels& y,
                        Mat& logits) {
  const hnn::SoftmaxCrossEntropy<double> loss;
  model.zero_grad();
  logits = model.forward(X, hnn::Mode::train);
  const double value = loss.value(logits, y);
  Mat dY(logits.rows(), logits.cols());
  loss.gradient(logits, y, dY);  // ∂L/∂logits = (p − t) / n
  model.backward(dY);
  return value;
}

// ---------------------------------------------------------------------------
// An optimizer from a fixture's 'optimizer' and 'hparam' lines (PyTorch's
// names: RMSprop, Adagrad, initial_accumulator_value, …).

std::unique_ptr<hnn::Optimizer<double>> make_optimizer(Fixture& f) {
  const std::string& kind = f.optimizer();
  std::unique_ptr<hnn::Optimizer<double>> opt;
  if (kind == "SGD") {
    hnn::SGDOptions o;
    o.learning_rate = f.take_number("lr");
    o.momentum = f.take_number("momentum");
    o.dampening = f.take_number("dampening");
    o.weight_decay = f.take_number("weight_decay");
    o.nesterov = f.take_flag("nesterov");
    opt = std::make_unique<hnn::SGD<double>>(o);
  } else if (kind == "RMSprop") {
    hnn::RMSPropOptions o;
    o.learning_rate = f.take_number("lr");
    o.alpha = f.take_number("alpha");
    o.eps = f.take_number("eps");
    o.weight_decay = f.take_number("weight_decay");
    o.momentum = f.take_number("momentum");
    o.centered = f.take_flag("centered");
    opt = std::make_unique<hnn::RMSProp<double>>(o);
  } else if (kind == "Adam" || kind == "AdamW") {
    hnn::AdamOptions o;
    o.learning_rate = f.take_number("lr");
    o.beta1 = f.take_number("beta1");
    o.beta2 = f.take_number("beta2");
    o.eps = f.take_number("eps");
    o.weight_decay = f.take_number("weight_decay");
    o.amsgrad = f.take_flag("amsgrad");
    if (kind == "Adam") {
      opt = std::make_unique<hnn::Adam<double>>(o);
    } else {
      opt = std::make_unique<hnn::AdamW<double>>(o);
    }
  } else if (kind == "Adagrad") {
    hnn::AdaGradOptions o;
    o.learning_rate = f.take_number("lr");
    o.lr_decay = f.take_number("lr_decay");
    o.weight_decay = f.take_number("weight_decay");
    o.initial_accumulator = f.take_number("initial_accumulator_value");
    o.eps = f.take_number("eps");
    opt = std::make_unique<hnn::AdaGrad<double>>(o);
  } else {
    FAIL(f.source() << ": optimizer '" << kind << "' has no hnn counterpart in this test");
  }
  // hnn minimises; PyTorch's maximize=True would ascend.
  REQUIRE_MESSAGE(!f.take_flag("maximize"), f.source() << ": maximize=True is not supported");
  return opt;
}

// Runs the fixture's optimizer for its number of steps from mlp.txt's
// parameters and compares the loss before each step and the parameters after
// the last one.
void check_optimizer(const std::string& file, const std::string& expected_optimizer) {
  const Fixture mlp = Fixture::load("mlp.txt");
  Fixture f = Fixture::load(file);
  REQUIRE_MESSAGE(f.optimizer() == expected_optimizer, f.source()
                                                           << ": made with " << f.optimizer()
                                                           << ", expected " << expected_optimizer);
  auto optimizer = make_optimizer(f);
  const double steps_read = f.take_number("steps");
  REQUIRE_MESSAGE((steps_read >= 1 && steps_read <= 1000 && steps_read == double(int(steps_read))),
                  f.source() << ": steps = " << steps_read);
  const int steps = int(steps_read);
  const auto unread = f.unread();
  for (const auto& name : unread)
    FAIL_CHECK(f.source() << ": hparam '" << name << "' is not used by the test");
  REQUIRE(unread.empty());

  auto model = make_model(mlp);
  const Mat& X = mlp.matrix("X");
  const hnn::Labels& y = mlp.labels("y");
  Mat losses(1, steps), logits;
  for (int s = 0; s < steps; ++s) {
    losses(0, s) = forward_backward(model, X, y, logits);
    optimizer->step(model.parameters());
  }

  Comparer compare(file);
  compare.check("loss_per_step", losses, f.matrix("loss_per_step"));
  for (auto& p : model.parameters())
    compare.check(p.name() + " after " + std::to_string(steps) + " steps", p.value(),
                  f.matrix(p.name()));
}

}  // namespace

// ---------------------------------------------------------------------------

TEST_CASE("pinned to PyTorch: logits, loss and every parameter gradient") {
  const Fixture mlp = Fixture::load("mlp.txt");
  auto model = make_model(mlp);
  Mat logits;
  const double loss = forward_backward(model, mlp.matrix("X"), mlp.labels("y"), logits);

  Comparer compare("mlp.txt");
  compare.check("logits", logits, mlp.matrix("logits"));
  compare.check("loss", Mat::Constant(1, 1, loss), Mat::Constant(1, 1, mlp.scalar("loss")));
  for (auto& p : model.parameters())
    compare.check("gradient of " + p.name(), p.grad(), mlp.matrix("grad." + p.name()));
}

TEST_CASE("pinned to PyTorch: SGD (momentum)") {
  check_optimizer("sgd_momentum.txt", "SGD");
}

TEST_CASE("pinned to PyTorch: SGD (Nesterov, weight decay)") {
  check_optimizer("sgd_nesterov_weight_decay.txt", "SGD");
}

TEST_CASE("pinned to PyTorch: RMSProp") {
  check_optimizer("rmsprop.txt", "RMSprop");
}

TEST_CASE("pinned to PyTorch: RMSProp (momentum, centered)") {
  check_optimizer("rmsprop_momentum_centered.txt", "RMSprop");
}

TEST_CASE("pinned to PyTorch: Adam") {
  check_optimizer("adam.txt", "Adam");
}

TEST_CASE("pinned to PyTorch: Adam (amsgrad, weight decay)") {
  check_optimizer("adam_amsgrad_weight_decay.txt", "Adam");
}

TEST_CASE("pinned to PyTorch: AdamW") {
  check_optimizer("adamw.txt", "AdamW");
}

TEST_CASE("pinned to PyTorch: AdaGrad") {
  check_optimizer("adagrad.txt", "Adagrad");
}

// The reader must refuse what it cannot read, with the file and line, or a
// broken fixture could pass (nothing compared) or crash.
TEST_CASE("pinned to PyTorch: the fixture reader rejects missing and malformed files") {
  const auto rejects = [](const std::string& text, const std::string& needle) {
    std::istringstream in(text);
    bool thrown = false;
    try {
      Fixture f(in, "bad.txt");
      f.matrix("m");  // a fixture that lacks what a test asks for fails too
    } catch (const FixtureError& e) {
      thrown = true;
      const std::string what = e.what();
      INFO("text: " << text << "\nmessage: " << what);
      CHECK(what.find(needle) != std::string::npos);
    }
    CHECK_MESSAGE(thrown, "accepted: " << text);
  };
  rejects("", "bad.txt: is empty");
  rejects("# only a comment\n", "has no matrix 'm'");
  rejects("matrix m 2 2\n1 2\n", "bad.txt:2: matrix 'm' ends after 1 of 2 rows");
  rejects("matrix m 2 2\n1 2\n3\n", "bad.txt:3: matrix 'm': a row of 1 values, expected 2");
  rejects("matrix m 1 2\n1 x\n", "'x' is not a number");
  rejects("matrix m 1 2\n1 1.5e\n", "'1.5e' is not a number");
  rejects("matrix m 1 1\nnan\n", "'nan' is not a number");
  rejects("matrix m 0 2\n", "'0' is not a size");
  rejects("matrix m 2\n", "expected 'matrix NAME ROWS COLS'");
  rejects("matrix m 1 1\n1\nmatrix m 1 1\n2\n", "bad.txt:3: 'm' appears twice");
  rejects("labels y 3\n0 1\n", "labels 'y': 2 values, expected 3");
  rejects("labels y 2\n0 1.5\n", "'1.5' is not a class index");
  rejects("scalar loss\n", "expected 'scalar NAME VALUE'");
  rejects("tensor m 1 1\n1\n", "bad.txt:1: unknown item 'tensor'");

  std::istringstream in("hparam lr fast\nhparam nesterov yes\n");
  Fixture f(in, "bad.txt");
  CHECK_THROWS_WITH_AS(f.take_number("lr"), "bad.txt: hparam 'lr' is not a number: 'fast'",
                       FixtureError);
  CHECK_THROWS_WITH_AS(f.take_flag("nesterov"),
                       "bad.txt: hparam 'nesterov' is not true or false: 'yes'", FixtureError);
  CHECK_THROWS_WITH_AS(f.take_number("momentum"), "bad.txt: has no hparam 'momentum'",
                       FixtureError);

  CHECK_THROWS_AS(Fixture::load("no_such_fixture.txt"), FixtureError);
  try {
    Fixture::load("no_such_fixture.txt");
  } catch (const FixtureError& e) {
    CHECK(std::string(e.what()).find("no_such_fixture.txt: cannot open the fixture") !=
          std::string::npos);
  }
}

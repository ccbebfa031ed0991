// SPDX-License-Identifier: MIT
// The exporter's C++ side (include/hnn/export/): the C text of numbers and
// names, the int8 arithmetic, the inference plan of every layer type in the
// catalogue (run in float against Sequential::predict, and in int8 against
// the float run), BatchNorm folding, the header's text and its errors. The
// headers themselves are compiled and run by tests/export/check_exports.sh
// (gcc and clang as C99, g++ as C++, and a Cortex-M4F under QEMU).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>

#include "catalogue.hpp"
#include "hnn/hnn.hpp"
#include "test_support.hpp"

namespace test_export {

using hnn::Index;
using hnn::Matrix;

// max|a − b| / max|b| over one output.
double relative_difference(const std::vector<float>& a, const Matrix<float>& b, Index col) {
  double diff = 0, size = 0;
  for (Index i = 0; i < b.rows(); ++i) {
    diff = std::max(diff, std::fabs(double(a[std::size_t(i)]) - double(b(i, col))));
    size = std::max(size, std::fabs(double(b(i, col))));
  }
  return size > 0 ? diff / size : diff;
}

// The layers the exporter writes in float only (docs/21-embedded-export.md).
bool float_only(const std::string& type) {
  return type == "RNN" || type == "LSTM" || type == "GRU" || type == "Embedding";
}

// A model whose BatchNorm layers have running statistics away from 0 and 1.
template <typename Entry>
hnn::Sequential<float> trained_model_of(hnn::Random& rng) {
  hnn::Sequential<float> model = hnn_test::catalogue::model_of<Entry, float>(rng);
  const Matrix<float> X = Entry::sample(16, 7).template cast<float>();
  for (int k = 0; k < 5; ++k)
    model.forward(X, hnn::Mode::train, rng);
  return model;
}

struct Unknown : hnn::Layer<float> {
  std::string type_name() const override { return "Unknown"; }
  hnn::Shape compute_output_shape(const hnn::Shape& in) const override { return in; }
  std::unique_ptr<hnn::Layer<float>> clone() const override {
    return std::make_unique<Unknown>(*this);
  }

 protected:
  In forward_impl(In X, hnn::Mode) override { return X; }
  In backward_impl(In dY) override { return dY; }
};

hnn::Sequential<float> small_mlp(hnn::Random& rng) {
  hnn::Sequential<float> m(hnn::Shape{6});
  m.add(hnn::Dense<float>(6, 5, rng)).add(hnn::Activation<float, hnn::ReLU>());
  m.add(hnn::Dense<float>(5, 3, rng)).add(hnn::Softmax<float>());
  return m;
}

}  // namespace test_export

using namespace test_export;

TEST_CASE("export: a C float constant reads back as the same float") {
  for (float x : {0.5f, -1.2345678e-05f, 3.0f, 0.1f, 1e30f, -0.0f, 16777217.0f,
                  std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::max()}) {
    const std::string text = hnn::c_float(x, "w");
    INFO(text);
    CHECK(text.back() == 'f');
    CHECK(text.find_first_of(".e") != std::string::npos);  // "3f" is not C
    CHECK(std::strtof(text.c_str(), nullptr) == x);
  }
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [] { hnn::c_float(std::numeric_limits<float>::quiet_NaN(), "layer 2's W"); },
      "layer 2's W holds a value that is not finite (NaN)");
  CHECK(hnn::is_c_name("digits"));
  CHECK(hnn::is_c_name("net_2"));
  for (const char* bad : {"", "_x", "2net", "a-b", "a b", "é"})
    CHECK_FALSE(hnn::is_c_name(bad));
}

TEST_CASE("export: rounding to int8 and requantization in integers") {
  CHECK(hnn::quantize(0.5f, 1.0f) == 1);  // halves away from zero
  CHECK(hnn::quantize(-0.5f, 1.0f) == -1);
  CHECK(hnn::quantize(1000.0f, 1.0f) == 127);  // clamped, −128 never used
  CHECK(hnn::quantize(-1000.0f, 1.0f) == -127);
  CHECK(hnn::round_shift(3, 1) == 2);  // 1.5 → 2
  CHECK(hnn::round_shift(-3, 1) == -2);
  CHECK(hnn::round_shift(5, 2) == 1);  // 1.25 → 1
  CHECK(hnn::int8_scale(0) == 1.0f);
  CHECK(hnn::int8_scale(254) == 2.0f);

  hnn::Random rng(3);
  for (int trial = 0; trial < 200; ++trial) {
    const double M = std::exp(rng.uniform(-20.0, 3.0));
    const hnn::Requantizer r = hnn::requantizer(M);
    CHECK(r.multiplier >= (1 << 30));
    const double back = double(r.multiplier) * std::ldexp(1.0, -r.shift);
    CHECK(std::fabs(back - M) <= M * std::ldexp(1.0, -30));
    for (int k = 0; k < 20; ++k) {
      const auto acc = std::int32_t(rng.uniform(-2e6, 2e6));
      const double exact = double(acc) * back;  // the product the integers take exactly
      const double expected = std::max(-127.0, std::min(127.0, std::round(exact)));
      if (std::fabs(std::fabs(exact - std::trunc(exact)) - 0.5) < 1e-9) continue;
      CHECK(int(hnn::requantize(acc, r)) == int(expected));
    }
  }
  CHECK(hnn::requantizer(0).multiplier == 0);
  CHECK(hnn::requantizer(1e-12).multiplier == 0);  // below 2^−31: every acc rounds to 0
  CHECK_THROWS_AS(hnn::requantizer(-1), hnn::ArgumentError);
  CHECK_THROWS_AS(hnn::requantizer(1e12), hnn::ArgumentError);
}

TEST_CASE_TEMPLATE("export: the inference plan of each layer type computes what predict does",
                   Entry, HNN_CATALOGUE_LAYERS) {
  hnn::Random rng(11);
  hnn::Sequential<float> model = trained_model_of<Entry>(rng);
  const hnn::InferencePlan plan = hnn::inference_plan(model);
  const Matrix<float> X = Entry::sample(40, 21).template cast<float>();
  const Matrix<float> Y = model.predict(X);
  if (float_only(Entry::type)) {
    hnn_test::check_throws_with<hnn::ArgumentError>([&] { hnn::quantize_plan(plan, X); },
                                                    "has no int8 form");
    double worst = 0;
    for (Index j = 0; j < X.cols(); ++j) {
      worst = std::max(worst, relative_difference(hnn::run_plan(plan, X.col(j).data()), Y, j));
    }
    INFO(std::string(Entry::type) << ": float " << worst);
    CHECK(worst <= 1e-5);
    return;
  }
  const hnn::Int8Plan q = hnn::quantize_plan(plan, X);
  double worst = 0, worst_int8 = 0;  // int8: max|a − b| over the batch, then / max|Y|
  for (Index j = 0; j < X.cols(); ++j) {
    const std::vector<float> x(X.col(j).data(), X.col(j).data() + X.rows());
    const std::vector<float> y = hnn::run_plan(plan, x.data());
    REQUIRE(Index(y.size()) == Y.rows());
    worst = std::max(worst, relative_difference(y, Y, j));
    const std::vector<float> y8 = hnn::run_plan_int8(plan, q, x.data());
    for (Index i = 0; i < Y.rows(); ++i) {
      worst_int8 = std::max(worst_int8, std::fabs(double(y8[std::size_t(i)]) - double(Y(i, j))));
    }
  }
  worst_int8 /= double(Y.cwiseAbs().maxCoeff());
  INFO(std::string(Entry::type) << ": float " << worst << ", int8 " << worst_int8);
  CHECK(worst <= 1e-5);
  CHECK(worst_int8 <= 0.05);  // a few int8 roundings on a tiny model
}

TEST_CASE(
    "export: BatchNorm folds into the Dense or Conv2D before it, and stays a step elsewhere") {
  hnn::Random rng(5);
  hnn::Sequential<float> m(hnn::Shape{1, 6, 6});
  m.add(hnn::BatchNorm<float>(1));  // first: nothing to fold into
  m.add(hnn::Conv2D<float>(1, 3, hnn::Window(3), rng, {2, hnn::Padding::same(), false}));
  m.add(hnn::BatchNorm<float>(3));  // folds: the conv has no bias, and gets one
  m.add(hnn::Activation<float, hnn::ReLU>()).add(hnn::Flatten<float>());
  m.add(hnn::Dense<float>(27, 4, rng)).add(hnn::BatchNorm<float>(4)).add(hnn::Dropout<float>(0.3));
  const Matrix<float> X = hnn_test::uniform(36, 30, 4, -2, 3);
  for (int k = 0; k < 4; ++k)
    m.forward(X, hnn::Mode::train, rng);
  const hnn::InferencePlan plan = hnn::inference_plan(m);
  REQUIRE(plan.steps.size() ==
          4);  // affine, conv (+BN), ReLU, dense (+BN); Flatten and Dropout none
  CHECK(plan.steps[0].kind == hnn::StepKind::channel_affine);
  CHECK(plan.steps[1].kind == hnn::StepKind::conv2d);
  CHECK(plan.steps[1].what.find("folded in") != std::string::npos);
  CHECK(plan.steps[3].kind == hnn::StepKind::dense);
  CHECK(plan.steps[3].what.find("BatchNorm") != std::string::npos);
  const Matrix<float> Y = m.predict(X);
  for (Index j = 0; j < X.cols(); ++j) {
    const std::vector<float> y = hnn::run_plan(plan, X.col(j).data());
    CHECK(relative_difference(y, Y, j) <= 1e-5);
  }
}

TEST_CASE("export: the header holds the interface, the weights and the self-test") {
  hnn::Random rng(8);
  hnn::Sequential<float> m = small_mlp(rng);
  hnn::ExportOptions<float> o;
  o.name = "tiny";
  o.test_inputs = hnn_test::uniform(6, 3, 9, -1, 1);
  const std::string text = hnn::export_c_source(m, o);
  for (const char* needle :
       {"#define TINY_INPUT_SIZE 6\n", "#define TINY_OUTPUT_SIZE 3\n",
        "#define TINY_TEST_COUNT 3\n", "void tiny_predict(const float *input, float *output);",
        "void tiny_predict_with(const float *input, float *output, float *scratch);",
        "float tiny_self_test(void);", "#ifdef TINY_IMPLEMENTATION",
        "static const float tiny_s0_W[30]", "tiny_softmax(output, 3);",
        "static float tiny_arena[TINY_SCRATCH_FLOATS];"}) {
    INFO(needle);
    CHECK(text.find(needle) != std::string::npos);
  }
  for (const char* absent : {"malloc", "printf", "stdio", "stdint"}) {
    INFO(absent);
    CHECK(text.find(absent) == std::string::npos);
  }
  // The weights as written: W's row 1, column 2.
  CHECK(text.find(hnn::c_float(m.layer(0).parameters()[0].value()(1, 2), "w")) !=
        std::string::npos);
  // Dense 1 writes into buffer a (5 floats), ReLU in place, Dense 2 into the output.
  CHECK(text.find("#define TINY_SCRATCH_FLOATS 5\n") != std::string::npos);

  o.int8 = true;
  o.calibration = hnn_test::uniform(6, 50, 10, -1, 1);
  const std::string q = hnn::export_c_source(m, o);
  for (const char* needle : {"#include <stdint.h>", "static const int8_t tiny_s0_W[30]",
                             "static const int32_t tiny_s0_m[5]", "tiny_dense_q(",
                             "tiny_requantize(", "/* 3: Softmax, in float */"}) {
    INFO(needle);
    CHECK(q.find(needle) != std::string::npos);
  }
}

TEST_CASE("export: clear errors, and no file written by a failed export") {
  hnn::Random rng(8);
  hnn::Sequential<float> m = small_mlp(rng);
  hnn::ExportOptions<float> o;
  o.name = "2fast";
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { hnn::export_c_source(m, o); },
                                                  "must be a C identifier");
  o.name = "net";
  o.int8 = true;
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { hnn::export_c_source(m, o); },
                                                  "needs a calibration set");
  o.calibration = hnn_test::uniform(5, 10, 1, 0, 1);
  hnn_test::check_throws_with<hnn::ShapeError>([&] { hnn::export_c_source(m, o); },
                                               "samples of 6 values");
  o.int8 = false;
  o.test_inputs = hnn_test::uniform(7, 2, 1, 0, 1);
  hnn_test::check_throws_with<hnn::ShapeError>([&] { hnn::export_c_source(m, o); },
                                               "self-test inputs must hold samples of 6 values");
  o.test_inputs.resize(0, 0);

  hnn::Sequential<float> u(hnn::Shape{6});
  u.add(hnn::Dense<float>(6, 6, rng)).add(Unknown());
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { hnn::export_c_source(u, o); },
                                                  "layer 1, Unknown, has no C form");

  m.layer(2).parameters()[1].value()(0) = std::numeric_limits<float>::infinity();
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "hnn_test_export";
  std::filesystem::create_directories(dir);
  const std::filesystem::path path = dir / "net_model.h";
  std::filesystem::remove(path);
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { hnn::export_c(m, path.string(), o); },
                                                  "not finite (infinity)");
  CHECK_FALSE(std::filesystem::exists(path));
  m.layer(2).parameters()[1].value()(0) = 0.25f;
  hnn::export_c(m, path.string(), o);
  CHECK(std::filesystem::file_size(path) > 1000);
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    CHECK(e.path().filename() == "net_model.h");  // no temporary file left behind
  }
  std::filesystem::remove_all(dir);
}

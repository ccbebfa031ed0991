// SPDX-License-Identifier: MIT
// Watching training: the CSV writer (numbers, quoting, the History's table,
// files), the statistics and histograms of tensors, and the two callbacks of
// model/monitor.hpp, checked against values worked out by hand.

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>

#include "hnn/hnn.hpp"
#include "hnn/model/csv_export.hpp"
#include "hnn/model/monitor.hpp"
#include "test_support.hpp"

using doctest::Approx;
using hnn::Index;
using hnn::Matrix;

namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t count_lines(const std::string& text) {
  std::size_t n = 0;
  for (char c : text)
    n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("csv: numbers are the shortest text that reads back as the same double") {
  CHECK(hnn::csv::number(0.1) == "0.1");
  CHECK(hnn::csv::number(2.0) == "2");
  CHECK(hnn::csv::number(-0.5) == "-0.5");
  CHECK(hnn::csv::number(1.0 / 3) == "0.3333333333333333");
  CHECK(hnn::csv::number(0.1 + 0.2) == "0.30000000000000004");  // all 17 digits are needed
  CHECK(hnn::csv::number(1e-5) == "1e-05");
  CHECK(hnn::csv::number(123456789.0) == "123456789");
  CHECK(hnn::csv::number(double(0.1f)) == "0.10000000149011612");  // a float, widened
  CHECK(hnn::csv::number(std::numeric_limits<double>::quiet_NaN()).empty());
  CHECK(hnn::csv::number(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(hnn::csv::number(-std::numeric_limits<double>::infinity()) == "-inf");
  for (double v : {0.1 + 0.2, 6.02214076e23, -2.5e-300, 0.7}) {
    CHECK(std::stod(hnn::csv::number(v)) == v);
  }
}

TEST_CASE("csv: fields are quoted only when they must be") {
  CHECK(hnn::csv::field("loss") == "loss");
  CHECK(hnn::csv::field("a,b") == "\"a,b\"");
  CHECK(hnn::csv::field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(hnn::csv::field("two\nlines") == "\"two\nlines\"");
  CHECK(hnn::csv::row({"x", "y,z", ""}) == "x,\"y,z\",\n");
}

TEST_CASE("csv: a History becomes one row per epoch and one column per series") {
  hnn::History h;
  h.record("loss", 1.5);
  h.record("accuracy", 0.5);
  h.record("lr", 0.01);  // recorded in epoch 1 only: its second cell stays empty
  h.record("loss", 0.25);
  h.record("accuracy", 0.75);
  CHECK(hnn::to_csv(h) ==
        "epoch,loss,accuracy,lr\n"
        "1,1.5,0.5,0.01\n"
        "2,0.25,0.75,\n");
  CHECK(hnn::to_csv(hnn::History()) == "epoch\n");
}

TEST_CASE("csv: write_csv replaces the file whole, or throws FileError naming it") {
  const hnn_test::TempDir temp;
  const auto& dir = temp.folder();
  hnn::History h;
  h.record("loss", 2.0);
  const std::string path = (dir / "history.csv").string();
  {
    std::ofstream old(path);
    old << "an older, longer file that must disappear completely\n";
  }
  hnn::write_csv(h, path);
  CHECK(read_text(path) == "epoch,loss\n1,2\n");
  std::size_t files = 0;  // no temporary file left behind
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++files;
  }
  CHECK(files == 1);

  const std::string bad = (dir / "no_such_folder" / "history.csv").string();
  hnn_test::check_throws_with<hnn::FileError>([&] { hnn::write_csv(h, bad); }, bad);
}

TEST_CASE("monitor: tensor statistics, by hand") {
  Matrix<double> m(2, 2);
  m << 1, 2,  //
      3, -2;
  const auto s = hnn::tensor_stats(m);
  CHECK(s.mean == Approx(1.0));              // (1 + 3 + 2 − 2) / 4
  CHECK(s.std == Approx(std::sqrt(3.5)));    // (0² + 2² + 1² + (−3)²) / 4 = 14/4
  CHECK(s.norm == Approx(std::sqrt(18.0)));  // 1 + 9 + 4 + 4
  CHECK(s.min == -2);
  CHECK(s.max == 3);

  const Matrix<float> f = Matrix<float>::Constant(3, 1, 0.5f);  // float, computed in double
  const auto c = hnn::tensor_stats(f);
  CHECK(c.mean == 0.5);
  CHECK(c.std == 0.0);
  CHECK(c.norm == Approx(std::sqrt(0.75)));
  CHECK(std::isnan(hnn::tensor_stats(Matrix<double>(0, 0)).mean));
}

TEST_CASE("monitor: histogram bins, by hand") {
  Matrix<double> v(1, 9);
  v << -1, -0.5, 0, 0.49, 0.5, 1, 1.5, -2, std::numeric_limits<double>::quiet_NaN();
  const auto h = hnn::histogram(v, -1, 1, 4);  // bins [−1, −½) [−½, 0) [0, ½) [½, 1]
  REQUIRE(h.counts.size() == 4);
  CHECK(h.counts[0] == 1);  // −1
  CHECK(h.counts[1] == 1);  // −½
  CHECK(h.counts[2] == 2);  // 0, 0.49
  CHECK(h.counts[3] == 2);  // ½, and 1: the last bin is closed
  CHECK(h.below == 1);      // −2
  CHECK(h.above == 1);      // 1.5; the NaN is nowhere
  const std::vector<double> edges = {-1, -0.5, 0, 0.5, 1};
  CHECK(h.edges() == edges);
  CHECK(h.values() == std::vector<double>{1, 1, 2, 2});
  CHECK_THROWS_AS(hnn::histogram(v, 1, 1, 4), hnn::ArgumentError);
  CHECK_THROWS_AS(hnn::histogram(v, 0, 1, 0), hnn::ArgumentError);
}

// One Dense(2 → 1) layer, z = w₁x₁ + w₂x₂ + b with w = (1, 2), b = 0, learns
// the target 0 for x = (1, 1) by SGD (η = 0.1) on the MSE L = (z − 0)², one
// sample per batch, the same sample twice per epoch:
//
//   step 1:  z = 3,    L = 9,     ∂L/∂z = 2z = 6    ∂L/∂w = (6, 6),     ∂L/∂b = 6
//            w → (1, 2) − 0.1·(6, 6) = (0.4, 1.4),  b → −0.6
//   step 2:  z = 1.2,  L = 1.44,  ∂L/∂z = 2.4       ∂L/∂w = (2.4, 2.4), ∂L/∂b = 2.4
//            w → (0.16, 1.16),  b → −0.84
TEST_CASE("monitor: weight, gradient and update statistics of two SGD steps, by hand") {
  hnn::Random rng(1);
  hnn::Sequential<double> model(2);
  model.add(hnn::Dense<double>(2, 1, rng));
  const auto params = model.parameters();
  params[0].value() << 1, 2;
  params[1].value() << 0;
  Matrix<double> X(2, 2), Y(1, 2);
  X << 1, 1,  //
      1, 1;
  Y << 0, 0;

  auto monitor = std::make_shared<hnn::TrainingMonitor<double>>(8);  // 8 bins
  auto batches = std::make_shared<hnn::BatchLossRecorder<double>>();
  hnn::FitOptions<double> o;
  o.epochs = 1;
  o.batch_size = 1;
  o.shuffle = false;
  o.verbosity = hnn::Verbosity::quiet;
  o.callbacks = {monitor, batches};
  hnn::MSE<double> mse;
  hnn::SGD<double> sgd(0.1);
  model.fit(X, Y, mse, sgd, o);

  CHECK(monitor->parameter_names() == std::vector<std::string>{"0.W", "0.b"});
  CHECK(monitor->epochs() == 1);
  REQUIRE(monitor->records().size() == 4);  // (epochs 0 and 1) × (W and b)

  SUBCASE("before training (epoch 0): the starting weights, no gradient yet") {
    const auto& w = monitor->record(0, "0.W");
    CHECK(w.rows == 1);
    CHECK(w.cols == 2);
    CHECK(w.mean == Approx(1.5));
    CHECK(w.std == Approx(0.5));
    CHECK(w.norm == Approx(std::sqrt(5.0)));
    CHECK(w.min == 1);
    CHECK(w.max == 2);
    CHECK(std::isnan(w.grad_norm));
    CHECK(std::isnan(w.update_ratio));
    // range ±2·max|w| = ±4 in 8 bins of 1: w₁ = 1 in [1, 2), w₂ = 2 in [2, 3)
    CHECK(w.histogram.lo == -4);
    CHECK(w.histogram.hi == 4);
    CHECK(w.histogram.values() == std::vector<double>{0, 0, 0, 0, 0, 1, 1, 0});
    const auto& b = monitor->record(0, "0.b");
    CHECK(b.norm == 0);
    CHECK(b.histogram.hi == 1);  // all zero: the range falls back to ±1
    CHECK(b.histogram.values() == std::vector<double>{0, 0, 0, 0, 1, 0, 0, 0});
  }
  SUBCASE("after epoch 1: weights at its end, gradients and updates averaged over its 2 steps") {
    const auto& w = monitor->record(1, "0.W");
    CHECK(w.mean == Approx(0.66));                        // (0.16 + 1.16) / 2
    CHECK(w.std == Approx(0.5));                          // both moved by the same amount
    CHECK(w.norm == Approx(std::sqrt(0.0256 + 1.3456)));  // ‖(0.16, 1.16)‖
    CHECK(w.grad_mean == Approx((6 + 2.4) / 2));
    CHECK(w.grad_std == Approx(0.0));
    CHECK(w.grad_norm == Approx((6 + 2.4) * std::sqrt(2.0) / 2));  // mean of ‖(6,6)‖, ‖(2.4,2.4)‖
    const double step1 = 0.6 * std::sqrt(2.0) / std::sqrt(5.0);  // ‖Δw‖ / ‖(1, 2)‖
    const double step2 = 0.24 * std::sqrt(2.0) / std::sqrt(0.16 + 1.96);  // / ‖(0.4, 1.4)‖
    CHECK(w.update_ratio == Approx((step1 + step2) / 2));
    CHECK(w.histogram.values() == std::vector<double>{0, 0, 0, 0, 1, 1, 0, 0});

    const auto& b = monitor->record(1, "0.b");
    CHECK(b.mean == Approx(-0.84));
    CHECK(b.grad_norm == Approx(4.2));
    CHECK(b.update_ratio == Approx(0.24 / 0.6));  // step 1 started from b = 0: left out
    CHECK(b.histogram.values() == std::vector<double>{1, 0, 0, 0, 0, 0, 0, 0});  // −0.84
  }
  SUBCASE("series: one value per recorded epoch") {
    const auto norms = monitor->series("0.W", &hnn::ParameterRecord::norm);
    REQUIRE(norms.size() == 2);
    CHECK(norms[0] == Approx(std::sqrt(5.0)));
    hnn_test::check_throws_with<hnn::ArgumentError>(
        [&] { monitor->series("7.W", &hnn::ParameterRecord::norm); }, "7.W");
    hnn_test::check_throws_with<hnn::ArgumentError>([&] { monitor->record(2, "0.W"); },
                                                    "at epoch 2");
  }
  SUBCASE("the monitor's CSV: one row per epoch and parameter, empty where nothing was measured") {
    const std::string text = monitor->to_csv();
    std::istringstream lines(text);
    std::string header, first;
    std::getline(lines, header);
    std::getline(lines, first);
    CHECK(header ==
          "epoch,parameter,rows,cols,mean,std,norm,min,max,grad_mean,grad_std,grad_norm,"
          "update_ratio");
    CHECK(first == "0,0.W,1,2,1.5,0.5," + hnn::csv::number(std::sqrt(5.0)) + ",1,2,,,,");
    CHECK(count_lines(text) == 1 + 4);
    const std::string hist = monitor->histograms_to_csv();
    CHECK(count_lines(hist) == 1 + 4 * (8 + 2));  // each histogram: 8 bins, below and above
    CHECK(hist.rfind("epoch,parameter,lo,hi,count\n0,0.W,-inf,-4,0\n0,0.W,-4,-3,0\n", 0) == 0);
  }
  SUBCASE("the batch losses") {
    REQUIRE(batches->size() == 2);
    CHECK(batches->losses()[0] == Approx(9.0));
    CHECK(batches->losses()[1] == Approx(1.44));
    CHECK(batches->positions() == std::vector<double>{0.5, 1.0});
    CHECK(batches->to_csv() ==
          "step,epoch,batch,loss\n1,1,1,9\n2,1,2," + hnn::csv::number(batches->losses()[1]) + '\n');
  }
}

TEST_CASE("monitor: a real fit is recorded at every epoch, for every parameter") {
  hnn::Random rng(3);
  Matrix<float> X(2, 64);
  hnn::Labels y(64);
  for (Index j = 0; j < 64; ++j) {
    y(j) = int(j % 2);
    X(0, j) = float(rng.normal(y(j) ? 1.0 : -1.0, 0.5));
    X(1, j) = float(rng.normal(0.0, 0.5));
  }
  hnn::Sequential<float> model(2);
  model.add(hnn::Dense<float>(2, 8, rng))
      .add(hnn::Activation<float, hnn::Tanh>())
      .add(hnn::Dense<float>(8, 2, rng));
  auto monitor = std::make_shared<hnn::TrainingMonitor<float>>(10, 2.0);  // fixed range ±2
  auto batches = std::make_shared<hnn::BatchLossRecorder<float>>();
  hnn::FitOptions<float> o;
  o.epochs = 3;
  o.batch_size = 16;
  o.verbosity = hnn::Verbosity::quiet;
  o.callbacks = {monitor, batches};
  hnn::SoftmaxCrossEntropy<float> loss;
  hnn::Adam<float> adam(0.01);
  model.fit(X, y, loss, adam, o);

  CHECK(monitor->records().size() == 4 * 4);  // epochs 0…3 × (0.W, 0.b, 2.W, 2.b)
  CHECK(batches->size() == 3 * 4);            // 3 epochs × 4 batches
  for (const auto& r : monitor->records()) {
    CHECK(r.histogram.lo == -2);
    CHECK(r.histogram.counts.size() == 10);
    Index total = r.histogram.below + r.histogram.above;
    for (Index c : r.histogram.counts)
      total += c;
    CHECK(total == r.rows * r.cols);  // every weight counted once
    if (r.epoch > 0) {
      CHECK(r.grad_norm > 0);
      CHECK(r.update_ratio > 0);
    }
  }
  // Adam's first steps move every weight by about η: ‖Δw‖ ≈ η √n.
  const auto& w = monitor->record(1, "2.W");
  CHECK(w.update_ratio * w.norm == Approx(0.01 * 4).epsilon(0.5));

  const hnn_test::TempDir temp;
  const auto& dir = temp.folder();
  monitor->write_csv((dir / "monitor.csv").string());
  monitor->write_histograms_csv((dir / "histograms.csv").string());
  batches->write_csv((dir / "batches.csv").string());
  CHECK(count_lines(read_text(dir / "monitor.csv")) == 1 + 16);
  CHECK(count_lines(read_text(dir / "histograms.csv")) == 1 + 16 * 12);
  CHECK(count_lines(read_text(dir / "batches.csv")) == 1 + 12);

  CHECK_THROWS_AS(hnn::TrainingMonitor<float>(0), hnn::ArgumentError);
  CHECK_THROWS_AS(hnn::TrainingMonitor<float>(10, -1), hnn::ArgumentError);
}

// SPDX-License-Identifier: MIT
// The browser playground's core (playground/core/playground.hpp), natively:
// its settings and URL query, the data sets, the model it builds and one
// training run.

#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "../../playground/core/playground.hpp"

namespace test_playground_core {

namespace pg = hnn_playground;

double mean_target(const hnn::Matrix<double>& T) {
  return T.mean();
}

TEST_CASE("playground: a query round-trips the settings") {
  pg::Settings s;
  s.dataset = "spiral";
  s.noise = 0.1;
  s.train_ratio = 0.7;
  s.features = {true, true, true, false, true, true, false};
  s.layers = {8, 8, 3};
  s.activation = "relu";
  s.learning_rate = 0.003;
  s.batch_size = 25;
  s.regularization = "l2";
  s.regularization_rate = 0.001;
  s.init = "he_normal";
  s.optimizer = "adam";
  s.seed = 7;
  const pg::Settings t = pg::Settings::parse("?" + s.query());
  CHECK(t.query() == s.query());
  CHECK(t.layers == s.layers);
  CHECK(t.features == s.features);
  CHECK(t.learning_rate == 0.003);
  CHECK(t.regularization_rate == 0.001);
  CHECK(s.query().find("features=x1,x2,x1sq,x1x2,sinx1&layers=8,8,3") != std::string::npos);
  // %2C is a comma; keys left out keep their defaults; the problem follows the data set.
  const pg::Settings u = pg::Settings::parse("dataset=plane&layers=2%2C3");
  CHECK(u.problem == "regression");
  CHECK(u.layers == std::vector<int>{2, 3});
  CHECK(u.learning_rate == pg::Settings().learning_rate);
  CHECK(pg::Settings::parse("layers=").layers.empty());
}

TEST_CASE("playground: settings out of range are refused with a message") {
  const auto message = [](const std::string& q) {
    try {
      pg::Settings::parse(q);
    } catch (const hnn::ArgumentError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message("layers=1,1,1,1,1,1,1").find("at most 6 hidden layers") != std::string::npos);
  CHECK(message("layers=9").find("1 to 8 neurons, not 9") != std::string::npos);
  CHECK(message("features=").find("at least one input feature") != std::string::npos);
  CHECK(message("features=x3").find("unknown feature 'x3'") != std::string::npos);
  CHECK(message("dataset=moons").find("unknown dataset 'moons'") != std::string::npos);
  CHECK(message("colour=red").find("unknown setting 'colour'") != std::string::npos);
  CHECK(message("lr=fast").find("lr must be a number") != std::string::npos);
  CHECK(message("lr=0").find("learning rate") != std::string::npos);
  CHECK(message("noise=0.9").find("noise") != std::string::npos);
  CHECK(message("batch=0").find("batch size") != std::string::npos);
  CHECK(message("dataset=circle&problem=regression").find("classification problem") !=
        std::string::npos);
  CHECK(message("optimizer=lbfgs").find("unknown optimizer 'lbfgs'") != std::string::npos);
  CHECK(message("novalue").find("not key=value") != std::string::npos);
}

TEST_CASE("playground: the data sets") {
  for (const auto& name : pg::dataset_names()) {
    CAPTURE(name);
    pg::Settings s = pg::Settings::parse("dataset=" + name + "&ratio=0.8&points=400");
    const pg::Data d = pg::make_data(s);
    CHECK(d.train_points.cols() == 320);
    CHECK(d.test_points.cols() == 80);
    CHECK(d.train_points.rows() == 2);
    CHECK(d.train_targets.rows() == 1);
    CHECK(d.train_points.allFinite());
    CHECK(d.train_points.cwiseAbs().maxCoeff() <= 8.0);
    if (pg::is_regression_dataset(name)) {
      CHECK(d.train_targets.cwiseAbs().maxCoeff() <= 1.0);
      CHECK(d.train_targets.cwiseAbs().maxCoeff() > 0.3);
    } else {
      // labels 0/1, about half of each, shuffled before the split
      CHECK((d.train_targets.array() * (1 - d.train_targets.array())).abs().maxCoeff() == 0);
      CHECK(mean_target(d.train_targets) == doctest::Approx(0.5).epsilon(0.15));
      CHECK(mean_target(d.test_targets) == doctest::Approx(0.5).epsilon(0.4));
    }
    // the same seed draws the same points; another seed others
    CHECK(pg::make_data(s).train_points == d.train_points);
    s.seed = 2;
    CHECK(pg::make_data(s).train_points != d.train_points);
  }
  // The circle's class 1 lies inside radius 2.5, class 0 in the ring 3.5 to 5.
  const pg::Data c = pg::make_data(pg::Settings::parse("dataset=circle"));
  for (hnn::Index j = 0; j < c.train_points.cols(); ++j) {
    const double r = c.train_points.col(j).norm();
    CHECK((c.train_targets(0, j) == 1 ? r <= 2.5 : (r >= 3.5 && r <= 5.0)));
  }
  // XOR: the label is whether x1·x2 > 0.
  const pg::Data x = pg::make_data(pg::Settings::parse("dataset=xor"));
  for (hnn::Index j = 0; j < x.train_points.cols(); ++j)
    CHECK(x.train_targets(0, j) == (x.train_points(0, j) * x.train_points(1, j) > 0 ? 1 : 0));
}

TEST_CASE("playground: the features and the model built from the settings") {
  const pg::Settings s = pg::Settings::parse("features=x1,x2sq,x1x2,sinx2&layers=3,2");
  hnn::Matrix<double> P(2, 1);
  P << 2, -3;
  const hnn::Matrix<double> F = pg::features(s, P);
  REQUIRE(F.rows() == 4);
  CHECK(F(0, 0) == 2);
  CHECK(F(1, 0) == 9);
  CHECK(F(2, 0) == -6);
  CHECK(F(3, 0) == std::sin(-3.0));
  pg::Playground p(s);
  CHECK(p.model().size() == 5);  // Dense, tanh, Dense, tanh, Dense
  CHECK(p.dense_count() == 3);
  CHECK(p.weights(0).rows() == 3);
  CHECK(p.weights(0).cols() == 4);
  CHECK(p.weights(2).rows() == 1);
  CHECK(p.biases(1).rows() == 2);
  // grid: 4 inputs + 3 + 2 hidden + 1 output, each over 10 × 10 points
  const hnn::Matrix<double> g = p.grid(10);
  CHECK(g.rows() == 100);
  CHECK(g.cols() == 10);
  CHECK(g(0, 0) == doctest::Approx(-6 + 0.6));             // x1 at the top left
  CHECK(g.col(9).cwiseAbs().maxCoeff() < 1.0);             // 2p − 1
  CHECK(g.middleCols(4, 5).cwiseAbs().maxCoeff() <= 1.0);  // tanh
  CHECK_THROWS_AS(p.grid(1), hnn::ArgumentError);
  // L2 on every weight matrix
  pg::Playground q(pg::Settings::parse("reg=l2&rate=0.01"));
  CHECK(q.penalty() > 0);
  CHECK(q.model().has_penalty());
  CHECK(pg::Playground(pg::Settings::parse("reg=l2&rate=0")).penalty() == 0);
}

TEST_CASE("playground: training on the circle lowers the loss and classifies the test points") {
  pg::Playground p(pg::Settings::parse("dataset=circle&layers=4,2&lr=0.03&batch=10&seed=3"));
  const double first = p.train_loss();
  CHECK(p.epoch() == 0);
  CHECK(p.gradient_norms() == std::vector<double>(3, 0.0));
  for (int k = 0; k < 150; ++k)
    p.step();
  CHECK(p.epoch() == 150);
  CHECK(p.train_loss() < 0.5 * first);
  CHECK(p.test_accuracy() >= 0.95);
  for (double g : p.gradient_norms())
    CHECK(g > 0);
  // the same settings give the same numbers
  pg::Playground again(pg::Settings::parse("dataset=circle&layers=4,2&lr=0.03&batch=10&seed=3"));
  for (int k = 0; k < 150; ++k)
    again.step();
  CHECK(again.train_loss() == p.train_loss());
  // a regression set trains too (MSE), and has no accuracy
  pg::Playground r(pg::Settings::parse("dataset=plane&layers=2&lr=0.01"));
  const double r0 = r.train_loss();
  for (int k = 0; k < 20; ++k)
    r.step();
  CHECK(r.train_loss() < 0.2 * r0);
  CHECK(std::isnan(r.test_accuracy()));
}

TEST_CASE("playground: an exploding learning rate stops with a NumericError naming the step") {
  pg::Playground p(pg::Settings::parse("dataset=plane&layers=8,8&activation=relu&lr=10"));
  std::string what;
  try {
    for (int k = 0; k < 50; ++k)
      p.step();
  } catch (const hnn::NumericError& e) {
    what = e.what();
  }
  CHECK(what.find("at step") != std::string::npos);
}

TEST_CASE("playground: the C++ code of the settings") {
  const std::string code = pg::cpp_code(
      pg::Settings::parse("features=x1,x2,x1sq&layers=5&activation=relu&reg=l1&rate=0.001&"
                          "optimizer=momentum&init=he_uniform&batch=16&lr=0.05"));
  CHECK(code.find("hnn::Sequential<double> model(3);") != std::string::npos);
  CHECK(code.find("model.add(hnn::Dense<double>(3, 5, rng, hnn::Init::he_uniform()), "
                  "hnn::Penalty::L1(0.001));") != std::string::npos);
  CHECK(code.find("hnn::Activation<double, hnn::ReLU>") != std::string::npos);
  CHECK(code.find("sgd.momentum = 0.9;") != std::string::npos);
  CHECK(code.find("options.batch_size = 16;") != std::string::npos);
  CHECK(code.find("hnn::BinaryCrossEntropyWithLogits<double> loss;") != std::string::npos);
}

}  // namespace test_playground_core

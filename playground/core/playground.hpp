// SPDX-License-Identifier: MIT
#pragma once
// The playground's core: what the page in playground/web/ shows, computed by
// hnn itself. It is plain C++ on hnn's public API, compiled natively for the
// tests (tests/playground/) and to WebAssembly for the page
// (playground/core/binding.cpp).
//
//   Settings    every choice on the page; the page's URL is Settings::query()
//   make_data   a two-dimensional data set: circle, xor, gauss, spiral
//               (classification, labels 0/1) or plane, gaussreg (regression,
//               targets in [−1, 1]), with noise, split into train and test
//   features    the inputs the network sees: x₁, x₂, x₁², x₂², x₁x₂, sin x₁, sin x₂
//   Playground  the model built from the settings, trained one step (one
//               pass over the training points in mini-batches) at a time,
//               with the losses, accuracies, weights, each layer's gradient
//               norm and every neuron's output over a grid
//   cpp_code    the C++ program that builds and trains the same model with hnn
//
// Everything is in double: the page's numbers and the native build's agree
// to rounding (the WebAssembly build runs Eigen's scalar path).

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "hnn/activations/elu.hpp"
#include "hnn/activations/gelu.hpp"
#include "hnn/activations/identity.hpp"
#include "hnn/activations/leaky_relu.hpp"
#include "hnn/activations/relu.hpp"
#include "hnn/activations/sigmoid.hpp"
#include "hnn/activations/silu.hpp"
#include "hnn/activations/tanh.hpp"
#include "hnn/core/check.hpp"
#include "hnn/core/error.hpp"
#include "hnn/core/penalty.hpp"
#include "hnn/core/random.hpp"
#include "hnn/init/initializer.hpp"
#include "hnn/layers/activation.hpp"
#include "hnn/layers/dense.hpp"
#include "hnn/losses/binary_cross_entropy_with_logits.hpp"
#include "hnn/losses/mse.hpp"
#include "hnn/model/sequential.hpp"
#include "hnn/optimizers/adagrad.hpp"
#include "hnn/optimizers/adam.hpp"
#include "hnn/optimizers/rmsprop.hpp"
#include "hnn/optimizers/sgd.hpp"

namespace hnn_playground {

using hnn::ArgumentError;
using hnn::Index;
using Matrix = hnn::Matrix<double>;

/// The names of the input features, in the order the page lists them.
inline const std::vector<std::string>& feature_names() {
  static const std::vector<std::string> names = {"x1",   "x2",    "x1sq", "x2sq",
                                                 "x1x2", "sinx1", "sinx2"};
  return names;
}

/// The data sets, their kind and the other choices' names.
inline const std::vector<std::string>& dataset_names() {
  static const std::vector<std::string> names = {"circle", "xor",   "gauss",
                                                 "spiral", "plane", "gaussreg"};
  return names;
}
/// Whether a data set is a regression one (plane, gaussreg).
inline bool is_regression_dataset(const std::string& name) {
  return name == "plane" || name == "gaussreg";
}
/// The activations the page offers.
inline const std::vector<std::string>& activation_names() {
  static const std::vector<std::string> names = {"tanh",       "relu", "sigmoid", "linear",
                                                 "leaky_relu", "elu",  "gelu",    "silu"};
  return names;
}
/// The initializers the page offers.
inline const std::vector<std::string>& init_names() {
  static const std::vector<std::string> names = {"xavier_uniform", "xavier_normal", "he_uniform",
                                                 "he_normal",      "lecun_uniform", "lecun_normal"};
  return names;
}
/// The optimizers the page offers ("momentum" is SGD with μ = 0.9).
inline const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names = {"sgd", "momentum", "adam", "rmsprop", "adagrad"};
  return names;
}

/// The most hidden layers, and neurons in one, the page allows.
constexpr int max_layers = 6;
/// The most neurons in one hidden layer.
constexpr int max_neurons = 8;
/// The data sets' square: both coordinates in [−extent, extent].
constexpr double extent = 6.0;
/// π.
constexpr double pi = 3.14159265358979323846;

/// Every choice on the page.
struct Settings {
  std::string dataset = "circle";          ///< one of dataset_names()
  std::string problem = "classification";  ///< or "regression" (follows the data set)
  double noise = 0;                        ///< 0 to 0.5
  double train_ratio = 0.5;                ///< the share of points trained on, 0.1 to 0.9
  int points = 500;                        ///< points in the data set
  std::vector<bool> features = {true, true, false, false, false, false, false};  ///< used inputs
  std::vector<int> layers = {4, 2};     ///< neurons of each hidden layer
  std::string activation = "tanh";      ///< one of activation_names()
  double learning_rate = 0.03;          ///< η
  int batch_size = 10;                  ///< samples per step of the optimizer
  std::string regularization = "none";  ///< "none", "l1" or "l2"
  double regularization_rate = 0;       ///< λ of the penalty
  std::string init = "xavier_uniform";  ///< one of init_names()
  std::string optimizer = "sgd";        ///< one of optimizer_names()
  std::uint64_t seed = 1;               ///< data, weights and shuffling

  /// The number of inputs the network sees.
  int input_count() const { return int(std::count(features.begin(), features.end(), true)); }

  /// ArgumentError naming the setting unless every value is allowed.
  void check() const {
    const auto one_of = [](const char* what, const std::string& v,
                           const std::vector<std::string>& allowed) {
      if (std::find(allowed.begin(), allowed.end(), v) == allowed.end())
        throw ArgumentError(std::string("playground: unknown ") + what + " '" + v + "'");
    };
    one_of("dataset", dataset, dataset_names());
    one_of("activation", activation, activation_names());
    one_of("init", init, init_names());
    one_of("optimizer", optimizer, optimizer_names());
    one_of("regularization", regularization, {"none", "l1", "l2"});
    one_of("problem", problem, {"classification", "regression"});
    if ((problem == "regression") != is_regression_dataset(dataset))
      throw ArgumentError("playground: the " + dataset + " data set is a " +
                          (is_regression_dataset(dataset) ? "regression" : "classification") +
                          " problem, not " + problem);
    hnn::check_closed("playground", "noise", noise, 0.0, 0.5);
    hnn::check_closed("playground", "train ratio", train_ratio, 0.1, 0.9);
    if (points < 20 || points > 5000)
      throw ArgumentError("playground: points must be in [20, 5000], not " +
                          std::to_string(points));
    if (features.size() != feature_names().size() || input_count() == 0)
      throw ArgumentError("playground: at least one input feature is needed");
    if (int(layers.size()) > max_layers)
      throw ArgumentError("playground: at most " + std::to_string(max_layers) +
                          " hidden layers, not " + std::to_string(layers.size()));
    for (int n : layers)
      if (n < 1 || n > max_neurons)
        throw ArgumentError("playground: a hidden layer has 1 to " + std::to_string(max_neurons) +
                            " neurons, not " + std::to_string(n));
    hnn::check_above("playground", "learning rate", learning_rate, 0);
    if (batch_size < 1) throw ArgumentError("playground: batch size must be ≥ 1");
    hnn::check_at_least("playground", "regularization rate", regularization_rate, 0);
  }

  /// The settings as a URL query ("dataset=spiral&noise=0&…"): what the page's address holds.
  std::string query() const {
    std::ostringstream s;
    s << "dataset=" << dataset << "&problem=" << problem << "&noise=" << number(noise)
      << "&ratio=" << number(train_ratio) << "&points=" << points << "&features=";
    bool first = true;
    for (std::size_t k = 0; k < features.size(); ++k) {
      if (!features[k]) continue;
      s << (first ? "" : ",") << feature_names()[k];
      first = false;
    }
    s << "&layers=";
    for (std::size_t k = 0; k < layers.size(); ++k)
      s << (k ? "," : "") << layers[k];
    s << "&activation=" << activation << "&lr=" << number(learning_rate) << "&batch=" << batch_size
      << "&reg=" << regularization << "&rate=" << number(regularization_rate) << "&init=" << init
      << "&optimizer=" << optimizer << "&seed=" << seed;
    return s.str();
  }

  /// Settings from a URL query; keys left out keep their defaults.
  // ArgumentError for an unknown key, a malformed number or a value check() refuses.
  static Settings parse(const std::string& query) {
    Settings s;
    bool problem_given = false;
    std::string q = query;
    if (!q.empty() && (q[0] == '?' || q[0] == '#')) q.erase(0, 1);
    std::istringstream in(q);
    std::string pair;
    while (std::getline(in, pair, '&')) {
      if (pair.empty()) continue;
      const auto eq = pair.find('=');
      if (eq == std::string::npos)
        throw ArgumentError("playground: '" + pair + "' is not key=value");
      const std::string key = pair.substr(0, eq), value = decode(pair.substr(eq + 1));
      if (key == "dataset") {
        s.dataset = value;
      } else if (key == "problem") {
        s.problem = value;
        problem_given = true;
      } else if (key == "noise") {
        s.noise = to_double(key, value);
      } else if (key == "ratio") {
        s.train_ratio = to_double(key, value);
      } else if (key == "points") {
        s.points = to_int(key, value);
      } else if (key == "features") {
        s.features.assign(feature_names().size(), false);
        for (const auto& name : split(value)) {
          const auto& names = feature_names();
          const auto at = std::find(names.begin(), names.end(), name);
          if (at == names.end()) throw ArgumentError("playground: unknown feature '" + name + "'");
          s.features[std::size_t(at - names.begin())] = true;
        }
      } else if (key == "layers") {
        s.layers.clear();
        for (const auto& n : split(value))
          s.layers.push_back(to_int(key, n));
      } else if (key == "activation") {
        s.activation = value;
      } else if (key == "lr") {
        s.learning_rate = to_double(key, value);
      } else if (key == "batch") {
        s.batch_size = to_int(key, value);
      } else if (key == "reg") {
        s.regularization = value;
      } else if (key == "rate") {
        s.regularization_rate = to_double(key, value);
      } else if (key == "init") {
        s.init = value;
      } else if (key == "optimizer") {
        s.optimizer = value;
      } else if (key == "seed") {
        const int seed = to_int(key, value);
        if (seed < 0) throw ArgumentError("playground: seed must be ≥ 0");
        s.seed = std::uint64_t(seed);
      } else {
        throw ArgumentError("playground: unknown setting '" + key + "'");
      }
    }
    if (!problem_given)
      s.problem = is_regression_dataset(s.dataset) ? "regression" : "classification";
    s.check();
    return s;
  }

  /// A number as the query writes it: the shortest text that reads back the same double.
  static std::string number(double v) {
    char text[32];
    for (int digits = 1; digits <= 17; ++digits) {
      std::snprintf(text, sizeof text, "%.*g", digits, v);
      if (std::strtod(text, nullptr) == v) break;
    }
    return text;
  }

 private:
  static std::vector<std::string> split(const std::string& list) {
    std::vector<std::string> items;
    std::istringstream in(list);
    std::string item;
    while (std::getline(in, item, ','))
      if (!item.empty()) items.push_back(item);
    return items;
  }
  static std::string decode(const std::string& text) {  // %2C → ','
    std::string out;
    for (std::size_t k = 0; k < text.size(); ++k) {
      if (text[k] == '%' && k + 2 < text.size() &&
          std::isxdigit(static_cast<unsigned char>(text[k + 1])) &&
          std::isxdigit(static_cast<unsigned char>(text[k + 2]))) {
        out += char(std::strtol(text.substr(k + 1, 2).c_str(), nullptr, 16));
        k += 2;
      } else {
        out += text[k] == '+' ? ' ' : text[k];
      }
    }
    return out;
  }
  static double to_double(const std::string& key, const std::string& v) {
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !std::isfinite(d))
      throw ArgumentError("playground: " + key + " must be a number, not '" + v + "'");
    return d;
  }
  static int to_int(const std::string& key, const std::string& v) {
    char* end = nullptr;
    const long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || n < -1000000000L || n > 1000000000L)
      throw ArgumentError("playground: " + key + " must be a whole number, not '" + v + "'");
    return int(n);
  }
};

/// A data set: points (2 × N, one per column) and targets (1 × N: labels 0/1 or values).
struct Data {
  Matrix train_points;   ///< 2 × N_train
  Matrix train_targets;  ///< 1 × N_train
  Matrix test_points;    ///< 2 × N_test
  Matrix test_targets;   ///< 1 × N_test
};

/// The data set the settings name, drawn from Random(seed), shuffled and split.
// Classification sets put points in [−6, 6]² with labels 0/1; noise moves
// each point by up to ±6·noise in each coordinate (its label stays). The
// regression sets draw points uniformly in the square, with a target in
// [−1, 1] plus noise·N(0, 1).
inline Data make_data(const Settings& s) {
  s.check();
  hnn::Random rng(s.seed);
  const Index N = s.points;
  Matrix P(2, N), T(1, N);
  const double r_max = 5.0;
  for (Index j = 0; j < N; ++j) {
    double x = 0, y = 0, t = 0;
    const bool positive = j < N / 2;
    if (s.dataset == "circle") {  // inside r < 2.5: 1; the ring 3.5 < r < 5: 0
      const double r = positive ? rng.uniform(0, 0.5 * r_max) : rng.uniform(0.7 * r_max, r_max);
      const double a = rng.uniform(0, 2 * pi);
      x = r * std::sin(a);
      y = r * std::cos(a);
      t = positive ? 1 : 0;
    } else if (s.dataset == "xor") {  // the quadrants: 1 where x·y > 0
      const double pad = 0.3;
      x = rng.uniform(-5, 5);
      y = rng.uniform(-5, 5);
      x += x > 0 ? pad : -pad;
      y += y > 0 ? pad : -pad;
      t = x * y > 0 ? 1 : 0;
    } else if (s.dataset == "gauss") {  // N((2, 2), σ) is 1, N((−2, −2), σ) is 0
      const double c = positive ? 2 : -2, sigma = 0.5 + 3 * s.noise;
      x = rng.normal(c, sigma);
      y = rng.normal(c, sigma);
      t = positive ? 1 : 0;
    } else if (s.dataset == "spiral") {  // two arms, a half turn apart
      const Index n = N / 2, i = positive ? j : j - n;
      const double r = r_max * double(i) / double(n);
      const double a = 1.75 * 2 * pi * double(i) / double(n) + (positive ? 0 : pi);
      x = r * std::sin(a);
      y = r * std::cos(a);
      t = positive ? 1 : 0;
    } else {  // regression: uniform points in the square
      x = rng.uniform(-extent, extent);
      y = rng.uniform(-extent, extent);
      if (s.dataset == "plane") {
        t = (x + y) / (2 * extent);  // a tilted plane, in [−1, 1]
      } else {                       // gaussreg: two bumps, one up and one down
        const auto bump = [](double u, double v) { return std::exp(-(u * u + v * v) / 4.5); };
        t = bump(x - 2.5, y - 2.5) - bump(x + 2.5, y + 2.5);
      }
      t += s.noise * rng.normal();
    }
    if (!is_regression_dataset(s.dataset) && s.noise > 0) {
      x += rng.uniform(-extent * s.noise, extent * s.noise);
      y += rng.uniform(-extent * s.noise, extent * s.noise);
    }
    P(0, j) = x;
    P(1, j) = y;
    T(0, j) = t;
  }
  // Fisher–Yates with the same generator, then the first share trains.
  std::vector<Index> order(static_cast<std::size_t>(N));
  for (Index j = 0; j < N; ++j)
    order[std::size_t(j)] = j;
  for (Index j = N - 1; j > 0; --j)
    std::swap(order[std::size_t(j)], order[std::size_t(Index(rng.uniform() * double(j + 1)))]);
  const Index n_train =
      std::max<Index>(1, std::min<Index>(N - 1, Index(std::lround(s.train_ratio * double(N)))));
  Data d;
  d.train_points.resize(2, n_train);
  d.train_targets.resize(1, n_train);
  d.test_points.resize(2, N - n_train);
  d.test_targets.resize(1, N - n_train);
  for (Index k = 0; k < N; ++k) {
    const Index j = order[std::size_t(k)];
    if (k < n_train) {
      d.train_points.col(k) = P.col(j);
      d.train_targets.col(k) = T.col(j);
    } else {
      d.test_points.col(k - n_train) = P.col(j);
      d.test_targets.col(k - n_train) = T.col(j);
    }
  }
  return d;
}

/// The inputs the network sees for the points (2 × N): one row per used feature.
inline Matrix features(const Settings& s, const Matrix& points) {
  Matrix F(s.input_count(), points.cols());
  for (Index j = 0; j < points.cols(); ++j) {
    const double x1 = points(0, j), x2 = points(1, j);
    const double all[] = {x1, x2, x1 * x1, x2 * x2, x1 * x2, std::sin(x1), std::sin(x2)};
    Index row = 0;
    for (std::size_t k = 0; k < s.features.size(); ++k)
      if (s.features[k]) F(row++, j) = all[k];
  }
  return F;
}

/// Appends the activation layer the settings name.
inline void add_activation(hnn::Sequential<double>& model, const std::string& name) {
  if (name == "tanh")
    model.add(hnn::Activation<double, hnn::Tanh>());
  else if (name == "relu")
    model.add(hnn::Activation<double, hnn::ReLU>());
  else if (name == "sigmoid")
    model.add(hnn::Activation<double, hnn::Sigmoid>());
  else if (name == "linear")
    model.add(hnn::Activation<double, hnn::Identity>());
  else if (name == "leaky_relu")
    model.add(hnn::Activation<double, hnn::LeakyReLU>());
  else if (name == "elu")
    model.add(hnn::Activation<double, hnn::ELU>());
  else if (name == "gelu")
    model.add(hnn::Activation<double, hnn::GELU>());
  else if (name == "silu")
    model.add(hnn::Activation<double, hnn::SiLU>());
  else
    throw ArgumentError("playground: unknown activation '" + name + "'");
}

/// The initializer the settings name.
inline hnn::Init make_init(const std::string& name) {
  if (name == "xavier_uniform") return hnn::Init::xavier_uniform();
  if (name == "xavier_normal") return hnn::Init::xavier_normal();
  if (name == "he_uniform") return hnn::Init::he_uniform();
  if (name == "he_normal") return hnn::Init::he_normal();
  if (name == "lecun_uniform") return hnn::Init::lecun_uniform();
  if (name == "lecun_normal") return hnn::Init::lecun_normal();
  throw ArgumentError("playground: unknown init '" + name + "'");
}

/// The optimizer the settings name, at their learning rate.
inline std::unique_ptr<hnn::Optimizer<double>> make_optimizer(const Settings& s) {
  const double lr = s.learning_rate;
  if (s.optimizer == "sgd") return std::make_unique<hnn::SGD<double>>(lr);
  if (s.optimizer == "momentum") {
    hnn::SGDOptions o;
    o.learning_rate = lr;
    o.momentum = 0.9;
    return std::make_unique<hnn::SGD<double>>(o);
  }
  if (s.optimizer == "adam") return std::make_unique<hnn::Adam<double>>(lr);
  if (s.optimizer == "rmsprop") return std::make_unique<hnn::RMSProp<double>>(lr);
  if (s.optimizer == "adagrad") return std::make_unique<hnn::AdaGrad<double>>(lr);
  throw ArgumentError("playground: unknown optimizer '" + s.optimizer + "'");
}

/// The penalty the settings put on every weight matrix.
inline hnn::Penalty make_penalty(const Settings& s) {
  if (s.regularization == "l1") return hnn::Penalty::L1(s.regularization_rate);
  if (s.regularization == "l2") return hnn::Penalty::L2(s.regularization_rate);
  return hnn::Penalty();
}

/// The model the settings describe: Dense and activation per hidden layer, one output.
// The output is a logit for classification (trained with
// BinaryCrossEntropyWithLogits) and a value for regression (MSE).
inline hnn::Sequential<double> make_model(const Settings& s, hnn::Random& rng) {
  hnn::Sequential<double> model(s.input_count());
  const hnn::Init init = make_init(s.init);
  const hnn::Penalty penalty = make_penalty(s);
  Index in = s.input_count();
  for (int n : s.layers) {
    model.add(hnn::Dense<double>(in, n, rng, init), penalty);
    add_activation(model, s.activation);
    in = n;
  }
  model.add(hnn::Dense<double>(in, 1, rng, init), penalty);
  return model;
}

/// The model of the settings, trained one step at a time, and what the page draws.
class Playground {
 public:
  /// The data set, the model and the optimizer the settings describe.
  explicit Playground(const Settings& s)
      : settings_((s.check(), s)),
        data_(make_data(s)),
        weight_random_(s.seed + 1),
        order_random_(s.seed + 2),
        model_(make_model(s, weight_random_)),
        optimizer_(make_optimizer(s)),
        X_train_(features(s, data_.train_points)),
        X_test_(features(s, data_.test_points)) {
    for (std::size_t k = 0; k < model_.size(); ++k)
      if (model_.layer(k).type_name() == "Dense") dense_.push_back(k);
    gradient_norms_.assign(dense_.size(), 0.0);
    measure();
  }

  /// The settings it was built from.
  const Settings& settings() const { return settings_; }
  /// The data set.
  const Data& data() const { return data_; }
  /// The model.
  hnn::Sequential<double>& model() { return model_; }
  /// Steps taken (each one pass over the training points).
  int epoch() const { return epoch_; }
  /// Whether the problem is classification.
  bool classification() const { return settings_.problem == "classification"; }

  /// One pass over the training points in shuffled mini-batches: one optimizer step per batch.
  // Each batch: ∂L/∂w by backward, + ∂R/∂W of the penalty, then the optimizer.
  // gradient_norms() are then the mean over the batches of ‖∂L/∂W‖ of each
  // Dense layer (the loss's part alone, before the penalty's).
  void step() {
    const Index N = X_train_.cols();
    std::vector<Index> order(static_cast<std::size_t>(N));
    for (Index j = 0; j < N; ++j)
      order[std::size_t(j)] = j;
    for (Index j = N - 1; j > 0; --j)
      std::swap(order[std::size_t(j)],
                order[std::size_t(Index(order_random_.uniform() * double(j + 1)))]);
    auto params = model_.parameters();
    auto penalized = model_.penalized_weights();
    std::vector<double> norms(dense_.size(), 0.0);
    Index batches = 0;
    const Index B = std::min<Index>(settings_.batch_size, N);
    for (Index first = 0; first < N; first += B) {
      const Index n = std::min(B, N - first);
      Matrix Xb(X_train_.rows(), n), Tb(1, n), G(1, n);
      for (Index k = 0; k < n; ++k) {
        Xb.col(k) = X_train_.col(order[std::size_t(first + k)]);
        Tb.col(k) = data_.train_targets.col(order[std::size_t(first + k)]);
      }
      hnn::zero_grad(params);
      const auto P = model_.forward(Xb, hnn::Mode::train, weight_random_);
      const double L = loss_value_and_gradient(P, Tb, G);
      if (!std::isfinite(L))
        throw hnn::NumericError("playground: the loss is " + std::to_string(L) + " at step " +
                                std::to_string(epoch_ + 1) +
                                "; training stopped (try a smaller learning rate)");
      model_.backward(G);
      for (std::size_t d = 0; d < dense_.size(); ++d)
        norms[d] += dense_weights(d).grad().norm();
      hnn::add_penalty_gradients(penalized);  // dW += λ₁ sign(W) + 2 λ₂ W
      optimizer_->step(params);
      ++batches;
    }
    for (std::size_t d = 0; d < dense_.size(); ++d)
      gradient_norms_[d] = norms[d] / double(batches);
    ++epoch_;
    measure();
  }

  /// The loss on the training points (the data's part, without the penalty).
  double train_loss() const { return train_loss_; }
  /// The loss on the test points.
  double test_loss() const { return test_loss_; }
  /// The share of training points classified right (NaN for regression).
  double train_accuracy() const { return train_accuracy_; }
  /// The share of test points classified right (NaN for regression).
  double test_accuracy() const { return test_accuracy_; }
  /// The penalty R at the current weights.
  double penalty() { return model_.penalty_value(); }
  /// ‖∂L/∂W‖ of each Dense layer in the last step, averaged over its batches (zeros before).
  const std::vector<double>& gradient_norms() const { return gradient_norms_; }
  /// The number of Dense layers (hidden ones and the output).
  std::size_t dense_count() const { return dense_.size(); }
  /// W of Dense layer d (out × in).
  Matrix weights(std::size_t d) { return dense_weights(d).value(); }
  /// b of Dense layer d (out × 1).
  Matrix biases(std::size_t d) { return model_.layer(dense_.at(d)).parameters().at(1).value(); }

  /// Every neuron's output over a resolution × resolution grid of the square.
  // One column per node: the inputs (the features), each hidden neuron after
  // its activation, and the output (a probability for classification mapped
  // to 2p − 1, in [−1, 1]; the value for regression). Row r·resolution + c
  // is the point x₁ = −6 + 12 (c + ½)/resolution, x₂ = 6 − 12 (r + ½)/resolution
  // (row 0 at the top, as a picture).
  Matrix grid(int resolution) {
    if (resolution < 2 || resolution > 200)
      throw ArgumentError("playground: grid resolution must be in [2, 200]");
    const Index n = Index(resolution) * resolution;
    Matrix points(2, n);
    for (int r = 0; r < resolution; ++r)
      for (int c = 0; c < resolution; ++c) {
        points(0, Index(r) * resolution + c) = -extent + 2 * extent * (c + 0.5) / resolution;
        points(1, Index(r) * resolution + c) = extent - 2 * extent * (r + 0.5) / resolution;
      }
    Matrix A = features(settings_, points);
    Index nodes = A.rows() + 1;
    for (int h : settings_.layers)
      nodes += h;
    Matrix out(n, nodes);
    Index column = 0;
    out.leftCols(A.rows()) = A.transpose();
    column += A.rows();
    for (std::size_t k = 0; k < model_.size(); ++k) {
      A = model_.layer(k).forward(A, hnn::Mode::infer);
      const bool dense = model_.layer(k).type_name() == "Dense";
      if (k + 1 == model_.size()) {
        out.col(column) = classification()
                              ? Matrix((2.0 / (1.0 + (-A.array()).exp()) - 1.0).transpose())
                              : Matrix(A.transpose());
      } else if (!dense) {
        out.middleCols(column, A.rows()) = A.transpose();
        column += A.rows();
      }
    }
    return out;
  }

 private:
  double loss_value_and_gradient(hnn::ConstRef<double> P, const Matrix& T, Matrix& G) const {
    if (classification()) return bce_.value_and_gradient(P, T, G);
    return mse_.value_and_gradient(P, T, G);
  }
  hnn::Parameter<double> dense_weights(std::size_t d) {
    for (auto& p : model_.layer(dense_.at(d)).parameters())
      if (p.name() == "W") return p;
    throw hnn::Error("playground: a Dense layer without W");
  }
  void measure() {
    const auto evaluate = [this](const Matrix& X, const Matrix& T, double& loss, double& acc) {
      const Matrix P = model_.predict(X);
      loss = classification() ? bce_.value(P, T) : mse_.value(P, T);
      acc = std::nan("");
      if (classification()) {
        Index right = 0;
        for (Index j = 0; j < P.cols(); ++j)
          right += (P(0, j) > 0) == (T(0, j) > 0.5);
        acc = double(right) / double(std::max<Index>(1, P.cols()));
      }
    };
    evaluate(X_train_, data_.train_targets, train_loss_, train_accuracy_);
    evaluate(X_test_, data_.test_targets, test_loss_, test_accuracy_);
  }

  Settings settings_;
  Data data_;
  hnn::Random weight_random_, order_random_;
  hnn::Sequential<double> model_;
  std::unique_ptr<hnn::Optimizer<double>> optimizer_;
  Matrix X_train_, X_test_;
  std::vector<std::size_t> dense_;  // the indices of the Dense layers
  std::vector<double> gradient_norms_;
  hnn::BinaryCrossEntropyWithLogits<double> bce_;
  hnn::MSE<double> mse_;
  int epoch_ = 0;
  double train_loss_ = 0, test_loss_ = 0, train_accuracy_ = 0, test_accuracy_ = 0;
};

/// The C++ code that builds and trains the same model with hnn.
// make_model() builds it with the playground's initial weights (the same
// generator, seed + 1, drawn in the same order); train(X, Y, epochs) fits it
// to the reader's X (features × N) and Y (1 × N) with the loss, optimizer
// and batch size of the settings (fit shuffles its own way, so the weights
// after training differ from the page's).
inline std::string cpp_code(const Settings& s) {
  s.check();
  static const char* const activation_types[] = {"Tanh",      "ReLU", "Sigmoid", "Identity",
                                                 "LeakyReLU", "ELU",  "GELU",    "SiLU"};
  static const char* const optimizer_types[] = {"SGD", "SGD", "Adam", "RMSProp", "AdaGrad"};
  const auto index = [](const std::vector<std::string>& names, const std::string& v) {
    return std::size_t(std::find(names.begin(), names.end(), v) - names.begin());
  };
  const std::string act = activation_types[index(activation_names(), s.activation)];
  const std::string penalty =
      s.regularization == "none"
          ? ""
          : ", hnn::Penalty::" + std::string(s.regularization == "l1" ? "L1" : "L2") + "(" +
                Settings::number(s.regularization_rate) + ")";
  std::ostringstream c;
  c << "// " << s.query() << "\n"
    << "#include \"hnn/hnn.hpp\"\n\n"
    << "// X: the inputs, one row per feature (";
  bool first = true;
  for (std::size_t k = 0; k < s.features.size(); ++k)
    if (s.features[k]) {
      c << (first ? "" : ", ") << feature_names()[k];
      first = false;
    }
  c << "), one column per point;\n// Y: "
    << (s.problem == "classification" ? "the labels 0 or 1" : "the targets")
    << ", 1 x N.\n\n// The network, with the playground's initial weights.\n"
    << "hnn::Sequential<double> make_model() {\n"
    << "  hnn::Random rng(" << s.seed + 1 << ");\n"
    << "  hnn::Sequential<double> model(" << s.input_count() << ");\n";
  Index in = s.input_count();
  for (int n : s.layers) {
    c << "  model.add(hnn::Dense<double>(" << in << ", " << n << ", rng, hnn::Init::" << s.init
      << "())" << penalty << ");\n"
      << "  model.add(hnn::Activation<double, hnn::" << act << ">());\n";
    in = n;
  }
  c << "  model.add(hnn::Dense<double>(" << in << ", 1, rng, hnn::Init::" << s.init << "())"
    << penalty << ");\n"
    << "  return model;\n}\n\n"
    << "// Trained as the playground trains it: " << s.batch_size << " points a batch.\n"
    << "hnn::Sequential<double> train(const hnn::Matrix<double>& X, const "
       "hnn::Matrix<double>& Y, int epochs) {\n"
    << "  hnn::Sequential<double> model = make_model();\n";
  if (s.problem == "classification")
    c << "  hnn::BinaryCrossEntropyWithLogits<double> loss;\n";
  else
    c << "  hnn::MSE<double> loss;\n";
  const std::string opt = optimizer_types[index(optimizer_names(), s.optimizer)];
  if (s.optimizer == "momentum") {
    c << "  hnn::SGDOptions sgd;\n  sgd.learning_rate = " << Settings::number(s.learning_rate)
      << ";\n  sgd.momentum = 0.9;\n  hnn::SGD<double> optimizer(sgd);\n";
  } else {
    c << "  hnn::" << opt << "<double> optimizer(" << Settings::number(s.learning_rate) << ");\n";
  }
  c << "  hnn::FitOptions<double> options;\n"
    << "  options.batch_size = " << s.batch_size << ";\n"
    << "  options.epochs = epochs;\n"
    << "  model.fit(X, Y, loss, optimizer, options);\n"
    << "  return model;\n}\n";
  return c.str();
}

}  // namespace hnn_playground

// SPDX-License-Identifier: MIT
// Vanishing and exploding gradients. Ten Dense layers deep, backpropagation
// multiplies the gradient by one Jacobian per layer; whether the product
// shrinks, stays or grows decides whether the first layers learn at all. It
// depends on the activation and on the scale of the starting weights.
//
// Network: 2 → [Dense(· → 64) → f] × 9 → Dense(64 → 3) → (logits), ten Dense layers,
//          f ∈ {sigmoid, tanh, ReLU} × initialisation ∈ {N(0, 0.01²), Xavier/He, N(0, 1)}.
// Measure: at initialisation, on one batch of 300 spiral points (3 classes, softmax
//          cross-entropy): the gradient norm ‖∂L/∂W_k‖ of each Dense layer k, and the
//          spread (std) of each hidden layer's output. Then 40 epochs of plain SGD
//          (η = 0.05, batches of 32) for each network, to see which ones learn.
// Look for: sigmoid, even with Xavier's init, loses a factor of about 4 per layer on
//           the way down: ‖∂L/∂W₁‖ / ‖∂L/∂W₁₀‖ is about 10⁻⁶, and it does not learn.
//           tanh with Xavier and ReLU with He keep the gradient within an order of
//           magnitude from the last layer to the first, and learn. Too small a start,
//           N(0, 0.01²), shrinks the forward signal layer after layer, so every
//           gradient is tiny; too large, N(0, 1), blows up ReLU's signal (×5.7 per
//           layer) until SGD diverges.
// Then:    the same three usual networks, with the same weights, but layers 2 … 9 each
//          inside a Residual block, A_k = A_{k−1} + f(W_k A_{k−1} + b_k): the skip path
//          carries the gradient past every f, and sigmoid's no longer vanishes.
// Writes:  vanishing_gradients.svg, activation_spread.svg, deep_training.svg,
//          skip_connections.svg, gradient_norms.csv, skip_connections.csv, into the
//          folder given as argv[1] (default out/).
// Run:     bash scripts/demo.sh vanishing_gradients   (builds it, runs it: pictures in out/)
//          build/demo/examples/vanishing_gradients docs/images   (regenerates the docs' pictures)

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "hnn/hnn.hpp"
#include "hnn/model/csv_export.hpp"
#include "hnn/model/monitor.hpp"
#include "hnn/plot/svg.hpp"
#include "toy_data.hpp"

namespace {

using S = float;
constexpr int depth = 10;  // Dense layers
constexpr hnn::Index width = 64;
constexpr int epochs = 40;  // of training, after the measurement
constexpr double learning_rate = 0.05;

enum class Act { sigmoid, tanh, relu };

struct Config {
  Config(Act a, std::string activation_name, std::string init_label, hnn::Init initializer)
      : act(a),
        activation(std::move(activation_name)),
        init_name(std::move(init_label)),
        init(initializer) {}
  Act act;
  std::string activation;  // "sigmoid"
  std::string init_name;   // "Xavier"
  hnn::Init init;
  std::vector<double> grad_norms;  // ‖∂L/∂W_k‖, k = 1 … depth
  std::vector<double> spread;      // std of hidden layer k's output, k = 1 … depth − 1
  std::vector<double> loss;        // training loss per epoch (shorter if training diverged)
  double accuracy = 0;             // on the training set after training (0 if diverged)
  // When training diverged: the loss of every batch before the one whose
  // loss was not finite, and where each batch ends, in epochs.
  std::vector<double> batch_loss, batch_end;
  std::string name() const { return activation + ", " + init_name; }
  double ratio() const { return grad_norms.front() / grad_norms.back(); }
  bool diverged() const { return loss.size() < std::size_t(epochs); }
};

// 2 → [Dense → f] × (depth − 1) → Dense(· → 3)
hnn::Sequential<S> deep_network(const Config& c, std::uint64_t seed) {
  hnn::Random rng(seed);
  hnn::Sequential<S> model(2);
  hnn::Index in = 2;
  for (int k = 1; k < depth; ++k) {
    model.add(hnn::Dense<S>(in, width, rng, c.init));
    if (c.act == Act::sigmoid) model.add(hnn::Activation<S, hnn::Sigmoid>());
    if (c.act == Act::tanh) model.add(hnn::Activation<S, hnn::Tanh>());
    if (c.act == Act::relu) model.add(hnn::Activation<S, hnn::ReLU>());
    in = width;
  }
  model.add(hnn::Dense<S>(in, 3, rng, c.init));
  return model;
}

// Appends f to a model or to a residual block.
template <typename Container>
void add_activation(Container& layers, Act act) {
  if (act == Act::sigmoid) layers.add(hnn::Activation<S, hnn::Sigmoid>());
  if (act == Act::tanh) layers.add(hnn::Activation<S, hnn::Tanh>());
  if (act == Act::relu) layers.add(hnn::Activation<S, hnn::ReLU>());
}

// What a residual block's branch holds: f(W x + b), or f(BN(W x + b)).
enum class Branch { dense, dense_batch_norm };

// The same ten Dense layers, drawn in the same order from the same seed, with
// a skip path around each hidden 64 → 64 layer and its f:
// 2 → Dense → f → [x + f(Dense(x))] × (depth − 2) → Dense(· → 3)
hnn::Sequential<S> residual_network(const Config& c, Branch branch, std::uint64_t seed) {
  hnn::Random rng(seed);
  hnn::Sequential<S> model(2);
  model.add(hnn::Dense<S>(2, width, rng, c.init));
  add_activation(model, c.act);
  for (int k = 2; k < depth; ++k) {
    hnn::Residual<S> block(width);  // y = x + f(W x + b)
    block.add(hnn::Dense<S>(width, width, rng, c.init));
    if (branch == Branch::dense_batch_norm) block.add(hnn::BatchNorm<S>(width));
    add_activation(block, c.act);
    model.add(std::move(block));
  }
  model.add(hnn::Dense<S>(width, 3, rng, c.init));
  return model;
}

// ‖∂L/∂W_k‖ for every Dense layer k, from one forward and backward pass.
std::vector<double> gradient_norms(hnn::Sequential<S>& model, const toy::Dataset<S>& data,
                                   const hnn::Loss<S>& loss) {
  model.zero_grad();
  const hnn::Matrix<S> P = model.forward(data.X, hnn::Mode::train);
  hnn::Matrix<S> dP(P.rows(), P.cols());
  loss.gradient(P, data.y, dP);  // dP = ∂L/∂P
  model.backward(dP);            // every ∂L/∂W, layer by layer from the top
  std::vector<double> norms;
  for (auto& p : model.parameters())
    if (p.name().back() == 'W') norms.push_back(double(p.grad().norm()));
  return norms;
}

// The standard deviation of each hidden layer's output (after f) on the batch.
std::vector<double> spread(hnn::Sequential<S>& model, const toy::Dataset<S>& data) {
  std::vector<double> stds;
  hnn::Matrix<S> A = data.X;
  for (std::size_t k = 0; k + 1 < model.size(); ++k) {
    A = model.layer(k).forward(A, hnn::Mode::infer);
    if (k % 2 == 1) stds.push_back(hnn::tensor_stats(A).std);  // after the activation
  }
  return stds;
}

// Plain SGD; records the loss of each epoch until it diverges, and of each
// batch before that when it does.
void train(hnn::Sequential<S>& model, const toy::Dataset<S>& data, const hnn::Loss<S>& loss,
           Config& c) {
  hnn::SGD<S> sgd(learning_rate);
  hnn::FitOptions<S> options;
  options.epochs = epochs;
  options.batch_size = 32;
  options.verbosity = hnn::Verbosity::quiet;
  options.callbacks.push_back(std::make_shared<hnn::EpochCallback<S>>(
      [&c](auto& state) { c.loss.push_back(hnn::last(state.history, "loss")); }));
  const auto batches = std::make_shared<hnn::BatchLossRecorder<S>>();
  options.callbacks.push_back(batches);
  try {
    model.fit(data.X, data.y, loss, sgd, options);
    c.accuracy = model.evaluate(data.X, data.y, loss, {hnn::Metric::accuracy()})["accuracy"];
  } catch (const hnn::NumericError&) {
    c.accuracy = 0;  // the loss became inf or NaN: c.loss ends where it did
    c.batch_loss = batches->losses();
    c.batch_end = batches->positions();
  }
}

// `text` followed by spaces up to `width` columns (UTF-8 aware: "²" is one column).
std::string pad(const std::string& text, std::size_t width) {
  std::size_t shown = 0;
  for (unsigned char ch : text)
    shown += (ch & 0xC0) != 0x80;
  return text + std::string(width > shown ? width - shown : 1, ' ');
}

std::string sci(double v) {
  std::ostringstream s;
  s << std::scientific << std::setprecision(1) << v;
  return s.str();
}

// v as m×10ⁿ with one decimal, as a picture shows it: 1.38e6 → "1.4×10⁶".
std::string times_ten(double v) {
  static const char* const digits[] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
  const std::string e = sci(v);  // "1.4e+06"
  const int exponent = std::stoi(e.substr(e.find('e') + 1));
  std::string power;
  for (char d : std::to_string(std::abs(exponent)))
    power += digits[d - '0'];
  return e.substr(0, e.find('e')) + "×10" + (exponent < 0 ? "⁻" : "") + power;
}

// How the gradient changes from the last layer back to the first.
std::string verdict(const Config& c) {
  double lo = c.grad_norms[0], hi = lo;
  for (double g : c.grad_norms) {
    lo = std::min(lo, g);
    hi = std::max(hi, g);
  }
  if (hi < 1e-6) return "tiny in every layer";
  if (lo > 1e3) return "huge in every layer";
  if (c.ratio() < 1e-2) return "vanishes";
  if (c.ratio() > 1e2) return "explodes";
  return "steady";
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path out = argc > 1 ? argv[1] : "out";
  std::filesystem::create_directories(out);

  hnn::Random data_rng(2);
  const auto data = toy::spiral<S>(100, 3, 0.2, data_rng);  // 300 points, 3 classes
  hnn::SoftmaxCrossEntropy<S> loss;

  const auto small = hnn::Init::normal(0, 0.01), large = hnn::Init::normal(0, 1);
  std::vector<Config> configs = {
      {Act::sigmoid, "sigmoid", "N(0, 0.01²)", small},
      {Act::sigmoid, "sigmoid", "Xavier", hnn::Init::xavier_uniform()},
      {Act::sigmoid, "sigmoid", "N(0, 1)", large},
      {Act::tanh, "tanh", "N(0, 0.01²)", small},
      {Act::tanh, "tanh", "Xavier", hnn::Init::xavier_uniform()},
      {Act::tanh, "tanh", "N(0, 1)", large},
      {Act::relu, "ReLU", "N(0, 0.01²)", small},
      {Act::relu, "ReLU", "He", hnn::Init::he_uniform()},
      {Act::relu, "ReLU", "N(0, 1)", large},
  };
  for (auto& c : configs) {
    auto model = deep_network(c, 1);
    c.grad_norms = gradient_norms(model, data, loss);
    c.spread = spread(model, data);
    train(model, data, loss, c);
  }

  // The summary: first-layer over last-layer gradient norm.
  std::cout << "gradient norm per Dense layer at initialisation, " << depth
            << " layers deep (one batch of " << data.size() << " spiral points)\n\n"
            << "activation  init          ‖∂L/∂W₁‖   ‖∂L/∂W₁₀‖  first/last  gradient             "
            << "after " << epochs << " epochs of SGD\n";
  for (const auto& c : configs) {
    std::cout << pad(c.activation, 12) << pad(c.init_name, 14) << pad(sci(c.grad_norms.front()), 11)
              << pad(sci(c.grad_norms.back()), 11) << pad(sci(c.ratio()), 12)
              << pad(verdict(c), 21);
    if (c.diverged()) {
      std::cout << "diverged in epoch " << c.loss.size() + 1 << '\n';
    } else {
      std::cout << "loss " << std::fixed << std::setprecision(3) << c.loss.back() << ", accuracy "
                << std::setprecision(0) << 100 * c.accuracy << "%\n"
                << std::defaultfloat;
    }
  }

  // The three usual networks again, with the same weights and skip paths.
  std::vector<Config> skips = {
      {Act::sigmoid, "sigmoid", "Xavier", hnn::Init::xavier_uniform()},
      {Act::tanh, "tanh", "Xavier", hnn::Init::xavier_uniform()},
      {Act::relu, "ReLU", "He", hnn::Init::he_uniform()},
  };
  std::vector<Config> normalized = skips;  // and with a BatchNorm in each block
  for (std::size_t i = 0; i < skips.size(); ++i) {
    auto model = residual_network(skips[i], Branch::dense, 1);
    skips[i].grad_norms = gradient_norms(model, data, loss);
    train(model, data, loss, skips[i]);
    auto with_bn = residual_network(normalized[i], Branch::dense_batch_norm, 1);
    train(with_bn, data, loss, normalized[i]);
  }
  const Config* plain[] = {&configs[1], &configs[4], &configs[7]};
  const auto result = [](const Config& c) {
    if (c.diverged()) return std::string("diverged");
    std::ostringstream s;
    s << std::fixed << std::setprecision(0) << 100 * c.accuracy << '%';
    return s.str();
  };
  std::cout << "\nthe same networks with skip connections: Dense layers 2 … " << depth - 1
            << " each inside a Residual block,\ny = x + f(W x + b), with the same starting "
               "weights\n\n"
            << pad("‖∂L/∂W_k‖", 11);
  for (const Config* c : plain)
    std::cout << pad(c->name(), 22);
  std::cout << '\n' << pad("layer", 11);
  for (int i = 0; i < 3; ++i)
    std::cout << pad("plain", 11) << pad("residual", 11);
  std::cout << '\n';
  for (std::size_t k = 0; k < std::size_t(depth); ++k) {
    std::cout << pad(std::to_string(k + 1), 11);
    for (std::size_t i = 0; i < 3; ++i)
      std::cout << pad(sci(plain[i]->grad_norms[k]), 11) << pad(sci(skips[i].grad_norms[k]), 11);
    std::cout << '\n';
  }
  std::cout << pad("first/last", 11);
  for (std::size_t i = 0; i < 3; ++i)
    std::cout << pad(sci(plain[i]->ratio()), 11) << pad(sci(skips[i].ratio()), 11);
  std::cout << '\n' << pad("accuracy", 11);
  for (std::size_t i = 0; i < 3; ++i)
    std::cout << pad(result(*plain[i]), 11) << pad(result(skips[i]), 11);
  std::cout << "(after " << epochs << " epochs of SGD)\n"
            << "with a BatchNorm in each block (x + f(BN(W x + b))):";
  for (const auto& c : normalized)
    std::cout << ' ' << c.activation << ' ' << result(c) << (&c == &normalized.back() ? "" : ",");
  std::cout << '\n';

  // The pictures. Layers are numbered from the input (1) to the output (10).
  namespace plot = hnn::plot;
  std::vector<double> layers;
  for (int k = 1; k <= depth; ++k)
    layers.push_back(k);
  // Each of the nine networks has a look of its own in every picture: the
  // colour says the initialisation, the dashes and marker shape the
  // activation. A line's markers sit on every fifth point, each network
  // starting at another one, so lines that lie on top of each other still
  // show every marker.
  const auto style = [&configs](const Config& c) {
    const int init = c.init_name == "N(0, 0.01²)" ? 0 : c.init_name == "N(0, 1)" ? 2 : 1;
    const plot::Color colours[] = {plot::palette(0), plot::palette(2), plot::palette(3)};
    auto s = plot::Style().color(colours[init]);
    if (c.act == Act::sigmoid) s.dashed("2 3").markers(3, plot::Marker::circle);
    if (c.act == Act::tanh) s.markers(3.5, plot::Marker::square);
    if (c.act == Act::relu) s.dashed("7 4").markers(3.5, plot::Marker::triangle);
    std::size_t k = 0;  // c is the k-th of the nine
    while (k + 1 < configs.size() && configs[k].name() != c.name())
      ++k;
    return s.marker_every(5, int(k % 5));
  };
  const auto every_point = [&style](const Config& c) { return style(c).marker_every(1); };
  const auto& sigmoid = configs[1];
  const auto& tanh = configs[4];
  const auto& relu = configs[7];

  plot::Chart by_activation("Each activation with its usual initialisation");
  by_activation.x_label("Dense layer (1 = input side, 10 = output side)")
      .y_label("‖∂L/∂W‖ at initialisation")
      .log_y()
      .legend(plot::Legend::bottom_right)
      .size(520, 360);
  by_activation.line(sigmoid.name(), layers, sigmoid.grad_norms,
                     plot::Style().color(plot::palette(1)).markers(3));
  by_activation.line(tanh.name(), layers, tanh.grad_norms,
                     plot::Style().color(plot::palette(4)).markers(3));
  by_activation.line(relu.name(), layers, relu.grad_norms,
                     plot::Style().color(plot::palette(2)).markers(3));

  plot::Chart by_init("tanh (solid) and ReLU (dashed), three initialisations");
  by_init.x_label("Dense layer (1 = input side, 10 = output side)")
      .y_label("‖∂L/∂W‖ at initialisation")
      .log_y()
      .legend(plot::Legend::outside)
      .size(620, 360);
  for (const auto& c : configs)
    if (c.act != Act::sigmoid) by_init.line(c.name(), layers, c.grad_norms, every_point(c));

  plot::Figure gradients(2, "Gradient norm per layer of a 10-layer network, before training");
  gradients.add(by_activation).add(by_init);
  const auto gradients_file = (out / "vanishing_gradients.svg").string();
  gradients.save(gradients_file);

  // One panel per activation, its three initialisations together, on one
  // shared log axis so that the panels compare.
  const std::pair<Act, const char*> activations[] = {
      {Act::sigmoid, "sigmoid"}, {Act::tanh, "tanh"}, {Act::relu, "ReLU"}};
  std::vector<double> hidden;
  for (int k = 1; k < depth; ++k)
    hidden.push_back(k);
  double spread_lo = 1, spread_hi = 1;
  for (const auto& c : configs)
    for (double v : c.spread) {
      spread_lo = std::min(spread_lo, v);
      spread_hi = std::max(spread_hi, v);
    }
  plot::Figure spread_figure(3,
                             "The forward signal at initialisation: spread of each hidden "
                             "layer's output");
  for (const auto& [act, label] : activations) {
    plot::Chart panel(label);
    panel.x_label("hidden layer").y_label("std of f(Z) over the batch").log_y();
    panel.y_range(std::pow(10.0, std::floor(std::log10(spread_lo))),
                  std::pow(10.0, std::ceil(std::log10(spread_hi))));
    panel.legend(plot::Legend::bottom_left).size(400, 360);
    for (const auto& c : configs)
      if (c.act == act) panel.line(c.name(), hidden, c.spread, every_point(c));
    spread_figure.add(panel);
  }
  const auto spread_file = (out / "activation_spread.svg").string();
  spread_figure.save(spread_file);

  // Training: one panel per activation (each with its own loss axis), and a
  // close-up of the networks that never leave ln 3, how far above it they stay.
  std::ostringstream title;
  title << "Which deep networks learn: training loss per epoch, plain SGD, η = " << learning_rate;
  plot::Figure training(2, title.str());
  std::vector<const Config*> guessing;  // the networks whose loss stays within 0.2 of ln 3
  for (const auto& [act, label] : activations) {
    plot::Chart panel(label);
    panel.x_label("epoch").y_label("training loss").log_y().x_range(-1, epochs + 1);
    panel.legend(act == Act::relu ? plot::Legend::top_right : plot::Legend::bottom_left);
    panel.size(480, 340).hline(std::log(3.0), "ln 3: guessing");
    for (const auto& c : configs) {
      if (c.act != act) continue;
      if (!c.diverged()) {
        panel.line(c.name(), c.loss, style(c));
        const auto [lo, hi] = std::minmax_element(c.loss.begin() + 2, c.loss.end());
        if (*lo > std::log(3.0) - 0.2 && *hi < std::log(3.0) + 0.2) guessing.push_back(&c);
        continue;
      }
      // The loss of each batch until it overflowed, with a cross at the last
      // finite one, and a note of what came next.
      panel.line(c.name() + " (diverged)", c.batch_end, c.batch_loss,
                 style(c).markers(5, plot::Marker::cross).marker_every(1));
      panel.annotate(c.batch_end.back(), c.batch_loss.back(),
                     "loss " + times_ten(c.batch_loss.back()) + ", then NaN", plot::palette(3));
    }
    training.add(panel);
  }
  plot::Chart close_up("The networks that stay near ln 3, close up");
  close_up.x_label("epoch").y_label("training loss − ln 3").log_y().x_range(-1, epochs + 1);
  close_up.legend(plot::Legend::top_right).size(480, 340);
  for (const Config* c : guessing) {
    std::vector<double> above;
    for (double l : c->loss)
      above.push_back(l - std::log(3.0));
    close_up.line(c->name(), above, style(*c));
  }
  training.add(close_up);
  const auto training_file = (out / "deep_training.svg").string();
  training.save(training_file);
  // The numbers of the close-up.
  std::cout << "\nthe networks that stay near ln 3: training loss − ln 3 from epoch 3 on\n";
  for (const Config* c : guessing) {
    const auto [lo, hi] = std::minmax_element(c->loss.begin() + 2, c->loss.end());
    std::cout << "  " << pad(c->name(), 22) << sci(*lo - std::log(3.0)) << " to "
              << sci(*hi - std::log(3.0)) << '\n';
  }
  double apart = 0;  // tanh's and ReLU's small-weight networks: one curve
  for (std::size_t e = 0; e < std::size_t(epochs); ++e)
    apart = std::max(apart, std::abs(configs[3].loss[e] - configs[6].loss[e]));
  std::cout << "  tanh and ReLU with " << configs[3].init_name
            << ": their losses differ by at most " << sci(apart) << '\n';
  for (const auto& c : configs)
    if (c.diverged())
      std::cout << "  " << c.name() << ": loss " << sci(c.batch_loss.back()) << " after "
                << c.batch_loss.size() << " batch(es), then not finite\n";

  plot::Chart skip_chart("With skip connections (solid) and without (dashed)");
  skip_chart.x_label("Dense layer (1 = input side, 10 = output side)")
      .y_label("‖∂L/∂W‖ at initialisation")
      .log_y()
      .legend(plot::Legend::outside)
      .size(700, 380);
  const plot::Color skip_colours[] = {plot::palette(1), plot::palette(4), plot::palette(2)};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto colour = plot::Style().color(skip_colours[i]).markers(3);
    skip_chart.line(skips[i].name() + ", residual", layers, skips[i].grad_norms, colour);
    skip_chart.line(plain[i]->name(), layers, plain[i]->grad_norms,
                    plot::Style(colour).dashed("4 3"));
  }
  const auto skip_file = (out / "skip_connections.svg").string();
  skip_chart.save(skip_file);

  // The numbers behind the charts, one row per network and layer.
  std::string csv = hnn::csv::row({"activation", "init", "layer", "grad_norm"});
  for (const auto& c : configs)
    for (int k = 0; k < depth; ++k)
      csv += hnn::csv::row({c.activation, c.init_name, std::to_string(k + 1),
                            hnn::csv::number(c.grad_norms[std::size_t(k)])});
  const auto csv_file = (out / "gradient_norms.csv").string();
  hnn::write_file_atomically(csv_file, csv);
  std::string skip_csv = hnn::csv::row({"network", "activation", "init", "layer", "grad_norm"});
  for (std::size_t i = 0; i < 3; ++i)
    for (const Config* c : {plain[i], static_cast<const Config*>(&skips[i])})
      for (int k = 0; k < depth; ++k)
        skip_csv +=
            hnn::csv::row({c == plain[i] ? "plain" : "residual", c->activation, c->init_name,
                           std::to_string(k + 1), hnn::csv::number(c->grad_norms[std::size_t(k)])});
  const auto skip_csv_file = (out / "skip_connections.csv").string();
  hnn::write_file_atomically(skip_csv_file, skip_csv);

  std::cout << "\nwrote " << gradients_file << "\n      " << spread_file << "\n      "
            << training_file << "\n      " << skip_file << "\n      " << csv_file << "\n      "
            << skip_csv_file << '\n';

  // What the docs claim, checked: sigmoid's gradient vanishes towards the
  // input, tanh/Xavier's and ReLU/He's does not, and only the latter learn.
  const bool ordered = sigmoid.ratio() < 1e-4 && tanh.ratio() > 0.05 && relu.ratio() > 0.05 &&
                       sigmoid.ratio() * 1e3 < std::min(tanh.ratio(), relu.ratio());
  const bool learned = relu.accuracy > 0.9 && tanh.accuracy > 0.8 && sigmoid.accuracy < 0.6;
  // And with skip paths: sigmoid's hidden layers 2 … 9 stay within a factor 10
  // of each other, layer 2's gradient is a thousand times what it is without
  // them, and with a BatchNorm in each block the sigmoid network learns.
  const auto& hidden_norms = skips[0].grad_norms;
  const auto [lowest, highest] =
      std::minmax_element(hidden_norms.begin() + 1, hidden_norms.end() - 1);
  const bool kept = *highest < 10 * *lowest && hidden_norms[1] > 1e3 * sigmoid.grad_norms[1] &&
                    normalized[0].accuracy > 0.8;
  std::cout << "\nfirst/last gradient ratio: sigmoid/Xavier " << sci(sigmoid.ratio())
            << " << tanh/Xavier " << sci(tanh.ratio()) << ", ReLU/He " << sci(relu.ratio())
            << (ordered ? "  (as expected)\n" : "  (NOT as expected)\n");
  std::cout << "sigmoid/Xavier's layer 2 with skip paths: " << sci(hidden_norms[1])
            << ", without: " << sci(sigmoid.grad_norms[1])
            << (kept ? "  (as expected)\n" : "  (NOT as expected)\n");
  return ordered && learned && kept ? 0 : 1;
}

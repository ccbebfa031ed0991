// SPDX-License-Identifier: MIT
// The pictures of the early chapters, drawn from the library itself.
//
// activations.svg (chapter 03): every element-wise activation of
//   include/hnn/activations/ and its derivative on z ∈ [−4, 4], computed by
//   the struct's own forward (y = f(z)) and backward (dz = dy ⊙ f′(z) with
//   dy = 1, so dz = f′(z)). Where f′ jumps (ReLU, LeakyReLU, SELU at 0) its
//   line breaks instead of drawing a steep segment that is not there.
// backprop_graph.svg (chapter 06): the chapter's two-layer network,
//   3 → Dense(3 → 4) → Tanh → Dense(4 → 3) → softmax cross-entropy on a batch
//   of n = 5, as a computational graph: the values flowing forward and the
//   gradients flowing back, each edge labelled with the shape in the
//   chapter's letters (d, h, c, n) and in numbers. The numbers are read off
//   the matrices that one forward and one backward pass of hnn's layers
//   produce, and checked against the letters' formulas.
// Writes:  activations.svg and backprop_graph.svg into the folder given as argv[1]
//          (default docs/images); exits with 1 if a shape is not what the chapter says.
// Run:     bash scripts/demo.sh tutorial_pictures   (builds it, runs it: pictures in docs/images)
//          build/demo/examples/tutorial_pictures out   (somewhere else)

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "hnn/hnn.hpp"
#include "hnn/plot/svg.hpp"

namespace {

namespace plot = hnn::plot;
using Array = Eigen::ArrayXd;

// ---------------------------------------------------------------------------
// Activations

// f and f′ of one activation struct on `z`.
template <typename Function>
std::pair<Array, Array> evaluate(const Function& f, const Array& z) {
  Array y(z.size()), dz(z.size());
  const Array dy = Array::Ones(z.size());
  f.forward(z, y);           // y = f(z)
  f.backward(z, y, dy, dz);  // dz = dy ⊙ f′(z) = f′(z)
  return {y, dz};
}

// The values as a line, with a NaN (a break) between neighbours whose values
// differ by more than `jump`: the 0.05-spaced samples of a smooth f′ differ
// by less than 0.1, the jumps of ReLU′ (1), LeakyReLU′ (0.9) and SELU′ (0.7)
// by more.
std::pair<std::vector<double>, std::vector<double>> broken_at_jumps(const Array& z, const Array& v,
                                                                    double jump) {
  std::vector<double> x, y;
  for (Eigen::Index k = 0; k < z.size(); ++k) {
    if (k > 0 && std::abs(v(k) - v(k - 1)) > jump) {
      x.push_back(std::numeric_limits<double>::quiet_NaN());
      y.push_back(std::numeric_limits<double>::quiet_NaN());
    }
    x.push_back(z(k));
    y.push_back(v(k));
  }
  return {x, y};
}

// One panel: f (solid) and f′ (dashed), named after the struct.
template <typename Function>
plot::Chart activation_panel(const Function& f, const std::string& setting = "") {
  const Array z = Array::LinSpaced(161, -4, 4);  // steps of 0.05
  const auto [y, dy] = evaluate(f, z);
  const std::string name = Function::name;
  plot::Chart chart(setting.empty() ? name : name + " (" + setting + ")");
  chart.size(290, 240).x_range(-4, 4).legend(plot::Legend::top_left);
  chart.hline(0, "", plot::Style().color(plot::rgb(0xbbbbbb)).width(1));
  const auto [fx, fy] = broken_at_jumps(z, y, 0.3);
  const auto [dx, dyy] = broken_at_jumps(z, dy, 0.3);
  chart.line(name, fx, fy, plot::Style().color(plot::palette(0)));
  chart.line(name + "′", dx, dyy, plot::Style().color(plot::palette(1)).dashed("5 3"));
  return chart;
}

void draw_activations(const std::string& file) {
  using S = double;
  plot::Figure figure(4,
                      "hnn's activations on z ∈ [−4, 4]: f(z) solid, its derivative f′(z) dashed");
  figure.add(activation_panel(hnn::Identity<S>()))
      .add(activation_panel(hnn::Sigmoid<S>()))
      .add(activation_panel(hnn::Tanh<S>()))
      .add(activation_panel(hnn::ReLU<S>()))
      .add(activation_panel(hnn::LeakyReLU<S>(0.1), "α = 0.1"))
      .add(activation_panel(hnn::ELU<S>(), "α = 1"))
      .add(activation_panel(hnn::SELU<S>()))
      .add(activation_panel(hnn::Softplus<S>()))
      .add(activation_panel(hnn::GELU<S>()))
      .add(activation_panel(hnn::SiLU<S>()));
  figure.save(file);

  // GELU's tanh approximation is not drawn: it would lie on the exact curve.
  const Array z = Array::LinSpaced(161, -4, 4);
  const auto [exact, exact_slope] = evaluate(hnn::GELU<S>(), z);
  const auto [approx, approx_slope] = evaluate(hnn::GELU<S>(true), z);
  std::cout << std::setprecision(2) << "GELU's tanh approximation on [−4, 4]: |Δf| ≤ "
            << (approx - exact).abs().maxCoeff() << ", |Δf′| ≤ "
            << (approx_slope - exact_slope).abs().maxCoeff() << '\n';
}

// ---------------------------------------------------------------------------
// The computational graph

// A shape in the chapter's letters and in numbers: "h × n = 4 × 5".
std::string shape(const std::string& letters, hnn::Index rows, hnn::Index cols) {
  return letters + " = " + std::to_string(rows) + " × " + std::to_string(cols);
}

// The drawing: one column of operations, top (input) to bottom (loss). Values
// flow down on the left of the column's centre, gradients up on the right;
// parameters come in from the left, their gradients leave to the right.
class GraphDrawing {
 public:
  static constexpr double width = 1000, centre = 500, box_w = 250, box_h = 46;
  static constexpr double down_x = centre - 30, up_x = centre + 30;  // the two arrows' columns

  explicit GraphDrawing(double height) : svg_(width, height) {}
  plot::Svg& svg() { return svg_; }

  // An operation (or a value) as a rounded box centred on (centre, y).
  void node(double y, const std::string& what, const std::string& formula,
            const std::string& fill = "#f4f4f4") {
    svg_.rect(centre - box_w / 2, y - box_h / 2, box_w, box_h, fill, "#555555", 1.2, 7);
    if (formula.empty()) {
      svg_.text(centre, y + 5, what, 13, plot::Svg::Anchor::middle, 0, true);
      return;
    }
    svg_.text(centre, y - 5, what, 12, plot::Svg::Anchor::middle, 0, true);
    svg_.text(centre, y + 14, formula, 12, plot::Svg::Anchor::middle);
  }
  // A value flowing down from the node at y0 to the node at y1, labelled on the left.
  void forward(double y0, double y1, const std::string& name, const std::string& size) {
    svg_.arrow(down_x, y0 + box_h / 2, down_x, y1 - box_h / 2, forward_colour, 1.8);
    const double mid = (y0 + y1) / 2;
    svg_.text(down_x - 10, mid - 2, name, 12, plot::Svg::Anchor::end, 0, true, forward_colour);
    svg_.text(down_x - 10, mid + 13, size, 11, plot::Svg::Anchor::end, 0, false, forward_colour);
  }
  // A gradient flowing up from the node at y1 to the node at y0, labelled on the right.
  void backward(double y1, double y0, const std::string& formula, const std::string& size,
                bool computed = true) {
    const std::string colour = computed ? backward_colour : "#999999";
    svg_.arrow(up_x, y1 - box_h / 2, up_x, y0 + box_h / 2, colour, 1.8, computed ? "" : "5 4");
    const double mid = (y0 + y1) / 2;
    svg_.text(up_x + 10, mid - 2, formula, 12, plot::Svg::Anchor::start, 0, true, colour);
    svg_.text(up_x + 10, mid + 13, size, 11, plot::Svg::Anchor::start, 0, false, colour);
  }
  // An input of the node at y (a parameter, the labels) from the left, at y + dy.
  void input(double y, double dy, const std::string& name, const std::string& size) {
    const double yy = y + dy, x1 = centre - box_w / 2;
    svg_.arrow(x1 - 150, yy, x1, yy, forward_colour, 1.4, "", 8);
    svg_.text(x1 - 156, yy - 2, name, 12, plot::Svg::Anchor::end, 0, true, forward_colour);
    svg_.text(x1 - 156, yy + 12, size, 11, plot::Svg::Anchor::end, 0, false, forward_colour);
  }
  // A parameter's gradient, leaving the node at y to the right, at y + dy.
  void gradient(double y, double dy, const std::string& formula, const std::string& size) {
    const double yy = y + dy, x0 = centre + box_w / 2;
    svg_.arrow(x0, yy, x0 + 150, yy, backward_colour, 1.4, "", 8);
    svg_.text(x0 + 156, yy - 2, formula, 12, plot::Svg::Anchor::start, 0, true, backward_colour);
    svg_.text(x0 + 156, yy + 12, size, 11, plot::Svg::Anchor::start, 0, false, backward_colour);
  }

 private:
  static constexpr const char* forward_colour = "#1f77b4";
  static constexpr const char* backward_colour = "#d62728";
  plot::Svg svg_;
};

// One forward and one backward pass, layer by layer, keeping every matrix
// whose shape the picture shows; false if one of them is not what the
// chapter's formulas say.
bool draw_graph(const std::string& file) {
  using S = double;
  using hnn::Matrix;
  const hnn::Index d = 3, h = 4, c = 3, n = 5;
  hnn::Random rng(6);
  const auto bias = hnn::Init::uniform(-0.5, 0.5);
  hnn::Sequential<S> model(d);
  model.add(hnn::Dense<S>(d, h, rng, hnn::Init::xavier_uniform(), bias))
      .add(hnn::Activation<S, hnn::Tanh>())
      .add(hnn::Dense<S>(h, c, rng, hnn::Init::xavier_uniform(), bias));
  Matrix<S> X(d, n);
  hnn::Random data_rng(7);
  data_rng.fill_uniform(X, -1.0, 1.0);
  hnn::Labels y(n);
  y << 0, 2, 1, 1, 0;

  model.zero_grad();
  const Matrix<S> Z1 = model.layer(0).forward(X, hnn::Mode::train);   // (h × n)
  const Matrix<S> A1 = model.layer(1).forward(Z1, hnn::Mode::train);  // (h × n)
  const Matrix<S> Z2 = model.layer(2).forward(A1, hnn::Mode::train);  // (c × n)
  Matrix<S> dZ2(Z2.rows(), Z2.cols());
  const double L = hnn::SoftmaxCrossEntropy<S>().value_and_gradient(Z2, y, dZ2);
  const Matrix<S> dA1 = model.layer(2).backward(dZ2);  // (h × n)
  const Matrix<S> dZ1 = model.layer(1).backward(dA1);  // (h × n)
  const Matrix<S> dX = model.layer(0).backward(dZ1);   // not wanted: no columns
  auto params = model.parameters();                    // 0.W, 0.b, 2.W, 2.b
  const Matrix<S> W1 = params[0].value(), b1 = params[1].value();
  const Matrix<S> W2 = params[2].value(), b2 = params[3].value();
  const Matrix<S> dW1 = params[0].grad(), db1 = params[1].grad();
  const Matrix<S> dW2 = params[2].grad(), db2 = params[3].grad();

  // Every shape as the chapter writes it.
  const auto is = [](const auto& M, hnn::Index rows, hnn::Index cols) {
    return M.rows() == rows && M.cols() == cols;
  };
  const bool shapes_right = is(Z1, h, n) && is(A1, h, n) && is(Z2, c, n) && is(dZ2, c, n) &&
                            is(dA1, h, n) && is(dZ1, h, n) && dX.cols() == 0 && is(W1, h, d) &&
                            is(b1, h, 1) && is(W2, c, h) && is(b2, c, 1) && is(dW1, h, d) &&
                            is(db1, h, 1) && is(dW2, c, h) && is(db2, c, 1);

  const double top = 100, step = 118;
  const double y_x = top, y_dense1 = top + step, y_tanh = top + 2 * step, y_dense2 = top + 3 * step,
               y_loss = top + 4 * step, y_L = top + 5 * step;
  GraphDrawing g(y_L + 70);
  plot::Svg& svg = g.svg();
  svg.text(GraphDrawing::width / 2, 26,
           "The two-layer network of chapter 06 as a computational graph (d = 3, h = 4, c = 3, "
           "n = 5)",
           15, plot::Svg::Anchor::middle, 0, true);
  svg.text(GraphDrawing::centre - 40, 54, "forward: values and their shapes ↓", 12,
           plot::Svg::Anchor::end, 0, false, "#1f77b4");
  svg.text(GraphDrawing::centre + 40, 54, "↑ backward: gradients, each the shape of its value", 12,
           plot::Svg::Anchor::start, 0, false, "#d62728");

  g.node(y_x, "input batch X", "one sample per column", "#e8eef6");
  g.node(y_dense1, "Dense(3 → 4)", "Z₁ = W₁ X + b₁ 1ᵀ");
  g.node(y_tanh, "Activation<Tanh>", "A₁ = tanh(Z₁)");
  g.node(y_dense2, "Dense(4 → 3)", "Z₂ = W₂ A₁ + b₂ 1ᵀ");
  g.node(y_loss, "SoftmaxCrossEntropy", "P = softmax(Z₂), L = −(1/n) Σⱼ ln P(yⱼ, j)");
  g.node(y_L, "L = " + hnn::plot::detail::number(L, 4), "", "#f6e8e8");

  g.forward(y_x, y_dense1, "X", shape("d × n", X.rows(), X.cols()));
  g.forward(y_dense1, y_tanh, "Z₁", shape("h × n", Z1.rows(), Z1.cols()));
  g.forward(y_tanh, y_dense2, "A₁", shape("h × n", A1.rows(), A1.cols()));
  g.forward(y_dense2, y_loss, "Z₂", shape("c × n", Z2.rows(), Z2.cols()));
  g.forward(y_loss, y_L, "L", "one number");

  g.backward(y_L, y_loss, "∂L/∂L = 1", "one number");
  g.backward(y_loss, y_dense2, "dZ₂ = (P − T)/n", shape("c × n", dZ2.rows(), dZ2.cols()));
  g.backward(y_dense2, y_tanh, "dA₁ = W₂ᵀ dZ₂", shape("h × n", dA1.rows(), dA1.cols()));
  g.backward(y_tanh, y_dense1, "dZ₁ = dA₁ ⊙ (1 − A₁ ⊙ A₁)", shape("h × n", dZ1.rows(), dZ1.cols()));
  g.backward(y_dense1, y_x, "dX = W₁ᵀ dZ₁: not computed", "nothing upstream needs it", false);

  g.input(y_dense1, -12, "W₁", shape("h × d", W1.rows(), W1.cols()));
  g.input(y_dense1, 16, "b₁", shape("h × 1", b1.rows(), b1.cols()));
  g.input(y_dense2, -12, "W₂", shape("c × h", W2.rows(), W2.cols()));
  g.input(y_dense2, 16, "b₂", shape("c × 1", b2.rows(), b2.cols()));
  g.input(y_loss, 0, "labels y", "n = " + std::to_string(y.size()) + " class indices");

  g.gradient(y_dense1, -12, "dW₁ = dZ₁ Xᵀ", shape("h × d", dW1.rows(), dW1.cols()));
  g.gradient(y_dense1, 16, "db₁ = dZ₁ 1", shape("h × 1", db1.rows(), db1.cols()));
  g.gradient(y_dense2, -12, "dW₂ = dZ₂ A₁ᵀ", shape("c × h", dW2.rows(), dW2.cols()));
  g.gradient(y_dense2, 16, "db₂ = dZ₂ 1", shape("c × 1", db2.rows(), db2.cols()));
  svg.save(file);
  return shapes_right;
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path out = argc > 1 ? argv[1] : "docs/images";
  std::filesystem::create_directories(out);
  const auto activations_file = (out / "activations.svg").string();
  const auto graph_file = (out / "backprop_graph.svg").string();
  draw_activations(activations_file);
  const bool shapes_right = draw_graph(graph_file);
  std::cout << "wrote " << activations_file << "\nwrote " << graph_file << '\n';
  std::cout << "every shape in the graph is the chapter's: " << (shapes_right ? "yes" : "NO")
            << '\n';
  return shapes_right ? 0 : 1;
}

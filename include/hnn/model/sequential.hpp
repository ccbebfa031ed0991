// SPDX-License-Identifier: MIT
#pragma once
// Sequential<Scalar>: layers applied one after the other.
//
//   forward:   A₀ = X,  A_k = layer_k(A_{k−1}),  Y = A_K
//   backward:  G_K = ∂L/∂Y,  G_{k−1} = layer_kᵀ(G_k)   (each layer's backward)
//
// The model owns its layers, checks that each one takes the previous one's
// output size as it is added, and tells the first layer that nothing needs
// its input gradient. Training (fit, evaluate) is in model/fit.hpp.
//
//   hnn::Random rng(42);
//   hnn::Sequential<float> model(2);                 // 2 inputs per sample
//   model.add(hnn::Dense<float>(2, 8, rng))
//        .add(hnn::Activation<float, hnn::Tanh>())
//        .add(hnn::Dense<float>(8, 1, rng));

#include <algorithm>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/parameter.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/core/types.hpp"
#include "hnn/layers/layer.hpp"
#include "hnn/losses/loss.hpp"
#include "hnn/model/callbacks.hpp"
#include "hnn/model/fit_options.hpp"
#include "hnn/model/history.hpp"
#include "hnn/model/metrics.hpp"
#include "hnn/optimizers/optimizer.hpp"

namespace hnn {

template <typename Scalar>
class Sequential {
 public:
  using Mat = Matrix<Scalar>;
  using In = ConstRef<Scalar>;
  using LayerPtr = std::unique_ptr<Layer<Scalar>>;

  explicit Sequential(Index input_size) : input_size_(input_size) {
    if (input_size <= 0) throw ArgumentError("Sequential: input_size must be > 0");
  }
  Sequential(const Sequential& other) : input_size_(other.input_size_) {
    for (const auto& l : other.layers_)
      add(l->clone());
  }
  Sequential& operator=(const Sequential& other) {
    if (this != &other) {
      Sequential copy(other);
      *this = std::move(copy);
    }
    return *this;
  }
  Sequential(Sequential&&) noexcept = default;
  Sequential& operator=(Sequential&&) noexcept = default;
  ~Sequential() = default;

  // Appends a layer. Throws ShapeError when it cannot take the previous
  // layer's output.
  Sequential& add(LayerPtr layer) {
    if (!layer) throw ArgumentError("Sequential::add: null layer");
    const Index in = output_size();
    try {
      layer->output_size(in);
    } catch (const ShapeError& e) {
      std::ostringstream s;
      s << "Sequential::add: layer " << layers_.size() << " (" << layer->describe()
        << ") does not fit after " << (layers_.empty() ? "the input" : layers_.back()->describe())
        << ", which gives " << in << " values per sample: " << e.what();
      throw ShapeError(s.str());
    }
    layer->set_input_gradient_wanted(!layers_.empty());  // nothing needs ∂L/∂X at the input
    layers_.push_back(std::move(layer));
    return *this;
  }

  // model.add(hnn::Dense<float>(2, 8, rng)): takes the layer by value.
  template <typename L,
            typename = std::enable_if_t<std::is_base_of_v<Layer<Scalar>, std::decay_t<L>>>>
  Sequential& add(L&& layer) {
    return add(LayerPtr(std::make_unique<std::decay_t<L>>(std::forward<L>(layer))));
  }

  // model.add<hnn::Dense>(2, 8, rng): constructs the layer in place.
  template <template <typename> class L, typename... Args>
  Sequential& add(Args&&... args) {
    return add(LayerPtr(std::make_unique<L<Scalar>>(std::forward<Args>(args)...)));
  }

  Index input_size() const { return input_size_; }
  // Values per sample coming out of the last layer (the input size when empty).
  Index output_size() const {
    Index n = input_size_;
    for (const auto& l : layers_)
      n = l->output_size(n);
    return n;
  }
  std::size_t size() const { return layers_.size(); }
  Layer<Scalar>& layer(std::size_t k) { return *layers_.at(k); }
  const Layer<Scalar>& layer(std::size_t k) const { return *layers_.at(k); }

  // Y = layer_K(… layer_1(X)); a view of the last layer's buffer, valid until
  // the next forward.
  template <typename Derived>
  In forward(const Eigen::MatrixBase<Derived>& X, Mode mode) {
    if (layers_.empty()) throw Error("Sequential::forward: the model has no layers");
    check_rows("Sequential::forward", "input", X, input_size_);
    // The first layer keeps a view of X until backward: X must not be a temporary.
    std::optional<In> A(stored_view<Scalar>(
        X, "Sequential::forward"));  // A₀ = X (an Eigen::Ref cannot be re-pointed; an optional can)
    for (auto& l : layers_)
      A.emplace(l->forward(*A, mode));  // A_k = layer_k(A_{k−1})
    return *A;
  }

  // Propagates dY = ∂L/∂Y back through every layer, accumulating parameter
  // gradients. The first layer computes no input gradient.
  void backward(In dY) {
    if (layers_.empty()) throw Error("Sequential::backward: the model has no layers");
    std::optional<In> G(dY);  // G_K = ∂L/∂Y
    for (auto l = layers_.rbegin(); l != layers_.rend(); ++l) {
      G.emplace((*l)->backward(*G));  // G_{k−1} = ∂L/∂A_{k−1}
    }
  }

  // Sets every parameter gradient to zero (gradients accumulate otherwise).
  void zero_grad() { hnn::zero_grad(parameters()); }

  // Predictions for X in inference mode, in chunks of `batch_size` columns
  // so the layers' buffers stay small for a large X.
  Mat predict(In X, Index batch_size = 256) {
    check_rows("Sequential::predict", "input", X, input_size_);
    if (batch_size <= 0) throw ArgumentError("Sequential::predict: batch_size must be > 0");
    Mat P(output_size(), X.cols());
    for (Index start = 0; start < X.cols(); start += batch_size) {
      const Index n = std::min(batch_size, X.cols() - start);
      P.middleCols(start, n) = forward(X.middleCols(start, n), Mode::infer);
    }
    return P;
  }

  // Every parameter of every layer, named "<layer index>.<name>" ("0.W").
  std::vector<Parameter<Scalar>> parameters() {
    std::vector<Parameter<Scalar>> all;
    for (std::size_t k = 0; k < layers_.size(); ++k) {
      for (auto& p : layers_[k]->parameters())
        all.push_back(p.renamed(std::to_string(k) + '.' + p.name()));
    }
    return all;
  }

  Index parameter_count() {
    Index n = 0;
    for (const auto& p : parameters())
      n += p.size();
    return n;
  }

  // A table of the layers, their output shapes and parameter counts:
  //   #   layer              output       parameters
  //   0   Dense(2 → 4)       (4 × n)              12
  std::string summary() {
    std::ostringstream s;
    const auto row = [&s](const std::string& k, const std::string& layer, const std::string& shape,
                          const std::string& count) {
      s << pad(k, 4) << pad(layer, 28) << pad(shape, 14)
        << std::string(12 - std::min<std::size_t>(12, count.size()), ' ') << count << '\n';
    };
    row("#", "layer", "output", "parameters");
    s << std::string(58, '-') << '\n';
    row("", "input", "(" + std::to_string(input_size_) + " × n)", "");
    Index n = input_size_, total = 0;
    for (std::size_t k = 0; k < layers_.size(); ++k) {
      n = layers_[k]->output_size(n);
      Index count = 0;
      for (const auto& p : layers_[k]->parameters())
        count += p.size();
      total += count;
      row(std::to_string(k), layers_[k]->describe(), "(" + std::to_string(n) + " × n)",
          std::to_string(count));
    }
    s << std::string(58, '-') << '\n';
    row("", "total", "", std::to_string(total));
    return s.str();
  }

  // Copies every parameter value from `other`, which must have the same
  // architecture (used to restore the best weights in early stopping).
  void copy_weights_from(Sequential& other) {
    auto mine = parameters();
    auto theirs = other.parameters();
    if (mine.size() != theirs.size()) {
      throw ArgumentError("Sequential::copy_weights_from: the models have different parameters");
    }
    for (std::size_t k = 0; k < mine.size(); ++k) {
      if (mine[k].rows() != theirs[k].rows() || mine[k].cols() != theirs[k].cols()) {
        throw ShapeError("Sequential::copy_weights_from: parameter " + mine[k].name() +
                         " has shape " + shape_string(mine[k].rows(), mine[k].cols()) +
                         " but the other model's has " +
                         shape_string(theirs[k].rows(), theirs[k].cols()));
      }
      mine[k].value() = theirs[k].value();
    }
  }

  // Training: defined in model/fit.hpp. Targets are a matrix (one column per
  // sample) or class labels.
  History fit(const Mat& X, const Mat& Y, const Loss<Scalar>& loss, Optimizer<Scalar>& optimizer,
              const FitOptions<Scalar>& options = {});
  History fit(const Mat& X, const Labels& y, const Loss<Scalar>& loss, Optimizer<Scalar>& optimizer,
              const FitOptions<Scalar>& options = {});
  // Loss and metrics on (X, targets), in inference mode.
  Evaluation evaluate(const Mat& X, const Mat& Y, const Loss<Scalar>& loss,
                      const std::vector<Metric>& metrics = {}, Index batch_size = 256);
  Evaluation evaluate(const Mat& X, const Labels& y, const Loss<Scalar>& loss,
                      const std::vector<Metric>& metrics = {}, Index batch_size = 256);

 private:
  // Pads to `width` characters as displayed: UTF-8 continuation bytes
  // (10xxxxxx) take no column, so "→" counts once.
  static std::string pad(const std::string& text, std::size_t width) {
    std::size_t shown = 0;
    for (unsigned char c : text)
      shown += (c & 0xC0) != 0x80;
    return text + std::string(width > shown ? width - shown : 1, ' ');
  }

  Index input_size_;
  std::vector<LayerPtr> layers_;
};

}  // namespace hnn

#include "hnn/model/fit.hpp"

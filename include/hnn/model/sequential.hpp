// SPDX-License-Identifier: MIT
#pragma once
// Sequential<Scalar>: layers applied one after the other.
//
//   forward:   A₀ = X,  A_k = layer_k(A_{k−1}),  Y = A_K
//   backward:  G_K = ∂L/∂Y,  G_{k−1} = layer_kᵀ(G_k)   (each layer's backward)
//
// The model is a container. It is built from the shape of one input sample,
// tells each layer added the shape the previous one gives (a layer that
// cannot take it is a ShapeError naming both), tells the first layer (and
// any layer with nothing to differentiate before it) that nothing needs its
// input gradient, and hands out the layers' parameters,
// buffers and sequence state under unique names ("2.W"). Training — fit and
// evaluate — is the loop in model/train.hpp.
//
//   hnn::Random rng(42);
//   hnn::Sequential<float> model(hnn::Shape{1, 28, 28});   // one image per sample
//   model.add(hnn::Flatten<float>())                        // 784
//        .add(hnn::Dense<float>(784, 128, rng))              // 128
//        .add(hnn::Activation<float, hnn::ReLU>())
//        .add(hnn::Dense<float>(128, 10, rng));              // 10
//
// A plain number is a flat vector: Sequential<float> model(2) takes two
// values per sample.
//
// A layer may be added with a penalty on its weights (core/penalty.hpp),
// which the training loop adds to the loss:
//
//   model.add(hnn::Dense<float>(784, 128, rng), hnn::Penalty::L2(1e-4));
//
// The penalty is the model's, kept beside the layer, not the layer's own: it
// is a term of the loss the model is trained on and changes nothing the layer
// computes, so the layer's forward, backward and gradient check stay as they
// are, every layer with weights "W" (a custom one too) takes a penalty
// without a line of its own, and the model's summary and file show it with
// the layer.
//
// A model is not safe to use from two threads at once: forward, backward and
// predict write the layers' buffers. Copy it (each copy is independent) to
// predict on several threads.

#include <algorithm>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "hnn/core/buffer.hpp"
#include "hnn/core/error.hpp"
#include "hnn/core/parameter.hpp"
#include "hnn/core/penalty.hpp"
#include "hnn/core/random.hpp"
#include "hnn/core/sequence_state.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/core/types.hpp"
#include "hnn/layers/layer.hpp"
#include "hnn/model/history.hpp"
#include "hnn/model/metrics.hpp"

namespace hnn {

template <typename Scalar>
class Loss;
template <typename Scalar>
class Optimizer;
template <typename Scalar>
struct FitOptions;
template <typename Scalar>
class Sequential;

// The training loop and evaluation (defined in model/train.hpp; the default
// arguments live here, in the first declaration).
template <typename Scalar>
History train(Sequential<Scalar>& model, const Matrix<Scalar>& X, const Matrix<Scalar>& Y,
              const Loss<Scalar>& loss, Optimizer<Scalar>& optimizer,
              const FitOptions<Scalar>& options = FitOptions<Scalar>());
template <typename Scalar>
History train(Sequential<Scalar>& model, const Matrix<Scalar>& X, const Labels& y,
              const Loss<Scalar>& loss, Optimizer<Scalar>& optimizer,
              const FitOptions<Scalar>& options = FitOptions<Scalar>());
template <typename Scalar>
Evaluation evaluate(Sequential<Scalar>& model, const Matrix<Scalar>& X, const Matrix<Scalar>& Y,
                    const Loss<Scalar>& loss, const std::vector<Metric>& metrics = {},
                    Index batch_size = 256);
template <typename Scalar>
Evaluation evaluate(Sequential<Scalar>& model, const Matrix<Scalar>& X, const Labels& y,
                    const Loss<Scalar>& loss, const std::vector<Metric>& metrics = {},
                    Index batch_size = 256);

/// A stack of layers applied one after the other: the model fit() trains.
template <typename Scalar>
class Sequential {
 public:
  /// A batch matrix.
  using Mat = Matrix<Scalar>;
  /// A read-only view of a batch.
  using In = ConstRef<Scalar>;
  /// An owned layer.
  using LayerPtr = std::unique_ptr<Layer<Scalar>>;

  /// A model whose samples have the shape `input`.
  explicit Sequential(const Shape& input) : input_shape_(input) {
    if (!input.known()) throw ArgumentError("Sequential: the input shape is unknown");
  }
  /// A model whose samples are vectors of `input_size` values.
  explicit Sequential(Index input_size) : Sequential(checked_size(input_size)) {}
  /// A deep copy: every layer is cloned, with its penalty.
  Sequential(const Sequential& other) : input_shape_(other.input_shape_) {
    for (std::size_t k = 0; k < other.layers_.size(); ++k)
      add(other.layers_[k]->clone(), other.penalties_[k]);
  }
  /// Assigns a deep copy.
  Sequential& operator=(const Sequential& other) {
    if (this != &other) {
      Sequential copy(other);
      *this = std::move(copy);
    }
    return *this;
  }
  /// Moves the model.
  Sequential(Sequential&&) noexcept = default;
  /// Move-assigns the model.
  Sequential& operator=(Sequential&&) noexcept = default;
  ~Sequential() = default;

  /// Appends a layer, telling it the shape the previous layer gives.
  // Throws ShapeError when it cannot take that shape.
  Sequential& add(LayerPtr layer) { return add(std::move(layer), Penalty()); }

  /// The same, with a penalty on the layer's weights in training.
  // Throws ArgumentError unless λ₁ and λ₂ are finite and ≥ 0, and when a penalty
  // that is not zero is given to a layer without weights.
  Sequential& add(LayerPtr layer, const Penalty& penalty) {
    if (!layer) throw ArgumentError("Sequential::add: null layer");
    penalty.check("Sequential::add");
    const Shape in = output_shape();
    try {
      layer->set_input_shape(in);
    } catch (const ShapeError& e) {
      std::ostringstream s;
      s << "Sequential::add: layer " << layers_.size() << " (" << layer->describe()
        << ") does not fit after " << (layers_.empty() ? "the input" : layers_.back()->describe())
        << ", which gives ";
      if (in.rank() == 1) {
        s << in.size() << " values per sample";
      } else {
        s << "samples of " << in;
      }
      s << ": " << e.what();
      throw ShapeError(s.str());
    }
    // ∂L/∂X is wanted only if a layer before this one has something to
    // differentiate: nothing needs it at the input, nor after a Flatten there.
    layer->set_input_gradient_wanted(gradient_wanted_below());
    check_weights("Sequential::add", layers_.size(), *layer, penalty);
    layers_.push_back(std::move(layer));
    penalties_.push_back(penalty);
    return *this;
  }

  /// model.add(hnn::Dense<float>(2, 8, rng)): takes the layer by value.
  template <typename L,
            typename = std::enable_if_t<std::is_base_of_v<Layer<Scalar>, std::decay_t<L>>>>
  Sequential& add(L&& layer) {
    return add(LayerPtr(std::make_unique<std::decay_t<L>>(std::forward<L>(layer))));
  }

  /// model.add(hnn::Dense<float>(2, 8, rng), hnn::Penalty::L2(1e-4)): by value, with a penalty.
  template <typename L,
            typename = std::enable_if_t<std::is_base_of_v<Layer<Scalar>, std::decay_t<L>>>>
  Sequential& add(L&& layer, const Penalty& penalty) {
    return add(LayerPtr(std::make_unique<std::decay_t<L>>(std::forward<L>(layer))), penalty);
  }

  /// model.add<hnn::Dense>(2, 8, rng): constructs the layer in place.
  template <template <typename> class L, typename... Args>
  Sequential& add(Args&&... args) {
    return add(LayerPtr(std::make_unique<L<Scalar>>(std::forward<Args>(args)...)));
  }

  /// The shape of one input sample.
  const Shape& input_shape() const { return input_shape_; }
  /// The shape of one output sample (the input's when there are no layers).
  const Shape& output_shape() const {
    return layers_.empty() ? input_shape_ : layers_.back()->output_shape();
  }
  /// The numbers in one input sample: the rows of an input batch.
  Index input_size() const { return input_shape_.size(); }
  /// The numbers in one output sample: the rows of an output batch.
  Index output_size() const { return output_shape().size(); }

  /// The number of layers.
  std::size_t size() const { return layers_.size(); }
  /// Layer k.
  Layer<Scalar>& layer(std::size_t k) { return *layers_.at(k); }
  /// Layer k.
  const Layer<Scalar>& layer(std::size_t k) const { return *layers_.at(k); }

  /// Y = layer_K(… layer_1(X)): a view of the last layer's buffer.
  // Valid until the next forward. In training, layers that draw random numbers
  // take them from rng (fit hands its generator).
  template <typename Derived>
  In forward(const Eigen::MatrixBase<Derived>& X, Mode mode) {
    return forward_with(X, mode, nullptr);
  }
  /// Y = layer_K(… layer_1(X)), with the generator for layers that draw random numbers.
  template <typename Derived>
  In forward(const Eigen::MatrixBase<Derived>& X, Mode mode, Random& rng) {
    return forward_with(X, mode, &rng);
  }

  /// Propagates dY = ∂L/∂Y back through every layer, accumulating parameter gradients.
  // The first layer computes no input gradient, nor does a layer whose
  // predecessors have no parameters or state (they are skipped).
  void backward(In dY) {
    if (layers_.empty()) throw Error("Sequential::backward: the model has no layers");
    std::optional<In> G(dY);  // G_K = ∂L/∂Y
    for (auto l = layers_.rbegin(); l != layers_.rend(); ++l) {
      G.emplace((*l)->backward(*G));  // G_{k−1} = ∂L/∂A_{k−1}
      if (!(*l)->input_gradient_wanted()) break;
    }
  }

  /// Sets every parameter gradient to zero (gradients accumulate otherwise).
  void zero_grad() { hnn::zero_grad(parameters()); }

  /// Predictions for X in inference mode, in chunks of `batch_size` columns.
  // So the layers' buffers stay small for a large X.
  Mat predict(In X, Index batch_size = 256) {
    check_samples("Sequential::predict", "input", X, input_shape_);
    if (batch_size <= 0) throw ArgumentError("Sequential::predict: batch_size must be > 0");
    Mat P(output_size(), X.cols());
    for (Index start = 0; start < X.cols(); start += batch_size) {
      const Index n = std::min(batch_size, X.cols() - start);
      P.middleCols(start, n) = forward(X.middleCols(start, n), Mode::infer);
    }
    return P;
  }

  /// Every parameter of every layer, named by layer index and name ("0.W").
  std::vector<Parameter<Scalar>> parameters() {
    return collect([](Layer<Scalar>& l) { return l.parameters(); });
  }
  /// Every buffer, named the same way ("3.running_mean").
  std::vector<Buffer<Scalar>> buffers() {
    return collect([](Layer<Scalar>& l) { return l.buffers(); });
  }
  /// Every layer's sequence state ("1.h0").
  std::vector<SequenceState<Scalar>> sequence_state() {
    return collect([](Layer<Scalar>& l) { return l.sequence_state(); });
  }
  /// Puts every layer's sequence state back to its start.
  void reset_state() {
    for (auto& l : layers_)
      l->reset_state();
  }
  /// Whether some layer carries its state from batch to batch.
  bool stateful() const {
    return std::any_of(layers_.begin(), layers_.end(),
                       [](const LayerPtr& l) { return l->stateful(); });
  }

  /// The penalty on the weights of layer k (none unless one was given).
  // set_penalty() gives them a new one: ArgumentError as in add().
  const Penalty& penalty(std::size_t k) const { return penalties_.at(k); }
  /// Gives the weights of layer k a new penalty; ArgumentError as in add().
  void set_penalty(std::size_t k, const Penalty& penalty) {
    penalty.check("Sequential::set_penalty");
    check_weights("Sequential::set_penalty", k, *layers_.at(k), penalty);
    penalties_[k] = penalty;
  }
  /// Whether some layer's weights carry a penalty.
  bool has_penalty() const {
    return std::any_of(penalties_.begin(), penalties_.end(),
                       [](const Penalty& p) { return p.active(); });
  }
  /// Each weight matrix that carries a penalty, with its penalty: what training penalizes.
  // Named as parameters() names it ("1.W").
  std::vector<PenalizedWeights<Scalar>> penalized_weights() {
    std::vector<PenalizedWeights<Scalar>> list;
    for (std::size_t k = 0; k < layers_.size(); ++k) {
      if (!penalties_[k].active()) continue;
      for (auto& p : layers_[k]->parameters())
        if (penalizes(p.name()))
          list.push_back({p.renamed(std::to_string(k) + '.' + p.name()), penalties_[k]});
    }
    return list;
  }
  /// R = Σ λ₁ Σ|w| + λ₂ Σ w² at the current weights.
  // add_penalty_gradients() adds ∂R/∂W to each penalized weight's gradient
  // (core/penalty.hpp). Each call lists the weights anew; the training loop lists them once.
  double penalty_value() { return hnn::penalty_value(penalized_weights()); }
  /// Adds ∂R/∂W to the gradient of each penalized weight matrix.
  void add_penalty_gradients() {
    auto list = penalized_weights();
    hnn::add_penalty_gradients(list);
  }

  /// Trainable numbers (buffers are not counted).
  Index parameter_count() {
    Index n = 0;
    for (const auto& p : parameters())
      n += p.size();
    return n;
  }

  /// A table of the layers, the shape of one output sample and the parameter counts.
  // With a line under each layer whose weights carry a penalty:
  //   #   layer              output       parameters
  //   0   Flatten            784                   0
  //   1   Dense(784 → 10)    10                 7850
  //         penalty on W: l2=0.0001
  std::string summary() {
    std::ostringstream s;
    const auto row = [&s](const std::string& k, const std::string& layer, const std::string& shape,
                          const std::string& count) {
      s << pad(k, 4) << pad(layer, 28) << pad(shape, 14)
        << std::string(12 - std::min<std::size_t>(12, count.size()), ' ') << count << '\n';
    };
    row("#", "layer", "output", "parameters");
    s << std::string(58, '-') << '\n';
    row("", "input", input_shape_.str(), "");
    Index total = 0, buffered = 0;
    for (std::size_t k = 0; k < layers_.size(); ++k) {
      Index count = 0;
      for (const auto& p : layers_[k]->parameters())
        count += p.size();
      for (const auto& b : layers_[k]->buffers())
        buffered += b.size();
      total += count;
      row(std::to_string(k), layers_[k]->describe(), layers_[k]->output_shape().str(),
          std::to_string(count));
      if (penalties_[k].active()) s << "      penalty on W: " << penalties_[k].str() << '\n';
    }
    s << std::string(58, '-') << '\n';
    row("", "total", "", std::to_string(total));
    if (buffered > 0) row("", "buffers (not trained)", "", std::to_string(buffered));
    return s.str();
  }

  /// Copies every parameter value and every buffer from `other`, of the same architecture.
  // Used to restore the best weights in early stopping.
  void copy_weights_from(Sequential& other) {
    auto params = parameters(), their_params = other.parameters();
    auto bufs = buffers(), their_bufs = other.buffers();
    check_same_tensors(params, their_params, "parameter");  // all checked before any is copied
    check_same_tensors(bufs, their_bufs, "buffer");
    for (std::size_t k = 0; k < params.size(); ++k)
      params[k].value() = their_params[k].value();
    for (std::size_t k = 0; k < bufs.size(); ++k)
      bufs[k].value() = their_bufs[k].value();
  }

  /// Trains the model: hnn::train(*this, …), the loop of model/train.hpp.
  // model/train.hpp must be included too (hnn/hnn.hpp includes it). Targets
  // are a matrix (one column per sample) or class labels.
  History fit(const Mat& X, const Mat& Y, const Loss<Scalar>& loss, Optimizer<Scalar>& optimizer,
              const FitOptions<Scalar>& options = FitOptions<Scalar>()) {
    return hnn::train(*this, X, Y, loss, optimizer, options);
  }
  /// Trains the model on class labels y.
  History fit(const Mat& X, const Labels& y, const Loss<Scalar>& loss, Optimizer<Scalar>& optimizer,
              const FitOptions<Scalar>& options = FitOptions<Scalar>()) {
    return hnn::train(*this, X, y, loss, optimizer, options);
  }
  /// Loss and metrics on (X, targets), in inference mode (model/train.hpp).
  Evaluation evaluate(const Mat& X, const Mat& Y, const Loss<Scalar>& loss,
                      const std::vector<Metric>& metrics = {}, Index batch_size = 256) {
    return hnn::evaluate(*this, X, Y, loss, metrics, batch_size);
  }
  /// Loss and metrics on (X, y), class labels, in inference mode.
  Evaluation evaluate(const Mat& X, const Labels& y, const Loss<Scalar>& loss,
                      const std::vector<Metric>& metrics = {}, Index batch_size = 256) {
    return hnn::evaluate(*this, X, y, loss, metrics, batch_size);
  }

 private:
  // Whether some layer already added has parameters or sequence state, and so
  // needs the gradient of its output.
  bool gradient_wanted_below() {
    for (const auto& l : layers_)
      if (!l->parameters().empty() || !l->sequence_state().empty()) return true;
    return false;
  }

  // ArgumentError when a penalty that is not zero is given to a layer
  // without a weight matrix to apply it to.
  static void check_weights(const char* who, std::size_t k, Layer<Scalar>& layer,
                            const Penalty& penalty) {
    if (!penalty.active()) return;
    for (const auto& p : layer.parameters())
      if (penalizes(p.name())) return;
    throw ArgumentError(std::string(who) + ": layer " + std::to_string(k) + " (" +
                        layer.describe() +
                        ") has no weights (a parameter named \"W\") for the "
                        "penalty " +
                        penalty.str() + " to apply to");
  }

  static Shape checked_size(Index input_size) {
    if (input_size <= 0) throw ArgumentError("Sequential: input_size must be > 0");
    return Shape(input_size);
  }

  template <typename Derived>
  In forward_with(const Eigen::MatrixBase<Derived>& X, Mode mode, Random* rng) {
    if (layers_.empty()) throw Error("Sequential::forward: the model has no layers");
    check_samples("Sequential::forward", "input", X, input_shape_);
    // The first layer keeps a view of X until backward: X must not be a temporary.
    std::optional<In> A(stored_view<Scalar>(
        X, "Sequential::forward"));  // A₀ = X (an Eigen::Ref cannot be re-pointed; an optional can)
    for (auto& l : layers_) {
      if (rng) {
        A.emplace(l->forward(*A, mode, *rng));  // A_k = layer_k(A_{k−1})
      } else {
        A.emplace(l->forward(*A, mode));
      }
    }
    return *A;
  }

  // Each layer's list from `get`, renamed "<layer index>.<name>".
  template <typename Get>
  auto collect(Get get) {
    decltype(get(*layers_.front())) all;
    for (std::size_t k = 0; k < layers_.size(); ++k) {
      for (auto& t : get(*layers_[k]))
        all.push_back(t.renamed(std::to_string(k) + '.' + t.name()));
    }
    return all;
  }

  template <typename List>
  static void check_same_tensors(const List& mine, const List& theirs, const char* what) {
    if (mine.size() != theirs.size()) {
      throw ArgumentError(std::string("Sequential::copy_weights_from: the models have different ") +
                          what + "s");
    }
    for (std::size_t k = 0; k < mine.size(); ++k) {
      if (mine[k].rows() != theirs[k].rows() || mine[k].cols() != theirs[k].cols()) {
        throw ShapeError(
            "Sequential::copy_weights_from: " + std::string(what) + " " + mine[k].name() +
            " has shape " + shape_string(mine[k].rows(), mine[k].cols()) +
            " but the other model's has " + shape_string(theirs[k].rows(), theirs[k].cols()));
      }
    }
  }

  // Pads to `width` characters as displayed: UTF-8 continuation bytes
  // (10xxxxxx) take no column, so "→" counts once.
  static std::string pad(const std::string& text, std::size_t width) {
    std::size_t shown = 0;
    for (unsigned char c : text)
      shown += (c & 0xC0) != 0x80;
    return text + std::string(width > shown ? width - shown : 1, ' ');
  }

  Shape input_shape_;
  std::vector<LayerPtr> layers_;
  std::vector<Penalty> penalties_;  // on the weights of each layer (most: none)
};

}  // namespace hnn

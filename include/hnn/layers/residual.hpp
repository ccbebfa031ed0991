// SPDX-License-Identifier: MIT
#pragma once
// Residual: a block of layers f with a skip path around it.
//
//   y = x + f(x)             identity skip: f keeps the shape of a sample
//   y = P x̃ + f(x)           projection: a learned linear map makes x fit
//
// f is the block's inner layers applied one after the other, as in a
// Sequential. For a batch X of n samples (one per column):
//
//   X (in × n)   F = f(X) (out × n)   Y (out × n)
//
// The projection (project()) is a matrix P (C' × C) without bias, for
//   vectors {C} → {C'}:            x̃ = x, so P x is a Dense layer without bias;
//   images {C, H, W} → {C', H', W'} with H' = ⌊(H − 1)/s⌋ + 1 and
//                                  W' = ⌊(W − 1)/s⌋ + 1 for a stride s ≥ 1: a
//                                  1×1 convolution with stride s, x̃ keeping
//                                  the pixels (s·h', s·w') (what f's own
//                                  stride-s convolution with "same" padding
//                                  gives: ⌈H/s⌉ = ⌊(H − 1)/s⌋ + 1).
// In the library's memory order (core/shape.hpp: each pixel's channels
// together), the sampled batch X̃ is a (C × H'·W'·n) matrix with one column per
// output pixel of every sample, and P X̃ (C' × H'·W'·n) holds the numbers of
// the output batch (C'·H'·W' × n): one product. A vector is an image of one
// pixel. Any other change of shape (a sequence, an image to a vector, a
// stride that does not give f's size) is a ShapeError naming both shapes.
//
// Forward:
//   F = f(X)                     each inner layer's forward, first to last
//   Y = X + F                    identity skip
//   Y = P X̃ + F                  projection
//
// Backward, given dY = ∂L/∂Y (out × n):
//   G = (∂f/∂x)ᵀ dY              each inner layer's backward, last to first
//   dP += dY X̃ᵀ                  (C' × C), dY read as (C' × H'·W'·n)
//   dX  = dY + G                 identity skip: the skip path, plus the path through f
//   dX  = S(Pᵀ dY) + G           projection: S puts each column of Pᵀ dY
//                                (C × H'·W'·n) back at the pixel x̃ took it
//                                from, zero elsewhere
//
// Why a skip path keeps the gradient alive: ∂y/∂x = I + ∂f/∂x, so a stack of
// blocks multiplies factors (I + J_k) whose product always contains I. The
// gradient reaching the first block is dY plus the terms through the J_k;
// when every J_k is small it tends to dY, not to 0
// (docs/11-initialization-and-gradients.md measures it).
//
// Building a block is building a small Sequential: from the shape of one
// input sample, each inner layer told the shape the previous one gives.
//
//   hnn::Residual<float> block(hnn::Shape{64});
//   block.add(hnn::Dense<float>(64, 64, rng)).add(hnn::Activation<float, hnn::Tanh>());
//   model.add(std::move(block));                   // y = x + tanh(W x + b)
//
//   hnn::Residual<float> down(hnn::Shape{16, 8, 8});
//   down.add(hnn::Conv2D<float>(16, 32, hnn::Window(3), rng, {2, hnn::Padding::same()}))
//       .add(hnn::Activation<float, hnn::ReLU>());
//   down.project(rng, 2);                          // P: 1×1 convolution 16 → 32, stride 2
//
// Input gradient: when the model wants no dX of the block (it is the model's
// first layer), f's first layer skips its own dX and the skip path adds
// nothing; the gradients of P and of f's parameters are computed all the same.
// Inside f, a layer computes dX when the block's dX is wanted or when an inner
// layer before it has something to differentiate (as in Sequential).
//
// State: parameters(), buffers() and sequence_state() are the inner layers',
// named "<inner index>.<name>" ("0.W", "1.running_mean"), and P is "proj.W";
// a model prefixes the block's own index ("3.0.W", "3.proj.W"). Forward hands
// the training generator on to the inner layers (dropout inside a block draws
// from it), and clone() copies every inner layer.
//
// Settings (what a model file stores: io/model_file.hpp): the block's own,
//   layers = K, input0, input1, … (the input shape), projection = C' (0: an
//   identity skip) and, with a projection, stride = s,
// then each inner layer's type name and settings, flattened under its index k:
//   "k" = its type name (a word), "k.<name>" = its setting <name>
// e.g. layers=2, input0=4, projection=0, 0=Dense, 0.in=4, 0.out=4, 1=Tanh.
// The inner layers' tensors are the block's, under the names above. So a
// Residual is an ordinary layer record of the file (the format and its
// version are unchanged), and LayerRegistry rebuilds it with the factory form
// that is handed the registry itself (io/registry.hpp): each inner layer is
// made by that same registry, so a custom layer inside a block loads too, and
// a block inside a block recurses. The type name sits under the bare index,
// not under "k.type", so that no inner setting's name can collide with it;
// parse_settings() below reads the flattened form back.

#include <algorithm>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/exact_number.hpp"
#include "hnn/core/random.hpp"
#include "hnn/core/settings.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/init/initializer.hpp"
#include "hnn/layers/layer.hpp"
#include "hnn/perf/products.hpp"

namespace hnn {

/// A residual block: layers f with a skip path around them, y = x + f(x) or y = P x̃ + f(x).
template <typename Scalar>
class Residual : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::Mat;
  using typename Layer<Scalar>::In;
  /// An owned layer.
  using LayerPtr = std::unique_ptr<Layer<Scalar>>;
  /// A writable view of a batch's numbers in other dimensions.
  using MapMat = Eigen::Map<Mat>;
  /// A read-only view of a batch's numbers in other dimensions.
  using ConstMapMat = Eigen::Map<const Mat>;

  /// A block whose samples have the shape `input`; its layers come with add().
  explicit Residual(const Shape& input) : input_(checked_input(input)) {}

  /// A deep copy: the inner layers are cloned.
  Residual(const Residual& other)
      : Layer<Scalar>(other),
        input_(other.input_),
        below_(other.below_),
        projected_(other.projected_),
        stride_(other.stride_),
        g_(other.g_),
        P_(other.P_),
        dP_(other.dP_) {
    for (const auto& l : other.f_)
      f_.push_back(l->clone());
  }
  /// Assigns a deep copy.
  Residual& operator=(const Residual& other) {
    if (this != &other) {
      Residual copy(other);
      *this = std::move(copy);
    }
    return *this;
  }
  /// Moves the block.
  Residual(Residual&&) = default;
  /// Move-assigns the block.
  Residual& operator=(Residual&&) = default;
  ~Residual() override = default;

  /// Appends an inner layer, telling it the shape the previous one gives.
  // The first is told the block's input shape; ShapeError when a layer cannot take it.
  Residual& add(LayerPtr layer) {
    if (!layer) throw ArgumentError("Residual::add: null layer");
    if (projected_) {
      throw ArgumentError(describe() +
                          ".add: the skip path's projection is made for the block's output; "
                          "add every layer before project()");
    }
    const Shape in = f_output();
    try {
      layer->set_input_shape(in);
    } catch (const ShapeError& e) {
      std::ostringstream s;
      s << "Residual::add: layer " << f_.size() << " (" << layer->describe()
        << ") does not fit after " << (f_.empty() ? "the block's input" : f_.back()->describe())
        << ", which gives samples of " << in << ": " << e.what();
      throw ShapeError(s.str());
    }
    below_.push_back(has_state(f_));
    f_.push_back(std::move(layer));
    if (skip_fits()) this->set_input_shape(input_);
    return *this;
  }

  /// block.add(hnn::Dense<float>(4, 4, rng)): takes the layer by value.
  template <typename L,
            typename = std::enable_if_t<std::is_base_of_v<Layer<Scalar>, std::decay_t<L>>>>
  Residual& add(L&& layer) {
    return add(LayerPtr(std::make_unique<std::decay_t<L>>(std::forward<L>(layer))));
  }

  /// block.add<hnn::Dense>(4, 4, rng): constructs the layer in place.
  template <template <typename> class L, typename... Args>
  Residual& add(Args&&... args) {
    return add(LayerPtr(std::make_unique<L<Scalar>>(std::forward<Args>(args)...)));
  }

  /// Gives the skip path a projection P (C' × C), for the output f gives now.
  // P is drawn from `weights` with fan_in = C and fan_out = C'. Vectors {C} →
  // {C'}, or images {C, H, W} → {C', H', W'} sampled with `stride` (the
  // header comment). Call it after the last add(). ShapeError naming both
  // shapes when f's output is not one of these.
  Residual& project(Random& rng, Index stride = 1, Init weights = Init::xavier_uniform()) {
    if (f_.empty()) throw ArgumentError("Residual::project: add the block's layers first");
    if (projected_) throw ArgumentError(describe() + ".project: the block has a projection");
    if (stride < 1) {
      throw ArgumentError("Residual::project: stride must be ≥ 1, got " + std::to_string(stride));
    }
    g_ = projection_geometry(input_, f_output(), stride);
    P_.resize(g_.out_c, g_.in_c);
    weights.fill(P_, g_.in_c, g_.out_c, rng);
    dP_ = Mat::Zero(g_.out_c, g_.in_c);
    projected_ = true;
    stride_ = stride;
    this->set_input_shape(input_);
    return *this;
  }

  std::string type_name() const override { return "Residual"; }
  // "Residual(Dense(4 → 4) → ReLU → Dense(4 → 4))", with ", projection 4 → 6"
  // (and ", stride 2") when the skip path has one.
  std::string describe() const override {
    std::ostringstream s;
    s << "Residual(";
    for (std::size_t k = 0; k < f_.size(); ++k)
      s << (k ? " → " : "") << f_[k]->describe();
    if (projected_) {
      s << ", projection " << g_.in_c << " → " << g_.out_c;
      if (stride_ != 1) s << ", stride " << stride_;
    }
    s << ')';
    return s.str();
  }

  /// The number of inner layers.
  std::size_t size() const { return f_.size(); }
  /// Inner layer k.
  Layer<Scalar>& layer(std::size_t k) { return *f_.at(k); }
  /// Inner layer k.
  const Layer<Scalar>& layer(std::size_t k) const { return *f_.at(k); }
  /// Whether the skip path has a projection P.
  bool projected() const { return projected_; }
  /// The projection's stride s (1 without one).
  Index stride() const { return stride_; }
  /// The projection P (C' × C; empty without one).
  const Mat& P() const { return P_; }
  /// The shape of one sample of f(x) (the input's while the block is empty).
  const Shape& f_output() const { return f_.empty() ? input_ : f_.back()->output_shape(); }

  // The block's input shape → f's output shape.
  Shape compute_output_shape(const Shape& input) const override {
    if (f_.empty()) throw ArgumentError("Residual: the block has no layers (add them first)");
    if (input != input_) {
      std::ostringstream s;
      s << describe() << ": the block is built for samples of " << input_ << ", but is given "
        << input;
      throw ShapeError(s.str());
    }
    check_skip();
    return f_output();
  }

 protected:
  In forward_impl(In X, Mode mode) override {
    if (f_.empty()) throw ArgumentError("Residual.forward: the block has no layers");
    check_skip();
    Random* rng = this->generator();
    std::optional<In> A(X);  // A₀ = X (an optional, since an Eigen::Ref cannot be re-pointed)
    for (auto& l : f_)
      A.emplace(rng ? l->forward(*A, mode, *rng) : l->forward(*A, mode));  // A_k = f_k(A_{k−1})
    const In& F = *A;
    auto Y = batch_view(Y_, F.rows(), X.cols());
    if (!projected_) {
      Y = X + F;  // Y = X + F
      return Y;
    }
    const Index columns = g_.out_pixels() * X.cols();
    MapMat Yc(Y.data(), g_.out_c, columns);  // the same numbers, C' × H'·W'·n
    set_product(Yc, P_, sampled(X));         // Y = P X̃
    Y += F;                                  //   + F
    return Y;
  }

  In backward_impl(In dY) override {
    const bool wanted = this->input_gradient_wanted();
    for (std::size_t k = 0; k < f_.size(); ++k)
      f_[k]->set_input_gradient_wanted(wanted || below_[k]);
    std::optional<In> G(dY);
    for (auto l = f_.rbegin(); l != f_.rend(); ++l) {
      G.emplace((*l)->backward(*G));  // G = (∂f_k/∂a)ᵀ G, down to G = (∂f/∂x)ᵀ dY
      if (!(*l)->input_gradient_wanted()) break;
    }
    const Index n = dY.cols();
    if (!projected_) {
      if (!wanted) return dX_.leftCols(0);
      auto dX = batch_view(dX_, input_.size(), n);
      dX = dY;   // dX  = dY                the skip path
      dX += *G;  // dX += (∂f/∂x)ᵀ dY       the path through f
      return dX;
    }
    const ConstMapMat dYc = as_channel_rows(dY, g_.out_pixels() * n);  // (C' × H'·W'·n)
    add_product(dP_, dYc, kept_sample(n).transpose());                 // dP += dY X̃ᵀ
    if (!wanted) return dX_.leftCols(0);
    auto dXs = batch_view(dXs_, g_.in_c, dYc.cols());
    set_product(dXs, P_.transpose(), dYc);  // dX̃ = Pᵀ dY
    auto dX = batch_view(dX_, input_.size(), n);
    put_back(dXs, dX);  // dX  = S(dX̃)             the skip path
    dX += *G;           // dX += (∂f/∂x)ᵀ dY       the path through f
    return dX;
  }

 public:
  // The inner layers' parameters, "<k>.<name>", then P as "proj.W".
  std::vector<Parameter<Scalar>> parameters() override {
    auto all = collect([](Layer<Scalar>& l) { return l.parameters(); });
    if (projected_) all.emplace_back("proj.W", P_, dP_);
    return all;
  }
  std::vector<Buffer<Scalar>> buffers() override {
    return collect([](Layer<Scalar>& l) { return l.buffers(); });
  }
  std::vector<SequenceState<Scalar>> sequence_state() override {
    return collect([](Layer<Scalar>& l) { return l.sequence_state(); });
  }
  void reset_state() override {
    for (auto& l : f_)
      l->reset_state();
  }
  bool stateful() const override {
    return std::any_of(f_.begin(), f_.end(), [](const LayerPtr& l) { return l->stateful(); });
  }

  // The block's settings, then each inner layer's under its index (above).
  Settings settings() const override {
    Settings s = {{"layers", double(f_.size())}};
    for (int k = 0; k < input_.rank(); ++k)
      s.emplace_back("input" + std::to_string(k), double(input_[k]));
    s.emplace_back("projection", projected_ ? double(g_.out_c) : 0.0);
    if (projected_) s.emplace_back("stride", double(stride_));
    for (std::size_t k = 0; k < f_.size(); ++k) {
      const std::string index = std::to_string(k);
      s.emplace_back(index, Setting(f_[k]->type_name()));
      for (auto& kv : f_[k]->settings())
        s.emplace_back(index + '.' + kv.first, std::move(kv.second));
    }
    return s;
  }

  // What settings() wrote, read back: the block's own settings and each inner
  // layer's type name and settings. ArgumentError naming what is wrong.
  /// One inner layer as settings() describes it.
  struct Inner {
    std::string type;   ///< its type name
    Settings settings;  ///< its settings
  };
  /// What parse_settings() reads: the block's own settings and each inner layer's.
  struct Parsed {
    Settings own;               ///< layers, input0, …, projection, stride
    std::vector<Inner> layers;  ///< the inner layers, in order
  };
  /// What settings() wrote, read back; ArgumentError naming what is wrong.
  static Parsed parse_settings(const Settings& s) {
    const double layers = setting(s, "layers");
    if (!(layers >= 1 && layers <= double(s.size())) || layers != double(std::size_t(layers))) {
      throw ArgumentError("Residual: setting \"layers\" is " + exact_number(layers) +
                          ", not the number of inner layers of these settings");
    }
    Parsed p;
    p.layers.resize(std::size_t(layers));
    std::vector<bool> typed(std::size_t(layers), false);
    for (const auto& kv : s) {
      const std::string& name = kv.first;
      const std::size_t digits = std::size_t(
          std::find_if(name.begin(), name.end(), [](char c) { return c < '0' || c > '9'; }) -
          name.begin());
      if (digits == 0) {  // the block's own
        p.own.push_back(kv);
        continue;
      }
      const std::size_t k = inner_index(name.substr(0, digits), std::size_t(layers));
      if (digits == name.size()) {  // "k": the type name
        if (!kv.second.is_word() || typed[k])
          throw ArgumentError("Residual: setting \"" + name + "\" must be one type name");
        p.layers[k].type = kv.second.word();
        typed[k] = true;
      } else if (name[digits] == '.' && digits + 1 < name.size()) {  // "k.name"
        p.layers[k].settings.emplace_back(name.substr(digits + 1), kv.second);
      } else {
        throw ArgumentError("Residual: setting \"" + name + "\" is not one of a block's");
      }
    }
    for (std::size_t k = 0; k < typed.size(); ++k)
      if (!typed[k])
        throw ArgumentError("Residual: setting \"" + std::to_string(k) +
                            "\" (the type of inner layer " + std::to_string(k) + ") is missing");
    return p;
  }

  std::unique_ptr<Layer<Scalar>> clone() const override {
    return std::make_unique<Residual>(*this);
  }

 private:
  // The sizes of the projection: x̃ (C × H'·W' per sample) from x (C × H·W).
  // A vector is an image of one pixel.
  struct Geometry {
    Index in_c = 0, in_h = 1, in_w = 1;     // C, H, W
    Index out_c = 0, out_h = 1, out_w = 1;  // C', H', W'
    Index out_pixels() const { return out_h * out_w; }
  };

  static Shape checked_input(const Shape& input) {
    if (!input.known()) throw ArgumentError("Residual: the input shape is unknown");
    return input;
  }

  static std::size_t inner_index(const std::string& digits, std::size_t layers) {
    if (digits.size() > 9 || (digits.size() > 1 && digits[0] == '0') ||
        std::stoul(digits) >= layers)
      throw ArgumentError("Residual: setting \"" + digits +
                          "…\" names no inner layer (layers = " + std::to_string(layers) + ")");
    return std::size_t(std::stoul(digits));
  }

  // The geometry of a projection from `in` to `out` with `stride`, or a
  // ShapeError naming both shapes.
  static Geometry projection_geometry(const Shape& in, const Shape& out, Index stride) {
    Geometry g;
    std::ostringstream s;
    s << "Residual::project: ";
    if (in.rank() == 1 && out.rank() == 1) {
      if (stride == 1) {
        g.in_c = in[0];
        g.out_c = out[0];
        return g;
      }
      s << "the block maps vectors " << in << " to " << out
        << ", and a stride applies to images only";
      throw ShapeError(s.str());
    }
    if (in.rank() == 3 && out.rank() == 3) {
      const Index h = (in[1] - 1) / stride + 1, w = (in[2] - 1) / stride + 1;
      if (out[1] == h && out[2] == w) {
        g.in_c = in[0];
        g.in_h = in[1];
        g.in_w = in[2];
        g.out_c = out[0];
        g.out_h = h;
        g.out_w = w;
        return g;
      }
      s << "a 1×1 projection with stride " << stride << " maps images of " << in << " to " << out[0]
        << "×" << h << "×" << w << ", but the block's layers give " << out;
      throw ShapeError(s.str());
    }
    s << "the block maps samples of " << in << " to " << out
      << "; a projection maps vectors to vectors {C} → {C'}, or images to images {C, H, W} → "
         "{C', H', W'} (1×1, with a stride)";
    throw ShapeError(s.str());
  }

  // ShapeError unless x and f(x) can be added: equal shapes, or a projection.
  void check_skip() const {
    if (skip_fits()) return;
    std::ostringstream s;
    s << describe() << ": the block's layers change a sample from " << input_ << " to "
      << f_output() << ", so x + f(x) is undefined: give the skip path a projection, "
      << "block.project(rng) (block.project(rng, stride) for an image that shrinks)";
    throw ShapeError(s.str());
  }
  bool skip_fits() const { return !f_.empty() && (projected_ || f_output() == input_); }

  // Whether some layer of `layers` has parameters or sequence state, and so
  // needs the gradient of its output.
  static bool has_state(const std::vector<LayerPtr>& layers) {
    for (const auto& l : layers)
      if (!l->parameters().empty() || !l->sequence_state().empty()) return true;
    return false;
  }

  // X̃ (C × H'·W'·n): X's numbers as they are when every pixel is kept and the
  // columns are contiguous; otherwise the kept pixels, copied.
  ConstMapMat sampled(const In& X) {
    const Index n = X.cols(), columns = g_.out_pixels() * n;
    copied_ = stride_ != 1 || X.outerStride() != X.rows();
    if (!copied_) return ConstMapMat(X.data(), g_.in_c, columns);
    auto Xs = batch_view(Xs_, g_.in_c, columns);
    for (Index j = 0; j < n; ++j)
      for (Index h = 0; h < g_.out_h; ++h)
        for (Index w = 0; w < g_.out_w; ++w)
          Xs.col((j * g_.out_h + h) * g_.out_w + w) = X.col(j).segment(pixel(h, w), g_.in_c);
    return ConstMapMat(Xs.data(), g_.in_c, columns);
  }
  // The X̃ of the last forward, for backward.
  ConstMapMat kept_sample(Index n) const {
    const Index columns = g_.out_pixels() * n;
    return copied_ ? ConstMapMat(Xs_.data(), g_.in_c, columns)
                   : ConstMapMat(this->input().data(), g_.in_c, columns);
  }
  // Where pixel (s·h, s·w) of an input sample starts in its column.
  Index pixel(Index h, Index w) const { return ((h * stride_) * g_.in_w + w * stride_) * g_.in_c; }

  // dY's numbers as (C' × H'·W'·n). A batch whose columns are not contiguous
  // (a block of a taller matrix) is copied first.
  ConstMapMat as_channel_rows(const In& dY, Index columns) {
    if (dY.outerStride() == dY.rows()) return ConstMapMat(dY.data(), g_.out_c, columns);
    auto copy = batch_view(dY_copy_, dY.rows(), dY.cols());
    copy = dY;
    return ConstMapMat(copy.data(), g_.out_c, columns);
  }

  // dX = S(dX̃): each column of dX̃ back at the pixel x̃ took it from.
  void put_back(const ConstRef<Scalar>& dXs, MutRef<Scalar> dX) const {
    const Index n = dX.cols();
    if (stride_ == 1) {
      MapMat(dX.data(), g_.in_c, g_.out_pixels() * n) = dXs;
      return;
    }
    dX.setZero();
    for (Index j = 0; j < n; ++j)
      for (Index h = 0; h < g_.out_h; ++h)
        for (Index w = 0; w < g_.out_w; ++w)
          dX.col(j).segment(pixel(h, w), g_.in_c) = dXs.col((j * g_.out_h + h) * g_.out_w + w);
  }

  // Each inner layer's list from `get`, renamed "<k>.<name>".
  template <typename Get>
  auto collect(Get get) {
    std::vector<typename decltype(get(std::declval<Layer<Scalar>&>()))::value_type> all;
    for (std::size_t k = 0; k < f_.size(); ++k)
      for (auto& t : get(*f_[k]))
        all.push_back(t.renamed(std::to_string(k) + '.' + t.name()));
    return all;
  }

  Shape input_;              // the shape of one input sample
  std::vector<LayerPtr> f_;  // the inner layers, in order
  std::vector<bool> below_;  // below_[k]: an inner layer before k has parameters or state
  bool projected_ = false;   // whether the skip path is P x̃ (else x)
  Index stride_ = 1;         // s, with a projection
  Geometry g_;               // C, H, W → C', H', W', with a projection
  Mat P_;                    // projection     (C' × C)
  Mat dP_;                   // ∂L/∂P          (C' × C), accumulated
  Mat Y_;                    // output buffer  (out × largest n)
  Mat Xs_;                   // X̃ when copied  (C × H'·W'·largest n), kept for dP
  bool copied_ = false;      // whether the last forward's X̃ is in Xs_
  Mat dXs_;                  // Pᵀ dY          (C × H'·W'·largest n)
  Mat dY_copy_;              // dY made contiguous, when it is not
  Mat dX_;                   // input-gradient buffer (in × largest n)
};

}  // namespace hnn

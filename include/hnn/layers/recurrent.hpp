// SPDX-License-Identifier: MIT
#pragma once
// What the recurrent layers (layers/rnn.hpp, lstm.hpp, gru.hpp) share: the
// sequence shapes, the weights, the state carried from step to step, the
// products over all steps at once, and truncated backpropagation through time.
// Each cell's own equations, forward and backward, are in its header.
//
// Input: a batch of sequences, one per column, each Shape{T, F}: T steps of F
// features, stored step by step (core/shape.hpp), so step t of sample j is
// the segment X(tF … tF + F − 1, j). The same numbers read as an (F × T n)
// matrix X̃ hold one step per column, column jT + t for step t of sample j;
// every per-step quantity below is kept in that layout (K × T n), and its
// step t, for all samples, is the (K × n) view of the columns t, T + t, ….
//
// A cell with G gate blocks of H units each (RNN 1, GRU 3, LSTM 4) has
//
//   W_ih (GH × F)   b_ih (GH × 1)   on the input x_t
//   W_hh (GH × H)   b_hh (GH × 1)   on the previous hidden state h_{t−1}
//
// in PyTorch's layout and gate order, so PyTorch's weights copy over as they
// are. Forward, with h_0 (H × n) the sequence state "h0":
//
//   A = W_ih X̃ + b_ih 1ᵀ            (GH × T n)   all input projections, one product
//   for t = 1 … T:                               the cell (its header)
//     h_t = cell(A_t, W_hh h_{t−1} + b_hh, …)    (H × n)
//   Y = [h_1; …; h_T]               (TH × n)     output = sequence: Shape{T, H}
//   Y = h_T                         (H × n)      output = last:     Shape{H}
//
// Backward through time: with dh_t = ∂L/∂h_t, the sum of what the output
// receives at step t and what step t + 1 sends back, each cell turns dh_t
// into the gradients of its pre-activations, dA_t (input side) and dB_t
// (hidden side, W_hh h_{t−1} + b_hh; the same as dA_t except in the GRU), and
// sends dh_{t−1} += W_hhᵀ dB_t back. Then, over all steps at once:
//
//   dW_ih += dA X̃ᵀ                  (GH × F)
//   db_ih += dA 1                   (GH × 1)
//   dW_hh += dB H̃ᵀ                  (GH × H)   H̃ = [h_0 … h_{T−1}] per sample (H × T n)
//   db_hh += dB 1                   (GH × 1)
//   dX̃     = W_ihᵀ dA               (F × T n)  = dX (TF × n); skipped for a first layer
//   ∂L/∂h_0 = what step 1 sends back             (sequence state "h0", and "c0" for LSTM)
//
// Truncated BPTT with window k (bptt_window = k; 0 is full BPTT): the
// sequence is cut into chunks of k steps, [1, k], [k + 1, 2k], …; the state
// flows forward across a border as always, but the gradient a chunk's first
// step would send back to the step before it is dropped. With k ≥ T there is
// no border and the result is full BPTT exactly. ∂L/∂h_0 is what the first
// chunk sends back.
//
// State: h_0 (and c_0) start at zero. A stateful layer starts each batch from
// where the last one ended (h_0 ← h_T), until reset_state(); batches must then
// keep one size. A layer that is not stateful goes back to zero after every
// forward; a state written through sequence_state() is used by the next
// forward only. Buffers are sized for the largest batch and reused.

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/random.hpp"
#include "hnn/core/settings.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/init/initializer.hpp"
#include "hnn/layers/layer.hpp"
#include "hnn/perf/products.hpp"

namespace hnn {

/// What a recurrent layer outputs: every step's hidden state, or the last one's.
enum class SequenceOutput {
  sequence,  ///< [h_1; …; h_T], Shape{T, H}
  last       ///< h_T, Shape{H}
};

/// The settings every recurrent layer shares.
struct RecurrentOptions {
  SequenceOutput output = SequenceOutput::sequence;  ///< every step, or the last only
  bool stateful = false;  ///< carry the state from batch to batch until reset_state()
  Index bptt_window = 0;  ///< truncated BPTT over chunks of this many steps; 0: full BPTT
};

/// The shared part of RNN, LSTM and GRU: shapes, weights, state, products over all steps.
template <typename Scalar>
class Recurrent : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::Mat;
  using typename Layer<Scalar>::In;

  /// The features per step, F.
  Index features() const { return W_ih_.cols(); }
  /// The hidden units, H.
  Index hidden() const { return W_hh_.cols(); }
  /// The gate blocks, G: W_ih has G·H rows.
  Index gates() const { return W_ih_.rows() / hidden(); }
  /// The options it was built with.
  const RecurrentOptions& options() const { return options_; }

  // {T, F} → {T, H} (output = sequence) or {H} (output = last)
  Shape compute_output_shape(const Shape& input) const override {
    if (input.rank() != 2 || input[1] != features()) {
      std::ostringstream s;
      s << this->describe() << ": takes a sequence of steps of " << features()
        << " features, Shape{T, " << features() << "}, but is given " << input;
      throw ShapeError(s.str());
    }
    if (options_.output == SequenceOutput::last) return Shape(hidden());
    return Shape{input[0], hidden()};
  }

  std::string describe() const override {
    std::ostringstream s;
    s << this->type_name() << '(' << features() << " → " << hidden();
    if (options_.output == SequenceOutput::last) s << ", last";
    if (options_.stateful) s << ", stateful";
    if (options_.bptt_window > 0) s << ", bptt " << options_.bptt_window;
    s << ')';
    return s.str();
  }

  std::vector<Parameter<Scalar>> parameters() override {
    return {Parameter<Scalar>("W_ih", W_ih_, dW_ih_), Parameter<Scalar>("W_hh", W_hh_, dW_hh_),
            Parameter<Scalar>("b_ih", b_ih_, db_ih_), Parameter<Scalar>("b_hh", b_hh_, db_hh_)};
  }

  std::vector<SequenceState<Scalar>> sequence_state() override {
    std::vector<SequenceState<Scalar>> s;
    for (std::size_t k = 0; k < states_; ++k)
      s.emplace_back(k == 0 ? "h0" : "c0", initial_[k], dinitial_[k]);
    return s;
  }
  void reset_state() override {
    for (std::size_t k = 0; k < states_; ++k)
      initial_[k].setZero();
    carried_ = 0;
  }
  bool stateful() const override { return options_.stateful; }

  /// The settings every recurrent layer has, in a model file's order.
  Settings settings() const override {
    return {{"features", double(features())},
            {"hidden", double(hidden())},
            {"output", options_.output == SequenceOutput::last ? "last" : "sequence"},
            {"stateful", options_.stateful ? 1.0 : 0.0},
            {"bptt_window", double(options_.bptt_window)}};
  }

  /// The options in `s`, as settings() writes them.
  static RecurrentOptions options_from(const Settings& s) {
    RecurrentOptions o;
    const std::string out = setting_word(s, "output");
    if (out != "sequence" && out != "last")
      throw ArgumentError("setting \"output\" must be \"sequence\" or \"last\", got \"" + out +
                          "\"");
    o.output = out == "last" ? SequenceOutput::last : SequenceOutput::sequence;
    const double st = setting(s, "stateful");
    if (st != 0 && st != 1) throw ArgumentError("setting \"stateful\" must be 0 or 1");
    o.stateful = st == 1;
    const double k = setting(s, "bptt_window");
    if (!(k >= 0 && k <= double(1 << 28)) || k != double(Index(k)))
      throw ArgumentError("setting \"bptt_window\" must be a whole number ≥ 0");
    o.bptt_window = Index(k);
    return o;
  }

  /// The input weights W_ih (GH × F), PyTorch's weight_ih_l0.
  const Mat& W_ih() const { return W_ih_; }
  /// The recurrent weights W_hh (GH × H), PyTorch's weight_hh_l0.
  const Mat& W_hh() const { return W_hh_; }
  /// The input bias b_ih (GH × 1).
  const Mat& b_ih() const { return b_ih_; }
  /// The recurrent bias b_hh (GH × 1).
  const Mat& b_hh() const { return b_hh_; }

 protected:
  /// A writable view of one step of a per-step buffer.
  using StepMap = Eigen::Map<Mat, 0, Eigen::OuterStride<>>;
  /// A read-only view of one step, or of the whole input as steps.
  using ConstStepMap = Eigen::Map<const Mat, 0, Eigen::OuterStride<>>;

  /// A layer of `gates` blocks of `hidden` units on `features` inputs, with `states` states.
  // Every weight and bias is drawn from U(−1/√H, 1/√H), PyTorch's default.
  Recurrent(const char* who, Index features, Index hidden, Index gates, std::size_t states,
            Random& rng, const RecurrentOptions& options)
      : W_ih_(checked_rows(who, features, hidden, options) * gates, features),
        W_hh_(gates * hidden, hidden),
        b_ih_(gates * hidden, 1),
        b_hh_(gates * hidden, 1),
        dW_ih_(Mat::Zero(gates * hidden, features)),
        dW_hh_(Mat::Zero(gates * hidden, hidden)),
        db_ih_(Mat::Zero(gates * hidden, 1)),
        db_hh_(Mat::Zero(gates * hidden, 1)),
        options_(options),
        states_(states) {
    const double k = 1 / std::sqrt(double(hidden));
    const Init init = Init::uniform(-k, k);
    init.fill(W_ih_, features, hidden, rng);
    init.fill(W_hh_, hidden, hidden, rng);
    init.fill(b_ih_, features, hidden, rng);
    init.fill(b_hh_, hidden, hidden, rng);
  }

  /// The cell's forward over steps 0 … T − 1 (see the cell's header).
  // On entry: A() holds W_ih x_t + b_ih for every step, initial(k) the
  // states to start from. It writes h_t to H() and h_{t−1} to Hprev().
  virtual void forward_steps(Index T, Index n) = 0;
  /// The cell's backward over steps T − 1 … 0, given dh_t from the output.
  // It writes dA() (and dB() when hidden_side_differs()) and ∂L/∂state_0 to
  // initial_grad(k); recurrent_gradient_stops(t) says where truncation cuts.
  virtual void backward_steps(Index T, Index n, const In& dY) = 0;
  /// The state k after the last step (h_T, c_T): what a stateful layer carries on.
  virtual ConstStepMap final_state(std::size_t k, Index T, Index n) = 0;
  /// Whether the hidden side's gradient dB differs from dA (the GRU's n gate).
  virtual bool hidden_side_differs() const { return false; }

  /// Step t of a per-step buffer M of `rows` rows: (rows × n), sample j at column j.
  static StepMap step(Mat& M, Index t, Index T, Index n) {
    return StepMap(M.data() + t * M.rows(), M.rows(), n, Eigen::OuterStride<>(T * M.rows()));
  }
  /// Step t of a per-step buffer M, read-only.
  static ConstStepMap const_step(const Mat& M, Index t, Index T, Index n) {
    return ConstStepMap(M.data() + t * M.rows(), M.rows(), n, Eigen::OuterStride<>(T * M.rows()));
  }
  /// Whether the output receives a gradient at step t: every step, or only the last.
  bool output_gradient_at(Index t, Index T) const {
    return options_.output == SequenceOutput::sequence || t == T - 1;
  }
  /// dY's rows for step t (H × n).
  auto output_gradient(const In& dY, Index t) const {
    return dY.middleRows(options_.output == SequenceOutput::sequence ? t * hidden() : 0, hidden());
  }
  /// Whether the gradient from step t to step t − 1 is dropped: t starts a chunk.
  bool recurrent_gradient_stops(Index t) const {
    return options_.bptt_window > 0 && t > 0 && t % options_.bptt_window == 0;
  }

  /// The state k the forward starts from (H × n).
  auto initial(std::size_t k, Index n) { return initial_[k].leftCols(n); }
  /// Where backward writes ∂L/∂state_k at step 0 (H × n).
  auto initial_grad(std::size_t k, Index n) { return dinitial_[k].leftCols(n); }

  // Per-step buffers (rows × T n), sized for the largest batch.
  /// Input-side pre-activations W_ih x_t + b_ih (GH × T n); a cell may overwrite them.
  Mat& A() { return A_; }
  /// Hidden states h_t (H × T n): the output.
  Mat& H() { return H_; }
  /// Previous hidden states h_{t−1} (H × T n), for dW_hh.
  Mat& Hprev() { return Hprev_; }
  /// ∂L/∂A (GH × T n).
  Mat& dA() { return dA_; }
  /// ∂L/∂B (GH × T n), B = W_hh h_{t−1} + b_hh, when it differs from dA.
  Mat& dB() { return dB_; }
  /// The gradient step t + 1 sends back to h_t (H × n), reused by the cell.
  Mat& dh_next() { return dh_next_; }
  /// The total ∂L/∂h_t (H × n).
  Mat& dh() { return dh_; }

  // The parameters, for the cells.
  Mat W_ih_;  ///< input weights W_ih (GH × F)
  Mat W_hh_;  ///< recurrent weights W_hh (GH × H)
  Mat b_ih_;  ///< input bias b_ih (GH × 1)
  Mat b_hh_;  ///< recurrent bias b_hh (GH × 1)

  In forward_impl(In X, Mode /*mode*/) override {
    const Index T = this->sample_shape()[0], n = X.cols(), H = hidden();
    prepare_state(n);
    const ConstStepMap Xs = steps_of(X, T, n);
    auto A = batch_view(A_, W_ih_.rows(), T * n);
    A.colwise() = b_ih_.col(0);  // A = b_ih 1ᵀ
    add_product(A, W_ih_, Xs);   //   + W_ih X̃
    batch_view(H_, H, T * n);
    batch_view(Hprev_, H, T * n);
    forward_steps(T, n);
    for (std::size_t k = 0; k < states_; ++k) {
      if (options_.stateful) {
        initial_[k].leftCols(n) = final_state(k, T, n);  // h_0 ← h_T for the next batch
      } else {
        initial_[k].setZero();
      }
    }
    carried_ = options_.stateful ? n : 0;
    steps_ = T;
    if (options_.output == SequenceOutput::last) {
      return ConstStepMap(H_.data() + (T - 1) * H, H, n, Eigen::OuterStride<>(T * H));  // h_T
    }
    return ConstStepMap(H_.data(), T * H, n, Eigen::OuterStride<>(T * H));  // [h_1; …; h_T]
  }

  In backward_impl(In dY) override {
    const Index T = steps_, n = dY.cols(), H = hidden(), GH = W_ih_.rows();
    batch_view(dA_, GH, T * n);
    if (hidden_side_differs()) batch_view(dB_, GH, T * n);
    batch_view(dh_next_, H, n).setZero();
    batch_view(dh_, H, n);
    for (std::size_t k = 0; k < states_; ++k)
      if (dinitial_[k].rows() != H || dinitial_[k].cols() != initial_[k].cols())
        dinitial_[k].setZero(H, initial_[k].cols());
    backward_steps(T, n, dY);
    const auto dA = dA_.leftCols(T * n);
    const auto dB = hidden_side_differs() ? dB_.leftCols(T * n) : dA_.leftCols(T * n);
    const ConstStepMap Xs = steps_of(this->input(), T, n);
    add_product(dW_ih_, dA, Xs.transpose());                      // dW_ih += dA X̃ᵀ
    db_ih_ += dA.rowwise().sum();                                 // db_ih += dA 1
    add_product(dW_hh_, dB, Hprev_.leftCols(T * n).transpose());  // dW_hh += dB H̃ᵀ
    db_hh_ += dB.rowwise().sum();                                 // db_hh += dB 1
    if (!this->input_gradient_wanted()) return dX_.leftCols(0);
    auto dXs = batch_view(dX_, features(), T * n);
    set_product(dXs, W_ih_.transpose(), dA);  // dX̃ = W_ihᵀ dA
    return ConstStepMap(dX_.data(), T * features(), n, Eigen::OuterStride<>(T * features()));
  }

 private:
  static Index checked_rows(const char* who, Index features, Index hidden,
                            const RecurrentOptions& o) {
    if (features <= 0 || hidden <= 0) {
      std::ostringstream s;
      s << who << ": sizes must be positive, got features = " << features
        << ", hidden = " << hidden;
      throw ArgumentError(s.str());
    }
    if (o.bptt_window < 0) {
      throw ArgumentError(std::string(who) + ": bptt_window must be ≥ 0 (0: full BPTT), got " +
                          std::to_string(o.bptt_window));
    }
    return hidden;
  }

  // Sizes the states for a batch of n; a stateful layer refuses a new size
  // while it carries a state.
  void prepare_state(Index n) {
    if (options_.stateful && carried_ > 0 && carried_ != n) {
      std::ostringstream s;
      s << this->describe() << ".forward: stateful, it carries the state of " << carried_
        << " sequences, but is given " << n << " (call reset_state() before changing the batch "
        << "size)";
      throw ShapeError(s.str());
    }
    for (std::size_t k = 0; k < states_; ++k) {
      if (initial_[k].rows() != hidden() || initial_[k].cols() < n) {
        initial_[k].setZero(hidden(), n);
      }
    }
  }

  // The input as steps (F × T n). A stored block of whole columns already is;
  // any other layout is copied once into a buffer.
  ConstStepMap steps_of(const In& X, Index T, Index n) {
    if (X.outerStride() == X.rows()) {
      return ConstStepMap(X.data(), features(), T * n, Eigen::OuterStride<>(features()));
    }
    auto Xc = batch_view(Xc_, X.rows(), n);
    Xc = X;
    return ConstStepMap(Xc_.data(), features(), T * n, Eigen::OuterStride<>(features()));
  }

  Mat dW_ih_, dW_hh_, db_ih_, db_hh_;  // their gradients, accumulated
  RecurrentOptions options_;
  std::size_t states_;                     // 1 (h), or 2 (h, c) for LSTM
  std::array<Mat, 2> initial_, dinitial_;  // h_0, c_0 and their gradients (H × largest n)
  Index carried_ = 0;                      // columns of state a stateful layer carries
  Index steps_ = 0;                        // T of the last forward
  Mat A_, H_, Hprev_;                      // kept by forward, per step (see above)
  Mat dA_, dB_, dh_next_, dh_, dX_;        // backward's buffers
  Mat Xc_;                                 // a copy of an input that is not stored whole
};

}  // namespace hnn

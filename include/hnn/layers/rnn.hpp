// SPDX-License-Identifier: MIT
#pragma once
// RNN: the plain (Elman) recurrent layer, PyTorch's nn.RNN with one layer.
//
// Forward, for step t = 1 … T of a batch of n sequences (layers/recurrent.hpp
// has the shapes, the layout and the products over all steps):
//   a_t = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh    (H × n)   W_ih (H × F), W_hh (H × H)
//   h_t = φ(a_t)                                   (H × n)   φ = tanh (or ReLU)
//
// Backward through time, t = T … 1, with dh_{T+1→T} = 0:
//   dh_t  = ∂L/∂y_t + W_hhᵀ da_{t+1}               (H × n)   what the output and step t + 1 send
//   da_t  = dh_t ⊙ φ'(a_t)                         (H × n)   tanh: 1 − h_t², ReLU: [h_t > 0]
//   ∂L/∂h_0 = W_hhᵀ da_1                           (H × n)   the sequence state "h0"
// then dW_ih += dA X̃ᵀ, dW_hh += dA H̃ᵀ, both biases += dA 1, dX̃ = W_ihᵀ dA
// over all steps at once. Why the gradient vanishes through time:
// ∂h_t/∂h_{t−1} = diag(φ'(a_t)) W_hh, so ∂L/∂h_0 holds a product of T such
// factors, which shrinks (or grows) geometrically with T (docs/20-recurrence.md).

#include <memory>
#include <string>

#include "hnn/layers/recurrent.hpp"

namespace hnn {

/// The non-linearity of an RNN, as PyTorch's nn.RNN names it.
enum class RNNActivation {
  tanh,  ///< h = tanh(a)
  relu   ///< h = max(a, 0)
};

/// The settings of an RNN: those of every recurrent layer, and φ.
struct RNNOptions : RecurrentOptions {
  RNNActivation activation = RNNActivation::tanh;  ///< φ
};

/// The plain recurrent layer: h_t = φ(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh).
template <typename Scalar>
class RNN : public Recurrent<Scalar> {
  using Base = Recurrent<Scalar>;

 public:
  using typename Base::In;
  using typename Base::Mat;

  /// H units on steps of F features; weights from U(−1/√H, 1/√H), as PyTorch draws them.
  RNN(Index features, Index hidden, Random& rng, const RNNOptions& options = {})
      : Base("RNN", features, hidden, 1, 1, rng, options), activation_(options.activation) {}

  std::string type_name() const override { return "RNN"; }
  /// The non-linearity φ.
  RNNActivation activation() const { return activation_; }

  Settings settings() const override {
    Settings s = Base::settings();
    s.emplace_back("activation", activation_ == RNNActivation::relu ? "relu" : "tanh");
    return s;
  }
  /// φ from the setting "activation" ("tanh" or "relu").
  static RNNActivation activation_from(const Settings& s) {
    const std::string a = setting_word(s, "activation");
    if (a != "tanh" && a != "relu")
      throw ArgumentError("RNN: setting \"activation\" must be \"tanh\" or \"relu\", got \"" + a +
                          "\"");
    return a == "relu" ? RNNActivation::relu : RNNActivation::tanh;
  }

  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<RNN>(*this); }

 protected:
  void forward_steps(Index T, Index n) override {
    for (Index t = 0; t < T; ++t) {
      auto hp = Base::step(this->Hprev(), t, T, n);
      if (t == 0) {
        hp = this->initial(0, n);  // h_0
      } else {
        hp = Base::step(this->H(), t - 1, T, n);
      }
      auto a = Base::step(this->A(), t, T, n);  // holds W_ih x_t + b_ih
      a.colwise() += this->b_hh_.col(0);        // a_t += b_hh
      add_product(a, this->W_hh_, hp);          //      + W_hh h_{t−1}
      auto h = Base::step(this->H(), t, T, n);
      if (activation_ == RNNActivation::tanh) {
        h = a.array().tanh().matrix();  // h_t = tanh(a_t)
      } else {
        h = a.cwiseMax(Scalar(0));  // h_t = max(a_t, 0)
      }
    }
  }

  void backward_steps(Index T, Index n, const In& dY) override {
    auto dh = this->dh().leftCols(n);
    auto dh_next = this->dh_next().leftCols(n);  // W_hhᵀ da_{t+1}, 0 at t = T
    for (Index t = T - 1; t >= 0; --t) {
      dh = dh_next;  // dh_t = W_hhᵀ da_{t+1}
      if (this->output_gradient_at(t, T)) dh += this->output_gradient(dY, t);  // + ∂L/∂y_t
      const auto h = Base::step(this->H(), t, T, n);
      auto da = Base::step(this->dA(), t, T, n);
      if (activation_ == RNNActivation::tanh) {
        da = dh.cwiseProduct((Scalar(1) - h.array().square()).matrix());  // da = dh ⊙ (1 − h²)
      } else {
        da =
            dh.cwiseProduct((h.array() > Scalar(0)).template cast<Scalar>().matrix());  // ⊙ [h > 0]
      }
      if (t == 0) {
        set_product(this->initial_grad(0, n), this->W_hh_.transpose(), da);  // ∂L/∂h_0 = W_hhᵀ da_1
      } else if (this->recurrent_gradient_stops(t)) {
        dh_next.setZero();  // truncated: nothing crosses the chunk border
      } else {
        set_product(dh_next, this->W_hh_.transpose(), da);  // W_hhᵀ da_t, for step t − 1
      }
    }
  }

  typename Base::ConstStepMap final_state(std::size_t, Index T, Index n) override {
    return Base::const_step(this->H(), T - 1, T, n);  // h_T
  }

 private:
  RNNActivation activation_;
};

}  // namespace hnn

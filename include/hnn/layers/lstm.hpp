// SPDX-License-Identifier: MIT
#pragma once
// LSTM: long short-term memory, PyTorch's nn.LSTM with one layer (gate order
// i, f, g, o in W_ih, W_hh, b_ih, b_hh).
//
// Forward, for step t = 1 … T of a batch of n sequences (layers/recurrent.hpp
// has the shapes, the layout and the products over all steps):
//   a_t = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh    (4H × n)  blocks a_i, a_f, a_g, a_o
//   i = σ(a_i)   f = σ(a_f)   g = tanh(a_g)   o = σ(a_o)      (H × n) each
//   c_t = f ⊙ c_{t−1} + i ⊙ g                      (H × n)   the cell state
//   h_t = o ⊙ tanh(c_t)                            (H × n)
//
// Backward through time, t = T … 1, with nothing sent back from step T + 1:
//   dh_t  = ∂L/∂y_t + W_hhᵀ da_{t+1}               what the output and step t + 1 send
//   da_o  = dh_t ⊙ tanh(c_t) ⊙ o ⊙ (1 − o)
//   dc_t  = f_{t+1} ⊙ dc_{t+1} + dh_t ⊙ o ⊙ (1 − tanh²(c_t))
//   da_i  = dc_t ⊙ g ⊙ i ⊙ (1 − i)
//   da_g  = dc_t ⊙ i ⊙ (1 − g²)
//   da_f  = dc_t ⊙ c_{t−1} ⊙ f ⊙ (1 − f)
//   ∂L/∂h_0 = W_hhᵀ da_1,  ∂L/∂c_0 = f_1 ⊙ dc_1    the sequence states "h0" and "c0"
// then dW_ih += dA X̃ᵀ, dW_hh += dA H̃ᵀ, both biases += dA 1, dX̃ = W_ihᵀ dA
// over all steps at once. The cell state's path c_{t−1} → c_t is a product
// with f only, no squashing derivative and no W_hh: with f near 1 the
// gradient passes many steps almost unchanged (docs/20-recurrence.md).
//
// Members kept for backward, each (H × T n) per step: the gates i, f, g, o
// (in place of a_t), c_t, c_{t−1} and tanh(c_t).

#include <memory>
#include <optional>
#include <string>

#include "hnn/layers/recurrent.hpp"

namespace hnn {

/// The settings of an LSTM: those of every recurrent layer, and the forget gate's bias.
struct LSTMOptions : RecurrentOptions {
  /// When given, the forget gate's bias starts here: b_ih's f block is set to it, b_hh's to 0.
  // A bias of 1 starts the gate open (f ≈ 0.73), so the gradient flows
  // through c from the start (Jozefowicz et al., 2015).
  std::optional<double> forget_bias;
};

/// Long short-term memory: gates i, f, g, o and a cell state c beside h.
template <typename Scalar>
class LSTM : public Recurrent<Scalar> {
  using Base = Recurrent<Scalar>;

 public:
  using typename Base::In;
  using typename Base::Mat;

  /// H units on steps of F features; weights from U(−1/√H, 1/√H), as PyTorch draws them.
  LSTM(Index features, Index hidden, Random& rng, const LSTMOptions& options = {})
      : Base("LSTM", features, hidden, 4, 2, rng, options) {
    if (options.forget_bias) {
      this->b_ih_.middleRows(hidden, hidden).setConstant(Scalar(*options.forget_bias));
      this->b_hh_.middleRows(hidden, hidden).setZero();
    }
  }

  std::string type_name() const override { return "LSTM"; }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<LSTM>(*this); }

 protected:
  void forward_steps(Index T, Index n) override {
    const Index H = this->hidden();
    batch_view(C_, H, T * n);
    batch_view(Cprev_, H, T * n);
    batch_view(TC_, H, T * n);
    for (Index t = 0; t < T; ++t) {
      auto hp = Base::step(this->Hprev(), t, T, n);
      auto cp = Base::step(Cprev_, t, T, n);
      if (t == 0) {
        hp = this->initial(0, n);  // h_0
        cp = this->initial(1, n);  // c_0
      } else {
        hp = Base::step(this->H(), t - 1, T, n);
        cp = Base::step(C_, t - 1, T, n);
      }
      auto a = Base::step(this->A(), t, T, n);  // holds W_ih x_t + b_ih
      a.colwise() += this->b_hh_.col(0);        // a_t += b_hh
      add_product(a, this->W_hh_, hp);          //      + W_hh h_{t−1}
      auto i = a.middleRows(0, H), f = a.middleRows(H, H), g = a.middleRows(2 * H, H),
           o = a.middleRows(3 * H, H);
      i = sigmoid(i);                 // i = σ(a_i)
      f = sigmoid(f);                 // f = σ(a_f)
      g = g.array().tanh().matrix();  // g = tanh(a_g)
      o = sigmoid(o);                 // o = σ(a_o)
      auto c = Base::step(C_, t, T, n);
      c = f.cwiseProduct(cp) + i.cwiseProduct(g);  // c_t = f ⊙ c_{t−1} + i ⊙ g
      auto tc = Base::step(TC_, t, T, n);
      tc = c.array().tanh().matrix();                       // tanh(c_t)
      Base::step(this->H(), t, T, n) = o.cwiseProduct(tc);  // h_t = o ⊙ tanh(c_t)
    }
  }

  void backward_steps(Index T, Index n, const In& dY) override {
    const Index H = this->hidden();
    auto dh = this->dh().leftCols(n);
    auto dh_next = this->dh_next().leftCols(n);  // W_hhᵀ da_{t+1}
    auto dc = batch_view(dc_, H, n);             // dc_t
    auto dc_next = batch_view(dc_next_, H, n);   // f_{t+1} ⊙ dc_{t+1}
    dc_next.setZero();
    for (Index t = T - 1; t >= 0; --t) {
      dh = dh_next;
      if (this->output_gradient_at(t, T)) dh += this->output_gradient(dY, t);  // dh_t
      const auto gates = Base::const_step(this->A(), t, T, n);
      const auto i = gates.middleRows(0, H), f = gates.middleRows(H, H),
                 g = gates.middleRows(2 * H, H), o = gates.middleRows(3 * H, H);
      const auto tc = Base::const_step(TC_, t, T, n);
      const auto cp = Base::const_step(Cprev_, t, T, n);
      auto da = Base::step(this->dA(), t, T, n);
      auto da_i = da.middleRows(0, H), da_f = da.middleRows(H, H), da_g = da.middleRows(2 * H, H),
           da_o = da.middleRows(3 * H, H);
      da_o = (dh.array() * tc.array() * o.array() * (1 - o.array())).matrix();               // da_o
      dc = (dc_next.array() + dh.array() * o.array() * (1 - tc.array().square())).matrix();  // dc_t
      da_i = (dc.array() * g.array() * i.array() * (1 - i.array())).matrix();                // da_i
      da_g = (dc.array() * i.array() * (1 - g.array().square())).matrix();                   // da_g
      da_f = (dc.array() * cp.array() * f.array() * (1 - f.array())).matrix();               // da_f
      if (t == 0) {
        set_product(this->initial_grad(0, n), this->W_hh_.transpose(), da);  // ∂L/∂h_0 = W_hhᵀ da_1
        this->initial_grad(1, n) = f.cwiseProduct(dc);  // ∂L/∂c_0 = f_1 ⊙ dc_1
      } else if (this->recurrent_gradient_stops(t)) {
        dh_next.setZero();  // truncated: nothing crosses the chunk border
        dc_next.setZero();
      } else {
        set_product(dh_next, this->W_hh_.transpose(), da);  // W_hhᵀ da_t, for step t − 1
        dc_next = f.cwiseProduct(dc);                       // f_t ⊙ dc_t
      }
    }
  }

  typename Base::ConstStepMap final_state(std::size_t k, Index T, Index n) override {
    return Base::const_step(k == 0 ? this->H() : C_, T - 1, T, n);  // h_T, c_T
  }

 private:
  // σ(x) = 1 / (1 + e^−x), element-wise.
  template <typename X>
  static auto sigmoid(const X& x) {
    return (Scalar(1) + (-x.array()).exp()).inverse().matrix();
  }

  Mat C_, Cprev_, TC_;  // c_t, c_{t−1}, tanh(c_t)   (H × T n)
  Mat dc_, dc_next_;    // dc_t, f_{t+1} ⊙ dc_{t+1}  (H × n)
};

}  // namespace hnn

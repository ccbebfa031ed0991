// SPDX-License-Identifier: MIT
#pragma once
// GRU: the gated recurrent unit in PyTorch's formulation (nn.GRU with one
// layer; gate order r, z, n in W_ih, W_hh, b_ih, b_hh, and b_hn inside the
// product with r).
//
// Forward, for step t = 1 … T of a batch of n sequences (layers/recurrent.hpp
// has the shapes, the layout and the products over all steps):
//   a_t = W_ih x_t + b_ih        (3H × n)   input side, blocks a_r, a_z, a_n
//   b_t = W_hh h_{t−1} + b_hh    (3H × n)   hidden side, blocks b_r, b_z, b_n
//   r = σ(a_r + b_r)             (H × n)    reset gate
//   z = σ(a_z + b_z)             (H × n)    update gate
//   n = tanh(a_n + r ⊙ b_n)      (H × n)    candidate
//   h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
//
// Backward through time, t = T … 1, with nothing sent back from step T + 1:
//   dh_t  = ∂L/∂y_t + z_{t+1} ⊙ dh_{t+1} + W_hhᵀ db_{t+1}
//   da_n  = dh_t ⊙ (1 − z) ⊙ (1 − n²)
//   db_n  = da_n ⊙ r
//   da_r  = db_r = da_n ⊙ b_n ⊙ r ⊙ (1 − r)
//   da_z  = db_z = dh_t ⊙ (h_{t−1} − n) ⊙ z ⊙ (1 − z)
//   ∂L/∂h_0 = z_1 ⊙ dh_1 + W_hhᵀ db_1               the sequence state "h0"
// then dW_ih += dA X̃ᵀ, db_ih += dA 1, dW_hh += dB H̃ᵀ, db_hh += dB 1,
// dX̃ = W_ihᵀ dA over all steps at once. Like the LSTM's cell state, the path
// h_{t−1} → h_t through z is a product with z only: with z near 1 the
// gradient passes many steps (docs/20-recurrence.md).
//
// Members kept for backward: the gates r, z, n (in place of a_t) and b_t,
// each per step.

#include <memory>
#include <string>

#include "hnn/layers/recurrent.hpp"

namespace hnn {

/// The gated recurrent unit (PyTorch's formulation): gates r, z and a candidate n.
template <typename Scalar>
class GRU : public Recurrent<Scalar> {
  using Base = Recurrent<Scalar>;

 public:
  using typename Base::In;
  using typename Base::Mat;

  /// H units on steps of F features; weights from U(−1/√H, 1/√H), as PyTorch draws them.
  GRU(Index features, Index hidden, Random& rng, const RecurrentOptions& options = {})
      : Base("GRU", features, hidden, 3, 1, rng, options) {}

  std::string type_name() const override { return "GRU"; }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<GRU>(*this); }

 protected:
  bool hidden_side_differs() const override { return true; }

  void forward_steps(Index T, Index n) override {
    const Index H = this->hidden();
    batch_view(B_, 3 * H, T * n);
    for (Index t = 0; t < T; ++t) {
      auto hp = Base::step(this->Hprev(), t, T, n);
      if (t == 0) {
        hp = this->initial(0, n);  // h_0
      } else {
        hp = Base::step(this->H(), t - 1, T, n);
      }
      auto b = Base::step(B_, t, T, n);
      b.colwise() = this->b_hh_.col(0);         // b_t = b_hh
      add_product(b, this->W_hh_, hp);          //     + W_hh h_{t−1}
      auto a = Base::step(this->A(), t, T, n);  // holds a_t = W_ih x_t + b_ih
      auto r = a.middleRows(0, H), z = a.middleRows(H, H), c = a.middleRows(2 * H, H);
      r = sigmoid(r + b.middleRows(0, H));  // r = σ(a_r + b_r)
      z = sigmoid(z + b.middleRows(H, H));  // z = σ(a_z + b_z)
      c = (c + r.cwiseProduct(b.middleRows(2 * H, H))).array().tanh().matrix();  // n
      Base::step(this->H(), t, T, n) =
          (Scalar(1) - z.array()).matrix().cwiseProduct(c) + z.cwiseProduct(hp);  // h_t
    }
  }

  void backward_steps(Index T, Index n, const In& dY) override {
    const Index H = this->hidden();
    auto dh = this->dh().leftCols(n);
    auto dh_next = this->dh_next().leftCols(n);  // z_{t+1} ⊙ dh_{t+1} + W_hhᵀ db_{t+1}
    for (Index t = T - 1; t >= 0; --t) {
      dh = dh_next;
      if (this->output_gradient_at(t, T)) dh += this->output_gradient(dY, t);  // dh_t
      const auto gates = Base::const_step(this->A(), t, T, n);
      const auto r = gates.middleRows(0, H), z = gates.middleRows(H, H),
                 c = gates.middleRows(2 * H, H);
      const auto b_n = Base::const_step(B_, t, T, n).middleRows(2 * H, H);
      const auto hp = Base::const_step(this->Hprev(), t, T, n);
      auto da = Base::step(this->dA(), t, T, n);
      auto db = Base::step(this->dB(), t, T, n);
      auto da_r = da.middleRows(0, H), da_z = da.middleRows(H, H), da_n = da.middleRows(2 * H, H);
      da_n = (dh.array() * (1 - z.array()) * (1 - c.array().square())).matrix();      // da_n
      db.middleRows(2 * H, H) = da_n.cwiseProduct(r);                                 // db_n
      da_r = (da_n.array() * b_n.array() * r.array() * (1 - r.array())).matrix();     // da_r
      da_z = (dh.array() * (hp - c).array() * z.array() * (1 - z.array())).matrix();  // da_z
      db.middleRows(0, 2 * H) = da.middleRows(0, 2 * H);  // db_r = da_r, db_z = da_z
      if (t == 0) {
        auto dh0 = this->initial_grad(0, n);
        dh0 = z.cwiseProduct(dh);                       // ∂L/∂h_0 = z_1 ⊙ dh_1
        add_product(dh0, this->W_hh_.transpose(), db);  //         + W_hhᵀ db_1
      } else if (this->recurrent_gradient_stops(t)) {
        dh_next.setZero();  // truncated: nothing crosses the chunk border
      } else {
        dh_next = z.cwiseProduct(dh);                       // z_t ⊙ dh_t
        add_product(dh_next, this->W_hh_.transpose(), db);  // + W_hhᵀ db_t, for step t − 1
      }
    }
  }

  typename Base::ConstStepMap final_state(std::size_t, Index T, Index n) override {
    return Base::const_step(this->H(), T - 1, T, n);  // h_T
  }

 private:
  // σ(x) = 1 / (1 + e^−x), element-wise.
  template <typename X>
  static auto sigmoid(const X& x) {
    return (Scalar(1) + (-x.array()).exp()).inverse().matrix();
  }

  Mat B_;  // b_t = W_hh h_{t−1} + b_hh   (3H × T n)
};

}  // namespace hnn

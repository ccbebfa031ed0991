// SPDX-License-Identifier: MIT
#pragma once
// Test-only custom layers, one for each kind of state a layer shows besides
// its parameters (include/hnn/layers/layer.hpp), written as a user would
// write them: a buffer (Centre), draws from the loop's generator
// (MaskDropout), and a sequence state (Carry); plus deliberately wrong
// variants that the checks must catch. Used by tests/model/test_layer_state.cpp,
// tests/model/test_resume.cpp, tests/io/test_model_file.cpp and
// tests/no_alloc/test_no_alloc.cpp (so no test framework here, and Centre's
// steps allocate nothing once its scratch matrices have grown).

#include <memory>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"

namespace hnn_test {

// Centre: y = s ⊙ (x − μ), feature by feature.
//
//   Y = diag(s) (X − μ 1ᵀ)                 X, Y (units × n); s, μ (units × 1)
//   dX = diag(s) dY                        ds += Σ_j dY ⊙ (X − μ 1ᵀ)
//
// s is a parameter ("scale"); μ is a buffer ("running_mean"): in training
// (mode "ema") each forward, after computing Y with the current μ, moves it
// towards the batch mean, μ ← (1 − m) μ + m (1/n) X 1; inference uses it as it
// is. mode "frozen" never updates it. The settings hold a number (units,
// momentum) and a word (mode).
template <typename Scalar>
class Centre : public hnn::Layer<Scalar> {
 public:
  using typename hnn::Layer<Scalar>::Mat;
  using typename hnn::Layer<Scalar>::In;

  explicit Centre(hnn::Index units, double momentum = 0.5, const std::string& mode = "ema")
      : momentum_(momentum),
        frozen_(mode == "frozen"),
        s_(Mat::Ones(units, 1)),
        ds_(Mat::Zero(units, 1)),
        mu_(Mat::Zero(units, 1)),
        batch_mean_(Mat::Zero(units, 1)) {
    if (units < 1) throw hnn::ArgumentError("Centre: units must be >= 1");
    if (mode != "ema" && mode != "frozen") {
      throw hnn::ArgumentError("Centre: mode must be \"ema\" or \"frozen\", got \"" + mode + "\"");
    }
    this->set_input_shape(hnn::Shape(units));
  }

  std::string type_name() const override { return "Centre"; }
  hnn::Shape compute_output_shape(const hnn::Shape& in) const override {
    if (in != hnn::Shape(units())) {
      throw hnn::ShapeError(this->describe() + ": takes a vector of " + std::to_string(units()) +
                            " values, given " + in.str());
    }
    return in;
  }
  hnn::Settings settings() const override {
    return {{"units", double(units())},
            {"momentum", momentum_},
            {"mode", hnn::Setting(frozen_ ? "frozen" : "ema")}};
  }
  std::unique_ptr<hnn::Layer<Scalar>> clone() const override {
    return std::make_unique<Centre>(*this);
  }

  std::vector<hnn::Parameter<Scalar>> parameters() override { return {{"scale", s_, ds_}}; }
  std::vector<hnn::Buffer<Scalar>> buffers() override { return {{"running_mean", mu_}}; }

  hnn::Index units() const { return s_.rows(); }
  const Mat& running_mean() const { return mu_; }

 protected:
  In forward_impl(In X, hnn::Mode mode) override {
    auto Xc = hnn::batch_view(Xc_, X.rows(), X.cols());
    Xc = X.colwise() - mu_.col(0);  // X − μ 1ᵀ, kept for backward
    auto Y = hnn::batch_view(Y_, X.rows(), X.cols());
    Y.array() = Xc.array().colwise() * s_.col(0).array();  // Y = diag(s) (X − μ 1ᵀ)
    if (mode == hnn::Mode::train && !frozen_) {
      batch_mean_.noalias() = X.rowwise().mean();
      mu_ = Scalar(1 - momentum_) * mu_ + Scalar(momentum_) * batch_mean_;  // μ ← (1 − m) μ + m x̄
    }
    return Y;
  }
  In backward_impl(In dY) override {
    const hnn::Index n = dY.cols();
    ds_ += dY.cwiseProduct(Xc_.leftCols(n)).rowwise().sum();  // ds += Σ_j dY ⊙ (X − μ 1ᵀ)
    if (!this->input_gradient_wanted()) return dX_.leftCols(0);
    auto dX = hnn::batch_view(dX_, dY.rows(), n);
    dX.array() = dY.array().colwise() * s_.col(0).array();  // dX = diag(s) dY
    return dX;
  }

 private:
  double momentum_;
  bool frozen_;
  Mat s_, ds_;      // scale and its gradient (units × 1)
  Mat mu_;          // the running mean, a buffer (units × 1)
  Mat batch_mean_;  // scratch (units × 1)
  Mat Xc_;          // X − μ 1ᵀ of the last forward (units × largest n)
  Mat Y_, dX_;      // output and input gradient (units × largest n)
};

// MaskDropout: inverted dropout with the mask drawn from the generator the
// caller hands forward.
//
//   training:  M_ij = [u_ij ≥ p] / (1 − p),  u_ij uniform   Y = M ⊙ X,  dX = M ⊙ dY
//   inference: Y = X,  dX = dY
//
// `log`, when set, receives a copy of every training mask (for tests that
// compare draws; it allocates).
template <typename Scalar>
class MaskDropout : public hnn::Layer<Scalar> {
 public:
  using typename hnn::Layer<Scalar>::Mat;
  using typename hnn::Layer<Scalar>::In;

  explicit MaskDropout(double rate = 0.5) : rate_(rate) {
    if (!(rate >= 0 && rate < 1)) throw hnn::ArgumentError("MaskDropout: rate must be in [0, 1)");
  }

  std::string type_name() const override { return "MaskDropout"; }
  hnn::Shape compute_output_shape(const hnn::Shape& in) const override { return in; }
  hnn::Settings settings() const override { return {{"rate", rate_}}; }
  std::unique_ptr<hnn::Layer<Scalar>> clone() const override {
    return std::make_unique<MaskDropout>(*this);
  }

  std::vector<Mat>* log = nullptr;

 protected:
  // Where the draws come from: the generator handed to forward.
  virtual hnn::Random& draws() { return this->random(); }

  In forward_impl(In X, hnn::Mode mode) override {
    trained_ = mode == hnn::Mode::train;
    if (!trained_) return X;  // Y = X
    hnn::Random& rng = draws();
    auto M = hnn::batch_view(M_, X.rows(), X.cols());
    const Scalar keep = Scalar(1 / (1 - rate_));
    for (hnn::Index j = 0; j < M.cols(); ++j)
      for (hnn::Index i = 0; i < M.rows(); ++i)
        M(i, j) = rng.uniform() >= rate_ ? keep : Scalar(0);  // M_ij = [u ≥ p] / (1 − p)
    if (log) log->emplace_back(M);
    auto Y = hnn::batch_view(Y_, X.rows(), X.cols());
    Y = M.cwiseProduct(X);  // Y = M ⊙ X
    return Y;
  }
  In backward_impl(In dY) override {
    if (!this->input_gradient_wanted()) return dX_.leftCols(0);
    if (!trained_) return dY;  // dX = dY
    auto dX = hnn::batch_view(dX_, dY.rows(), dY.cols());
    dX = M_.leftCols(dY.cols()).cwiseProduct(dY);  // dX = M ⊙ dY
    return dX;
  }

 private:
  double rate_;
  bool trained_ = false;
  Mat M_;       // the mask of the last training forward (features × largest n)
  Mat Y_, dX_;  // output and input gradient (features × largest n)
};

// The mistake the contract forbids: a dropout that draws from a generator of
// its own, ignoring the one handed to forward. Every forward then draws a new
// mask, so a gradient check cannot hold the draws fixed, and a clone copies
// the generator's state.
template <typename Scalar>
class OwnGeneratorDropout : public MaskDropout<Scalar> {
 public:
  using MaskDropout<Scalar>::MaskDropout;
  std::string type_name() const override { return "OwnGeneratorDropout"; }
  std::unique_ptr<hnn::Layer<Scalar>> clone() const override {
    return std::make_unique<OwnGeneratorDropout>(*this);
  }

 protected:
  hnn::Random& draws() override { return own_; }

 private:
  hnn::Random own_{7};
};

// Carry: adds a carried state to its input.
//
//   Y = X + H₀                      X, Y, H₀ (units × n)
//   dX = dY,  ∂L/∂H₀ = dY
//
// H₀ is the sequence state "h0": the state the next forward starts from. A
// stateful Carry moves it on after each forward, H₀ ← Y, so the next batch
// starts where this one ended, until reset_state(); a Carry that is not
// stateful sets it back to 0 after each forward. `resets` counts the calls to
// reset_state(); `carried_into_inference` the inference forwards that came
// straight after a training forward and started from a state other than 0
// (what training left, had nobody reset it).
template <typename Scalar>
class Carry : public hnn::Layer<Scalar> {
 public:
  using typename hnn::Layer<Scalar>::Mat;
  using typename hnn::Layer<Scalar>::In;

  explicit Carry(hnn::Index units, bool stateful = false) : units_(units), stateful_(stateful) {
    if (units < 1) throw hnn::ArgumentError("Carry: units must be >= 1");
    this->set_input_shape(hnn::Shape(units));
  }

  std::string type_name() const override { return "Carry"; }
  hnn::Shape compute_output_shape(const hnn::Shape& in) const override {
    if (in != hnn::Shape(units_)) {
      throw hnn::ShapeError(this->describe() + ": takes a vector of " + std::to_string(units_) +
                            " values, given " + in.str());
    }
    return in;
  }
  hnn::Settings settings() const override {
    return {{"units", double(units_)}, {"stateful", stateful_ ? 1.0 : 0.0}};
  }
  std::unique_ptr<hnn::Layer<Scalar>> clone() const override {
    return std::make_unique<Carry>(*this);
  }

  std::vector<hnn::SequenceState<Scalar>> sequence_state() override { return {{"h0", h0_, dh0_}}; }
  void reset_state() override {
    ++resets;
    h0_.setZero();
  }
  bool stateful() const override { return stateful_; }

  int resets = 0;
  int carried_into_inference = 0;

 protected:
  // ∂L/∂H₀ = factor · dY: 1 is right, anything else a deliberate mistake.
  virtual Scalar state_gradient_factor() const { return Scalar(1); }

  In forward_impl(In X, hnn::Mode mode) override {
    if (h0_.rows() != X.rows() || h0_.cols() != X.cols()) h0_.setZero(X.rows(), X.cols());
    if (mode == hnn::Mode::infer && last_trained_ && !h0_.isZero(0)) ++carried_into_inference;
    last_trained_ = mode == hnn::Mode::train;
    Y_ = X + h0_;  // Y = X + H₀
    if (stateful_) {
      h0_ = Y_;  // the next batch starts from this one's end
    } else {
      h0_.setZero();
    }
    return Y_;
  }
  In backward_impl(In dY) override {
    dh0_ = state_gradient_factor() * dY;  // ∂L/∂H₀ = dY
    if (!this->input_gradient_wanted()) return dY.leftCols(0);
    return dY;  // dX = dY
  }

 private:
  hnn::Index units_;
  bool stateful_;
  bool last_trained_ = false;
  Mat h0_, dh0_;  // the state and its gradient (units × n)
  Mat Y_;         // output (units × n)
};

// A Carry whose ∂L/∂H₀ is 2 dY: wrong, for the checks to catch.
template <typename Scalar>
class CarryWrongStateGradient : public Carry<Scalar> {
 public:
  using Carry<Scalar>::Carry;
  std::string type_name() const override { return "CarryWrongStateGradient"; }
  std::unique_ptr<hnn::Layer<Scalar>> clone() const override {
    return std::make_unique<CarryWrongStateGradient>(*this);
  }

 protected:
  Scalar state_gradient_factor() const override { return Scalar(2); }
};

// The builtin layers and these, for loading files that hold them.
template <typename Scalar>
hnn::LayerRegistry<Scalar> registry_with_test_layers() {
  auto r = hnn::LayerRegistry<Scalar>::builtin();
  r.add("Centre", [](const hnn::Settings& s) {
    return std::make_unique<Centre<Scalar>>(hnn::LayerRegistry<Scalar>::size(s, "units"),
                                            hnn::setting(s, "momentum"),
                                            hnn::setting_word(s, "mode"));
  });
  r.add("MaskDropout", [](const hnn::Settings& s) {
    return std::make_unique<MaskDropout<Scalar>>(hnn::setting(s, "rate"));
  });
  r.add("Carry", [](const hnn::Settings& s) {
    return std::make_unique<Carry<Scalar>>(hnn::LayerRegistry<Scalar>::size(s, "units"),
                                           hnn::setting(s, "stateful") != 0);
  });
  return r;
}

// Regression data whose validation targets are half the training targets, on
// the same inputs: as a model learns T, the validation loss falls while the
// prediction nears T/2, then rises (what early stopping watches for). The
// inputs are off-centre, so a Centre layer's running mean has something to
// track.
struct HalfwayData {
  hnn::Matrix<float> X, T, T_val;
  HalfwayData() : X(3, 48) {
    hnn::Random rng(1);
    rng.fill_uniform(X, 0.0, 2.0);
    hnn::Matrix<float> A(2, 3);
    A << 1.0f, -2.0f, 0.5f,  //
        -0.5f, 1.5f, 1.0f;
    T = A * X;
    T_val = 0.5f * T;
  }
};

}  // namespace hnn_test

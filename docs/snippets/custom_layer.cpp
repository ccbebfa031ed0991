// SPDX-License-Identifier: MIT
// The custom layer of docs/05-gradient-checking.md, written outside the
// library the way a user would, and checked with hnn's public checker.

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"

namespace {

// FeatureScale: each feature (row) i of the input is scaled by γ_i and
// shifted by β_i, the same for every sample.
//
// Forward:
//   Y = γ ⊙ X + β 1ᵀ          X, Y (features × n), γ, β (features × 1),
//                             γ ⊙ X multiplies row i of X by γ_i
// Backward, given dY = ∂L/∂Y (features × n):
//   dγ += (dY ⊙ X) 1          (features × 1)   y_ij = γ_i x_ij + β_i
//   dβ += dY 1                (features × 1)
//   dX  = γ ⊙ dY              (features × n)
template <typename Scalar>
class FeatureScale : public hnn::Layer<Scalar> {
 public:
  using typename hnn::Layer<Scalar>::Mat;
  using typename hnn::Layer<Scalar>::In;

  FeatureScale(hnn::Index features, hnn::Random& rng)
      : gamma_(features, 1),
        beta_(features, 1),
        dgamma_(Mat::Zero(features, 1)),
        dbeta_(Mat::Zero(features, 1)) {
    rng.fill_normal(gamma_, 1.0, 0.5);  // random, so the check sees a general case
    rng.fill_normal(beta_, 0.0, 0.5);
  }

  std::string type_name() const override { return "FeatureScale"; }

  // A vector of `features` values in, the same shape out.
  hnn::Shape compute_output_shape(const hnn::Shape& input) const override {
    if (input.rank() != 1 || input.size() != gamma_.rows()) {
      throw hnn::ShapeError("FeatureScale: takes " + std::to_string(gamma_.rows()) +
                            " features, but is given " + input.str());
    }
    return input;
  }

 protected:
  // Layer::forward has checked X against compute_output_shape's rule and kept
  // a view of it; input() returns it.
  In forward_impl(In X, hnn::Mode /*mode*/) override {
    auto Y = hnn::batch_view(Y_, X.rows(), X.cols());
    Y.array() = X.array().colwise() * gamma_.col(0).array();  // Y = γ ⊙ X
    Y.colwise() += beta_.col(0);                              //   + β 1ᵀ
    return Y;
  }

  // Layer::backward has checked that dY has the output's shape.
  In backward_impl(In dY) override {
    const auto& X = this->input();
    dgamma_.col(0).array() += (dY.array() * X.array()).rowwise().sum();  // dγ += (dY ⊙ X) 1
    dbeta_.col(0) += dY.rowwise().sum();                                 // dβ += dY 1
    auto dX = hnn::batch_view(dX_, X.rows(), X.cols());
    dX.array() = dY.array().colwise() * gamma_.col(0).array();  // dX = γ ⊙ dY
    return dX;
  }

 public:
  std::vector<hnn::Parameter<Scalar>> parameters() override {
    return {hnn::Parameter<Scalar>("gamma", gamma_, dgamma_),
            hnn::Parameter<Scalar>("beta", beta_, dbeta_)};
  }

  std::unique_ptr<hnn::Layer<Scalar>> clone() const override {
    return std::make_unique<FeatureScale>(*this);
  }

 private:
  Mat gamma_;   // γ  (features × 1)
  Mat beta_;    // β  (features × 1)
  Mat dgamma_;  // dγ (features × 1), accumulated
  Mat dbeta_;   // dβ (features × 1), accumulated
  Mat Y_;       // output buffer (features × largest n)
  Mat dX_;      // input-gradient buffer (features × largest n)
};

}  // namespace

TEST_CASE("docs: checking a custom layer") {
  hnn::Random rng(42);
  FeatureScale<double> layer(3, rng);
  hnn::Matrix<double> X(3, 5);
  rng.fill_normal(X, 0.0, 1.0);

  const hnn::GradientReport report = hnn::check_layer(layer, X);
  INFO(report.summary());  // printed if a check below fails
  CHECK(report.passed());
  REQUIRE(report.tensors.size() == 3);  // input, gamma, beta
  CHECK(report.tensors[1].name == "gamma");
}

TEST_CASE("docs: the custom layer's shape rule, in a model") {
  hnn::Random rng(42);
  hnn::Sequential<double> model(3);
  model.add(FeatureScale<double>(3, rng));  // 3 features in, 3 out
  CHECK(model.output_shape() == hnn::Shape{3});

  std::string message;
  try {
    model.add(FeatureScale<double>(4, rng));  // takes 4 features, is given 3
  } catch (const hnn::ShapeError& e) {
    message = e.what();
  }
  CHECK(message ==
        "Sequential::add: layer 1 (FeatureScale) does not fit after FeatureScale, which gives 3 "
        "values per sample: FeatureScale: takes 4 features, but is given 3");
}

TEST_CASE("docs: the custom layer works in float too") {
  hnn::Random rng(42);
  FeatureScale<float> layer(2, rng);
  hnn::Matrix<float> X = hnn::Matrix<float>::Ones(2, 4);
  const hnn::Matrix<float> Y = layer.forward(X, hnn::Mode::infer);
  auto params = layer.parameters();
  const hnn::Matrix<float> gamma = params[0].value(), beta = params[1].value();
  CHECK(Y.col(3).isApprox(gamma + beta));  // x = 1: y = γ + β
}

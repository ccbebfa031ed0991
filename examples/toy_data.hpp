// SPDX-License-Identifier: MIT
#pragma once
// Two-dimensional toy data sets for the examples, generated rather than
// downloaded: two moons, two circles and an n-arm spiral. Small enough to
// train on in milliseconds, bent enough that a straight line cannot separate
// the classes, and drawable as text (decision_map below).
//
// Every generator draws from an hnn::Random, so a seed gives the same points
// on every compiler and standard library. Points are the columns of X
// (2 × n), labels are in y; the classes are interleaved (sample j belongs to
// class j mod k), so any run of consecutive samples is balanced.
//
//   hnn::Random rng(1);
//   auto data = toy::two_moons<float>(400, 0.15, rng);   // data.X (2 × 400), data.y (400)

#include <algorithm>
#include <cmath>
#include <string>

#include "hnn/hnn.hpp"

namespace toy {

template <typename Scalar>
struct Dataset {
  hnn::Matrix<Scalar> X;  // points (2 × n), one per column
  hnn::Labels y;          // class of each point (n), 0 ≤ y_j < classes
  int classes = 0;

  hnn::Index size() const { return X.cols(); }

  // The labels as a (1 × n) row of 0s and 1s: the targets of a binary
  // classifier with one output (BinaryCrossEntropyWithLogits).
  hnn::Matrix<Scalar> binary_targets() const { return y.transpose().template cast<Scalar>(); }
};

namespace detail {
constexpr double pi = 3.14159265358979323846;
}

// Two interleaving half circles (scikit-learn's make_moons), shifted so the
// set is centred on the origin:
//   class 0:  ( cos t − ½,  sin t − ¼)     t ~ U(0, π)   the upper moon
//   class 1:  (½ − cos t,   ¼ − sin t)                   the lower moon, hooked into it
// plus Gaussian noise of standard deviation `noise` on each coordinate.
template <typename Scalar>
Dataset<Scalar> two_moons(hnn::Index n, double noise, hnn::Random& rng) {
  Dataset<Scalar> d{hnn::Matrix<Scalar>(2, n), hnn::Labels(n), 2};
  for (hnn::Index j = 0; j < n; ++j) {
    const int k = int(j % 2);
    const double t = detail::pi * rng.uniform();
    const double x = k == 0 ? std::cos(t) - 0.5 : 0.5 - std::cos(t);
    const double y = k == 0 ? std::sin(t) - 0.25 : 0.25 - std::sin(t);
    d.X(0, j) = Scalar(x + rng.normal(0.0, noise));
    d.X(1, j) = Scalar(y + rng.normal(0.0, noise));
    d.y(j) = k;
  }
  return d;
}

// Two concentric circles (scikit-learn's make_circles): class 0 on the
// circle of radius 1, class 1 on the circle of radius `factor` (< 1) inside it,
// at angles t ~ U(0, 2π), plus Gaussian noise on each coordinate.
template <typename Scalar>
Dataset<Scalar> circles(hnn::Index n, double noise, double factor, hnn::Random& rng) {
  Dataset<Scalar> d{hnn::Matrix<Scalar>(2, n), hnn::Labels(n), 2};
  for (hnn::Index j = 0; j < n; ++j) {
    const int k = int(j % 2);
    const double t = 2 * detail::pi * rng.uniform();
    const double r = k == 0 ? 1.0 : factor;
    d.X(0, j) = Scalar(r * std::cos(t) + rng.normal(0.0, noise));
    d.X(1, j) = Scalar(r * std::sin(t) + rng.normal(0.0, noise));
    d.y(j) = k;
  }
  return d;
}

// `classes` spiral arms winding out of the origin (the CS231n spiral),
// `per_class` points each. Point i of arm k sits at radius r = (i + 1)/per_class
// and angle
//   θ = 2π k / classes + 4 r + noise · N(0, 1)
// so each arm turns 4 radians (about 230°) on its way out and the arms start
// evenly spaced; the noise is on the angle, in radians.
template <typename Scalar>
Dataset<Scalar> spiral(hnn::Index per_class, int classes, double noise, hnn::Random& rng) {
  const hnn::Index n = per_class * classes;
  Dataset<Scalar> d{hnn::Matrix<Scalar>(2, n), hnn::Labels(n), classes};
  for (hnn::Index i = 0; i < per_class; ++i) {
    const double r = double(i + 1) / double(per_class);
    for (int k = 0; k < classes; ++k) {
      const hnn::Index j = i * classes + k;
      const double theta = 2 * detail::pi * k / classes + 4 * r + rng.normal(0.0, noise);
      d.X(0, j) = Scalar(r * std::cos(theta));
      d.X(1, j) = Scalar(r * std::sin(theta));
      d.y(j) = k;
    }
  }
  return d;
}

// The plane drawn as text, `width` characters across: each cell shows the
// class `classify` gives the point at its centre (class 0 blank, 1 '.',
// 2 ':', …), and a cell holding training points shows the label of one of
// them as a digit. A digit on another class's background is a point the
// model gets wrong; the edges of the backgrounds are the decision boundary.
//
// classify(G) takes points G (2 × m) and returns their classes (m).
template <typename Scalar, typename Classify>
std::string decision_map(const Dataset<Scalar>& data, Classify classify, int width = 64) {
  const char background[] = " .:-=+*#%@";
  const Scalar pad = Scalar(0.1);
  const Scalar x0 = data.X.row(0).minCoeff() - pad, x1 = data.X.row(0).maxCoeff() + pad;
  const Scalar y0 = data.X.row(1).minCoeff() - pad, y1 = data.X.row(1).maxCoeff() + pad;
  // A character cell is about twice as tall as it is wide.
  const int height = std::max(4, int(std::lround(width * double(y1 - y0) / double(x1 - x0) / 2)));
  const Scalar cw = (x1 - x0) / Scalar(width), ch = (y1 - y0) / Scalar(height);

  hnn::Matrix<Scalar> G(2, hnn::Index(width) * height);  // cell centres, row by row from the top
  for (int r = 0; r < height; ++r) {
    for (int c = 0; c < width; ++c) {
      G(0, r * width + c) = x0 + (Scalar(c) + Scalar(0.5)) * cw;
      G(1, r * width + c) = y1 - (Scalar(r) + Scalar(0.5)) * ch;
    }
  }
  const hnn::Labels regions = classify(G);
  std::string cells(std::size_t(width) * std::size_t(height), ' ');
  for (hnn::Index k = 0; k < regions.size(); ++k)
    cells[std::size_t(k)] = background[std::min<int>(regions(k), int(sizeof background) - 2)];
  for (hnn::Index j = 0; j < data.size(); ++j) {
    const int c = std::clamp(int((data.X(0, j) - x0) / cw), 0, width - 1);
    const int r = std::clamp(int((y1 - data.X(1, j)) / ch), 0, height - 1);
    cells[std::size_t(r * width + c)] = char('0' + data.y(j) % 10);
  }

  const std::string edge = '+' + std::string(std::size_t(width), '-') + "+\n";
  std::string out = edge;
  for (int r = 0; r < height; ++r)
    out += '|' + cells.substr(std::size_t(r * width), std::size_t(width)) + "|\n";
  return out + edge;
}

}  // namespace toy

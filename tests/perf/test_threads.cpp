// SPDX-License-Identifier: MIT
// perf/threads.hpp and perf/products.hpp: products, element-wise splits and
// the thread settings.
// Split work must give the one-thread result (to float rounding), cover
// every element once, and leave the program's thread settings as they were.
// Built with OpenMP (HNN_WITH_OPENMP, as the test command builds the g++
// suite) these run on two threads; without it they check the one-thread paths.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "hnn/hnn.hpp"
#include "test_support.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace {

using Mf = hnn::Matrix<float>;
using Md = hnn::Matrix<double>;

int expected_split() {
#if defined(_OPENMP)
  return 2;
#else
  return 1;
#endif
}

Mf random(hnn::Index r, hnn::Index c, std::uint64_t seed) {
  hnn::Random rng(seed);
  Mf m(r, c);
  for (hnn::Index i = 0; i < m.size(); ++i)
    m.data()[i] = float(rng.uniform(-1, 1));
  return m;
}

// Over how many threads a parameter's gradient was last computed.
int split_of(const hnn::Parameter<float>& p) {
  return p.deferred() ? p.deferred()->threads() : 1;
}

// Largest |a − b| relative to the largest |b|.
double relative_error(const Mf& a, const Md& b) {
  return (a.cast<double>() - b).cwiseAbs().maxCoeff() / b.cwiseAbs().maxCoeff();
}

}  // namespace

TEST_CASE(
    "the product verbs split large products over the threads and gives the one-thread result") {
  const hnn_test::OmpThreads two(2);
  const Mf W = random(256, 784, 1), X = random(784, 128, 2), dZ = random(256, 128, 3);
  const Md Wd = W.cast<double>(), Xd = X.cast<double>(), dZd = dZ.cast<double>();

  Mf Z(256, 128);
  CHECK(hnn::set_product(Z, W, X) == expected_split());  // Z = W X, by columns of Z
  CHECK(relative_error(Z, Wd * Xd) < 1e-5);

  Mf dW = random(256, 784, 4);
  const Md dW0 = dW.cast<double>();
  CHECK(hnn::add_product(dW, dZ, X.transpose()) == expected_split());  // dW += dZ Xᵀ
  CHECK(relative_error(dW, dW0 + dZd * Xd.transpose()) < 1e-5);

  Mf dX(784, 128);
  hnn::set_product(dX, W.transpose(), dZ);  // dX = Wᵀ dZ
  CHECK(relative_error(dX, Wd.transpose() * dZd) < 1e-5);

  // Large but narrow (fewer than ParallelThresholds::columns samples): one thread.
  const Mf A = random(2048, 1024, 5), x = random(1024, 32, 6);
  Mf y(2048, 32);
  CHECK(hnn::set_product(y, A, x) == 1);
  CHECK(relative_error(y, A.cast<double>() * x.cast<double>()) < 1e-5);

  // A view into a wider buffer, as the layers' batch buffers are.
  Mf buffer = Mf::Constant(256, 200, 7.0f);
  hnn::MutRef<float> view = buffer.leftCols(128);
  hnn::set_product(view, W, X);
  CHECK(relative_error(buffer.leftCols(128), Wd * Xd) < 1e-5);
  CHECK((buffer.rightCols(72).array() == 7.0f).all());  // nothing written past the view
}

TEST_CASE("a product of depth 1 is the outer product, accumulated or not") {
  const hnn_test::OmpThreads two(2);
  const Mf dz = random(256, 1, 7), x = random(784, 1, 8);
  Mf dW = random(256, 784, 9);
  const Md expected = dW.cast<double>() + dz.cast<double>() * x.cast<double>().transpose();
  CHECK(hnn::add_product(dW, dz, x.transpose()) == 1);  // small: one thread
  CHECK(relative_error(dW, expected) < 1e-6);
  hnn::set_product(dW, dz, x.transpose());
  CHECK(relative_error(dW, dz.cast<double>() * x.cast<double>().transpose()) < 1e-6);
}

TEST_CASE("small products stay on one thread") {
  const hnn_test::OmpThreads two(2);
  const Mf W = random(10, 128, 10), X = random(128, 32, 11);
  Mf Z(10, 32);
  CHECK(hnn::set_product(Z, W, X) == 1);
  CHECK(relative_error(Z, W.cast<double>() * X.cast<double>()) < 1e-6);
}

TEST_CASE("parallel_column_blocks and parallel_columns cover every element once") {
  const hnn_test::OmpThreads two(2);
  for (const hnn::Index rows : {1, 3, 256}) {
    for (const hnn::Index cols : {1, 2, 5, 784}) {
      for (const int threads : {1, 2, 3}) {
        std::vector<int> seen(std::size_t(rows * cols), 0);
        hnn::parallel_column_blocks(rows, cols, threads, [&](hnn::Index b, hnn::Index e) {
          CHECK(b % rows == 0);  // whole columns
          for (hnn::Index i = b; i < e; ++i)
            ++seen[std::size_t(i)];
        });
        CHECK(std::count(seen.begin(), seen.end(), 1) == rows * cols);
      }
      std::vector<int> seen(std::size_t(cols), 0);
      hnn::parallel_columns(rows * 100, cols, [&](hnn::Index first, hnn::Index n) {
        for (hnn::Index j = first; j < first + n; ++j)
          ++seen[std::size_t(j)];
      });
      CHECK(std::count(seen.begin(), seen.end(), 1) == cols);
    }
  }
}

TEST_CASE("EigenSingleThread runs Eigen on one thread and restores the settings") {
  const int eigen_before = Eigen::nbThreads();
  {
    hnn::EigenSingleThread single;
    CHECK(Eigen::nbThreads() == 1);
  }
  CHECK(Eigen::nbThreads() == eigen_before);
#if defined(_OPENMP)
  const int omp_before = omp_get_max_threads();
  Eigen::setNbThreads(2);  // the program fixed Eigen's count
  {
    hnn::EigenSingleThread single;
    CHECK(Eigen::nbThreads() == 1);
  }
  CHECK(Eigen::nbThreads() == 2);
  CHECK(omp_get_max_threads() == omp_before);
  Eigen::setNbThreads(0);  // back to following OpenMP
  CHECK(Eigen::nbThreads() == omp_before);
#endif
}

TEST_CASE("max_threads is 1 inside a parallel region the program opened") {
#if defined(_OPENMP)
  const hnn_test::OmpThreads two(2);
  CHECK(hnn::max_threads() == 2);
  int inside = 0;
#pragma omp parallel num_threads(2)
  {
#pragma omp critical
    inside = std::max(inside, hnn::max_threads());
  }
  CHECK(inside == 1);
#else
  CHECK(hnn::max_threads() == 1);
#endif
}

TEST_CASE("a Dense layer records how its dW was split, and zero_grad and the optimizers follow") {
  const hnn_test::OmpThreads two(2);
  hnn::Random rng(3);
  hnn::Dense<float> dense(784, 256, rng);
  auto params = dense.parameters();
  CHECK(split_of(params[0]) == 1);  // no gradient computed yet
  const Mf X = random(784, 64, 12), dZ = random(256, 64, 13);
  dense.forward(X, hnn::Mode::train);
  dense.backward(dZ);
  CHECK(split_of(params[0]) == expected_split());  // 256·784·64 multiply-adds: split
  CHECK(split_of(params[1]) == 1);                 // b has no recorded split
  const Md dW = dZ.cast<double>() * X.cast<double>().transpose();
  CHECK(relative_error(Mf(params[0].grad()), dW) < 1e-5);

  // SGD on the split tensor: w ← w − η ∇w for every element.
  const Md W0 = dense.W().cast<double>();
  hnn::SGD<float> sgd(0.5);
  sgd.step(params);
  CHECK(relative_error(dense.W(), W0 - 0.5 * dW) < 1e-5);

  hnn::zero_grad(params);
  CHECK(params[0].grad().isZero(0));
  CHECK(params[1].grad().isZero(0));

  // Batch 1: a small product, one thread.
  dense.forward(X.leftCols(1), hnn::Mode::train);
  dense.backward(dZ.leftCols(1));
  CHECK(split_of(params[0]) == 1);
}

TEST_CASE("Adam's block-by-block update equals the formula on every element") {
  // 2,500 elements: two whole blocks of 1,024 and a partial one.
  const hnn_test::OmpThreads two(2);
  Md w = random(50, 50, 14).cast<double>(), g = random(50, 50, 15).cast<double>();
  const Md w0 = w;
  hnn::AdamOptions o;
  o.learning_rate = 0.1;
  o.weight_decay = 0.01;
  hnn::Adam<double> adam(o);
  std::vector<hnn::Parameter<double>> params{hnn::Parameter<double>("w", w, g)};
  adam.step(params);
  adam.step(params);
  // Two steps by hand, element by element.
  for (hnn::Index i = 0; i < w.size(); ++i) {
    double wi = w0.data()[i], m = 0, v = 0;
    for (int t = 1; t <= 2; ++t) {
      const double gi = g.data()[i] + 0.01 * wi;
      m = 0.9 * m + 0.1 * gi;
      v = 0.999 * v + 0.001 * gi * gi;
      const double mh = m / (1 - std::pow(0.9, t)), vh = v / (1 - std::pow(0.999, t));
      wi -= 0.1 * mh / (std::sqrt(vh) + 1e-8);
    }
    REQUIRE(w.data()[i] == doctest::Approx(wi).epsilon(1e-12));
  }
}

TEST_CASE("training on two threads is bit-identical run to run and matches one thread") {
  const auto train = [](bool two_threads) {
    hnn::Random rng(21);
    hnn::Sequential<float> model(784);
    model.add(hnn::Dense<float>(784, 256, rng, hnn::Init::he_uniform()))
        .add(hnn::Activation<float, hnn::ReLU>())
        .add(hnn::Dense<float>(256, 10, rng));
    const Mf X = random(784, 512, 22);
    hnn::Labels y(512);
    for (hnn::Index j = 0; j < y.size(); ++j)
      y(j) = int(j % 10);
    hnn::Adam<float> adam(1e-3);
    hnn::FitOptions<float> o;
    o.epochs = 2;
    o.batch_size = 128;
    o.verbosity = hnn::Verbosity::quiet;
    if (two_threads) {
      const hnn_test::OmpThreads two(2);
      model.fit(X, y, hnn::SoftmaxCrossEntropy<float>(), adam, o);
    } else {
#if defined(_OPENMP)
      const int before = omp_get_max_threads();
      omp_set_num_threads(1);
#endif
      model.fit(X, y, hnn::SoftmaxCrossEntropy<float>(), adam, o);
#if defined(_OPENMP)
      omp_set_num_threads(before);
#endif
    }
    return model.predict(X);
  };
  const Mf a = train(true), b = train(true), one = train(false);
  CHECK((a.array() == b.array()).all());  // same thread count: the same bits
  CHECK(relative_error(a, one.cast<double>()) < 1e-4);
}

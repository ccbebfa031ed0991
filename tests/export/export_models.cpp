// SPDX-License-Identifier: MIT
// Writes the headers that tests/export/check_exports.sh compiles and runs:
//
//   export_models <mnist-folder> <out-dir>
//
// In <out-dir>, for each model NAME, NAME_model.h (float) and NAMEq_model.h
// (int8, but for seq), each with a self-test of 8 inputs:
//   mlp    Dense layers and every activation, Softmax at the end
//   cnn    Conv2D (same padding, no bias) + BatchNorm folded, ReLU, MaxPool2D,
//          Conv2D with stride 2, AvgPool2D with padding, LeakyReLU, Flatten, Dense
//   res    a Residual block over images with a projection of stride 2, a
//          BatchNorm that stays a step, GlobalAvgPool2D, LayerNorm, Dense, Sigmoid
//   vec    Dense, a Residual block with an identity skip, Dropout, Dense, Softmax
//   tdist  TimeDistributed, Tanh, Flatten, Dense
//   seq    Embedding, LSTM, GRU, RNN (last step only), Dense, Softmax: float only
//   mnist  the MLP of examples/mnist.cpp (784-256-128-10, ReLU) trained for 3
//          epochs on the MNIST digits in <mnist-folder>, calibrated on 1,000
//          training images
// and mnist_test.bin: 1,000 test images, their labels and what
// Sequential::predict gives for them, for host_check.c:
//   u32 count, u32 inputs, u32 outputs, then count × inputs f32 images,
//   count u8 labels, count × outputs f32 outputs (little-endian).
// Exits 1 with a message on any error.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "hnn/hnn.hpp"

namespace {

using S = float;
using hnn::Index;
using hnn::Matrix;

Matrix<S> uniform(Index rows, Index cols, std::uint64_t seed, double lo, double hi) {
  hnn::Random rng(seed);
  Matrix<S> m(rows, cols);
  rng.fill_uniform(m, lo, hi);
  return m;
}

// The float and the int8 header of `model`, calibrated on X, tested on its first 8 samples.
void write_both(hnn::Sequential<S>& model, const std::string& out, const std::string& name,
                const Matrix<S>& X) {
  hnn::ExportOptions<S> o;
  o.name = name;
  o.test_inputs = X.leftCols(8);
  hnn::export_c(model, out + "/" + name + "_model.h", o);
  o.name = name + "q";
  o.int8 = true;
  o.calibration = X;
  hnn::export_c(model, out + "/" + name + "q_model.h", o);
  std::cout << name << ": exported, float and int8\n";
}

// BatchNorm running statistics away from 0 and 1: a few forward passes in training mode.
void settle(hnn::Sequential<S>& model, const Matrix<S>& X, hnn::Random& rng) {
  for (int k = 0; k < 5; ++k)
    model.forward(X, hnn::Mode::train, rng);
}

void small_models(const std::string& out) {
  hnn::Random rng(2024);
  {
    hnn::Sequential<S> m(hnn::Shape{12});
    m.add(hnn::Dense<S>(12, 16, rng)).add(hnn::Activation<S, hnn::Tanh>());
    m.add(hnn::Dense<S>(16, 16, rng)).add(hnn::Activation<S, hnn::GELU>());
    m.add(hnn::Dense<S>(16, 16, rng)).add(hnn::Activation<S, hnn::GELU>(hnn::GELU<S>(true)));
    m.add(hnn::Dense<S>(16, 16, rng)).add(hnn::Activation<S, hnn::SiLU>());
    m.add(hnn::Dense<S>(16, 16, rng)).add(hnn::Activation<S, hnn::ELU>(hnn::ELU<S>(0.7f)));
    m.add(hnn::Dense<S>(16, 16, rng)).add(hnn::Activation<S, hnn::SELU>());
    m.add(hnn::Dense<S>(16, 16, rng)).add(hnn::Activation<S, hnn::Softplus>());
    m.add(hnn::Dense<S>(16, 16, rng)).add(hnn::Activation<S, hnn::Sigmoid>());
    m.add(hnn::Dense<S>(16, 16, rng))
        .add(hnn::Activation<S, hnn::LeakyReLU>(hnn::LeakyReLU<S>(0.1f)));
    m.add(hnn::Dense<S>(16, 5, rng)).add(hnn::Activation<S, hnn::ReLU>());
    m.add(hnn::Dense<S>(5, 4, rng)).add(hnn::Softmax<S>());
    write_both(m, out, "mlp", uniform(12, 64, 1, -2, 2));
  }
  {
    hnn::Sequential<S> m(hnn::Shape{2, 12, 12});
    m.add(hnn::Conv2D<S>(2, 6, hnn::Window(3), rng, {1, hnn::Padding::same(), false}));
    m.add(hnn::BatchNorm<S>(6)).add(hnn::Activation<S, hnn::ReLU>()).add(hnn::MaxPool2D<S>(2));
    m.add(hnn::Conv2D<S>(6, 8, hnn::Window(3, 2), rng, {2, hnn::Padding(1)}));
    m.add(hnn::AvgPool2D<S>(hnn::Window(2), 1, hnn::Padding(1)));
    m.add(hnn::Activation<S, hnn::LeakyReLU>(hnn::LeakyReLU<S>(0.2f))).add(hnn::Flatten<S>());
    m.add(hnn::Dense<S>(m.output_size(), 3, rng));
    const Matrix<S> X = uniform(288, 64, 2, 0, 1);
    settle(m, X, rng);
    write_both(m, out, "cnn", X);
  }
  {
    hnn::Sequential<S> m(hnn::Shape{3, 8, 8});
    m.add(hnn::Conv2D<S>(3, 4, hnn::Window(3), rng, {1, hnn::Padding::same()}));
    hnn::Residual<S> block(hnn::Shape{4, 8, 8});
    block.add(hnn::Conv2D<S>(4, 6, hnn::Window(3), rng, {2, hnn::Padding::same()}))
        .add(hnn::Activation<S, hnn::ReLU>());
    block.project(rng, 2);
    m.add(std::move(block)).add(hnn::MaxPool2D<S>(2)).add(hnn::BatchNorm<S>(6));
    m.add(hnn::GlobalAvgPool2D<S>()).add(hnn::LayerNorm<S>(6));
    m.add(hnn::Dense<S>(6, 1, rng)).add(hnn::Activation<S, hnn::Sigmoid>());
    const Matrix<S> X = uniform(192, 64, 3, -1, 1);
    settle(m, X, rng);
    write_both(m, out, "res", X);
  }
  {
    hnn::Sequential<S> m(hnn::Shape{10});
    m.add(hnn::Dense<S>(10, 8, rng));
    hnn::Residual<S> block(hnn::Shape{8});
    block.add(hnn::Dense<S>(8, 8, rng)).add(hnn::Activation<S, hnn::Tanh>());
    m.add(std::move(block)).add(hnn::Dropout<S>(0.2)).add(hnn::Dense<S>(8, 3, rng));
    m.add(hnn::Softmax<S>());
    write_both(m, out, "vec", uniform(10, 64, 4, -1, 1));
  }
  {
    hnn::Sequential<S> m(hnn::Shape{5, 4});
    m.add(hnn::TimeDistributed<S>(4, 3, rng)).add(hnn::Activation<S, hnn::Tanh>());
    m.add(hnn::Flatten<S>()).add(hnn::Dense<S>(15, 2, rng));
    write_both(m, out, "tdist", uniform(20, 64, 5, -1, 1));
  }
  {  // recurrent layers: float only
    hnn::Sequential<S> m(hnn::Shape{6});
    m.add(hnn::Embedding<S>(12, 5, rng)).add(hnn::LSTM<S>(5, 8, rng));
    m.add(hnn::GRU<S>(8, 6, rng));
    hnn::RNNOptions last;
    last.output = hnn::SequenceOutput::last;
    m.add(hnn::RNN<S>(6, 4, rng, last)).add(hnn::Dense<S>(4, 3, rng)).add(hnn::Softmax<S>());
    hnn::Random tokens(6);
    Matrix<S> X(6, 8);
    for (Index i = 0; i < X.size(); ++i)
      X(i) = S(tokens.below(12));
    hnn::ExportOptions<S> o;
    o.name = "seq";
    o.test_inputs = X;
    hnn::export_c(m, out + "/seq_model.h", o);
    std::cout << "seq: exported, float\n";
  }
}

void put_u32(std::ofstream& f, std::uint32_t v) {
  const unsigned char b[4] = {static_cast<unsigned char>(v), static_cast<unsigned char>(v >> 8),
                              static_cast<unsigned char>(v >> 16),
                              static_cast<unsigned char>(v >> 24)};
  f.write(reinterpret_cast<const char*>(b), 4);
}

void mnist(const std::string& folder, const std::string& out) {
  const hnn::MnistData<S> data = hnn::load_mnist<S>(folder);
  hnn::Random rng(7);
  hnn::Sequential<S> m(hnn::Shape{1, 28, 28});
  m.add(hnn::Flatten<S>());
  m.add(hnn::Dense<S>(784, 256, rng, hnn::Init::he_uniform())).add(hnn::Activation<S, hnn::ReLU>());
  m.add(hnn::Dense<S>(256, 128, rng, hnn::Init::he_uniform())).add(hnn::Activation<S, hnn::ReLU>());
  m.add(hnn::Dense<S>(128, 10, rng));
  hnn::Adam<S> adam(1e-3);
  hnn::FitOptions<S> options;
  options.epochs = 3;
  options.batch_size = 64;
  options.verbosity = hnn::Verbosity::quiet;
  m.fit(data.X_train, data.y_train, hnn::SoftmaxCrossEntropy<S>(), adam, options);

  const Index count = std::min<Index>(1000, data.X_test.cols());
  const Matrix<S> X = data.X_test.leftCols(count);
  const Matrix<S> Y = m.predict(X);
  Index right = 0;
  for (Index j = 0; j < count; ++j) {
    Index best = 0;
    Y.col(j).maxCoeff(&best);
    right += best == data.y_test(j);
  }
  std::cout << "mnist: hnn's accuracy on " << count << " test images: " << double(right) / count
            << "\n";
  write_both(m, out, "mnist", data.X_train.leftCols(1000));
  // The first 8 test inputs of the headers are training images; mnist_test.bin has test images.
  std::ofstream f(out + "/mnist_test.bin", std::ios::binary);
  put_u32(f, std::uint32_t(count));
  put_u32(f, 784);
  put_u32(f, 10);
  f.write(reinterpret_cast<const char*>(X.data()), std::streamsize(X.size() * sizeof(S)));
  for (Index j = 0; j < count; ++j)
    f.put(char(data.y_test(j)));
  f.write(reinterpret_cast<const char*>(Y.data()), std::streamsize(Y.size() * sizeof(S)));
  if (!f) throw hnn::Error("could not write " + out + "/mnist_test.bin");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: export_models <mnist-folder> <out-dir>\n";
    return 2;
  }
  try {
    small_models(argv[2]);
    mnist(argv[1], argv[2]);
  } catch (const std::exception& e) {
    std::cerr << "export_models: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

// SPDX-License-Identifier: MIT
// The inputs of hnn-export's tests (tools/CMakeLists.txt), written into the
// folder given as the only argument:
//
//   tiny_float.hnn     Dense(20 → 8), ReLU, Dense(8 → 3), Softmax, float
//   tiny_double.hnn    the same architecture, saved as double
//   custom.hnn         Dense(20 → 3) and Halve, a custom layer: neither the
//                      built-in LayerRegistry nor the exporter knows it
//   calibration.csv    12 samples of 20 inputs, and a "target" column after them
//   three.csv          3 samples of 3 values: the wrong size for the models
//
// The models' 20 inputs are the 4 × 5 pixels of tests/data/files/images_3x4x5.idx,
// so that file is a calibration set for them too.
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "hnn/hnn.hpp"

namespace {

// Y = X / 2: a layer of the user's own, saved under its type name "Halve".
class Halve : public hnn::Layer<float> {
 public:
  std::string type_name() const override { return "Halve"; }
  hnn::Shape compute_output_shape(const hnn::Shape& input) const override { return input; }
  std::unique_ptr<hnn::Layer<float>> clone() const override {
    return std::make_unique<Halve>(*this);
  }

 protected:
  In forward_impl(In X, hnn::Mode) override {
    auto Y = hnn::batch_view(Y_, X.rows(), X.cols());
    Y = 0.5f * X;
    return Y;
  }
  In backward_impl(In dY) override {
    auto dX = hnn::batch_view(dX_, dY.rows(), dY.cols());
    dX = 0.5f * dY;
    return dX;
  }

 private:
  Mat Y_, dX_;
};

template <typename Scalar>
void save_tiny(const std::string& path, unsigned long seed) {
  hnn::Random rng(seed);
  hnn::Sequential<Scalar> model(20);
  model.add(hnn::Dense<Scalar>(20, 8, rng))
      .add(hnn::Activation<Scalar, hnn::ReLU>())
      .add(hnn::Dense<Scalar>(8, 3, rng))
      .add(hnn::Softmax<Scalar>());
  hnn::save_model(model, path);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " FOLDER\n";
    return 2;
  }
  const std::string dir = argv[1];
  try {
    save_tiny<float>(dir + "/tiny_float.hnn", 1);
    save_tiny<double>(dir + "/tiny_double.hnn", 2);

    hnn::Random rng(3);
    hnn::Sequential<float> custom(20);
    custom.add(hnn::Dense<float>(20, 3, rng)).add(Halve());
    hnn::save_model(custom, dir + "/custom.hnn");

    std::ofstream csv(dir + "/calibration.csv");
    for (int i = 0; i < 20; ++i)
      csv << "x" << i << ',';
    csv << "target\n";
    for (int j = 0; j < 12; ++j) {
      for (int i = 0; i < 20; ++i)
        csv << double((7 * j + 3 * i) % 17) / 16 << ',';
      csv << 100 + j << '\n';
    }
    std::ofstream three(dir + "/three.csv");
    three << "a,b,c\n1,2,3\n4,5,6\n7,8,9\n";
    if (!csv || !three) throw hnn::FileError(dir + ": cannot write the CSV files");
  } catch (const hnn::Error& e) {
    std::cerr << e.what() << '\n';
    return 1;
  }
  std::cout << "wrote the test inputs of hnn-export into " << dir << '\n';
  return 0;
}

// SPDX-License-Identifier: MIT
// bench_export_models FOLDER: the inputs bench_export is compiled with, made at
// build time (bench/CMakeLists.txt). The MNIST MLP of examples/mnist.cpp,
//
//   28×28×1 → Flatten → Dense 256 → ReLU → Dense 128 → ReLU → Dense 10  (logits)
//
// with torch.nn.Linear's default initialisation (seed 0, as bench_mlp), is written as
//   FOLDER/mnist_mlp.hnn     the model (save_model), for model.predict
//   FOLDER/mnist_float.h     export_c, float, named mnist_f
//   FOLDER/mnist_int8.h      export_c, int8, named mnist_q, calibrated on 256 random
//                            inputs uniform in [0, 1) (seed 7)
// Latency does not depend on what the weights learned, so they are not trained.
#include <iostream>
#include <string>

#include "bench_common.hpp"
#include "hnn/hnn.hpp"

int main(int argc, char** argv) {
  using hnn_bench::torch_default;
  if (argc != 2) {
    std::cerr << "usage: bench_export_models FOLDER\n";
    return 2;
  }
  const std::string dir = argv[1];
  try {
    hnn::Random rng(0);
    hnn::Sequential<float> model(hnn::Shape{28, 28, 1});
    model.add(hnn::Flatten<float>())
        .add(hnn::Dense<float>(784, 256, rng, torch_default(784), torch_default(784)))
        .add(hnn::Activation<float, hnn::ReLU>())
        .add(hnn::Dense<float>(256, 128, rng, torch_default(256), torch_default(256)))
        .add(hnn::Activation<float, hnn::ReLU>())
        .add(hnn::Dense<float>(128, 10, rng, torch_default(128), torch_default(128)));
    hnn::save_model(model, dir + "/mnist_mlp.hnn");

    hnn::ExportOptions<float> f;
    f.name = "mnist_f";
    hnn::export_c(model, dir + "/mnist_float.h", f);

    hnn::ExportOptions<float> q;
    q.name = "mnist_q";
    q.int8 = true;
    q.calibration = hnn_bench::random_inputs(784, 256, 7);
    hnn::export_c(model, dir + "/mnist_int8.h", q);
  } catch (const hnn::Error& e) {
    std::cerr << "bench_export_models: " << e.what() << '\n';
    return 1;
  }
  return 0;
}

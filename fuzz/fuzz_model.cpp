// SPDX-License-Identifier: MIT
// libFuzzer target: the model loader on arbitrary bytes. Any input must load
// or throw hnn::FileError — no crash, no sanitizer report, no runaway
// allocation. A model that loads must also run a forward pass, and a
// checkpoint's optimizer state must go into the optimizer it names or be
// refused with an ArgumentError that changes nothing.
//
// Random bytes almost never carry a valid checksum, which would stop every
// input at the first check; so each input is also tried with its last 8
// bytes replaced by the right checksum, letting the fuzzer reach the parser
// behind it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hnn/io/model_file.hpp"
#include "hnn/optimizers/adagrad.hpp"
#include "hnn/optimizers/adam.hpp"
#include "hnn/optimizers/adamw.hpp"
#include "hnn/optimizers/rmsprop.hpp"
#include "hnn/optimizers/sgd.hpp"

namespace {

// The optimizer a checkpoint names, or null.
template <typename Scalar>
std::unique_ptr<hnn::Optimizer<Scalar>> optimizer_named(const std::string& name) {
  if (name == "SGD") return std::make_unique<hnn::SGD<Scalar>>();
  if (name == "Adam") return std::make_unique<hnn::Adam<Scalar>>();
  if (name == "AdamW") return std::make_unique<hnn::AdamW<Scalar>>();
  if (name == "RMSProp") return std::make_unique<hnn::RMSProp<Scalar>>();
  if (name == "AdaGrad") return std::make_unique<hnn::AdaGrad<Scalar>>();
  return nullptr;
}

template <typename Scalar>
void try_load(const std::uint8_t* data, std::size_t size) {
  try {
    const auto file = hnn::io::parse_model_file<Scalar>(data, size, "fuzz-input");
    auto model = hnn::io::build_model(file, "fuzz-input", hnn::LayerRegistry<Scalar>::builtin());
    if (model.size() > 0 && model.input_size() <= 4096) {
      const hnn::Matrix<Scalar> X = hnn::Matrix<Scalar>::Ones(model.input_size(), 2);
      const hnn::Matrix<Scalar> Y = model.predict(X);
      (void)Y;
    }
    if (file.training) {
      auto optimizer = optimizer_named<Scalar>(file.training->optimizer.optimizer);
      if (optimizer) {
        try {
          optimizer->load_state(file.training->optimizer, model.parameters());
        } catch (const hnn::ArgumentError&) {
          if (optimizer->steps() != 0) __builtin_trap();  // a refused state changes nothing
        }
      }
    }
  } catch (const hnn::FileError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try_load<float>(data, size);
  try_load<double>(data, size);
  if (size >= 8) {
    std::vector<std::uint8_t> sealed(data, data + size);
    const std::uint64_t h = hnn::io::fnv1a(sealed.data(), size - 8);
    for (int i = 0; i < 8; ++i)
      sealed[size - 8 + std::size_t(i)] = std::uint8_t(h >> (8 * i));
    try_load<float>(sealed.data(), size);
    try_load<double>(sealed.data(), size);
  }
  return 0;
}

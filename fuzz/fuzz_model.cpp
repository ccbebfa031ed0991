// SPDX-License-Identifier: MIT
// libFuzzer target: the model loader on arbitrary bytes. Any input must load
// or throw hnn::FileError — no crash, no sanitizer report, no runaway
// allocation. A model that loads must also run a forward pass.
//
// Random bytes almost never carry a valid checksum, which would stop every
// input at the first check; so each input is also tried with its last 8
// bytes replaced by the right checksum, letting the fuzzer reach the parser
// behind it.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "hnn/io/model_file.hpp"

namespace {

template <typename Scalar>
void try_load(const std::uint8_t* data, std::size_t size) {
  try {
    auto model = hnn::parse_model<Scalar>(data, size, "fuzz-input");
    if (model.size() > 0 && model.input_size() <= 4096) {
      const hnn::Matrix<Scalar> X = hnn::Matrix<Scalar>::Ones(model.input_size(), 2);
      const hnn::Matrix<Scalar> Y = model.predict(X);
      (void)Y;
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

// SPDX-License-Identifier: MIT
// libFuzzer target: the IDX reader on arbitrary bytes. Any input must either
// parse or throw hnn::FileError — no crash, no out-of-bounds read (the build
// adds AddressSanitizer and UndefinedBehaviorSanitizer).
#include <cstddef>
#include <cstdint>

#include "hnn/data/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto images = hnn::parse_idx_images<float>(data, size, "fuzz-input");
    (void)images;
  } catch (const hnn::FileError&) {
  }
  try {
    const auto labels = hnn::parse_idx_labels(data, size, "fuzz-input");
    (void)labels;
  } catch (const hnn::FileError&) {
  }
  return 0;
}

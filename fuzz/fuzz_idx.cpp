// SPDX-License-Identifier: MIT
// libFuzzer target: the IDX reader on arbitrary bytes, plain or gzip. Any
// input must either parse or throw hnn::FileError — no crash, no
// out-of-bounds read (the build adds AddressSanitizer and
// UndefinedBehaviorSanitizer), no allocation beyond what the ceiling allows:
// images and labels are read with a ceiling of 16 MiB (64 MiB as floats or ints), so
// scripts/test.sh's -malloc_limit_mb=256 catches any read that allocates
// more than the ceiling promises.
#include <cstddef>
#include <cstdint>

#include "hnn/data/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto images = hnn::parse_idx_images<float>(data, size, "fuzz-input",
                                                     hnn::PixelScale::unit, std::uint64_t(1) << 24);
    (void)images;
  } catch (const hnn::FileError&) {
  }
  try {
    const auto labels = hnn::parse_idx_labels(data, size, "fuzz-input", 10, std::uint64_t(1) << 24);
    (void)labels;
  } catch (const hnn::FileError&) {
  }
  return 0;
}

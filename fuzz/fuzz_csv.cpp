// SPDX-License-Identifier: MIT
// libFuzzer target: the CSV reader on arbitrary text, without a label
// column and with one named "label". Any input must parse or throw an
// hnn::Error — no crash, no sanitizer report.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "hnn/data/csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (int pass = 0; pass < 2; ++pass) {
    std::istringstream in(text);
    try {
      const auto csv = hnn::parse_csv<float>(in, "fuzz-input", pass == 0 ? "" : "label");
      (void)csv;
    } catch (const hnn::Error&) {
    }
  }
  return 0;
}

// SPDX-License-Identifier: MIT
#pragma once
// What training measured, as CSV files for a spreadsheet, pandas or gnuplot.
//
//   hnn::write_csv(history, "out/history.csv");
//
// gives one row per epoch and one column per series of the History, in the
// order the series were first recorded:
//
//   epoch,loss,accuracy,val_loss,val_accuracy,seconds
//   1,1.0863,0.39,1.0712,0.4525,0.0021
//   2,1.0411,0.47,1.0290,0.5,0.0019
//
// Numbers are written with the fewest digits that read back as the same
// double (0.1 is "0.1", not "0.10000000000000001"), in the "C" locale. An
// empty field is a missing value: a series shorter than the others, or a NaN.
// Files are written whole or not at all (a temporary file, then a rename), and
// a failure throws FileError naming the file.
//
// The per-batch losses (BatchLossRecorder) and the per-layer statistics
// (TrainingMonitor) of model/monitor.hpp are written the same way.

#include <algorithm>
#include <cmath>
#include <locale>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/file.hpp"
#include "hnn/model/history.hpp"

namespace hnn {
/// Writing numbers and tables as CSV text.
namespace csv {

/// The shortest text that reads back as `v`; "" for NaN, "inf" and "-inf".
inline std::string number(double v) {
  if (std::isnan(v)) return "";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::string text;
  for (int digits = 1; digits <= 17; ++digits) {
    std::ostringstream out;
    out.imbue(std::locale::classic());
    out.precision(digits);
    out << v;
    text = out.str();
    std::istringstream in(text);
    in.imbue(std::locale::classic());
    double back = 0;
    in >> back;
    if (back == v) break;
  }
  return text;
}

/// A field as RFC 4180 wants it: quoted when it holds a comma, a quote or a line break.
// Quotes inside are doubled.
inline std::string field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s)
    q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + '"';
}

/// Fields joined by commas, with a line break.
inline std::string row(const std::vector<std::string>& fields) {
  std::string line;
  for (std::size_t k = 0; k < fields.size(); ++k)
    line += (k ? "," : "") + field(fields[k]);
  return line + '\n';
}

}  // namespace csv

/// The History as CSV text: "epoch" (from 1), then every series.
inline std::string to_csv(const History& history) {
  const auto names = history.names();
  std::vector<std::string> header = {"epoch"};
  std::size_t rows = 0;
  for (const auto& name : names) {
    header.push_back(name);
    rows = std::max(rows, history[name].size());
  }
  std::string text = csv::row(header);
  for (std::size_t e = 0; e < rows; ++e) {
    std::vector<std::string> fields = {std::to_string(e + 1)};
    for (const auto& name : names) {
      const auto& s = history[name];
      fields.push_back(e < s.size() ? csv::number(s[e]) : "");
    }
    text += csv::row(fields);
  }
  return text;
}

/// Writes the History to `path` as CSV; FileError if that fails.
inline void write_csv(const History& history, const std::string& path) {
  write_file_atomically(path, to_csv(history));
}

}  // namespace hnn

// SPDX-License-Identifier: MIT
#pragma once
// Writing C source text: the names, numbers and arrays of an exported model
// (export/export_c.hpp).
//
// A float is written with the fewest digits that read back as the same float
// (std::to_chars: locale-free and exact), with a decimal point or exponent and
// the suffix f, so the compiler rebuilds exactly the weights hnn holds:
//   0.5f   -1.2345678e-05f   3.0f
// A weight that is not finite cannot be written as a C constant: the export
// refuses it, naming the tensor.
//
// Arrays are written a few values to a line, so that a diff of two exports
// or a reader's eye can follow them.

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "hnn/core/error.hpp"

namespace hnn {

/// `x` as a C float constant that reads back as exactly `x` ("0.5f", "-1e-05f").
// Throws ArgumentError, naming `what`, for an infinity or a NaN.
inline std::string c_float(float x, const std::string& what) {
  if (!std::isfinite(x)) {
    throw ArgumentError("export: " + what + " holds a value that is not finite (" +
                        std::string(std::isnan(x) ? "NaN" : "infinity") +
                        "); a C constant cannot hold it");
  }
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, x);
  std::string text(buffer, result.ptr);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";  // "3" is an int in C
  return text + 'f';
}

/// Whether `name` is a C identifier of letters, digits and '_' that starts with a letter.
// A model's name becomes the prefix of every name in its header; a leading
// underscore is refused because such names are reserved to the C implementation.
inline bool is_c_name(const std::string& name) {
  if (name.empty() || name.size() > 48 || !std::isalpha(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

/// `name` in upper case: the prefix of the header's macros (DIGITS_INPUT_SIZE).
inline std::string c_macro_name(const std::string& name) {
  std::string upper = name;
  for (char& c : upper)
    c = char(std::toupper(static_cast<unsigned char>(c)));
  return upper;
}

/// One value of an array, as C text: a float constant or an integer.
inline std::string c_value(float x, const std::string& what) {
  return c_float(x, what);
}
/// An integer constant of an int8 or int32 array.
inline std::string c_value(std::int32_t x, const std::string& /*what*/) {
  // INT32_MIN has no literal in C (-2147483648 is minus a long); the
  // quantizer never makes it (its range is symmetric), but write it safely.
  if (x == INT32_MIN) return "(-2147483647 - 1)";
  return std::to_string(x);
}
/// An int8 constant.
inline std::string c_value(std::int8_t x, const std::string& /*what*/) {
  return std::to_string(int(x));
}

/// `static const <type> <name>[count] = {...};`, a few values per line.
template <typename T>
void write_c_array(std::ostringstream& out, const std::string& type, const std::string& name,
                   const std::vector<T>& values, const std::string& what) {
  const std::size_t per_line = sizeof(T) == 4 && type == "float" ? 6 : 12;
  out << "static const " << type << ' ' << name << '[' << values.size() << "] = {";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i % per_line == 0) out << "\n   ";
    out << ' ' << c_value(values[i], what) << (i + 1 < values.size() ? "," : "");
  }
  out << "\n};\n";
}

}  // namespace hnn

// SPDX-License-Identifier: MIT
#pragma once
// Errors are exceptions with a message that says what was wrong and where,
// in release builds too. All derive from hnn::Error, so `catch (const
// hnn::Error&)` catches every failure the library reports.

#include <stdexcept>
#include <string>

namespace hnn {

/// The base of every exception hnn throws.
class Error : public std::runtime_error {
 public:
  /// An error with the message `what`.
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

/// Operands whose shapes do not fit.
// The message names the layer (or function) and both shapes.
class ShapeError : public Error {
 public:
  /// Constructed from the message, like Error.
  using Error::Error;
};

/// An invalid argument or hyper-parameter: the message names the parameter.
class ArgumentError : public Error {
 public:
  /// Constructed from the message, like Error.
  using Error::Error;
};

/// A file that cannot be read, or whose content is corrupt or truncated.
// The message names the file and what was wrong.
class FileError : public Error {
 public:
  /// Constructed from the message, like Error.
  using Error::Error;
};

/// A NaN or infinity where a finite number was needed (a diverging loss).
class NumericError : public Error {
 public:
  /// Constructed from the message, like Error.
  using Error::Error;
};

}  // namespace hnn

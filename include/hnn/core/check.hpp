// SPDX-License-Identifier: MIT
#pragma once
// Checks of a hyper-parameter where it enters the library: a learning rate,
// a decay, an ε, a threshold. Each throws an ArgumentError that names who
// takes the value, which value, the rule and what it got:
//
//   "Adam: eps must be a finite number > 0, got 0"
//
// Every rule includes "finite": an infinite learning rate or weight decay
// turns every weight into inf or NaN in one step, and NaN fails every
// comparison, so a plain `lr >= 0` would let the first pass and only a
// `!(lr >= 0)` catches the second. The value is printed with as many digits
// as it needs to be read back exactly.

#include <cmath>
#include <string>

#include "hnn/core/error.hpp"
#include "hnn/core/exact_number.hpp"

namespace hnn {

namespace detail {
[[noreturn]] inline void bad_number(const std::string& who, const std::string& what,
                                    const std::string& rule, double value) {
  throw ArgumentError(who + ": " + what + " must be a finite number " + rule + ", got " +
                      exact_number(value));
}
}  // namespace detail

/// ArgumentError unless value ≥ lo, and finite.
inline void check_at_least(const std::string& who, const std::string& what, double value,
                           double lo) {
  if (!(std::isfinite(value) && value >= lo))
    detail::bad_number(who, what, ">= " + exact_number(lo), value);
}

/// ArgumentError unless value > lo, and finite.
inline void check_above(const std::string& who, const std::string& what, double value, double lo) {
  if (!(std::isfinite(value) && value > lo))
    detail::bad_number(who, what, "> " + exact_number(lo), value);
}

/// ArgumentError unless lo ≤ value < hi.
inline void check_half_open(const std::string& who, const std::string& what, double value,
                            double lo, double hi) {
  if (!(value >= lo && value < hi)) {
    detail::bad_number(who, what, "in [" + exact_number(lo) + ", " + exact_number(hi) + ")", value);
  }
}

/// ArgumentError unless lo ≤ value ≤ hi.
inline void check_closed(const std::string& who, const std::string& what, double value, double lo,
                         double hi) {
  if (!(value >= lo && value <= hi)) {
    detail::bad_number(who, what, "in [" + exact_number(lo) + ", " + exact_number(hi) + "]", value);
  }
}

}  // namespace hnn

// SPDX-License-Identifier: MIT
#pragma once
// A number as text that reads back as the same double: what an error message
// needs when it says two values differ (a setting, a hyper-parameter). Six
// digits print 0.2 and 0.20000000000000004 alike; this prints each with as
// few digits as tell it apart from its neighbours.

#include <cmath>
#include <limits>
#include <locale>
#include <sstream>
#include <string>

namespace hnn {

/// The shortest decimal text that reads back as exactly `v`.
// 0.2, not 0.20000000000000001; 0.20000000000000004 where it differs from 0.2.
// Written and read back in the classic "C" locale, whatever the program's.
inline std::string exact_number(double v) {
  std::ostringstream s;
  s.imbue(std::locale::classic());
  if (v == std::floor(v) && std::fabs(v) < 1e15) {  // a whole number: all its digits
    s << static_cast<long long>(v);
    return s.str();
  }
  for (int digits = 6; digits <= std::numeric_limits<double>::max_digits10; ++digits) {
    s.str("");
    s.precision(digits);
    s << v;
    if (!std::isfinite(v)) break;
    std::istringstream in(s.str());
    in.imbue(std::locale::classic());
    double back = 0;
    in >> back;
    if (back == v) break;
  }
  return s.str();
}

}  // namespace hnn

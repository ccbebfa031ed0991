// SPDX-License-Identifier: MIT
#pragma once
// Deprecated: FlushToZero moved to hnn/perf/flush_to_zero.hpp (hnn 0.2); this
// header only includes it, so code that includes core/ftz.hpp keeps compiling.

#include "hnn/perf/flush_to_zero.hpp"

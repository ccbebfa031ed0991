// SPDX-License-Identifier: MIT
// The doctest runner for every test file in tests/.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

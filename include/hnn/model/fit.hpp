// SPDX-License-Identifier: MIT
#pragma once
// Deprecated (hnn 0.2): the training loop is model/train.hpp; this header
// only includes it.

#include "hnn/model/train.hpp"

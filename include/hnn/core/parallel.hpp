// SPDX-License-Identifier: MIT
#pragma once
// Deprecated (hnn 0.2): the thread machinery moved to hnn/perf/threads.hpp and
// the products to hnn/perf/products.hpp, where product(dst, A, B, accumulate)
// became the named verbs set_product(dst, A, B) (dst = A B) and
// add_product(dst, A, B) (dst += A B). This header includes both and keeps
// the old product() as a thin shim.

#include "hnn/perf/products.hpp"
#include "hnn/perf/threads.hpp"

namespace hnn {

/// dst = A B, or dst += A B with `accumulate`; with `alpha`, dst (+)= alpha A B.
template <typename Dst, typename Lhs, typename Rhs>
[[deprecated("use set_product, add_product or add_scaled_product (hnn/perf/products.hpp)")]] int
product(Dst&& dst, const Lhs& A, const Rhs& B, bool accumulate = false,
        typename std::decay_t<Dst>::Scalar alpha = 1) {
  using S = typename std::decay_t<Dst>::Scalar;
  if (accumulate) return add_scaled_product(dst, alpha, A, B);
  return detail::product<detail::Write::set>(dst, A, B, S(alpha));
}

}  // namespace hnn

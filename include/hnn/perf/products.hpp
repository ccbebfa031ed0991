// SPDX-License-Identifier: MIT
#pragma once
// Matrix products, one named verb per equation:
//
//   set_product(dst, A, B)                dst  = A B
//   add_product(dst, A, B)                dst += A B
//   add_scaled_product(dst, alpha, A, B)  dst += alpha A B
//
// dst must not alias A or B (the products write in place, Eigen's
// noalias()). Each returns over how many threads dst's columns were split
// (1: not split), which a gradient records so that later work on the same
// tensor runs on the same threads (perf/lazy_gradient.hpp).
//
// How they compute (docs/14-performance.md measures each choice):
// - one thread: Eigen's product, with Eigen's own threading off; a product of
//   depth 1 (one sample's dW = dz xᵀ) as an outer product, which Eigen's
//   general product handles at a fraction of the speed of its outer-product
//   loop;
// - large products (perf/threads.hpp: product_threads): each thread computes
//   a block of dst's columns, A times the matching columns of B, with Eigen's
//   single-threaded product.

#include <type_traits>

#include "hnn/core/types.hpp"
#include "hnn/perf/threads.hpp"

namespace hnn {

namespace detail {

enum class Write { set, add };

template <Write write, typename Dst, typename Lhs, typename Rhs, typename S>
int product(Dst& dst, const Lhs& A, const Rhs& B, S alpha) {
  const int threads = product_threads(A.rows(), A.cols(), B.cols());
  if (threads <= 1) {
    EigenSingleThread single;
    if (A.cols() == 1) {  // outer product a bᵀ (alpha on b: Eigen reads b one by one)
      if constexpr (write == Write::add) {
        dst.noalias() += A.col(0) * (alpha * B.row(0));
      } else {
        dst.noalias() = A.col(0) * (alpha * B.row(0));
      }
    } else if constexpr (write == Write::add) {
      dst.noalias() += alpha * A * B;
    } else {
      dst.noalias() = alpha * A * B;
    }
    return 1;
  }
  // Inside the region Eigen sees omp_get_num_threads() > 1 and stays on one thread.
  parallel_column_blocks(1, dst.cols(), threads, [&](Index begin, Index end) {
    auto d = dst.middleCols(begin, end - begin);
    if constexpr (write == Write::add) {
      d.noalias() += alpha * A * B.middleCols(begin, end - begin);
    } else {
      d.noalias() = alpha * A * B.middleCols(begin, end - begin);
    }
  });
  return threads;
}

// Only Eigen matrices and views of them are written by the verbs below (a
// LazyGradient has its own add_product: perf/lazy_gradient.hpp).
template <typename Dst>
using if_eigen_matrix =
    std::enable_if_t<std::is_base_of_v<Eigen::EigenBase<std::decay_t<Dst>>, std::decay_t<Dst>>>;

}  // namespace detail

/// dst = A B; returns the threads it was split over.
// dst = A B
template <typename Dst, typename Lhs, typename Rhs, typename = detail::if_eigen_matrix<Dst>>
int set_product(Dst&& dst, const Lhs& A, const Rhs& B) {
  using S = typename std::decay_t<Dst>::Scalar;
  return detail::product<detail::Write::set>(dst, A, B, S(1));
}

/// dst += A B; returns the threads it was split over.
// dst += A B
template <typename Dst, typename Lhs, typename Rhs, typename = detail::if_eigen_matrix<Dst>>
int add_product(Dst&& dst, const Lhs& A, const Rhs& B) {
  using S = typename std::decay_t<Dst>::Scalar;
  return detail::product<detail::Write::add>(dst, A, B, S(1));
}

/// dst += alpha A B; returns the threads it was split over.
// dst += alpha A B
template <typename Dst, typename Lhs, typename Rhs, typename = detail::if_eigen_matrix<Dst>>
int add_scaled_product(Dst&& dst, typename std::decay_t<Dst>::Scalar alpha, const Lhs& A,
                       const Rhs& B) {
  return detail::product<detail::Write::add>(dst, A, B, alpha);
}

}  // namespace hnn

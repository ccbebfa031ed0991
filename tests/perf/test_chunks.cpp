// SPDX-License-Identifier: MIT
// Chunks of a batch (perf/chunks.hpp): the rule for their size and the loop over them.

#include <doctest/doctest.h>

#include <utility>
#include <vector>

#include "hnn/perf/chunks.hpp"

using hnn::Index;

TEST_CASE("samples_per_chunk: as many as fit the budget, at least one per thread, at most n") {
  const Index budget = hnn::ChunkBudget::bytes, threads = hnn::max_threads();
  CHECK(hnn::samples_per_chunk(budget / 4, 100) == std::max<Index>(4, threads));
  CHECK(hnn::samples_per_chunk(budget / 4, 3) == 3);  // never more than the batch
  CHECK(hnn::samples_per_chunk(10 * budget, 100) == threads);
  CHECK(hnn::samples_per_chunk(1, 1) == 1);
  CHECK(hnn::samples_per_chunk(0, 7) == 7);  // no intermediate: one chunk
}

TEST_CASE("for_each_chunk covers the batch in order, the last chunk partial") {
  std::vector<std::pair<Index, Index>> seen;
  hnn::for_each_chunk(10, 4, [&](Index first, Index count) { seen.emplace_back(first, count); });
  const std::vector<std::pair<Index, Index>> expected{{0, 4}, {4, 4}, {8, 2}};
  CHECK(seen == expected);
  seen.clear();
  hnn::for_each_chunk(3, 8, [&](Index first, Index count) { seen.emplace_back(first, count); });
  CHECK(seen == std::vector<std::pair<Index, Index>>{{0, 3}});
}

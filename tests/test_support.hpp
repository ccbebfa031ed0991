// SPDX-License-Identifier: MIT
#pragma once
// Helpers shared by the tests.

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "heap_watch.hpp"
#include "hnn/hnn.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace hnn_test {

// The checkout's root folder, where the fixtures and data files are
// (tests/source_dir.cpp).
std::string source_dir();

// A random (rows × cols) matrix whose entries are at least `gap` away from 0:
// for functions with a kink at 0 (ReLU, LeakyReLU, ELU, SELU, |x|), where
// finite differences across the kink are meaningless.
inline hnn::Matrix<double> away_from_zero(hnn::Index rows, hnn::Index cols, std::uint64_t seed,
                                          double gap = 0.1, double spread = 2.0) {
  hnn::Random rng(seed);
  hnn::Matrix<double> m(rows, cols);
  for (hnn::Index j = 0; j < cols; ++j)
    for (hnn::Index i = 0; i < rows; ++i) {
      const double u = rng.uniform(-spread, spread);
      m(i, j) = u < 0 ? u - gap : u + gap;
    }
  return m;
}

// A (rows × cols) float matrix of numbers uniform in [lo, hi), from `seed`.
inline hnn::Matrix<float> uniform(hnn::Index rows, hnn::Index cols, std::uint64_t seed,
                                  double lo = -1, double hi = 1) {
  hnn::Random rng(seed);
  hnn::Matrix<float> m(rows, cols);
  rng.fill_uniform(m, lo, hi);
  return m;
}

// fit's options for `epochs` epochs of batches of `batch`, printing nothing.
inline hnn::FitOptions<float> quiet(int epochs, hnn::Index batch) {
  hnn::FitOptions<float> o;
  o.epochs = epochs;
  o.batch_size = batch;
  o.verbosity = hnn::Verbosity::quiet;
  return o;
}

// While it exists, OpenMP's thread count is n (as it was before, after);
// nothing without OpenMP.
class OmpThreads {
 public:
  explicit OmpThreads(int n) {
#if defined(_OPENMP)
    before_ = omp_get_max_threads();
    omp_set_num_threads(n);
#else
    (void)n;
#endif
  }
  ~OmpThreads() {
#if defined(_OPENMP)
    omp_set_num_threads(before_);
#endif
  }
  OmpThreads(const OmpThreads&) = delete;
  OmpThreads& operator=(const OmpThreads&) = delete;

 private:
#if defined(_OPENMP)
  int before_ = 1;
#endif
};

// Runs `f` and checks that it throws E with a message containing `needle`.
template <typename E, typename F>
void check_throws_with(F&& f, const std::string& needle) {
  bool thrown = false;
  try {
    f();
  } catch (const E& e) {
    thrown = true;
    const std::string what = e.what();
    INFO("message: " << what);
    CHECK(what.find(needle) != std::string::npos);
  }
  CHECK_MESSAGE(thrown, "expected an exception containing \"" << needle << "\"");
}

using Bytes = std::vector<unsigned char>;

// A fresh folder under the system's temporary folder, with an optional
// sub-folder `leaf` (created too: some loaders look at the folder's name);
// removed with everything in it when the test ends.
class TempDir {
 public:
  explicit TempDir(const std::string& leaf = "") {
    namespace fs = std::filesystem;
    std::random_device rd;
    for (int attempt = 0;; ++attempt) {
      root_ = fs::temp_directory_path() /
              ("hnn-test-" + std::to_string(rd()) + "-" + std::to_string(rd()));
      if (fs::create_directory(root_)) break;
      REQUIRE(attempt < 100);
    }
    path_ = leaf.empty() ? root_ : root_ / leaf;
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& folder() const { return path_; }
  std::string path() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path root_, path_;
};

// Writes `bytes` to `path` (replacing it), or fails the test.
inline void write_bytes(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  REQUIRE(out.good());
}

// The whole content of the file at `path` (empty if it cannot be read).
inline Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

// Appends v as a 32-bit big-endian integer (IDX sizes and magic numbers).
inline void put_be32(Bytes& b, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    b.push_back(static_cast<unsigned char>((v >> shift) & 0xFF));
}

// An IDX labels file (magic 0x00000801, the count, one byte per label).
inline Bytes idx_labels(const std::vector<unsigned char>& values) {
  Bytes b;
  put_be32(b, 0x00000801);
  put_be32(b, std::uint32_t(values.size()));
  b.insert(b.end(), values.begin(), values.end());
  return b;
}

// The path of a data file committed in tests/data/files/.
inline std::string data_file(const std::string& name) {
  return source_dir() + "/tests/data/files/" + name;
}

// Runs `f` and checks that it throws a FileError whose message contains `needle`.
template <typename F>
void check_file_error(F&& f, const std::string& needle) {
  check_throws_with<hnn::FileError>(std::forward<F>(f), needle);
}

}  // namespace hnn_test

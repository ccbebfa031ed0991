// SPDX-License-Identifier: MIT
// The code of docs/13-saving-models.md: the bytes of a model file, what
// load_model and load_weights refuse (each file corrupted on purpose, in a
// folder of its own), the atomic write, a file of version 1, a custom layer
// saved and loaded through a LayerRegistry, and a training run interrupted
// and resumed from a checkpoint.

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
#include "snippet_support.hpp"

using hnn_docs::error_of;
using hnn_docs::show;

using hnn::Index;
using hnn::Matrix;
using Bytes = std::vector<unsigned char>;
namespace fs = std::filesystem;

namespace {

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
  CHECK(le(b, 8, 4) == 2);                           // bytes 8–11: version 2
  CHECK(b[12] == 4);                                 // byte 12: float
  CHECK(le(b, 13, 4) == 1);                          // bytes 13–16: the input's rank, 1,
  CHECK(le(b, 17, 8) == 2);                          // bytes 17–24: of 2 values
  CHECK(le(b, 25, 4) == 3);                          // bytes 25–28: 3 layers
  CHECK(le(b, 29, 4) == 5);                          // the first layer's type name: 5 bytes,
  CHECK(std::string(b.begin() + 33, b.begin() + 38) == "Dense");  // "Dense"
  CHECK(le(b, 38, 4) == 2);                                       // 2 settings; the first,
  CHECK(le(b, 42, 4) == 2);                                       // a name of 2 bytes,
  CHECK(std::string(b.begin() + 46, b.begin() + 48) == "in");     // "in",
  CHECK(b[48] == 0);                                              // a number (kind 0):
  const std::uint64_t bits = le(b, 49, 8);                        // bytes 49–56: the f64 value
  double in = 0;
  std::memcpy(&in, &bits, 8);
  CHECK(in == 2.0);

  // The size, field by field.
  const std::size_t header = 8 + 4 + 1 + (4 + 8) + 4;     // … rank and one u64 dimension …
  const auto text = [](std::size_t n) { return 4 + n; };  // u32 length, then the bytes
  const auto number = [&](std::size_t name) { return text(name) + 1 + 8; };  // kind 0, f64
  const auto tensor = [&](std::size_t name, std::size_t values) {
    return text(name) + 8 + 8 + 4 * values;  // name, rows, cols, the floats
  };
  const std::size_t counts = 4 + 4 + 4;  // u32 settings, parameters, buffers
  const std::size_t dense_2_3 = text(5) + counts + number(2) + number(3)  // "Dense", in, out
                                + tensor(1, 6) + tensor(1, 3);            // W (3 × 2), b (3 × 1)
  const std::size_t relu = text(4) + counts;  // no settings, parameters or buffers
  const std::size_t dense_3_1 = text(5) + counts + number(2) + number(3)  //
                                + tensor(1, 3) + tensor(1, 1);            // W (1 × 3), b (1 × 1)
  const std::size_t training_flag = 1, checksum = 8;
  CHECK(b.size() == header + dense_2_3 + relu + dense_3_1 + training_flag + checksum);
  CHECK(b.size() == 298);
  CHECK(b[b.size() - 9] == 0);  // no training state: a model, not a checkpoint
  show("small.hnn: " + std::to_string(b.size()) + " bytes");

  // The last 8 bytes: the FNV-1a checksum of all the others.
  CHECK(le(b, b.size() - 8, 8) == hnn::io::fnv1a(b.data(), b.size() - 8));

  // The MNIST network of chapter 12, by the same sum: an input of rank 3,
  // a Flatten, three Dense layers and two ReLUs around 235,146 floats.
  hnn::Random rng(42);
  hnn::Sequential<float> mnist(hnn::Shape{1, 28, 28});
  mnist.add(hnn::Flatten<float>())
      .add(hnn::Dense<float>(784, 256, rng))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::Dense<float>(256, 128, rng))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::Dense<float>(128, 10, rng));
  hnn::save_model(mnist, dir.file("mnist.hnn"));
  const std::size_t mnist_header = 8 + 4 + 1 + (4 + 3 * 8) + 4;
  const std::size_t flatten = text(7) + counts;
  const std::size_t dense = text(5) + counts + number(2) + number(3)  //
                            + tensor(1, 0) + tensor(1, 0);  // W and b without their values
  const std::size_t overhead = mnist_header + flatten + 3 * dense + 2 * relu + 1 + 8;
  CHECK(overhead == 399);
  CHECK(fs::file_size(dir.file("mnist.hnn")) == overhead + 4 * 235146);  // 940,983 bytes
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
  b[8] = 4;  // version 4, from a later hnn
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
  CHECK(messages[1].find("format version 4; this hnn reads versions 1 to 3") != std::string::npos);
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

  // One more entry: the type name, how to build the layer from its settings,
  // and how many values a layer of those settings holds.
  auto registry = hnn::LayerRegistry<float>::builtin();
  registry.add(
      "Scale",
      [](const hnn::Settings& s) {
        return std::make_unique<Scale<float>>(Index(hnn::setting(s, "features")));
      },
      [](const hnn::Settings& s) { return hnn::setting(s, "features"); });  // the values of s
  auto loaded = hnn::load_model<float>(dir.file("custom.hnn"), registry);

  CHECK(loaded.layer(0).describe() == "Scale(features=2)");
  CHECK(loaded.parameters()[0].value()(1, 0) == -2.0f);  // the file's s, not the constructor's 1
  Matrix<float> X(2, 5);
  rng.fill_normal(X, 0.0, 1.0);
  CHECK(loaded.predict(X) == model.predict(X));
}

TEST_CASE("docs: a model file of version 1 still loads") {
  // Written by hnn 0.1.0 (tests/fixtures/model_v1/README.md has the program):
  // a u64 input size where version 2 has the shape, settings that are all
  // numbers, no buffers, no training-state flag.
  const std::string path = hnn_test::source_dir() + "/tests/fixtures/model_v1/model_v1_float.hnn";
  const Bytes b = read_bytes(path);
  CHECK(le(b, 8, 4) == 1);   // version 1
  CHECK(le(b, 13, 8) == 3);  // bytes 13–20: the input size, 3

  auto model = hnn::load_model<float>(path);
  CHECK(model.input_shape() == hnn::Shape{3});  // read as a vector of 3 values
  Matrix<float> X(3, 4);
  X << 0.5f, -1, 2, 0,         // the input of model_v1_float.txt
      1.5f, 0.25f, -0.75f, 1,  //
      -2, 0.5f, 1, -0.5f;
  const Matrix<float> P = model.predict(X);
  CHECK(P(0, 0) == doctest::Approx(0.097777895629405975).epsilon(1e-6));  // as 0.1.0 predicted
  CHECK(P(1, 3) == doctest::Approx(0.88785767555236816).epsilon(1e-6));
  show(model.summary());
}

namespace {

// Thrown by the callback below, as if the process were killed.
struct Interrupted {};

// The run of the checkpoint test: data, model, optimizer and options built
// the same way every time, as a program started again would build them.
struct Run {
  Matrix<float> X;
  hnn::Labels y;
  hnn::Sequential<float> model = small_classifier();
  hnn::Adam<float> adam{0.01};
  hnn::FitOptions<float> options;

  Run(const std::string& checkpoint, int interrupt_at) : X(2, 200), y(200) {
    hnn::Random rng(7);
    rng.fill_normal(X, 0.0, 1.0);
    for (Index j = 0; j < 200; ++j)
      y(j) = X(0, j) * X(1, j) > 0 ? 1 : 0;  // two opposite quadrants against the others
    options.epochs = 8;
    options.batch_size = 16;  // shuffled: the order generator matters
    options.seed = 3;
    options.verbosity = hnn::Verbosity::quiet;
    options.callbacks = {
        std::make_shared<hnn::LearningRateScheduler<float>>(hnn::Schedule::cosine(8)),
        hnn::resumable_checkpoint<float>(checkpoint),  // after every epoch
        std::make_shared<hnn::EpochCallback<float>>([interrupt_at](hnn::TrainingState<float>& s) {
          if (s.epoch == interrupt_at) throw Interrupted{};  // before its checkpoint
        })};
  }
  static hnn::Sequential<float> small_classifier() {
    hnn::Random rng(11);
    hnn::Sequential<float> m(2);
    m.add(hnn::Dense<float>(2, 16, rng)).add(hnn::Activation<float, hnn::Tanh>());
    m.add(hnn::Dense<float>(16, 2, rng));
    return m;
  }
};

}  // namespace

TEST_CASE("docs: a run resumed from a checkpoint is the run uninterrupted") {
  TempDir dir;
  hnn::SoftmaxCrossEntropy<float> loss;

  // The whole run, 8 epochs without interruption.
  Run whole(dir.file("whole.ckpt"), -1);
  const hnn::History expected = whole.model.fit(whole.X, whole.y, loss, whole.adam, whole.options);

  // The same run, killed at the end of epoch 6 (index 5): its last
  // checkpoint was written after epoch 5.
  {
    Run first(dir.file("run.ckpt"), 5);
    CHECK_THROWS_AS(first.model.fit(first.X, first.y, loss, first.adam, first.options),
                    Interrupted);
  }

  // A new start: everything built again as before, then the checkpoint.
  Run again(dir.file("run.ckpt"), -1);
  const hnn::TrainingPosition<float> position =
      hnn::load_checkpoint(dir.file("run.ckpt"), again.model, again.adam);
  CHECK(position.epochs_done == 5);
  again.options.resume_from = &position;  // epochs 6, 7 and 8
  const hnn::History resumed = again.model.fit(again.X, again.y, loss, again.adam, again.options);

  // Bit for bit: the weights, the optimizer's state and the history.
  auto p = again.model.parameters(), q = whole.model.parameters();
  for (std::size_t k = 0; k < p.size(); ++k)
    CHECK(p[k].value() == q[k].value());
  CHECK(again.adam.steps() == whole.adam.steps());
  CHECK(again.adam.learning_rate() == whole.adam.learning_rate());
  CHECK(resumed["loss"] == expected["loss"]);
  CHECK(resumed["lr"] == expected["lr"]);
  CHECK(again.model.predict(again.X) == whole.model.predict(whole.X));

  // A checkpoint is a model file too.
  auto model = hnn::load_model<float>(dir.file("run.ckpt"));
  CHECK(model.predict(again.X) == again.model.predict(again.X));
  show("loss per epoch, resumed: " + std::to_string(resumed["loss"].front()) + " … " +
       std::to_string(resumed["loss"].back()) + " over " + std::to_string(resumed["loss"].size()) +
       " epochs");
}

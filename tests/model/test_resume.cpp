// SPDX-License-Identifier: MIT
// Checkpoints that resume exactly (io/checkpoint.hpp: resumable_checkpoint,
// load_checkpoint; model/train.hpp: FitOptions::resume_from;
// model/callbacks.hpp: save_state/load_state of EarlyStopping and
// LearningRateScheduler): a run of E epochs and the same run interrupted
// after k epochs and resumed, in a fresh model and optimizer, from its
// checkpoint end with bit-identical weights, buffers, optimizer state and
// History ("seconds" aside) — with Adam and SGD with momentum, shuffling,
// validation, a step schedule, early stopping, and a layer that draws random
// numbers (tests/model/test_layers_with_state.hpp). And the errors:
// load_checkpoint on a plain model file, on another architecture, into
// another optimizer, on a corrupt or truncated file (a FileError naming the
// file, model and optimizer unchanged); resume_from past the end.

#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hnn/hnn.hpp"
#include "model/test_layers_with_state.hpp"
#include "test_support.hpp"

// Everything in a namespace of this file's own: the suite compiles test files
// together (tests/CMakeLists.txt), where a plain anonymous namespace is shared.
namespace resume_tests {

using hnn::Index;
using hnn::Matrix;
using hnn_test::check_throws_with;
using hnn_test::TempDir;

using hnn_test::uniform;

namespace {

enum class Opt { adam, sgd_momentum, sgd };

// One training run's set-up: everything but where it is interrupted.
struct Setup {
  std::string name;
  Opt optimizer = Opt::adam;
  double learning_rate = 0.01;
  bool shuffle = true;
  bool validation = false;
  bool schedule = false;          // LearningRateScheduler(step(2, 0.5))
  int patience = -1;              // EarlyStopping(patience), restoring the best weights; −1: none
  bool dropout = false;           // a MaskDropout layer
  bool augment = false;           // FitOptions::augment: noise added to every batch
  bool stop_by_callback = false;  // interrupt with state.stop (else with epochs = k)
  int epochs = 6;
  int interrupt_after = 3;  // k
};

// Centre(3) → Dense(3 → 6) → Tanh → [MaskDropout(0.3)] → Dense(6 → 2): a
// buffer, parameters, and (optionally) draws.
hnn::Sequential<float> build_model(const Setup& s) {
  hnn::Random rng(5);
  hnn::Sequential<float> m(3);
  m.add(hnn_test::Centre<float>(3, 0.5))
      .add(hnn::Dense<float>(3, 6, rng))
      .add(hnn::Activation<float, hnn::Tanh>());
  if (s.dropout) m.add(hnn_test::MaskDropout<float>(0.3));
  m.add(hnn::Dense<float>(6, 2, rng));
  return m;
}

std::unique_ptr<hnn::Optimizer<float>> build_optimizer(const Setup& s) {
  if (s.optimizer == Opt::adam) return std::make_unique<hnn::Adam<float>>(s.learning_rate);
  hnn::SGDOptions o;
  o.learning_rate = s.learning_rate;
  if (s.optimizer == Opt::sgd_momentum) o.momentum = 0.9;
  return std::make_unique<hnn::SGD<float>>(o);
}

// Sets state.stop once `epochs` epochs are done.
struct StopAfter : hnn::Callback<float> {
  int epochs;
  explicit StopAfter(int n) : epochs(n) {}
  void on_epoch_end(hnn::TrainingState<float>& s) override {
    if (s.epoch + 1 == epochs) {
      s.stop = true;
      s.stop_reason = "interrupted";
    }
  }
};

// What a run ends with.
struct Outcome {
  std::vector<Matrix<float>> parameters, buffers;
  hnn::OptimizerState<float> optimizer;
  hnn::History history;
};

Outcome outcome_of(hnn::Sequential<float>& model, hnn::Optimizer<float>& opt,
                   const hnn::History& h) {
  Outcome o;
  for (auto& p : model.parameters())
    o.parameters.emplace_back(p.value());
  for (auto& b : model.buffers())
    o.buffers.emplace_back(b.value());
  o.optimizer = opt.state();
  o.history = h;
  return o;
}

enum class Part { whole, first, rest };

// The run of `s`: whole (E epochs), its first part (interrupted after k,
// writing checkpoints to `path`), or the rest (a fresh model and optimizer
// resumed from the checkpoint at `path`).
// `tamper`, if given, changes the loaded position before the rest runs.
Outcome run(const Setup& s, Part part, const std::string& path,
            const std::function<void(hnn::TrainingPosition<float>&)>& tamper = {}) {
  static const hnn_test::HalfwayData data;
  auto model = build_model(s);
  auto opt = build_optimizer(s);
  hnn::FitOptions<float> o;
  o.epochs = s.epochs;
  o.batch_size = 10;  // 48 samples: 10, 10, 10, 10, 8
  o.shuffle = s.shuffle;
  o.seed = 3;
  o.verbosity = hnn::Verbosity::quiet;
  if (s.validation || s.patience >= 0) o.validate_on(data.X, data.T_val);
  if (s.augment) {
    o.augment = [](hnn::MutRef<float> Xb, hnn::Random& rng) {
      for (Index j = 0; j < Xb.cols(); ++j)
        for (Index i = 0; i < Xb.rows(); ++i)
          Xb(i, j) += float(rng.uniform(-0.1, 0.1));
    };
  }
  if (s.schedule) {
    o.callbacks.push_back(
        std::make_shared<hnn::LearningRateScheduler<float>>(hnn::Schedule::step(2, 0.5)));
  }
  std::shared_ptr<hnn::EarlyStopping<float>> stopper;
  if (s.patience >= 0) {
    stopper = std::make_shared<hnn::EarlyStopping<float>>(s.patience);
    o.callbacks.push_back(stopper);
  }
  // The rest writes its checkpoints elsewhere, keeping the one it resumed from.
  o.callbacks.push_back(
      hnn::resumable_checkpoint<float>(part == Part::rest ? path + ".next" : path));
  hnn::TrainingPosition<float> position;
  if (part == Part::first) {
    if (s.stop_by_callback) {
      o.callbacks.push_back(std::make_shared<StopAfter>(s.interrupt_after));
    } else {
      o.epochs = s.interrupt_after;
    }
  } else if (part == Part::rest) {
    position = hnn::load_checkpoint(path, model, *opt);
    REQUIRE(position.epochs_done == s.interrupt_after);
    if (tamper) tamper(position);
    o.resume_from = &position;
  }
  const auto h = model.fit(data.X, data.T, hnn::MSE<float>(), *opt, o);
  Outcome out = outcome_of(model, *opt, h);
  if (stopper) out.history.record("best_epoch", stopper->best_epoch());
  return out;
}

// Bit for bit, the History's "seconds" aside.
void check_same(const Outcome& a, const Outcome& b) {
  REQUIRE(a.parameters.size() == b.parameters.size());
  for (std::size_t k = 0; k < a.parameters.size(); ++k) {
    INFO("parameter " << k);
    CHECK(a.parameters[k] == b.parameters[k]);
  }
  REQUIRE(a.buffers.size() == b.buffers.size());
  for (std::size_t k = 0; k < a.buffers.size(); ++k) {
    INFO("buffer " << k);
    CHECK(a.buffers[k] == b.buffers[k]);
  }
  CHECK(a.optimizer.optimizer == b.optimizer.optimizer);
  CHECK(a.optimizer.steps == b.optimizer.steps);
  CHECK(a.optimizer.learning_rate == b.optimizer.learning_rate);
  REQUIRE(a.optimizer.tensors.size() == b.optimizer.tensors.size());
  for (std::size_t i = 0; i < a.optimizer.tensors.size(); ++i) {
    const auto& ka = a.optimizer.tensors[i];
    const auto& kb = b.optimizer.tensors[i];
    INFO("optimizer state " << ka.first);
    CHECK(ka.first == kb.first);
    REQUIRE(ka.second.size() == kb.second.size());
    for (std::size_t k = 0; k < ka.second.size(); ++k)
      CHECK(ka.second[k] == kb.second[k]);
  }
  CHECK(a.history.names() == b.history.names());
  for (const auto& name : a.history.names()) {
    INFO("history series " << name);
    REQUIRE(b.history.has(name));
    if (name == "seconds") {
      CHECK(a.history[name].size() == b.history[name].size());
    } else {
      CHECK(a.history[name] == b.history[name]);
    }
  }
}

// The whole run, and the same run interrupted and resumed.
void check_resumes_exactly(const Setup& s) {
  INFO(s.name);
  TempDir dir;
  const Outcome whole = run(s, Part::whole, dir.file("whole.ckpt"));
  const Outcome first = run(s, Part::first, dir.file("run.ckpt"));
  REQUIRE(first.history.epochs() == std::size_t(s.interrupt_after));
  const Outcome rest = run(s, Part::rest, dir.file("run.ckpt"));
  check_same(whole, rest);
  // The interruption really cut the run: the first part ended elsewhere
  // (with early stopping, both may end restoring the same best weights).
  if (s.patience < 0) CHECK(first.parameters.back() != whole.parameters.back());
  CHECK(first.optimizer.steps < whole.optimizer.steps);
}

}  // namespace

TEST_CASE("resume: Adam's moments, shuffled batches and a validation set continue exactly") {
  Setup s;
  s.name = "Adam, shuffled, validation";
  s.validation = true;
  check_resumes_exactly(s);
  s.name = "Adam, shuffled, validation, interrupted by a callback";
  s.stop_by_callback = true;
  check_resumes_exactly(s);
}

TEST_CASE("resume: SGD with momentum and a step schedule continue exactly") {
  Setup s;
  s.name = "SGD momentum, step schedule, shuffled";
  s.optimizer = Opt::sgd_momentum;
  s.learning_rate = 0.02;
  s.schedule = true;
  s.interrupt_after = 3;  // inside a step of the schedule
  check_resumes_exactly(s);
  s.name = "plain SGD, in order";
  s.optimizer = Opt::sgd;
  s.schedule = false;
  s.shuffle = false;
  check_resumes_exactly(s);
}

TEST_CASE("resume: a layer's draws continue from the loop's generator") {
  Setup s;
  s.name = "dropout, shuffled";
  s.dropout = true;
  check_resumes_exactly(s);
  s.name = "dropout, in order";
  s.shuffle = false;
  check_resumes_exactly(s);
}

TEST_CASE("resume: the augmentation's draws continue (its generator is seeded per epoch)") {
  Setup s;
  s.name = "augmented, shuffled";
  s.augment = true;
  check_resumes_exactly(s);
  s.name = "augmented, in order";
  s.shuffle = false;
  check_resumes_exactly(s);
}

TEST_CASE("resume: early stopping keeps its patience count and best weights across the break") {
  Setup s;
  s.optimizer = Opt::sgd;
  s.patience = 3;
  s.epochs = 60;

  // The best epoch before the interruption: the run stops, and restores the
  // best weights, after the break (the best weights come from the checkpoint).
  s.name = "early stopping, best epoch before the break";
  s.learning_rate = 0.05;
  s.interrupt_after = 2;
  TempDir dir;
  const Outcome whole = run(s, Part::whole, dir.file("w.ckpt"));
  REQUIRE(whole.history["best_epoch"][0] < s.interrupt_after);
  REQUIRE(whole.history.epochs() > std::size_t(s.interrupt_after));
  REQUIRE(whole.history.epochs() < std::size_t(s.epochs));
  check_resumes_exactly(s);

  // The best epoch after the interruption.
  s.name = "early stopping, best epoch after the break";
  s.learning_rate = 0.005;
  s.interrupt_after = 5;
  const Outcome later = run(s, Part::whole, dir.file("l.ckpt"));
  REQUIRE(later.history["best_epoch"][0] > s.interrupt_after);
  REQUIRE(later.history.epochs() < std::size_t(s.epochs));
  check_resumes_exactly(s);

  // Everything at once.
  s.name = "Adam, early stopping, schedule, dropout, shuffled";
  s.optimizer = Opt::adam;
  s.learning_rate = 0.01;
  s.schedule = true;
  s.dropout = true;
  s.patience = 2;
  s.epochs = 12;
  s.interrupt_after = 4;
  check_resumes_exactly(s);
}

TEST_CASE("resume: from the checkpoint of the epoch in which early stopping ended the run") {
  // A crash after that checkpoint and before fit returned: resuming must not
  // train on, but end as the run did (and restore the best weights).
  Setup s;
  s.name = "early stopping, resumed from its last epoch";
  s.optimizer = Opt::sgd;
  s.learning_rate = 0.05;
  s.patience = 3;
  s.epochs = 60;
  TempDir dir;
  const Outcome whole = run(s, Part::whole, dir.file("whole.ckpt"));
  const int stopped = int(whole.history.epochs());
  REQUIRE(stopped < s.epochs);
  s.interrupt_after = stopped;
  const Outcome first = run(s, Part::first, dir.file("run.ckpt"));
  REQUIRE(first.history.epochs() == std::size_t(stopped));
  const Outcome rest = run(s, Part::rest, dir.file("run.ckpt"));
  check_same(whole, rest);
  CHECK(rest.optimizer.steps == first.optimizer.steps);  // not a step more
}

TEST_CASE("resume: the comparison sees a position that is not the run's") {
  // Each part of the position matters: resuming from a changed one does not
  // give the uninterrupted run.
  Setup s;
  s.name = "dropout, shuffled";
  s.dropout = true;
  TempDir dir;
  const Outcome whole = run(s, Part::whole, dir.file("whole.ckpt"));
  run(s, Part::first, dir.file("run.ckpt"));
  const auto differs = [&](const std::function<void(hnn::TrainingPosition<float>&)>& tamper) {
    const Outcome rest = run(s, Part::rest, dir.file("run.ckpt"), tamper);
    return rest.parameters.back() != whole.parameters.back();
  };
  CHECK_FALSE(differs({}));
  CHECK(differs([](hnn::TrainingPosition<float>& p) { p.order_random = hnn::Random(99).state(); }));
  CHECK(differs([](hnn::TrainingPosition<float>& p) { p.layer_random = hnn::Random(99).state(); }));
  CHECK(differs([](hnn::TrainingPosition<float>& p) { std::swap(p.order[0], p.order[1]); }));
}

// ---------------------------------------------------------------------------
// Errors

namespace {

// A checkpoint written after 2 epochs of Adam, with the model and optimizer
// that wrote it.
struct Written {
  Setup setup;
  TempDir dir;
  std::string path = dir.file("run.ckpt");
  Written() {
    setup.epochs = 2;
    setup.dropout = true;
    run(setup, Part::whole, path);
  }
};

// A model and an Adam that have trained a little (so their state is not
// the default one), and a snapshot of both to compare with after a refused load.
struct Target {
  hnn::Sequential<float> model;
  hnn::Adam<float> adam{0.01};
  Outcome before;
  explicit Target(hnn::Sequential<float> m) : model(std::move(m)) {
    const Matrix<float> X = uniform(model.input_size(), 8, 9, 0.0, 2.0);
    const Matrix<float> T = uniform(model.output_size(), 8, 10);
    hnn::FitOptions<float> o;
    o.epochs = 1;
    o.batch_size = 4;
    o.verbosity = hnn::Verbosity::quiet;
    model.fit(X, T, hnn::MSE<float>(), adam, o);
    before = outcome_of(model, adam, {});
  }
  void check_unchanged() { check_same(before, outcome_of(model, adam, {})); }
};

}  // namespace

TEST_CASE("load_checkpoint: a plain model file is not a checkpoint") {
  TempDir dir;
  Setup s;
  auto model = build_model(s);
  hnn::save_model(model, dir.file("plain.hnn"));
  Target target(build_model(s));
  check_throws_with<hnn::FileError>(
      [&] { hnn::load_checkpoint(dir.file("plain.hnn"), target.model, target.adam); },
      dir.file("plain.hnn") + ": a model file without a training state, not a checkpoint");
  target.check_unchanged();
}

TEST_CASE(
    "load_checkpoint: another architecture or another optimizer is refused, nothing changed") {
  const Written w;
  SUBCASE("a wider layer") {
    hnn::Random rng(5);
    hnn::Sequential<float> other(3);
    other.add(hnn_test::Centre<float>(3, 0.5))
        .add(hnn::Dense<float>(3, 7, rng))
        .add(hnn::Activation<float, hnn::Tanh>())
        .add(hnn_test::MaskDropout<float>(0.3))
        .add(hnn::Dense<float>(7, 2, rng));
    Target target(std::move(other));
    check_throws_with<hnn::FileError>(
        [&] { hnn::load_checkpoint(w.path, target.model, target.adam); },
        w.path + ": layer 1: settings differ");
    target.check_unchanged();
  }
  SUBCASE("a layer fewer") {
    Setup s = w.setup;
    s.dropout = false;
    Target target(build_model(s));
    check_throws_with<hnn::FileError>(
        [&] { hnn::load_checkpoint(w.path, target.model, target.adam); },
        w.path + ": architecture mismatch: the file has 5 layers");
    target.check_unchanged();
  }
  SUBCASE("saved with Adam, loaded into SGD") {
    Target target(build_model(w.setup));
    hnn::SGDOptions so;
    so.momentum = 0.9;
    hnn::SGD<float> sgd(so);
    sgd.step(target.model.parameters());  // a momentum buffer to keep
    const auto sgd_before = sgd.state();
    target.before = outcome_of(target.model, target.adam, {});
    check_throws_with<hnn::FileError>([&] { hnn::load_checkpoint(w.path, target.model, sgd); },
                                      w.path +
                                          ": the optimizer state does not fit: SGD.load_state: "
                                          "the state is Adam's");
    target.check_unchanged();
    const auto sgd_after = sgd.state();
    CHECK(sgd_after.steps == sgd_before.steps);
    CHECK(sgd_after.tensors[0].second[0] == sgd_before.tensors[0].second[0]);
  }
  SUBCASE("the right model and optimizer load (the cases above can succeed)") {
    Target target(build_model(w.setup));
    const auto position = hnn::load_checkpoint(w.path, target.model, target.adam);
    CHECK(position.epochs_done == 2);
    CHECK(target.adam.steps() == 2 * 5);
    CHECK(target.model.parameters()[1].value() != target.before.parameters[1]);
  }
}

TEST_CASE("load_checkpoint: a corrupt or truncated file names the file, nothing changed") {
  const Written w;
  const auto original = hnn_test::read_bytes(w.path);
  REQUIRE(original.size() > 100);
  const std::string bad = w.dir.file("bad.ckpt");
  Target target(build_model(w.setup));

  auto flipped = original;
  flipped[original.size() - 200] ^= 0x04;  // in the training state
  hnn_test::write_bytes(bad, flipped);
  check_throws_with<hnn::FileError>([&] { hnn::load_checkpoint(bad, target.model, target.adam); },
                                    bad + ": checksum mismatch");
  target.check_unchanged();

  for (std::size_t n : {std::size_t(0), std::size_t(20), original.size() / 2, original.size() - 9,
                        original.size() - 1}) {
    INFO("truncated to " << n << " of " << original.size() << " bytes");
    hnn_test::write_bytes(bad,
                          hnn_test::Bytes(original.begin(), original.begin() + std::ptrdiff_t(n)));
    check_throws_with<hnn::FileError>([&] { hnn::load_checkpoint(bad, target.model, target.adam); },
                                      bad + ": ");
    target.check_unchanged();
  }
  check_throws_with<hnn::FileError>(
      [&] { hnn::load_checkpoint(w.dir.file("missing.ckpt"), target.model, target.adam); },
      w.dir.file("missing.ckpt") + ": cannot open");
}

TEST_CASE("load_model reads a checkpoint as a plain model") {
  TempDir dir;
  Setup s;
  s.epochs = 2;
  s.dropout = true;
  // The first part of a run leaves the model as its last checkpoint saved it.
  auto model = build_model(s);
  auto opt = build_optimizer(s);
  const hnn_test::HalfwayData data;
  hnn::FitOptions<float> o;
  o.epochs = 2;
  o.verbosity = hnn::Verbosity::quiet;
  o.callbacks = {hnn::resumable_checkpoint<float>(dir.file("run.ckpt"))};
  model.fit(data.X, data.T, hnn::MSE<float>(), *opt, o);
  auto loaded =
      hnn::load_model<float>(dir.file("run.ckpt"), hnn_test::registry_with_test_layers<float>());
  CHECK(loaded.summary() == model.summary());
  CHECK(loaded.predict(data.X) == model.predict(data.X));
  // load_weights too.
  auto built = build_model(s);
  hnn::load_weights(built, dir.file("run.ckpt"));
  CHECK(built.predict(data.X) == model.predict(data.X));
}

TEST_CASE("resume_from with more epochs done than asked for is an ArgumentError") {
  const Written w;
  Target target(build_model(w.setup));
  const auto position = hnn::load_checkpoint(w.path, target.model, target.adam);
  REQUIRE(position.epochs_done == 2);
  const hnn_test::HalfwayData data;
  hnn::FitOptions<float> o;
  o.epochs = 1;
  o.verbosity = hnn::Verbosity::quiet;
  o.resume_from = &position;
  check_throws_with<hnn::ArgumentError>(
      [&] { target.model.fit(data.X, data.T, hnn::MSE<float>(), target.adam, o); },
      "fit: resume_from has 2 epochs done, outside 0 … epochs = 1");
  o.epochs = 2;  // all done: nothing left to train
  const long steps = target.adam.steps();
  const auto h = target.model.fit(data.X, data.T, hnn::MSE<float>(), target.adam, o);
  CHECK(target.adam.steps() == steps);
  CHECK(h.epochs() == 2);  // the history of the epochs done
}

}  // namespace resume_tests

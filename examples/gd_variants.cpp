// SPDX-License-Identifier: MIT
// Gradient descent in its three variants, on one problem and one starting
// point. They differ only in how many samples each step looks at:
//
//   batch       (batch_size 0)    all N samples: the exact gradient, 1 step per epoch
//   stochastic  (batch_size 1)    one sample: a noisy gradient, N steps per epoch
//   mini-batch  (batch_size 32)   32 samples: a fair estimate, N/32 steps per epoch
//
// Each gets the learning rate that suits it (a one-sample gradient is noisy,
// so its steps must be small; the exact gradient can take big ones).
//
// Network: 2 → Dense(2 → 16) → Tanh → Dense(16 → 16) → Tanh → Dense(16 → 1) → (logit)
// Loss:    BinaryCrossEntropyWithLogits on 1000 two-moons points; optimizer: plain SGD.
// Look for: per epoch, stochastic and mini-batch are far ahead of batch GD: they take
//           1000 and 32 steps for its one. Per second, the order changes: one-sample
//           steps cannot use fast matrix products, so stochastic's epochs are the
//           slowest, while a mini-batch epoch costs about what a full-batch one does.
//           Stochastic's and mini-batch's losses also jitter from epoch to epoch (at
//           epoch 39 mini-batch's jumps above where it started); batch's falls smoothly.
// Writes:  gd_variants.svg (the loss against epochs, optimizer steps and seconds of training)
//          into the folder given as argv[1]; without a folder, no picture.
// Run:     bash scripts/demo.sh gd_variants   (builds it; then build/demo/examples/gd_variants)
//          OMP_NUM_THREADS=1 build/demo/examples/gd_variants docs/images   (the docs' picture)

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "hnn/plot/svg.hpp"
#include "toy_data.hpp"

namespace {

using S = float;

struct Variant {
  std::string name;
  hnn::Index batch_size;
  double learning_rate;
  std::vector<double> loss;  // on all N samples, after each epoch (index 0: before training)
  std::vector<double> time;  // training seconds, summed up to each epoch
  std::vector<double> steps_done = {};  // optimizer steps taken, up to each epoch
  long steps = 0;
  double accuracy = 0;
};

// The loss after each epoch, drawn three ways: against epochs, against
// optimizer steps (log scale: 40, 1280 and 40 000 of them) and against
// seconds of training.
void draw(const std::vector<Variant>& variants, const std::string& path) {
  namespace plot = hnn::plot;
  plot::Chart per_epoch("Per epoch"), per_step("Per step"), per_second("Per second of training");
  per_epoch.x_label("epoch").legend(plot::Legend::none);
  per_step.x_label("optimizer steps (log scale)").log_x().legend(plot::Legend::bottom_left);
  per_second.x_label("training time (ms)").legend(plot::Legend::none);
  for (plot::Chart* c : {&per_epoch, &per_step, &per_second}) {
    c->y_label("loss on all 1000 samples").log_y().y_range(0.01, 2).size(400, 340);
    c->hline(0.1, "0.1");
  }
  std::vector<double> epoch;
  for (std::size_t e = 0; e < variants[0].loss.size(); ++e)
    epoch.push_back(double(e));
  for (std::size_t k = 0; k < variants.size(); ++k) {
    const Variant& v = variants[k];
    const auto style = plot::Style().color(plot::palette(k)).width(1.5);
    std::vector<double> ms;
    for (double t : v.time)
      ms.push_back(1000 * t);
    per_epoch.line(v.name, epoch, v.loss, style);
    per_step.line(v.name, v.steps_done, v.loss, style);  // step 0 has no place on a log axis
    per_second.line(v.name, ms, v.loss, style);
  }
  plot::Figure figure(3,
                      "Batch, stochastic and mini-batch gradient descent (plain SGD, same start)");
  figure.add(per_epoch).add(per_step).add(per_second);
  figure.save(path);
}

}  // namespace

int main(int argc, char** argv) {
  constexpr int epochs = 40;
  hnn::Random data_rng(11);
  const auto data = toy::two_moons<S>(1000, 0.15, data_rng);
  const hnn::Matrix<S> Y = data.binary_targets();
  hnn::BinaryCrossEntropyWithLogits<S> loss;
  const std::vector<hnn::Metric> metrics = {hnn::Metric::binary_accuracy(0.0)};

  // One set of starting weights, copied into each run.
  hnn::Random rng(12);
  hnn::Sequential<S> initial(2);
  initial.add(hnn::Dense<S>(2, 16, rng))
      .add(hnn::Activation<S, hnn::Tanh>())
      .add(hnn::Dense<S>(16, 16, rng))
      .add(hnn::Activation<S, hnn::Tanh>())
      .add(hnn::Dense<S>(16, 1, rng));
  const double initial_loss = initial.evaluate(data.X, Y, loss).loss;

  // About the largest learning rate each variant takes without its loss
  // jumping around: the smaller the batch, the noisier the step, the smaller η.
  std::vector<Variant> variants = {{"batch (all 1000)", 0, 1.0, {}, {}},
                                   {"stochastic (1)", 1, 0.02, {}, {}},
                                   {"mini-batch (32)", 32, 0.3, {}, {}}};
  for (auto& v : variants) {
    hnn::Sequential<S> model = initial;
    hnn::SGD<S> sgd(v.learning_rate);
    hnn::FitOptions<S> options;
    options.epochs = epochs;
    options.batch_size = v.batch_size;
    options.seed = 13;  // the same shuffles for every run that shuffles
    options.verbosity = hnn::Verbosity::quiet;
    // The loss fit() records is the mean over the epoch's batches, taken while
    // the weights move. To compare like with like, measure every variant's
    // loss on all samples at the end of each epoch (outside the timed part).
    v.loss.push_back(initial_loss);
    v.time.push_back(0);
    v.steps_done.push_back(0);
    options.callbacks.push_back(std::make_shared<hnn::EpochCallback<S>>([&](auto& state) {
      v.loss.push_back(state.model.evaluate(data.X, Y, loss).loss);
      v.time.push_back(v.time.back() + hnn::last(state.history, "seconds"));
      v.steps_done.push_back(double(state.optimizer.steps()));
    }));
    model.fit(data.X, Y, loss, sgd, options);
    v.steps = sgd.steps();
    v.accuracy = model.evaluate(data.X, Y, loss, metrics)["accuracy"];
  }

  std::cout << "training loss on all 1000 samples after each epoch (plain SGD, same start)\n\n"
            << "epoch";
  for (const auto& v : variants)
    std::cout << std::setw(20) << v.name;
  std::cout << "\n     ";
  for (const auto& v : variants)  // setw counts bytes, and η takes two
    std::cout << std::setw(21) << ("η = " + std::to_string(v.learning_rate).substr(0, 4));
  std::cout << '\n' << std::fixed;
  for (int e = 0; e <= epochs; ++e) {
    if (e > 10 && e % 5 != 0) continue;
    std::cout << std::setw(5) << e;
    for (const auto& v : variants)
      std::cout << std::setw(20) << std::setprecision(4) << v.loss[std::size_t(e)];
    std::cout << '\n';
  }

  // Time to reach a loss of 0.1: epochs, and seconds of training.
  constexpr double target = 0.1;
  std::cout << '\n'
            << std::setw(18) << "" << std::setw(10) << "steps" << std::setw(12) << "ms/epoch"
            << std::setw(11) << "final" << std::setw(10) << "accuracy"
            << "   loss < " << std::setprecision(1) << target << " after\n";
  bool ok = true;
  const Variant* first = nullptr;  // the first to reach the target, in seconds
  double first_time = 0;
  for (const auto& v : variants) {
    std::cout << std::left << std::setw(18) << v.name << std::right << std::setw(10) << v.steps
              << std::setw(12) << std::setprecision(3) << 1000 * v.time.back() / epochs
              << std::setw(11) << std::setprecision(4) << v.loss.back() << std::setw(9)
              << std::setprecision(1) << 100 * v.accuracy << "%   ";
    std::size_t e = 0;
    while (e < v.loss.size() && v.loss[e] >= target)
      ++e;
    if (e < v.loss.size()) {
      std::cout << e << " epochs, " << std::setprecision(2) << 1000 * v.time[e] << " ms\n";
      if (!first || v.time[e] < first_time) {
        first = &v;
        first_time = v.time[e];
      }
    } else {
      std::cout << "not within " << epochs << " epochs\n";
    }
    ok = ok && v.loss.back() < initial_loss;  // every variant learns something
  }

  std::cout << "\nWhat to notice:\n"
               "  - Per epoch, more steps means more progress: stochastic and mini-batch\n"
               "    are far below batch GD, which has taken only "
            << epochs
            << " steps in all and is still\n"
               "    on the plateau where the boundary is nearly a straight line.\n"
               "  - Per second, the picture changes. A mini-batch epoch costs about what a\n"
               "    full-batch epoch costs (the same arithmetic, as 32 matrix products\n"
               "    instead of one) but takes 32 steps. A stochastic epoch costs several\n"
               "    times more: 1000 steps of tiny matrix-vector products, and 1000\n"
               "    optimizer updates of every weight.\n";
  if (first) {
    std::cout << "    In this run " << first->name << " got below loss " << std::setprecision(1)
              << target << " first, in wall time\n    (timings vary from run to run).\n";
  }
  std::cout << "  - Batch GD's loss falls smoothly; stochastic's wobbles from epoch to\n"
               "    epoch, because each step follows one sample's gradient, not the average.\n";

  // The lesson, checked: everyone learns, and at equal epochs the variants
  // that step more often are ahead of the full batch.
  const double batch = variants[0].loss.back();
  ok = ok && variants[1].loss.back() < batch && variants[2].loss.back() < batch;
  if (argc > 1) {
    std::filesystem::create_directories(argv[1]);
    const std::string path = (std::filesystem::path(argv[1]) / "gd_variants.svg").string();
    draw(variants, path);
    std::cout << "\nwrote " << path << '\n';
  }
  std::cout << (ok ? "\nas expected\n" : "\nUNEXPECTED: see the table\n");
  return ok ? 0 : 1;
}

// SPDX-License-Identifier: MIT
// Over-fitting drawn: a network with 4,353 parameters learns 20 noisy
// samples of sin(πx), once without regularization and once with each remedy
// of chapter 18, and the pictures show what each run's losses did, epoch by
// epoch, and what an L1 penalty does to the weights.
//
// Network: 1 → Dense(1 → 64) → tanh → Dense(64 → 64) → tanh → Dense(64 → 1) (noisy_sine.hpp)
// Loss:    MSE; optimizer: Adam (η = 0.005) on the full batch, 2,000 epochs.
// Data:    20 points of sin(πx) plus Gaussian noise (σ = 0.4) to train on; 200 points
//          of sin(πx) itself to validate on.
// Runs:    no regularization; early stopping (patience 100, the best epoch's weights put back);
//          an L2 penalty λ₂ = 10⁻³; an L1 penalty λ₁ = 10⁻³; dropout p = 0.1 after
//          each tanh.
// Look for: without regularization the training loss falls far below the noise's variance
//           (0.16) while the validation loss is lowest near epoch 200 and then climbs to
//           several times that; early stopping keeps the weights of that epoch; with L2, L1
//           or dropout the training loss stays near 0.1, closer to the noise's variance, and
//           the validation loss ends two to four times lower than without. Without a penalty the
//           middle layer's weights keep the spread of their start (±0.22) plus a tail out to ±5;
//           with L1 all but a handful are within 0.003 of zero.
// Writes:  overfitting_curves.svg and l1_weight_histogram.svg into the folder given as
//          argv[1] (default out/).
// Run:     bash scripts/demo.sh overfitting        (builds it, runs it: pictures in out/)
//          build/demo/examples/overfitting docs/images   (regenerates the docs' pictures)

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "hnn/plot/svg.hpp"
#include "noisy_sine.hpp"

namespace {

using S = float;
namespace plot = hnn::plot;

struct Run {
  std::string name, title;         // series name, panel title
  std::vector<double> train, val;  // per epoch: the data's part of the training loss, val_loss
  double final_train = 0, final_val = 0;  // MSE of the final weights, in inference mode
  int best_epoch = 0;                     // the epoch (from 1) of the lowest val_loss
  hnn::Matrix<S> W;                       // the middle layer's weights at the end
};

Run train(std::string name, std::string title, hnn::Sequential<S> model,
          const overfitting::NoisySine& data, int patience = 0) {
  hnn::Adam<S> adam(overfitting::learning_rate);
  hnn::FitOptions<S> options = overfitting::fit_options(data);
  if (patience > 0) options.callbacks.push_back(std::make_shared<hnn::EarlyStopping<S>>(patience));
  const hnn::History h = model.fit(data.X, data.Y, hnn::MSE<S>(), adam, options);

  Run r;
  r.name = std::move(name);
  r.title = std::move(title);
  r.train = h["loss"];
  r.val = h["val_loss"];
  if (h.has("penalty"))  // the recorded loss is loss + R; draw the data's part
    for (std::size_t e = 0; e < r.train.size(); ++e)
      r.train[e] -= h["penalty"][e];
  r.final_train = model.evaluate(data.X, data.Y, hnn::MSE<S>()).loss;
  r.final_val = model.evaluate(data.X_val, data.Y_val, hnn::MSE<S>()).loss;
  r.best_epoch = int(std::min_element(r.val.begin(), r.val.end()) - r.val.begin()) + 1;
  r.W = overfitting::middle_weights(model);
  return r;
}

// The share of the weights with |w| below `t`.
double share_below(const hnn::Matrix<S>& W, double t) {
  return double((W.array().abs() < S(t)).count()) / double(W.size());
}

// Counts of `W`'s values in `bins` equal bins over [lo, hi); values outside
// are left out.
std::vector<double> counts(const hnn::Matrix<S>& W, double lo, double hi, int bins) {
  std::vector<double> c(std::size_t(bins), 0.0);
  for (hnn::Index k = 0; k < W.size(); ++k) {
    const double b = std::floor((double(W(k)) - lo) / (hi - lo) * bins);
    if (b >= 0 && b < bins) c[std::size_t(b)] += 1;
  }
  return c;
}

// A series per epoch, thinned for drawing: of each `bucket` epochs, the
// lowest and the highest value, in epoch order. A panel is about 330 pixels
// wide for 2,000 epochs, so buckets of 10 keep every spike and the envelope
// of the noise with a fifth of the points.
void thinned_line(plot::Chart& chart, const std::string& name, const std::vector<double>& y,
                  std::size_t bucket, plot::Style style) {
  std::vector<double> xs, ys;
  for (std::size_t start = 0; start < y.size(); start += bucket) {
    const auto first = y.begin() + std::ptrdiff_t(start);
    const auto last = y.begin() + std::ptrdiff_t(std::min(y.size(), start + bucket));
    const auto [low, high] = std::minmax_element(first, last);
    for (const auto it : {std::min(low, high), std::max(low, high)}) {
      if (!xs.empty() && xs.back() == double(it - y.begin() + 1)) continue;
      xs.push_back(double(it - y.begin() + 1));  // epochs from 1
      ys.push_back(*it);
    }
  }
  chart.line(name, xs, ys, style);
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path out = argc > 1 ? argv[1] : "out";
  std::filesystem::create_directories(out);
  const auto file = [&out](const std::string& name) { return (out / name).string(); };

  const overfitting::NoisySine data;
  using overfitting::network;
  const std::vector<Run> runs = {
      train("no regularization", "No regularization", network(hnn::Penalty(), 0), data),
      train("early stopping", "Early stopping (patience 100)", network(hnn::Penalty(), 0), data,
            100),
      train("L2 0.001", "L2 penalty, λ₂ = 0.001", network(hnn::Penalty::L2(1e-3), 0), data),
      train("L1 0.001", "L1 penalty, λ₁ = 0.001", network(hnn::Penalty::L1(1e-3), 0), data),
      train("dropout 0.1", "Dropout, p = 0.1", network(hnn::Penalty(), 0.1), data)};
  const Run& none = runs[0];
  const Run& l1 = runs[3];
  // The training loss of sin(πx) itself: what a curve that ignores the noise
  // scores on these 20 samples (the noise's variance is 0.16).
  const S pi = S(3.14159265358979323846);
  const double truth = (data.Y.array() - (pi * data.X.array()).sin()).square().mean();
  char truth_label[40];
  std::snprintf(truth_label, sizeof truth_label, "sin(πx) itself: %.3f", truth);

  // 1. Training and validation loss of each run, one panel each, on the same
  // log axes; the last panel puts the validation losses side by side, on a
  // linear axis.
  plot::Figure curves(3, "20 noisy samples of sin(πx), a 1-64-64-1 tanh network, 2,000 epochs");
  for (const Run& r : runs) {
    plot::Chart c(r.title);
    c.x_label("epoch").y_label("MSE").log_y().y_range(0.01, 1).x_range(0, 2000).size(400, 300);
    c.legend(plot::Legend::bottom_left).hline(truth, truth_label);
    thinned_line(c, "training", r.train, 10, plot::Style().color(plot::palette(0)).width(1.5));
    thinned_line(c, "validation", r.val, 10, plot::Style().color(plot::palette(1)).width(1.5));
    c.scatter("lowest validation loss", {double(r.best_epoch)},
              {r.val[std::size_t(r.best_epoch - 1)]},
              plot::Style().color(plot::palette(1)).markers(4).outline(plot::black, 1));
    curves.add(c);
  }
  plot::Chart all("Validation loss, every run");
  all.x_label("epoch").y_label("validation MSE").y_range(0, 0.6).x_range(0, 2000).size(400, 300);
  for (std::size_t k = 0; k < runs.size(); ++k)
    thinned_line(all, runs[k].name, runs[k].val, 10,
                 plot::Style().color(plot::palette(k + 2)).width(1.5));
  curves.add(all);
  curves.save(file("overfitting_curves.svg"));

  // 2. The middle layer's 4,096 weights at the end: their histogram over
  // [−1, 1] without a penalty and with L1, and for every run the share of
  // them below each size t, which shows the whole range on a log axis.
  const double lo = -1, hi = 1;
  const int bins = 80;
  std::vector<double> edges;
  for (int b = 0; b <= bins; ++b)
    edges.push_back(lo + (hi - lo) * b / bins);
  const auto beyond = [](const hnn::Matrix<S>& W) { return (W.array().abs() >= 1).count(); };
  plot::Chart histogram("The middle layer's 4,096 weights, in bins of 0.025");
  histogram.x_label("weight (beyond ±1, not drawn: " + std::to_string(beyond(none.W)) +
                    " without a penalty, " + std::to_string(beyond(l1.W)) + " with L1)");
  histogram.y_label("how many").x_range(lo, hi).size(520, 340);
  histogram.histogram(none.name, edges, counts(none.W, lo, hi, bins),
                      plot::Style().color(plot::palette(2)).width(1.5).fill(0.25));
  histogram.histogram(l1.name, edges, counts(l1.W, lo, hi, bins),
                      plot::Style().color(plot::palette(5)).width(1.5).fill(0.25));
  plot::Chart below("Share of the weights with |w| < t");
  below.x_label("t").y_label("share").log_x().x_range(1e-5, 10).y_range(0, 1.02).size(520, 340);
  below.legend(plot::Legend::bottom_right);
  std::vector<double> ts;
  for (int k = 0; k <= 144; ++k)
    ts.push_back(std::pow(10.0, -5 + k / 24.0));  // 24 per decade
  for (std::size_t k = 0; k < runs.size(); ++k) {
    std::vector<double> share;
    for (double t : ts)
      share.push_back(share_below(runs[k].W, t));
    below.line(runs[k].name, ts, share, plot::Style().color(plot::palette(k + 2)).width(1.5));
  }
  plot::Figure weights(2, "The middle layer's weights at the end of training");
  weights.add(histogram).add(below);
  weights.save(file("l1_weight_histogram.svg"));

  std::printf("%-18s %12s %10s %12s %12s\n", "", "final train", "final val", "best epoch",
              "|w| < 0.01");
  for (const Run& r : runs)
    std::printf("%-18s %12.4f %10.4f %12d %11.1f%%\n", r.name.c_str(), r.final_train, r.final_val,
                r.best_epoch, 100 * share_below(r.W, 0.01));
  std::printf("(the training loss of sin(πx) itself: %.4f)\n", truth);
  std::printf("\nwrote %s\nwrote %s\n\n", file("overfitting_curves.svg").c_str(),
              file("l1_weight_histogram.svg").c_str());

  // The goal: every remedy ends with a lower validation loss than the plain
  // network, and the plain network's is well above the best remedy's.
  double best = none.final_val;
  bool each_better = true;
  for (std::size_t k = 1; k < runs.size(); ++k) {
    best = std::min(best, runs[k].final_val);
    each_better = each_better && runs[k].final_val < none.final_val;
  }
  const bool ok = each_better && none.final_val > 3 * best;
  std::printf(
      "final validation loss: no regularization %.4f, best remedy %.4f (%.1f times lower)"
      "   (goal: every remedy lower, the best at least 3 times)\n",
      none.final_val, best, none.final_val / best);
  return ok ? 0 : 1;
}

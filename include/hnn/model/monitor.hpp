// SPDX-License-Identifier: MIT
#pragma once
// Watching a network learn from the inside: two callbacks for fit().
//
//   BatchLossRecorder  the loss of every mini-batch (the History keeps one
//                      mean per epoch): the fine-grained, noisy curve.
//   TrainingMonitor    per parameter ("0.W", "0.b", "2.W", …) and per epoch:
//                      statistics of the weights and of their gradients, the
//                      size of the updates relative to the weights, and a
//                      histogram of the weights.
//
// For a tensor w with n entries w_i:
//
//   mean    μ = (1/n) Σ w_i
//   std     σ = √((1/n) Σ (w_i − μ)²)   (÷ n, as NumPy; torch.std divides by n − 1)
//   norm    ‖w‖ = √(Σ w_i²)
//   update  ‖w_t − w_{t−1}‖ / ‖w_{t−1}‖, the step the optimizer just took
//           relative to the weights it changed. Around 10⁻³ per step is
//           the usual sign of a healthy learning rate; 10⁻⁵ means the layer
//           barely moves, 10⁻¹ that it is being thrown around.
//
// The weights are measured at the end of each epoch, and once before the
// first step (as epoch 0). Gradients and updates change at every step: they
// are measured after every step and their statistics are averaged over the
// epoch's steps (the mean of the per-step norms, and so on). The cost is a
// few passes over the parameters per step, about what the optimizer spends.
//
//   auto monitor = std::make_shared<hnn::TrainingMonitor<float>>();
//   options.callbacks.push_back(monitor);
//   model.fit(X, y, loss, adam, options);
//   monitor->write_csv("out/monitor.csv");
//   std::vector<double> g = monitor->series("0.W", &hnn::ParameterRecord::grad_norm);

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "hnn/core/check.hpp"
#include "hnn/core/error.hpp"
#include "hnn/core/parameter.hpp"
#include "hnn/core/types.hpp"
#include "hnn/model/callbacks.hpp"
#include "hnn/model/csv_export.hpp"
#include "hnn/model/sequential.hpp"

namespace hnn {

/// Mean, standard deviation (÷ n), L2 norm, smallest and largest entry.
struct TensorStats {
  double mean = std::numeric_limits<double>::quiet_NaN();  ///< the mean
  double std = std::numeric_limits<double>::quiet_NaN();   ///< the standard deviation (÷ n)
  double norm = std::numeric_limits<double>::quiet_NaN();  ///< the L2 norm
  double min = std::numeric_limits<double>::quiet_NaN();   ///< the smallest entry
  double max = std::numeric_limits<double>::quiet_NaN();   ///< the largest entry
};

/// The statistics of every entry of `m`, in double.
// Two passes: the mean, then the squared deviations from it (Σw² − nμ² would
// cancel catastrophically when |μ| ≫ σ).
template <typename Derived>
TensorStats tensor_stats(const Eigen::DenseBase<Derived>& m) {
  TensorStats s;
  if (m.size() == 0) return s;
  const auto& w = m.derived();
  const double n = double(m.size());
  s.mean = w.template cast<double>().sum() / n;  // μ = Σ w_i / n
  const double deviations = (w.template cast<double>().array() - s.mean).square().sum();
  s.std = std::sqrt(deviations / n);  // σ = √(Σ (w_i − μ)² / n)
  s.norm = std::sqrt(w.template cast<double>().array().square().sum());  // ‖w‖ = √(Σ w_i²)
  s.min = double(w.minCoeff());
  s.max = double(w.maxCoeff());
  return s;
}

/// Counts of values in `bins` equal bins over [lo, hi], and of those outside.
// Bin k holds lo + k·h ≤ v < lo + (k+1)·h with h = (hi − lo)/bins, the last bin
// also holds v = hi. Values below lo or above hi are counted apart; NaNs nowhere.
struct Histogram {
  double lo = 0;              ///< the lower end of the range
  double hi = 0;              ///< the upper end of the range
  std::vector<Index> counts;  ///< the count of each bin
  Index below = 0;            ///< values below lo
  Index above = 0;            ///< values above hi

  /// The bins + 1 bin edges, lo … hi.
  std::vector<double> edges() const {
    std::vector<double> e(counts.size() + 1);
    for (std::size_t k = 0; k < e.size(); ++k)
      e[k] = lo + (hi - lo) * double(k) / double(counts.size());
    return e;
  }
  /// The counts as numbers, for plotting.
  std::vector<double> values() const { return {counts.begin(), counts.end()}; }
};

/// The histogram of every entry of `m` in `bins` bins over [lo, hi].
template <typename Derived>
Histogram histogram(const Eigen::DenseBase<Derived>& m, double lo, double hi, int bins) {
  if (!(hi > lo)) throw ArgumentError("histogram: hi must be > lo");
  if (bins <= 0) throw ArgumentError("histogram: bins must be > 0");
  Histogram h{lo, hi, std::vector<Index>(std::size_t(bins), 0), 0, 0};
  for (Index j = 0; j < m.cols(); ++j) {
    for (Index i = 0; i < m.rows(); ++i) {
      const double v = double(m(i, j));
      if (std::isnan(v)) continue;
      if (v < lo) {
        ++h.below;
      } else if (v > hi) {
        ++h.above;
      } else {
        const int k = std::min(bins - 1, int((v - lo) / (hi - lo) * bins));
        ++h.counts[std::size_t(k)];
      }
    }
  }
  return h;
}

/// One parameter at one epoch.
struct ParameterRecord {
  int epoch = 0;     ///< 0: before training; then 1, 2, …
  std::string name;  ///< "2.W": the W of layer 2
  Index rows = 0;    ///< the parameter's rows
  Index cols = 0;    ///< the parameter's columns
  ///@{
  /// The weights at the end of the epoch: mean, std, norm, min, max.
  double mean = 0, std = 0, norm = 0, min = 0, max = 0;
  ///@}
  ///@{
  /// ∂L/∂w after each step, averaged over the epoch's steps (NaN at epoch 0).
  double grad_mean = std::numeric_limits<double>::quiet_NaN();
  double grad_std = std::numeric_limits<double>::quiet_NaN();
  double grad_norm = std::numeric_limits<double>::quiet_NaN();
  ///@}
  /// ‖Δw‖ / ‖w‖ of each step, averaged over the epoch's steps.
  // Steps from w = 0 (a bias before its first step) have no ratio and are left out.
  double update_ratio = std::numeric_limits<double>::quiet_NaN();
  Histogram histogram;  ///< of the weights at the end of the epoch
};

/// The loss of every batch of every epoch.
template <typename Scalar>
class BatchLossRecorder : public Callback<Scalar> {
 public:
  void on_train_begin(TrainingState<Scalar>&) override {
    epoch_.clear();
    batch_.clear();
    batches_.clear();
    loss_.clear();
  }
  void on_batch_end(TrainingState<Scalar>& s, double batch_loss) override {
    epoch_.push_back(s.epoch + 1);
    batch_.push_back(s.batch + 1);
    batches_.push_back(s.batches);
    loss_.push_back(batch_loss);
  }

  /// The number of batches recorded.
  std::size_t size() const { return loss_.size(); }
  /// The loss of every batch, in order.
  const std::vector<double>& losses() const { return loss_; }
  /// Where each batch ends, in epochs: batch b of B in epoch e is at e − 1 + b/B.
  // b and e count from 1, so the last batch of epoch e is at e, where the
  // History's per-epoch value for e is drawn.
  std::vector<double> positions() const {
    std::vector<double> x(loss_.size());
    for (std::size_t k = 0; k < x.size(); ++k)
      x[k] = double(epoch_[k] - 1) + double(batch_[k]) / double(batches_[k]);
    return x;
  }

  /// "step,epoch,batch,loss", one row per batch; step, epoch and batch count from 1.
  std::string to_csv() const {
    std::string text = csv::row({"step", "epoch", "batch", "loss"});
    for (std::size_t k = 0; k < loss_.size(); ++k) {
      text += csv::row({std::to_string(k + 1), std::to_string(epoch_[k]), std::to_string(batch_[k]),
                        csv::number(loss_[k])});
    }
    return text;
  }
  /// Writes to_csv() to `path`; FileError if that fails.
  void write_csv(const std::string& path) const { write_file_atomically(path, to_csv()); }

 private:
  std::vector<int> epoch_;
  std::vector<Index> batch_, batches_;
  std::vector<double> loss_;
};

/// Records each parameter's statistics, gradient, update ratio and histogram every epoch.
template <typename Scalar>
class TrainingMonitor : public Callback<Scalar> {
 public:
  /// A monitor with histograms of `bins` bins over [−range, range].
  // With range = 0, each parameter gets [−r, r], r = 2 max|w| of its weights
  // before training (1 if they are all zero), kept for every epoch so that the
  // histograms of different epochs can be compared bin by bin.
  explicit TrainingMonitor(int bins = 40, double range = 0) : bins_(bins), range_(range) {
    if (bins <= 0) throw ArgumentError("TrainingMonitor: bins must be > 0");
    check_at_least("TrainingMonitor", "range", range, 0);
  }

  void on_train_begin(TrainingState<Scalar>& s) override {
    params_ = s.model.parameters();  // views of the layers' storage: valid for the whole fit
    records_.clear();
    previous_.clear();
    ranges_.clear();
    for (const auto& p : params_) {
      previous_.push_back(p.value());
      const double r = range_ > 0 ? range_ : 2 * double(p.value().cwiseAbs().maxCoeff());
      ranges_.push_back(r > 0 ? r : 1.0);
    }
    start_epoch();
    record(0);
  }

  void on_epoch_begin(TrainingState<Scalar>&) override { start_epoch(); }

  // After the optimizer's step: the gradient of this batch, and the step taken.
  void on_batch_end(TrainingState<Scalar>&, double) override {
    for (std::size_t k = 0; k < params_.size(); ++k) {
      const auto g = tensor_stats(params_[k].grad());
      sums_[k].grad_mean += g.mean;
      sums_[k].grad_std += g.std;
      sums_[k].grad_norm += g.norm;
      const auto w = params_[k].value();
      const double before = double(previous_[k].norm());  // ‖w_{t−1}‖
      if (before > 0) {
        sums_[k].update_ratio += double((w - previous_[k]).norm()) / before;  // ‖Δw‖ / ‖w_{t−1}‖
        ++sums_[k].ratio_steps;
      }
      previous_[k] = w;
    }
    ++steps_;
  }

  void on_epoch_end(TrainingState<Scalar>& s) override { record(s.epoch + 1); }

  /// Every record, epoch by epoch, and within an epoch in the model's parameter order.
  const std::vector<ParameterRecord>& records() const { return records_; }

  /// The parameters watched, in the model's order ("0.W", "0.b", …).
  std::vector<std::string> parameter_names() const {
    std::vector<std::string> names;
    for (const auto& p : params_)
      names.push_back(p.name());
    return names;
  }

  /// The last epoch recorded (0 before any epoch ends).
  int epochs() const { return records_.empty() ? 0 : records_.back().epoch; }

  /// The record of parameter `name` at `epoch`; ArgumentError if there is none.
  const ParameterRecord& record(int epoch, const std::string& name) const {
    for (const auto& r : records_)
      if (r.epoch == epoch && r.name == name) return r;
    throw ArgumentError("TrainingMonitor: nothing recorded for parameter \"" + name +
                        "\" at epoch " + std::to_string(epoch));
  }

  /// One field of one parameter at every recorded epoch (0, 1, …).
  //   monitor.series("0.W", &hnn::ParameterRecord::grad_norm)
  std::vector<double> series(const std::string& name, double ParameterRecord::*field) const {
    std::vector<double> values;
    for (const auto& r : records_)
      if (r.name == name) values.push_back(r.*field);
    if (values.empty()) throw ArgumentError("TrainingMonitor: no parameter named \"" + name + "\"");
    return values;
  }

  /// The records as CSV text, one row per epoch and parameter:
  // epoch,parameter,rows,cols,mean,std,norm,min,max,grad_mean,grad_std,grad_norm,update_ratio
  std::string to_csv() const {
    std::string text = csv::row({"epoch", "parameter", "rows", "cols", "mean", "std", "norm", "min",
                                 "max", "grad_mean", "grad_std", "grad_norm", "update_ratio"});
    for (const auto& r : records_) {
      text += csv::row({std::to_string(r.epoch), r.name, std::to_string(r.rows),
                        std::to_string(r.cols), csv::number(r.mean), csv::number(r.std),
                        csv::number(r.norm), csv::number(r.min), csv::number(r.max),
                        csv::number(r.grad_mean), csv::number(r.grad_std), csv::number(r.grad_norm),
                        csv::number(r.update_ratio)});
    }
    return text;
  }

  /// The histograms as CSV text: one row per epoch, parameter and bin.
  // Columns epoch,parameter,lo,hi,count. The values outside the range come first
  // and last, as the bins [−inf, lo) and (hi, inf].
  std::string histograms_to_csv() const {
    std::string text = csv::row({"epoch", "parameter", "lo", "hi", "count"});
    for (const auto& r : records_) {
      const auto& h = r.histogram;
      const auto e = h.edges();
      const auto line = [&](double lo, double hi, Index count) {
        text += csv::row({std::to_string(r.epoch), r.name, csv::number(lo), csv::number(hi),
                          std::to_string(count)});
      };
      line(-std::numeric_limits<double>::infinity(), h.lo, h.below);
      for (std::size_t k = 0; k < h.counts.size(); ++k)
        line(e[k], e[k + 1], h.counts[k]);
      line(h.hi, std::numeric_limits<double>::infinity(), h.above);
    }
    return text;
  }

  /// Writes to_csv() to `path`; FileError if that fails.
  void write_csv(const std::string& path) const { write_file_atomically(path, to_csv()); }
  /// Writes histograms_to_csv() to `path`; FileError if that fails.
  void write_histograms_csv(const std::string& path) const {
    write_file_atomically(path, histograms_to_csv());
  }

 private:
  struct Sums {
    double grad_mean = 0, grad_std = 0, grad_norm = 0, update_ratio = 0;
    Index ratio_steps = 0;
  };

  void start_epoch() {
    sums_.assign(params_.size(), Sums{});
    steps_ = 0;
  }

  void record(int epoch) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t k = 0; k < params_.size(); ++k) {
      const auto& p = params_[k];
      const auto w = tensor_stats(p.value());
      ParameterRecord r;
      r.epoch = epoch;
      r.name = p.name();
      r.rows = p.rows();
      r.cols = p.cols();
      r.mean = w.mean;
      r.std = w.std;
      r.norm = w.norm;
      r.min = w.min;
      r.max = w.max;
      const Sums& s = sums_[k];
      if (steps_ > 0) {
        r.grad_mean = s.grad_mean / double(steps_);
        r.grad_std = s.grad_std / double(steps_);
        r.grad_norm = s.grad_norm / double(steps_);
      }
      r.update_ratio = s.ratio_steps > 0 ? s.update_ratio / double(s.ratio_steps) : nan;
      r.histogram = histogram(p.value(), -ranges_[k], ranges_[k], bins_);
      records_.push_back(std::move(r));
    }
  }

  int bins_;
  double range_;
  std::vector<Parameter<Scalar>> params_;
  std::vector<Matrix<Scalar>> previous_;  // w_{t−1} of each parameter, (rows × cols)
  std::vector<double> ranges_;            // histogram half-width r of each parameter
  std::vector<Sums> sums_;                // this epoch's running sums
  Index steps_ = 0;                       // steps taken in this epoch
  std::vector<ParameterRecord> records_;
};

}  // namespace hnn

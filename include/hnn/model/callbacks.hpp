// SPDX-License-Identifier: MIT
#pragma once
// Callbacks: code that fit() runs at fixed points of training.
//
//   on_train_begin → (on_epoch_begin → on_batch_end × batches → on_epoch_end) × epochs
//                  → on_train_end
//
// Each gets the TrainingState: the model, the optimizer, the history so far,
// the epoch, and a `stop` flag that ends training after the current epoch.
//
// Built in: EpochCallback (any function, once per epoch), EarlyStopping,
// LearningRateScheduler, and Checkpoint (keeps the best weights in memory and
// optionally hands them to a save function after every improvement).

#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "hnn/core/error.hpp"
#include "hnn/model/history.hpp"
#include "hnn/optimizers/optimizer.hpp"
#include "hnn/optimizers/schedule.hpp"

namespace hnn {

template <typename Scalar>
class Sequential;

template <typename Scalar>
struct TrainingState {
  Sequential<Scalar>& model;
  Optimizer<Scalar>& optimizer;
  History& history;
  int epoch = 0;      // counted from 0
  int epochs = 0;     // how many were asked for
  Index batch = 0;    // within the epoch
  Index batches = 0;  // per epoch
  bool stop = false;  // set by a callback to end training after this epoch
  std::string stop_reason;
};

template <typename Scalar>
class Callback {
 public:
  Callback() = default;
  Callback(const Callback&) = default;
  Callback& operator=(const Callback&) = default;
  virtual ~Callback() = default;
  virtual void on_train_begin(TrainingState<Scalar>&) {}
  virtual void on_epoch_begin(TrainingState<Scalar>&) {}
  virtual void on_batch_end(TrainingState<Scalar>&, double /*batch_loss*/) {}
  virtual void on_epoch_end(TrainingState<Scalar>&) {}
  virtual void on_train_end(TrainingState<Scalar>&) {}
};

// The last value of a history series ("val_loss").
inline double last(const History& h, const std::string& name) {
  const auto& s = h[name];
  if (s.empty()) throw ArgumentError("History: series \"" + name + "\" is empty");
  return s.back();
}

// Runs a function after every epoch.
template <typename Scalar>
class EpochCallback : public Callback<Scalar> {
 public:
  explicit EpochCallback(std::function<void(TrainingState<Scalar>&)> f) : f_(std::move(f)) {}
  void on_epoch_end(TrainingState<Scalar>& s) override { f_(s); }

 private:
  std::function<void(TrainingState<Scalar>&)> f_;
};

// Watches a series (by default "val_loss") and remembers the best epoch.
// Shared by EarlyStopping and Checkpoint.
class BestTracker {
 public:
  BestTracker(std::string monitor, double min_delta, bool higher_is_better)
      : monitor_(std::move(monitor)), min_delta_(min_delta), higher_(higher_is_better) {
    if (!(min_delta >= 0)) throw ArgumentError("min_delta must be >= 0");
  }
  // Returns true when the latest value improves on the best by more than min_delta.
  bool improved(const History& h) {
    if (!h.has(monitor_)) {
      throw ArgumentError("monitor \"" + monitor_ +
                          "\" is not recorded (validation data or that metric missing?)");
    }
    const double v = last(h, monitor_);
    const bool better = higher_ ? v > best_ + min_delta_ : v < best_ - min_delta_;
    if (better) best_ = v;
    return better;
  }
  double best() const { return best_; }
  const std::string& monitor() const { return monitor_; }
  void reset() {
    best_ = higher_ ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }

 private:
  std::string monitor_;
  double min_delta_;
  bool higher_;
  double best_ =
      higher_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
};

// Stops when `monitor` has not improved for `patience` epochs in a row (as
// Keras does), and (by default) puts back the weights of the best epoch.
template <typename Scalar>
class EarlyStopping : public Callback<Scalar> {
 public:
  explicit EarlyStopping(int patience = 5, std::string monitor = "val_loss", double min_delta = 0.0,
                         bool restore_best_weights = true, bool higher_is_better = false)
      : tracker_(std::move(monitor), min_delta, higher_is_better),
        patience_(patience),
        restore_(restore_best_weights) {
    if (patience < 0) throw ArgumentError("EarlyStopping: patience must be >= 0");
  }
  void on_train_begin(TrainingState<Scalar>&) override {
    tracker_.reset();
    wait_ = 0;
    best_epoch_ = -1;
    best_.reset();
  }
  void on_epoch_end(TrainingState<Scalar>& s) override {
    if (tracker_.improved(s.history)) {
      wait_ = 0;
      best_epoch_ = s.epoch;
      if (restore_) best_ = std::make_unique<Sequential<Scalar>>(s.model);
      return;
    }
    if (++wait_ >= patience_) {  // `patience` epochs in a row without improvement
      s.stop = true;
      s.stop_reason = "early stopping: " + tracker_.monitor() + " did not improve for " +
                      std::to_string(patience_) + " epochs (best " +
                      std::to_string(tracker_.best()) + " at epoch " +
                      std::to_string(best_epoch_ + 1) + ")";
    }
  }
  void on_train_end(TrainingState<Scalar>& s) override {
    if (restore_ && best_) s.model.copy_weights_from(*best_);
  }
  int best_epoch() const { return best_epoch_; }  // from 0; −1 if none
  double best_value() const { return tracker_.best(); }

 private:
  BestTracker tracker_;
  int patience_;
  bool restore_;
  int wait_ = 0;
  int best_epoch_ = -1;
  std::unique_ptr<Sequential<Scalar>> best_;
};

// Sets the optimizer's learning rate from a schedule at the start of every
// epoch, relative to the rate it had when training began; records "lr".
template <typename Scalar>
class LearningRateScheduler : public Callback<Scalar> {
 public:
  explicit LearningRateScheduler(Schedule schedule) : schedule_(std::move(schedule)) {}
  void on_train_begin(TrainingState<Scalar>& s) override { base_ = s.optimizer.learning_rate(); }
  void on_epoch_begin(TrainingState<Scalar>& s) override {
    s.optimizer.set_learning_rate(schedule_(s.epoch, base_));
  }
  void on_epoch_end(TrainingState<Scalar>& s) override {
    s.history.record("lr", s.optimizer.learning_rate());
  }

 private:
  Schedule schedule_;
  double base_ = 0;
};

// After every epoch in which `monitor` improves, copies the model's weights
// (best_model()) and calls `save` with the model, e.g. to write it to a file
// with hnn/io. With no monitor ("") it saves after every epoch.
template <typename Scalar>
class Checkpoint : public Callback<Scalar> {
 public:
  using SaveFn = std::function<void(Sequential<Scalar>&, int epoch)>;
  explicit Checkpoint(SaveFn save = {}, std::string monitor = "val_loss",
                      bool higher_is_better = false)
      : save_(std::move(save)), tracker_(std::move(monitor), 0.0, higher_is_better) {}
  void on_train_begin(TrainingState<Scalar>&) override { tracker_.reset(); }
  void on_epoch_end(TrainingState<Scalar>& s) override {
    if (!tracker_.monitor().empty() && !tracker_.improved(s.history)) return;
    best_ = std::make_unique<Sequential<Scalar>>(s.model);
    best_epoch_ = s.epoch;
    if (save_) save_(s.model, s.epoch);
  }
  // The weights at the last checkpoint (null before the first).
  const Sequential<Scalar>* best_model() const { return best_.get(); }
  int best_epoch() const { return best_epoch_; }

 private:
  SaveFn save_;
  BestTracker tracker_;
  std::unique_ptr<Sequential<Scalar>> best_;
  int best_epoch_ = -1;
};

}  // namespace hnn

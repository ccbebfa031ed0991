// SPDX-License-Identifier: MIT
#pragma once
// Callbacks: code that the training loop (model/train.hpp) runs at fixed
// points of training.
//
//   on_train_begin → (on_epoch_begin → on_batch_end × batches → on_epoch_end
//                     → on_epoch_complete) × epochs → on_train_end
//
// Each gets the TrainingState (model/training_state.hpp): the model, the
// optimizer, the history so far, the epoch, and a `stop` flag that ends
// training after the current epoch. on_epoch_complete comes after every
// callback's on_epoch_end, when the epoch's state is final: what a
// checkpoint to resume from saves.
//
// A callback whose decisions depend on earlier epochs (a patience count, a
// base learning rate) shows that state through save_state and takes it back
// in load_state, so a resumed run decides as the uninterrupted one would.
//
// Built in: EpochCallback (any function, once per epoch), EarlyStopping,
// LearningRateScheduler, and Checkpoint (keeps the best weights in memory and
// optionally hands them to a save function after every improvement; or, made
// with Checkpoint::resumable, saves everything a resumed run needs). The
// progress printer is in model/progress.hpp.

#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "hnn/core/check.hpp"
#include "hnn/core/error.hpp"
#include "hnn/model/history.hpp"
#include "hnn/model/sequential.hpp"
#include "hnn/model/training_state.hpp"
#include "hnn/optimizers/optimizer.hpp"
#include "hnn/optimizers/schedule.hpp"

namespace hnn {

/// Code the training loop runs at fixed points of training; every hook does nothing by default.
template <typename Scalar>
class Callback {
 public:
  Callback() = default;
  /// Copies the base (which holds nothing).
  Callback(const Callback&) = default;
  /// Assigns the base.
  Callback& operator=(const Callback&) = default;
  virtual ~Callback() = default;
  /// Before the first epoch.
  virtual void on_train_begin(TrainingState<Scalar>&) {}
  /// At the start of every epoch.
  virtual void on_epoch_begin(TrainingState<Scalar>&) {}
  /// After every batch's optimizer step, with the batch's loss.
  virtual void on_batch_end(TrainingState<Scalar>&, double /*batch_loss*/) {}
  /// After every epoch, once its loss and metrics are recorded.
  virtual void on_epoch_end(TrainingState<Scalar>&) {}
  /// After every callback's on_epoch_end, when the epoch's state is final.
  virtual void on_epoch_complete(TrainingState<Scalar>&) {}
  /// After the last epoch, or the epoch a callback stopped training in.
  virtual void on_train_end(TrainingState<Scalar>&) {}

  /// For checkpoints: adds this callback's state to `position`, names prefixed with `prefix`.
  // load_state takes it back (after on_train_begin).
  virtual void save_state(TrainingPosition<Scalar>& /*position*/,
                          const std::string& /*prefix*/) const {}
  /// Takes back what save_state() added, after on_train_begin.
  virtual void load_state(TrainingState<Scalar>& /*state*/,
                          const TrainingPosition<Scalar>& /*position*/,
                          const std::string& /*prefix*/) {}
};

template <typename Scalar>
TrainingPosition<Scalar> TrainingState<Scalar>::position() const {
  TrainingPosition<Scalar> p;
  p.epochs_done = epoch + 1;
  if (order_random) p.order_random = order_random->state();
  if (layer_random) p.layer_random = layer_random->state();
  if (order) p.order = *order;
  p.history = history;
  if (callbacks) {
    for (std::size_t k = 0; k < callbacks->size(); ++k)
      (*callbacks)[k]->save_state(p, std::to_string(k) + '.');
  }
  return p;
}

/// The last value of a history series ("val_loss").
inline double last(const History& h, const std::string& name) {
  const auto& s = h[name];
  if (s.empty()) throw ArgumentError("History: series \"" + name + "\" is empty");
  return s.back();
}

/// Runs a function after every epoch.
template <typename Scalar>
class EpochCallback : public Callback<Scalar> {
 public:
  /// A callback that calls `f` after every epoch.
  explicit EpochCallback(std::function<void(TrainingState<Scalar>&)> f) : f_(std::move(f)) {}
  void on_epoch_end(TrainingState<Scalar>& s) override { f_(s); }

 private:
  std::function<void(TrainingState<Scalar>&)> f_;
};

/// How far a value v must beat the best to count as an improvement (δ = min_delta).
// PyTorch's threshold_mode "abs" and "rel":
//   absolute:  v < best − δ          (v > best + δ when higher is better)
//   relative:  v < best · (1 − δ)    (v > best · (1 + δ))
enum class ThresholdMode { absolute, relative };

/// Watches a series (by default "val_loss") and remembers the best epoch.
// Shared by EarlyStopping, Checkpoint and ReduceLROnPlateau.
class BestTracker {
 public:
  /// Tracks `monitor`; an improvement must beat the best by min_delta, as `mode` says.
  BestTracker(std::string monitor, double min_delta, bool higher_is_better,
              ThresholdMode mode = ThresholdMode::absolute)
      : monitor_(std::move(monitor)),
        min_delta_(min_delta),
        higher_(higher_is_better),
        relative_(mode == ThresholdMode::relative) {
    check_at_least(monitor_, "min_delta", min_delta, 0);
  }
  /// Returns true when the latest value improves on the best by more than min_delta.
  bool improved(const History& h) {
    if (!h.has(monitor_)) {
      std::string recorded;
      for (const auto& name : h.names())
        recorded += (recorded.empty() ? "" : ", ") + name;
      throw ArgumentError("monitor \"" + monitor_ +
                          "\" is not recorded (validation data or that metric missing?); the "
                          "History has: " +
                          recorded);
    }
    const double v = last(h, monitor_);
    const bool better =
        relative_ ? (higher_ ? v > best_ * (1 + min_delta_) : v < best_ * (1 - min_delta_))
                  : (higher_ ? v > best_ + min_delta_ : v < best_ - min_delta_);
    if (better) best_ = v;
    return better;
  }
  /// The best value so far.
  double best() const { return best_; }
  /// Sets the best value (when resuming).
  void set_best(double best) { best_ = best; }
  /// The series watched.
  const std::string& monitor() const { return monitor_; }
  /// Forgets the best value.
  void reset() {
    best_ = higher_ ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }

 private:
  std::string monitor_;
  double min_delta_;
  bool higher_;
  bool relative_;
  double best_ =
      higher_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
};

/// Stops when `monitor` has not improved for `patience` epochs in a row (as Keras does).
// By default it puts back the weights of the best epoch.
template <typename Scalar>
class EarlyStopping : public Callback<Scalar> {
 public:
  /// Stops after `patience` epochs without an improvement of `monitor` by more than `min_delta`.
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
      s.stop_reason = stop_reason();
    }
  }
  void on_train_end(TrainingState<Scalar>& s) override {
    if (restore_ && best_) s.model.copy_weights_from(*best_);
  }
  int best_epoch() const { return best_epoch_; }  ///< the best epoch, from 0; −1 if none
  /// The best value of the monitored series.
  double best_value() const { return tracker_.best(); }

  void save_state(TrainingPosition<Scalar>& p, const std::string& prefix) const override {
    p.values.emplace_back(prefix + "best", tracker_.best());
    p.values.emplace_back(prefix + "best_epoch", best_epoch_);
    p.values.emplace_back(prefix + "wait", wait_);
    if (!best_) return;
    for (auto& t : best_->parameters())
      p.tensors.emplace_back(prefix + "best." + t.name(), t.value());
    for (auto& t : best_->buffers())
      p.tensors.emplace_back(prefix + "best." + t.name(), t.value());
  }
  void load_state(TrainingState<Scalar>& s, const TrainingPosition<Scalar>& p,
                  const std::string& prefix) override {
    tracker_.set_best(p.value(prefix + "best", tracker_.best()));
    best_epoch_ = int(p.value(prefix + "best_epoch", -1));
    wait_ = int(p.value(prefix + "wait", 0));
    if (restore_ && best_epoch_ >= 0) {
      best_ = std::make_unique<Sequential<Scalar>>(s.model);
      for (auto& t : best_->parameters())
        load_tensor(p, prefix + "best." + t.name(), t.value());
      for (auto& t : best_->buffers())
        load_tensor(p, prefix + "best." + t.name(), t.value());
    }
    if (wait_ > 0 && wait_ >= patience_) {  // a checkpoint of the epoch that ended the run
      s.stop = true;
      s.stop_reason = stop_reason();
    }
  }

 private:
  std::string stop_reason() const {
    return "early stopping: " + tracker_.monitor() + " did not improve for " +
           std::to_string(patience_) + " epochs (best " + std::to_string(tracker_.best()) +
           " at epoch " + std::to_string(best_epoch_ + 1) + ")";
  }

  template <typename Map>
  static void load_tensor(const TrainingPosition<Scalar>& p, const std::string& name, Map value) {
    const Matrix<Scalar>* m = p.tensor(name);
    if (!m || m->rows() != value.rows() || m->cols() != value.cols()) {
      throw ArgumentError("EarlyStopping: the checkpoint has no best weights \"" + name + "\"");
    }
    value = *m;
  }

  BestTracker tracker_;
  int patience_;
  bool restore_;
  int wait_ = 0;
  int best_epoch_ = -1;
  std::unique_ptr<Sequential<Scalar>> best_;
};

/// Sets the optimizer's learning rate from a schedule at the start of every epoch.
// Relative to the rate it had when training began; records "lr".
template <typename Scalar>
class LearningRateScheduler : public Callback<Scalar> {
 public:
  /// A scheduler that follows `schedule`.
  explicit LearningRateScheduler(Schedule schedule) : schedule_(std::move(schedule)) {}
  void on_train_begin(TrainingState<Scalar>& s) override { base_ = s.optimizer.learning_rate(); }
  void on_epoch_begin(TrainingState<Scalar>& s) override {
    const double rate = schedule_(s.epoch, base_);
    // A schedule can leave the numbers an optimizer takes (γ^e overflows):
    // set_learning_rate refuses such a rate before any step is taken with it,
    // and the message says which schedule and epoch gave it.
    try {
      s.optimizer.set_learning_rate(rate);
    } catch (const ArgumentError& e) {
      throw ArgumentError("LearningRateScheduler: the " + schedule_.name() +
                          " schedule's rate for epoch " + std::to_string(s.epoch + 1) + ": " +
                          e.what());
    }
  }
  void on_epoch_end(TrainingState<Scalar>& s) override {
    s.history.record("lr", s.optimizer.learning_rate());
  }
  void save_state(TrainingPosition<Scalar>& p, const std::string& prefix) const override {
    p.values.emplace_back(prefix + "base_rate", base_);
  }
  void load_state(TrainingState<Scalar>&, const TrainingPosition<Scalar>& p,
                  const std::string& prefix) override {
    base_ = p.value(prefix + "base_rate", base_);
  }

 private:
  Schedule schedule_;
  double base_ = 0;
};

/// Saves the model when `monitor` improves, or (resumable) a checkpoint every few epochs.
// After every epoch in which `monitor` improves, copies the model's weights
// (best_model()) and calls `save` with the model, e.g. to write it to a file
// with hnn/io. With no monitor ("") it saves after every epoch.
//
// Checkpoint::resumable(save, every) is the other kind: after every `every`
// epochs, once every callback has seen the epoch (on_epoch_complete), it
// calls save(state) — io/checkpoint.hpp's save_checkpoint writes the model,
// the optimizer's state and the TrainingPosition to a file that
// load_checkpoint and FitOptions::resume_from continue from.
template <typename Scalar>
class Checkpoint : public Callback<Scalar> {
 public:
  /// Saves the model after epoch `epoch`.
  using SaveFn = std::function<void(Sequential<Scalar>&, int epoch)>;
  /// Saves everything a resumed run needs.
  using SaveStateFn = std::function<void(TrainingState<Scalar>&)>;

  /// A checkpoint that keeps the best weights by `monitor` and hands them to `save`.
  explicit Checkpoint(SaveFn save = {}, std::string monitor = "val_loss",
                      bool higher_is_better = false)
      : save_(std::move(save)), tracker_(std::move(monitor), 0.0, higher_is_better) {}

  /// A checkpoint that calls `save` every `every` epochs, once the epoch's state is final.
  static std::shared_ptr<Checkpoint> resumable(SaveStateFn save, int every = 1) {
    if (!save) throw ArgumentError("Checkpoint::resumable: no save function");
    if (every < 1) throw ArgumentError("Checkpoint::resumable: every must be >= 1");
    auto c = std::make_shared<Checkpoint>(SaveFn{}, "");
    c->save_state_ = std::move(save);
    c->every_ = every;
    return c;
  }

  void on_train_begin(TrainingState<Scalar>&) override { tracker_.reset(); }
  void on_epoch_end(TrainingState<Scalar>& s) override {
    if (save_state_) return;  // a resumable checkpoint saves on_epoch_complete
    if (!tracker_.monitor().empty() && !tracker_.improved(s.history)) return;
    best_ = std::make_unique<Sequential<Scalar>>(s.model);
    best_epoch_ = s.epoch;
    if (save_) save_(s.model, s.epoch);
  }
  void on_epoch_complete(TrainingState<Scalar>& s) override {
    if (!save_state_ || (s.epoch + 1) % every_ != 0) return;
    best_epoch_ = s.epoch;
    save_state_(s);
  }
  /// The weights at the last checkpoint (null before the first).
  // Also null for a resumable checkpoint, which keeps nothing in memory.
  const Sequential<Scalar>* best_model() const { return best_.get(); }
  /// The epoch of the last checkpoint, from 0; −1 before the first.
  int best_epoch() const { return best_epoch_; }

 private:
  SaveFn save_;
  SaveStateFn save_state_;
  int every_ = 1;
  BestTracker tracker_;
  std::unique_ptr<Sequential<Scalar>> best_;
  int best_epoch_ = -1;
};

}  // namespace hnn

// SPDX-License-Identifier: MIT
#pragma once
// ReduceLROnPlateau: a callback that lowers the learning rate by a factor
// when a monitored series has stopped improving — the schedule for a run
// whose length is not known in advance. The rule is PyTorch's
// (torch.optim.lr_scheduler.ReduceLROnPlateau), applied at the end of every
// epoch to the latest value v of the series `monitor` (default "val_loss"):
//
//   if v beats best (BestTracker, by more than threshold):  best ← v, bad ← 0
//   else                                                     bad ← bad + 1
//   if cooldown_left > 0:   cooldown_left ← cooldown_left − 1,  bad ← 0
//   if bad > patience:      η′ = max(η · factor, min_lr)
//                           if η − η′ > eps:  η ← η′
//                           cooldown_left ← cooldown,  bad ← 0
//
// "Beats" is BestTracker's test (model/callbacks.hpp): with the relative
// threshold (the default, as in PyTorch) v < best · (1 − threshold) for a
// value to lower, v > best · (1 + threshold) for one to raise; with the
// absolute one v < best − threshold, v > best + threshold. A NaN never beats.
// The relative test assumes a positive series (a loss, an accuracy); for one
// that can be negative, use the absolute test.
//
// Counting: `patience` epochs without improvement are tolerated and the
// next one lowers the rate — with patience p the rate first falls after
// p + 1 epochs in a row without improvement (PyTorch's count; Keras' callback
// of the same name, like EarlyStopping here, acts after p). After a
// reduction, the `cooldown` epochs that follow count no bad epochs.
//
// The History gets "lr": the rate each epoch trained with (a reduction
// decided at the end of epoch e shows from epoch e + 1 on), as
// LearningRateScheduler records it.
//
// With a LearningRateScheduler in the same fit(), the schedule would set the
// rate at the start of every epoch and undo every reduction: fit() refuses
// the combination (an ArgumentError at the start of training), and a second
// ReduceLROnPlateau too. The counters are saved and restored by
// save_state/load_state, and the rate itself travels with the optimizer's
// state in a checkpoint (io/checkpoint.hpp), so a resumed run reduces on the
// same epochs as the uninterrupted one.

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "hnn/core/check.hpp"
#include "hnn/core/error.hpp"
#include "hnn/model/callbacks.hpp"
#include "hnn/model/history.hpp"
#include "hnn/model/training_state.hpp"

namespace hnn {

/// The settings of ReduceLROnPlateau (PyTorch's defaults).
struct PlateauOptions {
  std::string monitor = "val_loss";  ///< the History series watched, e.g. "val_accuracy"
  bool higher_is_better = false;     ///< PyTorch's mode "max" (an accuracy); false: "min"
  double factor = 0.1;               ///< η ← η · factor, in (0, 1)
  int patience = 10;                 ///< bad epochs tolerated before a reduction, ≥ 0
  double threshold = 1e-4;           ///< how much better counts as better, ≥ 0 (< 1 if relative)
  ThresholdMode threshold_mode = ThresholdMode::relative;  ///< relative or absolute threshold
  int cooldown = 0;   ///< epochs after a reduction that count no bad epochs, ≥ 0
  double min_lr = 0;  ///< the rate never goes below this, ≥ 0
  double eps = 1e-8;  ///< a reduction by less than this is skipped, ≥ 0
};

/// Lowers the learning rate by a factor when a monitored series stops improving.
template <typename Scalar>
class ReduceLROnPlateau : public Callback<Scalar> {
 public:
  /// Checks every option (an ArgumentError names the one that is wrong).
  explicit ReduceLROnPlateau(PlateauOptions options = {})
      : o_(checked(std::move(options))),
        tracker_(o_.monitor, o_.threshold, o_.higher_is_better, o_.threshold_mode) {}

  void on_train_begin(TrainingState<Scalar>& s) override {
    if (s.callbacks) {
      for (const auto& c : *s.callbacks) {
        if (dynamic_cast<const LearningRateScheduler<Scalar>*>(c.get())) {
          throw ArgumentError(
              "ReduceLROnPlateau: the callbacks also hold a LearningRateScheduler, which sets "
              "the learning rate at the start of every epoch and would undo every reduction; "
              "use one of the two");
        }
        if (c.get() != this && dynamic_cast<const ReduceLROnPlateau*>(c.get())) {
          throw ArgumentError(
              "ReduceLROnPlateau: the callbacks hold a second ReduceLROnPlateau; both would "
              "change the same learning rate");
        }
      }
    }
    tracker_.reset();
    bad_epochs_ = 0;
    cooldown_left_ = 0;
    reductions_ = 0;
  }

  void on_epoch_end(TrainingState<Scalar>& s) override {
    s.history.record("lr", s.optimizer.learning_rate());  // the rate this epoch trained with
    bool improved = false;
    try {
      improved = tracker_.improved(s.history);
    } catch (const ArgumentError& e) {
      throw ArgumentError(std::string("ReduceLROnPlateau: ") + e.what());
    }
    bad_epochs_ = improved ? 0 : bad_epochs_ + 1;
    if (cooldown_left_ > 0) {  // bad epochs in the cooldown are not counted
      --cooldown_left_;
      bad_epochs_ = 0;
    }
    if (bad_epochs_ > o_.patience) {
      const double rate = s.optimizer.learning_rate();
      const double lowered = std::max(rate * o_.factor, o_.min_lr);  // η′ = max(η · factor, min_lr)
      if (rate - lowered > o_.eps) {
        s.optimizer.set_learning_rate(lowered);
        ++reductions_;
      }
      cooldown_left_ = o_.cooldown;
      bad_epochs_ = 0;
    }
  }

  /// The settings.
  const PlateauOptions& options() const { return o_; }
  /// The best value of the monitored series so far.
  double best() const { return tracker_.best(); }
  /// Epochs in a row without improvement (reset by a reduction and in the cooldown).
  int bad_epochs() const { return bad_epochs_; }
  /// Epochs of cooldown still to come.
  int cooldown_left() const { return cooldown_left_; }
  /// How often the rate was lowered.
  int reductions() const { return reductions_; }

  void save_state(TrainingPosition<Scalar>& p, const std::string& prefix) const override {
    p.values.emplace_back(prefix + "best", tracker_.best());
    p.values.emplace_back(prefix + "bad_epochs", bad_epochs_);
    p.values.emplace_back(prefix + "cooldown_left", cooldown_left_);
    p.values.emplace_back(prefix + "reductions", reductions_);
  }
  void load_state(TrainingState<Scalar>&, const TrainingPosition<Scalar>& p,
                  const std::string& prefix) override {
    tracker_.set_best(p.value(prefix + "best", tracker_.best()));
    bad_epochs_ = int(p.value(prefix + "bad_epochs", 0));
    cooldown_left_ = int(p.value(prefix + "cooldown_left", 0));
    reductions_ = int(p.value(prefix + "reductions", 0));
  }

 private:
  static PlateauOptions checked(PlateauOptions o) {
    const std::string who = "ReduceLROnPlateau";
    if (o.monitor.empty()) {
      throw ArgumentError(who + ": monitor must name a History series (\"val_loss\", …)");
    }
    if (!(o.factor > 0 && o.factor < 1)) detail::bad_number(who, "factor", "in (0, 1)", o.factor);
    if (o.patience < 0) {
      throw ArgumentError(who + ": patience must be >= 0, got " + std::to_string(o.patience));
    }
    if (o.cooldown < 0) {
      throw ArgumentError(who + ": cooldown must be >= 0, got " + std::to_string(o.cooldown));
    }
    if (o.threshold_mode == ThresholdMode::relative) {  // best · (1 − threshold) must stay > 0
      check_half_open(who, "threshold (relative)", o.threshold, 0, 1);
    } else {
      check_at_least(who, "threshold", o.threshold, 0);
    }
    check_at_least(who, "min_lr", o.min_lr, 0);
    check_at_least(who, "eps", o.eps, 0);
    return o;
  }

  PlateauOptions o_;
  BestTracker tracker_;
  int bad_epochs_ = 0;
  int cooldown_left_ = 0;
  int reductions_ = 0;
};

}  // namespace hnn

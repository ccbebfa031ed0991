// SPDX-License-Identifier: MIT
#pragma once
// The training loop: hnn::train (what Sequential::fit calls) and
// hnn::evaluate.
//
//   for each epoch:
//     reset the layers' sequence state
//     shuffle the order of the samples             (seeded: FitOptions::seed)
//     for each batch B of that order:              (drop_last: full batches only)
//       X_B ← augment(X_B)                         a changed copy (if asked: shifted images)
//       zero_grad()                                the gradients accumulate otherwise
//       P  = forward(X_B, train, generator)        predictions (outputs × |B|)
//       L  = loss(P, T_B) + R                      a number; must be finite
//            R = Σ_W λ₁ Σ|w| + λ₂ Σ w²             the weights' penalties (0 if none)
//       dP = ∂L/∂P                                 carries the 1/|B| of the mean
//       backward(dP)                               every ∂L/∂w, by the chain rule
//       dW += λ₁ sign(W) + 2 λ₂ W                  ∂R/∂W, for each penalized W
//       clip the gradients                         (if asked)
//       optimizer.step(parameters())               w ← w − η (…)
//     check every parameter and buffer is finite   (the last step shows in no loss)
//     record the epoch's loss and metrics, evaluate the validation data
//
// The penalties are Sequential::add(layer, penalty)'s (core/penalty.hpp). The
// epoch's loss is the mean of L over the samples trained on; with a penalty
// the mean of R is recorded too ("penalty"), and the validation loss is the
// loss of the predictions alone.
//
// with the callbacks (model/callbacks.hpp) called at fixed points: printing
// progress (model/progress.hpp), early stopping, schedules, checkpoints.
// The batches are gathered by copy_batch (data/dataset.hpp) into one buffer
// reused by every batch, or are views of X when the order is not shuffled.
// A float model trains with flush-to-zero on (FitOptions::flush_to_zero).
//
// The loop can also run in several processes that train one model together
// (model/training_group.hpp; distributed/ is the MPI one): each process then
// takes its slice of every batch, and the group's hooks make the slices' loss
// and gradients the batch's before the penalties and the step. Alone, as
// above, the hooks do nothing.

#include <chrono>
#include <cmath>
#include <memory>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "hnn/core/check.hpp"
#include "hnn/core/error.hpp"
#include "hnn/core/penalty.hpp"
#include "hnn/core/random.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/data/dataset.hpp"
#include "hnn/losses/loss.hpp"
#include "hnn/model/callbacks.hpp"
#include "hnn/model/fit_options.hpp"
#include "hnn/model/history.hpp"
#include "hnn/model/metrics.hpp"
#include "hnn/model/progress.hpp"
#include "hnn/model/sequential.hpp"
#include "hnn/model/training_group.hpp"
#include "hnn/model/training_state.hpp"
#include "hnn/optimizers/clip.hpp"
#include "hnn/optimizers/optimizer.hpp"
#include "hnn/perf/flush_to_zero.hpp"

namespace hnn {

namespace detail {

// The seed of the generator handed to the layers: another stream than the
// sample order's, so a dropout layer does not change which samples batch
// together; and in a training group, another stream in each process, so
// that their dropout masks differ (process 0's is the one of a lone run).
inline std::uint64_t layer_seed(std::uint64_t seed, int rank = 0) {
  return (seed ^ 0x9E3779B97F4A7C15ull) + 0xBF58476D1CE4E5B9ull * std::uint64_t(rank);
}

// The seed of the augmentation's generator in one epoch: a third stream,
// seeded anew every epoch, so that a resumed run needs no saved state for it.
inline std::uint64_t augment_seed(std::uint64_t seed, int epoch) {
  return (seed ^ 0xD1B54A32D192ED03ull) + 0x9E3779B97F4A7C15ull * std::uint64_t(epoch);
}

// Flush-to-zero for the duration of training a float model, if asked.
template <typename Scalar>
class FlushWhileTraining {
 public:
  explicit FlushWhileTraining(bool asked) {
    if (asked && std::is_same<Scalar, float>::value) ftz_.emplace(true);
  }

 private:
  std::optional<FlushToZero> ftz_;
};

// Targets are a matrix (outputs × samples) or labels (one per sample).
template <typename Scalar>
void check_targets(const std::string& who, const Matrix<Scalar>& X, const Matrix<Scalar>& Y,
                   Index outputs) {
  if (Y.cols() != X.cols() || Y.rows() != outputs) {
    throw ShapeError(who + ": targets have shape " + shape_string(Y) + ", expected " +
                     shape_string(outputs, X.cols()) + " (outputs × samples)");
  }
}
template <typename Scalar>
void check_targets(const std::string& who, const Matrix<Scalar>& X, const Labels& y,
                   Index outputs) {
  if (y.size() != X.cols()) {
    throw ShapeError(who + ": " + std::to_string(X.cols()) + " samples but " +
                     std::to_string(y.size()) + " labels");
  }
  for (Index j = 0; j < y.size(); ++j) {
    if (y(j) < 0 || y(j) >= outputs) {
      throw ArgumentError(who + ": label " + std::to_string(y(j)) + " of sample " +
                          std::to_string(j) + " is outside [0, " + std::to_string(outputs) + ")");
    }
  }
}

// The samples `first … first + n − 1` of the targets, in storage order.
template <typename Scalar>
ConstRef<Scalar> target_columns(const Matrix<Scalar>& Y, Index first, Index n) {
  return Y.middleCols(first, n);
}
inline LabelsRef target_columns(const Labels& y, Index first, Index n) {
  return y.segment(first, n);
}
// The first n of a gathered batch's targets.
template <typename Scalar>
ConstRef<Scalar> first_targets(const Matrix<Scalar>& Y, Index n) {
  return Y.leftCols(n);
}
inline LabelsRef first_targets(const Labels& y, Index n) {
  return y.head(n);
}

template <typename Scalar>
double metric_value(const Metric& m, const Matrix<Scalar>& P, const Matrix<Scalar>& T) {
  return m(Matrix<double>(P.template cast<double>()), Matrix<double>(T.template cast<double>()));
}
template <typename Scalar>
double metric_value(const Metric& m, const Matrix<Scalar>& P, const Labels& y) {
  return m(Matrix<double>(P.template cast<double>()), y);
}

// The batches of one epoch: views of X and T in storage order, or, when the
// order is shuffled, copies gathered into buffers reused by every batch.
// After drop_partial(), the last batch is left out when it is smaller than
// the others: ⌊N/B⌋ batches of B samples, instead of ⌈N/B⌉.
// In a training group (model/training_group.hpp) inputs, targets and sample
// are this process's slice of each batch; samples(b) is the whole batch's.
template <typename Scalar, typename Targets>
class Batches {
 public:
  Batches(const Matrix<Scalar>& X, const Targets& T, Index batch_size, bool shuffled)
      : X_(X),
        T_(T),
        size_(batch_size),
        shuffled_(shuffled && batch_size < X.cols()),
        order_(std::size_t(X.cols())) {
    std::iota(order_.begin(), order_.end(), Index(0));
  }
  Index count() const { return drop_partial_ ? X_.cols() / size_ : batch_count(X_.cols(), size_); }
  void drop_partial() { drop_partial_ = true; }
  // Process `rank` of `ranks` takes its slice of every batch (model/training_group.hpp).
  void share(int rank, int ranks) {
    rank_ = rank;
    ranks_ = ranks;
  }
  // The samples an epoch trains on, and which they are (in batch order).
  Index trained() const { return std::min(X_.cols(), count() * size_); }
  std::vector<Index> trained_samples() const {
    return std::vector<Index>(order_.begin(), order_.begin() + std::ptrdiff_t(trained()));
  }
  Index samples(Index b) const { return std::min(size_, X_.cols() - b * size_); }
  // This process's slice of batch b, as a range of X's order: first … first + count − 1.
  Slice slice(Index b) const {
    const Slice s = shard(samples(b), rank_, ranks_);
    return {b * size_ + s.first, s.count};
  }
  // The new order of an epoch (unchanged unless shuffled).
  void shuffle(Random& rng) {
    if (shuffled_) rng.shuffle(order_.begin(), order_.end());
  }
  // Which sample of X column k of batch b is.
  Index sample(Index b, Index k) const { return order_[std::size_t(slice(b).first + k)]; }
  // The order of the last shuffle (null when not shuffled), and the same put
  // back when a run resumes: each epoch shuffles the previous order further.
  const std::vector<Index>* order() const { return shuffled_ ? &order_ : nullptr; }
  void set_order(const std::vector<Index>& order) {
    if (!shuffled_ && order.empty()) return;
    std::vector<bool> seen(order_.size(), false);
    bool permutation = shuffled_ && order.size() == order_.size();
    for (std::size_t k = 0; permutation && k < order.size(); ++k) {
      const Index i = order[k];
      permutation = i >= 0 && std::size_t(i) < seen.size() && !seen[std::size_t(i)];
      if (permutation) seen[std::size_t(i)] = true;
    }
    if (!permutation) {
      throw ArgumentError("fit: resume_from's sample order (" + std::to_string(order.size()) +
                          " samples) is not one of these " + std::to_string(order_.size()) +
                          (shuffled_ ? " shuffled samples" : " samples, which are not shuffled"));
    }
    order_ = order;
  }

  ConstRef<Scalar> inputs(Index b) {
    const Slice s = slice(b);
    if (!shuffled_) return X_.middleCols(s.first, s.count);
    const Index n = copy_batch(X_, order_, s.first, s.count, Xb_);
    return Xb_.leftCols(n);
  }
  // The inputs of batch b as a copy (in the reused buffer) that may be changed.
  MutRef<Scalar> copied_inputs(Index b) {
    const Slice s = slice(b);
    if (shuffled_) return Xb_.leftCols(copy_batch(X_, order_, s.first, s.count, Xb_));
    auto Xb = batch_view(Xb_, X_.rows(), s.count);
    Xb = X_.middleCols(s.first, s.count);
    return Xb;
  }
  auto targets(Index b) {
    const Slice s = slice(b);
    if (!shuffled_) return target_columns(T_, s.first, s.count);
    return first_targets(Tb_, copy_batch(T_, order_, s.first, s.count, Tb_));
  }

 private:
  const Matrix<Scalar>& X_;
  const Targets& T_;
  Index size_;
  bool shuffled_;
  int rank_ = 0, ranks_ = 1;  // this process's slice of every batch (alone: all of it)
  bool drop_partial_ = false;
  std::vector<Index> order_;
  Matrix<Scalar> Xb_;  // the gathered batch (when shuffled)
  Targets Tb_;
};

// Batch b's inputs, copied and changed by the augmentation.
template <typename Scalar, typename Targets, typename Augment>
ConstRef<Scalar> augmented(Batches<Scalar, Targets>& batches, Index b, const Augment& augment,
                           Random& rng) {
  MutRef<Scalar> Xb = batches.copied_inputs(b);
  augment(Xb, rng);
  return Xb;
}

template <typename Scalar, typename Targets>
void check_fit(const Sequential<Scalar>& model, const Matrix<Scalar>& X, const Targets& T,
               const FitOptions<Scalar>& o) {
  if (o.epochs < 0) throw ArgumentError("fit: epochs must be >= 0");
  if (o.batch_size < 0) throw ArgumentError("fit: batch_size must be >= 0 (0 is the full batch)");
  check_at_least("fit", "clip_grad_norm (0 is off)", o.clip_grad_norm, 0);
  check_at_least("fit", "clip_grad_value (0 is off)", o.clip_grad_value, 0);
  if (!o.out) throw ArgumentError("fit: out is null");
  if (X.cols() == 0) throw ShapeError("fit: no samples");
  check_samples("fit", "input", X, model.input_shape());
  check_targets("fit", X, T, model.output_size());
  if (o.has_validation()) {
    check_samples("fit (validation)", "input", *o.validation_X, model.input_shape());
    if (std::is_same<Targets, Labels>::value ? o.validation_y == nullptr
                                             : o.validation_Y == nullptr) {
      throw ArgumentError(
          "fit: validation targets must be of the same kind as the training targets");
    }
  }
  const Index N = X.cols(), B = (o.batch_size == 0 || o.batch_size > N) ? N : o.batch_size;
  if (o.drop_last && o.batch_size > N) {
    throw ArgumentError("fit: drop_last with batch_size " + std::to_string(o.batch_size) +
                        " and only " + std::to_string(N) +
                        " samples would drop every sample (no batch is full): use a smaller "
                        "batch_size, or batch_size = 0 for the full batch");
  }
  if (model
          .stateful()) {  // a state carried from batch to batch needs batches in order, of one size
    if (o.shuffle && B < N) {
      throw ArgumentError(
          "fit: the model is stateful (a layer carries its state from batch to "
          "batch): set shuffle = false");
    }
    if (N % B != 0 && !o.drop_last) {
      throw ArgumentError("fit: the model is stateful: every batch must have the same size, but " +
                          std::to_string(N) + " samples are not a multiple of batch_size " +
                          std::to_string(B) + " (drop_last = true leaves the last batch out)");
    }
  }
  if (o.resume_from && (o.resume_from->epochs_done < 0 || o.resume_from->epochs_done > o.epochs)) {
    throw ArgumentError("fit: resume_from has " + std::to_string(o.resume_from->epochs_done) +
                        " epochs done, outside 0 … epochs = " + std::to_string(o.epochs));
  }
}

// Loss and metrics of the model on (X, targets), in inference mode; the
// predictions are the group's (shared out over its processes, if several).
template <typename Scalar, typename Targets>
Evaluation evaluate(Sequential<Scalar>& model, const Matrix<Scalar>& X, const Targets& T,
                    const Loss<Scalar>& loss, const std::vector<Metric>& metrics, Index batch_size,
                    TrainingGroup<Scalar>& group) {
  check_targets("evaluate", X, T, model.output_size());
  if (X.cols() == 0) throw ShapeError("evaluate: no samples");
  if (batch_size <= 0) throw ArgumentError("evaluate: batch_size must be > 0");
  model.reset_state();
  const Matrix<Scalar> P = group.predict(model, X, batch_size);
  model.reset_state();
  double sum = 0;  // Σ_B loss(B) |B|: the mean over all samples, batch by batch
  for (Index start = 0; start < X.cols(); start += batch_size) {
    const Index n = std::min(batch_size, X.cols() - start);
    sum += double(loss.value(P.middleCols(start, n), target_columns(T, start, n))) * double(n);
  }
  Evaluation e;
  e.loss = sum / double(X.cols());
  for (const auto& m : metrics)
    e.metrics.emplace_back(m.name, metric_value(m, P, T));
  return e;
}

// Throws NumericError naming the first parameter or buffer that holds a NaN
// or an infinity. A step that makes a weight non-finite makes the next
// batch's loss non-finite, which the loop catches; only the epoch's last
// step would go unseen, so this runs once per epoch, after it (a pass over
// the parameters, next to an epoch's many products).
template <typename Scalar>
void check_finite_state(Sequential<Scalar>& model, int epoch) {
  for (std::size_t k = 0; k < model.size(); ++k) {
    Layer<Scalar>& layer = model.layer(k);
    const auto report = [&](const std::string& kind, const std::string& name) {
      std::ostringstream s;
      s << "fit: after epoch " << epoch + 1 << ", " << kind << ' ' << name << " of layer " << k
        << " (" << layer.describe() << ") is not finite (NaN or inf); training stopped (try a "
        << "smaller learning rate, check eps and the other hyper-parameters, or clip the "
        << "gradients)";
      throw NumericError(s.str());
    };
    for (auto& p : layer.parameters())
      if (!p.value().allFinite()) report("parameter", p.name());
    for (auto& b : layer.buffers())
      if (!b.value().allFinite()) report("buffer", b.name());
  }
}

// The loop, in the processes of `group` (alone: this process only).
template <typename Scalar, typename Targets>
History train(Sequential<Scalar>& model, const Matrix<Scalar>& X, const Targets& T,
              const Loss<Scalar>& loss, Optimizer<Scalar>& optimizer, const FitOptions<Scalar>& o,
              TrainingGroup<Scalar>& group) {
  using Clock = std::chrono::steady_clock;
  check_fit(model, X, T, o);
  const FlushWhileTraining<Scalar> ftz(o.flush_to_zero);
  const Index N = X.cols();
  const Index B = (o.batch_size == 0 || o.batch_size > N) ? N : o.batch_size;
  Batches<Scalar, Targets> batches(X, T, B, o.shuffle);
  if (o.drop_last) batches.drop_partial();  // ⌊N/B⌋ batches of B samples
  batches.share(group.rank(), group.size());
  Random order_random(o.seed), layer_random(layer_seed(o.seed, group.rank()));
  Random augment_random(augment_seed(o.seed, 0));

  // The user's callbacks, then the printer (so its line shows what they recorded).
  auto callbacks = o.callbacks;
  if (o.verbosity != Verbosity::quiet) {
    const bool live = o.verbosity == Verbosity::progress && is_terminal(o.out);
    using Printer = ProgressPrinter<Scalar>;
    callbacks.push_back(
        std::make_shared<Printer>(*o.out, live ? Printer::Bar::live : Printer::Bar::none));
  }
  History history;
  TrainingState<Scalar> state{model, optimizer, history, 0,       o.epochs, 0,       0,
                              0,     false,     {},      nullptr, nullptr,  nullptr, nullptr};
  state.batches = batches.count();
  state.order_random = &order_random;
  state.layer_random = &layer_random;
  state.callbacks = &o.callbacks;
  state.order = batches.order();

  int first_epoch = 0;
  for (auto& c : callbacks)
    c->on_train_begin(state);
  if (o.resume_from) {  // continue where the checkpoint left off
    const TrainingPosition<Scalar>& p = *o.resume_from;
    first_epoch = p.epochs_done;
    history = p.history;
    order_random.set_state(p.order_random);
    layer_random.set_state(p.layer_random);
    batches.set_order(p.order);
    for (std::size_t k = 0; k < o.callbacks.size(); ++k)
      o.callbacks[k]->load_state(state, p, std::to_string(k) + '.');
  }

  auto params = model.parameters();
  auto penalized = model.penalized_weights();  // each W with a penalty, and its λ₁, λ₂
  Matrix<Scalar> dP;                           // ∂L/∂P buffer
  Matrix<Scalar> P_epoch(model.output_size(), o.metrics.empty() ? 0 : N);  // for train metrics
  for (int epoch = first_epoch; epoch < o.epochs && !state.stop; ++epoch) {
    state.epoch = epoch;
    model.reset_state();
    P_epoch.setZero();  // in a group, each process fills the columns it trains on
    for (auto& c : callbacks)
      c->on_epoch_begin(state);
    const auto t0 = Clock::now();
    batches.shuffle(order_random);
    augment_random.seed(augment_seed(o.seed, epoch));
    double sum = 0, penalty_sum = 0;  // Σ_B L_B |B|, Σ_B R_B |B|
    for (Index b = 0; b < batches.count(); ++b) {
      state.batch = b;
      state.batch_size = batches.samples(b);  // |B| (this process trains on a slice, in a group)
      const ConstRef<Scalar> Xb =
          o.augment ? augmented(batches, b, o.augment, augment_random) : batches.inputs(b);
      const auto Tb = batches.targets(b);

      zero_grad(params);
      const ConstRef<Scalar> P = model.forward(Xb, Mode::train, layer_random);  // P = f(X_B)
      auto G = batch_view(dP, P.rows(), P.cols());
      const double R = penalty_value(penalized);  // R = Σ_W λ₁ Σ|w| + λ₂ Σ w²
      const double L_P = double(loss.value_and_gradient(P, Tb, G));  // L(P, T_B); G = ∂L/∂P
      const double L = group.reduce_loss(L_P, P.cols(), state.batch_size) + R;  // L_P + R alone
      if (!std::isfinite(L)) {
        std::ostringstream s;
        s << "fit: the loss is " << L << " at epoch " << epoch + 1 << ", batch " << b + 1 << " of "
          << batches.count();
        if (!std::isfinite(R)) s << " (the penalty on the weights is " << R << ")";
        s << "; training stopped (try a smaller learning rate, or check the data for NaN/inf)";
        throw NumericError(s.str());
      }
      model.backward(G);                                           // ∂L/∂w for every w
      group.reduce_gradients(params, P.cols(), state.batch_size);  // in a group: Σ over slices
      add_penalty_gradients(penalized);  // dW += λ₁ sign(W) + 2 λ₂ W
      if (o.clip_grad_norm > 0) clip_grad_norm(params, o.clip_grad_norm);
      if (o.clip_grad_value > 0) clip_grad_value(params, o.clip_grad_value);
      optimizer.step(params);  // w ← w − η (…)
      group.after_step(model);

      sum += L * double(state.batch_size);
      penalty_sum += R * double(state.batch_size);
      for (Index k = 0; k < P_epoch.cols() && k < P.cols(); ++k)
        P_epoch.col(batches.sample(b, k)) = P.col(k);
      for (auto& c : callbacks)
        c->on_batch_end(state, L);
    }
    group.reduce_predictions(P_epoch);
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    check_finite_state(model, epoch);  // the last step's update shows in no loss

    const double trained = double(batches.trained());  // N, or fewer with drop_last
    history.record("loss", sum / trained);
    if (!penalized.empty()) history.record("penalty", penalty_sum / trained);
    if (batches.trained() == N) {
      for (const auto& m : o.metrics)
        history.record(m.name, metric_value(m, P_epoch, T));
    } else if (!o.metrics.empty()) {  // drop_last left samples out: measure the others
      const auto used = batches.trained_samples();
      const Matrix<Scalar> P_used = select_columns(P_epoch, used);
      const Targets T_used = select_columns(T, used);
      for (const auto& m : o.metrics)
        history.record(m.name, metric_value(m, P_used, T_used));
    }
    if (o.has_validation()) {
      const Index vb = model.stateful() ? B : 256;  // a stateful model sees batches of one size
      const auto v = o.validation_y ? detail::evaluate(model, *o.validation_X, *o.validation_y,
                                                       loss, o.metrics, vb, group)
                                    : detail::evaluate(model, *o.validation_X, *o.validation_Y,
                                                       loss, o.metrics, vb, group);
      history.record("val_loss", v.loss);
      for (const auto& m : v.metrics)
        history.record("val_" + m.first, m.second);
    }
    history.record("seconds", seconds);
    for (auto& c : callbacks)
      c->on_epoch_end(state);
    for (auto& c : callbacks)
      c->on_epoch_complete(state);
  }
  for (auto& c : callbacks)
    c->on_train_end(state);
  return history;
}

}  // namespace detail

/// Trains `model` on (X, Y) with `loss` and `optimizer`, as `options` say; returns the History.
template <typename Scalar>
History train(Sequential<Scalar>& model, const Matrix<Scalar>& X, const Matrix<Scalar>& Y,
              const Loss<Scalar>& loss, Optimizer<Scalar>& optimizer,
              const FitOptions<Scalar>& options) {
  TrainingGroup<Scalar> alone;
  return detail::train(model, X, Y, loss, optimizer, options, alone);
}

/// Trains `model` on (X, y), class labels, as `options` say; returns the History.
template <typename Scalar>
History train(Sequential<Scalar>& model, const Matrix<Scalar>& X, const Labels& y,
              const Loss<Scalar>& loss, Optimizer<Scalar>& optimizer,
              const FitOptions<Scalar>& options) {
  TrainingGroup<Scalar> alone;
  return detail::train(model, X, y, loss, optimizer, options, alone);
}

/// The loss and the metrics of `model` on (X, Y), predicted `batch_size` samples at a time.
template <typename Scalar>
Evaluation evaluate(Sequential<Scalar>& model, const Matrix<Scalar>& X, const Matrix<Scalar>& Y,
                    const Loss<Scalar>& loss, const std::vector<Metric>& metrics,
                    Index batch_size) {
  const detail::FlushWhileTraining<Scalar> ftz(true);
  TrainingGroup<Scalar> alone;
  return detail::evaluate(model, X, Y, loss, metrics, batch_size, alone);
}

/// The loss and the metrics of `model` on (X, y), class labels.
template <typename Scalar>
Evaluation evaluate(Sequential<Scalar>& model, const Matrix<Scalar>& X, const Labels& y,
                    const Loss<Scalar>& loss, const std::vector<Metric>& metrics,
                    Index batch_size) {
  const detail::FlushWhileTraining<Scalar> ftz(true);
  TrainingGroup<Scalar> alone;
  return detail::evaluate(model, X, y, loss, metrics, batch_size, alone);
}

}  // namespace hnn

// SPDX-License-Identifier: MIT
#pragma once
// The training loop: Sequential::fit and Sequential::evaluate.
//
// One epoch, for batches B of the (shuffled) samples:
//
//   zero_grad()                         the gradients accumulate otherwise
//   P  = forward(X_B)                   predictions (outputs × |B|)
//   L  = loss(P, T_B)                   a number; must be finite
//   dP = ∂L/∂P                          carries the 1/|B| of the mean
//                                       (value_and_gradient: both in one pass)
//   backward(dP)                        every ∂L/∂w, by the chain rule
//   optimizer.step(parameters())        w ← w − η (…)
//
// Included at the end of model/sequential.hpp; not meant to be included alone.

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <numeric>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/random.hpp"
#include "hnn/model/sequential.hpp"
#include "hnn/optimizers/clip.hpp"

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace hnn {

namespace detail {

inline bool stdout_is_terminal(const std::ostream* out) {
#if defined(__unix__) || defined(__APPLE__)
  return out == &std::cout && isatty(STDOUT_FILENO);
#else
  (void)out;
  return false;
#endif
}

// The targets of a batch: a matrix whose columns are copied (or viewed), or
// labels. One type per kind of target, with the same three operations, so
// the loop below is written once.
template <typename Scalar>
struct MatrixTargets {
  using Full = Matrix<Scalar>;
  const Full& all;
  Matrix<Scalar> buffer;
  static void check(const std::string& who, const Matrix<Scalar>& X, const Full& Y, Index outputs) {
    if (Y.cols() != X.cols() || Y.rows() != outputs) {
      throw ShapeError(who + ": targets have shape " + shape_string(Y) + ", expected " +
                       shape_string(outputs, X.cols()) + " (outputs × samples)");
    }
  }
  // Copies the columns `idx` into the batch buffer.
  ConstRef<Scalar> gather(const std::vector<Index>& idx, Index start, Index n) {
    auto B = batch_view(buffer, all.rows(), n);
    for (Index k = 0; k < n; ++k)
      B.col(k) = all.col(idx[std::size_t(start + k)]);
    return B;
  }
  ConstRef<Scalar> slice(Index start, Index n) const { return all.middleCols(start, n); }
};

template <typename Scalar>
struct LabelTargets {
  using Full = Labels;
  const Full& all;
  Labels buffer;
  static void check(const std::string& who, const Matrix<Scalar>& X, const Full& y, Index outputs) {
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
  LabelsRef gather(const std::vector<Index>& idx, Index start, Index n) {
    if (buffer.size() < n) buffer.resize(n);
    for (Index k = 0; k < n; ++k)
      buffer(k) = all(idx[std::size_t(start + k)]);
    return buffer.head(n);
  }
  LabelsRef slice(Index start, Index n) const { return all.segment(start, n); }
};

template <typename Scalar>
double metric_value(const Metric& m, const Matrix<Scalar>& P, const Matrix<Scalar>& T) {
  return m(Matrix<double>(P.template cast<double>()), Matrix<double>(T.template cast<double>()));
}
template <typename Scalar>
double metric_value(const Metric& m, const Matrix<Scalar>& P, const Labels& y) {
  return m(Matrix<double>(P.template cast<double>()), y);
}

inline std::string format_seconds(double s) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(s < 10 ? 2 : 1) << s << 's';
  return o.str();
}

// Loss and metrics of the model on (X, targets), in inference mode.
template <typename Scalar, typename Targets>
Evaluation evaluate(Sequential<Scalar>& model, const Matrix<Scalar>& X,
                    const typename Targets::Full& all, const Loss<Scalar>& loss,
                    const std::vector<Metric>& metrics, Index batch_size) {
  Targets::check("evaluate", X, all, model.output_size());
  if (X.cols() == 0) throw ShapeError("evaluate: no samples");
  Targets t{all, {}};
  Matrix<Scalar> P = model.predict(X, batch_size);
  Evaluation e;
  double sum = 0;  // Σ_B loss(B) |B|: the mean over all samples, batch by batch
  for (Index start = 0; start < X.cols(); start += batch_size) {
    const Index n = std::min(batch_size, X.cols() - start);
    sum += double(loss.value(P.middleCols(start, n), t.slice(start, n))) * double(n);
  }
  e.loss = sum / double(X.cols());
  for (const auto& m : metrics)
    e.metrics.emplace_back(m.name, metric_value(m, P, all));
  return e;
}

template <typename Scalar, typename Targets>
History fit(Sequential<Scalar>& model, const Matrix<Scalar>& X, const typename Targets::Full& all,
            const Loss<Scalar>& loss, Optimizer<Scalar>& optimizer, const FitOptions<Scalar>& o) {
  using Clock = std::chrono::steady_clock;
  if (o.epochs < 0) throw ArgumentError("fit: epochs must be >= 0");
  if (o.batch_size < 0) throw ArgumentError("fit: batch_size must be >= 0 (0 is the full batch)");
  if (!(o.clip_grad_norm >= 0) || !(o.clip_grad_value >= 0)) {
    throw ArgumentError("fit: clip_grad_norm and clip_grad_value must be >= 0 (0 is off)");
  }
  if (X.cols() == 0) throw ShapeError("fit: no samples");
  check_rows("fit", "input", X, model.input_size());
  Targets::check("fit", X, all, model.output_size());
  if (o.has_validation()) {
    check_rows("fit (validation)", "input", *o.validation_X, model.input_size());
    if (std::is_same<Targets, LabelTargets<Scalar>>::value ? o.validation_y == nullptr
                                                           : o.validation_Y == nullptr) {
      throw ArgumentError(
          "fit: validation targets must be of the same kind as the training targets");
    }
  }

  const Index N = X.cols();
  const Index B = (o.batch_size == 0 || o.batch_size > N) ? N : o.batch_size;
  const Index batches = (N + B - 1) / B;
  const bool gather = o.shuffle && B < N;  // a full batch needs no shuffling

  History history;
  TrainingState<Scalar> state{model, optimizer, history, 0, o.epochs, 0, 0, false, {}};
  state.epochs = o.epochs;
  state.batches = batches;
  Targets targets{all, {}};
  Random rng(o.seed);
  std::vector<Index> order(static_cast<std::size_t>(N));
  std::iota(order.begin(), order.end(), Index(0));
  Matrix<Scalar> Xb;  // the batch's inputs, when shuffled
  Matrix<Scalar> dP;  // ∂L/∂P buffer
  Matrix<Scalar> P_epoch(model.output_size(), o.metrics.empty() ? 0 : N);  // for train metrics
  const auto params = model.parameters();
  const bool live = o.verbosity == Verbosity::progress && stdout_is_terminal(o.out);

  for (auto& c : o.callbacks)
    c->on_train_begin(state);
  for (int epoch = 0; epoch < o.epochs && !state.stop; ++epoch) {
    state.epoch = epoch;
    for (auto& c : o.callbacks)
      c->on_epoch_begin(state);
    const auto t0 = Clock::now();
    if (gather) rng.shuffle(order.begin(), order.end());
    double sum = 0;  // Σ_B L_B |B|
    for (Index b = 0; b < batches; ++b) {
      state.batch = b;
      const Index start = b * B, n = std::min(B, N - start);
      if (gather) {  // copy the batch's samples, in the shuffled order, into one buffer
        auto Xg = batch_view(Xb, X.rows(), n);
        for (Index k = 0; k < n; ++k)
          Xg.col(k) = X.col(order[std::size_t(start + k)]);
      }
      const ConstRef<Scalar> Xs =
          gather ? ConstRef<Scalar>(Xb.leftCols(n)) : ConstRef<Scalar>(X.middleCols(start, n));
      const auto T = gather ? targets.gather(order, start, n) : targets.slice(start, n);

      zero_grad(params);  // the model's zero_grad(), without building the list again
      const ConstRef<Scalar> P = model.forward(Xs, Mode::train);  // P = f(X_B)
      auto G = batch_view(dP, P.rows(), n);
      const double L = double(loss.value_and_gradient(P, T, G));  // L(P, T_B); G = ∂L/∂P
      if (!std::isfinite(L)) {
        std::ostringstream s;
        s << "fit: the loss is " << L << " at epoch " << epoch + 1 << ", batch " << b + 1 << " of "
          << batches << "; training stopped (try a smaller learning rate, or check the data for "
          << "NaN/inf)";
        throw NumericError(s.str());
      }
      model.backward(G);  // ∂L/∂w for every w
      if (o.clip_grad_norm > 0) hnn::clip_grad_norm(params, o.clip_grad_norm);
      if (o.clip_grad_value > 0) hnn::clip_grad_value(params, o.clip_grad_value);
      optimizer.step(params);  // w ← w − η (…)

      sum += L * double(n);
      if (P_epoch.cols() > 0) {
        for (Index k = 0; k < n; ++k)
          P_epoch.col(gather ? order[std::size_t(start + k)] : start + k) = P.col(k);
      }
      for (auto& c : o.callbacks)
        c->on_batch_end(state, L);
      if (live && (b % std::max<Index>(1, batches / 50) == 0 || b + 1 == batches)) {
        const int width = 30, done = int(double(width) * double(b + 1) / double(batches));
        *o.out << "\repoch " << epoch + 1 << '/' << o.epochs << " ["
               << std::string(std::size_t(done), '=') << std::string(std::size_t(width - done), ' ')
               << "] " << b + 1 << '/' << batches << "  loss " << std::setprecision(4)
               << sum / double(std::min(N, (b + 1) * B)) << std::flush;
      }
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();

    history.record("loss", sum / double(N));
    for (const auto& m : o.metrics)
      history.record(m.name, metric_value(m, P_epoch, all));
    if (o.has_validation()) {
      const auto v = o.validation_y
                         ? evaluate<Scalar, LabelTargets<Scalar>>(
                               model, *o.validation_X, *o.validation_y, loss, o.metrics, 256)
                         : evaluate<Scalar, MatrixTargets<Scalar>>(
                               model, *o.validation_X, *o.validation_Y, loss, o.metrics, 256);
      history.record("val_loss", v.loss);
      for (const auto& m : v.metrics)
        history.record("val_" + m.first, m.second);
    }
    history.record("seconds", seconds);
    for (auto& c : o.callbacks)
      c->on_epoch_end(state);

    if (o.verbosity != Verbosity::quiet) {
      std::ostringstream line;
      line << "epoch " << std::setw(3) << epoch + 1 << '/' << o.epochs;
      for (const auto& name : history.names()) {
        if (name == "seconds") continue;
        line << "  " << name << ' ' << std::setprecision(4) << std::fixed << last(history, name);
        line.unsetf(std::ios::fixed);
      }
      line << "  " << format_seconds(seconds);
      *o.out << (live ? "\r\033[K" : "") << line.str() << '\n';
    }
  }
  if (state.stop && o.verbosity != Verbosity::quiet && !state.stop_reason.empty()) {
    *o.out << state.stop_reason << '\n';
  }
  for (auto& c : o.callbacks)
    c->on_train_end(state);
  return history;
}

}  // namespace detail

template <typename Scalar>
History Sequential<Scalar>::fit(const Mat& X, const Mat& Y, const Loss<Scalar>& loss,
                                Optimizer<Scalar>& optimizer, const FitOptions<Scalar>& options) {
  return detail::fit<Scalar, detail::MatrixTargets<Scalar>>(*this, X, Y, loss, optimizer, options);
}

template <typename Scalar>
History Sequential<Scalar>::fit(const Mat& X, const Labels& y, const Loss<Scalar>& loss,
                                Optimizer<Scalar>& optimizer, const FitOptions<Scalar>& options) {
  return detail::fit<Scalar, detail::LabelTargets<Scalar>>(*this, X, y, loss, optimizer, options);
}

template <typename Scalar>
Evaluation Sequential<Scalar>::evaluate(const Mat& X, const Mat& Y, const Loss<Scalar>& loss,
                                        const std::vector<Metric>& metrics, Index batch_size) {
  return detail::evaluate<Scalar, detail::MatrixTargets<Scalar>>(*this, X, Y, loss, metrics,
                                                                 batch_size);
}

template <typename Scalar>
Evaluation Sequential<Scalar>::evaluate(const Mat& X, const Labels& y, const Loss<Scalar>& loss,
                                        const std::vector<Metric>& metrics, Index batch_size) {
  return detail::evaluate<Scalar, detail::LabelTargets<Scalar>>(*this, X, y, loss, metrics,
                                                                batch_size);
}

}  // namespace hnn

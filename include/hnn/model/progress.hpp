// SPDX-License-Identifier: MIT
#pragma once
// ProgressPrinter: the lines fit() prints, as a callback writing to a stream.
//
//   epoch   1/10  loss 0.6931  accuracy 0.5000  val_loss 0.6920  0.01s
//
// one line per epoch (every series of the History but "seconds", then the
// epoch's time), the reason when a callback stopped training early, and —
// with a live bar, when the stream is the standard output on a terminal — a
// progress bar that redraws itself during the epoch:
//
//   epoch 1/10 [=========                     ] 31/100  loss 0.7012
//
// fit() adds one for FitOptions::verbosity and FitOptions::out; it can also
// be given to FitOptions::callbacks with any stream (a file, a string).

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <ostream>
#include <sstream>
#include <string>

#include "hnn/model/callbacks.hpp"
#include "hnn/model/history.hpp"

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace hnn {

/// Whether `out` is the standard output and that is a terminal.
inline bool is_terminal(const std::ostream* out) {
#if defined(__unix__) || defined(__APPLE__)
  return out == &std::cout && isatty(STDOUT_FILENO);
#else
  (void)out;
  return false;
#endif
}

/// Seconds as the progress line prints them: "0.01s", "12.3s".
inline std::string format_seconds(double s) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(s < 10 ? 2 : 1) << s << 's';
  return o.str();
}

/// The lines fit() prints, as a callback writing to a stream.
template <typename Scalar>
class ProgressPrinter : public Callback<Scalar> {
 public:
  /// Bar::live redraws a bar during each epoch (only sensible on a terminal).
  enum class Bar { none, live };
  /// A printer writing to `out`, with a live bar or without one.
  explicit ProgressPrinter(std::ostream& out, Bar bar = Bar::none) : out_(&out), bar_(bar) {}

  void on_epoch_begin(TrainingState<Scalar>&) override {
    loss_sum_ = 0;
    samples_ = 0;
  }

  void on_batch_end(TrainingState<Scalar>& s, double batch_loss) override {
    if (bar_ != Bar::live) return;
    loss_sum_ += batch_loss * double(s.batch_size);
    samples_ += s.batch_size;
    const Index b = s.batch, batches = s.batches;
    if (b % std::max<Index>(1, batches / 50) != 0 && b + 1 != batches) return;
    const int width = 30, done = int(double(width) * double(b + 1) / double(batches));
    *out_ << "\repoch " << s.epoch + 1 << '/' << s.epochs << " ["
          << std::string(std::size_t(done), '=') << std::string(std::size_t(width - done), ' ')
          << "] " << b + 1 << '/' << batches << "  loss " << std::setprecision(4)
          << loss_sum_ / double(samples_) << std::flush;
  }

  void on_epoch_end(TrainingState<Scalar>& s) override {
    std::ostringstream line;
    line << "epoch " << std::setw(3) << s.epoch + 1 << '/' << s.epochs;
    for (const auto& name : s.history.names()) {
      if (name == "seconds") continue;
      line << "  " << name << ' ' << std::setprecision(4) << std::fixed << last(s.history, name);
      line.unsetf(std::ios::fixed);
    }
    if (s.history.has("seconds")) line << "  " << format_seconds(last(s.history, "seconds"));
    *out_ << (bar_ == Bar::live ? "\r\033[K" : "") << line.str() << '\n';
  }

  void on_train_end(TrainingState<Scalar>& s) override {
    if (s.stop && !s.stop_reason.empty()) *out_ << s.stop_reason << '\n';
  }

 private:
  std::ostream* out_;
  Bar bar_;
  double loss_sum_ = 0;  // Σ L_B |B| over the epoch's batches so far
  Index samples_ = 0;    // Σ |B|: the bar shows the mean loss per sample
};

}  // namespace hnn

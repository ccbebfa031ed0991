// SPDX-License-Identifier: MIT
#pragma once
// History: what fit() measured, one value per epoch for each series
// ("loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds", …), in the
// order the series first appeared. Evaluation: the loss and metrics of one
// evaluate() call.

#include <string>
#include <utility>
#include <vector>

#include "hnn/core/error.hpp"

namespace hnn {

/// What fit() measured: one value per epoch for each series ("loss", "val_loss", …).
class History {
 public:
  /// Appends `value` to the series `name`, creating it if needed.
  void record(const std::string& name, double value) {
    for (auto& s : series_) {
      if (s.first == name) {
        s.second.push_back(value);
        return;
      }
    }
    series_.emplace_back(name, std::vector<double>{value});
  }

  /// Whether a series of this name was recorded.
  bool has(const std::string& name) const {
    for (const auto& s : series_)
      if (s.first == name) return true;
    return false;
  }

  /// The series `name`; ArgumentError if there is none.
  const std::vector<double>& operator[](const std::string& name) const {
    for (const auto& s : series_)
      if (s.first == name) return s.second;
    throw ArgumentError("History: no series named \"" + name + "\"");
  }

  /// The names of the series, in the order they first appeared.
  std::vector<std::string> names() const {
    std::vector<std::string> n;
    for (const auto& s : series_)
      n.push_back(s.first);
    return n;
  }

  /// Epochs recorded (the length of the "loss" series).
  std::size_t epochs() const { return has("loss") ? (*this)["loss"].size() : 0; }

 private:
  std::vector<std::pair<std::string, std::vector<double>>> series_;
};

/// The loss and the metrics of one evaluate() call.
struct Evaluation {
  double loss = 0;                                      ///< the loss, without penalties
  std::vector<std::pair<std::string, double>> metrics;  ///< in the order asked for

  /// The loss ("loss") or the metric `name`; ArgumentError if there is none.
  double operator[](const std::string& name) const {
    if (name == "loss") return loss;
    for (const auto& m : metrics)
      if (m.first == name) return m.second;
    throw ArgumentError("Evaluation: no metric named \"" + name + "\"");
  }
};

}  // namespace hnn

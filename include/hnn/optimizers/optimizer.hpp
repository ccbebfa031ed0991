// SPDX-License-Identifier: MIT
#pragma once
// The Optimizer<Scalar> interface. An optimizer sees parameters only — a
// name, a value and a gradient per tensor — never layers, so it works for any
// model, including hand-built ones:
//
//   optimizer.step(model.parameters());   // w ← w − (something of ∂L/∂w)
//
// step() must be given the same parameters, in the same order, every time:
// an optimizer's state (momentum, moment estimates) is kept per parameter,
// by position, created at the first step. reset() forgets it.
//
// The learning rate is public state so that a schedule can change it between
// epochs (optimizers/schedule.hpp).

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/parallel.hpp"
#include "hnn/core/parameter.hpp"
#include "hnn/core/types.hpp"

namespace hnn {

template <typename Scalar>
class Optimizer {
 public:
  explicit Optimizer(double learning_rate) { set_learning_rate(learning_rate); }
  Optimizer(const Optimizer&) = default;
  Optimizer& operator=(const Optimizer&) = default;
  virtual ~Optimizer() = default;

  virtual std::string name() const = 0;

  // One update of every parameter from its current gradient.
  void step(const std::vector<Parameter<Scalar>>& params) {
    check_parameters(params);
    ++steps_;
    for (std::size_t k = 0; k < params.size(); ++k)
      update(params[k], k);
  }

  // Forget all state (as if no step had been taken).
  void reset() {
    steps_ = 0;
    shapes_.clear();
    reset_state();
  }

  double learning_rate() const { return lr_; }
  void set_learning_rate(double lr) {
    if (!(lr >= 0)) {  // also rejects NaN
      std::ostringstream s;
      s << "optimizer: learning_rate must be >= 0, got " << lr;
      throw ArgumentError(s.str());
    }
    lr_ = lr;
  }

  // Steps taken since construction or reset(): Adam's t.
  long steps() const { return steps_; }

 protected:
  // Updates parameter number k (its state lives at index k).
  virtual void update(const Parameter<Scalar>& p, std::size_t k) = 0;
  virtual void reset_state() = 0;

  // A state buffer per parameter, zero-initialised to the parameter's shape
  // on first use.
  static Matrix<Scalar>& state(std::vector<Matrix<Scalar>>& buffers, const Parameter<Scalar>& p,
                               std::size_t k) {
    if (buffers.size() <= k) buffers.resize(k + 1);
    if (buffers[k].size() != p.size()) buffers[k] = Matrix<Scalar>::Zero(p.rows(), p.cols());
    return buffers[k];
  }

  // Element i.. of a tensor's storage, as an Eigen array of n elements.
  using ArrayMap = Eigen::Map<Eigen::Array<Scalar, Eigen::Dynamic, 1>>;
  static ArrayMap slice(Scalar* data, Index i, Index n) { return ArrayMap(data + i, n); }

  // f(i, n) for consecutive blocks [i, i + n) of a parameter's elements, on
  // the threads that computed its gradient (Parameter::for_each_share). A
  // block (1,024 elements: 4 KiB of floats per array) stays in the L1
  // cache, so an update written as several array statements per block still
  // reads and writes each tensor from memory once, and Eigen vectorises
  // each statement.
  static constexpr Index kBlock = 1024;
  template <typename F>
  static void for_each_block(const Parameter<Scalar>& p, F&& f) {
    p.for_each_share([&f](Index begin, Index end) {
      for (Index i = begin; i < end; i += kBlock)
        f(i, std::min(kBlock, end - i));
    });
  }

  // Throws ArgumentError unless lo ≤ value < hi (hi exclusive when open).
  static void check_range(const std::string& who, const std::string& what, double value, double lo,
                          double hi, bool hi_inclusive = false) {
    const bool ok = value >= lo && (hi_inclusive ? value <= hi : value < hi);
    if (!ok) {
      std::ostringstream s;
      s << who << ": " << what << " must be in [" << lo << ", " << hi << (hi_inclusive ? "]" : ")")
        << ", got " << value;
      throw ArgumentError(s.str());
    }
  }

 private:
  void check_parameters(const std::vector<Parameter<Scalar>>& params) {
    if (shapes_.empty()) {
      for (const auto& p : params)
        shapes_.push_back(p.size());
      return;
    }
    bool same = shapes_.size() == params.size();
    for (std::size_t k = 0; same && k < params.size(); ++k)
      same = shapes_[k] == params[k].size();
    if (!same) {
      throw ArgumentError(name() +
                          ".step: the parameters differ from the first step's; call reset() "
                          "before using an optimizer on another model");
    }
  }

  double lr_ = 0;
  long steps_ = 0;
  std::vector<Index> shapes_;
};

}  // namespace hnn

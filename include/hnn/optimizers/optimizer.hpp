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
// Each optimizer writes its update once, as whole-tensor Eigen array
// expressions, one line per equation (the `formula` in each header), and
// update() hands it to apply(), which runs it on whole tensors (the readable
// path) or block by block (the fast path, the default: perf/blocked_update.hpp
// says why it is faster). Both compute the same numbers; tests/optimizers
// checks that they agree, and set_update_path(UpdatePath::readable) runs the
// readable one, to step through it.
//
// The learning rate is public state so that a schedule can change it between
// epochs (optimizers/schedule.hpp). state() and load_state() give and take
// everything a later step depends on, for checkpoints (io/checkpoint.hpp).

#include <cmath>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "hnn/core/check.hpp"
#include "hnn/core/error.hpp"
#include "hnn/core/parameter.hpp"
#include "hnn/core/types.hpp"
#include "hnn/perf/blocked_update.hpp"

namespace hnn {

/// How apply() runs an optimizer's formula.
// Block by block (fast), or once on whole tensors (readable). The same numbers either way.
enum class UpdatePath { fast, readable };

/// An optimizer's state apart from the parameters, as a checkpoint saves it.
// The steps taken, the learning rate, and its per-parameter tensors by kind
// ("m", "v", …), each with one matrix per parameter (empty where none was made yet).
template <typename Scalar>
struct OptimizerState {
  std::string optimizer;     ///< name(), checked on load
  long steps = 0;            ///< the steps taken
  double learning_rate = 0;  ///< the learning rate
  /// The per-parameter tensors by kind ("m", "v", …), one matrix per parameter.
  std::vector<std::pair<std::string, std::vector<Matrix<Scalar>>>> tensors;
};

/// The interface every optimizer implements: a step over the parameters, and its state.
template <typename Scalar>
class Optimizer {
 public:
  /// An optimizer with the learning rate η.
  explicit Optimizer(double learning_rate) { set_learning_rate(learning_rate); }
  /// Copies the learning rate, the step count and the update path.
  Optimizer(const Optimizer&) = default;
  /// Assigns like the copy constructor.
  Optimizer& operator=(const Optimizer&) = default;
  virtual ~Optimizer() = default;

  /// The optimizer's name, as error messages and checkpoints name it.
  virtual std::string name() const = 0;

  /// One update of every parameter from its current gradient.
  void step(std::vector<Parameter<Scalar>>& params) {
    check_parameters(params);
    ++steps_;
    for (std::size_t k = 0; k < params.size(); ++k)
      update(params[k], k);
  }
  /// One update of every parameter, for a temporary list (model.parameters()).
  void step(std::vector<Parameter<Scalar>>&& params) { step(params); }

  /// Forget all state (as if no step had been taken).
  void reset() {
    steps_ = 0;
    shapes_.clear();
    for (auto& kind : state_tensors())
      kind.second->clear();
  }

  /// The learning rate η.
  double learning_rate() const { return lr_; }
  /// Sets η (a schedule calls it between epochs); ArgumentError unless finite and ≥ 0.
  void set_learning_rate(double lr) {
    check_at_least("optimizer", "learning_rate", lr, 0);  // rejects NaN and inf
    if (!std::isfinite(static_cast<Scalar>(lr))) {        // finite as a double, inf as a float
      throw ArgumentError("optimizer: learning_rate " + exact_number(lr) +
                          " is too large for the model's scalar type");
    }
    lr_ = lr;
  }

  /// Steps taken since construction or reset(): Adam's t.
  long steps() const { return steps_; }

  /// Chooses how apply() runs the formula: block by block (the default) or whole.
  void set_update_path(UpdatePath path) { path_ = path; }
  /// How apply() runs the formula.
  UpdatePath update_path() const { return path_; }

  /// A copy of everything a later step depends on (for a checkpoint).
  OptimizerState<Scalar> state() {
    OptimizerState<Scalar> s;
    s.optimizer = name();
    s.steps = steps_;
    s.learning_rate = lr_;
    for (auto& kind : state_tensors())
      s.tensors.emplace_back(kind.first, *kind.second);
    return s;
  }

  /// Takes a state() back, for stepping the parameters `params`.
  // Throws ArgumentError, changing nothing, unless it is this optimizer's,
  // with tensors of the parameters' shapes.
  void load_state(const OptimizerState<Scalar>& s, const std::vector<Parameter<Scalar>>& params) {
    const auto where = name() + ".load_state: ";
    if (s.optimizer != name()) throw ArgumentError(where + "the state is " + s.optimizer + "'s");
    if (s.steps < 0) throw ArgumentError(where + "negative step count");
    auto mine = state_tensors();
    if (mine.size() != s.tensors.size()) throw ArgumentError(where + "wrong number of kinds");
    for (std::size_t i = 0; i < mine.size(); ++i) {
      const auto& kind = s.tensors[i];
      if (kind.first != mine[i].first) {
        throw ArgumentError(where + "expected state \"" + mine[i].first + "\", got \"" +
                            kind.first + "\"");
      }
      if (kind.second.size() > params.size()) {
        throw ArgumentError(where + "state \"" + kind.first +
                            "\" has more tensors than there "
                            "are parameters");
      }
      for (std::size_t k = 0; k < kind.second.size(); ++k) {
        const auto& m = kind.second[k];
        if (m.size() != 0 && (m.rows() != params[k].rows() || m.cols() != params[k].cols())) {
          throw ArgumentError(where + "state \"" + kind.first + "\" of parameter " +
                              params[k].name() + " has the wrong shape");
        }
      }
    }
    set_learning_rate(s.learning_rate);
    steps_ = s.steps;
    shapes_.clear();
    if (steps_ > 0) {
      for (const auto& p : params)
        shapes_.push_back(p.size());
    }
    for (std::size_t i = 0; i < mine.size(); ++i)
      *mine[i].second = s.tensors[i].second;
  }

 protected:
  /// Updates parameter number k (its state lives at index k).
  virtual void update(Parameter<Scalar>& p, std::size_t k) = 0;

  /// The optimizer's per-parameter state, by kind: what state() saves, reset() clears.
  // Scratch space is not listed.
  using StateTensors = std::vector<std::pair<std::string, std::vector<Matrix<Scalar>>*>>;
  /// The per-parameter state tensors, by kind (see StateTensors).
  virtual StateTensors state_tensors() = 0;

  /// Runs formula(w, ∇w, state…) on the parameter, by the update path.
  template <typename F, typename... State>
  void apply(Parameter<Scalar>& p, F&& formula, State&... state) {
    if (path_ == UpdatePath::readable) {
      update_whole(p, formula, state...);
    } else {
      update_in_blocks(p, formula, state...);
    }
  }

  /// A state tensor per parameter, zero-initialised to the parameter's shape on first use.
  static Matrix<Scalar>& state(std::vector<Matrix<Scalar>>& tensors, const Parameter<Scalar>& p,
                               std::size_t k) {
    if (tensors.size() <= k) tensors.resize(k + 1);
    if (tensors[k].size() != p.size()) tensors[k] = Matrix<Scalar>::Zero(p.rows(), p.cols());
    return tensors[k];
  }

  /// For an optimizer's own hyper-parameters: ArgumentError unless lo ≤ value < hi.
  // check_closed: the same for lo ≤ value ≤ hi (the checks of core/check.hpp).
  static void check_half_open(const std::string& who, const std::string& what, double value,
                              double lo, double hi) {
    hnn::check_half_open(who, what, value, lo, hi);
  }
  /// ArgumentError unless lo ≤ value ≤ hi.
  static void check_closed(const std::string& who, const std::string& what, double value, double lo,
                           double hi) {
    hnn::check_closed(who, what, value, lo, hi);
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
  UpdatePath path_ = UpdatePath::fast;
};

}  // namespace hnn

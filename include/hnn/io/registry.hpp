// SPDX-License-Identifier: MIT
#pragma once
// LayerRegistry: how a model file's layer type names turn back into layers.
// Each entry maps a type name ("Dense", "ReLU") to a function that builds the
// layer from its settings. builtin() knows every layer hnn ships; a custom
// layer is one more add() before loading:
//
//   auto registry = hnn::LayerRegistry<float>::builtin();
//   registry.add("Scale", [](const hnn::Settings& s) { return std::make_unique<Scale>(…); });
//   auto model = hnn::load_model<float>("model.hnn", registry);
//
// A registry is an ordinary object passed to load_model: no global state.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hnn/activations/elu.hpp"
#include "hnn/activations/gelu.hpp"
#include "hnn/activations/identity.hpp"
#include "hnn/activations/leaky_relu.hpp"
#include "hnn/activations/relu.hpp"
#include "hnn/activations/selu.hpp"
#include "hnn/activations/sigmoid.hpp"
#include "hnn/activations/silu.hpp"
#include "hnn/activations/softplus.hpp"
#include "hnn/activations/tanh.hpp"
#include "hnn/core/error.hpp"
#include "hnn/core/random.hpp"
#include "hnn/core/settings.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/layers/activation.hpp"
#include "hnn/layers/dense.hpp"
#include "hnn/layers/flatten.hpp"
#include "hnn/layers/layer.hpp"
#include "hnn/layers/reshape.hpp"
#include "hnn/layers/softmax.hpp"

namespace hnn {

template <typename Scalar>
class LayerRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Layer<Scalar>>(const Settings&)>;

  // A registry that knows every layer hnn ships.
  static LayerRegistry builtin() {
    LayerRegistry r;
    r.add("Dense", [](const Settings& s) {
      const Index in = size(s, "in"), out = size(s, "out");
      // A corrupt file must not make the loader allocate gigabytes: 2^28
      // weights (1 GiB of floats) is far beyond any model hnn is meant for.
      if (in * out > (Index(1) << 28)) throw ArgumentError("Dense: in × out is implausibly large");
      Random rng(0);  // the weights are overwritten by the file's
      return std::make_unique<Dense<Scalar>>(in, out, rng, Init::zeros());
    });
    r.add("Softmax", [](const Settings&) { return std::make_unique<Softmax<Scalar>>(); });
    r.add("Flatten", [](const Settings&) { return std::make_unique<Flatten<Scalar>>(); });
    r.add("Reshape", [](const Settings& s) {
      return std::make_unique<Reshape<Scalar>>(shape_setting(s, "shape"));
    });
    r.template add_activation<Identity>();
    r.template add_activation<Sigmoid>();
    r.template add_activation<Tanh>();
    r.template add_activation<ReLU>();
    r.template add_activation<SELU>();
    r.template add_activation<Softplus>();
    r.template add_activation<SiLU>();
    r.add("LeakyReLU", [](const Settings& s) {
      return std::make_unique<Activation<Scalar, LeakyReLU>>(
          LeakyReLU<Scalar>(Scalar(setting(s, "alpha"))));
    });
    r.add("ELU", [](const Settings& s) {
      return std::make_unique<Activation<Scalar, ELU>>(ELU<Scalar>(Scalar(setting(s, "alpha"))));
    });
    r.add("GELU", [](const Settings& s) {
      return std::make_unique<Activation<Scalar, GELU>>(
          GELU<Scalar>(setting(s, "tanh_approximation") != 0));
    });
    return r;
  }

  void add(const std::string& type_name, Factory f) { factories_[type_name] = std::move(f); }

  // An activation without settings, under the struct's name.
  template <template <typename> class F>
  void add_activation() {
    add(F<Scalar>::name, [](const Settings&) { return std::make_unique<Activation<Scalar, F>>(); });
  }

  bool knows(const std::string& type_name) const { return factories_.count(type_name) > 0; }

  // The type names known, in alphabetical order.
  std::vector<std::string> type_names() const {
    std::vector<std::string> names;
    for (const auto& kv : factories_)
      names.push_back(kv.first);
    return names;
  }

  std::unique_ptr<Layer<Scalar>> make(const std::string& type_name, const Settings& s) const {
    const auto it = factories_.find(type_name);
    if (it == factories_.end()) {
      throw ArgumentError("unknown layer type \"" + type_name +
                          "\" (a custom layer must be added to the LayerRegistry before loading)");
    }
    return it->second(s);
  }

 public:
  // A size setting: a whole number in 1 … 2^28.
  static Index size(const Settings& s, const std::string& name) {
    const double v = setting(s, name);
    if (!(v >= 1 && v <= double(1 << 28)) || v != double(Index(v))) {
      throw ArgumentError("setting \"" + name + "\" is not a valid size");
    }
    return Index(v);
  }
  // A shape stored as the settings <name>0, <name>1, … (Reshape's target).
  static Shape shape_setting(const Settings& s, const std::string& name) {
    Index d[Shape::max_rank];
    int rank = 0;
    for (const auto& kv : s) {
      if (kv.first != name + std::to_string(rank)) continue;
      if (rank == Shape::max_rank)
        throw ArgumentError("setting \"" + name + "\": too many dimensions");
      d[rank++] = size(s, kv.first);
    }
    if (rank == 0) throw ArgumentError("setting \"" + name + "0\" is missing");
    return Shape(d, rank);
  }

 private:
  std::map<std::string, Factory> factories_;
};

}  // namespace hnn

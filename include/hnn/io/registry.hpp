// SPDX-License-Identifier: MIT
#pragma once
// LayerRegistry: how a model file's layer type names turn back into layers.
// Each entry maps a type name ("Dense", "ReLU") to a function that builds the
// layer from its settings. builtin() knows every layer hnn ships; a custom
// layer is one more add() before loading:
//
//   auto registry = hnn::LayerRegistry<float>::builtin();
//   registry.add("Scale", [](const hnn::Settings& s) { return std::make_unique<Scale>(…); },
//                [](const hnn::Settings&) { return 1.0; });  // values it holds (optional)
//   auto model = hnn::load_model<float>("model.hnn", registry);
//
// A registry is an ordinary object passed to load_model: no global state.
//
// A layer that holds other layers (Residual) is registered with the second
// form of add(), whose factory is also handed the registry it belongs to:
// it builds the inner layers with that same registry, so a custom layer
// inside a block loads as it would on its own, and its Values function asks
// the registry for theirs (std::nullopt when one of them has none).

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
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
#include "hnn/layers/avg_pool2d.hpp"
#include "hnn/layers/batch_norm.hpp"
#include "hnn/layers/conv2d.hpp"
#include "hnn/layers/dense.hpp"
#include "hnn/layers/dropout.hpp"
#include "hnn/layers/embedding.hpp"
#include "hnn/layers/flatten.hpp"
#include "hnn/layers/global_avg_pool2d.hpp"
#include "hnn/layers/gru.hpp"
#include "hnn/layers/layer.hpp"
#include "hnn/layers/layer_norm.hpp"
#include "hnn/layers/lstm.hpp"
#include "hnn/layers/max_pool2d.hpp"
#include "hnn/layers/recurrent.hpp"
#include "hnn/layers/reshape.hpp"
#include "hnn/layers/residual.hpp"
#include "hnn/layers/rnn.hpp"
#include "hnn/layers/softmax.hpp"
#include "hnn/layers/time_distributed.hpp"

namespace hnn {

/// How a model file's layer type names turn back into layers: a factory per type name.
template <typename Scalar>
class LayerRegistry {
 public:
  /// Builds a layer from its settings.
  using Factory = std::function<std::unique_ptr<Layer<Scalar>>(const Settings&)>;
  /// How many numbers a layer of these settings holds, found without building it.
  // Parameters and buffers together (Dense: out·in + out). The loader compares
  // it with the tensors a file holds before it builds the layer, so that a
  // corrupt setting cannot make it allocate gigabytes.
  using Values = std::function<double(const Settings&)>;
  /// A factory that is handed the registry too, for a layer that holds other layers.
  using NestedFactory =
      std::function<std::unique_ptr<Layer<Scalar>>(const Settings&, const LayerRegistry&)>;
  /// A Values function that is handed the registry too; nullopt if an inner layer has none.
  using NestedValues = std::function<std::optional<double>(const Settings&, const LayerRegistry&)>;

  /// A registry that knows every layer hnn ships.
  static LayerRegistry builtin() {
    LayerRegistry r;
    r.add(
        "Dense",
        [](const Settings& s) {
          const Index in = size(s, "in"), out = size(s, "out");
          // Also when make() is called without a file to compare with: 2^28
          // weights (1 GiB of floats) is far beyond any model hnn is meant for.
          if (double(in) * double(out) > double(Index(1) << 28))
            throw ArgumentError("Dense: in × out is implausibly large");
          Random rng(0);  // the weights are overwritten by the file's
          return std::make_unique<Dense<Scalar>>(in, out, rng, Init::zeros());
        },
        [](const Settings& s) {
          const double in = double(size(s, "in")), out = double(size(s, "out"));
          return out * in + out;  // W and b
        });
    r.add(
        "Conv2D",
        [](const Settings& s) {
          Conv2DOptions o;
          o.stride = size(s, "stride");
          o.padding = Padding::from_setting(find_setting(s, "padding"));
          o.bias = flag(s, "bias");
          o.weights = o.bias_init = Init::zeros();  // overwritten by the file's
          Random rng(0);
          return std::make_unique<Conv2D<Scalar>>(size(s, "in_channels"), size(s, "filters"),
                                                  Window(size(s, "kernel_h"), size(s, "kernel_w")),
                                                  rng, o);
        },
        [](const Settings& s) {
          const double weights = double(size(s, "filters")) * double(size(s, "kernel_h")) *
                                 double(size(s, "kernel_w")) * double(size(s, "in_channels"));
          return weights + (flag(s, "bias") ? double(size(s, "filters")) : 0.0);  // W and b
        });
    r.add(
        "BatchNorm",
        [](const Settings& s) {
          BatchNormOptions o;
          o.momentum = setting(s, "momentum");
          o.epsilon = setting(s, "epsilon");
          return std::make_unique<BatchNorm<Scalar>>(size(s, "channels"), o);
        },
        [](const Settings& s) {
          return 4.0 * double(size(s, "channels"));  // γ, β, running mean and variance
        });
    r.add(
        "LayerNorm",
        [](const Settings& s) {
          return std::make_unique<LayerNorm<Scalar>>(layer_norm_shape(s), setting(s, "epsilon"));
        },
        [](const Settings& s) { return 2.0 * double(layer_norm_shape(s).size()); });  // γ, β
    r.add(
        "MaxPool2D",
        [](const Settings& s) {
          return std::make_unique<MaxPool2D<Scalar>>(
              Window(size(s, "size_h"), size(s, "size_w")), size(s, "stride"),
              Padding::from_setting(find_setting(s, "padding")));
        },
        none);
    r.add(
        "AvgPool2D",
        [](const Settings& s) {
          return std::make_unique<AvgPool2D<Scalar>>(
              Window(size(s, "size_h"), size(s, "size_w")), size(s, "stride"),
              Padding::from_setting(find_setting(s, "padding")));
        },
        none);
    r.add(
        "GlobalAvgPool2D",
        [](const Settings&) { return std::make_unique<GlobalAvgPool2D<Scalar>>(); }, none);
    r.add(
        "Dropout",
        [](const Settings& s) { return std::make_unique<Dropout<Scalar>>(setting(s, "p")); }, none);
    r.add(
        "Softmax", [](const Settings&) { return std::make_unique<Softmax<Scalar>>(); }, none);
    r.add(
        "Flatten", [](const Settings&) { return std::make_unique<Flatten<Scalar>>(); }, none);
    r.add(
        "Reshape",
        [](const Settings& s) {
          return std::make_unique<Reshape<Scalar>>(shape_setting(s, "shape"));
        },
        none);
    r.template add_activation<Identity>();
    r.template add_activation<Sigmoid>();
    r.template add_activation<Tanh>();
    r.template add_activation<ReLU>();
    r.template add_activation<SELU>();
    r.template add_activation<Softplus>();
    r.template add_activation<SiLU>();
    r.add(
        "LeakyReLU",
        [](const Settings& s) {
          return std::make_unique<Activation<Scalar, LeakyReLU>>(
              LeakyReLU<Scalar>(Scalar(setting(s, "alpha"))));
        },
        none);
    r.add(
        "ELU",
        [](const Settings& s) {
          return std::make_unique<Activation<Scalar, ELU>>(
              ELU<Scalar>(Scalar(setting(s, "alpha"))));
        },
        none);
    r.add(
        "GELU",
        [](const Settings& s) {
          return std::make_unique<Activation<Scalar, GELU>>(
              GELU<Scalar>(setting(s, "tanh_approximation") != 0));
        },
        none);
    r.add(
        "TimeDistributed",
        [](const Settings& s) {
          const Index in = size(s, "in"), out = size(s, "out");
          if (double(in) * double(out) > double(Index(1) << 28))
            throw ArgumentError("TimeDistributed: in × out is implausibly large");
          Random rng(0);  // the weights are overwritten by the file's
          return std::make_unique<TimeDistributed<Scalar>>(in, out, rng, Init::zeros());
        },
        [](const Settings& s) {
          const double in = double(size(s, "in")), out = double(size(s, "out"));
          return out * in + out;  // W and b
        });
    r.add(
        "Embedding",
        [](const Settings& s) {
          const Index v = size(s, "vocabulary"), d = size(s, "dimension");
          if (double(v) * double(d) > double(Index(1) << 28))
            throw ArgumentError("Embedding: vocabulary × dimension is implausibly large");
          Random rng(0);
          return std::make_unique<Embedding<Scalar>>(v, d, rng, Init::zeros());
        },
        [](const Settings& s) {
          return double(size(s, "vocabulary")) * double(size(s, "dimension"));  // W
        });
    r.add(
        "RNN",
        [](const Settings& s) {
          RNNOptions o;
          static_cast<RecurrentOptions&>(o) = recurrent_options(s, 1);
          o.activation = RNN<Scalar>::activation_from(s);
          Random rng(0);  // the weights are overwritten by the file's
          return std::make_unique<RNN<Scalar>>(size(s, "features"), size(s, "hidden"), rng, o);
        },
        [](const Settings& s) { return recurrent_values(s, 1); });
    r.add(
        "LSTM",
        [](const Settings& s) {
          LSTMOptions o;
          static_cast<RecurrentOptions&>(o) = recurrent_options(s, 4);
          Random rng(0);
          return std::make_unique<LSTM<Scalar>>(size(s, "features"), size(s, "hidden"), rng, o);
        },
        [](const Settings& s) { return recurrent_values(s, 4); });
    r.add(
        "GRU",
        [](const Settings& s) {
          const RecurrentOptions o = recurrent_options(s, 3);
          Random rng(0);
          return std::make_unique<GRU<Scalar>>(size(s, "features"), size(s, "hidden"), rng, o);
        },
        [](const Settings& s) { return recurrent_values(s, 3); });
    r.add(
        "Residual",
        [](const Settings& s, const LayerRegistry& registry) -> std::unique_ptr<Layer<Scalar>> {
          const auto p = Residual<Scalar>::parse_settings(s);
          auto block = std::make_unique<Residual<Scalar>>(shape_setting(p.own, "input"));
          for (const auto& inner : p.layers)
            block->add(registry.make(inner.type, inner.settings));  // custom ones too
          const Index channels = projection_channels(p.own);
          if (channels > 0) {
            if (block->f_output()[0] != channels) {
              throw ArgumentError("Residual: setting \"projection\" is " +
                                  std::to_string(channels) + ", but the block's layers give " +
                                  block->f_output().str());
            }
            Random rng(0);  // P is overwritten by the file's
            block->project(rng, size(p.own, "stride"), Init::zeros());
          }
          return block;
        },
        [](const Settings& s, const LayerRegistry& registry) -> std::optional<double> {
          const auto p = Residual<Scalar>::parse_settings(s);
          const Shape input = shape_setting(p.own, "input");
          double values = double(projection_channels(p.own)) * double(input[0]);  // P
          for (const auto& inner : p.layers) {
            const std::optional<double> v = registry.values(inner.type, inner.settings);
            if (!v) return std::nullopt;  // unknown, or registered without Values
            values += *v;
          }
          return values;
        });
    return r;
  }

  /// Registers a layer type, with its Values function if it has one.
  // `values` is optional but worth giving for a layer whose settings size its
  // tensors: without it, the loader builds the layer before it can compare its
  // tensors with the file's, so the factory itself must refuse implausible sizes.
  void add(const std::string& type_name, Factory f, Values values = nullptr) {
    Entry e;
    e.make = [f = std::move(f)](const Settings& s, const LayerRegistry&) { return f(s); };
    if (values) {
      e.values = [v = std::move(values)](const Settings& s,
                                         const LayerRegistry&) -> std::optional<double> {
        return v(s);
      };
    }
    factories_[type_name] = std::move(e);
  }

  /// Registers a layer type whose factory (and Values function) is handed this registry too.
  // For a layer that holds other layers, built from their type names and
  // settings with the same registry (Residual, above).
  void add(const std::string& type_name, NestedFactory f, NestedValues values = nullptr) {
    factories_[type_name] = Entry{std::move(f), std::move(values)};
  }

  /// An activation without settings, under the struct's name.
  template <template <typename> class F>
  void add_activation() {
    add(
        F<Scalar>::name, [](const Settings&) { return std::make_unique<Activation<Scalar, F>>(); },
        none);
  }

  /// For a layer type without parameters or buffers.
  static double none(const Settings&) { return 0; }

  /// Whether a type of this name is registered.
  bool knows(const std::string& type_name) const { return factories_.count(type_name) > 0; }

  /// Whether the type was registered with a Values function.
  bool knows_values(const std::string& type_name) const {
    const auto it = factories_.find(type_name);
    return it != factories_.end() && it->second.values != nullptr;
  }

  /// The numbers a layer of this type and these settings holds, if it has a Values function.
  // Counted over its parameters and buffers together.
  std::optional<double> values(const std::string& type_name, const Settings& s) const {
    const auto it = factories_.find(type_name);
    if (it == factories_.end() || !it->second.values) return std::nullopt;
    return it->second.values(s, *this);
  }

  /// The type names known, in alphabetical order.
  std::vector<std::string> type_names() const {
    std::vector<std::string> names;
    for (const auto& kv : factories_)
      names.push_back(kv.first);
    return names;
  }

  /// A layer of type `type_name` built from `s`; ArgumentError for an unknown type.
  std::unique_ptr<Layer<Scalar>> make(const std::string& type_name, const Settings& s) const {
    const auto it = factories_.find(type_name);
    if (it == factories_.end()) {
      throw ArgumentError("unknown layer type \"" + type_name +
                          "\" (a custom layer must be added to the LayerRegistry before loading)");
    }
    return it->second.make(s, *this);
  }

 public:
  /// A size setting: a whole number in 1 … 2^28.
  static Index size(const Settings& s, const std::string& name) {
    const double v = setting(s, name);
    if (!(v >= 1 && v <= double(1 << 28)) || v != double(Index(v))) {
      throw ArgumentError("setting \"" + name + "\" is not a valid size");
    }
    return Index(v);
  }
  /// A yes/no setting: the number 1 or 0.
  static bool flag(const Settings& s, const std::string& name) {
    const double v = setting(s, name);
    if (v != 0 && v != 1) throw ArgumentError("setting \"" + name + "\" must be 0 or 1");
    return v == 1;
  }
  /// A recurrent layer's options, after checking that its G gate blocks are of a plausible size.
  static RecurrentOptions recurrent_options(const Settings& s, Index gates) {
    if (recurrent_values(s, gates) > double(Index(1) << 28))
      throw ArgumentError("recurrent layer: features and hidden are implausibly large");
    return Recurrent<Scalar>::options_from(s);
  }
  /// A recurrent layer's numbers: W_ih, W_hh, b_ih and b_hh of G gate blocks.
  static double recurrent_values(const Settings& s, Index gates) {
    const double f = double(size(s, "features")), h = double(size(s, "hidden"));
    return double(gates) * h * (f + h + 2);
  }
  /// Residual's projection: the setting "projection", 0 (none) or a size.
  static Index projection_channels(const Settings& s) {
    return setting(s, "projection") == 0 ? 0 : size(s, "projection");
  }
  /// LayerNorm's normalized shape: "features" for a vector, "shape0", "shape1", … otherwise.
  static Shape layer_norm_shape(const Settings& s) {
    const bool vector =
        std::any_of(s.begin(), s.end(), [](const auto& kv) { return kv.first == "features"; });
    const Shape shape = vector ? Shape(size(s, "features")) : shape_setting(s, "shape");
    double values = 1;
    for (int k = 0; k < shape.rank(); ++k)
      values *= double(shape[k]);
    if (values > double(Index(1) << 28))
      throw ArgumentError("LayerNorm: the normalized shape " + shape.str() +
                          " is implausibly large");
    return shape;
  }
  /// A shape stored as the settings `<name>0`, `<name>1`, … (Reshape's target).
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
  struct Entry {
    NestedFactory make;
    NestedValues values;  // null: not given
  };
  std::map<std::string, Entry> factories_;
};

}  // namespace hnn

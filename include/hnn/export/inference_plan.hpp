// SPDX-License-Identifier: MIT
#pragma once
// What inference needs of a trained model, as a list of steps: the plan that
// export_c (export/export_c.hpp) writes out as C.
//
// Training keeps much that inference never reads: gradients, optimizer
// state, the inputs kept for backward, batch statistics. A prediction for one
// sample needs only the weights and, for each layer, a loop over the sample's
// numbers. The plan holds exactly that, one InferenceStep per piece of work:
//
//   dense            z = W x + b                  W (out × in), row by row
//   conv2d           y = W * x + b                every window of the image
//   max_pool         y = max over each window
//   avg_pool         y = mean over each window (the padding counts, as in AvgPool2D)
//   global_avg_pool  y_c = mean over the pixels of channel c
//   activation       y = f(z) element by element  (ReLU, Tanh, … by name)
//   softmax          y = e^(z − max z) / Σ e^(z − max z)
//   layer_norm       y = γ ⊙ (x − μ)/√(σ² + ε) + β over the whole sample
//   channel_affine   y = a_c x + d_c             a BatchNorm that could not be folded
//   skip_begin       keep x for the skip path of a Residual block
//   skip_end         y = f(x) + x  or  f(x) + P x̃  (the block's projection)
//   recurrent        an RNN, LSTM or GRU over the T steps of a sequence,
//                    from h_0 = 0 (and c_0 = 0): every h_t, or h_T only
//   embedding        y_t = the vector of token x_t, for each of T steps
//
// A TimeDistributed layer is a dense step applied to each of its T steps
// (time_steps = T). An exported recurrent layer starts every prediction from
// a zero state: a stateful layer's carrying of the state from one batch to
// the next is a training matter, and is not exported.
//
// Three kinds of layer become no step at all, because at inference they do
// not change the numbers of a sample: Flatten and Reshape (the memory order
// is the same: core/shape.hpp), Dropout (the identity outside training) and
// the Identity activation.
//
// BatchNorm in inference is an affine map per channel with the running
// statistics, y = γ (x − μ)/√(σ² + ε) + β = a x + d, where
//   a = γ / √(σ² + ε)     d = β − a μ
// After a Dense or Conv2D layer (nothing in between) it folds into the
// product before it: a (W x + b) + d = (a ⊙ W) x + (a b + d), that is
//   W' = diag(a) W        b' = a ⊙ b + d
// one row of W scaled per output channel, so the exported model does one
// product where the trained one did a product and a normalization. Any other
// BatchNorm (the first layer, or after a pooling layer) stays a channel_affine step.
//
// The weights are kept as float, the type the exported C code computes in,
// and W row by row (each output's weights together: the loop of a dot
// product reads them in order). A layer type this file does not know is an
// ArgumentError naming the layer and its place in the model.

#include <cmath>
#include <sstream>
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
#include "hnn/layers/layer_norm.hpp"
#include "hnn/layers/lstm.hpp"
#include "hnn/layers/max_pool2d.hpp"
#include "hnn/layers/recurrent.hpp"
#include "hnn/layers/reshape.hpp"
#include "hnn/layers/residual.hpp"
#include "hnn/layers/rnn.hpp"
#include "hnn/layers/softmax.hpp"
#include "hnn/layers/time_distributed.hpp"
#include "hnn/layers/window.hpp"
#include "hnn/model/sequential.hpp"

namespace hnn {

/// The kinds of work an inference plan is made of.
enum class StepKind {
  dense,            ///< z = W x + b
  conv2d,           ///< y = W * x + b over every window
  max_pool,         ///< the largest value of each window
  avg_pool,         ///< the mean of each window, padding included
  global_avg_pool,  ///< the mean of each channel
  activation,       ///< y = f(z) element by element
  softmax,          ///< probabilities over the sample
  layer_norm,       ///< normalization over the sample, then γ and β
  channel_affine,   ///< y = a_c x + d_c per channel (an unfolded BatchNorm)
  skip_begin,       ///< keep x for a Residual block's skip path
  skip_end,         ///< add the skip path: x, or P x̃
  recurrent,        ///< an RNN, LSTM or GRU over the steps of a sequence
  embedding,        ///< each token index of a sequence as its vector
};

/// One step of an inference plan: what it computes and the numbers it needs.
struct InferenceStep {
  StepKind kind = StepKind::dense;  ///< what the step computes
  std::string what;                 ///< the layers it comes from ("Dense(784 → 256)")
  Index in_size = 0;                ///< numbers per sample read
  Index out_size = 0;               ///< numbers per sample written

  // dense, conv2d, skip_end with a projection: the weights, one row per output
  // unit (filter), row by row; b has one value per row (zeros without a bias).
  Index rows = 0;        ///< W's rows: outputs (dense), filters (conv2d), C' (projection)
  Index cols = 0;        ///< W's columns: inputs (dense), kh·kw·C (conv2d), C (projection)
  std::vector<float> W;  ///< rows × cols weights, row by row
  std::vector<float> b;  ///< rows biases

  WindowGeometry g;  ///< conv2d, the pools, global_avg_pool and a projection: the image and window

  std::string function;             ///< activation: the struct's name ("ReLU", "GELU", …)
  float alpha = 0;                  ///< activation: LeakyReLU's and ELU's α
  bool tanh_approximation = false;  ///< activation: GELU's tanh form

  std::vector<float> scale;  ///< layer_norm γ (in_size); channel_affine a (channels)
  std::vector<float> shift;  ///< layer_norm β (in_size); channel_affine d (channels)
  float epsilon = 0;         ///< layer_norm's ε
  Index channels = 0;        ///< channel_affine: the channels, the fastest index of a sample

  int depth = 0;           ///< skip_begin, skip_end: how deep the Residual block is nested
  bool projected = false;  ///< skip_end: P x̃ (true) or x (false) on the skip path

  // recurrent: W and b are W_ih (GH × F) and b_ih, these the hidden side;
  // function is "RNN_tanh", "RNN_relu", "LSTM" or "GRU".
  std::vector<float> W_hh;  ///< recurrent: W_hh (GH × H), row by row
  std::vector<float> b_hh;  ///< recurrent: b_hh (GH)
  Index hidden = 0;         ///< recurrent: the hidden units H
  Index time_steps = 1;     ///< recurrent, embedding, dense: the steps T of a sequence
  bool last_only = false;   ///< recurrent: output h_T only (else every h_t)

  /// Whether the step writes its result over its input (element-wise and per-sample steps).
  bool in_place() const {
    return kind == StepKind::activation || kind == StepKind::softmax ||
           kind == StepKind::layer_norm || kind == StepKind::channel_affine ||
           kind == StepKind::skip_begin || kind == StepKind::skip_end;
  }
  /// Whether the step has weights that int8 quantizes (dense, conv2d, a projection).
  bool has_weights() const {
    return kind == StepKind::dense || kind == StepKind::conv2d ||
           (kind == StepKind::skip_end && projected);
  }
  /// The floats of working memory the step needs beside its input and output.
  // RNN: a, b, h (H each); LSTM: a, b (4H each), h, c; GRU: a, b (3H each), h.
  Index work_size() const {
    if (kind != StepKind::recurrent) return 0;
    const Index G = rows / hidden;
    return (2 * G + (function == "LSTM" ? 2 : 1)) * hidden;
  }
};

/// A trained model as inference steps, from the input sample to the output.
struct InferencePlan {
  Shape input;                       ///< one input sample's shape
  Shape output;                      ///< one output sample's shape
  std::vector<InferenceStep> steps;  ///< in order
  std::vector<std::string> layers;   ///< the model's layers, described, for the header's comment
};

namespace export_detail {

// W (rows × cols, column-major in hnn) row by row, as float.
template <typename Mat>
std::vector<float> rows_of(const Mat& W) {
  std::vector<float> out;
  out.reserve(std::size_t(W.size()));
  for (Index r = 0; r < W.rows(); ++r)
    for (Index c = 0; c < W.cols(); ++c)
      out.push_back(float(W(r, c)));
  return out;
}

template <typename Mat>
std::vector<float> values_of(const Mat& v) {
  std::vector<float> out;
  for (Index i = 0; i < v.size(); ++i)
    out.push_back(float(v(i)));
  return out;
}

inline std::string where(const std::string& path, const std::string& what) {
  return "export: layer " + path + ", " + what;
}

// An activation layer of the struct F: its step, or false when the layer is another.
template <typename Scalar, template <typename> class F>
bool activation_step(const Layer<Scalar>& layer, InferenceStep& step) {
  const auto* a = dynamic_cast<const Activation<Scalar, F>*>(&layer);
  if (!a) return false;
  step.kind = StepKind::activation;
  step.function = F<Scalar>::name;
  if constexpr (std::is_same_v<F<Scalar>, LeakyReLU<Scalar>> ||
                std::is_same_v<F<Scalar>, ELU<Scalar>>) {
    step.alpha = float(a->function().alpha);
  }
  if constexpr (std::is_same_v<F<Scalar>, GELU<Scalar>>) {
    step.tanh_approximation = a->function().tanh_approximation;
  }
  return true;
}

// BatchNorm's a = γ/√(σ² + ε) and d = β − a μ, per channel, in double.
template <typename Scalar>
void batch_norm_affine(const BatchNorm<Scalar>& bn, std::vector<double>& a,
                       std::vector<double>& d) {
  const Index C = bn.channels();
  a.assign(std::size_t(C), 0);
  d.assign(std::size_t(C), 0);
  for (Index c = 0; c < C; ++c) {
    const double inv_std = 1 / std::sqrt(double(bn.running_var()(c)) + bn.epsilon());
    a[std::size_t(c)] = double(bn.gamma()(c)) * inv_std;  // a = γ / √(σ² + ε)
    d[std::size_t(c)] =
        double(bn.beta()(c)) - a[std::size_t(c)] * double(bn.running_mean()(c));  // d = β − a μ
  }
}

// Folds the BatchNorm (a, d) into the product step before it: W' = diag(a) W, b' = a ⊙ b + d.
inline void fold_into(InferenceStep& product, const std::vector<double>& a,
                      const std::vector<double>& d, const std::string& bn_what) {
  for (Index r = 0; r < product.rows; ++r) {
    const double ar = a[std::size_t(r)];
    for (Index c = 0; c < product.cols; ++c) {
      float& w = product.W[std::size_t(r * product.cols + c)];
      w = float(ar * double(w));  // W' = diag(a) W
    }
    float& bias = product.b[std::size_t(r)];
    bias = float(ar * double(bias) + d[std::size_t(r)]);  // b' = a ⊙ b + d
  }
  product.what += " with " + bn_what + " folded in";
}

template <typename Scalar>
void plan_layer(const Layer<Scalar>& layer, const std::string& path, int depth,
                InferencePlan& plan);

// The layers of a Sequential or of a Residual block's f, one after the other.
template <typename Scalar, typename Get>
void plan_layers(std::size_t count, Get get, const std::string& prefix, int depth,
                 InferencePlan& plan) {
  for (std::size_t k = 0; k < count; ++k) {
    plan_layer(get(k), prefix + std::to_string(k), depth, plan);
  }
}

template <typename Scalar>
void plan_layer(const Layer<Scalar>& layer, const std::string& path, int depth,
                InferencePlan& plan) {
  const Shape& in = layer.input_shape();
  const Shape& out = layer.output_shape();
  InferenceStep step;
  step.what = layer.describe();
  step.in_size = in.size();
  step.out_size = out.size();

  // No step: the numbers of a sample do not change.
  if (dynamic_cast<const Flatten<Scalar>*>(&layer) ||
      dynamic_cast<const Reshape<Scalar>*>(&layer) ||
      dynamic_cast<const Dropout<Scalar>*>(&layer) ||
      dynamic_cast<const Activation<Scalar, Identity>*>(&layer)) {
    return;
  }
  if (const auto* d = dynamic_cast<const Dense<Scalar>*>(&layer)) {
    step.kind = StepKind::dense;
    step.rows = d->out_size();
    step.cols = d->in_size();
    step.W = rows_of(d->W());
    step.b = values_of(d->b());
  } else if (const auto* c = dynamic_cast<const Conv2D<Scalar>*>(&layer)) {
    step.kind = StepKind::conv2d;
    step.g = window_geometry(c->describe(), in, c->kernel(), c->stride(), c->padding());
    step.rows = c->filters();
    step.cols = c->W().cols();
    step.W = rows_of(c->W());
    step.b = values_of(c->b());  // zeros without a bias
  } else if (const auto* bn = dynamic_cast<const BatchNorm<Scalar>*>(&layer)) {
    std::vector<double> a, shift;
    batch_norm_affine(*bn, a, shift);
    InferenceStep* last = plan.steps.empty() ? nullptr : &plan.steps.back();
    // Folds only into the step just before it, when that step's output is this input.
    if (last && (last->kind == StepKind::dense || last->kind == StepKind::conv2d) &&
        last->rows == bn->channels() && last->out_size == step.in_size && last->time_steps == 1 &&
        last->depth == depth && !last->in_place()) {
      fold_into(*last, a, shift, layer.describe());
      return;
    }
    step.kind = StepKind::channel_affine;
    step.channels = bn->channels();
    for (std::size_t i = 0; i < a.size(); ++i) {
      step.scale.push_back(float(a[i]));
      step.shift.push_back(float(shift[i]));
    }
  } else if (const auto* m = dynamic_cast<const MaxPool2D<Scalar>*>(&layer)) {
    step.kind = StepKind::max_pool;
    step.g = window_geometry(m->describe(), in, m->window(), m->stride(), m->padding());
  } else if (const auto* p = dynamic_cast<const AvgPool2D<Scalar>*>(&layer)) {
    step.kind = StepKind::avg_pool;
    step.g = window_geometry(p->describe(), in, p->window(), p->stride(), p->padding());
  } else if (dynamic_cast<const GlobalAvgPool2D<Scalar>*>(&layer)) {
    step.kind = StepKind::global_avg_pool;
    step.g.channels = in[0];
    step.g.in_h = in[1];
    step.g.in_w = in[2];
  } else if (dynamic_cast<const Softmax<Scalar>*>(&layer)) {
    step.kind = StepKind::softmax;
  } else if (const auto* ln = dynamic_cast<const LayerNorm<Scalar>*>(&layer)) {
    step.kind = StepKind::layer_norm;
    step.scale = values_of(ln->gamma());
    step.shift = values_of(ln->beta());
    step.epsilon = float(ln->epsilon());
  } else if (const auto* r = dynamic_cast<const Residual<Scalar>*>(&layer)) {
    InferenceStep begin = step;
    begin.kind = StepKind::skip_begin;
    begin.out_size = begin.in_size;
    begin.depth = depth;
    plan.steps.push_back(begin);
    plan_layers<Scalar>(
        r->size(), [r](std::size_t k) -> const Layer<Scalar>& { return r->layer(k); }, path + ".",
        depth + 1, plan);
    step.kind = StepKind::skip_end;
    step.in_size = step.out_size;  // f(x), and the skip path from the kept x
    step.depth = depth;
    step.projected = r->projected();
    if (r->projected()) {
      // P x̃: a 1×1 convolution with the block's stride, no padding, no bias.
      const Shape image = in.rank() == 3 ? in : Shape{in.size(), 1, 1};
      step.g = window_geometry(r->describe(), image, Window(1), r->stride(), Padding::valid());
      step.rows = r->P().rows();
      step.cols = r->P().cols();
      step.W = rows_of(r->P());
      step.b.assign(std::size_t(step.rows), 0.0f);
    }
  } else if (const auto* rec = dynamic_cast<const Recurrent<Scalar>*>(&layer)) {
    step.kind = StepKind::recurrent;
    step.rows = rec->W_ih().rows();
    step.cols = rec->features();
    step.W = rows_of(rec->W_ih());
    step.b = values_of(rec->b_ih());
    step.W_hh = rows_of(rec->W_hh());
    step.b_hh = values_of(rec->b_hh());
    step.hidden = rec->hidden();
    step.time_steps = in[0];
    step.last_only = rec->options().output == SequenceOutput::last;
    if (const auto* rnn = dynamic_cast<const RNN<Scalar>*>(&layer)) {
      step.function = rnn->activation() == RNNActivation::relu ? "RNN_relu" : "RNN_tanh";
    } else if (dynamic_cast<const LSTM<Scalar>*>(&layer)) {
      step.function = "LSTM";
    } else if (dynamic_cast<const GRU<Scalar>*>(&layer)) {
      step.function = "GRU";
    } else {
      throw ArgumentError(where(path, layer.describe()) +
                          ", a recurrent layer of a type the exporter does not know");
    }
  } else if (const auto* e = dynamic_cast<const Embedding<Scalar>*>(&layer)) {
    step.kind = StepKind::embedding;
    step.rows = e->vocabulary();
    step.cols = e->dimension();
    step.W = rows_of(e->W().transpose());  // token by token: token k's vector at k D
    step.time_steps = in[0];
  } else if (const auto* td = dynamic_cast<const TimeDistributed<Scalar>*>(&layer)) {
    step.kind = StepKind::dense;
    step.rows = td->dense().out_size();
    step.cols = td->dense().in_size();
    step.W = rows_of(td->dense().W());
    step.b = values_of(td->dense().b());
    step.time_steps = in[0];
  } else if (!activation_step<Scalar, ReLU>(layer, step) &&
             !activation_step<Scalar, LeakyReLU>(layer, step) &&
             !activation_step<Scalar, ELU>(layer, step) &&
             !activation_step<Scalar, SELU>(layer, step) &&
             !activation_step<Scalar, GELU>(layer, step) &&
             !activation_step<Scalar, SiLU>(layer, step) &&
             !activation_step<Scalar, Sigmoid>(layer, step) &&
             !activation_step<Scalar, Tanh>(layer, step) &&
             !activation_step<Scalar, Softplus>(layer, step)) {
    throw ArgumentError(where(path, layer.describe()) +
                        ", has no C form in the exporter, which writes Dense, Conv2D, "
                        "MaxPool2D, AvgPool2D, GlobalAvgPool2D, BatchNorm, LayerNorm, Residual, "
                        "RNN, LSTM, GRU, Embedding, TimeDistributed, Softmax, the activations, "
                        "and Flatten, Reshape and Dropout (no step)");
  }
  step.depth = depth;
  plan.steps.push_back(std::move(step));
}

}  // namespace export_detail

/// The inference plan of a model: its layers as the steps an exported C program runs.
// Throws ArgumentError for a model without layers and for a layer type that
// has no C form, naming it and its index.
template <typename Scalar>
InferencePlan inference_plan(const Sequential<Scalar>& model) {
  if (model.size() == 0) throw ArgumentError("export: the model has no layers");
  InferencePlan plan;
  plan.input = model.input_shape();
  plan.output = model.output_shape();
  for (std::size_t k = 0; k < model.size(); ++k) {
    std::ostringstream line;
    line << k << ": " << model.layer(k).describe() << "  " << model.layer(k).input_shape() << " → "
         << model.layer(k).output_shape();
    plan.layers.push_back(line.str());
  }
  export_detail::plan_layers<Scalar>(
      model.size(), [&model](std::size_t k) -> const Layer<Scalar>& { return model.layer(k); }, "",
      0, plan);
  return plan;
}

}  // namespace hnn

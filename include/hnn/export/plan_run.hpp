// SPDX-License-Identifier: MIT
#pragma once
// Running an inference plan (export/inference_plan.hpp) one sample at a time,
// in float and in int8: the same loops, in the same order, as the C that
// export_c writes (export/c_kernels.hpp), so that hnn knows what the exported
// program will compute before any C compiler has seen it. Three uses:
//
//   calibration     the float run records the largest |value| of every
//                   step's output on a calibration set: the int8 scales;
//   the self-test   the outputs stored in the header (export_c's with_test);
//   the tests       the plan run in float against Sequential::predict (the
//                   folding of BatchNorm, the order of the steps), and the
//                   int8 run against the float one.
//
// The int8 run (Int8Plan) holds what quantize_plan computed for every step:
//
//   dense, conv2d    acc = q_b + Σ q_w q_x (int32), q_y = requantize(acc)
//   max_pool, ReLU   on the integers themselves, the scale unchanged: exact
//   avg_pool, global_avg_pool
//                    the integer sum divided by the count, rounded: the scale unchanged
//   every other step dequantized around it: v = s_x q, the float step, then
//                    q_y = quantize(v / s_y) with the calibrated s_y
//   skip_end         (s_f q_f + s_x q_x) / s_y, or with P x̃ = s_P s_x acc
//
// and the float tail: the activations and softmax after the last other step
// run in float on the dequantized output (probabilities in int8 would keep
// only 1/127 of their resolution).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/export/c_kernels.hpp"
#include "hnn/export/inference_plan.hpp"
#include "hnn/export/quantize.hpp"

namespace hnn {

namespace export_detail {

// The activation functions, one float at a time, as the C writes them.
inline float activate(const InferenceStep& s, float z) {
  const std::string& f = s.function;
  if (f == "ReLU") return z > 0 ? z : 0.0f;
  if (f == "LeakyReLU") return z > 0 ? z : s.alpha * z;
  if (f == "ELU") return z > 0 ? z : s.alpha * std::expm1(z);
  if (f == "SELU") {
    return c_selu_lambda * (z > 0 ? z : c_selu_alpha * std::expm1(z));
  }
  if (f == "GELU") {
    if (s.tanh_approximation) {
      const float u = c_sqrt_2_over_pi * (z + c_gelu_cubic * z * z * z);
      return 0.5f * z * (1.0f + std::tanh(u));
    }
    return 0.5f * z * (1.0f + std::erf(z * c_inv_sqrt_2));
  }
  if (f == "SiLU") return z / (1.0f + std::exp(-z));
  if (f == "Sigmoid") return 1.0f / (1.0f + std::exp(-z));
  if (f == "Tanh") return std::tanh(z);
  if (f == "Softplus") return std::max(z, 0.0f) + std::log1p(std::exp(-std::fabs(z)));
  throw ArgumentError("export: no C form for the activation " + f);
}

inline void softmax_floats(float* x, Index n) {
  float m = x[0];
  for (Index i = 1; i < n; ++i)
    m = x[i] > m ? x[i] : m;
  float sum = 0;
  for (Index i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - m);
    sum += x[i];
  }
  for (Index i = 0; i < n; ++i)
    x[i] = x[i] / sum;
}

inline void layer_norm_floats(const InferenceStep& s, float* x) {
  const Index D = s.in_size;
  float mean = 0, var = 0;
  for (Index i = 0; i < D; ++i)
    mean += x[i];
  mean /= float(D);
  for (Index i = 0; i < D; ++i)
    var += (x[i] - mean) * (x[i] - mean);
  var /= float(D);
  const float inv_std = 1.0f / std::sqrt(var + s.epsilon);
  for (Index i = 0; i < D; ++i) {
    x[i] = s.scale[std::size_t(i)] * ((x[i] - mean) * inv_std) + s.shift[std::size_t(i)];
  }
}

// Calls visit(ih, iw, i, k) for each pixel (ih, iw) of the image that the
// window at output pixel (oh, ow) covers: window row i, window column k.
// The padding is skipped.
template <typename Visit>
void for_window_pixels(const WindowGeometry& g, Index oh, Index ow, Visit visit) {
  for (Index i = 0; i < g.k_h; ++i) {
    const Index ih = oh * g.stride - g.pad_top + i;
    if (ih < 0 || ih >= g.in_h) continue;
    for (Index k = 0; k < g.k_w; ++k) {
      const Index iw = ow * g.stride - g.pad_left + k;
      if (iw < 0 || iw >= g.in_w) continue;
      visit(ih, iw, i, k);
    }
  }
}

// One window's reduction at output pixel (oh, ow), channel c: the largest
// value, or the sum, of the input pixels the window covers inside the image.
template <typename T, typename Acc, typename Op>
Acc over_window(const WindowGeometry& g, const T* x, Index oh, Index ow, Index c, Acc start,
                Op op) {
  Acc acc = start;
  for_window_pixels(g, oh, ow, [&](Index ih, Index iw, Index, Index) {
    acc = op(acc, x[(ih * g.in_w + iw) * g.channels + c]);
  });
  return acc;
}

// Σ W_f · window of x at (oh, ow), over the window's pixels inside the image,
// in the order of W's row: window row i, window column k, channel c.
template <typename T, typename Acc>
Acc conv_sum(const WindowGeometry& g, const T* Wf, const T* x, Index oh, Index ow, Acc acc) {
  const Index C = g.channels;
  for_window_pixels(g, oh, ow, [&](Index ih, Index iw, Index i, Index k) {
    const T* xp = x + (ih * g.in_w + iw) * C;
    const T* wp = Wf + (i * g.k_w + k) * C;
    for (Index c = 0; c < C; ++c)
      acc += Acc(wp[c]) * Acc(xp[c]);
  });
  return acc;
}

// z = W x + b for W (rows × cols), row by row.
inline void dense_floats(const float* W, const float* b, Index rows, Index cols, const float* x,
                         float* z) {
  for (Index o = 0; o < rows; ++o) {
    float sum = b[o];
    const float* w = W + o * cols;
    for (Index i = 0; i < cols; ++i)
      sum += w[i] * x[i];
    z[o] = sum;
  }
}

inline float sigmoid_float(float z) {
  return 1.0f / (1.0f + std::exp(-z));
}

// An RNN, LSTM or GRU over the T steps of x, from a zero state, as the C writes it.
inline void recurrent_floats(const InferenceStep& s, const float* x, float* y) {
  const Index H = s.hidden, F = s.cols, GH = s.rows;
  std::vector<float> a(static_cast<std::size_t>(GH)), b(static_cast<std::size_t>(GH));
  std::vector<float> h(static_cast<std::size_t>(H), 0.0f), c(static_cast<std::size_t>(H), 0.0f);
  for (Index t = 0; t < s.time_steps; ++t) {
    dense_floats(s.W.data(), s.b.data(), GH, F, x + t * F, a.data());       // W_ih x_t + b_ih
    dense_floats(s.W_hh.data(), s.b_hh.data(), GH, H, h.data(), b.data());  // W_hh h + b_hh
    for (Index k = 0; k < H; ++k) {
      const std::size_t i = std::size_t(k), j = std::size_t(H + k), l = std::size_t(2 * H + k);
      if (s.function == "LSTM") {
        const std::size_t m = std::size_t(3 * H + k);
        const float in = sigmoid_float(a[i] + b[i]), f = sigmoid_float(a[j] + b[j]);
        const float g = std::tanh(a[l] + b[l]), o = sigmoid_float(a[m] + b[m]);
        c[i] = f * c[i] + in * g;
        h[i] = o * std::tanh(c[i]);
      } else if (s.function == "GRU") {
        const float r = sigmoid_float(a[i] + b[i]), z = sigmoid_float(a[j] + b[j]);
        const float n = std::tanh(a[l] + r * b[l]);
        h[i] = (1.0f - z) * n + z * h[i];
      } else {
        const float v = a[i] + b[i];
        h[i] = s.function == "RNN_relu" ? (v > 0.0f ? v : 0.0f) : std::tanh(v);
      }
      if (!s.last_only) y[t * H + k] = h[i];
    }
  }
  if (s.last_only) std::copy(h.begin(), h.end(), y);
}

// The float run of one step: x (in_size) to y (out_size); skip is the kept input of the block.
inline void run_float_step(const InferenceStep& s, const float* x, float* y, const float* skip) {
  const WindowGeometry& g = s.g;
  switch (s.kind) {
    case StepKind::dense:
      for (Index t = 0; t < s.time_steps; ++t) {
        dense_floats(s.W.data(), s.b.data(), s.rows, s.cols, x + t * s.cols, y + t * s.rows);
      }
      break;
    case StepKind::recurrent:
      recurrent_floats(s, x, y);
      break;
    case StepKind::embedding:
      for (Index t = 0; t < s.time_steps; ++t) {
        const float v = x[t];
        const bool known = v >= 0.0f && v < float(s.rows) && v == std::floor(v);
        for (Index d = 0; d < s.cols; ++d) {
          y[t * s.cols + d] = known ? s.W[std::size_t(Index(v) * s.cols + d)] : 0.0f;
        }
      }
      break;
    case StepKind::conv2d:
      for (Index oh = 0; oh < g.out_h; ++oh)
        for (Index ow = 0; ow < g.out_w; ++ow)
          for (Index f = 0; f < s.rows; ++f) {
            y[(oh * g.out_w + ow) * s.rows + f] =
                conv_sum(g, s.W.data() + f * s.cols, x, oh, ow, s.b[std::size_t(f)]);
          }
      break;
    case StepKind::max_pool:
      for (Index oh = 0; oh < g.out_h; ++oh)
        for (Index ow = 0; ow < g.out_w; ++ow)
          for (Index c = 0; c < g.channels; ++c) {
            y[(oh * g.out_w + ow) * g.channels + c] =
                over_window(g, x, oh, ow, c, -std::numeric_limits<float>::infinity(),
                            [](float a, float v) { return v > a ? v : a; });
          }
      break;
    case StepKind::avg_pool:
      for (Index oh = 0; oh < g.out_h; ++oh)
        for (Index ow = 0; ow < g.out_w; ++ow)
          for (Index c = 0; c < g.channels; ++c) {
            const float sum =
                over_window(g, x, oh, ow, c, 0.0f, [](float a, float v) { return a + v; });
            y[(oh * g.out_w + ow) * g.channels + c] = sum / float(g.k_h * g.k_w);
          }
      break;
    case StepKind::global_avg_pool:
      for (Index c = 0; c < g.channels; ++c) {
        float sum = 0;
        for (Index p = 0; p < g.in_pixels(); ++p)
          sum += x[p * g.channels + c];
        y[c] = sum / float(g.in_pixels());
      }
      break;
    case StepKind::activation:
      for (Index i = 0; i < s.in_size; ++i)
        y[i] = activate(s, x[i]);
      break;
    case StepKind::softmax:
      std::copy(x, x + s.in_size, y);
      softmax_floats(y, s.in_size);
      break;
    case StepKind::layer_norm:
      std::copy(x, x + s.in_size, y);
      layer_norm_floats(s, y);
      break;
    case StepKind::channel_affine:
      for (Index i = 0; i < s.in_size; ++i) {
        const std::size_t c = std::size_t(i % s.channels);
        y[i] = s.scale[c] * x[i] + s.shift[c];
      }
      break;
    case StepKind::skip_begin:
      std::copy(x, x + s.in_size, y);
      break;
    case StepKind::skip_end:
      if (!s.projected) {
        for (Index i = 0; i < s.out_size; ++i)
          y[i] = x[i] + skip[i];
        break;
      }
      for (Index oh = 0; oh < g.out_h; ++oh)
        for (Index ow = 0; ow < g.out_w; ++ow) {
          const float* xs = skip + ((oh * g.stride) * g.in_w + ow * g.stride) * g.channels;
          for (Index o = 0; o < s.rows; ++o) {
            float sum = 0;
            const float* p = s.W.data() + o * s.cols;
            for (Index c = 0; c < s.cols; ++c)
              sum += p[c] * xs[c];
            const Index at = (oh * g.out_w + ow) * s.rows + o;
            y[at] = x[at] + sum;
          }
        }
      break;
  }
}

}  // namespace export_detail

/// The plan run in float on one sample: `input` (plan.input.size()) to the output.
// `largest`, when given, is raised to the largest |value| of each step's
// output (one entry per step) and, in its last entry, of the input: the
// calibration of an int8 export.
inline std::vector<float> run_plan(const InferencePlan& plan, const float* input,
                                   std::vector<double>* largest = nullptr) {
  std::vector<float> x(input, input + plan.input.size()), y;
  std::vector<std::vector<float>> skips;  // the kept input of each open block, by depth
  const std::size_t count = plan.steps.size();
  if (largest) {
    largest->resize(count + 1, 0.0);
    for (float v : x)
      (*largest)[count] = std::max((*largest)[count], double(std::fabs(v)));
  }
  for (std::size_t k = 0; k < count; ++k) {
    const InferenceStep& s = plan.steps[k];
    y.assign(std::size_t(s.out_size), 0.0f);
    const float* skip = nullptr;
    if (s.kind == StepKind::skip_begin) {
      skips.resize(std::size_t(s.depth) + 1);
      skips[std::size_t(s.depth)] = x;
    } else if (s.kind == StepKind::skip_end) {
      skip = skips.at(std::size_t(s.depth)).data();
    }
    export_detail::run_float_step(s, x.data(), y.data(), skip);
    if (largest) {
      for (float v : y)
        (*largest)[k] = std::max((*largest)[k], double(std::fabs(v)));
    }
    x.swap(y);
  }
  return x;
}

/// What an int8 export computes for one step: scales and quantized weights.
struct Int8Step {
  float in_scale = 1;    ///< s_x of the step's input
  float out_scale = 1;   ///< s_y of its output
  float skip_scale = 1;  ///< skip_end: the scale of the block's kept input
  Int8Weights weights;   ///< dense, conv2d, a projection
};

/// An inference plan with the scales and int8 weights of every step before the float tail.
struct Int8Plan {
  float input_scale = 1;        ///< s of the quantized input
  std::size_t float_tail = 0;   ///< steps from here on run in float on the dequantized output
  std::vector<Int8Step> steps;  ///< one per step of the plan before float_tail
};

/// The first step of the plan's float tail: the trailing activations and softmax.
inline std::size_t float_tail(const InferencePlan& plan) {
  std::size_t k = plan.steps.size();
  while (k > 0 && (plan.steps[k - 1].kind == StepKind::activation ||
                   plan.steps[k - 1].kind == StepKind::softmax)) {
    --k;
  }
  return k;
}

/// The int8 scales and weights of `plan`, calibrated on the samples (columns) of X.
// X holds the plan's input, one sample per column, as the model's inputs
// come (at least one sample).
template <typename Derived>
Int8Plan quantize_plan(const InferencePlan& plan, const Eigen::MatrixBase<Derived>& X) {
  const Index in = plan.input.size();
  if (X.rows() != in || X.cols() < 1) {
    std::ostringstream s;
    s << "export: the calibration set must hold samples of " << in << " values, one per column, "
      << "but has shape " << X.rows() << " × " << X.cols();
    throw ShapeError(s.str());
  }
  std::vector<double> largest;
  std::vector<float> sample(static_cast<std::size_t>(in));
  for (Index j = 0; j < X.cols(); ++j) {
    for (Index i = 0; i < in; ++i)
      sample[std::size_t(i)] = float(X(i, j));
    run_plan(plan, sample.data(), &largest);
  }
  Int8Plan q;
  q.float_tail = float_tail(plan);
  q.input_scale = int8_scale(largest.back());
  float current = q.input_scale;
  std::vector<float> skip_scales;
  for (std::size_t k = 0; k < q.float_tail; ++k) {
    const InferenceStep& s = plan.steps[k];
    if (s.kind == StepKind::recurrent || s.kind == StepKind::embedding) {
      throw ArgumentError("export: step " + std::to_string(k) + ", " + s.what +
                          ", has no int8 form (the exporter writes recurrent and embedding "
                          "layers in float); export the model in float");
    }
    Int8Step t;
    t.in_scale = current;
    switch (s.kind) {
      case StepKind::max_pool:
      case StepKind::avg_pool:
      case StepKind::global_avg_pool:
        t.out_scale = current;  // the integers themselves
        break;
      case StepKind::activation:
        t.out_scale = s.function == "ReLU" ? current : int8_scale(largest[k]);
        break;
      case StepKind::skip_begin:
        skip_scales.resize(std::size_t(s.depth) + 1);
        skip_scales[std::size_t(s.depth)] = current;
        t.out_scale = current;
        break;
      default:
        t.out_scale = int8_scale(largest[k]);
    }
    if (s.kind == StepKind::dense || s.kind == StepKind::conv2d) {
      t.weights = quantize_weights(s.W, s.b, s.rows, s.cols, t.in_scale, t.out_scale);
    }
    if (s.kind == StepKind::skip_end) {
      t.skip_scale = skip_scales.at(std::size_t(s.depth));
      if (s.projected) t.weights = quantize_weights(s.W, s.b, s.rows, s.cols, t.skip_scale, 0);
    }
    current = t.out_scale;
    q.steps.push_back(std::move(t));
  }
  return q;
}

namespace export_detail {

inline std::int8_t clamp_int8(std::int64_t v) {
  return std::int8_t(v > int8_limit ? int8_limit : v < -int8_limit ? -int8_limit : v);
}

// n / count rounded to the nearest integer, halves away from zero (count > 0).
inline std::int32_t divide_rounded(std::int32_t n, std::int32_t count) {
  return n >= 0 ? (n + count / 2) / count : -((-n + count / 2) / count);
}

// The int8 run of one step: x to y; skip is the kept (int8) input of the block.
inline void run_int8_step(const InferenceStep& s, const Int8Step& t, const std::int8_t* x,
                          std::int8_t* y, const std::int8_t* skip) {
  const WindowGeometry& g = s.g;
  const Int8Weights& w = t.weights;
  const float in_s = t.in_scale, inv_out = 1 / t.out_scale;
  switch (s.kind) {
    case StepKind::dense:
      for (Index step = 0; step < s.time_steps; ++step) {
        const std::int8_t* xt = x + step * s.cols;
        for (Index o = 0; o < s.rows; ++o) {
          std::int32_t acc = w.b[std::size_t(o)];
          const std::int8_t* wo = w.W.data() + o * s.cols;
          for (Index i = 0; i < s.cols; ++i)
            acc += std::int32_t(wo[i]) * std::int32_t(xt[i]);
          y[step * s.rows + o] =
              requantize(acc, {w.multiplier[std::size_t(o)], w.shift[std::size_t(o)]});
        }
      }
      break;
    case StepKind::recurrent:
    case StepKind::embedding:
      throw ArgumentError("export: " + s.what + " has no int8 form");
    case StepKind::conv2d:
      for (Index oh = 0; oh < g.out_h; ++oh)
        for (Index ow = 0; ow < g.out_w; ++ow)
          for (Index f = 0; f < s.rows; ++f) {
            const std::int32_t acc =
                conv_sum(g, w.W.data() + f * s.cols, x, oh, ow, w.b[std::size_t(f)]);
            y[(oh * g.out_w + ow) * s.rows + f] =
                requantize(acc, {w.multiplier[std::size_t(f)], w.shift[std::size_t(f)]});
          }
      break;
    case StepKind::max_pool:
      for (Index oh = 0; oh < g.out_h; ++oh)
        for (Index ow = 0; ow < g.out_w; ++ow)
          for (Index c = 0; c < g.channels; ++c) {
            y[(oh * g.out_w + ow) * g.channels + c] =
                over_window(g, x, oh, ow, c, std::int8_t(-int8_limit),
                            [](std::int8_t a, std::int8_t v) { return v > a ? v : a; });
          }
      break;
    case StepKind::avg_pool:
      for (Index oh = 0; oh < g.out_h; ++oh)
        for (Index ow = 0; ow < g.out_w; ++ow)
          for (Index c = 0; c < g.channels; ++c) {
            const std::int32_t sum =
                over_window(g, x, oh, ow, c, std::int32_t(0),
                            [](std::int32_t a, std::int8_t v) { return a + std::int32_t(v); });
            y[(oh * g.out_w + ow) * g.channels + c] =
                std::int8_t(divide_rounded(sum, std::int32_t(g.k_h * g.k_w)));
          }
      break;
    case StepKind::global_avg_pool:
      for (Index c = 0; c < g.channels; ++c) {
        std::int32_t sum = 0;
        for (Index p = 0; p < g.in_pixels(); ++p)
          sum += x[p * g.channels + c];
        y[c] = std::int8_t(divide_rounded(sum, std::int32_t(g.in_pixels())));
      }
      break;
    case StepKind::activation:
      for (Index i = 0; i < s.in_size; ++i) {
        y[i] = s.function == "ReLU" ? (x[i] > 0 ? x[i] : std::int8_t(0))
                                    : quantize(activate(s, in_s * float(x[i])), inv_out);
      }
      break;
    case StepKind::softmax:
    case StepKind::layer_norm: {
      std::vector<float> v(std::size_t(s.in_size));
      for (Index i = 0; i < s.in_size; ++i)
        v[std::size_t(i)] = in_s * float(x[i]);
      if (s.kind == StepKind::softmax) {
        softmax_floats(v.data(), s.in_size);
      } else {
        layer_norm_floats(s, v.data());
      }
      for (Index i = 0; i < s.in_size; ++i)
        y[i] = quantize(v[std::size_t(i)], inv_out);
      break;
    }
    case StepKind::channel_affine:
      for (Index i = 0; i < s.in_size; ++i) {
        const std::size_t c = std::size_t(i % s.channels);
        y[i] = quantize(s.scale[c] * (in_s * float(x[i])) + s.shift[c], inv_out);
      }
      break;
    case StepKind::skip_begin:
      std::copy(x, x + s.in_size, y);
      break;
    case StepKind::skip_end:
      if (!s.projected) {
        for (Index i = 0; i < s.out_size; ++i) {
          y[i] = quantize(in_s * float(x[i]) + t.skip_scale * float(skip[i]), inv_out);
        }
        break;
      }
      for (Index oh = 0; oh < g.out_h; ++oh)
        for (Index ow = 0; ow < g.out_w; ++ow) {
          const std::int8_t* xs = skip + ((oh * g.stride) * g.in_w + ow * g.stride) * g.channels;
          for (Index o = 0; o < s.rows; ++o) {
            std::int32_t acc = 0;
            const std::int8_t* p = w.W.data() + o * s.cols;
            for (Index c = 0; c < s.cols; ++c)
              acc += std::int32_t(p[c]) * std::int32_t(xs[c]);
            const Index at = (oh * g.out_w + ow) * s.rows + o;
            const float projected = w.scale[std::size_t(o)] * t.skip_scale * float(acc);
            y[at] = quantize(in_s * float(x[at]) + projected, inv_out);
          }
        }
      break;
  }
}

}  // namespace export_detail

/// The plan run in int8 on one sample, as an int8 export computes it: float in, float out.
inline std::vector<float> run_plan_int8(const InferencePlan& plan, const Int8Plan& q,
                                        const float* input) {
  if (q.float_tail == 0) return run_plan(plan, input);  // nothing to quantize: all float
  const Index in = plan.input.size();
  std::vector<std::int8_t> x(static_cast<std::size_t>(in)), y;
  const float inv_in = 1 / q.input_scale;
  for (Index i = 0; i < in; ++i)
    x[std::size_t(i)] = quantize(input[i], inv_in);
  std::vector<std::vector<std::int8_t>> skips;
  float scale = q.input_scale;
  for (std::size_t k = 0; k < q.float_tail; ++k) {
    const InferenceStep& s = plan.steps[k];
    y.assign(std::size_t(s.out_size), 0);
    const std::int8_t* skip = nullptr;
    if (s.kind == StepKind::skip_begin) {
      skips.resize(std::size_t(s.depth) + 1);
      skips[std::size_t(s.depth)] = x;
    } else if (s.kind == StepKind::skip_end) {
      skip = skips.at(std::size_t(s.depth)).data();
    }
    export_detail::run_int8_step(s, q.steps[k], x.data(), y.data(), skip);
    scale = q.steps[k].out_scale;
    x.swap(y);
  }
  std::vector<float> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    out[i] = scale * float(x[i]);  // v = s q
  for (std::size_t k = q.float_tail; k < plan.steps.size(); ++k) {
    const InferenceStep& s = plan.steps[k];
    if (s.kind == StepKind::softmax) {
      export_detail::softmax_floats(out.data(), Index(out.size()));
    } else {
      for (float& v : out)
        v = export_detail::activate(s, v);
    }
  }
  return out;
}

}  // namespace hnn

// SPDX-License-Identifier: MIT
#pragma once
// The C functions an exported header is made of: one loop nest per kind of
// step (export/inference_plan.hpp), in float and in int8, as text.
//
// They are the loops of export/plan_run.hpp, in C99 that is also C++: sizes
// as int, no allocation, nothing but <math.h> and <stdint.h>. A sample is
// stored as everywhere in hnn (core/shape.hpp): an image pixel by pixel, row
// by row, each pixel's channels together, so value (c, h, w) of an image of
// C channels and width W sits at (h W + w) C + c. export_c writes only the
// functions a model uses, each name prefixed with the model's name
// ("digits_dense"), so two models can live in one program; below the prefix
// is written "P_".

#include <cctype>
#include <charconv>
#include <string>

namespace hnn {

namespace export_detail {

// The window geometry, one struct per layer that has a window.
inline const char* c_window_type = R"(/* A window sliding over an image (hnn's layers/window.hpp):
   output pixel (oh, ow) sees input rows oh*stride - pad_top + i, i < k_h,
   and columns ow*stride - pad_left + k, k < k_w; outside the image is padding. */
typedef struct {
    int channels, in_h, in_w; /* the input image */
    int k_h, k_w, stride;     /* the window and its step */
    int pad_top, pad_left;    /* padding before row 0 and column 0 */
    int out_h, out_w;         /* the output image */
} P_window;
)";

inline const char* c_dense = R"(/* Dense: z = W x + b, W (out x in) stored row by row. */
static void P_dense(const float *W, const float *b, int in, int out, const float *x, float *z)
{
    for (int o = 0; o < out; ++o) {
        const float *w = W + o * in;
        float sum = b[o];
        for (int i = 0; i < in; ++i)
            sum += w[i] * x[i];
        z[o] = sum;
    }
}
)";

inline const char* c_conv2d =
    R"(/* Conv2D: y(oh, ow, f) = b[f] + sum over the window of W_f(i, k, c) x(ih, iw, c),
   W_f (k_h * k_w * C) stored in (i, k, c) order, filter after filter. */
static void P_conv2d(const P_window *g, const float *W, const float *b, int filters,
                     const float *x, float *y)
{
    const int C = g->channels, row = g->k_h * g->k_w * C;
    for (int oh = 0; oh < g->out_h; ++oh)
        for (int ow = 0; ow < g->out_w; ++ow)
            for (int f = 0; f < filters; ++f) {
                const float *wf = W + f * row;
                float sum = b[f];
                for (int i = 0; i < g->k_h; ++i) {
                    const int ih = oh * g->stride - g->pad_top + i;
                    if (ih < 0 || ih >= g->in_h)
                        continue;
                    for (int k = 0; k < g->k_w; ++k) {
                        const int iw = ow * g->stride - g->pad_left + k;
                        if (iw < 0 || iw >= g->in_w)
                            continue;
                        const float *xp = x + (ih * g->in_w + iw) * C;
                        const float *wp = wf + (i * g->k_w + k) * C;
                        for (int c = 0; c < C; ++c)
                            sum += wp[c] * xp[c];
                    }
                }
                y[(oh * g->out_w + ow) * filters + f] = sum;
            }
}
)";

inline const char* c_max_pool =
    R"(/* MaxPool2D: the largest value under each window; padding never wins. */
static void P_max_pool(const P_window *g, const float *x, float *y)
{
    const int C = g->channels;
    for (int oh = 0; oh < g->out_h; ++oh)
        for (int ow = 0; ow < g->out_w; ++ow)
            for (int c = 0; c < C; ++c) {
                float best = -INFINITY;
                for (int i = 0; i < g->k_h; ++i) {
                    const int ih = oh * g->stride - g->pad_top + i;
                    if (ih < 0 || ih >= g->in_h)
                        continue;
                    for (int k = 0; k < g->k_w; ++k) {
                        const int iw = ow * g->stride - g->pad_left + k;
                        if (iw < 0 || iw >= g->in_w)
                            continue;
                        const float v = x[(ih * g->in_w + iw) * C + c];
                        if (v > best)
                            best = v;
                    }
                }
                y[(oh * g->out_w + ow) * C + c] = best;
            }
}
)";

inline const char* c_avg_pool =
    R"(/* AvgPool2D: the mean under each window; padding counts as 0 in the k_h * k_w. */
static void P_avg_pool(const P_window *g, const float *x, float *y)
{
    const int C = g->channels;
    for (int oh = 0; oh < g->out_h; ++oh)
        for (int ow = 0; ow < g->out_w; ++ow)
            for (int c = 0; c < C; ++c) {
                float sum = 0.0f;
                for (int i = 0; i < g->k_h; ++i) {
                    const int ih = oh * g->stride - g->pad_top + i;
                    if (ih < 0 || ih >= g->in_h)
                        continue;
                    for (int k = 0; k < g->k_w; ++k) {
                        const int iw = ow * g->stride - g->pad_left + k;
                        if (iw < 0 || iw >= g->in_w)
                            continue;
                        sum += x[(ih * g->in_w + iw) * C + c];
                    }
                }
                y[(oh * g->out_w + ow) * C + c] = sum / (float)(g->k_h * g->k_w);
            }
}
)";

inline const char* c_global_avg_pool =
    R"(/* GlobalAvgPool2D: each channel's mean over the image's pixels. */
static void P_global_avg_pool(int channels, int pixels, const float *x, float *y)
{
    for (int c = 0; c < channels; ++c) {
        float sum = 0.0f;
        for (int p = 0; p < pixels; ++p)
            sum += x[p * channels + c];
        y[c] = sum / (float)pixels;
    }
}
)";

inline const char* c_softmax =
    R"(/* Softmax over n values, in place: e^(z - max z) / sum of e^(z - max z). */
static void P_softmax(float *x, int n)
{
    float m = x[0], sum = 0.0f;
    for (int i = 1; i < n; ++i)
        m = x[i] > m ? x[i] : m;
    for (int i = 0; i < n; ++i) {
        x[i] = expf(x[i] - m);
        sum += x[i];
    }
    for (int i = 0; i < n; ++i)
        x[i] = x[i] / sum;
}
)";

inline const char* c_layer_norm = R"(/* LayerNorm over the n values of a sample, in place:
   y = gamma (x - mean) / sqrt(var + eps) + beta, var the biased variance. */
static void P_layer_norm(const float *gamma, const float *beta, float eps, int n, float *x)
{
    float mean = 0.0f, var = 0.0f;
    for (int i = 0; i < n; ++i)
        mean += x[i];
    mean /= (float)n;
    for (int i = 0; i < n; ++i)
        var += (x[i] - mean) * (x[i] - mean);
    var /= (float)n;
    const float inv_std = 1.0f / sqrtf(var + eps);
    for (int i = 0; i < n; ++i)
        x[i] = gamma[i] * ((x[i] - mean) * inv_std) + beta[i];
}
)";

inline const char* c_channel_affine =
    R"(/* BatchNorm in inference, in place: y = a[c] x + d[c], c the channel (fastest index). */
static void P_channel_affine(const float *a, const float *d, int channels, int n, float *x)
{
    for (int i = 0; i < n; ++i)
        x[i] = a[i % channels] * x[i] + d[i % channels];
}
)";

inline const char* c_project =
    R"(/* A Residual block's projection: y += P x~, P (out_c x C), x~ the input's
   pixels (oh*stride, ow*stride): a 1 x 1 convolution with the block's stride. */
static void P_project(const P_window *g, const float *P, int out_c, const float *x, float *y)
{
    const int C = g->channels;
    for (int oh = 0; oh < g->out_h; ++oh)
        for (int ow = 0; ow < g->out_w; ++ow) {
            const float *xs = x + ((oh * g->stride) * g->in_w + ow * g->stride) * C;
            for (int o = 0; o < out_c; ++o) {
                float sum = 0.0f;
                for (int c = 0; c < C; ++c)
                    sum += P[o * C + c] * xs[c];
                y[(oh * g->out_w + ow) * out_c + o] += sum;
            }
        }
}
)";

inline const char* c_rnn = R"(/* RNN over T steps of F features, from h_0 = 0:
   a = W_ih x_t + b_ih,  b = W_hh h_{t-1} + b_hh,  h_t = phi(a + b), phi = tanh or ReLU.
   y holds every h_t (T x H), or h_T only (last_only). work: 3H floats. */
static void P_rnn(const float *W_ih, const float *b_ih, const float *W_hh, const float *b_hh,
                  int T, int F, int H, int relu, int last_only, const float *x, float *y,
                  float *work)
{
    float *a = work, *b = work + H, *h = work + 2 * H;
    for (int k = 0; k < H; ++k)
        h[k] = 0.0f;
    for (int t = 0; t < T; ++t) {
        P_dense(W_ih, b_ih, F, H, x + t * F, a);
        P_dense(W_hh, b_hh, H, H, h, b);
        for (int k = 0; k < H; ++k) {
            const float v = a[k] + b[k];
            h[k] = relu ? (v > 0.0f ? v : 0.0f) : tanhf(v);
            if (!last_only)
                y[t * H + k] = h[k];
        }
    }
    if (last_only)
        for (int k = 0; k < H; ++k)
            y[k] = h[k];
}
)";

inline const char* c_lstm =
    R"(/* LSTM over T steps, from h_0 = c_0 = 0, gates in PyTorch's order i, f, g, o:
   a + b = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh (4H), i = s(.), f = s(.), g = tanh(.), o = s(.),
   c_t = f c_{t-1} + i g,  h_t = o tanh(c_t). work: 10H floats. */
static void P_lstm(const float *W_ih, const float *b_ih, const float *W_hh, const float *b_hh,
                   int T, int F, int H, int last_only, const float *x, float *y, float *work)
{
    float *a = work, *b = work + 4 * H, *h = work + 8 * H, *c = work + 9 * H;
    for (int k = 0; k < H; ++k)
        h[k] = c[k] = 0.0f;
    for (int t = 0; t < T; ++t) {
        P_dense(W_ih, b_ih, F, 4 * H, x + t * F, a);
        P_dense(W_hh, b_hh, H, 4 * H, h, b);
        for (int k = 0; k < H; ++k) {
            const float i = P_sigmoid(a[k] + b[k]), f = P_sigmoid(a[H + k] + b[H + k]);
            const float g = tanhf(a[2 * H + k] + b[2 * H + k]);
            const float o = P_sigmoid(a[3 * H + k] + b[3 * H + k]);
            c[k] = f * c[k] + i * g;
            h[k] = o * tanhf(c[k]);
            if (!last_only)
                y[t * H + k] = h[k];
        }
    }
    if (last_only)
        for (int k = 0; k < H; ++k)
            y[k] = h[k];
}
)";

inline const char* c_gru =
    R"(/* GRU over T steps, from h_0 = 0, PyTorch's formulation (gates r, z, n):
   a = W_ih x_t + b_ih, b = W_hh h_{t-1} + b_hh (3H each), r = s(a_r + b_r), z = s(a_z + b_z),
   n = tanh(a_n + r b_n),  h_t = (1 - z) n + z h_{t-1}. work: 7H floats. */
static void P_gru(const float *W_ih, const float *b_ih, const float *W_hh, const float *b_hh,
                  int T, int F, int H, int last_only, const float *x, float *y, float *work)
{
    float *a = work, *b = work + 3 * H, *h = work + 6 * H;
    for (int k = 0; k < H; ++k)
        h[k] = 0.0f;
    for (int t = 0; t < T; ++t) {
        P_dense(W_ih, b_ih, F, 3 * H, x + t * F, a);
        P_dense(W_hh, b_hh, H, 3 * H, h, b);
        for (int k = 0; k < H; ++k) {
            const float r = P_sigmoid(a[k] + b[k]), z = P_sigmoid(a[H + k] + b[H + k]);
            const float n = tanhf(a[2 * H + k] + r * b[2 * H + k]);
            h[k] = (1.0f - z) * n + z * h[k];
            if (!last_only)
                y[t * H + k] = h[k];
        }
    }
    if (last_only)
        for (int k = 0; k < H; ++k)
            y[k] = h[k];
}
)";

inline const char* c_embedding =
    R"(/* Embedding: y_t = the vector of token x_t, W stored token by token (V x D).
   An index that is not a whole number in [0, V) gives a vector of zeros. */
static void P_embedding(const float *W, int V, int D, int T, const float *x, float *y)
{
    for (int t = 0; t < T; ++t) {
        const float v = x[t];
        const int known = v >= 0.0f && v < (float)V && v == floorf(v);
        for (int d = 0; d < D; ++d)
            y[t * D + d] = known ? W[(int)v * D + d] : 0.0f;
    }
}
)";

// The constants of the activations, in float: the C text and export/plan_run.hpp use these.
constexpr float c_selu_lambda = 1.0507009873554804934f;      // SELU's λ
constexpr float c_selu_alpha = 1.6732632423543772848f;       // SELU's α
constexpr float c_inv_sqrt_2 = 0.70710678118654752440f;      // 1/√2, GELU's exact form
constexpr float c_sqrt_2_over_pi = 0.79788456080286535588f;  // √(2/π), GELU's tanh form
constexpr float c_gelu_cubic = 0.044715f;                    // GELU's tanh form

// A float constant of the kernels' text ("0.707106769f").
inline std::string c_constant(float x) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, x);
  std::string text(buffer, result.ptr);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text + 'f';
}

// The activation functions, one float at a time: (name in hnn, C text).
inline std::string c_activation(const std::string& name) {
  if (name == "ReLU") return "static float P_relu(float z) { return z > 0.0f ? z : 0.0f; }\n";
  if (name == "LeakyReLU") {
    return "static float P_leaky_relu(float z, float alpha) { return z > 0.0f ? z : alpha * z; }\n";
  }
  if (name == "ELU") {
    return "static float P_elu(float z, float alpha) { return z > 0.0f ? z : alpha * expm1f(z); "
           "}\n";
  }
  if (name == "SELU") {
    return "/* lambda and alpha of Klambauer et al. (2017), as PyTorch's SELU. */\n"
           "static float P_selu(float z)\n{\n"
           "    return " +
           c_constant(c_selu_lambda) + " * (z > 0.0f ? z : " + c_constant(c_selu_alpha) +
           " * expm1f(z));\n}\n";
  }
  if (name == "GELU") {
    return "/* GELU, exact: z Phi(z) = z (1 + erf(z / sqrt 2)) / 2. */\n"
           "static float P_gelu(float z) { return 0.5f * z * (1.0f + erff(z * " +
           c_constant(c_inv_sqrt_2) + ")); }\n";
  }
  if (name == "GELU_tanh") {
    return "/* GELU, tanh form: z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))) / 2. */\n"
           "static float P_gelu_tanh(float z)\n{\n"
           "    const float u = " +
           c_constant(c_sqrt_2_over_pi) + " * (z + " + c_constant(c_gelu_cubic) +
           " * z * z * z);\n"
           "    return 0.5f * z * (1.0f + tanhf(u));\n}\n";
  }
  if (name == "SiLU") return "static float P_silu(float z) { return z / (1.0f + expf(-z)); }\n";
  if (name == "Sigmoid") {
    return "static float P_sigmoid(float z) { return 1.0f / (1.0f + expf(-z)); }\n";
  }
  if (name == "Tanh") return "static float P_tanh(float z) { return tanhf(z); }\n";
  if (name == "Softplus") {
    return "/* ln(1 + e^z), written so that e is never taken of a positive number. */\n"
           "static float P_softplus(float z) { return (z > 0.0f ? z : 0.0f) + "
           "log1pf(expf(-fabsf(z))); }\n";
  }
  return "";
}

// --- int8 ----------------------------------------------------------------------

inline const char* c_quantize =
    R"(/* int8: v = s q with q in [-127, 127]; q = round(v / s), halves away from 0. */
static int8_t P_quantize(float v, float inv_scale)
{
    const float q = roundf(v * inv_scale);
    return (int8_t)(q > 127.0f ? 127 : q < -127.0f ? -127 : q);
}
)";

inline const char* c_requantize =
    R"(/* An int32 accumulator as the next int8 tensor: q = round(acc * m / 2^shift),
   M = m / 2^shift the real factor s_w s_x / s_y, taken in integers. */
static int8_t P_requantize(int32_t acc, int32_t m, int shift)
{
    const int64_t p = (int64_t)acc * m;
    const int64_t half = (int64_t)1 << (shift - 1);
    const int64_t q = p >= 0 ? (p + half) >> shift : -((-p + half) >> shift);
    return (int8_t)(q > 127 ? 127 : q < -127 ? -127 : q);
}
)";

inline const char* c_divide_rounded =
    R"(/* n / count, rounded to the nearest integer, halves away from 0. */
static int32_t P_divide_rounded(int32_t n, int32_t count)
{
    return n >= 0 ? (n + count / 2) / count : -((-n + count / 2) / count);
}
)";

inline const char* c_dense_q =
    R"(/* Dense in int8: acc = qb + sum of qW qx in int32, then requantized per unit. */
static void P_dense_q(const int8_t *W, const int32_t *b, const int32_t *m, const int8_t *shift,
                      int in, int out, const int8_t *x, int8_t *z)
{
    for (int o = 0; o < out; ++o) {
        const int8_t *w = W + o * in;
        int32_t acc = b[o];
        for (int i = 0; i < in; ++i)
            acc += (int32_t)w[i] * x[i];
        z[o] = P_requantize(acc, m[o], shift[o]);
    }
}
)";

inline const char* c_conv2d_q =
    R"(/* Conv2D in int8: the float loops, with an int32 accumulator requantized per filter. */
static void P_conv2d_q(const P_window *g, const int8_t *W, const int32_t *b, const int32_t *m,
                       const int8_t *shift, int filters, const int8_t *x, int8_t *y)
{
    const int C = g->channels, row = g->k_h * g->k_w * C;
    for (int oh = 0; oh < g->out_h; ++oh)
        for (int ow = 0; ow < g->out_w; ++ow)
            for (int f = 0; f < filters; ++f) {
                const int8_t *wf = W + f * row;
                int32_t acc = b[f];
                for (int i = 0; i < g->k_h; ++i) {
                    const int ih = oh * g->stride - g->pad_top + i;
                    if (ih < 0 || ih >= g->in_h)
                        continue;
                    for (int k = 0; k < g->k_w; ++k) {
                        const int iw = ow * g->stride - g->pad_left + k;
                        if (iw < 0 || iw >= g->in_w)
                            continue;
                        const int8_t *xp = x + (ih * g->in_w + iw) * C;
                        const int8_t *wp = wf + (i * g->k_w + k) * C;
                        for (int c = 0; c < C; ++c)
                            acc += (int32_t)wp[c] * xp[c];
                    }
                }
                y[(oh * g->out_w + ow) * filters + f] = P_requantize(acc, m[f], shift[f]);
            }
}
)";

inline const char* c_max_pool_q =
    R"(/* MaxPool2D in int8: the same comparisons on the integers (the scale is unchanged). */
static void P_max_pool_q(const P_window *g, const int8_t *x, int8_t *y)
{
    const int C = g->channels;
    for (int oh = 0; oh < g->out_h; ++oh)
        for (int ow = 0; ow < g->out_w; ++ow)
            for (int c = 0; c < C; ++c) {
                int8_t best = -127;
                for (int i = 0; i < g->k_h; ++i) {
                    const int ih = oh * g->stride - g->pad_top + i;
                    if (ih < 0 || ih >= g->in_h)
                        continue;
                    for (int k = 0; k < g->k_w; ++k) {
                        const int iw = ow * g->stride - g->pad_left + k;
                        if (iw < 0 || iw >= g->in_w)
                            continue;
                        const int8_t v = x[(ih * g->in_w + iw) * C + c];
                        if (v > best)
                            best = v;
                    }
                }
                y[(oh * g->out_w + ow) * C + c] = best;
            }
}
)";

inline const char* c_avg_pool_q =
    R"(/* AvgPool2D in int8: the integer sum over the window, divided by k_h * k_w and rounded. */
static void P_avg_pool_q(const P_window *g, const int8_t *x, int8_t *y)
{
    const int C = g->channels;
    for (int oh = 0; oh < g->out_h; ++oh)
        for (int ow = 0; ow < g->out_w; ++ow)
            for (int c = 0; c < C; ++c) {
                int32_t sum = 0;
                for (int i = 0; i < g->k_h; ++i) {
                    const int ih = oh * g->stride - g->pad_top + i;
                    if (ih < 0 || ih >= g->in_h)
                        continue;
                    for (int k = 0; k < g->k_w; ++k) {
                        const int iw = ow * g->stride - g->pad_left + k;
                        if (iw < 0 || iw >= g->in_w)
                            continue;
                        sum += x[(ih * g->in_w + iw) * C + c];
                    }
                }
                y[(oh * g->out_w + ow) * C + c] = (int8_t)P_divide_rounded(sum, g->k_h * g->k_w);
            }
}
)";

inline const char* c_global_avg_pool_q =
    R"(/* GlobalAvgPool2D in int8: each channel's integer sum, divided by the pixels and rounded. */
static void P_global_avg_pool_q(int channels, int pixels, const int8_t *x, int8_t *y)
{
    for (int c = 0; c < channels; ++c) {
        int32_t sum = 0;
        for (int p = 0; p < pixels; ++p)
            sum += x[p * channels + c];
        y[c] = (int8_t)P_divide_rounded(sum, pixels);
    }
}
)";

inline const char* c_softmax_q =
    R"(/* Softmax in int8, in place: dequantized (v = s_in q), softmax, quantized with s_out. */
static void P_softmax_q(float s_in, float inv_s_out, int n, int8_t *x)
{
    float m = s_in * x[0], sum = 0.0f;
    for (int i = 1; i < n; ++i)
        m = s_in * x[i] > m ? s_in * x[i] : m;
    for (int i = 0; i < n; ++i)
        sum += expf(s_in * x[i] - m);
    for (int i = 0; i < n; ++i)
        x[i] = P_quantize(expf(s_in * x[i] - m) / sum, inv_s_out);
}
)";

inline const char* c_layer_norm_q =
    R"(/* LayerNorm in int8, in place: dequantized, normalized in float, quantized with s_out. */
static void P_layer_norm_q(const float *gamma, const float *beta, float eps, float s_in,
                           float inv_s_out, int n, int8_t *x)
{
    float mean = 0.0f, var = 0.0f;
    for (int i = 0; i < n; ++i)
        mean += s_in * x[i];
    mean /= (float)n;
    for (int i = 0; i < n; ++i)
        var += (s_in * x[i] - mean) * (s_in * x[i] - mean);
    var /= (float)n;
    const float inv_std = 1.0f / sqrtf(var + eps);
    for (int i = 0; i < n; ++i)
        x[i] = P_quantize(gamma[i] * ((s_in * x[i] - mean) * inv_std) + beta[i], inv_s_out);
}
)";

inline const char* c_channel_affine_q =
    R"(/* BatchNorm in int8, in place: y = a[c] (s_in q) + d[c], quantized with s_out. */
static void P_channel_affine_q(const float *a, const float *d, int channels, float s_in,
                               float inv_s_out, int n, int8_t *x)
{
    for (int i = 0; i < n; ++i)
        x[i] = P_quantize(a[i % channels] * (s_in * x[i]) + d[i % channels], inv_s_out);
}
)";

inline const char* c_add_q =
    R"(/* A Residual block's sum in int8, in place: y = s_f f + s_x x, quantized with s_out. */
static void P_add_q(float s_f, float s_x, float inv_s_out, int n, const int8_t *x, int8_t *f)
{
    for (int i = 0; i < n; ++i)
        f[i] = P_quantize(s_f * f[i] + s_x * x[i], inv_s_out);
}
)";

inline const char* c_project_q =
    R"(/* A Residual block's projection in int8: y = s_f f + s_P[o] s_x (qP x~), quantized. */
static void P_project_q(const P_window *g, const int8_t *P, const float *s_P, int out_c,
                        float s_f, float s_x, float inv_s_out, const int8_t *x, int8_t *y)
{
    const int C = g->channels;
    for (int oh = 0; oh < g->out_h; ++oh)
        for (int ow = 0; ow < g->out_w; ++ow) {
            const int8_t *xs = x + ((oh * g->stride) * g->in_w + ow * g->stride) * C;
            for (int o = 0; o < out_c; ++o) {
                int32_t acc = 0;
                for (int c = 0; c < C; ++c)
                    acc += (int32_t)P[o * C + c] * xs[c];
                const int at = (oh * g->out_w + ow) * out_c + o;
                y[at] = P_quantize(s_f * y[at] + s_P[o] * s_x * (float)acc, inv_s_out);
            }
        }
}
)";

// `text` with every "P_" replaced by "<prefix>_".
inline std::string c_prefixed(const std::string& text, const std::string& prefix) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 2, "P_") == 0 &&
        (i == 0 ||
         !(std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '_'))) {
      out += prefix + '_';
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace export_detail

}  // namespace hnn

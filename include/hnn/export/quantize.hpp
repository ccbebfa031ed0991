// SPDX-License-Identifier: MIT
#pragma once
// int8 quantization: the arithmetic of an int8 export (export/export_c.hpp),
// written once here and copied line for line into the C it writes.
//
// A real tensor v is stored as 8-bit integers q and one scale s:
//   v ≈ s q,   q = clamp(round(v / s), −127, 127),   s = max|v| / 127
// symmetric (no zero point), so 0 is exactly q = 0 and a product of two
// quantized numbers needs no correction terms:
//   Σ_i w_i x_i ≈ s_w s_x Σ_i q_w,i q_x,i
// the sum taken exactly in int32 (|q| ≤ 127, so a sum of up to 2^31 / 127²
// ≈ 133,000 products cannot overflow). −128 is never used, which keeps the
// range symmetric: −q is always representable.
//
// Weights: one scale per output unit (per filter), s_w,o = max_i |W_oi| / 127,
// so a unit with small weights keeps its precision next to one with large ones.
// Biases: int32 in the accumulator's units, q_b,o = round(b_o / (s_w,o s_x)).
// Activations: one scale per tensor, from the largest |v| seen on a
// calibration set (min/max calibration: simple and outlier-free for
// bounded inputs such as images; a percentile would clip rare large values
// to gain resolution for the common ones).
//
// Requantization: the accumulator acc (units s_w,o s_x) becomes the next
// tensor's q_y (units s_y) by the real factor M_o = s_w,o s_x / s_y:
//   q_y = clamp(round(M_o acc), −127, 127)
// M is written as an integer m ∈ [2^30, 2^31) and a shift e, M ≈ m · 2^−e
// (m / 2^31 is M's mantissa in [½, 1)), so the product is taken in integers:
//   q_y = clamp(round(acc · m / 2^e))       acc · m in int64, rounded half away from 0
// Integer arithmetic is the same on every machine, so an int8 model gives
// bit-identical integer results on a PC and on a microcontroller; m keeps
// 31 bits of M, an error of at most 2^−31 relative.
//
// Where the error comes from: each rounding to int8 (the input, every
// requantized tensor) adds at most s/2 per value; each weight at most
// s_w/2. What saturates at ±127 is clipped: the calibration set must show
// the largest values the model will see.

#include <cmath>
#include <cstdint>
#include <sstream>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/types.hpp"

namespace hnn {

/// The largest magnitude of an int8 value: the range is [−127, 127].
constexpr int int8_limit = 127;

/// The scale s = max|v| / 127 of a tensor whose largest magnitude is `max_abs` (1 for 0).
inline float int8_scale(double max_abs) {
  if (!std::isfinite(max_abs)) {
    throw ArgumentError(
        "export: a tensor's largest magnitude is not finite; int8 needs finite values");
  }
  return max_abs > 0 ? float(max_abs / int8_limit) : 1.0f;
}

/// q = clamp(round(v · inv_scale), −127, 127), rounding half away from zero.
// inv_scale = 1/s, kept as a float so that C and C++ multiply the same numbers.
inline std::int8_t quantize(float v, float inv_scale) {
  const float q = std::round(v * inv_scale);
  return std::int8_t(q > float(int8_limit) ? int8_limit : q < -float(int8_limit) ? -int8_limit : q);
}

/// p / 2^e rounded to the nearest integer, halves away from zero (0 < e < 63).
inline std::int64_t round_shift(std::int64_t p, int e) {
  const std::int64_t half = std::int64_t(1) << (e - 1);
  return p >= 0 ? (p + half) >> e : -((-p + half) >> e);
}

/// The real factor M as an integer multiplier m ∈ [2^30, 2^31) and a shift e: M ≈ m · 2^−e.
struct Requantizer {
  std::int32_t multiplier = 0;  ///< m, M's mantissa in 31 bits (0: M rounds to 0)
  int shift = 1;                ///< e, in [1, 62]
};

/// The Requantizer of M ≥ 0: m = round(M's mantissa · 2^31), e = 31 − M's exponent.
inline Requantizer requantizer(double M) {
  if (!(M >= 0) || !std::isfinite(M)) {
    std::ostringstream s;
    s << "export: a requantization factor must be finite and ≥ 0, got " << M;
    throw ArgumentError(s.str());
  }
  Requantizer r;
  if (M == 0) return r;
  int exponent = 0;
  const double mantissa = std::frexp(M, &exponent);  // M = mantissa · 2^exponent, mantissa ∈ [½, 1)
  std::int64_t m = std::llround(mantissa * double(std::int64_t(1) << 31));
  if (m == (std::int64_t(1) << 31)) {  // rounded up to 1.0: 2^30 and one more power of two
    m >>= 1;
    ++exponent;
  }
  const int e = 31 - exponent;
  if (e > 62) return r;  // M < 2^−31: every accumulator rounds to 0
  if (e < 1) {
    std::ostringstream s;
    s << "export: a requantization factor of " << M
      << " is too large for int8 (an activation scale much smaller than its inputs'; "
         "calibrate on data like the model's inputs)";
    throw ArgumentError(s.str());
  }
  r.multiplier = std::int32_t(m);
  r.shift = e;
  return r;
}

/// q_y = clamp(round(acc · m / 2^e), −127, 127): an int32 accumulator as the next int8 tensor.
inline std::int8_t requantize(std::int32_t acc, const Requantizer& r) {
  const std::int64_t q = round_shift(std::int64_t(acc) * r.multiplier, r.shift);
  return std::int8_t(q > int8_limit ? int8_limit : q < -int8_limit ? -int8_limit : q);
}

/// A layer's weights in int8: one scale per output unit, biases in the accumulator's units.
struct Int8Weights {
  std::vector<std::int8_t> W;            ///< rows × cols, row by row
  std::vector<std::int32_t> b;           ///< rows, q_b = round(b / (s_w s_x))
  std::vector<float> scale;              ///< rows, s_w,o = max_i |W_oi| / 127
  std::vector<std::int32_t> multiplier;  ///< rows, m of M_o = s_w,o s_x / s_y
  std::vector<std::int32_t> shift;       ///< rows, e of M_o
};

/// W (rows × cols, row by row) and b quantized for an input scale s_x and an output scale s_y.
// s_y ≤ 0 means no requantization (the accumulator is used as a real number
// s_w s_x acc, as a Residual's projection is): multiplier and shift are empty.
inline Int8Weights quantize_weights(const std::vector<float>& W, const std::vector<float>& b,
                                    Index rows, Index cols, float s_x, float s_y) {
  Int8Weights q;
  q.W.resize(W.size());
  for (Index r = 0; r < rows; ++r) {
    double max_abs = 0;
    for (Index c = 0; c < cols; ++c)
      max_abs = std::max(max_abs, std::fabs(double(W[std::size_t(r * cols + c)])));
    const float s_w = int8_scale(max_abs);
    const float inv = 1 / s_w;
    for (Index c = 0; c < cols; ++c) {
      q.W[std::size_t(r * cols + c)] = quantize(W[std::size_t(r * cols + c)], inv);
    }
    const double bias = std::round(double(b[std::size_t(r)]) / (double(s_w) * s_x));
    if (std::fabs(bias) > 2147483647.0) {
      throw ArgumentError("export: a bias is too large for the int32 accumulator of int8");
    }
    q.b.push_back(std::int32_t(bias));
    q.scale.push_back(s_w);
    if (s_y > 0) {
      const Requantizer rq = requantizer(double(s_w) * s_x / s_y);
      q.multiplier.push_back(rq.multiplier);
      q.shift.push_back(rq.shift);
    }
  }
  return q;
}

}  // namespace hnn

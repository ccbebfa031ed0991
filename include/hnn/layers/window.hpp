// SPDX-License-Identifier: MIT
#pragma once
// A window sliding over an image: the size arithmetic that Conv2D and the
// pooling layers share.
//
// An image sample {C, H, W}, a window of kh × kw pixels moved by `stride`
// pixels at a time, over the image with `top`/`bottom` rows and
// `left`/`right` columns of padding added around it:
//
//   out_h = ⌊(H + top + bottom − kh) / stride⌋ + 1
//   out_w = ⌊(W + left + right − kw) / stride⌋ + 1
//
// Output pixel (oh, ow) sees the input rows oh·stride − top … oh·stride − top + kh − 1
// (and the columns likewise); rows outside 0 … H − 1 are the padding.
//
// Padding, as a user gives it:
//   Padding::valid()   none: the window stays inside the image
//   Padding(p)         p rows and columns on every side (PyTorch's padding=p)
//   Padding::same()    TensorFlow's "same": out = ⌈H / stride⌉, and the
//                      padding that needs, total = max((out − 1)·stride + kh − H, 0),
//                      split top = ⌊total / 2⌋, bottom = total − top (an odd
//                      total puts the extra row at the bottom, and the extra
//                      column at the right). With stride 1 and an odd kernel
//                      that is (kh − 1)/2 on each side: the output has the
//                      input's size.

#include <algorithm>
#include <sstream>
#include <string>

#include "hnn/core/error.hpp"
#include "hnn/core/settings.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/core/types.hpp"

namespace hnn {

/// A window's size in pixels: Window(3) is 3 × 3, Window(3, 5) is 3 rows by 5 columns.
struct Window {
  /// A square window, size × size; implicit, so a number is a window.
  Window(Index size) : Window(size, size) {}  // NOLINT(google-explicit-constructor)
  /// A window of h rows and w columns.
  Window(Index h, Index w) : height(h), width(w) {}
  Index height;  ///< rows
  Index width;   ///< columns
};

/// The padding of an image under a sliding window: none ("valid"), "same", or p pixels.
class Padding {
 public:
  /// None ("valid"), TensorFlow's "same", or a fixed number of pixels.
  enum class Kind { valid, same, fixed };

  /// No padding: windows lie inside the image.
  static Padding valid() { return Padding(Kind::valid, 0); }
  /// TensorFlow's "same": an output as large as the input at stride 1.
  static Padding same() { return Padding(Kind::same, 0); }
  /// p rows and columns of padding on every side.
  Padding(Index p) : Padding(p == 0 ? Kind::valid : Kind::fixed, p) {}  // NOLINT

  /// Which of the three forms it is.
  Kind kind() const { return kind_; }
  /// The pixels of padding on every side (for a fixed amount).
  Index amount() const { return amount_; }

  /// As stored in a model file: the word "valid" or "same", or the number p.
  Setting setting() const {
    if (kind_ == Kind::same) return Setting("same");
    if (kind_ == Kind::valid) return Setting("valid");
    return Setting(double(amount_));
  }
  /// From a setting; ArgumentError for anything else than the three forms.
  static Padding from_setting(const Setting& s) {
    if (s.is_word()) {
      if (s.word() == "same") return same();
      if (s.word() == "valid") return valid();
      throw ArgumentError("padding must be \"same\", \"valid\" or a number of pixels, got \"" +
                          s.word() + "\"");
    }
    const double p = s.number();
    if (!(p >= 0 && p <= 1 << 20) || p != double(Index(p))) {
      throw ArgumentError("padding must be a whole number of pixels ≥ 0, got " + s.str());
    }
    return Padding(Index(p));
  }
  /// As a summary writes it: "valid", "same" or p.
  std::string str() const { return setting().str(); }

 private:
  Padding(Kind kind, Index amount) : kind_(kind), amount_(amount) {}
  Kind kind_;
  Index amount_;
};

/// Everything a sliding window over one image size needs.
struct WindowGeometry {
  ///@{
  /// Sizes in pixels: the input {C, H, W}, the window and its step, the padding, the output.
  Index channels = 0, in_h = 0, in_w = 0;  // the input image {C, H, W}
  Index k_h = 0, k_w = 0, stride = 1;      // the window and its step
  Index pad_top = 0, pad_left = 0;         // padding before row 0 and column 0
  Index pad_bottom = 0, pad_right = 0;     // and after the last ones
  Index out_h = 0, out_w = 0;              // the output image's height and width
  ///@}

  /// Pixels per channel of the input, H W.
  Index in_pixels() const { return in_h * in_w; }
  /// Pixels per channel of the output.
  Index out_pixels() const { return out_h * out_w; }
  /// Pixels under the window, k_h k_w.
  Index window_pixels() const { return k_h * k_w; }
};

/// Throws ArgumentError, naming `who`, unless window, stride and padding are positive sizes.
// A constructor calls it before it sizes anything.
inline void check_window(const std::string& who, Window window, Index stride,
                         const Padding& padding) {
  if (window.height < 1 || window.width < 1 || stride < 1 || padding.amount() < 0) {
    std::ostringstream s;
    s << who << ": the window, stride and padding must be positive sizes, got window "
      << window.height << "×" << window.width << ", stride " << stride << ", padding "
      << padding.str();
    throw ArgumentError(s.str());
  }
}

/// The geometry of `window` sliding over an input of shape {C, H, W}.
// ShapeError naming `who` when the input is not an image or the window does
// not fit inside the padded image.
inline WindowGeometry window_geometry(const std::string& who, const Shape& input, Window window,
                                      Index stride, const Padding& padding) {
  if (input.rank() != 3) {
    std::ostringstream s;
    s << who << ": takes an image {C, H, W} per sample, but is given " << input
      << (input.rank() == 1 ? " (a Reshape before it gives a vector the shape of an image)" : "");
    throw ShapeError(s.str());
  }
  WindowGeometry g;
  g.channels = input[0];
  g.in_h = input[1];
  g.in_w = input[2];
  g.k_h = window.height;
  g.k_w = window.width;
  g.stride = stride;
  // Padding on one axis: {before, after} for `in` pixels and a window of `k`.
  const auto pad = [&](Index in, Index k, Index& before, Index& after) {
    if (padding.kind() == Padding::Kind::same) {
      const Index out = (in + stride - 1) / stride;  // ⌈in / stride⌉
      const Index total = std::max<Index>((out - 1) * stride + k - in, 0);
      before = total / 2;
      after = total - before;
    } else {
      before = after = padding.amount();
    }
  };
  pad(g.in_h, g.k_h, g.pad_top, g.pad_bottom);
  pad(g.in_w, g.k_w, g.pad_left, g.pad_right);
  const Index padded_h = g.in_h + g.pad_top + g.pad_bottom;
  const Index padded_w = g.in_w + g.pad_left + g.pad_right;
  if (g.k_h > padded_h || g.k_w > padded_w) {
    std::ostringstream s;
    s << who << ": the " << g.k_h << "×" << g.k_w << " window is larger than the input " << input
      << " with its padding (" << padded_h << "×" << padded_w << ")";
    throw ShapeError(s.str());
  }
  g.out_h = (padded_h - g.k_h) / stride + 1;
  g.out_w = (padded_w - g.k_w) / stride + 1;
  return g;
}

/// The geometry of the last sample shape a layer saw, worked out again only when it changes.
// Building it names the layer, which allocates a string, and forward must
// not allocate in a steady loop.
class WindowGeometryCache {
 public:
  /// The geometry for `input`, recomputed only if it differs from the last call's.
  template <typename Who>
  const WindowGeometry& of(const Who& who, const Shape& input, Window window, Index stride,
                           const Padding& padding) {
    if (input != shape_) {
      geometry_ = window_geometry(who(), input, window, stride, padding);
      shape_ = input;
    }
    return geometry_;
  }

 private:
  Shape shape_;
  WindowGeometry geometry_;
};

/// A pooling window's padding: PyTorch's rule, at most half the window.
// So that every window holds a pixel of the image ("same" never needs more).
// ArgumentError naming `who` otherwise.
inline void check_pool_padding(const std::string& who, Window window, const Padding& padding) {
  if (padding.kind() != Padding::Kind::fixed) return;
  const Index p = padding.amount();
  if (2 * p > window.height || 2 * p > window.width) {
    std::ostringstream s;
    s << who << ": padding " << p << " is more than half the " << window.height << "×"
      << window.width << " window (at most " << std::min(window.height, window.width) / 2
      << "): a window could then cover padding only";
    throw ArgumentError(s.str());
  }
}

}  // namespace hnn

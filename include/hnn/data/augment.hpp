// SPDX-License-Identifier: MIT
#pragma once
// Data augmentation for images: random shifts of a few pixels.
//
// Why shift: a digit moved two pixels to the left is the same digit, but to a
// network it is a different input. A dense layer has one weight per pixel, so
// pixel (10, 12) and pixel (10, 14) are unrelated to it; a convolution shares
// its weights across positions, yet pooling and the dense layers after it
// still see where a stroke was. Translation invariance is something the
// network must otherwise learn from data, from the positions the training
// images happen to have. Showing each training image at a new random offset
// every epoch teaches it directly, for free: the label does not change. It
// also regularizes: a network can no longer fit the exact pixel positions of
// one image. MNIST's digits are centred in a 20 × 20 box inside the 28 × 28
// frame, so shifts of up to 4 pixels keep every stroke; ±2 is the usual
// choice. Only training batches are shifted, never the validation or test
// data.
//
// The shift of one image {C, H, W} by (dy, dx), dy down and dx to the right,
// with the uncovered pixels set to `fill` (0: MNIST's black background):
//
//   out(c, h, w) = in(c, h − dy, w − dx)   if 0 ≤ h − dy < H and 0 ≤ w − dx < W
//                = fill                     otherwise
//
// RandomShift draws (dy, dx) uniformly from {−k, …, k}², one pair per sample
// (dy first, then dx, column by column), so the (2k + 1)² shifts are equally
// likely and a seed fixes every one of them.
//
// Memory order (core/shape.hpp): value (c, h, w) of a sample sits at
// (h W + w) C + c, so row h is the W·C contiguous values from h·W·C. A
// vertical shift takes another source row; a horizontal shift copies the
// row's (W − |dx|)·C values that stay in the frame as one block, moved by
// dx·C places. Nothing else is computed.
//
// Shapes:
//   shift_image: src, dst    shape.size() values each (one sample), not overlapping
//   RandomShift: batch       (C·H·W × n), shifted in place
//                input       (C·H·W × n)
//                output      (C·H·W × n), not overlapping input
//                sample_     (C·H·W × 1) scratch copy of one sample, sized once
//
// A shift is a fixed rearrangement of the input, not part of the model: it has
// no parameters and nothing flows back through it. It allocates nothing after
// construction. In training it is fit's per-batch hook: RandomShift's
// operator()(MutRef<Scalar> batch, Random& rng) is the signature of a
// std::function<void(MutRef<Scalar>, Random&)>.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>

#include "hnn/core/error.hpp"
#include "hnn/core/random.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/core/types.hpp"

namespace hnn {

namespace detail {

// T itself, in a context where a template argument is not deduced (the fill
// value takes the Scalar of the pointers, so a plain 0 is fine).
template <typename T>
struct NotDeduced {
  using type = T;
};

}  // namespace detail

/// dst = the image src shifted by (dy, dx), uncovered pixels set to fill.
// Any dy, dx: a shift by the image's height or width or more leaves only fill.
// ShapeError unless shape is an image {C, H, W}.
template <typename Scalar>
void shift_image(const Scalar* src, Scalar* dst, const Shape& shape, Index dy, Index dx,
                 typename detail::NotDeduced<Scalar>::type fill = Scalar(0)) {
  if (shape.rank() != 3)
    throw ShapeError("shift_image: shape " + shape.str() + " is not an image {C, H, W}");
  const Index C = shape[0], H = shape[1], W = shape[2];
  const Index row = W * C;                          // values in one row of pixels
  const Index off = std::min(std::abs(dx), W) * C;  // values of a row that leave the frame
  for (Index h = 0; h < H; ++h) {
    Scalar* out = dst + h * row;
    const Index from = h - dy;  // the source row
    if (from < 0 || from >= H) {
      std::fill(out, out + row, fill);  // a row shifted in from outside
      continue;
    }
    const Scalar* in = src + from * row;
    if (dx >= 0) {  // to the right: the first dx pixels are uncovered
      std::fill(out, out + off, fill);
      std::copy(in, in + row - off, out + off);
    } else {  // to the left: the last |dx| pixels are uncovered
      std::copy(in + off, in + row, out);
      std::fill(out + row - off, out + row, fill);
    }
  }
}

/// Shifts every sample of a batch of images by its own random (dy, dx).
// (dy, dx) is in {−max_shift, …, max_shift}²:
//
//   hnn::RandomShift<float> shift(hnn::Shape::image(1, 28, 28), 2);
//   shift(batch, rng);                 // in place
//   shift.apply(X, shifted, rng);      // into another matrix of the same size
//
// The draws come from the caller's generator, on the calling thread, in
// column order: the same generator state gives the same shifts. max_shift 0
// copies the images unchanged and draws nothing.
template <typename Scalar>
class RandomShift {
 public:
  /// Shifts of images of shape `image` by up to ±max_shift pixels, uncovered pixels set to `fill`.
  RandomShift(const Shape& image, Index max_shift, Scalar fill = Scalar(0))
      : shape_(image), max_shift_(max_shift), fill_(fill) {
    if (image.rank() != 3) {
      throw ShapeError("RandomShift: shape " + image.str() +
                       " is not an image {C, H, W} (MNIST is Shape::image(1, 28, 28))");
    }
    if (max_shift < 0)
      throw ArgumentError("RandomShift: max_shift must be >= 0, got " + std::to_string(max_shift));
    if (max_shift >= image[1] || max_shift >= image[2]) {
      const std::string frame = std::to_string(image[1]) + "×" + std::to_string(image[2]);
      throw ArgumentError(
          "RandomShift: max_shift must be smaller than the image's height and width (" + frame +
          "), got " + std::to_string(max_shift));
    }
    if (!std::isfinite(double(fill))) {
      std::ostringstream s;
      s << "RandomShift: fill must be a finite number, got " << double(fill);
      throw ArgumentError(s.str());
    }
    sample_.resize(image.size());
  }

  /// Shifts each column of batch in place, through the scratch copy sample_.
  void operator()(MutRef<Scalar> batch, Random& rng) {
    check_samples("RandomShift", "batch", batch, shape_);
    if (max_shift_ == 0) return;
    for (Index j = 0; j < batch.cols(); ++j) {
      Index dy = 0, dx = 0;
      draw(rng, dy, dx);
      sample_ = batch.col(j);
      shift_image(sample_.data(), batch.col(j).data(), shape_, dy, dx, fill_);
    }
  }

  /// output = input with each column shifted; output must not overlap input.
  void apply(ConstRef<Scalar> input, MutRef<Scalar> output, Random& rng) const {
    check_samples("RandomShift.apply", "input", input, shape_);
    check_same_shape("RandomShift.apply", "output", output, "input", input);
    if (overlap(input, output)) {
      throw ArgumentError(
          "RandomShift.apply: output overlaps input; shift in place with operator()(batch, rng)");
    }
    for (Index j = 0; j < input.cols(); ++j) {
      Index dy = 0, dx = 0;
      draw(rng, dy, dx);
      shift_image(input.col(j).data(), output.col(j).data(), shape_, dy, dx, fill_);
    }
  }

  /// The shape of the images.
  const Shape& shape() const { return shape_; }
  /// The largest shift, in pixels.
  Index max_shift() const { return max_shift_; }
  /// The value of uncovered pixels.
  Scalar fill() const { return fill_; }
  /// "RandomShift(1×28×28, ±2 px)": the augmentation as a summary writes it.
  std::string describe() const {
    return "RandomShift(" + shape_.str() + ", ±" + std::to_string(max_shift_) + " px)";
  }

 private:
  // (dy, dx) uniform in {−k, …, k}²: dy first, then dx; nothing drawn for k = 0.
  void draw(Random& rng, Index& dy, Index& dx) const {
    if (max_shift_ == 0) return;
    const auto choices = std::uint64_t(2 * max_shift_ + 1);
    dy = Index(rng.below(choices)) - max_shift_;
    dx = Index(rng.below(choices)) - max_shift_;
  }

  // Whether the memory of a and b (each column contiguous) intersects.
  static bool overlap(const ConstRef<Scalar>& a, const MutRef<Scalar>& b) {
    if (a.size() == 0 || b.size() == 0) return false;
    const Scalar* a_end = a.data() + a.outerStride() * (a.cols() - 1) + a.rows();
    const Scalar* b_end = b.data() + b.outerStride() * (b.cols() - 1) + b.rows();
    const std::less<const Scalar*> before;
    return before(a.data(), b_end) && before(b.data(), a_end);
  }

  Shape shape_;            // {C, H, W}
  Index max_shift_;        // k: dy, dx in {−k, …, k}
  Scalar fill_;            // the value of uncovered pixels
  Vector<Scalar> sample_;  // (C·H·W × 1) one sample, copied before it is shifted in place
};

}  // namespace hnn

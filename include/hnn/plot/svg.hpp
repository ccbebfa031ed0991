// SPDX-License-Identifier: MIT
#pragma once
// Pictures of training as SVG files, with no dependency: a chart is a few
// hundred lines of text that any browser opens. Four pieces, bottom up:
//
//   Svg      an SVG document: rectangles, lines, arrows, polylines, circles,
//            text, written as readable XML (the text of a picture can be read
//            and diffed like code).
//   Raster   a grid of colours (an image, a heat-map), drawn as one <path>
//            per colour so that a 100 × 100 map stays a few tens of kilobytes.
//   Chart    axes with ticks and labels, a title, lines, scatter points
//            (circles, squares, triangles, diamonds, crosses), histograms
//            with their out-of-range counts, reference lines, notes, a
//            legend, linear or log scales, rasters behind the data and a
//            colour bar.
//   Figure   several charts side by side, in rows.
//
// And beside them ValueGrid: a table of numbers as labelled, coloured cells
// (the results of a search over two hyper-parameters).
//
//   hnn::plot::Chart chart("Loss");
//   chart.x_label("epoch").y_label("loss").log_y();
//   chart.line("train", history["loss"]);          // x = 1, 2, … (epochs)
//   chart.line("validation", history["val_loss"]);
//   chart.save("out/loss.svg");
//
// Coordinates: a chart maps data (x, y) to the page with
//   page_x = left + (T(x) − T(x_lo)) / (T(x_hi) − T(x_lo)) · width
//   page_y = bottom − (T(y) − T(y_lo)) / (T(y_hi) − T(y_lo)) · height
// where T is the identity, or log₁₀ on a log axis. Points that are NaN, or
// not positive on a log axis, are left out and break the line there.
//
// Every series is an SVG group <g class="series"> whose <title> is the
// series' name: a browser shows it when the mouse is over the line, and a
// test can find each series by name.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <locale>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/file.hpp"
#include "hnn/core/types.hpp"

namespace hnn {
/// Pictures as SVG files: documents, rasters, charts, figures and tables of values.
namespace plot {

// ---------------------------------------------------------------------------
// Colours

/// A colour of 8-bit red, green and blue channels.
struct Color {
  std::uint8_t r = 0;  ///< red, 0 … 255
  std::uint8_t g = 0;  ///< green, 0 … 255
  std::uint8_t b = 0;  ///< blue, 0 … 255

  /// The colour as a CSS hex string.
  // "#1f77b4"
  std::string hex() const {
    static const char digits[] = "0123456789abcdef";
    std::string s = "#";
    for (std::uint8_t c : {r, g, b}) {
      s += digits[c >> 4];
      s += digits[c & 15];
    }
    return s;
  }
  /// Whether all three channels are equal.
  bool operator==(const Color& o) const { return r == o.r && g == o.g && b == o.b; }
  /// Whether some channel differs.
  bool operator!=(const Color& o) const { return !(*this == o); }
  /// An order by 0xRRGGBB, for colours as map keys.
  bool operator<(const Color& o) const {
    return std::uint32_t(r << 16 | g << 8 | b) < std::uint32_t(o.r << 16 | o.g << 8 | o.b);
  }
};

/// The colour written 0xRRGGBB in hex.
// 0xRRGGBB → Color
inline Color rgb(std::uint32_t hex) {
  return {std::uint8_t(hex >> 16 & 255), std::uint8_t(hex >> 8 & 255), std::uint8_t(hex & 255)};
}

/// A blend of two colours: a at t = 0, b at t = 1.
// (1 − t) a + t b, per channel; t in [0, 1].
inline Color mix(Color a, Color b, double t) {
  t = std::clamp(t, 0.0, 1.0);
  const auto channel = [t](std::uint8_t x, std::uint8_t y) {
    return std::uint8_t(std::lround((1 - t) * x + t * y));
  };
  return {channel(a.r, b.r), channel(a.g, b.g), channel(a.b, b.b)};
}

/// White, 0xffffff.
inline const Color white{255, 255, 255};
/// Black, 0x000000.
inline const Color black{0, 0, 0};
/// Mid gray, 0x7f7f7f.
inline const Color gray = rgb(0x7f7f7f);

/// The ten colours of matplotlib's "tab10" cycle: series k gets colour k mod 10.
inline Color palette(std::size_t k) {
  static const std::uint32_t tab10[] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                        0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
  return rgb(tab10[k % 10]);
}

/// A colour map takes t in [0, 1] to a colour.
using Colormap = std::function<Color(double)>;

namespace detail {
// Piecewise-linear interpolation between evenly spaced colours.
inline Color interpolate(const std::vector<std::uint32_t>& stops, double t) {
  if (!(t >= 0)) t = 0;  // also NaN
  if (t > 1) t = 1;
  const double x = t * double(stops.size() - 1);
  const std::size_t k = std::min(stops.size() - 2, std::size_t(x));
  return mix(rgb(stops[k]), rgb(stops[k + 1]), x - double(k));
}
}  // namespace detail

/// Perceptually uniform, dark purple (0) → yellow (1): matplotlib's viridis at nine points.
inline Color viridis(double t) {
  static const std::vector<std::uint32_t> stops = {0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21918c,
                                                   0x28ae80, 0x5ec962, 0xaddc30, 0xfde725};
  return detail::interpolate(stops, t);
}

/// A diverging colour map: blue (0) → white (½) → red (1).
// Blue (0) → white (½) → red (1), ColorBrewer's RdBu reversed: for values with
// a sign, such as weights, with 0 in the middle of the range.
inline Color diverging(double t) {
  static const std::vector<std::uint32_t> stops = {0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7,
                                                   0xfddbc7, 0xf4a582, 0xd6604d, 0xb2182b};
  return detail::interpolate(stops, t);
}

/// White (0) → black (1).
inline Color grays(double t) {
  return mix(white, black, t);
}

// ---------------------------------------------------------------------------
// Text helpers

namespace detail {

// Escapes the five characters XML reserves.
inline std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A number with at most `decimals` decimals, trailing zeros dropped, in the
// "C" locale whatever the program's locale: 12.50 → "12.5", 3.0 → "3".
inline std::string number(double v, int decimals = 1) {
  std::ostringstream s;
  s.imbue(std::locale::classic());
  s.setf(std::ios::fixed);
  s.precision(decimals);
  s << v;
  std::string t = s.str();
  if (t.find('.') != std::string::npos) {
    while (t.back() == '0')
      t.pop_back();
    if (t.back() == '.') t.pop_back();
  }
  if (t == "-0") t = "0";
  return t;
}

// Characters as displayed: UTF-8 continuation bytes (10xxxxxx) take no column.
inline std::size_t display_length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xC0) != 0x80;
  return n;
}

// The width of a text in pixels, roughly: sans-serif averages about 0.58 em.
inline double text_width(const std::string& s, double size) {
  return 0.58 * size * double(display_length(s));
}

// 10ⁿ with Unicode superscripts: −3 → "10⁻³".
inline std::string power_of_ten(int n) {
  static const char* const sup[] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
  std::string s = "10";
  if (n < 0) s += "⁻";
  const std::string digits = std::to_string(n < 0 ? -n : n);
  for (char d : digits)
    s += sup[d - '0'];
  return s;
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Svg: the document

/// An SVG document, built shape by shape and written as readable XML.
class Svg {
 public:
  /// An empty document of width × height pixels; ArgumentError unless both are > 0.
  Svg(double width, double height) : width_(width), height_(height) {
    if (!(width > 0 && height > 0)) throw ArgumentError("plot::Svg: width and height must be > 0");
  }

  /// The document's width in pixels.
  double width() const { return width_; }
  /// The document's height in pixels.
  double height() const { return height_; }

  /// A fresh id for clip paths ("clip3"): unique within the document.
  std::string new_id(const std::string& prefix) { return prefix + std::to_string(++ids_); }

  /// A rectangle; `radius` rounds its corners.
  void rect(double x, double y, double w, double h, const std::string& fill,
            const std::string& stroke = "none", double stroke_width = 1, double radius = 0) {
    body_ +=
        "<rect x=\"" + n(x) + "\" y=\"" + n(y) + "\" width=\"" + n(w) + "\" height=\"" + n(h) + '"';
    if (radius > 0) body_ += " rx=\"" + n(radius) + '"';
    body_ += " fill=\"" + fill + '"';
    if (stroke != "none")
      body_ += " stroke=\"" + stroke + "\" stroke-width=\"" + n(stroke_width) + '"';
    body_ += "/>\n";
  }

  /// A straight line from (x1, y1) to (x2, y2); `dash` is an SVG dash pattern.
  void line(double x1, double y1, double x2, double y2, const std::string& stroke,
            double stroke_width = 1, const std::string& dash = "") {
    body_ += "<line x1=\"" + n(x1) + "\" y1=\"" + n(y1) + "\" x2=\"" + n(x2) + "\" y2=\"" + n(y2) +
             "\" stroke=\"" + stroke + "\" stroke-width=\"" + n(stroke_width) + '"';
    if (!dash.empty()) body_ += " stroke-dasharray=\"" + dash + '"';
    body_ += "/>\n";
  }

  /// An open line through the points; `fill` closes it into a polygon.
  void polyline(const std::vector<std::pair<double, double>>& points, const std::string& stroke,
                double stroke_width, const std::string& dash = "", const std::string& fill = "none",
                double fill_opacity = 1) {
    body_ += fill == "none" ? "<polyline points=\"" : "<polygon points=\"";
    for (std::size_t k = 0; k < points.size(); ++k)
      body_ += (k ? " " : "") + n(points[k].first) + ',' + n(points[k].second);
    body_ += "\" fill=\"" + fill + '"';
    if (fill != "none" && fill_opacity < 1) body_ += " fill-opacity=\"" + n(fill_opacity, 2) + '"';
    body_ += " stroke=\"" + stroke + "\" stroke-width=\"" + n(stroke_width) +
             "\" stroke-linejoin=\"round\"";
    if (!dash.empty()) body_ += " stroke-dasharray=\"" + dash + '"';
    body_ += "/>\n";
  }

  /// A line from (x1, y1) to (x2, y2) ending in a filled triangular head whose
  /// tip is at (x2, y2): `head` px long, 0.9 · head wide. The shaft stops at
  /// the head's base, so a wide shaft does not poke through the tip.
  void arrow(double x1, double y1, double x2, double y2, const std::string& stroke,
             double stroke_width = 1.5, const std::string& dash = "", double head = 9) {
    const double dx = x2 - x1, dy = y2 - y1, length = std::hypot(dx, dy);
    if (!(length > 0)) throw ArgumentError("plot::Svg::arrow: the two ends are the same point");
    const double ux = dx / length, uy = dy / length;  // along the arrow
    const double h = std::min(head, length), bx = x2 - h * ux, by = y2 - h * uy;
    const double half = 0.45 * h;  // half the head's width, across (−uy, ux)
    body_ += "<g class=\"arrow\">\n";
    line(x1, y1, bx, by, stroke, stroke_width, dash);
    polygon({{x2, y2}, {bx - half * uy, by + half * ux}, {bx + half * uy, by - half * ux}}, stroke);
    body_ += "</g>\n";
  }

  /// A closed, filled shape through the points; fill and stroke may come
  /// from an enclosing group instead ("").
  void polygon(const std::vector<std::pair<double, double>>& points, const std::string& fill = "",
               const std::string& stroke = "", double stroke_width = 1) {
    body_ += "<polygon points=\"";
    for (std::size_t k = 0; k < points.size(); ++k)
      body_ += (k ? " " : "") + n(points[k].first) + ',' + n(points[k].second);
    body_ += '"';
    if (!fill.empty()) body_ += " fill=\"" + fill + '"';
    if (!stroke.empty())
      body_ += " stroke=\"" + stroke + "\" stroke-width=\"" + n(stroke_width) + '"';
    body_ += "/>\n";
  }

  /// A circle; fill and stroke may come from an enclosing group instead ("").
  void circle(double cx, double cy, double r, const std::string& fill = "") {
    body_ += "<circle cx=\"" + n(cx) + "\" cy=\"" + n(cy) + "\" r=\"" + n(r) + '"';
    if (!fill.empty()) body_ += " fill=\"" + fill + '"';
    body_ += "/>\n";
  }

  /// Where a text's (x, y) is: at its start, its middle or its end.
  enum class Anchor { start, middle, end };

  /// A line of text at (x, y), escaped for XML.
  // Text whose baseline starts (or is centred, or ends) at (x, y); `rotate`
  // degrees about that point (−90 for a y-axis label).
  void text(double x, double y, const std::string& s, double size = 12,
            Anchor anchor = Anchor::start, double rotate = 0, bool bold = false,
            const std::string& fill = "#222222") {
    body_ += "<text x=\"" + n(x) + "\" y=\"" + n(y) + "\" font-size=\"" + n(size) + '"';
    if (anchor != Anchor::start)
      body_ += std::string(" text-anchor=\"") + (anchor == Anchor::middle ? "middle" : "end") + '"';
    if (rotate != 0) body_ += " transform=\"rotate(" + n(rotate) + ' ' + n(x) + ' ' + n(y) + ")\"";
    if (bold) body_ += " font-weight=\"bold\"";
    if (fill != "#222222") body_ += " fill=\"" + fill + '"';
    body_ += '>' + detail::xml_escape(s) + "</text>\n";
  }

  /// Opens a group; `attributes` are written as they are (escape values yourself).
  void open_group(const std::string& attributes = "") {
    body_ += attributes.empty() ? "<g>\n" : "<g " + attributes + ">\n";
  }
  /// Closes the group opened last.
  void close_group() { body_ += "</g>\n"; }

  /// A `<title>` for the enclosing element: its name, shown on mouse-over.
  void title(const std::string& s) { body_ += "<title>" + detail::xml_escape(s) + "</title>\n"; }

  /// Anything else, written as it is.
  void raw(const std::string& xml) { body_ += xml; }

  /// The whole document.
  std::string str() const {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
           n(width_) + "\" height=\"" + n(height_) + "\" viewBox=\"0 0 " + n(width_) + ' ' +
           n(height_) +
           "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
           "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n" +
           body_ + "</svg>\n";
  }

  /// Writes the document to `path` (atomically); FileError if that fails.
  void save(const std::string& path) const { write_file_atomically(path, str()); }

 private:
  static std::string n(double v, int decimals = 1) { return detail::number(v, decimals); }

  double width_, height_;
  std::string body_;
  int ids_ = 0;
};

/// The shape of a marker: a dot on each point of a line, or a scatter point.
enum class Marker { circle, square, triangle, diamond, cross };

namespace detail {

// A marker centred on (x, y) with the area of a circle of radius r, so that
// shapes of the same r look equally heavy; filled with `fill`, or with the
// enclosing group's fill when `fill` is "". A square of side s has
// s² = π r²; an equilateral triangle of side a has (√3/4) a² = π r²; a
// diamond of half-diagonal d has 2 d² = π r².
inline void marker(Svg& svg, Marker shape, double x, double y, double r, const std::string& fill) {
  const double pi = 3.14159265358979323846;
  switch (shape) {
    case Marker::circle:
      svg.circle(x, y, r, fill);
      return;
    case Marker::square: {
      const double h = 0.5 * std::sqrt(pi) * r;
      svg.polygon({{x - h, y - h}, {x + h, y - h}, {x + h, y + h}, {x - h, y + h}}, fill);
      return;
    }
    case Marker::triangle: {  // pointing up, centred on its centroid
      const double a = std::sqrt(4 * pi / std::sqrt(3.0)) * r, c = a / std::sqrt(3.0);
      svg.polygon({{x, y - c}, {x + a / 2, y + c / 2}, {x - a / 2, y + c / 2}}, fill);
      return;
    }
    case Marker::diamond: {
      const double d = std::sqrt(pi / 2) * r;
      svg.polygon({{x, y - d}, {x + d, y}, {x, y + d}, {x - d, y}}, fill);
      return;
    }
    case Marker::cross: {  // an ×: a plus sign of arm length 1.4 r and width 0.6 r, turned 45°
      const double a = 1.4 * r, t = 0.3 * r;
      const double plus[12][2] = {{t, a},   {t, t},   {a, t},   {a, -t}, {t, -t}, {t, -a},
                                  {-t, -a}, {-t, -t}, {-a, -t}, {-a, t}, {-t, t}, {-t, a}};
      std::vector<std::pair<double, double>> points;
      for (const auto& p : plus)  // rotate by 45°: (u, v) → ((u − v)/√2, (u + v)/√2)
        points.emplace_back(x + (p[0] - p[1]) / std::sqrt(2.0), y + (p[0] + p[1]) / std::sqrt(2.0));
      svg.polygon(points, fill);
      return;
    }
  }
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Raster: a grid of colours

/// A grid of colours (an image, a heat-map), row 0 on top.
class Raster {
 public:
  Raster() = default;
  /// rows × cols cells; row 0 is the top row, as in an image.
  Raster(int rows, int cols, Color fill = white)
      : rows_(rows), cols_(cols), cells_(std::size_t(std::max(0, rows * cols)), fill) {
    if (rows <= 0 || cols <= 0) throw ArgumentError("plot::Raster: rows and cols must be > 0");
  }
  /// The number of rows.
  int rows() const { return rows_; }
  /// The number of columns.
  int cols() const { return cols_; }
  /// The cell in row r, column c; ArgumentError if there is none.
  Color& operator()(int r, int c) { return cells_[index(r, c)]; }
  /// The cell in row r, column c, read-only; ArgumentError if there is none.
  const Color& operator()(int r, int c) const { return cells_[index(r, c)]; }

  /// Draws the raster into the page rectangle (x, y, w, h) of `svg`.
  // Draws the raster into the page rectangle (x, y, w, h), in a group scaled
  // so that a cell is 1 × 1. The most common colour is one rectangle behind
  // everything; every other colour is one <path> of horizontal strokes, one
  // per run of equal cells along a row: "M3 5.5h4m2 0h1" paints cells 3–6
  // and 9 of row 5. A 100 × 100 map takes a few kilobytes per colour.
  void draw(Svg& svg, double x, double y, double w, double h) const {
    std::map<Color, std::size_t> count;
    for (const Color& c : cells_)
      ++count[c];
    Color background = cells_.front();
    for (const auto& [colour, n] : count)
      if (n > count[background]) background = colour;

    std::map<Color, std::string> paths;
    std::map<Color, std::pair<int, int>> pen;  // per colour: the row and column its path is at
    for (int r = 0; r < rows_; ++r) {
      for (int c = 0; c < cols_;) {
        const Color colour = (*this)(r, c);
        int end = c + 1;
        while (end < cols_ && (*this)(r, end) == colour)
          ++end;
        if (colour != background) {
          std::string& d = paths[colour];
          auto at = pen.find(colour);
          if (at != pen.end() && at->second.first == r) {  // same row: move right
            d += 'm' + std::to_string(c - at->second.second) + " 0";
          } else {
            d += 'M' + std::to_string(c) + ' ' + std::to_string(r) + ".5";
          }
          d += 'h' + std::to_string(end - c);
          pen[colour] = {r, end};
        }
        c = end;
      }
    }
    svg.open_group("transform=\"translate(" + detail::number(x, 2) + ' ' + detail::number(y, 2) +
                   ") scale(" + detail::number(w / cols_, 4) + ' ' + detail::number(h / rows_, 4) +
                   ")\" fill=\"none\" stroke-width=\"1\" shape-rendering=\"crispEdges\"");
    svg.raw("<rect width=\"" + std::to_string(cols_) + "\" height=\"" + std::to_string(rows_) +
            "\" fill=\"" + background.hex() + "\"/>\n");
    for (const auto& [colour, d] : paths)
      svg.raw("<path stroke=\"" + colour.hex() + "\" d=\"" + d + "\"/>\n");
    svg.close_group();
  }

 private:
  std::size_t index(int r, int c) const {
    if (r < 0 || r >= rows_ || c < 0 || c >= cols_) {
      throw ArgumentError("plot::Raster: cell (" + std::to_string(r) + ", " + std::to_string(c) +
                          ") is outside " + std::to_string(rows_) + " × " + std::to_string(cols_));
    }
    return std::size_t(r) * std::size_t(cols_) + std::size_t(c);
  }

  int rows_ = 0, cols_ = 0;
  std::vector<Color> cells_;
};

/// A Raster of `values`, coloured by a colour map over [lo, hi].
// A heat-map of `values` (row 0 on top): each value v becomes
// map((v − lo) / (hi − lo)), with t quantised to `levels` steps so that
// neighbouring cells of nearly equal value merge into one rectangle.
template <typename Derived>
Raster heatmap(const Eigen::DenseBase<Derived>& values, const Colormap& map, double lo, double hi,
               int levels = 32) {
  if (!(hi > lo)) throw ArgumentError("plot::heatmap: hi must be > lo");
  if (levels < 2) throw ArgumentError("plot::heatmap: levels must be >= 2");
  Raster raster(int(values.rows()), int(values.cols()));
  for (Index r = 0; r < values.rows(); ++r) {
    for (Index c = 0; c < values.cols(); ++c) {
      const double t = std::clamp((double(values(r, c)) - lo) / (hi - lo), 0.0, 1.0);
      raster(int(r), int(c)) = map(std::round(t * (levels - 1)) / (levels - 1));
    }
  }
  return raster;
}

// ---------------------------------------------------------------------------
// Ticks

namespace detail {

struct Tick {
  double value;
  std::string label;  // empty for a minor tick
};

// A "nice" step near `raw`: 1, 2 or 5 times a power of ten.
inline double nice_step(double raw) {
  const double e = std::floor(std::log10(raw));
  const double f = raw / std::pow(10.0, e) + 1e-9;  // 0.3 / 0.1 is 2.9999999999999996
  const double nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  return nice * std::pow(10.0, e);
}

// A typographic minus (U+2212) in place of a leading hyphen.
inline std::string with_minus(std::string s) {
  return !s.empty() && s[0] == '-' ? "−" + s.substr(1) : s;
}

// The label of a linear tick: as many decimals as the step needs, or
// m×10ⁿ for very large or very small numbers.
inline std::string linear_label(double v, double step) {
  if (v == 0) return "0";
  if (v < 0) return with_minus(linear_label(-v, step).insert(0, "-"));
  const double a = std::abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const int e = int(std::floor(std::log10(a) + 1e-9));
    const double m = v / std::pow(10.0, e);
    const int decimals =
        std::clamp(int(-std::floor(std::log10(step / std::pow(10.0, e)) + 1e-9)), 0, 6);
    const std::string mantissa = number(m, decimals);
    return mantissa + "×" + power_of_ten(e);
  }
  const int decimals = std::clamp(int(-std::floor(std::log10(step) + 1e-9)), 0, 10);
  return number(v, decimals);
}

// About five ticks at multiples of a nice step inside [lo, hi].
inline std::vector<Tick> linear_ticks(double lo, double hi, double target = 5) {
  const double step = nice_step((hi - lo) / target);
  std::vector<Tick> ticks;
  for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * (hi - lo); k += 1) {
    double v = k * step;
    if (std::abs(v) < step * 1e-9) v = 0;
    ticks.push_back({v, linear_label(v, step)});
  }
  return ticks;
}

// Ticks at powers of ten (labelled), with 2…9 × 10ⁿ between them (unlabelled)
// while there are few decades; for less than a decade, 1-2-5 steps.
inline std::vector<Tick> log_ticks(double lo, double hi) {
  const double l0 = std::log10(lo), l1 = std::log10(hi);
  const int first = int(std::ceil(l0 - 1e-9)), last = int(std::floor(l1 + 1e-9));
  // Plain numbers from 0.001 to 10⁴, powers of ten beyond.
  const bool plain = first >= -3 && last <= 4;
  const auto label = [plain](int e, double m) {
    if (plain) return number(m * std::pow(10.0, e), std::max(0, -e));
    return m == 1 ? power_of_ten(e) : number(m, 0) + "×" + power_of_ten(e);
  };
  std::vector<Tick> ticks;
  const int decades = last - first + 1;
  if (decades >= 2) {
    const int every = (decades + 7) / 8;  // at most about eight labels
    for (int e = first; e <= last; ++e) {
      if ((e - first) % every == 0) ticks.push_back({std::pow(10.0, e), label(e, 1)});
    }
    if (decades <= 6 && every == 1) {
      for (int e = first - 1; e <= last; ++e)
        for (int m = 2; m <= 9; ++m) {
          const double v = m * std::pow(10.0, e);
          if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push_back({v, ""});
        }
    }
    return ticks;
  }
  for (const auto& ms : {std::vector<int>{1, 2, 5}, std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9}}) {
    ticks.clear();
    for (int e = int(std::floor(l0)); e <= int(std::ceil(l1)); ++e)
      for (int m : ms) {
        const double v = m * std::pow(10.0, e);
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push_back({v, label(e, m)});
      }
    if (ticks.size() >= 3) break;
  }
  return ticks;
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Chart

/// How a series is drawn: colour, width, dashes, markers, opacity, fill.
// How a series is drawn. Unset colours come from palette(), in the order the
// series were added.
class Style {
 public:
  /// The colour (otherwise the series' colour in palette()).
  Style& color(Color c) {
    color_ = c;
    return *this;
  }
  /// The width of the line in pixels.
  Style& width(double w) {
    width_ = w;
    return *this;
  }
  /// A dashed line.
  // An SVG dash pattern: "6 4" is 6 px on, 4 px off.
  Style& dashed(std::string pattern = "6 4") {
    dash_ = std::move(pattern);
    return *this;
  }
  /// A marker of this size (the radius of a circle of the same area) on every
  /// point of a line, or the size of a scatter's points; `shape` tells them apart.
  Style& markers(double radius = 3, Marker shape = Marker::circle) {
    radius_ = radius;
    marker_ = shape;
    return *this;
  }
  /// Markers on points first, first + step, first + 2·step, … of a line only:
  /// lines that lie on top of each other stay distinguishable when each puts
  /// its markers on other points (first = 0, 1, 2, … of the same step).
  Style& marker_every(int step, int first = 0) {
    if (step < 1 || first < 0)
      throw ArgumentError("plot::Style::marker_every: need step >= 1, first >= 0");
    marker_step_ = step;
    marker_first_ = first;
    return *this;
  }
  /// The opacity of the series, from 0 (invisible) to 1 (opaque).
  Style& opacity(double o) {
    opacity_ = o;
    return *this;
  }
  /// Fills the area under a histogram with this opacity.
  Style& fill(double opacity) {
    fill_ = opacity;
    return *this;
  }
  /// An outline around scatter dots.
  Style& outline(Color c, double width = 0.6) {
    outline_ = c;
    outline_width_ = width;
    return *this;
  }

 private:
  friend class Chart;
  std::optional<Color> color_;
  double width_ = 2;
  std::string dash_;
  double radius_ = 0;
  Marker marker_ = Marker::circle;
  int marker_step_ = 1, marker_first_ = 0;
  double opacity_ = 1;
  double fill_ = 0;
  std::optional<Color> outline_;
  double outline_width_ = 0;
};

/// Where a chart's legend goes: a corner of the plot, outside at the right, or nowhere.
enum class Legend { top_right, top_left, bottom_right, bottom_left, outside, none };

/// How many values of a histogram fell outside its edges.
struct Overflow {
  double below = 0;  ///< values < the first edge
  double above = 0;  ///< values > the last edge
};

/// A chart: axes, a title, series, notes and a legend; saved alone or in a Figure.
class Chart {
 public:
  /// An empty chart with this title.
  explicit Chart(std::string title = "") : title_(std::move(title)) {}

  /// The title above the plot.
  Chart& title(std::string t) {
    title_ = std::move(t);
    return *this;
  }
  /// The label under the x axis.
  Chart& x_label(std::string t) {
    x_label_ = std::move(t);
    return *this;
  }
  /// The label beside the y axis.
  Chart& y_label(std::string t) {
    y_label_ = std::move(t);
    return *this;
  }
  /// A logarithmic x axis (or, with false, a linear one).
  Chart& log_x(bool on = true) {
    x_.log = on;
    return *this;
  }
  /// A logarithmic y axis (or, with false, a linear one).
  Chart& log_y(bool on = true) {
    y_.log = on;
    return *this;
  }
  /// Fixes the range of the x axis (otherwise it fits the data).
  Chart& x_range(double lo, double hi) {
    x_.set(lo, hi, "x_range");
    return *this;
  }
  /// Fixes the range of the y axis (otherwise it fits the data).
  Chart& y_range(double lo, double hi) {
    y_.set(lo, hi, "y_range");
    return *this;
  }
  /// The size of the picture when saved on its own (pixels).
  Chart& size(double width, double height) {
    if (!(width > 0 && height > 0)) throw ArgumentError("plot::Chart::size: must be > 0");
    width_ = width;
    height_ = height;
    return *this;
  }
  /// The width of the picture when saved on its own (pixels).
  double width() const { return width_; }
  /// The height of the picture when saved on its own (pixels).
  double height() const { return height_; }
  /// Where the legend goes: a corner of the plot, outside at the right, or nowhere.
  Chart& legend(Legend where) {
    legend_ = where;
    return *this;
  }
  /// Whether to draw axes, ticks and grid.
  // No axes, ticks or grid: for images.
  Chart& axes(bool on) {
    axes_ = on;
    return *this;
  }
  /// Whether to draw grid lines at the ticks.
  Chart& grid(bool on) {
    grid_ = on;
    return *this;
  }
  /// One unit on x as long as one unit on y (maps of the plane).
  Chart& equal_aspect(bool on = true) {
    equal_aspect_ = on;
    return *this;
  }

  /// A line through (x_k, y_k).
  Chart& line(std::string name, std::vector<double> x, std::vector<double> y, Style style = {}) {
    return add(Kind::line, std::move(name), std::move(x), std::move(y), std::move(style));
  }
  /// A line through (1, y_1), (2, y_2), …: a series per epoch.
  Chart& line(std::string name, const std::vector<double>& y, Style style = {}) {
    std::vector<double> x(y.size());
    for (std::size_t k = 0; k < x.size(); ++k)
      x[k] = double(k + 1);
    return line(std::move(name), std::move(x), y, std::move(style));
  }
  /// Dots at (x_k, y_k).
  Chart& scatter(std::string name, std::vector<double> x, std::vector<double> y, Style style = {}) {
    if (style.radius_ == 0) style.radius_ = 3;
    return add(Kind::scatter, std::move(name), std::move(x), std::move(y), std::move(style));
  }
  /// A histogram as a step outline: counts[k] over [edges[k], edges[k+1]).
  Chart& histogram(std::string name, const std::vector<double>& edges,
                   const std::vector<double>& counts, Style style = {}) {
    if (edges.size() != counts.size() + 1) {
      throw ArgumentError("plot::Chart::histogram \"" + name +
                          "\": " + std::to_string(edges.size()) + " edges for " +
                          std::to_string(counts.size()) + " counts (need one more edge)");
    }
    std::vector<double> x, y;
    for (std::size_t k = 0; k < counts.size(); ++k) {
      x.insert(x.end(), {edges[k], edges[k + 1]});
      y.insert(y.end(), {counts[k], counts[k]});
    }
    if (!x.empty()) {  // down to the baseline at both ends
      x.insert(x.begin(), edges.front());
      y.insert(y.begin(), 0.0);
      x.push_back(edges.back());
      y.push_back(0.0);
    }
    return add(Kind::histogram, std::move(name), std::move(x), std::move(y), std::move(style));
  }
  /// The same, with the counts outside the edges drawn as two more bars, each
  /// three bins wide and one bin's gap beyond the range, on grey bands
  /// labelled "< lo" and "> hi" under the axis. The x axis has no tick labels
  /// beyond the edges: positions in a band are not values.
  Chart& histogram(std::string name, const std::vector<double>& edges,
                   const std::vector<double>& counts, Overflow outside, Style style = {}) {
    histogram(std::move(name), edges, counts, std::move(style));
    if (counts.empty()) return *this;
    const double lo = edges.front(), hi = edges.back();
    const double bin = (hi - lo) / double(counts.size());
    const int decimals = std::clamp(int(-std::floor(std::log10(bin) + 1e-9)), 0, 6);
    const auto edge_label = [decimals](double v) {
      return detail::with_minus(detail::number(v, decimals));
    };
    Series& s = series_.back();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const auto bar = [&s, nan](double x0, double x1, double count) {  // a run of its own
      s.x.insert(s.x.end(), {nan, x0, x0, x1, x1});
      s.y.insert(s.y.end(), {nan, 0.0, count, count, 0.0});
    };
    bar(lo - 4 * bin, lo - bin, outside.below);
    bar(hi + bin, hi + 4 * bin, outside.above);
    add_band({lo, lo - 4 * bin, lo - bin, "< " + edge_label(lo)});
    add_band({hi, hi + bin, hi + 4 * bin, "> " + edge_label(hi)});
    return *this;
  }
  /// A horizontal reference line across the plot, with a label at its right end.
  Chart& hline(double y, std::string label = "", Style style = Style().color(gray).width(1)) {
    if (style.dash_.empty()) style.dashed("4 3");
    references_.push_back({y, std::move(label), std::move(style)});
    return *this;
  }
  /// A note at the data point (x, y), drawn over the series: beginning 6 px
  /// right of the point (Anchor::start), ending 6 px left of it (end), or
  /// centred 8 px above it (middle). Notes do not widen the axes' ranges; a
  /// note whose point is outside them is not drawn.
  Chart& annotate(double x, double y, std::string text, Color colour = rgb(0x222222),
                  Svg::Anchor anchor = Svg::Anchor::start) {
    notes_.push_back({x, y, std::move(text), colour, anchor});
    return *this;
  }
  /// An image behind the data, covering [x0, x1] × [y0, y1] (row 0 at y1).
  Chart& image(Raster raster, double x0, double x1, double y0, double y1) {
    if (!(x1 > x0 && y1 > y0)) throw ArgumentError("plot::Chart::image: empty extent");
    images_.push_back({std::move(raster), x0, x1, y0, y1});
    return *this;
  }
  /// An image filling the plot area, one cell per unit of x and y.
  // An image filling the plot area, for a chart without axes: a picture of
  // a matrix, one cell per entry.
  Chart& image(Raster raster) {
    const double c = raster.cols(), r = raster.rows();
    return image(std::move(raster), 0, c, 0, r).x_range(0, c).y_range(0, r).equal_aspect();
  }
  /// A colour bar at the right: what the colours of a heat-map mean.
  Chart& colorbar(Colormap map, double lo, double hi, std::string label = "") {
    if (!(hi > lo)) throw ArgumentError("plot::Chart::colorbar: hi must be > lo");
    colorbar_ = ColorBar{std::move(map), lo, hi, std::move(label)};
    return *this;
  }

  /// The number of series added so far.
  std::size_t series_count() const { return series_.size(); }

  /// The chart as a document of its own.
  std::string svg() const {
    Svg doc(width_, height_);
    draw(doc, 0, 0, width_, height_);
    return doc.str();
  }
  /// Writes svg() to `path` (atomically); FileError if that fails.
  void save(const std::string& path) const { write_file_atomically(path, svg()); }

  /// Draws the chart into the page rectangle (x, y, w, h) of `doc`.
  void draw(Svg& doc, double x, double y, double w, double h) const {
    // Margins: room for tick labels and axis labels left and below, the
    // title above, the legend or colour bar at the right.
    const double left = axes_ ? (y_label_.empty() ? 52 : 66) : 4;
    const double bottom = axes_ ? (x_label_.empty() ? 26 : 44) : 4;
    const double top = title_.empty() ? 10 : 28;
    double right = axes_ ? 16 : 4;
    if (legend_ == Legend::outside && has_legend()) right += legend_width() + 8;
    if (colorbar_) right += colorbar_width;
    Box plot{x + left, y + top, w - left - right, h - top - bottom};
    if (plot.w <= 10 || plot.h <= 10) throw ArgumentError("plot::Chart: the picture is too small");

    Axis ax = x_, ay = y_;
    fit_range(ax, true);
    fit_range(ay, false);
    if (equal_aspect_ && !ax.log && !ay.log) {  // shrink one side so units match, centred
      const double sx = plot.w / (ax.hi - ax.lo), sy = plot.h / (ay.hi - ay.lo);
      if (sx > sy) {
        const double nw = (ax.hi - ax.lo) * sy;
        plot.x += (plot.w - nw) / 2;
        plot.w = nw;
      } else {
        const double nh = (ay.hi - ay.lo) * sx;
        plot.y += (plot.h - nh) / 2;
        plot.h = nh;
      }
    }
    const auto px = [&](double v) { return plot.x + ax.fraction(v) * plot.w; };
    const auto py = [&](double v) { return plot.y + plot.h - ay.fraction(v) * plot.h; };

    doc.open_group("class=\"chart\"");
    if (!title_.empty())
      doc.text(plot.x + plot.w / 2, y + 18, title_, 14, Svg::Anchor::middle, 0, true);

    const std::string clip = doc.new_id("clip");
    doc.raw("<clipPath id=\"" + clip + "\"><rect x=\"" + detail::number(plot.x) + "\" y=\"" +
            detail::number(plot.y) + "\" width=\"" + detail::number(plot.w) + "\" height=\"" +
            detail::number(plot.h) + "\"/></clipPath>\n");

    // Images first, so that everything else is drawn over them.
    if (!images_.empty()) {
      doc.open_group("class=\"image\" clip-path=\"url(#" + clip + ")\"");
      for (const auto& im : images_) {
        const double x0 = px(im.x0), x1 = px(im.x1), y0 = py(im.y1), y1 = py(im.y0);
        im.raster.draw(doc, x0, y0, x1 - x0, y1 - y0);
      }
      doc.close_group();
    }

    // About one labelled tick per 80 px across and per 60 px up.
    auto xt = ax.log ? detail::log_ticks(ax.lo, ax.hi)
                     : detail::linear_ticks(ax.lo, ax.hi, std::clamp(plot.w / 80, 2.0, 8.0));
    if (!bands_.empty()) xt = ticks_outside_bands(xt, px);
    const auto yt = ay.log ? detail::log_ticks(ay.lo, ay.hi)
                           : detail::linear_ticks(ay.lo, ay.hi, std::clamp(plot.h / 60, 2.0, 8.0));
    if (axes_) {
      if (grid_ && images_.empty()) {
        doc.open_group("class=\"grid\" stroke=\"#e6e6e6\" stroke-width=\"1\"");
        for (const auto& t : xt)
          if (!t.label.empty()) grid_line(doc, px(t.value), plot.y, px(t.value), plot.y + plot.h);
        for (const auto& t : yt)
          if (!t.label.empty()) grid_line(doc, plot.x, py(t.value), plot.x + plot.w, py(t.value));
        doc.close_group();
      }
      draw_bands(doc, plot, px);
      doc.rect(plot.x, plot.y, plot.w, plot.h, "none", "#888888", 1);
      doc.open_group("class=\"axes\" stroke=\"#444444\" stroke-width=\"1\"");
      for (const auto& t : xt) {
        const double len = t.label.empty() ? 3 : 5;
        grid_line(doc, px(t.value), plot.y + plot.h, px(t.value), plot.y + plot.h + len);
      }
      for (const auto& t : yt) {
        const double len = t.label.empty() ? 3 : 5;
        grid_line(doc, plot.x - len, py(t.value), plot.x, py(t.value));
      }
      doc.close_group();
      doc.open_group("class=\"tick-labels\"");
      for (const auto& t : xt)
        if (!t.label.empty())
          doc.text(px(t.value), plot.y + plot.h + 17, t.label, 11, Svg::Anchor::middle);
      for (const auto& t : yt)
        if (!t.label.empty()) doc.text(plot.x - 7, py(t.value) + 4, t.label, 11, Svg::Anchor::end);
      doc.close_group();
      if (!x_label_.empty())
        doc.text(plot.x + plot.w / 2, plot.y + plot.h + 36, x_label_, 12, Svg::Anchor::middle);
      if (!y_label_.empty())
        doc.text(x + 15, plot.y + plot.h / 2, y_label_, 12, Svg::Anchor::middle, -90);
    }

    // Reference lines, then the series, clipped to the plot area.
    for (const auto& r : references_) {
      if (!(std::isfinite(r.y) && (!ay.log || r.y > 0))) continue;
      const double yy = py(r.y);
      if (yy < plot.y || yy > plot.y + plot.h) continue;
      const std::string colour = r.style.color_.value_or(gray).hex();
      doc.open_group("class=\"reference\"");
      doc.line(plot.x, yy, plot.x + plot.w, yy, colour, r.style.width_, r.style.dash_);
      if (!r.label.empty())
        doc.text(plot.x + plot.w - 4, yy - 4, r.label, 10, Svg::Anchor::end, 0, false, colour);
      doc.close_group();
    }
    doc.open_group("clip-path=\"url(#" + clip + ")\"");
    for (std::size_t k = 0; k < series_.size(); ++k)
      draw_series(doc, series_[k], colour_of(k), px, py, ax, ay);
    doc.close_group();
    draw_notes(doc, plot, px, py, ax, ay);

    if (has_legend()) draw_legend(doc, plot, x + w - right);
    if (colorbar_) draw_colorbar(doc, plot, x + w - colorbar_width);
    doc.close_group();
  }

 private:
  enum class Kind { line, scatter, histogram };
  struct Series {
    Kind kind;
    std::string name;
    std::vector<double> x, y;
    Style style;
  };
  struct Reference {
    double y;
    std::string label;
    Style style;
  };
  struct Image {
    Raster raster;
    double x0, x1, y0, y1;
  };
  struct Note {
    double x, y;
    std::string text;
    Color colour;
    Svg::Anchor anchor;
  };
  // The grey band [x0, x1] beyond a histogram's `edge` where its overflow bar stands.
  struct Band {
    double edge, x0, x1;
    std::string label;
    bool left() const { return x1 <= edge; }
  };
  struct ColorBar {
    Colormap map;
    double lo, hi;
    std::string label;
  };
  struct Box {
    double x, y, w, h;
  };
  struct Axis {
    bool log = false;
    bool fixed = false;
    double lo = 0, hi = 1;
    void set(double l, double h, const char* who) {
      if (!(std::isfinite(l) && std::isfinite(h) && h > l)) {
        throw ArgumentError(std::string("plot::Chart::") + who + ": need finite lo < hi");
      }
      lo = l;
      hi = h;
      fixed = true;
    }
    double t(double v) const { return log ? std::log10(v) : v; }
    double fraction(double v) const { return (t(v) - t(lo)) / (t(hi) - t(lo)); }
    bool usable(double v) const { return std::isfinite(v) && (!log || v > 0); }
  };

  Chart& add(Kind kind, std::string name, std::vector<double> x, std::vector<double> y,
             Style style) {
    if (x.size() != y.size()) {
      throw ArgumentError("plot::Chart: series \"" + name + "\" has " + std::to_string(x.size()) +
                          " x values but " + std::to_string(y.size()) + " y values");
    }
    series_.push_back({kind, std::move(name), std::move(x), std::move(y), std::move(style)});
    return *this;
  }

  Color colour_of(std::size_t k) const {
    if (series_[k].style.color_) return *series_[k].style.color_;
    std::size_t automatic = 0;  // the k-th series without a colour of its own
    for (std::size_t j = 0; j < k; ++j)
      automatic += !series_[j].style.color_;
    return palette(automatic);
  }

  // The data range of an axis (unless fixed): images exactly; other data
  // padded by 4% on a linear axis, widened to whole decades on a log axis.
  void fit_range(Axis& a, bool is_x) const {
    if (a.fixed) {
      if (a.log && !(a.lo > 0)) throw ArgumentError("plot::Chart: a log axis needs lo > 0");
      return;
    }
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    const auto take = [&](double v) {
      if (a.usable(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    };
    for (const auto& s : series_)
      for (double v : is_x ? s.x : s.y)
        take(v);
    if (!is_x)
      for (const auto& r : references_)
        take(r.y);
    double ilo = std::numeric_limits<double>::infinity(), ihi = -ilo;
    for (const auto& im : images_) {
      ilo = std::min(ilo, is_x ? im.x0 : im.y0);
      ihi = std::max(ihi, is_x ? im.x1 : im.y1);
    }
    if (!(lo <= hi) && !(ilo <= ihi)) {  // no data at all
      a.lo = a.log ? 1 : 0;
      a.hi = a.log ? 10 : 1;
      return;
    }
    if (a.log) {
      if (ilo <= ihi && ilo > 0) {
        lo = std::min(lo, ilo);
        hi = std::max(hi, ihi);
      }
      a.lo = std::pow(10.0, std::floor(std::log10(lo) + 1e-9));
      a.hi = std::pow(10.0, std::ceil(std::log10(hi) - 1e-9));
      if (a.hi <= a.lo) a.hi = a.lo * 10;
      return;
    }
    if (lo <= hi) {
      const double span = hi - lo;
      const double pad = span > 0 ? 0.04 * span : (lo != 0 ? 0.1 * std::abs(lo) : 0.5);
      lo -= pad;
      hi += pad;
    }
    if (ilo <= ihi) {  // an image sets the range; data beyond it widens it
      lo = lo <= hi ? std::min(lo, ilo) : ilo;
      hi = std::max(hi, ihi);
      if (lo > ilo - 1e-12 && hi < ihi + 1e-12) {
        lo = ilo;
        hi = ihi;
      }
    }
    a.lo = lo;
    a.hi = hi;
  }

  void add_band(Band band) {
    for (const Band& b : bands_)
      if (b.x0 == band.x0 && b.x1 == band.x1) return;  // several histograms, one band
    bands_.push_back(std::move(band));
  }

  // The x ticks without those beyond a band's edge, and without the labels
  // that would run into a band's label.
  template <typename PX>
  std::vector<detail::Tick> ticks_outside_bands(const std::vector<detail::Tick>& ticks,
                                                const PX& px) const {
    std::vector<detail::Tick> kept;
    for (detail::Tick t : ticks) {
      bool beyond = false;
      for (const Band& b : bands_) {
        const double slack = 1e-9 * std::abs(b.x1 - b.x0);
        beyond |= b.left() ? t.value < b.edge - slack : t.value > b.edge + slack;
        const double gap = std::abs(px(t.value) - px((b.x0 + b.x1) / 2));
        if (gap < (detail::text_width(t.label, 11) + detail::text_width(b.label, 11)) / 2 + 4)
          t.label.clear();
      }
      if (!beyond) kept.push_back(std::move(t));
    }
    return kept;
  }

  template <typename PX>
  void draw_bands(Svg& doc, const Box& plot, const PX& px) const {
    if (bands_.empty()) return;
    doc.open_group("class=\"overflow\"");
    for (const Band& b : bands_) {
      const double x0 = px(b.x0), x1 = px(b.x1);
      doc.rect(x0, plot.y, x1 - x0, plot.h, "#eeeeee");
      doc.text((x0 + x1) / 2, plot.y + plot.h + 17, b.label, 11, Svg::Anchor::middle);
    }
    doc.close_group();
  }

  template <typename PX, typename PY>
  void draw_notes(Svg& doc, const Box& plot, const PX& px, const PY& py, const Axis& ax,
                  const Axis& ay) const {
    if (notes_.empty()) return;
    doc.open_group("class=\"notes\"");
    for (const Note& n : notes_) {
      if (!(ax.usable(n.x) && ay.usable(n.y))) continue;
      const double x = px(n.x), y = py(n.y);
      if (x < plot.x - 0.5 || x > plot.x + plot.w + 0.5 || y < plot.y - 0.5 ||
          y > plot.y + plot.h + 0.5)
        continue;
      const double dx = n.anchor == Svg::Anchor::start ? 6 : n.anchor == Svg::Anchor::end ? -6 : 0;
      const double dy = n.anchor == Svg::Anchor::middle ? -8 : 4;
      doc.text(x + dx, y + dy, n.text, 11, n.anchor, 0, false, n.colour.hex());
    }
    doc.close_group();
  }

  static void grid_line(Svg& doc, double x1, double y1, double x2, double y2) {
    doc.raw("<line x1=\"" + detail::number(x1) + "\" y1=\"" + detail::number(y1) + "\" x2=\"" +
            detail::number(x2) + "\" y2=\"" + detail::number(y2) + "\"/>\n");
  }

  template <typename PX, typename PY>
  static void draw_series(Svg& doc, const Series& s, Color colour, const PX& px, const PY& py,
                          const Axis& ax, const Axis& ay) {
    const Style& st = s.style;
    std::string attributes = "class=\"series\"";
    if (st.opacity_ < 1) attributes += " opacity=\"" + detail::number(st.opacity_, 2) + '"';
    if (s.kind == Kind::scatter) {
      attributes += " fill=\"" + colour.hex() + '"';
      if (st.outline_) {
        attributes += " stroke=\"" + st.outline_->hex() + "\" stroke-width=\"" +
                      detail::number(st.outline_width_, 2) + '"';
      }
    }
    doc.open_group(attributes);
    if (!s.name.empty()) doc.title(s.name);
    // Runs of usable points; a NaN (or a non-positive value on a log axis)
    // ends a run. `index` keeps each point's place in the series.
    std::vector<std::vector<std::pair<double, double>>> runs(1);
    std::vector<std::vector<std::size_t>> index(1);
    for (std::size_t k = 0; k < s.x.size(); ++k) {
      if (ax.usable(s.x[k]) && ay.usable(s.y[k])) {
        runs.back().emplace_back(px(s.x[k]), py(s.y[k]));
        index.back().push_back(k);
      } else if (!runs.back().empty()) {
        runs.emplace_back();
        index.emplace_back();
      }
    }
    const auto marked = [&st](std::size_t k) {
      const std::size_t first = std::size_t(st.marker_first_), step = std::size_t(st.marker_step_);
      return k >= first && (k - first) % step == 0;
    };
    for (std::size_t r = 0; r < runs.size(); ++r) {
      const auto& run = runs[r];
      if (run.empty()) continue;
      if (s.kind == Kind::scatter) {
        for (const auto& p : run)
          detail::marker(doc, st.marker_, p.first, p.second, st.radius_, "");
        continue;
      }
      if (s.kind == Kind::histogram && st.fill_ > 0) {
        doc.polyline(run, colour.hex(), st.width_, st.dash_, colour.hex(), st.fill_);
      } else if (run.size() > 1) {
        doc.polyline(run, colour.hex(), st.width_, st.dash_);
      }
      if (run.size() == 1) {  // a point alone: a dot, or it would not show
        detail::marker(doc, st.marker_, run[0].first, run[0].second,
                       st.radius_ > 0 ? st.radius_ : st.width_, colour.hex());
      } else if (st.radius_ > 0) {
        for (std::size_t i = 0; i < run.size(); ++i)
          if (marked(index[r][i]))
            detail::marker(doc, st.marker_, run[i].first, run[i].second, st.radius_, colour.hex());
      }
    }
    doc.close_group();
  }

  bool has_legend() const {
    if (legend_ == Legend::none) return false;
    for (const auto& s : series_)
      if (!s.name.empty()) return true;
    return false;
  }
  double legend_width() const {
    double w = 0;
    for (const auto& s : series_)
      w = std::max(w, detail::text_width(s.name, 11));
    return w + 36;
  }

  void draw_legend(Svg& doc, const Box& plot, double right_edge) const {
    const double row = 16, w = legend_width();
    std::size_t rows = 0;
    for (const auto& s : series_)
      rows += !s.name.empty();
    const double h = double(rows) * row + 8;
    double x = plot.x + plot.w - w - 8, y = plot.y + 8;
    switch (legend_) {
      case Legend::top_left:
        x = plot.x + 8;
        break;
      case Legend::bottom_left:
        x = plot.x + 8;
        y = plot.y + plot.h - h - 8;
        break;
      case Legend::bottom_right:
        y = plot.y + plot.h - h - 8;
        break;
      case Legend::outside:
        x = right_edge + 4;
        y = plot.y;
        break;
      default:
        break;
    }
    doc.open_group("class=\"legend\"");
    doc.raw("<rect x=\"" + detail::number(x) + "\" y=\"" + detail::number(y) + "\" width=\"" +
            detail::number(w) + "\" height=\"" + detail::number(h) +
            "\" fill=\"#ffffff\" fill-opacity=\"0.85\" stroke=\"#cccccc\"/>\n");
    double yy = y + 4 + row / 2;
    for (std::size_t k = 0; k < series_.size(); ++k) {
      const Series& s = series_[k];
      if (s.name.empty()) continue;
      const std::string c = colour_of(k).hex();
      if (s.kind == Kind::scatter) {
        detail::marker(doc, s.style.marker_, x + 17, yy, std::min(5.0, s.style.radius_), c);
      } else {
        doc.line(x + 6, yy, x + 28, yy, c, std::max(1.5, s.style.width_), s.style.dash_);
        if (s.style.radius_ > 0)
          detail::marker(doc, s.style.marker_, x + 17, yy, std::min(4.0, s.style.radius_), c);
      }
      doc.text(x + 32, yy + 4, s.name, 11);
      yy += row;
    }
    doc.close_group();
  }

  // The colour bar's strip at the right of the chart: bar, tick labels, label.
  static constexpr double colorbar_width = 80;

  void draw_colorbar(Svg& doc, const Box& plot, double x) const {
    const ColorBar& cb = *colorbar_;
    const int steps = 48;
    const double bw = 12, bx = x + 8, step_h = plot.h / steps;
    doc.open_group("class=\"colorbar\"");
    for (int k = 0; k < steps; ++k) {  // top = hi
      const double t = 1 - (k + 0.5) / steps;
      doc.rect(bx, plot.y + k * step_h, bw, step_h + 0.3, cb.map(t).hex());
    }
    doc.rect(bx, plot.y, bw, plot.h, "none", "#888888", 1);
    const auto ticks = detail::linear_ticks(cb.lo, cb.hi, 4);
    double widest = 0;  // of the tick labels: the bar's label goes just beyond them
    for (const auto& t : ticks) {
      const double yy = plot.y + plot.h * (1 - (t.value - cb.lo) / (cb.hi - cb.lo));
      doc.line(bx + bw, yy, bx + bw + 4, yy, "#444444");
      doc.text(bx + bw + 6, yy + 4, t.label, 10);
      widest = std::max(widest, detail::text_width(t.label, 10));
    }
    const double label_x = std::min(x + colorbar_width - 6, bx + bw + 6 + widest + 14);
    if (!cb.label.empty())
      doc.text(label_x, plot.y + plot.h / 2, cb.label, 11, Svg::Anchor::middle, -90);
    doc.close_group();
  }

  std::string title_, x_label_, y_label_;
  Axis x_, y_;
  double width_ = 480, height_ = 320;
  Legend legend_ = Legend::top_right;
  bool axes_ = true, grid_ = true, equal_aspect_ = false;
  std::vector<Series> series_;
  std::vector<Reference> references_;
  std::vector<Image> images_;
  std::vector<Note> notes_;
  std::vector<Band> bands_;
  std::optional<ColorBar> colorbar_;
};

// ---------------------------------------------------------------------------
// Figure: charts side by side

/// Several charts side by side, in rows, under an optional title.
class Figure {
 public:
  /// `columns` charts per row; each cell as large as the largest chart.
  explicit Figure(int columns = 2, std::string title = "")
      : columns_(columns), title_(std::move(title)) {
    if (columns <= 0) throw ArgumentError("plot::Figure: columns must be > 0");
  }
  /// The title above the charts.
  Figure& title(std::string t) {
    title_ = std::move(t);
    return *this;
  }
  /// Appends a chart: left to right, then row by row.
  Figure& add(Chart chart) {
    charts_.push_back(std::move(chart));
    return *this;
  }
  /// The number of charts.
  std::size_t size() const { return charts_.size(); }

  /// The figure as an SVG document; ArgumentError if it has no charts.
  std::string svg() const {
    if (charts_.empty()) throw ArgumentError("plot::Figure: no charts");
    double cw = 0, ch = 0;
    for (const auto& c : charts_) {
      cw = std::max(cw, c.width());
      ch = std::max(ch, c.height());
    }
    const int cols = std::min<int>(columns_, int(charts_.size()));
    const int rows = int((charts_.size() + std::size_t(columns_) - 1) / std::size_t(columns_));
    const double top = title_.empty() ? 0 : 30;
    Svg doc(cw * cols, top + ch * rows);
    if (!title_.empty()) doc.text(cw * cols / 2, 21, title_, 16, Svg::Anchor::middle, 0, true);
    for (std::size_t k = 0; k < charts_.size(); ++k) {
      const double x = cw * double(int(k) % columns_), y = top + ch * double(int(k) / columns_);
      charts_[k].draw(doc, x, y, cw, ch);
    }
    return doc.str();
  }
  /// Writes svg() to `path` (atomically); FileError if that fails.
  void save(const std::string& path) const { write_file_atomically(path, svg()); }

 private:
  int columns_;
  std::string title_;
  std::vector<Chart> charts_;
};

// ---------------------------------------------------------------------------
// ValueGrid: a table of numbers as a heat-map

/// A table of numbers as a heat-map: labelled rows and columns, a number in every cell.
// A matrix of results drawn as a grid of coloured cells, each value written
// in its cell and every row and column labelled with the setting it stands
// for: the outcome of a search over two hyper-parameters (batch sizes down,
// learning rates across). A finite value v takes the colour
//   map((T(v) − T(lo)) / (T(hi) − T(lo)))
// with T the identity, or log₁₀ on a log scale, and [lo, hi] the range of
// the finite values unless given. A value that is not finite (a run that
// diverged) is a gray cell with a word of its own instead of a number.
// Marked cells get a heavy outline (the chosen setting). Each row is a
// <g class="series"> titled with its name, so a test can find it.
//
//   hnn::plot::ValueGrid grid("Final validation loss");
//   grid.rows("batch size", {"8", "32"}).columns("learning rate", {"0.01", "0.1", "1"});
//   grid.values(V).log_scale().mark(1, 2);   // V: 2 × 3
//   grid.save("out/grid.svg");
class ValueGrid {
 public:
  /// An empty grid with a title.
  explicit ValueGrid(std::string title = "") : title_(std::move(title)) {}

  /// What the rows stand for, and the name of each (top to bottom).
  ValueGrid& rows(std::string label, std::vector<std::string> names) {
    row_label_ = std::move(label);
    row_names_ = std::move(names);
    return *this;
  }
  /// What the columns stand for, and the name of each (left to right).
  ValueGrid& columns(std::string label, std::vector<std::string> names) {
    column_label_ = std::move(label);
    column_names_ = std::move(names);
    return *this;
  }
  /// The numbers, one per cell (rows × columns).
  template <typename Derived>
  ValueGrid& values(const Eigen::DenseBase<Derived>& v) {
    values_ = v.template cast<double>();
    return *this;
  }
  /// The colour map (viridis unless set).
  ValueGrid& colormap(Colormap map) {
    map_ = std::move(map);
    return *this;
  }
  /// Colours by log₁₀ of the values (all finite values must then be > 0).
  ValueGrid& log_scale(bool on = true) {
    log_ = on;
    return *this;
  }
  /// The values the colour map's two ends stand for (otherwise the finite values' range).
  ValueGrid& range(double lo, double hi) {
    if (!(std::isfinite(lo) && std::isfinite(hi) && hi > lo))
      throw ArgumentError("plot::ValueGrid::range: need finite lo < hi");
    range_ = {lo, hi};
    return *this;
  }
  /// What the colour bar says the colours are.
  ValueGrid& colorbar_label(std::string label) {
    colorbar_label_ = std::move(label);
    return *this;
  }
  /// The word in a cell whose value is NaN or infinite.
  ValueGrid& not_finite_label(std::string label) {
    not_finite_label_ = std::move(label);
    return *this;
  }
  /// Significant digits of the numbers in the cells (3 unless set).
  ValueGrid& digits(int d) {
    if (d < 1 || d > 9) throw ArgumentError("plot::ValueGrid::digits: must be in 1 … 9");
    digits_ = d;
    return *this;
  }
  /// A cell's size in pixels.
  ValueGrid& cell_size(double width, double height) {
    if (!(width > 0 && height > 0)) throw ArgumentError("plot::ValueGrid::cell_size: must be > 0");
    cell_w_ = width;
    cell_h_ = height;
    return *this;
  }
  /// A heavy outline around cell (row, column).
  ValueGrid& mark(int row, int column) {
    marks_.emplace_back(row, column);
    return *this;
  }

  /// The number as written in a cell: `digits` significant digits, trailing zeros dropped.
  // 0.05234 → "0.0523" with 3.
  std::string label(double v) const {
    if (!std::isfinite(v)) return not_finite_label_;
    if (v == 0) return "0";
    const int magnitude = int(std::floor(std::log10(std::abs(v))));
    return detail::with_minus(detail::number(v, std::max(0, digits_ - 1 - magnitude)));
  }
  /// The colour of a cell holding v (gray if v is not finite).
  Color color(double v) const {
    if (!std::isfinite(v)) return gray;
    const auto [lo, hi] = colour_range();
    const auto T = [this](double x) { return log_ ? std::log10(x) : x; };
    return map_(std::clamp((T(v) - T(lo)) / (T(hi) - T(lo)), 0.0, 1.0));
  }

  /// The grid as an SVG document.
  std::string svg() const {
    check();
    const int R = int(values_.rows()), C = int(values_.cols());
    double names_w = 0;
    for (const auto& n : row_names_)
      names_w = std::max(names_w, detail::text_width(n, 11));
    const double left = 8 + (row_label_.empty() ? 0 : 20) + names_w + 8;
    const double top = title_.empty() ? 10 : 34;
    const double grid_w = cell_w_ * C, grid_h = cell_h_ * R;
    const double bottom = 24 + (column_label_.empty() ? 0 : 20) + 6;
    const double bar_x = left + grid_w + 16;
    Svg doc(bar_x + colorbar_width, top + grid_h + bottom);
    if (!title_.empty()) doc.text(left + grid_w / 2, 21, title_, 14, Svg::Anchor::middle, 0, true);

    for (int r = 0; r < R; ++r) {
      doc.open_group("class=\"series\"");
      doc.title(row_names_[std::size_t(r)]);
      for (int c = 0; c < C; ++c) {
        const double v = values_(r, c), x = left + c * cell_w_, y = top + r * cell_h_;
        const Color fill = color(v);
        doc.rect(x, y, cell_w_, cell_h_, fill.hex(), "#ffffff", 1);
        // Dark cells get white text: luminance 0.299 R + 0.587 G + 0.114 B below half.
        const double luminance = (0.299 * fill.r + 0.587 * fill.g + 0.114 * fill.b) / 255;
        doc.text(x + cell_w_ / 2, y + cell_h_ / 2 + 4, label(v), 11, Svg::Anchor::middle, 0, false,
                 luminance < 0.5 ? "#ffffff" : "#222222");
      }
      doc.close_group();
    }
    for (const auto& [r, c] : marks_)
      doc.rect(left + c * cell_w_ + 1.5, top + r * cell_h_ + 1.5, cell_w_ - 3, cell_h_ - 3, "none",
               "#000000", 3);

    doc.open_group("class=\"tick-labels\"");
    for (int r = 0; r < R; ++r)
      doc.text(left - 6, top + (r + 0.5) * cell_h_ + 4, row_names_[std::size_t(r)], 11,
               Svg::Anchor::end);
    for (int c = 0; c < C; ++c)
      doc.text(left + (c + 0.5) * cell_w_, top + grid_h + 17, column_names_[std::size_t(c)], 11,
               Svg::Anchor::middle);
    doc.close_group();
    if (!row_label_.empty())
      doc.text(18, top + grid_h / 2, row_label_, 12, Svg::Anchor::middle, -90);
    if (!column_label_.empty())
      doc.text(left + grid_w / 2, top + grid_h + 38, column_label_, 12, Svg::Anchor::middle);
    draw_colorbar(doc, bar_x, top, grid_h);
    return doc.str();
  }
  /// Writes the document to `path` (atomically); FileError if that fails.
  void save(const std::string& path) const { write_file_atomically(path, svg()); }

 private:
  static constexpr double colorbar_width = 84;

  void check() const {
    const std::string who = "plot::ValueGrid \"" + title_ + "\": ";
    if (values_.size() == 0) throw ArgumentError(who + "no values");
    if (row_names_.size() != std::size_t(values_.rows()) ||
        column_names_.size() != std::size_t(values_.cols())) {
      throw ArgumentError(who + std::to_string(row_names_.size()) + " row and " +
                          std::to_string(column_names_.size()) + " column names for " +
                          std::to_string(values_.rows()) + " × " + std::to_string(values_.cols()) +
                          " values");
    }
    for (const auto& [r, c] : marks_) {
      if (r < 0 || r >= values_.rows() || c < 0 || c >= values_.cols()) {
        throw ArgumentError(who + "marked cell (" + std::to_string(r) + ", " + std::to_string(c) +
                            ") is outside the grid");
      }
    }
    if (log_) {
      for (Index k = 0; k < values_.size(); ++k) {
        const double v = values_.data()[k];
        if (std::isfinite(v) && !(v > 0))
          throw ArgumentError(who + "a log scale needs values > 0, got " + label(v));
      }
    }
  }

  // [lo, hi]: the given range, or the finite values' (widened if they are all equal).
  std::pair<double, double> colour_range() const {
    if (range_) return *range_;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (Index k = 0; k < values_.size(); ++k) {
      const double v = values_.data()[k];
      if (std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
    if (!(lo <= hi)) return {log_ ? 1 : 0, log_ ? 10 : 1};  // nothing finite
    if (hi == lo) return log_ ? std::make_pair(lo / 2, hi * 2) : std::make_pair(lo - 1, hi + 1);
    return {lo, hi};
  }

  void draw_colorbar(Svg& doc, double x, double y, double h) const {
    const auto [lo, hi] = colour_range();
    const auto T = [this](double v) { return log_ ? std::log10(v) : v; };
    const int steps = 48;
    const double bw = 12, step_h = h / steps;
    doc.open_group("class=\"colorbar\"");
    for (int k = 0; k < steps; ++k)  // top = hi
      doc.rect(x, y + k * step_h, bw, step_h + 0.3, map_(1 - (k + 0.5) / steps).hex());
    doc.rect(x, y, bw, h, "none", "#888888", 1);
    const auto ticks = log_ ? detail::log_ticks(lo, hi) : detail::linear_ticks(lo, hi, 4);
    for (const auto& t : ticks) {
      const double f = (T(t.value) - T(lo)) / (T(hi) - T(lo));
      if (f < -1e-9 || f > 1 + 1e-9) continue;
      const double yy = y + h * (1 - f);
      doc.line(x + bw, yy, x + bw + (t.label.empty() ? 2.5 : 4), yy, "#444444");
      if (!t.label.empty()) doc.text(x + bw + 6, yy + 4, t.label, 10);
    }
    if (!colorbar_label_.empty())
      doc.text(x + colorbar_width - 10, y + h / 2, colorbar_label_, 11, Svg::Anchor::middle, -90);
    doc.close_group();
  }

  std::string title_, row_label_, column_label_, colorbar_label_;
  std::vector<std::string> row_names_, column_names_;
  Matrix<double> values_;
  Colormap map_ = viridis;
  bool log_ = false;
  std::optional<std::pair<double, double>> range_;
  std::string not_finite_label_ = "—";
  int digits_ = 3;
  double cell_w_ = 64, cell_h_ = 34;
  std::vector<std::pair<int, int>> marks_;
};

}  // namespace plot
}  // namespace hnn

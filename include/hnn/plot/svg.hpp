// SPDX-License-Identifier: MIT
#pragma once
// Pictures of training as SVG files, with no dependency: a chart is a few
// hundred lines of text that any browser opens. Four pieces, bottom up:
//
//   Svg      an SVG document: rectangles, lines, polylines, circles, text,
//            written as readable XML (the text of a picture can be read and
//            diffed like code).
//   Raster   a grid of colours (an image, a heat-map), drawn as one <path>
//            per colour so that a 100 × 100 map stays a few tens of kilobytes.
//   Chart    axes with ticks and labels, a title, lines, scatter points,
//            histograms, reference lines, a legend, linear or log scales,
//            rasters behind the data and a colour bar.
//   Figure   several charts side by side, in rows.
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
namespace plot {

// ---------------------------------------------------------------------------
// Colours

struct Color {
  std::uint8_t r = 0, g = 0, b = 0;

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
  bool operator==(const Color& o) const { return r == o.r && g == o.g && b == o.b; }
  bool operator!=(const Color& o) const { return !(*this == o); }
  bool operator<(const Color& o) const {
    return std::uint32_t(r << 16 | g << 8 | b) < std::uint32_t(o.r << 16 | o.g << 8 | o.b);
  }
};

// 0xRRGGBB → Color
inline Color rgb(std::uint32_t hex) {
  return {std::uint8_t(hex >> 16 & 255), std::uint8_t(hex >> 8 & 255), std::uint8_t(hex & 255)};
}

// (1 − t) a + t b, per channel; t in [0, 1].
inline Color mix(Color a, Color b, double t) {
  t = std::clamp(t, 0.0, 1.0);
  const auto channel = [t](std::uint8_t x, std::uint8_t y) {
    return std::uint8_t(std::lround((1 - t) * x + t * y));
  };
  return {channel(a.r, b.r), channel(a.g, b.g), channel(a.b, b.b)};
}

inline const Color white{255, 255, 255};
inline const Color black{0, 0, 0};
inline const Color gray = rgb(0x7f7f7f);

// The ten colours of matplotlib's "tab10" cycle: series k gets colour k mod 10.
inline Color palette(std::size_t k) {
  static const std::uint32_t tab10[] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                        0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
  return rgb(tab10[k % 10]);
}

// A colour map takes t in [0, 1] to a colour.
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

// Perceptually uniform, dark purple (0) → yellow (1): matplotlib's viridis at nine points.
inline Color viridis(double t) {
  static const std::vector<std::uint32_t> stops = {0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21918c,
                                                   0x28ae80, 0x5ec962, 0xaddc30, 0xfde725};
  return detail::interpolate(stops, t);
}

// Blue (0) → white (½) → red (1), ColorBrewer's RdBu reversed: for values with
// a sign, such as weights, with 0 in the middle of the range.
inline Color diverging(double t) {
  static const std::vector<std::uint32_t> stops = {0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7,
                                                   0xfddbc7, 0xf4a582, 0xd6604d, 0xb2182b};
  return detail::interpolate(stops, t);
}

// White (0) → black (1).
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

class Svg {
 public:
  Svg(double width, double height) : width_(width), height_(height) {
    if (!(width > 0 && height > 0)) throw ArgumentError("plot::Svg: width and height must be > 0");
  }

  double width() const { return width_; }
  double height() const { return height_; }

  // A fresh id for clip paths ("clip3"): unique within the document.
  std::string new_id(const std::string& prefix) { return prefix + std::to_string(++ids_); }

  void rect(double x, double y, double w, double h, const std::string& fill,
            const std::string& stroke = "none", double stroke_width = 1) {
    body_ += "<rect x=\"" + n(x) + "\" y=\"" + n(y) + "\" width=\"" + n(w) + "\" height=\"" + n(h) +
             "\" fill=\"" + fill + '"';
    if (stroke != "none")
      body_ += " stroke=\"" + stroke + "\" stroke-width=\"" + n(stroke_width) + '"';
    body_ += "/>\n";
  }

  void line(double x1, double y1, double x2, double y2, const std::string& stroke,
            double stroke_width = 1, const std::string& dash = "") {
    body_ += "<line x1=\"" + n(x1) + "\" y1=\"" + n(y1) + "\" x2=\"" + n(x2) + "\" y2=\"" + n(y2) +
             "\" stroke=\"" + stroke + "\" stroke-width=\"" + n(stroke_width) + '"';
    if (!dash.empty()) body_ += " stroke-dasharray=\"" + dash + '"';
    body_ += "/>\n";
  }

  // An open line through the points; `fill` closes it into a polygon.
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

  // A circle; fill and stroke may come from an enclosing group instead ("").
  void circle(double cx, double cy, double r, const std::string& fill = "") {
    body_ += "<circle cx=\"" + n(cx) + "\" cy=\"" + n(cy) + "\" r=\"" + n(r) + '"';
    if (!fill.empty()) body_ += " fill=\"" + fill + '"';
    body_ += "/>\n";
  }

  enum class Anchor { start, middle, end };

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

  // A group; `attributes` are written as they are (escape values yourself).
  void open_group(const std::string& attributes = "") {
    body_ += attributes.empty() ? "<g>\n" : "<g " + attributes + ">\n";
  }
  void close_group() { body_ += "</g>\n"; }

  // A <title> for the enclosing element: its name, shown on mouse-over.
  void title(const std::string& s) { body_ += "<title>" + detail::xml_escape(s) + "</title>\n"; }

  // Anything else, written as it is.
  void raw(const std::string& xml) { body_ += xml; }

  // The whole document.
  std::string str() const {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
           n(width_) + "\" height=\"" + n(height_) + "\" viewBox=\"0 0 " + n(width_) + ' ' +
           n(height_) +
           "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
           "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n" +
           body_ + "</svg>\n";
  }

  // Writes the document to `path` (atomically); FileError if that fails.
  void save(const std::string& path) const { write_file_atomically(path, str()); }

 private:
  static std::string n(double v, int decimals = 1) { return detail::number(v, decimals); }

  double width_, height_;
  std::string body_;
  int ids_ = 0;
};

// ---------------------------------------------------------------------------
// Raster: a grid of colours

class Raster {
 public:
  Raster() = default;
  // rows × cols cells; row 0 is the top row, as in an image.
  Raster(int rows, int cols, Color fill = white)
      : rows_(rows), cols_(cols), cells_(std::size_t(std::max(0, rows * cols)), fill) {
    if (rows <= 0 || cols <= 0) throw ArgumentError("plot::Raster: rows and cols must be > 0");
  }
  int rows() const { return rows_; }
  int cols() const { return cols_; }
  Color& operator()(int r, int c) { return cells_[index(r, c)]; }
  const Color& operator()(int r, int c) const { return cells_[index(r, c)]; }

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

// How a series is drawn. Unset colours come from palette(), in the order the
// series were added.
class Style {
 public:
  Style& color(Color c) {
    color_ = c;
    return *this;
  }
  Style& width(double w) {
    width_ = w;
    return *this;
  }
  // An SVG dash pattern: "6 4" is 6 px on, 4 px off.
  Style& dashed(std::string pattern = "6 4") {
    dash_ = std::move(pattern);
    return *this;
  }
  // A dot of this radius on every point (of a line), or the dots' size (of a scatter).
  Style& markers(double radius = 3) {
    radius_ = radius;
    return *this;
  }
  Style& opacity(double o) {
    opacity_ = o;
    return *this;
  }
  // Fills the area under a histogram with this opacity.
  Style& fill(double opacity) {
    fill_ = opacity;
    return *this;
  }
  // An outline around scatter dots.
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
  double opacity_ = 1;
  double fill_ = 0;
  std::optional<Color> outline_;
  double outline_width_ = 0;
};

enum class Legend { top_right, top_left, bottom_right, bottom_left, outside, none };

class Chart {
 public:
  explicit Chart(std::string title = "") : title_(std::move(title)) {}

  Chart& title(std::string t) {
    title_ = std::move(t);
    return *this;
  }
  Chart& x_label(std::string t) {
    x_label_ = std::move(t);
    return *this;
  }
  Chart& y_label(std::string t) {
    y_label_ = std::move(t);
    return *this;
  }
  Chart& log_x(bool on = true) {
    x_.log = on;
    return *this;
  }
  Chart& log_y(bool on = true) {
    y_.log = on;
    return *this;
  }
  // Fixes the range of an axis (otherwise it fits the data).
  Chart& x_range(double lo, double hi) {
    x_.set(lo, hi, "x_range");
    return *this;
  }
  Chart& y_range(double lo, double hi) {
    y_.set(lo, hi, "y_range");
    return *this;
  }
  // The size of the picture when saved on its own (pixels).
  Chart& size(double width, double height) {
    if (!(width > 0 && height > 0)) throw ArgumentError("plot::Chart::size: must be > 0");
    width_ = width;
    height_ = height;
    return *this;
  }
  double width() const { return width_; }
  double height() const { return height_; }
  Chart& legend(Legend where) {
    legend_ = where;
    return *this;
  }
  // No axes, ticks or grid: for images.
  Chart& axes(bool on) {
    axes_ = on;
    return *this;
  }
  Chart& grid(bool on) {
    grid_ = on;
    return *this;
  }
  // One unit on x as long as one unit on y (maps of the plane).
  Chart& equal_aspect(bool on = true) {
    equal_aspect_ = on;
    return *this;
  }

  // A line through (x_k, y_k).
  Chart& line(std::string name, std::vector<double> x, std::vector<double> y, Style style = {}) {
    return add(Kind::line, std::move(name), std::move(x), std::move(y), std::move(style));
  }
  // A line through (1, y_1), (2, y_2), …: a series per epoch.
  Chart& line(std::string name, const std::vector<double>& y, Style style = {}) {
    std::vector<double> x(y.size());
    for (std::size_t k = 0; k < x.size(); ++k)
      x[k] = double(k + 1);
    return line(std::move(name), std::move(x), y, std::move(style));
  }
  // Dots at (x_k, y_k).
  Chart& scatter(std::string name, std::vector<double> x, std::vector<double> y, Style style = {}) {
    if (style.radius_ == 0) style.radius_ = 3;
    return add(Kind::scatter, std::move(name), std::move(x), std::move(y), std::move(style));
  }
  // A histogram as a step outline: counts[k] over [edges[k], edges[k+1]).
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
  // A horizontal reference line across the plot, with a label at its right end.
  Chart& hline(double y, std::string label = "", Style style = Style().color(gray).width(1)) {
    if (style.dash_.empty()) style.dashed("4 3");
    references_.push_back({y, std::move(label), std::move(style)});
    return *this;
  }
  // An image behind the data, covering [x0, x1] × [y0, y1] (row 0 at y1).
  Chart& image(Raster raster, double x0, double x1, double y0, double y1) {
    if (!(x1 > x0 && y1 > y0)) throw ArgumentError("plot::Chart::image: empty extent");
    images_.push_back({std::move(raster), x0, x1, y0, y1});
    return *this;
  }
  // An image filling the plot area, for a chart without axes: a picture of
  // a matrix, one cell per entry.
  Chart& image(Raster raster) {
    const double c = raster.cols(), r = raster.rows();
    return image(std::move(raster), 0, c, 0, r).x_range(0, c).y_range(0, r).equal_aspect();
  }
  // A colour bar at the right: what the colours of a heat-map mean.
  Chart& colorbar(Colormap map, double lo, double hi, std::string label = "") {
    if (!(hi > lo)) throw ArgumentError("plot::Chart::colorbar: hi must be > lo");
    colorbar_ = ColorBar{std::move(map), lo, hi, std::move(label)};
    return *this;
  }

  std::size_t series_count() const { return series_.size(); }

  // The chart as a document of its own.
  std::string svg() const {
    Svg doc(width_, height_);
    draw(doc, 0, 0, width_, height_);
    return doc.str();
  }
  void save(const std::string& path) const { write_file_atomically(path, svg()); }

  // Draws the chart into the page rectangle (x, y, w, h) of `doc`.
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
    const auto xt = ax.log ? detail::log_ticks(ax.lo, ax.hi)
                           : detail::linear_ticks(ax.lo, ax.hi, std::clamp(plot.w / 80, 2.0, 8.0));
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
    // ends a run.
    std::vector<std::vector<std::pair<double, double>>> runs(1);
    for (std::size_t k = 0; k < s.x.size(); ++k) {
      if (ax.usable(s.x[k]) && ay.usable(s.y[k])) {
        runs.back().emplace_back(px(s.x[k]), py(s.y[k]));
      } else if (!runs.back().empty()) {
        runs.emplace_back();
      }
    }
    for (const auto& run : runs) {
      if (run.empty()) continue;
      if (s.kind == Kind::scatter) {
        for (const auto& p : run)
          doc.circle(p.first, p.second, st.radius_);
        continue;
      }
      if (s.kind == Kind::histogram && st.fill_ > 0) {
        doc.polyline(run, colour.hex(), st.width_, st.dash_, colour.hex(), st.fill_);
      } else if (run.size() > 1) {
        doc.polyline(run, colour.hex(), st.width_, st.dash_);
      }
      if (st.radius_ > 0 || run.size() == 1) {
        for (const auto& p : run)
          doc.circle(p.first, p.second, st.radius_ > 0 ? st.radius_ : st.width_, colour.hex());
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
        doc.circle(x + 17, yy, std::min(5.0, s.style.radius_), c);
      } else {
        doc.line(x + 6, yy, x + 28, yy, c, std::max(1.5, s.style.width_), s.style.dash_);
        if (s.style.radius_ > 0) doc.circle(x + 17, yy, std::min(4.0, s.style.radius_), c);
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
    for (const auto& t : ticks) {
      const double yy = plot.y + plot.h * (1 - (t.value - cb.lo) / (cb.hi - cb.lo));
      doc.line(bx + bw, yy, bx + bw + 4, yy, "#444444");
      doc.text(bx + bw + 6, yy + 4, t.label, 10);
    }
    if (!cb.label.empty())
      doc.text(x + colorbar_width - 6, plot.y + plot.h / 2, cb.label, 11, Svg::Anchor::middle, -90);
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
  std::optional<ColorBar> colorbar_;
};

// ---------------------------------------------------------------------------
// Figure: charts side by side

class Figure {
 public:
  // `columns` charts per row; each cell as large as the largest chart.
  explicit Figure(int columns = 2, std::string title = "")
      : columns_(columns), title_(std::move(title)) {
    if (columns <= 0) throw ArgumentError("plot::Figure: columns must be > 0");
  }
  Figure& title(std::string t) {
    title_ = std::move(t);
    return *this;
  }
  Figure& add(Chart chart) {
    charts_.push_back(std::move(chart));
    return *this;
  }
  std::size_t size() const { return charts_.size(); }

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
  void save(const std::string& path) const { write_file_atomically(path, svg()); }

 private:
  int columns_;
  std::string title_;
  std::vector<Chart> charts_;
};

}  // namespace plot
}  // namespace hnn

// SPDX-License-Identifier: MIT
// plot::ValueGrid (plot/svg.hpp): a table of numbers as a heat-map — one
// cell per value with its colour and its number, a gray cell with a word for
// a value that is not finite, colours by value or by log₁₀ of it, every row
// a titled series, rows and columns labelled, marked cells, and the errors
// (names that do not fit the values, a mark outside, a log scale on values
// ≤ 0). examples/hyperparameters.cpp draws its batch size × learning rate
// grid with it.

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "hnn/plot/svg.hpp"
#include "test_support.hpp"

namespace value_grid_tests {

namespace plot = hnn::plot;
using hnn_test::check_throws_with;

namespace {

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

// 2 × 3 losses: a run that diverged in the corner.
plot::ValueGrid losses() {
  hnn::Matrix<double> V(2, 3);
  V << 0.5, 0.05, 0.25,  //
      1.0, 0.1, std::numeric_limits<double>::quiet_NaN();
  plot::ValueGrid g("Final <loss>");
  g.rows("batch size", {"8", "64"}).columns("learning rate", {"0.01", "0.1", "1"}).values(V);
  g.not_finite_label("diverged");
  return g;
}

}  // namespace

TEST_CASE("plot::ValueGrid: a coloured cell and a number per value, rows as titled series") {
  plot::ValueGrid g = losses();
  const std::string svg = g.svg();
  CHECK(svg.find("Final &lt;loss&gt;") != std::string::npos);  // escaped
  CHECK(occurrences(svg, "<g class=\"series\">") == 2);
  CHECK(svg.find("<title>8</title>") != std::string::npos);
  CHECK(svg.find("<title>64</title>") != std::string::npos);
  for (const char* text : {">0.5<", ">0.05<", ">0.25<", ">1<", ">0.1<", ">diverged<",
                           ">batch size<", ">learning rate<", ">0.01<"})
    CHECK(svg.find(text) != std::string::npos);
  // Six cells with a white edge (and the colour bar's 48 steps besides).
  CHECK(occurrences(svg, "stroke=\"#ffffff\"") == 6);

  // Linear colours over the finite values 0.05 … 1: the ends of the map at
  // the ends, gray for NaN.
  CHECK(g.color(0.05) == plot::viridis(0));
  CHECK(g.color(1.0) == plot::viridis(1));
  CHECK(g.color(0.525) == plot::viridis(0.5));
  CHECK(g.color(std::numeric_limits<double>::infinity()) == plot::gray);
  CHECK(svg.find("fill=\"" + plot::gray.hex() + "\"") != std::string::npos);
  // On a log scale the geometric middle, √(0.05 · 1), is the middle colour.
  g.log_scale();
  CHECK(g.color(std::sqrt(0.05)) == plot::viridis(0.5));
  CHECK(g.color(0.05) == plot::viridis(0));
  // A given range, and values beyond it at the ends.
  g.log_scale(false).range(0, 2);
  CHECK(g.color(1.0) == plot::viridis(0.5));
  CHECK(g.color(5.0) == plot::viridis(1));
  // Another colour map.
  g.colormap(plot::grays);
  CHECK(g.color(0.0) == plot::white);
}

TEST_CASE("plot::ValueGrid: numbers to the digits asked, text readable on dark cells, marks") {
  plot::ValueGrid g = losses();
  CHECK(g.label(0.052345) == "0.0523");
  CHECK(g.label(1.25) == "1.25");
  CHECK(g.label(123.456) == "123");
  CHECK(g.label(-0.5) == "−0.5");
  CHECK(g.label(0) == "0");
  CHECK(g.label(std::numeric_limits<double>::infinity()) == "diverged");
  g.digits(2);
  CHECK(g.label(0.052345) == "0.052");
  CHECK(plot::ValueGrid().label(std::nan("")) == "—");

  // viridis(0) is dark purple: its number is white; viridis(1) is yellow: dark text.
  const std::string svg = g.svg();
  CHECK(svg.find("fill=\"#ffffff\">0.05<") != std::string::npos);
  CHECK(svg.find("fill=\"#ffffff\">1<") == std::string::npos);
  CHECK(svg.find(">1</text>") != std::string::npos);

  const std::size_t before = occurrences(g.svg(), "stroke=\"#000000\" stroke-width=\"3\"");
  g.mark(0, 1);
  CHECK(occurrences(g.svg(), "stroke=\"#000000\" stroke-width=\"3\"") == before + 1);
  g.colorbar_label("validation loss").cell_size(80, 40);
  const std::string wider = g.svg();
  CHECK(wider.find(">validation loss<") != std::string::npos);
  CHECK(wider.find("width=\"80\" height=\"40\"") != std::string::npos);
}

TEST_CASE("plot::ValueGrid: mistakes are reported") {
  hnn::Matrix<double> V(2, 2);
  V << 1, 2, 3, 4;
  plot::ValueGrid g("grid");
  check_throws_with<hnn::ArgumentError>([&] { (void)g.svg(); },
                                        "plot::ValueGrid \"grid\": no values");
  g.values(V).rows("r", {"a", "b", "c"}).columns("c", {"x", "y"});
  check_throws_with<hnn::ArgumentError>([&] { (void)g.svg(); },
                                        "3 row and 2 column names for 2 × 2 values");
  g.rows("r", {"a", "b"});
  CHECK_NOTHROW((void)g.svg());
  g.mark(2, 0);
  check_throws_with<hnn::ArgumentError>([&] { (void)g.svg(); },
                                        "marked cell (2, 0) is outside the grid");
  plot::ValueGrid h("h");
  V(0, 0) = 0;
  h.values(V).rows("", {"a", "b"}).columns("", {"x", "y"}).log_scale();
  check_throws_with<hnn::ArgumentError>([&] { (void)h.svg(); },
                                        "a log scale needs values > 0, got 0");
  check_throws_with<hnn::ArgumentError>([&] { h.range(1, 1); }, "need finite lo < hi");
  check_throws_with<hnn::ArgumentError>([&] { h.digits(0); }, "digits");
  check_throws_with<hnn::ArgumentError>([&] { h.cell_size(0, 3); }, "cell_size");
}

TEST_CASE("plot::ValueGrid: save writes the document") {
  hnn_test::TempDir dir;
  const std::string path = dir.file("grid.svg");
  const plot::ValueGrid g = losses();
  g.save(path);
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == g.svg());
}

}  // namespace value_grid_tests

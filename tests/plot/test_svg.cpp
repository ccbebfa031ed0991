// SPDX-License-Identifier: MIT
// The SVG writer: colours, number and tick formatting, where data lands on
// the page, rasters, errors, files, and — when the build found libexpat
// (HNN_HAVE_EXPAT) — that every document parses as XML and holds the series
// it was given. tests/plot/check_svg.py checks the examples' pictures the
// same way with Python's XML parser.

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/plot/svg.hpp"
#include "test_support.hpp"

#if defined(HNN_HAVE_EXPAT)
#include <expat.h>
#endif

namespace plot = hnn::plot;
namespace detail = hnn::plot::detail;

namespace {

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

std::vector<double> tick_values(const std::vector<detail::Tick>& ticks, bool labelled_only = true) {
  std::vector<double> v;
  for (const auto& t : ticks)
    if (!labelled_only || !t.label.empty()) v.push_back(t.value);
  return v;
}

std::vector<std::string> tick_labels(const std::vector<detail::Tick>& ticks) {
  std::vector<std::string> v;
  for (const auto& t : ticks)
    if (!t.label.empty()) v.push_back(t.label);
  return v;
}

// A chart with every kind of content.
plot::Chart everything() {
  plot::Chart c("Loss & accuracy <test>");
  c.x_label("epoch").y_label("loss \"L\"").log_y().legend(plot::Legend::outside);
  c.line("train", {1.0, 0.5, 0.25, 0.125});
  c.line("validation", {1.1, 0.6, 0.4, 0.35},
         plot::Style().dashed().markers(3, plot::Marker::diamond).marker_every(2, 1));
  c.scatter("best", {3.0}, {0.4},
            plot::Style().outline(plot::black).markers(4, plot::Marker::cross));
  c.histogram("counts", {1, 2, 3}, {0.2, 0.3}, plot::Overflow{0.1, 0.4}, plot::Style().fill(0.2));
  c.hline(0.3, "goal");
  c.annotate(2, 0.5, "a <note>");
  plot::Raster r(2, 2, plot::viridis(0.5));
  c.image(r, 1, 4, 0.1, 1.0).colorbar(plot::viridis, 0, 1, "density");
  return c;
}

#if defined(HNN_HAVE_EXPAT)
// Parses `text` with expat; returns the error ("" when well-formed), the
// root element's name, and the <title> of every <g class="series">.
struct Parsed {
  std::string error;
  std::string root;
  std::vector<std::string> series;
};

Parsed parse_xml(const std::string& text) {
  struct State {
    Parsed result;
    int depth = 0;
    std::vector<bool> series_group;  // per open element: is it a <g class="series">?
    bool in_series_title = false;
    std::string title;
  } state;
  XML_Parser parser = XML_ParserCreate("UTF-8");
  XML_SetUserData(parser, &state);
  XML_SetElementHandler(
      parser,
      [](void* data, const XML_Char* name, const XML_Char** attributes) {
        auto& s = *static_cast<State*>(data);
        const std::string element = name;
        if (s.depth++ == 0) s.result.root = element;
        bool series = false;
        for (int k = 0; attributes[k]; k += 2)
          series |= element == "g" && std::string(attributes[k]) == "class" &&
                    std::string(attributes[k + 1]) == "series";
        s.in_series_title = element == "title" && !s.series_group.empty() && s.series_group.back();
        s.title.clear();
        s.series_group.push_back(series);
      },
      [](void* data, const XML_Char*) {
        auto& s = *static_cast<State*>(data);
        if (s.in_series_title) s.result.series.push_back(s.title);
        s.in_series_title = false;
        s.series_group.pop_back();
        --s.depth;
      });
  XML_SetCharacterDataHandler(parser, [](void* data, const XML_Char* chars, int length) {
    auto& s = *static_cast<State*>(data);
    if (s.in_series_title) s.title.append(chars, std::size_t(length));
  });
  if (XML_Parse(parser, text.data(), int(text.size()), 1) == XML_STATUS_ERROR) {
    state.result.error = std::string(XML_ErrorString(XML_GetErrorCode(parser))) + " at line " +
                         std::to_string(XML_GetCurrentLineNumber(parser));
  }
  XML_ParserFree(parser);
  return state.result;
}
#endif

}  // namespace

TEST_CASE("plot: colours, palettes and colour maps") {
  CHECK(plot::rgb(0x1f77b4).hex() == "#1f77b4");
  CHECK(plot::palette(0) == plot::rgb(0x1f77b4));
  CHECK(plot::palette(10) == plot::palette(0));  // the cycle repeats
  CHECK(plot::mix(plot::black, plot::white, 0.5).hex() == "#808080");
  CHECK(plot::mix(plot::black, plot::white, 2.0) == plot::white);  // t is clamped
  CHECK(plot::viridis(0).hex() == "#440154");
  CHECK(plot::viridis(1).hex() == "#fde725");
  CHECK(plot::viridis(std::numeric_limits<double>::quiet_NaN()).hex() == "#440154");
  CHECK(plot::diverging(0.5).hex() == "#f7f7f7");  // white in the middle
  CHECK(plot::grays(1) == plot::black);
}

TEST_CASE("plot: numbers, text and escaping") {
  CHECK(detail::number(12.50) == "12.5");
  CHECK(detail::number(3.0) == "3");
  CHECK(detail::number(-0.04) == "0");  // not "-0"
  CHECK(detail::number(2.345, 2) == "2.35");
  CHECK(detail::xml_escape("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
  CHECK(detail::power_of_ten(-3) == "10⁻³");
  CHECK(detail::power_of_ten(12) == "10¹²");
  CHECK(detail::display_length("‖∂L/∂W‖") == 7);
}

TEST_CASE("plot: linear ticks step by 1, 2 or 5 times a power of ten") {
  CHECK(detail::nice_step(0.23) == doctest::Approx(0.2));
  CHECK(detail::nice_step(0.3) == doctest::Approx(0.5));
  CHECK(detail::nice_step(0.7) == doctest::Approx(1));
  CHECK(detail::nice_step(140) == doctest::Approx(100));

  const auto unit = detail::linear_ticks(0, 1, 5);
  CHECK(tick_labels(unit) == std::vector<std::string>{"0", "0.2", "0.4", "0.6", "0.8", "1"});
  const auto wide = detail::linear_ticks(-3.3, 7.1, 5);
  CHECK(tick_values(wide) == std::vector<double>{-2, 0, 2, 4, 6});
  CHECK(tick_labels(wide).front() == "−2");  // a real minus sign
  const auto tiny = detail::linear_ticks(0, 0.0004, 4);
  CHECK(tick_labels(tiny) == std::vector<std::string>{"0", "1×10⁻⁴", "2×10⁻⁴", "3×10⁻⁴", "4×10⁻⁴"});
}

TEST_CASE("plot: log ticks at powers of ten, with minor ticks between") {
  const auto few = detail::log_ticks(1e-3, 10);
  CHECK(tick_labels(few) == std::vector<std::string>{"0.001", "0.01", "0.1", "1", "10"});
  CHECK(few.size() == 5 + 4 * 8);  // 2…9 × 10ⁿ in each of the four decades

  const auto many = detail::log_ticks(1e-7, 10);  // nine decades: every other one labelled
  CHECK(tick_labels(many) == std::vector<std::string>{"10⁻⁷", "10⁻⁵", "10⁻³", "10⁻¹", "10¹"});

  const auto narrow = detail::log_ticks(2, 30);  // less than two decades: 1-2-5 steps
  CHECK(tick_labels(narrow) == std::vector<std::string>{"2", "5", "10", "20"});
}

TEST_CASE("plot: data lands where the axes say") {
  // 480 × 320 with no title or axis labels: margins left 52, right 16,
  // top 10, bottom 26, so the plot area is (52, 10) to (464, 294).
  plot::Chart c;
  c.x_range(0, 1).y_range(0, 1).legend(plot::Legend::none).grid(false);
  c.line("diagonal", {0.0, 0.5, 1.0}, {0.0, 0.5, 1.0});
  CHECK(c.svg().find("points=\"52,294 258,152 464,10\"") != std::string::npos);

  plot::Chart log;
  log.x_range(0, 1).y_range(1, 100).log_y().legend(plot::Legend::none);
  log.line("powers", {0.0, 1.0}, {10.0, 100.0});  // 10 is half way up a 1…100 log axis
  CHECK(log.svg().find("points=\"52,152 464,10\"") != std::string::npos);

  plot::Chart epochs;
  epochs.x_range(0, 4).y_range(0, 1).legend(plot::Legend::none);
  epochs.line("per epoch", {0.0, 1.0});  // x = 1, 2
  CHECK(epochs.svg().find("points=\"155,294 258,10\"") != std::string::npos);
}

TEST_CASE("plot: a NaN, or a non-positive value on a log axis, breaks the line") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  plot::Chart c;
  c.line("gappy", {1, 2, 3, 4, 5}, {1, 2, nan, 4, 5});
  CHECK(count(c.svg(), "<polyline") == 2);

  plot::Chart log;
  log.log_y().line("with a zero", {1, 2, 3, 4}, {1, 2, 0, 4});
  const std::string s = log.svg();
  CHECK(count(s, "<polyline") == 1);  // (1, 1)–(2, 2); (4, 4) alone is a dot
  CHECK(count(s, "<circle") == 1);
}

TEST_CASE("plot: every series is a titled group, and text is escaped") {
  plot::Chart c("A & B");
  c.line("train <a>", {1.0, 2.0}).line("val & b", {2.0, 1.0});
  const std::string s = c.svg();
  CHECK(count(s, "<g class=\"series\"") == 2);
  CHECK(s.find("<title>train &lt;a&gt;</title>") != std::string::npos);
  CHECK(s.find("<title>val &amp; b</title>") != std::string::npos);
  CHECK(s.find(">A &amp; B</text>") != std::string::npos);
  CHECK(s.find("A & B") == std::string::npos);
  CHECK(s.rfind(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"",
            0) == 0);
  // Unnamed series are drawn but not in the legend.
  plot::Chart quiet;
  quiet.line("", {1.0, 2.0});
  CHECK(quiet.svg().find("class=\"legend\"") == std::string::npos);
}

TEST_CASE("plot: a raster is a background and one path per other colour, runs merged") {
  const plot::Color a = plot::rgb(0x112233), b = plot::rgb(0x445566), c = plot::rgb(0x778899);
  plot::Raster r(3, 4, b);  // row 0: a a b a    row 1: b b b b    row 2: c b a a
  r(0, 0) = r(0, 1) = r(0, 3) = a;
  r(2, 0) = c;
  r(2, 2) = r(2, 3) = a;
  plot::Svg doc(40, 30);
  r.draw(doc, 0, 0, 40, 30);
  const std::string s = doc.str();
  CHECK(s.find("scale(10 10)") != std::string::npos);  // one cell is 10 × 10 px
  CHECK(s.find("<rect width=\"4\" height=\"3\" fill=\"#445566\"/>") != std::string::npos);
  // Row 0: cells 0–1, then 1 to the right of their end, cell 3; row 2: cells 2–3.
  CHECK(s.find("<path stroke=\"#112233\" d=\"M0 0.5h2m1 0h1M2 2.5h2\"/>") != std::string::npos);
  CHECK(s.find("<path stroke=\"#778899\" d=\"M0 2.5h1\"/>") != std::string::npos);
  CHECK(count(s, "<path") == 2);  // nothing drawn in the background colour
  CHECK_THROWS_AS(r(3, 0), hnn::ArgumentError);
  CHECK_THROWS_AS(r(0, -1), hnn::ArgumentError);

  Eigen::MatrixXd values(1, 4);
  values << -1, 0, 0.5, 2;  // below the range, its ends, above it
  const auto h = plot::heatmap(values, plot::grays, 0, 1, 3);
  CHECK(h(0, 0) == plot::white);
  CHECK(h(0, 1) == plot::white);
  CHECK(h(0, 2) == plot::grays(0.5));
  CHECK(h(0, 3) == plot::black);
}

TEST_CASE("plot: an arrow is a shaft up to its head and a head whose tip is the end") {
  plot::Svg doc(100, 100);
  doc.arrow(10, 50, 90, 50, "#000000", 2, "", 10);  // 10 px head, 9 px wide
  const std::string s = doc.str();
  CHECK(s.find("<g class=\"arrow\">") != std::string::npos);
  CHECK(s.find("<line x1=\"10\" y1=\"50\" x2=\"80\" y2=\"50\"") != std::string::npos);
  CHECK(s.find("<polygon points=\"90,50 80,54.5 80,45.5\" fill=\"#000000\"/>") !=
        std::string::npos);
  plot::Svg up(100, 100);
  up.arrow(50, 90, 50, 20, "#d62728", 1.5, "4 3", 8);  // upwards: the head points to y = 20
  CHECK(up.str().find("points=\"50,20 53.6,28 46.4,28\"") != std::string::npos);
  CHECK(up.str().find("stroke-dasharray=\"4 3\"") != std::string::npos);
  CHECK_THROWS_AS(doc.arrow(5, 5, 5, 5, "#000000"), hnn::ArgumentError);

  plot::Svg boxes(100, 100);
  boxes.rect(10, 10, 80, 30, "#ffffff", "#444444", 1, 6);
  boxes.rect(10, 50, 80, 30, "#ffffff");
  CHECK(boxes.str().find("<rect x=\"10\" y=\"10\" width=\"80\" height=\"30\" rx=\"6\"") !=
        std::string::npos);
  CHECK(count(boxes.str(), " rx=") == 1);  // square corners unless asked
}

TEST_CASE("plot: markers of every shape, on every point or every k-th") {
  // The plot area of a 480 × 320 chart without labels is (52, 10) to (464, 294).
  const auto chart = [](plot::Style style) {
    plot::Chart c;
    c.x_range(0, 1).y_range(0, 1).legend(plot::Legend::none).grid(false);
    c.line("m", {0.0, 0.25, 0.5, 0.75, 1.0}, {0.5, 0.5, 0.5, 0.5, 0.5}, style);
    return c.svg();
  };
  CHECK(count(chart(plot::Style().markers(3)), "<circle") == 5);
  CHECK(count(chart(plot::Style().markers(3).marker_every(2)), "<circle") == 3);  // 0, 2, 4
  const std::string odd = chart(plot::Style().markers(3).marker_every(2, 1));     // 1, 3
  CHECK(count(odd, "<circle") == 2);
  CHECK(odd.find("<circle cx=\"155\" cy=\"152\"") != std::string::npos);
  CHECK(odd.find("<circle cx=\"361\" cy=\"152\"") != std::string::npos);
  // A square of the circle's area: side √π · 3 = 5.3 px, centred on (52, 152).
  const std::string square = chart(plot::Style().markers(3, plot::Marker::square).marker_every(4));
  CHECK(count(square, "<polygon") == 2);
  CHECK(square.find("<polygon points=\"49.3,149.3 54.7,149.3 54.7,154.7 49.3,154.7\"") !=
        std::string::npos);
  CHECK(count(chart(plot::Style().markers(3, plot::Marker::triangle)), "<polygon") == 5);
  CHECK(count(chart(plot::Style().markers(3, plot::Marker::diamond)), "<polygon") == 5);

  // A triangle is centred on its centroid; a cross has 12 corners.
  plot::Svg doc(20, 20);
  plot::detail::marker(doc, plot::Marker::triangle, 10, 10, 3, "#ff0000");
  const std::string t = doc.str();
  const auto at = t.find("points=\"") + 8;
  std::istringstream corners(t.substr(at, t.find('"', at) - at));
  double sx = 0, sy = 0;
  for (std::string pair; corners >> pair;) {
    sx += std::stod(pair.substr(0, pair.find(',')));
    sy += std::stod(pair.substr(pair.find(',') + 1));
  }
  CHECK(sx / 3 == doctest::Approx(10).epsilon(0.01));
  CHECK(sy / 3 == doctest::Approx(10).epsilon(0.01));
  plot::Svg cross(20, 20);
  plot::detail::marker(cross, plot::Marker::cross, 10, 10, 3, "");
  const std::string x = cross.str().substr(cross.str().find("<polygon"));
  CHECK(count(x, ",") == 12);
  CHECK(x.find("fill=") == std::string::npos);  // the enclosing group fills it

  // Scatter points and legend entries take the shape too.
  plot::Chart c;
  c.scatter("crosses", {1.0, 2.0}, {1.0, 2.0}, plot::Style().markers(4, plot::Marker::cross));
  CHECK(count(c.svg(), "<polygon") == 3);  // two points and the legend's
  CHECK(count(c.svg(), "<circle") == 0);
}

TEST_CASE("plot: notes sit beside their data point and do not move the axes") {
  plot::Chart c;
  c.x_range(0, 1).y_range(0, 1).legend(plot::Legend::none);
  c.annotate(0.5, 0.5, "right of (0.5, 0.5)")
      .annotate(0.5, 0.5, "left", plot::rgb(0xd62728), plot::Svg::Anchor::end)
      .annotate(0.5, 0.5, "above", plot::black, plot::Svg::Anchor::middle)
      .annotate(2, 0.5, "outside the axes");
  const std::string s = c.svg();  // (0.5, 0.5) is page (258, 152)
  CHECK(s.find("<text x=\"264\" y=\"156\" font-size=\"11\">right of (0.5, 0.5)</text>") !=
        std::string::npos);
  CHECK(s.find("<text x=\"252\" y=\"156\" font-size=\"11\" text-anchor=\"end\" "
               "fill=\"#d62728\">left</text>") != std::string::npos);
  CHECK(s.find("<text x=\"258\" y=\"144\" font-size=\"11\" text-anchor=\"middle\" "
               "fill=\"#000000\">above</text>") != std::string::npos);
  CHECK(s.find("outside the axes") == std::string::npos);
}

TEST_CASE("plot: a histogram's out-of-range counts are bars on labelled bands") {
  // Bins [−1, 0) and [0, 1]; 2 values below −1 and 5 above 1. With x in
  // [−6, 6] and y in [0, 10]: page x = 52 + (x + 6)/12 · 412, y = 294 − 28.4 y.
  plot::Chart c;
  c.x_range(-6, 6).y_range(0, 10).legend(plot::Legend::none);
  c.histogram("h", {-1, 0, 1}, {3, 4}, plot::Overflow{2, 5});
  c.histogram("same edges", {-1, 0, 1}, {1, 1}, plot::Overflow{0, 1});
  const std::string s = c.svg();
  // The underflow bar covers [−5, −2] (three bins, one bin's gap below −1);
  // the overflow bar [2, 5].
  CHECK(s.find("points=\"86.3,294 86.3,237.2 189.3,237.2 189.3,294\"") != std::string::npos);
  CHECK(s.find("points=\"326.7,294 326.7,152 429.7,152 429.7,294\"") != std::string::npos);
  CHECK(count(s, "<polyline") == 6);  // per histogram: the bins and two bars
  // One band per side, however many histograms share it, each labelled.
  CHECK(count(s, "fill=\"#eeeeee\"") == 2);
  CHECK(s.find(">&lt; −1</text>") != std::string::npos);
  CHECK(s.find(">&gt; 1</text>") != std::string::npos);
  // No x tick labels beyond the edges: of −6, −4, … 6 only 0 is a value of the bins.
  const auto ticks = s.substr(s.find("class=\"tick-labels\""));
  const std::string x_tick = " font-size=\"11\" text-anchor=\"middle\">";
  CHECK(ticks.find("x=\"258\" y=\"311\"" + x_tick + "0</text>") != std::string::npos);
  CHECK(count(ticks.substr(0, ticks.find("</g>")), x_tick) == 1);
}

TEST_CASE("plot: mistakes are reported with the series or setting named") {
  plot::Chart c;
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] {
        c.line("short", {1.0, 2.0}, {1.0});
      },
      "\"short\" has 2 x values but 1 y values");
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] {
        c.histogram("h", {1.0, 2.0}, {1.0, 2.0});
      },
      "need one more edge");
  CHECK_THROWS_AS(c.y_range(1, 1), hnn::ArgumentError);
  CHECK_THROWS_AS(c.size(0, 100), hnn::ArgumentError);
  CHECK_THROWS_AS(plot::Raster(0, 3), hnn::ArgumentError);
  CHECK_THROWS_AS(plot::Figure(0), hnn::ArgumentError);
  CHECK_THROWS_AS(plot::Figure().svg(), hnn::ArgumentError);
  hnn_test::check_throws_with<hnn::ArgumentError>([] { plot::Style().marker_every(0); },
                                                  "marker_every");
  plot::Chart log;
  log.log_y().y_range(0, 10);
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { (void)log.svg(); }, "log axis");
}

TEST_CASE("plot: save writes the whole document, or throws FileError naming the file") {
  const hnn_test::TempDir temp;
  const auto& dir = temp.folder();
  const plot::Chart c = everything();
  const std::string path = (dir / "chart.svg").string();
  c.save(path);
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  CHECK(text.str() == c.svg());
  const std::string bad = (dir / "missing" / "chart.svg").string();
  hnn_test::check_throws_with<hnn::FileError>([&] { c.save(bad); }, bad);
}

TEST_CASE("plot: charts and figures are well-formed XML holding their series") {
  const plot::Chart c = everything();
  plot::Figure f(2, "Two <panels>");
  f.add(c).add(plot::Chart("second").line("only", {1.0, 2.0}));
  const std::string chart = c.svg(), figure = f.svg();
  CHECK(count(figure, "<clipPath id=\"clip1\"") == 1);  // ids unique within a document
  CHECK(count(figure, "<clipPath id=\"clip2\"") == 1);
#if defined(HNN_HAVE_EXPAT)
  const auto parsed = parse_xml(chart);
  CHECK(parsed.error == "");
  CHECK(parsed.root == "svg");
  CHECK(parsed.series == std::vector<std::string>{"train", "validation", "best", "counts"});
  const auto both = parse_xml(figure);
  CHECK(both.error == "");
  CHECK(both.series == std::vector<std::string>{"train", "validation", "best", "counts", "only"});
  CHECK(parse_xml("<svg><g></svg>").error != "");  // the parser does catch mistakes
  plot::Svg graph(200, 100);
  graph.rect(10, 10, 60, 30, "#ffffff", "#444444", 1, 5);
  graph.arrow(70, 25, 150, 25, "#1f77b4");
  graph.text(110, 20, "Z₁ (h × n)", 11, plot::Svg::Anchor::middle);
  CHECK(parse_xml(graph.str()).error == "");
#else
  MESSAGE("built without libexpat: XML well-formedness is checked by tests/plot/check_svg.py");
#endif
}

// SPDX-License-Identifier: MIT
// The shape of one sample (core/shape.hpp: hnn::Shape, check_samples), a
// layer's settings (core/settings.hpp: Setting, Settings, setting,
// setting_word, settings_string), and saving and restoring a generator
// (core/random.hpp: Random::state, Random::set_state).

#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "test_support.hpp"

// Everything in a namespace of this file's own: the suite compiles test files
// together (tests/CMakeLists.txt), where a plain anonymous namespace is shared.
namespace shape_tests {

using hnn::Index;
using hnn::Matrix;
using hnn::Shape;
using hnn_test::check_throws_with;

// ---------------------------------------------------------------------------
// Shape

TEST_CASE("Shape: built from a number, a list, or a pointer and a rank") {
  const Shape flat(784);
  CHECK(flat.known());
  CHECK(flat.rank() == 1);
  CHECK(flat.size() == 784);
  CHECK(flat[0] == 784);
  CHECK(flat.str() == "784");
  CHECK(flat == Shape{784});

  const Shape maps{32, 26, 26};
  CHECK(maps.rank() == 3);
  CHECK(maps.size() == 32 * 26 * 26);
  CHECK(maps[0] == 32);
  CHECK(maps[1] == 26);
  CHECK(maps[2] == 26);
  CHECK(maps.str() == "32×26×26");

  const Index dims[] = {2, 3, 4, 5};
  const Shape four(dims, 4);
  CHECK(four.rank() == 4);
  CHECK(four.size() == 120);
  CHECK(four.str() == "2×3×4×5");
  // Only the first `rank` numbers are the shape.
  CHECK(Shape(dims, 2) == Shape{2, 3});
  CHECK(Shape(dims, 2).size() == 6);
}

TEST_CASE("Shape: the unknown shape is rank 0, size 0, shown as ?") {
  const Shape unknown;
  CHECK_FALSE(unknown.known());
  CHECK(unknown.rank() == 0);
  CHECK(unknown.size() == 0);
  CHECK(unknown.str() == "?");
  CHECK(unknown == Shape());
  CHECK(unknown != Shape(1));
  CHECK_FALSE(Shape{}.known());  // empty braces: the default constructor, not an empty list
}

TEST_CASE("Shape: equal when the rank and every dimension are") {
  CHECK(Shape{2, 3} == Shape{2, 3});
  CHECK(Shape{2, 3} != Shape{3, 2});
  CHECK(Shape{6} != Shape{2, 3});        // same size, other shape
  CHECK(Shape{2, 3} != Shape{2, 3, 1});  // a trailing 1 is a dimension too
  CHECK_FALSE(Shape{1, 28, 28} == Shape{784});
}

TEST_CASE("Shape: a rank outside 1 … 4 or a dimension below 1 is a ShapeError saying so") {
  const Index dims[] = {2, 3, 4, 5, 6};
  check_throws_with<hnn::ShapeError>([&] { (void)Shape(dims, 0); },
                                     "Shape: a sample has 1 to 4 dimensions, got 0");
  check_throws_with<hnn::ShapeError>([&] { (void)Shape(dims, 5); },
                                     "Shape: a sample has 1 to 4 dimensions, got 5");
  check_throws_with<hnn::ShapeError>(
      [] {
        (void)Shape{1, 2, 3, 4, 5};
      },
      "1 to 4 dimensions, got 5");
  check_throws_with<hnn::ShapeError>([] { (void)Shape(std::initializer_list<Index>{}); },
                                     "1 to 4 dimensions, got 0");
  check_throws_with<hnn::ShapeError>(
      [] {
        (void)Shape{2, 0};
      },
      "Shape: every dimension must be ≥ 1, got {2, 0}");
  check_throws_with<hnn::ShapeError>([] { (void)Shape(Index(0)); }, "got {0}");
  check_throws_with<hnn::ShapeError>([] { (void)Shape{3, -1, 4}; }, "got {3, -1, 4}");
  check_throws_with<hnn::ShapeError>([] { (void)Shape::image(0, 28, 28); }, "got {0, 28, 28}");
}

TEST_CASE("Shape: operator[] outside the rank is a ShapeError naming the shape") {
  const Shape s{2, 3};
  check_throws_with<hnn::ShapeError>([&] { (void)s[2]; }, "Shape 2×3: no dimension 2");
  check_throws_with<hnn::ShapeError>([&] { (void)s[-1]; }, "Shape 2×3: no dimension -1");
  check_throws_with<hnn::ShapeError>([] { (void)Shape()[0]; }, "Shape ?: no dimension 0");
}

TEST_CASE("Shape: named constructors say which dimension is which") {
  CHECK(Shape::image(1, 28, 28) == Shape{1, 28, 28});
  CHECK(Shape::image(1, 28, 28).size() == 784);
  CHECK(Shape::image(3, 32, 16).str() == "3×32×16");
  CHECK(Shape::sequence(10, 3) == Shape{10, 3});
  CHECK(Shape::sequence(10, 3)[0] == 10);  // steps first, then features
  CHECK(Shape::vector(5) == Shape{5});
  CHECK(Shape::vector(5) == Shape(5));
}

TEST_CASE("Shape: streams as its str()") {
  std::ostringstream s;
  s << Shape{3, 4} << ' ' << Shape(7) << ' ' << Shape();
  CHECK(s.str() == "3×4 7 ?");
}

TEST_CASE("check_samples: passes, or names who checks, the batch, the rows and the sample shape") {
  const Matrix<float> ok = Matrix<float>::Zero(784, 3), off = Matrix<float>::Zero(783, 3);
  CHECK_NOTHROW(hnn::check_samples("Net.forward", "input", ok, Shape{1, 28, 28}));
  check_throws_with<hnn::ShapeError>(
      [&] {
        hnn::check_samples("Net.forward", "input", off, Shape{1, 28, 28});
      },
      "Net.forward: input has shape (783 × 3), expected 784 rows (samples of 1×28×28 = 784 "
      "values)");
  // A flat vector needs no explanation of its size.
  bool thrown = false;
  try {
    hnn::check_samples("Net.forward", "input", Matrix<float>::Zero(4, 2).eval(), Shape{5});
  } catch (const hnn::ShapeError& e) {
    thrown = true;
    const std::string what = e.what();
    CHECK(what == "Net.forward: input has shape (4 × 2), expected 5 rows");
  }
  CHECK(thrown);
  // `where` as a function: built only when the check fails.
  int built = 0;
  const auto where = [&built] {
    ++built;
    return std::string("Lazy.forward");
  };
  hnn::check_samples(where, "input", ok, Shape{784});
  CHECK(built == 0);
  check_throws_with<hnn::ShapeError>([&] { hnn::check_samples(where, "input", off, Shape{784}); },
                                     "Lazy.forward: input has shape (783 × 3)");
  CHECK(built == 1);
}

// ---------------------------------------------------------------------------
// Setting and Settings

TEST_CASE("Setting: a number or a word, each readable only as what it is") {
  const hnn::Setting n(0.2);
  CHECK(n.is_number());
  CHECK_FALSE(n.is_word());
  CHECK(n.number() == 0.2);
  CHECK(n.str() == "0.2");
  check_throws_with<hnn::ArgumentError>([&] { (void)n.word(); },
                                        "setting is the number 0.2, not a word");

  const hnn::Setting w("same");
  CHECK(w.is_word());
  CHECK_FALSE(w.is_number());
  CHECK(w.word() == "same");
  CHECK(w.str() == "same");
  check_throws_with<hnn::ArgumentError>([&] { (void)w.number(); },
                                        "setting is the word \"same\", not a number");

  CHECK(hnn::Setting(std::string("valid")).word() == "valid");
  CHECK(hnn::Setting(784.0).str() == "784");
  std::ostringstream s;
  s << hnn::Setting(784.0) << ' ' << hnn::Setting("same");
  CHECK(s.str() == "784 same");
}

TEST_CASE("Setting: equal only when the kind and the value are") {
  CHECK(hnn::Setting(1.0) == hnn::Setting(1.0));
  CHECK(hnn::Setting(1.0) != hnn::Setting(2.0));
  CHECK(hnn::Setting("same") == hnn::Setting(std::string("same")));
  CHECK(hnn::Setting("same") != hnn::Setting("valid"));
  // The word "1" and the number 1 print alike but are different settings;
  // so are the number 0 and the empty word (the defaults of the other kind).
  CHECK(hnn::Setting("1").str() == hnn::Setting(1.0).str());
  CHECK(hnn::Setting("1") != hnn::Setting(1.0));
  CHECK(hnn::Setting(1.0) != hnn::Setting("1"));
  CHECK(hnn::Setting(0.0) != hnn::Setting(""));
  CHECK(hnn::Setting("") != hnn::Setting(0.0));
  // Lists of settings compare element by element (load_weights relies on it).
  const hnn::Settings a{{"in", 4.0}, {"mode", "same"}}, b{{"in", 4.0}, {"mode", "valid"}};
  CHECK(a == hnn::Settings{{"in", 4.0}, {"mode", "same"}});
  CHECK(a != b);
}

TEST_CASE("Settings: setting() and setting_word() read by name, and errors name the setting") {
  const hnn::Settings s{{"in", 784.0}, {"mode", "same"}, {"alpha", 0.25}};
  CHECK(hnn::setting(s, "in") == 784);
  CHECK(hnn::setting(s, "alpha") == 0.25);
  CHECK(hnn::setting_word(s, "mode") == "same");
  CHECK(hnn::find_setting(s, "mode").is_word());
  check_throws_with<hnn::ArgumentError>([&] { hnn::setting(s, "mode"); },
                                        "setting \"mode\" is the word \"same\", expected a number");
  check_throws_with<hnn::ArgumentError>([&] { hnn::setting_word(s, "in"); },
                                        "setting \"in\" is the number 784, expected a word");
  check_throws_with<hnn::ArgumentError>([&] { hnn::setting(s, "out"); }, "missing setting \"out\"");
  check_throws_with<hnn::ArgumentError>([&] { hnn::setting_word(s, "padding"); },
                                        "missing setting \"padding\"");
  CHECK(hnn::settings_string(s) == "in=784, mode=same, alpha=0.25");
  CHECK(hnn::settings_string({}).empty());
}

// ---------------------------------------------------------------------------
// Random::state and Random::set_state

namespace {

// The next draws of every kind, as one list of numbers.
std::vector<double> next_draws(hnn::Random& r) {
  std::vector<double> d;
  d.push_back(r.normal());  // the Box–Muller spare, if one is kept
  d.push_back(r.uniform());
  d.push_back(double(r.below(1000)));
  d.push_back(r.normal());
  d.push_back(r.normal());
  d.push_back(r.uniform(-3, 3));
  return d;
}

// The state text with its last two fields (spare flag, spare bits) replaced.
std::string with_spare_fields(const std::string& state, const std::string& fields) {
  const std::size_t last = state.rfind(' ');
  const std::size_t flag = state.rfind(' ', last - 1);
  return state.substr(0, flag + 1) + fields;
}

}  // namespace

TEST_CASE(
    "Random: set_state(state()) gives the same following draws, Box–Muller's spare included") {
  for (const bool spare : {false, true}) {
    INFO("a spare normal kept: " << spare);
    hnn::Random a(123);
    a.uniform();
    if (spare) a.normal();  // draws a pair and keeps the sine twin
    const std::string state = a.state();

    hnn::Random b(999);  // another generator, somewhere else in its sequence
    b.normal();
    b.set_state(state);
    CHECK(b.state() == state);
    const std::vector<double> from_a = next_draws(a), from_b = next_draws(b);
    CHECK(from_a == from_b);  // exact, not approximate

    if (spare) {
      // Without the spare the first normal would be a new pair's cosine: a
      // state that kept only the engine would be caught above.
      hnn::Random c(1);
      c.set_state(with_spare_fields(state, "0 0"));
      CHECK(c.normal() != from_a[0]);
    }
  }
}

TEST_CASE("Random: a malformed state is an ArgumentError and changes nothing") {
  hnn::Random r(5);
  r.normal();
  const std::string before = r.state();
  const std::vector<std::string> bad{
      "",
      "garbage",
      before.substr(0, before.size() / 2),  // the engine cut short
      before + " 7",                        // something after the state
      with_spare_fields(before, "2 0"),     // a spare flag that is neither 0 nor 1
      with_spare_fields(before, "1"),       // the spare's bits missing
      with_spare_fields(before, "1 x"),
  };
  for (const auto& text : bad) {
    INFO("state text of " << text.size() << " characters ending \""
                          << text.substr(text.size() > 20 ? text.size() - 20 : 0) << '"');
    check_throws_with<hnn::ArgumentError>([&] { r.set_state(text); },
                                          "Random::set_state: not a state written by "
                                          "Random::state()");
    CHECK(r.state() == before);
  }
  hnn::Random fresh(5);
  fresh.normal();
  CHECK(next_draws(r) == next_draws(fresh));  // the failed calls left it drawing as before
}

}  // namespace shape_tests

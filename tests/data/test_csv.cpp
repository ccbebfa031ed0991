// SPDX-License-Identifier: MIT
// The CSV reader: the committed files in tests/data/files (a valid file with
// spaces, quotes, a blank line and a label column; CRLF with a byte order
// mark; no header), the label column by name and by index, and one file for
// each error, whose message must name the file, the line and the column.

#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "hnn/data/csv.hpp"
#include "test_support.hpp"

using hnn::Index;
using hnn::Matrix;

TEST_CASE_TEMPLATE("CSV: a label column by name, one sample per column", Scalar, float, double) {
  // sepal_length, sepal_width,"petal, length",species
  // 5.1,3.5,1.4,0 /  4.9 , 3 ,+1.4e0,0 / (blank) / 6.3,"2.5",-5,2 / 7.0,3.2,4.7,1
  const auto d = hnn::read_csv<Scalar>(hnn_test::data_file("valid.csv"), "species");
  REQUIRE(d.X.rows() == 3);
  REQUIRE(d.X.cols() == 4);
  Matrix<Scalar> expected(3, 4);
  expected << Scalar(5.1), Scalar(4.9), Scalar(6.3), Scalar(7.0),  //
      Scalar(3.5), Scalar(3), Scalar(2.5), Scalar(3.2),            //
      Scalar(1.4), Scalar(1.4), Scalar(-5), Scalar(4.7);
  CHECK(d.X == expected);
  REQUIRE(d.y.size() == 4);
  CHECK(d.y(0) == 0);
  CHECK(d.y(1) == 0);
  CHECK(d.y(2) == 2);
  CHECK(d.y(3) == 1);
  CHECK(d.num_classes == 3);
  CHECK(d.label_name == "species");
  REQUIRE(d.feature_names.size() == 3);
  CHECK(d.feature_names[0] == "sepal_length");
  CHECK(d.feature_names[1] == "sepal_width");  // spaces around a name are trimmed
  CHECK(d.feature_names[2] == "petal, length");
}

TEST_CASE("CSV: the label column by index (0 the first, −1 the last), or none") {
  const auto by_name = hnn::read_csv(hnn_test::data_file("valid.csv"), "species");
  const auto by_index = hnn::read_csv(hnn_test::data_file("valid.csv"), 3);
  const auto by_last = hnn::read_csv(hnn_test::data_file("valid.csv"), -1);
  CHECK(by_index.X == by_name.X);
  CHECK(by_index.y == by_name.y);
  CHECK(by_last.y == by_name.y);

  // Column 0 holds measurements, not class indices: named in the error as column 1.
  hnn_test::check_file_error(
      [] { hnn::read_csv(hnn_test::data_file("valid.csv"), 0); },
      "valid.csv, line 2, column 1 (\"sepal_length\"): label \"5.1\" is not a "
      "class index");
}

TEST_CASE("CSV: more layouts") {
  SUBCASE("no label column: every column is a feature") {
    const auto d = hnn::read_csv(hnn_test::data_file("valid.csv"));
    CHECK(d.X.rows() == 4);
    CHECK(d.X.cols() == 4);
    CHECK(d.y.size() == 0);
    CHECK(d.num_classes == 0);
    CHECK(d.X(3, 2) == 2.0f);
  }
  SUBCASE("CRLF line ends and a UTF-8 byte order mark") {
    const auto d = hnn::read_csv(hnn_test::data_file("crlf_bom.csv"), "label");
    REQUIRE(d.feature_names.size() == 2);
    CHECK(d.feature_names[0] == "a");  // not "\xEF\xBB\xBFa"
    CHECK(d.X.cols() == 2);
    CHECK(d.X(1, 1) == 4.0f);
    CHECK(d.y(0) == 1);
  }
  SUBCASE("no header: columns are named by position, the label given by index") {
    hnn::CsvOptions o;
    o.header = false;
    const auto d = hnn::read_csv(hnn_test::data_file("no_header.csv"), 2, o);
    CHECK(d.X.rows() == 2);
    CHECK(d.X.cols() == 2);
    CHECK(d.feature_names[1] == "column 2");
    CHECK(d.label_name == "column 3");
    CHECK(d.y(1) == 6);
    CHECK(d.num_classes == 7);
  }
  SUBCASE("a stream, with tabs between cells") {
    std::istringstream in("x\ty\tclass\n1.5\t-2\t1\n0\t1e3\t0\n");
    hnn::CsvOptions o;
    o.delimiter = '\t';
    const auto d = hnn::parse_csv<double>(in, "table.tsv", "class", o);
    CHECK(d.X(0, 0) == 1.5);
    CHECK(d.X(1, 1) == 1000.0);
    CHECK(d.y(0) == 1);
  }
}

TEST_CASE("CSV: each error names the file, the line and the column") {
  SUBCASE("empty file, blank lines only, header without rows") {
    hnn_test::check_file_error([] { hnn::read_csv(hnn_test::data_file("empty.csv")); },
                               "empty.csv: the file is empty");
    hnn_test::check_file_error([] { hnn::read_csv(hnn_test::data_file("blank_lines.csv")); },
                               "blank_lines.csv: the file is empty");
    hnn_test::check_file_error(
        [] { hnn::read_csv(hnn_test::data_file("header_only.csv"), "label"); },
        "header_only.csv: no data rows after the header (line 1)");
  }
  SUBCASE("missing file") {
    hnn_test::check_file_error([] { hnn::read_csv(hnn_test::data_file("no-such-file.csv")); },
                               "no-such-file.csv: cannot open (No such file or directory)");
  }
  SUBCASE("ragged rows") {
    hnn_test::check_file_error(
        [] { hnn::read_csv(hnn_test::data_file("ragged.csv"), "label"); },
        "ragged.csv, line 3: 2 cells, expected 3 (as the header on line 1 has)");
    hnn_test::check_file_error(
        [] { hnn::read_csv(hnn_test::data_file("ragged_long.csv"), "label"); },
        "ragged_long.csv, line 3: 4 cells, expected 3");
  }
  SUBCASE("cells that are not numbers") {
    hnn_test::check_file_error(
        [] { hnn::read_csv(hnn_test::data_file("non_numeric.csv"), "label"); },
        "non_numeric.csv, line 3, column 2 (\"b\"): non-numeric cell \"abc\"");
    hnn_test::check_file_error(
        [] { hnn::read_csv(hnn_test::data_file("empty_cell.csv"), "label"); },
        "empty_cell.csv, line 2, column 2 (\"b\"): empty cell (a number is needed)");
    hnn_test::check_file_error([] { hnn::read_csv(hnn_test::data_file("na_cell.csv"), "label"); },
                               "na_cell.csv, line 3, column 1 (\"a\"): non-numeric cell \"NA\"");
    hnn_test::check_file_error(
        [] { hnn::read_csv(hnn_test::data_file("nan_cell.csv"), "label"); },
        "nan_cell.csv, line 2, column 2 (\"b\"): cell \"nan\" is not a finite number");
  }
  SUBCASE("a number too large for float, fine for double") {
    hnn_test::check_file_error(
        [] { hnn::read_csv<float>(hnn_test::data_file("float_overflow.csv"), "label"); },
        "float_overflow.csv, line 2, column 1 (\"a\"): number \"1e300\" is out of "
        "range for the Scalar type");
    CHECK(hnn::read_csv<double>(hnn_test::data_file("float_overflow.csv"), "label").X(0, 0) ==
          1e300);
  }
  SUBCASE("labels that are not class indices") {
    hnn_test::check_file_error(
        [] { hnn::read_csv(hnn_test::data_file("bad_label.csv"), "label"); },
        "bad_label.csv, line 3, column 3 (\"label\"): label \"2.5\" is not a class "
        "index (an integer >= 0)");
    hnn_test::check_file_error(
        [] { hnn::read_csv(hnn_test::data_file("negative_label.csv"), "label"); },
        "negative_label.csv, line 2, column 3 (\"label\"): label \"-1\" is not a "
        "class index");
    // Without a label column the same cells are ordinary numbers.
    CHECK(hnn::read_csv(hnn_test::data_file("bad_label.csv")).X(2, 1) == 2.5f);
  }
  SUBCASE("labels larger than a class index can be") {
    // 2147483647 + 1 classes overflowed an int; anything over 2^24 − 1 is refused.
    hnn_test::check_file_error(
        [] { hnn::read_csv(hnn_test::data_file("label_overflow.csv"), "label"); },
        "label_overflow.csv, line 2, column 2 (\"label\"): label \"2147483647\" is larger than a "
        "class index can be (at most 16777215)");
    std::istringstream at_limit("x,label\n1,16777215\n");
    const auto csv = hnn::parse_csv<float>(at_limit, "at-limit", "label");
    CHECK(csv.num_classes == 16777216);
    CHECK(csv.y(0) == hnn::csv_max_label);
    std::istringstream over("x,label\n1,16777216\n");
    hnn_test::check_file_error([&] { hnn::parse_csv<float>(over, "over", "label"); },
                               "label \"16777216\" is larger than a class index can be");
    std::istringstream huge("x,label\n1,1e300\n");
    hnn_test::check_file_error([&] { hnn::parse_csv<float>(huge, "huge", "label"); },
                               "label \"1e300\" is larger than a class index can be");
  }
  SUBCASE("line ends of a lone carriage return") {
    hnn_test::check_file_error(
        [] { hnn::read_csv(hnn_test::data_file("cr_only.csv"), "label"); },
        "cr_only.csv, line 1: a carriage return (\\r) inside the line: are the line ends \\r "
        "alone (classic Mac OS)?");
  }
  SUBCASE("an unterminated quote") {
    hnn_test::check_file_error(
        [] { hnn::read_csv(hnn_test::data_file("unterminated_quote.csv"), "label"); },
        "unterminated_quote.csv, line 2, column 2: unterminated quote");
  }
  SUBCASE("a label column that is not there") {
    hnn_test::check_throws_with<hnn::ArgumentError>(
        [] { hnn::read_csv(hnn_test::data_file("valid.csv"), "class"); },
        "valid.csv: no column named \"class\" for the label; the header has \"sepal_length\", "
        "\"sepal_width\", \"petal, length\", \"species\"");
    hnn_test::check_throws_with<hnn::ArgumentError>(
        [] { hnn::read_csv(hnn_test::data_file("valid.csv"), 4); },
        "valid.csv: label column index 4 is out of range: the file has 4 columns");
    hnn_test::check_throws_with<hnn::ArgumentError>(
        [] { hnn::read_csv(hnn_test::data_file("valid.csv"), -5); },
        "label column index -5 is out of range");
    hnn::CsvOptions o;
    o.header = false;
    hnn_test::check_throws_with<hnn::ArgumentError>(
        [&] { hnn::read_csv(hnn_test::data_file("no_header.csv"), "label", o); },
        "the label column is given by name (\"label\") but the file has no header");
  }
}

// SPDX-License-Identifier: MIT
#pragma once
// A reader for numeric CSV files: tabular data for hnn.
//
//   sepal_length,sepal_width,petal_length,petal_width,species
//   5.1,3.5,1.4,0.2,0
//   …
//
// The first line is a header of column names (CsvOptions::header = false for
// a file without one). Every other non-blank line is one sample, and becomes
// one column of X (features × samples): hnn's one-sample-per-column layout,
// the file transposed. One column may be named as the label column, by name
// or by index (0 is the first column, −1 the last); its cells must be class
// indices (integers ≥ 0) and go into y, not X. For a real-valued target, read
// without a label column and take that row of X.
//
// Cells are decimal numbers ("3", "-0.5", "1e-3", "+2"), with spaces around
// them ignored; a cell may be in double quotes ("1.5", "a,b" in a header; ""
// is a quote). Line ends may be \n or \r\n, a UTF-8 byte order mark is
// skipped, blank lines are skipped. Anything else is a FileError naming the
// file, the line and the column, counted from 1 as editors and spreadsheets
// do: a row with more or fewer cells than the header (ragged), a cell that is
// not a number (empty, "NA", "abc"), a number that is not finite ("nan",
// "inf", or too large for the Scalar type), a label that is not a class index
// (an integer 0 … csv_max_label), an unterminated quote, an empty file, a
// header with no rows under it, line ends of a lone \r.

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>
#include <limits>
#include <locale>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/types.hpp"

namespace hnn {

/// The largest label read_csv accepts: 2^24 − 1.
// A class index must stay exact in a float (one-hot targets and predicted
// classes pass through the model's Scalar), and 2^24 classes is far beyond
// any model a CSV file feeds.
inline constexpr int csv_max_label = (1 << 24) - 1;

/// How to read a CSV file.
struct CsvOptions {
  char delimiter = ',';  ///< the character between fields
  bool header = true;    ///< the first line names the columns
};

/// The numbers of a CSV file: features, and labels when a column holds them.
template <typename Scalar = float>
struct CsvData {
  Matrix<Scalar> X;                        ///< (features × samples), a column per line of the file
  Labels y;                                ///< the label column (empty without one)
  std::vector<std::string> feature_names;  ///< one per row of X ("column 3" without a header)
  std::string label_name;                  ///< empty without a label column
  Index num_classes = 0;                   ///< 1 + the largest label (0 without a label column)
};

namespace detail {

// Which column holds the labels: none, by name, or by index (negative counts
// from the end).
struct CsvLabelSpec {
  enum Kind { none, by_name, by_index } kind = none;
  std::string name;
  Index index = 0;
};

struct CsvContext {
  const std::string& file;
  Index line;
};

inline std::string csv_where(const CsvContext& c) {
  return c.file + ", line " + std::to_string(c.line);
}

inline std::string csv_quoted(const std::string& s) {
  constexpr std::size_t max_shown = 40;
  std::string shown = s.size() > max_shown ? s.substr(0, max_shown) + "…" : s;
  return "\"" + shown + "\"";
}

inline bool csv_space(char ch) {
  return ch == ' ' || ch == '\t';
}

// Splits one line into cells: unquoted cells are trimmed of spaces and tabs;
// a quoted cell keeps what is inside its quotes ("" stands for one quote).
inline std::vector<std::string> csv_split(const std::string& line, char delimiter,
                                          const CsvContext& ctx) {
  std::vector<std::string> cells;
  std::size_t i = 0;
  const std::size_t n = line.size();
  while (true) {
    while (i < n && csv_space(line[i]) && line[i] != delimiter)
      ++i;
    std::string cell;
    if (i < n && line[i] == '"') {
      const std::size_t open = i++;
      bool closed = false;
      while (i < n) {
        if (line[i] == '"') {
          if (i + 1 < n && line[i + 1] == '"') {
            cell += '"';
            i += 2;
          } else {
            ++i;
            closed = true;
            break;
          }
        } else {
          cell += line[i++];
        }
      }
      if (!closed) {
        throw FileError(csv_where(ctx) + ", column " + std::to_string(cells.size() + 1) +
                        ": unterminated quote (opened at character " + std::to_string(open + 1) +
                        "; a quoted cell cannot span lines)");
      }
      while (i < n && csv_space(line[i]) && line[i] != delimiter)
        ++i;
      if (i < n && line[i] != delimiter) {
        throw FileError(csv_where(ctx) + ", column " + std::to_string(cells.size() + 1) +
                        ": unexpected " + csv_quoted(std::string(1, line[i])) +
                        " after a closing quote");
      }
    } else {
      const std::size_t start = i;
      while (i < n && line[i] != delimiter)
        ++i;
      std::size_t end = i;
      while (end > start && csv_space(line[end - 1]))
        --end;
      cell = line.substr(start, end - start);
    }
    cells.push_back(std::move(cell));
    if (i >= n) break;
    ++i;  // the delimiter: another cell follows, possibly empty
  }
  return cells;
}

// Parses a whole cell as a finite number in the C locale, or says why not.
inline bool csv_parse_number(const std::string& cell, double& value, std::string& why) {
  const char* first = cell.data();
  const char* last = cell.data() + cell.size();
  if (first == last) {
    why = "empty cell (a number is needed)";
    return false;
  }
  if (*first == '+' && last - first > 1 && first[1] != '-' && first[1] != '+') ++first;
  bool ok = false;
#if defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L
  const auto r = std::from_chars(first, last, value);
  ok = r.ec == std::errc() && r.ptr == last;
  if (r.ec == std::errc::result_out_of_range && r.ptr == last) {
    why = "number " + csv_quoted(cell) + " is out of range";
    return false;
  }
#else
  std::istringstream in(std::string(first, last));
  in.imbue(std::locale::classic());
  in >> value;
  ok = !in.fail() && in.peek() == std::char_traits<char>::eof();
#endif
  if (!ok) {
    why = "non-numeric cell " + csv_quoted(cell);
    return false;
  }
  if (!std::isfinite(value)) {
    why = "cell " + csv_quoted(cell) + " is not a finite number";
    return false;
  }
  return true;
}

template <typename Scalar>
CsvData<Scalar> read_csv(std::istream& in, const std::string& file, const CsvLabelSpec& label,
                         const CsvOptions& options) {
  CsvData<Scalar> out;
  std::vector<std::string> names;
  Index columns = -1;     // cells per line, fixed by the header or the first row
  Index label_col = -1;   // which of them is the label
  Index header_line = 0;  // where the header (or the first row) was
  Index rows = 0;
  std::vector<Scalar> values;  // row after row, features only: X's column-major storage
  std::vector<int> labels;
  int max_label = -1;

  // Settles the columns once the first line is known.
  auto settle = [&](const std::vector<std::string>& first, const CsvContext& ctx) {
    columns = Index(first.size());
    header_line = ctx.line;
    for (Index c = 0; c < columns; ++c)
      names.push_back(options.header ? first[std::size_t(c)] : "column " + std::to_string(c + 1));
    if (label.kind == CsvLabelSpec::by_name) {
      if (!options.header) {
        throw ArgumentError("read_csv: " + file + ": the label column is given by name (" +
                            csv_quoted(label.name) +
                            ") but the file has no header; give its index instead");
      }
      for (Index c = 0; c < columns; ++c) {
        if (names[std::size_t(c)] != label.name) continue;
        if (label_col >= 0) {
          throw ArgumentError("read_csv: " + file + ": the header names two columns " +
                              csv_quoted(label.name) + " (columns " +
                              std::to_string(label_col + 1) + " and " + std::to_string(c + 1) +
                              "); give the label column's index instead");
        }
        label_col = c;
      }
      if (label_col < 0) {
        std::string list;
        for (const auto& nm : names)
          list += (list.empty() ? "" : ", ") + csv_quoted(nm);
        throw ArgumentError("read_csv: " + file + ": no column named " + csv_quoted(label.name) +
                            " for the label; the header has " + list);
      }
    } else if (label.kind == CsvLabelSpec::by_index) {
      label_col = label.index < 0 ? columns + label.index : label.index;
      if (label_col < 0 || label_col >= columns) {
        throw ArgumentError("read_csv: " + file + ": label column index " +
                            std::to_string(label.index) + " is out of range: the file has " +
                            std::to_string(columns) + " columns (indices 0 … " +
                            std::to_string(columns - 1) + ", or −1 for the last)");
      }
    }
    if (label_col >= 0 && columns == 1) {
      throw ArgumentError("read_csv: " + file +
                          ": the only column is the label column; there are no features");
    }
    for (Index c = 0; c < columns; ++c)
      if (c != label_col) out.feature_names.push_back(names[std::size_t(c)]);
    if (label_col >= 0) out.label_name = names[std::size_t(label_col)];
  };

  std::string line;
  Index line_no = 0;
  bool any_line = false;
  while (std::getline(in, line)) {
    ++line_no;
    if (line_no == 1 && line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0)
      line.erase(0, 3);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find('\r') != std::string::npos) {
      throw FileError(csv_where({file, line_no}) +
                      ": a carriage return (\\r) inside the line: are the line ends \\r alone "
                      "(classic Mac OS)? hnn reads \\n and \\r\\n; convert them, e.g. "
                      "tr '\\r' '\\n' < in.csv > out.csv");
    }
    bool blank = true;
    for (char ch : line)
      if (!csv_space(ch)) {
        blank = false;
        break;
      }
    if (blank) continue;
    any_line = true;
    const CsvContext ctx{file, line_no};
    std::vector<std::string> cells = csv_split(line, options.delimiter, ctx);
    if (columns < 0) {
      settle(cells, ctx);
      if (options.header) continue;
    }
    if (Index(cells.size()) != columns) {
      throw FileError(csv_where(ctx) + ": " + std::to_string(cells.size()) + " cell" +
                      (cells.size() == 1 ? "" : "s") + ", expected " + std::to_string(columns) +
                      " (as " + (options.header ? "the header" : "the first row") + " on line " +
                      std::to_string(header_line) + " has)");
    }
    for (Index c = 0; c < columns; ++c) {
      const std::string& cell = cells[std::size_t(c)];
      double v = 0;
      std::string why;
      auto fail = [&](const std::string& what) {
        throw FileError(csv_where(ctx) + ", column " + std::to_string(c + 1) + " (" +
                        csv_quoted(names[std::size_t(c)]) + "): " + what);
      };
      if (!csv_parse_number(cell, v, why)) fail(why);
      if (c == label_col) {
        if (!(v >= 0 && v == std::floor(v))) {
          fail("label " + csv_quoted(cell) + " is not a class index (an integer >= 0)");
        }
        if (v > double(csv_max_label)) {
          fail("label " + csv_quoted(cell) + " is larger than a class index can be (at most " +
               std::to_string(csv_max_label) + ")");
        }
        labels.push_back(int(v));
        if (int(v) > max_label) max_label = int(v);
      } else {
        const auto s = static_cast<Scalar>(v);
        if (!std::isfinite(static_cast<double>(s))) {
          fail("number " + csv_quoted(cell) + " is out of range for the Scalar type");
        }
        values.push_back(s);
      }
    }
    ++rows;
  }
  if (in.bad()) throw FileError(file + ": read error");
  if (!any_line) throw FileError(file + ": the file is empty");
  if (rows == 0) {
    throw FileError(file + ": no data rows after the header (line " + std::to_string(header_line) +
                    ")");
  }
  const Index features = columns - (label_col >= 0 ? 1 : 0);
  out.X = Eigen::Map<const Matrix<Scalar>>(values.data(), features, rows);
  if (label_col >= 0) {
    out.y = Eigen::Map<const Labels>(labels.data(), rows);
    out.num_classes = max_label + 1;
  }
  return out;
}

template <typename Scalar>
CsvData<Scalar> read_csv_file(const std::string& path, const CsvLabelSpec& label,
                              const CsvOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw FileError(path + ": is a directory");
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    throw FileError(path + ": cannot open (" +
                    (err != 0 ? std::string(std::strerror(err)) : std::string("unknown error")) +
                    ")");
  }
  return read_csv<Scalar>(in, path, label, options);
}

}  // namespace detail

/// Reads every column as a feature: X is (columns × lines).
template <typename Scalar = float>
CsvData<Scalar> read_csv(const std::string& path, const CsvOptions& options = {}) {
  return detail::read_csv_file<Scalar>(path, {}, options);
}

/// Reads with the labels in the column the header names `label_column`.
template <typename Scalar = float>
CsvData<Scalar> read_csv(const std::string& path, const std::string& label_column,
                         const CsvOptions& options = {}) {
  detail::CsvLabelSpec spec;
  spec.kind = detail::CsvLabelSpec::by_name;
  spec.name = label_column;
  return detail::read_csv_file<Scalar>(path, spec, options);
}

/// Reads with the labels in column `label_column` (0 is the first, −1 the last).
template <typename Scalar = float>
CsvData<Scalar> read_csv(const std::string& path, Index label_column,
                         const CsvOptions& options = {}) {
  detail::CsvLabelSpec spec;
  spec.kind = detail::CsvLabelSpec::by_index;
  spec.index = label_column;
  return detail::read_csv_file<Scalar>(path, spec, options);
}

/// The same, from a stream (a string, a fuzzer's input).
// `name` stands for the file name in error messages. label_column: "" for none, or a name.
template <typename Scalar = float>
CsvData<Scalar> parse_csv(std::istream& in, const std::string& name = "<stream>",
                          const std::string& label_column = "", const CsvOptions& options = {}) {
  detail::CsvLabelSpec spec;
  if (!label_column.empty()) {
    spec.kind = detail::CsvLabelSpec::by_name;
    spec.name = label_column;
  }
  return detail::read_csv<Scalar>(in, name, spec, options);
}

}  // namespace hnn

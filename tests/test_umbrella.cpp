// SPDX-License-Identifier: MIT
// The umbrella header and the header conventions: every header under
// include/hnn/ is included by include/hnn/hnn.hpp, and every header starts
// with the SPDX licence line and has `#pragma once`.
//
// The headers are found by walking the checkout (hnn_test::source_dir(),
// tests/source_dir.cpp).

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace hnn_test {
std::string source_dir();  // the checkout's root (tests/source_dir.cpp)
}  // namespace hnn_test

namespace fs = std::filesystem;

namespace {

fs::path source_dir() {
  return fs::path(hnn_test::source_dir());
}

std::vector<std::string> read_lines(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

// Every .hpp under include/hnn/, as "hnn/core/types.hpp", sorted.
std::vector<std::string> all_headers(const fs::path& include_dir) {
  std::vector<std::string> headers;
  for (const auto& entry : fs::recursive_directory_iterator(include_dir / "hnn")) {
    if (entry.is_regular_file() && entry.path().extension() == ".hpp")
      headers.push_back(entry.path().lexically_relative(include_dir).generic_string());
  }
  std::sort(headers.begin(), headers.end());
  return headers;
}

// The hnn headers a file includes: `#include "hnn/…"`.
std::set<std::string> hnn_includes(const fs::path& file) {
  static const std::regex include_line(R"re(^\s*#\s*include\s*"(hnn/[^"]+)")re");
  std::set<std::string> found;
  for (const auto& line : read_lines(file)) {
    std::smatch m;
    if (std::regex_search(line, m, include_line)) found.insert(m[1].str());
  }
  return found;
}

}  // namespace

// A forwarding header kept for code written for an earlier version: its
// comment starts with "Deprecated".
bool is_deprecated_shim(const fs::path& file) {
  const auto lines = read_lines(file);
  return lines.size() > 2 && lines[2].rfind("// Deprecated", 0) == 0;
}

// include/hnn/distributed/ (data-parallel training) includes <mpi.h>: the
// umbrella leaves it out, so that hnn builds without MPI; a program that
// trains over MPI includes those headers itself and links hnn::distributed.
bool is_distributed(const std::string& header) {
  return header.rfind("hnn/distributed/", 0) == 0;
}

TEST_CASE("umbrella: hnn.hpp includes every header under include/hnn/") {
  const fs::path include_dir = source_dir() / "include";
  const fs::path umbrella = include_dir / "hnn" / "hnn.hpp";
  INFO("umbrella header: " << umbrella.string());
  REQUIRE(fs::exists(umbrella));

  const auto headers = all_headers(include_dir);
  REQUIRE(headers.size() > 10);  // the walk found the library
  const auto included = hnn_includes(umbrella);
  for (const auto& h : headers) {
    if (h == "hnn/hnn.hpp") continue;
    INFO("header: " << h);
    if (is_distributed(h)) {
      CHECK(included.count(h) == 0);  // needs MPI: only programs that use MPI include it
    } else if (is_deprecated_shim(include_dir / h)) {
      CHECK(included.count(h) == 0);                       // a shim is not part of the umbrella,
      CHECK_FALSE(hnn_includes(include_dir / h).empty());  // it includes its replacement
    } else {
      CHECK(included.count(h) == 1);
    }
  }
  // And nothing it includes is missing.
  for (const auto& inc : included) {
    INFO("included by hnn.hpp: " << inc);
    CHECK(fs::exists(include_dir / inc));
  }
}

TEST_CASE("every header starts with the SPDX line and has #pragma once") {
  const fs::path include_dir = source_dir() / "include";
  REQUIRE(fs::exists(include_dir / "hnn" / "hnn.hpp"));
  const auto headers = all_headers(include_dir);
  REQUIRE(headers.size() > 10);
  for (const auto& h : headers) {
    INFO("header: " << h);
    const auto lines = read_lines(include_dir / h);
    REQUIRE(!lines.empty());
    CHECK(lines[0].rfind("// SPDX-License-Identifier: MIT", 0) == 0);
    static const std::regex pragma_once_line(R"(^\s*#\s*pragma\s+once\s*$)");
    const bool pragma_once = std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
      return std::regex_match(l, pragma_once_line);
    });
    CHECK(pragma_once);
  }
}

// The folders of include/hnn/ build on each other one way (docs: DESIGN's
// "Includes run one way, downwards"): each may include only the folders
// listed for it, besides itself.
TEST_CASE("includes run one way: each folder includes only the folders below it") {
  const fs::path include_dir = source_dir() / "include";
  const std::vector<std::pair<std::string, std::set<std::string>>> allowed = {
      {"core", {}},
      {"perf", {"core"}},
      {"activations", {"core"}},
      {"init", {"core"}},
      {"data", {"core"}},
      {"losses", {"core", "activations"}},
      {"optimizers", {"core", "perf"}},
      {"layers", {"core", "perf", "activations", "init"}},
      {"model",
       {"core", "perf", "activations", "init", "data", "losses", "optimizers", "layers", "plot"}},
      {"plot", {"core"}},
      {"io", {"core", "perf", "activations", "init", "layers", "losses", "optimizers", "model"}},
      {"check", {"core", "perf", "activations", "init", "layers", "losses", "optimizers", "model"}},
      {"distributed",
       {"core", "perf", "activations", "init", "data", "losses", "optimizers", "layers", "plot",
        "model"}},
      {"export",
       {"core", "perf", "activations", "init", "layers", "losses", "optimizers", "model"}},
  };
  for (const auto& h : all_headers(include_dir)) {
    if (h == "hnn/hnn.hpp" || is_deprecated_shim(include_dir / h)) continue;
    const std::string folder = h.substr(4, h.find('/', 4) - 4);  // "hnn/core/x.hpp" → core
    const auto rule = std::find_if(allowed.begin(), allowed.end(),
                                   [&](const auto& r) { return r.first == folder; });
    INFO("header: " << h);
    REQUIRE(rule != allowed.end());  // a new folder needs a rule here
    for (const auto& inc : hnn_includes(include_dir / h)) {
      const std::string to = inc.substr(4, inc.find('/', 4) - 4);
      INFO("includes: " << inc);
      CHECK((to == folder || rule->second.count(to) == 1));
    }
  }
}

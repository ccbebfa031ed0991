// SPDX-License-Identifier: MIT
// The docs are the tutorial, and the code they show must be real. Every
// fenced ```cpp block in docs/*.md and README.md names its source in an HTML comment on
// the line before it (blank lines may come between),
//
//   <!-- file: include/hnn/layers/dense.hpp -->
//
// and its lines must appear in that file as consecutive lines, exactly,
// trailing whitespace aside. Blocks in other languages need no comment, but
// are checked the same way when they have one. Paths written in backticks
// (`include/hnn/core/types.hpp`) and relative links must exist, so renaming
// a file breaks this test rather than the reader's trust. And no page may
// hold a control character (docs/*.md and README.md): invisible in an editor,
// it breaks the rendering, as a \varepsilon whose \v became a vertical tab.

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace hnn_test {
std::string source_dir();  // the checkout's root (tests/source_dir.cpp)
}  // namespace hnn_test

namespace {

namespace fs = std::filesystem;
using Lines = std::vector<std::string>;

std::string rstrip(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.pop_back();
  return s;
}

// The lines of `text`, each without its trailing whitespace.
Lines split_lines(const std::string& text) {
  Lines lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(rstrip(line));
  return lines;
}

// Where `block` occurs in `lines` as consecutive lines (0-based), or −1.
long find_block(const Lines& lines, const Lines& block) {
  if (block.empty() || block.size() > lines.size()) return -1;
  const auto it = std::search(lines.begin(), lines.end(), block.begin(), block.end());
  return it == lines.end() ? -1 : static_cast<long>(it - lines.begin());
}

// For a block that is not in the file: the longest run of its first lines that
// is, as (start in file, number of lines matched).
std::pair<std::size_t, std::size_t> longest_prefix_match(const Lines& lines, const Lines& block) {
  std::pair<std::size_t, std::size_t> best{0, 0};
  for (std::size_t start = 0; start < lines.size(); ++start) {
    std::size_t k = 0;
    while (k < block.size() && start + k < lines.size() && lines[start + k] == block[k])
      ++k;
    if (k > best.second) best = {start, k};
  }
  return best;
}

// The files a chapter may refer to, by path relative to the checkout.
struct Files {
  std::function<bool(const std::string&)> exists;                      // file or folder
  std::function<std::optional<std::string>(const std::string&)> read;  // a file's text
};

Files checkout_files(const fs::path& root) {
  return {[root](const std::string& path) { return fs::exists(root / path); },
          [root](const std::string& path) -> std::optional<std::string> {
            if (!fs::is_regular_file(root / path)) return std::nullopt;
            std::ifstream in(root / path, std::ios::binary);
            std::ostringstream s;
            s << in.rdbuf();
            return s.str();
          }};
}

// "a/b/../c" → "a/c"; "" if the path leaves the checkout or is absolute.
std::string normalized(const std::string& path) {
  const fs::path p = fs::path(path).lexically_normal();
  std::string s = p.generic_string();
  if (!s.empty() && s.back() == '/') s.pop_back();  // a folder
  if (p.is_absolute() || s.empty() || s == ".." || s.rfind("../", 0) == 0) return "";
  return s;
}

bool is_cpp(std::string info) {
  const auto end = info.find_first_of(" \t{");
  info = info.substr(0, end);
  std::transform(info.begin(), info.end(), info.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return info == "cpp" || info == "c++" || info == "cxx" || info == "cc" || info == "hpp" ||
         info == "h";
}

// A path in backticks that must exist: made of path characters, with a
// folder, and either a file extension or a trailing '/'. Build outputs
// (build/…), absolute paths and globs are not checked.
bool looks_like_repo_path(const std::string& s) {
  static const std::regex path(R"([A-Za-z0-9_.+-]+(/[A-Za-z0-9_.+-]+)*/?)");
  if (!std::regex_match(s, path) || s.find('/') == std::string::npos) return false;
  if (s.rfind("build/", 0) == 0) return false;
  if (s.back() == '/') return true;
  static const std::regex file_name(R"(.*[^./]\.[A-Za-z][A-Za-z0-9]*)");  // name.ext
  return std::regex_match(s.substr(s.rfind('/') + 1), file_name);
}

// "1 line", "3 lines"
std::string lines_text(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " line" : " lines");
}

// Every problem with one chapter, each as "chapter:line: what is wrong".
// `chapter` is the chapter's path relative to the checkout (docs/01-shapes.md).
std::vector<std::string> check_chapter(const std::string& chapter, const std::string& text,
                                       const Files& files) {
  static const std::regex file_comment(R"(^\s*<!--\s*file:\s*(\S+)\s*-->$)");
  static const std::regex fence_open(R"(^( {0,3})(`{3,}|~{3,})\s*([^`]*)$)");
  static const std::regex code_span("`([^`]+)`");
  static const std::regex link(R"(\]\(([^()\s]+)\))");

  std::vector<std::string> problems;
  const Lines lines = split_lines(text);
  const std::string chapter_dir = fs::path(chapter).parent_path().generic_string();
  auto problem = [&](std::size_t line, const std::string& what) {
    problems.push_back(chapter + ":" + std::to_string(line + 1) + ": " + what);
  };

  std::string pending_file;      // from the last file comment, until a block uses it
  std::size_t pending_line = 0;  // where that comment is
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    std::smatch m;
    if (std::regex_match(line, m, fence_open)) {
      const std::size_t indent = m[1].length();
      const std::string fence = m[2];
      const std::string info = m[3];
      const std::size_t open = i;
      Lines block;
      bool closed = false;
      for (++i; i < lines.size(); ++i) {
        std::string l = lines[i];
        std::size_t lead = 0;
        while (lead < l.size() && lead < 3 && l[lead] == ' ')
          ++lead;
        const std::string rest = l.substr(lead);
        if (rest.size() >= fence.size() && rest.find_first_not_of(fence[0]) == std::string::npos) {
          closed = true;
          break;
        }
        std::size_t strip = 0;  // the opening fence's indentation is not content
        while (strip < indent && strip < l.size() && l[strip] == ' ')
          ++strip;
        block.push_back(l.substr(strip));
      }
      const std::string file = pending_file;
      pending_file.clear();
      if (!closed) {
        problem(open, "code block is never closed");
        break;
      }
      if (file.empty()) {
        if (is_cpp(info)) {
          problem(open, "```" + info +
                            " block without a source: put <!-- file: path/in/the/repo --> "
                            "on the line before it");
        }
        continue;
      }
      const std::string path = normalized(file);
      if (path.empty()) {
        problem(open, "block names \"" + file + "\", which is not a path inside the checkout");
        continue;
      }
      const auto content = files.read(path);
      if (!content) {
        problem(open, "block names " + path + ", which does not exist");
        continue;
      }
      if (block.empty()) {
        problem(open, "empty code block (naming " + path + ")");
        continue;
      }
      const Lines source = split_lines(*content);
      if (find_block(source, block) >= 0) continue;
      const auto [start, matched] = longest_prefix_match(source, block);
      std::ostringstream s;
      s << "block (" << lines_text(block.size()) << ") is not a copy of consecutive lines of "
        << path << ": ";
      if (matched == 0) {
        s << "its first line `" << block[0] << "` is not in the file";
      } else {
        s << "it matches " << path << ":" << start + 1 << " for " << lines_text(matched)
          << ", then line " << open + 2 + matched << " of the chapter reads `" << block[matched]
          << "` where the file has `"
          << (start + matched < source.size() ? source[start + matched] : "<end of file>") << "`";
      }
      problem(open, s.str());
      continue;
    }

    if (std::regex_match(line, m, file_comment)) {
      if (!pending_file.empty())
        problem(pending_line, "<!-- file: " + pending_file + " --> is not followed by a block");
      pending_file = m[1];
      pending_line = i;
      continue;
    }
    if (!line.empty() && !pending_file.empty()) {
      problem(pending_line, "<!-- file: " + pending_file + " --> is not followed by a block");
      pending_file.clear();
    }

    // Paths in backticks, and relative links, outside code blocks.
    for (std::sregex_iterator it(line.begin(), line.end(), code_span), end; it != end; ++it) {
      const std::string span = (*it)[1];
      if (!looks_like_repo_path(span)) continue;
      const std::string path = normalized(span);
      const bool found =
          !path.empty() &&
          (files.exists(path) || (path.rfind("hnn/", 0) == 0 && files.exists("include/" + path)));
      if (!found) problem(i, "`" + span + "` does not exist in the checkout");
    }
    for (std::sregex_iterator it(line.begin(), line.end(), link), end; it != end; ++it) {
      std::string target = (*it)[1];
      if (target.find("://") != std::string::npos || target.rfind("mailto:", 0) == 0 ||
          target[0] == '#')
        continue;
      target = target.substr(0, target.find('#'));
      // A link is relative to the page's folder: docs/ for a chapter, the top for README.md.
      const std::string path =
          normalized(chapter_dir.empty() ? target : chapter_dir + "/" + target);
      if (path.empty() || !files.exists(path))
        problem(i, "link (" + (*it)[1].str() + ") points at nothing in the checkout");
    }
  }
  if (!pending_file.empty())
    problem(pending_line, "<!-- file: " + pending_file + " --> is not followed by a block");
  return problems;
}

// A control character's name, and for those a C string escape makes out of a
// LaTeX command (\v of \varepsilon, \f of \frac, \b of \beta, \a of \alpha,
// \r of \rho), the command it probably was.
std::string control_name(unsigned char c) {
  switch (c) {
    case 0x00:
      return "NUL";
    case 0x07:
      return "bell; was it the \\a of a LaTeX command such as \\alpha?";
    case 0x08:
      return "backspace; was it the \\b of a LaTeX command such as \\beta?";
    case 0x09:
      return "tab; was it the \\t of a LaTeX command such as \\text, \\times or \\theta?";
    case 0x0B:
      return "vertical tab; was it the \\v of a LaTeX command such as \\varepsilon?";
    case 0x0C:
      return "form feed; was it the \\f of a LaTeX command such as \\frac?";
    case 0x0D:
      return "carriage return; was it the \\r of a LaTeX command such as \\rho?";
    case 0x1B:
      return "escape";
    case 0x7F:
      return "delete";
    default:
      return "control character";
  }
}

// Every control character in `text`, each as "file:line: what it is". Refused:
// the bytes below 0x20 other than the newline, and 0x7F. They do not show in
// an editor, and they break what renders the page (a formula whose
// \varepsilon lost its \v to a string escape). A tab is accepted inside a
// fenced code block only: in prose it is most likely the \t of \text or
// \times. A carriage return is accepted only where it ends a line (CRLF, as
// a Windows checkout may write the files); anywhere else it is refused too.
// The column counts characters, not bytes.
std::vector<std::string> control_characters(const std::string& file, const std::string& text) {
  std::vector<std::string> problems;
  std::size_t line = 1, column = 1;
  bool in_fence = false;  // inside a ``` block
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == 0 || text[i - 1] == '\n') {
      const std::size_t start = text.find_first_not_of(' ', i);
      if (start != std::string::npos && text.compare(start, 3, "```") == 0) in_fence = !in_fence;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      column = 1;
      continue;
    }
    const bool line_end = c == '\r' && i + 1 < text.size() && text[i + 1] == '\n';
    const bool fenced_tab = c == '\t' && in_fence;
    if ((c < 0x20 && !fenced_tab && !line_end) || c == 0x7F) {
      static const char* hex = "0123456789ABCDEF";
      problems.push_back(file + ":" + std::to_string(line) + ": byte 0x" + hex[c >> 4] +
                         hex[c & 0xF] + " (" + control_name(c) + ") in column " +
                         std::to_string(column));
    }
    if ((c & 0xC0) != 0x80) ++column;  // a UTF-8 continuation byte is no new character
  }
  return problems;
}

// A few in-memory files for the tests of the checker itself.
Files fake_files() {
  static const std::vector<std::pair<std::string, std::string>> files = {
      {"include/x.hpp", "// x\nint f() {\n  return 1;  \n}\n\nint g() { return 2; }\n"},
      {"include/hnn/y.hpp", "// y\n"},
      {"docs/snippets/a.cpp", "int main() {}\n"},
      {"docs/02-next.md", "# next\n"},
  };
  auto find = [](const std::string& path) -> const std::string* {
    for (const auto& [name, text] : files)
      if (name == path) return &text;
    return nullptr;
  };
  return {[find](const std::string& path) {
            if (find(path)) return true;
            for (const auto& [name, text] : files)  // folders
              if (name.rfind(path + "/", 0) == 0) return true;
            return false;
          },
          [find](const std::string& path) -> std::optional<std::string> {
            if (const std::string* text = find(path)) return *text;
            return std::nullopt;
          }};
}

bool any_contains(const std::vector<std::string>& problems, const std::string& needle) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const std::string& p) { return p.find(needle) != std::string::npos; });
}

std::string joined(const std::vector<std::string>& problems) {
  std::string s;
  for (const auto& p : problems)
    s += p + '\n';
  return s;
}

}  // namespace

namespace {

// The tutorial's pages, relative to the checkout: docs/*.md (the chapters)
// and docs/answers/*.md (the worked answers to their exercises), sorted.
std::vector<std::string> tutorial_pages(const fs::path& root) {
  std::vector<std::string> names;
  for (const std::string folder : {"docs", "docs/answers"}) {
    if (!fs::is_directory(root / folder)) continue;
    for (const auto& entry : fs::directory_iterator(root / folder))
      if (entry.is_regular_file() && entry.path().extension() == ".md")
        names.push_back(folder + "/" + entry.path().filename().generic_string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("docs: every code block in docs/*.md is a copy of the file it names") {
  const fs::path root = hnn_test::source_dir();
  REQUIRE(fs::is_directory(root / "docs"));
  const std::vector<std::string> chapters = tutorial_pages(root);
  REQUIRE(!chapters.empty());

  const Files files = checkout_files(root);
  std::size_t checked_blocks = 0;
  for (const auto& name : chapters) {
    const std::string text = *files.read(name);
    for (const auto& line : split_lines(text))
      if (line.find("<!-- file:") != std::string::npos) ++checked_blocks;
    for (const auto& p : check_chapter(name, text, files))
      FAIL_CHECK(p);
  }
  CHECK(checked_blocks > 0);  // the docs were found and do show code
}

TEST_CASE("docs: every code block in README.md is a copy of the file it names") {
  const fs::path root = hnn_test::source_dir();
  const Files files = checkout_files(root);
  const auto text = files.read("README.md");
  REQUIRE(text);
  for (const auto& p : check_chapter("README.md", *text, files))
    FAIL_CHECK(p);
  CHECK(text->find("<!-- file: examples/readme.cpp -->") != std::string::npos);
}

TEST_CASE("docs checker: resolves the links of README.md from the top of the checkout") {
  CHECK(check_chapter("README.md", "[a chapter](docs/02-next.md), `docs/snippets/a.cpp`\n",
                      fake_files())
            .empty());
  const auto problems = check_chapter("README.md", "[gone](docs/gone.md)\n", fake_files());
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == "README.md:1: link (docs/gone.md) points at nothing in the checkout");
}

TEST_CASE("docs: no control characters in docs/*.md and README.md") {
  const fs::path root = hnn_test::source_dir();
  std::vector<std::string> names = {"README.md"};
  for (const auto& page : tutorial_pages(root))
    names.push_back(page);
  REQUIRE(names.size() > 1);

  const Files files = checkout_files(root);
  for (const auto& name : names) {
    const auto text = files.read(name);
    REQUIRE_MESSAGE(text, name << " cannot be read");
    for (const auto& p : control_characters(name, *text))
      FAIL_CHECK(p);
  }
}

TEST_CASE("docs checker: finds a block only as consecutive lines") {
  const Lines file = {"a", "b", "c", "d"};
  CHECK(find_block(file, {"b", "c"}) == 1);
  CHECK(find_block(file, {"a", "b", "c", "d"}) == 0);
  CHECK(find_block(file, {"a", "c"}) == -1);  // both present, not consecutive
  CHECK(find_block(file, {"c", "b"}) == -1);
  CHECK(find_block(file, {"b", "x"}) == -1);
  CHECK(find_block(file, {}) == -1);
  CHECK(find_block(file, {"a", "b", "c", "d", "e"}) == -1);
}

TEST_CASE("docs checker: accepts a correct chapter") {
  const std::string chapter =
      "# A chapter\n"
      "See `include/x.hpp`, `hnn/y.hpp`, `docs/snippets/`, `build/gcc/t` and `1/2.5`,\n"
      "[next](02-next.md), [a snippet](snippets/a.cpp), [the web](https://example.org/a.md).\n"
      "\n"
      "<!-- file: include/x.hpp -->\n"
      "\n"
      "```cpp\n"
      "int f() {\n"
      "  return 1;\n"  // the file has trailing spaces here: ignored
      "}\n"
      "```\n"
      "```text\n"
      "Blocks in other languages need no source, and comments in blocks are text:\n"
      "<!-- file: nowhere.hpp -->\n"
      "```\n"
      "<!-- file: include/x.hpp -->\n"
      "  ~~~ cpp\n"  // an indented fence: its indentation is not content
      "  int g() { return 2; }\n"
      "  ~~~\n";
  const auto problems = check_chapter("docs/01-a.md", chapter, fake_files());
  INFO(joined(problems));
  CHECK(problems.empty());
}

TEST_CASE("docs checker: reports each kind of mistake with chapter, line and file") {
  const std::string chapter =
      "# Mistakes\n"                          // 1
      "<!-- file: include/x.hpp -->\n"        // 2
      "```cpp\n"                              // 3
      "int f() {\n"                           // 4
      "  return 2;\n"                         // 5  the file says 1
      "}\n"                                   // 6
      "```\n"                                 // 7
      "<!-- file: include/x.hpp -->\n"        // 8
      "```cpp\n"                              // 9
      "int f() {\n"                           // 10
      "}\n"                                   // 11 lines of the file, not consecutive
      "```\n"                                 // 12
      "```cpp\n"                              // 13 no comment
      "int f() {\n"                           // 14
      "```\n"                                 // 15
      "<!-- file: include/missing.hpp -->\n"  // 16
      "```cpp\n"                              // 17
      "int f() {\n"                           // 18
      "```\n"                                 // 19
      "Read `include/hnn/renamed.hpp` and [this](../include/gone.hpp).\n"  // 20
      "<!-- file: include/x.hpp -->\n"     // 21 followed by prose, not a block
      "Some prose.\n"                      // 22
      "<!-- file: ../../etc/passwd -->\n"  // 23
      "```text\n"                          // 24 (a block's problems are on its first line)
      "root\n"                             // 25
      "```\n"                              // 26
      "<!-- file: include/x.hpp -->\n"     // 27
      "```cpp\n"                           // 28
      "int f() {\n";                       // 29 never closed
  const auto problems = check_chapter("docs/03-bad.md", chapter, fake_files());
  INFO(joined(problems));
  CHECK(problems.size() == 9);
  CHECK(any_contains(problems,
                     "docs/03-bad.md:3: block (3 lines) is not a copy of consecutive lines of "
                     "include/x.hpp: it matches include/x.hpp:2 for 1 line, then line 5 of "
                     "the chapter reads `  return 2;` where the file has `  return 1;`"));
  CHECK(any_contains(problems, "docs/03-bad.md:9: block (2 lines) is not a copy"));
  CHECK(any_contains(problems, "docs/03-bad.md:13: ```cpp block without a source"));
  CHECK(any_contains(problems,
                     "docs/03-bad.md:17: block names include/missing.hpp, which does "
                     "not exist"));
  CHECK(any_contains(problems, "docs/03-bad.md:20: `include/hnn/renamed.hpp` does not exist"));
  CHECK(any_contains(problems, "docs/03-bad.md:20: link (../include/gone.hpp) points at nothing"));
  CHECK(any_contains(problems, "docs/03-bad.md:21: <!-- file: include/x.hpp --> is not followed"));
  CHECK(any_contains(problems,
                     "docs/03-bad.md:24: block names \"../../etc/passwd\", which is "
                     "not a path inside the checkout"));
  CHECK(any_contains(problems, "docs/03-bad.md:28: code block is never closed"));
}

TEST_CASE("docs checker: a block whose first line is not in the file") {
  const std::string chapter =
      "<!-- file: include/x.hpp -->\n"
      "```cpp\n"
      "int h() {\n"
      "```\n";
  const auto problems = check_chapter("docs/04-c.md", chapter, fake_files());
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] ==
        "docs/04-c.md:2: block (1 line) is not a copy of consecutive lines of include/x.hpp: "
        "its first line `int h() {` is not in the file");
}

TEST_CASE("docs checker: finds control characters, naming file, line and column") {
  // A formula whose \varepsilon went through a string escape, a bell, a DEL,
  // a lone carriage return, a tab in prose; CRLF line ends, UTF-8 and a tab
  // inside a fenced block are fine.
  const std::string text =
      "# Title\r\n"                   // 1: CRLF ends the line: accepted
      "$\xCE\xB2 = \varepsilon$\n"    // 2: β, then \v: column 6 (β is one character)
      "ok\aend\x7F\n"                 // 3: bell at column 3, DEL at column 7
      "a\rb\n"                        // 4: a carriage return inside a line
      "$P = \text{x}$\n"              // 5: the \t of \text: a tab at column 6
      "```make\n\tcc -c a.c\n```\n";  // 6-8: a tab inside a fenced block: accepted
  const auto problems = control_characters("docs/05-x.md", text);
  INFO(joined(problems));
  REQUIRE(problems.size() == 5);
  CHECK(problems[0] ==
        "docs/05-x.md:2: byte 0x0B (vertical tab; was it the \\v of a LaTeX command such as "
        "\\varepsilon?) in column 6");
  CHECK(any_contains(problems, "docs/05-x.md:3: byte 0x07 (bell;"));
  CHECK(any_contains(problems, "docs/05-x.md:3: byte 0x7F (delete) in column 7"));
  CHECK(any_contains(problems, "docs/05-x.md:4: byte 0x0D (carriage return;"));
  CHECK(any_contains(problems, "docs/05-x.md:5: byte 0x09 (tab; was it the \\t of"));
  CHECK(control_characters("README.md", "plain text\r\n\xE2\x86\x92 UTF-8\n").empty());
}

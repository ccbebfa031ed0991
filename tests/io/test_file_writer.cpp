// SPDX-License-Identifier: MIT
// The atomic writer (core/file.hpp) and read_file (io/binary.hpp): the name
// of the temporary file and the removal of dead writers' leftovers; the four
// steps in their order, through the test seam, and what each failing step
// leaves; permission bits and symbolic links kept; directories, missing
// files and files that may not be read. The tests of permissions run in a
// child process that is not root (as root, the child becomes nobody), since
// root ignores permissions.

#include <doctest/doctest.h>

#ifndef _WIN32

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "test_support.hpp"

// Everything in a namespace of its own: in the unity build this file shares
// a translation unit with the other tests of io/, data/, plot/ and docs/.
namespace {
namespace file_writer {

namespace fs = std::filesystem;
using hnn_test::read_bytes;
using hnn_test::TempDir;
using hnn_test::write_bytes;

std::string text_of(const std::string& path) {
  const hnn_test::Bytes b = read_bytes(path);
  return std::string(b.begin(), b.end());
}

void put_text(const std::string& path, const std::string& text) {
  write_bytes(path, hnn_test::Bytes(text.begin(), text.end()));
}

// The names in a folder, sorted.
std::vector<std::string> names_in(const std::string& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

mode_t mode_of(const std::string& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

hnn::Sequential<float> small_model(float w) {
  hnn::Random rng(3);
  hnn::Sequential<float> m(2);
  m.add(hnn::Dense<float>(2, 1, rng));
  m.parameters()[0].value().setConstant(w);
  return m;
}

// What the seam saw: the steps in order, and the folder's names at "rename".
struct Seen {
  std::vector<std::string> steps;
  std::string fail_at;  // the step that fails, with errno fail_with
  int fail_with = 0;
  std::string folder;  // listed at "rename", when set
  std::vector<std::string> at_rename;
};

Seen& seen() {
  static Seen s;
  return s;
}

int record_step(const char* step) {
  Seen& s = seen();
  s.steps.push_back(step);
  if (s.steps.back() == "rename" && !s.folder.empty()) s.at_rename = names_in(s.folder);
  return s.fail_at == step ? s.fail_with : 0;
}

// While it exists, write_file_atomically reports its steps to seen(), and
// `fail_at` fails with `fail_with`.
class RecordSteps {
 public:
  explicit RecordSteps(std::string folder = "", std::string fail_at = "", int fail_with = 0) {
    seen() = Seen{};
    seen().folder = std::move(folder);
    seen().fail_at = std::move(fail_at);
    seen().fail_with = fail_with;
    hnn::detail::write_file_step = &record_step;
  }
  ~RecordSteps() { hnn::detail::write_file_step = nullptr; }
  RecordSteps(const RecordSteps&) = delete;
  RecordSteps& operator=(const RecordSteps&) = delete;
};

bool is_lower_hex(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

// The name of the temporary file that a save of `name` in `dir` writes, as
// seen at its rename (the target is removed again).
std::string temporary_name(const TempDir& dir, const std::string& name) {
  {
    RecordSteps record(dir.path());
    hnn::write_file_atomically(dir.file(name), std::string("probe"));
  }
  fs::remove(dir.file(name));
  std::vector<std::string> names = seen().at_rename;
  names.erase(std::remove(names.begin(), names.end(), name), names.end());
  REQUIRE(names.size() == 1);
  return names[0];
}

// The host's name as the writer puts it into the temporary file's name.
std::string host_in_names(const TempDir& dir) {
  const std::string tmp = temporary_name(dir, "probe.txt");
  const std::string prefix = "probe.txt.tmp-";
  const std::string suffix = "-" + std::to_string(::getpid()) + "-";
  REQUIRE(tmp.size() > prefix.size() + suffix.size() + 8);
  return tmp.substr(prefix.size(), tmp.size() - prefix.size() - suffix.size() - 8);
}

// The id of a process that has ended: a child, forked and reaped.
pid_t dead_pid() {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ::_exit(0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  errno = 0;
  const int answer = ::kill(pid, 0);
  const int error = errno;  // before the REQUIREs, whose reporting may change errno
  REQUIRE(answer == -1);
  REQUIRE(error == ESRCH);
  return pid;
}

// The message of the FileError that f throws, or "" if it throws none.
template <typename F>
std::string file_error_of(F&& f) {
  try {
    f();
  } catch (const hnn::FileError& e) {
    return e.what();
  }
  return "";
}

bool starts_with(const std::string& s, const std::string& head) {
  return s.compare(0, head.size(), head) == 0;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// "" if f throws a FileError whose message starts with `head` and ends with
// `tail`, else what it did.
template <typename F>
std::string file_error_problem(F&& f, const std::string& head, const std::string& tail) {
  const std::string what = file_error_of(std::forward<F>(f));
  if (what.empty()) return "no FileError (expected \"" + head + "…" + tail + "\")";
  if (starts_with(what, head) && ends_with(what, tail)) return "";
  return "the message \"" + what + "\" is not \"" + head + "…" + tail + "\"";
}

// Runs `check` in a forked child that does not ignore permissions: as root,
// the child becomes nobody (uid and gid 65534), who owns `dir`. `check`
// returns "" or what went wrong. When the child cannot give up its privileges,
// or a folder it may not write is writable to it all the same, the test says
// with a MESSAGE that it was skipped.
void as_unprivileged(const TempDir& dir, const std::function<std::string()>& check) {
  const uid_t nobody = 65534;
  if (::geteuid() == 0 && ::chown(dir.path().c_str(), nobody, nobody) != 0) {
    const std::string reason = std::strerror(errno);
    MESSAGE("skipped (permissions cannot be tested here): cannot give the folder to uid 65534 ("
            << reason << ")");
    return;
  }
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(pipe_fds[0]);
    std::string report;
    if (::geteuid() == 0 &&
        (::setgroups(0, nullptr) != 0 || ::setgid(nobody) != 0 || ::setuid(nobody) != 0)) {
      report = std::string("skip: cannot become uid 65534 (") + std::strerror(errno) + ")";
    }
    const std::string probe = dir.file("probe");
    if (report.empty() && ::mkdir(probe.c_str(), 0500) == 0) {
      const int fd = ::open((probe + "/x").c_str(), O_WRONLY | O_CREAT, 0600);
      if (fd >= 0) {
        ::close(fd);
        ::unlink((probe + "/x").c_str());
        report = "skip: this user may write a read-only folder (CAP_DAC_OVERRIDE?)";
      }
      ::rmdir(probe.c_str());
    } else if (report.empty()) {
      const int error = errno;
      report = std::string("skip: cannot create a folder as uid ") + std::to_string(::geteuid()) +
               " (" + std::strerror(error) + ")";
    }
    if (report.empty()) {
      try {
        const std::string problem = check();
        report = problem.empty() ? "ok" : "fail: " + problem;
      } catch (const std::exception& e) {
        report = std::string("fail: ") + e.what();
      }
    }
    const char* p = report.data();
    std::size_t left = report.size();
    while (left > 0) {
      const ssize_t n = ::write(pipe_fds[1], p, left);
      if (n <= 0) break;
      p += n;
      left -= std::size_t(n);
    }
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::string report;
  char buffer[512];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    report.append(buffer, std::size_t(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE_MESSAGE((WIFEXITED(status) && WEXITSTATUS(status) == 0),
                  "the child process ended abnormally");
  if (report.rfind("skip: ", 0) == 0) {
    MESSAGE("skipped (permissions cannot be tested here): " << report.substr(6));
    return;
  }
  CHECK_MESSAGE(report == "ok", report);
}

// While it exists, the process's umask is `mask` (as it was before, after).
class Umask {
 public:
  explicit Umask(mode_t mask) : before_(::umask(mask)) {}
  ~Umask() { ::umask(before_); }
  Umask(const Umask&) = delete;
  Umask& operator=(const Umask&) = delete;

 private:
  mode_t before_;
};

TEST_CASE("write_file_atomically: the temporary file is <target>.tmp-<host>-<pid>-<8 hex digits>") {
  TempDir dir;
  const std::string tmp = temporary_name(dir, "m.hnn");
  INFO("temporary file: " << tmp);
  const std::string prefix = "m.hnn.tmp-";
  const std::string pid = "-" + std::to_string(::getpid()) + "-";
  REQUIRE(tmp.size() > prefix.size() + pid.size() + 8);
  CHECK(tmp.compare(0, prefix.size(), prefix) == 0);
  CHECK(tmp.compare(tmp.size() - 8 - pid.size(), pid.size(), pid) == 0);
  CHECK(is_lower_hex(tmp.substr(tmp.size() - 8)));
  const std::string host = host_in_names(dir);
  char name[256] = {};
  REQUIRE(::gethostname(name, sizeof name - 1) == 0);
  const std::string system_host = name;
  const bool plain = std::all_of(system_host.begin(), system_host.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
  if (plain) CHECK(host == system_host);
  CHECK(names_in(dir.path()).empty());  // nothing left behind
}

TEST_CASE(
    "write_file_atomically: a save removes what dead writers on this host left, and only that") {
  TempDir dir;
  const std::string host = host_in_names(dir);
  const std::string dead = std::to_string(dead_pid());
  const std::string live = std::to_string(::getpid());
  const std::string t = "m.hnn.tmp-";
  const std::vector<std::string> gone = {
      t + host + "-" + dead + "-0123abcd",
      t + host + "-" + dead + "-deadbeef",
  };
  const std::vector<std::string> kept_files = {
      t + host + "-" + live + "-0123abcd",                 // a live writer: this process
      t + "elsewhere." + host + "-" + dead + "-0123abcd",  // another host's
      t + host + "-" + dead + "-0123abc",                  // not exactly the pattern: …
      t + host + "-" + dead + "-0123abcde",
      t + host + "-" + dead + "-0123ABCD",
      t + host + "-0" + dead + "-0123abcd",
      t + host + "-" + dead + "-0123abcd.bak",
      t + host + "-0-0123abcd",
      t + host + "--0123abcd",
      t + "0123abcd",                                  // the old form, whose writer is unknown
      "n.hnn.tmp-" + host + "-" + dead + "-0123abcd",  // another target's
      "xm.hnn.tmp-" + host + "-" + dead + "-0123abcd",
  };
  for (const auto& name : gone)
    put_text(dir.file(name), "left behind");
  for (const auto& name : kept_files)
    put_text(dir.file(name), "keep");
  const std::string folder = t + host + "-" + dead + "-89abcdef";  // not a regular file
  const std::string link = t + host + "-" + dead + "-fedcba98";
  fs::create_directory(dir.file(folder));
  fs::create_symlink(kept_files[0], dir.file(link));
  put_text(dir.file("m.hnn"), "old");

  hnn::write_file_atomically(dir.file("m.hnn"), std::string("new"));

  std::vector<std::string> expected = kept_files;
  expected.insert(expected.end(), {folder, link, "m.hnn"});
  std::sort(expected.begin(), expected.end());
  CHECK(names_in(dir.path()) == expected);
  CHECK(text_of(dir.file("m.hnn")) == "new");
  CHECK(text_of(dir.file(kept_files[0])) == "keep");
}

TEST_CASE("write_file_atomically: write, fsync file, rename, fsync folder, in that order") {
  TempDir dir;
  const std::string path = dir.file("m.hnn");
  put_text(path, "old");
  RecordSteps record(dir.path());
  hnn::write_file_atomically(path, std::string("new"));
  CHECK(seen().steps == std::vector<std::string>{"write", "fsync file", "rename", "fsync folder"});
  CHECK(seen().at_rename.size() == 2);  // the target and its temporary file, side by side
  CHECK(text_of(path) == "new");
  CHECK(names_in(dir.path()) == std::vector<std::string>{"m.hnn"});
}

// A save whose `step` fails with `error`: a FileError "<path>: <what>…
// (<strerror>)…", the old file as it was, a new one not created, and no
// temporary file left.
void check_failing_step(const std::string& step, int error, const std::string& what) {
  TempDir dir;
  const std::string path = dir.file("m.hnn");
  put_text(path, "old");
  REQUIRE(::chmod(path.c_str(), 0640) == 0);
  const std::string reason = std::string(" (") + std::strerror(error) + ")";
  {
    RecordSteps record("", step, error);
    CHECK(file_error_problem([&] { hnn::write_file_atomically(path, std::string("new")); },
                             path + ": " + what,
                             reason + "; the previous file is untouched") == "");
    REQUIRE(!seen().steps.empty());
    CHECK(seen().steps.back() == step);
  }
  CHECK(text_of(path) == "old");
  CHECK(mode_of(path) == 0640);
  CHECK(names_in(dir.path()) == std::vector<std::string>{"m.hnn"});
  {
    RecordSteps record("", step, error);
    const std::string fresh = dir.file("fresh.hnn");
    CHECK(file_error_problem([&] { hnn::write_file_atomically(fresh, std::string("new")); },
                             fresh + ": " + what, reason) == "");
  }
  CHECK(names_in(dir.path()) == std::vector<std::string>{"m.hnn"});
}

TEST_CASE(
    "write_file_atomically: a step that fails before the rename leaves the target as it was") {
  SUBCASE("write: the disk is full") {
    check_failing_step("write", ENOSPC, "write error");
  }
  SUBCASE("fsync file: an I/O error") {
    check_failing_step("fsync file", EIO, "cannot sync the temporary file to disk");
  }
  SUBCASE("rename: another file system") {
    check_failing_step("rename", EXDEV, "cannot rename the temporary file ");
  }
}

TEST_CASE("write_file_atomically: a folder that cannot be synced (EINVAL) is no error; EIO is") {
  TempDir dir;
  const std::string path = dir.file("m.hnn");
  put_text(path, "old");
  {
    RecordSteps record("", "fsync folder", EINVAL);
    hnn::write_file_atomically(path, std::string("new"));
    CHECK(seen().steps.size() == 4);
  }
  CHECK(text_of(path) == "new");
  {
    RecordSteps record("", "fsync folder", EIO);
    hnn_test::check_file_error(
        [&] { hnn::write_file_atomically(path, std::string("newer")); },
        path + ": the new file is in place, but its folder cannot be synced to disk (" +
            std::strerror(EIO) + ")");
  }
  CHECK(text_of(path) == "newer");  // renamed before the folder's sync failed
  CHECK(names_in(dir.path()) == std::vector<std::string>{"m.hnn"});
}

TEST_CASE(
    "save_model keeps the permission bits of the file it replaces; a new file has the umask's") {
  TempDir dir;
  auto model = small_model(0.5f);
  const std::string path = dir.file("m.hnn");
  for (const mode_t mode : {mode_t(0600), mode_t(0640), mode_t(0444), mode_t(0755)}) {
    CAPTURE(mode);
    fs::remove(path);  // a read-only file cannot be rewritten by put_text, but can be replaced
    put_text(path, "old");
    REQUIRE(::chmod(path.c_str(), mode) == 0);
    hnn::save_model(model, path);
    CHECK(mode_of(path) == mode);
    CHECK(read_bytes(path) == hnn::io::model_file_bytes(model));
  }
  Umask mask(027);
  hnn::save_model(model, dir.file("new.hnn"));
  CHECK(mode_of(dir.file("new.hnn")) == 0640);  // 0666 without the umask's 027
}

TEST_CASE(
    "save_model through a symbolic link writes the file it names, and the link stays a link") {
  TempDir dir("links");
  const fs::path real = dir.folder().parent_path() / "real";
  fs::create_directory(real);
  const std::string target = (real / "m.hnn").string();
  put_text(target, "old");
  REQUIRE(::chmod(target.c_str(), 0640) == 0);
  fs::create_symlink(target, dir.file("absolute"));
  fs::create_symlink("../real/m.hnn", dir.file("relative"));
  fs::create_symlink("relative", dir.file("chain"));  // a link to a link

  const auto check_written = [&](const std::string& link, const std::string& content) {
    CAPTURE(link);
    CHECK(fs::is_symlink(dir.file(link)));
    CHECK(text_of(target) == content);
    CHECK(mode_of(target) == 0640);
    CHECK(names_in(real.string()) == std::vector<std::string>{"m.hnn"});
    CHECK(names_in(dir.path()) == std::vector<std::string>{"absolute", "chain", "relative"});
  };
  auto model = small_model(2.0f);
  hnn::save_model(model, dir.file("absolute"));
  CHECK(fs::read_symlink(dir.file("absolute")) == fs::path(target));
  const auto bytes = hnn::io::model_file_bytes(model);
  check_written("absolute", std::string(bytes.begin(), bytes.end()));
  CHECK(hnn::load_model<float>(dir.file("absolute")).parameters()[0].value()(0, 0) == 2.0f);
  hnn::write_file_atomically(dir.file("relative"), std::string("second"));
  CHECK(fs::read_symlink(dir.file("relative")) == fs::path("../real/m.hnn"));
  check_written("relative", "second");
  hnn::write_file_atomically(dir.file("chain"), std::string("third"));
  check_written("chain", "third");
}

TEST_CASE("a symbolic link to nothing: the save creates the file it names; a loop is a FileError") {
  TempDir dir;
  fs::create_symlink("new.hnn", dir.file("link"));
  hnn::write_file_atomically(dir.file("link"), std::string("created"));
  CHECK(fs::is_symlink(dir.file("link")));
  CHECK(fs::is_regular_file(fs::symlink_status(dir.file("new.hnn"))));
  CHECK(text_of(dir.file("new.hnn")) == "created");

  fs::create_symlink("missing/new.hnn", dir.file("nowhere"));  // into a folder that is not there
  hnn_test::check_file_error(
      [&] { hnn::write_file_atomically(dir.file("nowhere"), std::string("x")); },
      "cannot create the temporary file");

  fs::create_symlink("b", dir.file("a"));
  fs::create_symlink("a", dir.file("b"));
  hnn_test::check_file_error(
      [&] { hnn::write_file_atomically(dir.file("a"), std::string("x")); },
      dir.file("a") + ": cannot follow the symbolic link (" + std::strerror(ELOOP) + ")");
  CHECK(names_in(dir.path()) == std::vector<std::string>{"a", "b", "link", "new.hnn", "nowhere"});
  CHECK(fs::is_symlink(dir.file("nowhere")));
}

TEST_CASE("write_file_atomically refuses a directory or a pipe as its target, and writes nothing") {
  TempDir dir;
  fs::create_directory(dir.file("folder"));
  fs::create_symlink("folder", dir.file("to-folder"));
  REQUIRE(::mkfifo(dir.file("pipe").c_str(), 0600) == 0);
  for (const char* name : {"folder", "to-folder", "folder/"}) {
    hnn_test::check_file_error(
        [&] { hnn::write_file_atomically(dir.file(name), std::string("x")); },
        dir.file(name) + ": is a directory, not a file");
  }
  hnn_test::check_file_error(
      [&] { hnn::write_file_atomically(dir.file("pipe"), std::string("x")); },
      dir.file("pipe") + ": is not a regular file");
  CHECK(names_in(dir.path()) == std::vector<std::string>{"folder", "pipe", "to-folder"});
  CHECK(fs::is_empty(dir.file("folder")));
}

TEST_CASE("read_file and load_model: a directory, a missing file and a file too large say so") {
  TempDir dir;
  fs::create_directory(dir.file("folder.hnn"));
  hnn_test::check_file_error([&] { hnn::io::read_file(dir.file("folder.hnn"), 100); },
                             dir.file("folder.hnn") + ": is a directory, not a file");
  hnn_test::check_file_error([&] { hnn::load_model<float>(dir.file("folder.hnn")); },
                             dir.file("folder.hnn") + ": is a directory, not a file");
  hnn_test::check_file_error(
      [&] { hnn::io::read_file(dir.file("none.hnn"), 100); },
      dir.file("none.hnn") + ": cannot open the file for reading (" + std::strerror(ENOENT) + ")");
  put_text(dir.file("ten.bin"), "0123456789");
  hnn_test::check_file_error(
      [&] { hnn::io::read_file(dir.file("ten.bin"), 4); },
      dir.file("ten.bin") + ": the file is 10 bytes, more than the 4 allowed");
  CHECK(hnn::io::read_file(dir.file("ten.bin"), 10).size() == 10);
}

TEST_CASE(
    "not as root: a folder that may not be written makes the save fail, and the old file stays") {
  TempDir dir;
  as_unprivileged(dir, [&]() -> std::string {
    const std::string folder = dir.file("read-only");
    const std::string path = folder + "/m.hnn";
    if (::mkdir(folder.c_str(), 0700) != 0) return "cannot create " + folder;
    hnn::write_file_atomically(path, std::string("old"));
    ::chmod(folder.c_str(), 0500);
    const std::string problem =
        file_error_problem([&] { hnn::write_file_atomically(path, std::string("new")); },
                           path + ": cannot create the temporary file " + path + ".tmp-",
                           std::string(" (") + std::strerror(EACCES) + ")");
    ::chmod(folder.c_str(), 0700);
    if (!problem.empty()) return problem;
    if (text_of(path) != "old") return "the old file is now \"" + text_of(path) + "\"";
    if (names_in(folder) != std::vector<std::string>{"m.hnn"}) return "a temporary file is left";
    return "";
  });
}

TEST_CASE(
    "not as root: a file that may not be read says so; a folder that may not be listed is "
    "written") {
  TempDir dir;
  as_unprivileged(dir, [&]() -> std::string {
    const std::string secret = dir.file("secret.hnn");
    hnn::write_file_atomically(secret, std::string("x"));
    ::chmod(secret.c_str(), 0);
    std::string problem = file_error_problem([&] { hnn::io::read_file(secret, 100); },
                                             secret + ": cannot open the file for reading",
                                             std::string(" (") + std::strerror(EACCES) + ")");
    if (!problem.empty()) return problem;
    // Write and search, no read: the folder cannot be opened to be synced,
    // which is not an error (and its leftovers cannot be listed).
    const std::string folder = dir.file("unlisted");
    if (::mkdir(folder.c_str(), 0700) != 0) return "cannot create " + folder;
    ::chmod(folder.c_str(), 0300);
    try {
      hnn::write_file_atomically(folder + "/m.hnn", std::string("written"));
    } catch (const hnn::FileError& e) {
      problem = std::string("the save into a folder that cannot be listed failed: ") + e.what();
    }
    ::chmod(folder.c_str(), 0700);
    if (problem.empty() && text_of(folder + "/m.hnn") != "written") problem = "nothing written";
    return problem;
  });
}

}  // namespace file_writer
}  // namespace

#endif  // _WIN32

// SPDX-License-Identifier: MIT
#pragma once
// Writing a file so that it is never half-written: the bytes go to a
// temporary file in the target's folder, which is then renamed over the
// target. Rename within a folder is atomic on POSIX, so the target holds
// either its old content or all of the new one — a crash, a power cut or a
// full disk mid-write leaves the old file (or none), never a truncated one.
// Model files, checkpoints, CSV exports and SVG pictures are all written this
// way, in four steps:
//
//   write         the bytes, to <target>.tmp-<host>-<pid>-<8 hex digits>
//   fsync file    the bytes reach the disk before any name points at them
//   rename        the temporary file replaces the target
//   fsync folder  the new name reaches the disk too (a file system that
//                 cannot sync a folder, EINVAL, is not an error)
//
// An error before the rename leaves the target untouched and removes the
// temporary file; the FileError says "<path>: what went wrong (strerror)".
//
// The target keeps what it was. The new file gets the old one's permission
// bits (a new file gets the umask's default). A symbolic link is written
// through: it is followed to the file it names, the temporary file goes into
// that file's folder and replaces that file, and the link stays a link to
// the new content. A link to nothing creates the file it names. A directory,
// a device or a pipe is refused.
//
// A program killed mid-save leaves its temporary file behind. Its name says
// which host and process wrote it, so the next save to the same target
// removes the temporary files of processes on this host that no longer exist
// (kill(pid, 0) fails with ESRCH). A running writer's file, another host's (a
// folder shared over the network) and any name not of exactly that form stay.
// Processes that share a host name but not a process table (containers given
// the host's name) should not save to the same target at the same time.
//
// On Windows the bytes go through std::ofstream and std::rename, with no
// fsync and no clean-up.

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#ifndef _WIN32
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#endif

#include "hnn/core/error.hpp"

namespace hnn {

namespace detail {

// A test seam, for the tests and nothing else. When set, the POSIX
// write_file_atomically calls it with the name of each step ("write", "fsync
// file", "rename", "fsync folder") just before doing it; a nonzero return is
// an errno, and the step is not done but fails as if the system had answered
// that. Not synchronised: a test sets it, saves, and resets it to null.
inline int (*write_file_step)(const char* step) = nullptr;

inline int file_step(const char* step) {
  return write_file_step ? write_file_step(step) : 0;
}

#ifndef _WIN32

// The host's name, every character but A–Z, a–z, 0–9, '.', '_' and '-' as
// '_'; "" when the system does not say.
inline std::string host_name() {
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0) return "";
  std::string host(buffer);
  for (char& c : host) {
    const bool safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    if (!safe) c = '_';
  }
  return host;
}

// The folder part of a path, with its '/' ("" for a name alone).
inline std::string folder_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

// `path` with the symbolic links of its last name followed, so that the file
// written is the one a link names (which need not exist); `error` is the
// errno when that fails (ELOOP after 40 links, as the kernel counts).
inline std::string follow_links(const std::string& path, int& error) {
  std::string p = path;
  for (int links = 0;; ++links) {
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
    if (links == 40) {
      error = ELOOP;
      return p;
    }
    std::string target(std::size_t(st.st_size > 0 ? st.st_size : 255) + 1, '\0');
    ssize_t n = 0;
    while ((n = ::readlink(p.c_str(), &target[0], target.size())) >= ssize_t(target.size()))
      target.resize(2 * target.size());
    if (n <= 0) {
      error = n < 0 ? errno : ENOENT;
      return p;
    }
    target.resize(std::size_t(n));
    p = target[0] == '/' ? target : folder_of(p) + target;
  }
}

// Whether `s` is a process id as the writer spells it: decimal, no leading
// zero, at least 1.
inline bool parse_pid(const std::string& s, pid_t& pid) {
  if (s.empty() || s.size() > 10 || s[0] == '0') return false;
  long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = 10 * v + (c - '0');
  }
  if (v > (std::numeric_limits<pid_t>::max)()) return false;
  pid = pid_t(v);
  return true;
}

// Whether `s` is 8 lowercase hex digits.
inline bool is_hex8(const std::string& s) {
  if (s.size() != 8) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// Removes the regular files `<name>.tmp-<host>-<pid>-<8 hex>` in `folder`
// whose writer, a process of this host, no longer exists. Best effort: what
// cannot be removed stays.
inline void remove_dead_writers_files(const std::string& folder, const std::string& name,
                                      const std::string& host) {
  if (host.empty()) return;  // whose files they are cannot be told
  const std::string prefix = name + ".tmp-" + host + "-";
  DIR* dir = ::opendir(folder.empty() ? "." : folder.c_str());
  if (!dir) return;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string file = entry->d_name;
    if (file.size() <= prefix.size() + 9 || file.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = file.substr(prefix.size());  // <pid>-<8 hex>
    const std::size_t dash = rest.size() - 9;
    pid_t pid = 0;
    if (rest[dash] != '-' || !parse_pid(rest.substr(0, dash), pid) ||
        !is_hex8(rest.substr(dash + 1)))
      continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive (EPERM: someone else's)
    const std::string leftover = folder + file;
    struct stat st;
    if (::lstat(leftover.c_str(), &st) == 0 && S_ISREG(st.st_mode)) ::unlink(leftover.c_str());
  }
  ::closedir(dir);
}

// fsync, again after EINTR; on macOS F_FULLFSYNC first, which flushes the
// drive's own cache too. 0 or the errno.
inline int sync_descriptor(int fd) {
#if defined(__APPLE__) && defined(F_FULLFSYNC)
  if (::fcntl(fd, F_FULLFSYNC) == 0) return 0;
#endif
  while (::fsync(fd) != 0)
    if (errno != EINTR) return errno;
  return 0;
}

// Syncs the folder's entries (the rename): 0 or the errno. A folder that
// cannot be opened for reading (mode 0300) is not synced, and that is no
// error: the rename is done, and nothing more can make it surer.
inline int sync_folder(const std::string& folder) {
  const int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return 0;
  const int error = sync_descriptor(fd);
  ::close(fd);
  return error;
}

// A file system that has no use for a folder's fsync answers one of these.
inline bool folder_sync_unsupported(int error) {
  if (error == EINVAL || error == ENOTSUP) return true;
  return error == EOPNOTSUPP;
}

// The temporary file while it is written: closed and removed when it goes
// out of scope, unless it was renamed into place.
class PendingFile {
 public:
  PendingFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PendingFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;

  int fd() const { return fd_; }
  // Closes the file: 0 or the errno (after EINTR the descriptor is closed).
  int close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) != 0 && errno != EINTR ? errno : 0;
  }
  void renamed() { path_.clear(); }

 private:
  int fd_;
  std::string path_;
};

// Writes all the bytes, again after EINTR and short writes: 0 or the errno.
inline int write_all(int fd, const char* data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const std::size_t chunk = std::min<std::size_t>(size - done, std::size_t(1) << 30);
    const ssize_t n = ::write(fd, data + done, chunk);
    if (n > 0) {
      done += std::size_t(n);
    } else if (n == 0) {
      return EIO;
    } else if (errno != EINTR) {
      return errno;
    }
  }
  return 0;
}

#endif  // _WIN32

}  // namespace detail

/// Writes `size` bytes to `path` so that the file is never half-written (see above).
inline void write_file_atomically(const std::string& path, const char* data, std::size_t size) {
#ifdef _WIN32
  std::random_device rd;
  std::ostringstream name;
  name << path << ".tmp-" << std::hex << rd();
  const std::string tmp = name.str();
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      throw FileError(path + ": cannot create the temporary file " + tmp +
                      " (does the folder exist, and may it be written?)");
    }
    out.write(data, std::streamsize(size));
    out.flush();
    if (!out) {
      out.close();
      std::remove(tmp.c_str());
      throw FileError(path + ": write error (disk full?); the previous file is untouched");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw FileError(path + ": cannot rename the temporary file " + tmp + " into place");
  }
#else
  const auto text = [](int error) { return std::string(" (") + std::strerror(error) + ")"; };
  int error = 0;
  const std::string target = detail::follow_links(path, error);
  if (error != 0) throw FileError(path + ": cannot follow the symbolic link" + text(error));
  struct stat old;
  const bool replacing = ::stat(target.c_str(), &old) == 0;
  if (replacing && S_ISDIR(old.st_mode)) throw FileError(path + ": is a directory, not a file");
  if (replacing && !S_ISREG(old.st_mode))
    throw FileError(path + ": is not a regular file (a device, a pipe or a socket)");
  const std::string folder = detail::folder_of(target);
  const std::string name = target.substr(folder.size());
  if (name.empty()) throw FileError(path + ": names a folder, not a file");
  const std::string untouched = replacing ? "; the previous file is untouched" : "";

  const std::string host = detail::host_name();
  detail::remove_dead_writers_files(folder, name, host);

  std::random_device rd;
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0; ++attempt) {
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", unsigned(rd()) & 0xffffffffu);
    tmp = target + ".tmp-" + (host.empty() ? "unknown" : host) + "-" + std::to_string(::getpid()) +
          "-" + hex;
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    error = errno;
    if (fd < 0 && ((error != EEXIST && error != EINTR) || attempt == 100))
      throw FileError(path + ": cannot create the temporary file " + tmp + text(error));
  }
  detail::PendingFile file(fd, tmp);
  if (replacing && ::fchmod(fd, old.st_mode & 07777) != 0) {
    error = errno;
    throw FileError(path + ": cannot give the temporary file " + tmp +
                    " the permissions of the file it replaces" + text(error) + untouched);
  }
  error = detail::file_step("write");
  if (error == 0) error = detail::write_all(fd, data, size);
  if (error != 0) throw FileError(path + ": write error" + text(error) + untouched);
  error = detail::file_step("fsync file");
  if (error == 0) error = detail::sync_descriptor(fd);
  if (error != 0)
    throw FileError(path + ": cannot sync the temporary file to disk" + text(error) + untouched);
  error = file.close();
  if (error != 0) throw FileError(path + ": write error" + text(error) + untouched);
  error = detail::file_step("rename");
  if (error == 0 && ::rename(tmp.c_str(), target.c_str()) != 0) error = errno;
  if (error != 0) {
    throw FileError(path + ": cannot rename the temporary file " + tmp + " into place" +
                    text(error) + untouched);
  }
  file.renamed();
  error = detail::file_step("fsync folder");
  if (error == 0) error = detail::sync_folder(folder);
  if (error != 0 && !detail::folder_sync_unsupported(error)) {
    throw FileError(path + ": the new file is in place, but its folder cannot be synced to disk" +
                    text(error));
  }
#endif
}

/// Writes `text` to `path` so that the file is never half-written.
inline void write_file_atomically(const std::string& path, const std::string& text) {
  write_file_atomically(path, text.data(), text.size());
}

/// Writes `bytes` to `path` so that the file is never half-written.
inline void write_file_atomically(const std::string& path,
                                  const std::vector<unsigned char>& bytes) {
  write_file_atomically(path, reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace hnn

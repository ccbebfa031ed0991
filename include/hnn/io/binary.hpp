// SPDX-License-Identifier: MIT
#pragma once
// Byte-level reading and writing for hnn's file formats: little-endian
// integers and IEEE floats whatever the host, length-prefixed strings, a
// 64-bit FNV-1a checksum, a reader that can never read past its buffer, and
// and (in core/file.hpp) a writer that replaces a file atomically.

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/file.hpp"

namespace hnn {
/// The bytes of hnn's files: little-endian fields, checksums, the model file's sections.
namespace io {

/// FNV-1a, 64 bits: h ← (h ⊕ byte) · 1099511628211, from 14695981039346656037.
inline std::uint64_t fnv1a(const unsigned char* data, std::size_t n) {
  std::uint64_t h = 14695981039346656037ull;
  for (std::size_t i = 0; i < n; ++i) {
    h ^= data[i];
    h *= 1099511628211ull;
  }
  return h;
}

/// Bytes in hnn's file format: little-endian integers and IEEE floats, whatever the host.
class ByteWriter {
 public:
  /// Appends a byte.
  void u8(std::uint8_t v) { bytes_.push_back(v); }
  /// Appends a 32-bit unsigned integer, little-endian.
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
      bytes_.push_back(std::uint8_t(v >> (8 * i)));
  }
  /// Appends a 64-bit unsigned integer, little-endian.
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i)
      bytes_.push_back(std::uint8_t(v >> (8 * i)));
  }
  /// Appends a float as its 32 IEEE bits.
  void f32(float v) {
    std::uint32_t b;
    std::memcpy(&b, &v, 4);
    u32(b);
  }
  /// Appends a double as its 64 IEEE bits.
  void f64(double v) {
    std::uint64_t b;
    std::memcpy(&b, &v, 8);
    u64(b);
  }
  /// Appends n bytes as they are.
  void raw(const void* p, std::size_t n) {
    const auto* c = static_cast<const unsigned char*>(p);
    bytes_.insert(bytes_.end(), c, c + n);
  }
  /// Appends a string: its length (u32), then its bytes.
  void string(const std::string& s) {
    u32(std::uint32_t(s.size()));
    raw(s.data(), s.size());
  }
  /// The bytes written so far.
  const std::vector<unsigned char>& bytes() const { return bytes_; }

 private:
  std::vector<unsigned char> bytes_;
};

/// Reads from a buffer; a read past its end throws a FileError.
// The FileError names the file, the offset and what was being read.
class ByteReader {
 public:
  /// A reader of the `size` bytes at `data`, which come from `file` (for messages).
  ByteReader(const unsigned char* data, std::size_t size, std::string file)
      : data_(data), size_(size), file_(std::move(file)) {}

  /// Reads a byte; `what` names it in a FileError.
  std::uint8_t u8(const char* what) { return *take(1, what); }
  /// Reads a 32-bit unsigned integer, little-endian.
  std::uint32_t u32(const char* what) {
    const unsigned char* p = take(4, what);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
      v |= std::uint32_t(p[i]) << (8 * i);
    return v;
  }
  /// Reads a 64-bit unsigned integer, little-endian.
  std::uint64_t u64(const char* what) {
    const unsigned char* p = take(8, what);
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v |= std::uint64_t(p[i]) << (8 * i);
    return v;
  }
  /// Reads a float from its 32 IEEE bits.
  float f32(const char* what) {
    const std::uint32_t b = u32(what);
    float v;
    std::memcpy(&v, &b, 4);
    return v;
  }
  /// Reads a double from its 64 IEEE bits.
  double f64(const char* what) {
    const std::uint64_t b = u64(what);
    double v;
    std::memcpy(&v, &b, 8);
    return v;
  }
  /// A string of at most max_length bytes.
  std::string string(const char* what, std::size_t max_length = 256) {
    const std::uint32_t n = u32(what);
    if (n > max_length)
      fail(std::string(what) + " is " + std::to_string(n) + " bytes long (at most " +
           std::to_string(max_length) + ")");
    const unsigned char* p = take(n, what);
    return std::string(reinterpret_cast<const char*>(p), n);
  }
  /// The bytes read so far.
  std::size_t offset() const { return pos_; }
  /// The bytes left to read.
  std::size_t remaining() const { return size_ - pos_; }

  /// Throws a FileError naming the file, `message` and the offset.
  [[noreturn]] void fail(const std::string& message) const {
    std::ostringstream s;
    s << file_ << ": " << message << " (at byte " << pos_ << ')';
    throw FileError(s.str());
  }

 private:
  const unsigned char* take(std::size_t n, const char* what) {
    if (n > size_ - pos_) fail(std::string("file is truncated: cannot read ") + what);
    const unsigned char* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  const unsigned char* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  std::string file_;
};

/// The whole content of a file, at most max_bytes long.
inline std::vector<unsigned char> read_file(const std::string& path, std::size_t max_bytes) {
  const auto reason = [](int err) {
    return " (" + (err != 0 ? std::string(std::strerror(err)) : std::string("unknown error")) + ")";
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw FileError(path + ": is a directory, not a file");
  struct Close {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  errno = 0;
  const std::unique_ptr<std::FILE, Close> in(std::fopen(path.c_str(), "rb"));
  if (!in) {
    const int err = errno;
    throw FileError(path + ": cannot open the file for reading" + reason(err));
  }
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw FileError(path + ": cannot determine the file size (" + ec.message() + ")");
  if (size > max_bytes) {
    throw FileError(path + ": the file is " + std::to_string(size) + " bytes, more than the " +
                    std::to_string(max_bytes) + " allowed");
  }
  std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
  std::size_t done = 0;
  errno = 0;
  while (done < bytes.size()) {
    const std::size_t n = std::fread(bytes.data() + done, 1, bytes.size() - done, in.get());
    if (n == 0) break;
    done += n;
  }
  if (done < bytes.size()) {
    const int err = errno;
    if (std::ferror(in.get())) throw FileError(path + ": read error" + reason(err));
    throw FileError(path + ": the file ended after " + std::to_string(done) + " of its " +
                    std::to_string(bytes.size()) + " bytes (did it change while it was read?)");
  }
  return bytes;
}

}  // namespace io
}  // namespace hnn

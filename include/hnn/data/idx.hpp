// SPDX-License-Identifier: MIT
#pragma once
// IDX, the file format of MNIST and Fashion-MNIST.
//
//   bytes 0–1   0x00 0x00
//   byte  2     element type: 0x08 is unsigned byte, the only type hnn reads
//   byte  3     number of dimensions d: 3 for images (count, rows, cols),
//               1 for labels (count)
//   4 d bytes   the d sizes, each a 32-bit big-endian integer
//   the rest    the elements, row-major: pixel (r, c) of image k is byte
//               k·rows·cols + r·cols + c of the data
//
// So an images file starts with the magic number 0x00000803 and holds exactly
// 16 + count·rows·cols bytes; a labels file starts with 0x00000801 and holds
// 8 + count bytes. The reader checks all of it: the magic number, the type
// byte, the number of dimensions, sizes that are zero or absurd (a side over
// idx_max_side, a count over idx_max_count, more data than the ceiling
// max_bytes, by default idx_default_max_bytes = 256 MiB), a file shorter than
// its header promises (truncated) or longer (trailing bytes), and labels
// outside 0 … num_classes − 1. Each problem is a FileError that names the
// file and says what is wrong; so is running out of memory.
//
// The bytes come through a bounded reader: nothing is indexed by a size read
// from the file, and the data buffer grows with the data that actually
// arrives, so a header that lies about its sizes costs neither a crash nor a
// huge allocation. A compressed file can hold far more than its size (a
// megabyte of gzip expands to a gigabyte of zeros), so the ceiling is checked
// against the header's promise before any of the data is read.
//
// Images come out as a (rows·cols × count) matrix, one image per column, its
// pixels in row-major order, scaled to [0, 1] (x = byte / 255) unless
// PixelScale::raw asks for the bytes 0 … 255. Labels come out as hnn::Labels.
//
// gzip: when hnn is built with zlib (HNN_HAVE_ZLIB=1, which the CMake target
// sets when zlib is found), a file whose content starts with the gzip magic
// bytes 1f 8b is decompressed on the fly, whatever its name; bytes after the
// last gzip member are trailing data, refused like a plain file's. Without
// zlib such a file is a FileError that says so.

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <new>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/types.hpp"

#if defined(HNN_HAVE_ZLIB) && HNN_HAVE_ZLIB
#include <zlib.h>
#endif

namespace hnn {

/// Pixels as read (0 … 255) or divided by 255 (0 … 1, the default).
enum class PixelScale { unit, raw };

// What the reader accepts: larger sizes are taken for a corrupt header.
inline constexpr std::uint32_t idx_max_side = 4096;          ///< the most rows or cols
inline constexpr std::uint32_t idx_max_count = 100'000'000;  ///< the most images or labels
/// The default ceiling on an images file's data: 2^28 bytes (256 MiB of pixels).
// Checked against what the header promises before anything is allocated (1 GiB
// as a float matrix). MNIST and Fashion-MNIST's training sets are 47 MB; a
// larger data set passes its own ceiling (max_bytes) to the readers, up to
// idx_max_bytes.
inline constexpr std::uint64_t idx_default_max_bytes = std::uint64_t(1) << 28;
inline constexpr std::uint64_t idx_max_bytes = std::uint64_t(1) << 32;  ///< the largest max_bytes

/// Whether this build reads gzip-compressed IDX files (built with zlib).
#if defined(HNN_HAVE_ZLIB) && HNN_HAVE_ZLIB
inline constexpr bool idx_reads_gzip = true;
#else
inline constexpr bool idx_reads_gzip = false;
#endif

/// Images and their labels, read from a pair of IDX files.
template <typename Scalar = float>
struct IdxDataset {
  Matrix<Scalar> X;      ///< (rows·cols × count), one image per column
  Labels y;              ///< (count), one class index per image
  Index image_rows = 0;  ///< the height of an image
  Index image_cols = 0;  ///< the width of an image
};

namespace detail {

inline std::string idx_hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(v));
  return buf;
}

inline std::string idx_type_name(unsigned type) {
  switch (type) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "16-bit integer";
    case 0x0C:
      return "32-bit integer";
    case 0x0D:
      return "32-bit float";
    case 0x0E:
      return "64-bit float";
    default:
      return "not an IDX type";
  }
}

// Where the bytes of an IDX file come from. read() fills at most n bytes
// and returns how many it got: fewer than n only at the end of the data.
// end_problem() is empty when the data ended cleanly, and otherwise says why
// not (a truncated or corrupt gzip stream).
class IdxSource {
 public:
  virtual ~IdxSource() = default;
  virtual std::size_t read(unsigned char* dst, std::size_t n) = 0;
  virtual std::string end_problem() { return {}; }
};

// Bytes in memory (a fuzzer's input, a file already loaded).
class IdxMemorySource : public IdxSource {
 public:
  IdxMemorySource(const unsigned char* data, std::size_t size) : data_(data), size_(size) {}
  std::size_t read(unsigned char* dst, std::size_t n) override {
    const std::size_t k = std::min(n, size_ - pos_);
    if (k > 0) std::memcpy(dst, data_ + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  const unsigned char* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// A plain file, read with stdio. `pending` holds bytes already read by
// whoever opened it (the gzip check), served first.
class IdxFileSource : public IdxSource {
 public:
  IdxFileSource(std::unique_ptr<std::FILE, FileCloser> f, std::string name,
                std::vector<unsigned char> pending)
      : f_(std::move(f)), name_(std::move(name)), pending_(std::move(pending)) {}

  std::size_t read(unsigned char* dst, std::size_t n) override {
    std::size_t got = 0;
    while (got < n && next_ < pending_.size())
      dst[got++] = pending_[next_++];
    if (got < n) {
      got += std::fread(dst + got, 1, n - got, f_.get());
      if (std::ferror(f_.get())) throw FileError(name_ + ": read error");
    }
    return got;
  }

 private:
  std::unique_ptr<std::FILE, FileCloser> f_;
  std::string name_;
  std::vector<unsigned char> pending_;
  std::size_t next_ = 0;
};

#if defined(HNN_HAVE_ZLIB) && HNN_HAVE_ZLIB
// gzip data from another source (a file, bytes in memory), decompressed by
// zlib's inflate. Members that follow one another are read as one stream,
// as gunzip does; anything else after the last member is trailing data,
// refused as a plain IDX file's trailing bytes are (end_problem()). The
// decompressed bytes come out only as read() asks for them, so what a small
// file expands to is bounded by what the header promised (and by the
// ceiling on that), not by the file.
class IdxGzipSource : public IdxSource {
 public:
  IdxGzipSource(std::unique_ptr<IdxSource> raw, std::string name)
      : raw_(std::move(raw)), name_(std::move(name)), in_(1 << 16) {
    z_.zalloc = Z_NULL;
    z_.zfree = Z_NULL;
    z_.opaque = Z_NULL;
    z_.next_in = Z_NULL;
    z_.avail_in = 0;
    if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) {  // 16 +: a gzip wrapper, not zlib's
      throw FileError(name_ + ": cannot start the gzip decompressor");
    }
  }
  IdxGzipSource(const IdxGzipSource&) = delete;
  IdxGzipSource& operator=(const IdxGzipSource&) = delete;
  ~IdxGzipSource() override { inflateEnd(&z_); }

  std::size_t read(unsigned char* dst, std::size_t n) override {
    std::size_t got = 0;
    while (got < n && !done_) {
      if (member_ended_) {  // another member follows, or trailing data, or the end
        if (!next_member()) break;
        continue;
      }
      if (z_.avail_in == 0 && !refill()) {
        problem_ = "the gzip stream is truncated (unexpected end of file)";
        done_ = true;
        break;
      }
      const auto want = static_cast<uInt>(std::min<std::size_t>(n - got, 1u << 30));
      z_.next_out = dst + got;
      z_.avail_out = want;
      const int rc = inflate(&z_, Z_NO_FLUSH);
      got += want - z_.avail_out;
      if (rc == Z_STREAM_END) {
        member_ended_ = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        throw FileError(name_ + ": corrupt gzip data (" + (z_.msg ? z_.msg : "error") + ")");
      }
    }
    return got;
  }

  std::string end_problem() override { return problem_; }

 private:
  // More compressed bytes into in_; false at the end of the source.
  bool refill() {
    const std::size_t k = raw_->read(in_.data(), in_.size());
    z_.next_in = in_.data();
    z_.avail_in = static_cast<uInt>(k);
    return k > 0;
  }

  // At least two bytes of input in hand (a gzip magic), unless the source
  // ends first.
  void fill_two() {
    while (z_.avail_in < 2) {
      if (z_.avail_in > 0) std::memmove(in_.data(), z_.next_in, z_.avail_in);
      z_.next_in = in_.data();
      const std::size_t k = raw_->read(in_.data() + z_.avail_in, in_.size() - z_.avail_in);
      if (k == 0) return;
      z_.avail_in += static_cast<uInt>(k);
    }
  }

  // After a member: start the next one if its magic follows (true), else end
  // the data, cleanly or with trailing bytes (false).
  bool next_member() {
    fill_two();
    if (z_.avail_in >= 2 && z_.next_in[0] == 0x1f && z_.next_in[1] == 0x8b) {
      inflateReset(&z_);
      member_ended_ = false;
      return true;
    }
    if (z_.avail_in > 0) trailing(z_.avail_in);
    done_ = true;
    return false;
  }

  // `already` trailing bytes are in hand; count the rest and end the data.
  void trailing(std::uint64_t already) {
    std::uint64_t extra = already;
    for (std::size_t k; (k = raw_->read(in_.data(), in_.size())) > 0;)
      extra += k;
    problem_ = std::to_string(extra) + " trailing byte" + (extra == 1 ? "" : "s") +
               " after the end of the gzip data (a plain IDX file with bytes after its data is "
               "refused too)";
    z_.avail_in = 0;
  }

  std::unique_ptr<IdxSource> raw_;
  std::string name_;
  std::vector<unsigned char> in_;
  z_stream z_{};
  bool member_ended_ = false;
  bool done_ = false;
  std::string problem_;
};
#endif

// Opens a file for reading, plain or gzip (by its first two bytes).
inline std::unique_ptr<IdxSource> open_idx_source(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw FileError(path + ": is a directory, not an IDX file");
  errno = 0;
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    const int err = errno;
    throw FileError(path + ": cannot open (" +
                    (err != 0 ? std::string(std::strerror(err)) : std::string("unknown error")) +
                    ")");
  }
  std::vector<unsigned char> head(2);
  head.resize(std::fread(head.data(), 1, 2, f.get()));
  if (std::ferror(f.get())) throw FileError(path + ": read error");
  const bool gzip = head.size() == 2 && head[0] == 0x1f && head[1] == 0x8b;
  auto plain = std::make_unique<IdxFileSource>(std::move(f), path, std::move(head));
  if (gzip) {
#if defined(HNN_HAVE_ZLIB) && HNN_HAVE_ZLIB
    return std::make_unique<IdxGzipSource>(std::move(plain), path);
#else
    throw FileError(path +
                    ": is gzip-compressed, but hnn was built without zlib (build with zlib, "
                    "e.g. apt-get install zlib1g-dev and reconfigure, or decompress the file: "
                    "gunzip -k " +
                    path + ")");
#endif
  }
  return plain;
}

// Reads exactly n bytes into dst, or says how many there were.
inline std::size_t read_fully(IdxSource& src, unsigned char* dst, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    const std::size_t k = src.read(dst + got, n - got);
    if (k == 0) break;
    got += k;
  }
  return got;
}

inline std::string with_end_problem(IdxSource& src, std::string message) {
  const std::string p = src.end_problem();
  if (!p.empty()) message += "; " + p;
  return message;
}

struct IdxHeader {
  unsigned dims_count = 0;
  std::array<std::uint32_t, 3> dims{};  // count, rows, cols (only count for labels)
};

// Reads and checks the magic number and the sizes. `dims` is 3 for images,
// 1 for labels.
inline IdxHeader read_idx_header(IdxSource& src, const std::string& name, unsigned dims) {
  const std::uint32_t expected_magic = 0x0800u | dims;
  const std::string kind = dims == 3 ? "images" : "labels";
  const std::size_t header_bytes = 4 + 4 * std::size_t(dims);
  std::array<unsigned char, 16> h{};
  const std::size_t got = read_fully(src, h.data(), 4);
  if (got == 0) throw FileError(with_end_problem(src, name + ": the file is empty"));
  if (got < 4) {
    throw FileError(with_end_problem(src, name + ": truncated header: the file has " +
                                              std::to_string(got) + " bytes, an IDX " + kind +
                                              " header has " + std::to_string(header_bytes)));
  }
  const std::uint32_t magic = (std::uint32_t(h[0]) << 24) | (std::uint32_t(h[1]) << 16) |
                              (std::uint32_t(h[2]) << 8) | std::uint32_t(h[3]);
  if (h[0] != 0 || h[1] != 0) {
    std::string msg = name + ": not an IDX file: magic number " + idx_hex32(magic) + ", expected " +
                      idx_hex32(expected_magic) + " (" + kind + ")";
    if (h[0] == 0x1f && h[1] == 0x8b) msg += "; the data looks gzip-compressed";
    throw FileError(msg);
  }
  if (h[2] != 0x08) {
    std::ostringstream s;
    s << name << ": magic number " << idx_hex32(magic) << " has element type 0x" << std::hex
      << std::uppercase << (h[2] < 16 ? "0" : "") << unsigned(h[2]) << " (" << idx_type_name(h[2])
      << "); hnn reads unsigned bytes (type 0x08, magic " << idx_hex32(expected_magic) << " for "
      << kind << ")";
    throw FileError(s.str());
  }
  if (h[3] != dims) {
    std::string msg = name + ": magic number " + idx_hex32(magic) + " says " +
                      std::to_string(h[3]) + " dimension" + (h[3] == 1 ? "" : "s") + ", expected " +
                      std::to_string(dims) + " for " + kind + " (magic " +
                      idx_hex32(expected_magic) + ")";
    if (dims == 3 && h[3] == 1) msg += "; is this a labels file?";
    if (dims == 1 && h[3] == 3) msg += "; is this an images file?";
    throw FileError(msg);
  }
  const std::size_t got_dims = read_fully(src, h.data() + 4, 4 * std::size_t(dims));
  if (got_dims < 4 * std::size_t(dims)) {
    throw FileError(with_end_problem(
        src, name + ": truncated header: the file ends after " + std::to_string(4 + got_dims) +
                 " bytes, an IDX " + kind + " header has " + std::to_string(header_bytes)));
  }
  IdxHeader header;
  header.dims_count = dims;
  for (unsigned i = 0; i < dims; ++i) {
    const unsigned char* p = h.data() + 4 + 4 * i;
    header.dims[i] = (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) |
                     (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
  }
  const std::uint32_t count = header.dims[0];
  if (count == 0) throw FileError(name + ": the header says the file holds 0 " + kind);
  if (count > idx_max_count) {
    throw FileError(name + ": the header says " + std::to_string(count) + " " + kind +
                    ", more than hnn reads (" + std::to_string(idx_max_count) +
                    "): a corrupt header?");
  }
  if (dims == 3) {
    const std::uint32_t rows = header.dims[1], cols = header.dims[2];
    if (rows == 0 || cols == 0 || rows > idx_max_side || cols > idx_max_side) {
      throw FileError(name + ": the header says images of " + std::to_string(rows) + " × " +
                      std::to_string(cols) + " pixels; each side must be 1 … " +
                      std::to_string(idx_max_side) + ": a corrupt header?");
    }
  }
  return header;
}

// Reads the n data bytes the header promised, then checks that nothing
// follows. The buffer grows with the bytes that actually arrive (each step at
// most doubles it, from 64 KiB), so a header that promises gigabytes over a
// short file allocates little more than the file's size.
inline std::vector<unsigned char> read_idx_payload(IdxSource& src, const std::string& name,
                                                   std::uint64_t n, const std::string& promise) {
  std::vector<unsigned char> data;
  std::size_t have = 0;
  while (have < n) {
    const std::size_t step = std::max<std::size_t>(std::size_t(1) << 16, have);
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(n - have, step));
    data.resize(have + want);
    const std::size_t k = read_fully(src, data.data() + have, want);
    have += k;
    if (k < want) {
      throw FileError(with_end_problem(
          src, name + ": truncated: the header promises " + promise + ", " + std::to_string(n) +
                   " data bytes, but the file has only " + std::to_string(have)));
    }
  }
  std::array<unsigned char, 4096> scratch{};
  std::uint64_t extra = 0;
  for (std::size_t k; (k = src.read(scratch.data(), scratch.size())) > 0;)
    extra += k;
  if (extra > 0) {
    throw FileError(name + ": " + std::to_string(extra) + " trailing byte" +
                    (extra == 1 ? "" : "s") + " after the " + std::to_string(n) +
                    " data bytes the header promises (" + promise + ")");
  }
  const std::string problem = src.end_problem();
  if (!problem.empty()) throw FileError(name + ": " + problem);
  return data;
}

// Throws ArgumentError unless max_bytes is a ceiling the readers take.
inline void check_max_bytes(const char* who, std::uint64_t max_bytes) {
  if (max_bytes == 0 || max_bytes > idx_max_bytes) {
    throw ArgumentError(std::string(who) + ": max_bytes must be 1 … " +
                        std::to_string(idx_max_bytes) + ", got " + std::to_string(max_bytes));
  }
}

// Throws FileError when the n data bytes the header promises are over the
// ceiling: before any of them is read.
inline void check_ceiling(const std::string& name, std::uint64_t n, std::uint64_t max_bytes,
                          const std::string& promise) {
  if (n <= max_bytes) return;
  throw FileError(name + ": the header promises " + promise + ", " + std::to_string(n) +
                  " bytes, more than the ceiling of " + std::to_string(max_bytes) +
                  (max_bytes < idx_max_bytes
                       ? " (a corrupt header? if not, pass a larger max_bytes, at most " +
                             std::to_string(idx_max_bytes) + ")"
                       : ": a corrupt header?"));
}

template <typename Scalar>
IdxDataset<Scalar> read_idx_images(IdxSource& src, const std::string& name, PixelScale scale,
                                   std::uint64_t max_bytes) {
  check_max_bytes("read_idx_images", max_bytes);
  const IdxHeader h = read_idx_header(src, name, 3);
  const std::uint64_t count = h.dims[0], rows = h.dims[1], cols = h.dims[2];
  const std::uint64_t pixels = rows * cols;  // ≤ 4096², no overflow
  // count · pixels ≤ 10⁸ · 2²⁴ < 2⁵¹: no overflow either; the limit decides.
  const std::uint64_t n = count * pixels;
  const std::string promise = std::to_string(count) + " images of " + std::to_string(rows) + " × " +
                              std::to_string(cols) + " pixels";
  check_ceiling(name, n, max_bytes, promise);
  const std::vector<unsigned char> bytes = read_idx_payload(src, name, n, promise);
  std::array<Scalar, 256> value{};
  for (int b = 0; b < 256; ++b)
    value[std::size_t(b)] = scale == PixelScale::raw ? Scalar(b) : Scalar(b) / Scalar(255);
  IdxDataset<Scalar> out;
  out.image_rows = Index(rows);
  out.image_cols = Index(cols);
  out.X.resize(Index(pixels), Index(count));
  Scalar* x = out.X.data();  // column-major: image k's pixels are contiguous, as in the file
  for (std::size_t i = 0; i < bytes.size(); ++i)
    x[i] = value[bytes[i]];
  return out;
}

inline Labels read_idx_labels(IdxSource& src, const std::string& name, int num_classes,
                              std::uint64_t max_bytes) {
  if (num_classes < 1 || num_classes > 256) {
    throw ArgumentError("read_idx_labels: num_classes must be 1 … 256 (a label is one byte), got " +
                        std::to_string(num_classes));
  }
  check_max_bytes("read_idx_labels", max_bytes);
  const IdxHeader h = read_idx_header(src, name, 1);
  const std::uint64_t count = h.dims[0];
  const std::string promise = std::to_string(count) + " labels";
  check_ceiling(name, count, max_bytes, promise);
  const std::vector<unsigned char> bytes = read_idx_payload(src, name, count, promise);
  Labels y(static_cast<Index>(count));
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] >= num_classes) {
      throw FileError(name + ": label " + std::to_string(bytes[i]) + " at index " +
                      std::to_string(i) + " is out of range (expected 0 … " +
                      std::to_string(num_classes - 1) + ")");
    }
    y(Index(i)) = bytes[i];
  }
  return y;
}

// Runs a read, turning running out of memory into a FileError naming the file.
template <typename F>
auto idx_guard_memory(const std::string& name, F&& read) -> decltype(read()) {
  try {
    return read();
  } catch (const std::bad_alloc&) {
    throw FileError(name + ": not enough memory to hold the data it holds");
  }
}

// Bytes in memory, decompressed if they are gzip (by their first two bytes).
inline std::unique_ptr<IdxSource> memory_idx_source(const unsigned char* data, std::size_t size,
                                                    const std::string& name) {
  auto plain = std::make_unique<IdxMemorySource>(data, size);
#if defined(HNN_HAVE_ZLIB) && HNN_HAVE_ZLIB
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b)
    return std::make_unique<IdxGzipSource>(std::move(plain), name);
#else
  (void)name;
#endif
  return plain;
}

}  // namespace detail

/// Reads an IDX images file (magic 0x00000803): a (rows·cols × count) matrix.
// One image per column, in [0, 1] (PixelScale::unit) or 0 … 255 (raw).
// At most max_bytes of pixels (idx_default_max_bytes: 256 MiB).
template <typename Scalar = float>
Matrix<Scalar> read_idx_images(const std::string& path, PixelScale scale = PixelScale::unit,
                               std::uint64_t max_bytes = idx_default_max_bytes) {
  return detail::idx_guard_memory(path, [&] {
    auto src = detail::open_idx_source(path);
    return detail::read_idx_images<Scalar>(*src, path, scale, max_bytes).X;
  });
}

/// Reads an IDX labels file (magic 0x00000801).
// Every label must be 0 … num_classes − 1; at most max_bytes of them
// (idx_default_max_bytes).
inline Labels read_idx_labels(const std::string& path, int num_classes = 10,
                              std::uint64_t max_bytes = idx_default_max_bytes) {
  return detail::idx_guard_memory(path, [&] {
    auto src = detail::open_idx_source(path);
    return detail::read_idx_labels(*src, path, num_classes, max_bytes);
  });
}

/// Reads an images file and its labels file, which must hold the same count.
template <typename Scalar = float>
IdxDataset<Scalar> read_idx_dataset(const std::string& images_path, const std::string& labels_path,
                                    PixelScale scale = PixelScale::unit, int num_classes = 10,
                                    std::uint64_t max_bytes = idx_default_max_bytes) {
  Labels y = read_idx_labels(labels_path, num_classes, max_bytes);  // small: read first
  IdxDataset<Scalar> data = detail::idx_guard_memory(images_path, [&] {
    auto src = detail::open_idx_source(images_path);
    return detail::read_idx_images<Scalar>(*src, images_path, scale, max_bytes);
  });
  if (data.X.cols() != y.size()) {
    throw FileError("IDX count mismatch: " + images_path + " holds " +
                    std::to_string(data.X.cols()) + " images but " + labels_path + " holds " +
                    std::to_string(y.size()) + " labels");
  }
  data.y = std::move(y);
  return data;
}

/// The images reader over bytes in memory (plain, or gzip as a file would be).
// `name` stands for the file name in error messages.
template <typename Scalar = float>
IdxDataset<Scalar> parse_idx_images(const unsigned char* data, std::size_t size,
                                    const std::string& name = "<memory>",
                                    PixelScale scale = PixelScale::unit,
                                    std::uint64_t max_bytes = idx_default_max_bytes) {
  return detail::idx_guard_memory(name, [&] {
    auto src = detail::memory_idx_source(data, size, name);
    return detail::read_idx_images<Scalar>(*src, name, scale, max_bytes);
  });
}

/// The labels reader over bytes in memory; `name` stands for the file name in messages.
inline Labels parse_idx_labels(const unsigned char* data, std::size_t size,
                               const std::string& name = "<memory>", int num_classes = 10,
                               std::uint64_t max_bytes = idx_default_max_bytes) {
  return detail::idx_guard_memory(name, [&] {
    auto src = detail::memory_idx_source(data, size, name);
    return detail::read_idx_labels(*src, name, num_classes, max_bytes);
  });
}

}  // namespace hnn

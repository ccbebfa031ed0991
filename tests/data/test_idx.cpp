// SPDX-License-Identifier: MIT
// The IDX reader: a round trip through a file the test writes, the committed
// files in tests/data/files (valid ones, and one for each way a file can be
// malformed), gzip with and without zlib (trailing data, several members, a
// file that expands past the ceiling), and every truncation and header
// corruption of a valid file, each a FileError and never a crash.

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "hnn/data/idx.hpp"
#include "test_support.hpp"

#if defined(HNN_HAVE_ZLIB) && HNN_HAVE_ZLIB
#include <zlib.h>
#endif

using hnn::Index;
using hnn::Matrix;
using hnn_test::Bytes;
using hnn_test::put_be32;
using hnn_test::TempDir;
using hnn_test::write_bytes;

namespace {

// The pixels of tests/data/files/images_3x4x5.idx (see generate.py there):
// (37k + 11r + 3c) mod 256, with image 0's first pixel 0 and image 2's last 255.
unsigned char pixel(int k, int r, int c) {
  if (k == 0 && r == 0 && c == 0) return 0;
  if (k == 2 && r == 3 && c == 4) return 255;
  return static_cast<unsigned char>((37 * k + 11 * r + 3 * c) % 256);
}

Bytes images_3x4x5() {
  Bytes b;
  put_be32(b, 0x00000803);
  put_be32(b, 3);
  put_be32(b, 4);
  put_be32(b, 5);
  for (int k = 0; k < 3; ++k)
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 5; ++c)
        b.push_back(pixel(k, r, c));
  return b;
}

}  // namespace

TEST_CASE_TEMPLATE("IDX round trip: 3 images of 4 × 5, one per column, scaled to the unit interval",
                   Scalar, float, double) {
  TempDir dir;
  const std::string path = dir.file("images.idx");
  write_bytes(path, images_3x4x5());

  const Matrix<Scalar> X = hnn::read_idx_images<Scalar>(path);
  REQUIRE(X.rows() == 20);
  REQUIRE(X.cols() == 3);
  for (int k = 0; k < 3; ++k)
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 5; ++c)
        CHECK(X(r * 5 + c, k) == Scalar(pixel(k, r, c)) / Scalar(255));  // row-major pixels
  CHECK(X.minCoeff() == Scalar(0));
  CHECK(X.maxCoeff() == Scalar(1));

  const Matrix<Scalar> raw = hnn::read_idx_images<Scalar>(path, hnn::PixelScale::raw);
  CHECK(raw(0, 0) == Scalar(0));
  CHECK(raw(19, 2) == Scalar(255));
  CHECK(raw(7, 1) == Scalar(pixel(1, 1, 2)));

  // The committed file holds the same bytes.
  CHECK(hnn::read_idx_images<Scalar>(hnn_test::data_file("images_3x4x5.idx")) == X);
}

TEST_CASE("IDX labels and a matching pair of files") {
  TempDir dir;
  write_bytes(dir.file("labels.idx"), hnn_test::idx_labels({3, 1, 4, 1, 5, 9, 2, 6}));
  const hnn::Labels y = hnn::read_idx_labels(dir.file("labels.idx"));
  REQUIRE(y.size() == 8);
  CHECK(y(0) == 3);
  CHECK(y(5) == 9);
  CHECK(y(7) == 6);

  const auto d = hnn::read_idx_dataset(hnn_test::data_file("images_3x4x5.idx"),
                                       hnn_test::data_file("labels_3.idx"));
  CHECK(d.image_rows == 4);
  CHECK(d.image_cols == 5);
  CHECK(d.X.rows() == 20);
  CHECK(d.X.cols() == 3);
  REQUIRE(d.y.size() == 3);
  CHECK(d.y(0) == 7);
  CHECK(d.y(1) == 0);
  CHECK(d.y(2) == 9);
}

TEST_CASE("IDX: each malformed file is a FileError that names the file and the problem") {
  SUBCASE("empty file") {
    hnn_test::check_file_error([] { hnn::read_idx_images(hnn_test::data_file("empty.idx")); },
                               "empty.idx: the file is empty");
    hnn_test::check_file_error([] { hnn::read_idx_labels(hnn_test::data_file("empty.idx")); },
                               "empty.idx: the file is empty");
  }
  SUBCASE("missing file") {
    hnn_test::check_file_error(
        [] { hnn::read_idx_images(hnn_test::data_file("no-such-file.idx")); },
        "no-such-file.idx: cannot open (No such file or directory)");
  }
  SUBCASE("a folder") {
    hnn_test::check_file_error([] { hnn::read_idx_labels(hnn_test::source_dir() + "/tests/data"); },
                               "tests/data: is a directory, not an IDX file");
  }
  SUBCASE("wrong magic") {
    hnn_test::check_file_error([] { hnn::read_idx_images(hnn_test::data_file("bad_magic.idx")); },
                               "bad_magic.idx: not an IDX file: magic number 0x00010803, expected "
                               "0x00000803 (images)");
  }
  SUBCASE("wrong type byte") {
    hnn_test::check_file_error(
        [] { hnn::read_idx_images(hnn_test::data_file("bad_type.idx")); },
        "bad_type.idx: magic number 0x00000D03 has element type 0x0D (32-bit "
        "float); hnn reads unsigned bytes (type 0x08, magic 0x00000803 for images)");
  }
  SUBCASE("wrong number of dimensions: labels where images belong, and the reverse") {
    hnn_test::check_file_error(
        [] { hnn::read_idx_images(hnn_test::data_file("labels_as_images.idx")); },
        "labels_as_images.idx: magic number 0x00000801 says 1 dimension, expected 3 "
        "for images (magic 0x00000803); is this a labels file?");
    hnn_test::check_file_error(
        [] { hnn::read_idx_labels(hnn_test::data_file("images_3x4x5.idx")); },
        "images_3x4x5.idx: magic number 0x00000803 says 3 dimensions, expected 1 "
        "for labels (magic 0x00000801); is this an images file?");
  }
  SUBCASE("truncated header") {
    hnn_test::check_file_error(
        [] { hnn::read_idx_images(hnn_test::data_file("truncated_header.idx")); },
        "truncated_header.idx: truncated header: the file ends after 10 bytes, an "
        "IDX images header has 16");
  }
  SUBCASE("truncated data") {
    hnn_test::check_file_error(
        [] { hnn::read_idx_images(hnn_test::data_file("truncated_data.idx")); },
        "truncated_data.idx: truncated: the header promises 3 images of 4 × 5 "
        "pixels, 60 data bytes, but the file has only 50");
    hnn_test::check_file_error(
        [] { hnn::read_idx_labels(hnn_test::data_file("labels_truncated.idx")); },
        "labels_truncated.idx: truncated: the header promises 5 labels, 5 data "
        "bytes, but the file has only 2");
  }
  SUBCASE("a header that promises a million images, and three of them") {
    hnn_test::check_file_error(
        [] { hnn::read_idx_images(hnn_test::data_file("lying_count.idx")); },
        "lying_count.idx: truncated: the header promises 1000000 images of 4 × 5 "
        "pixels, 20000000 data bytes, but the file has only 60");
  }
  SUBCASE("trailing bytes") {
    hnn_test::check_file_error(
        [] { hnn::read_idx_images(hnn_test::data_file("trailing_bytes.idx")); },
        "trailing_bytes.idx: 2 trailing bytes after the 60 data bytes the header "
        "promises (3 images of 4 × 5 pixels)");
  }
  SUBCASE("absurd or zero dimensions") {
    hnn_test::check_file_error(
        [] { hnn::read_idx_images(hnn_test::data_file("absurd_rows.idx")); },
        "absurd_rows.idx: the header says images of 5000 × 5 pixels; each side must "
        "be 1 … 4096");
    hnn_test::check_file_error([] { hnn::read_idx_images(hnn_test::data_file("zero_cols.idx")); },
                               "zero_cols.idx: the header says images of 4 × 0 pixels");
    hnn_test::check_file_error(
        [] { hnn::read_idx_images(hnn_test::data_file("absurd_count.idx")); },
        "absurd_count.idx: the header says 4294967295 images, more than hnn reads "
        "(100000000)");
    hnn_test::check_file_error(
        [] { hnn::read_idx_images(hnn_test::data_file("huge_product.idx")); },
        "huge_product.idx: the header promises 100000000 images of 4096 × 4096 "
        "pixels, 1677721600000000 bytes, more than the ceiling of 268435456");
  }
  SUBCASE("label out of range") {
    hnn_test::check_file_error(
        [] { hnn::read_idx_labels(hnn_test::data_file("label_out_of_range.idx")); },
        "label_out_of_range.idx: label 10 at index 1 is out of range (expected 0 … "
        "9)");
    // With more classes the same file is fine.
    CHECK(hnn::read_idx_labels(hnn_test::data_file("label_out_of_range.idx"), 11)(1) == 10);
    hnn_test::check_file_error([] { hnn::read_idx_labels(hnn_test::data_file("labels_3.idx"), 5); },
                               "labels_3.idx: label 7 at index 0 is out of range (expected 0 … 4)");
    hnn_test::check_throws_with<hnn::ArgumentError>(
        [] { hnn::read_idx_labels(hnn_test::data_file("labels_3.idx"), 0); },
        "num_classes must be 1 … 256");
  }
  SUBCASE("images and labels with different counts: the error names both files") {
    bool thrown = false;
    try {
      hnn::read_idx_dataset(hnn_test::data_file("images_3x4x5.idx"),
                            hnn_test::data_file("labels_4.idx"));
    } catch (const hnn::FileError& e) {
      thrown = true;
      const std::string what = e.what();
      INFO(what);
      CHECK(what.find("IDX count mismatch: " + hnn_test::data_file("images_3x4x5.idx") +
                      " holds 3 images but " + hnn_test::data_file("labels_4.idx") +
                      " holds 4 labels") != std::string::npos);
    }
    CHECK(thrown);
  }
}

#if defined(HNN_HAVE_ZLIB) && HNN_HAVE_ZLIB

TEST_CASE("IDX with zlib: .gz files are decompressed on the fly") {
  CHECK(hnn::idx_reads_gzip);
  const Matrix<float> plain = hnn::read_idx_images(hnn_test::data_file("images_3x4x5.idx"));
  CHECK(hnn::read_idx_images(hnn_test::data_file("images_3x4x5.idx.gz")) == plain);

  // A .gz this test writes itself, for labels.
  TempDir dir;
  const std::string path = dir.file("labels.idx.gz");
  const Bytes b = hnn_test::idx_labels({5, 0, 4, 1});
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, b.data(), unsigned(b.size())) == int(b.size()));
  REQUIRE(gzclose(f) == Z_OK);
  const hnn::Labels y = hnn::read_idx_labels(path);
  REQUIRE(y.size() == 4);
  CHECK(y(0) == 5);
  CHECK(y(3) == 1);

  // The checks apply to the decompressed bytes, and a broken stream is reported.
  hnn_test::check_file_error([] { hnn::read_idx_images(hnn_test::data_file("truncated.idx.gz")); },
                             "the gzip stream is truncated");
  hnn_test::check_file_error([] { hnn::read_idx_images(hnn_test::data_file("bad_crc.idx.gz")); },
                             "bad_crc.idx.gz: corrupt gzip data");
}

TEST_CASE("IDX with zlib: bytes after the gzip data are refused, as after a plain file's data") {
  hnn_test::check_file_error(
      [] { hnn::read_idx_images(hnn_test::data_file("trailing_bytes.idx.gz")); },
      "trailing_bytes.idx.gz: 1 trailing byte after the end of the gzip data");
  hnn_test::check_file_error(
      [] { hnn::read_idx_images(hnn_test::data_file("trailing_bytes.idx")); },
      "trailing_bytes.idx: 2 trailing bytes after the 60 data bytes");
  // From memory the same, and a second gzip member is not trailing data: the
  // members are one stream, as gunzip reads them.
  const Bytes t = hnn_test::read_bytes(hnn_test::data_file("trailing_bytes.idx.gz"));
  hnn_test::check_file_error([&] { hnn::parse_idx_images(t.data(), t.size(), "mem"); },
                             "mem: 1 trailing byte after the end of the gzip data");
  const Matrix<float> plain = hnn::read_idx_images(hnn_test::data_file("images_3x4x5.idx"));
  CHECK(hnn::read_idx_images(hnn_test::data_file("two_members.idx.gz")) == plain);
  const Bytes two = hnn_test::read_bytes(hnn_test::data_file("two_members.idx.gz"));
  CHECK(hnn::parse_idx_images(two.data(), two.size()).X == plain);
  // A member then a lone 0x1f (half a magic): trailing too.
  Bytes half = hnn_test::read_bytes(hnn_test::data_file("images_3x4x5.idx.gz"));
  half.push_back(0x1f);
  hnn_test::check_file_error([&] { hnn::parse_idx_images(half.data(), half.size(), "half"); },
                             "half: 1 trailing byte after the end of the gzip data");
}

namespace {

// A gzip member holding `data`.
Bytes gzip_member(const Bytes& data) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  Bytes out(deflateBound(&z, uLong(data.size())));
  z.next_in = const_cast<Bytef*>(data.data());
  z.avail_in = uInt(data.size());
  z.next_out = out.data();
  z.avail_out = uInt(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace

TEST_CASE("IDX with zlib: a megabyte of gzip that expands to a gigabyte fails before allocating") {
  // The header promises 65536 images of 128 × 128 (1 GiB of pixels, 4 GiB
  // as floats), and the data is all there: 1024 members of 1 MiB of zeros,
  // about 1 MB in the file.
  Bytes header;
  put_be32(header, 0x00000803);
  put_be32(header, 65536);
  put_be32(header, 128);
  put_be32(header, 128);
  Bytes file = gzip_member(header);
  const Bytes mib = gzip_member(Bytes(std::size_t(1) << 20, 0));
  for (int k = 0; k < 1024; ++k)
    file.insert(file.end(), mib.begin(), mib.end());
  CHECK(file.size() < (std::size_t(3) << 20));
  TempDir dir;
  const std::string path = dir.file("bomb.idx.gz");
  write_bytes(path, file);
  const hnn_test::HeapWatch heap;
  hnn_test::check_file_error(
      [&] { hnn::read_idx_images(path); },
      path +
          ": the header promises 65536 images of 128 × 128 pixels, 1073741824 bytes, more "
          "than the ceiling of 268435456 (a corrupt header? if not, pass a larger max_bytes");
  hnn_test::check_file_error([&] { hnn::parse_idx_images(file.data(), file.size(), "mem"); },
                             "more than the ceiling of 268435456");
  CHECK(heap.largest() < (std::size_t(1) << 20));  // the decompressor's buffers, no more

  // The committed seed: 64 KB that expand to 64 MiB, over a ceiling of 16 MiB.
  const std::string seed = hnn_test::data_file("gzip_bomb.idx.gz");
  hnn_test::check_file_error(
      [&] { hnn::read_idx_images(seed, hnn::PixelScale::unit, std::uint64_t(1) << 24); },
      "4096 images of 128 × 128 pixels, 67108864 bytes, more than the ceiling of 16777216");
  CHECK(heap.largest() < (std::size_t(1) << 20));
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] { hnn::read_idx_images(seed, hnn::PixelScale::unit, 0); }, "max_bytes must be 1 …");
  // Labels have the same ceiling (a label is a byte in the file, an int in memory).
  const Bytes labels = hnn_test::idx_labels({1, 2, 3, 4, 5});
  hnn_test::check_file_error(
      [&] { hnn::parse_idx_labels(labels.data(), labels.size(), "l", 10, 4); },
      "l: the header promises 5 labels, 5 bytes, more than the ceiling of 4");
  CHECK(hnn::parse_idx_labels(labels.data(), labels.size(), "l", 10, 5).size() == 5);
}

#else

TEST_CASE("IDX without zlib: a .gz file is a FileError saying hnn was built without zlib") {
  CHECK_FALSE(hnn::idx_reads_gzip);
  hnn_test::check_file_error(
      [] { hnn::read_idx_images(hnn_test::data_file("images_3x4x5.idx.gz")); },
      "images_3x4x5.idx.gz: is gzip-compressed, but hnn was built without zlib");
}

#endif

TEST_CASE("IDX from memory: every truncation and every header byte corrupted is a FileError") {
  const Bytes good = images_3x4x5();
  const auto parsed = hnn::parse_idx_images(good.data(), good.size(), "good");
  CHECK(parsed.X == hnn::read_idx_images(hnn_test::data_file("images_3x4x5.idx")));

  // Every proper prefix, the empty one included, is missing something.
  for (std::size_t n = 0; n < good.size(); ++n) {
    CAPTURE(n);
    CHECK_THROWS_AS(hnn::parse_idx_images(good.data(), n, "prefix"), hnn::FileError);
  }
  // Each header byte set to each of a few values: parsed or rejected, never a crash.
  const unsigned char values[] = {0x00, 0x01, 0x02, 0x03, 0x08, 0x0D, 0x10, 0x7F, 0x80, 0xFF};
  int rejected = 0;
  for (std::size_t i = 0; i < 16; ++i)
    for (unsigned char v : values) {
      Bytes b = good;
      b[i] = v;
      try {
        const auto d = hnn::parse_idx_images(b.data(), b.size(), "mutant");
        CHECK(d.X.size() == 60);  // only a changed size that keeps 60 pixels can parse
      } catch (const hnn::FileError& e) {
        ++rejected;
        CHECK(std::string(e.what()).rfind("mutant: ", 0) == 0);
      }
    }
  CHECK(rejected > 100);

  // Labels from memory.
  const Bytes lb = hnn_test::idx_labels({1, 2, 3});
  CHECK(hnn::parse_idx_labels(lb.data(), lb.size())(2) == 3);
  hnn_test::check_throws_with<hnn::FileError>(
      [&] { hnn::parse_idx_labels(lb.data(), lb.size() - 1, "short"); },
      "short: truncated: the header promises 3 labels");
  // gzip bytes in memory: decompressed with zlib (this one is cut short);
  // without zlib the magic check says what they look like.
  const Bytes gz = {0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  hnn_test::check_throws_with<hnn::FileError>(
      [&] { hnn::parse_idx_images(gz.data(), gz.size(), "gz"); },
      hnn::idx_reads_gzip ? "gz: " : "the data looks gzip-compressed");
}
